"""Control flow and Python in the generic step language: `for` (any iterable, unpacking targets),
`if`/`elif`/`else`, builtins of the allowlist ({py: NAME}, `py.NAME:`) and comprehensions
({comp: ...}). Validation before TF starts (file:line, did you mean), rendering as Python, the
schema's agreement with the validator, runs on real TF 1.15 and TF 2, and exported scripts that
observe exactly what the worker observed.

Expected values are what TF's documentation (and Python's) says, not TF's output.
"""

from __future__ import annotations

import pytest

from harness import cases as caselib
from harness import generic
from harness.render import export_script, python_code
from harness.runner import run_cases

from .test_export import run_exported
from .test_generic import case, error_of, load

# --- programs, with what the documentation says they give ----------------------------------------

PROGRAMS = {
    # tf.Variable(name=...) names the variable NAME:0; `'a%d' % i` is Python's; get_variable
    # under reuse=AUTO_REUSE "creates variables if they do not exist, and returns them otherwise";
    # global_variables/trainable_variables list variables in creation order.
    "loops": ("""\
  - for: {in: {call: py.enumerate, args: [[{tf: float16}, {tf: float32}]]}, as: [i, dtype]}
    do:
      - tf.Variable: {args: [[1.0, 2.0]], dtype: {ref: dtype},
                      name: {op: '%', args: [a%d, {ref: i}]}, as: var0}
  - for: {in: {call: py.range, args: [2]}, as: k}
    do:
      - tf.variable_scope: {args: [s], reuse: {tf: AUTO_REUSE}}
        do:
          - tf.get_variable: {name: w, shape: [1], as: w}
  - let: {value: {comp: {ref: v.name}, for: v, in: {call: tf.global_variables}}, as: names}
  - let: {value: {comp: {ref: v}, key: {ref: v.op.name}, for: v,
                   in: {call: tf.global_variables}}, as: by_name}
  - py.sorted: {args: [{comp: {ref: v.name}, for: v, in: {call: tf.trainable_variables},
                        kind: gen}], reverse: true, as: rev}
  - py.len: {args: [{ref: names}], as: n}
  - let: {value: {comp: {ref: b}, for: [a, b], in: {call: py.zip, args: [[1, 2], [x, y]]},
                   if: {op: '>', args: [{ref: a}, 1]}}, as: zipped}
  - let: {value: {call: py.isinstance, args: [{ref: names}, {py: list}]}, as: is_list}
  - let: {value: {comp: {tuple: [{ref: j}, {ref: c}]}, for: [j, [c, d]],
                   in: {call: py.enumerate, args: [[[p, q]]]}}, as: nested}
""", """
  i.value: [0, 1]
  dtype.name: [float16, float32]
  var0.name: ["a0:0", "a1:0"]
  var0.dtype: [float16, float32]
  k.value: [0, 1]
  w.name: ["s/w:0", "s/w:0"]
  names.value: ["a0:0", "a1:0", "s/w:0"]
  by_name['s/w'].name: "s/w:0"
  rev.value: ["s/w:0", "a1:0", "a0:0"]
  n.value: 3
  zipped.value: [y]
  is_list.value: true
  nested.value: [[0, p]]
"""),
    # tf.constant(name=N) names the op N (a tensor N:0), unnamed constants `Const`; only the
    # branch whose test holds runs, so `kind` is captured once and is one value.
    "branches": ("""\
  - for: {in: [0, 1, 2], as: j}
    do:
      - if: {op: '==', args: [{ref: j}, 0]}
        do:
          - tf.constant: {args: [0], name: zero, as: c}
        elif:
          - if: {op: '==', args: [{ref: j}, 1]}
            do:
              - tf.constant: {args: [1], name: one, as: c}
        else:
          - tf.constant: {args: [2], name: other, as: c}
  - tf.constant: {args: [5], as: five}
  - if: {call: py.isinstance, args: [{ref: five}, {tf: Tensor}]}
    do:
      - let: {value: tensor, as: kind}
    else:
      - let: {value: other, as: kind}
  - if: false
    do:
      - tf.constant: {args: [3], name: never, as: never}
  - tf.get_default_graph: {as: g}
  - if: {op: not, args: [{call: py.any, args: [{comp: {op: '==', args: [{ref: o.name}, never]},
                                                 for: o, in: {call: g.get_operations},
                                                 kind: gen}]}]}
    do:
      - let: {value: true, as: none_named_never}
""", """
  c.name: ["zero:0", "one:0", "other:0"]
  kind.value: tensor
  none_named_never.value: true
  graph.ops: [zero, one, other, Const]
"""),
    # Python's own errors: iterating an int, unpacking three values into two names; a loop
    # whose second iteration raises stops the program there (get_variable: "Variable v already
    # exists, disallowed").
    "errors": ("""\
  - for: {in: 3, as: x, catch: not_iterable}
  - for: {in: [[1, 2, 3]], as: [a, b], catch: too_many}
  - for: {in: [[1]], as: [a, b], catch: too_few}
  - for: {in: [1, 2], as: r}
    do:
      - tf.get_variable: {name: v, shape: [1], as: v}
""", """
  not_iterable.error: {type: TypeError, message: "'int' object is not iterable"}
  too_many.error: {type: ValueError, message: "too many values to unpack (expected 2)"}
  too_few.error: {type: ValueError, message: "not enough values to unpack (expected 2, got 1)"}
  r.value: [1, 2]
  v.name: ["v:0"]
  error: {type: ValueError, message: already exists, step: "program[3].do[0]"}
"""),
}


