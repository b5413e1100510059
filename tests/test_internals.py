"""TF's internal modules as data (harness/internals.py, `imports:`): the allowlist, validation of
paths from an import alias against the internal modules' index, hostile imports refused before
anything is imported, the worker's checks of what a path from a module reaches, rendering the
imports as the test's own lines, and running and exporting such programs on real TF 1.15 and tf2.

Expected values come from TF's documentation and tests (quoted beside them), not from TF's output.
"""

from __future__ import annotations

import importlib
import types

import pytest

from harness import api, generic, internals, policy
from harness import cases as caselib
from harness.render import export_script, python_code

HEAD = """\
id: i.{id}
title: internal modules
source: {{doc: tf-tests, quote: "see the test"}}
"""


def case(program: str, expect: str = "{}", imports: str = "", case_id: str = "c") -> str:
    return (HEAD.format(id=case_id) + (f"imports:\n{imports}" if imports else "")
            + "program:\n" + program + "expect: " + expect + "\n")


def load(text: str) -> caselib.Case:
    found, errors = caselib.load_text(text, "i.yaml")
    assert not errors, [str(e) for e in errors]
    return found[0]


def errors_of(text: str) -> list[str]:
    found, errors = caselib.load_text(text, "i.yaml")
    assert not found and errors, found
    return [str(e) for e in errors]


# --- the allowlist ------------------------------------------------------------------------------

def test_the_allowlist_holds_only_tf_modules_the_policy_allows() -> None:
    assert list(internals.MODULES) == sorted(set(internals.MODULES))
    for name in internals.MODULES:
        assert name.startswith(("tensorflow.python.", "tensorflow.contrib.")), name
        assert internals.implementation(name), name
        assert policy._module_reason(name) is None, name
        assert internals.refused_module(name) is None
        # as TF 1.15 names its modules (tensorflow_core.python....)
        assert internals.allowed("tensorflow_core" + name[len("tensorflow"):])
    assert set(internals.PRIVATE) <= set(internals.MODULES)
    assert all(n.startswith("_") for names in internals.PRIVATE.values() for n in names)


@pytest.mark.parametrize("alias, module", [
    ("state_ops", "tensorflow.python.ops.state_ops"),
    ("variables_lib", "tensorflow.python.ops.variables"),
])
def test_an_import_renders_as_the_tests_own_line(alias: str, module: str) -> None:
    line = internals.import_line(alias, module)
    assert line == {"state_ops": "from tensorflow.python.ops import state_ops",
                    "variables_lib": "from tensorflow.python.ops import variables as "
                                     "variables_lib"}[alias]


# --- hostile imports, refused before anything is imported --------------------------------------

HOSTILE_MODULES = [
    "os", "subprocess", "socket", "importlib", "builtins", "tensorflow", "tensorflow.python",
    "tensorflow.python.platform.gfile", "tensorflow.python.lib.io.file_io",
    "tensorflow.python.ops.script_ops", "tensorflow.python.summary.summary",
    "tensorflow.python.ops.summary_ops_v2", "tensorflow.python.saved_model.loader",
    "tensorflow.python.saved_model.builder", "tensorflow.python.training.saver",
    "tensorflow.python.training.checkpoint_management", "tensorflow.python.framework.load_library",
    "tensorflow.python.pywrap_tensorflow", "tensorflow.python.platform.test",
    "tensorflow.python.debug.lib.debug_utils", "tensorflow.python.ops.io_ops",
    "tensorflow.python.ops.state_ops.os", "tensorflow.python.ops..state_ops",
    "tensorflow.python.ops.state_ops; import os", "__import__('os')",
    "tensorflow_core.python.platform.gfile", "tensorflow_core.python.ops.state_ops",
]


@pytest.mark.parametrize("module", HOSTILE_MODULES)
def test_hostile_imports_are_refused_by_the_validator(module: str) -> None:
    text = case("  - tf.constant: {args: [1]}\n", imports=f"  m: {module!r}\n")
    (err,) = errors_of(text)
    assert err.startswith("i.yaml:5: ") and "cannot be imported" in err, err


