r"""Checks for the two warm-up exercises of notebook 00 (the welcome).

- :func:`check_action_frequencies`: sample actions from a table
  :math:`\pi(\cdot|s,\theta)` and compare the observed frequencies with it;
- :func:`check_return`: the discounted return
  :math:`G_0 = R_1 + \gamma R_2 + \gamma^2 R_3 + \dots = \sum_{k=0}^{T-1} \gamma^k R_{k+1}`.

Each returns a :class:`~helpers.exercises.Feedback` with a hint that names the
usual slip (counts instead of frequencies, the discount counted from 1, ...).
"""

from __future__ import annotations

import numpy as np

from helpers._validate import check_discount, check_positive_int
from helpers.exercises import Feedback, answer_array, compare_numbers, graded, matches
from helpers.reinforce import returns_to_go


def _check_probabilities(name: str, probs: np.ndarray | list[float]) -> np.ndarray:
    """A 1-D array of probabilities that sum to 1, or a ValueError naming ``name``."""
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 1 or probs.size < 2:
        raise ValueError(f"{name} must be a 1-D table of at least two action probabilities, got shape "
                         f"{probs.shape}")
    if not np.all(np.isfinite(probs)) or np.any(probs < 0) or not np.isclose(probs.sum(), 1.0):
        raise ValueError(f"{name} must hold non-negative probabilities that sum to 1, got {probs}")
    return probs


def frequency_tolerance(probs: np.ndarray | list[float], n_samples: int, n_se: float = 4.0) -> np.ndarray:
    r"""How far observed frequencies may fall from π: ``n_se`` standard errors per action.

    .. math:: \text{tol}_a = n_\text{se}\,\sqrt{\pi(a|s)\,(1 - \pi(a|s)) / N},

    the standard error of a frequency of N independent draws (a binomial count
    divided by N). With 4 standard errors a correct sampler fails less than once
    in ten thousand checks per action.

    Raises
    ------
    ValueError
        If ``probs`` is not a probability table, ``n_samples`` not a positive
        integer or ``n_se`` not positive.
    """
    probs = _check_probabilities("probs", probs)
    n_samples = check_positive_int("n_samples", n_samples)
    if not n_se > 0:
        raise ValueError(f"n_se must be a positive number of standard errors, got {n_se!r}")
    return n_se * np.sqrt(probs * (1.0 - probs) / n_samples)


