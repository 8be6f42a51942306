#!/bin/bash
# Session 21: one 256-bit kernel for both arithmetics (the reference arithmetic of h_s and the context networks at 24
# columns), and model loading (the catalog scan every nic command starts with). Builds interleaved, 2 threads.
# BASE: nic.dll of the build before (main at fe81be2); NEW: nic.dll of this checkout's Release build. T: nic-torch.dll.
# OUT: where the JSON and text go (default: here). tables.py prints the figures.
cd "$(dirname "$0")/../../.."   # the repository root
BASE=${BASE:?set BASE to the nic.dll of the build before}
NEW=${NEW:-src/Cli/bin/Release/net10.0/nic.dll}
T=${T:-src/TorchCli/bin/Release/net10.0/nic-torch.dll}
OUT=${OUT:-docs/perf-issue21/session21}
export DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2
for round in 1 2 3; do
  for build in base new; do
    dll=$BASE; [ $build = new ] && dll=$NEW
    dotnet "$dll" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --skip-memory --json 2>/dev/null > $OUT/codec-12mp-$build-$round.json
  done
done
for round in 1 2; do
  for build in base new; do
    dll=$BASE; [ $build = new ] && dll=$NEW
    dotnet "$dll" bench transforms --arithmetic reference --runs 5 --skip-memory --json 2>/dev/null > $OUT/transforms-reference-$build-$round.json
  done
done
dotnet "$NEW" encode samples/seeding.png -o /tmp/session21-seeding.nic > /dev/null
: > $OUT/startup.txt
for round in 1 2 3; do
  for build in base new; do
    dll=$BASE; [ $build = new ] && dll=$NEW
    /usr/bin/time -f "$build models %e %U" dotnet "$dll" models > /dev/null 2>> $OUT/startup.txt
    /usr/bin/time -f "$build decode %e %U" dotnet "$dll" decode /tmp/session21-seeding.nic -o /tmp/session21-seeding.ppm > /dev/null 2>> $OUT/startup.txt
    /usr/bin/time -f "$build encode %e %U" dotnet "$dll" encode samples/seeding.png -o /tmp/session21-seeding-$build.nic > /dev/null 2>> $OUT/startup.txt
  done
done
unset DOTNET_EnableAVX512 DOTNET_EnableAVX512F ONEDNN_MAX_CPU_ISA ATEN_CPU_CAPABILITY
T=$T OUT=$OUT bash docs/perf-issue21/session20/run.sh > /dev/null
python3 docs/perf-issue21/session21/tables.py
