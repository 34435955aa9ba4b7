"""The set-up works.

The two environment files agree, `make lab` serves JupyterLab, tests stay out of
the home directory, and the notebook runner is deterministic.
"""

from __future__ import annotations

import copy
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml  # PyYAML: a dependency of jupyter_server (through jupyter_events)
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from tests.jupyterlab_browser import (
    api_status,
    free_port,
    stop_process_group,
    wait_for_server,
    write_notebook,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
MAKEFILE = REPO_ROOT / "Makefile"
RUN_NOTEBOOKS = REPO_ROOT / "tools" / "run_notebooks.py"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Set by the repository's conftest.py: the temporary folder of this run.
TMP_ROOT_VARIABLE = "PGN_TEST_TMP_ROOT"
#: The per-user folders that conftest.py moves into that folder.
ISOLATED_DIRS = (
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "JUPYTERLAB_SETTINGS_DIR",
    "JUPYTERLAB_WORKSPACES_DIR",
    "IPYTHONDIR",
    "MPLCONFIGDIR",
)


def load_pyproject() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def load_environment() -> dict:
    return yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))


# --- environment.yml and pyproject.toml agree ----------------------------------


def is_local_pip_entry(entry: str) -> bool:
    """``-e .``, ``.`` or a path: the repository's own package, not a dependency."""
    target = re.sub(r"^(-e|--editable)\s+", "", entry.strip())
    return target.startswith((".", "/"))


def _add(requirements: dict[str, SpecifierSet], entry: str, source: str, problems: list[str]) -> None:
    try:
        requirement = Requirement(entry)
    except InvalidRequirement as error:
        problems.append(f"{source}: cannot read {entry!r} ({error})")
        return
    name = canonicalize_name(requirement.name)
    if name in requirements:
        problems.append(f"{source}: {name} is listed twice")
    requirements[name] = requirement.specifier


def pyproject_requirements(pyproject: dict, problems: list[str]) -> dict[str, SpecifierSet]:
    """Python, the runtime dependencies and the ``test`` and ``classroom`` extras of pyproject.toml."""
    project = pyproject["project"]
    requirements = {"python": SpecifierSet(project["requires-python"])}
    extras = project["optional-dependencies"]
    for entry in project["dependencies"] + extras["test"] + extras["classroom"]:
        _add(requirements, entry, "pyproject.toml", problems)
    return requirements


def environment_requirements(environment: dict, problems: list[str]) -> dict[str, SpecifierSet]:
    """The conda packages and the pip section of environment.yml, less pip and ``-e .``."""
    requirements: dict[str, SpecifierSet] = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            for pip_entry in entry.get("pip", []):
                if not is_local_pip_entry(pip_entry):
                    _add(requirements, pip_entry, "environment.yml (pip)", problems)
        elif canonicalize_name(Requirement(entry).name) != "pip":
            _add(requirements, entry, "environment.yml", problems)
    return requirements


def requirement_differences(pyproject: dict, environment: dict) -> list[str]:
    """Every package missing on one side, and every version bound that differs."""
    problems: list[str] = []
    wanted = pyproject_requirements(pyproject, problems)
    listed = environment_requirements(environment, problems)
    for name in sorted(wanted.keys() - listed.keys()):
        problems.append(f"{name}: in pyproject.toml, missing from environment.yml")
    for name in sorted(listed.keys() - wanted.keys()):
        problems.append(f"{name}: in environment.yml, missing from pyproject.toml")
    for name in sorted(wanted.keys() & listed.keys()):
        if wanted[name] != listed[name]:
            problems.append(
                f"{name}: pyproject.toml says {wanted[name] or 'any'}, "
                f"environment.yml says {listed[name] or 'any'}"
            )
    return problems


def test_environment_yml_lists_the_packages_and_bounds_of_pyproject():
    assert requirement_differences(load_pyproject(), load_environment()) == []


