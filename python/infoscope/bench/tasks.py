"""Tasks with exact ground truth: a sampler (n, seed) -> arrays, and the true value in nats.

The standard tasks follow the families of Czyz et al. 2023 ("Beyond Normal: On the Evaluation of Mutual
Information Estimators", NeurIPS): multivariate normals with dense and sparse interactions from 1 to 50
dimensions per side, multivariate Student-t, invertible transforms of the marginals (which leave MI
unchanged), additive uniform noise, and linear-Gaussian autoregressive processes with exact transfer entropy.

A task's quantity is "mi" (its sampler returns ``(x, y)``) or "te" (it returns ``(source, target)`` series and
``te_options`` holds the lag and history lengths the truth is for). :func:`register` adds user tasks to the
registry that the runner (:mod:`infoscope.bench.runner`) draws from.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .._arrays import check_count
from .._native import core
from ..estimators.gaussian import covariance_mutual_info
from ._registry import Registry
from .processes import LinearGaussianVAR

__all__ = ["Task", "register", "get_task", "select_tasks", "TASKS", "QUICK_TASKS", "gaussian_task", "student_t_task",
           "transformed_task", "additive_noise_task", "var_task", "student_t_mi", "block_covariance", "mixed_tasks"]

Sampler = Callable[[int, np.random.Generator], tuple]


@dataclass(frozen=True)
class Task:
    """A distribution with a known information quantity.

    ``sampler(n, rng)`` returns ``(x, y)`` arrays of shape (n, dims[0]) and (n, dims[1]) for quantity "mi", or
    ``(source, target)`` series of length n for quantity "te", whose truth is the transfer entropy with
    ``te_options`` (``lag``, ``k_hist``, ``l_hist``) as :func:`infoscope.transfer_entropy` takes them.
    ``discrete`` says which of x and y are discrete or mixed, as ``mutual_info(discrete=...)`` takes it.
    ``opt_in`` tasks (the images of :mod:`infoscope.bench.images`) are not part of the default suite:
    :func:`select_tasks` returns them only for a pattern that names them.
    """

    name: str
    truth: float
    sampler: Sampler
    dims: tuple
    family: str
    description: str
    quantity: str = "mi"
    te_options: dict = field(default_factory=dict)
    discrete: tuple = (False, False)  # which of x, y are discrete (True) or mix atoms and densities ("mixed")
    opt_in: bool = False  # left out of the default selection; a pattern must name it (the image tasks)

    def __post_init__(self):
        if self.quantity not in ("mi", "te"):
            raise ValueError(f"quantity must be 'mi' or 'te', got {self.quantity!r}")
        if not (isinstance(self.truth, numbers.Real) and math.isfinite(self.truth)):
            raise ValueError(f"truth must be a finite number of nats, got {self.truth!r}")

    def sample(self, n: int, seed=0) -> tuple:
        """n samples drawn with ``numpy.random.default_rng(seed)``."""
        return self.sampler(check_count(n, "n", 2), np.random.default_rng(seed))


TASKS = Registry("task", Task)


def register(task: Task, *, replace: bool = False) -> Task:
    """Adds a task to the registry (by its name) and returns it; an existing name needs ``replace=True``."""
    return TASKS.add(task, replace)


def get_task(name: str) -> Task:
    return TASKS.named(name)


def select_tasks(patterns=None, quantity=None) -> list:
    """Registered tasks whose names match any of the glob ``patterns``, of one quantity if given. Without
    patterns, the default suite: every task but the opt-in ones (``Task.opt_in``, e.g. "image-*")."""
    chosen = TASKS.select(patterns)
    if patterns is None:
        chosen = [t for t in chosen if not t.opt_in]
    return [t for t in chosen if quantity is None or t.quantity == quantity]


# ------------------------------------------------------------------------------------------------ closed forms

def student_t_mi(scale: np.ndarray, dx: int, dof: float) -> float:
    """I(X;Y) of a multivariate Student-t with scale matrix ``scale`` and ``dof`` degrees of freedom.

    The Gaussian MI of the scale matrix plus a term that depends only on the dimensions and dof
    (Arellano-Valle, Contreras-Reyes & Genton 2013; Czyz et al. 2023):
    ``f(nu) + f(nu + dx + dy) - f(nu + dx) - f(nu + dy)``, ``f(a) = log Gamma(a/2) - a/2 psi(a/2)``.
    It is positive even when the scale matrix is diagonal: the shared scale makes X and Y dependent.
    """
    dy = np.asarray(scale).shape[0] - dx

    def f(a):
        return math.lgamma(a / 2) - a / 2 * float(core.digamma(a / 2))

    return covariance_mutual_info(scale, dx) + f(dof) + f(dof + dx + dy) - f(dof + dx) - f(dof + dy)


def block_covariance(dx: int, dy: int, kind: str, rho: float, interacting: int = 2) -> np.ndarray:
    """Correlation matrix of (X, Y) with unit variances.

    "dense": every pair of the dx + dy coordinates has correlation rho (equicorrelation; positive definite for
    rho in [0, 1)). "sparse": X_i and Y_i are correlated with rho for i < interacting, every other pair is
    independent.
    """
    d = dx + dy
    if kind == "dense":
        return np.full((d, d), rho) + (1 - rho) * np.eye(d)
    if kind == "sparse":
        cov = np.eye(d)
        for i in range(min(interacting, dx, dy)):
            cov[i, dx + i] = cov[dx + i, i] = rho
        return cov
    raise ValueError(f"kind must be 'dense' or 'sparse', got {kind!r}")


# --------------------------------------------------------------------------------------------------- families

def _split(z: np.ndarray, dx: int) -> tuple:
    return z[:, :dx], z[:, dx:]


def gaussian_task(name: str, cov, dx: int, description: str) -> Task:
    """X, Y jointly Gaussian with covariance cov (X the first dx coordinates)."""
    cov = np.asarray(cov, dtype=np.float64)
    factor = np.linalg.cholesky(cov)
    sampler = lambda n, rng: _split(rng.standard_normal((n, cov.shape[0])) @ factor.T, dx)  # noqa: E731
    return Task(name, covariance_mutual_info(cov, dx), sampler, (dx, cov.shape[0] - dx), "normal", description)


def student_t_task(name: str, scale, dx: int, dof: float, description: str) -> Task:
    """X, Y jointly multivariate Student-t: Gaussian(0, scale) divided by sqrt(chi2_dof / dof), one draw per row."""
    scale = np.asarray(scale, dtype=np.float64)
    factor = np.linalg.cholesky(scale)

    def sampler(n, rng):
        z = rng.standard_normal((n, scale.shape[0])) @ factor.T
        return _split(z / np.sqrt(rng.chisquare(dof, size=(n, 1)) / dof), dx)

    return Task(name, student_t_mi(scale, dx, dof), sampler, (dx, scale.shape[0] - dx), "student-t", description)


def _normal_cdf(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.vectorize(math.erf, otypes=[float])(a / math.sqrt(2.0)))


def _bimodal(a: np.ndarray) -> np.ndarray:
    """The quantile function of 0.3 N(0, 1) + 0.7 N(5, 1) applied to Phi(a) (as Czyz et al.): standard normal
    coordinates become bimodal. Interpolated on a fine grid, which keeps it strictly increasing."""
    return np.interp(a, *_bimodal_table())


@functools.lru_cache(maxsize=1)
def _bimodal_table() -> tuple:
    """(Phi^-1(F(g)), g) on a grid g, F the mixture's CDF: built once, it costs 1.6 million erf calls."""
    grid = np.linspace(-9.0, 14.0, 20_001)
    cdf = 0.3 * _normal_cdf(grid) + 0.7 * _normal_cdf(grid - 5.0)
    return _normal_cdf_inverse_grid(cdf), grid


