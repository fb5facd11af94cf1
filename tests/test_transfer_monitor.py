"""InformationTransferMonitor: the code length of held tasks' labels under the model as it trains, and their L_IT
(Zhang et al. 2020) -- exact codes for a fixed model, learning and forgetting for a trained one."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from infoscope.torch import InformationTransferMonitor, Training, fit, prequential_codelength  # noqa: E402


class FixedLogits(nn.Module):
    """Predicts p whatever the input: its code of a label y is -log p(y)."""

    def __init__(self, p):
        super().__init__()
        self.logits = nn.Parameter(torch.log(torch.as_tensor(p, dtype=torch.float64)))

    def forward(self, x):
        return self.logits.expand(x.shape[0], -1)


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
    blocks, no_training = [8, 24], (lambda model, x, y, generator: None)
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


def test_bad_arguments():
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
