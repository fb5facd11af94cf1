"""Many estimates in one call: MI between all pairs of columns, TE between all ordered pairs of series, and any
list of (conditional) MIs over one data table.

Each call validates and preprocesses the table once (standardisation, copula transforms and tie-breaking noise
per column, as a single estimate does) and hands every estimate to the core at once: on the CPU one call that
spreads the estimates over the thread pool, on a GPU one series of launches. Methods without a many-estimates
path in the core (see :mod:`infoscope.estimators._registry`) run one estimate at a time, with the same numbers.

Every estimate equals the single call (:func:`infoscope.mutual_info`, :func:`infoscope.conditional_mutual_info`,
:func:`infoscope.transfer_entropy`) on the same columns exactly when the method adds no noise (``noise=0``, or a
histogram method); with tie-breaking noise the table draws its noise once for all its columns, so an estimate
can differ from the single call only where the noise decides a tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .. import _device
from .._arrays import as_binnable, check_count, check_seed, to_numpy
from .._backend import backend_for
from .._native import core
from . import gaussian, transfer
from ._problem import Prepared, Trials, null_distribution, p_value
from ._registry import method as find_method
from .binning import BinningOptions

__all__ = ["InfoMatrix", "mutual_info_matrix", "transfer_entropy_matrix", "estimate_many"]


@dataclass(frozen=True)
class InfoMatrix:
    """Estimates laid out with labels: ``values[i, j]`` (``[l, i, j]`` for a lag scan) in ``unit``.

    ``rows`` and ``columns`` label the axes (for TE: source i -> target j); ``lags`` labels the first axis of
    a lag scan. ``p_values`` (same shape) when permutation tests were asked for; ``local`` holds the local values
    of each estimate (its last axis is the sample) when ``local=True``. Entries with no estimate (a variable
    with itself) are NaN.
    """

    values: np.ndarray
    rows: tuple
    columns: tuple
    unit: str
    quantity: str
    method: str
    p_values: Optional[np.ndarray] = None
    local: Optional[np.ndarray] = None
    lags: Optional[tuple] = None

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)

    @property
    def shape(self) -> tuple:
        return self.values.shape

    def to_pandas(self, p_values: bool = False):
        """A pandas DataFrame labelled by rows and columns (a long table for a lag scan: lag, source, target,
        value); ``p_values=True`` gives the p-values instead of the estimates."""
        import pandas as pd

        data = self.p_values if p_values else self.values
        if data is None:
            raise ValueError("no p-values: pass n_permutations > 0")
        if self.lags is None:
            return pd.DataFrame(data, index=list(self.rows), columns=list(self.columns))
        lag, i, j = np.meshgrid(np.arange(len(self.lags)), np.arange(len(self.rows)), np.arange(len(self.columns)),
                                indexing="ij")
        keep = ~np.isnan(self.values)
        return pd.DataFrame({"lag": np.asarray(self.lags)[lag[keep]], "source": np.asarray(self.rows)[i[keep]],
                             "target": np.asarray(self.columns)[j[keep]], "value": data[keep]})

    def plot(self, ax=None, alpha: float = 0.05):
        """A heat map of the values (matplotlib; the largest TE over lags for a scan), significant entries
        (p < alpha) outlined when p-values exist. Returns the axes."""
        import matplotlib.pyplot as plt

        values = self.values if self.lags is None else np.nanmax(self.values, axis=0)
        ax = ax if ax is not None else plt.subplots(figsize=(5, 4))[1]
        image = ax.imshow(values, cmap="viridis")
        ax.figure.colorbar(image, ax=ax, label=f"{self.quantity.replace('_', ' ')} ({self.unit})")
        ax.set_xticks(range(len(self.columns)), [str(c) for c in self.columns], rotation=90)
        ax.set_yticks(range(len(self.rows)), [str(r) for r in self.rows])
        if self.p_values is not None:
            p = self.p_values if self.lags is None else np.nanmin(self.p_values, axis=0)
            for i, j in zip(*np.nonzero(p < alpha)):
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="C3", lw=1.5))
        if self.quantity == "transfer_entropy":
            ax.set_xlabel("target")
            ax.set_ylabel("source")
        return ax


def _groups(groups, width: int, name: str) -> list[np.ndarray]:
    """Column groups: every column alone (None), or a list of column indices (or lists of them)."""
    if groups is None:
        return [np.array([c]) for c in range(width)]
    out = []
    for g, group in enumerate(groups):
        cols = np.atleast_1d(np.asarray(group))
        if cols.size == 0 or cols.ndim != 1 or cols.dtype.kind not in "iu" or (cols < 0).any() or (cols >= width).any():
            raise ValueError(f"{name}[{g}] must be a column index or a non-empty list of column indices below "
                             f"{width}; got {group!r}")
        out.append(cols.astype(np.intp))
    if not out:
        raise ValueError(f"{name} is empty")
    return out


def _bounds(specs: list) -> tuple[np.ndarray, np.ndarray]:
    """The core's flat column list and (count, 4) bounds of [(x cols, z cols, y cols), ...]."""
    columns, bounds, at = [], [], 0
    for x, z, y in specs:
        row = [at, at + len(x), at + len(x) + len(z), at + len(x) + len(z) + len(y)]
        columns += [*x, *z, *y]
        bounds.append(row)
        at = row[3]
    return np.array(columns, dtype=np.uintp), np.array(bounds, dtype=np.uintp).reshape(-1, 4)


