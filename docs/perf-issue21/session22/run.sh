#!/bin/bash
# Session 22: g_a's largest convolutions by Winograd's minimal filtering (the Winograd arithmetic, spec/nic-model.md
# §10.3, the new default). One build: the fused arithmetic (the default before) against the Winograd one, interleaved,
# 2 threads. T: nic-torch.dll. OUT: where the JSON goes (default: here). tables.py prints the figures.
cd "$(dirname "$0")/../../.."   # the repository root
NIC=${NIC:-src/Cli/bin/Release/net10.0/nic.dll}
T=${T:-src/TorchCli/bin/Release/net10.0/nic-torch.dll}
OUT=${OUT:-docs/perf-issue21/session22}
A2="DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2"
for cpu in avx2 avx512; do
  e=""; [ $cpu = avx2 ] && e="$A2"
  for round in 1 2 3; do
    for a in fused winograd; do
      env $e dotnet "$NIC" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --skip-memory --arithmetic $a --json 2>/dev/null > $OUT/codec-12mp-$cpu-$a-$round.json
      env $e dotnet "$NIC" bench codec data/photos/textured/digikam-body-background.ppm --runs 3 --skip-memory --arithmetic $a --json 2>/dev/null > $OUT/codec-3mp-$cpu-$a-$round.json
    done
  done
  env $e dotnet "$NIC" bench transforms --arithmetic all --runs 5 --skip-memory --json 2>/dev/null > $OUT/transforms-$cpu.json
  # libtorch's transforms on the same weights, in turns with Nic's default (now the Winograd arithmetic).
  env $e dotnet "$T" bench codec data/photos/textured/digikam-body-background.ppm --runs 3 --skip-memory --peer torch --json 2>/dev/null > $OUT/peer-3mp-$cpu.json
  env $e dotnet "$T" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 3 --skip-memory --peer torch --json 2>/dev/null > $OUT/peer-12mp-$cpu.json
done
python3 docs/perf-issue21/session22/tables.py
