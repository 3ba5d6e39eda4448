#!/usr/bin/env bash
# The `duet` tool end to end: help, version, the demo's story and table, errors, the trace.
#   cli_test.sh DUET_BINARY WORK_DIR
set -euo pipefail
duet=$1
work=$2
rm -rf "$work"
mkdir -p "$work"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# expect NAME TEXT NEEDLE...: every NEEDLE occurs in TEXT.
expect() {
  local name=$1 text=$2
  shift 2
  for needle in "$@"; do
    grep -qF -- "$needle" <<<"$text" || fail "$name: expected '$needle' in:"$'\n'"$text"
  done
}
# run_fails NAME NEEDLE CMD...: CMD exits non-zero and says NEEDLE on stderr.
run_fails() {
  local name=$1 needle=$2
  shift 2
  local rc=0
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  ((rc != 0)) || fail "$name: exited 0"
  expect "$name (stderr)" "$(cat "$work/err")" "$needle"
  echo "ok: $name (exit $rc)"
}

out=$("$duet" --help) || fail "duet --help exited $?"
expect "duet --help" "$out" "demo" "--version"
echo "ok: duet --help"

out=$("$duet" --version) || fail "duet --version exited $?"
[[ $out =~ ^duet\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "duet --version printed '$out'"
echo "ok: duet --version ($out)"

out=$("$duet" demo --help) || fail "duet demo --help exited $?"
expect "duet demo --help" "$out" "--threads" "--scale" "--trace" "--rounds" "task" "worker" "Concurrency" "Parallelism"
echo "ok: duet demo --help"

# The demo, small: its story, its table, and no escape codes when stdout is not a terminal.
out=$("$duet" demo --threads 2 --scale 0.0001 --rounds 1) || fail "duet demo exited $?"$'\n'"$out"
expect "duet demo" "$out" \
  "execution unit 1: 0+1+2+3+4 = 10" "execution unit 2: 5+6+7+8+9 = 35" "10 + 35 = 45" \
  "workload" "sequential" "duet" "speed-up" "efficiency" "sum 0..N" "map x*2" "fib fork-join" "wait 10 ms" "2 workers" \
  "computing -> parallelism" "waiting -> concurrency"
grep -q $'\033' <<<"$out" && fail "duet demo wrote ANSI escape codes to a pipe"
grep -q "WRONG" <<<"$out" && fail "duet demo reported a wrong result"$'\n'"$out"
echo "ok: duet demo (story, table, plain text)"

out=$("$duet" demo --threads 3 --scale 0.0001 --rounds 1 --only sum) || fail "duet demo --only sum exited $?"
expect "duet demo --threads 3 --only sum" "$out" "= 45" "3 execution units" "sum 0..N" "3 workers"
grep -qF "fib fork-join" <<<"$out" && fail "--only sum still ran fib"
echo "ok: duet demo --only sum --threads 3"

out=$("$duet" demo --scale 0.0001 --rounds 1 --color always --only sum) || fail "--color always exited $?"
grep -q $'\033\[' <<<"$out" || fail "--color always wrote no escape codes"
echo "ok: duet demo --color always"

# Errors: a clear message and a non-zero exit.
run_fails "unknown option" "--no-such-option" "$duet" demo --no-such-option
run_fails "bad --threads" "--threads" "$duet" demo --threads 0
run_fails "bad --scale" "--scale" "$duet" demo --scale lots
run_fails "unknown section" "--only" "$duet" demo --only nosuchsection
run_fails "no subcommand" "subcommand" "$duet"
run_fails "unwritable trace" "$work/missing/t.json" "$duet" demo --scale 0.0001 --rounds 1 --trace "$work/missing/t.json"

# --trace writes a Chrome trace: JSON with a traceEvents array naming the workers.
trace=$work/trace.json
out=$("$duet" demo --threads 2 --scale 0.001 --rounds 1 --trace "$trace") || fail "duet demo --trace exited $?"
expect "duet demo --trace" "$out" "trace:" "$trace"
[[ -s $trace ]] || fail "--trace wrote no file"
cat >"$work/check_json.cmake" <<'CMAKE'
file(READ "${trace}" text)
string(JSON n ERROR_VARIABLE err LENGTH "${text}" traceEvents)
if(err)
  message(FATAL_ERROR "not a Chrome trace: ${err}")
endif()
if(n LESS 1)
  message(FATAL_ERROR "no trace events")
endif()
message("trace events: ${n}")
CMAKE
cmake -Dtrace="$trace" -P "$work/check_json.cmake" || fail "the trace is not valid JSON with traceEvents"
expect "trace contents" "$(cat "$trace")" "duet-cpu" "thread_name"
echo "ok: duet demo --trace"

echo "PASS: cli"
