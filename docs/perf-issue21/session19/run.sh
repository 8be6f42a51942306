#!/bin/bash
# Session 19, interleaved on this 2-core machine. The nic.dll of each build:
#   OLD   3492c3d (the session's start)
#   NEW   the session's last build (g_a's phase split vectorized; g_s and g_a in vertical stripes, one a thread)
# OUT: where the JSON goes (default: here). tables.py prints the figures.
cd "$(dirname "$0")/../../.."   # the repository root
OUT=${OUT:-docs/perf-issue21/session19}
A2="DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0"
dll() { case $1 in old) echo "$OLD";; new) echo "$NEW";; esac; }
codec() { dotnet "$1" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json --skip-memory; }
for r in 1 2 3; do for b in old new; do env $A2 bash -c "$(declare -f codec); codec $(dll $b)" > $OUT/codec12mp-avx2-$b-$r.json; done; done
for r in 1 2; do for b in old new; do codec "$(dll $b)" > $OUT/codec12mp-avx512-$b-$r.json; done; done
# Peak memory (each in a fresh child process), once per build, AVX-512 off.
for b in old new; do env $A2 dotnet "$(dll $b)" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json > $OUT/codec12mp-memory-avx2-$b.json; done
python3 docs/perf-issue21/session19/tables.py
