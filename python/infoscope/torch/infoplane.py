"""The information plane: I(X;T) and I(T;Y) of each layer T of a network, epoch after epoch.

Shwartz-Ziv & Tishby 2017 ("Opening the black box of deep neural networks via information") plot, for every
layer, the information its representation T keeps about the input X against what it keeps about the label Y.
For a deterministic network both quantities are infinite or trivial for continuous T, so every estimate here
rests on a stated choice of what makes them finite, recorded in each row of the table:

* :class:`Binned` -- T is quantised (Shwartz-Ziv & Tishby: 30 bins over [-1, 1]; Saxe et al. 2018: bin width);
  a per-layer adaptive range keeps ReLU layers, whose values exceed any fixed range, meaningful.
* :class:`KernelDensity` -- T is blurred by Gaussian noise of a stated variance and the pairwise-distance bound
  of Kolchinsky & Tracey 2017 is used (Saxe et al. 2018).
* :class:`Compressed` -- X and T are compressed to a few dimensions (PCA, or an autoencoder for X) and k-NN
  estimators are applied (Butakov et al. 2024, "Information bottleneck analysis of deep neural networks via
  lossy compression"); :meth:`Compressed.butakov` is their protocol. The finiteness there comes from noise
  inside the network (:func:`infoscope.torch.insert_noise`).

Class labels are discrete: ``I(T;Y) = H(T) - sum_y p(y) H(T | Y=y)``, each conditional entropy estimated on the
samples of its class. Which samples to probe -- the training set or a held-out set -- is the caller's choice
(``x``, ``y``); the two give different planes (a known source of confusion in this literature).

Every point has a standard error (``i_xt_se``, ``i_ty_se``): the sampling noise of the average of the
estimator's local (per-sample) values, ``std / sqrt(N)`` (for :meth:`Compressed.butakov`, the sum of its
entropies' standard errors, as Butakov et al.). It does not cover the estimator's bias, nor the randomness of a
compression (PCA is deterministic, an autoencoder is not), nor the noise of the network's noise layers beyond
what one probe pass draws.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional

import numpy as np
import torch
from torch import nn

from .. import estimators
from .._arrays import as_binnable, check_choice, check_count, check_real, check_workers
from ..estimators.binning import CORRECTIONS, BinningOptions
from ..estimators._transforms import point_masses
from ..estimators.kde import kernel_log_mean
from ..estimators.whitened import whitened_label_information, whitened_mutual_info
from ._data import evaluation, model_inputs
from ._results import EpochMonitor
from .hooks import ActivationRecorder, select_modules, to_numpy

__all__ = ["InformationPlane", "PlaneRow", "PlanePoint", "Binned", "KernelDensity", "Compressed", "class_labels"]


def class_labels(y, n: int) -> np.ndarray:
    """Class labels as int64 codes: integer or boolean labels, floats with integer values, or one-hot rows."""
    if isinstance(y, torch.Tensor):
        y = y.detach().cpu().numpy()
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"y must hold class labels (integers), got dtype {y.dtype}")
    if y.ndim == 2 and y.shape[1] > 1:
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise ValueError("y: a 2-D y must be one-hot (one 1 per row); pass class indices instead")
        y = y.argmax(axis=1)
    y = y.reshape(-1) if y.ndim == 2 else y
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of class labels, got shape {y.shape}")
    if y.shape[0] != n:
        raise ValueError(f"x and y must have the same number of samples: x has {n}, y has {y.shape[0]}")
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise TypeError("y must hold class labels: these floats are not whole numbers (regression targets are "
                        "not supported by the information plane)")
    return y.astype(np.int64)


def _classes(labels: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """(p(y), indices of class y) for every class present."""
    inverse = np.unique(labels, return_inverse=True)[1].reshape(-1)
    groups = [np.flatnonzero(inverse == c) for c in range(inverse.max() + 1)]
    return [(len(idx) / len(labels), idx) for idx in groups]


def _input_symbols(x: np.ndarray) -> np.ndarray:
    """Each distinct input row as one integer symbol."""
    return np.unique(x.reshape(x.shape[0], -1), axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _label_conditional(local_entropy: Callable[[np.ndarray], np.ndarray], t: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Local values of H(T) - sum_y p(y) H(T | Y=y) with one entropy estimator throughout: h_i(T) minus sample
    i's local entropy within its own class."""
    local = local_entropy(t)
    for _, idx in _classes(labels):
        local[idx] -= local_entropy(t[idx])
    return local


