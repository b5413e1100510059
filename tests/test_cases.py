"""Case loading and validation: valid cases normalise; every mistake is one located error."""

from __future__ import annotations

import os

import pytest

from harness import cases
from harness.errors import CaseError

VALID = """
id: t.one
title: a title
source: {doc: test, quote: "q"}
tags: [x]
program:
  - get_variable: {name: foo/var1, shape: [1]}
  - repeat: 2
    do:
      - variable_scope: {name_or_scope: foo, as: scope}
        do:
          - name_scope: bar
            do:
              - reuse_variables: scope
              - get_variable: {name: var1, shape: [1], as: v1}
expect:
  v1.name: [foo/var1:0, foo/var1:0]
"""


def load_one(write_case, text, **kw):
    found, errors = cases.load([write_case(text)], **kw)
    return found, errors


def the_error(write_case, text, **kw) -> CaseError:
    found, errors = load_one(write_case, text, **kw)
    assert not found and len(errors) == 1, (found, errors)
    return errors[0]


def test_valid_case_normalises(write_case):
    (case,), errors = load_one(write_case, VALID)
    assert errors == []
    assert case.id == "t.one" and case.tags == ["x"] and case.line == 1
    first, loop = case.program
    assert first == {"kind": "get_variable", "args": {"name": "foo/var1", "shape": [1]},
                     "path": "program[0]", "line": 6}
    scope_step = loop["do"][0]
    assert scope_step["as"] == "scope" and scope_step["multi"] is True
    ns = scope_step["do"][0]
    assert ns["args"] == {"name": "bar"}            # scalar shorthand = first argument
    assert ns["do"][0]["args"] == {"scope": "scope"}
    assert case.labels["v1"] == {"kind": "variable", "multi": True,
                                 "path": "program[1].do[0].do[0].do[1]"}


def test_list_of_cases_in_one_file(write_case):
    text = "- " + VALID.strip().replace("\n", "\n  ") + "\n- " + VALID.strip().replace(
        "\n", "\n  ").replace("t.one", "t.two")
    found, errors = load_one(write_case, text)
    assert [c.id for c in found] == ["t.one", "t.two"] and errors == []


@pytest.mark.parametrize("change, message, line, hint", [
    ("shape: [1], as: v1}", "unknown key `shap`", 14, "did you mean `shape`?"),
    ("reuse_variables: scope", "unknown step `reuse_variable`", 13,
     "did you mean `reuse_variables`?"),
    ("reuse_variables: scope", "refers to `scop`, which no earlier step captures", 13,
     "did you mean `scope`?"),
    ("v1.name: [", "unknown fact `nme` of `v1`", 16, "did you mean `name`?"),
    ("v1.name: [", "`v9.name` names `v9`, which no step captures", 16, "captured: scope, v1"),
])
def test_mistakes_are_located_with_a_suggestion(write_case, change, message, line, hint):
    text = VALID
    if message.startswith("unknown key"):
        text = text.replace("shape: [1], as: v1}", "shap: [1], as: v1}")
    elif message.startswith("unknown step"):
        text = text.replace("- reuse_variables: scope", "- reuse_variable: scope")
    elif "scop`" in message:
        text = text.replace("reuse_variables: scope", "reuse_variables: scop")
    elif "nme" in message:
        text = text.replace("v1.name:", "v1.nme:")
    else:
        text = text.replace("v1.name:", "v9.name:")
    error = the_error(write_case, text)
    assert message in error.message
    assert error.line == line and error.hint == hint
    assert str(error).startswith(f"{error.path}:{line}: ")


def test_yaml_syntax_error_has_line(write_case):
    error = the_error(write_case, "id: t\ntitle: [unclosed\nsource: {doc: a}\n")
    assert "YAML syntax error" in error.message and error.line is not None


@pytest.mark.parametrize("text, message", [
    (VALID.replace("t.one", "T!"), "bad case id"),
    ("- 1\n", "a case must be a mapping"),
    ("id: a\nid: b\n", "duplicate key `id`"),
    ("!!python/object:os.system {}\n", "unsupported YAML tag"),
    ("a: &a [*a]\n", "nested"),
])
def test_hostile_or_broken_documents(write_case, text, message):
    assert message in the_error(write_case, text).message


