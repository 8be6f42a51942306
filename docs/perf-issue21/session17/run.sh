#!/bin/bash
# 12-MP encode/decode: the default (fused) vs --arithmetic reference, both CPU paths, interleaved; session-17 build
cd "$(dirname "$0")/../../.."   # the repository root
NIC=${NIC:-src/Cli/bin/Release/net10.0/nic.dll}   # the build to time; OUT: where the JSON goes
run() { # name, then the command with its environment
  local name=$1; shift
  env "$@" > ${OUT:-docs/perf-issue21/session17}/f17-$name.json 2>${OUT:-docs/perf-issue21/session17}/f17-$name.err
  python3 -c "
import json; d=json.load(open('${OUT:-docs/perf-issue21/session17}/f17-$name.json'))
print('$name', d['backend'], d['vector_bits'], 'enc', d['encode_s'], 'dec', d['decode_s'], 'peak', d['encode_peak_memory_mb'], d['decode_peak_memory_mb'], 'fma', d['fma_peak_gmac_per_s'], 'share', d['encode_share_of_peak'], d['decode_share_of_peak'], 'bytes', d['bytes'], 'psnr', d['psnr_db'])"
}
A2="DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0"
for r in 1 2; do
  run avx2-default-$r $A2 dotnet $NIC bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json $([ $r = 2 ] && echo --skip-memory)
  run avx2-reference-$r $A2 dotnet $NIC bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json --arithmetic reference $([ $r = 2 ] && echo --skip-memory)
done
run avx512-default-1 X=1 dotnet $NIC bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json --skip-memory
run avx512-reference-1 X=1 dotnet $NIC bench codec samples/seeding.png --mirror-to 4000x3000 --runs 1 --json --skip-memory --arithmetic reference