class PlanePoint(NamedTuple):
    """What an estimator of the plane returns for one layer: both MIs in nats, how, and their standard errors."""
    i_xt: float
    i_ty: float
    how: str
    i_xt_se: float = math.nan
    i_ty_se: float = math.nan


def _mean_se(local: np.ndarray) -> tuple[float, float]:
    """The mean of local values and its standard error std / sqrt(N)."""
    local = np.asarray(local, dtype=np.float64)
    return float(local.mean()), float(local.std() / math.sqrt(local.size))


class Binned:
    """Binned (plug-in) information plane (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018).

    Parameters
    ----------
    bins : int
        Equal-width bins per unit (default 30, as Shwartz-Ziv & Tishby).
    range : "adaptive" or (lo, hi)
        "adaptive" (default): each layer's own [min, max] at each update, shared by its units, so that ReLU
        layers are binned over the values they take. (lo, hi): a fixed range as in the original papers
        ((-1, 1) for tanh); values outside it go to the first or last bin.
    bin_width : float or None
        Bins of this width instead of a count, aligned to multiples of it (Saxe et al.: 0.5), or starting at lo
        with a fixed range.
    correction : {"plugin", "miller_madow", "jackknife", "grassberger"}
        Bias correction of every entropy (:mod:`infoscope.estimators.binning`); the papers use the plug-in.

    With a deterministic network T is a function of X, so ``I(X;T) = H(T)`` of the binned layer, at most
    H(X) = log of the number of distinct inputs. ``I(T;Y)`` is the plug-in MI of the binned layer and the label.
    A bias-corrected estimate that crosses these ceilings (or 0) is clipped to them, and the row's ``how`` says
    so with the unclipped values.
    """

    def __init__(self, bins=30, range="adaptive", bin_width=None, correction="plugin", workers=-1):
        if isinstance(range, str):
            self.range = check_choice(range, "range", ("adaptive",))
        elif (isinstance(range, (tuple, list)) and len(range) == 2
              and all(isinstance(v, numbers.Real) and math.isfinite(v) for v in range) and range[0] < range[1]):
            self.range = (float(range[0]), float(range[1]))
        else:
            raise ValueError(f"range must be 'adaptive' or a finite (lo, hi) pair with lo < hi; got {range!r}")
        check_choice(correction, "correction", CORRECTIONS)
        self.options = dict(bins=None if bin_width is not None else check_count(bins, "bins", 1),
                            bin_width=bin_width, correction=correction, workers=check_workers(workers))
        BinningOptions(self.options["bins"], None, bin_width)  # validates bin_width now, not at the first update
        self._x_symbols = None
        self._size = f"bin width {bin_width:g}" if bin_width is not None else f"{bins} bins"
        where = "adaptive range" if self.range == "adaptive" else f"range [{self.range[0]:g}, {self.range[1]:g}]"
        self.label = f"binned: {self._size}, {where}" + ("" if correction == "plugin" else f", {correction}")

    def fit_inputs(self, x: np.ndarray, x_symbols: np.ndarray, labels: np.ndarray) -> None:
        self._x_symbols = x_symbols
        # The plug-in H(X) and H(Y) of the probe set: the most I(X;T) and I(T;Y) can be. A bias correction
        # can carry an estimate past them (or below 0); such estimates are clipped, with a note.
        self._ceilings = (estimators.entropy(x_symbols, method="binned"), estimators.entropy(labels, method="binned"))

    def estimate(self, t: np.ndarray, labels: np.ndarray) -> PlanePoint:
        if isinstance(self.range, tuple):
            rng, where, clip = self.range, f"[{self.range[0]:g}, {self.range[1]:g}] (fixed)", "clip"
        elif self.options["bin_width"] is not None:
            rng, where, clip = None, "aligned to multiples of the width", "raise"
        else:
            lo, hi = float(t.min()), float(t.max())
            rng, where, clip = (lo, hi if hi > lo else lo + 1.0), f"[{lo:.3g}, {hi:.3g}] (adaptive)", "raise"
        # Bin the layer once; both MIs are then of integer symbols, which are not binned again.
        binning = BinningOptions(self.options["bins"], rng, self.options["bin_width"], None, clip)
        t_symbols = binning.symbols(as_binnable(t, "layer"), "layer", self.options["workers"]).ids.astype(np.int64)
        counts = dict(method="binned", correction=self.options["correction"], workers=self.options["workers"],
                      local=True)
        i_xt, xt_se = _mean_se(estimators.mutual_info(self._x_symbols, t_symbols, **counts))
        i_ty, ty_se = _mean_se(estimators.mutual_info(t_symbols, labels, **counts))
        how = f"binned ({self.options['correction']}), {self._size} over {where}"
        clipped = [min(max(value, 0.0), ceiling) for value, ceiling in zip((i_xt, i_ty), self._ceilings)]
        if clipped != [i_xt, i_ty]:
            how += (f"; the corrected I(X;T) = {i_xt:.4g}, I(T;Y) = {i_ty:.4g} nats crossed [0, H(X)] or [0, H(Y)] "
                    "and were clipped")
        return PlanePoint(clipped[0], clipped[1], how, xt_se, ty_se)


