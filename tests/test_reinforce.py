"""REINFORCE: returns, unbiased gradient estimates, baselines and training."""

from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.envs import DemandEnv, ShortCorridor, WindyHighway
from helpers.mdp import exact_gradient, gradient_terms, objective, state_values
from helpers.policies import SigmoidPolicy, SoftmaxLinearPolicy
from helpers.reinforce import (
    EpisodeBatch,
    leave_one_out_mean_baseline,
    reinforce,
    reinforce_estimates,
    returns_to_go,
    run_episode,
    sample_episodes,
)

N_ESTIMATES = 20_000


def corridor_theta(p: float) -> np.ndarray:
    return np.array([math.log(p / (1 - p)), 0.0])


# ---------------------------------------------------------------- returns


@settings(max_examples=50, deadline=None)
@given(rewards=hnp.arrays(float, hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=8),
                          elements=st.floats(-100, 100)),
       gamma=st.floats(0.0, 1.0))
def test_returns_to_go_matches_a_loop(rewards, gamma):
    G = returns_to_go(rewards, gamma)
    assert G.shape == rewards.shape
    T = rewards.shape[-1]
    rows = math.prod(rewards.shape[:-1])
    flat, out = rewards.reshape(rows, T), G.reshape(rows, T)
    for row, g in zip(flat, out, strict=True):
        for t in range(T):
            expected = sum(gamma ** (k - t) * row[k] for k in range(t, T))
            assert g[t] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_returns_to_go_small_example_by_hand():
    # r = (1, 2, 3), γ = 0.5: G_2 = 3, G_1 = 2 + 1.5 = 3.5, G_0 = 1 + 1.75 = 2.75.
    np.testing.assert_allclose(returns_to_go([1.0, 2.0, 3.0], 0.5), [2.75, 3.5, 3.0])
    np.testing.assert_allclose(returns_to_go([[1.0, 2.0, 0.0]], 1.0), [[3.0, 2.0, 0.0]])


def test_episode_batch_returns_and_lengths():
    batch = EpisodeBatch(states=np.array([[0, 1, 1], [0, 0, 0]]), actions=np.zeros((2, 3), int),
                         rewards=np.array([[1.0, -2.0, 0.0], [4.0, 0.0, 0.0]]),
                         mask=np.array([[True, True, False], [True, False, False]]),
                         truncated=np.array([False, False]))
    np.testing.assert_array_equal(batch.lengths, [2, 1])
    np.testing.assert_allclose(batch.returns(0.5), [1.0 - 1.0, 4.0])
    assert len(batch) == 2


def test_leave_one_out_mean_baseline_by_hand():
    # Returns-to-go per episode (γ = 1): ep0 (3, 2), ep1 (1), ep2 (4, 4).
    batch = EpisodeBatch(states=np.zeros((3, 2), int), actions=np.zeros((3, 2), int),
                         rewards=np.array([[1.0, 2.0], [1.0, 0.0], [0.0, 4.0]]),
                         mask=np.array([[True, True], [True, False], [True, True]]),
                         truncated=np.zeros(3, bool))
    b = leave_one_out_mean_baseline(batch)
    # ep0 sees ep1 and ep2: (1 + 4 + 4) / 3 = 3; ep1: (3 + 2 + 4 + 4) / 4 = 3.25; ep2: (3 + 2 + 1) / 3 = 2.
    np.testing.assert_allclose(b, [[3.0, 3.0], [3.25, 3.25], [2.0, 2.0]])
    groups = leave_one_out_mean_baseline(
        EpisodeBatch(np.zeros((4, 1), int), np.zeros((4, 1), int), np.array([[1.0], [3.0], [10.0], [20.0]]),
                     np.ones((4, 1), bool), np.zeros(4, bool)), group_size=2)
    np.testing.assert_allclose(groups[:, 0], [3.0, 1.0, 20.0, 10.0])


# ---------------------------------------------------------------- the estimator's formula


