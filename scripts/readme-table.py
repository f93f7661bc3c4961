#!/usr/bin/env python3
# The README's table of the last full `make bench`: ratio rows from two docs/bench.csv
# files (the new run and the one before it, shown in brackets), floor misses in bold.
#
#   scripts/readme-table.py NEW.csv OLD.csv "IR cell new" "IR cell old"
#
# The instruction cells are passed in as text (sender/receiver ratios at 1 B, 1 KiB,
# 8 KiB, as the bench prints them). Prints the table rows for README.md.
import csv, sys
def load(path):
    d = {}
    for r in csv.DictReader(open(path)):
        d[(r['scenario'], r['size'])] = float(r['ratio'])
    return d
new = load(sys.argv[1]); old = load(sys.argv[2]); ir_new = sys.argv[3]; ir_old = sys.argv[4]
def f(d, sc, sizes):
    out = []
    for s in sizes:
        v = d.get((sc, str(s)))
        out.append('n/a' if v is None else '%.2f' % v)
    return out
def cell(sc, sizes):
    return f(new, sc, sizes), f(old, sc, sizes)
def fmt(a, better):
    res = []
    for x in a:
        if x != 'n/a' and ((better == 'higher' and float(x) < 1.0) or (better == 'lower' and float(x) > 1.0)):
            res.append('**%s**' % x)
        else:
            res.append(x)
    return res
rows = []
def row(label, parts):
    # parts: list of (scenario, sizes, better); joined with '; '
    na, ob = [], []
    for sc, sizes, better in parts:
        a, b = cell(sc, sizes)
        na.append(' / '.join(fmt(a, better))); ob.append(' / '.join(b))
    rows.append('| %s | %s (%s) |' % (label, '; '.join(na), '; '.join(ob)))
S7 = [1, 64, 256, 1024, 8192, 65536, 1048576]
P5 = [1, 64, 1024, 65536, 1048576]
row('tcp throughput, 1 B / 64 B / 256 B / 1 KiB / 8 KiB / 64 KiB / 1 MiB', [('tcp thr', S7, 'higher')])
row('tcp latency, same sizes', [('tcp lat', S7, 'lower')])
row('ipc throughput', [('ipc thr', S7, 'higher')])
row('ipc latency', [('ipc lat', S7, 'lower')])
row('inproc throughput 1 B / 64 B / 1 KiB; latency 1 B / 1 KiB', [('inproc thr', [1, 64, 1024], 'higher'), ('inproc lat', [1, 1024], 'lower')])
rows.append('| instructions per message, tcp throughput sender/receiver, 1 B / 1 KiB / 8 KiB | %s (%s) |' % (ir_new, ir_old))
row('proc tcp, 1 I/O thread, 1 B / 64 B / 1 KiB / 64 KiB / 1 MiB', [('proc tcp io1', P5, 'higher')])
row('proc tcp, 2 I/O threads', [('proc tcp io2', P5, 'higher')])
row('proc ipc, 1 I/O thread', [('proc ipc io1', P5, 'higher')])
row('proc ipc, 2 I/O threads', [('proc ipc io2', P5, 'higher')])
def join3(scs, size):
    a = []; b = []
    for sc in scs:
        a += fmt(f(new, sc, [size]), 'higher'); b += f(old, sc, [size])
    return ' / '.join(a), ' / '.join(b)
fo = ['fanout 1 subs', 'fanout 10 subs', 'fanout 100 subs']
a, b = join3(fo, 64); rows.append('| fan-out to 1 / 10 / 100 SUBs, 64 B | %s (%s) |' % (a, b))
a1, b1 = join3(fo, 1024); a2, b2 = join3(fo, 65536); rows.append('| fan-out, 1 KiB; 64 KiB | %s; %s (%s; %s) |' % (a1, a2, b1, b2))
row('fan-in, 10 PUSH processes, 64 B / 1 KiB / 64 KiB', [('fanin 10 push', [64, 1024, 65536], 'higher')])
row('broker, 10 REQ / 4 REP round trips; 1,000 DEALERs round trips', [('broker 10 req 4 rep', [64], 'higher'), ('dealers 1000', [64], 'higher')])
mem = ['memory per connection', 'memory per idle socket', 'memory per queued msg', 'memory peak full HWM']
ma = []; mb = []
for sc in mem:
    keys = [k for k in new if k[0] == sc]
    ka = keys[0] if keys else None
    ma += fmt(['%.2f' % new[ka]] if ka else ['n/a'], 'lower')
    kb = [k for k in old if k[0] == sc]
    mb += ['%.2f' % old[kb[0]]] if kb else ['n/a']
rows.append('| memory per connection / idle socket / queued 1 KiB message / full-HWM peak | %s (%s) |' % (' / '.join(ma), ' / '.join(mb)))
C4 = [64, 1024, 65536, 1048576]
row('CURVE throughput 64 B / 1 KiB / 64 KiB / 1 MiB', [('curve thr', C4, 'higher')])
row('CURVE latency, same sizes', [('curve lat', C4, 'lower')])
W3 = [1, 1024, 65536]
row('ws / wss against libzmq 4.3.5, throughput 1 B / 1 KiB / 64 KiB', [('ws thr vs 4.3.5', W3, 'higher'), ('wss thr vs 4.3.5', W3, 'higher')])
row('epgm at 100 Mb/s, 100 B / 1 KiB / 8 KiB', [('epgm thr', [100, 1024, 8192], 'higher')])
print('\n'.join(rows))
