"""Notebook 03's mathematics on the windy highway: landscape, gradient, state form, γ^t, REINFORCE."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.envs import WindyHighway
from helpers.experiments import grid
from helpers.figures import grid as grid_figures
from helpers.mdp import exact_gradient, finite_difference_gradient, gradient_terms, objective
from helpers.policies import SoftmaxLinearPolicy
from helpers.reinforce import reinforce_estimates, sample_episodes

THETAS = np.array([[0.0, 0.0], [5.0, -2.0], [10.0, 10.0], [25.0, -5.0], [-7.5, 12.0], [30.0, 20.0]])


def fresh(feature: str = "offset", gamma: float = 1.0):
    """The road, policy and inputs built directly from helpers.envs (not through the module's cache)."""
    env = WindyHighway(gamma=gamma)
    return env.tabular(), SoftmaxLinearPolicy(3, 2), env.policy_inputs(feature)


# --- the exact landscape ------------------------------------------------------------------------


@pytest.mark.parametrize("theta", THETAS)
def test_exact_gradient_equals_finite_differences_of_J(theta):
    mdp, policy, x = fresh()
    numeric = finite_difference_gradient(lambda th: objective(mdp, policy, th, x), theta, eps=1e-5)
    batched = grid.exact_objective_and_gradient(grid.grid_problem(), theta[None]).gradient[0]
    np.testing.assert_allclose(exact_gradient(mdp, policy, theta, x), numeric, atol=1e-8)
    np.testing.assert_allclose(batched, numeric, atol=1e-8)


@pytest.mark.parametrize(("feature", "gamma"), [("offset", 1.0), ("constant", 1.0), ("offset", 0.9)])
def test_vectorised_landscape_equals_helpers_mdp_point_by_point(feature, gamma):
    land = grid.landscape(feature, gamma, theta1_limits=(-6.0, 12.0), theta2_limits=(-9.0, 9.0),
                          resolution=7)
    mdp, policy, x = fresh(feature, gamma)
    assert land.J.shape == (7, 7)
    assert land.gradient.shape == (7, 7, 2)
    for j, theta2 in enumerate(land.theta2):
        for i, theta1 in enumerate(land.theta1):
            theta = np.array([theta1, theta2])
            assert land.J[j, i] == pytest.approx(objective(mdp, policy, theta, x), abs=1e-12)
            np.testing.assert_allclose(land.gradient[j, i], exact_gradient(mdp, policy, theta, x),
                                       atol=1e-12)


@pytest.mark.parametrize("theta", THETAS[:3])
def test_states_left_out_of_the_stacked_solves_are_never_visited(theta):
    problem = grid.grid_problem()
    solved = problem.solved_states
    assert solved.sum() == 29
    terms = gradient_terms(problem.mdp, problem.policy, theta, problem.inputs)
    left_out = ~solved & ~problem.mdp.terminal
    np.testing.assert_array_equal(terms.eta[left_out], 0.0)
    assert np.all(terms.eta[solved] > 0)


def test_objective_alone_is_the_objective_of_the_full_computation():
    problem = grid.grid_problem()
    np.testing.assert_array_equal(grid.exact_objective(problem, THETAS),
                                  grid.exact_objective_and_gradient(problem, THETAS).J)


def test_notebook_landscape_is_cached_read_only_and_spans_the_box():
    land = grid.landscape()
    assert land is grid.landscape()
    assert land.J.shape == (grid.RESOLUTION, grid.RESOLUTION)
    assert (land.theta1[0], land.theta1[-1]) == grid.THETA1_LIMITS
    assert (land.theta2[0], land.theta2[-1]) == grid.THETA2_LIMITS
    with pytest.raises(ValueError, match="read-only"):
        land.J[0, 0] = 0.0
    mdp, policy, x = fresh()
    j, i = int(np.argmin(np.abs(land.theta2))), int(np.argmin(np.abs(land.theta1)))  # θ = (0, 0)
    assert (land.theta1[i], land.theta2[j]) == (0.0, 0.0)
    assert land.J[j, i] == pytest.approx(objective(mdp, policy, np.zeros(2), x), abs=1e-12)


def test_J_stays_below_the_best_return_and_gradient_ascent_never_stops():
    problem = grid.grid_problem()
    land = grid.landscape()
    assert problem.best_return == pytest.approx(6.0, abs=1e-12)  # every step in a +1 lane
    assert land.J.max() < problem.best_return
    assert np.all(np.linalg.norm(land.gradient, axis=-1) > 0)


def test_the_supremum_is_at_infinity_inside_the_cone_and_steering_to_the_centre_is_worse():
    radii = np.array([1000.0])
    inside = [(np.cos(a), np.sin(a)) for a in np.radians([10.0, 25.0, 40.0])]
    J_inside = grid.objective_along_rays(np.array(inside), radii)[:, 0]
    assert np.all(J_inside > 6.0 - 1e-3)
    centre, edge, outward = grid.objective_along_rays(np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]),
                                                      radii)[:, 0]
    assert centre == pytest.approx(4.284, abs=1e-3)
    assert edge < 5.0
    assert outward < -5.0
    # the limit policy in the cone: down in the left half, left in the right half
    problem = grid.grid_problem()
    pi = problem.policy.table(np.array([200.0, 100.0]), problem.inputs)[: problem.shape[1]]
    np.testing.assert_allclose(pi.argmax(axis=1), [1, 1, 1, 0, 0, 0])


