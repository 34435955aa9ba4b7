"""REINFORCE with a learned baseline on CartPole-v1: the solved rule, features, a short seeded run."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import cartpole
from helpers.policies import SigmoidPolicy


def test_cartpole_v1_is_made_without_extras_and_truncates_at_500():
    env = cartpole.make_env()
    try:
        obs, _ = env.reset(seed=0)
        assert obs.shape == (4,)
        assert env.spec.max_episode_steps == cartpole.MAX_STEPS == 500
        assert env.action_space.n == 2
    finally:
        env.close()


def test_running_average_and_episodes_to_solve_by_hand():
    returns = np.array([100.0, 500.0, 500.0])
    running = cartpole.running_average(returns)
    np.testing.assert_allclose(running, [100.0, 120.0, 139.0])  # starts at the first return
    assert cartpole.episodes_to_solve(returns) is None
    assert cartpole.episodes_to_solve(returns, threshold=120.0) == 2
    # from 500 on: running stays at 500, so the first episode solves it
    assert cartpole.episodes_to_solve(np.full(3, 500.0)) == 1
    # from 20, n returns of 500 give 500 - 480 * 0.95^n, which first reaches 475 at n = 58
    assert cartpole.episodes_to_solve(np.r_[20.0, np.full(100, 500.0)]) == 1 + 58


def test_features_are_scaled_observations_and_value_features_count_steps_left():
    obs = np.array([[2.4, -3.0, 0.21, 1.5], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(cartpole.policy_features(obs), [[1.0, -1.0, 1.0, 0.5], [0.0, 0.0, 0.0, 0.0]])
    x_v = cartpole.value_features(obs)
    assert x_v.shape == (2, 6)
    np.testing.assert_allclose(x_v[:, 0], 1.0)
    np.testing.assert_allclose(x_v[:, 1], [1.0, 499 / 500])
    np.testing.assert_allclose(x_v[0, 2:], [1.0, 1.0, 1.0, 0.25])


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="observations"):
        cartpole.policy_features(np.zeros(3))
    with pytest.raises(ValueError, match="observations"):
        cartpole.value_features(np.zeros(4))
    with pytest.raises(ValueError, match="weight"):
        cartpole.running_average(np.ones(3), weight=0.0)
    with pytest.raises(ValueError, match="alpha"):
        cartpole.train_cartpole(0, alpha=-1.0)
    with pytest.raises(ValueError, match="alpha_w"):
        cartpole.train_cartpole(0, alpha_w=0.0)
    with pytest.raises(ValueError, match="max_episodes"):
        cartpole.train_cartpole(0, max_episodes=0)


def test_a_seed_gives_the_same_run():
    first = cartpole.train_cartpole(3, max_episodes=15, stop_when_solved=False)
    again = cartpole.train_cartpole(3, max_episodes=15, stop_when_solved=False)
    np.testing.assert_array_equal(first.returns, again.returns)
    np.testing.assert_array_equal(first.theta, again.theta)
    other = cartpole.train_cartpole(4, max_episodes=15, stop_when_solved=False)
    assert not np.array_equal(first.returns, other.returns)


def test_a_short_training_run_improves_the_return():
    history = cartpole.train_cartpole(0, max_episodes=60, stop_when_solved=False)
    assert history.n_episodes == 60
    assert history.theta.shape == (61, 4)
    np.testing.assert_array_equal(history.theta[0], 0.0)
    early, late = history.returns[:15], history.returns[-15:]
    # a random policy balances about 20 steps; after 60 episodes the policy does far better
    assert early.mean() < 50
    assert late.mean() > 4 * early.mean()
    # the learned rule pushes towards the side the pole falls to: positive weights on angle and its speed
    assert history.theta[-1, 2] > 0
    assert history.theta[-1, 3] > 0
    np.testing.assert_allclose(history.running, cartpole.running_average(history.returns))
    assert history.n_steps == int(history.returns.sum())


def test_the_policy_is_the_shared_sigmoid_policy_on_four_features():
    assert isinstance(cartpole.POLICY, SigmoidPolicy)
    assert cartpole.POLICY.n_params == 4


def test_greedy_rule_of_a_balancing_theta_lasts_longer_than_pushing_one_way():
    balancing = cartpole.greedy_return(np.array([0.0, 0.0, 1.0, 1.0]), seed=0, n_episodes=3)
    one_way = cartpole.greedy_return(np.array([0.0, 0.0, 0.0, 0.0]), seed=0, n_episodes=3)  # always left
    assert balancing.shape == one_way.shape == (3,)
    assert np.all(one_way < 20)
    assert balancing.mean() > 5 * one_way.mean()


def reference_run(seed: int, n_episodes: int) -> tuple[np.ndarray, np.ndarray]:
    """The update of the module docstring with Gymnasium's own environment, one step at a time."""
    from helpers.reinforce import returns_to_go, run_episode
    from helpers.summation import correctly_rounded_dot, correctly_rounded_std, correctly_rounded_sum

    rng, env = np.random.default_rng(seed), cartpole.make_env()
    theta, w, returns = np.zeros(4), np.zeros(6), []
    for _ in range(n_episodes):
        episode = run_episode(env, cartpole.POLICY, theta, cartpole.policy_features, rng, max_steps=500)
        x, x_v = cartpole.policy_features(episode.states), cartpole.value_features(episode.states)
        delta = returns_to_go(episode.rewards) - correctly_rounded_sum(x_v * w, axis=1)
        w = w + cartpole.ALPHA_W * correctly_rounded_dot(delta, x_v) / len(delta)
        advantages = delta / correctly_rounded_std(delta)
        theta = theta + cartpole.ALPHA * correctly_rounded_dot(
            advantages, cartpole.POLICY.grad_log_prob(theta, x, episode.actions))
        returns.append(episode.rewards.sum())
    env.close()
    return np.asarray(returns), theta


