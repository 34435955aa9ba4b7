"""Notebook 06 in a real browser: press and drag the ratio r, see the state line and the figure follow.

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

NOTEBOOK = "06_beyond_one_update.ipynb"

# The clipped-objective dashboard's state line, e.g. "r = 1.30, Â = +1.00, ε = 0.20".
START = "r = 1.30, Â = +1.00, ε = 0.20"
STATE = re.compile(r"r = ([0-9.]+), Â = \+1\.00, ε = 0\.20")


@pytest.mark.browser
def test_ratio_slider_redraws_notebook_06(jupyterlab, lab_page):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)
    show_cell(page, "clipped_db.view()")

    # The clipped dashboard starts at r = 1.3, Â = +1, ε = 0.2.
    wait_for_output_text(page, START)
    clipped = dashboard(page, re.escape(START))
    assert float(widget_readout(clipped)) == pytest.approx(1.3, abs=0.005)
    before = figure_source(clipped)

    # One step of the slider to the right: a larger ratio, printed in the state line.
    press_widget_slider(clipped)
    moved = re.compile(r"r = (?!1\.30,)[0-9.]+, Â = \+1\.00, ε = 0\.20")
    wait_for_output_text(page, moved)
    clipped = dashboard(page, moved)
    state = STATE.search(clipped.inner_text())
    assert state is not None
    new_ratio = float(state.group(1))
    assert 1.3 < new_ratio < 1.5
    assert float(widget_readout(clipped)) == pytest.approx(new_ratio, abs=0.005)
    after = wait_for_new_figure(page, clipped, before)
    assert after != before
    assert page.get_by_text(START, exact=True).count() == 0

    # Dragged: the figure follows the handle, not only its release.
    assert_drag_follows(page, dashboard(page, STATE))  # STATE matches every position of the slider
