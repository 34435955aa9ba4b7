"""Notebook 03's dashboards (:func:`dashboards`).

The θ₁, θ₂ sliders over the road and the landscape (``policy``) and the α slider
over learning paths (``paths``); :func:`paths_small_multiples` draws the α dashboard
for a few step sizes, its static view.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from matplotlib.figure import Figure

from helpers.experiments.grid import (
    ALPHA_EXPONENTS,
    THETA1_LIMITS,
    THETA2_LIMITS,
    paths_view,
    policy_view,
    snap_alpha,
)
from helpers.figures.grid import draw_paths_view, draw_policy_view, paths_view_moving, policy_view_moving
from helpers.widgets import Dashboard, log_slider, slider


def paths_small_multiples(alphas: Sequence[float]) -> Figure:
    """The α dashboard's panels for a few step sizes, one row each (its static view)."""
    return paths_dashboard().static([{"alpha": alpha} for alpha in alphas])


THETA_STEP = 0.5
"""The θ sliders' step."""


def policy_state(theta1: float, theta2: float) -> str:
    """The θ dashboard's state line, e.g. ``θ = (1.50, -0.50)``."""
    return f"θ = ({theta1:.2f}, {theta2:.2f})"


def policy_dashboard(*, colorbar: bool = False) -> Dashboard:
    """Sliders for θ_1 and θ_2: the policy in every cell, and where θ sits on J(θ).

    With ``colorbar`` the landscape panel has a colour bar of J: for static small
    multiples, where the 25 ms it costs per redraw do not matter.
    """
    return Dashboard(
        compute=policy_view,
        draw=partial(draw_policy_view, colorbar=colorbar),
        moving=policy_view_moving,
        controls={
            "theta1": slider("θ₁ (left)", 0.0, *THETA1_LIMITS, THETA_STEP),
            "theta2": slider("θ₂ (right)", 0.0, *THETA2_LIMITS, THETA_STEP),
        },
        state=policy_state,
        n_panels=2,
        panel_size=(4.6, 4.4),
    )


def paths_state(alpha: float) -> str:
    """The α dashboard's state line, e.g. ``α = 0.316`` (α snapped to the slider's grid)."""
    return f"α = {snap_alpha(alpha):.3g}"


def paths_dashboard() -> Dashboard:
    """A step-size slider: REINFORCE's θ-paths over the landscape and J along them."""
    return Dashboard(
        compute=paths_view,
        draw=draw_paths_view,
        moving=paths_view_moving,
        controls={"alpha": log_slider("α (step size)", 0.316, ALPHA_EXPONENTS[0], ALPHA_EXPONENTS[-1],
                                      step=0.25)},
        state=paths_state,
        n_panels=2,
        panel_size=(4.8, 4.4),
    )


def dashboards() -> dict[str, Dashboard]:
    """The dashboards of notebook 03, by name (timed by ``benchmarks/sliders.py``)."""
    return {"policy": policy_dashboard(), "paths": paths_dashboard()}
