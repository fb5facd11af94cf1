"""The examples run in CI at a few epochs and write their CSV and PNG files."""

import csv
import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_twelve_bit(tmp_path):
    example = load("twelve_bit")
    x, y = example.twelve_bit_task()
    assert x.shape == (4096, 12) and 0.45 < float(y.float().mean()) < 0.55
    vertices = example.icosahedron()
    assert vertices.shape == (12, 3) and abs((vertices ** 2).sum(1) - 1).max() < 1e-12
    planes = example.main(["--epochs", "3", "--out", str(tmp_path)])
    for name, plane in planes.items():
        table = rows(tmp_path / f"{name}.csv")
        assert len(table) == 4 * 5                      # epochs 0..3, five hidden layers
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
        first = [float(r["i_xt"]) for r in table if r["epoch"] == "0"]
        assert max(first) <= 12 + 1e-9                  # H(X) = 12 bits
        assert all(float(r["i_ty"]) <= plane.h_y + 1e-9 for r in table)


def test_digits_cnn(tmp_path):
    plane, transfer = load("digits_cnn").main(["--epochs", "2", "--out", str(tmp_path)])
    assert len(rows(tmp_path / "plane.csv")) == 3 * 4
    assert len(rows(tmp_path / "transfer.csv")) == 2
    for name in ("plane.png", "transfer.png"):
        assert (tmp_path / name).stat().st_size > 1000
    assert transfer.rows[0].pairs == 32 * 10


def test_butakov_plane(tmp_path):
    plane = load("butakov_plane").main(["--epochs", "3", "--autoencoder-epochs", "3", "--out", str(tmp_path)])
    table = rows(tmp_path / "plane.csv")
    assert len(table) == 4 * 4 and (tmp_path / "plane.png").stat().st_size > 1000
    assert all("whitened" in r["estimator"] and float(r["i_xt_se"]) > 0 for r in table)
    # The output layer holds more information about the labels after training than before.
    out = {int(r["epoch"]): float(r["i_ty"]) for r in table if r["layer"] == "9"}
    assert out[3] > out[0] + 0.3


def test_digits_prequential(tmp_path):
    results = load("digits_prequential").main(["--epochs", "10", "--out", str(tmp_path)])
    table = rows(tmp_path / "prequential.csv")
    assert {r["labels"] for r in table} == {"digits", "shuffled labels"}
    assert (tmp_path / "prequential.png").stat().st_size > 1000
    real, shuffled = results["digits"], results["shuffled labels"]
    assert real.total < 0.3 * real.uniform and abs(shuffled.total / shuffled.uniform - 1) < 0.05
    assert real.value > 10 * abs(shuffled.value)


def test_fisher_training(tmp_path):
    fisher, weights = load("fisher_training").main(["--epochs", "3", "--variational-steps", "100",
                                                    "--out", str(tmp_path)])
    assert len(rows(tmp_path / "fisher.csv")) == 4 * 2          # epochs 0..3, two linear layers
    assert len(rows(tmp_path / "weights.csv")) == 3 * 2         # three betas, two methods
    assert (tmp_path / "fisher.png").stat().st_size > 1000
    for method in ("fisher", "variational"):
        kl = [r["kl_bits"] for r in weights if r["method"] == method]
        assert kl == sorted(kl, reverse=True)            # less information as beta grows
    assert all(r["i_xt_effective"] < r["i_xt_deterministic"] + 0.1 for r in weights)


def test_pretrained_transfer(tmp_path):
    results = load("pretrained_transfer").main(["--epochs", "10", "--out", str(tmp_path)])
    assert len({r["representation"] for r in rows(tmp_path / "transfer.csv")}) == 3
    assert (tmp_path / "transfer.png").stat().st_size > 1000
    codes = [r.total for r in results.values()]       # random, pretrained on 0-4, pretrained on 5-9
    assert codes[0] > codes[1] > codes[2]


