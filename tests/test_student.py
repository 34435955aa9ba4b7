"""`make student`: the notebooks without their worked solutions, still runnable, ready for nbgrader."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FENCE = re.compile(r"```(?:python)?\n(.*?)```", re.S)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)


def solution_fragments(notebook: dict) -> list[str]:
    """The code lines and display equations of the notebook's worked solutions (long enough to be telling)."""
    fragments = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for block in make_student.SOLUTION.findall(make_student.source(cell)):
            for code in FENCE.findall(block):
                fragments += [line.strip() for line in code.splitlines() if len(line.strip()) >= 12]
            fragments += [" ".join(eq.split()) for eq in DISPLAY_MATH.findall(block)]
    # Code cells tagged as part of a worked solution.
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and make_student.SOLUTION_TAG in cell["metadata"].get("tags", []):
            lines = make_student.source(cell).splitlines()
            fragments += [line.strip() for line in lines if len(line.strip()) >= 12]
    return fragments


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("student")
    assert make_student.main(["--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_worked_solution_leaks_and_every_exercise_stays(student_dir: Path, path: Path):
    teacher = json.loads(path.read_text(encoding="utf-8"))
    student_text = (student_dir / path.name).read_text(encoding="utf-8")
    student = json.loads(student_text)
    fragments = solution_fragments(teacher)
    assert len(fragments) >= 3, f"{path.name}: too few solution fragments found to test for leaks"
    markdown = " ".join(" ".join(make_student.source(c).split()) for c in student["cells"]
                        if c["cell_type"] == "markdown")
    code = "\n".join(make_student.source(c) for c in student["cells"] if c["cell_type"] == "code")
    # A line the teacher's notebook itself shows in a code cell (a stub's signature) is no leak.
    given = "\n".join(make_student.source(c) for c in teacher["cells"] if c["cell_type"] == "code"
                      and make_student.SOLUTION_TAG not in c["metadata"].get("tags", []))
    leaked = [f for f in fragments if (f in markdown or f in code) and f not in given]
    assert not leaked, f"{path.name}: the student edition shows solution text {leaked[:3]}"
    assert "<details>" not in markdown
    pairs = make_student.exercise_pairs(student["cells"])
    assert len(pairs) == len(make_student.exercise_pairs(teacher["cells"])) >= 3
    for answer, check in pairs:
        assert student["cells"][answer]["outputs"] == student["cells"][check]["outputs"] == []
        assert student["cells"][answer]["metadata"]["nbgrader"]["solution"] is True
        assert student["cells"][check]["metadata"]["nbgrader"]["grade"] is True
    # Everything else is kept: the figures stay.
    def images(nb: dict) -> int:
        return sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
    assert images(student) == images(teacher) - sum(
        "image/png" in o.get("data", {}) for i, j in make_student.exercise_pairs(teacher["cells"])
        for k in (i, j) for o in teacher["cells"][k].get("outputs", []))


def test_the_teacher_notebooks_are_left_alone(student_dir: Path):
    for path in NOTEBOOKS:
        assert "Show a worked solution" in path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_every_student_notebook_runs_in_a_fresh_kernel_and_the_checks_say_not_yet(student_dir: Path):
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "run_notebooks.py"),
                             *sorted(str(p) for p in student_dir.glob("*.ipynb"))],
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in sorted(student_dir.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for _, check in make_student.exercise_pairs(notebook["cells"]):
            shown = "".join("".join(o.get("data", {}).get("text/markdown", ""))
                            for o in notebook["cells"][check]["outputs"])
            assert "Not yet" in shown, f"{path.name} cell {check}: {shown!r}"


def test_checks_raise_with_their_hint_only_under_nbgrader(monkeypatch):
    from helpers.exercises.welcome import check_return

    rewards = [-1.0, -1.0, 0.0, 5.0]
    assert not check_return(None, rewards, 0.9)  # self-study: feedback, no exception
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError, match=r"Not yet: .*still `None`"):
        check_return(None, rewards, 0.9)
    assert check_return(-1.0 - 0.9 + 5.0 * 0.9**3, rewards, 0.9)  # a right answer passes quietly
