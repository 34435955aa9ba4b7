"""Notebook 02's dashboards: exact values against helpers.mdp, the learning runs, the slider wiring."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.dashboards import demand as demand_dashboards
from helpers.envs import DemandEnv
from helpers.experiments import demand
from helpers.figures import demand as demand_figures
from helpers.mdp import exact_gradient, objective, visit_counts
from helpers.policies import SigmoidPolicy
from helpers.reinforce import reinforce, sample_episodes
from helpers.widgets import Dashboard, LiveView

THETAS = (-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.0, 4.5)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def exact(theta: float, horizon: int = 3, gamma: float = 1.0) -> tuple[float, float]:
    """J and dJ/dθ from helpers.mdp, built from a fresh environment."""
    env = DemandEnv(horizon=horizon, gamma=gamma)
    mdp, policy, x = env.tabular(), SigmoidPolicy(), env.policy_inputs()
    theta_vector = np.array([theta])
    return objective(mdp, policy, theta_vector, x), exact_gradient(mdp, policy, theta_vector, x)[0]


# --- the exact quantities ------------------------------------------------------------------------


@pytest.mark.parametrize(("horizon", "gamma"), [(3, 1.0), (1, 1.0), (4, 0.8)])
def test_vectorised_objective_and_slope_match_the_exact_solvers(horizon, gamma):
    thetas = np.array(THETAS)
    J = demand.exact_objective(thetas, horizon, gamma)
    slope = demand.exact_slope(thetas, horizon, gamma)
    assert J.shape == slope.shape == thetas.shape
    for theta, J_value, slope_value in zip(thetas, J, slope, strict=True):
        J_exact, slope_exact = exact(theta, horizon, gamma)
        assert J_value == pytest.approx(J_exact, abs=1e-12)
        assert slope_value == pytest.approx(slope_exact, abs=1e-12)


def test_objective_of_a_batch_keeps_its_shape():
    thetas = np.linspace(-2, 2, 12).reshape(3, 4)
    assert demand.exact_objective(thetas).shape == (3, 4)
    assert demand.exact_objective(thetas)[1, 2] == pytest.approx(exact(thetas[1, 2])[0], abs=1e-12)


def test_objective_agrees_with_the_symbolic_derivation_of_notebook_01():
    symbolic = pytest.importorskip("helpers.symbolic")
    if not hasattr(symbolic, "demand_objective_numeric"):
        pytest.skip("helpers.symbolic has no demand_objective_numeric")
    J_of_theta = symbolic.lambdify_theta(symbolic.demand_objective_numeric(3))
    for theta in (-1.0, 0.5, 2.0):
        assert float(J_of_theta(theta)) == pytest.approx(float(demand.exact_objective(theta)), abs=1e-12)


def test_objective_is_odd_increasing_and_bounded_by_following_demand():
    grid = np.linspace(-8, 8, 321)
    values = demand.exact_objective(grid)
    assert np.allclose(values, -values[::-1], atol=1e-12)
    assert np.all(np.diff(values) > 0)
    J_best = demand.best_return()
    assert J_best == pytest.approx(exact(40.0)[0], abs=1e-9)
    assert np.all(values < J_best)
    # by hand: η sums to 1 per week and follows the chain; follow demand pays |p| for MORE, |p|/2 for LESS
    problem = demand.demand_problem()
    eta = visit_counts(problem.mdp, np.full((problem.mdp.n_states, 2), 0.5))
    p = problem.inputs
    assert J_best == pytest.approx(float(np.sum(eta * np.where(p > 0, p, -p / 2))), abs=1e-12)


def test_slope_is_largest_at_zero_and_vanishes_in_the_tails():
    grid = np.linspace(-6, 6, 241)
    slope = demand.exact_slope(grid)
    assert grid[np.argmax(slope)] == 0.0
    assert np.all(slope > 0)
    assert slope[0] < 0.01 * slope.max()


def test_extreme_theta_is_finite_and_bad_inputs_are_refused():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.isfinite(demand.exact_objective(1e3))
        assert demand.exact_slope(-1e3) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="theta"):
        demand.exact_objective(np.nan)
    with pytest.raises(ValueError, match="horizon"):
        demand.demand_problem(horizon=0)
    with pytest.raises(ValueError, match="gamma"):
        demand.exact_objective(0.0, gamma=1.5)


def test_reward_table_lists_every_demand_change_with_the_env_rewards():
    table = demand_figures.reward_table_markdown()
    rows = table.splitlines()[2:]
    assert len(rows) == 4
    assert "| +2 | +2.0 | -1.0 | MORE |" in rows
    assert "| -1 | -1.0 | +0.5 | LESS |" in rows


# --- dashboard 1: θ --------------------------------------------------------------------------------


@pytest.mark.parametrize("theta", [-2.0, 0.0, 1.3])
def test_policy_view_holds_the_policy_curve_and_the_exact_values(theta):
    view = demand.policy_view(theta)
    J_exact, slope_exact = exact(theta)
    assert abs(view.J - J_exact) < 1e-12
    assert view.slope == pytest.approx(slope_exact, abs=1e-12)
    assert np.allclose(view.pi_at_changes, 1 / (1 + np.exp(-theta * np.array([-2, -1, 1, 2]))))
    assert np.allclose(view.pi_more, 1 / (1 + np.exp(-theta * view.p_grid)))
    assert view.J_best == pytest.approx(demand.best_return())


def test_policy_dashboard_slider_drives_compute_through_the_live_view():
    dashboard = demand_dashboards.policy_dashboard(theta=1.0)
    w = dashboard.view()
    assert isinstance(w, LiveView)
    slider = w.children[0]
    assert slider.description == "θ"
    assert slider.continuous_update is True
    slider.value = -1.5
    assert w.kwargs == {"theta": -1.5}
    assert dashboard.state(**w.kwargs) == "θ = -1.50"
    view = dashboard.compute(**w.kwargs)
    assert view.theta == -1.5
    assert abs(view.J - exact(-1.5)[0]) < 1e-12
    slider.value = 99.0  # clamped to the slider's range
    assert w.kwargs == {"theta": 4.0}


# --- dashboard 2: α --------------------------------------------------------------------------------


def test_learning_runs_are_helpers_reinforce_batched_and_cached():
    runs = demand.learning_runs(0.3, n_runs=20, n_episodes=30, seed=5)
    problem = demand.demand_problem()
    history = reinforce(problem.mdp, problem.policy, np.array([0.0]), problem.inputs, 0.3, 30,
                        np.random.default_rng(5), n_runs=20)
    assert runs.theta.shape == runs.J.shape == (20, 31)
    assert np.array_equal(runs.theta, history.theta[:, :, 0])
    assert np.allclose(runs.J, demand.exact_objective(runs.theta))
    assert demand.learning_runs(0.3 + 1e-12, n_runs=20, n_episodes=30, seed=5) is runs
    assert not runs.theta.flags.writeable


def test_small_alpha_crawls_and_large_alpha_throws_runs_to_the_wrong_side():
    small = demand.learning_runs(10 ** -2.5, n_runs=100, n_episodes=200, seed=0)
    moderate = demand.learning_runs(1.0, n_runs=100, n_episodes=200, seed=0)
    large = demand.learning_runs(10.0, n_runs=100, n_episodes=200, seed=0)
    J_best = demand.best_return()
    # small: every run still far from J* after 200 episodes, no run on the wrong side
    assert J_best - small.J[:, -1].max() > 0.5
    assert not small.wrong_way.any()
    # moderate: close to J*, within 4 standard errors of the final values of 100 runs
    se = moderate.J[:, -1].std(ddof=1) / np.sqrt(moderate.n_runs)
    assert J_best - moderate.J[:, -1].mean() < 0.01 + 4 * se
    # large: some runs end at θ < 0 with J near its minimum, and stay there (flat region)
    assert large.wrong_way.sum() >= 2
    stuck = large.theta[large.wrong_way]
    assert np.all(demand.exact_objective(stuck[:, -1]) < -3.0)
    assert np.all(np.abs(stuck[:, -1] - stuck[:, 100]) < 0.2)
    assert large.J[:, -1].mean() < moderate.J[:, -1].mean()  # the stuck runs pull the mean down


def test_step_size_dashboard_log_slider_drives_compute_through_interactive():
    dashboard = demand_dashboards.step_size_dashboard(alpha=0.1, seed=0)
    w = dashboard.view()
    slider = w.children[0]
    assert isinstance(slider, widgets.FloatLogSlider)
    assert (slider.min, slider.max, slider.base) == (-2.5, 1.0, 10.0)
    slider.value = 1.0
    assert w.kwargs["alpha"] == pytest.approx(1.0)
    assert dashboard.state(**w.kwargs) == "α = 1.00"
    runs = dashboard.compute(**w.kwargs)
    assert runs.alpha == pytest.approx(1.0)
    assert runs.n_runs >= 50
    assert runs is demand.learning_runs(1.0, seed=0)


@pytest.mark.parametrize("bad", [0.0, -0.1, np.inf])
def test_learning_runs_refuse_a_bad_step_size(bad):
    with pytest.raises(ValueError, match="alpha"):
        demand.learning_runs(bad)


# --- dashboard 3: estimates ----------------------------------------------------------------------


@pytest.mark.parametrize("theta", [-1.0, 0.0, 2.0])
def test_single_episode_estimates_are_unbiased_within_four_standard_errors(theta):
    view = demand.single_episode_estimates(theta, n_episodes=2000, seed=3)
    assert view.estimates.shape == (2000,)
    assert view.exact == pytest.approx(exact(theta)[1], abs=1e-12)
    assert abs(view.mean - view.exact) < 4 * view.standard_error


def test_estimates_are_the_helpers_reinforce_estimates_of_a_seeded_batch():
    view = demand.single_episode_estimates(0.5, n_episodes=50, seed=9)
    problem = demand.demand_problem()
    batch = sample_episodes(problem.mdp, problem.policy, np.array([0.5]), problem.inputs, 50,
                            np.random.default_rng(9))
    p = problem.inputs[batch.states]
    G = np.cumsum(batch.rewards[:, ::-1], axis=1)[:, ::-1]
    by_hand = np.sum(G * (batch.actions - 1 / (1 + np.exp(-0.5 * p))) * p, axis=1)
    assert np.allclose(view.estimates, by_hand)


def test_estimates_dashboard_slider_drives_compute_through_interactive():
    dashboard = demand_dashboards.estimates_dashboard(theta=0.5, seed=0)
    w = dashboard.view()
    w.children[0].value = 2.5
    assert w.kwargs == {"theta": 2.5}
    assert dashboard.state(**w.kwargs) == "θ = 2.50"
    view = dashboard.compute(**w.kwargs)
    assert view.theta == 2.5
    assert view.exact == pytest.approx(exact(2.5)[1], abs=1e-12)



def test_running_mean_ends_at_the_mean_and_its_standard_error():
    view = demand.single_episode_estimates(1.0, n_episodes=500, seed=4)
    M, mean, standard_error = view.running_mean()
    assert M[0] == 2
    assert M[-1] == 500
    assert mean[-1] == pytest.approx(view.mean, abs=1e-12)
    assert standard_error[-1] == pytest.approx(view.standard_error, rel=1e-9)
    for m in (2, 17, 250):
        first = view.estimates[:m]
        assert mean[m - 2] == pytest.approx(first.mean(), abs=1e-12)
        assert standard_error[m - 2] == pytest.approx(first.std(ddof=1) / np.sqrt(m), rel=1e-9, abs=1e-12)


def test_against_demand_marks_episodes_with_an_order_against_the_sign_of_p():
    view = demand.single_episode_estimates(0.5, n_episodes=50, seed=9)
    problem = demand.demand_problem()
    batch = sample_episodes(problem.mdp, problem.policy, np.array([0.5]), problem.inputs, 50,
                            np.random.default_rng(9))
    p = problem.inputs[batch.states]
    by_hand = [any((a == 1 and q < 0) or (a == 0 and q > 0) for a, q in zip(actions, ps, strict=True))
               for actions, ps in zip(batch.actions, p, strict=True)]
    assert view.against_demand.tolist() == by_hand
    assert 0 < view.against_demand.sum() < 50


def test_large_estimates_at_large_theta_come_only_from_orders_against_demand():
    # the notebook's claim at θ = 2.5: most |ĝᵐ| < 0.5, every |ĝᵐ| > 1 took the unlikely order
    view = demand.single_episode_estimates(2.5, seed=0)
    kicks = np.abs(view.estimates) > 1
    assert kicks.sum() > 10
    assert view.against_demand[kicks].all()
    assert np.abs(view.estimates[~view.against_demand]).max() < 1
    assert np.mean(np.abs(view.estimates) < 0.5) > 0.85
    assert "a few large kicks" in view.shape_summary()


@pytest.mark.parametrize(("theta", "phrase"), [(0.0, "every ĝᵐ > 0"), (1.0, "point the wrong way"),
                                               (2.5, "a few large kicks")])
def test_shape_summary_says_what_the_histogram_shows(theta, phrase):
    view = demand.single_episode_estimates(theta, seed=0)
    assert phrase in view.shape_summary()
    if theta == 1.0:
        assert f"{np.mean(view.estimates < 0):.0%}" in view.shape_summary()


def test_histogram_bins_cover_the_estimates_and_zero_with_bins_centred_on_multiples():
    for values in (np.array([0.25, 12.0]), np.array([-5.88, 6.86]), np.array([0.1, 0.3])):
        bins = demand_figures.histogram_bins(values)
        width = bins[1] - bins[0]
        assert np.allclose(np.diff(bins), width)
        assert bins[0] <= min(values.min(), 0)
        assert bins[-1] >= values.max()
        assert len(bins) - 1 <= 61
        centres = (bins[:-1] + bins[1:]) / 2
        assert np.allclose(centres / width, np.round(centres / width))


def test_estimates_figure_has_a_log_histogram_and_the_exact_line_on_top_of_the_mean():
    dashboard = demand_dashboards.estimates_dashboard(theta=2.5, seed=0)
    fig = dashboard.figure()
    ax_hist, ax_mean = fig.axes[:2]
    assert ax_hist.get_yscale() == "log"
    low, high = ax_hist.get_xlim()
    view = dashboard.compute(theta=2.5)
    assert low < view.estimates.min()
    assert high > view.estimates.max()
    labelled = {line.get_label().split()[0]: line for line in ax_hist.get_lines()}
    mean_line, exact_line = labelled["mean"], labelled["exact"]
    assert exact_line.get_zorder() > mean_line.get_zorder()
    assert exact_line.get_linestyle() != mean_line.get_linestyle()
    assert "kicks" in ax_hist.get_title()
    assert ax_mean.get_xscale() == "log"
    # the band ends at the mean ± 2 standard errors of all M estimates
    band = ax_mean.collections[0].get_paths()[0].vertices
    at_end = band[np.isclose(band[:, 0], view.estimates.size), 1]
    assert np.allclose(sorted({round(v, 12) for v in at_end}),
                       [view.mean - 2 * view.standard_error, view.mean + 2 * view.standard_error])


# --- one episode's update, the immediate terms, ε-greedy ------------------------------------------


def test_episode_update_follows_sutton_and_barto_per_step():
    p, actions, rewards = np.array([-1.0, 1.0, 1.0]), np.array([0, 0, 1]), np.array([0.5, -0.5, 1.0])
    rows = demand.episode_update(0.5, p, actions, rewards, alpha=0.1, gamma=0.9)
    G = [0.5 + 0.9 * (-0.5) + 0.81 * 1.0, -0.5 + 0.9 * 1.0, 1.0]
    theta = 0.5
    for t, row in enumerate(rows):
        more = 1 / (1 + np.exp(-theta * p[t]))
        assert row.theta_before == pytest.approx(theta)
        assert abs(row.G - G[t]) < 1e-12
        assert row.prob == pytest.approx(more if actions[t] else 1 - more)
        assert row.score == pytest.approx((actions[t] - more) * p[t])
        theta = theta + 0.1 * 0.9**t * G[t] * (actions[t] - more) * p[t]
        assert row.theta_after == pytest.approx(theta)
    table = demand_figures.update_table_markdown(rows)
    assert len(table.splitlines()) == 2 + 3
    with pytest.raises(ValueError, match="actions"):
        demand.episode_update(0.5, p, np.array([0, 2, 1]), rewards, 0.1)
    with pytest.raises(ValueError, match="length"):
        demand.episode_update(0.5, p, actions[:2], rewards, 0.1)
    with pytest.raises(ValueError, match="alpha"):
        demand.episode_update(0.5, p, actions, rewards, 0.0)


def test_episode_arrays_read_one_episode_of_a_batch():
    problem = demand.demand_problem()
    batch = sample_episodes(problem.mdp, problem.policy, np.array([0.5]), problem.inputs, 3,
                            np.random.default_rng(0))
    p, actions, rewards = demand.episode_arrays(batch, 1)
    assert p.shape == actions.shape == rewards.shape == (3,)
    assert np.array_equal(rewards, np.where(actions == 1, p, -p / 2))
    with pytest.raises(ValueError, match="index"):
        demand.episode_arrays(batch, 3)


def test_immediate_terms_are_never_negative():
    terms = demand.immediate_terms(np.linspace(-20, 20, 161))
    assert terms.shape == (161, 12, 2)
    assert terms.min() >= 0.0
    assert terms.max() > 0.5



@pytest.mark.parametrize("theta", [-1.5, 0.0, 0.5, 3.0])
def test_immediate_rewards_alone_give_the_exact_slope_on_average(theta):
    # orders do not move demand, so dropping the later rewards from G_t keeps the estimate unbiased
    problem = demand.demand_problem()
    live = ~problem.mdp.terminal
    pi = problem.policy.table(np.array([theta]), problem.inputs)[live]
    expected_step = np.sum(problem.visits[live, None] * pi * demand.immediate_terms(theta))
    assert expected_step == pytest.approx(exact(theta)[1], abs=1e-12)


def test_epsilon_greedy_probabilities_jump_at_the_tie():
    assert np.allclose(demand.epsilon_greedy_more(np.array([-1e-9, 0.0, 1e-9]), 0.1), [0.05, 0.5, 0.95])
    with pytest.raises(ValueError, match="epsilon"):
        demand.epsilon_greedy_more(0.0, 1.5)


def test_smoothness_comparison_reinforce_glides_and_epsilon_greedy_jumps():
    data = demand.smoothness_comparison(20, np.random.default_rng(0), alpha=0.1, n_runs=50)
    assert data.pi_reinforce.shape == data.pi_greedy.shape == (50, 21, 4)
    assert np.allclose(data.pi_reinforce[:, 0], 0.5)
    assert np.allclose(data.pi_greedy[:, 0], 0.5)
    distance = np.abs(data.pi_greedy[..., None] - np.array([0.05, 0.5, 0.95])).min(axis=-1)
    assert distance.max() < 1e-12
    reinforce_change, greedy_change = data.largest_change()
    assert np.all(greedy_change >= 0.45 - 1e-12)
    assert np.median(reinforce_change) < 0.3
    # a smaller α shrinks REINFORCE's largest changes
    slow = demand.smoothness_comparison(20, np.random.default_rng(0), alpha=0.02, n_runs=50)
    assert np.median(slow.largest_change()[0]) < 0.5 * np.median(reinforce_change)
    # the ε-greedy estimates are sample averages: with ε = 1 (uniform play), q̂(p, MORE) − q̂(p, LESS)
    # estimates the true 1.5 |p| difference of the immediate rewards
    uniform = demand.smoothness_comparison(200, np.random.default_rng(1), epsilon=1.0, n_runs=40)
    diff = uniform.advantage[:, -1] * np.sign(uniform.demand_changes)
    expected = 1.5 * np.abs(uniform.demand_changes)
    se = diff.std(axis=0, ddof=1) / np.sqrt(diff.shape[0])
    assert np.all(np.abs(diff.mean(axis=0) - expected) < 4 * se)



def comparison_with(pi_greedy: np.ndarray, epsilon: float = 0.1) -> demand.SmoothnessComparison:
    n_runs, n_steps, _ = pi_greedy.shape
    zeros = np.zeros_like(pi_greedy)
    return demand.SmoothnessComparison(np.array([-2.0, -1.0, 1.0, 2.0]), zeros + 0.5, pi_greedy, zeros,
                                       np.zeros((n_runs, n_steps)), epsilon)


def test_first_flip_finds_a_jump_of_one_minus_epsilon_and_not_the_first_choice():
    pi = np.full((1, 6, 4), 0.5)
    pi[0, 1:, 0] = 0.05          # leaves the tie: a jump of 0.45, not a flip
    pi[0, 2:, 1] = 0.95
    pi[0, 4:, 1] = 0.05          # 0.95 → 0.05 in episode 4: the flip
    data = comparison_with(pi)
    assert demand.first_flip(data, 0) == (3, 1)
    assert demand.first_flip(comparison_with(np.full((1, 6, 4), 0.5)), 0) is None
    with pytest.raises(ValueError, match="run"):
        demand.first_flip(data, 1)


def test_smoothness_figure_styles_lines_by_size_and_marks_the_flip():
    pi = np.full((1, 31, 4), 0.5)
    pi[0, 1:, 1] = 0.95
    pi[0, 2:, 1] = 0.05
    data = comparison_with(pi)
    _, axes = plt.subplots(1, 3)
    demand_figures.draw_smoothness(data, list(axes), run=0)
    for ax in axes[1:]:
        styles = {line.get_label(): line.get_linestyle() for line in ax.get_lines()}
        assert styles["p = −2"] == styles["p = +2"] == "-"
        assert styles["p = −1"] == styles["p = +1"] == "--"
    notes = [text.get_text() for text in axes[2].texts]
    assert any("0.95 → 0.05" in note and "p = −1" in note and "episode 2" in note for note in notes)


def test_the_notebooks_shown_run_flips_at_p_minus_one():
    # the notebook draws run 0 of this comparison, after one episode drawn from rng = default_rng(2)
    problem = demand.demand_problem()
    rng = np.random.default_rng(2)
    sample_episodes(problem.mdp, problem.policy, np.array([0.5]), problem.inputs, 1, rng)
    data = demand.smoothness_comparison(30, rng, alpha=0.1, epsilon=0.1, n_runs=200)
    k, i = demand.first_flip(data, 0)
    assert data.demand_changes[i] == -1.0
    assert (data.pi_greedy[0, k, i], data.pi_greedy[0, k + 1, i]) == pytest.approx((0.95, 0.05))


def test_return_axes_state_their_unit():
    fig = demand_dashboards.policy_dashboard().figure()
    assert "hundreds of units" in fig.axes[1].get_ylabel()
    fig = demand_dashboards.step_size_dashboard(precompute=False).figure()
    assert "hundreds of units" in fig.axes[0].get_ylabel()


# --- registration ---------------------------------------------------------------------------------


def test_dashboards_registers_three_dashboards_that_draw():
    registered = demand_dashboards.dashboards()
    assert set(registered) == {"policy", "step_size", "estimates"}
    for dashboard in registered.values():
        assert isinstance(dashboard, Dashboard)
        fig = dashboard.figure()
        assert len(fig.axes) >= dashboard.n_panels
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes[:dashboard.n_panels])


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"n_episodes": 0}, "n_episodes"),
    ({"n_episodes": 5, "n_runs": 0}, "n_runs"),
    ({"n_episodes": 5, "epsilon": -0.1}, "epsilon"),
    ({"n_episodes": 5, "alpha": 0.0}, "alpha"),
])
def test_smoothness_comparison_refuses_bad_arguments(kwargs, name):
    n_episodes = kwargs.pop("n_episodes")
    with pytest.raises(ValueError, match=name):
        demand.smoothness_comparison(n_episodes, np.random.default_rng(0), **kwargs)


def test_estimates_and_runs_refuse_bad_counts():
    with pytest.raises(ValueError, match="n_episodes"):
        demand.single_episode_estimates(0.5, n_episodes=0)
    with pytest.raises(ValueError, match="theta"):
        demand.single_episode_estimates(np.inf)
    with pytest.raises(ValueError, match="n_runs"):
        demand.learning_runs(0.1, n_runs=0)
