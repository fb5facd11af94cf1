"""Permutation tests: the batched surrogates equal estimates on explicitly permuted data, the shuffles respect
trials, and p-values follow their definition."""

import math

import numpy as np
import pytest

import infoscope as isc
from infoscope.estimators import prepare
from infoscope.estimators._problem import permutations

EXACT = dict(normalize=False, noise=0.0)


def coupled(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = 0.5 * y[t - 1] + 0.6 * x[t - 1] + 0.5 * rng.standard_normal()
    return x, y


def random_perms(n, count, seed=0):
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(count)]).astype(np.uint32)


def test_ksg_surrogates_equal_estimates_on_permuted_data():
    rng = np.random.default_rng(1)
    x, z = rng.standard_normal((300, 2)), rng.standard_normal((300, 1))
    y = x[:, :1] + z + rng.standard_normal((300, 1))
    perms = random_perms(300, 4)
    mi = prepare("mutual_info", "ksg", x, y, k=3, **EXACT).surrogates(perms)
    cmi = prepare("conditional_mutual_info", "ksg", x, y, z, k=3, **EXACT).surrogates(perms)
    for s, p in enumerate(perms):
        assert mi[s] == pytest.approx(isc.mutual_info(x, y[p], k=3, **EXACT), abs=1e-12)
        assert cmi[s] == pytest.approx(isc.conditional_mutual_info(x, y[p], z, k=3, **EXACT), abs=1e-12)


def test_binned_surrogates_equal_estimates_on_permuted_data():
    rng = np.random.default_rng(2)
    x, z = rng.integers(0, 3, 500), rng.integers(0, 2, 500)
    y = (x + z + rng.integers(0, 2, 500)) % 3
    perms = random_perms(500, 4)
    for correction in ("plugin", "jackknife"):
        mi = prepare("mutual_info", "binned", x, y, correction=correction).surrogates(perms)
        cmi = prepare("conditional_mutual_info", "binned", x, y, z, correction=correction).surrogates(perms)
        for s, p in enumerate(perms):
            assert mi[s] == pytest.approx(isc.mutual_info(x, y[p], method="binned", correction=correction), abs=1e-12)
            assert cmi[s] == pytest.approx(
                isc.conditional_mutual_info(x, y[p], z, method="binned", correction=correction), abs=1e-12)


@pytest.mark.parametrize("method", ["ksg", "binned"])
def test_te_surrogates_permute_the_source_past(method):
    x, y = coupled(400, seed=3)
    options = dict(EXACT, theiler=2) if method == "ksg" else dict(bins=3)
    problem = prepare("transfer_entropy", method, x, y, k_hist=2, **options)
    # the identity permutation reproduces the estimate
    identity = np.arange(problem.n, dtype=np.uint32)[None]
    assert problem.surrogates(identity)[0] == pytest.approx(np.mean(problem.locals()), abs=1e-12)
    # a permutation of the embedded source past equals the TE of a series whose past is shuffled that way:
    # with l_hist = 1 and lag 1, row t's source past is x[t - 1] (t from 2 on), so permuting rows permutes x[1:-1]
    perm = random_perms(problem.n, 1, seed=4)
    shuffled = x.copy()
    shuffled[1:-1] = x[1:-1][perm[0]]
    direct = isc.transfer_entropy(shuffled, y, method=method, k_hist=2, **options)
    assert problem.surrogates(perm)[0] == pytest.approx(direct, abs=1e-12)


def test_within_trial_permutations_keep_rows_in_their_trial():
    starts = np.array([0, 5, 12, 20])
    perms = permutations(starts, 50, np.random.default_rng(0), "within")
    assert perms.dtype == np.uint32 and perms.shape == (50, 20)
    for a, b in zip(starts[:-1], starts[1:]):
        assert (np.sort(perms[:, a:b], axis=1) == np.arange(a, b)).all()
    assert len({p.tobytes() for p in perms}) > 45  # they differ


def test_within_trial_permutations_are_uniform_and_seeded():
    from scipy import stats

    # every one of the 24 orders of a 4-row trial equally likely (chi-squared), a 1-row trial left in place
    perms = permutations(np.array([0, 4, 5]), 24_000, np.random.default_rng(3), "within")
    assert (perms[:, 4] == 4).all()
    orders, counts = np.unique(perms[:, :4], axis=0, return_counts=True)
    assert len(orders) == 24 and stats.chisquare(counts).pvalue > 0.001
    # each position takes each row equally often, also in a long trial (no bias of the bounded draws)
    long = permutations(np.array([0, 1000]), 2000, np.random.default_rng(4), "within")
    assert stats.chisquare(np.bincount(long[:, 0], minlength=1000)).pvalue > 0.001
    again = permutations(np.array([0, 4, 5]), 50, np.random.default_rng(3), "within")
    assert (again == perms[:50]).all()  # the generator's state decides the maps
    assert not (permutations(np.array([0, 4, 5]), 50, np.random.default_rng(5), "within") == again).all()