def test_inside_the_cone_is_not_enough_both_theta_2_and_the_gap_must_grow():
    problem = grid.grid_problem()
    r = np.array([1e3, 1e4])
    J_fixed_theta2 = grid.exact_objective(problem, np.stack([r, np.full(2, 5.0)], axis=1))
    J_fixed_gap = grid.exact_objective(problem, np.stack([r, r - 5.0], axis=1))
    J_both_grow = grid.exact_objective(problem, np.stack([r, np.sqrt(r)], axis=1))
    np.testing.assert_allclose(J_fixed_theta2, 5.326, atol=1e-3)  # θ₂ fixed: the left half stays random
    np.testing.assert_allclose(J_fixed_gap, 4.890, atol=1e-3)  # θ₁ − θ₂ fixed: the right half stays random
    assert J_both_grow[0] < J_both_grow[1]
    assert J_both_grow[1] > 6.0 - 1e-6


def test_rays_are_normalised_so_that_r_is_the_length_of_theta():
    problem = grid.grid_problem()
    along = grid.objective_along_rays(np.array([[2.0, 1.0]]), np.array([10.0]))[0, 0]
    at = grid.exact_objective(problem, np.array([[20.0, 10.0], 10 * np.array([[2.0, 1.0]])[0] / np.sqrt(5)]))
    assert along == pytest.approx(at[1], abs=1e-12)
    assert along == pytest.approx(3.143, abs=1e-3)
    assert at[0] == pytest.approx(4.981, abs=1e-3)


def test_worst_return_is_minus_eight_and_episodes_reach_it_but_never_go_below():
    problem = grid.grid_problem()
    assert grid.worst_return(problem) == -8.0
    # always left: +1 in the start lane, -1 in lane 1, then -2 four times in lane 0 unless the wind blows
    rng = np.random.default_rng(0)
    returns = [grid.sample_path(problem, np.array([-200.0, 200.0]), rng).rewards.sum() for _ in range(200)]
    assert min(returns) == -8.0
    assert problem.env.lane_rewards[[2, 1, 0, 0, 0, 0]].sum() == -8.0


