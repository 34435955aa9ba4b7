"""The notation table of notebook 00 holds everywhere: no notebook's text uses a retired spelling.

The collection writes Sutton & Barto's symbols (2nd ed., chapter 13). The spellings below
are the usual alternatives from other texts; a test fails on any of them in any
notebook's markdown, naming the notebook, the cell and the line. A second test checks
that every symbol of notebook 00's table is written the same way in the later notebooks.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WELCOME = NOTEBOOKS[0] if NOTEBOOKS and NOTEBOOKS[0].name.startswith("00_") else None

RETIRED = {
    r"(\\hat\s*\{?g\}?|ĝ|g\u0302)_\{?m\b": (
        "one episode's estimate is ĝ^m (\\hat g^m), a superscript; ĝ_m reads as a component"),
    r"\bP\(\s*A_t\s*(\||\\mid)\s*S_t": "the policy is π(A_t|S_t,θ), not P(A_t|S_t)",
    r"(?<![\w\\])V\(s\)|V_\\pi|V_π|V\^\\pi|V\^π": "the state value is v_π(s), lower case",
    r"(?<![\w\\])Q\(s,|Q_\\pi|Q_π|Q\^\\pi|Q\^π": "the action value is q_π(s,a), lower case",
    r"(?<![\w\\])j\((\\theta|θ)": "the objective is J(θ), upper case",
    r"(?<![\w\\])R_t(?![\w{+])|R_\{t\}": "the reward after A_t is R_{t+1} (rewards[t] is R_{t+1})",
    r"\\pi_\\theta\(\s*a|π_θ\(\s*a": "the policy is π(a|s,θ), with θ after the bar",
    r"\\log\s*\\pi|\blog\s*π": "the score is ∇ln π (natural log, written ln)",
    r"d\^\{?\\pi|d\^π|\\rho\^\{?\\pi|ρ\^π": "the on-policy distribution is μ(s)",
}
"""Retired spelling (a regular expression) -> what the collection writes instead."""


def markdown_lines(path: Path) -> list[tuple[int, int, str]]:
    """(cell number, line number, text) of every markdown line of a notebook, both 1-based."""
    notebook = nbformat.read(path, as_version=4)
    return [(cell_number, line_number, line)
            for cell_number, cell in enumerate(notebook.cells, start=1) if cell.cell_type == "markdown"
            for line_number, line in enumerate(cell.source.splitlines(), start=1)]


def retired_spellings(lines: list[tuple[int, int, str]], name: str) -> list[str]:
    """One message per retired spelling found, naming the notebook, the cell and the line."""
    return [f"{name}, cell {cell}, line {number}: {match.group(0)!r} — {advice}\n    {text.strip()}"
            for cell, number, text in lines
            for pattern, advice in RETIRED.items()
            for match in re.finditer(pattern, text)]


def test_the_notebooks_are_found():
    assert [path.name[:2] for path in NOTEBOOKS][:7] == ["00", "01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_no_retired_spelling(path):
    problems = retired_spellings(markdown_lines(path), f"notebooks/{path.name}")
    assert not problems, "retired notation:\n" + "\n".join(problems)


@pytest.mark.parametrize(("text", "found"), [
    (r"one episode's $\hat g_m$", True),
    (r"one episode's $\hat{g}_{m}$", True),
    ("ĝ_m is noisy", True),
    (r"one episode's $\hat g^m$ and $\hat g^{(m)}$", False),
    (r"$P(A_t|S_t)$", True),
    (r"$P(A_t \mid S_t, \theta)$", True),
    (r"$\pi(A_t|S_t,\theta)$", False),
    (r"the value $V(s)$", True),
    (r"$V_\pi(s)$ and $Q^\pi(s,a)$", True),
    (r"$Q(s, a)$", True),
    (r"$v_\pi(s)$, $q_\pi(s,a)$, $\hat v(s, w)$", False),
    (r"$j(\theta)$", True),
    (r"$J(\theta)$", False),
    (r"the reward $R_t$ after $A_t$", True),
    (r"$R_{t}$", True),
    (r"$R_{t+1}$, $R_T$, $G_t = R_{t+1} + \gamma G_{t+1}$", False),
    (r"$\pi_\theta(a|s)$", True),
    (r"$\pi_\theta(\tau)$, the probability of a trajectory", False),
    (r"$\nabla\log\pi$", True),
    (r"$\nabla\ln\pi(a|s,\theta)$", False),
    (r"$d^\pi(s)$", True),
    (r"$\mu(s) = \eta(s)/\sum_{s'}\eta(s')$", False),
])
def test_the_retired_patterns_catch_what_they_should(text, found):
    assert bool(retired_spellings([(1, 1, text)], "example")) == found


def test_a_problem_names_the_notebook_cell_and_line():
    [message] = retired_spellings([(4, 7, r"where $V(s)$ is")], "notebooks/99_example.ipynb")
    assert message.startswith("notebooks/99_example.ipynb, cell 4, line 7: 'V(s)'")


def normalise(latex: str) -> str:
    r"""One spelling per symbol: ``\mid`` is ``|``, no spaces or thin spaces."""
    return re.sub(r"\\[,;!]|\s+", "", latex.replace(r"\mid", "|"))


def notation_table() -> list[list[str]]:
    """The math of the first column of notebook 00's notation table, one list per row."""
    assert WELCOME is not None, "notebooks/00_welcome.ipynb is missing"
    lines = [text for _, _, text in markdown_lines(WELCOME)]
    start = next(i for i, text in enumerate(lines) if text.startswith("| symbol | meaning |"))
    rows = []
    for text in lines[start + 2:]:
        if not text.startswith("|"):
            break
        rows.append(re.findall(r"\$([^$]+)\$", text.split(" | ")[0]))
    return rows


REQUIRED = [r"s", r"a", r"r", r"G_t", r"\pi(a|s,\theta)", r"J(\theta)", r"v_\pi(s)", r"q_\pi(s,a)",
            r"\mu(s)", r"\eta(s)", r"\alpha", r"\gamma", r"b(s)", r"\hat g^m", r"\hat g"]
"""The symbols the table must define (issue 8 and CONTRIBUTING.md)."""


def test_the_table_defines_every_symbol():
    symbols = {normalise(symbol) for row in notation_table() for symbol in row}
    missing = [symbol for symbol in REQUIRED if normalise(symbol) not in symbols]
    assert not missing, f"notebooks/00_welcome.ipynb's notation table lacks {missing}"


def test_the_later_notebooks_write_every_symbol_as_the_table_does():
    text = "\n".join(normalise(line) for path in NOTEBOOKS[1:] for _, _, line in markdown_lines(path))
    symbols = [symbol for row in notation_table() for symbol in row]
    assert len(symbols) >= len(REQUIRED)
    unused = [symbol for symbol in symbols if normalise(symbol) not in text]
    assert not unused, f"symbols of the notation table that no notebook 01-06 writes this way: {unused}"
