#!/bin/bash
# Session 14: the build before (OLD: a directory holding nic.dll of 57d2218) and after (NEW) side by side, interleaved.
# usage: run.sh OLD NEW   (from the repository root; writes here)
# photo-4000x3000.ppm: python3 docs/perf-issue21/plan/mirror.py samples/seeding.png 4000 3000 photo-4000x3000.ppm
old=$1; new=$2; here=docs/perf-issue21/session14
for i in 1 2; do for b in after before; do dir=$new; [ $b = before ] && dir=$old
  for isa in avx2 avx512; do e=""; [ $isa = avx2 ] && e="DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0"
    env $e dotnet $dir/nic.dll bench transforms --skip-memory --runs 3 --json > $here/transforms-$isa-$b-$i.json
  done; done; done
for i in 1 2 3; do for isa in avx2 avx512; do e=""; [ $isa = avx2 ] && e="DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0"
  for b in before after; do dir=$new; [ $b = before ] && dir=$old
    env $e /usr/bin/time -f "$isa $b encode cpu_s %U+%S wall_s %e rss_kb %M" dotnet $dir/nic.dll encode photo-4000x3000.ppm -o /tmp/s14-$b.nic 2>&1 >/dev/null | tail -1
    env $e /usr/bin/time -f "$isa $b decode cpu_s %U+%S wall_s %e rss_kb %M" dotnet $dir/nic.dll decode /tmp/s14-$b.nic -o /tmp/s14-$b.ppm 2>&1 >/dev/null | tail -1
    cmp /tmp/s14-before.nic /tmp/s14-$b.nic && cmp /tmp/s14-before.ppm /tmp/s14-$b.ppm && echo "$isa $b identical files"
  done; done; done > $here/time12.log 2>&1
for b in before after; do dir=$new; [ $b = before ] && dir=$old
  DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 dotnet $dir/nic.dll bench codec photo-4000x3000.ppm --runs 1 --json > $here/codec-12mp-avx2-$b.json
done
