"""In-process cost of one slider move of every dashboard control, as the kernel spends it.

Every module in :mod:`helpers.dashboards` exposes ``dashboards()``, a dict of name
to :class:`~helpers.widgets.Dashboard`. For each dashboard and each of its
controls, the control is moved through 20 of the positions a reader can select,
two ways:

- **live**: the live view (:class:`~helpers.widgets.LiveView`, as in a notebook whose
  browser shows ipympl's canvas) from the new value to the frame ready to send:
  compute, the moving artists drawn over the cached frame (or everything drawn
  again), and the PNG of the pixels that changed; the target is 30 ms;
- **still**: compute, a whole new figure and its PNG, as the still-image fallback
  (and every view before the live ones) does.

The figures printed are medians of the 20 moves. Printed, never asserted.

Run: ``python benchmarks/sliders.py``
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets
import matplotlib.pyplot as plt

import helpers.dashboards
from helpers.plotting import use_house_style
from helpers.widgets import Dashboard

MOVES = 20
LIVE_TARGET_MS = 30.0


def control_values(control: widgets.ValueWidget, n: int) -> list:
    """``n`` positions the reader can select, spread over the control's range.

    Sliders move in steps, so the values are taken on the step grid (a dashboard
    may precompute exactly those); a dropdown cycles through its options.
    """
    if isinstance(control, widgets.Dropdown):
        options = [option[1] if isinstance(option, tuple) else option for option in control.options]
        return [options[i % len(options)] for i in range(n)]
    n_steps = round((control.max - control.min) / control.step)
    positions = [round(i * n_steps / (n - 1)) for i in range(n)]
    values = [control.min + k * control.step for k in positions]
    if isinstance(control, widgets.FloatLogSlider):
        return [control.base**v for v in values]
    return [round(v) for v in values] if isinstance(control, widgets.IntSlider) else values


def time_moves(dashboard: Dashboard, name: str) -> list[float]:
    """Seconds from compute to rendered PNG for each of ``MOVES`` values of one control."""
    seconds = []
    for value in control_values(dashboard.controls[name], MOVES):
        start = time.perf_counter()
        fig = dashboard.figure(**{name: value})
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
        seconds.append(time.perf_counter() - start)
    return seconds


def time_live_moves(dashboard: Dashboard, name: str) -> list[float]:
    """Seconds from a new value of one control to the live view's frame, for ``MOVES`` values."""
    view = dashboard.view()
    view.canvas.syncing_data_url = False  # as with ipympl's front end on the page
    control = dashboard.controls[name]
    positions = list(dict.fromkeys(control_values(control, MOVES)))  # a move must change the value
    positions = [value for value in positions if value != control.value] + [control.value]
    seconds = []
    for value in (positions[k % len(positions)] for k in range(MOVES)):
        start = time.perf_counter()
        control.value = value
        seconds.append(time.perf_counter() - start)
    view.close()  # the next control's view is then the only one that follows the controls
    return seconds


def main() -> None:
    use_house_style()
    print(f"one slider move in process, median of {MOVES} moves: live view (target {LIVE_TARGET_MS:.0f} ms) "
          "and still image")
    for info in pkgutil.iter_modules(helpers.dashboards.__path__):
        module = importlib.import_module(f"helpers.dashboards.{info.name}")
        if not hasattr(module, "dashboards"):
            continue
        for dashboard_name, dashboard in module.dashboards().items():
            dashboard.figure()  # warm caches once, as the notebook's first display does
            for control in dashboard.controls:
                live_ms = 1000 * statistics.median(time_live_moves(dashboard, control))
                still_ms = 1000 * statistics.median(time_moves(dashboard, control))
                flag = "" if live_ms <= LIVE_TARGET_MS else "  over target"
                print(f"  {info.name}.{dashboard_name:<24} {control:<12} live {live_ms:7.1f} ms   "
                      f"still {still_ms:7.1f} ms{flag}")


if __name__ == "__main__":
    main()
