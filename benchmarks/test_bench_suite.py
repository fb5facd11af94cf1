"""pytest-benchmark timings of infoscope's suite estimators on the suite's own tasks (infoscope.bench), N = 5000.

    pip install .[bench] && pytest benchmarks/test_bench_suite.py --benchmark-columns=median,iqr

Accuracy on these tasks is what ``python -m infoscope.bench`` reports; here only the time.
"""

import pytest

from infoscope import bench

TASKS = ["normal-1x1", "normal-5x5-dense", "normal-25x25-2pair", "student-3x3-dof2", "var-te-lag1"]


@pytest.mark.parametrize("task_name", TASKS)
@pytest.mark.parametrize("estimator_name", [e.name for e in bench.select_estimators(peers=False)])
def test_suite_estimator(benchmark, estimator_name, task_name):
    task, estimator = bench.get_task(task_name), bench.ESTIMATORS[estimator_name]
    if estimator.quantity != task.quantity or estimator.unsupported(task):
        pytest.skip(f"{estimator_name} does not take {task_name}")
    arrays = task.sample(5000, seed=0)
    benchmark(estimator, arrays, task, 0)
