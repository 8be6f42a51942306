#!/usr/bin/env python3
"""Prints the table of docs/performance.md from the JSON of run.sh (r2-before-*, r2-after-*: main and this branch
before its last commit, interleaved) and run3.sh (r3-final-*: the branch's head), all in this directory."""
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
print("| CPU path | build | arithmetic | encode s | decode s | encode peak MiB | decode peak MiB | encode G MAC/s (share) | decode G MAC/s (share) | bytes | PSNR dB |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for isa in ("avx512", "avx2"):
    for a in ("reference", "fused"):
        for b, prefix in (("main", "r2-before"), ("plan~1", "r2-after"), ("plan", "r3-final")):
            path = os.path.join(here, f"{prefix}-{isa}-{a}.json")
            if not os.path.exists(path):
                continue
            j = json.load(open(path))
            print(f"| {isa} | {b} | {a} | {j['encode_s']} | {j['decode_s']} | {j['encode_peak_memory_mb']} | {j['decode_peak_memory_mb']} "
                  f"| {j['encode_gmac_per_s']} ({j['encode_share_of_peak']:.0%}) | {j['decode_gmac_per_s']} ({j['decode_share_of_peak']:.0%}) | {j['bytes']} | {j['psnr_db']} |")
