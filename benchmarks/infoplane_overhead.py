"""What the information plane costs a training run: an epoch of a digits MLP with and without a binned
InformationPlane updated at the end of every epoch.

    python benchmarks/infoplane_overhead.py            # 7 runs of 20 epochs per setting
    python benchmarks/infoplane_overhead.py --quick    # 3 runs of 5 epochs

The MLP (64-32-16-10, tanh) trains on 80% of scikit-learn's bundled digits (1437 images, batches of 32, Adam).
Settings, each timed per epoch (training plus the monitors), runs interleaved so that machine noise hits all:

* none: training only;
* binned, test: the binned plane (30 bins, adaptive range) of both hidden layers on the 360 held-out images;
* binned, all: the same plane probed on all 1797 images;
* kde, test: the Saxe et al. kernel bound (noise variance 1e-3) on the held-out images, for comparison.

Reports median epoch times and the overhead relative to "none" (target for the binned plane: under 20%).
Writes benchmarks/results/infoplane_overhead{,_quick}.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch import nn

from infoscope.torch import InformationPlane, fit


def digits():
    data = load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    y = torch.tensor(data.target)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    cut = int(0.8 * len(x))
    return x, y, order[:cut], order[cut:]


def one_run(setting: str, epochs: int, seed: int) -> float:
    """Seconds per epoch of one training run in the given setting."""
    x, y, train, test = digits()
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 10))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[train], y[train]), batch_size=32,
                                         shuffle=True, generator=torch.Generator().manual_seed(seed))
    monitors = []
    if setting != "none":
        estimator, probe = setting.split(", ")
        idx = test if probe == "test" else torch.arange(len(x))
        plane = InformationPlane(model, x[idx], y[idx], layers=nn.Tanh, estimator=estimator)
        monitors = [plane]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    fit(model, loader, optimizer, nn.functional.cross_entropy, epochs, monitors=monitors, progress=False)
    return (time.perf_counter() - start) / epochs


SETTINGS = ["none", "binned, test", "binned, all", "kde, test"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    runs, epochs = (3, 5) if args.quick else (7, 20)
    times = {s: [] for s in SETTINGS}
    one_run("binned, test", 1, 0)  # warm-up: imports, first-call costs
    for r in range(runs):
        for s in SETTINGS:
            times[s].append(one_run(s, epochs, r))
    base = statistics.median(times["none"])
    results = {s: {"median_epoch_s": statistics.median(t), "runs": t,
                   "overhead": statistics.median(t) / base - 1} for s, t in times.items()}
    lines = [f"# Information-plane overhead per training epoch (digits MLP, {runs} runs x {epochs} epochs)", "",
             f"Machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
             f"{torch.get_num_threads()} threads", "",
             "| setting | median epoch (ms) | overhead |", "|---|---|---|"]
    for s, r in results.items():
        lines.append(f"| {s} | {1e3 * r['median_epoch_s']:.1f} | {100 * r['overhead']:+.1f}% |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).parent / "results"
    stem = "infoplane_overhead_quick" if args.quick else "infoplane_overhead"
    (out / f"{stem}.md").write_text(text)
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
