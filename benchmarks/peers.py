"""Peer implementations of KSG mutual information and Kozachenko-Leonenko entropy, behind one calling convention.

Each adapter takes (x, y, k) or (x, k) as float64 arrays and returns nats. Missing packages are reported, not
fatal. ``scipy_ksg`` is the textbook KSG on scipy's cKDTree (max-norm queries, radius counts shrunk by one ulp to
make them strict), the baseline any user could write. ``TRANSFER_ENTROPY`` adapters take (source, target, k) as
1-D float64 series and return the KSG transfer entropy source -> target in nats (lag 1, histories 1).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import statistics
import time

import numpy as np

from infoscope.bench.estimators import start_jvm


def _scipy_ksg(x, y, k):
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    xy = np.hstack([x, y])
    eps = cKDTree(xy).query(xy, k=k + 1, p=np.inf, workers=-1)[0][:, k]
    r = np.nextafter(eps, 0)  # cKDTree counts <= r; KSG counts < eps
    nx = cKDTree(x).query_ball_point(x, r, p=np.inf, return_length=True, workers=-1) - 1
    ny = cKDTree(y).query_ball_point(y, r, p=np.inf, return_length=True, workers=-1) - 1
    return digamma(k) + digamma(len(x)) - np.mean(digamma(nx + 1) + digamma(ny + 1))


def _scipy_kl(x, k):
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    r = cKDTree(x).query(x, k=k + 1, p=np.inf, workers=-1)[0][:, k]
    return -digamma(k) + digamma(len(x)) + x.shape[1] * np.mean(np.log(2 * r))


def _sklearn_mi(x, y, k):
    from sklearn.feature_selection import mutual_info_regression

    if x.shape[1] != 1 or y.shape[1] != 1:
        raise NotImplementedError("scikit-learn estimates MI of one feature with one target")
    # One feature: n_jobs (parallel over features) would only add joblib start-up time.
    return mutual_info_regression(x, y[:, 0], n_neighbors=k, random_state=0)[0]


def _npeet_mi(x, y, k):
    import npeet_plus

    return npeet_plus.mi(x, y, k=k, base=np.e)


def _npeet_entropy(x, k):
    import npeet_plus

    return npeet_plus.entropy(x, k=k, base=np.e)


def _ennemi_mi(x, y, k):
    import ennemi

    if x.shape[1] != 1 or y.shape[1] != 1:
        raise NotImplementedError("ennemi estimates MI between one-dimensional variables")
    return np.asarray(ennemi.estimate_mi(y[:, 0], x[:, 0], k=k, preprocess=False)).item()


def _ennemi_entropy(x, k):
    import ennemi

    return np.asarray(ennemi.estimate_entropy(x, k=k, multidim=True)).item()


def _infoscope_mi(x, y, k):
    import infoscope

    return infoscope.mutual_info(x, y, k=k)


def _infoscope_entropy(x, k):
    import infoscope

    return infoscope.entropy(x, k=k)


MUTUAL_INFO = {"infoscope": _infoscope_mi, "scikit-learn": _sklearn_mi, "npeet-plus": _npeet_mi,
               "ennemi": _ennemi_mi, "scipy-cKDTree": _scipy_ksg}
ENTROPY = {"infoscope": _infoscope_entropy, "npeet-plus": _npeet_entropy, "ennemi": _ennemi_entropy,
           "scipy-cKDTree": _scipy_kl}


def median_time(fn, repeats: int, stop_after: float = math.inf):
    """Median seconds of `repeats` calls of fn() (fewer once a call takes over `stop_after` s) and its last value."""
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
        if times[-1] > stop_after:
            break
    return statistics.median(times), value


def common_arguments(parser, k: int):
    """The options every peer comparison takes."""
    parser.add_argument("--quick", action="store_true", help="N = 1e3 and 1e4 only")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per peer and task")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--k", type=int, default=k)
    parser.add_argument("--only", nargs="*", help="restrict to these implementations")


def _child(job, args, queue):
    try:
        queue.put(("ok", *job(*args)))
    except (ImportError, NotImplementedError) as err:
        queue.put(("skipped", None, None, str(err)))
    except Exception as err:  # a peer's own failure is a result to report, not a crash of the benchmark
        queue.put(("failed", None, None, f"{type(err).__name__}: {err}"))


def run_isolated(job, args: tuple, timeout: float):
    """Runs job(*args) -> (seconds, value, note) in a fresh spawned process, so that a peer past `timeout` seconds
    is stopped without losing the run. Returns (status, seconds, value, note), status "ok", "skipped" (the peer is
    not installed), "failed" or "timeout"."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(job, args, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return "timeout", None, None, f"> {timeout:.0f} s"
    return queue.get() if not queue.empty() else ("failed", None, None, f"exit code {proc.exitcode}")


# Transfer entropy TE(source -> target) in nats with lag 1 and histories 1: I(target_t ; source_{t-1} | target_{t-1}),
# KSG algorithm 1 (Frenzel-Pompe), max-norm. Peers that allow it run without rescaling or added noise, so on the
# same points they compute the same counts and hence the same number.