class KernelDensity:
    """Kernel-density (pairwise-distance) bound of Kolchinsky & Tracey 2017, as used by Saxe et al. 2018.

    Each layer is taken as T + Z, Z ~ N(0, noise_var I): ``I(X;T) = H(T+Z) - H(Z)`` and ``I(T;Y) = H(T+Z) -
    sum_y p(y) H(T+Z | Y=y)``, every entropy by the same bound (:mod:`infoscope.estimators.kde`). The results
    depend on ``noise_var``: Saxe et al. used 1e-3 for the network of Shwartz-Ziv & Tishby and 1e-1 for MNIST.
    ``bound="upper"`` (Kullback-Leibler, default) or ``"lower"`` (Bhattacharyya). I(X;T) is at most log N.
    Costs N^2 x width per layer.
    """

    def __init__(self, noise_var=1e-3, bound="upper", workers=-1):
        self.options = dict(noise_var=noise_var, bound=bound, workers=check_workers(workers))
        kernel_log_mean(np.zeros((1, 1)), **self.options)  # validates the options now, not at the first update
        self.label = f"KDE {bound} bound, noise variance {noise_var:g}"

    def fit_inputs(self, x: np.ndarray, x_symbols: np.ndarray, labels: np.ndarray) -> None:
        pass

    def estimate(self, t: np.ndarray, labels: np.ndarray) -> PlanePoint:
        # Every entropy is d/2 log(2 pi e s^2) minus the mean kernel term; the constants cancel in both MIs.
        t = t.astype(np.float64)
        local_xt = -kernel_log_mean(t, **self.options)
        local_ty = local_xt.copy()
        for _, idx in _classes(labels):
            local_ty[idx] += kernel_log_mean(t[idx], **self.options)
        (i_xt, xt_se), (i_ty, ty_se) = _mean_se(local_xt), _mean_se(local_ty)
        return PlanePoint(i_xt, i_ty, self.label, xt_se, ty_se)


