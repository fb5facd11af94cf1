"""Variational (neural) lower bounds on mutual information: MINE, NWJ, InfoNCE and SMILE.

A critic network f(x, y) is trained to tell paired samples (x_i, y_i), drawn from p(x, y), from mismatched ones
(x_i, y_j), i != j, drawn from p(x) p(y); a bound on I(X;Y) is then evaluated with the trained critic on samples it
was not trained on. Every bound is computed from a B x B matrix of scores ``S[i, j] = f(x_i, y_j)`` of one batch:
the diagonal holds the B positive (joint) pairs, the B (B - 1) off-diagonal entries the negative (product) pairs.

* ``"mine"``: the Donsker-Varadhan bound ``mean_i S_ii - log mean_{i != j} exp S_ij``, trained with the
  moving-average correction of the biased gradient of its log term (Belghazi, Baratin, Rajeswar, Ozair, Bengio,
  Courville & Hjelm 2018, "MINE: Mutual Information Neural Estimation", ICML, section 3.2).
* ``"nwj"``: ``mean_i S_ii - e^-1 mean_{i != j} exp S_ij`` (Nguyen, Wainwright & Jordan 2010, "Estimating
  divergence functionals and the likelihood ratio by convex risk minimization", IEEE Trans. Inf. Theory 56, 5847;
  the f-divergence form with T = S - 1).
* ``"infonce"``: ``mean_i [S_ii - log mean_j exp S_ij]`` (the sum over j includes i), van den Oord, Li & Vinyals
  2018, "Representation learning with contrastive predictive coding" (arXiv 1807.03748). It can never exceed
  log B, the log of the batch (here: evaluation block) size.
* ``"smile"``: the Donsker-Varadhan bound with the scores of the log term clipped to [-tau, tau], the critic trained
  with the Jensen-Shannon (f-GAN) objective ``mean_i -softplus(-S_ii) - mean_{i != j} softplus(S_ij)`` (Song &
  Ermon 2020, "Understanding the limitations of variational mutual information estimators", ICLR), tau = 5 as there.

Poole, Ozair, van den Oord, Alemi & Tucker 2019 ("On variational bounds of mutual information", ICML) derive and
compare these bounds: NWJ and MINE have a variance that grows exponentially with the MI, InfoNCE a bias once the
MI approaches log B, SMILE trades a little bias for much less variance.

Protocol (facts from bmi, Czyż et al. 2023, and torch-mist, Federici et al., checked for their defaults; the code is
this module's own): the columns are standardised (after normal scores with ``transform="normal"``, the default),
the samples are split at random into a training part and a held-out part of ``test_fraction``; the critic is
trained by Adam on random batches of the training part; every ``steps // 20`` steps the bound is evaluated on the
held-out part, in blocks of ``batch_size`` samples (joint critic) or of ``max(batch_size, 1024)`` (separable
critic: one matrix product; InfoNCE's ceiling is the log of the block), and the critic with the best held-out bound so far is kept;
training stops after ``patience`` evaluations without improvement. The estimate is the held-out bound of the kept
critic. (Keeping the best of at most 20 held-out values adds a small upward selection bias, of the order of the
held-out bound's standard error.)
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .._arrays import (as_samples, check_choice, check_count, check_flag, check_real, check_same_length,
                       check_seed)
from .._device import parse, to_host
from ..estimators._transforms import Preprocessing

__all__ = ["BOUNDS", "CRITICS", "bound_value", "training_loss", "JointCritic", "SeparableCritic",
           "neural_mutual_info"]

BOUNDS = ("mine", "nwj", "infonce", "smile")
CRITICS = ("joint", "separable")
_SEPARABLE_BLOCK = 1024
_CHECKS = 20  # held-out evaluations over a full run of `steps`


def _off_diagonal(scores: torch.Tensor) -> torch.Tensor:
    b = scores.shape[0]
    return scores.masked_select(~torch.eye(b, dtype=torch.bool, device=scores.device))


def _log_mean_exp(values: torch.Tensor) -> torch.Tensor:
    return torch.logsumexp(values, dim=0) - math.log(values.numel())


def bound_value(scores: torch.Tensor, bound: str, tau: float = 5.0) -> torch.Tensor:
    """The value of ``bound`` (nats) on one B x B score matrix ``scores[i, j] = f(x_i, y_j)``, B >= 2: positives on
    the diagonal, negatives off it (see the module's docstring for the formulas and their papers)."""
    positive = scores.diagonal().mean()
    if bound == "infonce":
        return positive - (torch.logsumexp(scores, dim=1) - math.log(scores.shape[0])).mean()
    negatives = _off_diagonal(scores)
    if bound == "nwj":
        return positive - torch.exp(_log_mean_exp(negatives) - 1.0)
    if bound == "smile":
        negatives = negatives.clamp(-tau, tau)
    return positive - _log_mean_exp(negatives)  # "mine": Donsker-Varadhan


class _MovingAverage:
    """MINE's bias-corrected gradient (Belghazi et al. 2018, eq. 12): the gradient of ``log mean exp T`` over the
    negatives, ``grad(mean exp T) / mean exp T``, takes an exponential moving average of ``mean exp T`` over the
    batches as its denominator. Kept in log space, so large scores cannot overflow."""

    def __init__(self, rate: float = 0.01):
        self.rate = rate
        self.log_average: torch.Tensor | None = None

    def loss(self, scores: torch.Tensor) -> torch.Tensor:
        log_mean = _log_mean_exp(_off_diagonal(scores))
        current = log_mean.detach()
        if self.log_average is None:
            self.log_average = current
        else:  # log((1 - r) a + r m), r the rate
            self.log_average = torch.logaddexp(self.log_average + math.log1p(-self.rate), current + math.log(self.rate))
        # Value: the DV bound's log term (to first order); gradient: grad(mean exp T) / moving average.
        surrogate = torch.exp(log_mean - self.log_average) - 1.0 + self.log_average
        return -(scores.diagonal().mean() - surrogate)


def training_loss(scores: torch.Tensor, bound: str, average: _MovingAverage | None = None) -> torch.Tensor:
    """What the optimiser minimises for ``bound``: minus the bound, except for "mine" (the moving-average
    corrected gradient, when ``average`` is given) and "smile" (minus the Jensen-Shannon f-GAN objective of Song &
    Ermon 2020, whose optimal critic is the same log density ratio)."""
    if bound == "mine" and average is not None:
        return average.loss(scores)
    if bound == "smile":
        positive = -nn.functional.softplus(-scores.diagonal()).mean()
        return -(positive - nn.functional.softplus(_off_diagonal(scores)).mean())
    return -bound_value(scores, bound)


def _mlp(inputs: int, hidden: int, layers: int, outputs: int) -> nn.Sequential:
    modules, width = [], inputs
    for _ in range(layers):
        modules += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    modules.append(nn.Linear(width, outputs))
    return nn.Sequential(*modules)


class JointCritic(nn.Module):
    """f(x, y) = MLP([x, y]): ``layers`` ReLU layers of width ``hidden`` on the concatenated pair, as bmi's critic.
    All B^2 pairs of a batch share the first layer's two halves, ``W_x x_i + W_y y_j + b``, so that layer costs
    B (dx + dy) hidden, not B^2."""

    def __init__(self, dx: int, dy: int, hidden: int, layers: int):
        super().__init__()
        self.first_x = nn.Linear(dx, hidden)
        self.first_y = nn.Linear(dy, hidden, bias=False)
        self.rest = _mlp(hidden, hidden, layers - 1, 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The B x B score matrix, ``out[i, j] = f(x_i, y_j)``."""
        pairs = torch.relu(self.first_x(x)[:, None, :] + self.first_y(y)[None, :, :])
        return self.rest(pairs).squeeze(-1)


class SeparableCritic(nn.Module):
    """f(x, y) = g(x) . h(y): two MLPs (``layers`` ReLU layers of width ``hidden``, ``hidden`` outputs) and an
    inner product, the critic of contrastive predictive coding (van den Oord et al. 2018). All B^2 scores cost one
    matrix product."""

    def __init__(self, dx: int, dy: int, hidden: int, layers: int):
        super().__init__()
        self.g = _mlp(dx, hidden, layers, hidden)
        self.h = _mlp(dy, hidden, layers, hidden)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.g(x) @ self.h(y).T


def _torch_device(device, x, y) -> torch.device:
    """The torch device of the run: where CUDA tensors x or y live for "auto", else the one named."""
    kind, index = parse(device)
    if kind == "auto":
        return next((a.device for a in (x, y) if isinstance(a, torch.Tensor) and a.is_cuda), torch.device("cpu"))
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}, but torch sees no CUDA device")
    return torch.device(kind) if index is None else torch.device(kind, index)


def neural_mutual_info(x, y, *, bound: str, critic: str = "separable", hidden: int = 64, layers: int = 2,
                       steps: int = 1000, batch_size: int = 128, lr: float = 1e-3, test_fraction: float = 0.3,
                       patience: int = 5, tau: float = 5.0, transform="normal", seed=0, device="auto",
                       progress=False) -> float:
    """I(X;Y) (nats) by the variational lower bound ``bound`` ("mine", "nwj", "infonce" or "smile") with a trained
    critic; the protocol and the papers of the bounds are in the module's docstring. Reached through
    :func:`infoscope.mutual_info` (``method="mine"`` etc.), which documents the options.

    The same call gives the same number on the CPU (``seed`` -- an int, a numpy Generator, or None for fresh
    entropy -- seeds the split, the initialisation and the batches; torch's global generator is left alone); on a
    GPU, cuBLAS may reorder sums. The held-out bound is the mean over whole blocks of held-out samples: the
    ``n_test % block`` samples after the last whole block are left out of it.
    """
    check_choice(bound, "method", BOUNDS)
    check_choice(critic, "critic", CRITICS)
    hidden = check_count(hidden, "hidden", 1)
    layers = check_count(layers, "layers", 1)
    steps = check_count(steps, "steps", 1)
    batch_size = check_count(batch_size, "batch_size", 2)
    lr = check_real(lr, "lr", positive=True)
    test_fraction = check_real(test_fraction, "test_fraction", positive=True)
    if not test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction!r}")
    patience = check_count(patience, "patience (evaluations without improvement; 0: never stop early)", 0)
    tau = check_real(tau, "tau", positive=True)
    if progress is not None:
        check_flag(progress, "progress")
    rng = np.random.default_rng(check_seed(seed))
    torch_device = _torch_device(device, x, y)
    xh, yh = as_samples(to_host(x), "x"), as_samples(to_host(y), "y")
    n = check_same_length(x=xh, y=yh)
    n_test = int(round(test_fraction * n))
    if n_test < 2 or n - n_test < 2:
        raise ValueError(f"x and y have {n} samples: too few to split into training and held-out parts of at least "
                         f"2 each with test_fraction={test_fraction}")
    table = Preprocessing(normalize=True, transform=transform, noise=0.0, seed=0).apply_blocks([xh, yh])[0]
    dx = xh.shape[1]

    order = rng.permutation(n)
    data = torch.as_tensor(table[order], dtype=torch.float32, device=torch_device)
    train, test = data[n_test:], data[:n_test]
    batch = min(batch_size, train.shape[0])
    # Held-out blocks: a separable critic scores a block of 1024 in one product (a larger block lowers InfoNCE's
    # log-block ceiling and its bias, and the log terms' Jensen gap); a joint critic pays B^2 passes, so B.
    block = min(max(batch_size, _SEPARABLE_BLOCK) if critic == "separable" else batch_size, n_test)

    with torch.random.fork_rng(devices=[torch_device] if torch_device.type == "cuda" else []):
        torch.manual_seed(int(rng.integers(2**62)))
        model = (JointCritic if critic == "joint" else SeparableCritic)(dx, table.shape[1] - dx, hidden, layers)
    model = model.to(torch_device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    average = _MovingAverage() if bound == "mine" else None
    batches = torch.Generator().manual_seed(int(rng.integers(2**62)))

    def held_out() -> float:
        model.eval()
        with torch.no_grad():
            values = [bound_value(model(test[s:s + block, :dx], test[s:s + block, dx:]), bound, tau)
                      for s in range(0, n_test - block + 1, block)]
        model.train()
        return float(torch.stack(values).mean())

    every = max(1, steps // _CHECKS)
    best, since = -math.inf, 0
    from tqdm.auto import tqdm

    with tqdm(total=steps, desc=f"{bound} critic", unit="step", leave=False,
              disable=None if progress is None else not progress) as bar:
        for step in range(1, steps + 1):
            rows = torch.randint(train.shape[0], (batch,), generator=batches).to(torch_device)
            chosen = train[rows]
            loss = training_loss(model(chosen[:, :dx], chosen[:, dx:]), bound, average)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            bar.update()
            if step % every == 0 or step == steps:
                value = held_out()
                if value > best:
                    best, since = value, 0
                else:
                    since += 1
                    if patience and since >= patience:
                        break
                bar.set_postfix(bound=f"{best:.3f}")
    if not math.isfinite(best):
        raise FloatingPointError(f"the {bound} bound diverged (held-out value {best}); lower lr or use 'smile'")
    return best

