"""Environments: Gymnasium API, hand-checked dynamics, simulator vs exact model, short corridor."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp
from gymnasium.utils.env_checker import check_env

from helpers.envs import (
    SHORT_CORRIDOR_BEST_P,
    DemandEnv,
    ShortCorridor,
    WindyHighway,
    short_corridor_value,
)
from helpers.mdp import expected_episode_length, expected_return, objective, visit_counts
from helpers.policies import SigmoidPolicy, SoftmaxLinearPolicy
from helpers.reinforce import run_episode, sample_episodes

ALWAYS_LEFT = np.array([-30.0, 0.0])  # corridor θ: π(right) = e^-30 / (1 + e^-30)


def corridor_theta(p: float) -> np.ndarray:
    """θ with π(right) = p: x(right) = (1, 0) and x(left) = (0, 1), so π(right) = σ(θ0 - θ1)."""
    return np.array([math.log(p / (1 - p)), 0.0])


# ---------------------------------------------------------------- Gymnasium API


@pytest.mark.parametrize("env", [DemandEnv(), DemandEnv(horizon=1, gamma=0.5), WindyHighway(),
                                 WindyHighway(n_rows=3, n_cols=4, wind=0.0, reward_shift=2.0),
                                 ShortCorridor(), ShortCorridor(max_episode_steps=4)],
                         ids=repr)
def test_check_env_passes_with_warnings_as_errors(env):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # check_env warns that it cannot try the alternative render modes of an environment
        # that was not made with gymnasium.make (it has no spec). These environments declare
        # no render modes at all, so there is nothing to try: the warning is spurious here.
        warnings.filterwarnings("ignore", message=".*Not able to test alternative render modes.*")
        check_env(env)


def test_step_before_reset_and_after_the_end_raise():
    env = ShortCorridor()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    env.reset(seed=0)
    for action in (1, 0, 1):  # s0 → s1 → (switched) s2 → goal
        env.step(action)
    with pytest.raises(RuntimeError, match="ended"):
        env.step(1)


# ---------------------------------------------------------------- dynamics by hand


def test_short_corridor_moves_as_in_the_book():
    env = ShortCorridor()
    obs, _ = env.reset(seed=1)
    assert obs == 0
    path = []
    for action in (0, 1, 1, 0, 0, 1, 0, 1):
        obs, reward, terminated, truncated, _ = env.step(action)
        path.append((obs, reward, terminated, truncated))
        if terminated:
            break
    # left at s0 bumps the wall; right s0 → s1; at s1 right goes back to s0 and left
    # goes on to s2; at s2 left goes back to s1 and right reaches the goal.
    assert path == [(0, -1.0, False, False), (1, -1.0, False, False), (0, -1.0, False, False),
                    (0, -1.0, False, False), (0, -1.0, False, False), (1, -1.0, False, False),
                    (2, -1.0, False, False), (3, -1.0, True, False)]


def test_windy_highway_without_wind_follows_the_actions():
    env = WindyHighway(n_rows=4, n_cols=6, wind=0.0)
    assert tuple(env.lane_rewards) == (-2.0, -1.0, 1.0, 1.0, -1.0, -2.0)
    obs, _ = env.reset(seed=0)
    assert env.position(obs) == (0, 2)
    observations, rewards = [], []
    for action in (WindyHighway.RIGHT, WindyHighway.RIGHT, WindyHighway.DOWN):
        obs, reward, terminated, _, _ = env.step(action)
        observations.append(tuple(int(v) for v in env.position(obs)))
        rewards.append(reward)
    assert observations == [(1, 3), (2, 4), (3, 4)]
    assert rewards == [1.0, 1.0, -1.0]  # the lane the car is in when it acts
    assert terminated


def test_windy_highway_full_wind_pushes_right_and_walls_hold():
    env = WindyHighway(n_rows=5, n_cols=4, wind=1.0, reward_shift=0.5)
    env.reset(seed=0)
    cols, rewards = [], []
    for action in (WindyHighway.DOWN, WindyHighway.DOWN, WindyHighway.DOWN, WindyHighway.LEFT):
        obs, reward, *_ = env.step(action)
        cols.append(int(env.position(obs)[1]))
        rewards.append(reward)
    # start in lane 1; down + wind → 2 → 3 → 3 (wall); left + wind → 3.
    assert cols == [2, 3, 3, 3]
    lanes = env.lane_rewards
    assert rewards == [lanes[1] + 0.5, lanes[2] + 0.5, lanes[3] + 0.5, lanes[3] + 0.5]


def test_windy_offset_feature_spans_minus_one_to_one():
    env = WindyHighway(n_rows=2, n_cols=5)
    np.testing.assert_allclose(env.state_feature("offset")[:5, 0], [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(env.state_feature("constant"), 1.0)


def test_demand_rewards_and_observations():
    env = DemandEnv(horizon=3)
    obs, _ = env.reset(seed=4)
    t = 0
    while True:
        assert divmod(obs, 4)[0] == t
        p = env.demand_change(obs)
        assert p == DemandEnv.demand_changes[obs % 4]
        action = t % 2
        obs, reward, terminated, truncated, _ = env.step(action)
        assert reward == (p if action == DemandEnv.MORE else -p / 2)
        assert not truncated
        t += 1
        if terminated:
            break
    assert t == 3
    assert obs == env.n_states - 1
    assert env.demand_change(obs) == 0.0


def test_demand_transitions_are_a_markov_matrix_with_persistent_demand():
    M = DemandEnv.demand_transitions
    np.testing.assert_allclose(M.sum(axis=1), 1.0)
    # Rises tend to follow rises and falls tend to follow falls.
    assert np.all(M[:2, :2].sum(axis=1) > 0.5)
    assert np.all(M[2:, 2:].sum(axis=1) > 0.5)


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("case", ["demand", "windy", "corridor"])
def test_same_seed_gives_the_same_rollout(case):
    env, policy, theta, inputs = rollout_case(case)
    first = run_episode(env, policy, theta, inputs, np.random.default_rng(42))
    second = run_episode(env, policy, theta, inputs, np.random.default_rng(42))
    for name in ("states", "actions", "rewards"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    others = [run_episode(env, policy, theta, inputs, np.random.default_rng(seed)) for seed in range(10)]
    assert any(not np.array_equal(first.actions, o.actions) or not np.array_equal(first.states, o.states)
               for o in others)


def test_reset_seed_fixes_the_environment_randomness():
    env = WindyHighway(wind=0.5)
    runs = []
    for _ in range(2):
        obs, _ = env.reset(seed=7)
        trajectory = [obs]
        for _ in range(6):
            obs, *_ = env.step(WindyHighway.DOWN)
            trajectory.append(obs)
        runs.append(trajectory)
    assert runs[0] == runs[1]


def test_sample_episodes_same_seed_same_batch():
    env = ShortCorridor()
    args = (env.tabular(), SoftmaxLinearPolicy(2, 2), corridor_theta(0.6), env.policy_inputs(), 50)
    a = sample_episodes(*args, np.random.default_rng(3))
    b = sample_episodes(*args, np.random.default_rng(3))
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.rewards, b.rewards)


# ---------------------------------------------------------------- simulator vs batch vs exact model


def rollout_case(case: str):
    if case == "demand":
        env = DemandEnv(horizon=3)
        return env, SigmoidPolicy(), np.array([0.8]), env.policy_inputs()
    if case == "windy":
        env = WindyHighway()
        return env, SoftmaxLinearPolicy(3, 2), np.array([0.5, -0.7]), env.policy_inputs()
    env = ShortCorridor()
    return env, SoftmaxLinearPolicy(2, 2), corridor_theta(0.6), env.policy_inputs()


def ks_threshold(n1: int, n2: int, alpha: float = 1e-4) -> float:
    """The two-sample Kolmogorov-Smirnov critical value c(α) √((n1 + n2) / (n1 n2)).

    c(α) = √(-ln(α/2) / 2). For discrete distributions the test is conservative.
    """
    return math.sqrt(-math.log(alpha / 2) / 2) * math.sqrt((n1 + n2) / (n1 * n2))


def ks_statistic(x: np.ndarray, y: np.ndarray) -> float:
    support = np.union1d(x, y)
    cdf_x = np.searchsorted(np.sort(x), support, side="right") / len(x)
    cdf_y = np.searchsorted(np.sort(y), support, side="right") / len(y)
    return float(np.max(np.abs(cdf_x - cdf_y)))


def visits_per_episode(states_list: list[np.ndarray], n_states: int) -> np.ndarray:
    return np.array([np.bincount(s, minlength=n_states) for s in states_list], dtype=float)


N_GYM, N_BATCH = 4000, 8000


@pytest.fixture(scope="module", params=["demand", "windy", "corridor"])
def rollouts(request):
    env, policy, theta, inputs = rollout_case(request.param)
    rng = np.random.default_rng(2024)
    episodes = [run_episode(env, policy, theta, inputs, rng) for _ in range(N_GYM)]
    batch = sample_episodes(env.tabular(), policy, theta, inputs, N_BATCH, np.random.default_rng(99))
    return request.param, env, policy, theta, inputs, episodes, batch


def test_episode_length_and_return_distributions_agree(rollouts):
    episodes, batch = rollouts[-2:]
    gym_lengths = np.array([len(e) for e in episodes])
    gym_returns = np.array([e.rewards.sum() for e in episodes])
    assert not any(e.truncated for e in episodes)
    assert not batch.truncated.any()
    assert ks_statistic(gym_lengths, batch.lengths) <= ks_threshold(N_GYM, N_BATCH)
    assert ks_statistic(gym_returns, batch.returns()) <= ks_threshold(N_GYM, N_BATCH)


def test_visited_state_frequencies_agree(rollouts):
    _, env, _, _, _, episodes, batch = rollouts
    S = env.tabular().n_states
    gym = visits_per_episode([e.states for e in episodes], S)
    tab = np.stack([np.bincount(s[m], minlength=S) for s, m in zip(batch.states, batch.mask, strict=True)])
    se = np.sqrt(gym.var(axis=0, ddof=1) / N_GYM + tab.var(axis=0, ddof=1) / N_BATCH)
    diff = np.abs(gym.mean(axis=0) - tab.mean(axis=0))
    # 5 standard errors of the difference of two means, per state; never-visited states
    # have se = 0 and must agree exactly.
    assert np.all(diff <= 5 * se + 1e-12), (diff, se)


def test_rollouts_agree_with_the_exact_model(rollouts):
    _, env, policy, theta, inputs, episodes, batch = rollouts
    mdp = env.tabular()
    pi = policy.table(theta, inputs)
    J, length, eta = expected_return(mdp, pi), expected_episode_length(mdp, pi), visit_counts(mdp, pi)
    gym_returns = np.array([e.rewards.sum() for e in episodes])
    gym_lengths = np.array([len(e) for e in episodes], dtype=float)
    gym_visits = visits_per_episode([e.states for e in episodes], mdp.n_states)
    for returns, lengths, n in ((gym_returns, gym_lengths, N_GYM),
                                (batch.returns(), batch.lengths.astype(float), N_BATCH)):
        assert abs(returns.mean() - J) <= 4 * returns.std(ddof=1) / math.sqrt(n) + 1e-12
        assert abs(lengths.mean() - length) <= 4 * lengths.std(ddof=1) / math.sqrt(n) + 1e-12
    se = gym_visits.std(axis=0, ddof=1) / math.sqrt(N_GYM)
    assert np.all(np.abs(gym_visits.mean(axis=0) - eta) <= 5 * se + 1e-12)


# ---------------------------------------------------------------- truncation


def test_max_episode_steps_sets_truncated():
    env = ShortCorridor(max_episode_steps=3)
    env.reset(seed=0)
    flags = [env.step(ShortCorridor.LEFT)[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]
    episode = run_episode(env, SoftmaxLinearPolicy(2, 2), ALWAYS_LEFT, env.policy_inputs(),
                          np.random.default_rng(0))
    assert episode.truncated
    assert not episode.terminated
    assert len(episode) == 3


def test_reaching_the_goal_on_the_last_allowed_step_is_terminated_not_truncated():
    env = ShortCorridor(max_episode_steps=3)
    env.reset(seed=0)
    results = [env.step(action)[2:4] for action in (1, 0, 1)]
    assert results[-1] == (True, False)


def test_run_episode_max_steps_truncates():
    env = ShortCorridor()
    episode = run_episode(env, SoftmaxLinearPolicy(2, 2), ALWAYS_LEFT, env.policy_inputs(),
                          np.random.default_rng(0), max_steps=5)
    assert episode.truncated
    assert not episode.terminated
    assert len(episode) == 5
    np.testing.assert_array_equal(episode.rewards, -1.0)


def test_sample_episodes_max_steps_truncates():
    env = ShortCorridor()
    batch = sample_episodes(env.tabular(), SoftmaxLinearPolicy(2, 2), ALWAYS_LEFT, env.policy_inputs(),
                            20, np.random.default_rng(0), max_steps=5)
    assert batch.truncated.all()
    np.testing.assert_array_equal(batch.lengths, 5)
    np.testing.assert_array_equal(batch.returns(), -5.0)
    finished = sample_episodes(env.tabular(), SoftmaxLinearPolicy(2, 2), corridor_theta(0.6),
                               env.policy_inputs(), 20, np.random.default_rng(0))
    assert not finished.truncated.any()


def test_demand_and_windy_episodes_have_fixed_lengths():
    for env, policy, theta, inputs, length in (
        (DemandEnv(horizon=4), SigmoidPolicy(), np.array([0.2]), DemandEnv(horizon=4).policy_inputs(), 4),
        (WindyHighway(n_rows=5), SoftmaxLinearPolicy(3, 2), np.array([1.0, 0.0]),
         WindyHighway(n_rows=5).policy_inputs(), 4),
    ):
        rng = np.random.default_rng(0)
        for _ in range(5):
            episode = run_episode(env, policy, theta, inputs, rng)
            assert len(episode) == length
            assert episode.terminated
            assert not episode.truncated


# ---------------------------------------------------------------- short corridor (Example 13.1)


def test_short_corridor_closed_form_solves_the_bellman_equations():
    p, v0, v1, v2 = sp.symbols("p v0 v1 v2")
    # Every step costs 1; s0: right → s1, left → s0; s1 (switched): right → s0, left → s2;
    # s2: right → goal (worth 0), left → s1.
    solution = sp.solve([
        sp.Eq(v0, -1 + p * v1 + (1 - p) * v0),
        sp.Eq(v1, -1 + p * v0 + (1 - p) * v2),
        sp.Eq(v2, -1 + (1 - p) * v1),
    ], [v0, v1, v2], dict=True)[0]
    assert sp.simplify(solution[v0] - (2 * p - 4) / (p * (1 - p))) == 0
    f = sp.lambdify(p, solution[v0])
    grid = np.linspace(0.01, 0.99, 25)
    np.testing.assert_allclose(short_corridor_value(grid), [f(x) for x in grid], rtol=1e-12)


def test_short_corridor_objective_equals_the_closed_form():
    env = ShortCorridor()
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(2, 2), env.policy_inputs()
    for p in np.linspace(0.02, 0.98, 49):
        assert objective(mdp, policy, corridor_theta(p), inputs) == pytest.approx(
            float(short_corridor_value(p)), rel=1e-9)


def test_short_corridor_optimum_matches_the_book_and_the_closed_form():
    # J(p) = (2p - 4) / (p(1 - p)). dJ/dp = 2(p² - 4p + 2) / (p(1 - p))², whose root in (0, 1)
    # is p* = 2 - √2 ≈ 0.586. There p*(1 - p*) = (2 - √2)(√2 - 1) = 3√2 - 4 and
    # 2p* - 4 = -2√2, so J* = -2√2 / (3√2 - 4) = -2√2 (3√2 + 4) / 2 = -(6 + 4√2)
    #                     = -2(3 + 2√2) ≈ -11.657.
    # (Sutton & Barto, Example 13.1: the best stochastic policy has π(right) ≈ 0.59 and
    # value ≈ -11.6.)
    p_star = 2 - math.sqrt(2)
    J_star = -(6 + 4 * math.sqrt(2))
    assert abs(SHORT_CORRIDOR_BEST_P - p_star) < 1e-15
    env = ShortCorridor()
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(2, 2), env.policy_inputs()

    def J(p):
        return objective(mdp, policy, corridor_theta(p), inputs)

    grid = np.linspace(0.01, 0.99, 99)
    values = [J(p) for p in grid]
    lo, hi = grid[int(np.argmax(values)) - 1], grid[int(np.argmax(values)) + 1]
    for _ in range(80):  # golden-section search on the exact objective (it is unimodal here)
        a, b = hi - 0.618 * (hi - lo), lo + 0.618 * (hi - lo)
        lo, hi = (a, hi) if J(a) < J(b) else (lo, b)
    p_hat = (lo + hi) / 2
    assert abs(p_hat - 0.59) < 0.01
    assert abs(J(p_hat) - (-11.6)) < 0.1
    assert p_hat == pytest.approx(p_star, abs=1e-6)
    assert J(p_hat) == pytest.approx(J_star, abs=1e-9)
    fine = np.linspace(1e-4, 1 - 1e-4, 200_001)
    assert fine[np.argmax(short_corridor_value(fine))] == pytest.approx(p_star, abs=1e-5)
    assert float(short_corridor_value(p_star)) == pytest.approx(J_star, rel=1e-12)
    # A deterministic-ish policy is much worse: p near 1 or 0 never reaches the goal.
    assert J(0.999) < -1000
    assert J(0.001) < -1000
