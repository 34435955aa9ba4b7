r"""Checks for notebook 04 (baselines): each returns a :class:`~helpers.exercises.Feedback`.

1. :func:`check_min_variance_constant`: :math:`b^* = \sum_n X_n\cdot Z_n / \sum_n \|Z_n\|^2`
   from the sums of :func:`exercise_sums`.
2. :func:`check_episode_update`: REINFORCE with baseline over one short-corridor episode
   (:data:`CORRIDOR_EPISODE`): the returns-to-go, then per step :math:`\delta = G_t - \hat v`,
   w and θ with the same δ, each step scored at the current θ.
3. :func:`check_corridor_optimum`: the best π(right) of the short corridor when the step into
   the goal pays 0 instead of -1, and its value :math:`J_0(p^*) = J(p^*) + 1`.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from helpers.envs import SHORT_CORRIDOR_BEST_P, short_corridor_value
from helpers.exercises import Feedback, answer_array, compare_numbers, graded
from helpers.experiments.baselines import demand_problem, grid_problem, score_sums, total_variance
from helpers.reinforce import reinforce_estimates, sample_episodes

CORRIDOR_EPISODE = {"actions": ("right", "left", "right"), "rewards": (-1.0, -1.0, -1.0),
                    "theta": np.array([0.25, -0.25]), "w": -12.0, "alpha_theta": 2.0**-4, "alpha_w": 2.0**-2}
"""One short-corridor episode (cell 0, cell 1, cell 2, goal) and the θ, w and step sizes it starts from.

