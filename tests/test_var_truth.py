"""The exact truths of LinearGaussianVAR, checked by independent routes.

Autocovariances against scipy's discrete Lyapunov solver and against sample moments; transfer entropy against a
hand-derived closed form, against Granger regressions (TE = half the log ratio of least-squares residual
variances, Barnett, Barrett & Seth 2009) on simulated paths, and against zeros implied by the model structure.
Sampling tolerances are several standard errors, estimated from independent batches of trials.
"""

import math

import numpy as np
import pytest
from scipy.linalg import solve_discrete_lyapunov

from infoscope.bench.processes import LinearGaussianVAR


# A 3-component VAR(2): component 0 is autonomous, 0 drives 1, 1 and 2 drive each other; correlated noise.
A1 = np.array([[0.5, 0.0, 0.0], [0.35, 0.3, -0.2], [0.1, 0.25, 0.2]])
A2 = np.array([[-0.3, 0.0, 0.0], [0.2, -0.1, 0.0], [0.0, 0.15, -0.2]])
SIGMA = np.array([[1.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 1.5]])

# Chain X -> Y -> Z, each with one lag.
CHAIN = np.array([[0.6, 0.0, 0.0], [0.8, 0.3, 0.0], [0.0, 0.8, 0.3]])

BATCHES = 40


@pytest.fixture(scope="module")
def var3():
    return LinearGaussianVAR([A1, A2], SIGMA)


@pytest.fixture(scope="module")
def var3_paths(var3):
    return var3.simulate(500, trials=400, seed=11)  # 2e5 samples; stationary from the first step


@pytest.fixture(scope="module")
def chain_paths():
    return LinearGaussianVAR(CHAIN, np.eye(3)).simulate(500, trials=400, seed=12)


def companion(coefs):
    order, dim = len(coefs), coefs[0].shape[0]
    f = np.zeros((order * dim, order * dim))
    f[:dim] = np.concatenate(list(coefs), axis=1)
    f[dim:, :-dim] = np.eye((order - 1) * dim)
    return f


def companion_lyapunov(model):
    d = model.dim
    q = np.zeros_like(model.companion)
    q[:d, :d] = model.noise_cov
    return solve_discrete_lyapunov(model.companion, q)


# ------------------------------------------------------------------------------------------------ autocovariance


@pytest.mark.parametrize("seed,dim,order", [(0, 3, 2), (1, 2, 1), (2, 1, 4), (3, 9, 5)])  # 9x5: doubling path
def test_autocovariance_matches_scipy_lyapunov(seed, dim, order):
    rng = np.random.default_rng(seed)
    coefs = rng.standard_normal((order, dim, dim))
    while np.abs(np.linalg.eigvals(companion(coefs))).max() >= 0.95:  # shrink until stationary
        coefs *= 0.8
    b = rng.standard_normal((dim, dim))
    model = LinearGaussianVAR(list(coefs), b @ b.T + dim * np.eye(dim))
    np.testing.assert_array_equal(model.companion, companion(coefs))

    p_ref = companion_lyapunov(model)
    scale = np.abs(p_ref).max()
    np.testing.assert_allclose(model.state_covariance(), p_ref, rtol=0, atol=1e-10 * scale)
    # Cov(s_{t+h}, s_t) = F^h P; its top-left block is Gamma(h), for every h (checks the Yule-Walker recursion).
    max_lag = 3 * order + 2
    gamma = model.autocovariance(max_lag)
    assert gamma.shape == (max_lag + 1, dim, dim)
    for h in range(max_lag + 1):
        ref = (np.linalg.matrix_power(model.companion, h) @ p_ref)[:dim, :dim]
        np.testing.assert_allclose(gamma[h], ref, rtol=0, atol=1e-10 * scale)


def batch_mean_and_se(values):
    values = np.asarray(values)
    return values.mean(axis=0), values.std(axis=0, ddof=1) / math.sqrt(len(values))


def test_autocovariance_matches_long_simulation(var3, var3_paths):
    max_lag = 4
    gamma = var3.autocovariance(max_lag)
    assert np.abs(gamma[1] - gamma[1].T).max() > 0.3  # orientation errors would show
    n = var3_paths.shape[1]
    estimates = []
    for batch in np.array_split(var3_paths, BATCHES):
        # Gamma(h) = E[X_{t+h} X_t^T], pooled over the batch's trials; the mean is known to be zero.
        estimates.append([np.einsum("bti,btj->ij", batch[:, h:], batch[:, : n - h]) / (batch.shape[0] * (n - h))
                          for h in range(max_lag + 1)])
    mean, se = batch_mean_and_se(estimates)
    assert np.all(np.abs(mean - gamma) < 5 * se + 1e-3)
    assert se.max() < 0.03  # the check has teeth