class _Table:
    """One table's estimates under one method: the table prepared once for the core's many-estimates path, or
    kept as it is for methods that run one estimate at a time. ``embedded``: a table already preprocessed (and
    delay-embedded) on ``backend``, whose rows are the trials ``trial_starts``."""

    def __init__(self, quantity: str, name, table, options: dict, *, embedded=None, backend=None, trial_starts=None):
        self.method = find_method(quantity, name)
        self.options = options
        self.trial_starts = trial_starts
        # ((x cols, z cols), the last KSG problem prepared)
        self._last_conditioning: tuple[Optional[tuple[tuple, tuple]], Any] = (None, None)
        self.fast = self.method.has_many(options)
        device, self.kwargs = self.method.bind(options)
        # A torch method places its own work (device= reaches it); the others run on one of infoscope's backends.
        self.backend = (backend if backend is not None or self.method.torch_device
                        else backend_for(device, table=table))
        # The data as the estimates read it: a host array, a backend's matrix, or (binned) a list of column symbols.
        self.table: Any
        if self.fast and self.method.many == "gaussian":
            source = embedded if embedded is not None else self.backend.samples(table, "data")
            self.covariances = gaussian.CovarianceTable(_device.to_host(source), self.kwargs["transform"],
                                                        self.kwargs["bias_correction"])
            self.table = self.covariances.standardised
        elif embedded is not None:
            self.table = embedded
        elif not self.fast:
            self.table = table
        elif self.method.many == "ksg":
            self.table, _ = self.backend.preprocess(self.backend.samples(table, "data"), self.kwargs["prep"])
        else:
            binnable = as_binnable(table, "data")
            binning, workers = self.kwargs["binning"], self.kwargs["workers"]
            self.table = [binning.symbols(np.ascontiguousarray(binnable[:, [c]]), f"data[:, {c}]", workers)
                          for c in range(binnable.shape[1])]

    def estimates(self, specs: list, local: bool, progress) -> tuple[np.ndarray, Optional[np.ndarray]]:
        """Estimates (nats) of [(x cols, z cols, y cols), ...] and, with ``local``, their local values."""
        if not specs:
            return np.empty(0), (np.empty((0, 0)) if local else None)
        if self.fast and self.method.many == "gaussian":
            if not local:  # blocks of the table's one covariance matrix
                return np.array([self.covariances.conditional_mutual_info(x, z, y) for x, z, y in specs]), None
            values = np.array([gaussian.GaussianConditionalMI(self.covariances, *spec).locals() for spec in specs])
            return values.mean(axis=1), values
        if self.fast:
            columns, bounds = _bounds(specs)
            kw = self.kwargs
            if self.method.many == "ksg":
                return self.backend.ksg_many(self.table, columns, bounds, kw["k"], kw["workers"], local,
                                             self.trial_starts, self._theiler())
            from .binning import binned_many

            return binned_many(self.table, columns, bounds, correction=kw["correction"], workers=kw["workers"],
                               local=local)
        from tqdm.auto import tqdm

        if local and not self.method.local_values:
            raise ValueError(f"local=True: method={self.method.name!r} has no per-sample (local) values")
        estimate = self.method.estimate
        assert estimate is not None  # every MI and CMI method has one; TE tables are always fast
        rows = []
        for spec in tqdm(specs, desc=self.method.quantity, unit="estimate", leave=False,
                         disable=None if progress is None else not progress):
            rows.append(estimate(self.backend, *self._arrays(spec), **self.kwargs))
        values = np.array(rows)
        if not self.method.local_values:  # one number per estimate (a neural bound)
            return values, None
        return values.mean(axis=1), values if local else None

    def _theiler(self) -> int:
        """The Theiler window, at most the number of rows: a wider one leaves out the same samples."""
        return min(self.kwargs.get("theiler", 0), self.table.shape[0])

    def _arrays(self, spec) -> list:
        """The x, y (and z) columns of one estimate, for the single estimator."""
        x, z, y = spec
        return [self.table[:, x], self.table[:, y]] + ([self.table[:, z]] if len(z) else [])

    def prepared(self, spec) -> Prepared:
        """The estimate of one spec, prepared for surrogates that permute its Y columns (within trials)."""
        if not self.fast:
            assert self.method.problem is not None  # asked only of methods that batch (see _significance)
            return self.method.problem(self.backend, *self._arrays(spec), **self.kwargs)
        x, z, y = spec
        if self.method.many == "gaussian":
            gaussian_cmi = gaussian.GaussianConditionalMI(self.covariances, x, z, y)
            return Prepared(gaussian_cmi, None if self.trial_starts is None else Trials(np.asarray(self.trial_starts)))
        kw = self.kwargs
        if self.method.many == "ksg":
            cols = np.concatenate([x, z, y]).astype(np.int64)
            rows = np.arange(self.table.shape[0], dtype=np.int64)
            xzy = self.backend.gather(self.table, rows, np.zeros(len(cols), dtype=np.int64), cols)
            problem = self.backend.cmi(xzy, len(x), len(z), kw["k"], kw["workers"], self.trial_starts,
                                       self._theiler())
            # Specs given one X and Z (the candidates of a greedy step) share the neighbours that their
            # surrogates walk; only the last problem is kept, as such specs come in a row.
            key = (tuple(x), tuple(z))
            if hasattr(problem, "share_conditioning"):
                if self._last_conditioning[0] == key:
                    problem.share_conditioning(self._last_conditioning[1])
                self._last_conditioning = (key, problem)
        else:  # the joint symbols of each column set
            sx = _joint_symbols(self.table, x, kw["workers"])  # x and y are never empty (see _groups)
            sz = _joint_symbols(self.table, z, kw["workers"]) if len(z) else None
            sy = _joint_symbols(self.table, y, kw["workers"])
            problem = core.BinnedConditionalMI(sx, sz, sy, kw["correction"], kw["workers"])
        return Prepared(problem, None if self.trial_starts is None else Trials(np.asarray(self.trial_starts)))


