"""Information dynamics: active information storage, predictive information and uniform embedding selection
(infoscope.networks.dynamics), against exact Gaussian values, brute-force references written here, and the
order of processes whose structure is known."""

import doctest
import math
from collections import Counter

import numpy as np
import pytest

import infoscope as isc
import infoscope.networks.dynamics
from infoscope.bench.processes import LinearGaussianVAR
from infoscope.networks import max_ais_embedding, ragwitz_embedding

AR2 = LinearGaussianVAR([[[1.2]], [[-0.5]]], [[1.0]])  # X_t = 1.2 X_{t-1} - 0.5 X_{t-2} + e_t: clear order 2


# ------------------------------------------------------------------------------------------ exact Gaussian values


def _ar_autocorrelation(a1, a2, max_lag):
    """rho_h of a stationary AR(2) from the Yule-Walker equations: rho_1 = a1 / (1 - a2), rho_h = a1 rho_{h-1} +
    a2 rho_{h-2} (independent of the companion-form solution LinearGaussianVAR uses)."""
    rho = [1.0, a1 / (1 - a2)]
    while len(rho) <= max_lag:
        rho.append(a1 * rho[-1] + a2 * rho[-2])
    return np.array(rho)


def _gaussian_block_mi(rho, first, second):
    """I(X_first ; X_second) of a stationary Gaussian series with autocorrelation rho, times as integers."""
    times = list(first) + list(second)
    cov = np.array([[rho[abs(a - b)] for b in times] for a in times])
    n = len(first)
    logdet = lambda c: np.linalg.slogdet(c)[1]  # noqa: E731
    return 0.5 * (logdet(cov[:n, :n]) + logdet(cov[n:, n:]) - logdet(cov))


@pytest.mark.parametrize("a", [0.3, 0.8, -0.6])
def test_exact_ais_of_ar1_is_the_variance_ratio(a):
    var = LinearGaussianVAR([[[a]]], [[1.0]])
    expected = -0.5 * math.log(1 - a * a)  # Var(X) / Var(e) = 1 / (1 - a^2); the past beyond X_{t-1} adds nothing
    for k_hist, tau in [(1, 1), (3, 1), (2, 4)]:
        assert var.active_information_storage(0, k_hist=k_hist, tau=tau) == pytest.approx(expected, rel=1e-10)
    assert var.predictive_information(0, k_past=3, k_future=4) == pytest.approx(expected, rel=1e-10)


def test_exact_ais_and_predictive_information_of_ar2_match_yule_walker():
    a1, a2 = 1.2, -0.5
    rho = _ar_autocorrelation(a1, a2, 12)
    gamma0 = (1 - a2) / ((1 + a2) * ((1 - a2) ** 2 - a1 ** 2))  # Var(X) for unit innovations
    assert AR2.active_information_storage(0, k_hist=2) == pytest.approx(0.5 * math.log(gamma0), rel=1e-10)
    assert AR2.active_information_storage(0, k_hist=5) == pytest.approx(0.5 * math.log(gamma0), rel=1e-10)
    assert AR2.active_information_storage(0, k_hist=1) == pytest.approx(-0.5 * math.log(1 - rho[1] ** 2), rel=1e-10)
    assert AR2.active_information_storage(0, k_hist=2, tau=2) == pytest.approx(
        _gaussian_block_mi(rho, [0], [-1, -3]), rel=1e-10)
    for k_past, k_future, tau in [(2, 2, 1), (1, 3, 1), (3, 2, 2)]:
        past = [-1 - j * tau for j in range(k_past)]
        assert AR2.predictive_information(0, k_past=k_past, k_future=k_future, tau=tau) == pytest.approx(
            _gaussian_block_mi(rho, list(range(k_future)), past), rel=1e-9)


def test_exact_ais_of_a_multivariate_component_set():
    var = LinearGaussianVAR([[[0.5, 0.2], [0.0, 0.6]]], [[1.0, 0.3], [0.3, 1.0]])
    both = var.active_information_storage([0, 1], k_hist=1)
    cov = var.state_covariance()  # VAR(1): I(X_t ; X_{t-1}) = 1/2 log det Gamma(0) / det Sigma
    assert both == pytest.approx(0.5 * (np.linalg.slogdet(cov)[1] - np.linalg.slogdet(var.noise_cov)[1]), rel=1e-10)
    with pytest.raises(ValueError, match="k_hist"):
        var.active_information_storage(0, k_hist=0)
    with pytest.raises(ValueError, match="component"):
        var.active_information_storage(2)


