"""harness/pydef.py: a traced def's body written from its source (no TF: the tracer's source
records are written by hand here; tests/test_trace.py traces real scripts)."""

from __future__ import annotations

import textwrap

import pytest

from harness import cases as caselib
from harness.frompython import Refused
from harness.pydef import convert_def, write_sources
from harness.trace import program_lines

GETTER = ["getter", "name", "*args", "**kwargs"]


def body(text: str, params: list = GETTER, bindings: dict | None = None, **more) -> list[dict]:
    source = dict({"file": "model.py", "line": 10, "text": textwrap.dedent(text),
                   "bindings": bindings or {}, "unbound": {}}, **more)
    return convert_def(source, params, taken={"ema", "var_0"}, visible={"ema", "scale"})


def test_branches_choices_and_sets_become_steps():
    assert body("""
        def g(getter, name, *args, **kwargs):
            kind = "w" if "kernel" in name else "b"
            if kind == "b" and not kwargs.get("trainable", True):
                kwargs["trainable"] = False
            return getter(f"{name}_{kind}", *args, **kwargs)
        """) == [
        {"if": {"op": "in", "args": ["kernel", {"ref": "name"}]},
         "do": [{"let": {"value": "w", "as": "kind"}}],
         "else": [{"let": {"value": "b", "as": "kind"}}]},
        {"let": {"value": {"op": "==", "args": [{"ref": "kind"}, "b"]}, "as": "cond"}},
        {"if": {"ref": "cond"}, "do": [{"let": {"value": {"op": "not", "args": [
            {"call": "kwargs.get", "args": ["trainable", True]}]}, "as": "cond"}}]},
        {"if": {"ref": "cond"}, "do": [{"set": {"target": "kwargs['trainable']",
                                                "value": False}}]},
        {"return": {"value": {"call": "getter", "args": [
            {"op": "+", "args": [{"op": "+", "args": [{"call": "py.str", "args": [
                {"ref": "name"}]}, "_"]}, {"call": "py.str", "args": [{"ref": "kind"}]}]},
            {"*": {"ref": "args"}}], "kwargs": {"**": {"ref": "kwargs"}}}}}]


def test_free_names_are_their_bindings_and_a_name_assigned_again_keeps_its_label():
    steps = body("""
        def g(getter, name, *args, **kwargs):
            var_0 = getter(name, *args, **kwargs)
            if self.half:
                var_0 = tf.cast(var_0 * self.scale, DTYPE)
            capture("var_0", var_0)
            return ema.average(var_0) or var_0
        """, bindings={"self.half": True, "self.scale": {"ref": "scale"}, "ema": {"ref": "ema"},
                       "DTYPE": {"dtype": "float16"}, "tf": {"tf": ""},
                       "capture": {"noop": True}})
    assert steps[0] == {"invoke": {"fn": {"ref": "getter"}, "args": [
        {"ref": "name"}, {"*": {"ref": "args"}}], "kwargs": {"**": {"ref": "kwargs"}},
        "as": "var_0_1"}}  # var_0 is a label of the program: another one
    assert steps[1] == {"tf.cast": {"args": [{"op": "*", "args": [
        {"ref": "var_0_1"}, {"ref": "scale"}]}, {"tf": "float16"}], "as": "var_0_1"}}
    assert steps[2:] == [
        {"ema.average": {"args": [{"ref": "var_0_1"}], "as": "value"}},
        {"if": {"op": "not", "args": [{"ref": "value"}]},
         "do": [{"let": {"value": {"ref": "var_0_1"}, "as": "value"}}]},
        {"return": {"value": {"ref": "value"}}}]