class Compressed:
    """k-NN estimates after lossy compression (Butakov et al. 2024, ICLR, "Information bottleneck analysis of deep
    neural networks via lossy compression").

    Parameters
    ----------
    dims : int
        Dimensions each layer (and the input) is compressed to (default 4, as Butakov et al.).
    compression : {"pca", "autoencoder"}
        How layers are compressed: PCA refitted at every update (default, as Butakov et al.), or a small
        autoencoder trained on the probe set at every update (slow).
    input_compression : "pca", "autoencoder", a callable or an object with an ``encode`` method
        How the input is compressed, once: PCA or a small fully connected autoencoder fitted on the probe inputs,
        or ``f(x) -> codes`` (N, dims), e.g. a :class:`infoscope.torch.ConvAutoencoder` trained on the training
        set, as Butakov et al. compress images (an object with ``encode``, such as the autoencoder itself, is
        used through its ``encode``).
    noise : float
        Relative Gaussian noise added to each recorded activation before compression, ``t + noise * |t| * eps``
        (default 1e-3; 0 turns it off). This is a blur of the recorded output only, not the noise layers of
        Butakov et al., which sit before every layer of the network in training and at inference and shape what
        it learns: put those in with :func:`infoscope.torch.insert_noise` (and use ``noise=0`` here).
    k : int
        Neighbours of the k-NN estimators (default 5, as Butakov et al.).
    method : {"ksg", "kl", "whitened"}
        Estimator of I(X;T): KSG (default); Kozachenko-Leonenko entropies H(X) + H(T) - H(X,T) with Euclidean
        distances, unweighted; or "whitened", the estimator of Butakov et al.: every entropy on whitened samples
        plus 1/2 log det of their covariance, the 1-NN estimator in the compressed spaces of up to 4 dimensions and
        the Berrett-weighted one with k neighbours in the joint space
        (:mod:`infoscope.estimators.whitened`). I(T;Y): Ross's mixed estimator with KSG, else the entropies of the
        same kind, each class on its own samples (whitened with its own covariance for "whitened").
    autoencoder_epochs : int
        Training epochs of each fully connected autoencoder.
    seed : int
        Seeds the noise and the autoencoders.

    A layer with point masses (the zeros of a ReLU, which relative noise keeps at zero) has no density: its
    I(X;T) is then estimated by the mixed estimator of Gao et al. 2017 and I(T;Y) by Ross 2014, whatever the
    method, and the row says so. Standard errors: ``std / sqrt(N)`` of the local values, or, for "whitened",
    the sum of the entropies' standard errors as Butakov et al.; neither covers the compression's variance.
    """

    def __init__(self, dims=4, compression="pca", input_compression="pca", noise=1e-3, k=5, method="ksg",
                 autoencoder_epochs=300, seed=0, workers=-1):
        self.dims = check_count(dims, "dims", 1)
        self.compression = check_choice(compression, "compression", ("pca", "autoencoder"))
        if not isinstance(input_compression, str) and callable(getattr(input_compression, "encode", None)):
            input_compression = input_compression.encode  # an autoencoder: its codes, not its reconstructions
        if not (callable(input_compression) or input_compression in ("pca", "autoencoder")):
            raise ValueError("input_compression must be 'pca', 'autoencoder' or a callable f(x) -> codes (e.g. a "
                             f"trained ConvAutoencoder or its encode); got {input_compression!r}")
        self.input_compression = input_compression
        self.noise = check_real(noise, "noise", minimum=0)
        self.k = check_count(k, "k", 1)
        self.method = check_choice(method, "method", ("ksg", "kl", "whitened"))
        self.autoencoder_epochs = check_count(autoencoder_epochs, "autoencoder_epochs", 1)
        self.seed = check_count(seed, "seed", 0)
        self.workers = check_workers(workers)
        self._x = None
        owner = getattr(input_compression, "__self__", input_compression)  # a bound method's object
        self._input_name = (input_compression if isinstance(input_compression, str)
                            else getattr(owner, "label", type(owner).__name__))
        name = "whitened KL (Butakov et al.)" if method == "whitened" else method.upper()
        self.label = f"{name} k={k} after {compression} to {dims} dims, relative noise {noise:g}"

    @classmethod
    def butakov(cls, input_compression="pca", *, dims=4, k=5, seed=0, workers=-1) -> "Compressed":
        """The estimator of Butakov et al. 2024: every layer compressed by PCA to ``dims`` = 4 dimensions at each
        update, the input by ``input_compression`` (theirs: a convolutional autoencoder trained on the training
        set, :class:`infoscope.torch.ConvAutoencoder`; PCA by default), whitened Kozachenko-Leonenko entropies
        (1-NN in each 4-D space, Berrett-weighted with k = 5 in the 8-D joint space), no noise added here: put
        their noise layers into the network with :func:`infoscope.torch.insert_noise` (sigma = 1e-3, before
        every layer, in training and at inference) and use LeakyReLU, whose layers have no point masses."""
        return cls(dims=dims, compression="pca", input_compression=input_compression, noise=0.0, k=k,
                   method="whitened", seed=seed, workers=workers)

    def fit_inputs(self, x: np.ndarray, x_symbols: np.ndarray, labels: np.ndarray) -> None:
        smallest = min(len(idx) for _, idx in _classes(labels))
        if smallest <= self.k:
            raise ValueError(f"y: every class needs more than k={self.k} probe samples for its conditional entropy; "
                             f"the smallest has {smallest}")
        if callable(self.input_compression):
            codes = self.input_compression(x)
            codes = to_numpy(codes) if isinstance(codes, torch.Tensor) else np.asarray(codes)
            if codes.ndim != 2 or codes.shape[0] != x.shape[0] or not np.isfinite(codes).all():
                raise ValueError(f"input_compression must return finite codes of shape (N, dims) for the {x.shape[0]} "
                                 f"probe inputs; got shape {codes.shape}")
            self._x = codes.astype(np.float64)
        else:
            self._x = self._compress(x.reshape(x.shape[0], -1).astype(np.float64), self.input_compression)

    def estimate(self, t: np.ndarray, labels: np.ndarray) -> PlanePoint:
        t = t.astype(np.float64)
        if self.noise > 0:
            # t * eps has the law of |t| * eps: standard deviation noise * |t|.
            t = t + self.noise * t * np.random.default_rng(self.seed).standard_normal(t.shape)
        tc = self._compress(t, self.compression)
        knn = dict(k=self.k, workers=self.workers)
        how = (f"{self.method} k={self.k} on {self.compression} to {tc.shape[1]} dims "
               f"(input: {self._input_name}), relative noise {self.noise:g}")
        if point_masses(tc):
            # An atom (e.g. the rows a ReLU layer zeroes) has no density: the mixed estimator of Gao et al. 2017
            # for I(X;T), whatever the method, and Ross 2014 for I(T;Y).
            how += "; the layer has point masses: I(X;T) by the mixed estimator (Gao et al. 2017), I(T;Y) by Ross 2014"
            i_xt, xt_se = _mean_se(estimators.mutual_info(self._x, tc, discrete=(False, "mixed"), local=True, **knn))
            i_ty, ty_se = _mean_se(estimators.mutual_info(tc, labels, discrete=("mixed", True), local=True, **knn))
            return PlanePoint(i_xt, i_ty, how, xt_se, ty_se)
        if self.method == "whitened":
            xt = whitened_mutual_info(self._x, tc, **knn)
            ty = whitened_label_information(tc, labels, **knn)
            return PlanePoint(xt.value, ty.value, how + "; standard errors summed over the entropies", xt.se, ty.se)
        if self.method == "ksg":
            i_xt, xt_se = _mean_se(estimators.mutual_info(self._x, tc, local=True, **knn))
            # The labels are discrete: Ross 2014, whose estimate stays within [0, H(Y)] up to its noise.
            i_ty, ty_se = _mean_se(estimators.mutual_info(tc, labels, discrete=(False, True), local=True, **knn))
            return PlanePoint(i_xt, i_ty, how, xt_se, ty_se)
        i_xt, xt_se = _mean_se(estimators.mutual_info(self._x, tc, method="kl", metric="euclidean", local=True, **knn))
        i_ty, ty_se = _mean_se(_label_conditional(
            lambda a: estimators.entropy(a, k=self.k, metric="euclidean", noise=1e-10, seed=self.seed, local=True,
                                         workers=self.workers), tc, labels))
        return PlanePoint(i_xt, i_ty, how, xt_se, ty_se)

    def _compress(self, a: np.ndarray, how: str) -> np.ndarray:
        if a.shape[1] <= self.dims:
            return a
        if how == "pca":
            centred = a - a.mean(axis=0)
            _, _, vt = np.linalg.svd(centred, full_matrices=False)
            return centred @ vt[: self.dims].T
        return autoencoder_codes(a, self.dims, epochs=self.autoencoder_epochs, seed=self.seed)