@pytest.mark.parametrize("module", HOSTILE_MODULES)
def test_hostile_imports_are_refused_by_the_worker_before_importing(module: str, monkeypatch
                                                                    ) -> None:
    def no_import(name, *args, **kwargs):
        raise AssertionError(f"imported {name}")
    monkeypatch.setattr(importlib, "import_module", no_import)
    refs: dict = {}
    with pytest.raises(PermissionError, match="import refused"):
        generic.import_modules({"m": module}, refs)
    assert refs == {}


@pytest.mark.parametrize("imports, message", [
    ("  tf: tensorflow.python.ops.state_ops\n", "bad import alias `tf`"),
    ("  class: tensorflow.python.ops.state_ops\n", "bad import alias `class`"),
    ("  py: tensorflow.python.ops.state_ops\n", "bad import alias `py`"),
    ("  len: tensorflow.python.ops.state_ops\n", "import alias `len` is a Python builtin's name"),
    ("  bad-name: tensorflow.python.ops.state_ops\n", "bad import alias `bad-name`"),
    ("  m: 42\n", "the module of `m` must be a module name, not a number"),
    ("  m: tensorflow.python.ops.state_opz\n", "did you mean `tensorflow.python.ops.state_ops`"),
    ("  - tensorflow.python.ops.state_ops\n", "`imports` must be a mapping `ALIAS: MODULE`"),
    # contrib's layers_test: `from tensorflow.contrib import layers as layers_lib`
    ("  layers_lib: tensorflow.contrib.layers\n",
     "it is the public `tf.contrib.layers`: call its names as `tf.contrib.layers.NAME:` steps"),
])
def test_bad_import_tables_are_refused_with_their_line(imports: str, message: str) -> None:
    (err,) = errors_of(case("  - tf.constant: {args: [1]}\n", imports=imports))
    assert err.startswith("i.yaml:") and message in err, err


IMPORTS = """\
  state_ops: tensorflow.python.ops.state_ops
  variable_scope: tensorflow.python.ops.variable_scope
  variables: tensorflow.python.ops.variables
"""


@pytest.mark.parametrize("program, message", [
    ("  - state_ops._internal_thing: {args: [1]}\n",
     "`state_ops._internal_thing` is refused: private name `_internal_thing` of "
     "tensorflow.python.ops.state_ops"),
    ("  - let: {value: {ref: variable_scope._VariableScopeStore}}\n",
     "private name `_VariableScopeStore`"),
    ("  - set: {target: state_ops.assign, value: 1}\n",
     "`set` of `state_ops.assign` changes TensorFlow's module for every later case"),
    ("  - tf.constant: {args: [1], as: state_ops}\n",
     "label `state_ops` is the import of tensorflow.python.ops.state_ops"),
    ("  - constant: {value: 1, as: variables}\n",
     "label `variables` is the import of tensorflow.python.ops.variables"),
    ("  - def: {name: f, params: [state_ops]}\n",
     "parameter `state_ops` is the import of tensorflow.python.ops.state_ops"),
    ("  - let: {value: {ref: state_ops.__dict__}}\n", "no dunder attributes (`__dict__`)"),
    ("  - let: {value: {op: attr, args: [{ref: variable_scope}, _VariableScopeStore]}}\n",
     "private name `_VariableScopeStore`"),
    ("  - let: {value: {ref: state_ops.py_func}}\n", "runs Python code from inside the graph"),
])
def test_hostile_paths_from_an_import_are_refused(program: str, message: str) -> None:
    errs = errors_of(case(program, imports=IMPORTS))
    assert any(message in e for e in errs), errs


def fake_module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


@pytest.mark.parametrize("path", ["context.eager_mode", "context.graph_mode",
                                  "context.context", "context._context"])
def test_the_eager_context_gives_only_executing_eagerly(path: str) -> None:
    imports = "  context: tensorflow.python.eager.context\n"
    errs = errors_of(case(f"  - let: {{value: {{ref: {path}}}}}\n", imports=imports))
    assert any("(only executing_eagerly)" in e for e in errs), errs
    context = fake_module("tensorflow.python.eager.context", eager_mode=lambda: None)
    with pytest.raises(generic.Refused, match="only executing_eagerly"):
        generic.resolve_ref({"context": context}, "context.eager_mode")


