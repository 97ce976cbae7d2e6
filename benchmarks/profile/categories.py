#!/usr/bin/env python3
"""Folds breakdown.py outputs (one file per run) into one table of categories: % of the step per run and
CPU ms per step, the uprobe overhead removed and the rest renormalised.
usage: categories.py RUN1.txt [RUN2.txt ...]"""
import re, sys
def load(f):
    d = {}; hdr = open(f).readline()
    n = int(re.search(r'(\d+) samples', hdr).group(1)); steps = int(re.search(r'over (\d+) steps', hdr).group(1))
    med = n / (0.95 * steps)
    for line in open(f):
        m = re.match(r'(.+?) +([\d.]+) +([\d.]+)$', line.rstrip())
        if m: d[m.group(1).strip()] = float(m.group(2))
    shp = {}
    m = re.search(r'GEMM time by shape \(M,N,K\): (.*)', open(f).read())
    for a, b, c, p in re.findall(r'\((\d+), (\d+), (\d+)\): ([\d.]+)%', m.group(1)): shp[(int(a), int(b), int(c))] = float(p)
    leaf = dict((k.strip(), float(v)) for k, v in re.findall(r'([a-zA-Z() 0-9]+?) ([\d.]+)%', re.search(r'by leaf: (.*)', open(f).read()).group(1)))
    return d, med, shp, leaf
G = {  # requested category -> list of (regex over my categories)
 'GEMM rank-r thin (OpenBLAS sgemm)': r'^GEMM rank-r thin',
 'GEMM attention QK^T (Java kernel; training: + dP = dC V^T)': r'^attention QK\^T',
 'GEMM attention PV (Java kernel; training: + dQ, dK, dV)': r'^attention PV',
 'GEMM dense left (patch embedding 1568x768x768; head)': r'^GEMM dense|^GEMM classifier head',
 'GEMM rank-space r x r setup per head (OpenBLAS)': r'^GEMM rank-space',
 'softmax (forward; training: + backward)': r'^softmax|^attention backward body',
 'LayerNorm': r'^LayerNorm',
 'GELU': r'^GELU',
 'bias/residual adds (+ bias gradients)': r'^bias/residual',
 'copies/reshapes/permutes (attention head gather/transpose/scatter, ND4J Assign)': r'^copies',
 'attention kernel loop glue (tiles, row bookkeeping)': r'^attention forward body',
 'optimizer (AdamW + grad norm + zeroing)': r'^optimizer',
 'thread fork/join, waiting': r'^thread fork',
 'ND4J per-call overhead (op dispatch, shape descriptors)': r'^ND4J call overhead',
 'ND4J elementwise ops, caller unresolved': r'^ND4J elementwise',
 'memory/OS (page faults, malloc, memset outside GEMM)': r'^memory/OS',
 'JVM (interpreter, stubs, runtime)': r'^JVM',
 'loss + other': r'^loss|^other',
}
runs = [load(f) for f in sys.argv[1:]]
print('| category | ' + ' | '.join(f'% {f}' for f in sys.argv[1:]) + ' | ms (' + ', '.join(f'{r[1]:.1f}' for r in runs) + ' CPU ms/step incl. profiler) |')
print('|---|' + '---|' * (len(runs) + 1))
for name, pat in G.items():
    vals = []
    for d, med, _, _ in runs:
        prof = d.get('PROFILER (uprobe) overhead', 0.0)
        s = sum(v for k, v in d.items() if re.search(pat, k)) / (1 - prof / 100)
        vals.append((s, s * med * (1 - prof / 100) / 100))
    if all(v[0] < 0.05 for v in vals): continue
    print(f'| {name} | ' + ' | '.join(f'{v[0]:.1f}' for v in vals) + ' | ' + ' / '.join(f'{v[1]:.1f}' for v in vals) + ' |')
for f, (d, med, shp, leaf) in zip(sys.argv[1:], runs):
    prof = d.get('PROFILER (uprobe) overhead', 0.0); k = 1 / (1 - prof / 100)
    print(f'{f}: profiler (uprobe) overhead removed: {prof:.2f} %; GEMM shapes (M,N,K, % of step):', ', '.join(f'{s}: {p*k:.1f}' for s, p in sorted(shp.items(), key=lambda x: -x[1]) if p > 0.1),
          '; inside sgemm:', ', '.join(f'{a} {b*k:.1f}' for a, b in leaf.items() if b > 0.1))
