"""Transfer-entropy guided training
================================

Does the transfer-entropy learning rule of Moldovan, Cataron & Andonie speed up training? Epochs to a target
test accuracy with and without it, over several seeds, on scikit-learn's bundled digits (no download).

Moldovan, Cataron & Andonie (Entropy 2020, 2021) scale the gradient of each weight w_ij between the last fully
connected layers by (1 - te_ij), the transfer entropy from neuron j to neuron i over consecutive training
samples, on binarised outputs, and report that fewer epochs are needed. Here: an MLP 64-32-10 (ReLU), plain SGD,
TE from every hidden unit to every output (binarised at 0: a ReLU unit on or off, a logit's sign), k = l = 1,
windows of --window consecutive training samples, refreshed once per epoch by
:class:`infoscope.torch.LayerTransferEntropy`; :class:`infoscope.torch.TEGuidedOptimizer` applies the rule. The
two arms of a seed start from the same weights and see the batches in the same order; the first epoch is the
same in both (no TE has been measured yet).

Writes into --out (default te-guided-results/):
  summary.csv  per seed and arm: epochs to the target test accuracy (empty if not reached), final accuracy
  curves.csv   per seed, arm and epoch: test accuracy, training loss, mean TE (bits) and mean factor 1 - te
  te_guided.png  test accuracy per epoch, both arms, mean and the range over seeds; the mean TE per epoch

Run: python examples/te_guided_training.py [--epochs 40] [--seeds 20] [--target 0.95] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from infoscope.torch import LayerTransferEntropy, TEGuidedOptimizer, fit

ARMS = ("plain SGD", "TE-guided SGD")


def digits():
    """The 1797 digits, pixels scaled to [0, 1], split 80/20 once (the same split for every seed)."""
    data = load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    y = torch.tensor(data.target, dtype=torch.long)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    cut = int(0.8 * len(x))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


class TestAccuracy:
    """A monitor: test accuracy after each epoch."""

    def __init__(self, model, x, y):
        self.model, self.x, self.y, self.values = model, x, y, []

    def start(self):
        pass

    def epoch_end(self, epoch):
        self.model.eval()
        with torch.no_grad():
            self.values.append(float((self.model(self.x).argmax(1) == self.y).float().mean()))
        self.model.train()

    def stop(self):
        pass


def train(seed: int, guided: bool, data, epochs: int, lr: float, window: int) -> dict:
    (x_train, y_train), (x_test, y_test) = data
    torch.manual_seed(seed)
    model = mlp()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train), batch_size=32,
                                         shuffle=True, generator=torch.Generator().manual_seed(seed))
    transfer = LayerTransferEntropy(model, pairs=[("1", "2")], n_pairs="all", threshold=0.0, window=window,
                                    seed=seed)
    sgd = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer = TEGuidedOptimizer(sgd, transfer) if guided else sgd
    accuracy = TestAccuracy(model, x_test, y_test)
    losses = fit(model, loader, optimizer, nn.functional.cross_entropy, epochs, monitors=[transfer, accuracy],
                 progress=False)
    te = [r.te_mean for r in transfer.rows]   # bits; the factor in epoch e + 1 is 1 - te of epoch e
    return {"accuracy": accuracy.values, "loss": losses, "te": te}


def epochs_to(curve, target):
    reached = [e for e, a in enumerate(curve, start=1) if a >= target]
    return reached[0] if reached else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--target", type=float, default=0.95, help="test accuracy to reach")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--window", type=int, default=256, help="TE window (consecutive training samples)")
    parser.add_argument("--out", type=Path, default=Path("te-guided-results"))
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.seeds < 1:
        parser.error("--epochs and --seeds must be at least 1")
    if not 0 < args.target <= 1:
        parser.error("--target must lie in (0, 1]")
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    data = digits()
    runs = {(seed, arm): train(seed, arm == ARMS[1], data, args.epochs, args.lr, args.window)
            for seed in range(args.seeds) for arm in ARMS}

    with open(args.out / "summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["seed", "arm", "epochs_to_target", "target", "final_accuracy"])
        for (seed, arm), run in runs.items():
            reached = epochs_to(run["accuracy"], args.target)
            w.writerow([seed, arm, "" if reached is None else reached, args.target, f"{run['accuracy'][-1]:.4f}"])
    with open(args.out / "curves.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["seed", "arm", "epoch", "test_accuracy", "train_loss", "te_bits_mean", "factor_mean"])
        for (seed, arm), run in runs.items():
            for epoch, (acc, loss, te) in enumerate(zip(run["accuracy"], run["loss"], run["te"]), start=1):
                factor = 1 - te if arm == ARMS[1] else 1.0     # applied from the next epoch on
                w.writerow([seed, arm, epoch, f"{acc:.4f}", f"{loss:.5f}", f"{te:.5f}", f"{factor:.5f}"])

    results = summarise(runs, args)
    plot(runs, args).savefig(args.out / "te_guided.png", dpi=120)
    return results


def summarise(runs, args) -> dict:
    """Median (and quartiles) of the epochs to target per arm, counting a seed that never reached it as
    epochs + 1; the paired difference per seed; final accuracies."""
    seeds = range(args.seeds)
    censored = {arm: np.array([epochs_to(runs[s, arm]["accuracy"], args.target) or args.epochs + 1 for s in seeds])
                for arm in ARMS}
    final = {arm: np.array([runs[s, arm]["accuracy"][-1] for s in seeds]) for arm in ARMS}
    difference = censored[ARMS[1]] - censored[ARMS[0]]
    results = {"epochs_to_target": censored, "final_accuracy": final, "difference": difference,
               "te_bits": np.array([runs[s, ARMS[1]]["te"] for s in seeds])}
    print(f"digits MLP, SGD lr={args.lr}, {args.seeds} seeds, target test accuracy {args.target}, "
          f"TE window {args.window}:")
    for arm in ARMS:
        q1, med, q3 = np.percentile(censored[arm], [25, 50, 75])
        missed = int((censored[arm] > args.epochs).sum())
        print(f"  {arm:14s} epochs to target: median {med:g} (quartiles {q1:g}-{q3:g}, range "
              f"{censored[arm].min()}-{censored[arm].max()}, {missed} never); final accuracy "
              f"{np.median(final[arm]):.4f} (range {final[arm].min():.4f}-{final[arm].max():.4f})")
    print(f"  TE-guided minus plain, per seed: median {np.median(difference):g} epochs; faster in "
          f"{int((difference < 0).sum())}, slower in {int((difference > 0).sum())}, tied in "
          f"{int((difference == 0).sum())} seeds")
    te = results["te_bits"]
    print(f"  mean TE hidden -> output (bits): epoch 1 {te[:, 0].mean():.4f}, last epoch {te[:, -1].mean():.4f}; "
          f"so the factor 1 - te is {1 - te.mean():.4f} on average")
    return results


def plot(runs, args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_te) = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    epochs = np.arange(1, args.epochs + 1)
    for arm, colour in zip(ARMS, ("tab:blue", "tab:orange")):
        curves = np.array([runs[s, arm]["accuracy"] for s in range(args.seeds)])
        ax.plot(epochs, curves.mean(0), color=colour, label=f"{arm} (mean)")
        ax.fill_between(epochs, curves.min(0), curves.max(0), color=colour, alpha=0.2, label=f"{arm} (range)")
        te = np.array([runs[s, arm]["te"] for s in range(args.seeds)])
        ax_te.plot(epochs, te.mean(0), color=colour, label=arm)
        ax_te.fill_between(epochs, te.min(0), te.max(0), color=colour, alpha=0.2)
    ax.axhline(args.target, color="grey", lw=0.8, ls="--", label=f"target {args.target}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"digits MLP: (1 - TE) rule of Moldovan et al., {args.seeds} seeds", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax_te.set_xlabel("epoch")
    ax_te.set_ylabel("mean TE hidden -> output (bits)")
    ax_te.set_title("TE per neuron pair (mean, range over seeds)", fontsize=10)
    ax_te.set_ylim(bottom=0)
    ax_te.legend(fontsize=8)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
