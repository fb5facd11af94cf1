"""
infoscope CPU core (C++17). Use the functions of the infoscope package, which validate inputs.
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['BinnedConditionalMI', 'Binning', 'CmiProblem', 'Job', 'KsgConditionalMI', 'MixedConditionalMI', 'Symbols', 'binned_many', 'build_info', 'digamma', 'element_codes', 'gao_mutual_info', 'gaussian_kernel_log_mean', 'kl_entropy', 'ksg_many', 'ksg_multi_information', 'ksg_mutual_info', 'lnc_correction', 'mixed_entropy', 'nearest_neighbours', 'normal_quantile', 'permuted_cross_products', 'ross_many', 'ross_mutual_info', 'row_symbols', 'search_path', 'shuffle_within_trials', 'standardize', 'symbol_entropy', 'windowed_transfer_entropy']
class Job:
    """
    Progress of one native call, readable from another thread while it runs.
    """
    def __init__(self) -> None:
        ...
    @property
    def done(self) -> int:
        """
        Items (rows) the call's parallel loops have finished.
        """
class CmiProblem:
    """
    I(X;Y|Z) prepared once, repeatable with the rows of Y permuted: the one interface of every backend.
    """
    def __len__(self) -> int:
        ...
    def locals(self) -> numpy.typing.NDArray[numpy.float64]:
        """
        The local values (nats).
        """
    def surrogates(self, perms: numpy.typing.NDArray[numpy.uint32]) -> numpy.typing.NDArray[numpy.float64]:
        """
        Estimates with the rows of Y permuted by each row of perms, a (count, n) uint32 array.
        """
    @property
    def batch(self) -> int:
        """
        Surrogates per call that keep the backend busy.
        """
class KsgConditionalMI(CmiProblem):
    """
    KSG I(X;Y|Z) (Frenzel-Pompe for algorithm 1; KSG I(X;Y) when dz = 0) of time-indexed samples, repeatable with Y permuted.
    """
    def __init__(self, xzy: numpy.typing.NDArray[numpy.float64], dx: typing.SupportsInt | typing.SupportsIndex, dz: typing.SupportsInt | typing.SupportsIndex, k: typing.SupportsInt | typing.SupportsIndex, trial_starts: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], theiler: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex, algorithm: typing.SupportsInt | typing.SupportsIndex = 1) -> None:
        ...
    def share_conditioning(self, other: KsgConditionalMI) -> bool:
        """
        Share other's neighbours in the X-Z and Z spaces when other has the same X and Z columns, window and algorithm (built once, at the first surrogates of either); returns whether it does.
        """
class MixedConditionalMI(CmiProblem):
    """
    Mesner-Shalizi I(X;Y|Z) of discrete-continuous mixtures (dz = 0: I(X;Y)), repeatable with Y permuted.
    """
    def __init__(self, xzy: numpy.typing.NDArray[numpy.float64], dx: typing.SupportsInt | typing.SupportsIndex, dz: typing.SupportsInt | typing.SupportsIndex, k: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class Binning:
    """
    How the columns of an array become integer codes.
    """
    class Rule:
        """
        Members:
        
          uniform
        
          edges
        
          symbols
        """
        __members__: typing.ClassVar[dict[str, Binning.Rule]]
        edges: typing.ClassVar[Binning.Rule]
        symbols: typing.ClassVar[Binning.Rule]
        uniform: typing.ClassVar[Binning.Rule]
        @typing.overload
        def __eq__(self, other: Binning.Rule) -> bool:
            ...
        @typing.overload
        def __eq__(self, other: typing.Any) -> bool:
            ...
        def __getstate__(self) -> int:
            ...
        def __hash__(self) -> int:
            ...
        def __index__(self) -> int:
            ...
        def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
            ...
        def __int__(self) -> int:
            ...
        @typing.overload
        def __ne__(self, other: Binning.Rule) -> bool:
            ...
        @typing.overload
        def __ne__(self, other: typing.Any) -> bool:
            ...
        def __repr__(self) -> str:
            ...
        def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
            ...
        def __str__(self) -> str:
            ...
        @property
        def name(self) -> str:
            ...
        @property
        def value(self) -> int:
            ...
    clip: bool
    rule: Binning.Rule
    def __init__(self) -> None:
        ...
    @property
    def count(self) -> list[int]:
        ...
    @count.setter
    def count(self, arg0: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    @property
    def edges(self) -> list[list[float]]:
        ...
    @edges.setter
    def edges(self, arg0: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]]) -> None:
        ...
    @property
    def hi(self) -> list[float]:
        ...
    @hi.setter
    def hi(self, arg0: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> None:
        ...
    @property
    def lo(self) -> list[float]:
        ...
    @lo.setter
    def lo(self, arg0: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> None:
        ...
    @property
    def origin(self) -> list[float]:
        ...
    @origin.setter
    def origin(self, arg0: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> None:
        ...
    @property
    def scale(self) -> list[float]:
        ...
    @scale.setter
    def scale(self, arg0: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> None:
        ...
    @property
    def shift(self) -> list[int]:
        ...
    @shift.setter
    def shift(self, arg0: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
class Symbols:
    """
    Dense symbols of n samples, numbered by first appearance.
    """
    def __len__(self) -> int:
        ...
    @property
    def ids(self) -> numpy.typing.NDArray[numpy.uint32]:
        ...
    @property
    def n_symbols(self) -> int:
        ...
class BinnedConditionalMI(CmiProblem):
    """
    I(X;Y|Z) (I(X;Y) when z is None) of symbols, repeatable with Y permuted.
    """
    def __init__(self, x: Symbols, z: Symbols | None, y: Symbols, correction: str, workers: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
def binned_many(symbols: collections.abc.Sequence[Symbols], columns: numpy.typing.NDArray[numpy.uint64], bounds: numpy.typing.NDArray[numpy.uint64], correction: str, workers: typing.SupportsInt | typing.SupportsIndex, with_locals: bool) -> tuple:
    """
    Histogram estimates over column sets of a table of per-column symbols: (estimates, local values or None).
    """
def build_info() -> dict:
    """
    How this core was built: version, compiler, OpenMP, threads, instruction set, CUDA option.
    """
def digamma(x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> typing.Any:
    """
    The digamma function psi(x) of the core.
    """
def element_codes(data: numpy.ndarray, binning: Binning, workers: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.int64]:
    """
    The code of every element of data under binning, each column by its own rule.
    """
def gao_mutual_info(xy: numpy.typing.NDArray[numpy.float64], dx: typing.SupportsInt | typing.SupportsIndex, k: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    Local I(X;Y) of Gao, Kannan, Oh & Viswanath 2017 (nats) for discrete-continuous mixtures.
    """
