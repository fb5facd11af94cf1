"""PyTorch tools: activation hooks, the information plane and transfer entropy between layers during training.

Needs PyTorch (``pip install "infoscope[torch]"``); the rest of infoscope does not.

* :class:`ActivationRecorder` -- copies of chosen modules' outputs, hooks that always come off.
* :class:`InformationPlane` -- I(X;T) and I(T;Y) per layer per epoch: :class:`Binned`, :class:`KernelDensity`,
  :class:`Compressed` estimators; a table (CSV, pandas) and a figure.
* :class:`LayerTransferEntropy` -- TE between neurons of adjacent layers over consecutive training samples.
* :func:`fisher_information`, :class:`FisherMonitor`, :func:`information_in_weights`, :func:`effective_information`
  -- the information in the weights (Achille, Paolini & Soatto 2019).
* :func:`prequential_codelength`, :func:`information_transfer`, :class:`InformationTransferMonitor` -- online
  code lengths of labels and the information transfer L_IT (Zhang et al. 2020), also of held tasks during training.
* :class:`TEGuidedOptimizer` -- the learning rule of Moldovan, Cataron & Andonie: each measured weight's gradient
  scaled by (1 - TE) of its neuron pair.
* :class:`ConvAutoencoder` -- compresses images to a few dimensions (the input compression of Butakov et al.).
* :func:`insert_noise` -- the relative-noise layers of Butakov et al. 2024 before every chosen layer.
* :func:`fit` (a plain training loop) and :func:`lightning_callback` run them while a model trains.
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("torch") is None:  # pragma: no cover - exercised only without torch
    raise ImportError("infoscope.torch needs PyTorch: pip install torch (or infoscope[torch])")

from .hooks import ActivationRecorder, select_modules
from .infoplane import Binned, Compressed, InformationPlane, KernelDensity, PlaneRow
from .layer_te import LayerPairRow, LayerTransferEntropy
from ._results import tables_to_csv
from .prequential import (BlockRow, InformationTransfer, InformationTransferMonitor, PrequentialCode, Training,
                          TransferRow, information_transfer, prequential_codelength)
from .te_guided import TEGuidedOptimizer
from .autoencoder import ConvAutoencoder
from .noise import AdditiveGaussianNoise, insert_noise, noisy_layers, remove_noise
from .training import fit, lightning_callback
from .weights import (EffectiveInformation, EffectiveRow, FisherInformation, FisherMonitor, FisherRow,
                      WeightInformation, WeightRow, effective_information, fisher_information, information_in_weights)

__all__ = ["ActivationRecorder", "select_modules", "InformationPlane", "PlaneRow", "Binned", "KernelDensity",
           "Compressed", "LayerTransferEntropy", "LayerPairRow", "TEGuidedOptimizer", "fit", "lightning_callback",
           "AdditiveGaussianNoise", "ConvAutoencoder", "insert_noise", "remove_noise", "noisy_layers",
           "fisher_information", "FisherInformation", "FisherRow", "FisherMonitor",
           "information_in_weights", "WeightInformation", "WeightRow", "effective_information",
           "EffectiveInformation", "EffectiveRow", "prequential_codelength", "information_transfer", "Training",
           "PrequentialCode", "InformationTransfer", "BlockRow", "InformationTransferMonitor", "TransferRow",
           "tables_to_csv"]
