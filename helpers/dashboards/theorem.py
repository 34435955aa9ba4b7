"""Notebook 01's dashboard: the θ slider and weight menu over the gradient cloud.

Wires :func:`helpers.experiments.theorem.gradient_cloud` (the data) and
:mod:`helpers.figures.theorem` (the drawing) to controls with :class:`helpers.widgets.Dashboard`.
"""

from __future__ import annotations

from helpers.experiments.theorem import THETA_MAX, THETA_MIN, WEIGHTS, gradient_cloud, validated_theta
from helpers.figures.theorem import draw_gradient_cloud, gradient_cloud_moving
from helpers.widgets import Dashboard, dropdown, slider

THETA_STEP = 0.1
"""The θ slider's step."""

def gradient_cloud_state(theta: float, weight: str = "total") -> str:
    """The state line printed above the figure, e.g. ``θ = 1.00, weight R(τ)``."""
    return f"θ = {theta:.2f}, weight {WEIGHTS[weight]}"


def gradient_cloud_dashboard(theta: float = 1.0) -> Dashboard:
    """The θ slider of step 7: J(θ), the exact slope and a cloud of single-episode estimates."""
    theta = validated_theta(theta)
    return Dashboard(
        compute=gradient_cloud,
        draw=draw_gradient_cloud,
        moving=gradient_cloud_moving,
        controls={
            "theta": slider("θ", theta, THETA_MIN, THETA_MAX, THETA_STEP),
            "weight": dropdown("weight", [("R(τ), whole episode", "total"),
                                          ("G_t, reward-to-go", "to_go")], "total"),
        },
        state=gradient_cloud_state,
        n_panels=2,
        panel_size=(4.9, 4.0),
    )


def dashboards() -> dict[str, Dashboard]:
    """The dashboards of notebook 01, for the latency benchmark."""
    return {"gradient_cloud": gradient_cloud_dashboard()}
