"""Fisher information across training
==================================

The Fisher information of a small MLP across training on the digits data, and the information in its
weights at the end (Achille, Paolini & Soatto 2019).

The diagonal Fisher (labels sampled from the model's own predictions) is computed per layer before training
and after every epoch on 500 training images. At the end, the information in the weights -- the KL between the
Gaussian posterior that the loss tolerates and a N(0, 1) prior -- is computed for several values of beta, from
the exact Fisher and by learning the weight noise (variational), and the effective information of the hidden
layer under that noise. The variational posterior holds more information: the cross-entropy of a confident
network rises faster than quadratically as its weights move, so less noise is tolerated than the Fisher
(the quadratic model) predicts.

Writes fisher.csv and fisher.png (trace per layer against epoch) and weights.csv (information in the weights
per beta and method) into --out (default fisher-training/).

Run: python examples/fisher_training.py [--epochs 30] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch import nn

from infoscope.torch import FisherMonitor, effective_information, fisher_information, fit, information_in_weights


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--variational-steps", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("fisher-training"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    data = load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    y = torch.tensor(data.target)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    train, test = order[:1400], order[1400:]
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[train], y[train]), batch_size=32,
                                         shuffle=True)
    fisher = FisherMonitor(model, x[train[:500]])
    losses = fit(model, loader, torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
                 nn.functional.cross_entropy, args.epochs, monitors=[fisher], progress=False)
    fisher.to_csv(args.out / "fisher.csv")
    fisher.plot(title="digits MLP: Fisher trace during training").savefig(args.out / "fisher.png", dpi=120)

    exact = fisher_information(model, x[train], labels="exact", progress=False)
    rows = []
    for beta in (0.01, 0.1, 1.0):
        for method in ("fisher", "variational"):
            info = information_in_weights(model, (x[train], y[train]), beta=beta, prior_var=1.0, method=method,
                                          fisher=exact if method == "fisher" else None,
                                          steps=args.variational_steps, progress=False)
            effective, = effective_information(model, x[test], y[test], info, layers="1").rows
            rows.append(dict(beta=beta, method=method, kl_bits=info.kl, variance_term_bits=info.variance_term,
                             i_xt_effective=effective.i_xt, i_xt_deterministic=effective.i_xt_deterministic))
    with open(args.out / "weights.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    traces = [sum(r.trace for r in fisher.rows if r.epoch == e) for e in range(args.epochs + 1)]
    peak = max(range(len(traces)), key=traces.__getitem__)
    print(f"digits MLP: loss {losses[0]:.3f} -> {losses[-1]:.3f}; Fisher trace {traces[0]:.3g} at epoch 0, "
          f"peak {traces[peak]:.3g} at epoch {peak}, {traces[-1]:.3g} at epoch {args.epochs}")
    for r in rows:
        print(f"  beta {r['beta']:<5g} {r['method']:>11}: information in the weights {r['kl_bits']:9.0f} bits "
              f"(beta-dependent part {r['variance_term_bits']:8.0f}); effective I(X;T) of the hidden layer "
              f"{r['i_xt_effective']:.2f} bits (noiseless {r['i_xt_deterministic']:.2f})")
    return fisher, rows


if __name__ == "__main__":
    main()
