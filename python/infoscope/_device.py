"""CUDA arrays of any framework: recognising them, reading their memory in place, copying them to the host,
and parsing ``device=``. Which backend an estimate runs on is decided once, in :mod:`infoscope._backend`."""

from __future__ import annotations

import numpy as np

from ._native import cuda

__all__ = ["parse", "cuda_arrays", "device_of", "is_cuda_array", "device_view_shape", "to_host", "device_view"]


def is_cuda_array(a) -> bool:
    try:
        return hasattr(a, "__cuda_array_interface__")
    except Exception:  # torch raises for tensors that require grad: they are CUDA arrays all the same
        return hasattr(a, "detach") and hasattr(a.detach(), "__cuda_array_interface__")


def _interface(a) -> dict:
    if hasattr(a, "detach"):
        a = a.detach()
    return a.__cuda_array_interface__


def device_of(a) -> int:
    """The CUDA device that holds a CUDA array."""
    return cuda.device_of(int(_interface(a)["data"][0]))


def parse(device) -> tuple[str, int | None]:
    if isinstance(device, str):
        if device in ("auto", "cpu", "cuda"):
            return device, None
        if device.startswith("cuda:") and device[5:].isdigit():
            return "cuda", int(device[5:])
    raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r}")


def cuda_arrays(arrays: dict) -> dict:
    """The CUDA arrays among named arrays (and among the items of lists and dicts of arrays), by name."""
    found = {}
    for name, a in arrays.items():
        if a is None or isinstance(a, np.ndarray):
            continue
        if isinstance(a, (dict, list, tuple)):
            found.update({k: v for k, v in _flatten({name: a}).items() if is_cuda_array(v)})
        elif is_cuda_array(a):
            found[name] = a
    return found


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
    matrix, _ = cuda.to_float64(view, device_of(a))
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
    return cuda.View(int(cai["data"][0]), typestr, rows, cols, row_stride, col_stride, _stream(a, cai)), dtype


def _stream(a, cai: dict) -> int:
    """The stream to wait for before reading ``a`` (0: none). Version 3 of the interface names it (None: ready;
    1 and 2 are the legacy and per-thread default streams, which the backend's synchronisation takes as handles).
    torch exports version 2, without one: its tensors are written on torch's current stream of their device,
    which may be a side stream."""
    stream = cai.get("stream")
    if stream is None and type(a).__module__.startswith("torch"):
        import torch

        return int(torch.cuda.current_stream(a.device).cuda_stream)
    return int(stream or 0)
