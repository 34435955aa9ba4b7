r"""Checks for notebook 03 (REINFORCE on the grid): each returns a :class:`~helpers.exercises.Feedback`.

1. :func:`check_gradient_signs`: read the sign of each component of ∇J at two
   points from the landscape.
2. :func:`check_per_step_update`: one per-step REINFORCE update,
   :math:`\theta \leftarrow \theta + \alpha \gamma^t G_t \nabla \ln \pi(A_t|S_t, \theta)`.
3. :func:`check_step_size`: the smallest α (two significant figures) with which every
   run reaches J ≥ 4 within 200 episodes.
4. :func:`check_state_form_constant`: the constant in
   :math:`\nabla J_\gamma = c \sum_s \mu_\gamma(s) \sum_a q_\pi(s, a) \nabla \pi(a|s, \theta)`
   on the discounted road, with :math:`\mu_\gamma = \eta_\gamma / \sum_s \eta_\gamma(s)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from helpers.dashboards import grid
from helpers.exercises import Feedback, compare_numbers, graded
from helpers.mdp import gradient_terms
from helpers.reinforce import returns_to_go

SIGN_POINTS = {"A": (12.5, 12.5), "B": (17.5, -7.5)}
"""The two θ at which the learner reads the signs of ∇J from the landscape (each has an arrow)."""

TARGET_J = 4.0
"""The step-size exercise: every run must reach J(θ) ≥ 4 after ``grid.N_EPISODES`` episodes."""

ALPHA_SCAN = tuple(round(0.10 + 0.01 * k, 2) for k in range(90))
"""The step sizes of two significant figures the step-size exercise searches: 0.10, 0.11, …, 0.99."""

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


def final_objective(alpha: float) -> np.ndarray:
    """The exact J after ``grid.N_EPISODES`` episodes, for each of the ``grid.N_RUNS`` seeded runs."""
    paths = grid.reinforce_paths(alpha)
    return grid.exact_objective(grid.grid_problem(), paths[:, -1])


def passes(alpha: float) -> bool:
    """Whether every seeded run reaches J ≥ ``TARGET_J`` within ``grid.N_EPISODES`` episodes at ``alpha``."""
    return bool(np.all(final_objective(alpha) >= TARGET_J))


@lru_cache(maxsize=1)
def smallest_passing_alpha() -> float:
    """The smallest α of ``ALPHA_SCAN`` (0.10, 0.11, …) with which every seeded run reaches J ≥ 4."""
    for alpha in ALPHA_SCAN:
        if passes(alpha):
            return alpha
    raise RuntimeError("no step size in ALPHA_SCAN passes")  # pragma: no cover


@graded
def check_step_size(alpha: object) -> Feedback:
    """Check the smallest α, to two significant figures, with which every seeded run reaches J ≥ 4.

    The runs are the α dashboard's (10 runs of 200 episodes from θ = (0, 0), seed
    ``grid.SEED``); the candidates are 0.10, 0.11, …, 0.99 (``ALPHA_SCAN``).
    """
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.integer | np.floating):
        return Feedback(False, f"alpha should be a number, got {alpha!r}.")
    alpha = float(alpha)
    if not np.isfinite(alpha) or alpha <= 0:
        return Feedback(False, f"α must be a positive number (a step size), got {alpha!r}.")
    rounded = float(f"{alpha:.2g}")
    if rounded != alpha:
        return Feedback(False, f"give α to two significant figures (such as 0.37), got {alpha!r}.")
    J = final_objective(alpha)
    smallest = smallest_passing_alpha()
    worst = int(np.argmin(J))
    if np.all(J >= TARGET_J):
        if alpha == smallest:
            return Feedback(True, f"with α = {alpha:g} all {len(J)} runs reach J ≥ {TARGET_J:g} within "
                                  f"{grid.N_EPISODES} episodes (weakest {J.min():.3f}), and with every "
                                  "smaller α of two significant figures at least one run falls short. "
                                  "Near this threshold luck decides: α = 0.25 fails again (its weakest "
                                  "run ends at 3.998) although 0.24 and 0.26 pass.")
        if alpha > smallest:
            return Feedback(False, f"α = {alpha:g} passes (weakest run {J.min():.3f}), but a smaller α "
                                   "passes too: step down 0.01 at a time until a run falls short.")
        return Feedback(False, f"α = {alpha:g} passes (weakest run {J.min():.3f}), but it is below 0.10, "
                               "outside the values the exercise searches (0.10, 0.11, …, 0.99).")
    if J[worst] < 0:
        return Feedback(False, f"too large: with α = {alpha:g}, run {worst + 1} ends at J = {J[worst]:.2f}. "
                               "One huge step threw it into a flat corner of the landscape, where the "
                               "policy is nearly deterministic and ∇J ≈ 0, so it never climbs back. "
                               "Try a smaller α.")
    if alpha > smallest:
        return Feedback(False, f"α = {alpha:g} fails: run {worst + 1} ends at J = {J[worst]:.3f} < "
                               f"{TARGET_J:g}, although a smaller α passes. Near the threshold the luck of "
                               "the episodes decides; keep going down, 0.01 at a time.")
    return Feedback(False, f"too small: with α = {alpha:g}, {int(np.sum(J < TARGET_J))} of the {len(J)} runs "
                           f"are still below J = {TARGET_J:g} (the weakest at {J[worst]:.3f}) after "
                           f"{grid.N_EPISODES} episodes; they are still crawling uphill. Try a larger α.")


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
