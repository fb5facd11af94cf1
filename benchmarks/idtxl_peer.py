"""IDTxl's TE network inference as a peer, run in its own process (the JVM never lives in the caller's).

    python benchmarks/idtxl_peer.py --nodes 5 --T 1000 --seed 0 [--targets 0 2] [--analysis bivariate]
        [--n-perm 200] [--out benchmarks/results/networks_idtxl/var5_T1000_seed0.json]

simulates :func:`infoscope.bench.random_var_network`, runs IDTxl (package ``idtxl``, distribution idtxl-uv,
with its bundled JIDT jar through jpype) on it, prints the true and inferred networks, precision/recall and
the wall times, and writes them as JSON. :func:`run_idtxl` is the reusable part: data go to the worker as a
temporary .npz, results come back as JSON.

Settings are IDTxl's (Wollstadt et al. 2019, JOSS 4(34):1081; Novelli et al. 2019, Network Neuroscience
3(3):827) with the estimator aligned to infoscope's: JidtKraskovCMI, k = 4, data z-scored once by IDTxl's
``Data(normalise=True)`` (JIDT's own ``normalise`` stays False, IDTxl's default), tie-breaking noise 1e-10
(infoscope's; IDTxl's default is 1e-8), JIDT threads capped at ``num_threads`` (2). A single trial is tested
with surrogates permuted in time (``permute_in_time=True``, ``perm_type='random'``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# IDTxl's documented defaults (idtxl 1.6.1: stats.py, estimators_jidt.py), reported beside every run.
IDTXL_DEFAULTS = {
    "n_perm_max_stat": 200, "n_perm_min_stat": 500, "n_perm_omnibus": 500, "n_perm_max_seq": 500,
    "alpha_max_stat": 0.05, "alpha_min_stat": 0.05, "alpha_omnibus": 0.05, "alpha_max_seq": 0.05,
    "alpha_fdr": 0.05, "fdr_constant": 2, "fdr_correct_by_target": True, "permute_in_time": False,
    "perm_type (when permuting in time)": "random", "Data.normalise": True,
    "kraskov_k": 4, "normalise (JIDT)": False, "noise_level": 1e-8, "theiler_t": 0, "algorithm_num": 1,
    "num_threads": "USE_ALL",
}

_ANALYSES = ("multivariate", "bivariate")
_ESTIMATORS = ("JidtKraskovCMI", "JidtGaussianCMI")


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def run_idtxl(data, *, analysis="multivariate", max_lag_sources=5, min_lag_sources=1, max_lag_target=5,
              tau_sources=1, tau_target=1, n_perm_max_stat=200, n_perm_min_stat=200, n_perm_omnibus=200,
              n_perm_max_seq=200, alpha=0.05, fdr=True, kraskov_k=4, noise_level=1e-10, num_threads=2,
              targets=None, seed=0, timeout=None, estimator="JidtKraskovCMI") -> dict:
    """IDTxl's multivariate (or bivariate) TE network inference on ``data`` (T, S), in a separate process.

    Returns a dict: ``targets`` (per target: ``sources`` [(source, lag)], ``target_lags``, ``omnibus_te``,
    ``omnibus_pval``, ``omnibus_sign``, ``sources_te``/``sources_pval`` per selected source variable as IDTxl
    reports them, ``sources_tested``, ``wall_s``), ``links`` [(source, target, lag)] and ``adjacency``
    ([source][target], bool) before FDR, ``fdr_links``/``fdr_adjacency`` after IDTxl's network FDR (None when
    IDTxl skipped the correction, with ``fdr_note`` saying why), ``settings`` (what IDTxl was given; ``estimator``
    "JidtKraskovCMI" or "JidtGaussianCMI", whose surrogates IDTxl draws from the analytic chi-squared null),
    ``idtxl_defaults``, ``versions`` and the wall times ``wall_analysis_s`` (inference only, JVM already up),
    ``wall_jvm_start_s``, ``wall_worker_s`` (worker incl. imports and JVM start) and ``wall_total_s`` (as seen
    by the caller, incl. process start and data transfer). Raises RuntimeError if the worker fails and
    subprocess.TimeoutExpired past ``timeout`` seconds.
    """
    array = np.asarray(data, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] < 2:
        raise ValueError(f"data must be a (T, S) array with T >= 2 samples and S >= 2 processes; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("data has non-finite entries")
    if estimator not in _ESTIMATORS:
        raise ValueError(f"estimator must be one of {_ESTIMATORS}; got {estimator!r}")
    if analysis not in _ANALYSES:
        raise ValueError(f"analysis must be one of {_ANALYSES}; got {analysis!r}")
    max_lag_sources = _check_int("max_lag_sources", max_lag_sources, 1)
    min_lag_sources = _check_int("min_lag_sources", min_lag_sources, 1)
    if min_lag_sources > max_lag_sources:
        raise ValueError(f"min_lag_sources ({min_lag_sources}) must be <= max_lag_sources ({max_lag_sources})")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
    n_nodes = array.shape[1]
    if targets is None:
        targets = list(range(n_nodes))
    targets = [_check_int("targets entries", t, 0) for t in targets]
    if not targets or max(targets) >= n_nodes:
        raise ValueError(f"targets must be a non-empty list of process indices below {n_nodes}; got {targets!r}")

    settings = {
        "cmi_estimator": estimator,
        "max_lag_sources": max_lag_sources, "min_lag_sources": min_lag_sources,
        "max_lag_target": _check_int("max_lag_target", max_lag_target, 1),
        "tau_sources": _check_int("tau_sources", tau_sources, 1), "tau_target": _check_int("tau_target", tau_target, 1),
        "n_perm_max_stat": _check_int("n_perm_max_stat", n_perm_max_stat, 1),
        "n_perm_min_stat": _check_int("n_perm_min_stat", n_perm_min_stat, 1),
        "n_perm_omnibus": _check_int("n_perm_omnibus", n_perm_omnibus, 1),
        "n_perm_max_seq": _check_int("n_perm_max_seq", n_perm_max_seq, 1),
        "alpha_max_stat": alpha, "alpha_min_stat": alpha, "alpha_omnibus": alpha, "alpha_max_seq": alpha,
        "alpha_fdr": alpha, "fdr_correction": bool(fdr), "permute_in_time": True, "perm_type": "random",
        "kraskov_k": _check_int("kraskov_k", kraskov_k, 1), "normalise": False, "noise_level": float(noise_level),
        "num_threads": _check_int("num_threads", num_threads, 1), "theiler_t": 0, "algorithm_num": 1,
        "verbose": False, "write_ckp": False,
    }
    for name in ("n_perm_max_stat", "n_perm_min_stat", "n_perm_omnibus", "n_perm_max_seq"):
        if settings[name] <= 1 / alpha:  # IDTxl's own check (stats.check_n_perm), said before starting a JVM
            raise ValueError(f"{name} must be greater than 1/alpha = {1 / alpha:g}; got {settings[name]}")
    job = {"analysis": analysis, "settings": settings, "targets": targets, "seed": _check_int("seed", seed, 0)}
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="idtxl_peer_") as tmp:
        data_path, job_path, out_path = (Path(tmp) / name for name in ("data.npz", "job.json", "out.json"))
        np.savez(data_path, data=array)
        job_path.write_text(json.dumps(job))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", str(data_path),
                               str(job_path), str(out_path)], capture_output=True, text=True, timeout=timeout, env=env)
        total = time.perf_counter() - start
        if done.returncode != 0 or not out_path.exists():
            raise RuntimeError(f"the IDTxl worker failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
        result = json.loads(out_path.read_text())
    result["wall_total_s"] = total
    return result


# ------------------------------------------------------------------------------------------- the worker side

def _plain(value):
    """numpy scalars/arrays and tuples -> JSON-able Python values."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _target_summary(single) -> dict:
    sources = [(int(s), int(lag)) for s, lag in single["selected_vars_sources"]]
    return {
        "sources": sources,
        "target_lags": sorted(int(lag) for _, lag in single["selected_vars_target"]),
        "omnibus_te": _plain(single.get("omnibus_te")), "omnibus_pval": _plain(single.get("omnibus_pval")),
        "omnibus_sign": _plain(single.get("omnibus_sign")),
        "sources_te": _plain(single.get("selected_sources_te")),
        "sources_pval": _plain(single.get("selected_sources_pval")),
        "sources_tested": _plain(single.get("sources_tested")),
    }


