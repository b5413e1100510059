"""Every case's program in new surroundings (run twice, inside a variable scope, inside an
AUTO_REUSE scope, inside a re-entered name scope, on a device), on real TensorFlow 1.15: programs
nobody wrote by hand, whose outcome no case claims. Each must be run to the end by the worker (no
harness error, crash or timeout), and its exported script must observe exactly what the worker
did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness import cases as caselib
from harness.compare import OBSERVED
from harness.runner import run_cases

from .test_export import run_exported

ROOT = Path(__file__).resolve().parent.parent
WRAPS = {
    "twice": lambda p: [{"repeat": 2, "do": p}],
    "in-scope": lambda p: [{"variable_scope": {"name_or_scope": "outer"}, "do": p}],
    "in-auto-reuse": lambda p: [{"variable_scope": {"name_or_scope": "outer",
                                                    "reuse": "auto_reuse"}, "do": p}],
    "in-reentered-name-scope": lambda p: [{"name_scope": "n"},
                                          {"name_scope": {"name": "n"}, "do": p}],
    "on-device": lambda p: [{"device": "/cpu:0", "do": p}],
}


@pytest.fixture(scope="module")
def variations() -> list[caselib.Case]:
    out = []
    for path in caselib.case_files([ROOT / "cases"]):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data if isinstance(data, list) else [data]:
            for name, wrap in WRAPS.items():
                doc = {"id": f"{case['id']}.{name}", "title": "t",
                       "source": {"doc": "variation", "quote": case["id"]},
                       "program": wrap(case["program"]), "expect": {}}
                if "imports" in case:  # the modules its program names
                    doc["imports"] = case["imports"]
                cases, errors = caselib.load_text(json.dumps(doc), f"{path}[{name}]")
                if name == "twice" and any("`repeat` renders as" in str(e) for e in errors):
                    # The program binds `i`, which repeat's `for i in range(N)` would rebind.
                    doc["program"] = [{"for": {"in": [0, 1], "as": "twice"},
                                       "do": case["program"]}]
                    cases, errors = caselib.load_text(json.dumps(doc), f"{path}[{name}]")
                assert not errors, errors
                out += cases
    return out


def test_every_variation_runs_and_its_script_agrees(tf115, variations, tmp_path):
    run = run_cases(variations, [tf115])
    assert len(run.results) == len(variations)
    stuck = [f"{r.case.id}: {r.verdict.verdict}: {r.verdict.reason}" for r in run.results
             if r.verdict.verdict != OBSERVED]
    assert not stuck, "\n".join(stuck[:20])
    scripts = run_exported(tf115.python, variations, tmp_path)
    disagree = [r.case.id for r in run.results
                if scripts[r.case.id] != {"facts": r.outcome.facts, "error": r.outcome.error}]
    assert not disagree, f"{len(disagree)} scripts disagree with the worker: {disagree[:10]}"
