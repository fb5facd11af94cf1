"""Writes a benchmark's results: accuracy, speed and score tables as Markdown, CSV and JSON, and two figures."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import platform
from pathlib import Path

from .runner import tolerance

__all__ = ["write_tables", "markdown", "plot_estimates", "plot_errors", "write_report"]


def _fmt(value, digits=3) -> str:
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def markdown(rows: list, columns: list) -> str:
    """A Markdown table of ``rows`` (dicts) with the given columns."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_fmt(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


_ACCURACY = ["task", "estimator", "n", "truth", "mean", "std", "bias", "abs_error", "passed", "runs", "note"]
_SPEED = ["estimator", "n", "median_seconds", "total_seconds", "runs"]
_SCORES = ["estimator", "n", "passed", "tasks", "fraction"]


def write_tables(results, out: Path) -> list:
    """accuracy, speed and scores as .md, .csv and .json, plus every run in runs.csv; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {"accuracy": (results.accuracy(), _ACCURACY), "speed": (results.speed(), _SPEED),
              "scores": (sorted(results.scores(), key=lambda r: -r["fraction"]), _SCORES)}
    paths = []
    for name, (rows, columns) in tables.items():
        paths.append(out / f"{name}.md")
        paths[-1].write_text(markdown(rows, columns) + "\n")
        paths.append(out / f"{name}.csv")
        _write_csv(paths[-1], rows, columns)
        paths.append(out / f"{name}.json")
        paths[-1].write_text(json.dumps(rows, indent=1, default=_json_value) + "\n")
    paths.append(out / "runs.csv")
    records = results.records()
    _write_csv(paths[-1], records, list(records[0]) if records else [])
    meta = dict(python=platform.python_version(), machine=platform.machine(), processor=platform.processor(),
                skipped=results.skipped)
    paths.append(out / "environment.json")
    paths[-1].write_text(json.dumps(meta, indent=1) + "\n")
    return paths


def _json_value(value):
    return None if isinstance(value, float) and math.isnan(value) else str(value)


def _write_csv(path: Path, rows: list, columns: list) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _rows_at(results, n):
    """The accuracy rows at sample size n (the largest run if None), and that size."""
    rows = results.accuracy()
    n = n if n is not None else max((r["n"] for r in rows), default=None)
    return [r for r in rows if r["n"] == n], n


def plot_estimates(results, path: Path, n=None):
    """Mean estimate (bars: the spread over seeds) against the truth, one panel per estimator, one point per
    task; green points pass. The band is the pass tolerance max(10%, 0.1 nat)."""
    import numpy as np
    from matplotlib.figure import Figure  # no pyplot: the caller's backend and figures are left alone

    rows, n = _rows_at(results, n)
    rows = [r for r in rows if r["status"] == "ok"]
    names = list(dict.fromkeys(r["estimator"] for r in rows))
    cols = min(4, max(1, len(names)))
    nrows = math.ceil(len(names) / cols)
    fig = Figure(figsize=(3.2 * cols, 3.0 * nrows))
    axes = fig.subplots(nrows, cols, squeeze=False, sharex=True, sharey=True)
    top = max([r["truth"] for r in rows] + [1.0]) * 1.15
    line = np.linspace(0, top, 50)
    band = tolerance(line)
    for ax, name in zip(axes.flat, names):
        mine = [r for r in rows if r["estimator"] == name]
        ax.fill_between(line, line - band, line + band, color="0.9")
        ax.plot(line, line, color="0.5", lw=0.8)
        for r in mine:
            ax.errorbar(r["truth"], r["mean"], yerr=0 if math.isnan(r["std"]) else r["std"], fmt="o", ms=3.5,
                        color="tab:green" if r["passed"] else "tab:red", elinewidth=0.8)
        passed = sum(r["passed"] for r in mine)
        ax.set_title(f"{name}: {passed}/{len(mine)}", fontsize=9)
        ax.set_xlim(0, top)
        ax.set_ylim(min(-0.2, min((r["mean"] for r in rows), default=0) - 0.1), top)
    for ax in axes.flat[len(names):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("true value (nats)")
    for ax in axes[:, 0]:
        ax.set_ylabel("mean estimate (nats)")
    fig.suptitle(f"Estimate against truth, N = {n} (green: within max(10%, 0.1 nat))", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def plot_errors(results, path: Path, n=None):
    """Heat-map of (mean estimate - truth) / tolerance, tasks x estimators: |value| <= 1 passes; grey: not run."""
    import matplotlib
    import numpy as np
    from matplotlib.figure import Figure

    rows, n = _rows_at(results, n)
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    names = list(dict.fromkeys(r["estimator"] for r in rows))
    grid = np.full((len(tasks), len(names)), np.nan)
    for r in rows:
        if r["status"] == "ok":
            grid[tasks.index(r["task"]), names.index(r["estimator"])] = r["bias"] / r["tolerance"]
    fig = Figure(figsize=(1.0 + 0.55 * len(names), 1.2 + 0.26 * len(tasks)))
    ax = fig.subplots()
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="0.85")
    image = ax.imshow(np.clip(grid, -3, 3), cmap=cmap, vmin=-3, vmax=3, aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=6,
                    color="black" if abs(value) <= 1 else "white", fontweight="bold" if abs(value) <= 1 else None)
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(tasks)), tasks, fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.6, label="(estimate - truth) / tolerance")
    ax.set_title(f"Error in tolerances, N = {n} (|x| <= 1 passes)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def write_report(results, out: Path, *, plots=True) -> list:
    """Tables, and the two figures when matplotlib is installed (a message otherwise); returns the paths."""
    paths = write_tables(results, out)
    if plots:
        if importlib.util.find_spec("matplotlib") is None:
            print("matplotlib is not installed: no figures (pip install 'infoscope[plot]')")
            return paths
        paths.append(plot_estimates(results, out / "estimates.png"))
        paths.append(plot_errors(results, out / "errors.png"))
    return paths
