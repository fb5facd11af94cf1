"""Significance of estimates: permutation (surrogate) tests, batched in the core.

Under the null hypothesis of no dependence, permuting one variable's samples leaves the distribution of the
estimate unchanged; the estimates on many permuted copies (surrogates) give its null distribution, and the
p-value is the share of surrogates at least as large as the estimate. For the estimators of this package the
surrogates run as one batch in the C++ core, which builds once what the permutation does not change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._arrays import check_count, check_real, check_seed, to_numpy
from ._limits import check_memory
from .estimators import check_output, conditional_mutual_info, mutual_info, prepare, transfer_entropy, unit_name
from .estimators._problem import local_permutations, null_distribution, p_value
from .estimators._registry import method

__all__ = ["permutation_test", "PermutationTest", "conditional_independence_test", "fdr_correction", "subsample",
           "SubsampleEstimate"]

# The package's estimators: (quantity in the method registry, arrays it takes, the argument a surrogate permutes).
_ESTIMATORS = {
    mutual_info: ("mutual_info", 2, 1),
    conditional_mutual_info: ("conditional_mutual_info", 3, 1),
    transfer_entropy: ("transfer_entropy", 2, 0),
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
    shuffle : {"within", "trials", "circular", "block"}
        What is permuted. Mutual information I(X;Y): the rows of y. Conditional MI I(X;Y|Z): the rows of y
        (the null is then "Y independent of X and Z", stronger than conditional independence; a p-value can be
        small when Y depends on Z only: for a test of conditional independence use
        :func:`conditional_independence_test`). Transfer entropy: the source's past embedding vectors, relative
        to the target's present and past (the null of no transfer; the source's own dynamics are kept within each
        vector). "within" permutes samples within each trial; "trials" gives each trial the source of another,
        whole and in time order (all trials equally long), which keeps the source's full dynamics, as the
        surrogates of TRENTOOL and IDTxl across replications; "circular" rotates each trial's rows by a random
        shift (at least a tenth of the trial) and "block" puts blocks of sqrt(length) rows in random order: both
        keep the permuted variable's own dynamics in one long trial.
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
    n_permutations = check_count(n_permutations, "n_permutations", 1)
    seed = check_seed(seed)
    if "local" in kwargs:
        raise TypeError("permutation_test takes no local=: it tests the estimate")
    base = kwargs.pop("base", math.e)
    divisor = check_output(base)
    permuted = 0
    known = _ESTIMATORS.get(estimator)
    if known is not None:
        quantity, n_arrays, permuted = known
        if len(args) != n_arrays:
            raise TypeError(f"{estimator.__name__} takes {n_arrays} arrays, got {len(args)}")
        m = method(quantity, kwargs.pop("method", "ksg"))
        kwargs["method"] = m.name
        if m.random:  # the estimate equals a direct call with the same seed, batched or not
            kwargs["seed"] = seed
    if known is not None and m.batched(kwargs):
        kwargs.pop("method")
        problem = prepare(quantity, m.name, *args, **kwargs)
        estimate = float(np.mean(problem.locals()))
        null = null_distribution(problem, n_permutations, seed, shuffle, progress, estimator.__name__)
    else:
        estimate, null = _generic(estimator, args, kwargs, n_permutations, seed, shuffle, progress, permuted)
    return PermutationTest(estimate / divisor, p_value(estimate, null), null / divisor, unit_name(base))


def _generic(estimator, args, kwargs, n_permutations, seed, shuffle, progress, permuted: int):
    """Any estimator: called on the data, then once per surrogate with the rows of argument ``permuted``
    permuted."""
    from tqdm.auto import tqdm

    if shuffle != "within":
        raise ValueError(f"shuffle={shuffle!r} is available for the package's own estimators only")
    if not args:
        raise TypeError("permutation_test needs the estimator's arrays as positional arguments")
    args = list(args)
    shuffled = np.asarray(args[permuted])
    estimate = float(estimator(*args, **kwargs))
    rng = np.random.default_rng(seed)
    check_memory(8 * n_permutations, "n_permutations", f"{n_permutations} surrogate estimates")
    null = np.empty(n_permutations)
    name = getattr(estimator, "__name__", "estimator")
    for s in tqdm(range(n_permutations), desc=name, unit="surrogate", leave=False,
                  disable=None if progress is None else not progress):
        args[permuted] = shuffled[rng.permutation(shuffled.shape[0])]
        null[s] = float(estimator(*args, **kwargs))
    return estimate, null


def conditional_independence_test(x, y, z, *, k_perm=5, n_permutations=1000, seed=0, progress=None, **kwargs):
    """Test of conditional independence X ⟂ Y | Z by the local permutation test of Runge 2018 (AISTATS,
    "Conditional independence testing based on a nearest-neighbor estimator of conditional mutual information").

    The statistic is the KSG estimate of I(X;Y|Z) (Frenzel & Pompe 2007). Its surrogates move each sample's y only
    to a sample whose z is among its ``k_perm`` nearest (max-norm on standardised z), without replacement where
    possible, so they keep the dependence of Y on Z and break only that of X on Y given Z. A plain shuffle of y
    (:func:`permutation_test`) tests the stronger null "Y independent of (X, Z)" and rejects whenever Y depends on
    Z alone.

    Parameters
    ----------
    x, y, z : array_like, shape (N,) or (N, d)
        Samples (rows), as :func:`infoscope.conditional_mutual_info` takes them.
    k_perm : int
        Neighbours in Z among which y is permuted (Runge's k_perm; 5 to 10 is his recommendation).
    n_permutations, seed, progress
        As :func:`permutation_test`.
    **kwargs
        Options of the KSG estimator (``k``, ``base``, ``noise``, ...).

    Returns
    -------
    PermutationTest

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal(1000); x = z + rng.standard_normal(1000); y = z + rng.standard_normal(1000)
    >>> isc.stats.conditional_independence_test(x, y, z, n_permutations=100).p_value > 0.05   # X ⟂ Y | Z
    True
    >>> isc.stats.conditional_independence_test(x, y + 0.3 * x, z, n_permutations=100).p_value < 0.05
    True
    """
    from . import _core

    n_permutations = check_count(n_permutations, "n_permutations", 1)
    seed = check_seed(seed, generator=False)
    if "local" in kwargs or "method" in kwargs:
        raise TypeError("conditional_independence_test takes no local= or method=: it tests the KSG estimate")
    base = kwargs.pop("base", math.e)
    divisor = check_output(base)
    kwargs.setdefault("seed", seed)
    problem = prepare("conditional_mutual_info", "ksg", x, y, z, **kwargs)
    zs = to_numpy(z, "z").astype(np.float64)
    zs = zs.reshape(len(zs), -1)
    k_perm = check_count(k_perm, "k_perm", 1)
    if k_perm >= len(zs):
        raise ValueError(f"k_perm must be below the number of samples ({len(zs)}), got {k_perm}")
    spread = zs.std(axis=0)
    zs = (zs - zs.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    neighbours = _core.nearest_neighbours(np.ascontiguousarray(zs), k_perm, -1)
    estimate = float(np.mean(problem.locals()))
    null = null_distribution(problem, n_permutations, seed,
                             lambda count, rng: local_permutations(neighbours, count, rng), progress,
                             "conditional_independence_test")
    return PermutationTest(estimate / divisor, p_value(estimate, null), null / divisor, unit_name(base))


def fdr_correction(p_values, alpha=0.05, method="bh"):
    """Which of many tests are significant at false discovery rate ``alpha``.

    "bh": the step-up procedure of Benjamini & Hochberg 1995 (J. R. Stat. Soc. B 57:289), for independent or
    positively dependent tests: the largest i with p_(i) <= alpha i / m, and all smaller p-values, are
    significant. "by": Benjamini & Yekutieli 2001 (Ann. Stat. 29:1165), valid under any dependence: alpha divided
    by sum_{j<=m} 1/j (IDTxl's network FDR default, ``fdr_constant=2``).

    Parameters
    ----------
    p_values : array_like of floats in [0, 1]; NaN entries (tests not run) are never significant.
    alpha : float in (0, 1)
    method : {"bh", "by"}

    Returns
    -------
    ndarray of bool, the shape of ``p_values``.

    Examples
    --------
    >>> import infoscope as isc
    >>> isc.stats.fdr_correction([0.001, 0.02, 0.03, 0.5], alpha=0.05)
    array([ True,  True,  True, False])
    """
    p = np.asarray(p_values, dtype=np.float64)
    alpha = check_real(alpha, "alpha", positive=True)
    if alpha >= 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    if method not in ("bh", "by"):
        raise ValueError(f"method must be 'bh' or 'by', got {method!r}")
    tested = ~np.isnan(p)
    if ((p[tested] < 0) | (p[tested] > 1)).any():
        raise ValueError("p_values must lie in [0, 1] (or be NaN for tests not run)")
    flat = p[tested]
    m = flat.size
    significant = np.zeros(p.shape, dtype=bool)
    if m == 0:
        return significant
    if method == "by":
        alpha = alpha / np.sum(1.0 / np.arange(1, m + 1))
    order = np.argsort(flat, kind="stable")
    below = flat[order] <= alpha * np.arange(1, m + 1) / m
    passed = np.zeros(m, dtype=bool)
    if below.any():
        passed[order[:np.flatnonzero(below).max() + 1]] = True
    significant[tested] = passed
    return significant


@dataclass(frozen=True)
class SubsampleEstimate:
    """An estimate with its standard error and finite-sample bias, both from the estimator's own behaviour on
    disjoint subsamples (see :func:`subsample`), in ``unit``.

    ``sizes`` and ``means`` are the subsample sizes and the mean estimate at each (the last is the full data);
    ``estimates`` holds every subsample estimate per size.
    """

    estimate: float
    std_error: float
    bias: float
    sizes: np.ndarray
    means: np.ndarray
    estimates: tuple
    unit: str = "nats"

    @property
    def corrected(self) -> float:
        """The estimate minus its extrapolated bias."""
        return self.estimate - self.bias

    def plot(self, ax=None):
        """Mean estimate against 1/N with the fitted line to 1/N = 0 (matplotlib). Returns the axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(5, 3))[1]
        inverse = 1.0 / self.sizes
        for size, values in zip(self.sizes, self.estimates):
            ax.plot(np.full(len(values), 1.0 / size), values, ".", color="0.6")
        ax.plot(inverse, self.means, "o", color="C0", label="mean estimate")
        line = np.linspace(0, inverse.max(), 20)
        slope = self.bias * self.sizes[-1]
        ax.plot(line, self.corrected + slope * line, "--", color="C3", label="fit: a + b / N")
        ax.set_xlabel("1 / N")
        ax.set_ylabel(f"estimate ({self.unit})")
        ax.legend(frameon=False)
        return ax


def subsample(estimator, *args, fractions=(0.5, 0.25), split=None, seed=0, **kwargs) -> SubsampleEstimate:
    """Standard error and bias of an estimate from the estimator's own variance across disjoint subsamples.

    The rows of the arrays (all positional arguments, with the same rows) are split into ``1 / f`` disjoint
    subsamples for each fraction f. The spread of the subsample estimates gives the standard error at full size
    (the variance of these estimators falls as 1/N: a spread at size m is scaled by m / N), and a least-squares fit of
    the mean estimate against 1/N, ``E[estimate(N)] = I + b / N``, gives the bias ``b / N`` at full size
    (the extrapolation of Strong et al. 1998, Phys. Rev. Lett. 80, 197, and of Treves & Panzeri 1995).
    A bias that falls more slowly than 1/N (k-NN estimators in high dimension) is only partly captured.

    Parameters
    ----------
    estimator : callable
        Any estimator of this package (or a function of arrays returning a float), e.g. :func:`infoscope.mutual_info`.
    *args, **kwargs
        Its arguments, as in a direct call (``local`` excluded).
    fractions : sequence of float in (0, 0.5]
        Subsample sizes as fractions of N (each split into 1/f disjoint parts).
    split : {"random", "contiguous"} or None
        "random" draws the subsamples from a seeded permutation of the rows; "contiguous" cuts the rows into
        consecutive blocks, which keeps time series whole (the default for transfer entropy).
    seed : int
        Seeds the permutation.

    Returns
    -------
    SubsampleEstimate
        ``estimate`` (on all rows), ``std_error``, ``bias``, ``corrected``, the sizes and means, and ``.plot()``.

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 8, 400); y = (x + rng.integers(0, 3, 400)) % 8
    >>> s = isc.stats.subsample(isc.mutual_info, x, y, method="binned")
    >>> s.bias > 0, round(s.corrected, 2) < round(s.estimate, 2)   # the plug-in estimate is biased upwards
    (True, True)
    """
    if "local" in kwargs:
        raise TypeError("subsample takes no local=: it resamples the estimate")
    if not args:
        raise TypeError("subsample needs the estimator's arrays as positional arguments")
    seed = check_seed(seed)
    try:
        fractions = sorted({float(f) for f in fractions}, reverse=True)
    except (TypeError, ValueError):
        raise TypeError(f"fractions must be a sequence of numbers in (0, 0.5]; got {fractions!r}") from None
    if not fractions or any(not 0 < f <= 0.5 for f in fractions):
        raise ValueError(f"fractions must be numbers in (0, 0.5] (at least two parts each); got {fractions!r}")
    if split is None:  # transfer entropy needs whole stretches of its series
        split = "contiguous" if estimator is transfer_entropy else "random"
    if split not in ("random", "contiguous"):
        raise ValueError(f"split must be 'random' or 'contiguous', got {split!r}")
    arrays = [to_numpy(a, f"args[{i}]") for i, a in enumerate(args)]
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise ValueError(f"args[{i}] must be an array of samples (rows), got a scalar {a!r}")
    n = arrays[0].shape[0]
    if any(a.shape[0] != n for a in arrays):
        raise ValueError("the arrays must have the same number of rows to be subsampled together")
    order = None if split == "contiguous" else np.random.default_rng(seed).permutation(n)
    part_sizes: list[int] = []
    part_estimates: list[np.ndarray] = []
    for f in fractions:
        parts = int(round(1 / f))
        size = n // parts
        if size < 2:
            raise ValueError(f"fraction {f} leaves subsamples of {size} rows from {n}")
        # Contiguous blocks are slices (views); random ones index arrays of the permuted rows.
        blocks = [slice(i * size, (i + 1) * size) if order is None else order[i * size:(i + 1) * size]
                  for i in range(parts)]
        part_estimates.append(np.array([float(estimator(*[a[b] for a in arrays], **kwargs)) for b in blocks]))
        part_sizes.append(size)
    full = float(estimator(*arrays, **kwargs))
    sizes, estimates = np.array(part_sizes + [n], dtype=np.float64), tuple(part_estimates) + (np.array([full]),)
    means = np.array([e.mean() for e in estimates])
    slope = np.polyfit(1.0 / sizes, means, 1)[0]
    # The variance falls as 1/size: each fraction's spread, scaled to N, pooled by its degrees of freedom.
    scaled = [(len(e) - 1, e.var(ddof=1) * size / n) for e, size in zip(estimates[:-1], sizes[:-1])]
    std_error = math.sqrt(sum(dof * v for dof, v in scaled) / sum(dof for dof, _ in scaled))
    return SubsampleEstimate(full, std_error, float(slope / n), sizes, means, estimates,
                             unit_name(kwargs.get("base", math.e)))