def test_wind_steps_marks_exactly_the_steps_that_end_one_lane_right_of_the_action():
    problem = grid.grid_problem()
    rng = np.random.default_rng(5)
    n_windy = n_steps = 0
    for _ in range(300):
        episode = grid.sample_path(problem, np.zeros(2), rng)
        windy = grid.wind_steps(problem, episode)
        _, lanes = problem.env.position(episode.states)
        moves = np.array([-1, 0, 1])[episode.actions]
        intended = np.clip(lanes[:-1] + moves, 0, problem.shape[1] - 1)
        np.testing.assert_array_equal(lanes[1:][~windy], intended[~windy])
        np.testing.assert_array_equal(lanes[1:][windy], intended[windy] + 1)
        n_windy += windy.sum()
        n_steps += len(windy)
    # the wind blows with probability 0.3 but cannot push through the right wall:
    # under the uniform policy the rate is a bit below 0.3 (4 standard errors of a proportion)
    rate, se = n_windy / n_steps, np.sqrt(0.3 * 0.7 / n_steps)
    assert 0.2 < rate < 0.3 + 4 * se


def test_constant_feature_cannot_beat_always_going_down():
    land = grid.landscape("constant")
    always_down = grid.objective_along_rays(np.array([[-1.0, -1.0]]), np.array([1000.0]), "constant")[0, 0]
    assert always_down == pytest.approx(3.474, abs=1e-3)
    assert land.J.max() <= always_down + 1e-9


# --- the theorem's state form -------------------------------------------------------------------


@pytest.mark.parametrize("theta", THETAS)
def test_state_form_sum_is_parallel_to_grad_J_with_the_episode_length_as_constant(theta):
    problem = grid.grid_problem()
    terms = gradient_terms(problem.mdp, problem.policy, theta, problem.inputs)
    assert terms.episode_length == pytest.approx(problem.shape[0] - 1, abs=1e-12)
    np.testing.assert_allclose(terms.gradient, (problem.shape[0] - 1) * terms.state_sum, rtol=1e-10,
                               atol=1e-14)
    lengths = np.linalg.norm(terms.gradient) * np.linalg.norm(terms.state_sum)
    cosine = terms.gradient @ terms.state_sum / lengths
    assert cosine == pytest.approx(1.0, abs=1e-12)


def test_row_terms_add_up_to_grad_J_and_the_last_row_contributes_nothing():
    problem = grid.grid_problem()
    terms = gradient_terms(problem.mdp, problem.policy, np.array([5.0, -2.0]), problem.inputs)
    rows = grid.time_step_terms(problem, terms)
    assert rows.shape == (problem.shape[0] - 1, 2)
    np.testing.assert_allclose(rows.sum(axis=0), terms.gradient, atol=1e-14)
    np.testing.assert_allclose(rows[-1], 0.0, atol=1e-14)
    assert np.all(np.linalg.norm(rows[:-1], axis=1) > 1e-3)


# --- sampled gradients ----------------------------------------------------------------------------


@pytest.mark.parametrize("theta", [np.array([0.0, 0.0]), np.array([5.0, -2.0]), np.array([2.0, 3.0])])
def test_mean_reinforce_estimate_matches_the_exact_gradient_within_four_standard_errors(theta):
    problem = grid.grid_problem()
    n = 20_000
    batch = sample_episodes(problem.mdp, problem.policy, theta, problem.inputs, n, np.random.default_rng(7))
    estimates = reinforce_estimates(problem.policy, theta, problem.inputs, batch)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(n)
    exact = exact_gradient(problem.mdp, problem.policy, theta, problem.inputs)
    assert np.all(np.abs(estimates.mean(axis=0) - exact) < 4 * se)


def test_with_gamma_t_the_estimate_is_unbiased_and_without_it_biased_by_many_standard_errors():
    comparison = grid.discount_comparison(np.zeros(2), 20_000, np.random.default_rng(11), gamma=0.9)
    mdp, policy, x = fresh(gamma=0.9)
    np.testing.assert_allclose(comparison.exact, exact_gradient(mdp, policy, np.zeros(2), x), atol=1e-12)
    z_with, z_without = comparison.z_scores()
    assert np.all(np.abs(z_with) < 4)
    assert np.max(np.abs(z_without)) > 8
    # and without γ^t it is unbiased for the sum with undiscounted visits
    mean, se = comparison.mean_and_se(comparison.without_discount)
    assert np.all(np.abs(mean - comparison.undiscounted_visits) < 4 * se)


