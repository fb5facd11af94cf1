"""The estimator variants issue 5 added: Gaussian / Gaussian-copula, the Berrett weighted Kozachenko-Leonenko
entropy, the LNC correction and the Gaussian-reference bias correction of KSG, and the normal-scores transform.

Each is checked against a closed form and, where one exists, an independent numpy/scipy reference.
"""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import gammaln

import infoscope as isc
from infoscope.estimators._transforms import normal_scores
from infoscope.estimators.knn import berrett_weights, lnc_alpha

import reference


def gaussian_pair(n, d, rho, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d)), -0.5 * d * math.log(1 - rho**2)


# ------------------------------------------------------------------------------------------------ Gaussian

def canonical_correlation_mi(x, y):
    """-1/2 sum log(1 - rho_i^2), rho_i the singular values of the whitened cross-covariance (CCA)."""
    def whiten(a):
        a = a - a.mean(axis=0)
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        return u  # orthonormal columns spanning a: whitened up to a rotation
    rho = np.linalg.svd(whiten(x).T @ whiten(y), compute_uv=False)
    return -0.5 * np.log(1 - rho**2).sum()


def test_gaussian_mi_is_the_canonical_correlation_formula():
    x, y, _ = gaussian_pair(3000, 3, 0.6)
    y = np.hstack([y, np.random.default_rng(1).standard_normal((3000, 2))])
    assert isc.mutual_info(x, y, method="gaussian", bias_correction=False) == pytest.approx(
        canonical_correlation_mi(x, y), rel=1e-10)


@pytest.mark.parametrize("d,rho", [(1, 0.9), (4, 0.5)])
def test_gaussian_mi_converges_to_the_truth(d, rho):
    x, y, truth = gaussian_pair(200_000, d, rho)
    assert isc.mutual_info(x, y, method="gaussian") == pytest.approx(truth, abs=0.01)


def test_bias_correction_removes_the_dimension_bias_on_independent_data():
    p, q, n = 10, 10, 500
    rng = np.random.default_rng(0)
    plain, corrected = [], []
    for _ in range(40):
        x, y = rng.standard_normal((n, p)), rng.standard_normal((n, q))
        plain.append(isc.mutual_info(x, y, method="gaussian", bias_correction=False))
        corrected.append(isc.mutual_info(x, y, method="gaussian"))
    assert np.mean(plain) == pytest.approx(p * q / (2 * n), rel=0.25)   # the known plug-in bias, about 0.1 nat
    assert abs(np.mean(corrected)) < 0.15 * p * q / (2 * n)


def test_gaussian_entropy_and_cmi_closed_forms():
    rng = np.random.default_rng(2)
    cov = np.array([[2.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.5]])
    xyz = rng.multivariate_normal(np.zeros(3), cov, size=200_000)
    h = 0.5 * math.log((2 * math.pi * math.e) ** 3 * np.linalg.det(cov))
    assert isc.entropy(xyz, method="gaussian") == pytest.approx(h, abs=0.01)
    det = lambda idx: np.linalg.det(cov[np.ix_(idx, idx)])  # noqa: E731
    cmi = 0.5 * math.log(det([0, 2]) * det([1, 2]) / (det([2]) * det([0, 1, 2])))
    assert isc.conditional_mutual_info(xyz[:, 0], xyz[:, 1], xyz[:, 2], method="gaussian") == pytest.approx(cmi, abs=0.01)


def test_gaussian_locals_average_to_the_estimate():
    x, y, _ = gaussian_pair(1000, 2, 0.7)
    local = isc.mutual_info(x, y, method="gaussian", local=True)
    assert local.shape == (1000,)
    assert local.mean() == pytest.approx(isc.mutual_info(x, y, method="gaussian"), abs=1e-12)


def test_gaussian_copula_is_invariant_to_monotone_transforms():
    x, y, _ = gaussian_pair(2000, 2, 0.6)
    a = isc.mutual_info(x, y, method="gaussian", transform="normal")
    b = isc.mutual_info(np.exp(x), np.arcsinh(y) ** 3, method="gaussian", transform="normal")
    assert a == b


def test_gaussian_errors_name_the_problem():
    x = np.random.default_rng(0).standard_normal((50, 2))
    with pytest.raises(ValueError, match="singular"):
        isc.mutual_info(np.c_[x, x[:, 0]], x, method="gaussian")
    with pytest.raises(ValueError, match="more than"):
        isc.mutual_info(x[:3], x[:3], method="gaussian")
    with pytest.raises(ValueError, match="transform"):
        isc.mutual_info(x, x, method="gaussian", transform="logit")
    with pytest.raises(TypeError, match="k"):
        isc.mutual_info(x, x, method="gaussian", k=3)


