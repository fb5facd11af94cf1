"""KSG conditional MI surrogates at the size of a network analysis at T = 1e4: one estimate (the k-NN search of
the joint space and the counts in three spaces, the search each surrogate otherwise repeats) against surrogates that walk
each sample's stored X-Z and Z neighbours (docs/methods.md, "How the Frenzel-Pompe counts are found").

    python benchmarks/cmi_surrogates.py [--n 10000] [--dims 4 5 6 7 8] [--workers 2]

Data: X (one column) depends on Y (one column); Z, the other columns, standard normal, as the target's present,
the candidate and the conditioning set of a greedy step. One estimate (median of 3), the first surrogate call
(which finds the neighbours once) and the surrogates after it (median over 4 calls of 8). The surrogates'
values are checked against estimates on the permuted data. Writes benchmarks/results/cmi_surrogates.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from infoscope._native import core

RESULTS = Path(__file__).resolve().parent / "results"


def measure(n: int, dims: int, workers: int, rng) -> dict:
    dz = dims - 2
    data = rng.standard_normal((n, dims))
    data[:, 0] += 0.5 * data[:, -1]
    problem = core.KsgConditionalMI(data, 1, dz, 4, [0, n], 0, workers)
    estimate = []
    for _ in range(3):
        began = time.perf_counter()
        problem.locals()
        estimate.append(time.perf_counter() - began)
    perms = np.stack([rng.permutation(n) for _ in range(33)]).astype(np.uint32)
    began = time.perf_counter()
    first = problem.surrogates(perms[:1])
    first_s = time.perf_counter() - began
    later = []
    for b in range(4):
        began = time.perf_counter()
        problem.surrogates(perms[1 + 8 * b: 9 + 8 * b])
        later.append((time.perf_counter() - began) / 8)
    permuted = data.copy()
    permuted[:, -1] = data[perms[0], -1]
    check = core.KsgConditionalMI(permuted, 1, dz, 4, [0, n], 0, workers).locals().mean()
    assert abs(check - first[0]) < 1e-12, (check, first[0])
    return dict(n=n, dims=dims, estimate_s=statistics.median(estimate), first_surrogate_call_s=first_s,
                surrogate_s=statistics.median(later))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--dims", type=int, nargs="+", default=[4, 5, 6, 7, 8])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    rows = []
    for dims in args.dims:
        rows.append(measure(args.n, dims, args.workers, rng))
        r = rows[-1]
        print(f"{dims}-D, n = {args.n}: estimate {r['estimate_s'] * 1e3:.0f} ms; first surrogate call "
              f"{r['first_surrogate_call_s']:.2f} s; then {r['surrogate_s'] * 1e3:.1f} ms per surrogate", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cmi_surrogates.json").write_text(json.dumps(dict(workers=args.workers, rows=rows), indent=1))
    lines = ["# KSG CMI surrogates: a search per surrogate against the walk", "",
             f"`python benchmarks/cmi_surrogates.py`, {args.workers} threads, X and Y one column each, Z the rest.", "",
             "| joint dims | n | one estimate (search) | first surrogate call (finds the neighbours) | per surrogate after | ratio |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['dims']} | {r['n']} | {r['estimate_s'] * 1e3:.0f} ms | {r['first_surrogate_call_s']:.2f} s | "
                     f"{r['surrogate_s'] * 1e3:.1f} ms | {r['estimate_s'] / r['surrogate_s']:.1f}× |")
    (RESULTS / "cmi_surrogates.md").write_text("\n".join(lines) + "\n")
    print("wrote benchmarks/results/cmi_surrogates.{md,json}")


if __name__ == "__main__":
    main()
