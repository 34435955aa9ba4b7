r"""Checks for notebook 02's exercises (REINFORCE on the demand problem).

Each ``check_*`` returns a :class:`~helpers.exercises.Feedback`: ✅ with what the
answer means, or ❌ with a hint that names the usual slip (a missing factor p, the
score of the other order, rewards where returns belong, the wrong θ for a step).

The policy is :math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(\theta p)`, whose score is

.. math:: \frac{\partial}{\partial\theta} \ln \pi(a|p, \theta) = \big(a - \sigma(\theta p)\big)\, p,
          \qquad a = 1 \text{ for MORE}, 0 \text{ for LESS}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.exercises import Feedback, answer_array, compare_numbers, graded, matches
from helpers.experiments.demand import LESS, MORE, best_return, episode_update, learning_runs, update_effect
from helpers.policies import sigmoid

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


UPDATE_EXERCISE = {"theta": 0.5, "p": -1.0, "action": 1, "G": 3.0, "alpha": 0.1}
"""Exercise 2's step: MORE ordered at a fall in demand (p = -1), the rest of the season paying G_t = +3."""


def update_step(theta: float, p: float, action: int, G: float, alpha: float) -> float:
    r"""One REINFORCE step on θ, :math:`\alpha\, G_t\, \big(A_t - \sigma(\theta p)\big)\, p`.

    Computed by :func:`helpers.experiments.demand.update_effect`, the numbers behind section 3's picture.
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


@dataclass(frozen=True)
class Logbook:
    r"""Exercise 3's season: what another store's logbook kept of one REINFORCE episode.

    Attributes
    ----------
    p : ndarray, shape (T,)
        :math:`p_t`, the change in demand in week t.
    actions : ndarray, shape (T,)
        :math:`A_t`, 1 for MORE and 0 for LESS.
    theta : ndarray, shape (T + 1,)
        :math:`\theta_t`, the θ at which step t is scored (θ before the episode first, θ after
        the last step at the end).
    alpha, gamma : float
        The step size and the discount of the updates.
    """

    p: np.ndarray
    actions: np.ndarray
    theta: np.ndarray
    alpha: float
    gamma: float


LOGBOOK_EXERCISE = {"theta": 0.5, "p": (1.0, -2.0, 2.0), "actions": (MORE, MORE, LESS),
                    "rewards": (2.0, -1.0, 0.5), "alpha": 0.2, "gamma": 0.9}
"""Exercise 3's season. The rewards are what the learner recovers (they are not section 1's table)."""


def logbook() -> Logbook:
    r"""The logbook of exercise 3: :math:`p_t`, :math:`A_t` and the θ of Sutton & Barto's per-step updates.

    .. math:: \theta_{t+1} = \theta_t + \alpha \gamma^t G_t \big(A_t - \sigma(\theta_t p_t)\big) p_t,

    computed by :func:`helpers.experiments.demand.episode_update` from the hidden rewards.
    """
    s = LOGBOOK_EXERCISE
    rows = episode_update(s["theta"], np.array(s["p"]), np.array(s["actions"]), np.array(s["rewards"]),
                          s["alpha"], s["gamma"])
    theta = np.array([row.theta_before for row in rows] + [rows[-1].theta_after])
    arrays = (np.array(s["p"]), np.array(s["actions"]), theta)
    for array in arrays:
        array.setflags(write=False)
    return Logbook(*arrays, float(s["alpha"]), float(s["gamma"]))


def rewards_from_returns(G: np.ndarray, gamma: float) -> np.ndarray:
    r"""The rewards behind returns-to-go: :math:`R_{t+1} = G_t - \gamma G_{t+1}`, with :math:`G_T = 0`."""
    G = np.asarray(G, dtype=float)
    return G - gamma * np.append(G[1:], 0.0)


def _logbook_variants(book: Logbook) -> dict[str, np.ndarray]:
    """The rewards that the usual slips read from the logbook, by name (the right answer is "right")."""
    T = len(book.p)
    steps = np.diff(book.theta)
    discounts = book.gamma ** np.arange(T)

    def returns(theta_scored: np.ndarray, actions: np.ndarray = book.actions, factor: np.ndarray = book.p,
                discount: np.ndarray = discounts) -> np.ndarray:
        scores = (actions - sigmoid(theta_scored * book.p)) * factor
        return steps / (book.alpha * discount * scores)

    G = returns(book.theta[:-1])
    return {
        "right": rewards_from_returns(G, book.gamma),
        "returns": G,
        "fixed_theta": rewards_from_returns(returns(np.full(T, book.theta[0])), book.gamma),
        "theta_after": rewards_from_returns(returns(book.theta[1:]), book.gamma),
        "no_discount_step": rewards_from_returns(returns(book.theta[:-1], discount=np.ones(T)), book.gamma),
        "undiscounted_returns": rewards_from_returns(G, 1.0),
        "other_action": rewards_from_returns(returns(book.theta[:-1], actions=1 - book.actions), book.gamma),
        "no_p": rewards_from_returns(returns(book.theta[:-1], factor=np.ones(T)), book.gamma),
    }


_LOGBOOK_HINTS = {
    "returns": "those are the returns G_t, not the rewards (that is why the last one, G_2 = R_3, is right). "
               "Turn returns into rewards: R_{t+1} = G_t − γ G_{t+1}.",
    "fixed_theta": "you scored every step at θ_0, the θ from before the season (the batch form). In the "
                   "per-step update step t is scored at θ_t, the θ that step t − 1 left: the logbook's θ "
                   "before that step.",
    "theta_after": "you scored step t at the θ after it; the score of step t is taken at θ_t, before "
                   "the step changes it.",
    "no_discount_step": "the step at t carries the factor γ^t: divide the change in θ by α γ^t, not by α "
                        "(G_0 comes out right, since γ⁰ = 1; the later returns do not).",
    "undiscounted_returns": "your returns are right, but inside G_t the later rewards are discounted: "
                            "G_t = R_{t+1} + γ G_{t+1}, so R_{t+1} = G_t − γ G_{t+1}.",
    "other_action": "that uses the score of the order not taken; the update uses the score of A_t, "
                    "(A_t − σ(θ_t p_t)) p_t, with A_t = 1 for MORE and 0 for LESS.",
    "no_p": "the score of σ(θp) has the factor p_t: ∂/∂θ ln π(A_t|p_t, θ) = (A_t − σ(θ_t p_t)) p_t.",
}


@graded
def check_logbook_rewards(answer: object) -> Feedback:
    r"""Exercise 3: recover the rewards of a season from the θ of its per-step REINFORCE updates.

    Each step of :func:`logbook` is :math:`\theta_{t+1} - \theta_t = \alpha\gamma^t G_t
    (A_t - \sigma(\theta_t p_t)) p_t`, so :math:`G_t` follows from the change in θ and the
    score at :math:`\theta_t`, and :math:`R_{t+1} = G_t - \gamma G_{t+1}`. The hints name the
    usual slips: the returns for the rewards, every step scored at θ_0 (or after the step),
    no γ^t in the step, undiscounted returns, the other order's score, the score without p.
    """
    book = logbook()
    T = len(book.p)
    variants = _logbook_variants(book)
    expected = variants["right"]
    value = answer_array(answer, "rewards")
    if isinstance(value, Feedback):
        if answer is None:
            return Feedback(False, "rewards is still `None`. Each logbook step is θ_{t+1} − θ_t = "
                                   "α γ^t G_t (A_t − σ(θ_t p_t)) p_t: solve it for G_t, then turn the "
                                   "returns into rewards.")
        return value
    if value.size != T:
        return Feedback(False, f"give the {T} rewards R_1, …, R_{T} of the season, one per week; "
                               f"you gave {value.size} number{'s' if value.size != 1 else ''}.")
    value = value.reshape(T)
    if matches(value, expected):
        G = variants["returns"]
        return Feedback(True, "R = (" + ", ".join(f"{r:+.2f}" for r in expected) + "), from the returns G = ("
                              + ", ".join(f"{g:+.3f}" for g in G) + "). Each step of the per-step update "
                              "gives away its G_t, once you score it at the θ it was taken at.")
    if matches(value, -expected):
        return Feedback(False, "right sizes, wrong signs: check the sign of each score "
                               "(A_t − σ(θ_t p_t)) p_t; at p_t < 0 the factor p_t flips it.")
    for name, hint in _LOGBOOK_HINTS.items():
        if matches(value, variants[name]):
            return Feedback(False, hint)
    right = np.isclose(value, expected, rtol=1e-6, atol=1e-9)
    if right.any():
        names = ", ".join(f"R_{t + 1}" for t in np.flatnonzero(right))
        return Feedback(False, f"{names} {'is' if right.sum() == 1 else 'are'} right, the others not yet. "
                               "Work backwards from the last week: G_2 = R_3, then "
                               "R_{t+1} = G_t − γ G_{t+1}; and score each step at the θ before it.")
    return compare_numbers(value, expected, name="rewards")


STEP_SIZE_SETTINGS = (0.05, 100, 100, 1)
"""The notebook's (tolerance, n_episodes, n_runs, seed) for exercise 4; the tests measure its window of α."""


@graded
def check_step_size(alpha: object, tolerance: float = 0.05, n_episodes: int = 100,
                    n_runs: int = 100, seed: int = 1) -> Feedback:
    r"""Exercise 4: a step size α that brings the mean exact J within ``tolerance`` of :math:`J^*`.

    Runs ``n_runs`` REINFORCE runs of ``n_episodes`` episodes from θ = 0 with α
    (:func:`helpers.experiments.demand.learning_runs`) and compares the mean of
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
