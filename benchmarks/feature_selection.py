"""Feature selection against scikit-learn and mrmr-selection, on the same data in one run.

    python benchmarks/feature_selection.py scores     # 1,000 continuous features x 1e4 samples, a class target
    python benchmarks/feature_selection.py mrmr       # 50 of those features: time and downstream accuracy
    python benchmarks/feature_selection.py mrmr --only "infoscope MRMR"   # rerun one row, keep the others
    python benchmarks/feature_selection.py truth      # synthetic data with a known relevant set
    python benchmarks/feature_selection.py report     # benchmarks/results/feature_selection.md from the JSONs

scores: ``infoscope.feature_selection.mutual_info_classif`` against scikit-learn's (``n_jobs=-1``), same
random_state; medians of --repeats runs each, the largest difference of the scores.

mrmr: make_classification (Madelon-like: 10 informative, 10 redundant, 10 repeated of 1,000 features, columns
shuffled), 50 features chosen by infoscope's MRMR, JMI and CMIM, by mrmr-selection's ``mrmr_classif`` (its
default: F-statistic relevance, Pearson-correlation redundancy), by a KSG mRMR written as a loop over
scikit-learn's scores (relevance ``mutual_info_classif``, each step's redundancies ``mutual_info_regression``
of the remaining features on the newly chosen one) and by scikit-learn's univariate ranking; each timed once
(--repeats for the fast ones), then a fixed classifier (a random forest of 100 trees) cross-validated (5 folds)
on the chosen columns.

truth: for seeds 0..4, (a) make_classification with 5 informative, 5 redundant and 5 repeated of 200 features
(columns shuffled), 10 chosen; (b) Friedman #1 (``make_friedman1``, 5 relevant of 50 features), 5 chosen;
(c) Friedman #1 with a noisy copy of each relevant feature (x + 0.3 N(0, 1)), 5 chosen. Reported: the fraction of
chosen features that are relevant, and how many distinct relevant directions they cover (the rank of the
chosen relevant columns for (a), the distinct originals for (c)).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
OURS = ("MRMR", "JMI", "CMIM")


def _save(name: str, data: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    data["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform()}
    (RESULTS / f"feature_selection_{name}.json").write_text(json.dumps(data, indent=1))


def _timed(fn, repeats: int):
    times, value = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), times, value


def _classification(n, p, informative, redundant, repeated, seed):
    """make_classification with its columns shuffled by our own permutation; the relevant columns' positions."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n, n_features=p, n_informative=informative, n_redundant=redundant,
                               n_repeated=repeated, shuffle=False, random_state=seed)
    order = np.random.default_rng(seed).permutation(p)
    relevant = np.flatnonzero(order < informative + redundant + repeated)
    return X[:, order], y, relevant


def scores(args) -> dict:
    from sklearn import feature_selection as skf

    from infoscope.feature_selection import mutual_info_classif

    rng = np.random.default_rng(0)
    n, p = args.n, args.p
    y = rng.integers(0, 4, n)
    X = rng.standard_normal((n, p))
    X[:, :20] += 0.5 * y[:, None]  # 20 informative features
    mutual_info_classif(X[:50], y[:50], random_state=0)  # imports and thread pools warm
    ours_s, ours_all, ours = _timed(lambda: mutual_info_classif(X, y, random_state=0), args.repeats)
    theirs_s, theirs_all, theirs = _timed(lambda: skf.mutual_info_classif(X, y, random_state=0, n_jobs=-1),
                                          args.sklearn_repeats)
    out = {"n": n, "p": p, "infoscope_s": ours_s, "infoscope_runs": ours_all, "sklearn_s": theirs_s,
           "sklearn_runs": theirs_all, "ratio": theirs_s / ours_s,
           "max_abs_difference": float(np.abs(ours - theirs).max())}
    print(json.dumps(out, indent=1))
    _save("scores", out)
    return out


def _sklearn_mrmr(X, y, count):
    """mRMR (MID) as a loop over scikit-learn's KSG scores."""
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

    relevance = mutual_info_classif(X, y, random_state=0, n_jobs=-1)
    redundancy = np.zeros(X.shape[1])
    chosen = [int(np.argmax(relevance))]
    remaining = np.array([f for f in range(X.shape[1]) if f != chosen[0]])
    while len(chosen) < count:
        redundancy[remaining] += mutual_info_regression(X[:, remaining], X[:, chosen[-1]], random_state=0, n_jobs=-1)
        score = relevance[remaining] - redundancy[remaining] / len(chosen)
        best = int(np.argmax(score))
        chosen.append(int(remaining[best]))
        remaining = np.delete(remaining, best)
    return chosen


