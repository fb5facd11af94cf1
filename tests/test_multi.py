"""Multi-information (KSG eqs. 11 and 12), the Theiler window of k-NN MI and CMI, and KSG algorithm 2 of the CMI:
against brute-force references (tests/reference.py, ties and windows included), a closed form, the two-variable
and no-condition reductions to mutual_info (to the bit), the MILCA values of JIDT's unit tests on JIDT's data
files (tests/data), and JIDT itself when its JVM peer is available.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import infoscope as isc
import reference as ref
from infoscope.estimators import prepare

EXACT = dict(normalize=False, noise=0.0, local=True)
# Data with duplicated rows and no noise are warned about; here they test the counts.
pytestmark = pytest.mark.filterwarnings("ignore:.*exact duplicates and noise=0:RuntimeWarning")
TOL = 1e-12
DATA = Path(__file__).parent / "data"


def dependent(rng, n, dims, kind):
    """Variables sharing a common factor (so the counts are not those of independence): continuous, on a coarse
    grid ("ties": equal coordinates and distances) or with whole rows repeated ("duplicates")."""
    common = rng.standard_normal((n, 1))
    xs = [rng.standard_normal((n, d)) + common for d in dims]
    if kind == "ties":
        xs = [np.round(a * 2) / 2 for a in xs]
    elif kind == "duplicates":
        rows = rng.integers(0, max(2, n // 3), n)
        xs = [a[rows] for a in xs]
    return xs


# (n, column counts of the variables, k): 1-D and 2-D marginals (sorted strips, grids past 512 points, trees),
# many variables, and a sample large enough for grids in the joint space and 2-D marginal grids past 2048.
MULTI_SHAPES = [(60, (1, 1, 1), 2), (200, (1, 2, 1, 1), 3), (300, (2, 3), 4), (150, (1,) * 6, 3),
                (400, (3, 1, 2), 5), (700, (1, 1, 1), 4), (120, (4, 5), 1), (300, (1,) * 10, 4)]
KINDS = ["continuous", "ties", "duplicates"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n,dims,k", MULTI_SHAPES)
def test_multi_information_matches_reference(n, dims, k, kind):
    rng = np.random.default_rng([n, len(dims), k])
    xs = dependent(rng, n, dims, kind)
    for algorithm in (1, 2):
        for theiler in (0, 3):
            excluded = ref.theiler_mask(n, theiler) if theiler else None
            got = isc.multi_information(*xs, k=k, algorithm=algorithm, theiler=theiler, **EXACT)
            want = ref.ksg_multi_information(xs, k, algorithm, excluded)
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL, err_msg=f"algorithm {algorithm}, theiler {theiler}")


def test_multi_information_large_sample_threads():
    """Grids in the joint space and in 2-D marginals beyond the strip limit, both thread counts."""
    rng = np.random.default_rng(5)
    n = 2100
    xs = dependent(rng, n, (2, 1, 2), "continuous")
    for algorithm in (1, 2):
        want = ref.ksg_multi_information(xs, 3, algorithm)
        for workers in (1, -1):
            got = isc.multi_information(*xs, k=3, algorithm=algorithm, workers=workers, **EXACT)
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


# (n, dx, dy, dz, k), as tests/test_knn_reference.py.
CMI_SHAPES = [(50, 1, 1, 1, 1), (200, 1, 1, 1, 3), (300, 2, 3, 1, 4), (400, 4, 4, 2, 3), (250, 9, 1, 3, 5),
              (150, 12, 7, 9, 2), (600, 1, 1, 2, 4)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n,dx,dy,dz,k", CMI_SHAPES)
def test_conditional_mutual_info_algorithm_2_and_theiler_match_reference(n, dx, dy, dz, k, kind):
    rng = np.random.default_rng([n, dx, dy, dz, k, 2])
    x, y, z = dependent(rng, n, (dx, dy, dz), kind)
    for theiler in (0, 2):
        excluded = ref.theiler_mask(n, theiler) if theiler else None
        got = isc.conditional_mutual_info(x, y, z, k=k, algorithm=2, theiler=theiler, **EXACT)
        np.testing.assert_allclose(got, ref.ksg2_conditional_mutual_info(x, y, z, k, excluded), rtol=0, atol=TOL)
        got = isc.conditional_mutual_info(x, y, z, k=k, theiler=theiler, **EXACT)
        np.testing.assert_allclose(got, ref.ksg_conditional_mutual_info(x, y, z, k, excluded), rtol=0, atol=TOL)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n,dx,dy,k,theiler", [(80, 1, 1, 2, 1), (300, 2, 1, 4, 5), (700, 1, 2, 3, 10)])
def test_mutual_info_with_a_theiler_window_matches_reference(n, dx, dy, k, theiler, kind):
    rng = np.random.default_rng([n, dx, dy, theiler])
    x, y = dependent(rng, n, (dx, dy), kind)
    for algorithm in (2, 1):
        got = isc.mutual_info(x, y, k=k, algorithm=algorithm, theiler=theiler, **EXACT)
        want = ref.ksg_multi_information([x, y], k, algorithm, ref.theiler_mask(n, theiler))
        np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
    # the many-estimates path (algorithm 1) takes the same window
    matrix = isc.mutual_info_matrix(np.hstack([x, y]), groups=[list(range(dx)), list(range(dx, dx + dy))],
                                    k=k, theiler=theiler, normalize=False, noise=0.0)
    assert matrix.values[0, 1] == pytest.approx(float(np.mean(got)), abs=1e-12)


@pytest.fixture
def series():
    """Two coupled AR(1) series: neighbours in time are neighbours in space."""
    rng = np.random.default_rng(9)
    n = 1500
    x, y = np.zeros(n), np.zeros(n)
    for t in range(1, n):
        x[t] = 0.9 * x[t - 1] + rng.standard_normal()
        y[t] = 0.9 * y[t - 1] + 0.5 * x[t - 1] + rng.standard_normal()
    return x, y


@pytest.mark.parametrize("algorithm", [1, 2])
def test_two_variables_are_mutual_info_to_the_bit(series, algorithm):
    x, y = series
    z = np.c_[x[::-1], y[::-1]]
    for options in ({}, {"theiler": 4}, {"k": 6, "transform": "normal", "seed": 3}):
        mi = isc.mutual_info(x, z, algorithm=algorithm, local=True, **options)
        np.testing.assert_array_equal(isc.multi_information(x, z, algorithm=algorithm, local=True, **options), mi)
        # no condition: the same estimate
        for none in (None, np.empty((len(x), 0))):
            cmi = isc.conditional_mutual_info(x, z, none, algorithm=algorithm, local=True, **options)
            np.testing.assert_array_equal(cmi, mi)


def test_theiler_window_keeps_permutation_tests_batched(series):
    x, y = series
    direct = isc.mutual_info(x, y, theiler=5, local=True)
    problem = prepare("mutual_info", "ksg", x, y, theiler=5)
    np.testing.assert_array_equal(problem.locals(), direct)
    identity = np.arange(len(x), dtype=np.uint32)[None, :]
    assert problem.surrogates(identity)[0] == pytest.approx(direct.mean(), abs=1e-12)
    result = isc.stats.permutation_test(isc.mutual_info, x, y, theiler=5, n_permutations=30, seed=2)
    assert result.estimate == pytest.approx(isc.mutual_info(x, y, theiler=5, seed=2), abs=1e-12)
    assert result.p_value == pytest.approx(1 / 31)
    # CMI algorithm 2 (no batch in the core): one estimate per surrogate, with the same estimate
    z = np.roll(x, 1)
    result = isc.stats.permutation_test(isc.conditional_mutual_info, x, y, z, algorithm=2, n_permutations=5)
    assert result.estimate == pytest.approx(isc.conditional_mutual_info(x, y, z, algorithm=2), abs=1e-12)


def test_gaussian_total_correlation():
    """-1/2 log det R for a Gaussian with correlation matrix R; KSG's error at N = 4000 is a few hundredths."""
    rng = np.random.default_rng(4)
    a = rng.standard_normal((5, 5))
    cov = a @ a.T + 2 * np.eye(5)
    std = np.sqrt(np.diag(cov))
    truth = -0.5 * np.log(np.linalg.det(cov / np.outer(std, std)))
    g = rng.multivariate_normal(np.zeros(5), cov, size=4000)
    for algorithm in (1, 2):
        got = isc.multi_information(*g.T, k=4, algorithm=algorithm)
        assert got == pytest.approx(truth, abs=0.05)
    # variables of several columns: the total correlation of the blocks {0, 1}, {2}, {3, 4}
    blocks = [[0, 1], [2], [3, 4]]
    det = lambda idx: np.linalg.det(cov[np.ix_(idx, idx)])
    truth_blocks = 0.5 * np.log(np.prod([det(b) for b in blocks]) / det(list(range(5))))
    assert isc.multi_information(*(g[:, b] for b in blocks), k=4) == pytest.approx(truth_blocks, abs=0.05)
    assert isc.multi_information(*(g[:, b] for b in blocks), k=4, base=2) == pytest.approx(
        isc.multi_information(*(g[:, b] for b in blocks), k=4) / np.log(2), rel=1e-12)


