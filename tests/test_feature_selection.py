"""Feature selection: parity with scikit-learn's scores, the batched Ross path against a brute-force reference
(ties included), a closed-form truth, the selectors on data with a known relevant set, scikit-learn's estimator
checks, pipelines, DataFrames and bad input."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

sklearn = pytest.importorskip("sklearn")
from sklearn import feature_selection as skf  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import infoscope as isc  # noqa: E402
import reference_mixed as ref  # noqa: E402
from infoscope._native import core  # noqa: E402
from infoscope.feature_selection import (  # noqa: E402
    CMIM, JMI, MRMR, ConditionalMISelector, mutual_info_classif, mutual_info_regression)

SELECTORS = [MRMR, JMI, CMIM, ConditionalMISelector]


def _data(n=1500, p=12, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.standard_normal((n, p))
    X[:, :3] += 0.7 * y[:, None]
    X[:, 3] = np.sin(2 * X[:, 3]) + 0.3 * y
    target = X[:, 0] + np.sin(3 * X[:, 1]) + 0.3 * rng.standard_normal(n)
    return X, y, target


# --- the drop-in scores against scikit-learn ---------------------------------------------------------------

@pytest.mark.parametrize("random_state", [0, 7])
@pytest.mark.parametrize("n_neighbors", [1, 3, 6])
def test_scores_equal_scikit_learn(random_state, n_neighbors):
    X, y, target = _data()
    kw = dict(n_neighbors=n_neighbors, random_state=random_state)
    np.testing.assert_allclose(mutual_info_classif(X, y, **kw), skf.mutual_info_classif(X, y, **kw), atol=1e-9)
    np.testing.assert_allclose(mutual_info_regression(X, target, **kw),
                               skf.mutual_info_regression(X, target, **kw), atol=1e-9)


def test_scores_with_discrete_features_equal_scikit_learn():
    X, y, target = _data()
    rng = np.random.default_rng(3)
    Xd = np.column_stack([X[:, :4], rng.integers(0, 3, (len(y), 2)), y + rng.integers(0, 2, len(y))])
    for discrete in ([4, 5, 6], np.arange(7) >= 4):
        for ours, theirs, t in ((mutual_info_classif, skf.mutual_info_classif, y),
                                (mutual_info_regression, skf.mutual_info_regression, target)):
            np.testing.assert_allclose(ours(Xd, t, discrete_features=discrete, random_state=1),
                                       theirs(Xd, t, discrete_features=discrete, random_state=1), atol=1e-9)
    # all discrete, and scikit-learn's "auto" for a sparse matrix (discrete)
    from scipy import sparse

    codes = Xd[:, 4:].astype(int)
    np.testing.assert_allclose(mutual_info_classif(sparse.csr_matrix(codes), y),
                               skf.mutual_info_classif(sparse.csr_matrix(codes), y), atol=1e-12)


def test_classes_seen_once_are_left_out_as_scikit_learn_does():
    X, y, _ = _data(n=400)
    y = y.copy()
    y[:5] = [10, 11, 12, 13, 14]  # five classes of one sample
    np.testing.assert_allclose(mutual_info_classif(X, y, random_state=0),
                               skf.mutual_info_classif(X, y, random_state=0), atol=1e-9)


def test_scores_of_a_label_shifted_gaussian_match_the_closed_form():
    """Y ~ Bernoulli(1/2), X | Y ~ N(+-1, 1): I = h(X) - 1/2 log(2 pi e), h of the two-component mixture."""
    def mixture(v):
        return 0.5 * (stats.norm.pdf(v, -1) + stats.norm.pdf(v, 1))

    h = integrate.quad(lambda v: -mixture(v) * math.log(mixture(v)), -12, 12)[0]
    truth = h - 0.5 * math.log(2 * math.pi * math.e)
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, (20000, 8))
    X = (2 * y - 1) + rng.standard_normal(y.shape)
    # Eight independent replicates of the same pair: feature j against its own label column.
    values = [mutual_info_classif(X[:, [j]], y[:, j], random_state=j)[0] for j in range(8)]
    assert abs(np.mean(values) - truth) < 0.006


def test_device_option_reaches_the_engine():
    X, y, target = _data(n=500)
    np.testing.assert_array_equal(mutual_info_regression(X, target, device="cpu"), mutual_info_regression(X, target))
    np.testing.assert_array_equal(mutual_info_classif(X, y, device="cpu"), mutual_info_classif(X, y))
    with pytest.raises(ValueError, match="device"):
        mutual_info_regression(X, target, device="tpu")


@pytest.mark.skipif(not isc.HAS_CUDA, reason="no CUDA device")
def test_regression_scores_on_a_gpu_equal_the_cpu():
    X, _, target = _data(n=2000)
    np.testing.assert_allclose(mutual_info_regression(X, target, device="cuda"),
                               mutual_info_regression(X, target, device="cpu"), atol=1e-12)


def test_other_methods_equal_the_single_estimators():
    X, y, target = _data(n=800)
    gaussian = mutual_info_regression(X, target, method="gaussian")
    single = [isc.mutual_info(X[:, j], target, method="gaussian") for j in range(X.shape[1])]
    np.testing.assert_allclose(gaussian, np.maximum(single, 0), atol=1e-9)
    copula = mutual_info_classif(X, y, method="gaussian", transform="normal")
    assert copula[:3].min() > 0.1 and copula[4:].max() < 0.01


# --- the batched Ross path in the core ---------------------------------------------------------------------

@pytest.mark.parametrize("ties", [False, True])
def test_ross_many_equals_the_brute_force_reference(ties):
    rng = np.random.default_rng(11)
    n = 300
    d = rng.integers(0, 4, n).astype(float)
    d[:2] = [7.0, 8.0]  # classes of one sample
    c = rng.standard_normal((n, 3)) + d[:, None] * 0.4
    if ties:
        c = np.round(c * 2) / 2  # atoms everywhere: Gao et al.'s rule for k_i
    table = np.ascontiguousarray(np.column_stack([c, d]).T)
    specs = [([0], [], [3]), ([1], [], [3]), ([0, 1], [], [3]), ([2], [0, 1], [3]), ([1], [2], [3])]
    columns, bounds = _bounds(specs)
    for k in (1, 3, 5):
        got = core.ross_many(table, columns, bounds, k, 2)
        want = []
        for x, z, _ in specs:
            joint = ref.ross_mutual_info(d[:, None], c[:, x + z], k).mean()
            want.append(joint - (ref.ross_mutual_info(d[:, None], c[:, z], k).mean() if z else 0.0))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        # the single estimate (sorted path for one column) says the same
        single = core.ross_mutual_info(np.ascontiguousarray(np.column_stack([d, c[:, 0]])), 1, k, 1).mean()
        assert abs(single - got[0]) < 1e-12


def test_ross_many_refuses_bad_columns():
    table = np.zeros((2, 10))
    columns, bounds = _bounds([([0], [], [5])])
    with pytest.raises(ValueError, match="column"):
        core.ross_many(table, columns, bounds, 3, 1)


def _bounds(specs):
    from infoscope.estimators.many import _bounds as bounds

    return bounds([(np.array(x, dtype=np.intp), np.array(z, dtype=np.intp), np.array(y, dtype=np.intp))
                   for x, z, y in specs])


# --- selectors ---------------------------------------------------------------------------------------------

def _informative(n=1500, p=20, seed=1):
    """Three independent informative features (columns 0-2) among noise; y a noisy linear classifier of them."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, (X[:, 0] + X[:, 1] - X[:, 2] + 0.5 * rng.standard_normal(n) > 0).astype(int)


