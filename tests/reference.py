"""Brute-force O(N^2) numpy references for the k-NN estimators, written apart from the C++ core.

They follow Kraskov et al. 2004 and Frenzel & Pompe 2007 literally: full distance matrices, neighbours by a
stable sort (so ties at the k-th distance go to the lowest row index), strict or non-strict counts by direct
comparison. Only for small N.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln


def chebyshev_matrix(a: np.ndarray) -> np.ndarray:
    d = np.abs(a[:, None, :] - a[None, :, :]).max(axis=2)
    np.fill_diagonal(d, np.inf)  # a sample is never its own neighbour
    return d


def euclidean_matrix(a: np.ndarray) -> np.ndarray:
    d = np.sqrt(((a[:, None, :] - a[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    return d


def neighbours(dist: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k nearest samples of each row, ties to the lowest index."""
    return np.argsort(dist, axis=1, kind="stable")[:, :k]


def kth_distance(dist: np.ndarray, k: int) -> np.ndarray:
    return np.sort(dist, axis=1)[:, k - 1]


def kl_entropy(x: np.ndarray, k: int, metric: str = "chebyshev") -> np.ndarray:
    n, d = x.shape
    if metric == "chebyshev":
        dist, log_cd = chebyshev_matrix(x), 0.0
    else:
        dist = euclidean_matrix(x)
        log_cd = 0.5 * d * np.log(np.pi) - gammaln(1 + 0.5 * d) - d * np.log(2)
    with np.errstate(divide="ignore"):
        return -digamma(k) + digamma(n) + log_cd + d * np.log(2 * kth_distance(dist, k))


def ksg_mutual_info(x: np.ndarray, y: np.ndarray, k: int, algorithm: int = 1) -> np.ndarray:
    n = x.shape[0]
    dx, dy = chebyshev_matrix(x), chebyshev_matrix(y)
    joint = np.maximum(dx, dy)
    if algorithm == 1:
        eps = kth_distance(joint, k)[:, None]
        nx = (dx < eps).sum(axis=1)
        ny = (dy < eps).sum(axis=1)
        return digamma(k) + digamma(n) - digamma(nx + 1) - digamma(ny + 1)
    nb = neighbours(joint, k)
    rows = np.arange(n)[:, None]
    eps_x = dx[rows, nb].max(axis=1)[:, None]
    eps_y = dy[rows, nb].max(axis=1)[:, None]
    nx = (dx <= eps_x).sum(axis=1)
    ny = (dy <= eps_y).sum(axis=1)
    return digamma(k) - 1.0 / k + digamma(n) - digamma(nx) - digamma(ny)


def ksg_conditional_mutual_info(x: np.ndarray, y: np.ndarray, z: np.ndarray, k: int, excluded=None) -> np.ndarray:
    """Frenzel-Pompe local CMI; ``excluded[i, j]`` True leaves sample j out of sample i's search and counts."""
    dx, dy, dz = chebyshev_matrix(x), chebyshev_matrix(y), chebyshev_matrix(z)
    if excluded is not None:
        for d in (dx, dy, dz):
            d[excluded] = np.inf
    eps = kth_distance(np.maximum(np.maximum(dx, dy), dz), k)[:, None]
    n_xz = (np.maximum(dx, dz) < eps).sum(axis=1)
    n_yz = (np.maximum(dy, dz) < eps).sum(axis=1)
    n_z = (dz < eps).sum(axis=1)
    return digamma(k) - digamma(n_xz + 1) - digamma(n_yz + 1) + digamma(n_z + 1)


def weighted_kl_entropy(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Berrett, Samworth & Yuan 2019 in Kraskov's form: sum_j w_j (-psi(j) + psi(N) + d log(2 r_ij)), max-norm."""
    n, d = x.shape
    dist = np.sort(chebyshev_matrix(x), axis=1)[:, : len(weights)]
    j = np.arange(1, len(weights) + 1)
    return ((-digamma(j) + digamma(n) + d * np.log(2 * dist)) * weights).sum(axis=1)


def lnc_correction(xy: np.ndarray, k: int, alpha: float) -> np.ndarray:
    """Gao, Ver Steeg & Galstyan 2015, per sample: k max-norm neighbours (ties to the lowest index), offsets from
    the sample, axis box log V = sum log max|o|, principal box by numpy's eigh of sum o o^T; log(V / W) where
    W / V < alpha, else 0."""
    nb = neighbours(chebyshev_matrix(xy), k)
    out = np.zeros(len(xy))
    for i in range(len(xy)):
        offsets = xy[nb[i]] - xy[i]
        log_box = np.log(np.abs(offsets).max(axis=0)).sum()
        axes = np.linalg.eigh(offsets.T @ offsets)[1]
        log_principal = np.log(np.abs(offsets @ axes).max(axis=0)).sum()
        if log_principal - log_box < np.log(alpha):
            out[i] = log_box - log_principal
    return out


def ksg_multi_information(xs: list, k: int, algorithm: int = 1, excluded=None) -> np.ndarray:
    """Kraskov et al. 2004 eq. 11 (algorithm 1) or eq. 12 (algorithm 2) of the variables xs, each (n, d_v);
    ``excluded[i, j]`` True leaves sample j out of sample i's search and counts."""
    n, m = xs[0].shape[0], len(xs)
    dists = [chebyshev_matrix(x) for x in xs]
    if excluded is not None:
        for d in dists:
            d[excluded] = np.inf
    joint = np.maximum.reduce(dists)
    if algorithm == 1:
        eps = kth_distance(joint, k)[:, None]
        counts = [(d < eps).sum(axis=1) for d in dists]
        return digamma(k) + (m - 1) * digamma(n) - sum(digamma(c + 1) for c in counts)
    nb = neighbours(joint, k)
    rows = np.arange(n)[:, None]
    counts = [(d <= d[rows, nb].max(axis=1)[:, None]).sum(axis=1) for d in dists]
    return digamma(k) - (m - 1) / k + (m - 1) * digamma(n) - sum(digamma(c) for c in counts)


def ksg2_conditional_mutual_info(x: np.ndarray, y: np.ndarray, z: np.ndarray, k: int, excluded=None) -> np.ndarray:
    """KSG algorithm 2 of I(X;Y|Z) as Wibral, Vicente & Lindner 2014 (JIDT's Kraskov2): the X, Y and Z extents of the
    k joint neighbours (ties to the lowest index), non-strict counts in Z and in the XZ and YZ boxes."""
    dx, dy, dz = chebyshev_matrix(x), chebyshev_matrix(y), chebyshev_matrix(z)
    if excluded is not None:
        for d in (dx, dy, dz):
            d[excluded] = np.inf
    nb = neighbours(np.maximum(np.maximum(dx, dy), dz), k)
    rows = np.arange(x.shape[0])[:, None]
    eps_x, eps_y, eps_z = (d[rows, nb].max(axis=1)[:, None] for d in (dx, dy, dz))
    in_z = dz <= eps_z
    n_z = in_z.sum(axis=1)
    n_xz = (in_z & (dx <= eps_x)).sum(axis=1)
    n_yz = (in_z & (dy <= eps_y)).sum(axis=1)
    return digamma(k) - 2.0 / k + digamma(n_z) - digamma(n_xz) - digamma(n_yz) + 1.0 / n_xz + 1.0 / n_yz


def theiler_mask(n: int, width: int) -> np.ndarray:
    """excluded[i, j]: |i - j| <= width, a Theiler window on one series."""
    steps = np.arange(n)
    return np.abs(steps[:, None] - steps[None, :]) <= width
