"""Notebook 03 in a real browser: run it in JupyterLab, move the θ1 and θ2 sliders, see the figure change.

Uses the shared fixtures of ``tests/jupyterlab_browser.py``: a JupyterLab server on a
temporary copy of ``notebooks/`` (stopped by its PID at the end of the run) and headless
Debian Chromium. Without Chromium the test is skipped locally and fails when ``CI=true``.
"""

from __future__ import annotations

import re

import pytest

from tests.jupyterlab_browser import (
    STEP_TIMEOUT_MS,
    open_notebook,
    run_all_cells,
    slider,
    wait_for_output_text,
)

NOTEBOOK = "03_reinforce_grid.ipynb"
THETA1, THETA2 = "θ₁ (left)", "θ₂ (right)"


def policy_dashboard(page):
    """The θ dashboard's widget: the interactive box that holds the θ₁ slider."""
    label = page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(THETA1)}\s*$"))
    return page.locator(".jp-NotebookPanel .widget-interact").filter(has=label).first


def readout(page, description: str) -> str:
    """The value shown next to a slider, scrolled into view first (JupyterLab renders lazily).

    The readout writes negative numbers with a Unicode minus; it is returned as "-".
    """
    text = slider(page, description).locator(".widget-readout").first
    text.scroll_into_view_if_needed()
    return (text.text_content() or "").strip().replace("\u2212", "-")


def press(page, description: str, key: str) -> None:
    """Press ``key`` once on the handle of the slider ``description``."""
    handle = slider(page, description).locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press(key)


def figure_source(widget) -> str:
    """The data URL of the figure the dashboard shows now."""
    image = widget.locator(".widget-output img").first
    image.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    return image.get_attribute("src")


def wait_for_new_figure(page, widget, old_source: str) -> str:
    """Wait until the dashboard shows a different image from ``old_source``; return it."""
    page.wait_for_function(
        """([root, old]) => {
            const img = root.querySelector('.widget-output img');
            return img !== null && img.getAttribute('src') !== old;
        }""",
        arg=[widget.element_handle(), old_source],
        timeout=STEP_TIMEOUT_MS,
    )
    return figure_source(widget)


@pytest.mark.browser
def test_theta_sliders_redraw_the_policy_and_the_landscape_marker(jupyterlab, lab_page):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)

    widget = policy_dashboard(page)
    wait_for_output_text(page, "θ = (0.00, 0.00)")
    assert readout(page, THETA1) == "0.00"
    assert readout(page, THETA2) == "0.00"
    first = figure_source(widget)

    press(page, THETA1, "ArrowRight")
    wait_for_output_text(page, "θ = (0.50, 0.00)")
    assert readout(page, THETA1) == "0.50"
    second = wait_for_new_figure(page, widget, first)
    assert widget.get_by_text("θ = (0.00, 0.00)").count() == 0

    press(page, THETA2, "ArrowLeft")
    wait_for_output_text(page, "θ = (0.50, -0.50)")
    assert readout(page, THETA2) == "-0.50"
    third = wait_for_new_figure(page, widget, second)
    assert len({first, second, third}) == 3
    assert widget.get_by_text("θ = (0.50, 0.00)").count() == 0
