r"""Checks for notebook 02's exercises (REINFORCE on the demand problem).

Each ``check_*`` returns a :class:`~helpers.exercises.Feedback`: ✅ with what the
answer means, or ❌ with a hint that names the usual slip (a missing factor p, the
score of the other order, rewards where returns belong, the wrong θ for a step).

The policy is :math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(\theta p)`, whose score is

.. math:: \frac{\partial}{\partial\theta} \ln \pi(a|p, \theta) = \big(a - \sigma(\theta p)\big)\, p,
          \qquad a = 1 \text{ for MORE}, 0 \text{ for LESS}.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helpers.dashboards.demand import (
    LESS,
    MORE,
    best_return,
    episode_update,
    learning_runs,
    update_effect,
)
from helpers.exercises import Feedback, answer_array, compare_numbers, graded, matches
from helpers.policies import sigmoid
from helpers.reinforce import returns_to_go

ACTIONS = {"MORE": MORE, "LESS": LESS}


def temperature_score(p: float, theta: float, action: str = "LESS") -> float:
    r"""The score of the temperature policy :math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(p/\theta)`, θ > 0.

    .. math:: \frac{\partial}{\partial\theta} \ln \pi(a|p, \theta)
              = \big(a - \sigma(p/\theta)\big)\, \frac{\partial (p/\theta)}{\partial\theta}
              = -\big(a - \sigma(p/\theta)\big)\, \frac{p}{\theta^2},

    with a = 1 for MORE and 0 for LESS. A large θ makes the policy a coin flip, a small one
    decisive: θ plays the part of a temperature.

    Raises
    ------
    ValueError
        If ``action`` is not "MORE" or "LESS", or θ is not a positive number.
    """
    if action not in ACTIONS:
        raise ValueError(f"action must be 'MORE' or 'LESS', got {action!r}")
    if not np.isfinite(theta) or theta <= 0:
        raise ValueError(f"theta must be a positive number (a temperature), got {theta!r}")
    return float(-(ACTIONS[action] - sigmoid(p / theta)) * p / theta**2)


TEMPERATURE_EXERCISE = {"p": 2.0, "theta": 1.5, "action": "LESS"}
"""Exercise 1's setting: the score of LESS at p = +2, θ = 1.5 for π(MORE|p, θ) = σ(p/θ)."""


@graded
def check_temperature_score(answer: object) -> Feedback:
    r"""Exercise 1: the score of LESS for the policy :math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(p/\theta)`.

    The policy differs from section 3's σ(θp), so its score cannot be read off the notebook:
    it needs the chain rule through :math:`p/\theta`. Setting: :data:`TEMPERATURE_EXERCISE`.
    """
    p, theta, action = (TEMPERATURE_EXERCISE[k] for k in ("p", "theta", "action"))
    expected = temperature_score(p, theta, action)
    value = answer_array(answer, "your score")
    if isinstance(value, Feedback):
        return value
    if value.size != 1:
        return Feedback(False, f"the score of one order is one number (θ has one entry); "
                               f"you gave {value.size} numbers.")
    value = value.reshape(())
    a = ACTIONS[action]
    sig = float(sigmoid(p / theta))
    if matches(value, expected):
        return Feedback(True, f"∂ln π(LESS|p=+2, θ=1.5)/∂θ = {expected:.4f}. Positive: raising the "
                              "temperature θ makes the unlikely order LESS (at a rise in demand) more "
                              "likely, because a hotter policy is closer to a coin flip.")
    if matches(value, (a - sig) * p) or matches(value, -(a - sig) * p):
        return Feedback(False, "that treats the logit as θp, as in section 3. Here the logit is p/θ: by the "
                               "chain rule ∂(p/θ)/∂θ = −p/θ².")
    if matches(value, (a - sig) * p / theta) or matches(value, -(a - sig) * p / theta):
        return Feedback(False, "close: the derivative of p/θ with respect to θ is −p/θ², not p/θ.")
    if matches(value, -expected):
        return Feedback(False, "right size, wrong sign: ∂(p/θ)/∂θ = −p/θ² is negative, and (a − σ) for LESS "
                               "is −σ(p/θ).")
    if matches(value, temperature_score(p, theta, "MORE")):
        return Feedback(False, "that is the score of MORE; for LESS, a = 0 in (a − σ(p/θ)).")
    if matches(value, (1.0 - sig) * expected):
        return Feedback(False, "that is ∇π, the gradient of the probability itself. The score is ∇ln π = "
                               "∇π / π: divide by π(LESS|p, θ) = 1 − σ(p/θ).")
    return compare_numbers(value, expected, name="your score")


def _per_step(theta: float, p: np.ndarray, actions: np.ndarray, weights: np.ndarray, alpha: float,
              discounts: np.ndarray) -> float:
    """Per-step updates θ += α d_t w_t (A_t − σ(θ p_t)) p_t, each scored at the current θ."""
    for t in range(len(p)):
        theta = theta + alpha * discounts[t] * weights[t] * (actions[t] - sigmoid(theta * p[t])) * p[t]
    return float(theta)


def _update_variants(theta: float, p: np.ndarray, actions: np.ndarray, rewards: np.ndarray,
                     alpha: float, gamma: float) -> dict[str, float]:
    """The usual slips in one episode's REINFORCE update, each as the θ it produces."""
    T = len(p)
    G = returns_to_go(rewards, gamma)
    discounts = gamma ** np.arange(T)
    return {
        "fixed": float(theta + alpha * np.sum(discounts * G * (actions - sigmoid(theta * p)) * p)),
        "rewards": _per_step(theta, p, actions, rewards, alpha, discounts),
        "whole": _per_step(theta, p, actions, np.full(T, G[0]), alpha, discounts),
        "no_discount": _per_step(theta, p, actions, G, alpha, np.ones(T)),
        "descent": _per_step(theta, p, actions, -G, alpha, discounts),
    }


