"""How fast the dashboards answer in a real browser, as a learner feels it.

Starts JupyterLab on a copy of ``notebooks/`` and opens each notebook in Debian's
headless Chromium, runs it, and then for every control of every dashboard
(``helpers.widgets.LiveView``, found by its ``pgn-dashboard`` class):

- **key press → new frame**: the median over ``PRESSES`` presses of an arrow key on the
  slider's handle (a dropdown: a change of its option) of the time from the key
  event in the page to the next time the dashboard's canvas is drawn on;
- **text-only round trip**: the same for an ``ipywidgets.interactive`` that only prints
  its value, measured in the same run (a notebook written for this benchmark), from
  the key event to the new text on the page;
- their **ratio** (the target is at most 1.35);
- **frames while dragged**: how many distinct pictures the canvas shows while the
  handle is dragged by a mouse for 2 s without being released (the target is at
  least 10 per second, 20 in 2 s).

Times are taken inside the page (``performance.now()``); the canvas's drawing is seen
by wrapping ``CanvasRenderingContext2D.drawImage``, which ipympl calls for every frame
it receives. Printed, never asserted.

Run: ``python benchmarks/browser_latency.py [notebooks/02_reinforce_demand.ipynb ...]``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.jupyterlab_browser import (  # noqa: E402 (the repository root must be on the path first)
    STEP_TIMEOUT_MS,
    drag_widget_slider,
    launched_chromium,
    open_notebook,
    run_all_cells,
    running_jupyterlab,
    wait_for_kernel_idle,
    write_notebook,
)

PRESSES = 10
DRAG_SECONDS = 2.0
TEXT_ONLY = "text_only_round_trip.ipynb"

# Times in the page: the last key event, and every drawImage onto a canvas (by canvas).
_INSTRUMENT_JS = """() => {
    if (window.__pgnInstrumented) { return; }
    window.__pgnInstrumented = true;
    window.__pgnKey = 0;
    window.__pgnDraws = new WeakMap();
    document.addEventListener('keydown', () => { window.__pgnKey = performance.now(); }, true);
    const draw = CanvasRenderingContext2D.prototype.drawImage;
    CanvasRenderingContext2D.prototype.drawImage = function (...args) {
        window.__pgnDraws.set(this.canvas, performance.now());
        return draw.apply(this, args);
    };
}"""

# Resolves with the ms from the key event to the next drawImage on the dashboard's canvas.
_WAIT_FOR_FRAME_JS = """([root, pressed]) => new Promise((resolve) => {
    const canvas = root.querySelector('canvas');
    const start = performance.now();
    const poll = () => {
        const drawn = window.__pgnDraws.get(canvas) || 0;
        if (drawn > window.__pgnKey && window.__pgnKey >= pressed) { resolve(drawn - window.__pgnKey); }
        else if (performance.now() - start > 20000) { resolve(null); }
        else { requestAnimationFrame(poll); }
    };
    poll();
})"""

# Resolves with the ms from the key event to the next change of the text-only output.
_WAIT_FOR_TEXT_JS = """([root, old, pressed]) => new Promise((resolve) => {
    const start = performance.now();
    const output = () => (root.querySelector('.widget-output') || root).innerText;
    const observer = new MutationObserver(() => {
        if (output() !== old && output().includes('x =')) {
            observer.disconnect();
            resolve(performance.now() - window.__pgnKey);
        }
    });
    observer.observe(root, {subtree: true, childList: true, characterData: true});
    setTimeout(() => { observer.disconnect(); resolve(null); }, 20000);
})"""


def start_waiting(page, wait_js: str, args: list) -> None:
    """Start ``wait_js`` in the page without waiting for it; its result lands in ``window.__pgnResult``."""
    page.evaluate(f"""(args) => {{ window.__pgnResult = undefined;
        ({wait_js})(args).then((value) => {{ window.__pgnResult = value; }}); }}""", args)


def result(page) -> float | None:
    page.wait_for_function("() => window.__pgnResult !== undefined", timeout=30_000)
    return page.evaluate("() => window.__pgnResult")


def press_times(page, widget, handle_index: int, wait_js: str, *, with_text: bool = False) -> list[float]:
    """Milliseconds from an arrow key on the handle to the change ``wait_js`` waits for, ``PRESSES`` times."""
    handle = widget.locator(".noUi-handle").nth(handle_index)
    handle.scroll_into_view_if_needed()
    times = []
    for k in range(PRESSES):
        wait_for_kernel_idle(page)
        page.wait_for_timeout(150)
        pressed = page.evaluate("() => performance.now()")
        root = widget.element_handle()
        old = widget.locator(".widget-output").first.inner_text() if with_text else None
        args = [root, old, pressed] if with_text else [root, pressed]
        handle.focus()
        start_waiting(page, wait_js, args)
        handle.press("ArrowRight" if k % 2 == 0 else "ArrowLeft")
        value = result(page)
        if value is not None:
            times.append(value)
    return times


def text_only_round_trip(page, server) -> float:
    write_notebook(server.root_dir / TEXT_ONLY, [
        "import ipywidgets as widgets\n"
        "widgets.interactive(lambda x: print(f'x = {x:.2f}'),\n"
        "                    x=widgets.FloatSlider(value=0.0, min=-5, max=5, step=0.1))",
    ])
    open_notebook(page, server, TEXT_ONLY)
    run_all_cells(page)
    page.evaluate(_INSTRUMENT_JS)
    widget = page.locator(".jp-NotebookPanel .widget-interact").first
    widget.locator(".widget-output").filter(has_text="x = 0.00").wait_for(timeout=STEP_TIMEOUT_MS)
    times = press_times(page, widget, 0, _WAIT_FOR_TEXT_JS, with_text=True)
    return statistics.median(times)


def dropdown_times(page, widget) -> list[float]:
    """Milliseconds from a change of the first dropdown to the next frame, cycling through its options."""
    select = widget.locator("select").first
    options = select.locator("option").all_inner_texts()
    times = []
    for k in range(PRESSES):
        wait_for_kernel_idle(page)
        page.wait_for_timeout(150)
        page.evaluate("() => { window.__pgnKey = performance.now(); }")
        pressed = page.evaluate("() => window.__pgnKey")
        start_waiting(page, _WAIT_FOR_FRAME_JS, [widget.element_handle(), pressed])
        select.select_option(label=options[(k + 1) % len(options)])
        value = result(page)
        if value is not None:
            times.append(value)
    return times


def measure_notebook(page, server, name: str, reference: float) -> list[str]:
    open_notebook(page, server, name)
    run_all_cells(page)
    page.evaluate(_INSTRUMENT_JS)
    rows = []
    boards = page.locator(".jp-NotebookPanel .pgn-dashboard")
    for b in range(boards.count()):
        widget = boards.nth(b)
        widget.scroll_into_view_if_needed()
        widget.locator("canvas").first.wait_for(timeout=STEP_TIMEOUT_MS)
        labels = [text.strip() for text in widget.locator(".widget-slider .widget-label").all_inner_texts()]
        for index, label in enumerate(labels):
            times = press_times(page, widget, index, _WAIT_FOR_FRAME_JS)
            wait_for_kernel_idle(page)
            frames = drag_widget_slider(page, widget, 0.3 if index % 2 == 0 else -0.3, index, DRAG_SECONDS)
            drag = drag_widget_slider(page, widget, -0.3 if index % 2 == 0 else 0.3, index, DRAG_SECONDS)
            median = statistics.median(times) if times else float("nan")
            rows.append(f"{name[:2]}  dashboard {b + 1}  {label:<14} {median:7.0f} ms  "
                        f"{median / reference:5.2f}×  {max(frames, drag):3d} frames in {DRAG_SECONDS:.0f} s "
                        f"({len(times)} presses)")
        if widget.locator("select").count():
            times = dropdown_times(page, widget)
            median = statistics.median(times) if times else float("nan")
            rows.append(f"{name[:2]}  dashboard {b + 1}  {'(menu)':<14} {median:7.0f} ms  "
                        f"{median / reference:5.2f}×       ({len(times)} changes)")
    return rows


def main(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        (work / "lab").mkdir()
        with running_jupyterlab(work / "lab") as server, launched_chromium(work / "home") as browser:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.set_default_timeout(STEP_TIMEOUT_MS)
            page = context.new_page()
            reference = text_only_round_trip(page, server)
            print(f"text-only interactive round trip (median of {PRESSES}): {reference:.0f} ms")
            print("nb  dashboard     control        key → frame  ratio  dragged")
            for name in names:
                for row in measure_notebook(page, server, name, reference):
                    print(row, flush=True)
            context.close()


if __name__ == "__main__":
    chosen = [Path(arg).name for arg in sys.argv[1:]] or sorted(
        path.name for path in (REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    main(chosen)
