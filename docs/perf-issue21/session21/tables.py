#!/usr/bin/env python3
"""Prints session 21's tables from the JSON and text run.sh wrote."""
import json
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name):
    return json.load(open(os.path.join(HERE, name)))


print("12 MP (seeding.png mirrored to 4000×3000), AVX-512 off, 2 threads, builds interleaved:")
print("| build | encode s | decode s | median encode / decode s | bytes |")
print("|---|---|---|---|---|")
for build in ("base", "new"):
    runs = [load(f"codec-12mp-{build}-{r}.json") for r in (1, 2, 3)]
    enc = [d["encode_s"] for d in runs]
    dec = [d["decode_s"] for d in runs]
    print(f"| {build} | {', '.join(f'{e:.2f}' for e in enc)} | {', '.join(f'{e:.2f}' for e in dec)} | "
          f"**{statistics.median(enc):.2f} / {statistics.median(dec):.2f}** | {runs[0]['bytes']:,} |")

print()
print("bench transforms 768×512, reference arithmetic, AVX-512 off, median of 5 runs: share of the FMA peak, 1 / 2 threads, two rounds:")
print("| layer | kind | before | after |")
print("|---|---|---|---|")


def shares(d):
    out = {}
    for run in d["runs"]:
        for layer in run["layers"]:
            out.setdefault(layer["name"], [layer["kind"], {}])[1][run["threads"]] = layer["share_of_peak"]
    return out


rounds = {build: [shares(load(f"transforms-reference-{build}-{r}.json")) for r in (1, 2)] for build in ("base", "new")}
for name, (kind, _) in rounds["new"][0].items():
    if kind.startswith(("conv", "deconv")):
        cells = ["; ".join(f"{r[name][1][1]:.0%} / {r[name][1][2]:.0%}" for r in rounds[build]) for build in ("base", "new")]
        print(f"| {name} | {kind} | {cells[0]} | {cells[1]} |")

print()
print("Cold commands (AVX-512 off; wall s, user s; three interleaved rounds):")
rows = {}
for line in open(os.path.join(HERE, "startup.txt")):
    build, what, wall, user = line.split()
    rows.setdefault((what, build), []).append((float(wall), float(user)))
print("| command | before: wall / user s | after: wall / user s |")
print("|---|---|---|")
for what, label in (("models", "nic models"), ("decode", "nic decode (seeding.png's .nic, 664×374)"), ("encode", "nic encode samples/seeding.png")):
    cells = [", ".join(f"{w:.2f} / {u:.2f}" for w, u in rows[(what, build)]) for build in ("base", "new")]
    print(f"| {label} | {cells[0]} | {cells[1]} |")

print()
print("| image | CPU path | Nic encode s | libtorch g_a + h_a s | Nic ÷ libtorch | Nic decode s | libtorch g_s s | Nic ÷ libtorch |")
print("|---|---|---|---|---|---|---|---|")
for image, label in (("seeding", "seeding.png 664×374"), ("3mp", "digikam-body-background 2016×1512"), ("12mp", "seeding.png mirrored to 4000×3000")):
    for cpu, cpu_label in (("avx2", "AVX-512 off"), ("avx512", "AVX-512")):
        d = load(f"peer-{image}-{cpu}.json")
        p = d["peer"]
        print(f"| {label} | {cpu_label} | {d['encode_s']:.3f} | {p['encode_s']:.3f} | **{p['encode_ratio']:.2f}×** | "
              f"{d['decode_s']:.3f} | {p['decode_s']:.3f} | **{p['decode_ratio']:.2f}×** |")
