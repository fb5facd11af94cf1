"""Information plane by compression (Butakov et al. 2024)
======================================================

The information plane of a small CNN on scikit-learn's bundled digits (8x8, no download) by the protocol of
Butakov et al. 2024 ("Information bottleneck analysis of deep neural networks via lossy compression", ICLR).

* Noise of standard deviation ``1e-3 |x|`` before every layer with weights, in training and at inference
  (:func:`infoscope.torch.insert_noise`), and LeakyReLU activations, so that every layer is a noisy channel.
* The input compressed to 4 dimensions by a convolutional autoencoder trained on the training images
  (:class:`infoscope.torch.ConvAutoencoder`), each layer by PCA to 4 dimensions at every epoch.
* Whitened Kozachenko-Leonenko estimates (:meth:`infoscope.torch.Compressed.butakov`) on the held-out 20%, in
  nats, with standard errors, drawn as error bars with smoothed curves.

Writes plane.csv and plane.png into --out (default butakov-results/).

Run: python examples/butakov_plane.py [--epochs 40] [--autoencoder-epochs 60] [--out DIR]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch import nn

from infoscope.torch import Compressed, ConvAutoencoder, InformationPlane, fit, insert_noise


def digits(seed: int = 0):
    data = load_digits()
    x = torch.tensor(data.images / 16.0, dtype=torch.float32).unsqueeze(1)   # (1797, 1, 8, 8)
    y = torch.tensor(data.target, dtype=torch.long)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    cut = int(0.8 * len(x))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.LeakyReLU(), nn.MaxPool2d(2),       # 8 x 4 x 4
        nn.Conv2d(8, 16, 3, padding=1), nn.LeakyReLU(), nn.MaxPool2d(2),      # 16 x 2 x 2
        nn.Flatten(), nn.Linear(64, 32), nn.LeakyReLU(), nn.Linear(32, 10))


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--autoencoder-epochs", type=int, default=60)
    parser.add_argument("--sigma", type=float, default=1e-3)
    parser.add_argument("--out", type=Path, default=Path("butakov-results"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    (x_train, y_train), (x_test, y_test) = digits()
    encoder = ConvAutoencoder((8, 8), latent_dims=4, seed=0).fit(x_train, epochs=args.autoencoder_epochs,
                                                                  batch_size=32, progress=False)
    model = insert_noise(cnn(), sigma=args.sigma, seed=0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train), batch_size=32,
                                         shuffle=True)
    plane = InformationPlane(model, x_test, y_test, layers=["1", "4", "8", "9"], base=math.e,
                             estimator=Compressed.butakov(input_compression=encoder.encode))
    losses = fit(model, loader, torch.optim.Adam(model.parameters(), lr=1e-3), nn.functional.cross_entropy,
                 args.epochs, monitors=[plane], progress=False)
    with torch.no_grad():
        accuracy = float((model(x_test).argmax(1) == y_test).float().mean())

    plane.to_csv(args.out / "plane.csv")
    smooth = "butakov" if args.epochs >= 8 else None
    plane.plot(title=f"digits CNN (noise {args.sigma:g}|x| before each layer), test set\nButakov et al. 2024 "
                     "protocol", smooth=smooth).savefig(args.out / "plane.png", dpi=120)
    print(f"digits CNN: loss {losses[0]:.3f} -> {losses[-1]:.3f}, test accuracy {accuracy:.3f}, autoencoder "
          f"reconstruction error {encoder.reconstruction_error(x_test):.3f}")
    for r in plane.rows:
        if r.epoch in (0, args.epochs):
            print(f"  epoch {r.epoch:3d} layer {r.layer}: I(X;T) = {r.i_xt:.2f} ± {r.i_xt_se:.2f}, "
                  f"I(T;Y) = {r.i_ty:.2f} ± {r.i_ty_se:.2f} nats")
    return plane


if __name__ == "__main__":
    main()