def gaussian_kernel_log_mean(x: numpy.typing.NDArray[numpy.float64], h: typing.SupportsFloat | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex, job: Job | None = None) -> numpy.typing.NDArray[numpy.float64]:
    """
    log((1/N) sum_j exp(-|x_i - x_j|^2 / 2h)) for every row i of x.
    """
def kl_entropy(x: numpy.typing.NDArray[numpy.float64], k: typing.SupportsInt | typing.SupportsIndex, metric: str, workers: typing.SupportsInt | typing.SupportsIndex, weights: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = []) -> numpy.typing.NDArray[numpy.float64]:
    """
    Local Kozachenko-Leonenko entropies (nats) of the rows of x; weights over the 1st..k-th neighbours (Berrett et al. 2019), or none for the k-th alone.
    """
def ksg_many(data: numpy.typing.NDArray[numpy.float64], columns: numpy.typing.NDArray[numpy.uint64], bounds: numpy.typing.NDArray[numpy.uint64], k: typing.SupportsInt | typing.SupportsIndex, trial_starts: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], theiler: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex, with_locals: bool) -> tuple:
    """
    KSG / Frenzel-Pompe estimates over column sets of one table: (estimates, local values or None).
    """
def ksg_multi_information(xs: numpy.typing.NDArray[numpy.float64], dims: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], k: typing.SupportsInt | typing.SupportsIndex, algorithm: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex, theiler: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.typing.NDArray[numpy.float64]:
    """
    Local KSG multi-informations (nats, Kraskov et al. 2004 eqs. 11-12); xs holds the variables' columns side by side, dims[v] of variable v.
    """