def test_the_worker_refuses_private_names_and_other_modules_reached_from_a_module() -> None:
    logging = fake_module("tensorflow.python.platform.tf_logging")
    ops = fake_module("tensorflow_core.python.framework.ops", Graph=type("Graph", (), {}))
    def store():
        return "store"
    store.__module__ = "tensorflow_core.python.ops.variable_scope"
    vs = fake_module("tensorflow_core.python.ops.variable_scope", tf_logging=logging, ops=ops,
                     _secret=1, _get_default_variable_store=store)
    refs = {"variable_scope": vs}
    with pytest.raises(generic.Refused, match="private name `_secret`"):
        generic.resolve_ref(refs, "variable_scope._secret")
    with pytest.raises(generic.Refused, match="not among the internal modules"):
        generic.resolve_ref(refs, "variable_scope.tf_logging")
    assert generic.resolve_ref(refs, "variable_scope._get_default_variable_store")() == "store"
    assert generic.resolve_ref(refs, "variable_scope.ops") is ops
    with pytest.raises(generic.Refused, match="would change TensorFlow"):
        generic.check_settable(vs, "variable_scope.x")
    tf_class = type("VariableScope", (), {"__module__": "tensorflow.python.ops.variable_scope"})
    with pytest.raises(generic.Refused, match="would change TensorFlow"):
        generic.check_settable(tf_class, "VariableScope.name")
    generic.check_settable(type("Mine", (), {"__module__": "__main__"}), "Mine.x")


# --- validation against the internal modules' index ---------------------------------------------

needs_index = pytest.mark.skipif(not api.runtimes(internal=True),
                                 reason="no internal modules' index committed")


@needs_index
def test_the_committed_runtimes_have_an_internal_index() -> None:
    assert api.runtimes(internal=True) == api.runtimes()
    for runtime in api.runtimes(internal=True):
        index = api.load(runtime, internal=True)
        assert set(internals.MODULES) <= set(index.entries), runtime
        assert index.root == "tensorflow.python"


@needs_index
def test_internal_names_resolve_per_runtime() -> None:
    found = api.internal_lookup("tensorflow.python.ops.state_ops.assign")
    assert set(found) == set(api.runtimes(internal=True))
    assert [p[0] for p in found["tf1.15"]["params"][:2]] == ["ref", "value"]
    # a module reached through another is an alias of the allowed one
    graph = api.internal_lookup("tensorflow.python.ops.variable_scope.ops.Graph")
    assert graph["tf1.15"]["kind"] == "class"
    assert api.internal_lookup("tensorflow.python.framework.ops.GraphKeys.GLOBAL_VARIABLES")[
        "tf1.15"] == {"kind": "attribute"}
    # contrib is gone from TF 2: that runtime's outcome
    slim = api.internal_lookup("tensorflow.contrib.framework.python.ops.variables."
                               "model_variable")
    assert slim["tf1.15"]["kind"] == "function"
    assert slim["tf2"]["kind"] == "unavailable"
    assert slim["tf2"]["error"].startswith("ModuleNotFoundError: No module named "
                                           "'tensorflow.contrib'")
    assert "_get_default_variable_store" in api.load("tf1.15", internal=True).children(
        "tensorflow.python.ops.variable_scope")
    assert not [p for p in api.load("tf1.15", internal=True).entries
                if p.rpartition(".")[2].startswith("_")
                and p.rpartition(".")[2] not in internals.PRIVATE.get(p.rpartition(".")[0], ())]


