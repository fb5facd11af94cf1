"""Runs estimators over tasks x sample sizes x seeds and summarises accuracy and speed.

A run is deterministic given its seeds: seed s of a task draws its samples with ``default_rng(s)`` and passes s
to every estimator that takes a seed. Every estimator sees the same arrays.
"""

from __future__ import annotations

import math
import numbers
import statistics
import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from .._arrays import check_count

__all__ = ["Run", "Results", "run", "tolerance"]


def tolerance(truth):
    """The pass criterion: within max(10% of the truth, 0.1 nat); elementwise for an array of truths."""
    return np.maximum(0.1 * np.abs(truth), 0.1)


@dataclass(frozen=True)
class Run:
    """One estimate: ``status`` is "ok", "failed" (the estimator raised or returned a non-finite value; ``note``
    says what) or "unsupported" (``note`` says why)."""

    task: str
    estimator: str
    n: int
    seed: int
    truth: float
    estimate: float
    seconds: float
    status: str
    note: str = ""


@dataclass
class Results:
    """The runs of one benchmark, and the tables made from them."""

    runs: list
    skipped: dict  # estimator name -> why it did not run at all

    def accuracy(self) -> list:
        """One row per (task, estimator, n) with at least one estimate: truth, mean, std, bias, mean absolute
        error, tolerance and pass (the mean estimate within tolerance of the truth)."""
        rows = []
        for (task, estimator, n), runs in self._groups().items():
            ok = [r for r in runs if r.status == "ok"]
            truth = runs[0].truth
            row = dict(task=task, estimator=estimator, n=n, truth=truth, mean=math.nan, std=math.nan, bias=math.nan,
                       abs_error=math.nan, tolerance=float(tolerance(truth)), passed=False, runs=len(ok),
                       status="ok" if ok else runs[0].status, note="; ".join(sorted({r.note for r in runs if r.note})))
            if ok:
                estimates = np.array([r.estimate for r in ok])
                mean = float(estimates.mean())
                row.update(mean=mean, std=float(estimates.std(ddof=1)) if len(ok) > 1 else math.nan, bias=mean - truth,
                           abs_error=float(np.abs(estimates - truth).mean()),
                           passed=bool(abs(mean - truth) <= row["tolerance"]))
            rows.append(row)
        return rows

    def speed(self) -> list:
        """One row per (estimator, n): median, total and count of the seconds of its successful runs."""
        times: dict[tuple[str, int], list[float]] = {}
        for r in self.runs:
            if r.status == "ok":
                times.setdefault((r.estimator, r.n), []).append(r.seconds)
        return [dict(estimator=e, n=n, median_seconds=statistics.median(t), total_seconds=sum(t), runs=len(t))
                for (e, n), t in times.items()]

    def scores(self) -> list:
        """One row per (estimator, n): tasks passed out of those it ran, per quantity."""
        out: dict[tuple[str, int], dict] = {}
        for row in self.accuracy():
            if row["status"] == "unsupported":
                continue
            key = (row["estimator"], row["n"])
            entry = out.setdefault(key, dict(estimator=row["estimator"], n=row["n"], passed=0, tasks=0))
            entry["tasks"] += 1
            entry["passed"] += row["passed"]
        for entry in out.values():
            entry["fraction"] = entry["passed"] / entry["tasks"]
        return list(out.values())

    def records(self) -> list:
        return [asdict(r) for r in self.runs]

    def _groups(self) -> dict:
        groups: dict[tuple[str, str, int], list[Run]] = {}
        for r in self.runs:
            groups.setdefault((r.task, r.estimator, r.n), []).append(r)
        return groups


def run(tasks, estimators, sizes=(5000,), seeds=3, *, progress=True) -> Results:
    """Every estimator on every task it supports, at each sample size, for seeds 0..seeds-1.

    ``tasks`` and ``estimators`` are lists of :class:`~infoscope.bench.tasks.Task` and
    :class:`~infoscope.bench.estimators.Estimator`. An estimator whose package is missing is skipped (the
    reason is in ``Results.skipped``); an exception inside an estimator is recorded as a failed run, not raised.
    ``progress`` shows a tqdm bar.
    """
    from tqdm.auto import tqdm

    tasks, estimators = list(tasks), list(estimators)
    if not tasks:
        raise ValueError("tasks is empty: select at least one task")
    if not estimators:
        raise ValueError("estimators is empty: select at least one estimator")
    sizes = [check_count(n, "sizes", 2) for n in ([sizes] if isinstance(sizes, numbers.Integral) else sizes)]
    if not sizes:
        raise ValueError("sizes is empty: give at least one sample size")
    seeds = range(check_count(seeds, "seeds", 1))
    skipped = {e.name: why for e in estimators if (why := e.unavailable())}
    active = [e for e in estimators if e.name not in skipped]
    runs = []
    total = len(tasks) * len(sizes) * len(seeds)
    with tqdm(total=total, desc="benchmark", unit="sample", disable=not progress) as bar:
        for task in tasks:
            for n in sizes:
                for seed in seeds:
                    arrays = task.sample(n, seed)
                    for estimator in active:
                        if estimator.quantity == task.quantity:
                            runs.append(_one(task, estimator, arrays, n, seed))
                    bar.update()
    return Results(runs, skipped)


def _one(task, estimator, arrays, n, seed) -> Run:
    why = estimator.unsupported(task)
    if why:
        return Run(task.name, estimator.name, n, seed, task.truth, math.nan, math.nan, "unsupported", why)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # peers' deprecation chatter; a bad value is caught below
            value = estimator(arrays, task, seed)
    except Exception as err:  # an estimator's failure is a result of the benchmark, not its end
        return Run(task.name, estimator.name, n, seed, task.truth, math.nan, math.nan, "failed",
                   f"{type(err).__name__}: {err}"[:200])
    seconds = time.perf_counter() - start
    if not math.isfinite(value):
        return Run(task.name, estimator.name, n, seed, task.truth, value, seconds, "failed", f"returned {value}")
    return Run(task.name, estimator.name, n, seed, task.truth, value, seconds, "ok")

