"""The one table of estimation methods: what each method computes, which options it takes (with their defaults),
whether its surrogates run as one batch in the core, whether it has a many-estimates path, and whether it is
random. The public estimators, :mod:`infoscope.stats`, the many-estimates functions and the benchmark suite all
read it; nothing else decides which options a method takes, and every option is documented once, in
:data:`OPTIONS`.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Callable, Optional

from .._arrays import check_count, check_workers
from . import binning, gaussian, kde, knn, mixed, transfer
from ._transforms import Preprocessing
from .binning import BinningOptions

__all__ = ["Method", "METHODS", "OPTIONS", "REQUIRED", "method", "methods", "options_doc"]


class _Required:
    def __repr__(self):
        return "required"


REQUIRED = _Required()  # an option with no default

QUANTITIES = ("entropy", "mutual_info", "conditional_mutual_info", "transfer_entropy", "multi_information")

# Every option, documented once.
OPTIONS = {
    "k": "number of neighbours (the k-th neighbour's distance sets each sample's scale)",
    "algorithm": "KSG algorithm 1 (strict counts within the k-th joint distance: MI eq. 8, multi-information eq. 11, "
                 "the Frenzel-Pompe CMI) or 2 (non-strict counts within each space's extent of the k neighbours: MI "
                 "eq. 9, multi-information eq. 12, the CMI of Wibral et al. 2014)",
    "correction": "bias correction. k-NN MI: None, 'lnc' (local non-uniformity, Gao, Ver Steeg & Galstyan 2015; "
                  "needs k >= dx + dy) or 'gaussian' (minus KSG's error on a Gaussian reference with the data's "
                  "covariance); k-NN CMI and TE: None or 'gaussian' (the same reference, with the covariance of "
                  "(X, Z, Y)); histograms: 'plugin', 'miller_madow', 'jackknife' or 'grassberger'",
    "alpha": "threshold of the LNC correction, or 'auto' (the 1% quantile of its volume ratio for uniform "
             "neighbourhoods)",
    "references": "number of Gaussian reference samples of correction='gaussian'",
    "metric": "'chebyshev' (max-norm) or 'euclidean'; both estimate the same entropy",
    "weights": "None, 'berrett' (the weighted Kozachenko-Leonenko estimator of Berrett, Samworth & Yuan 2019) or k "
               "weights summing to 1",
    "normalize": "standardise each column (k-NN entropy: and correct the result back to the scale of x)",
    "transform": "None, 'rank' (copula: uniform ranks) or 'normal' (normal scores), applied to each column first",
    "noise": "standard deviation of the tie-breaking Gaussian noise, relative to each column's standard deviation",
    "seed": "seed of anything random (noise, references; neural bounds: the split, the critic's initialisation and the "
            "batches); an int, a numpy Generator, or None for fresh entropy",
    "workers": "CPU threads, -1 for all cores",
    "device": "'auto' (where the arrays live), 'cpu', 'cuda' or 'cuda:N' (neural bounds: torch's device; CUDA "
              "tensors train there under 'auto')",
    "bins": "equal-width bins per column (an int), or 'quantile' (equiprobable bins); None: 10, or bin_width",
    "range": "(lo, hi): common range of the equal-width bins of every column; None: each column's own range",
    "bin_width": "bins of this width instead of a count (edges at multiples of it without range)",
    "quantiles": "number of bins of bins='quantile'",
    "out_of_range": "values outside range: 'raise' or 'clip' (into the first or last bin)",
    "bias_correction": "remove the expected bias of the log-determinants of Gaussian data",
    "noise_var": "variance s^2 of the Gaussian noise whose entropy H(X + N(0, s^2 I)) is bounded (required)",
    "bound": "'upper' (Kullback-Leibler distances) or 'lower' (Bhattacharyya)",
    "theiler": "Theiler window: neighbours at most this many time steps away in the same trial are left out",
    "critic": "neural bounds: 'separable' (g(x) . h(y), two MLPs and an inner product: all B^2 scores of a batch in "
              "one matrix product) or 'joint' (one MLP on the concatenated pair, as bmi's; costs B^2 MLP passes a "
              "batch, about 15 times slower on a CPU)",
    "hidden": "neural bounds: width of the critic's hidden layers (and of the separable critic's embeddings)",
    "layers": "neural bounds: number of hidden ReLU layers of the critic",
    "steps": "neural bounds: most Adam steps (batches) of training",
    "batch_size": "neural bounds: samples per training batch B; the held-out bound is evaluated in blocks of B "
                  "samples (joint critic) or of max(B, 1024) (separable), and InfoNCE is at most the log of the block",
    "lr": "neural bounds: Adam learning rate",
    "test_fraction": "neural bounds: share of the samples held out; the critic never trains on them and the "
                     "estimate is its bound on them",
    "patience": "neural bounds: stop after this many held-out evaluations (20 per run of steps) without a better "
                "bound; 0 never stops early",
    "tau": "SMILE's clipping threshold: scores enter the log term clipped to [-tau, tau]",
    "progress": "show a tqdm bar of the training steps; None shows it on a terminal only",
    "discrete": "which arguments are discrete: False (all continuous), True, 'mixed' (atoms and densities), 'auto' "
                "(integer and boolean arrays) or one entry per argument (entropy: per column); discrete parts take "
                "the mixed estimators of :mod:`infoscope.estimators.mixed` (Ross 2014, Gao et al. 2017, Mesner & "
                "Shalizi 2020) and no noise",
}

_KNN_PREP = {"normalize": True, "transform": None, "noise": 1e-10, "seed": 0}
_BINNED = {"bins": None, "range": None, "bin_width": None, "quantiles": None, "out_of_range": "raise",
           "correction": "plugin", "workers": -1, "device": "auto"}
_GAUSSIAN = {"transform": None, "bias_correction": True, "device": "auto"}
_RUN = {"workers": -1, "device": "auto"}
_NEURAL = {"critic": "separable", "hidden": 64, "layers": 2, "steps": 1000, "batch_size": 128, "lr": 1e-3,
           "test_fraction": 0.3, "patience": 5, "transform": "normal", "seed": 0, "device": "auto", "progress": False}


@dataclass(frozen=True)
class Method:
    """One estimation method of one quantity.

    ``estimate(backend, *arrays, **options)`` returns the local values; ``problem`` (same arguments) a
    :class:`infoscope.estimators._problem.Prepared` whose surrogates run as one batch in the core, for the
    options ``batches(options)`` accepts (all when None). ``many`` names the many-estimates path ("ksg" or
    "binned" in the core; "gaussian": blocks of one covariance matrix), used by :mod:`infoscope.estimators.many`
    under the same condition and ``many_when(options)`` (which leaves out options that path does not implement,
    e.g. a bias correction). ``random``: the method
    draws random numbers (``seed`` reaches it). ``defaults`` are the options a user may give, with their
    defaults; the option bundles (:class:`Preprocessing`, :class:`BinningOptions`) are built from them once per
    call and passed to the family functions as ``prep`` and ``binning``. ``local_values``: the method has
    per-sample values (``local=True``). ``torch_device``: the method runs on torch, which places its work itself:
    ``device`` is passed to it (a torch device) instead of choosing one of infoscope's backends.
    """

    quantity: str
    name: str
    defaults: dict
    estimate: Optional[Callable] = None
    problem: Optional[Callable] = None
    batches: Optional[Callable] = None
    many: Optional[str] = None
    many_when: Optional[Callable] = None
    random: bool = False
    summary: str = ""
    local_values: bool = True
    torch_device: bool = False
    _prep: tuple = field(default=(), repr=False)
    _binning: tuple = field(default=(), repr=False)

    def __post_init__(self):
        # A bundle is built for a method that takes all its fields (a Gaussian method takes transform alone).
        for name, bundle in (("_prep", Preprocessing), ("_binning", BinningOptions)):
            object.__setattr__(self, name, bundle.FIELDS if set(bundle.FIELDS) <= set(self.defaults) else ())

    def bind(self, options: dict) -> tuple[object, dict]:
        """(device=, the family function's keyword arguments) for the user's ``options``: unknown options are a
        TypeError naming them, the bundles are built (and validated) here once."""
        defaults = self.defaults
        for name in options:
            if name not in defaults:
                raise TypeError(f"method={self.name!r} takes no option {name!r}; its options are "
                                f"{', '.join(defaults)}")
        merged = {**defaults, **options}
        for name, value in merged.items():
            if value is REQUIRED:
                raise TypeError(f"method={self.name!r} needs {name}= ({OPTIONS[name]})")
        device = merged.get("device", "auto") if self.torch_device else merged.pop("device", "auto")
        if "workers" in merged:
            merged["workers"] = check_workers(merged["workers"])
        if "theiler" in merged:
            merged["theiler"] = check_count(merged["theiler"], "theiler", 0)
        if self._prep:
            merged["prep"] = Preprocessing(**{f: merged.pop(f) for f in self._prep})
        if self._binning:
            merged["binning"] = BinningOptions(**{f: merged.pop(f) for f in self._binning})
        return device, merged

    def batched(self, options: dict) -> bool:
        """Whether the core batches the surrogates of this method under ``options`` (user options)."""
        return self.problem is not None and (self.batches is None or self.batches({**self.defaults, **options}))

    def has_many(self, options: dict) -> bool:
        """Whether the core's many-estimates path covers this method under ``options``."""
        merged = {**self.defaults, **options}
        return self.many is not None and self.batched(options) and (self.many_when is None or self.many_when(merged))


def _ksg_mi_batches(options: dict) -> bool:
    return options["algorithm"] == 1 and options["correction"] is None and mixed.continuous(options)


def _uncorrected(options: dict) -> bool:
    return options["correction"] is None


def _ksg_mi_problem(backend, x, y, *, discrete, k, algorithm, correction, alpha, references, theiler, prep, workers):
    return knn.mutual_info_problem(backend, x, y, k=k, theiler=theiler, prep=prep, workers=workers)


def _neural(bound: str, defaults: dict) -> Callable:
    """The registry function of a neural bound, taking the options in ``defaults`` (its signature says so); torch
    is imported on the first call only, so that infoscope imports without it."""

    def estimate(backend, x, y, **options):
        try:
            from ..torch import neural_mi
        except ImportError:
            raise ImportError(f"method={bound!r} needs PyTorch (pip install torch, or infoscope[torch]); the other "
                              "methods do not") from None
        return neural_mi.neural_mutual_info(x, y, bound=bound, **options)

    estimate.__name__ = f"{bound}_mutual_info"
    keyword = inspect.Parameter.KEYWORD_ONLY
    estimate.__signature__ = inspect.Signature(  # type: ignore[attr-defined]  # inspect.signature reads it
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in ("backend", "x", "y")]
        + [inspect.Parameter(name, keyword) for name in defaults])
    return estimate


