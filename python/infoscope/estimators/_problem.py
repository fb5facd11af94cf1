"""A prepared I(X;Y|Z) estimate that can be repeated with the rows of Y permuted: the unit of significance tests.

MI (no Z), CMI and transfer entropy (a CMI on a delay embedding, Y = the source's past) of both families reduce
to it. The core keeps what the permutations do not change (the X-Z and Z spaces, or their entropies), so a batch
of surrogates costs less than as many estimates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._native import core, cuda


@dataclass(frozen=True)
class CmiProblem:
    """``locals()`` gives the estimate's local values; ``surrogates(perms)`` the estimates with row i of Y
    replaced by row ``perms[s, i]``, for each row s of a (count, n) uint32 array. ``embedding`` (an
    :class:`infoscope.estimators.transfer.Embedding`, for transfer entropy) says which rows are which trial and
    where each local value lies in time; without it the n rows are one trial."""

    locals: Callable[[], np.ndarray]
    surrogates: Callable[[np.ndarray], np.ndarray]
    n: int
    embedding: object = None
    batch: int | None = None  # surrogates per call; None: enough to keep the CPU's threads busy

    @property
    def trial_starts(self) -> np.ndarray:
        """Rows ``trial_starts[t]:trial_starts[t + 1]`` are trial t."""
        return np.array([0, self.n], dtype=np.int64) if self.embedding is None else self.embedding.trial_starts

    def align(self, values: np.ndarray):
        """Local values laid out as the input: on each trial's time axis for TE, as they are otherwise."""
        return values if self.embedding is None else self.embedding.align(values)


def ksg_problem(xzy, dx: int, dz: int, k: int, workers: int, embedding=None, theiler: int = 0):
    """A :class:`CmiProblem` on the KSG estimator; xzy holds X, Z, Y columns in that order: a numpy array for
    the CPU core, or a matrix of the CUDA backend (which the problem takes over) for its kernels."""
    n = xzy.shape[0]
    starts = [0, n] if embedding is None else embedding.trial_starts.tolist()
    if isinstance(xzy, np.ndarray):
        prepared = core.KsgConditionalMI(xzy, dx, dz, k, starts, theiler, workers)
        return CmiProblem(lambda: prepared.locals(workers), lambda perms: prepared.surrogates(perms, workers),
                          n, embedding)
    prepared = cuda.KsgConditionalMI(xzy, dx, dz, k, starts, theiler)
    # Hundreds of surrogates per launch keep a GPU busy; the backend splits a batch that does not fit.
    return CmiProblem(prepared.locals, prepared.surrogates, n, embedding, batch=256)


def binned_problem(sx, sz, sy, correction: str, workers: int, embedding=None):
    """A :class:`CmiProblem` on the core's symbol counts; sz may be None (mutual information)."""
    prepared = core.BinnedConditionalMI(sx, sz, sy, correction)
    return CmiProblem(prepared.locals, lambda perms: prepared.surrogates(perms, workers), len(sx), embedding)


SHUFFLES = ("within", "trials")


def permutations(starts: np.ndarray, count: int, rng: np.random.Generator, shuffle: str) -> np.ndarray:
    """(count, n) uint32 row permutations that keep every row inside its trial ("within"), or that give each
    trial the rows of a randomly chosen trial, in order ("trials": trials must be equally long)."""
    n = int(starts[-1])
    perms = np.empty((count, n), dtype=np.uint32)
    if shuffle == "within":
        for a, b in zip(starts[:-1], starts[1:]):
            perms[:, a:b] = rng.permuted(np.tile(np.arange(a, b, dtype=np.uint32), (count, 1)), axis=1)
        return perms
    length = int(starts[1] - starts[0])
    trials = len(starts) - 1
    order = np.argsort(rng.random((count, trials)), axis=1)  # a random permutation of the trials per surrogate
    rows = (order[:, :, None] * length + np.arange(length)[None, None, :]).reshape(count, n)
    perms[:] = rows
    return perms


def null_distribution(problem: CmiProblem, n_permutations: int, seed, shuffle: str, progress, desc: str):
    """Surrogate estimates of ``problem`` under ``n_permutations`` random permutations of Y, in batches that keep
    every thread busy; a tqdm bar shows progress (``progress=None``: only on a terminal)."""
    from tqdm.auto import tqdm

    if shuffle not in SHUFFLES:
        raise ValueError(f"shuffle must be one of {', '.join(map(repr, SHUFFLES))}; got {shuffle!r}")
    lengths = np.diff(problem.trial_starts)
    if shuffle == "trials" and (lengths.size < 2 or (lengths != lengths[0]).any()):
        raise ValueError("shuffle='trials' needs at least two trials with the same number of samples; got "
                         f"{lengths.size} trial(s) of {sorted(set(lengths.tolist()))} samples")
    rng = np.random.default_rng(seed)
    batch = problem.batch or max(16, 4 * (os.cpu_count() or 1))
    null = np.empty(n_permutations)
    with tqdm(total=n_permutations, desc=desc, unit="surrogate", disable=None if progress is None else not progress,
              leave=False) as bar:
        for begin in range(0, n_permutations, batch):
            end = min(n_permutations, begin + batch)
            null[begin:end] = problem.surrogates(permutations(problem.trial_starts, end - begin, rng, shuffle))
            bar.update(end - begin)
    return null


def p_value(estimate: float, null: np.ndarray) -> float:
    """(1 + #{null >= estimate}) / (1 + n): the permutation p-value, never 0 (Phipson & Smyth 2010)."""
    return float((1 + np.count_nonzero(null >= estimate)) / (1 + null.size))
