"""Notebook 05's exercise checks: right answers pass, the usual slips get a hint that names them."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises import Feedback
from helpers.exercises.continuous import (
    ACTOR_CRITIC,
    actor_critic_step,
    check_actor_critic_step,
    check_exploration_prediction,
    check_gaussian_score,
    exploration_gains,
    gaussian_score,
)

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


# --- exercise 2: a better mean or less exploration (a prediction) --------------------------------------


def test_exploration_gains_are_the_closed_form():
    c = 2 * 6.9938 / 2  # c = Σ_t E[p_t²], printed by the notebook as 6.9938
    mean_gain, sigma_gain = exploration_gains()
    assert mean_gain == pytest.approx(c * 0.25, rel=1e-4)
    assert sigma_gain == pytest.approx(3 * (0.25 - 0.0625))


def test_exploration_prediction_compares_and_names_slips():
    gains = exploration_gains()
    right = check_exploration_prediction("mean", gains)
    assert right.correct
    assert "as you predicted" in right.message
    wrong = check_exploration_prediction("sigma", gains)
    assert wrong.correct
    assert "not what you predicted" in wrong.message
    cases = [(None, gains, "prediction first"), ("mean", None, "None"), ("mean", [1.0], "two numbers"),
             ("mean", [-gains[0], -gains[1]], "wrong sign"), ("mean", gains[::-1], "other order"),
             ("mean", [gains[0], 0.25 - 0.0625], "factor T"), ("mean", [gains[0], 3 * 0.25], "σ squared")]
    for prediction, answer, hint in cases:
        feedback = check_exploration_prediction(prediction, answer)
        assert not feedback.correct, (prediction, answer)
        assert hint in feedback.message, (hint, feedback.message)


# --- exercise 3: one step of actor-critic -------------------------------------------------------------


def test_actor_critic_step_by_hand():
    # R = −(0.8 − 1)² = −0.04; v̂(1) = −1.3, v̂(2) = −1.1; δ = −0.04 − 1.1 + 1.3 = 0.16
    delta, w, theta = actor_critic_step(**ACTOR_CRITIC)
    assert delta == pytest.approx(0.16)
    np.testing.assert_allclose(w, [-1.5 + 0.016, 0.2 + 0.016])
    assert theta == pytest.approx(0.5 + 0.05 * 0.16 * (0.8 - 0.5) / 0.25)
    assert check_actor_critic_step(delta, w, theta).correct


def test_actor_critic_step_names_the_slip():
    delta, w, theta = actor_critic_step(**ACTOR_CRITIC)
    cases = [((None, w, theta), "None"), ((-0.04 + 1.3, w, theta), "γ v̂(S_{t+1}, w)"),
             ((-delta, w, theta), "wrong sign"), ((0.04 - 1.1 + 1.3, w, theta), "negative"),
             ((delta, [-1.5 + 0.016, 0.2 + 0.016 * 0 + 0.016 / 1], theta), "Correct"),
             ((delta, [-1.5 + 0.016, 0.2 + 0.032], theta), "S_t (p = 1)"),
             ((delta, w, 0.5 + 0.05 * 0.16 * 0.3), "σ²"),
             ((delta, w, 0.5 + 0.05 * -0.04 * 0.3 / 0.25), "not the reward")]
    for (d, w_new, th), hint in cases:
        feedback = check_actor_critic_step(d, w_new, th)
        if hint == "Correct":
            assert feedback.correct
            continue
        assert not feedback.correct, (d, w_new, th)
        assert hint in feedback.message, (hint, feedback.message)