@pytest.mark.parametrize("dy, with_z, transform, bias_correction", [
    (1, True, None, True), (2, True, "normal", False), (1, False, None, False), (3, True, None, True)])
def test_gaussian_surrogates_are_the_estimates_on_permuted_y(dy, with_z, transform, bias_correction):
    from infoscope.estimators.gaussian import gaussian_conditional_mutual_info_problem

    rng = np.random.default_rng(dy)
    n = 800
    z = rng.standard_normal((n, 2))
    x = z @ [[0.6], [-0.3]] + rng.standard_normal((n, 1))
    y = np.column_stack([0.4 * x[:, 0] + z[:, 1] + rng.standard_normal(n) for _ in range(dy)])
    options = dict(transform=transform, bias_correction=bias_correction)
    problem = gaussian_conditional_mutual_info_problem(None, x, y, z if with_z else None, **options)
    perms = np.vstack([np.arange(n)] + [rng.permutation(n) for _ in range(5)]).astype(np.uint32)
    single = [isc.conditional_mutual_info(x, y[p], z, method="gaussian", **options) if with_z
              else isc.mutual_info(x, y[p], method="gaussian", **options) for p in perms]
    assert problem.surrogates(perms) == pytest.approx(single, abs=1e-12)
    assert problem.locals().mean() == pytest.approx(single[0], abs=1e-12)


def test_gaussian_permutation_null_is_the_chi_squared_analytic_null():
    from infoscope.estimators.gaussian import gaussian_conditional_mutual_info_problem

    rng = np.random.default_rng(4)
    n, dy = 2000, 2
    z = rng.standard_normal((n, 3))
    x, y = z[:, :1] + rng.standard_normal((n, 1)), z[:, 1:] @ np.ones((2, dy)) + rng.standard_normal((n, dy))
    problem = gaussian_conditional_mutual_info_problem(None, x, y, z, transform=None, bias_correction=False).problem
    permuted = 2 * n * problem.surrogates(np.vstack([rng.permutation(n) for _ in range(2000)]).astype(np.uint32))
    analytic = 2 * n * problem.analytic_null(rng, 2000)
    # Y keeps its dependence on Z under the permutation, yet 2 N I stays chi-squared with dx dy = 2 degrees.
    assert stats.kstest(permuted, stats.chi2(df=2).cdf).pvalue > 0.01
    assert stats.kstest(analytic, stats.chi2(df=2).cdf).pvalue > 0.01
    corrected = gaussian_conditional_mutual_info_problem(None, x, y, z, transform=None, bias_correction=True).problem
    shift = isc.conditional_mutual_info(x, y, z, method="gaussian", bias_correction=False) \
        - isc.conditional_mutual_info(x, y, z, method="gaussian")
    assert corrected.analytic_null(np.random.default_rng(1), 5) == pytest.approx(
        problem.analytic_null(np.random.default_rng(1), 5) - shift, abs=1e-15)


def test_gaussian_permutation_test_runs_its_surrogates_in_batches():
    rng = np.random.default_rng(5)
    z = rng.standard_normal(500)
    x, y = z + rng.standard_normal(500), z + rng.standard_normal(500)
    independent = isc.stats.permutation_test(isc.conditional_mutual_info, x, y, z, method="gaussian",
                                             n_permutations=200)
    assert independent.null.shape == (200,) and independent.p_value > 0.05
    dependent = isc.stats.permutation_test(isc.conditional_mutual_info, x, y + 0.3 * x, z, method="gaussian",
                                           n_permutations=200)
    assert dependent.p_value == pytest.approx(1 / 201)


def test_gaussian_matrix_estimates_come_from_one_covariance_and_equal_single_calls():
    rng = np.random.default_rng(6)
    table = rng.standard_normal((600, 5)) @ rng.standard_normal((5, 5))
    table[:, 4] = np.exp(table[:, 4])
    for transform in (None, "normal"):
        matrix = isc.mutual_info_matrix(table, method="gaussian", transform=transform).values
        for i in range(5):
            for j in range(5):
                if i != j:
                    single = isc.mutual_info(table[:, i], table[:, j], method="gaussian", transform=transform)
                    assert matrix[i, j] == pytest.approx(single, abs=1e-12)
    constant = np.c_[table, np.ones(600)]
    with pytest.raises(ValueError, match="singular"):
        isc.mutual_info_matrix(constant, method="gaussian")
    pair = np.c_[table[:, :1], table[:, :1] + rng.standard_normal((600, 1)), rng.standard_normal((600, 1))]
    tested = isc.mutual_info_matrix(pair, method="gaussian", n_permutations=50)
    assert tested.p_values[0, 1] == pytest.approx(1 / 51) and tested.p_values[0, 2] > 0.05


