#!/usr/bin/env python3
"""Prints session 20's table from the JSON run.sh wrote: Nic's whole encode and decode against libtorch's transforms alone."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
print("| image | CPU path | Nic encode s | libtorch g_a + h_a s | Nic ÷ libtorch | Nic decode s | libtorch g_s s | Nic ÷ libtorch | PSNR Nic / peer dB |")
print("|---|---|---|---|---|---|---|---|---|")
for image, label in (("seeding", "seeding.png 664×374"), ("3mp", "digikam-body-background 2016×1512"), ("12mp", "seeding.png mirrored to 4000×3000")):
    for cpu, cpu_label in (("avx2", "AVX-512 off"), ("avx512", "AVX-512")):
        path = os.path.join(HERE, f"peer-{image}-{cpu}.json")
        if not os.path.exists(path):
            continue
        d = json.load(open(path))
        p = d["peer"]
        print(f"| {label} | {cpu_label} | {d['encode_s']:.3f} | {p['encode_s']:.3f} | **{p['encode_ratio']:.2f}×** | "
              f"{d['decode_s']:.3f} | {p['decode_s']:.3f} | **{p['decode_ratio']:.2f}×** | {d['psnr_db']:.2f} / {p['psnr_db']:.2f} |")