def test_reinforce_estimates_match_the_formula_written_out():
    # Demand problem, score (a - σ(θp)) p: ĝ = Σ_t γ^t (G_t - b(S_t)) (a_t - σ(θ p_t)) p_t.
    env = DemandEnv(horizon=3, gamma=0.8)
    mdp, policy, inputs, theta = env.tabular(), SigmoidPolicy(), env.policy_inputs(), 0.7
    batch = sample_episodes(mdp, policy, theta, inputs, 50, np.random.default_rng(0))
    baseline = np.linspace(-1, 1, mdp.n_states)
    for reward_to_go in (True, False):
        estimates = reinforce_estimates(policy, theta, inputs, batch, 0.8, baseline, reward_to_go)
        for n in range(len(batch)):
            r, s, a = batch.rewards[n], batch.states[n], batch.actions[n]
            total = 0.0
            for t in range(batch.lengths[n]):
                p = inputs[s[t]]
                score = (a[t] - 1 / (1 + math.exp(-theta * p))) * p
                if reward_to_go:
                    G_t = sum(0.8 ** (k - t) * r[k] for k in range(t, batch.lengths[n]))
                    total += 0.8**t * (G_t - baseline[s[t]]) * score
                else:
                    G_0 = sum(0.8**k * r[k] for k in range(batch.lengths[n]))
                    total += (G_0 - baseline[s[t]]) * score
            assert estimates[n, 0] == pytest.approx(total, abs=1e-12)


def test_per_episode_theta_equals_shared_theta():
    env = WindyHighway()
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(3, 2), env.policy_inputs()
    theta = np.array([0.3, -0.2])
    batch = sample_episodes(mdp, policy, theta, inputs, 40, np.random.default_rng(1))
    shared = reinforce_estimates(policy, theta, inputs, batch)
    per_episode = reinforce_estimates(policy, np.tile(theta, (40, 1)), inputs, batch)
    np.testing.assert_allclose(per_episode, shared)


# ---------------------------------------------------------------- unbiasedness


def estimate_case(name: str):
    if name == "corridor":
        env = ShortCorridor()
        return env.tabular(), SoftmaxLinearPolicy(2, 2), corridor_theta(0.6), env.policy_inputs()
    if name == "demand":
        env = DemandEnv(horizon=3)
        return env.tabular(), SigmoidPolicy(), np.array([0.5]), env.policy_inputs()
    env = WindyHighway(gamma=0.9)
    return env.tabular(), SoftmaxLinearPolicy(3, 2), np.array([0.3, -0.5]), env.policy_inputs()


@pytest.fixture(scope="module", params=["corridor", "demand", "windy-0.9"])
def sampled(request):
    mdp, policy, theta, inputs = estimate_case(request.param)
    batch = sample_episodes(mdp, policy, theta, inputs, N_ESTIMATES, np.random.default_rng(17))
    return request.param, mdp, policy, theta, inputs, batch


def assert_mean_matches(estimates: np.ndarray, target: np.ndarray, n_se: float = 4.5) -> None:
    mean = estimates.mean(axis=0)
    se = estimates.std(axis=0, ddof=1) / math.sqrt(len(estimates))
    assert np.all(np.abs(mean - target) <= n_se * se + 1e-12), (mean, target, se)


@pytest.mark.parametrize("reward_to_go", [True, False])
@pytest.mark.parametrize("baseline", ["none", "constant", "state-value", "leave-one-out"])
def test_mean_of_reinforce_estimates_is_the_exact_gradient(sampled, reward_to_go, baseline):
    _, mdp, policy, theta, inputs, batch = sampled
    if baseline == "none":
        b = None
    elif baseline == "constant":
        b = -7.5
    elif baseline == "state-value":
        b = state_values(mdp, policy.table(theta, inputs))
    else:
        b = leave_one_out_mean_baseline(batch, mdp.gamma)
    estimates = reinforce_estimates(policy, theta, inputs, batch, mdp.gamma, b, reward_to_go)
    # 4.5 standard errors (computed from the sample) per component of ∇J.
    assert_mean_matches(estimates, exact_gradient(mdp, policy, theta, inputs))


