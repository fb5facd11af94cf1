"""The features and target of a selection, prepared once, and every estimate a selection asks of them.

A :class:`FeatureTable` holds each column once, in the form its estimator reads: continuous columns scaled and
given scikit-learn's tie-breaking noise, discrete columns (and a discrete target) as integer codes. Its
:meth:`FeatureTable.estimates` takes many (conditional) MIs at once, as ``(x cols, z cols, y cols)`` specs, and
sends each group of them down one batched path of the engine:

* continuous x and z against a discrete y: one core call of Ross 2014 estimates (:func:`core.ross_many`),
  conditional ones by the chain rule I(X;Y|Z) = I(X,Z;Y) - I(Z;Y);
* all continuous: the KSG / Frenzel-Pompe many-estimates path (:func:`infoscope.estimate_many`);
* all discrete: plug-in estimates of the codes' histograms (the same, method "binned");
* any other mix: the mixed estimators one at a time (Ross, Gao et al. 2017, Mesner & Shalizi 2020), via
  :func:`infoscope.mutual_info` / :func:`infoscope.conditional_mutual_info` with ``discrete=`` per argument.

With a ``method`` other than "ksg" every spec goes to :func:`infoscope.estimate_many` with that method (the
Gaussian and neural methods read discrete codes as numbers).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._arrays import check_workers
from .._native import core
from ..estimators import conditional_mutual_info, mutual_info
from ..estimators.many import _bounds, estimate_many

__all__ = ["FeatureTable", "feature_matrix", "target_vector", "discrete_mask"]

# scikit-learn's tie-breaking noise: 1e-10 times max(1, mean |column|) of each scaled continuous column.
NOISE = 1e-10
_ROWS = 64  # columns scaled at a time (see _scale)


def _is_frame(X) -> bool:
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _column_kind(dtype) -> str:
    """"symbol" (pandas categories, strings, objects), "integer" (integers and booleans) or "float"."""
    if hasattr(dtype, "categories"):  # a pandas CategoricalDtype
        return "symbol"
    try:
        kind = np.dtype(dtype).kind
    except TypeError:  # other pandas extension dtypes (nullable integers, strings) say their kind
        kind = getattr(dtype, "kind", "O")
    return "symbol" if kind in "OSUV" else "integer" if kind in "biu" else "float"


def feature_matrix(X) -> tuple[np.ndarray, list[str] | None, np.ndarray]:
    """(columns as an object or float array of shape (N, p), names or None, each column's kind: "symbol",
    "integer" or "float").

    DataFrames keep their column names; their categorical, string and object columns are symbols. Arrays must be
    2-D; sparse matrices are made dense."""
    if X is None:
        raise TypeError("X must be a 2-D array of features (rows are samples), got None")
    if hasattr(X, "toarray") and hasattr(X, "nnz"):  # scipy.sparse
        X = X.toarray()
    if _is_frame(X):
        names = [str(c) for c in X.columns]
        kinds = np.array([_column_kind(t) for t in X.dtypes])
        values = np.empty((X.shape[0], X.shape[1]), dtype=object if (kinds == "symbol").any() else np.float64)
        for j in range(X.shape[1]):
            col = X.iloc[:, j].to_numpy()
            values[:, j] = col if kinds[j] == "symbol" else _numbers(col, f"X[{names[j]!r}]")
        return values, names, kinds
    a = np.asarray(X)
    if a.ndim != 2:
        raise ValueError(f"X must be a 2-D array of features (rows are samples); got shape {a.shape}")
    if a.dtype.kind == "c":
        raise TypeError(f"X must be real; got complex dtype {a.dtype}")
    if a.dtype.kind != "O":
        return a, None, np.full(a.shape[1], _column_kind(a.dtype))
    kinds = np.full(a.shape[1], "float")  # numbers stored as objects are numbers; other columns are symbols
    for j in range(a.shape[1]):
        try:
            a[:, j].astype(np.float64)
        except (TypeError, ValueError):
            kinds[j] = "symbol"
    return (a if (kinds == "symbol").any() else a.astype(np.float64)), None, kinds


def _numbers(col, name: str, hint: str = "or be a categorical column") -> np.ndarray:
    try:
        return np.asarray(col, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers ({hint}); got {np.asarray(col).dtype}") from None


def discrete_mask(discrete_features, kinds: np.ndarray, auto: str) -> np.ndarray:
    """Which features are discrete under ``discrete_features`` ("auto", a bool, a boolean mask or indices), as
    scikit-learn reads it; ``kinds`` from :func:`feature_matrix`. What "auto" marks: ``auto="none"`` no column
    (scikit-learn's rule for a dense array), ``"all"`` every column (its rule for a sparse matrix), ``"dtype"``
    integer and boolean columns. Columns of symbols are always discrete."""
    p = len(kinds)
    symbolic = kinds == "symbol"
    if isinstance(discrete_features, str):
        if discrete_features != "auto":
            raise ValueError(f"discrete_features must be 'auto', a bool, a boolean mask or column indices; got "
                             f"{discrete_features!r}")
        return symbolic | {"none": False, "all": True, "dtype": kinds == "integer"}[auto]
    if isinstance(discrete_features, (bool, np.bool_)):
        mask = np.full(p, bool(discrete_features))
    else:
        given = np.asarray(discrete_features)
        if given.ndim != 1 or given.dtype.kind not in "biu" or (given.dtype.kind == "b" and given.size != p):
            raise ValueError(f"discrete_features must be 'auto', a bool, a boolean mask of length {p} or column "
                             f"indices; got {discrete_features!r}")
        if given.dtype.kind == "b":
            mask = given.copy()
        else:
            if given.size and (given.min() < -p or given.max() >= p):
                raise ValueError(f"discrete_features holds column indices outside 0..{p - 1}: {given.tolist()}")
            mask = np.zeros(p, dtype=bool)
            mask[given] = True
    if (symbolic & ~mask).any():
        raise ValueError(f"discrete_features marks columns {np.flatnonzero(symbolic & ~mask).tolist()} continuous, "
                         "but they hold symbols (strings, categories), not numbers")
    return mask


def target_vector(y, n: int) -> np.ndarray:
    """y as a 1-D array of n samples, or an error naming y."""
    if y is None:
        raise ValueError("y is required: the estimates are of each feature's information about y (got None)")
    if _is_frame(y):
        if y.shape[1] != 1:
            raise ValueError(f"y must be one column; got {y.shape[1]}")
        y = y.iloc[:, 0]
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"y must be 1-D (one target); got shape {a.shape}")
    if len(a) != n:
        raise ValueError(f"y has {len(a)} samples but X has {n} rows")
    return a


def _codes(col, name: str) -> np.ndarray:
    """A discrete column's integer codes (0..), NaN and None refused."""
    col = np.asarray(col)
    if col.dtype.kind == "f" and not np.isfinite(col).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    if col.dtype.kind == "O" and any(v is None or (isinstance(v, float) and v != v) for v in col):
        raise ValueError(f"{name} holds missing values (None or NaN)")
    try:
        return np.unique(col, return_inverse=True)[1].reshape(-1).astype(np.float64)
    except TypeError:  # unorderable mixed objects: number them by first appearance
        index: dict = {}
        try:
            return np.array([index.setdefault(v, len(index)) for v in col], dtype=np.float64)
        except TypeError:
            bad = next(v for v in col if not isinstance(v, Hashable))
            raise TypeError(f"{name} holds a {type(bad).__name__}: each value must be a string, a symbol or a real "
                            "number (argument must be a string or a number)") from None


class FeatureTable:
    """Features and target, one row of ``by_column`` per column (the target last), prepared once.

    Parameters
    ----------
    X, discrete : ndarray (N, p), bool mask (p,)
        From :func:`feature_matrix` and :func:`discrete_mask`.
    y : ndarray (N,)
        The target; ``discrete_target`` says how it is read.
    n_neighbors : int
        k of the k-nearest-neighbour estimators.
    random_state : None, int or RandomState
        The tie-breaking noise: scikit-learn's draws (``check_random_state``), in its order (features, then a
        continuous target), so that its scores and these agree; None is seed 0 here (the same call gives the
        same numbers).
    method, options
        "ksg" (the k-NN estimators above) or any method of :func:`infoscope.estimate_many`, and its options.
    """

    def __init__(self, X, discrete, y, discrete_target: bool, *, n_neighbors=3, random_state=None, method="ksg",
                 options=None, workers=-1):
        from sklearn.utils import check_random_state

        n, p = X.shape
        if n == 0 or p == 0:
            raise ValueError(f"X must have at least one sample and one feature; got shape {X.shape}")
        if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, numbers.Integral) or n_neighbors < 1:
            raise ValueError(f"n_neighbors must be a positive integer; got {n_neighbors!r}")
        self.k = int(n_neighbors)
        if n <= self.k:
            raise ValueError(f"n_neighbors={self.k} needs more samples than that; X has n_samples={n}")
        self.method = method
        self.options = dict(options or {})
        # Where the KSG and other engine estimates run; the Ross batch and the mixed estimators run on the host.
        self.device = self.options.pop("device", "auto")
        self.workers = check_workers(workers)
        self.n_features = p
        self.discrete = np.append(np.asarray(discrete, dtype=bool), bool(discrete_target))
        self.by_column = np.empty((p + 1, n))
        for j in np.flatnonzero(self.discrete[:p]):
            self.by_column[j] = _codes(X[:, j], f"X[:, {j}]")
        rng = check_random_state(0 if random_state is None else random_state)
        continuous = np.flatnonzero(~self.discrete[:p])
        if continuous.size:
            with ThreadPoolExecutor(1) as pool:
                # scikit-learn's draws, one (n, features) block, made beside the scaling: numpy releases the GIL
                # in both, and the draws are a third of the whole call.
                draws = pool.submit(rng.standard_normal, size=(n, continuous.size))
                values = self.by_column[:p] if continuous.size == p else np.empty((continuous.size, n))
                values[:] = (X if continuous.size == p else X[:, continuous]).T
                noise_scale = _scale(values, "X")
                noise = draws.result()
            noise *= noise_scale
            values += noise.T
            if continuous.size < p:
                self.by_column[continuous] = values
        if discrete_target:
            self.by_column[p] = _codes(y, "y")
        else:
            self.by_column[p] = _numbers(y, "y", "a class target wants discrete_target=True or mutual_info_classif")
            self.by_column[p:] += _scale(self.by_column[p:], "y")[:, None] * rng.standard_normal(size=(n, 1)).T
        self._rows: np.ndarray | None = None  # built at first use
        self._codes: np.ndarray | None = None

    @property
    def target(self) -> int:
        """The column index of the target."""
        return self.n_features

    @property
    def rows(self) -> np.ndarray:
        """The table by rows (N, p + 1), as :func:`infoscope.estimate_many` reads it; built at first use."""
        if self._rows is None:
            self._rows = np.ascontiguousarray(self.by_column.T)
        return self._rows

    def with_columns(self, columns, extra: np.ndarray, discrete) -> tuple["FeatureTable", np.ndarray]:
        """A table of ``columns`` of this one (the target last, as here) and ``extra`` (m, N) new columns, discrete
        where ``discrete`` (m,) says; returns it and the new columns' indices in it (surrogates: permuted copies)."""
        out = object.__new__(FeatureTable)
        out.__dict__.update(self.__dict__)
        keep = [c for c in columns if c != self.target]
        # C order whatever the parts' (the core reads rows): a permuted selection may come back Fortran-ordered.
        out.by_column = np.ascontiguousarray(np.vstack([self.by_column[keep], extra, self.by_column[[self.target]]]))
        out.discrete = np.concatenate([self.discrete[keep], np.asarray(discrete, dtype=bool), self.discrete[[-1]]])
        out.n_features = len(keep) + len(extra)
        out._rows = out._codes = None
        return out, np.arange(len(keep), len(keep) + len(extra))

    def estimates(self, specs: list) -> np.ndarray:
        """I(X_e; Y_e | Z_e) in nats for each spec ``(x cols, z cols, y cols)`` (z may be empty), batched by kind."""
        out = np.empty(len(specs))
        if self.method != "ksg":
            self._estimate_many(specs, range(len(specs)), self.method, self.options, out)
            return out
        groups: dict[str, list] = {"ross": [], "ksg": [], "plugin": [], "mixed": []}
        for e, (x, z, y) in enumerate(specs):
            xz, yd = self.discrete[list(x) + list(z)], self.discrete[list(y)]
            if yd.all() and not xz.any() and not self.options:
                groups["ross"].append(e)
            elif not xz.any() and not yd.any():
                groups["ksg"].append(e)
            elif xz.all() and yd.all():
                groups["plugin"].append(e)
            else:
                groups["mixed"].append(e)
        if groups["ross"]:
            picked = [specs[e] for e in groups["ross"]]
            columns, bounds = _bounds(picked)  # lists of column indices, as many.py lays them out
            out[groups["ross"]] = core.ross_many(self.by_column, columns, bounds, self.k, self.workers)
        if groups["ksg"]:
            self._estimate_many(specs, groups["ksg"], "ksg",
                                {"k": self.k, "noise": 0.0, "normalize": False, "workers": self.workers,
                                 **self.options}, out)
        if groups["plugin"]:
            if self._codes is None:  # integers are symbols to the histogram estimators
                self._codes = self.rows.astype(np.int64)
            self._estimate_many(specs, groups["plugin"], "binned", {"workers": self.workers}, out, table=self._codes)
        for e in groups["mixed"]:
            out[e] = self._mixed(*specs[e])
        return out

    def _estimate_many(self, specs, picked, method, options, out, table=None):
        x, z, y = ([list(specs[e][part]) for e in picked] for part in range(3))
        out[list(picked)] = estimate_many(self.rows if table is None else table, x, y, z if any(z) else None,
                                          method=method, progress=False, device=self.device, **options)

    def _kind(self, cols) -> object:
        d = self.discrete[list(cols)]
        return bool(d[0]) if d.all() or not d.any() else "mixed"

    def _mixed(self, x, z, y) -> float:
        """One estimate whose arguments mix kinds: the mixed estimators, with discrete= per argument."""
        args = [self.rows[:, list(x)], self.rows[:, list(y)]] + ([self.rows[:, list(z)]] if len(z) else [])
        kinds = [self._kind(x), self._kind(y)] + ([self._kind(z)] if len(z) else [])
        options = {"k": self.k, "noise": 0.0, "normalize": False, "workers": self.workers, **self.options,
                   "discrete": kinds}
        return conditional_mutual_info(*args, **options) if len(z) else mutual_info(*args, **options)


def _scale(rows: np.ndarray, name: str) -> np.ndarray:
    """scikit-learn's scaling of continuous columns, here rows (in place): each divided by its standard deviation
    (left as it is where that is 0). Returns each row's noise scale, ``NOISE * max(1, mean |row|)``.

    A few rows at a time: numpy's temporaries are then small blocks that malloc reuses, where whole-table ones
    would be fresh pages (page faults) on every call."""
    out = np.empty(len(rows))
    for first in range(0, len(rows), _ROWS):
        part = rows[first:first + _ROWS]
        if not np.isfinite(part).all():
            raise ValueError(f"{name} holds NaN or infinite values; impute or drop them first")
        std = part.std(axis=1)
        part /= np.where(std < 10 * np.finfo(np.float64).eps, 1.0, std)[:, None]
        out[first:first + _ROWS] = NOISE * np.maximum(1, np.abs(part).mean(axis=1))
    return out
