"""Butakov et al. 2024's synthetic image test: estimated against true MI for images of rectangles and of 2-D
Gaussian plots, each side rendered from a 4-D Gaussian latent with I(latents) set from 0 to 10 nats
(:mod:`infoscope.bench.images`). Writes benchmarks/results/butakov_images{,_quick}.{md,json,csv,png}.

    python benchmarks/butakov_images.py            # N = 5000, MI = 0, 1, ..., 10, both families; ~10 min, 1 thread
    python benchmarks/butakov_images.py --quick    # N = 400, MI = 0, 5, 10, a tiny autoencoder: seconds (CI)
    python benchmarks/butakov_images.py --latent-estimators ksg gaussian mine   # more estimators on the codes

Per family, one convolutional autoencoder (4-D code; :class:`infoscope.torch.ConvAutoencoder`) is trained on
images of independent latents -- the distribution of x and of y at every MI level -- and reused for every level.
Estimators, on the same samples:

* ``butakov-ae``: the faithful protocol, whitened Kozachenko-Leonenko MI of the codes (1-NN in each 4-D space,
  Berrett-weighted k = 5 in the 8-D joint space), with its standard error (Butakov et al.'s convention);
* ``butakov-ae-normal``: the same on normal scores of every code column (an invertible map of each code, so the
  MI is unchanged; the marginals become Gaussian and the k-NN biases cancel better), and
  ``butakov-ae-normal-same``: that with the Berrett-weighted k = 5 estimator in the marginal spaces too;
* ``ae+<name>``: any MI estimator of the bench registry on the same codes (default: plain KSG, infoscope's
  recommended ``ksg-gaussref`` -- KSG on normal scores minus its bias on a Gaussian reference -- and the Gaussian
  MI); neural estimators registered there later are named the same way;
* ``latents``: the whitened estimator on the true 4-D latents, without images or autoencoder: what the
  estimator does when the compression is perfect.

Pass: within max(10% of the truth, 0.1 nat), the suite's tolerance.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few seconds: N=400, MI 0/5/10, tiny autoencoder")
    parser.add_argument("-n", type=int, help="samples per MI level (default 5000)")
    parser.add_argument("--step", type=int, help="MI levels 0..10 in this step, nats (default 1)")
    parser.add_argument("--families", nargs="+", choices=["rectangles", "gaussians"],
                        default=["rectangles", "gaussians"])
    parser.add_argument("--epochs", type=int, help="autoencoder epochs (default 30)")
    parser.add_argument("--train-size", type=int, help="autoencoder training images (default 5000)")
    parser.add_argument("--latent-estimators", nargs="*", default=["ksg", "ksg-gaussref", "gaussian"],
                        metavar="NAME", help="bench estimators to run on the codes as ae+NAME (default: ksg "
                                             "ksg-gaussref gaussian)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="sample seeds, each a fresh sample at every MI level (the autoencoders are trained once)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    from infoscope.bench import images
    from infoscope.bench.runner import tolerance
    from infoscope.estimators.whitened import whitened_mutual_info

    n = args.n or (400 if args.quick else 5000)
    step = args.step or (5 if args.quick else 1)
    epochs = args.epochs or (2 if args.quick else 30)
    train_size = args.train_size or (300 if args.quick else 5000)
    levels = list(range(0, 11, step))
    latent = [images.latent_estimator(name, train_size=train_size, epochs=epochs) for name in args.latent_estimators]
    faithful = images.butakov_estimator(train_size=train_size, epochs=epochs)

    names = [faithful.name, "butakov-ae-normal", "butakov-ae-normal-same", *(e.name for e in latent), "latents"]
    rows, autoencoders = [], {}
    start = time.perf_counter()
    for family in args.families:
        first = images.image_task(family, 0)
        began = time.perf_counter()
        encoder = images.autoencoder_for(first, train_size=train_size, epochs=epochs, progress=True)
        autoencoders[family] = dict(train_size=train_size, epochs=epochs, seconds=time.perf_counter() - began,
                                    final_loss=encoder.losses[-1],
                                    held_out_error=encoder.reconstruction_error(
                                        first.marginal_images(1000, 1).reshape(-1, 32, 32)))
        for mi, seed in ((mi, seed) for mi in levels for seed in args.seeds):
            task = images.image_task(family, mi)
            arrays = task.sample(n, seed)
            codes = [encoder.encode(a.reshape(-1, 32, 32)) for a in arrays]
            zx, zy = images.latent_pair(mi, n, np.random.default_rng(seed))  # the latents of that sample
            estimates = {faithful.name: whitened_mutual_info(*codes),
                         "butakov-ae-normal": whitened_mutual_info(*codes, transform="normal"),
                         "butakov-ae-normal-same": whitened_mutual_info(*codes, transform="normal", neighbours="same"),
                         "latents": whitened_mutual_info(zx, zy)}
            row = dict(family=family, truth=float(mi), seed=seed, n=n, tolerance=float(tolerance(mi)))
            for name, value in estimates.items():
                row[name], row[f"{name}_se"] = value.value, value.se
            for estimator in latent:
                row[estimator.name] = estimator(arrays, task, seed)
            for name in names:
                row[f"{name}_pass"] = bool(abs(row[name] - mi) <= row["tolerance"])
            rows.append(row)
            print(f"{family:10s} I = {mi:2d}, seed {seed}: butakov-ae {row[faithful.name]:7.3f} +- {row[faithful.name + '_se']:.3f}"
                  + "".join(f", {name} {row[name]:7.3f}" for name in names[1:-1]) + f", latents {row['latents']:7.3f}",
                  flush=True)
    seconds = time.perf_counter() - start
    result = dict(settings=dict(n=n, levels=levels, epochs=epochs, train_size=train_size, seeds=args.seeds,
                                estimators=names, quick=args.quick),
                  autoencoders=autoencoders, rows=rows, seconds=seconds)
    write(result, args.out / f"butakov_images{'_quick' if args.quick else ''}")
    return result


def summary(result: dict) -> list:
    """One row per (family, truth): every estimator's mean over the seeds, its standard deviation over them, and
    in how many seeds it was within tolerance."""
    names, out = result["settings"]["estimators"], []
    for family in result["autoencoders"]:
        for truth in result["settings"]["levels"]:
            mine = [r for r in result["rows"] if r["family"] == family and r["truth"] == truth]
            row = dict(family=family, truth=float(truth), tolerance=mine[0]["tolerance"], seeds=len(mine))
            for name in names:
                values = np.array([r[name] for r in mine])
                row[name], row[name + "_sd"] = float(values.mean()), float(values.std(ddof=1)) if len(mine) > 1 else 0.0
                row[name + "_passes"] = sum(r[name + "_pass"] for r in mine)
                row[name + "_pass"] = bool(abs(row[name] - truth) <= row["tolerance"])
            out.append(row)
    return out


def write(result: dict, stem: Path) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    names, rows = result["settings"]["estimators"], result["rows"]
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    columns = ["family", "truth", "seed", "n", "tolerance"] + [c for name in names for c in (name, f"{name}_se", f"{name}_pass")
                                                               if c in rows[0]]
    with open(stem.with_suffix(".csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    seeds = result["settings"]["seeds"]
    lines = ["# Butakov et al. 2024 image tasks: estimate vs truth (nats)", "",
             f"N = {result['settings']['n']} per MI level, sample seeds {', '.join(map(str, seeds))}; autoencoders "
             f"(4-D code) trained on {result['settings']['train_size']} images for {result['settings']['epochs']} "
             f"epochs; {result['seconds']:.0f} s in all. Each cell: the mean over the seeds (± their standard "
             f"deviation), ✓ when the mean is within max(10%, 0.1 nat), and in how many seeds one estimate was.", ""]
    table = summary(result)
    for family, ae in result["autoencoders"].items():
        lines += [f"## {family}", "",
                  f"Autoencoder: {ae['seconds']:.0f} s, final training loss {ae['final_loss']:.4f}, held-out "
                  f"reconstruction error {ae['held_out_error']:.4f} (standardised pixels).", "",
                  "| I (truth) | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for row in (r for r in table if r["family"] == family):
            cells = []
            for name in names:
                spread = f" ± {row[name + '_sd']:.2f}" if len(seeds) > 1 else ""
                cells.append(f"{row[name]:.3f}{spread} {'✓' if row[name + '_pass'] else '✗'} {row[name + '_passes']}/{len(seeds)}")
            lines.append(f"| {row['truth']:g} | " + " | ".join(cells) + " |")
        upto5 = [r for r in table if r["family"] == family and r["truth"] <= 5]
        lines += ["", "Within tolerance up to 5 nats (the mean over seeds; single estimates): " + ", ".join(
            f"{name} {sum(r[name + '_pass'] for r in upto5)}/{len(upto5)} "
            f"({sum(r[name + '_passes'] for r in upto5)}/{len(upto5) * len(seeds)})" for name in names) + ".", ""]
    stem.with_suffix(".md").write_text("\n".join(lines))
    try:
        figure(result).savefig(stem.with_suffix(".png"), dpi=120)
    except ImportError:
        print("matplotlib is not installed: no figure", file=sys.stderr)


def figure(result: dict):
    from matplotlib.figure import Figure

    names, rows = result["settings"]["estimators"], summary(result)
    families = list(result["autoencoders"])
    fig = Figure(figsize=(5.2 * len(families), 4.6), layout="constrained")
    for i, family in enumerate(families):
        ax = fig.add_subplot(1, len(families), i + 1)
        mine = [r for r in rows if r["family"] == family]
        truth = np.array([r["truth"] for r in mine])
        grid = np.linspace(0, max(truth.max(), 1.0), 200)
        ax.fill_between(grid, grid - np.maximum(0.1 * grid, 0.1), grid + np.maximum(0.1 * grid, 0.1), color="0.88",
                        label="±max(10%, 0.1 nat)")
        ax.plot(grid, grid, color="k", linewidth=1, label="truth")
        for j, name in enumerate(names):
            values = np.array([r[name] for r in mine])
            errors = np.array([r[name + "_sd"] for r in mine]) if result["settings"]["seeds"][1:] else None
            style = dict(marker="osD^v*"[j % 6], markersize=4, linewidth=1.2 if j == 0 else 0.9,
                         linestyle="-" if name != "latents" else ":")
            if errors is not None:
                ax.errorbar(truth, values, yerr=errors, capsize=2, label=name, **style)
            else:
                ax.plot(truth, values, label=name, **style)
        ax.set_xlabel("true I(X;Y) [nats]")
        ax.set_ylabel("estimate [nats]")
        ax.set_title(f"{family} (32×32), N = {result['settings']['n']}")
        ax.legend(fontsize="small")
    return fig


if __name__ == "__main__":
    main()
