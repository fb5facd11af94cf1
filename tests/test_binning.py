"""Histogram estimators: exact agreement with the numpy reference (tests/reference_binning.py), the edge
convention at the edges, closed forms on discrete distributions, identities, relabeling, and bad input."""

import math

import numpy as np
import pytest

import infoscope as isc
import reference_binning as ref
from infoscope._arrays import as_binnable
from infoscope.estimators.binning import CORRECTIONS, BinningOptions

TOL = 1e-12


def local_h(x, **options):
    return isc.entropy(x, method="binned", local=True, **options)


def local_mi(x, y, **options):
    return isc.mutual_info(x, y, method="binned", local=True, **options)


def ids(x, **options):
    return BinningOptions(**options).symbols(as_binnable(x, "x"), "x", 1).ids


# --- exact agreement with the reference ---------------------------------------------------------------------

@pytest.mark.parametrize("correction", CORRECTIONS)
@pytest.mark.parametrize("d", [1, 3, 12])
def test_uniform_bins_match_reference(d, correction):
    rng = np.random.default_rng(d)
    x = np.tanh(rng.standard_normal((300, d)))
    y = rng.standard_normal(300) + x[:, 0]
    for options in (dict(bins=5), dict(bins=7, range=(-1.0, 1.0)), dict(bin_width=0.5),
                    dict(bin_width=0.3, range=(-1.0, 1.0))):
        cx = ref.uniform_codes(x, **options)
        np.testing.assert_allclose(local_h(x, correction=correction, **options), ref.local_entropy(cx, correction),
                                   rtol=0, atol=TOL)
    cy = ref.uniform_codes(y, bins=6)
    np.testing.assert_allclose(local_mi(x, y, bins=6, correction=correction),
                               ref.local_mutual_info(ref.uniform_codes(x, bins=6), cy, correction), rtol=0, atol=TOL)


@pytest.mark.parametrize("correction", CORRECTIONS)
def test_quantile_bins_match_reference_with_ties(correction):
    rng = np.random.default_rng(5)
    x = np.round(rng.standard_normal((400, 2)), 1)  # many ties, some on the quantile edges
    got = local_h(x, bins="quantile", quantiles=6, correction=correction)
    np.testing.assert_allclose(got, ref.local_entropy(ref.quantile_codes(x, 6), correction), rtol=0, atol=TOL)


def test_integer_and_boolean_inputs_are_symbols():
    rng = np.random.default_rng(2)
    labels = rng.integers(-3, 1000, 500) * 7919  # sparse, negative and large values: not binned
    flags = rng.random((500, 4)) < 0.3
    np.testing.assert_allclose(local_h(labels, bins=2), ref.local_entropy(labels), rtol=0, atol=TOL)
    np.testing.assert_allclose(local_mi(labels, flags), ref.local_mutual_info(labels, flags.astype(int)),
                               rtol=0, atol=TOL)
    wide = np.array([0, 2**63 - 1, -2**63, 0, 5], dtype=np.int64)  # a code range beyond 64 bits
    np.testing.assert_allclose(local_h(wide), ref.local_entropy(wide), rtol=0, atol=TOL)


def test_wide_layer_symbols_match_np_unique():
    """30 bins on 200 units is 30**200 cells: the rows are keyed by a 128-bit hash, not enumerated."""
    rng = np.random.default_rng(3)
    base = rng.uniform(-1, 1, (50, 200))
    x = base[rng.integers(0, 50, 2000)] + rng.normal(0, 0.02, (2000, 200)) * (rng.random((2000, 1)) < 0.5)
    x = np.clip(x, -1, 1).astype(np.float32)
    codes = ref.uniform_codes(x, bins=30, range=(-1, 1))
    np.testing.assert_allclose(local_h(x, bins=30, range=(-1, 1)), ref.local_entropy(codes), rtol=0, atol=TOL)


def test_conditional_mutual_info_matches_reference():
    rng = np.random.default_rng(4)
    z = rng.integers(0, 3, 600)
    x = z + rng.integers(0, 2, 600)
    y = rng.standard_normal((600, 2)) + x[:, None]
    cy = ref.uniform_codes(y, bins=4)
    xz, yz = np.column_stack([x, z]), np.column_stack([cy, z])
    want = ref.local_entropy(xz) + ref.local_entropy(yz) - ref.local_entropy(np.column_stack([x, cy, z])) \
        - ref.local_entropy(z)
    got = isc.conditional_mutual_info(x, y, z, method="binned", bins=4, local=True)
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


# --- the edge convention --------------------------------------------------------------------------------------

def test_values_on_edges_go_to_the_upper_bin_and_hi_to_the_last():
    edges = [0.0, 0.25, 0.5, 0.75, 1.0]
    x = np.array(edges + [0.1, 0.2499999, 0.9999999])
    assert ids(x, bins=4, range=(0, 1)).tolist() == [0, 1, 2, 3, 3, 0, 0, 3]


