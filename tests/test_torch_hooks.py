"""ActivationRecorder: captured tensors equal a manual forward pass, and the hooks always come off."""

import pytest
import torch
from torch import nn

from infoscope.torch import ActivationRecorder, AdditiveGaussianNoise, select_modules


def mlp():
    torch.manual_seed(0)
    # The in-place ReLU overwrites the Linear's output buffer: recorded copies must not change with it.
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(inplace=True), nn.Linear(8, 3), nn.Tanh())


def hook_count(model):
    return sum(len(m._forward_hooks) for m in model.modules())


def test_captured_equals_manual_forward():
    model, x = mlp(), torch.randn(16, 5)
    with ActivationRecorder(model, layers=["0", "1", "2", "3"]) as rec:
        out = model(x)
    w0, b0, w2, b2 = model[0].weight, model[0].bias, model[2].weight, model[2].bias
    pre = x @ w0.T + b0
    hidden = pre.clamp(min=0)
    acts = rec.activations
    torch.testing.assert_close(acts["0"], pre.detach(), rtol=0, atol=1e-6)   # not overwritten by the ReLU
    torch.testing.assert_close(acts["1"], hidden.detach(), rtol=0, atol=1e-6)
    torch.testing.assert_close(acts["2"], (hidden @ w2.T + b2).detach(), rtol=0, atol=1e-6)
    torch.testing.assert_close(acts["3"], out.detach())
    assert not acts["3"].requires_grad and acts["3"].device.type == "cpu"


def test_hooks_removed_after_context_and_after_exception():
    model = mlp()
    with ActivationRecorder(model) as rec:
        assert hook_count(model) == 4 and rec.attached
    assert hook_count(model) == 0 and not rec.attached
    with pytest.raises(RuntimeError, match="boom"):
        with ActivationRecorder(model):
            model(torch.randn(2, 5))
            raise RuntimeError("boom")
    assert hook_count(model) == 0
    with pytest.raises(RuntimeError):  # a failing forward pass (wrong width) also leaves no hooks behind
        with ActivationRecorder(model):
            model(torch.randn(2, 7))
    assert hook_count(model) == 0


def test_batches_accumulate_until_clear():
    model = mlp()
    a, b = torch.randn(4, 5), torch.randn(6, 5)
    rec = ActivationRecorder(model, layers=nn.Tanh)
    with rec:
        model(a)
        model(b)
    torch.testing.assert_close(rec.activations["3"], model(torch.cat([a, b])).detach())
    assert rec.activations["3"].shape == (10, 3)   # reading twice gives the same
    rec.clear()
    assert rec.activations == {}
    model(a)  # detached: not recorded
    assert rec.activations == {}


def test_selection_by_name_pattern_type_and_predicate():
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.ReLU()), nn.Sequential(nn.Linear(3, 3), nn.ReLU()))
    assert list(select_modules(model)) == ["0.0", "0.1", "1.0", "1.1"]            # leaves
    assert list(select_modules(model, nn.ReLU)) == ["0.1", "1.1"]
    assert list(select_modules(model, (nn.ReLU, nn.Linear))) == ["0.0", "0.1", "1.0", "1.1"]
    assert list(select_modules(model, "1.*")) == ["1.0", "1.1"]
    assert list(select_modules(model, ["1", "0.0"])) == ["0.0", "1"]              # model order
    assert list(select_modules(model, lambda name, m: name.endswith(".0"))) == ["0.0", "1.0"]
    with pytest.raises(ValueError, match="'fc9' matches no module"):
        select_modules(model, "fc9")
    with pytest.raises(TypeError, match="layers entries"):
        select_modules(model, [3])
    with pytest.raises(TypeError, match="model must be"):
        select_modules("not a model")
    with pytest.raises(ValueError, match="layers is empty"):
        select_modules(model, [])


def test_flatten_conv_maps_and_unit_subsets():
    torch.manual_seed(1)
    conv = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
    x = torch.randn(3, 1, 5, 5)
    with ActivationRecorder(conv, layers="0", flatten=False) as rec:
        conv(x)
    assert rec.activations["0"].shape == (3, 4, 5, 5)
    with ActivationRecorder(conv, layers="0") as rec:
        conv(x)
    full = rec.activations["0"]
    assert full.shape == (3, 100)
    sub = ActivationRecorder(conv, layers="0", units=10, seed=3)
    with sub:
        conv(x)
        conv(x[:1])
    idx = sub.unit_indices["0"]
    assert len(idx) == 10 and len(set(idx.tolist())) == 10
    torch.testing.assert_close(sub.activations["0"], torch.cat([full, full[:1]])[:, idx])   # same units each pass
    again = ActivationRecorder(conv, layers="0", units=10, seed=3)
    with again:
        conv(x)
    assert torch.equal(again.unit_indices["0"], idx)                   # seeded
    chosen = ActivationRecorder(conv, layers="0", units={"0": [0, 99]})
    with chosen:
        conv(x)
    torch.testing.assert_close(chosen.activations["0"], full[:, [0, 99]])


def test_recurrent_output_and_mode_filter():
    lstm = nn.Sequential(nn.LSTM(3, 4, batch_first=True))
    x = torch.randn(2, 6, 3)
    with ActivationRecorder(lstm, layers="0", flatten=False) as rec:
        out, _ = lstm(x)
    torch.testing.assert_close(rec.activations["0"], out.detach())
    model = mlp()
    rec = ActivationRecorder(model, layers="3", mode="train")
    with rec:
        model.eval()
        model(torch.randn(4, 5))
        model.train()
        model(torch.randn(2, 5))
    assert rec.activations["3"].shape == (2, 3)


def test_keep_on_device_and_bad_options():
    model = mlp()
    with ActivationRecorder(model, layers="3", device=None) as rec:
        model(torch.randn(2, 5))
    assert rec.activations["3"].device == next(model.parameters()).device
    with pytest.raises(ValueError, match="units"):
        ActivationRecorder(model, units=0)
    with pytest.raises(ValueError, match="flatten=True"):
        ActivationRecorder(model, units=3, flatten=False)
    with pytest.raises(ValueError, match="not recorded"):
        ActivationRecorder(model, layers="3", units={"0": [1]})
    with pytest.raises(ValueError, match="mode"):
        ActivationRecorder(model, mode="training")
    with pytest.raises(ValueError, match="index past"):
        with ActivationRecorder(model, layers="3", units={"3": [5]}):
            model(torch.randn(2, 5))


def test_additive_noise_is_relative_and_stays_in_eval():
    torch.manual_seed(0)
    layer = AdditiveGaussianNoise(sigma=0.1).eval()
    x = torch.full((200_000,), 3.0)
    noise = layer(x) - x
    assert abs(float(noise.std()) - 0.3) < 0.005 and float(noise.abs().max()) > 0
    assert torch.equal(layer(torch.zeros(5)), torch.zeros(5))   # relative: no noise on zeros
    with pytest.raises(ValueError, match="sigma"):
        AdditiveGaussianNoise(sigma=-1)
