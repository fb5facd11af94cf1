"""The public estimators. Each takes ``method=`` and forwards the method's options to its family module.

Families: :mod:`infoscope.estimators.knn` (k-nearest neighbours) and :mod:`infoscope.estimators.binning`
(histograms of binned or discrete data). Every estimator returns nats by default
(``base=2`` gives bits) and, with ``local=True``, the per-sample values whose mean is the estimate.
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np

from . import binning, knn

__all__ = ["entropy", "mutual_info", "conditional_mutual_info"]

_ENTROPY = {"knn": knn.kl_entropy, "binned": binning.binned_entropy}
_MUTUAL_INFO = {"ksg": knn.ksg_mutual_info, "binned": binning.binned_mutual_info}
_CONDITIONAL_MUTUAL_INFO = {"ksg": knn.ksg_conditional_mutual_info, "binned": binning.binned_conditional_mutual_info}


def _run(table: dict, method, arrays: tuple, options: dict, base, local):
    if method not in table:
        raise ValueError(f"method must be one of {', '.join(map(repr, table))}; got {method!r}")
    fn = table[method]
    accepted = inspect.signature(fn).parameters
    unknown = [name for name in options if name not in accepted or accepted[name].kind is not inspect.Parameter.KEYWORD_ONLY]
    if unknown:
        raise TypeError(f"method={method!r} takes no option {', '.join(map(repr, unknown))}; "
                        f"its options are {', '.join(n for n, p in accepted.items() if p.kind is p.KEYWORD_ONLY)}")
    if isinstance(base, bool) or not isinstance(base, numbers.Real) or not (base > 0 and base != 1) or not math.isfinite(base):
        raise ValueError(f"base must be a positive number other than 1 (e.g. 2 for bits, math.e for nats); got {base!r}")
    if not isinstance(local, (bool, np.bool_)):
        raise TypeError(f"local must be True or False, got {local!r}")
    values = fn(*arrays, **options)
    if base != math.e:
        values = values / math.log(base)
    return values if local else float(np.mean(values))


def entropy(x, method="knn", *, base=math.e, local=False, **options):
    """Differential entropy H(X) of samples x (rows are samples).

    Parameters
    ----------
    x : array_like, shape (N,) or (N, d)
        Samples from numpy, lists, torch (CPU), JAX or any object with ``__array__`` / ``__dlpack__``.
    method : {"knn", "binned"}
        "knn": Kozachenko-Leonenko as in Kraskov et al. 2004, eq. 20 (:func:`infoscope.estimators.knn.kl_entropy`):
        differential entropy of continuous samples.
        "binned": plug-in (Shannon) entropy of discrete symbols or of binned floats, optionally bias-corrected
        (:func:`infoscope.estimators.binning.binned_entropy`). Integer and boolean arrays are symbols as they are.
    base : float
        Logarithm base of the result: e (nats, default), 2 (bits).
    local : bool
        Return the N local values (their mean is the estimate) instead of the estimate.
    **options
        For "knn": ``k=3``, ``metric="chebyshev"|"euclidean"``, ``normalize=False`` (estimate on standardised
        columns, corrected back to the scale of x), ``transform=None|"rank"``, ``noise=0.0``, ``seed=0``,
        ``workers=-1`` (all cores).
        For "binned": ``bins=10`` (a count, or "quantile" with ``quantiles=10``), ``range=(lo, hi)``,
        ``bin_width``, ``out_of_range="raise"|"clip"``, ``correction="plugin"|"miller_madow"|"jackknife"|
        "grassberger"``, ``workers=-1``; see :class:`infoscope.estimators.binning.BinningOptions`.

    Returns
    -------
    float, or ndarray of shape (N,) when ``local=True``.

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> x = np.random.default_rng(0).standard_normal(10_000)
    >>> round(isc.entropy(x, k=3), 2)   # truth: 0.5 * log(2 pi e) = 1.419
    1.43
    >>> isc.entropy([0, 1, 0, 1], method="binned", base=2)   # a fair coin: 1 bit
    1.0
    """
    return _run(_ENTROPY, method, (x,), options, base, local)


def mutual_info(x, y, method="ksg", *, base=math.e, local=False, **options):
    """Mutual information I(X;Y) between paired samples x and y (same number of rows).

    Parameters
    ----------
    x, y : array_like, shape (N,) or (N, d)
        Paired samples; x and y may have different numbers of columns.
    method : {"ksg", "binned"}
        "ksg": Kraskov-Stoegbauer-Grassberger 2004 (:func:`infoscope.estimators.knn.ksg_mutual_info`):
        max-norm, k-th neighbour in the joint space, strict marginal counts (algorithm 1).
        "binned": plug-in MI of discrete or binned samples, H(X) + H(Y) - H(X,Y)
        (:func:`infoscope.estimators.binning.binned_mutual_info`); a row of a 2-D array is one joint symbol.
    base : float
        e (nats, default) or 2 (bits).
    local : bool
        Return the N local values instead of their mean.
    **options
        For "ksg": ``k=3``, ``algorithm=1|2``, ``normalize=True`` (standardise each column), ``transform=None|
        "rank"`` (copula transform), ``noise=1e-10`` (Gaussian, relative to each column's standard deviation,
        to break ties), ``seed=0``, ``workers=-1``.
        For "binned": the options of :func:`entropy` with method="binned", applied to every float array.

    Returns
    -------
    float, or ndarray of shape (N,) when ``local=True``. KSG estimates can be slightly negative when X and Y
    are independent; they are not clipped.

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(10_000); y = 0.8 * x + 0.6 * rng.standard_normal(10_000)
    >>> round(isc.mutual_info(x, y), 2)   # truth: -0.5 * log(1 - 0.8**2) = 0.511
    0.51
    """
    return _run(_MUTUAL_INFO, method, (x, y), options, base, local)


def conditional_mutual_info(x, y, z, method="ksg", *, base=math.e, local=False, **options):
    """Conditional mutual information I(X;Y|Z) of paired samples x, y, z.

    Parameters
    ----------
    x, y, z : array_like, shape (N,) or (N, d)
        Paired samples with the same number of rows.
    method : {"ksg", "binned"}
        "ksg": Frenzel & Pompe 2007 (:func:`infoscope.estimators.knn.ksg_conditional_mutual_info`).
        "binned": H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) of discrete or binned samples
        (:func:`infoscope.estimators.binning.binned_conditional_mutual_info`).
    base : float
        e (nats, default) or 2 (bits).
    local : bool
        Return the N local values instead of their mean.
    **options
        For "ksg": ``k=3``, ``normalize=True``, ``transform=None|"rank"``, ``noise=1e-10``, ``seed=0``,
        ``workers=-1``. For "binned": as :func:`entropy` with method="binned".

    Returns
    -------
    float, or ndarray of shape (N,) when ``local=True``.
    """
    return _run(_CONDITIONAL_MUTUAL_INFO, method, (x, y, z), options, base, local)
