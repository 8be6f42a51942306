"""Tables of docs/perf-issue21/session23/run.sh's JSON: python3 docs/perf-issue21/session23/tables.py [DIR]."""
import json, sys, pathlib
d = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "docs/perf-issue21/session23")
def load(name):
    p = d / name
    return json.loads(p.read_text()) if p.exists() else None
print("| CPU path | build | 12-MP encode peak MiB | 12-MP decode peak MiB | `nic models` peak MiB | cold `nic encode` sample s | cold `nic decode` s |")
print("|---|---|---|---|---|---|---|")
for path in ("avx512", "avx2"):
    for build in ("base", "head"):
        enc, dec, mod, ce, cd = [], [], [], [], []
        for p in (1, 2):
            c = load(f"codec-12mp-{path}-{build}-{p}.json")
            m = load(f"models-{path}-{build}-{p}.json")
            k = load(f"cold-{path}-{build}-{p}.json")
            if c: enc.append(c["encode_peak_memory_mb"]); dec.append(c["decode_peak_memory_mb"])
            if m: mod.append(m["models_peak_kib"] / 1024)
            if k: ce.append(k["encode"]["median_s"]); cd.append(k["decode"]["median_s"])
        f = lambda xs, fmt: " / ".join(format(x, fmt) for x in xs)
        print(f"| {'AVX-512' if path == 'avx512' else 'AVX-512 off'} | {build} | {f(enc, '.1f')} | {f(dec, '.1f')} | {f(mod, '.0f')} | {f(ce, '.2f')} | {f(cd, '.2f')} |")

print()
print("| GC settings (HEAD, AVX-512) | 12-MP encode peak MiB | 12-MP decode peak MiB |")
print("|---|---|---|")
for gc, label in (("nic", "nic's: ConserveMemory 5, concurrent off"), ("default", ".NET default: workstation, concurrent"), ("server", "Server GC")):
    runs = [load(f"gc-{gc}-{p}.json") for p in (1, 2)]
    runs = [r for r in runs if r]
    if runs:
        print(f"| {label} | {' / '.join(format(r['encode_peak_memory_mb'], '.1f') for r in runs)} | {' / '.join(format(r['decode_peak_memory_mb'], '.1f') for r in runs)} |")

print()
print("| image | CPU path | Nic encode s | g_a | h_a | ẑ + h_s | y bands | libtorch g_a + h_a s | Nic ÷ libtorch |")
print("|---|---|---|---|---|---|---|---|---|")
for size, label in (("3mp", "digikam-body-background 2016 × 1512"), ("12mp", "seeding.png mirrored to 4000 × 3000")):
    for path in ("avx512", "avx2"):
        r = load(f"stages-{size}-{path}.json")
        if not r:
            continue
        st = r["encode_stages_s"]
        f = lambda k: f"{st.get(k, 0):.3f} ({st.get(k, 0) / r['encode_s']:.0%})"
        print(f"| {label} | {'AVX-512' if path == 'avx512' else 'AVX-512 off'} | {r['encode_s']:.3f} | {f('nic.analysis')} | {f('nic.hyper_analysis')} | {f('nic.hyper_synthesis')} | {f('nic.bands')} | {r['peer']['encode_s']:.3f} | **{r['peer']['encode_ratio']:.2f}×** |")