def test_state_value_baseline_reduces_the_variance_in_the_corridor():
    mdp, policy, theta, inputs = estimate_case("corridor")
    batch = sample_episodes(mdp, policy, theta, inputs, 5000, np.random.default_rng(4))
    plain = reinforce_estimates(policy, theta, inputs, batch)
    with_v = reinforce_estimates(policy, theta, inputs, batch,
                                 baseline=state_values(mdp, policy.table(theta, inputs)))
    assert np.all(with_v.var(axis=0) < plain.var(axis=0))


def test_dropping_the_discount_factor_on_the_score_is_biased():
    # With γ < 1, Σ_t G_t ∇ln π(A_t|S_t) (no γ^t) has expectation
    # Σ_s η(s) Σ_a q(s, a) ∇π(a|s), undiscounted visits instead of discounted ones.
    mdp, policy, theta, inputs = estimate_case("windy-0.9")
    batch = sample_episodes(mdp, policy, theta, inputs, N_ESTIMATES, np.random.default_rng(8))
    scores = policy.grad_log_prob(theta, inputs[batch.states], batch.actions) * batch.mask[..., None]
    G = returns_to_go(batch.rewards, mdp.gamma)
    without_discount = np.einsum("nt,ntd->nd", G * batch.mask, scores)
    np.testing.assert_allclose(
        reinforce_estimates(policy, theta, inputs, batch, mdp.gamma, discount_weighting=False),
        without_discount, rtol=1e-12, atol=1e-12)
    with_discount = reinforce_estimates(policy, theta, inputs, batch, mdp.gamma)
    terms = gradient_terms(mdp, policy, theta, inputs)
    biased_target = np.einsum("s,sa,sad->d", terms.eta, terms.q, terms.grad_pi)
    assert_mean_matches(with_discount, terms.gradient)
    assert_mean_matches(without_discount, biased_target)
    se = without_discount.std(axis=0, ddof=1) / math.sqrt(N_ESTIMATES)
    assert np.max(np.abs(without_discount.mean(axis=0) - terms.gradient) / se) > 8


# ---------------------------------------------------------------- training


def improvement_z(history) -> float:
    """(mean return of the last 50 episodes - mean of the first 20) / its standard error."""
    first, last = history.returns[:, :20].ravel(), history.returns[:, -50:].ravel()
    se = math.sqrt(first.var(ddof=1) / first.size + last.var(ddof=1) / last.size)
    return (last.mean() - first.mean()) / se


@pytest.mark.parametrize("kwargs", [
    {"update": "per-step"},
    {"update": "per-step", "baseline": "learned", "alpha_w": 0.1},
    {"update": "batch", "batch_size": 10},
    {"update": "batch", "batch_size": 10, "baseline": "mean"},
    {"update": "batch", "batch_size": 10, "baseline": "learned", "alpha_w": 0.1},
])
def test_reinforce_improves_the_demand_policy(kwargs):
    env = DemandEnv()
    mdp, policy, inputs = env.tabular(), SigmoidPolicy(), env.policy_inputs()
    theta0 = np.array([0.0])
    history = reinforce(mdp, policy, theta0, inputs, 0.05, 200, np.random.default_rng(0), n_runs=20,
                        **kwargs)
    J0 = objective(mdp, policy, theta0, inputs)
    J1 = objective(mdp, policy, history.theta[:, -1].mean(axis=0), inputs)
    # J increases with θ (the best order follows the sign of p); sup J = Σ_t E|p_t| = 4.5.
    assert J1 > J0 + 1.0
    assert history.theta[:, -1, 0].mean() > 0
    assert improvement_z(history) > 4


