"""The shipped JSON Schema: current, valid, met by every case file, and in agreement with the
harness's validator on sample documents (hand-written and generated)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from harness import cases as caselib
from harness import schema, steps

from .conftest import ROOT

SCHEMA_FILE = ROOT / schema.PATH
VALIDATOR = jsonschema.Draft202012Validator(schema.build())
HEADER = "# yaml-language-server: $schema={}"


def test_shipped_schema_is_current_and_valid():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema.text(), \
        "schema/case.schema.json is stale: run `python -m harness.schema`"
    jsonschema.Draft202012Validator.check_schema(json.loads(schema.text()))


def case_files() -> list[Path]:
    return caselib.case_files([ROOT / "cases"])


def test_every_case_file_starts_with_the_schema_comment():
    for path in case_files():
        relative = Path(os.path.relpath(SCHEMA_FILE, path.parent)).as_posix()
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == HEADER.format(relative), f"{path}: first line must be " \
            f"`{HEADER.format(relative)}`"


def test_every_case_file_validates_against_the_schema():
    for path in case_files():
        data = caselib.parse_yaml(path.read_text(encoding="utf-8"), str(path))
        errors = [f"{list(e.absolute_path)}: {e.message[:200]}"
                  for e in VALIDATOR.iter_errors(data)]
        assert not errors, f"{path}: {errors}"


def verdicts(text: str) -> tuple[bool, bool]:
    """(the harness accepts it, the schema accepts it)"""
    found, errors = caselib.load_text(text, "sample.yaml")
    harness_ok = not errors
    data = caselib.parse_yaml(text, "sample.yaml")
    return harness_ok, VALIDATOR.is_valid(data)


CASE = """\
id: s.sample
title: a sample
source: {doc: article, quote: q}
program:
  - %s
