"""The generic step language (harness/generic.py): validation before TF starts, execution on real
TF 1.15 and TF 2 (through compat.v1), the facts of generic captures, and exported scripts that
observe exactly what the worker observed.

Expected values are what TF's documentation says (quoted beside them), not TF's output.
"""

from __future__ import annotations

import sys
import types

import pytest

from harness import cases as caselib
from harness.render import export_script, python_code
from harness.runner import run_cases
from harness.runtimes import resolve

from .test_export import run_exported

HEAD = """\
id: g.{id}
title: generic steps
source: {{doc: TF docs, quote: "see the test"}}
"""


def case(program: str, expect: str = "{}", case_id: str = "c") -> str:
    return HEAD.format(id=case_id) + "program:\n" + program + "expect: " + expect + "\n"


def load(text: str) -> caselib.Case:
    found, errors = caselib.load_text(text, "g.yaml")
    assert not errors, errors
    return found[0]


def error_of(text: str) -> str:
    found, errors = caselib.load_text(text, "g.yaml")
    assert not found and len(errors) == 1, (found, errors)
    return str(errors[0])


# --- the programs (TF's documented behaviour in the comments) -----------------------------------

PROGRAMS = {
    # ExponentialMovingAverage: the shadow variable is named
    # `var.op.name/ExponentialMovingAverage` (average_name's docstring)
    # (average_name's docstring); Graph.unique_name: "foo" taken -> "foo_1"; `a + b` names its op
    # `add` (math_ops' operator overload), tf.add `Add`; `w is w`.
    "calls": ("""\
  - tf.get_variable: {name: w, shape: [2], as: w}
  - tf.train.ExponentialMovingAverage: {args: [0.99], as: ema}
  - ema.apply: {args: [[{ref: w}]], as: update}
  - ema.average: {args: [{ref: w}], as: shadow}
  - tf.constant: {args: [1.0], as: a}
  - tf.constant: {value: 2.0, as: b}
  - let: {value: {op: '+', args: [{ref: a}, {ref: b}]}, as: c}
  - tf.add: {args: [{ref: a}, {ref: b}], as: d}
  - let: {value: {op: is, args: [{ref: w}, {ref: w}]}, as: same}
  - let: {value: {op: is, args: [{ref: a}, {ref: b}]}, as: other}
  - tf.get_default_graph: {as: g}
  - g.unique_name: {args: [foo], as: u1}
  - g.unique_name: {args: [foo], as: u2}
  - let: {value: {ref: w.op.name}, as: wname}
  - tf.unstack: {args: [{ref: w}], as: parts}
  - let: {value: {op: getitem, args: [{ref: w}, {slice: [0, 1, null]}]}, as: sl}
  - let: {value: {op: neg, args: [{ref: a}]}, as: na}
  - tf.get_local_variable: {name: loc, shape: [1], as: loc}
  - tf.assign: {args: [{ref: w}, [1.0, 2.0]], as: asg}
  - tf.get_collection: {args: [no_such_collection], as: empty}
""", """
  empty.name: []
  empty.op.name: []
  shadow.name: w/ExponentialMovingAverage:0
  c.op.name: add
  d.op.type: Add
  same.value: true
  other.value: false
  u1.value: foo
  u2.value: foo_1
  wname.value: w
  parts.name: ["unstack:0", "unstack:1"]
  parts[1].name: "unstack:1"
  sl.op.type: StridedSlice
  na.op.name: Neg
  loc.collections: [local_variables]
  asg.op.type: Assign
  w.dtype: float32
  w.shape: [2]
"""),
    # catch and going on; a label captured in several places; snapshots; get_name_scope; with.
    "flow": ("""\
  - tf.variable_scope: {args: [foo], as: vs}
    do:
      - tf.get_variable: {name: v, shape: [1], as: v}
      - tf.get_variable: {name: v, shape: [1], catch: clash}
      - tf.get_variable: {name: x, shape: [1], catch: fine}
      - snapshot: {as: inside}
  - tf.name_scope: {args: [ns]}
    do:
      - tf.get_default_graph: {as: g}
      - g.get_name_scope: {as: here}
      - let: {value: {ref: g}, as: seen}
  - let: {value: {ref: vs}, as: seen}
  - with: {value: {call: tf.variable_scope, args: [{ref: vs}], reuse: true}, as: again}
    do:
      - tf.get_variable: {name: v, shape: [1], as: v2}
  - let: {value: {op: is, args: [{ref: v}, {ref: v2}]}, as: reused}
  - tf.get_collection: {args: [{tf: GraphKeys.GLOBAL_VARIABLES}], scope: foo, as: in_foo}
  - tf.name_scope: {args: [manual], as: cm}
  - enter: {value: {ref: cm}, as: ms}
  - tf.constant: {args: [0], name: k, as: k}
  - exit: {value: {ref: cm}}
  - snapshot: {as: after}
""", """
  clash.error: {type: ValueError, message: already exists}
  fine.error: null
  inside.global_variables: ["foo/v:0", "foo/x:0"]
  inside.variable_scope: foo
  here.value: ns
  seen.class: [Graph, VariableScope]
  reused.value: true
  in_foo.name: ["foo/v:0", "foo/x:0"]
  k.name: "manual/k:0"
  after.name_scope: ""
"""),
    # def as a custom getter, a partitioner and a template's function; class as a Layer subclass.
    # A path ending in a fact is that fact: gv[0] (a/v) has get_variable's default dtype,
    # "DT_FLOAT" (float32, not the ref type's float32_ref), and the collections get_variable's
    # docstring gives a trainable variable: GLOBAL_VARIABLES and TRAINABLE_VARIABLES.
    "defs": ("""\
  - def: {name: counting_getter, params: [getter, name, '*args', '**kwargs']}
    do:
      - let: {value: {ref: name}, as: asked}
      - invoke: {fn: getter, args: [{ref: name}, {'*': {ref: args}}],
                 kwargs: {'**': {ref: kwargs}}, as: made}
      - return: {value: {ref: made}}
  - tf.variable_scope: {args: [a], custom_getter: {ref: counting_getter}}
    do:
      - tf.get_variable: {name: v, shape: [1], as: va}
  - tf.variable_scope: {args: [b], custom_getter: {ref: counting_getter}}
    do:
      - tf.get_variable: {name: v, shape: [1], as: vb}
  - def: {name: two_parts, params: [shape, dtype]}
    do:
      - return: {value: [2, 1]}
  - tf.get_variable: {name: p, shape: [4, 3], partitioner: {ref: two_parts}, as: p}
  - let: {value: {ref: p}, as: pv}
  - tf.global_variables: {as: gv}
  - def: {name: scale, params: [x]}
    do:
      - tf.get_variable: {name: s, shape: [], as: sv}
      - return: {value: {op: '*', args: [{ref: x}, {ref: sv}]}}
  - tf.make_template: {args: [scaler, {ref: scale}], as: t}
  - tf.constant: {args: [1.0], as: one}
  - invoke: {fn: t, args: [{ref: one}], as: y1}
  - invoke: {fn: t, args: [{ref: one}], as: y2}
""", """
  asked.value: [a/v, b/v]
  va.name: "a/v:0"
  vb.name: "b/v:0"
  pv.parts: ["p/part_0:0", "p/part_1:0"]
  pv.save_slice_info: "<unavailable: AttributeError>"
  gv[2]._save_slice_info.full_name: p
  gv[2]._save_slice_info.spec: "4 3 0,2:0,3"
  gv[0].dtype: float32
  gv[0].collections: [trainable_variables, variables]
  sv.name: ["scaler/s:0", "scaler/s:0"]
"""),
    # a tf.layers.Layer subclass with build and call (tf.layers.Layer: "the base class of all
    # layers"; add_weight names the variable LAYER_NAME/NAME).
    "layer": ("""\
  - class: {name: MyLayer, bases: [tf.layers.Layer]}
    do:
      - def: {name: build, params: [self, input_shape]}
        do:
          - self.add_weight: {name: kernel, shape: [3, 2], as: added}
          - set: {target: self.kernel, value: {ref: added}}
          - invoke: {fn: tf.layers.Layer.build, args: [{ref: self}, {ref: input_shape}]}
      - def: {name: call, params: [self, inputs]}
        do:
          - return: {value: {call: tf.matmul, args: [{ref: inputs}, {ref: self.kernel}]}}
  - invoke: {fn: MyLayer, name: mine, as: layer}
  - tf.placeholder: {args: [{tf: float32}], shape: [null, 3], as: x}
  - invoke: {fn: layer, args: [{ref: x}], as: out}
""", """
  layer.kernel.name: "mine/kernel:0"
  layer.variables: ["mine/kernel:0"]
  out.op.type: MatMul
"""),
}


