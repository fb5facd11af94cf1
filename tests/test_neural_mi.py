"""Neural MI bounds (MINE, NWJ, InfoNCE, SMILE): formulas against numpy, known MI, independence, seeds, errors."""

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import infoscope as isc  # noqa: E402
from infoscope.torch import neural_mi as nm  # noqa: E402

BOUNDS = ["mine", "nwj", "infonce", "smile"]


def _log_mean_exp(v):
    v = np.asarray(v, dtype=np.float64)
    top = v.max()
    return top + math.log(np.mean(np.exp(v - top)))


def _numpy_bound(s, bound, tau=5.0):
    """Each bound written out from its paper, on a score matrix s[i, j] = f(x_i, y_j)."""
    b = s.shape[0]
    diagonal = np.diag(s)
    off = s[~np.eye(b, dtype=bool)]
    if bound == "mine":  # Donsker-Varadhan (Belghazi et al. 2018, eq. 2)
        return diagonal.mean() - _log_mean_exp(off)
    if bound == "nwj":  # E_p[f] - E_q[e^(f - 1)]
        return diagonal.mean() - np.mean(np.exp(off - 1.0))
    if bound == "infonce":  # (1/B) sum_i log( e^f_ii / ((1/B) sum_j e^f_ij) )
        return np.mean([s[i, i] - math.log(np.mean(np.exp(s[i]))) for i in range(b)])
    if bound == "smile":  # DV with the log term's scores clipped to [-tau, tau]
        return diagonal.mean() - _log_mean_exp(np.clip(off, -tau, tau))
    raise AssertionError(bound)


@pytest.fixture(scope="module")
def scores():
    return np.random.default_rng(3).normal(0.0, 2.0, size=(7, 7)) + 3.0 * np.eye(7)


@pytest.mark.parametrize("bound", BOUNDS)
def test_bound_formula_matches_numpy(scores, bound):
    tau = 1.5  # small, so that SMILE's clipping acts on these scores
    got = float(nm.bound_value(torch.tensor(scores, dtype=torch.float64), bound, tau=tau))
    assert got == pytest.approx(_numpy_bound(scores, bound, tau=tau), rel=1e-12, abs=1e-12)


def test_smile_trains_by_jensen_shannon(scores):
    softplus = lambda v: np.logaddexp(0.0, v)  # noqa: E731
    off = scores[~np.eye(7, dtype=bool)]
    js = -softplus(-np.diag(scores)).mean() - softplus(off).mean()
    got = float(nm.training_loss(torch.tensor(scores), "smile"))
    assert got == pytest.approx(-js, rel=1e-12)


def test_mine_moving_average_gradient(scores):
    """MINE's corrected gradient (Belghazi et al. 2018, section 3.2): d/dS of -(mean diag S - mean_off e^S / a),
    a = (1 - r) a_prev + r mean_off e^S, with a_prev the first batch's mean."""
    rate = 0.01
    average = nm._MovingAverage(rate)
    first = scores - 1.0
    nm.training_loss(torch.tensor(first), "mine", average)  # starts the average
    s = torch.tensor(scores, requires_grad=True)
    nm.training_loss(s, "mine", average).backward()
    off = ~np.eye(7, dtype=bool)
    a = (1 - rate) * np.mean(np.exp(first[off])) + rate * np.mean(np.exp(scores[off]))
    expected = np.where(off, np.exp(scores) / (off.sum() * a), -np.eye(7) / 7)
    np.testing.assert_allclose(s.grad.numpy(), expected, rtol=1e-10, atol=1e-14)


def test_infonce_never_exceeds_log_block():
    huge = torch.tensor(50.0 * np.eye(16) + np.random.default_rng(0).normal(size=(16, 16)))
    assert float(nm.bound_value(huge, "infonce")) <= math.log(16) + 1e-12
    # Nearly deterministic data (MI ~ 9 nats): the held-out blocks hold all 60 held-out samples.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2))
    estimate = isc.mutual_info(x, x + 1e-4 * rng.standard_normal((200, 2)), method="infonce", steps=100)
    assert 0.5 * math.log(60) < estimate <= math.log(60) + 1e-6


def test_joint_critic_scores_every_pair_as_the_concatenated_mlp():
    torch.manual_seed(0)
    critic = nm.JointCritic(3, 2, hidden=5, layers=2).double()
    x, y = torch.randn(4, 3, dtype=torch.float64), torch.randn(6, 2, dtype=torch.float64)
    weight = torch.cat([critic.first_x.weight, critic.first_y.weight], dim=1).detach()
    critic.requires_grad_(False)
    for i in range(4):
        for j in range(6):
            first = torch.relu(weight @ torch.cat([x[i], y[j]]) + critic.first_x.bias)
            assert float(critic(x, y)[i, j]) == pytest.approx(float(critic.rest(first)), rel=1e-12)


