"""Fisher information, information in the weights and effective information, checked against closed forms."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from infoscope.torch import (FisherInformation, FisherMonitor, effective_information, fisher_information,  # noqa: E402
                             fit, information_in_weights)


def logistic(d=5, classes=3, n=400, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    torch.manual_seed(seed)
    return nn.Linear(d, classes).double(), x


def softmax_fisher(model, x):
    """Closed form for softmax regression: d log p_y / dW[c, j] = (1[y=c] - p_c) x_j, whose second moment under
    y ~ p is p_c (1 - p_c) x_j^2."""
    with torch.no_grad():
        p = torch.softmax(model(x), 1)
    v = p * (1 - p)
    return (v[:, :, None] * x[:, None, :] ** 2).mean(0), v.mean(0)


def fitted_regression(n=500, seed=0):
    """Linear regression fitted by least squares: its unit-variance Gaussian loss is exactly quadratic, with
    Hessian = Fisher = X^T X."""
    g = torch.Generator().manual_seed(seed)
    d = 4
    x = torch.randn(n, d, generator=g, dtype=torch.float64) * torch.tensor([0.3, 1.0, 2.0, 0.1], dtype=torch.float64)
    y = x @ torch.randn(d, 1, generator=g, dtype=torch.float64) + torch.randn(n, 1, generator=g, dtype=torch.float64)
    design = torch.cat([x, torch.ones(n, 1, dtype=torch.float64)], 1)
    solution = torch.linalg.lstsq(design, y).solution
    model = nn.Linear(d, 1).double()
    with torch.no_grad():
        model.weight.copy_(solution[:d].T)
        model.bias.copy_(solution[d])
    return model, x, y


def test_exact_fisher_of_softmax_regression_equals_closed_form():
    model, x = logistic()
    f = fisher_information(model, x, labels="exact", batch_size=37, progress=False)
    fw, fb = softmax_fisher(model, x)
    assert torch.allclose(f.diagonal["weight"], fw, rtol=1e-12, atol=1e-15)
    assert torch.allclose(f.diagonal["bias"], fb, rtol=1e-12, atol=1e-15)
    assert f.samples == 400 and math.isclose(f.trace(), float(fw.sum() + fb.sum()), rel_tol=1e-12)


def test_sampled_fisher_converges_to_closed_form():
    model, x = logistic()
    fw, fb = softmax_fisher(model, x)
    f = fisher_information(model, x, samples=100, seed=3, progress=False)
    # 40000 draws: the trace is within 2% and every entry within 10% (about 5 standard errors).
    assert math.isclose(f.trace(), float(fw.sum() + fb.sum()), rel_tol=0.02)
    assert float((f.diagonal["weight"] / fw - 1).abs().max()) < 0.1
    again = fisher_information(model, x, samples=100, seed=3, progress=False)
    assert torch.equal(f.vector(), again.vector())


def test_bernoulli_fisher_of_logistic_regression():
    model, x = logistic(classes=1)
    with torch.no_grad():
        p = torch.sigmoid(model(x)).reshape(-1)
    expected = ((p * (1 - p))[:, None] * x ** 2).mean(0)
    exact = fisher_information(model, x, likelihood="bernoulli", labels="exact", progress=False)
    assert torch.allclose(exact.diagonal["weight"].reshape(-1), expected, rtol=1e-12)
    sampled = fisher_information(model, x, likelihood="bernoulli", samples=100, progress=False)
    assert math.isclose(sampled.trace(), exact.trace(), rel_tol=0.03)


def test_empirical_fisher_uses_the_true_labels():
    model, x = logistic()
    g = torch.Generator().manual_seed(1)
    y = torch.randint(0, 3, (len(x),), generator=g)
    f = fisher_information(model, (x, y), labels="empirical", progress=False)
    with torch.no_grad():
        p = torch.softmax(model(x), 1)
    residual = nn.functional.one_hot(y, 3).double() - p
    assert torch.allclose(f.diagonal["weight"], (residual[:, :, None] ** 2 * x[:, None, :] ** 2).mean(0), rtol=1e-12)


def test_gaussian_fisher_of_linear_regression():
    model, x, _ = fitted_regression()
    f = fisher_information(model, x, likelihood="gaussian", labels="exact", progress=False)
    assert torch.allclose(f.diagonal["weight"].reshape(-1), (x ** 2).mean(0), rtol=1e-12)
    assert math.isclose(float(f.diagonal["bias"]), 1.0, rel_tol=1e-12)


def test_gaussian_fisher_with_several_outputs_and_sampled_targets():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(300, 3, generator=g, dtype=torch.float64)
    torch.manual_seed(4)
    model = nn.Linear(3, 2).double()
    exact = fisher_information(model, x, likelihood="gaussian", labels="exact", progress=False)
    # Each output o depends on row o of the weight only: F[o, j] = E[x_j^2], the same for both outputs.
    assert torch.allclose(exact.diagonal["weight"], (x ** 2).mean(0).expand(2, 3), rtol=1e-12)
    sampled = fisher_information(model, x, likelihood="gaussian", samples=200, progress=False)
    assert math.isclose(sampled.trace(), exact.trace(), rel_tol=0.03)


def test_empirical_bernoulli_fisher_and_label_shapes():
    model, x = logistic(classes=1)
    y = (x[:, 0] > 0).double()
    f = fisher_information(model, (x, y), likelihood="bernoulli", labels="empirical", progress=False)
    with torch.no_grad():
        p = torch.sigmoid(model(x)).reshape(-1)
    assert torch.allclose(f.diagonal["weight"].reshape(-1), (((y - p) ** 2)[:, None] * x ** 2).mean(0), rtol=1e-12)
    categorical, x3 = logistic()
    labels = torch.randint(0, 3, (len(x3),), generator=torch.Generator().manual_seed(0))
    column = fisher_information(categorical, (x3, labels[:, None]), labels="empirical", progress=False)
    flat = fisher_information(categorical, (x3, labels), labels="empirical", progress=False)
    assert torch.equal(column.vector(), flat.vector())


def test_data_forms_agree():
    model, x = logistic()
    whole = fisher_information(model, x, labels="exact", progress=False).vector()
    as_list = fisher_information(model, [x[:150], x[150:]], labels="exact", progress=False).vector()
    loader = fisher_information(model, torch.utils.data.DataLoader(x, batch_size=64), labels="exact",
                                progress=False).vector()
    assert torch.allclose(as_list, whole, rtol=1e-12) and torch.allclose(loader, whole, rtol=1e-12)
    y = torch.zeros(len(x), dtype=torch.long)
    with pytest.raises(ValueError, match="a batch of 150 inputs and 10 targets"):
        fisher_information(model, [(x[:150], y[:10])], labels="empirical", progress=False)
    with pytest.raises(TypeError, match="integers"):
        fisher_information(model, (x * 10).long(), progress=False)


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 4))


def test_fisher_rows_per_layer_and_the_model_is_left_alone():
    model = mlp()
    x = torch.randn(100, 6)
    before = [p.clone() for p in model.parameters()]
    model.train()
    f = fisher_information(model, torch.utils.data.DataLoader(x, batch_size=30), progress=False)
    assert model.training and all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert [r.layer for r in f.rows] == ["0", "3"]
    assert [r.parameters for r in f.rows] == [6 * 16 + 16, 16 * 4 + 4]
    assert all(r.trace >= 0 and math.isfinite(r.logdet) for r in f.rows)
    assert math.isclose(sum(r.trace for r in f.rows), f.trace(), rel_tol=1e-12)
    assert math.isclose(sum(r.logdet for r in f.rows), f.logdet(), rel_tol=1e-12)
    assert f.logdet(1.0) > f.logdet()
    # Evaluation mode: dropout off, so the Fisher is a deterministic function of the draws.
    assert torch.equal(f.vector(), fisher_information(model, x, batch_size=30, progress=False).vector())


def test_fisher_errors():
    model, x = logistic()
    with pytest.raises(ValueError, match="likelihood"):
        fisher_information(model, x, likelihood="poisson")
    with pytest.raises(ValueError, match="labels"):
        fisher_information(model, x, labels="true")
    with pytest.raises(ValueError, match="samples"):
        fisher_information(model, x, samples=0)
    with pytest.raises(ValueError, match="targets"):
        fisher_information(model, x, labels="empirical", progress=False)
    with pytest.raises(ValueError, match="class labels must lie"):
        fisher_information(model, (x, torch.full((len(x),), 3)), labels="empirical", progress=False)
    with pytest.raises(ValueError, match="bernoulli"):
        fisher_information(model, x, likelihood="bernoulli", progress=False)
    with pytest.raises(ValueError, match="at least 2 outputs"):
        fisher_information(nn.Linear(5, 1).double(), x, progress=False)
    with pytest.raises(ValueError, match="finite"):
        fisher_information(model, x.clone().fill_(float("nan")), progress=False)
    with pytest.raises(ValueError, match="at least one sample"):
        fisher_information(model, x[:0], progress=False)
    with pytest.raises(ValueError, match="no samples"):
        fisher_information(model, [], progress=False)
    with pytest.raises(ValueError, match="trainable"):
        fisher_information(nn.ReLU(), x, progress=False)
    with pytest.raises(TypeError, match="model"):
        fisher_information("model", x, progress=False)
    with pytest.raises(ValueError, match="damping"):
        fisher_information(model, x, damping=0)


def kl_to_prior(model, posterior_var, prior_var):
    """KL(N(w, s^2) || N(0, prior_var)) summed over the weights, by torch.distributions (nats)."""
    w = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    s2 = torch.cat([v.reshape(-1) for v in posterior_var.values()])
    q = torch.distributions.Normal(w, s2.sqrt())
    p = torch.distributions.Normal(torch.zeros_like(w), torch.full_like(w, math.sqrt(prior_var)))
    return float(torch.distributions.kl_divergence(q, p).sum())


def test_information_in_weights_closed_form_and_beta():
    model, x = logistic()
    f = fisher_information(model, x, labels="exact", progress=False)
    previous = math.inf
    for beta in (0.01, 0.1, 1.0, 10.0, 100.0):
        info = information_in_weights(model, x, beta=beta, prior_var=0.5, fisher=f, base=math.e)
        for name, d in f.diagonal.items():  # sigma^2 = beta / (n F + beta / lambda^2)
            assert torch.allclose(info.posterior_var[name], beta / (400 * d + beta / 0.5), rtol=1e-12)
        assert math.isclose(info.kl, kl_to_prior(model, info.posterior_var, 0.5), rel_tol=1e-9)
        assert info.kl < previous and info.variance_term > 0
        previous = info.kl
    bits = information_in_weights(model, x, beta=1.0, prior_var=0.5, fisher=f)
    assert bits.unit == "bits" and math.isclose(bits.kl * math.log(2), kl_to_prior(model, bits.posterior_var, 0.5),
                                                rel_tol=1e-9)
    # A larger training set pins the weights down more: more information.
    assert information_in_weights(model, x, fisher=f, dataset_size=4000).kl > bits.kl


def test_unused_weights_carry_no_information():
    model, x = logistic()
    x[:, 2] = 0.0   # the loss does not depend on the weights of input 2
    info = information_in_weights(model, x, labels="exact", prior_var=2.0, progress=False)
    assert torch.allclose(info.posterior_var["weight"][:, 2], torch.full((3,), 2.0, dtype=torch.float64))
    assert torch.all(info.posterior_var["weight"][:, [0, 1, 3, 4]] < 0.1)


def test_variational_posterior_matches_the_closed_form_on_a_quadratic_loss():
    model, x, y = fitted_regression()
    for beta in (1.0, 10.0):
        exact = information_in_weights(model, x, beta=beta, likelihood="gaussian", labels="exact", progress=False)
        learned = information_in_weights(model, (x, y), beta=beta, likelihood="gaussian", method="variational",
                                         steps=2000, progress=False)
        for name in exact.posterior_var:
            ratio = learned.posterior_var[name] / exact.posterior_var[name]
            assert float((ratio - 1).abs().max()) < 0.15, (name, ratio)
        assert math.isclose(learned.kl, exact.kl, rel_tol=0.05)
        assert learned.method == "variational" and learned.rows[0].method == "variational"


def test_variational_posterior_from_a_loader():
    model, x, y = fitted_regression()
    pair = information_in_weights(model, (x, y), likelihood="gaussian", method="variational", steps=1000,
                                  progress=False)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=64, shuffle=True)
    from_loader = information_in_weights(model, loader, likelihood="gaussian", method="variational", steps=1000,
                                         progress=False)
    assert math.isclose(from_loader.kl, pair.kl, rel_tol=0.05)
    # Half the training set: less curvature in the total loss, more noise tolerated, less information.
    half = information_in_weights(model, (x, y), likelihood="gaussian", method="variational", steps=1000,
                                  dataset_size=250, progress=False)
    assert half.variance_term < 0.9 * pair.variance_term


def test_information_in_weights_errors():
    model, x = logistic()
    with pytest.raises(ValueError, match="beta"):
        information_in_weights(model, x, beta=0)
    with pytest.raises(ValueError, match="prior_var"):
        information_in_weights(model, x, prior_var=-1)
    with pytest.raises(ValueError, match="method"):
        information_in_weights(model, x, method="laplace")
    with pytest.raises(TypeError, match="fisher"):
        information_in_weights(model, x, fisher={"weight": 1})
    with pytest.raises(ValueError, match="other parameters"):
        information_in_weights(model, x, fisher=fisher_information(mlp(), torch.randn(10, 6), progress=False))
    with pytest.raises(ValueError, match="targets"):
        information_in_weights(model, x, method="variational", steps=2, progress=False)
    with pytest.raises(ValueError, match="steps"):
        information_in_weights(model, x, method="variational", steps=1)


def test_effective_information_falls_with_weight_noise():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 3, generator=g)
    y = (x[:, 0] > 0).long()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 2))
    fisher = fisher_information(model, x, labels="exact", progress=False)
    estimates = {}
    for beta in (1e-8, 1e3):
        posterior = information_in_weights(model, x, beta=beta, prior_var=1.0, fisher=fisher)
        result = effective_information(model, x, y, posterior, layers="1", estimator="knn", samples_per_draw=2)
        row, = result.rows
        estimates[beta] = row
        assert row.layer == "1" and row.samples == 400 and row.unit == "bits"
    quiet, loud = estimates[1e-8], estimates[1e3]
    assert math.isclose(quiet.i_xt, quiet.i_xt_deterministic, rel_tol=0.05)
    assert loud.i_xt < 0.5 * loud.i_xt_deterministic
    with pytest.raises(TypeError, match="posterior"):
        effective_information(model, x, y, fisher)


def test_fisher_monitor_in_training(tmp_path):
    x = torch.randn(200, 6)
    y = torch.randint(0, 4, (200,))
    model = mlp()
    monitor = FisherMonitor(model, x, labels="exact")
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=50)
    fit(model, loader, torch.optim.Adam(model.parameters(), lr=1e-2), nn.functional.cross_entropy, 3,
        monitors=[monitor], progress=False)
    assert [(r.epoch, r.layer) for r in monitor.rows] == [(e, layer) for e in range(4) for layer in ("0", "3")]
    assert isinstance(monitor.update(), FisherInformation) and monitor.rows[-1].epoch == 4
    monitor.to_csv(tmp_path / "fisher.csv")
    assert (tmp_path / "fisher.csv").read_text().startswith("epoch,layer,parameters,trace,logdet")
    monitor.plot().savefig(tmp_path / "fisher.png")
    assert (tmp_path / "fisher.png").stat().st_size > 1000
    assert np.all(np.array([r.trace for r in monitor.rows]) >= 0)
