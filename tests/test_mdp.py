"""Exact solvers against enumeration, iteration, simulation and finite differences."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.envs import DemandEnv, ShortCorridor, WindyHighway
from helpers.mdp import (
    TabularMDP,
    action_values,
    exact_gradient,
    expected_episode_length,
    expected_return,
    finite_difference_gradient,
    gradient_terms,
    objective,
    on_policy_distribution,
    policy_transition_matrix,
    state_values,
    visit_counts,
)
from helpers.policies import SigmoidPolicy, SoftmaxLinearPolicy

# ---------------------------------------------------------------- independent references


def brute_force_demand(horizon: int, theta: float, gamma: float) -> tuple[float, float, float]:
    """Σ_τ Pr(τ) R(τ), Σ_τ Pr(τ) and Σ_τ Pr(τ) R(τ) Σ_t ∇ln π(a_t|p_t), by listing every trajectory.

    Built only from the documented problem: p_0 uniform over ``demand_changes``, p_{t+1}
    drawn from ``demand_transitions[p_t]``, π(MORE|p) = σ(θp), MORE earns p and LESS earns -p/2.
    """
    changes, transitions = DemandEnv.demand_changes, DemandEnv.demand_transitions
    n = len(changes)
    J = total_probability = gradient = 0.0
    for path in itertools.product(range(n), repeat=horizon):
        path_probability = 1.0 / n
        for t in range(horizon - 1):
            path_probability *= transitions[path[t], path[t + 1]]
        for actions in itertools.product((0, 1), repeat=horizon):
            probability, ret, score = path_probability, 0.0, 0.0
            for t, (i, a) in enumerate(zip(path, actions, strict=True)):
                p = changes[i]
                more = 1.0 / (1.0 + math.exp(-theta * p))
                probability *= more if a == 1 else 1.0 - more
                ret += gamma**t * (p if a == 1 else -p / 2)
                score += (a - more) * p  # d/dθ ln σ(θp) = (1-σ)p, d/dθ ln(1-σ(θp)) = -σp
            J += probability * ret
            total_probability += probability
            gradient += probability * ret * score
    return J, total_probability, gradient


def iterate_q(mdp: TabularMDP, pi: np.ndarray, tol: float = 1e-13) -> np.ndarray:
    """q_π by repeated Bellman backups q ← R + γ P Σ_a' π q, terminal rows 0."""
    q = np.zeros((mdp.n_states, mdp.n_actions))
    for _ in range(200_000):
        v = np.where(mdp.terminal, 0.0, np.sum(pi * q, axis=1))
        new = np.where(mdp.terminal[:, None], 0.0, mdp.R + mdp.gamma * mdp.P @ v)
        if np.max(np.abs(new - q)) < tol:
            return new
        q = new
    raise AssertionError("Bellman iteration did not converge")


def power_series_visits(mdp: TabularMDP, pi: np.ndarray, weight: float) -> np.ndarray:
    """Σ_t weight^t Pr(S_t = s) over non-terminal s, summing the state distribution step by step."""
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    live = ~mdp.terminal
    dist = mdp.d0 * live
    eta = np.zeros(mdp.n_states)
    scale = 1.0
    for _ in range(100_000):
        eta += scale * dist
        dist = (dist @ P_pi) * live
        scale *= weight
        if dist.sum() * scale < 1e-15:
            return eta
    raise AssertionError("the state distribution did not vanish")


