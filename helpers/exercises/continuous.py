r"""Checks for notebook 05's exercises (continuous actions, reusing a batch, CartPole).

Each ``check_*`` returns a :class:`~helpers.exercises.Feedback`: ✅ with what the
answer means, or ❌ with a hint that names the usual slip.

1. :func:`check_gaussian_score`: the score of a Gaussian policy with a learned σ,
   :math:`\big((a - \mu)x/\sigma^2,\ ((a - \mu)^2/\sigma^2 - 1)x\big)`.
2. :func:`check_trajectory_ratio`: the episode's importance ratio
   :math:`\rho(\tau) = \prod_t \pi(A_t|S_t, \theta)/\pi(A_t|S_t, \theta_\text{old})`.
3. :func:`check_clipped_objective`: a function computing
   :math:`\min(r\hat A, \mathrm{clip}(r, 1 - \epsilon, 1 + \epsilon)\hat A)`.
4. :func:`check_episodes_to_solve`: CartPole's "solved" rule.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helpers.cartpole import episodes_to_solve
from helpers.exercises import Feedback, answer_array, compare_numbers, graded, matches
from helpers.policies import DiscretePolicy, GaussianPolicy
from helpers.surrogate import clipped_objective

# --- exercise 1: the Gaussian score -----------------------------------------------------------------


def gaussian_score(a: float, p: float, theta_mu: float, theta_sigma: float) -> np.ndarray:
    r"""The score of :math:`N(\theta_\mu p, e^{2\theta_\sigma p})` at order a (:class:`GaussianPolicy`)."""
    policy = GaussianPolicy(1, sigma=None)
    return policy.grad_log_prob(np.array([theta_mu, theta_sigma]), p, a)


@graded
def check_gaussian_score(answer: object, a: float = 1.6, p: float = 2.0, theta_mu: float = 0.5,
                         theta_sigma: float = -0.2) -> Feedback:
    r"""Exercise 1: the score :math:`(\partial_{\theta_\mu} \ln\pi, \partial_{\theta_\sigma} \ln\pi)` by hand.

    The policy is :math:`\mu = \theta_\mu p`, :math:`\sigma = e^{\theta_\sigma p}`, so x = p.

    Parameters
    ----------
    answer : array_like, shape (2,)
        The learner's score.
    a, p, theta_mu, theta_sigma : float
        The order, the demand change and the two parameters of the exercise.
    """
    expected = gaussian_score(a, p, theta_mu, theta_sigma)
    value = answer_array(answer, "your score")
    if isinstance(value, Feedback):
        return value
    if value.size == 1:
        return Feedback(False, "θ = (θ_μ, θ_σ) has two entries, so the score has two: "
                               "[∂ln π/∂θ_μ, ∂ln π/∂θ_σ].")
    if value.size != 2:
        return Feedback(False, f"the score has one entry per parameter, 2 here; you gave {value.size}.")
    value = value.reshape(2)
    mu, sigma = theta_mu * p, float(np.exp(theta_sigma * p))
    z = (a - mu) / sigma
    if matches(value, expected):
        side = "above" if a > mu else "below"
        direction = "raising" if a > mu else "lowering"
        spread = "widening" if abs(z) > 1 else "narrowing"
        return Feedback(True, f"score = [{expected[0]:.4f}, {expected[1]:.4f}]. The order a = {a:g} is "
                              f"{side} "
                              f"the mean μ = {mu:g}, so {direction} θ_μ makes it more likely; it is "
                              f"{abs(z):.2f} σ away, {'more' if abs(z) > 1 else 'less'} than one σ, so "
                              f"{spread} the policy makes it more likely too.")
    hints = []
    if np.isclose(value[0], -expected[0]) and expected[0] != 0:
        hints.append("the μ-part has the wrong sign: it is (a − μ)x/σ², (a − μ) and not (μ − a)")
    elif np.isclose(value[0], (a - mu) / sigma**2):
        hints.append("the μ-part misses the factor x = p: μ = θ_μ p, so ∂μ/∂θ_μ = p (chain rule)")
    elif np.isclose(value[0], (a - mu) * p / sigma):
        hints.append("the μ-part divides by σ once; the derivative of −(a − μ)²/(2σ²) is (a − μ)/σ²")
    elif np.isclose(value[0], (a - mu) * p):
        hints.append("the μ-part misses the division by σ²")
    elif not np.isclose(value[0], expected[0]):
        hints.append(f"the μ-part {value[0]:.4f} is not right yet: differentiate −(a − μ)²/(2σ²) "
                     "with μ = θ_μ p")
    if np.isclose(value[1], z**2 * p):
        hints.append("the σ-part misses the −1 that comes from the −ln σ of the density")
    elif np.isclose(value[1], (z**2 - 1) / sigma):
        hints.append("the σ-part is ∂ln π/∂σ; with σ = exp(θ_σ p), ∂σ/∂θ_σ = σp: multiply by σp")
    elif np.isclose(value[1], z**2 - 1):
        hints.append("the σ-part misses the factor x = p from ln σ = θ_σ p")
    elif np.isclose(value[1], -expected[1]) and expected[1] != 0:
        hints.append("the σ-part has the wrong sign: it is ((a − μ)²/σ² − 1) p")
    elif not np.isclose(value[1], expected[1]):
        hints.append(f"the σ-part {value[1]:.4f} is not right yet: ln π contains "
                     "−(a − μ)²/(2σ²) − ln σ, with ln σ = θ_σ p")
    if not hints:
        return compare_numbers(value, expected, name="your score")
    return Feedback(False, "; ".join(hints) + ".")


# --- exercise 2: the ratio of an episode ----------------------------------------------------------


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
    r"""Exercise 2: the importance ratio :math:`\rho(\tau)` of one episode played by θ_old.

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


