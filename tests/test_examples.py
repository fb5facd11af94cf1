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
