"""Loads the compiled cores: the CPU core, always present, and ``_cuda``, built when nvcc is found.

The CPU core is compiled once per instruction-set level: ``_core_v2``, ``_core_v3`` and ``_core_v4`` (the x86-64
micro-architecture levels: SSE4.2, AVX2, AVX-512) in a portable build, ``_core_native`` in one built with
``INFOSCOPE_NATIVE=ON``, ``_core_generic`` on other processors. The widest one this CPU supports is imported and
registered as ``infoscope._core``; ``build_info()["isa"]`` names it. The environment variable ``INFOSCOPE_ISA``
(``v2``, ``v3``, ``v4``, ...) picks one instead, e.g. to compare them; only one is ever loaded in a process.

``HAS_CUDA`` says whether the CUDA backend can run here: the module is built and a visible device has kernel
images in it. ``USABLE_DEVICES`` lists those devices; ``CUDA_PROBLEM`` says why nothing (or some device) cannot
be used, e.g. a driver too old for the CUDA runtime linked into the build, or a GPU the build has no kernels for.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING

__all__ = ["core", "cuda", "HAS_CUDA", "USABLE_DEVICES", "CUDA_PROBLEM", "CORE_VARIANTS"]

# Widest first; "native" and "generic" are the only variant of their builds and run wherever they were built.
_PREFERENCE = ("native", "v4", "v3", "v2", "generic")


def _built_variants() -> list[str]:
    return [v for v in _PREFERENCE if importlib.util.find_spec(f"{__package__}._core_{v}") is not None]


def _load_core(built: list[str]) -> ModuleType:
    if not built:
        raise ImportError("infoscope: no compiled core (_core_*) was found next to the package; reinstall it")
    from . import _isa

    runnable = set(_isa.supported_levels()) | {"native", "generic"}
    forced = os.environ.get("INFOSCOPE_ISA", "").strip()
    if forced:
        if forced not in built:
            raise ImportError(f"INFOSCOPE_ISA={forced!r}: this build has the core variants {built}")
        if forced not in runnable:
            raise ImportError(f"INFOSCOPE_ISA={forced!r}: this CPU does not support x86-64-{forced}")
        choice = forced
    else:
        choice = next((v for v in built if v in runnable), "")
        if not choice:
            raise ImportError(f"infoscope: this CPU supports none of the core variants {built} (the lowest is "
                              "x86-64-v2: SSE4.2 and POPCNT)")
    module = importlib.import_module(f"{__package__}._core_{choice}")
    sys.modules[f"{__package__}._core"] = module
    return module


CORE_VARIANTS = _built_variants()
if TYPE_CHECKING:  # every build has the interface of the stub _core.pyi
    from . import _core as core
else:
    core = _load_core(CORE_VARIANTS)

try:
    from . import _cuda as cuda
except ImportError:  # built without nvcc
    cuda = None  # type: ignore[assignment]


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
