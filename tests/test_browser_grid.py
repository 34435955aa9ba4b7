"""Notebook 03 in a real browser: run it in JupyterLab, move the θ1 and θ2 sliders, see the figure change.

Uses the shared fixtures of ``tests/jupyterlab_browser.py``: a JupyterLab server on a
temporary copy of ``notebooks/`` (stopped by its PID at the end of the run) and headless
Debian Chromium. Without Chromium the test is skipped locally and fails when ``CI=true``.
"""

from __future__ import annotations

import pytest

from tests.jupyterlab_browser import (
    assert_drag_follows,
    dashboard,
    figure_source,
    open_notebook,
    press_slider,
    run_all_cells,
    slider_readout,
    wait_for_new_figure,
    wait_for_output_text,
)

NOTEBOOK = "03_reinforce_grid.ipynb"
THETA1, THETA2 = "θ₁ (left)", "θ₂ (right)"


@pytest.mark.browser
def test_theta_sliders_redraw_the_policy_and_the_landscape_marker(jupyterlab, lab_page):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)

    widget = dashboard(page, has_label=THETA1)
    wait_for_output_text(page, "θ = (0.00, 0.00)")
    assert slider_readout(page, THETA1) == "0.00"
    assert slider_readout(page, THETA2) == "0.00"
    first = figure_source(widget)

    press_slider(page, THETA1, "ArrowRight")
    wait_for_output_text(page, "θ = (0.50, 0.00)")
    assert slider_readout(page, THETA1) == "0.50"
    second = wait_for_new_figure(page, widget, first)
    assert widget.get_by_text("θ = (0.00, 0.00)").count() == 0

    press_slider(page, THETA2, "ArrowLeft")
    wait_for_output_text(page, "θ = (0.50, -0.50)")
    assert slider_readout(page, THETA2) == "-0.50"
    third = wait_for_new_figure(page, widget, second)
    assert len({first, second, third}) == 3
    assert widget.get_by_text("θ = (0.50, 0.00)").count() == 0

    # Dragged: the figure follows the handle, not only its release.
    assert_drag_follows(page, dashboard(page, has_label=THETA1))
