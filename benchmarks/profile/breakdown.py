#!/usr/bin/env python3
"""One profile of benchmarks/profile-peer.sh broken into categories: every sample of the benchmark's
main thread taken inside a cblas_sgemm call (between the entry and return uprobes) is charged to that
call's shape class (rank-r thin, rank-space set-up, dense, classifier head); the others go to the first
engine frame that names a category (AdamW, softmax, GELU, LayerNorm, attention kernel parts, bias
passes), else to the leaf library (ND4J copies, elementwise ops, call overhead, memory/OS, JVM).
usage: breakdown.py DIR [rank]   (DIR holds perf.data and out.txt)
env: FWDGEMMS=N  the number of forward GEMMs of a training step (24 for the 2-layer stack): ND4J samples
                 between a step's last GEMM and the next step's first are the optimizer phase
     ALL=1       count every benchmark thread, not only the main one (runs with OMP_NUM_THREADS > 1)
     DUMP=text   print the stacks of the category containing text"""
import re, subprocess, sys, collections
d = sys.argv[1]; rank = int(sys.argv[2]) if len(sys.argv) > 2 else 8
out = open(d + '/out.txt').read()
ms = [float(x) for x in re.search(r'project ms ([0-9. ]+)', out).group(1).split()]
med = sorted(ms)[len(ms)//2]
p = subprocess.run(['perf', 'script', '-i', d + '/perf.data', '-F', 'comm,tid,time,event,ip,sym,dso,trace'],
                   capture_output=True, text=True)
samples = []; gemms = []  # (tid, t, frames) ; (tid, t0, t1, shape)
open_g = {}
cur = None
for line in p.stdout.splitlines():
    if not line.strip():
        cur = None; continue
    if not line.startswith('\t') and not line.startswith(' ' * 8):
        m = re.match(r'\s*(.{1,16}?)\s+(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)', line)
        if not m: cur = None; continue
        comm, tid, t, ev, rest = m.group(1), int(m.group(2)), float(m.group(3)), m.group(4), m.group(5)
        if ev.endswith('gemm') or ev.endswith('gemmf'):
            g = re.search(r'ta=(\d+) tb=(\d+) M=(\d+) N=(\d+) K=(\d+)', rest)
            open_g[tid] = (t, tuple(int(x) for x in g.groups()))
            cur = None
        elif ev.endswith('gemmret__return') or ev.endswith('gemmfret__return'):
            if tid in open_g:
                t0, sh = open_g.pop(tid); gemms.append((tid, t0, t, sh))
            cur = None
        else:
            cur = [tid, t, [], comm]; samples.append(cur)
    elif cur is not None:
        f = line.strip().split(' ', 1)
        cur[2].append(f[1] if len(f) > 1 else f[0])
# main thread: the tid with most samples inside any GEMM call, else most samples under org.pclora
cnt = collections.Counter(s[0] for s in samples if s[3] == 'java' and any('org.pclora' in f for f in s[2]))
main = cnt.most_common(1)[0][0]
tend = max((g[2] for g in gemms if g[0] == main), default=None)
if tend is None or len(sys.argv) > 3:
    tend = max(s[1] for s in samples if s[0] == main and any('org.pclora' in f for f in s[2]))
tstart = tend - sum(ms) / 1000.0
tstart += 0.05 * (tend - tstart)   # skip the first 5 % (phase shift of the window)
gm = sorted(g for g in gemms if g[0] == main and g[1] >= tstart and g[2] <= tend)
gmt = collections.defaultdict(list)
for g in sorted(gemms, key=lambda g: g[1]):
    if g[1] >= tstart and g[2] <= tend: gmt[g[0]].append(g)
stt = {k: [g[1] for g in v] for k, v in gmt.items()}
def gclass(sh):
    ta, tb, M, N, K = sh
    if 10 in (M, N, K): return 'GEMM classifier head (OpenBLAS)'
    if M == rank and N in (rank, 1) and K in (64, 768): return 'GEMM rank-space attention setup r x r per head (OpenBLAS)'
    if rank in (M, N, K) or N == 3 * rank: return 'GEMM rank-r thin (OpenBLAS)'
    return 'GEMM dense (OpenBLAS) %dx%dx%d' % (M, N, K)
import bisect, os
def c_pre(fr):
    return any(re.search(r'uprobe|uretprobe|exc_int3|sched_yield|futex|__schedule', f) for f in fr[:9])
starts = [g[1] for g in gm]
gaps = []
if os.environ.get('FWDGEMMS'):
    nf = int(os.environ['FWDGEMMS'])
    heads = [i for i, g in enumerate(gm) if g[3][2:] == (16, 10, 768)]
    for i in heads:
        j = i - nf
        if j >= 1: gaps.append((gm[j-1][2], gm[j][1]))
PHASE = ('ND4J', 'memory/OS', 'bias/residual adds (ND4J')
OWN = [  # (pattern in a frame, category), searched from the leaf up; first hit wins
    (r'optim\.AdamW|GradientClipping', 'optimizer (AdamW, grad norm)'),
    (r'SoftmaxCrossEntropy|train\.Objective', 'loss (softmax cross-entropy)'),
    (r'AttentionKernel\.scores', 'attention QK^T (Java kernel)'),
    (r'AttentionKernel\.(context|product)', 'attention PV / dP products (Java kernel)'),
    (r'[Ss]oftmax', 'softmax'),
    (r'AttentionKernel\.(readHead|transpose|write|writeRow)', 'copies: attention head gather/transpose/write'),
    (r'AttentionKernel\.backward', 'attention backward body: softmax backward + P^T/dS^T transposes'),
    (r'AttentionKernel\.(run|attention)', 'attention forward body (loop glue)'),
    (r'[Gg]elu', 'GELU'),
    (r'[Ll]ayer[Nn]orm', 'LayerNorm'),
    (r'fillRows|[Cc]olumnSums', 'bias/residual adds + bias grads (Java kernels)'),
    (r'LowRankKernel', 'rank-r thin (Java kernel)'),
]
LEAF = [
    (r'uprobe|uretprobe', 'PROFILER (uprobe) overhead'),
    (r'Assign|memmove|memcpy|\.dup\(|BaseNDArray\.assign', 'copies/reshapes (ND4J Assign, memcpy)'),
    (r'PairWiseTransform.*(Add|Subtract)|BroadcastInt|broadcast.*Add', 'bias/residual adds (ND4J pairwise/broadcast)'),
    (r'PairWiseTransform|ScalarTransform|TransformFloat|TransformSame|ReduceFloat|ReduceSame|broadcast', 'ND4J elementwise/reductions (caller unknown)'),
    (r'sched_yield|futex|__schedule|pthread_cond|ForkJoin|blas_thread_server|exec_blas|omp|gomp|Parker|park', 'thread fork/join, waiting'),
    (r'memset|page_fault|clear_page|malloc|free|mmap|\[k\]|_raw_spin|kallsyms', 'memory/OS (memset, page faults, malloc)'),
    (r'libnd4j|sd::|ConstantShapeHelper|OpRegistrator|NativeOpExecutioner|nd4j', 'ND4J call overhead (shape info, op dispatch)'),
    (r'sgemm_|_SKYLAKEX|_HASWELL', 'GEMM (OpenBLAS) outside a probed call'),
    (r'libjvm|Interpreter|StubRoutines|vtable|I2C|adapters|flush_icache', 'JVM (interpreter, runtime, stubs)'),
]
import os; DUMP = os.environ.get('DUMP'); dumpc = collections.Counter()
gleaf = collections.Counter(); cat = collections.Counter(); gshape = collections.Counter(); total = 0
ALL = os.environ.get('ALL')
JVMT = re.compile(r'C1 Comp|C2 Comp|GC |G1 |VM |Signal|Finalizer|Reference|Common-Cleaner|Service|Sweeper|Deallocator|JavaCPP')
for tid, t, fr, comm in samples:
    if t < tstart or t > tend: continue
    if tid != main and not (ALL and not JVMT.search(comm)): continue
    total += 1
    own = tid if tid in gmt else main
    G = gmt.get(own, []); i = bisect.bisect_right(stt.get(own, []), t) - 1
    if not c_pre(fr) and i >= 0 and G[i][1] <= t <= G[i][2] and (tid == own or any('openblas' in f for f in fr[:2])):
        c = gclass(G[i][3]); cat[c] += 1; gshape[G[i][3][2:]] += 1
        lf = fr[0] if fr else '?'
        gleaf['kernel' if '_kernel_' in lf else 'packing (copy)' if 'copy_' in lf else 'memset of C (beta 0)' if 'memset' in lf else 'page faults' if 'kallsyms' in lf else 'uprobe' if 'uprobe' in lf else 'other'] += 1
        continue
    c = None
    if any(re.search(r'uprobe|uretprobe|exc_int3', f) for f in fr[:8]): c = 'PROFILER (uprobe) overhead'
    elif any(re.search(r'sched_yield|futex|__schedule|pthread_cond|blas_thread_server|gomp|ForkJoinPool|LockSupport|Unsafe.park', f) for f in fr[:9]): c = 'thread fork/join, waiting (yield, futex, park)'
    for f in ([] if c else fr):
        for pat, name in OWN:
            if re.search(pat, f): c = name; break
        if c: break
    if not c:
        for pat, name in LEAF:
            if fr and any(re.search(pat, f) for f in (fr[:6] if name.startswith('PROFILER') else fr[:1])): c = name; break
    if not c: c = 'other: ' + (fr[0][:60] if fr else '?')
    if gaps and c.startswith(PHASE) and any(a <= t <= b for a, b in gaps): c = 'optimizer phase between steps (ND4J ops: AdamW, grad norm, zeroing)'
    cat[c] += 1
    if DUMP and DUMP in c: dumpc[' <- '.join(x[:50] for x in fr[:9])] += 1
other_threads = collections.Counter()
for tid, t, fr, comm in samples:
    if tid != main and tstart <= t <= tend and (not ALL or JVMT.search(comm)): other_threads[comm] += 1
ngem = len(gm); steps = sum(ms) / 1000.0 * 0.95 / (sum(ms)/1000.0/len(ms)) if ms else 1
print(f'{d}: main tid {main}, window {tend-tstart:.1f} s, {total} samples (~{total/ (tend-tstart):.0f}/s of 999), median step {med:.1f} ms over {len(ms)} steps, {ngem} sgemm calls in window ({ngem/ (len(ms)*0.95):.1f}/step)')
print(f'{"category":60s} {"%":>6s} {"ms@median":>9s}')
other = 0
for c, n in cat.most_common():
    if c.startswith('other: ') and n / total < 0.004: other += n; continue
    print(f'{c:60s} {100*n/total:6.2f} {med*n/total:9.2f}')
print(f'{"other (each < 0.4 %)":60s} {100*other/total:6.2f} {med*other/total:9.2f}')
print('GEMM time by shape (M,N,K):', ', '.join(f'{s}: {100*n/total:.2f}%' for s, n in gshape.most_common(12)))
print('inside sgemm calls, by leaf:', ', '.join(f'{k} {100*n/total:.2f}%' for k, n in gleaf.most_common()))
print('samples of other threads in window (% of counted):', round(100*sum(other_threads.values())/total, 1), dict(other_threads.most_common(6)))

for k, n in dumpc.most_common(12): print(n, k, '\n')