def program_case(name: str) -> caselib.Case:
    program, expect = PROGRAMS[name]
    return load(case(program, "\n" + expect.strip("\n"), name))


@pytest.fixture(scope="module")
def tf2(pytestconfig):
    from .conftest import provision
    return provision(pytestconfig, "tf2")


def run_and_diff(runtime, names):
    from harness.compare import Outcome, diff
    chosen = [program_case(n) for n in names]
    results = run_cases(chosen, [runtime])
    out = {}
    for r in results.results:
        assert r.outcome.problem is None, r.outcome.problem
        out[r.case.id] = (r.outcome, diff(r.case.expect, Outcome(facts=r.outcome.facts,
                                                                   error=r.outcome.error)))
    return chosen, out


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_generic_programs_observe_what_tf_documents_on_tf115(tf115, name):
    _, out = run_and_diff(tf115, [name])
    (outcome, mismatches), = out.values()
    assert outcome.error is None, outcome.error
    assert not mismatches, mismatches


@pytest.mark.parametrize("name", ["calls", "defs", "flow"])
def test_generic_programs_observe_what_tf_documents_on_tf2(tf2, name):
    _, out = run_and_diff(tf2, [name])
    (outcome, mismatches), = out.values()
    assert outcome.error is None, outcome.error
    # TF 2's compat.v1 `tf.add` is add_v2 (op type AddV2); its name is still `Add`.
    allowed = {"d.op.type"}
    assert not [m for m in mismatches if m.fact not in allowed], mismatches


