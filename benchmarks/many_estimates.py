"""Times infoscope's many-estimates calls against loops of single estimates and against peers, on the same inputs,
in one run, and writes the numbers to benchmarks/results/many_estimates{,_quick}.json.

    python benchmarks/many_estimates.py                # full sizes (about 10 minutes on 2 cores)
    python benchmarks/many_estimates.py --quick        # small sizes, for debugging
    python benchmarks/many_estimates.py --runs 5 --out benchmarks/results/many_estimates.json

1. All-pairs KSG MI (k = 3) among the P columns of a seeded correlated Gaussian table (P = 100, N = 1e4; quick:
   P = 20, N = 2000): ``isc.mutual_info_matrix(X)`` against a Python loop over ``isc.mutual_info(X[:, i], X[:, j])``
   for i < j and a Python loop over npeet-plus's ``mi`` (peers.py's adapter). A loop longer than its pair budget
   (--own-pairs, --npeet-pairs) is timed on a seeded random subset of pairs and extrapolated linearly to all pairs.
2. All ordered pairs of S series (S = 20, N = 1e4; quick: S = 6, N = 2000) of a seeded coupled linear-Gaussian
   VAR(1), KSG TE with lag 1, k_hist = l_hist = 1, k = 4: ``isc.transfer_entropy_matrix(series)`` against a loop
   over ``isc.transfer_entropy`` and a loop over JIDT's TransferEntropyCalculatorKraskov with the settings
   compare_transfer.py uses (peers.JIDT_PROPERTIES: NORMALISE=false, NOISE_LEVEL_TO_ADD=0, ALG_NUM=1,
   NUM_THREADS=USE_ALL); the JIDT loop is timed on a subset (--jidt-pairs) and extrapolated.
3. Per-call cost of single estimates at N = 1000: ``isc.mutual_info(x, y)``, ``isc.transfer_entropy(x, y)``, and
   the core alone for the MI case (``core.KsgConditionalMI(xy, 1, 0, 3, [0, N], 0, -1).locals()`` on a
   standardised C-contiguous (N, 2) array): the difference is the Python layer's overhead.

Data are scaled by their exact stationary standard deviations (not from the sample), so infoscope's default
standardisation and the peers run without it see nearly the same geometry. infoscope runs with its defaults
(standardisation, 1e-10 tie-breaking noise, all cores). Timings are interleaved: each of --runs rounds times every
contender once, in an order rotated from round to round; reported are the median, quartiles and min-max over the
rounds. Peers run in a fresh spawned process per round (peers.run_isolated), with untimed imports and warm-up
calls (JIDT: JVM start-up, reported, and 10 calls on 1000 points for the JIT, as compare_transfer.py); inside
that process only the loop itself is timed. The equality checks (matrix vs loop with noise=0) run once, untimed,
at the quick sizes.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import peers

RESULTS = Path(__file__).parent / "results"
MI_K, TE_K = 3, 4
WARMUP_POINTS, WARMUP_CALLS = 1000, 10  # as compare_transfer.py: JIDT's first calls run several times slower
SIZES = {  # (variables or series, N)
    "full": {"mi": (100, 10_000), "te": (20, 10_000)},
    "quick": {"mi": (20, 2_000), "te": (6, 2_000)},
}
TARGETS = {"mi": {"npeet-plus loop": 20.0, "infoscope loop": 5.0}, "te": {"JIDT loop": 20.0}}


# ----------------------------------------------------------------------------------------------------- data

def correlated_table(n: int, p: int, seed: int = 0) -> np.ndarray:
    """(n, p) Gaussian table with random correlations from a few latent factors, X = F W + E (F, E standard
    normal, W ~ N(0, 0.5^2), p // 10 factors, at least 3), each column divided by its exact standard deviation."""
    rng = np.random.default_rng(np.random.SeedSequence((seed, p)))
    factors = max(3, p // 10)
    w = rng.normal(0.0, 0.5, (factors, p))
    x = rng.standard_normal((n, factors)) @ w + rng.standard_normal((n, p))
    return np.ascontiguousarray(x / np.sqrt((w * w).sum(axis=0) + 1.0))


def coupled_var(s: int, seed: int = 0):
    """A stationary VAR(1) of s series: each series keeps 0.4 of its past, takes 0.3 of series j - 1 (a ring) and
    0.2 of one more random series; unit independent innovations. Returns the process."""
    from infoscope.bench.processes import LinearGaussianVAR

    rng = np.random.default_rng(np.random.SeedSequence((seed, s)))
    a = 0.4 * np.eye(s)
    for j in range(s):
        a[j, (j - 1) % s] += 0.3
        other = int(rng.choice([i for i in range(s) if i not in (j, (j - 1) % s)]))
        a[j, other] += 0.2
    return LinearGaussianVAR(a, np.eye(s))


def var_series(n: int, s: int, seed: int = 0) -> np.ndarray:
    """(n, s) seeded path of coupled_var(s), each series divided by its exact stationary standard deviation."""
    process = coupled_var(s, seed)
    x = process.simulate(n, seed=seed)
    return np.ascontiguousarray(x / np.sqrt(np.diag(process.state_covariance())[:s]))


def subset(pairs: list, size: int, seed: int) -> list:
    """All pairs when size is 0 or covers them, else a seeded random subset of `size` pairs (in pair order)."""
    if not size or size >= len(pairs):
        return pairs
    rng = np.random.default_rng(seed)
    return [pairs[i] for i in sorted(rng.choice(len(pairs), size, replace=False))]


# ------------------------------------------------------------------------------------------ peers (children)

def _npeet_loop(x, pairs, k):
    """Spawned child: npeet-plus KSG MI over the pairs of columns; (seconds of the loop, values, note)."""
    import npeet_plus  # noqa: F401  (import untimed)

    np.random.seed(0)  # npeet draws its tie-breaking noise from numpy's global RNG
    for _ in range(2):
        peers._npeet_mi(x[:WARMUP_POINTS, [0]], x[:WARMUP_POINTS, [1]], k)
    start = time.perf_counter()
    values = [float(peers._npeet_mi(x[:, [i]], x[:, [j]], k)) for i, j in pairs]
    return time.perf_counter() - start, values, None


def _jidt_loop(series, pairs, k):
    """Spawned child: JIDT KSG TE(i -> j) over the pairs; (seconds of the loop, values, note). JVM start-up and
    the JIT warm-up calls are outside the timed loop."""
    note = peers._jidt_setup()
    source, target = series[:WARMUP_POINTS, 0].copy(), series[:WARMUP_POINTS, 1].copy()
    for _ in range(WARMUP_CALLS):
        peers._jidt_te(source, target, k)
    start = time.perf_counter()
    values = [peers._jidt_te(np.ascontiguousarray(series[:, i]), np.ascontiguousarray(series[:, j]), k)
              for i, j in pairs]
    return time.perf_counter() - start, values, note


# --------------------------------------------------------------------------------------------------- timing

def summary(times: list) -> dict:
    """Median, quartiles, min and max of a list of seconds."""
    q = np.percentile(times, [25, 50, 75])
    return {"median": statistics.median(times), "q1": float(q[0]), "q3": float(q[2]), "min": min(times),
            "max": max(times), "runs": list(times)}


def interleaved(contenders: dict, runs: int) -> dict:
    """Times each contender once per round for `runs` rounds, the order rotated each round. A contender is a
    function returning (seconds, extra): the seconds it measured itself and anything to keep (the last round's)."""
    names = list(contenders)
    times = {name: [] for name in names}
    extra, loads = {}, []
    for r in range(runs):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            seconds, extra[name] = contenders[name]()
            times[name].append(seconds)
        shown = ", ".join(f"{name} {fmt_time(times[name][-1])}" for name in names)
        loads.append(os.getloadavg()[0])
        print(f"  round {r + 1}/{runs}: {shown}  (load {loads[-1]:.1f})", flush=True)
    return {name: (dict(summary(times[name]), load_after_rounds=loads), extra[name]) for name in names}


def timed(fn):
    def run():
        start = time.perf_counter()
        value = fn()
        return time.perf_counter() - start, value
    return run


def isolated_peer(job, args, scale: float, timeout: float):
    """A contender that runs job(*args) in a fresh spawned process; its loop time is scaled by `scale` (the
    extrapolation from a subset of pairs to all of them). A peer that fails reports NaN."""
    def run():
        status, seconds, values, note = peers.run_isolated(job, args, timeout)
        if status != "ok":
            print(f"  peer {job.__name__}: {status} {note or ''}", flush=True)
            return math.nan, {"status": status, "note": note}
        return seconds * scale, {"status": status, "note": note, "values": values, "subset_seconds": seconds}
    return run


# ------------------------------------------------------------------------------------------------- sections

def max_pair_difference(matrix: np.ndarray, loop: dict) -> float:
    return max(abs(matrix[i, j] - v) for (i, j), v in loop.items())


def mi_equality(isc) -> dict:
    """Matrix vs loop of single estimates with noise=0, at the quick size (untimed)."""
    p, n = SIZES["quick"]["mi"]
    x = correlated_table(n, p)
    matrix = isc.mutual_info_matrix(x, k=MI_K, noise=0).values
    loop = {(i, j): isc.mutual_info(x[:, i], x[:, j], k=MI_K, noise=0) for i in range(p) for j in range(i + 1, p)}
    diff = max_pair_difference(matrix, loop)
    symmetric = bool(np.array_equal(matrix, matrix.T, equal_nan=True))
    diagonal = bool(np.isnan(np.diag(matrix)).all())
    return {"p": p, "n": n, "max_abs_difference": diff, "tolerance": 1e-12, "passed": diff <= 1e-12,
            "symmetric": symmetric, "nan_diagonal": diagonal}


def te_equality(isc) -> dict:
    s, n = SIZES["quick"]["te"]
    series = var_series(n, s)
    matrix = isc.transfer_entropy_matrix(series, k=TE_K, noise=0).values
    loop = {(i, j): isc.transfer_entropy(series[:, i], series[:, j], k=TE_K, noise=0)
            for i in range(s) for j in range(s) if i != j}
    diff = max_pair_difference(matrix, loop)
    return {"s": s, "n": n, "max_abs_difference": diff, "tolerance": 1e-12, "passed": diff <= 1e-12,
            "nan_diagonal": bool(np.isnan(np.diag(matrix)).all())}


def timed_loop(estimate, pairs: list, total: int):
    """A contender that loops estimate(i, j) over pairs, its time scaled to `total` pairs."""
    def run():
        start = time.perf_counter()
        values = [estimate(i, j) for i, j in pairs]
        return (time.perf_counter() - start) * total / len(pairs), values

    return run


def mi_section(isc, args, size: str) -> dict:
    p, n = SIZES[size]["mi"]
    x = correlated_table(n, p)
    pairs = [(i, j) for i in range(p) for j in range(i + 1, p)]
    own_pairs = subset(pairs, args.own_pairs, seed=1)
    npeet_pairs = subset(pairs, args.npeet_pairs, seed=2)
    print(f"\n[1] all-pairs KSG MI: P = {p}, N = {n}, {len(pairs)} pairs, k = {MI_K}; infoscope loop on "
          f"{len(own_pairs)} pairs, npeet-plus loop on {len(npeet_pairs)} pairs", flush=True)
    isc.mutual_info_matrix(x[:WARMUP_POINTS, :5], k=MI_K)  # untimed warm-up
    isc.mutual_info(x[:WARMUP_POINTS, 0], x[:WARMUP_POINTS, 1], k=MI_K)

    own_loop = timed_loop(lambda i, j: isc.mutual_info(x[:, i], x[:, j], k=MI_K), own_pairs, len(pairs))
    contenders = {
        "mutual_info_matrix": timed(lambda: isc.mutual_info_matrix(x, k=MI_K).values),
        "infoscope loop": own_loop,
        "npeet-plus loop": isolated_peer(_npeet_loop, (x, npeet_pairs, MI_K), len(pairs) / len(npeet_pairs),
                                         args.timeout),
    }
    results = interleaved(contenders, args.runs)
    matrix = results["mutual_info_matrix"][1]
    reference = isc.mutual_info_matrix(x, k=MI_K, normalize=False, noise=0).values  # untimed, as npeet sees x
    out = section_record(results, "mutual_info_matrix", {"infoscope loop": own_pairs, "npeet-plus loop": npeet_pairs},
                         len(pairs), TARGETS["mi"])
    out.update({"p": p, "n": n, "k": MI_K, "pairs": len(pairs)})
    out["agreement"] = {
        "infoscope loop vs matrix (defaults)": max_pair_difference(matrix, dict(zip(own_pairs,
                                                                                    results["infoscope loop"][1]))),
    }
    peer = results["npeet-plus loop"][1]
    if peer.get("values"):
        out["agreement"]["npeet-plus vs matrix(normalize=False, noise=0)"] = max_pair_difference(
            reference, dict(zip(npeet_pairs, peer["values"])))
        out["agreement"]["npeet-plus vs matrix (defaults)"] = max_pair_difference(
            matrix, dict(zip(npeet_pairs, peer["values"])))
    return out


def te_section(isc, args, size: str) -> dict:
    s, n = SIZES[size]["te"]
    series = var_series(n, s)
    pairs = [(i, j) for i in range(s) for j in range(s) if i != j]
    own_pairs = subset(pairs, args.own_te_pairs, seed=3)
    jidt_pairs = subset(pairs, args.jidt_pairs, seed=4)
    print(f"\n[2] all ordered pairs KSG TE: S = {s}, N = {n}, {len(pairs)} pairs, lag 1, k_hist = l_hist = 1, "
          f"k = {TE_K}; infoscope loop on {len(own_pairs)} pairs, JIDT loop on {len(jidt_pairs)} pairs", flush=True)
    isc.transfer_entropy_matrix(series[:WARMUP_POINTS, :3], k=TE_K)  # untimed warm-up
    isc.transfer_entropy(series[:WARMUP_POINTS, 0], series[:WARMUP_POINTS, 1], k=TE_K)

    own_loop = timed_loop(lambda i, j: isc.transfer_entropy(series[:, i], series[:, j], k=TE_K), own_pairs,
                          len(pairs))
    contenders = {
        "transfer_entropy_matrix": timed(lambda: isc.transfer_entropy_matrix(series, k=TE_K).values),
        "infoscope loop": own_loop,
        "JIDT loop": isolated_peer(_jidt_loop, (series, jidt_pairs, TE_K), len(pairs) / len(jidt_pairs),
                                   args.timeout),
    }
    results = interleaved(contenders, args.runs)
    matrix = results["transfer_entropy_matrix"][1]
    reference = isc.transfer_entropy_matrix(series, k=TE_K, normalize=False, noise=0).values  # as JIDT is run
    out = section_record(results, "transfer_entropy_matrix", {"infoscope loop": own_pairs, "JIDT loop": jidt_pairs},
                         len(pairs), TARGETS["te"])
    out.update({"s": s, "n": n, "k": TE_K, "pairs": len(pairs), "jidt_properties": peers.JIDT_PROPERTIES})
    out["agreement"] = {
        "infoscope loop vs matrix (defaults)": max_pair_difference(matrix, dict(zip(own_pairs,
                                                                                    results["infoscope loop"][1]))),
    }
    peer = results["JIDT loop"][1]
    if peer.get("values"):
        out["agreement"]["JIDT vs matrix(normalize=False, noise=0)"] = max_pair_difference(
            reference, dict(zip(jidt_pairs, peer["values"])))
        out["agreement"]["JIDT vs matrix (defaults)"] = max_pair_difference(matrix, dict(zip(jidt_pairs,
                                                                                             peer["values"])))
    return out


def section_record(results, base: str, subsets: dict, total: int, targets: dict) -> dict:
    ours = results[base][0]["median"]
    rows = {base: {"seconds": results[base][0], "pairs_timed": total, "extrapolated": False}}
    for name, timed_pairs in subsets.items():
        stats, extra = results[name]
        ratio = stats["median"] / ours if ours and not math.isnan(stats["median"]) else None
        target = targets.get(name)
        rows[name] = {"seconds": stats, "pairs_timed": len(timed_pairs), "extrapolated": len(timed_pairs) < total,
                      f"ratio_to_{base}": ratio, "target": target,
                      "target_met": None if target is None or ratio is None else ratio >= target,
                      "status": extra.get("status", "ok") if isinstance(extra, dict) else "ok",
                      "note": extra.get("note") if isinstance(extra, dict) else None}
    return {"rows": rows}


def per_call_section(isc, args) -> dict:
    from infoscope._native import core

    n, calls = 1000, args.calls
    rng = np.random.default_rng(5)
    x = rng.standard_normal(n)
    y = 0.6 * x + 0.8 * rng.standard_normal(n)
    xy = np.ascontiguousarray(np.column_stack([x, y]))
    xy = np.ascontiguousarray((xy - xy.mean(axis=0)) / xy.std(axis=0))
    series = var_series(n, 6)  # series 1 takes 0.3 of series 0's past
    source, target = series[:, 0].copy(), series[:, 1].copy()
    print(f"\n[3] per-call cost at N = {n}: {args.call_runs} rounds of {calls} calls", flush=True)

    def block(fn):
        def run():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            return (time.perf_counter() - start) / calls, None
        return run

    contenders = {
        "isc.mutual_info(x, y)": block(lambda: isc.mutual_info(x, y, k=MI_K)),
        "core.KsgConditionalMI(...).locals()": block(
            lambda: core.KsgConditionalMI(xy, 1, 0, MI_K, [0, n], 0, -1).locals()),
        "isc.transfer_entropy(x, y)": block(lambda: isc.transfer_entropy(source, target, k=TE_K)),
    }
    for fn in contenders.values():  # warm-up
        fn()
    results = interleaved(contenders, args.call_runs)
    rows = {name: {"seconds_per_call": stats} for name, (stats, _) in results.items()}
    overhead = (rows["isc.mutual_info(x, y)"]["seconds_per_call"]["median"]
                - rows["core.KsgConditionalMI(...).locals()"]["seconds_per_call"]["median"])
    return {"n": n, "calls_per_round": calls, "rounds": args.call_runs, "rows": rows,
            "python_overhead_mi_seconds": overhead}


# ---------------------------------------------------------------------------------------------------- report

def fmt_time(seconds: float) -> str:
    if seconds is None or math.isnan(seconds):
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def print_section(title: str, record: dict, base: str):
    print(f"\n{title}")
    print(f"  {'contender':26s} {'median':>10s} {'IQR':>21s} {'min-max':>21s} {'pairs timed':>12s} "
          f"{'/ matrix':>9s} {'target':>7s} {'met':>4s}")
    for name, row in record["rows"].items():
        s = row["seconds"]
        ratio = row.get(f"ratio_to_{base}")
        target = row.get("target")
        met = row.get("target_met")
        timed_str = f"{row['pairs_timed']}" + ("*" if row["extrapolated"] else "")
        print(f"  {name:26s} {fmt_time(s['median']):>10s} {fmt_time(s['q1']) + ' - ' + fmt_time(s['q3']):>21s} "
              f"{fmt_time(s['min']) + ' - ' + fmt_time(s['max']):>21s} {timed_str:>12s} "
              f"{(f'{ratio:.1f}x' if ratio else ''):>9s} {(f'>={target:g}x' if target else ''):>7s} "
              f"{('' if met is None else ('yes' if met else 'NO')):>4s}")
        if row.get("note"):
            print(f"  {'':26s} note: {row['note']}")
    if any(row["extrapolated"] for row in record["rows"].values()):
        print("  * timed on a seeded random subset of pairs, extrapolated linearly to all "
              f"{record['pairs']} pairs")
    for name, value in record.get("agreement", {}).items():
        print(f"  max |difference| {name}: {value:.3g}")


def print_report(report: dict):
    print("\n" + "=" * 110)
    meta = report["meta"]
    print(f"many-estimates benchmark ({meta['size']}, {meta['runs']} interleaved rounds, {meta['cores']} cores, "
          f"load {meta['load_start'][0]:.1f} at start, {meta['load_end'][0]:.1f} at end)")
    for key, label in (("mi", "MI"), ("te", "TE")):
        eq = report["equality"][key]
        print(f"equality {label} matrix vs loop, noise=0 (quick size): max |diff| = {eq['max_abs_difference']:.3g} "
              f"(<= 1e-12: {'yes' if eq['passed'] else 'NO'})")
    mi, te = report["mutual_info"], report["transfer_entropy"]
    print_section(f"[1] all-pairs KSG MI, P = {mi['p']}, N = {mi['n']}, {mi['pairs']} pairs, k = {mi['k']} "
                  "(time for all pairs)", mi, "mutual_info_matrix")
    print_section(f"[2] all ordered pairs KSG TE, S = {te['s']}, N = {te['n']}, {te['pairs']} pairs, k = {te['k']} "
                  "(time for all pairs)", te, "transfer_entropy_matrix")
    pc = report["per_call"]
    print(f"\n[3] per-call cost, N = {pc['n']} (median over {pc['rounds']} rounds of {pc['calls_per_round']} calls)")
    for name, row in pc["rows"].items():
        s = row["seconds_per_call"]
        print(f"  {name:38s} {fmt_time(s['median']):>10s}   IQR {fmt_time(s['q1'])} - {fmt_time(s['q3'])}   "
              f"min-max {fmt_time(s['min'])} - {fmt_time(s['max'])}")
    print(f"  Python overhead of isc.mutual_info over the core: {fmt_time(pc['python_overhead_mi_seconds'])} per call")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="P = 20 and S = 6 at N = 2000")
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds of sections 1 and 2")
    parser.add_argument("--out", type=Path, help="JSON path (default benchmarks/results/many_estimates{,_quick}.json)")
    parser.add_argument("--own-pairs", type=int, default=0,
                        help="pairs the infoscope MI loop times, then extrapolated (0: all)")
    parser.add_argument("--npeet-pairs", type=int, default=200, help="pairs the npeet-plus loop times (0: all)")
    parser.add_argument("--own-te-pairs", type=int, default=0, help="pairs the infoscope TE loop times (0: all)")
    parser.add_argument("--jidt-pairs", type=int, default=60, help="pairs the JIDT loop times (0: all)")
    parser.add_argument("--calls", type=int, default=300, help="calls per round in section 3")
    parser.add_argument("--call-runs", type=int, default=7, help="rounds in section 3")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per peer round")
    parser.add_argument("--skip", nargs="*", default=[], choices=["mi", "te", "calls"], help="sections to skip")
    args = parser.parse_args(argv)

    import infoscope as isc

    size = "quick" if args.quick else "full"
    started = time.time()
    report = {"meta": {"size": size, "runs": args.runs, "cores": mp.cpu_count(), "python": platform.python_version(),
                       "machine": platform.processor() or platform.machine(), "date": time.strftime("%Y-%m-%d %H:%M"),
                       "load_start": os.getloadavg(), "argv": sys.argv[1:]}}
    print(f"load average at start: {report['meta']['load_start']}", flush=True)
    report["equality"] = {"mi": mi_equality(isc), "te": te_equality(isc)}
    for key, eq in report["equality"].items():
        print(f"equality {key}: max |matrix - loop| (noise=0) = {eq['max_abs_difference']:.3g}", flush=True)
    report["mutual_info"] = mi_section(isc, args, size) if "mi" not in args.skip else None
    report["transfer_entropy"] = te_section(isc, args, size) if "te" not in args.skip else None
    report["per_call"] = per_call_section(isc, args) if "calls" not in args.skip else None
    report["meta"]["load_end"] = os.getloadavg()
    report["meta"]["wall_seconds"] = time.time() - started
    out = args.out or RESULTS / f"many_estimates{'_quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=float))
    if not args.skip:
        print_report(report)
    print(f"\nwrote {out} ({report['meta']['wall_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
