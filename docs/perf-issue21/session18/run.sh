#!/bin/bash
# Session 18, AVX-512 off unless said, interleaved on this 2-core machine. The nic.dll of each build:
#   OLD   e1920a8 (the session's start: the 16-column fused AVX2 kernel)
#   NEW   7aa492c (the 24-column fused AVX2 kernel)
#   FINAL the session's last build (the 24-column kernel with prefetched input rows)
#   TRIED (optional) a build with the 512-bit kernel of 8 channels × 48 columns, tried and not kept
# OUT: where the JSON goes (default: here). tables.py prints the figures.
# (The prefetch distances 2, 4 and 8 and the 512-bit prefetch, prefetch-*.json and tried-avx512-prefetch-*.json, came
# from temporary builds that read the distance from an environment variable; not kept.)
cd "$(dirname "$0")/../../.."   # the repository root
OUT=${OUT:-docs/perf-issue21/session18}
A2="DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0"
dll() { case $1 in old) echo "$OLD";; new) echo "$NEW";; final) echo "$FINAL";; esac; }
transforms() { dotnet "$1" bench transforms --arithmetic fused --skip-memory --runs 3 --width 1920 --height 1088 --json; }
codec() { env $A2 dotnet "$1" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json --skip-memory; }
for r in 1 2 3; do for b in old new; do env $A2 bash -c "$(declare -f transforms); transforms $(dll $b)" > $OUT/transforms-avx2-$b-$r.json; done; done
for s in a b; do for r in 1 2; do for b in old new; do codec "$(dll $b)" > $OUT/codec12mp-avx2-k22$s-$b-$r.json; done; done; done
for s in a b; do for r in 1 2; do for b in old final; do codec "$(dll $b)" > $OUT/codec12mp-final-k27$s-$b-$r.json; done; done; done
if [ -n "$TRIED" ]; then
  for r in 1 2 3; do transforms "$NEW" > $OUT/tried-avx512-48col-b-$r.json; transforms "$TRIED" > $OUT/tried-avx512-48col-e-$r.json; done
fi
python3 docs/perf-issue21/session18/tables.py
