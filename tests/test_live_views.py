"""The live views of every dashboard: the update path draws what the draw path draws.

For every control of every dashboard, the view is built at the control's first
position and the control is moved to other positions; after each move the figure
must show the same picture as a figure drawn from scratch for the new values:

- the figure as a whole, rendered again (the artists' state after ``update``), pixel
  for pixel;
- the frame on the canvas (the moving artists blitted over the cached background)
  up to a few pixels where a moving artist crosses one drawn above it (a legend).

The state line follows every move, and no move leaves an error in place of the figure.
"""

from __future__ import annotations

import importlib
import pkgutil

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import helpers.dashboards
from helpers.plotting import use_house_style
from helpers.widgets import Dashboard, LiveView

BLIT_TOLERANCE = 0.01
"""Largest share of the canvas's pixels that may differ between a blitted frame and a fresh drawing."""


def all_dashboards() -> list[tuple[str, Dashboard]]:
    boards = []
    for module in pkgutil.iter_modules(helpers.dashboards.__path__):
        topic = importlib.import_module(f"helpers.dashboards.{module.name}")
        if hasattr(topic, "dashboards"):
            boards += [(f"{module.name}.{name}", board) for name, board in topic.dashboards().items()]
    return boards


def positions(control: widgets.ValueWidget) -> list:
    """Three values of a control other than its first one, spread over its range, on its step grid."""
    if isinstance(control, widgets.Dropdown):
        options = [option[1] if isinstance(option, tuple) else option for option in control.options]
        return [option for option in options if option != control.value][:3]
    steps = round((control.max - control.min) / control.step)
    grid = [control.min + control.step * round(steps * f) for f in (0.8, 0.2, 0.55)]
    if isinstance(control, widgets.FloatLogSlider):
        return [control.base**v for v in grid]
    return [round(v) for v in grid] if isinstance(control, widgets.IntSlider) else grid


def draw_from_scratch(board: Dashboard, values: dict) -> np.ndarray:
    """A new figure drawn by the draw path for these values, laid out as the live view is."""
    fig, axes = board.new_figure()
    FigureCanvasAgg(fig)
    board.draw(board.compute(**values), axes)
    if board.title is not None:
        fig.suptitle(board.title(**values))
    board._reuse_layout(fig)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


CASES = [(name, board, control) for name, board in all_dashboards() for control in board.controls]


@pytest.fixture(autouse=True)
def house_style():
    with mpl.rc_context():
        use_house_style()
        yield


@pytest.mark.parametrize(("name", "board", "control"), CASES, ids=[f"{n}-{c}" for n, _, c in CASES])
def test_update_path_draws_what_the_draw_path_draws(name, board, control):
    view = board.view()
    assert isinstance(view, LiveView)
    for value in positions(board.controls[control]):
        board.controls[control].value = value
        assert view.error.value == "", view.error.value
        values = board.values()
        assert view.kwargs == values
        assert view.state_line.value == board.state(**values).replace("&", "&amp;").replace("<", "&lt;")
        blitted = view.pixels()
        redrawn = view.redrawn_pixels()
        expected = draw_from_scratch(board, values)
        assert redrawn.shape == expected.shape
        np.testing.assert_array_equal(redrawn, expected, err_msg=f"{name}: {values}")
        differing = np.any(blitted != expected, axis=-1).mean()
        assert differing <= BLIT_TOLERANCE, f"{name}: {differing:.2%} of the pixels differ after a blit"
    view.close()