def test_te_guided_training(tmp_path):
    results = load("te_guided_training").main(["--epochs", "3", "--seeds", "2", "--target", "0.5",
                                               "--out", str(tmp_path)])
    summary, curves = rows(tmp_path / "summary.csv"), rows(tmp_path / "curves.csv")
    assert len(summary) == 2 * 2 and len(curves) == 2 * 2 * 3          # seeds x arms (x epochs)
    assert (tmp_path / "te_guided.png").stat().st_size > 1000
    by = {(r["seed"], r["arm"], r["epoch"]): r for r in curves}
    for seed in ("0", "1"):
        plain, guided = (by[seed, arm, "1"] for arm in ("plain SGD", "TE-guided SGD"))
        assert plain["test_accuracy"] == guided["test_accuracy"]      # no TE before the first update: same epoch 1
        assert plain["train_loss"] == guided["train_loss"]
        assert by[seed, "TE-guided SGD", "3"]["train_loss"] != by[seed, "plain SGD", "3"]["train_loss"]  # then acts
    te = results["te_bits"]
    assert te.shape == (2, 3) and (te > 0).all() and (te < 1).all()   # binary TE, k = l = 1: within (0, 1] bit
    assert all(float(r["test_accuracy"]) > 0.3 for r in curves if r["epoch"] == "3")   # chance is 0.1


def test_continual_forgetting(tmp_path):
    monitor = load("continual_forgetting").main(["--epochs", "3", "--code-epochs", "5", "--out", str(tmp_path)])
    table = rows(tmp_path / "forgetting.csv")
    assert len(table) == 2 * 7                       # two tasks, epochs 0..6
    assert (tmp_path / "forgetting.png").stat().st_size > 1000
    row = {(r.task, r.epoch): r for r in monitor.rows}
    a, b = "A: digits 0-4", "B: digits 5-9"
    # Learning A transfers information about A; training on B alone then erases it (forgetting), while B's grows.
    assert row[a, 3].accuracy > 0.8 and row[a, 3].transfer > 0.5 * row[a, 3].prequential
    assert row[a, 6].accuracy < 0.2 and row[a, 6].transfer < 0 < row[a, 3].transfer
    assert row[b, 6].accuracy > 0.6 and row[b, 6].transfer > row[b, 3].transfer


def test_critical_periods(tmp_path):
    results = load("critical_periods").main(["--epochs", "3", "--removal", "0", "2", "--seeds", "1",
                                             "--fisher", "0", "2", "--out", str(tmp_path)])
    table = rows(tmp_path / "accuracy.csv")
    assert [(r["condition"], r["removal_epoch"]) for r in table] == [("blur deficit", "0"), ("blur deficit", "2"),
                                                                     ("control", "2")]
    fisher = rows(tmp_path / "fisher.csv")
    assert len(fisher) == 4 * (3 + 1) + 4 * (5 + 1)         # four layers; epochs 0..3 and 0..5
    assert (tmp_path / "critical_periods.png").stat().st_size > 1000
    assert all(0.2 < a <= 1 for accs in results["accuracy"].values() for a in accs)   # chance is 0.1
    # The control is untrained during the first 2 epochs: 3 epochs of training against 5.
    assert results["control"][2][0] < results["accuracy"][2][0]
    for monitor in results["fisher"].values():
        total = {}
        for r in monitor.rows:
            total[r.epoch] = total.get(r.epoch, 0.0) + r.trace
        assert max(total.values()) > 5 * total[0]            # the Fisher trace rises early in training


def test_te_network(tmp_path):
    net, truth, scores = load("te_network").main(["--nodes", "4", "--T", "600", "--n-perm", "40", "--out",
                                                  str(tmp_path)])
    table = rows(tmp_path / "te_network.csv")
    assert len(table) == len(net.links) > 0
    assert (tmp_path / "te_network.png").stat().st_size > 1000
    assert scores["precision"] >= 0.5  # most selected links are true ones


def test_feature_selection(tmp_path):
    mrmr, relevance = load("feature_selection").main(["--select", "5", "--out", str(tmp_path)])
    table = rows(tmp_path / "feature_selection.csv")
    assert len(table) == 30
    steps = {int(r["mrmr_step"]): r["feature"] for r in table if r["mrmr_step"]}
    assert sorted(steps) == [1, 2, 3, 4, 5]
    # MRMR's first step is the most relevant feature; later ones trade relevance for less redundancy.
    assert steps[1] == max(table, key=lambda r: float(r["relevance_nats"]))["feature"]
    assert (tmp_path / "feature_selection.png").stat().st_size > 1000
