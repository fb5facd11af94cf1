"""Properties of every public estimator over the whole finite float range, subnormals and 1e308 included.

Finite input gives a finite estimate, a warning that says why not, or a ValueError; local values average to the
estimate; the k-NN and Gaussian estimates are unchanged by scaling a column (exactly, for powers of two); KSG MI
is symmetric; plug-in binned MI lies between 0 and the smaller entropy. CI runs a few dozen examples per property;
``HYPOTHESIS_PROFILE=long`` runs a thousand.
"""

import math
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import infoscope as isc

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
run = settings(max_examples=1000 if LONG else 25, deadline=None, derandomize=not LONG,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

full = st.floats(allow_nan=False, allow_infinity=False, width=64)  # every finite double
moderate = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def tables(draw, n_min=8, n_max=40, d_max=2, count=2):
    """``count`` tables of equal length, each column drawn from the full range, a moderate range, or the moderate
    range scaled far up or down: columns that are large, tiny, mixed and subnormal."""
    n = draw(st.integers(n_min, n_max))

    def column():
        kind = draw(st.sampled_from(["full", "moderate", "scaled"]))
        if kind == "full":
            return draw(arrays(np.float64, n, elements=full))
        values = draw(arrays(np.float64, n, elements=moderate))
        return values * (10.0 ** draw(st.integers(-320, 305))) if kind == "scaled" else values

    out = []
    for _ in range(count):
        d = draw(st.integers(1, d_max))
        out.append(np.column_stack([column() for _ in range(d)]))
    return out


def finite_warned_or_refused(call):
    """The estimate, or None where the estimator refused with a ValueError. A non-finite estimate must come with
    a warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = call()
        except ValueError as err:
            assert str(err)
            return None
    values = np.atleast_1d(np.asarray(value, dtype=np.float64))
    assert np.isfinite(values).all() or caught, f"non-finite estimate {value!r} without a warning"
    return value


ESTIMATES = {
    "mi ksg": lambda x, y, z: isc.mutual_info(x, y),
    "mi ksg2": lambda x, y, z: isc.mutual_info(x, y, algorithm=2),
    "mi kl": lambda x, y, z: isc.mutual_info(x, y, method="kl"),
    "mi gaussian": lambda x, y, z: isc.mutual_info(x, y, method="gaussian"),
    "mi binned": lambda x, y, z: isc.mutual_info(x, y, method="binned"),
    "cmi ksg": lambda x, y, z: isc.conditional_mutual_info(x, y, z),
    "cmi gaussian": lambda x, y, z: isc.conditional_mutual_info(x, y, z, method="gaussian"),
    "cmi binned": lambda x, y, z: isc.conditional_mutual_info(x, y, z, method="binned"),
    "h knn": lambda x, y, z: isc.entropy(x),
    "h knn euclidean": lambda x, y, z: isc.entropy(x, metric="euclidean"),
    "h knn normalized": lambda x, y, z: isc.entropy(x, normalize=True),
    "h binned": lambda x, y, z: isc.entropy(x, method="binned"),
    "h gaussian": lambda x, y, z: isc.entropy(x, method="gaussian"),
    "h kde": lambda x, y, z: isc.entropy(x, method="kde", noise_var=1.0),
    "te ksg": lambda x, y, z: isc.transfer_entropy(x[:, 0], y[:, 0]),
    "te binned": lambda x, y, z: isc.transfer_entropy(x[:, 0], y[:, 0], method="binned"),
}


@pytest.mark.parametrize("name", list(ESTIMATES))
@run
@given(tables(count=3))
def test_finite_input_gives_a_finite_estimate_a_warning_or_a_value_error(name, data):
    x, y, z = data
    finite_warned_or_refused(lambda: ESTIMATES[name](x, y, z))


@pytest.mark.parametrize("name", ["mi ksg", "mi kl", "mi gaussian", "cmi ksg", "cmi gaussian", "h knn", "h gaussian"])
@run
@given(tables(count=3))
def test_local_values_average_to_the_estimate(name, data):
    x, y, z = data
    quantity, method = name.split()
    method = {"knn": "knn"}.get(method, method)
    arrays_ = {"mi": (x, y), "cmi": (x, y, z), "h": (x,)}[quantity]
    fn = {"mi": isc.mutual_info, "cmi": isc.conditional_mutual_info, "h": isc.entropy}[quantity]
    estimate = finite_warned_or_refused(lambda: fn(*arrays_, method=method))
    assume(estimate is not None and math.isfinite(estimate))
    local = fn(*arrays_, method=method, local=True)
    assert local.shape == (x.shape[0],)
    assert np.mean(local) == pytest.approx(estimate, rel=1e-9, abs=1e-9)


@run
@given(tables(count=2), st.integers(-1000, 1000), st.floats(1e-3, 1e3))
def test_scaling_a_column_leaves_knn_and_gaussian_mi_unchanged(data, exponent, factor):
    x, y = data
    for method in ("ksg", "gaussian"):
        estimate = finite_warned_or_refused(lambda: isc.mutual_info(x, y, method=method))
        assume(estimate is not None and math.isfinite(estimate))
        scaled = x.copy()
        scaled[:, 0] = np.ldexp(x[:, 0], exponent)
        # Exact only while no value becomes subnormal (or leaves the range) on either side of the scaling.
        tiny = np.finfo(np.float64).tiny
        normal = lambda c: np.isfinite(c).all() and ((c == 0) | (np.abs(c) >= tiny)).all()  # noqa: E731
        assume(normal(scaled[:, 0]) and normal(x[:, 0]) and ((scaled[:, 0] == 0) == (x[:, 0] == 0)).all())
        # A power of two is exact in every step: the same estimate to the last bit for KSG.
        got = isc.mutual_info(scaled, y, method=method)
        if method == "ksg":
            assert got == estimate
        else:
            assert got == pytest.approx(estimate, rel=1e-9, abs=1e-12)


@run
@given(tables(count=2, d_max=2))
def test_ksg_mi_is_symmetric(data):
    x, y = data
    forward = finite_warned_or_refused(lambda: isc.mutual_info(x, y, noise=0.0))
    assume(forward is not None and math.isfinite(forward))
    assert isc.mutual_info(y, x, noise=0.0) == pytest.approx(forward, rel=1e-12, abs=1e-12)


@run
@given(tables(count=2))
def test_plug_in_binned_mi_lies_between_zero_and_the_smaller_entropy(data):
    x, y = data
    mi = finite_warned_or_refused(lambda: isc.mutual_info(x, y, method="binned"))
    assume(mi is not None)
    ceiling = min(isc.entropy(x, method="binned"), isc.entropy(y, method="binned"))
    assert -1e-12 <= mi <= ceiling + 1e-12
