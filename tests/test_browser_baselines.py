"""Notebook 04 in a real browser: run it, change the baseline dropdown and α^θ, see the figure change.

Uses the shared fixtures of ``tests/jupyterlab_browser.py`` (a JupyterLab server on a
temporary copy of ``notebooks/``, headless Debian Chromium).
"""

from __future__ import annotations

import re

import pytest

from tests.jupyterlab_browser import (
    assert_drag_follows,
    dashboard,
    figure_source,
    open_notebook,
    run_all_cells,
    wait_for_new_figure,
    wait_for_output_text,
)

NOTEBOOK = "04_baselines.ipynb"
START = "baseline = no baseline, α^θ = 2^-6, α^w = 2^-3"


@pytest.mark.browser
def test_baseline_dropdown_and_step_size_redraw_notebook_04(jupyterlab, lab_page):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)

    wait_for_output_text(page, START)
    widget = dashboard(page, re.escape(START))
    before = figure_source(widget)

    # The dropdown: from no baseline to the exact v_π.
    select = widget.locator("select").first
    select.scroll_into_view_if_needed()
    select.select_option(label="exact v_π(s)")
    changed = "baseline = exact v_π(s), α^θ = 2^-6"
    wait_for_output_text(page, changed)
    widget = dashboard(page, re.escape(changed))
    after = wait_for_new_figure(page, widget, before)
    assert after.startswith("data:image/png")
    assert after != before
    assert page.get_by_text(START, exact=True).count() == 0

    # The α^θ slider, one power of 2 to the right.
    handle = widget.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("ArrowRight")
    moved = "baseline = exact v_π(s), α^θ = 2^-5"
    wait_for_output_text(page, moved)
    widget = dashboard(page, re.escape(moved))
    assert wait_for_new_figure(page, widget, after) != after

    # Dragged: the figure follows the handle, not only its release.
    assert_drag_follows(page, dashboard(page, has_label="α^θ"), fraction=-0.55)  # 2^-6 to 2^-9
