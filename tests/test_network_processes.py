"""Ground-truth networks for TE network inference: random sparse VAR and coupled logistic map networks, and the
precision/recall scores of an inferred network."""

import math

import numpy as np
import pytest

import infoscope as isc
from infoscope.bench import coupled_logistic_network, link_scores, random_var_network


@pytest.mark.parametrize("seed", range(6))
def test_var_network_is_stable_and_its_links_are_its_nonzero_coefficients(seed):
    net = random_var_network(6, in_degree=2, max_lag=5, seed=seed)
    assert net.spectral_radius < 1
    a = net.process.coefficients  # [lag - 1, target, source]
    from_coefficients = {(s, t, lag + 1) for lag, t, s in zip(*np.nonzero(a)) if s != t}
    assert from_coefficients == set(net.links)
    assert all(1 <= lag <= 5 for _, _, lag in net.links)
    for node, lags in enumerate(net.self_lags):
        assert set(lags) == {lag + 1 for lag in np.nonzero(a[:, node, node])[0]}
    expected = np.zeros((6, 6), dtype=bool)
    for s, t, _ in net.links:
        expected[s, t] = True
    np.testing.assert_array_equal(net.adjacency, expected)
    assert not net.adjacency.diagonal().any()


def test_var_network_rescales_an_unstable_draw():
    net = random_var_network(5, in_degree=3, coupling=0.9, self_coupling=0.9, seed=1)
    assert net.scale < 1
    assert 0.99 - 1e-9 < net.spectral_radius < 0.99
    stable = random_var_network(5, seed=1)
    assert stable.scale == 1.0 and stable.spectral_radius < 0.99


@pytest.mark.parametrize("seed", range(4))
def test_exact_te_of_every_link_is_positive_and_of_every_non_link_zero(seed):
    net = random_var_network(5, in_degree=2, seed=seed)
    te = net.link_transfer_entropies()
    assert te and min(te.values()) > 1e-3
    for target in range(5):
        for source in range(5):
            for lag in range(1, 6):
                if source == target or (source, target, lag) in net.links:
                    continue
                assert net.link_transfer_entropy(source, target, lag) == pytest.approx(0.0, abs=1e-10)


def test_link_te_matches_the_regression_formula_for_a_lone_link():
    # Target 1 driven only by source 0: X1_t = 0.5 X1_{t-1} + c X0_{t-d} + e, so given X1_{t-1} the link's TE
    # is 1/2 log(Var(c X0 + e | X1_{t-1}) / Var(e)), computed here by a regression on a long simulation.
    net = random_var_network(2, link_probability=1.0, seed=3)
    (s, t, lag), = [l for l in net.links if l[1] == 1]
    x = net.simulate(200_000, seed=5)
    y, past = x[lag:, t], x[lag - 1:-1, t]
    design = np.c_[past, x[:-lag, s]]
    restricted = y - past * (past @ y) / (past @ past)
    full = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    assert net.link_transfer_entropy(s, t, lag) == pytest.approx(0.5 * math.log(restricted.var() / full.var()),
                                                                 rel=0.05)


def test_networks_are_reproducible_by_seed():
    a, b, c = (random_var_network(6, seed=s) for s in (4, 4, 5))
    assert a.links == b.links and a.links != c.links
    np.testing.assert_array_equal(a.simulate(50, seed=1), b.simulate(50, seed=1))
    assert not np.array_equal(a.simulate(50, seed=1), a.simulate(50, seed=2))
    assert a.simulate(40, trials=3, seed=0).shape == (3, 40, 6)
    la, lb = coupled_logistic_network(5, seed=2), coupled_logistic_network(5, seed=2)
    assert la.links == lb.links
    np.testing.assert_array_equal(la.simulate(100, seed=3), lb.simulate(100, seed=3))


def test_link_probability_one_gives_the_complete_graph_and_zero_none():
    assert random_var_network(4, link_probability=1.0).adjacency.sum() == 12
    assert not random_var_network(4, link_probability=0.0).links


