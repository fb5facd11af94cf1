"""Brute-force O(N^2) numpy references for the mixed discrete-continuous estimators, written apart from the core.

They follow the papers literally: full max-norm distance matrices, classes by numpy's unique rows, counts by
direct comparison. Ross 2014 (PLoS ONE 9(2): e87357), Gao, Kannan, Oh & Viswanath 2017 (NeurIPS), Mesner &
Shalizi 2020 (IEEE Trans. Inf. Theory 67(1)), and H(D) + h(C|D) with per-class Kozachenko-Leonenko entropies.
Only for small N.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma

from reference import chebyshev_matrix, kth_distance


def classes(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(class of each row, size of its class) for the rows of d."""
    _, ids, counts = np.unique(d, axis=0, return_inverse=True, return_counts=True)
    ids = ids.ravel()
    return ids, counts[ids]


def _within_class_kth(c: np.ndarray, ids: np.ndarray, size: np.ndarray, k: int, atoms: bool = False):
    """Distance to the min(k, N_d - 1)-th neighbour of each row in its class (NaN alone), and that k; with atoms,
    k is the number of the class's other rows at distance 0 where that distance is 0."""
    dist = chebyshev_matrix(c)
    eps, k_of = np.full(len(c), np.nan), np.zeros(len(c), dtype=int)
    for i in np.flatnonzero(size > 1):
        k_of[i] = min(k, size[i] - 1)
        same = dist[i, ids == ids[i]]
        eps[i] = np.sort(same)[k_of[i] - 1]  # its own distance is inf: last
        if atoms and eps[i] == 0:
            k_of[i] = (same == 0).sum()
    return dist, eps, k_of


def ross_mutual_info(d: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """psi(N) - psi(N_d) + psi(k_i) - psi(m_i), m_i = #{j != i : |c_i - c_j| <= eps_i} over the samples whose
    class repeats (k_i the same-class duplicates where eps_i = 0); the others get the mean local value."""
    ids, size = classes(d)
    dist, eps, k_of = _within_class_kth(c, ids, size, k, atoms=True)
    kept = size > 1
    m = ((dist <= eps[:, None]) & kept[None, :]).sum(axis=1)
    values = digamma(kept.sum()) - digamma(size) + digamma(np.maximum(k_of, 1)) - digamma(np.maximum(m, 1))
    out = np.full(len(c), values[kept].mean())
    out[kept] = values[kept]
    return out


def gao_mutual_info(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """psi(k_i) + log N - log(n_x + 1) - log(n_y + 1), k_i the duplicates where rho_i = 0."""
    n = len(x)
    dx, dy = chebyshev_matrix(x), chebyshev_matrix(y)
    joint = np.maximum(dx, dy)
    rho = kth_distance(joint, k)
    k_of = np.where(rho == 0, (joint == 0).sum(axis=1), k)
    nx = (dx <= rho[:, None]).sum(axis=1)
    ny = (dy <= rho[:, None]).sum(axis=1)
    return digamma(k_of) + np.log(n) - np.log(nx + 1) - np.log(ny + 1)


def mesner_shalizi(x: np.ndarray, y: np.ndarray, z: np.ndarray | None, k: int) -> np.ndarray:
    """psi(k_i) - psi(n_xz) - psi(n_yz) + psi(n_z), non-strict counts of the other samples, k_i as Gao et al.;
    without z psi(N) for psi(n_z)."""
    n = len(x)
    dx, dy = chebyshev_matrix(x), chebyshev_matrix(y)
    dz = chebyshev_matrix(z) if z is not None else np.zeros((n, n))
    joint = np.maximum(np.maximum(dx, dy), dz)
    rho = kth_distance(joint, k)[:, None]
    k_of = np.where(rho[:, 0] == 0, (joint == 0).sum(axis=1), k)
    n_xz = (np.maximum(dx, dz) <= rho).sum(axis=1)
    n_yz = (np.maximum(dy, dz) <= rho).sum(axis=1)
    n_z = (dz <= rho).sum(axis=1) if z is not None else np.full(n, n)
    return digamma(k_of) - digamma(n_xz) - digamma(n_yz) + digamma(n_z)


def mixed_entropy(d: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """-log(N_d / N) - psi(k_d) + psi(N_d) + d_C log(2 eps_i); classes seen once take the mean continuous part."""
    n = len(c)
    ids, size = classes(d)
    plug_in = np.log(n) - np.log(size)
    if c.shape[1] == 0:
        return plug_in
    _, eps, k_of = _within_class_kth(c, ids, size, k)
    kept = size > 1
    h = np.zeros(n)
    h[kept] = -digamma(k_of[kept]) + digamma(size[kept]) + c.shape[1] * np.log(2 * eps[kept])
    h[~kept] = h[kept].mean()
    return plug_in + h