γ = 1; the features are x(right) = (1, 0), x(left) = (0, 1) in every cell, so π(right) = σ(θ₁ - θ₂).
"""


def episode_update(theta: np.ndarray, w: float, actions: tuple[str, ...], rewards: tuple[float, ...],
                   alpha_theta: float, alpha_w: float, *, score_at_start: bool = False,
                   delta_after_w: bool = False, returns: bool = True, w_fixed: bool = False,
                   baseline: bool = True) -> tuple[float, np.ndarray]:
    r"""The w and θ after Sutton & Barto's per-step updates over one short-corridor episode (γ = 1).

    For t = 0, …, T-1: :math:`\delta = G_t - w`, :math:`w \leftarrow w + \alpha^w \delta`,
    :math:`\theta \leftarrow \theta + \alpha^\theta \delta \nabla \ln \pi(A_t|\theta)` with the score
    :math:`x(A_t) - \sum_b \pi(b|\theta) x(b)` at the current θ. The keyword flags make the
    slips the check recognises: every score at the episode's first θ, δ recomputed with the
    new w, rewards in place of returns, w held at its start value, no baseline at all.
    """
    theta, w = np.array(theta, dtype=float), float(w)
    start = theta.copy()
    r = np.asarray(rewards, dtype=float)
    G = np.cumsum(r[::-1])[::-1] if returns else r
    for t, action in enumerate(actions):
        delta = G[t] - w if baseline else G[t]
        if not w_fixed:
            w = w + alpha_w * (G[t] - w)
        if delta_after_w:
            delta = G[t] - w
        at = start if score_at_start else theta
        p = 1.0 / (1.0 + np.exp(-(at[0] - at[1])))  # π(right) = σ(θ₁ - θ₂)
        right = 1.0 if action == "right" else 0.0
        score = np.array([right - p, (1.0 - right) - (1.0 - p)])  # x(A_t) - Σ_b π(b) x(b)
        theta = theta + alpha_theta * delta * score
    return w, theta


@cache
def exercise_sums() -> tuple[np.ndarray, np.ndarray]:
    r"""X and Z of 2000 demand episodes at θ = 0.5 (seed 40), (2000, 1) each; ĝᵐ = X - b Z."""
    problem = demand_problem()
    batch = sample_episodes(problem.mdp, problem.policy, problem.theta, problem.inputs, 2000,
                            np.random.default_rng(40))
    return score_sums(problem.policy, problem.theta, problem.inputs, batch, problem.mdp.gamma)


@graded
def check_min_variance_constant(answer: object) -> Feedback:
    """Check b* computed from the sums X, Z of :func:`exercise_sums`."""
    if answer is None:
        return Feedback(False, "replace None with your b*: the sum of X·Z over the sum of Z·Z.")
    X, Z = exercise_sums()
    expected = float(np.sum(X * Z) / np.sum(Z * Z))
    try:
        value = float(np.asarray(answer, dtype=float).reshape(-1)[0]) if np.size(answer) == 1 else None
    except (TypeError, ValueError):
        value = None
    if value is not None and np.isclose(value, float(np.mean(X * Z)), rtol=1e-6):
        return Feedback(False, "that is the mean of X·Z alone: divide by the mean of ‖Z‖² as well.")
    return compare_numbers(answer, expected, name="b*",
                           success="Subtracting b* Z from X gives the smallest total variance "
                                   "of any constant.")


@graded
def check_episode_update(w_new: object, theta_new: object) -> Feedback:
    """Check w and θ after the whole episode of :data:`CORRIDOR_EPISODE`."""
    if w_new is None or theta_new is None:
        return Feedback(False, "replace both None with numbers: the returns G_t first, then for each step "
                               "δ = G_t - w, the new w and the new θ.")
    e = CORRIDOR_EPISODE
    args = (e["theta"], e["w"], e["actions"], e["rewards"], e["alpha_theta"], e["alpha_w"])
    expected_w, expected_theta = episode_update(*args)
    theta_value = answer_array(theta_new, "θ")
    if isinstance(theta_value, Feedback):
        return theta_value
    if theta_value.shape != (2,):
        return Feedback(False, f"θ should be an array of two numbers, got shape {theta_value.shape}.")
    slips = (
        ({"delta_after_w": True}, "δ was recomputed with the new w: S&B use the same δ for both updates."),
        ({"score_at_start": True}, "every step was scored at the episode's first θ: each step's score uses "
                                   "the θ left by the steps before it."),
        ({"returns": False}, "δ used the reward R_{t+1} instead of the return G_t = R_{t+1} + R_{t+2} + …"),
        ({"w_fixed": True}, "w stayed at its start value between the steps: update w at every step, "
                            "before the next δ."),
        ({"baseline": False}, "θ moved by G_t, not by δ = G_t - w: subtract the baseline."),
    )
    for flags, message in slips:
        slip_theta = episode_update(*args, **flags)[1]
        if np.allclose(theta_value, slip_theta, rtol=1e-9) and not np.allclose(theta_value, expected_theta,
                                                                              rtol=1e-9):
            return Feedback(False, message)
    w_feedback = compare_numbers(w_new, expected_w, name="w")
    if not w_feedback:
        return w_feedback
    theta_feedback = compare_numbers(theta_new, expected_theta, name="θ")
    if not theta_feedback:
        return theta_feedback
    return Feedback(True, f"w = {expected_w:.4f} and θ = {np.array2string(expected_theta, precision=4)}: "
                          "every δ was positive (the returns -3, -2, -1 all beat v̂ = w), so each action "
                          "taken became more likely, and w moved up towards the returns.")


@graded
def check_corridor_optimum(p_best: object, j_best: object) -> Feedback:
    r"""Check the best p and its value when the last step pays 0: :math:`J_0(p) = J(p) + 1`.

    Every episode ends with exactly one step into the goal, so every return rises by 1;
    the maximiser :math:`p^* = 2 - \sqrt 2` does not move and :math:`J_0(p^*) = -(6 + 4\sqrt 2) + 1`.
    """
    if p_best is None or j_best is None:
        return Feedback(False, "replace both None: how much does one episode's return change when the "
                               "last step pays 0? Then maximise J(p) = (2p - 4) / (p(1 - p)) plus that.")
    try:
        p = float(p_best)
    except (TypeError, ValueError):
        return Feedback(False, f"p should be a number, got {p_best!r}.")
    if np.isclose(p, 2 + np.sqrt(2)):
        return Feedback(False, "that root is larger than 1: take the root of p² - 4p + 2 = 0 inside (0, 1).")
    feedback = compare_numbers(p, SHORT_CORRIDOR_BEST_P, name="p*")
    if not feedback:
        return Feedback(False, feedback.message + " Adding the same number to every return does not move "
                                                  "the maximiser of J.")
    j_star = float(short_corridor_value(SHORT_CORRIDOR_BEST_P))
    try:
        j_value = float(j_best)
    except (TypeError, ValueError):
        j_value = None
    if j_value is not None and np.isclose(j_value, j_star, rtol=1e-6):
        return Feedback(False, "that is the book's J* (-1 on every step): here the last step pays 0, "
                               "so each episode's return is larger by exactly 1.")
    if j_value is not None and np.isclose(j_value, j_star - 1.0, rtol=1e-6):
        return Feedback(False, "check the sign: paying 0 instead of -1 makes each return larger, "
                               "not smaller.")
    feedback = compare_numbers(j_best, j_star + 1.0, name="J_0(p*)")
    if not feedback:
        return feedback
    return Feedback(True, f"p* = 2 - √2 = {SHORT_CORRIDOR_BEST_P:.4f} as before and "
                          f"J_0(p*) = -(6 + 4√2) + 1 = {j_star + 1.0:.4f}: a curve learned with that reward "
                          "sits 1 above the book's "
                          "optimum line.")


FAR_BASELINE = 100.0
"""Exercise 4's constant baseline, far above every return of the grid (six rewards in [-2, 1]: G_t ≤ 6)."""


