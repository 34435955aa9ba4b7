"""Every figure a notebook stores carries a text alternative for screen readers and the book.

The alt text lives in the cell's metadata, ``mystnb`` → ``image`` → ``alt``, where
myst-nb reads it into the ``<img>`` of the book (tests/test_book.py checks the pages).
It says what is plotted and what to notice, so it is at least about ten words, and
it is not a caption that only names the figure.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MIN_WORDS = 10


def figure_cells(path: Path) -> list[dict]:
    """The code cells of a notebook that store an image output."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"
            and any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))]


def alt_text(cell: dict) -> str | None:
    """The cell's ``mystnb.image.alt``, or None."""
    return cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_stored_figure_has_alt_text_that_describes_it(path: Path):
    cells = figure_cells(path)
    assert cells, f"{path.name} stores no figure"
    for cell in cells:
        text = alt_text(cell)
        where = f"{path.name}, cell {cell['id']}"
        assert isinstance(text, str), f"{where}: no alt text in metadata mystnb.image.alt"
        words = re.findall(r"\w+", text)
        assert len(words) >= MIN_WORDS, f"{where}: alt text of {len(words)} words: {text!r}"
        assert not re.match(r"(figure|image|plot)\b", text, re.IGNORECASE), f"{where}: {text!r}"
        assert "$" not in text, f"{where}: LaTeX in alt text: {text!r}"
        assert "\\" not in text, f"{where}: LaTeX in alt text: {text!r}"

