"""``python -m infoscope``: estimates on Gaussian data next to their closed-form values, with timings."""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from . import build_info, conditional_mutual_info, entropy, mutual_info, stats, transfer_entropy
from .bench.processes import LinearGaussianVAR


def gaussian_pair(rng, n: int, d: int, rho: float):
    """x, y standard normal in d dimensions with corr(x_j, y_j) = rho; I(X;Y) = -d/2 log(1 - rho^2)."""
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y, -0.5 * d * math.log(1 - rho**2)


def gaussian_chain(rng, n: int, a: float = 0.8, b: float = 0.8):
    """X -> Z -> Y (unit-variance linear-Gaussian steps): I(X;Y|Z) = 0, and I(X;Z|Y) from the covariance."""
    x = rng.standard_normal(n)
    z = a * x + math.sqrt(1 - a**2) * rng.standard_normal(n)
    y = b * z + math.sqrt(1 - b**2) * rng.standard_normal(n)
    # I(X;Z|Y) = 1/2 log(det S_xy det S_zy / (det S_y det S_xzy)) with unit variances.
    cov = np.array([[1, a, a * b], [a, 1, b], [a * b, b, 1]])  # order x, z, y
    det = np.linalg.det
    i_xz_given_y = 0.5 * math.log(det(cov[np.ix_([0, 2], [0, 2])]) * det(cov[np.ix_([1, 2], [1, 2])]) / (1.0 * det(cov)))
    return x, y, z, i_xz_given_y


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infoscope", description=__doc__)
    parser.add_argument("-n", type=int, default=20_000, help="samples per estimate (default 20000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    n = args.n

    info = build_info()
    print(f"infoscope {info['version']} ({info['compiler']}, OpenMP: {info['openmp']}, threads: {info['threads']})")
    print(f"N = {n} samples per estimate, results in nats\n")
    print(f"{'quantity':44s} {'estimate':>9s} {'truth':>9s} {'time':>9s}")

    def row(label, fn, truth):
        start = time.perf_counter()
        value = fn()
        print(f"{label:44s} {value:9.4f} {truth:9.4f} {time.perf_counter() - start:8.3f}s")

    for d in (1, 8):
        x = rng.standard_normal((n, d))
        row(f"H(X), X ~ N(0, I_{d}), Kozachenko-Leonenko", lambda: entropy(x, k=3), 0.5 * d * math.log(2 * math.pi * math.e))
    for d in (1, 4):
        x, y, truth = gaussian_pair(rng, n, d, 0.6)
        row(f"I(X;Y), {d}+{d} dims, rho=0.6, KSG alg. 1", lambda: mutual_info(x, y, k=3), truth)
        row(f"I(X;Y), {d}+{d} dims, rho=0.6, KSG alg. 2", lambda: mutual_info(x, y, k=3, algorithm=2), truth)
    x, y, z, i_xz_given_y = gaussian_chain(rng, n)
    row("I(X;Y|Z), chain X->Z->Y, Frenzel-Pompe", lambda: conditional_mutual_info(x, y, z, k=3), 0.0)
    row("I(X;Z|Y), chain X->Z->Y, Frenzel-Pompe", lambda: conditional_mutual_info(x, z, y, k=3), i_xz_given_y)

    # X drives Y with lag 1; truths from the stationary covariance of the process.
    pair = LinearGaussianVAR([np.array([[0.5, 0.0], [0.6, 0.4]])], np.eye(2))
    source, target = pair.simulate(n, seed=args.seed).T
    row("TE(X->Y), coupled AR(1), KSG", lambda: transfer_entropy(source, target), pair.transfer_entropy(0, 1))
    row("TE(Y->X), nothing flows back, KSG", lambda: transfer_entropy(target, source), pair.transfer_entropy(1, 0))
    row("TE(X->Y), binned (8 bins, Miller-Madow)",
        lambda: transfer_entropy(source, target, method="binned", bins=8, correction="miller_madow"),
        pair.transfer_entropy(0, 1))
    for label, a, b in (("X->Y", source, target), ("Y->X", target, source)):
        start = time.perf_counter()
        test = stats.permutation_test(transfer_entropy, a, b, n_permutations=200, progress=False)
        print(f"{'permutation test of TE(' + label + '), 200 surrogates':44s} {'p = ' + format(test.p_value, '.3f'):>19s} "
              f"{time.perf_counter() - start:8.3f}s")


if __name__ == "__main__":
    main()
