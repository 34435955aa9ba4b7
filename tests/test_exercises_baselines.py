"""Notebook 04's exercise checks: right answers pass, common slips get a specific hint."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.envs import ShortCorridor
from helpers.exercises.baselines import (
    CORRIDOR_EPISODE,
    check_corridor_optimum,
    check_episode_update,
    check_far_baseline,
    check_min_variance_constant,
    exercise_sums,
    far_baseline_variances,
)
from helpers.policies import SoftmaxLinearPolicy


def test_min_variance_constant():
    X, Z = exercise_sums()
    right = np.sum(X * Z) / np.sum(Z * Z)
    assert check_min_variance_constant(right)
    assert not check_min_variance_constant(None)
    slip = check_min_variance_constant(np.mean(X * Z))
    assert not slip
    assert "‖Z‖²" in slip.message
    assert "sign" in check_min_variance_constant(-right).message
    assert not check_min_variance_constant("b")


def by_hand(*, scored_at_start=False, same_delta=True, returns=True, update_w=True, baseline=True):
    """Exercise 2's episode with the short corridor's own policy and features (action 1 is right)."""
    e = CORRIDOR_EPISODE
    policy, x = SoftmaxLinearPolicy(2, 2), ShortCorridor().policy_inputs()[0]
    rewards = np.array(e["rewards"])
    G = np.array([rewards[t:].sum() for t in range(len(rewards))]) if returns else rewards
    theta, w = e["theta"].copy(), e["w"]
    start = theta.copy()
    for t, action in enumerate(e["actions"]):
        delta = G[t] - w if baseline else G[t]
        if update_w:
            w = w + e["alpha_w"] * (G[t] - w)
        if not same_delta:
            delta = G[t] - w
        a = np.array(1 if action == "right" else 0)
        score = policy.grad_log_prob(start if scored_at_start else theta, x, a)
        theta = theta + e["alpha_theta"] * delta * score
    return w, theta


def test_episode_update():
    """Exercise 2: an episode of REINFORCE with baseline, against the policy's own score."""
    w_new, theta_new = by_hand()
    assert check_episode_update(w_new, theta_new)
    assert check_episode_update(w_new, list(theta_new))
    assert not check_episode_update(None, theta_new)
    assert "same δ" in check_episode_update(w_new, by_hand(same_delta=False)[1]).message
    assert "first θ" in check_episode_update(w_new, by_hand(scored_at_start=True)[1]).message
    assert "return G_t" in check_episode_update(*by_hand(returns=False)).message
    assert "stayed at its start" in check_episode_update(w_new, by_hand(update_w=False)[1]).message
    assert "subtract the baseline" in check_episode_update(w_new, by_hand(baseline=False)[1]).message
    assert not check_episode_update(w_new + 1.0, theta_new)
    assert "shape" in check_episode_update(w_new, np.zeros(3)).message
    assert not check_episode_update(w_new, "θ")


def test_corridor_optimum_with_a_free_last_step():
    """Exercise 3: the last step pays 0, so J_0 = J + 1: the same p*, J* + 1."""
    p = 2 - np.sqrt(2)
    j_star = (2 * p - 4) / (p * (1 - p))
    np.testing.assert_allclose(j_star, -(6 + 4 * np.sqrt(2)))
    assert check_corridor_optimum(p, j_star + 1)
    assert "-10.6569" in check_corridor_optimum(p, j_star + 1).message
    assert not check_corridor_optimum(None, None)
    assert "larger than 1" in check_corridor_optimum(2 + np.sqrt(2), -1.0).message
    assert "book's J*" in check_corridor_optimum(p, j_star).message
    assert "sign" in check_corridor_optimum(p, j_star - 1).message
    assert "does not move" in check_corridor_optimum(0.5, j_star + 1).message
    assert not check_corridor_optimum(p, 10.657)
    assert "close but not exact" in check_corridor_optimum(0.5858, -10.657).message


def test_a_free_last_step_raises_the_corridor_value_by_exactly_one():
    """Exercise 3's claim, from the Bellman equations with 0 paid on the step into the goal."""
    from helpers.envs import short_corridor_value
    for p in (0.1, 2 - np.sqrt(2), 0.9):
        q = 1 - p
        # v1 = -1 + p v2 + q v1;  v2 = -1 + p v1 + q v3 (reversed);  v3 = p * 0 + q (-1 + v2)
        A = np.array([[1 - q, -p, 0.0], [-p, 1.0, -q], [0.0, -q, 1.0]])
        v = np.linalg.solve(A, np.array([-1.0, -1.0, -q]))
        np.testing.assert_allclose(v[0], short_corridor_value(p) + 1, rtol=1e-12)


# --- exercise 4: a baseline far from every return ------------------------------------------------


def test_far_baseline_keeps_the_mean_and_multiplies_the_variance():
    plain, far, z = far_baseline_variances()
    assert far / plain > 100
    assert z < 4  # the two means agree within the noise of 4000 episodes
    other_plain, other_far, _ = far_baseline_variances(seed=5)
    assert abs(other_far / other_plain - far / plain) < 0.15 * far / plain  # the check's tolerance


def test_right_predictions_and_ratio_pass():
    plain, far, _ = far_baseline_variances()
    assert check_far_baseline(False, "larger", far / plain).correct
    assert check_far_baseline(np.False_, " Larger", far / plain * 1.05).correct


@pytest.mark.parametrize(("mean_changes", "variance_change", "factor", "hint"), [
    (None, None, 1.0, "predictions first"),
    ("no", "larger", 1.0, "True or False"),
    (False, "bigger", 1.0, "\"larger\", \"smaller\""),
    (True, "larger", 1.0, "prediction about the mean"),
    (False, "smaller", 1.0, "prediction about the variance"),
    (False, "larger", -1.0, "inverse"),
    (False, "larger", 0.5, "far from"),
])
def test_wrong_predictions_or_ratios_get_their_hint(mean_changes, variance_change, factor, hint):
    plain, far, _ = far_baseline_variances()
    ratio = plain / far if factor == -1.0 else far / plain * factor
    feedback = check_far_baseline(mean_changes, variance_change, ratio)
    assert not feedback.correct
    assert hint in feedback.message, feedback.message
