"""Prints session 18's figures from the JSON beside it: medians of the interleaved runs, old → new."""
import glob, json, os, statistics as st
here = os.path.dirname(os.path.abspath(__file__))
def load(pattern):
    return [json.load(open(f)) for f in sorted(glob.glob(os.path.join(here, pattern)))]
print('bench transforms 1920x1088, fused, AVX-512 off (median of 3 interleaved runs, each a median of 3):')
for threads in (1, 2):
    for net in ('g_a_s', 'h_s_s', 'g_s_s'):
        old = st.median(r[net] for d in load('transforms-avx2-old-*.json') for r in d['runs'] if r['threads'] == threads)
        new = st.median(r[net] for d in load('transforms-avx2-new-*.json') for r in d['runs'] if r['threads'] == threads)
        print(f'  {threads} thread(s) {net[:-2]:4s} {old:.3f} -> {new:.3f} s ({new / old - 1:+.0%})')
    for layer in ('g_a.2', 'g_s.4', 'g_s.5', 'g_s.6'):
        old = [l['share_of_peak'] for d in load('transforms-avx2-old-*.json') for r in d['runs'] if r['threads'] == threads for l in r['layers'] if l['name'] == layer]
        new = [l['share_of_peak'] for d in load('transforms-avx2-new-*.json') for r in d['runs'] if r['threads'] == threads for l in r['layers'] if l['name'] == layer]
        print(f'  {threads} thread(s) {layer} share of FMA peak {min(old):.0%}-{max(old):.0%} -> {min(new):.0%}-{max(new):.0%}')
print('12-MP bench codec, AVX-512 off (4 interleaved runs each):')
for b in ('old', 'new'):
    runs = load(f'codec12mp-avx2-*-{b}-*.json')
    enc = sorted(d['encode_s'] for d in runs); dec = sorted(d['decode_s'] for d in runs)
    print(f'  {b}: encode {enc} median {st.median(enc):.2f} s; decode {dec} median {st.median(dec):.2f} s; bytes {sorted({d["bytes"] for d in runs})}')
tried = load('tried-avx512-48col-e-*.json')
if tried:
    print('AVX-512, 8 channels x 48 columns (not kept) against 8 x 32 (median of 3 interleaved runs):')
    for threads in (1, 2):
        for net in ('g_a_s', 'g_s_s'):
            old = st.median(r[net] for d in load('tried-avx512-48col-b-*.json') for r in d['runs'] if r['threads'] == threads)
            new = st.median(r[net] for d in tried for r in d['runs'] if r['threads'] == threads)
            print(f'  {threads} thread(s) {net[:-2]:4s} {old:.3f} -> {new:.3f} s ({new / old - 1:+.0%})')
def nets(pattern, threads, net):
    return [r[net] for d in load(pattern) for r in d['runs'] if r['threads'] == threads]
print('Prefetch in the fused AVX2 kernel, channels ahead (bench transforms 1920x1088, AVX-512 off, 2 interleaved runs each):')
for threads in (1, 2):
    for net in ('g_a_s', 'g_s_s'):
        print(f'  {threads} thread(s) {net[:-2]:4s} ' + '; '.join(f'{tag}: ' + ', '.join(f'{x:.3f}' for x in nets(f'prefetch-avx2-{tag}-*.json', threads, net)) for tag in ('none', 'f2', 'f4', 'f8')))
if load('tried-avx512-prefetch-g-*.json'):
    print('Prefetch in the 512-bit kernel (not kept), AVX-512 on:')
    for threads in (1, 2):
        for net in ('g_a_s', 'g_s_s'):
            print(f'  {threads} thread(s) {net[:-2]:4s} none: ' + ', '.join(f'{x:.3f}' for x in nets('tried-avx512-prefetch-none-*.json', threads, net))
                  + '; 4 ahead: ' + ', '.join(f'{x:.3f}' for x in nets('tried-avx512-prefetch-g-*.json', threads, net)))
final = load('codec12mp-final-*.json')
if final:
    print('12-MP bench codec, AVX-512 off, before the session (e1920a8) and after (4 interleaved runs each):')
    for b in ('old', 'final'):
        runs = load(f'codec12mp-final-*-{b}-*.json')
        enc = sorted(d['encode_s'] for d in runs); dec = sorted(d['decode_s'] for d in runs)
        share = sorted(d['decode_share_of_peak'] for d in runs)
        print(f'  {b}: encode {enc} median {st.median(enc):.2f} s; decode {dec} median {st.median(dec):.2f} s; decode share of peak {share}; bytes {sorted({d["bytes"] for d in runs})}')