def test_a_name_missing_in_one_runtime_is_the_cases_error_not_the_harness(tf2):
    """Keras 3 (TF 2.21) has no tf.layers.Layer: the case's error, saying so; not a crash."""
    _, out = run_and_diff(tf2, ["layer"])
    (outcome, _), = out.values()
    assert outcome.error["type"] == "NotAvailable"
    assert "AttributeError" in outcome.error["bases"]
    assert outcome.error["message"].startswith(
        "tf.layers.Layer is not available in TensorFlow 2.21")
    assert outcome.error["step"] == "program[0]"


def test_exported_scripts_of_generic_programs_observe_what_the_worker_observed(tf115, tmp_path):
    chosen = [program_case(n) for n in sorted(PROGRAMS)]
    worker = run_cases(chosen, [tf115])
    scripts = run_exported(tf115.python, chosen, tmp_path)
    for r in worker.results:
        got = scripts[r.case.id]
        assert got == {"facts": r.outcome.facts, "error": r.outcome.error}, (
            r.case.id, got.get("script failed"),
            sorted(k for k in set(got.get("facts", {})) | set(r.outcome.facts)
                   if got.get("facts", {}).get(k) != r.outcome.facts.get(k)))


# --- curated and generic spellings of the same thing: same code, same facts --------------------

PAIRS = [
    ("get_variable: {name: w, shape: [1], as: w}",
     "tf.get_variable: {name: w, shape: [1], as: w}"),
    ("constant: {value: 1.0, name: k, as: w}", "tf.constant: {value: 1.0, name: k, as: w}"),
]
SCOPED = [
    ("variable_scope: {name_or_scope: s, as: w}", "tf.variable_scope: {name_or_scope: s, as: w}"),
    ("name_scope: {name: n, as: w}", "tf.name_scope: {name: n, as: w}"),
]


