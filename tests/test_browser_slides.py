"""Lecture mode in a real browser: notebook 02 opens as reveal.js slides through jupyterlab-rise.

The test presses the notebook toolbar's RISE button (the command ``RISE:preview``,
"Render as Reveal Slideshow", also in the View menu and on Alt+R), waits for the
reveal.js slideshow in the preview panel's frame, checks that the first slide shows
the notebook's title and that the setup cell (slide type "skip") is not on it, and
saves a screenshot to ``/tmp/slides.png``. Uses the shared fixtures of
``tests/jupyterlab_browser.py``; without Chromium the test is skipped locally and
fails when ``CI=true``.
"""

from __future__ import annotations

import pytest

from tests.jupyterlab_browser import STEP_TIMEOUT_MS, open_notebook

NOTEBOOK = "02_reinforce_demand.ipynb"
TITLE = "02 · REINFORCE on the demand problem"
SCREENSHOT = "/tmp/slides.png"


@pytest.mark.browser
def test_rise_button_shows_the_title_slide_of_notebook_02(jupyterlab, lab_page):
    page = lab_page
    open_notebook(page, jupyterlab, NOTEBOOK)

    button = page.locator(".jp-NotebookPanel-toolbar [data-jp-item-name='RISE-button'] button")
    button.click()

    frame_element = page.locator(".jp-MainAreaWidget iframe").first
    frame_element.wait_for(state="visible")
    assert f"rise/{NOTEBOOK}" in (frame_element.get_attribute("src") or "")
    slides = page.frame_locator(".jp-MainAreaWidget iframe").first
    current = slides.locator(".reveal .slides > section.present").first
    current.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    title = current.locator("h1").first
    title.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)

    assert TITLE in (title.text_content() or "")
    # One top-level section per slide: the title and the notebook's sections.
    assert slides.locator(".reveal .slides > section").count() >= 5
    # JupyterLab asks once whether to fetch news; answer so the toast leaves the picture.
    news_answer = page.locator(".jp-toast-button", has_text="No")
    if news_answer.count():
        news_answer.first.click()
    page.wait_for_timeout(1000)  # let the slide transition finish before the picture
    page.screenshot(path=SCREENSHOT)
    # The setup cell (slide type "skip") is in the page but not shown on the slide.
    setup = current.locator(".jp-CodeCell").filter(has_text="use_house_style()")
    assert setup.count() == 1
    assert not setup.first.is_visible()
    assert "use_house_style" not in current.inner_text()

    # The next slide is section 1 of the notebook.
    current.click()
    page.keyboard.press("ArrowRight")
    section_1 = slides.locator(".reveal .slides > section.present h2").first
    section_1.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    assert "1 · The problem: order MORE or LESS" in (section_1.text_content() or "")
