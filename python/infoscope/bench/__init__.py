"""Known-truth benchmark suite: tasks whose information is known exactly, the estimators to check on them, a
runner and its report. ``python -m infoscope.bench --quick`` runs it; see :mod:`infoscope.bench.__main__`.

>>> from infoscope import bench
>>> results = bench.run(bench.select_tasks("normal-*"), bench.select_estimators(["ksg", "gaussian"]))  # doctest: +SKIP
>>> results.scores()                                                                                  # doctest: +SKIP
"""

from __future__ import annotations

from .estimators import ESTIMATORS, RECOMMENDED, Estimator, register_estimator, select_estimators
from .networks import link_scores
from .processes import (LinearGaussianVAR, LogisticNetwork, VARNetwork, coupled_logistic_network,
                        random_var_network)
from .runner import Results, Run, run, tolerance
from .tasks import QUICK_TASKS, TASKS, Task, get_task, register, select_tasks
from .images import ImageTask, image_task, latent_estimator  # registers the opt-in image tasks

__all__ = ["LinearGaussianVAR", "VARNetwork", "random_var_network", "LogisticNetwork", "coupled_logistic_network",
           "link_scores", "Task", "TASKS", "QUICK_TASKS", "register", "get_task", "select_tasks", "Estimator",
           "ESTIMATORS", "RECOMMENDED", "register_estimator", "select_estimators", "run", "Run", "Results",
           "tolerance", "ImageTask", "image_task", "latent_estimator"]