def test_normal_scores_match_scipy():
    a = np.random.default_rng(3).integers(0, 20, size=(500, 3)).astype(float)  # many ties
    expected = stats.norm.ppf((stats.rankdata(a, axis=0) - 0.5) / len(a))
    np.testing.assert_allclose(normal_scores(a), expected, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------------------- weighted KL

@pytest.mark.parametrize("k,d", [(10, 4), (12, 8), (20, 13)])
def test_berrett_weights_satisfy_their_constraints(k, d):
    w = berrett_weights(k, d)
    j = np.arange(1, k + 1)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    for ell in range(1, d // 4 + 1):
        assert (w * np.exp(gammaln(j + 2 * ell / d) - gammaln(j))).sum() == pytest.approx(0.0, abs=1e-9)


def test_berrett_weights_are_the_plain_estimator_in_low_dimension():
    np.testing.assert_array_equal(berrett_weights(5, 3), [0, 0, 0, 0, 1])


def test_weighted_kl_matches_brute_force():
    x = np.random.default_rng(4).standard_normal((300, 5))
    w = berrett_weights(8, 5)
    np.testing.assert_allclose(isc.entropy(x, k=8, weights="berrett", local=True),
                               reference.weighted_kl_entropy(x, w), rtol=1e-10, atol=1e-10)


def test_weighted_kl_entropy_of_a_gaussian():
    d = 8
    x = np.random.default_rng(5).standard_normal((20_000, d))
    truth = 0.5 * d * math.log(2 * math.pi * math.e)
    assert isc.entropy(x, k=10, weights="berrett") == pytest.approx(truth, abs=0.1)


def test_weights_are_validated():
    x = np.random.default_rng(0).standard_normal((100, 8))
    with pytest.raises(ValueError, match="floor"):
        isc.entropy(x, k=2, weights="berrett")
    with pytest.raises(ValueError, match="summing to 1"):
        isc.entropy(x, k=3, weights=[0.5, 0.2, 0.2])
    with pytest.raises(ValueError, match="weights"):
        isc.entropy(x, k=3, weights="uniform")


# ------------------------------------------------------------------------------------------------- LNC

@pytest.mark.parametrize("d,k", [(2, 5), (3, 4)])
def test_lnc_correction_matches_brute_force(d, k):
    rng = np.random.default_rng(d)
    x = rng.standard_normal((400, 1))
    xy = np.hstack([x, x + 0.002 * rng.standard_normal((400, d - 1))])  # strongly dependent: many corrected
    alpha = 0.3
    ksg = reference.ksg_mutual_info(xy[:, :1], xy[:, 1:], k)
    expected = ksg + reference.lnc_correction(xy, k, alpha)
    got = isc.mutual_info(xy[:, :1], xy[:, 1:], k=k, correction="lnc", alpha=alpha, normalize=False, noise=0,
                          local=True)
    assert (reference.lnc_correction(xy, k, alpha) > 0).mean() > 0.2
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_lnc_recovers_high_mi_that_ksg_underestimates():
    x, y, truth = gaussian_pair(3000, 3, 0.999)   # 9.3 nats in 3 + 3 dimensions: KSG reaches about 5.6
    ksg = isc.mutual_info(x, y, k=6)
    lnc = isc.mutual_info(x, y, k=6, correction="lnc")
    assert truth - ksg > 2
    assert abs(lnc - truth) < 0.5 * (truth - ksg)


def test_lnc_alpha_is_a_small_quantile_and_grows_with_k():
    assert 0 < lnc_alpha(3, 2) < lnc_alpha(10, 2) < 1
    assert lnc_alpha(6, 5) < lnc_alpha(6, 2)


def test_lnc_arguments_are_validated():
    x, y, _ = gaussian_pair(200, 3, 0.5)
    with pytest.raises(ValueError, match="k >= the joint dimension"):
        isc.mutual_info(x, y, k=5, correction="lnc")
    with pytest.raises(ValueError, match="alpha"):
        isc.mutual_info(x[:, 0], y[:, 0], k=5, correction="lnc", alpha=1.5)
    with pytest.raises(ValueError, match="correction"):
        isc.mutual_info(x, y, correction="nsb")


# ------------------------------------------------------------------------------- Gaussian reference

def test_gaussian_reference_removes_ksg_dimension_bias():
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((4000, 20)), rng.standard_normal((4000, 20))
    y[:, :2] = 0.8 * x[:, :2] + 0.6 * y[:, :2]
    truth = -math.log(1 - 0.64)
    plain = isc.mutual_info(x, y)
    corrected = isc.mutual_info(x, y, correction="gaussian")
    assert truth - plain > 0.5                  # KSG loses most of it in 40 dimensions
    assert abs(corrected - truth) < 0.1


def test_gaussian_reference_is_seeded_and_shifts_locals_uniformly():
    x, y, _ = gaussian_pair(1000, 2, 0.5)
    a = isc.mutual_info(x, y, correction="gaussian", local=True, seed=3)
    b = isc.mutual_info(x, y, correction="gaussian", local=True, seed=3)
    plain = isc.mutual_info(x, y, local=True, seed=3)
    np.testing.assert_array_equal(a, b)
    shift = a - plain
    np.testing.assert_allclose(shift, shift[0], atol=1e-12)
    assert isc.mutual_info(x, y, correction="gaussian", seed=4) != a.mean()


def test_gaussian_reference_on_independent_data_is_near_zero():
    rng = np.random.default_rng(7)
    values = [isc.mutual_info(rng.standard_normal((2000, 5)), rng.standard_normal((2000, 5)),
                              transform="normal", correction="gaussian", seed=s) for s in range(5)]
    assert abs(np.mean(values)) < 0.02


def test_references_must_be_a_positive_integer():
    x, y, _ = gaussian_pair(100, 1, 0.5)
    with pytest.raises(ValueError, match="references"):
        isc.mutual_info(x, y, correction="gaussian", references=0)


# ------------------------------------------------------ Gaussian reference of CMI and TE

def test_cmi_gaussian_reference_removes_the_dimension_bias():
    # I(X;Y|Z) with 6-D Z independent of both: KSG's bias grows with the joint dimension; the reference sees it.
    rng = np.random.default_rng(8)
    x, z = rng.standard_normal((3000, 2)), rng.standard_normal((3000, 6))
    y = 0.8 * x + 0.6 * rng.standard_normal((3000, 2))
    truth = -2 * 0.5 * math.log(1 - 0.64)
    plain = isc.conditional_mutual_info(x, y, z)
    corrected = isc.conditional_mutual_info(x, y, z, correction="gaussian")
    assert truth - plain > 0.15
    assert abs(corrected - truth) < 0.05


def test_te_correction_shifts_locals_and_surrogates_alike():
    from infoscope.bench.processes import LinearGaussianVAR

    path = LinearGaussianVAR([[[0.5, 0.0], [0.3, 0.4]]], np.eye(2)).simulate(1500, seed=2)
    x, y = path[:, 0], path[:, 1]
    plain = isc.transfer_entropy(x, y, local=True, seed=1)
    corrected = isc.transfer_entropy(x, y, correction="gaussian", local=True, seed=1)
    assert np.isnan(plain[0]) and np.isnan(corrected[0])  # the first time point has no past
    shift = (corrected - plain)[1:]
    np.testing.assert_allclose(shift, shift[0], atol=1e-12)
    shift = shift[0]
    # The null is shifted by the same bias, so the p-value is that of the plain estimate.
    a = isc.stats.permutation_test(isc.transfer_entropy, x, y, n_permutations=50, seed=1)
    b = isc.stats.permutation_test(isc.transfer_entropy, x, y, n_permutations=50, seed=1, correction="gaussian")
    assert b.p_value == a.p_value
    np.testing.assert_allclose(b.null, a.null + shift, atol=1e-12)


def test_te_correction_removes_the_bias_of_many_neighbours():
    # More neighbours lower KSG's variance but bias it down at strong coupling (here -0.023 nats at k = 40,
    # N = 2000, mean of 20 seeds); the fitted-VAR references remove that bias.
    from infoscope.bench.processes import LinearGaussianVAR

    process = LinearGaussianVAR([[[0.5, 0.0], [1.0, 0.4]]], np.eye(2))
    truth = process.transfer_entropy(0, 1)
    plain, corrected = [], []
    for seed in range(8):
        path = process.simulate(2000, seed=seed)
        plain.append(isc.transfer_entropy(path[:, 0], path[:, 1], k=40) - truth)
        corrected.append(isc.transfer_entropy(path[:, 0], path[:, 1], k=40, correction="gaussian",
                                              references=2) - truth)
    assert np.mean(plain) < -0.012
    assert abs(np.mean(corrected)) < 0.01


def test_cmi_and_te_corrections_are_validated_and_reach_the_matrices():
    rng = np.random.default_rng(9)
    s = rng.standard_normal((800, 3))
    s[1:, 1] += 0.6 * s[:-1, 0]
    with pytest.raises(ValueError, match="correction"):
        isc.transfer_entropy(s[:, 0], s[:, 1], correction="lnc")
    with pytest.raises(ValueError, match="references"):
        isc.conditional_mutual_info(s[:, 0], s[:, 1], s[:, 2], correction="gaussian", references=0)
    matrix = isc.transfer_entropy_matrix(s, correction="gaussian")
    assert matrix.values[0, 1] == pytest.approx(isc.transfer_entropy(s[:, 0], s[:, 1], correction="gaussian"),
                                                abs=1e-12)
