"""Transfer-entropy network inference: accuracy on networks with known links, against IDTxl on the same data,
on a Dask cluster against in-process, and the time per target of a large network.

    python benchmarks/networks.py accuracy --nodes 5 10 --T 1000 10000     # precision / recall vs truth
    python benchmarks/networks.py idtxl --nodes 5 --T 1000 --fdr none       # same data, same settings as IDTxl
    python benchmarks/networks.py idtxl --nodes 5 --T 1000 --fdr none --reuse-peer --repeats 3   # infoscope again
    python benchmarks/networks.py dask --nodes 10 --T 1000                  # LocalCluster(2 workers) vs in-process
    python benchmarks/networks.py scale --nodes 50 --T 10000 --targets 2    # seconds per target, projection
    python benchmarks/networks.py spread --nodes 10 --T 10000               # estimators' spread on weak links
    python benchmarks/networks.py report                                    # networks.md and networks.png

Truths: :func:`infoscope.bench.random_var_network` (linear Gaussian, every link's exact TE known) and
:func:`infoscope.bench.coupled_logistic_network` (nonlinear), as Novelli et al. 2019. Every part writes
benchmarks/results/networks/<part>_*.json; ``report`` gathers them. Defaults are IDTxl's test settings of the
issue: max lag 5, 200 surrogates per test, alpha 0.05, k = 4.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "networks"


def network_for(kind: str, nodes: int, seed: int):
    from infoscope.bench import coupled_logistic_network, random_var_network

    if kind == "var":
        return random_var_network(nodes, in_degree=2.0, max_lag=5, seed=seed)
    return coupled_logistic_network(nodes, in_degree=2.0, max_lag=5, seed=seed)


def cases(args, kinds=None):
    """(kind, nodes, T, true network, its simulation) for every combination asked for."""
    for kind in kinds or args.kinds:
        for nodes in args.nodes:
            truth = network_for(kind, nodes, args.seed)
            for T in args.T:
                yield kind, nodes, T, truth, truth.simulate(T, seed=args.seed)


def peer_links(theirs: dict):
    """IDTxl's links after its network FDR, or before it where it skipped the correction."""
    return theirs["fdr_links"] if theirs.get("fdr_links") is not None else theirs["links"]


def estimator_options(args) -> dict:
    """infoscope's estimator and its surrogates: KSG (k = 4), or the Gaussian CMI without bias correction (JIDT's,
    which IDTxl uses)."""
    jidt = {"bias_correction": False} if args.method == "gaussian" else {}
    return dict(method=args.method, null=args.null, **jidt)


def method_label(args) -> str:
    return "ksg (k = 4)" if args.method == "ksg" else f"gaussian ({args.null} null)"


def case_name(args, kind: str, nodes: int, T: int) -> str:
    """The name of a case's results: analysis, network, length, seed, and the estimator unless KSG."""
    method = "" if args.method == "ksg" else f"_gaussian_{args.null}"
    return f"{args.analysis}_{kind}{nodes}_T{T}_seed{args.seed}{method}"


def infer(data, args, **extra) -> tuple:
    import infoscope as isc

    infer_fn = (isc.networks.multivariate_te_network if args.analysis == "multivariate"
                else isc.networks.bivariate_te_network)
    began = time.perf_counter()
    net = infer_fn(data, max_lag_sources=5, n_perm=args.n_perm, fdr=args.fdr, seed=args.seed, progress=True,
                   **estimator_options(args), **extra)
    return net, time.perf_counter() - began


def summary(net, seconds: float, truth=None) -> dict:
    from infoscope.bench import link_scores

    out = dict(links=[list(map(int, link)) for link in net.links], seconds=seconds,
               target_seconds={int(t): r.seconds for t, r in net.targets.items()},
               targets={int(t): dict(past=list(r.past), variables={f"{s}@{lag}": list(v) for (s, lag), v in r.variables.items()},
                                     omnibus_te=r.omnibus_te, omnibus_p=r.omnibus_p, significant=net.significant[t])
                        for t, r in net.targets.items()})
    if truth is not None:
        out["scores"] = link_scores(net.links, truth, n_nodes=len(net.labels))
    return out


