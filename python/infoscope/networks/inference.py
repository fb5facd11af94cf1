"""Directed networks of transfer entropy: for each target, the (source, lag) variables that carry information
about its next value, chosen by a greedy cascade of conditional mutual informations with surrogate tests.

The cascade is that of Lizier & Rubinov 2012 (Max Planck Institute MIS preprint 25/2012, "Multivariate
construction of effective computational networks from observational data"), Faes, Nollo & Porta 2011 (Phys.
Rev. E 83:051112, non-uniform embedding) and Novelli, Wollstadt, Mediano, Wibral & Lizier 2019 (Network
Neuroscience 3:827, "Large-scale directed network inference with multivariate transfer entropy and
hierarchical statistical testing"), with IDTxl's defaults (Wollstadt et al. 2019, JOSS 4:1081):

1. the target's past: candidates X_{t-1}, X_{t-1-tau}, ... up to ``max_lag_target``; the candidate with the
   largest I(candidate ; X_t | selected) joins the selected set while it passes a maximum-statistic test (its
   value against the maximum over all candidates of surrogate values); if none does, X_{t-1} is kept;
2. the sources' past: every (source, lag), lag in ``min_lag_sources..max_lag_sources``, the same way, conditioned
   on everything selected so far (multivariate) or on the target's past and that source's own selection
   (bivariate);
3. pruning: the selected source variable with the smallest I(var ; X_t | all other selected) leaves while it
   fails a minimum-statistic test;
4. an omnibus test of I(all selected source variables ; X_t | target's past) against surrogates that permute
   them jointly; a target that fails it has no incoming links;
5. sequential maximum statistics: the selected variables' conditional MIs, in decreasing order, each against
   the distribution of the same rank among the surrogates' sorted values; the first to fail and all below it
   are dropped.

Across targets, the omnibus p-values are corrected for the false discovery rate (:func:`infoscope.stats.fdr_correction`).
Every CMI of a step is one batched core call (``ksg_many``); the surrogates of each tested variable run in
batches on a problem that keeps what the permutations do not change. The maximum- and minimum-statistic tests
compute only the surrogates that decide them (their decisions equal those of the full surrogate table): most
of a step that selects nothing ends after a few batches. Targets are independent: they run in turn
in-process (each using every core), or as tasks of a Dask cluster (``client=``), each with a seed derived from
the call's seed and the target's index, so the result does not depend on where or in which order they run.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from .._arrays import check_count, check_real, check_seed, to_numpy
from .._backend import CPU, backend_for
from ..estimators._problem import check_shuffle, p_value, permutations
from ..estimators._registry import method as find_method
from ..estimators._transforms import Preprocessing
from ..estimators.many import _Table
from .result import Network, TargetResult

__all__ = ["multivariate_te_network", "bivariate_te_network", "nonuniform_embedding"]

Variable = tuple  # (process, lag): the process's value at time t - lag; lag 0 is the target's present
NETWORK_METHODS = ("ksg", "gaussian")  # conditional MI estimators whose surrogates the core batches
_BATCH = 16  # surrogates drawn together; fixed, so that the draws never depend on how many were computed


@dataclass(frozen=True)
class Settings:
    """The options of one network analysis (checked by :func:`_settings`); picklable, so Dask tasks take it."""

    analysis: str
    max_lag_sources: int
    min_lag_sources: int
    max_lag_target: int
    tau_sources: int
    tau_target: int
    n_perm_max_stat: int
    n_perm_min_stat: int
    n_perm_omnibus: int
    n_perm_max_seq: int
    alpha_max_stat: float
    alpha_min_stat: float
    alpha_omnibus: float
    alpha_max_seq: float
    shuffle: str
    method: str = "ksg"
    null: str = "permutation"
    options: dict = field(default_factory=dict)
    threads: int = -1  # the core's threads for the shuffles (and KSG's workers=); -1: all

    @property
    def max_lag(self) -> int:
        return max(self.max_lag_sources, self.max_lag_target)


class LaggedTable:
    """Every process at every lag 0..max_lag as the columns of one table whose rows are the time points t that
    have all of them (each trial loses its first max_lag points): column ``column((p, lag))`` holds x_p(t - lag).
    The series are preprocessed once, before the lags are taken (each process standardised over all its time
    points, as IDTxl's ``Data(normalise=True)``; for KSG the tie-breaking noise added once per value), on the
    backend the estimator options choose; ``values`` is the table there and ``backend`` that backend."""

    def __init__(self, trials: list, max_lag: int, method: str, options: dict):
        self.max_lag = max_lag
        self.processes = trials[0].shape[1]
        device, kwargs = find_method("conditional_mutual_info", method).bind(options)
        if "prep" in kwargs:  # KSG
            self.backend, prep = backend_for(device, data=trials[0]), kwargs["prep"]
        else:  # a Gaussian estimate runs on the CPU, needs no tie-breaking noise and applies its transform later
            self.backend, prep = CPU, Preprocessing(normalize=True, transform=None, noise=0.0)
        pooled, _ = self.backend.preprocess(self.backend.samples(np.vstack(trials), "data"), prep)
        first = np.cumsum([0] + [len(t) for t in trials])
        rows = np.concatenate([first[r] + np.arange(max_lag, len(t)) for r, t in enumerate(trials)])
        lags = np.arange(max_lag + 1)
        self.values = self.backend.gather(pooled, rows.astype(np.int64), np.tile(lags, self.processes).astype(np.int64),
                                          np.repeat(np.arange(self.processes), max_lag + 1).astype(np.int64))
        self.trial_starts = np.concatenate([[0], np.cumsum([len(t) - max_lag for t in trials])]).astype(np.int64)

    def column(self, variable: Variable) -> int:
        process, lag = variable
        return process * (self.max_lag + 1) + lag

    def columns(self, variables) -> np.ndarray:
        return np.array([self.column(v) for v in variables], dtype=np.intp)


class Cascade:
    """The greedy selection and the tests for one target, on one table."""

    def __init__(self, trials: list, target: int, settings: Settings, seed: int):
        self.settings = settings
        self.lagged = LaggedTable(trials, settings.max_lag, settings.method, settings.options)
        self.engine = _Table("conditional_mutual_info", settings.method, None, dict(settings.options),
                             embedded=self.lagged.values,
                             backend=self.lagged.backend, trial_starts=self.lagged.trial_starts.tolist())
        self.present = self.lagged.columns([(target, 0)])
        self.target = target
        self.seed = seed
        self.tests = 0
        self._maps = self._chosen = np.empty((0, 0), dtype=np.uint32)  # row-map buffers of _surrogates

    def spec(self, variables, conditioning) -> tuple:
        """I(variables ; present | conditioning) in the table engine's (x, z, y) form; y is what surrogates permute."""
        return self.present, self.lagged.columns(conditioning), self.lagged.columns(variables)

    def cmi(self, specs: list) -> np.ndarray:
        return self.engine.estimates(specs, False, False)[0]

    def _test(self) -> int:
        """A new test's number: the seed of its surrogates is (seed, target, test, spec, batch), never derived
        from where or when the target runs."""
        self.tests += 1
        return self.tests - 1

    def _rng(self, test: int, spec: int, batch: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, self.target, test, spec, batch]))

    def _surrogates(self, problem, test: int, spec: int, begin: int, end: int, rows=None) -> np.ndarray:
        """Surrogate values begin..end of one spec (whole batches of _BATCH, the last one possibly short), or only
        those at ``rows`` of that range: the estimates under permutations of its Y, or draws from the analytic
        null distribution."""
        batches = range(begin, end, _BATCH)
        if self.settings.null == "analytic":
            values = np.concatenate([problem.analytic_null(self._rng(test, spec, b // _BATCH), min(_BATCH, end - b))
                                     for b in batches])
            return values if rows is None else values[rows]
        # The row maps go to buffers kept for the whole cascade: allocations of this size are page-faulted in
        # afresh on every call where glibc returns freed memory at once (Dask workers set MALLOC_TRIM_THRESHOLD_).
        if self._maps.shape[0] < end - begin:
            self._maps = np.empty((end - begin, self.lagged.trial_starts[-1]), dtype=np.uint32)
            self._chosen = np.empty_like(self._maps)
        maps = self._maps[:end - begin]
        for b in batches:
            permutations(self.lagged.trial_starts, min(_BATCH, end - b), self._rng(test, spec, b // _BATCH),
                         self.settings.shuffle, self.settings.threads, maps[b - begin:min(b + _BATCH, end) - begin])
        if rows is None:
            return problem.surrogates(maps)
        # mode="clip": np.take writes straight to out (with the default it buffers a copy)
        return problem.surrogates(np.take(maps, rows, axis=0, out=self._chosen[:len(rows)], mode="clip"))

    def null(self, specs: list, count: int) -> np.ndarray:
        """(len(specs), count) surrogate values, each spec's y permuted independently."""
        test, table = self._test(), np.empty((len(specs), count))
        for e, spec in enumerate(specs):
            problem = self.engine.prepared(spec)
            step = _BATCH * max(1, problem.batch // _BATCH)  # what keeps the backend's threads busy
            for begin in range(0, count, step):
                end = min(count, begin + step)
                table[e, begin:end] = self._surrogates(problem, test, e, begin, end)
        return table

    def extreme_passes(self, specs: list, statistic: float, count: int, alpha: float, largest: bool) -> bool:
        """Whether ``statistic`` passes the maximum (``largest``) or minimum statistic test over ``specs``:
        p = (1 + #{s : max_e (min_e) null[e, s] >= statistic}) / (1 + count) < alpha, with the surrogates of
        :meth:`null`. Only what decides it is computed: surrogate s counts for the maximum as soon as one spec's
        value reaches the statistic and stops counting for the minimum as soon as one falls below it, and the
        test ends once it can no longer pass; the decision is that of the full table."""
        test, first = self._test(), self.engine.prepared(specs[0])
        problems = [first] + [None] * (len(specs) - 1)
        step = _BATCH * max(1, first.batch // _BATCH)
        limit = alpha * (count + 1) - 1  # the test fails once this many surrogates count
        counted = 0
        for begin in range(0, count, step):
            end = min(count, begin + step)
            undecided = np.ones(end - begin, dtype=bool)  # maximum: none reached yet; minimum: none fell below yet
            for e, spec in enumerate(specs):
                rows = np.flatnonzero(undecided)
                if rows.size == 0:
                    break
                if problems[e] is None:
                    problems[e] = self.engine.prepared(spec)
                values = self._surrogates(problems[e], test, e, begin, end, rows)
                undecided[rows[(values >= statistic) if largest else (values < statistic)]] = False
            counted += int(undecided.size - undecided.sum()) if largest else int(undecided.sum())
            if counted >= limit:
                return False
        return True

    def include(self, candidates: list, base: list) -> list:
        """The candidates that join ``base`` one at a time by the maximum-statistic test (step 1 and 2)."""
        s = self.settings
        candidates = list(candidates)
        chosen: list = []
        while candidates:
            specs = [self.spec([c], base + chosen) for c in candidates]
            values = self.cmi(specs)
            best = int(np.argmax(values))
            if not self.extreme_passes(specs, values[best], s.n_perm_max_stat, s.alpha_max_stat, largest=True):
                break
            chosen.append(candidates.pop(best))
        return chosen

    def prune(self, group: list, base: list) -> list:
        """``group`` without the variables that fail the minimum-statistic test given ``base`` and the rest of
        the group (step 3); a group of one is kept as it is, as IDTxl does."""
        s = self.settings
        group = list(group)
        if len(group) <= 1:
            return group
        while group:
            specs = [self.spec([v], base + [u for u in group if u != v]) for v in group]
            values = self.cmi(specs)
            worst = int(np.argmin(values))
            if self.extreme_passes(specs, values[worst], s.n_perm_min_stat, s.alpha_min_stat, largest=False):
                break
            group.pop(worst)
        return group

    def omnibus(self, sources: list, past: list) -> tuple[float, float]:
        spec = self.spec(sources, past)
        value = float(self.cmi([spec])[0])
        return value, p_value(value, self.null([spec], self.settings.n_perm_omnibus)[0])

    def sequential(self, group: list, base: list) -> tuple[np.ndarray, np.ndarray]:
        """Conditional MI and sequential maximum-statistic p-value of each variable of ``group`` given ``base``
        and the rest of the group (step 5); variables below the first failure get p = 1."""
        specs = [self.spec([v], base + [u for u in group if u != v]) for v in group]
        values = self.cmi(specs)
        ranked = -np.sort(-self.null(specs, self.settings.n_perm_max_seq), axis=0)  # each surrogate's values, descending
        p = np.ones(len(group))
        for rank, i in enumerate(np.argsort(-values, kind="stable")):
            p[i] = p_value(values[i], ranked[rank])
            if p[i] >= self.settings.alpha_max_seq:
                break
        return values, p


def analyse_target(trials: list, target: int, sources: tuple, settings: Settings, seed: int) -> TargetResult:
    """The whole cascade for one target (steps 1-5): a plain function of picklable arguments, run in-process or
    as a Dask task."""
    began = time.perf_counter()
    settings = _on_dask_worker(settings)
    c = Cascade(trials, target, settings, seed)
    past = c.include([(target, lag) for lag in range(1, settings.max_lag_target + 1, settings.tau_target)], [])
    if not past:
        past = [(target, 1)]
    lags = range(settings.min_lag_sources, settings.max_lag_sources + 1, settings.tau_sources)
    if settings.analysis == "multivariate":
        groups = [c.prune(c.include([(s, lag) for s in sources for lag in lags], past), past)]
    else:  # bivariate: each source on its own, given the target's past only
        groups = [c.prune(c.include([(s, lag) for lag in lags], past), past) for s in sources]
    groups = [g for g in groups if g]
    selected = [v for g in groups for v in g]
    omnibus_te, omnibus_p, variables = float("nan"), float("nan"), {}
    if selected:
        omnibus_te, omnibus_p = c.omnibus(selected, past)
        if omnibus_p < settings.alpha_omnibus:
            for group in groups:
                values, p = c.sequential(group, past)
                variables.update({v: (float(te), float(pv)) for v, te, pv in zip(group, values, p)
                                  if pv < settings.alpha_max_seq})
    kept = sorted(variables)
    links = {}
    if kept:
        by_source = sorted({v[0] for v in kept})
        specs = []
        for s in by_source:
            own = [v for v in kept if v[0] == s]
            rest = past + ([v for v in kept if v[0] != s] if settings.analysis == "multivariate" else [])
            specs.append(c.spec(own, rest))
        links = dict(zip(by_source, map(float, c.cmi(specs))))
    return TargetResult(target=target, past=tuple(sorted(lag for _, lag in past)),
                        variables={v: variables[v] for v in kept}, link_te=links, omnibus_te=omnibus_te,
                        omnibus_p=omnibus_p, seconds=time.perf_counter() - began)


def _on_dask_worker(settings: Settings) -> Settings:
    """On a Dask worker, the core's threads default to the worker's own thread count (not every core of the
    machine, which its other workers share)."""
    if "workers" in settings.options:
        return settings
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return settings
    threads = int(getattr(getattr(worker, "state", worker), "nthreads", None) or 1)
    takes_workers = "workers" in find_method("conditional_mutual_info", settings.method).defaults
    options = {**settings.options, "workers": threads} if takes_workers else settings.options
    return Settings(**{**settings.__dict__, "options": options, "threads": threads})


def _trials(data, name: str = "data", processes: int = 2) -> list:
    """The trials of ``data`` as (T, processes) float64 arrays, checked."""
    a = data if isinstance(data, (list, tuple)) else to_numpy(data, name)
    trials = [to_numpy(t, f"{name}[{i}]") for i, t in enumerate(a)] if (isinstance(a, (list, tuple)) or a.ndim == 3) \
        else [a]
    for t in trials:
        if t.ndim != 2:
            raise ValueError(f"{name} must be (T, processes), (trials, T, processes) or a list of (T, processes) "
                             f"arrays; got an array of shape {t.shape}")
        if t.dtype.kind not in "fiub":
            raise TypeError(f"{name} must be real numbers, got dtype {t.dtype}")
        if not np.isfinite(t).all():
            raise ValueError(f"{name} holds NaN or infinite values")
    if not trials or any(t.shape[1] != trials[0].shape[1] for t in trials):
        raise ValueError(f"{name}: every trial must have the same processes (columns)")
    if trials[0].shape[1] < processes:
        raise ValueError(f"{name} must hold at least {processes} processes (columns), got {trials[0].shape[1]}")
    return [np.asarray(t, dtype=np.float64) for t in trials]


def _indices(value, name: str, count: int, default) -> tuple:
    if value is None:
        return tuple(default)
    values = [value] if isinstance(value, numbers.Integral) else list(value)
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or not 0 <= int(v) < count:
            raise ValueError(f"{name} must be process indices in [0, {count}), got {value!r}")
    if not values or len(set(values)) != len(values):
        raise ValueError(f"{name} must list distinct process indices, got {value!r}")
    return tuple(int(v) for v in values)


def _settings(analysis, trials, *, max_lag_sources, min_lag_sources, max_lag_target, tau_sources, tau_target,
              n_perm, alpha, shuffle, method, null="permutation", options) -> Settings:
    max_lag_sources = check_count(max_lag_sources, "max_lag_sources", 1)
    min_lag_sources = check_count(min_lag_sources, "min_lag_sources", 1)
    if min_lag_sources > max_lag_sources:
        raise ValueError(f"min_lag_sources ({min_lag_sources}) must not exceed max_lag_sources ({max_lag_sources})")
    max_lag_target = max_lag_sources if max_lag_target is None else check_count(max_lag_target, "max_lag_target", 1)
    tau_sources, tau_target = check_count(tau_sources, "tau_sources", 1), check_count(tau_target, "tau_target", 1)
    perms, alphas = {}, {}
    for test in ("max_stat", "min_stat", "omnibus", "max_seq"):
        a = alpha.get(test, 0.05) if isinstance(alpha, dict) else alpha
        alphas[test] = check_real(a, f"alpha ({test})", positive=True)
        if alphas[test] >= 1:
            raise ValueError(f"alpha ({test}) must lie in (0, 1), got {a!r}")
        perms[test] = check_count(n_perm.get(test, 200) if isinstance(n_perm, dict) else n_perm, f"n_perm ({test})", 1)
        if 1 / (perms[test] + 1) >= alphas[test]:
            raise ValueError(f"n_perm ({test}) = {perms[test]} surrogates cannot give a p-value below alpha = "
                             f"{alphas[test]}: use at least {math.ceil(1 / alphas[test])}")
    if isinstance(alpha, dict) and set(alpha) - set(alphas):
        raise ValueError(f"alpha: unknown tests {sorted(set(alpha) - set(alphas))}; known: {sorted(alphas)}")
    if isinstance(n_perm, dict) and set(n_perm) - set(perms):
        raise ValueError(f"n_perm: unknown tests {sorted(set(n_perm) - set(perms))}; known: {sorted(perms)}")
    max_lag = max(max_lag_sources, max_lag_target)
    starts = np.concatenate([[0], np.cumsum([t.shape[0] - max_lag for t in trials])])
    if min(t.shape[0] for t in trials) <= max_lag:
        raise ValueError(f"data: trials of {min(t.shape[0] for t in trials)} time points are too short for lags up "
                         f"to {max_lag}")
    check_shuffle(shuffle, starts)
    if method not in NETWORK_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, NETWORK_METHODS))}; got {method!r}")
    if null not in ("permutation", "analytic"):
        raise ValueError(f"null must be 'permutation' or 'analytic', got {null!r}")
    if null == "analytic" and (method != "gaussian" or shuffle != "within"):
        raise ValueError(f"null='analytic' is the Gaussian estimate's null distribution for samples permuted in "
                         f"time: it needs method='gaussian' and shuffle='within'; got method={method!r}, "
                         f"shuffle={shuffle!r}")
    options = dict(options)
    for name in ("local", "base"):
        if name in options:
            raise TypeError(f"network inference takes no {name}= (estimates are in nats, one per variable)")
    if method == "ksg":
        options.setdefault("k", 4)  # JIDT's and IDTxl's Kraskov k
    find_method("conditional_mutual_info", method).bind(options)  # an unknown option fails here, not in a task
    return Settings(analysis, max_lag_sources, min_lag_sources, max_lag_target, tau_sources, tau_target,
                    perms["max_stat"], perms["min_stat"], perms["omnibus"], perms["max_seq"], alphas["max_stat"],
                    alphas["min_stat"], alphas["omnibus"], alphas["max_seq"], shuffle, method, null, options,
                    options.get("workers", -1))


def _network(analysis, data, *, targets, sources, max_lag_sources, min_lag_sources, max_lag_target, tau_sources,
             tau_target, n_perm, alpha, fdr, fdr_alpha, shuffle, method, null, seed, client, progress, labels,
             options) -> Network:
    trials = _trials(data)
    count = trials[0].shape[1]
    settings = _settings(analysis, trials, max_lag_sources=max_lag_sources, min_lag_sources=min_lag_sources,
                         max_lag_target=max_lag_target, tau_sources=tau_sources, tau_target=tau_target,
                         n_perm=n_perm, alpha=alpha, shuffle=shuffle, method=method, null=null, options=options)
    targets = _indices(targets, "targets", count, range(count))
    sources = _indices(sources, "sources", count, range(count))
    seed = check_seed(seed, generator=False)
    if fdr not in (None, "bh", "by"):
        raise ValueError(f"fdr must be 'bh', 'by' or None, got {fdr!r}")
    fdr_alpha = check_real(fdr_alpha, "fdr_alpha", positive=True)
    if labels is not None and len(labels) != count:
        raise ValueError(f"labels must name each of the {count} processes; got {len(labels)}")
    if client is not None and not hasattr(client, "submit"):
        raise TypeError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    from tqdm.auto import tqdm

    began = time.perf_counter()
    jobs = {t: tuple(s for s in sources if s != t) for t in targets}
    bar = tqdm(total=len(jobs), desc=f"{analysis} TE network", unit="target",
               disable=None if progress is None else not progress)
    results = {}
    with bar:
        if client is None:
            for t, own in jobs.items():
                results[t] = analyse_target(trials, t, own, settings, seed)
                bar.update()
        else:
            from distributed import as_completed

            shared = client.scatter(trials, broadcast=True)
            futures = {client.submit(analyse_target, shared, t, own, settings, seed, pure=False): t
                       for t, own in jobs.items()}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update()
    return Network.from_targets(count, [results[t] for t in targets], settings, fdr, fdr_alpha, labels,
                                time.perf_counter() - began)


_DOC_PARAMETERS = """
    Parameters
    ----------
    data : array_like, shape (T, processes) or (trials, T, processes), or a list of (T, processes) arrays
        One or several trials (replications) of the processes; trials are pooled, none is spanned by a lag.
    max_lag_sources, min_lag_sources : int
        The source lags tested, ``min_lag_sources, min_lag_sources + tau_sources, ... <= max_lag_sources``.
    max_lag_target : int or None
        The target's own past tested, lags ``1, 1 + tau_target, ... <= max_lag_target`` (default: max_lag_sources).
    tau_sources, tau_target : int
        Spacing of the lags tested.
    targets, sources : int or sequence of int, optional
        The processes analysed as targets and those tested as sources (default: all).
    n_perm : int or dict
        Surrogates per test, one number or per test {"max_stat", "min_stat", "omnibus", "max_seq"} (tests left
        out: 200); IDTxl's defaults are 200, 500, 500 and 500. At least 1/alpha - 1, so that a test can pass;
        with many targets the omnibus test needs more for its p-values to pass the FDR correction.
    alpha : float or dict
        Level of each test (one for all, or per test as ``n_perm``; tests left out: 0.05).
    fdr : {"bh", "by", None}
        False discovery rate correction of the targets' omnibus p-values across the network
        (:func:`infoscope.stats.fdr_correction`): Benjamini-Hochberg (default), or Benjamini-Yekutieli, which is
        IDTxl's default (``fdr_constant=2``); None keeps every target that passes its omnibus test.
    fdr_alpha : float
        Its level.
    shuffle : {"within", "circular", "block", "trials"}
        How surrogates permute the tested variables (:func:`infoscope.stats.permutation_test`): "within" permutes
        time points within each trial (IDTxl's ``permute_in_time`` with ``perm_type="random"``); "trials" swaps
        whole trials (IDTxl's default when there are enough of them).
    method : {"ksg", "gaussian"}
        The conditional MI estimator: "ksg", Frenzel & Pompe 2007 (nonparametric, k-NN), or "gaussian", the CMI of
        the fitted Gaussian (partial correlation; Barnett, Barrett & Seth 2009: half the Granger causality),
        IDTxl's ``JidtGaussianCMI``. The Gaussian one sees only linear dependence, but where that is all there is
        (a linear VAR) its estimates vary far less than KSG's, so it finds weaker links; it is also much faster.
    null : {"permutation", "analytic"}
        Where the surrogate values of every test come from: the estimates on permuted data ("permutation"), or,
        for method="gaussian" and shuffle="within", draws from the estimate's chi-squared large-sample null
        distribution (:meth:`infoscope.estimators.gaussian.GaussianConditionalMI.analytic_null`), as IDTxl does
        for its Gaussian estimator; far cheaper, and the same test for long series.
    seed : int
        Seeds every test: target j's tests use (seed, j, test number), so results are the same serially, on Dask
        and in any order.
    client : dask.distributed.Client, optional
        Run the targets as tasks on this cluster (``pip install "infoscope[dask]"``); without it they run in
        this process, each using every core.
    progress : bool or None
        A tqdm bar over targets (None: on a terminal only).
    labels : sequence, optional
        Names of the processes, for tables and plots.
    **options
        Options of the estimator (:func:`infoscope.conditional_mutual_info`). KSG: ``k`` (default 4, as JIDT and
        IDTxl), ``normalize``, ``noise``, ``theiler``, ``workers``; Gaussian: ``transform``, ``bias_correction``.

    Returns
    -------
    Network
        Per target the selected past and source variables with their conditional TEs and p-values, the omnibus
        test; ``adjacency``, ``te``, ``links``, ``to_pandas()``, ``to_networkx()``, ``plot()``.
"""


def multivariate_te_network(data, max_lag_sources=5, min_lag_sources=1, *, max_lag_target=None, tau_sources=1,
                            tau_target=1, targets=None, sources=None, n_perm=200, alpha=0.05, fdr="bh",
                            fdr_alpha=0.05, shuffle="within", method="ksg", null="permutation", seed=0,
                            client=None, progress=None, labels=None, **options) -> Network:
    """Multivariate transfer-entropy network: for each target, the smallest set of (source, lag) variables that
    together explain what the sources' past says about its next value, each one conditioned on all the others,
    so that indirect links (a -> b -> c) and common drivers do not show as links (Lizier & Rubinov 2012;
    Novelli et al. 2019). See the module's notes for the cascade of tests.
    """ + _DOC_PARAMETERS + """
    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 3))
    >>> for t in range(2, 2000):
    ...     x[t, 1] += 0.6 * x[t - 2, 0]; x[t, 2] += 0.6 * x[t - 1, 1]    # 0 -> 1 (lag 2) -> 2 (lag 1)
    >>> net = isc.networks.multivariate_te_network(x, max_lag_sources=3, n_perm=100, progress=False)
    >>> net.links
    [(0, 1, 2), (1, 2, 1)]
    """
    return _network("multivariate", data, targets=targets, sources=sources, max_lag_sources=max_lag_sources,
                    min_lag_sources=min_lag_sources, max_lag_target=max_lag_target, tau_sources=tau_sources,
                    tau_target=tau_target, n_perm=n_perm, alpha=alpha, fdr=fdr, fdr_alpha=fdr_alpha,
                    shuffle=shuffle, method=method, null=null, seed=seed, client=client, progress=progress,
                    labels=labels, options=options)


def bivariate_te_network(data, max_lag_sources=5, min_lag_sources=1, *, max_lag_target=None, tau_sources=1,
                         tau_target=1, targets=None, sources=None, n_perm=200, alpha=0.05, fdr="bh",
                         fdr_alpha=0.05, shuffle="within", method="ksg", null="permutation", seed=0,
                         client=None, progress=None, labels=None, **options) -> Network:
    """Bivariate transfer-entropy network: each source tested on its own, conditioned on the target's past only
    (its lags chosen and pruned as in :func:`multivariate_te_network`). Faster, and it finds the links a
    multivariate analysis finds, but also indirect and common-driver ones.
    """ + _DOC_PARAMETERS + """
    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 3))
    >>> for t in range(2, 2000):
    ...     x[t, 1] += 0.6 * x[t - 2, 0]; x[t, 2] += 0.6 * x[t - 1, 1]
    >>> sorted({(s, t) for s, t, _ in isc.networks.bivariate_te_network(x, 3, n_perm=100, progress=False).links})
    [(0, 1), (0, 2), (1, 2)]
    """
    return _network("bivariate", data, targets=targets, sources=sources, max_lag_sources=max_lag_sources,
                    min_lag_sources=min_lag_sources, max_lag_target=max_lag_target, tau_sources=tau_sources,
                    tau_target=tau_target, n_perm=n_perm, alpha=alpha, fdr=fdr, fdr_alpha=fdr_alpha,
                    shuffle=shuffle, method=method, null=null, seed=seed, client=client, progress=progress,
                    labels=labels, options=options)


def nonuniform_embedding(series, max_lag=5, *, tau=1, n_perm=200, alpha=0.05, shuffle="within", method="ksg",
                         seed=0, **options) -> tuple:
    """The lags of a series' own past that carry information about its next value, chosen greedily by
    conditional MI with maximum-statistic tests (Faes, Nollo & Porta 2011, Phys. Rev. E 83:051112; step 1 of the
    network cascade). Unlike a uniform embedding (every lag up to k), it keeps only the lags that add information.

    Parameters
    ----------
    series : array_like, shape (T,) or (trials, T)
    max_lag, tau : int
        Candidate lags ``1, 1 + tau, ... <= max_lag``.
    n_perm, alpha, shuffle, method, seed, **options
        As :func:`multivariate_te_network` (one test kind).

    Returns
    -------
    tuple of int
        The selected lags, ascending (empty if none passes).

    Examples
    --------
    >>> import numpy as np, infoscope as isc
    >>> rng = np.random.default_rng(1)
    >>> x = rng.standard_normal(3000)
    >>> for t in range(3, 3000):
    ...     x[t] += 0.7 * x[t - 3]
    >>> isc.networks.nonuniform_embedding(x, max_lag=5, n_perm=50)
    (3,)
    """
    a = to_numpy(series, "series")
    if a.ndim not in (1, 2):
        raise ValueError(f"series must be (T,) or (trials, T), got shape {a.shape}")
    trials = _trials(a[:, None] if a.ndim == 1 else a[:, :, None], "series", 1)
    settings = _settings("multivariate", trials, max_lag_sources=max_lag, min_lag_sources=1, max_lag_target=max_lag,
                         tau_sources=1, tau_target=tau, n_perm=n_perm, alpha=alpha, shuffle=shuffle, method=method,
                         options=options)
    c = Cascade(trials, 0, settings, check_seed(seed, generator=False))
    return tuple(sorted(lag for _, lag in c.include([(0, lag) for lag in range(1, max_lag + 1, tau)], [])))
