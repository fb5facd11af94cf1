"""A prepared I(X;Y|Z) estimate that can be repeated with the rows of Y permuted: the unit of significance tests.

MI (no Z), CMI and transfer entropy (a CMI on a delay embedding, Y = the source's past) of both families reduce
to it. The core keeps what the permutations do not change (the X-Z and Z spaces, or their entropies), so a batch
of surrogates costs less than as many estimates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Protocol, Union, cast

import numpy as np

from .._limits import check_memory
from .._native import core

if TYPE_CHECKING:
    from .gaussian import GaussianConditionalMI


class Problem(Protocol):
    """What :class:`Prepared` asks of a problem: the core's :class:`infoscope._core.CmiProblem` of either backend,
    or :class:`infoscope.estimators.gaussian.GaussianConditionalMI`."""

    @property
    def batch(self) -> int: ...

    def __len__(self) -> int: ...

    def locals(self) -> np.ndarray: ...

    def surrogates(self, perms: np.ndarray) -> np.ndarray: ...


class Layout(Protocol):
    """The trial layout of a problem's rows: :class:`infoscope.estimators.transfer.Embedding` or :class:`Trials`."""

    @property
    def trial_starts(self) -> np.ndarray: ...

    def align(self, values: np.ndarray) -> Union[np.ndarray, list[np.ndarray]]: ...


