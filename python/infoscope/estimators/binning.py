"""Histogram (binning) estimators: plug-in entropy, MI and CMI of discrete and binned data, with bias corrections.

Conventions shared by all three:

* Integer and boolean arrays are symbols already and are never binned (as scikit-learn's ``mutual_info_score``
  and pyitlib treat labels); the binning options apply to floating-point arrays only. To bin two float
  variables differently, bin one yourself (``np.digitize``) and pass the integer codes.
* A floating-point column is cut into bins (see :class:`BinningOptions` for the exact edge convention). A row
  of d columns is one symbol: the tuple of its d bin codes. Only the tuples that occur are counted (never
  bins**d cells), so a 1000-unit layer costs one pass over its values.
* Estimates are in nats; each function returns local values whose mean is the estimate: for the plug-in,
  ``h_i = -log(n_i / N)`` with ``n_i`` the count of sample i's symbol.

Bias corrections (``correction=``), applied to every entropy a quantity is built from:

* ``"plugin"``: maximum likelihood, ``H = -sum p log p``; biased low by about ``(K - 1) / 2N``.
* ``"miller_madow"``: ``H + (K - 1) / 2N``, K the number of occupied symbols (Miller 1955).
* ``"jackknife"``: leave-one-out, ``N H - (N - 1) mean_i H_{-i}`` (Zahl 1977; Efron & Stein 1981); the local
  values are the jackknife pseudo-values.
* ``"grassberger"``: ``log N - (1/N) sum_i G(n_i)`` with ``G(n) = psi(n) + (-1)^n (psi((n+1)/2) - psi(n/2)) / 2``
  (Grassberger 2003), nearly unbiased down to a few samples per symbol.

MI and CMI are sums of entropies: ``I(X;Y) = H(X) + H(Y) - H(X,Y)`` and
``I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z)``, each entropy corrected; the identities hold to rounding.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._arrays import check_choice, check_same_length, check_workers
from .._native import core
from ._problem import Prepared

__all__ = ["BinningOptions", "binned_entropy", "binned_mutual_info", "binned_conditional_mutual_info",
           "mutual_info_problem", "conditional_mutual_info_problem", "binned_many"]

CORRECTIONS = ("plugin", "miller_madow", "jackknife", "grassberger")
_DEFAULT_BINS = 10
_MAX_CODES = 2**62


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


class BinningOptions:
    """Validated binning options, applied to every floating-point array of an estimate.

    Parameters
    ----------
    bins : int, "quantile" or None
        An int: that many equal-width bins over ``range``, or over each column's own [min, max] when no range
        is given. "quantile": equiprobable bins per column, ``quantiles`` of them. None: 10 equal-width bins,
        unless ``bin_width`` is given.
    range : (lo, hi) or None
        Common value range of all columns for equal-width bins (e.g. (-1, 1) for tanh units).
    bin_width : float or None
        Bins of this width instead of a count: over ``range`` starting at lo when given, else aligned to
        multiples of the width (edges at 0, w, 2w, ... as in Saxe et al. 2018).
    quantiles : int or None
        Number of equiprobable bins for ``bins="quantile"`` (default 10).
    out_of_range : {"raise", "clip"}
        Values outside a given ``range``: "raise" (default) raises ValueError; "clip" puts them in the first or
        last bin.

    Notes
    -----
    Edge convention, computed exactly so in float64 (float32 input is read as float32 and promoted exactly):

    * equal-width bins over [lo, hi]: ``code = floor((v - lo) * scale)``, ``scale = bins / (hi - lo)`` (or
      ``1 / bin_width``), clamped to the last bin, so bins are half-open ``[edge_i, edge_i+1)`` and hi itself
      lies in the last bin;
    * ``bin_width`` without range: ``code = floor(v * (1 / bin_width))``;
    * quantile bins: the column's sorted values at positions ``floor(j N / q)``, j = 1..q-1, are the edges and
      ``code`` is the number of edges <= v; equal values always share a bin (bins may be unequal with ties).

    A constant column is one bin.
    """

    FIELDS = ("bins", "range", "bin_width", "quantiles", "out_of_range")

    def __init__(self, bins=None, range=None, bin_width=None, quantiles=None, out_of_range="raise"):
        if bins is not None and not (_is_int(bins) or bins == "quantile"):
            raise TypeError(f"bins must be a positive integer, 'quantile' or None; got {bins!r}")
        if _is_int(bins) and bins < 1:
            raise ValueError(f"bins must be at least 1, got {bins}")
        if bin_width is not None:
            if bins is not None:
                raise ValueError("give either bins or bin_width, not both")
            if isinstance(bin_width, bool) or not isinstance(bin_width, numbers.Real):
                raise TypeError(f"bin_width must be a positive number, got {bin_width!r}")
            if not (math.isfinite(bin_width) and bin_width > 0):
                raise ValueError(f"bin_width must be a finite number > 0, got {bin_width!r}")
        if quantiles is not None:
            if bins != "quantile":
                raise ValueError("quantiles= sets the number of bins of bins='quantile' only")
            if not _is_int(quantiles):
                raise TypeError(f"quantiles must be a positive integer, got {quantiles!r}")
            if quantiles < 1:
                raise ValueError(f"quantiles must be at least 1, got {quantiles}")
        if range is not None:
            if bins == "quantile":
                raise ValueError("range does not apply to bins='quantile' (edges are the data's quantiles)")
            try:
                lo, hi = range
                lo, hi = float(lo), float(hi)
            except (TypeError, ValueError):
                raise TypeError(f"range must be a pair of numbers (lo, hi), got {range!r}") from None
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(f"range must be finite, got {range!r}")
            if not lo < hi:
                raise ValueError(f"range must have lo < hi, got {range!r}")
            range = (lo, hi)
        self.bins = bins
        self.range = range
        self.bin_width = None if bin_width is None else float(bin_width)
        self.quantiles = quantiles if quantiles is not None else _DEFAULT_BINS
        self.out_of_range = check_choice(out_of_range, "out_of_range", ("raise", "clip"))

    def symbols(self, a: np.ndarray, name: str, workers: int):
        """The core's symbols of the rows of a host array ``a`` (from :func:`infoscope._arrays.as_binnable`);
        errors name the argument. (CUDA arrays: :meth:`infoscope._backend.CudaBackend.symbols`.)"""
        binning = self.integer_rule(a.min(axis=0), a.max(axis=0)) if a.dtype == np.int64 else self.float_rule(a, name)
        try:
            return core.row_symbols(a, binning, workers)
        except ValueError as err:
            raise ValueError(f"{name} {err}") from None

    @staticmethod
    def integer_rule(lo: np.ndarray, hi: np.ndarray):
        """The core's binning of integer columns with these minima and maxima: symbols as they are."""
        b = core.Binning()
        b.rule = core.Binning.Rule.symbols
        b.shift = lo.tolist()
        b.count = [min(int(h) - int(l) + 1, 2**64 - 1) for l, h in zip(lo, hi)]
        return b

    def float_rule(self, a: np.ndarray, name: str):
        """The core's binning of the float columns of a host array under these options."""
        b = core.Binning()
        d = a.shape[1]
        if self.bins == "quantile":
            if self.quantiles > a.shape[0]:
                raise ValueError(f"quantiles={self.quantiles} exceeds the number of samples of {name} ({a.shape[0]}): "
                                 "equiprobable bins need at least one sample each")
            ordered = np.sort(a, axis=0)
            if not (np.isfinite(ordered[0]).all() and np.isfinite(ordered[-1]).all()):  # nan sorts last
                raise ValueError(f"{name} must be finite; check for nan or inf values")
            positions = (np.arange(1, self.quantiles) * a.shape[0]) // self.quantiles
            b.rule = core.Binning.Rule.edges
            b.edges = [ordered[positions, j].astype(np.float64).tolist() for j in np.arange(d)]
            b.count = [self.quantiles] * d
            return b
        lo = hi = None
        if self.range is None:
            lo, hi = a.min(axis=0).astype(np.float64), a.max(axis=0).astype(np.float64)
            if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
                raise ValueError(f"{name} must be finite; check for nan or inf values")
        return self.uniform_rule(lo, hi, d, name)

    def uniform_rule(self, lo, hi, d: int, name: str):
        """Uniform bins over the columns' ranges [lo, hi] (None: the options' range)."""
        b = core.Binning()
        b.rule = core.Binning.Rule.uniform
        b.clip = self.out_of_range == "clip"
        if self.range is not None:
            lo, hi = np.full(d, self.range[0]), np.full(d, self.range[1])
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            span = hi - lo
            if self.bin_width is not None:
                scale = np.full(d, 1.0 / self.bin_width)
                if self.range is not None:
                    origin, shift = lo, np.zeros(d)
                    count = np.maximum(1.0, np.ceil((hi - lo) * scale))
                else:  # edges at multiples of the width
                    origin, shift = np.zeros(d), np.floor(lo * scale)
                    count = np.floor(hi * scale) - shift + 1
                    span = np.maximum(np.abs(lo), np.abs(hi)) * scale  # the codes themselves must fit too
                    span[span > _MAX_CODES] = np.inf
            else:
                bins = self.bins if self.bins is not None else _DEFAULT_BINS
                scale = np.where(span > 0, bins / np.where(span > 0, span, 1.0), 0.0)
                origin, shift = lo, np.zeros(d)
                count = np.where(span > 0, float(bins), 1.0)
        finite = np.isfinite(span).all() and np.isfinite(scale).all() and np.isfinite(count).all()
        if not (finite and (count <= _MAX_CODES).all()):
            raise ValueError(f"{name} cannot be binned: its range is too wide or the bins too narrow for 2**62 codes "
                             f"per column; use fewer bins or a larger bin_width")
        b.lo, b.hi, b.origin, b.scale = lo.tolist(), hi.tolist(), origin.tolist(), scale.tolist()
        b.shift = shift.astype(np.int64).tolist()
        b.count = count.astype(np.uint64).tolist()
        return b