@pytest.mark.parametrize("text, bindings, extra, message", [
    ("def g(getter, name):\n    return getter(np.sqrt(2.0))\n", {}, {"unbound": {"np": "module"}},
     "`np` (a module) has no value a case can hold"),
    ("def g(getter, name):\n    return getter(later)\n", {"later": {"ref": "later"}}, {},
     "`later`, the step `later` made after the function is first given to TF"),
    ("def g(getter, name):\n    return getter(n)\n", {"n": 1}, {"changed": ["n"]},
     "`n` is another object at a later call than at the first"),
    ("def g(getter, name):\n    while name:\n        pass\n", {}, {}, "a `While` statement"),
    ("def g(getter, name):\n    return getter(np.float32(2))\n",
     {"np.float32": {"dtype": "float32"}}, {}, "`np.float32(...)`: a dtype called"),
])
def test_what_the_source_cannot_say_is_refused_with_its_line(text, bindings, extra, message):
    with pytest.raises(Refused) as e:
        body(text, ["getter", "name"], bindings, **extra)
    assert message in e.value.message and e.value.line in (10, 11, 12)


def test_write_sources_replaces_the_body_or_reports_why():
    program = [
        {"tf.get_variable": {"args": ["w", [1]], "as": "w"}},
        {"def": {"name": "g", "params": ["getter", "name"], "as": "g"},
         "do": [{"return": {"value": {"ref": "w"}}}],
         "source": {"file": "model.py", "line": 3, "bindings": {"w": {"ref": "w"}},
                    "text": "def g(getter, name):\n    if name == 'v':\n        return w\n"
                            "    return getter(name)\n", "unbound": {},
                    "problem": {"file": "model.py", "line": 8, "message": "M", "hint": "H"}}},
        {"def": {"name": "f", "params": ["x"], "as": "f"}, "do": [],
         "source": {"why": "its source is not available",
                    "suspect": {"file": "model.py", "line": 9, "message": "S", "hint": "H"}}},
        {"tf.variable_scope": {"args": ["s"], "custom_getter": {"ref": "g"}},
         "do": [{"tf.get_variable": {"args": ["v", [1]], "as": "v"}}]}]
    problems: list[dict] = []
    suspects: list[dict] = []
    write_sources(program, problems, suspects, {})
    assert problems == []
    assert suspects == [{"file": "model.py", "line": 9, "hint": "H", "message": (
        "S; its source cannot be written as the `def`'s body: its source is not available")}]
    assert program[1]["do"][0]["if"] == {"op": "==", "args": [{"ref": "name"}, "v"]}
    assert all("source" not in s for s in program)
    text = "id: x.y\ntitle: t\nsource: {doc: d, quote: q}\nprogram:\n" + \
        "\n".join(program_lines(program)) + "\nexpect: {}\n"
    cases, errors = caselib.load_text(text, "traced.yaml")
    assert not errors, errors


def test_calls_that_change_no_name_are_left_out_and_helpers_are_inlined():
    helper = {"text": "def act(x, alpha=0.2):\n    return tf.maximum(x, alpha * x)\n",
              "line": 1, "file": "model.py", "bindings": {"tf": {"tf": ""}}, "unbound": {}}
    steps = body("""
        def f(x, training):
            logging.info("building %s", x)
            tf.summary.histogram("x", x)
            if training:
                print(x)
            return tf.identity(act(x) + 1.0)
        """, ["x", "training"], {"tf": {"tf": ""}, "act": {"function": helper}},
        unbound={"logging": "module"})
    assert steps == [
        {"if": {"ref": "training"}, "do": []},
        {"let": {"value": {"call": "tf.maximum", "args": [
            {"ref": "x"}, {"op": "*", "args": [0.2, {"ref": "x"}]}]}, "as": "value"}},
        {"return": {"value": {"call": "tf.identity", "args": [
            {"op": "+", "args": [{"ref": "value"}, 1.0]}]}}}]


