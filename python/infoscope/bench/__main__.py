"""``python -m infoscope.bench`` (or ``infoscope-bench``): estimators against tasks with known truth.

    python -m infoscope.bench --quick                      # a cross-section of tasks, N=2000: under a minute
    python -m infoscope.bench -n 5000 --seeds 3            # every task, every estimator installed
    python -m infoscope.bench --tasks 'normal-*' --estimators ksg gaussian-copula
    python -m infoscope.bench --list                       # the registered tasks and estimators
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from . import estimators as est
from . import tasks as tk
from .report import markdown, write_report
from .runner import run


def _list() -> None:
    print("tasks (truth in nats):")
    for t in tk.TASKS.values():
        print(f"  {t.name:32s} {t.quantity}  {t.truth:7.4f}  {t.description}")
    print("estimators:")
    for e in est.ESTIMATORS.values():
        why = e.unavailable()
        print(f"  {e.name:18s} {e.quantity}  {e.description}{f'  [unavailable: {why}]' if why else ''}")


def _at_least(minimum: int):
    """An argparse type: an integer >= minimum, or a usage error naming the value."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infoscope.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="the quick cross-section of tasks, N=2000, 2 seeds, no JIDT (JVM start-up) and no "
                             "neural bounds (seconds each) unless named")
    parser.add_argument("--tasks", nargs="+", metavar="PATTERN", help="task names or glob patterns (default: all)")
    parser.add_argument("--estimators", nargs="+", metavar="PATTERN", help="estimator names or globs (default: all)")
    parser.add_argument("-n", "--sizes", nargs="+", type=_at_least(10), metavar="N", help="sample sizes (default 5000)")
    parser.add_argument("--seeds", type=_at_least(1), help="seeds per task and size (default 3)")
    parser.add_argument("--no-peers", action="store_true", help="infoscope's estimators only")
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="output folder (default ./bench-results)")
    parser.add_argument("--no-plots", action="store_true", help="tables only")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--list", action="store_true", help="list the tasks and estimators and exit")
    args = parser.parse_args(argv)
    if args.list:
        _list()
        return 0
    try:
        tasks = tk.select_tasks(args.tasks or (tk.QUICK_TASKS if args.quick else None))
        estimators = est.select_estimators(args.estimators, peers=not args.no_peers)
    except ValueError as err:
        parser.error(str(err))
    if args.quick and not args.estimators:
        estimators = [e for e in estimators if not e.name.startswith("jidt") and not e.slow]
    sizes = args.sizes or ([2000] if args.quick else [5000])
    seeds = args.seeds or (2 if args.quick else 3)

    for e in estimators:
        if (why := e.unavailable()):
            print(f"skipping {e.name}: {why}")
    start = time.perf_counter()
    results = run(tasks, estimators, sizes, seeds, progress=not args.no_progress)
    paths = write_report(results, args.out, plots=not args.no_plots)
    scores = sorted(results.scores(), key=lambda r: (r["n"], -r["fraction"]))
    print(markdown(scores, ["estimator", "n", "passed", "tasks", "fraction"]))
    print(f"\n{len(results.runs)} runs in {time.perf_counter() - start:.1f} s; pass = within max(10%, 0.1 nat) of "
          f"the truth. Tables and figures: {args.out}/ ({len(paths)} files)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