def test_alias_bomb_is_refused(write_case):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    error = the_error(write_case, "\n".join(lines) + "\n")
    assert "too large" in error.message


def test_argument_types_are_checked(write_case):
    error = the_error(write_case, VALID.replace("shape: [1], as: v1", "shape: one, as: v1"))
    assert "bad `shape` for `get_variable`" in error.message and error.line == 14


def test_repeat_facts_must_be_lists(write_case):
    error = the_error(write_case, VALID.replace("v1.name: [foo/var1:0, foo/var1:0]",
                                                "v1.name: foo/var1:0"))
    assert "inside `repeat`" in error.message


def test_a_matcher_with_two_keys_is_refused(write_case):
    error = the_error(write_case, VALID.replace(
        "v1.name: [foo/var1:0, foo/var1:0]",
        "v1.name: {contains: [foo/var1:0], excludes: [x]}"))
    assert "exactly one key" in error.message and error.line == 16


def test_refs_must_name_the_right_kind(write_case):
    text = VALID.replace("- get_variable: {name: foo/var1, shape: [1]}",
                         "- get_variable: {name: foo/var1, shape: [1], as: w}").replace(
        "reuse_variables: scope", "reuse_variables: w")
    assert "a variable; it needs a scope" in the_error(write_case, text).message


def test_expected_error_step_must_exist(write_case):
    text = VALID.replace("expect:\n", "expect:\n  error: {type: ValueError, step: v2}\n")
    assert "`error.step` names `v2`" in the_error(write_case, text).message


def test_test_only_steps_need_enabling(write_case):
    text = VALID.replace("- get_variable: {name: foo/var1, shape: [1]}", "- sleep: 1")
    assert "for the harness's own tests" in str(the_error(write_case, text))
    found, errors = load_one(write_case, text, allow_test_steps=True)
    assert errors == [] and found[0].program[0]["kind"] == "sleep"


def test_duplicate_ids_across_files(write_case):
    a = write_case(VALID, "a.yaml")
    b = write_case(VALID, "sub/b.yaml")
    os.utime(a, ns=(10**18, 10**18))
    os.utime(b, ns=(2 * 10**18, 2 * 10**18))
    found, errors = cases.load([a.parent])
    assert [c.path for c in found] == [cases.display_path(a)]
    assert len(errors) == 1 and "duplicate case id `t.one`" in errors[0].message
    assert errors[0].path == cases.display_path(b) and "a.yaml:1" in errors[0].hint


def test_value_labels_only_when_asked(write_case):
    (case,), _ = load_one(write_case, VALID)
    assert case.value_labels() == []
    (case,), _ = load_one(write_case, VALID + "  v1.value: [[0.0], [0.0]]\n")
    assert case.value_labels() == ["v1"]


def test_keyword_selection(write_case):
    (case,), _ = load_one(write_case, VALID)
    assert cases.select([case], "x and not y") == [case]
    assert cases.select([case], "t.one or nothing") == [case]
    assert cases.select([case], "(nothing)") == []
    with pytest.raises(CaseError):
        cases.select([case], "x and")


@pytest.mark.parametrize("step, message", [
    ("optimizer: {kind: [], learning_rate: 0.1, as: o}", "bad `kind` for `optimizer`"),
    ("define_layer: {class_name: L, base: [], as: L}", "bad `base` for `define_layer`"),
    ("template: t", "`template` needs `as: LABEL`"),
])
def test_odd_values_are_located_errors_not_crashes(write_case, step, message):
    # Found by the schema-versus-validator fuzz: a list where a name was expected once raised
    # TypeError inside a check, and `as` was required by the validator but not by the schema.
    text = VALID.replace("  - get_variable: {name: foo/var1, shape: [1]}\n", f"  - {step}\n", 1)
    error = the_error(write_case, text)
    assert message in error.message and error.line == 6