def test_out_of_range_values_raise_or_clip():
    x = np.array([-1.5, -1.0, 0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="x has values outside the binning range"):
        local_h(x, bins=2, range=(-1, 1))
    assert ids(x, bins=2, range=(-1, 1), out_of_range="clip").tolist() == [0, 0, 1, 1, 1]


def test_bin_width_edges_are_multiples_of_the_width():
    x = np.array([-0.5, -0.01, 0.0, 0.49, 0.5, 1.0])
    assert ids(x, bin_width=0.5).tolist() == [0, 0, 1, 1, 2, 3]  # bins [-0.5, 0), [0, 0.5), [0.5, 1), [1, 1.5)


def test_float32_is_read_without_a_copy_and_binned_like_float64():
    rng = np.random.default_rng(6)
    x32 = rng.standard_normal((1000, 5)).astype(np.float32)
    assert np.shares_memory(as_binnable(x32, "x"), x32)
    for options in (dict(bins=8), dict(bins=8, range=(-2, 2), out_of_range="clip"), dict(bins="quantile")):
        np.testing.assert_array_equal(local_h(x32, **options), local_h(x32.astype(np.float64), **options))


def test_constant_column_is_one_bin():
    x = np.column_stack([np.full(10, 3.0), np.arange(10.0)])
    np.testing.assert_allclose(isc.entropy(x, method="binned", bins=5), isc.entropy(x[:, 1], method="binned", bins=5),
                               rtol=0, atol=TOL)


# --- closed forms, identities, invariances --------------------------------------------------------------------

def exact_frequencies(probabilities, n):
    """A sample whose empirical frequencies are exactly the probabilities (n * p integral)."""
    counts = np.rint(np.asarray(probabilities) * n).astype(int)
    assert counts.sum() == n
    return np.repeat(np.arange(len(counts)), counts)


@pytest.mark.parametrize("p", [[0.5, 0.5], [0.5, 0.25, 0.125, 0.125], [0.1] * 10, [0.7, 0.2, 0.1]])
def test_plugin_entropy_of_exact_frequencies(p):
    x = exact_frequencies(p, 1000)
    truth = -sum(q * math.log(q) for q in p)
    assert isc.entropy(x, method="binned") == pytest.approx(truth, abs=TOL)
    assert isc.entropy(x, method="binned", base=2) == pytest.approx(truth / math.log(2), abs=TOL)
    mm = truth + (len(p) - 1) / 2000
    assert isc.entropy(x, method="binned", correction="miller_madow") == pytest.approx(mm, abs=TOL)


def test_mutual_info_of_a_function_and_of_independent_variables():
    x = exact_frequencies([1 / 8] * 8, 800)
    assert isc.mutual_info(x, x % 2, method="binned") == pytest.approx(math.log(2), abs=TOL)
    assert isc.mutual_info(x, x, method="binned") == pytest.approx(math.log(8), abs=TOL)
    # A product design: every (a, b) pair equally often, so I = 0 exactly.
    a, b = np.meshgrid(np.arange(4), np.arange(5))
    assert isc.mutual_info(a.ravel(), b.ravel(), method="binned") == pytest.approx(0.0, abs=TOL)


def test_corrections_approach_the_truth_on_a_sampled_distribution():
    """Miller-Madow, jackknife and Grassberger remove most of the plug-in's downward bias at N ~ K."""
    p = np.full(200, 1 / 200)
    truth = math.log(200)
    rng = np.random.default_rng(7)
    estimates = {c: np.mean([isc.entropy(rng.choice(200, 300, p=p), method="binned", correction=c)
                             for _ in range(20)]) for c in CORRECTIONS}
    assert truth - estimates["plugin"] > 0.35  # the bias: plug-in is about 0.4 nats low here
    for c in ("miller_madow", "jackknife", "grassberger"):
        assert abs(estimates[c] - truth) < (truth - estimates["plugin"]) / 2, (c, estimates[c])


@pytest.mark.parametrize("correction", CORRECTIONS)
def test_joint_entropy_identity_and_chain_rule(correction):
    rng = np.random.default_rng(8)
    x = rng.integers(0, 4, 500)
    y = (x + rng.integers(0, 3, 500)) % 5
    z = rng.integers(0, 3, 500) + (x > 1)
    h = lambda *a: isc.entropy(np.column_stack(a), method="binned", correction=correction)  # noqa: E731
    mi = lambda a, b: isc.mutual_info(a, b, method="binned", correction=correction)  # noqa: E731
    assert h(x, y) == pytest.approx(h(x) + h(y) - mi(x, y), abs=TOL)
    cmi = isc.conditional_mutual_info(x, y, z, method="binned", correction=correction)
    assert mi(x, np.column_stack([y, z])) == pytest.approx(mi(x, z) + cmi, abs=TOL)


@pytest.mark.parametrize("correction", CORRECTIONS)
def test_relabeling_symbols_changes_nothing(correction):
    rng = np.random.default_rng(9)
    x, y = rng.integers(0, 6, 400), rng.integers(0, 4, 400)
    relabel = rng.permutation(6) * 100 - 250
    for fn, args in ((isc.entropy, (x,)), (isc.mutual_info, (x, y))):
        base = fn(*args, method="binned", correction=correction)
        assert fn(relabel[args[0]], *args[1:], method="binned", correction=correction) == pytest.approx(base, abs=TOL)


def test_local_values_average_to_the_estimate():
    rng = np.random.default_rng(10)
    x, y = rng.integers(0, 5, 300), rng.standard_normal(300)
    for c in CORRECTIONS:
        local = isc.mutual_info(x, y, method="binned", bins=4, correction=c, local=True)
        assert local.mean() == pytest.approx(isc.mutual_info(x, y, method="binned", bins=4, correction=c), abs=TOL)


# --- bad input --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("options,error,match", [
    (dict(bins=0), ValueError, "bins must be at least 1"),
    (dict(bins=2.5), TypeError, "bins must be a positive integer"),
    (dict(bins=True), TypeError, "bins must be"),
    (dict(range=(1, 1)), ValueError, "lo < hi"),
    (dict(range=(2, 1)), ValueError, "lo < hi"),
    (dict(range=(0, math.inf)), ValueError, "range must be finite"),
    (dict(range=(0, math.nan)), ValueError, "range must be finite"),
    (dict(range=5), TypeError, "range must be a pair"),
    (dict(bins=5, bin_width=0.1), ValueError, "either bins or bin_width"),
    (dict(bin_width=0), ValueError, "bin_width must be a finite number > 0"),
    (dict(bin_width="a"), TypeError, "bin_width must be a positive number"),
    (dict(quantiles=4), ValueError, "quantiles= sets"),
    (dict(bins="quantile", quantiles=0), ValueError, "quantiles must be at least 1"),
    (dict(bins="quantile", range=(0, 1)), ValueError, "range does not apply"),
    (dict(out_of_range="wrap"), ValueError, "out_of_range must be one of"),
    (dict(correction="nsb"), ValueError, "correction must be one of"),
    (dict(k=3), TypeError, "takes no option 'k'"),
])
def test_bad_options_raise_naming_the_argument(options, error, match):
    with pytest.raises(error, match=match):
        isc.entropy(np.arange(10.0), method="binned", **options)


