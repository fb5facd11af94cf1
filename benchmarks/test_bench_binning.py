"""pytest-benchmark suite for the binned estimators, parametrised over layer width, N and dtype.

    pip install .[bench] && pytest benchmarks/test_bench_binning.py --benchmark-columns=median,iqr
"""

import numpy as np
import pytest

import infoscope as isc
from compare_binning import BINS, RANGE, layer_task


@pytest.mark.parametrize("n", [10_000, 100_000])
@pytest.mark.parametrize("units", [1, 10, 1000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binned_entropy(benchmark, units, n, dtype):
    x, _ = layer_task(n, units, dtype=dtype)
    benchmark(isc.entropy, x, method="binned", bins=BINS, range=RANGE)


@pytest.mark.parametrize("n", [10_000, 100_000])
@pytest.mark.parametrize("correction", ["plugin", "jackknife"])
def test_binned_mutual_info(benchmark, n, correction):
    x, y = layer_task(n, 10)
    benchmark(isc.mutual_info, x, y, method="binned", bins=BINS, range=RANGE, correction=correction)
