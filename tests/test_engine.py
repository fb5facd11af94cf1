"""The estimator engine: one method registry (options, documentation, seeds), one problem interface for every
backend and family, one set of rules in the core, and many estimates in one call that equal the single calls."""

import inspect

import numpy as np
import pytest

import infoscope as isc
from infoscope._native import core
from infoscope.estimators import METHODS, prepare
from infoscope.estimators._registry import OPTIONS, REQUIRED
from infoscope.estimators.binning import BinningOptions
from infoscope.stats import permutation_test

PUBLIC = {"entropy": isc.entropy, "mutual_info": isc.mutual_info,
          "conditional_mutual_info": isc.conditional_mutual_info, "transfer_entropy": isc.transfer_entropy,
          "multi_information": isc.multi_information}
BUNDLES = {"prep": ("normalize", "transform", "noise", "seed"),
           "binning": ("bins", "range", "bin_width", "quantiles", "out_of_range")}


def _accepted(fn) -> set:
    """The options a family function takes, its bundles spelled out as the user's options."""
    names = {n for n, p in inspect.signature(fn).parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    names -= {"embedding", "condition"}  # transfer entropy's embedding: arguments of the public function
    for bundle, fields in BUNDLES.items():
        if bundle in names:
            names = (names - {bundle}) | set(fields)
    return names | {"device"}


@pytest.mark.parametrize("key", sorted(METHODS))
def test_documented_options_are_the_accepted_options(key):
    m = METHODS[key]
    documented = set(m.defaults)
    assert documented == _accepted(m.estimate or m.problem)
    assert all(name in OPTIONS for name in documented)
    # the public docstring lists this method's options, each with its default
    doc = PUBLIC[m.quantity].__doc__
    line = next(l for l in doc.splitlines() if l.strip().startswith(f'For "{m.name}"'))
    for name, default in m.defaults.items():
        assert (f"``{name}`` (required)" if default is REQUIRED else f"``{name}=") in line


def test_every_documented_option_is_taken_and_unknown_ones_are_named():
    x = np.random.default_rng(0).standard_normal((200, 2))
    for (quantity, name), m in METHODS.items():
        if quantity != "mutual_info":
            continue
        given = {o: v for o, v in m.defaults.items() if v is not REQUIRED}
        assert np.isfinite(isc.mutual_info(x[:, 0], x[:, 1], method=name, **given))
    with pytest.raises(TypeError, match="takes no option 'bins'"):
        isc.mutual_info(x[:, 0], x[:, 1], bins=3)
    with pytest.raises(TypeError, match="noise_var"):
        isc.entropy(x, method="kde")
    with pytest.raises(ValueError, match="method must be one of"):
        isc.mutual_info(x[:, 0], x[:, 1], method="nope")


def test_a_seed_reaches_a_random_method_batched_or_not():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, 300).astype(float)  # ties: the noise decides
    y = x + rng.integers(0, 2, 300)
    for options in ({}, {"algorithm": 2}, {"correction": "lnc", "k": 3}):  # batched, then two per-surrogate paths
        for seed in (3, 4):
            test = permutation_test(isc.mutual_info, x, y, n_permutations=5, seed=seed, noise=1e-3, **options)
            assert test.estimate == isc.mutual_info(x, y, seed=seed, noise=1e-3, **options)
    assert (permutation_test(isc.mutual_info, x, y, n_permutations=5, seed=3, noise=1e-3, algorithm=2).estimate !=
            permutation_test(isc.mutual_info, x, y, n_permutations=5, seed=4, noise=1e-3, algorithm=2).estimate)


def test_both_families_share_the_problem_interface():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal(300), rng.standard_normal(300)
    for quantity, name, arrays in [("mutual_info", "ksg", (x, y)), ("mutual_info", "binned", (x, y)),
                                   ("conditional_mutual_info", "ksg", (x, y, x + y)),
                                   ("transfer_entropy", "ksg", (x, y)), ("transfer_entropy", "binned", (x, y))]:
        prepared = prepare(quantity, name, *arrays)
        assert isinstance(prepared.problem, core.CmiProblem)
        assert prepared.batch >= 16 and len(prepared.problem) == prepared.n
    with pytest.raises(ValueError, match="no surrogate batch"):
        prepare("mutual_info", "ksg", x, y, algorithm=2)