def program_case(name: str) -> caselib.Case:
    program, expect = PROGRAMS[name]
    return load(case(program, "\n" + expect.strip("\n"), name))


# --- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("program, message, line", [
    ("  - for: {as: x}\n", "`for` needs `in`", 5),
    ("  - for: 3\n", "`for` takes a mapping", 5),
    ("  - for: {in: [1], as: x, over: 2}\n", "unknown key `over` in `for`", 5),
    ("  - for: {in: [1], as: [x, x]}\n", "`x` appears twice in the target", 5),
    ("  - for: {in: [1], as: [x, 1y]}\n", "bad label `1y`", 5),
    ("  - for: {in: [1], as: []}\n", "a target list needs at least one label", 5),
    ("  - for: {in: [1], as: x}\n    do: 3\n", "`do:` of `for` must be a list", 6),
    ("  - for: {in: {ref: nope}, as: x}\n", "refers to `nope`", 5),
    ("  - tf.constant: {args: [1], as: a}\n    else: []\n",
     "`else:` belongs to an `if` step", 6),
    ("  - if: true\n    elif: [{do: []}]\n", "an `elif` entry is `{if: VALUE", 6),
    ("  - if: true\n    elif: [{if: true, then: []}]\n", "unknown key `then` in an `elif`", 6),
    ("  - if: {ref: nope}\n", "refers to `nope`", 5),
    ("  - py.lne: {args: [[1]]}\n", "did you mean `len`?", 5),
    ("  - let: {value: {py: py.len}}\n", "repeats the prefix", 5),
    ("  - let: {value: {py: open}}\n", "`py.open` is refused", 5),
    ("  - let: {value: {comp: 1, in: [1]}}\n", "a comprehension needs `for`", 5),
    ("  - let: {value: {comp: 1, for: x, in: [1], kind: tuple}}\n",
     "unknown comprehension kind `tuple`", 5),
    ("  - let: {value: {comp: 1, for: x, in: [1], kind: dict}}\n", "has `key:`", 5),
    ("  - let: {value: {comp: 1, for: x, in: [1], where: 2}}\n",
     "unknown key `where` in a comprehension", 5),
    # a comprehension's target is its own: unknown after it (Python 3's scope)
    ("  - let: {value: {comp: {ref: x}, for: x, in: [1]}}\n  - let: {value: {ref: x}}\n",
     "`x` refers to `x`, which no earlier step captures", 6),
    # the target is not known in its own `in`
    ("  - let: {value: {comp: 1, for: x, in: {ref: x}}}\n", "refers to `x`", 5),
    ("  - tf.constant: {args: [1], as: len}\n  - py.len: {args: [[1]]}\n",
     "`len` is bound by the program (line 5) and called as the builtin py.len", 5),
    # what the export writes as a builtin's call: the operator abs, repeat's range
    ("  - tf.constant: {args: [1], as: abs}\n  - let: {value: {op: abs, args: [-1]}}\n",
     "`abs` is bound by the program (line 5) and called as the builtin py.abs", 5),
    ("  - repeat: 2\n  - tf.constant: {args: [1], as: range}\n",
     "`range` is bound by the program (line 6) and called as the builtin py.range", 6),
    ("  - tf.constant: {args: [1], as: i}\n  - repeat: 2\n",
     "`repeat` renders as `for i in range(N):`", 5),
    ("  - tf.constant: {args: [1], as: py}\n", "bad label `py`", 5),
])
def test_bad_control_flow_is_refused_with_its_line(program, message, line):
    err = error_of(case(program))
    assert message in err, err
    assert f"g.yaml:{line}:" in err, err