def test_trial_permutations_move_whole_trials_in_order():
    starts = np.array([0, 4, 8, 12])
    perms = permutations(starts, 30, np.random.default_rng(1), "trials")
    blocks = perms.reshape(30, 3, 4)
    assert (np.diff(blocks, axis=2) == 1).all()  # each trial's rows stay in time order
    assert (np.sort(blocks[:, :, 0], axis=1) == [0, 4, 8]).all()  # each source trial used once


def test_trial_shuffle_test_and_its_errors():
    x, y = coupled(3000, seed=5)
    xs, ys = x.reshape(6, 500, 1), y.reshape(6, 500, 1)
    result = isc.stats.permutation_test(isc.transfer_entropy, xs, ys, n_permutations=100, shuffle="trials",
                                        progress=False)
    assert result.p_value == pytest.approx(1 / 101)
    with pytest.raises(ValueError, match="at least two trials with the same number of samples"):
        isc.stats.permutation_test(isc.transfer_entropy, x, y, n_permutations=10, shuffle="trials")
    with pytest.raises(ValueError, match="at least two trials with the same number of samples"):
        isc.stats.permutation_test(isc.transfer_entropy, [x[:100], x[100:250]], [y[:100], y[100:250]],
                                   n_permutations=10, shuffle="trials")


def test_p_value_definition_and_result_fields():
    rng = np.random.default_rng(6)
    x = rng.standard_normal(800)
    y = 0.3 * x + rng.standard_normal(800)
    result = isc.stats.permutation_test(isc.mutual_info, x, y, n_permutations=300, seed=2, progress=False)
    assert result.estimate == isc.mutual_info(x, y, seed=2)
    assert result.p_value == (1 + np.count_nonzero(result.null >= result.estimate)) / 301
    assert result.null.shape == (300,) and abs(result.null.mean()) < 0.01
    bits = isc.stats.permutation_test(isc.mutual_info, x, y, n_permutations=300, seed=2, base=2, progress=False)
    assert bits.estimate == pytest.approx(result.estimate / math.log(2)) and bits.unit == "bits"
    np.testing.assert_allclose(bits.null, result.null / math.log(2))
    again = isc.stats.permutation_test(isc.mutual_info, x, y, n_permutations=300, seed=2, progress=False)
    np.testing.assert_array_equal(again.null, result.null)  # seeded


def test_independent_data_give_uniform_p_values():
    # Under the null the p-value is uniform: over 40 independent data sets about 5% fall below 0.05.
    p = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        p.append(isc.stats.permutation_test(isc.mutual_info, rng.standard_normal(200), rng.standard_normal(200),
                                            n_permutations=99, seed=seed, progress=False).p_value)
    p = np.array(p)
    assert 0.3 < p.mean() < 0.7
    assert np.count_nonzero(p < 0.05) <= 6


def test_other_estimators_run_through_a_python_loop():
    rng = np.random.default_rng(7)
    x = rng.standard_normal(300)
    y = x + rng.standard_normal(300)

    def correlation(a, b):
        return abs(np.corrcoef(a, b)[0, 1])

    result = isc.stats.permutation_test(correlation, x, y, n_permutations=100, progress=False)
    assert result.estimate == correlation(x, y) and result.p_value == pytest.approx(1 / 101)
    # algorithm 2 has no batched surrogates: the loop serves it, with the same answer's shape
    alg2 = isc.stats.permutation_test(isc.mutual_info, x, y, algorithm=2, n_permutations=20, progress=False)
    assert alg2.estimate == isc.mutual_info(x, y, algorithm=2) and alg2.null.shape == (20,)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_permutations=0), ValueError, "n_permutations"),
    (dict(n_permutations=True), ValueError, "n_permutations"),
    (dict(shuffle="time"), ValueError, "shuffle must be one of"),
    (dict(local=True), TypeError, "local"),
    (dict(method="kde"), ValueError, "method must be one of"),
    (dict(base=0), ValueError, "base"),
])
def test_bad_arguments(kwargs, error, match):
    x, y = coupled(100)
    with pytest.raises(error, match=match):
        isc.stats.permutation_test(isc.transfer_entropy, x, y, **kwargs)


