#!/usr/bin/env bash
# Bounded fuzz smoke of every target (CI runs it after the tests): coverage-guided with afl-fuzz (SharpFuzz
# instrumentation) when afl-fuzz is installed, else the in-process mutation fuzzer, which needs nothing installed.
# Usage: scripts/fuzz-smoke.sh [SECONDS-PER-TARGET] [TARGET...]   (default 20 s, every target)
# Prints one line saying which mode it used and one line of figures per target; exits 1 on any finding, with the
# inputs saved under artifacts/fuzz/smoke-findings/TARGET. NIC_FUZZ_MODE=inprocess forces the in-process mode.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/fuzz-lib.sh

seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${FUZZ_TARGETS[@]}")
findings=$FUZZ_OUT/smoke-findings
mkdir -p "$FUZZ_OUT"
rm -rf "$findings"
fuzz_build || exit 1

status=0
if fuzz_have_afl; then
  echo "fuzz smoke: coverage-guided, $(fuzz_afl_version) with SharpFuzz instrumentation, ${seconds} s per target"
  fuzz_instrument || exit 1
  # The seeds once, in-process (one process for every target): they must pass, and the decode seeds must still reach
  # the decoder.
  seed_runs=("${targets[@]}")
  [ "${#targets[@]}" -eq "${#FUZZ_TARGETS[@]}" ] && seed_runs=(all)
  for target in "${seed_runs[@]}"; do
    if ! fuzz_tool run "$target" --seconds 0 --findings "$findings" >"$FUZZ_OUT/seeds-$target.log" 2>&1; then
      cat "$FUZZ_OUT/seeds-$target.log"
      status=1
    fi
  done
  for target in "${targets[@]}"; do
    out=$FUZZ_OUT/smoke-afl/$target
    rm -rf "$out"
    if ! fuzz_afl "$target" "$seconds" "$out" || [ ! -f "$out/default/fuzzer_stats" ]; then
      # afl-fuzz that cannot run here (no shared memory, a refused fork server) is no finding: say why, fall back.
      echo "$target: afl-fuzz did not run ($(grep -m1 -E 'PROGRAM ABORT|ERROR' "$out/afl.log" | sed 's/\x1b\[[0-9;]*m//g')); in-process instead"
      fuzz_tool run "$target" --seconds "$seconds" --findings "$findings" || status=1
      continue
    fi
    fuzz_afl_report "$target" "$out"
    fuzz_afl_findings "$target" "$out" "$findings" || status=1
  done
else
  echo "fuzz smoke: in-process mutation fuzzing ($(fuzz_inprocess_reason)), ${seconds} s per target"
  for target in "${targets[@]}"; do
    fuzz_tool run "$target" --seconds "$seconds" --findings "$findings" || status=1
  done
fi

if [ "$status" -ne 0 ]; then
  echo "fuzz smoke: FINDINGS (inputs under $findings)"
else
  echo "fuzz smoke: no findings"
fi
exit "$status"
