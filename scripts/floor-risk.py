#!/usr/bin/env python3
"""How likely a figure of `make bench` lands on the wrong side of the floor.

    scripts/ab.sh thr tcp 1048576 4000 25 ours=target/release libzmq > runs.txt
    scripts/floor-risk.py higher runs.txt [RUNS...]

Reads the per-run lines of scripts/ab.sh ("run N: NAME FIG libzmq FIG"; the
first variant is ours, "libzmq" the reference) and resamples them
(bootstrap): for each number of runs (default 9, the bench's, then 15 and
21) it draws that many runs with replacement, takes each library's median as
the bench does, and counts how often ours is worse than libzmq's. `higher`
for throughput (ours below libzmq misses), `lower` for latency. The runs
must come from one interleaved set on a quiet machine; the answer is only as
good as the spread they show.
"""
import random
import re
import statistics
import sys


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("higher", "lower"):
        sys.exit(__doc__)
    better, path = sys.argv[1], sys.argv[2]
    counts = [int(a) for a in sys.argv[3:]] or [9, 15, 21]
    ours, ref = [], []
    line_re = re.compile(r"run \d+: \S+ ([\d.]+)\b.* libzmq ([\d.]+)")
    with open(path) as f:
        for line in f:
            m = line_re.match(line)
            if m:
                ours.append(float(m.group(1)))
                ref.append(float(m.group(2)))
    if len(ours) < 5:
        sys.exit(f"{path}: {len(ours)} runs; want at least 5")
    print(f"{len(ours)} runs: ours median {statistics.median(ours):g}, "
          f"libzmq median {statistics.median(ref):g}, "
          f"ratio {statistics.median(ours) / statistics.median(ref):.2f}")
    rng = random.Random(1)
    trials = 20000
    for n in counts:
        missed = 0
        for _ in range(trials):
            pick = [rng.randrange(len(ours)) for _ in range(n)]
            o = statistics.median(ours[i] for i in pick)
            r = statistics.median(ref[i] for i in pick)
            if (o < r) if better == "higher" else (o > r):
                missed += 1
        print(f"median of {n} runs: floor missed in {100 * missed / trials:.1f}% of resamples")


if __name__ == "__main__":
    main()
