"""Notebook 05's dashboards: exact values against the environment and helpers.mdp, runs, slider wiring."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from helpers.dashboards import continuous as continuous_dashboards
from helpers.envs import ContinuousDemandEnv
from helpers.experiments import continuous
from helpers.figures import continuous as continuous_figures
from helpers.mdp import finite_difference_gradient
from helpers.plotting import subplots
from helpers.policies import GaussianPolicy
from helpers.widgets import Dashboard


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- the continuous demand problem ------------------------------------------------------------------


@pytest.mark.parametrize(("theta", "sigma"), [(0.0, 1.0), (0.5, 0.3), (1.0, 0.1), (1.7, 2.0)])
def test_mean_objective_is_the_closed_form_and_the_environments_J(theta, sigma):
    env = ContinuousDemandEnv()
    problem = continuous.continuous_demand()
    c_value = float(np.sum(env.week_distribution() * env.demand_changes**2))
    assert problem.c == pytest.approx(c_value)
    J = float(continuous.mean_objective(theta, sigma))
    assert pytest.approx(-c_value * (theta - 1) ** 2 - 3 * sigma**2) == J
    assert pytest.approx(float(env.objective(theta * env.demand_changes, sigma))) == J
    slope = finite_difference_gradient(lambda th: float(continuous.mean_objective(th[0], sigma)),
                                       np.array([theta]))[0]
    assert float(continuous.mean_slope(theta)) == pytest.approx(slope, abs=1e-6)


def test_gaussian_objective_agrees_for_fixed_and_learned_sigma():
    fixed = GaussianPolicy(1, sigma=0.4)
    thetas = np.array([[0.0], [0.8], [1.3]])
    np.testing.assert_allclose(continuous.gaussian_objective(fixed, thetas, constant=False),
                               continuous.mean_objective(thetas[:, 0], 0.4))
    learned = GaussianPolicy(2, sigma=None)  # μ = θ1 p + θ2, ln σ = θ3 p + θ4
    theta = np.array([0.8, 0.0, 0.0, np.log(0.4)])
    assert float(continuous.gaussian_objective(learned, theta, constant=True)) == pytest.approx(
        float(continuous.mean_objective(0.8, 0.4)))


def test_reinforce_gaussian_runs_are_seeded_and_stop_diverging_runs():
    policy = GaussianPolicy(1, sigma=0.5)
    runs = continuous.reinforce_gaussian(policy, np.zeros(1), 0.01, 40, np.random.default_rng(0), n_runs=20)
    again = continuous.reinforce_gaussian(policy, np.zeros(1), 0.01, 40, np.random.default_rng(0), n_runs=20)
    np.testing.assert_array_equal(runs.theta, again.theta)
    assert runs.theta.shape == (20, 41, 1)
    assert runs.J.shape == (20, 41)
    np.testing.assert_allclose(runs.J, continuous.mean_objective(runs.theta[..., 0], 0.5))
    assert np.median(runs.J[:, -1]) > np.median(runs.J[:, 0]) + 5  # learning: from J = -10.3 to near -0.75
    wild = continuous.reinforce_gaussian(policy, np.zeros(1), 0.5, 40, np.random.default_rng(0), n_runs=20)
    assert wild.diverged.all()
    assert np.all(np.abs(wild.theta) <= continuous.THETA_BOUND)
    assert np.all(np.isfinite(wild.J))


def test_learned_sigma_runs_learn_the_mean_and_shrink_sigma():
    runs = continuous.learned_sigma_runs(alpha=0.001, n_runs=40, n_episodes=300, seed=1)
    assert not runs.diverged.any()
    final = np.median(runs.theta[:, -1], axis=0)
    assert final[0] == pytest.approx(1.0, abs=0.1)  # the slope of μ: order p
    assert abs(final[1]) < 0.1  # no offset
    assert final[3] < np.log(0.7)  # σ at p = 0 has shrunk from 1
    assert np.median(runs.J[:, -1]) > -1.5 > np.median(runs.J[:, 0])


def test_the_quietest_sigma_shrinks_as_the_mean_improves():
    curves = [continuous.gradient_noise(theta, n_episodes=2000) for theta in continuous.NOISE_THETAS]
    quietest = [curve.quietest_sigma for curve in curves]
    assert quietest[0] > quietest[1] > quietest[2]
    for curve in curves:
        assert np.all(curve.std > 0)
        assert curve.slope == pytest.approx(float(continuous.mean_slope(curve.theta)))
        # too little exploration is noisy (the score grows like 1/σ), and so is too much
        assert curve.std[0] > 1.25 * curve.std.min()
        assert curve.std[-1] > 1.25 * curve.std.min()


# --- the dashboards and their wiring ------------------------------------------------------------------


def test_dashboards_are_registered():
    boards = continuous_dashboards.dashboards()
    assert set(boards) == {"exploration"}
    assert all(isinstance(board, Dashboard) for board in boards.values())


def test_exploration_dashboard_wiring_and_compute():
    board = continuous_dashboards.exploration_dashboard()
    w = board.view()
    sigma_slider, alpha_slider = w.children[:2]
    assert isinstance(sigma_slider, widgets.FloatLogSlider)
    assert isinstance(alpha_slider, widgets.FloatLogSlider)
    sigma_slider.value, alpha_slider.value = 0.1, 0.003
    assert w.kwargs["sigma"] == pytest.approx(0.1)
    assert w.kwargs["alpha"] == pytest.approx(0.003)
    view = board.compute(**w.kwargs)
    assert view.runs is continuous.fixed_sigma_runs(0.1, 0.003)  # cached: the same object
    np.testing.assert_allclose(view.runs.J, continuous.mean_objective(view.runs.theta[..., 0], view.sigma))
    assert [curve.theta for curve in view.noise] == list(continuous.NOISE_THETAS)
    assert board.state(**w.kwargs) == "σ = 0.1, α = 0.003"


def test_small_sigma_needs_a_small_step():
    # the same α diverges more often with less exploration: the score grows like 1/σ
    careful, bold = continuous.fixed_sigma_runs(0.1, 0.003), continuous.fixed_sigma_runs(0.1, 0.01)
    wide = continuous.fixed_sigma_runs(1.0, 0.01)
    assert careful.diverged.sum() < bold.diverged.sum()
    assert wide.diverged.sum() < bold.diverged.sum()
    # and a wide policy pays for its exploration: it cannot get above -T σ² = -3
    assert np.all(continuous.mean_objective(1.0, 1.0) + 1e-12 >= wide.J)


def test_figures_draw_every_panel():
    board = continuous_dashboards.exploration_dashboard()
    fig = board.static([{"sigma": 0.5, "alpha": 0.01}])
    assert len(fig.axes) == board.n_panels
    fig, axes = subplots(3)
    runs = continuous.learned_sigma_runs(alpha=0.001, n_runs=40, n_episodes=300, seed=1)
    continuous_figures.draw_learned_sigma(runs, list(axes[0]))


def test_small_multiples_draw_the_noise_panel_once_and_agree_with_their_titles():
    settings = [{"sigma": 0.1, "alpha": 0.01}, {"sigma": 0.5, "alpha": 0.01}]
    fig = continuous_dashboards.exploration_small_multiples(settings)
    assert len(fig.axes) == 1 + len(settings)
    noise, wild, tame = fig.axes
    assert "ĝᵐ" in noise.get_title()
    # σ = 0.1: the median leaves the axes, and the title says so instead of quoting a J the axes cannot show
    median = np.median(continuous.fixed_sigma_runs(0.1, 0.01).J[:, -1])
    assert median < continuous_figures.J_LIMITS[0]
    assert "off the axes" in wild.get_title()
    assert any("leaves" in text.get_text() for text in wild.texts)
    assert f"{np.median(continuous.fixed_sigma_runs(0.5, 0.01).J[:, -1]):.2f}" in tame.get_title()
    assert "off the axes" not in tame.get_title()
    with pytest.raises(ValueError, match="settings"):
        continuous_dashboards.exploration_small_multiples([])


def test_labels_follow_the_notebooks_conventions():
    # one season's estimate is ĝᵐ (notebooks 01 and 02); the demand problem counts seasons
    fig = continuous_dashboards.exploration_dashboard().static([{"sigma": 0.5, "alpha": 0.01}])
    noise, runs = fig.axes[:2]
    assert "ĝᵐ" in noise.get_ylabel()
    assert "ĝᵐ" in noise.get_title()
    assert runs.get_xlabel() == "season k"
    # each curve's label sits under its ▼ (the least noisy σ), not at σ = 3 where slider dots go
    labels = [text for text in noise.texts if text.get_text().startswith("θ = ")]
    for text, curve in zip(labels, continuous.NOISE_THETAS, strict=True):
        quietest = continuous.gradient_noise(curve).quietest_sigma
        assert text.get_position()[0] == pytest.approx(quietest)
    fig, axes = subplots(3)
    runs = continuous.learned_sigma_runs(alpha=0.001, n_runs=20, n_episodes=50, seed=1)
    continuous_figures.draw_learned_sigma(runs, list(axes[0]))
    assert all(ax.get_xlabel() == "season k" for ax in axes[0])


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="sigma"):
        continuous.fixed_sigma_runs(0.0, 0.01)
    with pytest.raises(ValueError, match="alpha"):
        continuous.fixed_sigma_runs(0.5, -1.0)
    with pytest.raises(ValueError, match="n_runs"):
        continuous.fixed_sigma_runs(0.5, 0.01, n_runs=0)
    with pytest.raises(ValueError, match="theta0"):
        continuous.reinforce_gaussian(GaussianPolicy(1), np.zeros(2), 0.01, 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="horizon"):
        continuous.continuous_demand(0)
    with pytest.raises(ValueError, match="sigma"):
        continuous.mean_objective(1.0, -0.5)
    with pytest.raises(ValueError, match="theta"):
        continuous.gradient_noise(float("nan"))
    with pytest.raises(ValueError, match="n_episodes"):
        continuous.gradient_noise(0.0, n_episodes=0)


def test_learned_sigma_splits_minus_J_into_the_mean_error_and_exploration():
    runs = continuous.learned_sigma_runs(alpha=0.001, n_runs=20, n_episodes=50, seed=1)
    split = continuous.learned_sigma(runs)
    np.testing.assert_allclose(split.mean_error + split.exploration, -runs.J, rtol=1e-10, atol=1e-12)
    assert split.sigma.shape == (20, 51, 4)
    np.testing.assert_allclose(split.sigma[:, 0], 1.0)  # θ starts at 0: σ = e⁰ at every p
    with pytest.raises(ValueError, match="runs must learn sigma too"):
        continuous.learned_sigma(continuous.fixed_sigma_runs(0.5, 0.01, n_runs=2, n_episodes=3))


def test_noise_to_signal_at_a_grid_sigma_is_the_curve_and_between_them_lies_between():
    curve = continuous.gradient_noise(theta=0.5, n_episodes=400, seed=3)
    ratio = curve.noise_to_signal
    np.testing.assert_allclose(ratio, curve.std / abs(curve.slope))
    for k in (0, 7, len(curve.sigmas) - 1):
        assert curve.noise_to_signal_at(curve.sigmas[k]) == pytest.approx(ratio[k])
    middle = float(np.sqrt(curve.sigmas[4] * curve.sigmas[5]))
    assert min(ratio[4], ratio[5]) <= curve.noise_to_signal_at(middle) <= max(ratio[4], ratio[5])
