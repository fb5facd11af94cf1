"""Analyses of processes and networks of processes, built on the estimators: information dynamics (active
information storage, predictive information, uniform and non-uniform embedding selection) and transfer-entropy
network inference with surrogate statistics."""

from .dynamics import (EmbeddingSearch, active_information_storage, max_ais_embedding, predictive_information,
                       ragwitz_embedding)
from .inference import bivariate_te_network, multivariate_te_network, nonuniform_embedding
from .result import Network, TargetResult

__all__ = ["active_information_storage", "predictive_information", "ragwitz_embedding", "max_ais_embedding",
           "EmbeddingSearch", "nonuniform_embedding", "bivariate_te_network", "multivariate_te_network", "Network",
           "TargetResult"]
