"""The protocol of Butakov et al. 2024: noise before every layer, the whitened Kozachenko-Leonenko estimator
(against a brute-force reference and Gaussians of known MI), standard errors on the plane, the image tasks of
the bench and their autoencoder, and the benchmark script at its quick size."""

import importlib.util
import math
from copy import deepcopy
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.linalg import sqrtm
from scipy.spatial.distance import cdist
from scipy.special import digamma, gammaln
from torch import nn

from infoscope import bench
from infoscope.bench.images import gaussian_plot_images, latent_pair, rectangle_images
from infoscope.estimators.whitened import whitened_entropy, whitened_label_information, whitened_mutual_info
from infoscope.plot import smooth_series
from infoscope.torch import (AdditiveGaussianNoise, Compressed, ConvAutoencoder, InformationPlane, insert_noise,
                             noisy_layers, remove_noise)

torch.set_num_threads(1)


# ------------------------------------------------------------------------------------------------ noise layers

def mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(), nn.Linear(16, 8), nn.LeakyReLU(), nn.Linear(8, 2))


def test_noise_is_relative_and_active_in_evaluation_mode():
    model = nn.Sequential(nn.Identity(), nn.Linear(3, 3, bias=False))
    with torch.no_grad():
        model[1].weight.copy_(torch.eye(3))
    x = torch.randn(20000, 3, generator=torch.Generator().manual_seed(0))
    x[:100] = 0.0
    insert_noise(model, before=nn.Linear, sigma=0.1, seed=3)
    for mode in (model.eval, model.train):
        mode()
        with torch.no_grad():
            out = model(x)
        relative = ((out - x)[100:] / x[100:].abs()).reshape(-1)
        assert relative.std().item() == pytest.approx(0.1, rel=0.03)
        assert abs(relative.mean().item()) < 0.003
        assert torch.equal(out[:100], x[:100])  # relative noise leaves zeros at zero


def test_noise_is_seeded_and_comes_off():
    x = torch.randn(64, 4)
    clean = mlp()(x)
    noisy = [insert_noise(mlp(), seed=s)(x) for s in (5, 5, 6)]
    assert torch.equal(noisy[0], noisy[1]) and not torch.equal(noisy[0], noisy[2])
    assert not torch.allclose(noisy[0], clean, atol=0, rtol=0)
    model = insert_noise(mlp(), sigma=1e-3)
    assert list(noisy_layers(model)) == ["0", "2", "4"]          # every layer with weights, by default
    assert set(model.state_dict()) == set(mlp().state_dict())    # no new modules, names or weights
    assert all(isinstance(v, AdditiveGaussianNoise) for v in noisy_layers(model).values())
    assert remove_noise(model) is model and noisy_layers(model) == {}
    assert torch.equal(model(x), clean)


def test_noise_arguments_are_checked():
    model = insert_noise(mlp(), before="2")
    with pytest.raises(ValueError, match="already have noise"):
        insert_noise(model, before=["0", "2"])
    with pytest.raises(ValueError, match="sigma"):
        insert_noise(mlp(), sigma=-1.0)
    with pytest.raises(ValueError, match="layers"):
        insert_noise(mlp(), before="nothing.*")
    with pytest.raises(TypeError, match="model"):
        remove_noise("not a model")


# ------------------------------------------------------------------------------------- the whitened estimator

