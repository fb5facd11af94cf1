"""The estimators the suite runs: infoscope's methods and variants, and adapters for peer packages.

Each :class:`Estimator` takes a task's arrays and a seed and returns nats. Every estimator runs at the settings
a user would call it with (its own default k, preprocessing and noise) unless its name says otherwise. A peer
whose package is missing is reported as unavailable and skipped; a task an estimator cannot take (e.g. a
one-dimensional-only peer on a 5 x 5 task) is marked unsupported, with the reason.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..estimators import mutual_info, transfer_entropy
from ..estimators._registry import method
from ._registry import Registry

__all__ = ["Estimator", "ESTIMATORS", "RECOMMENDED", "register_estimator", "select_estimators", "start_jvm"]


@dataclass(frozen=True)
class Estimator:
    """``fn(arrays, task, seed) -> nats`` for the tasks of one quantity ("mi" or "te").

    ``requires`` names the modules it imports (it is unavailable when one is missing); ``max_dim`` is the
    largest dx + dy it takes, ``one_dimensional`` restricts it to 1 x 1 tasks, ``mixed`` to tasks with discrete or
    mixed variables (``Task.discrete``), ``images`` to the image tasks (family "image"), and only those take
    them; ``slow`` ones (seconds per estimate) run in ``--quick`` only when named.
    """

    name: str
    quantity: str
    fn: Callable
    description: str
    peer: bool = False
    requires: tuple = ()
    max_dim: Optional[int] = None
    one_dimensional: bool = False
    mixed: bool = False  # takes the tasks with discrete or mixed variables only
    images: bool = False  # takes the image tasks only (family "image"), which it compresses first
    slow: bool = False  # seconds per estimate (trains a network): left out of --quick unless named

    def unavailable(self) -> Optional[str]:
        """Why the estimator cannot run here (a missing package), or None."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        return f"{', '.join(missing)} not installed" if missing else None

    def unsupported(self, task) -> Optional[str]:
        """Why the estimator cannot take ``task``, or None."""
        if self.images != (task.family == "image"):
            return ("takes image tasks only (image-*)" if self.images else "image task (1024 + 1024 dimensions): "
                    "needs an estimator that compresses the images first, e.g. butakov-ae or ae+<name>")
        if self.mixed and not any(task.discrete):
            return "continuous task: the mixed estimators take tasks with discrete or mixed variables"
        if self.one_dimensional and tuple(task.dims) != (1, 1):
            return "one-dimensional x and y only"
        if self.max_dim is not None and sum(task.dims) > self.max_dim:
            return f"at most {self.max_dim} dimensions in all"
        return None

    def __call__(self, arrays, task, seed) -> float:
        return float(self.fn(arrays, task, seed))


ESTIMATORS = Registry("estimator", Estimator)

# The estimator the suite recommends for continuous data (see the README's table).
RECOMMENDED = "ksg-gaussref"


def register_estimator(estimator: Estimator, *, replace: bool = False) -> Estimator:
    """Adds an estimator to the registry the runner draws from; an existing name needs ``replace=True``."""
    return ESTIMATORS.add(estimator, replace)


def select_estimators(patterns=None, *, peers: bool = True) -> list:
    """Registered estimators whose names match any glob pattern (all if None); peers left out if ``peers=False``."""
    return [e for e in ESTIMATORS.select(patterns) if peers or not e.peer]


# ------------------------------------------------------------------------------------------------- infoscope

def _infoscope(function, **options):
    """``function(*arrays, **options)`` with a task's TE embedding options and, where the method is random (the
    method registry says), the run's seed. An option given as a callable is a function of the task (e.g. k from
    its dimension)."""
    seeded = method(function.__name__, options.get("method", "ksg")).random

    def fn(arrays, task, seed):
        chosen = {name: value(task) if callable(value) else value for name, value in options.items()}
        return function(*arrays, **task.te_options, **chosen, **({"seed": seed} if seeded else {}))

    return fn


