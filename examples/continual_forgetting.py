"""Catastrophic forgetting through information transfer
====================================================

Catastrophic forgetting seen through information transfer (Zhang et al. 2020): an MLP learns the digits 0-4
(task A), then only the digits 5-9 (task B); the L_IT and accuracy of both tasks are followed epoch by epoch.

L_IT of a task under the current model is its labels' prequential code length (computed once, by models of
the same architecture trained from scratch on growing prefixes) minus their code length under the model as it
is at that epoch, on held-out images of the task that the model never trains on. While A is learnt, A's L_IT
rises towards its prequential code; once training moves to B -- the same ten-way output, no replay of A --
the model stops predicting the classes 0-4, A's code length grows past the prequential code and its L_IT
falls below 0, while B's rises.

Writes forgetting.csv (one row per task and epoch) and forgetting.png (L_IT and accuracy against the epoch)
into --out (default continual-forgetting/).

Run: python examples/continual_forgetting.py [--epochs 20] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch import nn

from infoscope.torch import InformationTransferMonitor, Training, fit


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="training epochs on each task")
    parser.add_argument("--code-epochs", type=int, default=50,
                        help="most epochs per block of the prequential codes (early stopping)")
    parser.add_argument("--out", type=Path, default=Path("continual-forgetting"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    data = load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    y = torch.tensor(data.target)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    train, test = order[:1100], order[1100:]
    in_a = {"train": y[train] < 5, "test": y[test] < 5}
    tasks = {"A: digits 0-4": (x[test][in_a["test"]], y[test][in_a["test"]]),
             "B: digits 5-9": (x[test][~in_a["test"]], y[test][~in_a["test"]])}

    torch.manual_seed(0)
    model = mlp()
    monitor = InformationTransferMonitor(model, tasks, mlp, train=Training(epochs=args.code_epochs))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for name, mask in (("A", in_a["train"]), ("B", ~in_a["train"])):
        monitor.phase = f"training on {name}"
        dataset = torch.utils.data.TensorDataset(x[train][mask], y[train][mask])
        loader = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True,
                                             generator=torch.Generator().manual_seed(1))
        fit(model, loader, optimizer, nn.functional.cross_entropy, args.epochs, monitors=[monitor],
            progress=False)

    monitor.to_csv(args.out / "forgetting.csv")
    monitor.plot(title="digits MLP: task A (0-4), then task B (5-9)").savefig(args.out / "forgetting.png", dpi=120)
    by_epoch = {(r.task, r.epoch): r for r in monitor.rows}
    for task, (inputs, _) in tasks.items():
        start, switch, end = (by_epoch[task, e] for e in (0, args.epochs, 2 * args.epochs))
        print(f"{task} ({len(inputs)} held-out images, prequential code {start.prequential:.0f} {start.unit}): "
              f"L_IT {start.transfer:.0f} -> {switch.transfer:.0f} after A -> {end.transfer:.0f} after B; "
              f"accuracy {start.accuracy:.2f} -> {switch.accuracy:.2f} -> {end.accuracy:.2f}")
    return monitor


if __name__ == "__main__":
    main()
