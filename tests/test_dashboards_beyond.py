"""Notebook 06's dashboards and figures: the grid, reuse runs, the clipped objective, Figure 2, CartPole."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from helpers.dashboards import beyond as beyond_dashboards
from helpers.experiments import beyond
from helpers.figures import beyond as beyond_figures
from helpers.mdp import exact_gradient, objective
from helpers.plotting import subplots
from helpers.surrogate import clipped_objective, clipped_objective_slope
from helpers.widgets import Dashboard


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- the grid -------------------------------------------------------------------------------------------


def test_grid_supremum_is_approached_but_never_passed():
    problem = beyond.grid_problem()
    assert problem.J_sup == 6.0
    direction = np.array([2.2, 1.0])
    J = problem.objective(np.outer([1.0, 10.0, 100.0], direction))
    assert np.all(np.diff(J) > 0)
    assert problem.J_sup - 1e-3 < J[-1] < problem.J_sup
    random = problem.objective(np.random.default_rng(0).normal(size=(200, 2)) * 20)
    assert np.all(random < problem.J_sup)
    assert float(problem.objective(np.array([0.3, -0.4]))) == pytest.approx(
        objective(problem.mdp, problem.policy, np.array([0.3, -0.4]), problem.inputs))


def test_reuse_bias_importance_weighting_tracks_the_exact_gradient_and_naive_reuse_does_not():
    bias = beyond.reuse_bias(n_episodes=4000, seed=2)
    within = np.abs(bias.importance - bias.exact) < 4 * bias.importance_se
    assert within.mean() > 0.9  # 50 comparisons, each within 4 SE unless the estimate were biased
    assert np.allclose(bias.naive[0], bias.importance[0])  # no move yet: the same estimate
    far = np.abs(bias.naive[-1] - bias.exact[-1]) / bias.naive_se[-1]
    assert np.all(far > 10)


def test_reuse_runs_count_steps_and_targets():
    runs = beyond.reuse_runs("clipped", 3.0, 4, n_runs=5, n_batches=30, batch_size=10, seed=3)
    assert runs.J.shape == (5, 31)
    np.testing.assert_array_equal(runs.history.steps[:, 1], 60)  # 10 episodes of 6 steps
    reached = np.isfinite(runs.steps_to_target)
    assert runs.n_reached == reached.sum()
    assert "PPO" in runs.label
    assert "K = 4" in runs.label


def test_stranded_runs_sit_on_the_plateau():
    runs = beyond.reuse_runs("reinforce", 24.0, n_runs=20, n_batches=40, seed=3)
    stranded = runs.stranded
    assert stranded.any()
    problem = beyond.grid_problem()
    for run in np.flatnonzero(stranded):
        assert runs.J[run, -1] < beyond.PLATEAU_J
        gradient = exact_gradient(problem.mdp, problem.policy, runs.history.theta[run, -1], problem.inputs)
        assert np.linalg.norm(gradient) < beyond.PLATEAU_GRADIENT
    assert runs.n_stranded == int(stranded.sum())
    assert runs.reached_within(np.inf) == runs.n_reached


def test_dashboards_are_registered():
    boards = beyond_dashboards.dashboards()
    assert set(boards) == {"clipped"}
    assert all(isinstance(board, Dashboard) for board in boards.values())


@pytest.mark.parametrize(("ratio", "advantage", "epsilon"),
                         [(1.3, 1.0, 0.2), (0.7, -1.0, 0.2), (1.1, 0.5, 0.1)])
def test_clipped_view_matches_the_surrogate(ratio, advantage, epsilon):
    view = beyond.clipped_view(ratio, advantage, epsilon)
    assert view.value == pytest.approx(float(clipped_objective(ratio, advantage, epsilon)))
    assert view.slope == float(clipped_objective_slope(ratio, advantage, epsilon))
    np.testing.assert_allclose(view.clipped, clipped_objective(view.r_grid, advantage, epsilon))
    np.testing.assert_allclose(view.unclipped, view.r_grid * advantage)


def test_clipped_dashboard_wiring():
    board = beyond_dashboards.clipped_dashboard()
    w = board.view()
    assert hasattr(w, "kwargs")  # the live view reports its controls' values
    names = [child.description for child in w.children[:3]]
    assert names == ["ratio r", "advantage Â", "clip ε"]
    w.children[0].value, w.children[1].value, w.children[2].value = 1.5, -0.5, 0.3
    assert w.kwargs == {"ratio": 1.5, "advantage": -0.5, "epsilon": 0.3}
    view = board.compute(**w.kwargs)
    assert view.value == pytest.approx(-0.75)  # Â < 0, r above the range: r Â counts in full
    assert view.slope == -0.5
    assert board.state(**w.kwargs) == "r = 1.50, Â = -0.50, ε = 0.30"


def test_figures_draw_every_panel():
    board = beyond_dashboards.clipped_dashboard()
    fig = board.static([{"ratio": 1.3}, {"advantage": -1.0}])
    assert len(fig.axes) == board.n_panels * 2
    fig, axes = subplots(2)
    beyond_figures.draw_reuse_bias(beyond.reuse_bias(n_episodes=4000, seed=2), list(axes[0]))
    fig, axes = subplots(1)
    runs = beyond.reuse_runs("clipped", 3.0, 4, n_runs=5, n_batches=30, batch_size=10, seed=3)
    beyond_figures.draw_reuse_runs([runs], axes[0, 0])
    fig, axes = subplots(2)
    beyond_figures.draw_diagnostics(runs, list(axes[0]), batches=(1, 2, 30))
    line = beyond.figure2_line(n_points=101)
    fig, axes = subplots(2)
    beyond_figures.draw_figure2(line, list(axes[0]), step=2.0)
    assert "Figure 2" in axes[0, 0].get_title()


def test_figure2_line_is_along_the_update_and_tangent_to_J():
    problem = beyond.grid_problem()
    direction = (0.4, -0.9)
    line = beyond.figure2_line(direction, max_distance=2.0, n_points=201)
    np.testing.assert_allclose(line.direction, np.array(direction) / np.linalg.norm(direction))
    slope = exact_gradient(problem.mdp, problem.policy, np.zeros(2), problem.inputs) @ line.direction
    h = line.distances[1]
    assert (line.L_clip[1] - line.L_clip[0]) / h == pytest.approx(slope, rel=0.02)
    J = problem.objective(line.distances[:, None] * line.direction)
    np.testing.assert_allclose(line.J_gain, J - J[0], atol=1e-12)


def test_first_batch_J_dips_with_more_clipped_updates():
    one, four = beyond.first_batch_J(1, n_runs=60), beyond.first_batch_J(4, n_runs=60)
    assert one.shape == four.shape == (60,)
    assert np.median(four) < np.median(one)


def test_cartpole_seeds_figure():
    from helpers import cartpole

    histories = tuple(cartpole.train_cartpole_seeds([0, 100], max_episodes=30, stop="none"))
    _, axes = subplots(2)
    beyond_figures.draw_cartpole_seeds(histories, list(axes[0]))
    assert axes[0, 0].get_ylim() == (0.0, 520.0)
    assert set(beyond.NEW_SEEDS).isdisjoint(cartpole.TUNING_SEEDS)
    assert set(beyond.SHOWN_TUNING_SEEDS) <= set(cartpole.TUNING_SEEDS)


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="epsilon"):
        beyond.clipped_view(1.0, 1.0, 1.5)
    with pytest.raises(ValueError, match="n_points"):
        beyond.figure2_line(n_points=0)
    with pytest.raises(ValueError, match="method"):
        beyond.reuse_runs("ppo", 1.0)