def pair_cases():
    out = []
    for i, (curated, generic) in enumerate(PAIRS + SCOPED):
        body = "    do:\n      - get_variable: {name: z, shape: [1], as: z}\n" \
            if (curated, generic) in SCOPED else ""
        out.append((load(case(f"  - {curated}\n{body}", "{}", f"cur{i}")),
                    load(case(f"  - {generic}\n{body}", "{}", f"gen{i}"))))
    return out


def test_curated_and_generic_spellings_render_the_same_code():
    for curated, generic in pair_cases():
        assert python_code(curated) == python_code(generic)


def test_curated_and_generic_spellings_give_the_same_facts(tf115, tf2):
    pairs = pair_cases()
    for runtime in (tf115, tf2):
        results = run_cases([c for pair in pairs for c in pair], [runtime])
        facts = {r.case.id: r.outcome.facts for r in results.results}
        for curated, generic in pairs:
            assert facts[curated.id] == facts[generic.id], (runtime.name, curated.id)
            assert "w.name" in facts[curated.id]


# --- rendering -----------------------------------------------------------------------------------

def test_generic_steps_render_as_python():
    code = "".join(python_code(program_case(name)) for name in sorted(PROGRAMS))
    for line in ("ema = tf.train.ExponentialMovingAverage(0.99)", "update = ema.apply([w])",
                 "c = a + b", "same = w is w", "sl = w[0:1]", "na = -a",
                 "with tf.variable_scope('foo') as vs:",
                 "def counting_getter(getter, name, *args, **kwargs):",
                 "made = getter(name, *args, **kwargs)", "return made",
                 "class MyLayer(tf.layers.Layer):", "self.kernel = added",
                 "except Exception as tfscope_error:", "clash = tfscope_error",
                 "ms = cm.__enter__()", "cm = tf.name_scope('manual')",
                 "cm.__exit__(None, None, None)",
                 "inside = tfscope_snapshot(tf)",
                 "tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope='foo')",
                 "with tf.variable_scope(vs, reuse=True) as again:",
                 "return tf.matmul(inputs, self.kernel)"):
        assert line in code, line
    compile(code, "program", "exec")
    compile(export_script(program_case("layer")), "script", "exec")


# --- validation: before TF starts, with file:line and a fix ------------------------------------

@pytest.mark.parametrize("program, message, line", [
    ("  - let: {value: {ref: nope.x}, as: y}\n", "`nope.x` refers to `nope`", 5),
    ("  - tf.constant: {args: [1], as: a}\n  - let: {value: {ref: aa}, as: b}\n",
     "did you mean `a`?", 6),
    ("  - let: {value: {ref: 'a.__class__'}}\n", "no dunder attributes", 5),
    ("  - tf.constant: {args: [1], as: a}\n  - let: {value: {ref: 'a.__class__'}}\n",
     "dunder", 6),
    ("  - let: {value: {bogus: 1}}\n", "did you mean {dict: {...}}?", 5),
    ("  - let: {value: {op: '*', args: [1]}}\n", "operator `*` takes 2 argument(s)", 5),
    ("  - let: {value: {op: plus, args: [1, 2]}}\n", "unknown operator `plus`", 5),
    ("  - def: {name: f, params: [x]}\n    do:\n      - return: {value: {ref: x}}\n"
     "  - let: {value: {ref: x}}\n", "`x` refers to `x`", 8),
    ("  - return: {value: 1}\n", "`return` outside a `def` body", 5),
    ("  - snapshot: null\n", "`snapshot` needs `as: LABEL`", 5),
    ("  - set: {target: w, value: 1}\n", "`w` refers to `w`", 5),
    ("  - tf.constant: {args: [1], as: w}\n  - set: {target: w, value: 1}\n",
     "`set` needs an attribute or item", 6),
    ("  - let: {value: {tf: tf.float32}}\n", "repeats the prefix", 5),
    ("  - tf.constant: {args: 1}\n", "`args` must be a list", 5),
    ("  - class: {name: C}\n    do:\n      - let: {value: 1}\n", "a `class` body holds `def`", 7),
])
def test_bad_generic_steps_are_refused_with_their_line(program, message, line):
    err = error_of(case(program))
    assert message in err, err
    assert f"g.yaml:{line}:" in err, err


