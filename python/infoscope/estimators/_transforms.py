"""Column transforms applied before a k-NN estimate: copula (rank) transform, standardisation, tie-breaking noise."""

from __future__ import annotations

import numbers
import threading
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from .._arrays import check_choice, check_flag, check_real, check_seed, warn
from .._native import core

__all__ = ["Preprocessing", "rank_columns", "normal_scores", "normal_draws", "warn_ties", "warn_point_masses",
           "point_masses"]

# The PCG64 state numpy's default_rng(seed) starts from, per integer seed: deriving it (SeedSequence) costs more
# than drawing the noise of a thousand samples, and small estimates repeat a few seeds many times.
_SEED_STATES: dict = {}
_SCRATCH = threading.local()  # one bit generator per thread, loaded with a cached state for each draw


def normal_draws(seed, shape) -> np.ndarray:
    """``np.random.default_rng(seed).standard_normal(shape)``, the same numbers, faster for a repeated seed."""
    if not isinstance(seed, numbers.Integral):
        return np.random.default_rng(seed).standard_normal(shape)
    state = _SEED_STATES.get(seed)
    if state is None:
        if len(_SEED_STATES) >= 1024:
            _SEED_STATES.clear()
        state = _SEED_STATES[seed] = np.random.PCG64(int(seed)).state
    bit_generator = getattr(_SCRATCH, "bit_generator", None)
    if bit_generator is None:
        bit_generator = _SCRATCH.bit_generator = np.random.PCG64(0)
    bit_generator.state = state
    return np.random.Generator(bit_generator).standard_normal(shape)


def warn_ties(backend, table, k: int, prep: "Preprocessing", space: str) -> None:
    """Warn when, without tie-breaking noise, k + 1 or more rows of a k-NN estimate's joint table coincide: their
    k-th neighbour is at distance 0, the counts of samples "closer than 0" are empty, and the estimate is biased
    (above log N for independent discrete data). With noise (the default) no two rows coincide. ``table`` lies
    on ``backend``."""
    if prep.noise > 0:
        return
    table = backend.host(table)
    # Screen: k + 1 equal rows need k + 1 equal values in the first column, which one sort of it finds; a row-wise
    # unique (a lexicographic sort of all rows) costs as much as a whole estimate at N = 1e3.
    first = np.sort(table[:, 0])
    if table.shape[0] <= k or not np.any(first[k:] == first[:-k]):
        return
    counts = np.unique(table, axis=0, return_counts=True)[1]
    tied = int(counts[counts > k].sum())
    if tied:
        warn(f"{tied} of {table.shape[0]} samples of {space} have k={k} or more exact duplicates and noise=0: their "
             "k-th neighbour distance is 0 and the k-NN estimate is meaningless for them (biased upwards, up to above "
             "log N); keep the tie-breaking noise (noise > 0) or use method='binned' for discrete data")


# A column whose most frequent value holds more than this share of the rows has a point mass (an atom) that
# tie-breaking noise, meant for the rounding ties of continuous data, only hides: k-NN estimates assume a density.
POINT_MASS_SHARE = 0.05


