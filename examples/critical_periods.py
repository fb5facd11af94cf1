"""Critical learning periods
=========================

Critical learning periods (Achille, Rovere & Soatto 2019; Achille, Paolini & Soatto 2019): a deficit in the
first E epochs of training -- blurred inputs, or no inputs at all (white noise) -- then normal training for a
fixed number of epochs, for a sweep of E; the final test accuracy against E, and the trace of the Fisher
information of the weights, computed every epoch, which the papers see rise early in training and then fall.

Protocol, after the papers (Achille, Rovere & Soatto, "Critical learning periods in deep networks", ICLR 2019):
the deficit ends at epoch E and training goes on for a fixed number of epochs (160 there, --epochs here) on
the clean data; SGD with momentum and weight decay, the learning rate decaying by 0.97 per epoch from the
first epoch, so the deficit is removed at a lower learning rate the later it ends; a blur that downsamples the
inputs and interpolates them back up (32x32 CIFAR-10 images to 8x8 there). Where this differs, for a CPU
budget of minutes:

* data: MNIST-1D (Greydanus 2020; 4000 training and 1000 test signals of length 40, generated locally by
  ``mnist1d.data.make_dataset``) with a small 1-D CNN, instead of CIFAR-10 with an All-CNN or ResNet-18; the
  blur averages 4 samples and interpolates back (40 -> 10 -> 40). ``--dataset digits`` uses scikit-learn's
  8x8 digits (4x4 -> 8x8): too easy for a small network to show much of a critical period (test accuracy
  0.985 without deficit, 0.972 with the deficit until epoch 20 or 40, 0.966 until 60; two seeds).
* 40 normal epochs after the deficit instead of 160, initial learning rate 0.05 (0.075 in the paper),
  batch 100 (128). ``--decay 1`` keeps the rate constant.
* ``--deficit noise`` replaces every input by Gaussian white noise of the data's standard deviation, the
  sensory deprivation of the paper (which reports it to harm less than blur).
* the Fisher trace is that of :func:`infoscope.torch.fisher_information` (diagonal, labels sampled from the
  model), per sample, on 500 clean training inputs, after every epoch for the runs of the first seed whose
  removal epoch is in --fisher.

A control separates the lasting harm of the deficit from what the learning rate left at epoch E still allows:
a network not trained at all until epoch E, then trained on the clean data for the same epochs at the same
rates (--no-control skips it). With the decaying rate it matters: at full size (defaults) the accuracy falls
from 0.90 (no deficit) to 0.73 (blur until epoch 60), but the control falls about as much up to E = 40
and further at 60, to 0.58: the fall comes from the rate left at E, not from a lasting harm of the blur. At a constant rate (--decay 1) the
blur does leave a lasting cost, smaller than the paper's: 0.93 without deficit, 0.90 with the blur until epoch
40 or 60. White noise (--deficit noise) harms more than the control: 0.45 against 0.58 at E = 60.

Writes accuracy.csv (final test accuracy per condition, removal epoch and seed), fisher.csv (Fisher trace per
layer, epoch and removal epoch) and critical_periods.png (accuracy against the removal epoch; total Fisher
trace against the epoch) into --out (default critical-periods/).

Run: python examples/critical_periods.py [--epochs 40] [--removal 0 10 20 30 40 60] [--seeds 2] [--decay 0.97]
         [--deficit blur|noise] [--dataset mnist1d|digits] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from infoscope.torch import FisherMonitor, fit, tables_to_csv

LEARNING_RATE = 0.05        # SGD's rate at epoch 1; --decay per epoch after it


def load(dataset: str):
    """(train inputs, train labels, test inputs, test labels), inputs flat, and the blur for them."""
    if dataset == "mnist1d":
        from mnist1d.data import get_dataset_args, make_dataset
        data = make_dataset(get_dataset_args())          # generated here; never downloaded
        x, x_test = (torch.tensor(data[k], dtype=torch.float32) for k in ("x", "x_test"))
        y, y_test = (torch.tensor(data[k]).long() for k in ("y", "y_test"))

        def blur(a):
            return F.interpolate(F.avg_pool1d(a[:, None], 4), size=a.shape[1], mode="linear")[:, 0]
        return x, y, x_test, y_test, blur
    from sklearn.datasets import load_digits
    data = load_digits()
    inputs, labels = torch.tensor(data.data / 16.0, dtype=torch.float32), torch.tensor(data.target)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    train, test = order[:1200], order[1200:]

    def blur(a):
        images = F.avg_pool2d(a.view(-1, 1, 8, 8), 2)
        return F.interpolate(images, size=8, mode="bilinear").view(-1, 64)
    return inputs[train], labels[train], inputs[test], labels[test], blur


def network(dataset: str) -> nn.Sequential:
    if dataset == "mnist1d":
        return nn.Sequential(nn.Unflatten(1, (1, 40)), nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU(),
                             nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
                             nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
                             nn.Linear(125, 10))
    return nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(32 * 16, 10))


def run(data, args, removal: int, seed: int, fisher: bool = False, control: bool = False):
    """Trains one network with the deficit until ``removal`` -- or, for the control, not at all until then --
    and then on the clean data; its test accuracy and, if asked, its Fisher monitor."""
    x, y, x_test, y_test, blur = data
    torch.manual_seed(seed)
    model = network(args.dataset)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=0.9, weight_decay=5e-4)
    generator = torch.Generator().manual_seed(seed)
    monitor = FisherMonitor(model, x[:500], seed=seed) if fisher else None
    if monitor:
        monitor.update(0)
    deficit = blur(x) if args.deficit == "blur" else None
    for epoch in range(1, removal + args.epochs + 1):
        if control and epoch <= removal:
            continue
        for group in optimizer.param_groups:        # the same rate at the same epoch in every run
            group["lr"] = LEARNING_RATE * args.decay ** (epoch - 1)
        inputs = x
        if epoch <= removal:
            inputs = deficit if deficit is not None else torch.randn(x.shape, generator=generator) * x.std()
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(inputs, y), batch_size=100,
                                             shuffle=True, generator=generator)
        fit(model, loader, optimizer, F.cross_entropy, 1, progress=False)
        if monitor:
            monitor.update(epoch)
    with torch.no_grad():
        model.eval()
        accuracy = float((model(x_test).argmax(1) == y_test).float().mean())
    return accuracy, monitor


def mean(values) -> float:
    return sum(values) / len(values)


def fisher_totals(monitor: FisherMonitor) -> dict[int, float]:
    """The Fisher trace summed over layers, per epoch."""
    totals = {}
    for r in monitor.rows:
        totals[r.epoch] = totals.get(r.epoch, 0.0) + r.trace
    return totals


def figure(accuracy: dict, control: dict, fisher: dict, args):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(10.0, 4.0), layout="constrained")
    left, right = fig.subplots(1, 2)
    removals = sorted(accuracy)
    left.plot(removals, [mean(accuracy[e]) for e in removals], marker="o", color="k", label=f"{args.deficit} deficit until E")
    for e in removals:
        left.scatter([e] * len(accuracy[e]), accuracy[e], s=12, color="0.5", zorder=3)
    if control:
        ends = sorted(control)
        left.plot(ends, [mean(control[e]) for e in ends], marker="s", color="tab:blue",
                  linestyle="--", label="control: untrained until E")
    left.set_xlabel("deficit removal epoch E")
    left.set_ylabel(f"test accuracy after {args.epochs} more epochs")
    left.set_title(f"{args.dataset}, mean of {args.seeds} seed(s)")
    left.legend(fontsize="small")
    for removal, monitor in fisher.items():
        totals = fisher_totals(monitor)
        epochs = sorted(totals)
        line, = right.plot(epochs, [totals[e] for e in epochs], label=f"E = {removal}")
        if removal:
            right.axvline(removal, color=line.get_color(), linestyle=":", linewidth=1)
    if not fisher:
        right.set_axis_off()
        return fig
    right.set_yscale("log")
    right.set_xlabel("epoch")
    right.set_ylabel("trace of the Fisher information (per sample)")
    right.set_title("Fisher trace (deficit until the dotted line)")
    right.legend(fontsize="small", title="removal", title_fontsize="small")
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--dataset", choices=("mnist1d", "digits"), default="mnist1d")
    parser.add_argument("--deficit", choices=("blur", "noise"), default="blur")
    parser.add_argument("--epochs", type=int, default=40, help="normal training epochs after the deficit")
    parser.add_argument("--removal", type=int, nargs="+", default=[0, 10, 20, 30, 40, 60],
                        help="epochs at which the deficit is removed (0: no deficit)")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--decay", type=float, default=0.97,
                        help="learning-rate factor per epoch (1: constant rate, the control is then not needed)")
    parser.add_argument("--fisher", type=int, nargs="*", default=[0, 20, 60],
                        help="removal epochs whose first-seed runs record the Fisher trace every epoch")
    parser.add_argument("--no-control", dest="control", action="store_false",
                        help="skip the control runs (no deficit, no training before the removal epoch)")
    parser.add_argument("--out", type=Path, default=Path("critical-periods"))
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.seeds < 1 or min(args.removal) < 0 or not 0 < args.decay <= 1:
        parser.error("--epochs and --seeds must be at least 1, --removal epochs at least 0, --decay in (0, 1]")
    args.out.mkdir(parents=True, exist_ok=True)

    data = load(args.dataset)
    accuracy, control, fisher = {}, {}, {}
    for removal in sorted(set(args.removal)):
        for seed in range(args.seeds):
            acc, monitor = run(data, args, removal, seed, fisher=seed == 0 and removal in args.fisher)
            accuracy.setdefault(removal, []).append(acc)
            if monitor:
                fisher[removal] = monitor
        if args.control and removal > 0:
            control[removal] = [run(data, args, removal, seed, control=True)[0] for seed in range(args.seeds)]

    with open(args.out / "accuracy.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["dataset", "condition", "removal_epoch", "seed", "test_accuracy"])
        for condition, table in ((f"{args.deficit} deficit", accuracy), ("control", control)):
            writer.writerows([args.dataset, condition, e, s, a] for e in sorted(table)
                             for s, a in enumerate(table[e]))
    if fisher:
        tables_to_csv({str(e): m for e, m in fisher.items()}, args.out / "fisher.csv", column="removal_epoch")
    figure(accuracy, control, fisher, args).savefig(args.out / "critical_periods.png", dpi=120)

    for e in sorted(accuracy):
        against = f"; control (untrained until then) {mean(control[e]):.3f}" if e in control else ""
        print(f"{args.deficit} deficit until epoch {e:3d}: test accuracy {mean(accuracy[e]):.3f} "
              f"({', '.join(f'{a:.3f}' for a in accuracy[e])}){against}")
    for e, monitor in fisher.items():
        totals = fisher_totals(monitor)
        peak = max(totals, key=totals.get)
        print(f"Fisher trace, removal at {e}: {totals[0]:.3g} at epoch 0, peak {totals[peak]:.3g} at epoch {peak}, "
              f"{totals[max(totals)]:.3g} at the end (epoch {max(totals)})")
    return {"accuracy": accuracy, "control": control, "fisher": fisher}


if __name__ == "__main__":
    main()