@pytest.mark.parametrize("options", [dict(), dict(bins=4, range=(-1, 1), out_of_range="clip"), dict(bin_width=0.5),
                                     dict(bins="quantile")])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_raise_in_every_binning(options, bad):
    x = np.linspace(-1, 1, 20)
    x[7] = bad
    for dtype in (np.float64, np.float32):
        with pytest.raises(ValueError, match="y must be finite"):
            isc.mutual_info(np.arange(20), x.astype(dtype), method="binned", **options)


def test_bad_arrays_raise_naming_the_argument():
    with pytest.raises(ValueError, match="x, y must have the same number of samples"):
        isc.mutual_info(np.arange(5), np.arange(6), method="binned")
    with pytest.raises(ValueError, match="x is empty"):
        isc.entropy(np.array([]), method="binned")
    with pytest.raises(TypeError, match="z must be real"):
        isc.conditional_mutual_info(np.arange(3), np.arange(3), np.ones(3) * 1j, method="binned")
    with pytest.raises(ValueError, match="3 dimensions"):
        isc.entropy(np.zeros((2, 2, 2)), method="binned")
    with pytest.raises(ValueError, match="too wide"):
        isc.entropy(np.array([-1e308, 1e308]), method="binned")
    with pytest.raises(ValueError, match="too narrow"):
        isc.entropy(np.array([0.0, 1e300]), method="binned", bin_width=1e-300)
    with pytest.raises(ValueError, match="jackknife needs at least 2 samples"):
        isc.entropy(np.array([1]), method="binned", correction="jackknife")


def test_plugin_matches_scikit_learn_and_scipy():
    from scipy.stats import entropy as scipy_entropy
    from sklearn.metrics import mutual_info_score

    rng = np.random.default_rng(11)
    x, y = rng.integers(0, 7, 2000), rng.integers(0, 5, 2000)
    y = np.where(rng.random(2000) < 0.5, x % 5, y)
    assert isc.mutual_info(x, y, method="binned") == pytest.approx(mutual_info_score(x, y), abs=1e-12)
    assert isc.entropy(x, method="binned") == pytest.approx(scipy_entropy(np.bincount(x)), abs=1e-12)
