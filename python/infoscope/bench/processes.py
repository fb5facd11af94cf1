"""Processes whose information-theoretic quantities are known exactly.

:class:`LinearGaussianVAR` is a stationary Gaussian vector autoregression. Its autocovariance follows from the
stationary covariance of its companion form, and any transfer entropy between its components is a ratio of
conditional covariances of the stacked lagged variables, so it is exact up to rounding.

:func:`random_var_network` and :func:`coupled_logistic_network` draw random sparse networks with known links
and lags (linear and nonlinear dynamics), the ground truths of network inference.
"""

from __future__ import annotations

import numbers
from typing import Sequence, Union

import numpy as np

from dataclasses import dataclass

from .._arrays import check_count, check_real, check_seed

__all__ = ["LinearGaussianVAR", "VARNetwork", "random_var_network", "LogisticNetwork", "coupled_logistic_network"]

Indices = Union[int, Sequence[int]]

# Largest companion dimension for which the stationary covariance is solved as one dense (m^2, m^2) system;
# above it the doubling iteration is used (the system would need m^4 floats).
_KRONECKER_MAX_DIM = 40


def _is_index(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _per_series(name: str, value, count: int, minimum: int) -> list:
    """An int for every condition series, or one int per series."""
    if _is_index(value):
        return [check_count(value, name, minimum)] * count
    try:
        values = list(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer or a sequence of integers; got {value!r}") from None
    if len(values) != count:
        raise ValueError(f"{name} has {len(values)} entries but condition has {count} series")
    return [check_count(v, f"{name}[{i}]", minimum) for i, v in enumerate(values)]


def _cholesky_factor(cov: np.ndarray) -> np.ndarray:
    """A factor L with L L^T = cov; falls back to the symmetric square root when Cholesky fails on rounding."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(cov)
        return v * np.sqrt(np.clip(w, 0.0, None))


def _conditional_cov(cov: np.ndarray, n_y: int, n_given: int) -> np.ndarray:
    """Cov(Y | W) = S_yy - S_yw S_ww^{-1} S_wy for Y = the first n_y variables, W = the next n_given."""
    s_yy = cov[:n_y, :n_y]
    if n_given == 0:
        return s_yy
    w = slice(n_y, n_y + n_given)
    s_yw = cov[:n_y, w]
    return s_yy - s_yw @ np.linalg.solve(cov[w, w], s_yw.T)


def _companion_matrix(coefficients: np.ndarray) -> np.ndarray:
    """The (pD, pD) companion matrix of VAR coefficients (p, D, D): [A_1 ... A_p] on top, identities below."""
    p, d = coefficients.shape[:2]
    f = np.zeros((p * d, p * d))
    f[:d] = np.concatenate(list(coefficients), axis=1)
    f[d:, :-d] = np.eye((p - 1) * d)
    return f


def _logdet(name: str, cov: np.ndarray) -> float:
    sign, value = np.linalg.slogdet(cov)
    if sign <= 0:
        raise ValueError(f"{name}: the conditional covariance is singular (the variables are linearly dependent)")
    return float(value)


class LinearGaussianVAR:
    r"""Stationary Gaussian VAR(p): :math:`X_t = \sum_{i=1}^p A_i X_{t-i} + e_t`, :math:`e_t \sim N(0, \Sigma)`.

    Parameters
    ----------
    coefficients : sequence of p arrays of shape (D, D), an array (p, D, D), or one (D, D) array for p = 1
        :math:`A_1, \dots, A_p`. The companion matrix must have spectral radius < 1 (stationarity).
    noise_cov : array (D, D)
        :math:`\Sigma`, symmetric positive definite; the innovations are independent across time.

    Conventions: ``Gamma(h) = Cov(X_{t+h}, X_t) = E[X_{t+h} X_t^T]`` (mean zero), so ``Gamma(-h) = Gamma(h)^T``.
    The companion state is :math:`s_t = (X_t, X_{t-1}, \dots, X_{t-p+1})`, :math:`s_t = F s_{t-1} + G e_t`.
    """

    def __init__(self, coefficients, noise_cov):
        try:
            if np.ndim(coefficients) == 2:  # a single matrix means VAR(1)
                coefficients = [coefficients]
        except ValueError:  # ragged; the per-block checks below report it
            pass
        try:
            blocks = [np.array(a, dtype=np.float64) for a in coefficients]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"coefficients must be a sequence of (D, D) numeric arrays: {exc}") from None
        if not blocks:
            raise ValueError("coefficients must hold at least one (D, D) matrix (p >= 1)")
        first = blocks[0].shape
        if len(first) != 2 or first[0] != first[1] or first[0] == 0:
            raise ValueError(f"coefficients[0] must be a non-empty square (D, D) matrix; got shape {first}")
        for i, a in enumerate(blocks):
            if a.shape != first:
                raise ValueError(f"coefficients[{i}] has shape {a.shape}; expected {first} like coefficients[0]")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"coefficients[{i}] has non-finite entries")
        dim = first[0]

        sigma = np.array(noise_cov, dtype=np.float64)
        if sigma.shape != (dim, dim):
            raise ValueError(f"noise_cov must have shape {(dim, dim)} to match coefficients; got {sigma.shape}")
        if not np.all(np.isfinite(sigma)):
            raise ValueError("noise_cov has non-finite entries")
        if not np.allclose(sigma, sigma.T, rtol=1e-10, atol=1e-12 * np.abs(sigma).max()):
            raise ValueError("noise_cov must be symmetric")
        sigma = 0.5 * (sigma + sigma.T)
        try:
            self._noise_factor = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            raise ValueError("noise_cov must be positive definite") from None

        self._dim, self._order = dim, len(blocks)
        self._coefficients = np.stack(blocks)
        self._noise_cov = sigma
        self._companion = self._build_companion()
        radius = float(np.max(np.abs(np.linalg.eigvals(self._companion))))
        if not radius < 1.0:
            raise ValueError(
                f"coefficients give a non-stationary process: the companion matrix has spectral radius {radius:.6g} >= 1"
            )
        self._state_cov = None  # solved on first use

    # ----------------------------------------------------------------------------------------------- structure

    @property
    def dim(self) -> int:
        """D, the number of components."""
        return self._dim

    @property
    def order(self) -> int:
        """p, the number of lags."""
        return self._order

    @property
    def coefficients(self) -> np.ndarray:
        """A copy of the coefficients, shape (p, D, D); ``[i]`` is A_{i+1}."""
        return self._coefficients.copy()

    @property
    def noise_cov(self) -> np.ndarray:
        """A copy of the innovation covariance Sigma."""
        return self._noise_cov.copy()

    @property
    def companion(self) -> np.ndarray:
        """A copy of the companion matrix F, shape (pD, pD)."""
        return self._companion.copy()

    def _build_companion(self) -> np.ndarray:
        return _companion_matrix(self._coefficients)

    def state_covariance(self) -> np.ndarray:
        r"""Stationary covariance P of the companion state, the solution of :math:`P = F P F^T + Q`.

        :math:`Q` holds :math:`\Sigma` in its top-left block. Block (i, j) of P is ``Gamma(j - i)``. For companion
        dimension m <= 40 P is solved exactly from :math:`(I - F \otimes F)\,\mathrm{vec}(P) = \mathrm{vec}(Q)`;
        above that by the doubling iteration :math:`P \leftarrow P + F_k P F_k^T`, :math:`F_{k+1} = F_k^2`,
        run until :math:`F_k` vanishes to rounding.
        """
        if self._state_cov is None:
            f, d = self._companion, self._dim
            m = f.shape[0]
            q = np.zeros((m, m))
            q[:d, :d] = self._noise_cov
            if m <= _KRONECKER_MAX_DIM:
                # Row-major vec: vec(F P F^T) = (F kron F) vec(P).
                p = np.linalg.solve(np.eye(m * m) - np.kron(f, f), q.reshape(-1)).reshape(m, m)
            else:
                p, fk = q.copy(), f.copy()
                for _ in range(200):
                    p = p + fk @ p @ fk.T
                    fk = fk @ fk
                    if np.abs(fk).max() < 1e-17:
                        break
            self._state_cov = 0.5 * (p + p.T)
        return self._state_cov.copy()

    def autocovariance(self, max_lag: int) -> np.ndarray:
        r"""``Gamma(h) = Cov(X_{t+h}, X_t)`` for h = 0..max_lag, shape (max_lag + 1, D, D).

        Lags below p are read off the stationary state covariance (block (0, h) is Cov(X_t, X_{t-h}));
        larger lags follow the Yule-Walker recursion :math:`\Gamma(h) = \sum_{i=1}^p A_i \Gamma(h - i)`,
        which holds for h >= 1 because e_{t+h} is independent of X_t.
        """
        max_lag = check_count(max_lag, "max_lag", 0)
        d, p = self._dim, self._order
        state = self._state_cov if self._state_cov is not None else self.state_covariance()
        gamma = np.empty((max_lag + 1, d, d))
        for h in range(min(max_lag + 1, p)):
            gamma[h] = state[:d, h * d:(h + 1) * d]
        for h in range(p, max_lag + 1):
            gamma[h] = sum(self._coefficients[i] @ gamma[h - 1 - i] for i in range(p))
        return gamma

    # ---------------------------------------------------------------------------------------------- sampling

    def simulate(self, n: int, *, trials=None, seed=0, burn_in=None) -> np.ndarray:
        """Sample paths of length n: shape (n, D), or (trials, n, D) when ``trials`` is given.

        Each path starts from an exact draw of the stationary distribution of the companion state, so every
        sample is stationary and no burn-in is needed; ``burn_in`` (default 0) steps are dropped anyway if asked.
        ``seed`` is anything :func:`numpy.random.default_rng` accepts. Trials are independent.
        """
        n = check_count(n, "n", 1)
        batch = 1 if trials is None else check_count(trials, "trials", 1)
        burn_in = 0 if burn_in is None else check_count(burn_in, "burn_in", 0)
        rng = np.random.default_rng(seed)
        d, p = self._dim, self._order

        # Rows 0..p-1 of each path are the initial state (X_{-p+1}, ..., X_0), oldest first; they are
        # already stationary, so they count as output samples.
        length = max(p, burn_in + n)
        x = np.empty((batch, length, d))
        state = rng.standard_normal((batch, p * d)) @ _cholesky_factor(self.state_covariance()).T
        x[:, :p] = state.reshape(batch, p, d)[:, ::-1]
        steps = length - p
        if steps:
            noise = rng.standard_normal((batch, steps, d)) @ self._noise_factor.T
            # Oldest-first window times [A_p, ..., A_1] gives sum_i A_i X_{t-i} in one product.
            stacked = np.concatenate(list(self._coefficients[::-1]), axis=1).T
            for t in range(p, length):
                x[:, t] = x[:, t - p:t].reshape(batch, p * d) @ stacked + noise[:, t - p]
        out = x[:, burn_in:burn_in + n]
        return out[0] if trials is None else out

    # ------------------------------------------------------------------------------------------------ truths

    def _components(self, name: str, value) -> list:
        items = [value] if _is_index(value) else value
        try:
            items = list(items)
        except TypeError:
            raise ValueError(f"{name} must be a component index or a sequence of them; got {value!r}") from None
        if not items:
            raise ValueError(f"{name} must name at least one component")
        for i in items:
            if not _is_index(i) or not 0 <= int(i) < self._dim:
                raise ValueError(f"{name} entries must be integers in [0, {self._dim}); got {i!r}")
        items = [int(i) for i in items]
        if len(set(items)) != len(items):
            raise ValueError(f"{name} repeats a component: {items}")
        return items

    def _condition_groups(self, condition) -> list:
        if _is_index(condition):
            return [self._components("condition", condition)]
        try:
            items = list(condition)
        except TypeError:
            raise ValueError(f"condition must be an index, a sequence of indices, or a sequence of groups; got {condition!r}") from None
        if not items:
            return []
        if all(_is_index(i) for i in items):
            return [self._components("condition", items)]
        return [self._components(f"condition[{g}]", group) for g, group in enumerate(items)]

    def _stacked_cov(self, variables: list) -> np.ndarray:
        """Covariance of scalar variables (component, k) meaning X_{t-k}[component]."""
        comp = np.array([c for c, _ in variables])
        back = np.array([k for _, k in variables])
        gamma = self.autocovariance(int(back.max() - back.min()))
        # Cov(X_{t-a}, X_{t-b}) = Gamma(b - a) if b >= a, else Gamma(a - b)^T.
        diff = back[None, :] - back[:, None]
        ahead = gamma[np.clip(diff, 0, None), comp[:, None], comp[None, :]]
        behind = gamma[np.clip(-diff, 0, None), comp[None, :], comp[:, None]]
        cov = np.where(diff >= 0, ahead, behind)
        return 0.5 * (cov + cov.T)

    def _block_mutual_info(self, first: list, second: list) -> float:
        """I(first ; second) of two sets of scalar variables (component, k) = X_{t-k}[component]:
        1/2 log det C_first det C_second / det C_joint, the Gaussian MI (Cover & Thomas 2006, eq. 8.56 applied to
        h(A) + h(B) - h(A, B))."""
        cov = self._stacked_cov(first + second)
        n = len(first)
        mi = 0.5 * (_logdet("first block", cov[:n, :n]) + _logdet("second block", cov[n:, n:])
                    - _logdet("joint block", cov))
        return max(mi, 0.0)  # rounding below zero

    def active_information_storage(self, component: Indices, *, k_hist: int = 1, tau: int = 1) -> float:
        r"""Exact active information storage of ``component`` (an index or a sequence: a multivariate series),
        in nats: :math:`A = I(X_t ; X_{t-1}, X_{t-1-\tau}, \dots, X_{t-1-(k_{hist}-1)\tau})` (Lizier, Prokopenko &
        Zomaya 2012, Information Sciences 208, 39-54), which for Gaussian variables is
        :math:`\tfrac12 \log \det\mathrm{Cov}(X_t) / \det\mathrm{Cov}(X_t \mid \text{past})`.
        """
        comps = self._components("component", component)
        k_hist = check_count(k_hist, "k_hist", 1)
        tau = check_count(tau, "tau", 1)
        present = [(c, 0) for c in comps]
        past = [(c, 1 + j * tau) for j in range(k_hist) for c in comps]
        return self._block_mutual_info(present, past)

    def predictive_information(self, component: Indices, *, k_past: int = 1, k_future: int = 1,
                               tau: int = 1) -> float:
        r"""Exact predictive information of ``component`` in nats: I(past ; future) with past
        :math:`X_{t-1}, X_{t-1-\tau}, \dots, X_{t-1-(k_{past}-1)\tau}` and future :math:`X_t, \dots,
        X_{t+k_{future}-1}` (Bialek, Nemenman & Tishby 2001, Neural Computation 13, 2409-2463), the finite-k
        excess entropy of Crutchfield & Feldman 2003 (Chaos 13, 25-54). ``k_future=1`` is
        :meth:`active_information_storage`.
        """
        comps = self._components("component", component)
        k_past = check_count(k_past, "k_past", 1)
        k_future = check_count(k_future, "k_future", 1)
        tau = check_count(tau, "tau", 1)
        future = [(c, -f) for f in range(k_future) for c in comps]
        past = [(c, 1 + j * tau) for j in range(k_past) for c in comps]
        return self._block_mutual_info(future, past)

    def transfer_entropy(self, source: Indices, target: Indices, *, lag: int = 1, k_hist: int = 1, l_hist: int = 1,
                         tau: int = 1, condition=(), condition_lag=1, condition_hist=1) -> float:
        r"""Exact (conditional) transfer entropy from ``source`` to ``target``, in nats.

        TE = I(Y_t ; S | T, C) (Schreiber 2000, Phys. Rev. Lett. 85, 461), where Y_t = X_t[target] and

        - T = target past: X_{t-1-j*tau}[target], j = 0..k_hist-1 (k_hist = 0 leaves it out),
        - S = source past: X_{t-lag-j*tau}[source], j = 0..l_hist-1, lag >= 1,
        - C = for every condition series c: X_{t-condition_lag_c-j*tau}[c], j = 0..condition_hist_c-1.

        For jointly Gaussian variables
        :math:`TE = \tfrac12 \log \det\mathrm{Cov}(Y_t | T, C) / \det\mathrm{Cov}(Y_t | T, C, S)`, half the
        Granger causality (Barnett, Barrett & Seth 2009, Phys. Rev. Lett. 103, 238701). The covariance of the
        stacked variables comes from :meth:`autocovariance`; the conditional covariances are Schur complements.

        ``source``, ``target`` are a component index or a sequence of them (a multivariate series).
        ``condition`` is an index or a sequence of indices (one series), or a sequence of groups (one series
        each; a group is an index or a sequence). ``condition_lag`` (>= 0) and ``condition_hist`` (>= 1) are one
        int for all condition series or one per series. Variables that appear twice (e.g. a source lag
        already in T) are kept once; if every source variable is already conditioned on, TE is 0.
        """
        target_idx = self._components("target", target)
        source_idx = self._components("source", source)
        lag = check_count(lag, "lag", 1)
        k_hist = check_count(k_hist, "k_hist", 0)
        l_hist = check_count(l_hist, "l_hist", 1)
        tau = check_count(tau, "tau", 1)
        groups = self._condition_groups(condition)
        c_lags = _per_series("condition_lag", condition_lag, len(groups), 0)
        c_hists = _per_series("condition_hist", condition_hist, len(groups), 1)

        present = [(c, 0) for c in target_idx]
        given = [(c, 1 + j * tau) for j in range(k_hist) for c in target_idx]
        for group, c_lag, c_hist in zip(groups, c_lags, c_hists):
            given += [(c, c_lag + j * tau) for j in range(c_hist) for c in group]
        if set(given) & set(present):
            raise ValueError("condition includes a target component at time t (condition_lag 0); TE is undefined")
        given = list(dict.fromkeys(given))  # duplicates would make the covariance singular
        seen = set(given)
        extra = [v for v in dict.fromkeys((c, lag + j * tau) for j in range(l_hist) for c in source_idx) if v not in seen]
        if not extra:
            return 0.0

        cov = self._stacked_cov(present + given + extra)
        n_y = len(present)
        restricted = _conditional_cov(cov[: n_y + len(given), : n_y + len(given)], n_y, len(given))
        full = _conditional_cov(cov, n_y, len(given) + len(extra))
        te = 0.5 * (_logdet("transfer_entropy", restricted) - _logdet("transfer_entropy", full))
        # Conditioning on more never increases the conditional variance; clip rounding below zero.
        return max(te, 0.0)


# ------------------------------------------------------------------------------------- random network truths
#
# Novelli, Wollstadt, Mediano, Wibral & Lizier 2019 (Network Neuroscience 3(3):827, "Large-scale directed
# network inference with multivariate transfer entropy and hierarchical statistical testing") validate IDTxl on
# random (Erdos-Renyi) directed networks with a given average in-degree, each link one random lag in 1..5,
# under linear (VAR) and nonlinear (coupled logistic map) dynamics. The weights used here -- self-coupling 0.5
# at lag 1, a target's cross-couplings summing to 0.4 (VAR) or 0.5 (logistic maps), split equally over its
# links -- match IDTxl's own generators (``Data.generate_var_data`` default [[0.5, 0], [0.4, 0.5]];
# ``generate_logistic_maps_data``: f(x) = 4x(1-x), noise 0.1, mod 1); the paper's exact weights were not
# confirmed from its text.


def _link_probability(n_nodes: int, in_degree, link_probability) -> float:
    """The Erdos-Renyi link probability: ``link_probability``, or ``in_degree / (n_nodes - 1)`` (in_degree 2 when
    neither is given)."""
    if link_probability is not None:
        if in_degree is not None:
            raise ValueError("give in_degree or link_probability, not both")
        p = check_real(link_probability, "link_probability", minimum=0)
        if p > 1:
            raise ValueError(f"link_probability must be in [0, 1], got {link_probability!r}")
        return p
    mean = check_real(2.0 if in_degree is None else in_degree, "in_degree", minimum=0)
    if mean > n_nodes - 1:
        raise ValueError(f"in_degree must be at most n_nodes - 1 = {n_nodes - 1}, got {in_degree!r}")
    return mean / (n_nodes - 1)


def _random_links(rng: np.random.Generator, n_nodes: int, probability: float, min_lag: int, max_lag: int) -> list:
    """Erdos-Renyi directed links (no self-loops), each with one lag uniform in min_lag..max_lag; sorted."""
    present = rng.random((n_nodes, n_nodes)) < probability  # [source, target]
    np.fill_diagonal(present, False)
    sources, targets = np.nonzero(present)
    lags = rng.integers(min_lag, max_lag + 1, size=len(sources))
    return sorted(zip(sources.tolist(), targets.tolist(), lags.tolist()))


def _network_shape(n_nodes, min_lag, max_lag) -> tuple:
    n_nodes = check_count(n_nodes, "n_nodes", 2)
    min_lag = check_count(min_lag, "min_lag", 1)
    max_lag = check_count(max_lag, "max_lag", 1)
    if max_lag < min_lag:
        raise ValueError(f"max_lag ({max_lag}) must be >= min_lag ({min_lag})")
    return n_nodes, min_lag, max_lag


def _coefficients(n_nodes: int, links: list, coupling: float, self_coupling: float) -> np.ndarray:
    """(p, D, D) with [lag - 1, target, source]: self-coupling at lag 1, each target's links share ``coupling``."""
    order = max([1] + [lag for _, _, lag in links])
    a = np.zeros((order, n_nodes, n_nodes))
    a[0][np.diag_indices(n_nodes)] = self_coupling
    in_degree = np.bincount([t for _, t, _ in links], minlength=n_nodes)
    for s, t, lag in links:
        a[lag - 1, t, s] = coupling / in_degree[t]
    return a


def _adjacency(n_nodes: int, links) -> np.ndarray:
    adjacency = np.zeros((n_nodes, n_nodes), dtype=bool)
    for s, t, _ in links:
        adjacency[s, t] = True
    return adjacency


def _stable_scale(coefficients: np.ndarray, max_radius: float) -> float:
    """1.0 if the companion's spectral radius is below max_radius, else the factor c (by bisection) for which
    c * coefficients has radius just below max_radius. (With several lags the radius is not proportional to c.)"""
    def radius(c):
        return float(np.max(np.abs(np.linalg.eigvals(_companion_matrix(c * coefficients)))))

    if radius(1.0) < max_radius:
        return 1.0
    low, high = 0.0, 1.0  # radius(low) < max_radius <= radius(high) throughout
    for _ in range(60):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if radius(middle) < max_radius else (low, middle)
    return low


@dataclass(frozen=True, eq=False)
class VARNetwork:
    """A random sparse linear-Gaussian VAR network with known links; built by :func:`random_var_network`.

    Attributes: ``process`` (the :class:`LinearGaussianVAR`, whose exact transfer entropies are the truth),
    ``links`` (frozenset of (source, target, lag) with a nonzero coefficient, source != target), ``self_lags``
    (per node, the lags of its own nonzero autoregressive coefficients), ``scale`` (the factor every coefficient
    was multiplied by to make the process stable; 1.0 when none was needed).
    """

    process: LinearGaussianVAR
    links: frozenset
    self_lags: tuple
    scale: float = 1.0

    @property
    def n_nodes(self) -> int:
        return self.process.dim

    @property
    def adjacency(self) -> np.ndarray:
        """(n, n) bool, ``[source, target]`` True where a link exists (at any lag)."""
        return _adjacency(self.n_nodes, self.links)

    @property
    def spectral_radius(self) -> float:
        """Largest eigenvalue modulus of the companion matrix (< 1: stationary)."""
        return float(np.max(np.abs(np.linalg.eigvals(self.process.companion))))

    def simulate(self, T: int, *, trials=None, seed=0) -> np.ndarray:
        """A stationary sample path, shape (T, n), or (trials, T, n); see :meth:`LinearGaussianVAR.simulate`."""
        return self.process.simulate(T, trials=trials, seed=seed)

    def parents(self, target: int) -> list:
        """The (source, lag) pairs of the links into ``target``."""
        return sorted((s, lag) for s, t, lag in self.links if t == target)

    def link_transfer_entropy(self, source: int, target: int, lag: int) -> float:
        """Exact TE (nats) of X_{t-lag}[source] into X_t[target], conditioned on the target's own past (its
        autoregressive lags) and on every other true parent of the target at its lag: the information a
        multivariate (conditional) TE network inference must find for this variable. It is > 0 for a link and
        exactly 0 (to rounding) for a (source, lag) that is not a parent, because the target's innovation is
        independent of everything else in the past."""
        others = [(s, d) for s, d in self.parents(target) if (s, d) != (source, lag)]
        k_hist = max(self.self_lags[target], default=0)
        return self.process.transfer_entropy(source, target, lag=lag, k_hist=k_hist,
                                             condition=[[s] for s, _ in others],
                                             condition_lag=[d for _, d in others] or 1)

    def link_transfer_entropies(self) -> dict:
        """{(source, target, lag): :meth:`link_transfer_entropy`} for every link."""
        return {link: self.link_transfer_entropy(*link) for link in sorted(self.links)}


def random_var_network(n_nodes: int, *, in_degree=None, link_probability=None, max_lag: int = 5, min_lag: int = 1,
                       coupling: float = 0.4, self_coupling: float = 0.5, noise: float = 1.0, max_radius: float = 0.99,
                       seed=0) -> VARNetwork:
    r"""A random sparse VAR network with known links and lags, as in Novelli et al. 2019.

    :math:`X_t[i] = s X_{t-1}[i] + \sum_{j \to i} c_{ji} X_{t-\delta_{ji}}[j] + \varepsilon_t[i]`,
    :math:`\varepsilon \sim N(0, \mathrm{noise}^2 I)`. Links are Erdos-Renyi: each ordered pair (j, i), j != i,
    is a link with probability ``link_probability`` or else ``in_degree / (n_nodes - 1)``, so ``in_degree``
    (default 2) is the average number of links into a node; each link gets one lag :math:`\delta` uniform in
    ``min_lag..max_lag`` and the weight ``coupling / (in-degree of i)``, so a node's inputs sum to ``coupling``;
    ``self_coupling`` s sits at lag 1. Weights follow Novelli, Wollstadt, Mediano, Wibral & Lizier 2019
    (Network Neuroscience 3(3):827) as IDTxl's generator does (see the module notes).

    With non-negative weights and ``self_coupling + coupling < 1`` every row of :math:`\sum_l A_l` sums below 1,
    so the process is stable by construction. In any case the companion spectral radius is checked; if it is
    not below ``max_radius``, every coefficient is multiplied by the factor (found by bisection) that brings it
    just below ``max_radius`` (recorded in ``.scale``). A network can have no links at all when the link probability is small (check ``.links``).
    """
    n_nodes, min_lag, max_lag = _network_shape(n_nodes, min_lag, max_lag)
    probability = _link_probability(n_nodes, in_degree, link_probability)
    coupling = check_real(coupling, "coupling")
    if coupling == 0:
        raise ValueError("coupling must be nonzero (a link of zero weight is no link)")
    self_coupling = check_real(self_coupling, "self_coupling")
    noise = check_real(noise, "noise (the innovations' standard deviation)", positive=True)
    max_radius = check_real(max_radius, "max_radius", positive=True)
    if max_radius >= 1:
        raise ValueError(f"max_radius must be in (0, 1), got {max_radius!r}")
    rng = np.random.default_rng(check_seed(seed))

    links = _random_links(rng, n_nodes, probability, min_lag, max_lag)
    a = _coefficients(n_nodes, links, coupling, self_coupling)
    scale = _stable_scale(a, max_radius)
    process = LinearGaussianVAR(a * scale, noise ** 2 * np.eye(n_nodes))
    self_lags = tuple((1,) if self_coupling != 0 else () for _ in range(n_nodes))
    return VARNetwork(process, frozenset(links), self_lags, scale)


@dataclass(frozen=True, eq=False)
class LogisticNetwork:
    r"""Coupled logistic maps on a random network with known links; built by :func:`coupled_logistic_network`.

    :math:`x_t[i] = \big(f(\sum_l \sum_j A_l[i, j]\, x_{t-l}[j]) + \eta_t[i]\big) \bmod 1`, :math:`f(x) = 4x(1-x)`,
    :math:`\eta \sim N(0, \mathrm{noise}^2)`. ``coefficients[l - 1, target, source]``; ``links``, ``self_lags``
    as for :class:`VARNetwork`.
    """

    coefficients: np.ndarray
    links: frozenset
    self_lags: tuple
    noise: float

    @property
    def n_nodes(self) -> int:
        return self.coefficients.shape[1]

    @property
    def adjacency(self) -> np.ndarray:
        """(n, n) bool, ``[source, target]`` True where a link exists (at any lag)."""
        return _adjacency(self.n_nodes, self.links)

    def simulate(self, T: int, *, trials=None, seed=0, burn_in=None) -> np.ndarray:
        """Sample paths of length T, shape (T, n) or (trials, T, n), values in [0, 1).

        Each trial starts from independent uniform states and drops ``burn_in`` (default 10 * n_nodes + 100)
        transient steps. The dynamic noise is continuous, so no two samples tie (with probability 1) and no
        observation noise is added. Trials are independent; ``seed`` makes the paths reproducible.
        """
        T = check_count(T, "T", 1)
        batch = 1 if trials is None else check_count(trials, "trials", 1)
        burn_in = 10 * self.n_nodes + 100 if burn_in is None else check_count(burn_in, "burn_in", 0)
        rng = np.random.default_rng(check_seed(seed))
        p, n = self.coefficients.shape[:2]
        length = p + burn_in + T
        x = np.empty((batch, length, n))
        x[:, :p] = rng.random((batch, p, n))
        noise = self.noise * rng.standard_normal((batch, length - p, n))
        stacked = np.concatenate(list(self.coefficients[::-1]), axis=1).T  # oldest-first window -> sum_l A_l x_{t-l}
        for t in range(p, length):
            drive = x[:, t - p:t].reshape(batch, p * n) @ stacked
            x[:, t] = np.mod(4.0 * drive * (1.0 - drive) + noise[:, t - p], 1.0)
        out = x[:, p + burn_in:]
        return out[0] if trials is None else out


def coupled_logistic_network(n_nodes: int, *, in_degree=None, link_probability=None, max_lag: int = 5,
                             min_lag: int = 1, coupling: float = 0.5, self_coupling: float = 0.5, noise: float = 0.1,
                             seed=0) -> LogisticNetwork:
    """Coupled logistic maps on a random network, the nonlinear truth of Novelli et al. 2019.

    Links, lags and weights are drawn as in :func:`random_var_network` (Erdos-Renyi, one lag per link uniform
    in ``min_lag..max_lag``, a target's links share ``coupling``, ``self_coupling`` at lag 1); the dynamics
    are IDTxl's ``generate_logistic_maps_data``: the weighted sum of past values goes through the fully
    chaotic logistic map f(x) = 4x(1-x), Gaussian noise of standard deviation ``noise`` is added and the result
    is taken mod 1 (Novelli, Wollstadt, Mediano, Wibral & Lizier 2019, Network Neuroscience 3(3):827).
    ``coupling`` and ``self_coupling`` must be >= 0 with a sum <= 1, so the map's argument stays in [0, 1].
    """
    n_nodes, min_lag, max_lag = _network_shape(n_nodes, min_lag, max_lag)
    probability = _link_probability(n_nodes, in_degree, link_probability)
    coupling = check_real(coupling, "coupling", positive=True)
    self_coupling = check_real(self_coupling, "self_coupling", minimum=0)
    if coupling + self_coupling > 1:
        raise ValueError(f"coupling + self_coupling must be <= 1 (the logistic map's argument stays in [0, 1]); "
                         f"got {coupling!r} + {self_coupling!r}")
    noise = check_real(noise, "noise (the dynamic noise's standard deviation)", positive=True)
    rng = np.random.default_rng(check_seed(seed))
    links = _random_links(rng, n_nodes, probability, min_lag, max_lag)
    a = _coefficients(n_nodes, links, coupling, self_coupling)
    self_lags = tuple((1,) if self_coupling != 0 else () for _ in range(n_nodes))
    return LogisticNetwork(a, frozenset(links), self_lags, noise)
