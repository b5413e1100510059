# Bootstraps tox into .venv on first use, so a fresh clone needs nothing but python3.
PYTHON ?= python3
TOX := .venv/bin/tox

.PHONY: report run test lint
report: $(TOX)
	$(TOX) -e report
run: $(TOX)
	$(TOX) -e run
test: $(TOX)
	$(TOX) -e tests,lint
lint: $(TOX)
	$(TOX) -e lint

$(TOX):
	$(PYTHON) -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check "tox>=4,<5"
