"""Tables of docs/performance.md's session 29 section from run.sh's JSON: the reference kernel's per-layer rates and the
3-MP codec, HEAD against BASE (medians over the rounds), and HEAD's encode against libtorch's g_a + h_a."""
import glob, json, os, statistics, sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
def load(pattern):
    return [json.load(open(f)) for f in sorted(glob.glob(os.path.join(out, pattern)))]
def name(path):
    return "AVX-512" if path == "avx512" else "AVX-512 off"

layers = ["h_s.0", "h_s.2", "h_s.4", "g_s.0", "g_s.2", "g_s.4", "g_a.2"]
print("| CPU path | build | threads | h_s s | g_s s | " + " | ".join(layers) + " |")
print("|---|---|---|---|---|" + "---|" * len(layers))
for path in ("avx2", "avx512"):
    for build in ("base", "head"):
        runs = load(f"transforms-{path}-{build}-*.json")
        for threads in (1, 2):
            rows = [r for t in runs for r in t["runs"] if r["threads"] == threads]
            rate = {l: [x["gmac_per_s"] for r in rows for x in r["layers"] if x["name"] == l] for l in layers}
            print(f"| {name(path)} | {build} | {threads} | {statistics.median(r['h_s_s'] for r in rows):.3f} | "
                  f"{statistics.median(r['g_s_s'] for r in rows):.3f} | "
                  + " | ".join(f"{min(v):.1f}–{max(v):.1f}" if len(v) > 1 else f"{v[0]:.1f}" for v in rate.values()) + " |")

print()
print("| CPU path | build | encode s (rounds) | median | g_a | ẑ + h_s | y bands | decode median s | decode's ẑ + h_s (nic.open) | bytes |")
print("|---|---|---|---|---|---|---|---|---|---|")
for path in ("avx2", "avx512"):
    med = {}
    for build in ("base", "head"):
        runs = load(f"codec-{path}-{build}-*.json")
        enc = [r["encode_s"] for r in runs]
        st = {k: statistics.median(r["encode_stages_s"][k] for r in runs) for k in ("nic.analysis", "nic.hyper_synthesis", "nic.bands")}
        dec = statistics.median(r["decode_s"] for r in runs)
        opn = statistics.median(r["decode_stages_s"]["nic.open"] for r in runs)
        med[build] = (statistics.median(enc), st["nic.hyper_synthesis"], st["nic.bands"], dec, opn)
        print(f"| {name(path)} | {build} | {' / '.join(f'{e:.3f}' for e in enc)} | **{med[build][0]:.3f}** | "
              f"{st['nic.analysis']:.3f} | {st['nic.hyper_synthesis']:.3f} | {st['nic.bands']:.3f} | {dec:.3f} | {opn:.3f} | {runs[0]['bytes']:,} |")
    b, h = med["base"], med["head"]
    print(f"| | head ÷ base | | {h[0] / b[0]:.3f} | | {h[1] / b[1]:.3f} | {h[2] / b[2]:.3f} | {h[3] / b[3]:.3f} | {h[4] / b[4]:.3f} | |")

print()
print("| CPU path | pass | Nic encode s | g_a | h_a | ẑ + h_s | y bands | libtorch g_a + h_a s | Nic ÷ libtorch |")
print("|---|---|---|---|---|---|---|---|---|")
for path in ("avx2", "avx512"):
    for i, r in enumerate(load(f"peer-{path}-*.json"), 1):
        s, p = r["encode_stages_s"], r["peer"]
        peer = p["encode_s"]
        print(f"| {name(path)} | {i} | {r['encode_s']:.3f} | {s['nic.analysis']:.3f} | {s['nic.hyper_analysis']:.3f} | "
              f"{s['nic.hyper_synthesis']:.3f} | {s['nic.bands']:.3f} | {peer:.3f} | **{r['encode_s'] / peer:.2f}×** |")
