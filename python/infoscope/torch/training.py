"""Running information monitors (:class:`InformationPlane`, :class:`LayerTransferEntropy`) around training.

A monitor has three methods: ``start()`` before the first epoch, ``epoch_end(epoch)`` after each, and ``stop()``
at the end, also when training fails. :func:`fit` is a plain training loop that calls them; :func:`lightning_callback`
gives a PyTorch Lightning callback that does the same inside ``Trainer.fit``.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from .._arrays import check_count, check_flag
from .noise import AdditiveGaussianNoise  # noqa: F401  (its former home; kept importable from here)

__all__ = ["fit", "lightning_callback", "AdditiveGaussianNoise"]


def fit(model: nn.Module, loader: Iterable, optimizer: torch.optim.Optimizer, loss_fn: Callable, epochs: int, *,
        monitors: Sequence = (), device=None, progress: bool = True) -> list[float]:
    """Trains ``model`` for ``epochs`` passes over ``loader`` and runs the monitors; returns the mean training
    loss of each epoch.

    ``loader`` yields ``(inputs, targets)`` batches; each step is ``loss_fn(model(inputs), targets)``, backward,
    ``optimizer.step()``. Epochs are numbered from 1, so an information plane's ``start()`` point (the
    untrained network) is epoch 0. Batches are moved to ``device`` when given. A progress bar shows the epochs
    unless ``progress=False``.
    """
    epochs = check_count(epochs, "epochs", 1)
    progress = check_flag(progress, "progress")
    for m in monitors:
        if not all(callable(getattr(m, name, None)) for name in ("start", "epoch_end", "stop")):
            raise TypeError(f"monitors must have start(), epoch_end(epoch) and stop(); got {type(m).__name__}")
    losses = []
    started = []
    try:
        for m in monitors:
            m.start()
            started.append(m)
        bar = tqdm(range(1, epochs + 1), desc="epochs", unit="epoch", disable=not progress)
        for epoch in bar:
            model.train()
            total, count = 0.0, 0
            for inputs, targets in loader:
                if device is not None:
                    inputs, targets = inputs.to(device), targets.to(device)
                optimizer.zero_grad()
                loss = loss_fn(model(inputs), targets)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(inputs)
                count += len(inputs)
            if count == 0:
                raise ValueError("loader yielded no batches")
            losses.append(total / count)
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
            for m in monitors:
                m.epoch_end(epoch)
    finally:
        for m in started:
            m.stop()
    return losses


def lightning_callback(*monitors):
    """A PyTorch Lightning callback running the monitors in ``Trainer.fit``: ``start()`` at the start of
    training, ``epoch_end(epoch)`` after each training epoch (epochs counted from 1), ``stop()`` at the end and
    on exceptions. Needs ``lightning`` (or the older ``pytorch_lightning``)."""
    try:
        from lightning.pytorch import Callback
    except ImportError:
        try:
            from pytorch_lightning import Callback
        except ImportError as err:
            raise ImportError("lightning_callback needs PyTorch Lightning: pip install lightning") from err

    class InformationMonitors(Callback):
        def __init__(self):
            self.monitors = list(monitors)
            self._running = False

        def on_train_start(self, trainer, pl_module):
            for m in self.monitors:
                m.start()
            self._running = True

        def on_train_epoch_end(self, trainer, pl_module):
            for m in self.monitors:
                m.epoch_end(trainer.current_epoch + 1)

        def on_train_end(self, trainer, pl_module):
            self._stop()

        def on_exception(self, trainer, pl_module, exception):
            self._stop()

        def _stop(self):
            if self._running:
                for m in self.monitors:
                    m.stop()
                self._running = False

    return InformationMonitors()
