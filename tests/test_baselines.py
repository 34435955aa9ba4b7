"""helpers.experiments.baselines: unbiased baselines, measured variances, the short corridor.

Statistical checks use fixed seeds and margins of 4 standard errors computed from
the sample itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.envs import ShortCorridor, short_corridor_value
from helpers.experiments import baselines as bl
from helpers.mdp import exact_gradient, objective
from helpers.policies import SoftmaxLinearPolicy
from helpers.reinforce import reinforce, returns_to_go, sample_episodes


@pytest.fixture(scope="module", params=["demand", "grid"])
def estimates(request):
    problem = bl.demand_problem() if request.param == "demand" else bl.grid_problem()
    g = bl.baseline_estimates(problem, 3000, np.random.default_rng(11))
    exact = exact_gradient(problem.mdp, problem.policy, problem.theta, problem.inputs)
    return request.param, g, exact


def test_every_baseline_is_unbiased(estimates):
    _, g, exact = estimates
    assert set(g) == set(bl.BASELINE_NAMES)
    for name, values in g.items():
        se = values.std(axis=0, ddof=1) / np.sqrt(len(values))
        assert np.all(np.abs(values.mean(axis=0) - exact) <= 4 * se), name


def significantly_smaller(a: np.ndarray, b: np.ndarray) -> bool:
    """Total variance of a below that of b by more than 4 standard errors of the paired difference."""
    difference, se = bl.variance_difference(a, b)
    return difference < -4 * se


def test_variance_ordering(estimates):
    name, g, _ = estimates
    # b* is the best constant, 0 included: never significantly worse than no baseline,
    # and better than the mean-return constant.
    difference, se = bl.variance_difference(g["min-variance"], g["none"])
    assert difference < 4 * se
    assert significantly_smaller(g["min-variance"], g["mean"])
    if name == "grid":
        assert significantly_smaller(g["exact"], g["min-variance"])
        assert significantly_smaller(g["learned"], g["min-variance"])
        assert significantly_smaller(g["min-variance"], g["none"])
        assert significantly_smaller(g["mean"], g["none"])
    else:  # on the demand problem every baseline but b* *raises* the variance
        assert significantly_smaller(g["none"], g["mean"])
        assert significantly_smaller(g["none"], g["exact"])
        assert significantly_smaller(g["none"], g["learned"])


def test_min_variance_constant_minimises_the_sample_variance():
    problem = bl.grid_problem()
    batch = sample_episodes(problem.mdp, problem.policy, problem.theta, problem.inputs, 500,
                            np.random.default_rng(3))
    X, Z = bl.score_sums(problem.policy, problem.theta, problem.inputs, batch)
    b_star = bl.min_variance_constant(problem.policy, problem.theta, problem.inputs, batch)

    def second_moment(b: float) -> float:
        return float(np.sum((X - b * Z) ** 2))

    assert second_moment(b_star) < second_moment(b_star + 0.01)
    assert second_moment(b_star) < second_moment(b_star - 0.01)
    assert np.isclose(b_star, np.sum(X * Z) / np.sum(Z * Z))


def test_score_sums_reassemble_the_estimate_with_a_constant_baseline():
    problem = bl.demand_problem()
    batch = sample_episodes(problem.mdp, problem.policy, problem.theta, problem.inputs, 50,
                            np.random.default_rng(1))
    X, Z = bl.score_sums(problem.policy, problem.theta, problem.inputs, batch)
    from helpers.reinforce import reinforce_estimates
    direct = reinforce_estimates(problem.policy, problem.theta, problem.inputs, batch, baseline=2.5)
    np.testing.assert_allclose(X - 2.5 * Z, direct, atol=1e-12)


def test_fitted_values_are_the_monte_carlo_update_with_sample_average_steps():
    problem = bl.grid_problem()
    batch = sample_episodes(problem.mdp, problem.policy, problem.theta, problem.inputs, 40,
                            np.random.default_rng(2))
    G = returns_to_go(batch.rewards)
    w = np.zeros(problem.mdp.n_states)
    n = np.zeros(problem.mdp.n_states)
    for i in range(len(batch)):
        for t in np.flatnonzero(batch.mask[i]):
            s = batch.states[i, t]
            n[s] += 1
            w[s] += (G[i, t] - w[s]) / n[s]
    np.testing.assert_allclose(bl.fit_state_values(problem.mdp, batch), w, atol=1e-12)


def test_reward_shift_keeps_the_gradient_and_inflates_the_variance_without_baseline():
    result = bl.reward_shift_variances((0.0, 10.0), 2000, np.random.default_rng(5))
    np.testing.assert_allclose(result["exact gradient"][1], result["exact gradient"][0], atol=1e-10)
    (v0, se0), (v10, se10) = result["none"]
    assert v10 - v0 > 4 * np.hypot(se0, se10)
    (e0, f0), (e10, f10) = result["exact"]
    assert abs(e10 - e0) < 4 * np.hypot(f0, f10)


def test_exact_baseline_removes_a_reward_shift_update_for_update():
    plain = bl.grid_reinforce("exact", 0.05, 0.1, 20, 5, np.random.default_rng(9), reward_shift=0.0)
    shifted = bl.grid_reinforce("exact", 0.05, 0.1, 20, 5, np.random.default_rng(9), reward_shift=10.0)
    np.testing.assert_allclose(shifted, plain, atol=1e-9)


def test_grid_learning_curves_start_at_the_exact_objective():
    problem = bl.grid_problem()
    curves = bl.grid_reinforce("learned", 0.05, 0.1, 10, 3, np.random.default_rng(0), eval_every=5)
    assert curves.shape == (3, 3)
    j0 = objective(problem.mdp, problem.policy, np.zeros(2), problem.inputs)
    np.testing.assert_allclose(curves[:, 0], j0)


# --- the short corridor ---------------------------------------------------------------------------


def test_corridor_runs_read_the_engine_history():
    """CorridorRuns is the engine's History in the corridor's terms: p = σ(θ₁ - θ₂), stops, NaN after."""
    env = ShortCorridor()
    runs, episodes, alpha = 40, 30, 2.0**-8
    corridor = bl.short_corridor_reinforce(alpha, episodes, runs, np.random.default_rng(1), alpha_w=2.0**-6,
                                           theta0=np.array([0.7, -0.7]), max_steps=30)
    history = reinforce(env.tabular(), SoftmaxLinearPolicy(2, 2), np.array([0.7, -0.7]), env.policy_inputs(),
                        alpha, episodes, np.random.default_rng(1), n_runs=runs, baseline="learned",
                        alpha_w=2.0**-6, value_features=np.ones((4, 1)), max_steps=30, on_truncation="stop")
    assert 0 < corridor.n_runaways < runs  # p = σ(1.4) ≈ 0.8: some episodes bounce past 30 steps
    for i in range(runs):
        finite = np.isfinite(history.theta[i, :, 0])
        p = SoftmaxLinearPolicy(2, 2).probs(history.theta[i, finite], env.policy_inputs()[0])[:, 1]
        np.testing.assert_allclose(corridor.p[i, finite], p, rtol=1e-12)
        assert np.all(np.isnan(corridor.p[i, ~finite]))
        if corridor.stopped[i] >= 0:
            e = corridor.stopped[i]
            assert history.truncated[i, e]
            assert not history.truncated[i, :e].any()
            assert np.isnan(corridor.returns[i, e:]).all()
            assert corridor.p_at_stop[i] == corridor.p[i, e]
        played = corridor.stopped[i] if corridor.stopped[i] >= 0 else episodes
        np.testing.assert_array_equal(corridor.returns[i, :played], history.returns[i, :played])


def test_corridor_episode_lengths_have_the_exact_mean():
    """With α tiny, p stays at the book's 0.05: mean episode length is -J(p)."""
    runs = bl.short_corridor_reinforce(1e-12, 5, 400, np.random.default_rng(4), max_steps=100_000)
    p0 = runs.p[0, 0]
    lengths = -runs.returns.ravel()
    se = lengths.std(ddof=1) / np.sqrt(lengths.size)
    assert abs(lengths.mean() + short_corridor_value(p0)) < 4 * se


