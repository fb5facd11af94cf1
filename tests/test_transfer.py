"""Transfer entropy: the embedding, the exact linear-Gaussian truth, the Theiler window, trials and local values.

TE is checked three ways: against the CMI estimators on an embedding built here by explicit loops (same
neighbours, so equal to rounding), against the brute-force reference with a Theiler window, and against the
exact TE of linear-Gaussian VAR processes from their stationary covariance (infoscope.bench.processes).
"""

import math

import numpy as np
import pytest

import infoscope as isc
import reference as ref
from infoscope.bench.processes import LinearGaussianVAR

EXACT = dict(normalize=False, noise=0.0)


def embed(source, target, lag, k_hist, l_hist, tau, conditions=(), first=None):
    """(target_t, target past + condition pasts, source past) for every t with a full past, by explicit loops.

    conditions: (series, lag, hist) triples. Series are (T, d) arrays of one trial."""
    needed = max([1 + (k_hist - 1) * tau, lag + (l_hist - 1) * tau] +
                 [c_lag + (c_hist - 1) * tau for _, c_lag, c_hist in conditions])
    first = needed if first is None else first
    nxt, z, y = [], [], []
    for t in range(first, target.shape[0]):
        nxt.append(target[t])
        past = [target[t - 1 - j * tau] for j in range(k_hist)]
        for series, c_lag, c_hist in conditions:
            past += [series[t - c_lag - j * tau] for j in range(c_hist)]
        z.append(np.concatenate(past))
        y.append(np.concatenate([source[t - lag - j * tau] for j in range(l_hist)]))
    return np.array(nxt), np.array(z), np.array(y)


def ar_pair(n, seed=0, coupling=0.6, trials=None):
    """x white noise, y_t = 0.5 y_{t-1} + coupling x_{t-1} + 0.5 e_t; TE(x -> y) = 0.5 log(1 + coupling^2 / 0.25)."""
    model = LinearGaussianVAR([np.array([[0.0, 0.0], [coupling, 0.5]])], np.diag([1.0, 0.25]))
    data = model.simulate(n, trials=trials, seed=seed)
    return data[..., 0], data[..., 1], model


# --- TE is the CMI of the embedding, exactly -------------------------------------------------------------------

@pytest.mark.parametrize("lag, k_hist, l_hist, tau", [(1, 1, 1, 1), (2, 1, 1, 1), (3, 2, 2, 1), (1, 3, 2, 2)])
def test_ksg_te_equals_cmi_of_explicit_embedding(lag, k_hist, l_hist, tau):
    rng = np.random.default_rng(lag * 10 + k_hist)
    source, target = rng.standard_normal((400, 2)), rng.standard_normal((400, 1))
    target[1:, 0] += 0.7 * source[:-1, 0]
    nxt, z, y = embed(source, target, lag, k_hist, l_hist, tau)
    te = isc.transfer_entropy(source, target, lag=lag, k_hist=k_hist, l_hist=l_hist, tau=tau, local=True, **EXACT)
    cmi = isc.conditional_mutual_info(nxt, y, z, k=4, local=True, **EXACT)
    first = target.shape[0] - nxt.shape[0]
    assert np.isnan(te[:first]).all()
    np.testing.assert_allclose(te[first:], cmi, rtol=0, atol=1e-12)
    # and both equal the brute-force reference
    np.testing.assert_allclose(cmi, ref.ksg_conditional_mutual_info(nxt, y, z, 4), rtol=0, atol=1e-10)


def test_ksg_conditional_te_equals_cmi_of_explicit_embedding():
    rng = np.random.default_rng(5)
    source, target, w, v = (rng.standard_normal((300, d)) for d in (1, 1, 2, 1))
    nxt, z, y = embed(source, target, 2, 2, 1, 1, conditions=[(w, 0, 1), (v, 3, 2)])
    te = isc.transfer_entropy(source, target, lag=2, k_hist=2, condition={"w": w, "v": v},
                              condition_lag={"w": 0, "v": 3}, condition_hist={"w": 1, "v": 2}, local=True, **EXACT)
    cmi = isc.conditional_mutual_info(nxt, y, z, k=4, local=True, **EXACT)
    np.testing.assert_allclose(te[-len(cmi):], cmi, rtol=0, atol=1e-12)


