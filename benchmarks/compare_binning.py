"""Binned (histogram) estimators: infoscope against its peers on identical inputs, in one run.

    python benchmarks/compare_binning.py            # N = 1e5, medians of 7 runs
    python benchmarks/compare_binning.py --quick    # N = 1e4

Task 1 (the information-plane workload of Shwartz-Ziv & Tishby 2017): MI between a 10-unit tanh layer binned
into 30 bins over [-1, 1] and a scalar binned into 30 bins the same way. Peers take one symbol per sample, so
their adapters bin with numpy and encode each row of bin codes as one integer (mixed radix); that work is part
of their time, as binning is part of ours. All must give the same number (plug-in, nats).

Task 2 (the limit): entropy of a 1000-unit float32 layer binned into 30 bins over [-1, 1], against one numpy
pass over the same array (``x.sum()``) timed in the same run.

Writes benchmarks/results/binning{,_quick}.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

import infoscope as isc

import peers

RESULTS = Path(__file__).parent / "results"
BINS, RANGE = 30, (-1.0, 1.0)


def layer_task(n: int, units: int, seed: int = 0, dtype=np.float64):
    """A tanh layer driven by a scalar input, and a tanh readout of the same input."""
    rng = np.random.default_rng(seed)
    s = rng.standard_normal(n)
    w = rng.standard_normal(units)
    x = np.tanh(np.outer(s, w) + 0.5 * rng.standard_normal((n, units))).astype(dtype)
    y = np.tanh(s + 0.3 * rng.standard_normal(n)).astype(dtype)
    return x, y


def encode_rows(a: np.ndarray) -> np.ndarray:
    """What a peer's user writes: 30 equal bins over [-1, 1] per column, each row folded into one integer."""
    codes = np.clip(np.floor((a - RANGE[0]) * (BINS / (RANGE[1] - RANGE[0]))), 0, BINS - 1).astype(np.int64)
    codes = codes.reshape(len(a), -1)
    return codes @ (BINS ** np.arange(codes.shape[1], dtype=np.int64))  # 30**10 < 2**63


def _pyitlib(x, y):
    from pyitlib import discrete_random_variable as drv

    return float(drv.information_mutual(encode_rows(x), encode_rows(y), base=np.e))


def _sklearn(x, y):
    from sklearn.metrics import mutual_info_score

    return float(mutual_info_score(encode_rows(x), encode_rows(y)))


def _infomeasure(x, y):
    import infomeasure as im

    return float(im.mutual_information(encode_rows(x), encode_rows(y), approach="discrete", base="e"))


def _numpy(x, y):
    """Plug-in MI from np.unique counts: H(X) + H(Y) - H(X,Y)."""
    def h(labels):
        _, counts = np.unique(labels, axis=0, return_counts=True)
        p = counts / counts.sum()
        return -(p * np.log(p)).sum()

    cx, cy = encode_rows(x), encode_rows(y)
    return float(h(cx) + h(cy) - h(np.column_stack([cx, cy])))


def _infoscope(x, y):
    return isc.mutual_info(x, y, method="binned", bins=BINS, range=RANGE)


PEERS = {"infoscope": _infoscope, "pyitlib": _pyitlib, "scikit-learn": _sklearn, "infomeasure": _infomeasure,
         "numpy-unique": _numpy}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N = 1e4")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else 100_000

    x, y = layer_task(n, 10)
    rows = []
    for name, fn in PEERS.items():
        try:
            seconds, value = peers.median_time(lambda: fn(x, y), args.repeats)
            rows.append({"implementation": name, "seconds": seconds, "estimate": value})
            print(f"MI 10-unit layer, N={n}: {name:13s} {seconds:.4f} s  {value:.6f}", flush=True)
        except ImportError as err:
            rows.append({"implementation": name, "seconds": None, "estimate": None, "note": str(err)})
            print(f"MI 10-unit layer, N={n}: {name:13s} skipped ({err})", flush=True)
    ours = rows[0]["seconds"]
    for r in rows:
        r["ratio"] = r["seconds"] / ours if r["seconds"] else None

    wide, _ = layer_task(n, 1000, dtype=np.float32)
    sum_s, _ = peers.median_time(lambda: wide.sum(), args.repeats)
    entropy_s, wide_h = peers.median_time(lambda: isc.entropy(wide, method="binned", bins=BINS, range=RANGE), args.repeats)
    limit = {"n": n, "units": 1000, "dtype": "float32", "numpy_sum_s": sum_s, "infoscope_entropy_s": entropy_s,
             "ratio": entropy_s / sum_s, "entropy": wide_h}
    print(f"H 1000-unit float32 layer, N={n}: infoscope {entropy_s:.4f} s, x.sum() {sum_s:.4f} s, "
          f"ratio {entropy_s / sum_s:.2f}", flush=True)
    write(rows, limit, n, args)


def write(rows, limit, n, args):
    RESULTS.mkdir(exist_ok=True)
    stem = "binning_quick" if args.quick else "binning"
    meta = {"machine": platform.processor() or platform.machine(), "python": platform.python_version(),
            "repeats": args.repeats, "date": time.strftime("%Y-%m-%d"), "build": isc.build_info()}
    (RESULTS / f"{stem}.json").write_text(json.dumps({"meta": meta, "mutual_info": rows, "limit": limit}, indent=1))
    lines = [f"# Binned estimators: infoscope vs peers ({meta['date']}, medians of {args.repeats} runs)", "",
             f"## MI, 10-unit tanh layer vs scalar, 30 bins over [-1, 1], N = {n}", "",
             "| implementation | seconds | estimate (nats) | peer / infoscope |", "|---|---|---|---|"]
    for r in rows:
        secs = f"{r['seconds']:.4f}" if r["seconds"] is not None else "skipped"
        est = f"{r['estimate']:.6f}" if r["estimate"] is not None else ""
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] and r["implementation"] != "infoscope" else ""
        lines.append(f"| {r['implementation']} | {secs} | {est} | {ratio} |")
    lines += ["", f"## Entropy, 1000-unit float32 layer, 30 bins over [-1, 1], N = {n}", "",
              "| infoscope entropy (s) | numpy x.sum() (s) | ratio |", "|---|---|---|",
              f"| {limit['infoscope_entropy_s']:.4f} | {limit['numpy_sum_s']:.4f} | {limit['ratio']:.2f} |"]
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / stem}.md/.json")


if __name__ == "__main__":
    main()
