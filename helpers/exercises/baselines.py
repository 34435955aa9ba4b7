r"""Checks for notebook 04 (baselines): each returns a :class:`~helpers.exercises.Feedback`.

1. :func:`check_min_variance_constant`: :math:`b^* = \sum_n X_n\cdot Z_n / \sum_n \|Z_n\|^2`
   from the sums of :func:`exercise_sums`.
2. :func:`check_baseline_update`: one step of REINFORCE with baseline,
   :math:`\delta = G_t - \hat v`, then w and θ with the same δ (:data:`UPDATE_STEP`).
3. :func:`check_corridor_optimum`: the best π(right) of the short corridor when the step into
   the goal pays 0 instead of -1, and its value :math:`J_0(p^*) = J(p^*) + 1`.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from helpers.baselines import demand_problem, grid_problem, score_sums, total_variance
from helpers.envs import SHORT_CORRIDOR_BEST_P, short_corridor_value
from helpers.exercises import Feedback, answer_array, compare_numbers, graded
from helpers.reinforce import reinforce_estimates, sample_episodes

UPDATE_STEP = {"G_t": -14.0, "w": -20.0, "alpha_w": 2.0**-6, "alpha_theta": 2.0**-9, "gamma_t": 1.0,
               "score": np.array([0.95, -0.95]), "theta": np.array([-1.47, 1.47])}
"""One step of the short corridor: G_t, the current w and θ, the step sizes, γ^t and ∇ln π(A_t|S_t, θ)."""


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
def check_baseline_update(w_new: object, theta_new: object) -> Feedback:
    """Check w and θ after one step with the values of :data:`UPDATE_STEP`."""
    if w_new is None or theta_new is None:
        return Feedback(False, "replace both None with numbers: first δ = G_t - w, then update w and θ.")
    s = UPDATE_STEP
    delta = s["G_t"] - s["w"]
    expected_w = s["w"] + s["alpha_w"] * delta
    expected_theta = s["theta"] + s["alpha_theta"] * s["gamma_t"] * delta * s["score"]
    theta_with_new_w = s["theta"] + s["alpha_theta"] * s["gamma_t"] * (s["G_t"] - expected_w) * s["score"]
    try:
        theta_value = np.asarray(theta_new, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"θ should be an array of two numbers, got {theta_new!r}.")
    if theta_value.shape == (2,) and np.allclose(theta_value, theta_with_new_w, rtol=1e-9) \
            and not np.allclose(theta_value, expected_theta, rtol=1e-9):
        return Feedback(False, "θ used δ recomputed with the new w: S&B use the same δ for both updates.")
    if theta_value.shape == (2,) and np.allclose(theta_value, s["theta"] + s["alpha_theta"] * s["G_t"]
                                                 * s["score"], rtol=1e-9):
        return Feedback(False, "θ moved by G_t, not by δ = G_t - w: subtract the baseline.")
    w_feedback = compare_numbers(w_new, expected_w, name="w")
    if not w_feedback:
        return w_feedback
    theta_feedback = compare_numbers(theta_new, expected_theta, name="θ")
    if not theta_feedback:
        return theta_feedback
    return Feedback(True, f"w = {expected_w:.4f} and θ = {np.array2string(expected_theta, precision=4)}: "
                          "δ > 0 (the episode went better than v̂ expected), so the action taken "
                          "became more likely.")


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
"""Exercise 4's constant baseline, far above every return of the grid (they lie between -8 and 6)."""


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
