"""Prequential (online) code lengths of labels, and the information transfer L_IT of Zhang et al.

Prequential coding (Dawid 1984; for deep networks Blier & Ollivier 2018, "The description length of deep
learning models") transmits labels y_1..y_N of inputs x_1..x_N (known to both sides) in blocks: the first block
with the uniform code, log K bits per label for K classes, and every later block with the predictive
distribution of a model trained on all the blocks before it. The total, in bits, is a code length for the labels
given the inputs that includes the cost of learning the model, so it is short only when the labels follow from
the inputs in a way a model learns from few samples.

Information transfer (Zhang, Li, Dou & Wu 2020, "Measuring information transfer in neural networks",
arXiv 2009.07624) is the part of that code length that the final model -- trained on all N samples -- no longer
pays:

    L_IT = sum_i [ -log p(y_i | x_i; theta_{b(i)-1}) ] - sum_i [ -log p(y_i | x_i; theta_final) ],

with theta_{b(i)-1} the model that codes block b(i) (the uniform code for the first block). It is the area
between the online learning curve and the final model's loss: the information that had to flow from the data
into the model. What is implemented here, and where it may differ from the paper (whose full text we have not
been able to check; the definition above follows its abstract and later papers that restate it):

* Both sums run over all N samples, the first block included.
* Each block's model is trained anew (from a fresh initialisation, or from a given one), by default with
  Adam and early stopping on a held-out tenth of the samples it is trained on; the final model is trained
  the same way on all N samples. Early stopping matters: a final model trained until it memorises its
  training labels would make L_IT large even for labels that carry no information.
* The final term is the code length of the same N labels under the final model (default), or, with
  ``heldout=(x_test, y_test)``, N times the final model's mean code length per label on held-out samples --
  the "generalisable" variant that some restatements describe.
* Block boundaries double (Blier & Ollivier; Voita & Titov 2020 use 0.1%, 0.2%, 0.4%, ... of the data).

:class:`InformationTransferMonitor` follows the same difference while a model trains, with the final model
replaced by the model as it is at each epoch: the information that held datasets' labels -- an old task while a
new one is learnt, for catastrophic forgetting -- still transfer into it.
"""

from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass, replace
from typing import Callable, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from .. import estimators
from .._arrays import check_count, check_flag, check_real
from ._data import as_tensor, class_targets, evaluation, model_inputs, run_model
from ._results import EpochMonitor, RowTable

__all__ = ["prequential_codelength", "information_transfer", "Training", "PrequentialCode", "InformationTransfer",
           "BlockRow", "doubling_blocks", "InformationTransferMonitor", "TransferRow"]


