# Policy Gradient Notebooks
#
#   make lab    open the notebooks in JupyterLab (creates .venv on first use)
#   make test   run every test: unit tests, notebooks (nbval), the browser test
#
# Extras: make notebooks | bench | lint | clean | help
# Both main commands create the environment in .venv from pyproject.toml when it
# is missing, and install it again whenever pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN ?= $(VENV)/bin
STAMP := $(VENV)/.installed

# Extra options for JupyterLab, e.g. make lab LAB_ARGS="--port=8899 --no-browser"
LAB_ARGS ?=
# Extra options for pytest, e.g. make test PYTEST_ARGS="-x -k grid"
PYTEST_ARGS ?=
# Notebooks for `make notebooks` (default: every notebooks/*.ipynb)
NOTEBOOKS ?=
# Where `make book` writes the HTML (build/ is git-ignored)
BOOK_DIR ?= build/book
# Where `make student` writes the student edition
STUDENT_DIR ?= build/student

.DEFAULT_GOAL := help
.PHONY: help venv lab test notebooks bench lint clean book student

help:
	@echo "make lab        open the notebooks in JupyterLab (LAB_ARGS=... for more options)"
	@echo "make test       run the unit tests, the notebooks (nbval) and the browser test"
	@echo "make notebooks  re-execute notebooks/*.ipynb in place (NOTEBOOKS=... for some)"
	@echo "make bench      run the speed measurements in benchmarks/"
	@echo "make lint       check the code with ruff"
	@echo "make book       build the notebooks as a static HTML book in $(BOOK_DIR)"
	@echo "make student    write the student edition (no worked solutions) to $(STUDENT_DIR)"
	@echo "make clean      remove .venv and caches"

# The environment: created once, reinstalled when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[test,classroom]'
	@# nbgrader (the classroom extra) grades from the command line; keep its menus, panels
	@# and server extensions out of the learners' JupyterLab (a teacher can enable them).
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1
	for extension in formgrader validate_assignment assignment_list course_list; do \
		$(BIN)/jupyter server extension disable --sys-prefix nbgrader.server_extensions.$$extension >/dev/null 2>&1; \
	done
	touch $(STAMP)

venv: $(STAMP)

# axe-core, the accessibility rules the book is audited with (tests/test_book.py), from
# the npm registry into the environment; without npm the audit is skipped (not in CI).
AXE_VERSION := 4.14.1
AXE := $(VENV)/node_modules/axe-core/axe.min.js
$(AXE): | $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix $(VENV) --no-save --no-audit --no-fund --silent axe-core@$(AXE_VERSION); \
	else echo "npm not found: the book's accessibility audit will be skipped"; fi

# JupyterLab refuses to run as root unless told; containers often run as root.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

# exec: the recipe's shell becomes JupyterLab, so a signal reaches it directly.
lab: $(STAMP)
	exec $(BIN)/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks $(ROOT_ARGS) $(LAB_ARGS)

# --nbval only adds the *.ipynb files (in notebooks/) as tests; *.py tests are unaffected.
test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest --nbval --nbval-current-env $(PYTEST_ARGS)

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py $(NOTEBOOKS)

bench: $(STAMP)
	@set -e; ran=0; \
	for script in benchmarks/*.py; do \
		[ -f "$$script" ] || continue; \
		case "$$(basename "$$script")" in _*) continue;; esac; \
		echo "== $$script"; \
		$(BIN)/python "$$script"; \
		ran=1; \
	done; \
	[ "$$ran" = 1 ] || echo "No benchmarks/*.py: nothing to run."

lint: $(STAMP)
	$(BIN)/ruff check .

# The stored outputs rendered by Sphinx + myst-nb (docs/conf.py); nothing is executed.
# -W: a warning fails the build; --keep-going reports all of them first.
book: $(STAMP)
	$(BIN)/sphinx-build -b html -W --keep-going -q docs $(BOOK_DIR)
	@echo "The book is in $(BOOK_DIR)/index.html"

# The notebooks without their worked solutions, exercise outputs cleared, nbgrader-ready.
student: $(STAMP)
	$(BIN)/python tools/make_student.py --out $(STUDENT_DIR)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
