r"""Notebook 02's dashboards (:func:`dashboards`).

``policy``
    a θ slider: the policy curve :math:`\sigma(\theta p)` over p with the four
    demand changes marked, and where θ sits on the exact :math:`J(\theta)` with
    the tangent of slope :math:`dJ/d\theta`;
``step_size``
    an α slider (logarithmic): the exact :math:`J(\theta_k)` of many REINFORCE runs
    (mean with a band) beside the runs' θ trajectories;
``estimates``
    a θ slider: the histogram of M single-episode REINFORCE estimates
    :math:`\hat g^m` (log scale) and the running mean :math:`\hat g` of the first M
    with its ±2 standard errors, against the exact gradient.
"""

from __future__ import annotations

from helpers.experiments.demand import learning_runs, policy_view, single_episode_estimates
from helpers.figures.demand import (
    draw_estimates,
    draw_learning_runs,
    draw_policy_view,
    learning_runs_moving,
    policy_view_moving,
)
from helpers.widgets import Dashboard, log_slider, slider


def policy_dashboard(theta: float = 1.0) -> Dashboard:
    """The θ slider: the policy curve and where θ sits on the exact J(θ)."""
    return Dashboard(
        compute=policy_view,
        draw=draw_policy_view,
        moving=policy_view_moving,
        controls={"theta": slider("θ", theta, -4.0, 4.0, 0.1)},
        state=lambda theta: f"θ = {theta:.2f}",
        n_panels=2,
        panel_size=(4.9, 3.5),
    )


def step_size_dashboard(alpha: float = 0.1, *, seed: int = 0, precompute: bool = True) -> Dashboard:
    """The α slider (logarithmic, 0.003 to 10): learning curves beside θ trajectories.

    With ``precompute`` the runs for every step of the slider (15 values of α, about
    50 ms each) are computed now, so that moving the slider only draws.
    """
    control = log_slider("α", alpha, -2.5, 1.0, step=0.25)
    if precompute:
        n_steps = round((control.max - control.min) / control.step)
        for k in range(n_steps + 1):
            learning_runs(control.base ** (control.min + k * control.step), seed=seed)
    return Dashboard(
        compute=lambda alpha: learning_runs(alpha, seed=seed),
        draw=draw_learning_runs,
        moving=learning_runs_moving,
        controls={"alpha": control},
        state=lambda alpha: f"α = {alpha:#.3g}",  # as the readout (d3 ".3g" keeps zeros: 0.100)
        n_panels=2,
        panel_size=(4.9, 3.5),
    )


def estimates_dashboard(theta: float = 0.5, *, seed: int = 0) -> Dashboard:
    """The θ slider: the histogram of single-episode estimates ĝᵐ and their running mean ĝ."""
    return Dashboard(
        compute=lambda theta: single_episode_estimates(theta, seed=seed),
        draw=draw_estimates,
        controls={"theta": slider("θ", theta, -3.0, 3.0, 0.25)},
        state=lambda theta: f"θ = {theta:.2f}",
        n_panels=2,
        panel_size=(4.9, 3.5),
    )


def dashboards() -> dict[str, Dashboard]:
    """Every dashboard of notebook 02, for the slider benchmark."""
    return {
        "policy": policy_dashboard(),
        "step_size": step_size_dashboard(),
        "estimates": estimates_dashboard(),
    }