UPDATE_CASES = (
    # theta, p, actions, rewards, alpha, gamma
    (0.5, (1.0, 2.0, -1.0), (MORE, LESS, LESS), (1.0, -1.0, 0.5), 0.1, 1.0),
    (-0.3, (-2.0, -1.0, 1.0), (MORE, LESS, MORE), (-2.0, 0.5, 1.0), 0.5, 0.9),
    (1.2, (2.0, 2.0, 1.0, -1.0), (MORE, MORE, LESS, LESS), (2.0, 2.0, -0.5, 0.5), 0.05, 0.8),
)
"""Episodes the REINFORCE-update check runs the learner's function on."""


UPDATE_EXERCISE = {"theta": 0.5, "p": -1.0, "action": 1, "G": 3.0, "alpha": 0.1}
"""Exercise 2's step: MORE ordered at a fall in demand (p = -1), the rest of the season paying G_t = +3."""


def update_step(theta: float, p: float, action: int, G: float, alpha: float) -> float:
    r"""One REINFORCE step on θ, :math:`\alpha\, G_t\, \big(A_t - \sigma(\theta p)\big)\, p`.

    Computed by :func:`helpers.dashboards.demand.update_effect`, which draws section 3's picture.
    """
    effect = update_effect(theta=theta, p=p, action=action, returns=(G,), alpha=alpha)
    return float(effect.theta_after[0] - effect.theta)


