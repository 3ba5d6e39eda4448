#!/usr/bin/env bash
# `duet serve` end to end, fetched by a real client (Debian's curl): --port 0 prints the port,
# the list page links every page, pages have their exact size and are the same on every fetch,
# unknown pages are 404, --error-rate 1 answers 503, and SIGTERM stops it gracefully (exit 0).
#   serve_test.sh DUET_BINARY WORK_DIR
set -euo pipefail
duet=$1
work=$2
rm -rf "$work"
mkdir -p "$work"

fail() {
  echo "FAIL: $*" >&2
  [[ -f $work/serve.out ]] && sed 's/^/  serve: /' "$work/serve.out" >&2
  exit 1
}
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# start ARGS...: runs `duet serve --port 0 ARGS` and sets $base to its URL.
start() {
  "$duet" serve --port 0 "$@" >"$work/serve.out" 2>&1 &
  pid=$!
  base=
  for _ in $(seq 100); do # bounded: 10 s
    base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.out" | head -1 || true)
    [[ -n $base ]] && return
    kill -0 "$pid" 2>/dev/null || fail "duet serve exited early"
    sleep 0.1
  done
  fail "duet serve printed no address"
}
# stop: SIGTERM, then wait (bounded) for a clean exit.
stop() {
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "duet serve did not stop on SIGTERM"
  local rc=0
  wait "$pid" || rc=$?
  pid=
  ((rc == 0)) || fail "duet serve exited $rc after SIGTERM"
  grep -q "stopped after" "$work/serve.out" || fail "no closing summary"
}
fetch() { curl --silent --show-error --max-time 20 "$@"; }

out=$("$duet" serve --help) || fail "duet serve --help exited $?"
for needle in --port --pages --page-size --latency --jitter --error-rate --max-concurrent --seed; do
  grep -qF -- "$needle" <<<"$out" || fail "duet serve --help does not mention $needle"
done
echo "ok: duet serve --help"

start --pages 7 --page-size 5000 --latency 20ms --jitter 5ms
list=$(fetch "$base/")
links=$(grep -o 'href="/country/[0-9]*\.html"' <<<"$list" | wc -l)
((links == 7)) || fail "the list page links $links pages, not 7"
for i in 0 3 6; do
  fetch -o "$work/a$i" "$base/country/$i.html"
  fetch -o "$work/b$i" "$base/country/$i.html"
  [[ $(stat -c %s "$work/a$i") == 5000 ]] || fail "page $i is $(stat -c %s "$work/a$i") bytes, not 5000"
  cmp -s "$work/a$i" "$work/b$i" || fail "page $i differs between two fetches"
  grep -q "<h1>Country $i</h1>" "$work/a$i" || fail "page $i has no heading"
done
cmp -s "$work/a0" "$work/a3" && fail "pages 0 and 3 are identical"
code=$(fetch -o /dev/null -w '%{http_code}' "$base/country/7.html")
[[ $code == 404 ]] || fail "page 7 of 7 answered $code, not 404"
stop
echo "ok: duet serve (list, pages, sizes, 404, SIGTERM)"

start --pages 3 --latency 0 --error-rate 1
code=$(fetch -o /dev/null -w '%{http_code}' "$base/country/1.html")
[[ $code == 503 ]] || fail "--error-rate 1 answered $code, not 503"
code=$(fetch -o /dev/null -w '%{http_code}' "$base/")
[[ $code == 200 ]] || fail "the list page answered $code under --error-rate 1"
stop
echo "ok: duet serve --error-rate 1"

rc=0
"$duet" serve --latency soon >"$work/err" 2>&1 || rc=$?
((rc != 0)) || fail "--latency soon was accepted"
grep -q "soon" "$work/err" || fail "the error does not name the bad duration: $(cat "$work/err")"
echo "ok: duet serve --latency soon (exit $rc)"
