"""Training accelerated by transfer entropy: the learning rule of Moldovan, Cataron & Andonie.

Moldovan, Cataron & Andonie, "Learning in feedforward neural networks accelerated by transfer entropy",
Entropy 22, 102 (2020); "Learning in convolutional neural networks accelerated by transfer entropy", Entropy 23,
1218 (2021); and "Information plane analysis visualization in deep learning via transfer entropy", arXiv
2404.01364 (2024), scale the gradient step of the weight w_ij from neuron j of one layer to neuron i of the next
by the transfer entropy te_ij between the two neurons' outputs over consecutive training samples:

    Δw_ij = -η (1 - te_ij) ∂E/∂w_ij.

:class:`TEGuidedOptimizer` applies this rule around any PyTorch optimizer; the TE comes from a
:class:`~infoscope.torch.LayerTransferEntropy` monitor on the same model, so the recording, binarisation,
neuron-pair choice and windowed TE are that class's.

What we could check in the papers and what we could not. Only the abstracts (and secondary summaries) were
available to us, not the methods sections. Confirmed from the abstracts: the TE is measured between neuron
outputs of different layers of a feedforward network and fed back into a backpropagation-type update; in CNNs
it is computed for a random subset of the neuron pairs of the last two fully connected layers, to keep its
overhead low; the TE "becomes active only periodically, not after processing each input sample", a slowly
changing meta-parameter; the benefit they report is that fewer epochs are needed, at a cost per epoch. The
information-plane paper binarises activations (per a summary of it). Not confirmed from the papers themselves
(taken from secondary descriptions of the method): the exact factor (1 - te) rather than (1 + te) -- the 2020
abstract says the feedback "amplifies" a relevant connection, which (1 + te) would do and (1 - te) would not;
the threshold g of the binarisation (Herzog, Tetzlaff & Wörgötter, "Transfer entropy-based feedback improves
performance in artificial neural networks", arXiv 1706.04265, 2017, whose TE feedback they build on, used
g = 0.001 according to a summary); the window length and how often the TE is refreshed within an epoch;
k = l = 1; and whether the TE is in bits. ``sign=+1`` gives the (1 + te) reading.

Choices made here, each a parameter or documented:

* TE in bits, whatever base the monitor reports in (its values are converted). On binary series with
  k = l = 1 the TE is at most H(target_t | target_{t-1}) <= 1 bit, so 1 - te lies in [0, 1]. With ``bins`` > 2
  or a bias correction the estimate can leave [0, 1]; it is clipped to [0, ``max_te``] before use, so the
  factor never reverses or inflates a gradient.
* The TE of a neuron pair is the mean over the sliding windows of the latest update of the monitor (one per
  epoch when it runs in :func:`~infoscope.torch.fit`): a slowly changing factor, as the 2021 abstract
  describes. Before the first update every factor is 1: the wrapped optimizer runs unchanged.
* Only the weights of measured neuron pairs are scaled (a random subset when the monitor's ``n_pairs`` is a
  number); every other parameter, biases included (a bias has no source neuron), keeps its gradient.
* The factor multiplies the gradient before the wrapped optimizer's step. With plain SGD this is the rule
  exactly (with momentum, the factor enters the momentum buffer). Adaptive optimizers (Adam, RMSprop) divide
  by a running gradient scale and so undo most of a factor that changes slowly: use SGD to test the rule.
"""

from __future__ import annotations

import math
from typing import Optional, cast

import numpy as np
import torch
from torch import nn

from .._arrays import check_real
from .layer_te import LayerTransferEntropy

__all__ = ["TEGuidedOptimizer"]