def _normal_cdf_inverse_grid(p: np.ndarray) -> np.ndarray:
    """Phi^-1(p) for an increasing grid of probabilities in (0, 1), by bisection (vectorised)."""
    lo, hi = np.full_like(p, -40.0), np.full_like(p, 40.0)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        below = _normal_cdf(mid) < p
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _spiral(a: np.ndarray) -> np.ndarray:
    """Rotates coordinates (0, 1) of each row by the angle |row|^2 / 3 (the spiral of Czyz et al.). The rotation
    keeps the norm, so the map is inverted by rotating back: a diffeomorphism, which leaves MI unchanged."""
    angle = np.einsum("ij,ij->i", a, a) / 3.0
    out = a.copy()
    c, s = np.cos(angle), np.sin(angle)
    out[:, 0] = c * a[:, 0] - s * a[:, 1]
    out[:, 1] = s * a[:, 0] + c * a[:, 1]
    return out


# Invertible maps applied to x and to y. All but "spiral" act on every coordinate with one strictly
# increasing function of the real line; "spiral" needs at least two coordinates per side.
TRANSFORMS = {
    "halfcube": lambda a: np.sign(a) * np.abs(a) ** 1.5,
    "asinh": np.arcsinh,
    "normal_cdf": _normal_cdf,  # uniform marginals for standard normal coordinates
    "wiggly": lambda a: a + 0.4 * np.sin(2.0 * a),
    "bimodal": _bimodal,
    "spiral": _spiral,
}


