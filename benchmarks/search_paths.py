"""Times each neighbour-search path of the core (grid, KD-tree, tiled brute force) on the same data, forced, to find
where each is fastest: the crossovers the cost model (csrc/core/brute_force.cpp, brute_force_pays) encodes.

    python benchmarks/search_paths.py            # dims up to 32, N up to 1e5 (about 20 minutes on 2 cores)
    python benchmarks/search_paths.py --quick    # N up to 2e4

Two tasks, each timed with the other task's path held fixed:
  neighbours  the k-NN search of a joint space: KL entropy (max-norm, k = 3) of d Gaussian columns;
  counts      the radius counts of the marginal spaces: KSG I(X;Y) of d + d columns (pairs with correlation 0.6,
              the suite's task), the joint search forced to brute force, minus the same estimate's joint search.
Every path gives the same estimate (checked here too); times are medians of --repeats runs (one run past 5 s), and
a path is not run at a larger N once it took more than --cap seconds.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

import infoscope as isc
from infoscope import _core
from infoscope.bench import tasks
from peers import median_time

RESULTS = Path(__file__).parent / "results"
PATHS = ("grid", "tree", "brute")


def pairs(d: int, n: int, seed: int = 0):
    """The suite's d pairs (X_i, Y_i) with correlation 0.6 (as benchmarks/compare_peers.py)."""
    task = tasks.gaussian_task(f"pairs-{d}x{d}", tasks.block_covariance(d, d, "sparse", 0.6, interacting=d), d, "")
    return task.sample(n, seed)


def timed(task: str, path: str, d: int, n: int, repeats: int):
    x, y = pairs(d, n)
    if task == "neighbours":
        _core.search_path(path, "neighbours")
        _core.search_path("auto", "counts")
        return median_time(lambda: float(isc.entropy(x, k=3, noise=0.0)), repeats, stop_after=5)
    _core.search_path("brute", "neighbours")
    _core.search_path(path, "counts")
    seconds, value = median_time(lambda: float(isc.mutual_info(x, y, k=3, noise=0.0)), repeats, stop_after=5)
    joint, _ = median_time(lambda: float(isc.entropy(np.c_[x, y], k=3, noise=0.0)), repeats, stop_after=5)
    return max(seconds - joint, 0.0), value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cap", type=float, default=20.0, help="seconds past which a path is not run at larger N")
    args = parser.parse_args(argv)
    sizes = [2_000, 5_000, 20_000] if args.quick else [2_000, 5_000, 20_000, 100_000]
    plan = {"neighbours": [2, 3, 4, 6, 8, 12, 16, 24, 32], "counts": [2, 3, 4, 6, 8, 12, 16]}
    rows = []
    try:
        for task, dims in plan.items():
            for d in dims:
                capped = set()
                for n in sizes:
                    values = {}
                    for path in PATHS:
                        if path == "grid" and d > 3:  # grids index up to three dimensions
                            continue
                        if path in capped:
                            rows.append({"task": task, "d": d, "n": n, "path": path, "seconds": None})
                            continue
                        seconds, value = timed(task, path, d, n, args.repeats)
                        values[path] = value
                        if seconds > args.cap:
                            capped.add(path)
                        rows.append({"task": task, "d": d, "n": n, "path": path, "seconds": seconds})
                        print(f"{task:10s} d={d:<2d} N={n:<6d} {path:5s} {seconds:8.4f} s  {value:.10f}", flush=True)
                    if len({round(v, 12) for v in values.values()}) > 1:
                        raise AssertionError(f"paths disagree at {task} d={d} N={n}: {values}")
    finally:
        _core.search_path("auto")
    write(rows, args)


def crossovers(rows):
    """Per task and dimension, the fastest path at each N."""
    table = {}
    for r in rows:
        if r["seconds"] is None:
            continue
        key = (r["task"], r["d"], r["n"])
        if key not in table or r["seconds"] < table[key][1]:
            table[key] = (r["path"], r["seconds"])
    return table


def write(rows, args):
    RESULTS.mkdir(exist_ok=True)
    stem = "search_paths_quick" if args.quick else "search_paths"
    meta = {"machine": platform.processor() or platform.machine(), "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d"), "repeats": args.repeats, "build": _core.build_info()}
    (RESULTS / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    best = crossovers(rows)
    sizes = sorted({r["n"] for r in rows})
    lines = [f"# Neighbour-search paths, forced ({meta['date']}, 2 cores, k = 3)", "",
             "Seconds per estimate (median), by path; **bold** the fastest. neighbours: KL entropy of d columns "
             "(the joint k-NN search); counts: the marginal counts of KSG I(X;Y) of d + d columns. "
             "— : not run (a smaller N took longer than the cap) or no such path.", ""]
    for task in ("neighbours", "counts"):
        lines += [f"## {task}", "", "| d | " + " | ".join(f"N = {n:,}" for n in sizes) + " |",
                  "|---|" + "---|" * len(sizes)]
        for d in sorted({r["d"] for r in rows if r["task"] == task}):
            cells = []
            for n in sizes:
                here = [r for r in rows if r["task"] == task and r["d"] == d and r["n"] == n]
                parts = []
                for r in here:
                    if r["seconds"] is None:
                        parts.append(f"{r['path']} —")
                        continue
                    text = f"{r['path']} {r['seconds']:.3g}"
                    parts.append(f"**{text}**" if best.get((task, d, n), ("",))[0] == r["path"] else text)
                cells.append(", ".join(parts))
            lines.append(f"| {d} | " + " | ".join(cells) + " |")
        lines.append("")
    (RESULTS / f"{stem}.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
