"""The step table: every step runs and renders, and the format doc describes every step and fact."""

from __future__ import annotations

import re
from pathlib import Path

from harness import steps
from harness.cases import load_file

from .conftest import ROOT

DOC = (ROOT / "docs" / "case-format.md").read_text()


def test_every_step_and_fact_is_documented():
    documented_steps = set(re.findall(r"^\| `(\w+)` \|", DOC, re.M))
    user_steps = {k for k, s in steps.STEPS.items() if not s.test_only}
    assert user_steps <= documented_steps, user_steps - documented_steps
    for kind, facts in steps.FACTS.items():
        for fact in facts:
            assert f"`{fact}`" in DOC, f"fact {fact} of a {kind} is not in docs/case-format.md"
    for fact in steps.GRAPH_FACTS:
        assert f"graph.{fact}" in DOC


def test_the_worker_records_exactly_the_facts_the_table_names():
    from harness import facts
    assert set(facts.FACT_GETTERS) == set(steps.FACTS)
    for kind, getters in facts.FACT_GETTERS.items():
        recorded = [name for name, _ in getters]
        # `value` is fetched by a session run, only when a case asks for it.
        # A plain value's `value` is the value itself; a snapshot's collections are per NAME.
        assert recorded == [f for f in steps.FACTS[kind] if kind == "value" or f not in (
            "value", "collection.NAME")], kind


def test_every_argument_type_has_a_schema_fragment():
    for kind, step in steps.STEPS.items():
        for name, argtype in step.args:
            assert argtype.schema, (kind, name, argtype.name)


def test_every_step_has_a_run_and_render_and_typed_args():
    for kind, step in steps.STEPS.items():
        assert callable(step.run) and callable(step.render), kind
        for name in step.required:
            assert name in step.arg_names, (kind, name)
        for name, argtype in step.args:
            assert isinstance(argtype, steps.ArgType), (kind, name)
        if step.captures:
            assert step.captures in steps.FACTS, kind


def test_render_of_a_call_uses_keywords_in_table_order():
    step = steps.STEPS["get_variable"]
    rendered = step.render({"shape": [1], "name": "w", "initializer": {"constant": 1.5}})
    assert rendered == ("tf.get_variable(name='w', shape=[1], "
                        "initializer=tf.constant_initializer(1.5))")
    assert steps.STEPS["reuse_variables"].render({}) == \
        "tf.get_variable_scope().reuse_variables()"
    assert steps.STEPS["reuse_variables"].render({"scope": "s"}) == "s.reuse_variables()"
    assert steps.STEPS["variable_scope"].render(
        {"name_or_scope": {"ref": "s"}, "reuse": "auto_reuse"}) == \
        "tf.variable_scope(name_or_scope=s, reuse=tf.AUTO_REUSE)"


# `variable` may omit initial_value, so a case can check what tf.Variable() does without one.
def test_variable_initial_value_is_optional():
    assert "initial_value" not in steps.STEPS["variable"].required


def test_case_with_variable_without_initial_value_is_valid(tmp_path: Path):
    path = tmp_path / "case.yaml"
    path.write_text(
        "id: t.variable-without-initial-value\n"
        "title: tf.Variable without an initial value\n"
        "source: {doc: test, quote: q}\n"
        "program:\n"
        "  - variable_scope: {name_or_scope: foo, initializer: {constant: 1.5}}\n"
        "    do:\n"
        "      - variable: {name: t, dtype: float32, as: t}\n"
        "expect:\n"
        "  error: {type: ValueError}\n",
        encoding="utf-8")
    cases, errors = load_file(path)
    assert errors == [] and len(cases) == 1


def test_variable_without_initial_value_renders_without_it():
    step = steps.STEPS["variable"]
    assert step.render({"name": "t"}) == "tf.Variable(name='t')"