def transformed_task(base: Task, transform: str) -> Task:
    """``base`` with a strictly increasing map applied to every coordinate of x and y: the same MI."""
    fn = TRANSFORMS[transform]

    def sampler(n, rng):
        x, y = base.sampler(n, rng)
        return fn(x), fn(y)

    return Task(f"{transform}-{base.name}", base.truth, sampler, base.dims, base.family,
                f"{base.description}, {transform} transform of every coordinate")


def additive_noise_task(epsilon: float) -> Task:
    """X ~ U(0, 1), Y = X + U(-epsilon, epsilon).

    ``I = h(Y) - log(2 epsilon)``; h(Y) of the trapezoidal density is epsilon for 2 epsilon <= 1, so
    ``I = epsilon - log(2 epsilon)``, and ``I = 1 / (4 epsilon)`` for 2 epsilon >= 1.
    """
    truth = epsilon - math.log(2 * epsilon) if 2 * epsilon <= 1 else 1 / (4 * epsilon)

    def sampler(n, rng):
        x = rng.uniform(0.0, 1.0, size=(n, 1))
        return x, x + rng.uniform(-epsilon, epsilon, size=(n, 1))

    return Task(f"additive-uniform-eps{epsilon:g}", truth, sampler, (1, 1), "additive-noise",
                f"X ~ U(0,1), Y = X + U(-{epsilon:g}, {epsilon:g})")


def var_task(name: str, process: LinearGaussianVAR, description: str, *, lag=1, k_hist=1, l_hist=1) -> Task:
    """TE from component 0 to component 1 of a stationary linear-Gaussian VAR, exact from its autocovariance."""
    options = dict(lag=lag, k_hist=k_hist, l_hist=l_hist)

    def sampler(n, rng):
        path = process.simulate(n, seed=rng)
        return path[:, 0], path[:, 1]

    return Task(name, process.transfer_entropy(0, 1, **options), sampler, (1, 1), "var", description, "te", options)


# ------------------------------------------------------------------------------ discrete-continuous mixtures

def _normal_pdf(a):
    return np.exp(-0.5 * np.square(a)) / math.sqrt(2.0 * math.pi)


