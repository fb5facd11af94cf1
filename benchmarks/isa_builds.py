"""Times the builds of the core against each other on the peer benchmarks' infoscope tasks: every x86-64 level of
this installation the CPU runs (INFOSCOPE_ISA=v2, v3, v4) and, with --native, a package built with
INFOSCOPE_NATIVE=ON (-march=native). The portable build is the level the package loads by default; the target is
that it stays within 10% of the native build.

    python benchmarks/isa_builds.py --native /tmp/natpkg     # a directory holding an `infoscope` package

Builds alternate in --rounds rounds (each a fresh process, medians of --repeats calls per task), so that drifts of
the machine's speed fall on all of them; a task's time is the median over rounds. Every build must give the same
estimates (checked). Writes results/isa_builds.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
HERE = Path(__file__).parent

# The infoscope calls of compare_peers.py, compare_transfer.py and compare_binning.py on their data.
CHILD = r"""
import json, sys, numpy as np, infoscope as isc
sys.path.insert(0, sys.argv[1])
import peers
from compare_peers import gaussian_task
from compare_binning import layer_task, BINS, RANGE
repeats = int(sys.argv[2])
tasks = {}
def timed(name, fn):
    tasks[name] = peers.median_time(lambda: float(fn()), repeats, stop_after=5)
(x1, y1), _ = gaussian_task("mutual_info", 1, 100_000)
(x4, y4), _ = gaussian_task("mutual_info", 4, 100_000)
(x16, y16), _ = gaussian_task("mutual_info", 16, 20_000)
(z8,), _ = gaussian_task("entropy", 8, 100_000)
rng = np.random.default_rng(0)
source = rng.standard_normal(100_000)
target = np.r_[0.0, 0.6 * source[:-1]] + 0.8 * rng.standard_normal(100_000)
wide, _ = layer_task(100_000, 1000, dtype=np.float32)
timed("KSG MI 1+1, N = 1e5", lambda: isc.mutual_info(x1, y1, k=3))
timed("KSG MI 4+4, N = 1e5", lambda: isc.mutual_info(x4, y4, k=3))
timed("KSG MI 16+16, N = 2e4", lambda: isc.mutual_info(x16, y16, k=3))
timed("KL entropy 8-D, N = 1e5", lambda: isc.entropy(z8, k=3))
timed("KSG TE, N = 1e5", lambda: isc.transfer_entropy(source, target, k=3, noise=0.0))
timed("binned entropy, 1000-unit float32 layer, N = 1e5",
      lambda: isc.entropy(wide, method="binned", bins=BINS, range=RANGE))
print(json.dumps({"isa": isc.build_info()["isa"], "tasks": tasks}))
"""


def run_build(label: str, env_isa: str | None, path: str | None, repeats: int) -> dict:
    env = dict(os.environ)
    env.pop("INFOSCOPE_ISA", None)
    if env_isa:
        env["INFOSCOPE_ISA"] = env_isa
    if path:
        env["PYTHONPATH"] = os.pathsep.join([path, env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", CHILD, str(HERE), str(repeats)], env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{label}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--native", help="directory holding an infoscope package built with INFOSCOPE_NATIVE=ON")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import infoscope as isc
    from infoscope import _isa

    info = isc.build_info()
    runnable = set(_isa.supported_levels())
    builds = [(f"{v} (portable, default)" if v == info["isa"] else v, v, None)
              for v in info["isa_built"] if v in runnable]
    if args.native:
        builds.append(("native (-march=native)", None, args.native))
    times: dict[str, dict[str, list[float]]] = {label: {} for label, _, _ in builds}
    values: dict[str, dict[str, float]] = {}
    for r in range(args.rounds):
        for label, isa, path in builds:
            result = run_build(label, isa, path, args.repeats)
            for task, (seconds, value) in result["tasks"].items():
                times[label].setdefault(task, []).append(seconds)
                values.setdefault(task, {})[label] = value
            print(f"round {r + 1}: {label} ({result['isa']}) done", flush=True)
    for task, by_build in values.items():
        if len(set(by_build.values())) > 1:
            raise SystemExit(f"builds disagree on {task}: {by_build}")

    medians = {label: {task: statistics.median(s) for task, s in per.items()} for label, per in times.items()}
    labels = [label for label, _, _ in builds]
    default = next(label for label in labels if "default" in label)
    reference = next((label for label in labels if label.startswith("native")), None)
    lines = [f"# Builds of the core on the peer benchmarks' infoscope tasks ({time.strftime('%Y-%m-%d')}, "
             f"{os.cpu_count()} cores, {platform.processor() or platform.machine()})", "",
             f"Seconds, median over {args.rounds} alternating rounds of medians of {args.repeats} calls; every build "
             "gives the same estimates (checked). `python benchmarks/isa_builds.py"
             + (" --native DIR`" if reference else "`") + ".", "",
             "| task | " + " | ".join(labels) + (" | default / native |" if reference else " |"),
             "|---|" + "---|" * (len(labels) + (1 if reference else 0))]
    for task in medians[labels[0]]:
        row = [f"{medians[label][task]:.4g}" for label in labels]
        if reference:
            row.append(f"{medians[default][task] / medians[reference][task]:.2f}")
        lines.append(f"| {task} | " + " | ".join(row) + " |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "isa_builds.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "isa_builds.json").write_text(json.dumps({"times": times, "medians": medians, "values": values},
                                                        indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
