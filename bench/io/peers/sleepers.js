// One timer promise per task: the Node.js reference for bench/io/sleepers.
const n = parseInt(process.argv[2]);
const ms = parseFloat(process.argv[3]) * 1000;
const base = process.resourceUsage().maxRSS;
const t0 = process.hrtime.bigint();
const all = [];
for (let i = 0; i < n; i++) all.push(new Promise((r) => setTimeout(r, ms)));
Promise.all(all).then(() => {
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const peak = process.resourceUsage().maxRSS;  // KB
  console.log(`node tasks=${n} wall=${wall.toFixed(3)}s peak_rss=${(peak / 1024).toFixed(1)}MB bytes_per_task=${((peak - base) * 1024 / n).toFixed(0)}`);
});
