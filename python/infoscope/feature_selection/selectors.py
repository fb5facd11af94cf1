"""Greedy feature selectors that weigh what a feature adds to those already chosen, as scikit-learn transformers.

Every selector starts from the relevance I(f; y) of each feature and adds one feature per step, the one with the
best score given the chosen set S. The scores (Brown, Pocock, Zhao & Lujan 2012, JMLR 13:27, unify them):

* :class:`MRMR`, Peng, Long & Ding 2005 (IEEE TPAMI 27(8)): I(f; y) - mean over s in S of I(f; s) ("difference",
  their MID), or the quotient I(f; y) / mean I(f; s) ("quotient", MIQ);
* :class:`JMI`, Yang & Moody 1999 (NIPS 12): the sum over s in S of I(f, s; y);
* :class:`CMIM`, Fleuret 2004 (JMLR 5): min(I(f; y), min over s in S of I(f; y | s));
* :class:`ConditionalMISelector`: I(f; y | S) with the whole chosen set, stopping when the best candidate's
  conditional MI is not significant against permutations of that candidate (François, Rossi, Wertz &
  Verleysen 2007, Neurocomputing 70:1276).

Each step's candidate scores are one batched call of :class:`~infoscope.feature_selection._table.FeatureTable`
(the k-NN estimators for continuous, discrete and mixed columns, or any ``method`` of
:func:`infoscope.estimate_many`). Ties go to the lower column index. DataFrames keep their column names
(``get_feature_names_out``, ``set_output(transform="pandas")``).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from tqdm.auto import tqdm
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ._table import FeatureTable, discrete_mask, feature_matrix, target_vector


__all__ = ["MRMR", "JMI", "CMIM", "ConditionalMISelector"]


class _GreedySelector(SelectorMixin, BaseEstimator):
    """The greedy loop shared by the selectors; a subclass says how a step's scores are made."""

    def __init__(self, n_features_to_select=None, *, discrete_features="auto", discrete_target="auto",
                 method="ksg", method_options=None, n_neighbors=3, random_state=None, n_jobs=-1, progress=None):
        self.n_features_to_select = n_features_to_select
        self.discrete_features = discrete_features
        self.discrete_target = discrete_target
        self.method = method
        self.method_options = method_options
        self.n_neighbors = n_neighbors
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.progress = progress

    def fit(self, X, y):
        """Selects features of X for target y.

        Parameters
        ----------
        X : array_like or DataFrame, shape (N, p)
            Features; integer, boolean, categorical and string columns are discrete (``discrete_features="auto"``).
        y : array_like, shape (N,)
            The target: class labels or a continuous value (``discrete_target``).

        Returns
        -------
        self
        """
        if self.random_state is not None and (isinstance(self.random_state, bool)
                                              or not isinstance(self.random_state, numbers.Integral)):
            raise TypeError(f"random_state must be None or an int; got {self.random_state!r}")
        # validate_data records n_features_in_ and feature_names_in_ and refuses what scikit-learn refuses.
        validate_data(self, X, y, dtype=None, ensure_all_finite=False, reset=True)
        values, _, kinds = feature_matrix(X)
        count = self._check(values.shape[1])
        target = target_vector(y, values.shape[0])
        discrete_target = self._discrete_target(target)
        table = FeatureTable(values, discrete_mask(self.discrete_features, kinds, auto="dtype"), target,
                             discrete_target, n_neighbors=self.n_neighbors, random_state=self.random_state,
                             method=self.method, options=self.method_options, workers=self.n_jobs)
        p = table.n_features
        self.relevance_ = table.estimates([([f], [], [table.target]) for f in range(p)])
        selected, scores, p_values = [], [], []
        remaining = np.arange(p)
        state = self._start(self.relevance_)
        with tqdm(total=count, desc=type(self).__name__, unit="feature", leave=False,
                  disable=None if self.progress is None else not self.progress) as bar:
            while len(selected) < count and remaining.size:
                score = self._scores(table, state, remaining, selected)
                best = int(np.argmax(score))  # the first of equal scores: the lower column index
                p_value = self._p_value(table, remaining, best, selected, score[best])
                if p_value is not None:
                    if p_value > self.alpha:
                        break
                    p_values.append(p_value)
                selected.append(int(remaining[best]))
                scores.append(float(score[best]))
                remaining = np.delete(remaining, best)
                bar.update()
                if len(selected) < count and remaining.size:
                    self._update(table, state, remaining, selected[-1])
        self.selected_ = np.array(selected, dtype=np.intp)
        self.scores_ = np.array(scores)
        if self._tests():
            self.p_values_ = np.array(p_values)
        self.support_ = np.zeros(p, dtype=bool)
        self.support_[self.selected_] = True
        self.discrete_target_ = discrete_target
        return self

    def plot(self, ax=None):
        """The chosen features in the order they were chosen (bars: the criterion when chosen; dots: each one's
        relevance I(f; y)), labelled by feature name. Returns the matplotlib axes."""
        import matplotlib.pyplot as plt

        check_is_fitted(self, "support_")
        names = getattr(self, "feature_names_in_", None)
        labels = [str(names[f]) if names is not None else str(f) for f in self.selected_]
        ax = ax if ax is not None else plt.subplots(figsize=(max(4, 0.35 * len(labels) + 1.5), 3.5))[1]
        steps = np.arange(len(labels))
        ax.bar(steps, self.scores_, color="C0", label=f"{type(self).__name__} criterion when chosen")
        ax.plot(steps, self.relevance_[self.selected_], "o", color="C1", label="relevance I(f; y)")
        ax.set_xticks(steps, labels, rotation=90)
        ax.set_xlabel("chosen feature (in order)")
        ax.set_ylabel("nats" if not (isinstance(self, MRMR) and self.scheme == "quotient") else "")
        ax.legend(frameon=False)
        return ax

    def _get_support_mask(self):
        check_is_fitted(self, "support_")
        return self.support_

    def _discrete_target(self, y: np.ndarray) -> bool:
        if isinstance(self.discrete_target, str):
            if self.discrete_target != "auto":
                raise ValueError(f"discrete_target must be 'auto', True or False; got {self.discrete_target!r}")
            return y.dtype.kind not in "fc" or type_of_target(y) in ("binary", "multiclass")
        if not isinstance(self.discrete_target, (bool, np.bool_)):
            raise TypeError(f"discrete_target must be 'auto', True or False; got {self.discrete_target!r}")
        return bool(self.discrete_target)

    def _check(self, p: int) -> int:
        """Checks the parameters before any work; returns how many features to select of p: half of them (None),
        a count, or a fraction of them."""
        n = self.n_features_to_select
        if n is None:
            return max(1, p // 2)
        if isinstance(n, numbers.Integral) and not isinstance(n, bool):
            if not 1 <= int(n) <= p:
                raise ValueError(f"n_features_to_select={n} must lie in 1..{p}, the number of features")
            return int(n)
        if (isinstance(n, numbers.Real) and not isinstance(n, bool)
                and 0 < n < 1):  # type: ignore[operator]  # typeshed: Real lacks comparisons
            return max(1, int(n * p))  # type: ignore[call-overload]  # typeshed: Real arithmetic untyped
        raise ValueError(f"n_features_to_select must be None, a count or a fraction in (0, 1); got {n!r}")

    def _tests(self) -> bool:
        """Whether each step is tested (then ``_p_value`` gives its p-value)."""
        return False

    def _p_value(self, table, candidates, best, selected, score):
        return None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags


_PARAMETERS_DOC = """
    Parameters
    ----------
    n_features_to_select : None, int or float
        How many features: half of them (None), a count, or a fraction in (0, 1).
    discrete_features : "auto", bool or array_like
        Which features are discrete: "auto" (integer, boolean, categorical and string columns), all or none
        (a bool), a boolean mask or column indices.
    discrete_target : "auto" or bool
        Whether y holds classes; "auto": labels that are not floats, or floats that are all whole numbers
        (scikit-learn's ``type_of_target`` "binary" or "multiclass").
    method : str
        "ksg": the k-NN estimators (Ross 2014 against classes, KSG / Frenzel-Pompe between continuous columns,
        plug-in between discrete ones, Gao et al. 2017 / Mesner & Shalizi 2020 for mixes); or any method of
        :func:`infoscope.estimate_many` ("gaussian", "binned", ...).
    method_options : dict or None
        Options of that method (e.g. ``{"transform": "normal"}`` for the Gaussian copula).
    n_neighbors : int
        k of the k-NN estimators.
    random_state : None or int
        Seeds the tie-breaking noise (None: 0) and any permutations.
    n_jobs : int
        Threads (-1: all cores).
    progress : None or bool
        A progress bar over the steps (None: only in a terminal or notebook).
"""

_ATTRIBUTES_DOC = """
    Attributes
    ----------
    selected_ : ndarray of int
        The selected columns, in the order they were chosen.
    scores_ : ndarray
        The criterion of each selected column when it was chosen (nats, or a ratio for MIQ).
    relevance_ : ndarray
        I(f; y) of every feature (nats).
    support_ : ndarray of bool
        The selected columns as a mask (``get_support()``).
    n_features_in_, feature_names_in_
        As scikit-learn records them.
"""


class MRMR(_GreedySelector):
    __doc__ = """Minimum redundancy, maximum relevance (Peng, Long & Ding 2005, IEEE TPAMI 27(8): 1226-1238).

    Each step picks the feature f with the largest ``I(f; y) - (1/|S|) sum_{s in S} I(f; s)`` (``scheme=
    "difference"``, MID) or ``I(f; y) / ((1/|S|) sum_{s in S} I(f; s))`` (``scheme="quotient"``, MIQ); the first
    step picks the most relevant feature. Estimates enter clipped at 0 (MI is not negative; as scikit-learn's
    scores). A step's redundancies I(f; s_new) over all remaining f are one batched call.
    """ + _PARAMETERS_DOC + """    scheme : {"difference", "quotient"}
        MID or MIQ.
    """ + _ATTRIBUTES_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from infoscope.feature_selection import MRMR
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((1000, 20))
    >>> X[:, 5] = X[:, 0] + 0.1 * rng.standard_normal(1000)     # a near copy of column 0
    >>> y = (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int)
    >>> sorted(MRMR(n_features_to_select=3, progress=False).fit(X, y).selected_.tolist())   # not both copies
    [0, 1, 2]
    """

    def __init__(self, n_features_to_select=None, *, scheme="difference", discrete_features="auto",
                 discrete_target="auto", method="ksg", method_options=None, n_neighbors=3, random_state=None,
                 n_jobs=-1, progress=None):
        super().__init__(n_features_to_select, discrete_features=discrete_features, discrete_target=discrete_target,
                         method=method, method_options=method_options, n_neighbors=n_neighbors,
                         random_state=random_state, n_jobs=n_jobs, progress=progress)
        self.scheme = scheme

    def _check(self, p):
        if self.scheme not in ("difference", "quotient"):
            raise ValueError(f"scheme must be 'difference' or 'quotient'; got {self.scheme!r}")
        return super()._check(p)

    def _start(self, relevance):
        return {"redundancy": np.zeros_like(relevance)}

    def _scores(self, table, state, remaining, selected):
        relevance = np.maximum(self.relevance_[remaining], 0.0)
        if not selected:
            return relevance
        redundancy = state["redundancy"][remaining] / len(selected)
        if self.scheme == "difference":
            return relevance - redundancy
        # MIQ: a feature with no (or negative estimated) redundancy counts as barely redundant, not infinitely good.
        return relevance / np.maximum(redundancy, 1e-12)

    def _update(self, table, state, remaining, new):
        # MIs clipped at 0, as scikit-learn's scores are: a negative estimate of redundancy would otherwise raise
        # the score of the very features that share nothing with y either (noise).
        state["redundancy"][remaining] += np.maximum(table.estimates([([f], [], [new]) for f in remaining]), 0.0)


class JMI(_GreedySelector):
    __doc__ = """Joint mutual information (Yang & Moody 1999, NIPS 12; Brown et al. 2012 recommend it).

    Each step picks the feature f with the largest sum_{s in S} I(f, s; y); the first step picks the most
    relevant one. A step adds I(f, s_new; y) for all remaining f in one batched call.
    """ + _PARAMETERS_DOC + _ATTRIBUTES_DOC

    def _start(self, relevance):
        return {"joint": np.zeros_like(relevance)}

    def _scores(self, table, state, remaining, selected):
        return state["joint"][remaining] if selected else self.relevance_[remaining]

    def _update(self, table, state, remaining, new):
        state["joint"][remaining] += table.estimates([([f, new], [], [table.target]) for f in remaining])


class CMIM(_GreedySelector):
    __doc__ = """Conditional mutual information maximisation (Fleuret 2004, JMLR 5: 1531-1555).

    Each step picks the feature f with the largest min(I(f; y), min_{s in S} I(f; y | s)): the information f
    keeps about y whichever chosen feature is known. A step takes I(f; y | s_new) for all remaining f in one
    batched call.
    """ + _PARAMETERS_DOC + _ATTRIBUTES_DOC

    def _start(self, relevance):
        return {"least": relevance.copy()}

    def _scores(self, table, state, remaining, selected):
        return state["least"][remaining]

    def _update(self, table, state, remaining, new):
        conditional = table.estimates([([f], [new], [table.target]) for f in remaining])
        state["least"][remaining] = np.minimum(state["least"][remaining], conditional)


class ConditionalMISelector(_GreedySelector):
    __doc__ = """Forward selection by conditional mutual information with a permutation stopping rule.

    Each step picks the feature f with the largest I(f; y | S), S all features chosen so far, and keeps it only
    if that value is significant: its permutation p-value must be at most ``alpha``. Two nulls:

    * ``null="candidate"`` (François, Rossi, Wertz & Verleysen 2007, Neurocomputing 70: 1276-1288): the value
      against ``n_permutations`` surrogates I(f_pi; y | S) of f alone, its rows permuted. Cheap (one batch per
      step), but the best of many candidates is tested against the null of one, so it is lenient: with hundreds
      of noise candidates the best of them usually passes, and the rule stops late or not at all (see
      ``max_features``).
    * ``null="max"`` (the maximum statistic of IDTxl's network inference, Novelli et al. 2019): the value against
      the largest I(f_pi; y | S) over all remaining candidates, their rows permuted together, per permutation.
      Sound for the best of many; it costs ``n_permutations`` batches of all candidates per step.

    With ``n_features_to_select="auto"`` selection stops at the first candidate that fails; with a count or
    fraction it selects that many without tests. A step's candidates, and a test's surrogates, are batched calls.
    """ + _PARAMETERS_DOC + """    n_features_to_select : "auto", None, int or float
        "auto" (the default here): until the stopping rule ends it.
    alpha : float
        Significance level of the stopping rule.
    n_permutations : int
        Surrogates per test.
    null : {"candidate", "max"}
        The null distribution of the stopping rule (above).
    max_features : None or int
        With "auto", stop after this many features even if the next is significant (bounds the cost, which grows
        with the dimension of the chosen set).
    """ + _ATTRIBUTES_DOC + """    p_values_ : ndarray
        The p-value of each selected feature when it was chosen (with "auto").
    """

    def __init__(self, n_features_to_select="auto", *, alpha=0.05, n_permutations=100, null="candidate",
                 max_features=None, discrete_features="auto", discrete_target="auto", method="ksg",
                 method_options=None, n_neighbors=3, random_state=None, n_jobs=-1, progress=None):
        super().__init__(n_features_to_select, discrete_features=discrete_features, discrete_target=discrete_target,
                         method=method, method_options=method_options, n_neighbors=n_neighbors,
                         random_state=random_state, n_jobs=n_jobs, progress=progress)
        self.alpha = alpha
        self.n_permutations = n_permutations
        self.null = null
        self.max_features = max_features

    def _check(self, p):
        if isinstance(self.n_features_to_select, str) and self.n_features_to_select == "auto":
            if not (isinstance(self.alpha, numbers.Real) and 0 < self.alpha < 1):
                raise ValueError(f"alpha must lie in (0, 1); got {self.alpha!r}")
            if isinstance(self.n_permutations, bool) or not isinstance(self.n_permutations, numbers.Integral) \
                    or self.n_permutations < 1:
                raise ValueError(f"n_permutations must be a positive integer; got {self.n_permutations!r}")
            if self.null not in ("candidate", "max"):
                raise ValueError(f"null must be 'candidate' or 'max'; got {self.null!r}")
            if self.max_features is None:
                return p
            if isinstance(self.max_features, bool) or not isinstance(self.max_features, numbers.Integral) \
                    or self.max_features < 1:
                raise ValueError(f"max_features must be None or a positive integer; got {self.max_features!r}")
            return min(p, int(self.max_features))
        return super()._check(p)

    def _tests(self) -> bool:
        return isinstance(self.n_features_to_select, str)

    def _start(self, relevance):
        return {}

    def _scores(self, table, state, remaining, selected):
        if not selected:
            return self.relevance_[remaining]
        return table.estimates([([f], selected, [table.target]) for f in remaining])

    def _update(self, table, state, remaining, new):
        pass

    def _p_value(self, table, candidates, best, selected, score):
        """The permutation p-value of the best candidate's I(f; y | selected) (see ``null``), seeded by
        random_state and the step."""
        if not self._tests():
            return None
        seed = 0 if self.random_state is None else self.random_state
        rng = np.random.default_rng([seed, len(selected)])
        z = list(range(len(selected)))
        n = table.by_column.shape[1]
        if self.null == "candidate":
            column = table.by_column[candidates[best]]
            copies = np.stack([column[rng.permutation(n)] for _ in range(self.n_permutations)])
            small, new = table.with_columns(selected, copies, table.discrete[[candidates[best]] * len(copies)])
            null = small.estimates([([c], z, [small.target]) for c in new])
        else:  # the largest surrogate over all candidates, permuted together, per permutation
            null = np.empty(self.n_permutations)
            for b in range(self.n_permutations):
                copies = table.by_column[np.ix_(candidates, rng.permutation(n))]
                small, new = table.with_columns(selected, copies, table.discrete[candidates])
                null[b] = small.estimates([([c], z, [small.target]) for c in new]).max()
        return (1 + np.count_nonzero(null >= score)) / (1 + self.n_permutations)