def test_every_problem_of_the_branches_is_reported_at_once():
    text = case("""\
  - if: {ref: nope1}
    do:
      - let: {value: {ref: nope2}}
    elif:
      - if: {ref: nope3}
        do:
          - let: {value: {ref: nope4}}
    else:
      - let: {value: {ref: nope5}}
""")
    found, errors = caselib.load_text(text, "g.yaml")
    assert not found
    assert [e.line for e in errors] == [5, 7, 9, 11, 13], errors


def test_a_loop_variable_and_captures_in_a_loop_are_lists():
    err = error_of(case("  - for: {in: [1, 2], as: x}\n", "{x.value: 1}"))
    assert "`x` is captured inside `repeat` or `for`" in err and "write a list" in err


def test_captures_in_exclusive_branches_are_one_value_and_elsewhere_several():
    one = load(case("""\
  - if: true
    do:
      - get_variable: {name: a, shape: [1], as: v}
    else:
      - get_variable: {name: b, shape: [1], as: v}
""", "{v.name: a:0}"))
    assert one.labels["v"]["multi"] is False
    # the same label before the `if` and in a branch: two captures can both run
    err = error_of(case("""\
  - get_variable: {name: a, shape: [1], as: v}
  - if: true
    do:
      - get_variable: {name: b, shape: [1], as: v}
"""))
    assert "label `v` is captured twice" in err
    several = load(case("""\
  - tf.constant: {args: [1], as: c}
  - if: true
    do:
      - tf.constant: {args: [2], as: c}
""", "{c.name: [Const:0, Const_1:0]}"))
    assert several.labels["c"]["multi"] is True
    # nested: the inner if's branches exclude each other, and both exclude the outer else
    nested = load(case("""\
  - if: true
    do:
      - if: false
        do:
          - tf.constant: {args: [1], as: c}
        else:
          - tf.constant: {args: [2], as: c}
    else:
      - tf.constant: {args: [3], as: c}
"""))
    assert nested.labels["c"]["multi"] is False


def test_i_is_a_label_when_no_repeat_renders_its_loop():
    c = load(case("  - for: {in: {call: py.range, args: [2]}, as: i}\n", "{i.value: [0, 1]}"))
    assert "for i in range(2):" in python_code(c)


# --- rendering ---------------------------------------------------------------------------------

def test_control_flow_renders_as_python():
    code = "".join(python_code(program_case(name)) for name in sorted(PROGRAMS))
    for line in ("for i, dtype in enumerate([tf.float16, tf.float32]):",
                 "    var0 = tf.Variable([1.0, 2.0], dtype=dtype, name='a%d' % i)",
                 "for k in range(2):",
                 "names = [v.name for v in tf.global_variables()]",
                 "by_name = {v.op.name: v for v in tf.global_variables()}",
                 "rev = sorted((v.name for v in tf.trainable_variables()), reverse=True)",
                 "n = len(names)",
                 "zipped = [b for a, b in zip([1, 2], ['x', 'y']) if a > 1]",
                 "is_list = isinstance(names, list)",
                 "nested = [(j, c) for j, (c, d) in enumerate([['p', 'q']])]",
                 "    if j == 0:", "    elif j == 1:", "    else:",
                 "if isinstance(five, tf.Tensor):", "if False:",
                 "for x in 3:", "for a, b in [[1, 2, 3]]:"):
        assert line in code, line
    compile(code, "program", "exec")
    for name in PROGRAMS:
        compile(export_script(program_case(name)), "script", "exec")


