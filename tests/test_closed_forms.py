"""Estimates converge to closed-form values on Gaussian data.

Tolerances are a few standard deviations of the estimator at the sample size used (KSG's standard deviation
is about 1/sqrt(N) nats for moderate MI), plus its known small-sample bias, which is negative in higher
dimension (Kraskov et al. 2004, fig. 4; Czyz et al. 2023).
"""

import math

import numpy as np
import pytest

import infoscope as isc
from infoscope.__main__ import gaussian_chain, gaussian_pair


def gaussian_entropy(d, var=1.0):
    return 0.5 * d * math.log(2 * math.pi * math.e * var)


@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
@pytest.mark.parametrize("d,tol", [(1, 0.02), (8, 0.12)])
def test_gaussian_entropy(d, tol, metric):
    x = np.random.default_rng(d).standard_normal((20_000, d))
    assert isc.entropy(x, k=3, metric=metric) == pytest.approx(gaussian_entropy(d), abs=tol)


def test_entropy_scale_and_normalize():
    """H(aX) = H(X) + d log a; normalize=True estimates on standardised data and corrects back to x's scale."""
    x = np.random.default_rng(1).standard_normal((5_000, 2)) * [1.0, 4.0]
    h = isc.entropy(x)
    assert isc.entropy(3.0 * x) == pytest.approx(h + 2 * math.log(3.0), abs=1e-9)
    h_norm = isc.entropy(x, normalize=True)
    assert isc.entropy(3.0 * x, normalize=True) == pytest.approx(h_norm + 2 * math.log(3.0), abs=1e-9)
    assert h_norm == pytest.approx(gaussian_entropy(2) + math.log(4.0), abs=0.05)
    assert isc.entropy(x, base=2) == pytest.approx(h / math.log(2), rel=1e-12)


@pytest.mark.parametrize("algorithm", [1, 2])
@pytest.mark.parametrize("d,rho,tol", [(1, 0.6, 0.03), (1, 0.9, 0.04), (4, 0.6, 0.08)])
def test_gaussian_mutual_info(d, rho, tol, algorithm):
    x, y, truth = gaussian_pair(np.random.default_rng([d, int(rho * 10)]), 20_000, d, rho)
    assert isc.mutual_info(x, y, k=3, algorithm=algorithm) == pytest.approx(truth, abs=tol)


def test_independent_mutual_info_near_zero():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((10_000, 2)), rng.standard_normal((10_000, 2))
    assert abs(isc.mutual_info(x, y)) < 0.02


def test_gaussian_chain_conditional_mutual_info():
    x, y, z, i_xz_given_y = gaussian_chain(np.random.default_rng(3), 20_000)
    assert isc.conditional_mutual_info(x, y, z, k=3) == pytest.approx(0.0, abs=0.02)
    assert isc.conditional_mutual_info(x, z, y, k=3) == pytest.approx(i_xz_given_y, abs=0.03)


def test_rank_transform_invariance():
    """The copula transform makes the estimate invariant to monotone transforms of each variable."""
    x, y, truth = gaussian_pair(np.random.default_rng(8), 10_000, 1, 0.7)
    plain = isc.mutual_info(x, y, transform="rank", noise=0.0)
    warped = isc.mutual_info(np.exp(x), y**3, transform="rank", noise=0.0)
    assert warped == plain
    assert plain == pytest.approx(truth, abs=0.04)
