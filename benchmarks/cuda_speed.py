"""GPU against CPU on the targets of the CUDA backend (issue 7), on the same inputs, medians of several runs.

    python benchmarks/cuda_speed.py [--runs 5] [--quick]

Cases: KSG MI with 1+1 dimensions at N = 1e6 and 16+16 at N = 1e5; binned MI of a 1000-unit layer (float32,
on the device) against 10 labels at N = 1e5; a 1000-surrogate permutation test of KSG TE at N = 1e4. Prints a
table with the GPU's and the CPU's median seconds, their ratio, and whether the estimates agree; writes it to
benchmarks/results/cuda_speed.md. Without a usable GPU it says so and exits with status 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import infoscope as isc
from infoscope._native import HAS_CUDA, cuda
from infoscope.stats import permutation_test


def median_seconds(fn, runs: int) -> tuple[float, object]:
    fn()  # warm-up: module load, allocations
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def cases(quick: bool):
    rng = np.random.default_rng(0)
    scale = 10 if quick else 1
    n1 = 1_000_000 // scale
    x1 = rng.standard_normal((n1, 1))
    y1 = 0.6 * x1 + 0.8 * rng.standard_normal((n1, 1))
    n16 = 100_000 // scale
    x16 = rng.standard_normal((n16, 16))
    y16 = 0.6 * x16 + 0.8 * rng.standard_normal((n16, 16))
    layer = np.tanh(rng.standard_normal((100_000 // scale, 1000))).astype(np.float32)
    labels = rng.integers(0, 10, layer.shape[0])
    d_layer = cuda.upload(layer.astype(np.float64), 0)  # stands for activations already on the GPU
    nt = 10_000 // scale
    src = rng.standard_normal(nt)
    tgt = np.r_[0.0, 0.6 * src[:-1]] + 0.8 * rng.standard_normal(nt)
    yield (f"KSG MI 1+1 dims, N={n1:.0e}", lambda d: isc.mutual_info(x1, y1, device=d), 2 * n1**2)
    yield (f"KSG MI 16+16 dims, N={n16:.0e}", lambda d: isc.mutual_info(x16, y16, device=d), 2 * n16**2)
    yield (f"binned MI, 1000 units, N={layer.shape[0]:.0e}",
           lambda d: isc.mutual_info(d_layer if d == "cuda" else layer, labels, method="binned", device=d), None)
    yield (f"TE permutation test, 1000 surrogates, N={nt:.0e}",
           lambda d: permutation_test(isc.transfer_entropy, src, tgt, n_permutations=1000, seed=0, device=d,
                                      progress=False).p_value, 1001 * 2 * nt**2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="ten times fewer samples")
    args = parser.parse_args()
    if not HAS_CUDA:
        print("no usable GPU:", "no CUDA module built" if cuda is None else "no CUDA device visible")
        raise SystemExit(1)
    info = isc.build_info()
    lines = [f"device: {info['cuda_devices'][0]['name']}, CPU threads: {os.cpu_count()}", "",
             "| case | GPU s | CPU s | CPU/GPU | same estimate | brute-force-equivalent pair distances/s |",
             "|---|---|---|---|---|---|"]
    print(lines[0])
    for name, fn, pairs in cases(args.quick):
        gpu_s, gpu_v = median_seconds(lambda: fn("cuda"), args.runs)
        cpu_s, cpu_v = median_seconds(lambda: fn("cpu"), max(1, args.runs // 2))
        same = bool(np.isclose(gpu_v, cpu_v, rtol=1e-9, atol=1e-12))
        rate = f"{pairs / gpu_s:.2e}" if pairs else "-"
        lines.append(f"| {name} | {gpu_s:.4f} | {cpu_s:.3f} | {cpu_s / gpu_s:.1f} | {same} | {rate} |")
        print(lines[-1], flush=True)
    os.makedirs("benchmarks/results", exist_ok=True)
    with open("benchmarks/results/cuda_speed.md", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
