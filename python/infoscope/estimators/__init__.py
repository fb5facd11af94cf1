"""The public estimators. Each takes ``method=`` and forwards the method's options to its family module.

Families: :mod:`infoscope.estimators.knn` (k-nearest neighbours) and :mod:`infoscope.estimators.binning`
(histograms of binned or discrete data); :mod:`infoscope.estimators.transfer` builds transfer entropy on both.
Every estimator returns nats by default (``base=2`` gives bits) and, with ``local=True``, the per-sample values whose mean is the estimate.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .._arrays import check_count, check_seed
from .._backend import backend_for
from . import binning, gaussian, kde, knn, transfer
from ._problem import Prepared, null_distribution, p_value
from ._registry import METHODS, options_doc
from ._registry import method as find_method

__all__ = ["entropy", "mutual_info", "conditional_mutual_info", "transfer_entropy", "transfer_entropy_lags", "LagScan",
           "prepare", "METHODS", "mutual_info_matrix", "transfer_entropy_matrix", "estimate_many", "InfoMatrix",
           "multi_information"]


def check_output(base, local=False) -> float:
    """Validates base and local; returns log(base), the divisor that converts nats."""
    if (isinstance(base, bool) or not isinstance(base, numbers.Real)
            or not (base > 0 and base != 1)  # type: ignore[operator]  # typeshed: Real lacks __gt__
            or not math.isfinite(base)):
        raise ValueError(f"base must be a positive number other than 1 (e.g. 2 for bits, math.e for nats); got {base!r}")
    if not isinstance(local, (bool, np.bool_)):
        raise TypeError(f"local must be True or False, got {local!r}")
    return math.log(base)


def unit_name(base) -> str:
    return "nats" if base == math.e else ("bits" if base == 2 else f"log base {base}")


def _run(quantity: str, name, arrays: dict, options: dict, base, local):
    """One estimate through the registry: options bound once, the backend chosen once, the family called once."""
    m = find_method(quantity, name)
    divisor = check_output(base, local)
    if local and not m.local_values:
        raise ValueError(f"local=True: method={name!r} is a bound on the mean over the distribution and has no "
                         "per-sample (local) values; use method='ksg' for local MI")
    device, kwargs = m.bind(options)
    backend = None if m.torch_device else backend_for(device, **arrays)
    assert m.estimate is not None  # every method of these quantities has one (transfer entropy's do not)
    values = m.estimate(backend, *arrays.values(), **kwargs)
    if base != math.e:
        values = values / divisor
    return values if local else float(np.mean(values))


def prepare(quantity: str, name, *arrays, **options) -> Prepared:
    """The estimate of ``quantity`` ("mutual_info", "conditional_mutual_info" or "transfer_entropy") by method
    ``name`` on ``arrays``, prepared in the core for surrogates that permute Y (for TE: the source's past); the
    options are those of the public estimator. A ValueError names a method whose surrogates the core does not
    batch under these options."""
    m = find_method(quantity, name)
    if not m.batched(options):
        raise ValueError(f"method={name!r} of {quantity} has no surrogate batch in the core with these options")
    if quantity == "transfer_entropy":
        source, target = arrays
        return _te_problem(m, source, target, options)
    names = ("x", "y", "z")[:len(arrays)]
    device, kwargs = m.bind(options)
    assert m.problem is not None  # m.batched says so
    return m.problem(backend_for(device, **dict(zip(names, arrays))), *arrays, **kwargs)


def entropy(x, method="knn", *, base=math.e, local=False, **options):
    """Differential entropy H(X) of samples x (rows are samples).

    Parameters
    ----------
    x : array_like, shape (N,) or (N, d)
        Samples from numpy, lists, torch (CPU), JAX or any object with ``__array__`` / ``__dlpack__``.
    method : {"knn", "binned", "gaussian", "kde"}
        "knn": Kozachenko-Leonenko as in Kraskov et al. 2004, eq. 20 (:func:`infoscope.estimators.knn.kl_entropy`):
        differential entropy of continuous samples.
        "binned": plug-in (Shannon) entropy of discrete symbols or of binned floats, optionally bias-corrected
        (:func:`infoscope.estimators.binning.binned_entropy`). Integer and boolean arrays are symbols as they are.
        "gaussian": entropy of the Gaussian with the samples' covariance (:mod:`infoscope.estimators.gaussian`).
        "kde": pairwise-distance bound on the entropy of x plus Gaussian noise of variance ``noise_var``
        (Kolchinsky & Tracey 2017; :func:`infoscope.estimators.kde.kde_entropy`).
        With ``discrete=`` (one bool per column, True or "auto"), method "knn" gives H(D) + h(C | D) of the
        discrete columns D and continuous columns C (:func:`infoscope.estimators.mixed.kl_entropy`).
    base : float
        Logarithm base of the result: e (nats, default), 2 (bits).
    local : bool
        Return the N local values (their mean is the estimate) instead of the estimate.
    **options
{options}

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
    return _run("entropy", method, {"x": x}, options, base, local)


def mutual_info(x, y, method="ksg", *, base=math.e, local=False, **options):
    """Mutual information I(X;Y) between paired samples x and y (same number of rows).

    Parameters
    ----------
    x, y : array_like, shape (N,) or (N, d)
        Paired samples; x and y may have different numbers of columns.
    method : {"ksg", "kl", "binned", "gaussian", "mine", "nwj", "infonce", "smile"}
        "ksg": Kraskov-Stoegbauer-Grassberger 2004 (:func:`infoscope.estimators.knn.ksg_mutual_info`):
        max-norm, k-th neighbour in the joint space, strict marginal counts (algorithm 1).
        "kl": three Kozachenko-Leonenko entropies (:func:`infoscope.estimators.knn.kl_mutual_info`).
        "binned": plug-in MI of discrete or binned samples, H(X) + H(Y) - H(X,Y)
        (:func:`infoscope.estimators.binning.binned_mutual_info`); a row of a 2-D array is one joint symbol.
        "gaussian": Gaussian (CCA) MI, or the Gaussian copula MI with ``transform="normal"``.
        With ``discrete=`` (method "ksg"), discrete or mixed arguments take the estimators of
        :mod:`infoscope.estimators.mixed`: Ross 2014 for a label and a continuous variable, e.g.
        ``discrete=(True, False)`` for discrete x; Gao et al. 2017 for two discrete or mixed ones ("mixed": atoms
        such as a ReLU's zeros); "auto" marks integer and boolean arrays discrete. Discrete values get no noise.
        With ``device="cuda"`` they run on the host.
        "mine", "nwj", "infonce", "smile": variational lower bounds from a critic network trained on part of the
        samples and evaluated on the rest (:mod:`infoscope.torch.neural_mi`, needs PyTorch; on a GPU with CUDA
        tensors or ``device="cuda"``): MINE (Belghazi et al. 2018), NWJ (Nguyen, Wainwright & Jordan 2010),
        InfoNCE (van den Oord et al. 2018, at most the log of its held-out block), SMILE (Song & Ermon 2020). In high
        dimension they stay closer to the truth than k-NN estimators; they have no local values.
    base : float
        e (nats, default) or 2 (bits).
    local : bool
        Return the N local values instead of their mean (not for the neural bounds: a ValueError).
    **options
{options}

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
    return _run("mutual_info", method, {"x": x, "y": y}, options, base, local)


def conditional_mutual_info(x, y, z, method="ksg", *, base=math.e, local=False, **options):
    """Conditional mutual information I(X;Y|Z) of paired samples x, y, z.

    Parameters
    ----------
    x, y, z : array_like, shape (N,) or (N, d)
        Paired samples with the same number of rows. For "ksg", ``z=None`` or a z with no columns conditions on
        nothing: the estimate is then :func:`mutual_info`'s, to the bit.
    method : {"ksg", "binned", "gaussian"}
        "ksg": Frenzel & Pompe 2007 (algorithm 1), or KSG algorithm 2 in the form of Wibral et al. 2014, as JIDT's
        ``ConditionalMutualInfoCalculatorMultiVariateKraskov2``
        (:func:`infoscope.estimators.knn.ksg_conditional_mutual_info`).
        "binned": H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) of discrete or binned samples
        (:func:`infoscope.estimators.binning.binned_conditional_mutual_info`).
        With ``discrete=`` (one entry per x, y, z, or True, "mixed", "auto"), method "ksg" takes Mesner & Shalizi
        2020 (:func:`infoscope.estimators.mixed.ksg_conditional_mutual_info`).
    base : float
        e (nats, default) or 2 (bits).
    local : bool
        Return the N local values instead of their mean.
    **options
{options}

    Returns
    -------
    float, or ndarray of shape (N,) when ``local=True``.
    """
    return _run("conditional_mutual_info", method, {"x": x, "y": y, "z": z}, options, base, local)


def multi_information(*xs, method="ksg", base=math.e, local=False, **options):
    """Multi-information (total correlation) I(X_1; ...; X_m) = H(X_1) + ... + H(X_m) - H(X_1, ..., X_m) of m >= 2
    variables, paired samples x1, x2, ..., xm: zero exactly when the variables are independent.

    Parameters
    ----------
    x1, x2, ... : array_like, shape (N,) or (N, d)
        At least two variables with the same number of rows; each may have several columns (one variable, one
        marginal space).
    method : {"ksg"}
        "ksg": the multi-variable KSG estimator of Kraskov, Stoegbauer & Grassberger 2004 (Phys. Rev. E 69,
        066138), eqs. 11 (algorithm 1) and 12 (algorithm 2), as JIDT's ``MultiInfoCalculatorKraskov1/2``
        (:func:`infoscope.estimators.knn.ksg_multi_information`). With two variables it is :func:`mutual_info`,
        to the bit. On a GPU (``device="cuda"``) it runs on the host: the CUDA backend has no kernels for it.
    base : float
        e (nats, default) or 2 (bits).
    local : bool
        Return the N local values instead of their mean.
    **options
{options}

    Returns
    -------
    float, or ndarray of shape (N,) when ``local=True``.

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> s = rng.standard_normal(5000)
    >>> x1, x2, x3 = (s + rng.standard_normal(5000) for _ in range(3))
    >>> round(isc.multi_information(x1, x2, x3), 2)   # truth: -0.5 * log(det C) = 0.347, C the correlation matrix
    0.36
    """
    return _run("multi_information", method, {f"x{v + 1}": a for v, a in enumerate(xs)}, options, base, local)


_TE_EMBEDDING = ("lag", "k_hist", "l_hist", "tau", "condition", "condition_lag", "condition_hist")


def _te_problem(m, source, target, options: dict, first=None) -> Prepared:
    """The prepared TE of method m: the embedding arguments (with their defaults) and the method's options,
    bound once."""
    options = dict(options)
    embedding = {name: options.pop(name) for name in _TE_EMBEDDING if name in options}
    condition = embedding.pop("condition", None)
    conditions = transfer.conditions(condition)
    spec = transfer.DelayEmbedding.of(**{"lag": 1, "k_hist": 1, "l_hist": 1, "tau": 1, "condition_lag": 1,
                                         "condition_hist": 1, **embedding}, condition_names=list(conditions),
                                      first=first)
    device, kwargs = m.bind(options)
    backend = backend_for(device, source=source, target=target, condition=condition)
    return m.problem(backend, source, target, embedding=spec, condition=conditions, **kwargs)


def transfer_entropy(source, target, method="ksg", *, lag=1, k_hist=1, l_hist=1, tau=1, condition=None,
                     condition_lag=1, condition_hist=1, base=math.e, local=False, **options):
    """Transfer entropy TE(source -> target) (Schreiber 2000), the information the source's past adds about the
    target's next value beyond the target's own past:

    ``TE = I(target_t ; source_{t-lag-(l_hist-1)tau}, ..., source_{t-lag} | target_{t-1-(k_hist-1)tau}, ..., target_{t-1})``

    Parameters
    ----------
    source, target : array_like
        One series, (T,) or (T, d); or several trials (replications) of one process, as a (trials, T, d) array
        or a list of (T,) / (T, d) arrays. Source and target may have different numbers of variables but must
        have the same trials and time points. Trials are pooled into one estimate; no embedding vector spans two
        trials, and each trial loses its first time points to the embedding.
    method : {"ksg", "binned"}
        "ksg": the Frenzel-Pompe CMI estimator on the embedding (KSG algorithm 1 in form, max-norm), as JIDT's
        ``TransferEntropyCalculatorKraskov``. "binned": plug-in (or bias-corrected) CMI of symbols; float series
        are binned once over all their time points with the options of :func:`entropy` (method="binned"),
        integer and boolean series (e.g. binarised activations) are symbols already. "ksg" with ``discrete=``
        ((source, target) entries, True, "mixed" or "auto"): the Mesner-Shalizi CMI on the embedding
        (:func:`infoscope.estimators.mixed.ksg_transfer_entropy_problem`), e.g. a binary source and a continuous
        target.
    lag : int >= 1
        Source-target delay u: the most recent source value used for target_t is source_{t-lag}. JIDT's
        ``DELAY``. Instantaneous coupling (lag 0) is not transfer and is rejected; condition on a
        contemporaneous series with ``condition_lag=0`` instead.
    k_hist, l_hist : int >= 1
        Lengths of the target's and the source's pasts: JIDT's ``k_HISTORY`` and ``l_HISTORY``.
    tau : int >= 1
        Spacing of the past values of every history: JIDT's ``k_TAU`` and ``l_TAU`` (one value for both here).
    condition : array_like or dict of array_like, optional
        Other series to condition on (conditional TE): one series, or {name: series} for several. Each enters
        with its values ``W_{t-condition_lag-(condition_hist-1)tau}, ..., W_{t-condition_lag}``.
    condition_lag : int >= 0 or dict
        Delay of each conditioning series (one for all, or {name: lag}); 0 conditions on the present value.
    condition_hist : int >= 1 or dict
        History length of each conditioning series.
    base : float
        e (nats, default) or 2 (bits).
    local : bool
        Return local TE per time point instead of the estimate: shape (T,) for one series, (trials, T) for
        equally long trials, else a list; NaN at the first time points of each trial, which have no full past.
        ``np.nanmean`` of it is the estimate.
    **options
{options}
        For "ksg", standardisation and noise are applied to each series before embedding; the Theiler window
        counts time steps within a trial, as JIDT's ``DYN_CORR_EXCL``.

    Returns
    -------
    float, or the local values (see ``local``). KSG estimates of a TE of zero scatter around zero and can be
    negative; test significance with :func:`infoscope.stats.permutation_test`.

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(5000)
    >>> y = np.zeros(5000)
    >>> for t in range(1, 5000):
    ...     y[t] = 0.5 * y[t - 1] + 0.6 * x[t - 1] + 0.5 * rng.standard_normal()
    >>> round(isc.transfer_entropy(x, y), 2)   # truth: 0.5 * log(1 + 0.36 / 0.25) = 0.446; KSG's bias at N=5000
    0.47
    >>> round(isc.transfer_entropy(y, x), 2)   # nothing flows back
    0.0
    """
    m = find_method("transfer_entropy", method)
    divisor = check_output(base, local)
    problem = _te_problem(m, source, target, dict(options, lag=lag, k_hist=k_hist, l_hist=l_hist, tau=tau,
                                                  condition=condition, condition_lag=condition_lag,
                                                  condition_hist=condition_hist))
    values = problem.locals()
    if base != math.e:
        values = values / divisor
    return problem.align(values) if local else float(np.mean(values))


@dataclass(frozen=True)
class LagScan:
    """Transfer entropy over a range of source-target delays, all estimated on the same target time points.

    ``te[i]`` is the TE at ``lags[i]`` (in ``unit``); ``p_values[i]`` its permutation p-value when surrogates
    were asked for, else None. The interaction delay is usually taken as the lag of the largest TE
    (Wibral et al. 2013): :attr:`best_lag`.
    """

    lags: np.ndarray
    te: np.ndarray
    p_values: np.ndarray | None
    unit: str

    @property
    def best_lag(self) -> int:
        return int(self.lags[int(np.argmax(self.te))])

    def plot(self, ax=None, alpha: float = 0.05):
        """TE against lag (matplotlib); lags with p < alpha are marked when p-values exist. Returns the axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(5, 3))[1]
        ax.plot(self.lags, self.te, marker="o", color="C0", label="TE")
        if self.p_values is not None:
            significant = self.p_values < alpha
            ax.plot(self.lags[significant], self.te[significant], "o", color="C3", label=f"p < {alpha}")
            ax.legend(frameon=False)
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_xlabel("lag (time steps)")
        ax.set_ylabel(f"transfer entropy ({self.unit})")
        return ax


