"""Transfer entropy (Schreiber 2000) as a conditional mutual information on a delay embedding.

For a target series Y and a source series X (either may be multivariate),

    TE(X -> Y) = I( Y_t ; X_{t-lag-(l_hist-1)tau}, ..., X_{t-lag} | Y_{t-1-(k_hist-1)tau}, ..., Y_{t-1} [, C] )

where C holds, for each conditioning series W (conditional TE), ``W_{t-c_lag-(c_hist-1)tau}, ..., W_{t-c_lag}``.
Every target time point t whose whole past lies inside its trial is one sample; with several trials (independent
replications of one process) the samples of all trials are pooled into one estimate, and no embedding vector ever
spans two trials. The k-NN family estimates the CMI with Frenzel & Pompe 2007 (the KSG estimator of TE, as JIDT's
``TransferEntropyCalculatorKraskov``); the binned family bins each series once (common bins over all trials) and
counts symbols of the embedded codes.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import numpy as np

from .. import _device
from .._arrays import as_binnable, check_choice, check_k, check_workers, to_numpy
from .._backend import CPU
from .._limits import check_table_memory
from .._native import core
from ._problem import Prepared
from .knn import check_references
from ._transforms import Preprocessing, warn_point_masses, warn_ties
from .binning import CORRECTIONS, BinningOptions

__all__ = ["ksg_transfer_entropy_problem", "binned_transfer_entropy_problem", "DelayEmbedding", "Embedding",
           "conditions", "lagged"]


def _int_at_least(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _trials(a, name: str, reader) -> tuple[list[np.ndarray], bool]:
    """``a`` as a list of (T, d) trials read by ``reader``, and whether it was given as a single series.

    One series: (T,) or (T, d). Several trials: a (trials, T, d) array, or a list/tuple of (T,) or (T, d) arrays.
    """
    if isinstance(a, (list, tuple)) and a and all(_device.is_cuda_array(item) or np.ndim(item) >= 1 for item in a):
        items, single = list(a), False
    elif _device.is_cuda_array(a):
        ndim = len(_device.device_view_shape(a))
        if ndim > 3:
            raise ValueError(f"{name} must be (T,), (T, d) or (trials, T, d); got {ndim} dimensions")
        items, single = (list(a), False) if ndim == 3 else ([a], True)
    else:
        arr = to_numpy(a, name)
        if arr.ndim == 3:
            items, single = list(arr), False
        elif arr.ndim > 3:
            raise ValueError(f"{name} must be (T,), (T, d) or (trials, T, d); got {arr.ndim} dimensions {arr.shape}")
        else:
            items, single = [arr], True
    if not items:
        raise ValueError(f"{name} has no trials")
    trials = [reader(item, name if single else f"{name}[{i}]") for i, item in enumerate(items)]
    if single and trials[0].shape[1] > trials[0].shape[0]:
        raise ValueError(f"{name} has more variables ({trials[0].shape[1]}) than time points ({trials[0].shape[0]}): "
                         f"a 2-D array is one series (T, d); pass trials as a (trials, T, d) array or a list of series")
    dims = {t.shape[1] for t in trials}
    if len(dims) > 1:
        raise ValueError(f"the trials of {name} must have the same number of variables; got {sorted(dims)}")
    return trials, single


@dataclass(frozen=True)
class Embedding:
    """Which time points of each trial are samples: ``first`` .. ``lengths[t] - 1`` of trial t.

    ``single`` records whether the input was one series (local values then come back as one array).
    """

    first: int
    lengths: tuple[int, ...]
    single: bool

    @functools.cached_property
    def trial_starts(self) -> np.ndarray:
        """Row offsets of the trials in the pooled samples (computed once: every estimate asks several times)."""
        return np.concatenate([[0], np.cumsum([n - self.first for n in self.lengths])]).astype(np.int64)

    def align(self, values: np.ndarray):
        """Pooled local values back on each trial's time axis, NaN where a time point has no full past:
        shape (T,) for one series, (trials, T) for equal-length trials, else a list of (T_t,) arrays."""
        out, starts = [], self.trial_starts
        for t, length in enumerate(self.lengths):
            row = np.full(length, np.nan)
            row[self.first:] = values[starts[t]:starts[t + 1]]
            out.append(row)
        if self.single:
            return out[0]
        return np.stack(out) if len(set(self.lengths)) == 1 else out


@dataclass(frozen=True)
class DelayEmbedding:
    """Which past of which series enters a transfer entropy, validated once: an option bundle.

    ``lag``, ``k_hist``, ``l_hist``, ``tau`` as in :func:`infoscope.transfer_entropy`; one lag and history per
    conditioning series (in the order of :func:`conditions`); ``first``, when given, is the earliest target
    time point to use (a later one when the embedding needs it), so that several embeddings share their rows.
    """

    lag: int = 1
    k_hist: int = 1
    l_hist: int = 1
    tau: int = 1
    condition_lags: tuple = ()
    condition_hists: tuple = ()
    first: int | None = None

    @classmethod
    def of(cls, *, lag, k_hist, l_hist, tau, condition_lag, condition_hist, condition_names=(), first=None):
        """The bundle from :func:`infoscope.transfer_entropy`'s arguments; errors name the argument."""
        names = list(condition_names)
        return cls(_int_at_least(lag, "lag", 1), _int_at_least(k_hist, "k_hist", 1),
                   _int_at_least(l_hist, "l_hist", 1), _int_at_least(tau, "tau", 1),
                   tuple(_per_condition(condition_lag, "condition_lag", 0, names)),
                   tuple(_per_condition(condition_hist, "condition_hist", 1, names)), first)

    def offsets(self) -> tuple[list[int], list[int], list[list[int]]]:
        """Steps back from t of the target's past, the source's past and each condition's past."""
        target = [1 + j * self.tau for j in range(self.k_hist)]
        source = [self.lag + j * self.tau for j in range(self.l_hist)]
        conditions = [[c + j * self.tau for j in range(h)] for c, h in zip(self.condition_lags, self.condition_hists)]
        return target, source, conditions

    def first_time(self) -> int:
        """The first target time point with a full past (or ``first``, when later): the deepest offset, computed
        without listing the offsets, so that a history longer than any series is refused before anything is
        allocated."""
        deepest = [1 + (self.k_hist - 1) * self.tau, self.lag + (self.l_hist - 1) * self.tau]
        deepest += [c + (h - 1) * self.tau for c, h in zip(self.condition_lags, self.condition_hists)]
        needed = max(deepest)
        return needed if self.first is None else max(self.first, needed)


