"""Information plane of the 12-bit task
====================================

The information plane of the 12-bit task of Shwartz-Ziv & Tishby 2017, for a tanh and a ReLU network.

Inputs are all 4096 patterns of 12 bits; each bit sits on one of the 12 vertices v_i of a regular icosahedron
(12 points spread evenly over the sphere). The label is 1 when ``|sum_i x_i v_i|^2`` exceeds its median: a rule
invariant under the rotations that map the icosahedron onto itself, in the spirit of the paper's O(3)-invariant
rule. Their exact data file (var_u.mat) is not reproduced here. Network 12-10-7-5-4-3-2 as in the paper,
trained on 80% of the patterns; the plane is probed on all 4096.

Writes, for each activation: a CSV of the plane and a PNG, into --out (default twelve-bit-results/):

* tanh, binned over the fixed range [-1, 1] with 30 bins (as the paper);
* ReLU, binned over each layer's adaptive range (a fixed range breaks for ReLU).

Run: python examples/twelve_bit.py [--epochs 300] [--out DIR]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import torch
from torch import nn

from infoscope.torch import Binned, InformationPlane, fit


def icosahedron() -> np.ndarray:
    phi = (1 + 5 ** 0.5) / 2
    vertices = [v for a, b in itertools.product((-1, 1), (-phi, phi))
                for v in ((0, a, b), (a, b, 0), (b, 0, a))]
    return np.array(vertices) / np.linalg.norm(vertices[0])


def twelve_bit_task() -> tuple[torch.Tensor, torch.Tensor]:
    bits = ((np.arange(4096)[:, None] >> np.arange(12)) & 1).astype(np.float32)
    strength = np.linalg.norm(bits @ icosahedron(), axis=1) ** 2
    labels = (strength > np.median(strength)).astype(np.int64)
    return torch.from_numpy(bits), torch.from_numpy(labels)


def network(activation: type[nn.Module]) -> nn.Sequential:
    widths = [12, 10, 7, 5, 4, 3]
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), activation()]
    return nn.Sequential(*layers, nn.Linear(widths[-1], 2))


def run(activation: type[nn.Module], estimator, name: str, epochs: int, out: Path, seed: int = 0) -> InformationPlane:
    torch.manual_seed(seed)
    x, y = twelve_bit_task()
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    train = order[: int(0.8 * len(x))]
    model = network(activation)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[train], y[train]), batch_size=256,
                                         shuffle=True)
    plane = InformationPlane(model, x, y, layers=activation, estimator=estimator)
    fit(model, loader, torch.optim.Adam(model.parameters(), lr=4e-3), nn.functional.cross_entropy, epochs,
        monitors=[plane], progress=False)
    with torch.no_grad():
        accuracy = float((model(x).argmax(1) == y).float().mean())
    plane.to_csv(out / f"{name}.csv")
    plane.plot(title=f"12-bit task, {name}: {plane.estimator.label}").savefig(out / f"{name}.png", dpi=120)
    last = [r for r in plane.rows if r.epoch == epochs]
    print(f"{name}: accuracy {accuracy:.3f} after {epochs} epochs; last epoch: "
          + ", ".join(f"layer {r.layer} ({r.i_xt:.2f}, {r.i_ty:.2f}) bits" for r in last))
    return plane


def main(argv=None) -> dict[str, InformationPlane]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("twelve-bit-results"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return {
        "tanh": run(nn.Tanh, Binned(bins=30, range=(-1, 1)), "tanh", args.epochs, args.out),
        "relu": run(nn.ReLU, Binned(bins=30, range="adaptive"), "relu", args.epochs, args.out),
    }


if __name__ == "__main__":
    main()
