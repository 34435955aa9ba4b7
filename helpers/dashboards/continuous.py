"""Notebook 05's dashboard (:func:`dashboards`): the σ and α sliders of the exploration view.

:func:`exploration_small_multiples` draws the same view for a few settings, with the
shared noise panel drawn once.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from helpers._validate import check_step_size
from helpers.experiments.continuous import exploration_view
from helpers.figures.continuous import draw_exploration, exploration_figure, exploration_moving
from helpers.widgets import Dashboard, log_slider


def exploration_small_multiples(settings: list[dict[str, float]]) -> Figure:
    """The exploration dashboard for a few (σ, α) side by side, its shared noise panel drawn once.

    Drawn by :func:`helpers.figures.continuous.exploration_figure`; each setting is completed
    by the dashboard's start values and titled with its state line.
    """
    if not settings:
        raise ValueError("settings must hold at least one setting")
    board = exploration_dashboard()
    views = [exploration_view(**{**board.values(), **setting}) for setting in settings]
    return exploration_figure(views, [board.state(sigma=view.sigma, alpha=view.alpha) for view in views])


def _grid_through(value: float, low: float, high: float, step: float) -> tuple[float, float]:
    """Exponent limits near ``low`` and ``high`` whose grid of ``step`` passes through log10(value).

    A slider's front end snaps its value to the grid min + k·step and sends it back, so a
    start value off the grid (σ = 0.5 on a grid from 10^-1.5) would start the view elsewhere.
    """
    exponent = float(np.log10(check_step_size("value", value)))
    return (exponent - round((exponent - low) / step) * step,
            exponent + round((high - exponent) / step) * step)


def exploration_dashboard(sigma: float = 0.5, alpha: float = 0.01) -> Dashboard:
    """Sliders for σ (0.03 to 3) and α (0.001 to 0.3), both logarithmic."""
    return Dashboard(
        compute=exploration_view,
        draw=draw_exploration,
        moving=exploration_moving,
        controls={"sigma": log_slider("σ", sigma, *_grid_through(sigma, -1.5, 0.5, 0.125), step=0.125),
                  "alpha": log_slider("α", alpha, *_grid_through(alpha, -3.0, -0.5, 0.25), step=0.25)},
        state=lambda sigma, alpha: f"σ = {sigma:.3g}, α = {alpha:.3g}",
        n_panels=2,
        panel_size=(4.7, 3.5),
    )


def dashboards() -> dict[str, Dashboard]:
    """The notebook's dashboards, for the slider benchmark and the tests."""
    return {"exploration": exploration_dashboard()}
