#!/usr/bin/env bash
# `duet fetch` end to end against real HTTP servers on 127.0.0.1: `duet serve` when the tool has
# it, and always Python's http.server (a server that is not duet's) serving generated files.
# Every mode downloads the crawled pages byte for byte; bad URLs and an unreachable port get one
# line each and exit status 1 while the rest still download.
#   fetch_test.sh DUET_BINARY WORK_DIR
set -euo pipefail
duet=$(realpath "$1")
work=$2
rm -rf "$work"
mkdir -p "$work"
server_pid=
serve_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  [[ -n $serve_pid ]] && kill "$serve_pid" 2>/dev/null || true
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
expect() {
  local name=$1 text=$2
  shift 2
  for needle in "$@"; do
    grep -qF -- "$needle" <<<"$text" || fail "$name: expected '$needle' in:"$'\n'"$text"
  done
}

# ---- the site: a list page linking 20 pages of random bytes (1-20 KB), plus an unlisted page.
site=$work/site
mkdir -p "$site/page"
for i in $(seq 1 20); do head -c $((1000 * i + 7)) /dev/urandom >"$site/page/p$i.html"; done
{
  echo "<html><body><h1>Pages</h1>"
  for i in $(seq 1 20); do echo "<a href=\"page/p$i.html\">page $i</a>"; done
  echo '<a href="/about.html">about</a> <a href="#top">top</a></body></html>'
} >"$site/index.html"
echo "about" >"$site/about.html"

# A threading server with a deep accept queue (the default of 5 would drop connections under
# load and turn them into one-second SYN retries).
python3 - "$site" "$work/port" <<'EOF' &
import functools, http.server, sys
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
srv = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
with open(sys.argv[2] + ".tmp", "w") as f: f.write(str(srv.server_address[1]))
import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
EOF
server_pid=$!
for _ in $(seq 1 100); do [[ -s $work/port ]] && break; sleep 0.1; done
[[ -s $work/port ]] || fail "the Python test server did not start"
base="http://127.0.0.1:$(cat "$work/port")"
echo "ok: test server at $base"

# An unreachable port: bind one, note it, close it.
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

# ---- help
out=$("$duet" fetch --help) || fail "duet fetch --help exited $?"
expect "duet fetch --help" "$out" --input --crawl --select --output --mode --concurrency --max-concurrency \
  --timeout --retries --progress --quiet --json "threads:N" "processes" "sequential" "async" "Examples:" \
  "Exit status"
echo "ok: duet fetch --help"

# ---- every mode: crawl, select, write, byte for byte
for mode in sequential threads:4 processes:2 async; do
  for c in auto 3; do
    [[ $mode != async && $c == 3 ]] && continue
    dir=$work/out-${mode%%:*}-$c
    out=$("$duet" fetch --crawl "$base/" --select '^page/' -o "$dir" --mode "$mode" -c "$c" 2>"$work/err") ||
      fail "--mode $mode -c $c exited $?: $(cat "$work/err")"
    expect "--mode $mode -c $c" "$out" "fetched 20 of 20 URLs" "list page:" "(20 links)" "latency:" "p50" "p95" "p99" \
      "concurrency:" "errors:      0"
    diff -r "$site/page" "$dir" >/dev/null || fail "--mode $mode -c $c: the files differ from the served pages"
    grep -q $'\033' "$work/err" && fail "--mode $mode: escape codes written to a pipe"
    expect "--mode $mode progress lines" "$(cat "$work/err")" "fetch: 100% (20/20"
    echo "ok: --mode $mode -c $c: 20 pages byte for byte"
  done
done

# ---- a bad URL and an unreachable port: one line each, exit 1, the rest downloaded
dir=$work/out-errors
rc=0
"$duet" fetch -o "$dir" --retries 1 --progress none "$base/page/p1.html" "not a url" \
  "http://127.0.0.1:$dead_port/x.html" "$base/page/p2.html" "$base/missing.html" >"$work/out" 2>"$work/err" || rc=$?
((rc == 1)) || fail "bad URLs: exit status $rc, expected 1"
lines=$(wc -l <"$work/err")
((lines == 3)) || fail "bad URLs: expected 3 error lines, got $lines:"$'\n'"$(cat "$work/err")"
expect "bad URL line" "$(cat "$work/err")" "not a url: not a valid http:// or https:// URL" \
  "127.0.0.1:$dead_port/x.html" "$base/missing.html: HTTP 404"
expect "bad URLs summary" "$(cat "$work/out")" "fetched 2 of 5 URLs" "errors:      3"
cmp "$dir/p1.html" "$site/page/p1.html" && cmp "$dir/p2.html" "$site/page/p2.html" ||
  fail "bad URLs: the good pages were not downloaded intact"
