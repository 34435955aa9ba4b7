"""Notebook 01's dashboard: compute against exact values, unbiased estimates, the slider wiring."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.dashboards import theorem as theorem_dashboards
from helpers.envs import DemandEnv
from helpers.experiments import theorem
from helpers.figures import theorem as theorem_figures
from helpers.mdp import exact_gradient, objective
from helpers.policies import SigmoidPolicy
from helpers.reinforce import reinforce_estimates, sample_episodes
from helpers.widgets import Dashboard


@pytest.fixture(scope="module")
def demand():
    env = DemandEnv(horizon=2)
    return env.tabular(), env.policy_inputs()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("theta", [-2.0, 0.0, 1.3])
def test_compute_matches_the_exact_objective_and_gradient(demand, theta):
    mdp, inputs = demand
    data = theorem.gradient_cloud(theta)
    assert data.theta == theta
    assert data.objective == pytest.approx(objective(mdp, SigmoidPolicy(), np.array([theta]), inputs))
    assert data.gradient == pytest.approx(exact_gradient(mdp, SigmoidPolicy(), np.array([theta]), inputs)[0])
    assert data.estimates.shape == (theorem.N_EPISODES,)


def test_objective_curve_is_the_exact_objective(demand):
    mdp, inputs = demand
    thetas, values = theorem.objective_curve()
    assert thetas[0] == theorem.THETA_MIN
    assert thetas[-1] == theorem.THETA_MAX
    for i in (0, 30, 60, 120):
        assert values[i] == pytest.approx(objective(mdp, SigmoidPolicy(), thetas[i:i + 1], inputs))
    assert np.all(np.diff(values) > 0)  # J rises with θ on the demand problem


def test_estimates_are_reproducible_per_theta_and_differ_between_thetas():
    first = theorem.gradient_cloud(0.7).estimates.copy()
    theorem.gradient_estimates.cache_clear()
    again = theorem.gradient_cloud(0.7).estimates
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, theorem.gradient_cloud(0.8).estimates)
    # the slider's float noise (0.1 * 7) reaches the same seed
    np.testing.assert_array_equal(theorem.gradient_cloud(0.1 * 7).estimates, first)


def test_both_weights_are_the_trajectory_and_reward_to_go_estimates_of_the_same_episodes(demand):
    mdp, inputs = demand
    theta = np.array([1.0])
    batch = sample_episodes(mdp, SigmoidPolicy(), theta, inputs, theorem.N_EPISODES,
                            theorem.estimate_rng(1.0))
    total = reinforce_estimates(SigmoidPolicy(), theta, inputs, batch, reward_to_go=False)[:, 0]
    to_go = reinforce_estimates(SigmoidPolicy(), theta, inputs, batch, reward_to_go=True)[:, 0]
    np.testing.assert_array_equal(theorem.gradient_cloud(1.0, "total").estimates, total)
    np.testing.assert_array_equal(theorem.gradient_cloud(1.0, "to_go").estimates, to_go)
    assert not np.array_equal(total, to_go)


@pytest.mark.parametrize("weight", ["total", "to_go"])
@pytest.mark.parametrize("theta", [-1.5, 0.0, 2.0])
def test_estimates_are_unbiased_within_four_standard_errors(theta, weight):
    estimates = theorem.gradient_estimates(theta, weight, n_episodes=20_000, seed=11)
    standard_error = estimates.std(ddof=1) / np.sqrt(estimates.size)
    exact = theorem.exact_values(theta)[1]
    assert abs(estimates.mean() - exact) < 4 * standard_error


def test_reward_to_go_spreads_less_than_the_total_reward():
    total = theorem.gradient_estimates(0.0, "total", n_episodes=20_000, seed=5)
    to_go = theorem.gradient_estimates(0.0, "to_go", n_episodes=20_000, seed=5)
    assert to_go.std() < 0.8 * total.std()


def test_estimates_stay_in_the_documented_range():
    # For T = 2 every single-episode estimate lies in [-2, 16] (see ESTIMATE_YLIM's note).
    for theta in np.linspace(-3, 3, 13):
        estimates = theorem.gradient_cloud(float(theta)).estimates
        assert estimates.min() >= -2.0
        assert estimates.max() <= 16.0


def test_running_mean_and_standard_error():
    data = theorem.gradient_cloud(0.5)
    running, se = data.running_mean(), data.running_standard_error()
    assert running[-1] == pytest.approx(data.mean)
    assert se[-1] == pytest.approx(data.standard_error)
    m = 50
    assert running[m - 1] == pytest.approx(data.estimates[:m].mean())
    assert se[m - 1] == pytest.approx(data.estimates[:m].std(ddof=1) / np.sqrt(m))
    assert se[0] == 0.0


def test_state_line():
    assert theorem_dashboards.gradient_cloud_state(1.1) == "θ = 1.10, weight R(τ)"
    assert theorem_dashboards.gradient_cloud_state(-0.5, "to_go") == "θ = -0.50, weight Gₜ"


def test_view_wires_the_slider_and_the_dropdown_to_compute():
    dashboard = theorem_dashboards.gradient_cloud_dashboard()
    view = dashboard.view()
    theta_slider, weight_menu = view.children[0], view.children[1]
    assert view.kwargs == {"theta": 1.0, "weight": "total"}
    assert view.state_line.value == "θ = 1.00, weight R(τ)"

    theta_slider.value = 2.0
    assert view.kwargs["theta"] == 2.0
    assert view.state_line.value == "θ = 2.00, weight R(τ)"
    data = dashboard.compute(**view.kwargs)
    assert data.gradient == pytest.approx(theorem.exact_values(2.0)[1])

    weight_menu.value = "to_go"
    assert view.kwargs == {"theta": 2.0, "weight": "to_go"}
    assert view.state_line.value == "θ = 2.00, weight Gₜ"

    theta_slider.value = 10.0  # clamped to the slider's range
    assert view.kwargs["theta"] == theorem.THETA_MAX


def test_one_arrow_step_moves_theta_by_a_tenth():
    control = theorem_dashboards.gradient_cloud_dashboard().controls["theta"]
    assert (control.min, control.max, control.step, control.value) == (-3.0, 3.0, 0.1, 1.0)


def test_figure_draws_both_panels_with_the_fixed_estimate_range():
    dashboard = theorem_dashboards.gradient_cloud_dashboard()
    fig = dashboard.figure(theta=-1.6)
    left, right = fig.axes[:2]
    assert right.get_ylim() == theorem_figures.ESTIMATE_YLIM
    data = theorem.gradient_cloud(-1.6)
    assert f"mean {data.mean:.2f}" in right.get_title()
    above = int(np.sum(data.estimates > theorem_figures.ESTIMATE_YLIM[1]))
    assert above >= 1  # this θ has a rare large estimate, drawn as a triangle and counted
    legend_texts = [text.get_text() for text in right.get_legend().get_texts()]
    assert any(text.startswith(f"{above} above") for text in legend_texts)
    assert any(f"{data.gradient:.3f}" in text.get_text() for text in left.get_legend().get_texts())


@pytest.mark.parametrize(("theta", "verdict"), [(0.0, "misses"), (1.5, "covers"), (-1.6, "covers")])
def test_estimate_panel_title_says_whether_the_band_covers_the_exact_slope(theta, verdict):
    # Notebook 01's static figure: at θ = 0 the band of the 200 seeded estimates misses.
    data = theorem.gradient_cloud(theta)
    assert data.band_covers_exact == (verdict == "covers")
    assert data.band_covers_exact == (abs(data.mean - data.gradient) <= 2 * data.standard_error)
    right = theorem_dashboards.gradient_cloud_dashboard().figure(theta=theta).axes[1]
    assert f"{verdict} the exact {data.gradient:.2f}" in right.get_title()


def test_estimated_tangent_has_the_colour_of_the_running_mean():
    # The notebook says so: the tangent's slope is the running mean's last value.
    data = theorem.gradient_cloud(0.5)
    left, right = theorem_dashboards.gradient_cloud_dashboard().figure(theta=0.5).axes[:2]
    tangent = next(line for line in left.get_lines() if line.get_label().startswith("estimated slope"))
    running = next(line for line in right.get_lines() if line.get_label().startswith("running mean"))
    assert tangent.get_color() == running.get_color()
    assert running.get_ydata()[-1] == pytest.approx(data.mean)
    x, y = tangent.get_data()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(data.mean)


def test_static_small_multiples_have_a_row_per_setting():
    fig = theorem_dashboards.gradient_cloud_dashboard().static([{"theta": -1.0}, {"theta": 1.0}])
    assert len(fig.axes) == 4


def test_dashboards_registers_the_gradient_cloud():
    registered = theorem_dashboards.dashboards()
    assert set(registered) == {"gradient_cloud"}
    assert isinstance(registered["gradient_cloud"], Dashboard)


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"theta": float("nan")}, "theta"),
    ({"theta": 1e3}, "theta"),
    ({"theta": 1.0, "weight": "future"}, "weight"),
])
def test_bad_input_raises_value_error(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        theorem.gradient_cloud(**kwargs)


def test_bad_initial_theta_raises_value_error():
    with pytest.raises(ValueError, match="theta"):
        theorem_dashboards.gradient_cloud_dashboard(theta=float("inf"))


def test_the_trajectory_tree_holds_every_season_and_sums_to_j():
    from helpers.experiments.demand import demand_problem

    tree = theorem.trajectory_tree(1.0)
    assert tree.probability.shape == (64,)
    assert tree.probability.sum() == pytest.approx(1.0, abs=1e-12)
    problem = demand_problem(2)
    exact = objective(problem.mdp, problem.policy, np.array([1.0]), problem.inputs)
    assert tree.objective == pytest.approx(exact, abs=1e-12)
    keys = [tuple(d) + tuple(a) for d, a in zip(tree.demand, tree.actions, strict=True)]
    assert len(set(keys)) == 64
    order = [(d[0], a[0], d[1], a[1]) for d, a in zip(tree.demand, tree.actions, strict=True)]
    assert order == sorted(order)
    # Under each first week the order that follows demand is the likelier branch at θ = 1.
    for p0 in (-2, -1, 1, 2):
        more = tree.probability[(tree.demand[:, 0] == p0) & (tree.actions[:, 0] == 1)].sum()
        less = tree.probability[(tree.demand[:, 0] == p0) & (tree.actions[:, 0] == 0)].sum()
        assert (more > less) == (p0 > 0)