@pytest.fixture(scope="module")
def figures():
    """Full size, as in the book: 100 runs × 1000 episodes per curve."""
    return {**{f"alpha {a}": r for a, r in bl.figure_13_1_runs(np.random.default_rng(131)).items()},
            **bl.figure_13_2_runs(np.random.default_rng(132))}


def test_reproduced_curves_approach_the_optimum_from_below(figures):
    for name, runs in figures.items():
        exact = bl.expected_return_curve(runs)
        assert np.all(exact[np.isfinite(exact)] <= bl.J_STAR + 1e-12), name
        last = runs.returns[runs.stopped < 0, -100:]  # the runs that finished all episodes
        per_run = last.mean(axis=1)
        se = per_run.std(ddof=1) / np.sqrt(per_run.size)
        final = per_run.mean()
        assert final <= bl.J_STAR + 4 * se, name  # never above what the optimum allows
        # the sampled returns have expectation J(p): the sample agrees with the exact curve
        assert abs(final - np.nanmean(exact[-100:])) < 4 * se + 0.05, name


def test_converged_settings_end_near_the_optimum(figures):
    for name in ("alpha 0.000244140625", "baseline"):
        exact_end = np.nanmean(bl.expected_return_curve(figures[name])[-100:])
        assert bl.J_STAR - 0.5 < exact_end <= bl.J_STAR, name
    # the smallest step size is still learning after 1000 episodes
    assert np.nanmean(bl.expected_return_curve(figures["alpha 6.103515625e-05"])[-100:]) < bl.J_STAR - 1.0


