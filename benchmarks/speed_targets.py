"""Collects the speed targets of issue 23 from the results of one run of the benchmarks that measure them, into
benchmarks/results/speed_targets.md:

    python benchmarks/compare_peers.py && python benchmarks/compare_transfer.py && \\
        python benchmarks/compare_binning.py && python benchmarks/search_paths.py && \\
        python benchmarks/speed_targets.py

Each row names its source; ratios are the fastest peer's time over infoscope's on the same inputs in that run.
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def load(name):
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def fastest_peer(rows, **where):
    """(infoscope seconds, fastest peer's seconds, its name) among rows matching `where`."""
    here = [r for r in rows if all(r.get(k) == v for k, v in where.items()) and r["status"] == "ok"]
    ours = next(r["seconds"] for r in here if r["implementation"] == "infoscope")
    peers = [r for r in here if r["implementation"] not in ("infoscope", "np.sort x, y")]
    best = min(peers, key=lambda r: r["seconds"]) if peers else None
    return ours, (best["seconds"] if best else None), (best["implementation"] if best else "none finished")


def main():
    peers, transfer, binning = load("peers"), load("transfer"), load("binning")
    lines = ["# Issue 23 speed targets, from one run of each benchmark (2 cores)", "",
             "| task | infoscope | fastest peer | ratio | target | met | source |", "|---|---|---|---|---|---|---|"]

    def row(task, ours, peer_s, peer_name, ratio_text, target, met, source):
        peer = f"{peer_s:.4g} s ({peer_name})" if peer_s else peer_name
        lines.append(f"| {task} | {ours:.4g} s | {peer} | {ratio_text} | {target} | {'yes' if met else 'no'} | "
                     f"{source} |")

    rows = peers["rows"]
    ours, peer_s, name = fastest_peer(rows, task="mutual_info", d=1, n=100_000)
    sort_s = next(r["seconds"] for r in rows if r["implementation"] == "np.sort x, y" and r["n"] == 100_000)
    ratio = peer_s / ours
    row("KSG MI 1+1, N = 1e5", ours, peer_s, name, f"{ratio:.1f}x; {ours / sort_s:.1f}x np.sort (x, y)",
        ">= 20x and <= 12x np.sort", ratio >= 20 and ours / sort_s <= 12, "peers.json")
    ours, peer_s, name = fastest_peer(rows, task="mutual_info", d=4, n=100_000)
    row("KSG MI 4+4, N = 1e5", ours, peer_s, name, f"{peer_s / ours:.1f}x", ">= 20x", peer_s / ours >= 20,
        "peers.json")
    ours, peer_s, name = fastest_peer(rows, task="entropy", d=8, n=100_000)
    row("KL entropy 8-D, N = 1e5", ours, peer_s, name, f"{peer_s / ours:.1f}x", ">= 20x", peer_s / ours >= 20,
        "peers.json")
    ours, peer_s, name = fastest_peer(rows, task="mutual_info", d=16, n=100_000)
    row("KSG MI 16+16, N = 1e5", ours, peer_s, name, f"{peer_s / ours:.1f}x" if peer_s else "", "<= 8 s",
        ours <= 8, "peers.json")
    for n in (1_000, 10_000, 100_000):
        here = [r for r in transfer["rows"] if r["n"] == n and r["status"] == "ok"]
        ours = next(r["seconds"] for r in here if r["implementation"] == "infoscope")
        npeet = next(r["seconds"] for r in here if r["implementation"] == "npeet-plus")
        row(f"KSG TE, N = {n:.0e}", ours, npeet, "npeet-plus", f"{npeet / ours:.1f}x", ">= 10x vs npeet-plus",
            npeet / ours >= 10, "transfer.json")
    limit = binning["limit"]
    lines.append(f"| binned entropy, 1000-unit float32 layer, N = 1e5 | {limit['infoscope_entropy_s']:.4g} s | "
                 f"x.sum() {limit['numpy_sum_s']:.4g} s | {limit['ratio']:.2f}x a sum | <= 3x | "
                 f"{'yes' if limit['ratio'] <= 3 else 'no'} | binning.json |")
    lines += ["", "Dates of the runs: " + ", ".join(f"{n} {d['meta']['date']}" for n, d in
                                                   (("peers", peers), ("transfer", transfer), ("binning", binning))),
              "", "Crossovers of the search paths (grid, KD-tree, tiled scan): search_paths.md."]
    (RESULTS / "speed_targets.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
