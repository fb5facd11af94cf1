"""Where an estimate runs, chosen once per call: the CPU core or the CUDA kernels of one device.

``backend_for(device, **arrays)`` looks at ``device=`` and at where the arrays live and returns a
:class:`Backend`; below it nothing asks again. Both backends offer the same operations -- turning inputs into
samples, stacking and slicing tables, preprocessing, delay-embedding gathers, binning, and building the core's
problems -- so the estimator families are written once for both. A table is a float64 numpy array on the CPU
and a matrix of the CUDA module (``_cuda.Matrix``) on a device; the core's problems on either backend are
:class:`infoscope._core.CmiProblem` objects with the same methods.

``device="auto"`` (every estimator's default) computes where the data lie: on the GPU when an array is a CUDA
array (a torch CUDA tensor, a CuPy array, anything with ``__cuda_array_interface__``) and the CUDA backend is
usable, else on the CPU. ``device="cuda"`` (or ``"cuda:N"``) computes on the GPU, copying host arrays there
once; ``device="cpu"`` computes on the CPU, copying CUDA arrays to the host once.
"""

from __future__ import annotations

import numpy as np

from . import _device
from ._arrays import as_binnable, as_samples
from ._native import CUDA_PROBLEM, HAS_CUDA, USABLE_DEVICES, core, cuda
from .estimators._transforms import normal_draws

__all__ = ["Backend", "CpuBackend", "CudaBackend", "backend_for", "CPU"]


