"""Prequential code length of the digits
=====================================

How much information flows from the digits data into a network: the prequential code length of its labels
and the information transfer L_IT (Zhang et al. 2020), beside the same images with shuffled labels.

An MLP is trained anew on each growing prefix of the data (doubling blocks) and codes the next block; the final
model, trained on all of it, gives the code length the online learning curve is compared with. Real labels are
learned from few samples: their code is a fraction of the uniform code, and the area between the curves (L_IT)
is large. Shuffled labels cannot be compressed: their code stays at the uniform code and almost nothing is
transferred.

Writes prequential.csv (one row per block and labelling) and prequential.png into --out
(default digits-prequential/).

Run: python examples/digits_prequential.py [--epochs 50] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch import nn

from infoscope.plot import online_code
from infoscope.torch import Training, information_transfer, tables_to_csv


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--epochs", type=int, default=50, help="most training epochs per block (early stopping)")
    parser.add_argument("--out", type=Path, default=Path("digits-prequential"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    data = load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    y = torch.tensor(data.target)
    shuffled = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(1))]
    train = Training(epochs=args.epochs)
    results = {name: information_transfer(mlp, x, labels, train=train, progress=False)
               for name, labels in (("digits", y), ("shuffled labels", shuffled))}

    tables_to_csv(results, args.out / "prequential.csv", column="labels")
    online_code(results, title="digits: prequential code and information transfer").savefig(
        args.out / "prequential.png", dpi=120)
    for name, r in results.items():
        print(f"{name:>16}: prequential code {r.total:7.0f} bits = {r.total / r.uniform:.3f} x uniform "
              f"({r.uniform:.0f}); final model {r.final:6.0f} bits; L_IT = {r.value:6.0f} bits")
    return results


if __name__ == "__main__":
    main()