def test_initial_state_is_stationary(var3):
    """The first rows of every path (taken from the initial state draw) already have the stationary law."""
    x = var3.simulate(4, trials=40_000, seed=5)
    gamma = var3.autocovariance(3)
    var = np.diag(gamma[0])
    for a, b in [(0, 0), (1, 0), (1, 1), (3, 0), (3, 2)]:
        sample = np.einsum("ti,tj->ij", x[:, a], x[:, b]) / len(x)
        truth = gamma[a - b]
        # For a jointly Gaussian pair, Var(XY) = Var X Var Y + Cov(X, Y)^2.
        se = np.sqrt((np.outer(var, var) + truth**2) / len(x))
        assert np.all(np.abs(sample - truth) < 5 * se)


def test_simulate_shapes_seed_and_burn_in(var3):
    assert var3.simulate(7).shape == (7, 3)
    assert var3.simulate(1, trials=2).shape == (2, 1, 3)  # shorter than the order
    assert var3.simulate(5, trials=3, burn_in=10).shape == (3, 5, 3)
    np.testing.assert_array_equal(var3.simulate(50, seed=3), var3.simulate(50, seed=3))
    assert not np.array_equal(var3.simulate(50, seed=3), var3.simulate(50, seed=4))
    ar1 = LinearGaussianVAR([[[0.5]]], [[1.0]])
    assert ar1.simulate(10).shape == (10, 1)


# ---------------------------------------------------------------------------------------------- transfer entropy


@pytest.mark.parametrize("a,b,c,sx,sy", [(0.5, 0.6, 0.8, 1.0, 1.0), (-0.7, 0.2, 0.3, 2.0, 0.5), (0.9, -0.5, 1.5, 0.3, 1.2)])
def test_bivariate_ar1_closed_form(a, b, c, sx, sy):
    """X_t = a X_{t-1} + e, Y_t = b Y_{t-1} + c X_{t-1} + e', Var e = sx^2, Var e' = sy^2, e and e' independent.

    Given (Y_{t-1}, X_{t-1}) what is left of Y_t is e', so TE(X -> Y) = 1/2 log(Var(Y_t | Y_{t-1}) / sy^2), with
    Var(Y_t | Y_{t-1}) = vy - g1^2 / vy from the stationary moments
    vx = sx^2 / (1 - a^2),  cxy = Cov(X_t, Y_t) = a c vx / (1 - a b),
    vy = (c^2 vx + 2 b c cxy + sy^2) / (1 - b^2),  g1 = Cov(Y_t, Y_{t-1}) = b vy + c cxy.
    """
    vx = sx**2 / (1 - a**2)
    cxy = a * c * vx / (1 - a * b)
    vy = (c**2 * vx + 2 * b * c * cxy + sy**2) / (1 - b**2)
    g1 = b * vy + c * cxy
    expected = 0.5 * math.log((vy - g1**2 / vy) / sy**2)
    model = LinearGaussianVAR([[[a, 0.0], [c, b]]], np.diag([sx**2, sy**2]))
    assert expected > 0.01
    assert model.transfer_entropy(0, 1) == pytest.approx(expected, rel=0, abs=1e-12)
    assert model.transfer_entropy(1, 0) == pytest.approx(0.0, abs=1e-12)


def lagged_columns(paths, variables, first):
    """Pooled columns X_{t-back}[comp] for t = first..n-1 of every trial, one column per (comp, back)."""
    n = paths.shape[1]
    if not variables:
        return np.empty(((n - first) * paths.shape[0], 0))
    return np.stack([paths[:, first - back : n - back, comp].reshape(-1) for comp, back in variables], axis=1)


def regression_te(paths, target, source_vars, given_vars):
    """Granger form: 1/2 log det(restricted residual cov) / det(full residual cov), least squares without intercept."""
    first = max(back for _, back in source_vars + given_vars)
    y = lagged_columns(paths, [(c, 0) for c in target], first)

    def residual_logdet(variables):
        design = lagged_columns(paths, variables, first)
        resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0] if design.shape[1] else y
        return np.linalg.slogdet(resid.T @ resid / len(resid))[1]

    return 0.5 * (residual_logdet(given_vars) - residual_logdet(given_vars + source_vars))


