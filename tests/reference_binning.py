"""Slow numpy references for the histogram estimators, written apart from the C++ core.

Bins follow the documented edge convention literally (floor of the scaled offset in float64; quantile edges at
sorted positions floor(j N / q)); joint symbols come from np.unique over rows of codes; corrections are written
from their definitions, the jackknife by actually leaving each sample out.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma


def uniform_codes(a, bins=10, range=None, bin_width=None, clip=False):
    a = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    lo, hi = (np.full(a.shape[1], range[0]), np.full(a.shape[1], range[1])) if range else (a.min(0), a.max(0))
    if clip:
        a = np.clip(a, lo, hi)
    assert ((a >= lo) & (a <= hi)).all()
    if bin_width is not None:
        if range is None:
            return np.floor(a * (1.0 / bin_width)).astype(np.int64)
        count = np.maximum(1, np.ceil((hi - lo) * (1.0 / bin_width)))
        return np.minimum(np.floor((a - lo) * (1.0 / bin_width)), count - 1).astype(np.int64)
    span = hi - lo
    codes = np.floor((a - lo) * np.where(span > 0, bins / np.where(span > 0, span, 1), 0.0))
    return np.minimum(codes, bins - 1).astype(np.int64)


def quantile_codes(a, q):
    a = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    codes = np.empty(a.shape, dtype=np.int64)
    for j in np.arange(a.shape[1]):
        edges = np.sort(a[:, j])[(np.arange(1, q) * len(a)) // q]
        codes[:, j] = np.searchsorted(edges, a[:, j], side="right")
    return codes


def symbol_counts(codes):
    """Count of each sample's symbol (a row of codes)."""
    codes = np.asarray(codes).reshape(len(codes), -1)
    _, inverse, counts = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    return counts[inverse.ravel()]


def plugin(counts_of_samples):
    n = len(counts_of_samples)
    return np.log(n) - np.log(counts_of_samples)


def local_entropy(codes, correction="plugin"):
    codes = np.asarray(codes).reshape(len(codes), -1)
    c = symbol_counts(codes).astype(np.float64)
    n = len(c)
    if correction == "plugin":
        return plugin(c)
    if correction == "miller_madow":
        k = len(np.unique(codes, axis=0))
        return plugin(c) + (k - 1) / (2 * n)
    if correction == "grassberger":
        g = digamma(c) + 0.5 * (-1.0) ** c * (digamma((c + 1) / 2) - digamma(c / 2))
        return np.log(n) - g
    if correction == "jackknife":
        h = plugin(c).mean()
        pseudo = np.empty(n)
        for i in range(n):  # literally leave sample i out
            rest = np.delete(codes, i, axis=0)
            pseudo[i] = n * h - (n - 1) * plugin(symbol_counts(rest)).mean()
        return pseudo
    raise ValueError(correction)


def local_mutual_info(cx, cy, correction="plugin"):
    joint = np.column_stack([np.reshape(cx, (len(cx), -1)), np.reshape(cy, (len(cy), -1))])
    return local_entropy(cx, correction) + local_entropy(cy, correction) - local_entropy(joint, correction)
