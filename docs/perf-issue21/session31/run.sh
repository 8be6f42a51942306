#!/usr/bin/env bash
# Session 31: the Winograd input transform without calls through pointer arrays, and g_a's convolutions writing into
# the next layer's row store (row stores that drop rows without moving them). Session 30's run.sh, unchanged, into this
# directory (BASE = aa47940, session 30's end; HEAD = this tree), then five more passes of each build's encode beside
# libtorch's g_a + h_a with AVX-512 off (passes 4-8, in turns), the path issue 21's "at most half" is about.
# Usage: bash docs/perf-issue21/session31/run.sh BASE_NIC_DLL HEAD_NIC_DLL BASE_NIC_TORCH_DLL [OUT_DIR]
#        (after dotnet build Sdk.sln -c Release here, and dotnet build src/TorchCli -c Release in a clone at BASE);
#        then python3 docs/perf-issue21/session30/tables.py docs/perf-issue21/session31 (or OUT_DIR; session 32 runs it
#        into docs/perf-issue21/session32)
set -euo pipefail
base=$1 head=$2 basetorch=$3 out=${4:-docs/perf-issue21/session31}
bash docs/perf-issue21/session30/run.sh "$base" "$head" "$basetorch" "$out"
img=data/photos/textured/digikam-body-background.ppm
torch=src/TorchCli/bin/Release/net10.0/nic-torch.dll
for pass in 4 5 6 7 8; do
  for build in base head; do
    dll=$basetorch; [ "$build" = head ] && dll=$torch
    env DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 \
      dotnet "$dll" bench codec "$img" --runs 5 --skip-memory --peer torch --json > "$out/peer-avx2-$build-$pass.json"
  done
done
