"""Prequential code lengths and information transfer: exact block codes, the uniform-code limit for labels that
carry no information, short codes for labels that do; and InformationTransferMonitor, the code length of held
tasks' labels under the model as it trains and their L_IT (Zhang et al. 2020) -- exact codes for a fixed model,
learning and forgetting for a trained one."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from infoscope.torch import (InformationTransferMonitor, Training, fit, information_transfer,  # noqa: E402
                             prequential_codelength)
from infoscope.torch.prequential import doubling_blocks  # noqa: E402


def mlp(d=8, classes=4):
    return lambda: nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, classes))


def task(n=1024, d=8, classes=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    informative = (x @ torch.randn(d, classes, generator=g)).argmax(1)      # a function of x
    independent = torch.randint(0, classes, (n,), generator=g)               # independent of x
    return x, informative, independent


class FixedLogits(nn.Module):
    """A model whose prediction does not depend on its input: its code is -log p(y) per label."""

    def __init__(self, p):
        super().__init__()
        self.logits = nn.Parameter(torch.log(torch.as_tensor(p, dtype=torch.float64)))

    def forward(self, x):
        return self.logits.expand(x.shape[0], -1)


def no_training(model, x, y, generator):
    pass


def test_block_codes_equal_their_definition():
    p = [0.5, 0.25, 0.125, 0.125]
    g = torch.Generator().manual_seed(0)
    x = torch.randn(100, 2, dtype=torch.float64)
    y = torch.multinomial(torch.tensor(p), 100, replacement=True, generator=g)
    code = prequential_codelength(FixedLogits(p), x, y, blocks=[10, 30], train=no_training, shuffle=False,
                                  progress=False)
    assert [(r.block, r.start, r.end) for r in code.rows] == [(1, 0, 10), (2, 10, 30), (3, 30, 100)]
    bits = [-math.log2(p[int(label)]) for label in y]
    assert code.rows[0].codelength == pytest.approx(10 * 2.0, rel=1e-12)          # uniform: log2 4 bits
    assert code.rows[1].codelength == pytest.approx(sum(bits[10:30]), rel=1e-12)
    assert code.rows[2].codelength == pytest.approx(sum(bits[30:]), rel=1e-12)
    assert code.uniform == pytest.approx(200.0) and code.samples == 100 and code.unit == "bits"
    nats = prequential_codelength(FixedLogits(p), x, y, blocks=[10, 30, 100], train=no_training, shuffle=False,
                                  base=math.e, progress=False)
    assert nats.total == pytest.approx(code.total * math.log(2), rel=1e-12) and nats.unit == "nats"


def test_information_transfer_of_a_fixed_model():
    # A model that learns nothing codes every block, and the final code, with -log2 p(y): L_IT is then what the
    # first block's uniform code costs above it.
    p = [0.7, 0.1, 0.1, 0.1]
    g = torch.Generator().manual_seed(2)
    x = torch.randn(64, 3, dtype=torch.float64)
    y = torch.multinomial(torch.tensor(p), 64, replacement=True, generator=g)
    bits = torch.tensor([-math.log2(p[int(label)]) for label in y], dtype=torch.float64)
    result = information_transfer(FixedLogits(p), x, y, blocks=[8, 24], train=no_training, shuffle=False,
                                  progress=False)
    assert [r.final for r in result.rows] == pytest.approx([float(bits[:8].sum()), float(bits[8:24].sum()),
                                                            float(bits[24:].sum())], rel=1e-12)
    assert result.value == pytest.approx(8 * 2.0 - float(bits[:8].sum()), rel=1e-12)
    heldout = information_transfer(FixedLogits(p), x, y, blocks=[8, 24], train=no_training, shuffle=False,
                                   heldout=(x[:10], y[:10]), progress=False)
    assert heldout.final == pytest.approx(64 * float(bits[:10].mean()), rel=1e-12)


def test_doubling_blocks():
    assert doubling_blocks(100, 10) == [10, 20, 40, 80, 100]
    assert doubling_blocks(80, 10) == [10, 20, 40, 80]
    x, y, _ = task(n=1000)
    code = prequential_codelength(FixedLogits([0.25] * 4), x, y, train=no_training, progress=False)
    assert [r.end for r in code.rows] == [4, 8, 16, 32, 64, 128, 256, 512, 1000]   # f = max(K, N/1000)


def test_independent_labels_cost_about_the_uniform_code():
    x, _, independent = task()
    code = prequential_codelength(mlp(), x, independent, progress=False)
    # No model compresses labels independent of the inputs: the empirical label entropy of 1024 labels is at most
    # a few bits below N log2 K, and the learned models, early-stopped, pay at most a few percent above it.
    assert 0.98 * code.uniform < code.total < 1.05 * code.uniform


def test_informative_labels_cost_much_less():
    x, informative, _ = task()
    code = prequential_codelength(mlp(), x, informative, progress=False)
    assert code.total < 0.3 * code.uniform
    per_label = [r.codelength / (r.end - r.start) for r in code.rows]
    assert per_label[-1] < 0.5 * per_label[0]      # the online learning curve falls


def test_information_transfer():
    x, informative, independent = task()
    transfer = information_transfer(mlp(), x, informative, progress=False)
    alone = prequential_codelength(mlp(), x, informative, progress=False)
    assert transfer.total == pytest.approx(alone.total, rel=1e-12)   # the final model does not change the code
    assert 0 < transfer.final < transfer.total
    noise = information_transfer(mlp(), x, independent, progress=False)
    # Labels independent of x: the online code pays a little for learning nothing and the early-stopped final
    # model fits its training labels a little, so L_IT is small but not 0 (1-9% of the uniform code over six
    # seeds, against 14-17% for these informative labels).
    assert abs(noise.value) < 0.1 * noise.uniform and transfer.value > 3 * abs(noise.value)
    x_test, y_test, _ = task(n=300, seed=1)
    heldout = information_transfer(mlp(), x, informative, heldout=(x_test, y_test), progress=False)
    assert heldout.heldout and heldout.rows[0].final == pytest.approx(heldout.final * 4 / 1024, rel=1e-9)


def test_given_initialisation_is_copied_and_runs_repeat():
    x, informative, _ = task(n=256)
    torch.manual_seed(5)
    start = mlp()()
    before = [p.clone() for p in start.parameters()]
    first = prequential_codelength(start, x, informative, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, start.parameters()))
    assert first.table() == prequential_codelength(start, x, informative, progress=False).table()
    assert first.table() != prequential_codelength(start, x, informative, seed=1, progress=False).table()


def test_batch_norm_models_train_on_any_block():
    # 37 samples less 4 held out leave 33 = 32 + 1 to train on: a minibatch of one would stop a batch-norm
    # layer in training mode, so it joins the one before.
    x, informative, _ = task(n=200)
    model = lambda: nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 4))  # noqa: E731
    code = prequential_codelength(model, x, informative, blocks=[37, 70], progress=False)
    assert len(code.rows) == 3 and all(math.isfinite(r.codelength) for r in code.rows)


def test_custom_training_and_options():
    x, informative, _ = task(n=256)
    calls = []

    def train(model, xs, ys, generator):
        calls.append(len(xs))
        Training(epochs=3, validation_fraction=0)(model, xs, ys, generator)
    prequential_codelength(mlp(), x, informative, blocks=[64, 128], train=train, progress=False)
    assert calls == [64, 128]


def test_prequential_errors():
    x, y, _ = task(n=64)
    with pytest.raises(ValueError, match="only the class 0"):
        prequential_codelength(mlp(), x, torch.zeros(64, dtype=torch.long), progress=False)
    with pytest.raises(ValueError, match="classes"):
        prequential_codelength(mlp(), x, y, classes=1, progress=False)
    with pytest.raises(TypeError, match="integers"):
        prequential_codelength(mlp(), (x * 10).long(), y, progress=False)
    with pytest.raises(ValueError, match="heldout inputs"):
        information_transfer(mlp(), x, y, heldout=(x[:, :3], y), progress=False)
    with pytest.raises(ValueError, match="non-negative integers"):
        prequential_codelength(mlp(), x, y - 5, progress=False)
    with pytest.raises(ValueError, match="non-negative integers"):
        prequential_codelength(mlp(), x, y + 0.5, progress=False)
    with pytest.raises(ValueError, match="same number of samples"):
        prequential_codelength(mlp(), x, y[:10], progress=False)
    with pytest.raises(ValueError, match="finite"):
        prequential_codelength(mlp(), x * float("nan"), y, progress=False)
    with pytest.raises(ValueError, match="blocks"):
        prequential_codelength(mlp(), x, y, blocks=[10, 5], progress=False)
    with pytest.raises(ValueError, match="blocks"):
        prequential_codelength(mlp(), x, y, blocks=[0, 10], progress=False)
    with pytest.raises(ValueError, match="blocks"):
        prequential_codelength(mlp(), x, y, blocks="halving", progress=False)
    with pytest.raises(ValueError, match="outside"):
        prequential_codelength(mlp(), x, y, classes=2, progress=False)
    with pytest.raises(ValueError, match="one logit per class"):
        prequential_codelength(mlp(classes=3), x, y, classes=4, progress=False)
    with pytest.raises(TypeError, match="train"):
        prequential_codelength(mlp(), x, y, train="adam", progress=False)
    with pytest.raises(TypeError, match="model"):
        prequential_codelength("mlp", x, y, progress=False)
    with pytest.raises(TypeError, match="nn.Module"):
        prequential_codelength(lambda: "mlp", x, y, progress=False)
    with pytest.raises(ValueError, match="at least 2 samples"):
        prequential_codelength(mlp(), x[:1], y[:1], classes=4, progress=False)
    with pytest.raises(TypeError, match="heldout"):
        information_transfer(mlp(), x, y, heldout=x, progress=False)
    code = prequential_codelength(mlp(), x, y, blocks=np.array([16, 32]), progress=False)   # numpy block ends
    assert [r.end for r in code.rows] == [16, 32, 64]
    with pytest.raises(ValueError, match="validation_fraction"):
        Training(validation_fraction=1.0)
    with pytest.raises(ValueError, match="epochs"):
        Training(epochs=0)


# ------------------------------------------------------------------------- InformationTransferMonitor

def labels(p, n, seed):
    return torch.multinomial(torch.tensor(p), n, replacement=True, generator=torch.Generator().manual_seed(seed))


def test_code_length_is_the_sum_of_minus_log2_p():
    p = [0.5, 0.25, 0.125, 0.125]
    y_a, y_b = labels(p, 40, 0), labels(p, 25, 1)
    x_a, x_b = torch.zeros(40, 3, dtype=torch.float64), torch.zeros(25, 3, dtype=torch.float64)
    monitor = InformationTransferMonitor(FixedLogits(p), {"A": (x_a, y_a), "B": (x_b, y_b)},
                                         {"A": 70.0, "B": 50.0})
    rows = monitor.update()
    for row, y, preq in zip(rows, (y_a, y_b), (70.0, 50.0)):
        bits = sum(-math.log2(p[int(label)]) for label in y)          # independent: the definition, by hand
        assert row.codelength == pytest.approx(bits, rel=1e-12)
        assert row.transfer == pytest.approx(preq - bits, rel=1e-12) and row.prequential == preq
        assert row.accuracy == pytest.approx(float((y == 0).double().mean()))   # class 0 is the most probable
        assert row.epoch == 0 and row.unit == "bits" and row.samples == len(y)
    nats = InformationTransferMonitor(FixedLogits(p), {"A": (x_a, y_a)}, {"A": 1.0}, base=math.e).update()[0]
    assert nats.codelength == pytest.approx(rows[0].codelength * math.log(2), rel=1e-12) and nats.unit == "nats"


def test_prequential_code_computed_once_from_a_factory():
    p = [0.7, 0.1, 0.1, 0.1]
    x, y = torch.randn(64, 3, dtype=torch.float64), labels(p, 64, 2)
    blocks = [8, 24]
    monitor = InformationTransferMonitor(FixedLogits(p), {"task": (x, y)}, lambda: FixedLogits(p), blocks=blocks,
                                         train=no_training, shuffle=False)
    expected = prequential_codelength(FixedLogits(p), x, y, blocks=blocks, train=no_training, shuffle=False,
                                      progress=False)
    assert monitor.prequential["task"] == pytest.approx(expected.total, rel=1e-12)
    bits = sum(-math.log2(p[int(label)]) for label in y)
    # The fixed model codes every block but the first as it codes all: L_IT is what the uniform first block
    # costs above it.
    first = sum(-math.log2(p[int(label)]) for label in y[:8])
    assert monitor.update().pop().transfer == pytest.approx(8 * 2.0 - first, rel=1e-9)
    assert expected.total - bits == pytest.approx(8 * 2.0 - first, rel=1e-9)


def split_task(seed=0, n=600):
    """Two tasks on the same inputs: classes 0/1 and classes 2/3, each a function of a different direction."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=g)
    a = (x[:, 0] > 0).long()
    b = 2 + (x[:, 1] > 0).long()
    return x, a, b