def _per_condition(value, name, minimum, condition_names) -> list[int]:
    """One value per conditioning series: an int for all, or a dict keyed as condition."""
    if isinstance(value, dict):
        keys = [f"condition[{key!r}]" for key in value]
        if sorted(keys) != sorted(condition_names):
            raise ValueError(f"{name} as a dict must have the keys of condition; got {list(value)}")
        by_name = dict(zip(keys, value.values()))
        return [_int_at_least(by_name[c], f"{name} of {c}", minimum) for c in condition_names]
    value = _int_at_least(value, name, minimum)
    return [value] * len(condition_names)


def conditions(condition) -> dict:
    """``condition`` as {name: series}: None, one series (named "condition"), or a dict of named series."""
    if condition is None:
        return {}
    if isinstance(condition, dict):
        if not condition:
            raise ValueError("condition is an empty dict; pass None for no conditioning series")
        return {f"condition[{key!r}]": series for key, series in condition.items()}
    return {"condition": condition}


def _series(source, target, conditions: dict, reader):
    """Source, target and condition trials, checked against each other, and whether the input was one series."""
    tgt, single = _trials(target, "target", reader)
    src, _ = _trials(source, "source", reader)
    conds = [_trials(series, name, reader)[0] for name, series in conditions.items()]
    for name, trials in zip(["source", *conditions], [src, *conds]):
        if len(trials) != len(tgt):
            raise ValueError(f"{name} has {len(trials)} trials and target has {len(tgt)}")
        for t, (a, b) in enumerate(zip(trials, tgt)):
            if a.shape[0] != b.shape[0]:
                where = "" if single else f" in trial {t}"
                raise ValueError(f"{name} has {a.shape[0]} time points{where} and target has {b.shape[0]}")
    return src, tgt, conds, single


def _embedding(spec: DelayEmbedding, tgt, single: bool) -> Embedding:
    needed = spec.first_time()
    lengths = tuple(t.shape[0] for t in tgt)
    for t, length in enumerate(lengths):
        if length <= needed:
            where = "the series" if single else f"trial {t}"
            raise ValueError(
                f"{where} has {length} time points, too short for the embedding: its first sample is time point "
                f"{needed} (lag={spec.lag}, k_hist={spec.k_hist}, l_hist={spec.l_hist}, tau={spec.tau}); "
                f"use shorter histories or longer series"
            )
    return Embedding(needed, lengths, single)


