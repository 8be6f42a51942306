#!/bin/bash
# CPU seconds (user + sys) and peak RSS of one 12-MP encode and decode, old and new build interleaved: less sensitive
# to a shared, loaded machine than wall time. photo-4000x3000.ppm is samples/seeding.png mirrored as --mirror-to does.
# usage: cputime.sh OLD_DIR NEW_DIR PHOTO.ppm
old=$1; new=$2; photo=$3
for isa in avx512 avx2; do e=""; [ $isa = avx2 ] && e="DOTNET_EnableAVX512F=0"
  for a in reference fused; do
    [ $isa = avx2 ] && [ $a = reference ] && continue
    for b in old new; do dir=$old; [ $b = new ] && dir=$new
      echo "# $isa $a $b load: $(cut -d' ' -f1-3 /proc/loadavg)"
      env $e /usr/bin/time -f "$isa $a $b encode cpu_s %U+%S wall_s %e rss_kb %M" nice -n 10 dotnet $dir/nic.dll encode $photo -o /tmp/cpu-$b.nic --arithmetic $a 2>&1 >/dev/null | tail -1
      env $e /usr/bin/time -f "$isa $a $b decode cpu_s %U+%S wall_s %e rss_kb %M" nice -n 10 dotnet $dir/nic.dll decode /tmp/cpu-$b.nic -o /tmp/cpu-$b.ppm --arithmetic $a 2>&1 >/dev/null | tail -1
    done
  done
done
