# One asyncio task per sleeper: the Python reference for bench/io/sleepers.
import asyncio, resource, sys, time

async def main(n, secs):
    await asyncio.gather(*(asyncio.sleep(secs) for _ in range(n)))

n, secs = int(sys.argv[1]), float(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.monotonic()
asyncio.run(main(n, secs))
wall = time.monotonic() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"python tasks={n} wall={wall:.3f}s peak_rss={peak/1024:.1f}MB bytes_per_task={(peak-base)*1024/n:.0f}")
