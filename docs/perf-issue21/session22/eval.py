#!/usr/bin/env python3
"""The fused against the Winograd arithmetic on both validation splits (eval-fused.json, eval-winograd.json from
`nic eval --splits validation,textured --model nic-mbt2018-mean-cc --codecs none --arithmetic fused|winograd --json`):
bytes, PSNR and the BD-rate of the Winograd curve against the fused one (cubic fits as src/Cli/Eval/BjontegaardDelta.cs)."""
import json
import math
import os

import sys

# The JSON's directory: this one, or the one given (session 33 runs it on docs/perf-issue21/session33).
HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def fit(xs, ys, degree):
    n = degree + 1
    a = [[sum(x ** (i + j) for x in xs) for j in range(n)] for i in range(n)]
    b = [sum(y * x ** i for x, y in zip(xs, ys)) for i in range(n)]
    for c in range(n):  # Gaussian elimination with partial pivoting
        p = max(range(c, n), key=lambda r: abs(a[r][c]))
        a[c], a[p], b[c], b[p] = a[p], a[c], b[p], b[c]
        for r in range(c + 1, n):
            f = a[r][c] / a[c][c]
            a[r] = [u - f * v for u, v in zip(a[r], a[c])]
            b[r] -= f * b[c]
    coef = [0.0] * n
    for r in reversed(range(n)):
        coef[r] = (b[r] - sum(a[r][k] * coef[k] for k in range(r + 1, n))) / a[r][r]
    return coef


def integral(coef, lo, hi):
    return sum(c * (hi ** (i + 1) - lo ** (i + 1)) / (i + 1) for i, c in enumerate(coef))


def bd_rate(anchor, test):
    fits = []
    for pts in (anchor, test):
        xs, ys = [p[1] for p in pts], [math.log10(p[0]) for p in pts]
        fits.append((fit(xs, ys, min(3, len(set(xs)) - 1)), min(xs), max(xs)))
    lo, hi = max(fits[0][1], fits[1][1]), min(fits[0][2], fits[1][2])
    d = (integral(fits[1][0], lo, hi) - integral(fits[0][0], lo, hi)) / (hi - lo)
    return (10 ** d - 1) * 100


runs = {a: json.load(open(os.path.join(HERE, f"eval-{a}.json"))) for a in ("fused", "winograd")}
print("| split | images | fused: bytes, mean PSNR dB, encode s | Winograd: bytes, mean PSNR dB, encode s | largest PSNR gap of an image dB | BD-rate Winograd vs fused |")
print("|---|---|---|---|---|---|")
for i, split in enumerate(runs["fused"]["splits"]):
    curves = {a: runs[a]["splits"][i]["curves"][0]["points"] for a in runs}
    total = {a: sum(im["bytes"] for p in curves[a] for im in p["images"]) for a in runs}
    psnr = {a: sum(p["mean_psnr_db"] for p in curves[a]) / len(curves[a]) for a in runs}
    seconds = {a: sum(im["encode_s"] for p in curves[a] for im in p["images"]) for a in runs}
    gap = max(abs(x["psnr_db"] - y["psnr_db"]) for p, q in zip(curves["fused"], curves["winograd"]) for x, y in zip(p["images"], q["images"]))
    bd = bd_rate([(p["mean_bpp"], p["mean_psnr_db"]) for p in curves["fused"]], [(p["mean_bpp"], p["mean_psnr_db"]) for p in curves["winograd"]])
    print(f"| {split['name']} | {len(split['images'])} | {total['fused']:,}, {psnr['fused']:.3f}, {seconds['fused']:.1f} | {total['winograd']:,}, {psnr['winograd']:.3f}, {seconds['winograd']:.1f} | {gap:.3f} | {bd:+.3f} % |")