def test_the_rules_are_the_cores_with_one_message():
    xy = np.random.default_rng(3).standard_normal((10, 2))
    with pytest.raises(ValueError, match=r"k must be smaller than the number of samples \(k=10, n=10\)"):
        core.KsgConditionalMI(xy, 1, 0, 10, [0, 10], 0, 1)
    with pytest.raises(ValueError, match="k plus the Theiler window leave too few samples"):
        core.KsgConditionalMI(xy, 1, 0, 3, [0, 10], 4, 1)
    with pytest.raises(ValueError, match="trial_starts must ascend"):
        core.KsgConditionalMI(xy, 1, 0, 3, [0, 4, 2, 10], 0, 1)
    with pytest.raises(ValueError, match="metric must be 'chebyshev' or 'euclidean'"):
        core.kl_entropy(xy, 3, "manhattan", 1)
    problem = core.KsgConditionalMI(xy, 1, 0, 3, [0, 10], 0, 1)
    with pytest.raises(ValueError, match="permutation entries must be row indices below n"):
        problem.surrogates(np.full((1, 10), 10, dtype=np.uint32))


def test_element_codes_are_the_binning_of_each_column():
    rng = np.random.default_rng(4)
    a = rng.uniform(-1, 1, (500, 7))
    rule = BinningOptions(bins=6, range=(-1, 1)).uniform_rule(None, None, 7, "a")
    codes = core.element_codes(a, rule, 2)
    assert np.array_equal(codes, np.clip(np.floor((a + 1) * 3.0), 0, 5).astype(np.int64))
    with pytest.raises(ValueError, match="outside the binning range"):
        core.element_codes(a * 2, rule, 2)


# ----------------------------------------------------------------------------------------- many estimates

def _table(n=600, p=5, seed=5):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p))
    x[:, 2] += x[:, 0]
    x[:, 4] += 0.5 * x[:, 2] - x[:, 1]
    return x


@pytest.mark.parametrize("options", [dict(noise=0.0), dict(), dict(k=5, transform="rank", noise=0.0),
                                     dict(method="binned", bins=5), dict(method="binned", bins="quantile"),
                                     dict(method="gaussian"), dict(method="kl", noise=0.0)])
def test_mutual_info_matrix_equals_the_single_calls(options):
    x = _table()
    m = isc.mutual_info_matrix(x, **options)
    assert m.values.shape == (5, 5) and np.isnan(np.diag(m.values)).all()
    for i in range(5):
        for j in range(5):
            if i != j:
                assert m.values[i, j] == pytest.approx(isc.mutual_info(x[:, i], x[:, j], **options), abs=1e-12)


def test_mutual_info_matrix_of_groups_against_a_target_with_local_values():
    x = _table()
    groups = [[0, 1], [2], [3, 4]]
    m = isc.mutual_info_matrix(x[:, :4], x[:, 4], groups=[[0, 1], [2], [3]], labels=["a", "b", "c"], local=True,
                               base=2, noise=0.0)
    assert m.values.shape == (3, 1) and m.local.shape == (3, 600)
    for g, cols in enumerate([[0, 1], [2], [3]]):
        single = isc.mutual_info(x[:, cols], x[:, 4], base=2, noise=0.0, local=True)
        np.testing.assert_allclose(m.local[g], single, rtol=0, atol=1e-12)
        assert m.values[g, 0] == pytest.approx(single.mean(), abs=1e-12)
    frame = m.to_pandas()
    assert list(frame.index) == ["a", "b", "c"] and list(frame.columns) == ["y"]
    pairs = isc.mutual_info_matrix(x, groups=groups, noise=0.0)
    assert pairs.values[0, 2] == pytest.approx(isc.mutual_info(x[:, [0, 1]], x[:, [3, 4]], noise=0.0), abs=1e-12)