class Backend:
    """The operations an estimator family needs, the same on every backend. ``device`` is None for the CPU,
    else the CUDA device index; ``name`` is the ``device=`` string that selects this backend again."""

    device: int | None = None
    name = "cpu"

    def samples(self, a, name: str):
        """``a`` as a validated (N, d) float64 table; errors name the argument."""
        raise NotImplementedError  # pragma: no cover - abstract

    def host(self, table) -> np.ndarray:
        """A table's values in host memory."""
        raise NotImplementedError  # pragma: no cover - abstract

    def pool(self, blocks: list[list]):
        """blocks[s][t] (series s, trial t) side by side across series and stacked across trials."""
        raise NotImplementedError  # pragma: no cover - abstract

    def stack(self, tables: list):
        """Tables of samples side by side."""
        return self.pool([[t] for t in tables])

    def columns(self, table, first: int, count: int):
        """Columns first .. first + count - 1 of a table."""
        raise NotImplementedError  # pragma: no cover - abstract

    def gather(self, table, rows: np.ndarray, back: np.ndarray, cols: np.ndarray):
        """out[r, c] = table[rows[r] - back[c], cols[c]]: a delay embedding, or any row and column selection."""
        raise NotImplementedError  # pragma: no cover - abstract

    def preprocess(self, table, prep) -> tuple:
        """``prep`` (:class:`infoscope.estimators._transforms.Preprocessing`) applied to a table; returns it and
        the standard deviations divided out."""
        raise NotImplementedError  # pragma: no cover - abstract

    def prepare(self, tables: list, prep) -> tuple:
        """Tables side by side, preprocessed by ``prep``: :meth:`preprocess` of their :meth:`stack`."""
        return self.preprocess(self.stack(tables), prep)

    def cmi(self, xzy, dx: int, dz: int, k: int, workers: int, trial_starts=None, theiler: int = 0,
            algorithm: int = 1):
        """The core's KSG problem (Frenzel-Pompe for algorithm 1) on a table whose columns are X, Z, Y (the table
        is taken over: do not use it afterwards)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def ksg_many(self, table, columns: np.ndarray, bounds: np.ndarray, k: int, workers: int, local: bool,
                 trial_starts=None, theiler: int = 0):
        """Many KSG / Frenzel-Pompe estimates over column sets of one table (see
        :func:`infoscope.estimators.knn.ksg_many`): the estimates and, with ``local``, their local values."""
        raise NotImplementedError  # pragma: no cover - abstract

    def ksg2(self, xy, dx: int, k: int, workers: int, theiler: int = 0) -> np.ndarray:
        """Local values of KSG algorithm 2 on [x | y], the rows one time series with a Theiler window."""
        raise NotImplementedError  # pragma: no cover - abstract

    def multi_information(self, table, dims: list, k: int, algorithm: int, workers: int, theiler: int) -> np.ndarray:
        """Local KSG multi-informations of the variables whose columns lie side by side in ``table``
        (``dims[v]`` columns each)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def kl_entropy(self, table, k: int, metric: str, weights: list, workers: int) -> np.ndarray:
        """Local Kozachenko-Leonenko entropies."""
        raise NotImplementedError  # pragma: no cover - abstract

    def kernel_log_mean(self, table, h: float, workers: int, job=None) -> np.ndarray:
        """``log((1/N) sum_j exp(-|x_i - x_j|^2 / 2h))`` for every row; ``job`` (a :class:`infoscope._core.Job`)
        counts the finished rows where the backend reports progress (the CPU)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def symbols(self, a, name: str, binning, workers: int):
        """The core's symbols of the rows of ``a`` (any array) under ``binning``
        (:class:`infoscope.estimators.binning.BinningOptions`)."""
        raise NotImplementedError  # pragma: no cover - abstract


class CpuBackend(Backend):
    """The multithreaded C++ core on host memory."""

    def samples(self, a, name):
        return as_samples(_device.to_host(a) if _device.is_cuda_array(a) else a, name)

    def host(self, table):
        return table

    def pool(self, blocks):
        if len(blocks[0]) == 1:
            return blocks[0][0] if len(blocks) == 1 else np.hstack([series[0] for series in blocks])
        return np.vstack([np.hstack(step) for step in zip(*blocks)])

    def columns(self, table, first, count):
        return table[:, first:first + count]

    def gather(self, table, rows, back, cols):
        # Column by column: a 1-D take per output column costs less than one 2-D fancy index.
        out = np.empty((rows.shape[0], cols.shape[0]), dtype=table.dtype)  # binned TE gathers int64 codes
        for c, (b, col) in enumerate(zip(back.tolist(), cols.tolist())):
            np.take(table[:, col], rows - b, out=out[:, c])
        return out

    def preprocess(self, table, prep):
        return prep.apply(table)

    def prepare(self, tables, prep):
        return prep.apply_blocks(tables)  # stacked by the core as it standardises

    def cmi(self, xzy, dx, dz, k, workers, trial_starts=None, theiler=0, algorithm=1):
        starts = [0, xzy.shape[0]] if trial_starts is None else trial_starts
        return core.KsgConditionalMI(xzy, dx, dz, k, starts, theiler, workers, algorithm)

    def ksg_many(self, table, columns, bounds, k, workers, local, trial_starts=None, theiler=0):
        starts = [0, table.shape[0]] if trial_starts is None else trial_starts
        return core.ksg_many(table, columns, bounds, k, starts, theiler, workers, local)

    def ksg2(self, xy, dx, k, workers, theiler=0):
        return core.ksg_mutual_info(xy, dx, k, 2, workers, theiler)

    def multi_information(self, table, dims, k, algorithm, workers, theiler):
        return core.ksg_multi_information(table, dims, k, algorithm, workers, theiler)

    def kl_entropy(self, table, k, metric, weights, workers):
        return core.kl_entropy(table, k, metric, workers, weights)

    def kernel_log_mean(self, table, h, workers, job=None):
        return core.gaussian_kernel_log_mean(table, h, workers, job)

    def symbols(self, a, name, binning, workers):
        return binning.symbols(as_binnable(_device.to_host(a) if _device.is_cuda_array(a) else a, name), name, workers)


CPU = CpuBackend()


class CudaBackend(Backend):
    """The CUDA kernels of one device. Host arrays are copied to the device once; CUDA arrays are read where
    they lie, in their own dtype and strides."""

    def __init__(self, device: int):
        self.device = device
        self.name = f"cuda:{device}"

    def samples(self, a, name):
        if _device.is_cuda_array(a):
            view, _ = _device.device_view(a, name)
            matrix, finite = cuda.to_float64(view, self.device)
            if not finite:
                raise ValueError(f"{name} must be finite; check for nan or inf values")
            return matrix
        return cuda.upload(as_samples(a, name), self.device)

    def host(self, table):
        return table.to_host()

    def pool(self, blocks):
        col = np.cumsum([0] + [series[0].shape[1] for series in blocks])
        row = np.cumsum([0] + [trial.shape[0] for trial in blocks[0]])
        placed = [(b, int(row[t]), int(col[s])) for s, trials in enumerate(blocks) for t, b in enumerate(trials)]
        return cuda.assemble([p[0] for p in placed], [p[1] for p in placed], [p[2] for p in placed], int(row[-1]),
                             int(col[-1]))

    def columns(self, table, first, count):
        return cuda.gather(table, np.arange(table.rows, dtype=np.uint64), np.zeros(count, dtype=np.uint64),
                           np.arange(first, first + count, dtype=np.uint64))

    def gather(self, table, rows, back, cols):
        return cuda.gather(table, rows.astype(np.uint64), back.astype(np.uint64), cols.astype(np.uint64))

    def preprocess(self, table, prep):
        """:meth:`Preprocessing.apply` on the device, in place, with the same steps. Column statistics are
        summed on the device in another order than numpy's, so coordinates may differ from the CPU path's in
        the last bit. The rank transforms sort on the host: the data make one round trip."""
        m = table
        if prep.transform is not None:
            m = cuda.upload(prep.ranked(m.to_host()), self.device)
        if not (prep.normalize or prep.noise > 0):
            return m, np.ones(m.cols)
        mean, std = cuda.column_moments(m)
        std = np.where(std > 0, std, 1.0)
        if prep.normalize:
            shift, divisor, scale, spread = mean, std, std, 1.0
        else:
            shift, divisor, scale, spread = np.zeros(m.cols), np.ones(m.cols), np.ones(m.cols), std
        noise = None
        if prep.noise > 0:  # drawn by numpy, as on the CPU: the same seed gives the same noise
            draws = normal_draws(prep.seed, m.shape)
            draws *= prep.noise * spread
            noise = cuda.upload(draws, self.device)
        cuda.affine_columns(m, shift.tolist(), divisor.tolist(), noise)
        return m, scale

    def cmi(self, xzy, dx, dz, k, workers, trial_starts=None, theiler=0, algorithm=1):
        """Algorithm 1 on the device; algorithm 2 (no kernels) is the CPU core's problem on a host copy."""
        starts = [0, xzy.rows] if trial_starts is None else trial_starts
        if algorithm != 1:
            return core.KsgConditionalMI(xzy.to_host(), dx, dz, k, starts, theiler, workers, algorithm)
        return cuda.KsgConditionalMI(xzy, dx, dz, k, starts, theiler)

    def ksg_many(self, table, columns, bounds, k, workers, local, trial_starts=None, theiler=0):
        """One estimate per launch series: each gathers its columns on the device and runs the CMI kernels."""
        rows = np.arange(table.rows, dtype=np.uint64)
        estimates, values = np.empty(len(bounds)), []
        for e, (a, b, c, d) in enumerate(bounds.astype(np.int64)):
            cols = columns[a:d].astype(np.uint64)
            xzy = cuda.gather(table, rows, np.zeros(len(cols), dtype=np.uint64), cols)
            local_values = self.cmi(xzy, b - a, c - b, k, workers, trial_starts, theiler).locals()
            estimates[e] = local_values.mean()
            if local:
                values.append(local_values)
        return estimates, np.array(values) if local else None

    def ksg2(self, xy, dx, k, workers, theiler=0):
        """On the device; with a Theiler window (no kernel for it) by the CPU core on a host copy."""
        if theiler > 0:
            return CPU.ksg2(xy.to_host(), dx, k, workers, theiler)
        return cuda.ksg2_locals(xy, dx, k)

    def multi_information(self, table, dims, k, algorithm, workers, theiler):
        """No kernels: the CPU core on a host copy of the preprocessed table."""
        return CPU.multi_information(table.to_host(), dims, k, algorithm, workers, theiler)

    def kl_entropy(self, table, k, metric, weights, workers):
        return cuda.kl_locals(table, k, metric, weights)

    def kernel_log_mean(self, table, h, workers, job=None):
        return cuda.gaussian_kernel_log_mean(table, h)

    def symbols(self, a, name, binning, workers):
        """CUDA arrays, and host float arrays, are binned on the device: column ranges and row keys there,
        their numbering on the host. Quantile edges need sorted columns and are computed on the host from one
        copy of the data. Integer host arrays are symbols already and are numbered on the host."""
        if not _device.is_cuda_array(a):
            table = as_binnable(a, name)
            if table.dtype.kind != "f":
                return binning.symbols(table, name, workers)
            a = cuda.upload(table.astype(np.float64), self.device)
        view, dtype = _device.device_view(a, name)
        if dtype is not None and dtype.kind in "biu":
            lo, hi, _ = cuda.column_range(view, self.device)
            rule = binning.integer_rule(lo, hi)
        elif binning.bins == "quantile":
            rule = binning.float_rule(as_binnable(_device.to_host(a), name), name)
        else:
            lo = hi = None
            if binning.range is None:
                lo, hi, finite = cuda.column_range(view, self.device)
                if not finite:
                    raise ValueError(f"{name} must be finite; check for nan or inf values")
            rule = binning.uniform_rule(lo, hi, view.cols, name)
        try:
            return cuda.row_symbols(view, self.device, rule)
        except ValueError as err:
            raise ValueError(f"{name} {err}") from None


