#!/usr/bin/env bash
# Session 33: g_s.2 and g_s.4 by Winograd's minimal filtering over the output's phases (WinogradTransposedConvolution,
# spec/nic-model.md §10.3) in the default arithmetic. Session 30's run.sh, unchanged, into this directory (BASE = fe5a742,
# session 32's end; HEAD = this tree), then issue 21's 12-MP decode on its own: six more rounds of the 12-MP mirror with
# AVX-512 off and two with it, each build in turn; last HEAD's bench transforms in all three arithmetics.
# Usage: bash docs/perf-issue21/session33/run.sh BASE_NIC_DLL HEAD_NIC_DLL BASE_NIC_TORCH_DLL [OUT_DIR]
#        (after dotnet build Sdk.sln -c Release here, and dotnet build src/Cli src/TorchCli -c Release in a clone at
#        BASE); then python3 docs/perf-issue21/session30/tables.py docs/perf-issue21/session33 and
#        python3 docs/perf-issue21/session33/tables.py
set -euo pipefail
base=$1 head=$2 basetorch=$3 out=${4:-docs/perf-issue21/session33}
bash docs/perf-issue21/session30/run.sh "$base" "$head" "$basetorch" "$out"
avx2=(env DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
for path in avx2 avx512; do
  run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
  rounds="3 4 5 6 7 8"; [ "$path" = avx512 ] && rounds="1 2"
  for round in $rounds; do
    for build in base head; do
      dll=$base; [ "$build" = head ] && dll=$head
      "${run[@]}" dotnet "$dll" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --skip-memory --json > "$out/c12-$path-$build-$round.json"
    done
  done
done
# HEAD's bench transforms in every arithmetic (session 30's run times the reference and fused ones): g_s's layers by
# Winograd beside the fused kernel's.
for path in avx2 avx512; do
  run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
  "${run[@]}" dotnet "$head" bench transforms --arithmetic all --skip-memory --runs 3 --json > "$out/transforms-all-$path-head.json"
done
