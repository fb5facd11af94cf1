"""InformationPlane: every estimator against an independent numpy computation or a closed form, the limits
I(X;T) <= H(X) and I(T;Y) <= H(Y), and a probe pass that leaves the model as it found it."""

import gc
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats
from torch import nn

from infoscope.torch import AdditiveGaussianNoise, Binned, Compressed, InformationPlane, KernelDensity
from reference_binning import local_mutual_info, uniform_codes


def tanh_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 2))


def data(n=500, seed=0, binary=True):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, (n, 6)).astype(np.float32) if binary else rng.standard_normal((n, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > (1 if binary else 0)).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def layer_outputs(model, x):
    with torch.no_grad():
        h1 = model[1](model[0](x))
        return {"1": h1.numpy(), "3": model[3](model[2](h1)).numpy()}


def input_symbols(x):
    return np.unique(x.numpy(), axis=0, return_inverse=True)[1].reshape(-1)


@pytest.mark.parametrize("range_", ["adaptive", (-1.0, 1.0)])
def test_binned_matches_numpy_reference(range_):
    model, (x, y) = tanh_net(), data()
    plane = InformationPlane(model, x, y, layers=nn.Tanh, estimator=Binned(bins=7, range=range_), base=math.e)
    rows = {r.layer: r for r in plane.update(0)}
    for name, t in layer_outputs(model, x).items():
        span = (t.min(), t.max()) if range_ == "adaptive" else range_
        codes = uniform_codes(t, bins=7, range=span, clip=True)
        assert rows[name].i_xt == pytest.approx(local_mutual_info(input_symbols(x), codes).mean(), abs=1e-12)
        assert rows[name].i_ty == pytest.approx(local_mutual_info(codes, y.numpy()).mean(), abs=1e-12)
        assert rows[name].width == t.shape[1] and rows[name].samples == len(x) and rows[name].unit == "nats"


def test_kde_matches_numpy_reference():
    model, (x, y) = tanh_net(), data(300, binary=False)
    s2 = 0.05
    plane = InformationPlane(model, x, y, layers=nn.Tanh, estimator=KernelDensity(noise_var=s2), base=math.e)
    rows = {r.layer: r for r in plane.update(0)}

    def kernel_term(t):
        d2 = ((t[:, None, :] - t[None, :, :]) ** 2).sum(-1)
        return np.log(np.exp(-d2 / (2 * s2)).mean(1)).mean()

    for name, t in layer_outputs(model, x).items():
        t = t.astype(np.float64)
        labels = y.numpy()
        h = lambda a: 0.5 * a.shape[1] * math.log(2 * math.pi * math.e * s2) - kernel_term(a)  # noqa: E731
        i_ty = h(t) - sum(np.mean(labels == c) * h(t[labels == c]) for c in (0, 1))
        assert rows[name].i_xt == pytest.approx(-kernel_term(t), abs=1e-10)
        assert rows[name].i_ty == pytest.approx(i_ty, abs=1e-10)


def test_compressed_label_information_matches_a_closed_form_mixture():
    """T | Y=+-1 ~ N(+-1, 1), Y a fair coin: I(T;Y) = h(mixture) - h(N(0,1)), integrated numerically."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 6000)
    t = (2 * y - 1 + rng.standard_normal(6000)).astype(np.float32)[:, None]
    mixture = lambda v: 0.5 * (stats.norm.pdf(v, -1) + stats.norm.pdf(v, 1))  # noqa: E731
    truth = integrate.quad(lambda v: -mixture(v) * math.log(mixture(v)), -12, 12)[0] - 0.5 * math.log(2 * math.pi * math.e)
    model = nn.Sequential(nn.Identity())
    plane = InformationPlane(model, t, y, layers="0", estimator=Compressed(noise=0.0, k=5), base=math.e)
    row = plane.update(0)[0]
    assert row.i_ty == pytest.approx(truth, abs=0.03)


def test_compressed_input_information_of_a_gaussian_channel():
    """X: 2 coordinates of variance 1 and 6 of variance 1e-6; the network keeps the first two and adds
    N(0, s2) noise (an AdditiveGaussianNoise layer, active in evaluation too). PCA of X to 2 dims keeps the
    informative plane, and I(X;T) = 2 * 1/2 log(1 + 1/s2)."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5000, 8)) * np.r_[1.0, 1.0, np.full(6, 1e-3)]
    s2 = 0.25
    keep = nn.Linear(8, 2, bias=False)
    with torch.no_grad():
        keep.weight.copy_(torch.eye(2, 8))
    torch.manual_seed(0)
    model = nn.Sequential(keep, AdditiveGaussianNoise(sigma=math.sqrt(s2), relative=False)).double()
    plane = InformationPlane(model, x, rng.integers(0, 2, 5000), layers="1",
                             estimator=Compressed(dims=2, noise=0.0, k=5), base=math.e)
    row = plane.update(0)[0]
    assert row.i_xt == pytest.approx(math.log(1 + 1 / s2), abs=0.06)


@pytest.mark.parametrize("estimator", ["binned", "kde", Binned(range=(-1, 1)), KernelDensity(noise_var=1e-1)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_information_limits(estimator, seed):
    model, (x, y) = tanh_net(seed), data(400, seed)
    y = torch.from_numpy(np.random.default_rng(seed).integers(0, 3, 400))   # 3 classes, unequal by chance
    plane = InformationPlane(model, x, y, layers=nn.Tanh, estimator=estimator)
    for row in plane.update():
        assert -1e-9 <= row.i_ty <= plane.h_y + 1e-9
        assert 0 <= row.i_xt <= plane.h_x + 1e-9
    counts = np.unique(x.numpy(), axis=0, return_counts=True)[1] / 400
    assert plane.h_x == pytest.approx(-(counts * np.log2(counts)).sum(), abs=1e-9)


def test_probe_leaves_model_as_found_and_keeps_nothing():
    model, (x, y) = tanh_net(), data()
    model.train()
    plane = InformationPlane(model, x, y, layers=nn.Tanh)
    plane.update()
    assert model.training and all(p.grad is None for p in model.parameters())
    assert sum(len(m._forward_hooks) for m in model.modules()) == 0
    model.eval()
    plane.update()
    assert not model.training

    def tensors():
        gc.collect()
        return sum(issubclass(type(o), torch.Tensor) for o in gc.get_objects())

    before = tensors()
    for _ in range(3):
        plane.update()
    assert tensors() == before                      # nothing accumulates across epochs
    assert [r.epoch for r in plane.rows[::2]] == [0, 1, 2, 3, 4]


def test_half_precision_layers():
    model, (x, y) = tanh_net(), data()
    reference = [r.i_ty for r in InformationPlane(model, x, y, layers=nn.Tanh).update(0)]
    half = [r.i_ty for r in InformationPlane(model.bfloat16(), x, y, layers=nn.Tanh).update(0)]
    assert all(0 <= v <= 1 for v in half) and len(half) == len(reference)


def test_labels_and_inputs_are_checked():
    model, (x, y) = tanh_net(), data(50)
    one_hot = np.eye(2)[y.numpy()]
    a = InformationPlane(model, x, one_hot, layers=nn.Tanh).update(0)
    b = InformationPlane(model, x, y.float(), layers=nn.Tanh).update(0)
    assert [r.i_ty for r in a] == [r.i_ty for r in b]
    with pytest.raises(TypeError, match="class labels"):
        InformationPlane(model, x, y.float() + 0.5, layers=nn.Tanh)
    with pytest.raises(ValueError, match="same number of samples"):
        InformationPlane(model, x, y[:-1], layers=nn.Tanh)
    with pytest.raises(ValueError, match="one-hot"):
        InformationPlane(model, x, np.ones((50, 2)), layers=nn.Tanh)
    bad = x.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="x must be finite"):
        InformationPlane(model, bad, y, layers=nn.Tanh)
    with pytest.raises(ValueError, match="estimator"):
        InformationPlane(model, x, y, estimator="mine")
    with pytest.raises(TypeError, match="estimator"):
        InformationPlane(model, x, y, estimator=3)
    with pytest.raises(ValueError, match="range"):
        Binned(range=(1, -1))
    with pytest.raises(ValueError, match="correction"):
        Binned(correction="nsb")
    with pytest.raises(ValueError, match="noise_var"):
        KernelDensity(noise_var=-1)
    with pytest.raises(ValueError, match="every class needs more than k=5"):
        InformationPlane(model, x[:8], torch.arange(8) % 2, estimator="knn")
    with pytest.raises(ValueError, match="matches no module"):
        InformationPlane(model, x, y, layers="fc")
    with pytest.raises(ValueError, match="epoch"):
        InformationPlane(model, x, y, layers=nn.Tanh).update(-1)


def test_table_csv_pandas_and_plot(tmp_path):
    model, (x, y) = tanh_net(), data()
    plane = InformationPlane(model, x, y, layers=nn.Tanh)
    with pytest.raises(ValueError, match="update"):
        plane.plot()
    plane.update(0)
    plane.update(5)
    table = plane.table()
    assert [(r["epoch"], r["layer"]) for r in table] == [(0, "1"), (0, "3"), (5, "1"), (5, "3")]
    plane.to_csv(tmp_path / "plane.csv")
    lines = (tmp_path / "plane.csv").read_text().splitlines()
    assert lines[0] == "epoch,layer,i_xt,i_ty,width,samples,unit,estimator,i_xt_se,i_ty_se" and len(lines) == 5
    frame = plane.to_pandas()
    assert list(frame.columns) == lines[0].split(",") and len(frame) == 4
    fig = plane.plot()
    fig.savefig(tmp_path / "plane.png")
    assert (tmp_path / "plane.png").stat().st_size > 1000
    assert fig.axes[0].get_xlabel() == "I(X;T) [bits]"


def test_autoencoder_codes_keep_a_linear_latent():
    """Rows on a 2-D plane inside 8 dimensions: 2-D codes of the autoencoder predict both latent coordinates
    linearly almost perfectly, and the same seed gives the same codes."""
    from infoscope.torch.infoplane import autoencoder_codes

    rng = np.random.default_rng(5)
    latent = rng.standard_normal((600, 2))
    a = latent @ rng.standard_normal((2, 8))
    codes = autoencoder_codes(a, 2, epochs=300, seed=1)
    assert codes.shape == (600, 2)
    np.testing.assert_array_equal(codes, autoencoder_codes(a, 2, epochs=300, seed=1))
    design = np.hstack([codes, np.ones((600, 1))])
    residual = latent - design @ np.linalg.lstsq(design, latent, rcond=None)[0]
    assert (residual.var(axis=0) / latent.var(axis=0)).max() < 0.05
    plane = InformationPlane(nn.Sequential(nn.Identity()), a, rng.integers(0, 2, 600), layers="0",
                             estimator=Compressed(dims=2, compression="autoencoder", input_compression="autoencoder",
                                                  autoencoder_epochs=100))
    row = plane.update(0)[0]
    assert "autoencoder" in row.estimator and row.i_xt > 2    # X and T are the same plane: high I(X;T)


@pytest.mark.parametrize("method", ["ksg", "kl"])
def test_relu_layer_with_a_point_mass_stays_within_its_limits(method):
    """The case of issue 19: a ReLU layer whose output is all zero for 333 of 1000 probe samples. k-NN estimates
    on it once gave I(T;Y) = 1.72 nats for a binary label (H(Y) = 0.69) and I(X;T) = -28.5 with method="kl"; the
    mixed estimators keep both within their limits."""

    class ZeroFirstThird(nn.Module):
        def forward(self, a):
            mask = torch.ones(a.shape[0], 1, dtype=a.dtype)
            mask[:333] = 0
            return a * mask

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((1000, 8))).float()
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), ZeroFirstThird())
    plane = InformationPlane(model, x, y, layers="2", estimator=Compressed(method=method), base=math.e)
    row = plane.update(0)[0]
    assert -0.05 <= row.i_ty <= plane.h_y + 0.05
    assert row.i_xt >= -0.1
    assert "point masses" in row.estimator
