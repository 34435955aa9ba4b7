"""Notebook 03's quantitative and comparative sentences, recomputed with the notebook's settings.

Each test quotes its sentence and fails if the sentence would be false. Sentences about many
REINFORCE runs recompute them through ``helpers`` (never copying printed digits), so that a change
of the engine's random streams tells whether the sentence still holds; statistical tolerances
come from the number of runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises.grid import FRACTION_RUNS, fraction_tolerance, success_fractions
from helpers.experiments import grid
from helpers.mdp import gradient_terms
from helpers.reinforce import returns_to_go


@pytest.fixture(scope="module")
def problem():
    return grid.grid_problem()


@pytest.fixture(scope="module")
def land():
    return grid.landscape()


def final_J(problem, alpha, n_runs=FRACTION_RUNS):
    """The exact J of the final θ of ``n_runs`` REINFORCE runs of 200 episodes from θ = (0, 0)."""
    return grid.exact_objective(problem, grid.reinforce_paths(alpha, n_runs=n_runs)[:, -1])


# --- section 1: the world ---------------------------------------------------------------------------


def test_every_episode_has_six_steps_and_returns_lie_between_minus_8_and_6(problem):
    """Section 1, as the notebook states it.

    "every episode has exactly T = 6 steps"; "Every return lies between −8 and +6".
    """
    rng = np.random.default_rng(0)
    lengths, returns = [], []
    for _ in range(300):
        theta = rng.normal(scale=5.0, size=2)
        episode = grid.sample_path(problem, theta, rng)
        lengths.append(len(episode.actions))
        returns.append(returns_to_go(episode.rewards)[0])
    assert set(lengths) == {6}
    assert grid.worst_return(problem) == -8
    assert problem.best_return == pytest.approx(6.0)
    assert min(returns) >= -8
    assert max(returns) <= 6


# --- section 2: the policy -------------------------------------------------------------------------


def test_the_three_example_policies(problem):
    """Section 2, as the notebook states it.

    "At (5,−5) the car steers towards the centre from both sides; in the two middle lanes it mostly
    crosses to the other one (right from lane 2, left from lane 3, 0.665 each in the table)"; "At (5, 2)
    ... in the left half ... down wins; in the right half left wins".
    """
    pi = problem.policy.table(np.array([5.0, -5.0]), problem.inputs)[:6]
    left, down, right = range(3)
    assert np.all(pi[:3].argmax(axis=1) == right)
    assert np.all(pi[3:].argmax(axis=1) == left)
    assert f"{pi[2, right]:.3f}" == f"{pi[3, left]:.3f}" == "0.665"
    pi = problem.policy.table(np.array([5.0, 2.0]), problem.inputs)[:6]
    assert np.all(pi[:3].argmax(axis=1) == down)
    assert np.all(pi[3:].argmax(axis=1) == left)


# --- section 3: the landscape -----------------------------------------------------------------------


def test_three_regions_of_the_landscape(land):
    """Section 3, as the notebook states it.

    "a deep, flat basin at the top left (θ1 < 0 < θ2 ...), a broad plateau at the bottom right around
    J ≈ 4.3, and the highest ground at the top right".
    """
    t1, t2 = np.meshgrid(land.theta1, land.theta2)
    basin = (t1 < -5) & (t2 > 10)
    plateau = (t1 > 20) & (t2 < -15)
    top_right = (t1 > 20) & (t2 > 5)
    assert land.J[basin].max() < -4
    start = np.linalg.norm(grid.exact_objective_and_gradient(grid.grid_problem(), np.zeros((1, 2))).gradient)
    assert np.linalg.norm(land.gradient[basin], axis=-1).max() < start / 5  # flat
    assert land.J[plateau].min() > 4.0
    assert land.J[plateau].max() < 4.6
    assert np.unravel_index(np.argmax(land.J), land.J.shape) in list(zip(*np.nonzero(top_right), strict=True))


def test_J_along_rays(problem):
    """Section 3, as the notebook states it.

    "J approaches the best possible value J* = 6 ... along every ray strictly inside the cone θ1 > θ2 > 0";
    "along θ = (r, 5) or (r, r−5) the table shows J stuck near 5.326 and 4.890"; "steer back to the centre
    ... only reaches about 4.28"; "a constant feature ... tops out near 3.47".
    """
    radii = np.array([1e3, 1e4])
    inside = grid.objective_along_rays(np.array([(2.0, 1.0), (3.0, 2.0), (5.0, 1.0)]), radii)
    assert np.all(inside[:, -1] > 5.99)
    stuck = grid.exact_objective(problem, np.array([(1e3, 5.0), (1e4, 5.0), (1e3, 995.0), (1e4, 9995.0)]))
    assert f"{stuck[0]:.3f}" == f"{stuck[1]:.3f}" == "5.326"
    assert f"{stuck[2]:.3f}" == f"{stuck[3]:.3f}" == "4.890"
    centre = grid.objective_along_rays(np.array([(1.0, -1.0)]), radii)[0]
    assert f"{centre[-1]:.2f}" == "4.28"
    constant = grid.landscape("constant")
    assert f"{constant.J.max():.2f}" == "3.47"
    assert f"{grid.grid_problem('constant').best_return:.0f}" == "6"


def test_the_best_move_in_lane_2_is_down(problem):
    """Section 3, as the notebook states it.

    "steering right out of lane 2 lets the wind carry the car into lane 4 three times out of ten. With the
    wind pushing right, the best move in lane 2 is straight down".
    """
    mdp = problem.mdp
    v = np.zeros(mdp.n_states)
    for _ in range(mdp.n_states):  # backward induction: the road is a DAG
        q = mdp.R + mdp.gamma * mdp.P @ v
        q[mdp.terminal] = 0.0
        v = q.max(axis=1)
    env = problem.env
    for row in range(env.n_rows - 2):  # rows where what follows still matters
        s = row * env.n_cols + 2
        assert q[s].argmax() == 1, (row, q[s])
    assert env.wind == pytest.approx(0.3)


# --- section 4: REINFORCE's paths (10 runs per α in the figure; 200 runs for frequencies) ----------


def test_small_alpha_crawls_along_the_exact_ascent():
    """Section 4, as the notebook states it.

    "Small α (0.03): crawling. The runs hug the exact ascent, a few units from the start in a box 50 wide;
    after 200 episodes their J is within a few tenths of the ascent's 2.9".
    """
    data = grid.paths_view(10**-1.5)
    assert f"{data.ascent_J[-1]:.1f}" == "2.9"
    assert np.abs(data.J[:, -1] - data.ascent_J[-1]).max() < 0.5
    assert np.linalg.norm(data.paths[:, -1], axis=1).max() < 10
    assert np.linalg.norm(data.paths[:, -1] - data.ascent[-1], axis=1).max() < 2


def test_medium_alpha_reaches_the_plateau(problem):
    """Section 4, as the notebook states it.

    "Medium α (0.3): a noisy ascent. The runs scatter around the black line and reach the plateau near
    J ≈ 4.2. There the landscape is nearly flat".
    """
    data = grid.paths_view(10**-0.5)
    assert np.sum(data.J[:, -1] >= 4.0) >= 8
    assert abs(data.J[:, -1].mean() - 4.2) < 0.15
    gradient_end = grid.exact_objective_and_gradient(problem, data.paths[:, -1]).gradient
    gradient_start = grid.exact_objective_and_gradient(problem, np.zeros((1, 2))).gradient[0]
    assert np.median(np.linalg.norm(gradient_end, axis=1)) < np.linalg.norm(gradient_start) / 3


def test_large_alpha_outcomes_are_luck(problem):
    """Section 4, as the notebook states it.

    "Where a run ends is luck: the plateau of "steer to the centre" (J ≈ 4.3) or higher ground towards the
    cone; an unlucky early episode can throw a run into the basin on the left (J ≈ −5.6) for good, and a
    climb towards the cone can slide back"; "The exact ascent with the same α climbs to 5.7".

    200 runs at α = 3.16: each outcome must occur.
    """
    paths = grid.reinforce_paths(10**0.5, n_runs=FRACTION_RUNS)
    J = grid.exact_objective(problem, paths.reshape(-1, 2)).reshape(paths.shape[:2])
    final = J[:, -1]
    assert np.mean((final > 4.0) & (final < 4.6)) > 0.2  # the plateau
    assert np.any(final > 5.0)  # higher ground
    stuck = np.all(J[:, -100:] < -5, axis=1)  # in the basin for good: its last 100 episodes
    assert stuck.any()
    assert abs(np.median(final[stuck]) + 5.6) < 0.1
    assert np.any((J.max(axis=1) > 5.0) & (final < 4.6))  # climbed, then slid back
    assert f"{grid.paths_view(10**0.5).ascent_J[-1]:.1f}" == "5.7"


def test_large_alpha_policies_turn_deterministic_fast_and_late_steps_are_short(problem):
    """Section 4 and Going deeper, as the notebook states them.

    "Single steps as long as the whole box: within a few episodes each policy is nearly deterministic";
    "In the large-α panel the late steps are a fraction of the first ones, on ground so flat that J hardly
    changes"; "some are tens of units long, comparable to the whole box, and several runs end outside it";
    "Where the runs end, |∇J| is a small fraction of its value at the start".
    """
    large = grid.paths_view(10**0.5)
    moves = np.linalg.norm(np.diff(large.paths, axis=1), axis=2)
    assert moves.max() > 25
    ends = large.paths[:, -1]
    outside = ((ends[:, 0] < grid.THETA1_LIMITS[0]) | (ends[:, 0] > grid.THETA1_LIMITS[1])
               | (ends[:, 1] < grid.THETA2_LIMITS[0]) | (ends[:, 1] > grid.THETA2_LIMITS[1]))
    assert outside.sum() >= 2
    largest = [np.mean([problem.policy.table(th, problem.inputs)[:6].max(axis=1) for th in large.paths[:, k]])
               for k in (1, 3, 10)]
    assert largest[1] > 0.85
    assert largest[2] >= largest[1] - 0.02
    assert moves[:, -50:].mean() < moves[:, :10].mean() / 4
    assert np.abs(large.J[:, -1] - large.J[:, -51]).mean() < 0.1
    gradient_end = grid.exact_objective_and_gradient(problem, ends).gradient
    gradient_start = grid.exact_objective_and_gradient(problem, np.zeros((1, 2))).gradient[0]
    assert np.median(np.linalg.norm(gradient_end, axis=1)) < np.linalg.norm(gradient_start) / 10


def test_at_alpha_10_luck_decides(problem):
    """Going deeper, as the notebook states it.

    "At α = 10 a lucky run can even land deep in the cone, J ≈ 6, while an unlucky one lands in the
    basin".
    """
    final = final_J(problem, 10.0)
    assert final.max() > 5.9
    assert final.min() < -5


def test_exercise_3_solution_shape_of_the_fractions():
    """Exercise 3's worked solution, as the notebook states it.

    "α = 1 gets (almost) every run to J ≥ 4 within 200 episodes; α = 0.3 leaves a few still crawling;
    from α = 3 on, one unlucky early episode can throw a run into a flat corner ...: about one run in five
    at α = 10". Tolerances: four standard errors of each fraction over 200 runs.
    """
    fractions = success_fractions()  # α = 0.3, 1, 3, 10
    tolerance = fraction_tolerance(fractions)
    assert fractions[1] > 0.95
    assert fractions[1] >= fractions[0]
    assert fractions[1] >= fractions[2]
    assert fractions[0] < 1.0  # a few still crawling
    assert abs((1 - fractions[3]) - 0.2) < max(tolerance[3], 0.02)


# --- section 5: the γ^t factor ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def discount():
    comparison = grid.discount_comparison(np.zeros(2), 20_000, np.random.default_rng(31), gamma=0.9)
    gammas = np.linspace(0.5, 1.0, 51)
    return comparison, gammas, *grid.discount_bias_curve(np.zeros(2), gammas)


def test_with_gamma_t_unbiased_without_biased(discount):
    """Section 5, as the notebook states it.

    "With γ^t the sample mean sits on the exact gradient, within about one standard error ... Without it
    the mean is off by many standard errors, and it sits exactly where the formula with undiscounted
    visits says" (20,000 episodes, another seed; within 3.5 standard errors, or beyond 5).
    """
    comparison = discount[0]
    z_with, z_without = comparison.z_scores()
    assert np.all(np.abs(z_with) < 3.5)
    assert np.all(np.abs(z_without) > 5)
    mean, se = comparison.mean_and_se(comparison.without_discount)
    assert np.all(np.abs((mean - comparison.undiscounted_visits) / se) < 3.5)


def test_how_much_the_missing_factor_costs(discount):
    """Section 5 and its Going deeper (when the missing γ^t matters), as the notebook states them.

    "here γ^5 = 0.59 at γ = 0.9 and the bias is 28%"; "1.28 times too long at γ = 0.9, 3.82 times at
    γ = 0.5 ... with a turn of only a few degrees (at most 6.4°)"; "At γ = 1 the two weightings are the
    same"; "The bias grows as γ^t falls".
    """
    _, gammas, relative_bias, length_ratio, angle = discount
    at = {g: int(np.argmin(np.abs(gammas - g))) for g in (0.5, 0.9, 1.0)}
    assert f"{0.9**5:.2f}" == "0.59"
    assert f"{100 * relative_bias[at[0.9]]:.0f}" == "28"
    assert f"{length_ratio[at[0.9]]:.2f}" == "1.28"
    assert f"{length_ratio[at[0.5]]:.2f}" == "3.82"
    assert f"{angle.max():.1f}" == "6.4"
    assert relative_bias[at[1.0]] < 1e-9
    assert np.all(np.diff(relative_bias) < 0)  # γ from 0.5 up to 1: the bias shrinks


# --- section 6: the state form ----------------------------------------------------------------------


def test_state_form_is_parallel_and_six_times_shorter(problem):
    """Section 6, as the notebook states it.

    "The state-form sum points exactly along ∇J (cosine 1), and is exactly 6 = T times shorter ...
    Σ_s η(s) = 6 whatever θ is"; "right is the likeliest action in the left half at this θ, 0.52 in the
    start lane"; "The term of row 5 ... is exactly zero".
    """
    for theta in (np.array([5.0, -2.0]), np.array([-3.0, 7.0]), np.array([20.0, 10.0])):
        terms = gradient_terms(problem.mdp, problem.policy, theta, problem.inputs)
        np.testing.assert_allclose(terms.gradient, 6.0 * terms.state_sum, rtol=1e-9, atol=1e-12)
        assert terms.episode_length == pytest.approx(6.0)
        rows = grid.time_step_terms(problem, terms)
        np.testing.assert_allclose(rows[-1], 0.0, atol=1e-12)
        np.testing.assert_allclose(rows.sum(axis=0), terms.gradient, atol=1e-12)
    terms = gradient_terms(problem.mdp, problem.policy, np.array([5.0, -2.0]), problem.inputs)
    left_half = terms.pi[:3]
    assert np.all(left_half.argmax(axis=1) == 2)
    assert f"{terms.pi[2, 2]:.2f}" == "0.52"


def test_the_car_drifts_mostly_to_lane_3(problem):
    """Section 6, as the notebook states it.

    "each row holds 1/6 of the time, the start cell all of row 0's; below it, the policy ... and the wind
    move the car to the right, mostly to lane 3".
    """
    terms = gradient_terms(problem.mdp, problem.policy, np.array([5.0, -2.0]), problem.inputs)
    mu = terms.mu[: 6 * problem.env.n_cols].reshape(6, problem.env.n_cols)
    np.testing.assert_allclose(mu.sum(axis=1), 1 / 6, atol=1e-12)
    assert mu[0, 2] == pytest.approx(1 / 6)
    assert mu[1].argmax() == 3
    assert mu[1:].sum(axis=0).argmax() == 3


# --- section 7: batch against per-episode updates ---------------------------------------------------


def test_a_batch_of_ten_is_about_root_ten_less_noisy():
    """Section 7, as the notebook states it.

    "ĝ^(m) and ĝ have the same mean, ∇J(θ); the average's standard deviation is √M times smaller"
    (400 points each, another seed; the standard deviations' ratio within 20% of √10).
    """
    clouds = grid.update_clouds(np.zeros(2), n_points=400, batch_size=10, rng=np.random.default_rng(77))
    ratio = clouds.single.std(axis=0, ddof=1) / clouds.batch.std(axis=0, ddof=1)
    assert np.all(np.abs(ratio / np.sqrt(10) - 1) < 0.2), ratio
    for points in (clouds.single, clouds.batch):
        se = points.std(axis=0, ddof=1) / np.sqrt(len(points))
        assert np.all(np.abs(points.mean(axis=0) - clouds.exact) < 4 * se)


def test_per_episode_and_batch_end_in_about_the_same_place(problem):
    """Section 7, as the notebook states it.

    "per episode played, the two end up in about the same place, the batch runs with a slightly larger
    spread" (the notebook's 200 runs each: mean J within 3 standard errors of the difference; the ends'
    spread larger for the batch, but less than 1.5 times).
    """
    single = grid.reinforce_paths(0.2, n_runs=200, n_episodes=100, seed=11)
    batch = grid.reinforce_paths(2.0, n_runs=200, n_episodes=100, seed=12, update="batch", batch_size=10)
    J_single, J_batch = (grid.exact_objective(problem, paths[:, -1]) for paths in (single, batch))
    se = np.sqrt(J_single.var(ddof=1) / 200 + J_batch.var(ddof=1) / 200)
    assert abs(J_single.mean() - J_batch.mean()) < 3 * se
    ratio = batch[:, -1].std(axis=0, ddof=1) / single[:, -1].std(axis=0, ddof=1)
    assert 1.0 < np.sqrt(ratio.prod()) < 1.5, ratio