def transfer_entropy_lags(source, target, lags=range(1, 11), method="ksg", *, k_hist=1, l_hist=1, tau=1,
                          condition=None, condition_lag=1, condition_hist=1, base=math.e, n_permutations=0, seed=0,
                          shuffle="within", progress=None, **options) -> LagScan:
    """Transfer entropy at each source-target delay in ``lags``, to find the interaction delay.

    Every lag is estimated on the same target time points (those that have a full past at the largest lag), so
    the values differ only through the lag. Other arguments are those of :func:`transfer_entropy`; with
    ``n_permutations > 0`` each lag also gets the p-value of :func:`infoscope.stats.permutation_test`
    (``seed``, ``shuffle`` and ``progress`` as there).

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(1)
    >>> x = rng.standard_normal(4000)
    >>> y = np.concatenate([np.zeros(3), 0.8 * x[:-3]]) + 0.6 * rng.standard_normal(4000)
    >>> isc.transfer_entropy_lags(x, y, lags=range(1, 6)).best_lag
    3
    """
    lags = np.asarray(list(lags))
    if lags.size == 0 or lags.ndim != 1 or lags.dtype.kind not in "iu" or (lags < 1).any():
        raise ValueError(f"lags must be a non-empty sequence of integers >= 1, got {lags!r}")
    n_permutations = check_count(n_permutations, "n_permutations", 0)
    seed = check_seed(seed)
    m = find_method("transfer_entropy", method)
    divisor = check_output(base)
    embedding = dict(k_hist=k_hist, l_hist=l_hist, tau=tau, condition=condition, condition_lag=condition_lag,
                     condition_hist=condition_hist)
    first = transfer.DelayEmbedding.of(lag=int(lags.max()), k_hist=k_hist, l_hist=l_hist, tau=tau,
                                       condition_lag=condition_lag, condition_hist=condition_hist,
                                       condition_names=list(transfer.conditions(condition))).first_time()
    if m.random:  # the estimate's noise is seeded as in permutation_test
        options.setdefault("seed", seed)
    te, p_values = [], []
    for lag in lags:
        problem = _te_problem(m, source, target, dict(options, lag=int(lag), **embedding), first=first)
        te.append(float(np.mean(problem.locals())))
        if n_permutations:
            null = null_distribution(problem, n_permutations, seed, shuffle, progress, f"lag {lag}")
            p_values.append(p_value(te[-1], null))
    return LagScan(lags, np.array(te) / divisor, np.array(p_values) if n_permutations else None, unit_name(base))


# The options sections of the docstrings, generated from the registry (each option documented once there).
for _function, _quantity in ((entropy, "entropy"), (mutual_info, "mutual_info"),
                             (conditional_mutual_info, "conditional_mutual_info"),
                             (transfer_entropy, "transfer_entropy"), (multi_information, "multi_information")):
    assert _function.__doc__ is not None  # None only under python -OO, which drops this assert too
    _function.__doc__ = _function.__doc__.replace("{options}", options_doc(_quantity))

# Many estimates in one call, built on the functions above.
from .many import InfoMatrix, estimate_many, mutual_info_matrix, transfer_entropy_matrix  # noqa: E402
