#!/usr/bin/env bash
# Session 24: the kernel of a few columns, a Winograd row's last tiles joining its last block, the split's edges in
# vectors and 512-bit transforms. `nic bench codec` of a 3-MP photo (median of 5 encodes and decodes a run) for two
# builds (BASE = the commit before, HEAD = this tree), interleaved over four rounds, with AVX-512 on and off; then HEAD's
# encode beside libtorch's g_a + h_a on the same weights (nic-torch bench codec --peer torch), twice a path.
# Usage: bash docs/perf-issue21/session24/run.sh BASE_NIC_DLL HEAD_NIC_DLL [OUT_DIR]   (after dotnet build Sdk.sln -c Release)
set -euo pipefail
base=$1 head=$2 out=${3:-docs/perf-issue21/session24}
img=data/photos/textured/digikam-body-background.ppm
torch=src/TorchCli/bin/Release/net10.0/nic-torch.dll
avx2=(env DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
for path in avx512 avx2; do
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
# The 12-MP case (the sample mirrored to 4000 × 3000), three interleaved rounds a path, peak memory included.
for path in avx512 avx2; do
  run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
  for round in 1 2 3; do
    for build in base head; do
      dll=$base; [ "$build" = head ] && dll=$head
      "${run[@]}" dotnet "$dll" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json > "$out/codec12-$path-$build-$round.json"
    done
  done
done
