"""The pairwise-distance bounds on the entropy of a Gaussian mixture (Kolchinsky & Tracey 2017)."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

import infoscope as isc
from infoscope.estimators.kde import kernel_log_mean


def brute_force(x, noise_var, bound):
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    h = noise_var * (1.0 if bound == "upper" else 4.0)
    return 0.5 * x.shape[1] * math.log(2 * math.pi * math.e * noise_var) - np.log(np.exp(-d2 / (2 * h)).mean(1))


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_matches_brute_force(bound):
    x = np.random.default_rng(0).standard_normal((300, 3))
    local = isc.entropy(x, method="kde", noise_var=0.2, bound=bound, local=True)
    np.testing.assert_allclose(local, brute_force(x, 0.2, bound), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_closed_forms(bound):
    """One component: the Gaussian's entropy. Far-apart components (equal weights): that plus log N."""
    s2 = 0.3
    component = 0.5 * 2 * math.log(2 * math.pi * math.e * s2)
    assert isc.entropy(np.zeros((1, 2)), method="kde", noise_var=s2, bound=bound) == pytest.approx(component, abs=1e-12)
    far = np.arange(5)[:, None] * [100.0, 0.0]
    assert isc.entropy(far, method="kde", noise_var=s2, bound=bound) == pytest.approx(component + math.log(5), abs=1e-12)


def test_bounds_bracket_the_mixture_entropy():
    """A 1-D mixture of Gaussians at overlapping centres: lower <= numerically integrated entropy <= upper."""
    centres, s2 = np.array([0.0, 0.4, 1.1, 3.0]), 0.25
    density = lambda t: stats.norm.pdf(t, centres[:, None], math.sqrt(s2)).mean(0)  # noqa: E731
    truth = integrate.quad(lambda t: -density(np.array([t]))[0] * math.log(density(np.array([t]))[0]), -8, 11,
                           limit=200)[0]
    upper = isc.entropy(centres, method="kde", noise_var=s2)
    lower = isc.entropy(centres, method="kde", noise_var=s2, bound="lower")
    assert lower < truth < upper


def test_kernel_term_limits_and_errors():
    x = np.random.default_rng(1).standard_normal((50, 2))
    term = kernel_log_mean(x, noise_var=0.1)
    assert (term <= 0).all() and (term >= -math.log(50) - 1e-12).all()
    with pytest.raises(ValueError, match="noise_var"):
        isc.entropy(x, method="kde", noise_var=0)
    with pytest.raises(ValueError, match="noise_var"):
        isc.entropy(x, method="kde", noise_var=float("nan"))
    with pytest.raises(TypeError, match="noise_var"):
        isc.entropy(x, method="kde")
    with pytest.raises(ValueError, match="bound"):
        isc.entropy(x, method="kde", noise_var=1.0, bound="middle")
    with pytest.raises(ValueError, match="finite"):
        isc.entropy([1.0, np.inf], method="kde", noise_var=1.0)
