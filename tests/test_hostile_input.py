"""Hostile and broken case files: the loader answers every one with a valid case or a clean
`CaseError` that names the file (and, where there is one, the line), and never runs anything.

The property-based tests feed thousands of generated documents (random text and bytes, mutated
valid cases, random structures over the case vocabulary, odd tags, aliases, deep nesting) to the
real loader; the fixed tests cover the pathological shapes that random generation rarely reaches
(alias bombs, huge and deeply nested documents) and check that those are refused quickly.
"""

from __future__ import annotations

import ast
import os
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import cases as caselib
from harness import steps
from harness.cases import Case, CaseError

from .conftest import EXAMPLE


def fuzz(examples: int) -> settings:
    # Thousands of examples in all, yet some 20-30 s: no per-example deadline on a shared box.
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))

# Code that a loader must never run: each would leave this file behind.
CANARY = Path(tempfile.gettempdir()) / f"tfscope-canary-{os.getpid()}"

VALID = """\
id: fuzz.valid
title: a valid case
source: {doc: article, quote: "v1 name: foo/var1:0"}
tags: [fuzz]
timeout: 5
program:
  - variable_scope: {name_or_scope: foo, as: scope}
    do:
      - get_variable: {name: var1, shape: [1], as: v1}
      - repeat: 2
        do:
          - variable: {initial_value: [2.0], name: var2, as: v2}
  - constant: {value: 1, as: c}
expect:
  v1.name: foo/var1:0
  v2.name: {matches: "foo/var2.*"}
  scope.reuse: false
  graph.ops: {contains: [foo/var1]}
  error: null
deviations:
  - runtimes: [tf1.15]
    observed: {v1.name: foo/var1:0}
    reason: none really
"""
SEEDS = [VALID, EXAMPLE.read_text()]

HOSTILE = [
    f"!!python/object/apply:os.system ['touch {CANARY}']",
    f"x: !!python/object/apply:subprocess.call [[touch, {CANARY}]]",
    "!!python/name:os.system", "!!python/module:os", "!!python/object:harness.cases.Case {}",
    "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]",
    "!!timestamp 2001-12-14",
    "!local {a: 1}", "!<tag:example.com,2000:x> 1", "!!str", "!!int 0x1F", "!!float .nan",
    "&a [*a]", "&a {k: *a}", "*undefined", "<<: {a: 1}", "<<: *a", "? [complex, key]\n: 1",
    "? {a: 1}\n: 2", "%YAML 1.1\n---\n", "%TAG !e! tag:example.com,2000:\n---\n!e!x 1",
    "---\n...\n---\n", "\t", "\x00", "\ufeff", "\u202e", "\ud7ff", "\U0001f600", "'", '"', "\\",
    "[", "]", "{", "}", ": ", "- ", "? ", "|", ">", "#", "&", "*", "!", "%", "@", "`", ",",
    "1" * 5000, "-" + "9" * 4400, "0o" + "7" * 5000, "1e99999", ".inf", "~", "null", "yes", "no",
    "=", "2001-12-14t21:59:43.10-05:00", "0b102", "1_000", "0x", "- - - - - -",
    "id: ../../../../etc/passwd", "id: /abs/path", "id: a/../../b", "id: CON", "id: ''",
    "program: []", "program: {}", "expect: []", "expect: {error: {type: [1]}}",
    "repeat: 1000000", "shape: [1000000000, 1000000000]", "as: __import__",
    "as: graph", "as: tf", "name: \"foo\\x00bar\"", "matches: '('", "matches: '(a*)*b'",
]
KEYS = sorted({*caselib.CASE_KEYS, *caselib.SOURCE_KEYS, *caselib.ERROR_KEYS,
               *caselib.DEVIATION_KEYS, *caselib.MATCHERS, *steps.STEPS, *steps.STEP_KEYS,
               "as", "do", "name", "shape", "v1.name", "v1.value", "graph.ops", "scope.reuse",
               "ref", "value", "seconds", "how", "text", "<<"})


@pytest.mark.parametrize("text", ["[]", "--- []", "# only a comment\n[]\n", "[\n]"])
def test_a_file_of_an_empty_list_is_an_error_not_nothing(text):
    """A file that loads to no case must say so (it once gave neither a case nor an error)."""
    loaded, errors = caselib.load_text(text, "case.yaml")
    assert not loaded and len(errors) == 1 and "empty case file" in str(errors[0])