def _xlogy(x, y):
    """x log y with 0 log 0 = 0 (elementwise)."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    out = np.zeros(x.shape)
    np.log(y, out=out, where=x > 0)
    return x * out


def _positive_grid(upper: float, nodes: int = 400) -> tuple:
    """Gauss-Legendre nodes and weights on [0, upper]: exact to rounding for the smooth tails integrated here."""
    t, w = np.polynomial.legendre.leggauss(nodes)
    return 0.5 * upper * (t + 1.0), 0.5 * upper * w


def label_gaussian_mi(means, weights) -> float:
    """I(X;Y) of a label Y (probabilities weights) and X | Y = y ~ N(means[y], 1): ``h(X) - 1/2 log(2 pi e)``,
    h of the Gaussian mixture by quadrature."""
    lo, hi = min(means) - 12.0, max(means) + 12.0
    v, w = _positive_grid(hi - lo, 2000)
    v = v + lo
    mixture = sum(p * _normal_pdf(v - m) for p, m in zip(weights, means))
    return float(-(w * _xlogy(mixture, mixture)).sum()) - 0.5 * math.log(2.0 * math.pi * math.e)


def relu_label_mi(means: np.ndarray, weights) -> float:
    """I(T;Y) for T = max(0, A) coordinatewise, A | Y = y ~ N(means[y], I): T mixes an atom at 0 per coordinate
    with a density. Given Y the coordinates are independent, so p(t | y) factorises into, per coordinate, the atom
    Phi(-m) at 0 or the density phi(t - m) on t > 0. I = sum_y p(y) sum_S int p(t | y) log(p(t | y) / p(t)) over
    each set S of zero coordinates, the others integrated on a tensor Gauss-Legendre grid."""
    means = np.asarray(means, dtype=np.float64)
    classes, d = means.shape
    atoms = np.array([[0.5 * math.erfc(m / math.sqrt(2.0)) for m in row] for row in means])  # Phi(-m)
    nodes, node_w = _positive_grid(float(means.max()) + 12.0, 160 if d > 1 else 400)
    total = 0.0
    for zero_set in range(1 << d):
        free = [j for j in range(d) if not zero_set >> j & 1]
        grids = np.meshgrid(*([nodes] * len(free)), indexing="ij") if free else []
        weight = np.ones(grids[0].shape) if free else np.ones(())
        for g in np.meshgrid(*([node_w] * len(free)), indexing="ij") if free else []:
            weight = weight * g
        conditional = []
        for y in range(classes):
            p = np.ones(weight.shape)
            for j in range(d):
                p = p * (atoms[y, j] if zero_set >> j & 1 else _normal_pdf(grids[free.index(j)] - means[y, j]))
            conditional.append(p)
        marginal = sum(w * p for w, p in zip(weights, conditional))
        total += sum(w * float((weight * _xlogy(p, p / np.where(marginal > 0, marginal, 1.0))).sum())
                     for w, p in zip(weights, conditional))
    return float(total)


def _atom_label_mi(p: float, q: float, s: float) -> float:
    """X = 0 with probability p, else N(0, 1); Y ~ Bernoulli(q) at the atom, Y = [X + s N(0, 1) > 0] elsewhere:
    ``I = H(Y) - p h_b(q) - (1 - p) E h_b(Phi(X / s))``, the expectation by quadrature."""
    def binary(a):
        return -_xlogy(a, a) - _xlogy(1.0 - a, 1.0 - a)

    v, w = _positive_grid(24.0, 2000)
    v = v - 12.0
    noisy = float((w * _normal_pdf(v) * binary(_normal_cdf(v / s))).sum())
    return float(binary(p * q + (1 - p) * 0.5) - p * binary(q) - (1 - p) * noisy)


def mixed_tasks() -> list:
    """Discrete-continuous tasks: a label and shifted Gaussians, an atom at zero with a label, a ReLU layer
    T = relu(W X + b) of label-shifted Gaussian inputs (W a rotation, so the pre-activations stay independent given
    the label), and a pair of discrete variables. Each declares ``discrete`` for :func:`infoscope.mutual_info`."""
    def label_gaussian(n, rng):
        y = rng.integers(0, 2, (n, 1))
        return rng.standard_normal((n, 1)) + 2.0 * y - 1.0, y

    def atom_label(n, rng):
        atom = rng.random((n, 1)) < 0.4
        x = np.where(atom, 0.0, rng.standard_normal((n, 1)))
        y = np.where(atom, rng.random((n, 1)) < 0.2, x + 0.5 * rng.standard_normal((n, 1)) > 0)
        return x, y.astype(np.int64)

    label_weights = np.array([0.3, 0.3, 0.4])
    inputs = np.array([[-1.0, 0.0], [0.5, 1.0], [1.5, -0.5]])  # E[X | Y = y]
    angle = 0.6
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    bias = np.array([-0.3, 0.2])
    pre = inputs @ rotation.T + bias  # E[W X + b | Y = y]; W X + b | Y has identity covariance

    def relu_layer(n, rng):
        y = rng.choice(3, size=n, p=label_weights)
        x = inputs[y] + rng.standard_normal((n, 2))
        return np.maximum(0.0, x @ rotation.T + bias), y.reshape(-1, 1)

    joint = np.array([[0.2, 0.05, 0.0, 0.05], [0.02, 0.2, 0.05, 0.03], [0.0, 0.05, 0.15, 0.05],
                      [0.05, 0.0, 0.02, 0.08]])
    plug_in = float(_xlogy(joint, joint / (joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True))).sum())

    def discrete_pair(n, rng):
        cells = rng.choice(16, size=n, p=joint.ravel())
        return (cells // 4).reshape(-1, 1), (cells % 4).reshape(-1, 1)

    return [
        Task("mixed-label-gauss", label_gaussian_mi([-1.0, 1.0], [0.5, 0.5]), label_gaussian, (1, 1), "mixed",
             "fair binary label Y, X | Y ~ N(+-1, 1)", discrete=(False, True)),
        Task("mixed-atom-label", _atom_label_mi(0.4, 0.2, 0.5), atom_label, (1, 1), "mixed",
             "X = 0 with probability 0.4 else N(0,1); Y ~ Bernoulli(0.2) at the atom, [X + N(0, 0.25) > 0] elsewhere",
             discrete=("mixed", True)),
        Task("mixed-relu-layer", relu_label_mi(pre, label_weights), relu_layer, (2, 1), "mixed",
             "T = relu(W X + b), X | Y ~ N(mu_Y, I_2), 3 labels, W a rotation: exact zeros in each unit",
             discrete=("mixed", True)),
        Task("mixed-discrete-4x4", plug_in, discrete_pair, (1, 1), "mixed",
             "two dependent 4-symbol variables (the MI of their joint table)", discrete=(True, True)),
    ]


def _standard_tasks() -> list:
    """The task families of Czyz et al. 2023 (benchmark v1), with their parameters, plus high-MI and TE tasks."""
    tasks = [gaussian_task("normal-1x1", block_covariance(1, 1, "dense", 0.75), 1,
                           "Gaussian, 1+1 dimensions, correlation 0.75")]
    for d in (2, 3, 5, 25, 50):
        tasks.append(gaussian_task(f"normal-{d}x{d}-dense", block_covariance(d, d, "dense", 0.5), d,
                                   f"Gaussian, {d}+{d} dimensions, all correlations 0.5"))
    for d in (2, 3, 5, 25):
        tasks.append(gaussian_task(f"normal-{d}x{d}-2pair", block_covariance(d, d, "sparse", 0.8), d,
                                   f"Gaussian, {d}+{d} dimensions, two interacting pairs with correlation 0.8"))
    tasks.append(gaussian_task("normal-1x1-high", block_covariance(1, 1, "dense", 0.995), 1,
                               "Gaussian, 1+1 dimensions, correlation 0.995 (high MI)"))
    tasks.append(gaussian_task("normal-3x3-high", block_covariance(3, 3, "sparse", 0.95, interacting=3), 3,
                               "Gaussian, 3+3 dimensions, three pairs with correlation 0.95 (high MI)"))
    for d, dof in ((1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (5, 2), (5, 3)):
        tasks.append(student_t_task(f"student-{d}x{d}-dof{dof}", np.eye(2 * d), d, dof,
                                    f"Student-t with {dof} degree(s) of freedom, {d}+{d} dimensions, identity "
                                    "dispersion (dependent only through the shared scale)"))
    by_name = {t.name: t for t in tasks}
    for transform in ("normal_cdf", "wiggly", "halfcube", "bimodal"):
        tasks.append(transformed_task(by_name["normal-1x1"], transform))
    for d in (3, 5, 25):
        for transform in ("normal_cdf", "halfcube", "spiral"):
            tasks.append(transformed_task(by_name[f"normal-{d}x{d}-2pair"], transform))
    for name in ("student-1x1-dof1", "student-2x2-dof1", "student-3x3-dof2", "student-5x5-dof2"):
        tasks.append(transformed_task(by_name[name], "asinh"))
    tasks += [additive_noise_task(0.1), additive_noise_task(0.75)]
    # Bivariate VAR: X drives Y. TE X -> Y for several lags and histories (Schreiber 2000).
    lag1 = LinearGaussianVAR([[0.5, 0.0], [0.6, 0.4]], np.eye(2))
    lag2 = LinearGaussianVAR([np.array([[0.4, 0.0], [0.0, 0.5]]), np.array([[0.2, 0.0], [0.5, -0.2]])], np.eye(2))
    tasks += [
        var_task("var-te-lag1", lag1, "VAR(1), X -> Y at lag 1, histories 1"),
        var_task("var-te-lag2-hist2", lag2, "VAR(2), X -> Y at lag 2, target history 2", lag=2, k_hist=2),
        var_task("var-te-lag1-hist2x2", lag2, "VAR(2), X -> Y, source and target histories 2", k_hist=2, l_hist=2),
    ]
    return tasks + mixed_tasks()


for _task in _standard_tasks():
    register(_task)

# A cross-section of the families for --quick: low and high dimension, tails, transforms, high MI, TE.
QUICK_TASKS = ["normal-1x1", "normal-5x5-dense", "normal-25x25-2pair", "normal-1x1-high", "student-1x1-dof1",
               "student-3x3-dof2", "halfcube-normal-3x3-2pair", "spiral-normal-5x5-2pair", "asinh-student-1x1-dof1",
               "additive-uniform-eps0.1", "var-te-lag1"]