def write(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=1))
    print(f"wrote {path.relative_to(HERE.parent)}")
    return path


def accuracy(args):
    for kind, nodes, T, net_true, data in cases(args):
        net, seconds = infer(data, args)
        result = dict(kind=kind, nodes=nodes, T=T, seed=args.seed, analysis=args.analysis, n_perm=args.n_perm,
                      fdr=args.fdr, method=method_label(args),
                      truth=[list(map(int, link)) for link in sorted(net_true.links)],
                      **summary(net, seconds, net_true.links))
        s = result["scores"]
        print(f"{kind} {nodes} nodes, T = {T}: precision {s['precision']:.2f} recall {s['recall']:.2f} "
              f"(lags {s['lag_precision']:.2f} / {s['lag_recall']:.2f}) in {seconds:.0f} s")
        write(f"accuracy_{case_name(args, kind, nodes, T)}", result)


def idtxl(args):
    """Both tools on the same data and settings. With --peer-targets, IDTxl analyses only those targets (a whole
    network at T = 1e4 takes it hours) under --peer-timeout seconds; the comparison is then per target, against
    infoscope's time for the same targets, and a timed-out IDTxl run gives a lower bound on its time."""
    import subprocess

    sys.path.insert(0, str(HERE))
    from idtxl_peer import run_idtxl

    from infoscope.bench import link_scores

    for kind, nodes, T, net_true, data in cases(args):
        case = case_name(args, kind, nodes, T)
        name = f"idtxl_{case}"
        if args.reuse_ours:  # infoscope's run of `accuracy` on the same case
            ours = json.loads((RESULTS / f"accuracy_{case}.json").read_text())
            ours = {key: ours[key] for key in ("links", "seconds", "target_seconds", "targets", "scores")}
            ours["run_seconds"] = [ours["seconds"]]
        else:
            runs = [infer(data, args) for _ in range(args.repeats)]
            net, seconds = runs[0][0], float(np.median([s for _, s in runs]))
            ours = dict(summary(net, seconds, net_true.links), run_seconds=[s for _, s in runs])
        peer_targets = args.peer_targets or list(range(nodes))
        if args.reuse_peer:  # IDTxl's run of an earlier call on the same data (it takes minutes to hours)
            theirs = json.loads((RESULTS / f"{name}.json").read_text())["idtxl"]
        else:
            try:
                theirs = run_idtxl(data, analysis=args.analysis, n_perm_max_stat=args.n_perm,
                                   n_perm_min_stat=args.n_perm, n_perm_omnibus=args.n_perm,
                                   n_perm_max_seq=args.n_perm, fdr=args.fdr is not None, seed=args.seed,
                                   targets=peer_targets, timeout=args.peer_timeout,
                                   estimator="JidtKraskovCMI" if args.method == "ksg" else "JidtGaussianCMI")
            except subprocess.TimeoutExpired:
                theirs = dict(timed_out=True, wall_analysis_s=float(args.peer_timeout), links=None, fdr_links=None)
        target_seconds = {int(t): s for t, s in ours["target_seconds"].items()}  # JSON keys are strings
        # the whole run (the median of the repeats) when IDTxl ran every target, else the sum over its targets
        ours_s = ours["seconds"] if len(peer_targets) == nodes else sum(target_seconds[t] for t in peer_targets)
        result = dict(kind=kind, nodes=nodes, T=T, seed=args.seed, analysis=args.analysis, n_perm=args.n_perm,
                      method=method_label(args), truth=[list(map(int, link)) for link in sorted(net_true.links)],
                      infoscope=ours,
                      idtxl=theirs, peer_targets=peer_targets, infoscope_peer_targets_s=ours_s,
                      speedup=theirs["wall_analysis_s"] / ours_s, speedup_is_lower_bound=bool(theirs.get("timed_out")))
        if not theirs.get("timed_out"):
            theirs["scores"] = link_scores([tuple(link) for link in peer_links(theirs)], net_true.links, n_nodes=nodes)
        bound = ">= " if result["speedup_is_lower_bound"] else ""
        print(f"{kind} {nodes} nodes, T = {T}, targets {peer_targets}: infoscope {ours_s:.0f} s; IDTxl "
              f"{bound}{theirs['wall_analysis_s']:.0f} s; ratio {bound}{result['speedup']:.1f}")
        write(name, result)


