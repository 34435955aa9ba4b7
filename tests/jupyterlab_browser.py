"""Drive JupyterLab in a real browser: pytest fixtures and helpers.

Loaded as a pytest plugin by the repository's ``conftest.py``, so every test can
ask for these fixtures:

``jupyterlab``
    One JupyterLab server for the whole run, on 127.0.0.1, a free port and a
    random token, serving a temporary copy of ``notebooks/`` (so running a
    notebook in the browser never changes the stored ones). It is stopped by
    its PID when the run ends.
``chromium``
    One headless Debian Chromium (``/usr/bin/chromium``) driven by Python
    Playwright. Without it the test is skipped, unless ``CI=true``, where a
    missing browser is a failure.
``lab_page``
    A fresh Playwright page (its own browser context) for one test.

The helpers (``open_notebook``, ``run_all_cells``, ``wait_for_kernel_idle``,
``press_slider``, ``wait_for_output_text``, ``write_notebook``) use the
selectors that are known to work in JupyterLab 4.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Seconds to wait for a server to answer on /api/status.
SERVER_START_TIMEOUT = 60.0
#: Milliseconds for one browser step (open a notebook, run it, see a text).
STEP_TIMEOUT_MS = 60_000


def running_in_ci() -> bool:
    """Return whether the environment variable ``CI`` says this is a CI run."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment() -> dict[str, str]:
    """Return the environment for a JupyterLab server started by a test.

    It is the current one: the repository's ``conftest.py`` has already moved
    every Jupyter, IPython and matplotlib folder into a temporary folder and
    removed ``MPLBACKEND`` (kernels must use the inline backend).
    """
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    return env


