"""Where an estimate runs, and samples on a CUDA device.

``device="auto"`` (every estimator's default) computes where the data lie: on the GPU when an array is a CUDA
array (a torch CUDA tensor, a CuPy array, anything with ``__cuda_array_interface__``) and the CUDA backend is
usable, else on the CPU. ``device="cuda"`` (or ``"cuda:N"``) computes on the GPU, copying host arrays there once;
``device="cpu"`` computes on the CPU, copying CUDA arrays to the host once. CUDA arrays are read where they lie,
in their own dtype and strides, with no copy to the host.
"""

from __future__ import annotations

import numpy as np

from ._arrays import as_samples
from ._native import HAS_CUDA, cuda

__all__ = ["resolve", "is_cuda_array", "device_view_shape", "to_host", "to_matrix", "device_view", "samples",
           "pool", "hstack", "columns", "host"]


def is_cuda_array(a) -> bool:
    try:
        return hasattr(a, "__cuda_array_interface__")
    except Exception:  # torch raises for tensors that require grad: they are CUDA arrays all the same
        return hasattr(a, "detach") and hasattr(a.detach(), "__cuda_array_interface__")


def _interface(a) -> dict:
    if hasattr(a, "detach"):
        a = a.detach()
    return a.__cuda_array_interface__


def _device_of(a) -> int:
    return cuda.device_of(int(_interface(a)["data"][0]))


def _parse(device) -> tuple[str, int | None]:
    if isinstance(device, str):
        if device in ("auto", "cpu", "cuda"):
            return device, None
        if device.startswith("cuda:") and device[5:].isdigit():
            return "cuda", int(device[5:])
    raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r}")


def resolve(device, **arrays) -> int | None:
    """The CUDA device index an estimate runs on, or None for the CPU; errors name the argument."""
    kind, index = _parse(device)
    on_gpu = {name: a for name, a in _flatten(arrays).items() if is_cuda_array(a)}
    if kind == "cpu" or (kind == "auto" and not on_gpu):
        return None
    if not HAS_CUDA:
        why = ("this build has no CUDA module (built without nvcc, or with INFOSCOPE_CUDA=OFF)" if cuda is None
               else "no CUDA device is visible")
        if kind == "cuda":
            raise ValueError(f"device={device!r} needs the CUDA backend, but {why}")
        name = next(iter(on_gpu))
        raise ValueError(f"{name} lives on a CUDA device, but {why}: pass device='cpu' to copy it to the host")
    devices = {name: _device_of(a) for name, a in on_gpu.items()}
    if len(set(devices.values())) > 1:
        shown = ", ".join(f"{name} on cuda:{d}" for name, d in devices.items())
        raise ValueError(f"the arrays live on different CUDA devices ({shown}); move them to one")
    if index is None:
        return next(iter(devices.values()), 0)
    if index >= cuda.device_count():
        raise ValueError(f"device={device!r}: only {cuda.device_count()} CUDA device(s) are visible")
    if devices and index not in devices.values():
        raise ValueError(f"device={device!r}, but the arrays live on cuda:{next(iter(devices.values()))}")
    return index


def _flatten(arrays: dict) -> dict:
    """Named arrays, with the items of lists and dicts of arrays (trials, conditions) named one by one."""
    out = {}
    for name, a in arrays.items():
        if isinstance(a, dict):
            out.update(_flatten({f"{name}[{key!r}]": v for key, v in a.items()}))
        elif isinstance(a, (list, tuple)):
            out.update(_flatten({f"{name}[{i}]": v for i, v in enumerate(a)}))
        elif a is not None:
            out[name] = a
    return out


def device_view_shape(a) -> tuple:
    """The shape of a CUDA array."""
    return tuple(int(n) for n in _interface(a)["shape"])


