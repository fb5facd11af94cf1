"""k-nearest-neighbour estimators for data that mix discrete and continuous variables.

Real data mix them: class labels, binarised spikes, ReLU layers with many exact zeros. The continuous k-NN
estimators (:mod:`infoscope.estimators.knn`) assume densities and break the ties of discrete values with noise,
which turns a label into a thin continuous cloud and biases the estimate. The estimators here keep discrete values
exact (no tie-breaking noise ever reaches them) and use their ties:

* one discrete variable and one continuous (or mixed: Gao et al.'s rule at its atoms) variable: Ross 2014 (PLoS
  ONE 9(2): e87357), :func:`ksg_mutual_info`;
* variables that mix point masses and densities, or two discrete ones: Gao, Kannan, Oh & Viswanath 2017 (NeurIPS,
  "Estimating mutual information for discrete-continuous mixtures"), :func:`ksg_mutual_info`;
* conditional MI and transfer entropy of any mix: Mesner & Shalizi 2020 (IEEE Trans. Inf. Theory 67(1), 464-484),
  :func:`conditional_mutual_info_problem`, :func:`ksg_transfer_entropy_problem`;
* entropy of columns that are each discrete or continuous, H(D) + h(C | D): :func:`kl_entropy`.

The ``discrete`` option says which argument is which: False (all continuous: the continuous estimators, today's
behaviour), True (all discrete), "mixed" (all may mix atoms and densities: Gao et al. / Mesner & Shalizi, no noise
anywhere), "auto" (integer and boolean arrays are discrete, float arrays continuous), or one entry per argument,
each True, False or "mixed", like scikit-learn's ``discrete_features`` (for :func:`kl_entropy`: one per column of
x). Given explicitly, True accepts float data too: each distinct value (row) is one symbol.

Preprocessing: continuous arguments get the method's ``normalize``, ``transform`` and ``noise``; "mixed" ones the
same without noise (standardising maps equal values to equal values, so atoms stay atoms); discrete ones are used
as given. The estimators run in the CPU core (``csrc/core/mixed_estimators.hpp``); with ``device="cuda"`` they
run on the host, CUDA arrays copied there once, as the Gaussian estimators do. All-continuous data take the
continuous estimators on the chosen backend.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import _device
from .._arrays import check_choice, check_k, check_same_length, check_workers, to_numpy, warn
from .._backend import CPU
from .._native import core
from . import knn, transfer
from ._problem import Prepared
from ._transforms import Preprocessing

__all__ = ["ksg_mutual_info", "ksg_conditional_mutual_info", "conditional_mutual_info_problem",
           "ksg_transfer_entropy_problem", "kl_entropy", "kinds", "continuous"]

_KIND = {False: "continuous", True: "discrete", "mixed": "mixed"}


def continuous(options: dict) -> bool:
    """Whether the options leave every argument continuous (``discrete=False``): the condition under which the
    continuous estimators' surrogate batches and many-estimates path apply."""
    d = options["discrete"]
    return isinstance(d, (bool, np.bool_)) and not d


def _symbolic(a, name: str) -> bool:
    """Whether ``a`` holds integers or booleans (``discrete="auto"``); a list of trials by its first trial."""
    if isinstance(a, (list, tuple)) and a and all(_device.is_cuda_array(t) or np.ndim(t) >= 1 for t in a):
        a = a[0]
    if _device.is_cuda_array(a):
        a = _device.to_host(a)
    return to_numpy(a, name).dtype.kind in "biu"


def _entry(value, name: str) -> str:
    if isinstance(value, (bool, np.bool_)):
        return _KIND[bool(value)]
    if isinstance(value, str) and value == "mixed":
        return "mixed"
    raise TypeError(f"{name} must be True, False or 'mixed', got {value!r}")


def kinds(discrete, arrays: dict) -> tuple:
    """One of "continuous", "discrete", "mixed" per argument of ``arrays`` ({name: array}) under ``discrete``;
    errors name ``discrete``."""
    names = list(arrays)
    if isinstance(discrete, str):
        if discrete == "auto":
            return tuple("discrete" if _symbolic(a, name) else "continuous" for name, a in arrays.items())
        if discrete == "mixed":
            return ("mixed",) * len(names)
        raise ValueError(f"discrete must be True, False, 'auto', 'mixed' or one entry per argument; got {discrete!r}")
    if isinstance(discrete, (bool, np.bool_)):
        return (_KIND[bool(discrete)],) * len(names)
    if isinstance(discrete, (list, tuple, np.ndarray)):
        entries = list(discrete)
        if len(entries) != len(names):
            raise ValueError(f"discrete must have one entry per argument ({', '.join(names)}): {len(names)}, got "
                             f"{len(entries)}")
        return tuple(_entry(e, f"discrete[{i}]") for i, e in enumerate(entries))
    raise TypeError(f"discrete must be True, False, 'auto', 'mixed' or a sequence of them, got {discrete!r}")


