"""The continuous demand problem: Gymnasium API, dynamics, the exact objective, and the Gaussian score.

The Gaussian policy's own scores are tested in test_policies.py; here: the
environment, its vectorised simulator against its step-by-step dynamics, its exact
J against simulation, the SymPy derivation notebook 05 shows, and REINFORCE's
estimate on this problem against the exact gradient.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from gymnasium.utils.env_checker import check_env

from helpers.envs import ContinuousDemandEnv, DemandEnv
from helpers.experiments.continuous import gaussian_score_derivation, mean_slope
from helpers.mdp import finite_difference_gradient
from helpers.policies import GaussianPolicy
from helpers.reinforce import reinforce_estimates, run_episode

# check_env's advice for Box action spaces: a Gaussian policy's orders can be any real
# number, so the bounds are infinite on purpose (see the class docstring); and it cannot
# try other render modes of an environment not made by gymnasium.make (there are none).
EXPECTED_ADVICE = (".*Box action space minimum value is -infinity.*",
                   ".*Box action space maximum value is infinity.*",
                   ".*we recommend using a symmetric and normalized space.*",
                   ".*Not able to test alternative render modes.*")


@pytest.mark.parametrize("env", [ContinuousDemandEnv(), ContinuousDemandEnv(horizon=1, gamma=0.5)], ids=repr)
def test_check_env_passes_with_only_the_expected_advice(env):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for message in EXPECTED_ADVICE:
            warnings.filterwarnings("ignore", message=message)
        check_env(env)


def test_it_shares_the_demand_chain_of_the_discrete_problem():
    env = ContinuousDemandEnv()
    assert env.demand_changes is DemandEnv.demand_changes
    assert env.demand_transitions is DemandEnv.demand_transitions
    assert env.observation_space.n == DemandEnv().observation_space.n
    np.testing.assert_array_equal(env.policy_inputs(), DemandEnv().policy_inputs())


def rollout(env: ContinuousDemandEnv, seed: int, orders: list[float]) -> list[tuple]:
    obs, _ = env.reset(seed=seed)
    path = [obs]
    for order in orders:
        obs, reward, terminated, truncated, _ = env.step(np.array([order]))
        path.append((obs, reward, terminated, truncated))
        if terminated:
            break
    return path


def test_same_seed_same_rollout_and_other_seeds_differ():
    orders = [0.5, -1.0, 2.0]
    first = rollout(ContinuousDemandEnv(), 7, orders)
    assert rollout(ContinuousDemandEnv(), 7, orders) == first
    env = ContinuousDemandEnv()
    rollout(env, 3, orders)
    assert rollout(env, 7, orders) == first  # reseeding restarts the sequence
    assert any(rollout(ContinuousDemandEnv(), seed, orders) != first for seed in range(8, 14))


def test_a_season_by_hand():
    env = ContinuousDemandEnv(horizon=3)
    obs, _ = env.reset(seed=0)
    for week in range(3):
        assert obs // 4 == week
        p = env.demand_change(obs)
        assert p in env.demand_changes
        order = p + 0.5 if week < 2 else 2.0  # off by 0.5, then a plain float order
        obs, reward, terminated, truncated, info = env.step(order)
        expected = -0.25 if week < 2 else -((2.0 - p) ** 2)
        assert reward == pytest.approx(expected)
        assert terminated == (week == 2)
        assert not truncated
        assert info == {}
    assert obs == env.n_states - 1
    assert env.is_terminal(obs)
    with pytest.raises(RuntimeError, match="ended"):
        env.step(0.0)


def test_bad_steps_and_arguments_raise():
    env = ContinuousDemandEnv()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0.0)
    env.reset(seed=0)
    for bad in (np.array([np.nan]), np.array([1.0, 2.0]), np.inf):
        with pytest.raises(ValueError, match="action"):
            env.step(bad)
    with pytest.raises(ValueError, match="horizon"):
        ContinuousDemandEnv(horizon=0)
    with pytest.raises(ValueError, match="gamma"):
        ContinuousDemandEnv(gamma=1.5)
    with pytest.raises(ValueError, match="std"):
        env.objective(0.0, -1.0)
    with pytest.raises(ValueError, match="mean"):
        env.objective(np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="n_episodes"):
        env.sample_episodes(GaussianPolicy(1), np.zeros(1), 0, np.random.default_rng(0))


def test_week_distribution_is_the_chain_pushed_forward():
    env = ContinuousDemandEnv(horizon=4)
    weeks = env.week_distribution()
    assert weeks.shape == (4, 4)
    np.testing.assert_allclose(weeks.sum(axis=1), 1.0)
    np.testing.assert_allclose(weeks[0], 0.25)
    for t in range(1, 4):
        np.testing.assert_allclose(weeks[t], weeks[t - 1] @ DemandEnv.demand_transitions)


def test_objective_closed_form_and_optimum():
    env = ContinuousDemandEnv(horizon=3, gamma=0.9)
    p = env.demand_changes
    weights = (0.9 ** np.arange(3)) @ env.week_distribution()
    mean, std = np.array([0.3, -1.2, 0.8, 2.5]), np.array([0.5, 1.0, 0.2, 0.1])
    assert env.objective(mean, std) == pytest.approx(float(weights @ (-((mean - p) ** 2) - std**2)))
    assert env.objective(env.best_order(p), 0.0) == pytest.approx(env.best_return) == 0.0
    rng = np.random.default_rng(0)
    for _ in range(20):  # no Gaussian policy beats the optimum
        assert env.objective(rng.normal(size=4) * 3, rng.random(4)) < env.best_return
    assert env.objective(np.zeros((5, 4)), np.ones((5, 1))).shape == (5,)


def test_vectorised_simulator_matches_step_by_step_play_in_distribution():
    env = ContinuousDemandEnv()
    policy, theta = GaussianPolicy(1, sigma=0.8), np.array([0.4])
    rng = np.random.default_rng(1)
    n = 4000
    batch = env.sample_episodes(policy, theta, n, rng)
    played = [run_episode(env, policy, theta, env.policy_inputs(), rng) for _ in range(n)]
    assert batch.states.shape == batch.rewards.shape == (n, 3)
    assert batch.mask.all()
    # the demand paths: every week's distribution of p, from both simulators
    for t in range(3):
        visits_batch = np.bincount(batch.states[:, t] % 4, minlength=4) / n
        visits_steps = np.bincount([e.states[t] % 4 for e in played], minlength=4) / n
        expected = env.week_distribution()[t]
        se = np.sqrt(expected * (1 - expected) / n)
        assert np.all(np.abs(visits_batch - expected) < 4 * se)
        assert np.all(np.abs(visits_steps - expected) < 4 * se)
    # the returns: both means within 4 standard errors of the exact J
    J = env.objective(theta[0] * env.demand_changes, 0.8)
    for returns in (batch.returns(), np.array([e.rewards.sum() for e in played])):
        assert abs(returns.mean() - J) < 4 * returns.std(ddof=1) / np.sqrt(n)


def test_sample_episodes_with_one_theta_per_episode_and_the_constant_feature():
    env = ContinuousDemandEnv()
    policy = GaussianPolicy(2, sigma=None)
    theta = np.array([[1.0, 0.0, 0.0, -30.0], [1.0, 5.0, 0.0, -30.0]])  # σ = e^-10: orders are μ
    batch = env.sample_episodes(policy, theta, 2, np.random.default_rng(0), constant=True)
    p = env.policy_inputs()[batch.states]
    np.testing.assert_allclose(batch.actions[0], p[0], atol=1e-3)
    np.testing.assert_allclose(batch.actions[1], p[1] + 5.0, atol=1e-3)
    np.testing.assert_allclose(batch.rewards[1], -25.0, atol=1e-2)


# --- the score of the Gaussian policy, derived in SymPy (notebook 05) ----------------------------


def test_sympy_derivation_gives_the_textbook_scores_and_the_lemma():
    d = gaussian_score_derivation()
    assert sp.simplify(d.score_mu - (d.a - d.mu) * d.x / d.sigma**2) == 0
    assert sp.simplify(d.score_sigma - ((d.a - d.mu) ** 2 / d.sigma**2 - 1) * d.x) == 0
    assert d.expected_scores == (0, 0)
    density = sp.exp(d.log_density)
    assert sp.simplify(sp.integrate(density, (d.a, -sp.oo, sp.oo))) == 1


@pytest.mark.parametrize(("a", "x", "theta_mu", "theta_sigma"),
                         [(1.6, 2.0, 0.5, -0.2), (-0.3, -1.0, 1.2, 0.4), (2.0, 1.0, -0.7, 0.0)])
def test_sympy_scores_match_the_policy_and_finite_differences(a, x, theta_mu, theta_sigma):
    d = gaussian_score_derivation()
    mu, sigma = theta_mu * x, np.exp(theta_sigma * x)
    values = {d.a: a, d.mu: mu, d.sigma: sigma, d.x: x}
    by_sympy = np.array([float(d.score_mu.subs(values)), float(d.score_sigma.subs(values))])
    policy, theta = GaussianPolicy(1, sigma=None), np.array([theta_mu, theta_sigma])
    np.testing.assert_allclose(policy.grad_log_prob(theta, x, a), by_sympy, rtol=1e-12)
    log_density = sp.lambdify((d.a, d.mu, d.sigma), d.log_density)
    by_differences = finite_difference_gradient(
        lambda th: log_density(a, th[0] * x, np.exp(th[1] * x)), theta, eps=1e-6)
    np.testing.assert_allclose(by_sympy, by_differences, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("theta", "sigma"), [(0.0, 1.0), (0.6, 0.5), (1.3, 0.2)])
def test_reinforce_estimate_on_continuous_demand_is_unbiased(theta, sigma):
    env = ContinuousDemandEnv()
    policy = GaussianPolicy(1, sigma=sigma)
    n = 40_000
    batch = env.sample_episodes(policy, np.array([theta]), n, np.random.default_rng(5))
    estimates = reinforce_estimates(policy, np.array([theta]), env.policy_inputs(), batch)[:, 0]
    exact = float(mean_slope(theta))
    fd = finite_difference_gradient(lambda th: float(env.objective(th[0] * env.demand_changes, sigma)),
                                    np.array([theta]))[0]
    assert exact == pytest.approx(fd, abs=1e-6)
    assert abs(estimates.mean() - exact) < 4 * estimates.std(ddof=1) / np.sqrt(n)


def test_states_drawn_in_advance_and_orders_make_the_same_batch():
    env = ContinuousDemandEnv()
    policy, theta = GaussianPolicy(1, sigma=0.3), np.array([0.7])
    batch = env.sample_episodes(policy, theta, 50, np.random.default_rng(8))
    rng = np.random.default_rng(8)  # the same draws, in two stages
    states = env.sample_states(50, rng)
    orders = policy.sample(theta, env.policy_inputs()[states], rng)
    again = env.batch_from_orders(states, orders)
    np.testing.assert_array_equal(again.states, batch.states)
    np.testing.assert_array_equal(again.actions, batch.actions)
    np.testing.assert_array_equal(again.rewards, batch.rewards)
    assert np.all(states // 4 == np.arange(env.horizon))  # week t in column t
    with pytest.raises(ValueError, match="states and actions"):
        env.batch_from_orders(states, orders[:, :2])
    with pytest.raises(ValueError, match="states and actions"):
        env.batch_from_orders(np.full((2, 3), env.n_states - 1), np.zeros((2, 3)))