@dataclass(frozen=True)
class Training:
    """The default way each block's model is trained: Adam on the cross-entropy, minibatches of ``batch_size``,
    at most ``epochs`` passes, early stopping when the loss on a held-out ``validation_fraction`` of the
    training samples has not improved for ``patience`` epochs; the weights with the best held-out loss --
    possibly the initial ones -- are kept. ``validation_fraction=0`` trains for all epochs and keeps the last
    weights."""
    epochs: int = 50
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 0.0
    validation_fraction: float = 0.1
    patience: int = 5

    def __post_init__(self):
        check_count(self.epochs, "epochs", 1)
        check_count(self.batch_size, "batch_size", 1)
        check_real(self.lr, "lr", positive=True)
        check_real(self.weight_decay, "weight_decay", minimum=0)
        if not 0 <= check_real(self.validation_fraction, "validation_fraction") < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {self.validation_fraction}")
        check_count(self.patience, "patience", 1)

    def __call__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator) -> None:
        n = x.shape[0]
        held = min(n - 1, max(1, round(self.validation_fraction * n))) if self.validation_fraction > 0 and n > 1 else 0
        order = torch.randperm(n, generator=generator).to(x.device)
        val, train = order[:held], order[held:]
        optimizer = torch.optim.Adam(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        best, best_state, waited = math.inf, None, 0
        if held:
            best, best_state = _mean_code(model, x[val], y[val]), copy.deepcopy(model.state_dict())
        for _ in range(self.epochs):
            model.train()
            for idx in _minibatches(train[torch.randperm(len(train), generator=generator).to(x.device)],
                                    self.batch_size):
                optimizer.zero_grad()
                F.cross_entropy(model(x[idx]), y[idx]).backward()
                optimizer.step()
            if held:
                loss = _mean_code(model, x[val], y[val])
                if loss < best:
                    best, best_state, waited = loss, copy.deepcopy(model.state_dict()), 0
                else:
                    waited += 1
                    if waited >= self.patience:
                        break
        if best_state is not None:
            model.load_state_dict(best_state)


def _minibatches(order: torch.Tensor, size: int) -> list[torch.Tensor]:
    """order in chunks of size; a last chunk of one sample joins the one before (batch norm cannot train on it)."""
    chunks = list(order.split(size))
    if len(chunks) > 1 and len(chunks[-1]) == 1:
        chunks[-2:] = [torch.cat(chunks[-2:])]
    return chunks


def _logits(model: nn.Module, x: torch.Tensor, classes: Optional[int] = None, batch_size: int = 4096):
    """The model's outputs in evaluation mode (its mode restored), checked to be (batch, classes) when given."""
    with evaluation(model), torch.no_grad():
        out = torch.cat([model(b) for b in x.split(batch_size)])
    if classes is not None and (out.dim() != 2 or out.shape[1] != classes):
        raise ValueError(f"the model must output one logit per class, (batch, {classes}); got shape "
                         f"{tuple(out.shape)}")
    return out


def _codes(model: nn.Module, x: torch.Tensor, y: torch.Tensor, classes: int) -> torch.Tensor:
    """-log p(y_i | x_i) of every sample, nats, float64."""
    return F.cross_entropy(_logits(model, x, classes).double(), y, reduction="none")


def _mean_code(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float(F.cross_entropy(_logits(model, x), y))


def doubling_blocks(n: int, first: int) -> list[int]:
    """Block ends first, 2 first, 4 first, ... and n (the last block takes what is left)."""
    ends = [first]
    while 2 * ends[-1] < n:
        ends.append(2 * ends[-1])
    return ends + [n]


def _block_ends(blocks, n: int, classes: int) -> list[int]:
    if isinstance(blocks, np.ndarray):
        blocks = blocks.tolist()
    if isinstance(blocks, str) and blocks == "doubling":
        return doubling_blocks(n, min(n - 1, max(classes, math.ceil(n / 1000))))
    if isinstance(blocks, str) or not isinstance(blocks, Sequence) or not all(
            isinstance(b, numbers.Integral) and not isinstance(b, bool) for b in blocks):
        raise ValueError(f"blocks must be 'doubling' or a sequence of block ends (sample counts); got {blocks!r}")
    ends = [int(b) for b in blocks]
    if ends and ends[-1] == n:
        ends = ends[:-1]
    if not ends or ends[0] < 1 or ends[-1] >= n or any(b >= c for b, c in zip(ends, ends[1:])):
        raise ValueError(f"blocks must be increasing block ends in 1..{n - 1} (the data's {n} samples end the last "
                         f"block); got {list(blocks)!r}")
    return ends + [n]


@dataclass(frozen=True)
class BlockRow:
    """One block of a prequential code."""
    block: int                # 1, 2, ...
    start: int                # first sample of the block (0-based, in transmission order); its coding model was
                              # trained on the samples before it (none for block 1: the uniform code)
    end: int                  # one past its last sample
    codelength: float         # code length of the block's labels
    uniform: float            # its uniform code, (end - start) log K
    final: Optional[float]    # code length under the final model (information_transfer), else None
    unit: str


class PrequentialCode(RowTable):
    """The prequential code of a labelled dataset: one :class:`BlockRow` per block and the totals."""

    row_type = BlockRow

    def __init__(self, rows: list[BlockRow], classes: int):
        self.rows, self.classes = rows, classes
        self.unit = rows[0].unit

    @property
    def total(self) -> float:
        """The prequential code length of all the labels."""
        return sum(r.codelength for r in self.rows)

    @property
    def uniform(self) -> float:
        """The uniform code of all the labels, N log K."""
        return sum(r.uniform for r in self.rows)

    @property
    def samples(self) -> int:
        return self.rows[-1].end

    def plot(self, ax=None, title: Optional[str] = None):
        """The online learning curve (code length per label of every block) as a matplotlib Figure."""
        from ..plot import online_code
        return online_code({"": self}, ax=ax, title=title)


class InformationTransfer(PrequentialCode):
    """A prequential code and the code length of the same labels under the final model; ``value`` is L_IT."""

    def __init__(self, rows: list[BlockRow], classes: int, heldout: bool):
        super().__init__(rows, classes)
        self.heldout = heldout

    @property
    def final(self) -> float:
        """The code length of the labels under the final model (N x its held-out mean with ``heldout``)."""
        return sum(r.final for r in self.rows)

    @property
    def value(self) -> float:
        """L_IT = prequential code length - final code length."""
        return self.total - self.final


ModelSource = Union[nn.Module, Callable[[], nn.Module]]


def _model_factory(model: ModelSource, seed: int, device) -> Callable[[int], nn.Module]:
    """model(i) for the i-th training: a copy of the given module, or a fresh one made with seed + i."""
    def placed(m: nn.Module) -> nn.Module:
        return m.to(device) if device is not None else m

    if isinstance(model, nn.Module):
        return lambda i: placed(copy.deepcopy(model))
    if not callable(model):
        raise TypeError(f"model must be a torch.nn.Module or a function returning a fresh one, got "
                        f"{type(model).__name__}")

    def fresh(i: int) -> nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + i)
            made = model()
        if not isinstance(made, nn.Module):
            raise TypeError(f"model() must return a torch.nn.Module, got {type(made).__name__}")
        return placed(made)
    return fresh


def _inputs_for(m: nn.Module, x: torch.Tensor, classes: int, name: str = "x") -> torch.Tensor:
    """x where the model's parameters are, in their dtype; the model's output width checked before training."""
    if next(m.parameters(), None) is None:
        raise ValueError("the model has no parameters to train")
    x = model_inputs(m, x)
    run_model(lambda a: _logits(m, a, classes), x[:1], name)
    return x


def _prepare(x, y, classes, blocks, shuffle, seed, train):
    x = as_tensor(x, "x")
    y = class_targets(y, x.shape[0])
    if classes is None:
        classes = int(y.max()) + 1
        if classes < 2:
            raise ValueError("y holds only the class 0: a code length needs at least 2 classes (pass classes=K "
                             "if more were possible)")
    classes = check_count(classes, "classes", 2)
    if int(y.max()) >= classes:
        raise ValueError(f"y holds label {int(y.max())}, outside 0..{classes - 1} (classes={classes})")
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"x must hold at least 2 samples for a prequential code, got {n}")
    ends = _block_ends(blocks, n, classes)
    generator = torch.Generator().manual_seed(check_count(seed, "seed", 0))
    if check_flag(shuffle, "shuffle"):
        order = torch.randperm(n, generator=generator)
        x, y = x[order], y[order]
    if train is None:
        train = Training()
    elif not callable(train):
        raise TypeError(f"train must be a Training or a function train(model, x, y, generator); got {train!r}")
    return x, y, classes, ends, generator, train