@needs_index
@pytest.mark.parametrize("program, message", [
    ("  - state_ops.asign: {args: [1, 2]}\n",
     "unknown name `state_ops.asign` (tensorflow.python.ops.state_ops.asign)"
     " (did you mean `state_ops.assign`?)"),
    ("  - state_ops.assign: {args: [1, 2], use_lockng: true}\n",
     "state_ops.assign has no argument 'use_lockng'; did you mean 'use_locking'?"),
    ("  - variable_scope.get_variable: {shape: [1]}\n",
     "variable_scope.get_variable is missing required argument 'name'"),
    ("  - let: {value: {call: variables.Variable, args: [1.0], nmae: v}}\n",
     "variables.Variable has no argument 'nmae'; did you mean 'name'?"),
    ("  - let: {value: {ref: variable_scope.logging}}\n",
     "`variable_scope.logging` is refused: not among the internal modules a case may import "
     "(tensorflow.python.platform.tf_logging)"),
    ("  - let: {value: {ref: variable_scope.context.eager_mode}}\n",
     "`variable_scope.context.eager_mode` is refused: `eager_mode` of "
     "tensorflow.python.eager.context (only executing_eagerly)"),
    ("  - variable_scope.function_utils.get_func_name: {args: [1]}\n",
     "`variable_scope.function_utils` is refused: not among the internal modules a case may "
     "import (tensorflow.python.util.function_utils)"),
    ("  - let: {value: {ref: variable_scope.copy.deepcopy}}\n",
     "`variable_scope.copy` is refused: not TensorFlow's API (module copy)"),
    ("  - let: {value: {ref: variable_scope.ops.Grpah}}\n",
     "did you mean `variable_scope.ops.Graph`?"),
])
def test_paths_from_an_import_are_checked_against_the_index(program: str, message: str) -> None:
    errs = errors_of(case(program, imports=IMPORTS))
    assert any(message in e for e in errs), errs
    assert all(e.startswith("i.yaml:") for e in errs)


@needs_index
def test_a_tests_program_validates_as_written() -> None:
    found = load(case("""\
  - variable_scope.variable_scope: {args: [scope]}
    do:
      - variables.Variable: {args: [[1.0, 2.5]], name: var, as: v}
      - variable_scope.get_variable: {args: [w, [1]], as: w}
      - state_ops.assign: {args: [{ref: v}, [2.0, 3.0]], as: a}
      - let: {value: {ref: variable_scope._get_default_variable_store}, as: getter}
      - let: {value: {ref: variable_scope.ops.GraphKeys.GLOBAL_VARIABLES}, as: key}
""", imports=IMPORTS))
    assert found.imports == {"state_ops": "tensorflow.python.ops.state_ops",
                             "variable_scope": "tensorflow.python.ops.variable_scope",
                             "variables": "tensorflow.python.ops.variables"}
    assert found.request()["imports"] == found.imports
    code = python_code(found)
    for line in ("from tensorflow.python.ops import state_ops",
                 "with variable_scope.variable_scope('scope'):",
                 "    v = variables.Variable([1.0, 2.5], name='var')",
                 "    a = state_ops.assign(v, [2.0, 3.0])"):
        assert line in code.splitlines(), code
    script = export_script(found)
    head = script[script.index("def program(capture):"):]
    assert head.splitlines()[2:5] == [
        "    from tensorflow.python.ops import state_ops",
        "    from tensorflow.python.ops import variable_scope",
        "    from tensorflow.python.ops import variables"]


# --- on real TensorFlow -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tf2(pytestconfig):
    from .conftest import provision
    return provision(pytestconfig, "tf2")


# What TF's documentation and tests say: get_variable and Variable are prefixed with the
# variable scope ("scope/w:0"; variable_scope's docstring); GraphKeys.GLOBAL_VARIABLES is
# "variables"; the default store's get_variable makes "v1:0" at the top level
# (variable_scope_test.py, testNamelessStore); a slot of "var" is "var/slot"
# (slot_creator_test.py).
RUNS = case("""\
  - variable_scope.variable_scope: {args: [scope], as: vs}
    do:
      - variable_scope.get_variable: {args: [w, [1]], as: w}
      - variables.Variable: {args: [[1.0, 2.5]], name: var, as: v}
      - state_ops.assign: {args: [{ref: v}, [2.0, 3.0]]}
  - let: {value: {ref: ops.GraphKeys.GLOBAL_VARIABLES}, as: key}
  - variable_scope._get_default_variable_store: {as: store}
  - store.get_variable: {args: [v1, [2]], as: sv}
  - variables.Variable: {args: [[1.0, 2.5]], name: var, as: top}
  - slot_creator.create_zeros_slot:
      {args: [{ref: top}], name: slot, dtype: {ref: dtypes.float64}, as: slot}
""", """
  vs.name: scope
  w.name: scope/w:0
  v.name: scope/var:0
  key.value: variables
  sv.name: v1:0
  slot.op.name: var/slot
  slot.dtype.base_dtype: float64
  slot.value: [0.0, 0.0]
""", IMPORTS + """\
  ops: tensorflow.python.framework.ops
  dtypes: tensorflow.python.framework.dtypes
  slot_creator: tensorflow.python.training.slot_creator
""", "runs")

