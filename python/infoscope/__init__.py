"""infoscope: entropy, mutual information, conditional mutual information and transfer entropy, on a C++ core.

>>> import infoscope as isc
>>> isc.mutual_info(x, y)            # KSG, nats          # doctest: +SKIP
>>> isc.entropy(x, base=2)           # Kozachenko-Leonenko, bits  # doctest: +SKIP
"""

from __future__ import annotations

from ._native import CORE_VARIANTS, CUDA_PROBLEM, HAS_CUDA, core as _core, cuda as _cuda
from . import stats
from .estimators import (InfoMatrix, LagScan, conditional_mutual_info, entropy, estimate_many, multi_information,
                         mutual_info, mutual_info_matrix, transfer_entropy, transfer_entropy_lags,
                         transfer_entropy_matrix)
from . import networks
from .networks import active_information_storage, predictive_information

__version__ = _core.build_info()["version"]

__all__ = ["entropy", "mutual_info", "conditional_mutual_info", "multi_information", "transfer_entropy", "transfer_entropy_lags",
           "LagScan", "mutual_info_matrix", "transfer_entropy_matrix", "estimate_many", "InfoMatrix", "stats",
           "networks", "active_information_storage", "predictive_information", "build_info", "__version__"]


def build_info() -> dict:
    """How this installation was built and what it can use.

    Returns a dict with ``version``, ``compiler``, ``openmp`` (whether the core is multithreaded with OpenMP),
    ``threads`` (threads available to it), ``isa`` (the build of the core chosen for this CPU at import: ``v2``,
    ``v3`` or ``v4``, the x86-64 levels with SSE4.2, AVX2, AVX-512; ``native`` in a build for the building CPU;
    ``generic`` on other processors), ``isa_built`` (the builds in this installation), ``cuda_option``
    (the INFOSCOPE_CUDA build setting), ``cuda_built`` (whether the CUDA module was compiled), ``cuda``
    (whether it is usable: built and a visible device has kernels in it), ``cuda_problem`` (why not, or why some
    device cannot be used; "" when all can), and with the module ``cuda_architectures`` (compiled in),
    ``cuda_runtime`` (version, e.g. 13000) and ``cuda_devices`` (name, compute capability, memory of each
    visible device).
    """
    info = dict(_core.build_info())
    info["isa_built"] = list(CORE_VARIANTS)
    info["cuda_built"] = _cuda is not None
    info["cuda"] = HAS_CUDA
    info["cuda_problem"] = CUDA_PROBLEM
    if _cuda is not None:
        info["cuda_architectures"] = _cuda.architectures()
        info["cuda_devices"] = _cuda.devices() if HAS_CUDA else []
        info["cuda_runtime"] = _cuda.runtime_version() if HAS_CUDA else None
    return info
