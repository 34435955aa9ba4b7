"""Notebook 05 in a real browser: press and drag σ, see the state line and the figure follow.

Uses the shared fixtures of ``tests/jupyterlab_browser.py``: a JupyterLab server on a
temporary copy of ``notebooks/`` (stopped by its PID at the end of the run) and headless
Debian Chromium. Without Chromium the test is skipped locally and fails when ``CI=true``.
"""

from __future__ import annotations

import re

import pytest

from tests.jupyterlab_browser import (
    assert_drag_follows,
    dashboard,
    figure_source,
    open_notebook,
    press_widget_slider,
    run_all_cells,
    show_cell,
    wait_for_new_figure,
    wait_for_output_text,
    widget_readout,
)

NOTEBOOK = "05_continuous_actions.ipynb"

# The exploration dashboard's state line, e.g. "σ = 0.5, α = 0.01".
STATE = re.compile(r"σ = ([0-9.]+), α = 0\.01")


@pytest.mark.browser
def test_sigma_slider_redraws_notebook_05(jupyterlab, lab_page):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)
    show_cell(page, "exploration_db.view()")

    # The exploration dashboard starts at σ = 0.5, α = 0.01.
    wait_for_output_text(page, "σ = 0.5, α = 0.01")
    exploration = dashboard(page, r"σ = 0\.5, α = 0\.01")
    before_readout = widget_readout(exploration)
    assert float(before_readout) == pytest.approx(0.5, abs=0.005)
    before = figure_source(exploration)

    # One step of the log slider to the right: a larger σ, printed in the state line.
    press_widget_slider(exploration)
    wait_for_output_text(page, re.compile(r"σ = (?!0\.5,)[0-9.]+, α = 0\.01"))
    exploration = dashboard(page, re.compile(r"σ = (?!0\.5,)[0-9.]+, α = 0\.01"))
    state = STATE.search(exploration.inner_text())
    assert state is not None
    new_sigma = float(state.group(1))
    assert 0.5 < new_sigma < 1.0
    assert float(widget_readout(exploration)) == pytest.approx(new_sigma, rel=0.02)
    after = wait_for_new_figure(page, exploration, before)
    assert after.startswith("data:image/png")
    assert after != before
    assert page.get_by_text("σ = 0.5, α = 0.01", exact=True).count() == 0

    # Dragged: the figure follows the handle, not only its release.
    assert_drag_follows(page, dashboard(page, STATE))  # STATE matches every position of the slider