def _joint_symbols(symbols: list, cols, workers: int):
    """The core's symbols of the tuples of several columns' symbols."""
    ids = np.column_stack([symbols[c].ids for c in cols]).astype(np.int64)
    return BinningOptions().symbols(np.ascontiguousarray(ids), "columns", workers)


def _p_values(prepared, count: int, estimates: np.ndarray, n_permutations: int, seeds: list, shuffle, progress,
              desc: str) -> np.ndarray:
    """Permutation p-values of ``count`` estimates, ``prepared(e)`` giving estimate e's problem (surrogates
    batched in the core); each estimate's seed is derived from its identity (``seeds[e]``), never from the order
    of the work."""
    from tqdm.auto import tqdm

    out = np.empty(count)
    for e in tqdm(range(count), desc=desc, unit="test", leave=False,
                  disable=None if progress is None else not progress):
        rng = np.random.default_rng(np.random.SeedSequence(seeds[e]))
        out[e] = p_value(estimates[e], null_distribution(prepared(e), n_permutations, rng, shuffle, False, desc))
    return out


def _significance(table: _Table, specs: list, estimates: np.ndarray, n_permutations: int, seeds: list,
                  progress, desc: str) -> np.ndarray:
    """:func:`_p_values` of a table's estimates, Y permuted within the whole table."""
    if not table.method.batched(table.options):
        raise ValueError(f"method={table.method.name!r} with these options has no surrogate batch in the core: "
                         f"test single estimates with infoscope.stats.permutation_test")
    return _p_values(lambda e: table.prepared(specs[e]), len(specs), estimates, n_permutations, seeds, "within",
                     progress, desc)


