"""Keep every test run away from the user's home directory.

This file sits at the root of the repository so that it applies to the unit
tests in ``tests/`` and to the notebooks that nbval collects in ``notebooks/``.

At import time (before any test module, Jupyter or matplotlib is imported) it
creates one temporary folder and points every per-user Jupyter, IPython and
matplotlib location into it. Kernels started by nbval, by nbclient or by a
JupyterLab server inherit these variables, so no run writes to ``~/.jupyter``,
``~/.ipython``, ``~/.local/share/jupyter`` or ``~/.config/matplotlib``, and no
personal configuration (IPython startup files, a ``matplotlibrc``) can change
what a notebook prints. The folder is removed when the run ends.

The matplotlib backend: the test process must never try to open a window, and
notebook kernels must keep the inline backend, because the stored notebook
outputs hold inline images. The ``MPLBACKEND`` environment variable cannot do
both: kernels inherit it, and ipykernel only selects the inline backend when it
is unset (with ``MPLBACKEND=Agg`` a kernel's ``plt.show()`` warns on stderr and
shows nothing). So ``MPLBACKEND`` is removed from the environment and the
headless ``Agg`` backend is chosen by a ``matplotlibrc`` in the temporary
``MPLCONFIGDIR``: the test process uses it, and each kernel overrides it with
the inline backend exactly as it does for a learner.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

pytest_plugins = ["tests.jupyterlab_browser"]

#: Environment variable that names the temporary folder of this run.
TMP_ROOT_VARIABLE = "PGN_TEST_TMP_ROOT"

#: Per-user locations moved into the temporary folder, and their sub-folder.
ISOLATED_DIRS = {
    "JUPYTER_CONFIG_DIR": "jupyter/config",
    "JUPYTER_DATA_DIR": "jupyter/data",
    "JUPYTER_RUNTIME_DIR": "jupyter/runtime",
    "JUPYTERLAB_SETTINGS_DIR": "jupyterlab/settings",
    "JUPYTERLAB_WORKSPACES_DIR": "jupyterlab/workspaces",
    "IPYTHONDIR": "ipython",
    "MPLCONFIGDIR": "matplotlib",
    "XDG_CACHE_HOME": "cache",
}


def _isolate() -> Path:
    root = Path(tempfile.mkdtemp(prefix="pgn-test-"))
    for variable, sub_folder in ISOLATED_DIRS.items():
        folder = root / sub_folder
        folder.mkdir(parents=True)
        os.environ[variable] = str(folder)
    (root / ISOLATED_DIRS["MPLCONFIGDIR"] / "matplotlibrc").write_text("backend: Agg\n")
    os.environ.pop("MPLBACKEND", None)
    # One BLAS thread for the tests and every kernel, as in tools/run_notebooks.py: the
    # stored outputs were made that way, and a threaded BLAS may sum in another order.
    os.environ.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    os.environ[TMP_ROOT_VARIABLE] = str(root)
    return root


TMP_ROOT = _isolate()


def _remove_tmp_root() -> None:
    shutil.rmtree(TMP_ROOT, ignore_errors=True)


# pytest_unconfigure runs after every fixture and every nbval kernel has been
# shut down; atexit covers a run that stops before pytest is configured.
atexit.register(_remove_tmp_root)


def pytest_unconfigure(config) -> None:
    """Remove the temporary folder at the end of the run."""
    _remove_tmp_root()
