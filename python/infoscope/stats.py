"""Significance of estimates: permutation (surrogate) tests, batched in the core.

Under the null hypothesis of no dependence, permuting one variable's samples leaves the distribution of the
estimate unchanged; the estimates on many permuted copies (surrogates) give its null distribution, and the
p-value is the share of surrogates at least as large as the estimate. For the estimators of this package the
surrogates run as one batch in the C++ core, which builds once what the permutation does not change.
"""

from __future__ import annotations

import inspect
import math
import numbers
from dataclasses import dataclass

import numpy as np

from .estimators import (binning, check_output, conditional_mutual_info, knn, method_function, mutual_info,
                         transfer, transfer_entropy, unit_name)
from .estimators._problem import null_distribution, p_value

__all__ = ["permutation_test", "PermutationTest"]

# estimator -> (default method, {method: problem builder}, positional arrays it takes)
_BATCHED = {
    mutual_info: ("ksg", {"ksg": knn.mutual_info_problem, "binned": binning.mutual_info_problem}, 2),
    conditional_mutual_info: ("ksg", {"ksg": knn.conditional_mutual_info_problem,
                                      "binned": binning.conditional_mutual_info_problem}, 3),
    transfer_entropy: ("ksg", transfer.PROBLEMS, 2),
}


@dataclass(frozen=True)
class PermutationTest:
    """The estimate, its permutation p-value and the null distribution (the surrogate estimates), in ``unit``."""

    estimate: float
    p_value: float
    null: np.ndarray
    unit: str = "nats"

    def plot(self, ax=None):
        """Histogram of the null distribution with the estimate marked (matplotlib). Returns the axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(5, 3))[1]
        ax.hist(self.null, bins="auto", color="0.7", label=f"null ({self.null.size} surrogates)")
        ax.axvline(self.estimate, color="C3", label=f"estimate, p = {self.p_value:.3g}")
        ax.set_xlabel(self.unit)
        ax.legend(frameon=False)
        return ax


def permutation_test(estimator, *args, n_permutations=1000, seed=0, shuffle="within", progress=None, **kwargs):
    """Permutation test of an estimate: the estimate, its p-value and the null distribution.

    Parameters
    ----------
    estimator : callable
        :func:`infoscope.mutual_info`, :func:`infoscope.conditional_mutual_info` or
        :func:`infoscope.transfer_entropy` (any method: the surrogates run as one batch in the core), or any
        other function of arrays returning a float (then called once per surrogate on its first argument's rows
        permuted).
    *args, **kwargs
        The estimator's arguments, as in a direct call (``method=``, ``k=``, ``base=``, ...; not ``local``).
    n_permutations : int
        Number of surrogates; the smallest attainable p-value is 1 / (n_permutations + 1).
    seed : int
        Seeds the permutations, and also the estimator's tie-breaking noise where it has any, so the estimate
        equals a direct call with the same ``seed``.
    shuffle : {"within", "trials"}
        What is permuted. Mutual information I(X;Y): the rows of y. Conditional MI I(X;Y|Z): the rows of y
        (the null is then "Y independent of X and Z", stronger than conditional independence; a p-value can be
        small when Y depends on Z only). Transfer entropy: the source's past embedding vectors, relative to the
        target's present and past (the null of no transfer; the source's own dynamics are kept within each
        vector). "within" permutes samples within each trial; "trials" gives each trial the source of another,
        whole and in time order (all trials equally long), which keeps the source's full dynamics, as the
        surrogates of TRENTOOL and IDTxl across replications.
    progress : bool or None
        Show a progress bar (tqdm); None shows it on a terminal only.

    Returns
    -------
    PermutationTest
        ``estimate``, ``p_value`` = (1 + #{null >= estimate}) / (1 + n_permutations) (Phipson & Smyth 2010),
        ``null`` (the surrogate estimates), ``unit``.

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(2000); y = x + rng.standard_normal(2000)
    >>> result = isc.stats.permutation_test(isc.mutual_info, x, y, n_permutations=200)
    >>> round(result.estimate, 2), result.p_value
    (0.34, 0.004975124378109453)
    """
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, numbers.Integral) or n_permutations < 1:
        raise ValueError(f"n_permutations must be an integer >= 1, got {n_permutations!r}")
    if "local" in kwargs:
        raise TypeError("permutation_test takes no local=: it tests the estimate")
    base = kwargs.pop("base", math.e)
    divisor = check_output(base)
    batched = _BATCHED.get(estimator)
    if batched is not None and not (estimator is mutual_info and kwargs.get("algorithm", 1) != 1):
        default, builders, n_arrays = batched
        if len(args) != n_arrays:
            raise TypeError(f"{estimator.__name__} takes {n_arrays} arrays, got {len(args)}")
        kwargs.pop("algorithm", None)
        builder = method_function(builders, kwargs.pop("method", default), kwargs, ("first_time",))
        if "seed" in inspect.signature(builder).parameters:
            kwargs["seed"] = seed
        problem = builder(*args, **kwargs)
        estimate = float(np.mean(problem.locals()))
        null = null_distribution(problem, int(n_permutations), seed, shuffle, progress, estimator.__name__)
    else:
        estimate, null = _generic(estimator, args, kwargs, int(n_permutations), seed, shuffle, progress)
    return PermutationTest(estimate / divisor, p_value(estimate, null), null / divisor, unit_name(base))


def _generic(estimator, args, kwargs, n_permutations, seed, shuffle, progress):
    """Any estimator: called on the data, then once per surrogate with its first argument's rows permuted."""
    from tqdm.auto import tqdm

    if shuffle != "within":
        raise ValueError("shuffle='trials' is available for the package's transfer_entropy only")
    if not args:
        raise TypeError("permutation_test needs the estimator's arrays as positional arguments")
    first = np.asarray(args[0])
    estimate = float(estimator(*args, **kwargs))
    rng = np.random.default_rng(seed)
    null = np.empty(n_permutations)
    name = getattr(estimator, "__name__", "estimator")
    for s in tqdm(range(n_permutations), desc=name, unit="surrogate", leave=False,
                  disable=None if progress is None else not progress):
        null[s] = float(estimator(first[rng.permutation(first.shape[0])], *args[1:], **kwargs))
    return estimate, null