def test_runaway_runs_are_counted_and_stopped(figures):
    for runs in figures.values():
        stopped = runs.stopped >= 0
        assert runs.n_runaways == stopped.sum()
        for i in np.flatnonzero(stopped):
            assert np.all(np.isnan(runs.returns[i, runs.stopped[i]:]))
            assert np.all(np.isfinite(runs.returns[i, :runs.stopped[i]]))
        assert np.all(np.isfinite(runs.returns[~stopped]))


def test_step_size_grid_shapes():
    mean, stopped, se = bl.corridor_step_size_grid((2.0**-9, 2.0**-8), (2.0**-6,), 3, 5,
                                                   np.random.default_rng(0))
    assert se.shape == mean.shape
    assert np.all(se >= 0)
    assert mean.shape == stopped.shape == (1, 2)
    assert np.all(mean <= -3)  # the shortest episode takes 3 steps


@pytest.mark.parametrize(("call", "name"), [
    (lambda: bl.short_corridor_reinforce(0.0, 10, 2, np.random.default_rng(0)), "alpha"),
    (lambda: bl.short_corridor_reinforce(0.1, 0, 2, np.random.default_rng(0)), "n_episodes"),
    (lambda: bl.short_corridor_reinforce(np.ones(3), 10, 2, np.random.default_rng(0)), "alpha"),
    (lambda: bl.short_corridor_reinforce(0.1, 10, 2, np.random.default_rng(0), alpha_w=-1.0), "alpha_w"),
    (lambda: bl.short_corridor_reinforce(0.1, 10, 2, np.random.default_rng(0), theta0=np.zeros(3)), "theta0"),
    (lambda: bl.grid_reinforce("median", 0.1, 0.1, 10, 2, np.random.default_rng(0)), "baseline"),
    (lambda: bl.total_variance(np.zeros((1, 2))), "estimates"),
    (lambda: bl.variance_difference(np.zeros((3, 2)), np.zeros((4, 2))), "a and b"),
    (lambda: bl.baseline_estimates(bl.grid_problem(), 1, np.random.default_rng(0)), "n_episodes"),
    (lambda: bl.variance_estimates("corridor"), "problem_name"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