def test_estimate_many_equals_single_cmi_and_mi():
    x = _table()
    xs, ys, zs = [0, 1, 3, 0], [4, 4, 2, [2, 4]], [[2], [], [0, 1], [1]]
    values = isc.estimate_many(x, xs, ys, zs, noise=0.0)
    binned = isc.estimate_many(x, xs, ys, zs, method="binned", bins=4)
    for e, (a, b, c) in enumerate(zip(xs, ys, zs)):
        if c:
            single = isc.conditional_mutual_info(x[:, a], x[:, b], x[:, c], noise=0.0)
            single_binned = isc.conditional_mutual_info(x[:, a], x[:, b], x[:, c], method="binned", bins=4)
        else:
            single = isc.mutual_info(x[:, a], x[:, b], noise=0.0)
            single_binned = isc.mutual_info(x[:, a], x[:, b], method="binned", bins=4)
        assert values[e] == pytest.approx(single, abs=1e-12)
        assert binned[e] == pytest.approx(single_binned, abs=1e-12)
    with pytest.raises(ValueError, match="same number of estimates"):
        isc.estimate_many(x, [0, 1], [2])
    with pytest.raises(ValueError, match=r"y\[0\] must be a column index"):
        isc.estimate_many(x, [0], [9])


def _network(t=1500, trials=None, seed=6):
    rng = np.random.default_rng(seed)
    shape = (t, 4) if trials is None else (trials, t, 4)
    s = rng.standard_normal(shape)
    s[..., 1:, 1] += 0.8 * s[..., :-1, 0]
    s[..., 2:, 3] += 0.7 * s[..., :-2, 1]
    return s


@pytest.mark.parametrize("options", [dict(noise=0.0), dict(), dict(k_hist=2, l_hist=2, noise=0.0, theiler=3),
                                     dict(method="binned", bins=3)])
def test_transfer_entropy_matrix_equals_the_single_calls(options):
    s = _network()
    te = isc.transfer_entropy_matrix(s, **options)
    for i in range(4):
        for j in range(4):
            if i != j:
                assert te.values[i, j] == pytest.approx(isc.transfer_entropy(s[:, i], s[:, j], **options), abs=1e-12)
    assert te.values[0, 1] > 0.05 and te.values[0, 1] > 3 * abs(te.values[1, 0])


def test_transfer_entropy_matrix_lag_scan_and_trials():
    s = _network(t=400, trials=3)
    scan = isc.transfer_entropy_matrix(s, lags=[1, 2, 3], noise=0.0, local=True)
    assert scan.values.shape == (3, 4, 4) and scan.lags == (1, 2, 3)
    single = isc.transfer_entropy_lags(list(s[:, :, 1]), list(s[:, :, 3]), lags=[1, 2, 3], noise=0.0)
    np.testing.assert_allclose(scan.values[:, 1, 3], single.te, rtol=0, atol=1e-12)
    assert int(np.argmax(scan.values[:, 1, 3])) == 1  # the planted delay of 2
    long = scan.to_pandas()
    assert set(long.columns) == {"lag", "source", "target", "value"} and len(long) == 3 * 12


def test_many_estimates_with_permutation_p_values():
    x = _table(n=400)
    m = isc.mutual_info_matrix(x, n_permutations=60, seed=1)
    assert m.p_values[0, 2] < 0.05 and m.p_values[0, 3] > 0.05
    again = isc.mutual_info_matrix(x, n_permutations=60, seed=1)
    np.testing.assert_array_equal(m.p_values, again.p_values)  # seeds derived per pair, not from the work order
    s = _network(t=600)
    te = isc.transfer_entropy_matrix(s, n_permutations=40, seed=2)
    assert te.p_values[0, 1] < 0.05 and te.p_values[1, 0] > 0.05
    ax = te.plot()
    assert len(ax.patches) >= 1


