#!/bin/bash
# Before/after of issue 21 on one machine in one session, old and new interleaved.
cd /tmp/speed-bench
OLD=/tmp/nic-before/nic.dll
NEW=/work/wt-speed/src/Cli/bin/Release/net10.0/nic.dll
for isa in avx512 avx2; do
  e=""; [ $isa = avx2 ] && e="DOTNET_EnableAVX512F=0"
  for b in old new; do
    B=$OLD; [ $b = new ] && B=$NEW
    env $e nice -n 5 dotnet $B bench transforms --runs 3 --skip-memory --json > transforms-$isa-$b.json 2>/dev/null
    echo "transforms $isa $b rc $?"
  done
done
for isa in avx512 avx2; do
  e=""; [ $isa = avx2 ] && e="DOTNET_EnableAVX512F=0"
  env $e nice -n 5 dotnet $OLD bench codec photo-4000x3000.ppm --runs 1 --skip-memory --json > codec-$isa-old.json 2>/dev/null; echo "codec $isa old rc $?"
  [ $isa = avx512 ] && { env $e nice -n 5 dotnet $NEW bench codec photo-4000x3000.ppm --runs 1 --skip-memory --json --arithmetic reference > codec-$isa-new-reference.json 2>/dev/null; echo "codec $isa new-ref rc $?"; }
  env $e nice -n 5 dotnet $NEW bench codec photo-4000x3000.ppm --runs 1 --skip-memory --json --arithmetic fused > codec-$isa-new-fused.json 2>/dev/null; echo "codec $isa new-fused rc $?"
done
for b in old new; do
  B=$OLD; [ $b = new ] && B=$NEW
  echo "decode peak MiB $b: $(nice -n 5 dotnet $B bench codec photo-4000x3000.ppm --memory-child decode --memory-file photo.nic 2>/dev/null)"
done
echo "decode peak MiB new fused: $(nice -n 5 dotnet $NEW bench codec photo-4000x3000.ppm --memory-child decode --memory-file photo.nic --arithmetic fused 2>/dev/null)"
echo done