def ksg_mutual_info(xy: numpy.typing.NDArray[numpy.float64], dx: typing.SupportsInt | typing.SupportsIndex, k: typing.SupportsInt | typing.SupportsIndex, algorithm: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex, theiler: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.typing.NDArray[numpy.float64]:
    """
    Local KSG mutual informations (nats); xy holds the dx columns of x, then those of y; the rows are one time series whose neighbours at most theiler steps away are left out.
    """
def lnc_correction(x: numpy.typing.NDArray[numpy.float64], k: typing.SupportsInt | typing.SupportsIndex, alpha: typing.SupportsFloat | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    Local LNC corrections (Gao, Ver Steeg & Galstyan 2015, nats) to add to KSG local values of the joint rows x.
    """
def mixed_entropy(x: numpy.typing.NDArray[numpy.float64], dd: typing.SupportsInt | typing.SupportsIndex, k: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    Local H(D) + h(C|D) (nats); x holds the dd discrete columns, then the continuous ones.
    """
def nearest_neighbours(x: numpy.typing.NDArray[numpy.float64], k: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.uint32]:
    """
    (n, k) uint32 row indices of the k nearest other rows of every row of x (max-norm, ties by lower index).
    """
def normal_quantile(p: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> typing.Any:
    """
    The standard normal quantile function Phi^-1(p).
    """
def permuted_cross_products(wt: numpy.typing.NDArray[numpy.float64], y: numpy.typing.NDArray[numpy.float64], perms: numpy.typing.NDArray[numpy.uint32], workers: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    (count, a, dy) W^T Y[perms[s]] / n for each row map s, wt = W^T (a, n): the cross-products of Gaussian CMI surrogates.
    """
def ross_many(by_column: numpy.typing.NDArray[numpy.float64], columns: numpy.typing.NDArray[numpy.uint64], bounds: numpy.typing.NDArray[numpy.uint64], k: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    Ross estimates I(X;Y|Z) = I(X,Z;Y) - I(Z;Y) over column sets of a table given by column (cols x n), Y discrete: the estimates.
    """
def ross_mutual_info(dc: numpy.typing.NDArray[numpy.float64], dd: typing.SupportsInt | typing.SupportsIndex, k: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    Local I(D;C) of Ross 2014 (nats); dc holds the dd discrete columns, then the continuous ones.
    """
def row_symbols(data: numpy.ndarray, binning: Binning, workers: typing.SupportsInt | typing.SupportsIndex) -> Symbols:
    """
    Symbols of the rows of data (binned per column; a row's symbol is its tuple of codes).
    """
def search_path(path: str = '', task: str = 'all') -> str:
    """
    Forces the neighbour search of every k-NN estimate (process-wide; for tests and benchmarks): 'grid', 'tree' or 'brute' wherever that path can be built, 'auto' for the cost model; for the joint spaces' k-NN searches ('neighbours'), the marginal spaces' radius counts ('counts') or both ('all'). Returns the previous setting (of the first task); an empty path only reads it.
    """
def shuffle_within_trials(starts: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], count: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, workers: typing.SupportsInt | typing.SupportsIndex, out: numpy.typing.NDArray[numpy.uint32] | None = None) -> numpy.typing.NDArray[numpy.uint32]:
    """
    (count, n) uint32 row maps, each a uniform random permutation of the rows within every trial starts[t]:starts[t + 1] (Fisher-Yates, xoshiro256**); map s depends only on (seed, s). Written into out when given (a C-contiguous array reused across calls).
    """
def standardize(blocks: collections.abc.Sequence[typing.Annotated[numpy.typing.ArrayLike, numpy.float64]], normalize: bool, noise: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None, noise_scale: typing.SupportsFloat | typing.SupportsIndex) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]:
    """
    (the blocks side by side, standardised and with noise * noise_scale added, the scales divided out).
    """
def symbol_entropy(symbols: Symbols, correction: str) -> numpy.typing.NDArray[numpy.float64]:
    """
    Local entropies (nats) of the symbols, bias-corrected.
    """
def windowed_transfer_entropy(sources: numpy.typing.NDArray[numpy.int64], targets: numpy.typing.NDArray[numpy.int64], levels: typing.SupportsInt | typing.SupportsIndex, pairs: numpy.typing.NDArray[numpy.uint32], window: typing.SupportsInt | typing.SupportsIndex, step: typing.SupportsInt | typing.SupportsIndex, target_offsets: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], source_offsets: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], correction: str, workers: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    Plug-in TE (nats) of many source -> target symbol series pairs in sliding windows.
    """