_CUDA_BACKENDS: dict = {}


def backend_for(device, **arrays) -> Backend:
    """The backend an estimate on ``arrays`` runs on under ``device=``; errors name the argument."""
    if device == "cpu":
        return CPU
    kind, index = _device.parse(device)
    on_gpu = _device.cuda_arrays(arrays)
    if kind == "auto" and not on_gpu:
        return CPU
    if not HAS_CUDA:
        why = CUDA_PROBLEM
        if kind == "cuda":
            raise ValueError(f"device={device!r} needs the CUDA backend, but {why}")
        name = next(iter(on_gpu))
        raise ValueError(f"{name} lives on a CUDA device, but {why}: pass device='cpu' to copy it to the host")
    devices = {name: _device.device_of(a) for name, a in on_gpu.items()}
    if len(set(devices.values())) > 1:
        shown = ", ".join(f"{name} on cuda:{d}" for name, d in devices.items())
        raise ValueError(f"the arrays live on different CUDA devices ({shown}); move them to one")
    if index is None:
        index = next(iter(devices.values()), 0)
    elif index >= cuda.device_count():
        raise ValueError(f"device={device!r}: only {cuda.device_count()} CUDA device(s) are visible")
    if index not in USABLE_DEVICES:
        raise ValueError(f"{'device=' + repr(device) if kind == 'cuda' else next(iter(on_gpu))}: cuda:{index} cannot "
                         f"run this build's kernels ({CUDA_PROBLEM})")
    elif devices and index not in devices.values():
        raise ValueError(f"device={device!r}, but the arrays live on cuda:{next(iter(devices.values()))}")
    if index not in _CUDA_BACKENDS:
        _CUDA_BACKENDS[index] = CudaBackend(index)
    return _CUDA_BACKENDS[index]
