"""Matplotlib figures of information planes, transfer entropy between layers, Fisher traces and prequential codes
(matplotlib imported on use).

Figures are built with ``matplotlib.figure.Figure``, never through pyplot, so the caller's backend and pyplot
state are left alone; save them with ``fig.savefig(path)`` or pass an ``ax`` to draw into your own figure.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Optional, Sequence

__all__ = ["information_plane", "smooth_series", "transfer_entropy_plane", "fisher_trace", "online_code"]

_MARKERS = "osD^vP*Xhp<>"


def _axes(ax, size=(6.0, 4.5)):
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("plotting needs matplotlib: pip install 'infoscope[plot]'") from err
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def smooth_series(values, smooth):
    """A series (e.g. one layer's I(X;T) over the epochs) smoothed.

    ``smooth`` is None (unchanged), an int w (a centred moving average over w points, the window shortened at the
    ends; numpy only), or "butakov": the filter of Butakov et al. 2024's information-plane notebooks, a
    Savitzky-Golay filter (window min(29, n) made odd -- theirs is 30 --, polynomial order min(4, window - 1))
    followed, for series longer than 27 points, by a forward-backward 8th-order Butterworth low-pass with cutoff
    0.125 of the Nyquist frequency (``scipy.signal``; needs scipy). Both keep a straight line straight.
    """
    import numpy as np

    values = np.asarray(values, dtype=np.float64)
    n = values.size
    if smooth is None or n < 3:
        return values
    if isinstance(smooth, str):
        if smooth != "butakov":
            raise ValueError(f"smooth must be None, a window length (int) or 'butakov'; got {smooth!r}")
        try:
            from scipy.signal import butter, filtfilt, savgol_filter
        except ImportError as err:
            raise ImportError("smooth='butakov' needs scipy: pip install scipy (or pass an int window)") from err
        window = min(29, n if n % 2 else n - 1)  # odd: an even window shifts the series by half a sample
        out = savgol_filter(values, window, min(4, window - 1))
        b, a = butter(8, 0.125)
        # The Butterworth stage needs scipy's default padding (27 samples of odd extension) to keep its start-up
        # transient off the ends; a shorter series keeps the Savitzky-Golay curve alone.
        padding = 3 * max(len(a), len(b))
        return filtfilt(b, a, out, padlen=padding) if n > padding else out
    if isinstance(smooth, bool) or not isinstance(smooth, int) or smooth < 1:
        raise ValueError(f"smooth must be None, a window length (int >= 1) or 'butakov'; got {smooth!r}")
    half = smooth // 2
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + smooth - half, 0, n)
    return (cumulative[hi] - cumulative[lo]) / (hi - lo)


def _epoch_curves(ax, fig, curves: dict, xlabel: str, ylabel: str, title: Optional[str], errors: Optional[dict] = None,
                  smooth=None):
    """One line per curve name through its (epoch, x, y) points, the points coloured by epoch; ``errors`` maps a
    curve name to its (x error, y error) lists in the same order; ``smooth`` draws the line through smoothed
    points (:func:`smooth_series`)."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize
    from matplotlib.cm import ScalarMappable
    from matplotlib.lines import Line2D

    epochs = [e for points in curves.values() for e, _, _ in points]
    norm = Normalize(min(epochs), max(max(epochs), min(epochs) + 1))
    cmap = colormaps["viridis"]
    handles = []
    for i, (name, points) in enumerate(curves.items()):
        order = sorted(range(len(points)), key=lambda j: points[j])
        points, marker = [points[j] for j in order], _MARKERS[i % len(_MARKERS)]
        xs, ys = [p[1] for p in points], [p[2] for p in points]
        if errors is not None and name in errors:
            xerr, yerr = ([errors[name][axis][j] for j in order] for axis in (0, 1))
            if any(e == e for e in xerr + yerr):  # any not NaN
                ax.errorbar(xs, ys, xerr=xerr, yerr=yerr, fmt="none", ecolor="0.55", elinewidth=0.7, capsize=1.5,
                            zorder=0)
        if smooth is not None:
            ax.plot(smooth_series(xs, smooth), smooth_series(ys, smooth), color="0.25", linewidth=1.4, zorder=3)
        ax.plot(xs, ys, color="0.6", linewidth=0.8, zorder=1)
        ax.scatter(xs, ys, c=[cmap(norm(p[0])) for p in points], marker=marker, s=22, edgecolors="k",
                   linewidths=0.3, zorder=2, alpha=0.5 if smooth is not None else 1.0)
        # Legend entries in a neutral colour: the colour of a point is its epoch, not its layer.
        handles.append(Line2D([], [], color="0.6", marker=marker, markerfacecolor="white", markeredgecolor="k",
                              label=name))
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="epoch")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(handles=handles, fontsize="small", title="layer", title_fontsize="small")