[[ ! -e $dir/missing.html ]] || fail "a 404 left a file behind"
echo "ok: bad URL, unreachable port and 404: one line each, exit 1, the rest downloaded"

# ---- URLs on stdin and from a file (with names, made safe), JSON summary
printf '%s\n' "# two pages" "$base/page/p3.html" "" "$base/page/p4.html" |
  "$duet" fetch -o "$work/out-stdin" -q >"$work/out" || fail "URLs on stdin: exit $?"
cmp "$work/out-stdin/p3.html" "$site/page/p3.html" || fail "stdin: p3 differs"
cmp "$work/out-stdin/p4.html" "$site/page/p4.html" || fail "stdin: p4 differs"
echo "ok: URLs from stdin"

printf '%s\n' "$base/page/p5.html ../../escaped.html" "$base/page/p6.html" "$base/page/p6.html" >"$work/list.txt"
out=$("$duet" fetch --input "$work/list.txt" -o "$work/out-file" --json) || fail "--input: exit $?"
python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert j["pages"] == 3 and j["failed"] == 0 and j["urls"] == 3, j
assert j["bytes"] == 5007 + 2 * 6007, j
assert j["concurrency"] == "auto" and j["mode"] == "async", j
assert 0 < j["latency_s"]["p50"] <= j["latency_s"]["p99"], j
' "$out" || fail "--json: unexpected summary: $out"
[[ -e $work/escaped.html || -e $work/../escaped.html ]] && fail "a file name from the list escaped the output directory"
cmp "$work/out-file/_.._escaped.html" "$site/page/p5.html" || fail "--input: the named file differs"
cmp "$work/out-file/p6.html" "$site/page/p6.html" && cmp "$work/out-file/p6-2.html" "$site/page/p6.html" ||
  fail "--input: duplicate URLs did not get unique names"
echo "ok: --input with names (kept inside -o), duplicates numbered, --json"

# ---- usage errors
rc=0
"$duet" fetch --mode fibers "$base/" >/dev/null 2>"$work/err" || rc=$?
((rc != 0)) || fail "--mode fibers exited 0"
expect "--mode fibers" "$(cat "$work/err")" "fibers"
rc=0
"$duet" fetch --crawl "$base/" --select '^nothing-matches' >/dev/null 2>"$work/err" || rc=$?
((rc != 0)) || fail "an empty crawl exited 0"
expect "empty crawl" "$(cat "$work/err")" "no links matching --select"
rc=0
"$duet" fetch </dev/null >/dev/null 2>"$work/err" || rc=$?
((rc != 0)) || fail "no URLs exited 0"
expect "no URLs" "$(cat "$work/err")" "no URLs"
echo "ok: usage errors name the problem"

# ---- duet serve, when the tool has it: the embedded site, fetched async, byte for byte.
if "$duet" --help 2>/dev/null | grep -qE "^ +serve"; then
  "$duet" serve --port 0 --pages 20 --latency 50ms >"$work/serve.out" 2>&1 &
  serve_pid=$!
  serve_url=
  for _ in $(seq 1 100); do
    serve_url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/serve.out" | head -1 || true)
    [[ -n $serve_url ]] && break
    sleep 0.1
  done
  [[ -n $serve_url ]] || fail "duet serve did not say where it listens: $(cat "$work/serve.out")"
  for mode in async threads:4 sequential; do
    dir=$work/serve-${mode%%:*}
    out=$("$duet" fetch --crawl "$serve_url/" -o "$dir" --mode "$mode" --json 2>"$work/err") ||
      fail "duet serve + fetch --mode $mode exited $?: $(cat "$work/err")"
    python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert j["pages"] >= 20 and j["failed"] == 0, j' "$out" ||
      fail "duet serve + fetch --mode $mode: $out"
    # Byte for byte: each file equals the page as curl (a client that is not duet's) gets it.
    for f in "$dir"/*; do
      name=$(basename "$f")
      url=$(grep -oE "href=\"[^\"]*$name\"" <(curl -s "$serve_url/") | head -1 | sed 's/href="//; s/"$//')
      [[ -n $url ]] || continue
      curl -s "$(python3 -c 'import sys,urllib.parse; print(urllib.parse.urljoin(sys.argv[1], sys.argv[2]))' "$serve_url/" "$url")" |
        cmp -s - "$f" || fail "duet serve + fetch --mode $mode: $name differs from what curl gets"
    done
    echo "ok: duet serve + duet fetch --mode $mode: $(ls "$dir" | wc -l) pages byte for byte"
  done
  kill "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=
else
  echo "skip: this duet has no serve command yet"
fi

echo "all fetch tests passed"