def dask(args):
    """In-process against a LocalCluster of two one-thread worker processes, on the same data and seed; with
    --reuse-ours the in-process side is the `accuracy` JSON of the same case (a KSG run at T = 1e4 takes half an
    hour). The results must be equal: links, and every target's variables with their values and p-values."""
    import distributed

    for _, nodes, T, _, data in cases(args, ["var"]):
        if args.reuse_ours:
            serial = json.loads((RESULTS / f"accuracy_{case_name(args, 'var', nodes, T)}.json").read_text())
        else:
            net, seconds = infer(data, args)
            serial = json.loads(json.dumps(summary(net, seconds)))
        began = time.perf_counter()
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, distributed.Client(cluster) as client:
            startup = time.perf_counter() - began
            net, parallel_s = infer(data, args, client=client)
        parallel = json.loads(json.dumps(summary(net, parallel_s)))  # JSON's form, as a reused result has
        same = serial["links"] == parallel["links"] and all(
            serial["targets"][t]["variables"] == parallel["targets"][t]["variables"] for t in parallel["targets"])
        serial_s = serial["seconds"]
        result = dict(nodes=nodes, T=T, seed=args.seed, method=method_label(args), in_process_s=serial_s,
                      dask_s=parallel_s, cluster_start_s=startup, same_result=same, in_process_reused=args.reuse_ours,
                      links=serial["links"], target_seconds=serial["target_seconds"],
                      dask_target_seconds=parallel["target_seconds"])
        print(f"{nodes} nodes, T = {T}: in-process {serial_s:.1f} s, Dask (2 workers) {parallel_s:.1f} s "
              f"(+{startup:.1f} s cluster start); same result: {same}")
        write(f"dask_{case_name(args, 'var', nodes, T)}", result)


def spread(args):
    """Each estimator's conditional TE of the network's weakest links, given the target's lag 1 and its other
    true parents, over --simulations simulations: mean against the exact value and standard deviation, the
    spread that decides whether a test finds a link at this T."""
    import infoscope as isc

    for _, nodes, T, truth, _ in cases(args, ["var"]):
        weakest = sorted(truth.links, key=lambda link: truth.link_transfer_entropy(*link))[:args.weakest]
        lag = max(5, *(d for *_, d in truth.links))
        values = {(link, m): [] for link in weakest for m in ("ksg", "gaussian")}
        for simulation in range(args.simulations):
            x = truth.simulate(T, seed=1000 + simulation)
            column = lambda process, d: x[lag - d:len(x) - d, process]  # noqa: E731
            for link in weakest:
                source, target, d = link
                parents = [(1, target)] + [(dd, s) for s, t, dd in truth.links
                                           if t == target and (s, dd) != (source, d)]
                z = np.column_stack([column(p, dd) for dd, p in parents])
                for m, options in (("ksg", dict(k=4)), ("gaussian", dict(bias_correction=False))):
                    values[link, m].append(isc.conditional_mutual_info(column(source, d), column(target, 0), z,
                                                                       method=m, **options))
        rows = [dict(link=list(link), exact=truth.link_transfer_entropy(*link), method=m,
                     mean=float(np.mean(v)), sd=float(np.std(v, ddof=1))) for (link, m), v in values.items()]
        for r in rows:
            print(f"{r['link']} {r['method']:>8}: exact {r['exact']:.4f} mean {r['mean']:.4f} sd {r['sd']:.4f}")
        write(f"spread_var{nodes}_T{T}_seed{args.seed}", dict(nodes=nodes, T=T, seed=args.seed,
                                                              simulations=args.simulations, links=rows))


