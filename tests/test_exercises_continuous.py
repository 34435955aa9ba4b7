"""Notebook 05's exercise checks: right answers pass, the usual slips get a hint that names them."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.envs import WindyHighway
from helpers.exercises import Feedback
from helpers.exercises.continuous import (
    check_clipped_objective,
    check_episodes_to_solve,
    check_gaussian_score,
    check_trajectory_ratio,
    gaussian_score,
)
from helpers.policies import SoftmaxLinearPolicy
from helpers.reinforce import sample_episodes

# --- exercise 1: the Gaussian score at a = 1.6, p = 2, θ_μ = 0.5, θ_σ = -0.2 --------------------------

A, P, THETA_MU, THETA_SIGMA = 1.6, 2.0, 0.5, -0.2
MU, SIGMA = THETA_MU * P, np.exp(THETA_SIGMA * P)
Z = (A - MU) / SIGMA


def test_gaussian_score_reference_is_the_formula():
    np.testing.assert_allclose(gaussian_score(A, P, THETA_MU, THETA_SIGMA),
                               [(A - MU) * P / SIGMA**2, (Z**2 - 1) * P])


def test_gaussian_score_accepts_the_right_answer_in_any_array_form():
    right = [(A - MU) * P / SIGMA**2, ((A - MU) ** 2 / SIGMA**2 - 1) * P]
    for answer in (right, np.array(right), np.array([right]), tuple(right)):
        feedback = check_gaussian_score(answer)
        assert isinstance(feedback, Feedback)
        assert feedback.correct, feedback.message
    assert "above" in check_gaussian_score(right).message


@pytest.mark.parametrize(("answer", "hint"), [
    (None, "None"),
    ("two", "number"),
    ((A - MU) * P / SIGMA**2, "two entries"),
    ([1.0, 2.0, 3.0], "2 here"),
    ([(A - MU) / SIGMA**2, (Z**2 - 1) * P], "factor x = p"),
    ([(A - MU) * P / SIGMA, (Z**2 - 1) * P], "divides by σ once"),
    ([(MU - A) * P / SIGMA**2, (Z**2 - 1) * P], "wrong sign"),
    ([(A - MU) * P / SIGMA**2, Z**2 * P], "−1"),
    ([(A - MU) * P / SIGMA**2, (Z**2 - 1) / SIGMA], "∂ln π/∂σ"),
    ([(A - MU) * P / SIGMA**2, Z**2 - 1], "ln σ = θ_σ p"),
    ([0.3, 0.4], "not right yet"),
])
def test_gaussian_score_names_the_slip(answer, hint):
    feedback = check_gaussian_score(answer)
    assert not feedback.correct
    assert hint in feedback.message


def test_gaussian_score_names_two_slips_at_once():
    feedback = check_gaussian_score([(A - MU) / SIGMA**2, Z**2 * P])
    assert not feedback.correct
    assert "factor x = p" in feedback.message
    assert "−1" in feedback.message


# --- exercise 2: the ratio of an episode ---------------------------------------------------------------


@pytest.fixture(scope="module")
def episode():
    env = WindyHighway()
    policy, x = SoftmaxLinearPolicy(3, 2), env.policy_inputs("offset")
    batch = sample_episodes(env.tabular(), policy, np.zeros(2), x, 1, np.random.default_rng(0))
    states, actions = batch.states[0, batch.mask[0]], batch.actions[0, batch.mask[0]]
    theta, theta_old = np.array([1.0, -0.5]), np.zeros(2)
    new = policy.probs(theta, x[states])[np.arange(len(states)), actions]
    old = policy.probs(theta_old, x[states])[np.arange(len(states)), actions]
    kwargs = dict(policy=policy, theta=theta, theta_old=theta_old, inputs=x, states=states, actions=actions)
    return kwargs, new, old


def test_trajectory_ratio_accepts_the_product_of_ratios(episode):
    kwargs, new, old = episode
    feedback = check_trajectory_ratio(np.prod(new / old), **kwargs)
    assert feedback.correct, feedback.message
    assert "cancel" in feedback.message
    assert check_trajectory_ratio(np.exp(np.sum(np.log(new) - np.log(old))), **kwargs).correct


def test_trajectory_ratio_names_the_slip(episode):
    kwargs, new, old = episode
    ratios = new / old
    cases = [(None, "None"), (ratios, "one number"), (np.prod(old / new), "upside down"),
             (ratios.sum(), "product"), (ratios.mean(), "product"), (ratios[0], "single step"),
             (np.prod(new), "divide"), (np.prod(ratios) + 0.5, "not right yet")]
    for answer, hint in cases:
        feedback = check_trajectory_ratio(answer, **kwargs)
        assert not feedback.correct, answer
        assert hint in feedback.message, (hint, feedback.message)


# --- exercise 3: the clipped objective --------------------------------------------------------------------


def right_clipped(r, A, epsilon):
    return np.minimum(r * A, np.clip(r, 1 - epsilon, 1 + epsilon) * A)


def test_clipped_objective_accepts_a_right_function():
    feedback = check_clipped_objective(right_clipped)
    assert feedback.correct, feedback.message
    assert "edges" in feedback.message
    by_cases = lambda r, A, e: np.where(A > 0, np.minimum(r, 1 + e), np.maximum(r, 1 - e)) * A  # noqa: E731
    assert check_clipped_objective(by_cases)


def raises(r, A, epsilon):
    raise NotImplementedError("not yet")


@pytest.mark.parametrize(("function", "hint"), [
    (None, "None"),
    (3.0, "function"),
    (lambda r, A, e: np.maximum(r * A, np.clip(r, 1 - e, 1 + e) * A), "smaller"),
    (lambda r, A, e: np.clip(r, 1 - e, 1 + e) * A, "alone"),
    (lambda r, A, e: r * A, "never clipped"),
    (lambda r, A, e: min(float(np.sum(r * A)), 1.0), "one value per ratio"),
    (lambda r, A, e: np.minimum(r * A, np.clip(r, 1 - e, 1.5) * A), "differ at r = 1.5"),
    (raises, "NotImplementedError"),
    (lambda r, A, e: 0.9 * right_clipped(r, A, e) if A < 0 else right_clipped(r, A, e), "Â = -0.7"),
])
def test_clipped_objective_names_the_slip(function, hint):
    feedback = check_clipped_objective(function)
    assert not feedback.correct
    assert hint in feedback.message, feedback.message


# --- exercise 4: the solved rule ----------------------------------------------------------------------------


RETURNS = np.r_[np.linspace(20, 480, 40), np.full(100, 500.0)]


def test_episodes_to_solve_accepts_the_count():
    feedback = check_episodes_to_solve(82, RETURNS)
    assert feedback.correct, feedback.message


@pytest.mark.parametrize(("answer", "hint"), [
    (None, "None"), (81, "0-based"), (40, "own return"), ([82, 83], "one number"), (100, "not right yet"),
])
def test_episodes_to_solve_names_the_slip(answer, hint):
    feedback = check_episodes_to_solve(answer, RETURNS)
    assert not feedback.correct
    assert hint in feedback.message


def test_episodes_to_solve_when_starting_from_zero_or_never_solved():
    returns = np.full(80, 500.0)
    # starting at 0 instead of the first return: 500(1 - 0.95^n) >= 475 first at n = 59
    feedback = check_episodes_to_solve(59, returns)
    assert not feedback.correct
    assert "first episode's return" in feedback.message
    assert check_episodes_to_solve(1, returns).correct
    never = np.full(50, 100.0)
    assert check_episodes_to_solve(None, never).correct
    assert not check_episodes_to_solve(50, never).correct
