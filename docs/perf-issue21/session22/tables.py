#!/usr/bin/env python3
"""Prints session 22's tables from the JSON run.sh wrote."""
import json
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
CPUS = (("avx2", "AVX-512 off"), ("avx512", "AVX-512"))


def load(name):
    return json.load(open(os.path.join(HERE, name)))


print("bench codec, 2 threads, the fused arithmetic (the default before) and the Winograd one, interleaved:")
print("| image | CPU path | arithmetic | encode s (rounds) | median encode s | decode s (rounds) | bytes |")
print("|---|---|---|---|---|---|---|")
for image, label in (("12mp", "seeding.png mirrored to 4000×3000 (1 run a round)"), ("3mp", "digikam-body-background 2016×1512 (median of 3 a round)")):
    for cpu, cpu_label in CPUS:
        medians = {}
        for a in ("fused", "winograd"):
            runs = [load(f"codec-{image}-{cpu}-{a}-{r}.json") for r in (1, 2, 3)]
            enc = [d["encode_s"] for d in runs]
            dec = [d["decode_s"] for d in runs]
            medians[a] = statistics.median(enc)
            print(f"| {label} | {cpu_label} | {a} | {', '.join(f'{x:.2f}' for x in enc)} | **{medians[a]:.2f}** | "
                  f"{', '.join(f'{x:.2f}' for x in dec)} | {runs[0]['bytes']:,} |")
        print(f"| | | winograd ÷ fused | | **{medians['winograd'] / medians['fused']:.2f}×** | | |")

print()
print("bench transforms 768×512 (bmshj2018-hyperprior N=128, random weights), median of 5: g_a, and its layers in G multiply-adds/s")
print("(a Winograd layer's multiply-adds counted as the direct convolution's), 1 / 2 threads:")
print("| CPU path | layer | fused | winograd |")
print("|---|---|---|---|")
for cpu, cpu_label in CPUS:
    d = load(f"transforms-{cpu}.json")
    runs = {(r["arithmetic"], r["threads"]): r for r in d["runs"]}
    g = {a: " / ".join(f"{runs[(a, t)]['g_a_s']:.3f} s" for t in (1, 2)) for a in ("fused", "winograd")}
    print(f"| {cpu_label} | g_a | {g['fused']} | {g['winograd']} |")
    for i, layer in enumerate(runs[("fused", 1)]["layers"]):
        if not layer["name"].startswith("g_a"):
            continue
        cells = {a: " / ".join(f"{runs[(a, t)]['layers'][i]['gmac_per_s']:.1f}" for t in (1, 2)) for a in ("fused", "winograd")}
        print(f"| {cpu_label} | {layer['name']} {layer['kind']} | {cells['fused']} | {cells['winograd']} |")

print()
print("Against libtorch on the same weights (nic-torch bench codec --peer torch, median of 3, in turns):")
print("| image | CPU path | Nic encode s | libtorch g_a + h_a s | Nic ÷ libtorch | Nic decode s | libtorch g_s s | Nic ÷ libtorch |")
print("|---|---|---|---|---|---|---|---|")
for image, label in (("3mp", "digikam-body-background 2016×1512"), ("12mp", "seeding.png mirrored to 4000×3000")):
    for cpu, cpu_label in CPUS:
        d = load(f"peer-{image}-{cpu}.json")
        p = d["peer"]
        print(f"| {label} | {cpu_label} | {d['encode_s']:.3f} | {p['encode_s']:.3f} | **{p['encode_ratio']:.2f}×** | "
              f"{d['decode_s']:.3f} | {p['decode_s']:.3f} | **{p['decode_ratio']:.2f}×** |")