def test_a_generator_alone_in_a_call_needs_no_parentheses():
    value = {"call": {"py": "sorted"}, "args": [{"comp": {"ref": "v"}, "for": "v",
                                                 "in": [1], "kind": "gen"}], "kwargs": {}}
    assert generic.render(value) == "sorted(v for v in [1])"
    value["comp"] = 1
    assert generic.render({"comp": {"ref": "v"}, "for": "v", "in": [1], "kind": "set"}) == \
        "{v for v in [1]}"


def test_the_export_captures_loop_variables_first_in_each_iteration():
    script = export_script(program_case("loops"))
    assert "for i, dtype in enumerate([tf.float16, tf.float32]):\n" \
           "        capture('i', i)\n        capture('dtype', dtype)\n" in script


# --- evaluation without TF: Python's semantics -------------------------------------------------

def test_unpacking_is_pythons():
    got = []
    generic.unpack(["a", ["b", "c"]], (1, (2, 3)), lambda k, v: got.append((k, v)))
    assert got == [("a", 1), ("b", 2), ("c", 3)]
    for target, value, message in [
            (["a", "b"], [1], "not enough values to unpack (expected 2, got 1)"),
            (["a", "b"], iter([1, 2, 3]), "too many values to unpack (expected 2)"),
            (["a"], 5, "cannot unpack non-iterable int object")]:
        with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(")
                           .replace(")", r"\)")):
            generic.unpack(target, value, lambda k, v: None)


def test_comprehensions_bind_their_targets_only_while_they_run():
    refs = {"v": "outer"}
    value = {"comp": {"op": "*", "args": [{"ref": "v"}, 2]}, "for": "v", "in": [1, 2, 3],
             "if": [{"op": ">", "args": [{"ref": "v"}, 1]}], "kind": "list"}
    assert generic.evaluate(None, value, refs) == [4, 6]
    assert refs == {"v": "outer"}
    value.update(kind="dict", key={"ref": "v"})
    assert generic.evaluate(None, value, {}) == {2: 4, 3: 6}
    value.update(kind="set")
    assert generic.evaluate(None, value, {}) == {4, 6}
    value.update(kind="gen")
    assert list(generic.evaluate(None, value, {})) == [4, 6]


# --- the schema agrees with the validator ------------------------------------------------------

@pytest.mark.parametrize("program, valid", [
    ("  - for: {in: [1, 2], as: [i, [a, b]]}\n    do: []\n", True),
    ("  - for: {in: [1, 2], as: x, catch: e}\n", True),
    ("  - for: {as: x}\n", False),
    ("  - for: {in: [1], as: x, over: 1}\n", False),
    ("  - if: true\n    do: []\n    elif: [{if: false, do: []}]\n    else: []\n", True),
    ("  - if: true\n    elif: [{if: false, then: []}]\n", False),
    ("  - py.len: {args: [[1]], as: n}\n", True),
    ("  - let: {value: {py: len}}\n", True),
    ("  - let: {value: {comp: 1, for: x, in: [1], if: true, kind: set}}\n", True),
    ("  - let: {value: {comp: 1, for: x, in: [1], why: 1}}\n", False),
    ("  - let: {value: {lambda: 1, params: [x, '*a', {name: b, default: 2}]}}\n", True),
    ("  - let: {value: {lambda: 1, params: [{nam: b}]}}\n", False),
    ("  - let: {value: {lambda: 1, args: [x]}}\n", False),
    ("  - let: {value: [1, 2], as: [a, b]}\n", True),
    ("  - tf.split: {args: [[1, 2], 2], as: [a, [b]]}\n", True),
    ("  - let: {value: [1, 2], as: [a, 1]}\n", False),
    ("  - try: {catch: e}\n    do: [{let: {value: 1}}]\n", True),
    ("  - try: null\n    do: []\n", False),
    ("  - try: {catch: e, as: x}\n", False),
])
def test_schema_and_validator_agree_on_control_flow(program, valid):
    from .test_schema import VALIDATOR
    text = case(program)
    found, errors = caselib.load_text(text, "g.yaml")
    data = caselib.parse_yaml(text, "g.yaml")
    assert (not errors, VALIDATOR.is_valid(data)) == (valid, valid), errors


