"""Lecture mode: notebooks 00-06 carry slide metadata that RISE (jupyterlab-rise) reads.

Each notebook must open on a slide, every section heading (a markdown line starting
with ``# `` or ``## ``) must start a new slide, the setup cell is skipped, and every
cell's ``slideshow.slide_type`` is one that RISE knows. The notebooks are read as
JSON (no nbformat import: it is slow with JupyterLab installed).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
LECTURE_NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("0[0-6]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
SECTION_HEADING = re.compile(r"^#{1,2} \S", re.MULTILINE)


def cells_of(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def slide_type(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def test_every_notebook_can_be_presented():
    assert [path.name[:2] for path in LECTURE_NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", LECTURE_NOTEBOOKS, ids=lambda path: path.name[:2])
def test_every_cell_has_a_known_slide_type(path):
    unknown = [(index, slide_type(cell)) for index, cell in enumerate(cells_of(path))
               if slide_type(cell) not in SLIDE_TYPES]
    assert unknown == [], f"{path.name}: cells without a RISE slide type (index, type): {unknown}"


@pytest.mark.parametrize("path", LECTURE_NOTEBOOKS, ids=lambda path: path.name[:2])
def test_the_notebook_opens_on_its_title_slide(path):
    first = cells_of(path)[0]
    assert first["cell_type"] == "markdown"
    assert source(first).startswith("# "), "the first cell should be the title"
    assert slide_type(first) == "slide"


def going_deeper_cells(cells: list[dict]) -> set[int]:
    """The cells of the sections whose heading starts with "Going deeper", up to the next section."""
    inside, found = False, set()
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and SECTION_HEADING.search(source(cell)):
            inside = bool(re.search(r"^#{1,2} Going deeper", source(cell), re.MULTILINE))
        if inside:
            found.add(index)
    return found


@pytest.mark.parametrize("path", LECTURE_NOTEBOOKS, ids=lambda path: path.name[:2])
def test_going_deeper_sections_are_skipped_on_the_slides(path):
    cells = cells_of(path)
    shown = [index for index in sorted(going_deeper_cells(cells)) if slide_type(cells[index]) != "skip"]
    assert shown == [], f"{path.name}: cells of a 'Going deeper' section shown on the slides: {shown}"


@pytest.mark.parametrize("path", LECTURE_NOTEBOOKS, ids=lambda path: path.name[:2])
def test_every_section_heading_starts_a_slide(path):
    cells = cells_of(path)
    deeper = going_deeper_cells(cells)
    headings = [index for index, cell in enumerate(cells) if index not in deeper
                and cell["cell_type"] == "markdown" and SECTION_HEADING.search(source(cell))]
    assert len(headings) >= 4, f"{path.name}: expected a title and sections, found {headings}"
    not_slides = [(index, slide_type(cells[index])) for index in headings
                  if slide_type(cells[index]) != "slide"]
    assert not_slides == [], f"{path.name}: section headings that are not slides: {not_slides}"
    # And nothing else is a top-level slide: the slides are exactly the sections.
    slides = [index for index, cell in enumerate(cells) if slide_type(cell) == "slide"]
    assert slides == headings


@pytest.mark.parametrize("path", LECTURE_NOTEBOOKS, ids=lambda path: path.name[:2])
def test_the_setup_cell_and_the_worked_solutions_are_skipped(path):
    cells = cells_of(path)
    setup = next(cell for cell in cells if cell["cell_type"] == "code")
    assert "use_house_style()" in source(setup)
    assert slide_type(setup) == "skip"
    # A solution that shares its cell with the next section heading (the recap) is
    # shown with that slide: only the heading rule applies to it.
    solutions = [index for index, cell in enumerate(cells) if cell["cell_type"] == "markdown"
                 and "<summary>Show a worked solution</summary>" in source(cell)
                 and not SECTION_HEADING.search(source(cell))]
    assert len(solutions) >= 2
    shown = [index for index in solutions if slide_type(cells[index]) != "skip"]
    assert shown == [], f"{path.name}: worked solutions shown on slides: {shown}"


@pytest.mark.parametrize("path", LECTURE_NOTEBOOKS, ids=lambda path: path.name[:2])
def test_every_live_slider_is_shown(path):
    live = [index for index, cell in enumerate(cells_of(path))
            if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", [])
            and ".view()" in source(cell)]
    cells = cells_of(path)
    assert live, f"{path.name} has no live dashboard"
    assert all(slide_type(cells[index]) != "skip" for index in live)
