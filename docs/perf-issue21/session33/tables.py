#!/usr/bin/env python3
"""Session 33's tables beside session 30's (run it too): the 12-MP decode of every round, each build; each build's
decode against libtorch's g_s on the same weights; HEAD's bench transforms with g_s's layers in the fused and the
Winograd arithmetic; the rate and distortion of the default family decoded in both (eval-fused.json, eval-winograd.json
from `nic eval --splits validation,textured --model nic-mbt2018-mean-cc --codecs none --arithmetic fused|winograd --json`)."""
import glob, json, os, statistics, sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
def load(pattern):
    return [json.load(open(f)) for f in sorted(glob.glob(os.path.join(out, pattern)), key=lambda f: int(f.rsplit("-", 1)[1].split(".")[0]))]
def name(path):
    return "AVX-512" if path == "avx512" else "AVX-512 off"

print("| CPU path | build | 12-MP decode s (rounds, in turns) | median | max | encode s median | bytes | PSNR dB |")
print("|---|---|---|---|---|---|---|---|")
for path in ("avx2", "avx512"):
    for build in ("base", "head"):
        runs = load(f"c12-{path}-{build}-*.json")
        if not runs:
            continue
        dec = [r["decode_s"] for r in runs]
        print(f"| {name(path)} | {build} | {' / '.join(f'{d:.2f}' for d in dec)} | **{statistics.median(dec):.2f}** | {max(dec):.2f} | "
              f"{statistics.median(r['encode_s'] for r in runs):.2f} | {runs[0]['bytes']:,} | {runs[0]['psnr_db']:.3f} |")

print()
print("| CPU path | build | Nic decode s (passes) | libtorch g_s s | Nic ÷ libtorch (passes) | median |")
print("|---|---|---|---|---|---|")
for path in ("avx2", "avx512"):
    for build in ("base", "head"):
        runs = load(f"peer-{path}-{build}-*.json")
        if not runs:
            continue
        ratios = [r["peer"]["decode_ratio"] for r in runs]
        nic = " / ".join(f"{r['decode_s']:.3f}" for r in runs)
        peer = " / ".join(f"{r['peer']['decode_s']:.3f}" for r in runs)
        print(f"| {name(path)} | {build} | {nic} | {peer} | {' / '.join(f'{x:.2f}' for x in ratios)} | **{statistics.median(ratios):.2f}×** |")

print()
for path in ("avx2", "avx512"):
    runs = [json.load(open(f)) for f in glob.glob(os.path.join(out, f"transforms-all-{path}-head.json"))]
    if not runs:
        continue
    t = runs[0]
    print(f"{name(path)}: FMA peak " + ', '.join(f"{p['gmac_per_s']} G/s on {p['threads']}" for p in t['fma_peak']))
    print("| arithmetic | threads | g_a s | h_s s | g_s s | h_s + g_s s |")
    print("|---|---|---|---|---|---|")
    for r in t["runs"]:
        print(f"| {r['arithmetic']} | {r['threads']} | {r['g_a_s']:.3f} | {r['h_s_s']:.3f} | {r['g_s_s']:.3f} | {r['h_s_s'] + r['g_s_s']:.3f} |")
    print()
    rows = [r for r in t["runs"] if r["arithmetic"] in ("fused", "winograd")]
    names = [x["name"] for x in rows[0]["layers"] if x["name"].startswith("g_s") and x["multiply_adds"] > 0]
    print("| layer | kind | " + " | ".join(f"{r['arithmetic']}/{r['threads']} G/s (share of peak)" for r in rows) + " |")
    print("|---|---|" + "---|" * len(rows))
    for n in names:
        cells, kind = [], ""
        for r in rows:
            x = next(x for x in r["layers"] if x["name"] == n)
            kind = x["kind"]
            cells.append(f"{x['gmac_per_s']:.1f} ({100 * x['share_of_peak']:.0f} %)")
        print(f"| {n} | {kind} | " + " | ".join(cells) + " |")
    print()
