"""Gaussian (parametric) estimators: entropy, MI and CMI of the Gaussian with the samples' covariance.

For jointly Gaussian data these are the maximum-likelihood estimates; for X and Y of dimensions p and q,
``I(X;Y) = -1/2 sum_i log(1 - rho_i^2)`` over the canonical correlations rho_i (CCA), the same number as
``1/2 log(det S_x det S_y / det S_xy)``. When X and Y are each Gaussian but not jointly, the Gaussian MI of
their covariance is a lower bound: a Gaussian has the largest joint entropy for a given covariance.
``transform="normal"`` replaces every column by its normal scores first (the Gaussian copula estimator of
Ince et al. 2017, Hum. Brain Mapp. 38, 1541), which makes the estimate invariant to monotone transforms of
each variable and robust to long tails. It is exact for data whose copula is Gaussian, a lower bound for
one-dimensional X and Y, and misses dependence that correlations do not show (e.g. a Student-t's shared scale).

``bias_correction=True`` (default) removes the expected bias of ``log det`` of the sample covariance of
Gaussian data, ``E log det(N S) = log det Sigma + d log 2 + sum_{i=1..d} psi((N - i) / 2)`` (N S is Wishart with
N - 1 degrees of freedom); without it the estimated MI of independent p- and q-dimensional Gaussians is
about ``p q / (2 N)`` nats.

Local values are log-density ratios under the fitted Gaussians; their mean is the estimate exactly.

A Gaussian estimate needs only means and a covariance, a few passes over the data that cost less than a launch:
it runs on the CPU whatever the backend (the ``backend`` argument is accepted for a uniform interface), and
CUDA arrays are copied to the host once.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .._arrays import check_flag, check_same_length
from .._backend import CPU
from .._native import core
from ._problem import Prepared
from ._transforms import Preprocessing

__all__ = ["gaussian_entropy", "gaussian_mutual_info", "gaussian_conditional_mutual_info", "covariance_mutual_info",
           "GaussianConditionalMI", "CovarianceTable"]


def covariance_mutual_info(cov, dx: int, dz: int = 0) -> float:
    """I(X;Y|Z) of the Gaussian with covariance cov over the columns X, Z, Y (dx and dz of them, Y the rest; no Z
    by default): ``1/2 log(det S_xz det S_zy / (det S_z det S))`` (nats)."""
    cov = np.asarray(cov, dtype=np.float64)
    logdet = lambda m: np.linalg.slogdet(m)[1] if m.size else 0.0  # noqa: E731
    xz, z = slice(0, dx + dz), slice(dx, dx + dz)
    zy = slice(dx, cov.shape[0])
    return 0.5 * float(logdet(cov[xz, xz]) + logdet(cov[zy, zy]) - logdet(cov[z, z]) - logdet(cov))


def gaussian_entropy(backend, x, *, transform, bias_correction):
    """Local entropies of x under the Gaussian with its sample mean and covariance (nats).

    ``h_i = 1/2 log((2 pi)^d det S) + 1/2 (x_i - m)^T S^-1 (x_i - m)``, mean ``1/2 log((2 pi e)^d det S)``,
    exact for Gaussian x and an upper bound for any other x with the same covariance. ``transform="normal"``
    takes normal scores first (the entropy of a Gaussian copula, ``-`` its total correlation).
    """
    x = _prepare(CPU.samples(x, "x"), transform)
    return _local_entropies(x, [np.arange(x.shape[1])], check_flag(bias_correction, "bias_correction"))[0]


def gaussian_mutual_info(backend, x, y, *, transform, bias_correction):
    """Local Gaussian (CCA) mutual informations, ``log p(x, y) - log p(x) - log p(y)`` under the fitted Gaussians.

    The mean is ``-1/2 sum log(1 - rho_i^2)`` over the canonical correlations. ``transform="normal"``: Gaussian
    copula MI (Ince et al. 2017).
    """
    x, y = CPU.samples(x, "x"), CPU.samples(y, "y")
    check_same_length(x=x, y=y)
    dx, dy = x.shape[1], y.shape[1]
    xy = _prepare(np.hstack([x, y]), transform)
    cols = np.arange(dx + dy)
    h_x, h_y, h_xy = _local_entropies(xy, [cols[:dx], cols[dx:], cols], check_flag(bias_correction, "bias_correction"))
    return h_x + h_y - h_xy


def gaussian_conditional_mutual_info(backend, x, y, z=None, *, transform, bias_correction):
    """Local Gaussian I(X;Y|Z) = h(X,Z) + h(Y,Z) - h(Z) - h(X,Y,Z) under the fitted Gaussians (partial correlation);
    without z (None or no columns) the MI, as :func:`gaussian_mutual_info`."""
    if z is None or np.shape(z)[-1] == 0:
        return gaussian_mutual_info(backend, x, y, transform=transform, bias_correction=bias_correction)
    x, y, z = CPU.samples(x, "x"), CPU.samples(y, "y"), CPU.samples(z, "z")
    check_same_length(x=x, y=y, z=z)
    dx, dy, dz = x.shape[1], y.shape[1], z.shape[1]
    xyz = _prepare(np.hstack([x, y, z]), transform)
    cols = np.arange(dx + dy + dz)
    xs, ys, zs = cols[:dx], cols[dx:dx + dy], cols[dx + dy:]
    h_xz, h_yz, h_z, h_xyz = _local_entropies(xyz, [np.r_[xs, zs], np.r_[ys, zs], zs, cols],
                                              check_flag(bias_correction, "bias_correction"))
    return h_xz + h_yz - h_z - h_xyz


class GaussianConditionalMI:
    """The Gaussian I(X;Y|Z) of the columns x, z, y of a :class:`CovarianceTable`, prepared for surrogates that
    permute the rows of Y (the interface of the core's problems: ``locals()``, ``surrogates(perms)``, ``batch``,
    ``len``; z may be empty).

    Only the cross-covariances of Y with (Z, X) change under a permutation of Y's rows, so (Z, X) is whitened
    once: with W = [Z, X] L^-T (L the Cholesky factor of their covariance, Z first) and g = W^T Y_pi / N,
    ``I = 1/2 log det(S_yy - g_z^T g_z) - 1/2 log det(S_yy - g^T g)`` (the two Schur complements of S_yy; g_z
    the first dz rows). A batch of surrogates is then one pass of the core over the row maps, and each
    equals the estimate on (x, y[pi], z) exactly (to rounding). The covariances are the table's, computed once
    for all the problems on it. The bias correction of the estimate is a constant of N and the dimensions,
    subtracted from every surrogate alike."""

    batch = 64

    def __init__(self, table: "CovarianceTable", x, z, y):
        self._table = table
        self._x, self._z, self._y = (np.asarray(c, dtype=np.intp) for c in (x, z, y))
        n, dx, dz, dy = table.n, len(self._x), len(self._z), len(self._y)
        self._df = dx * dy
        self._bias = conditional_bias(n, dx, dy, dz) if table.bias_correction else 0.0
        self._whitened_t: Optional[np.ndarray] = None  # W^T, built on the first surrogates (not for an analytic null)

    def __len__(self) -> int:
        return self._table.n

    def locals(self) -> np.ndarray:
        columns = self._table.standardised  # local values do not change with each column's scale
        return gaussian_conditional_mutual_info(None, columns[:, self._x], columns[:, self._y], columns[:, self._z],
                                                transform=None, bias_correction=self._table.bias_correction)

    def surrogates(self, perms) -> np.ndarray:
        whitened_t = self._whitened_t if self._whitened_t is not None else self._whiten()
        g = core.permuted_cross_products(whitened_t, self._y_rows, np.ascontiguousarray(perms, dtype=np.uint32),
                                         -1)  # (count, dz + dx, dy)
        conditioned = lambda rows: self._syy - np.einsum("sad,sae->sde", rows, rows)  # noqa: E731
        return 0.5 * (np.linalg.slogdet(conditioned(g[:, :len(self._z)]))[1] - np.linalg.slogdet(conditioned(g))[1]) \
            - self._bias

    def _whiten(self) -> np.ndarray:
        columns, covariance = self._table.standardised, self._table.covariance
        zx = np.concatenate([self._z, self._x])
        try:
            factor = np.linalg.cholesky(covariance[np.ix_(zx, zx)])
        except np.linalg.LinAlgError:
            raise ValueError("the sample covariance is singular (a constant or linearly dependent column): "
                             "the Gaussian estimate is infinite") from None
        whitened_t = np.ascontiguousarray(np.linalg.solve(factor, columns[:, zx].T))
        self._whitened_t = whitened_t
        self._y_rows = np.ascontiguousarray(columns[:, self._y])
        self._syy = covariance[np.ix_(self._y, self._y)]
        return whitened_t

    def analytic_null(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` draws from the estimate's large-sample null distribution: under conditional independence
        2 N I is chi-squared with dx dy degrees of freedom (the likelihood-ratio statistic of the linear
        regression; Geweke 1982, Barnett & Bossomaier 2012, Phys. Rev. Lett. 109, 138105), less the same bias
        constant as the estimate. What JIDT's Gaussian estimators and IDTxl use instead of permutations."""
        return rng.chisquare(self._df, count) / (2 * len(self)) - self._bias


