"""Notebook 04's quantitative sentences, recomputed with the notebook's settings.

Each test quotes its sentence and fails if the sentence would be false. Means are
compared with standard errors of at least 200 runs.
"""

from __future__ import annotations

from math import erfc, sqrt

import numpy as np
import pytest

from helpers.envs import ShortCorridor, short_corridor_value
from helpers.exercises.baselines import CORRIDOR_EPISODE, episode_update, far_baseline_variances
from helpers.experiments import baselines as bl
from helpers.mdp import action_values, expected_episode_length, state_values
from helpers.policies import sigmoid
from helpers.reinforce import leave_one_out_mean_baseline, returns_to_go, sample_episodes


def mean_and_se(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


@pytest.fixture(scope="module")
def shifted_finals():
    """Section 3's runs: 200 per setting, seed 7, α^θ = 2^-5, final J of the unshifted grid."""
    return {(c, b): bl.grid_reinforce(b, 2.0**-5, 2.0**-3, 100, 200, np.random.default_rng(7),
                                      reward_shift=c, eval_every=5)
            for c in (0.0, 10.0) for b in ("none", "exact")}


@pytest.mark.slow
def test_a_reward_shift_adds_spread_not_bias(shifted_finals):
    """Section 3, shifted rewards without a baseline.

    "the spread of the final J over runs is about six times larger (sd 1.60 against 0.28).
    The mean is not lower (2.28 ± 0.11 against 2.15 ± 0.02 with c = 0)", "19 of the 200 still
    end below 0 after 100 episodes".
    """
    shifted, plain = shifted_finals[(10.0, "none")][:, -1], shifted_finals[(0.0, "none")][:, -1]
    assert int(np.sum(shifted < 0)) == 19
    assert round(shifted.std(ddof=1) / plain.std(ddof=1)) == 6
    (m10, se10), (m0, se0) = mean_and_se(shifted), mean_and_se(plain)
    assert m10 > m0 - 2 * np.hypot(se10, se0)
    assert f"{m10:.2f} ± {se10:.2f}" == "2.28 ± 0.11"
    assert f"{m0:.2f} ± {se0:.2f}" == "2.15 ± 0.02"
    assert (f"{shifted.std(ddof=1):.2f}", f"{plain.std(ddof=1):.2f}") == ("1.60", "0.28")


@pytest.mark.slow
def test_with_the_exact_baseline_the_shift_changes_nothing(shifted_finals):
    """Section 3: "With the exact v_π as baseline the runs for c = 0 and c = 10 are the same".

    The sentence goes on: "update for update".
    """
    np.testing.assert_allclose(shifted_finals[(10.0, "exact")], shifted_finals[(0.0, "exact")], rtol=1e-9)


@pytest.mark.slow
def test_early_on_the_shifted_mean_is_even_higher(shifted_finals):
    """Early on the shifted mean is even higher.

    Section 3: "over the first 50 episodes it is even higher, 1.40 ± 0.11 against 0.83 ± 0.03 at
    episode 30, the mean of a much wider spread of runs" (200 runs, curves every 5 episodes).
    """
    shifted, plain = shifted_finals[(10.0, "none")], shifted_finals[(0.0, "none")]
    for k in range(2, 11):  # episodes 10, 15, ..., 50
        (m10, se10), (m0, se0) = mean_and_se(shifted[:, k]), mean_and_se(plain[:, k])
        assert m10 - m0 > 2 * np.hypot(se10, se0), f"episode {5 * k}"
        assert shifted[:, k].std() > 2 * plain[:, k].std()
    (m10, se10), (m0, se0) = mean_and_se(shifted[:, 6]), mean_and_se(plain[:, 6])
    assert (f"{m10:.2f} ± {se10:.2f}", f"{m0:.2f} ± {se0:.2f}") == ("1.40 ± 0.11", "0.83 ± 0.03")


@pytest.fixture(scope="module")
def finals():
    return bl.final_j_by_baseline(2.0**-5, 2.0**-3, n_runs=1000)


@pytest.mark.slow
def test_the_exact_baseline_makes_runs_reliable_but_none_is_faster(finals):
    """Section 4, 1000 runs per baseline.

    "their spread is sd 0.14 against 1.73 without a baseline", "its lowest run ends at 1.71",
    "the lowest at −4.98", "The learned v̂ ... helps only partly (sd 1.19)", "the mean without
    a baseline is the highest, 2.32 ± 0.055 against 2.14 ± 0.005 with v_π (a gap of 0.178 ± 0.055,
    3.2 standard errors) and 2.17 ± 0.038 with the learned v̂ (2.3 standard errors), and the
    mean-return baseline does worse than none (1.99 ± 0.053, 4.3 standard errors below it)".
    """
    sd = {b: v.std(ddof=1) for b, v in finals.items()}
    assert sd["exact"] < sd["learned"] < sd["none"]
    assert (f"{sd['exact']:.2f}", f"{sd['none']:.2f}", f"{sd['learned']:.2f}") == ("0.14", "1.73", "1.19")
    assert (f"{finals['exact'].min():.2f}", f"{finals['none'].min():.2f}") == ("1.71", "-4.98")
    means = {b: mean_and_se(v) for b, v in finals.items()}
    assert max(means, key=lambda b: means[b][0]) == "none"
    gap = means["none"][0] - means["exact"][0]
    se_gap = np.hypot(means["none"][1], means["exact"][1])
    assert gap / se_gap > 2  # the direction is supported, not only the sample
    assert f"{gap:.3f} ± {se_gap:.3f}, {gap / se_gap:.1f}" == "0.178 ± 0.055, 3.2"
    def quoted(baseline: str, digits: int) -> str:
        return f"{means[baseline][0]:.2f} ± {means[baseline][1]:.{digits}f}"

    assert (quoted("none", 3), quoted("exact", 3), quoted("mean", 3)) == ("2.32 ± 0.055", "2.14 ± 0.005",
                                                                          "1.99 ± 0.053")
    assert quoted("learned", 3) == "2.17 ± 0.038"
    gap_learned = means["none"][0] - means["learned"][0]
    se_learned = np.hypot(means["none"][1], means["learned"][1])
    assert gap_learned / se_learned > 2
    assert f"{gap_learned / se_learned:.1f}" == "2.3"
    worse = means["none"][0] - means["mean"][0]
    se_worse = np.hypot(means["none"][1], means["mean"][1])
    assert worse / se_worse > 2
    assert f"{worse / se_worse:.1f}" == "4.3"


@pytest.fixture(scope="module")
def figures():
    """Figures 13.1 and 13.2 with the notebook's seeds."""
    return bl.figure_13_1_runs(np.random.default_rng(131)), bl.figure_13_2_runs(np.random.default_rng(132))


def test_figure_13_2_against_the_better_plain_step_size(figures):
    """Section 5, Figure 13.2's plain step size against Figure 13.1's best.

    "the mean J(p) comes within 1 of J* after about 70 episodes, where plain REINFORCE with
    2^-13 needs about 800", "in our Figure 13.1 2^-12 does better (mean J(p) at the end −11.81
    against −12.34, within 1 of J* by episode 394), with 2 of 100 runs stopped against none ...
    Against 2^-12 the baseline is still more than five times faster".
    """
    fig_13_1, fig_13_2 = figures

    def first_within(runs, margin):
        return int(np.flatnonzero(bl.expected_return_curve(runs) >= bl.J_STAR - margin)[0]) + 1

    end = {a: np.nanmean(bl.expected_return_curve(r)[-100:]) for a, r in fig_13_1.items()}
    assert end[2.0**-12] > end[2.0**-13]
    assert (f"{end[2.0**-12]:.2f}", f"{end[2.0**-13]:.2f}") == ("-11.81", "-12.34")
    assert first_within(fig_13_1[2.0**-12], 1) == 394
    assert (fig_13_1[2.0**-12].n_runaways, fig_13_1[2.0**-13].n_runaways) == (2, 0)
    assert round(first_within(fig_13_2["baseline"], 1), -1) == 70
    assert round(first_within(fig_13_2["plain"], 1), -2) == 800
    ratio = first_within(fig_13_1[2.0**-12], 1) / first_within(fig_13_2["baseline"], 1)
    assert 5 < ratio < 6


@pytest.mark.slow
def test_the_best_theta_step_size_grows_with_the_baselines_step_size():
    """Section 4, the two step sizes interact (200 runs per cell, the notebook's seed).

    "with a slow baseline (α^w = 2^-9) the best are 2^-12 and 2^-11 (too close to tell apart),
    and every larger α^θ does clearly worse, with more runs stopped; with α^w = 2^-6 the best are
    2^-10 and 2^-9 (too close to tell apart), four times larger, with at most 2 runs of 200 stopped".
    Section 5, the heatmap's alt text: "The brightest cell of this draw, −15 at α^θ 2^-8,
    α^w 2^-6, is luck: with 200 runs that cell falls well behind 2^-10 and 2^-9".
    """
    exponents_theta = tuple(range(-12, -7))
    mean, stopped, se = bl.corridor_step_size_grid(tuple(2.0**k for k in exponents_theta), (2.0**-9, 2.0**-6),
                                                   200, 200, np.random.default_rng(78))
    slow, fast = 0, 1
    top_two_slow = sorted(exponents_theta[j] for j in np.argsort(mean[slow])[-2:])
    assert top_two_slow == [-12, -11]
    assert abs(mean[slow, 0] - mean[slow, 1]) < 2 * np.hypot(se[slow, 0], se[slow, 1])
    for j in range(2, len(exponents_theta)):  # α^θ = 2^-10 and above, against 2^-11
        assert mean[slow, j] < mean[slow, 1] - 2 * np.hypot(se[slow, j], se[slow, 1])
        assert stopped[slow, j] > stopped[slow, 1]
    top_two = sorted(exponents_theta[j] for j in np.argsort(mean[fast])[-2:])
    assert top_two == [-10, -9]
    assert [k - j for k, j in zip(top_two, top_two_slow, strict=True)] == [2, 2]  # 2^2 = four times
    first, second = (exponents_theta.index(k) for k in top_two)
    assert abs(mean[fast, first] - mean[fast, second]) < 2 * np.hypot(se[fast, first], se[fast, second])
    for top in (first, second):  # both clearly better than their neighbours 2^-11 and 2^-8
        for other in (exponents_theta.index(-11), exponents_theta.index(-8)):
            assert mean[fast, top] - mean[fast, other] > 2 * np.hypot(se[fast, top], se[fast, other])
        assert stopped[fast, top] <= 2


# --------------------------------------------------------------------------- sections 1 and 2


@pytest.mark.parametrize("name", ["demand", "grid"])
def test_every_baseline_leaves_the_mean_where_it_was(name):
    """Every baseline leaves the mean where it was.

    Section 1: "Every mean sits within a few standard errors of the exact gradient" ("within 4 se:
    True" for every baseline, 4000 episodes each).
    """
    exact = bl.variance_table(name)["exact gradient"][0]
    for baseline, g in bl.variance_estimates(name).items():
        se = g.std(axis=0, ddof=1) / np.sqrt(len(g))
        assert np.all(np.abs(g.mean(axis=0) - exact) <= 4 * se), baseline


def test_the_four_standard_error_tolerance():
    """Section 1: "a component of an unbiased mean falls outside it about once in 16 000 times"."""
    outside = erfc(4 / sqrt(2))  # P(|N(0, 1)| > 4)
    assert round(1 / outside, -3) == 16_000


def test_the_mean_return_baseline_leaves_the_episode_out():
    """Section 1: "the mean return is the mean of G_t over every step of the other 3999 episodes"."""
    problem = bl.grid_problem()
    batch = sample_episodes(problem.mdp, problem.policy, problem.theta, problem.inputs, 50,
                            np.random.default_rng(0))
    G = returns_to_go(batch.rewards, problem.mdp.gamma)
    b = np.asarray(leave_one_out_mean_baseline(batch, problem.mdp.gamma))
    for m in (0, 17, 49):
        others = np.delete(np.arange(50), m)
        expected = G[others][batch.mask[others]].mean()
        np.testing.assert_allclose(np.broadcast_to(b, G.shape)[m][batch.mask[m]], expected)


def variance_ratio(name: str, baseline: str) -> float:
    table = bl.variance_table(name)
    return table[baseline][1] / table["none"][1]


def paired_z(name: str, baseline: str, other: str = "none") -> float:
    estimates = bl.variance_estimates(name)
    difference, se = bl.variance_difference(estimates[baseline], estimates[other])
    return difference / se


def test_on_the_grid_state_values_cut_the_variance_four_fold():
    """On the grid state values cut the variance four fold.

    Section 2: "the exact v_π(s) and the learned v̂(s, w) ... cut the total variance about
    four-fold; the best constant b* halves it; the mean return helps a little" (4000 episodes,
    the same ones for every baseline, so differences are compared episode by episode).
    """
    for baseline in ("exact", "learned"):
        assert round(1 / variance_ratio("grid", baseline)) == 4
    assert 0.4 < variance_ratio("grid", "min-variance") < 0.6
    assert 0.75 < variance_ratio("grid", "mean") < 0.95
    for baseline in ("exact", "learned", "min-variance", "mean"):
        assert paired_z("grid", baseline) < -2


def test_on_the_demand_problem_baselines_make_it_worse():
    """On the demand problem baselines make it worse.

    Section 2: "every baseline except b* makes the variance worse, by 35 to 45 % (× 1.35 to 1.45
    in the table)", "the estimated one ties with it here (× 1.00)", and the recap: "the exact and
    learned state values ... raise it on the demand problem".
    """
    ratios = {b: variance_ratio("demand", b) for b in ("mean", "learned", "exact")}
    assert min(ratios.values()) >= 1.345
    assert max(ratios.values()) < 1.455
    for baseline in ratios:
        assert paired_z("demand", baseline) > 2
    assert f"{variance_ratio('demand', 'min-variance'):.2f}" == "1.00"


@pytest.mark.parametrize("name", ["demand", "grid"])
def test_the_exact_best_constant_is_never_worse_than_none(name):
    """The exact best constant is never worse than none.

    Section 2: "Because b = 0 is one of the constants, the exact b* can never do worse than no
    baseline": on any batch, the b* fitted to it gives that batch's smallest E‖X - bZ‖².
    """
    problem = bl.demand_problem() if name == "demand" else bl.grid_problem()
    batch = sample_episodes(problem.mdp, problem.policy, problem.theta, problem.inputs, 2000,
                            np.random.default_rng(1))
    X, Z = bl.score_sums(problem.policy, problem.theta, problem.inputs, batch, problem.mdp.gamma)
    b_star = bl.min_variance_constant(problem.policy, problem.theta, problem.inputs, batch, problem.mdp.gamma)
    second_moment = [np.mean(np.sum((X - b * Z) ** 2, axis=1))
                     for b in (0.0, b_star, b_star + 0.5, b_star - 0.5)]
    assert second_moment[1] == min(second_moment)


@pytest.mark.parametrize(("name", "quoted"), [
    ("grid", ["2.04", "1.87", "0.91", "0.91", "1.32"]),
    ("demand", ["1.85", "2.15", "2.22", "2.20", "1.84"]),
])
def test_the_histograms_alt_text(name, quoted):
    """The histograms alt text.

    Section 2's histograms, their alt text: the standard deviations of ∂J/∂θ₁'s single-episode
    estimates, no baseline, mean return, learned v̂, exact v_π, b* ("Here baselines do not help"
    on the demand problem: b* ties with none, the others are wider).
    """
    estimates = bl.variance_estimates(name)
    assert [f"{estimates[b][:, 0].std(ddof=1):.2f}" for b in bl.BASELINE_NAMES] == quoted


def test_why_a_state_value_baseline_can_hurt_on_the_demand_problem():
    """Why a state value baseline can hurt on the demand problem.

    Going deeper: "the score p (a − σ(θp)) is largest for the less likely action, and at θ = 0.5
    the less likely action is also the worse one. So b*(s) leans towards the worse action's returns
    and lies below v_π(s) in every state"; b*(s) is the minimum of the one-step parabola.
    """
    problem = bl.demand_problem()
    pi = problem.policy.table(problem.theta, problem.inputs)
    q = action_values(problem.mdp, pi)
    size = np.sum(problem.policy.grad_log_probs(problem.theta, problem.inputs) ** 2, axis=-1)
    b_star, v = bl.state_min_variance_baseline(problem)
    live = np.flatnonzero(np.isfinite(b_star))
    assert live.size == 12  # three weeks × four demand changes
    for s in live:
        rare, likely = np.argmin(pi[s]), np.argmax(pi[s])
        assert size[s, rare] > size[s, likely]
        assert q[s, rare] < q[s, likely]
        assert b_star[s] < v[s]
        grid = np.linspace(b_star[s] - 3, b_star[s] + 3, 601)
        one_step = [np.sum(pi[s] * size[s] * ((q[s] - b) ** 2)) for b in grid]
        assert abs(grid[int(np.argmin(one_step))] - b_star[s]) < 0.011
    np.testing.assert_allclose(v, state_values(problem.mdp, pi))


# --------------------------------------------------------------------------- section 3


def test_a_shift_adds_c_times_the_steps_left_to_every_return():
    """A shift adds c times the steps left to every return.

    Section 3: "Every episode on the grid lasts exactly 6 steps, so every return G_t grows by
    c (6 - t) whatever the actions: the ranking of policies, the optimal policy and the exact
    gradient are unchanged"; section 4: "the shift alone adds 6c = 60 to G_0"; exercise 4: "six
    rewards between −2 and 1, so every return lies between −12 and 6".
    """
    plain, shifted = bl.grid_problem(0.0), bl.grid_problem(10.0)
    live = ~plain.mdp.terminal
    np.testing.assert_allclose(shifted.mdp.R[live] - plain.mdp.R[live], 10.0)
    assert (plain.mdp.R[live].min(), plain.mdp.R[live].max()) == (-2.0, 1.0)
    batch = sample_episodes(plain.mdp, plain.policy, plain.theta, plain.inputs, 3000,
                            np.random.default_rng(3))
    assert np.all(batch.mask.sum(axis=1) == 6)
    G = returns_to_go(batch.rewards, plain.mdp.gamma)
    G_shifted = returns_to_go(np.where(batch.mask, batch.rewards + 10.0, 0.0), plain.mdp.gamma)
    np.testing.assert_allclose((G_shifted - G)[:, :6], np.broadcast_to(10.0 * (6 - np.arange(6)), (3000, 6)))
    assert G[batch.mask].min() >= -12
    assert G[batch.mask].max() <= 6
    # every episode visits six different states, so in a first episode w_s = 0 at every step:
    # "in the first episode δ = G_t exactly as without a baseline"
    visited = np.where(batch.mask, batch.states, -1)[:, :6]
    assert all(len(set(row)) == 6 for row in visited[:200])


def test_the_variance_grows_like_c_squared_without_a_baseline():
    """The variance grows like c squared without a baseline.

    Section 3: "The exact gradient is identical to every digit printed; without a baseline the
    variance grows roughly like c², with v_π ... it does not move" (3000 episodes per shift, the
    notebook's generator, seed 2024, first used here).
    """
    shifts = (0.0, 2.0, 5.0, 10.0, 20.0)
    result = bl.reward_shift_variances(shifts, 3000, np.random.default_rng(2024))
    gradients = result["exact gradient"]
    assert np.all(np.array([np.array2string(g, precision=4) for g in gradients]) ==
                  np.array2string(gradients[0], precision=4))
    np.testing.assert_allclose(gradients, np.broadcast_to(gradients[0], gradients.shape),
                               rtol=1e-9, atol=1e-12)
    none = result["none"][:, 0] - result["none"][0, 0]
    assert 3 < none[4] / none[3] < 6  # c doubles: ×4 for c²
    assert 3 < none[3] / none[2] < 6
    exact, se = result["exact"][:, 0], result["exact"][:, 1]
    assert exact.max() - exact.min() < 2 * np.hypot(se.max(), se.max())
    # the figure's alt text: "about 8 rising to 2000 without a baseline, flat near 2 with v_π(s)"
    assert round(result["none"][0, 0]) == 8
    assert round(result["none"][4, 0], -3) == 2000
    assert np.all(np.round(exact) == 2)


# --------------------------------------------------------------------------- section 5


def test_the_short_corridor_value_and_its_optimum():
    """The short corridor value and its optimum.

    Section 5: "J(p) = v_π(s_0) = (2p − 4)/(p(1 − p)), max_p J = J(2 − √2) = −(6 + 4√2) ≈ −11.66
    at p* ≈ 0.586", "J(p) → −∞ at both ends"; the start "p = σ(−2.94) ≈ 0.05 and J ≈ −82".
    """
    env = ShortCorridor()
    mdp = env.tabular()
    for p in (0.05, 0.3, 2 - np.sqrt(2), 0.9):
        pi = np.tile([1 - p, p], (mdp.n_states, 1))  # action 1 is right (features (1, 0))
        assert np.isclose(state_values(mdp, pi)[0], (2 * p - 4) / (p * (1 - p)))
        assert np.isclose(short_corridor_value(p), (2 * p - 4) / (p * (1 - p)))
    grid = np.linspace(0.001, 0.999, 9_981)
    assert abs(grid[np.argmax(short_corridor_value(grid))] - (2 - np.sqrt(2))) < 1e-3
    assert np.isclose(bl.J_STAR, -(6 + 4 * np.sqrt(2)))
    assert (f"{bl.J_STAR:.2f}", f"{2 - np.sqrt(2):.3f}") == ("-11.66", "0.586")
    assert short_corridor_value(1e-6) < -1e6
    assert short_corridor_value(1 - 1e-6) < -1e6
    p0 = sigmoid(bl.BOOK_THETA0[0] - bl.BOOK_THETA0[1])
    assert round(float(p0), 2) == 0.05
    assert round(float(short_corridor_value(p0))) == -82


def test_the_runs_that_were_stopped(figures):
    """Section 5 and "Going deeper: the runs that run away", the notebook's seeds.

    Figure 13.1's alt text "2, 0 and 0 of 100 runs stopped", "the 2^-12 curve dips sharply in the
    first episodes, where its two runs run away"; Figure 13.2's "One run with the baseline and two
    plain runs were stopped", the plain curve "dips sharply near episode 47"; "A run can also run
    away the other way (p → 0 ...), as Figure 13.2's stopped run with the baseline did"; the thick
    curves are averages of J(p_k) ≤ J*.
    """
    fig_13_1, fig_13_2 = figures
    assert [r.n_runaways for r in fig_13_1.values()] == [2, 0, 0]
    early = fig_13_1[2.0**-12]
    assert np.all(early.stopped[early.stopped >= 0] < 15)
    assert np.all(early.p_at_stop[early.stopped >= 0] > 0.99)
    assert (fig_13_2["baseline"].n_runaways, fig_13_2["plain"].n_runaways) == (1, 2)
    plain = fig_13_2["plain"]
    assert sorted(plain.stopped[plain.stopped >= 0] + 1) == [47, 48]
    with_baseline = fig_13_2["baseline"]
    assert np.all(with_baseline.p_at_stop[with_baseline.stopped >= 0] < 0.5)
    for runs in (*fig_13_1.values(), *fig_13_2.values()):
        curve = bl.expected_return_curve(runs)
        assert np.all(curve[np.isfinite(curve)] <= bl.J_STAR + 1e-12)


def test_the_heatmap_draw():
    """The heatmap draw.

    The heatmap's alt text: "The brightest cell of this draw, −15 at α^θ 2^-8, α^w 2^-6"
    (20 runs per cell, seed 77, α^θ from 2^-12 to 2^-6, α^w from 2^-9 to 2^-3).
    """
    exponents_theta, exponents_w = range(-12, -5), range(-9, -2)
    mean, _, _ = bl.corridor_step_size_grid(tuple(2.0**k for k in exponents_theta),
                                            tuple(2.0**k for k in exponents_w), 20, 200,
                                            np.random.default_rng(77))
    row, column = np.unravel_index(np.argmax(mean), mean.shape)
    brightest = (list(exponents_w)[row], list(exponents_theta)[column], round(float(mean[row, column])))
    assert brightest == (-6, -8, -15)


@pytest.fixture(scope="module")
def runaways():
    return bl.corridor_runaways(np.random.default_rng(133), n_runs=1000, n_episodes=100)


@pytest.mark.slow
def test_how_often_runs_run_away(runaways):
    """Going deeper, 1000 runs per setting over the first 100 episodes.

    "runs run away far less often at 2^-13 than at 2^-12, and not once in 1000 runs at 2^-14",
    "a 16 times larger α^θ runs away about as rarely as plain REINFORCE at 2^-13. Its runs run away
    in their first ten episodes instead, towards p → 0, while w is still far above the returns";
    the recap: "A smaller α makes that rarer".
    """
    count = {k: r.n_runaways for k, r in runaways.items()}
    assert count == {"2^-12": 54, "2^-13": 6, "2^-14": 0, "baseline": 10}
    # counts of rare events: Poisson standard errors √n
    assert count["2^-12"] - count["2^-13"] > 2 * np.sqrt(count["2^-12"] + count["2^-13"])
    assert abs(count["baseline"] - count["2^-13"]) < 2 * np.sqrt(count["baseline"] + count["2^-13"])
    with_baseline = runaways["baseline"]
    stopped = with_baseline.stopped >= 0
    assert np.all(with_baseline.stopped[stopped] < 10)
    assert np.all(with_baseline.p_at_stop[stopped] < 0.5)
    towards_one = {k: int(np.sum(r.p_at_stop[r.stopped >= 0] > 0.5)) for k, r in runaways.items()}
    assert towards_one == {"2^-12": 50, "2^-13": 6, "2^-14": 0, "baseline": 0}


def test_a_first_episode_is_long():
    """A first episode is long.

    Going deeper: "at the start p ≈ 0.05, episodes last about 82 steps on average (−J(0.05))",
    "|δ| = |G_t|, about 80 at the start of an average first episode".
    """
    p0 = float(sigmoid(bl.BOOK_THETA0[0] - bl.BOOK_THETA0[1]))
    mdp = ShortCorridor().tabular()
    length = expected_episode_length(mdp, np.tile([1 - p0, p0], (mdp.n_states, 1)))
    assert round(length) == 82
    assert np.isclose(length, -short_corridor_value(p0))


# --------------------------------------------------------------------------- exercises


def test_exercise_2s_worked_solution():
    """Exercise 2's worked solution.

    Exercise 2's solution: "δ is positive at every step (9, then 7.75, then 6.8125) ... and w
    climbs from −12 to about −6.11".
    """
    e = CORRIDOR_EPISODE
    G = np.cumsum(np.array(e["rewards"])[::-1])[::-1]
    w, deltas = e["w"], []
    for g in G:
        deltas.append(g - w)
        w += e["alpha_w"] * (g - w)
    assert deltas == [9.0, 7.75, 6.8125]
    w_new, _ = episode_update(e["theta"], e["w"], e["actions"], e["rewards"], e["alpha_theta"], e["alpha_w"])
    assert np.isclose(w_new, w)
    assert f"{w_new:.2f}" == "-6.11"


def test_exercise_4s_far_baseline():
    """Exercise 4's solution: "the variance grows about 800-fold" with b = 100 on 4000 episodes."""
    plain, far, z = far_baseline_variances()
    assert round(far / plain, -2) == 800
    assert z < 4  # "The mean does not change in expectation"


def test_the_dashboards_twenty_runs_point_the_other_way():
    """The dashboard's 20 runs per setting order the means the other way round.

    Section 4: "With 20 runs, as in the dashboard, such a comparison is luck (in the figure above
    the 20-run means of v_π and v̂ end above the dashed no-baseline mean)"; 1000 runs reverse it.
    """
    from helpers.experiments import baselines as bl

    final = {b: bl.learning_curves(b, 2.0**-5, 2.0**-3).final_j for b in ("none", "learned", "exact")}
    assert all(values.size == 20 for values in final.values())
    assert final["learned"].mean() > final["none"].mean()
    assert final["exact"].mean() > final["none"].mean()