def _neural_defaults(bound: str) -> dict:
    return {**_NEURAL, **({"tau": 5.0} if bound == "smile" else {})}


_NEURAL_SUMMARY = {
    "mine": "Donsker-Varadhan bound with the moving-average gradient of MINE, Belghazi et al. 2018",
    "nwj": "Nguyen, Wainwright & Jordan 2010 bound",
    "infonce": "InfoNCE, van den Oord et al. 2018; at most the log of the held-out block (see batch_size)",
    "smile": "clipped Donsker-Varadhan bound trained by Jensen-Shannon, Song & Ermon 2020",
}


def _ksg_cmi_batches(options: dict) -> bool:
    return options["algorithm"] == 1 and mixed.continuous(options)  # the many-estimates path is algorithm 1's


METHODS = {
    (m.quantity, m.name): m for m in [
        Method("entropy", "knn", {"k": 3, "metric": "chebyshev", "weights": None, "normalize": False,
                                  "transform": None, "noise": 0.0, "seed": 0, "discrete": False, **_RUN},
               mixed.kl_entropy, random=True,
               summary="Kozachenko-Leonenko, Kraskov et al. 2004 eq. 20 (:func:`infoscope.estimators.knn.kl_entropy`)"),
        Method("entropy", "binned", _BINNED, binning.binned_entropy,
               summary="plug-in entropy of symbols or binned floats, optionally bias-corrected "
                       "(:func:`infoscope.estimators.binning.binned_entropy`)"),
        Method("entropy", "gaussian", _GAUSSIAN, gaussian.gaussian_entropy,
               summary="entropy of the Gaussian with the samples' covariance (:mod:`infoscope.estimators.gaussian`)"),
        Method("entropy", "kde", {"noise_var": REQUIRED, "bound": "upper", **_RUN}, kde.kde_entropy,
               summary="pairwise-distance bound on H(X + N(0, noise_var I)), Kolchinsky & Tracey 2017 "
                       "(:func:`infoscope.estimators.kde.kde_entropy`)"),
        Method("mutual_info", "ksg", {"k": 3, "algorithm": 1, "correction": None, "alpha": "auto", "references": 1,
                                      "theiler": 0, **_KNN_PREP, "discrete": False, **_RUN},
               mixed.ksg_mutual_info, _ksg_mi_problem, _ksg_mi_batches, "ksg", random=True,
               summary="Kraskov, Stoegbauer & Grassberger 2004 (:func:`infoscope.estimators.knn.ksg_mutual_info`)"),
        Method("mutual_info", "kl", {"k": 3, "metric": "chebyshev", "weights": None, **_KNN_PREP, **_RUN},
               knn.kl_mutual_info, random=True,
               summary="H(X) + H(Y) - H(X,Y) with Kozachenko-Leonenko entropies, '3KL' "
                       "(:func:`infoscope.estimators.knn.kl_mutual_info`)"),
        Method("mutual_info", "binned", _BINNED, binning.binned_mutual_info, binning.mutual_info_problem,
               many="binned", summary="plug-in MI of symbols or binned floats, H(X) + H(Y) - H(X,Y) "
                                      "(:func:`infoscope.estimators.binning.binned_mutual_info`)"),
        Method("mutual_info", "gaussian", _GAUSSIAN, gaussian.gaussian_mutual_info,
               gaussian.gaussian_conditional_mutual_info_problem, many="gaussian",
               summary="Gaussian (CCA) MI; with transform='normal' the Gaussian copula MI of Ince et al. 2017"),
        *(Method("mutual_info", bound, _neural_defaults(bound), _neural(bound, _neural_defaults(bound)),
                 random=True, local_values=False, torch_device=True,
                 summary=f"{text}, a lower bound from a trained critic; needs torch "
                         "(:mod:`infoscope.torch.neural_mi`)")
          for bound, text in _NEURAL_SUMMARY.items()),
        Method("conditional_mutual_info", "ksg", {"k": 3, "algorithm": 1, "theiler": 0, "correction": None,
                                                  "references": 1, **_KNN_PREP, "discrete": False, **_RUN},
               mixed.ksg_conditional_mutual_info, mixed.conditional_mutual_info_problem, _ksg_cmi_batches, "ksg",
               many_when=_uncorrected, random=True,
               summary="Frenzel & Pompe 2007, or KSG algorithm 2 as Wibral et al. 2014 "
                       "(:func:`infoscope.estimators.knn.ksg_conditional_mutual_info`)"),
        Method("conditional_mutual_info", "binned", _BINNED, binning.binned_conditional_mutual_info,
               binning.conditional_mutual_info_problem, many="binned",
               summary="H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) of symbols or binned floats"),
        Method("conditional_mutual_info", "gaussian", _GAUSSIAN, gaussian.gaussian_conditional_mutual_info,
               gaussian.gaussian_conditional_mutual_info_problem, many="gaussian",
               summary="Gaussian (partial correlation) CMI"),
        Method("transfer_entropy", "ksg", {"k": 4, "theiler": 0, "correction": None, "references": 1, **_KNN_PREP,
                                           "discrete": False, **_RUN},
               problem=mixed.ksg_transfer_entropy_problem, batches=mixed.continuous, many="ksg",
               many_when=_uncorrected, random=True,
               summary="the Frenzel-Pompe CMI on the delay embedding, as JIDT's TransferEntropyCalculatorKraskov"),
        Method("transfer_entropy", "binned", _BINNED, problem=transfer.binned_transfer_entropy_problem,
               summary="plug-in (or corrected) CMI of the symbols of the delay embedding"),
        Method("multi_information", "ksg", {"k": 3, "algorithm": 1, "theiler": 0, **_KNN_PREP, **_RUN},
               knn.ksg_multi_information, random=True,
               summary="Kraskov, Stoegbauer & Grassberger 2004 eqs. 11 and 12 "
                       "(:func:`infoscope.estimators.knn.ksg_multi_information`)"),
    ]
}


