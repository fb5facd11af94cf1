"""Loads the compiled cores. ``_core`` (CPU) is always present; ``_cuda`` is built when nvcc is found."""

from __future__ import annotations

from . import _core as core

__all__ = ["core", "HAS_CUDA"]

# The CUDA module is built only when nvcc is found, and usable only when a device is present.
try:
    from . import _cuda as cuda  # type: ignore[attr-defined]

    HAS_CUDA = bool(cuda.device_count() > 0)  # 0 without a driver: the module loads, nothing runs on it
except ImportError:
    cuda = None
    HAS_CUDA = False