def simulate_visits(mdp: TabularMDP, pi: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Visits per non-terminal state in each of n simulated episodes, shape (n, S)."""
    cum_d0, cum_pi, cum_P = np.cumsum(mdp.d0), np.cumsum(pi, axis=1), np.cumsum(mdp.P, axis=2)
    S, A = mdp.n_states, mdp.n_actions
    counts = np.zeros((n, S))
    for i in range(n):
        s = min(int(np.searchsorted(cum_d0, rng.random(), side="right")), S - 1)
        while not mdp.terminal[s]:
            counts[i, s] += 1
            a = min(int(np.searchsorted(cum_pi[s], rng.random(), side="right")), A - 1)
            s = min(int(np.searchsorted(cum_P[s, a], rng.random(), side="right")), S - 1)
    return counts


def short_corridor_table(p: float) -> np.ndarray:
    return np.tile([1 - p, p], (4, 1))


def random_policy_table(rng: np.random.Generator, S: int, A: int) -> np.ndarray:
    return rng.dirichlet(np.ones(A), size=S)


def random_mdp(seed: int, gamma: float, guaranteed_termination: bool, trap: bool = False):
    """A random MDP with 1-2 terminal states, sparse transitions, random d0 and features.

    With ``trap``, one non-terminal state is absorbing: episodes that reach it never end.
    """
    rng = np.random.default_rng(seed)
    S, A, d = int(rng.integers(3, 7)), int(rng.integers(2, 4)), int(rng.integers(1, 4))
    terminal = np.zeros(S, dtype=bool)
    terminal[rng.choice(S, size=int(rng.integers(1, 3)), replace=False)] = True
    weights = rng.random((S, A, S)) * (rng.random((S, A, S)) < 0.6)
    weights[..., 0] += 1e-3  # every row has some mass
    P = weights / weights.sum(axis=2, keepdims=True)
    if guaranteed_termination:
        # Move at least 20% of every row onto the terminal states, so every policy ends.
        to_terminal = np.where(terminal, 1.0, 0.0) / terminal.sum()
        P = 0.8 * P + 0.2 * to_terminal
    if trap:
        trapped = int(np.flatnonzero(~terminal)[0])
        P[trapped] = 0.0
        P[trapped, :, trapped] = 1.0
    mdp = TabularMDP(P, rng.normal(size=(S, A)), rng.dirichlet(np.ones(S)), terminal, gamma)
    inputs = rng.normal(size=(S, A, d))
    theta = rng.normal(size=d)
    return mdp, SoftmaxLinearPolicy(A, d), theta, inputs


def fd_gradient(mdp, policy, theta, inputs):
    return finite_difference_gradient(lambda t: objective(mdp, policy, t, inputs), theta)


# ---------------------------------------------------------------- J by enumeration


@pytest.mark.parametrize("horizon", [2, 3])
@pytest.mark.parametrize("gamma", [1.0, 0.8])
@pytest.mark.parametrize("theta", [-1.5, 0.0, 0.4, 2.0])
def test_demand_objective_matches_enumeration_of_trajectories(horizon, gamma, theta):
    env = DemandEnv(horizon=horizon, gamma=gamma)
    J, total_probability, _ = brute_force_demand(horizon, theta, gamma)
    assert total_probability == pytest.approx(1.0, abs=1e-12)
    assert objective(env.tabular(), SigmoidPolicy(), theta, env.policy_inputs()) == pytest.approx(
        J, abs=1e-12)


@pytest.mark.parametrize("theta", [-1.0, 0.3, 1.2])
def test_demand_exact_gradient_matches_the_trajectory_form_by_enumeration(theta):
    # ∇J = Σ_τ Pr(τ) R(τ) Σ_t ∇ln π(a_t|s_t), summed over all 4³·2³ trajectories.
    env = DemandEnv(horizon=3)
    _, _, gradient = brute_force_demand(3, theta, 1.0)
    np.testing.assert_allclose(
        exact_gradient(env.tabular(), SigmoidPolicy(), theta, env.policy_inputs()), [gradient],
        rtol=1e-10)


def test_demand_objective_at_theta_zero_is_zero_by_symmetry():
    # π = 1/2 everywhere: the expected reward is p/4 and E[p_t] = 0 at every t, because
    # the chain is symmetric under p → -p and starts uniform.
    env = DemandEnv(horizon=4)
    assert objective(env.tabular(), SigmoidPolicy(), 0.0, env.policy_inputs()) == pytest.approx(
        0.0, abs=1e-12)


# ---------------------------------------------------------------- v, q, η by other methods


def model_cases():
    windy = WindyHighway(gamma=0.9)
    demand = DemandEnv(horizon=3)
    random = random_mdp(3, 0.95, guaranteed_termination=False)[0]
    return [
        ("corridor", ShortCorridor().tabular(), short_corridor_table(0.6)),
        ("windy", windy.tabular(), SoftmaxLinearPolicy(3, 2).table(np.array([0.5, -0.3]),
                                                                    windy.policy_inputs())),
        ("demand", demand.tabular(), SigmoidPolicy().table(0.7, demand.policy_inputs())),
        ("random", random, random_policy_table(np.random.default_rng(0), random.n_states,
                                               random.n_actions)),
    ]


@pytest.mark.parametrize(("name", "mdp", "pi"), model_cases(), ids=lambda c: c if isinstance(c, str) else "")
def test_values_match_bellman_iteration(name, mdp, pi):
    q = iterate_q(mdp, pi)
    v = np.where(mdp.terminal, 0.0, np.sum(pi * q, axis=1))
    np.testing.assert_allclose(action_values(mdp, pi), q, atol=1e-9)
    np.testing.assert_allclose(state_values(mdp, pi), v, atol=1e-9)
    assert expected_return(mdp, pi) == pytest.approx(mdp.d0 @ v, abs=1e-9)


@pytest.mark.parametrize(("name", "mdp", "pi"), model_cases(), ids=lambda c: c if isinstance(c, str) else "")
def test_visit_counts_match_the_power_series(name, mdp, pi):
    eta = visit_counts(mdp, pi)
    np.testing.assert_allclose(eta, power_series_visits(mdp, pi, 1.0), atol=1e-9)
    np.testing.assert_allclose(visit_counts(mdp, pi, discounted=True),
                               power_series_visits(mdp, pi, mdp.gamma), atol=1e-9)
    np.testing.assert_allclose(on_policy_distribution(mdp, pi), eta / eta.sum())
    assert expected_episode_length(mdp, pi) == pytest.approx(eta.sum())
    assert np.all(eta[mdp.terminal] == 0)


@pytest.mark.parametrize(("mdp", "pi", "n"), [
    (ShortCorridor().tabular(), short_corridor_table(0.6), 3000),
    (WindyHighway().tabular(),
     SoftmaxLinearPolicy(3, 2).table(np.array([0.5, -0.3]), WindyHighway().policy_inputs()), 3000),
])
def test_visit_counts_match_simulated_counts(mdp, pi, n):
    counts = simulate_visits(mdp, pi, n, np.random.default_rng(11))
    mean = counts.mean(axis=0)
    se = counts.std(axis=0, ddof=1) / math.sqrt(n)
    eta = visit_counts(mdp, pi)
    # 5 standard errors per state (a few states are compared at once); states never
    # visited in the sample must have η = 0.
    assert np.all(np.abs(mean - eta) <= 5 * se + 1e-12), (mean, eta, se)


def test_episode_lengths_of_the_toy_problems():
    windy = WindyHighway(n_rows=5)
    pi_w = SoftmaxLinearPolicy(3, 2).table(np.array([1.0, -2.0]), windy.policy_inputs())
    assert expected_episode_length(windy.tabular(), pi_w) == pytest.approx(4.0)
    demand = DemandEnv(horizon=5)
    pi_d = SigmoidPolicy().table(0.3, demand.policy_inputs())
    assert expected_episode_length(demand.tabular(), pi_d) == pytest.approx(5.0)
    # In the corridor every step costs 1, so the expected length is -J.
    corridor = ShortCorridor().tabular()
    for p in (0.2, 0.5, 0.8):
        pi = short_corridor_table(p)
        assert expected_episode_length(corridor, pi) == pytest.approx(-expected_return(corridor, pi))


def test_policy_transition_matrix_rows():
    mdp = ShortCorridor().tabular()
    P_pi = policy_transition_matrix(mdp, short_corridor_table(0.25))
    expected = np.array([
        [0.75, 0.25, 0.0, 0.0],   # s0: left bumps the wall, right moves on
        [0.25, 0.0, 0.75, 0.0],   # s1 is switched: right goes back, left goes on
        [0.0, 0.75, 0.0, 0.25],   # s2: right reaches the goal
        [0.0, 0.0, 0.0, 0.0],     # the goal is terminal
    ])
    np.testing.assert_allclose(P_pi, expected)


def test_mdp_arrays_are_read_only():
    mdp = ShortCorridor().tabular()
    with pytest.raises(ValueError, match="read-only"):
        mdp.P[0, 0, 0] = 0.5


# ---------------------------------------------------------------- exact gradient vs finite differences


def test_finite_difference_gradient_on_a_known_function():
    theta = np.array([0.3, -1.2, 2.0])
    # f = θ0² θ1 + exp(θ2), ∇f = (2 θ0 θ1, θ0², exp(θ2)).
    numeric = finite_difference_gradient(lambda t: t[0] ** 2 * t[1] + np.exp(t[2]), theta)
    np.testing.assert_allclose(numeric, [2 * 0.3 * -1.2, 0.09, np.exp(2.0)], rtol=1e-8)


def assert_gradient_matches_differences(mdp, policy, theta, inputs):
    exact = exact_gradient(mdp, policy, theta, inputs)
    # Central differences with ε = 1e-5: truncation O(ε²) and rounding O(1e-16 |J| / ε),
    # both below 1e-8 for these problems.
    np.testing.assert_allclose(exact, fd_gradient(mdp, policy, theta, inputs), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("gamma", [1.0, 0.9])
@pytest.mark.parametrize("theta", [-2.0, -0.4, 0.0, 0.3, 1.5])
def test_demand_exact_gradient_matches_finite_differences(gamma, theta):
    env = DemandEnv(horizon=3, gamma=gamma)
    assert_gradient_matches_differences(env.tabular(), SigmoidPolicy(), np.array([theta]),
                                        env.policy_inputs())


@pytest.mark.parametrize("feature", ["offset", "constant"])
@pytest.mark.parametrize(("gamma", "shift"), [(1.0, 0.0), (0.9, 0.0), (1.0, 1.5), (0.9, -2.0)])
@pytest.mark.parametrize("theta", [np.array([0.0, 0.0]), np.array([0.8, -1.3]), np.array([-2.0, 1.0])])
def test_windy_exact_gradient_matches_finite_differences(feature, gamma, shift, theta):
    env = WindyHighway(gamma=gamma, reward_shift=shift)
    assert_gradient_matches_differences(env.tabular(), SoftmaxLinearPolicy(3, 2), theta,
                                        env.policy_inputs(feature))


@pytest.mark.parametrize("theta", [np.array([0.0, 0.0]), np.array([0.35, 0.0]), np.array([1.0, -0.5]),
                                   np.array([-1.0, 0.2])])
def test_corridor_exact_gradient_matches_finite_differences(theta):
    env = ShortCorridor()
    assert_gradient_matches_differences(env.tabular(), SoftmaxLinearPolicy(2, 2), theta,
                                        env.policy_inputs())


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), gamma=st.sampled_from([0.5, 0.9, 0.99]))
def test_random_discounted_mdp_exact_gradient_matches_finite_differences(seed, gamma):
    mdp, policy, theta, inputs = random_mdp(seed, gamma, guaranteed_termination=True)
    assert_gradient_matches_differences(mdp, policy, theta, inputs)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_terminating_mdp_exact_gradient_matches_finite_differences(seed):
    mdp, policy, theta, inputs = random_mdp(seed, 1.0, guaranteed_termination=True)
    assert_gradient_matches_differences(mdp, policy, theta, inputs)
    terms = gradient_terms(mdp, policy, theta, inputs)
    np.testing.assert_allclose(terms.state_sum * terms.episode_length, terms.gradient, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), gamma=st.sampled_from([0.5, 0.9]), trap=st.booleans())
def test_random_continuing_discounted_mdp_exact_gradient_matches_finite_differences(seed, gamma, trap):
    # Some states may never reach a terminal state: with γ < 1, J and ∇J are still finite
    # (the objective handles this case), so the exact gradient must too.
    mdp, policy, theta, inputs = random_mdp(seed, gamma, guaranteed_termination=False, trap=trap)
    assert_gradient_matches_differences(mdp, policy, theta, inputs)


def test_exact_gradient_without_terminal_states_when_discounted():
    rng = np.random.default_rng(0)
    S, A, d = 3, 2, 2
    mdp = TabularMDP(rng.dirichlet(np.ones(S), size=(S, A)), rng.normal(size=(S, A)),
                     np.ones(S) / S, np.zeros(S, dtype=bool), 0.9)
    policy, inputs, theta = SoftmaxLinearPolicy(A, d), rng.normal(size=(S, A, d)), rng.normal(size=d)
    assert np.isfinite(objective(mdp, policy, theta, inputs))
    assert_gradient_matches_differences(mdp, policy, theta, inputs)


# ---------------------------------------------------------------- the theorem's state form


def gamma_one_cases():
    windy, demand, corridor = WindyHighway(), DemandEnv(), ShortCorridor()
    return [
        (windy.tabular(), SoftmaxLinearPolicy(3, 2), np.array([0.4, -0.8]), windy.policy_inputs()),
        (windy.tabular(), SoftmaxLinearPolicy(3, 2), np.array([0.4, -0.8]),
         windy.policy_inputs("constant")),
        (demand.tabular(), SigmoidPolicy(), np.array([0.6]), demand.policy_inputs()),
        (corridor.tabular(), SoftmaxLinearPolicy(2, 2), np.array([0.3, -0.1]), corridor.policy_inputs()),
    ]


@pytest.mark.parametrize(("mdp", "policy", "theta", "inputs"), gamma_one_cases())
def test_state_sum_times_episode_length_is_the_gradient(mdp, policy, theta, inputs):
    terms = gradient_terms(mdp, policy, theta, inputs)
    np.testing.assert_allclose(terms.state_sum * terms.episode_length, terms.gradient, rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(terms.gradient, fd_gradient(mdp, policy, theta, inputs), rtol=1e-6,
                               atol=1e-7)
    pi = policy.table(theta, inputs)
    np.testing.assert_allclose(terms.pi, pi)
    np.testing.assert_allclose(terms.grad_pi, pi[..., None] * policy.grad_log_table(theta, inputs))
    np.testing.assert_allclose(terms.eta, visit_counts(mdp, pi))
    np.testing.assert_allclose(terms.mu.sum(), 1.0)
    assert terms.episode_length == pytest.approx(expected_episode_length(mdp, pi))


def test_windy_gradient_terms_use_discounted_visits_when_gamma_below_one():
    env = WindyHighway(gamma=0.9)
    policy, theta, inputs = SoftmaxLinearPolicy(3, 2), np.array([0.4, -0.8]), env.policy_inputs()
    terms = gradient_terms(env.tabular(), policy, theta, inputs)
    np.testing.assert_allclose(terms.eta_discounted,
                               power_series_visits(env.tabular(), terms.pi, 0.9), atol=1e-12)
    undiscounted = np.einsum("s,sa,sad->d", terms.eta, terms.q, terms.grad_pi)
    # Weighting by undiscounted visits gives a different vector: γ^t matters.
    assert np.max(np.abs(undiscounted - terms.gradient)) > 0.05


@pytest.mark.parametrize("gamma", [1.0, 0.9])
@pytest.mark.parametrize("feature", ["offset", "constant"])
def test_windy_reward_shift_moves_J_but_not_its_gradient(gamma, feature):
    # Every episode on the highway lasts exactly n_rows - 1 steps, so adding c to every
    # reward adds the same c Σ_{t < n_rows-1} γ^t to every return, whatever the policy:
    # J shifts by a constant that does not depend on θ, and ∇J does not change.
    shift, n_rows = 1.7, 7
    base = WindyHighway(n_rows=n_rows, gamma=gamma)
    shifted = WindyHighway(n_rows=n_rows, gamma=gamma, reward_shift=shift)
    policy, inputs = SoftmaxLinearPolicy(3, 2), base.policy_inputs(feature)
    expected_shift = shift * sum(gamma**t for t in range(n_rows - 1))
    if gamma == 1.0:
        assert expected_shift == pytest.approx(shift * (n_rows - 1))
    for theta in (np.array([0.0, 0.0]), np.array([1.2, -0.4]), np.array([-2.0, 0.7])):
        J0 = objective(base.tabular(), policy, theta, inputs)
        J1 = objective(shifted.tabular(), policy, theta, inputs)
        assert abs((J1 - J0) - expected_shift) < 1e-10
        np.testing.assert_allclose(exact_gradient(shifted.tabular(), policy, theta, inputs),
                                   exact_gradient(base.tabular(), policy, theta, inputs), atol=1e-10)