# --- on real TensorFlow --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tf2(pytestconfig):
    from .conftest import provision
    return provision(pytestconfig, "tf2")


def check_programs(runtime, names):
    from harness.compare import Outcome, diff
    chosen = [program_case(n) for n in names]
    results = run_cases(chosen, [runtime])
    for r in results.results:
        assert r.outcome.problem is None, r.outcome.problem
        mismatches = diff(r.case.expect, Outcome(facts=r.outcome.facts, error=r.outcome.error))
        assert not mismatches, (r.case.id, mismatches)
    return chosen, results


@pytest.mark.parametrize("runtime", ["tf115", "tf2"])
def test_control_flow_observes_what_the_docs_say_and_the_export_agrees(runtime, request,
                                                                        tmp_path):
    rt = request.getfixturevalue(runtime)
    chosen, results = check_programs(rt, sorted(PROGRAMS))
    scripts = run_exported(rt.python, chosen, tmp_path)
    for r in results.results:
        got = scripts[r.case.id]
        assert got == {"facts": r.outcome.facts, "error": r.outcome.error}, (
            r.case.id, got.get("script failed"),
            sorted(k for k in set(got.get("facts", {})) | set(r.outcome.facts)
                   if got.get("facts", {}).get(k) != r.outcome.facts.get(k)))


def test_the_documented_builtins_are_the_policys():
    import re

    from harness import policy

    from .conftest import ROOT
    text = (ROOT / "docs" / "case-format.md").read_text(encoding="utf-8")
    block = text[text.index("**Python builtins**"):]
    block = block[:block.index(". Nothing")]
    assert set(re.findall(r"`(\w+)`", block)) - {"BUILTINS"} == set(policy.BUILTINS)


# --- the static converter: Python's for, if, builtins and comprehensions as these steps -------

TF_TEST = """\
import tensorflow as tf

for i, dtype in enumerate([tf.half, tf.float32, tf.float64]):
    var0 = tf.Variable([1.0, 2.0], dtype=dtype, name='a%d' % i)
    if dtype == tf.half:
        kind = 'half'
    elif i == 1:
        kind = 'one'
    else:
        kind = 'other'
names = [v.name for v in tf.global_variables() if v.dtype != tf.half]
by_name = {v.op.name: v for v in tf.global_variables()}
n = len(names)
first = sorted(v.name for v in tf.global_variables())[0]
for _ in range(2):
    tf.constant(1.0)
"""


def test_the_converter_writes_for_if_builtins_and_comprehensions():
    from harness.frompython import convert

    from .test_author import as_case
    program = convert(TF_TEST, "t.py")
    assert program[0]["for"] == {"in": {"call": "py.enumerate", "args": [
        [{"tf": "half"}, {"tf": "float32"}, {"tf": "float64"}]]}, "as": ["i", "dtype"]}
    branch = program[0]["do"][1]
    assert branch["if"] == {"op": "==", "args": [{"ref": "dtype"}, {"tf": "half"}]}
    assert [b["if"] for b in branch["elif"]] == [{"op": "==", "args": [{"ref": "i"}, 1]}]
    # the same name in exclusive branches: one label
    assert [s["let"]["as"] for s in branch["do"] + branch["elif"][0]["do"] + branch["else"]] \
        == ["kind", "kind", "kind"]
    assert program[1] == {"let": {"value": {
        "comp": {"ref": "v.name"}, "for": "v", "in": {"call": "tf.global_variables"},
        "if": {"op": "!=", "args": [{"ref": "v.dtype"}, {"tf": "half"}]}}, "as": "names"}}
    assert program[2]["let"]["value"]["key"] == {"ref": "v.op.name"}
    assert program[3] == {"py.len": {"args": [{"ref": "names"}], "as": "n"}}
    assert program[4]["let"]["value"]["args"][0]["args"][0]["kind"] == "gen"
    # `repeat` beside a label `i` would rebind it: the same loop as a `for` without a target
    assert program[5] == {"for": {"in": {"call": "py.range", "args": [2]}},
                          "do": [{"constant": {"value": 1.0}}]}
    case = as_case(program)
    code = python_code(case)
    for line in ("for i, dtype in enumerate([tf.half, tf.float32, tf.float64]):",
                 "    if dtype == tf.half:", "    elif i == 1:", "    else:",
                 "names = [v.name for v in tf.global_variables() if v.dtype != tf.half]",
                 "by_name = {v.op.name: v for v in tf.global_variables()}",
                 "n = len(names)",
                 "first = sorted(v.name for v in tf.global_variables())[0]",
                 "for _ in range(2):"):
        assert line in code, line
    # and back: the rendered code converts to the same program
    assert convert(code, "back.py") == program


