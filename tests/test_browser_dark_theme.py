"""Figures stay readable in JupyterLab's dark theme: opaque, with their own light background.

The test switches JupyterLab to "JupyterLab Dark" through the Settings menu, opens
notebook 02 with its stored outputs (nothing is run), and reads every figure's pixels
in the browser: no pixel may be transparent (a transparent figure would show its dark
text on the dark page), and the figure's corner must be light where the page is dark.
It saves a screenshot beside the test's temporary files for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.jupyterlab_browser import open_notebook

NOTEBOOK = "02_reinforce_demand.ipynb"

# For each <img> output: the smallest alpha over its pixels and the brightness of its corner.
_FIGURE_PIXELS_JS = """() => [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img')].map(img => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let minAlpha = 255;
    for (let i = 3; i < data.length; i += 4) minAlpha = Math.min(minAlpha, data[i]);
    return {minAlpha, corner: (data[0] + data[1] + data[2]) / 3, width: canvas.width};
})"""


@pytest.mark.browser
def test_figures_are_opaque_and_light_in_the_dark_theme(jupyterlab, lab_page, tmp_path):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)
    page.locator('.lm-MenuBar-item:has-text("Settings")').click()
    page.locator('.lm-Menu-item:has-text("Theme")').first.hover()
    page.get_by_role("menuitem", name="JupyterLab Dark", exact=True).click()
    page.wait_for_selector('body[data-jp-theme-name="JupyterLab Dark"]', state="attached")
    page.wait_for_selector('body[data-jp-theme-light="false"]', state="attached")

    images = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img")
    images.first.wait_for(state="visible")
    page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output img')]"
                           ".every(img => img.complete && img.naturalWidth > 0)")
    images.first.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "dark_theme_02.png"))
    page_background = page.evaluate(
        "() => getComputedStyle(document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook'))"
        ".backgroundColor")
    channels = [int(v) for v in page_background[page_background.index("(") + 1:-1].split(",")[:3]]
    assert sum(channels) / 3 < 80, f"the notebook background is not dark: {page_background}"

    figures = page.evaluate(_FIGURE_PIXELS_JS)
    assert len(figures) >= 4
    for number, figure in enumerate(figures, start=1):
        assert figure["width"] > 0
        assert figure["minAlpha"] == 255, f"figure {number} has transparent pixels: {figure}"
        assert figure["corner"] > 200, f"figure {number} has no light background of its own: {figure}"