def _prequential(make, x, y, classes, ends, train, generator, divisor, unit, progress) -> list[BlockRow]:
    rows, start = [], 0
    uniform_per_label = math.log(classes) / divisor
    for i, end in enumerate(tqdm(ends, desc="prequential blocks", unit="block", disable=not progress)):
        uniform = (end - start) * uniform_per_label
        if i == 0:
            code = uniform
        else:
            m = make(i)
            xs = _inputs_for(m, x, classes)
            ys = y.to(xs.device)
            train(m, xs[:start], ys[:start], generator)
            code = float(_codes(m, xs[start:end], ys[start:end], classes).sum()) / divisor
        rows.append(BlockRow(i + 1, start, end, code, uniform, None, unit))
        start = end
    return rows


def prequential_codelength(model: ModelSource, x, y, *, classes: Optional[int] = None, blocks="doubling",
                           train: Optional[Callable] = None, shuffle: bool = True, seed: int = 0, base: float = 2,
                           device=None, progress: bool = True) -> PrequentialCode:
    """The prequential (online) code length of class labels y given inputs x, in bits by default.

    Parameters
    ----------
    model : torch.nn.Module or callable
        A function returning a freshly initialised model (each block's model is then trained from scratch,
        initialised with ``seed`` + block), or a module: each block's model then starts from a copy of it as
        given -- a pretrained initialisation, to measure how much a representation shortens the code. Its
        output is one logit per class.
    x, y : arrays or tensors
        N inputs (rows) and their class labels 0..K-1.
    classes : int or None
        K; default the largest label + 1.
    blocks : "doubling" or a sequence of block ends
        "doubling" (default): blocks end at f, 2f, 4f, ... and N, with f = max(K, ceil(N/1000)). Or the ends
        of the blocks in samples, increasing, e.g. ``[16, 64, 256]`` (N is added).
    train : Training or callable or None
        How each model is trained on the samples before its block: a :class:`Training` (default
        ``Training()``), or ``train(model, x, y, generator)`` that trains ``model`` in place.
    shuffle : bool
        Transmit the samples in a random order (default; datasets are often sorted by class). False keeps the
        given order, e.g. to study a stream.
    seed : int
        Seeds the order, the initialisations and the training.
    base : float
        2 (bits, default) or e (nats).
    device : torch.device or None
        Where models are trained (default: where ``model`` puts its parameters).
    progress : bool
        Show a progress bar over the blocks.

    The first block is coded with the uniform code, (block size) log K. Each later block is coded with
    -log p(y|x) under a model trained on all the samples before it. Labels independent of the inputs cannot be
    coded in much less than N H(Y) (the uniform code for balanced classes); labels that a model learns from few
    samples take far less. Returns a :class:`PrequentialCode` (rows per block, ``total``, ``uniform``).
    """
    divisor = estimators.check_output(base)
    x, y, classes, ends, generator, train = _prepare(x, y, classes, blocks, shuffle, seed, train)
    make = _model_factory(model, seed, device)
    rows = _prequential(make, x, y, classes, ends, train, generator, divisor, estimators.unit_name(base),
                        check_flag(progress, "progress"))
    return PrequentialCode(rows, classes)