def _symbols(backend, binning: BinningOptions, correction, workers, **arrays):
    """Each array's symbols (same numbers of rows), the correction and workers validated."""
    check_choice(correction, "correction", CORRECTIONS)
    workers = check_workers(workers)
    symbols = [backend.symbols(a, name, binning, workers) for name, a in arrays.items()]
    check_same_length(**{name: np.empty((len(sym), 0)) for name, sym in zip(arrays, symbols)})
    return symbols, workers


def binned_entropy(backend, x, *, binning: BinningOptions, correction, workers):
    """Local entropies ``-log p(x_i)`` of binned or discrete samples (see the module docstring).

    ``binning`` holds the options of :class:`BinningOptions`; ``correction`` is one of "plugin",
    "miller_madow", "jackknife", "grassberger"; ``workers`` the threads of the binning pass. On a CUDA backend,
    CUDA arrays and float arrays are binned on the GPU (:meth:`infoscope._backend.CudaBackend.symbols`); the
    counts are always taken on the host.
    """
    (sx,), _ = _symbols(backend, binning, correction, workers, x=x)
    return core.symbol_entropy(sx, correction)


def binned_mutual_info(backend, x, y, *, binning: BinningOptions, correction, workers):
    """Local mutual informations ``log p(x_i, y_i) / (p(x_i) p(y_i))`` of binned or discrete samples.

    The plug-in local values equal ``h(x_i) + h(y_i) - h(x_i, y_i)``; with a correction each of the three
    entropies is corrected. Options as :func:`binned_entropy`.
    """
    return mutual_info_problem(backend, x, y, binning=binning, correction=correction, workers=workers).locals()