def _unit(base) -> tuple[float, str]:
    from . import check_output, unit_name

    return check_output(base), unit_name(base)


def mutual_info_matrix(X, Y=None, method="ksg", *, groups=None, labels=None, base=math.e, local=False,
                       n_permutations=0, seed=0, progress=None, **options) -> InfoMatrix:
    """Mutual information between all pairs of columns (or column groups) of X, or of each against Y.

    Parameters
    ----------
    X : array_like, shape (N, p)
        The variables, one per column (or per group of ``groups``).
    Y : array_like, shape (N,) or (N, q), optional
        A target: then ``values[i, 0]`` = I(X_i ; Y) (all columns of Y are one variable). Without it,
        ``values[i, j]`` = I(X_i ; X_j) for i != j (symmetric; NaN on the diagonal).
    method : str
        Any method of :func:`infoscope.mutual_info`; "ksg" and "binned" run as one core call.
    groups : list of column indices or lists of them, optional
        Variables made of several columns of X (each group one multivariate variable).
    labels : sequence, optional
        Names of the variables (default: their indices).
    base, local, **options
        As :func:`infoscope.mutual_info` (options apply to every estimate).
    n_permutations, seed, progress
        With ``n_permutations > 0``, each estimate gets a permutation p-value
        (:func:`infoscope.stats.permutation_test`, surrogates batched in the core), seeded per pair.

    Returns
    -------
    InfoMatrix
        Values, labels, p-values, local values; ``.to_pandas()``, ``.plot()``.

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 3)); x[:, 2] = x[:, 0] + 0.5 * rng.standard_normal(2000)
    >>> m = isc.mutual_info_matrix(x)
    >>> m.values.round(1) + 0.0   # (+ 0.0 turns -0.0 into 0.0)
    array([[nan, 0. , 0.8],
           [0. , nan, 0. ],
           [0.8, 0. , nan]])
    """
    divisor, unit = _unit(base)
    n_permutations = check_count(n_permutations, "n_permutations", 0)
    seed = check_seed(seed, generator=False)
    table, width = _host_or_device_table(X, "X")
    variables = _groups(groups, width, "groups")
    names = _labels(labels, len(variables))
    if Y is None:
        data = table
        pairs = [(i, j) for i in range(len(variables)) for j in range(i + 1, len(variables))]
        specs = [(variables[i], np.empty(0, np.intp), variables[j]) for i, j in pairs]
        shape, columns = (len(variables), len(variables)), names
    else:
        data, y_cols = _with_target(table, Y)
        pairs = [(i, 0) for i in range(len(variables))]
        specs = [(variables[i], np.empty(0, np.intp), y_cols) for i, _ in pairs]
        shape, columns = (len(variables), 1), ("y",)
    engine = _Table("mutual_info", method, data, options)
    estimates, local_values = engine.estimates(specs, local, progress)
    values = np.full(shape, np.nan)
    p = np.full(shape, np.nan) if n_permutations else None
    if n_permutations:
        tested = _significance(engine, specs, estimates, n_permutations, [(seed, i, j) for i, j in pairs],
                               progress, "mutual_info_matrix")
    for e, (i, j) in enumerate(pairs):
        values[i, j] = estimates[e] / divisor
        if Y is None:
            values[j, i] = values[i, j]
        if p is not None:  # n_permutations > 0
            p[i, j] = tested[e]
            if Y is None:
                p[j, i] = tested[e]
    return InfoMatrix(values, names, columns, unit, "mutual_info", engine.method.name, p,
                      None if local_values is None else local_values / divisor)


