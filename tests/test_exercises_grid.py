"""Notebook 03's exercise checks: right answers pass, the usual slips get a message that helps."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises import Feedback
from helpers.exercises.grid import (
    FRACTION_RUNS,
    SIGN_POINTS,
    check_gradient_signs,
    check_per_step_update,
    check_state_form_constant,
    check_success_fractions,
    fraction_tolerance,
    per_step_update,
    state_form_constant,
    success_fractions,
)
from helpers.experiments import grid
from helpers.mdp import exact_gradient, gradient_terms
from helpers.reinforce import returns_to_go

# --- exercise 1: signs of the gradient ----------------------------------------------------------


def test_sign_points_have_the_signs_the_solution_gives():
    problem = grid.grid_problem()
    for name, expected in (("A", (1, -1)), ("B", (1, 1))):
        gradient = exact_gradient(problem.mdp, problem.policy, np.array(SIGN_POINTS[name]), problem.inputs)
        assert tuple(np.sign(gradient)) == expected
        # readable from the arrows: the arrow is at least 30 degrees away from both axes
        angle = np.degrees(np.arctan2(abs(gradient[1]), abs(gradient[0])))
        assert 30 < angle < 60


@pytest.mark.parametrize(("a", "b"), [(("+", "-"), ("+", "+")), ((1, -1), (1, 1)),
                                      (["+", "−"], np.array([2.0, 0.5]))])
def test_right_signs_pass_in_any_reasonable_spelling(a, b):
    feedback = check_gradient_signs(a, b)
    assert isinstance(feedback, Feedback)
    assert feedback.correct, feedback.message


def test_a_wrong_sign_is_named_by_point_and_component():
    feedback = check_gradient_signs(("+", "+"), ("+", "+"))
    assert not feedback.correct
    assert "A = θ (12.5, 12.5)" in feedback.message
    assert "∂J/∂θ₂" in feedback.message
    assert "up (+) or down (−)" in feedback.message
    assert "B =" not in feedback.message
    both = check_gradient_signs(("-", "-"), ("+", "-"))
    assert "∂J/∂θ₁" in both.message
    assert "B = θ (17.5, -7.5)" in both.message


@pytest.mark.parametrize(("answer", "hint"), [(None, "replace None"), ("+-", "pair"), (("+",), "pair"),
                                              (("+", "?"), "'+' or '-'"), ((1, 0), "'+' or '-'")])
def test_malformed_signs_get_a_hint_not_an_exception(answer, hint):
    feedback = check_gradient_signs(answer, ("+", "+"))
    assert not feedback.correct
    assert hint in feedback.message


# --- exercise 2: one per-step update ----------------------------------------------------------------


@pytest.fixture(scope="module")
def setting():
    problem = grid.grid_problem(gamma=0.9)
    theta = np.array([1.0, -0.5])
    episode = grid.sample_path(problem, theta, np.random.default_rng(8))
    return {"theta": theta, "episode": episode, "t": 2, "alpha": 0.1, "gamma": 0.9}, problem


def test_the_right_update_passes(setting):
    kwargs, problem = setting
    episode, t = kwargs["episode"], kwargs["t"]
    G = returns_to_go(episode.rewards, 0.9)
    state, action = episode.states[t], episode.actions[t]
    score = problem.policy.grad_log_prob(kwargs["theta"], problem.inputs[state], action)
    answer = kwargs["theta"] + 0.1 * 0.9**t * G[t] * score
    np.testing.assert_allclose(per_step_update(kwargs["theta"], episode, t, 0.1, 0.9), answer)
    feedback = check_per_step_update(answer, **kwargs)
    assert feedback.correct, feedback.message
    assert check_per_step_update(list(answer), **kwargs).correct


def test_the_usual_slips_are_recognised(setting):
    kwargs, problem = setting
    theta, episode, t = kwargs["theta"], kwargs["episode"], kwargs["t"]
    G = returns_to_go(episode.rewards, 0.9)
    G_undiscounted = returns_to_go(episode.rewards, 1.0)
    score = problem.policy.grad_log_prob(theta, problem.inputs[episode.states[t]], episode.actions[t])
    assert not np.isclose(G[t], G[0])
    assert not np.isclose(G[t], episode.rewards[t])
    slips = {
        "γ^t": theta + 0.1 * G[t] * score,
        "G_0": theta + 0.1 * 0.9**t * G[0] * score,
        "R_{t+1}": theta + 0.1 * 0.9**t * episode.rewards[t] * score,
        "discounted too": theta + 0.1 * 0.9**t * G_undiscounted[t] * score,
        "descent": theta - 0.1 * 0.9**t * G[t] * score,
        "step alone": 0.1 * 0.9**t * G[t] * score,
        "step size α": theta + 0.9**t * G[t] * score,
    }
    sequential = theta.copy()  # Sutton & Barto's loop: θ changes at steps 0 and 1 before step 2's score
    for k in range(t + 1):
        step_score = problem.policy.grad_log_prob(sequential, problem.inputs[episode.states[k]],
                                                  episode.actions[k])
        sequential = sequential + 0.1 * 0.9**k * G[k] * step_score
    assert not np.allclose(sequential, per_step_update(theta, episode, t, 0.1, 0.9))
    slips["steps 0, …, t−1 first"] = sequential
    for keyword, wrong in slips.items():
        feedback = check_per_step_update(wrong, **kwargs)
        assert not feedback.correct
        assert keyword in feedback.message, (keyword, feedback.message)


@pytest.mark.parametrize(("answer", "hint"), [(None, "still None"), (np.zeros(3), "shape"),
                                              (np.array([9.0, 9.0]), "not right yet"), ("θ", "number")])
def test_other_wrong_updates_get_a_hint(setting, answer, hint):
    kwargs, _ = setting
    feedback = check_per_step_update(answer, **kwargs)
    assert not feedback.correct
    assert hint in feedback.message


def test_per_step_update_refuses_a_step_outside_the_episode(setting):
    kwargs, _ = setting
    with pytest.raises(ValueError, match="t must be"):
        per_step_update(kwargs["theta"], kwargs["episode"], 6, 0.1, 0.9)


# --- exercise 3: how often a step size works ----------------------------------------------------------


def test_the_reference_fractions_rise_then_fall_and_are_robust_to_the_seed():
    """α = 1 gets (almost) every run to J ≥ 4; α = 10 strands about one in five; another seed agrees."""
    fractions = success_fractions()
    assert fractions[1] >= 0.98
    assert fractions[3] < fractions[1] - 4 * np.sqrt(fractions[3] * (1 - fractions[3]) / FRACTION_RUNS)
    other = success_fractions(seed=7)
    assert np.all(np.abs(other - fractions) <= fraction_tolerance(fractions))


def test_the_right_fractions_pass_with_this_seed_and_another():
    assert check_success_fractions(success_fractions()).correct
    assert check_success_fractions(list(success_fractions(seed=7))).correct


@pytest.mark.parametrize(("transform", "hint"), [
    (lambda f: f * FRACTION_RUNS, "counts of runs"),
    (lambda f: f * 100, "percentages"),
    (lambda f: 1 - f, "fall short"),
    (lambda f: f[:3], "give 4 fractions"),
    (lambda f: np.full(4, 0.5), "far from what 200 runs give"),
])
def test_slips_in_the_fractions_get_their_hint(transform, hint):
    feedback = check_success_fractions(transform(success_fractions()))
    assert not feedback.correct
    assert hint in feedback.message


@pytest.mark.parametrize("answer", [None, "many", [np.nan, 1, 1, 1]])
def test_fractions_that_are_not_numbers_get_a_hint(answer):
    feedback = check_success_fractions(answer)
    assert not feedback.correct


# --- exercise 4: the constant of the discounted state form ---------------------------------------------


def test_the_constant_is_the_discounted_episode_length_and_makes_the_state_form_exact():
    theta = np.array([20.0, 10.0])
    c = state_form_constant(theta)
    assert c == pytest.approx(sum(0.9**t for t in range(6)), rel=1e-12)
    assert c == pytest.approx(4.68559, rel=1e-12)
    problem = grid.grid_problem(gamma=0.9)
    terms = gradient_terms(problem.mdp, problem.policy, theta, problem.inputs)
    mu_gamma = terms.eta_discounted / terms.eta_discounted.sum()
    state_sum = np.einsum("s,sa,sad->d", mu_gamma, terms.q, terms.grad_pi)
    np.testing.assert_allclose(c * state_sum, terms.gradient, rtol=1e-10)


def test_the_discounted_episode_length_passes_and_the_usual_slips_are_named():
    theta = np.array([20.0, 10.0])
    c = state_form_constant(theta)
    assert check_state_form_constant(c, theta).correct
    assert check_state_form_constant(float(np.sum(0.9 ** np.arange(6))), theta).correct
    for answer, hint in ((1 / c, "1/c"), (6, "undiscounted"), (7, "rows"), (1, "equal"), (None, "still None"),
                         ("six", "number"), (5, "too large"), (4.6856, "full precision")):
        feedback = check_state_form_constant(answer, theta)
        assert not feedback.correct
        assert hint in feedback.message, (answer, feedback.message)


def test_another_threshold_or_the_reverse_order_is_named():
    feedback = check_success_fractions(success_fractions(threshold=0.0))
    assert not feedback.correct
    assert "J ≥ 0" in feedback.message
    reverse = check_success_fractions(success_fractions()[::-1])
    assert not reverse.correct
    assert "reverse order" in reverse.message
    assert "agree within the noise" in check_success_fractions(success_fractions(seed=7)).message
