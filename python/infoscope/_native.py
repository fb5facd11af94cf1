"""Loads the compiled cores. ``_core`` (CPU) is always present; ``_cuda`` arrives with the CUDA backend."""

from __future__ import annotations

from . import _core as core

__all__ = ["core", "HAS_CUDA"]

# The CUDA module is built only when nvcc is found, and usable only when a device is present.
try:  # pragma: no cover - exercised on GPU builds only
    from . import _cuda as cuda  # type: ignore[attr-defined]

    HAS_CUDA = bool(cuda.device_count() > 0)
except ImportError:
    cuda = None
    HAS_CUDA = False