def test_the_converter_still_reports_every_problem_at_once():
    from harness.frompython import Refused, convert
    source = ("for x in xs:\n    tf.constant(1.0)\n"
              "if flag:\n    tf.constant(2.0)\n"
              "y = [a for a in b for c in a]\n"
              "z = getattr(tf, 'zeros')\n")
    with pytest.raises(Refused) as info:
        convert(source, "s.py")
    problems = [str(p) for p in info.value.problems]
    assert [p.split(":")[1] for p in problems] == ["1", "3", "5", "6"], problems
    assert "a loop over `xs`" in problems[0] and "`if flag:` on the name `flag`" in problems[1]
    assert "2 `for` clauses" in problems[2] and "`getattr`" in problems[3]


def test_an_attribute_of_any_value_is_the_attr_operator():
    c = load(case("""\
  - tf.constant: {args: [[1, 2]], as: a}
  - for: {in: {call: py.range, args: [2]}, as: i}
    do:
      - let: {value: {op: attr, args: [{op: getitem, args: [[{ref: a}], 0]}, name]}, as: n}
"""))
    assert "    n = [a][0].name" in python_code(c)
    for bad, message in [("__class__", "is refused"), ("f_globals", "refused"),
                         ("1x", "NAME an identifier")]:
        err = error_of(case(f"  - let: {{value: {{op: attr, args: [1, '{bad}']}}}}\n"))
        assert message in err, err
    with pytest.raises(generic.Refused):
        generic.evaluate(None, {"op": "attr", "args": [1, "__class__"]}, {})
    assert generic.evaluate(None, {"op": "attr", "args": [1, "real"]}, {}) == 1


def test_the_converter_reads_augmented_assignment_as_an_operator():
    from harness.frompython import convert
    program = convert("names = [v.name for v in tf.global_variables()]\n"
                      "names += ['extra']\nn = 2\nn += 1\nc = tf.constant(n)\n", "s.py")
    assert program[1] == {"let": {"value": {"op": "+", "args": [{"ref": "names"}, ["extra"]]},
                                  "as": "names_1"}}
    assert program[2] == {"constant": {"value": 3, "as": "c"}}  # a known value stays known


def test_an_indexed_fact_without_an_attribute_is_read_and_a_bad_one_refused():
    # `called[0]` (TF's tests count calls in a list) crashed the validator (a str.split unpacked
    # into two names) instead of being read as a path of the capture
    c = load(case("  - let: {value: [0], as: called}\n", "{'called[0]': 0}"))
    assert c.path_facts() == ["called[0]"]
    err = error_of(case("  - let: {value: [0], as: called}\n", "{'calld[0]': 0}"))
    assert "`calld[0]` names `calld`, which no step captures" in err and \
        "did you mean `called`?" in err


# --- lambda ------------------------------------------------------------------------------------

LAMBDAS = ("""\
  - let: {value: {lambda: {op: '*', args: [0.0, {ref: x}]}, params: [x]}, as: constraint}
  - tf.get_variable: {args: [v, []], constraint: {ref: constraint}, as: v}
  - let: {value: {op: '==', args: [{ref: v.constraint}, {ref: constraint}]}, as: same}
  - tf.get_variable: {args: [foo], initializer: {lambda: [2]}, as: w}
  - tf.get_variable: {args: [bar], initializer: {lambda: [2], params: [{name: x, default: true}]},
                      as: u}
  - py.sorted: {args: [{call: tf.global_variables}], key: {lambda: {ref: v.name}, params: [v]},
                reverse: true, as: by_name}
  - tf.get_variable: {args: [vv, [1]], caching_device: {lambda: {ref: op.device}, params: [op]},
                      as: cached}
""", """
  same.value: true
  w.name: "foo:0"
  u.name: "bar:0"
  by_name.name: ["v:0", "foo:0", "bar:0"]
  cached.name: "vv:0"
""")


