"""Notebook 02's exercise checks: right answers pass, the usual slips get a hint that names them."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.dashboards.demand import best_return, learning_runs
from helpers.exercises import Feedback
from helpers.exercises.demand import (
    TEMPERATURE_EXERCISE,
    UPDATE_CASES,
    UPDATE_EXERCISE,
    check_reinforce_update,
    check_step_size,
    check_temperature_score,
    check_update_direction,
    temperature_score,
    update_step,
)
from helpers.policies import sigmoid


def passes(feedback: Feedback) -> bool:
    assert isinstance(feedback, Feedback)
    assert feedback.message
    return feedback.correct


# --- exercise 1: the score of the temperature policy ---------------------------------------------


def test_the_temperature_score_matches_finite_differences():
    for p, theta, action in ((2.0, 1.5, "LESS"), (-1.0, 0.7, "MORE"), (1.0, 3.0, "MORE")):
        a = 1 if action == "MORE" else 0

        def log_pi(th, p=p, a=a):
            more = sigmoid(p / th)
            return np.log(more if a else 1 - more)

        h = 1e-6
        numeric = (log_pi(theta + h) - log_pi(theta - h)) / (2 * h)
        assert temperature_score(p, theta, action) == pytest.approx(numeric, rel=1e-6)
    with pytest.raises(ValueError, match="action"):
        temperature_score(1.0, 1.0, "HOLD")
    with pytest.raises(ValueError, match="theta"):
        temperature_score(1.0, 0.0)


def test_the_right_score_passes():
    right = temperature_score(**TEMPERATURE_EXERCISE)
    assert passes(check_temperature_score(right))
    assert passes(check_temperature_score(np.array([right])))
    assert "temperature" in check_temperature_score(right).message


def test_the_usual_slips_get_their_hint():
    p, theta = TEMPERATURE_EXERCISE["p"], TEMPERATURE_EXERCISE["theta"]
    sig = sigmoid(p / theta)
    right = temperature_score(**TEMPERATURE_EXERCISE)
    for wrong, hint in (((0 - sig) * p, "logit as θp"), ((0 - sig) * p / theta, "−p/θ², not p/θ"),
                        (-right, "wrong sign"), (temperature_score(p, theta, "MORE"), "score of MORE"),
                        ((1 - sig) * right, "∇π"), (None, "`None`"), ([1.0, 2.0], "one number")):
        feedback = check_temperature_score(wrong)
        assert not passes(feedback), hint
        assert hint in feedback.message, (hint, feedback.message)


def test_the_exercise_values_keep_every_slip_apart_from_the_answer():
    p, theta = TEMPERATURE_EXERCISE["p"], TEMPERATURE_EXERCISE["theta"]
    sig = sigmoid(p / theta)
    right = temperature_score(**TEMPERATURE_EXERCISE)
    slips = [(0 - sig) * p, -(0 - sig) * p, (0 - sig) * p / theta, -right,
             temperature_score(p, theta, "MORE"), (1 - sig) * right]
    values = np.array([right, *slips])
    gaps = np.abs(values[:, None] - values[None, :])[np.triu_indices(len(values), 1)]
    assert gaps.min() > 0.05


# --- exercise 2: predict the direction of one step ----------------------------------------------


def test_the_right_step_with_the_right_prediction_passes_and_explains():
    step = update_step(**UPDATE_EXERCISE)
    assert step < 0  # MORE at a fall after a good season: θ goes down
    feedback = check_update_direction("lower", step)
    assert passes(feedback)
    assert "rises from 0.378 to 0.422" in feedback.message
    assert passes(check_update_direction(" Lower ", np.array([step])))


def test_a_wrong_prediction_is_shown_what_the_numbers_say():
    feedback = check_update_direction("raise", update_step(**UPDATE_EXERCISE))
    assert not passes(feedback)
    assert "prediction does not match" in feedback.message
    assert '"lower"' in feedback.message


@pytest.mark.parametrize(("prediction", "step", "hint"), [
    (None, None, "prediction first"),
    ("up", 0.0, "the word"),
    ("lower", None, "`None`"),
    ("lower", -update_step(**UPDATE_EXERCISE), "wrong sign"),
    ("lower", 0.1 * 3.0 * (0 - sigmoid(-0.5)) * -1.0, "LESS"),
    ("lower", [0.1, 0.2], "one number"),
])
def test_slips_in_the_step_get_their_hint(prediction, step, hint):
    feedback = check_update_direction(prediction, step)
    assert not passes(feedback)
    assert hint in feedback.message, feedback.message


# --- exercise 3: one REINFORCE update ---------------------------------------------------------------


def returns(rewards, gamma):
    G, running = np.zeros(len(rewards)), 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        G[t] = running
    return G


def right_update(theta, p, actions, rewards, alpha, gamma):
    G = returns(rewards, gamma)
    for t in range(len(actions)):
        theta = theta + alpha * gamma**t * G[t] * (actions[t] - sigmoid(theta * p[t])) * p[t]
    return theta


def batch_update(theta, p, actions, rewards, alpha, gamma):
    G = returns(rewards, gamma)
    scores = (actions - sigmoid(theta * p)) * p
    return theta + alpha * np.sum(gamma ** np.arange(len(p)) * G * scores)


def reward_update(theta, p, actions, rewards, alpha, gamma):
    for t in range(len(actions)):
        theta = theta + alpha * gamma**t * rewards[t] * (actions[t] - sigmoid(theta * p[t])) * p[t]
    return theta


def whole_return_update(theta, p, actions, rewards, alpha, gamma):
    G0 = returns(rewards, gamma)[0]
    for t in range(len(actions)):
        theta = theta + alpha * gamma**t * G0 * (actions[t] - sigmoid(theta * p[t])) * p[t]
    return theta


def undiscounted_update(theta, p, actions, rewards, alpha, gamma):
    G = returns(rewards, gamma)
    for t in range(len(actions)):
        theta = theta + alpha * G[t] * (actions[t] - sigmoid(theta * p[t])) * p[t]
    return theta


def descent_update(theta, p, actions, rewards, alpha, gamma):
    G = returns(rewards, gamma)
    for t in range(len(actions)):
        theta = theta - alpha * gamma**t * G[t] * (actions[t] - sigmoid(theta * p[t])) * p[t]
    return theta


def test_check_reinforce_update_accepts_the_per_step_update():
    feedback = check_reinforce_update(right_update)
    assert passes(feedback), feedback.message
    assert passes(check_reinforce_update(lambda *args: np.array([right_update(*args)])))


@pytest.mark.parametrize(("function", "hint"), [
    (batch_update, "batch form"),
    (reward_update, "reward R_{t+1}"),
    (whole_return_update, "G_0"),
    (undiscounted_update, "γ^t is missing"),
    (descent_update, "wrong way"),
    (lambda *args: None, "returns `None`"),
    (lambda *args: 1 / 0, "ZeroDivisionError"),
    (lambda *args: np.zeros(3), "one number"),
    (lambda *args: 0.0, "expected"),
])
def test_check_reinforce_update_names_the_usual_slips(function, hint):
    feedback = check_reinforce_update(function)
    assert not passes(feedback)
    assert hint in feedback.message, feedback.message


def test_check_reinforce_update_needs_a_function():
    assert "still `None`" in check_reinforce_update(None).message
    assert "function itself" in check_reinforce_update(right_update(0.5, *UPDATE_CASES[0][1:])).message


def test_update_cases_tell_every_slip_apart():
    # each slip must give a different θ than the right update on at least one case,
    # otherwise the check could not catch it
    for slip in (batch_update, reward_update, whole_return_update, undiscounted_update, descent_update):
        differences = [abs(slip(case[0], *map(np.array, case[1:4]), *case[4:])
                           - right_update(case[0], *map(np.array, case[1:4]), *case[4:]))
                       for case in UPDATE_CASES]
        assert max(differences) > 1e-4, slip.__name__


# --- exercise 4: the step size -------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.2, 0.3, 1.0, 3.0])
def test_check_step_size_accepts_a_step_size_in_the_window(alpha):
    feedback = check_step_size(alpha)
    assert passes(feedback)
    assert "0.2 to 3" in feedback.message
    assert "0.065" in feedback.message


def test_the_window_of_exercise_4_is_what_the_solution_says():
    # the notebook's solution: α = 0.5 ends about 0.02 below J*; 0.2 to 3 pass, more than a decade;
    # just outside, 0.15 still crawls and 3.16 loses one run to θ < 0, which costs 2 J*/100 ≈ 0.065
    J_best = best_return()

    def gap_and_wrong(alpha):
        runs = learning_runs(alpha, n_runs=100, n_episodes=100, seed=1)
        return J_best - runs.J[:, -1].mean(), int(runs.wrong_way.sum())

    assert round(gap_and_wrong(0.5)[0], 2) == 0.02
    assert gap_and_wrong(0.15) == (pytest.approx(0.057, abs=0.005), 0)
    gap_3, wrong_3 = gap_and_wrong(3.0)
    gap_316, wrong_316 = gap_and_wrong(10**0.5)
    assert (wrong_3, wrong_316) == (0, 1)
    assert gap_316 - gap_3 == pytest.approx(2 * J_best / 100, abs=0.002)
    assert round(2 * J_best / 100, 3) == 0.065
    assert 3.0 / 0.2 > 10


def test_the_step_size_table_puts_alpha_0_1_about_0_09_below_after_100_episodes():
    runs = learning_runs(0.1, seed=0)  # section 4's table: 100 runs of 200 episodes, seed 0
    assert round(best_return() - runs.J[:, 100].mean(), 2) == 0.09


def test_check_step_size_explains_too_small_and_too_large():
    small = check_step_size(0.01)
    assert not passes(small)
    assert "too small" in small.message
    large = check_step_size(10.0)
    assert not passes(large)
    assert "too large" in large.message
    assert "θ < 0" in large.message
    one = check_step_size(10**0.5)
    assert not passes(one)
    assert "1 of 100 runs was thrown" in one.message


def test_check_step_size_says_less_about_other_settings():
    feedback = check_step_size(0.5, n_runs=50)
    assert passes(feedback)
    assert "0.2 to 3" not in feedback.message
    assert "2J*/50" in feedback.message


@pytest.mark.parametrize(("alpha", "hint"), [(None, "`None`"), (-1.0, "> 0"), (0.0, "> 0"),
                                             ("fast", "number"), (np.nan, "> 0")])
def test_check_step_size_refuses_what_is_not_a_step_size(alpha, hint):
    feedback = check_step_size(alpha)
    assert not passes(feedback)
    assert hint in feedback.message
