"""Matplotlib figures of information planes, transfer entropy between layers, Fisher traces and prequential codes
(matplotlib imported on use).

Figures are built with ``matplotlib.figure.Figure``, never through pyplot, so the caller's backend and pyplot
state are left alone; save them with ``fig.savefig(path)`` or pass an ``ax`` to draw into your own figure.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Optional, Sequence

__all__ = ["information_plane", "transfer_entropy_plane", "fisher_trace", "online_code"]

_MARKERS = "osD^vP*Xhp<>"


def _axes(ax, size=(6.0, 4.5)):
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from err
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _epoch_curves(ax, fig, curves: dict, xlabel: str, ylabel: str, title: Optional[str]):
    """One line per curve name through its (epoch, x, y) points, the points coloured by epoch."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize
    from matplotlib.cm import ScalarMappable
    from matplotlib.lines import Line2D

    epochs = [e for points in curves.values() for e, _, _ in points]
    norm = Normalize(min(epochs), max(max(epochs), min(epochs) + 1))
    cmap = colormaps["viridis"]
    handles = []
    for i, (name, points) in enumerate(curves.items()):
        points, marker = sorted(points), _MARKERS[i % len(_MARKERS)]
        xs, ys = [p[1] for p in points], [p[2] for p in points]
        ax.plot(xs, ys, color="0.6", linewidth=0.8, zorder=1)
        ax.scatter(xs, ys, c=[cmap(norm(p[0])) for p in points], marker=marker, s=22, edgecolors="k",
                   linewidths=0.3, zorder=2)
        # Legend entries in a neutral colour: the colour of a point is its epoch, not its layer.
        handles.append(Line2D([], [], color="0.6", marker=marker, markerfacecolor="white", markeredgecolor="k",
                              label=name))
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="epoch")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(handles=handles, fontsize="small", title="layer", title_fontsize="small")


def information_plane(rows: Sequence, *, h_y: Optional[float] = None, ax=None, title: Optional[str] = None):
    """I(X;T) against I(T;Y) for every layer of :class:`infoscope.torch.InformationPlane` rows (objects or
    dicts with epoch, layer, i_xt, i_ty, unit). Returns the Figure."""
    rows = [r if isinstance(r, dict) else r.__dict__ for r in rows]
    if not rows:
        raise ValueError("rows is empty: call update() at least once before plotting")
    fig, ax = _axes(ax)
    curves = defaultdict(list)
    for r in rows:
        curves[r["layer"]].append((r["epoch"], r["i_xt"], r["i_ty"]))
    unit = rows[0]["unit"]
    if h_y is not None:
        ax.axhline(h_y, color="0.3", linestyle="--", linewidth=0.8)
        ax.annotate("H(Y)", (0, h_y), xycoords=("axes fraction", "data"), xytext=(3, 3),
                    textcoords="offset points", fontsize="small")
    _epoch_curves(ax, fig, curves, f"I(X;T) [{unit}]", f"I(T;Y) [{unit}]", title)
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
    by_layer, total = defaultdict(list), defaultdict(float)
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