def scale(args):
    from infoscope.networks.inference import _settings, _trials, analyse_target

    for _, nodes, T, _, data in cases(args, ["var"]):
        trials = _trials(data)
        options = estimator_options(args)
        settings = _settings(args.analysis, trials, max_lag_sources=5, min_lag_sources=1, max_lag_target=None,
                             tau_sources=1, tau_target=1, n_perm=args.n_perm, alpha=0.05, shuffle="within",
                             method=options.pop("method"), null=options.pop("null"), options=options)
        seconds = {}
        for target in range(args.targets):
            r = analyse_target(trials, target, tuple(s for s in range(nodes) if s != target), settings, args.seed)
            seconds[target] = r.seconds
            print(f"{nodes} nodes, T = {T}: target {target} in {r.seconds:.0f} s", flush=True)
        per_target = float(np.mean(list(seconds.values())))  # targets without inputs end in seconds: not the median
        result = dict(nodes=nodes, T=T, seed=args.seed, n_perm=args.n_perm, method=method_label(args),
                      target_seconds=seconds,
                      mean_target_s=per_target, in_process_projection_s=per_target * nodes,
                      # one target per 2-core worker; 32 such workers on 64 cores
                      dask_64_core_projection_s=per_target * int(np.ceil(nodes / 32)))
        write(f"scale_{case_name(args, 'var', nodes, T)}", result)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["accuracy", "idtxl", "dask", "scale", "spread", "report"])
    parser.add_argument("--nodes", type=int, nargs="+", default=[5])
    parser.add_argument("--T", type=int, nargs="+", default=[1000])
    parser.add_argument("--kinds", nargs="+", choices=["var", "logistic"], default=["var"])
    parser.add_argument("--analysis", choices=["multivariate", "bivariate"], default="multivariate")
    parser.add_argument("--n-perm", type=int, default=200)
    parser.add_argument("--method", choices=["ksg", "gaussian"], default="ksg", help="the CMI estimator")
    parser.add_argument("--null", choices=["permutation", "analytic"], default="permutation",
                        help="gaussian: surrogates by permutation or from the chi-squared null (IDTxl's way)")
    parser.add_argument("--fdr", default="bh", help="'bh', 'by' or 'none'")
    parser.add_argument("--targets", type=int, default=2, help="scale: targets timed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--simulations", type=int, default=12, help="spread: simulations of the network")
    parser.add_argument("--weakest", type=int, default=4, help="spread: links examined, the weakest first")
    parser.add_argument("--repeats", type=int, default=1, help="idtxl: infoscope runs, the median time reported")
    parser.add_argument("--reuse-peer", action="store_true",
                        help="idtxl: keep IDTxl's result from the existing JSON, rerun infoscope only")
    parser.add_argument("--reuse-ours", action="store_true",
                        help="idtxl, dask: take infoscope's (in-process) result from the `accuracy` JSON of the case")
    parser.add_argument("--peer-targets", type=int, nargs="+", help="idtxl: the targets IDTxl analyses (default all)")
    parser.add_argument("--peer-timeout", type=float, help="idtxl: seconds before IDTxl is stopped (a lower bound)")
    args = parser.parse_args(argv)
    args.fdr = None if args.fdr == "none" else args.fdr
    if args.part == "report":
        return report()
    return globals()[args.part](args)


def _seconds(value: float) -> str:
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"


def _method(result: dict) -> str:
    return result.get("method", "ksg (k = 4)")  # runs before the estimator choice were KSG