def test_bad_input_is_named():
    x = np.random.default_rng(0).standard_normal((50, 3))
    with pytest.raises(ValueError, match="at least two variables"):
        isc.multi_information(x)
    with pytest.raises(ValueError, match="at least two variables"):
        isc.multi_information()
    with pytest.raises(ValueError, match="k must be smaller than the number of samples"):
        isc.multi_information(x[:, 0], x[:, 1], k=50)
    with pytest.raises(ValueError, match=r"x1, x2, x3 must have the same number of samples"):
        isc.multi_information(x[:, 0], x[:, 1], x[:40, 2])
    with pytest.raises(ValueError, match="algorithm must be"):
        isc.multi_information(x[:, 0], x[:, 1], algorithm=3)
    with pytest.raises(ValueError, match="x2 must be finite"):
        isc.multi_information(x[:, 0], np.r_[np.nan, x[1:, 1]])
    for call in (lambda **o: isc.multi_information(x[:, 0], x[:, 1], **o),
                 lambda **o: isc.mutual_info(x[:, 0], x[:, 1], **o),
                 lambda **o: isc.conditional_mutual_info(x[:, 0], x[:, 1], x[:, 2], **o)):
        with pytest.raises(ValueError, match=r"theiler=50 must be smaller than the number of samples \(50\)"):
            call(theiler=50)
        with pytest.raises(ValueError, match="k plus the Theiler window leave too few samples"):
            call(theiler=24)
        with pytest.raises(ValueError, match="theiler"):
            call(theiler=-1)
    with pytest.raises(ValueError, match="correction='lnc' does not leave a Theiler window out"):
        isc.mutual_info(x[:, 0], x[:, 1], correction="lnc", theiler=2)
    with pytest.raises(ValueError, match="x, z must have the same number of samples"):
        isc.conditional_mutual_info(x[:, 0], x[:, 1], np.empty((40, 0)))
    with pytest.raises(ValueError, match="no surrogate batch"):
        prepare("conditional_mutual_info", "ksg", x[:, 0], x[:, 1], x[:, 2], algorithm=2)
    with pytest.raises(TypeError, match="takes no option 'bins'"):
        isc.multi_information(x[:, 0], x[:, 1], bins=3)


