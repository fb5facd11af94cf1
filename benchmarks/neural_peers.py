"""Neural MI bounds: infoscope against torch-mist (Federici et al.) on high-dimensional Gaussians with exact MI, the
same data and the same budget, in one run; KSG (k = 3) on the same data for reference. Writes
benchmarks/results/neural_peers{,_quick}.{json,md}.

    python benchmarks/neural_peers.py            # 4 tasks x 2 bounds x 3 seeds, N = 10000; about 10 min on one core
    python benchmarks/neural_peers.py --quick    # 2 tasks, 1 seed, N = 5000

Tasks: x and y of d coordinates each, made of p independent pairs (x_i, y_i) with correlation rho (the rest
independent noise), I = -p/2 log(1 - rho^2); "dense" rotates x and y by random orthogonal matrices (the same MI,
every coordinate dependent on every other). 16 + 16 dense and sparse and 25 + 25 dense have I = 3.57 nats,
5 + 5 dense 1.12.

Same budget: a separable critic g(x) . h(y), two MLPs with 2 hidden ReLU layers of 64 units and 64 outputs
(torch-mist ``hidden_dims=[64, 64, 64]``), Adam at lr 1e-3, batches of 128 with every other sample of the batch
as a negative (torch-mist ``neg_samples=0`` for InfoNCE, ``-1`` for SMILE), at most 1000 steps, 30% of the samples
held out and the bound evaluated on them in blocks of 1024. Early stopping: each tool's own (infoscope: the best of
20 held-out evaluations, patience 5; torch-mist: its default on a validation tenth of the training part).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import infoscope as isc

RESULTS = Path(__file__).resolve().parent / "results"
STEPS, BATCH, HIDDEN, LAYERS, LR, TEST_FRACTION, BLOCK = 1000, 128, 64, 2, 1e-3, 0.3, 1024


def gaussian_task(d: int, pairs: int, rho: float, dense: bool, n: int, seed: int):
    """(x, y, truth): d + d coordinates, ``pairs`` correlated pairs, optionally rotated (dense)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rng.standard_normal((n, d))
    y[:, :pairs] = rho * x[:, :pairs] + math.sqrt(1 - rho ** 2) * y[:, :pairs]
    if dense:
        rotation = np.random.default_rng(1000 + d)  # one mixing per task, not per seed
        x = x @ np.linalg.qr(rotation.standard_normal((d, d)))[0]
        y = y @ np.linalg.qr(rotation.standard_normal((d, d)))[0]
    return x, y, -0.5 * pairs * math.log(1 - rho ** 2)


TASKS = {  # name: (d, pairs, rho, dense)
    "5x5-dense": (5, 5, 0.6, True),
    "16x16-dense": (16, 16, 0.6, True),
    "16x16-sparse": (16, 4, math.sqrt(1 - math.exp(-2 * 3.5703 / 4)), False),
    "25x25-dense": (25, 25, math.sqrt(1 - math.exp(-2 * 3.5703 / 25)), True),
}


def run_infoscope(x, y, bound, seed):
    return isc.mutual_info(x, y, method=bound, critic="separable", hidden=HIDDEN, layers=LAYERS, steps=STEPS,
                           batch_size=BATCH, lr=LR, test_fraction=TEST_FRACTION, seed=seed)


def run_torch_mist(x, y, bound, seed):
    from torch_mist import estimate_mi

    # The same preprocessing as infoscope's (normal scores, standardised), and the same split sizes.
    from infoscope.estimators._transforms import Preprocessing

    table = Preprocessing(normalize=True, transform="normal", noise=0.0).apply(np.hstack([x, y]))[0]
    order = np.random.default_rng(seed).permutation(len(x))
    table = torch.tensor(table[order], dtype=torch.float32)
    n_test = int(round(TEST_FRACTION * len(x)))
    d = x.shape[1]
    test, train = table[:n_test], table[n_test:]
    torch.manual_seed(seed)
    with contextlib.redirect_stdout(io.StringIO()):  # torch-mist prints its set-up
        value = estimate_mi(data={"x": train[:, :d], "y": train[:, d:]},
                            test_data={"x": test[:, :d], "y": test[:, d:]},
                            estimator=bound, critic_type="separable", hidden_dims=[HIDDEN] * (LAYERS + 1),
                            neg_samples=0 if bound == "infonce" else -1, max_iterations=STEPS, batch_size=BATCH,
                            evaluation_batch_size=BLOCK, optimizer_params={"lr": LR}, verbose=False, logger=False)
    return float(value)


