"""The shape of ``helpers``: each notebook's experiments, figures and dashboards, importing downwards only.

``helpers/experiments/<topic>.py`` computes (no drawing, no widgets),
``helpers/figures/<topic>.py`` draws that data (no widgets), and
``helpers/dashboards/<topic>.py`` wires both to controls; ``helpers.widgets`` is the one
module that knows about ipywidgets and ipympl.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parent.parent / "helpers"
TOPICS = ("theorem", "demand", "grid", "baselines", "continuous", "beyond")
WIDGET_LIBRARIES = ("ipywidgets", "ipympl")


def imported_modules(path: Path) -> set[str]:
    """Every module an ``import`` or ``from ... import`` of the file names, anywhere in it."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _names(modules: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)}


@pytest.mark.parametrize("topic", TOPICS)
def test_each_topic_has_its_three_layers(topic):
    for layer in ("experiments", "figures", "dashboards"):
        assert (HELPERS / layer / f"{topic}.py").is_file()
    assert set(importlib.import_module(f"helpers.dashboards.{topic}").dashboards())


@pytest.mark.parametrize("path", sorted((HELPERS / "experiments").glob("*.py")), ids=lambda p: p.name)
def test_experiments_neither_draw_nor_know_widgets(path):
    forbidden = ("helpers.figures", "helpers.dashboards", "helpers.widgets", "helpers.plotting",
                 "matplotlib", *WIDGET_LIBRARIES)
    assert _names(imported_modules(path), forbidden) == set()


@pytest.mark.parametrize("path", sorted((HELPERS / "figures").glob("*.py")), ids=lambda p: p.name)
def test_figures_know_no_widgets(path):
    forbidden = ("helpers.dashboards", "helpers.widgets", *WIDGET_LIBRARIES)
    assert _names(imported_modules(path), forbidden) == set()


@pytest.mark.parametrize("path", sorted((HELPERS / "dashboards").glob("*.py")), ids=lambda p: p.name)
def test_dashboards_leave_the_drawing_to_figures(path):
    """A dashboard module may name a Figure type, but draws nothing itself."""
    modules = _names(imported_modules(path), ("matplotlib", "helpers.plotting"))
    assert modules <= {"matplotlib.figure", "matplotlib.figure.Figure"}


def test_only_helpers_widgets_imports_the_widget_libraries():
    importers = {path.relative_to(HELPERS).as_posix() for path in HELPERS.rglob("*.py")
                 if _names(imported_modules(path), WIDGET_LIBRARIES)}
    assert importers == {"widgets.py"}


def test_the_layer_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from helpers.figures.grid import draw_paths\n    return draw_paths\n")
    assert _names(imported_modules(module), ("helpers.figures",)) == {"helpers.figures.grid",
                                                                      "helpers.figures.grid.draw_paths"}