# --- Parity with MILCA (Kraskov's code) through JIDT's unit tests, and with JIDT itself -----------------------

def jidt_normalised(path: Path) -> np.ndarray:
    """A data file of JIDT's demos/data, each column standardised as JIDT does (sample std, N - 1)."""
    data = np.loadtxt(path, comments="%")
    return (data - data.mean(axis=0)) / data.std(axis=0, ddof=1)


K_VALUES = [1, 2, 3, 4, 5, 6, 10, 15]
# JIDT's java/unittests/infodynamics/measures/continuous/kraskov/MultiInfoTester.java: the values of MILCA's
# MIxnyn (two columns) and MIhigherdim (four), "rectangular" neighbourhoods: KSG algorithm 2, no noise.
MILCA = {
    ("2randomCols-1.txt", 2): [-0.05294175, -0.03944338, -0.02190217, 0.00120807, -0.00924771, -0.00316402,
                               -0.00778205, -0.00565778],
    ("4randomCols-1.txt", 2): [-0.04614525, -0.00861460, -0.00164540, -0.01130354, -0.01339670, -0.00964035,
                               -0.00237072, -0.00096891],
    ("4randomCols-1.txt", 4): [0.03229833, -0.01146200, -0.00691358, 0.00002149, -0.01056322, -0.01482730,
                               -0.01223885, -0.01461794],
    ("4ColsPairedDirectDependence-1.txt", 4): [8.44056282, 7.69813699, 7.26909347, 6.97095249, 6.73728113,
                                               6.53105867, 5.96391264, 5.51627278],
    ("4ColsPairedNoisyDependence-1.txt", 4): [0.31900665, 0.37304998, 0.37213228, 0.37982388, 0.37304217,
                                              0.36802502, 0.36353436, 0.35095074],
}


@pytest.mark.parametrize("name,columns", sorted(MILCA))
def test_multi_information_reproduces_milca(name, columns):
    data = jidt_normalised(DATA / name)[:, :columns]
    got = [isc.multi_information(*data.T, k=k, algorithm=2, normalize=False, noise=0.0) for k in K_VALUES]
    np.testing.assert_allclose(got, MILCA[(name, columns)], rtol=0, atol=1e-6)