class TEGuidedOptimizer:
    """An optimizer whose step scales the gradient of each measured weight w_ij by (1 - te_ij) (Moldovan,
    Cataron & Andonie 2020, 2021; see the module docstring for what was and was not confirmed in the papers).

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        The optimizer to wrap (plain SGD reproduces the papers' rule; see the module docstring on Adam). This
        wrapper is not a ``torch.optim.Optimizer``: give a learning-rate scheduler the wrapped ``.optimizer``.
    transfer : LayerTransferEntropy
        The TE monitor. Each of its layer pairs (source, target) must be joined by one ``nn.Linear`` whose
        ``weight[i, j]`` connects source unit j to target unit i. Run it as a monitor (``fit(...,
        monitors=[transfer])``, or attach it and call ``transfer.update()``): each update refreshes the factors.
    weights : dict or None
        Maps a layer pair ``(source, target)`` to the name of its ``nn.Linear`` module. A pair left out uses the
        target module itself, which must then be an ``nn.Linear`` (its output, the pre-activation, is then the
        target series). For a target that is an activation after the linear layer (``nn.ReLU``), name the
        linear layer here.
    sign : -1 or +1
        -1 (default) for the factor (1 - te), +1 for (1 + te).
    max_te : float
        The TE (bits) is clipped to [0, max_te] before use; default 1, the most a binary series carries.

    Attributes
    ----------
    factors : dict[str, torch.Tensor]
        Per linear module name, the (out_features, in_features) multipliers of the weight gradient: 1 - te at
        measured pairs, 1 elsewhere.
    te_bits : dict[(source, target), numpy.ndarray]
        The clipped TE per measured neuron pair, in the order of ``transfer.neuron_pairs``.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, transfer: LayerTransferEntropy, weights: Optional[dict] = None,
                 *, sign: int = -1, max_te: float = 1.0):
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        if not isinstance(transfer, LayerTransferEntropy):
            raise TypeError(f"transfer must be an infoscope.torch.LayerTransferEntropy, got {type(transfer).__name__}")
        if isinstance(sign, bool) or sign not in (-1, 1):
            raise ValueError(f"sign must be -1 (factor 1 - te) or +1 (factor 1 + te), got {sign!r}")
        self.optimizer, self.transfer, self.sign = optimizer, transfer, int(sign)
        self.max_te = check_real(max_te, "max_te", positive=True)
        if self.sign == -1 and self.max_te > 1:
            raise ValueError(f"max_te={max_te} > 1 would let 1 - te turn negative and reverse gradients")
        self.linears = self._linears(weights or {})
        optimized = {id(p) for group in optimizer.param_groups for p in group["params"]}
        for name, linear in self.linears.values():
            if id(linear.weight) not in optimized:
                raise ValueError(f"the weight of linear layer {name!r} is not among the optimizer's parameters")
        self.factors: dict[str, torch.Tensor] = {}
        self.te_bits: dict[tuple[str, str], np.ndarray] = {}
        self._seen_rows = 0

    def _linears(self, weights: dict) -> dict[tuple[str, str], tuple[str, nn.Linear]]:
        if not isinstance(weights, dict):
            raise TypeError(f"weights must be a dict mapping (source, target) layer pairs to linear layer names, "
                            f"got {type(weights).__name__}")
        unknown = set(weights) - set(self.transfer.layer_pairs)
        if unknown:
            raise ValueError(f"weights names layer pairs the transfer monitor does not measure: {sorted(unknown)}; "
                             f"it measures {self.transfer.layer_pairs}")
        modules = dict(self.transfer.model.named_modules())
        linears = {}
        owners: dict[str, tuple[str, str]] = {}
        for pair in self.transfer.layer_pairs:
            name = weights.get(pair, pair[1])
            if not isinstance(name, str) or name not in modules:
                raise ValueError(f"weights[{pair!r}] must name a module of the model, got {name!r}")
            if not isinstance(modules[name], nn.Linear):
                how = "name its nn.Linear in weights=" if pair not in weights else "it must be an nn.Linear"
                raise TypeError(f"layer pair {pair}: module {name!r} is a {type(modules[name]).__name__}, not an "
                                f"nn.Linear; {how}")
            if name in owners:
                raise ValueError(f"layer pairs {owners[name]} and {pair} both map to linear layer {name!r}")
            owners[name] = pair
            linears[pair] = (name, modules[name])
        return linears

    # The optimizer interface that training loops use.
    @property
    def param_groups(self):
        return self.optimizer.param_groups

    @property
    def state(self):
        return self.optimizer.state

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def state_dict(self) -> dict:
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict: dict) -> None:
        self.optimizer.load_state_dict(state_dict)

    def step(self, closure=None):
        """Scales the measured weight gradients by their factors, then steps the wrapped optimizer. A closure is
        evaluated once (with gradients) before the scaling; optimizers that re-evaluate it (LBFGS) are not
        supported."""
        if not self.transfer.recorder.attached and not self.factors:
            raise RuntimeError("the transfer monitor is not recording: run it in fit(..., monitors=[transfer]) or "
                               "attach it (with transfer: / transfer.attach()) around training")
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self.refresh()
        with torch.no_grad():
            for name, linear in self.linears.values():
                factor = self.factors.get(name)
                if factor is not None and linear.weight.grad is not None:
                    linear.weight.grad.mul_(factor)
        self.optimizer.step()
        return loss

    def refresh(self) -> None:
        """Rebuilds the factors from the monitor's latest update, if there is a new one (called by :meth:`step`)."""
        # Keyed on the number of rows, not the epoch: an update that repeats an epoch number still counts.
        if not self.transfer.rows or len(self.transfer.rows) == self._seen_rows:
            return
        epoch = self.transfer.rows[-1].epoch
        to_bits = self.transfer._divisor / math.log(2)       # the monitor reports TE / log(base)
        for pair in self.transfer.layer_pairs:
            te = self.transfer.pair_te[(epoch, *pair)].mean(axis=1) * to_bits
            self._set_te(pair, te)
        self._seen_rows = len(self.transfer.rows)

    def set_te(self, pair: tuple[str, str], te_bits) -> None:
        """Sets the TE (bits) of the measured neuron pairs of layer pair ``pair``, in the order of
        ``transfer.neuron_pairs[pair]``, and rebuilds that linear layer's factors: a TE of your own, which holds
        until the monitor's next update replaces it."""
        self.refresh()
        self._set_te(cast("tuple[str, str]", tuple(pair)), te_bits)  # a list is accepted too

    def _set_te(self, pair: tuple[str, str], te_bits) -> None:
        if pair not in self.linears:
            raise ValueError(f"pair {pair} is not a layer pair of the transfer monitor: {self.transfer.layer_pairs}")
        if pair not in self.transfer.neuron_pairs:
            raise RuntimeError(f"the neuron pairs of {pair} are drawn at the monitor's first update: run one first")
        source_units, target_units = self._units(pair)
        te = np.asarray(te_bits, dtype=np.float64)
        if te.shape != (len(source_units),):
            raise ValueError(f"te_bits must have one value per measured neuron pair ({len(source_units)}), "
                             f"got shape {te.shape}")
        if not np.isfinite(te).all():
            raise ValueError("te_bits contains nan or inf")
        te = np.clip(te, 0.0, self.max_te)
        name, linear = self.linears[pair]
        self._check_shape(pair, name, linear, source_units, target_units)
        factor = torch.ones(linear.weight.shape, dtype=torch.float64)
        factor[torch.as_tensor(target_units), torch.as_tensor(source_units)] = torch.as_tensor(1.0 + self.sign * te)
        self.factors[name] = factor.to(linear.weight.device, linear.weight.dtype)  # built once, used every step
        self.te_bits[pair] = te

    def _check_shape(self, pair, name, linear, source_units, target_units) -> None:
        """The linear layer must map the source layer's units to the target layer's: weight (target, source)."""
        out_features, in_features = linear.weight.shape
        subsets, widths = self.transfer.recorder.unit_indices, self.transfer.widths
        source, target = pair
        fits = (in_features == widths[source] if source not in subsets and source in widths
                else int(source_units.max()) < in_features)
        fits &= (out_features == widths[target] if target not in subsets and target in widths
                 else int(target_units.max()) < out_features)
        if not fits:
            raise ValueError(f"layer pair {pair}: linear layer {name!r} (in_features={in_features}, "
                             f"out_features={out_features}) does not join {source!r} "
                             f"({widths.get(source, '?')} units) to {target!r} ({widths.get(target, '?')} units); "
                             f"name the linear layer that joins them in weights=")

    def _units(self, pair) -> tuple[np.ndarray, np.ndarray]:
        """The measured neuron pairs as unit indices of the two layers (the monitor indexes its recorded columns,
        a subset when it records ``units=``)."""
        columns = self.transfer.neuron_pairs[pair].astype(np.int64)
        subsets = self.transfer.recorder.unit_indices
        units = []
        for side, name in enumerate(pair):
            idx = columns[:, side]
            units.append(subsets[name].numpy()[idx] if name in subsets else idx)
        return units[0], units[1]