@dataclass(frozen=True)
class Prepared:
    """A core problem (:class:`infoscope._core.CmiProblem`, of either backend and family) with the layout of its
    samples: ``locals()`` gives the estimate's local values; ``surrogates(perms)`` the estimates with row i of Y
    replaced by row ``perms[s, i]``, for each row s of a (count, n) uint32 array. ``embedding`` (a
    :class:`infoscope.estimators.transfer.Embedding`, for transfer entropy) says which rows are which trial and
    where each local value lies in time; without it the n rows are one trial. ``bias`` (of a bias-corrected
    estimator) is subtracted from every local value and surrogate estimate alike, so p-values are unchanged."""

    problem: Problem
    embedding: Optional[Layout] = None
    bias: float = 0.0

    def locals(self) -> np.ndarray:
        local = self.problem.locals()
        return local - self.bias if self.bias else local

    def surrogates(self, perms: np.ndarray) -> np.ndarray:
        null = self.problem.surrogates(perms)
        return null - self.bias if self.bias else null

    def analytic_null(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` draws from the estimate's analytic null distribution (problems that have one: the Gaussian)."""
        gaussian = cast("GaussianConditionalMI", self.problem)  # the one problem with an analytic null
        return gaussian.analytic_null(rng, count) - self.bias

    @property
    def n(self) -> int:
        return len(self.problem)

    @property
    def batch(self) -> int:
        """Surrogates per call that keep the backend busy."""
        return self.problem.batch

    @property
    def trial_starts(self) -> np.ndarray:
        """Rows ``trial_starts[t]:trial_starts[t + 1]`` are trial t."""
        return np.array([0, self.n], dtype=np.int64) if self.embedding is None else self.embedding.trial_starts

    def align(self, values: np.ndarray):
        """Local values laid out as the input: on each trial's time axis for TE, as they are otherwise."""
        return values if self.embedding is None else self.embedding.align(values)


@dataclass(frozen=True)
class Trials:
    """The trial layout of pooled rows, for problems whose local values stay pooled: rows
    ``trial_starts[t]:trial_starts[t + 1]`` are trial t."""

    trial_starts: np.ndarray

    def align(self, values: np.ndarray) -> np.ndarray:
        return values


SHUFFLES = ("within", "trials", "circular", "block")
_PERMUTATION_BYTES = 1 << 28


def permutations(starts: np.ndarray, count: int, rng: np.random.Generator, shuffle: str,
                 workers: int = -1, out=None) -> np.ndarray:
    """(count, n) uint32 row maps for surrogates, each keeping every row inside its trial (``workers``: the
    core's threads for "within", -1 for all; ``out``: a C-contiguous (count, n) uint32 array to write them to):

    - "within": a random permutation of each trial's rows (destroys all temporal structure of the permuted
      variable);
    - "trials": each trial gets the rows of a randomly chosen trial, in order (trials must be equally long);
    - "circular": each trial's rows rotated by a random shift, at least a tenth of the trial from zero (keeps the
      variable's own dynamics, breaks its alignment with the others; Quian Quiroga et al. 2002);
    - "block": each trial cut into blocks of ceil(sqrt(length)) rows, the blocks put in random order (keeps the
      dynamics within blocks longer than a short autocorrelation).
    """
    n = int(starts[-1])
    if out is not None and (out.dtype != np.uint32 or not out.flags.c_contiguous or out.shape != (count, n)):
        raise ValueError(f"out must be a C-contiguous ({count}, {n}) uint32 array")
    if shuffle == "within":  # the core's shuffles, ~10x numpy's; one seed from rng for the whole batch
        return core.shuffle_within_trials(np.asarray(starts, dtype=np.int64).tolist(), count,
                                          int(rng.integers(0, 2**64, dtype=np.uint64)), workers, out)
    perms = np.empty((count, n), dtype=np.uint32) if out is None else out
    if shuffle == "trials":
        length = int(starts[1] - starts[0])
        trials = len(starts) - 1
        order = np.argsort(rng.random((count, trials)), axis=1)  # a random permutation of the trials per surrogate
        perms[:] = (order[:, :, None] * length + np.arange(length)[None, None, :]).reshape(count, n)
        return perms
    for a, b in zip(starts[:-1], starts[1:]):
        rows = np.arange(a, b, dtype=np.uint32)
        length = int(b - a)
        if length < 2:  # nothing to move
            perms[:, a:b] = rows
        elif shuffle == "circular":
            margin = min(max(1, length // 10), length // 2)
            shifts = rng.integers(margin, length - margin + 1, size=count)
            perms[:, a:b] = rows[(np.arange(length)[None, :] + shifts[:, None]) % length]
        else:  # block
            size = math.ceil(math.sqrt(length))
            blocks = [rows[i:i + size] for i in range(0, length, size)]
            for s in range(count):
                perms[s, a:b] = np.concatenate([blocks[i] for i in rng.permutation(len(blocks))])
    return perms


def local_permutations(neighbours: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, n) uint32 row maps that move each row only to one of its ``neighbours`` (an (n, k) array of row
    indices, e.g. the nearest in the conditioning variables), drawn without replacement where possible: the
    restricted permutation of Runge 2018 (AISTATS, "Conditional independence testing based on a nearest-neighbor
    estimator of conditional mutual information", algorithm 1). Rows are visited in random order; each takes the
    first of its neighbours, in random order, not yet taken, or the last one tried when all are."""
    n, k = neighbours.shape
    perms = np.empty((count, n), dtype=np.uint32)
    taken = np.zeros((count, n), dtype=bool)
    order = rng.permuted(np.tile(np.arange(n), (count, 1)), axis=1)
    surrogate = np.arange(count)
    for step in range(n):
        rows = order[:, step]
        tried = np.take_along_axis(neighbours[rows], np.argsort(rng.random((count, k)), axis=1), axis=1)
        free = ~taken[surrogate[:, None], tried]
        first = np.where(free.any(axis=1), free.argmax(axis=1), k - 1)
        chosen = tried[surrogate, first]
        perms[surrogate, rows] = chosen
        taken[surrogate, chosen] = True
    return perms


def check_shuffle(shuffle: str, trial_starts: np.ndarray) -> str:
    """A surrogate kind of :data:`SHUFFLES` that the trial layout allows."""
    if shuffle not in SHUFFLES:
        raise ValueError(f"shuffle must be one of {', '.join(map(repr, SHUFFLES))}; got {shuffle!r}")
    lengths = np.diff(trial_starts)
    if shuffle == "trials" and (lengths.size < 2 or (lengths != lengths[0]).any()):
        raise ValueError("shuffle='trials' needs at least two trials with the same number of samples; got "
                         f"{lengths.size} trial(s) of {sorted(set(lengths.tolist()))} samples")
    return shuffle


def null_distribution(problem: Prepared, n_permutations: int, seed, shuffle, progress, desc: str):
    """Surrogate estimates of ``problem`` under ``n_permutations`` random row maps of Y, in batches that keep
    every thread busy; a tqdm bar shows progress (``progress=None``: only on a terminal). ``shuffle``: a kind of
    :func:`permutations`, or a function (count, rng) -> (count, n) row maps."""
    from tqdm.auto import tqdm

    draw = shuffle if callable(shuffle) else (
        lambda count, rng, kind=check_shuffle(shuffle, problem.trial_starts):
        permutations(problem.trial_starts, count, rng, kind))
    rng = np.random.default_rng(seed)
    # The backend's batch, cut so that its permutations (4 bytes per row each) stay within 256 MiB at large n.
    batch = max(1, min(problem.batch, _PERMUTATION_BYTES // (4 * problem.n)))
    check_memory(8 * n_permutations + 4 * batch * problem.n, "n_permutations",
                 f"{n_permutations} surrogate estimates of {problem.n} samples")
    null = np.empty(n_permutations)
    with tqdm(total=n_permutations, desc=desc, unit="surrogate", disable=None if progress is None else not progress,
              leave=False) as bar:
        for begin in range(0, n_permutations, batch):
            end = min(n_permutations, begin + batch)
            null[begin:end] = problem.surrogates(draw(end - begin, rng))
            bar.update(end - begin)
    return null


def p_value(estimate: float, null: np.ndarray) -> float:
    """(1 + #{null >= estimate}) / (1 + n): the permutation p-value, never 0 (Phipson & Smyth 2010)."""
    return float((1 + np.count_nonzero(null >= estimate)) / (1 + null.size))
