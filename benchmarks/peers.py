"""Peer implementations of KSG mutual information and Kozachenko-Leonenko entropy, behind one calling convention.

Each adapter takes (x, y, k) or (x, k) as float64 arrays and returns nats. Missing packages are reported, not
fatal. ``scipy_ksg`` is the textbook KSG on scipy's cKDTree (max-norm queries, radius counts shrunk by one ulp to
make them strict), the baseline any user could write.
"""

from __future__ import annotations

import numpy as np


def _scipy_ksg(x, y, k):
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    xy = np.hstack([x, y])
    eps = cKDTree(xy).query(xy, k=k + 1, p=np.inf, workers=-1)[0][:, k]
    r = np.nextafter(eps, 0)  # cKDTree counts <= r; KSG counts < eps
    nx = cKDTree(x).query_ball_point(x, r, p=np.inf, return_length=True, workers=-1) - 1
    ny = cKDTree(y).query_ball_point(y, r, p=np.inf, return_length=True, workers=-1) - 1
    return digamma(k) + digamma(len(x)) - np.mean(digamma(nx + 1) + digamma(ny + 1))


def _scipy_kl(x, k):
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    r = cKDTree(x).query(x, k=k + 1, p=np.inf, workers=-1)[0][:, k]
    return -digamma(k) + digamma(len(x)) + x.shape[1] * np.mean(np.log(2 * r))


def _sklearn_mi(x, y, k):
    from sklearn.feature_selection import mutual_info_regression

    if x.shape[1] != 1 or y.shape[1] != 1:
        raise NotImplementedError("scikit-learn estimates MI of one feature with one target")
    # One feature: n_jobs (parallel over features) would only add joblib start-up time.
    return mutual_info_regression(x, y[:, 0], n_neighbors=k, random_state=0)[0]


def _npeet_mi(x, y, k):
    import npeet_plus

    return npeet_plus.mi(x, y, k=k, base=np.e)


def _npeet_entropy(x, k):
    import npeet_plus

    return npeet_plus.entropy(x, k=k, base=np.e)


def _ennemi_mi(x, y, k):
    import ennemi

    if x.shape[1] != 1 or y.shape[1] != 1:
        raise NotImplementedError("ennemi estimates MI between one-dimensional variables")
    return np.asarray(ennemi.estimate_mi(y[:, 0], x[:, 0], k=k, preprocess=False)).item()


def _ennemi_entropy(x, k):
    import ennemi

    return np.asarray(ennemi.estimate_entropy(x, k=k, multidim=True)).item()


def _infoscope_mi(x, y, k):
    import infoscope

    return infoscope.mutual_info(x, y, k=k)


def _infoscope_entropy(x, k):
    import infoscope

    return infoscope.entropy(x, k=k)


MUTUAL_INFO = {"infoscope": _infoscope_mi, "scikit-learn": _sklearn_mi, "npeet-plus": _npeet_mi,
               "ennemi": _ennemi_mi, "scipy-cKDTree": _scipy_ksg}
ENTROPY = {"infoscope": _infoscope_entropy, "npeet-plus": _npeet_entropy, "ennemi": _ennemi_entropy,
           "scipy-cKDTree": _scipy_kl}
