"""Turns the arrays users pass into validated buffers for the native core, or raises an error naming the argument.

Accepted: numpy arrays, (nested) lists, and array objects of other frameworks -- anything with ``__array__``
(torch CPU tensors, JAX arrays) or ``__dlpack__``. Rows are samples: a 1-D array of length N is N samples of
one variable, a 2-D array (N, d) is N samples of d variables. Validation happens here, once, before any native
call; the core below does no conversion of its own.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import warnings
from types import FrameType

import numpy as np

__all__ = ["as_samples", "as_binnable", "check_same_length", "check_k", "check_count", "check_real", "check_workers",
           "check_choice", "check_flag", "check_seed"]

# Threads any call may ask for: the core takes a C int, and no machine offers more.
MAX_WORKERS = 1 << 16

# DLPack device types that live in host memory (kDLCPU, kDLCUDAHost, kDLROCMHost).
_HOST_DEVICES = {1, 3, 11}


def to_numpy(x, name: str) -> np.ndarray:
    if x is None:
        raise TypeError(f"{name} must be an array of samples, got None")
    if hasattr(x, "__dlpack_device__"):
        device_type = x.__dlpack_device__()[0]
        if int(device_type) not in _HOST_DEVICES:
            raise ValueError(
                f"{name} lives on an accelerator (DLPack device type {int(device_type)}) that this estimator does "
                f"not read: move it to host memory first (e.g. {name}.cpu() for a torch tensor)"
            )
    if hasattr(x, "detach"):  # torch tensors that require grad refuse __array__
        x = x.detach()
    try:
        if hasattr(x, "__dlpack__") and not hasattr(x, "__array__"):
            return np.from_dlpack(x)
        return np.asarray(x)
    except (TypeError, ValueError, RuntimeError, BufferError) as err:
        raise TypeError(f"{name} could not be read as a numeric array ({type(x).__name__}): {err}") from None


def _as_table(x, name: str) -> np.ndarray:
    """``x`` as a real array of shape (N, d), N >= 1 and d >= 1, in its own dtype (a view where possible)."""
    a = to_numpy(x, name)
    kind = a.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must be real; got complex dtype {a.dtype}")
    if kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {a.dtype} ({type(x).__name__})")
    if a.ndim == 0:
        raise ValueError(f"{name} must be a 1-D (N,) or 2-D (N, d) array of samples; got a scalar")
    if a.ndim > 2:
        raise ValueError(f"{name} must be a 1-D (N,) or 2-D (N, d) array of samples; got {a.ndim} dimensions {a.shape}")
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has no samples (shape {a.shape})")
    if a.shape[1] == 0:
        raise ValueError(f"{name} has no variables: shape {a.shape}")
    return a


def as_samples(x, name: str) -> np.ndarray:
    """Return ``x`` as a finite, C-contiguous float64 array of shape (N, d), N >= 1 and d >= 1.

    Raises
    ------
    TypeError
        for None, objects that are not arrays, complex, string, object or datetime dtypes.
    ValueError
        for scalars, arrays of three or more dimensions, empty arrays and NaN or infinite values.
    """
    a = _as_table(x, name)
    kind = a.dtype.kind
    a = np.ascontiguousarray(a, dtype=np.float64)
    if kind == "f" and not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite; check for nan or inf values")
    return a


def as_binnable(x, name: str) -> np.ndarray:
    """Return ``x`` as a C-contiguous (N, d) array the binning core reads directly: float32 and float64 as they
    are (no converted copy), float16 as float32, and integers and booleans (symbols) as int64.

    Finiteness is checked by the core during its pass over the data, not here: a large layer is read once.
    Raises the errors of :func:`as_samples` except the one for non-finite values.
    """
    a = _as_table(x, name)
    if a.dtype.kind in "biu":
        # uint64 values above 2**63 wrap around: a bijection, so symbols stay distinct.
        return np.ascontiguousarray(a.astype(np.int64, copy=False))
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float32 if a.dtype.itemsize < 4 else np.float64)
    return np.ascontiguousarray(a)


def check_same_length(**arrays: np.ndarray) -> int:
    """All arrays have the same number of rows; return it."""
    lengths = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"{', '.join(lengths)} must have the same number of samples (rows): {shown}")
    return next(iter(lengths.values()))


def check_k(k, n: int, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{name} must be an integer number of neighbours, got {k!r}")
    k = int(k)
    if k < 1:
        raise ValueError(f"{name} must be at least 1, got {k}")
    if k >= n:
        # The core's rule (csrc/core/rules.hpp), said the same way: checked here first, before any preprocessing.
        raise ValueError(f"{name} must be smaller than the number of samples ({name}={k}, n={n})")
    return k


def check_count(value, name: str, minimum: int) -> int:
    """An integer >= minimum (a count, a size, a seed count); anything else is a ValueError naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_real(value, name: str, *, minimum=None, positive=False) -> float:
    """A finite real number, >= minimum and/or > 0 when asked; anything else is a ValueError naming it."""
    bounds = " > 0" if positive else (f" >= {minimum:g}" if minimum is not None else "")
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value)
            or (positive and not value > 0)  # type: ignore[operator]  # typeshed: Real lacks __gt__
            or (minimum is not None and value < minimum)):
        raise ValueError(f"{name} must be a finite number{bounds}, got {value!r}")
    return float(value)


def check_workers(workers) -> int:
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral):
        raise TypeError(f"workers must be an integer (-1 for all cores), got {workers!r}")
    count = int(workers)
    if count == 0 or count < -1 or count > MAX_WORKERS:
        raise ValueError(f"workers must be -1 (all cores) or a number of threads from 1 to {MAX_WORKERS}, got {workers}")
    return count


def check_seed(seed, name: str = "seed", *, generator: bool = True):
    """A seed: a non-negative integer, None (fresh entropy) or, when ``generator``, a numpy Generator."""
    if seed is None or (generator and isinstance(seed, np.random.Generator)):
        return seed
    kinds = "a non-negative integer, a numpy Generator or None" if generator else "a non-negative integer"
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be {kinds}, got {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be {kinds}, got {seed!r}")
    return int(seed)


def check_choice(value, name: str, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def warn(message: str, category=RuntimeWarning) -> None:
    """warnings.warn, attributed to the user's line that called into the package (however deep the call)."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame: FrameType | None = sys._getframe(1)
    level = 2  # stacklevel 2: the frame that called warn()
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def check_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)