def test_a_catch_label_expects_an_error_matcher():
    err = error_of(case("  - tf.constant: {args: [1], catch: e}\n", "{e.error: {message: x}}"))
    assert "`error` needs a `type`" in err


def test_expect_reads_attribute_paths_of_generic_captures():
    c = load(case("  - tf.unstack: {args: [[1, 2]], as: parts}\n",
                  "\n  parts[0].op.name: x\n  parts.name: [a, b]\n  parts.value: [1, 2]"))
    assert c.path_facts() == ["parts.name", "parts[0].op.name"]
    assert c.request()["paths"] == ["parts.name", "parts[0].op.name"]


class FakeIndex:
    """The spec'd interface of harness/api.py, with a tiny index."""
    NAMES = {"tf.get_variable": ["name", "shape", "dtype"], "tf.constant": ["value", "name"],
             "tf.train.ExponentialMovingAverage": ["decay"]}

    def runtimes(self):
        return ["tf1.15"]

    def lookup(self, path):
        return {"tf1.15": {"kind": "function", "params": [], "methods": {}}} \
            if path in self.NAMES else {}

    def suggest(self, path):
        import difflib
        return difflib.get_close_matches(path, list(self.NAMES), n=1)

    def check_call(self, path, n_positional, keywords):
        params = self.NAMES.get(path, [])
        for k in keywords:
            if k not in params:
                return [f"{path} has no argument '{k}'; did you mean "
                        f"'{difflib_close(k, params)}'?"]
        if n_positional > len(params):
            return [f"{path} takes at most {len(params)} positional arguments"]
        return []

    def names(self):
        return sorted(self.NAMES)


def difflib_close(word, choices):
    import difflib
    return (difflib.get_close_matches(word, choices, n=1) or ["?"])[0]


class FakePolicy:
    @staticmethod
    def refused(path):
        return "file IO (tf.gfile)" if path.startswith(("tf.gfile", "tf.io.gfile")) else None

    @staticmethod
    def refused_attribute(name):
        return "frame attributes" if name in ("f_globals", "gi_frame") else None

    @staticmethod
    def refused_method(cls, method):
        return "writes a checkpoint" if (cls, method) == ("Saver", "save") else None

    @staticmethod
    def refused_object(obj):
        return None


@pytest.fixture
def fake_index(monkeypatch):
    import harness
    api, policy = types.ModuleType("harness.api"), types.ModuleType("harness.policy")
    for name in ("runtimes", "lookup", "suggest", "check_call", "names"):
        setattr(api, name, getattr(FakeIndex(), name))
    for name in ("refused", "refused_attribute", "refused_method", "refused_object"):
        setattr(policy, name, getattr(FakePolicy, name))
    monkeypatch.setitem(sys.modules, "harness.api", api)
    monkeypatch.setitem(sys.modules, "harness.policy", policy)
    monkeypatch.setattr(harness, "api", api, raising=False)
    monkeypatch.setattr(harness, "policy", policy, raising=False)


@pytest.mark.parametrize("program, message", [
    ("  - tf.get_variabel: {name: w}\n", "unknown TF name `tf.get_variabel` (did you mean "
     "`tf.get_variable`?)"),
    ("  - tf.get_variable: {name: w, shpe: [1]}\n", "has no argument 'shpe'; did you mean 'shape'"),
    ("  - let: {value: {call: tf.constant, args: [1, a, 3]}}\n", "takes at most 2 positional"),
    ("  - let: {value: {tf: gfile.Open}}\n", "`tf.gfile.Open` is refused: file IO (tf.gfile)"),
    ("  - tf.io.gfile.GFile: {args: [x]}\n", "`tf.io.gfile.GFile` is refused: file IO"),
    ("  - tf.constant: {args: [1], as: a}\n  - let: {value: {ref: a.f_globals}}\n",
     "attribute `f_globals` in `a.f_globals` is refused: frame attributes"),
])
def test_names_are_checked_against_the_api_index_and_the_policy(fake_index, program, message):
    err = error_of(case(program))
    assert message in err, err
    assert "g.yaml:" in err