def test_a_def_the_first_call_made_goes_before_the_body_that_uses_it():
    inner = {"def": {"name": "my_init", "params": ["shape"], "as": "my_init"},
             "do": [{"return": {"value": {"call": "tf.ones", "args": [{"ref": "shape"}]}}}]}
    program = [{"def": {"name": "g", "params": ["getter", "name"], "as": "g"},
                "do": [inner, {"return": {"value": None}}],
                "source": {"file": "model.py", "line": 1, "unbound": {},
                           "bindings": {"my_init": {"ref": "my_init"}},
                           "text": "def g(getter, name):\n    if name == 'w':\n"
                                   "        return getter(name, initializer=my_init)\n"
                                   "    return getter(name)\n",
                           "problem": {"file": "model.py", "line": 8, "message": "M"}}}]
    problems: list[dict] = []
    write_sources(program, problems, [], {})
    assert problems == [] and program[0] is inner
    assert program[1]["do"][0]["do"] == [{"return": {"value": {
        "call": "getter", "args": [{"ref": "name"}],
        "kwargs": {"initializer": {"ref": "my_init"}}}}}]


def test_a_def_only_the_replaced_body_used_is_dropped():
    lam = {"def": {"name": "fn", "params": ["t"], "as": "fn"},
           "do": [{"return": {"value": {"ref": "t"}}}]}
    program = [{"def": {"name": "g", "params": ["x"], "as": "g"},
                "do": [lam, {"tf.identity": {"args": [{"ref": "x"}], "act": {"ref": "fn"}}}],
                "source": {"file": "model.py", "line": 1, "unbound": {},
                           "bindings": {"tf": {"tf": ""}},
                           "text": "def g(x):\n    return tf.identity(x)\n",
                           "suspect": {"file": "model.py", "line": 8, "message": "S"}}}]
    write_sources(program, [], [], {})
    assert [next(iter(s)) for s in program] == ["def"] and program[0]["def"]["name"] == "g"


def test_a_helper_taking_args_and_kwargs_gets_them_packed():
    helper = {"text": "def get_var_maybe_avg(var_name, ema, **kwargs):\n"
                      "    v = tf.get_variable(var_name, **kwargs)\n"
                      "    if ema is not None:\n        v = ema.average(v)\n    return v\n",
              "line": 1, "file": "nn.py", "bindings": {"tf": {"tf": ""}}, "unbound": {}}
    steps = body("""
        def dense(x, ema=None):
            V = get_var_maybe_avg("V", ema, shape=[3, 2], trainable=True)
            return tf.matmul(x, V)
        """, ["x", {"name": "ema", "default": None}],
        {"tf": {"tf": ""}, "get_var_maybe_avg": {"function": helper}})
    assert steps[0] == {"let": {"value": {"call": "tf.get_variable", "args": ["V"], "kwargs": {
        "**": {"dict": {"shape": [3, 2], "trainable": True}}}}, "as": "v"}}  # v: one kind
    assert steps[1]["if"] == {"op": "is_not", "args": [{"ref": "ema"}, None]}
    assert steps[2] == {"let": {"value": {"ref": "v"}, "as": "V"}}
    assert steps[-1] == {"return": {"value": {"call": "tf.matmul", "args": [
        {"ref": "x"}, {"ref": "V"}]}}}


def test_packed_arguments_that_are_not_literals_are_computed_once():
    helper = {"text": "def conv(x, *args, **kwargs):\n    return tf.layers.conv2d(x, *args, "
                      "**kwargs)\n", "line": 1, "file": "nn.py", "bindings": {"tf": {"tf": ""}},
              "unbound": {}}
    steps = body("""
        def f(x, act):
            y = conv(x, 8, 3, activation=act, name="c")
            return y
        """, ["x", "act"], {"tf": {"tf": ""}, "conv": {"function": helper}})
    assert steps[:2] == [
        {"let": {"value": {"dict": {"activation": {"ref": "act"}, "name": "c"}},
                 "as": "kwargs"}},
        {"let": {"value": {"call": "tf.layers.conv2d", "args": [
            {"ref": "x"}, {"*": {"tuple": [8, 3]}}], "kwargs": {"**": {"ref": "kwargs"}}},
            "as": "y"}}]
