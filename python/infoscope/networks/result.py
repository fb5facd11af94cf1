"""The result of a network inference: per target what was selected and tested, and the network it makes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._arrays import warn
from ..stats import fdr_correction


@dataclass(frozen=True)
class TargetResult:
    """One target's analysis. ``past``: the lags of its own past kept; ``variables``: {(source, lag): (TE, p)}
    of the source variables that passed every test, TE the conditional MI of that variable given all other
    selected ones (nats) and p its sequential maximum-statistic p-value; ``link_te``: {source: TE of all its
    selected variables together, given the target's past (and, multivariate, the other sources' variables)};
    the omnibus TE of all selected sources and its p-value (NaN when no source variable was selected)."""

    target: int
    past: tuple
    variables: dict
    link_te: dict
    omnibus_te: float
    omnibus_p: float
    seconds: float


class Network:
    """A directed network inferred by transfer entropy.

    Attributes
    ----------
    targets : dict of int -> TargetResult
        What each analysed target's cascade found, before the correction across targets.
    significant : dict of int -> bool
        Whether each target's omnibus test survives the false-discovery-rate correction (or its level, without one).
    adjacency : ndarray of bool, (processes, processes)
        ``adjacency[source, target]``: a link from source to target.
    te : ndarray, (processes, processes)
        The links' transfer entropies (nats), NaN where there is no link.
    links : list of (source, target, lag)
        Every selected source variable of the significant targets.
    """

    def __init__(self, count, targets, settings, significant, labels, seconds):
        self.settings = settings
        self.targets = {r.target: r for r in targets}
        self.significant = significant
        self.labels = tuple(range(count)) if labels is None else tuple(labels)
        self.seconds = seconds
        self.adjacency = np.zeros((count, count), dtype=bool)
        self.te = np.full((count, count), np.nan)
        self.links = []
        for r in targets:
            if not significant[r.target]:
                continue
            for source, value in r.link_te.items():
                self.adjacency[source, r.target] = True
                self.te[source, r.target] = value
            self.links += [(source, r.target, lag) for source, lag in r.variables]
        self.links.sort()

    @classmethod
    def from_targets(cls, count, targets, settings, fdr, fdr_alpha, labels, seconds) -> "Network":
        """Targets without a selected source count as tests with p = 1, as in IDTxl's network FDR."""
        p = np.array([1.0 if math.isnan(r.omnibus_p) else r.omnibus_p for r in targets])
        smallest = 1 / (settings.n_perm_omnibus + 1)
        if fdr and smallest > fdr_alpha / len(targets):
            warn(f"n_perm (omnibus) = {settings.n_perm_omnibus}: its smallest p-value, {smallest:.3g}, exceeds the "
                 f"false-discovery threshold of the strongest of {len(targets)} targets ({fdr_alpha / len(targets):.3g}): "
                 f"targets can fail the correction for lack of surrogates")
        passed = (fdr_correction(p, fdr_alpha, fdr) if fdr else p < settings.alpha_omnibus)
        significant = {r.target: bool(ok) and bool(r.variables) for r, ok in zip(targets, passed)}
        return cls(count, targets, settings, significant, labels, seconds)

    def lags(self, source: int, target: int) -> tuple:
        """The lags of ``source`` selected for ``target`` (empty without a link)."""
        return tuple(lag for s, t, lag in self.links if s == source and t == target)

    def to_pandas(self):
        """One row per selected (source, target, lag): its TE and sequential p-value, the link's TE, the
        target's omnibus TE and p-value (pandas DataFrame)."""
        import pandas as pd

        rows = []
        for source, target, lag in self.links:
            r = self.targets[target]
            te, p = r.variables[(source, lag)]
            rows.append(dict(source=self.labels[source], target=self.labels[target], lag=lag, te=te, p_value=p,
                             link_te=r.link_te[source], omnibus_te=r.omnibus_te, omnibus_p=r.omnibus_p))
        return pd.DataFrame(rows, columns=["source", "target", "lag", "te", "p_value", "link_te", "omnibus_te",
                                           "omnibus_p"])

    def to_networkx(self):
        """A networkx DiGraph: one node per process (attribute ``past``: the lags of its own past selected, for
        analysed targets), one edge per link with attributes ``te`` and ``lags``."""
        import networkx as nx

        g = nx.DiGraph()
        for i, label in enumerate(self.labels):
            g.add_node(label, **({"past": self.targets[i].past} if i in self.targets else {}))
        for s, t in zip(*np.nonzero(self.adjacency)):
            g.add_edge(self.labels[s], self.labels[t], te=float(self.te[s, t]), lags=self.lags(int(s), int(t)))
        return g

    def plot(self, ax=None, truth=None):
        """The network on a circle, arrows as wide as their TE and labelled with their lags (matplotlib).
        ``truth``: an iterable of true (source, target) links, drawn grey where missed and red arrows where
        false. Returns the axes."""
        import matplotlib.pyplot as plt
        from matplotlib.patches import FancyArrowPatch

        count = len(self.labels)
        ax = ax if ax is not None else plt.subplots(figsize=(5, 5))[1]
        angle = np.pi / 2 - 2 * np.pi * np.arange(count) / count
        xy = np.column_stack([np.cos(angle), np.sin(angle)])
        true = None if truth is None else {(int(s), int(t)) for s, t, *_ in truth}
        top = np.nanmax(self.te) if self.adjacency.any() else 1.0
        edges = [(s, t, "C0" if true is None or (s, t) in true else "C3") for s, t in zip(*np.nonzero(self.adjacency))]
        edges += [] if true is None else [(s, t, "0.75") for s, t in sorted(true) if not self.adjacency[s, t]]
        for s, t, colour in edges:
            width = 1.0 if colour == "0.75" else 1 + 4 * self.te[s, t] / top
            ax.add_patch(FancyArrowPatch(xy[s], xy[t], arrowstyle="-|>", mutation_scale=12, lw=width, color=colour,
                                         connectionstyle="arc3,rad=0.15", shrinkA=14, shrinkB=14,
                                         linestyle="--" if colour == "0.75" else "-"))
            if colour != "0.75":
                mid = (xy[s] + xy[t]) / 2 + 0.08 * np.array([xy[t, 1] - xy[s, 1], xy[s, 0] - xy[t, 0]])
                ax.annotate(",".join(map(str, self.lags(s, t))), mid, fontsize=8, ha="center", va="center",
                            color=colour, bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
        ax.scatter(xy[:, 0], xy[:, 1], s=500, color="white", edgecolor="0.2", zorder=3)
        for i, label in enumerate(self.labels):
            ax.annotate(str(label), xy[i], ha="center", va="center", zorder=4)
        ax.set_xlim(-1.3, 1.3)
        ax.set_ylim(-1.3, 1.3)
        ax.set_aspect("equal")
        ax.axis("off")
        return ax

    def __repr__(self) -> str:
        return (f"Network({len(self.labels)} processes, {int(self.adjacency.sum())} links, "
                f"{self.settings.analysis} TE, {len(self.targets)} targets in {self.seconds:.1f} s)")