def test_many_estimates_bad_input_names_the_argument():
    x = _table()
    with pytest.raises(ValueError, match="X must be a 2-D"):
        isc.mutual_info_matrix(x[:, 0])
    with pytest.raises(ValueError, match=r"groups\[1\]"):
        isc.mutual_info_matrix(x, groups=[[0], [7]])
    with pytest.raises(ValueError, match="labels must name each"):
        isc.mutual_info_matrix(x, labels=["a"])
    with pytest.raises(ValueError, match="lags must be"):
        isc.transfer_entropy_matrix(x, lags=0)
    with pytest.raises(ValueError, match="series must be"):
        isc.transfer_entropy_matrix(x[:, 0])
    with pytest.raises(ValueError, match="seed must be"):
        isc.mutual_info_matrix(x, n_permutations=5, seed=-1)
    with pytest.raises(ValueError, match="n_permutations"):
        isc.mutual_info_matrix(x, n_permutations=-1)
    with pytest.raises(TypeError, match="takes no option"):
        isc.mutual_info_matrix(x, bins=3)


def test_transfer_entropy_matrix_p_values_with_trials_and_binned():
    s = _network(t=300, trials=5)
    within = isc.transfer_entropy_matrix(s, n_permutations=40, seed=0)
    assert within.p_values[0, 1] < 0.05 and within.p_values[1, 0] > 0.05
    trials = isc.transfer_entropy_matrix(s, n_permutations=40, seed=0, shuffle="trials")
    assert trials.p_values[0, 1] < 0.2 and np.isnan(np.diag(trials.p_values)).all()
    binned = isc.transfer_entropy_matrix(s[0], method="binned", bins=3, n_permutations=40, seed=0)
    single = permutation_test(isc.transfer_entropy, s[0, :, 0], s[0, :, 1], method="binned", bins=3,
                              n_permutations=40)
    assert binned.values[0, 1] == pytest.approx(single.estimate, abs=1e-12)
    assert binned.p_values[0, 1] < 0.05 and single.p_value < 0.05


def _numpy_preprocessing(a, normalize, noise, seed):
    """The numpy steps the core's standardize replaces (as the package computed them before)."""
    centred = a - a.mean(axis=0)
    std = np.sqrt(np.einsum("ij,ij->j", centred, centred) / a.shape[0])
    std = np.where(std > 0, std, 1.0)
    if normalize:
        a, scale, spread = centred / std, std, 1.0
    else:
        scale, spread = np.ones(a.shape[1]), std
    if noise > 0:
        draws = np.random.default_rng(seed).standard_normal(a.shape)
        draws *= noise * spread
        a = draws + a
    return a, scale


@pytest.mark.parametrize("n", [2, 7, 1000, 10007])
def test_core_standardisation_is_numpys_bit_for_bit(n):
    rng = np.random.default_rng(n)
    for d in (1, 2, 3, 6):
        a = rng.standard_normal((n, d)) * rng.uniform(0.1, 100, d) + rng.uniform(-50, 50, d)
        if d > 2:
            a[:, 1] = 3.0  # a constant column: centred only
        blocks = [np.ascontiguousarray(a[:, :1]), np.ascontiguousarray(a[:, 1:])] if d > 1 else [a]
        for normalize, noise in ((True, 0.0), (True, 1e-10), (False, 0.3)):
            expected, expected_scale = _numpy_preprocessing(a, normalize, noise, 5)
            draws = np.random.default_rng(5).standard_normal(a.shape) if noise > 0 else None
            table, scale = core.standardize(blocks, normalize, draws, noise)
            if d > 1:  # numpy sums (n, d >= 2) arrays along their rows in order, as the core does
                assert np.array_equal(table, expected) and np.array_equal(scale, expected_scale)
            else:      # a single column numpy sums pairwise: the last bit may differ
                np.testing.assert_allclose(table, expected, rtol=1e-13, atol=1e-13)


def test_noise_draws_are_numpys_for_every_kind_of_seed():
    from infoscope.estimators._transforms import normal_draws

    for seed in (0, 7, 2**40, 0, 7):  # first and repeated seeds (the second time from the cached state)
        np.testing.assert_array_equal(normal_draws(seed, (500, 3)), np.random.default_rng(seed).standard_normal((500, 3)))
    np.testing.assert_array_equal(normal_draws(np.random.default_rng(3), 9), np.random.default_rng(3).standard_normal(9))
    assert not np.array_equal(normal_draws(None, 9), normal_draws(None, 9))
