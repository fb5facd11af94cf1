"""k-nearest-neighbour estimators: Kozachenko-Leonenko entropy, KSG mutual information, Frenzel-Pompe CMI.

Conventions shared by all three (Kraskov, Stoegbauer & Grassberger 2004):

* distances are max-norm (Chebyshev) in every space, joint and marginal;
* the k-th neighbour of a sample is found in the joint space, the sample itself excluded;
* marginal counts are strict: points at distance *strictly less* than the k-th-neighbour distance
  (algorithm 1 and CMI), or at most the per-space distances (algorithm 2);
* ties are exact: no epsilon is subtracted from radii. Exact ties are broken only by the optional seeded noise.

Each function returns the local (pointwise) values in nats; :mod:`infoscope.estimators` averages and converts.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._arrays import as_samples, check_choice, check_k, check_same_length, check_workers
from .._native import core
from ._problem import CmiProblem, ksg_problem
from ._transforms import Preprocessing

__all__ = ["kl_entropy", "ksg_mutual_info", "ksg_conditional_mutual_info", "mutual_info_problem",
           "conditional_mutual_info_problem"]


def kl_entropy(x, *, k=3, metric="chebyshev", normalize=False, transform=None, noise=0.0, seed=0, workers=-1):
    """Local Kozachenko-Leonenko entropies, Kraskov et al. 2004 eq. 20.

    ``h_i = -psi(k) + psi(N) + log c_d + d log eps_i`` with ``eps_i`` twice the distance from sample i to its
    k-th neighbour and ``c_d`` the volume of the ball of unit *diameter*: 1 for the max-norm,
    ``pi^(d/2) / Gamma(1 + d/2) / 2^d`` for the Euclidean norm. Both metrics estimate the same entropy.

    ``normalize=True`` estimates on standardised columns and adds back ``sum(log std)``, so the result is still
    the entropy of ``x``. ``transform="rank"`` estimates the entropy of the copula (ranks scaled into (0, 1)),
    which is minus the total correlation of the columns. Noise is off by default: ties do not change the k-th
    distance; a sample with k or more exact duplicates has ``eps_i = 0`` and a local entropy of ``-inf``
    (the differential entropy of data with atoms diverges).
    """
    x = as_samples(x, "x")
    n, d = x.shape
    k = check_k(k, n)
    check_choice(metric, "metric", ("chebyshev", "euclidean"))
    prep = Preprocessing(normalize, transform, noise, seed)
    data, scale = prep.apply(x)
    local = core.kl_entropy(data, k, metric, check_workers(workers))
    local += np.log(scale).sum()
    if np.isneginf(local).any():
        warnings.warn(
            "x has samples with k or more exact duplicates: their local entropy is -inf and so is the estimate "
            "(continuous data are expected; add noise= or use a binned estimator for discrete data)",
            RuntimeWarning,
            stacklevel=3,
        )
    return local


def ksg_mutual_info(x, y, *, k=3, algorithm=1, normalize=True, transform=None, noise=1e-10, seed=0, workers=-1):
    """Local KSG mutual informations (Kraskov, Stoegbauer & Grassberger 2004).

    Algorithm 1 (eq. 8): with ``eps_i`` the max-norm distance to the k-th neighbour in the joint space,
    ``n_x`` the number of other samples with ``|x_i - x_j| < eps_i`` (strict) and ``n_y`` likewise,
    ``i_i = psi(k) + psi(N) - psi(n_x + 1) - psi(n_y + 1)``.

    Algorithm 2 (eq. 9): with ``eps_x,i`` and ``eps_y,i`` the largest x- and y-distances among the k joint
    neighbours (the lowest row indices among neighbours tied at the k-th distance) and non-strict counts
    ``n_x = #{j != i : |x_i - x_j| <= eps_x,i}``, ``i_i = psi(k) - 1/k + psi(N) - psi(n_x) - psi(n_y)``.
    """
    check_choice(algorithm, "algorithm", (1, 2))
    if algorithm == 1:
        return mutual_info_problem(x, y, k=k, normalize=normalize, transform=transform, noise=noise, seed=seed,
                                   workers=workers).locals()
    x, y, xy = _paired(x, y, k, Preprocessing(normalize, transform, noise, seed))
    return core.ksg_mutual_info(xy, x.shape[1], k, 2, check_workers(workers))


def ksg_conditional_mutual_info(x, y, z, *, k=3, normalize=True, transform=None, noise=1e-10, seed=0, workers=-1):
    """Local conditional mutual informations I(X;Y|Z), Frenzel & Pompe 2007.

    With ``eps_i`` the max-norm distance to the k-th neighbour in the joint (X, Y, Z) space and strict counts
    of other samples within ``eps_i`` in the XZ, YZ and Z spaces:
    ``i_i = psi(k) - psi(n_xz + 1) - psi(n_yz + 1) + psi(n_z + 1)``.
    """
    return conditional_mutual_info_problem(x, y, z, k=k, normalize=normalize, transform=transform, noise=noise,
                                           seed=seed, workers=workers).locals()


def mutual_info_problem(x, y, *, k=3, normalize=True, transform=None, noise=1e-10, seed=0, workers=-1) -> CmiProblem:
    """KSG algorithm 1 of :func:`ksg_mutual_info`, prepared for surrogates that permute the rows of y."""
    x, y, xy = _paired(x, y, k, Preprocessing(normalize, transform, noise, seed))
    return ksg_problem(xy, x.shape[1], 0, k, check_workers(workers))


def conditional_mutual_info_problem(x, y, z, *, k=3, normalize=True, transform=None, noise=1e-10, seed=0,
                                    workers=-1) -> CmiProblem:
    """:func:`ksg_conditional_mutual_info`, prepared for surrogates that permute the rows of y."""
    x, y, z = as_samples(x, "x"), as_samples(y, "y"), as_samples(z, "z")
    check_k(k, check_same_length(x=x, y=y, z=z))
    prep = Preprocessing(normalize, transform, noise, seed)
    # The core wants columns ordered X, Z, Y: then XZ, Z and ZY are contiguous column ranges.
    xzy, _ = prep.apply(np.hstack([x, z, y]))
    return ksg_problem(xzy, x.shape[1], z.shape[1], k, check_workers(workers))


def _paired(x, y, k, prep):
    """x and y as float64 tables of equal length, k checked, and [x | y] preprocessed by prep."""
    x, y = as_samples(x, "x"), as_samples(y, "y")
    check_k(k, check_same_length(x=x, y=y))
    return x, y, prep.apply(np.hstack([x, y]))[0]