def lagged(backend, emb: Embedding, pooled, widths: list[int], blocks) -> object:
    """The delay embedding of pooled series (from ``backend.pool``, series s of ``widths[s]`` columns): one row per
    sample time t of ``emb``, holding for each (series, offsets) of ``blocks``, in order, the values of that series
    at t - offset for each offset (all its columns together). Computed by one gather on the backend; offsets are
    >= 0 and at most ``emb.first``, so no row reaches into the previous trial."""
    first_col = np.cumsum([0] + list(widths))
    back: list[int] = []
    col: list[int] = []
    for series, offsets in blocks:
        for o in offsets:
            back.extend([o] * widths[series])
            col.extend(range(first_col[series], first_col[series + 1]))
    trial_first = np.cumsum([0] + list(emb.lengths))
    rows = np.concatenate([trial_first[t] + np.arange(emb.first, n) for t, n in enumerate(emb.lengths)])
    return backend.gather(pooled, rows, np.array(back, dtype=np.int64), np.array(col, dtype=np.int64))


def _embed(backend, emb: Embedding, spec: DelayEmbedding, pooled, widths: list[int]):
    """The delay embedding of pooled series (series ordered target, source, conditions, of ``widths`` columns):
    the rows target_next | target past, condition pasts | source past, and the widths of those three groups."""
    target_off, source_off, condition_offs = spec.offsets()
    blocks = [(0, [0]), (0, target_off), *[(2 + c, offs) for c, offs in enumerate(condition_offs)], (1, source_off)]
    xzy = lagged(backend, emb, pooled, widths, blocks)
    columns = sum(widths[s] * len(offs) for s, offs in blocks)
    dx, dy = widths[0], widths[1] * len(source_off)
    return xzy, dx, columns - dx - dy, dy


def ksg_transfer_entropy_problem(backend, source, target, *, embedding: DelayEmbedding, condition: dict, k, theiler,
                                 prep: Preprocessing, workers, correction=None, references=1) -> Prepared:
    """The KSG (Frenzel-Pompe) estimate of TE, prepared for surrogates that permute the source's past. On the
    GPU the series are pooled, standardised and embedded on the device. ``condition``: {name: series}, as
    :func:`conditions` names them.

    ``correction="gaussian"`` subtracts the estimator's mean error on ``references`` reference series: paths of
    the linear-Gaussian VAR(p) fitted to the series by least squares (p the embedding's deepest delay), with the
    same trials, embedding, k and Theiler window, whose TE is exact (:func:`var_reference_bias`). A parametric
    bootstrap of the bias (Efron & Tibshirani 1993, ch. 10): the references share the data's serial dependence,
    which puts temporal neighbours among the k nearest and biases KSG TE upwards (about +0.015 nats at N = 2e3
    on a VAR(1)), as well as KSG's small-sample bias; rows drawn independently would miss the first."""
    check_choice(correction, "correction", (None, "gaussian"))
    if correction == "gaussian":
        references = check_references(references)
    src, tgt, conds, single = _series(source, target, condition, backend.samples)
    emb = _embedding(embedding, tgt, single)
    theiler = _int_at_least(theiler, "theiler", 0)
    starts = emb.trial_starts
    samples = int(starts[-1])
    if theiler >= samples:
        raise ValueError(f"theiler={theiler} must be smaller than the number of embedded samples ({samples})")
    workers = check_workers(workers)
    # Standardise and add noise to each series once, before embedding: a value keeps the same perturbation in
    # every embedding vector it enters, as it would in the series itself.
    series = [tgt, src] + conds
    target_off, source_off, condition_offs = embedding.offsets()
    columns = (1 + len(target_off)) * tgt[0].shape[1] + len(source_off) * src[0].shape[1] + sum(
        len(offs) * c[0].shape[1] for offs, c in zip(condition_offs, conds))
    check_table_memory(samples, columns, 4, "k_hist, l_hist",
                       f"a delay embedding of {columns} columns")
    raw = backend.pool(series)
    names = ["target", "source"] + list(condition)
    first_col = np.cumsum([0] + [s[0].shape[1] for s in series])
    warn_point_masses(backend, {name: backend.columns(raw, int(a), int(b - a))
                                for name, a, b in zip(names, first_col[:-1], first_col[1:])}, prep)
    pooled, _ = backend.preprocess(raw, prep)
    xzy, dx, dz, _ = _embed(backend, emb, embedding, pooled, [s[0].shape[1] for s in series])
    check_k(k, xzy.shape[0])
    warn_ties(backend, xzy, k, prep, "the delay embedding")
    bias = 0.0
    if correction == "gaussian":
        options = dict(embedding=embedding, k=k, theiler=theiler, workers=workers)
        bias = var_reference_bias(backend, [backend.host(t) for t in tgt], [backend.host(s) for s in src],
                                  [[backend.host(t) for t in c] for c in conds], list(condition), emb.first,
                                  references, prep, options)
    return Prepared(backend.cmi(xzy, dx, dz, k, workers, starts.tolist(), theiler), emb, bias)


