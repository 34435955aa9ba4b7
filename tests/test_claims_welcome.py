"""Notebook 00's quantitative and comparative sentences, recomputed with the notebook's settings.

Each test quotes its sentence and fails if the sentence would be false. The sentences about
the REINFORCE learning runs that the tour shows for notebooks 02–05 are left to those
notebooks' claims tests; everything else in the map, the notation table, the tour and the
warm-ups is recomputed here. Statistical tests use fixed seeds and tolerances derived from
their sample sizes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import symbolic as sym
from helpers.dashboards import baselines as baselines_dashboards
from helpers.dashboards import beyond as beyond_dashboards
from helpers.dashboards import continuous as continuous_dashboards
from helpers.dashboards import demand as demand_dashboards
from helpers.dashboards import grid as grid_dashboards
from helpers.dashboards import theorem as theorem_dashboards
from helpers.envs import SHORT_CORRIDOR_BEST_P, ShortCorridor, short_corridor_value
from helpers.exercises.welcome import check_action_frequencies, check_larger_sample, frequency_tolerance
from helpers.experiments import continuous, demand, grid, theorem
from helpers.mdp import objective as exact_objective
from helpers.mdp import on_policy_distribution, state_values, visit_counts
from helpers.policies import GaussianPolicy, SoftmaxLinearPolicy
from helpers.reinforce import returns_to_go

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00_welcome.ipynb"
PI = np.array([0.2, 0.5, 0.3])


def cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


# --- the opening and the map ----------------------------------------------------------


def test_six_notebooks_a_slider_from_each_and_three_warm_ups():
    """Six notebooks, a slider from each of 01 to 06 and three warm-ups.

    "Six notebooks go from the policy gradient theorem to REINFORCE, baselines, continuous
    actions and the ideas behind PPO" and "a two-minute tour with one slider from each of
    notebooks 01 to 06, and three warm-up exercises".
    """
    numbered = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
                      if not p.name.startswith("00"))
    assert [name[:2] for name in numbered] == ["01", "02", "03", "04", "05", "06"]
    code = [source(c) for c in cells() if c["cell_type"] == "code"]
    views = [line for text in code for line in text.splitlines() if line.strip().endswith(".view()")]
    assert len(views) == 6
    made_by = " ".join(text for text in code if ".view()" in text)
    for topic in ("theorem", "demand", "grid", "baselines", "continuous", "beyond"):
        module = f"{topic}_dashboards."
        assert module in made_by
    markdown = "\n".join(source(c) for c in cells() if c["cell_type"] == "markdown")
    assert len(re.findall(r"^### Warm-up \d", markdown, flags=re.M)) == 3


def test_exact_gradient_equals_the_finite_difference_slope():
    """"in 01 the exact gradient equals the finite-difference slope of J" (printed to four decimals)."""
    _, slope = theorem.exact_values(1.0)
    difference = (theorem.exact_values(1.0 + 1e-5)[0] - theorem.exact_values(1.0 - 1e-5)[0]) / 2e-5
    assert slope == pytest.approx(difference, abs=1e-7)
    assert f"{slope:.4f}" == f"{difference:.4f}"


def test_two_and_three_week_seasons_differ_in_scale():
    """"01 plays seasons of two weeks and 02 of three, so their J differ in scale"."""
    assert theorem.HORIZON == 2
    assert demand.demand_problem().env.horizon == 3
    best_two = theorem.exact_values(1e3)[0]
    best_three = float(demand.exact_objective(1e3, horizon=3))
    assert best_three > 1.3 * best_two


def test_the_best_corridor_policy_is_stochastic_and_the_ends_are_far_worse():
    """The best corridor policy is stochastic and the ends are far worse.

    "in 04 the best policy in the short corridor is stochastic, p* = 2 − √2, and the nearly
    deterministic policies at either end are far worse".
    """
    assert pytest.approx(2 - np.sqrt(2), abs=1e-12) == SHORT_CORRIDOR_BEST_P
    p = np.linspace(0.001, 0.999, 99_901)
    assert p[np.argmax(short_corridor_value(p))] == pytest.approx(SHORT_CORRIDOR_BEST_P, abs=1e-4)
    best = float(short_corridor_value(SHORT_CORRIDOR_BEST_P))
    for end in (0.05, 0.95):
        assert float(short_corridor_value(end)) < 3 * best  # more than three times the steps


# --- the notation table ---------------------------------------------------------------


def test_the_return_two_ways():
    """The table's return, computed both ways.

    "G_t = Σ_{k=t}^{T−1} γ^{k−t} R_{k+1} = R_{t+1} + γ G_{t+1}", `returns_to_go(rewards, gamma)[t]`.
    """
    rewards, gamma = np.random.default_rng(0).normal(size=7), 0.8
    G = returns_to_go(rewards, gamma)
    T = rewards.size
    for t in range(T):
        assert G[t] == pytest.approx(sum(gamma ** (k - t) * rewards[k] for k in range(t, T)), abs=1e-12)
        assert G[t] == pytest.approx(rewards[t] + (gamma * G[t + 1] if t + 1 < T else 0.0), abs=1e-12)


def test_objective_visits_and_on_policy_distribution():
    """Table: "J(θ) = v_{π_θ}(s_0)" and "μ(s) = η(s)/Σ_{s'} η(s'): the fraction of time spent in s"."""
    corridor = ShortCorridor()
    mdp, inputs = corridor.tabular(), corridor.policy_inputs()
    policy, theta = SoftmaxLinearPolicy(n_actions=2, n_features=2), np.array([0.0, 0.4])
    pi = policy.probs(theta, inputs)
    start = int(np.argmax(mdp.d0))
    assert mdp.d0[start] == 1.0
    v = state_values(mdp, pi)
    assert exact_objective(mdp, policy, theta, inputs) == pytest.approx(v[start], abs=1e-12)
    eta = visit_counts(mdp, pi)
    np.testing.assert_allclose(on_policy_distribution(mdp, pi), eta / eta.sum(), atol=1e-12)


# --- the tour -------------------------------------------------------------------------


def test_the_figure_follows_a_slider_while_it_is_dragged():
    """Section 3: "The figure follows a slider while you drag it", for every dashboard of the tour.

    Every slider sends its values while it moves, and the view draws each new value into its one
    figure and names it in the state line.
    """
    boards = (theorem_dashboards.gradient_cloud_dashboard(theta=1.0),
              demand_dashboards.policy_dashboard(theta=1.0),
              grid_dashboards.policy_dashboard(), baselines_dashboards.learning_dashboard(),
              continuous_dashboards.exploration_dashboard(sigma=0.5, alpha=0.01),
              beyond_dashboards.clipped_dashboard())
    for board in boards:
        view = board.view()
        sliders = [w for w in view.children if isinstance(w, widgets.FloatSlider | widgets.FloatLogSlider)]
        assert sliders, board
        assert all(w.continuous_update is True for w in sliders)
        first = view.pixels()
        slider = sliders[0]
        logarithmic = isinstance(slider, widgets.FloatLogSlider)
        slider.value = slider.base**slider.max if logarithmic else slider.max
        assert view.state_line.value == board.state(**board.values())
        assert not np.array_equal(view.pixels(), first)
        plt.close("all")


def test_single_episode_estimates_scatter_widely_yet_are_right_on_average():
    """Single-episode estimates scatter widely, yet are right on average.

    Tour 01: "Each dot is one episode's estimate ĝᵐ of ∇J(θ) on the demand problem; they scatter
    widely around the exact gradient, yet they are right on average."

    Widely: the sd of one estimate, exact by enumeration, exceeds the gradient itself at the
    tour's θ. On average: the exact mean of ĝᵐ is dJ/dθ, and each panel's ±2 SE band covers it.
    """
    sd = sym.estimate_standard_deviation(horizon=2, weight="total")
    mean_expr, _ = sym.estimate_moments(horizon=2, weight="total")
    mean = sym.lambdify_theta(sym.with_demand_numbers(mean_expr))
    for theta in (1.0, -1.6, 1.5):
        cloud = theorem.gradient_cloud(theta)
        assert sd(theta) > abs(cloud.gradient), theta
        assert mean(theta) == pytest.approx(cloud.gradient, abs=1e-12)
        assert cloud.band_covers_exact, theta


def test_the_grid_policy_weighs_a_signed_offset():
    """The grid policy weighs a signed offset.

    Tour 03: "θ₁ is the weight of *left* and θ₂ that of *right*, each multiplied by the lane's
    signed offset from the centre (negative left of it, positive right), while *down*, straight
    on, keeps preference 0".
    """
    problem = grid.grid_problem()
    env, x = problem.env, problem.inputs
    LEFT, DOWN, RIGHT = env.LEFT, env.DOWN, env.RIGHT
    _, col = env.position(np.arange(env.n_states))
    offset = x[:, LEFT, 0]
    np.testing.assert_array_equal(x[:, LEFT, 1], 0.0)
    np.testing.assert_array_equal(x[:, RIGHT, 0], 0.0)
    np.testing.assert_array_equal(x[:, RIGHT, 1], offset)
    np.testing.assert_array_equal(x[:, DOWN], 0.0)
    centre = (env.n_cols - 1) / 2
    assert np.all(offset[col < centre] < 0)
    assert np.all(offset[col > centre] > 0)
    for c in range(env.n_cols):  # mirror lanes have opposite offsets
        assert offset[col == c][0] == pytest.approx(-offset[col == env.n_cols - 1 - c][0])


def test_exploration_sigma_too_small_or_too_large_is_noisy_and_costs_T_sigma_squared():
    """Exploration: σ too small or too large is noisy, and the best J is −Tσ².

    Tour 05: "too small and the score (a − μ)x/σ² is huge and noisy ...; too large and the rewards
    scatter, and the best reachable J drops to −Tσ² (the cost of exploring, σ² in each of T steps)".
    """
    for theta in continuous.NOISE_THETAS:
        curve = continuous.gradient_noise(theta)
        # an sd from n seasons is off by about 1/√(2n) relatively; demand a rise of 8 times that
        rise = 1 + 8 / np.sqrt(2 * curve.n_episodes)
        quietest = curve.std.min()
        assert curve.std[0] > rise * quietest, theta
        assert curve.std[-1] > rise * quietest, theta
        # it falls all the way to the quietest σ
        assert np.all(np.diff(curve.std[: np.argmin(curve.std) + 1]) < 0)
    T = continuous.HORIZON
    thetas = np.linspace(-1, 3, 401)
    for sigma in (0.1, 0.5, 2.0):
        J = continuous.mean_objective(thetas, sigma)
        assert J.max() == pytest.approx(-T * sigma**2, abs=1e-12)
        assert thetas[np.argmax(J)] == pytest.approx(1.0)
    policy = GaussianPolicy(1, sigma=0.1)
    theta, x, a = np.array([0.7]), 2.0, 1.9
    mu = theta[0] * x
    assert policy.grad_log_prob(theta, x, a)[0] == pytest.approx((a - mu) * x / 0.1**2, rel=1e-12)


# --- the warm-ups ---------------------------------------------------------------------


def test_warm_up_1_accepts_exactly_four_standard_errors():
    """Warm-up 1: "The check accepts frequencies within 4 standard errors, 4√(π(1 − π)/N)"."""
    N = 1000
    tolerance = 4 * np.sqrt(PI * (1 - PI) / N)
    np.testing.assert_allclose(frequency_tolerance(PI, N), tolerance)
    for side in (1, -1):
        inside = PI + side * 0.99 * min(tolerance[0], tolerance[2]) * np.array([1.0, 0.0, -1.0])
        outside = PI + side * 1.01 * max(tolerance[0], tolerance[2]) * np.array([1.0, 0.0, -1.0])
        assert check_action_frequencies(inside, PI, N).correct
        assert not check_action_frequencies(outside, PI, N).correct


def test_a_frequency_is_off_by_about_its_standard_error():
    """A frequency is off by about its standard error.

    Warm-up 1's solution: "Each frequency is a mean of N independent 0/1 draws ..., so its standard
    error is √(π(1 − π)/N): about 0.016 for π = 0.5 and N = 1000"; the recap: "A frequency from N
    samples is off by about √(π(1 − π)/N)".

    Measured over 2000 repetitions of N = 1000 draws (seed 0): the sd of a frequency estimates the
    standard error with a relative error of about 1/√(2·2000) = 1.6%, so a 4-sigma tolerance is 6.3%.
    """
    N, repetitions = 1000, 2000
    assert f"{np.sqrt(0.5 * 0.5 / N):.3f}" == "0.016"
    draws = np.random.default_rng(0).choice(3, size=(repetitions, N), p=PI)
    frequencies = np.stack([(draws == a).mean(axis=1) for a in range(3)], axis=1)
    measured = frequencies.std(axis=0, ddof=1)
    np.testing.assert_allclose(measured, np.sqrt(PI * (1 - PI) / N), rtol=4 / np.sqrt(2 * repetitions))


def test_warm_up_2_returns():
    """Warm-up 2's returns.

    Warm-up 2's solution: "G_0 = −1 − 0.9 + 0 + 0.729 · 5 = 1.745. Working backwards, G_3 = 5,
    G_2 = 0 + 0.9 · 5 = 4.5, G_1 = −1 + 0.9 · 4.5 = 3.05, G_0 = −1 + 0.9 · 3.05 = 1.745".
    """
    rewards, gamma = np.array([-1.0, -1.0, 0.0, 5.0]), 0.9
    G = returns_to_go(rewards, gamma)
    assert f"{gamma**3:.3f}" == "0.729"
    assert [f"{g:.3f}" for g in G] == ["1.745", "3.050", "4.500", "5.000"]
    assert pytest.approx(G[0], abs=1e-12) == -1 - 0.9 + 0 + 0.729 * 5


def test_a_hundred_times_the_draws_a_tenth_of_the_gap():
    """A hundred times the draws, a tenth of the gap.

    Warm-up 3: "with a hundred times more draws, how many times smaller will the typical gap ...
    be" (10); its solution: "The standard error for π = 0.5 is now √(0.25/100 000) ≈ 0.0016, ten times
    smaller than for N = 1000. The same law makes the mean ĝ of M episodes' estimates a standard
    deviation √M times smaller than one ĝᵐ's."

    The last sentence is measured on notebook 01's estimates at θ = 1: 4000 batches of M = 25
    drawn from the exact distribution of ĝᵐ (seed 0); the sd of the batch means estimates
    sd/√M with a relative error of about 1/√(2·4000) for normal means, and the estimates'
    heavy tail makes it larger; the tolerance is 4 times 2/√(2·4000).
    """
    assert f"{np.sqrt(0.25 / 100_000):.4f}" == "0.0016"
    assert np.sqrt(0.25 / 1000) / np.sqrt(0.25 / 100_000) == pytest.approx(10.0)
    freq = np.bincount(np.random.default_rng(1).choice(3, size=100_000, p=PI), minlength=3) / 100_000
    assert check_larger_sample(freq, 10, PI, 100_000).correct
    assert not check_larger_sample(freq, 100, PI, 100_000).correct

    values, probs = [], []
    numbers = {**sym.demand_environment_values(), sym.THETA: 1.0}
    for tau in sym.demand_trajectories(horizon=2):
        values.append(float(sym.as_numbers(tau.score * tau.total_reward, numbers)))
        probs.append(float(sym.as_numbers(tau.probability, numbers)))
    values, probs = np.array(values), np.array(probs)
    sd_one = np.sqrt(probs @ values**2 - (probs @ values) ** 2)
    M, batches = 25, 4000
    means = values[np.random.default_rng(0).choice(values.size, size=(batches, M), p=probs)].mean(axis=1)
    assert means.std(ddof=1) == pytest.approx(sd_one / np.sqrt(M), rel=4 * 2 / np.sqrt(2 * batches))


def test_the_readme_lists_four_causes_for_missing_sliders():
    """The README lists four causes for missing sliders.

    Section 3: "the README's section *When the sliders do not show* lists the four usual causes and
    their fixes"; the recap: "If widgets do not show, the README lists the four usual causes.".
    """
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^### When the sliders do not show\n(.*?)(?=^#)", readme, flags=re.S | re.M)
    assert match, "the README has no section 'When the sliders do not show'"
    items = re.findall(r"^\d+\. ", match.group(1), flags=re.M)
    assert len(items) == 4
