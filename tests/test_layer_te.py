"""LayerTransferEntropy: the batched core equals issue 4's binned transfer_entropy on every pair and window,
a planted neuron-to-neuron transfer is found, and recording follows the training mode."""

import math

import numpy as np
import pytest
import torch
from torch import nn

import infoscope as isc
from infoscope._native import core
from infoscope.torch import LayerTransferEntropy, fit


@pytest.mark.parametrize("lag,k_hist,l_hist,correction,levels", [(1, 1, 1, "plugin", 2), (2, 2, 1, "miller_madow", 3),
                                                                   (1, 1, 3, "grassberger", 2)])
def test_windowed_core_equals_single_pair_estimator(lag, k_hist, l_hist, correction, levels):
    rng = np.random.default_rng(0)
    sources = rng.integers(0, levels, (400, 4))
    targets = rng.integers(0, levels, (400, 3))
    targets[lag:, 1] = sources[:-lag, 2]          # one planted transfer, with ties everywhere
    pairs = np.array([[2, 1], [0, 0], [3, 2], [2, 1]], dtype=np.uint32)
    window, step = 150, 60
    target_offsets, source_offsets = list(range(1, k_hist + 1)), [lag + j for j in range(l_hist)]
    te = core.windowed_transfer_entropy(sources, targets, levels, pairs, window, step, target_offsets, source_offsets,
                                        correction, -1)
    starts = range(0, 400 - window + 1, step)
    assert te.shape == (4, len(starts))
    for p, (s, t) in enumerate(pairs):
        for w, start in enumerate(starts):
            ref = isc.transfer_entropy(sources[start:start + window, s], targets[start:start + window, t],
                                       method="binned", lag=lag, k_hist=k_hist, l_hist=l_hist, correction=correction)
            assert te[p, w] == pytest.approx(ref, abs=1e-12)
    assert te[0].min() > 0.5 and np.abs(te[1]).max() < 0.2


def test_core_rejects_bad_input():
    codes = np.zeros((50, 2), dtype=np.int64)
    pairs = np.zeros((1, 2), dtype=np.uint32)
    with pytest.raises(ValueError, match="codes must lie"):
        core.windowed_transfer_entropy(codes + 2, codes, 2, pairs, 20, 10, [1], [1], "plugin", 1)
    with pytest.raises(ValueError, match="index out of range"):
        core.windowed_transfer_entropy(codes, codes, 2, pairs + 5, 20, 10, [1], [1], "plugin", 1)
    with pytest.raises(ValueError, match="window"):
        core.windowed_transfer_entropy(codes, codes, 2, pairs, 60, 10, [1], [1], "plugin", 1)


class Columns(nn.Module):
    """A 'layer' that outputs some input columns: lets a test plant transfer between two layers."""

    def __init__(self, columns):
        super().__init__()
        self.columns = columns

    def forward(self, x):
        return x[:, self.columns]


class TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.first, self.second = Columns([0, 1]), Columns([2, 3])
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(torch.cat([self.first(x), self.second(x)], dim=1))


def planted_series(n=2000, seed=0):
    """Columns 0, 1, 3 random bits; column 2 copies column 0 of the previous sample: TE(first[0] -> second[0])
    = H(bit) = 1 bit, every other pair 0."""
    x = np.random.default_rng(seed).integers(0, 2, (n, 4)).astype(np.float32)
    x[1:, 2] = x[:-1, 0]
    return torch.from_numpy(x)


def test_planted_transfer_is_found_and_matches_the_single_pair_estimator():
    model, x = TwoLayers(), planted_series()
    lte = LayerTransferEntropy(model, pairs=[("first", "second")], n_pairs="all", threshold=0.5, window=500,
                               step=250)
    with lte:
        for batch in x.split(64):               # training passes, samples in order
            model(batch)
        model.eval()
        model(x)                                # an evaluation pass is not recorded
    row = lte.update(1)[0]
    assert (row.pairs, row.windows, row.samples, row.unit) == (4, 7, 2000, "bits")
    te = lte.pair_te[(1, "first", "second")]
    pairs = lte.neuron_pairs[("first", "second")].tolist()
    planted = pairs.index([0, 0])
    assert te[planted].mean() == pytest.approx(1.0, abs=0.02)
    others = np.delete(te, planted, axis=0)
    assert np.abs(others).max() < 0.03
    assert row.te_max == pytest.approx(te[planted].mean())
    assert row.te_mean == pytest.approx(te.mean(axis=1).mean())
    bits = (x.numpy() > 0.5)
    for p, (s, t) in enumerate(pairs):
        ref = isc.transfer_entropy(bits[250:750, s], bits[250:750, 2 + t], method="binned", base=2)
        assert te[p, 1] == pytest.approx(ref, abs=1e-12)


