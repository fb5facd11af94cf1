"""Transfer entropy between neurons of adjacent layers while a network trains (Moldovan, Cataron & Andonie).

Moldovan, Cataron & Andonie (Entropy 2020, 22, 102; Entropy 2021, 23, 1218; arXiv 2404.01364, 2024) treat
the output of a neuron over consecutive training samples as a time series, binarise it, and compute the transfer
entropy from neurons of one layer to neurons of the next, for a random subset of neuron pairs, in sliding
windows. They report that TE concentrates in the last layers and falls as training proceeds.

What this module fixes, since the papers' methods sections were not available to us for checking: a neuron's
series is its activation on the training samples in the order the model saw them (every training forward pass
appends its batch); binarisation is ``activation > threshold`` (or ``bins`` equal-width bins over the layer's
range in that epoch); TE uses lag 1 and histories of 1 by default, the plug-in estimator of
:func:`infoscope.transfer_entropy` (``method="binned"``), and each window is embedded on its own. The
transfer-entropy plane (:func:`infoscope.plot.transfer_entropy_plane`) places each middle layer by the mean TE
into it against the mean TE out of it, per epoch -- our reading of their information plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from torch import nn

from .. import estimators
from .._arrays import check_choice, check_count, check_real, check_workers
from .._native import core
from ..estimators.binning import CORRECTIONS, BinningOptions
from ..estimators.transfer import DelayEmbedding
from ._results import RowTable
from .hooks import ActivationRecorder, select_modules, to_numpy

__all__ = ["LayerTransferEntropy", "LayerPairRow"]


@dataclass(frozen=True)
class LayerPairRow:
    """TE from layer ``source`` to layer ``target`` at ``epoch``, summarised over neuron pairs."""
    epoch: int
    source: str
    target: str
    te_mean: float   # mean over neuron pairs of the pair's TE, itself the mean over windows
    te_std: float    # standard deviation over neuron pairs
    te_max: float
    pairs: int       # neuron pairs
    windows: int
    samples: int     # recorded training samples
    unit: str


class LayerTransferEntropy(RowTable):
    """Transfer entropy between neuron pairs of layer pairs, from activations recorded during training.

    Parameters
    ----------
    model : torch.nn.Module
    layers : layer selection (see :func:`infoscope.torch.select_modules`)
        TE is computed between each selected layer and the next one, in the model's order.
    pairs : list of (source, target) module names, or None
        Layer pairs to use instead of consecutive ``layers``.
    units : None or int
        Record only this many randomly chosen neurons of each layer (default: all).
    n_pairs : int or "all"
        Neuron pairs per layer pair: a random subset of this many (default 100), drawn once and kept across
        epochs, or all of them.
    threshold : float
        Binarisation: a neuron is on when its activation exceeds this (default 0).
    bins : int or None
        Instead of a threshold: this many equal-width bins over each layer's range in the epoch.
    window, step : int
        Sliding windows of ``window`` consecutive samples, ``step`` apart (default window // 2).
    lag, k_hist, l_hist : int
        Source-target delay and history lengths, as :func:`infoscope.transfer_entropy`.
    correction : {"plugin", "miller_madow", "jackknife", "grassberger"}
    base : float
        2 (bits, default) or e (nats).
    seed : int
        Seeds the choice of neurons and neuron pairs.

    Activations are recorded only in training mode (evaluation passes such as an information plane's probe are
    left out), while attached: ``with lte:``, :meth:`attach` / :meth:`detach`, or :func:`infoscope.torch.fit`.
    Each :meth:`update` turns what was recorded since the last one into rows and frees it.
    """

    row_type = LayerPairRow

    def __init__(self, model: nn.Module, layers=None, pairs=None, *, units=None, n_pairs=100, threshold=0.0,
                 bins=None, window=512, step=None, lag=1, k_hist=1, l_hist=1, correction="plugin", base=2, seed=0,
                 workers=-1):
        if pairs is None:
            names = list(select_modules(model, layers))
            if len(names) < 2:
                raise ValueError(f"layers must select at least two modules to pair; it selects {names}")
            self.layer_pairs = list(zip(names[:-1], names[1:]))
        else:
            if layers is not None:
                raise ValueError("give layers (consecutive pairs) or pairs, not both")
            self.layer_pairs = [self._pair(p) for p in pairs]
            if not self.layer_pairs:
                raise ValueError("pairs is empty")
            names = list(select_modules(model, sorted({n for p in self.layer_pairs for n in p})))
        self.model = model
        self.recorder = ActivationRecorder(model, names, units=units, mode="train", seed=seed)
        if n_pairs != "all":
            n_pairs = check_count(n_pairs, "n_pairs", 1)
        self.n_pairs = n_pairs
        if bins is not None:
            bins = check_count(bins, "bins", 2)
        self.threshold, self.bins = check_real(threshold, "threshold"), bins
        self.window = check_count(window, "window", 3)
        self.step = max(1, self.window // 2) if step is None else check_count(step, "step", 1)
        # The embedding of infoscope.transfer_entropy, so that each window's TE is that function's on the window.
        self.embedding = DelayEmbedding.of(lag=lag, k_hist=k_hist, l_hist=l_hist, tau=1, condition_lag=1,
                                           condition_hist=1)
        self.lag, self.k_hist, self.l_hist = self.embedding.lag, self.embedding.k_hist, self.embedding.l_hist
        if self.window <= self.embedding.first_time() + 1:
            raise ValueError(f"window={self.window} is too short for lag={lag}, k_hist={k_hist}, l_hist={l_hist}")
        self.correction = check_choice(correction, "correction", CORRECTIONS)
        self._divisor = estimators.check_output(base)
        self.unit = estimators.unit_name(base)
        self.seed = check_count(seed, "seed", 0)
        self.workers = check_workers(workers)
        self.neuron_pairs: dict[tuple[str, str], np.ndarray] = {}  # (P, 2) source and target unit indices
        self.widths: dict[str, int] = {}                             # recorded units per layer
        self.pair_te: dict[tuple[int, str, str], np.ndarray] = {}   # per epoch and layer pair: (P, windows)
        self.rows: list[LayerPairRow] = []

    @staticmethod
    def _pair(p) -> tuple[str, str]:
        if not (isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(n, str) for n in p)):
            raise ValueError(f"pairs entries must be (source, target) module names, got {p!r}")
        return tuple(p)

    # Recording
    def attach(self) -> "LayerTransferEntropy":
        self.recorder.attach()
        return self

    def detach(self) -> None:
        self.recorder.detach()

    def __enter__(self) -> "LayerTransferEntropy":
        return self.attach()

    def __exit__(self, *exc) -> None:
        self.detach()

    def update(self, epoch: Optional[int] = None) -> list[LayerPairRow]:
        """TE of every layer pair from the activations recorded since the last update; appends and returns the
        rows and frees the recording."""
        if epoch is None:
            epoch = self.rows[-1].epoch + 1 if self.rows else 1
        epoch = check_count(epoch, "epoch", 0)
        activations = self.recorder.activations
        self.recorder.clear()
        missing = [n for n in self.recorder.names if n not in activations]
        if missing:
            raise RuntimeError(f"no training activations were recorded for {', '.join(missing)}: attach the "
                               f"recorder (with lte: / lte.attach() / infoscope.torch.fit) around training steps")
        samples = next(iter(activations.values())).shape[0]
        if samples < self.window:
            raise ValueError(f"window={self.window} exceeds the {samples} training samples recorded this epoch; "
                             f"pass a smaller window")
        codes = {name: self._codes(to_numpy(a)) for name, a in activations.items()}
        self.widths.update({name: c.shape[1] for name, c in codes.items()})
        levels = 2 if self.bins is None else self.bins
        target_offsets, source_offsets, _ = self.embedding.offsets()
        rows = []
        for source, target in self.layer_pairs:
            pairs = self._neuron_pairs(source, target, codes[source].shape[1], codes[target].shape[1])
            te = core.windowed_transfer_entropy(codes[source], codes[target], levels, pairs, self.window, self.step,
                                                target_offsets, source_offsets, self.correction,
                                                self.workers) / self._divisor
            self.pair_te[(epoch, source, target)] = te
            per_pair = te.mean(axis=1)
            rows.append(LayerPairRow(epoch, source, target, float(per_pair.mean()), float(per_pair.std()),
                                     float(per_pair.max()), len(pairs), te.shape[1], samples, self.unit))
        self.rows.extend(rows)
        return rows

    def _codes(self, a: np.ndarray) -> np.ndarray:
        """Each unit's series of symbols: binarised at the threshold, or binned as transfer_entropy's
        method="binned" bins (:class:`BinningOptions`), with ``bins`` equal-width bins over the layer's range."""
        if not np.isfinite(a).all():
            raise ValueError("recorded activations contain nan or inf: the network diverged")
        if self.bins is None:
            return np.ascontiguousarray(a > self.threshold, dtype=np.int64)
        a = np.ascontiguousarray(a if a.dtype in (np.float32, np.float64) else a.astype(np.float64))
        lo, hi = float(a.min()), float(a.max())
        if not hi > lo:
            return np.zeros(a.shape, dtype=np.int64)
        binning = BinningOptions(bins=self.bins, range=(lo, hi))
        return core.element_codes(a, binning.uniform_rule(None, None, a.shape[1], "layer"), self.workers)

    def _neuron_pairs(self, source: str, target: str, n_source: int, n_target: int) -> np.ndarray:
        key = (source, target)
        if key not in self.neuron_pairs:
            total = n_source * n_target
            if self.n_pairs == "all" or self.n_pairs >= total:
                flat = np.arange(total)
            else:
                flat = np.sort(np.random.default_rng([self.seed, len(self.neuron_pairs)]).choice(
                    total, self.n_pairs, replace=False))
            self.neuron_pairs[key] = np.ascontiguousarray(np.stack([flat // n_target, flat % n_target], axis=1),
                                                          dtype=np.uint32)
        return self.neuron_pairs[key]

    # Training-loop protocol (see infoscope.torch.fit and the Lightning callback).
    def start(self) -> None:
        self.attach()

    def epoch_end(self, epoch: int) -> None:
        self.update(epoch)

    def stop(self) -> None:
        self.detach()

    def plot(self, ax=None, title: Optional[str] = None):
        """The transfer-entropy plane (:func:`infoscope.plot.transfer_entropy_plane`) as a matplotlib Figure."""
        from ..plot import transfer_entropy_plane
        return transfer_entropy_plane(self.rows, ax=ax, title=title)