def _network(per_target: dict, n_nodes: int) -> tuple:
    links = sorted((s, int(t), lag) for t, summary in per_target.items() for s, lag in summary["sources"])
    adjacency = np.zeros((n_nodes, n_nodes), dtype=bool)
    for s, t, _ in links:
        adjacency[s, t] = True
    return [list(l) for l in links], adjacency.tolist()


def _worker(data_path: str, job_path: str, out_path: str) -> None:
    worker_start = time.perf_counter()
    import idtxl
    from idtxl.bivariate_te import BivariateTE
    from idtxl.data import Data
    from idtxl.estimators_jidt import JidtGaussianCMI, JidtKraskovCMI
    from idtxl.multivariate_te import MultivariateTE
    from idtxl.stats import network_fdr

    job = json.loads(Path(job_path).read_text())
    settings, targets = job["settings"], job["targets"]
    array = np.load(data_path)["data"]
    jvm_start = time.perf_counter()
    estimator = {"JidtKraskovCMI": JidtKraskovCMI, "JidtGaussianCMI": JidtGaussianCMI}[settings["cmi_estimator"]]
    estimator(dict(settings))  # starts the JVM, so the analysis below is timed without it
    jvm_s = time.perf_counter() - jvm_start

    # By name, IDTxl finds the estimator by importing each of its modules in directory order; estimators_mpi
    # then fails (mpi4py without an MPI library) before estimators_jidt is reached. Passing the class avoids
    # it, but IDTxl's class check calls np.issubclass_, which numpy 2 removed: restore it in this process.
    if not hasattr(np, "issubclass_"):
        np.issubclass_ = issubclass
    settings = dict(settings, cmi_estimator=estimator)
    data = Data(array, dim_order="sp", normalise=True, seed=job["seed"])  # seeds numpy's permutations
    analysis = MultivariateTE() if job["analysis"] == "multivariate" else BivariateTE()
    analysis_start = time.perf_counter()
    singles, per_target = [], {}
    for target in targets:  # as analyse_network does, target by target, timed each
        start = time.perf_counter()
        res = analysis.analyse_single_target(settings, data, target)
        singles.append(res)
        per_target[target] = {**_target_summary(res.get_single_target(target, fdr=False)),
                              "wall_s": time.perf_counter() - start}
    combined = network_fdr(settings, *singles) if settings["fdr_correction"] else None
    analysis_s = time.perf_counter() - analysis_start

    n_nodes = array.shape[1]
    links, adjacency = _network(per_target, n_nodes)
    fdr_links = fdr_adjacency = fdr_note = None
    if combined is not None:
        try:
            fdr_targets = {t: _target_summary(combined.get_single_target(t, fdr=True)) for t in targets}
            fdr_links, fdr_adjacency = _network(fdr_targets, n_nodes)
        except RuntimeError:  # IDTxl leaves no corrected results when it skips the correction
            fdr_note = ("IDTxl skipped the FDR correction: 1/n_perm_omnibus exceeds the smallest FDR threshold "
                        "(alpha / (n_targets * sum 1/i) for fdr_constant 2); see idtxl.stats.network_fdr")
    else:
        fdr_note = "fdr=False"
    result = {
        "analysis": job["analysis"], "n_samples": int(array.shape[0]), "n_nodes": n_nodes,
        "targets": {str(t): v for t, v in per_target.items()}, "links": links, "adjacency": adjacency,
        "fdr_links": fdr_links, "fdr_adjacency": fdr_adjacency, "fdr_note": fdr_note,
        "settings": job["settings"], "idtxl_defaults": IDTXL_DEFAULTS,
        "versions": {"idtxl": getattr(idtxl, "__version__", "unknown"), "python": sys.version.split()[0]},
        "wall_analysis_s": analysis_s, "wall_jvm_start_s": jvm_s, "wall_worker_s": time.perf_counter() - worker_start,
    }
    Path(out_path).write_text(json.dumps(result))