def _preprocessed(tables: list, kinds_: tuple, prep: Preprocessing) -> list:
    """The tables with ``prep`` applied to the continuous ones (together, so that their noise is one draw), prep
    without noise to the "mixed" ones, and nothing to the discrete ones."""
    out = list(tables)
    for kind, bundle in (("continuous", prep), ("mixed", replace(prep, noise=0.0))):
        picked = [i for i, kd in enumerate(kinds_) if kd == kind]
        if not picked:
            continue
        joined, _ = bundle.apply_blocks([tables[i] for i in picked])
        cuts = np.cumsum([tables[i].shape[1] for i in picked])[:-1]
        for i, part in zip(picked, np.split(joined, cuts, axis=1)):
            out[i] = np.ascontiguousarray(part)
    return out


def _joined(*tables) -> np.ndarray:
    """Tables side by side, C-contiguous as the core reads them (column selections may come back Fortran-ordered)."""
    return np.ascontiguousarray(np.hstack(tables))


def _tables(arrays: dict, kinds_: tuple, prep: Preprocessing, k) -> list:
    """The arguments as host tables of equal length, k checked, preprocessed by kind."""
    tables = [CPU.samples(a, name) for name, a in arrays.items()]
    n = check_same_length(**dict(zip(arrays, tables)))
    check_k(k, n)
    return _preprocessed(tables, kinds_, prep)


def ksg_mutual_info(backend, x, y, *, discrete, k, algorithm, correction, alpha, references, theiler,
                    prep: Preprocessing, workers):
    """Local mutual informations I(X;Y) of continuous, discrete or mixed x and y.

    All continuous (``discrete=False``): KSG, :func:`infoscope.estimators.knn.ksg_mutual_info`, with every option.

    One discrete and one continuous or mixed: Ross 2014 (PLoS ONE 9(2): e87357, "Mutual information between
    discrete and continuous data sets", eq. 2). For sample i of class d (N_d samples), ``eps_i`` is the max-norm distance to
    its k_i-th nearest neighbour in the continuous variable among the other samples of its class,
    ``k_i = min(k, N_d - 1)``, and ``m_i = #{j != i : |c_i - c_j| <= eps_i}`` counts samples of every class (the
    k-th neighbour included, as Ross counts it; scikit-learn's ``mutual_info_classif`` counts strictly closer
    samples and the sample itself, the same number unless a tie lies exactly at ``eps_i``):
    ``i_i = psi(N) - psi(N_d) + psi(k_i) - psi(m_i)``. Samples of a class seen once have no neighbour: they are
    left out (N counts the others), as in scikit-learn, and their local values are the mean of the others'. Where
    ``eps_i = 0`` (an atom of the other variable, e.g. a ReLU's zeros, marked "mixed"), ``k_i`` is the number of
    other samples of the class at distance 0 (the rule of Gao et al. 2017), so that ``psi(k_i) - psi(m_i)``
    estimates ``log P(d | atom)`` from counts; without exact ties this is Ross's estimator.

    Both discrete, or "mixed" without a discrete partner: Gao, Kannan, Oh & Viswanath 2017 (NeurIPS, Algorithm 1). ``rho_i`` the
    max-norm distance to the k-th neighbour in the joint space; ``k_i`` the number of other samples at distance 0
    when ``rho_i = 0`` (an atom), else k; non-strict counts ``n_x = #{j != i : |x_i - x_j| <= rho_i}``, n_y
    likewise: ``i_i = psi(k_i) + log N - log(n_x + 1) - log(n_y + 1)``. On purely discrete data with many samples
    per cell it approaches the plug-in MI (``psi(c_xy - 1)`` against ``log c_xy``); on continuous data it is KSG
    with non-strict counts and logarithms, which at small k is biased low by about ``1 / (2 n)`` per continuous
    marginal count n (a larger k helps).

    ``algorithm``, ``correction`` and ``theiler`` apply to continuous data only.
    """
    kx, ky = kinds(discrete, {"x": x, "y": y})
    if kx == ky == "continuous":
        return knn.ksg_mutual_info(backend, x, y, k=k, algorithm=algorithm, correction=correction, alpha=alpha,
                                   references=references, theiler=theiler, prep=prep, workers=workers)
    if algorithm != 1 or correction is not None or theiler:
        raise ValueError("algorithm= and correction= apply to continuous x and y, as does theiler=; with discrete parts "
                         "leave them at their defaults (1, None, 0)")
    workers = check_workers(workers)
    x, y = _tables({"x": x, "y": y}, (kx, ky), prep, k)
    if sorted((kx, ky)) in (["continuous", "discrete"], ["discrete", "mixed"]):
        d, c = (x, y) if kx == "discrete" else (y, x)
        return core.ross_mutual_info(_joined(d, c), d.shape[1], k, workers)
    return core.gao_mutual_info(_joined(x, y), x.shape[1], k, workers)


