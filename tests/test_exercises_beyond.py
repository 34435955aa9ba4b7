"""Notebook 06's exercise checks: right answers pass, the usual slips get a hint that names them."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.cartpole import episodes_to_solve, episodes_to_solve_gymnasium
from helpers.envs import WindyHighway
from helpers.exercises.beyond import (
    check_clipped_objective,
    check_gymnasium_solved,
    check_reuse_prediction,
    check_trajectory_ratio,
)
from helpers.experiments.beyond import first_batch_J
from helpers.policies import SoftmaxLinearPolicy
from helpers.reinforce import sample_episodes

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


# --- exercise 3: more clipped updates on the first batch (a prediction) --------------------------------


def test_reuse_prediction_compares_and_names_slips():
    medians = [float(np.median(first_batch_J(1))), float(np.median(first_batch_J(4)))]
    assert medians[1] < medians[0]  # the early dip: clipped updates 2-4 pull θ back
    right = check_reuse_prediction("lower", medians)
    assert right.correct
    assert "as you predicted" in right.message
    assert "not what you predicted" in check_reuse_prediction("higher", medians).message
    means = [float(np.mean(first_batch_J(1))), float(np.mean(first_batch_J(4)))]
    cases = [(None, medians, "prediction first"), ("lower", medians[::-1], "other order"),
             ("lower", means, "means"), ("lower", [1.0], "two numbers"), ("lower", [0.0, 0.0], "not")]
    for prediction, answer, hint in cases:
        feedback = check_reuse_prediction(prediction, answer)
        assert not feedback.correct
        assert hint in feedback.message, (hint, feedback.message)


# --- exercise 4: Gymnasium's rule -----------------------------------------------------------------------


RETURNS = np.r_[np.linspace(20, 480, 40), np.full(150, 500.0)]


def test_gymnasium_rule_accepts_the_count_and_names_slips():
    expected = episodes_to_solve_gymnasium(RETURNS)
    assert check_gymnasium_solved(expected, RETURNS).correct
    cases = [(None, "None"), (expected - 1, "0-based"), (expected - 100, "begin"),
             (episodes_to_solve(RETURNS), "running-average"), ([1, 2], "one number"),
             (10_000, "not right yet")]
    for answer, hint in cases:
        feedback = check_gymnasium_solved(answer, RETURNS)
        assert not feedback.correct, answer
        assert hint in feedback.message, (hint, feedback.message)
    never = np.full(150, 400.0)
    assert check_gymnasium_solved(None, never).correct
    assert not check_gymnasium_solved(120, never).correct
