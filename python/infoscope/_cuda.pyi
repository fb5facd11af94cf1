"""
infoscope CUDA backend. Use the estimators' device= argument, which validates inputs.
"""
from __future__ import annotations
import collections.abc
import infoscope._core
import numpy
import numpy.typing
import typing
__all__: list[str] = ['CudaError', 'DeviceOutOfMemory', 'KsgConditionalMI', 'MAX_NEIGHBORS', 'Matrix', 'View', 'affine_columns', 'architectures', 'assemble', 'column_moments', 'column_range', 'device_count', 'device_of', 'device_problem', 'devices', 'devices_problem', 'gather', 'gaussian_kernel_log_mean', 'kl_locals', 'ksg2_locals', 'row_symbols', 'runtime_version', 'to_float64', 'upload']
class CudaError(RuntimeError):
    pass
class DeviceOutOfMemory(MemoryError):
    pass
class View:
    """
    A 2-D device array of another framework (shape and strides in elements).
    """
    def __init__(self, ptr: typing.SupportsInt | typing.SupportsIndex, typestr: str, rows: typing.SupportsInt | typing.SupportsIndex, cols: typing.SupportsInt | typing.SupportsIndex, row_stride: typing.SupportsInt | typing.SupportsIndex, col_stride: typing.SupportsInt | typing.SupportsIndex, stream: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def cols(self) -> int:
        ...
    @property
    def rows(self) -> int:
        ...
class Matrix:
    """
    A float64 row-major matrix in device memory.
    """
    def to_host(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    @property
    def __cuda_array_interface__(self) -> dict:
        ...
    @property
    def cols(self) -> int:
        ...
    @property
    def device(self) -> int:
        ...
    @property
    def rows(self) -> int:
        ...
    @property
    def shape(self) -> tuple[int, int]:
        ...
class KsgConditionalMI(infoscope._core.CmiProblem):
    """
    KSG / Frenzel-Pompe CMI on the device, prepared for surrogates.
    """
    def __init__(self, xzy: Matrix, dx: typing.SupportsInt | typing.SupportsIndex, dz: typing.SupportsInt | typing.SupportsIndex, k: typing.SupportsInt | typing.SupportsIndex, trial_starts: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], theiler: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Takes over the matrix's memory: xzy is empty afterwards.
        """
def _throw_status(status: typing.SupportsInt | typing.SupportsIndex) -> None:
    """
    Raises what a failed CUDA call with this cudaError_t status raises (tests of the error translation).
    """
def affine_columns(a: Matrix, shift: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], scale: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], add: Matrix | None = None) -> None:
    ...
def architectures() -> str:
    """
    The CUDA architectures compiled in.
    """
def assemble(blocks: collections.abc.Sequence[Matrix], row_offset: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], col_offset: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], rows: typing.SupportsInt | typing.SupportsIndex, cols: typing.SupportsInt | typing.SupportsIndex) -> Matrix:
    ...
def column_moments(arg0: Matrix) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]:
    ...
def column_range(view: View, device: typing.SupportsInt | typing.SupportsIndex) -> typing.Any:
    """
    (column minima, column maxima, all finite) of a device array.
    """
def device_count() -> int:
    """
    Number of visible CUDA devices (0 without a driver).
    """
def device_of(ptr: typing.SupportsInt | typing.SupportsIndex) -> int:
    """
    The device holding a pointer; -1 for host memory.
    """
def device_problem(device: typing.SupportsInt | typing.SupportsIndex) -> str:
    """
    Why a device cannot run this build's kernels; '' when it can.
    """
def devices() -> list:
    ...
def devices_problem() -> str:
    """
    Why no CUDA device can be used; '' when one is visible.
    """
def gather(src: Matrix, rows: typing.Annotated[numpy.typing.ArrayLike, numpy.uint64], back: typing.Annotated[numpy.typing.ArrayLike, numpy.uint64], col: typing.Annotated[numpy.typing.ArrayLike, numpy.uint64]) -> Matrix:
    ...
def gaussian_kernel_log_mean(x: Matrix, h: typing.SupportsFloat | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    ...
def kl_locals(x: Matrix, k: typing.SupportsInt | typing.SupportsIndex, metric: str, weights: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> numpy.typing.NDArray[numpy.float64]:
    ...
def ksg2_locals(xy: Matrix, dx: typing.SupportsInt | typing.SupportsIndex, k: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    ...
def row_symbols(view: View, device: typing.SupportsInt | typing.SupportsIndex, binning: infoscope._core.Binning) -> infoscope._core.Symbols:
    """
    The symbols of the rows of a device array under a binning, numbered as the CPU core numbers them.
    """
def runtime_version() -> int:
    ...
def to_float64(view: View, device: typing.SupportsInt | typing.SupportsIndex) -> tuple[Matrix, bool]:
    """
    (the view as a float64 matrix, whether all its values are finite)
    """
def upload(a: numpy.typing.NDArray[numpy.float64], device: typing.SupportsInt | typing.SupportsIndex) -> Matrix:
    ...
MAX_NEIGHBORS: int = 128
