"""pytest-benchmark suite for the k-NN estimators, parametrised over (d, N, k) with fixed seeds.

    pip install .[bench] && pytest benchmarks/test_bench_knn.py --benchmark-columns=median,iqr

Outside ``testpaths``: CI runs no benchmark, and no test asserts a wall-clock time.
"""

import pytest

import infoscope as isc
from compare_peers import gaussian_task


@pytest.mark.parametrize("k", [3, 10])
@pytest.mark.parametrize("n", [1_000, 10_000, 100_000])
@pytest.mark.parametrize("d", [1, 4])
@pytest.mark.parametrize("algorithm", [1, 2])
def test_ksg_mutual_info(benchmark, d, n, k, algorithm):
    (x, y), _ = gaussian_task("mutual_info", d, n)
    benchmark(isc.mutual_info, x, y, k=k, algorithm=algorithm)


@pytest.mark.parametrize("n", [1_000, 10_000, 100_000])
@pytest.mark.parametrize("d", [1, 8])
@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
def test_kl_entropy(benchmark, d, n, metric):
    (x,), _ = gaussian_task("entropy", d, n)
    benchmark(isc.entropy, x, k=3, metric=metric)


@pytest.mark.parametrize("n", [1_000, 10_000, 100_000])
def test_frenzel_pompe_cmi(benchmark, n):
    (x, y), _ = gaussian_task("mutual_info", 1, n)
    (z,), _ = gaussian_task("entropy", 1, n, seed=1)
    benchmark(isc.conditional_mutual_info, x, y, z, k=3)
