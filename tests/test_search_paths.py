"""Every neighbour-search path of the core (grid, KD-tree, tiled brute force, and the cost model's choice) gives the
estimates of an independent brute-force reference, per sample, at the sizes where the paths differ (N = 2e4, up to
32 dimensions), ties included.

The reference is compiled with numba: a numpy O(N^2) reference (tests/reference.py) is too slow at these sizes. It
computes every pair's max-norm distance as |fl(a - b)|, as numpy does, and finds neighbours and counts by sorting
and comparing, sharing no code with the core.
"""

import numpy as np
import pytest
from numba import njit, prange
from scipy.special import digamma

import infoscope as isc
from infoscope import _core

EXACT = dict(normalize=False, noise=0.0, local=True)
TOL = 1e-10
N = 20_000


@njit(parallel=True)
def _ksg_counts(data, spaces, k):
    """For every row i and each space (column ranges `spaces`, rows [first, end)), the counts of both KSG
    algorithms: the other rows strictly within eps_i, the joint distance to the k-th neighbour (algorithm 1), and
    those within the space's extent of the k nearest joint neighbours, lowest indices among ties (algorithm 2)."""
    n = data.shape[0]
    m = spaces.shape[0]
    strict = np.zeros((n, m), dtype=np.int64)
    extents = np.zeros((n, m), dtype=np.int64)
    eps_out = np.zeros(n)
    for i in prange(n):
        per_space = np.empty((m, n))
        joint = np.zeros(n)
        for j in range(n):
            for s in range(m):
                far = 0.0
                for c in range(spaces[s, 0], spaces[s, 1]):
                    far = max(far, abs(data[i, c] - data[j, c]))
                per_space[s, j] = far
                joint[j] = max(joint[j], far)
        joint[i] = np.inf
        eps = np.partition(joint, k - 1)[k - 1]
        # The k nearest, lowest indices among those tied at eps: all closer ones, then ties in index order.
        nearest = np.empty(k, dtype=np.int64)
        found = 0
        for j in range(n):
            if joint[j] < eps:
                nearest[found] = j
                found += 1
        for j in range(n):
            if found < k and joint[j] == eps:
                nearest[found] = j
                found += 1
        eps_out[i] = eps
        for s in range(m):
            strict[i, s] = np.sum(per_space[s] < eps) - (1 if eps > 0 else 0)
            extent = 0.0
            for j in nearest:
                extent = max(extent, per_space[s, j])
            extents[i, s] = np.sum(per_space[s] <= extent) - 1
    return strict, extents, eps_out


def reference_mutual_info(x, y, k):
    """KSG local values of algorithms 1 and 2 (Kraskov et al. 2004, eqs. 8 and 9)."""
    data = np.ascontiguousarray(np.c_[x, y])
    spaces = np.array([[0, x.shape[1]], [x.shape[1], data.shape[1]]])
    c1, c2, _ = _ksg_counts(data, spaces, k)
    n = len(data)
    return {1: digamma(k) + digamma(n) - digamma(c1[:, 0] + 1) - digamma(c1[:, 1] + 1),
            2: digamma(k) - 1 / k + digamma(n) - digamma(c2[:, 0]) - digamma(c2[:, 1])}


def reference_conditional_mutual_info(x, y, z, k):
    """Frenzel-Pompe: counts strictly within the joint k-th distance in the X-Z, Z-Y and Z spaces."""
    data = np.ascontiguousarray(np.c_[x, z, y])
    dx, dz, dy = x.shape[1], z.shape[1], y.shape[1]
    joint = np.array([[0, dx + dz + dy]])
    _, _, eps = _ksg_counts(data, joint, k)
    xz = _counts_within(data, 0, dx + dz, eps)
    zy = _counts_within(data, dx, dx + dz + dy, eps)
    zz = _counts_within(data, dx, dx + dz, eps)
    return digamma(k) - digamma(xz + 1) - digamma(zy + 1) + digamma(zz + 1)


@njit(parallel=True)
def _counts_within(data, first, end, eps):
    n = data.shape[0]
    out = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        c = 0
        for j in range(n):
            far = 0.0
            for col in range(first, end):
                far = max(far, abs(data[i, col] - data[j, col]))
            c += far < eps[i]
        out[i] = c - (1 if eps[i] > 0 else 0)
    return out


def reference_entropy(x, k):
    """Kozachenko-Leonenko with the max-norm: -psi(k) + psi(n) + d log(2 r_k)."""
    _, _, eps = _ksg_counts(np.ascontiguousarray(x), np.array([[0, x.shape[1]]]), k)
    n, d = x.shape
    return -digamma(k) + digamma(n) + d * np.log(2 * eps)


def sample(seed, n, d, ties):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, d))
    b = 0.6 * a + 0.8 * rng.standard_normal((n, d))
    if ties:  # a coarse grid: equal coordinates and equal distances everywhere
        a, b = np.round(a * 4) / 4, np.round(b * 4) / 4
    return a, b


@pytest.fixture(autouse=True)
def restore_search_path():
    """The cost model chooses again after a test that forces a path."""
    yield
    _core.search_path("auto")


