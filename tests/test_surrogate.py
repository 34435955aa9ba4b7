"""Reusing a batch: ratios, naive reuse against importance weighting, PPO's clipped objective."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import surrogate as su
from helpers.envs import DemandEnv, WindyHighway
from helpers.mdp import exact_gradient, finite_difference_gradient, objective
from helpers.policies import SigmoidPolicy, SoftmaxLinearPolicy
from helpers.reinforce import (
    leave_one_out_mean_baseline,
    reinforce,
    reinforce_estimates,
    returns_to_go,
    sample_episodes,
)

EPSILON = 0.2


@pytest.fixture(scope="module")
def grid():
    env = WindyHighway()
    return env.tabular(), SoftmaxLinearPolicy(3, 2), env.policy_inputs("offset")


@pytest.fixture(scope="module")
def grid_batch(grid):
    mdp, policy, x = grid
    theta_old = np.array([0.3, -0.2])
    return theta_old, sample_episodes(mdp, policy, theta_old, x, 20_000, np.random.default_rng(11))


# --- ratios ---------------------------------------------------------------------------------------


def test_ratios_are_one_at_the_old_theta_and_on_padding(grid, grid_batch):
    _mdp, policy, x = grid
    theta_old, batch = grid_batch
    np.testing.assert_array_equal(su.log_ratios(policy, theta_old, theta_old, x, batch), 0.0)
    demand = DemandEnv(horizon=3)
    short = sample_episodes(demand.tabular(), SigmoidPolicy(), np.array([0.5]), demand.policy_inputs(), 50,
                            np.random.default_rng(0))
    ratios = su.importance_ratios(SigmoidPolicy(), np.array([1.5]), np.array([0.5]), demand.policy_inputs(),
                                  short)
    assert np.all(ratios[~short.mask] == 1.0)


def test_trajectory_ratio_is_the_ratio_of_episode_probabilities(grid, grid_batch):
    mdp, policy, x = grid
    theta_old, batch = grid_batch
    theta = np.array([1.0, 0.4])
    rho = su.trajectory_ratios(policy, theta, theta_old, x, batch)
    new, old = policy.table(theta, x), policy.table(theta_old, x)
    for n in range(5):
        s, a = batch.states[n, batch.mask[n]], batch.actions[n, batch.mask[n]]
        # π_θ(τ)/π_θold(τ) with the transition probabilities written in: they cancel
        p_env = np.prod(mdp.P[s[:-1], a[:-1], s[1:]])
        assert rho[n] == pytest.approx(np.prod(new[s, a]) * p_env / (np.prod(old[s, a]) * p_env), rel=1e-12)
    np.testing.assert_allclose(rho, np.prod(su.importance_ratios(policy, theta, theta_old, x, batch), axis=1))


def test_mean_ratio_is_one(grid, grid_batch):
    # E_old[ρ(τ)] = Σ_τ π_θ(τ) = 1, within 4 standard errors
    _mdp, policy, x = grid
    theta_old, batch = grid_batch
    rho = su.trajectory_ratios(policy, np.array([0.8, 0.2]), theta_old, x, batch)
    assert abs(rho.mean() - 1.0) < 4 * rho.std(ddof=1) / np.sqrt(rho.size)


# --- naive reuse is biased, importance weighting is not ---------------------------------------------


@pytest.mark.parametrize("theta", [np.array([0.3, -0.2]), np.array([0.9, -0.6]), np.array([1.2, 0.5])])
@pytest.mark.parametrize("with_baseline", [False, True])
def test_importance_weighted_estimate_is_unbiased(grid, grid_batch, theta, with_baseline):
    mdp, policy, x = grid
    theta_old, batch = grid_batch
    b = leave_one_out_mean_baseline(batch) if with_baseline else None
    estimates = su.importance_weighted_estimates(policy, theta, theta_old, x, batch, baseline=b)
    exact = exact_gradient(mdp, policy, theta, x)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    assert np.all(np.abs(estimates.mean(axis=0) - exact) < 4 * se)


def test_naive_reuse_is_unbiased_only_where_the_batch_was_played(grid, grid_batch):
    mdp, policy, x = grid
    theta_old, batch = grid_batch
    same = su.naive_reuse_estimates(policy, theta_old, x, batch)
    se = same.std(axis=0, ddof=1) / np.sqrt(len(same))
    assert np.all(np.abs(same.mean(axis=0) - exact_gradient(mdp, policy, theta_old, x)) < 4 * se)
    theta = np.array([1.2, 0.5])
    moved = su.naive_reuse_estimates(policy, theta, x, batch)
    se = moved.std(axis=0, ddof=1) / np.sqrt(len(moved))
    gap = np.abs(moved.mean(axis=0) - exact_gradient(mdp, policy, theta, x))
    assert np.max(gap / se) > 10  # far outside the noise: a bias


# --- the clipped objective -------------------------------------------------------------------------------


@pytest.mark.parametrize("advantage", [1.5, -0.7])
def test_clipped_objective_at_the_clip_edges_and_beyond(advantage):
    low, high = 1 - EPSILON, 1 + EPSILON
    for r in (low, high, 1.0):  # at the edges both terms agree: r Â
        assert su.clipped_objective(r, advantage, EPSILON) == pytest.approx(r * advantage)
    r = np.array([0.0, 0.5, low, 0.95, 1.0, 1.05, high, 1.5, 3.0])
    L = su.clipped_objective(r, advantage, EPSILON)
    definition = np.minimum(r * advantage, np.clip(r, low, high) * advantage)
    np.testing.assert_allclose(L, definition)
    if advantage > 0:  # capped above 1 + ε, follows r Â below
        np.testing.assert_allclose(L[r >= high], high * advantage)
        np.testing.assert_allclose(L[r <= high], r[r <= high] * advantage)
    else:  # capped below 1 - ε, follows r Â above
        np.testing.assert_allclose(L[r <= low], low * advantage)
        np.testing.assert_allclose(L[r >= low], r[r >= low] * advantage)


@pytest.mark.parametrize("advantage", [1.5, -0.7])
def test_clipped_slope_is_zero_where_clipped_and_matches_differences(advantage):
    r = np.array([0.1, 0.5, 0.79, 0.85, 1.0, 1.15, 1.21, 1.6, 2.5])  # away from the kinks
    slope = su.clipped_objective_slope(r, advantage, EPSILON)
    h = 1e-6
    differences = (su.clipped_objective(r + h, advantage, EPSILON)
                   - su.clipped_objective(r - h, advantage, EPSILON)) / (2 * h)
    np.testing.assert_allclose(slope, differences, atol=1e-6)
    clipped = (r > 1 + EPSILON) if advantage > 0 else (r < 1 - EPSILON)
    assert np.all(slope[clipped] == 0.0)
    assert np.all(slope[~clipped] == advantage)
    # at the edges: the slope from inside the interval
    assert su.clipped_objective_slope(1 + EPSILON, advantage, EPSILON) == advantage
    assert su.clipped_objective_slope(1 - EPSILON, advantage, EPSILON) == advantage


def surrogate_value(policy, theta, theta_old, x, batch, advantages):
    """Σ_n Σ_t L^CLIP(r_t, Â_t), the objective whose gradient clipped_surrogate_gradients sums per episode."""
    r = su.importance_ratios(policy, theta, theta_old, x, batch)
    return float(np.sum(su.clipped_objective(r, advantages, EPSILON) * batch.mask))


def test_clipped_gradient_is_reinforce_at_the_old_theta_and_the_derivative_elsewhere(grid):
    mdp, policy, x = grid
    theta_old = np.array([0.3, -0.2])
    batch = sample_episodes(mdp, policy, theta_old, x, 40, np.random.default_rng(3))
    b = leave_one_out_mean_baseline(batch)
    advantages = (returns_to_go(batch.rewards) - b) * batch.mask
    at_old = su.clipped_surrogate_gradients(policy, theta_old, theta_old, x, batch, advantages, EPSILON)
    reinforce_at_old = reinforce_estimates(policy, theta_old, x, batch, baseline=b)
    np.testing.assert_allclose(at_old, reinforce_at_old, atol=1e-12)
    for theta in (np.array([0.45, -0.1]), np.array([1.5, 0.8])):
        analytic = su.clipped_surrogate_gradients(policy, theta, theta_old, x, batch, advantages,
                                                  EPSILON).sum(axis=0)
        numeric = finite_difference_gradient(
            lambda th: surrogate_value(policy, th, theta_old, x, batch, advantages), theta, eps=1e-7)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


def test_training_step_is_T_times_the_gradient_of_the_papers_step_average(grid):
    # The notebook's claim: Schulman et al.'s L^CLIP averages over the batch's steps; the code
    # averages over episodes each episode's sum, which on the grid (every episode T = 6 steps)
    # is 6 L^CLIP: the same direction, a step six times larger.
    mdp, policy, x = grid
    theta_old = np.array([0.3, -0.2])
    batch = sample_episodes(mdp, policy, theta_old, x, 40, np.random.default_rng(5))
    assert np.all(batch.lengths == 6)
    advantages = (returns_to_go(batch.rewards) - leave_one_out_mean_baseline(batch)) * batch.mask
    theta = np.array([0.9, -0.6])

    def step_average(th):
        r = su.importance_ratios(policy, th, theta_old, x, batch)
        return float(np.sum(su.clipped_objective(r, advantages, EPSILON) * batch.mask) / batch.mask.sum())

    grads = su.clipped_surrogate_gradients(policy, theta, theta_old, x, batch, advantages, EPSILON)
    code_step = grads.mean(axis=0)
    numeric = finite_difference_gradient(step_average, theta, eps=1e-7)
    np.testing.assert_allclose(code_step, 6 * numeric, rtol=1e-5, atol=1e-6)


def test_clipped_gradient_vanishes_when_every_step_is_clipped(grid):
    mdp, policy, x = grid
    theta_old = np.zeros(2)
    batch = sample_episodes(mdp, policy, theta_old, x, 30, np.random.default_rng(4))
    theta = np.array([2.0, -1.0])
    r = su.importance_ratios(policy, theta, theta_old, x, batch)
    # choose each step's advantage so that its ratio is outside the range on the side it favours
    advantages = np.where(r > 1 + EPSILON, 1.0, np.where(r < 1 - EPSILON, -1.0, 0.0)) * batch.mask
    assert np.count_nonzero(advantages) > 50
    grads = su.clipped_surrogate_gradients(policy, theta, theta_old, x, batch, advantages, EPSILON)
    np.testing.assert_array_equal(grads, 0.0)


# --- exact J for many θ, and training -------------------------------------------------------------------


def test_objectives_match_the_one_theta_solver(grid):
    mdp, policy, x = grid
    thetas = np.random.default_rng(0).normal(size=(3, 4, 2)) * 3
    J = su.objectives(mdp, policy, thetas, x)
    assert J.shape == (3, 4)
    for index in np.ndindex(3, 4):
        assert J[index] == pytest.approx(objective(mdp, policy, thetas[index], x), abs=1e-10)
    demand = DemandEnv()
    assert su.objectives(demand.tabular(), SigmoidPolicy(), np.array([0.7]), demand.policy_inputs()) == \
        pytest.approx(objective(demand.tabular(), SigmoidPolicy(), np.array([0.7]), demand.policy_inputs()))


def test_one_update_per_batch_is_batch_reinforce_with_the_mean_baseline(grid):
    mdp, policy, x = grid
    history = su.train_with_reuse(mdp, policy, np.zeros(2), x, 0.5, 6, 8, np.random.default_rng(9),
                                  method="reinforce", n_runs=3)
    reference = reinforce(mdp, policy, np.zeros(2), x, 0.5, 48, np.random.default_rng(9), n_runs=3,
                          update="batch", batch_size=8, baseline="mean")
    np.testing.assert_allclose(history.theta, reference.theta, atol=1e-12)
    assert history.steps.shape == (3, 7)
    np.testing.assert_array_equal(history.steps[:, -1], 48 * (mdp.n_states // 6 - 1))  # 6 steps an episode


@pytest.mark.parametrize("method", ["naive", "importance", "clipped"])
def test_reuse_takes_k_steps_per_batch_and_the_first_is_reinforce(grid, method):
    mdp, policy, x = grid
    one = su.train_with_reuse(mdp, policy, np.zeros(2), x, 0.5, 1, 8, np.random.default_rng(2),
                              method=method, n_reuse=1, n_runs=2)
    plain = su.train_with_reuse(mdp, policy, np.zeros(2), x, 0.5, 1, 8, np.random.default_rng(2),
                                method="reinforce", n_runs=2)
    np.testing.assert_allclose(one.theta, plain.theta, atol=1e-12)
    four = su.train_with_reuse(mdp, policy, np.zeros(2), x, 0.5, 1, 8, np.random.default_rng(2),
                               method=method, n_reuse=4, n_runs=2)
    assert not np.allclose(four.theta[:, 1], one.theta[:, 1])
    np.testing.assert_array_equal(four.steps, one.steps)  # the same data


def test_reuse_reaches_the_target_in_fewer_steps_on_the_grid(grid):
    mdp, policy, x = grid
    results = {}
    for method, n_reuse in (("reinforce", 1), ("clipped", 4)):
        history = su.train_with_reuse(mdp, policy, np.zeros(2), x, 3.0, 100, 10, np.random.default_rng(1),
                                      method=method, n_reuse=n_reuse, n_runs=10)
        results[method] = su.steps_to_reach(history, su.objectives(mdp, policy, history.theta, x), 5.0)
    assert np.isfinite(results["clipped"]).all()
    reinforce_steps = np.where(np.isfinite(results["reinforce"]), results["reinforce"], np.inf)
    assert np.median(results["clipped"]) < np.median(reinforce_steps)


def test_steps_to_reach_by_hand():
    steps_played = np.array([[0, 10, 20, 30], [0, 5, 10, 15]])
    history = su.ReuseHistory("reinforce", 1, np.zeros((2, 4, 2)), steps_played)
    J = np.array([[0.0, 1.0, 3.0, 2.0], [0.0, 0.5, 0.5, 0.5]])
    steps = su.steps_to_reach(history, J, 2.5)
    assert steps[0] == 20
    assert np.isnan(steps[1])


def test_bad_inputs_name_the_argument(grid, grid_batch):
    mdp, policy, x = grid
    theta_old, batch = grid_batch
    rng = np.random.default_rng(0)
    for epsilon in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="epsilon"):
            su.clipped_objective(1.0, 1.0, epsilon)
    with pytest.raises(ValueError, match="ratio"):
        su.clipped_objective_slope(-0.5, 1.0)
    with pytest.raises(ValueError, match="advantages"):
        su.clipped_surrogate_gradients(policy, theta_old, theta_old, x, batch, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="theta_old"):
        su.log_ratios(policy, theta_old, np.zeros(3), x, batch)
    with pytest.raises(ValueError, match="method"):
        su.train_with_reuse(mdp, policy, np.zeros(2), x, 0.1, 2, 4, rng, method="ppo")
    with pytest.raises(ValueError, match="batch_size"):
        su.train_with_reuse(mdp, policy, np.zeros(2), x, 0.1, 2, 1, rng)
    with pytest.raises(ValueError, match="alpha"):
        su.train_with_reuse(mdp, policy, np.zeros(2), x, 0.0, 2, 4, rng)
    with pytest.raises(ValueError, match="n_reuse"):
        su.train_with_reuse(mdp, policy, np.zeros(2), x, 0.1, 2, 4, rng, method="naive", n_reuse=0)
    with pytest.raises(ValueError, match="theta0"):
        su.train_with_reuse(mdp, policy, np.zeros((2, 2)), x, 0.1, 2, 4, rng)
    with pytest.raises(ValueError, match="J must have shape"):
        su.steps_to_reach(su.ReuseHistory("reinforce", 1, np.zeros((1, 3, 2)), np.zeros((1, 3), int)),
                          np.zeros(3), 1.0)


# --- diagnostics, the exact surrogates (the PPO paper's Figure 2), the surrogate loss --------------------


def test_reuse_records_clip_fraction_and_approximate_kl(grid):
    mdp, policy, x = grid
    history = su.train_with_reuse(mdp, policy, np.zeros(2), x, 3.0, 3, 10, np.random.default_rng(2),
                                  method="clipped", n_reuse=4, n_runs=5)
    assert history.clip_fraction.shape == history.approx_kl.shape == (5, 3, 4)
    assert np.all((history.clip_fraction >= 0) & (history.clip_fraction <= 1))
    assert np.all(history.approx_kl >= 0)
    # recompute the diagnostics after the last update of the first batch from its θ's, by hand
    again = su.train_with_reuse(mdp, policy, np.zeros(2), x, 3.0, 1, 10, np.random.default_rng(2),
                                method="clipped", n_reuse=4, n_runs=5)
    np.testing.assert_allclose(again.clip_fraction[:, 0], history.clip_fraction[:, 0])
    one = su.train_with_reuse(mdp, policy, np.zeros(2), x, 3.0, 1, 10, np.random.default_rng(2),
                              method="reinforce", n_runs=5)
    assert one.clip_fraction.shape == (5, 1, 1)


def test_diagnostics_by_hand(grid):
    mdp, policy, x = grid
    history = su.train_with_reuse(mdp, policy, np.zeros(2), x, 3.0, 1, 10, np.random.default_rng(8),
                                  method="reinforce", n_runs=1)
    batch = sample_episodes(mdp, policy, np.zeros(2), x, 10, np.random.default_rng(8))
    r = su.importance_ratios(policy, history.theta[0, 1], np.zeros(2), x, batch)[batch.mask]
    assert history.clip_fraction[0, 0, 0] == pytest.approx(np.mean(np.abs(r - 1) > EPSILON))
    assert history.approx_kl[0, 0, 0] == pytest.approx(np.mean(r - 1 - np.log(r)))


@pytest.fixture(scope="module")
def line(grid):
    mdp, policy, x = grid
    theta_old = np.array([0.3, -0.2])
    direction = exact_gradient(mdp, policy, theta_old, x)
    return su.surrogate_line(mdp, policy, x, theta_old, direction, np.linspace(0.0, 6.0, 601), EPSILON)


def test_exact_surrogates_are_tangent_to_J_at_the_old_theta(grid, line):
    mdp, policy, x = grid
    theta_old = np.array([0.3, -0.2])
    slope = float(np.linalg.norm(exact_gradient(mdp, policy, theta_old, x)))  # dJ/ds along the gradient
    h = line.distances[1]
    for values in (line.J_gain, line.L_cpi, line.L_clip):
        assert values[0] == pytest.approx(0.0, abs=1e-12)
    # one-sided differences of three curves that share value and slope at s = 0
    for values in (line.L_cpi, line.L_clip):
        assert (values[1] - values[0]) / h == pytest.approx(slope, rel=0.02)
        assert abs(values[1] - line.J_gain[1]) < 0.01 * h
    # the exact L^CPI at θ is the expectation of the sampled Σ_t r_t Â_t with true advantages: check
    # its gradient at θ_old against the policy gradient theorem in every direction
    for u in (np.array([1.0, 0.0]), np.array([0.0, 1.0])):
        other = su.surrogate_line(mdp, policy, x, theta_old, u, np.array([-1e-5, 1e-5]), EPSILON)
        derivative = (other.L_cpi[1] - other.L_cpi[0]) / 2e-5
        assert derivative == pytest.approx(exact_gradient(mdp, policy, theta_old, x) @ u, rel=1e-5)


def test_clipped_surrogate_is_a_pessimistic_bound_equal_to_cpi_until_ratios_leave_the_range(line):
    assert np.all(line.L_clip <= line.L_cpi + 1e-12)
    inside = line.distances < line.first_clipped
    np.testing.assert_allclose(line.L_clip[inside], line.L_cpi[inside], atol=1e-12)
    assert line.L_clip[-1] < line.L_cpi[-1] - 0.5
    assert 0 < line.first_clipped < 1
    assert np.all(line.zero_gradient_fraction <= line.clip_fraction + 1e-12)
    assert np.all(np.diff(line.kl) > 0)  # moving away along a line: further from the old policy


def test_surrogate_loss_gradient_is_minus_the_reinforce_estimate(grid):
    mdp, policy, x = grid
    theta = np.array([0.4, -0.3])
    batch = sample_episodes(mdp, policy, theta, x, 30, np.random.default_rng(6))
    b = leave_one_out_mean_baseline(batch)
    for baseline in (None, b):
        numeric = finite_difference_gradient(
            lambda th, base=baseline: su.surrogate_loss(policy, th, x, batch, baseline=base), theta)
        estimate = reinforce_estimates(policy, theta, x, batch, baseline=baseline).mean(axis=0)
        np.testing.assert_allclose(numeric, -estimate, rtol=1e-6, atol=1e-8)


def test_objectives_with_and_without_a_longest_episode_agree(grid):
    from helpers.envs import ShortCorridor

    corridor = ShortCorridor()
    policy = SoftmaxLinearPolicy(2, 2)
    thetas = np.array([[0.0, 0.4], [0.3, -0.2]])
    J = su.objectives(corridor.tabular(), policy, thetas, corridor.policy_inputs())  # loops: a solve
    for theta, value in zip(thetas, J, strict=True):
        assert value == pytest.approx(objective(corridor.tabular(), policy, theta, corridor.policy_inputs()))


def test_bad_inputs_of_the_exact_surrogates(grid):
    mdp, policy, x = grid
    with pytest.raises(ValueError, match="direction"):
        su.surrogate_line(mdp, policy, x, np.zeros(2), np.zeros(2), np.linspace(0, 1, 3))
    with pytest.raises(ValueError, match="epsilon"):
        su.surrogate_line(mdp, policy, x, np.zeros(2), np.ones(2), np.linspace(0, 1, 3), epsilon=1.5)
    with pytest.raises(ValueError, match="theta"):
        su.surrogate_loss(policy, np.zeros(3), x, sample_episodes(mdp, policy, np.zeros(2), x, 2,
                                                                  np.random.default_rng(0)))