def test_environment_yml_installs_this_package_for_binder():
    environment = load_environment()
    assert environment["name"] == "policy-gradient-notebooks"
    assert environment["channels"] == ["conda-forge"]
    conda_names = [Requirement(e).name for e in environment["dependencies"] if isinstance(e, str)]
    assert "pip" in conda_names
    pip_sections = [e["pip"] for e in environment["dependencies"] if isinstance(e, dict)]
    assert len(pip_sections) == 1
    assert "-e ." in pip_sections[0]


def _drop_conda(environment: dict, name: str) -> None:
    environment["dependencies"] = [
        e for e in environment["dependencies"] if not (isinstance(e, str) and e.startswith(name))
    ]


def _rebound_conda(environment: dict, name: str, entry: str) -> None:
    environment["dependencies"] = [
        entry if isinstance(e, str) and Requirement(e).name == name else e
        for e in environment["dependencies"]
    ]


def _drop_pip(environment: dict, name: str) -> None:
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            entry["pip"] = [p for p in entry["pip"] if not p.startswith(name)]


MUTATIONS = {
    "package missing from environment.yml": (lambda env, pp: _drop_conda(env, "numpy"), "numpy"),
    "pip package missing from environment.yml": (lambda env, pp: _drop_pip(env, "playwright"), "playwright"),
    "lower bound differs": (lambda env, pp: _rebound_conda(env, "sympy", "sympy>=1.12,<2"), "sympy"),
    "upper bound dropped": (lambda env, pp: _rebound_conda(env, "nbval", "nbval>=0.11"), "nbval"),
    "python bound differs": (lambda env, pp: _rebound_conda(env, "python", "python>=3.10"), "python"),
    "package missing from pyproject.toml": (
        lambda env, pp: pp["project"]["dependencies"].remove(
            next(d for d in pp["project"]["dependencies"] if d.startswith("gymnasium"))
        ),
        "gymnasium",
    ),
    "extra package in environment.yml": (
        lambda env, pp: env["dependencies"].insert(1, "scipy>=1.11"),
        "scipy",
    ),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_the_agreement_check_fails_on_a_difference(mutation):
    pyproject, environment = copy.deepcopy(load_pyproject()), copy.deepcopy(load_environment())
    change, culprit = MUTATIONS[mutation]
    change(environment, pyproject)
    differences = requirement_differences(pyproject, environment)
    assert len(differences) == 1
    assert differences[0].startswith(f"{culprit}:")


def test_the_local_package_entry_is_not_a_dependency():
    assert is_local_pip_entry("-e .")
    assert is_local_pip_entry("--editable ./")
    assert not is_local_pip_entry("playwright>=1.45,<2")


# --- the Makefile ---------------------------------------------------------------


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", MAKEFILE.read_text(), flags=re.MULTILINE))


def test_makefile_has_the_documented_targets():
    assert {"lab", "test", "notebooks", "bench", "lint", "clean"} <= make_targets()


def _dry_run(folder: Path, target: str) -> str:
    result = subprocess.run(
        ["make", "-n", target], cwd=folder, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_creates_the_environment_once_and_again_when_pyproject_changes(tmp_path):
    shutil.copy(MAKEFILE, tmp_path / "Makefile")
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")

    fresh = _dry_run(tmp_path, "lab")
    assert "python3 -m venv .venv" in fresh
    assert ".venv/bin/python -m pip install -e '.[test,classroom]'" in fresh
    assert "exec .venv/bin/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks" in fresh

    (tmp_path / ".venv").mkdir()
    stamp = tmp_path / ".venv" / ".installed"
    stamp.touch()
    os.utime(tmp_path / "pyproject.toml", (time.time() - 60, time.time() - 60))
    installed = _dry_run(tmp_path, "test")
    assert "pip install" not in installed
    assert ".venv/bin/python -m pytest --nbval --nbval-current-env" in installed

    os.utime(tmp_path / "pyproject.toml", (time.time() + 60, time.time() + 60))
    assert "pip install -e '.[test,classroom]'" in _dry_run(tmp_path, "test")


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of TCP sockets listening on ``port``, from /proc/net."""
    addresses = set()
    for table, width in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address_hex)
            # /proc/net stores each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, width, 4))
            addresses.add(str(ipaddress.ip_address(raw)))
    return addresses


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net/tcp")
def test_make_lab_serves_jupyterlab_on_localhost_with_a_token(tmp_path):
    port, token = free_port(), os.urandom(16).hex()
    lab_args = [
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--no-browser",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
    ]
    # As root, the Makefile adds --allow-root itself.
    # Use the environment running this test, as it is: `-o` keeps make from
    # reinstalling it, BIN points the recipe at its jupyter.
    command = [
        "make",
        "--no-print-directory",
        "-o",
        ".venv/.installed",
        "lab",
        f"BIN={Path(sys.executable).parent}",
        f"LAB_ARGS={' '.join(lab_args)}",
    ]
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)
    log_path = tmp_path / "make-lab.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        status = wait_for_server(process, f"http://127.0.0.1:{port}/", token, log_path)
        assert "started" in status
        assert status["kernels"] == 0
        assert _listening_addresses(port) == {"127.0.0.1"}
        with pytest.raises(OSError, match=r"403|Forbidden"):
            api_status(f"http://127.0.0.1:{port}/", "not-the-token")

        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("make lab did not stop within 30 s of SIGTERM")
        with pytest.raises(ProcessLookupError):
            os.killpg(process.pid, 0)  # nothing is left in its process group
        assert _listening_addresses(port) == set()
    finally:
        stop_process_group(process)
    assert "jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks" in log_path.read_text()


# --- README and CI entry ----------------------------------------------------------


def test_readme_gives_the_two_commands_and_the_extras():
    readme = README.read_text(encoding="utf-8")
    for command in ("make lab", "make test", "make notebooks", "make bench", "make lint"):
        assert f"`{command}`" in readme, command
    assert "mamba env create -f environment.yml" in readme


def test_readme_maps_every_notebook():
    readme = README.read_text(encoding="utf-8")
    for number in ("00", "01", "02", "03", "04", "05"):
        assert re.search(rf"^\|\s*{number}\s*\|", readme, flags=re.MULTILINE), number
    for notebook in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.name}" in readme, f"README does not link {notebook.name}"


def test_ci_entry_is_an_executable_strict_bash_script_that_runs_make_test():
    script = REPO_ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert re.search(r"^make test\b", text, flags=re.MULTILINE)
    subprocess.run(["bash", "-n", str(script)], check=True)


# --- tests stay out of the home directory ---------------------------------------------


def test_per_user_folders_point_into_the_temporary_folder():
    tmp_root = Path(os.environ[TMP_ROOT_VARIABLE])
    assert tmp_root.is_dir()
    home = Path.home().resolve()
    assert home not in tmp_root.resolve().parents
    for variable in ISOLATED_DIRS:
        folder = Path(os.environ[variable])
        assert tmp_root in folder.parents, variable
        assert folder.is_dir(), variable
    assert "MPLBACKEND" not in os.environ


def test_the_test_process_draws_headless():
    import matplotlib

    assert matplotlib.get_backend().lower() == "agg"


def test_a_notebook_run_by_nbval_uses_the_inline_backend_and_leaves_home_untouched(tmp_path):
    """Run nbval in a child pytest with an empty HOME and MPLBACKEND=Agg set."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO_ROOT / "conftest.py", project / "conftest.py")
    (project / "pytest.ini").write_text("[pytest]\n")
    notebook = nbformat.v4.new_notebook()
    backend_cell = nbformat.v4.new_code_cell("import matplotlib\nprint(matplotlib.get_backend())")
    backend_cell.execution_count = 1
    backend_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=INLINE_BACKEND + "\n")]
    record_cell = nbformat.v4.new_code_cell(
        f"import os, pathlib\n_ = pathlib.Path('tmp_root.txt').write_text(os.environ['{TMP_ROOT_VARIABLE}'])"
    )
    record_cell.execution_count = 2
    notebook.cells = [backend_cell, record_cell]
    nbformat.write(notebook, project / "check.ipynb")

    home = tmp_path / "home"
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ISOLATED_DIRS and key != TMP_ROOT_VARIABLE and not key.startswith("XDG_")
    }
    env.update(HOME=str(home), MPLBACKEND="Agg", PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout

    written = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert written == [], f"the run wrote into HOME: {written}"
    child_tmp_root = Path((project / "tmp_root.txt").read_text())
    assert child_tmp_root.name.startswith("pgn-test-")
    assert not child_tmp_root.exists(), "the temporary folder was not removed at the end"


# --- tools/run_notebooks.py ---------------------------------------------------------


def _run_notebooks(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(RUN_NOTEBOOKS), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
    )


WIDGET_AND_PLOT_CELLS = [
    "import ipywidgets as widgets\nimport matplotlib.pyplot as plt\nimport numpy as np",
    "rng = np.random.default_rng(7)\nprint(f'{rng.normal():.6f}')",
    "plt.plot([0, 1, 2], [2, 0, 1])\nplt.show()",
    "slider = widgets.FloatSlider(value=0.5, description='θ')\nout = widgets.Output()\n"
    "with out:\n    print(f'theta = {slider.value:.2f}')\ndisplay(slider, out)",
    "import matplotlib\nprint(matplotlib.get_backend())",
]


def test_run_notebooks_stores_the_same_bytes_on_every_run(tmp_path):
    path = write_notebook(tmp_path / "demo.ipynb", WIDGET_AND_PLOT_CELLS)

    first = _run_notebooks(path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert re.search(r"^ok\s+.*demo\.ipynb\s+\(\d+\.\d s, updated\)$", first.stdout, re.MULTILINE)
    stored = path.read_bytes()
    second = _run_notebooks(path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "unchanged" in second.stdout
    assert path.read_bytes() == stored

    notebook = nbformat.reads(stored.decode(), as_version=4)
    assert [cell.execution_count for cell in notebook.cells] == [1, 2, 3, 4, 5]
    assert all("execution" not in cell.metadata for cell in notebook.cells)
    assert "version" not in notebook.metadata["language_info"]
    assert "image/png" in notebook.cells[2].outputs[0]["data"]
    assert notebook.cells[4].outputs[0]["text"] == INLINE_BACKEND + "\n"
    assert "widgets" in notebook.metadata


def test_run_notebooks_refuses_errors_and_stderr_and_keeps_the_files(tmp_path):
    good = write_notebook(tmp_path / "a_good.ipynb", ["print('fine')"])
    failing = write_notebook(tmp_path / "b_error.ipynb", ["1 / 0", "print('never')"])
    warning = write_notebook(tmp_path / "c_warning.ipynb", ["import warnings\nwarnings.warn('careful')"])
    before = {path: path.read_bytes() for path in (failing, warning)}

    result = _run_notebooks(warning, failing, good)

    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stderr
    assert "UserWarning: careful" in result.stderr
    assert re.search(r"^ok\s+.*a_good\.ipynb", result.stdout, re.MULTILINE)
    for path, content in before.items():
        assert path.read_bytes() == content, f"{path.name} was changed"
    # Sorted order, whatever the order on the command line.
    names = re.findall(r"(\w+)\.ipynb", result.stdout)
    assert names == ["a_good", "b_error", "c_warning"]


def test_run_notebooks_reports_a_missing_notebook(tmp_path):
    result = _run_notebooks(tmp_path / "nothing.ipynb")
    assert result.returncode == 2
    assert "no such notebook" in result.stderr