def test_every_problem_of_a_case_in_one_run(write_case):
    # A minimal case used to take four rounds (title, source, program, expect): one run now.
    found, errors = load_one(write_case, "id: t.min\n")
    messages = [e.message for e in errors]
    assert not found and len(errors) == 4, messages
    for part in ("no `title`", "`source` mapping", "`program` list", "`expect` mapping"):
        assert any(part in m for m in messages), (part, messages)


def test_every_bad_step_argument_and_fact_is_reported_with_its_line(write_case):
    text = """\
id: t.many
title: t
source: {doc: d, quote: q, pages: 3}
tags: x
program:
  - get_varible: {name: a, as: a}
  - get_variable: {name: b, shape: one, dtype: float33, as: b}
  - name_scope: {name: s, bogus: 1}
    do:
      - variable: {initial_value: [1.0], nam: c, as: c}
  - repeat: 2
    dont: []
  - reuse_variables: nowhere
expect:
  a.name: a:0
  b.name: b:0
  c.nme: c:0
  d.name: d:0
  error: {type: ValueError, msg: x}
timeout: -1
"""
    found, errors = load_one(write_case, text)
    got = [(e.line, e.message) for e in errors]
    assert not found
    expected = [
        (3, "unknown key `pages` in the source"),
        (4, "`tags` of case `t.many` must be a list"),
        (6, "unknown step `get_varible`"),
        (7, "bad `shape` for `get_variable`"),
        (7, "bad `dtype` for `get_variable`"),
        (8, "unknown key `bogus` in `name_scope`"),
        (10, "unknown key `nam` in `variable`"),  # the body of a step with bad arguments
        (12, "one step per list item"),
        (13, "`scope` refers to `nowhere`"),
        (17, "unknown fact `nme` of `c`"),
        (18, "`d.name` names `d`"),
        (19, "unknown key `msg` in `error`"),
        (20, "`timeout` must be a number"),
    ]
    for line, message in expected:
        assert any(line == g[0] and message in g[1] for g in got), (line, message, got)
    # `a` and `b` come from broken steps: what refers to them is not blamed a second time.
    assert not any("`a.name`" in m or "`b.name`" in m for _, m in got), got
    assert [g[0] for g in got] == sorted(g[0] for g in got)  # in line order
    assert all(e.path and e.line for e in errors)


def test_every_bad_deviation_is_reported(write_case):
    text = VALID + """\
deviations:
  - reason: r
    observed: {v1.nme: x}
  - observed: {v1.name: [a, b]}
    runtimes: [tf15]
"""
    found, errors = load_one(write_case, text)
    messages = [e.message for e in errors]
    assert not found and len(errors) == 3, messages
    assert "unknown fact `nme`" in messages[0] and "no `reason`" in messages[1]
    assert "unknown runtime `tf15`" in messages[2]


def age(path, seconds: int) -> None:
    os.utime(path, (seconds, seconds))


def test_a_new_file_named_alone_is_checked_against_the_corpus(write_case):
    old = write_case(VALID, "cases/old.yaml")
    other = write_case(VALID.replace("t.one", "t.other"), "cases/other.yaml")
    new = write_case(VALID.replace("title: a title", "title: my new case"), "new/mine.yaml")
    age(old, 1_000_000)
    age(other, 1_000_000)
    age(new, 2_000_000)
    found, errors = cases.load([new], corpus=[old.parent])
    assert found == [] and len(errors) == 1, errors
    assert errors[0].path == cases.display_path(new) and errors[0].line == 1
    assert "duplicate case id `t.one`" in errors[0].message
    assert f"{cases.display_path(old)}:1" in errors[0].hint
    # Without the corpus the file alone is fine; the old file alone stays valid with it.
    assert [c.id for c in cases.load([new])[0]] == ["t.one"]
    found, errors = cases.load([old], corpus=[old.parent])
    assert [c.id for c in found] == ["t.one"] and errors == []