def test_logistic_network_is_bounded_tie_free_and_its_links_drive_it():
    net = coupled_logistic_network(5, in_degree=2, seed=0)
    a = net.coefficients
    assert {(s, t, lag + 1) for lag, t, s in zip(*np.nonzero(a)) if s != t} == set(net.links)
    assert np.allclose(a.sum(axis=(0, 2))[net.adjacency.any(axis=0)], 1.0)  # self 0.5 + inputs 0.5
    x = net.simulate(3000, seed=1)
    assert x.shape == (3000, 5) and np.all((x >= 0) & (x < 1))
    assert len(np.unique(x)) == x.size
    assert x.std(axis=0).min() > 0.1  # chaotic, not collapsed to a fixed point
    # Every link carries information forward at its lag (KSG TE, estimated by infoscope), far more than the
    # reverse direction at the same lag carries back.
    for s, t, lag in net.links:
        forward = isc.transfer_entropy(x[:, s], x[:, t], lag=lag)
        backward = isc.transfer_entropy(x[:, t], x[:, s], lag=lag)
        assert forward > 0.04 and forward > backward + 0.03, (s, t, lag, forward, backward)


@pytest.mark.parametrize("call, name", [
    (lambda: random_var_network(1), "n_nodes"),
    (lambda: random_var_network(5, in_degree=5), "in_degree"),
    (lambda: random_var_network(5, in_degree=-1), "in_degree"),
    (lambda: random_var_network(5, in_degree=2, link_probability=0.3), "link_probability"),
    (lambda: random_var_network(5, in_degree=None, link_probability=1.5), "link_probability"),
    (lambda: random_var_network(5, max_lag=0), "max_lag"),
    (lambda: random_var_network(5, min_lag=3, max_lag=2), "min_lag"),
    (lambda: random_var_network(5, coupling=0.0), "coupling"),
    (lambda: random_var_network(5, noise=0.0), "noise"),
    (lambda: random_var_network(5, max_radius=1.0), "max_radius"),
    (lambda: coupled_logistic_network(5, coupling=0.7, self_coupling=0.5), "coupling"),
    (lambda: coupled_logistic_network(5, self_coupling=-0.1), "self_coupling"),
    (lambda: coupled_logistic_network(5, noise=-1.0), "noise"),
    (lambda: random_var_network(5).simulate(0), "n"),
    (lambda: coupled_logistic_network(5).simulate(0), "T"),
])
def test_bad_inputs_raise_value_errors_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_link_scores_on_hand_made_cases():
    truth = {(0, 1, 2), (1, 2, 1), (3, 0, 4)}
    found = {(0, 1, 2), (1, 2, 3), (2, 0, 1), (0, 1, 3)}
    scores = link_scores(found, truth, n_nodes=4)
    # Pairs: found {01, 12, 20}, truth {01, 12, 30}: tp 2, fp 1, fn 1.
    assert (scores["tp"], scores["fp"], scores["fn"]) == (2, 1, 1)
    assert scores["precision"] == pytest.approx(2 / 3) and scores["recall"] == pytest.approx(2 / 3)
    # Triples: only (0, 1, 2) matches; (1, 2, 3), (2, 0, 1), (0, 1, 3) are false, (1, 2, 1), (3, 0, 4) missed.
    assert (scores["lag_tp"], scores["lag_fp"], scores["lag_fn"]) == (1, 3, 2)
    assert scores["lag_precision"] == pytest.approx(0.25) and scores["lag_recall"] == pytest.approx(1 / 3)
    # 12 possible links, 3 true: 9 negatives, 1 false positive.
    assert scores["specificity"] == pytest.approx(8 / 9)


def test_link_scores_pairs_empty_sets_and_networks():
    pairs = link_scores([(0, 1)], [(0, 1), (1, 0)])
    assert pairs["precision"] == 1.0 and pairs["recall"] == 0.5 and pairs["lag_precision"] is None
    nothing = link_scores([], [(0, 1, 1)])
    assert math.isnan(nothing["precision"]) and nothing["recall"] == 0.0
    net = random_var_network(5, seed=0)
    perfect = link_scores(net.links, net)
    assert perfect["precision"] == perfect["recall"] == perfect["lag_precision"] == perfect["lag_recall"] == 1.0


@pytest.mark.parametrize("found, match", [
    ([(0, 1), (0, 1, 2)], "found"),
    ([(1, 1, 1)], "self-link"),
    ([(0, 1, 0)], "lag"),
    ([(0, -1)], "non-negative"),
    (5, "found"),
])
def test_link_scores_rejects_malformed_links(found, match):
    with pytest.raises(ValueError, match=match):
        link_scores(found, [(0, 1, 1)])
    with pytest.raises(ValueError, match="n_nodes"):
        link_scores([(0, 4, 1)], [(0, 1, 1)], n_nodes=3)
