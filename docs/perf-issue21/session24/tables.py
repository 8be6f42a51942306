"""Tables of docs/performance.md's session 24 section from run.sh's JSON: medians over the rounds, HEAD against BASE,
and HEAD's encode against libtorch's g_a + h_a."""
import glob, json, os, statistics, sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
def load(pattern):
    return [json.load(open(f)) for f in sorted(glob.glob(os.path.join(out, pattern)))]

print("| CPU path | build | encode s (rounds) | median | g_a (nic.analysis) median s | decode median s | bytes |")
print("|---|---|---|---|---|---|---|")
for path in ("avx512", "avx2"):
    med = {}
    for build in ("base", "head"):
        runs = load(f"codec-{path}-{build}-*.json")
        enc = [r["encode_s"] for r in runs]
        ga = statistics.median(r["encode_stages_s"]["nic.analysis"] for r in runs)
        dec = statistics.median(r["decode_s"] for r in runs)
        med[build] = (statistics.median(enc), ga, dec)
        print(f"| {'AVX-512' if path == 'avx512' else 'AVX-512 off'} | {build} | {' / '.join(f'{e:.3f}' for e in enc)} | "
              f"**{med[build][0]:.3f}** | {ga:.3f} | {dec:.3f} | {runs[0]['bytes']:,} |")
    b, h = med["base"], med["head"]
    print(f"| | head ÷ base | | {h[0] / b[0]:.3f} | {h[1] / b[1]:.3f} | {h[2] / b[2]:.3f} | |")

print()
print("| CPU path | pass | Nic encode s | g_a | h_a | ẑ + h_s | y bands | libtorch g_a + h_a s | Nic ÷ libtorch |")
print("|---|---|---|---|---|---|---|---|---|")
for path in ("avx512", "avx2"):
    for i, r in enumerate(load(f"peer-{path}-*.json"), 1):
        s, p = r["encode_stages_s"], r["peer"]
        peer = p["encode_s"]
        print(f"| {'AVX-512' if path == 'avx512' else 'AVX-512 off'} | {i} | {r['encode_s']:.3f} | {s['nic.analysis']:.3f} | "
              f"{s['nic.hyper_analysis']:.3f} | {s['nic.hyper_synthesis']:.3f} | {s['nic.bands']:.3f} | {peer:.3f} | "
              f"**{r['encode_s'] / peer:.2f}×** |")

print()
print("| CPU path | build | 12-MP encode s (rounds) | median | 12-MP decode median s | encode peak MiB | decode peak MiB | bytes |")
print("|---|---|---|---|---|---|---|---|")
for path in ("avx512", "avx2"):
    for build in ("base", "head"):
        runs = load(f"codec12-{path}-{build}-*.json")
        if not runs:
            continue
        enc = [r["encode_s"] for r in runs]
        print(f"| {'AVX-512' if path == 'avx512' else 'AVX-512 off'} | {build} | {' / '.join(f'{e:.2f}' for e in enc)} | "
              f"**{statistics.median(enc):.2f}** | {statistics.median(r['decode_s'] for r in runs):.2f} | "
              f"{max(r['encode_peak_memory_mb'] for r in runs):.1f} | {max(r['decode_peak_memory_mb'] for r in runs):.1f} | {runs[0]['bytes']:,} |")