@graded
def check_action_frequencies(answer: object, probs: np.ndarray | list[float], n_samples: int) -> Feedback:
    r"""Warm-up 1: the frequency of every action among ``n_samples`` draws from π(·|s,θ).

    Correct when every frequency lies within 4 standard errors
    (:func:`frequency_tolerance`) of its probability :math:`\pi(a|s,\theta)`.

    Parameters
    ----------
    answer : array_like, shape (n_actions,)
        The learner's observed frequencies, one per action, in the order of ``probs``.
    probs : array_like, shape (n_actions,)
        The table :math:`\pi(\cdot|s,\theta)` the actions were drawn from.
    n_samples : int
        How many actions were drawn.
    """
    given_probs = probs
    probs = _check_probabilities("probs", probs)
    n_samples = check_positive_int("n_samples", n_samples)
    if answer is None:
        return Feedback(False, "the frequencies are still `None`: replace the stub with your computation.")
    value = answer_array(answer, "your frequencies")
    if isinstance(value, Feedback):
        return value
    if answer is given_probs or np.array_equal(value, probs):
        # A real sample of N draws matches π exactly about once in a thousand tries (N = 1000).
        return Feedback(False, "these are the probabilities π themselves, not frequencies: draw N actions "
                               "with `rng.choice(..., p=probs)` and count how often each came up. (If a real "
                               "sample matched π exactly, a rare event, draw another.)")
    value = value.reshape(-1)
    if value.size != probs.size:
        return Feedback(False, f"you gave {value.size} numbers; there is one frequency per action, "
                               f"so {probs.size} numbers in the order of the table.")
    if np.any(value < 0):
        return Feedback(False, "a frequency cannot be negative: count how often each action was drawn.")
    if np.isclose(value.sum(), n_samples) and n_samples != 1:
        return Feedback(False, f"these are counts (they add up to {n_samples}); divide by N = {n_samples} "
                               "to get frequencies.")
    if not np.isclose(value.sum(), 1.0):
        return Feedback(False, f"your frequencies add up to {value.sum():.3f}; every draw is one of the "
                               "actions, so they should add up to 1.")
    tolerance = frequency_tolerance(probs, n_samples)
    gap = np.abs(value - probs)
    if np.all(gap <= tolerance):
        return Feedback(True, f"frequencies {np.array2string(value, precision=3)} against π = "
                              f"{np.array2string(probs, precision=3)}: every gap is within 4 standard "
                              f"errors (±{np.array2string(tolerance, precision=3)}) of N = {n_samples} "
                              "draws.")
    if np.all(np.abs(value - probs[::-1]) <= tolerance) and np.max(gap / tolerance) > 2:
        return Feedback(False, "your frequencies are the table in reverse order: list them for actions "
                               "0, 1, 2, ... as the table is.")
    if np.allclose(value, np.full(probs.size, 1.0 / probs.size), atol=tolerance.max()):
        return Feedback(False, "every action came up about equally often: pass the table as the "
                               "probabilities, `rng.choice(n_actions, size=N, p=probs)`.")
    worst = int(np.argmax(gap / tolerance))
    return Feedback(False, f"action {worst} came up with frequency {value[worst]:.3f}, but π = "
                           f"{probs[worst]:.3f}; with N = {n_samples} draws it should lie within "
                           f"±{tolerance[worst]:.3f}. Draw with `rng.choice(..., p=probs)` and count "
                           "with `np.bincount(actions, minlength=n_actions)`.")


def discounted_return(rewards: np.ndarray | list[float], gamma: float) -> float:
    r"""The return from the start, :math:`G_0 = \sum_{k=0}^{T-1} \gamma^k R_{k+1}`.

    ``rewards[k]`` is :math:`R_{k+1}`, the reward that follows action :math:`A_k`.

    Raises
    ------
    ValueError
        If ``rewards`` is not a non-empty 1-D array of finite numbers or
        ``gamma`` is not in [0, 1].
    """
    gamma = check_discount("gamma", gamma)
    rewards = np.asarray(rewards, dtype=float)
    if rewards.ndim != 1 or rewards.size == 0 or not np.all(np.isfinite(rewards)):
        raise ValueError(f"rewards must be a non-empty 1-D array of finite numbers, got {rewards!r}")
    return float(returns_to_go(rewards, gamma)[0])