def test_wrong_number_of_arrays():
    x, y = coupled(100)
    with pytest.raises(TypeError, match="takes 3 arrays"):
        isc.stats.permutation_test(isc.conditional_mutual_info, x, y)


# ------------------------------------------------------------------------------------------- subsample

def _discrete_pair(seed, n=400):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 8, n)
    return x, (x + rng.integers(0, 3, n)) % 8   # I = log 8 - log 3 exactly


def test_subsample_bias_moves_the_plugin_estimate_towards_the_truth():
    truth = math.log(8) - math.log(3)
    raw, corrected = [], []
    for seed in range(20):
        s = isc.stats.subsample(isc.mutual_info, *_discrete_pair(seed), method="binned", seed=seed)
        raw.append(s.estimate)
        corrected.append(s.corrected)
        assert s.bias > 0 and s.sizes[-1] == 400 and s.estimate == isc.mutual_info(*_discrete_pair(seed), method="binned")
    assert abs(np.mean(corrected) - truth) < 0.5 * abs(np.mean(raw) - truth)


def test_subsample_standard_error_matches_the_spread_across_datasets():
    def pair(seed):
        r = np.random.default_rng(seed)
        x = r.standard_normal(2000)
        return x, 0.6 * x + 0.8 * r.standard_normal(2000)
    spread = np.std([isc.mutual_info(*pair(100 + s)) for s in range(30)], ddof=1)
    errors = [isc.stats.subsample(isc.mutual_info, *pair(s), fractions=(0.5, 0.25, 0.125)).std_error
              for s in range(10)]
    assert 0.5 * spread < np.mean(errors) < 2.0 * spread