def information_transfer(model: ModelSource, x, y, *, heldout=None, classes: Optional[int] = None,
                         blocks="doubling", train: Optional[Callable] = None, shuffle: bool = True, seed: int = 0,
                         base: float = 2, device=None, progress: bool = True) -> InformationTransfer:
    """Information transfer L_IT (Zhang et al. 2020): the prequential code length of the labels minus their code
    length under the final model, trained the same way on all N samples -- the area between the online learning
    curve and the final loss, in bits by default. The exact definition implemented, and where it may differ from
    the paper's, is in :mod:`infoscope.torch.prequential`.

    The arguments are those of :func:`prequential_codelength`, and ``heldout=(x_test, y_test)`` to take the
    final term as N times the final model's mean code length on held-out samples instead of on the N
    transmitted ones. Returns an :class:`InformationTransfer`: the prequential rows with each block's final
    code length, ``total``, ``final`` and ``value`` (L_IT).

    For labels independent of the inputs L_IT is small but not 0: the online code pays a little above the
    uniform code for learning nothing, and an early-stopped final model still fits its own training labels a
    little. In the tests (1024 samples, 4 classes, an MLP) it is 1-9% of the uniform code, against 14-17% for
    labels that are a function of the inputs; the ``heldout`` variant removes the second effect.
    """
    divisor = estimators.check_output(base)
    x, y, classes, ends, generator, train = _prepare(x, y, classes, blocks, shuffle, seed, train)
    if heldout is not None:
        if not (isinstance(heldout, tuple) and len(heldout) == 2):
            raise TypeError("heldout must be an (inputs, labels) tuple")
        x_test = as_tensor(heldout[0], "heldout inputs")
        if x_test.shape[1:] != x.shape[1:]:
            raise ValueError(f"heldout inputs must be shaped like x's rows, {tuple(x.shape[1:])}; got "
                             f"{tuple(x_test.shape[1:])}")
        y_test = class_targets(heldout[1], x_test.shape[0], "heldout labels")
        if int(y_test.max()) >= classes:
            raise ValueError(f"heldout labels hold {int(y_test.max())}, outside 0..{classes - 1}")
    make = _model_factory(model, seed, device)
    rows = _prequential(make, x, y, classes, ends, train, generator, divisor, estimators.unit_name(base),
                        check_flag(progress, "progress"))
    final_model = make(len(ends))
    xs = _inputs_for(final_model, x, classes)
    train(final_model, xs, y.to(xs.device), generator)
    if heldout is None:
        final = _codes(final_model, xs, y.to(xs.device), classes).cpu()
    else:
        xt = _inputs_for(final_model, x_test, classes, "heldout inputs")
        mean = float(_codes(final_model, xt, y_test.to(xt.device), classes).mean())
        final = torch.full((x.shape[0],), mean, dtype=torch.float64)
    rows = [replace(r, final=float(final[r.start:r.end].sum()) / divisor) for r in rows]
    return InformationTransfer(rows, classes, heldout is not None)