def test_binned_te_equals_binned_cmi_of_explicit_embedding():
    rng = np.random.default_rng(2)
    source = rng.integers(0, 2, (3000, 1))
    target = np.zeros((3000, 1), dtype=np.int64)
    target[1:, 0] = source[:-1, 0] ^ (rng.random(2999) < 0.1)  # a noisy copy of the source's last bit
    for correction in ("plugin", "grassberger"):
        nxt, z, y = embed(source, target, 1, 2, 1, 1)
        te = isc.transfer_entropy(source, target, method="binned", k_hist=2, correction=correction, local=True)
        cmi = isc.conditional_mutual_info(nxt, y, z, method="binned", correction=correction, local=True)
        np.testing.assert_allclose(te[2:], cmi, rtol=0, atol=1e-12)
    # a flip with probability 0.1: TE = H(0.1 flip) removed from 1 bit
    h = -(0.1 * math.log2(0.1) + 0.9 * math.log2(0.9))
    assert isc.transfer_entropy(source, target, method="binned", base=2) == pytest.approx(1 - h, abs=0.03)


def test_binned_te_bins_each_series_once_over_all_time_points():
    rng = np.random.default_rng(3)
    source, target = rng.standard_normal(500), rng.standard_normal(500)
    codes = lambda a: np.minimum((a - a.min()) * 4 / (a.max() - a.min()), 3).astype(np.int64)  # noqa: E731
    binned = isc.transfer_entropy(source, target, method="binned", bins=4)
    assert binned == isc.transfer_entropy(codes(source), codes(target), method="binned")


def test_trials_are_pooled_and_never_joined():
    rng = np.random.default_rng(4)
    trials = [rng.standard_normal((n, 2)) for n in (120, 90, 150)]
    parts = [embed(t[:, :1], t[:, 1:], 2, 2, 1, 1) for t in trials]
    nxt, z, y = (np.vstack([p[i] for p in parts]) for i in range(3))
    local = isc.transfer_entropy([t[:, 0] for t in trials], [t[:, 1] for t in trials], lag=2, k_hist=2,
                                 local=True, **EXACT)
    assert isinstance(local, list) and [len(v) for v in local] == [120, 90, 150]
    pooled = np.concatenate([v[2:] for v in local])
    np.testing.assert_allclose(pooled, isc.conditional_mutual_info(nxt, y, z, k=4, local=True, **EXACT),
                               rtol=0, atol=1e-12)
    # equally long trials as a (trials, T) stack give a (trials, T) array; nanmean is the estimate
    stack = rng.standard_normal((3, 100, 2))
    local = isc.transfer_entropy(stack[..., :1], stack[..., 1:], local=True)
    assert local.shape == (3, 100)
    assert np.nanmean(local) == pytest.approx(isc.transfer_entropy(stack[..., :1], stack[..., 1:]), rel=1e-12)


@pytest.mark.parametrize("theiler", [1, 3, 7])
def test_theiler_window_matches_brute_force(theiler):
    rng = np.random.default_rng(theiler)
    x = np.cumsum(rng.standard_normal((2, 80, 1)), axis=1)  # random walks: near neighbours in time are close
    source, target = x[0], x[1]
    nxt, z, y = embed(source, target, 1, 1, 1, 1)
    n = len(nxt)
    excluded = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]) <= theiler
    expected = ref.ksg_conditional_mutual_info(nxt, y, z, 4, excluded=excluded)
    te = isc.transfer_entropy(source, target, theiler=theiler, local=True, **EXACT)
    np.testing.assert_allclose(te[1:], expected, rtol=0, atol=1e-10)
    assert not np.allclose(expected, ref.ksg_conditional_mutual_info(nxt, y, z, 4))  # the window matters here


def test_theiler_window_stays_inside_trials():
    rng = np.random.default_rng(9)
    stack = np.cumsum(rng.standard_normal((2, 3, 40, 1)), axis=2)
    parts = [embed(stack[0, t], stack[1, t], 1, 1, 1, 1) for t in range(3)]
    nxt, z, y = (np.vstack([p[i] for p in parts]) for i in range(3))
    trial = np.repeat(np.arange(3), 39)
    time = np.tile(np.arange(39), 3)
    excluded = (trial[:, None] == trial[None, :]) & (np.abs(time[:, None] - time[None, :]) <= 2)
    te = isc.transfer_entropy(stack[0], stack[1], theiler=2, local=True, **EXACT)
    np.testing.assert_allclose(te[:, 1:].ravel(), ref.ksg_conditional_mutual_info(nxt, y, z, 4, excluded=excluded),
                               rtol=0, atol=1e-10)


