r"""Notebook 04's dashboard: REINFORCE with a baseline on the grid whose rewards are shifted by c.

``learning`` (:func:`learning_dashboard`): a dropdown chooses the baseline (none,
mean return, learned :math:`\hat v(s, w)`, exact :math:`v_\pi(s)`), sliders set
:math:`\alpha^\theta` and :math:`\alpha^w` (powers of 2). The left panel shows the
exact :math:`J(\theta)` (of the unshifted problem) of every run, its mean over runs,
and the no-baseline runs with the same :math:`\alpha^\theta`; the right panel the
final J against :math:`\alpha^\theta` for every baseline, the current setting marked.

All step sizes of one baseline are trained in one call
(:func:`helpers.experiments.baselines.all_step_sizes`) and cached, so after the first
display a slider move only looks results up and draws.
"""

from __future__ import annotations

from helpers.experiments.baselines import (
    GRID_BASELINES,
    THETA_EXPONENTS,
    W_EXPONENTS,
    learning_curves,
    snap_exponent,
)
from helpers.figures.baselines import LEARNING_LABELS, draw_learning_curves, learning_curves_moving
from helpers.widgets import Dashboard, dropdown, log_slider


def learning_state(baseline: str, alpha_theta: float, alpha_w: float) -> str:
    """The state line: baseline and step sizes as the powers of 2 they snap to."""
    k_t = THETA_EXPONENTS[snap_exponent(alpha_theta, THETA_EXPONENTS, "alpha_theta")]
    k_w = W_EXPONENTS[snap_exponent(alpha_w, W_EXPONENTS, "alpha_w")]
    return f"baseline = {LEARNING_LABELS[baseline]}, α^θ = 2^{k_t}, α^w = 2^{k_w}"


def learning_dashboard() -> Dashboard:
    """The baseline dropdown and the α^θ, α^w sliders (powers of 2)."""
    controls = {
        "baseline": dropdown("baseline", {LEARNING_LABELS[b]: b for b in GRID_BASELINES}, "none"),
        "alpha_theta": log_slider("α^θ", 2.0**-6, THETA_EXPONENTS[0], THETA_EXPONENTS[-1], step=1,
                                  base=2, readout_format=".2e"),
        "alpha_w": log_slider("α^w", 2.0**-3, W_EXPONENTS[0], W_EXPONENTS[-1], step=1, base=2,
                              readout_format=".2e"),
    }
    return Dashboard(learning_curves, draw_learning_curves, controls, learning_state, n_panels=2,
                     panel_size=(4.6, 3.4), moving=learning_curves_moving,
                     frame=lambda baseline, alpha_theta, alpha_w: baseline)


def dashboards() -> dict[str, Dashboard]:
    """Notebook 04's dashboards, by name (timed by ``benchmarks/sliders.py``)."""
    return {"learning": learning_dashboard()}
