"""k-nearest-neighbour estimators: Kozachenko-Leonenko entropy, KSG mutual information, Frenzel-Pompe CMI.

Conventions shared by all three (Kraskov, Stoegbauer & Grassberger 2004):

* distances are max-norm (Chebyshev) in every space, joint and marginal;
* the k-th neighbour of a sample is found in the joint space, the sample itself excluded;
* marginal counts are strict: points at distance *strictly less* than the k-th-neighbour distance
  (algorithm 1 and CMI), or at most the per-space distances (algorithm 2);
* ties are exact: no epsilon is subtracted from radii. Exact ties are broken only by the optional seeded noise.

Each function takes the backend the estimate runs on (:mod:`infoscope._backend`), the arrays, and the options
validated by the method registry (:mod:`infoscope.estimators._registry`, which holds their defaults and
documentation), with the column transforms as one :class:`Preprocessing` bundle; it returns the local
(pointwise) values in nats, which :mod:`infoscope.estimators` averages and converts.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np

from .._arrays import check_choice, check_count, check_k, check_same_length, check_workers, warn
from .._limits import check_table_memory
from .._native import core
from ._problem import Prepared
from .gaussian import covariance_mutual_info
from ._transforms import Preprocessing, point_masses, warn_point_masses, warn_ties

__all__ = ["kl_entropy", "ksg_mutual_info", "kl_mutual_info", "ksg_conditional_mutual_info", "mutual_info_problem",
           "conditional_mutual_info_problem", "ksg_multi_information", "berrett_weights", "lnc_alpha"]


def kl_entropy(backend, x, *, k, metric, weights, prep: Preprocessing, workers):
    """Local Kozachenko-Leonenko entropies, Kraskov et al. 2004 eq. 20.

    ``h_i = -psi(k) + psi(N) + log c_d + d log eps_i`` with ``eps_i`` twice the distance from sample i to its
    k-th neighbour and ``c_d`` the volume of the ball of unit *diameter*: 1 for the max-norm,
    ``pi^(d/2) / Gamma(1 + d/2) / 2^d`` for the Euclidean norm. Both metrics estimate the same entropy.

    ``normalize=True`` estimates on standardised columns and adds back ``sum(log std)``, so the result is still
    the entropy of ``x``. ``transform="rank"`` estimates the entropy of the copula (ranks scaled into (0, 1)),
    which is minus the total correlation of the columns. Noise is off by default: ties do not change the k-th
    distance; a sample with k or more exact duplicates has ``eps_i = 0`` and a local entropy of ``-inf``
    (the differential entropy of data with atoms diverges).

    ``weights="berrett"`` gives the weighted estimator of Berrett, Samworth & Yuan 2019 (Ann. Statist. 47,
    288-318): ``sum_j w_j h_ij`` over the 1st..k-th neighbours, with the minimum-norm weights that sum to 1
    and cancel the bias terms of order ``N^(-2l/d)``, l = 1..floor(d/4) (:func:`berrett_weights`). It is the
    plain estimator for d <= 3 and makes the estimator efficient in higher dimension; k must exceed
    floor(d/4). An array of k weights summing to 1 is used as given.

    ``device`` ("auto", "cpu", "cuda" or "cuda:N"; :mod:`infoscope._device`) picks the CPU core or the CUDA
    kernels, which find the same neighbours; ``workers`` applies to the CPU.
    """
    x = backend.samples(x, "x")
    n, d = x.shape
    k = check_k(k, n)
    check_table_memory(n, d, _KNN_COPIES, "x", f"a k-NN entropy of {n} samples")
    check_choice(metric, "metric", ("chebyshev", "euclidean"))
    w = _entropy_weights(weights, k, d)
    workers = check_workers(workers)
    data, scale = backend.preprocess(x, prep)
    local = backend.kl_entropy(data, k, metric, w, workers)
    local += np.log(scale).sum()
    if np.isneginf(local).any():
        warn("x has samples with k or more exact duplicates: their local entropy is -inf and so is the estimate "
             "(continuous data are expected; add noise= or use a binned estimator for discrete data)")
    return local


def ksg_mutual_info(backend, x, y, *, k, algorithm, correction, alpha, references, theiler, prep: Preprocessing,
                    workers):
    """Local KSG mutual informations (Kraskov, Stoegbauer & Grassberger 2004).

    Algorithm 1 (eq. 8): with ``eps_i`` the max-norm distance to the k-th neighbour in the joint space,
    ``n_x`` the number of other samples with ``|x_i - x_j| < eps_i`` (strict) and ``n_y`` likewise,
    ``i_i = psi(k) + psi(N) - psi(n_x + 1) - psi(n_y + 1)``.

    Algorithm 2 (eq. 9): with ``eps_x,i`` and ``eps_y,i`` the largest x- and y-distances among the k joint
    neighbours (the lowest row indices among neighbours tied at the k-th distance) and non-strict counts
    ``n_x = #{j != i : |x_i - x_j| <= eps_x,i}``, ``i_i = psi(k) - 1/k + psi(N) - psi(n_x) - psi(n_y)``.

    ``correction="lnc"`` adds the local non-uniformity correction of Gao, Ver Steeg & Galstyan 2015 (AISTATS,
    "Efficient estimation of mutual information for strongly dependent variables"): where the k neighbours of a
    sample fill the principal-axis box around it much less than the axis-aligned box, ``W_i / V_i < alpha``,
    the local value gains ``log(V_i / W_i)``. KSG assumes a locally uniform density and underestimates strong
    dependence; the correction removes most of that bias. It needs ``k >= dx + dy``. ``alpha="auto"`` takes
    the 1% quantile of ``W / V`` for k points uniform in a cube (:func:`lnc_alpha`), so that about 1% of
    locally uniform neighbourhoods are corrected.

    ``correction="gaussian"`` subtracts the bias KSG has on a Gaussian reference: ``references`` samples of the
    same size from the Gaussian with the (transformed) data's covariance, whose MI is known exactly, go
    through the same transform and estimator, and their mean error is removed from every local value (a
    parametric bootstrap estimate of the bias; Efron & Tibshirani 1993, ch. 10). KSG's large negative bias in
    higher dimension and at strong dependence is mostly a function of N, the dimensions and the covariance,
    which the reference shares; what the covariance does not show (tails, non-linear dependence) keeps KSG's
    own estimate. With ``transform="normal"`` this is the estimator the suite of :mod:`infoscope.bench`
    recommends for continuous data.

    ``theiler=W`` treats the rows as one time series and leaves the samples at most W steps from each sample out of
    its neighbour search and of every count (dynamic correlation exclusion, Theiler 1986, Phys. Rev. A 34, 2427;
    JIDT's ``DYN_CORR_EXCL``): neighbours that are close only because they are close in time. Not with
    ``correction="lnc"``, whose neighbourhoods keep them.

    On the GPU (``device``), both algorithms run on the device (algorithm 2 with a Theiler window on the host); the
    LNC correction and the Gaussian reference's covariance are computed on the host from one copy of the
    (transformed) data.
    """
    check_choice(algorithm, "algorithm", (1, 2))
    check_choice(correction, "correction", (None, "lnc", "gaussian"))
    workers = check_workers(workers)
    if correction == "gaussian":
        references = check_references(references)
    if correction == "lnc" and theiler > 0:
        raise ValueError("correction='lnc' does not leave a Theiler window out of its neighbourhoods: use theiler=0 "
                         "or another correction")
    x, y, xy = _paired(backend, x, y, k, prep)
    _check_theiler(theiler, xy.shape[0])
    if correction == "lnc":
        d = xy.shape[1]
        if k < d:
            raise ValueError(f"correction='lnc' needs k >= the joint dimension dx + dy = {d}; got k={k}")
        alpha = lnc_alpha(k, d) if isinstance(alpha, str) and alpha == "auto" else alpha
        if (isinstance(alpha, bool) or not isinstance(alpha, numbers.Real)
                or not 0 < alpha <= 1):  # type: ignore[operator]  # typeshed: Real lacks __gt__
            raise ValueError(f"alpha must be 'auto' or a number in (0, 1]; got {alpha!r}")
    xy_host = backend.host(xy) if correction is not None else None  # before the problem takes the matrix
    if algorithm == 1:
        local = backend.cmi(xy, x.shape[1], 0, k, workers, theiler=theiler).locals()
    else:
        local = backend.ksg2(xy, x.shape[1], k, workers, theiler)
    if correction == "lnc":
        assert xy_host is not None  # copied above for every correction
        local += core.lnc_correction(xy_host, k, float(alpha), workers)
    elif correction == "gaussian":
        assert xy_host is not None
        options = dict(k=k, algorithm=algorithm, correction=None, alpha=alpha, references=references, theiler=theiler,
                       workers=workers)
        dx = x.shape[1]
        local -= gaussian_reference_bias(
            xy_host, dx, 0, references, prep,
            lambda g, p: float(np.mean(ksg_mutual_info(backend, g[:, :dx], g[:, dx:], prep=p, **options))))
    return local


_MAX_REFERENCES = 1000
# Copies of the joint table a k-NN problem holds: the preprocessed table, its own copy, and the coordinates of the
# joint and marginal spaces in their sorted orders.
_KNN_COPIES = 4


def check_references(references) -> int:
    """The number of Gaussian references of correction="gaussian", before any work."""
    references = check_count(references, "references", 1)
    if references > _MAX_REFERENCES:  # each costs a full estimate
        raise ValueError(f"references must be at most {_MAX_REFERENCES} (each is one more KSG estimate), got {references}")
    return references


def gaussian_reference_bias(table: np.ndarray, dx: int, dz: int, references: int, prep: Preprocessing,
                            estimate) -> float:
    """The mean error of an estimator of I(X;Y|Z) on ``references`` Gaussian samples with the covariance of
    ``table`` (host, columns X, Z, Y; dz = 0 for MI), whose CMI is known exactly: a parametric bootstrap estimate
    of the estimator's bias (Efron & Tibshirani 1993, ch. 10). ``estimate(g, prep)`` is the estimator's mean on a
    reference table g, preprocessed with ``prep``, which draws its noise from the references' own stream."""
    centred = table - table.mean(axis=0)
    cov = centred.T @ centred / table.shape[0]
    try:
        factor = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError("correction='gaussian' needs a non-singular covariance (no constant or linearly "
                         "dependent columns)") from None
    truth = covariance_mutual_info(cov, dx, dz)
    rng, reference_prep = prep.references(0x6A55)
    errors = [estimate(rng.standard_normal(table.shape) @ factor.T, reference_prep) - truth for _ in range(references)]
    return float(np.mean(errors))


def kl_mutual_info(backend, x, y, *, k, metric, weights, prep: Preprocessing, workers):
    """Local ``h(x_i) + h(y_i) - h(x_i, y_i)`` with Kozachenko-Leonenko entropies (:func:`kl_entropy`), each space
    with its own k-th neighbour distances ("3KL"). With ``weights="berrett"`` the weighted entropies of
    Berrett, Samworth & Yuan 2019, as Butakov et al. 2024 use for MI in higher dimension. The biases of the
    three entropies cancel less than in KSG, which shares one distance (Kraskov et al. 2004); use it where the
    weighting helps, in higher dimension.
    """
    x, y = backend.samples(x, "x"), backend.samples(y, "y")
    reason = _degenerate(np.hstack([backend.host(x), backend.host(y)]))
    if reason:
        raise ValueError(f"method='kl' needs a density in X, Y and (X, Y), but {reason}: their entropies are -inf "
                         "and the finite estimates of them do not cancel; use method='ksg' (discrete= for point "
                         "masses; drop constant columns, which carry no information)")
    x, y, xy = _paired(backend, x, y, k, prep)
    dx, dy = x.shape[1], y.shape[1]
    # The three entropies of the preprocessed table, with no further transform.
    options = dict(k=k, metric=metric, weights=weights, workers=workers,
                   prep=Preprocessing(normalize=False, transform=None, noise=0.0, seed=0))
    return (kl_entropy(backend, backend.columns(xy, 0, dx), **options)
            + kl_entropy(backend, backend.columns(xy, dx, dy), **options) - kl_entropy(backend, xy, **options))


def _degenerate(table: np.ndarray) -> str | None:
    """Why the samples (N, d) have no density in d dimensions, if they have none: a constant column, or columns
    linearly dependent on each other (a duplicated variable); None otherwise."""
    constant = np.flatnonzero(np.ptp(table, axis=0) == 0)
    if constant.size:
        return f"column {int(constant[0])} of [x | y] is constant"
    atoms = point_masses(table)
    if atoms:
        column, value, share = atoms[0]
        return f"column {column} of [x | y] has a point mass ({100 * share:.0f}% of its samples equal {value:g})"
    z = Preprocessing(noise=0.0).apply(table)[0]  # standardised, exactly at any scale
    if np.linalg.eigvalsh(z.T @ z / z.shape[0])[0] < 1e-10:
        return "the columns of [x | y] are linearly dependent (a variable duplicated, or a sum of others)"
    return None


def berrett_weights(k: int, d: int) -> np.ndarray:
    """The weights of the weighted Kozachenko-Leonenko estimator (Berrett, Samworth & Yuan 2019, eq. 2 and
    Section 3): the minimum-norm w over j = 1..k with ``sum_j w_j = 1`` and
    ``sum_j w_j Gamma(j + 2l/d) / Gamma(j) = 0`` for l = 1..floor(d/4). For d <= 3 no bias term needs
    cancelling and w puts all weight on j = k (the plain estimator)."""
    terms = d // 4
    if terms == 0:
        w = np.zeros(k)
        w[-1] = 1.0
        return w
    if k <= terms:
        raise ValueError(f"weights='berrett' in {d} dimensions needs k > floor(d/4) = {terms}; got k={k}")
    j = np.arange(1, k + 1, dtype=np.float64)
    rows = [np.ones(k)]
    for ell in range(1, terms + 1):
        row = np.exp([math.lgamma(v + 2 * ell / d) - math.lgamma(v) for v in j])
        rows.append(row / np.linalg.norm(row))  # scaled rows: the same constraints, a better-conditioned system
    target = np.zeros(terms + 1)
    target[0] = 1.0
    return np.linalg.lstsq(np.array(rows), target, rcond=None)[0]


@functools.lru_cache(maxsize=None)
def lnc_alpha(k: int, d: int, quantile: float = 0.01, draws: int = 20_000) -> float:
    """Threshold of the LNC correction: the ``quantile`` of W/V (principal-axis over axis-aligned box volume,
    both centred at the sample) when its k neighbours are uniform in a cube, by simulation with a fixed seed.
    At most 1, the largest threshold the correction takes. The draws are simulated in batches of about a million
    numbers, so that the memory stays small whatever k and d."""
    rng = np.random.default_rng(12345)
    batch = max(1, (1 << 20) // (k * d))
    log_ratio = []
    for begin in range(0, draws, batch):
        offsets = rng.uniform(-1.0, 1.0, size=(min(batch, draws - begin), k, d))
        log_box = np.log(np.abs(offsets).max(axis=1)).sum(axis=1)
        axes = np.linalg.eigh(np.einsum("nki,nkj->nij", offsets, offsets))[1]
        log_principal = np.log(np.abs(np.einsum("nki,nij->nkj", offsets, axes)).max(axis=1)).sum(axis=1)
        log_ratio.append(log_principal - log_box)
    return float(min(1.0, np.exp(np.quantile(np.concatenate(log_ratio), quantile))))


def _entropy_weights(weights, k: int, d: int) -> list:
    """The weight list the core takes: [] for the plain estimator."""
    if weights is None:
        return []
    if isinstance(weights, str):
        check_choice(weights, "weights", ("berrett",))
        w = berrett_weights(k, d)
        if np.abs(w).sum() > 100:
            warn(f"weights='berrett' with k={k} in {d} dimensions gives weights summing to {np.abs(w).sum():.3g} in "
                 "absolute value: the estimate is dominated by noise; use a larger k (the weights need k to grow "
                 "with the dimension)")
        return w.tolist()
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (k,) or not np.all(np.isfinite(w)) or abs(w.sum() - 1.0) > 1e-9:
        raise ValueError(f"weights must be None, 'berrett' or k={k} finite numbers summing to 1; got {weights!r}")
    return w.tolist()


def ksg_conditional_mutual_info(backend, x, y, z, *, k, algorithm, theiler, correction, references,
                                prep: Preprocessing, workers):
    """Local conditional mutual informations I(X;Y|Z).

    Algorithm 1, Frenzel & Pompe 2007 (Phys. Rev. Lett. 99, 204101): with ``eps_i`` the max-norm distance to the
    k-th neighbour in the joint (X, Y, Z) space and strict counts of other samples within ``eps_i`` in the XZ, YZ
    and Z spaces, ``i_i = psi(k) - psi(n_xz + 1) - psi(n_yz + 1) + psi(n_z + 1)``.

    Algorithm 2, KSG algorithm 2 carried over to the CMI by Wibral, Vicente & Lindner 2014 ("Transfer entropy in
    neuroscience", in *Directed Information Measures in Neuroscience*, Springer, pp. 3-36), as JIDT's
    ``ConditionalMutualInfoCalculatorMultiVariateKraskov2``: with ``eps_x,i``, ``eps_y,i`` and ``eps_z,i`` the
    largest X, Y and Z distances among the k joint neighbours (the lowest row indices among ties), ``n_z`` the
    other samples with ``|z_i - z_j| <= eps_z,i``, ``n_xz`` those of them with also ``|x_i - x_j| <= eps_x,i``
    and ``n_yz`` likewise, ``i_i = psi(k) - 2/k + psi(n_z) - psi(n_xz) - psi(n_yz) + 1/n_xz + 1/n_yz``.

    Without a condition (``z=None`` or no columns) both are :func:`ksg_mutual_info`, to the bit. ``theiler`` as
    there. On the GPU, algorithm 2 runs on the host.

    ``correction="gaussian"`` subtracts the estimator's mean error on ``references`` Gaussian samples with the
    covariance of the preprocessed (X, Z, Y), whose CMI is exact (:func:`gaussian_reference_bias`), as
    :func:`ksg_mutual_info` does for MI.
    """
    problem = conditional_mutual_info_problem(backend, x, y, z, k=k, algorithm=algorithm, theiler=theiler, prep=prep,
                                              workers=workers, correction=correction, references=references)
    return problem.locals()


def mutual_info_problem(backend, x, y, *, k, theiler, prep: Preprocessing, workers) -> Prepared:
    """KSG algorithm 1 of :func:`ksg_mutual_info`, prepared for surrogates that permute the rows of y."""
    x, y, xy = _paired(backend, x, y, k, prep)
    _check_theiler(theiler, xy.shape[0])
    return Prepared(backend.cmi(xy, x.shape[1], 0, k, check_workers(workers), theiler=theiler))


def conditional_mutual_info_problem(backend, x, y, z, *, k, algorithm, theiler, prep: Preprocessing, workers,
                                    correction=None, references=1) -> Prepared:
    """:func:`ksg_conditional_mutual_info`, prepared for surrogates that permute the rows of y."""
    check_choice(algorithm, "algorithm", (1, 2))
    check_choice(correction, "correction", (None, "gaussian"))
    if correction == "gaussian":
        references = check_references(references)
    workers = check_workers(workers)
    if _no_condition(z):  # I(X;Y): the table and problem of mutual_info
        x, y, table = _paired(backend, x, y, k, prep)
        if z is not None:
            check_same_length(x=x, z=np.empty(_shape(z)))
        _check_theiler(theiler, table.shape[0])
        dz = 0
    else:
        x, y, z = backend.samples(x, "x"), backend.samples(y, "y"), backend.samples(z, "z")
        n = check_same_length(x=x, y=y, z=z)
        check_k(k, n)
        _check_theiler(theiler, n)
        check_table_memory(n, x.shape[1] + y.shape[1] + z.shape[1], _KNN_COPIES, "x, y, z",
                           f"a k-NN estimate on {n} samples")
        warn_point_masses(backend, {"x": x, "y": y, "z": z}, prep)
        # The core wants columns ordered X, Z, Y: then XZ, Z and ZY are contiguous column ranges.
        table, _ = backend.prepare([x, z, y], prep)
        warn_ties(backend, table, k, prep, "(x, y, z)")
        dz = z.shape[1]
    dx = x.shape[1]
    bias = 0.0
    if correction == "gaussian":
        bias = gaussian_reference_bias(backend.host(table), dx, dz, references, prep,
                                       cmi_reference(backend, dx, dz, k, workers, theiler=theiler, algorithm=algorithm))
    return Prepared(backend.cmi(table, dx, dz, k, workers, theiler=theiler, algorithm=algorithm), bias=bias)


def cmi_reference(backend, dx: int, dz: int, k: int, workers: int, trial_starts=None, theiler: int = 0,
                  algorithm: int = 1):
    """The ``estimate`` of :func:`gaussian_reference_bias` for the KSG CMI of the core: a reference table (columns
    X, Z, Y) preprocessed as the data were, then estimated with the same k, algorithm and time window."""
    def estimate(g: np.ndarray, prep: Preprocessing) -> float:
        table, _ = backend.prepare([backend.samples(g, "reference")], prep)
        return float(np.mean(backend.cmi(table, dx, dz, k, workers, trial_starts, theiler, algorithm).locals()))
    return estimate


def _check_theiler(theiler: int, n: int) -> None:
    """A Theiler window narrower than the series (the core checks that k neighbours remain outside it)."""
    if theiler >= n:
        raise ValueError(f"theiler={theiler} must be smaller than the number of samples ({n})")


def _shape(a):
    return np.shape(a) if isinstance(a, (list, tuple)) else tuple(getattr(a, "shape", ()))


def _no_condition(z) -> bool:
    """Whether z conditions on nothing: None, or a 2-D array with no columns."""
    if z is None:
        return True
    shape = _shape(z)
    return len(shape) == 2 and shape[1] == 0


def ksg_multi_information(backend, *xs, k, algorithm, theiler, prep: Preprocessing, workers):
    """Local KSG multi-informations (total correlations) ``I(X_1; ...; X_m) = sum_v H(X_v) - H(X_1, ..., X_m)``,
    Kraskov, Stoegbauer & Grassberger 2004 (Phys. Rev. E 69, 066138), Sec. II.C, max-norm in every space.

    Algorithm 1 (eq. 11): with ``eps_i`` the distance to the k-th neighbour in the joint space and ``n_v`` the
    other samples strictly closer than ``eps_i`` in variable v's space,
    ``i_i = psi(k) + (m - 1) psi(N) - psi(n_1 + 1) - ... - psi(n_m + 1)``.

    Algorithm 2 (eq. 12): with ``eps_v,i`` the largest v-distance among the k joint neighbours (the lowest row
    indices among ties) and non-strict counts ``n_v = #{j != i : |x_v,i - x_v,j| <= eps_v,i}``,
    ``i_i = psi(k) - (m - 1)/k + (m - 1) psi(N) - psi(n_1) - ... - psi(n_m)``.

    Two variables give :func:`ksg_mutual_info` (eqs. 8 and 9), to the bit. The table of all variables is
    standardised and perturbed as there; ``theiler`` as there. The CUDA backend has no kernels for it: on a GPU
    the preprocessed table is copied to the host and the CPU core computes the estimate.
    """
    if len(xs) < 2:
        raise ValueError(f"multi_information needs at least two variables (x1, x2, ...); got {len(xs)}")
    names = [f"x{v + 1}" for v in range(len(xs))]
    tables = [backend.samples(a, name) for a, name in zip(xs, names)]
    n = check_same_length(**dict(zip(names, tables)))
    check_k(k, n)
    check_choice(algorithm, "algorithm", (1, 2))
    _check_theiler(theiler, n)
    dims = [t.shape[1] for t in tables]
    check_table_memory(n, sum(dims), _KNN_COPIES, ", ".join(names), f"a k-NN estimate on {n} samples")
    workers = check_workers(workers)
    table = backend.prepare(tables, prep)[0]
    warn_ties(backend, table, k, prep, f"({', '.join(names)})")
    return backend.multi_information(table, dims, k, algorithm, workers, theiler)


def _paired(backend, x, y, k, prep):
    """x and y as tables of equal length on the backend, k checked, and [x | y] preprocessed by prep."""
    x, y = backend.samples(x, "x"), backend.samples(y, "y")
    n = check_same_length(x=x, y=y)
    check_k(k, n)
    check_table_memory(n, x.shape[1] + y.shape[1], _KNN_COPIES, "x, y", f"a k-NN estimate on {n} samples")
    warn_point_masses(backend, {"x": x, "y": y}, prep)
    xy = backend.prepare([x, y], prep)[0]
    warn_ties(backend, xy, k, prep, "(x, y)")
    return x, y, xy
