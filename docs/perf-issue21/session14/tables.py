# Prints the session-14 tables from this folder's JSON and log: python3 docs/perf-issue21/session14/tables.py
import glob, json, os, re, statistics as st
here = os.path.dirname(os.path.abspath(__file__))
layers = ['g_a.1', 'g_s.3', 'g_s.4', 'g_s.5', 'g_s.6']
print('| CPU path | arithmetic | threads | g_a s | h_s+g_s s | ' + ' | '.join(f'{l} ms' for l in layers) + ' |')
print('|---|---|---|---|---|' + '---|' * len(layers))
for isa in ['avx2', 'avx512']:
    for arithmetic in ['reference', 'fused']:
        for threads in [1, 2]:
            cells = {}
            for build in ['before', 'after']:
                values = {}
                for path in sorted(glob.glob(f'{here}/transforms-{isa}-{build}-*.json')):
                    for run in json.load(open(path))['runs']:
                        if run['arithmetic'] == arithmetic and run['threads'] == threads:
                            values.setdefault('g_a', []).append(run['g_a_s'])
                            values.setdefault('hsgs', []).append(run['h_s_s'] + run['g_s_s'])
                            for layer in run['layers']:
                                if layer['name'] in layers:
                                    values.setdefault(layer['name'], []).append(layer['seconds'] * 1000)
                cells[build] = {k: st.median(v) for k, v in values.items()}
            b, a = cells['before'], cells['after']
            row = [f"{b['g_a']:.3f} → {a['g_a']:.3f}", f"{b['hsgs']:.3f} → **{a['hsgs']:.3f}**"] + [f"{b[l]:.0f} → {a[l]:.0f}" for l in layers]
            print(f"| {isa} | {arithmetic} | {threads} | " + ' | '.join(row) + ' |')
rows = {}
for line in open(f'{here}/time12.log'):
    m = re.match(r'(\S+) (\S+) (\S+) cpu_s ([\d.]+)\+([\d.]+) wall_s ([\d.]+)', line)
    if m:
        isa, build, op, user, system, wall = m.groups()
        rows.setdefault((isa, op, build), []).append((float(wall), float(user) + float(system)))
print()
print('| CPU path | 12 MP | wall s, before → after (median of 3) | CPU s, before → after |')
print('|---|---|---|---|')
for isa in ['avx2', 'avx512']:
    for op in ['encode', 'decode']:
        b, a = rows[(isa, op, 'before')], rows[(isa, op, 'after')]
        print(f"| {isa} | {op} | {st.median(w for w, _ in b):.1f} → {st.median(w for w, _ in a):.1f} | {st.median(c for _, c in b):.1f} → {st.median(c for _, c in a):.1f} |")
