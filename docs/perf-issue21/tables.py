import json,os
os.chdir('/work/wt-speed/docs/perf-issue21')
def load(n):
    try: return json.load(open(n))
    except Exception as e: return None
print("### nic bench transforms, 768x512, N=128 M=192, median of 3 (h_s+g_s = decode transforms)\n")
print("| CPU path | build | arithmetic | threads | g_a s | h_a s | h_s s | g_s s | h_s+g_s s |")
print("|---|---|---|---|---|---|---|---|---|")
base={}
for isa in ['avx512','avx2']:
    for b in ['old','new']:
        d=load(f'transforms-{isa}-{b}.json')
        if not d: continue
        for r in d['runs']:
            a=r.get('arithmetic','reference')
            dec=r['h_s_s']+r['g_s_s']
            key=(isa,r['threads'])
            if b=='old': base[key]=(r['g_a_s'],dec)
            ratio=''
            if b=='new' and key in base: ratio=f" ({base[key][1]/dec:.2f}× faster)"
            print(f"| {isa} | {b} | {a} | {r['threads']} | {r['g_a_s']:.3f} | {r['h_a_s']:.3f} | {r['h_s_s']:.3f} | {r['g_s_s']:.3f} | {dec:.3f}{ratio} |")
print()
for isa in ['avx512','avx2']:
    d=load(f'transforms-{isa}-new.json')
    if not d: continue
    print(f"FMA peak ({isa}, {d['vector_bits']}-bit): " + ", ".join(f"{p['gmac_per_s']} G/s on {p['threads']} thread(s)" for p in d['fma_peak']))
    print()
    runs=d['runs']
    print("| layer | kind | G MAC | " + " | ".join(f"{r['arithmetic']}/{r['threads']}" for r in runs) + " |")
    print("|---|---|---|" + "---|"*len(runs))
    for i,l in enumerate(runs[0]['layers']):
        if l['multiply_adds']==0: continue
        print(f"| {l['name']} | {l['kind']} | {l['multiply_adds']/1e9:.3f} | " + " | ".join(f"{r['layers'][i]['gmac_per_s']:.1f} ({100*r['layers'][i]['share_of_peak']:.0f} %)" for r in runs) + " |")
    print()
print("### nic bench codec, 4000x3000 (12 MP, samples/seeding.png mirrored), default model, 2 threads, 1 run after a warm-up\n")
print("| CPU path | build | arithmetic | encode s | decode s | encode G MAC/s (share of peak) | decode G MAC/s (share of peak) | bpp | PSNR dB |")
print("|---|---|---|---|---|---|---|---|---|")
for isa in ['avx512','avx2']:
    for n,b,a in [(f'codec-{isa}-old.json','old','reference'),(f'codec-{isa}-new-reference.json','new','reference'),(f'codec-{isa}-new-fused.json','new','fused')]:
        d=load(n)
        if not d: continue
        g=f"{d['decode_gmac_per_s']} ({100*d['decode_share_of_peak']:.0f} %)" if 'decode_gmac_per_s' in d else '—'
        ge=f"{d['encode_gmac_per_s']} ({100*d['encode_share_of_peak']:.0f} %)" if 'encode_gmac_per_s' in d else '—'
        print(f"| {isa} | {b} | {a} | {d['encode_s']:.2f} | {d['decode_s']:.2f} | {ge} | {g} | {d['bpp']:.4f} | {d['psnr_db']:.2f} |")