def check_load(text: str | bytes) -> list:
    """Load `text` as a case file; every outcome must be a valid case or a clean CaseError."""
    with tempfile.TemporaryDirectory(prefix="tfscope-fuzz-") as tmp:
        path = Path(tmp) / "case.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        loaded, errors = caselib.load([path])
    assert not CANARY.exists(), "the loader ran code from a case file"
    for case in loaded:
        assert isinstance(case, Case) and caselib.ID_RE.fullmatch(case.id)
        assert case.program and isinstance(case.expect, dict)  # `expect: {}` only records
    for error in errors:
        assert type(error) is CaseError
        assert error.path and error.path.endswith("case.yaml"), error
        assert error.line is None or (isinstance(error.line, int) and error.line >= 1), error
        message = str(error)
        assert message.startswith(error.path) and "\n" not in message.strip(), message
        assert "Traceback" not in message
    assert bool(loaded) or bool(errors), "neither a case nor an error"
    return errors


# --- property-based ---------------------------------------------------------------------------

@fuzz(1500)
@given(st.text(max_size=300))
def test_random_text(text):
    check_load(text)


@fuzz(500)
@given(st.binary(max_size=300))
def test_random_bytes(data):
    check_load(data)


FRAGMENTS = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(KEYS),
                      st.text(alphabet=":-[]{}&*!|>'\"#,? \t\n\\%@`~0123456789abc.", max_size=12),
                      st.text(max_size=8))


