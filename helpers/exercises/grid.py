r"""Checks for notebook 03 (REINFORCE on the grid): each returns a :class:`~helpers.exercises.Feedback`.

1. :func:`check_gradient_signs`: read the sign of each component of ∇J at two
   points from the landscape.
2. :func:`check_per_step_update`: one per-step REINFORCE update,
   :math:`\theta \leftarrow \theta + \alpha \gamma^t G_t \nabla \ln \pi(A_t|S_t, \theta)`.
3. :func:`check_success_fractions`: the fractions of 200 runs that reach J ≥ 4 with
   α = 0.3, 1, 3 and 10.
4. :func:`check_state_form_constant`: the constant in
   :math:`\nabla J_\gamma = c \sum_s \mu_\gamma(s) \sum_a q_\pi(s, a) \nabla \pi(a|s, \theta)`
   on the discounted road, with :math:`\mu_\gamma = \eta_\gamma / \sum_s \eta_\gamma(s)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from helpers.exercises import Feedback, answer_array, compare_numbers, graded
from helpers.experiments import grid
from helpers.mdp import gradient_terms
from helpers.reinforce import returns_to_go

SIGN_POINTS = {"A": (12.5, 12.5), "B": (17.5, -7.5)}
"""The two θ at which the learner reads the signs of ∇J from the landscape (each has an arrow)."""

TARGET_J = 4.0
"""Exercise 3 counts the runs that reach J(θ) ≥ 4 after ``grid.N_EPISODES`` episodes."""


_SIGN_WORDS = {1: "+", -1: "-"}


def _parse_signs(answer: object) -> tuple[int, int] | str:
    """(sign of ∂J/∂θ_1, sign of ∂J/∂θ_2) as ±1, or a message saying what is wrong with ``answer``."""
    if answer is None:
        return "replace None with a pair of signs, for example ('+', '-')"
    if isinstance(answer, str) or not isinstance(answer, Sequence | np.ndarray) or len(answer) != 2:
        return f"give a pair of two signs, one per component, such as ('+', '-'); got {answer!r}"
    signs = []
    for entry in answer:
        if isinstance(entry, str) and entry.strip() in {"+", "-", "−"}:
            signs.append(1 if entry.strip() == "+" else -1)
        elif isinstance(entry, int | float | np.integer | np.floating) and entry != 0 and np.isfinite(entry):
            signs.append(int(np.sign(entry)))
        else:
            return f"each sign must be '+' or '-' (or +1 / -1); got {entry!r}"
    return signs[0], signs[1]


@graded
def check_gradient_signs(answer_a: object, answer_b: object) -> Feedback:
    r"""Check the predicted signs of :math:`(\partial J/\partial\theta_1, \partial J/\partial\theta_2)`.

    Parameters
    ----------
    answer_a, answer_b : pair of '+'/'-' (or ±1)
        The signs at the points A and B of ``SIGN_POINTS``.
    """
    problem = grid.grid_problem()
    thetas = np.array([SIGN_POINTS["A"], SIGN_POINTS["B"]])
    exact = np.sign(grid.exact_objective_and_gradient(problem, thetas).gradient).astype(int)
    problems = []
    for name, answer, truth in (("A", answer_a, exact[0]), ("B", answer_b, exact[1])):
        parsed = _parse_signs(answer)
        point = f"{name} = θ ({SIGN_POINTS[name][0]:g}, {SIGN_POINTS[name][1]:g})"
        if isinstance(parsed, str):
            problems.append(f"at {point}: {parsed}")
            continue
        for i, axis, (positive, negative) in ((0, "θ₁", ("right", "left")),
                                              (1, "θ₂", ("up", "down"))):
            if parsed[i] != truth[i]:
                problems.append(
                    f"at {point}, the sign of ∂J/∂{axis} is not {_SIGN_WORDS[parsed[i]]}: find the white "
                    f"arrow nearest to {name} and ask whether it points {positive} (+) or {negative} (−)")
    if problems:
        return Feedback(False, "; ".join(problems) + ".")
    words = [f"({_SIGN_WORDS[a]}, {_SIGN_WORDS[b]})" for a, b in exact]
    return Feedback(True, f"∇J has signs {words[0]} at A and {words[1]} at B. At A, on the diagonal "
                          "θ₁ = θ₂, J grows by moving into the cone θ₁ > θ₂ > 0; at B, below it, "
                          "both weights grow, which is how the ascent turns towards the best policies.")


def per_step_update(theta: np.ndarray, episode: grid.EpisodePath, t: int, alpha: float,
                    gamma: float) -> np.ndarray:
    r"""The per-step REINFORCE update at step t (the exercise's answer).

    .. math:: \theta \leftarrow \theta + \alpha \gamma^t G_t \nabla \ln \pi(A_t|S_t, \theta),
              \qquad G_t = \sum_{k=t}^{T-1} \gamma^{k-t} R_{k+1}.
    """
    problem = grid.grid_problem(grid.FEATURE, gamma)
    theta = np.asarray(theta, dtype=float)
    if not 0 <= t < len(episode.actions):
        raise ValueError(f"t must be a step of the episode, 0..{len(episode.actions) - 1}, got {t!r}")
    G = returns_to_go(episode.rewards, gamma)
    score = problem.policy.grad_log_prob(theta, problem.inputs[episode.states[t]], episode.actions[t])
    return theta + alpha * gamma**t * G[t] * score


@graded
def check_per_step_update(answer: object, *, theta: np.ndarray, episode: grid.EpisodePath, t: int,
                          alpha: float, gamma: float) -> Feedback:
    r"""Check one per-step update :math:`\theta + \alpha\gamma^t G_t \nabla\ln\pi(A_t|S_t,\theta)`.

    Recognises the usual slips: no :math:`\gamma^t`, the whole return :math:`G_0`
    instead of :math:`G_t`, the single reward :math:`R_{t+1}`, undiscounted rewards
    inside :math:`G_t`, a descent step, the step without θ, and θ already changed by
    the updates at steps 0, …, t−1 (Sutton & Barto's per-step loop) in the score.
    """
    if answer is None:
        return Feedback(False, "theta_new is still None: compute θ + α γ^t G_t ∇ln π(A_t|S_t, θ) "
                               "(two numbers).")
    problem = grid.grid_problem(grid.FEATURE, gamma)
    theta = np.asarray(theta, dtype=float)
    expected = per_step_update(theta, episode, t, alpha, gamma)
    score = problem.policy.grad_log_prob(theta, problem.inputs[episode.states[t]], episode.actions[t])
    G = returns_to_go(episode.rewards, gamma)
    undiscounted_G = returns_to_go(episode.rewards, 1.0)
    slips = (
        (theta + alpha * G[t] * score, "you left out γ^t: a step t steps into the episode counts "
                                       "γ^t times as much in the discounted objective"),
        (theta + alpha * gamma**t * G[0] * score, "you used G_0, the return of the whole episode; "
                                                  "REINFORCE uses G_t, the return from step t on"),
        (theta + alpha * gamma**t * episode.rewards[t] * score, "you used the single reward R_{t+1}; "
                                                                "G_t adds all rewards from step t on"),
        (theta + alpha * gamma**t * undiscounted_G[t] * score, "inside G_t the rewards are discounted "
                                                               "too: G_t = R_{t+1} + γ R_{t+2} + …"),
        (theta - alpha * gamma**t * G[t] * score, "that is a descent step: REINFORCE adds the step "
                                                  "(gradient ascent on J)"),
        (alpha * gamma**t * G[t] * score, "that is the step alone; add it to θ"),
        (theta + gamma**t * G[t] * score, "you left out the step size α"),
        (_sequential_update(problem, theta, episode, t, alpha, G),
         "you changed θ by the updates at steps 0, …, t−1 first and used that θ in the score, as "
         "Sutton & Barto's per-step loop does; the exercise asks for the update with the θ the "
         "episode was played with, θ = (" + ", ".join(f"{v:g}" for v in theta) + "), in the score "
         "(the two differ only by terms of order α²)"),
    )
    try:
        value = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        value = None
    if value is not None and value.shape == expected.shape and not np.allclose(value, expected):
        for wrong, hint in slips:
            if np.allclose(value, wrong, rtol=1e-6, atol=1e-9):
                return Feedback(False, f"Close: {hint}.")
    return compare_numbers(answer, expected, name="theta_new",
                           success="This is step t's term of REINFORCE's update, with the score taken "
                                   "at the θ that played the episode; summed over t it is the "
                                   "single-episode estimate whose mean is ∇J_γ.")


def _sequential_update(problem: grid.GridProblem, theta: np.ndarray, episode: grid.EpisodePath, t: int,
                       alpha: float, G: np.ndarray) -> np.ndarray:
    """θ after the per-step updates at steps 0, …, t, each score taken at the θ changed so far."""
    gamma = problem.mdp.gamma
    for k in range(t + 1):
        score = problem.policy.grad_log_prob(theta, problem.inputs[episode.states[k]], episode.actions[k])
        theta = theta + alpha * gamma**k * G[k] * score
    return theta


FRACTION_ALPHAS = (0.3, 1.0, 3.0, 10.0)
"""The step sizes of exercise 3, in the order the answer lists their fractions."""

FRACTION_RUNS = 200
"""Runs per step size in exercise 3 (section 4's table has 10)."""


@lru_cache(maxsize=8)
def final_objectives(n_runs: int = FRACTION_RUNS, seed: int = grid.SEED) -> np.ndarray:
    """The exact J of every run's final θ, shape (len(FRACTION_ALPHAS), n_runs): section 4's runs, more."""
    problem = grid.grid_problem()
    finals = [grid.reinforce_paths(alpha, n_runs=n_runs, seed=seed)[:, -1] for alpha in FRACTION_ALPHAS]
    return np.array([grid.exact_objective(problem, theta) for theta in finals])


def success_fractions(n_runs: int = FRACTION_RUNS, seed: int = grid.SEED,
                      threshold: float = TARGET_J) -> np.ndarray:
    r"""For each α of :data:`FRACTION_ALPHAS`, the fraction of ``n_runs`` runs ending with J ≥ ``threshold``.

    The runs are section 4's (200 episodes of per-step REINFORCE from θ = (0, 0),
    :func:`helpers.experiments.grid.reinforce_paths`), scored by the exact J of the final θ.
    """
    return np.mean(final_objectives(n_runs, seed) >= threshold, axis=1)


def fraction_tolerance(fractions: np.ndarray, n_runs: int = FRACTION_RUNS, n_se: float = 4.0) -> np.ndarray:
    r"""How far another seed's fractions may fall from ours: ``n_se`` standard errors of a difference.

    .. math:: \text{tol} = n_\text{se} \sqrt{2 f (1 - f) / N} + \frac{1}{2N},

    two independent binomial fractions of N runs each; the half-run term keeps a
    fraction of 0 or 1 from demanding an exact match.
    """
    fractions = np.asarray(fractions, dtype=float)
    return n_se * np.sqrt(2 * fractions * (1 - fractions) / n_runs) + 0.5 / n_runs


@graded
def check_success_fractions(answer: object) -> Feedback:
    """Check the fractions of 200 runs that reach J ≥ 4 with α = 0.3, 1, 3 and 10 (exercise 3).

    Correct when each lies within :func:`fraction_tolerance` of this check's own 200
    seeded runs, so a learner who uses another seed passes too.
    """
    value = answer_array(answer, "fractions")
    if isinstance(value, Feedback):
        return value
    value = value.reshape(-1)
    n = len(FRACTION_ALPHAS)
    if value.size != n:
        return Feedback(False, f"give {n} fractions, one per α in {FRACTION_ALPHAS}, in that order; "
                               f"you gave {value.size} numbers.")
    expected = success_fractions()
    tolerance = fraction_tolerance(expected)
    if not np.allclose(value, expected, rtol=0, atol=1e-9):
        for threshold in (0.0, 3.0, 4.5, 5.0, 5.5):  # the slips seen most: another cut-off for "works"
            if np.allclose(value, success_fractions(threshold=threshold), rtol=0, atol=1e-9):
                return Feedback(False, f"these are the fractions with J ≥ {threshold:g}; the exercise counts "
                                       f"the runs that end with J ≥ {TARGET_J:g}.")
        within = np.all(np.abs(value - expected) <= tolerance)
        if not within and np.all(np.abs(value[::-1] - expected) <= tolerance):
            return Feedback(False, f"these are in reverse order: list them for α = "
                                   f"{', '.join(f'{a:g}' for a in FRACTION_ALPHAS)}.")
    if np.all(np.abs(value - expected) <= tolerance):
        seed_note = "" if np.allclose(value, expected, rtol=0, atol=1e-9) else \
            " (your runs are not this check's, but they agree within the noise of 200 runs)"
        return Feedback(True, f"with 200 runs per step size{seed_note}: " + ", ".join(
            f"α = {alpha:g}: {fraction:.1%}" for alpha, fraction in zip(FRACTION_ALPHAS, value, strict=True))
            + ". A small α still leaves some runs crawling below 4 after 200 episodes, α = 1 brings "
              "(almost) every run there, and with α = 10 about one run in five is thrown off course for "
              "good. Section 4's ten runs per α could not show shares like these.")
    if np.all(np.abs(value / FRACTION_RUNS - expected) <= tolerance) and value.max() > 1:
        return Feedback(False, f"these look like counts of runs: divide by the {FRACTION_RUNS} runs.")
    if np.all(np.abs(value / 100 - expected) <= tolerance) and value.max() > 1:
        return Feedback(False, "these look like percentages: give fractions between 0 and 1.")
    if np.all(np.abs((1 - value) - expected) <= tolerance):
        return Feedback(False, "you counted the runs that fall short of J = 4; count those that reach it.")
    if np.any((value < 0) | (value > 1)):
        return Feedback(False, "a fraction of runs lies between 0 and 1.")
    worst = int(np.argmax(np.abs(value - expected) / tolerance))
    return Feedback(False, f"for α = {FRACTION_ALPHAS[worst]:g} your fraction {value[worst]:.3f} is far from "
                           f"what 200 runs give (within ±{tolerance[worst]:.2f} of it). Use "
                           f"`grid.reinforce_paths(alpha, n_runs={FRACTION_RUNS})[:, -1]` for the final θ "
                           "of each run, score them with `grid.exact_objective`, and count J ≥ 4.")


def state_form_constant(theta: np.ndarray, gamma: float = grid.GAMMA_DISCOUNTED) -> float:
    r"""The constant :math:`c = \sum_s \eta_\gamma(s)` of the discounted state form at θ.

    .. math:: \nabla J_\gamma(\theta) = c \sum_s \mu_\gamma(s) \sum_a q_\pi(s,a)\nabla\pi(a|s,\theta),
              \qquad \mu_\gamma(s) = \frac{\eta_\gamma(s)}{\sum_{s'} \eta_\gamma(s')}.
    """
    problem = grid.grid_problem(grid.FEATURE, gamma)
    terms = gradient_terms(problem.mdp, problem.policy, np.asarray(theta, dtype=float), problem.inputs)
    return float(terms.eta_discounted.sum())


@graded
def check_state_form_constant(answer: object, theta: np.ndarray,
                              gamma: float = grid.GAMMA_DISCOUNTED) -> Feedback:
    r"""Check the constant c of the theorem's state form on the discounted road, at θ.

    .. math:: \nabla J_\gamma(\theta) = c \sum_s \mu_\gamma(s) \sum_a q_\pi(s,a) \nabla\pi(a|s,\theta),
              \qquad \mu_\gamma = \eta_\gamma / \textstyle\sum_s \eta_\gamma(s).

    The answer is :math:`\sum_s \eta_\gamma(s) = \sum_{t=0}^{T-1} \gamma^t` (every
    episode has T = 6 steps).
    """
    if answer is None:
        return Feedback(False, "c is still None: μ_γ(s) = η_γ(s) / Σ_s' η_γ(s'); what does that division "
                               "leave in front of the sum? (terms.eta_discounted holds η_γ.)")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"c should be one number, got {answer!r}.")
    expected = state_form_constant(theta, gamma)
    problem = grid.grid_problem(grid.FEATURE, gamma)
    n_steps = problem.shape[0] - 1
    if np.isclose(value, 1.0 / expected):
        return Feedback(False, "that is 1/c: the state-form sum is the *shorter* vector, so ∇J_γ = c × sum "
                               "with c > 1.")
    if np.isclose(value, n_steps):
        return Feedback(False, f"{n_steps} = Σ_s η(s) is the constant with undiscounted visits (γ = 1); "
                               "here μ_γ was normalised by the discounted visits Σ_s η_γ(s) = Σ_t γ^t.")
    if np.isclose(value, n_steps + 1):
        return Feedback(False, f"{n_steps + 1} counts the rows; the car acts in every row but the finish "
                               "row, which is terminal, and each step t counts γ^t.")
    if np.isclose(value, sum(gamma**t for t in range(n_steps + 1))):
        return Feedback(False, "that sums γ^t over 7 rows; the car acts only at t = 0, …, 5.")
    if np.isclose(value, 1.0):
        return Feedback(False, "with c = 1 the two vectors would be equal; compare their lengths.")
    return compare_numbers(value, expected, name="c",
                           success=f"c = Σ_s η_γ(s) = 1 + γ + … + γ⁵ = {expected:.4f}: μ_γ(s) is η_γ(s) "
                                   "divided by it, and every episode lasts 6 steps, at any θ.")
