#!/usr/bin/env bash
# Session 23: where an encode's time goes, from the codec's stage activities (nic bench codec's encode_stages_s), beside
# libtorch's g_a + h_a on the same weights, at 3 MP (median of 5) and 12 MP (median of 3), with AVX-512 on and off.
# Usage: bash docs/perf-issue21/session23/stages.sh [OUT_DIR]   (after dotnet build Sdk.sln -c Release)
set -euo pipefail
out=${1:-docs/perf-issue21/session23}
torch=src/TorchCli/bin/Release/net10.0/nic-torch.dll
avx2=(env DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
for path in avx512 avx2; do
  run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
  "${run[@]}" dotnet "$torch" bench codec data/photos/textured/digikam-body-background.ppm --runs 5 --skip-memory --peer torch --json > "$out/stages-3mp-$path.json"
  "${run[@]}" dotnet "$torch" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 3 --skip-memory --peer torch --json > "$out/stages-12mp-$path.json"
done
