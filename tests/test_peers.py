"""Parity with the reference implementations users compare against, on the same standardised, tie-free input."""

import importlib.util
from pathlib import Path

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


# --------------------------------------------------------------------- IDTxl network inference (own process)

idtxl_available = pytest.mark.skipif(
    importlib.util.find_spec("jpype") is None or importlib.util.find_spec("idtxl") is None,
    reason="the IDTxl peer needs jpype and idtxl (package idtxl-uv)")


def _idtxl_peer():
    spec = importlib.util.spec_from_file_location(
        "idtxl_peer", Path(__file__).parents[1] / "benchmarks" / "idtxl_peer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@idtxl_available
def test_idtxl_runner_finds_a_strong_link_in_its_own_process():
    from infoscope.bench import LinearGaussianVAR

    # 0 -> 1 at lag 2 (strong), 2 independent of both.
    a = np.zeros((2, 3, 3))
    a[0] = np.diag([0.4, 0.4, 0.4])
    a[1, 1, 0] = 0.8
    data = LinearGaussianVAR(a, np.eye(3)).simulate(300, seed=0)
    peer = _idtxl_peer()
    result = peer.run_idtxl(data, max_lag_sources=2, max_lag_target=2, n_perm_max_stat=30, n_perm_min_stat=30,
                            n_perm_omnibus=100, n_perm_max_seq=30, targets=[1, 2], timeout=300)
    assert set(result["targets"]) == {"1", "2"}
    into_1 = result["targets"]["1"]
    assert (0, 2) in map(tuple, into_1["sources"])
    assert into_1["omnibus_sign"] and into_1["omnibus_pval"] < 0.05 and into_1["omnibus_te"] > 0.1
    assert len(into_1["sources_pval"]) == len(into_1["sources_te"]) == len(into_1["sources"])
    assert [0, 1, 2] in result["links"] and result["adjacency"][0][1]
    assert not any(t == 2 for _, t, _ in result["links"]), result["links"]  # nothing drives 2
    assert result["settings"]["kraskov_k"] == 4 and result["settings"]["permute_in_time"]
    assert result["settings"]["num_threads"] == 2
    assert result["idtxl_defaults"]["noise_level"] == 1e-8
    # 2 targets, alpha 0.05, fdr_constant 2: smallest threshold 0.05 / (2 * 1.5) > 1/100, so IDTxl corrects.
    assert result["fdr_links"] is not None and [0, 1, 2] in result["fdr_links"]
    assert 0 < result["wall_analysis_s"] < result["wall_worker_s"] < result["wall_total_s"]
    assert result["wall_jvm_start_s"] > 0
    with pytest.raises(ValueError, match="n_perm_omnibus"):
        peer.run_idtxl(data, n_perm_omnibus=20)
    with pytest.raises(ValueError, match="analysis"):
        peer.run_idtxl(data, analysis="pairwise")