def _selectors(count, problem: str):
    """name -> function(X, y) returning the chosen columns, for every contender."""
    import pandas as pd
    from mrmr import mrmr_classif, mrmr_regression
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

    from infoscope import feature_selection as fs

    univariate = mutual_info_classif if problem == "classification" else mutual_info_regression
    peer = mrmr_classif if problem == "classification" else mrmr_regression

    def ours(cls, **kw):
        return lambda X, y: cls(n_features_to_select=count, progress=False, **kw).fit(X, y).selected_.tolist()

    def mrmr_selection(X, y):
        names = peer(X=pd.DataFrame(X), y=pd.Series(y), K=count, show_progress=False)
        return [int(c) for c in names]

    return {
        "infoscope MRMR": ours(fs.MRMR),
        "infoscope JMI": ours(fs.JMI),
        "infoscope CMIM": ours(fs.CMIM),
        "mrmr-selection (F-statistic)": mrmr_selection,
        "scikit-learn univariate MI": lambda X, y: np.argsort(-univariate(X, y, random_state=0, n_jobs=-1),
                                                              kind="stable")[:count].tolist(),
    }


def mrmr(args) -> dict:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_val_score

    X, y, relevant = _classification(args.n, args.p, 10, 10, 10, 0)
    count = args.count
    contenders = _selectors(count, "classification")
    contenders["KSG mRMR over scikit-learn's scores (loop)"] = lambda X, y: _sklearn_mrmr(X, y, count)
    out = {"n": args.n, "p": args.p, "count": count, "relevant": relevant.tolist(), "rows": []}
    path = RESULTS / "feature_selection_mrmr.json"
    kept = json.loads(path.read_text())["rows"] if args.only and path.exists() else []
    for name, select in contenders.items():
        if args.only and name not in args.only:  # the row of an earlier run, if there is one
            out["rows"] += [row for row in kept if row["selector"] == name]
            continue
        slow = "loop" in name
        seconds, runs, chosen = _timed(lambda: select(X, y), 1 if slow else args.repeats)
        model = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=-1)
        accuracy = cross_val_score(model, X[:, chosen], y, cv=5)
        row = {"selector": name, "seconds": seconds, "runs": runs, "chosen": chosen,
               "relevant_fraction": float(np.isin(chosen, relevant).mean()),
               "cv_accuracy": float(accuracy.mean()), "cv_accuracy_sd": float(accuracy.std())}
        out["rows"].append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "chosen"}))
    ours = next(r for r in out["rows"] if r["selector"] == "infoscope MRMR")
    loop = next((r for r in out["rows"] if "loop" in r["selector"]), None)
    if loop:
        out["mrmr_same_choice_as_loop"] = ours["chosen"] == loop["chosen"]
        out["mrmr_common_with_loop"] = len(set(ours["chosen"]) & set(loop["chosen"]))
        out["mrmr_same_first_choices"] = next((i for i, (a, b) in enumerate(zip(ours["chosen"], loop["chosen"]))
                                               if a != b), count)
    _save("mrmr", out)
    return out


def _covered(X, chosen, relevant, kind, copies=None) -> int:
    """Distinct relevant directions among the chosen columns."""
    picked = [c for c in chosen if c in set(relevant)]
    if not picked:
        return 0
    if kind == "rank":
        return int(np.linalg.matrix_rank(X[:, picked], tol=1e-6 * np.sqrt(len(X))))
    return len({copies.get(c, c) for c in picked})