for _e in [
    Estimator("ksg", "mi", _infoscope(mutual_info), "KSG algorithm 1, k=3 (infoscope's default)"),
    Estimator("ksg-alg2", "mi", _infoscope(mutual_info, algorithm=2), "KSG algorithm 2, k=3"),
    Estimator("ksg-rank", "mi", _infoscope(mutual_info, transform="rank"), "KSG on the copula (uniform ranks), k=3"),
    Estimator("ksg-normal", "mi", _infoscope(mutual_info, transform="normal"), "KSG on normal scores, k=3"),
    Estimator("ksg-lnc", "mi", _infoscope(mutual_info, correction="lnc", k=lambda task: max(5, sum(task.dims))),
              "KSG + LNC correction (Gao et al. 2015), k=max(5, dx+dy)", max_dim=10),
    Estimator(RECOMMENDED, "mi", _infoscope(mutual_info, transform="normal", correction="gaussian"),
              "KSG on normal scores minus its bias on a Gaussian reference, k=3 (recommended)"),
    Estimator("kl-berrett", "mi",
              _infoscope(mutual_info, method="kl", weights="berrett", k=lambda task: max(10, sum(task.dims) // 4 + 5)),
              "H(X)+H(Y)-H(X,Y), weighted Kozachenko-Leonenko (Berrett et al. 2019), k=max(10, d/4+5)", max_dim=20),
    Estimator("gaussian", "mi", _infoscope(mutual_info, method="gaussian"),
              "Gaussian / CCA MI, bias-corrected log-determinants"),
    Estimator("gaussian-copula", "mi", _infoscope(mutual_info, method="gaussian", transform="normal"),
              "Gaussian copula MI (Ince et al. 2017): CCA on normal scores"),
    Estimator("ksg-mixed", "mi", _infoscope(mutual_info, discrete=lambda task: task.discrete),
              "mixed estimators with the task's discrete=: Ross 2014 (a label), Gao et al. 2017 (atoms, discrete)",
              mixed=True),
    *(Estimator(bound, "mi", _infoscope(mutual_info, method=bound), f"{text} (neural lower bound, separable "
                "critic 2x64, 1000 steps of 128, normal scores; infoscope's defaults)", requires=("torch",),
                slow=True)
      for bound, text in [("mine", "MINE: Donsker-Varadhan, moving-average gradient (Belghazi et al. 2018)"),
                          ("nwj", "NWJ (Nguyen, Wainwright & Jordan 2010)"),
                          ("infonce", "InfoNCE (van den Oord et al. 2018)"),
                          ("smile", "SMILE: clipped DV, tau=5 (Song & Ermon 2020)")]),
    Estimator("ksg-te", "te", _infoscope(transfer_entropy), "KSG (Frenzel-Pompe) transfer entropy, k=4"),
    Estimator("binned-te", "te", _infoscope(transfer_entropy, method="binned", bins="quantile", quantiles=4),
              "plug-in transfer entropy on 4 quantile bins"),
]:
    register_estimator(_e)


# ------------------------------------------------------------------------------------------------------ peers

def _sklearn(arrays, task, seed):
    from sklearn.feature_selection import mutual_info_regression

    x, y = arrays
    return mutual_info_regression(x, y[:, 0], random_state=seed)[0]


def _npeet(arrays, task, seed):
    import npeet_plus

    x, y = arrays
    np.random.seed(seed)  # npeet adds its tie-breaking noise from numpy's global generator
    return npeet_plus.mi(x, y, base=np.e)


def _ennemi(arrays, task, seed):
    import ennemi

    x, y = arrays
    return np.asarray(ennemi.estimate_mi(y[:, 0], x[:, 0])).item()


def start_jvm() -> float:
    """Starts the JVM on the infodynamics.jar (JIDT) that IDTxl bundles; returns the seconds it took (0 if up)."""
    import jpype

    if jpype.isJVMStarted():
        return 0.0
    spec = importlib.util.find_spec("idtxl")
    if spec is None:
        raise ImportError("idtxl (package idtxl-uv) is not installed, so there is no infodynamics.jar")
    assert spec.submodule_search_locations is not None  # idtxl is a package
    jar = Path(spec.submodule_search_locations[0]) / "infodynamics.jar"
    start = time.perf_counter()
    jpype.startJVM(classpath=[str(jar)], convertStrings=False)
    return time.perf_counter() - start


def _java_doubles(a):
    """A Java double[] or double[][] of a numpy array, copied from its buffer."""
    import jpype

    return jpype.JArray.of(np.ascontiguousarray(a, dtype=np.float64))


def _jidt_mi_here(x, y):
    import jpype

    start_jvm()
    calc = jpype.JClass("infodynamics.measures.continuous.kraskov.MutualInfoCalculatorMultiVariateKraskov1")()
    calc.setProperty("NOISE_LEVEL_TO_ADD", "1e-8")  # JIDT's default, restated; its generator is unseeded
    calc.initialise(x.shape[1], y.shape[1])
    calc.setObservations(_java_doubles(x), _java_doubles(y))
    return float(calc.computeAverageLocalOfObservations())


def _jidt_te_here(source, target, options):
    import jpype

    start_jvm()
    calc = jpype.JClass("infodynamics.measures.continuous.kraskov.TransferEntropyCalculatorKraskov")()
    for name, value in {"k_HISTORY": options.get("k_hist", 1), "l_HISTORY": options.get("l_hist", 1),
                        "DELAY": options.get("lag", 1)}.items():
        calc.setProperty(name, str(value))
    calc.initialise()
    calc.setObservations(_java_doubles(source), _java_doubles(target))
    return float(calc.computeAverageLocalOfObservations())


_jvm_pool = None


def _in_jvm_process(fn, *args):
    """fn(*args) in one spawned worker process that hosts the JVM for the whole run. A JVM started inside this
    process breaks numpy: with its guard pages on the main thread's stack, LAPACK calls on large arrays
    segfault (seen with OpenBLAS 0.3.31 and np.linalg.solve on a (100, 5000) right-hand side)."""
    global _jvm_pool
    if _jvm_pool is None:
        import atexit
        import multiprocessing

        _jvm_pool = multiprocessing.get_context("spawn").Pool(1)
        atexit.register(_jvm_pool.terminate)
    return _jvm_pool.apply(fn, args)


def _jidt_mi(arrays, task, seed):
    return _in_jvm_process(_jidt_mi_here, *arrays)


def _jidt_te(arrays, task, seed):
    return _in_jvm_process(_jidt_te_here, *arrays, dict(task.te_options))


for _e in [
    Estimator("sklearn", "mi", _sklearn, "scikit-learn mutual_info_regression (KSG, k=3)", peer=True,
              requires=("sklearn",), one_dimensional=True),
    Estimator("npeet-plus", "mi", _npeet, "NPEET (npeet-plus) mi (KSG, k=3)", peer=True, requires=("npeet_plus",)),
    Estimator("ennemi", "mi", _ennemi, "ennemi estimate_mi (KSG, k=3)", peer=True, requires=("ennemi",),
              one_dimensional=True),
    Estimator("jidt", "mi", _jidt_mi, "JIDT MutualInfoCalculatorMultiVariateKraskov1 (KSG 1, k=4) via IDTxl's jar",
              peer=True, requires=("jpype", "idtxl")),
    Estimator("jidt-te", "te", _jidt_te, "JIDT TransferEntropyCalculatorKraskov (k=4) via IDTxl's jar", peer=True,
              requires=("jpype", "idtxl")),
]:
    register_estimator(_e)
