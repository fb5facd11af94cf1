"""Drop-in replacements for scikit-learn's ``mutual_info_classif`` and ``mutual_info_regression``.

Same signatures and semantics, every feature's score from one batched engine call: the Ross 2014 estimates of
continuous features against a class label are one core call over all columns (a sorted pass per column, no
tree), KSG estimates against a continuous target the engine's many-estimates path.

scikit-learn's conventions, kept here so that the scores agree with its own:

* continuous columns (and a continuous target) are divided by their standard deviation (not centred), then get
  noise ``1e-10 * max(1, mean |x|) * N(0, 1)`` to break ties; the draws come from ``random_state`` in
  scikit-learn's order, so with the same integer ``random_state`` the noise is the same;
* a continuous feature against a discrete target: Ross 2014 with ``k = min(n_neighbors, class size - 1)``,
  samples of a class seen once left out; two continuous variables: KSG algorithm 1 (Kraskov et al. 2004, max
  norm); two discrete ones: the plug-in MI of their contingency table;
* ``discrete_features="auto"`` means: the columns of a dense array are continuous (those of a sparse matrix
  discrete). Here DataFrame columns of categories or strings, which scikit-learn refuses, are discrete too;
* scores are in nats, and negative estimates are set to 0.

Differences: ``random_state=None`` is seed 0 (the same call gives the same scores; scikit-learn draws fresh
noise), ``n_jobs=None`` uses every core (the work is threads in the core, not processes), and ``copy`` has no
effect (X is never written to). ``device="cuda"`` runs the KSG estimates (a continuous target) on the GPU, the
Ross estimates against classes on the host. ``method=`` picks any other estimator of
:func:`infoscope.estimate_many` (e.g. "gaussian" with ``transform="normal"``: the Gaussian-copula MI of Ince et
al. 2017), its options passed as keywords.
"""

from __future__ import annotations

import numpy as np

from ._table import FeatureTable, discrete_mask, feature_matrix, target_vector

__all__ = ["mutual_info_classif", "mutual_info_regression"]


def _scores(X, y, discrete_features, discrete_target, n_neighbors, random_state, n_jobs, method, options):
    values, _, kinds = feature_matrix(X)
    mask = discrete_mask(discrete_features, kinds, auto="all" if hasattr(X, "nnz") else "none")  # scikit-learn's
    target = target_vector(y, values.shape[0])
    table = FeatureTable(values, mask, target, discrete_target, n_neighbors=n_neighbors, random_state=random_state,
                         method=method, options=options, workers=-1 if n_jobs is None else n_jobs)
    specs = [([f], [], [table.target]) for f in range(table.n_features)]
    return np.maximum(table.estimates(specs), 0.0)


def mutual_info_classif(X, y, *, discrete_features="auto", n_neighbors=3, copy=True, random_state=None, n_jobs=None,
                        method="ksg", **options) -> np.ndarray:
    """Mutual information between each feature and a discrete target (class labels), in nats.

    scikit-learn's :func:`sklearn.feature_selection.mutual_info_classif`, computed in one batched call (see the
    module notes for its conventions, which are kept, and the few differences).

    Parameters
    ----------
    X : array_like or DataFrame, shape (N, p)
        Features; DataFrame columns of categories or strings are discrete.
    y : array_like, shape (N,)
        Class labels (any values: each distinct one is a class).
    discrete_features : "auto", bool or array_like
        Which features are discrete: a boolean mask or column indices; "auto": none of a dense array.
    n_neighbors : int
        k of the k-nearest-neighbour estimators (scikit-learn's default 3).
    copy : bool
        Accepted for compatibility; X is never modified.
    random_state : None, int or numpy RandomState
        Seeds the tie-breaking noise (None: seed 0).
    n_jobs : int or None
        Threads (None or -1: all cores).
    method : str
        "ksg" (the estimators above) or another method of :func:`infoscope.estimate_many`, with ``**options``.

    Returns
    -------
    ndarray, shape (p,)
        The scores (negative estimates set to 0).

    Examples
    --------
    >>> import numpy as np
    >>> from infoscope.feature_selection import mutual_info_classif
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 2000)
    >>> X = np.column_stack([y + rng.normal(0, 0.5, 2000), rng.normal(size=2000)])
    >>> mutual_info_classif(X, y, random_state=0).round(2)
    array([0.34, 0.01])
    """
    return _scores(X, y, discrete_features, True, n_neighbors, random_state, n_jobs, method, options)


def mutual_info_regression(X, y, *, discrete_features="auto", n_neighbors=3, copy=True, random_state=None,
                           n_jobs=None, method="ksg", **options) -> np.ndarray:
    """Mutual information between each feature and a continuous target, in nats.

    scikit-learn's :func:`sklearn.feature_selection.mutual_info_regression`, computed in one batched call (see
    the module notes for its conventions and the few differences). Parameters as
    :func:`mutual_info_classif`; y is continuous (scaled and given tie-breaking noise as the features are).

    Examples
    --------
    >>> import numpy as np
    >>> from infoscope.feature_selection import mutual_info_regression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 2))
    >>> y = X[:, 0] + 0.5 * rng.normal(size=2000)
    >>> mutual_info_regression(X, y, random_state=0).round(1)
    array([0.8, 0. ])
    """
    return _scores(X, y, discrete_features, False, n_neighbors, random_state, n_jobs, method, options)
