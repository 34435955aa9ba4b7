"""Latency of every slider callback: compute plus draw, as a reader waits for it.

Every module in :mod:`helpers.dashboards` exposes ``dashboards()``, a dict of name
to :class:`~helpers.widgets.Dashboard`. For each dashboard and each of its
controls, the control is moved through 20 of the positions a reader can select;
each move is timed from the call of ``compute`` to a rendered PNG (what the
inline backend sends to the browser). The figure printed is the median of the 20; the target is 100 ms.

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
TARGET_MS = 100.0


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


def main() -> None:
    use_house_style()
    print(f"slider latency, compute + draw to PNG, median of {MOVES} moves (target {TARGET_MS:.0f} ms)")
    for info in pkgutil.iter_modules(helpers.dashboards.__path__):
        module = importlib.import_module(f"helpers.dashboards.{info.name}")
        if not hasattr(module, "dashboards"):
            continue
        for dashboard_name, dashboard in module.dashboards().items():
            dashboard.figure()  # warm caches once, as the notebook's first display does
            for control in dashboard.controls:
                median_ms = 1000 * statistics.median(time_moves(dashboard, control))
                flag = "" if median_ms <= TARGET_MS else "  over target"
                print(f"  {info.name}.{dashboard_name:<24} {control:<12} {median_ms:7.1f} ms{flag}")


if __name__ == "__main__":
    main()
