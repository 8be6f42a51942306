"""Tables of docs/performance.md's session 30 section from run.sh's JSON: the 3-MP codec and the 12-MP mirror, HEAD
against BASE; each build's encode against libtorch's g_a + h_a, in turns; HEAD's bench transforms for issue 21's h_s + g_s
targets and each layer's share of the FMA peak."""
import glob, json, os, statistics, sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
def load(pattern):
    return [json.load(open(f)) for f in sorted(glob.glob(os.path.join(out, pattern)))]
def name(path):
    return "AVX-512" if path == "avx512" else "AVX-512 off"

print("| CPU path | build | encode s (rounds) | median | g_a | ẑ + h_s | y bands | decode s (rounds) | median | bytes |")
print("|---|---|---|---|---|---|---|---|---|---|")
for path in ("avx2", "avx512"):
    med = {}
    for build in ("base", "head"):
        runs = load(f"codec-{path}-{build}-*.json")
        enc, dec = [r["encode_s"] for r in runs], [r["decode_s"] for r in runs]
        st = {k: statistics.median(r["encode_stages_s"][k] for r in runs) for k in ("nic.analysis", "nic.hyper_synthesis", "nic.bands")}
        med[build] = (statistics.median(enc), st["nic.analysis"], statistics.median(dec))
        print(f"| {name(path)} | {build} | {' / '.join(f'{e:.3f}' for e in enc)} | **{med[build][0]:.3f}** | {st['nic.analysis']:.3f} | "
              f"{st['nic.hyper_synthesis']:.3f} | {st['nic.bands']:.3f} | {' / '.join(f'{d:.3f}' for d in dec)} | {med[build][2]:.3f} | {runs[0]['bytes']:,} |")
    b, h = med["base"], med["head"]
    print(f"| | head ÷ base | | {h[0] / b[0]:.3f} | {h[1] / b[1]:.3f} | | | | {h[2] / b[2]:.3f} | |")

print()
print("| build | encode s (rounds) | g_a s | decode s (rounds) | encode peak MiB | decode peak MiB | bytes |")
print("|---|---|---|---|---|---|---|")
for build in ("base", "head"):
    runs = load(f"c12-avx2-{build}-*.json")
    peaks = [r for r in runs if r.get("encode_peak_memory_mb")]
    enc = " / ".join(f"{r['encode_s']:.2f}" for r in runs)
    ga = " / ".join(f"{r['encode_stages_s']['nic.analysis']:.2f}" for r in runs)
    dec = " / ".join(f"{r['decode_s']:.2f}" for r in runs)
    print(f"| {build} | {enc} | {ga} | {dec} | {peaks[0]['encode_peak_memory_mb']:.1f} | {peaks[0]['decode_peak_memory_mb']:.1f} | {runs[0]['bytes']:,} |")

print()
print("| CPU path | build | pass | Nic encode s | g_a | h_a | ẑ + h_s | y bands | libtorch g_a + h_a s | Nic ÷ libtorch |")
print("|---|---|---|---|---|---|---|---|---|---|")
for path in ("avx2", "avx512"):
    for build in ("base", "head"):
        for i, r in enumerate(load(f"peer-{path}-{build}-*.json"), 1):
            s, p = r["encode_stages_s"], r["peer"]
            print(f"| {name(path)} | {build} | {i} | {r['encode_s']:.3f} | {s['nic.analysis']:.3f} | {s['nic.hyper_analysis']:.3f} | "
                  f"{s['nic.hyper_synthesis']:.3f} | {s['nic.bands']:.3f} | {p['encode_s']:.3f} | **{p['encode_ratio']:.2f}×** |")

print()
for path in ("avx2", "avx512"):
    runs = load(f"transforms-{path}-head.json")
    if not runs:
        continue
    t = runs[0]
    print(f"{name(path)}: FMA peak " + ', '.join(f"{p['gmac_per_s']} G/s on {p['threads']}" for p in t['fma_peak']))
    print("| arithmetic | threads | g_a s | h_s s | g_s s | h_s + g_s s |")
    print("|---|---|---|---|---|---|")
    for r in t["runs"]:
        print(f"| {r['arithmetic']} | {r['threads']} | {r['g_a_s']:.3f} | {r['h_s_s']:.3f} | {r['g_s_s']:.3f} | {r['h_s_s'] + r['g_s_s']:.3f} |")
    print()
    rows = [r for r in t["runs"] if r["arithmetic"] == "fused"]
    names = [x["name"] for x in rows[0]["layers"] if x["name"].startswith("g_s") and x["multiply_adds"] > 0]
    print("| layer | " + " | ".join(f"fused/{r['threads']}" for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for n in names:
        cells = []
        for r in rows:
            x = next(x for x in r["layers"] if x["name"] == n)
            cells.append(f"{x['gmac_per_s']:.1f} ({100 * x['share_of_peak']:.0f} %)")
        print(f"| {n} | " + " | ".join(cells) + " |")
    print()