@graded
def check_update_direction(prediction: object, step: object) -> Feedback:
    """Exercise 2, a prediction: does one step after a good season raise or lower θ? Then the step.

    The setting is :data:`UPDATE_EXERCISE`. The step must be right; then the prediction
    ("raise" or "lower", made before computing) is compared with its sign.
    """
    setting = UPDATE_EXERCISE
    expected = update_step(**setting)
    if prediction is None:
        return Feedback(False, "write your prediction first: `prediction = \"raise\"` or `\"lower\"`, "
                               "before you compute the step.")
    if not isinstance(prediction, str) or prediction.strip().lower() not in ("raise", "lower"):
        return Feedback(False, "the prediction should be the word \"raise\" or \"lower\", "
                               f"got {prediction!r}.")
    value = answer_array(step, "your step")
    if isinstance(value, Feedback):
        return value
    if value.size != 1:
        return Feedback(False, "the step is one number, α G_t (A_t − σ(θp)) p; "
                               f"you gave {value.size} numbers.")
    value = value.reshape(())
    theta, p, G, alpha = setting["theta"], setting["p"], setting["G"], setting["alpha"]
    if matches(value, alpha * G * (0 - sigmoid(theta * p)) * p):
        return Feedback(False, "that is the step for LESS (A_t = 0); the manager ordered MORE, A_t = 1.")
    if matches(value, -expected):
        return Feedback(False, "your step has the right size but the wrong sign: check the sign of "
                               "p = −1 and of A_t − σ(θp).")
    if not matches(value, expected):
        return compare_numbers(value, expected, name="your step")
    direction = "lower" if expected < 0 else "raise"
    effect = update_effect(theta=theta, p=p, action=setting["action"], returns=(G,), alpha=alpha)
    before, after = effect.before[MORE], effect.after[0, MORE]
    explanation = (f"the step is {expected:+.4f}: θ goes from {theta:g} to {theta + expected:.4f}, and "
                   f"π(MORE | p = −1) rises from {before:.3f} to {after:.3f}. A positive G_t makes the "
                   "action taken more likely, whatever it was: here MORE at a fall, and at p < 0 that "
                   "needs a smaller θ.")
    if prediction.strip().lower() == direction:
        return Feedback(True, f"your prediction \"{direction}\" holds: {explanation}")
    return Feedback(False, f"your step is right, but your prediction does not match it: {explanation} "
                           f"Change `prediction` to \"{direction}\" once you see why.")


@graded
def check_reinforce_update(function: Callable[..., float] | None,
                           cases: tuple = UPDATE_CASES) -> Feedback:
    r"""Exercise 3: one episode's REINFORCE update, per step, as in Sutton & Barto.

    The learner writes ``function(theta, p, actions, rewards, alpha, gamma) -> new θ``:
    for t = 0, ..., T-1,

    .. math:: \theta \leftarrow \theta + \alpha \gamma^t G_t \big(A_t - \sigma(\theta p_t)\big) p_t,

    with each score taken at the current θ. It is called on each of ``cases``.
    """
    if function is None:
        return Feedback(False, "`reinforce_update` is still `None`: define it as a function "
                               "`def reinforce_update(theta, p, actions, rewards, alpha, gamma): ...`.")
    if not callable(function):
        return Feedback(False, f"pass the function itself (without calling it), got {function!r}.")
    for theta, p, actions, rewards, alpha, gamma in cases:
        p_arr, a_arr, r_arr = np.array(p), np.array(actions), np.array(rewards)
        try:
            result = function(theta, p_arr.copy(), a_arr.copy(), r_arr.copy(), alpha, gamma)
        except Exception as error:  # the learner's code: report any failure as feedback
            return Feedback(False, f"your function raised {type(error).__name__}: {error} "
                                   f"(on θ = {theta}, p = {p}, actions = {actions}, rewards = {rewards}).")
        value = answer_array(result, "the θ your function returns")
        if isinstance(value, Feedback):
            return Feedback(False, "your function returns `None`: end it with `return theta`.") \
                if result is None else value
        if value.size != 1:
            return Feedback(False, "the function should return the new θ (one number), "
                                   f"got shape {value.shape}.")
        value = value.reshape(())
        expected = episode_update(theta, p_arr, a_arr, r_arr, alpha, gamma)[-1].theta_after
        if matches(value, expected):
            continue
        where = (f"(on θ = {theta}, p = {p}, actions = {actions}, rewards = {rewards}, "
                 f"α = {alpha}, γ = {gamma})")
        variants = _update_variants(theta, p_arr, a_arr, r_arr, alpha, gamma)
        if matches(value, variants["fixed"]):
            return Feedback(False, "you scored every step at the θ from before the episode. That is "
                                   "the batch form; Sutton & Barto's per-step REINFORCE updates θ after "
                                   "each step and scores the next step at the new θ. " + where)
        if matches(value, variants["rewards"]):
            return Feedback(False, "you weighted each step by its reward R_{t+1}; REINFORCE weights it by "
                                   "the return G_t, everything that followed A_t. " + where)
        if matches(value, variants["whole"]):
            return Feedback(False, "you weighted every step by G_0; each step gets its own return G_t. "
                                   + where)
        if matches(value, variants["no_discount"]):
            return Feedback(False, "the factor γ^t is missing from the step. It only matters when γ < 1, "
                                   "which is why the first episode passed. " + where)
        if matches(value, variants["descent"]):
            return Feedback(False, "θ moved the wrong way: REINFORCE *adds* α γ^t G_t ∇ln π "
                                   "(gradient ascent on J). " + where)
        return Feedback(False, f"your function returned θ = {float(value):.4f}; expected {expected:.4f} "
                               + where + ". Compare your steps with the table of one episode's update.")
    return Feedback(True, f"your update agrees with Sutton & Barto's per-step REINFORCE on all {len(cases)} "
                          "episodes, including ones with γ < 1.")