def autoencoder_codes(a: np.ndarray, dims: int, *, epochs: int = 300, hidden: int = 64, seed: int = 0) -> np.ndarray:
    """Codes of a small fully connected autoencoder (width -> hidden -> dims -> hidden -> width) trained on the
    standardised rows of ``a`` with Adam for ``epochs`` full-batch steps; the compression of Butakov et al. 2024,
    in its simplest form."""
    generator = torch.Generator().manual_seed(seed)
    data = torch.as_tensor((a - a.mean(axis=0)) / np.maximum(a.std(axis=0), 1e-12), dtype=torch.float32)
    width = data.shape[1]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))
        encoder = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, dims))
        decoder = nn.Sequential(nn.Linear(dims, hidden), nn.ReLU(), nn.Linear(hidden, width))
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-2)
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(decoder(encoder(data)), data)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return encoder(data).double().numpy()


_ESTIMATORS = {"binned": Binned, "kde": KernelDensity, "knn": Compressed}


@dataclass(frozen=True)
class PlaneRow:
    """One point of the information plane: layer ``layer`` at ``epoch``."""
    epoch: int
    layer: str
    i_xt: float      # I(X;T)
    i_ty: float      # I(T;Y)
    width: int       # units of the (flattened) layer
    samples: int     # probe samples
    unit: str        # "bits" or "nats"
    estimator: str   # what was estimated how
    i_xt_se: float = math.nan   # standard error of i_xt: the sampling noise of its average (see the module)
    i_ty_se: float = math.nan   # standard error of i_ty