def test_lambdas_validate_render_and_run_on_tf115_and_tf2(tf115, tmp_path, request):
    # get_variable's docs: a callable initializer with no arguments (or only defaults) is called
    # for the initial value; sorted with a key orders by it (Python)
    c = load(case(LAMBDAS[0], "\n" + LAMBDAS[1].strip("\n"), "lambdas"))
    code = python_code(c)
    for line in ("constraint = lambda x: 0.0 * x",
                 "w = tf.get_variable('foo', initializer=lambda: [2])",
                 "u = tf.get_variable('bar', initializer=lambda x=True: [2])",
                 "by_name = sorted(tf.global_variables(), key=lambda v: v.name, reverse=True)",
                 "caching_device=lambda op: op.device"):
        assert line in code, line
    err = error_of(case("  - let: {value: {lambda: {ref: y}, params: [x]}}\n"))
    assert "refers to `y`" in err
    err = error_of(case("  - let: {value: {lambda: {ref: x}, params: [x]}}\n"
                        "  - let: {value: {ref: x}}\n"))
    assert "`x` refers to `x`" in err  # a lambda's parameter is its own
    from harness.compare import Outcome, diff
    for runtime in (tf115, request.getfixturevalue("tf2")):
        (r,) = run_cases([c], [runtime]).results
        assert r.outcome.problem is None and r.outcome.error is None, r.outcome
        assert not diff(c.expect, Outcome(facts=r.outcome.facts, error=None))
        (tmp_path / runtime.name).mkdir()
        got = run_exported(runtime.python, [c], tmp_path / runtime.name)[c.id]
        assert got == {"facts": r.outcome.facts, "error": r.outcome.error}


def test_the_converter_writes_lambdas_as_values():
    from harness.frompython import convert
    program = convert("v = tf.get_variable('v', [], constraint=lambda x: 0. * x)\n"
                      "n = sorted(tf.global_variables(), key=lambda v, k=1: v.name)\n", "s.py")
    assert program[0]["tf.get_variable"]["kwargs"]["constraint"] == {
        "lambda": {"op": "*", "args": [0.0, {"ref": "x"}]}, "params": ["x"]}
    assert program[1]["py.sorted"]["kwargs"]["key"] == {
        "lambda": {"ref": "v.name"}, "params": ["v", {"name": "k", "default": 1}]}


# --- unpacking assignment ----------------------------------------------------------------------

UNPACK = ("""\
  - tf.split: {args: [{call: tf.constant, args: [[1.0, 2.0]]}, 2], as: [q, r]}
  - let: {value: {tuple: [1, [2, 3]]}, as: [a, [b, c]]}
  - for: {in: [1, 2], as: k}
    do:
      - let: {value: {tuple: [{ref: k}, 0]}, as: [x, y]}
  - let: {value: [1, 2, 3], as: [one, two], catch: too_many}
""", """
  q.name: "split:0"
  r.name: "split:1"
  b.value: 2
  x.value: [1, 2]
  too_many.error: {type: ValueError, message: "too many values to unpack (expected 2)"}
""")


def test_as_a_target_list_unpacks_a_value_on_tf115_and_tf2(tf115, tmp_path, request):
    # tf.split(value, 2) gives two tensors, named split:0 and split:1 (an op's outputs)
    c = load(case(UNPACK[0], "\n" + UNPACK[1].strip("\n"), "unpack"))
    code = python_code(c)
    for line in ("q, r = tf.split(tf.constant([1.0, 2.0]), 2)", "a, (b, c) = (1, [2, 3])",
                 "    x, y = (k, 0)"):
        assert line in code, line
    assert c.labels["x"]["multi"] and not c.labels["q"]["multi"]
    err = error_of(case("  - tf.name_scope: {args: [n], as: [a, b]}\n    do: []\n"))
    assert "`as: [...]` unpacks what a call or `let` gives" in err
    from harness.compare import Outcome, diff
    for runtime in (tf115, request.getfixturevalue("tf2")):
        (r,) = run_cases([c], [runtime]).results
        assert r.outcome.problem is None and r.outcome.error is None, r.outcome
        assert not diff(c.expect, Outcome(facts=r.outcome.facts, error=None))
        (tmp_path / runtime.name).mkdir()
        got = run_exported(runtime.python, [c], tmp_path / runtime.name)[c.id]
        assert got == {"facts": r.outcome.facts, "error": r.outcome.error}


