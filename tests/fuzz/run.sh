#!/usr/bin/env bash
# Runs every fuzz target for SECONDS on a scratch copy of its seed corpus (the repository's
# corpus is never written to) and prints one summary line per target. Exits non-zero when any
# target crashed, leaked or timed out; the input that did it is left under BUILD/fuzz/artifacts/.
#   tests/fuzz/run.sh BUILD_DIR SECONDS
set -uo pipefail
build=${1:?build dir}
seconds=${2:?seconds}
here="$(cd "$(dirname "$0")" && pwd)"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
declare -A dict=([broker_order]=json [config]=json [money]=money [http_response]=http)
failed=()

for name in broker_order config money http_response; do
  work="$build/fuzz/$name"
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
  cp "$here/corpus/$name/"* "$work/corpus/"
  log="$work/fuzz.log"
  "$build/bin/fuzz_$name" "$work/corpus" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -dict="$here/${dict[$name]}.dict" \
      -artifact_prefix="$work/artifacts/" >"$log" 2>&1
  rc=$?
  # "#123456 DONE cov: 812 ft: 2904 corp: 310/21Kb ..." is libFuzzer's last progress line.
  done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n1)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$done_line")
  corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$done_line")
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
  speed=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log")
  echo "fuzz_$name: ${seconds}s, ${runs:-?} runs, ${speed:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
  if [ "$rc" -ne 0 ]; then
    failed+=("fuzz_$name")
    grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written to' "$log" | head -n 12
    echo "  full log: $log"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crash in ${failed[*]}"
  exit 1
fi
echo "fuzz: no crash in 4 targets"