@st.composite
def mutated(draw) -> str:
    """A valid case with a few random edits: deletions, insertions, swapped or repeated lines."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "swap", "dup", "indent"]))
        lines = text.split("\n")
        if op in ("swap", "dup", "indent"):
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if op == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            elif op == "dup":
                lines.insert(j, lines[i])
            else:
                lines[i] = draw(st.sampled_from([" ", "  ", "\t", "    "])) + lines[i]
            text = "\n".join(lines)
            continue
        i = draw(st.integers(0, len(text)))
        j = min(len(text), i + draw(st.integers(0, 20)))
        if op == "insert":
            text = text[:i] + draw(FRAGMENTS) + text[i:]
        elif op == "delete":
            text = text[:i] + text[j:]
        else:
            text = text[:i] + draw(FRAGMENTS) + text[j:]
    return text


@fuzz(1500)
@given(mutated())
def test_mutated_valid_cases(text):
    check_load(text)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(KEYS),
                    st.text(max_size=20), st.sampled_from(["auto_reuse", "float32", "zeros",
                                                           "ValueError", "foo/var1:0", "*"]))
DATA = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), SCALARS.filter(
            lambda k: not isinstance(k, float))), children, max_size=5)),
    max_leaves=40)


@st.composite
def structured(draw) -> str:
    """Random data shaped like a case (its keys, step kinds, facts), dumped as YAML."""
    case = {"id": draw(st.one_of(st.just("fuzz.case"), st.text(max_size=10), DATA)),
            "title": draw(st.one_of(st.just("t"), DATA)),
            "source": draw(st.one_of(st.just({"doc": "a", "quote": "q"}), DATA)),
            "program": draw(st.one_of(st.lists(st.dictionaries(
                st.sampled_from([*steps.STEPS, "do", "as"]), DATA, min_size=1, max_size=2),
                max_size=4), DATA)),
            "expect": draw(st.one_of(st.dictionaries(st.sampled_from(KEYS), DATA, max_size=4),
                                     DATA))}
    for key in draw(st.lists(st.sampled_from(list(case)), max_size=2, unique=True)):
        del case[key]
    extra = draw(st.dictionaries(st.sampled_from(KEYS), DATA, max_size=2))
    doc = {**case, **extra}
    if draw(st.booleans()):
        doc = draw(st.lists(st.just(doc), min_size=1, max_size=3))
    return yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False,
                          default_flow_style=draw(st.sampled_from([None, True, False])))


@fuzz(600)
@given(structured())
def test_random_structures(text):
    check_load(text)


@fuzz(300)
@given(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4),
       st.sampled_from(["", "x: ", "- ", "id: ", "program:\n  - get_variable: "]))
def test_hostile_fragments(fragments, prefix):
    check_load(prefix + " ".join(fragments))
    check_load("\n".join(prefix + f for f in fragments))


# --- fixed pathological documents ---------------------------------------------------------------

def alias_bomb(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


PATHOLOGICAL = {
    "billion laughs": (alias_bomb(9), "too large"),
    "alias bomb in a case": ("id: x\ntitle: t\n" + alias_bomb(12).replace("\n", "\n  ")
                             .replace("a0:", "source:\n  a0:", 1), "too large"),
    "recursive alias": ("&a [*a]", "nested deeper"),
    "recursive mapping": ("&a {k: *a}", "nested deeper"),
    # libyaml, when present, refuses deep flow nesting itself: either refusal is clean.
    "deep flow sequence": ("[" * 5000 + "]" * 5000, ("nested deeper", "maximum nesting depth")),
    "deep flow mapping": ("{a: " * 3000 + "1" + "}" * 3000,
                          ("nested deeper", "maximum nesting depth")),
    "deep block sequence": "".join("  " * i + "-\n" for i in range(3000)) + "  " * 3000 + "x\n",
    "wide flat list": ("[" + "1," * (caselib.MAX_NODES + 10) + "1]", "too large"),
    "huge file": ("# " + "x" * (caselib.MAX_BYTES + 10), "larger than"),
    "huge integer": ("id: x\ntitle: t\ntimeout: " + "9" * 100_000, ""),
    "python object": (f"!!python/object/apply:os.system ['touch {CANARY}']",
                      "unsupported YAML tag"),
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_documents_are_refused_quickly(name):
    text, expected = PATHOLOGICAL[name] if isinstance(PATHOLOGICAL[name], tuple) else (
        PATHOLOGICAL[name], "")
    started = time.monotonic()
    errors = check_load(text)
    elapsed = time.monotonic() - started
    assert errors, "accepted"
    expected = (expected,) if isinstance(expected, str) else expected
    assert any(e in str(errors[0]) for e in expected), errors[0]
    # Bounded work: refused long before it could eat the machine (generous for a shared CI box).
    assert elapsed < 20, f"{name}: {elapsed:.1f} s"


def test_an_unreadable_directory_entry_is_an_input_error(tmp_path):
    (tmp_path / "dir.yaml").mkdir()           # a directory with a case-file name is skipped
    (tmp_path / "link.yaml").symlink_to(tmp_path / "missing.yaml")  # dangling link: reported
    loaded, errors = caselib.load([tmp_path])
    assert loaded == [] and len(errors) == 1 and "broken symbolic link" in str(errors[0])
    loaded, errors = caselib.load([tmp_path / "nope.yaml"])
    assert loaded == [] and len(errors) == 1 and "no such file" in str(errors[0])


def test_file_too_large_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:  # sparse: large on paper, no disk used
        handle.truncate(caselib.MAX_BYTES * 50)

    def no_read(*args, **kwargs):
        raise AssertionError("read a file larger than the limit")
    monkeypatch.setattr(Path, "read_text", no_read)
    _, errors = caselib.load([path])
    assert len(errors) == 1 and "larger than" in str(errors[0])


def test_loader_never_constructs_python_objects():
    for text in HOSTILE[:5]:
        errors = check_load(text)
        assert any("unsupported YAML tag" in str(e) for e in errors), (text, errors)


def test_no_shell_no_eval_no_unsafe_yaml_in_the_harness():
    """Case content is data: nothing in the harness can hand it to a shell or to Python. (Read
    from the code, not its strings: exported scripts may well say `__import__('time')`.)"""
    builtins = {"eval", "exec", "compile", "__import__"}
    attributes = {("os", "system"), ("os", "popen"), ("yaml", "load"), ("yaml", "unsafe_load"),
                  ("yaml", "full_load"), ("yaml", "load_all")}
    harness = Path(caselib.__file__).parent
    for source in sorted(harness.glob("*.py")):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not {"pickle", "marshal", "shelve"} & set(names), source.name
            if not isinstance(node, ast.Call):
                continue
            func, where = node.func, f"{source.name}:{node.lineno}"
            if isinstance(func, ast.Name):
                assert func.id not in builtins, f"{where} calls {func.id}"
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                assert (func.value.id, func.attr) not in attributes, f"{where} calls {func.attr}"
            for keyword in node.keywords:
                assert not (keyword.arg == "shell" and getattr(keyword.value, "value", False)), \
                    f"{where} starts a shell"


# --- the generic step language: values of any shape, refused namespaces --------------------------

GENERIC_KEYS = ["ref", "tf", "call", "op", "args", "kwargs", "slice", "tuple", "dict", "ellipsis",
                "*", "**", "fn", "value", "target", "name", "params", "bases", "as", "catch",
                "default", "py", "comp", "for", "in", "if", "key", "kind", "elif", "else",
                "lambda"]
GENERIC_STRINGS = ["w", "w.name", "w[0]", "w['k']", "w.__class__", "w.__globals__", "tf",
                   "tf.gfile.Open", "tf.py_func", "tf.get_variable", "tf.", "tf..x", "a b",
                   "f_globals", "gi_frame", "+", "getitem", "is_not", "*args", "**kw", "", "1a",
                   "len", "open", "py.len", "py.open", "py.getattr", "i", "list", "gen", "dict"]
GENERIC_DATA = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(GENERIC_STRINGS)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(GENERIC_KEYS), inner, max_size=3)),
    max_leaves=12)
GENERIC_STEP_KEYS = ["invoke", "let", "with", "enter", "exit", "set", "def", "return", "class",
                     "snapshot", "tf.get_variable", "tf.gfile.GFile", "tf.py_func",
                     "tf.train.Saver", "w.name", "w.__class__", "w[0].op", "tf.summary.FileWriter",
                     "for", "if", "py.len", "py.open", "py.eval", "py.sorted"]


@st.composite
def generic_programs(draw) -> str:
    steps_ = [{"tf.constant": {"args": [1], "as": "w"}}]
    for _ in range(draw(st.integers(1, 3))):
        step = {draw(st.sampled_from(GENERIC_STEP_KEYS)): draw(GENERIC_DATA)}
        if draw(st.booleans()):
            step["do"] = draw(st.one_of(GENERIC_DATA, st.just([{"return": {"value": 1}}])))
        for key in ("elif", "else"):  # an `if` step's branches (refused beside other steps)
            if draw(st.integers(0, 3)) == 0:
                step[key] = draw(GENERIC_DATA)
        steps_.append(step)
    expect = draw(st.dictionaries(st.sampled_from(["w.name", "w[0].name", "w.__class__",
                                                   "w.error", "x.y", "w.op.f_globals", "w[0]",
                                                   "nope[1]", "w['k']"]),
                                  GENERIC_DATA, max_size=2))
    doc = {"id": "fuzz.generic", "title": "t", "source": {"doc": "a", "quote": "q"},
           "program": steps_, "expect": expect}
    return yaml.safe_dump(doc, sort_keys=False)


@fuzz(800)
@given(generic_programs())
def test_random_generic_steps(text):
    check_load(text)


@pytest.mark.parametrize("step, reason", [
    ("tf.gfile.GFile: {args: [/etc/passwd]}", "file IO"),
    ("tf.io.gfile.GFile: {args: [/etc/passwd]}", "file IO"),
    ("tf.io.write_file: {args: [/tmp/x, data]}", "file IO"),
    ("tf.py_func: {args: [1, [], []]}", "runs Python code"),
    ("tf.numpy_function: {args: [1, [], []]}", "runs Python code"),
    ("tf.summary.FileWriter: {args: [/tmp/logs]}", "summary"),
    ("tf.saved_model.simple_save: null", "SavedModel"),
    ("tf.load_op_library: {args: [/tmp/x.so]}", "native code"),
    ("tf.data.TextLineDataset: {args: [/etc/passwd]}", "file-reading"),
    ("let: {value: {tf: gfile.Exists}}", "file IO"),
    ("let: {value: {call: tf.compat.v1.py_func, args: [1, [], []]}}", "runs Python code"),
    ("invoke: {fn: tf.gfile.Remove, args: [/tmp/x]}", "file IO"),
    ("class: {name: C, bases: [tf.summary.FileWriter]}", "summary"),
    # Python builtins: only those of the allowlist (policy.BUILTINS)
    ("py.open: {args: [/etc/passwd]}", "builtin open"),
    ("let: {value: {call: py.eval, args: ['1']}}", "builtin eval"),
    ("let: {value: {py: exec}}", "builtin exec"),
    ("invoke: {fn: py.getattr, args: [{ref: scope}, __class__]}", "builtin getattr"),
    ("py.__import__: {args: [os]}", "builtin __import__"),
    ("py.compile: {args: ['1', f, eval]}", "builtin compile"),
    ("let: {value: {comp: {call: py.vars, args: [{ref: x}]}, for: x, in: [1]}}", "builtin vars"),
    ("for: {in: {call: py.globals}, as: g}", "builtin globals"),
    ("if: {call: py.input}", "builtin input"),
])
def test_refused_namespaces_are_refused_before_tf_starts(step, reason):
    text = VALID.replace("  - constant: {value: 1, as: c}\n", f"  - {step}\n")
    errors = check_load(text)
    assert len(errors) == 1 and "is refused" in str(errors[0]) and reason in str(errors[0]), \
        errors


@pytest.mark.parametrize("step", [
    "py.print: {args: [x]}", "let: {value: {py: type}}", "py.hasattr: {args: [1, x]}",
    "py.breakpoint: null", "py.dir: {args: [1]}"])
def test_builtins_off_the_allowlist_are_refused_with_the_allowed_ones(step):
    text = VALID.replace("  - constant: {value: 1, as: c}\n", f"  - {step}\n")
    errors = check_load(text)
    assert len(errors) == 1 and "is not a builtin a case may use" in str(errors[0]) or \
        "is refused" in str(errors[0]), errors
    assert "sorted" in str(errors[0]) or "docs/case-format.md" in str(errors[0]), errors


def test_a_misspelt_builtin_is_refused_with_did_you_mean():
    text = VALID.replace("  - constant: {value: 1, as: c}\n", "  - py.lne: {args: [[1]]}\n")
    errors = check_load(text)
    assert len(errors) == 1 and "unknown builtin `py.lne`" in str(errors[0]) and \
        "did you mean `len`?" in str(errors[0]), errors


def test_the_worker_refuses_builtins_and_str_format_again():
    """What validation refuses, the worker refuses by name and by object (real policy)."""
    from harness import generic
    for name in ("open", "eval", "getattr", "__import__", "print", "type"):
        with pytest.raises(generic.Refused, match="py." + name):
            generic.evaluate(None, {"py": name}, {})
    assert generic.evaluate(None, {"py": "len"}, {}) is len
    # str.format reads attributes by its replacement fields: refused unbound too
    with pytest.raises(generic.Refused, match="reads attributes"):
        generic.resolve_ref({"s": str}, "s.format")
    with pytest.raises(generic.Refused, match="reads attributes"):
        generic.resolve_ref({"s": str}, "s.format_map")
    # and through the attribute operator, of a string or of the builtin
    for owner in ("{0.__class__}", {"py": "str"}):
        with pytest.raises(generic.Refused, match="reads attributes"):
            generic.evaluate(None, {"op": "attr", "args": [owner, "format"]}, {})
    # a case-made class deriving from a refused one still has its refused methods refused
    made = generic.make_class("S", [type("Saver", (), {"save": lambda self: None})], {})
    with pytest.raises(generic.Refused):
        generic.evaluate(None, {"op": "attr", "args": [{"ref": "s"}, "save"]}, {"s": made()})


@pytest.mark.parametrize("ref", ["scope.__class__", "scope.__init__.__globals__",
                                 "scope.f_globals"])
def test_refs_cannot_reach_python_internals(ref):
    text = VALID.replace("  - constant: {value: 1, as: c}\n",
                         f"  - let: {{value: {{ref: \"{ref}\"}}, as: x}}\n")
    errors = check_load(text)
    assert len(errors) == 1 and ("refused" in str(errors[0]) or "dunder" in str(errors[0])), \
        errors


# --- escapes past the validator: a def parameter can hold any module ------------------------------

def test_the_worker_checks_every_step_of_a_path_every_callee_and_every_result():
    """The red team's escapes, by the worker's checks alone (real policy, no TF): a module
    outside TF reached through a TF module, a callable object whose call reads any attribute, a
    partial of a refused builtin, and a refused builtin that an allowed function returns."""
    import functools
    import operator
    import types

    from harness import generic
    slim = types.ModuleType("tensorflow.contrib.slim")
    slim.operator = operator  # as tf.contrib.slim.six (a module outside TF) was reachable
    with pytest.raises(generic.Refused, match="m.operator is refused: not TensorFlow's API "
                                               r"\(module operator\)"):
        generic.resolve_ref({"m": slim}, "m.operator.attrgetter")
    # a fact's path (`expect: {m.os.environ: ...}` would read the worker's environment) too
    from harness import facts
    slim.os = os
    read = facts.path_facts(None, {"m": slim}, ["m.os.environ", "m.operator.attrgetter"],
                            generic.path_step)
    assert read == {"m.os.environ": "<unavailable: Refused: m.os is refused: not TensorFlow's "
                                    "API (module os)>",
                    "m.operator.attrgetter": "<unavailable: Refused: m.operator is refused: "
                                             "not TensorFlow's API (module operator)>"}
    # operator's and functools' classes are no longer data
    with pytest.raises(generic.Refused, match="not TensorFlow's API"):
        generic.check_object(operator.attrgetter, "attrgetter")
    getter = operator.attrgetter("os.system")
    with pytest.raises(generic.Refused, match=r"calling ag is refused: not TensorFlow's API "
                                               r"\(a operator.attrgetter\)"):
        generic.invoke(None, {"ref": "ag"}, [{"ref": "m"}], None, {"ag": getter, "m": slim})
    with pytest.raises(generic.Refused, match="builtin eval"):
        generic.invoke(None, {"ref": "p"}, ["1"], None, {"p": functools.partial(eval)})

    def hands_out():  # a TF function that returns a refused builtin
        return eval
    hands_out.__module__ = "tensorflow.python.ops.fake"
    with pytest.raises(generic.Refused, match="what f returned is refused"):
        generic.invoke(None, {"ref": "f"}, [], None, {"f": hands_out})
    # what is fine stays fine: a TF function's result, a case-made class's object
    hands_len = lambda: len  # noqa: E731 - an allowed builtin
    hands_len.__module__ = "tensorflow.python.ops.fake"
    assert generic.invoke(None, {"ref": "f"}, [], None, {"f": hands_len}) is len
    made = generic.make_class("C", [], {"__call__": generic.make_function(
        None, "__call__", [{"name": "self"}], {}, lambda: None)})
    assert generic.invoke(None, {"ref": "c"}, [], None, {"c": made()}) is None
    # TF's wrapper of the case's own function (add_arg_scope: functools.wraps copies the
    # module of what it wraps) is judged by what it wraps
    own = generic.make_function(None, "fc", [], {}, lambda: None)

    @functools.wraps(own)
    def wrapper(*args, **kwargs):
        return own(*args, **kwargs)
    assert generic.invoke(None, {"ref": "w"}, [], None, {"w": wrapper}) is None


ESCAPES = """\
- id: red.rce
  title: t
  source: {doc: test, quote: q}
  program:
    - def: {name: grab, params: [m]}
      do:
        - return: {value: {ref: m.six.operator.attrgetter}}
    - invoke: {fn: {ref: grab}, args: [{tf: contrib.slim}], as: ag}
    - invoke: {fn: {ref: ag}, args: [six.moves.builtins.eval], as: getter}
    - invoke: {fn: {ref: getter}, args: [{tf: contrib.slim}], as: ev}
    - invoke: {fn: {ref: ev}, args: ["open(%(out)r, 'w').write('rce')"]}
  expect: {}