# slim's model_variable is in contrib (TF 1.x): on tf2 the import is the program's error.
CONTRIB = case("""\
  - slim_variables.model_variable: {args: [mv, [1]], as: mv}
""", "\n  mv.name: mv:0\n", "  slim_variables: tensorflow.contrib.framework.python.ops.variables\n",
    "contrib")

# `from tensorflow.contrib.framework.python.ops import arg_scope` binds the function arg_scope
# (the package star-imports its module), which the test calls: slim's variables made inside
# `arg_scope([variables_lib2.variable], collections='A')` are in collection A
# (contrib/framework variables_test.py, testVariableCollectionsWithArgScope).
ARG_SCOPE = case("""\
  - with: {value: {call: arg_scope, args: [[{ref: variables_lib2.variable}]], collections: A}}
    do:
      - variables_lib2.variable: {args: [a, []], as: a}
      - variables_lib2.variable: {args: [b, []], as: b}
  - ops.get_collection: {args: [A], as: in_a}
""", "\n  in_a.name: [a:0, b:0]\n", """\
  ops: tensorflow.python.framework.ops
  arg_scope: tensorflow.contrib.framework.python.ops.arg_scope
  variables_lib2: tensorflow.contrib.framework.python.ops.variables
""", "arg-scope")

# The RNN tests' own module: a BasicRNNCell(2) called in scope root makes
# root/basic_rnn_cell/kernel:0 and bias:0, the test's "root/basic_rnn_cell/%s:0" %
# rnn_cell_impl._WEIGHTS_VARIABLE_NAME (core_rnn_cell_test.py, testBasicRNNCell).
RNN = case("""\
  - variable_scope.variable_scope: {args: [root]}
    do:
      - array_ops.zeros: {args: [[1, 2]], as: x}
      - rnn_cell_impl.BasicRNNCell: {args: [2], as: cell}
      - invoke: {fn: cell, args: [{ref: x}, {ref: x}], as: [g, _]}
  - let: {value: {op: '%', args: ['root/basic_rnn_cell/%s:0',
                                    {ref: rnn_cell_impl._WEIGHTS_VARIABLE_NAME}]}, as: w}
  - let: {value: {op: '%', args: ['root/basic_rnn_cell/%s:0',
                                    {ref: rnn_cell_impl._BIAS_VARIABLE_NAME}]}, as: b}
""", "\n  w.value: root/basic_rnn_cell/kernel:0\n  b.value: root/basic_rnn_cell/bias:0\n"
     "  cell.trainable_variables: [root/basic_rnn_cell/kernel:0, root/basic_rnn_cell/bias:0]\n",
    """\
  array_ops: tensorflow.python.ops.array_ops
  rnn_cell_impl: tensorflow.python.ops.rnn_cell_impl
  variable_scope: tensorflow.python.ops.variable_scope
""", "rnn")


def outcomes(runtime, texts):
    from harness.compare import Outcome, diff
    from harness.runner import run_cases
    chosen = [load(t) for t in texts]
    out = {}
    for r in run_cases(chosen, [runtime]).results:
        assert r.outcome.problem is None, r.outcome.problem
        out[r.case.id] = (r.outcome, diff(r.case.expect, Outcome(facts=r.outcome.facts,
                                                                   error=r.outcome.error)))
    return chosen, out


def test_a_program_of_internal_modules_runs_as_tf_documents_on_tf115(tf115):
    _, out = outcomes(tf115, [RUNS, CONTRIB, ARG_SCOPE, RNN])
    for case_id, (outcome, mismatches) in out.items():
        assert outcome.error is None, (case_id, outcome.error)
        assert not mismatches, (case_id, mismatches)


