"""docs/writing-cases.md: generated from the step table and current; its worked example is a real
case that conforms."""

from __future__ import annotations

import re

from harness import cases as caselib
from harness import docs, steps

from .conftest import ROOT

DOC = ROOT / docs.PATH
EXAMPLE = ROOT / "cases" / "examples" / "name-scope-slash-reenters-absolute-scope.yaml"


def test_writing_cases_is_current():
    assert DOC.read_text(encoding="utf-8") == docs.text(), \
        "docs/writing-cases.md is stale: run `python -m harness.docs`"


def test_the_reference_lists_every_step_and_argument():
    text = docs.reference()
    for kind, step in steps.STEPS.items():
        section = re.search(rf"^### {kind}\n(.*?)(?=^### |^## |\Z)", text, re.M | re.S)
        assert (section is not None) != step.test_only, kind
        if step.test_only:
            continue
        rows = re.findall(r"^\| `(\w+)`", section.group(1), re.M)
        assert rows == step.arg_names, kind
        for name in step.required:
            assert re.search(rf"^\| `{name}`.*\*\*required\*\* \|$", section.group(1), re.M)
        if step.captures:
            assert all(f"`{f}`" in section.group(1) for f in steps.FACTS[step.captures])


def test_the_walkthrough_shows_the_example_case_as_it_is():
    (case,), errors = caselib.load_file(EXAMPLE)
    assert not errors
    text = DOC.read_text(encoding="utf-8")
    text = text[text.index("## From a claim to a case"):]  # after the section on tracing
    body = EXAMPLE.read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S)[:3]:
        assert block in body, block  # source, program and expect, verbatim
    assert case.id in text and case.expect