- id: red.memmap
  title: t
  source: {doc: test, quote: q}
  imports: {ops: tensorflow.python.framework.ops}
  program:
    - def: {name: grab, params: [m]}
      do:
        - return: {value: {ref: m.np.memmap}}
    - invoke: {fn: {ref: grab}, args: [{ref: ops}], as: mm}
    - invoke: {fn: {ref: mm}, args: [%(out)r, uint8, w+], kwargs: {shape: {tuple: [4]}}}
  expect: {}
"""


def test_escapes_through_a_def_parameter_are_refused_on_tf(tf115, tmp_path):
    from harness.runner import Pool
    out = tmp_path / "written"
    path = tmp_path / "escapes.yaml"
    path.write_text(ESCAPES % {"out": str(out)})
    loaded, errors = caselib.load([path])
    assert errors == [] and len(loaded) == 2  # the validator cannot see through `m`
    with Pool([tf115]) as pool:
        errors = [pool.run(case, "tf1.15").outcome.error for case in loaded]
    assert [(e["type"], e["message"]) for e in errors] == [
        ("Refused", "m.six is refused: not TensorFlow's API (module six)"),
        ("Refused", "m.np is refused: not TensorFlow's API (module numpy)")]
    assert not out.exists()


def test_a_number_too_long_for_python_is_one_whole_sentence():
    # the message was cut in the middle of Python's advice ("use sys.set_in")
    text = VALID.replace("  - constant: {value: 1, as: c}\n",
                         "  - constant: {value: " + "9" * 5000 + ", as: c}\n")
    errors = check_load(text)
    assert len(errors) == 1
    message = str(errors[0])
    assert "bad int value `" + "9" * 40 + "…`: Exceeds the limit (4300 digits) for integer " \
           "string conversion: value has 5000 digits (quote it to make it a string)" in message


# --- graphs a case builds or imports: the sessions' guard (red team 2) ---------------------------

GRAPH_ESCAPES = """\
- id: red.saver-run
  title: a Saver's save op run by hand, into a path of the case's choosing
  source: {doc: test, quote: q}
  program:
    - tf.get_variable: {args: [v, [1]], as: v}
    - tf.train.Saver: {args: [[{ref: v}]], as: saver}
    - tf.Session: {as: sess}
      do:
        - sess.run: {args: [{call: tf.global_variables_initializer}]}
        - sess.run: {args: [{ref: saver.saver_def.save_tensor_name}], feed_dict: {call: py.dict,
            args: [[{tuple: [{ref: saver.saver_def.filename_tensor_name}, %(dir)s/ckpt]}]]}}
  expect: {}
