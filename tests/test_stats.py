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
