"""Notebook 05's quantitative and comparative sentences, recomputed with the notebook's settings.

Each test quotes its sentence and fails if the sentence would be false. The learning runs are
the notebook's own (cached, seeded); the checks against simulation use its generator, seed 5.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.envs import ContinuousDemandEnv
from helpers.exercises.continuous import ACTOR_CRITIC, actor_critic_step, exploration_gains
from helpers.experiments import continuous
from helpers.policies import GaussianPolicy
from helpers.reinforce import reinforce_estimates


def test_the_second_row_order_fell_more_than_one_sigma_and_its_sigma_score_is_negative():
    """The sentences, recomputed.

    Section 1: "in the second row ..., p = −1 and the order fell 1.34 σ from the mean: it asks for a
    wider σ, which at p < 0 means a smaller θ_σ, so its σ-score is negative".
    """
    a, p, theta_mu, theta_sigma = -0.3, -1.0, 1.2, 0.4
    mu, sigma = theta_mu * p, np.exp(theta_sigma * p)
    assert f"{abs(a - mu) / sigma:.2f}" == "1.34"
    score = GaussianPolicy(1, sigma=None).grad_log_prob(np.array([theta_mu, theta_sigma]), p, a)
    assert score[1] < 0


def test_exact_objective_and_slope_agree_with_simulation_within_4_se():
    """The sentences, recomputed.

    Section 1: the exact J and slope against 20,000 seasons, "both within 4 standard errors".
    """
    rng = np.random.default_rng(5)
    env = ContinuousDemandEnv()
    env.sample_episodes(GaussianPolicy(n_features=1, sigma=0.5), np.array([0.5]), 1, rng)  # cell 3's season
    for theta, sigma in ((0.0, 1.0), (0.5, 0.5), (1.0, 0.2)):
        policy = GaussianPolicy(n_features=1, sigma=sigma)
        batch = env.sample_episodes(policy, np.array([theta]), 20_000, rng)
        G0 = batch.returns()
        g_hat = reinforce_estimates(policy, np.array([theta]), env.policy_inputs(), batch)[:, 0]
        J, slope = float(continuous.mean_objective(theta, sigma)), float(continuous.mean_slope(theta))
        assert abs(G0.mean() - J) < 4 * G0.std(ddof=1) / np.sqrt(G0.size)
        assert abs(g_hat.mean() - slope) < 4 * g_hat.std(ddof=1) / np.sqrt(g_hat.size)


def test_three_settings_of_the_exploration_figure():
    """The sentences, recomputed.

    Section 2: "With σ = 0.1, 59 runs of 100 ... diverge; the others end close to J* = 0", "With σ = 2
    ... (one of 100 diverges), but J can never rise above −Tσ² = −12", "σ = 0.5 learns in a few dozen
    seasons and ends near its ceiling −0.75 (2 runs of 100 diverge)".
    """
    small, middle, wide = (continuous.fixed_sigma_runs(s, 0.01) for s in (0.1, 0.5, 2.0))
    assert int(small.diverged.sum()) == 59
    assert np.all(small.J[~small.diverged, -1] > -0.2)  # J* = 0; the ceiling with σ = 0.1 is −0.03
    assert int(wide.diverged.sum()) == 1
    assert np.all(continuous.mean_objective(1.0, 2.0) + 1e-12 >= wide.J)
    assert float(continuous.mean_objective(1.0, 2.0)) == pytest.approx(-12.0)
    assert int(middle.diverged.sum()) == 2
    median = np.median(middle.J, axis=0)
    assert f"{median[-1]:.2f}" == "-0.82"
    assert np.argmax(median > -1.0) < 60  # within a few dozen seasons
    assert median[-1] > -0.75 - 0.1


def test_the_least_noisy_sigma_follows_the_distance_to_go():
    """The sentences, recomputed.

    Section 2: "Near the start it is about 1.2, halfway about 0.6, near θ = 1 about 0.12, roughly
    proportional to the distance |θ − 1| still to go, and the best noise-to-signal ratio is about the
    same at every stage".
    """
    curves = [continuous.gradient_noise(theta) for theta in continuous.NOISE_THETAS]
    quietest = [curve.quietest_sigma for curve in curves]
    assert [round(q, 2) for q in quietest] == [1.19, 0.6, 0.12]
    ratios = [q / abs(1 - curve.theta) for q, curve in zip(quietest, curves, strict=True)]
    assert max(ratios) / min(ratios) < 1.1
    best = [np.min(curve.std / abs(curve.slope)) for curve in curves]
    assert max(best) / min(best) < 1.05


def test_the_table_rows_and_columns():
    """The sentences, recomputed.

    Section 2: "for a given σ, a larger α makes more runs diverge, and the smaller σ, the smaller the α
    at which runs start to diverge. Read down a column: the final J is bounded by −Tσ²".
    """
    sigmas, alphas = (0.03, 0.1, 0.3, 1.0, 2.0), (0.001, 0.003, 0.01, 0.03)
    diverged = np.array([[int(continuous.fixed_sigma_runs(s, a).diverged.sum()) for a in alphas]
                         for s in sigmas])
    assert np.all(np.diff(diverged, axis=1) >= 0)
    first = [int(np.argmax(row > 0)) if row.any() else len(alphas) for row in diverged]
    assert first == sorted(first)
    for s in sigmas:
        for a in alphas:
            runs = continuous.fixed_sigma_runs(s, a)
            assert np.median(runs.J[:, -1]) <= float(continuous.mean_objective(1.0, s)) + 1e-12


def test_learning_sigma():
    """The sentences, recomputed.

    Section 3: "The mean learns to order p (slope 1, no offset), and σ shrinks steadily, the same at
    every p", "most of what separates J from J* is the exploration cost", "α = 0.01 lets 1 run of 100
    diverge at σ = 1 and 18 at σ = 0.3", "With α = 0.003 instead of 0.001, some runs diverge".
    """
    runs = continuous.learned_sigma_runs(alpha=0.001)
    final = np.median(runs.theta[:, -1], axis=0)
    assert f"{final[0]:.3f}" == "1.000"
    assert abs(final[1]) < 0.01
    policy = GaussianPolicy(n_features=2, sigma=None)
    _, std = continuous.gaussian_mean_and_std(policy, runs.theta, constant=True)
    median_std = np.median(std, axis=0)
    assert np.all(np.diff(median_std[::50], axis=0) < 0)  # shrinks steadily
    assert np.ptp(median_std[-1]) < 0.05 * median_std[-1].mean()  # the same at every p
    env = continuous.continuous_demand().env
    exploration = np.median(-env.objective(env.demand_changes, std[:, -1]))
    assert exploration > 0.9 * np.median(-runs.J[:, -1])
    assert int(continuous.fixed_sigma_runs(1.0, 0.01).diverged.sum()) == 1
    assert int(continuous.fixed_sigma_runs(0.3, 0.01).diverged.sum()) == 18
    assert int(runs.diverged.sum()) == 0
    assert int(continuous.learned_sigma_runs(alpha=0.003).diverged.sum()) > 0


def test_exercise_solutions():
    """The sentences, recomputed.

    Exercises 2 and 3: "the mean's gain is c (0.5)² = 1.748 with c = 6.9938, the spread's
    T(0.5² − 0.25²) = 0.5625. The mean wins by a factor of three"; "δ = 0.16", "w = (−1.484, 0.216)",
    "θ = 0.5096"; exercise 1: "2.6706", "−0.3976".
    """
    mean_gain, sigma_gain = exploration_gains()
    assert f"{continuous.continuous_demand().c:.4f}" == "6.9938"
    assert (f"{mean_gain:.3f}", f"{sigma_gain:.4f}") == ("1.748", "0.5625")
    assert round(mean_gain / sigma_gain) == 3
    delta, w, theta = actor_critic_step(**ACTOR_CRITIC)
    shown = (f"{delta:.2f}", f"{w[0]:.3f}", f"{w[1]:.3f}", f"{theta:.4f}")
    assert shown == ("0.16", "-1.484", "0.216", "0.5096")
    score = GaussianPolicy(1, sigma=None).grad_log_prob(np.array([0.5, -0.2]), 2.0, 1.6)
    assert (f"{score[0]:.4f}", f"{score[1]:.4f}") == ("2.6706", "-0.3976")