def _jidt_here(kind: str, arrays: list, properties: dict) -> float:
    """One JIDT estimate in the JVM process: kind names the calculator class of infodynamics.measures.continuous.
    kraskov; arrays are given as its setObservations takes them (one table for multi-information)."""
    import jpype

    from infoscope.bench.estimators import _java_doubles, start_jvm

    start_jvm()
    calc = jpype.JClass(f"infodynamics.measures.continuous.kraskov.{kind}")()
    for name, value in {"NOISE_LEVEL_TO_ADD": "0", "NORMALISE": "false", **properties}.items():
        calc.setProperty(name, str(value))
    calc.initialise(*[a.shape[1] for a in arrays])
    calc.setObservations(*[_java_doubles(a) for a in arrays])
    return float(calc.computeAverageLocalOfObservations())


def _jidt(kind: str, arrays: list, properties: dict) -> float:
    try:
        from infoscope.bench.estimators import _in_jvm_process

        return _in_jvm_process(_jidt_here, kind, arrays, properties)
    except Exception as err:  # no JVM, no jar: the peer is unavailable here
        pytest.skip(f"JIDT is unavailable: {err}")


jidt_available = pytest.mark.skipif(
    importlib.util.find_spec("jpype") is None or importlib.util.find_spec("idtxl") is None,
    reason="JIDT's JVM peer needs jpype and idtxl (package idtxl-uv)")


@jidt_available
@pytest.mark.parametrize("algorithm", [1, 2])
def test_multi_information_and_theiler_window_match_jidt(series, algorithm):
    x, y = series
    rng = np.random.default_rng(3)
    table = np.c_[x, y, x + y + rng.standard_normal(len(x)), rng.standard_normal(len(x))]
    table = (table - table.mean(axis=0)) / table.std(axis=0, ddof=1)
    for theiler in (0, 7):
        ours = isc.multi_information(*table.T, k=4, algorithm=algorithm, theiler=theiler, normalize=False, noise=0.0)
        theirs = _jidt(f"MultiInfoCalculatorKraskov{algorithm}", [table], {"k": 4, "DYN_CORR_EXCL": theiler})
        assert ours == pytest.approx(theirs, abs=1e-6)
    ours = isc.mutual_info(table[:, :1], table[:, 1:3], k=4, algorithm=algorithm, theiler=7, normalize=False,
                           noise=0.0)
    theirs = _jidt(f"MutualInfoCalculatorMultiVariateKraskov{algorithm}", [table[:, :1], table[:, 1:3]],
                   {"k": 4, "DYN_CORR_EXCL": 7})
    assert ours == pytest.approx(theirs, abs=1e-6)


@jidt_available
def test_ten_variables_match_jidt():
    """As JIDT's MILCA test on 10ColsRandomGaussian-1.txt (not in tests/data: 1.6 MB), on data drawn here."""
    table = np.random.default_rng(10).standard_normal((3000, 10))
    table = (table - table.mean(axis=0)) / table.std(axis=0, ddof=1)
    for k in (1, 4, 15):
        ours = isc.multi_information(*table.T, k=k, algorithm=2, normalize=False, noise=0.0)
        assert ours == pytest.approx(_jidt("MultiInfoCalculatorKraskov2", [table], {"k": k}), abs=1e-6)


@jidt_available
@pytest.mark.parametrize("dims", [(1, 1, 1), (2, 1, 2)])
def test_conditional_mutual_info_algorithm_2_matches_jidt(dims):
    rng = np.random.default_rng(list(dims))
    n = 1200
    z = rng.standard_normal((n, dims[2]))
    x = z[:, :1] + rng.standard_normal((n, dims[0]))
    y = x[:, :1] + z[:, -1:] + rng.standard_normal((n, dims[1]))
    x, y, z = ((a - a.mean(axis=0)) / a.std(axis=0, ddof=1) for a in (x, y, z))
    for theiler in (0, 3):
        ours = isc.conditional_mutual_info(x, y, z, k=4, algorithm=2, theiler=theiler, normalize=False, noise=0.0)
        theirs = _jidt("ConditionalMutualInfoCalculatorMultiVariateKraskov2", [x, y, z],
                       {"k": 4, "DYN_CORR_EXCL": theiler})
        assert ours == pytest.approx(theirs, abs=1e-6)
