"""A small convolutional autoencoder that compresses images to a few dimensions before k-NN estimation.

Butakov et al. 2024 ("Information bottleneck analysis of deep neural networks via lossy compression", ICLR)
compress the input images of a network -- and the images of their synthetic tasks -- with a convolutional
autoencoder trained on the training set, to a 4-dimensional code, and estimate mutual information between
codes. If the encoder is injective on the images' manifold (a 4-parameter family of images into 4 numbers), the
code keeps all the information; what it loses is the error of the compression, which a test on known-truth
tasks (:mod:`infoscope.bench`, the "image-*" tasks) measures.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .._arrays import check_choice, check_count, check_flag, check_real
from ._data import model_inputs

__all__ = ["ConvAutoencoder"]


class ConvAutoencoder(nn.Module):
    """Convolutional autoencoder for images (N, C, H, W) or (N, H, W), code of ``latent_dims`` numbers.

    Encoder: three stride-2 3x3 convolutions (``width``, 2 ``width``, 2 ``width`` channels) with LeakyReLU, a
    hidden dense layer of ``hidden`` units, a linear code. Decoder: the mirror image with transposed convolutions,
    resized to the input's height and width. Pixels are standardised with the training images' mean and
    standard deviation (one number each). Small on purpose: at the defaults it trains on 5000 32 x 32 images in
    about a minute on one CPU thread.

    Parameters
    ----------
    image_shape : (C, H, W) or (H, W)
    latent_dims : int
        Dimensions of the code (default 4, as Butakov et al.).
    width : int
        Channels of the first convolution.
    hidden : int
        Units of the dense layer between the convolutions and the code, in the encoder and in the decoder. On
        the 32 x 32 image tasks of :mod:`infoscope.bench.images`, 16 channels and 256 units keep much more of
        the information of 2-D Gaussian plots than 8 and 64 (their bump widths); training takes about twice
        as long per epoch.
    seed : int
        Seeds the initial weights, the batches and the training noise.

    Examples
    --------
    >>> ae = ConvAutoencoder((32, 32)).fit(train_images, epochs=40)          # doctest: +SKIP
    >>> codes = ae.encode(test_images)                                        # (N, 4) numpy array
    >>> Compressed.butakov(input_compression=ae.encode)                      # doctest: +SKIP
    """

    pixel_mean: torch.Tensor  # buffers
    pixel_std: torch.Tensor

    def __init__(self, image_shape, latent_dims: int = 4, *, width: int = 8, hidden: int = 64, seed: int = 0):
        super().__init__()
        shape = tuple(int(s) for s in image_shape) if isinstance(image_shape, (tuple, list)) else ()
        if len(shape) == 2:
            shape = (1, *shape)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"image_shape must be (C, H, W) or (H, W) with positive sizes, got {image_shape!r}")
        self.image_shape = shape
        self.latent_dims = check_count(latent_dims, "latent_dims", 1)
        width = check_count(width, "width", 1)
        hidden = check_count(hidden, "hidden", 1)
        self.seed = check_count(seed, "seed", 0)
        channels, height, breadth = shape
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.convolutions = nn.Sequential(
                nn.Conv2d(channels, width, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                nn.Conv2d(2 * width, 2 * width, 3, stride=2, padding=1), nn.LeakyReLU(0.2))
            with torch.no_grad():
                self._grid = tuple(self.convolutions(torch.zeros(1, *shape)).shape[1:])
            flat = math.prod(self._grid)
            # The code is batch-normalised (unit variance per coordinate) and blurred by code_noise in training:
            # every factor the decoder needs must then be spread out well beyond the noise, so that no factor is
            # squeezed into a thin direction of the code, where a k-NN estimator would not resolve it (Butakov et
            # al. bound their code by tanh and blur it by 0.02 for the same reason).
            self.encoder_head = nn.Sequential(nn.Flatten(), nn.Linear(flat, hidden), nn.LeakyReLU(0.2),
                                              nn.Linear(hidden, self.latent_dims),
                                              nn.BatchNorm1d(self.latent_dims, affine=False))
            self.decoder_head = nn.Sequential(nn.Linear(self.latent_dims, hidden), nn.LeakyReLU(0.2),
                                              nn.Linear(hidden, flat), nn.LeakyReLU(0.2))
            self.deconvolutions = nn.Sequential(
                nn.ConvTranspose2d(2 * width, 2 * width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
                nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
                nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1))
        self.register_buffer("pixel_mean", torch.zeros(()))
        self.register_buffer("pixel_std", torch.ones(()))
        self.losses: list[float] = []

    def _images(self, images, name: str = "images") -> torch.Tensor:
        x = images if isinstance(images, torch.Tensor) else torch.as_tensor(np.asarray(images))
        if not (x.is_floating_point() or x.dtype in (torch.uint8, torch.int16, torch.int32, torch.int64)):
            raise TypeError(f"{name} must hold real pixel values, got dtype {x.dtype}")
        x = model_inputs(self, x.detach().to(torch.float32))  # on the autoencoder's device
        if x.dim() == 2 and x.shape[1] == math.prod(self.image_shape):  # flattened rows, as the bench tasks give
            x = x.reshape(-1, *self.image_shape)
        if x.dim() == 3 and self.image_shape[0] == 1:
            x = x.unsqueeze(1)
        if x.dim() != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"{name} must have shape (N, {', '.join(map(str, self.image_shape))}) (or flattened rows "
                             f"of that size), got {tuple(x.shape)}")
        if x.shape[0] == 0 or not torch.isfinite(x).all():
            raise ValueError(f"{name} must hold at least one image and finite pixel values")
        return x

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder_head(self.convolutions((x - self.pixel_mean) / self.pixel_std))

    def _decode(self, code: torch.Tensor) -> torch.Tensor:
        out = self.deconvolutions(self.decoder_head(code).reshape(-1, *self._grid))
        if tuple(out.shape[2:]) != self.image_shape[1:]:
            out = nn.functional.interpolate(out, size=self.image_shape[1:], mode="bilinear", align_corners=False)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction of images x, in standardised pixel units."""
        return self._decode(self._encode(x))

    def fit(self, images, *, epochs: int = 40, batch_size: int = 64, lr: float = 3e-3, input_noise: float = 0.05,
            code_noise: float = 0.05, loss: str = "mse", progress: bool = True) -> "ConvAutoencoder":
        """Trains on ``images`` (the training set) with Adam on the mean squared (``loss="mse"``) or absolute
        (``"l1"``, as Butakov et al.) reconstruction error of the standardised pixels, ``input_noise`` (standard
        deviations of the standardised pixels) added to the encoder's input, as their denoising autoencoders, and
        ``code_noise`` to the (unit-variance) code before the decoder; the learning rate decays by cosine to zero.
        Trains on the autoencoder's device (move it with ``.to(device)`` first). Returns self; ``losses`` holds the
        mean loss of each epoch."""
        # Batch normalisation of the code needs two images a batch.
        epochs, batch_size = check_count(epochs, "epochs", 1), check_count(batch_size, "batch_size", 2)
        lr = check_real(lr, "lr", positive=True)
        input_noise = check_real(input_noise, "input_noise", minimum=0)
        code_noise = check_real(code_noise, "code_noise", minimum=0)
        progress = check_flag(progress, "progress")
        criterion = {"mse": nn.functional.mse_loss, "l1": nn.functional.l1_loss}[check_choice(loss, "loss", ("mse", "l1"))]
        x = self._images(images)
        if x.shape[0] < 2:
            raise ValueError(f"images: training needs at least 2 images, got {x.shape[0]}")
        with torch.no_grad():
            self.pixel_mean.fill_(float(x.mean()))
            self.pixel_std.fill_(max(float(x.std()), 1e-12))
        target = (x - self.pixel_mean) / self.pixel_std
        generator = torch.Generator().manual_seed(self.seed)
        optimizer = torch.optim.Adam(self.parameters(), lr=lr)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
        self.train()
        bar = tqdm(range(epochs), desc="autoencoder", unit="epoch", disable=not progress)
        for _ in bar:
            order = torch.randperm(x.shape[0], generator=generator)
            total = 0.0
            for batch in order.split(batch_size):
                if len(batch) < 2:  # batch normalisation needs two samples; one left over waits for the next epoch
                    continue
                clean = target[batch]
                noisy = clean + input_noise * torch.randn(clean.shape, generator=generator).to(clean.device)
                optimizer.zero_grad()
                code = self.encoder_head(self.convolutions(noisy))
                code = code + code_noise * torch.randn(code.shape, generator=generator).to(code.device)
                error = criterion(self._decode(code), clean)
                error.backward()
                optimizer.step()
                total += float(error.detach()) * len(batch)
            schedule.step()
            self.losses.append(total / max(1, x.shape[0] - (x.shape[0] % batch_size == 1)))
            bar.set_postfix(loss=f"{self.losses[-1]:.4f}")
        self.eval()
        return self

    @torch.no_grad()
    def encode(self, images, batch_size: int = 1024) -> np.ndarray:
        """The codes (N, latent_dims) of images, as a float64 numpy array (evaluation mode, no noise)."""
        x = self._images(images)
        was_training = self.training
        self.eval()
        try:
            codes = torch.cat([self._encode(b) for b in x.split(check_count(batch_size, "batch_size", 1))])
            return codes.cpu().double().numpy()
        finally:
            self.train(was_training)

    @torch.no_grad()
    def reconstruction_error(self, images) -> float:
        """Mean squared error of the reconstructions of ``images`` in standardised pixel units (1 = no better
        than the mean image's level)."""
        x = self._images(images)
        was_training = self.training
        self.eval()
        try:
            return float(nn.functional.mse_loss(self(x), (x - self.pixel_mean) / self.pixel_std))
        finally:
            self.train(was_training)

    @property
    def label(self) -> str:
        return f"convolutional autoencoder to {self.latent_dims} dims"