# ----------------------------------------------------------------------------------------------- command line

def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5)
    parser.add_argument("--T", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0, help="seed of the network, the simulation and IDTxl")
    parser.add_argument("--in-degree", type=float, default=2.0)
    parser.add_argument("--max-lag", type=int, default=5)
    parser.add_argument("--n-perm", type=int, default=200, help="surrogates of every test")
    parser.add_argument("--analysis", choices=_ANALYSES, default="multivariate")
    parser.add_argument("--targets", type=int, nargs="*", default=None, help="targets to analyse (default all)")
    parser.add_argument("--threads", type=int, default=2, help="JIDT threads")
    parser.add_argument("--timeout", type=float, default=None, help="seconds before the IDTxl worker is killed")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)

    from infoscope.bench import link_scores, random_var_network

    network = random_var_network(args.nodes, in_degree=args.in_degree, max_lag=args.max_lag, seed=args.seed)
    data = network.simulate(args.T, seed=args.seed)
    link_te = network.link_transfer_entropies()
    result = run_idtxl(data, analysis=args.analysis, max_lag_sources=args.max_lag, max_lag_target=args.max_lag,
                       n_perm_max_stat=args.n_perm, n_perm_min_stat=args.n_perm, n_perm_omnibus=args.n_perm,
                       n_perm_max_seq=args.n_perm, num_threads=args.threads, targets=args.targets, seed=args.seed,
                       timeout=args.timeout)
    analysed = {int(t) for t in result["targets"]}
    truth = {l for l in network.links if l[1] in analysed}
    found = [tuple(l) for l in result["links"]]
    result["truth"] = {"links": sorted(map(list, truth)), "all_links": sorted(map(list, network.links)),
                       "link_te_nats": {f"{s}->{t}@{lag}": te for (s, t, lag), te in link_te.items()},
                       "min_link_te_nats": min(link_te.values(), default=None),
                       "spectral_radius": network.spectral_radius, "scale": network.scale,
                       "generator": f"random_var_network({args.nodes}, in_degree={args.in_degree}, "
                                    f"max_lag={args.max_lag}, seed={args.seed})"}
    result["scores"] = link_scores(found, truth)
    if result["fdr_links"] is not None:
        result["scores_fdr"] = link_scores([tuple(l) for l in result["fdr_links"]], truth)
    result["command"] = "python benchmarks/idtxl_peer.py " + " ".join(sys.argv[1:] if argv is None else argv)

    print(f"truth ({len(truth)} links into targets {sorted(analysed)}): {sorted(truth)}")
    print(f"min exact link TE (conditional) {result['truth']['min_link_te_nats']:.4f} nats")
    print(f"IDTxl {args.analysis} found: {sorted(found)}")
    if result["fdr_links"] is None:
        print(f"FDR: {result['fdr_note']}")
    else:
        print(f"IDTxl after FDR: {sorted(map(tuple, result['fdr_links']))}")
    scores = result["scores"]
    print(f"precision {scores['precision']:.3f} recall {scores['recall']:.3f}  "
          f"lag precision {scores['lag_precision']:.3f} lag recall {scores['lag_recall']:.3f}")
    print("per target s: " + ", ".join(f"{t}: {v['wall_s']:.1f}" for t, v in result["targets"].items()))
    print(f"wall: analysis {result['wall_analysis_s']:.1f} s, JVM start {result['wall_jvm_start_s']:.2f} s, "
          f"total {result['wall_total_s']:.1f} s")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1, allow_nan=True))
        print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        _worker(*sys.argv[2:])
    else:
        main()