@pytest.mark.parametrize("selector", SELECTORS)
def test_selectors_find_the_informative_features(selector):
    X, y = _informative()
    count = "auto" if selector is ConditionalMISelector else 3
    chosen = selector(n_features_to_select=count, progress=False).fit(X, y).selected_
    assert set(chosen[:3].tolist()) == {0, 1, 2}
    assert len(chosen) <= 5


def test_redundant_copies_are_not_chosen_twice():
    rng = np.random.default_rng(2)
    n = 2000
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    y = (a + b + 0.5 * rng.standard_normal(n) > 0).astype(int)
    X = np.column_stack([a, a + 0.01 * rng.standard_normal(n), b, rng.standard_normal((n, 5))])
    univariate = np.argsort(-mutual_info_classif(X, y))[:2]
    assert set(univariate.tolist()) == {0, 1}  # a ranking of scores takes both copies of a
    for selector in SELECTORS:
        count = "auto" if selector is ConditionalMISelector else 2
        chosen = selector(n_features_to_select=count, progress=False).fit(X, y).selected_[:2]
        assert 2 in chosen and len({0, 1} & set(chosen.tolist())) == 1, selector.__name__


def test_a_feature_that_informs_only_jointly_is_found_by_conditional_criteria():
    """y = 2 where |x2| > 1, else [x2 > 0] XOR [x5 > 0]: x5 alone says nothing of y (the sign of x2 is a fair
    coin whatever |x2| is), x2 says whether y is 2, and the two together give y. Criteria that look at f
    together with the chosen x2 (JMI, CMIM, I(f; y | S)) take x5 next."""
    rng = np.random.default_rng(4)
    n = 3000
    X = rng.standard_normal((n, 8))
    y = np.where(np.abs(X[:, 2]) > 1, 2, (X[:, 2] > 0) ^ (X[:, 5] > 0))
    assert mutual_info_classif(X, y)[5] < 0.01
    for selector in (JMI, CMIM, ConditionalMISelector):
        count = "auto" if selector is ConditionalMISelector else 2
        chosen = selector(n_features_to_select=count, progress=False).fit(X, y).selected_
        assert chosen[:2].tolist() == [2, 5], selector.__name__


