"""Whitened Kozachenko-Leonenko entropies and the mutual information built from them, as Butakov et al. 2024.

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov & Andreev 2024 ("Information bottleneck analysis of deep
neural networks via lossy compression", ICLR; their package ``mutinfo``) estimate every entropy on whitened
samples: with Sigma the sample covariance of x and ``W = Sigma^(-1/2)``,

    H(x) = H(W x) - log |det W| = H(W x) + 1/2 log det Sigma,

the entropy of the whitened samples by the Kozachenko-Leonenko estimator with Euclidean distances. In up to 4
dimensions they use the plain estimator with the nearest neighbour (k = 1); above 4 the weighted estimator of
Berrett, Samworth & Yuan 2019 (Ann. Statist. 47, 288-318) over k = 5 neighbours. Mutual information is
``H(X) + H(Y) - H(X, Y)``, each entropy whitened with its own covariance, so the log-determinant terms add up to
the Gaussian MI of the covariance and the k-NN terms estimate only what departs from it. The information in
class labels is ``I(T;Y) = H(T) - sum_y p(y) H(T | Y=y)``, each class whitened with its own covariance.

Two options depart from their protocol, both leaving the true MI unchanged: ``transform="normal"`` replaces
each column of x and of y by its normal scores (ranks mapped through the standard normal quantile), an
invertible map of each variable, which makes the marginals Gaussian and the k-NN biases of the three entropies
closer to cancelling; ``neighbours="same"`` uses the Berrett-weighted k-NN estimator in every space, marginals
included, instead of the 1-NN estimator up to 4 dimensions.

Standard errors are theirs: ``std / sqrt(N)`` of the local values of each entropy, added up over the entropies
of a difference (``se(H(X)) + se(H(Y)) + se(H(X,Y))``; ``se(H(T)) + sum_y p(y) se(H(T|Y=y))``). They cover the
sampling noise of the k-NN averages only -- not the bias of the estimator, not the randomness of a compression
that produced the samples -- and the sum over entropies overstates it, since their local values are correlated.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._arrays import as_samples, check_choice, check_count, check_same_length, check_workers

__all__ = ["WhitenedEstimate", "whitened_entropy", "whitened_mutual_info", "whitened_label_information",
           "neighbour_rule"]

# Butakov et al.: the plain 1-NN estimator up to this dimension, the Berrett-weighted one above it.
_PLAIN_UP_TO = 4


class WhitenedEstimate(NamedTuple):
    """An estimate in nats and its standard error (the convention of Butakov et al., see the module)."""
    value: float
    se: float


NEIGHBOUR_RULES = ("butakov", "same")
TRANSFORMS = (None, "normal")


def neighbour_rule(d: int, k: int = 5, rule: str = "butakov") -> tuple[int, object]:
    """(neighbours, weights) of the entropy in d dimensions. ``rule="butakov"``: (1, None) up to 4 dimensions,
    (k, "berrett") above, as Butakov et al. 2024's ``mutinfo`` chooses them; ``rule="same"``: (k, "berrett") in
    every dimension (up to 3 dimensions the Berrett weights put all weight on the k-th neighbour: the plain k-NN
    estimator)."""
    rule = check_choice(rule, "neighbours", NEIGHBOUR_RULES)
    return (1, None) if rule == "butakov" and d <= _PLAIN_UP_TO else (k, "berrett")


def _whitened_locals(a: np.ndarray, name: str, k: int, workers: int, rule: str = "butakov") -> np.ndarray:
    """Local entropies of the rows of a (N, d): KL on the whitened rows plus 1/2 log det Sigma."""
    from . import entropy

    n, d = a.shape
    neighbours, weights = neighbour_rule(d, k, rule)
    if n <= neighbours + 1:
        raise ValueError(f"{name}: {n} samples are too few for a {neighbours}-NN entropy in {d} dimensions")
    sigma = np.atleast_2d(np.cov(a, rowvar=False))
    values, vectors = np.linalg.eigh(sigma)
    if values[0] <= 1e-12 * max(values[-1], 1e-300):
        raise ValueError(f"{name}: the covariance is singular (a constant column, or columns linearly dependent on "
                         "others): the samples have no density in their dimension, so no differential entropy")
    # The symmetric inverse square root, as Butakov et al.; any W with W Sigma W^T = I gives the same entropy.
    whitening = vectors @ np.diag(values ** -0.5) @ vectors.T
    local = entropy(a @ whitening, method="knn", k=neighbours, metric="euclidean", weights=weights, local=True,
                    workers=workers)
    return local + 0.5 * float(np.sum(np.log(values)))


def _summary(local: np.ndarray) -> WhitenedEstimate:
    return WhitenedEstimate(float(np.mean(local)), float(np.std(local) / math.sqrt(len(local))))


def whitened_entropy(x, *, k: int = 5, workers: int = -1) -> WhitenedEstimate:
    """Differential entropy of the rows of ``x`` (N, d) in nats, Kozachenko-Leonenko on whitened samples
    (Butakov et al. 2024): ``H(Sigma^(-1/2) x) + 1/2 log det Sigma``, the nearest neighbour only in up to 4
    dimensions, the Berrett-weighted estimator with ``k`` neighbours above. Returns the estimate and
    ``std(local values) / sqrt(N)``."""
    k = check_count(k, "k", 1)
    return _summary(_whitened_locals(as_samples(x, "x"), "x", k, check_workers(workers)))


def whitened_mutual_info(x, y, *, k: int = 5, transform=None, neighbours: str = "butakov",
                         workers: int = -1) -> WhitenedEstimate:
    """``I(X;Y) = H(X) + H(Y) - H(X, Y)`` in nats with :func:`whitened_entropy` (each entropy whitened with its own
    covariance), and the sum of the three standard errors, as Butakov et al. 2024.

    ``transform="normal"`` first replaces every column of x and y by its normal scores (van der Waerden:
    ``Phi^-1((rank - 1/2) / N)``), an invertible map of each variable that leaves I(X;Y) unchanged and makes the
    marginals Gaussian, so that the k-NN biases of H(X) + H(Y) and H(X, Y) cancel better on non-Gaussian data
    (the Gaussian-copula idea of Kraskov et al. 2004's rank transform and of Czyz et al. 2023's benchmark
    normalisation). ``neighbours="same"`` takes the Berrett-weighted ``k``-NN entropy (Berrett, Samworth & Yuan
    2019) in the marginal spaces too, not the 1-NN one. The defaults are Butakov et al.'s protocol."""
    k, workers = check_count(k, "k", 1), check_workers(workers)
    transform = check_choice(transform, "transform", TRANSFORMS)
    rule = check_choice(neighbours, "neighbours", NEIGHBOUR_RULES)
    x, y = as_samples(x, "x"), as_samples(y, "y")
    check_same_length(x=x, y=y)
    if transform == "normal":
        from ._transforms import normal_scores

        x, y = normal_scores(x), normal_scores(y)
    parts = [_summary(_whitened_locals(a, name, k, workers, rule))
             for a, name in ((x, "x"), (y, "y"), (np.hstack([x, y]), "(x, y)"))]
    return WhitenedEstimate(parts[0].value + parts[1].value - parts[2].value, sum(p.se for p in parts))


def whitened_label_information(t, labels, *, k: int = 5, workers: int = -1) -> WhitenedEstimate:
    """``I(T;Y) = H(T) - sum_y p(y) H(T | Y=y)`` in nats for class labels y, every entropy by
    :func:`whitened_entropy` on its own samples (each class whitened with its own covariance), and the standard
    error ``se(H(T)) + sum_y p(y) se(H(T | Y=y))``, as Butakov et al. 2024."""
    k, workers = check_count(k, "k", 1), check_workers(workers)
    t = as_samples(t, "t")
    labels = np.asarray(labels).reshape(-1)
    check_same_length(t=t, labels=labels)
    total = _summary(_whitened_locals(t, "t", k, workers))
    value, se = total.value, total.se
    for label in np.unique(labels):
        members = labels == label
        p = float(members.mean())
        part = _summary(_whitened_locals(t[members], f"t (class {label!r})", k, workers))
        value -= p * part.value
        se += p * part.se
    return WhitenedEstimate(value, se)
