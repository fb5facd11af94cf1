"""Scores of an inferred network against a known one (precision and recall over links and over lagged links),
as Novelli, Wollstadt, Mediano, Wibral & Lizier 2019 (Network Neuroscience 3(3):827) report them."""

from __future__ import annotations

import numbers

from .._arrays import check_count

__all__ = ["link_scores"]


def _link_set(name: str, links) -> set:
    """A set of (source, target) or (source, target, lag) int tuples; a ValueError naming ``name`` otherwise."""
    if hasattr(links, "links") and not isinstance(links, (set, frozenset, list, tuple)):
        links = links.links  # a VARNetwork / LogisticNetwork
    try:
        items = [tuple(item) for item in links]
    except TypeError:
        raise ValueError(f"{name} must be an iterable of (source, target) or (source, target, lag) tuples; "
                         f"got {links!r}") from None
    sizes = {len(item) for item in items}
    if len(sizes) > 1 or not sizes <= {2, 3}:
        raise ValueError(f"{name} must hold only (source, target) pairs or only (source, target, lag) triples; "
                         f"got entries of length {sorted(sizes)}")
    for item in items:
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) >= 0 for v in item):
            raise ValueError(f"{name} entries must be non-negative integers; got {item!r}")
        if item[0] == item[1]:
            raise ValueError(f"{name} has a self-link {item!r}; a node's own past is not a link")
        if len(item) == 3 and item[2] < 1:
            raise ValueError(f"{name} has a lag below 1 in {item!r}")
    return {tuple(int(v) for v in item) for item in items}


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def _scores(found: set, truth: set) -> dict:
    tp, fp, fn = len(found & truth), len(found - truth), len(truth - found)
    return {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn), "tp": tp, "fp": fp, "fn": fn}


def link_scores(found, truth, *, n_nodes=None) -> dict:
    """Precision and recall of ``found`` links against ``truth``.

    ``found`` and ``truth`` are iterables of (source, target) pairs or of (source, target, lag) triples (or a
    network of :mod:`infoscope.bench.processes`, whose ``.links`` are used). Returns a dict with ``precision``,
    ``recall``, ``tp``, ``fp``, ``fn`` over (source, target) links (a link found at any lag counts), and, when
    both carry lags, ``lag_precision``, ``lag_recall``, ``lag_tp``, ``lag_fp``, ``lag_fn`` over the triples
    (a link found at a wrong lag, or at an extra lag, is a false positive there); else these are None.
    ``n_nodes`` adds ``specificity`` = TN / (TN + FP) over the n (n - 1) possible links. A ratio whose
    denominator is 0 (nothing found, or nothing true) is NaN.
    """
    found_set, truth_set = _link_set("found", found), _link_set("truth", truth)
    out = _scores({l[:2] for l in found_set}, {l[:2] for l in truth_set})
    lagged = all(len(l) == 3 for l in found_set | truth_set) and bool(found_set | truth_set)
    lag_scores = _scores(found_set, truth_set) if lagged else dict.fromkeys(("precision", "recall", "tp", "fp", "fn"))
    out.update({f"lag_{key}": value for key, value in lag_scores.items()})
    if n_nodes is not None:
        n_nodes = check_count(n_nodes, "n_nodes", 2)
        largest = max((max(l[:2]) for l in found_set | truth_set), default=-1)
        if largest >= n_nodes:
            raise ValueError(f"n_nodes ({n_nodes}) must exceed every node index (found {largest})")
        negatives = n_nodes * (n_nodes - 1) - (out["tp"] + out["fn"])
        out["specificity"] = _ratio(negatives - out["fp"], negatives)
    return out