def test_conditional_mi_selector_stops_and_reports_p_values():
    X, y = make_classification(n_samples=1500, n_features=15, n_informative=2, n_redundant=0, n_repeated=0,
                               n_clusters_per_class=1, shuffle=False, random_state=3)
    s = ConditionalMISelector(n_permutations=50, random_state=0, progress=False).fit(X, y)
    assert set(s.selected_[:2].tolist()) == {0, 1}
    assert len(s.selected_) < 6
    assert len(s.p_values_) == len(s.selected_) and (s.p_values_ <= 0.05).all()
    assert s.p_values_.min() >= 1 / 51  # the smallest a permutation p-value can be
    again = ConditionalMISelector(n_permutations=50, random_state=0, progress=False).fit(X, y)
    np.testing.assert_array_equal(again.selected_, s.selected_)
    capped = ConditionalMISelector(n_permutations=50, random_state=0, max_features=1, progress=False).fit(X, y)
    np.testing.assert_array_equal(capped.selected_, s.selected_[:1])


def test_the_maximum_statistic_stops_where_the_lenient_rule_goes_on():
    """Two informative features among 38 of noise: the test of the best candidate against the null of one keeps
    choosing noise; the maximum statistic over all candidates stops after the two."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((1000, 40))
    y = (X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(1000) > 0).astype(int)
    lenient = ConditionalMISelector(n_permutations=30, max_features=6, progress=False).fit(X, y)
    strict = ConditionalMISelector(n_permutations=30, null="max", max_features=6, progress=False).fit(X, y)
    assert set(strict.selected_.tolist()) == {0, 1}
    assert len(lenient.selected_) > 2
    assert (strict.p_values_ <= 0.05).all() and strict.p_values_.min() >= 1 / 31
    noise = ConditionalMISelector(n_permutations=30, null="max", progress=False).fit(X[:, 2:], y)
    assert len(noise.selected_) == 0


def test_regression_target_and_mixed_types():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(6)
    n = 1500
    colour = rng.choice(["red", "green", "blue"], n)
    count = rng.integers(0, 4, n)
    noise = rng.standard_normal((n, 4))
    target = (colour == "red") * 2.0 + count * 0.8 + noise[:, 0] * 0.5 + 0.2 * rng.standard_normal(n)
    frame = pd.DataFrame({"colour": pd.Categorical(colour), "count": count, **{f"z{j}": noise[:, j]
                                                                                for j in range(4)}})
    s = JMI(n_features_to_select=3, progress=False).fit(frame, target)
    assert not s.discrete_target_
    assert set(s.get_feature_names_out()) == {"colour", "count", "z0"}
    out = s.set_output(transform="pandas").transform(frame)
    assert list(out.columns) == list(s.get_feature_names_out())
    # the categorical column is estimated as discrete: its relevance matches the mixed estimator's
    codes = pd.Categorical(colour).codes
    single = isc.mutual_info(codes, target, discrete=[True, False], k=3)
    assert abs(s.relevance_[0] - single) < 0.02


def test_plot_shows_the_chosen_features_in_order():
    import matplotlib

    matplotlib.use("Agg")
    X, y = _informative(n=600, p=10)
    s = CMIM(n_features_to_select=3, progress=False).fit(X, y)
    ax = s.plot()
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(f) for f in s.selected_]
    np.testing.assert_allclose([b.get_height() for b in ax.patches], s.scores_)


def test_selector_in_a_pipeline_and_grid_search():
    X, y = _informative(n=600, p=15)
    pipe = Pipeline([("select", MRMR(progress=False)), ("model", LogisticRegression())])
    search = GridSearchCV(pipe, {"select__n_features_to_select": [1, 3]}, cv=3).fit(X, y)
    assert search.best_params_["select__n_features_to_select"] == 3
    assert search.best_estimator_.named_steps["select"].transform(X).shape == (600, 3)


def test_methods_other_than_ksg():
    X, y = _informative(n=1000, p=12)
    for method, options in (("gaussian", None), ("binned", {"bins": 8})):
        s = CMIM(n_features_to_select=3, method=method, method_options=options, progress=False).fit(X, y)
        assert set(s.selected_.tolist()) == {0, 1, 2}, method


@pytest.mark.parametrize("make, match", [
    (lambda: MRMR(n_features_to_select=50), "n_features_to_select"),
    (lambda: MRMR(n_features_to_select=1.5), "n_features_to_select"),
    (lambda: MRMR(scheme="ratio"), "scheme"),
    (lambda: MRMR(discrete_features="dtype"), "discrete_features"),
    (lambda: MRMR(discrete_features=[0, 40]), "discrete_features"),
    (lambda: MRMR(discrete_target="yes"), "discrete_target"),
    (lambda: MRMR(n_neighbors=0), "n_neighbors"),
    (lambda: ConditionalMISelector(alpha=1.5), "alpha"),
    (lambda: ConditionalMISelector(n_permutations=0), "n_permutations"),
    (lambda: ConditionalMISelector(max_features=0), "max_features"),
    (lambda: ConditionalMISelector(null="student"), "null"),
])
def test_bad_settings_name_the_parameter(make, match):
    X, y, _ = _data(n=200)
    with pytest.raises((ValueError, TypeError), match=match):
        make().set_params(progress=False).fit(X, y)


def test_bad_data_is_refused_with_a_clear_error():
    X, y, _ = _data(n=200)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        mutual_info_classif(bad, y)
    with pytest.raises(ValueError, match="y has"):
        mutual_info_classif(X, y[:-1])
    with pytest.raises(ValueError, match="y is required"):
        mutual_info_classif(X, None)
    with pytest.raises(ValueError, match="2-D"):
        mutual_info_regression(X[:, 0], y)
    with pytest.raises(ValueError, match="discrete_features"):
        mutual_info_classif(X, y, discrete_features="all")
    with pytest.raises(ValueError, match="n_neighbors"):
        mutual_info_classif(X[:3], y[:3], n_neighbors=3)
    with pytest.raises(TypeError, match="y must hold numbers"):
        mutual_info_regression(X, np.array(["a", "b"] * 100))


@parametrize_with_checks([MRMR(progress=False), JMI(progress=False), CMIM(progress=False),
                          ConditionalMISelector(n_permutations=20, progress=False)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
