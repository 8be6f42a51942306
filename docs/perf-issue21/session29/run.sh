#!/usr/bin/env bash
# Session 29: the reference arithmetic's 256-bit row kernel without its spilled accumulator. For two builds (BASE = the
# commit before, HEAD = this tree), interleaved: `nic bench transforms --arithmetic reference` (the per-layer rates of
# the reference kernel, 768 × 512, 1 and 2 threads; three rounds with AVX-512 off, one with it on), and `nic bench codec`
# of a 3-MP photo (median of 5 encodes and decodes a run; four rounds a CPU path); then HEAD's encode beside libtorch's
# g_a + h_a on the same weights (nic-torch bench codec --peer torch), twice a path.
# Usage: bash docs/perf-issue21/session29/run.sh BASE_NIC_DLL HEAD_NIC_DLL [OUT_DIR]   (after dotnet build Sdk.sln -c Release)
set -euo pipefail
base=$1 head=$2 out=${3:-docs/perf-issue21/session29}
img=data/photos/textured/digikam-body-background.ppm
torch=src/TorchCli/bin/Release/net10.0/nic-torch.dll
avx2=(env DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
for path in avx2 avx512; do
  run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
  rounds=3; [ "$path" = avx512 ] && rounds=1
  for round in $(seq 1 $rounds); do
    for build in base head; do
      dll=$base; [ "$build" = head ] && dll=$head
      "${run[@]}" dotnet "$dll" bench transforms --arithmetic reference --skip-memory --runs 3 --json > "$out/transforms-$path-$build-$round.json"
    done
  done
done
for path in avx2 avx512; do
  run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
  for round in 1 2 3 4; do
    for build in base head; do
      dll=$base; [ "$build" = head ] && dll=$head
      "${run[@]}" dotnet "$dll" bench codec "$img" --runs 5 --skip-memory --json > "$out/codec-$path-$build-$round.json"
    done
  done
  for pass in 1 2; do
    "${run[@]}" dotnet "$torch" bench codec "$img" --runs 5 --skip-memory --peer torch --json > "$out/peer-$path-$pass.json"
  done
done
