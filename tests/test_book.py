"""`make book`: every notebook becomes a page of the static HTML book, with its figures.

The book is built once per run into a temporary folder with the command the
Makefile uses (Sphinx + myst-nb from docs/conf.py, warnings as errors, stored
outputs rendered, nothing executed). Each notebooks/*.ipynb must then have a
page that holds as many PNG images as the notebook has image/png outputs (its
figures and the static small multiples below each slider), its plain-text
headings, and its equations; and the pages must load nothing from the network
except MathJax, which typesets the equations in the reader's browser.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# Headings whose markdown is plain text: maths, code, emphasis, links or HTML render differently.
MARKUP = re.compile(r"[$`*_\[\]<>\\]")


class _Page(HTMLParser):
    """Collect the <img> sources, the heading texts and the external scripts of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[str] = []
        self.alts: dict[str, str] = {}
        self.headings: list[str] = []
        self.scripts: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes.get("src") or "")
            self.alts[attributes.get("src") or ""] = attributes.get("alt") or ""
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"] or "")
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            text = " ".join("".join(self._heading).split()).rstrip("#¶ ").strip()
            # Sphinx's smart quotes: the page shows ’ and “ ” where the markdown has ' and ".
            text = text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'}))
            self.headings.append(text)
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)


def _parse(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _png_outputs(notebook: dict) -> int:
    return sum("image/png" in output.get("data", {})
               for cell in notebook["cells"] if cell["cell_type"] == "code"
               for output in cell.get("outputs", []))


def _plain_headings(notebook: dict) -> list[str]:
    headings = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        in_fence = False
        for line in "".join(cell["source"]).splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            match = None if in_fence else HEADING.match(line)
            if match and not MARKUP.search(match.group(2)):
                headings.append(" ".join(match.group(2).split()))
    return headings


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the book as `make book` does, into a temporary folder; return its HTML folder."""
    out = tmp_path_factory.mktemp("book") / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "docs", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"the book did not build cleanly:\n{result.stdout}\n{result.stderr}"
    return out


def test_there_are_notebooks_to_publish():
    assert len(NOTEBOOKS) >= 5


def test_index_links_every_notebook(book: Path):
    index = (book / "index.html").read_text(encoding="utf-8")
    for notebook in NOTEBOOKS:
        assert f'href="notebooks/{notebook.stem}.html"' in index, f"index.html does not link {notebook.name}"


@pytest.mark.parametrize("notebook_path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_notebook_has_a_page_with_its_figures_headings_and_equations(book: Path, notebook_path: Path):
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    page_path = book / "notebooks" / f"{notebook_path.stem}.html"
    assert page_path.is_file(), f"no page for {notebook_path.name}"
    page = _parse(page_path)

    pngs = [src for src in page.images if src.endswith(".png") or src.startswith("data:image/png")]
    assert len(pngs) == _png_outputs(notebook), (
        f"{page_path.name} shows {len(pngs)} PNG images, the notebook stores {_png_outputs(notebook)}")
    for src in pngs:
        if not src.startswith("data:"):
            assert (page_path.parent / unescape(src)).is_file(), f"{page_path.name}: missing image file {src}"
        # The alt text of the cell's metadata, not the file name myst-nb falls back to.
        alt = page.alts.get(src, "")
        assert len(alt.split()) >= 10, f"{page_path.name}: image {src} has alt text {alt!r}"

    headings = _plain_headings(notebook)
    assert headings, f"{notebook_path.name} has no plain-text heading to look for"
    missing = [heading for heading in headings if heading not in page.headings]
    assert not missing, f"{page_path.name} lacks the headings {missing}; it has {page.headings}"

    markdown = "".join("".join(cell["source"]) for cell in notebook["cells"]
                       if cell["cell_type"] == "markdown")
    if "$" in markdown:
        assert 'class="math' in page_path.read_text(encoding="utf-8"), f"{page_path.name} has no equations"

    external = [src for src in page.scripts if re.match(r"[a-z][a-z0-9+.-]*:|//", src, re.IGNORECASE)]
    assert not external, f"{page_path.name} loads scripts from outside the book: {external}"
    mathjax = [src for src in page.scripts if "mathjax" in src.lower()]
    assert mathjax, f"{page_path.name} loads no MathJax"
    for src in mathjax:
        assert (page_path.parent / unescape(src).split("?")[0]).is_file(), f"{page_path.name}: no {src}"


@pytest.mark.browser
def test_equations_render_with_the_network_refused(book: Path, lab_page):
    """Offline, MathJax from the book itself typesets a page's equations (no request leaves the book)."""
    refused: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    lab_page.route("**/*", only_files)
    page_path = book / "notebooks" / f"{NOTEBOOKS[1].stem}.html"
    lab_page.goto(page_path.as_uri())
    lab_page.wait_for_selector("mjx-container[jax]", state="attached", timeout=30_000)
    typeset = lab_page.locator("mjx-container[jax]").count()
    assert typeset >= 20, f"only {typeset} equations typeset"
    assert not any("mathjax" in url.lower() for url in refused), refused


AXE_JS = Path(sys.prefix) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.mark.browser
def test_every_page_passes_the_axe_core_accessibility_audit(book: Path, lab_page):
    """axe-core (WCAG 2.1 A and AA rules and best practices) finds nothing serious or critical on any page.

    ``make test`` installs axe-core from the npm registry into the environment.
    """
    if not AXE_JS.is_file():
        from tests.jupyterlab_browser import running_in_ci

        message = f"{AXE_JS} is missing: `make test` installs it with npm"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    axe = AXE_JS.read_text(encoding="utf-8")
    lab_page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                   else route.abort())
    pages = sorted(p for p in book.rglob("*.html")
                   if "_static" not in p.parts and "_sources" not in p.parts)
    assert len(pages) >= len(NOTEBOOKS) + 1
    found = {}
    for page_path in pages:
        lab_page.goto(page_path.as_uri())
        lab_page.wait_for_load_state("load")
        lab_page.add_script_tag(content=axe)
        violations = lab_page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact,"
            " targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))")
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            found[str(page_path.relative_to(book))] = blocking
    assert not found, f"serious or critical accessibility violations: {found}"
