r"""Checks for notebook 05's exercises (continuous actions).

Each ``check_*`` returns a :class:`~helpers.exercises.Feedback`: ✅ with what the
answer means, or ❌ with a hint that names the usual slip.

1. :func:`check_gaussian_score`: the score of a Gaussian policy with a learned σ,
   :math:`\big((a - \mu)x/\sigma^2,\ ((a - \mu)^2/\sigma^2 - 1)x\big)`.
2. :func:`check_exploration_prediction`: a prediction, then the exact gains of
   :math:`J(\theta, \sigma) = -c(\theta - 1)^2 - T\sigma^2` from a better mean or a smaller σ.
3. :func:`check_actor_critic_step`: one step of Sutton & Barto's one-step actor-critic.
"""

from __future__ import annotations

import numpy as np

from helpers.exercises import Feedback, answer_array, compare_numbers, graded, matches
from helpers.policies import GaussianPolicy

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


# --- exercise 2: predict, then compute: a better mean or less exploration? ------------------------------

PREDICTIONS = ("mean", "sigma")


def exploration_gains(theta: float = 0.5, sigma: float = 0.5, horizon: int = 3) -> tuple[float, float]:
    r"""The exact gains in J of moving the mean to μ = p (θ → 1) and of halving σ, from (θ, σ).

    With :math:`J(\theta, \sigma) = -c(\theta - 1)^2 - T\sigma^2`: the mean's gain is
    :math:`c(\theta - 1)^2`, the spread's :math:`T(\sigma^2 - \sigma^2/4)`.
    """
    from helpers.experiments.continuous import mean_objective

    start = float(mean_objective(theta, sigma, horizon))
    return (float(mean_objective(1.0, sigma, horizon)) - start,
            float(mean_objective(theta, sigma / 2, horizon)) - start)


@graded
def check_exploration_prediction(prediction: object, gains: object, theta: float = 0.5,
                                 sigma: float = 0.5) -> Feedback:
    """Exercise 2: which raises J more from (θ, σ) = (0.5, 0.5), μ = p or half the σ; then both gains.

    Parameters
    ----------
    prediction : {"mean", "sigma"}
        Written before computing.
    gains : array_like, shape (2,)
        J(1, σ) − J(θ, σ) and J(θ, σ/2) − J(θ, σ), from ``continuous.mean_objective``.
    """
    if prediction not in PREDICTIONS:
        return Feedback(False, "write your prediction first: `prediction = \"mean\"` (moving the mean to "
                               "μ = p raises J more) or `\"sigma\"` (halving σ does).")
    mean_gain, sigma_gain = exploration_gains(theta, sigma)
    value = answer_array(gains, "your gains")
    if isinstance(value, Feedback):
        return value
    if value.size != 2:
        return Feedback(False, "gains has two numbers: (gain from μ = p, gain from half the σ).")
    value = value.reshape(2)
    if matches(value, [-mean_gain, -sigma_gain]):
        return Feedback(False, "your gains have the wrong sign: a gain is J(after) − J(before), and both "
                               "changes raise J.")
    if matches(value, [sigma_gain, mean_gain]):
        return Feedback(False, "your two gains are in the other order: first μ = p, then half the σ.")
    if np.isclose(value[1], sigma**2 - (sigma / 2) ** 2):
        return Feedback(False, "the exploration cost is Tσ², σ² in each of the T = 3 weeks: your σ-gain "
                               "misses the factor T.")
    if np.isclose(value[1], 3 * (sigma - sigma / 2)):
        return Feedback(False, "the exploration cost is Tσ², with σ squared: your σ-gain uses σ.")
    if not matches(value, [mean_gain, sigma_gain]):
        return compare_numbers(value, np.array([mean_gain, sigma_gain]), name="your gains")
    winner = "mean" if mean_gain > sigma_gain else "sigma"
    verdict = "as you predicted" if prediction == winner else "not what you predicted"
    return Feedback(True, f"μ = p gains {mean_gain:.3f}, half the σ {sigma_gain:.3f}: the mean wins, "
                          f"{verdict}. Halving σ saves T(σ² − σ²/4) = {sigma_gain:.4f}; the mean's "
                          f"error costs c(θ − 1)² = {mean_gain:.4f}, with c = Σ_t E[p_t²] ≈ 7 because the "
                          "demand changes are of size 1 to 2. Far from the best mean, exploring is cheap.")


# --- exercise 3: one step of one-step actor-critic ------------------------------------------------------

ACTOR_CRITIC = {"p": 1.0, "order": 0.8, "next_p": 2.0, "theta": 0.5, "sigma": 0.5, "w": (-1.5, 0.2),
                "alpha_theta": 0.05, "alpha_w": 0.1, "gamma": 1.0}
"""The exercise's week: v̂(p, w) = w₀ + w₁p, μ = θp with a fixed σ, the reward −(order − p)²."""


