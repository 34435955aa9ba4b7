"""Notebook 01's exercise checks accept right answers and explain typical wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from helpers import symbolic as sym
from helpers.exercises import Feedback
from helpers.exercises.theorem import check_exact_gradient, check_horizon3_score, check_softmax_score
from helpers.experiments.theorem import gradient_cloud

THETA = sym.THETA


def assert_not_yet(feedback: Feedback, *phrases: str) -> None:
    assert isinstance(feedback, Feedback)
    assert not feedback.correct
    for phrase in phrases:
        assert phrase in feedback.message, feedback.message


# --- exercise 1: the horizon-3 cancellation ----------------------------------------------------


@pytest.fixture(scope="module")
def tau3():
    return sym.generic_trajectory(3)


def test_horizon3_accepts_the_expanded_derivative(tau3):
    answer = sp.diff(sp.expand_log(sp.log(tau3.probability), force=True), THETA)
    feedback = check_horizon3_score(answer)
    assert feedback.correct, feedback.message
    assert "no $p(s_0)$" in feedback.message


def test_horizon3_accepts_the_unevaluated_sum_of_policy_scores(tau3):
    assert check_horizon3_score(tau3.policy_score).correct


def test_horizon3_accepts_a_simplified_raw_derivative(tau3):
    assert check_horizon3_score(sp.simplify(sp.diff(sp.log(tau3.probability), THETA))).correct


def test_horizon3_right_value_with_environment_terms_still_in_it(tau3):
    raw = sp.diff(sp.log(tau3.probability), THETA)
    assert_not_yet(check_horizon3_score(raw), "the value is right", "expand_log")


def test_horizon3_missing_step(tau3):
    two_steps = sp.diff(sym.generic_trajectory(2).log_probability, THETA)
    assert_not_yet(check_horizon3_score(two_steps), "t = 2 is missing")


def test_horizon3_log_probability_not_differentiated(tau3):
    assert_not_yet(check_horizon3_score(tau3.log_probability), "differentiate")


def test_horizon3_derivative_of_the_probability_instead_of_its_log(tau3):
    assert_not_yet(check_horizon3_score(sp.diff(tau3.probability, THETA)), "*log*")


def test_horizon3_wrong_sign(tau3):
    assert_not_yet(check_horizon3_score(-tau3.policy_score), "wrong sign")


@pytest.mark.parametrize("answer", [None, "score", 3.5j, [1, 2]])
def test_horizon3_not_an_expression(answer):
    feedback = check_horizon3_score(answer)
    assert not feedback.correct
    assert feedback.message


def test_horizon3_hints_name_the_notebooks_theta_not_the_module_constant(tau3):
    # The notebook's variable is `theta`; `THETA` would be a NameError for the learner.
    for answer in (None, tau3.log_probability, sp.log(tau3.probability)):
        feedback = check_horizon3_score(answer)
        assert "`theta`" in feedback.message or "theta)" in feedback.message, feedback.message
        assert "THETA`" not in feedback.message.replace("sym.THETA`", "")


def test_horizon3_derivative_with_respect_to_a_hand_made_theta(tau3):
    own_theta = sp.Symbol("theta")  # no real=True: a different symbol from the notebook's
    answer = sp.diff(sp.expand_log(sp.log(tau3.probability), force=True), own_theta)
    assert answer == 0
    assert_not_yet(check_horizon3_score(answer), "is 0", "`theta`", "real=True")


# --- exercise 2: the softmax score -------------------------------------------------------------


@pytest.fixture(scope="module")
def softmax():
    *_, phi = sym.softmax_symbols()
    x = sym.left_down_right_feature_matrix(phi)
    pi = sym.softmax_probabilities()
    return x, pi, sym.softmax_score_closed_form()


def test_softmax_accepts_the_closed_form_and_any_equal_form(softmax):
    _, _, closed = softmax
    assert check_softmax_score(closed).correct
    assert check_softmax_score(sym.eglp_softmax().scores).correct  # SymPy's simplified form
    assert check_softmax_score(closed.tolist()).correct  # a list of rows


def test_softmax_missing_the_mean_feature_term(softmax):
    x, _, _ = softmax
    assert_not_yet(check_softmax_score(x), "A term is missing", "\\sum_b \\pi(b|s,\\theta)")


def test_softmax_wrong_sign(softmax):
    _, _, closed = softmax
    assert_not_yet(check_softmax_score(-closed), "wrong sign")


def test_softmax_gradient_of_pi_instead_of_log_pi(softmax):
    _, pi, closed = softmax
    grad_pi = sp.Matrix.vstack(*(pi[a] * closed[a, :] for a in range(3)))
    assert_not_yet(check_softmax_score(grad_pi), "divide each row by its probability")


def test_softmax_mean_feature_added_instead_of_subtracted(softmax):
    x, pi, _ = softmax
    mean_x = pi.T * x
    assert_not_yet(check_softmax_score(sp.Matrix.vstack(*(x[a, :] + mean_x for a in range(3)))),
                   "*subtracted*")


def test_softmax_one_wrong_row_is_named(softmax):
    _, _, closed = softmax
    answer = closed.copy()
    answer[1, :] = sp.Matrix([[0, 0]])
    assert_not_yet(check_softmax_score(answer), "left, right are right", "down not yet")


def test_softmax_shape_hints(softmax):
    _, _, closed = softmax
    assert_not_yet(check_softmax_score(closed.T), "2×3", ".T")
    assert_not_yet(check_softmax_score(closed[0, :]), "(1, 2)", "3×2")


def test_softmax_foreign_symbols():
    x = sp.Symbol("x")
    assert_not_yet(check_softmax_score(sp.Matrix(3, 2, lambda i, j: x)), "softmax_symbols", "uses x")


def test_softmax_accepts_hand_made_symbols_of_the_same_names(softmax):
    # sp.symbols("theta_1 theta_2 phi") lacks real=True, so SymPy sees other symbols; the
    # check matches them by name instead of telling the learner they used "theta_1".
    theta_1, theta_2, phi = sp.symbols("theta_1 theta_2 phi")
    x = sym.left_down_right_feature_matrix(phi)
    pi = sp.Matrix([sp.exp(theta_1 * phi), 1, sp.exp(theta_2 * phi)]) / (
        sp.exp(theta_1 * phi) + 1 + sp.exp(theta_2 * phi))
    answer = sp.Matrix.vstack(*(x[a, :] - pi.T * x for a in range(3)))
    assert answer.free_symbols.isdisjoint(set(sym.softmax_symbols()))
    feedback = check_softmax_score(answer)
    assert feedback.correct, feedback.message
    assert_not_yet(check_softmax_score(x), "A term is missing")  # and the usual hints still apply


@pytest.mark.parametrize("answer", [None, "matrix", 7])
def test_softmax_not_a_matrix(answer):
    feedback = check_softmax_score(answer)
    assert not feedback.correct
    assert feedback.message


# --- exercise 3: the exact gradient by enumeration ---------------------------------------------


def test_exact_gradient_accepts_the_enumerated_sum():
    rows = sym.demand_trajectory_table(sym.demand_trajectories(2), 0.5)
    answer = sum(row["probability"] * row["score"] * row["total_reward"] for row in rows)
    feedback = check_exact_gradient(answer, theta=0.5)
    assert feedback.correct, feedback.message
    data = gradient_cloud(0.5)
    assert f"{data.mean:.4f}" in feedback.message  # compared with the sampled estimate
    assert "2 SE" in feedback.message


def test_exact_gradient_reports_a_band_that_misses():
    data = gradient_cloud(0.0)  # the seeded band at θ = 0 misses the exact slope (notebook 01 says so)
    assert abs(data.mean - data.gradient) > 2 * data.standard_error
    feedback = check_exact_gradient(data.gradient, theta=0.0)
    assert feedback.correct
    assert "outside that band" in feedback.message


def test_exact_gradient_objective_instead_of_slope():
    data = gradient_cloud(0.5)
    assert_not_yet(check_exact_gradient(data.objective, theta=0.5), "the objective", "score")


def test_exact_gradient_wrong_sign_and_size():
    exact = gradient_cloud(0.5).gradient
    assert_not_yet(check_exact_gradient(-exact, theta=0.5), "wrong sign")
    assert_not_yet(check_exact_gradient(exact / 64, theta=0.5), "right sign", "64 times too small")
    assert_not_yet(check_exact_gradient(exact * 2.5, theta=0.5), "right sign", "2.5 times too large")
    assert_not_yet(check_exact_gradient(exact * 1.05, theta=0.5), "right sign", "5.0% too large")
    assert_not_yet(check_exact_gradient(exact * 0.98, theta=0.5), "2.0% too small")
    assert_not_yet(check_exact_gradient(exact - 3.0, theta=0.5), "not right yet")


@pytest.mark.parametrize("factor", [1.0005, 0.9995, 1.0011, 0.9989, 1.09, 0.91, 1.2, 0.8])
def test_exact_gradient_never_calls_an_answer_1_times_the_exact_value(factor):
    feedback = check_exact_gradient(gradient_cloud(0.5).gradient * factor, theta=0.5)
    assert not feedback.correct
    assert " 1 times" not in feedback.message
    assert "1.0 times" not in feedback.message


def test_exact_gradient_typed_to_four_decimals_is_told_to_compute_it_in_python():
    typed = round(gradient_cloud(0.5).gradient, 4)  # 1.4701, as read off a printout
    assert_not_yet(check_exact_gradient(typed, theta=0.5), "close but not exact", "in Python")


@pytest.mark.parametrize("answer", [None, "1.47", [1.0, 2.0]])
def test_exact_gradient_not_a_number(answer):
    feedback = check_exact_gradient(answer, theta=0.5)
    assert not feedback.correct
    assert feedback.message


def test_exact_gradient_bad_theta_raises_value_error():
    with pytest.raises(ValueError, match="theta"):
        check_exact_gradient(1.0, theta=float("nan"))


# --- exercise 3: predict, then enumerate ---------------------------------------------------------------


def test_the_gradient_splits_into_two_equal_halves_that_add_up_to_the_exact_slope():
    from helpers.exercises.theorem import gradient_split

    rise, fall = gradient_split(0.5)
    assert rise == pytest.approx(fall, rel=1e-12)
    assert rise + fall == pytest.approx(1.4701397, rel=1e-6)
    rise_2, fall_2 = gradient_split(2.0)
    assert rise_2 == pytest.approx(fall_2, rel=1e-12)  # the symmetry holds at every θ


def test_the_split_check_wants_the_right_parts_and_compares_the_prediction():
    from helpers.exercises.theorem import check_gradient_split, gradient_split

    rise, fall = gradient_split(0.5)
    assert check_gradient_split("equal", rise, fall).correct
    assert check_gradient_split(" Equal ", np.float64(rise), fall).correct
    wrong_prediction = check_gradient_split("rise", rise, fall)
    assert not wrong_prediction.correct
    assert "prediction" in wrong_prediction.message
    assert "R(p, MORE) − R(p, LESS)" in wrong_prediction.message


@pytest.mark.parametrize(("prediction", "rise", "fall", "hint"), [
    (None, 0.7, 0.7, "prediction first"),
    ("more", 0.7, 0.7, "prediction first"),
    ("equal", None, 0.7, "replace both None"),
    ("equal", "a lot", 0.7, "numbers"),
    ("equal", 1.0, 0.2, "add up to dJ/dθ"),
    ("equal", 1.4701397154152955, 0.0, "not right yet"),
])
def test_the_split_check_answers_slips_with_a_hint(prediction, rise, fall, hint):
    from helpers.exercises.theorem import check_gradient_split

    feedback = check_gradient_split(prediction, rise, fall)
    assert not feedback.correct
    assert hint in feedback.message, feedback.message
