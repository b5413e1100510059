"""The JSON Schema of case files (draft 2020-12), generated from the step table and the case
structure in cases.py, so that editors check and complete cases exactly as the harness reads them.

`python -m harness.schema` writes schema/case.schema.json; `--check` fails when it is stale (the
test suite checks that too). What no schema can say is left to `tfscope validate`: that a `ref`,
`reuse_variables` label, fact label or `error.step` names something captured earlier, and of the
right kind; that a label is captured once; that a capture inside `repeat` is expected as a list;
that a regular expression compiles.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from . import cases, internals
from . import steps as vocabulary

PATH = Path("schema") / "case.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
# `(?![\s\S])` is the end of the string in both ECMA (editors) and Python regexes; `$` also
# matches before a final newline in Python, which the harness refuses.
END = r"(?![\s\S])"
NOT_BLANK = {"type": "string", "pattern": r"\S"}
LABEL_PATTERN = "^" + vocabulary.LABEL_RE.pattern.strip("^$") + END


def ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def label_schema() -> dict:
    reserved = sorted(vocabulary.PY_KEYWORDS | {"graph"})
    return {"type": "string", "pattern": LABEL_PATTERN, "not": {"enum": reserved},
            "description": "capture what the step returns or yields under this label"}


def argument_schema(step: vocabulary.Step) -> dict:
    """What a step key may hold: its arguments as a mapping, the first argument alone (a scalar
    or list), or nothing (null) when nothing is required."""
    properties: dict[str, Any] = {}
    for name, argtype in step.args:
        properties[name] = dict(argtype.schema, description=argtype.name)
    if step.captures:
        properties["as"] = label_schema()
    if step.kind in ("let", "invoke"):  # `as: [a, b]` unpacks
        properties["as"] = {"anyOf": [label_schema(), ref("target")]}
    properties["catch"] = dict(label_schema(), description="go on after an exception of the "
                               "step; LABEL.error is it ({type, message, bases}) or null")
    mapping = {"type": "object", "properties": properties,
               "additionalProperties": ref("value") if getattr(step, "more_kwargs", False)
               else False}
    required = list(step.required) + (["as"] if step.label_required else [])
    if required:
        mapping["required"] = required
    options: list[dict] = [mapping]
    if step.args and set(required) <= {step.args[0][0]} and not getattr(step, "generic", 0):
        # The shorthand: anything but a mapping (or null: no arguments) is the first argument.
        options.append({"allOf": [{"not": {"type": ["object", "null"]}},
                                  step.args[0][1].schema]})
    if not step.required:
        options.append({"type": "null"})
    return {"anyOf": options} if len(options) > 1 else mapping


def step_schema(step: vocabulary.Step) -> dict:
    if step.kind in CONTROL_FLOW:
        return CONTROL_FLOW[step.kind](step)
    properties: dict[str, Any] = {step.kind: argument_schema(step)}
    if step.body:
        properties["do"] = {"type": "array", "items": ref("step"),
                            "description": "the steps run inside (a loop body for repeat)"}
    return {"type": "object", "additionalProperties": False, "required": [step.kind],
            "properties": properties, "description": step.doc}


def for_schema(step: vocabulary.Step) -> dict:
    return {"type": "object", "additionalProperties": False, "required": ["for"],
            "description": step.doc, "properties": {
                "for": {"type": "object", "additionalProperties": False, "required": ["in"],
                        "properties": {
                            "in": dict(ref("value"), description="the value to loop over"),
                            "as": dict(ref("target"), description="the loop variable: a "
                                       "label, or a list of labels (unpacked)"),
                            "catch": label_schema()}},
                "do": {"type": "array", "items": ref("step"),
                       "description": "the loop body, run once per item"}}}


def if_schema(step: vocabulary.Step) -> dict:
    body = {"type": "array", "items": ref("step")}
    return {"type": "object", "additionalProperties": False, "required": ["if"],
            "description": step.doc, "properties": {
                "if": dict(ref("value"), description="the test"),
                "do": dict(body, description="run when the test is true"),
                "elif": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False, "required": ["if"],
                    "properties": {"if": ref("value"), "do": body}}},
                "else": dict(body, description="run when no test is true")}}


def try_schema(step: vocabulary.Step) -> dict:
    return {"type": "object", "additionalProperties": False, "required": ["try"],
            "description": step.doc, "properties": {
                "try": {"type": "object", "additionalProperties": False, "required": ["catch"],
                        "properties": {"catch": label_schema()}},
                "do": {"type": "array", "items": ref("step"),
                       "description": "the steps whose error is caught"}}}


CONTROL_FLOW = {"for": for_schema, "if": if_schema, "try": try_schema}


def step_dispatch(kinds: list[str]) -> dict:
    """A step is checked against the one step its key names (if/then), never against every step
    in turn: an anyOf over the steps validates each nested `do:` body once per alternative, which
    grows exponentially with the nesting (one generic-step file took 30 s)."""
    named = [{"required": [kind]} for kind in kinds]
    return {"type": "object", "allOf": [
        *({"if": {"required": [kind]}, "then": ref("step_" + kind)} for kind in kinds),
        {"if": {"not": {"anyOf": named}}, "then": ref("generic_call")}]}


def call_step_schema() -> dict:
    """`tf.API_PATH: ...` and `LABEL.PATH: ...`: a call written under its callee's name."""
    # if/then by type rather than anyOf, so that nested calls are validated once.
    call = {
        "if": {"type": "object"},
        "then": {"properties": {
            "args": ref("call_args"), "kwargs": ref("call_kwargs"),
            "as": {"anyOf": [label_schema(), ref("target")]},
            "catch": label_schema()},
            "additionalProperties": ref("value"),
            "description": "args, kwargs, and any other key: a keyword argument"},
        "else": {"$ref": "#/$defs/value",
                 "description": "nothing (null), or the one positional argument"}}
    names = [n for n in _api_names()]
    api_key = {"type": "string", "pattern": r"^tf(\.[A-Za-z_][A-Za-z0-9_]*)+" + END}
    if names:
        api_key = {"anyOf": [{"enum": names}, api_key]}  # completion offers the index's names
    return {"type": "object", "minProperties": 1, "maxProperties": 2,
            "description": "call an API function or class (tf.PATH) or a method of a capture "
                           "(LABEL.PATH); with `do:`, enter its result",
            "properties": {"do": {"type": "array", "items": ref("step")}},
            "patternProperties": {
                r"^tf\.": call,
                r"^[A-Za-z_][A-Za-z0-9_]*[.\[]": call},  # py.NAME among them
            "additionalProperties": False,
            "not": {"propertyNames": {"const": "do"}},  # a callee besides `do`
            "propertyNames": {"anyOf": [{"const": "do"}, api_key, _builtin_keys(),
                                        {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*[.\[]"}]}}


def _builtin_keys() -> dict:
    """`py.len`, `py.sorted`, ...: offered for completion (the pattern above accepts them)."""
    from . import policy
    return {"enum": ["py." + name for name in sorted(policy.BUILTINS)]}


def _api_names() -> list[str]:
    try:
        from . import api
    except ImportError:  # the API index is not there yet
        return []
    return sorted(api.names()) if api.runtimes() else []


def fact_patterns() -> dict:
    # Fixed graph facts, and the families named by a prefix (graph.collection.NAME: any NAME).
    fixed = [f for f in vocabulary.GRAPH_FACTS
             if not f.startswith(vocabulary.GRAPH_FACT_PREFIXES)]
    prefixes = [re.escape(p) + ".+" for p in vocabulary.GRAPH_FACT_PREFIXES]
    graph = "^graph\\.(" + "|".join(fixed + prefixes) + ")" + END
    facts = sorted({f for names in vocabulary.FACTS.values() for f in names})
    label = "^" + vocabulary.LABEL_RE.pattern.strip("^$") + "\\.(" + "|".join(
        f.replace(".", "\\.") for f in facts) + ")" + END
    # Any attribute path of a capture (`layer._scope.name`, `parts[0].name`): read by getattr and
    # indexing at the end (facts.parse_path); which label is captured, and of what kind, only
    # `tfscope validate` knows.
    path = (r"^(?!graph[.\[])[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[-?[0-9]+\]"
            r"""|\['[^'\\]*'\]|\["[^"\\]*"\])+""" + END)
    return {graph: ref("fact_value"), label: ref("fact_value"), path: ref("fact_value")}


def matcher_schema() -> dict:
    args = {"matches": {"type": "string", "format": "regex"}, "contains": {"type": "array"},
            "excludes": {"type": "array"}, "startswith": {"type": "string"}}
    assert set(args) == set(cases.MATCHERS), "a matcher without a schema"
    return {"type": "object", "minProperties": 1, "maxProperties": 1,
            "additionalProperties": False, "properties": args}


def build() -> dict:
    """The whole schema, deterministic (the table's order)."""
    user_steps = [s for s in vocabulary.STEPS.values() if not s.test_only]
    source = {key: dict(NOT_BLANK) for key in cases.SOURCE_KEYS}
    source["doc"]["description"] = "which document: article, tf-docstring, tf-tests, ..."
    source["quote"]["description"] = "the exact words the case checks"
    source["reading"]["description"] = "how the quote is read, when not obvious"
    source["reading_kind"] = {"enum": list(cases.READING_KINDS), "description": (
        "plain (default): the sentence's most plausible reading; alternative: one of several "
        "plausible readings of a garbled sentence; implausible: a reading the source does not "
        "invite (shown under 'Readings to avoid', never counted against the source)")}
    source["reading_why"]["description"] = ("for alternative/implausible: what in the source's "
                                            "words, its output or TF's docs makes it so")
    source["covers"]["description"] = ("for a sentence stating a general rule: the situations "
                                       "this case checks")
    source["stated"] = {"type": "array", "minItems": 1, "items": {"type": "string"},
                        "description": "expected facts whose values the source itself prints "
                        "or states (the rest are derived from the reading)"}
    case_properties: dict[str, Any] = {
        "id": {"type": "string", "pattern": cases.ID_RE.pattern.rstrip("$") + END,
               "description": "unique across all files: lower-case letters, digits, . _ -"},
        "title": dict(NOT_BLANK, description="one line: what TF does, as the source says"),
        "source": {"type": "object", "additionalProperties": False,
                   "required": ["doc", "quote"], "properties": source},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "imports": {"type": "object", "description": "TF's internal modules the program "
                    "names, as the test imports them: ALIAS: MODULE (`state_ops: "
                    "tensorflow.python.ops.state_ops`); then `state_ops.assign:` is a step",
                    "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
                    "additionalProperties": {"enum": sorted(internals.MODULES)}},
        "program": {"type": "array", "minItems": 1, "items": ref("step"),
                    "description": "steps run in order in a fresh tf.Graph()"},
        "expect": dict(ref("facts"), description="what the source says: LABEL.FACT: VALUE, "
                       "graph.FACT, error; empty ({}) for a case that only records"),
        "deviations": {"type": "array", "items": ref("deviation")},
        "timeout": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 3600},
        "format": {"const": cases.FORMAT},
        "observed": {"type": "object", "additionalProperties": ref("facts"),
                     "description": "written by `tfscope record`: what TF did, per runtime "
                     "(not a claim)"},
    }
    assert set(case_properties) == set(cases.CASE_KEYS), "a case key without a schema"
    error = {"type": "object", "additionalProperties": False, "required": ["type"],
             "properties": {k: {"type": "string"} for k in cases.ERROR_KEYS}}
    defs: dict[str, Any] = dict(vocabulary.SCHEMA_DEFS)
    defs.update({
        "case": {"type": "object", "additionalProperties": False,
                 "required": ["id", "title", "source", "program", "expect"],
                 "properties": case_properties},
        "step": step_dispatch([s.kind for s in user_steps]),
        "generic_call": call_step_schema(),
        **{"step_" + s.kind: step_schema(s) for s in user_steps},
        "facts": {"type": "object", "additionalProperties": False,
                  "properties": {"error": {"anyOf": [{"type": "null"}, error]}},
                  "patternProperties": fact_patterns()},
        "fact_value": {"anyOf": [
            {"not": {"type": "object", "minProperties": 1, "maxProperties": 1,
                     "propertyNames": {"enum": list(cases.MATCHERS)}}},
            ref("matcher")]},
        "matcher": matcher_schema(),
        "deviation": {"type": "object", "additionalProperties": False,
                      "required": ["observed", "reason"], "properties": {
                          "runtimes": {"anyOf": [{"type": ["string", "null"]}, {
                              "type": "array", "items": {"type": "string"}}]},
                          # allOf: editors on draft-07 ignore keywords beside a $ref
                          "observed": {"allOf": [ref("facts"), {"minProperties": 1}]},
                          "reason": NOT_BLANK}},
    })
    assert set(defs["deviation"]["properties"]) == set(cases.DEVIATION_KEYS)
    return {
        "$schema": DRAFT,
        "title": "tfscope case file",
        "description": "One case (a mapping) or a list of cases. Generated from the step table "
                       "by `python -m harness.schema`: do not edit. See docs/writing-cases.md.",
        "anyOf": [ref("case"), {"type": "array", "minItems": 1, "items": ref("case")}],
        "$defs": defs,
    }


def text() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    from .files import generated_file_main
    return generated_file_main(argv, "python -m harness.schema", __doc__, PATH, text)


if __name__ == "__main__":
    sys.exit(main())