def information_plane(rows: Sequence, *, h_y: Optional[float] = None, ax=None, title: Optional[str] = None,
                      errors: bool = True, smooth=None):
    """I(X;T) against I(T;Y) for every layer of :class:`infoscope.torch.InformationPlane` rows (objects or
    dicts with epoch, layer, i_xt, i_ty, unit, and optionally i_xt_se, i_ty_se). ``errors`` draws the standard
    errors as bars (where the rows have them); ``smooth`` adds each layer's curve smoothed over the epochs
    (:func:`smooth_series`: None, a window length, or "butakov"). Returns the Figure."""
    rows = [r if isinstance(r, dict) else r.__dict__ for r in rows]
    if not rows:
        raise ValueError("rows is empty: call update() at least once before plotting")
    smooth_series([0.0, 0.0, 0.0], smooth)  # a bad smooth= is an error before anything is drawn
    fig, ax = _axes(ax)
    curves = defaultdict(list)
    bars: defaultdict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    nan = float("nan")
    for r in rows:
        curves[r["layer"]].append((r["epoch"], r["i_xt"], r["i_ty"]))
        bars[r["layer"]][0].append(r.get("i_xt_se", nan))
        bars[r["layer"]][1].append(r.get("i_ty_se", nan))
    unit = rows[0]["unit"]
    if h_y is not None:
        ax.axhline(h_y, color="0.3", linestyle="--", linewidth=0.8)
        ax.annotate("H(Y)", (0, h_y), xycoords=("axes fraction", "data"), xytext=(3, 3),
                    textcoords="offset points", fontsize="small")
    _epoch_curves(ax, fig, curves, f"I(X;T) [{unit}]", f"I(T;Y) [{unit}]", title, bars if errors else None, smooth)
    return fig


def transfer_entropy_plane(rows: Sequence, *, ax=None, title: Optional[str] = None):
    """The transfer-entropy plane of :class:`infoscope.torch.LayerTransferEntropy` rows: for every layer with
    a layer before and after it, the mean TE into it (x) against the mean TE out of it (y), coloured by epoch
    (averaged over the layer pairs on each side).
    When no layer has both, TE per layer pair against epoch. Returns the Figure."""
    rows = [r if isinstance(r, dict) else r.__dict__ for r in rows]
    if not rows:
        raise ValueError("rows is empty: call update() at least once before plotting")
    fig, ax = _axes(ax)
    unit = rows[0]["unit"]
    te = {(r["epoch"], r["source"], r["target"]): r["te_mean"] for r in rows}
    into, out_of = defaultdict(list), defaultdict(list)   # a layer may have several pairs on either side
    for (epoch, source, target), v in te.items():
        into[(epoch, target)].append(v)
        out_of[(epoch, source)].append(v)
    curves = defaultdict(list)
    for (epoch, layer), v_in in into.items():
        if (epoch, layer) in out_of:
            v_out = out_of[(epoch, layer)]
            curves[layer].append((epoch, sum(v_in) / len(v_in), sum(v_out) / len(v_out)))
    if curves:
        _epoch_curves(ax, fig, curves, f"mean TE into the layer [{unit}]", f"mean TE out of the layer [{unit}]",
                      title or "transfer-entropy plane")
        return fig
    by_pair = defaultdict(list)
    for (epoch, s, t), v in sorted(te.items()):
        by_pair[f"{s} -> {t}"].append((epoch, v))
    for i, (name, points) in enumerate(by_pair.items()):
        ax.plot([p[0] for p in points], [p[1] for p in points], marker=_MARKERS[i % len(_MARKERS)], label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"mean TE per neuron pair [{unit}]")
    ax.set_title(title or "transfer entropy between layers")
    ax.legend(fontsize="small")
    return fig


