"""Times infoscope and its peers on identical inputs in one run and writes the table to benchmarks/results/.

    python benchmarks/compare_peers.py                 # the issue's grid: MI d in {1, 4, 16}, N up to 1e5
    python benchmarks/compare_peers.py --quick         # small N only, a minute

Each (task, implementation) runs in a fresh subprocess that regenerates the same seeded data, so a peer that
exceeds --timeout is stopped without losing the run. Times are medians of --repeats runs (one run for anything
slower than 5 s); ratios are peer time / infoscope time.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import multiprocessing as mp
import platform
import time
from pathlib import Path

import numpy as np


import peers
from infoscope.bench import tasks

RESULTS = Path(__file__).parent / "results"


def gaussian_task(kind: str, d: int, n: int, seed: int = 0):
    """Same data for every implementation, from the suite's generator (infoscope.bench.tasks): d pairs
    (X_i, Y_i) with correlation 0.6 and known MI, or the X half alone, standard normal, for entropy."""
    task = tasks.gaussian_task(f"pairs-{d}x{d}", tasks.block_covariance(d, d, "sparse", 0.6, interacting=d), d,
                               f"{d} pairs with correlation 0.6")
    x, y = task.sample(n, seed)
    if kind == "entropy":
        return (x,), 0.5 * d * math.log(2 * math.pi * math.e)
    return (x, y), task.truth


def _timed(kind, d, n, k, name, repeats):
    table = peers.ENTROPY if kind == "entropy" else peers.MUTUAL_INFO
    arrays, _ = gaussian_task(kind, d, n)
    seconds, value = peers.median_time(lambda: float(table[name](*arrays, k)), repeats, stop_after=5)
    return seconds, value, None


def _sort_time(n, repeats):
    (x, y), _ = gaussian_task("mutual_info", 1, n)
    seconds, _ = peers.median_time(lambda: (np.sort(x[:, 0]), np.sort(y[:, 0])), max(repeats, 7))
    return seconds, None, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    peers.common_arguments(parser, k=3)
    args = parser.parse_args(argv)

    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    tasks = [("mutual_info", d, n) for d in (1, 4, 16) for n in sizes] + [("entropy", d, n) for d in (1, 8) for n in sizes]
    rows = []
    for kind, d, n in tasks:
        table = peers.ENTROPY if kind == "entropy" else peers.MUTUAL_INFO
        _, truth = gaussian_task(kind, d, 10)
        results = {}
        for name in table:
            if args.only and name not in args.only:
                continue
            status, seconds, value, note = peers.run_isolated(_timed, (kind, d, n, args.k, name, args.repeats),
                                                              args.timeout)
            results[name] = (status, seconds, value, note)
            shown = f"{seconds:.4f} s, {value:.4f}" if status == "ok" else f"{status}: {note}"
            print(f"{kind:12s} d={d:<3d} N={n:<7d} {name:14s} {shown}", flush=True)
        if kind == "mutual_info" and d == 1 and (not args.only or "infoscope" in args.only):
            # The limit of the 1-D case: one sort of each column, timed in a fresh process as the estimators are.
            status, seconds, value, note = peers.run_isolated(_sort_time, (n, args.repeats), args.timeout)
            results["np.sort x, y"] = (status, seconds, value, note)
            print(f"{kind:12s} d={d:<3d} N={n:<7d} {'np.sort x, y':14s} {seconds:.4f} s", flush=True)
        ours = results.get("infoscope", ("", None))[1]
        for name, (status, seconds, value, note) in results.items():
            rows.append({"task": kind, "d": d, "n": n, "k": args.k, "truth": truth, "implementation": name,
                         "status": status, "seconds": seconds, "estimate": value, "note": note,
                         "ratio": (seconds / ours) if (status == "ok" and ours) else None})
    write(rows, args)


def write(rows, args):
    RESULTS.mkdir(exist_ok=True)
    stem = "peers_quick" if args.quick else "peers"
    meta = {"machine": platform.processor() or platform.machine(), "python": platform.python_version(),
            "cores": mp.cpu_count(), "k": args.k, "timeout_s": args.timeout, "repeats": args.repeats,
            "date": time.strftime("%Y-%m-%d")}
    (RESULTS / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    with open(RESULTS / f"{stem}.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"# KSG MI and KL entropy: infoscope vs peers ({meta['date']}, {meta['cores']} cores, k={args.k})", "",
             "Time in seconds (median of runs), estimate in nats, and peer time / infoscope time.", "",
             "| task | d | N | truth | implementation | seconds | estimate | peer / infoscope |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        secs = f"{r['seconds']:.4f}" if r["seconds"] is not None else r["status"] + (f" ({r['note']})" if r["status"] == "timeout" else "")
        est = f"{r['estimate']:.4f}" if r["estimate"] is not None else ""
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None and r["implementation"] != "infoscope" else ""
        dims = f"{r['d']}+{r['d']}" if r["task"] == "mutual_info" else str(r["d"])
        lines.append(f"| {r['task']} | {dims} | {r['n']} | {r['truth']:.4f} | {r['implementation']} | {secs} | {est} | {ratio} |")
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / stem}.md/.csv/.json")


if __name__ == "__main__":
    main()