# JIDT settings: JIDT's defaults would standardise each embedded column and add N(0, 1e-8) noise from an unseeded
# java.util.Random; NUM_THREADS=USE_ALL is its default (all cores), restated here so the record shows it.
JIDT_PROPERTIES = {"k_HISTORY": "1", "k_TAU": "1", "l_HISTORY": "1", "l_TAU": "1", "DELAY": "1", "ALG_NUM": "1",
                   "NORMALISE": "false", "NOISE_LEVEL_TO_ADD": "0", "NUM_THREADS": "USE_ALL"}


def _te_embedding(source, target):
    """Rows t = 1..N-1 of (source_{t-1}, target_t, target_{t-1}), each as an (N-1, 1) column."""
    return source[:-1, None], target[1:, None], target[:-1, None]


def _npeet_te(source, target, k):
    import npeet_plus

    s, t, p = _te_embedding(source, target)
    # npeet always adds uniform [0, 1e-10) noise from numpy's global RNG to its first two arguments (not to z).
    return npeet_plus.cmi(t, s, p, k=k, base=np.e)


def _ennemi_te(source, target, k):
    import ennemi

    # y_t ~ x_{t-lag} | cond_{t-cond_lag}; preprocess=False skips its rescaling to unit variance and 1e-10 noise.
    return np.asarray(ennemi.estimate_mi(target, source, lag=1, cond=target, cond_lag=1, k=k,
                                         preprocess=False)).item()


def _infomeasure_te(source, target, k):
    import infomeasure

    # prop_time=0 with history lengths 1 already pairs target_t with (source_{t-1}, target_{t-1});
    # noise_level=0 turns off its default N(0, 1e-8) noise.
    return float(infomeasure.transfer_entropy(source, target, approach="ksg", k=k, ksg_id=1, noise_level=0,
                                              prop_time=0, src_hist_len=1, dest_hist_len=1, base="e"))


def _jidt_calculator(source, target, k):
    """JIDT's KSG TE calculator with JIDT_PROPERTIES and the observations set."""
    import jpype

    start_jvm()
    calc = jpype.JClass("infodynamics.measures.continuous.kraskov.TransferEntropyCalculatorKraskov")()
    for name, value in {**JIDT_PROPERTIES, "k": str(k)}.items():
        calc.setProperty(name, value)
    calc.initialise()
    double_array = jpype.JArray(jpype.JDouble)
    calc.setObservations(double_array(source), double_array(target))
    return calc


def _jidt_te(source, target, k):
    return float(_jidt_calculator(source, target, k).computeAverageLocalOfObservations())


def _jidt_setup():
    """Untimed: start the JVM; report its start-up time and the thread count JIDT resolved."""
    import jpype

    seconds = start_jvm()
    calc = jpype.JClass("infodynamics.measures.continuous.kraskov.TransferEntropyCalculatorKraskov")()
    calc.setProperty("NUM_THREADS", JIDT_PROPERTIES["NUM_THREADS"])
    return f"JVM start {seconds:.2f} s (untimed), NUM_THREADS={calc.getProperty('NUM_THREADS')}"


def _infoscope_te(source, target, k):
    import infoscope

    # As the peers are run: no rescaling (the series already have unit variance) and no added noise.
    return infoscope.transfer_entropy(source, target, lag=1, k_hist=1, l_hist=1, k=k, normalize=False, noise=0.0)


TRANSFER_ENTROPY = {"infoscope": _infoscope_te, "JIDT": _jidt_te, "npeet-plus": _npeet_te, "ennemi": _ennemi_te,
                    "infomeasure": _infomeasure_te}
TRANSFER_SETUP = {"JIDT": _jidt_setup}


# Permutation tests of TE: (source, target, k, n_permutations) -> p-value. JIDT has its own (surrogates permute
# the source's embedded past, as infoscope's "within" shuffle); the other peers offer none, so a user loops.

def _infoscope_te_test(source, target, k, n_permutations):
    import infoscope

    return infoscope.stats.permutation_test(infoscope.transfer_entropy, source, target, k=k, normalize=False,
                                            noise=0.0, n_permutations=n_permutations, progress=False).p_value


def _jidt_te_test(source, target, k, n_permutations):
    calc = _jidt_calculator(source, target, k)
    calc.computeAverageLocalOfObservations()
    return float(calc.computeSignificance(n_permutations).pValue)


def _npeet_te_test(source, target, k, n_permutations):
    import npeet_plus

    s, t, p = _te_embedding(source, target)
    estimate = npeet_plus.cmi(t, s, p, k=k, base=np.e)
    rng = np.random.default_rng(0)
    null = [npeet_plus.cmi(t, s[rng.permutation(len(s))], p, k=k, base=np.e) for _ in range(n_permutations)]
    return (1 + sum(v >= estimate for v in null)) / (1 + n_permutations)


TE_PERMUTATION_TEST = {"infoscope": _infoscope_te_test, "JIDT": _jidt_te_test, "npeet-plus (loop)": _npeet_te_test}