def test_dropping_gamma_t_costs_nothing_at_gamma_one_and_more_as_gamma_falls():
    gammas = np.array([1.0, 0.99, 0.9, 0.7, 0.5])
    relative, ratio, angle = grid.discount_bias_curve(np.zeros(2), gammas)
    assert relative[0] == pytest.approx(0.0, abs=1e-12)
    assert ratio[0] == pytest.approx(1.0)
    assert np.all(np.diff(relative) > 0)
    assert ratio[2] == pytest.approx(1.28, abs=0.01)  # the 28% the notebook reports at γ = 0.9
    assert np.all(angle < 10.0)


def test_batch_averages_keep_the_mean_and_shrink_the_spread():
    clouds = grid.update_clouds(np.zeros(2), 400, 10, np.random.default_rng(5))
    for points in (clouds.single, clouds.batch):
        se = points.std(axis=0, ddof=1) / np.sqrt(len(points))
        assert np.all(np.abs(points.mean(axis=0) - clouds.exact) < 4 * se)
    ratio = clouds.single.std(axis=0, ddof=1) / clouds.batch.std(axis=0, ddof=1)

    def relative_se_of_sd(points: np.ndarray) -> np.ndarray:
        # a sample SD from n points has relative standard error sqrt((kurtosis - 1) / (4 n))
        centred = points - points.mean(axis=0)
        kurtosis = (centred**4).mean(axis=0) / (centred**2).mean(axis=0) ** 2
        return np.sqrt((kurtosis - 1) / (4 * len(points)))

    tolerance = 4 * np.hypot(relative_se_of_sd(clouds.single), relative_se_of_sd(clouds.batch))
    assert np.all(np.abs(ratio / np.sqrt(10) - 1) < tolerance)
    assert np.all(tolerance < 0.5)  # the test can fail: the tolerance is far below a factor sqrt(10)


# --- learning runs and episodes ------------------------------------------------------------------


def test_reinforce_paths_are_cached_read_only_runs_from_the_origin():
    paths = grid.reinforce_paths(0.3, n_runs=4, n_episodes=20, seed=1)
    assert paths is grid.reinforce_paths(0.3, n_runs=4, n_episodes=20, seed=1)
    assert paths.shape == (4, 21, 2)
    np.testing.assert_array_equal(paths[:, 0], 0.0)
    assert not paths.flags.writeable
    batch = grid.reinforce_paths(3.0, n_runs=4, n_episodes=20, seed=1, update="batch", batch_size=10)
    assert batch.shape == (4, 3, 2)


def test_gradient_ascent_path_takes_exact_gradient_steps():
    path = grid.gradient_ascent_path(0.5, n_steps=3)
    mdp, policy, x = fresh()
    for k in range(3):
        np.testing.assert_allclose(path[k + 1], path[k] + 0.5 * exact_gradient(mdp, policy, path[k], x),
                                   atol=1e-12)


def test_large_steps_lock_runs_in_where_they_land_small_steps_crawl():
    problem = grid.grid_problem()

    def final_J(alpha: float) -> np.ndarray:
        return grid.exact_objective_and_gradient(problem, grid.reinforce_paths(alpha)[:, -1]).J

    assert final_J(10**-1.5).max() < 3.2
    assert final_J(10**-0.5).min() > 4.0
    # large: each run is locked early into a nearly deterministic policy, in different regions
    ends = grid.exact_objective_and_gradient(problem, grid.reinforce_paths(10**0.5)[:, -1])
    start = grid.exact_objective_and_gradient(problem, np.zeros((1, 2)))
    assert np.median(np.linalg.norm(ends.gradient, axis=1)) < 0.03 * np.linalg.norm(start.gradient)
    assert ends.J.max() - ends.J.min() > 1.0
    # exact ascent with the same large step does well: the noise is what hurts
    ascent_end = grid.gradient_ascent_path(10**0.5)[-1]
    assert grid.exact_objective_and_gradient(problem, ascent_end[None]).J[0] > 5.5