@lru_cache(maxsize=4)
def far_baseline_variances(n_episodes: int = 4000, seed: int = 4) -> tuple[float, float, float]:
    r"""Total variance of ĝᵐ on the grid at section 2's θ without a baseline and with b = 100.

    Returns (variance without, variance with b = 100, the largest |z| of the two components'
    mean differences, in standard errors of the estimates with b = 100): on the same episodes.
    """
    problem = grid_problem()
    batch = sample_episodes(problem.mdp, problem.policy, problem.theta, problem.inputs, n_episodes,
                            np.random.default_rng(seed))
    plain = reinforce_estimates(problem.policy, problem.theta, problem.inputs, batch, problem.mdp.gamma)
    far = reinforce_estimates(problem.policy, problem.theta, problem.inputs, batch, problem.mdp.gamma,
                              FAR_BASELINE)
    z = np.abs(far.mean(axis=0) - plain.mean(axis=0)) / (far.std(axis=0, ddof=1) / np.sqrt(n_episodes))
    return total_variance(plain)[0], total_variance(far)[0], float(z.max())


@graded
def check_far_baseline(mean_changes: object, variance_change: object, ratio: object) -> Feedback:
    """Exercise 4, a prediction: what the constant baseline b = 100 does to ĝᵐ's mean and total variance.

    ``mean_changes`` (True or False) and ``variance_change`` ("larger", "smaller" or "same") are
    the predictions; ``ratio`` is the measured total variance with b = 100 over that without.
    """
    if mean_changes is None or variance_change is None:
        return Feedback(False, "write both predictions first: `mean_changes = True` or `False`, and "
                               "`variance_change = \"larger\"`, `\"smaller\"` or `\"same\"`.")
    if not isinstance(mean_changes, bool | np.bool_):
        return Feedback(False, f"mean_changes should be True or False, got {mean_changes!r}.")
    if not isinstance(variance_change, str) or \
            variance_change.strip().lower() not in ("larger", "smaller", "same"):
        return Feedback(False, "variance_change should be \"larger\", \"smaller\" or \"same\", "
                               f"got {variance_change!r}.")
    value = answer_array(ratio, "ratio")
    if isinstance(value, Feedback):
        return value
    if value.size != 1:
        return Feedback(False, f"ratio should be one number, got {value.size} numbers.")
    value = float(value.reshape(()))
    plain, far, z = far_baseline_variances()
    expected = far / plain
    if np.isclose(value, 1 / expected, rtol=0.15):
        return Feedback(False, "that is the inverse: divide the variance *with* b = 100 by the one without.")
    if not np.isclose(value, expected, rtol=0.15):  # another seed's ratio lies within a few percent
        return Feedback(False, f"ratio = {value:.4g} is far from what 4000 episodes give. Compute "
                               "`bl.total_variance(...)[0]` of the estimates with `baseline=100.0` and "
                               "without, on the same episodes, and divide.")
    truth = ("the mean does not change in expectation (the lemma: a constant baseline adds b times a "
             f"zero-mean score sum; this batch's means differ by at most {z:.1f} standard errors), but the "
             f"total variance grows about {expected:.0f}-fold: b = 100 multiplies the noise of the score sum "
             "Z by 100, and nothing cancels it.")
    right = (not bool(mean_changes)) and variance_change.strip().lower() == "larger"
    if right:
        return Feedback(True, f"both predictions hold: {truth} A baseline helps only when it is close to "
                              "the returns; far from them it is pure noise.")
    wrong = []
    if bool(mean_changes):
        wrong.append("the mean")
    if variance_change.strip().lower() != "larger":
        wrong.append("the variance")
    return Feedback(False, f"your ratio is right, but your prediction about {' and '.join(wrong)} is not: "
                           f"{truth} Change the prediction once you see why.")
