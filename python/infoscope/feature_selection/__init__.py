"""Feature selection by information, scikit-learn compatible (needs scikit-learn).

* :func:`mutual_info_classif`, :func:`mutual_info_regression`: drop-in replacements for scikit-learn's scores,
  all features in one batched call;
* :class:`MRMR`, :class:`JMI`, :class:`CMIM`, :class:`ConditionalMISelector`: greedy selectors that weigh
  redundancy, as scikit-learn transformers (``fit`` / ``transform`` / ``get_support``, in a ``Pipeline`` or
  ``GridSearchCV``); each greedy step's candidate scores are one batched call.

Discrete features and targets (integers, categories, strings) are estimated as discrete by the mixed estimators,
never turned into continuous values with noise.
"""

try:
    import sklearn  # noqa: F401
except ImportError as err:  # pragma: no cover - the message is the point
    raise ImportError("infoscope.feature_selection needs scikit-learn >= 1.6: pip install 'infoscope[sklearn]'") \
        from err

from .scores import mutual_info_classif, mutual_info_regression
from .selectors import CMIM, JMI, MRMR, ConditionalMISelector

__all__ = ["mutual_info_classif", "mutual_info_regression", "MRMR", "JMI", "CMIM", "ConditionalMISelector"]
