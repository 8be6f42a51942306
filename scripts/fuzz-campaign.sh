#!/usr/bin/env bash
# A long fuzzing campaign: scripts/fuzz-campaign.sh [MINUTES] [TARGET]   (default 60 minutes, shared by every target)
# Coverage-guided with afl-fuzz (SharpFuzz instrumentation) when afl-fuzz is installed, else in-process mutation
# fuzzing. Resumable: afl-fuzz's queue stays in artifacts/fuzz/campaign/TARGET and the next run continues from it; the
# in-process fuzzer takes a new mutation seed each run. Findings (the inputs, with the exception beside each) go to
# artifacts/fuzz/findings/TARGET. Exits 1 when there is a finding. NIC_FUZZ_OUT moves artifacts/fuzz elsewhere.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/fuzz-lib.sh

minutes=${1:-60}
targets=("${2:-all}")
[ "${targets[0]}" = all ] && targets=("${FUZZ_TARGETS[@]}")
seconds=$(( minutes * 60 / ${#targets[@]} ))
[ "$seconds" -lt 10 ] && seconds=10
findings=$FUZZ_OUT/findings
mkdir -p "$FUZZ_OUT/campaign" "$findings"
fuzz_build || exit 1

status=0
if fuzz_have_afl; then
  echo "fuzz campaign: coverage-guided, $(fuzz_afl_version) with SharpFuzz instrumentation, ${seconds} s per target"
  fuzz_instrument || exit 1
  for target in "${targets[@]}"; do
    out=$FUZZ_OUT/campaign/$target
    [ -f "$out/default/fuzzer_stats" ] && echo "$target: resuming $(fuzz_stat "$out" corpus_count) queued inputs"
    start=$(date +%s)
    fuzz_afl "$target" "$seconds" "$out" || { echo "$target: afl-fuzz failed:"; tail -n 20 "$out/afl.log"; status=1; continue; }
    echo "$(fuzz_afl_report "$target" "$out") (this run: $(( $(date +%s) - start )) s wall)"
    fuzz_afl_findings "$target" "$out" "$findings" || status=1
  done
else
  echo "fuzz campaign: in-process mutation fuzzing ($(fuzz_inprocess_reason)), ${seconds} s per target"
  for target in "${targets[@]}"; do
    state=$FUZZ_OUT/campaign/$target.inprocess-seed
    seed=$(( $(cat "$state" 2>/dev/null || echo 0) + 1 ))
    echo "$seed" >"$state"
    fuzz_tool run "$target" --seconds "$seconds" --seed "$seed" --findings "$findings" || status=1
  done
fi

if [ "$status" -ne 0 ]; then
  echo "fuzz campaign: FINDINGS under $findings"
else
  echo "fuzz campaign: no findings"
fi
exit "$status"
