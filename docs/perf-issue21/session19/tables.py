"""Prints session 19's tables from the JSON next to this file."""
import glob, json, os, statistics
here = os.path.dirname(os.path.abspath(__file__))
def load(pattern):
    return [json.load(open(p)) for p in sorted(glob.glob(os.path.join(here, pattern)))]
for isa in ("avx2", "avx512"):
    print(f"12-MP codec ({'AVX-512 off' if isa == 'avx2' else 'AVX-512'}), 2 threads, seconds per run, median:")
    for b in ("old", "new"):
        runs = load(f"codec12mp-{isa}-{b}-*.json")
        if not runs:
            continue
        enc = [r["encode_s"] for r in runs]; dec = [r["decode_s"] for r in runs]
        print(f"  {b}: encode {', '.join(f'{x:.2f}' for x in enc)} (median {statistics.median(enc):.2f}); decode {', '.join(f'{x:.2f}' for x in dec)} (median {statistics.median(dec):.2f}); "
              f"share of peak encode {statistics.median(r['encode_share_of_peak'] for r in runs):.2f}, decode {statistics.median(r['decode_share_of_peak'] for r in runs):.2f}; bytes {runs[0]['bytes']}, PSNR {runs[0]['psnr_db']}")
for b in ("old", "new"):
    for r in load(f"codec12mp-memory-avx2-{b}.json"):
        print(f"peak memory, AVX-512 off, {b}: encode {r['encode_peak_memory_mb']} MB, decode {r['decode_peak_memory_mb']} MB")