@pytest.mark.parametrize(("update", "alpha", "batch_size"), [("per-step", 2**-11, 1), ("batch", 2**-9, 4)])
def test_reinforce_improves_the_short_corridor_policy(update, alpha, batch_size):
    # Start at p = 0.2, away from p -> 1, where a run can run away (the agent then
    # bounces between the first two cells and hardly ever reaches the goal).
    env = ShortCorridor()
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(2, 2), env.policy_inputs()
    theta0 = corridor_theta(0.2)
    history = reinforce(mdp, policy, theta0, inputs, alpha, 200, np.random.default_rng(0), n_runs=20,
                        update=update, batch_size=batch_size, max_steps=1000)
    J0 = objective(mdp, policy, theta0, inputs)
    J1 = [objective(mdp, policy, theta, inputs) for theta in history.theta[:, -1]]
    assert J0 < -22  # J(0.2) = (0.4 - 4) / 0.16 = -22.5
    assert not history.truncated.any()
    assert np.median(J1) > -13  # the optimum is -(6 + 4√2) ≈ -11.66
    assert min(J1) > J0
    assert improvement_z(history) > 4


@pytest.mark.parametrize(("update", "batch_size", "n_updates"), [("per-step", 1, 12), ("batch", 4, 3)])
@pytest.mark.parametrize("learned", [False, True])
def test_history_shapes(update, batch_size, n_updates, learned):
    env = ShortCorridor()
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(2, 2), env.policy_inputs()
    kwargs = {"baseline": "learned", "alpha_w": 0.01} if learned else {}
    theta0 = np.array([0.2, -0.1])
    history = reinforce(mdp, policy, theta0, inputs, 0.01, 12, np.random.default_rng(0), n_runs=3,
                        update=update, batch_size=batch_size, **kwargs)
    assert history.theta.shape == (3, n_updates + 1, 2)
    np.testing.assert_array_equal(history.theta[:, 0], np.tile(theta0, (3, 1)))
    assert history.returns.shape == history.lengths.shape == history.truncated.shape == (3, 12)
    assert history.lengths.dtype.kind == "i"
    assert history.truncated.dtype == bool
    # Every corridor step costs 1, so the return is minus the length.
    np.testing.assert_array_equal(history.returns, -history.lengths)
    if learned:
        assert history.w.shape == (3, n_updates + 1, mdp.n_states)
        np.testing.assert_array_equal(history.w[:, 0], 0.0)
    else:
        assert history.w is None


def test_learned_baseline_with_custom_value_features():
    env = DemandEnv()
    mdp, policy, inputs = env.tabular(), SigmoidPolicy(), env.policy_inputs()
    history = reinforce(mdp, policy, 0.0, inputs, 0.01, 20, np.random.default_rng(0), n_runs=2,
                        baseline="learned", alpha_w=0.01, value_features=np.ones((mdp.n_states, 1)))
    assert history.w.shape == (2, 21, 1)
    assert np.all(np.isfinite(history.w))


def test_learned_baseline_approaches_v_pi():
    # α is tiny, so π stays at θ0 and w follows the Monte Carlo LMS rule towards v_π. In the
    # demand problem each state (week, p) is visited at most once per episode, so w before an
    # episode is independent of that episode's returns and E[w_k] → v_π geometrically.
    env = DemandEnv()
    mdp, policy, inputs = env.tabular(), SigmoidPolicy(), env.policy_inputs()
    theta0, n_runs = np.array([0.5]), 40
    history = reinforce(mdp, policy, theta0, inputs, 1e-9, 1200, np.random.default_rng(3), n_runs=n_runs,
                        baseline="learned", alpha_w=0.05)
    v = state_values(mdp, policy.table(theta0, inputs))
    tail = history.w[:, -400:].mean(axis=1)  # one time average per independent run
    mean, se = tail.mean(axis=0), tail.std(axis=0, ddof=1) / math.sqrt(n_runs)
    live = ~mdp.terminal
    assert np.all(np.abs(mean[live] - v[live]) <= 5 * se[live]), (mean, v, se)
    assert np.all(history.w[:, :, mdp.terminal] == 0)
    assert np.max(np.abs(mean[live] - v[live])) < 0.1


@pytest.mark.parametrize(("baseline", "discount_weighting"),
                         [("none", True), ("none", False), ("mean", True), ("learned", True)])
