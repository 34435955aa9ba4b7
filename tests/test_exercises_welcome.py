"""The welcome notebook's warm-up checks: right answers pass, the usual slips get their hint."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises.welcome import (
    check_action_frequencies,
    check_larger_sample,
    check_return,
    discounted_return,
    frequency_tolerance,
)

PI = np.array([0.2, 0.5, 0.3])
REWARDS = np.array([-1.0, -1.0, 0.0, 5.0])


def sampled_frequencies(n: int, seed: int, probs: np.ndarray = PI) -> np.ndarray:
    actions = np.random.default_rng(seed).choice(len(probs), size=n, p=probs)
    return np.bincount(actions, minlength=len(probs)) / n


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("n", [1000, 100_000])
def test_sampled_frequencies_pass(n, seed):
    feedback = check_action_frequencies(sampled_frequencies(n, seed), PI, n)
    assert feedback.correct, feedback.message


def test_tolerance_is_four_standard_errors_of_a_frequency():
    np.testing.assert_allclose(frequency_tolerance(PI, 1000), 4 * np.sqrt(PI * (1 - PI) / 1000))
    # a hundred times the draws, a tenth of the tolerance
    np.testing.assert_allclose(frequency_tolerance(PI, 100_000), frequency_tolerance(PI, 1000) / 10)


def test_a_gap_just_outside_the_tolerance_fails_and_names_the_action():
    tolerance = frequency_tolerance(PI, 1000)
    near = PI + np.array([0.99, 0.0, -0.99]) * tolerance[0]  # tolerance[2] > tolerance[0]
    assert check_action_frequencies(near, PI, 1000).correct
    far = PI + np.array([1.01 * tolerance[0], 0.0, -1.01 * tolerance[0]])
    feedback = check_action_frequencies(far, PI, 1000)
    assert not feedback.correct
    assert "action 0" in feedback.message


def test_frequencies_of_a_uniform_draw_at_large_n_are_rejected():
    feedback = check_action_frequencies(sampled_frequencies(100_000, 0, np.full(3, 1 / 3)), PI, 100_000)
    assert not feedback.correct
    assert "p=probs" in feedback.message


@pytest.mark.parametrize(("answer", "hint"), [
    (None, "None"),
    (np.bincount(np.random.default_rng(0).choice(3, size=1000, p=PI), minlength=3), "counts"),
    (sampled_frequencies(1000, 0)[::-1], "reverse"),
    (np.array([0.2, 0.8]), "one frequency per action"),
    (np.array([0.5, 0.5, 0.5]), "add up to 1"),
    (np.array([-0.2, 0.9, 0.3]), "negative"),
    ("many", "number"),
])
def test_frequency_slips_get_their_hint(answer, hint):
    feedback = check_action_frequencies(answer, PI, 1000)
    assert not feedback.correct
    assert hint in feedback.message
    assert repr(feedback).startswith("❌ Not yet")


def test_discounted_return_by_hand():
    # G_0 = -1 - 0.9 + 0 + 0.9^3 * 5
    assert discounted_return(REWARDS, 0.9) == pytest.approx(-1.9 + 0.729 * 5, abs=1e-12)
    assert discounted_return(REWARDS, 1.0) == pytest.approx(3.0, abs=1e-12)
    assert discounted_return(REWARDS, 0.0) == pytest.approx(-1.0, abs=1e-12)
    # the recursion G_0 = R_1 + γ G_1
    assert discounted_return(REWARDS, 0.9) == pytest.approx(-1 + 0.9 * discounted_return(REWARDS[1:], 0.9))


def test_correct_return_passes():
    assert check_return(1.745, REWARDS, 0.9).correct
    assert check_return([1.745], REWARDS, 0.9).correct


@pytest.mark.parametrize(("answer", "hint"), [
    (None, "None"),
    (3.0, "plain sum"),
    (0.9 * 1.745, "one step too late"),
    (-1 * 0.729 - 0.81 + 0 + 5, "backwards"),
    (0.75, "mean reward"),
    (-1.745, "wrong sign"),
    (1.7451, "close but not exact"),
    ([3.05, 1.745], "one number"),
    (2.5, "1.43 times too large"),
    (-2.5, "not right yet"),
])
def test_return_slips_get_their_hint(answer, hint):
    feedback = check_return(answer, REWARDS, 0.9)
    assert not feedback.correct
    assert hint in feedback.message


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: check_action_frequencies(PI, [0.5, 0.6], 10), "probs"),
    (lambda: check_action_frequencies(PI, [1.0], 10), "probs"),
    (lambda: check_action_frequencies(PI, [[0.5, 0.5]], 10), "probs"),
    (lambda: check_action_frequencies(PI, [-0.5, 1.5], 10), "probs"),
    (lambda: check_action_frequencies(PI, PI, 0), "n_samples"),
    (lambda: check_action_frequencies(PI, PI, 2.5), "n_samples"),
    (lambda: frequency_tolerance(PI, 10, n_se=0.0), "n_se"),
    (lambda: check_return(1.0, REWARDS, 1.5), "gamma"),
    (lambda: discounted_return([], 0.9), "rewards"),
    (lambda: discounted_return([[1.0, 2.0]], 0.9), "rewards"),
    (lambda: discounted_return([1.0, np.nan], 0.9), "rewards"),
])
def test_bad_input_raises_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_warm_up_1_refuses_the_probabilities_themselves():
    pi_s = np.array([0.2, 0.5, 0.3])
    for answer in (pi_s, pi_s.copy(), [0.2, 0.5, 0.3]):
        feedback = check_action_frequencies(answer, pi_s, 1000)
        assert not feedback
        assert "probabilities π themselves" in feedback.message


@pytest.mark.parametrize(("k", "used"), [(3, 4), (1, 2), (1, 0), (3, 2)])
def test_warm_up_2_names_the_one_wrong_discount(k, used):
    rewards, gamma = np.array([-1.0, -1.0, 0.0, 5.0]), 0.9
    weights = gamma ** np.arange(4)
    weights[k] = gamma**used
    feedback = check_return(float(np.sum(weights * rewards)), rewards, gamma)
    assert not feedback
    assert f"R_{k + 1} should count γ^{k} times" in feedback.message
    assert f"gives it γ^{used}" in feedback.message


def test_warm_up_3_compares_the_prediction_with_the_square_root_rule():
    pi_s, n = np.array([0.2, 0.5, 0.3]), 100_000
    rng = np.random.default_rng(1)
    frequencies = np.bincount(rng.choice(3, size=n, p=pi_s), minlength=3) / n
    right = check_larger_sample(frequencies, 10, pi_s, n)
    assert right.correct
    assert "1/√N" in right.message
    slips = ((100, "does not shrink 100-fold"), (1, "not your prediction"), (None, "prediction first"),
             ("ten", "a number"))
    for shrink, hint in slips:
        feedback = check_larger_sample(frequencies, shrink, pi_s, n)
        assert not feedback.correct
        assert hint in feedback.message, feedback.message
    # The frequencies are still checked: the probabilities themselves do not pass.
    assert "probabilities π themselves" in check_larger_sample(pi_s, 10, pi_s, n).message