@dataclass(frozen=True)
class TransferRow:
    """One held dataset (task) under the model of one epoch."""
    epoch: int
    phase: str             # the monitor's ``phase`` when the row was taken: what the model was being trained on
    task: str
    samples: int
    codelength: float      # code length of the task's labels under the current model: sum of -log p(y_i | x_i)
    prequential: float     # the task's prequential code length (computed once)
    transfer: float        # prequential - codelength: L_IT of the task under the current model
    accuracy: float        # fraction of the task's labels that are the model's most probable class
    unit: str


class InformationTransferMonitor(EpochMonitor):
    """Information transfer L_IT (Zhang, Li, Dou & Wu 2020, "Measuring information transfer in neural networks")
    of one or several held datasets -- tasks -- into a model as it trains, epoch after epoch: the training-loop
    protocol of :func:`infoscope.torch.fit` and :func:`infoscope.torch.lightning_callback`.

    For each task D = (x, y) the monitor takes the prequential code length of its labels, L_preq(D), once, and
    at every update the code length of the same labels under the model as it is then,
    L(D | theta_t) = sum_i -log p(y_i | x_i; theta_t); the row's ``transfer`` is

        L_IT(D; theta_t) = L_preq(D) - L(D | theta_t),

    :func:`information_transfer` with its final model replaced by the current one. It rises while the model
    learns what D's labels hold, and falls -- below 0 once the model codes D's labels worse than a learner
    starting from nothing would online -- when training on another task overwrites it: Zhang et al. use L_IT to
    analyse catastrophic forgetting. (Their paper's exact forgetting protocol was not checked against its full
    text here; this is the quantity their definition gives for a model at any point of training.) Taking a task's
    held-out samples, which the model never trains on, measures what generalises rather than what is memorised.

    Parameters
    ----------
    model : torch.nn.Module
        The model being trained; one logit per class. Evaluated in evaluation mode (its mode is restored) and
        never modified.
    tasks : dict
        Task name -> (inputs, labels 0..K-1).
    prequential : dict or callable
        Task name -> its prequential code (a :class:`PrequentialCode` of the same labels, or the code length as
        a number in the monitor's unit); or a function returning a freshly initialised model, with which each
        task's code is computed by :func:`prequential_codelength` (``options`` are passed on to it: ``blocks``,
        ``train``, ``shuffle``, ``seed``, ``device``). Use a model of the same output width as ``model``: both
        codes then use the same K labels.
    classes : int or None
        K; default the width of ``model``'s output.
    base : float
        2 (bits, default) or e (nats).
    batch_size : int
        Inputs per forward pass.

    Each update appends one :class:`TransferRow` per task. Set ``phase`` (a string, recorded in the rows) when
    the training data change, e.g. ``monitor.phase = "task B"``; a second :func:`~infoscope.torch.fit` with the
    same monitor continues the epoch count (its start does not add an epoch 0), so a model trained on task A
    and then on task B gives one curve per task. :meth:`plot` draws L_IT and accuracy against the epoch.
    """

    row_type = TransferRow

    def __init__(self, model: nn.Module, tasks: dict, prequential, *, classes: Optional[int] = None,
                 base: float = 2, batch_size: int = 4096, **options):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if not isinstance(tasks, dict) or not tasks:
            raise TypeError("tasks must be a non-empty dict: task name -> (inputs, labels)")
        self.model, self.phase = model, ""
        self.divisor, self.unit = estimators.check_output(base), estimators.unit_name(base)
        self.batch_size = check_count(batch_size, "batch_size", 1)
        self.tasks = {}
        for name, data in tasks.items():
            if not isinstance(name, str):
                raise TypeError(f"tasks must be keyed by task names (strings), got {name!r}")
            if not (isinstance(data, tuple) and len(data) == 2):
                raise TypeError(f"tasks[{name!r}] must be an (inputs, labels) tuple")
            x = as_tensor(data[0], f"tasks[{name!r}] inputs")
            self.tasks[name] = (x, class_targets(data[1], x.shape[0], f"tasks[{name!r}] labels"))
        first = next(iter(self.tasks.values()))[0]
        width = _logits(model, model_inputs(model, first[:1])).shape
        if len(width) != 2:
            raise ValueError(f"the model must output one logit per class, (batch, classes); got shape {tuple(width)}")
        self.classes = width[1] if classes is None else check_count(classes, "classes", 2)
        for name, (_, y) in self.tasks.items():
            if int(y.max()) >= self.classes:
                raise ValueError(f"tasks[{name!r}] labels hold {int(y.max())}, outside 0..{self.classes - 1} "
                                 f"(classes={self.classes})")
        self.prequential = self._prequential_codes(prequential, base, options)
        self.rows: list[TransferRow] = []
        self._offset = 0

    def _prequential_codes(self, prequential, base, options) -> dict[str, float]:
        if isinstance(prequential, dict):
            if options:
                raise TypeError(f"options ({', '.join(options)}) are for computing the prequential codes; "
                                f"prequential was given as codes")
            if set(prequential) != set(self.tasks):
                raise ValueError(f"prequential must hold a code for every task, {sorted(self.tasks)}; got "
                                 f"{sorted(prequential)}")
            codes = {}
            for name, code in prequential.items():
                if isinstance(code, PrequentialCode):
                    if code.samples != self.tasks[name][0].shape[0] or code.classes != self.classes \
                            or code.unit != self.unit:
                        raise ValueError(f"prequential[{name!r}] codes {code.samples} labels of {code.classes} "
                                         f"classes in {code.unit}; the task has {self.tasks[name][0].shape[0]} "
                                         f"labels of {self.classes} classes, in {self.unit}")
                    codes[name] = code.total
                else:
                    codes[name] = check_real(code, f"prequential[{name!r}]", minimum=0)
            return codes
        if not callable(prequential) or isinstance(prequential, nn.Module):
            raise TypeError("prequential must be a dict of codes per task or a function returning a fresh model")
        return {name: prequential_codelength(prequential, x, y, classes=self.classes, base=base, progress=False,
                                             **options).total
                for name, (x, y) in self.tasks.items()}

    def update(self, epoch: Optional[int] = None) -> list[TransferRow]:
        """Codes every task's labels with the model as it is now and appends their rows under ``epoch``
        (default: one past the last, 0 first); returns them."""
        epoch = self.next_epoch(epoch)
        rows = []
        for name, (x, y) in self.tasks.items():
            xs = model_inputs(self.model, x)
            logits = _logits(self.model, xs, self.classes, self.batch_size).double()
            ys = y.to(logits.device)
            code = float(F.cross_entropy(logits, ys, reduction="sum")) / self.divisor
            accuracy = float((logits.argmax(1) == ys).double().mean())
            rows.append(TransferRow(epoch, self.phase, name, x.shape[0], code, self.prequential[name],
                                    self.prequential[name] - code, accuracy, self.unit))
        self.rows.extend(rows)
        return rows

    def start(self) -> None:
        """Before training: the untrained model as epoch 0; when rows exist already (a later phase of training),
        the epochs of this run are counted on from the last one."""
        if self.rows:
            self._offset = self.rows[-1].epoch
        else:
            self._offset = 0
            self.update(0)

    def epoch_end(self, epoch: int) -> None:
        self.update(self._offset + check_count(epoch, "epoch", 0))

    def plot(self, title: Optional[str] = None):
        """L_IT (left) and accuracy (right) of every task against the epoch, the epochs where ``phase`` changes
        marked, as a matplotlib Figure."""
        if not self.rows:
            raise ValueError("no rows yet: call update() or train with the monitor before plotting")
        try:
            from matplotlib.figure import Figure
        except ImportError as err:
            raise ImportError("plotting needs matplotlib: pip install 'infoscope[plot]'") from err
        fig = Figure(figsize=(10.0, 4.0), layout="constrained")
        transfer_ax, accuracy_ax = fig.subplots(1, 2)
        for name in self.tasks:
            points = sorted((r.epoch, r.transfer, r.accuracy) for r in self.rows if r.task == name)
            epochs = [p[0] for p in points]
            line, = transfer_ax.plot(epochs, [p[1] for p in points], marker="o", markersize=3, label=name)
            accuracy_ax.plot(epochs, [p[2] for p in points], marker="o", markersize=3, color=line.get_color(),
                             label=name)
        ordered = sorted(self.rows, key=lambda r: r.epoch)
        changes = [(b.epoch, b.phase) for a, b in zip(ordered, ordered[1:]) if a.phase != b.phase]
        if ordered[0].phase:        # the first phase, from the first epoch after the first row
            changes.insert(0, (ordered[0].epoch + 1, ordered[0].phase))
        for ax in (transfer_ax, accuracy_ax):
            for epoch, phase in changes:
                ax.axvline(epoch - 0.5, color="0.5", linestyle=":", linewidth=1)
                if ax is transfer_ax:
                    ax.annotate(phase, (epoch - 0.5, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                                textcoords="offset points", fontsize="small", color="0.3")
            ax.set_xlabel("epoch")
            ax.legend(fontsize="small", title="task", title_fontsize="small")
        transfer_ax.axhline(0, color="0.4", linewidth=0.8)
        # A forgotten task's code can exceed its prequential code many times over: linear up to the largest
        # prequential code, logarithmic beyond, so that the rise and the fall both show.
        transfer_ax.set_yscale("symlog", linthresh=max(1.0, max(abs(v) for v in self.prequential.values())))
        transfer_ax.set_ylabel(f"L_IT = prequential code - code under the model [{self.unit}]")
        accuracy_ax.set_ylabel("accuracy")
        accuracy_ax.set_ylim(-0.02, 1.02)
        if title:
            fig.suptitle(title)
        return fig