def run_ksg(x, y, bound, seed):
    return isc.mutual_info(x, y, seed=seed)


TOOLS = {"infoscope": run_infoscope, "torch-mist": run_torch_mist}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 tasks, 1 seed, N = 5000")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per task (default 3, quick 1)")
    parser.add_argument("-n", type=int, default=None, help="samples (default 10000, quick 5000)")
    parser.add_argument("--bounds", nargs="+", default=["infonce", "smile"], choices=["infonce", "smile", "mine", "nwj"])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    seeds = args.seeds or (1 if args.quick else 3)
    n = args.n or (5000 if args.quick else 10_000)
    tasks = ["5x5-dense", "16x16-dense"] if args.quick else list(TASKS)
    warm = gaussian_task(2, 2, 0.5, False, 400, 0)[:2]  # first calls pay torch's start-up, not the estimate
    for bound in args.bounds:
        for fn in TOOLS.values():
            fn(*warm, bound, 0)
    rows = []
    for task in tasks:
        for seed in range(seeds):
            x, y, truth = gaussian_task(*TASKS[task], n=n, seed=seed)
            start = time.perf_counter()
            ksg = run_ksg(x, y, None, seed)
            rows.append(dict(task=task, truth=truth, tool="ksg (k=3)", bound="-", seed=seed, estimate=ksg,
                             seconds=time.perf_counter() - start))
            for bound in args.bounds:
                for tool, fn in TOOLS.items():
                    start = time.perf_counter()
                    value = fn(x, y, bound, seed)
                    rows.append(dict(task=task, truth=truth, tool=tool, bound=bound, seed=seed, estimate=value,
                                     seconds=time.perf_counter() - start))
                    print(f"{task:13s} seed {seed} {bound:8s} {tool:10s} truth {truth:.3f} estimate {value:.3f} "
                          f"{rows[-1]['seconds']:.1f} s", flush=True)
    summary = []
    for task in tasks:
        for bound in ["-"] + args.bounds:
            cells = {}
            for tool in ("ksg (k=3)", *TOOLS):
                mine = [r for r in rows if r["task"] == task and r["bound"] == bound and r["tool"] == tool]
                if mine:
                    cells[tool] = (statistics.median(r["estimate"] for r in mine),
                                   statistics.median(r["seconds"] for r in mine))
            if not cells:
                continue
            entry = dict(task=task, truth=rows[[r["task"] for r in rows].index(task)]["truth"], bound=bound)
            for tool, (estimate, seconds) in cells.items():
                entry[f"{tool} estimate"], entry[f"{tool} seconds"] = estimate, seconds
            if "infoscope" in cells and "torch-mist" in cells:
                entry["time ratio torch-mist / infoscope"] = cells["torch-mist"][1] / cells["infoscope"][1]
            summary.append(entry)
    lines = [f"# Neural MI bounds: infoscope vs torch-mist (N = {n}, median of {seeds} seed(s), one CPU thread)", "",
             f"Same data, separable critic 2x{HIDDEN} (+{HIDDEN} outputs), Adam lr {LR}, batch {BATCH}, at most "
             f"{STEPS} steps, {int(TEST_FRACTION * 100)}% held out, held-out blocks of {BLOCK}. Estimates in nats.",
             "", "| task | truth | bound | infoscope | torch-mist | time infoscope (s) | time torch-mist (s) | ratio |",
             "|---|---|---|---|---|---|---|---|"]
    for e in summary:
        if e["bound"] == "-":
            lines.append(f"| {e['task']} | {e['truth']:.3f} | KSG k=3 | {e['ksg (k=3) estimate']:.3f} | | "
                         f"{e['ksg (k=3) seconds']:.2f} | | |")
        else:
            lines.append(f"| {e['task']} | {e['truth']:.3f} | {e['bound']} | {e['infoscope estimate']:.3f} | "
                         f"{e['torch-mist estimate']:.3f} | {e['infoscope seconds']:.1f} | "
                         f"{e['torch-mist seconds']:.1f} | {e['time ratio torch-mist / infoscope']:.2f} |")
    import torch_mist

    environment = dict(python=platform.python_version(), torch=torch.__version__,
                       torch_mist=getattr(torch_mist, "__version__", "?"), infoscope=isc.__version__, threads=1)
    stem = "neural_peers_quick" if args.quick else "neural_peers"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    (args.out / f"{stem}.json").write_text(json.dumps(dict(n=n, seeds=seeds, environment=environment,
                                                           summary=summary, runs=rows), indent=1))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