def test_sample_path_is_reproducible_and_ends_in_the_finish_row():
    problem = grid.grid_problem()
    first = grid.sample_path(problem, np.array([1.0, -1.0]), np.random.default_rng(4))
    second = grid.sample_path(problem, np.array([1.0, -1.0]), np.random.default_rng(4))
    np.testing.assert_array_equal(first.states, second.states)
    rows, lanes = problem.env.position(first.states)
    np.testing.assert_array_equal(rows, np.arange(problem.shape[0]))
    np.testing.assert_array_equal(first.rewards, problem.env.lane_rewards[lanes[:-1]])
    assert len(first.actions) == problem.shape[0] - 1


def test_snap_alpha_picks_the_nearest_quarter_decade():
    assert grid.snap_alpha(0.3) == pytest.approx(10**-0.5)
    assert grid.snap_alpha(1e-6) == pytest.approx(10**grid.ALPHA_EXPONENTS[0])
    assert grid.snap_alpha(1e6) == pytest.approx(10**grid.ALPHA_EXPONENTS[-1])


def terms_of_a_shorter_road():
    env = WindyHighway(n_rows=5)
    return gradient_terms(env.tabular(), SoftmaxLinearPolicy(3, 2), np.zeros(2), env.policy_inputs())


# --- bad inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "match"), [
    (lambda: grid.grid_problem("lane"), "feature"),
    (lambda: grid.grid_problem(gamma=1.5), "gamma"),
    (lambda: grid.exact_objective_and_gradient(grid.grid_problem(), np.zeros(2)), "thetas"),
    (lambda: grid.exact_objective_and_gradient(grid.grid_problem(), np.array([[np.nan, 0.0]])), "thetas"),
    (lambda: grid.landscape(resolution=1), "resolution"),
    (lambda: grid.landscape(theta1_limits=(3.0, 1.0)), "theta1_limits"),
    (lambda: grid.snap_alpha(0.0), "alpha"),
    (lambda: grid.reinforce_paths(0.1, update="sometimes"), "update"),
    (lambda: grid.gradient_ascent_path(-1.0), "alpha"),
    (lambda: grid.objective_along_rays(np.zeros((1, 2)), np.ones(1)), "directions"),
    (lambda: grid.sample_path(grid.grid_problem(), np.zeros(3), np.random.default_rng(0)), "theta"),
    (lambda: grid.discount_comparison(np.zeros(2), 0, np.random.default_rng(0)), "n_episodes"),
    (lambda: grid.update_clouds(np.zeros(2), 10, 0, np.random.default_rng(0)), "batch_size"),
    (lambda: grid_figures.draw_visits(None, grid.grid_problem(), np.zeros(3)), "values"),
    (lambda: grid_figures.draw_road(None, grid.grid_problem(), pi=np.zeros((6, 3))), "pi"),
    (lambda: grid.policy_view(np.nan, 0.0), "theta1"),
    (lambda: grid.objective_along_rays(np.ones((1, 2)), np.array([np.inf])), "radii"),
    (lambda: grid.time_step_terms(grid.grid_problem(), terms_of_a_shorter_road()), "terms"),
    (lambda: grid_figures.marked_landscape_figure({"A": (100.0, 0.0)}), "points"),
    (lambda: grid_figures.marked_landscape_figure({"A": (1.0, 2.0, 3.0)}), "points"),
])
def test_bad_inputs_raise_value_errors_that_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