def test_batch_update_is_alpha_times_the_mean_estimate(baseline, discount_weighting):
    env = WindyHighway(gamma=0.9)
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(3, 2), env.policy_inputs()
    theta0, alpha, alpha_w, M = np.array([0.4, -0.3]), 0.05, 0.2, 16
    kwargs = {"alpha_w": alpha_w} if baseline == "learned" else {}
    history = reinforce(mdp, policy, theta0, inputs, alpha, M, np.random.default_rng(5), update="batch",
                        batch_size=M, baseline=baseline, discount_weighting=discount_weighting, **kwargs)
    # The same random stream: reinforce draws exactly one batch of M episodes with θ0.
    thetas = np.tile(theta0, (M, 1))
    batch = sample_episodes(mdp, policy, thetas, inputs, M, np.random.default_rng(5))
    np.testing.assert_allclose(history.returns[0], batch.returns(0.9))
    # A learned baseline starts at w = 0, so its first θ-update has b = 0.
    b = leave_one_out_mean_baseline(batch, 0.9) if baseline == "mean" else None
    estimates = reinforce_estimates(policy, thetas, inputs, batch, 0.9, b,
                                    discount_weighting=discount_weighting)
    np.testing.assert_allclose(history.theta[0, 1], theta0 + alpha * estimates.mean(axis=0), rtol=1e-12)
    if baseline == "learned":
        # w ← w + α_w (1/M) Σ_m Σ_t (G_t - 0) x_v(S_t), with one-hot x_v.
        G = returns_to_go(batch.rewards, 0.9) * batch.mask
        step = np.zeros(mdp.n_states)
        np.add.at(step, batch.states, G)
        np.testing.assert_allclose(history.w[0, 1], alpha_w * step / M, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("discount_weighting", [True, False])
def test_per_step_update_follows_the_book_pseudocode(discount_weighting):
    env = WindyHighway(gamma=0.9)
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(3, 2), env.policy_inputs()
    theta0, alpha = np.array([0.4, -0.3]), 0.1
    history = reinforce(mdp, policy, theta0, inputs, alpha, 1, np.random.default_rng(9),
                        discount_weighting=discount_weighting)
    batch = sample_episodes(mdp, policy, theta0[None, :], inputs, 1, np.random.default_rng(9))
    G = returns_to_go(batch.rewards[0], 0.9)
    theta = theta0.copy()
    for t in range(batch.lengths[0]):  # θ ← θ + α γ^t G_t ∇ln π(A_t|S_t, θ), θ changing within the episode
        discount = 0.9**t if discount_weighting else 1.0
        theta = theta + alpha * discount * G[t] * policy.grad_log_prob(
            theta, inputs[batch.states[0, t]], batch.actions[0, t])
    np.testing.assert_allclose(history.theta[0, 1], theta, rtol=1e-12)


def test_per_step_learned_baseline_follows_the_book_pseudocode():
    # δ = G_t - w[S_t]; w[S_t] ← w[S_t] + α^w δ; θ ← θ + α γ^t δ ∇ln π(A_t|S_t, θ).
    env = ShortCorridor()
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(2, 2), env.policy_inputs()
    theta0, alpha, alpha_w = corridor_theta(0.6), 0.01, 0.1
    history = reinforce(mdp, policy, theta0, inputs, alpha, 1, np.random.default_rng(2),
                        baseline="learned", alpha_w=alpha_w)
    batch = sample_episodes(mdp, policy, theta0[None, :], inputs, 1, np.random.default_rng(2))
    G = returns_to_go(batch.rewards[0])
    theta, w = theta0.copy(), np.zeros(mdp.n_states)
    for t in range(batch.lengths[0]):
        s, a = batch.states[0, t], batch.actions[0, t]
        delta = G[t] - w[s]
        w[s] += alpha_w * delta
        theta = theta + alpha * delta * policy.grad_log_prob(theta, inputs[s], a)
    np.testing.assert_allclose(history.w[0, 1], w, rtol=1e-12)
    np.testing.assert_allclose(history.theta[0, 1], theta, rtol=1e-12)


def test_one_step_size_per_run():
    env = ShortCorridor()
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(2, 2), env.policy_inputs()
    theta0 = corridor_theta(0.3)
    history = reinforce(mdp, policy, theta0, inputs, np.array([1e-12, 2**-9]), 20,
                        np.random.default_rng(4), n_runs=2)
    moved = np.abs(history.theta[:, -1] - theta0).max(axis=1)
    assert moved[0] < 1e-6  # α = 1e-12 times returns of order 100 and scores below 1
    assert moved[1] > 1e-2
    same = reinforce(mdp, policy, theta0, inputs, np.full(2, 2**-9), 20, np.random.default_rng(4), n_runs=2)
    scalar = reinforce(mdp, policy, theta0, inputs, 2**-9, 20, np.random.default_rng(4), n_runs=2)
    np.testing.assert_array_equal(same.theta, scalar.theta)


@pytest.mark.parametrize("on_truncation", ["continue", "stop"])
def test_a_run_stops_at_its_first_truncated_episode_on_request(on_truncation):
    # With p = π(right) = 0.999 the agent bounces between the first two cells:
    # from cell 1 "right" leads back to cell 0, so episodes hardly ever end.
    env = ShortCorridor()
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(2, 2), env.policy_inputs()
    theta0 = corridor_theta(0.999)
    history = reinforce(mdp, policy, theta0, inputs, 2**-12, 5, np.random.default_rng(1), n_runs=3,
                        max_steps=20, on_truncation=on_truncation)
    assert history.truncated[:, 0].all()
    assert (history.lengths[:, 0] == 20).all()
    np.testing.assert_array_equal(history.returns[:, 0], -20.0)
    if on_truncation == "stop":
        assert np.isnan(history.returns[:, 1:]).all()
        assert np.isnan(history.theta[:, 1:]).all()  # nothing learned from the truncated episode
    else:
        assert not np.isnan(history.returns).any()
        assert not np.isnan(history.theta).any()
        assert not np.allclose(history.theta[:, 1], theta0)


# ---------------------------------------------------------------- the one per-step engine


def plain_per_step_loop(mdp, policy, theta0, inputs, alpha, n_episodes, n_runs, rng, *, baseline="none",
                        alpha_w=0.0, max_steps=10_000, stop_on_truncation=False):
    """Sutton & Barto's box written out plainly: run after run, episode after episode, step after step.

    Episodes come from ``sample_episodes`` one at a time, so the generator is read in the
    order the engine documents; b is 0, the exact v_π at the episode's θ, a learned w_s,
    or the mean of the run's earlier G_t.
    """
    theta = np.tile(theta0, (n_runs, 1)).astype(float)
    w = np.zeros((n_runs, mdp.n_states))
    earlier = [[] for _ in range(n_runs)]
    history = np.full((n_runs, n_episodes + 1, len(theta0)), np.nan)
    history[:, 0] = theta
    stopped = np.zeros(n_runs, dtype=bool)
    for e in range(n_episodes):
        for run in np.flatnonzero(~stopped):
            batch = sample_episodes(mdp, policy, theta[run], inputs, 1, rng, max_steps)
            if batch.truncated[0] and stop_on_truncation:
                stopped[run] = True
                continue
            G = returns_to_go(batch.rewards[0], mdp.gamma)
            v = state_values(mdp, policy.table(theta[run], inputs))
            b_mean = np.mean(earlier[run]) if earlier[run] else 0.0
            for t in range(batch.lengths[0]):
                s, a = batch.states[0, t], batch.actions[0, t]
                b = {"none": 0.0, "exact": v[s], "learned": w[run, s], "mean": b_mean}[baseline]
                delta = G[t] - b
                if baseline == "learned":
                    w[run, s] += alpha_w * delta
                score = policy.grad_log_prob(theta[run], inputs[s], a)
                theta[run] = theta[run] + alpha * mdp.gamma**t * delta * score
            earlier[run].extend(G[: batch.lengths[0]])
            history[run, e + 1] = theta[run]
    return history


@pytest.mark.parametrize("case", ["corridor", "demand", "windy-0.9"])
@pytest.mark.parametrize("baseline", ["none", "exact", "learned", "mean"])
def test_many_runs_follow_the_plain_loop_draw_for_draw(case, baseline):
    """The engine and the plain loop read the same random numbers: the same θ after every episode."""
    mdp, policy, theta0, inputs = estimate_case(case)
    alpha = {"corridor": 2**-8, "demand": 0.1, "windy-0.9": 0.2}[case]
    kwargs = {"alpha_w": 0.1} if baseline == "learned" else {}
    history = reinforce(mdp, policy, theta0, inputs, alpha, 6, np.random.default_rng(31), n_runs=5,
                        baseline=baseline, **kwargs)
    expected = plain_per_step_loop(mdp, policy, theta0, inputs, alpha, 6, 5, np.random.default_rng(31),
                                   baseline=baseline, **kwargs)
    np.testing.assert_allclose(history.theta, expected, rtol=1e-9, atol=1e-12)


def test_stopped_runs_leave_the_draws_to_the_others():
    """A run stopped at a cut episode reads no more random numbers, in the engine as in the plain loop."""
    env = ShortCorridor()
    mdp, policy, inputs = env.tabular(), SoftmaxLinearPolicy(2, 2), env.policy_inputs()
    theta0 = corridor_theta(0.9)
    history = reinforce(mdp, policy, theta0, inputs, 2**-9, 8, np.random.default_rng(5), n_runs=6,
                        max_steps=12, on_truncation="stop")
    expected = plain_per_step_loop(mdp, policy, theta0, inputs, 2**-9, 8, 6, np.random.default_rng(5),
                                   max_steps=12, stop_on_truncation=True)
    assert history.truncated.any()
    np.testing.assert_allclose(history.theta, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("baseline", ["none", "exact", "mean"])
def test_one_per_step_episode_moves_theta_by_alpha_times_the_gradient_on_average(baseline):
    """With a tiny α, E[θ_after - θ_before] / α = ∇J(θ) for every action-independent baseline.

    The second episode is measured, so the mean baseline has earlier returns; 20,000 runs,
    4.5 standard errors per component.
    """
    mdp, policy, theta0, inputs = estimate_case("windy-0.9")
    alpha = 1e-9
    history = reinforce(mdp, policy, theta0, inputs, alpha, 2, np.random.default_rng(23), n_runs=N_ESTIMATES,
                        baseline=baseline)
    steps = (history.theta[:, 2] - history.theta[:, 1]) / alpha
    assert_mean_matches(steps, exact_gradient(mdp, policy, theta0, inputs))


def test_engine_agrees_with_a_gymnasium_loop_over_many_runs():
    """Against episodes played step by step in the Gymnasium environment, with its own dynamics.

    The mean θ of 300 runs after 8 episodes agrees within 4 standard errors.
    """
    env = DemandEnv(horizon=3)
    mdp, policy, inputs = env.tabular(), SigmoidPolicy(), env.policy_inputs()
    n_runs, n_episodes, alpha = 300, 8, 0.2
    rng = np.random.default_rng(12)
    finals = np.empty(n_runs)
    for run in range(n_runs):
        theta = np.array([0.0])
        for _ in range(n_episodes):
            episode = run_episode(env, policy, theta, inputs, rng)
            G = returns_to_go(episode.rewards, env.gamma)
            for t in range(len(episode)):
                theta = theta + alpha * env.gamma**t * G[t] * policy.grad_log_prob(
                    theta, inputs[episode.states[t]], episode.actions[t])
        finals[run] = theta[0]
    engine = reinforce(mdp, policy, np.array([0.0]), inputs, alpha, n_episodes, np.random.default_rng(13),
                       n_runs=n_runs).theta[:, -1, 0]
    se = np.hypot(finals.std(ddof=1), engine.std(ddof=1)) / math.sqrt(n_runs)
    assert abs(finals.mean() - engine.mean()) < 4 * se
    assert finals.mean() > 0.5  # both learn: θ moves well away from 0
