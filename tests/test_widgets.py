"""The slider pattern (helpers.widgets) and the exercise feedback (helpers.exercises)."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.layout_engine import ConstrainedLayoutEngine

from helpers.exercises import Feedback, compare_numbers
from helpers.plotting import HOUSE_STYLE
from helpers.widgets import Dashboard, LiveView, dropdown, format_values, slider


def sine_dashboard(**kwargs) -> Dashboard:
    def compute(frequency, shift):
        x = np.linspace(0, 1, 50)
        return x, np.sin(2 * np.pi * frequency * x) + shift

    def draw(data, axes):
        axes[0].plot(*data)
        axes[0].set_ylim(-3, 3)
        axes[1].hist(data[1], bins=10)

    controls = {"frequency": slider("frequency", 1.0, 0.5, 3.0, 0.5),
                "shift": dropdown("shift", {"none": 0.0, "up": 1.0}, 0.0)}
    return Dashboard(compute, draw, controls,
                     lambda frequency, shift: f"f = {frequency:.2f}, shift = {shift:+.1f}", n_panels=2,
                     **kwargs)


def test_view_calls_compute_with_the_controls_values():
    dashboard = sine_dashboard()
    view = dashboard.view()
    assert isinstance(view, LiveView)
    assert view.state_line.value == "f = 1.00, shift = +0.0"
    before = view.pixels()
    view.children[0].value = 2.5
    view.children[1].value = 1.0
    assert view.kwargs == {"frequency": 2.5, "shift": 1.0}
    assert view.state_line.value == "f = 2.50, shift = +1.0"
    assert not np.array_equal(view.pixels(), before)
    assert view.children[-1] is view.canvas  # one persistent figure, drawn again in place
    plt.close("all")


def test_a_redrawn_figure_starts_from_what_a_new_figure_starts_from():
    """Redrawing in place keeps the axes but not what the last draw set: limits autoscale again."""
    def draw(data, axes):
        axes[0].plot(data)
        if data[-1] > 20:  # only large data fixes the limits
            axes[0].set_xlim(0, 2)

    controls = {"scale": slider("scale", 8.0, 1.0, 10.0, 1.0)}
    board = Dashboard(lambda scale: np.arange(5) * scale, draw, controls, lambda scale: f"scale = {scale:g}",
                      n_panels=1)
    view = board.view()
    assert view.axes[0].get_xlim() == (0, 2)
    controls["scale"].value = 2.0
    _, axes = board.new_figure()
    draw(np.arange(5) * 2.0, axes)
    assert view.axes[0].get_xlim() == axes[0].get_xlim() != (0, 2)
    assert view.axes[0].get_ylim() == axes[0].get_ylim()
    plt.close("all")


def test_a_new_view_closes_the_last_which_no_longer_follows_the_controls():
    board = sine_dashboard()
    first = board.view()
    second = board.view()  # the cell run again
    board.controls["frequency"].value = 2.0
    assert first.kwargs["frequency"] == 1.0
    assert second.kwargs["frequency"] == 2.0
    assert second.state_line.value == "f = 2.00, shift = +0.0"
    second.close()
    second.close()  # closing twice is harmless
    board.controls["frequency"].value = 2.5
    assert second.kwargs["frequency"] == 2.0
    plt.close("all")


def test_sliders_send_values_while_dragged():
    assert slider("x", 0.0, 0.0, 1.0, 0.1).continuous_update is True


def test_a_failing_update_shows_the_error_in_place_of_the_figure():
    def compute(frequency, shift):
        if frequency > 2:
            raise ValueError("frequency too high for this test")
        return np.linspace(0, 1, 5), np.zeros(5) + shift

    controls = {"frequency": slider("frequency", 1.0, 0.5, 3.0, 0.5),
                "shift": dropdown("shift", {"none": 0.0, "up": 1.0}, 0.0)}
    view = Dashboard(compute, lambda data, axes: axes[0].plot(*data), controls,
                     lambda frequency, shift: f"f = {frequency:.2f}").view()
    view.children[0].value = 3.0
    assert "ValueError: frequency too high for this test" in view.error.value
    assert view.canvas.layout.visibility == "hidden"
    view.children[0].value = 1.5
    assert view.error.value == ""
    assert view.canvas.layout.visibility == "visible"


def test_without_ipympls_front_end_the_view_falls_back_to_still_images(capsys):
    dashboard = sine_dashboard()
    view = dashboard.view()
    view.fall_back()
    note, still = view.children
    assert "pip install ipympl" in note.value
    assert isinstance(still, widgets.interactive)
    assert "f = 1.00, shift = +0.0" in capsys.readouterr().out
    still.children[0].value = 2.0
    assert "f = 2.00, shift = +0.0" in capsys.readouterr().out
    again = dashboard.view()  # the cell run again closes the view that fell back
    assert again.kwargs["frequency"] == 2.0
    plt.close("all")


def test_the_live_view_carries_a_still_image_for_the_book():
    view = sine_dashboard().view()
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"]
    assert bundle["text/plain"] == "f = 1.00, shift = +0.0"


def test_dropdown_from_a_mapping_offers_labels_and_returns_values():
    menu = dropdown("shift", {"none": 0.0, "up": 1.0}, 1.0)
    assert menu.options == (("none", 0.0), ("up", 1.0))
    assert menu.value == 1.0
    assert menu.label == "up"


def test_static_draws_one_row_per_setting_titled_with_its_state():
    fig = sine_dashboard().static([{"frequency": 1.0}, {"frequency": 2.0, "shift": 1.0}])
    assert len(fig.axes) == 4
    labels = [text.get_text() for ax in fig.axes for text in ax.texts]
    assert labels == ["f = 1.00, shift = +0.0", "f = 2.00, shift = +1.0"]
    plt.close(fig)


def test_static_needs_a_setting():
    with pytest.raises(ValueError, match="settings must hold at least one setting"):
        sine_dashboard().static([])


@pytest.mark.parametrize("freeze", [True, False])
@mpl.rc_context(HOUSE_STYLE)  # constrained layout, as in the notebooks
def test_later_figures_reuse_the_first_layout_when_frozen(freeze):
    dashboard = sine_dashboard(freeze_layout=freeze)
    first = dashboard.figure(frequency=1.0)
    first.canvas.draw()
    second = dashboard.figure(frequency=3.0, shift=1.0)
    second.canvas.draw()
    same = [np.allclose(a.get_position().bounds, b.get_position().bounds)
            for a, b in zip(first.axes, second.axes, strict=True)]
    assert isinstance(second.get_layout_engine(), ConstrainedLayoutEngine) != freeze
    assert all(same)  # the same panels, laid out alike either way
    assert set(dashboard.timings()) == {"compute", "draw"}
    plt.close("all")


def test_format_values():
    assert format_values({"theta": 1.5, "n": 3}, {"theta": "θ", "n": "n"}) == "θ = 1.50, n = 3"


@pytest.mark.parametrize(("answer", "expected", "correct", "phrase"), [
    (1.0, 1.0, True, "= 1."),
    (-2.0, 2.0, False, "wrong sign"),
    (1.0, 4.0, False, "has the right sign but is 4 times too small"),
    (1.4701, 1.470112, False, "close but not exact"),
    ([2.0, 4.0], [1.0, 2.0], False, "points the right way but is 2 times too large"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], False, "has shape (3,); expected shape (2,)"),
    ("one", 1.0, False, "should be a number"),
    (float("nan"), 1.0, False, "NaN"),
])
def test_compare_numbers_explains_what_is_wrong(answer, expected, correct, phrase):
    feedback = compare_numbers(answer, expected)
    assert isinstance(feedback, Feedback)
    assert bool(feedback) is correct
    assert phrase in feedback.message
    assert ("Correct" if correct else "Not yet") in repr(feedback)
    assert feedback._repr_markdown_().startswith("✅" if correct else "❌")
