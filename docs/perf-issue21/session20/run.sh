#!/bin/bash
# Session 20: Nic's whole encode and decode against libtorch's transforms alone on the same weights (g_a + h_a, g_s;
# whole frame, no entropy coding), timed in turns in one process (`nic-torch bench codec --peer torch`), 2 threads,
# AVX-512 off (.NET, oneDNN and ATen) and on.
# T: nic-torch.dll of the build (default: this checkout's Release build). OUT: where the JSON goes (default: here).
# tables.py prints the figures.
cd "$(dirname "$0")/../../.."   # the repository root
T=${T:-src/TorchCli/bin/Release/net10.0/nic-torch.dll}
OUT=${OUT:-docs/perf-issue21/session20}
A2="DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2"
peer() { dotnet "$T" bench codec "$@" --skip-memory --peer torch --json 2>/dev/null; }
for cpu in avx2 avx512; do
  e=""; [ $cpu = avx2 ] && e="$A2"
  env $e bash -c "T=$T; $(declare -f peer); peer samples/seeding.png --runs 5" > $OUT/peer-seeding-$cpu.json
  env $e bash -c "T=$T; $(declare -f peer); peer data/photos/textured/digikam-body-background.ppm --runs 3" > $OUT/peer-3mp-$cpu.json
  env $e bash -c "T=$T; $(declare -f peer); peer samples/seeding.png --mirror-to 4000x3000 --runs 3" > $OUT/peer-12mp-$cpu.json
done
python3 docs/perf-issue21/session20/tables.py
