"""The browser machinery works: JupyterLab runs a notebook and a slider drives its output."""

from __future__ import annotations

import pytest

from tests.jupyterlab_browser import (
    open_notebook,
    press_slider,
    run_all_cells,
    slider_readout,
    wait_for_output_text,
    write_notebook,
)

SLIDER_NOTEBOOK_CELLS = [
    "import ipywidgets as widgets\nfrom IPython.display import display",
    """\
slider = widgets.IntSlider(value=3, min=0, max=10, description="n")
out = widgets.Output()


def show(change=None):
    out.clear_output()
    with out:
        print(f"value = {slider.value}")


slider.observe(show, names="value")
show()
display(slider, out)""",
]


@pytest.mark.browser
def test_slider_moves_and_its_observer_prints(jupyterlab, lab_page):
    name = "browser_smoke_slider.ipynb"
    write_notebook(jupyterlab.root_dir / name, SLIDER_NOTEBOOK_CELLS)

    open_notebook(lab_page, jupyterlab, name)
    run_all_cells(lab_page)
    wait_for_output_text(lab_page, "value = 3")
    assert slider_readout(lab_page, "n") == "3"

    press_slider(lab_page, "n", "ArrowRight")

    wait_for_output_text(lab_page, "value = 4")
    assert slider_readout(lab_page, "n") == "4"
    assert lab_page.get_by_text("value = 3").count() == 0