- id: red.set-attr
  title: tf.print's op given a file as its output stream afterwards
  source: {doc: test, quote: q}
  program:
    - tf.print: {args: [written], as: p}
    - tf.AttrValue: {s: {call: tf.compat.as_bytes, args: ["file://%(dir)s/set-attr"]}, as: av}
    - p._set_attr: {args: [output_stream, {ref: av}]}
    - tf.Session: {as: sess}
      do:
        - sess.run: {args: [{ref: p}]}
  expect: {}
- id: red.import-print
  title: a PrintV2 node to a file, imported from a GraphDef
  source: {doc: test, quote: q}
  program:
    - tf.make_tensor_proto: {args: [written], as: tp}
    - tf.NodeDef: {name: c, op: Const, as: n1, attr: {dict: {
        dtype: {call: tf.AttrValue, kwargs: {type: 7}},
        value: {call: tf.AttrValue, kwargs: {tensor: {ref: tp}}}}}}
    - tf.NodeDef: {name: p, op: PrintV2, input: [c], as: n2, attr: {dict: {
        output_stream: {call: tf.AttrValue, kwargs: {
          s: {call: tf.compat.as_bytes, args: ["file://%(dir)s/import"]}}}}}}
    - tf.GraphDef: {node: [{ref: n1}, {ref: n2}], as: gd}
    - tf.import_graph_def: {args: [{ref: gd}], name: x, return_elements: [p], as: ops}
    - tf.Session: {as: sess}
      do:
        - sess.run: {args: [{ref: ops}]}
  expect: {}