def gaussian_conditional_mutual_info_problem(backend, x, y, z=None, *, transform, bias_correction) -> Prepared:
    """:func:`gaussian_conditional_mutual_info` (or the MI, without z), prepared for surrogates that permute y."""
    x, y = CPU.samples(x, "x"), CPU.samples(y, "y")
    z = np.empty((x.shape[0], 0)) if z is None else CPU.samples(z, "z")
    check_same_length(x=x, y=y, z=z)
    table = CovarianceTable(np.hstack([x, z, y]), transform, check_flag(bias_correction, "bias_correction"))
    dx, dz, dy = x.shape[1], z.shape[1], y.shape[1]
    cols = np.arange(dx + dz + dy)
    return Prepared(GaussianConditionalMI(table, cols[:dx], cols[dx:dx + dz], cols[dx + dz:]))


class CovarianceTable:
    """Gaussian estimates of many column subsets of one table, each from blocks of the table's one covariance
    matrix (what a single estimate computes for its columns, to rounding), so an estimate costs a few small
    determinants instead of a pass over the data. ``table`` (N, p), ``transform`` as the estimators';
    ``standardised`` holds its columns after the transform, centred and scaled to unit variance."""

    def __init__(self, table: np.ndarray, transform, bias_correction: bool):
        self.standardised = _standardised(_prepare(np.asarray(table, dtype=np.float64), transform))
        self.n = self.standardised.shape[0]
        self.covariance = self.standardised.T @ self.standardised / self.n
        self.bias_correction = bias_correction

    def conditional_mutual_info(self, x, z, y) -> float:
        """I(X;Y|Z) (nats) of the columns x, y given z (z may be empty), as :func:`gaussian_conditional_mutual_info`."""
        cols = np.concatenate([x, z, y]).astype(np.intp)
        if self.n <= len(cols):
            raise ValueError(f"a Gaussian estimate in {len(cols)} dimensions needs more than {len(cols)} samples; "
                             f"got {self.n}")
        block = self.covariance[np.ix_(cols, cols)]
        if np.any(np.diag(block) == 0) or np.linalg.slogdet(block)[0] <= 0:
            raise ValueError("the sample covariance is singular (a constant or linearly dependent column): "
                             "the Gaussian estimate is infinite")
        value = covariance_mutual_info(block, len(x), len(z))
        return value - conditional_bias(self.n, len(x), len(y), len(z)) if self.bias_correction else value