def test_the_same_modules_run_on_tf2_and_a_missing_one_is_its_outcome(tf2):
    _, out = outcomes(tf2, [RUNS, CONTRIB])
    outcome, mismatches = out["i.runs"]
    assert outcome.error is None and not mismatches, (outcome.error, mismatches)
    outcome, _ = out["i.contrib"]
    assert outcome.error["type"] == "ModuleNotFoundError"
    assert outcome.error["message"] == "No module named 'tensorflow.contrib'"
    assert outcome.error["step"] is None


@pytest.mark.parametrize("name", ["tf1.15", "tf2"])
def test_exported_scripts_import_the_modules_and_observe_what_the_worker_did(
        name, pytestconfig, tmp_path):
    from harness.runner import run_cases

    from .conftest import provision
    from .test_export import run_exported
    runtime = provision(pytestconfig, name)
    chosen = [load(RUNS), load(CONTRIB), load(ARG_SCOPE), load(RNN)]
    worker = run_cases(chosen, [runtime])
    scripts = run_exported(runtime.python, chosen, tmp_path)
    for r in worker.results:
        got = scripts[r.case.id]
        assert got == {"facts": r.outcome.facts, "error": r.outcome.error}, (
            r.case.id, got.get("script failed"), got.get("error"), r.outcome.error)


CONSISTENT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import generic, internals, policy, worker
tf, _ = worker.import_tf()
out = {}
for path in json.loads(sys.stdin.read()):
    module = next(m for m in sorted(internals.MODULES, key=len, reverse=True)
                  if path == m or path.startswith(m + "."))
    try:
        obj = internals.load(module)
        for part in path[len(module):].split(".")[1:]:
            obj = getattr(obj, part)
    except Exception:
        continue
    try:
        generic.check_object(obj, path)
        out[path] = None
    except generic.Refused as e:
        out[path] = str(e)