- id: red.library
  title: WriteFile in the body of a function a GraphDef brings along, called by a node
  source: {doc: test, quote: q}
  program:
    - tf.AttrValue: {type: 7, as: tstr}
    - tf.make_tensor_proto: {args: [%(dir)s/library], as: tpath}
    - tf.NodeDef: {name: fn, op: Const, as: n1, attr: {dict: {
        dtype: {ref: tstr}, value: {call: tf.AttrValue, kwargs: {tensor: {ref: tpath}}}}}}
    - tf.NodeDef: {name: w, op: WriteFile, input: ["fn:output:0", "fn:output:0"], as: n2}
    - tf.NodeDef: {name: o, op: Identity, input: ["fn:output:0", "^w"],
                   attr: {dict: {T: {ref: tstr}}}, as: n3}
    - tf.GraphDef:
        node: [{call: tf.NodeDef, kwargs: {name: call, op: F}}]
        library: {dict: {function: [{dict: {
          signature: {dict: {name: F, is_stateful: true,
                             output_arg: [{dict: {name: out, type: 7}}]}},
          node_def: [{ref: n1}, {ref: n2}, {ref: n3}], ret: {dict: {out: "o:output:0"}}}}]}}
        as: gd
    - tf.import_graph_def: {args: [{ref: gd}], name: x, return_elements: ["call:0"], as: outs}
    - tf.Session: {as: sess}
      do:
        - sess.run: {args: [{ref: outs}]}
  expect: {}