def to_host(a):
    """A CUDA array copied to host memory (numpy), also inside lists, tuples and dicts; anything else as it is."""
    if isinstance(a, dict):
        return {key: to_host(v) for key, v in a.items()}
    if isinstance(a, (list, tuple)):
        return type(a)(to_host(v) for v in a)
    if not is_cuda_array(a):
        return a
    if hasattr(a, "detach"):  # torch
        return a.detach().cpu().numpy()
    if hasattr(a, "get"):  # CuPy
        return a.get()
    if cuda is None:
        raise ValueError("a CUDA array can only be copied to the host with the CUDA backend or its own framework")
    view, _ = device_view(a, "array")
    matrix, _ = cuda.to_float64(view, _device_of(a))
    return matrix.to_host().reshape(device_view_shape(a))


def device_view(a, name: str):
    """A CUDA array as the backend's 2-D view of its memory (N, d), and its numpy dtype; errors name it."""
    cai = _interface(a)
    shape = device_view_shape(a)
    typestr = cai["typestr"]
    dtype = np.dtype(typestr) if typestr[1:] != "V2" else None
    if dtype is not None and dtype.kind == "c":
        raise TypeError(f"{name} must be real; got complex dtype {dtype}")
    if dtype is not None and dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {dtype} ({type(a).__name__})")
    if len(shape) == 0 or len(shape) > 2:
        raise ValueError(f"{name} must be a 1-D (N,) or 2-D (N, d) array of samples; got shape {shape}")
    if shape[0] == 0:
        raise ValueError(f"{name} is empty: it has no samples (shape {shape})")
    if len(shape) == 2 and shape[1] == 0:
        raise ValueError(f"{name} has no variables: shape {shape}")
    itemsize = int(typestr[2:]) if typestr[2:].isdigit() else 2
    strides = cai.get("strides")
    if strides is None:  # C-contiguous
        strides = (shape[1] * itemsize, itemsize) if len(shape) == 2 else (itemsize,)
    elements = [int(s) // itemsize for s in strides]
    rows, cols = shape[0], shape[1] if len(shape) == 2 else 1
    row_stride, col_stride = elements[0], elements[1] if len(shape) == 2 else 1
    stream = cai.get("stream") or 0
    return cuda.View(int(cai["data"][0]), typestr, rows, cols, row_stride, col_stride, int(stream)), dtype


def to_matrix(a, name: str, device: int):
    """Samples as a float64 (N, d) matrix on the device: CUDA arrays converted there, host arrays validated by
    :func:`infoscope._arrays.as_samples` and copied once."""
    if is_cuda_array(a):
        view, _ = device_view(a, name)
        matrix, finite = cuda.to_float64(view, device)
        if not finite:
            raise ValueError(f"{name} must be finite; check for nan or inf values")
        return matrix
    return cuda.upload(as_samples(a, name), device)


def samples(a, name: str, device: int | None):
    """Samples for the CPU core (a validated float64 numpy array) or, with a device index, for the backend."""
    return as_samples(to_host(a), name) if device is None else to_matrix(a, name, device)


def pool(blocks: list[list]):
    """blocks[s][t] (series s, trial t) side by side across series and stacked across trials: numpy arrays on the
    host, backend matrices on their device."""
    if isinstance(blocks[0][0], np.ndarray):
        return np.vstack([np.hstack(step) for step in zip(*blocks)])
    col = np.cumsum([0] + [series[0].shape[1] for series in blocks])
    row = np.cumsum([0] + [trial.shape[0] for trial in blocks[0]])
    placed = [(b, int(row[t]), int(col[s])) for s, trials in enumerate(blocks) for t, b in enumerate(trials)]
    return cuda.assemble([p[0] for p in placed], [p[1] for p in placed], [p[2] for p in placed], int(row[-1]),
                         int(col[-1]))


def hstack(tables: list):
    """Tables of samples side by side, on the host or the device."""
    return pool([[t] for t in tables])


def columns(table, first: int, count: int):
    """Columns first..first + count - 1 of a table (a copy on the device)."""
    if isinstance(table, np.ndarray):
        return table[:, first:first + count]
    return cuda.gather(table, np.arange(table.rows, dtype=np.uint64), np.zeros(count, dtype=np.uint64),
                       np.arange(first, first + count, dtype=np.uint64))


def host(table) -> np.ndarray:
    """A table's values on the host."""
    return table if isinstance(table, np.ndarray) else table.to_host()