def test_subsample_keeps_time_series_in_order_for_transfer_entropy():
    seen = []
    def recorder(source, target):
        seen.append(np.asarray(source).copy())
        return 0.0
    series = np.arange(100.0)
    isc.stats.subsample(recorder, series, series, split="contiguous")
    assert all(np.all(np.diff(s) == 1) for s in seen)
    isc.stats.subsample(recorder, series, series)
    assert not all(np.all(np.diff(s) == 1) for s in seen[len(seen) // 2:])


def test_subsample_validates_its_arguments():
    x, y = _discrete_pair(0)
    with pytest.raises(TypeError, match="local"):
        isc.stats.subsample(isc.mutual_info, x, y, local=True)
    with pytest.raises(ValueError, match="fractions"):
        isc.stats.subsample(isc.mutual_info, x, y, fractions=(0.9,))
    with pytest.raises(ValueError, match="split"):
        isc.stats.subsample(isc.mutual_info, x, y, split="blocks")
    with pytest.raises(ValueError, match="same number of rows"):
        isc.stats.subsample(isc.mutual_info, x, y[:-1])
    with pytest.raises(TypeError, match="arrays"):
        isc.stats.subsample(isc.mutual_info)


def test_permutation_test_of_an_option_the_core_cannot_batch_uses_the_loop():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(300)
    y = x + rng.standard_normal(300)
    result = isc.stats.permutation_test(isc.mutual_info, x, y, correction="gaussian", n_permutations=20,
                                        progress=False)
    assert result.estimate == pytest.approx(isc.mutual_info(x, y, correction="gaussian"))
    assert result.p_value == pytest.approx(1 / 21)


# --- surrogate kinds for time series, the local permutation test, false discovery rate -------------------------

STARTS = np.array([0, 40, 100])  # two trials of 40 and 60 rows


@pytest.mark.parametrize("kind", ["within", "circular", "block"])
def test_every_surrogate_kind_permutes_rows_within_their_trial(kind):
    perms = permutations(STARTS, 50, np.random.default_rng(1), kind)
    for a, b in zip(STARTS[:-1], STARTS[1:]):
        block = perms[:, a:b]
        assert (np.sort(block, axis=1) == np.arange(a, b)).all()  # a permutation of the trial's own rows


def test_circular_surrogates_rotate_each_trial_by_at_least_a_tenth():
    perms = permutations(STARTS, 200, np.random.default_rng(2), "circular").astype(np.int64)
    for a, b in zip(STARTS[:-1], STARTS[1:]):
        length = b - a
        shift = (perms[:, a:b] - np.arange(a, b)) % length
        assert (shift == shift[:, :1]).all()  # one rotation per trial and surrogate
        assert (shift[:, 0] >= length // 10).all() and (shift[:, 0] <= length - length // 10).all()
        assert len(set(shift[:, 0])) > 10


def test_block_surrogates_keep_runs_of_sqrt_length_rows():
    perms = permutations(np.array([0, 100]), 20, np.random.default_rng(3), "block").astype(np.int64)
    for p in perms:
        runs = p.reshape(10, 10)  # blocks of ceil(sqrt(100)) = 10 consecutive rows, in a random order
        assert (np.diff(runs, axis=1) == 1).all() and (runs[:, 0] % 10 == 0).all()
    assert len({tuple(p[::10]) for p in perms}) > 1


def test_core_nearest_neighbours_match_brute_force_with_ties():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 4, size=(300, 2)).astype(np.float64)  # many tied distances
    got = isc._core.nearest_neighbours(x, 6, -1)
    d = np.abs(x[:, None] - x[None]).max(axis=2)
    np.fill_diagonal(d, np.inf)
    expected = np.lexsort((np.broadcast_to(np.arange(300), d.shape), d), axis=1)[:, :6]  # by distance, then row
    assert (got == expected).all()


def test_local_permutations_move_rows_only_among_their_neighbours():
    from infoscope.estimators._problem import local_permutations

    rng = np.random.default_rng(5)
    neighbours = isc._core.nearest_neighbours(rng.standard_normal((500, 1)), 5, -1)
    perms = local_permutations(neighbours, 30, rng)
    assert all(perms[s, i] in neighbours[i] for s in range(30) for i in range(500))
    distinct = np.array([len(np.unique(p)) for p in perms])
    assert (distinct > 0.85 * 500).all()  # drawn without replacement where possible: few repeats (~10% at k = 5)


def test_conditional_independence_test_is_calibrated():
    # X and Y both driven by Z (nonlinearly), independent given it: about 5% of tests reject.
    rejected = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        z = rng.standard_normal(400)
        x, y = np.sin(2 * z) + 0.3 * rng.standard_normal(400), z ** 2 + 0.3 * rng.standard_normal(400)
        rejected += isc.stats.conditional_independence_test(x, y, z, n_permutations=40, seed=seed).p_value < 0.05
    assert rejected <= 3


def test_local_permutations_keep_the_dependence_on_the_conditioning_variable():
    from infoscope.estimators._problem import local_permutations

    rng = np.random.default_rng(8)
    z = rng.standard_normal(1000)
    y = z + 0.2 * rng.standard_normal(1000)
    local = local_permutations(isc._core.nearest_neighbours(z[:, None], 5, -1), 10, rng)
    plain = permutations(np.array([0, 1000]), 10, rng, "within")
    assert min(np.corrcoef(z, y[p])[0, 1] for p in local) > 0.9
    assert max(abs(np.corrcoef(z, y[p])[0, 1]) for p in plain) < 0.15


def test_conditional_independence_test_detects_conditional_dependence():
    rng = np.random.default_rng(6)
    z = rng.standard_normal(500)
    x = z + rng.standard_normal(500)
    y = z + 0.5 * x + rng.standard_normal(500)
    assert isc.stats.conditional_independence_test(x, y, z, n_permutations=50).p_value < 0.05


def test_conditional_independence_test_rejects_bad_arguments():
    x = np.random.default_rng(7).standard_normal(50)
    with pytest.raises(ValueError, match="k_perm"):
        isc.stats.conditional_independence_test(x, x, x, k_perm=50)
    with pytest.raises(TypeError, match="method"):
        isc.stats.conditional_independence_test(x, x, x, method="binned")


def _fdr_reference(p, alpha, dependence_factor=1.0):
    """Benjamini-Hochberg written from its definition: reject H_(1..i*) for the largest i* with
    p_(i*) <= i* alpha / (m c)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    largest = max([r + 1 for r, i in enumerate(order) if p[i] <= (r + 1) * alpha / (m * dependence_factor)],
                  default=0)
    return np.isin(np.arange(m), order[:largest])


@pytest.mark.parametrize("seed", range(5))
def test_fdr_correction_matches_the_step_up_definition(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.02, 5), rng.uniform(0, 1, 25)])
    assert (isc.stats.fdr_correction(p, 0.05, "bh") == _fdr_reference(p, 0.05)).all()
    by_factor = sum(1 / j for j in range(1, 31))
    assert (isc.stats.fdr_correction(p, 0.05, "by") == _fdr_reference(p, 0.05, by_factor)).all()


def test_fdr_correction_skips_untested_and_checks_arguments():
    assert isc.stats.fdr_correction([np.nan, 0.001, 0.9]).tolist() == [False, True, False]
    with pytest.raises(ValueError, match="p_values"):
        isc.stats.fdr_correction([0.5, 1.5])
    with pytest.raises(ValueError, match="alpha"):
        isc.stats.fdr_correction([0.5], alpha=1.0)
    with pytest.raises(ValueError, match="method"):
        isc.stats.fdr_correction([0.5], method="holm")