def conditional_bias(n: int, dx: int, dy: int, dz: int) -> float:
    """The bias that ``bias_correction`` removes from a Gaussian I(X;Y|Z) of n samples: the combination of
    :func:`_logdet_bias` of its four log-determinants (h(X,Z) + h(Y,Z) - h(Z) - h(X,Y,Z))."""
    return 0.5 * (_logdet_bias(n, dx + dz) + _logdet_bias(n, dy + dz) - _logdet_bias(n, dz)
                  - _logdet_bias(n, dx + dy + dz))


def _logdet_bias(n: int, d: int) -> float:
    """E log det S - log det Sigma for the 1/n sample covariance S of n Gaussian samples in d dimensions:
    ``d log(2 / n) + sum_{i=1..d} psi((n - i) / 2)`` (n S is Wishart with n - 1 degrees of freedom)."""
    return d * math.log(2.0 / n) + float(np.sum(core.digamma((n - np.arange(1, d + 1)) / 2.0))) if d else 0.0


def _standardised(a: np.ndarray) -> np.ndarray:
    """Columns centred and scaled to unit variance (the Gaussian estimates are scale-free); a constant column
    stays zero, so any estimate that uses it is refused as singular."""
    centred = a - a.mean(axis=0)
    scale = np.sqrt(np.mean(centred * centred, axis=0))
    scale[scale == 0] = 1.0
    return centred / scale


def _prepare(a: np.ndarray, transform) -> np.ndarray:
    return Preprocessing(normalize=False, transform=transform, noise=0.0, seed=0).apply(a)[0]


def _local_entropies(a: np.ndarray, subsets: list, bias_correction: bool) -> list:
    """Local Gaussian entropies of the column subsets of a (N, d), all from one covariance matrix."""
    n = a.shape[0]
    # Each column times the power of two that brings its largest magnitude into [0.5, 1): exact, and the
    # covariance can then neither overflow (columns at 1e155) nor underflow; log det gets the exponents back.
    exponents = np.frexp(np.abs(a).max(axis=0))[1]
    a = np.ldexp(a, -exponents)
    centred = a - a.mean(axis=0)
    cov = centred.T @ centred / n
    out = []
    for cols in subsets:
        d = len(cols)
        if n <= d:
            raise ValueError(f"a Gaussian estimate in {d} dimensions needs more than {d} samples; got {n}")
        sub = cov[np.ix_(cols, cols)]
        try:
            chol = np.linalg.cholesky(sub)
        except np.linalg.LinAlgError:
            raise ValueError("the sample covariance is singular (a constant or linearly dependent column): "
                             "the Gaussian estimate is infinite") from None
        logdet = 2.0 * (np.log(np.diag(chol)).sum() + math.log(2.0) * float(exponents[cols].sum()))
        if bias_correction:  # log det Sigma = E[log det S] - the bias, S the 1/N sample covariance
            logdet -= _logdet_bias(n, d)
        # (a_i - m) L^-T: squared row norms are the Mahalanobis distances. Inverting the small d x d factor
        # once and multiplying is cheaper than a solve against all N right-hand sides.
        whitened = centred[:, cols] @ np.linalg.inv(chol).T
        mahalanobis = np.einsum("ij,ij->i", whitened, whitened)
        out.append(0.5 * (d * math.log(2.0 * math.pi) + logdet + mahalanobis))
    return out
