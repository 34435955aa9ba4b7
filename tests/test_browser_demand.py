"""Notebook 02 in a real browser: run it in JupyterLab, move the θ and α sliders, see the figures change.

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
    wait_for_output_text,
)

NOTEBOOK = "02_reinforce_demand.ipynb"


def dashboard(page, state_pattern: str):
    """The interactive widget whose printed state line matches ``state_pattern``."""
    return page.locator(".jp-NotebookPanel .widget-interact").filter(
        has_text=re.compile(state_pattern)).first


def readout(widget) -> str:
    """The text next to the dashboard's slider (its current value)."""
    text = widget.locator(".widget-readout").first
    text.scroll_into_view_if_needed()
    return (text.text_content() or "").strip()


def press_right(widget) -> None:
    """Move the dashboard's slider one step to the right with the keyboard."""
    handle = widget.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("ArrowRight")


def figure_source(widget) -> str:
    """The data URL of the figure that the dashboard shows now."""
    image = widget.locator(".widget-output img").first
    image.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    return image.get_attribute("src")


def wait_for_new_figure(page, widget, old_source: str) -> str:
    """Wait until the dashboard's figure is a different image from ``old_source``; return it."""
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
def test_theta_and_alpha_sliders_redraw_notebook_02(jupyterlab, lab_page):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)
    run_all_cells(page)

    # The θ dashboard: policy curve and J(θ); it starts at θ = 1.00.
    wait_for_output_text(page, "θ = 1.00")
    policy = dashboard(page, r"θ = 1\.00")
    assert readout(policy) == "1.00"
    before = figure_source(policy)
    press_right(policy)
    wait_for_output_text(page, "θ = 1.10")
    policy = dashboard(page, r"θ = 1\.10")
    assert readout(policy) == "1.10"
    after = wait_for_new_figure(page, policy, before)
    assert after.startswith("data:image/png")
    assert after != before
    assert page.get_by_text("θ = 1.00", exact=True).count() == 0

    # The α dashboard: learning curves and θ trajectories; it starts at α = 0.100,
    # one step of the log slider (10^0.25) to the right is α = 0.178.
    wait_for_output_text(page, "α = 0.100")
    learning = dashboard(page, r"α = 0\.100")
    assert readout(learning) == "0.100"
    before = figure_source(learning)
    press_right(learning)
    wait_for_output_text(page, "α = 0.178")
    learning = dashboard(page, r"α = 0\.178")
    assert readout(learning) == "0.178"
    after = wait_for_new_figure(page, learning, before)
    assert after.startswith("data:image/png")
    assert after != before
