"""Noise layers that keep the information between layers finite (Butakov et al. 2024).

A deterministic network maps its input to each layer by a function, so I(X;T) of a continuous layer is infinite
(or, estimated, an artefact of the estimator). Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov & Andreev 2024
("Information bottleneck analysis of deep neural networks via lossy compression", ICLR) make the network
stochastic, after Goldfeld et al. 2019: Gaussian noise of standard deviation ``sigma * |x|`` (sigma = 1e-3) is
added to the input of every layer, in training and at inference, so that every layer is a noisy channel of its
input. :func:`insert_noise` does this to a model you already have, without changing its modules or their names.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .._arrays import check_count, check_flag, check_real
from .hooks import select_modules

__all__ = ["AdditiveGaussianNoise", "insert_noise", "remove_noise", "noisy_layers"]

# The layers Butakov et al. put noise before: every layer with weights.
WEIGHTED_LAYERS = (nn.Linear, nn.Bilinear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d,
                   nn.ConvTranspose3d)


class AdditiveGaussianNoise(nn.Module):
    """Adds Gaussian noise of standard deviation ``sigma * |x|`` (``relative=True``, default) or ``sigma``, in
    training and in evaluation, so that the information between layers stays finite (Butakov et al. 2024 use
    relative noise with sigma = 1e-3 before each layer).

    ``seed`` (an int) gives the layer its own random stream, one per device, so that the noise is the same from
    run to run whatever else draws random numbers; None (default) draws from torch's global generator.
    Relative noise leaves exact zeros at zero: a ReLU's zeros stay a point mass (use LeakyReLU, as Butakov et
    al., where a layer's information is to be estimated).
    """

    def __init__(self, sigma: float = 1e-3, relative: bool = True, seed: Optional[int] = None):
        super().__init__()
        self.sigma, self.relative = check_real(sigma, "sigma", minimum=0), check_flag(relative, "relative")
        self.seed = None if seed is None else check_count(seed, "seed", 0)
        self._generators: dict = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"AdditiveGaussianNoise takes a floating-point tensor, got "
                            f"{getattr(x, 'dtype', type(x).__name__)}")
        if self.sigma == 0:
            return x
        noise = torch.randn(x.shape, dtype=x.dtype, device=x.device, generator=self._generator(x.device)) * self.sigma
        return x + (noise * x.abs() if self.relative else noise)

    def _generator(self, device: torch.device) -> Optional[torch.Generator]:
        if self.seed is None:
            return None
        key = str(device)
        if key not in self._generators:
            self._generators[key] = torch.Generator(device=device).manual_seed(self.seed)
        return self._generators[key]

    def extra_repr(self) -> str:
        return f"sigma={self.sigma}, relative={self.relative}" + ("" if self.seed is None else f", seed={self.seed}")


def insert_noise(model: nn.Module, before=WEIGHTED_LAYERS, *, sigma: float = 1e-3, relative: bool = True,
                 seed: Optional[int] = 0) -> nn.Module:
    """Adds :class:`AdditiveGaussianNoise` to the input of every chosen layer of ``model``, in training and in
    evaluation, and returns the model (the same object).

    Parameters
    ----------
    model : torch.nn.Module
    before : layer spec, as :func:`infoscope.torch.select_modules` takes it
        The layers whose input gets noise: names, glob patterns, module types, predicates or a list of them.
        Default: every layer with weights (``nn.Linear``, ``nn.Bilinear``, convolutions and transposed
        convolutions), where Butakov et al. 2024 put their noise.
    sigma : float
        Standard deviation of the noise, relative to ``|x|`` (default 1e-3, as Butakov et al.) or absolute
        (``relative=False``).
    seed : int or None
        Layer i (in the model's order) draws from its own generator seeded with ``seed + i``, so the noise of a
        run is reproducible; None draws from torch's global generator.

    The noise is a forward pre-hook on each layer: the model's modules, their names and its ``state_dict`` are
    unchanged, so layer selections (``InformationPlane(layers=...)``) and saved weights still apply. It is added
    to the layer's first positional argument. A layer that already has noise from this function gets no second
    one (a ValueError). :func:`remove_noise` takes it off again; :func:`noisy_layers` lists it.
    """
    chosen = select_modules(model, before)
    sigma = check_real(sigma, "sigma", minimum=0)
    relative = check_flag(relative, "relative")
    if seed is not None:
        seed = check_count(seed, "seed", 0)
    twice = [name for name in chosen if name in noisy_layers(model)]
    if twice:
        raise ValueError(f"before: layers {', '.join(twice)} already have noise from insert_noise; call "
                         "remove_noise(model) first to change it")
    for i, (name, module) in enumerate(chosen.items()):
        module.register_forward_pre_hook(_NoiseHook(AdditiveGaussianNoise(sigma, relative, None if seed is None
                                                                          else seed + i), name))
    return model


class _NoiseHook:
    """The forward pre-hook of insert_noise: noise added to a layer's first positional input. An object rather
    than a closure, so that ``copy.deepcopy(model)`` gives the copy its own noise layer, which
    :func:`noisy_layers` and :func:`remove_noise` then find on the copy as on the original."""

    def __init__(self, noise: AdditiveGaussianNoise, name: str):
        self.noise, self.name = noise, name

    def __call__(self, module, args):
        if not args:
            raise TypeError(f"layer {self.name!r} was called without a positional input: insert_noise adds noise to "
                            "the first positional argument")
        return (self.noise(args[0]), *args[1:])


def _noise_hooks(model: nn.Module) -> list:
    """(layer name, layer, hook id, hook) of every insert_noise hook on the layers of ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return [(name, module, key, hook) for name, module in model.named_modules()
            for key, hook in list(module._forward_pre_hooks.items()) if isinstance(hook, _NoiseHook)]


def remove_noise(model: nn.Module) -> nn.Module:
    """Takes off all the noise :func:`insert_noise` added to ``model`` (or to the model it was copied from);
    returns the model. Without any, it does nothing."""
    for _, module, key, _ in _noise_hooks(model):
        # What torch's RemovableHandle.remove does for a pre-hook registered without kwargs.
        module._forward_pre_hooks.pop(key)
    return model


def noisy_layers(model: nn.Module) -> dict[str, AdditiveGaussianNoise]:
    """The layers of ``model`` that :func:`insert_noise` put noise before, by name, with their noise layers."""
    return {name: hook.noise for name, _, _, hook in _noise_hooks(model)}
