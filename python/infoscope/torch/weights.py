"""Information in the weights: the Fisher information, the information a trained network's weights hold about
its training data, and the effective information of its layers under the weight noise that this allows.

Achille, Paolini & Soatto 2019 ("Where is the information in a deep network?", arXiv 1905.12213) measure the
information in the weights through the Information Lagrangian: a distribution Q over the weights pays the
expected loss it gives plus beta times its coding length against a prior P,

    C_beta(Q) = E_{w ~ Q}[ L(w) ] + beta * KL(Q || P),

with L(w) the total cross-entropy (negative log-likelihood, nats) of the training set. (With L the mean loss
instead, beta here is n times that beta; ``dataset_size=1`` gives that convention.) With a quadratic loss
around the trained weights w*, L(w) ~ L(w*) + 1/2 (w - w*)^T H (w - w*), a Gaussian Q = N(w*, Sigma) and the
prior P = N(0, lambda^2 I), the minimiser is Sigma* = beta (H + beta/lambda^2 I)^-1 and

    KL(Q* || P) = 1/2 [ ||w*||^2 / lambda^2 + tr(Sigma*) / lambda^2 - k + log |lambda^2 I| - log |Sigma*| ]

(k weights). Annotations of the paper report that it prints Sigma* = beta/2 (H + beta/(2 lambda^2) I)^-1 (its
proof drops the 1/2 of the Taylor term) and a KL ending in -k rather than -k/2; the forms above are those the
quadratic model gives. Here H is replaced by the diagonal of n times the per-sample Fisher information F (n samples in the
training set): then Sigma* is diagonal, sigma_i^2 = beta / (n F_ii + beta/lambda^2), and the KL is a sum over
weights. Each weight contributes its mean term w_i^2 / (2 lambda^2), which does not depend on beta, and

    1/2 [ log(1 + n F_ii lambda^2 / beta) + beta / (beta + n F_ii lambda^2) - 1 ] >= 0,

which falls as beta grows and is 0 for a weight the loss does not depend on. Assumptions, each an
approximation: the weights are at a minimum of the loss (the posterior is centred there); the loss is
quadratic within the posterior's width; H is the Fisher (the Gauss-Newton part of the Hessian, exact for the
negative log-likelihood of the model's own predictive distribution); off-diagonal curvature is ignored. The
variational alternative (``method="variational"``) drops the last three: it learns a per-weight noise variance
that minimises the Lagrangian itself by stochastic gradients, as Achille et al. do in their experiments.

Neither measure is invariant to reparametrisation (rescaling a ReLU layer's weights and the next layer's
inversely changes both), and the Fisher trace falls as the logits saturate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from .. import estimators
from .._arrays import check_choice, check_count, check_flag, check_real
from ._data import batches, class_targets, endless_batches, evaluation, model_inputs, run_model
from ._results import EpochMonitor, RowTable
from .infoplane import InformationPlane

__all__ = ["fisher_information", "FisherInformation", "FisherRow", "FisherMonitor", "information_in_weights",
           "WeightInformation", "WeightRow", "effective_information", "EffectiveInformation", "EffectiveRow"]

LIKELIHOODS = ("categorical", "bernoulli", "gaussian")
LABELS = ("sampled", "exact", "empirical")


def _mean(out: torch.Tensor, likelihood: str) -> torch.Tensor:
    """The predictive mean of the targets: class probabilities, the probability of 1, or the output itself."""
    if likelihood == "categorical":
        return torch.softmax(out, 1)
    return torch.sigmoid(out) if likelihood == "bernoulli" else out


def _negative_log_likelihood(out: torch.Tensor, targets: torch.Tensor, likelihood: str) -> torch.Tensor:
    """-log p(target | output) per sample, nats; categorical targets are one-hot rows, the Gaussian has unit
    variance."""
    if likelihood == "categorical":
        return -(torch.log_softmax(out, 1) * targets).sum(1)
    if likelihood == "bernoulli":
        return F.binary_cross_entropy_with_logits(out, targets, reduction="none").sum(1)
    return 0.5 * ((targets - out) ** 2).sum(1)


def _outputs(out, likelihood: str) -> torch.Tensor:
    """The model's output as (batch, outputs), checked against the likelihood."""
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"the model must return a tensor, got {type(out).__name__}")
    if out.dim() == 1:
        out = out.unsqueeze(1)
    if out.dim() != 2:
        raise ValueError(f"the model's output must be (batch, outputs), got shape {tuple(out.shape)}")
    if likelihood == "categorical" and out.shape[1] < 2:
        raise ValueError("likelihood='categorical' needs a model with one logit per class (at least 2 outputs); "
                         "use likelihood='bernoulli' for a single logit")
    if likelihood == "bernoulli" and out.shape[1] != 1:
        raise ValueError(f"likelihood='bernoulli' needs a model with one logit output, got {out.shape[1]}")
    return out


