"""Re-execute notebooks in place so that their stored outputs are up to date.

Usage::

    python tools/run_notebooks.py                 # every notebooks/*.ipynb, in sorted order
    python tools/run_notebooks.py notebooks/02_*.ipynb --timeout 600

Each notebook runs top to bottom in a fresh kernel of the Python that runs this
script (whatever kernel name the notebook stores), with its own folder as the
working directory. The kernels see no personal configuration: IPython, Jupyter
and matplotlib folders point into a temporary folder, and ``MPLBACKEND`` is
unset so that figures use the inline backend, as under nbval.

A notebook is written back only if every cell ran without an error and nothing
was printed on stderr (a warning is a defect to fix, not an output to store).
Before writing, what changes from run to run without meaning is made
deterministic: execution timings are not recorded, the Python patch version is
dropped from ``language_info``, and widget model ids (random in every kernel)
are renumbered in order of appearance. Running twice gives the same bytes.

The wall time of each notebook is printed. The exit status is 0 when every
notebook was stored, 1 when any failed (the others are still run and stored).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from typing import IO, Any

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets import default

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
DEFAULT_KERNELSPEC = {
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "name": "python3",
}


class CurrentEnvKernelSpecManager(KernelSpecManager):
    """Answer every kernel name with ipykernel in the Python running this script."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """Return the spec of an ipykernel started by ``sys.executable``."""
        return KernelSpec(
            resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict()
        )


class NotebookRejected(Exception):
    """A notebook ran but must not be stored (stderr output or an error)."""


def isolate_kernel_environment(tmp_root: Path) -> None:
    """Point per-user Jupyter, IPython and matplotlib folders into ``tmp_root``."""
    for variable, sub_folder in {
        "JUPYTER_CONFIG_DIR": "jupyter/config",
        "JUPYTER_DATA_DIR": "jupyter/data",
        "JUPYTER_RUNTIME_DIR": "jupyter/runtime",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "matplotlib",
    }.items():
        folder = tmp_root / sub_folder
        folder.mkdir(parents=True, exist_ok=True)
        os.environ[variable] = str(folder)
    os.environ.pop("MPLBACKEND", None)
    os.environ.update(SINGLE_THREADED)


#: One BLAS thread, as under nbval (conftest.py): on small matrices a threaded BLAS
#: may sum in another order, and stored outputs must not depend on that.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def merge_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Join consecutive stream outputs of the same name (a kernel may split one print in two)."""
    merged: list[dict[str, Any]] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def problems_in(notebook: Any) -> list[str]:
    """List the errors and stderr outputs of a notebook, widget outputs included."""
    problems = []

    def check(outputs: list[dict[str, Any]], where: str) -> None:
        for output in outputs:
            if output.get("output_type") == "error":
                problems.append(f"{where}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = "".join(output.get("text", ""))
                problems.append(f"{where}: stderr: {text.strip()[:500]}")

    for index, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code":
            check(cell.get("outputs", []), f"cell {index}")
    widget_state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {})
    for model_id, model in widget_state.get("state", {}).items():
        check(model.get("state", {}).get("outputs", []), f"Output widget {model_id}")
    return problems


def widget_model_ids(notebook: Any) -> list[str]:
    """Return the widget model ids of a notebook in order of first appearance."""
    ids: dict[str, None] = {}
    widget_state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {})
    for model_id in widget_state.get("state", {}):
        ids.setdefault(model_id, None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW_MIME)
            if view and view.get("model_id"):
                ids.setdefault(view["model_id"], None)
    return list(ids)


def normalise(notebook: Any, name: str) -> str:
    """Strip what varies between identical runs; return the notebook as JSON text."""
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    notebook.metadata.setdefault("kernelspec", DEFAULT_KERNELSPEC)
    notebook.metadata.get("language_info", {}).pop("version", None)
    text = nbformat.writes(notebook)
    model_ids = widget_model_ids(notebook)
    if model_ids:
        for index, old_id in enumerate(model_ids):
            new_id = uuid.uuid5(uuid.NAMESPACE_URL, f"policy-gradient-notebooks/{name}#{index}").hex
            text = text.replace(old_id, new_id)
        # Serialise again: the keys are sorted, and the old ids decided their order.
        text = nbformat.writes(nbformat.reads(text, as_version=4))
    return text if text.endswith("\n") else text + "\n"


class CurrentEnvKernelManager(KernelManager):
    """A kernel manager that always starts ipykernel in the current Python."""

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return CurrentEnvKernelSpecManager()


def run_notebook(path: Path, timeout: int, kernel_log: IO[bytes]) -> str:
    """Execute one notebook in a fresh kernel; return its normalised JSON text.

    The kernel's own stderr (start-up warnings, a crash report) goes to
    ``kernel_log``; what the cells print reaches the notebook either way.
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        kernel_manager_class=CurrentEnvKernelManager,
        timeout=timeout,
        startup_timeout=120,
        allow_errors=False,
        record_timing=False,
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(stderr=kernel_log)
    problems = problems_in(notebook)
    if problems:
        raise NotebookRejected("\n".join(problems))
    return normalise(notebook, path.name)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="notebooks to run (default: every notebooks/*.ipynb, in sorted order)",
    )
    parser.add_argument(
        "--timeout", type=int, default=600, help="seconds allowed for one cell (default: 600)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the notebooks; return the exit status."""
    args = parse_args(argv)
    paths = sorted(args.notebooks) if args.notebooks else sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(f"error: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not paths:
        print(f"No notebooks in {NOTEBOOKS_DIR}: nothing to run.")
        return 0

    failed = []
    tmp_root = Path(tempfile.mkdtemp(prefix="pgn-run-notebooks-"))
    try:
        isolate_kernel_environment(tmp_root)
        for path in paths:
            start = time.perf_counter()
            log_path = tmp_root / f"kernel-{path.stem}.log"
            try:
                with log_path.open("wb") as kernel_log:
                    text = run_notebook(path.resolve(), args.timeout, kernel_log)
            except Exception as error:
                seconds = time.perf_counter() - start
                failed.append(path)
                print(f"FAILED  {path}  ({seconds:.1f} s): not stored", flush=True)
                if isinstance(error, NotebookRejected):
                    print(f"refused to store {path}:\n{error}", file=sys.stderr)
                elif isinstance(error, CellExecutionError):
                    print(f"{path}: {error}", file=sys.stderr)
                else:
                    traceback.print_exc(file=sys.stderr)
                    kernel_output = log_path.read_text(errors="replace").strip()
                    if kernel_output:
                        print(f"kernel log:\n{kernel_output[-3000:]}", file=sys.stderr)
                sys.stderr.flush()
                continue
            seconds = time.perf_counter() - start
            changed = path.read_text(encoding="utf-8") != text
            if changed:
                path.write_text(text, encoding="utf-8")
            state = "updated" if changed else "unchanged"
            print(f"ok      {path}  ({seconds:.1f} s, {state})", flush=True)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)

    if failed:
        print(f"{len(failed)} of {len(paths)} notebooks failed:", file=sys.stderr)
        for path in failed:
            print(f"  {path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