- id: red.debug-options
  title: a run's debug options dump every watched tensor into a folder
  source: {doc: test, quote: q}
  program:
    - tf.constant: {args: [1.0], name: c, as: c}
    - tf.RunOptions:
        debug_options: {dict: {debug_tensor_watch_opts: [{dict: {node_name: c,
          debug_ops: [DebugIdentity], debug_urls: ["file://%(dir)s/debug"]}}]}}
        as: opts
    - tf.Session: {as: sess}
      do:
        - sess.run: {args: [{ref: c}], options: {ref: opts}}
  expect: {}
- id: red.private-run
  title: a session's private run, past the guard of its run
  source: {doc: test, quote: q}
  program:
    - tf.constant: {args: [1.0], as: c}
    - tf.Session: {as: sess}
      do:
        - sess._run: {args: [null, [{ref: c}], {dict: {}}, null, null]}
  expect: {}
- id: red.alias-print
  title: tf.print to a file through a label (the written callee is `pr`)
  source: {doc: test, quote: q}
  program:
    - let: {value: {tf: print}, as: pr}
    - invoke: {fn: {ref: pr}, args: [written], as: p,
               kwargs: {output_stream: "file://%(dir)s/alias"}}
  expect: {}
- id: red.template-print
  title: tf.print to a file through make_template's keywords
  source: {doc: test, quote: q}
  program:
    - tf.make_template: {args: [t, {tf: print}], output_stream: "file://%(dir)s/template", as: tmpl}
    - invoke: {fn: {ref: tmpl}, args: [written], as: p}
    - tf.Session: {as: sess}
      do:
        - sess.run: {args: [{ref: p}]}
  expect: {}
- id: red.template-session
  title: a session with a server target through make_template's keywords
  source: {doc: test, quote: q}
  timeout: 10
  program:
    - tf.constant: {args: [1.0], as: c}
    - tf.make_template: {args: [t, {tf: Session}], target: "grpc://127.0.0.1:%(port)d",
                         as: tmpl}
    - invoke: {fn: {ref: tmpl}, as: sess}
    - sess.run: {args: [{ref: c}]}
  expect: {}
- id: red.saver-step
  title: the curated saver step still saves (into a folder of its own) and lists its keys
  source: {doc: test, quote: q}
  program:
    - tf.get_variable: {args: [v, [1]], as: v}
    - saver: {var_list: [{ref: v}], as: ckpt}
  expect: {ckpt.keys: [v]}
