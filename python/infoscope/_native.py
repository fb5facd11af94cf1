"""Loads the compiled cores. ``_core`` (CPU) is always present; ``_cuda`` is built when nvcc is found.

``HAS_CUDA`` says whether the CUDA backend can run here: the module is built and a visible device has kernel
images in it. ``USABLE_DEVICES`` lists those devices; ``CUDA_PROBLEM`` says why nothing (or some device) cannot
be used, e.g. a driver too old for the CUDA runtime linked into the build, or a GPU the build has no kernels for.
"""

from __future__ import annotations

from . import _core as core

__all__ = ["core", "cuda", "HAS_CUDA", "USABLE_DEVICES", "CUDA_PROBLEM"]

try:
    from . import _cuda as cuda  # type: ignore[attr-defined]
except ImportError:
    cuda = None


def _probe() -> tuple[list, str]:
    if cuda is None:
        return [], "this build has no CUDA module (built without nvcc, or with INFOSCOPE_CUDA=OFF)"
    problem = cuda.devices_problem()
    if problem:
        return [], problem
    problems = {d: cuda.device_problem(d) for d in range(cuda.device_count())}
    return [d for d, why in problems.items() if not why], "; ".join(why for why in problems.values() if why)


USABLE_DEVICES, CUDA_PROBLEM = _probe()
HAS_CUDA = bool(USABLE_DEVICES)
