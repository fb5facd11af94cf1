"""PyTorch tools: activation hooks, the information plane and transfer entropy between layers during training.

Needs PyTorch (``pip install "infoscope[torch]"``); the rest of infoscope does not.

* :class:`ActivationRecorder` -- copies of chosen modules' outputs, hooks that always come off.
* :class:`InformationPlane` -- I(X;T) and I(T;Y) per layer per epoch: :class:`Binned`, :class:`KernelDensity`,
  :class:`Compressed` estimators; a table (CSV, pandas) and a figure.
* :class:`LayerTransferEntropy` -- TE between neurons of adjacent layers over consecutive training samples.
* :func:`fit` (a plain training loop) and :func:`lightning_callback` run them while a model trains.
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("torch") is None:  # pragma: no cover - exercised only without torch
    raise ImportError("infoscope.torch needs PyTorch: pip install torch (or infoscope[torch])")

from .hooks import ActivationRecorder, select_modules
from .infoplane import Binned, Compressed, InformationPlane, KernelDensity, PlaneRow
from .layer_te import LayerPairRow, LayerTransferEntropy
from .training import AdditiveGaussianNoise, fit, lightning_callback

__all__ = ["ActivationRecorder", "select_modules", "InformationPlane", "PlaneRow", "Binned", "KernelDensity",
           "Compressed", "LayerTransferEntropy", "LayerPairRow", "fit", "lightning_callback",
           "AdditiveGaussianNoise"]
