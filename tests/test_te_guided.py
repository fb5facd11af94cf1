"""TEGuidedOptimizer: the gradient of exactly the measured weights is scaled by (1 - TE in bits), checked by hand on
a tiny model; everything else steps as the wrapped optimizer; arguments are validated; runs repeat with seeds."""

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from infoscope.torch import LayerTransferEntropy, TEGuidedOptimizer, fit

torch.set_num_threads(1)


def tiny(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))


def data(n=120, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 5, generator=g), torch.randint(0, 3, (n,), generator=g)


def measured(model, **kwargs):
    """A monitor on the last linear layer (ReLU -> logits) that has seen one recorded training pass."""
    options = dict(n_pairs=5, window=40, seed=0)
    options.update(kwargs)
    lte = LayerTransferEntropy(model, pairs=[("1", "2")], **options)
    x, _ = data()
    with lte:
        model(x)
    lte.update(1)
    return lte


def gradients(model):
    x, y = data(seed=2)
    model.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def test_measured_weights_scaled_by_one_minus_te_and_nothing_else():
    model = tiny()
    lte = measured(model)
    guided = TEGuidedOptimizer(torch.optim.SGD(model.parameters(), lr=1.0), lte)
    te = [0.5, 0.25, 0.0, 1.0, 0.75]
    guided.set_te(("1", "2"), te)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    grads = gradients(model)
    guided.step()
    expected_scale = torch.ones(3, 4)
    for (source, target), value in zip(lte.neuron_pairs[("1", "2")], te):
        expected_scale[target, source] = 1 - value          # weight[i, j]: source unit j -> target unit i
    assert int((expected_scale != 1).sum()) == 4            # te = 0 on one pair leaves it at 1
    for name, p in model.named_parameters():
        scale = expected_scale if name == "2.weight" else 1.0   # biases and the first layer untouched
        torch.testing.assert_close(p.detach(), before[name] - scale * grads[name], rtol=0, atol=1e-6)


def test_factors_follow_the_monitor_in_bits_whatever_its_base():
    factors = {}
    for base in (2, math.e):
        model = tiny()
        lte = measured(model, base=base)
        guided = TEGuidedOptimizer(torch.optim.SGD(model.parameters(), lr=0.1), lte)
        with lte:
            guided.refresh()
        te = lte.pair_te[(1, "1", "2")].mean(axis=1) * (math.log(base) / math.log(2))
        np.testing.assert_allclose(guided.te_bits[("1", "2")], np.clip(te, 0, 1))
        factors[base] = guided.factors["2"]
    torch.testing.assert_close(factors[2], factors[math.e])
    assert (factors[2] < 1).sum() > 0


def test_te_outside_zero_one_is_clipped_and_plus_sign():
    model = tiny()
    lte = measured(model)
    guided = TEGuidedOptimizer(torch.optim.SGD(model.parameters(), lr=0.1), lte)
    guided.set_te(("1", "2"), [-0.3, 2.5, 0.2, 0.2, 0.2])
    pairs = lte.neuron_pairs[("1", "2")]
    f = guided.factors["2"]
    assert f[pairs[0, 1], pairs[0, 0]] == 1 and f[pairs[1, 1], pairs[1, 0]] == 0
    assert f.min() >= 0 and f.max() <= 1
    plus = TEGuidedOptimizer(torch.optim.SGD(model.parameters(), lr=0.1), lte, sign=+1, max_te=2.0)
    plus.set_te(("1", "2"), [0.5, 3.0, 0.0, 0.0, 0.0])
    assert plus.factors["2"][pairs[0, 1], pairs[0, 0]] == 1.5 and plus.factors["2"][pairs[1, 1], pairs[1, 0]] == 3.0


def test_recorded_unit_subsets_map_to_the_right_weights():
    model = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 4), nn.ReLU())
    lte = LayerTransferEntropy(model, pairs=[("1", "3")], units=3, n_pairs="all", window=40, seed=3)
    x, _ = data()
    with lte:
        model(x)
    lte.update(1)
    guided = TEGuidedOptimizer(torch.optim.SGD(model.parameters(), lr=0.1), lte, weights={("1", "3"): "2"})
    guided.set_te(("1", "3"), np.full(9, 0.5))
    rows = lte.recorder.unit_indices["3"].tolist()
    cols = lte.recorder.unit_indices["1"].tolist()
    expected = torch.ones(4, 6)
    expected[np.ix_(rows, cols)] = 0.5
    torch.testing.assert_close(guided.factors["2"], expected)


def test_plain_optimizer_until_the_first_update_then_not():
    def run(guided_rule, epochs):
        model = tiny()
        x, y = data(200)
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=20, shuffle=True,
                                             generator=torch.Generator().manual_seed(5))
        lte = LayerTransferEntropy(model, pairs=[("1", "2")], n_pairs="all", window=50)
        sgd = torch.optim.SGD(model.parameters(), lr=0.2)
        opt = TEGuidedOptimizer(sgd, lte) if guided_rule else sgd
        fit(model, loader, opt, nn.functional.cross_entropy, epochs, monitors=[lte], progress=False)
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    assert torch.equal(run(True, 1), run(False, 1))        # no TE yet: factors are 1
    guided, plain = run(True, 3), run(False, 3)
    assert not torch.equal(guided, plain)
    assert torch.equal(guided, run(True, 3))                 # seeded: the same run gives the same weights


def test_argument_errors():
    model = tiny()
    lte = measured(model)
    sgd = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="optimizer"):
        TEGuidedOptimizer(object(), lte)
    with pytest.raises(TypeError, match="transfer"):
        TEGuidedOptimizer(sgd, object())
    with pytest.raises(ValueError, match="sign"):
        TEGuidedOptimizer(sgd, lte, sign=0)
    with pytest.raises(ValueError, match="max_te"):
        TEGuidedOptimizer(sgd, lte, max_te=1.5)
    with pytest.raises(ValueError, match="weights names layer pairs"):
        TEGuidedOptimizer(sgd, lte, weights={("0", "2"): "2"})
    with pytest.raises(ValueError, match="not among the optimizer"):
        TEGuidedOptimizer(torch.optim.SGD(model[0].parameters(), lr=0.1), lte)
    with pytest.raises(ValueError, match="te_bits"):
        TEGuidedOptimizer(sgd, lte).set_te(("1", "2"), [0.1, 0.2])

    relu_target = LayerTransferEntropy(nn.Sequential(nn.Linear(5, 4), nn.ReLU()), pairs=[("0", "1")])
    with pytest.raises(TypeError, match="not an nn.Linear; name its nn.Linear"):
        TEGuidedOptimizer(torch.optim.SGD(relu_target.model.parameters(), lr=0.1), relu_target)

    deeper = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3), nn.ReLU())
    wrong = LayerTransferEntropy(deeper, pairs=[("1", "3")], n_pairs="all", window=40)
    x, _ = data()
    with wrong:
        deeper(x)
    wrong.update(1)
    with pytest.raises(ValueError, match="does not join"):            # the first linear maps 5 -> 4, not 4 -> 3
        TEGuidedOptimizer(torch.optim.SGD(deeper.parameters(), lr=0.1), wrong, weights={("1", "3"): "0"}).refresh()

    idle = LayerTransferEntropy(copy.deepcopy(model), pairs=[("1", "2")])
    with pytest.raises(RuntimeError, match="not recording"):
        TEGuidedOptimizer(torch.optim.SGD(idle.model.parameters(), lr=0.1), idle).step()
