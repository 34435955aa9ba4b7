"""The slider pattern used by every notebook: a pure compute function plus a thin view.

A :class:`Dashboard` has

- ``compute(**values)``: a pure function from slider values to data (tested headlessly);
- ``draw(data, axes)``: draws that data on the given axes, nothing else;
- ``moving(data, axes)``, optional: draws only the artists that change with the
  controls and returns them; ``draw`` draws the fixed frame (axes, labels, curves
  that stay), calls ``moving`` and returns what it returned, so the two paths draw
  the same picture;
- ``frame(**values)``, optional: a key of the fixed frame (a dropdown's choice that
  changes the axes); a move that changes it draws everything again;
- ``controls``: the ipywidgets that set ``values``;
- ``state(**values)``: one line of text that says what is shown (``θ = 1.50``),
  shown above the figure so that readers, and browser tests, can see that the
  figure belongs to the current slider values.

``dashboard.view()`` is the live widget (:class:`LiveView`): one persistent figure,
drawn once with ipympl, the matplotlib widget backend; sliders send their values
while they are dragged, and each new value updates only the moving artists, which
are blitted over a cached picture of everything that stays. Values never queue up:
ipywidgets' front end holds back a slider's newer values while the kernel is busy
and then sends only the newest, so the figure follows the handle. Where ipympl's
front end is missing, the view says so in one line and shows still images instead
(:meth:`Dashboard.png_view`). ``dashboard.static(settings)`` draws the same panels
for a few settings side by side, for places where widgets cannot run (GitHub,
nbviewer, the book, a PDF).
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helpers.plotting import subplots

LAYOUT = widgets.Layout(width="460px")
LIVE_WIDTH = 880
"""The widest a live figure is drawn, in pixels: it fits a notebook's output area."""
STYLE = {"description_width": "110px"}


def slider(description: str, value: float, min: float, max: float, step: float,
           readout_format: str = ".2f") -> widgets.FloatSlider:
    """A float slider that sends its value while it is dragged (``continuous_update=True``)."""
    return widgets.FloatSlider(value=value, min=min, max=max, step=step, description=description,
                               readout_format=readout_format, continuous_update=True,
                               layout=LAYOUT, style=STYLE)


def log_slider(description: str, value: float, min_exponent: float, max_exponent: float,
               step: float = 0.25, base: float = 10.0, readout_format: str = ".3g") -> widgets.FloatLogSlider:
    """A slider over base**exponent, for step sizes; sends its value while it is dragged."""
    return widgets.FloatLogSlider(value=value, base=base, min=min_exponent, max=max_exponent, step=step,
                                  description=description, readout_format=readout_format,
                                  continuous_update=True, layout=LAYOUT, style=STYLE)


