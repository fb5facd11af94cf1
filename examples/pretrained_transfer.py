"""Which representation makes a new task cheapest
==============================================

Which representation makes a new task cheapest to learn? Prequential code lengths and information transfer
(Zhang et al. 2020) of the digits 5-9 (images from the second half of the data), coded by a linear probe on
three frozen representations: a randomly initialised MLP, the same MLP pretrained on the digits 0-4, and one
pretrained on other images (the first half) of the digits 5-9.

The probe (five outputs, for the labels 5-9 coded as 0-4) starts from the same initialisation in every block;
only it is trained. A representation that
already holds what the task needs lets the probe learn from few samples: the online code is shorter and less
information has to flow from the new data into the model. Features of other digits help; features of the
same digits help most.

Writes transfer.csv (one row per block and representation) and transfer.png into --out
(default pretrained-transfer/).

Run: python examples/pretrained_transfer.py [--epochs 50] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch import nn

from infoscope.plot import online_code
from infoscope.torch import Training, information_transfer, tables_to_csv


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--epochs", type=int, default=50, help="most training epochs per block (early stopping)")
    parser.add_argument("--out", type=Path, default=Path("pretrained-transfer"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    data = load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    y = torch.tensor(data.target)
    first_half = torch.arange(len(y)) < len(y) // 2
    task = ~first_half & (y >= 5)
    sources = {"random features": None, "pretrained on 0-4": y < 5,
               "pretrained on 5-9, other images": first_half & (y >= 5)}
    train = Training(epochs=args.epochs)

    results = {}
    for i, (name, source) in enumerate(sources.items()):
        torch.manual_seed(i)
        network = mlp()
        if source is not None:
            train(network, x[source], y[source], torch.Generator().manual_seed(i))
        probe = nn.Sequential(network[:-1].requires_grad_(False), nn.Linear(64, 5))
        results[name] = information_transfer(probe, x[task], y[task] - 5, train=train, progress=False)

    tables_to_csv(results, args.out / "transfer.csv", column="representation")
    online_code(results, title="digits 5-9: linear probes on frozen representations").savefig(
        args.out / "transfer.png", dpi=120)
    for name, r in results.items():
        print(f"{name:>31}: prequential code {r.total:6.0f} bits ({r.total / r.uniform:.3f} x uniform); "
              f"L_IT = {r.value:6.0f} bits")
    return results


if __name__ == "__main__":
    main()