# --- exercise 3: the clipped objective ------------------------------------------------------------


RATIO_POINTS = np.array([0.0, 0.5, 0.8, 0.9, 1.0, 1.1, 1.2, 1.5, 2.0])
ADVANTAGES = (1.5, -0.7)


@graded
def check_clipped_objective(function: Callable[[np.ndarray, float, float], np.ndarray] | None,
                            epsilon: float = 0.2) -> Feedback:
    r"""Exercise 3: a function ``f(r, A, epsilon)`` returning :math:`L^\text{CLIP}` for an array of ratios.

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


# --- exercise 4: the solved rule ------------------------------------------------------------------


@graded
def check_episodes_to_solve(answer: object, returns: np.ndarray, threshold: float = 475.0) -> Feedback:
    """Exercise 4: after how many episodes the running average first reaches ``threshold``.

    The running average starts at the first return and then follows
    running = 0.95·running + 0.05·return.
    """
    returns = np.asarray(returns, dtype=float)
    expected = episodes_to_solve(returns, threshold)
    if answer is None and expected is not None:
        return Feedback(False, "the answer is still `None`: count the episodes until the running average "
                               f"first reaches {threshold:g}.")
    if expected is None:
        if answer is None:
            return Feedback(True, "right: the running average never reaches the bar, so it is not solved.")
        return Feedback(False, f"the running average of these returns never reaches {threshold:g}: "
                               "the answer is None.")
    value = answer_array(answer, "your answer")
    if isinstance(value, Feedback):
        return value
    if value.size != 1:
        return Feedback(False, "the answer is one number: a count of episodes.")
    value = float(value.reshape(()))
    if value == expected:
        return Feedback(True, f"solved after {expected} episodes: the running average is a slow memory of "
                              "the returns, so it crosses the bar dozens of episodes after the first 500s.")
    if value == expected - 1:
        return Feedback(False, "one too few: that looks like a 0-based index. Episodes are counted from 1.")
    running, zero_start = 0.0, None
    for k, episode_return in enumerate(returns):
        running = 0.95 * running + 0.05 * episode_return
        if running >= threshold:
            zero_start = k + 1
            break
    if zero_start is not None and value == zero_start:
        return Feedback(False, "the running average should start at the first episode's return, not at 0.")
    first_high = np.flatnonzero(returns >= threshold)
    if first_high.size and value == first_high[0] + 1:
        return Feedback(False, "that is the first episode whose own return reaches the bar; the rule "
                               "asks for the running average to reach it.")
    return Feedback(False, f"{value:g} is not right yet: update running = 0.95·running + 0.05·return after "
                           "each episode, starting from the first return, and count the episodes until "
                           f"running ≥ {threshold:g}.")