def int_slider(description: str, value: int, min: int, max: int, step: int = 1) -> widgets.IntSlider:
    """An integer slider that sends its value while it is dragged."""
    return widgets.IntSlider(value=value, min=min, max=max, step=step, description=description,
                             continuous_update=True, layout=LAYOUT, style=STYLE)


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
        ``draw(data, axes) -> artists`` with ``axes`` a sequence of ``n_panels`` Axes;
        returns what ``update`` needs (the artists that move), or None.
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
    moving : callable, optional
        ``moving(data, axes) -> list of Artist``: draws the artists that change with the
        controls and returns them. ``draw`` calls it after the frame's own artists (a
        legend of fixed labels may follow) and returns its result. A live view then
        removes the old moving artists on each move, calls ``moving`` again and blits
        the new ones over a cached picture of the frame. Without it, every move clears
        the axes and draws them again.
    frame : callable, optional
        ``frame(**values) -> key``: the fixed frame depends on the values only through
        this key (for example the choice of a dropdown); when it changes, the live view
        draws everything again. Without it the frame never changes.
    """

    compute: Callable[..., Any]
    draw: Callable[[Any, Sequence[Axes]], Any]
    controls: dict[str, widgets.ValueWidget]
    state: Callable[..., str]
    n_panels: int = 1
    panel_size: tuple[float, float] = (4.6, 3.3)
    title: Callable[..., str] | None = None
    freeze_layout: bool = True
    moving: Callable[[Any, Sequence[Axes]], list[Artist]] | None = None
    frame: Callable[..., Any] | None = None
    _last_seconds: dict[str, float] = field(default_factory=dict, repr=False)
    _layout: tuple[list[str], list[Any]] | None = field(default=None, repr=False)
    _live: LiveView | None = field(default=None, repr=False)

    def values(self) -> dict[str, Any]:
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    def figure(self, **values: Any) -> Figure:
        """Compute and draw one setting into a new pyplot figure (what the still-image view shows)."""
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

    def new_figure(self) -> tuple[Figure, list[Axes]]:
        """An empty figure of this dashboard's panels, not registered with pyplot (never shown by it).

        A live canvas is as many pixels wide as its figure, so the resolution is lowered
        where needed to keep the figure within ``LIVE_WIDTH`` pixels (a notebook's width).
        """
        width, height = self.panel_size
        dpi = min(mpl.rcParams["figure.dpi"], LIVE_WIDTH / (width * self.n_panels))
        fig = Figure(figsize=(width * self.n_panels, height), dpi=dpi)
        axes = fig.subplots(1, self.n_panels, squeeze=False)
        return fig, list(axes[0])

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
        fig.set_layout_engine("none")  # keep it: a live figure is drawn again after every move
        for ax, position in zip(fig.axes, self._layout[1], strict=True):
            ax.set_position(position)

    def _print_and_show(self, **values: Any) -> None:
        print(self.state(**values))
        fig = self.figure(**values)
        display(fig)
        plt.close(fig)

    def view(self) -> widgets.Widget:
        """The live dashboard: the controls, the state line and one persistent figure (:class:`LiveView`).

        A dashboard has one live view at a time: a new one (its cell run again) closes
        the last, which would otherwise go on drawing on every move of the shared controls.
        """
        if self._live is not None:
            self._live.close()
        self._live = LiveView(self)
        return self._live

    def png_view(self) -> widgets.interactive:
        """The still-image dashboard: each move prints the state line and shows a new PNG figure.

        Built on ``ipywidgets.interactive``, which clears the previous output before
        each update (so an error replaces the figure rather than leaving the old one
        behind). The live view falls back to it where ipympl's front end is missing.
        """
        return widgets.interactive(self._print_and_show, **self.controls)

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


def _ipympl() -> tuple[type, type]:
    """Ipympl's canvas and figure manager, leaving pyplot's backend as it was.

    Importing ipympl makes it pyplot's backend; every other figure of a notebook (the
    static ones, drawn with ``plt.show()``) must stay an inline image.
    """
    backend = mpl.get_backend()
    from ipympl.backend_nbagg import Canvas, FigureManager

    if mpl.get_backend() != backend:
        shell = _ipython()
        if shell is not None and "inline" in backend:
            shell.run_line_magic("matplotlib", "inline")
        else:
            plt.switch_backend(backend)
    return Canvas, FigureManager


def _ipython() -> Any:
    from IPython import get_ipython

    return get_ipython()


def _is_fixed_text(artist: Artist) -> bool:
    """Whether an artist is a title its axes or figure keep (set again, never removed)."""
    ax = artist.axes
    if ax is not None and artist in (ax.title, ax._left_title, ax._right_title):
        return True
    return artist is getattr(artist.figure, "_suptitle", None)


STARTING = ("Starting the live figure… If this line stays while the cells have finished running, "
            "ipympl's JupyterLab extension is missing: <code>pip install ipympl</code> in JupyterLab's "
            "environment and reload the page (on Colab: <code>from google.colab import output; "
            "output.enable_custom_widget_manager()</code>). Meanwhile the sliders show still images.")
"""The one line a live view shows until ipympl's front end says it is there."""


def _empty(ax: Axes) -> None:
    """Remove what a draw put on ``ax`` (artists, legend, titles, labels) and let its limits autoscale.

    ``Axes.cla`` would also throw away the tick objects, and building them again is a
    good part of a redraw. The scales, tick positions and fixed limits a draw function
    sets, it sets again each time, so the picture is the one a new figure shows
    (tests/test_live_views.py compares them pixel for pixel).
    """
    for artists in (ax.lines, ax.collections, ax.patches, ax.texts, ax.images, ax.artists, ax.tables):
        for artist in list(artists):
            artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.containers.clear()
    for loc in ("left", "center", "right"):
        ax.set_title("", loc=loc)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.ignore_existing_data_limits = True
    ax.set_autoscale_on(True)