STEP_SIZE_SETTINGS = (0.05, 100, 100, 1)
"""The notebook's (tolerance, n_episodes, n_runs, seed) for exercise 4; the tests measure its window of α."""


@graded
def check_step_size(alpha: object, tolerance: float = 0.05, n_episodes: int = 100,
                    n_runs: int = 100, seed: int = 1) -> Feedback:
    r"""Exercise 4: a step size α that brings the mean exact J within ``tolerance`` of :math:`J^*`.

    Runs ``n_runs`` REINFORCE runs of ``n_episodes`` episodes from θ = 0 with α
    (:func:`helpers.dashboards.demand.learning_runs`) and compares the mean of
    :math:`J(\theta_N)` over runs with :math:`J^* - \text{tolerance}`.
    """
    if alpha is None:
        return Feedback(False, "`alpha` is still `None`: try a value, for example 0.01, and read the hint.")
    try:
        alpha = float(alpha)
    except (TypeError, ValueError):
        return Feedback(False, f"α should be a number, got {alpha!r}.")
    if not np.isfinite(alpha) or alpha <= 0:
        return Feedback(False, f"α must be a number > 0 (a step size), got {alpha!r}.")
    runs = learning_runs(alpha, n_runs=n_runs, n_episodes=n_episodes, seed=seed)
    J_best = best_return()
    final = runs.J[:, -1]
    gap = J_best - float(final.mean())
    n_wrong = int(runs.wrong_way.sum())
    summary = (f"with α = {alpha:.3g}, the mean J after {n_episodes} episodes is {final.mean():.3f}, "
               f"{gap:.3f} below J* = {J_best:.3f}")
    if gap <= tolerance:
        cost = 2 * J_best / n_runs
        notebook = (tolerance, n_episodes, n_runs, seed) == STEP_SIZE_SETTINGS
        window = ("Any α from about 0.2 to 3 passes here, a window more than a decade wide" if notebook
                  else "The window of α that passes is wide")
        return Feedback(True, f"{summary}. {window}. Both its edges are there for a reason: a crawl below, "
                              "wrong-way runs above; the upper edge depends on the seed, since one "
                              f"wrong-way run (J ≈ −J*) costs 2J*/{n_runs} = {cost:.3f}.")
    if n_wrong:
        were = "was" if n_wrong == 1 else "were"
        return Feedback(False, f"{summary}: {n_wrong} of {n_runs} runs {were} thrown to θ < 0, where J is "
                               "flat and they stay. α is too large: try a smaller one.")
    return Feedback(False, f"{summary}. Every run is still climbing: α is too small. Try a larger one "
                           "(the α slider above shows how the curves change).")