def conditional_mutual_info_problem(backend, x, y, z, *, discrete, k, prep: Preprocessing, workers, algorithm=1,
                                    theiler=0, correction=None, references=1) -> Prepared:
    """:func:`ksg_conditional_mutual_info`, prepared for surrogates that permute the rows of y."""
    # discrete=False says all are continuous without reading z, which may be None (no condition).
    found = None if continuous({"discrete": discrete}) else kinds(discrete, {"x": x, "y": y, "z": z})
    if found is None or all(kind == "continuous" for kind in found):
        return knn.conditional_mutual_info_problem(backend, x, y, z, k=k, algorithm=algorithm, theiler=theiler,
                                                   prep=prep, workers=workers, correction=correction,
                                                   references=references)
    _continuous_only(correction)
    if algorithm != 1 or theiler:
        raise ValueError("algorithm= and theiler= apply to continuous x, y and z; with discrete parts leave them at "
                         "their defaults (1, 0)")
    workers = check_workers(workers)
    x, y, z = _tables({"x": x, "y": y, "z": z}, found, prep, k)
    return Prepared(core.MixedConditionalMI(_joined(x, z, y), x.shape[1], z.shape[1], k, workers))


def ksg_conditional_mutual_info(backend, x, y, z, *, discrete, k, algorithm, theiler, correction, references,
                                prep: Preprocessing, workers):
    """Local conditional mutual informations I(X;Y|Z) of continuous, discrete or mixed x, y, z.

    All continuous: Frenzel & Pompe 2007 (:func:`infoscope.estimators.knn.ksg_conditional_mutual_info`).
    Otherwise Mesner & Shalizi 2020 (IEEE Trans. Inf. Theory 67(1), 464-484, "Conditional mutual information
    estimation for mixed, discrete and continuous data"): Frenzel-Pompe with Gao et al.'s rule for k_i and
    non-strict counts of the other samples. ``rho_i`` the max-norm distance to the k-th neighbour in the joint
    space; ``k_i`` the number of other samples at distance 0 when ``rho_i = 0``, else k; ``n_xz = #{j != i :
    |xz_i - xz_j| <= rho_i}``, n_yz and n_z likewise: ``i_i = psi(k_i) - psi(n_xz) - psi(n_yz) + psi(n_z)``
    (``psi(N)`` for ``psi(n_z)`` without z). The non-strict count of the others is Frenzel-Pompe's strict count
    plus one in the space where the k-th neighbour lies on the boundary, so on continuous data the two agree
    but for boundary points of the other spaces.
    """
    return conditional_mutual_info_problem(backend, x, y, z, discrete=discrete, k=k, prep=prep, workers=workers,
                                           algorithm=algorithm, theiler=theiler, correction=correction,
                                           references=references).locals()