def test_bins_subsets_and_epochs():
    model, x = TwoLayers(), planted_series(1200, seed=1)
    lte = LayerTransferEntropy(model, pairs=[("first", "second")], n_pairs=2, bins=2, window=300, seed=5,
                               base=math.e)
    for epoch in (1, 2):
        with lte:
            model(x)
        lte.update()
    assert [r.epoch for r in lte.rows] == [1, 2]                 # numbered from 1 by default
    assert lte.rows[0].pairs == 2 and lte.rows[0].unit == "nats"
    chosen = lte.neuron_pairs[("first", "second")].copy()
    again = LayerTransferEntropy(model, pairs=[("first", "second")], n_pairs=2, bins=2, window=300, seed=5)
    with again:
        model(x)
    again.update()
    np.testing.assert_array_equal(again.neuron_pairs[("first", "second")], chosen)   # seeded, kept across epochs
    # Two equal-width bins of 0/1 data are the same symbols as the threshold 0.5.
    thresholded = LayerTransferEntropy(model, pairs=[("first", "second")], n_pairs="all", threshold=0.5, window=300,
                                       base=math.e)
    with thresholded:
        model(x)
    thresholded.update()
    full = thresholded.pair_te[(1, "first", "second")]
    index = [thresholded.neuron_pairs[("first", "second")].tolist().index(p) for p in chosen.tolist()]
    np.testing.assert_allclose(lte.pair_te[(1, "first", "second")], full[index], atol=1e-12)


def test_errors():
    model, x = TwoLayers(), planted_series(300)
    with pytest.raises(ValueError, match="at least two"):
        LayerTransferEntropy(model, layers="first")
    with pytest.raises(ValueError, match="not both"):
        LayerTransferEntropy(model, layers=["first", "second"], pairs=[("first", "second")])
    with pytest.raises(ValueError, match="pairs entries"):
        LayerTransferEntropy(model, pairs=["first"])
    with pytest.raises(ValueError, match="matches no module"):
        LayerTransferEntropy(model, pairs=[("first", "third")])
    with pytest.raises(ValueError, match="too short"):
        LayerTransferEntropy(model, layers=["first", "second"], window=3, lag=2)
    with pytest.raises(ValueError, match="n_pairs"):
        LayerTransferEntropy(model, layers=["first", "second"], n_pairs=0)
    with pytest.raises(ValueError, match="threshold"):
        LayerTransferEntropy(model, layers=["first", "second"], threshold=float("nan"))
    lte = LayerTransferEntropy(model, layers=["first", "second"], window=500)
    with pytest.raises(RuntimeError, match="no training activations"):
        lte.update()
    with lte:
        model(x)
    with pytest.raises(ValueError, match="window=500 exceeds the 300"):
        lte.update()


def test_fit_runs_monitors_and_stops_them_on_errors():
    torch.manual_seed(0)
    x = torch.randn(256, 4)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2), nn.Tanh())
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32)
    lte = LayerTransferEntropy(model, layers=nn.Tanh, window=128)
    losses = fit(model, loader, torch.optim.Adam(model.parameters(), 1e-2), nn.functional.cross_entropy, 3,
                 monitors=[lte], progress=False)
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert [r.epoch for r in lte.rows] == [1, 2, 3] and lte.rows[0].samples == 256
    assert not lte.recorder.attached

    class Failing:
        def __init__(self):
            self.calls = []

        def start(self):
            self.calls.append("start")

        def epoch_end(self, epoch):
            raise RuntimeError("monitor failed")

        def stop(self):
            self.calls.append("stop")

    failing = Failing()
    with pytest.raises(RuntimeError, match="monitor failed"):
        fit(model, loader, torch.optim.SGD(model.parameters(), 0.1), nn.functional.cross_entropy, 2,
            monitors=[lte, failing], progress=False)
    assert failing.calls == ["start", "stop"] and not lte.recorder.attached
    with pytest.raises(TypeError, match="monitors"):
        fit(model, loader, torch.optim.SGD(model.parameters(), 0.1), nn.functional.cross_entropy, 1, monitors=[3])
    with pytest.raises(ValueError, match="epochs"):
        fit(model, loader, torch.optim.SGD(model.parameters(), 0.1), nn.functional.cross_entropy, 0)


def test_transfer_plane_figure(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh())
    lte = LayerTransferEntropy(model, layers=nn.Tanh, window=64)
    for _ in range(2):
        with lte:
            model(torch.randn(128, 3))
        lte.update()
    fig = lte.plot()
    assert fig.axes[0].get_xlabel() == "mean TE into the layer [bits]"
    fig.savefig(tmp_path / "te.png")
    lte.to_csv(tmp_path / "te.csv")
    assert len((tmp_path / "te.csv").read_text().splitlines()) == 1 + 2 * 2
