"""Write the student edition of the notebooks: no worked solutions, exercise outputs cleared.

Usage::

    python tools/make_student.py                    # notebooks/*.ipynb -> build/student/
    python tools/make_student.py --out DIR notebooks/02_*.ipynb

For every notebook it writes a copy in which

- every ``<details>`` block of a markdown cell (the worked solutions, "Show a
  worked solution") is removed, and a markdown cell left empty is dropped;
- every code cell tagged ``solution`` (code that belongs to a worked solution,
  such as the numbers it quotes) is dropped;
- a note at the top says that this is the student edition;
- each exercise keeps its answer cell (the code cell just before a ``check_*``
  call, which holds the stub ``answer = None  # your code``) and its check cell,
  with their stored outputs cleared;
- both carry nbgrader's cell metadata, so that the folder can serve as an nbgrader
  source assignment: the answer cell is an autograded answer ("solution"), the
  check cell a locked autograder test worth one point. The stub lines
  (``answer = None  # your code``) stand between nbgrader's ``### BEGIN SOLUTION``
  and ``### END SOLUTION``, so nbgrader's release version replaces just them and
  keeps the cell's given lines. Under nbgrader a check raises on a wrong answer;
  elsewhere it only shows its feedback.

Everything else (explanations, figures, the static small multiples under each
slider) is kept as stored. The helpers package still checks the answers.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
DEFAULT_OUT = REPO_ROOT / "build" / "student"
SOLUTION = re.compile(r"<details>.*?</details>\n?", re.S)
CHECK_CALL = re.compile(r"^\s*check_\w+\(", re.M)
STUB_LINE = re.compile(r"^\w+ = None\s+# your ")
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
NBGRADER_SCHEMA_VERSION = 3
SOLUTION_TAG = "solution"
STUDENT_NOTE = ("**Student edition.** The worked solutions are not in this copy; where the text mentions "
                "them, ask your teacher. Each exercise's check cell tells you whether your answer is right.")


def source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (notebooks store it as a list of lines)."""
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def is_check(cell: dict[str, Any]) -> bool:
    """A code cell whose last statement calls a ``check_*`` function."""
    lines = [line for line in source(cell).strip().splitlines() if line.strip()]
    return cell["cell_type"] == "code" and bool(lines) and bool(CHECK_CALL.match(lines[-1]))


def exercise_pairs(cells: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(answer cell, check cell) indices: each check cell and the code cell just before it."""
    pairs = []
    for index, cell in enumerate(cells):
        if not is_check(cell):
            continue
        answer = next((i for i in range(index - 1, -1, -1) if cells[i]["cell_type"] == "code"), None)
        if answer is None or is_check(cells[answer]):
            raise ValueError(f"check cell {index} has no answer cell before it")
        pairs.append((answer, index))
    return pairs


def mark_stubs(code: str) -> str:
    """Put nbgrader's solution markers around each run of stub lines ``answer = None  # your ...``."""
    lines, marked, inside = code.splitlines(), [], False
    for line in lines:
        stub = bool(STUB_LINE.match(line))
        if stub and not inside:
            marked.append(BEGIN_SOLUTION)
        elif not stub and inside:
            marked.append(END_SOLUTION)
        marked.append(line)
        inside = stub
    if inside:
        marked.append(END_SOLUTION)
    if BEGIN_SOLUTION not in marked:
        raise ValueError(f"an answer cell has no stub line 'answer = None  # your ...': {code[:80]!r}")
    return "\n".join(marked)


def nbgrader_metadata(kind: str, grade_id: str) -> dict[str, Any]:
    """The nbgrader metadata of an autograded answer (``"answer"``) or an autograder test (``"check"``)."""
    if kind == "answer":
        return {"grade": False, "grade_id": grade_id, "locked": False,
                "schema_version": NBGRADER_SCHEMA_VERSION, "solution": True, "task": False}
    return {"grade": True, "grade_id": grade_id, "locked": True, "points": 1,
            "schema_version": NBGRADER_SCHEMA_VERSION, "solution": False, "task": False}


def student_edition(notebook: dict[str, Any]) -> dict[str, Any]:
    """The student edition of one notebook (a new dict; the input is not changed)."""
    notebook = copy.deepcopy(notebook)
    cells = notebook["cells"]
    for number, (answer, check) in enumerate(exercise_pairs(cells), start=1):
        for index, kind in ((answer, "answer"), (check, "check")):
            cells[index]["outputs"] = []
            cells[index]["execution_count"] = None
            cells[index].setdefault("metadata", {})["nbgrader"] = nbgrader_metadata(kind, f"{kind}-{number}")
        cells[answer]["source"] = mark_stubs(source(cells[answer]))
    kept = [{"cell_type": "markdown", "id": "student-edition", "metadata": {}, "source": STUDENT_NOTE}]
    for cell in cells:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell["cell_type"] == "markdown":
            text = SOLUTION.sub("", source(cell))
            if not text.strip():
                continue
            cell["source"] = text.strip("\n")
        kept.append(cell)
    notebook["cells"] = kept
    return notebook


def main(argv: list[str] | None = None) -> int:
    """Write the student edition of the given notebooks (default: all) into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}")
    args = parser.parse_args(argv)
    paths = sorted(args.notebooks) if args.notebooks else sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(f"error: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        edition = student_edition(json.loads(path.read_text(encoding="utf-8")))
        target = args.out / path.name
        target.write_text(json.dumps(edition, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        n_exercises = len(exercise_pairs(edition["cells"]))
        print(f"{target}: {n_exercises} exercises, solutions removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