def truth(args) -> dict:
    from sklearn.datasets import make_friedman1

    from infoscope import feature_selection as fs

    out = {"seeds": args.seeds, "cases": {}}
    cases = {}
    for seed in range(args.seeds):
        X, y, relevant = _classification(2000, 200, 5, 5, 5, seed)
        cases.setdefault("make_classification (15 relevant of 200: 5 informative, 5 redundant, 5 repeated), 10 "
                         "chosen", []).append((X, y, relevant, 10, "classification", "rank", None))
        X, y = make_friedman1(n_samples=2000, n_features=50, noise=1.0, random_state=seed)
        cases.setdefault("Friedman #1 (5 relevant of 50), 5 chosen", []).append(
            (X, y, np.arange(5), 5, "regression", "distinct", {}))
        noisy = X[:, :5] + 0.3 * np.random.default_rng(seed).standard_normal((len(X), 5))
        Xc = np.column_stack([X, noisy])
        cases.setdefault("Friedman #1 with a noisy copy of each relevant feature (10 relevant of 55), 5 chosen",
                         []).append((Xc, y, np.r_[0:5, 50:55], 5, "regression", "distinct",
                                     {50 + j: j for j in range(5)}))
    for label, runs in cases.items():
        rows = {}
        for X, y, relevant, count, problem, kind, copies in runs:
            contenders = _selectors(count, problem)
            contenders[f"infoscope ConditionalMISelector (auto, at most {count})"] = (
                lambda X, y, count=count: fs.ConditionalMISelector(max_features=count, progress=False)
                .fit(X, y).selected_.tolist())
            for name, select in contenders.items():
                began = time.perf_counter()
                chosen = select(X, y)
                seconds = time.perf_counter() - began
                r = rows.setdefault(name, {"fraction": [], "covered": [], "chosen_count": [], "seconds": []})
                r["fraction"].append(float(np.isin(chosen, relevant).mean()) if chosen else 0.0)
                r["covered"].append(_covered(X, chosen, relevant, kind, copies))
                r["chosen_count"].append(len(chosen))
                r["seconds"].append(seconds)
        out["cases"][label] = {name: {key: (float(np.mean(v)) if key != "seconds" else float(np.median(v)))
                                      for key, v in r.items()} for name, r in rows.items()}
        print(label, json.dumps(out["cases"][label], indent=1))
    _save("truth", out)
    return out


def report(args) -> None:
    lines = ["# Feature selection", "",
             "`python benchmarks/feature_selection.py scores|mrmr|truth` (2 cores unless said). Times in seconds.", ""]
    path = RESULTS / "feature_selection_scores.json"
    if path.exists():
        s = json.loads(path.read_text())
        lines += ["## Scores: mutual_info_classif, {p} continuous features x {n} samples, 4 classes".format(**s), "",
                  "| implementation | seconds (median) | runs |", "|---|---|---|",
                  f"| infoscope | {s['infoscope_s']:.2f} | {', '.join(f'{t:.2f}' for t in s['infoscope_runs'])} |",
                  f"| scikit-learn (n_jobs=-1) | {s['sklearn_s']:.1f} | "
                  f"{', '.join(f'{t:.1f}' for t in s['sklearn_runs'])} |", "",
                  f"Ratio {s['ratio']:.0f}x; largest difference of the scores {s['max_abs_difference']:.1e} nats "
                  "(same random_state).", ""]
    path = RESULTS / "feature_selection_mrmr.json"
    if path.exists():
        m = json.loads(path.read_text())
        lines += [f"## {m['count']} of {m['p']} features x {m['n']} samples (make_classification: 30 relevant)", "",
                  "| selector | seconds | relevant among chosen | random forest accuracy (5-fold CV) |",
                  "|---|---|---|---|"]
        for r in m["rows"]:
            lines.append(f"| {r['selector']} | {r['seconds']:.1f} | {r['relevant_fraction']:.2f} | "
                         f"{r['cv_accuracy']:.3f} +- {r['cv_accuracy_sd']:.3f} |")
        if "mrmr_common_with_loop" in m:
            lines += ["", f"infoscope's MRMR and the scikit-learn loop chose {m['mrmr_common_with_loop']} of "
                          f"{m['count']} features in common, the first {m['mrmr_same_first_choices']} in the same "
                          f"order (the same list: {m['mrmr_same_choice_as_loop']})."]
        lines.append("")
    path = RESULTS / "feature_selection_truth.json"
    if path.exists():
        t = json.loads(path.read_text())
        lines += [f"## Known relevant sets (mean over {t['seeds']} seeds)", ""]
        for label, rows in t["cases"].items():
            lines += [f"### {label}", "", "| selector | relevant among chosen | distinct relevant covered | chosen "
                      "| seconds (median) |", "|---|---|---|---|---|"]
            for name, r in rows.items():
                lines.append(f"| {name} | {r['fraction']:.2f} | {r['covered']:.1f} | {r['chosen_count']:.1f} | "
                             f"{r['seconds']:.2f} |")
            lines.append("")
    (RESULTS / "feature_selection.md").write_text("\n".join(lines))
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["scores", "mrmr", "truth", "report"])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--p", type=int, default=1_000)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sklearn-repeats", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="mrmr: run only these selectors; the others' rows are kept "
                                                   "from the earlier JSON (the scikit-learn loop takes ~30 min)")
    args = parser.parse_args(argv)
    {"scores": scores, "mrmr": mrmr, "truth": truth, "report": report}[args.part](args)


if __name__ == "__main__":
    main()
