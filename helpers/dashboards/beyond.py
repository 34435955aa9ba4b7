"""Notebook 06's dashboard (:func:`dashboards`): the r, Â and ε sliders over PPO's clipped objective."""

from __future__ import annotations

from helpers.experiments.beyond import clipped_view
from helpers.figures.beyond import clipped_moving, draw_clipped
from helpers.widgets import Dashboard, slider


def clipped_dashboard(ratio: float = 1.3, advantage: float = 1.0, epsilon: float = 0.2) -> Dashboard:
    """Sliders for the ratio r, the advantage Â and the clip range ε."""
    return Dashboard(
        compute=clipped_view,
        draw=draw_clipped,
        moving=clipped_moving,
        frame=lambda ratio, advantage, epsilon: (advantage, epsilon),
        controls={"ratio": slider("ratio r", ratio, 0.0, 2.0, 0.05),
                  "advantage": slider("advantage Â", advantage, -2.0, 2.0, 0.25),
                  "epsilon": slider("clip ε", epsilon, 0.05, 0.5, 0.05)},
        state=lambda ratio, advantage, epsilon: f"r = {ratio:.2f}, Â = {advantage:+.2f}, ε = {epsilon:.2f}",
        n_panels=2,
        panel_size=(4.6, 3.4),
    )


def dashboards() -> dict[str, Dashboard]:
    """The notebook's dashboards, for the slider benchmark and the tests."""
    return {"clipped": clipped_dashboard()}