sys.stdout.write(json.dumps(out))
"""


@needs_index
@pytest.mark.parametrize("name", ["tf1.15", "tf2"])
def test_the_worker_refuses_no_internal_object_the_validator_allows(name, pytestconfig):
    """Every function, class and module of the internal index that validation allows (the
    policy's names) resolves, in real TF, to an object the worker's check allows too."""
    import json
    import subprocess

    from .conftest import provision
    runtime = provision(pytestconfig, name)
    index = api.load(name, internal=True)
    paths = [p for p, e in index.entries.items()
             if e.get("kind") in ("function", "class", "module") and "internal" not in e
             and "external" not in e and "refused" not in e and not any(
                 policy.refused_attribute(part) for part in p.split("."))]
    assert len(paths) > 1000
    proc = subprocess.run([runtime.python, "-c", CONSISTENT, str(api.SCANNER.parent)],
                          input=json.dumps(paths), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert len(result) > 0.9 * len(paths)
    assert {p: r for p, r in result.items() if r} == {}


# --- tfscope new --from-python: the test's imports become the case's ------------------------------

def test_a_tests_code_converts_with_its_internal_imports() -> None:
    from harness.frompython import Refused, convert_case
    code = (
        "import tensorflow as tf\n"
        "from tensorflow.python.framework import dtypes\n"
        "from tensorflow.python.ops import variables as variables_lib\n"
        "from tensorflow.python.ops import array_ops\n"            # imported, never used
        "from tensorflow.python.platform import test\n"            # not importable, unused
        "from tensorflow.python.training import slot_creator\n"
        "v = variables_lib.Variable([1.0, 2.5], name='var')\n"
        "slot = slot_creator.create_zeros_slot(v, name='slot', dtype=dtypes.float64)\n")
    imports, program = convert_case(code, "t.py")
    assert imports == {"dtypes": "tensorflow.python.framework.dtypes",
                       "variables_lib": "tensorflow.python.ops.variables",
                       "array_ops": "tensorflow.python.ops.array_ops",
                       "slot_creator": "tensorflow.python.training.slot_creator"}
    assert program[1] == {"slot_creator.create_zeros_slot": {
        "args": [{"ref": "v"}], "kwargs": {"name": "slot", "dtype": {"ref": "dtypes.float64"}},
        "as": "slot"}}
    bad = "from tensorflow.python.platform import gfile\nf = gfile.Open('x')\n"
    with pytest.raises(Refused, match="the module `gfile` cannot be imported by a case"):
        convert_case(bad, "t.py")


def test_a_call_of_an_imported_function_converts_as_the_test_writes_it() -> None:
    """`from tensorflow.contrib.framework.python.ops import arg_scope` binds a function (the
    package rebinds the name): `with arg_scope([...], ...):` is an invoke with a body, as the
    worker runs it (contrib/framework variables_test.py, testVariableRestoreWithArgScopeNested);
    the converter refused it as "the call ... of a capture"."""
    from harness.frompython import convert_case
    code = (
        "from tensorflow.contrib.framework.python.ops import arg_scope\n"
        "from tensorflow.contrib.framework.python.ops import variables as variables_lib2\n"
        "with arg_scope([variables_lib2.variable], trainable=False, collections=['A']):\n"
        "  b = variables_lib2.variable('b', [])\n"
        "sc = arg_scope([variables_lib2.variable], collections=['B'])\n")
    imports, program = convert_case(code, "t.py")
    assert imports["arg_scope"] == "tensorflow.contrib.framework.python.ops.arg_scope"
    assert program[0] == {"invoke": {
        "fn": "arg_scope", "args": [[{"ref": "variables_lib2.variable"}]],
        "kwargs": {"trainable": False, "collections": ["A"]}},
        "do": [{"variables_lib2.variable": {"args": ["b", []], "as": "b"}}]}
    assert program[1] == {"invoke": {
        "fn": "arg_scope", "args": [[{"ref": "variables_lib2.variable"}]],
        "kwargs": {"collections": ["B"]}, "as": "sc"}}
    assert not caselib.load_text(case("", imports="".join(
        f"  {k}: {v}\n" for k, v in imports.items())).replace(
        "program:\n", "program:\n" + yaml_program(program)), "i.yaml")[1]


def yaml_program(program: list) -> str:
    import yaml
    return "".join("  " + line + "\n" for line in yaml.safe_dump(
        program, default_flow_style=None, sort_keys=False).splitlines())


def test_bytes_are_plain_values_read_without_a_session() -> None:
    """op.colocation_groups() is [b"loc:@v1"]: plain data, so its `.value` needs no session (a
    graph placed on /job:dev_v0 cannot run its initializers here). It was
    `<unavailable: InvalidArgumentError>` translating moving_averages_test."""
    from harness import facts
    out = facts.values(None, {"c": [b"loc:@v1"]}, {"c": "generic"}, ["c"])
    assert out == {"c.value": ["loc:@v1"]}


def test_a_comprehension_target_named_like_an_import_shadows_it_inside() -> None:
    """As in Python: inside `[state_ops.real for state_ops in [1, 2]]` the name is the target,
    not the module, so its path is not looked up in the module's index."""
    found = load(case("  - let: {value: {comp: {ref: state_ops.real}, for: state_ops, "
                      "in: [1, 2]}, as: x}\n", imports=IMPORTS))
    assert found.imports["state_ops"] == "tensorflow.python.ops.state_ops"
    errs = errors_of(case("  - let: {value: {ref: state_ops.real}}\n", imports=IMPORTS))
    assert any("unknown name `state_ops.real`" in e for e in errs), errs


def test_the_attribute_operator_reaches_no_more_of_a_module_than_a_ref_path() -> None:
    """`{op: attr, args: [MODULE, NAME]}` is a ref path's attribute step by another spelling:
    the same private-name and module checks (it reached variable_scope's privates and modules
    no case may import)."""
    logging = fake_module("tensorflow.python.platform.tf_logging")
    vs = fake_module("tensorflow.python.ops.variable_scope", tf_logging=logging, _secret=1)
    refs = {"variable_scope": vs}
    with pytest.raises(generic.Refused, match="private name `_secret`"):
        generic.evaluate(None, {"op": "attr", "args": [{"ref": "variable_scope"}, "_secret"]},
                         refs)
    with pytest.raises(generic.Refused, match="not among the internal modules"):
        generic.evaluate(None, {"op": "attr", "args": [{"ref": "variable_scope"},
                                                       "tf_logging"]}, refs)
