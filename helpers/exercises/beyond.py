r"""Checks for notebook 06's exercises (beyond one update per batch).

Each ``check_*`` returns a :class:`~helpers.exercises.Feedback`: ✅ with what the
answer means, or ❌ with a hint that names the usual slip.

1. :func:`check_trajectory_ratio`: the episode's importance ratio
   :math:`\rho(\tau) = \prod_t \pi(A_t|S_t, \theta)/\pi(A_t|S_t, \theta_\text{old})`.
2. :func:`check_clipped_objective`: a function computing
   :math:`\min(r\hat A, \mathrm{clip}(r, 1 - \epsilon, 1 + \epsilon)\hat A)`.
3. :func:`check_reuse_prediction`: a prediction, then the median J after the first
   batch with one update and with four clipped updates.
4. :func:`check_gymnasium_solved`: Gymnasium's rule for CartPole-v1, 475 over 100 episodes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helpers.cartpole import episodes_to_solve, episodes_to_solve_gymnasium
from helpers.exercises import Feedback, answer_array, compare_numbers, graded, matches
from helpers.policies import DiscretePolicy
from helpers.surrogate import clipped_objective

# --- exercise 1: the ratio of an episode ----------------------------------------------------------


def trajectory_ratio(policy: DiscretePolicy, theta: np.ndarray, theta_old: np.ndarray, inputs: np.ndarray,
                     states: np.ndarray, actions: np.ndarray) -> float:
    r""":math:`\rho(\tau) = \prod_t \pi(A_t|S_t, \theta) / \pi(A_t|S_t, \theta_\text{old})` of one episode."""
    states, actions = np.asarray(states), np.asarray(actions)
    if states.ndim != 1 or states.shape != actions.shape:
        raise ValueError(f"states and actions must be 1-D arrays of one length, got shapes {states.shape}, "
                         f"{actions.shape}")
    new = policy.log_prob(np.asarray(theta, dtype=float), inputs[states], actions)
    old = policy.log_prob(np.asarray(theta_old, dtype=float), inputs[states], actions)
    return float(np.exp(np.sum(new - old)))


@graded
def check_trajectory_ratio(answer: object, policy: DiscretePolicy, theta: np.ndarray, theta_old: np.ndarray,
                           inputs: np.ndarray, states: np.ndarray, actions: np.ndarray) -> Feedback:
    r"""Exercise 1: the importance ratio :math:`\rho(\tau)` of one episode played by θ_old.

    Parameters
    ----------
    answer : float
    policy, theta, theta_old, inputs
        The policy, the new and the old parameters, the inputs of every state.
    states, actions : ndarray, shape (T,)
        The episode's :math:`S_t` and :math:`A_t`.
    """
    expected = trajectory_ratio(policy, theta, theta_old, inputs, states, actions)
    value = answer_array(answer, "your ρ")
    if isinstance(value, Feedback):
        return value
    if value.size != 1:
        return Feedback(False, f"ρ(τ) is one number for the whole episode; you gave {value.size}. "
                               "Combine the per-step ratios into one.")
    value = value.reshape(())
    if matches(value, expected):
        more = "more" if expected > 1 else "less"
        return Feedback(True, f"ρ(τ) = {expected:.4f}: the new policy makes this episode {more} likely "
                              "than the old one did; the environment's probabilities cancel in the ratio.")
    states, actions = np.asarray(states), np.asarray(actions)
    new = policy.probs(np.asarray(theta, dtype=float), inputs[states])[np.arange(len(states)), actions]
    old = policy.probs(np.asarray(theta_old, dtype=float), inputs[states])[np.arange(len(states)), actions]
    ratios = new / old
    if matches(value, 1.0 / expected):
        return Feedback(False, "that is π_θold(τ)/π_θ(τ), upside down: the new policy goes on top, "
                               "ρ = π(A_t|S_t, θ) / π(A_t|S_t, θ_old).")
    if matches(value, ratios.sum()) or matches(value, ratios.mean()):
        return Feedback(False, "you added (or averaged) the per-step ratios. The probability of an "
                               "episode is a product over its steps, so ρ(τ) is the product of the ratios.")
    if matches(value, ratios[0]) or matches(value, ratios[-1]):
        return Feedback(False, "that is the ratio of a single step; ρ(τ) multiplies the ratios of all "
                               f"{len(states)} steps.")
    if matches(value, np.prod(new)) or matches(value, np.prod(old)):
        return Feedback(False, "that is the probability of the actions under one policy; divide the new "
                               "policy's by the old one's.")
    return Feedback(False, f"your ρ = {float(value):.4f} is not right yet. For each step take "
                           "π(A_t|S_t, θ) / π(A_t|S_t, θ_old) from policy.probs, then multiply them.")


# --- exercise 2: the clipped objective ------------------------------------------------------------


RATIO_POINTS = np.array([0.0, 0.5, 0.8, 0.9, 1.0, 1.1, 1.2, 1.5, 2.0])
ADVANTAGES = (1.5, -0.7)


@graded
def check_clipped_objective(function: Callable[[np.ndarray, float, float], np.ndarray] | None,
                            epsilon: float = 0.2) -> Feedback:
    r"""Exercise 2: a function ``f(r, A, epsilon)`` returning :math:`L^\text{CLIP}` for an array of ratios.

    It is called with ``r`` = 0, 0.5, 0.8, 0.9, 1, 1.1, 1.2, 1.5, 2 (the clip edges
    included for ε = 0.2), one positive and one negative advantage.
    """
    if function is None:
        return Feedback(False, "`clipped` is still `None`: define a function `clipped(r, A, epsilon)`.")
    if not callable(function):
        return Feedback(False, f"the answer should be a function of (r, A, epsilon), got {function!r}.")
    for advantage in ADVANTAGES:
        expected = clipped_objective(RATIO_POINTS, advantage, epsilon)
        try:
            value = np.asarray(function(RATIO_POINTS.copy(), advantage, epsilon), dtype=float)
        except Exception as error:  # the learner's code may fail in any way: report it, do not raise
            return Feedback(False, f"calling your function with an array of ratios raised "
                                   f"{type(error).__name__}: {error}. Use numpy functions "
                                   "(np.minimum, np.clip) so it works on arrays.")
        if value.shape != expected.shape:
            return Feedback(False, f"your function returned shape {value.shape} for {RATIO_POINTS.size} "
                                   "ratios; it should return one value per ratio (np.minimum, not min).")
        if matches(value, expected):
            continue
        sign = "positive" if advantage > 0 else "negative"
        clip = np.clip(RATIO_POINTS, 1 - epsilon, 1 + epsilon)
        if matches(value, np.maximum(RATIO_POINTS * advantage, clip * advantage)):
            return Feedback(False, f"with a {sign} advantage your function takes the larger of the two "
                                   "terms. PPO takes the smaller (np.minimum): a pessimistic bound that "
                                   "never rewards moving the ratio beyond the clip range.")
        if matches(value, clip * advantage):
            return Feedback(False, f"with a {sign} advantage your function returns clip(r)·Â alone. Take "
                                   "the minimum with the unclipped r·Â too: then a ratio that moved the "
                                   "wrong way is not clipped, and its mistake still counts in full.")
        if matches(value, RATIO_POINTS * advantage):
            return Feedback(False, "your function returns r·Â: the ratio is never clipped. Clip r to "
                                   "[1 − ε, 1 + ε] with np.clip and take the minimum of the two terms.")
        wrong = RATIO_POINTS[~np.isclose(value, expected)]
        return Feedback(False, f"with Â = {advantage:+g} your values differ at r = "
                               f"{', '.join(f'{r:g}' for r in wrong)}; compare with "
                               "min(r·Â, clip(r, 1 − ε, 1 + ε)·Â).")
    return Feedback(True, f"your function matches L^CLIP at every ratio tested, the edges r = "
                          f"{1 - epsilon:g} and {1 + epsilon:g} included, for a positive and a negative "
                          "advantage.")


# --- exercise 3: predict, then measure: more clipped updates on the first batch ------------------------

REUSE_PREDICTIONS = ("higher", "lower", "same")


@graded
def check_reuse_prediction(prediction: object, median_J: object) -> Feedback:
    """Exercise 3: the median J after the first batch, K = 1 against K = 4 clipped updates.

    Parameters
    ----------
    prediction : {"higher", "lower", "same"}
        Written before measuring.
    median_J : array_like, shape (2,)
        The median J after the first batch with K = 1 and K = 4, from ``beyond.first_batch_J``.
    """
    from helpers.experiments.beyond import first_batch_J

    if prediction not in REUSE_PREDICTIONS:
        return Feedback(False, "write your prediction first: `prediction = \"higher\"`, `\"lower\"` or "
                               "`\"same\"` (the median J after the first batch with K = 4 against K = 1).")
    expected = np.array([np.median(first_batch_J(1)), np.median(first_batch_J(4))])
    value = answer_array(median_J, "your medians")
    if isinstance(value, Feedback):
        return value
    if value.size != 2:
        return Feedback(False, "median_J has two numbers: the median J after the first batch with K = 1, "
                               "then with K = 4.")
    value = value.reshape(2)
    if matches(value, expected[::-1]):
        return Feedback(False, "your two medians are in the other order: K = 1 first, then K = 4.")
    means = np.array([np.mean(first_batch_J(1)), np.mean(first_batch_J(4))])
    if matches(value, means):
        return Feedback(False, "those are means; take np.median over the 200 runs.")
    if not matches(value, expected):
        return compare_numbers(value, expected, name="your medians")
    outcome = "lower" if expected[1] < expected[0] else "higher"
    verdict = "as you predicted" if prediction == outcome else f"not what you predicted ({prediction})"
    return Feedback(True, f"K = 1: {expected[0]:.2f}, K = 4: {expected[1]:.2f}, {outcome}, {verdict}. "
                          "The first full step with α = 3 already carries θ past the peak of L^CLIP "
                          "(section 3's figure): most ratios have left [0.8, 1.2]; the clipped ones stop "
                          "pulling, and the rest, ratios that moved against their advantage, pull θ back. "
                          "The clip removes an incentive; it does not hold θ near θ_old.")


# --- exercise 4: Gymnasium's rule ---------------------------------------------------------------------------


@graded
def check_gymnasium_solved(answer: object, returns: np.ndarray) -> Feedback:
    """Exercise 4: the episodes played when the mean of the last 100 returns first reaches 475.

    Parameters
    ----------
    answer : int or None
    returns : ndarray
        One run's episode returns, in order.
    """
    returns = np.asarray(returns, dtype=float)
    expected = episodes_to_solve_gymnasium(returns)
    if answer is None and expected is not None:
        return Feedback(False, "the answer is still `None`: find the first episode k at which the returns of "
                               "episodes k − 99 to k average at least 475.")
    if expected is None:
        if answer is None:
            return Feedback(True, "right: no 100 consecutive episodes average 475: not solved.")
        return Feedback(False, "no 100 consecutive episodes of these returns average 475: the answer "
                               "is None.")
    value = answer_array(answer, "your answer")
    if isinstance(value, Feedback):
        return value
    if value.size != 1:
        return Feedback(False, "the answer is one number: a count of episodes.")
    value = float(value.reshape(()))
    if value == expected:
        return Feedback(True, f"solved after {expected} episodes by Gymnasium's rule, against "
                              f"{episodes_to_solve(returns)} by the running average of PyTorch's example: "
                              "the running average forgets faster (it weighs about the last 20 episodes), "
                              "so it is met sooner.")
    if value == expected - 1:
        return Feedback(False, "one too few: that looks like a 0-based index. Episodes are counted from 1.")
    if value in (expected - 99, expected - 100):
        return Feedback(False, "that is where the 100 episodes begin; the rule is met when the last of them "
                               "has been played, so count up to its end.")
    if value == episodes_to_solve(returns):
        return Feedback(False, "that is the running-average rule of PyTorch's example (0.95·running + "
                               "0.05·return). Gymnasium's rule is a plain mean of the last 100 returns.")
    cumulative = np.flatnonzero(np.cumsum(returns) / np.arange(1, returns.size + 1) >= 475)
    if cumulative.size and value == cumulative[0] + 1:
        return Feedback(False, "that is the mean of all returns so far; the rule averages the last 100 only.")
    return Feedback(False, f"{value:g} is not right yet: for each k ≥ 100 average returns[k-100:k] and "
                           "report the first k where the mean is at least 475.")
