"""Networks of information transfer: transfer-entropy network inference with surrogate statistics."""

from .inference import bivariate_te_network, multivariate_te_network, nonuniform_embedding
from .result import Network, TargetResult

__all__ = ["bivariate_te_network", "multivariate_te_network", "nonuniform_embedding", "Network", "TargetResult"]