# (dx, dy, paths): grids and sorted strips in low dimension, trees and brute force in every dimension. The tree is
# left out at 16 + 16, where its two algorithms take a minute at this N; the 8-D entropy and the 4 + 4 case cover
# its search and its counts.
MI_CASES = [(1, 1, ["grid", "tree", "brute", "auto"]), (2, 1, ["grid", "tree", "brute", "auto"]),
            (4, 4, ["tree", "brute", "auto"]), (16, 16, ["brute", "auto"])]


@pytest.mark.parametrize("ties", [False, True], ids=["continuous", "ties"])
@pytest.mark.parametrize("dx,dy,paths", MI_CASES, ids=[f"{c[0]}+{c[1]}" for c in MI_CASES])
def test_mutual_info_on_every_path_equals_the_reference(dx, dy, paths, ties):
    x, y = sample([dx, dy, ties], N, max(dx, dy), ties)
    x, y = x[:, :dx], y[:, :dy]
    want = reference_mutual_info(x, y, 3)
    for name in paths:
        _core.search_path(name)
        for algorithm in (1, 2):
            got = isc.mutual_info(x, y, k=3, algorithm=algorithm, **EXACT)
            np.testing.assert_allclose(got, want[algorithm], rtol=0, atol=TOL, err_msg=f"{name}, algorithm {algorithm}")


@pytest.mark.parametrize("dx,dz,paths", [(1, 1, ["grid", "tree", "brute", "auto"]), (3, 3, ["tree", "brute", "auto"])])
def test_conditional_mutual_info_on_every_path_equals_the_reference(dx, dz, paths):
    x, y = sample([dx, dz, 5], N, dx, ties=True)
    z = np.round(np.random.default_rng(dz).standard_normal((N, dz)) * 4) / 4 + 0.3 * x[:, :1]
    want = reference_conditional_mutual_info(x, y, z, 4)
    for name in paths:
        _core.search_path(name)
        got = isc.conditional_mutual_info(x, y, z, k=4, **EXACT)
        np.testing.assert_allclose(got, want, rtol=0, atol=TOL, err_msg=f"path {name}")


@pytest.mark.parametrize("d,paths", [(3, ["grid", "tree", "brute", "auto"]), (8, ["tree", "brute", "auto"]),
                                     (32, ["brute", "auto"])])
def test_entropy_on_every_path_equals_the_reference(d, paths):
    x, _ = sample([d, 9], N, d, ties=False)
    want = reference_entropy(x, 4)
    for name in paths:
        _core.search_path(name)
        got = isc.entropy(x, k=4, local=True, noise=0.0)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=TOL, err_msg=f"path {name}")


@pytest.mark.parametrize("path", ["brute", "tree"])
def test_byte_codes_with_an_outlier_and_a_constant_column_stay_exact(path):
    """One far point makes the byte codes coarse (one code spans the bulk of the data; in the tree, of the leaf
    that holds it) and a constant column has no spread: the filter then leaves nearly every pair to the exact
    distances, which still decide correctly."""
    x, y = sample(3, 3000, 6, ties=False)
    x[17] = 1e6
    y[:, 2] = 1.5
    want = reference_mutual_info(x, y, 3)
    _core.search_path(path)
    for algorithm in (1, 2):
        got = isc.mutual_info(x, y, k=3, algorithm=algorithm, **EXACT)
        np.testing.assert_allclose(got, want[algorithm], rtol=0, atol=TOL)


@pytest.mark.parametrize("scale", [1e-35, 1e-40, 1e35, 1e-310, 1e300])
@pytest.mark.parametrize("path", ["brute", "tree"])
def test_byte_codes_at_extreme_scales_stay_exact(path, scale):
    """A spread float32 resolves (1e-35) is scanned; a subnormal one (1e-40), where the float32 filter would
    count pairs wrongly, or one past 1e30 goes to the tree even with the scan forced. The tree's leaves code on
    their own scale and keep no codes where that scale overflows (1e-310). Either way the estimates are the
    reference's."""
    x, y = sample(4, 2000, 5, ties=False)
    x, y = x * scale, y * scale
    want = reference_mutual_info(x, y, 3)
    _core.search_path(path)
    got = isc.mutual_info(x, y, k=3, algorithm=1, **EXACT)
    np.testing.assert_allclose(got, want[1], rtol=0, atol=TOL)


def test_tree_leaves_of_repeated_points_stay_exact():
    """A fifth of the points repeat one row: the tree cannot split them and keeps them in one large leaf without
    byte codes (no spread), beside coded leaves of continuous points; ties at distance 0 everywhere."""
    x, _ = sample(6, N, 6, ties=False)
    x[::5] = x[0]
    want = reference_entropy(x, 4)
    _core.search_path("tree")
    with pytest.warns(RuntimeWarning, match="duplicates"):
        got = isc.entropy(x, k=4, local=True, noise=0.0)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=TOL)


def test_search_path_names_its_arguments():
    with pytest.raises(ValueError, match="path must be"):
        _core.search_path("kdtree")
    with pytest.raises(ValueError, match="task must be"):
        _core.search_path("tree", "joint")
    assert _core.search_path() == "auto"