def test_learning_then_forgetting_through_fit():
    torch.manual_seed(0)
    x, a, b = split_task()
    model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 4))
    tasks = {"A": (x[400:], a[400:]), "B": (x[400:], b[400:])}
    fresh = lambda: nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 4))  # noqa: E731
    monitor = InformationTransferMonitor(model, tasks, fresh, blocks=[25, 50, 100], train=Training(epochs=10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for phase, labels_ in (("A", a), ("B", b)):
        monitor.phase = f"training on {phase}"
        loader = [(x[i:i + 50], labels_[i:i + 50]) for i in range(0, 400, 50)]
        fit(model, loader, optimizer, nn.functional.cross_entropy, 15, monitors=[monitor], progress=False)
    table = monitor.to_pandas()
    assert sorted(set(table.epoch)) == list(range(31))                 # the second fit continues the count
    assert list(table[table.epoch == 16].phase) == ["training on B"] * 2
    a_rows = table[table.task == "A"].set_index("epoch")
    b_rows = table[table.task == "B"].set_index("epoch")
    assert a_rows.transfer[15] > a_rows.transfer[0] + 50 and a_rows.accuracy[15] > 0.9
    # Class-incremental training on B alone: A's labels are no longer predicted, its code grows past the
    # prequential code and L_IT falls, below 0.
    assert a_rows.accuracy[30] < 0.2 and a_rows.transfer[30] < 0 < a_rows.transfer[15]
    assert b_rows.accuracy[30] > 0.9 and b_rows.transfer[30] > b_rows.transfer[15] + 50
    fig = monitor.plot(title="forgetting")
    assert len(fig.axes) == 2


def test_transfer_monitor_bad_arguments():
    p = [0.5, 0.5]
    x, y = torch.zeros(10, 2, dtype=torch.float64), labels(p, 10, 0)
    model = FixedLogits(p)
    with pytest.raises(TypeError, match="model"):
        InformationTransferMonitor("net", {"A": (x, y)}, {"A": 1.0})
    with pytest.raises(TypeError, match="tasks"):
        InformationTransferMonitor(model, [(x, y)], {"A": 1.0})
    with pytest.raises(TypeError, match="tasks\\['A'\\]"):
        InformationTransferMonitor(model, {"A": x}, {"A": 1.0})
    with pytest.raises(ValueError, match="same number of samples"):
        InformationTransferMonitor(model, {"A": (x, y[:5])}, {"A": 1.0})
    with pytest.raises(ValueError, match="outside 0..1"):
        InformationTransferMonitor(model, {"A": (x, y + 1)}, {"A": 1.0})
    with pytest.raises(ValueError, match="every task"):
        InformationTransferMonitor(model, {"A": (x, y)}, {"B": 1.0})
    with pytest.raises(ValueError, match="prequential\\['A'\\]"):
        InformationTransferMonitor(model, {"A": (x, y)}, {"A": float("nan")})
    with pytest.raises(TypeError, match="options"):
        InformationTransferMonitor(model, {"A": (x, y)}, {"A": 1.0}, blocks=[4])
    with pytest.raises(TypeError, match="prequential"):
        InformationTransferMonitor(model, {"A": (x, y)}, 3.0)
    other = prequential_codelength(lambda: FixedLogits(p), x[:8], y[:8], blocks=[4], progress=False)
    with pytest.raises(ValueError, match="8 labels"):
        InformationTransferMonitor(model, {"A": (x, y)}, {"A": other})
    with pytest.raises(ValueError, match="no rows"):
        InformationTransferMonitor(model, {"A": (x, y)}, {"A": 1.0}).plot()
