# Bootstraps tox into .venv on first use, so a fresh clone needs nothing but python3.
PYTHON ?= python3
TOX := .venv/bin/tox

.PHONY: report history run test lint
report: $(TOX)
	$(TOX) -e report
# The full-history overview: every runtime that installs here (TF 1.0 ... 1.15, TF 2). Not the
# configured report, so it writes no case pages (docs/report.md) and leaves reports/cases/ alone.
history: $(TOX)
	$(TOX) -e history
run: $(TOX)
	$(TOX) -e run
test: $(TOX)
	$(TOX) -e tests,lint
lint: $(TOX)
	$(TOX) -e lint

$(TOX):
	$(PYTHON) -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check "tox>=4,<5"