def fit_var(trials: list, order: int):
    """The linear-Gaussian VAR(order) fitted by least squares to (T, D) trials (each centred by the pooled mean):
    a :class:`infoscope.bench.processes.LinearGaussianVAR`; a ValueError when the fit is not stationary."""
    from ..bench.processes import LinearGaussianVAR

    mean = np.vstack(trials).mean(axis=0)
    past_blocks, present_blocks = [], []
    for t in trials:
        c = t - mean
        past_blocks.append(np.hstack([c[order - i:len(c) - i] for i in range(1, order + 1)]))
        present_blocks.append(c[order:])
    past, present = np.vstack(past_blocks), np.vstack(present_blocks)
    coef, *_ = np.linalg.lstsq(past, present, rcond=None)
    d = present.shape[1]
    residual = present - past @ coef
    noise_cov = residual.T @ residual / max(1, len(residual) - coef.shape[0])
    try:
        return LinearGaussianVAR([coef[i * d:(i + 1) * d].T for i in range(order)], noise_cov)
    except ValueError as err:
        raise ValueError(f"correction='gaussian' fits a stationary linear-Gaussian VAR({order}) to the series, but "
                         f"this fit is not one ({err}); detrend the series or use correction=None") from None


def var_reference_bias(backend, tgt: list, src: list, conds: list, condition_names: list, order: int,
                       references: int, prep: Preprocessing, options: dict) -> float:
    """The mean error of KSG TE (``options``: embedding, k, theiler, workers) on ``references`` paths of the VAR
    fitted to the host series (lists of (T, d) trials: target, source, each condition), with the data's trials,
    against the fitted VAR's exact TE (:meth:`LinearGaussianVAR.transfer_entropy`)."""
    spec: DelayEmbedding = options["embedding"]
    widths = [tgt[0].shape[1], src[0].shape[1]] + [c[0].shape[1] for c in conds]
    columns = np.split(np.arange(sum(widths)), np.cumsum(widths)[:-1])
    trials = [np.hstack([t, s] + [c[i] for c in conds]) for i, (t, s) in enumerate(zip(tgt, src))]
    var = fit_var(trials, order)
    groups = [c.tolist() for c in columns[2:]]
    truth = var.transfer_entropy(columns[1].tolist(), columns[0].tolist(), lag=spec.lag, k_hist=spec.k_hist,
                                 l_hist=spec.l_hist, tau=spec.tau, condition=groups,
                                 condition_lag=list(spec.condition_lags), condition_hist=list(spec.condition_hists))
    rng, reference_prep = prep.references(0x7E)
    errors = []
    for _ in range(references):
        paths = [var.simulate(len(t), seed=rng) for t in trials]
        parts = [[p[:, cols] for p in paths] for cols in columns]
        problem = ksg_transfer_entropy_problem(backend, parts[1], parts[0], condition=dict(zip(condition_names, parts[2:])),
                                               prep=reference_prep, **options)
        errors.append(float(np.mean(problem.locals())) - truth)
    return float(np.mean(errors))


def binned_transfer_entropy_problem(backend, source, target, *, embedding: DelayEmbedding, condition: dict,
                                    binning: BinningOptions, correction, workers) -> Prepared:
    """The binned (plug-in or corrected) estimate of TE, prepared for surrogates that permute the source's past.
    Binned TE counts symbols of a few columns on the host: CUDA series are copied there once."""
    host = _device.to_host
    src, tgt, conds, single = _series(host(source), host(target), host(condition), as_binnable)
    emb = _embedding(embedding, tgt, single)
    check_choice(correction, "correction", CORRECTIONS)
    workers = check_workers(workers)

    # Each series becomes one code per time point, binned over all its trials at once (common bins).
    def codes(trials, name):
        ids = binning.symbols(np.vstack(trials), name, workers).ids.astype(np.int64).reshape(-1, 1)
        return np.split(ids, np.cumsum([t.shape[0] for t in trials])[:-1])

    series = [codes(tgt, "target"), codes(src, "source")] + [codes(c, name) for c, name in zip(conds, condition)]
    xzy, dx, dz, _ = _embed(CPU, emb, embedding, CPU.pool(series), [1] * len(series))
    symbols = [binning.symbols(np.ascontiguousarray(xzy[:, a:b]), name, workers) for a, b, name in
               ((0, dx, "target"), (dx, dx + dz, "target"), (dx + dz, xzy.shape[1], "source"))]
    return Prepared(core.BinnedConditionalMI(symbols[0], symbols[1], symbols[2], correction, workers), emb)