def brute_force_entropy(x, k=5):
    """Butakov et al.'s entropy written out independently: whitening by scipy's matrix square root, distances by
    cdist, the Berrett weights from the constraints as their package states them (sum of w/k = 1/k, Gamma rows),
    H = -mean sum_j w_j log f_j + 1/2 log det Sigma with f_j = exp(psi(j)) / (V_d r_j^d (N - 1))."""
    n, d = x.shape
    sigma = np.cov(x, rowvar=False).reshape(d, d)
    z = x @ np.linalg.inv(np.real(sqrtm(sigma)))
    dist = np.sort(cdist(z, z), axis=1)[:, 1:k + 1]
    if d <= 4:
        w = np.eye(k)[0]
    else:
        rows = [np.ones(k) / k] + [np.exp(gammaln(np.arange(1, k + 1) + 2 * l / d) - gammaln(np.arange(1, k + 1)))
                                   for l in range(1, d // 4 + 1)]
        w = np.linalg.lstsq(np.vstack(rows), np.r_[1 / k, np.zeros(d // 4)], rcond=None)[0]
    log_ball = d / 2 * math.log(math.pi) - gammaln(d / 2 + 1)
    log_f = digamma(np.arange(1, k + 1)) - log_ball - d * np.log(dist) - math.log(n - 1)
    return -(log_f @ w).mean() + 0.5 * np.linalg.slogdet(sigma)[1]


@pytest.mark.parametrize("d", [1, 3, 4, 8])
def test_whitened_entropy_matches_a_brute_force_reference(d):
    rng = np.random.default_rng(d)
    x = rng.standard_normal((1500, d)) @ rng.standard_normal((d, d)) + 3.0
    # psi(N) (infoscope) against log(N - 1) (their package): they differ by 1/(2N) + O(1/N^2).
    assert whitened_entropy(x).value == pytest.approx(brute_force_entropy(x), abs=1.0 / 1500)


def test_whitening_makes_the_entropy_equivariant_under_linear_maps():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2000, 4)) ** 3
    b = rng.standard_normal((4, 4))
    assert whitened_entropy(x @ b).value == pytest.approx(whitened_entropy(x).value + np.linalg.slogdet(b)[1],
                                                          abs=1e-8)


@pytest.mark.parametrize("mi", [0.0, 2.0, 5.0, 10.0])
def test_whitened_mutual_info_on_gaussians_of_known_information(mi):
    x, y = latent_pair(mi, 5000, np.random.default_rng(int(mi)))
    estimate = whitened_mutual_info(x, y, workers=1)
    assert estimate.value == pytest.approx(mi, abs=0.1 + 0.02 * mi)
    assert 0.05 < estimate.se < 0.5


@pytest.mark.parametrize("mi", [0.0, 3.0])
def test_normal_scores_undo_a_monotone_map_of_each_column(mi):
    # Normal scores of a monotone map of each column are normal scores of the Gaussian latents themselves: the
    # estimate does not depend on the map (the protocol's own estimate does), and it matches the truth.
    bent = lambda a: a ** 3 + a / 2  # noqa: E731  strictly increasing, far from linear
    estimates, faithful = [], []
    for seed in range(4):
        x, y = latent_pair(mi, 2000, np.random.default_rng(20 + seed))
        on_bent = whitened_mutual_info(bent(x), np.exp(y), transform="normal", workers=1).value
        assert on_bent == pytest.approx(whitened_mutual_info(x, y, transform="normal", workers=1).value, abs=1e-9)
        estimates.append(on_bent)
        faithful.append(whitened_mutual_info(bent(x), np.exp(y), workers=1).value)
    assert np.abs(np.subtract(faithful, estimates)).max() > 0.05
    # The sampling sd of one estimate at N = 2000 is about 0.13 nat; the mean of 4 is held to 0.15 + 3%.
    assert np.mean(estimates) == pytest.approx(mi, abs=0.15 + 0.03 * mi)


def test_same_neighbours_in_every_space():
    x, y = latent_pair(2.0, 3000, np.random.default_rng(4))
    same = whitened_mutual_info(x, y, neighbours="same", workers=1).value
    assert same == pytest.approx(2.0, abs=0.2) and same != whitened_mutual_info(x, y, workers=1).value
    with pytest.raises(ValueError, match="neighbours"):
        whitened_mutual_info(x, y, neighbours="knn")
    with pytest.raises(ValueError, match="transform"):
        whitened_mutual_info(x, y, transform="rank")


def test_whitened_label_information_of_a_gaussian_mixture():
    from scipy import integrate, stats

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 6000)
    t = (2 * y - 1 + rng.standard_normal(6000))[:, None]
    mixture = lambda v: 0.5 * (stats.norm.pdf(v, -1) + stats.norm.pdf(v, 1))  # noqa: E731
    truth = integrate.quad(lambda v: -mixture(v) * math.log(mixture(v)), -12, 12)[0] - 0.5 * math.log(2 * math.pi * math.e)
    assert whitened_label_information(t, y).value == pytest.approx(truth, abs=0.04)


def test_whitened_arguments_are_checked():
    with pytest.raises(ValueError, match="same number"):
        whitened_mutual_info(np.zeros((10, 2)), np.zeros((11, 2)))
    with pytest.raises(ValueError, match="singular"):
        whitened_entropy(np.c_[np.arange(50.0), 2 * np.arange(50.0)])
    with pytest.raises(ValueError, match="finite"):
        whitened_entropy(np.full((50, 2), np.nan))


# ---------------------------------------------------------------------------------- the plane, with error bars

def digits_like(n=1200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.standard_normal((n, 4)) + np.eye(4)[y] * 2.0
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def test_butakov_plane_has_standard_errors_and_stays_near_its_limits(tmp_path):
    model = insert_noise(mlp(), sigma=1e-3, seed=0)
    x, y = digits_like()
    plane = InformationPlane(model, x, y, layers=nn.LeakyReLU, estimator=Compressed.butakov(), base=math.e)
    rows = plane.update(0)
    h_y = plane.h_y
    for row in rows:
        assert row.width in (16, 8) and "whitened" in row.estimator
        assert 0.0 < row.i_xt_se < 1.5 and 0.0 < row.i_ty_se < 0.5      # I(X;T) is high: sigma = 1e-3
        assert -3 * row.i_ty_se < row.i_ty < h_y + 3 * row.i_ty_se
    plane.to_csv(tmp_path / "plane.csv")
    assert "i_xt_se,i_ty_se" in (tmp_path / "plane.csv").read_text().splitlines()[0]
    plane.update(1)
    fig = plane.plot(smooth=2)
    assert fig.axes[0].containers  # the error bars
    fig.savefig(tmp_path / "plane.png")


@pytest.mark.parametrize("estimator", ["binned", "kde", "knn", Compressed(method="kl")])
def test_every_estimator_reports_a_standard_error(estimator):
    x, y = digits_like(400)
    rows = InformationPlane(mlp(), x, y, layers=nn.LeakyReLU, estimator=estimator).update(0)
    assert all(r.i_xt_se > 0 and r.i_ty_se > 0 and math.isfinite(r.i_xt_se + r.i_ty_se) for r in rows)


def test_smoothing():
    assert smooth_series([1.0, 2.0, 3.0, 4.0, 5.0], 3).tolist() == pytest.approx([1.5, 2.0, 3.0, 4.0, 4.5])
    noisy = np.sin(np.linspace(0, 3, 60)) + np.random.default_rng(0).normal(0, 0.2, 60)
    smoothed = smooth_series(noisy, "butakov")
    assert np.std(np.diff(smoothed)) < 0.3 * np.std(np.diff(noisy))
    with pytest.raises(ValueError, match="smooth"):
        smooth_series(noisy, "wiggly")
    # Both filters keep a straight line (Savitzky-Golay exactly, the Butterworth up to its edge transient).
    for n in (12, 41, 80):
        ramp = np.linspace(0.0, 4.0, n)
        assert np.abs(smooth_series(ramp, "butakov") - ramp).max() < 0.1


# ------------------------------------------------------------------------------------ image tasks and their AE

def test_image_tasks_are_opt_in():
    default = bench.select_tasks()
    assert not any(t.name.startswith("image-") for t in default)
    assert len([t for t in default if t.quantity == "mi"]) == 42   # 38 continuous + 4 mixed, as before
    chosen = bench.select_tasks("image-*")
    assert len(chosen) == 22 and {t.family for t in chosen} == {"image"}
    assert bench.get_task("image-rectangles-mi5").truth == 5.0
    # The runner keeps k-NN estimators off the images and the image estimators off vector tasks.
    images = bench.run([bench.get_task("image-gaussians-mi2")], bench.select_estimators(["ksg"]), sizes=[50], seeds=1,
                       progress=False)
    vectors = bench.run([bench.get_task("normal-1x1")], bench.select_estimators(["ksg", "butakov-ae", "ae+*"]),
                        sizes=[50], seeds=1, progress=False)
    assert [r.status for r in images.runs] == ["unsupported"] and "image" in images.runs[0].note
    assert {r.estimator: r.status for r in vectors.runs} == {"ksg": "ok", "butakov-ae": "unsupported",
                                                            "ae+ksg": "unsupported", "ae+ksg-gaussref": "unsupported",
                                                            "ae+gaussian": "unsupported"}


def test_latents_have_the_stated_information():
    x, y = latent_pair(3.0, 200_000, np.random.default_rng(0))
    cov = np.cov(np.hstack([x, y]).T)
    gaussian_mi = 0.5 * (np.linalg.slogdet(cov[:4, :4])[1] + np.linalg.slogdet(cov[4:, 4:])[1] - np.linalg.slogdet(cov)[1])
    assert gaussian_mi == pytest.approx(3.0, abs=0.01)
    assert np.allclose(np.cov(x.T), np.eye(4), atol=0.02)      # the marginals do not depend on the MI


def test_image_renderers():
    z = np.random.default_rng(0).standard_normal((500, 4))
    rect = rectangle_images(z).reshape(-1, 32, 32)
    from scipy.stats import norm
    u = norm.cdf(z)
    m = 2 / 32
    a = (1 - m) * (1 - np.sqrt(1 - u[:, 0]))
    b = a + m + u[:, 1] * (1 - a - m)
    c = (1 - m) * (1 - np.sqrt(1 - u[:, 2]))
    d = c + m + u[:, 3] * (1 - c - m)
    assert rect.sum(axis=(1, 2)) == pytest.approx((b - a) * (d - c) * 32 * 32, rel=1e-9)
    assert rect.min() >= 0 and rect.max() <= 1 + 1e-12 and ((b - a) * 32 >= 2 - 1e-9).all()
    plots = gaussian_plot_images(z).reshape(-1, 32, 32)
    peak = np.array(np.unravel_index(plots.reshape(500, -1).argmax(axis=1), (32, 32))).T / 31
    assert np.abs(peak - u[:, :2]).max() <= 0.5 / 31 + 1e-9


def test_conv_autoencoder_is_seeded_and_learns():
    images = rectangle_images(np.random.default_rng(1).standard_normal((200, 4)), size=16).reshape(-1, 16, 16)
    first = ConvAutoencoder((16, 16), seed=2).fit(images, epochs=8, batch_size=32, progress=False)
    second = ConvAutoencoder((16, 16), seed=2).fit(images, epochs=8, batch_size=32, progress=False)
    assert np.array_equal(first.encode(images), second.encode(images)) and first.encode(images).shape == (200, 4)
    assert first.losses[-1] < 0.8 * first.losses[0]
    with pytest.raises(ValueError, match="images"):
        first.encode(np.zeros((5, 8, 8)))
    with pytest.raises(ValueError, match="image_shape"):
        ConvAutoencoder((0, 4))
    with pytest.raises(ValueError, match="hidden"):
        ConvAutoencoder((16, 16), hidden=0)
    assert ConvAutoencoder((16, 16), hidden=32).encoder_head[1].out_features == 32


def test_normal_score_variant_is_registered():
    from infoscope.bench.images import butakov_estimator

    chosen = {e.name: e for e in bench.select_estimators(["butakov-ae*"])}
    assert set(chosen) == {"butakov-ae", "butakov-ae-normal"} and "normal scores" in chosen["butakov-ae-normal"].description
    with pytest.raises(ValueError, match="transform"):
        butakov_estimator(transform="rank")
    with pytest.raises(ValueError, match="neighbours"):
        butakov_estimator(neighbours="all")


def test_benchmark_script_quick(tmp_path):
    spec = importlib.util.spec_from_file_location("butakov_images", Path(__file__).parents[1] / "benchmarks" /
                                                  "butakov_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--quick", "--families", "gaussians", "--out", str(tmp_path)])
    for suffix in ("md", "json", "csv", "png"):
        assert (tmp_path / f"butakov_images_quick.{suffix}").stat().st_size > 100
    rows = result["rows"]
    assert [r["truth"] for r in rows] == [0.0, 5.0, 10.0]
    # Even a barely trained autoencoder keeps much of the dependence: the estimates rise with the truth.
    assert rows[0]["butakov-ae"] < rows[1]["butakov-ae"] < rows[2]["butakov-ae"]
    assert abs(rows[1]["latents"] - 5.0) < 0.5


def test_a_copied_noisy_model_has_its_own_removable_noise():
    model = insert_noise(nn.Sequential(nn.Linear(3, 3), nn.LeakyReLU(), nn.Linear(3, 2)), sigma=0.1, seed=0)
    copy = deepcopy(model)
    assert set(noisy_layers(copy)) == {"0", "2"} and noisy_layers(copy)["0"] is not noisy_layers(model)["0"]
    x = torch.ones(4, 3)
    remove_noise(copy)
    assert noisy_layers(copy) == {} and torch.equal(copy(x), copy(x))     # the copy is quiet again
    assert set(noisy_layers(model)) == {"0", "2"} and not torch.equal(model(x), model(x))   # the original is not


def test_input_compression_takes_an_encoder_or_a_named_choice():
    class Encoder:
        label = "test encoder"

        def encode(self, x):
            return x.reshape(len(x), -1)[:, :2].numpy()

    plane = Compressed.butakov(input_compression=Encoder())
    assert plane._input_name == "test encoder"
    assert Compressed.butakov(input_compression=Encoder().encode)._input_name == "test encoder"
    with pytest.raises(ValueError, match="input_compression"):
        Compressed(input_compression="a callable")