def test_the_lockstep_trainer_plays_gymnasiums_cartpole_step_for_step():
    # Each seed of train_cartpole_seeds is the run that Gymnasium's own environment and
    # helpers.reinforce.run_episode give, whichever seeds are trained beside it.
    runs = cartpole.train_cartpole_seeds([5, 0, 9], max_episodes=25, stop="none")
    for run in runs:
        returns, theta = reference_run(run.seed, 25)
        np.testing.assert_array_equal(run.returns, returns)
        np.testing.assert_allclose(run.theta[-1], theta, rtol=0, atol=0)
    alone = cartpole.train_cartpole(0, max_episodes=25, stop_when_solved=False)
    np.testing.assert_array_equal(alone.theta, runs[1].theta)


def test_cartpole_step_is_gymnasiums_step():
    env = cartpole.make_env().unwrapped
    rng = np.random.default_rng(0)
    states = rng.uniform(-0.2, 0.2, size=(50, 4))
    actions = rng.integers(0, 2, size=50)
    next_states, terminated = cartpole.cartpole_step(states, actions)
    for state, action, expected, ended in zip(states, actions, next_states, terminated, strict=True):
        env.state = state.copy()
        _, _, gym_terminated, _, _ = env.step(int(action))
        np.testing.assert_allclose(env.state, expected, rtol=1e-15, atol=1e-15)
        assert gym_terminated == ended


def test_gymnasiums_rule_by_hand():
    assert cartpole.episodes_to_solve_gymnasium(np.full(99, 500.0)) is None
    assert cartpole.episodes_to_solve_gymnasium(np.full(100, 500.0)) == 100
    # 20 short episodes, then 500s: the mean of the last 100 reaches 475 once at most 5 of them are 20s
    returns = np.r_[np.full(20, 20.0), np.full(200, 500.0)]
    k = cartpole.episodes_to_solve_gymnasium(returns)
    window = returns[k - 100:k]
    assert window.mean() >= 475 > returns[k - 101:k - 1].mean()
    assert k == 115
    assert cartpole.episodes_to_solve_gymnasium(np.full(300, 474.0)) is None


@pytest.mark.slow
def test_stop_rules():
    [history] = cartpole.train_cartpole_seeds([1], stop="running")
    assert history.solved_at == history.n_episodes
    [longer] = cartpole.train_cartpole_seeds([1], stop="gymnasium", max_episodes=400)
    np.testing.assert_array_equal(longer.returns[:history.n_episodes], history.returns)
    assert longer.gymnasium_solved_at == longer.n_episodes > history.n_episodes
    with pytest.raises(ValueError, match="stop"):
        cartpole.train_cartpole_seeds([1], stop="never")
    with pytest.raises(ValueError, match="seeds"):
        cartpole.train_cartpole_seeds([])
