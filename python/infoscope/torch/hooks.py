"""Activation capture: forward hooks that copy chosen modules' outputs, and always come off again."""

from __future__ import annotations

import fnmatch
import numbers
import zlib
from typing import Callable

import numpy as np
import torch
from torch import nn

from .._arrays import check_choice, check_count, check_flag

__all__ = ["ActivationRecorder", "select_modules", "to_numpy"]


def _leaves(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(name, m) for name, m in model.named_modules() if name and not any(True for _ in m.children())]


def select_modules(model: nn.Module, layers=None) -> dict[str, nn.Module]:
    """The modules of ``model`` that ``layers`` names, by name, in the model's order.

    ``layers`` is None (every leaf module: one with no children), a name or glob pattern of
    ``model.named_modules()`` ("encoder.*"), a module type or tuple of types (``nn.ReLU``), a predicate
    ``f(name, module) -> bool``, or a list mixing these. A name or pattern that matches nothing is a ValueError
    listing the names there are.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    named = [(name, m) for name, m in model.named_modules() if name]
    if layers is None:
        chosen = {name for name, _ in _leaves(model)}
    else:
        items = list(layers) if isinstance(layers, (list, tuple)) and not _is_type_tuple(layers) else [layers]
        if not items:
            raise ValueError("layers is empty: name at least one module")
        chosen = set()
        for item in items:
            matched = _match(named, item)
            if not matched:
                shown = ", ".join(name for name, _ in named[:30]) + (", ..." if len(named) > 30 else "")
                raise ValueError(f"layers: {item!r} matches no module of the model; its modules are: {shown}")
            chosen.update(matched)
    if not chosen:
        raise ValueError("layers selects no module (the model has no submodules)")
    return {name: m for name, m in named if name in chosen}


def _is_type_tuple(value) -> bool:
    return isinstance(value, tuple) and len(value) > 0 and all(isinstance(v, type) for v in value)


def _match(named, item) -> set[str]:
    if isinstance(item, str):
        return {name for name, _ in named if fnmatch.fnmatchcase(name, item)}
    if isinstance(item, type) or _is_type_tuple(item):
        return {name for name, m in named if isinstance(m, item)}
    if callable(item):
        return {name for name, m in named if item(name, m)}
    raise TypeError(f"layers entries must be names, glob patterns, module types or predicates; got {item!r}")


def _output_tensor(output, name: str) -> torch.Tensor:
    # Recurrent modules return (output, state): the output comes first.
    while isinstance(output, (tuple, list)) and output:
        output = output[0]
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"module {name!r} returned {type(output).__name__}, not a tensor: it cannot be recorded")
    return output


class ActivationRecorder:
    """Records the outputs of chosen modules of a model during forward passes.

    Parameters
    ----------
    model : torch.nn.Module
    layers : see :func:`select_modules`
        Which modules to record; None records every leaf module.
    flatten : bool
        Flatten every output to (batch, units), e.g. a (batch, channels, h, w) convolution map to
        (batch, channels * h * w). Default True; False keeps the output's shape.
    units : None, int or dict
        None: every unit. An int: the same random subset of that many units of each layer (all of a narrower
        layer), drawn with ``seed`` when the layer is first seen and kept from then on; a dict maps layer names
        to index sequences. Needs ``flatten=True``.
    device : "cpu", None or torch.device
        Where copies go: "cpu" (default), None to keep them on the module's device.
    mode : {None, "train", "eval"}
        Record every forward pass (None), or only those in training mode or in evaluation mode, e.g. to leave
        out the probe passes of an information plane while recording training steps.
    seed : int
        Seed of the random unit subsets.

    Every forward pass appends its batch: after several passes ``activations[name]`` holds their rows in
    order. Copies are detached and independent of the model's buffers (an in-place activation after the
    module does not change them). Hooks are attached by ``with recorder:`` (or :meth:`attach`) and come off at
    the end of the block, also when it raises (or on :meth:`detach`); :meth:`clear` frees the recorded data.

    Examples
    --------
    >>> with ActivationRecorder(model, layers=nn.ReLU) as rec:       # doctest: +SKIP
    ...     model(x)
    >>> rec.activations["net.1"].shape                                # doctest: +SKIP
    torch.Size([256, 100])
    """

    def __init__(self, model: nn.Module, layers=None, *, flatten=True, units=None, device="cpu", mode=None, seed=0):
        self.modules = select_modules(model, layers)
        self.flatten = check_flag(flatten, "flatten")
        self.mode = check_choice(mode, "mode", (None, "train", "eval"))
        self.device = None if device is None else torch.device(device)
        self.seed = check_count(seed, "seed", 0)
        self.unit_indices: dict[str, torch.Tensor] = {}
        self._units_per_layer = None
        if units is not None:
            if not self.flatten:
                raise ValueError("units= picks columns of flattened outputs: it needs flatten=True")
            if isinstance(units, dict):
                unknown = set(units) - set(self.modules)
                if unknown:
                    raise ValueError(f"units names layers that are not recorded: {', '.join(sorted(unknown))}")
                self.unit_indices = {name: _unit_indices(idx, name) for name, idx in units.items()}
            elif isinstance(units, numbers.Integral) and not isinstance(units, bool) and int(units) >= 1:
                self._units_per_layer = int(units)
            else:
                raise ValueError(f"units must be None, a positive integer or a dict of index lists; got {units!r}")
        self._batches: dict[str, list[torch.Tensor]] = {name: [] for name in self.modules}
        self._handles: list = []

    @property
    def names(self) -> list[str]:
        """The recorded modules' names, in the model's order."""
        return list(self.modules)

    @property
    def attached(self) -> bool:
        return bool(self._handles)

    def attach(self) -> "ActivationRecorder":
        """Registers the forward hooks (once; attaching twice does nothing)."""
        if not self._handles:
            self._handles = [m.register_forward_hook(self._hook(name)) for name, m in self.modules.items()]
        return self

    def detach(self) -> None:
        """Removes the hooks; the recorded activations stay until :meth:`clear`."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> "ActivationRecorder":
        return self.attach()

    def __exit__(self, *exc) -> None:
        self.detach()

    def clear(self) -> None:
        """Frees the recorded activations (the unit subsets are kept)."""
        for batches in self._batches.values():
            batches.clear()

    @property
    def activations(self) -> dict[str, torch.Tensor]:
        """Recorded outputs per layer name, the batches of all passes since the last :meth:`clear` concatenated.
        Layers that saw no pass are left out."""
        out = {}
        for name, batches in self._batches.items():
            if len(batches) > 1:  # concatenate once and keep the result, so repeated reads cost nothing
                batches[:] = [torch.cat(batches)]
            if batches:
                out[name] = batches[0]
        return out

    def _hook(self, name: str) -> Callable:
        def hook(module, inputs, output):
            if self.mode is not None and module.training != (self.mode == "train"):
                return
            t = _output_tensor(output, name).detach()
            if self.flatten:
                t = t.reshape(t.shape[0], -1) if t.dim() > 1 else t.reshape(-1, 1)
            idx = self._indices(name, t)
            if idx is not None:
                t = t.index_select(1, idx.to(t.device))  # a copy already
                self._batches[name].append(t if self.device is None else t.to(self.device))
            else:
                self._batches[name].append(t.to(self.device or t.device, copy=True))
        return hook

    def _indices(self, name: str, t: torch.Tensor):
        idx = self.unit_indices.get(name)
        if idx is None and self._units_per_layer is not None:
            width = t.shape[1]
            # crc32, not hash(): Python salts str hashes per run, and the subsets must repeat.
            generator = torch.Generator().manual_seed(self.seed + zlib.crc32(name.encode()))
            idx = torch.randperm(width, generator=generator)[: self._units_per_layer].sort().values
            self.unit_indices[name] = idx
        if idx is not None and len(idx) and int(idx.max()) >= t.shape[1]:
            raise ValueError(f"units for layer {name!r} index past its {t.shape[1]} units")
        return idx


def _unit_indices(idx, name: str) -> torch.Tensor:
    """One layer's entry of ``units=``: a non-empty sequence of unit indices, each >= 0."""
    try:
        values = np.asarray(list(idx))
    except TypeError:
        raise TypeError(f"units[{name!r}] must be a sequence of unit indices, got {idx!r}") from None
    if values.ndim != 1 or values.size == 0 or values.dtype.kind not in "iu" or (values < 0).any():
        raise ValueError(f"units[{name!r}] must be a non-empty sequence of integers >= 0, got {idx!r}")
    return torch.as_tensor(values, dtype=torch.long)


def to_numpy(t: torch.Tensor):
    """A recorded (CPU) tensor as a numpy array; half-precision types, which numpy lacks, become float32."""
    return (t.float() if t.dtype in (torch.float16, torch.bfloat16) else t).numpy()
