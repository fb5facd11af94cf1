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