# --- Against the exact TE of linear-Gaussian processes ---------------------------------------------------------

# A 3-component VAR(3): 0 drives 1 at lags 1 and 3, 1 drives 2 at lag 2; 2 drives nothing.
VAR3 = LinearGaussianVAR(
    [np.array([[0.4, 0, 0], [0.5, 0.2, 0], [0, 0, 0.3]]),
     np.array([[0, 0, 0], [0, 0, 0], [0, 0.6, 0]]),
     np.array([[0.2, 0, 0], [0.4, 0, 0], [0, 0, 0]])],
    np.diag([1.0, 0.5, 0.5]))


@pytest.fixture(scope="module")
def var3_data():
    return VAR3.simulate(20_000, seed=11)


@pytest.mark.parametrize("source, target, lag, k_hist, l_hist", [
    (0, 1, 1, 1, 1), (0, 1, 3, 1, 1), (0, 1, 1, 2, 3), (1, 2, 2, 1, 1), (1, 2, 1, 2, 2), (0, 1, 2, 3, 1)])
def test_ksg_te_converges_to_exact_linear_gaussian_te(var3_data, source, target, lag, k_hist, l_hist):
    truth = VAR3.transfer_entropy(source, target, lag=lag, k_hist=k_hist, l_hist=l_hist)
    estimate = isc.transfer_entropy(var3_data[:, source], var3_data[:, target], lag=lag, k_hist=k_hist,
                                    l_hist=l_hist)
    assert truth > 0.02
    assert estimate == pytest.approx(truth, abs=0.03 + 0.05 * truth)


def test_reverse_direction_is_zero_and_not_significant(var3_data):
    # Component 0 is autonomous (an AR(3) of its own): nothing flows into it once its past covers three steps.
    assert VAR3.transfer_entropy(1, 0, lag=1, k_hist=3) == pytest.approx(0, abs=1e-12)
    reverse = isc.stats.permutation_test(isc.transfer_entropy, var3_data[:5000, 1], var3_data[:5000, 0],
                                         k_hist=3, n_permutations=200, seed=1)
    assert abs(reverse.estimate) < 0.02
    assert reverse.p_value > 0.05
    forward = isc.stats.permutation_test(isc.transfer_entropy, var3_data[:5000, 0], var3_data[:5000, 1],
                                         k_hist=3, n_permutations=200, seed=1)
    assert forward.p_value == pytest.approx(1 / 201)


def test_chain_conditional_te_is_zero():
    chain = LinearGaussianVAR([np.array([[0.6, 0, 0], [0.8, 0.3, 0], [0, 0.8, 0.3]])], np.eye(3))
    data = chain.simulate(20_000, seed=3)
    x, y, z = data.T
    assert chain.transfer_entropy(0, 2, lag=2) > 0.05
    assert isc.transfer_entropy(x, z, lag=2) == pytest.approx(chain.transfer_entropy(0, 2, lag=2), abs=0.03)
    truth = chain.transfer_entropy(0, 2, lag=2, condition=[1], condition_lag=1)
    assert truth == pytest.approx(0, abs=1e-12)
    assert isc.transfer_entropy(x, z, lag=2, condition=y, condition_lag=1) == pytest.approx(0, abs=0.015)


def test_multivariate_source_and_target_against_exact_te():
    model = LinearGaussianVAR([np.array([[0.3, 0, 0, 0], [0, 0.3, 0, 0], [0.4, 0, 0.2, 0], [0.3, -0.3, 0, 0.2]])],
                              np.eye(4))
    data = model.simulate(20_000, seed=5)
    truth = model.transfer_entropy([0, 1], [2, 3])
    assert isc.transfer_entropy(data[:, :2], data[:, 2:]) == pytest.approx(truth, abs=0.03 + 0.05 * truth)


