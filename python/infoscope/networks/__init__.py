"""Analyses of processes and networks of processes, built on the estimators: information dynamics (active
information storage, predictive information, uniform embedding selection)."""

from .dynamics import (EmbeddingSearch, active_information_storage, max_ais_embedding, predictive_information,
                       ragwitz_embedding)

__all__ = ["active_information_storage", "predictive_information", "ragwitz_embedding", "max_ais_embedding",
           "EmbeddingSearch"]
