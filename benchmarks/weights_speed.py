"""What the Fisher information and the prequential code cost, against BackPACK and a per-sample loop.

    python benchmarks/weights_speed.py            # 7 runs per setting
    python benchmarks/weights_speed.py --quick    # 3 runs

Model: the digits MLP (64-32-10, ReLU) after 5 epochs of Adam on 1400 images of scikit-learn's bundled digits;
the Fisher is taken over those 1400 images, in float32 on the CPU. Settings, timed in interleaved runs:

* one training epoch (batches of 32): the scale a training-loop monitor is measured against;
* infoscope, exact (every class, weighted by its probability) and sampled (one label per input);
* BackPACK (Dangel, Kunstner & Hennig 2020) DiagGGNExact and DiagGGNMC on a cross-entropy with reduction "sum",
  which are the same quantities (the generalised Gauss-Newton of the softmax cross-entropy is its Fisher);
  install it with ``pip install --no-deps backpack-for-pytorch einops unfoldNd`` (its own requirements would
  replace torch);
* a per-sample loop: one backward pass per input and sampled label, the way it is often written by hand;
* information transfer of the 1797 digits labels (prequential code and final model, default training).

The exact Fishers of infoscope and BackPACK are compared entry by entry. Reports medians and ratios; writes
benchmarks/results/weights_speed{,_quick}.{md,json}.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import time
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch import nn

from infoscope.torch import fisher_information, information_transfer


def setup():
    torch.manual_seed(0)
    data = load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    y = torch.tensor(data.target)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(5):
        train_epoch(model, optimizer, x[:1400], y[:1400])
    return model, optimizer, x, y


def train_epoch(model, optimizer, x, y):
    for idx in torch.randperm(len(x)).split(32):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        optimizer.step()


def per_sample_loop(model, x):
    """Sampled-label Fisher diagonal, one backward pass per input."""
    diagonal = [torch.zeros_like(p) for p in model.parameters()]
    for xi in x.split(1):
        logits = model(xi)
        label = torch.multinomial(torch.softmax(logits.detach(), 1), 1).reshape(-1)
        model.zero_grad()
        nn.functional.cross_entropy(logits, label).backward()
        for d, p in zip(diagonal, model.parameters()):
            d += p.grad ** 2
    return [d / len(x) for d in diagonal]


def backpack_fisher(model, x, exact: bool, batch_size: int = 256):
    from backpack import backpack, extend
    from backpack.extensions import DiagGGNExact, DiagGGNMC
    extended = extend(copy.deepcopy(model))    # extend() adds hooks to the module it is given
    loss_fn = extend(nn.CrossEntropyLoss(reduction="sum"))
    extension = DiagGGNExact() if exact else DiagGGNMC()
    diagonal = [torch.zeros_like(p) for p in model.parameters()]
    for xb in x.split(batch_size):
        logits = extended(xb)
        labels = logits.argmax(1)           # the GGN does not depend on the labels
        extended.zero_grad()
        with backpack(extension):
            loss_fn(logits, labels).backward()
        for d, p in zip(diagonal, extended.parameters()):
            d += p.diag_ggn_exact if exact else p.diag_ggn_mc
    return [d / len(x) for d in diagonal]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 7
    model, optimizer, x, y = setup()
    x_fisher = x[:1400]
    try:
        import backpack  # noqa: F401
        have_backpack = True
    except ImportError:
        have_backpack = False

    settings = {
        "training epoch (reference)": lambda: train_epoch(model, optimizer, x[:1400], y[:1400]),
        "infoscope exact": lambda: fisher_information(model, x_fisher, labels="exact", batch_size=256,
                                                      progress=False),
        "infoscope sampled": lambda: fisher_information(model, x_fisher, batch_size=256, progress=False),
        "per-sample loop, sampled": lambda: per_sample_loop(model, x_fisher),
    }
    if have_backpack:
        settings["BackPACK DiagGGNExact"] = lambda: backpack_fisher(model, x_fisher, exact=True)
        settings["BackPACK DiagGGNMC"] = lambda: backpack_fisher(model, x_fisher, exact=False)
    times = {name: [] for name in settings}
    for _ in range(runs):
        for name, run in settings.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(t) for name, t in times.items()}

    agreement = None
    if have_backpack:
        ours = fisher_information(model, x_fisher, labels="exact", progress=False).vector()
        theirs = torch.cat([d.reshape(-1) for d in backpack_fisher(model, x_fisher, exact=True)]).double()
        agreement = float(((ours - theirs).abs() / theirs.abs().clamp_min(1e-12)).max())

    transfer_times = []
    for _ in range(max(1, runs // 2)):
        start = time.perf_counter()
        result = information_transfer(lambda: nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)),
                                      x, y, progress=False)
        transfer_times.append(time.perf_counter() - start)

    epoch = medians["training epoch (reference)"]
    lines = [f"# Fisher information and prequential code: cost ({runs} runs, medians)", "",
             f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch "
             f"{torch.__version__}; digits MLP 64-32-10, Fisher over 1400 images (float32)", "",
             "| setting | median s | x training epoch | x infoscope (same kind) |", "|---|---|---|---|"]
    for name, t in medians.items():
        same = "infoscope exact" if "Exact" in name or "exact" in name else "infoscope sampled"
        ratio = "" if name.startswith("training") else f"{t / medians[same]:.2f}"
        lines.append(f"| {name} | {t:.4f} | {t / epoch:.2f} | {ratio} |")
    if agreement is not None:
        lines += ["", f"Exact Fisher, infoscope vs BackPACK: largest relative difference {agreement:.2e}."]
    else:
        lines += ["", "BackPACK not installed: not compared."]
    lines += ["", f"information_transfer on the 1797 digits labels (9 blocks + final model, MLP 64-64-10): median "
              f"{statistics.median(transfer_times):.2f} s over {len(transfer_times)} runs; L_IT = "
              f"{result.value:.0f} bits, code {result.total:.0f} of {result.uniform:.0f} bits uniform."]
    report = "\n".join(lines)
    print(report)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    stem = "weights_speed_quick" if args.quick else "weights_speed"
    (out / f"{stem}.md").write_text(report + "\n")
    (out / f"{stem}.json").write_text(json.dumps(dict(runs=runs, seconds=times, medians=medians,
                                                      backpack_max_relative_difference=agreement,
                                                      information_transfer_seconds=transfer_times), indent=1))


if __name__ == "__main__":
    main()