def point_masses(table: np.ndarray) -> list:
    """(column, value, share) of every column of a host table whose most frequent value holds more than
    POINT_MASS_SHARE of its rows. Screened on at most 1024 evenly spaced rows with one sort and one comparison
    (a run longer than the share has equal ends), confirmed on all rows: cheap enough for every estimate."""
    n = table.shape[0]
    if n < 2 / POINT_MASS_SHARE:
        return []
    ordered = np.sort(table[:: max(1, n // 1024)], axis=0)
    run = int(POINT_MASS_SHARE * ordered.shape[0])
    found = []
    for c in np.flatnonzero((ordered[run:] == ordered[:-run]).any(axis=0)):
        values, counts = np.unique(ordered[:, c], return_counts=True)
        value = values[np.argmax(counts)]
        share = np.count_nonzero(table[:, c] == value) / n
        if share > POINT_MASS_SHARE:
            found.append((int(c), float(value), share))
    return found


def warn_point_masses(backend, arrays: dict, prep: "Preprocessing") -> None:
    """Warn, naming the argument, when a variable of a k-NN estimate has a point mass; with ``noise=0``
    :func:`warn_ties` speaks instead."""
    if prep.noise == 0:
        return
    for name, a in arrays.items():
        for column, value, share in point_masses(backend.host(a)):
            warn(f"{name} column {column} has a point mass: {100 * share:.0f}% of its samples equal {value:g}. "
                 "k-NN estimators assume a density, and the tie-breaking noise only hides the atom (estimates can "
                 "leave [0, H] for a discrete partner); use discrete= (the mixed estimators) or method='binned'")


def rank_columns(a: np.ndarray) -> np.ndarray:
    """Copula transform: each column replaced by its average ranks scaled into (0, 1), (rank - 1/2) / N.

    Tied values share their average rank, so the transform is a function of the values and not of their order.
    """
    n = a.shape[0]
    out = np.empty_like(a)
    for j in range(a.shape[1]):
        col = a[:, j]
        order = np.argsort(col, kind="stable")
        sorted_col = col[order]
        # Start index of the run of equal values each sorted position belongs to, and that run's length.
        new_run = np.empty(n, dtype=bool)
        new_run[0] = True
        np.not_equal(sorted_col[1:], sorted_col[:-1], out=new_run[1:])
        starts = np.flatnonzero(new_run)
        lengths = np.diff(np.append(starts, n))
        average_rank = np.repeat(starts + (lengths + 1) / 2.0, lengths)  # 1-based average rank of each run
        out[order, j] = (average_rank - 0.5) / n
    return out


def normal_scores(a: np.ndarray) -> np.ndarray:
    """Gaussian copula transform: each column replaced by ``Phi^-1((r - 1/2) / N)``, the standard normal quantiles
    of its scaled average ranks (van der Waerden scores)."""
    return core.normal_quantile(rank_columns(a))


@dataclass(frozen=True)
class Preprocessing:
    """The column transforms of a k-NN estimate, validated once: an option bundle passed down to the backend.

    Parameters
    ----------
    normalize : bool
        Standardise each column to zero mean and unit variance (constant columns are only centred).
    transform : None, "rank" or "normal"
        "rank" applies the copula transform (:func:`rank_columns`) first, "normal" the Gaussian copula transform
        (:func:`normal_scores`). Both leave MI unchanged in theory and make the estimate invariant to monotone
        transforms of each variable and robust to long tails; on the suite of :mod:`infoscope.bench`, KSG is
        more accurate on normal scores than on uniform ranks, whose bounded support it handles worse.
    noise : float
        Standard deviation of Gaussian noise added to break ties, relative to each column's standard
        deviation after the transforms (absolute, 1.0-scaled, for a constant column). 0 disables it.
    seed : int, numpy Generator or None
        Seed of the noise; the same seed gives the same estimate. None draws fresh entropy.
    """

    FIELDS: ClassVar[tuple] = ("normalize", "transform", "noise", "seed")

    normalize: bool = True
    transform: str | None = None
    noise: float = 1e-10
    seed: int | np.random.Generator | None = 0

    def __post_init__(self):
        set_field = object.__setattr__
        set_field(self, "normalize", check_flag(self.normalize, "normalize"))
        check_choice(self.transform, "transform", (None, "rank", "normal"))
        set_field(self, "noise", check_real(self.noise, "noise (a relative standard deviation)", minimum=0))
        set_field(self, "seed", check_seed(self.seed))

    def apply(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Transform a (N, d) float64 array; return it and the standard deviations divided out (ones if none).
        The input is never modified. (The CUDA backend applies the same steps on its device:
        :meth:`infoscope._backend.CudaBackend.preprocess`.)"""
        return self.apply_blocks([a])

    def apply_blocks(self, blocks: list) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`apply` to (N, d_i) float64 blocks laid side by side, without stacking them first: the core
        standardises and adds the noise in one pass (:func:`infoscope._core.standardize`), with numpy's sums."""
        if self.transform is not None:
            blocks = [self.ranked(blocks[0] if len(blocks) == 1 else np.hstack(blocks))]
        if not (self.normalize or self.noise > 0):
            table = blocks[0] if len(blocks) == 1 else np.hstack(blocks)
            return table, np.ones(table.shape[1])
        noise = None
        if self.noise > 0:
            shape = (blocks[0].shape[0], sum(b.shape[1] for b in blocks))
            noise = normal_draws(self.seed, shape)
        return core.standardize(blocks, self.normalize, noise, self.noise)

    def references(self, stream: int) -> tuple[np.random.Generator, "Preprocessing"]:
        """The random stream of a bias correction's reference data, and this preprocessing drawing its noise from
        it: derived from ``seed`` (``stream`` tells the corrections apart) but never the stream of the data's own
        noise; a Generator seed is used as it is, None draws fresh entropy."""
        seed = self.seed
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(
            None if seed is None else [stream, seed])
        return rng, replace(self, seed=rng)

    def ranked(self, a: np.ndarray) -> np.ndarray:
        """The copula transform of ``transform`` (a host array), or a itself."""
        if self.transform == "rank":
            return rank_columns(a)
        if self.transform == "normal":
            return normal_scores(a)
        return a