def estimate_many(data, x, y, z=None, method="ksg", *, base=math.e, local=False, n_permutations=0, seed=0,
                  progress=None, **options):
    """Many (conditional) mutual informations over the columns of one table, in one call.

    ``estimate e`` is I(X_e ; Y_e) (or I(X_e ; Y_e | Z_e) when ``z`` is given) with X_e = ``data[:, x[e]]``,
    and so on: ``x``, ``y`` and ``z`` are equally long lists of column indices or lists of them (``z[e]`` may be
    empty for an unconditional estimate). This is the form later analyses use to ask for every candidate of a
    greedy step at once.

    Returns
    -------
    ndarray of the estimates (in the unit of ``base``); with ``local=True`` or ``n_permutations > 0`` a dict
    with ``estimates``, ``local`` ((count, N) local values) and ``p_values``.

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> d = rng.standard_normal((2000, 3)); d[:, 1] += d[:, 0]; d[:, 2] += d[:, 1]
    >>> isc.estimate_many(d, x=[0, 0], y=[2, 2], z=[[], [1]], noise=0).round(1)   # X -> Y -> Z: I(0;2|1) = 0
    array([0.2, 0. ])
    """
    divisor, unit = _unit(base)
    n_permutations = check_count(n_permutations, "n_permutations", 0)
    seed = check_seed(seed, generator=False)
    table, width = _host_or_device_table(data, "data")
    xs, ys = _groups(x, width, "x"), _groups(y, width, "y")
    zs = [np.empty(0, np.intp)] * len(xs) if z is None else [
        np.empty(0, np.intp) if np.size(g) == 0 else _groups([g], width, f"z[{e}]")[0] for e, g in enumerate(z)]
    if not (len(xs) == len(ys) == len(zs)):
        raise ValueError(f"x, y and z must list the same number of estimates; got {len(xs)}, {len(ys)}, {len(zs)}")
    specs = list(zip(xs, zs, ys))
    quantity = "mutual_info" if all(len(s[1]) == 0 for s in specs) else "conditional_mutual_info"
    engine = _Table(quantity, method, table, options)
    if quantity == "conditional_mutual_info" and not engine.fast and any(len(s[1]) == 0 for s in specs):
        raise ValueError(f"method={method!r} needs a z for every estimate (or none for all); only methods with a "
                         f"many-estimates path in the core mix MI and CMI")
    estimates, local_values = engine.estimates(specs, local, progress)
    if not (local or n_permutations):
        return estimates / divisor
    p = (_significance(engine, specs, estimates, n_permutations, [(seed, e) for e in range(len(specs))], progress,
                       "estimate_many") if n_permutations else None)
    return {"estimates": estimates / divisor, "local": None if local_values is None else local_values / divisor,
            "p_values": p, "unit": unit}


