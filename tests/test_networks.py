"""Transfer-entropy network inference: the cascade finds known networks, controls false positives, and gives
the same result serially, in any target order, and on a Dask cluster."""

import numpy as np
import pytest

import infoscope as isc
from infoscope.networks import bivariate_te_network, multivariate_te_network, nonuniform_embedding

FAST = dict(n_perm={"max_stat": 40, "min_stat": 40, "omnibus": 100, "max_seq": 40}, progress=False)


def chain(n=1500, seed=0, trials=None):
    """0 -> 1 at lag 2, 1 -> 2 at lag 1; process 2 also has its own past at lag 1. With ``trials``, that many
    independent runs, (trials, n, 3)."""
    if trials is not None:
        return np.stack([chain(n, seed * 1000 + i) for i in range(trials)])
    x = np.random.default_rng(seed).standard_normal((n, 3))
    for t in range(2, n):
        x[t, 1] += 0.6 * x[t - 2, 0]
        x[t, 2] += 0.6 * x[t - 1, 1] + 0.4 * x[t - 1, 2]
    return x


# The known-answer tests below use fixed seeds: each test of the cascade admits a false variable with
# probability alpha, which test_independent_processes_give_false_links_at_about_the_nominal_rate measures.
def common_driver(n=1500, seed=0):
    """0 drives 1 (lag 1) and 2 (lag 2): 1 and 2 are correlated (1 leads 2 by one step) without a link."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    for t in range(2, n):
        x[t, 1] += 0.8 * x[t - 1, 0]
        x[t, 2] += 0.8 * x[t - 2, 0]
    return x


def test_multivariate_network_finds_a_chain_with_its_lags_and_no_indirect_link():
    net = multivariate_te_network(chain(), max_lag_sources=3, **FAST)
    assert net.links == [(0, 1, 2), (1, 2, 1)]
    assert net.adjacency.tolist() == [[False, True, False], [False, False, True], [False, False, False]]
    assert net.targets[2].past == (1,) and net.targets[1].past == (1,)  # lag 1 kept even when uninformative
    assert 0.1 < net.te[0, 1] < 0.3 and np.isnan(net.te[0, 2])


def test_bivariate_network_also_reports_the_indirect_link():
    net = bivariate_te_network(chain(), max_lag_sources=3, **FAST)
    assert {(s, t) for s, t, _ in net.links} == {(0, 1), (1, 2), (0, 2)}
    assert net.lags(0, 2) == (3,)  # 0 reaches 2 through 1 after 2 + 1 steps


def test_multivariate_network_is_not_fooled_by_a_common_driver():
    data = common_driver()
    multi = multivariate_te_network(data, max_lag_sources=3, **FAST)
    assert multi.links == [(0, 1, 1), (0, 2, 2)]
    bi = bivariate_te_network(data, max_lag_sources=3, **FAST)
    assert bi.adjacency[1, 2]  # the spurious link that conditioning on the driver removes


def test_target_past_is_a_nonuniform_embedding():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(3000)
    for t in range(3, 3000):
        x[t] += 0.7 * x[t - 3]
    assert nonuniform_embedding(x, max_lag=5, n_perm=40) == (3,)
    y = rng.standard_normal(3000)
    for t in range(2, 3000):
        y[t] += 0.5 * y[t - 1] + 0.3 * y[t - 2]
    assert nonuniform_embedding(y, max_lag=4, n_perm=40) == (1, 2)
    assert nonuniform_embedding(rng.standard_normal(2000), max_lag=3, n_perm=40) == ()


def test_independent_processes_give_false_links_at_about_the_nominal_rate():
    runs_with_a_link = 0
    for seed in range(30):
        data = np.random.default_rng(100 + seed).standard_normal((300, 3))
        runs_with_a_link += bool(multivariate_te_network(data, max_lag_sources=2, seed=seed, progress=False,
                                                         n_perm=20).links)
    assert runs_with_a_link <= 4  # ~5% expected (1.5 of 30); P(> 4) < 2% at the nominal rate


def test_trials_are_pooled_and_can_be_swapped_as_surrogates():
    data = chain(n=400, trials=5, seed=3)
    assert multivariate_te_network(data, 3, **FAST).links == [(0, 1, 2), (1, 2, 1)]
    swapped = multivariate_te_network(list(data), 3, shuffle="trials", **FAST)  # 5! = 120 orders
    assert swapped.adjacency[0, 1] and swapped.adjacency[1, 2]


def test_results_do_not_depend_on_target_order_or_selection():
    data = chain(n=800)
    full = multivariate_te_network(data, 2, seed=5, **FAST)
    again = multivariate_te_network(data, 2, seed=5, **FAST)
    reordered = multivariate_te_network(data, 2, targets=[2, 1], seed=5, **FAST)
    for t in (1, 2):
        assert full.targets[t] == again.targets[t] or _same(full.targets[t], again.targets[t])
        assert _same(full.targets[t], reordered.targets[t])


def _same(a, b):
    return (a.past, a.variables, a.link_te) == (b.past, b.variables, b.link_te) and \
        np.isclose(a.omnibus_p, b.omnibus_p, equal_nan=True)


def test_dask_cluster_gives_the_serial_result():
    distributed = pytest.importorskip("distributed")
    data = chain(n=600)
    serial = multivariate_te_network(data, 2, seed=7, **FAST)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        parallel = multivariate_te_network(data, 2, seed=7, client=client, **FAST)
    assert parallel.links == serial.links
    for t in range(3):
        assert _same(parallel.targets[t], serial.targets[t])
        assert parallel.targets[t].omnibus_te == serial.targets[t].omnibus_te or np.isnan(serial.targets[t].omnibus_te)


@pytest.mark.parametrize("null", ["permutation", "analytic"])
def test_gaussian_network_finds_the_chain_and_its_exact_transfer_entropy(null):
    x = chain()
    net = multivariate_te_network(x, 3, method="gaussian", null=null, **FAST)
    assert net.links == [(0, 1, 2), (1, 2, 1)]
    # the link's TE is the Gaussian CMI of x0(t-2) and x1(t) given the selected past x1(t-1), rows t >= 3
    single = isc.conditional_mutual_info(x[1:-2, 0], x[3:, 1], x[2:-1, 1], method="gaussian")
    assert net.te[0, 1] == pytest.approx(single, abs=1e-12)
    # x1 = 0.6 x0(t-2) + e with x0 white: TE = 1/2 log(1 + 0.36); this sample's estimate is 2.4 SE above it
    assert net.te[0, 1] == pytest.approx(0.5 * np.log(1.36), abs=0.06)


def test_gaussian_network_recovers_a_random_var_network_exactly():
    from infoscope.bench import random_var_network

    truth = random_var_network(8, in_degree=2.0, max_lag=4, seed=3)
    net = multivariate_te_network(truth.simulate(5000, seed=1), 4, method="gaussian", null="analytic",
                                  progress=False)
    assert sorted(net.links) == sorted(truth.links)


def test_network_tables_graphs_and_plots():
    net = multivariate_te_network(chain(), 3, labels=["a", "b", "c"], **FAST)
    frame = net.to_pandas()
    assert frame[["source", "target", "lag"]].values.tolist() == [["a", "b", 2], ["b", "c", 1]]
    assert (frame.p_value < 0.05).all() and np.allclose(frame.te, frame.link_te)
    graph = net.to_networkx()
    assert sorted(graph.edges) == [("a", "b"), ("b", "c")] and graph.edges["a", "b"]["lags"] == (2,)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = net.plot(truth=[(0, 1), (1, 2), (0, 2)])
    assert len(ax.patches) == 3  # two found links and the missed true one
    assert "2 links" in repr(net)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(data=np.zeros(100)), ValueError, "data must be"),
    (dict(data=np.full((100, 3), np.nan)), ValueError, "NaN"),
    (dict(data=np.zeros((100, 1))), ValueError, "at least 2 processes"),
    (dict(data=np.zeros((4, 3)), max_lag_sources=5), ValueError, "too short"),
    (dict(min_lag_sources=3, max_lag_sources=2), ValueError, "min_lag_sources"),
    (dict(max_lag_sources=0), ValueError, "max_lag_sources"),
    (dict(n_perm=10), ValueError, "cannot give a p-value below alpha"),
    (dict(alpha=1.5), ValueError, "alpha"),
    (dict(n_perm={"maximum": 100}), ValueError, "unknown tests"),
    (dict(alpha={"omnibus": 0.01}, n_perm=50), ValueError, "n_perm \\(omnibus\\)"),
    (dict(targets=[5]), ValueError, "targets"),
    (dict(sources=[0, 0]), ValueError, "distinct"),
    (dict(fdr="holm"), ValueError, "fdr"),
    (dict(shuffle="trials"), ValueError, "two trials"),
    (dict(client="localhost"), TypeError, "client"),
    (dict(labels=["a"]), ValueError, "labels"),
    (dict(local=True), TypeError, "local"),
    (dict(method="binned"), ValueError, "method must be"),
    (dict(null="analytic"), ValueError, "needs method='gaussian'"),
    (dict(method="gaussian", null="analytic", shuffle="circular"), ValueError, "shuffle='within'"),
    (dict(null="asymptotic"), ValueError, "null must be"),
    (dict(method="gaussian", k=4), TypeError, "option 'k'"),
])
def test_bad_arguments_name_themselves(kwargs, error, match):
    kwargs = {"data": np.random.default_rng(0).standard_normal((200, 3)), **kwargs}
    with pytest.raises(error, match=match):
        multivariate_te_network(progress=False, **kwargs)