def test_pooled_trials_estimate_the_same_te_as_one_long_series():
    x, y, model = ar_pair(500, seed=7, trials=40)
    x, y = x[..., None], y[..., None]  # (trials, T, 1): a 2-D array would be one series of 500 variables
    truth = 0.5 * math.log(1 + 0.36 / 0.25)
    assert model.transfer_entropy(0, 1) == pytest.approx(truth, rel=1e-12)
    assert isc.transfer_entropy(x, y) == pytest.approx(truth, abs=0.03)


def test_lag_scan_finds_the_delay_on_common_time_points():
    rng = np.random.default_rng(6)
    x = rng.standard_normal(3000)
    y = 0.6 * rng.standard_normal(3000)
    y[4:] += 0.8 * x[:-4]
    scan = isc.transfer_entropy_lags(x, y, lags=[1, 2, 4, 6], n_permutations=50, progress=False)
    assert scan.best_lag == 4
    assert scan.p_values[2] == pytest.approx(1 / 51) and (np.abs(scan.te[[0, 1, 3]]) < 0.04).all()
    # each lag on the time points of the largest one: the local values of lag 4 from time point 6 on
    local = isc.transfer_entropy(x, y, lag=4, local=True)
    nxt, z, yy = embed(x[:, None], y[:, None], 4, 1, 1, 1, first=6)
    assert scan.te[2] == pytest.approx(isc.conditional_mutual_info(nxt, yy, z, k=4), abs=0.02)
    assert np.isnan(local[:4]).all()
    assert scan.unit == "nats"
    assert isc.transfer_entropy_lags(x, y, lags=[4, 6], base=2).te[0] == pytest.approx(scan.te[2] / math.log(2))


# --- Bad input ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    (dict(lag=0), ValueError, "lag must be at least 1"),
    (dict(lag=1.5), TypeError, "lag must be an integer"),
    (dict(k_hist=0), ValueError, "k_hist"),
    (dict(l_hist=0), ValueError, "l_hist"),
    (dict(tau=0), ValueError, "tau"),
    (dict(lag=60), ValueError, "too short for the embedding"),
    (dict(k=60), ValueError, "k must be smaller"),
    (dict(theiler=-1), ValueError, "theiler"),
    (dict(theiler=40), ValueError, "Theiler window"),
    (dict(condition=np.zeros(50), condition_lag=-1), ValueError, "condition_lag"),
    (dict(condition={"a": np.zeros(50)}, condition_lag={"b": 1}), ValueError, "keys of condition"),
    (dict(condition=np.zeros(49)), ValueError, "condition has 49 time points"),
    (dict(method="kde"), ValueError, "method must be one of"),
    (dict(bins=3), TypeError, "no option 'bins'"),
    (dict(base=1), ValueError, "base"),
])
def test_bad_arguments_name_themselves(kwargs, error, match):
    rng = np.random.default_rng(0)
    with pytest.raises(error, match=match):
        isc.transfer_entropy(rng.standard_normal(50), rng.standard_normal(50), **kwargs)


def test_bad_series_name_themselves():
    rng = np.random.default_rng(0)
    good = rng.standard_normal(50)
    with pytest.raises(ValueError, match="source must be finite"):
        isc.transfer_entropy(np.r_[np.nan, good[1:]], good)
    with pytest.raises(ValueError, match="source has 49 time points and target has 50"):
        isc.transfer_entropy(good[1:], good)
    with pytest.raises(ValueError, match="trials of target must have the same number of variables"):
        isc.transfer_entropy([good, good], [good, np.c_[good, good]])
    with pytest.raises(ValueError, match="source has 1 trials and target has 2"):
        isc.transfer_entropy(good, [good, good])
    with pytest.raises(ValueError, match=r"trial 1 has 3 time points, too short"):
        isc.transfer_entropy([good, good[:3]], [good, good[:3]], k_hist=3)
    with pytest.raises(ValueError, match="more variables .* than time points"):
        isc.transfer_entropy(good.reshape(5, 10), good.reshape(5, 10))
    with pytest.raises(ValueError, match="target is empty"):
        isc.transfer_entropy(good[:0], good[:0])
    with pytest.raises(ValueError, match="target must be finite"):
        isc.transfer_entropy(good, np.r_[good[:-1], np.inf], method="binned")