# --------------------------------------------------------------------------------------------------- KSG estimates


# N = 10^4: over 10 seeds the KSG errors of these quantities had a mean within +-0.007 and a standard deviation of
# at most 0.013 nats (PI in 4 dimensions the widest); 0.04 is the mean plus three standard deviations.
KSG_TOLERANCE = 0.04


@pytest.fixture(scope="module")
def ar2_series():
    return AR2.simulate(10_000, seed=3)[:, 0]


@pytest.mark.parametrize("k_hist, tau", [(1, 1), (2, 1), (2, 2), (4, 1)])
def test_ksg_ais_of_ar2_matches_the_exact_value(ar2_series, k_hist, tau):
    estimate = isc.active_information_storage(ar2_series, k_hist=k_hist, tau=tau)
    assert estimate == pytest.approx(AR2.active_information_storage(0, k_hist=k_hist, tau=tau), abs=KSG_TOLERANCE)


@pytest.mark.parametrize("k_past, k_future, tau", [(2, 2, 1), (1, 3, 1), (2, 2, 2)])
def test_ksg_predictive_information_of_ar2_matches_the_exact_value(ar2_series, k_past, k_future, tau):
    estimate = isc.predictive_information(ar2_series, k_past=k_past, k_future=k_future, tau=tau)
    truth = AR2.predictive_information(0, k_past=k_past, k_future=k_future, tau=tau)
    assert estimate == pytest.approx(truth, abs=KSG_TOLERANCE)


def test_ksg_ais_in_bits_and_algorithm_2(ar2_series):
    nats = isc.active_information_storage(ar2_series, k_hist=2)
    assert isc.active_information_storage(ar2_series, k_hist=2, base=2) == pytest.approx(nats / math.log(2))
    alg2 = isc.active_information_storage(ar2_series, k_hist=2, algorithm=2)
    assert alg2 != nats and alg2 == pytest.approx(AR2.active_information_storage(0, k_hist=2), abs=KSG_TOLERANCE)


def test_ksg_ais_is_the_ksg_mutual_info_of_an_embedding_written_here():
    """Trials pooled, no vector across a trial boundary: KSG MI (noise and standardisation off, so the
    preprocessing is the identity) of the next value and the past, embedded here trial by trial."""
    trials = [AR2.simulate(n, seed=s)[:, 0] for s, n in ((1, 700), (2, 500))]
    k_hist, tau = 3, 2
    deepest = 1 + (k_hist - 1) * tau
    nxt, past = [], []
    for x in trials:
        t = np.arange(deepest, len(x))
        nxt.append(x[t])
        past.append(np.column_stack([x[t - 1 - j * tau] for j in range(k_hist)]))
    expected = isc.mutual_info(np.concatenate(nxt), np.vstack(past), k=4, noise=0, normalize=False)
    options = dict(k_hist=k_hist, tau=tau, noise=0, normalize=False)
    assert isc.active_information_storage(trials, **options) == expected
    # A vector spanning the boundary would add samples and change the estimate: the concatenation is different.
    assert isc.active_information_storage(np.concatenate(trials), **options) != expected


def test_local_values_lie_on_the_time_axis_and_average_to_the_estimate(ar2_series):
    x = ar2_series[:2000]
    local = isc.active_information_storage(x, k_hist=2, tau=3, local=True)
    assert local.shape == x.shape
    assert np.isnan(local[:4]).all() and not np.isnan(local[4:]).any()
    assert np.mean(local[4:]) == pytest.approx(isc.active_information_storage(x, k_hist=2, tau=3), rel=1e-12)
    # Predictive information: NaN where a time point has no full past (k_past) or no full future (k_future - 1).
    local = isc.predictive_information(x, k_past=2, k_future=3, local=True)
    assert np.isnan(local[:2]).all() and np.isnan(local[-2:]).all() and not np.isnan(local[2:-2]).any()
    assert np.nanmean(local) == pytest.approx(isc.predictive_information(x, k_past=2, k_future=3), rel=1e-12)
    # With a future of one value it is the AIS, time point by time point.
    np.testing.assert_array_equal(isc.predictive_information(x, k_past=2, k_future=1, local=True),
                                  isc.active_information_storage(x, k_hist=2, local=True))