class LiveView(widgets.VBox):
    """A dashboard drawn once into a persistent ipympl figure and updated in place.

    Children: the controls, the state line (an ``HTML`` widget), then the canvas. A
    change of any control computes the new data, updates the moving artists (or
    redraws the axes when the dashboard has no ``update`` path) and sends the new
    frame. The figure is the one :meth:`Dashboard.draw` draws, so the live view and
    the static small multiples show the same picture.

    ``kwargs`` holds the current values and ``result`` the data last drawn, as on an
    ``ipywidgets.interactive``.
    """

    def __init__(self, dashboard: Dashboard) -> None:
        Canvas, FigureManager = _ipympl()

        self.dashboard = dashboard
        self.figure, self.axes = dashboard.new_figure()
        self.canvas = Canvas(self.figure)
        self.canvas.header_visible = False
        self.canvas.footer_visible = False
        self.canvas.toolbar_visible = False
        self.canvas.resizable = False
        self.canvas.capture_scroll = False
        with warnings.catch_warnings():  # ipympl's toolbar calls an old traitlets signature
            warnings.simplefilter("ignore", DeprecationWarning)
            self.manager = FigureManager(self.canvas, 0)
        self.state_line = widgets.HTML(layout=widgets.Layout(margin="2px 0 0 4px"))
        self.error = widgets.HTML()
        self.starting = widgets.HTML(STARTING, layout=widgets.Layout(margin="0 0 0 4px"))
        self.kwargs = dashboard.values()
        self.result: Any = None
        self.seconds: dict[str, float] = {}
        self._moving: list[Artist] = []
        self._background: Any = None
        self._frame: Any = None
        for control in dashboard.controls.values():
            control.observe(self._on_change, names="value")
        self._following = True
        self.canvas.syncing_data_url = False  # no picture to keep in sync before the first frame is ready
        self._draw_all(self.kwargs)
        self.canvas.syncing_data_url = True  # until ipympl's front end says it shows the canvas
        with self._nothing_animated():  # the canvas's size and first picture, as ipympl's display sets them
            first = self.canvas._repr_mimebundle_()["image/png"]
        self._first_png = first  # base64: the still image and the notebook's stored picture
        self._first_state = dashboard.state(**self.kwargs)
        self.still = widgets.Image(value=base64.b64decode(first), format="png")
        super().__init__([*dashboard.controls.values(), self.state_line, self.error, self.starting,
                          self.still, self.canvas])
        self.add_class("pgn-dashboard")  # how the browser tests find a dashboard
        self.canvas.on_msg(self._on_canvas_message)

    # -- drawing ------------------------------------------------------------------------------------

    def _draw_all(self, values: Mapping[str, Any]) -> None:
        """Clear and draw everything for these values, in one render.

        The picture of the frame alone, which later moves blit over, is taken at the
        first such move (:meth:`_keep_frame`), so a run of moves that each change the
        frame (a dropdown, a slider that rescales the axes) costs one render each.
        """
        board = self.dashboard
        self.result = board.compute(**values)
        for ax in self.axes:
            _empty(ax)
        for text in list(self.figure.texts):
            text.remove()
        moving = board.draw(self.result, self.axes)
        if board.title is not None:
            self.figure.suptitle(board.title(**values))
        board._reuse_layout(self.figure)
        self.state_line.value = html.escape(board.state(**values))
        self._frame = board.frame(**values) if board.frame is not None else None
        self._moving = list(moving) if board.moving is not None else []
        self._background = None
        self.canvas.draw()

    def _keep_frame(self) -> None:
        """Render the frame without the moving artists (marked animated) and keep that picture."""
        for artist in self._moving:
            artist.set_animated(True)
        FigureCanvasAgg.draw(self.canvas)  # animated artists are left out
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)

    def _update(self, values: Mapping[str, Any]) -> None:
        """New values: draw the moving artists again over the frame, or draw everything again."""
        board = self.dashboard
        start = time.perf_counter()
        frame = board.frame(**values) if board.frame is not None else None
        if board.moving is None or frame != self._frame:
            self._draw_all(values)
        else:
            if self._background is None:
                self._keep_frame()
            self.result = board.compute(**values)
            for artist in self._moving:
                if not _is_fixed_text(artist):
                    artist.remove()
            self._moving = list(board.moving(self.result, self.axes))
            for artist in self._moving:
                artist.set_animated(True)
            if board.title is not None:
                self.figure.suptitle(board.title(**values))
            self.state_line.value = html.escape(board.state(**values))
            self.canvas.restore_region(self._background)
            self._blit_moving()
        self.seconds = {"update": time.perf_counter() - start}

    def _blit_moving(self) -> None:
        """Draw the moving artists over the frame on the canvas and send the frame to the browser."""
        for artist in self._moving:
            (artist.axes or self.figure).draw_artist(artist)
        self.canvas.blit(self.figure.bbox)

    def _on_change(self, change: Mapping[str, Any]) -> None:
        self.kwargs = self.dashboard.values()
        if getattr(self.comm, "kernel", None) is not None and not self.front_end_ready:
            # A slider moved in a browser whose ipympl front end never said it shows the canvas.
            self.fall_back()
            return
        try:
            self._update(self.kwargs)
            self.error.value = ""
            self.canvas.layout.visibility = "visible"
        except Exception as error:  # shown in place of the figure, never a stale picture under it
            message = html.escape(f"{type(error).__name__}: {error}")
            self.error.value = f"<pre style='color:#b00'>{message}</pre>"
            self.canvas.layout.visibility = "hidden"

    # -- pictures of the figure ------------------------------------------------------------------------

    def pixels(self) -> np.ndarray:
        """The RGBA pixels of the frame on the canvas now (the last blit), shape (height, width, 4)."""
        return np.asarray(self.canvas.buffer_rgba()).copy()

    def redrawn_pixels(self) -> np.ndarray:
        """The RGBA pixels of the whole figure drawn again as it is now, moving artists included."""
        with self._nothing_animated():
            FigureCanvasAgg.draw(self.canvas)
            pixels = self.pixels()
        return pixels

    def png(self) -> bytes:
        """The figure now, as PNG bytes."""
        buffer = io.BytesIO()
        with self._nothing_animated():
            self.figure.savefig(buffer, format="png")
        return buffer.getvalue()

    @contextlib.contextmanager
    def _nothing_animated(self) -> Iterator[None]:
        """Draw the moving artists with the rest for a while (a normal draw skips animated artists)."""
        animated = [artist for artist in self._moving if artist.get_animated()]
        for artist in animated:
            artist.set_animated(False)
        try:
            yield
        finally:
            for artist in animated:
                artist.set_animated(True)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget, with a still image of its first figure for places that cannot run widgets.

        The first figure, not the current one: the stored notebook and the book show the
        setting the cell's code chose, as its state line says.
        """
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["image/png"] = self._first_png
        bundle["text/plain"] = self._first_state
        return bundle

    # -- without ipympl's front end -----------------------------------------------------------------

    @property
    def front_end_ready(self) -> bool:
        """Whether ipympl's front end has said that it shows the canvas."""
        return not self.canvas.syncing_data_url

    def _on_canvas_message(self, canvas: Any, content: Mapping[str, Any], buffers: Any) -> None:
        if content.get("type") == "initialized":  # the canvas is on screen: no still image needed
            self.starting.layout.display = "none"
            self.still.layout.display = "none"

    def _stop_following(self) -> None:
        """No longer redraw when the controls move (once; closing and falling back both do it)."""
        if self._following:
            self._following = False
            for control in self.dashboard.controls.values():
                control.unobserve(self._on_change, names="value")

    def close(self) -> None:
        """Stop following the controls and close the figure (the controls stay, for other views)."""
        self._stop_following()
        self.canvas.close()  # closing a closed widget does nothing
        super().close()

    def fall_back(self) -> None:
        """Replace the canvas by still images of the figure (the PNG view), with one line saying why."""
        self._stop_following()
        still = self.dashboard.png_view()
        self.children = [self.starting, still]


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