@graded
def check_return(answer: object, rewards: np.ndarray | list[float], gamma: float) -> Feedback:
    r"""Warm-up 2: the return :math:`G_0` of one episode's rewards :math:`R_1, \dots, R_T`.

    Parameters
    ----------
    answer : float
        The learner's :math:`G_0`.
    rewards : array_like, shape (T,)
        ``rewards[k]`` is :math:`R_{k+1}`.
    gamma : float
        The discount γ.
    """
    expected = discounted_return(rewards, gamma)
    rewards = np.asarray(rewards, dtype=float)
    value = answer_array(answer, "your G_0")
    if isinstance(value, Feedback):
        return value
    if value.size != 1:
        return Feedback(False, f"G_0 is one number, the return from the start; you gave {value.size} "
                               "numbers (the returns of every step? take the first).")
    value = value.reshape(())
    if matches(value, expected):
        return Feedback(True, f"G_0 = {expected:.4f}: each reward counts γ^k times, k steps after the "
                              "first, so later rewards weigh less when γ < 1.")
    T = rewards.size
    if gamma != 1.0 and matches(value, rewards.sum()):
        return Feedback(False, f"that is the plain sum of the rewards. With γ = {gamma:g}, R_(k+1) "
                               "counts γ^k times: multiply before adding.")
    if gamma != 0.0 and matches(value, float(np.sum(gamma ** np.arange(1, T + 1) * rewards))):
        return Feedback(False, "the discount starts one step too late: R_1 counts with weight γ^0 = 1, "
                               "R_2 with γ, R_3 with γ², ...")
    if gamma != 1.0 and matches(value, float(np.sum(gamma ** np.arange(T)[::-1] * rewards))):
        return Feedback(False, "the discounts run backwards: the first reward R_1 gets weight 1 and "
                               "the last one the smallest weight γ^(T−1).")
    if matches(value, rewards.mean()):
        return Feedback(False, "that is the mean reward; the return adds the (discounted) rewards up.")
    slip = _one_wrong_exponent(value, rewards, gamma)
    if slip is not None:
        k, used = slip
        return Feedback(False, f"one discount is off: R_{k + 1} should count γ^{k} times, but your G_0 "
                               f"gives it γ^{used}. The other terms are right.")
    return compare_numbers(value, expected, name="your G_0")


def _one_wrong_exponent(value: np.ndarray, rewards: np.ndarray, gamma: float) -> tuple[int, int] | None:
    """(k, j) if ``value`` is G_0 with R_(k+1) weighted by γ^j instead of γ^k, for one k and j = k ± 1."""
    if gamma in (0.0, 1.0):
        return None
    weights = gamma ** np.arange(rewards.size)
    for k in range(rewards.size):
        if rewards[k] == 0.0:
            continue
        for used in (k + 1, k - 1):
            if used < 0:
                continue
            slipped = weights.copy()
            slipped[k] = gamma**used
            if matches(value, float(np.sum(slipped * rewards))):
                return k, used
    return None


@graded
def check_larger_sample(answer: object, shrink: object, probs: np.ndarray | list[float], n_samples: int,
                        n_before: int = 1000) -> Feedback:
    r"""Warm-up 3, a prediction: how much smaller the gap gets with ``n_samples / n_before`` times more draws.

    ``shrink`` is the learner's prediction, made before drawing, of how many times smaller
    the typical gap :math:`|\text{frequency} - \pi|` becomes; the answer is
    :math:`\sqrt{N/N_\text{before}}` (10 for 100 times more draws), because a frequency's standard
    error is :math:`\sqrt{\pi(1-\pi)/N}`. ``answer`` are the frequencies, checked as in warm-up 1.
    """
    n_samples = check_positive_int("n_samples", n_samples)
    n_before = check_positive_int("n_before", n_before)
    if shrink is None:
        return Feedback(False, "write your prediction first: `shrink = 100`, `10` or `1`, how many times "
                               "smaller the gap between frequencies and probabilities gets.")
    try:
        predicted = float(shrink)
    except (TypeError, ValueError):
        return Feedback(False, f"shrink should be a number (100, 10 or 1), got {shrink!r}.")
    frequencies = check_action_frequencies(answer, probs, n_samples)
    if not frequencies.correct:
        return frequencies
    ratio = n_samples / n_before
    expected = float(np.sqrt(ratio))
    why = (f"with {ratio:g} times more draws the standard error √(π(1 − π)/N) is √{ratio:g} = {expected:g} "
           "times smaller: noise shrinks like 1/√N, so a hundred times the data buys one more digit.")
    if np.isclose(predicted, expected, rtol=0.05):
        return Feedback(True, f"your prediction {predicted:g} holds: {why}")
    if np.isclose(predicted, ratio, rtol=0.05):
        return Feedback(False, f"your frequencies pass, but the gap does not shrink {ratio:g}-fold: {why}")
    return Feedback(False, f"your frequencies pass, but not your prediction {predicted:g}: {why}")
