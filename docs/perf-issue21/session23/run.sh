#!/usr/bin/env bash
# Session 23: the catalog that loads a family on first use. Peak memory of a 12-MP encode and decode (each in a fresh
# child process, VmHWM) and of `nic models`, and the cold wall time of `nic encode` / `nic decode` of the sample, for two
# builds (BASE = the commit before, HEAD = this tree), interleaved, with AVX-512 on and off.
# Usage: bash docs/perf-issue21/session23/run.sh BASE_NIC_DLL HEAD_NIC_DLL [OUT_DIR]
set -euo pipefail
base=$1 head=$2 out=${3:-docs/perf-issue21/session23}
avx2=(env DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
tmp=$(mktemp -d)
for pass in 1 2; do
  for path in avx512 avx2; do
    run=(); [ "$path" = avx2 ] && run=("${avx2[@]}")
    for build in base head; do
      dll=$base; [ "$build" = head ] && dll=$head
      "${run[@]}" dotnet "$dll" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json > "$out/codec-12mp-$path-$build-$pass.json"
      /usr/bin/time -f '%M' -o "$tmp/models" "${run[@]}" dotnet "$dll" models > /dev/null
      echo "{\"models_peak_kib\": $(cat "$tmp/models")}" > "$out/models-$path-$build-$pass.json"
      for i in 1 2 3; do
        /usr/bin/time -f '%e %M' -o "$tmp/enc$i" "${run[@]}" dotnet "$dll" encode samples/seeding.png -o "$tmp/s.nic" > /dev/null
        /usr/bin/time -f '%e %M' -o "$tmp/dec$i" "${run[@]}" dotnet "$dll" decode "$tmp/s.nic" -o "$tmp/s.png" > /dev/null
      done
      python3 - "$tmp" > "$out/cold-$path-$build-$pass.json" <<'PY'
import json, sys, statistics
t = sys.argv[1]
def read(kind):
    rows = [open(f"{t}/{kind}{i}").read().split() for i in (1, 2, 3)]
    return {"median_s": statistics.median(float(r[0]) for r in rows), "median_peak_kib": statistics.median(int(r[1]) for r in rows)}
print(json.dumps({"encode": read("enc"), "decode": read("dec")}))
PY
    done
  done
done
# The same 12-MP peaks of HEAD under other GC settings than nic's (ConserveMemory 5, no concurrent GC), through the
# runtime's environment overrides: .NET's defaults (what an app that does not set them gets) and Server GC (ASP.NET Core's).
for pass in 1 2; do
  for gc in nic default server; do
    case $gc in
      nic) gcenv=(env) ;;
      default) gcenv=(env DOTNET_GCConserveMemory=0 DOTNET_gcConcurrent=1) ;;
      server) gcenv=(env DOTNET_gcServer=1) ;;
    esac
    "${gcenv[@]}" dotnet "$head" bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json > "$out/gc-$gc-$pass.json"
  done
done
rm -rf "$tmp"
