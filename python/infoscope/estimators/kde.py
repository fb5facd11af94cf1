"""Kernel (pairwise-distance) bounds on the entropy of data blurred by Gaussian noise.

For samples x_1..x_N, let X be uniform over them and T = X + Z with Z ~ N(0, s^2 I): T is a mixture of N
Gaussians of variance s^2. Kolchinsky & Tracey 2017 (Entropy 19, 361, "Estimating mixture entropy with pairwise
distances") bound its entropy by

``H(T) ~ d/2 log(2 pi e s^2) - (1/N) sum_i log((1/N) sum_j exp(-D(p_i || p_j)))``

which is an upper bound with the Kullback-Leibler divergence, ``D = |x_i - x_j|^2 / (2 s^2)``, and a lower bound
with the Bhattacharyya distance, ``D = |x_i - x_j|^2 / (8 s^2)``. Saxe et al. 2018 (ICLR, "On the information
bottleneck theory of deep learning") use them for the information plane of networks with noisy layers: since
H(T | X) = d/2 log(2 pi e s^2), ``I(X;T) = -(1/N) sum_i log((1/N) sum_j exp(-D_ij))``, at most log N.

The estimate is of the noisy variable T, never of X itself: it depends on s^2, which the user states.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from .._arrays import check_choice, check_real, check_workers, warn
from .._backend import backend_for
from .._limits import native_progress

__all__ = ["kde_entropy", "kernel_log_mean"]

# Kernel evaluations (N^2 d) above which a progress bar shows (seconds of work), and a warning (hours).
_SHOW_PROGRESS = 2e10
_WARN_WORK = 1e13

# Kernel variance of each bound, in units of the noise variance s^2 (D_ij = |x_i - x_j|^2 / (2 h)).
_KERNEL_SCALE = {"upper": 1.0, "lower": 4.0}


def kernel_log_mean(x, *, noise_var, bound="upper", workers=-1, device="auto") -> np.ndarray:
    """``log((1/N) sum_j exp(-D_ij))`` for every sample i, the pairwise-distance term of the bound (nats, <= 0).

    Minus its mean is the bound's I(X; X + Z) for X uniform over the samples (Saxe et al. 2018). ``device``:
    "auto" (where x lies), "cpu", "cuda" or "cuda:N"; both compute the same sums.
    """
    return _kernel_term(backend_for(device, x=x), x, noise_var, bound, workers)[0]


def kde_entropy(backend, x, *, noise_var, bound, workers) -> np.ndarray:
    """Local values of the pairwise-distance bound on H(X + Z), Z ~ N(0, noise_var I) (Kolchinsky & Tracey 2017).

    ``h_i = d/2 log(2 pi e s^2) - log((1/N) sum_j exp(-D_ij))``; ``bound="upper"`` (Kullback-Leibler distances,
    the default) or ``"lower"`` (Bhattacharyya). Costs N^2 d: meant for the few thousand samples of an
    information-plane probe set.
    """
    term, d, noise_var = _kernel_term(backend, x, noise_var, bound, workers)
    return 0.5 * d * (math.log(2 * math.pi * math.e) + math.log(noise_var)) - term  # no overflow at 1e308


def _kernel_term(backend, x, noise_var, bound, workers):
    """The kernel term of every sample, x's dimension and the validated noise variance."""
    x = backend.samples(x, "x")
    noise_var = check_real(noise_var, "noise_var", positive=True)
    scale = _KERNEL_SCALE[check_choice(bound, "bound", tuple(_KERNEL_SCALE))]
    if not sys.float_info.min <= scale * noise_var <= sys.float_info.max:
        # A subnormal variance overflows 1 / (2 s^2); a kernel variance beyond the largest double is infinite.
        raise ValueError(f"noise_var must lie between {sys.float_info.min!r} and {sys.float_info.max / scale:.6g} "
                         f"for bound={bound!r}; got {noise_var!r}")
    workers = check_workers(workers)
    n, d = x.shape
    if n * n * d < _SHOW_PROGRESS:
        return backend.kernel_log_mean(x, scale * noise_var, workers), d, noise_var
    if n * n * d > _WARN_WORK:
        warn(f"the kernel bound costs N^2 d = {n * n * d:.2g} kernel evaluations for N = {n}: hours on a "
             "CPU; it shows its progress and stops on Ctrl-C (a subsample of a few thousand probe points "
             "usually suffices)")
    with native_progress(n, "kernel bound", "row", None) as job:
        term = backend.kernel_log_mean(x, scale * noise_var, workers, job)
    return term, d, noise_var
