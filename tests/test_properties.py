"""Property tests (hypothesis): invariances of the estimates and errors on every malformed input."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import infoscope as isc

settings.register_profile("infoscope", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("infoscope")

# No subnormals: a column spanning only a subnormal range has bins / range = inf, which binning rightly refuses.
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=64)


@st.composite
def paired_samples(draw):
    n = draw(st.integers(6, 60))
    dx, dy, dz = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    x = draw(arrays(np.float64, (n, dx), elements=finite))
    y = draw(arrays(np.float64, (n, dy), elements=finite))
    z = draw(arrays(np.float64, (n, dz), elements=finite))
    k = draw(st.integers(1, n - 1))
    return x, y, z, k, draw(st.randoms(use_true_random=False))


@given(paired_samples())
def test_permuting_samples_leaves_estimates_unchanged(case):
    x, y, z, k, random = case
    perm = np.array(random.sample(range(len(x)), len(x)))
    # Raw inputs: standardising sums in row order, which moves values by an ulp and can flip exact ties.
    exact = dict(noise=0.0, normalize=False)
    for fn, args in [(isc.mutual_info, (x, y)), (isc.conditional_mutual_info, (x, y, z))]:
        a = fn(*args, k=k, **exact)
        b = fn(*(v[perm] for v in args), k=k, **exact)
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12)
    # Algorithm 2 breaks ties at the k-th distance by row index, which a permutation changes. Jittered once,
    # before permuting, the data have no distance ties and the estimate must not depend on the order.
    jitter = np.random.default_rng(len(x)).uniform(-1e-3, 1e-3, size=(len(x), x.shape[1] + y.shape[1]))
    xj, yj = x + jitter[:, : x.shape[1]], y + jitter[:, x.shape[1]:]
    a = isc.mutual_info(xj, yj, k=k, algorithm=2, noise=0.0, normalize=False)
    b = isc.mutual_info(xj[perm], yj[perm], k=k, algorithm=2, noise=0.0, normalize=False)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-12)


@given(paired_samples())
def test_local_values_average_to_the_estimate(case):
    x, y, z, k, _ = case
    for fn, args in [(isc.mutual_info, (x, y)), (isc.conditional_mutual_info, (x, y, z))]:
        local = fn(*args, k=k, local=True)
        assert local.shape == (len(x),)
        assert np.isfinite(local).all()
        assert local.mean() == fn(*args, k=k)


@given(paired_samples(), st.sampled_from(["nan", "inf", "rows", "k", "dims"]))
def test_malformed_inputs_raise(case, defect):
    x, y, z, k, _ = case
    if defect == "nan":
        x = x.copy()
        x[0, 0] = np.nan
        error, match = ValueError, "x must be finite"
    elif defect == "inf":
        y = y.copy()
        y[-1, -1] = -np.inf
        error, match = ValueError, "y must be finite"
    elif defect == "rows":
        y = y[:-1]
        error, match = ValueError, "same number of samples"
    elif defect == "k":
        k = len(x) + int(k)
        error, match = ValueError, "k must be smaller"
    else:
        x = x[:, :, None]
        error, match = ValueError, "x must be a 1-D"
    with pytest.raises(error, match=match):
        isc.mutual_info(x, y, k=k)


@given(paired_samples(), st.integers(1, 12), st.sampled_from(["plugin", "miller_madow", "jackknife", "grassberger"]))
def test_binned_estimates_are_permutation_invariant_and_match_the_reference(case, bins, correction):
    import reference_binning as ref

    x, y, z, _, random = case
    perm = np.array(random.sample(range(len(x)), len(x)))
    options = dict(method="binned", bins=bins, correction=correction)
    for fn, args in [(isc.mutual_info, (x, y)), (isc.conditional_mutual_info, (x, y, z))]:
        assert fn(*args, **options) == pytest.approx(fn(*(v[perm] for v in args), **options), abs=1e-12)
    want = ref.local_mutual_info(ref.uniform_codes(x, bins=bins), ref.uniform_codes(y, bins=bins), correction)
    np.testing.assert_allclose(isc.mutual_info(x, y, local=True, **options), want, rtol=0, atol=1e-12)