# --- try: a catch around several steps (assertRaises around a block) ---------------------------

TRY = ("""\
  - try: {catch: clash}
    do:
      - tf.get_variable: {args: [v, [1]], as: v}
      - tf.get_variable: {args: [v, [1]], as: again}
  - try: {catch: fine}
    do:
      - tf.constant: {args: [1.0], as: c}
""", """
  v.name: "v:0"
  clash.error: {type: ValueError, message: already exists}
  fine.error: null
  c.name: "Const:0"
""")


def test_try_catches_what_any_step_of_its_body_raises_on_tf115_and_tf2(tf115, tmp_path, request):
    # get_variable's docs: a second get_variable of an existing name without reuse raises
    # ValueError ("Variable v already exists")
    c = load(case(TRY[0], "\n" + TRY[1].strip("\n"), "try"))
    code = python_code(c)
    assert "try:\n    v = tf.get_variable('v', [1])\n    again = tf.get_variable('v', [1])\n" \
           "except Exception as tfscope_error:\n    clash = tfscope_error\n" in code, code
    assert "`try` needs `catch: LABEL`" in error_of(case("  - try: null\n    do: []\n"))
    from harness.compare import Outcome, diff
    for runtime in (tf115, request.getfixturevalue("tf2")):
        (r,) = run_cases([c], [runtime]).results
        assert r.outcome.problem is None and r.outcome.error is None, r.outcome
        assert not diff(c.expect, Outcome(facts=r.outcome.facts, error=None))
        (tmp_path / runtime.name).mkdir()
        got = run_exported(runtime.python, [c], tmp_path / runtime.name)[c.id]
        assert got == {"facts": r.outcome.facts, "error": r.outcome.error}
    from harness.frompython import convert
    assert convert(code, "back.py")[0] == {"try": {"catch": "clash"}, "do": [
        {"get_variable": {"name": "v", "shape": [1], "as": "v"}},
        {"get_variable": {"name": "v", "shape": [1], "as": "again"}}]}


def test_a_broken_loop_still_defines_its_targets():
    # the loop has no `in` (or an unpacking call a wrong name); what follows and the
    # expectations say of its labels is not reported a second time
    text = case("  - for: {as: [i, x]}\n  - let: {value: {ref: x}, as: y}\n", "{i.value: [0]}")
    found, errors = caselib.load_text(text, "g.yaml")
    assert len(errors) == 1 and "`for` needs `in`" in str(errors[0]), errors
    text = case("  - tf.splt: {args: [1, 2], as: [a, b]}\n  - let: {value: {ref: b}}\n")
    found, errors = caselib.load_text(text, "g.yaml")
    assert len(errors) == 1 and "tf.splt" in str(errors[0]), errors


def test_a_function_body_binds_its_own_names_as_in_python():
    # A def (or lambda) body's captures shadowed the program's labels for good: after a call,
    # `{ref: x}` was the body's x, where Python (and the export) still have the program's.
    refs = {"x": "outer", "obj": []}

    def run_body():
        refs["x"] = "inner"
        refs["obj"].append(1)  # an object it changes stays changed
        raise generic.Return(refs["x"])
    f = generic.make_function(None, "f", [{"name": "y", "default": 0}], refs, run_body)
    assert f() == "inner"
    assert refs == {"x": "outer", "obj": [1]}


def test_a_label_captured_in_a_def_and_outside_it_is_refused_where_a_fact_names_it():
    program = """\
  - def: {name: f, params: []}
    do:
      - let: {value: 1, as: val}
      - return: {value: {ref: val}}
  - invoke: {fn: f, as: r}
  - let: {value: 2, as: val}
"""
    err = error_of(case(program, "{val.value: [1, 2]}"))
    assert "`val.value` names `val`, captured both in def f, the program" in err, err
    load(case(program, "{r.value: 1}"))  # no fact names it: the program is as the test's
