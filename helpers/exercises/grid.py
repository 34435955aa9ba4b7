r"""Checks for notebook 03 (REINFORCE on the grid): each returns a :class:`~helpers.exercises.Feedback`.

1. :func:`check_gradient_signs`: read the sign of each component of ∇J at two
   points from the landscape.
2. :func:`check_per_step_update`: one per-step REINFORCE update,
   :math:`\theta \leftarrow \theta + \alpha \gamma^t G_t \nabla \ln \pi(A_t|S_t, \theta)`.
3. :func:`check_step_size`: an α with which every run reaches J ≥ 4 within 200 episodes.
4. :func:`check_state_form_constant`: the constant in
   :math:`\nabla J = c \sum_s \mu(s) \sum_a q_\pi(s, a) \nabla \pi(a|s, \theta)`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from helpers.dashboards import grid
from helpers.exercises import Feedback, compare_numbers
from helpers.mdp import gradient_terms
from helpers.reinforce import returns_to_go

SIGN_POINTS = {"A": (12.5, 12.5), "B": (17.5, -7.5)}
"""The two θ at which the learner reads the signs of ∇J from the landscape (each has an arrow)."""

TARGET_J = 4.0
"""The step-size exercise: every run must reach J(θ) ≥ 4 after ``grid.N_EPISODES`` episodes."""

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


def check_per_step_update(answer: object, *, theta: np.ndarray, episode: grid.EpisodePath, t: int,
                          alpha: float, gamma: float) -> Feedback:
    r"""Check one per-step update :math:`\theta + \alpha\gamma^t G_t \nabla\ln\pi(A_t|S_t,\theta)`.

    Recognises the usual slips: no :math:`\gamma^t`, the whole return :math:`G_0`
    instead of :math:`G_t`, the single reward :math:`R_{t+1}`, undiscounted rewards
    inside :math:`G_t`, a descent step, the step without θ.
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
                           success="This is one of the T updates REINFORCE makes after each episode.")


def final_objective(alpha: float) -> np.ndarray:
    """The exact J after ``grid.N_EPISODES`` episodes, for each of the ``grid.N_RUNS`` seeded runs."""
    paths = grid.reinforce_paths(alpha)
    return grid.exact_objective(grid.grid_problem(), paths[:, -1])


def check_step_size(alpha: object) -> Feedback:
    """Check that with step size ``alpha`` every seeded run reaches J ≥ 4 within 200 episodes.

    The runs are the α dashboard's (10 runs from θ = (0, 0), seed ``grid.SEED``).
    """
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.integer | np.floating):
        return Feedback(False, f"alpha should be a number, got {alpha!r}.")
    alpha = float(alpha)
    if not np.isfinite(alpha) or alpha <= 0:
        return Feedback(False, f"α must be a positive number (a step size), got {alpha!r}.")
    J = final_objective(alpha)
    runs = f"{len(J)} runs"
    if np.all(J >= TARGET_J):
        return Feedback(True, f"with α = {alpha:g} all {runs} reach J ≥ {TARGET_J:g} within "
                              f"{grid.N_EPISODES} episodes (weakest {J.min():.2f}, mean {J.mean():.2f}).")
    worst = int(np.argmin(J))
    if J[worst] < 0:
        return Feedback(False, f"too large: with α = {alpha:g}, run {worst + 1} ends at J = {J[worst]:.2f}. "
                               "One huge step threw it into a flat corner of the landscape, where the "
                               "policy is nearly deterministic and ∇J ≈ 0, so it never climbs back. "
                               "Try a smaller α.")
    return Feedback(False, f"too small: with α = {alpha:g}, {int(np.sum(J < TARGET_J))} of the {runs} are "
                           f"still below J = {TARGET_J:g} (the weakest at {J[worst]:.2f}) after "
                           f"{grid.N_EPISODES} episodes; they are still crawling uphill. Try a larger α.")


def check_state_form_constant(answer: object, theta: np.ndarray) -> Feedback:
    r"""Check the constant c in the theorem's state form on the road, at θ.

    .. math:: \nabla J(\theta) = c \sum_s \mu(s) \sum_a q_\pi(s,a) \nabla\pi(a|s,\theta)
    """
    problem = grid.grid_problem()
    terms = gradient_terms(problem.mdp, problem.policy, np.asarray(theta, dtype=float), problem.inputs)
    expected = terms.episode_length
    if answer is None:
        return Feedback(False, "c is still None: divide a component of ∇J by the same component of the "
                               "state-form sum, or think about what μ(s) was normalised by.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"c should be one number, got {answer!r}.")
    if np.isclose(value, 1.0 / expected):
        return Feedback(False, "that is 1/c: the state-form sum is the *shorter* vector, so ∇J = c × sum "
                               "with c > 1.")
    if np.isclose(value, problem.shape[0]):
        return Feedback(False, f"{problem.shape[0]} counts the rows; the car acts in every row but the "
                               "finish row, which is terminal.")
    if np.isclose(value, 1.0):
        return Feedback(False, "with c = 1 the two vectors would be equal; compare their lengths.")
    if not np.isclose(value, expected, rtol=1e-6):
        return Feedback(False, f"c = {value:g} is not right yet: c is the same for every θ here; what was "
                               "μ(s) = η(s) / Σ_s' η(s') divided by?")
    return Feedback(True, f"c = {expected:g} = Σ_s η(s), the expected number of steps per episode: μ(s) is "
                          "η(s) divided by it. Here every episode has exactly n_rows − 1 = 6 steps.")
