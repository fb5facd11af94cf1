"""Information plane and transfer of a small CNN
=============================================

A small CNN on scikit-learn's bundled digits (8x8 images, no download): its information plane by k-NN after
lossy compression (Butakov et al. 2024), and transfer entropy between its last two layers during training
(Moldovan, Cataron & Andonie).

The plane is probed on the held-out 20% of the images: each layer and the input are compressed to 4 dimensions
by PCA and I(X;T) is estimated by KSG; I(T;Y) = H(T) - sum_y p(y) H(T|Y=y) by Kozachenko-Leonenko entropies.
Transfer entropy is measured from the hidden units of the fully connected layer to the class outputs, on
binarised activations (> 0) over consecutive training samples, in windows of 256 samples.

Writes plane.csv, plane.png, transfer.csv and transfer.png into --out (default digits-results/).

Run: python examples/digits_cnn.py [--epochs 30] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from infoscope.torch import Compressed, InformationPlane, LayerTransferEntropy, fit


def digits(seed: int = 0):
    data = load_digits()
    x = torch.tensor(data.images / 16.0, dtype=torch.float32).unsqueeze(1)   # (1797, 1, 8, 8)
    y = torch.tensor(data.target, dtype=torch.long)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    cut = int(0.8 * len(x))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),       # 8 x 4 x 4
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),      # 16 x 2 x 2
        nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("digits-results"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    (x_train, y_train), (x_test, y_test) = digits()
    model = cnn()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train), batch_size=32,
                                         shuffle=True)
    plane = InformationPlane(model, x_test, y_test, layers=["2", "5", "8", "9"], estimator=Compressed(dims=4))
    transfer = LayerTransferEntropy(model, pairs=[("8", "9")], n_pairs="all", window=256)
    losses = fit(model, loader, torch.optim.Adam(model.parameters(), lr=3e-3), nn.functional.cross_entropy,
                 args.epochs, monitors=[plane, transfer], progress=False)
    with torch.no_grad():
        accuracy = float((model(x_test).argmax(1) == y_test).float().mean())

    plane.to_csv(args.out / "plane.csv")
    plane.plot(title=f"digits CNN, test set\n{plane.estimator.label}").savefig(args.out / "plane.png", dpi=120)
    transfer.to_csv(args.out / "transfer.csv")
    transfer.plot().savefig(args.out / "transfer.png", dpi=120)
    te = np.array([r.te_mean for r in transfer.rows])
    print(f"digits CNN: loss {losses[0]:.3f} -> {losses[-1]:.3f}, test accuracy {accuracy:.3f}; "
          f"mean TE hidden -> output {te[0]:.4f} -> {te[-1]:.4f} bits per neuron pair")
    for r in plane.rows:
        if r.epoch == args.epochs:
            print(f"  layer {r.layer}: I(X;T) = {r.i_xt:.2f}, I(T;Y) = {r.i_ty:.2f} bits")
    return plane, transfer


if __name__ == "__main__":
    main()