def test_trials_as_a_3d_array_or_a_list(ar2_series):
    stacked = ar2_series[:3000].reshape(3, 1000, 1)  # (trials, T, d); a 2-D array is one (T, d) series
    as_array = isc.active_information_storage(stacked, k_hist=2)
    assert as_array == isc.active_information_storage(list(stacked), k_hist=2)
    local = isc.active_information_storage(stacked, k_hist=2, local=True)
    assert local.shape == (3, 1000) and np.isnan(local[:, :2]).all()
    assert np.nanmean(local) == pytest.approx(as_array, rel=1e-12)
    ragged = isc.active_information_storage([ar2_series[:800], ar2_series[800:1500]], k_hist=2, local=True)
    assert [len(r) for r in ragged] == [800, 700]


def test_a_multivariate_series_stores_the_information_of_its_vector_past():
    var = LinearGaussianVAR([[[0.5, 0.4], [0.0, 0.6]]], [[1.0, 0.0], [0.0, 1.0]])
    x = var.simulate(10_000, seed=5)
    truth = var.active_information_storage([0, 1], k_hist=1)
    assert isc.active_information_storage(x) == pytest.approx(truth, abs=KSG_TOLERANCE)


# ------------------------------------------------------------------------------------------------ binned estimates


def _plugin_mi(pairs):
    """Plug-in MI (nats) of a list of (a, b) hashable pairs and the local values, by counting."""
    n = len(pairs)
    joint, left, right = Counter(pairs), Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    local = np.array([math.log(joint[(a, b)] * n / (left[a] * right[b])) for a, b in pairs])
    return local.mean(), local


def _markov_symbols(n, seed):
    """A 3-state chain with memory of two steps: many ties, clear storage."""
    rng = np.random.default_rng(seed)
    x = list(rng.integers(0, 3, 2))
    for _ in range(n - 2):
        x.append((x[-1] + x[-2]) % 3 if rng.random() < 0.8 else int(rng.integers(0, 3)))
    return np.array(x)


def test_binned_ais_and_predictive_information_match_a_brute_force_count():
    trials = [_markov_symbols(400, 1), _markov_symbols(300, 2)]
    k_hist, tau = 2, 2
    pairs = []
    for x in trials:  # samples of each trial alone
        pairs += [(x[t], tuple(x[t - 1 - j * tau] for j in range(k_hist)))
                  for t in range(1 + (k_hist - 1) * tau, len(x))]
    expected, expected_local = _plugin_mi(pairs)
    assert isc.active_information_storage(trials, k_hist, tau, method="binned") == pytest.approx(expected, rel=1e-12)
    local = isc.active_information_storage(trials, k_hist, tau, method="binned", local=True)
    np.testing.assert_allclose(np.concatenate([r[3:] for r in local]), expected_local, rtol=1e-12)
    assert all(np.isnan(r[:3]).all() for r in local)
    # The same count over the concatenation (vectors spanning the boundary) differs: the test can see a leak.
    whole = np.concatenate(trials)
    leaked, _ = _plugin_mi([(whole[t], (whole[t - 1], whole[t - 3])) for t in range(3, len(whole))])
    assert leaked != pytest.approx(expected, rel=1e-9)

    x = trials[0]
    pi_pairs = [(tuple(x[t:t + 2]), (x[t - 1], x[t - 2], x[t - 3])) for t in range(3, len(x) - 1)]
    expected_pi, _ = _plugin_mi(pi_pairs)
    assert isc.predictive_information(x, k_past=3, k_future=2, method="binned") == pytest.approx(expected_pi, rel=1e-12)


def test_binned_ais_bins_floats_into_equal_width_bins():
    x = AR2.simulate(3000, seed=4)[:, 0]
    bins = 6
    lo, hi = x.min(), x.max()
    symbols = np.minimum(((x - lo) / (hi - lo) * bins).astype(int), bins - 1)  # the last edge closes the top bin
    expected, _ = _plugin_mi([(symbols[t], symbols[t - 1]) for t in range(1, len(x))])
    assert isc.active_information_storage(x, method="binned", bins=bins) == pytest.approx(expected, rel=1e-12)
    # Integer-valued symbols are taken as they are.
    assert isc.active_information_storage(symbols, method="binned") == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------------------------- embedding searches