def _correlated(n, seed, rho=0.8):
    """Two pairs of coordinates with correlation rho: I = -log(1 - rho^2) nats."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    y = rho * x + math.sqrt(1 - rho ** 2) * rng.standard_normal((n, 2))
    return x, y, -math.log(1 - rho ** 2)


@pytest.mark.parametrize("bound", BOUNDS)
def test_gaussian_2x2_known_mi(bound):
    x, y, truth = _correlated(2000, 1)  # truth 1.02 nats
    estimate = isc.mutual_info(x, y, method=bound, steps=300, seed=0)
    assert abs(estimate - truth) < 0.15, (bound, estimate, truth)


def test_joint_critic_runs():
    x, y, truth = _correlated(1000, 2)
    estimate = isc.mutual_info(x, y, method="smile", critic="joint", hidden=16, batch_size=32, steps=300,
                               patience=0, lr=3e-3)
    assert abs(estimate - truth) < 0.25


def test_independence_gives_about_zero():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((2000, 3)), rng.standard_normal((2000, 3))
    assert abs(isc.mutual_info(x, y, method="infonce", steps=200)) < 0.05


def test_same_seed_same_value_and_global_generator_untouched():
    x, y, _ = _correlated(600, 3)
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    first = isc.mutual_info(x, y, method="nwj", steps=60, seed=7)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert isc.mutual_info(x, y, method="nwj", steps=60, seed=7) == first
    assert isc.mutual_info(x, y, method="nwj", steps=60, seed=8) != first


def test_base_two_is_nats_over_log_two():
    x, y, _ = _correlated(600, 4)
    nats = isc.mutual_info(x, y, method="smile", steps=60)
    assert isc.mutual_info(x, y, method="smile", steps=60, base=2) == pytest.approx(nats / math.log(2))


@pytest.mark.parametrize("options, match", [
    (dict(local=True), "local"),
    (dict(critic="deep"), "critic"),
    (dict(steps=0), "steps"),
    (dict(batch_size=1), "batch_size"),
    (dict(test_fraction=1.0), "test_fraction"),
    (dict(lr=-1.0), "lr"),
    (dict(patience=-1), "patience"),
    (dict(transform="log"), "transform"),
    (dict(device="tpu"), "device"),
])
def test_bad_options(options, match):
    x, y, _ = _correlated(100, 0)
    with pytest.raises(ValueError, match=match):
        isc.mutual_info(x, y, method="mine", **options)


def test_bad_inputs():
    x, y, _ = _correlated(100, 0)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="x must be finite"):
        isc.mutual_info(bad, y, method="infonce")
    with pytest.raises(ValueError, match="same number of samples"):
        isc.mutual_info(x, y[:50], method="infonce")
    with pytest.raises(TypeError, match="y"):
        isc.mutual_info(x, None, method="infonce")
    with pytest.raises(ValueError, match="too few"):
        isc.mutual_info(x[:4], y[:4], method="infonce")
    with pytest.raises(TypeError, match="no option 'k'"):
        isc.mutual_info(x, y, method="infonce", k=3)
    with pytest.raises(TypeError, match="tau"):  # SMILE's option only
        isc.mutual_info(x, y, method="infonce", tau=2.0)
    with pytest.raises(TypeError, match="progress"):
        isc.mutual_info(x, y, method="infonce", progress="yes")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without a CUDA device")
def test_cuda_without_a_device():
    x, y, _ = _correlated(100, 0)
    with pytest.raises(ValueError, match="CUDA"):
        isc.mutual_info(x, y, method="smile", device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_tensors_train_on_the_gpu():
    x, y, truth = _correlated(2000, 1)
    estimate = isc.mutual_info(torch.tensor(x).cuda(), torch.tensor(y).cuda(), method="infonce", steps=300)
    assert abs(estimate - truth) < 0.15


def test_missing_torch_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "infoscope.torch", None)
    x, y, _ = _correlated(100, 0)
    with pytest.raises(ImportError, match="torch"):
        isc.mutual_info(x, y, method="mine")


def test_import_infoscope_does_not_import_torch():
    code = "import sys, infoscope; infoscope.mutual_info([0.0, 1.0, 2.0, 3.0, 5.0], [1.0, 0.0, 2.0, 4.0, 3.0], k=2); " \
           "assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_many_estimates_take_the_neural_bounds():
    x, y, _ = _correlated(400, 6)
    table = np.hstack([x[:, :1], y[:, :1], np.random.default_rng(0).standard_normal((400, 1))])
    matrix = isc.mutual_info_matrix(table, method="infonce", steps=40)
    assert matrix.values[0, 1] == isc.mutual_info(table[:, 0], table[:, 1], method="infonce", steps=40)
    with pytest.raises(ValueError, match="local"):
        isc.mutual_info_matrix(table, method="infonce", steps=40, local=True)
