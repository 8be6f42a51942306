#!/bin/bash
cd /work/wt-plan
for isa in avx512 avx2; do e=""; [ $isa = avx2 ] && e="DOTNET_EnableAVX512F=0"
  for a in reference fused; do
    for b in before after; do
      echo "== $b $isa $a start: $(uptime)" >> /tmp/plan-bench/run2.log
      env $e nice -n 10 dotnet /tmp/plan-bench/$b/nic.dll bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json --arithmetic $a > /tmp/plan-bench/r2-$b-$isa-$a.json 2>>/tmp/plan-bench/run2.err
      echo "   end: $(uptime)" >> /tmp/plan-bench/run2.log
    done
  done
done
echo DONE >> /tmp/plan-bench/run2.log
