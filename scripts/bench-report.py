#!/usr/bin/env python3
"""bench-report.py RUN.csv MERGED.csv CHART.png

Called at the end of `make bench` (scripts/bench.sh). RUN.csv holds this
run's figures (scenario, size, metric, unit, better, ours, libzmq, ratio,
runs, date, commit). Its rows replace those of the same (scenario, size,
metric) in MERGED.csv (docs/bench.csv), so a run of a few scenarios keeps the
others' latest figures; CHART.png (docs/bench.png) is drawn from MERGED.csv:
ratio ours/libzmq against message size, one line per scenario, log axes,
and the figures without a size as bars. Prints this run's full table.
Without matplotlib it prints the table and says how to get the chart."""
import csv
import os
import sys

FIELDS = ["scenario", "size", "metric", "unit", "better", "ours", "libzmq",
          "ratio", "runs", "date", "commit"]
ORDER = ["inproc", "tcp", "ipc", "curve", "proc", "fanout", "fanin", "broker",
         "dealers", "memory", "ws", "epgm"]


def load(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f)]


def key(r):
    return (r["scenario"], r["size"], r["metric"])


def sort_key(r):
    family = r["scenario"].split()[0]
    rank = ORDER.index(family) if family in ORDER else len(ORDER)
    size = float(r["size"]) if r["size"] else -1
    return (rank, r["scenario"], size)


def number(v):
    try:
        return float(v)
    except ValueError:
        return None


def print_table(rows):
    print("== all figures of this run (ratio = ours/libzmq; better: which way is better for ours)")
    fmt = "%-26s %8s %-12s %14s %14s %7s %-6s %5s"
    print(fmt % ("scenario", "size", "metric", "ours", "libzmq", "ratio", "better", "runs"))
    for r in rows:
        print(fmt % (r["scenario"], r["size"] or "-", r["metric"] + " [" + r["unit"] + "]",
                     r["ours"], r["libzmq"], r["ratio"], r["better"], r["runs"]))


def draw(rows, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

    sized = {}
    bars = []
    for r in rows:
        ratio = number(r["ratio"])
        if ratio is None:
            continue
        if r["size"]:
            sized.setdefault((r["better"], r["scenario"]), []).append((float(r["size"]), ratio))
        else:
            bars.append((r["scenario"], ratio))

    fig, axes = plt.subplots(1, 3, figsize=(17, 8.5),
                             gridspec_kw={"width_ratios": [3, 3, 1.6]})
    markers = "osD^v<>pPX*h"
    yticks = [0.125, 0.25, 0.5, 1, 2, 4, 8]
    for ax, better, title in (
            (axes[0], "higher", "throughput, delivered, round trips: higher is better"),
            (axes[1], "lower", "latency, memory: lower is better")):
        lines = sorted((s, pts) for (b, s), pts in sized.items() if b == better)
        cmap = plt.get_cmap("tab10")
        lo, hi = 0.5, 2.0
        for i, (scenario, pts) in enumerate(sorted(lines, key=lambda sp: sort_key(
                {"scenario": sp[0], "size": ""}))):
            pts.sort()
            xs = [max(x, 1) for x, _ in pts]
            ys = [y for _, y in pts]
            lo, hi = min(lo, *ys), max(hi, *ys)
            style = ["-", "--", "-.", ":"][i // 10 % 4] if len(xs) > 1 else "none"
            ax.plot(xs, ys, marker=markers[i % len(markers)], color=cmap(i % 10),
                    linestyle=style, markersize=6, label=scenario)
        ax.axhline(1, color="black", linewidth=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(lo / 1.3, hi * 1.3)
        ax.yaxis.set_major_locator(FixedLocator([t for t in yticks if lo / 1.5 <= t <= hi * 1.5]))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.set_xticks([1, 16, 64, 256, 1024, 8192, 65536, 1048576])
        ax.set_xticklabels(["1", "16", "64", "256", "1K", "8K", "64K", "1M"])
        ax.set_xlabel("message size [B]")
        ax.set_ylabel("ours / libzmq 4.3.4 (ws: 4.3.5; \"vs omq\": omq-tokio)")
        ax.set_title(title, fontsize=11)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.1))

    ax = axes[2]
    if bars:
        names = [n for n, _ in bars]
        vals = [v for _, v in bars]
        ax.barh(range(len(vals)), vals, color="tab:gray")
        ax.set_yticks(range(len(vals)))
        ax.set_yticklabels(names, fontsize=9)
        for i, v in enumerate(vals):
            ax.text(v, i, " %.2f" % v, va="center", fontsize=9)
        ax.axvline(1, color="black", linewidth=1)
        ax.set_xlim(0, max(vals + [1]) * 1.3)
    ax.set_title("memory, no size: lower is better", fontsize=11)
    ax.set_xlabel("ours / libzmq 4.3.4")

    commits = sorted({r["commit"] for r in rows})
    dates = sorted({r["date"][:10] for r in rows})
    when = dates[0] if len(dates) == 1 else "%s to %s" % (dates[0], dates[-1])
    fig.suptitle("libzmq-rs vs libzmq 4.3.4 (make bench, medians of interleaved runs; "
                 "commit %s, %s)" % (", ".join(commits), when), fontsize=12)
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    print("chart: %s" % png)


def main():
    run_csv, merged_csv, png = sys.argv[1:4]
    run = load(run_csv)
    keys = {key(r) for r in run}
    merged = sorted([r for r in load(merged_csv) if key(r) not in keys] + run, key=sort_key)
    os.makedirs(os.path.dirname(merged_csv) or ".", exist_ok=True)
    with open(merged_csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(merged)
    print_table(run)
    print("results: %s (this run), %s (latest of every figure)" % (run_csv, merged_csv))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("no chart: matplotlib is missing (apt-get install python3-matplotlib)")
        return
    draw(merged, png)


if __name__ == "__main__":
    main()