class InformationPlane(EpochMonitor):
    """I(X;T) and I(T;Y) of chosen layers, from a probe pass over fixed inputs whenever :meth:`update` is called.

    Parameters
    ----------
    model : torch.nn.Module
    x : tensor or array, shape (N, ...)
        Probe inputs: the training set or a held-out set, as the study requires.
    y : array of N class labels
        Integers, booleans, whole-number floats or one-hot rows.
    layers : see :func:`infoscope.torch.select_modules`
        Layers to place on the plane, e.g. ``nn.Tanh`` or ``["net.1", "net.3"]``; default every leaf module.
    estimator : "binned", "kde", "knn", or a :class:`Binned`, :class:`KernelDensity` or :class:`Compressed`
        The strings give those classes with their defaults.
    base : float
        2 (bits, default, as the papers) or e (nats).
    batch_size : int
        Probe samples per forward pass.
    forward : callable or None
        ``forward(model, batch)`` for models whose call is not ``model(batch)``.

    Each update runs the model in evaluation mode under ``torch.no_grad()`` (restoring its mode afterwards),
    with hooks attached for that pass only; nothing recorded is kept except the table rows.

    Examples
    --------
    >>> plane = InformationPlane(model, x_test, y_test, layers=nn.Tanh)                # doctest: +SKIP
    >>> for epoch in range(epochs):                                                      # doctest: +SKIP
    ...     train_one_epoch(model); plane.update(epoch)
    >>> plane.to_csv("plane.csv"); plane.plot().savefig("plane.png")                    # doctest: +SKIP
    """

    row_type = PlaneRow

    def __init__(self, model: nn.Module, x, y, layers=None, estimator="binned", *, base=2, batch_size=1024,
                 forward: Optional[Callable] = None):
        if isinstance(estimator, str):
            estimator = _ESTIMATORS[check_choice(estimator, "estimator", tuple(_ESTIMATORS))]()
        elif not isinstance(estimator, tuple(_ESTIMATORS.values())):
            raise TypeError(f"estimator must be 'binned', 'kde', 'knn' or an instance of Binned, KernelDensity or "
                            f"Compressed; got {estimator!r}")
        self.model, self.layers, self.estimator = model, layers, estimator
        self.names = list(select_modules(model, layers))
        self._divisor = estimators.check_output(base)
        self.unit = estimators.unit_name(base)
        self.batch_size = check_count(batch_size, "batch_size", 1)
        self.forward = forward or (lambda m, batch: m(batch))
        self.x = torch.as_tensor(x) if not isinstance(x, torch.Tensor) else x.detach()
        if self.x.dim() == 0 or self.x.shape[0] == 0:
            raise ValueError(f"x must hold at least one probe sample, got shape {tuple(self.x.shape)}")
        x_np = self.x.cpu().numpy()
        if x_np.dtype.kind == "f" and not np.isfinite(x_np).all():
            raise ValueError("x must be finite; check for nan or inf values")
        self.labels = class_labels(y, self.x.shape[0])
        x_symbols = _input_symbols(x_np)
        self.estimator.fit_inputs(x_np, x_symbols, self.labels)
        # The plug-in entropies of the probe inputs and labels: upper limits of I(X;T) and I(T;Y).
        self.h_x = estimators.entropy(x_symbols, method="binned") / self._divisor
        self.h_y = estimators.entropy(self.labels, method="binned") / self._divisor
        self.rows: list[PlaneRow] = []

    def update(self, epoch: Optional[int] = None) -> list[PlaneRow]:
        """Runs the probe pass, estimates every layer, appends and returns this epoch's rows. ``epoch`` defaults
        to one past the last update's (0 first)."""
        epoch = self.next_epoch(epoch)
        activations = self._probe()
        rows = []
        for name in self.names:
            if name not in activations:
                raise RuntimeError(f"layer {name!r} was not called during the probe forward pass")
            t = to_numpy(activations.pop(name))
            point = self.estimator.estimate(t, self.labels)
            rows.append(PlaneRow(epoch, name, point.i_xt / self._divisor, point.i_ty / self._divisor, t.shape[1],
                                 t.shape[0], self.unit, point.how, point.i_xt_se / self._divisor,
                                 point.i_ty_se / self._divisor))
        self.rows.extend(rows)
        return rows

    def _probe(self) -> dict[str, torch.Tensor]:
        # Kept where the model is, so later updates do not copy the probe set again.
        self.x = model_inputs(self.model, self.x)
        with evaluation(self.model), torch.no_grad(), ActivationRecorder(self.model, self.names) as recorder:
            for batch in self.x.split(self.batch_size):
                self.forward(self.model, batch)
        return recorder.activations

    def plot(self, ax=None, title: Optional[str] = None, *, errors: bool = True, smooth=None):
        """The plane as a matplotlib Figure: one curve per layer through the epochs, points coloured by epoch,
        with H(Y) (the most I(T;Y) can be) dashed. Draws into ``ax`` when given. ``errors`` draws each point's
        standard errors as bars; ``smooth`` (see :func:`infoscope.plot.information_plane`) draws each layer's
        curve smoothed over the epochs, with the raw points faint behind it."""
        from ..plot import information_plane
        return information_plane(self.rows, h_y=self.h_y, ax=ax, title=title or self.estimator.label,
                                 errors=errors, smooth=smooth)