def regression_check(model, paths, *, source, target, lag=1, k_hist=1, l_hist=1, tau=1, groups=(), c_lags=(), c_hists=()):
    """Exact TE vs the batch-mean regression estimate; returns the exact value."""
    given = [(c, 1 + j * tau) for j in range(k_hist) for c in target]
    for group, c_lag, c_hist in zip(groups, c_lags, c_hists):
        given += [(c, c_lag + j * tau) for j in range(c_hist) for c in group]
    source_vars = [(c, lag + j * tau) for j in range(l_hist) for c in source]
    exact = model.transfer_entropy(source, target, lag=lag, k_hist=k_hist, l_hist=l_hist, tau=tau,
                                   condition=[list(g) for g in groups], condition_lag=list(c_lags),
                                   condition_hist=list(c_hists))
    estimates = [regression_te(batch, target, source_vars, given) for batch in np.array_split(paths, BATCHES)]
    mean, se = batch_mean_and_se(estimates)
    assert abs(mean - exact) < 4 * se + 1e-4, (mean, exact, se)
    return exact


@pytest.mark.parametrize("tau", [1, 2])
@pytest.mark.parametrize("l_hist", [1, 2])
@pytest.mark.parametrize("k_hist", [1, 2])
@pytest.mark.parametrize("lag", [1, 2, 3])
def test_te_matches_regression(var3, var3_paths, lag, k_hist, l_hist, tau):
    regression_check(var3, var3_paths, source=[0], target=[1], lag=lag, k_hist=k_hist, l_hist=l_hist, tau=tau)


@pytest.mark.parametrize(
    "source,target,kw",
    [
        ([0, 2], [1], dict(lag=1, k_hist=2, l_hist=2)),  # multivariate source
        ([0], [1, 2], dict(lag=2, k_hist=2, l_hist=1, tau=2)),  # multivariate target
        ([2], [1], dict(lag=1, k_hist=2, groups=[[0]], c_lags=[0], c_hists=[2])),  # instantaneous condition
        ([1], [2], dict(lag=1, k_hist=1, groups=[[0], [1]], c_lags=[1, 3], c_hists=[2, 1])),  # per-series lags
        ([2], [1], dict(lag=1, k_hist=2, l_hist=2, tau=2, groups=[[0]], c_lags=[0], c_hists=[2])),  # spaced history
        ([0], [1], dict(lag=1, k_hist=0)),  # no target history
    ],
)
def test_te_matches_regression_general(var3, var3_paths, source, target, kw):
    assert regression_check(var3, var3_paths, source=source, target=target, **kw) > 0.005


def test_chain_conditional_te(chain_paths):
    """X -> Y -> Z: given Z_{t-1} and Y_{t-1}, Z_t is Z's own noise, so X_{t-2} adds nothing."""
    model = LinearGaussianVAR(CHAIN, np.eye(3))
    conditional = model.transfer_entropy(0, 2, lag=2, condition=1, condition_lag=1)
    assert conditional == pytest.approx(0.0, abs=1e-12)
    assert model.transfer_entropy(0, 2, lag=2) > 0.01
    assert regression_check(model, chain_paths, source=[0], target=[2], lag=2) > 0.01
    regression_check(model, chain_paths, source=[0], target=[2], lag=2, groups=[[1]], c_lags=[1], c_hists=[1])
    # Conditioning on Y's whole recent past, in either grouping, also leaves nothing.
    assert model.transfer_entropy(0, 2, lag=1, l_hist=3, condition=[[1]], condition_hist=2) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("lag", [1, 2, 3])
@pytest.mark.parametrize("l_hist", [1, 2])
def test_reverse_direction_is_zero(var3, lag, l_hist):
    """Component 0 is an autonomous AR(2): given X_{t-1}[0], X_{t-2}[0], nothing else about the past matters."""
    for source in ([1], [2], [1, 2]):
        assert var3.transfer_entropy(source, 0, lag=lag, k_hist=2, l_hist=l_hist) == pytest.approx(0, abs=1e-12)
        assert var3.transfer_entropy(source, 0, lag=lag, k_hist=3, l_hist=l_hist, condition=1) == pytest.approx(0, abs=1e-12)
    # With too short a target history the reverse TE is not zero: the zeros above are not trivial.
    assert var3.transfer_entropy(1, 0, lag=1, k_hist=1) > 1e-3
    assert var3.transfer_entropy(0, 1, lag=lag, k_hist=2, l_hist=l_hist) > 1e-3


