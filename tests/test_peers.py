"""Parity with the reference implementations users compare against, on the same standardised, tie-free input."""

import numpy as np
import pytest
from sklearn.feature_selection import mutual_info_regression

import infoscope as isc
import npeet_plus

TOL = 1e-6


@pytest.fixture
def standardized_pair():
    rng = np.random.default_rng(2024)
    x = rng.standard_normal(3000)
    y = np.tanh(x) + 0.5 * rng.standard_normal(3000)
    standardize = lambda a: (a - a.mean()) / a.std()
    return standardize(x), standardize(y)


@pytest.mark.parametrize("k", [3, 5])
def test_ksg_matches_scikit_learn(standardized_pair, k):
    x, y = standardized_pair
    theirs = mutual_info_regression(x.reshape(-1, 1), y, n_neighbors=k, random_state=0)[0]
    ours = isc.mutual_info(x, y, k=k, noise=0.0)
    assert ours == pytest.approx(theirs, abs=TOL)


@pytest.mark.parametrize("k", [3, 6])
def test_ksg_matches_npeet(standardized_pair, k):
    x, y = standardized_pair
    np.random.seed(0)  # npeet adds its own 1e-10 noise from numpy's global generator
    theirs = npeet_plus.mi(x.reshape(-1, 1), y.reshape(-1, 1), k=k, base=np.e)
    assert isc.mutual_info(x, y, k=k, noise=0.0) == pytest.approx(theirs, abs=TOL)


def test_multivariate_ksg_and_entropy_match_npeet():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2000, 3))
    y = x[:, :2] + rng.standard_normal((2000, 2))
    np.random.seed(1)
    assert isc.mutual_info(x, y, k=4, noise=0.0, normalize=False) == pytest.approx(
        npeet_plus.mi(x, y, k=4, base=np.e), abs=TOL)
    np.random.seed(2)
    assert isc.entropy(x, k=3) == pytest.approx(npeet_plus.entropy(x, k=3, base=np.e), abs=TOL)
