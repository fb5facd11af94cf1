"""Array handling: what is accepted, and the error (type and message naming the argument) for what is not."""

import math

import numpy as np
import pytest
import torch

import infoscope as isc

rng = np.random.default_rng(0)
X = rng.standard_normal((100, 2))
Y = X[:, :1] + rng.standard_normal((100, 1))
Z = rng.standard_normal(100)

ESTIMATORS = {
    "entropy": lambda x=X, **kw: isc.entropy(x, **kw),
    "mutual_info": lambda x=X, y=Y, **kw: isc.mutual_info(x, y, **kw),
    "conditional_mutual_info": lambda x=X, y=Y, z=Z, **kw: isc.conditional_mutual_info(x, y, z, **kw),
}


class ArrayOnly:
    """Exposes only __array__, as array types of other frameworks do."""

    def __init__(self, a):
        self._a = a

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._a, dtype=dtype)


class DLPackOnly:
    """Exposes only the DLPack protocol, on a chosen device type (1 = CPU, 2 = CUDA)."""

    def __init__(self, a, device_type=1):
        self._a, self._device = a, device_type

    def __dlpack__(self, **kwargs):
        return self._a.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return (self._device, 0)


@pytest.mark.parametrize("convert", [
    lambda a: a.tolist(),
    lambda a: a.astype(np.float32).astype(np.float64),  # float32-representable values, compared exactly below
    lambda a: np.asfortranarray(a),
    lambda a: ArrayOnly(a),
    lambda a: DLPackOnly(np.ascontiguousarray(a)),
    lambda a: torch.from_numpy(a.copy()),
    lambda a: torch.from_numpy(a.copy()).requires_grad_(True),
], ids=["list", "float64", "fortran", "__array__", "__dlpack__", "torch", "torch-requires-grad"])
def test_array_types_give_the_same_number(convert):
    x = X.astype(np.float32).astype(np.float64)
    want = isc.mutual_info(x, Y)
    assert isc.mutual_info(convert(x), Y) == want


def test_float32_integer_and_bool_inputs():
    assert isc.mutual_info(X.astype(np.float32), Y) == isc.mutual_info(X.astype(np.float32).astype(np.float64), Y)
    counts = rng.integers(0, 50, size=(100, 2))
    assert isc.mutual_info(counts, Y) == isc.mutual_info(counts.astype(float), Y)
    assert math.isfinite(isc.mutual_info(counts > 25, Y))


def test_one_dimensional_is_one_column():
    assert isc.mutual_info(Z, Y) == isc.mutual_info(Z.reshape(-1, 1), Y)
    assert isc.entropy(Z) == isc.entropy(Z.reshape(-1, 1))


def test_strided_views_are_read_correctly():
    big = rng.standard_normal((200, 6))
    view = big[::2, ::3]
    assert isc.mutual_info(view, big[::2, 1]) == isc.mutual_info(view.copy(), big[::2, 1].copy())


def test_local_values_and_units():
    local = isc.mutual_info(X, Y, local=True)
    assert local.shape == (100,)
    assert local.mean() == pytest.approx(isc.mutual_info(X, Y), abs=1e-15)
    assert isc.mutual_info(X, Y, base=2) == pytest.approx(isc.mutual_info(X, Y) / math.log(2), rel=1e-14)


def test_seed_reproducible_and_noise_matters_only_through_ties():
    ties = np.round(X, 1)
    assert isc.mutual_info(ties, Y, seed=3) == isc.mutual_info(ties, Y, seed=3)
    assert isc.mutual_info(ties, Y, seed=3) != isc.mutual_info(ties, Y, seed=4)
    gen = np.random.default_rng(3)
    assert math.isfinite(isc.mutual_info(ties, Y, seed=gen))


BAD_ARRAYS = [
    (np.array([[1.0, np.nan]] * 10), ValueError, "finite"),
    (np.array([[1.0, np.inf]] * 10), ValueError, "finite"),
    (np.zeros((0, 2)), ValueError, "empty"),
    (np.zeros((10, 0)), ValueError, "no variables"),
    (np.zeros((4, 5, 2)), ValueError, "3 dimensions"),
    (np.float64(3.0), ValueError, "scalar"),
    (np.ones((10, 2), dtype=complex), TypeError, "complex"),
    (np.array([["a", "b"]] * 10), TypeError, "real numbers"),
    (np.array([object()] * 10), TypeError, "real numbers"),
    (None, TypeError, "None"),
    ([[1.0, 2.0], [3.0]], TypeError, "numeric array"),
    (DLPackOnly(np.ones((10, 2)), device_type=2), ValueError, "accelerator"),
]


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("bad,error,message", BAD_ARRAYS)
def test_bad_arrays_name_the_argument(estimator, bad, error, message):
    fn = ESTIMATORS[estimator]
    with pytest.raises(error, match=message) as info:
        fn(x=bad)
    assert str(info.value).startswith("x ")


@pytest.mark.parametrize("estimator", ["mutual_info", "conditional_mutual_info"])
def test_bad_second_argument_is_named(estimator):
    with pytest.raises(ValueError, match="^y must be finite"):
        ESTIMATORS[estimator](y=np.full(100, np.nan))


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(y=Y[:50]), ValueError, "same number of samples"),
    (dict(z=Z[:99]), ValueError, "same number of samples"),
])
def test_row_mismatch(kwargs, error, message):
    with pytest.raises(error, match=message):
        ESTIMATORS["conditional_mutual_info"](**kwargs)


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("options,error,message", [
    (dict(k=0), ValueError, "k must be at least 1"),
    (dict(k=-2), ValueError, "k must be at least 1"),
    (dict(k=100), ValueError, "k must be smaller than the number of samples"),
    (dict(k=2.5), TypeError, "k must be an integer"),
    (dict(k=True), TypeError, "k must be an integer"),
    (dict(workers=0), ValueError, "workers"),
    (dict(workers=1.5), TypeError, "workers"),
    (dict(noise=-1.0), ValueError, "noise"),
    (dict(noise=float("nan")), ValueError, "noise"),
    (dict(seed="x"), TypeError, "seed"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(transform="log"), ValueError, "transform"),
    (dict(normalize="yes"), TypeError, "normalize"),
    (dict(base=1), ValueError, "base"),
    (dict(base=-2), ValueError, "base"),
    (dict(local="yes"), TypeError, "local"),
    (dict(method="magic"), ValueError, "method must be one of"),
    (dict(bins=10), TypeError, "takes no option 'bins'"),
])
def test_bad_options(estimator, options, error, message):
    with pytest.raises(error, match=message):
        ESTIMATORS[estimator](**options)


def test_method_specific_options():
    with pytest.raises(ValueError, match="metric"):
        isc.entropy(X, metric="manhattan")
    with pytest.raises(ValueError, match="algorithm"):
        isc.mutual_info(X, Y, algorithm=3)
    with pytest.raises(ValueError, match="algorithm"):
        isc.conditional_mutual_info(X, Y, Z, algorithm=3)
    with pytest.raises(TypeError, match="takes no option 'algorithm'"):
        isc.transfer_entropy(X[:, 0], Y[:, 0], algorithm=2)


def test_smallest_valid_sample():
    x = np.array([0.0, 1.0, 3.0])
    assert math.isfinite(isc.entropy(x, k=2))
    assert math.isfinite(isc.mutual_info(x, x[::-1], k=2))


def test_build_info_and_version():
    info = isc.build_info()
    assert info["version"] == isc.__version__
    assert {"compiler", "openmp", "threads", "isa", "isa_built", "cuda_option", "cuda"} <= set(info)
    assert info["threads"] >= 1