"""


def test_graphs_a_case_builds_or_imports_cannot_reach_files_or_sockets(tf115, tmp_path):
    """Every session of the worker is guarded (policy.guard_sessions, which the worker never
    installed): file and checkpoint ops, a PrintV2 whose output stream is a file however it got
    there, a function body of a GraphDef's library, debug options, a session's private run,
    a server target however Session was reached. Nothing is written, nothing connects; the
    curated saver step still saves into its own folder."""
    import socket

    from harness.runner import Pool
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    out = tmp_path / "out"
    out.mkdir()
    path = tmp_path / "graph-escapes.yaml"
    path.write_text(GRAPH_ESCAPES % {"dir": out, "port": port})
    loaded, errors = caselib.load([path])
    assert errors == [] and len(loaded) == 10
    try:
        with Pool([tf115]) as pool:
            results = {case.id: pool.run(case, "tf1.15") for case in loaded}
        with pytest.raises(BlockingIOError):
            listener.accept()[0].close()  # nobody connected
    finally:
        listener.close()
    errors = {k: r.outcome.error and (r.outcome.error["type"], r.outcome.error["message"])
              for k, r in results.items()}
    refused = "tfscope refuses to run this: "
    assert errors == {
        "red.saver-run": ("RefusedError", refused + "checkpoint files (op SaveV2)"),
        "red.set-attr": ("RefusedError", refused + "file IO (op PrintV2, output_stream="
                         f"'file://{out}/set-attr')"),
        "red.import-print": ("RefusedError", refused + "file IO (op PrintV2, output_stream="
                             f"'file://{out}/import')"),
        "red.library": ("RefusedError", refused + "file IO (op WriteFile) in function F"),
        "red.debug-options": ("RefusedError", refused + "profiling and debugging dumps "
                              "(RunOptions.debug_options)"),
        "red.private-run": ("Refused", "attribute `_run` is refused: a session's internals run "
                            "graphs past the guard of its run (BaseSession._run)"),
        "red.alias-print": ("Refused", "this call is refused: file IO (output_stream="
                            f"'file://{out}/alias')"),
        "red.template-print": ("RefusedError", refused + "file IO (op PrintV2, output_stream="
                               f"'file://{out}/template')"),
        "red.template-session": ("RefusedError", refused + "a session target connects to a "
                                 f"TensorFlow server: sockets (target='grpc://127.0.0.1:{port}')"),
        "red.saver-step": None,
    }
    assert sorted(os.listdir(out)) == []
    assert results["red.saver-step"].outcome.facts["ckpt.keys"] == ["v"]


LEAKS = """\
- id: red.a-enters
  title: a custom_object_scope entered and never exited
  source: {doc: test, quote: q}
  program:
    - enter: {value: {call: tf.keras.utils.custom_object_scope,
                      args: [{dict: {red_activation: {tf: nn.relu}}}]}, as: scope}
  expect: {}
- id: red.b-looks-up
  title: a later case looks the name up
  source: {doc: test, quote: q}
  program:
    - tf.keras.activations.get: {args: [red_activation], catch: e}
  expect: {}
- id: red.c-updates-arg-scope
  title: the bottom of arg_scope's stack, a module global, updated
  source: {doc: test, quote: q}
  program:
    - tf.contrib.framework.current_arg_scope: {as: base}
    - tf.contrib.slim.arg_scope_func_key: {args: [{tf: contrib.layers.fully_connected}], as: key}
    - base.update: {args: [{call: py.dict, args: [[{tuple: [{ref: key},
                                                            {dict: {scope: leaked}}]}]]}]}
  expect: {}
- id: red.d-layer
  title: a later case's layer
  source: {doc: test, quote: q}
  program:
    - tf.contrib.layers.fully_connected: {args: [{call: tf.zeros, args: [[1, 3]]}, 2], as: y}
  expect: {}
- id: red.e-interactive
  title: an InteractiveSession makes itself the default session, with no end
  source: {doc: test, quote: q}
  program:
    - tf.InteractiveSession: {as: s}
  expect: {}
- id: red.f-default-session
  title: a later case's default session
  source: {doc: test, quote: q}
  program:
    - tf.get_default_session: {as: d}
  expect: {}
"""


def test_a_case_cannot_change_what_the_later_cases_of_its_worker_do(tf115, tmp_path):
    """Process-wide switches are refused by name wherever they are reached, and what a case
    entered and left entered is exited when it ends: a case's result never depends on the
    cases its worker ran before it (tf.layers.experimental.set_keras_style made every later
    tf.layers call of the worker raise)."""
    from harness.runner import Pool
    path = tmp_path / "leaks.yaml"
    path.write_text(LEAKS)
    loaded, errors = caselib.load([path])
    assert errors == [] and len(loaded) == 6
    with Pool([tf115]) as pool:
        alone = pool.run(loaded[1], "tf1.15").outcome.facts["e.error"]
        after = [pool.run(case, "tf1.15").outcome for case in loaded[:2]][1].facts["e.error"]
        names = [pool.run(case, "tf1.15").outcome.facts.get("y.name")
                 for case in [loaded[3], loaded[2], loaded[3]]]
        default = [pool.run(case, "tf1.15").outcome.facts for case in loaded[4:]][1]
    assert alone == after and after["message"] == "Unknown activation function:red_activation"
    assert names == ["fully_connected/Relu:0", None, "fully_connected/Relu:0"]  # not leaked/
    assert default["d.value"] is None and "d.class" not in default  # not the InteractiveSession
    for path_, name in [("tf.layers.experimental.set_keras_style", "set_keras_style"),
                        ("tf.contrib.keras.backend.set_floatx", "set_floatx"),
                        ("tf.keras.utils.get_custom_objects", "get_custom_objects")]:
        text = VALID.replace("  - constant: {value: 1, as: c}\n", f"  - {path_}: {{}}\n")
        errors = check_load(text)
        assert len(errors) == 1 and "changes process-wide state that every later case in the " \
            f"worker would inherit ({name})" in str(errors[0]), errors
