"""Notebook 02 in a real browser: run it in JupyterLab, move the θ and α sliders, see the figures change.

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
    press_widget_slider,
    run_all_cells,
    wait_for_new_figure,
    wait_for_output_text,
    widget_readout,
)

NOTEBOOK = "02_reinforce_demand.ipynb"


@pytest.mark.browser
def test_theta_and_alpha_sliders_redraw_notebook_02(jupyterlab, lab_page):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)

    # The θ dashboard: policy curve and J(θ); it starts at θ = 1.00.
    wait_for_output_text(page, "θ = 1.00")
    policy = dashboard(page, r"θ = 1\.00")
    assert widget_readout(policy) == "1.00"
    before = figure_source(policy)
    press_widget_slider(policy)
    wait_for_output_text(page, "θ = 1.10")
    policy = dashboard(page, r"θ = 1\.10")
    assert widget_readout(policy) == "1.10"
    after = wait_for_new_figure(page, policy, before)
    assert after.startswith("data:image/png")
    assert after != before
    assert page.get_by_text("θ = 1.00", exact=True).count() == 0

    # The α dashboard: learning curves and θ trajectories; it starts at α = 0.100,
    # one step of the log slider (10^0.25) to the right is α = 0.178.
    wait_for_output_text(page, "α = 0.100")
    learning = dashboard(page, r"α = 0\.100")
    assert widget_readout(learning) == "0.100"
    before = figure_source(learning)
    press_widget_slider(learning)
    wait_for_output_text(page, "α = 0.178")
    learning = dashboard(page, r"α = 0\.178")
    assert widget_readout(learning) == "0.178"
    after = wait_for_new_figure(page, learning, before)
    assert after.startswith("data:image/png")
    assert after != before

    # Dragged: the figure follows the handle, not only its release.
    assert_drag_follows(page, dashboard(page, has_label="θ"))
    assert_drag_follows(page, dashboard(page, has_label="α"))
