"""The slider pattern used by every notebook: a pure compute function plus a thin view.

A :class:`Dashboard` has

- ``compute(**values)``: a pure function from slider values to data (tested headlessly);
- ``draw(data, axes)``: draws that data on the given axes, nothing else;
- ``controls``: the ipywidgets that set ``values``; sliders update on release;
- ``state(**values)``: one line of text that says what is shown (``θ = 1.50``),
  printed above the figure so that readers, and browser tests, can see that the
  figure belongs to the current slider values.

``dashboard.view()`` is the live widget; ``dashboard.static(settings)`` draws the
same panels for a few settings side by side, the fallback for places where
widgets cannot run (GitHub, nbviewer, a PDF). Each update replaces the previous
figure, and an error is shown in its place, so no stale figure stays on screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers.plotting import subplots

LAYOUT = widgets.Layout(width="460px")
STYLE = {"description_width": "110px"}


def slider(description: str, value: float, min: float, max: float, step: float,
           readout_format: str = ".2f") -> widgets.FloatSlider:
    """A float slider that updates on release (``continuous_update=False``)."""
    return widgets.FloatSlider(value=value, min=min, max=max, step=step, description=description,
                               readout_format=readout_format, continuous_update=False,
                               layout=LAYOUT, style=STYLE)


def log_slider(description: str, value: float, min_exponent: float, max_exponent: float,
               step: float = 0.25, base: float = 10.0, readout_format: str = ".3g") -> widgets.FloatLogSlider:
    """A slider over base**exponent, for step sizes; updates on release."""
    return widgets.FloatLogSlider(value=value, base=base, min=min_exponent, max=max_exponent, step=step,
                                  description=description, readout_format=readout_format,
                                  continuous_update=False, layout=LAYOUT, style=STYLE)


def int_slider(description: str, value: int, min: int, max: int, step: int = 1) -> widgets.IntSlider:
    """An integer slider that updates on release."""
    return widgets.IntSlider(value=value, min=min, max=max, step=step, description=description,
                             continuous_update=False, layout=LAYOUT, style=STYLE)


def dropdown(description: str, options: Sequence[Any] | Mapping[str, Any], value: Any) -> widgets.Dropdown:
    """A dropdown menu of options, or of named options given as a mapping of label to value."""
    if isinstance(options, Mapping):
        options = list(options.items())
    return widgets.Dropdown(options=options, value=value, description=description,
                            layout=LAYOUT, style=STYLE)


@dataclass
class Dashboard:
    """A pure compute function and a drawing function wired to controls.

    Parameters
    ----------
    compute : callable
        ``compute(**values) -> data``. Pure: no drawing, no global state.
    draw : callable
        ``draw(data, axes)`` with ``axes`` a sequence of ``n_panels`` Axes.
    controls : dict of str to ipywidgets.ValueWidget
        One control per keyword argument of ``compute``.
    state : callable
        ``state(**values) -> str``, for example ``lambda theta: f"θ = {theta:.2f}"``.
    n_panels : int
        How many axes ``draw`` fills, side by side.
    panel_size : (float, float)
        The size of one panel in inches.
    title : callable, optional
        ``title(**values) -> str``, a figure title (the static view uses ``state``
        when this is not given).
    freeze_layout : bool
        Lay the figure out once and keep that layout for every later setting
        (faster; set False when tick labels change width a lot between settings).
    """

    compute: Callable[..., Any]
    draw: Callable[[Any, Sequence[Axes]], None]
    controls: dict[str, widgets.ValueWidget]
    state: Callable[..., str]
    n_panels: int = 1
    panel_size: tuple[float, float] = (4.6, 3.3)
    title: Callable[..., str] | None = None
    freeze_layout: bool = True
    _last_seconds: dict[str, float] = field(default_factory=dict, repr=False)
    _layout: tuple[list[str], list[Any]] | None = field(default=None, repr=False)

    def values(self) -> dict[str, Any]:
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    def figure(self, **values: Any) -> Figure:
        """Compute and draw one setting into a new figure (what the view shows)."""
        values = {**self.values(), **values}
        start = time.perf_counter()
        data = self.compute(**values)
        computed = time.perf_counter()
        fig, axes = subplots(self.n_panels, panel_size=self.panel_size)
        self.draw(data, list(axes[0]))
        if self.title is not None:
            fig.suptitle(self.title(**values))
        self._reuse_layout(fig)
        self._last_seconds.update(compute=computed - start, draw=time.perf_counter() - computed)
        return fig

    def _reuse_layout(self, fig: Figure) -> None:
        """Solve the constrained layout for the first figure only; later figures reuse it.

        Solving it again on every slider move costs about a third of a redraw.
        A figure with other axes than the first (a colour bar that comes and
        goes) is laid out afresh.
        """
        if not self.freeze_layout:
            return
        shape = [type(ax).__name__ for ax in fig.axes]
        if self._layout is not None and self._layout[0] == shape:
            fig.set_layout_engine("none")
            for ax, position in zip(fig.axes, self._layout[1], strict=True):
                ax.set_position(position)
            return
        engine = fig.get_layout_engine()
        if engine is not None:
            engine.execute(fig)
        self._layout = (shape, [ax.get_position() for ax in fig.axes])

    def _update(self, **values: Any) -> None:
        print(self.state(**values))
        fig = self.figure(**values)
        display(fig)
        plt.close(fig)

    def view(self) -> widgets.Widget:
        """The live dashboard: the controls, the state line and the figure.

        Built on ``ipywidgets.interactive``, which clears the previous output
        before each update (so an error replaces the figure rather than leaving
        the old one behind).
        """
        return widgets.interactive(self._update, **self.controls)

    def static(self, settings: Sequence[Mapping[str, Any]], *, suptitle: str | None = None) -> Figure:
        """Small multiples: one row of panels per setting, each titled with its state line."""
        n = len(settings)
        if n == 0:
            raise ValueError("settings must hold at least one setting")
        if self.n_panels == 1:
            fig, axes = subplots(n, panel_size=self.panel_size)
            rows = [[ax] for ax in axes[0]]
        else:
            fig, axes = subplots(self.n_panels, panel_size=self.panel_size, n_rows=n)
            rows = [list(row) for row in axes]
        for setting, row in zip(settings, rows, strict=True):
            values = {**self.values(), **setting}
            self.draw(self.compute(**values), row)
            label = self.state(**values)
            if self.n_panels == 1:
                row[0].set_title(label)
            else:
                row[0].annotate(label, xy=(0, 1.12), xycoords="axes fraction", fontweight="bold")
        if suptitle:
            fig.suptitle(suptitle)
        return fig

    def timings(self) -> dict[str, float]:
        """Seconds spent computing and drawing in the last :meth:`figure` call."""
        return dict(self._last_seconds)


def format_values(values: Mapping[str, Any], symbols: Mapping[str, str],
                  formats: Mapping[str, str] | None = None) -> str:
    """``"θ = 1.50, α = 0.1"`` from slider values, their symbols and formats."""
    formats = formats or {}
    parts = []
    for name, symbol in symbols.items():
        value = values[name]
        fmt = formats.get(name, ".2f" if isinstance(value, float | np.floating) else "")
        parts.append(f"{symbol} = {value:{fmt}}")
    return ", ".join(parts)
