"""Information dynamics of one process: how much of its next value its own past stores, how much its past
tells about its future, and which uniform delay embedding (history length k, spacing tau) captures that past.

- Active information storage (Lizier, Prokopenko & Zomaya 2012, "Local measures of information storage in
  complex distributed computation", Information Sciences 208, 39-54):
  ``A = I(X_t ; X_{t-1}, X_{t-1-tau}, ..., X_{t-1-(k_hist-1)tau})``.
- Predictive information (Bialek, Nemenman & Tishby 2001, "Predictability, complexity, and learning", Neural
  Computation 13, 2409-2463), the excess entropy at finite length (Crutchfield & Feldman 2003, "Regularities
  unseen, randomness observed", Chaos 13, 25-54):
  ``I(X_{t-1}, ..., X_{t-1-(k_past-1)tau} ; X_t, ..., X_{t+k_future-1})``.
- Uniform embedding selection as JIDT's auto-embedding (``AUTO_EMBED_METHOD``): the Ragwitz criterion (Ragwitz &
  Kantz 2002, "Markov models from data by simple nonlinear time series predictors in delay embedding spaces",
  Phys. Rev. E 65, 056201) and the largest AIS.

Both measures are mutual informations on a delay embedding of the series: the series is read (trials as
:func:`infoscope.transfer_entropy` reads its target), preprocessed once before embedding, embedded by the same
gather as transfer entropy (:func:`infoscope.estimators.transfer.lagged`), and estimated by the core's KSG problem
(:meth:`infoscope._backend.Backend.cmi` with no condition) or its histogram problem. No embedding vector spans two
trials. A grid of embeddings is one lagged table and one many-estimates call of the core.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .. import _device
from .._arrays import as_binnable, check_choice, check_count, check_k
from .._backend import CPU, backend_for
from .._limits import check_table_memory
from .._native import core
from ..estimators import check_output, transfer, unit_name
from ..estimators._problem import Prepared
from ..estimators._registry import _BINNED, _KNN_PREP, _RUN, Method
from ..estimators._transforms import warn_point_masses, warn_ties
from ..estimators.binning import binned_many
from ..estimators.many import _bounds

__all__ = ["active_information_storage", "predictive_information", "ragwitz_embedding", "max_ais_embedding",
           "EmbeddingSearch"]

# The methods of the measures: the registry's Method objects (option checking, defaults, the preprocessing and
# binning bundles built once), not entered in its table. k = 4 neighbours as JIDT's AIS calculator.
_METHODS = {
    "ksg": Method("active_information_storage", "ksg", {"k": 4, "algorithm": 1, "theiler": 0, **_KNN_PREP, **_RUN},
                  random=True),
    "binned": Method("active_information_storage", "binned", _BINNED),
}
# The Ragwitz criterion reads the preprocessed series on the host (the core's k-d tree): no device, no estimator.
_RAGWITZ = Method("ragwitz", "ragwitz", {"theiler": 0, **_KNN_PREP, "workers": -1})

_OPTIONS_DOC = """For "ksg": ``k=4`` (neighbours), ``algorithm=1`` (KSG algorithm 1 or 2; JIDT's AIS calculator
        defaults to 2), ``theiler=0`` (neighbours at most this many time steps away in the same trial are left
        out), ``normalize=True``, ``transform=None``, ``noise=1e-10``, ``seed=0``, ``workers=-1``,
        ``device="auto"``, as :func:`infoscope.transfer_entropy`: each series is standardised and gets its
        tie-breaking noise once, before embedding. For "binned": the binning options of
        :func:`infoscope.entropy` (``bins``, ``range``, ``bin_width``, ``quantiles``, ``out_of_range``),
        ``correction="plugin"`` and ``workers``; floats are binned once over all trials, integer and boolean
        series are symbols as they are, a multivariate time point is one joint symbol."""


@dataclass(frozen=True)
class _Embedding(transfer.Embedding):
    """:class:`infoscope.estimators.transfer.Embedding` whose samples are anchored ``lead`` steps after the time
    point their local value belongs to (predictive information: anchored at the last future value, belonging to
    the first)."""

    lead: int = 0

    def align(self, values: np.ndarray):
        aligned = super().align(values)
        if not self.lead:
            return aligned

        def shifted(row):
            return np.concatenate([row[self.lead:], np.full(self.lead, np.nan)])

        if isinstance(aligned, list):
            return [shifted(row) for row in aligned]
        return shifted(aligned) if aligned.ndim == 1 else np.stack([shifted(row) for row in aligned])


class _Process:
    """One process's trials, read and preprocessed once for a method: standardised, tie-broken series for "ksg"
    (as transfer entropy preprocesses its series before embedding), one symbol per time point with common bins
    over all trials for "binned". Every embedding of it is one gather of the same table."""

    def __init__(self, series, spec: Method, options: dict, backend=None):
        device, self.options = spec.bind(options)
        self.binned = "binning" in self.options
        if not self.binned:
            self.backend = backend if backend is not None else backend_for(device, series=series)
            trials, self.single = transfer._trials(series, "series", self.backend.samples)
            raw = self.backend.pool([trials])
            prep = self.options["prep"]
            warn_point_masses(self.backend, {"series": raw}, prep)
            self.table, _ = self.backend.preprocess(raw, prep)
            self.width = trials[0].shape[1]
        else:
            self.backend = CPU  # histograms count symbols on the host
            trials, self.single = transfer._trials(_device.to_host(series), "series", as_binnable)
            symbols = self.options["binning"].symbols(np.vstack(trials), "series", self.options["workers"])
            self.table = symbols.ids.astype(np.int64).reshape(-1, 1)
            self.width = 1
        self.lengths = tuple(t.shape[0] for t in trials)

    def embedding(self, deepest: int, lead: int, what: str) -> _Embedding:
        """The sample times of an embedding reaching ``deepest`` steps back; too short a trial names the
        arguments in ``what``."""
        for t, length in enumerate(self.lengths):
            if length <= deepest:
                where = "series" if self.single else f"trial {t} of series"
                raise ValueError(f"{where} has {length} time points, too short for the embedding ({what}): its "
                                 f"first sample needs {deepest} earlier time points; use a shorter embedding or "
                                 "longer series")
        return _Embedding(deepest, self.lengths, self.single, lead)

    def lagged(self, emb: _Embedding, offsets: list):
        """The (samples, len(offsets) * width) table of the series at t - offset for each offset."""
        samples = int(emb.trial_starts[-1])
        check_table_memory(samples, len(offsets) * self.width, 4, "k_hist, tau",
                           f"a delay embedding of {len(offsets) * self.width} columns")
        return transfer.lagged(self.backend, emb, self.table, [self.width], [(0, offsets)])

    def _check_knn(self, samples: int) -> None:
        check_k(self.options["k"], samples)
        check_choice(self.options["algorithm"], "algorithm", (1, 2))
        if self.options["theiler"] >= samples:
            raise ValueError(f"theiler={self.options['theiler']} must be smaller than the number of embedded "
                             f"samples ({samples})")

    def problem(self, future: list, past: list, what: str) -> Prepared:
        """I(future ; past) (offsets back from the sample time; the future's are the smaller) on its own
        samples: every time point whose whole past lies inside its trial."""
        emb = self.embedding(max(past), max(future), what)
        table = self.lagged(emb, future + past)
        dx = len(future) * self.width
        o = self.options
        if not self.binned:
            self._check_knn(table.shape[0])
            warn_ties(self.backend, table, o["k"], o["prep"], "the delay embedding")
            return Prepared(self.backend.cmi(table, dx, 0, o["k"], o["workers"], emb.trial_starts.tolist(),
                                             o["theiler"], o["algorithm"]), emb)
        binning, workers = o["binning"], o["workers"]
        x, y = (binning.symbols(np.ascontiguousarray(part), name, workers)
                for part, name in ((table[:, :dx], "the future"), (table[:, dx:], "the past")))
        return Prepared(core.BinnedConditionalMI(x, None, y, o["correction"], workers), emb)

    def grid(self, pasts: list, what: str) -> tuple[np.ndarray, int]:
        """I(X_t ; past) in nats for each past (offsets) of ``pasts``, all on the same samples (the time points
        that have the deepest past), and the number of samples: one lagged table, one core call (KSG algorithm
        1 and histograms; algorithm 2 has no many-estimates path and runs one problem per past)."""
        emb = self.embedding(max(max(p) for p in pasts), 0, what)
        offsets = sorted({0, *(o for p in pasts for o in p)})
        table = self.lagged(emb, offsets)
        w = self.width
        cols = {o: list(range(i * w, (i + 1) * w)) for i, o in enumerate(offsets)}
        specs: list[tuple[list[int], list[int], list[int]]] = [(cols[0], [], [c for o in p for c in cols[o]])
                                                               for p in pasts]
        columns, bounds = _bounds(specs)
        o, starts, samples = self.options, emb.trial_starts.tolist(), table.shape[0]
        if self.binned:
            binning, workers = o["binning"], o["workers"]
            symbols = [binning.symbols(np.ascontiguousarray(table[:, [c]]), "series", workers)
                       for c in range(table.shape[1])]
            return binned_many(symbols, columns, bounds, correction=o["correction"], workers=workers,
                               local=False)[0], samples
        self._check_knn(samples)
        warn_ties(self.backend, table, o["k"], o["prep"], "the delay embedding")
        if o["algorithm"] == 1:
            return self.backend.ksg_many(table, columns, bounds, o["k"], o["workers"], False, starts,
                                         o["theiler"])[0], samples
        rows = np.arange(samples, dtype=np.int64)
        estimates = []
        for x, _, y in specs:
            sub = self.backend.gather(table, rows, np.zeros(len(x) + len(y), dtype=np.int64),
                                      np.array(x + y, dtype=np.int64))
            problem = self.backend.cmi(sub, len(x), 0, o["k"], o["workers"], starts, o["theiler"], 2)
            estimates.append(float(np.mean(problem.locals())))
        return np.array(estimates), samples


def _method(name) -> Method:
    return _METHODS[check_choice(name, "method", tuple(_METHODS))]


def _int_at_least(value, name: str, minimum: int) -> int:
    return transfer._int_at_least(value, name, minimum)


def _estimate(problem: Prepared, base, local: bool):
    values = problem.locals()
    if base != math.e:
        values = values / math.log(base)
    return problem.align(values) if local else float(np.mean(values))


def active_information_storage(series, k_hist=1, tau=1, method="ksg", *, base=math.e, local=False, **options):
    """Active information storage of a process: the information its past holds about its next value,

    ``A = I(X_t ; X_{t-1}, X_{t-1-tau}, ..., X_{t-1-(k_hist-1)tau})``

    (Lizier, Prokopenko & Zomaya 2012, "Local measures of information storage in complex distributed
    computation", Information Sciences 208, 39-54), estimated as a mutual information on the delay embedding.

    Parameters
    ----------
    series : array_like
        One series, (T,) or (T, d); or several trials (replications) of one process, as a (trials, T, d) array
        or a list of (T,) / (T, d) arrays, as :func:`infoscope.transfer_entropy` reads its ``target``. Trials are
        pooled into one estimate; no embedding vector spans two trials.
    k_hist : int >= 1
        Length of the past (JIDT's ``k_HISTORY``).
    tau : int >= 1
        Spacing of the past values (JIDT's ``TAU``).
    method : {"ksg", "binned"}
        "ksg": the KSG mutual information (Kraskov, Stoegbauer & Grassberger 2004; max-norm) between the next
        value and the past, as JIDT's ``ActiveInfoStorageCalculatorKraskov``. "binned": the plug-in (or
        bias-corrected) mutual information of the symbols of the next value and of the past.
    base : float
        e (nats, default) or 2 (bits).
    local : bool
        Return the local AIS of each time point instead of the estimate: shape (T,) for one series,
        (trials, T) for equally long trials, else a list; NaN at the first ``1 + (k_hist - 1) tau`` time points
        of each trial, which have no full past. ``np.nanmean`` of it is the estimate.
    **options
        {options}

    Returns
    -------
    float, or the local values (see ``local``).

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> from infoscope.bench.processes import LinearGaussianVAR
    >>> ar2 = LinearGaussianVAR([[[1.2]], [[-0.5]]], [[1.0]])   # X_t = 1.2 X_{t-1} - 0.5 X_{t-2} + e_t
    >>> x = ar2.simulate(5000, seed=0)[:, 0]
    >>> round(ar2.active_information_storage(0, k_hist=2), 3)   # the truth
    0.655
    >>> round(isc.active_information_storage(x, k_hist=2), 2)
    0.65
    >>> round(isc.active_information_storage([0, 1] * 500, method="binned", base=2), 3)   # a 2-cycle stores 1 bit
    1.0
    """
    k_hist = _int_at_least(k_hist, "k_hist", 1)
    tau = _int_at_least(tau, "tau", 1)
    check_output(base, local)
    process = _Process(series, _method(method), options)
    past = [1 + j * tau for j in range(k_hist)]
    return _estimate(process.problem([0], past, f"k_hist={k_hist}, tau={tau}"), base, local)


def predictive_information(series, k_past=1, k_future=1, tau=1, method="ksg", *, base=math.e, local=False,
                           **options):
    """Predictive information of a process: the information its past holds about its future,

    ``I(X_{t-1}, X_{t-1-tau}, ..., X_{t-1-(k_past-1)tau} ; X_t, X_{t+1}, ..., X_{t+k_future-1})``

    (Bialek, Nemenman & Tishby 2001, "Predictability, complexity, and learning", Neural Computation 13,
    2409-2463); with long enough blocks it approaches the excess entropy (Crutchfield & Feldman 2003,
    "Regularities unseen, randomness observed", Chaos 13, 25-54). The future values are consecutive, as in JIDT's
    ``PredictiveInfoCalculator``; ``k_future=1`` is :func:`active_information_storage`.

    Parameters
    ----------
    series : array_like
        As :func:`active_information_storage`.
    k_past, k_future : int >= 1
        Lengths of the past and of the future blocks.
    tau : int >= 1
        Spacing of the past values.
    method : {"ksg", "binned"}
        As :func:`active_information_storage`.
    base : float
        e (nats, default) or 2 (bits).
    local : bool
        Return the local value of each time point t (the first future value) instead of the estimate, laid out
        as :func:`active_information_storage`'s; NaN where t has no full past or no full future.
    **options
        As :func:`active_information_storage`.

    Returns
    -------
    float, or the local values (see ``local``).

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> from infoscope.bench.processes import LinearGaussianVAR
    >>> ar2 = LinearGaussianVAR([[[1.2]], [[-0.5]]], [[1.0]])
    >>> x = ar2.simulate(5000, seed=0)[:, 0]
    >>> round(ar2.predictive_information(0, k_past=2, k_future=2), 3)   # the truth
    0.799
    >>> round(isc.predictive_information(x, k_past=2, k_future=2), 2)   # KSG's bias in 4 dimensions
    0.78
    """
    k_past = _int_at_least(k_past, "k_past", 1)
    k_future = _int_at_least(k_future, "k_future", 1)
    tau = _int_at_least(tau, "tau", 1)
    check_output(base, local)
    process = _Process(series, _method(method), options)
    # Samples are anchored at the last future value: the future lies 0 .. k_future - 1 steps back, the past after it.
    future = list(range(k_future))
    past = [k_future + j * tau for j in range(k_past)]
    return _estimate(process.problem(future, past, f"k_past={k_past}, k_future={k_future}, tau={tau}"), base, local)


@dataclass(frozen=True)
class EmbeddingSearch:
    """The result of a uniform embedding search: the chosen history length ``k_hist`` and spacing ``tau``, and
    the criterion at every candidate, ``values[i, j]`` at ``k_values[i]``, ``tau_values[j]`` (in ``unit``).

    ``criterion`` names what was optimised ("prediction_error", minimised; "active_information_storage",
    maximised). Every candidate was evaluated on the same ``samples`` time points. With k_hist = 1 the spacing
    does not enter the embedding, so that row holds one value; ties go to the smaller k_hist, then tau.
    """

    k_hist: int
    tau: int
    k_values: np.ndarray
    tau_values: np.ndarray
    values: np.ndarray
    criterion: str
    unit: str
    samples: int

    def to_pandas(self):
        """A long pandas DataFrame: one row per candidate, columns k_hist, tau and the criterion."""
        import pandas as pd

        k, tau = np.meshgrid(self.k_values, self.tau_values, indexing="ij")
        return pd.DataFrame({"k_hist": k.ravel(), "tau": tau.ravel(), self.criterion: self.values.ravel()})

    def plot(self, ax=None):
        """The criterion against k_hist, one line per tau, the chosen embedding marked (matplotlib). Returns the
        axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(5, 3))[1]
        for j, tau in enumerate(self.tau_values):
            ax.plot(self.k_values, self.values[:, j], marker="o", ms=3, label=f"tau = {tau}")
        i, j = list(self.k_values).index(self.k_hist), list(self.tau_values).index(self.tau)
        ax.plot([self.k_hist], [self.values[i, j]], "o", ms=10, mfc="none", color="C3",
                label=f"chosen: k = {self.k_hist}, tau = {self.tau}")
        ax.set_xlabel("k_hist (history length)")
        ax.set_ylabel(f"{self.criterion.replace('_', ' ')}" + (f" ({self.unit})" if self.unit else ""))
        ax.legend(frameon=False, fontsize="small")
        return ax


def _grid_values(values, name: str) -> np.ndarray:
    """A non-empty sequence of distinct integers >= 1, sorted."""
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of integers, got {values!r}") from None
    if not items:
        raise ValueError(f"{name} must not be empty")
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must hold integers, got {v!r}")
        if v < 1:
            raise ValueError(f"{name} must hold integers >= 1, got {v}")
    if len(set(items)) != len(items):
        raise ValueError(f"{name} repeats a value: {items}")
    return np.array(sorted(int(v) for v in items))


def _candidates(k_values, tau_values) -> tuple[np.ndarray, np.ndarray, list, np.ndarray]:
    """The grid, its distinct pasts (k = 1 is the same past for every tau) and, per grid cell, its past's index."""
    ks, taus = _grid_values(k_values, "k_values"), _grid_values(tau_values, "tau_values")
    pasts: dict[tuple[int, ...], int] = {}
    index = np.empty((len(ks), len(taus)), dtype=np.intp)
    for i, k in enumerate(ks):
        for j, tau in enumerate(taus):
            past = tuple(1 + m * int(tau) for m in range(int(k)))
            index[i, j] = pasts.setdefault(past, len(pasts))
    return ks, taus, [list(p) for p in pasts], index


def _search(ks, taus, table: np.ndarray, criterion: str, unit: str, samples: int, best) -> EmbeddingSearch:
    i, j = np.unravel_index(int(best(table)), table.shape)  # first occurrence: ties go to smaller k, then tau
    return EmbeddingSearch(int(ks[i]), int(taus[j]), ks, taus, table, criterion, unit, samples)


def _what(ks, taus) -> str:
    return f"k_values up to {ks.max()}, tau_values up to {taus.max()}"


def _nearest(space: np.ndarray, n: int, trial: np.ndarray, time: np.ndarray, theiler: int, workers: int) -> np.ndarray:
    """The n nearest rows (max-norm) of every row of ``space``, leaving out the row and the rows of its trial at
    most ``theiler`` steps away; among rows at the same distance the lower index first (the core's
    :func:`nearest_neighbours`), so that ties (frequent between delay vectors that share values) are resolved
    reproducibly. At most 2 * theiler rows are left out besides the row itself, so the n kept are among the
    n + 2 * theiler nearest."""
    idx = core.nearest_neighbours(np.ascontiguousarray(space, dtype=np.float64), min(n + 2 * theiler, space.shape[0] - 1), workers).astype(np.intp)
    if theiler == 0:
        return idx
    excluded = (trial[idx] == trial[:, None]) & (np.abs(time[idx] - time[:, None]) <= theiler)
    return np.take_along_axis(idx, np.argsort(excluded, axis=1, kind="stable")[:, :n], axis=1)


def ragwitz_embedding(series, k_values=range(1, 11), tau_values=range(1, 4), n_neighbours=4, **options):
    """The uniform embedding (k_hist, tau) whose past best predicts the next value by the local-constant
    predictor: the Ragwitz criterion (Ragwitz & Kantz 2002, "Markov models from data by simple nonlinear time
    series predictors in delay embedding spaces", Phys. Rev. E 65, 056201), as JIDT's
    ``AUTO_EMBED_METHOD=RAGWITZ``.

    For each candidate, the next value X_t of every sample is predicted by the mean of the next values of the
    ``n_neighbours`` samples whose pasts ``X_{t-1}, ..., X_{t-1-(k-1)tau}`` are nearest (max-norm, the sample
    itself and its Theiler window left out, ties to the earlier sample); the criterion is the mean squared
    prediction error (summed over the columns of a multivariate series), in units of the series' variance when
    ``normalize=True``. The candidate of the smallest error is chosen. All candidates are evaluated on the same time points (those with the deepest
    past of the grid), so their errors compare directly. Like the AIS criterion it separates a past longer
    than the process's order only by estimation noise (AR(2) of the example: k = 2 in 8 of 8 seeds at N = 3000;
    k = 2 and 3 within 3% of each other at N = 10^4). Neighbours are found by the core's k-d tree.

    Parameters
    ----------
    series : array_like
        As :func:`active_information_storage` (trials pooled; neighbours may come from any trial).
    k_values, tau_values : sequence of int >= 1
        The grid searched (JIDT: 1 .. ``AUTO_EMBED_K_SEARCH_MAX`` and 1 .. ``AUTO_EMBED_TAU_SEARCH_MAX``).
    n_neighbours : int >= 1
        Neighbours averaged by the predictor (JIDT's ``AUTO_EMBED_RAGWITZ_NUM_NNS``, by default its k = 4).
    **options
        ``theiler=0``, ``normalize=True``, ``transform=None``, ``noise=1e-10``, ``seed=0``, ``workers=-1``: the
        preprocessing of the "ksg" method of :func:`active_information_storage`, applied to the series once.

    Returns
    -------
    EmbeddingSearch
        ``k_hist``, ``tau``, the table of prediction errors (``values``), ``to_pandas()``, ``plot()``.

    Examples
    --------
    >>> import infoscope as isc
    >>> from infoscope.bench.processes import LinearGaussianVAR
    >>> x = LinearGaussianVAR([[[1.2]], [[-0.5]]], [[1.0]]).simulate(3000, seed=0)[:, 0]   # an AR(2)
    >>> found = isc.networks.ragwitz_embedding(x, k_values=range(1, 6), tau_values=[1, 2, 3])
    >>> found.k_hist, found.tau
    (2, 1)
    """
    ks, taus, pasts, index = _candidates(k_values, tau_values)
    n_neighbours = check_count(n_neighbours, "n_neighbours", 1)
    for name in options:
        if name not in _RAGWITZ.defaults:
            raise TypeError(f"ragwitz_embedding takes no option {name!r}; its options are "
                            f"{', '.join(_RAGWITZ.defaults)}")
    process = _Process(series, _RAGWITZ, options, backend=CPU)
    emb = process.embedding(max(max(p) for p in pasts), 0, _what(ks, taus))
    offsets = sorted({0, *(o for p in pasts for o in p)})
    table = process.lagged(emb, offsets)
    theiler, workers = process.options["theiler"], process.options["workers"]
    samples, w = table.shape[0], process.width
    if n_neighbours + 2 * theiler + 1 > samples:
        raise ValueError(f"n_neighbours={n_neighbours} (with theiler={theiler}) needs at least "
                         f"{n_neighbours + 2 * theiler + 1} embedded samples; the grid leaves {samples}")
    starts = emb.trial_starts
    trial = np.searchsorted(starts, np.arange(samples), side="right") - 1
    time = np.arange(samples) - starts[trial]
    cols = {o: list(range(i * w, (i + 1) * w)) for i, o in enumerate(offsets)}
    following = table[:, cols[0]]
    errors = []
    for past in pasts:
        space = np.ascontiguousarray(table[:, [c for o in past for c in cols[o]]])
        neighbours = _nearest(space, n_neighbours, trial, time, theiler, workers)
        predicted = following[neighbours].mean(axis=1)
        errors.append(float(np.mean(np.sum((following - predicted) ** 2, axis=1))))
    unit = "variance" if process.options["prep"].normalize else ""
    return _search(ks, taus, np.array(errors)[index], "prediction_error", unit, samples, np.argmin)


def max_ais_embedding(series, k_values=range(1, 11), tau_values=range(1, 4), *, base=math.e, **options):
    """The uniform embedding (k_hist, tau) of the largest KSG active information storage, as JIDT's
    ``AUTO_EMBED_METHOD=MAX_CORR_AIS`` with its KSG calculator.

    JIDT maximises the "bias-corrected" AIS; for its KSG calculator no further correction is subtracted (the
    KSG estimator's own bias correction is taken as enough), so the criterion is the KSG AIS itself
    (:func:`active_information_storage` with method "ksg"). Its bias falls with the embedding's dimension, so a
    longer past wins only when it adds more information than the estimator loses; a past longer than the
    process's order stores no more, and the choice between them rests on that bias and on noise (on the AR(2)
    of the example, k = 2 at N = 3000 in 8 of 8 seeds; at N = 10^4 k = 2 and 3 lie within 0.01 nats and either
    is chosen). All candidates are estimated
    on the same time points (those with the deepest past of the grid; JIDT gives each candidate its own), in one
    call of the core's many-estimates path.

    Parameters
    ----------
    series : array_like
        As :func:`active_information_storage`.
    k_values, tau_values : sequence of int >= 1
        The grid searched (JIDT: 1 .. ``AUTO_EMBED_K_SEARCH_MAX`` and 1 .. ``AUTO_EMBED_TAU_SEARCH_MAX``).
    base : float
        e (nats, default) or 2 (bits) for the table.
    **options
        The options of method "ksg" of :func:`active_information_storage`.

    Returns
    -------
    EmbeddingSearch
        ``k_hist``, ``tau``, the table of AIS estimates (``values``), ``to_pandas()``, ``plot()``.

    Examples
    --------
    >>> import infoscope as isc
    >>> from infoscope.bench.processes import LinearGaussianVAR
    >>> x = LinearGaussianVAR([[[1.2]], [[-0.5]]], [[1.0]]).simulate(3000, seed=0)[:, 0]   # an AR(2)
    >>> found = isc.networks.max_ais_embedding(x, k_values=range(1, 6), tau_values=[1, 2, 3])
    >>> found.k_hist, found.tau
    (2, 1)
    >>> found.to_pandas().round(3).head(4)
       k_hist  tau  active_information_storage
    0       1    1                       0.517
    1       1    2                       0.517
    2       1    3                       0.517
    3       2    1                       0.666
    """
    ks, taus, pasts, index = _candidates(k_values, tau_values)
    check_output(base)
    for name in options:
        if name not in _METHODS["ksg"].defaults:
            raise TypeError(f"max_ais_embedding takes no option {name!r} (it maximises the KSG AIS); its options "
                            f"are {', '.join(_METHODS['ksg'].defaults)}")
    process = _Process(series, _METHODS["ksg"], options)
    estimates, samples = process.grid(pasts, _what(ks, taus))
    table = np.asarray(estimates)[index] / math.log(base)
    return _search(ks, taus, table, "active_information_storage", unit_name(base), samples, np.argmax)


for _function in (active_information_storage, predictive_information):
    assert _function.__doc__ is not None  # both have docstrings
    _function.__doc__ = _function.__doc__.replace("{options}", _OPTIONS_DOC)