def test_both_criteria_find_the_order_of_an_ar2():
    # At N = 3000 both chose (2, 1) on 8 of 8 seeds tried; a longer past stores no more, so at larger N k = 2 and
    # k = 3 differ by estimation noise only (documented in the docstrings).
    x = AR2.simulate(3000, seed=11)[:, 0]
    for search in (ragwitz_embedding, max_ais_embedding):
        found = search(x, k_values=range(1, 6), tau_values=[1, 2, 3])
        assert (found.k_hist, found.tau) == (2, 1), search.__name__
        assert found.values.shape == (5, 3)
        assert found.samples == 3000 - (1 + 4 * 3)
        assert np.all(found.values[0] == found.values[0, 0])  # with k = 1 the spacing does not enter


def test_both_criteria_find_the_spacing_of_lags_one_and_three():
    # X_t = 0.6 X_{t-1} + 0.35 X_{t-3} + e_t: the past (t-1, t-3) is k = 2 values spaced tau = 2.
    var = LinearGaussianVAR([[[0.6]], [[0.0]], [[0.35]]], [[1.0]])
    x = var.simulate(3000, seed=3)[:, 0]
    for search in (ragwitz_embedding, max_ais_embedding):
        found = search(x, k_values=range(1, 5), tau_values=[1, 2, 3])
        assert found.tau == 2 and found.k_hist >= 2, search.__name__
        i = list(found.k_values).index(2)
        better = np.less if search is ragwitz_embedding else np.greater
        assert better(found.values[i, 1], found.values[i, 0])  # (t-1, t-3) beats (t-1, t-2)


def test_ragwitz_errors_match_a_brute_force_local_constant_predictor():
    x = AR2.simulate(300, seed=2)[:, 0]
    for theiler in (0, 3):
        found = ragwitz_embedding(x, k_values=[1, 2, 3], tau_values=[1, 2], n_neighbours=3, theiler=theiler,
                                  noise=0, normalize=False)
        first = 1 + 2 * 2  # the grid's deepest past
        t = np.arange(first, len(x))
        for i, k in enumerate([1, 2, 3]):
            for j, tau in enumerate([1, 2]):
                past = np.column_stack([x[t - 1 - m * tau] for m in range(k)])
                distance = np.abs(past[:, None, :] - past[None, :, :]).max(axis=2)
                distance[np.abs(t[:, None] - t[None, :]) <= theiler] = np.inf
                nearest = np.argsort(distance, axis=1, kind="stable")[:, :3]
                error = np.mean((x[t] - x[t][nearest].mean(axis=1)) ** 2)
                assert found.values[i, j] == pytest.approx(error, rel=1e-12)


def test_max_ais_table_entries_are_single_estimates_on_the_shared_samples():
    x = AR2.simulate(1500, seed=6)[:, 0]
    options = dict(noise=0, normalize=False)  # the preprocessing is the identity: entries comparable to the bit
    for algorithm in (1, 2):
        found = max_ais_embedding(x, k_values=[1, 2, 4], tau_values=[1, 3], algorithm=algorithm, **options)
        deepest = 1 + 3 * 3
        for i, k in enumerate([1, 2, 4]):
            for j, tau in enumerate([1, 3]):
                own = 1 + (k - 1) * tau
                single = isc.active_information_storage(x[deepest - own:], k_hist=k, tau=tau, algorithm=algorithm,
                                                        **options)
                assert found.values[i, j] == pytest.approx(single, abs=1e-12)


def test_search_results_to_pandas_and_plot(ar2_series):
    import matplotlib

    matplotlib.use("Agg")
    found = max_ais_embedding(ar2_series[:2000], k_values=range(1, 4), tau_values=[1, 2], base=2)
    frame = found.to_pandas()
    assert list(frame.columns) == ["k_hist", "tau", "active_information_storage"] and len(frame) == 6
    row = frame[(frame.k_hist == found.k_hist) & (frame.tau == found.tau)]
    assert row.active_information_storage.item() == found.values.max() and found.unit == "bits"
    ax = found.plot()
    assert len(ax.lines) == 3  # one line per tau and the chosen point
    errors = ragwitz_embedding(ar2_series[:2000], k_values=range(1, 4), tau_values=[1, 2])
    assert errors.values[list(errors.k_values).index(errors.k_hist), list(errors.tau_values).index(errors.tau)] == \
        errors.values.min()
    errors.plot()