def test_the_worker_refuses_again_what_the_policy_refuses(fake_index):
    from harness import generic
    with pytest.raises(generic.Refused, match="file IO"):
        generic.resolve_api(types.SimpleNamespace(), "gfile.Open")
    saver = type("Saver", (), {"save": lambda self: None})()
    with pytest.raises(generic.Refused, match="writes a checkpoint"):
        generic.resolve_ref({"s": saver}, "s.save")
    with pytest.raises(generic.Refused, match="dunder"):
        generic.check_attribute(None, "__globals__")


def test_tf2_fixture_is_real(tf2):
    assert resolve("tf2").name == "tf2"


def test_exported_scripts_of_generic_programs_agree_with_the_worker_on_tf2(tf2, tmp_path):
    chosen = [program_case(n) for n in ("calls", "defs", "flow", "layer")]
    worker = run_cases(chosen, [tf2])
    scripts = run_exported(tf2.python, chosen, tmp_path)
    for r in worker.results:
        got = scripts[r.case.id]
        want = {"facts": r.outcome.facts, "error": r.outcome.error}
        if r.case.id == "g.layer":  # no tf.layers.Layer on Keras 3: the same error type, and the
            # worker's message names the missing API name (Python's does not)
            assert got["error"]["type"] == "AttributeError" and want["error"]["type"] == \
                "NotAvailable" and got["facts"] == want["facts"]
            continue
        assert got == want, (r.case.id, got.get("script failed"),
                             sorted(k for k in set(got.get("facts", {})) | set(want["facts"])
                                    if got.get("facts", {}).get(k) != want["facts"].get(k)))


def test_values_of_dicts_and_of_plain_python_are_recorded(tf115):
    # Found translating TF's tests: `.value` of ema.variables_to_restore() (a dict of variables)
    # killed the worker (numpy float32 is not JSON), and a bool from `==` came back unavailable
    # because fetching values first initializes every variable, which a caching device on
    # another job (variables_test.py testCachingDevice) makes fail.
    text = case("""\
  - tf.get_variable: {name: w, shape: [2], initializer: {call: tf.ones_initializer}, as: w}
  - tf.train.ExponentialMovingAverage: {args: [0.99], as: ema}
  - ema.variables_to_restore: {as: restore}
  - restore.keys: {as: keys}
  - let: {value: {op: '==', args: [1, 1]}, as: same}
""", "{}")
    far = case("""\
  - tf.Variable: {args: [1.0], caching_device: /job:foo, as: v}
  - let: {value: {op: '==', args: [{ref: v.name}, "Variable:0"]}, as: named}
""", "{named.value: true}", case_id="far")
    cases = [load(text), load(far)]
    cases[0].expect.update({"restore.value": "", "keys.value": "", "same.value": True})
    results = {r.case.id: r.outcome for r in run_cases(cases, [tf115]).results}
    facts = results["g.c"].facts
    assert results["g.c"].problem is None
    assert facts["restore.value"] == {"w/ExponentialMovingAverage": [1.0, 1.0]}
    assert facts["keys.value"] == ["w/ExponentialMovingAverage"]
    assert facts["same.value"] is True
    assert results["g.far"].problem is None and results["g.far"].facts["named.value"] is True


def test_a_classs_method_by_its_path_may_be_static_or_unbound():
    # The API index does not say which: `tf.data.Dataset.from_tensor_slices(t)` (static) and
    # `tf.layers.Layer.build(self, shape)` (unbound) are both fine; too many arguments are not.
    load(case("  - tf.constant: {args: [[1, 2]], as: t}\n"
              "  - tf.data.Dataset.from_tensor_slices: {args: [{ref: t}], as: ds}\n"))
    load(case("  - tf.layers.Dense: {args: [2], as: layer}\n"
              "  - invoke: {fn: tf.layers.Layer.build, args: [{ref: layer}, [null, 3]]}\n"))
    err = error_of(case("  - tf.data.Dataset.from_tensor_slices: {args: [1, 2, 3, 4]}\n"))
    assert "takes at most" in err