def report():
    """benchmarks/results/networks.md from every JSON of the parts."""
    rows = [json.loads(p.read_text()) | {"file": p.stem} for p in sorted(RESULTS.glob("*.json"))]
    lines = ["# TE network inference: accuracy, IDTxl, Dask, scale", "",
             "Written by `python benchmarks/networks.py report` from benchmarks/results/networks/*.json.", ""]
    acc = sorted((r for r in rows if r["file"].startswith("accuracy")),
                 key=lambda r: (r["kind"], r["nodes"], r["T"], _method(r)))
    if acc:
        lines += ["## Accuracy against the true network", "",
                  "| network | T | analysis | estimator | precision | recall | lag precision | lag recall | seconds |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in acc:
            s = r["scores"]
            lines.append(f"| {r['kind']} {r['nodes']} nodes (seed {r['seed']}) | {r['T']} | {r['analysis']} | "
                         f"{_method(r)} | {s['precision']:.2f} | {s['recall']:.2f} | {s['lag_precision']:.2f} | {s['lag_recall']:.2f} | "
                         f"{_seconds(r['seconds'])} |")
        lines.append("")
    peer = [r for r in rows if r["file"].startswith("idtxl")]
    if peer:
        lines += ["## Against IDTxl (JIDT) on the same data and settings", "",
                  "Times of the targets IDTxl analysed (all of them unless listed); \"≥\": IDTxl was stopped at its "
                  "time limit, so its time and the ratio are lower bounds.", "",
                  "| network | T | estimator | targets | infoscope s | IDTxl s | ratio | infoscope links | IDTxl links | truth |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in peer:
            theirs = peer_links(r["idtxl"])
            targets = r.get("peer_targets", list(range(r["nodes"])))
            ours_s = r.get("infoscope_peer_targets_s", r["infoscope"]["seconds"])
            bound = "≥ " if r.get("speedup_is_lower_bound") else ""
            lines.append(f"| {r['kind']} {r['nodes']} | {r['T']} | {_method(r)} | {'all' if len(targets) == r['nodes'] else targets} | "
                         f"{_seconds(ours_s)} | {bound}{_seconds(r['idtxl']['wall_analysis_s'])} | {bound}{r['speedup']:.1f}× | "
                         f"{r['infoscope']['links']} | {theirs if theirs is not None else 'not finished'} | {r['truth']} |")
        lines.append("")
    dk = [r for r in rows if r["file"].startswith("dask")]
    if dk:
        lines += ["## Dask LocalCluster (2 worker processes) against in-process", "",
                  "| nodes | T | estimator | in-process s | Dask s | cluster start s | same result |",
                  "|---|---|---|---|---|---|---|"]
        for r in dk:
            lines.append(f"| {r['nodes']} | {r['T']} | {_method(r)} | {_seconds(r['in_process_s'])} | {_seconds(r['dask_s'])} | "
                         f"{r['cluster_start_s']:.1f} | {r['same_result']} |")
        lines.append("")
    sc = [r for r in rows if r["file"].startswith("scale")]
    if sc:
        lines += ["## Time per target of a large network", "",
                  "| nodes | T | estimator | targets timed (s, fastest–slowest) | mean s per target | all targets in-process (2 cores) | "
                  "64 cores on Dask (32 two-core workers) |",
                  "|---|---|---|---|---|---|---|"]
        for r in sc:
            times = list(r["target_seconds"].values())
            timed = f"{_seconds(min(times))}–{_seconds(max(times))}"
            lines.append(f"| {r['nodes']} | {r['T']} | {_method(r)} | {len(r['target_seconds'])} ({timed}) | {_seconds(r['mean_target_s'])} | "
                         f"{r['in_process_projection_s'] / 60:.0f} min | {r['dask_64_core_projection_s']:.0f} s |")
        lines.append("")
    path = HERE / "results" / "networks.md"
    path.write_text("\n".join(lines))
    print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
