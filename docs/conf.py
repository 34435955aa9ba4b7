"""Sphinx configuration for ``make book``: the notebooks as a static HTML book.

The pages are the notebooks in ``notebooks/`` (``docs/notebooks`` is a link to
that folder, so nothing is copied), rendered by myst-nb from their stored
outputs: nothing is executed, so every figure, equation and static slider
fallback is the one the tests compared. The build needs no network: no
intersphinx, and the ipywidgets JavaScript that myst-nb would fetch from a CDN
is switched off (the live sliders need a kernel anyway; each one is followed by
its static small multiples). Equations are typeset in the reader's browser by
MathJax 3, which ``sphinx-mathjax-offline`` copies into the book's ``_static``
folder: the pages load no script from outside the book, and the equations render
offline too.
"""

from __future__ import annotations

project = "Policy Gradient Notebooks"
author = "the Policy Gradient Notebooks contributors"
copyright = "the Policy Gradient Notebooks contributors, MIT License"

# "sphinx-mathjax-offline" (a hyphenated module name) serves MathJax from _static/mathjax.
extensions = ["myst_nb", "sphinx-mathjax-offline"]

root_doc = "index"
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "notebooks/.gitkeep"]

# Render the stored outputs; never start a kernel.
nb_execution_mode = "off"
# No require.js / ipywidgets embed scripts from a CDN: widget views cannot run
# without a kernel, and their static fallbacks are ordinary images.
nb_ipywidgets_js = {}
# A live dashboard's output carries a still image of its first figure beside the widget view
# (helpers.widgets.LiveView): the book shows the image, never an empty widget.
nb_mime_priority_overrides = [(builder, "application/vnd.jupyter.widget-view+json", None)
                              for builder in ("html", "dirhtml", "singlehtml")]
# Dollar maths and a few conveniences in the markdown cells.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
}
html_last_updated_fmt = None
# One fix to the theme for the accessibility audit (tests/test_book.py): the search
# buttons' accessible name must contain their visible text.
html_static_path = ["_static"]
html_js_files = ["accessible-search.js"]
html_show_sourcelink = False