def binned_conditional_mutual_info(backend, x, y, z, *, binning: BinningOptions, correction, workers):
    """Local conditional mutual informations ``h(x,z) + h(y,z) - h(x,y,z) - h(z)`` of binned or discrete samples.

    Options as :func:`binned_entropy`.
    """
    return conditional_mutual_info_problem(backend, x, y, z, binning=binning, correction=correction,
                                           workers=workers).locals()


def mutual_info_problem(backend, x, y, *, binning: BinningOptions, correction, workers) -> Prepared:
    """:func:`binned_mutual_info`, prepared for surrogates that permute the rows of y."""
    (sx, sy), workers = _symbols(backend, binning, correction, workers, x=x, y=y)
    return Prepared(core.BinnedConditionalMI(sx, None, sy, correction, workers))


def conditional_mutual_info_problem(backend, x, y, z, *, binning: BinningOptions, correction,
                                    workers) -> Prepared:
    """:func:`binned_conditional_mutual_info`, prepared for surrogates that permute the rows of y."""
    (sx, sy, sz), workers = _symbols(backend, binning, correction, workers, x=x, y=y, z=z)
    return Prepared(core.BinnedConditionalMI(sx, sz, sy, correction, workers))


def binned_many(symbols: list, columns: np.ndarray, bounds: np.ndarray, *, correction, workers, local: bool):
    """Many histogram estimates over a table of per-column symbols in one core call: estimate e on the joint
    symbols of X, Z, Y = ``columns[bounds[e, 0]:bounds[e, 1]]``, ``[bounds[e, 1]:bounds[e, 2]]``,
    ``[bounds[e, 2]:bounds[e, 3]]``. Returns the estimates and, with ``local``, their local values."""
    check_choice(correction, "correction", CORRECTIONS)
    return core.binned_many(symbols, columns, bounds, correction, check_workers(workers), local)