def _true_targets(out: torch.Tensor, y: Optional[torch.Tensor], likelihood: str, name: str) -> torch.Tensor:
    """The data's own targets as rows like the output: one-hot classes, 0/1, or real values."""
    if y is None:
        raise ValueError(f"{name} must give targets, as (inputs, targets), for this computation")
    y = y.to(out.device)
    if likelihood == "categorical":
        y = class_targets(y, out.shape[0], f"{name} targets")
        if int(y.max()) >= out.shape[1]:
            raise ValueError(f"{name}: class labels must lie in 0..{out.shape[1] - 1} (the model's outputs)")
        return F.one_hot(y, out.shape[1]).to(out.dtype)
    y = y.reshape(out.shape[0], -1).to(out.dtype)
    if y.shape != out.shape:
        raise ValueError(f"{name}: targets of shape {tuple(y.shape)} do not match the model's outputs "
                         f"{tuple(out.shape)}")
    if likelihood == "bernoulli" and not bool(((y == 0) | (y == 1)).all()):
        raise ValueError(f"{name}: bernoulli targets must be 0 or 1")
    return y


def _output_scores(out: torch.Tensor, y, likelihood: str, labels: str, samples: int, generator: torch.Generator,
                   name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores with respect to the output, R (terms, batch, outputs), and weights W (terms, batch), such that the
    Fisher diagonal of the batch is sum_t,b W[t,b] (J_b^T R[t,b])^2, J_b the Jacobian of the output of sample b.

    All three likelihoods have canonical links, so d log p(t | out) / d out = t - mean(out)."""
    mean = _mean(out, likelihood)
    n, width = out.shape
    if labels == "empirical":
        return (_true_targets(out, y, likelihood, name) - mean)[None], out.new_ones(1, n)
    if labels == "sampled":
        cpu = mean.double().cpu()
        if likelihood == "categorical":
            drawn = torch.multinomial(cpu, samples, replacement=True, generator=generator).T   # (samples, n)
            targets = F.one_hot(drawn, width)
        elif likelihood == "bernoulli":
            targets = torch.bernoulli(cpu.expand(samples, n, 1), generator=generator)
        else:
            targets = cpu + torch.randn((samples, n, width), generator=generator, dtype=cpu.dtype)
        return targets.to(out) - mean, out.new_full((samples, n), 1.0 / samples)
    if likelihood == "categorical":      # exact: every class c, weighted by p_c
        eye = torch.eye(width, dtype=out.dtype, device=out.device)
        return eye[:, None, :] - mean[None], mean.T
    if likelihood == "bernoulli":        # exact: E[(t - p)^2] = p (1 - p)
        return (mean * (1 - mean)).sqrt()[None], out.new_ones(1, n)
    # Unit-variance Gaussian: E[r r^T] = I, one term per output.
    return torch.eye(width, dtype=out.dtype, device=out.device)[:, None, :].expand(width, n, width), \
        out.new_ones(width, n)


class _Functional:
    """The model as a function of its trainable parameters (torch.func): per-sample gradients and forward passes
    with perturbed weights, leaving the module itself untouched."""

    def __init__(self, model: nn.Module):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self.params = {name: p.detach() for name, p in model.named_parameters() if p.requires_grad}
        if not self.params:
            raise ValueError("model has no trainable parameters (requires_grad=True)")
        self.buffers = {name: b.detach() for name, b in model.named_buffers()}

    def __call__(self, params: dict, x: torch.Tensor):
        return torch.func.functional_call(self.model, (params, self.buffers), (x,))

    def sample_scores(self, x: torch.Tensor, directions: torch.Tensor) -> dict[str, torch.Tensor]:
        """J_b^T R[t, b] = d <R[t, b], output(x_b)> / d w for every term t and sample b: {name: (t, b, *shape)}."""
        def one(params, xi, ri):
            return (self(params, xi.unsqueeze(0)).reshape(-1) * ri).sum()
        per_sample = torch.func.vmap(torch.func.grad(one), in_dims=(None, 0, 0))
        try:
            return torch.func.vmap(per_sample, in_dims=(None, None, 0))(self.params, x, directions)
        except RuntimeError as err:
            if "functorch" not in str(err) and "vmap" not in str(err):
                raise
            raise RuntimeError(f"per-sample gradients (torch.func vmap of grad) failed for this model: {err}. "
                               "Models with backward hooks, or autograd Functions without setup_context, are "
                               "not supported; run on a copy without them") from err


def _layer_of(parameter: str) -> str:
    # Parameters of the model itself (not of a submodule) are grouped under "<model>".
    return parameter.rsplit(".", 1)[0] if "." in parameter else "<model>"


def _by_layer(per_parameter: dict[str, torch.Tensor]) -> dict[str, list[str]]:
    layers: dict[str, list[str]] = {}
    for name in per_parameter:
        layers.setdefault(_layer_of(name), []).append(name)
    return layers


@dataclass(frozen=True)
class FisherRow:
    """The diagonal Fisher information of one layer's parameters (per training sample, nats)."""
    epoch: Optional[int]   # training epoch for :class:`FisherMonitor`, None for a single computation
    layer: str
    parameters: int        # number of weights
    trace: float           # sum of the diagonal
    logdet: float          # sum of log(F_ii + damping): the damped log-determinant of the diagonal
    damping: float
    samples: int           # inputs the expectation was taken over
    labels: str            # "sampled", "exact" or "empirical"


class FisherInformation(RowTable):
    """The diagonal of the Fisher information matrix, per parameter tensor (``diagonal``), with per-layer rows.

    ``diagonal[name]`` is E_x E_{y ~ p(y|x,w)} [(d log p(y|x,w) / d w)^2], the mean over the inputs of one sample,
    in float64 on the CPU (with ``labels="empirical"``, y are the data's labels instead). A layer is the module owning the parameters ("net.0" for "net.0.weight" and
    "net.0.bias").
    """

    row_type = FisherRow

    def __init__(self, diagonal: dict[str, torch.Tensor], samples: int, likelihood: str, labels: str,
                 damping: float):
        self.diagonal, self.samples, self.likelihood, self.labels = diagonal, samples, likelihood, labels
        self.damping = damping
        self.rows = []
        for layer, names in _by_layer(diagonal).items():
            values = torch.cat([diagonal[name].reshape(-1) for name in names])
            self.rows.append(FisherRow(None, layer, values.numel(), float(values.sum()),
                                       float(torch.log(values + damping).sum()), damping, samples, labels))

    def vector(self) -> torch.Tensor:
        """The whole diagonal as one vector, trainable parameters in the order of ``model.named_parameters()``."""
        return torch.cat([d.reshape(-1) for d in self.diagonal.values()])

    def trace(self) -> float:
        """tr F over all parameters."""
        return float(self.vector().sum())

    def logdet(self, damping: Optional[float] = None) -> float:
        """log det(diag F + damping I), by default with the damping this was computed with."""
        damping = self.damping if damping is None else check_real(damping, "damping", positive=True)
        return float(torch.log(self.vector() + damping).sum())


def fisher_information(model: nn.Module, data, *, likelihood: str = "categorical", labels: str = "sampled",
                       samples: int = 1, damping: float = 1e-8, batch_size: int = 64, seed: int = 0,
                       progress: bool = True) -> FisherInformation:
    """The diagonal Fisher information of a model's trainable parameters, per layer and in total.

    Parameters
    ----------
    model : torch.nn.Module
        Called as ``model(inputs)``; its output is the logits of ``likelihood`` (batch, outputs). Evaluated in
        evaluation mode (its mode is restored afterwards) and never modified.
    data : inputs, an (inputs, targets) tuple, or an iterable of batches (a DataLoader, a list of batches)
        The inputs x over which the expectation is taken; targets only for ``labels="empirical"``. Integer
        inputs (token ids) are passed on as they are, floating-point ones in the model's dtype.
    likelihood : {"categorical", "bernoulli", "gaussian"}
        The model's predictive distribution p(y|x,w): softmax over the outputs (default), a sigmoid of a single
        logit, or a unit-variance Gaussian centred on the outputs (regression).
    labels : {"sampled", "exact", "empirical"}
        How the expectation over y is taken. "sampled" (default): ``samples`` labels drawn per input from the
        model's own p(y|x,w), the Monte-Carlo Fisher of Achille et al. "exact": the sum over every class (or
        output), weighted by its probability -- exact, at one backward pass per class. "empirical": the data's
        true labels, which gives the *empirical* Fisher, the second moment of the gradients of the fitted
        labels: not the Fisher information, and no approximation of the curvature in general (Kunstner,
        Hennig & Balles 2019), here for comparison.
    samples : int
        Labels drawn per input with ``labels="sampled"``.
    damping : float
        Added to every diagonal entry in the log-determinant, which is -inf for a weight the model does not
        use (a dead ReLU's).
    batch_size : int
        Inputs per vectorised backward pass (when ``data`` is not already batched); memory grows as
        batch_size x parameters x terms (``samples``, or the number of classes with ``labels="exact"``).
    seed : int
        Seeds the sampled labels.
    progress : bool
        Show a progress bar over the batches.

    Why the model's own labels: the Fisher information is the covariance of the score d log p(y|x,w)/dw under
    the model's distribution, E_{y ~ p(y|x,w)}. It equals the expected Hessian of the negative log-likelihood
    (its Gauss-Newton part), so it measures how sharply the loss rises as the weights move -- which is what
    the coding length of the weights depends on. With the true labels the score's second moment measures
    how well the labels are fitted, not the curvature.

    Per-sample gradients come from ``torch.func`` (``vmap`` of ``grad``), so models must be functional in
    that sense (most are; in-place updates of buffers in forward are not). Returns a
    :class:`FisherInformation`: per-sample Fisher, nats.
    """
    check_choice(likelihood, "likelihood", LIKELIHOODS)
    check_choice(labels, "labels", LABELS)
    samples = check_count(samples, "samples", 1)
    damping = check_real(damping, "damping", positive=True)
    batch_size = check_count(batch_size, "batch_size", 1)
    generator = torch.Generator().manual_seed(check_count(seed, "seed", 0))
    progress = check_flag(progress, "progress")
    fn = _Functional(model)
    diagonal = {name: torch.zeros(p.shape, dtype=torch.float64, device=p.device) for name, p in fn.params.items()}
    count = 0
    with evaluation(model):
        for x, y in tqdm(batches(data, batch_size), desc="Fisher", unit="batch", disable=not progress):
            x = model_inputs(fn.model, x)
            with torch.no_grad():
                out = _outputs(run_model(lambda a: fn(fn.params, a), x, "data"), likelihood)
            directions, weights = _output_scores(out, y, likelihood, labels, samples, generator, "data")
            # The score is linear in its direction: weighting the directions by sqrt(W) weights its square by W.
            scores = fn.sample_scores(x, directions * weights.sqrt()[..., None])
            for name, score in scores.items():
                diagonal[name] += score.square().sum((0, 1)).double()
            count += x.shape[0]
    if count == 0:
        raise ValueError("data holds no samples")
    return FisherInformation({name: (d / count).cpu() for name, d in diagonal.items()}, count, likelihood, labels,
                             damping)


class FisherMonitor(EpochMonitor):
    """The diagonal Fisher information of a model, per layer, epoch after epoch (the training-loop protocol of
    :func:`infoscope.torch.fit` and :func:`infoscope.torch.lightning_callback`).

    ``options`` are those of :func:`fisher_information` (``progress`` is off). Each update appends one
    :class:`FisherRow` per layer; :meth:`plot` draws the traces against the epoch. Achille, Rovere & Soatto
    ("Critical learning periods in deep networks", 2019) see the trace rise early in training and then fall.
    """

    row_type = FisherRow

    def __init__(self, model: nn.Module, data, **options):
        self.model, self.data, self.options = model, data, {**options, "progress": False}
        self.rows: list[FisherRow] = []

    def update(self, epoch: Optional[int] = None) -> FisherInformation:
        """Computes the Fisher now and appends its rows under ``epoch`` (default: one past the last, 0 first)."""
        epoch = self.next_epoch(epoch)
        result = fisher_information(self.model, self.data, **self.options)
        self.rows.extend(replace(r, epoch=epoch) for r in result.rows)
        return result

    def plot(self, ax=None, title: Optional[str] = None):
        """The Fisher trace of every layer against the epoch, as a matplotlib Figure."""
        from ..plot import fisher_trace
        return fisher_trace(self.rows, ax=ax, title=title)


@dataclass(frozen=True)
class WeightRow:
    """The information in one layer's weights: KL(Q* || P) and its two parts."""
    layer: str
    parameters: int
    kl: float              # mean_term + variance_term
    mean_term: float       # sum w_i^2 / (2 lambda^2): the cost of the weights' values under the prior
    variance_term: float   # 1/2 sum [sigma_i^2/lambda^2 - 1 - log(sigma_i^2/lambda^2)]: falls as beta grows
    rms_noise_std: float   # square root of the mean posterior variance of the layer's weights
    unit: str
    method: str            # "fisher" or "variational"


class WeightInformation(RowTable):
    """The information in the weights, per layer (rows) and in total (``kl``), with the posterior variance of
    every weight (``posterior_var``, float64 on the CPU) for :func:`effective_information`."""

    row_type = WeightRow

    def __init__(self, weights: dict[str, torch.Tensor], posterior_var: dict[str, torch.Tensor], beta: float,
                 prior_var: float, method: str, base: float):
        self.posterior_var, self.beta, self.prior_var, self.method = posterior_var, beta, prior_var, method
        divisor = estimators.check_output(base)
        self.unit = estimators.unit_name(base)
        self.rows = []
        for layer, names in _by_layer(posterior_var).items():
            w = torch.cat([weights[name].detach().double().cpu().reshape(-1) for name in names])
            ratio = torch.cat([posterior_var[name].reshape(-1) for name in names]) / prior_var
            mean_term = float((w ** 2).sum()) / (2 * prior_var) / divisor
            variance_term = float((ratio - 1 - torch.log(ratio)).sum()) / 2 / divisor
            self.rows.append(WeightRow(layer, w.numel(), mean_term + variance_term, mean_term, variance_term,
                                       math.sqrt(float((ratio * prior_var).mean())), self.unit, method))

    @property
    def kl(self) -> float:
        """KL(Q* || P) over all weights, in ``unit``."""
        return sum(r.kl for r in self.rows)

    @property
    def variance_term(self) -> float:
        """The beta-dependent part of the KL over all weights, in ``unit``."""
        return sum(r.variance_term for r in self.rows)


def information_in_weights(model: nn.Module, data, beta: float = 1.0, prior_var: float = 1.0, *,
                           method: str = "fisher", fisher: Optional[FisherInformation] = None,
                           dataset_size: Optional[int] = None, likelihood: str = "categorical",
                           labels: str = "sampled", steps: int = 2000, lr: float = 0.02, batch_size: int = 64,
                           seed: int = 0, base: float = 2, progress: bool = True) -> WeightInformation:
    """The information in the weights of a trained model (Achille, Paolini & Soatto 2019): KL(Q* || P) between
    the Gaussian weight posterior Q* minimising the Information Lagrangian E_Q[L(w)] + beta KL(Q || P) and the
    prior P = N(0, prior_var I). The formula and its assumptions are in :mod:`infoscope.torch.weights`.

    Parameters
    ----------
    model : torch.nn.Module
        The trained model (never modified), as in :func:`fisher_information`.
    data : inputs, an (inputs, targets) tuple, or an iterable of batches
        The training set: inputs for the Fisher; inputs and targets for ``method="variational"``, whose loss is
        the negative log-likelihood of the true targets.
    beta : float
        The Lagrange multiplier: how much a nat of weight information costs in nats of loss. Larger beta, more
        noise tolerated, less information.
    prior_var : float
        lambda^2, the variance of the isotropic Gaussian prior.
    method : {"fisher", "variational"}
        "fisher": the closed form with the diagonal of n F as curvature, sigma_i^2 = beta / (n F_ii +
        beta/prior_var). "variational": a per-weight noise variance learned by ``steps`` Adam steps (learning
        rate ``lr``) on E[L(w + eps)] + beta KL(Q || P), with the means held at the trained weights; each step
        uses one minibatch (scaled to the whole training set) and an antithetic pair of noise draws (+eps and
        -eps, which cancels the first-order term of the loss), and the log-variances are averaged over the last
        half of the steps.
    fisher : FisherInformation or None
        A Fisher already computed on the training set (``method="fisher"``); computed with ``likelihood``,
        ``labels`` and ``seed`` otherwise.
    dataset_size : int or None
        n, the number of training samples in L(w); default the number of samples in ``data``.
    likelihood, labels, batch_size, seed, progress :
        As in :func:`fisher_information`; ``seed`` also seeds the variational noise and minibatches. A weight's
        term is concave in its Fisher where n F_ii prior_var > beta (the weights that hold the information), so
        there the noise of a sampled Fisher biases the KL low -- most for a confident model, whose rare classes
        are rarely drawn: prefer ``labels="exact"`` when the classes are few, or more ``samples`` in a Fisher
        passed as ``fisher``.
    base : float
        2 (bits, default) or e (nats) for the KL.

    Returns a :class:`WeightInformation`.
    """
    beta = check_real(beta, "beta", positive=True)
    prior_var = check_real(prior_var, "prior_var", positive=True)
    check_choice(method, "method", ("fisher", "variational"))
    check_choice(likelihood, "likelihood", LIKELIHOODS)
    estimators.check_output(base)
    if dataset_size is not None:
        dataset_size = check_count(dataset_size, "dataset_size", 1)
    fn = _Functional(model)
    if method == "fisher":
        if fisher is None:
            fisher = fisher_information(model, data, likelihood=likelihood, labels=labels, batch_size=batch_size,
                                        seed=seed, progress=progress)
        elif not isinstance(fisher, FisherInformation):
            raise TypeError(f"fisher must be a FisherInformation, got {type(fisher).__name__}")
        elif set(fisher.diagonal) != set(fn.params):
            raise ValueError("fisher was computed for other parameters than the model's trainable ones")
        n = dataset_size or fisher.samples
        posterior_var = {name: beta / (n * d + beta / prior_var) for name, d in fisher.diagonal.items()}
    else:
        if fisher is not None:
            raise ValueError("fisher is used by method='fisher' only")
        posterior_var = _variational_variances(
            fn, data, beta, prior_var, dataset_size, likelihood, check_count(steps, "steps", 2),
            check_real(lr, "lr", positive=True), check_count(batch_size, "batch_size", 1),
            check_count(seed, "seed", 0), check_flag(progress, "progress"))
    return WeightInformation(fn.params, posterior_var, beta, prior_var, method, base)


def _variational_variances(fn: _Functional, data, beta, prior_var, dataset_size, likelihood, steps, lr,
                           batch_size, seed, progress) -> dict[str, torch.Tensor]:
    """Per-weight variances minimising E[L(w + sigma eps)] + beta KL(N(w, sigma^2) || N(0, prior_var)) over sigma."""
    n = dataset_size or sum(x.shape[0] for x, _ in batches(data, batch_size))
    if n == 0:
        raise ValueError("data holds no samples")
    generator = torch.Generator().manual_seed(seed)
    # Start with little noise: the loss is near its minimum there, and the variances grow to where they pay.
    log_var = {name: torch.full(p.shape, math.log(prior_var) - 10.0, dtype=p.dtype, device=p.device,
                                requires_grad=True) for name, p in fn.params.items()}
    optimizer = torch.optim.Adam(log_var.values(), lr=lr)
    averaged = {name: torch.zeros_like(v, dtype=torch.float64) for name, v in log_var.items()}

    source = endless_batches(data, batch_size, generator)
    with evaluation(fn.model):
        for step in tqdm(range(steps), desc="variational posterior", unit="step", disable=not progress):
            x, y = next(source)
            x = model_inputs(fn.model, x)
            eps = {name: torch.randn(p.shape, generator=generator).to(p) for name, p in fn.params.items()}
            std = {name: torch.exp(0.5 * v) for name, v in log_var.items()}
            outs = []
            for sign in (1.0, -1.0):
                noisy = {name: p + sign * std[name] * eps[name] for name, p in fn.params.items()}
                outs.append(_outputs(run_model(lambda a: fn(noisy, a), x, "data"), likelihood))
            targets = _true_targets(outs[0].detach(), y, likelihood, "data")
            loss = 0.5 * n * sum(_negative_log_likelihood(out, targets, likelihood).mean() for out in outs)
            # KL(N(w, s^2) || N(0, prior_var)) without its mean term, which does not depend on s.
            kl = sum(0.5 * (torch.exp(v) / prior_var - 1 - (v - math.log(prior_var))).sum() for v in log_var.values())
            optimizer.zero_grad()
            (loss + beta * kl).backward()
            optimizer.step()
            if step >= steps // 2:
                for name, v in log_var.items():
                    averaged[name] += v.detach().double()
    kept = steps - steps // 2
    return {name: torch.exp(total / kept).cpu() for name, total in averaged.items()}


@dataclass(frozen=True)
class EffectiveRow:
    """The effective information of one layer: its information-plane point with weights drawn from the
    posterior, beside the point of the deterministic network."""
    layer: str
    i_xt: float                # I(X;T) with weight noise: the effective information
    i_ty: float                # I(T;Y) with weight noise
    i_xt_deterministic: float  # I(X;T) of the trained weights, same estimator
    i_ty_deterministic: float
    width: int
    samples: int
    unit: str
    estimator: str


class EffectiveInformation(RowTable):
    row_type = EffectiveRow

    def __init__(self, rows: list[EffectiveRow]):
        self.rows = rows


def effective_information(model: nn.Module, x, y, posterior: WeightInformation, layers=None, *,
                          estimator="knn", samples_per_draw: int = 1, base: float = 2, batch_size: int = 256,
                          seed: int = 0) -> EffectiveInformation:
    """The effective information of layers (Achille, Paolini & Soatto 2019): I(X; T) where T is the layer's
    output with the weights drawn from the posterior N(w*, Sigma*) of :func:`information_in_weights` -- the
    information about the input that survives the weight noise the loss tolerates.

    Every probe input gets its own weight draw (``samples_per_draw=1``; larger values share a draw among that
    many consecutive inputs, which is faster and keeps each pair (x_i, t_i) distributed alike). I(X;T) and
    I(T;Y) are estimated as on the information plane, by ``estimator`` ("binned", "kde", "knn" -- k-NN after
    PCA compression, the default -- or an instance, see :class:`InformationPlane`), and beside them the same
    estimates for the trained, noiseless weights.
    """
    if not isinstance(posterior, WeightInformation):
        raise TypeError(f"posterior must be a WeightInformation, got {type(posterior).__name__}")
    samples_per_draw = check_count(samples_per_draw, "samples_per_draw", 1)
    fn = _Functional(model)
    if set(posterior.posterior_var) != set(fn.params):
        raise ValueError("posterior was computed for other parameters than the model's trainable ones")
    std = {name: v.sqrt().to(fn.params[name]) for name, v in posterior.posterior_var.items()}
    generator = torch.Generator().manual_seed(check_count(seed, "seed", 0))

    def noisy_forward(module, batch):
        for chunk in batch.split(samples_per_draw):
            weights = {name: p + std[name] * torch.randn(p.shape, generator=generator).to(p)
                       for name, p in fn.params.items()}
            fn(weights, chunk)

    deterministic = InformationPlane(model, x, y, layers, estimator, base=base, batch_size=batch_size).update(0)
    plane = InformationPlane(model, x, y, layers, estimator, base=base, batch_size=batch_size,
                             forward=noisy_forward)
    noisy = plane.update(0)
    return EffectiveInformation([
        EffectiveRow(r.layer, r.i_xt, r.i_ty, d.i_xt, d.i_ty, r.width, r.samples, r.unit, r.estimator)
        for r, d in zip(noisy, deterministic)])