def test_te_degenerate_cases(var3):
    # Source variables that are all already in the target history carry nothing new.
    assert var3.transfer_entropy(1, 1, lag=1, k_hist=2) == 0.0
    # A source lag already in the target history is dropped, not left to make the covariance singular.
    assert var3.transfer_entropy(1, 1, lag=2, k_hist=2, l_hist=2) == pytest.approx(
        var3.transfer_entropy(1, 1, lag=3, k_hist=2, l_hist=1), abs=1e-12)
    assert var3.transfer_entropy(1, 1, lag=3, k_hist=2) > 1e-3
    # A condition that repeats the target history changes nothing.
    assert var3.transfer_entropy(0, 1, lag=2, k_hist=2, condition=1, condition_hist=3) == pytest.approx(
        var3.transfer_entropy(0, 1, lag=2, k_hist=3), abs=1e-12)
    # The same condition as one bivariate series or as two univariate ones.
    one = var3.transfer_entropy(0, 1, lag=2, condition=[0, 2], condition_lag=0)
    assert one == pytest.approx(var3.transfer_entropy(0, 1, lag=2, condition=[[0], [2]], condition_lag=[0, 0]), abs=1e-15)


# -------------------------------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    "coefficients,noise_cov,match",
    [
        ([], np.eye(2), "coefficients"),
        ([np.zeros((2, 3))], np.eye(2), "coefficients"),
        ([np.zeros((2, 2)), np.zeros((3, 3))], np.eye(2), "coefficients"),
        ([np.array([[0.1, np.nan], [0.0, 0.1]])], np.eye(2), "coefficients"),
        ([[["a"]]], np.eye(1), "coefficients"),
        ([np.eye(2) * 0.5], np.eye(3), "noise_cov"),
        ([np.eye(2) * 0.5], [[1.0, 0.5], [0.0, 1.0]], "noise_cov"),
        ([np.eye(2) * 0.5], [[1.0, 2.0], [2.0, 1.0]], "noise_cov"),
        ([np.eye(2) * 0.5], [[1.0, 0.0], [0.0, np.inf]], "noise_cov"),
        ([np.eye(2) * 0.5], np.zeros((2, 2)), "noise_cov"),
        ([np.eye(2)], np.eye(2), "non-stationary"),  # unit root
        ([np.eye(2) * 0.6, np.eye(2) * 0.5], np.eye(2), "non-stationary"),  # stable-looking blocks, radius > 1
    ],
)
def test_bad_model_raises(coefficients, noise_cov, match):
    with pytest.raises(ValueError, match=match):
        LinearGaussianVAR(coefficients, noise_cov)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(source=3, target=0), "source"),
        (dict(source=-1, target=0), "source"),
        (dict(source=0, target=[]), "target"),
        (dict(source=0, target=[1, 1]), "target"),
        (dict(source=0.0, target=1), "source"),
        (dict(source=0, target=1, lag=0), "lag"),
        (dict(source=0, target=1, lag=1.5), "lag"),
        (dict(source=0, target=1, k_hist=-1), "k_hist"),
        (dict(source=0, target=1, l_hist=0), "l_hist"),
        (dict(source=0, target=1, tau=0), "tau"),
        (dict(source=0, target=1, condition=2, condition_lag=-1), "condition_lag"),
        (dict(source=0, target=1, condition=[[2], [0]], condition_lag=[1]), "condition_lag"),
        (dict(source=0, target=1, condition=2, condition_hist=0), "condition_hist"),
        (dict(source=0, target=1, condition=[[2], [5]]), "condition"),
        (dict(source=0, target=1, condition=1, condition_lag=0), "condition"),  # target at time t
    ],
)
def test_bad_te_arguments_raise(var3, kwargs, match):
    with pytest.raises(ValueError, match=match):
        var3.transfer_entropy(**kwargs)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda m: m.simulate(0), "n"),
        (lambda m: m.simulate(10, trials=0), "trials"),
        (lambda m: m.simulate(10, burn_in=-1), "burn_in"),
        (lambda m: m.autocovariance(-1), "max_lag"),
    ],
)
def test_bad_sampling_arguments_raise(var3, call, match):
    with pytest.raises(ValueError, match=match):
        call(var3)
