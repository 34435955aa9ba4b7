"""Notebook 01 in a real browser: run it in JupyterLab, move the θ slider and the weight menu.

Uses the shared fixtures of ``tests/jupyterlab_browser.py``: a JupyterLab server on a
temporary copy of ``notebooks/`` and headless Debian Chromium. Without Chromium the test
is skipped locally and fails when ``CI=true``.
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

NOTEBOOK = "01_policy_gradient_theorem.ipynb"


@pytest.mark.browser
def test_theta_slider_and_weight_menu_redraw_notebook_01(jupyterlab, lab_page):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)

    wait_for_output_text(page, "θ = 1.00, weight R(τ)")
    widget = dashboard(page, re.compile(re.escape("θ = 1.00, weight R(τ)")))
    readout = widget.locator(".widget-readout").first
    assert (readout.text_content() or "").strip() == "1.00"
    before = figure_source(widget)
    assert before.startswith("data:image/png")

    handle = widget.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("ArrowRight")

    wait_for_output_text(page, "θ = 1.10, weight R(τ)")
    widget = dashboard(page, re.compile(re.escape("θ = 1.10, weight R(τ)")))
    assert (widget.locator(".widget-readout").first.text_content() or "").strip() == "1.10"
    after = wait_for_new_figure(page, widget, before)
    assert after != before
    assert page.get_by_text("θ = 1.00, weight R(τ)", exact=True).count() == 0

    # The weight menu re-weights the same episodes by the reward-to-go.
    widget.locator("select").first.select_option(label="G_t, reward-to-go")
    wait_for_output_text(page, "θ = 1.10, weight Gₜ")
    widget = dashboard(page, re.compile(re.escape("θ = 1.10, weight Gₜ")))
    assert wait_for_new_figure(page, widget, after) != after

    # Dragged: the figure follows the handle, not only its release.
    assert_drag_follows(page, dashboard(page, has_label="θ"))
