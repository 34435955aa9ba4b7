"""Grading with nbgrader: the student edition is an nbgrader source assignment that autogrades.

Skipped where nbgrader (the ``classroom`` extra) is not installed; ``make test`` and CI
install it. One notebook (00, three warm-ups) goes through nbgrader's whole cycle in
a temporary course folder: generate the release version, then autograde two
submissions, one with the worked solutions' answers and one with the stubs left as
they are, and read the scores from nbgrader's gradebook.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbgrader", reason="nbgrader is in the 'classroom' extra: pip install -e '.[classroom]'")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "00_welcome.ipynb"
ASSIGNMENT = "warmups"
FENCE = "```python\n"


def worked_solutions(notebook: dict) -> list[str]:
    """The code of each worked solution, in exercise order."""
    codes = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for block in make_student.SOLUTION.findall(make_student.source(cell)):
                codes.append(block.split(FENCE, 1)[1].split("```", 1)[0])
    return codes


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}",
               "--CourseDirectory.course_id=pgn"]
    # nbgrader runs the `alembic` command of its environment by name: put that environment first on PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path}
    result = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_generate_the_assignment_and_autograde_a_right_and_a_wrong_submission(tmp_path: Path):
    course = tmp_path / "course"
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    assert make_student.main(["--out", str(source), str(NOTEBOOK)]) == 0
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--create", "--force")
    released = course / "release" / ASSIGNMENT / NOTEBOOK.name
    assert released.is_file()

    teacher = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    solutions = worked_solutions(teacher)
    # The wrong submission answers with the stubs themselves (`answer = None`).
    stubs = ["\n".join(line for line in make_student.source(teacher["cells"][answer]).splitlines()
                       if make_student.STUB_LINE.match(line))
             for answer, _ in make_student.exercise_pairs(teacher["cells"])]
    for student, answers in (("right", solutions), ("wrong", stubs)):
        submission = json.loads(released.read_text(encoding="utf-8"))
        pairs = make_student.exercise_pairs(submission["cells"])
        assert len(pairs) == len(solutions) == 3
        for (answer, _), code in zip(pairs, answers, strict=True):
            cell = submission["cells"][answer]
            released_code = make_student.source(cell)
            assert "raise NotImplementedError()" in released_code  # the stub, as nbgrader releases it
            assert "rewards = " in released_code or "N" in released_code  # the given lines stay
            cell["source"] = released_code.replace("raise NotImplementedError()", code)
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / NOTEBOOK.name).write_text(json.dumps(submission), encoding="utf-8")
    nbgrader(course, "autograde", ASSIGNMENT, "--create", "--force")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {student: gradebook.find_submission(ASSIGNMENT, student).score
                  for student in ("right", "wrong")}
        max_score = gradebook.find_assignment(ASSIGNMENT).max_score
    assert max_score == 3
    assert scores == {"right": 3, "wrong": 0}
    # The autograded notebook of the wrong submission carries the checks' hints as the failures.
    graded = course / "autograded" / "wrong" / ASSIGNMENT / NOTEBOOK.name
    text = graded.read_text(encoding="utf-8")
    assert "AssertionError" in text
    assert "Not yet" in text
    assert "still `None`" in text
    shutil.rmtree(course)