expect: %s
"""

# (program step, expect, valid?) -- none of them depends on what earlier steps capture, which
# only the harness can check (see harness/schema.py).
SAMPLES = [
    ("get_variable: {name: v, shape: [1], as: v}", "{v.name: v:0}", True),
    ("get_variable: v", "{graph.global_variables: [v:0]}", True),
    ("name_scope: bar", "{}", True),
    ("name_scope: {name: null, default_name: D}", "{graph.ops: []}", True),
    ("name_scope:", "{}", False),                                # name is required
    ("variable:", "{}", True),                                   # nothing required
    ("variable: [1.0]", "{}", True),
    ("variable: {initial_value: [1.0], dtype: float32, trainable: null}", "{}", True),
    ("get_variable_scope: {as: s}", "{s.reuse: false}", True),
    ("get_variable_scope: x", "{}", False),                      # takes no arguments
    ("reuse_variables:", "{}", True),
    ("reuse_variables: {}", "{}", True),
    ("repeat: 2\n    do: [{constant: 1.0}]", "{}", True),
    ("repeat: -1", "{}", False),
    ("repeat: 1001", "{}", False),
    ("repeat: 2.5", "{}", False),
    ("repeat: true", "{}", False),
    ("add: {x: 1, y: 2}", "{}", True),
    ("add: 1", "{}", False),                                     # y is required
    ("add: {x: 1}", "{}", False),
    ("variable_scope: {name_or_scope: foo, reuse: auto_reuse}\n    do: []", "{}", True),
    ("variable_scope: {name_or_scope: foo, reuse: maybe}", "{}", False),
    ("variable_scope: {default_name: foo}", "{}", False),        # name_or_scope is required
    ("variable_scope: {name_or_scope: foo, initializer: {constant: [1, 2]}}", "{}", True),
    ("variable_scope: {name_or_scope: foo, initializer: {constant: 1, zeros: 1}}", "{}", False),
    ("variable_scope: {name_or_scope: foo, initializer: {random_normal: {stddev: 2}}}", "{}",
     True),
    ("variable_scope: {name_or_scope: foo, initializer: {random_normal: {sd: 2}}}", "{}", False),
    ("variable_scope: {name_or_scope: foo, initializer: ones}", "{}", True),
    ("variable_scope: {name_or_scope: foo, initializer: twos}", "{}", False),
    ("variable_scope: {name_or_scope: foo, regularizer: {l2: 0.1}}", "{}", True),
    ("variable_scope: {name_or_scope: foo, regularizer: {l3: 0.1}}", "{}", False),
    ("variable_scope: {name_or_scope: foo, partitioner: {fixed_size: 0}}", "{}", False),
    ("variable_scope: {name_or_scope: foo, dtype: float33}", "{}", False),
    ("variable_scope: foo\n    do:\n      - get_variable: {name: v, shape: [null, 2]}", "{}",
     True),
    ("get_variable: {name: v, shape: [-1]}", "{}", False),
    ("get_variable: {name: v, collections: [a, variables]}", "{}", True),
    ("get_variable: {name: v, collections: a}", "{}", False),
    ("get_variable: {name: v, constraint: non_neg}", "{}", True),
    ("get_variable: {name: 1}", "{}", False),                    # wrong type
    ("get_variable: {name: v, shap: [1]}", "{}", False),         # unknown argument
    ("get_variable: {shape: [1]}", "{}", False),                 # missing required
    ("get_variable: {name: v}\n    do: []", "{}", False),        # `do` on a non-body step
    ("get_variable: {name: v, as: 1v}", "{}", False),            # bad label
    ("get_variable: {name: v, as: graph}", "{}", False),
    ("get_variable: {name: v, as: class}", "{}", False),
    ("constant: {value: null}", "{}", False),
    ("constant: {value: [[1, 2], [3, 4]], shape: [2, 2], name: c}", "{}", True),
    ("identity: {input: {nested: 1}}", "{}", False),
    ("frobnicate: 1", "{}", False),                              # unknown step
    ("sleep: 1", "{}", False),                                   # test-only
    ("{get_variable: v, constant: 1}", "{}", False),             # two step keys
    ("{do: []}", "{}", False),                                   # no step key
    ("[get_variable, v]", "{}", False),
    ("constant: 1", "{graph.ops: {contains: [Const]}}", True),
    ("constant: 1", "{graph.ops: {contains: Const}}", False),
    ("constant: 1", "{graph.ops: {startswith: 1}}", False),
    ("constant: 1", "{graph.nodes: []}", False),
    ("constant: 1", "{ops: []}", False),
    ("constant: 1", "{error: {type: ValueError, message: exists}}", True),
    ("constant: 1", "{error: {message: exists}}", False),
    ("constant: 1", "{error: {type: ValueError, line: 3}}", False),
    ("constant: 1", "{error: null}", True),
    ("constant: 1", "[]", False),
]

WHOLE = [
    (CASE % ("constant: 1", "{}"), True),
    (CASE.replace("id: s.sample", "id: S.Sample") % ("constant: 1", "{}"), False),
    (CASE.replace("id: s.sample", "id: -s") % ("constant: 1", "{}"), False),
    (CASE.replace("title: a sample", "title: ' '") % ("constant: 1", "{}"), False),
    (CASE.replace("quote: q", "quote: q, page: 2") % ("constant: 1", "{}"), False),
    (CASE.replace(", quote: q", "") % ("constant: 1", "{}"), False),
    (CASE.replace("program:\n  - %s\n", "program: []\n") % "{}", False),
    ((CASE % ("constant: 1", "{}")).replace("expect: {}\n", ""), False),
    (CASE % ("constant: 1", "{}") + "tags: [a, b]\n", True),
    (CASE % ("constant: 1", "{}") + "tags: a\n", False),
    (CASE % ("constant: 1", "{}") + "timeout: 0\n", False),
    (CASE % ("constant: 1", "{}") + "timeout: 5\n", True),
    (CASE % ("constant: 1", "{}") + "format: 2\n", False),
    (CASE % ("constant: 1", "{}") + "frobs: 2\n", False),
    (CASE % ("constant: 1", "{graph.ops: [a]}") + "deviations:\n  - observed: {graph.ops: []}\n"
     "    reason: r\n    runtimes: [tf1.15]\n", True),
    (CASE % ("constant: 1", "{graph.ops: [a]}") + "deviations:\n  - observed: {}\n"
     "    reason: r\n", False),
    (CASE % ("constant: 1", "{graph.ops: [a]}") + "deviations:\n  - observed: {graph.ops: []}\n",
     False),
    (CASE % ("constant: {value: 1, as: c}", "{}") + "observed:\n  tf1.15:\n    c.name: Const:0\n"
     "    error: null\n", True),
    (CASE % ("constant: 1", "{}") + "observed:\n  tf1.15: []\n", False),
    (CASE % ("constant: 1", "{}") + "observed:\n  tf1.15: {nofact: 1}\n", False),
    ("[]\n", False),  # a list of no cases is an empty case file
    ("- " + (CASE % ("constant: 1", "{}")).replace("\n", "\n  ").rstrip() + "\n", True),
    ("just text\n", False),
]


@pytest.mark.parametrize("step, expect, valid", SAMPLES)
def test_schema_and_harness_agree_on_steps(step, expect, valid):
    assert verdicts(CASE % (step, expect)) == (valid, valid)


@pytest.mark.parametrize("text, valid", WHOLE)
def test_schema_and_harness_agree_on_cases(text, valid):
    assert verdicts(text) == (valid, valid)


# Generated documents: any step (and unknown ones) with values drawn from a pool of every shape
# the argument types take, and a few they refuse. Labels are never referred to (see above).
POOL = [None, True, False, 0, 1, 3, -1, 1001, 2.5, "", "foo", "auto_reuse", "zeros", "non_neg",
        "float32", "l2", [], [1], [1, None], [-1], ["a"], [[1, 2]], [1.5, "x"], {"constant": 1},
        {"constant": None}, {"l2": 0.1}, {"l1": "x"}, {"fixed_size": 2}, {"fixed_size": 0},
        {"random_uniform": {"minval": 0}}, {"random_uniform": None}, {"truncated_normal": 1},
        {"x": 1}, {}]
# The curated steps: the generic ones take values of any shape (tests/test_generic.py checks
# their schema on written samples).
KINDS = sorted(k for k, s in steps.STEPS.items() if not getattr(s, "generic", False)) + [
    "frobnicate"]
ARG_NAMES = sorted({n for s in steps.STEPS.values() for n in s.arg_names}) + ["as", "bogus"]
LABELS = ["v", "graph", "if", "1a", "tf", "v.x"]
FACT_KEYS = ["graph.ops", "graph.nope", "error", "nodot", "v.name", "v.class", "v.bogus"]


@st.composite
def documents(draw):
    def step(label_allowed: bool) -> dict:
        kind = draw(st.sampled_from(KINDS))
        if draw(st.booleans()):
            args = draw(st.sampled_from(POOL))  # scalar shorthand, or null
        else:
            spec = steps.STEPS.get(kind)
            names = ARG_NAMES if spec is None or draw(st.integers(0, 4)) == 0 else \
                spec.arg_names + ["as"]  # mostly the step's own arguments
            args = draw(st.dictionaries(st.sampled_from(names), st.sampled_from(POOL),
                                        max_size=3))
            if "as" in args:
                if not label_allowed:
                    del args["as"]
                else:
                    args["as"] = draw(st.sampled_from(LABELS))
        item = {kind: args}
        if draw(st.booleans()):
            item["do"] = [step(False) for _ in range(draw(st.integers(0, 1)))] \
                if draw(st.booleans()) else draw(st.sampled_from(POOL))
        return item
    program = [step(True)] + [step(False) for _ in range(draw(st.integers(0, 1)))]
    first = program[0]
    (kind, args), = [(k, a) for k, a in first.items() if k != "do"]
    captured = isinstance(args, dict) and args.get("as") == "v" and kind in steps.STEPS and \
        steps.STEPS[kind].captures
    keys = [k for k in FACT_KEYS if captured or not k.startswith("v.")]  # facts of no capture
    expect = draw(st.dictionaries(st.sampled_from(keys), st.sampled_from(POOL), max_size=2))
    if "error" in expect and draw(st.booleans()):
        expect["error"] = {"type": "ValueError"}
    return {"id": "g.case", "title": "t", "source": {"doc": "d", "quote": "q"},
            "program": program, "expect": expect}


def refers(doc: dict) -> bool:
    """Does the document use a reference (a ref value, a label argument) or a repeat capture?"""
    def walk(items) -> bool:
        for item in items if isinstance(items, list) else []:
            for kind, args in item.items() if isinstance(item, dict) else []:
                spec = steps.STEPS.get(kind)
                if kind == "do":
                    if walk(args):
                        return True
                    continue
                if spec is None or not spec.args:
                    continue
                written = args if isinstance(args, dict) else {spec.args[0][0]: args}
                for name, value in written.items():
                    if name in spec.arg_names and steps.refs_in(spec.arg_type(name), value):
                        return True
        return False
    return walk(doc["program"])


@settings(max_examples=600, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(documents())
def test_schema_and_harness_agree_on_generated_documents(doc):
    assume(not refers(doc))
    text = json.dumps(doc)  # JSON is YAML
    harness_ok, schema_ok = verdicts(text)
    assert harness_ok == schema_ok, (text, caselib.load_text(text, "g.yaml")[1])