def ksg_transfer_entropy_problem(backend, source, target, *, embedding, condition: dict, discrete, k, theiler,
                                 prep: Preprocessing, workers, correction=None, references=1) -> Prepared:
    """Transfer entropy of a continuous, discrete or mixed source and target (``discrete`` has one entry per
    series: source, then target), prepared for surrogates that permute the source's past.

    All continuous: :func:`infoscope.estimators.transfer.ksg_transfer_entropy_problem` (Frenzel-Pompe). Otherwise
    the Mesner-Shalizi CMI of :func:`ksg_conditional_mutual_info` on the same delay embedding: the target's next
    value and past inherit the target's kind, the source's past the source's. Each series is preprocessed once,
    before embedding, by its kind. Conditioning series and a Theiler window are not taken with discrete parts.
    """
    ks, kt = kinds(discrete, {"source": source, "target": target})
    if ks == kt == "continuous":
        return transfer.ksg_transfer_entropy_problem(backend, source, target, embedding=embedding,
                                                     condition=condition, k=k, theiler=theiler, prep=prep,
                                                     workers=workers, correction=correction, references=references)
    _continuous_only(correction)
    if condition:
        raise ValueError("condition= is not taken with discrete=: condition on the series' pasts with "
                         "conditional_mutual_info(..., discrete=...) on an embedding of your own")
    if theiler:
        raise ValueError("theiler= is not taken with discrete=: the mixed estimator has no Theiler window")
    workers = check_workers(workers)
    src, tgt, _, single = transfer._series(source, target, {}, CPU.samples)
    emb = transfer._embedding(embedding, tgt, single)
    series = _preprocessed([CPU.pool([tgt]), CPU.pool([src])], (kt, ks), prep)
    xzy, dx, dz, _ = transfer._embed(CPU, emb, embedding, _joined(*series), [s.shape[1] for s in series])
    check_k(k, xzy.shape[0])
    return Prepared(core.MixedConditionalMI(xzy, dx, dz, k, workers), emb)


def _continuous_only(correction) -> None:
    if correction is not None:
        raise ValueError(f"correction={correction!r} (a Gaussian reference) applies to continuous data only; "
                         "pass correction=None with discrete=")


def _column_mask(discrete, x, table: np.ndarray) -> np.ndarray:
    """Which columns of x are discrete under ``discrete`` (True, False, "auto" or one bool per column)."""
    d = table.shape[1]
    if isinstance(discrete, str):
        check_choice(discrete, "discrete", ("auto",))
        return np.full(d, _symbolic(x, "x"))
    if isinstance(discrete, (bool, np.bool_)):
        return np.full(d, bool(discrete))
    if isinstance(discrete, (list, tuple, np.ndarray)):
        entries = list(discrete)
        if len(entries) != d:
            raise ValueError(f"discrete must have one entry per column of x ({d}), got {len(entries)}")
        for i, e in enumerate(entries):
            if not isinstance(e, (bool, np.bool_)):
                raise TypeError(f"discrete[{i}] must be True or False, got {e!r}")
        return np.array(entries, dtype=bool)
    raise TypeError(f"discrete must be True, False, 'auto' or one bool per column of x, got {discrete!r}")


def kl_entropy(backend, x, *, discrete, k, metric, weights, prep: Preprocessing, workers):
    """Local entropies of x whose columns are each discrete or continuous.

    All continuous: Kozachenko-Leonenko, :func:`infoscope.estimators.knn.kl_entropy`. With discrete columns D
    and continuous columns C, the entropy of the mixed distribution, defined as
    ``H(D, C) = H(D) + h(C | D) = -sum_d p(d) log p(d) + sum_d p(d) h(C | D = d)``
    (a Shannon entropy plus a differential entropy; Cover & Thomas 2006, ch. 8, applied per class): the plug-in
    entropy of the classes of D plus, in each class, the Kozachenko-Leonenko entropy of C (Kraskov et al. 2004
    eq. 20, max-norm) with ``k_d = min(k, N_d - 1)``. Local values
    ``h_i = -log(N_d / N) - psi(k_d) + psi(N_d) + d_C log(2 eps_i)``. Samples of a class seen once carry no
    density estimate: they take the mean ``h(C | D)`` of the other classes. Without continuous columns it is the
    plug-in entropy of D. It is not defined for a column that itself mixes atoms and a density. Only the max-norm
    and unweighted estimator are taken with discrete columns.
    """
    table = CPU.samples(x, "x")
    mask = _column_mask(discrete, x, table)
    if not mask.any():
        return knn.kl_entropy(backend, x, k=k, metric=metric, weights=weights, prep=prep, workers=workers)
    if metric != "chebyshev" or weights is not None:
        raise ValueError("with discrete columns the entropy takes metric='chebyshev' and weights=None")
    workers = check_workers(workers)
    check_k(k, table.shape[0])
    c, scale = prep.apply(table[:, ~mask]) if (~mask).any() else (table[:, ~mask], np.ones(0))
    local = core.mixed_entropy(_joined(table[:, mask], c), int(mask.sum()), k, workers)
    local += np.log(scale).sum()
    if np.isneginf(local).any():
        warn("x has samples whose continuous columns have k or more exact duplicates in their class: their local "
             "entropy is -inf and so is the estimate (add noise= or mark those columns discrete)")
    return local
