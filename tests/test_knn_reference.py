"""Every k-NN estimator agrees with the brute-force numpy reference (tests/reference.py) to 1e-10, per sample.

Noise and normalisation are off so both sides see identical inputs; data with exact ties and duplicated rows
exercise the strict / non-strict counts and the lowest-index tie rule of algorithm 2.
"""

import warnings

import numpy as np
import pytest

import infoscope as isc
import reference as ref

EXACT = dict(normalize=False, noise=0.0, local=True)
TOL = 1e-10

# (n, dx, dy, dz, k): 1-D marginals (sorted counts), low and high dimension (trees, early exits past 8 dims).
SHAPES = [(50, 1, 1, 1, 1), (200, 1, 1, 1, 3), (300, 2, 3, 1, 4), (400, 4, 4, 2, 3), (250, 9, 1, 3, 5),
          (150, 12, 7, 9, 2), (120, 1, 17, 1, 8)]
DATA = ["continuous", "ties", "duplicates"]


def sample(rng, n, d, kind):
    a = rng.standard_normal((n, d))
    if kind == "ties":  # coarse grid: many equal coordinates and equal distances
        a = np.round(a * 2) / 2
    elif kind == "duplicates":  # whole rows repeated
        a = a[rng.integers(0, max(2, n // 3), n)]
    return a


@pytest.mark.parametrize("kind", DATA)
@pytest.mark.parametrize("n,dx,dy,dz,k", SHAPES)
def test_mutual_info_matches_reference(n, dx, dy, dz, k, kind):
    rng = np.random.default_rng([n, dx, dy, k])
    x, y = sample(rng, n, dx, kind), sample(rng, n, dy, kind)
    for algorithm in (1, 2):
        got = isc.mutual_info(x, y, k=k, algorithm=algorithm, **EXACT)
        np.testing.assert_allclose(got, ref.ksg_mutual_info(x, y, k, algorithm), rtol=0, atol=TOL)


@pytest.mark.parametrize("kind", DATA)
@pytest.mark.parametrize("n,dx,dy,dz,k", SHAPES)
def test_conditional_mutual_info_matches_reference(n, dx, dy, dz, k, kind):
    rng = np.random.default_rng([n, dx, dz, k, 7])
    x, y, z = sample(rng, n, dx, kind), sample(rng, n, dy, kind), sample(rng, n, dz, kind)
    got = isc.conditional_mutual_info(x, y, z, k=k, **EXACT)
    np.testing.assert_allclose(got, ref.ksg_conditional_mutual_info(x, y, z, k), rtol=0, atol=TOL)


@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
@pytest.mark.parametrize("kind", DATA)
@pytest.mark.parametrize("n,dx,dy,dz,k", SHAPES)
def test_entropy_matches_reference(n, dx, dy, dz, k, kind, metric):
    rng = np.random.default_rng([n, dx, k, 3])
    x = sample(rng, n, dx + dy, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # duplicates give -inf, checked below
        got = isc.entropy(x, k=k, metric=metric, local=True, noise=0.0)
        want = ref.kl_entropy(x, k, metric)
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=TOL)


def test_larger_sample_threads_and_deep_trees():
    """N large enough for several tree levels, batched counts over many leaves, and both threads."""
    rng = np.random.default_rng(11)
    n = 1500
    x = rng.standard_normal((n, 3))
    y = x[:, :2] @ rng.standard_normal((2, 2)) + 0.5 * rng.standard_normal((n, 2))
    z = np.round(rng.standard_normal((n, 2)), 1)
    for algorithm in (1, 2):
        want = ref.ksg_mutual_info(x, y, 4, algorithm)
        for workers in (1, -1):
            got = isc.mutual_info(x, y, k=4, algorithm=algorithm, workers=workers, **EXACT)
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
    np.testing.assert_allclose(isc.conditional_mutual_info(x, y, z, k=5, **EXACT),
                               ref.ksg_conditional_mutual_info(x, y, z, 5), rtol=0, atol=TOL)
    np.testing.assert_allclose(isc.entropy(x, k=2, local=True), ref.kl_entropy(x, 2), rtol=1e-12, atol=TOL)


def test_all_identical_rows():
    """A degenerate sample: every distance is zero; counts and -inf entropies follow the definitions."""
    x = np.ones((40, 2))
    y = np.arange(40.0)
    for algorithm in (1, 2):
        np.testing.assert_allclose(isc.mutual_info(x, y, k=3, algorithm=algorithm, **EXACT),
                                   ref.ksg_mutual_info(x, y.reshape(-1, 1), 3, algorithm), rtol=0, atol=TOL)
    with pytest.warns(RuntimeWarning, match="duplicates"):
        assert isc.entropy(x, k=3) == -np.inf


@pytest.mark.parametrize("kind", DATA + ["dependent"])
def test_grid_sized_low_dimensional_samples(kind):
    """N above the grid's minimum: joint spaces of 1 to 3 dimensions are searched on a grid of cells (or, for
    strongly dependent columns, fall back to the KD-tree); both must give the reference's numbers exactly."""
    rng = np.random.default_rng([2000, len(kind)])
    n = 2000
    x, y, z = (sample(rng, n, 1, kind) for _ in range(3))
    if kind == "dependent":  # points crowded along a curve: few grid cells hold them all
        y = x + 1e-4 * y
        z = np.sin(x) + 1e-4 * z
    for algorithm in (1, 2):
        np.testing.assert_allclose(isc.mutual_info(x, y, k=3, algorithm=algorithm, **EXACT),
                                   ref.ksg_mutual_info(x, y, 3, algorithm), rtol=0, atol=TOL)
    np.testing.assert_allclose(isc.conditional_mutual_info(x, y, z, k=4, **EXACT),
                               ref.ksg_conditional_mutual_info(x, y, z, 4), rtol=0, atol=TOL)
    for columns in (x, np.hstack([x, y]), np.hstack([x, y, z])):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = isc.entropy(columns, k=2, local=True)
            want = ref.kl_entropy(columns, 2, "chebyshev")
        np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
        finite = np.isfinite(want)
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=TOL)


@pytest.mark.parametrize("kind", DATA)
@pytest.mark.parametrize("n,dx,dy,dz", [(1024, 1, 1, 2), (1025, 1, 1, 2), (700, 1, 2, 2), (500, 2, 1, 4)])
@pytest.mark.parametrize("theiler", [0, 3])
def test_conditional_mutual_info_scan_and_trees_match_reference(n, dx, dy, dz, kind, theiler):
    """Joint spaces of 4+ dimensions with few samples take the pair scan (up to 1024 samples in 4-D), more take
    the trees: both equal the reference, with ties, duplicates and a Theiler window; so do the surrogates."""
    rng = np.random.default_rng([n, dx, dy, dz, theiler])
    x, y, z = sample(rng, n, dx, kind), sample(rng, n, dy, kind), sample(rng, n, dz, kind)
    excluded = ref.theiler_mask(n, theiler) if theiler else None
    want = ref.ksg_conditional_mutual_info(x, y, z, 4, excluded=excluded)
    got = isc.conditional_mutual_info(x, y, z, k=4, theiler=theiler, **EXACT)
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
    from infoscope.estimators import prepare

    problem = prepare("conditional_mutual_info", "ksg", x, y, z, k=4, theiler=theiler, normalize=False, noise=0.0)
    perm = rng.permutation(n)
    surrogate = problem.surrogates(perm[None, :].astype(np.uint32))[0]
    np.testing.assert_allclose(surrogate, ref.ksg_conditional_mutual_info(x, y[perm], z, 4, excluded=excluded).mean(),
                               rtol=0, atol=TOL)


@pytest.mark.parametrize("theiler", [0, 2])
def test_conditional_mutual_info_surrogates_walk_and_scan_match_reference(theiler):
    """Surrogates in 5+ joint dimensions walk each sample's stored X-Z and Z neighbours; a sample with more Z
    neighbours within its distance than are stored (here: half the rows share one of two Z points, hundreds of
    them) is scanned in full, and so many of them turn the walk off for later surrogates, which search the
    spaces. Every path equals the reference, with ties, a Theiler window, and for a problem that shares another's
    neighbours (same X and Z, another Y): its surrogate walks first, then the other's take the searches."""
    from infoscope.estimators import prepare

    rng = np.random.default_rng([31, theiler])
    n = 2400
    x, z = rng.standard_normal((n, 1)), rng.standard_normal((n, 3))
    z[: n // 2] = rng.integers(0, 2, (n // 2, 1)).astype(float)  # 1200 rows on two Z points
    ys = [np.round(x + rng.standard_normal((n, 1)), 1), rng.standard_normal((n, 2))]
    excluded = ref.theiler_mask(n, theiler) if theiler else None
    perms = np.stack([rng.permutation(n) for _ in range(2)]).astype(np.uint32)
    problems = [prepare("conditional_mutual_info", "ksg", x, y, z, k=4, theiler=theiler, normalize=False, noise=0.0)
                for y in ys]
    assert problems[1].problem.share_conditioning(problems[0].problem)
    for y, problem, used in [(ys[1], problems[1], perms[:1]), (ys[0], problems[0], perms)]:
        want = [ref.ksg_conditional_mutual_info(x, y[p], z, 4, excluded=excluded).mean() for p in used]
        np.testing.assert_allclose(problem.surrogates(used), want, rtol=0, atol=TOL)
    other = prepare("conditional_mutual_info", "ksg", x, ys[0], z[::-1].copy(), k=4, theiler=theiler,
                    normalize=False, noise=0.0)
    assert not other.problem.share_conditioning(problems[0].problem)  # another Z: nothing shared


def test_conditional_mutual_info_trees_above_the_scan_in_5d_match_reference():
    """Above 6144 samples a 5-D joint space leaves the pair scan for the trees (scan_max_n): same estimate, with
    ties and a Theiler window."""
    rng = np.random.default_rng(6145)
    n = 6145
    x, y, z = sample(rng, n, 1, "ties"), sample(rng, n, 1, "ties"), sample(rng, n, 3, "ties")
    got = isc.conditional_mutual_info(x, y, z, k=4, theiler=3, **EXACT)
    np.testing.assert_allclose(got, ref.ksg_conditional_mutual_info(x, y, z, 4, excluded=ref.theiler_mask(n, 3)),
                               rtol=0, atol=TOL)