def test_the_newer_file_is_blamed_whatever_its_name(write_case):
    new = write_case(VALID, "cases/a-new.yaml")     # sorts first, but was written later
    old = write_case(VALID, "cases/z-old.yaml")
    age(old, 1_000_000)
    age(new, 2_000_000)
    found, errors = cases.load([old.parent], corpus=[old.parent])
    assert [c.path for c in found] == [cases.display_path(old)]
    assert [e.path for e in errors] == [cases.display_path(new)]
    assert cases.display_path(old) in errors[0].hint


def test_do_inside_the_arguments_says_where_it_belongs(write_case):
    text = """\
id: t.do
title: t
source: {doc: d, quote: q}
program:
  - variable_scope:
      name_or_scope: foo
      do:
        - get_variable: {name: v, shape: [1], as: v}
expect:
  v.name: foo/v:0
"""
    error = the_error(write_case, text)  # one problem: the body is still read, `v` is known
    assert "unknown key `do` in `variable_scope`" in error.message and error.line == 7
    assert "belongs beside `variable_scope:`, indented as far as `variable_scope` (line 5)" \
        in error.hint


def test_do_on_a_step_without_a_body_says_so(write_case):
    text = VALID.replace("{name: foo/var1, shape: [1]}", "{name: foo/var1, shape: [1], do: []}")
    assert "`get_variable` takes no `do:` body" in the_error(write_case, text).hint


@pytest.mark.parametrize("word", ["no", "off", "Yes", "ON", "false"])
def test_a_yaml_boolean_where_a_name_was_meant_gets_a_quoting_hint(write_case, word):
    text = VALID.replace("- name_scope: bar", f"- name_scope: {word}")
    error = the_error(write_case, text)
    assert "bad `name` for `name_scope`" in error.message and error.line == 11
    assert "YAML reads an unquoted" in error.hint and 'quote it, e.g. "no"' in error.hint
    (case,), _ = load_one(write_case, VALID.replace("- name_scope: bar", f'- name_scope: "{word}"'))


def test_a_tab_in_the_indentation_is_named_with_its_line(write_case):
    text = VALID.replace("\n  - repeat: 2", "\n\t- repeat: 2")
    error = the_error(write_case, text)
    assert error.line == 7 and "a tab in the indentation" in error.message
    assert "spaces only" in error.hint
    # A tab inside a quoted value is fine.
    (case,), errors = load_one(write_case, VALID.replace('quote: "q"', 'quote: "a\tb"'))
    assert errors == [] and case.source["quote"] == "a\tb"
@pytest.mark.parametrize("source, message", [
    ('{doc: test, quote: "q", reading: r, reading_kind: odd, reading_why: w}',
     "`reading_kind` of case `t.one` must be one of plain, alternative, implausible"),
    ('{doc: test, quote: "q", reading: r, reading_kind: implausible}',
     "a `reading_kind: implausible` case needs `source.reading_why`"),
    ('{doc: test, quote: "q", reading_kind: alternative, reading_why: w}',
     "a `reading_kind: alternative` case needs `source.reading`"),
    ('{doc: test, quote: "q", reading_why: w}', "`reading_why` of case `t.one` explains"),
    ('{doc: test, quote: "q", stated: [v9.name]}',
     "`stated` of case `t.one` names `v9.name`, which `expect` does not"),
    ('{doc: test, quote: "q", stated: v1.name}', "`stated` of case `t.one` must be a list"),
    ('{doc: test, quote: "q", covers: ""}', "`covers` of the source of case `t.one` must be"),
])
def test_reading_fields_are_checked(write_case, source, message):
    """docs/case-format.md, "Readings": kinds, their explanations, and stated facts."""
    error = the_error(write_case, VALID.replace('source: {doc: test, quote: "q"}',
                                                f"source: {source}"))
    assert message in error.message
    assert error.line == 3  # the source line (VALID starts with a blank line)


def test_reading_fields_that_are_right_load(write_case):
    text = VALID.replace('source: {doc: test, quote: "q"}',
                         'source: {doc: test, quote: "q", reading: r, reading_kind: implausible, '
                         'reading_why: w, covers: c, stated: [v1.name]}')
    (case,), errors = load_one(write_case, text)
    assert not errors
    assert case.source["reading_kind"] == "implausible" and case.source["stated"] == ["v1.name"]
