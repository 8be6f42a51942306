#!/usr/bin/env bash
# Session 30: GDN tiles of whole 256-bit column blocks, the Winograd output transform's rows interleaved in vectors, and
# a cache line between the Winograd transformed input's points. For two builds (BASE = the commit before, HEAD = this
# tree), interleaved: `nic bench codec` of a 3-MP photo (median of 5 encodes and decodes a run; four rounds a CPU path),
# then the 12-MP mirror of the sample (one encode and decode a run, two rounds with AVX-512 off, peaks in child processes
# in the first); then each build's encode beside libtorch's g_a + h_a on the same weights (nic-torch bench codec --peer
# torch; BASE's nic-torch built from the commit before), in turns, three passes a path; last HEAD's `nic bench
# transforms` (N=128/M=192, 768 × 512, 1 and 2 threads, both arithmetics) a path, for issue 21's h_s + g_s targets.
# Usage: bash docs/perf-issue21/session30/run.sh BASE_NIC_DLL HEAD_NIC_DLL BASE_NIC_TORCH_DLL [OUT_DIR]
#        (after dotnet build Sdk.sln -c Release here, and dotnet build src/TorchCli -c Release in a clone at BASE)
set -euo pipefail
base=$1 head=$2 basetorch=$3 out=${4:-docs/perf-issue21/session30}
img=data/photos/textured/digikam-body-background.ppm
torch=src/TorchCli/bin/Release/net10.0/nic-torch.dll
avx2=(env DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
for path in avx2 avx512; do
  run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
  for round in 1 2 3 4; do
    for build in base head; do
      dll=$base; [ "$build" = head ] && dll=$head
      "${run[@]}" dotnet "$dll" bench codec "$img" --runs 5 --skip-memory --json > "$out/codec-$path-$build-$round.json"
    done
  done
done
for round in 1 2; do
  memory=(); [ "$round" = 2 ] && memory=(--skip-memory)
  for build in base head; do
    dll=$base; [ "$build" = head ] && dll=$head
    "${avx2[@]}" dotnet "$dll" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 "${memory[@]}" --json > "$out/c12-avx2-$build-$round.json"
  done
done
for path in avx2 avx512; do
  run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
  for pass in 1 2 3; do
    for build in base head; do
      dll=$basetorch; [ "$build" = head ] && dll=$torch
      "${run[@]}" dotnet "$dll" bench codec "$img" --runs 5 --skip-memory --peer torch --json > "$out/peer-$path-$build-$pass.json"
    done
  done
done
for path in avx2 avx512; do
  run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
  "${run[@]}" dotnet "$head" bench transforms --skip-memory --runs 3 --json > "$out/transforms-$path-head.json"
done
