"""Notebook 02's quantitative sentences, recomputed with the notebook's settings.

Each test quotes its sentence and fails if the sentence would be false for the
numbers the notebook prints (section 5: 2000 single-episode estimates per θ, seed 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.dashboards import demand
from helpers.mdp import exact_gradient
from helpers.reinforce import returns_to_go, sample_episodes

TABLE_THETAS = (-2.0, -1.0, 0.0, 0.5, 1.0, 2.5)


@pytest.fixture(scope="module")
def views():
    return {theta: demand.single_episode_estimates(theta, seed=0) for theta in TABLE_THETAS}


def test_spread_of_single_episode_estimates(views):
    """The spread of one episode's estimate, as section 5 states it.

    "Their standard deviation s is 0.9 to 2 times the gradient they estimate: about one
    episode in ten gives more than twice the gradient".
    """
    spreads = [v.estimates.std(ddof=1) / abs(v.exact) for v in views.values()]
    assert round(min(spreads), 1) == 0.9
    assert round(max(spreads), 1) == 2.0
    above_twice = [np.mean(v.estimates > 2 * v.exact) for v in views.values()]
    assert all(0.09 <= share <= 0.13 for share in above_twice), above_twice


def test_share_of_estimates_with_the_wrong_sign(views):
    """The share of wrong signs, as section 5 states it.

    "away from θ = 0 between 3.6% (at θ = 0.5) and 8.9% (at θ = ±1) of them even have the wrong sign".
    """
    shares = {theta: np.mean(v.estimates < 0) for theta, v in views.items() if theta != 0.0}
    assert np.mean(views[0.0].estimates < 0) == 0.0
    low, high = min(shares, key=shares.get), max(shares.values())
    assert low == 0.5
    assert f"{shares[low]:.1%}" == "3.6%"
    assert f"{high:.1%}" == "8.9%"
    assert f"{shares[-1.0]:.1%}" == f"{shares[1.0]:.1%}" == "8.9%"


def test_most_estimates_are_small_far_from_zero(views):
    """Far from 0 most estimates are small: "at θ = 2.5, 88% of the episodes give |ĝᵐ| < 0.5"."""
    assert f"{np.mean(np.abs(views[2.5].estimates) < 0.5):.0%}" == "88%"


def test_one_update_moves_the_taken_action_with_the_sign_of_g_and_in_proportion():
    """Section 3, one step on MORE after a good and a bad rest of the season.

    "only the sign of G_t decides whether MORE becomes more or less likely, and the change in θ
    ... is proportional to G_t (the change in probability is too, for small steps)".
    """
    effect = demand.update_effect(theta=0.5, p=1.0, action=demand.MORE, returns=(2.0, -2.0, 1.0), alpha=0.5)
    steps = effect.theta_after - effect.theta
    np.testing.assert_allclose(steps / np.array(effect.returns), steps[2], rtol=1e-12)
    assert effect.after[0, 1] > effect.before[1] > effect.after[1, 1]
    # For a small step the change in probability is linear in G_t too: twice G, twice the change.
    small = demand.update_effect(theta=0.5, p=1.0, action=demand.MORE, returns=(1.0, 2.0), alpha=1e-4)
    change = small.after[:, 1] - small.before[1]
    assert change[1] / change[0] == pytest.approx(2.0, rel=1e-3)
    # LESS in the same state moves the other way for G_t > 0.
    less = demand.update_effect(theta=0.5, p=1.0, action=demand.LESS, returns=(2.0,), alpha=0.5)
    assert less.after[0, 0] > less.before[0]


def test_dividing_by_pi_is_what_makes_the_estimate_unbiased():
    """The seed's point: ∇π(A_t|S_t)/π(A_t|S_t) corrects for how often A_t is taken.

    Σ_t G_t ∇ln π(A_t|S_t, θ) averages to ∇J; Σ_t G_t ∇π(A_t|S_t, θ), without the division, does not:
    frequent actions are counted too often. 20000 demand episodes at θ = 0.5, tolerances of 4
    standard errors.
    """
    problem = demand.demand_problem()
    mdp, policy, x = problem.mdp, problem.policy, problem.inputs
    theta = np.array([0.5])
    batch = sample_episodes(mdp, policy, theta, x, 20_000, np.random.default_rng(13))
    G = returns_to_go(batch.rewards, mdp.gamma) * batch.mask
    score = policy.grad_log_prob(theta, x[batch.states], batch.actions)[..., 0]
    pi_taken = np.take_along_axis(policy.probs(theta, x[batch.states]), batch.actions[..., None], -1)[..., 0]
    with_division = np.sum(G * score, axis=1)
    without_division = np.sum(G * pi_taken * score, axis=1)  # ∇π = π ∇ln π
    exact = float(exact_gradient(mdp, policy, theta, x)[0])

    def z(estimates: np.ndarray) -> float:
        return (estimates.mean() - exact) / (estimates.std(ddof=1) / np.sqrt(estimates.size))

    assert abs(z(with_division)) < 4
    assert abs(z(without_division)) > 20
