"""Notebook 04's dashboard, headless: the baseline dropdown and the α^θ, α^w sliders through view()."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.dashboards import baselines as baselines_dashboards
from helpers.experiments import baselines
from helpers.experiments.baselines import grid_problem
from helpers.mdp import objective


@pytest.fixture(scope="module")
def db():
    return baselines_dashboards.learning_dashboard()


def test_registered(db):
    assert set(baselines_dashboards.dashboards()) == {"learning"}
    assert list(db.controls) == ["baseline", "alpha_theta", "alpha_w"]


def test_controls_through_view(db):
    w = db.view()
    w.children[0].value = "exact"
    w.children[1].value = 2.0**-5
    w.children[2].value = 2.0**-2
    assert w.kwargs == {"baseline": "exact", "alpha_theta": 2.0**-5, "alpha_w": 2.0**-2}
    data = baselines.learning_curves(**w.kwargs)
    assert data.baseline == "exact"
    assert data.alpha_theta == 2.0**-5
    np.testing.assert_array_equal(data.curves, baselines.all_step_sizes("exact")[4, 4])
    w.children[0].value = "learned"
    data = baselines.learning_curves(**w.kwargs)
    np.testing.assert_array_equal(data.curves, baselines.all_step_sizes("learned")[4, 4])
    plt.close("all")


def test_curves_start_at_the_exact_objective():
    problem = grid_problem()
    j0 = objective(problem.mdp, problem.policy, np.zeros(2), problem.inputs)
    for baseline in baselines.GRID_BASELINES:
        data = baselines.learning_curves(baseline, 2.0**-6, 2.0**-3)
        assert data.curves.shape == (baselines.N_RUNS, baselines.N_EPISODES // baselines.EVAL_EVERY + 1)
        np.testing.assert_allclose(data.curves[:, 0], j0)


def test_alpha_w_matters_only_for_the_learned_baseline():
    for baseline in ("none", "mean", "exact"):
        a = baselines.learning_curves(baseline, 2.0**-6, 2.0**-6).curves
        b = baselines.learning_curves(baseline, 2.0**-6, 2.0**-1).curves
        np.testing.assert_array_equal(a, b)
    a = baselines.learning_curves("learned", 2.0**-4, 2.0**-6).curves
    b = baselines.learning_curves("learned", 2.0**-4, 2.0**-1).curves
    assert not np.array_equal(a, b)


def test_exact_baseline_matches_the_unshifted_learner():
    """With v_π as baseline the reward shift cancels: the same runs as on the unshifted grid."""
    from helpers.experiments.baselines import grid_reinforce
    curves = baselines.all_step_sizes("exact")[0, 0]
    step_sizes = np.repeat(2.0 ** np.array(baselines.THETA_EXPONENTS), baselines.N_RUNS)
    unshifted = grid_reinforce("exact", step_sizes, 1.0,
                               baselines.N_EPISODES, len(baselines.THETA_EXPONENTS) * baselines.N_RUNS,
                               np.random.default_rng(baselines.SEED), eval_every=baselines.EVAL_EVERY)
    np.testing.assert_allclose(curves, unshifted[: baselines.N_RUNS], atol=1e-9)


def test_final_j_and_the_claims_printed_next_to_it():
    """final_j is J after the last episode of the cached runs at the snapped step sizes; its spread at 2^-5.

    The comparison of the means needs 1000 runs: ``tests/test_claims_baselines.py``.
    """
    i_t, i_w = baselines.THETA_EXPONENTS.index(-5), baselines.W_EXPONENTS.index(-3)
    for baseline in baselines.GRID_BASELINES:
        final = baselines.learning_curves(baseline, 2.0**-5.2, 2.0**-2.9).final_j  # snaps to 2^-5, 2^-3
        np.testing.assert_array_equal(final, baselines.all_step_sizes(baseline)[i_w, i_t, :, -1])
    none = baselines.learning_curves("none", 2.0**-5, 2.0**-3).final_j
    exact = baselines.learning_curves("exact", 2.0**-5, 2.0**-3).final_j
    assert none.std(ddof=1) > 3 * exact.std(ddof=1)   # without a baseline the runs spread several times more
    with pytest.raises(ValueError, match="baseline"):
        baselines.learning_curves("median", 2.0**-5, 2.0**-3)


def test_state_line_and_figure(db):
    assert db.state("learned", 2.0**-5, 2.0**-3) == \
        "baseline = learned v̂(s, w), α^θ = 2^-5, α^w = 2^-3"
    fig = db.figure(baseline="mean")
    assert len(fig.axes) == 2
    plt.close(fig)


def test_bad_values_raise(db):
    with pytest.raises(ValueError, match="baseline"):
        baselines.learning_curves("median", 0.01, 0.1)
    with pytest.raises(ValueError, match="alpha_theta"):
        baselines.learning_curves("none", -1.0, 0.1)
