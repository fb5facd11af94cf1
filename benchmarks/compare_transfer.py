"""Times infoscope's KSG transfer entropy against its peers on identical inputs and writes the table to
benchmarks/results/transfer{,_quick}.{md,csv,json}.

    python benchmarks/compare_transfer.py            # N in {1e3, 1e4, 1e5}
    python benchmarks/compare_transfer.py --quick    # N in {1e3, 1e4}

Then a permutation test of the same TE with --permutations surrogates (1000) at N = 1e4: infoscope's batched
test, JIDT's computeSignificance, and a Python loop over npeet-plus (the other peers have no test of their own).

Task: TE(X -> Y) = I(Y_t ; X_{t-1} | Y_{t-1}) of the coupled linear-Gaussian pair
X_t = 0.5 X_{t-1} + e_t, Y_t = 0.4 Y_{t-1} + 0.5 X_{t-1} + e'_t (independent unit-variance noises), KSG algorithm 1,
max-norm, k = 4, against the exact value. Each (N, implementation) runs in a fresh spawned subprocess that
regenerates the same seeded series, so a peer that exceeds --timeout is stopped without losing the run. Before
timing, each subprocess makes 10 untimed calls on the first 1000 points (imports, class loading, and the JIT
warm-up JIDT needs: its first calls run several times slower); JIDT's JVM start-up is measured and reported in the
note column. Times are medians of --repeats runs (one run for anything slower than 5 s); ratios are peer time /
infoscope time. Peer settings are in peers.py.
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

RESULTS = Path(__file__).parent / "results"
A, B, C = 0.5, 0.4, 0.5  # X_t = A X_{t-1} + e_t;  Y_t = B Y_{t-1} + C X_{t-1} + e'_t
WARMUP_POINTS, WARMUP_CALLS = 1000, 10


def stationary_moments(a=A, b=B, c=C):
    """Var X, Var Y and Cov(X_t, Y_t) of the stationary process, from the recursions (noises are unit, independent):
    Var X:   sx  = a^2 sx + 1                              ->  sx  = 1 / (1 - a^2)
    Cov:     cxy = E[(a X + e)(b Y + c X + e')]_{t-1}
                 = ab cxy + ac sx                          ->  cxy = ac sx / (1 - ab)
    Var Y:   sy  = b^2 sy + c^2 sx + 2bc cxy + 1           ->  sy  = (c^2 sx + 2bc cxy + 1) / (1 - b^2)
    """
    sx = 1 / (1 - a * a)
    cxy = a * c * sx / (1 - a * b)
    sy = (c * c * sx + 2 * b * c * cxy + 1) / (1 - b * b)
    return sx, sy, cxy


def exact_te(a=A, b=B, c=C):
    """TE(X -> Y) in nats. For Gaussians TE = 1/2 log[Var(Y_t | Y_{t-1}) / Var(Y_t | Y_{t-1}, X_{t-1})].
    Given both pasts only e' is unknown, so the denominator is 1. Given Y_{t-1} alone, Y_t - b Y_{t-1} = c X_{t-1} + e',
    so Var(Y_t | Y_{t-1}) = 1 + c^2 Var(X_{t-1} | Y_{t-1}) = 1 + c^2 (sx - cxy^2 / sy) by Gaussian conditioning.
    Rescaling X or Y leaves TE unchanged.
    """
    sx, sy, cxy = stationary_moments(a, b, c)
    return 0.5 * math.log(1 + c * c * (sx - cxy * cxy / sy))


def coupled_series(n: int, seed: int = 0, burn: int = 1000):
    """Seeded (source, target) = (X, Y), each divided by its exact stationary standard deviation: peers that
    standardise columns (JIDT's and ennemi's defaults) and peers that do not then see nearly the same geometry,
    while no peer's normalisation is done for it from the sample."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    e = rng.standard_normal((2, n + burn))
    x = lfilter([1.0], [1.0, -A], e[0])
    y = lfilter([1.0], [1.0, -B], e[1] + C * np.concatenate([[0.0], x[:-1]]))
    sx, sy, _ = stationary_moments()
    return x[burn:] / math.sqrt(sx), y[burn:] / math.sqrt(sy)


def _timed(n, k, name, repeats, permutations):
    estimator = peers.TRANSFER_ENTROPY[name] if not permutations else \
        (lambda s, t, k_: peers.TE_PERMUTATION_TEST[name](s, t, k_, permutations))
    source, target = coupled_series(n)
    np.random.seed(0)  # npeet draws its tie-breaking noise from numpy's global RNG
    setup = peers.TRANSFER_SETUP.get(name)
    note = setup() if setup else None
    for _ in range(WARMUP_CALLS if not permutations else 1):
        estimator(source[:WARMUP_POINTS], target[:WARMUP_POINTS], k)
    seconds, value = peers.median_time(lambda: float(estimator(source, target, k)), repeats, stop_after=5)
    return seconds, value, note


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    peers.common_arguments(parser, k=4)
    parser.add_argument("--permutations", type=int, default=1000, help="surrogates of the permutation test (0: skip)")
    parser.add_argument("--test-n", type=int, default=10_000, help="N of the permutation test")
    args = parser.parse_args(argv)

    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    truth = exact_te()
    rows = []
    for n in sizes:
        results = {}
        for name in peers.TRANSFER_ENTROPY:
            if args.only and name not in args.only:
                continue
            results[name] = peers.run_isolated(_timed, (n, args.k, name, args.repeats, 0), args.timeout)
            status, seconds, value, note = results[name]
            shown = f"{seconds:.4f} s, {value:.6f}" if status == "ok" else status
            print(f"N={n:<7d} {name:12s} {shown}" + (f"  [{note}]" if note else ""), flush=True)
        ours = results.get("infoscope", ("", None))[1]
        for name, (status, seconds, value, note) in results.items():
            rows.append({"n": n, "k": args.k, "truth": truth, "implementation": name, "status": status,
                         "seconds": seconds, "estimate": value, "ratio": seconds / ours if seconds and ours else None,
                         "note": note})
    tests = []
    if args.permutations:
        results = {}
        for name in peers.TE_PERMUTATION_TEST:
            if args.only and name not in args.only:
                continue
            results[name] = peers.run_isolated(_timed, (args.test_n, args.k, name, 3, args.permutations),
                                              args.timeout * 2.5)
            status, seconds, value, note = results[name]
            shown = f"{seconds:.3f} s, p = {value:.4f}" if status == "ok" else status
            print(f"test N={args.test_n} {name:18s} {shown}" + (f"  [{note}]" if note else ""), flush=True)
        ours = results.get("infoscope", ("", None))[1]
        for name, (status, seconds, value, note) in results.items():
            tests.append({"n": args.test_n, "permutations": args.permutations, "implementation": name,
                          "status": status, "seconds": seconds, "p_value": value,
                          "ratio": seconds / ours if seconds and ours else None, "note": note})
    write(rows, tests, args)


def write(rows, tests, args):
    RESULTS.mkdir(exist_ok=True)
    stem = "transfer_quick" if args.quick else "transfer"
    meta = {"machine": platform.processor() or platform.machine(), "python": platform.python_version(),
            "cores": mp.cpu_count(), "k": args.k, "timeout_s": args.timeout, "repeats": args.repeats,
            "date": time.strftime("%Y-%m-%d"), "process": {"a": A, "b": B, "c": C}, "truth": exact_te(),
            "jidt_properties": peers.JIDT_PROPERTIES}
    (RESULTS / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": rows, "permutation_tests": tests},
                                                     indent=1))
    with open(RESULTS / f"{stem}.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"# KSG transfer entropy: infoscope vs peers ({meta['date']}, {meta['cores']} cores, k={args.k})", "",
             f"TE(X -> Y) of X_t = {A} X_(t-1) + e, Y_t = {B} Y_(t-1) + {C} X_(t-1) + e' (unit noises, series "
             "scaled to unit variance), lag 1, histories 1, KSG algorithm 1, max-norm. Time in seconds (median of "
             f"runs, after {WARMUP_CALLS} untimed warm-up calls on {WARMUP_POINTS} points), estimate in nats, and peer "
             "time / infoscope time.", "",
             "Settings: JIDT NORMALISE=false, NOISE_LEVEL_TO_ADD=0, NUM_THREADS=USE_ALL; ennemi preprocess=False; "
             "infomeasure noise_level=0; npeet-plus always adds uniform [0, 1e-10) noise (numpy's global RNG, seeded "
             "0) to target and source. ennemi (one task), infomeasure and npeet-plus run single-threaded.", "",
             "| N | truth | implementation | seconds | estimate | peer / infoscope | note |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        secs = f"{r['seconds']:.4f}" if r["seconds"] is not None else r["status"]
        est = f"{r['estimate']:.6f}" if r["estimate"] is not None else ""
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None and r["implementation"] != "infoscope" else ""
        lines.append(f"| {r['n']} | {r['truth']:.6f} | {r['implementation']} | {secs} | {est} | {ratio} | "
                     f"{r['note'] or ''} |")
    if tests:
        lines += ["", f"## Permutation test: {args.permutations} surrogates at N = {args.test_n}", "",
                  "Seconds for the estimate plus its null distribution (median of up to 3 runs); p-value; peer time / "
                  "infoscope time. JIDT: computeSignificance (surrogates permute the source's embedded past, as "
                  "infoscope's default); npeet-plus: a Python loop over shuffled source pasts.", "",
                  "| implementation | seconds | p-value | peer / infoscope | note |", "|---|---|---|---|---|"]
        for r in tests:
            secs = f"{r['seconds']:.3f}" if r["seconds"] is not None else r["status"]
            p = f"{r['p_value']:.4f}" if r["p_value"] is not None else ""
            ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None and r["implementation"] != "infoscope" else ""
            lines.append(f"| {r['implementation']} | {secs} | {p} | {ratio} | {r['note'] or ''} |")
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / stem}.md/.csv/.json")


if __name__ == "__main__":
    main()
