"""Image tasks with known mutual information, after Butakov et al. 2024, and the estimators that take them.

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov & Andreev 2024 ("Information bottleneck analysis of deep
neural networks via lossy compression", ICLR; code: github.com/VanessB/Information-v3) test their estimator on
images whose MI is known: a pair of 4-dimensional Gaussian vectors (zx, zy) with I(zx; zy) set in advance is
mapped, each vector to its own 32 x 32 image, by a smooth injective map, which leaves the MI unchanged.

* Latents: 4 independent pairs with correlation ``rho = sqrt(1 - exp(-2 I / 4))`` (each pair carries I / 4), each
  side then rotated by its own random orthogonal matrix (drawn per sample set), as their
  ``multivariate_normal_from_MI``. The marginals are N(0, I) whatever I is, so one autoencoder serves every I.
* "rectangles": u = Phi(z) (the normal CDF), then per axis a segment [a, b] of [0, 1] with a =
  (1 - m)(1 - sqrt(1 - u_1)) and b = a + m + u_2 (1 - a - m), m = 2/32 (two pixels), which makes (a, b) uniform on
  {b - a >= m}; x from (u_1, u_2), y from (u_3, u_4). Each pixel is the area of the rectangle it covers
  (their ``normal_to_rectangle_coords`` and ``rectangle_coords_to_rectangles``).
* "gaussians": u = Phi(z); the plot of ``exp(-10 ((1 + u_3)^2 (s - u_1)^2 + (1 + u_4)^2 (t - u_2)^2))`` on a 32 x 32
  grid over [0, 1]^2: centre (u_1, u_2), widths from (u_3, u_4). Their public code has this family with 2
  parameters (the centre) and with 5 (plus a tilt); the 4-parameter form is their 5-parameter one with the tilt
  at its middle value (no tilt), our choice for 4 + 4 dimensions.

Each side is returned as flattened rows (N, 1024), so that x and y are ordinary 2-D arrays. The tasks are opt-in
(``Task.opt_in``): k-NN estimators cannot take 1024 + 1024 dimensions, so they are not part of the default
suite; select them by name, e.g. ``select_tasks("image-*")``. The estimators here compress each side with a
:class:`infoscope.torch.ConvAutoencoder` (trained once per family on images of independent latents, cached for
the process) and estimate on the codes: "butakov-ae" is the whitened Kozachenko-Leonenko estimator of Butakov et
al. (:mod:`infoscope.estimators.whitened`); :func:`latent_estimator` runs any registered MI estimator on the
codes ("ae+ksg", "ae+ksg-gaussref", "ae+gaussian", and by name any added later).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .._arrays import check_count, check_real
from .estimators import ESTIMATORS, Estimator, register_estimator
from .tasks import Task, _normal_cdf, register

__all__ = ["ImageTask", "image_task", "rectangle_images", "gaussian_plot_images", "latent_pair", "latent_estimator",
           "butakov_estimator", "IMAGE_FAMILIES", "IMAGE_MI_LEVELS", "autoencoder_for"]

SIZE = 32
LATENT_DIMS = 4
MIN_SIDE = 2.0 / SIZE  # the smallest rectangle side: two pixels, as Butakov et al.
IMAGE_MI_LEVELS = tuple(range(11))  # nats


def latent_pair(mi: float, n: int, rng: np.random.Generator, d: int = LATENT_DIMS) -> tuple:
    """(zx, zy), each (n, d) standard normal, with I(zx; zy) = mi nats: d pairs of correlation
    sqrt(1 - exp(-2 mi / d)), each side rotated by its own Haar-random orthogonal matrix."""
    mi = check_real(mi, "mi", minimum=0)
    rho = math.sqrt(1.0 - math.exp(-2.0 * mi / d))
    zx = rng.standard_normal((n, d))
    zy = rho * zx + math.sqrt(1.0 - rho * rho) * rng.standard_normal((n, d))
    return zx @ _orthogonal(d, rng).T, zy @ _orthogonal(d, rng).T


def _orthogonal(d: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-distributed orthogonal matrix: QR of a Gaussian matrix, the signs fixed by R's diagonal (Mezzadri
    2007, "How to generate random matrices from the classical compact groups")."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def _segments(u1: np.ndarray, u2: np.ndarray, minimum: float) -> tuple:
    """Segments [a, b] of [0, 1] with b - a >= minimum, uniform over such segments for uniform (u1, u2)."""
    a = (1.0 - minimum) * (1.0 - np.sqrt(1.0 - u1))
    return a, a + minimum + u2 * (1.0 - a - minimum)


def _coverage(lo: np.ndarray, hi: np.ndarray, size: int) -> np.ndarray:
    """(n, size): the length of [lo, hi] (in pixels) inside each pixel [p, p + 1)."""
    pixels = np.arange(size)
    return np.clip(np.minimum(hi[:, None], pixels + 1) - np.maximum(lo[:, None], pixels), 0.0, None)


def rectangle_images(z: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Images (n, size * size) of axis-aligned rectangles from standard normal latents z (n, 4); each pixel
    holds the area of the rectangle inside it (Butakov et al. 2024)."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != 4:
        raise ValueError(f"z must have shape (n, 4), got {z.shape}")
    u = _normal_cdf(z)
    x0, x1 = _segments(u[:, 0], u[:, 1], MIN_SIDE)
    y0, y1 = _segments(u[:, 2], u[:, 3], MIN_SIDE)
    images = _coverage(x0 * size, x1 * size, size)[:, :, None] * _coverage(y0 * size, y1 * size, size)[:, None, :]
    return images.reshape(len(z), -1)


def gaussian_plot_images(z: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Images (n, size * size) of 2-D Gaussian bumps from standard normal latents z (n, 4): centre Phi(z_1),
    Phi(z_2), inverse widths 1 + Phi(z_3), 1 + Phi(z_4), on a grid over [0, 1]^2 (after Butakov et al. 2024)."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != 4:
        raise ValueError(f"z must have shape (n, 4), got {z.shape}")
    u = _normal_cdf(z)
    grid = np.linspace(0.0, 1.0, size)
    along = np.square((1.0 + u[:, 2:3]) * (grid[None, :] - u[:, 0:1]))  # (n, size)
    across = np.square((1.0 + u[:, 3:4]) * (grid[None, :] - u[:, 1:2]))
    return np.exp(-10.0 * (along[:, :, None] + across[:, None, :])).reshape(len(z), -1)


IMAGE_FAMILIES: dict[str, Callable] = {"rectangles": rectangle_images, "gaussians": gaussian_plot_images}


@dataclass(frozen=True)
class ImageTask(Task):
    """A task whose x and y are images (flattened rows) rendered from Gaussian latents with known MI.
    ``render(z)`` maps latents (n, 4) to flattened images; ``image_shape`` is (height, width)."""

    image_family: str = ""
    render: Optional[Callable] = None
    image_shape: tuple = (SIZE, SIZE)

    def marginal_images(self, n: int, seed: int) -> np.ndarray:
        """n images of independent latents: the distribution of x (and of y) at every MI level."""
        assert self.render is not None  # image_task sets it
        return self.render(np.random.default_rng(seed).standard_normal((check_count(n, "n", 1), LATENT_DIMS)))


def image_task(family: str, mi: float) -> ImageTask:
    """The task "image-<family>-mi<mi>": x and y images of 4-D Gaussian latents with I = mi nats."""
    if family not in IMAGE_FAMILIES:
        raise ValueError(f"family must be one of {', '.join(IMAGE_FAMILIES)}; got {family!r}")
    render = IMAGE_FAMILIES[family]
    mi = check_real(mi, "mi", minimum=0)

    def sampler(n, rng):
        zx, zy = latent_pair(mi, n, rng)
        return render(zx), render(zy)

    return ImageTask(f"image-{family}-mi{mi:g}", mi, sampler, (SIZE * SIZE, SIZE * SIZE), "image",
                     f"{SIZE}x{SIZE} images of {family}, each from a 4-D Gaussian latent, I(latents) = {mi:g} nats",
                     opt_in=True, image_family=family, render=render)


for _family in IMAGE_FAMILIES:
    for _mi in IMAGE_MI_LEVELS:
        register(image_task(_family, _mi))


# ------------------------------------------------------------------------------------------------- estimators

_AUTOENCODERS: dict = {}


def autoencoder_for(task: ImageTask, *, train_size: int = 5000, epochs: int = 30, width: int = 16, hidden: int = 256,
                    seed: int = 0, progress: bool = False):
    """The :class:`infoscope.torch.ConvAutoencoder` (4-D code) of an image family, trained on ``train_size``
    images of independent latents (seed ``seed + 7919``, apart from any task sample), once per process and
    settings, and reused at every MI level: the marginals do not depend on it. Wider than the class's defaults
    (16 channels, 256 hidden units): at 8 and 64 the codes of the Gaussian plots keep their centres but lose
    most of their widths, and half the MI from 2 nats on (``benchmarks/results/butakov_images.md``)."""
    key = (task.image_family, task.image_shape, train_size, epochs, width, hidden, seed)
    if key not in _AUTOENCODERS:
        from ..torch.autoencoder import ConvAutoencoder

        images = task.marginal_images(train_size, seed + 7919).reshape(-1, *task.image_shape)
        _AUTOENCODERS[key] = ConvAutoencoder(task.image_shape, LATENT_DIMS, width=width, hidden=hidden, seed=seed).fit(
            images, epochs=epochs, progress=progress)
    return _AUTOENCODERS[key]


def _codes(arrays, task, train_size, epochs):
    encoder = autoencoder_for(task, train_size=train_size, epochs=epochs)
    return tuple(encoder.encode(a.reshape(-1, *task.image_shape)) for a in arrays)


def butakov_estimator(name: str = "butakov-ae", *, train_size: int = 5000, epochs: int = 30, k: int = 5,
                      transform=None, neighbours: str = "butakov") -> Estimator:
    """The protocol of Butakov et al. 2024 on image tasks: each side compressed to a 4-D code by the family's
    convolutional autoencoder, then the whitened Kozachenko-Leonenko MI of the codes (1-NN in each 4-D space,
    Berrett-weighted with k = 5 in the 8-D joint space). ``transform="normal"`` (registered as
    "butakov-ae-normal") takes normal scores of every code column first, and ``neighbours="same"`` the
    Berrett-weighted k-NN in the marginal spaces too (see
    :func:`infoscope.estimators.whitened.whitened_mutual_info`): both leave the true MI unchanged."""
    from ..estimators.whitened import NEIGHBOUR_RULES, TRANSFORMS, whitened_mutual_info
    from .._arrays import check_choice

    transform = check_choice(transform, "transform", TRANSFORMS)
    neighbours = check_choice(neighbours, "neighbours", NEIGHBOUR_RULES)

    def fn(arrays, task, seed):
        return whitened_mutual_info(*_codes(arrays, task, train_size, epochs), k=k, transform=transform,
                                    neighbours=neighbours).value

    marginals = "k=1 marginals" if neighbours == "butakov" else f"Berrett k={k} marginals"
    scores = ", normal scores of the codes" if transform == "normal" else ""
    return Estimator(name, "mi", fn, f"convolutional autoencoder to 4+4 dims{scores}, whitened KL ({marginals}, "
                                     f"Berrett k={k} joint), after Butakov et al. 2024", requires=("torch",), images=True)


def latent_estimator(base: str, *, train_size: int = 5000, epochs: int = 30) -> Estimator:
    """The registered MI estimator named ``base`` (any in ``ESTIMATORS``: "ksg", "gaussian", or a neural
    estimator registered later) run on the autoencoder codes of an image task, as "ae+<base>"."""
    estimator = ESTIMATORS.named(base)
    if estimator.quantity != "mi":
        raise ValueError(f"base must name an MI estimator; {base!r} estimates {estimator.quantity}")

    def fn(arrays, task, seed):
        codes = _codes(arrays, task, train_size, epochs)
        # The codes as the base estimator sees them: a 4+4-dimensional task, no longer an image one.
        latent_task = Task(task.name, task.truth, task.sampler, (LATENT_DIMS, LATENT_DIMS), "image codes",
                           task.description)
        why = estimator.unsupported(latent_task)
        if why:
            raise ValueError(f"{base} cannot take the 4+4-dimensional codes: {why}")
        return estimator(codes, latent_task, seed)

    return Estimator(f"ae+{base}", "mi", fn, f"convolutional autoencoder to 4+4 dims, then {estimator.description}",
                     requires=("torch", *estimator.requires), images=True)


for _e in (butakov_estimator(), butakov_estimator("butakov-ae-normal", transform="normal"), latent_estimator("ksg"),
           latent_estimator("ksg-gaussref"), latent_estimator("gaussian")):
    register_estimator(_e)