def transfer_entropy_matrix(series, lags=1, method="ksg", *, k_hist=1, l_hist=1, tau=1, labels=None,
                            base=math.e, local=False, n_permutations=0, seed=0, shuffle="within", progress=None,
                            **options) -> InfoMatrix:
    """Transfer entropy for every ordered pair of series: ``values[i, j]`` = TE(series i -> series j).

    Parameters
    ----------
    series : array_like, shape (T, S) or (trials, T, S)
        S series of T time points (one variable each), or several trials of them.
    lags : int or sequence of int
        One source-target delay, or a scan: then ``values[l, i, j]`` is the TE at ``lags[l]``, all lags
        estimated on the same target time points (as :func:`infoscope.transfer_entropy_lags`).
    method, k_hist, l_hist, tau, base, **options
        As :func:`infoscope.transfer_entropy`; "ksg" runs as one core call over all pairs and lags.
    n_permutations, seed, shuffle, progress
        Permutation p-values per pair (and lag), as :func:`infoscope.stats.permutation_test`.

    Returns
    -------
    InfoMatrix
        ``values`` (S, S) or (lags, S, S), NaN on the diagonal; ``to_pandas()``, ``plot()``.

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> s = rng.standard_normal((3000, 3))
    >>> s[1:, 1] += 0.8 * s[:-1, 0]; s[1:, 2] += 0.8 * s[:-1, 1]   # 0 -> 1 -> 2
    >>> te = isc.transfer_entropy_matrix(s)
    >>> (te.values > 0.1).astype(int)
    array([[0, 1, 0],
           [0, 0, 1],
           [0, 0, 0]])
    """
    divisor, unit = _unit(base)
    n_permutations = check_count(n_permutations, "n_permutations", 0)
    seed = check_seed(seed, generator=False)
    scan = not isinstance(lags, (int, np.integer))
    lag_list = np.atleast_1d(np.asarray(list(lags) if scan else [lags]))
    if lag_list.size == 0 or lag_list.ndim != 1 or lag_list.dtype.kind not in "iu" or (lag_list < 1).any():
        raise ValueError(f"lags must be an integer >= 1 or a non-empty sequence of them, got {lags!r}")
    te_method = find_method("transfer_entropy", method)
    if te_method.random:
        options.setdefault("seed", seed)
    arrays = _series_table(series)
    n_series = arrays[0].shape[1]
    names = _labels(labels, n_series)
    embedding = transfer.DelayEmbedding.of(lag=int(lag_list.max()), k_hist=k_hist, l_hist=l_hist, tau=tau,
                                           condition_lag=1, condition_hist=1)
    first = embedding.first_time()
    lengths = [a.shape[0] for a in arrays]
    if min(lengths) <= first:
        raise ValueError(f"series of {min(lengths)} time points are too short for the embedding: its first sample is "
                         f"time point {first}")
    target_off, _, _ = embedding.offsets()
    source_offs = [[int(lag) + j * embedding.tau for j in range(embedding.l_hist)] for lag in lag_list]
    offsets = sorted({0, *target_off, *[o for offs in source_offs for o in offs]})
    column = {(s, o): c for c, (s, o) in enumerate((s, o) for s in range(n_series) for o in offsets)}
    specs, keys = [], []
    for li, offs in enumerate(source_offs):
        for i in range(n_series):
            for j in range(n_series):
                if i != j:
                    specs.append((np.array([column[(j, 0)]]), np.array([column[(j, o)] for o in target_off]),
                                  np.array([column[(i, o)] for o in offs])))
                    keys.append((li, i, j))
    shape = (len(lag_list), n_series, n_series)
    if te_method.has_many(options):
        # The series preprocessed once (as a single TE preprocesses its series before embedding), then every
        # (series, offset) column that any pair needs gathered once, on the target time points all pairs share.
        device, kwargs = te_method.bind(options)
        backend = backend_for(device, series=series)
        table = arrays[0] if len(arrays) == 1 else np.vstack(arrays)  # trials stacked: rows in time order
        pooled, _ = backend.preprocess(backend.samples(table, "series"), kwargs["prep"])
        trial_first = np.cumsum([0] + lengths)
        rows = np.concatenate([trial_first[t] + np.arange(first, n) for t, n in enumerate(lengths)])
        back = np.array([o for s in range(n_series) for o in offsets], dtype=np.int64)
        cols = np.array([s for s in range(n_series) for o in offsets], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum([n - first for n in lengths])]).astype(np.int64)
        engine = _Table("transfer_entropy", te_method.name, series, options, backend=backend,
                        embedded=backend.gather(pooled, rows, back, cols), trial_starts=starts.tolist())
        estimates, local_values = engine.estimates(specs, local, progress)
        prepared = lambda e: engine.prepared(specs[e])  # noqa: E731
    else:
        from . import _te_problem

        def prepared(e):  # the single estimator, on the rows all pairs share
            lag, i, j = keys[e]
            source, target = [a[:, i] for a in arrays], [a[:, j] for a in arrays]
            if len(arrays) == 1:
                source, target = source[0], target[0]
            return _te_problem(te_method, source, target, dict(options, lag=int(lag_list[lag]), k_hist=k_hist,
                                                               l_hist=l_hist, tau=tau), first=first)

        values = np.array([prepared(e).locals() for e in range(len(keys))])
        estimates, local_values = values.mean(axis=1), values if local else None
    values = np.full(shape, np.nan)
    p = np.full(shape, np.nan) if n_permutations else None
    if n_permutations:
        seeds = [(seed, int(lag_list[lag]), i, j) for lag, i, j in keys]
        tested = _p_values(prepared, len(keys), estimates, n_permutations, seeds, shuffle, progress,
                           "transfer_entropy_matrix")
    for e, key in enumerate(keys):
        values[key] = estimates[e] / divisor
        if p is not None:  # n_permutations > 0
            p[key] = tested[e]
    locals_out = None if local_values is None else local_values / divisor
    if not scan:
        values, p = values[0], None if p is None else p[0]
    return InfoMatrix(values, names, names, unit, "transfer_entropy", te_method.name, p, locals_out,
                      tuple(int(v) for v in lag_list) if scan else None)


