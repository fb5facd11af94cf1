"""infoscope: entropy, mutual information, conditional mutual information and transfer entropy, on a C++ core.

>>> import infoscope as isc
>>> isc.mutual_info(x, y)            # KSG, nats          # doctest: +SKIP
>>> isc.entropy(x, base=2)           # Kozachenko-Leonenko, bits  # doctest: +SKIP
"""

from __future__ import annotations

from ._native import HAS_CUDA, core as _core
from . import stats
from .estimators import (LagScan, conditional_mutual_info, entropy, mutual_info, transfer_entropy,
                         transfer_entropy_lags)

__version__ = _core.build_info()["version"]

__all__ = ["entropy", "mutual_info", "conditional_mutual_info", "transfer_entropy", "transfer_entropy_lags",
           "LagScan", "stats", "build_info", "__version__"]


def build_info() -> dict:
    """How this installation was built and what it can use.

    Returns a dict with ``version``, ``compiler``, ``openmp`` (whether the core is multithreaded with OpenMP),
    ``threads`` (threads available to it), ``native_arch`` (compiled for the building CPU), ``cuda_option``
    (the INFOSCOPE_CUDA build setting) and ``cuda`` (whether a CUDA module is built and a device is usable).
    """
    info = dict(_core.build_info())
    info["cuda"] = HAS_CUDA
    return info
