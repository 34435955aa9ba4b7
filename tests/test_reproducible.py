"""The stored notebook outputs do not depend on the machine that made them.

``make test`` already compares every notebook's outputs with a fresh run (nbval), but
on *this* machine: the same BLAS kernel, the same SIMD paths, much the same memory
layout as the run that stored them. A learner's laptop or a teacher's CI differs in
all three. This test runs strict nbval over every notebook once more, in a child
process whose numerics are as different from this one's as the machine allows:

- another OpenBLAS kernel (``OPENBLAS_CORETYPE``: Sandybridge, or Haswell where this
  run already uses Sandybridge), so BLAS products add in another order;
- every SIMD path NumPy dispatches at run time switched off (``NPY_DISABLE_CPU_FEATURES``),
  so reductions and ``exp``/``log`` take NumPy's baseline loops;
- a disturbed memory layout and import order: a ``sitecustomize`` module, loaded by
  every Python the child starts (the kernels included), imports SymPy and Gymnasium
  before the notebook imports anything and keeps arrays of odd sizes allocated, so
  later arrays start at other addresses. (matplotlib is left out: imported before
  ipykernel, it would not take the inline backend.)

The cells nbval compares must print the same text. Cells tagged ``nbval-ignore-output``
are still run (an error fails them) but not compared: they are the wall-time cell and
the seeded CartPole runs, which are chaotic through the platform's ``exp``,
``sin`` and ``cos`` (notebook 06 says so).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

DISTURBING_SITECUSTOMIZE = textwrap.dedent(
    """
    # Loaded by every Python of the reproducibility check: another import order and a
    # heap whose free blocks sit elsewhere, so that arrays start at other addresses.
    import sympy, gymnasium, numpy
    _odd_blocks = [numpy.empty(n) for n in (1, 3, 7, 13, 29, 61, 127, 509, 1021, 4093)]
    _odd_bytes = [bytearray(n) for n in (5, 11, 23, 47, 95, 191, 383, 767)]
    """
)


def other_openblas_kernel() -> str | None:
    """An OpenBLAS kernel this CPU can run and this run does not use; None off x86-64 or without AVX."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    if " avx " not in flags and " avx\n" not in flags:
        return None
    current = os.environ.get("OPENBLAS_CORETYPE", "").lower()
    return "Haswell" if current == "sandybridge" else "Sandybridge"


def dispatched_simd_features() -> str:
    """Every SIMD feature NumPy can dispatch to at run time, as NPY_DISABLE_CPU_FEATURES takes them."""
    from numpy._core import _multiarray_umath

    return " ".join(_multiarray_umath.__cpu_dispatch__)


def disturbed_environment(site_dir: Path) -> dict[str, str]:
    """The child's environment: another BLAS kernel, no SIMD dispatch, a disturbed layout."""
    env = dict(os.environ)
    kernel = other_openblas_kernel()
    if kernel is not None:
        env["OPENBLAS_CORETYPE"] = kernel
    env["NPY_DISABLE_CPU_FEATURES"] = dispatched_simd_features()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site_dir), env.get("PYTHONPATH")]))
    return env


def test_the_child_really_runs_other_numerics(tmp_path):
    """The environment takes effect: NumPy reports no dispatched SIMD and the sitecustomize ran."""
    (tmp_path / "sitecustomize.py").write_text(DISTURBING_SITECUSTOMIZE)
    probe = (
        "import sys, numpy; from numpy._core import _multiarray_umath as m;"
        "import sitecustomize;"
        "print(sorted(f for f in m.__cpu_dispatch__ if m.__cpu_features__.get(f)));"
        "print(len(sitecustomize._odd_blocks), 'sympy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], env=disturbed_environment(tmp_path),
                            capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["[]", "10 True"]


@pytest.mark.slow
def test_stored_outputs_do_not_depend_on_blas_kernel_simd_or_memory_layout(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(DISTURBING_SITECUSTOMIZE)
    env = disturbed_environment(tmp_path)
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
               "-q", "--color=no", "-x", "notebooks"]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1200)
    settings = (f"OPENBLAS_CORETYPE={env.get('OPENBLAS_CORETYPE', '(unset)')}, "
                f"NPY_DISABLE_CPU_FEATURES={env['NPY_DISABLE_CPU_FEATURES']!r}, disturbed memory layout")
    assert result.returncode == 0, (
        f"stored outputs differ under {settings}:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    )
    # The child compared every cell: nbval collects one test per code cell.
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None, result.stdout[-2000:]
    assert int(passed.group(1)) == count_code_cells(REPO_ROOT / "notebooks")


def count_code_cells(folder: Path) -> int:
    """The number of code cells in the notebooks of ``folder`` (nbval's number of tests)."""
    return sum(cell["cell_type"] == "code"
               for path in folder.glob("*.ipynb")
               for cell in json.loads(path.read_text(encoding="utf-8"))["cells"])
