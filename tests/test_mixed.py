"""Mixed discrete-continuous estimators: brute-force references (ties and classes seen once included), closed
forms, invariants and bad input.

Closed forms (nats), each by numerical integration with scipy:
* a binary label Y and X | Y ~ N(+-1, 1): I = h(X) - 1/2 log(2 pi e), h of the two-component mixture;
* an atom at zero, X = 0 with probability p else N(0, 1), and a label Y with P(Y = 1 | X = 0) = q and
  Y = [X + s N(0, 1) > 0] elsewhere: I = H(Y) - p h_b(q) - (1 - p) E h_b(Phi(X / s)), h_b the binary entropy;
* a ReLU of a label-shifted Gaussian, T = max(0, Z + mu_Y): I = sum_y p(y) [P0_y log(P0_y / P0) +
  int_0^inf f_y log(f_y / f)], P0_y = Phi(-mu_y) the atom, f_y the density of the positive part;
* entropy of D ~ Bernoulli and C | D ~ N(mu_D, s_D^2): H(D) + sum_d p(d) 1/2 log(2 pi e s_d^2);
* transfer entropy of a binary source into a continuous target, and of a continuous source into a binary target.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats

import infoscope as isc
import reference_mixed as ref
from infoscope._native import core
from infoscope.stats import permutation_test

EXACT = dict(noise=0.0, normalize=False)


def _h(density, lo, hi) -> float:
    """Differential entropy -int p log p over [lo, hi]."""
    return integrate.quad(lambda v: -density(v) * math.log(density(v)) if density(v) > 0 else 0.0, lo, hi,
                          limit=400, epsabs=1e-12, epsrel=1e-12)[0]


def _gaussian_pair_mi(shift=2.0) -> float:
    """I(X;Y) of a fair label Y and X | Y ~ N(+-shift/2, 1)."""
    mixture = lambda v: 0.5 * (stats.norm.pdf(v, -shift / 2) + stats.norm.pdf(v, shift / 2))  # noqa: E731
    return _h(mixture, -12 - shift, 12 + shift) - 0.5 * math.log(2 * math.pi * math.e)


# ----------------------------------------------------------------------------------------------- brute force

def _labels(rng, n, classes=4):
    d = rng.integers(0, classes, n)
    d[:3] = [classes + 1, classes + 2, classes + 3]  # three classes seen once
    return d


@pytest.mark.parametrize("n", [200, 1500])  # a KD-tree, then grids (>= 512 points)
@pytest.mark.parametrize("k", [1, 3, 6])
def test_ross_equals_brute_force_with_ties_and_singleton_classes(n, k):
    rng = np.random.default_rng(n + k)
    d = _labels(rng, n)
    c = np.round(rng.standard_normal((n, 2)) + d[:, None], 1)  # ties, also at eps_i
    expected = ref.ross_mutual_info(d[:, None].astype(float), c, k)
    for mask, args in (((True, False), (d, c)), ((False, True), (c, d))):
        got = isc.mutual_info(*args, discrete=mask, k=k, local=True, **EXACT)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert np.isclose(isc.mutual_info(d, c, discrete="auto", k=k, **EXACT), expected.mean(), rtol=0, atol=1e-12)


def test_ross_classes_of_several_columns_and_float_symbols():
    rng = np.random.default_rng(1)
    d = rng.integers(0, 2, (400, 2)).astype(float) * 0.5  # explicit discrete=True: float values are symbols too
    c = rng.standard_normal(400) + d.sum(axis=1)
    expected = ref.ross_mutual_info(d, c[:, None], 3)
    np.testing.assert_allclose(isc.mutual_info(d, c, discrete=(True, False), local=True, **EXACT), expected,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [200, 1500])
@pytest.mark.parametrize("k", [1, 4])
def test_gao_equals_brute_force_on_discrete_and_mixed_data(n, k):
    rng = np.random.default_rng(n * k)
    x = rng.integers(0, 3, (n, 1))
    y = x + rng.integers(0, 3, (n, 1))
    got = isc.mutual_info(x, y, discrete=True, k=k, local=True, **EXACT)
    np.testing.assert_allclose(got, ref.gao_mutual_info(x * 1.0, y * 1.0, k), rtol=0, atol=1e-12)
    # A ReLU-like variable (atoms at 0) against a continuous one with ties.
    t = np.maximum(0.0, np.round(rng.standard_normal((n, 2)), 2))
    s = np.round(t[:, :1] + rng.standard_normal((n, 1)), 1)
    got = isc.mutual_info(t, s, discrete="mixed", k=k, local=True, **EXACT)
    np.testing.assert_allclose(got, ref.gao_mutual_info(t, s, k), rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [200, 1500])
def test_mesner_shalizi_equals_brute_force_and_its_surrogates(n):
    rng = np.random.default_rng(n)
    z = rng.integers(0, 3, (n, 1))
    x = np.round(z + rng.standard_normal((n, 1)), 1)
    y = np.maximum(0.0, np.round(x + rng.standard_normal((n, 1)), 1))
    for k in (1, 3):
        got = isc.conditional_mutual_info(x, y, z, discrete=(False, "mixed", True), k=k, local=True, **EXACT)
        np.testing.assert_allclose(got, ref.mesner_shalizi(x, y, z * 1.0, k), rtol=0, atol=1e-12)
    problem = core.MixedConditionalMI(np.hstack([x, z * 1.0, y]), 1, 1, 3, 2)
    perms = np.stack([rng.permutation(n) for _ in range(3)]).astype(np.uint32)
    for perm, value in zip(perms, problem.surrogates(perms)):
        assert value == pytest.approx(ref.mesner_shalizi(x, y[perm], z * 1.0, 3).mean(), abs=1e-12)
    # Without Z: psi(N) takes the place of psi(n_z + 1).
    got = core.MixedConditionalMI(np.hstack([x, y]), 1, 0, 3, 2).locals()
    np.testing.assert_allclose(got, ref.mesner_shalizi(x, y, None, 3), rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [200, 1500])
def test_mixed_entropy_equals_brute_force(n):
    rng = np.random.default_rng(n + 7)
    d = _labels(rng, n, 3)
    c = rng.standard_normal((n, 2)) * (1 + d[:, None])
    for k in (1, 3):
        got = isc.entropy(np.c_[c[:, 0], d, c[:, 1]], discrete=[False, True, False], k=k, local=True)
        np.testing.assert_allclose(got, ref.mixed_entropy(d[:, None] * 1.0, c, k), rtol=0, atol=1e-12)
    # Only discrete columns: the plug-in entropy, as method="binned" gives it.
    assert isc.entropy(d, discrete=True) == pytest.approx(isc.entropy(d, method="binned"), abs=1e-12)
    assert isc.entropy(d, discrete="auto") == pytest.approx(isc.entropy(d, method="binned"), abs=1e-12)


def test_continuous_data_keep_the_continuous_estimators():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(500)
    y = x + rng.standard_normal(500)
    assert isc.mutual_info(x, y, discrete="auto") == isc.mutual_info(x, y)
    assert isc.mutual_info(x, y, discrete=(False, False)) == isc.mutual_info(x, y)
    assert isc.entropy(x, discrete=[False]) == isc.entropy(x)


def test_no_noise_reaches_discrete_values():
    rng = np.random.default_rng(4)
    d = rng.integers(0, 3, 600)
    c = rng.standard_normal(600) + d
    # The default noise changes the continuous column by ~1e-10: the estimate moves by at most that much, and
    # only through c; the labels stay exact (equal classes), which a noisy label would break.
    noisy = isc.mutual_info(d, c, discrete=(True, False))
    assert noisy == pytest.approx(isc.mutual_info(d, c, discrete=(True, False), noise=0.0), abs=1e-6)
    x = rng.integers(0, 4, 600)
    y = (x + rng.integers(0, 2, 600)) % 4
    assert isc.mutual_info(x, y, discrete=True) == isc.mutual_info(x, y, discrete=True, noise=0.0)


# ----------------------------------------------------------------------------------------------- closed forms

def test_binary_label_and_shifted_gaussians():
    truth = _gaussian_pair_mi()
    rng = np.random.default_rng(5)
    n = 5000
    y = rng.integers(0, 2, n)
    x = rng.standard_normal(n) + 2.0 * y - 1.0
    estimate = isc.mutual_info(x, y, discrete="auto")
    assert estimate == pytest.approx(truth, abs=0.03)  # truth 0.3466; a few estimator standard deviations
    assert 0 <= estimate <= math.log(2) + 0.02


def _binary(q: float) -> float:
    return 0.0 if q <= 0.0 or q >= 1.0 else -q * math.log(q) - (1 - q) * math.log(1 - q)


def test_an_atom_at_zero_and_a_label():
    p, q, s = 0.4, 0.2, 0.5
    p_one = p * q + (1 - p) * 0.5
    noisy = integrate.quad(lambda v: stats.norm.pdf(v) * _binary(stats.norm.cdf(v / s)), -12, 12, epsabs=1e-12)[0]
    truth = _binary(p_one) - p * _binary(q) - (1 - p) * noisy
    rng = np.random.default_rng(6)
    n = 5000
    atom = rng.random(n) < p
    x = np.where(atom, 0.0, rng.standard_normal(n))
    y = np.where(atom, rng.random(n) < q, x + s * rng.standard_normal(n) > 0).astype(int)
    assert isc.mutual_info(x, y, discrete=("mixed", True)) == pytest.approx(truth, abs=0.03)  # truth 0.3006


def _relu_label_mi(means, weights) -> float:
    """I(T;Y) for T = max(0, Z + mu_Y), Z ~ N(0, 1), Y with probabilities weights."""
    atoms = np.array([stats.norm.cdf(-m) for m in means])
    p0 = float(np.dot(weights, atoms))
    total = sum(w * a * math.log(a / p0) for w, a in zip(weights, atoms))
    f = lambda t: sum(w * stats.norm.pdf(t - m) for w, m in zip(weights, means))  # noqa: E731
    for w, m in zip(weights, means):
        fy = lambda t, m=m: stats.norm.pdf(t - m)  # noqa: E731
        total += w * integrate.quad(lambda t: fy(t) * math.log(fy(t) / f(t)), 0, 15, limit=400, epsabs=1e-12)[0]
    return total


def test_relu_of_a_label_shifted_gaussian():
    means, weights = [-0.5, 0.5, 1.5], [0.3, 0.3, 0.4]
    truth = _relu_label_mi(means, weights)
    rng = np.random.default_rng(7)
    n = 5000
    y = rng.choice(3, n, p=weights)
    t = np.maximum(0.0, rng.standard_normal(n) + np.array(means)[y])
    assert (t == 0).mean() > 0.25
    estimate = isc.mutual_info(t, y, discrete=("mixed", True))
    assert estimate == pytest.approx(truth, abs=0.03)  # truth 0.2176
    assert estimate <= isc.entropy(y, method="binned") + 0.02


def test_discrete_pairs_approach_the_plug_in_mi():
    rng = np.random.default_rng(8)
    joint = rng.dirichlet(np.ones(16)).reshape(4, 4)
    cells = rng.choice(16, 5000, p=joint.ravel())
    x, y = cells // 4, cells % 4
    plug_in = isc.mutual_info(x, y, method="binned")
    truth = float((joint * np.log(joint / joint.sum(1, keepdims=True) / joint.sum(0, keepdims=True))).sum())
    estimate = isc.mutual_info(x, y, discrete=True)
    # psi(c - 1) against log c: a bias of about -1.5 per cell / N, 16 cells.
    assert estimate == pytest.approx(plug_in, abs=0.01)
    assert estimate == pytest.approx(truth, abs=0.02)


def test_entropy_of_a_label_and_its_gaussian_given_it():
    p, mus, sds = 0.3, (0.0, 3.0), (0.5, 2.0)
    truth = (-p * math.log(p) - (1 - p) * math.log(1 - p)
             + p * 0.5 * math.log(2 * math.pi * math.e * sds[0] ** 2)
             + (1 - p) * 0.5 * math.log(2 * math.pi * math.e * sds[1] ** 2))
    rng = np.random.default_rng(9)
    n = 5000
    d = (rng.random(n) >= p).astype(int)
    c = np.array(mus)[d] + np.array(sds)[d] * rng.standard_normal(n)
    assert isc.entropy(np.c_[d, c], discrete=[True, False]) == pytest.approx(truth, abs=0.04)


def test_conditional_mi_given_a_label():
    rng = np.random.default_rng(10)
    n = 4000
    z = rng.integers(0, 3, n)
    x = z + rng.standard_normal(n)
    y = x + rng.standard_normal(n)
    truth = 0.5 * math.log(2.0)
    assert isc.conditional_mutual_info(x, y, z, discrete=(False, False, True)) == pytest.approx(truth, abs=0.04)
    y_indep = z + rng.standard_normal(n)  # dependent on x only through z
    assert abs(isc.conditional_mutual_info(x, y_indep, z, discrete="auto")) < 0.03
    assert isc.mutual_info(x, y_indep) > 0.05


def test_transfer_entropy_with_a_binary_source_and_a_binary_target():
    rng = np.random.default_rng(11)
    n = 5000
    s = rng.integers(0, 2, n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = 0.5 * y[t - 1] + 2.0 * s[t - 1] - 1.0 + rng.standard_normal()
    # s_{t-1} is independent of y_{t-1}: TE = I(y_t; s_{t-1} | y_{t-1}) = the MI of the shifted pair.
    assert isc.transfer_entropy(s, y, discrete=(True, False)) == pytest.approx(_gaussian_pair_mi(), abs=0.04)
    assert abs(isc.transfer_entropy(y, s, discrete="auto")) < 0.03
    # A continuous source switching a binary target: TE = log 2 - E h_b(Phi(2 x)).
    x = rng.standard_normal(n)
    b = np.r_[0, (x[:-1] + 0.5 * rng.standard_normal(n - 1) > 0)].astype(int)
    truth = math.log(2) - integrate.quad(lambda v: stats.norm.pdf(v) * _binary(stats.norm.cdf(2 * v)), -12, 12)[0]
    assert isc.transfer_entropy(x, b, discrete=(False, True)) == pytest.approx(truth, abs=0.04)
    assert isc.transfer_entropy(x, b, discrete=(False, True), local=True).shape == (n,)


# ------------------------------------------------------------------------------------------------- invariants

@pytest.mark.parametrize("seed", range(5))
def test_bounds_for_a_discrete_label(seed):
    rng = np.random.default_rng(seed)
    n = 1000
    y = rng.integers(0, 3, n)
    h_y = isc.entropy(y, method="binned")
    dependent = rng.standard_normal((n, 2)) + y[:, None]
    independent = rng.standard_normal((n, 2))
    # Continuous samples next to an atom count the whole atom once their radius reaches it: a negative bias of
    # about -0.03 here at N = 1000 (-0.08 at N = 300), shrinking as N grows.
    relu = np.maximum(0.0, independent[:, :1] - 0.3)
    for t, mask in ((dependent, (False, True)), (independent, (False, True)), (relu, ("mixed", True))):
        estimate = isc.mutual_info(t, y, discrete=mask)
        assert -0.1 < estimate <= h_y + 0.05
    assert isc.mutual_info(rng.integers(0, 4, n), rng.integers(0, 4, n), discrete=True) > -0.1


def test_permutation_test_and_many_estimates_with_discrete_parts():
    rng = np.random.default_rng(12)
    y = rng.integers(0, 2, 400)
    x = rng.standard_normal(400) + y
    test = permutation_test(isc.mutual_info, x, y, discrete="auto", n_permutations=30, seed=1)
    assert test.estimate == isc.mutual_info(x, y, discrete="auto", seed=1) and test.p_value < 0.05
    z = rng.integers(0, 2, 400)
    cmi = permutation_test(isc.conditional_mutual_info, x, y, z, discrete="auto", n_permutations=20, seed=1)
    assert cmi.p_value < 0.1
    table = np.c_[x, y, z]
    m = isc.mutual_info_matrix(table, discrete="mixed", noise=0.0)
    assert m.values[0, 1] == pytest.approx(isc.mutual_info(x, y, discrete="mixed", noise=0.0), abs=1e-12)


def test_cuda_device_runs_the_mixed_estimators_on_the_host():
    from infoscope._native import HAS_CUDA

    if not HAS_CUDA:
        pytest.skip("no CUDA device")
    rng = np.random.default_rng(13)
    y = rng.integers(0, 2, 500)
    x = rng.standard_normal(500) + y
    assert isc.mutual_info(x, y, discrete="auto", device="cuda") == isc.mutual_info(x, y, discrete="auto")


# ------------------------------------------------------------------------------------------------- bad input

def test_bad_discrete_arguments_are_named():
    x, y = np.arange(20.0), np.arange(20) % 2
    with pytest.raises(ValueError, match=r"discrete must have one entry per argument \(x, y\)"):
        isc.mutual_info(x, y, discrete=(True, False, True))
    with pytest.raises(TypeError, match=r"discrete\[0\] must be True, False or 'mixed'"):
        isc.mutual_info(x, y, discrete=("yes", False))
    with pytest.raises(ValueError, match="discrete must be True, False, 'auto', 'mixed'"):
        isc.mutual_info(x, y, discrete="labels")
    with pytest.raises(TypeError, match="discrete must be"):
        isc.mutual_info(x, y, discrete=1)
    with pytest.raises(ValueError, match=r"one entry per column of x \(2\)"):
        isc.entropy(np.c_[x, y], discrete=[True])
    with pytest.raises(ValueError, match="algorithm= and correction= apply to continuous"):
        isc.mutual_info(x, y, discrete="auto", algorithm=2)
    with pytest.raises(ValueError, match="condition= is not taken with discrete="):
        isc.transfer_entropy(x, y, discrete="auto", condition=x)
    with pytest.raises(ValueError, match="single sample"):
        isc.mutual_info(np.arange(20), x, discrete=(True, False))
    with pytest.raises(TypeError, match="takes no option 'discrete'"):
        isc.mutual_info(x, y, method="binned", discrete=True)
    with pytest.raises(ValueError, match=r"k must be smaller than the number of samples"):
        isc.mutual_info(x, y, discrete="auto", k=20)


# ------------------------------------------------------------------------------------------------------ bench

def test_bench_mixed_tasks_truths_and_estimator():
    from infoscope import bench
    from infoscope.bench.tasks import relu_label_mi

    tasks = {t.name: t for t in bench.select_tasks("mixed-*")}
    assert tasks["mixed-label-gauss"].truth == pytest.approx(_gaussian_pair_mi(), abs=1e-10)
    assert relu_label_mi(np.array([[-0.5], [0.5], [1.5]]), [0.3, 0.3, 0.4]) == pytest.approx(
        _relu_label_mi([-0.5, 0.5, 1.5], [0.3, 0.3, 0.4]), abs=1e-10)
    # The 2-D ReLU layer: Monte Carlo of log p(t | y) - log p(t), with each unit's atom or density.
    task = tasks["mixed-relu-layer"]
    t, y = task.sample(200_000, seed=1)
    means = np.array([[-1.0, 0.0], [0.5, 1.0], [1.5, -0.5]])
    rot = np.array([[math.cos(0.6), -math.sin(0.6)], [math.sin(0.6), math.cos(0.6)]])
    pre = means @ rot.T + np.array([-0.3, 0.2])
    weights = np.array([0.3, 0.3, 0.4])
    per_class = np.stack([np.prod(np.where(t == 0, stats.norm.cdf(-m), stats.norm.pdf(t - m)), axis=1) for m in pre])
    ratio = np.log(per_class[y[:, 0], np.arange(len(t))]) - np.log(weights @ per_class)
    assert (t == 0).mean() > 0.2
    assert ratio.mean() == pytest.approx(task.truth, abs=4 * ratio.std() / math.sqrt(len(ratio)))
    results = bench.run(list(tasks.values()), [bench.ESTIMATORS["ksg-mixed"]], sizes=[5000], seeds=1, progress=False)
    rows = {r["task"]: r for r in results.accuracy()}
    assert all(r["passed"] for r in rows.values()), rows
    assert bench.ESTIMATORS["ksg-mixed"].unsupported(bench.get_task("normal-1x1"))