def lab_server_options(port: int, token: str) -> list[str]:
    """Return the command-line options every test server gets.

    Listen on 127.0.0.1 only, on ``port`` exactly, with ``token``; no browser,
    no news or update checks (the test machine has no internet), and
    ``--allow-root`` when running as root (as in CI).
    """
    options = [
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--no-browser",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.append("--allow-root")
    return options


def api_status(base_url: str, token: str, timeout: float = 2.0) -> dict[str, Any]:
    """Return the JSON of ``/api/status`` of a Jupyter server."""
    request = urllib.request.Request(f"{base_url}api/status", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def wait_for_server(
    process: subprocess.Popen, base_url: str, token: str, log_path: Path | None = None
) -> dict[str, Any]:
    """Poll ``/api/status`` until the server answers; fail if it exits or times out."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the Jupyter server exited with code {process.returncode} before answering"
                + _log_tail(log_path)
            )
        try:
            return api_status(base_url, token)
        except (OSError, urllib.error.URLError, ValueError) as error:
            last_error = error
            time.sleep(0.25)
    pytest.fail(
        f"the Jupyter server did not answer on {base_url}api/status within "
        f"{SERVER_START_TIMEOUT:.0f} s (last error: {last_error!r})" + _log_tail(log_path)
    )


def stop_process_group(process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Stop a process started with ``start_new_session=True`` and everything in its group.

    Sends SIGTERM to the group whose id is the process's PID (a Jupyter server
    then shuts its kernels down), waits, and sends SIGKILL if it is still there.
    """
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
    # Whatever else was left in the group (a child that ignored SIGTERM).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _log_tail(log_path: Path | None, n_chars: int = 3000) -> str:
    if log_path is None or not log_path.exists():
        return ""
    return f"\n--- end of {log_path} ---\n" + log_path.read_text(errors="replace")[-n_chars:]


@dataclass(frozen=True)
class JupyterLabServer:
    """A running JupyterLab server started by the ``jupyterlab`` fixture."""

    base_url: str
    token: str
    root_dir: Path
    pid: int
    log_path: Path

    def url(self, path: str = "lab") -> str:
        """Return the URL of ``path`` on this server, with the token."""
        separator = "&" if "?" in path else "?"
        return f"{self.base_url}{path.lstrip('/')}{separator}token={self.token}"


@contextlib.contextmanager
def running_jupyterlab(work: Path) -> Iterator[JupyterLabServer]:
    """Start JupyterLab on a copy of ``notebooks/`` in ``work/notebooks``; stop it on leaving."""
    root_dir = work / "notebooks"
    if NOTEBOOKS_DIR.is_dir():
        shutil.copytree(NOTEBOOKS_DIR, root_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    else:
        root_dir.mkdir()
    port, token = free_port(), secrets.token_hex(16)
    base_url = f"http://127.0.0.1:{port}/"
    log_path = work / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ip=127.0.0.1",
        f"--ServerApp.root_dir={root_dir}",
        *lab_server_options(port, token),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=work,
            env=server_environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_server(process, base_url, token, log_path)
        yield JupyterLabServer(base_url, token, root_dir, process.pid, log_path)
    finally:
        stop_process_group(process)


@contextlib.contextmanager
def launched_chromium(home: Path) -> Iterator[Browser]:
    """Headless Debian Chromium through Playwright, with its own home folder; closed on leaving."""
    from playwright.sync_api import sync_playwright

    # Chromium writes caches and an NSS database under $HOME: give it its own.
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS, env=env
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    """Start JupyterLab on a temporary copy of ``notebooks/``; stop it at the end."""
    with running_jupyterlab(tmp_path_factory.mktemp("jupyterlab")) as server:
        yield server


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Launch headless Debian Chromium through Playwright, once per run."""
    reason = None
    if not CHROMIUM_PATH.exists():
        reason = (
            f"{CHROMIUM_PATH} is missing: install Debian's browser with "
            "`apt-get install chromium` (never `playwright install`)"
        )
    else:
        try:
            import playwright.sync_api  # noqa: F401 (only whether it imports)
        except ImportError as error:
            reason = f"Python Playwright is not importable ({error}): pip install -e '.[test]'"
    if reason is not None:
        if running_in_ci():
            pytest.fail(f"CI=true and the browser test cannot run: {reason}")
        pytest.skip(reason)

    with launched_chromium(tmp_path_factory.mktemp("chromium-home")) as browser:
        yield browser


@pytest.fixture
def lab_page(chromium: Browser) -> Iterator[Page]:
    """A new page in its own browser context, closed after the test."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# --- helpers -----------------------------------------------------------------


def write_notebook(path: Path, cells: Sequence[str]) -> Path:
    """Write a notebook with one code cell per source string, without outputs."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nbformat.write(notebook, path)
    return path


def open_notebook(page: Page, server: JupyterLabServer, name: str) -> None:
    """Open ``name`` (relative to the server's root) and wait for an idle kernel."""
    # A workspace of its own, reset: otherwise JupyterLab restores the tabs an earlier
    # test left open, and "Run All" may run one of those instead.
    workspace = re.sub(r"[^A-Za-z0-9]+", "-", name)
    page.goto(server.url(f"lab/workspaces/{workspace}/tree/{name}?reset"), timeout=STEP_TIMEOUT_MS)
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(state="visible")
    wait_for_kernel_idle(page)


# The status bar reads "<kernel name> | Idle" only once the kernel is connected
# and idle; the toolbar's execution indicator already says "idle" before a
# kernel exists, so it cannot be used alone.
_KERNEL_IDLE_JS = """() => {
    const status = document.querySelector(
        '#jp-main-statusbar .jp-StatusBar-TextItem[title^="Change kernel"]');
    const prompts = [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')];
    return status !== null && /\\|\\s*Idle\\s*$/.test(status.textContent)
        && prompts.every(p => !p.textContent.includes('*'))%s;
}"""


def wait_for_kernel_idle(page: Page, timeout_ms: int = STEP_TIMEOUT_MS) -> None:
    """Wait until the notebook's kernel is connected and idle, and no cell waits (``[*]``)."""
    page.wait_for_function(_KERNEL_IDLE_JS % "", timeout=timeout_ms)


def show_cell(page: Page, text: str) -> None:
    """Scroll the first cell whose text contains ``text`` into view.

    JupyterLab leaves cells out of view unrendered, so a live cell far down a notebook
    must be brought into view before its output can be read.
    """
    page.locator(".jp-NotebookPanel .jp-Cell", has_text=text).first.scroll_into_view_if_needed()


def run_all_cells(page: Page, timeout_ms: int = 2 * STEP_TIMEOUT_MS) -> None:
    """Run every cell through the Run menu; wait until each has an execution count.

    Fails the test if a cell's output shows a Python traceback.
    """
    wait_for_kernel_idle(page)
    page.locator('.lm-MenuBar-item:has-text("Run")').click()
    page.locator('[data-command="runmenu:run-all"]').click()
    # Done when every cell has run, or when one raised (JupyterLab then stops running the rest).
    every_cell_ran_or_one_failed = (
        " && prompts.length > 0 && (prompts.every(p => /\\[\\d+\\]/.test(p.textContent))"
        " || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) "
        ".jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]') !== null)"
    )
    page.wait_for_function(_KERNEL_IDLE_JS % every_cell_ran_or_one_failed, timeout=timeout_ms)
    tracebacks = page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) "
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    ).filter(has_text="Traceback")
    if tracebacks.count():
        pytest.fail("a cell raised an error in JupyterLab:\n" + tracebacks.first.inner_text())


def slider(page: Page, description: str) -> Locator:
    """Return the ipywidgets slider whose description is exactly ``description``."""
    label = page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
    return page.locator(".widget-slider").filter(has=label).first


def press_slider(page: Page, description: str, key: str = "ArrowRight", presses: int = 1) -> None:
    """Focus the handle of the slider ``description`` and press ``key`` on it."""
    handle = slider(page, description).locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(presses):
        handle.press(key)


def slider_readout(page: Page, description: str) -> str:
    """Return the text of the readout next to the slider ``description``."""
    readout = slider(page, description).locator(".widget-readout").first
    readout.scroll_into_view_if_needed()  # JupyterLab leaves cells out of view unrendered
    return (readout.text_content() or "").strip().replace("\u2212", "-")


def wait_for_output_text(
    page: Page, text: str | re.Pattern[str], timeout_ms: int = STEP_TIMEOUT_MS
) -> Locator:
    """Wait until a cell output (or an Output widget) shows ``text``; return it."""
    output = page.locator(".jp-NotebookPanel .jp-OutputArea-output").filter(has_text=text).last
    output.wait_for(state="visible", timeout=timeout_ms)
    return output


# --- a Dashboard (helpers.widgets) in the page ----------------------------------


def dashboard(page: Page, state: str | re.Pattern[str] | None = None,
              has_label: str | None = None) -> Locator:
    """The live view of a dashboard (``helpers.widgets.LiveView``), found by its state line or a label.

    ``state`` is matched as a regular expression against the widget's text (a plain
    string is compiled as one); ``has_label`` picks the widget holding the control
    whose description is exactly that text.
    """
    widget = page.locator(".jp-NotebookPanel .pgn-dashboard")
    if state is not None:
        pattern = state if isinstance(state, re.Pattern) else re.compile(state)
        widget = widget.filter(has_text=pattern)
    if has_label is not None:
        label = page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(has_label)}\s*$"))
        widget = widget.filter(has=label)
    return widget.first


def widget_readout(widget: Locator, index: int = 0) -> str:
    """The readout of the widget's ``index``-th slider, scrolled into view; Unicode minus as "-"."""
    text = widget.locator(".widget-readout").nth(index)
    text.scroll_into_view_if_needed()
    return (text.text_content() or "").strip().replace("\u2212", "-")


def press_widget_slider(widget: Locator, key: str = "ArrowRight", index: int = 0) -> None:
    """Press ``key`` once on the handle of the widget's ``index``-th slider."""
    handle = widget.locator(".noUi-handle").nth(index)
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press(key)


def drag_widget_slider(page: Page, widget: Locator, fraction: float, index: int = 0,
                       seconds: float = 2.0) -> int:
    """Drag the ``index``-th slider's handle by ``fraction`` of its track over ``seconds``; count frames.

    The mouse moves in small steps, as a hand would, and is released only at the end.
    Returns how many distinct pictures the dashboard's canvas showed while the handle
    was held (sampled on every animation frame of the page).
    """
    handle = widget.locator(".noUi-handle").nth(index)
    handle.scroll_into_view_if_needed()
    track = widget.locator(".noUi-target").nth(index).bounding_box()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    widget.evaluate(_SAMPLE_FRAMES_JS)
    steps = max(2, int(seconds * 30))
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, steps + 1):
        page.mouse.move(x + fraction * track["width"] * k / steps, y)
        page.wait_for_timeout(1000 * seconds / steps)
    frames = widget.evaluate("() => { window.__pgnSampling = false; return window.__pgnFrames.size; }")
    page.mouse.up()
    return frames