def actor_critic_step(p: float, order: float, next_p: float, theta: float, sigma: float,
                      w: tuple[float, float], alpha_theta: float, alpha_w: float,
                      gamma: float) -> tuple[float, np.ndarray, float]:
    r"""Sutton & Barto's one-step actor-critic (section 13.5) for one step, with I = γ^t = 1.

    .. math:: \delta = R_{t+1} + \gamma \hat v(S_{t+1}, w) - \hat v(S_t, w), \quad
              w \leftarrow w + \alpha^w \delta \nabla \hat v(S_t, w), \quad
              \theta \leftarrow \theta + \alpha^\theta \delta \nabla \ln \pi(A_t|S_t, \theta).

    Returns δ, the new w and the new θ.
    """
    w = np.asarray(w, dtype=float)
    reward = -((order - p) ** 2)
    delta = reward + gamma * (w[0] + w[1] * next_p) - (w[0] + w[1] * p)
    score = (order - theta * p) * p / sigma**2
    return float(delta), w + alpha_w * delta * np.array([1.0, p]), float(theta + alpha_theta * delta * score)


@graded
def check_actor_critic_step(delta: object, w_new: object, theta_new: object) -> Feedback:
    """Exercise 3: δ, the critic's new w and the actor's new θ after one step (see :data:`ACTOR_CRITIC`)."""
    e = ACTOR_CRITIC
    expected_delta, expected_w, expected_theta = actor_critic_step(**e)
    value = answer_array(delta, "your δ")
    if isinstance(value, Feedback):
        return value
    value = float(value.reshape(-1)[0])
    w0, w1 = e["w"]
    reward = -((e["order"] - e["p"]) ** 2)
    if not np.isclose(value, expected_delta):
        if np.isclose(value, reward - (w0 + w1 * e["p"])):
            return Feedback(False, "your δ leaves out γ v̂(S_{t+1}, w): actor-critic bootstraps from the "
                                   "next state's value instead of waiting for the return.")
        if np.isclose(value, -expected_delta):
            return Feedback(False, "your δ has the wrong sign: δ = R_{t+1} + γ v̂(S_{t+1}) − v̂(S_t).")
        if np.isclose(value, -reward + e["gamma"] * (w0 + w1 * e["next_p"]) - (w0 + w1 * e["p"])):
            return Feedback(False, "the reward is −(A_t − p_t)², a cost: it is negative.")
        return Feedback(False, f"δ = {value:.4f} is not right yet: R_{{t+1}} = −(0.8 − 1)², "
                               "v̂(p, w) = w₀ + w₁p at p = 1 now and p = 2 next.")
    w_value = answer_array(w_new, "your w")
    if isinstance(w_value, Feedback):
        return w_value
    if w_value.size != 2:
        return Feedback(False, "w has two entries, (w₀, w₁).")
    w_value = w_value.reshape(2)
    if not matches(w_value, expected_w):
        if matches(w_value, np.array(e["w"]) + e["alpha_w"] * expected_delta):
            return Feedback(False, "the critic's step is α^w δ ∇v̂(S_t, w), and ∇v̂ = (1, p): w₁ moves by "
                                   "α^w δ p, not α^w δ.")
        if matches(w_value, np.array(e["w"]) + e["alpha_w"] * expected_delta * np.array([1.0, e["next_p"]])):
            return Feedback(False, "∇v̂ is taken at S_t (p = 1), the state being judged, not at S_{t+1}.")
        return compare_numbers(w_value, expected_w, name="your w")
    theta_value = answer_array(theta_new, "your θ")
    if isinstance(theta_value, Feedback):
        return theta_value
    theta_value = float(theta_value.reshape(-1)[0])
    mu = e["theta"] * e["p"]
    if not np.isclose(theta_value, expected_theta):
        without_variance = e["theta"] + e["alpha_theta"] * expected_delta * (e["order"] - mu) * e["p"]
        if np.isclose(theta_value, without_variance):
            return Feedback(False, "the actor's score is (a − μ)x/σ²: your step misses the division by σ².")
        if np.isclose(theta_value, e["theta"] + e["alpha_theta"] * reward * (e["order"] - mu) * e["p"]
                      / e["sigma"] ** 2):
            return Feedback(False, "the actor's step uses δ, the critic's judgement, not the reward alone.")
        return compare_numbers(theta_value, expected_theta, name="your θ")
    return Feedback(True, f"δ = {expected_delta:+.4f}: the order cost only {reward:+.2f}, and the critic "
                          f"expects more from p = 2 than from p = 1, so the step was better than expected; "
                          f"θ moves to {expected_theta:.4f}, towards the order taken, and w to "
                          f"({expected_w[0]:.3f}, {expected_w[1]:.3f}). No return was needed: the update "
                          "happens right after the step.")