def fisher_trace(rows: Sequence, *, ax=None, title: Optional[str] = None):
    """The Fisher trace of every layer against the epoch, log scale, from :class:`infoscope.torch.FisherMonitor`
    rows (objects or dicts with epoch, layer, trace), with the total over layers. Returns the Figure."""
    rows = [r if isinstance(r, dict) else r.__dict__ for r in rows]
    if not rows:
        raise ValueError("rows is empty: call update() at least once before plotting")
    fig, ax = _axes(ax)
    by_layer = defaultdict(list)
    total: defaultdict[int, float] = defaultdict(float)
    for r in rows:
        by_layer[r["layer"]].append((r["epoch"], r["trace"]))
        total[r["epoch"]] += r["trace"]
    for i, (layer, points) in enumerate(by_layer.items()):
        points = sorted(points)
        ax.plot([p[0] for p in points], [p[1] for p in points], marker=_MARKERS[i % len(_MARKERS)], markersize=4,
                label=layer)
    epochs = sorted(total)
    ax.plot(epochs, [total[e] for e in epochs], color="k", linewidth=1.5, label="total")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("trace of the Fisher information (per sample)")
    ax.set_title(title or "Fisher information during training")
    ax.legend(fontsize="small", title="layer", title_fontsize="small")
    return fig


def online_code(codes: dict, *, ax=None, title: Optional[str] = None):
    """Online learning curves of prequential codes (:class:`infoscope.torch.PrequentialCode` or
    :class:`~infoscope.torch.InformationTransfer`, by name): the code length per label of every block against
    the samples transmitted, the uniform code dotted and, for information transfer, the final model's code per
    label dashed with the area between the curves -- L_IT -- shaded. Returns the Figure."""
    if not codes:
        raise ValueError("codes is empty: pass at least one prequential code")
    fig, ax = _axes(ax)
    unit = next(iter(codes.values())).unit
    for i, (name, code) in enumerate(codes.items()):
        edges = [code.rows[0].start] + [r.end for r in code.rows]
        per_label = [r.codelength / (r.end - r.start) for r in code.rows]
        label = f"{name}: " if name else ""
        colour = ax.stairs(per_label, edges, baseline=None, linewidth=1.5, label=f"{label}{code.total:.0f} {unit} in all").get_edgecolor()
        if getattr(code, "final", None) is not None and code.rows[0].final is not None:
            final = [r.final / (r.end - r.start) for r in code.rows]
            ax.stairs(final, edges, baseline=None, color=colour, linestyle="--", linewidth=1,
                      label=f"{label}final model, L_IT = {code.value:.0f} {unit}")
            ax.stairs(per_label, edges, baseline=final, fill=True, color=colour, alpha=0.15)
        ax.axhline(code.uniform / code.samples, color="0.4", linestyle=":", linewidth=1)
    ax.annotate("uniform code", (1, code.uniform / code.samples), xycoords=("axes fraction", "data"),
                xytext=(-3, 3), textcoords="offset points", ha="right", fontsize="small")
    # Linear up to the first block (which starts at 0), logarithmic beyond, where the blocks double.
    ax.set_xscale("symlog", linthresh=min(c.rows[0].end for c in codes.values()), linscale=0.5)
    ax.set_xlim(0, max(c.samples for c in codes.values()))
    ax.set_xlabel("samples transmitted")
    ax.set_ylabel(f"code length per label [{unit}]")
    ax.set_title(title or "prequential code")
    ax.legend(fontsize="small")
    return fig