def _labels(labels, count: int) -> tuple:
    if labels is None:
        return tuple(range(count))
    labels = tuple(labels)
    if len(labels) != count:
        raise ValueError(f"labels must name each of the {count} variables; got {len(labels)}")
    return labels


def _host_or_device_table(data, name: str):
    """The table as given (a CUDA array) or as a numpy array, checked to be 2-D, and its number of columns."""
    on_device = _device.is_cuda_array(data)
    table = data if on_device else to_numpy(data, name)
    shape = _device.device_view_shape(table) if on_device else table.shape
    if len(shape) != 2:
        raise ValueError(f"{name} must be a 2-D (N, columns) table; got shape {tuple(shape)}")
    if shape[1] == 0:
        raise ValueError(f"{name} has no columns")
    return table, shape[1]


def _with_target(table, y):
    """[X | Y] on the host and Y's columns in it."""
    x = _device.to_host(table)
    y = to_numpy(_device.to_host(y), "Y")
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    if y.ndim != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"Y must have the {x.shape[0]} rows of X; got shape {y.shape}")
    dtype = np.result_type(x.dtype, y.dtype)
    return np.hstack([x.astype(dtype, copy=False), y.astype(dtype, copy=False)]), np.arange(x.shape[1],
                                                                                              x.shape[1] + y.shape[1])


def _series_table(series) -> list:
    """The series as a list of (T, S) host arrays, one per trial."""
    a = to_numpy(_device.to_host(series), "series")
    if a.ndim == 2:
        return [a]
    if a.ndim == 3:
        return list(a)
    raise ValueError(f"series must be (T, S) or (trials, T, S); got shape {a.shape}")