def methods(quantity: str) -> dict:
    """The methods of one quantity, by name."""
    return {name: m for (q, name), m in METHODS.items() if q == quantity}


def method(quantity: str, name) -> Method:
    """The method ``name`` of ``quantity``; a ValueError naming ``method`` for any other."""
    found = METHODS.get((quantity, name)) if isinstance(name, str) else None
    if found is None:
        raise ValueError(f"method must be one of {', '.join(map(repr, methods(quantity)))}; got {name!r}")
    return found


def _shown(value) -> str:
    return "e" if value is math.e else repr(value)


def options_doc(quantity: str, indent: str = "        ") -> str:
    """The options of every method of ``quantity`` with their defaults, and what each option means: the text of
    the public estimators' ``**options`` section, generated from the registry so it cannot drift."""
    lines = []
    seen = []
    for name, m in methods(quantity).items():
        shown = ", ".join(f"``{o}={_shown(v)}``" if v is not REQUIRED else f"``{o}`` (required)"
                          for o, v in m.defaults.items())
        lines.append(f'{indent}For "{name}" ({m.summary}): {shown}.')
        seen += [o for o in m.defaults if o not in seen]
    lines.append(f"{indent}What they mean:")
    lines += [f"{indent}``{o}``: {OPTIONS[o]}." for o in seen]
    return "\n".join(lines)