# ---------------------------------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("call, error, match", [
    (lambda x: isc.active_information_storage(x, k_hist=0), ValueError, "k_hist"),
    (lambda x: isc.active_information_storage(x, k_hist=1.5), TypeError, "k_hist"),
    (lambda x: isc.active_information_storage(x, tau=0), ValueError, "tau"),
    (lambda x: isc.active_information_storage(x, method="kde"), ValueError, "method"),
    (lambda x: isc.active_information_storage(x, method="ksg", bins=4), TypeError, "bins"),
    (lambda x: isc.active_information_storage(x, k_hist=150, tau=3), ValueError, "too short"),
    (lambda x: isc.active_information_storage(x, k=400), ValueError, "k"),
    (lambda x: isc.active_information_storage(x, algorithm=3), ValueError, "algorithm"),
    (lambda x: isc.active_information_storage(x, theiler=-1), ValueError, "theiler"),
    (lambda x: isc.active_information_storage(x, base=1), ValueError, "base"),
    (lambda x: isc.active_information_storage(x, local="yes"), TypeError, "local"),
    (lambda x: isc.active_information_storage(np.where(np.arange(len(x)) == 7, np.nan, x)), ValueError, "finite"),
    (lambda x: isc.active_information_storage(np.where(np.arange(len(x)) == 7, np.nan, x), method="binned"),
     ValueError, "series"),
    (lambda x: isc.active_information_storage(x[:200].reshape(2, 2, 5, 10)), ValueError, "series"),
    (lambda x: isc.active_information_storage([x[:100], x[:100, None].repeat(2, 1)]), ValueError, "variables"),
    (lambda x: isc.active_information_storage([x[:100], x[:3]], k_hist=3), ValueError, "trial 1"),
    (lambda x: isc.predictive_information(x, k_future=0), ValueError, "k_future"),
    (lambda x: isc.predictive_information(x, k_past=0), ValueError, "k_past"),
    (lambda x: ragwitz_embedding(x, k_values=[]), ValueError, "k_values"),
    (lambda x: ragwitz_embedding(x, tau_values=[0, 1]), ValueError, "tau_values"),
    (lambda x: ragwitz_embedding(x, k_values=[1, 1]), ValueError, "k_values"),
    (lambda x: ragwitz_embedding(x, k_values=[1, 2.0]), TypeError, "k_values"),
    (lambda x: ragwitz_embedding(x, k_values=3), TypeError, "k_values"),
    (lambda x: ragwitz_embedding(x, n_neighbours=0), ValueError, "n_neighbours"),
    (lambda x: ragwitz_embedding(x, n_neighbours=390), ValueError, "n_neighbours"),
    (lambda x: ragwitz_embedding(x, device="cuda"), TypeError, "device"),
    (lambda x: max_ais_embedding(x, k_values=range(1, 200)), ValueError, "too short"),
    (lambda x: max_ais_embedding(x, base=-2), ValueError, "base"),
    (lambda x: max_ais_embedding(x, method="binned"), TypeError, "method"),
])
def test_bad_inputs_raise_naming_the_argument(call, error, match):
    x = AR2.simulate(400, seed=0)[:, 0]
    with pytest.raises(error, match=match):
        call(x)


def test_docstring_examples():
    result = doctest.testmod(infoscope.networks.dynamics, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.skipif(not isc.build_info()["cuda"], reason="no usable CUDA device")
def test_cuda_matches_cpu(ar2_series):
    cpu = isc.active_information_storage(ar2_series, k_hist=2, device="cpu")
    assert isc.active_information_storage(ar2_series, k_hist=2, device="cuda") == pytest.approx(cpu, abs=1e-9)
    found = max_ais_embedding(ar2_series[:3000], k_values=range(1, 4), tau_values=[1, 2], device="cuda")
    np.testing.assert_allclose(found.values, max_ais_embedding(ar2_series[:3000], k_values=range(1, 4),
                                                               tau_values=[1, 2], device="cpu").values, atol=1e-9)
