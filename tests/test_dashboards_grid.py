"""Notebook 03's dashboards: compute against helpers.mdp, the slider wiring through ipywidgets, drawing."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection

from helpers.dashboards import grid as grid_dashboards
from helpers.envs import WindyHighway
from helpers.experiments import grid
from helpers.figures import grid as grid_figures
from helpers.mdp import exact_gradient, objective
from helpers.policies import SoftmaxLinearPolicy
from helpers.widgets import Dashboard


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def exact(theta: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """π table, J and ∇J from helpers.mdp on a freshly built road."""
    env = WindyHighway()
    mdp, policy, x = env.tabular(), SoftmaxLinearPolicy(3, 2), env.policy_inputs("offset")
    return policy.table(theta, x), objective(mdp, policy, theta, x), exact_gradient(mdp, policy, theta, x)


def test_dashboards_registers_the_theta_and_alpha_dashboards():
    boards = grid_dashboards.dashboards()
    assert set(boards) == {"policy", "paths"}
    assert all(isinstance(board, Dashboard) for board in boards.values())
    assert set(boards["policy"].controls) == {"theta1", "theta2"}
    assert set(boards["paths"].controls) == {"alpha"}


@pytest.mark.parametrize("theta", [(0.0, 0.0), (5.0, -2.0), (-10.0, 25.0), (40.0, -25.0)])
def test_policy_compute_matches_the_exact_solvers(theta):
    data = grid.policy_view(*theta)
    pi, J, gradient = exact(np.array(theta))
    np.testing.assert_allclose(data.pi, pi, atol=1e-15)
    assert pytest.approx(J, abs=1e-12) == data.J
    np.testing.assert_allclose(data.gradient, gradient, atol=1e-12)
    assert data.landscape is grid.landscape()


def test_theta_sliders_drive_compute_through_interactive():
    board = grid_dashboards.policy_dashboard()
    view = board.view()
    theta1_slider, theta2_slider = view.children[0], view.children[1]
    assert (theta1_slider.description, theta2_slider.description) == ("θ₁ (left)", "θ₂ (right)")
    assert view.kwargs == {"theta1": 0.0, "theta2": 0.0}

    theta1_slider.value = 5.0
    assert view.kwargs == {"theta1": 5.0, "theta2": 0.0}
    theta2_slider.value = -2.5
    assert view.kwargs == {"theta1": 5.0, "theta2": -2.5}
    data = board.compute(**view.kwargs)
    pi, J, _ = exact(np.array([5.0, -2.5]))
    np.testing.assert_allclose(data.pi, pi, atol=1e-15)
    assert pytest.approx(J, abs=1e-12) == data.J
    assert board.state(**view.kwargs) == "θ = (5.00, -2.50)"

    theta1_slider.value = 100.0  # clamped to the end of the slider, the edge of the landscape
    assert view.kwargs["theta1"] == grid.THETA1_LIMITS[1]


def test_alpha_slider_drives_compute_through_interactive():
    board = grid_dashboards.paths_dashboard()
    view = board.view()
    alpha_slider = view.children[0]
    assert alpha_slider.description == "α (step size)"
    assert view.kwargs["alpha"] == pytest.approx(0.316)

    alpha_slider.value = 10**-1.25
    assert view.kwargs["alpha"] == pytest.approx(10**-1.25)
    data = board.compute(**view.kwargs)
    assert data.alpha == pytest.approx(10**-1.25)
    assert data.paths is grid.reinforce_paths(data.alpha)
    problem = grid.grid_problem()
    np.testing.assert_allclose(data.J[:, -1], [objective(problem.mdp, problem.policy, theta, problem.inputs)
                                               for theta in data.paths[:, -1]], atol=1e-12)
    np.testing.assert_allclose(data.ascent, grid.gradient_ascent_path(data.alpha))
    assert data.best_return == pytest.approx(6.0)
    assert board.state(**view.kwargs) == "α = 0.0562"


def test_paths_compute_snaps_alpha_to_the_slider_grid():
    assert grid.paths_view(0.3) is grid.paths_view(10**-0.5)
    assert grid_dashboards.paths_state(0.3) == "α = 0.316"


def test_policy_view_draws_the_road_and_theta_on_the_landscape():
    fig = grid_dashboards.policy_dashboard().figure(theta1=10.0, theta2=-10.0)
    road, land = fig.axes[:2]
    assert road.get_title() == r"$\pi(a|s,\theta)$ in every cell"
    _, J, gradient = exact(np.array([10.0, -10.0]))
    g1, g2 = np.round(gradient, 2) + 0.0
    assert land.get_title() == f"J(θ) = {J:.2f},  ∇J = ({g1:.2f}, {g2:.2f})"
    assert "-0.00" not in land.get_title()


def test_paths_view_draws_every_run_and_marks_runs_that_left_the_box():
    data = grid.paths_view(10**0.5)
    fig = grid_dashboards.paths_dashboard().figure(alpha=10**0.5)
    landscape_axes, curves_axes = fig.axes[:2]
    for ax in (landscape_axes, curves_axes):  # one line per run, in one collection
        runs = [c for c in ax.collections if isinstance(c, LineCollection)]
        assert len(runs) == 1
        assert len(runs[0].get_segments()) == len(data.paths)
    np.testing.assert_allclose(curves_axes.collections[-1].get_segments()[0][:, 1], data.J[0])
    outside = np.any((data.paths[:, -1] < [grid.THETA1_LIMITS[0], grid.THETA2_LIMITS[0]])
                     | (data.paths[:, -1] > [grid.THETA1_LIMITS[1], grid.THETA2_LIMITS[1]]), axis=1)
    assert outside.any()
    ends = [c for c in landscape_axes.collections if c.get_offsets().shape == (len(data.paths), 2)]
    assert len(ends) == 1  # one dot per run: filled inside the box, hollow (white) on its edge if it left
    faces = ends[0].get_facecolors()
    np.testing.assert_array_equal(np.all(faces == 1.0, axis=1), outside)
    numbers = sorted(int(text.get_text()) for text in landscape_axes.texts if text.get_text().isdigit())
    assert numbers == list(range(1, len(data.paths) + 1))
    runs = next(c for c in landscape_axes.collections if isinstance(c, LineCollection))
    assert len({tuple(color) for color in runs.get_colors()}) == len(data.paths)  # a colour per run
    assert landscape_axes.get_title() == f"α = 3.16: {grid_figures.paths_summary(data.J[:, -1])}"
    # large steps scatter the runs
    assert grid_figures.paths_summary(data.J[:, -1]) != "all runs on the plateau"


def test_paths_summary_counts_where_runs_end():
    assert grid_figures.paths_summary(np.array([4.2, 4.3])) == "all runs on the plateau"
    assert grid_figures.paths_summary(np.array([-5.6, 3.0, 4.5, 5.9])) == \
        "1 in the basin, 1 still climbing,\n1 on the plateau, 1 in the cone"
    assert grid_figures.paths_summary(np.array([-5.6, 4.3, 4.3])) == "1 in the basin, 2 on the plateau"


def test_static_views_stack_one_row_per_setting():
    settings = [{"theta1": 0.0, "theta2": 0.0}, {"theta1": 5.0, "theta2": 2.0}]
    # the live view's panels: no colour bar
    assert len(grid_dashboards.policy_dashboard().static(settings).axes) == 4
    fig = grid_dashboards.policy_dashboard(colorbar=True).static(settings)
    assert len(fig.axes) == 6  # two panels and the landscape's colour bar, per setting
    assert sum(ax.get_label() == "<colorbar>" for ax in fig.axes) == 2
    texts = [text.get_text() for ax in fig.axes for text in ax.texts]
    assert "θ = (0.00, 0.00)" in texts
    assert "θ = (5.00, 2.00)" in texts
