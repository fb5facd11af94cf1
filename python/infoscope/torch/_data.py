"""Inputs of the weight and coding measures: tensors from any array, (inputs, targets) data, batches of it."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

import numpy as np
import torch
from torch import nn

__all__ = ["as_tensor", "class_targets", "is_pair", "batches", "endless_batches", "model_device", "model_inputs",
           "run_model", "evaluation"]


def as_tensor(a, name: str) -> torch.Tensor:
    """A detached tensor of ``a`` (a tensor, numpy array or nested list) with at least one sample and, when
    floating point, only finite values."""
    if isinstance(a, torch.Tensor):
        t = a.detach()
    else:
        try:
            t = torch.as_tensor(np.asarray(a))
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(f"{name} must be a tensor or an array of numbers, got {type(a).__name__}") from err
    if t.dim() == 0 or t.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample (rows), got shape {tuple(t.shape)}")
    if t.is_complex():
        raise TypeError(f"{name} must be real, got dtype {t.dtype}")
    if t.is_floating_point() and not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} must be finite; check for nan or inf values")
    return t


def class_targets(y, n: int, name: str = "y") -> torch.Tensor:
    """Class labels as a 1-D int64 tensor of length n (integers, or floats with integer values)."""
    t = as_tensor(y, name)
    if t.dim() == 2 and t.shape[1] == 1:
        t = t.reshape(-1)
    if t.dim() != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {tuple(t.shape)}")
    if t.shape[0] != n:
        raise ValueError(f"x and {name} must have the same number of samples: x has {n}, {name} has {t.shape[0]}")
    if t.dtype == torch.bool or (t.is_floating_point() and bool((t == t.round()).all())):
        t = t.long()
    if t.is_floating_point() or int(t.min()) < 0:
        raise ValueError(f"{name} must hold class labels 0, 1, 2, ... (non-negative integers)")
    return t.long()


def is_pair(data) -> bool:
    """Whether ``data`` is one (inputs, targets) tuple; a list is a sequence of batches."""
    return isinstance(data, tuple) and len(data) == 2 and not isinstance(data[0], (tuple, list))


def endless_batches(data, batch_size: int, generator: torch.Generator):
    """Minibatches without end, for stochastic optimisation: random ones drawn from an (inputs, targets) pair,
    or a loader's own batches, pass after pass."""
    if is_pair(data):
        (x, y), = batches(data, len(data[0]))     # checked and converted once, then indexed
        assert y is not None  # a pair has targets
        while True:
            for idx in torch.randperm(x.shape[0], generator=generator).split(batch_size):
                yield x[idx], y[idx]
    while True:
        empty = True
        for batch in batches(data, batch_size):
            empty = False
            yield batch
        if empty:
            raise ValueError("data holds no samples")


def batches(data, batch_size: int, name: str = "data") -> Iterator[tuple[torch.Tensor, Optional[torch.Tensor]]]:
    """(inputs, targets or None) batches of ``data``: an input tensor or array, an (inputs, targets) tuple, or an
    iterable of batches (a DataLoader, a list) yielding inputs or (inputs, targets, ...)."""
    if is_pair(data):
        x, y = as_tensor(data[0], f"{name}[0] (inputs)"), as_tensor(data[1], f"{name}[1] (targets)")
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"{name}: inputs and targets must have the same number of samples: "
                             f"{x.shape[0]} and {y.shape[0]}")
        yield from zip(x.split(batch_size), y.split(batch_size))
    elif isinstance(data, (torch.Tensor, np.ndarray)):
        for x in as_tensor(data, name).split(batch_size):
            yield x, None
    else:
        try:
            iterator = iter(data)
        except TypeError as err:
            raise TypeError(f"{name} must be inputs, an (inputs, targets) pair or an iterable of batches; "
                            f"got {type(data).__name__}") from err
        for batch in iterator:
            if isinstance(batch, (tuple, list)):
                if not batch:
                    raise ValueError(f"{name} yielded an empty batch")
                x = as_tensor(batch[0], f"{name} inputs")
                targets = as_tensor(batch[1], f"{name} targets") if len(batch) > 1 else None
                if targets is not None and targets.shape[0] != x.shape[0]:
                    raise ValueError(f"{name} yielded a batch of {x.shape[0]} inputs and {targets.shape[0]} targets")
                yield x, targets
            else:
                yield as_tensor(batch, f"{name} inputs"), None


def model_device(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    """Where the model's parameters are, and their floating-point dtype (CPU and float32 for a model without)."""
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32)
    return device, dtype


def model_inputs(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """x on the model's device; floating-point inputs in the model's dtype, integer ones (token ids) as they are."""
    device, dtype = model_device(model)
    return x.to(device, dtype if x.is_floating_point() else x.dtype)


def run_model(call, x: torch.Tensor, name: str):
    """call(x), with the error of a model that cannot take integer inputs made to name them."""
    try:
        return call(x)
    except RuntimeError as err:
        if x.is_floating_point() or "dtype" not in str(err).lower():
            raise
        raise TypeError(f"{name} holds integers ({x.dtype}), which are passed on as they are (token ids) and "
                        f"this model cannot take them: convert {name} to floating point") from err


@contextmanager
def evaluation(model: nn.Module):
    """The model in evaluation mode (no dropout, running batch-norm statistics) for a block; its mode restored
    afterwards, also when the block raises."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