# Records a fingerprint of the canvas on every animation frame until sampling is switched off.
_SAMPLE_FRAMES_JS = """(root) => {
    const canvas = root.querySelector('canvas');
    window.__pgnFrames = new Set();
    window.__pgnSampling = true;
    const tick = () => {
        if (!window.__pgnSampling) { return; }
        const url = canvas.toDataURL();
        window.__pgnFrames.add(url.length + ':' + url.slice(-96));
        requestAnimationFrame(tick);
    };
    tick();
}"""


def assert_drag_follows(page: Page, widget: Locator, index: int = 0, fraction: float = -0.3) -> None:
    """Drag a slider: the figure must change while the handle is held, and the state line follow."""
    before_state = widget.locator(".widget-html-content").first.inner_text()
    before = figure_source(widget)
    frames = drag_widget_slider(page, widget, fraction, index)
    assert frames >= 3, f"the figure showed {frames} pictures while the slider was dragged"
    page.wait_for_function(
        "([root, old]) => root.querySelector('.widget-html-content').innerText !== old",
        arg=[widget.element_handle(), before_state], timeout=STEP_TIMEOUT_MS)
    assert wait_for_new_figure(page, widget, before) != before


# The figure: ipympl's <canvas> in a live view, an <img> in the still-image fallback.
_FIGURE_JS = """(root) => {
    const canvas = root.querySelector('canvas');
    if (canvas !== null) { return canvas.toDataURL(); }
    const img = root.querySelector('.widget-output img');
    return img === null ? null : img.getAttribute('src');
}"""


def figure_source(widget: Locator) -> str:
    """The figure that the dashboard shows now, as a data URL of its pixels."""
    widget.locator("canvas, .widget-output img").first.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    return widget.evaluate(_FIGURE_JS)


def wait_for_new_figure(page: Page, widget: Locator, old_source: str) -> str:
    """Wait until the dashboard's figure differs from ``old_source``; return it."""
    page.wait_for_function(
        f"""([root, old]) => {{ const now = ({_FIGURE_JS})(root); return now !== null && now !== old; }}""",
        arg=[widget.element_handle(), old_source],
        timeout=STEP_TIMEOUT_MS,
    )
    return figure_source(widget)
