"""The stated truths of the benchmark tasks, checked by routes that share no code with them.

Gaussian tasks: the MI of a large sample's covariance, and a hand-derived closed form for equicorrelation.
Student-t tasks: Monte Carlo of log p(x, y) - log p(x) - log p(y) with scipy's multivariate t densities.
Transformed tasks: the samples are the base task's through a strictly increasing map (same ranks) or, for the
spiral, through a rotation that keeps the norm. Additive noise: numerical integration of the density of Y.
VAR tasks: Granger regressions (TE = half the log ratio of residual variances) on a long simulation.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from infoscope import bench
from infoscope.bench.tasks import TASKS


BASE = {t.name: t for t in TASKS.values()}
GAUSSIAN = [t for t in TASKS.values() if t.family == "normal" and t.name.startswith("normal-")]
STUDENT = [t for t in TASKS.values() if t.family == "student-t" and t.name.startswith("student-")]
TRANSFORMED = [t for t in TASKS.values() if t.quantity == "mi" and t.family != "mixed" and not t.opt_in
               and not t.name.startswith(("normal-", "student-", "additive"))]


def test_the_registry_holds_a_broad_task_set():
    families = {t.family for t in TASKS.values()}
    assert {"normal", "student-t", "additive-noise", "var"} <= families
    assert len([t for t in TASKS.values() if t.quantity == "mi"]) >= 35
    assert max(max(t.dims) for t in TASKS.values()) >= 50
    assert all(name in TASKS for name in bench.QUICK_TASKS)


@pytest.mark.parametrize("task", GAUSSIAN, ids=lambda t: t.name)
def test_gaussian_truth_from_a_large_sample_covariance(task):
    x, y = task.sample(400_000, seed=11)
    cov = np.cov(np.hstack([x, y]).T)
    dx = x.shape[1]
    sample_mi = 0.5 * (np.linalg.slogdet(cov[:dx, :dx])[1] + np.linalg.slogdet(cov[dx:, dx:])[1]
                       - np.linalg.slogdet(cov)[1])
    # The plug-in bias is about dx * dy / (2 N) nats.
    assert sample_mi == pytest.approx(task.truth, abs=0.01 + dx * x.shape[1] / 400_000)


@pytest.mark.parametrize("d", [2, 3, 5, 25, 50])
def test_dense_truth_matches_the_equicorrelation_determinant(d):
    # det of an m x m equicorrelation matrix with rho: (1 - rho)^(m - 1) (1 + (m - 1) rho).
    logdet = lambda m, rho=0.5: (m - 1) * math.log(1 - rho) + math.log(1 + (m - 1) * rho)  # noqa: E731
    assert TASKS[f"normal-{d}x{d}-dense"].truth == pytest.approx(logdet(d) - 0.5 * logdet(2 * d), abs=1e-12)


def test_two_pair_and_one_dimensional_truths_by_hand():
    assert TASKS["normal-1x1"].truth == pytest.approx(-0.5 * math.log(1 - 0.75**2), abs=1e-12)
    for d in (2, 3, 5, 25):
        assert TASKS[f"normal-{d}x{d}-2pair"].truth == pytest.approx(-math.log(1 - 0.8**2), abs=1e-12)


@pytest.mark.parametrize("task", STUDENT, ids=lambda t: t.name)
def test_student_truth_by_monte_carlo_of_the_density_ratio(task):
    dof = float(task.name.rsplit("dof", 1)[1])
    x, y = task.sample(200_000, seed=12)
    dx, dy = x.shape[1], y.shape[1]
    joint = stats.multivariate_t(loc=np.zeros(dx + dy), shape=np.eye(dx + dy), df=dof)
    mx = stats.multivariate_t(loc=np.zeros(dx), shape=np.eye(dx), df=dof)
    my = stats.multivariate_t(loc=np.zeros(dy), shape=np.eye(dy), df=dof)
    ratio = joint.logpdf(np.hstack([x, y])) - mx.logpdf(x) - my.logpdf(y)
    standard_error = ratio.std() / math.sqrt(len(ratio))
    assert ratio.mean() == pytest.approx(task.truth, abs=5 * standard_error + 1e-3)


@pytest.mark.parametrize("task", TRANSFORMED, ids=lambda t: t.name)
def test_transformed_tasks_are_invertible_maps_of_their_base(task):
    transform, base_name = task.name.split("-", 1)
    base = BASE[base_name]
    assert task.truth == base.truth
    (x, y), (bx, by) = task.sample(3000, seed=14), base.sample(3000, seed=14)
    if transform == "spiral":
        for a, b in ((x, bx), (y, by)):
            np.testing.assert_allclose(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1), rtol=1e-12)
            angle = -np.einsum("ij,ij->i", a, a) / 3.0  # rotate back by the norm-determined angle
            back0 = np.cos(angle) * a[:, 0] - np.sin(angle) * a[:, 1]
            back1 = np.sin(angle) * a[:, 0] + np.cos(angle) * a[:, 1]
            np.testing.assert_allclose(np.c_[back0, back1], b[:, :2], atol=1e-9)
            np.testing.assert_array_equal(a[:, 2:], b[:, 2:])
    else:  # a strictly increasing map of each coordinate keeps every column's ranks
        for a, b in ((x, bx), (y, by)):
            np.testing.assert_array_equal(stats.rankdata(a, axis=0), stats.rankdata(b, axis=0))


@pytest.mark.parametrize("eps", [0.1, 0.75])
def test_additive_noise_truth_by_numerical_integration(eps):
    task = TASKS[f"additive-uniform-eps{eps:g}"]
    width = 2 * eps

    def density(v):  # of Y = X + U(-eps, eps): overlap of [v - eps, v + eps] with [0, 1], over the width
        return max(0.0, min(1.0, v + eps) - max(0.0, v - eps)) / width

    def integrand(v):
        p = density(v)
        return -p * math.log(p) if p > 0 else 0.0

    h_y = integrate.quad(integrand, -eps, 1 + eps, points=[eps, 1 - eps, -eps + 1, 1 + eps - 1], limit=200)[0]
    assert task.truth == pytest.approx(h_y - math.log(width), abs=1e-7)
    x, y = task.sample(10_000, seed=15)
    assert 0 <= x.min() and x.max() <= 1 and np.abs(y - x).max() <= eps


def residual_variance(target, regressors):
    design = np.column_stack([np.ones(len(target)), *regressors])
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return np.var(target - design @ coef)


@pytest.mark.parametrize("task", [t for t in TASKS.values() if t.quantity == "te"], ids=lambda t: t.name)
def test_var_truth_by_granger_regression(task):
    source, target = task.sample(400_000, seed=16)
    lag, k_hist, l_hist = (task.te_options.get(key, 1) for key in ("lag", "k_hist", "l_hist"))
    start = max(k_hist, lag + l_hist - 1)
    t = np.arange(start, len(target))
    own = [target[t - j] for j in range(1, k_hist + 1)]
    other = [source[t - lag - j] for j in range(l_hist)]
    te = 0.5 * math.log(residual_variance(target[t], own) / residual_variance(target[t], own + other))
    assert te == pytest.approx(task.truth, abs=0.005)


def test_registry_rejects_duplicates_and_unknown_names():
    task = TASKS["normal-1x1"]
    with pytest.raises(ValueError, match="already registered"):
        bench.register(task)
    with pytest.raises(ValueError, match="no task named"):
        bench.get_task("normal-7x7")
    with pytest.raises(ValueError, match="no task matches"):
        bench.select_tasks(["nothing-*"])
    with pytest.raises(TypeError, match="Task"):
        bench.register("normal-1x1")
    with pytest.raises(ValueError, match="n must be"):
        task.sample(1)
    with pytest.raises(ValueError, match="truth"):
        bench.Task("bad", math.nan, task.sampler, (1, 1), "normal", "no truth")
