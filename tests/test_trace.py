"""The tracer (harness/tracer.py, harness/trace.py): real TF1 scripts in, step-language programs
and checkpoint keys out, on real TF 1.15 and TF 2."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from harness import cases as caselib
from harness.cli import main
from harness.render import export_script
from harness.runner import run_cases
from harness.trace import (
    keys_report,
    program_lines,
    run_tracer,
    side_by_side,
    stopped_at,
    traced_case,
)
from tests.conftest import EXAMPLE, provision

SCRIPTS = Path(__file__).parent / "data" / "trace"


@pytest.fixture(scope="session")
def tf2(pytestconfig: pytest.Config):
    return provision(pytestconfig, "tf2")


def steps(program: list[dict]) -> list[tuple[str, object]]:
    """Every step of a program, bodies included, in order: (key, arguments)."""
    out = []
    for item in program:
        (key, args), = [(k, v) for k, v in item.items() if k != "do"]
        out.append((key, args))
        out += steps(item.get("do", []))
    return out


def calls(program: list[dict], key: str) -> list:
    return [args for k, args in steps(program) if k == key]


def positional(args: object) -> list:
    """A call's positional arguments, also when written as the shorthand `- tf.X: VALUE`."""
    return args.get("args", []) if isinstance(args, dict) else [args]


def keyword(args: object, name: str) -> object:
    return args.get(name) if isinstance(args, dict) else None


def script(tmp_path: Path, text: str, name: str = "model.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


# --- without TensorFlow ---------------------------------------------------------------------------

def test_the_error_a_traced_case_stopped_at_is_said_by_its_first_line():
    # tf.nest's message printed both structures whole over a dozen lines, which the one-line
    # report showed as one line of escaped newlines (gpt-2's sample_sequence before its fix)
    error = {"type": "ValueError", "message": "The two structures don't have the same nested "
             "structure.\n\nFirst structure: type=list str=[...]\n\nSecond structure: ..."}
    assert stopped_at(error) == ("the traced case stopped at ValueError: The two structures "
                                 "don't have the same nested structure [...], where the script "
                                 "went on")
    assert stopped_at({"type": "KeyError", "message": "'w'"}) == (
        "the traced case stopped at KeyError: 'w', where the script went on")


def test_program_lines_read_back_as_the_program():
    program = [{"tf.variable_scope": {"args": ["foo"], "as": "vs"},
                "do": [{"tf.get_variable": {"args": ["w", [1]], "as": "w"}},
                       {"let": {"value": {"op": "+", "args": [{"ref": "w"}, 1.5]}, "as": "y"}},
                       {"with": {"value": {"ref": "vs"}}, "do": []}]},
               {"tf.name_scope": "a: b"}, {"w.assign": {"args": [[0.0]]}}]
    text = "program:\n" + "\n".join(program_lines(program))
    assert yaml.safe_load(text) == {"program": program}


def test_side_by_side_puts_differences_first():
    table = side_by_side({
        "tf1.15": {"tensorflow": "1.15.5", "checkpoint": {"a": [1], "b": [2]},
                   "trainable": {"a:0": [1]}},
        "tf2": {"tensorflow": "2.21.0", "checkpoint": {"a": [1], "c": [2]},
                "trainable": {"a:0": [1]}}})
    assert table["checkpoint"] == {"differ": {"b": {"tf1.15": [2], "tf2": "missing"},
                                              "c": {"tf1.15": "missing", "tf2": [2]}},
                                   "same": {"a": [1]}}
    assert table["trainable"] == {"differ": {}, "same": {"a:0": [1]}}
    text = keys_report(table, "model.py")
    assert text.index("2 differ") < text.index("1 the same on every runtime")
    assert "trainable variables: 1 the same on every runtime" in text
    assert "trainable variables: 1 differ" not in text


# --- the example scripts on TF 1.15 ---------------------------------------------------------------

def check_gan(program, graph):
    scopes = calls(program, "tf.variable_scope")
    assert [positional(s) for s in scopes] == [["generator"], ["discriminator"],
                                               ["discriminator"]]
    assert [keyword(s, "reuse") for s in scopes] == [None, False, True]
    collected = calls(program, "tf.get_collection")
    assert [c["scope"] for c in collected] == ["discriminator", "generator"]
    # named, not copied: TF compares some of these strings by identity
    assert collected[0]["args"] == [{"tf": "GraphKeys.TRAINABLE_VARIABLES"}]
    assert calls(program, "adam_optimizer.minimize")[0]["var_list"] == {"ref": "d_vars"}
    assert graph["trainable_variables"].count("discriminator/dense/kernel:0") == 1


def check_towers(program, graph):
    assert [s["args"] for s in calls(program, "tf.name_scope")] == [["tower_0"], ["tower_1"]]
    assert calls(program, "tf.device") == ["/cpu:0", "/cpu:0"]
    assert len([k for k, _ in steps(program) if k.endswith(".reuse_variables")]) == 2
    assert calls(program, "opt.apply_gradients")[0]["global_step"] == {"ref": "global_step"}
    assert graph["global_variables"] == ["global_step:0", "conv1/weights:0", "conv1/biases:0",
                                         "logits/weights:0"]


def check_rnn(program, graph):
    assert len(calls(program, "tf.nn.rnn_cell.LSTMCell")) == 2
    rnn = calls(program, "tf.nn.dynamic_rnn")[0]
    assert rnn["args"] == [{"ref": "cell"}, {"ref": "embedded"}]
    assert rnn["dtype"] == {"tf": "float32"}
    assert calls(program, "tf.reshape")[0]["args"][0] == {"ref": "dynamic_rnn[0]"}
    assert "rnn_model/softmax/w:0" in graph["global_variables"]


def check_helpers(program, graph):
    names = [c["args"][0] for c in calls(program, "tf.get_variable")]
    assert names == ["w_layer0", "b_layer0", "w_layer1", "b_layer1", "w_layer2", "b_layer2"] * 2
    labels = [c["as"] for c in calls(program, "tf.get_variable")]
    assert labels[:3] == ["w", "b", "w_1"] and len(set(labels)) == 12
    assert [s.get("reuse") for s in calls(program, "tf.variable_scope")] == [None, True]
    # `x * 0.5` is an operator on a placeholder; the helper's `x + b` too
    assert [c["value"] for c in calls(program, "let") if c["value"]["op"] == "*"] == [
        {"op": "*", "args": [{"ref": "x"}, 0.5]}]
    assert len(graph["global_variables"]) == 6


def check_ema(program, graph):
    (apply,) = calls(program, "ema.apply")
    assert apply == {"args": [{"ref": "trainable_variables"}], "as": "maintain"}
    assert calls(program, "ema.average") == [{"args": [{"ref": "w"}], "as": "shadow_w"}]
    assert calls(program, "tf.train.Saver") == [{"args": [{"ref": "restore"}], "as": "saver"}]
    assert "model/w/ExponentialMovingAverage:0" in graph["global_variables"]


def check_flags(program, graph):
    assert calls(program, "tf.variable_scope")[0] == "encoder"
    assert [c["args"][1] for c in calls(program, "tf.get_variable")] == [[24, 24]] * 3
    assert graph["global_variables"] == [f"encoder/layer_{i}/kernel:0" for i in range(3)]


def check_numpy(program, graph):
    (centered,) = [c for c in calls(program, "let") if c["as"] == "centered"]
    assert centered["value"] == {"op": "-", "args": [{"ref": "images"}, [0.485, 0.456, 0.406]]}
    (const,) = calls(program, "tf.constant")
    assert len(const["args"][0]) == 3 and len(const["args"][0][0]) == 4
    scale = calls(program, "tf.get_variable")[1]
    assert scale["args"] == ["scale", [4]]
    assert calls(program, "tf.constant_initializer") == [{"args": [0.5],
                                                          "as": "constant_initializer"}]


def check_summaries(program, graph):
    keys = [k for k, _ in steps(program)]
    assert not [k for k in keys if k.startswith(("tf.summary", "tf.Session"))]
    assert "momentum_optimizer.minimize" in keys and "tf.train.Saver" in keys
    assert graph["unrecorded_ops"] == ["loss_1/tags", "loss_1", "w_1/tag", "w_1",
                                       "Merge/MergeSummary"]


def check_slim(program, graph):
    (arg_scope,) = [item for item in steps(program) if item[0] == "tf.contrib.slim.arg_scope"]
    assert arg_scope[1]["args"] == [[{"tf": "contrib.slim.conv2d"},
                                     {"tf": "contrib.slim.fully_connected"}]]
    assert calls(program, "tf.contrib.slim.repeat")[0]["scope"] == "conv1"
    assert "vgg/conv1/conv1_2/weights:0" in graph["global_variables"]


CHECKS = {"slim_net.py": check_slim, "summaries.py": check_summaries, "gan.py": check_gan,
          "towers.py": check_towers,
          "rnn.py": check_rnn, "helpers.py": check_helpers, "ema.py": check_ema,
          "flags.py": check_flags, "numpy_consts.py": check_numpy}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_tracer_records_the_scripts_calls_on_tf115(tf115, name):
    trace = run_tracer(SCRIPTS / name, tf115)
    assert trace.problems == [] and trace.error is None
    CHECKS[name](trace.program, trace.graph)
    if name == "summaries.py":
        assert "summaries.py:8: tf.summary.scalar: run, not recorded: summary event files " \
            "(tf.summary); its ops are left out of the check (1 time)" in trace.notes


def test_flags_and_sessions_run_but_are_not_recorded(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf
        v = tf.get_variable("v", [2])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            value = sess.run(v)
        w = tf.get_variable("w", [int(value.shape[0])])
        """)
    trace = run_tracer(path, tf115)
    assert [k for k, _ in steps(trace.program)] == ["tf.get_variable",
                                                    "tf.global_variables_initializer",
                                                    "tf.get_variable"]
    assert any(n.startswith("model.py:3: tf.Session: run, not recorded") for n in trace.notes)
    assert trace.graph["global_variables"] == ["v:0", "w:0"]


def test_operators_methods_and_attributes(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf
        a = tf.constant([[1.0, 2.0]])
        b = tf.get_variable("b", [1, 2])
        c = a + b
        d = 2 * a
        e = -c[0, :1]
        f = a @ tf.transpose(b)
        layer = tf.layers.Dense(3, name="fc")
        y = layer(a)
        k = tf.identity(layer.kernel, name="k")
        b.assign(a)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    lets = {c["as"]: c["value"] for c in calls(trace.program, "let")}
    assert lets["c"] == {"op": "+", "args": [{"ref": "a"}, {"ref": "b"}]}
    assert lets["d"] == {"op": "*", "args": [2, {"ref": "a"}]}  # reflected: 2 * a
    item = [v for v in lets.values() if v["op"] == "getitem"][0]
    assert item["args"][1] == {"tuple": [0, {"slice": [None, 1, None]}]}
    assert lets["e"]["op"] == "neg"
    assert lets["f"]["op"] == "@"
    assert calls(trace.program, "invoke") == [{"fn": {"ref": "layer"}, "args": [{"ref": "a"}],
                                               "as": "y"}]
    assert calls(trace.program, "tf.identity")[0]["args"] == [{"ref": "layer.kernel"}]
    assert calls(trace.program, "b.assign") == [{"args": [{"ref": "a"}], "as": "assign"}]


def test_exceptions_the_script_catches_and_the_one_that_ends_it(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf
        v = tf.get_variable("v", [1])
        try:
            tf.get_variable("v", [1])
        except ValueError:
            pass
        with tf.variable_scope("s", reuse=True):
            tf.get_variable("missing", [1])
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    gets = calls(trace.program, "tf.get_variable")
    assert gets[1]["catch"] == "error" and "catch" not in gets[2]
    assert trace.error["type"] == "ValueError" and "missing" in trace.error["message"]


def test_what_cannot_be_data_is_reported_with_its_place(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf
        from tensorflow.python.ops import script_ops


        def getter(getter, name, *args, **kwargs):
            return getter(name + "_x", *args, **kwargs)


        with tf.variable_scope("s", custom_getter=getter):
            v = tf.get_variable("v", [1])
        y = tf.py_func(lambda x: x, [v], tf.float32)


        class Mixin(object):
            pass


        class Layer(Mixin, tf.layers.Layer):
            pass


        registry = script_ops.FuncRegistry()
        """)
    trace = run_tracer(path, tf115)
    found: dict[int, list[dict]] = {}
    for p in trace.problems:
        assert p["file"] == "model.py"
        found.setdefault(p["line"], []).append(p)
    # the getter (line 9) is a def step now, a class deriving from TF's alone a class step; an
    # internal module is refused where the script takes from it what the API lacks
    assert sorted(found) == [11, 18, 22]
    assert "internals" in found[22][0]["message"]
    assert [p["message"].split(":")[0] for p in found[11]] == ["tf.py_func cannot be traced"]
    assert "Mixin, which is neither TF's API" in found[18][0]["message"]


def test_classes_deriving_from_tf_classes_become_class_steps(tf115, tmp_path):
    """Methods TF calls are `def`s recorded when TF calls them (never called: left out), the
    script's own calls of its methods run as its code, self.X = ... is a `set`, super() calls
    are `{super: NAME}`, and instantiating the class is an invoke of its label."""
    path = script(tmp_path, """
        import tensorflow as tf


        class Scale(tf.keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super(Scale, self).__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                self.kernel = self.add_weight("kernel", shape=[3, self.units])
                super().build(input_shape)

            def _project(self, x):
                return tf.matmul(x, self.kernel)

            def call(self, inputs):
                return tf.nn.relu(self._project(inputs))

            def unused(self):
                return tf.constant(1.0)


        x = tf.placeholder(tf.float32, [None, 3])
        layer = Scale(2, name="scale")
        y = layer(x)
        z = layer._project(x)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.suspects == []
    klass = trace.program[0]
    assert klass["class"] == {"name": "Scale", "bases": ["tf.keras.layers.Layer"]}
    methods = {m["def"]["name"]: m for m in klass["do"]}
    assert sorted(methods) == ["__init__", "build", "call"]
    assert methods["__init__"]["do"][:2] == [
        {"invoke": {"fn": {"super": "__init__"}, "kwargs": {"**": {"ref": "kwargs"}}}},
        {"set": {"target": "self.units", "value": {"ref": "units"}}}]  # the parameter
    build = methods["build"]["do"]
    assert build[0] == {"self.add_weight": {"args": ["kernel"], "shape": [3, 2],
                                            "as": "kernel"}}
    assert build[1] == {"set": {"target": "self.kernel", "value": {"ref": "kernel"}}}
    assert build[2] == {"invoke": {"fn": {"super": "build"}, "args": [{"ref": "input_shape"}]}}
    call = methods["call"]["do"]  # the helper's TF call inline, kernel read from self
    assert call[0] == {"tf.matmul": {"args": [{"ref": "inputs"}, {"ref": "self.kernel"}],
                                     "as": "matmul"}}
    assert trace.program[2] == {"invoke": {"fn": {"ref": "Scale"}, "args": [2],
                                           "kwargs": {"name": "scale"}, "as": "layer"}}
    assert calls(trace.program, "tf.matmul")[1]["args"] == [{"ref": "x"}, {"ref": "layer.kernel"}]


def test_a_method_tf_calls_differently_is_reported(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf


        class Cell(tf.nn.rnn_cell.RNNCell):
            def __init__(self, bias):
                super(Cell, self).__init__()
                self.bias = bias

            @property
            def state_size(self):
                return 2

            @property
            def output_size(self):
                return 2

            def call(self, inputs, state):
                if self.bias:
                    with tf.variable_scope("biased"):
                        state = state + tf.get_variable("b", [2])
                return state, state


        x = tf.placeholder(tf.float32, [None, 4, 2])
        tf.nn.dynamic_rnn(Cell(False), x, dtype=tf.float32, scope="plain")
        tf.nn.dynamic_rnn(Cell(True), x, dtype=tf.float32, scope="biased")
        """)
    trace = run_tracer(path, tf115)
    # the method's later call makes other TF calls: its `def` is written from its source
    # (harness/pydef.py), as a function's is
    methods = {m["def"]["name"]: m for m in trace.program[0]["do"]}
    assert methods["call"]["do"][0]["if"] == {"ref": "self.bias"}


def test_functions_tf_calls_become_def_steps(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf


        def lrelu(x, alpha=0.2):
            return tf.maximum(alpha * x, x)


        def encoder(x):
            h = tf.layers.dense(x, 8, activation=lrelu, name="h")
            return tf.layers.dense(h, 4, activation=lambda t: tf.nn.leaky_relu(t, 0.1))


        net = tf.make_template("net", encoder)
        a = tf.placeholder(tf.float32, [None, 3], name="a")
        ya = net(a)
        yb = net(a * 2.0)
        z = tf.cond(tf.constant(True), lambda: ya, lambda: yb)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    program = trace.program
    encoder = [item for item in program if "def" in item][0]
    assert encoder["def"] == {"name": "encoder", "params": ["x"], "as": "encoder"}
    body = encoder["do"]
    assert body[0]["def"] == {"name": "lrelu", "params": ["x", {"name": "alpha", "default": 0.2}],
                              "as": "lrelu"}
    assert body[0]["do"][-1] == {"return": {"value": {"ref": "maximum"}}}
    assert body[1]["tf.layers.dense"]["activation"] == {"ref": "lrelu"}
    assert body[2]["def"]["params"] == ["t"]  # the lambda
    assert body[-1] == {"return": {"value": {"ref": "dense"}}}
    assert calls(program, "tf.make_template") == [{"args": ["net", {"ref": "encoder"}],
                                                   "as": "net"}]
    assert [c["fn"] for c in calls(program, "invoke")] == [{"ref": "net"}] * 2
    assert calls(program, "tf.cond")[0]["args"][1:] == [{"ref": "fn_1"}, {"ref": "fn_2"}]
    assert sorted(trace.graph["trainable_variables"]) == [
        "net/dense/bias:0", "net/dense/kernel:0", "net/h/bias:0", "net/h/kernel:0"]


def test_a_failing_script_is_reported_where_it_fails(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf
        x = tf.constant(1.0)
        raise RuntimeError("boom")
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [{"file": "model.py", "line": 3, "hint": trace.problems[0]["hint"],
                               "message": "the script raised RuntimeError: boom"}]
    # an exception without a message (xlnet's `assert bsz%2 == 0`) is named alone, not followed
    # by an empty ": " (the report read "raised AssertionError:  (the script must run ...)")
    bare = script(tmp_path, """
        import tensorflow as tf
        x = tf.constant(1.0)
        assert x.shape.ndims == 1
        """, name="bare.py")
    assert [p["message"] for p in run_tracer(bare, tf115).problems] == [
        "the script raised AssertionError"]


# --- TF 2: the TF1 API --------------------------------------------------------------------------

def test_tf2_gives_the_script_the_tf1_api_and_the_same_program(tf115, tf2):
    on_tf1 = run_tracer(SCRIPTS / "helpers.py", tf115)
    on_tf2 = run_tracer(SCRIPTS / "helpers.py", tf2)
    assert on_tf2.tensorflow.startswith("2.") and on_tf2.problems == []
    assert on_tf2.program == on_tf1.program
    assert on_tf2.graph["global_variables"] == on_tf1.graph["global_variables"]


# --- tfscope keys ---------------------------------------------------------------------------------

def test_keys_shows_what_changes_between_tf115_and_tf2(tf115, tf2, capsys):
    assert main(["keys", str(SCRIPTS / "keras_reuse.py"), "--runtime", "tf1.15,tf2",
                 "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["checkpoint"]["differ"] == {
        "dense_1/bias": {"tf1.15": [10], "tf2": "missing"},
        "dense_1/kernel": {"tf1.15": [8, 10], "tf2": "missing"},
        "dense_1_1/bias": {"tf1.15": "missing", "tf2": [10]},
        "dense_1_1/kernel": {"tf1.15": "missing", "tf2": [8, 10]}}
    assert table["checkpoint"]["same"] == {"dense/bias": [10], "dense/kernel": [8, 10]}
    assert set(table["trainable"]["differ"]) == {"dense_1/bias:0", "dense_1/kernel:0",
                                                 "dense_1_1/bias:0", "dense_1_1/kernel:0"}
    assert main(["keys", str(SCRIPTS / "keras_reuse.py"), "--runtime", "tf1.15,tf2"]) == 0
    text = capsys.readouterr().out
    assert text.index("4 differ") < text.index("dense/kernel")


def test_keys_when_nothing_changes(tf115, tf2, capsys):
    assert main(["keys", str(SCRIPTS / "ema.py"), "--runtime", "tf1.15,tf2", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["checkpoint"]["differ"] == {} and table["trainable"]["differ"] == {}
    assert table["checkpoint"]["same"] == {
        "global_step": [], "model/b": [3], "model/b/ExponentialMovingAverage": [3],
        "model/w": [3, 3], "model/w/ExponentialMovingAverage": [3, 3]}
    assert table["runtimes"] == {"tf1.15": "1.15.5", "tf2": table["runtimes"]["tf2"]}


def test_keys_of_a_case(tf115, capsys):
    assert main(["keys", "article.example-loop", "--runtime", "tf1.15", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    # the case's program (cases/article/example.yaml): var1 once, var2 twice per loop turn
    assert table["checkpoint"]["same"] == {"foo/bar/var2": [1], "foo/bar/var2_1": [1],
                                           "foo/var1": [1], "foo_1/bar/var2": [1],
                                           "foo_1/bar/var2_1": [1]}


def test_keys_of_a_script_that_fails_says_where(tf115, tmp_path, capsys):
    path = script(tmp_path, """
        import tensorflow as tf
        tf.get_variable("v", [1])
        tf.get_variable("v", [1])
        """)
    assert main(["keys", str(path), "--runtime", "tf1.15"]) == 1
    out = capsys.readouterr().out
    assert "tf1.15: the program stopped early: ValueError" in out or "stopped early" in out
    assert "v  [1]" in out


def test_a_function_tf_calls_with_other_tf_calls_later_is_written_from_its_source(tf115,
                                                                                   tmp_path):
    # A template's function that branches on its argument (PixelCNN++'s ema=None first, an
    # ExponentialMovingAverage later): a body written from the first call would make the case
    # read the raw variable where the script reads the average; its source says both.
    path = script(tmp_path, """
        import tensorflow as tf


        def model(x, ema=None):
            w = tf.get_variable("w", [3], initializer=tf.zeros_initializer())
            if ema is not None:
                w = ema.average(w)
            return x * w


        x = tf.placeholder(tf.float32, [3])
        m = tf.make_template("model", model)
        y = m(x)
        ema = tf.train.ExponentialMovingAverage(0.99)
        update = ema.apply(tf.trainable_variables())
        z = m(x, ema=ema)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.suspects == []
    model = next(s for s in trace.program if "def" in s)
    assert [next(iter(s)) for s in model["do"]] == ["let", "if", "return"]  # w: one kind
    assert model["do"][1]["if"] == {"op": "is_not", "args": [{"ref": "ema"}, None]}
    assert model["do"][1]["do"] == [{"ema.average": {"args": [{"ref": "w"}], "as": "w"}}]
    traced_case("traced.model", tmp_path / "model.yaml", trace, "schema.json", tf115)


def test_a_branching_function_whose_source_cannot_be_data_is_refused(tf115, tmp_path):
    path = script(tmp_path, """
        import numpy as np
        import tensorflow as tf


        def getter(getter, name, *args, **kwargs):
            var = getter(name, *args, **kwargs)
            if name.endswith("w"):
                return var * np.sqrt(2.0)
            return var


        with tf.variable_scope("s", custom_getter=getter):
            w = tf.get_variable("w", [1])
            b = tf.get_variable("b", [1])
        """)
    trace = run_tracer(path, tf115)
    assert [(p["line"], p["message"].split(" more than")[0]) for p in trace.problems] == [
        (12, "TF calls getter")]
    assert trace.problems[0]["message"].endswith(
        "its source cannot be written as the `def`'s body: `np` (a module) has no value a case "
        "can hold (line 8)")


def test_getters_branching_on_their_arguments_are_written_from_their_source(tf115, tmp_path):
    # name_scope on some calls only, `A if C else B`, `and`, `kwargs[...] = ...`, a global
    # read (a label), a module constant (a literal) and a method of the script's object
    path = script(tmp_path, """
        import tensorflow as tf

        SUFFIX = "_fp32"


        class Model(object):
            def __init__(self):
                self.scale = tf.constant(2.0, name="scale")
                self.half = True

            def getter(self, getter, name, *args, **kwargs):
                trainable = kwargs.get("trainable", True)
                dtype = tf.float16 if self.half and trainable else tf.float32
                if "bias" in name:
                    kwargs["trainable"] = False
                    return getter(name + SUFFIX, *args, **kwargs)
                var = getter(name, *args, **kwargs)
                if trainable and not name.endswith("gamma"):
                    with tf.name_scope("scaled"):
                        var = tf.cast(var * self.scale, dtype)
                return var


        model = Model()
        with tf.variable_scope("net", custom_getter=model.getter):
            w = tf.get_variable("w", [2])
            b = tf.get_variable("bias", [2])
            g = tf.get_variable("gamma", [2])
            m = tf.get_variable("mean", [2], trainable=False)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.suspects == []
    traced_case("traced.model", tmp_path / "model.yaml", trace, "schema.json", tf115)
    assert "net/bias_fp32:0" in trace.graph["global_variables"]


def test_custom_getters_forwarding_args_and_kwargs_become_def_steps(tf115, tmp_path):
    # The EMA getter of real code: `getter(*args, **kwargs)` forwarded, the result averaged;
    # and a getter that changes one keyword argument before it forwards them.
    path = script(tmp_path, """
        import tensorflow as tf


        def freeze(getter, *args, **kwargs):
            kwargs["trainable"] = False
            return getter(*args, **kwargs)


        with tf.variable_scope("frozen", custom_getter=freeze):
            w = tf.get_variable("w", [2])
        ema = tf.train.ExponentialMovingAverage(0.9)
        update = ema.apply([w])


        def ema_getter(getter, name, *args, **kwargs):
            var = getter(name, *args, **kwargs)
            return ema.average(var)


        with tf.variable_scope("frozen", reuse=True, custom_getter=ema_getter):
            shadow = tf.get_variable("w", [2])
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    freeze, getter = [item for item in trace.program if "def" in item]
    assert freeze["def"]["params"] == ["getter", "*args", "**kwargs"]
    assert freeze["do"] == [
        {"set": {"target": "kwargs['trainable']", "value": False}},
        {"invoke": {"fn": {"ref": "getter"}, "kwargs": {"**": {"ref": "kwargs"}},
                    "as": "result"}},
        {"return": {"value": {"ref": "result"}}}]
    assert getter["def"]["params"] == ["getter", "name", "*args", "**kwargs"]
    assert getter["do"][0] == {"invoke": {"fn": {"ref": "getter"}, "args": [{"ref": "name"}],
                                          "kwargs": {"**": {"ref": "kwargs"}}, "as": "var"}}
    assert getter["do"][1] == {"ema.average": {"args": [{"ref": "var"}], "as": "average"}}
    assert trace.graph["trainable_variables"] == []


def test_a_getter_passing_on_args_it_got_by_position_passes_them_on_in_the_case(tf115, tmp_path):
    # slim's layers call a custom getter with the variable's name by position: the getter's
    # `getter(*args, **kwargs)` is `{'*': args}`, not the first call's name as a literal (the
    # case made Conv/weights twice and stopped: "already exists")
    path = script(tmp_path, """
        import tensorflow as tf


        def custom_getter(getter, *args, **kwargs):
            return getter(*args, **kwargs)


        with tf.variable_scope("test", custom_getter=custom_getter):
            images = tf.random_uniform((5, 7, 9, 32), seed=1)
            tf.contrib.layers.convolution2d(images, 64, [7, 9])
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    (getter,) = [item for item in trace.program if "def" in item]
    assert getter["do"][0]["invoke"]["args"] == [{"*": {"ref": "args"}}]
    traced_case("traced.getter", tmp_path / "getter.yaml", trace, "schema.json", tf115)
    assert trace.graph["global_variables"] == ["test/Conv/weights:0", "test/Conv/biases:0"]


def test_iterators_and_returned_functions(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf
        slim = tf.contrib.slim


        @slim.add_arg_scope
        def block(x, units, scope=None):
            return slim.fully_connected(x, units, scope=scope)


        x = tf.placeholder(tf.float32, [None, 3])
        reg = slim.l2_regularizer(0.1)
        with slim.arg_scope([block], units=4):
            y = block(x, scope="b1")
        w = tf.get_variable("w", [2], regularizer=reg)
        loss = tf.reduce_sum(y) + reg(w)
        opt = tf.train.GradientDescentOptimizer(0.1)
        grads = tf.gradients(loss, [w])
        train = opt.apply_gradients(zip(grads, [w]))
        group = tf.group(*map(tf.identity, [loss]))
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    program = trace.program
    assert calls(program, "tf.contrib.slim.add_arg_scope") == [
        {"args": [{"ref": "block"}], "as": "add_arg_scope"}]
    assert calls(program, "tf.contrib.slim.arg_scope")[0]["args"] == [[{"ref": "add_arg_scope"}]]
    # block() runs as the script's code where it is called (TF calls it right away)
    assert [c["fn"] for c in calls(program, "invoke")] == [{"ref": "reg"}]
    (fc,) = calls(program, "tf.contrib.slim.fully_connected")
    # (`x_`: block's parameter `x` is a label of its `def`)
    assert fc == {"args": [{"ref": "x_"}, 4], "scope": "b1", "as": "fully_connected"}
    assert calls(program, "opt.apply_gradients")[0]["args"] == [
        [{"tuple": [{"ref": "grads[0]"}, {"ref": "w"}]}]]
    assert "b1/weights:0" in trace.graph["global_variables"]


def test_a_script_building_in_its_own_graph(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf
        with tf.Graph().as_default():
            v = tf.get_variable("v", [1])
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    # the graph's `with` is left out, its body kept; a graph used as an object stays
    assert [k for k, _ in steps(trace.program)] == ["tf.get_variable",
                                                    "tf.global_variables_initializer"]
    assert trace.graph["global_variables"] == ["v:0"]
    two = script(tmp_path, """
        import tensorflow as tf
        v = tf.get_variable("v", [1])
        tf.reset_default_graph()
        w = tf.get_variable("w", [1])
        """, name="two.py")
    problems = run_tracer(two, tf115).problems
    assert [(p["line"], p["message"].split(":")[0]) for p in problems] == [
        (3, "tf.reset_default_graph after the script built in its graph")]


def test_names_a_getter_computes_from_its_parameter_are_expressions(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf


        def rename(getter, name, *args, **kwargs):
            return getter("%s_x" % name + "_y", *args, **kwargs)


        with tf.variable_scope("s", custom_getter=rename):
            a = tf.get_variable("a", [1])
            b = tf.get_variable("b", [1])
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.suspects == []
    (rename,) = [item for item in trace.program if "def" in item]
    assert rename["do"][0]["invoke"]["args"] == [
        {"op": "+", "args": [{"op": "%", "args": ["%s_x", {"ref": "name"}]}, "_y"]}]
    assert trace.graph["global_variables"] == ["s/a_x_y:0", "s/b_x_y:0"]


def test_helpers_a_branching_function_calls_are_inlined_from_their_source(tf115, tmp_path):
    # a template's function (training=True, then False) calling a helper of the script twice
    path = script(tmp_path, """
        import tensorflow as tf

        NUM_UNITS = 8


        def dense(x, units, name, activation=None):
            w = tf.get_variable(name + "_w", [int(x.shape[-1]), units])
            y = tf.matmul(x, w)
            if activation is not None:
                y = activation(y)
            return y


        def model(x, training=True):
            h = dense(x, NUM_UNITS, "fc1", activation=tf.nn.relu)
            if training:
                h = tf.nn.dropout(h, 0.5)
            return tf.nn.softmax(dense(h, 2, "fc2"))


        x = tf.placeholder(tf.float32, [None, 4])
        net = tf.make_template("net", model)
        train_out = net(x)
        eval_out = net(x, training=False)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.suspects == []
    model = next(s for s in trace.program if "def" in s)
    keys = [next(iter(s)) for s in model["do"]]
    assert keys.count("tf.get_variable") == 2 and keys.count("if") == 2  # relu's, training's
    traced_case("traced.model", tmp_path / "model.yaml", trace, "schema.json", tf115)


def test_a_later_call_with_other_python_values_is_named(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf


        def rename(getter, name, *args, **kwargs):
            return getter(name.upper(), *args, **kwargs)


        with tf.variable_scope("s", custom_getter=rename):
            a = tf.get_variable("a", [1])
            b = tf.get_variable("b", [1])
        """)
    trace = run_tracer(path, tf115)  # its source says what every call does
    assert trace.problems == [] and trace.suspects == []
    rename = next(s for s in trace.program if "def" in s)
    assert rename["do"][0]["return"]["value"]["args"][0] == {"call": "name.upper"}
    traced_case("traced.rename", tmp_path / "rename.yaml", trace, "schema.json", tf115)
    path = script(tmp_path, """
        import tensorflow as tf

        rename = lambda getter, name, *args, **kwargs: getter(name.upper(), *args, **kwargs)
        with tf.variable_scope("s", custom_getter=rename):
            a = tf.get_variable("a", [1])
            b = tf.get_variable("b", [1])
        """, "lambda.py")
    trace = run_tracer(path, tf115)  # a lambda's source is no `def`: named
    assert trace.problems == []
    assert [(s["line"], s["message"].split(" and ")[0]) for s in trace.suspects] == [
        (3, "TF calls <lambda> again")]
    assert "its source is not one `def` statement (a lambda?)" in trace.suspects[0]["message"]


def test_an_error_raised_through_a_def_is_caught_where_the_script_catches_it(tf115, tmp_path):
    # The template's get_variable raises; the script catches the template call. The inner step
    # must not catch too (the case would go on inside the def where the script did not).
    path = script(tmp_path, """
        import tensorflow as tf


        def body():
            w = tf.get_variable("w", [1])
            return tf.identity(w, name="out")


        t = tf.make_template("t", body)
        with tf.variable_scope("s", reuse=True):
            try:
                y = t()
            except ValueError:
                pass
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    (body,) = [item for item in trace.program if "def" in item]
    assert "catch" not in body["do"][0]["tf.get_variable"]
    assert calls(trace.program, "invoke")[0]["catch"] == "error"


def test_internal_modules_a_case_may_import_become_its_imports(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf
        from tensorflow.python.ops import state_ops, variables as variables_lib
        from tensorflow.python.training import saver


        v = variables_lib.Variable([1.0], name="v")
        a = state_ops.assign(v, [2.0])
        saves = saver.Saver([v])
        latest = saver._get_saver_or_default
        """)
    trace = run_tracer(path, tf115)
    assert trace.imports == {"state_ops": "tensorflow.python.ops.state_ops",
                             "variables_lib": "tensorflow.python.ops.variables"}
    assert calls(trace.program, "variables_lib.Variable") == [
        {"args": [[1.0]], "name": "v", "as": "v"}]
    assert calls(trace.program, "state_ops.assign") == [
        {"args": [{"ref": "v"}, [2.0]], "as": "a"}]
    # any other internal module: what the script takes from it is its API name (saver.Saver is
    # tf.train.Saver), or refused where it is taken when the API has no such thing
    assert calls(trace.program, "tf.train.Saver") == [{"args": [[{"ref": "v"}]], "as": "saves"}]
    assert [(p["line"], p["message"].split(",")[0]) for p in trace.problems] == [
        (9, "tensorflow.python.training.saver._get_saver_or_default is TensorFlow's internals")]


def test_what_a_def_returns_that_cannot_be_data_is_named_at_the_function(tf115, tmp_path):
    # a cond branch returning a summary (run unrecorded): the problem's place is the script's
    # function, never the harness's own file
    path = script(tmp_path, """
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [])


        def branch():
            return tf.summary.scalar("loss", x)


        y = tf.cond(x > 0, branch, branch)
        """)
    trace = run_tracer(path, tf115)
    assert [(p["file"], p["line"]) for p in trace.problems] == [("model.py", 6)]
    assert "a Tensor that no recorded TF call returned" in trace.problems[0]["message"]


def test_a_large_numpy_array_is_written_as_zeros_of_its_shape(tf115, tmp_path, capsys):
    # A Transformer's sinusoidal table (50 x 64): its values change no name
    path = script(tmp_path, """
        import numpy as np
        import tensorflow as tf

        table = np.array([[pos / np.power(10000, 2.0 * i / 64) for i in range(64)]
                          for pos in range(50)])
        table[:, 0::2] = np.sin(table[:, 0::2])
        pe = tf.convert_to_tensor(table, dtype=tf.float32)
        x = tf.nn.embedding_lookup(pe, tf.range(10), name="pe")
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    (convert,) = calls(trace.program, "tf.convert_to_tensor")
    zeros = {"op": "*", "args": [[{"op": "*", "args": [[0.0], 64]}], 50]}
    float64 = {"dtype": {"tf": "float64"}}  # numpy's: the array stays one
    assert convert["args"] == [{"call": {"tf": "make_ndarray"}, "args": [
        {"call": {"tf": "make_tensor_proto"}, "args": [zeros], "kwargs": float64}]}]
    assert any("written as zeros of its shape" in n for n in trace.notes)
    assert main(["new", "traced.big", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_numpy_arrays_of_dtypes_tf_does_not_infer_from_lists_stay_arrays(tf115, tmp_path,
                                                                         capsys):
    # A list of numpy's default int64 or float64 items is int32 or float32 to TF: such arrays
    # are written as tf.make_ndarray(tf.make_tensor_proto(VALUES, dtype)); float32, int32 and
    # bool arrays are what TF makes of their lists, and stay lists.
    path = script(tmp_path, """
        import numpy as np
        import tensorflow as tf

        w = tf.get_variable("w", initializer=np.array([1, 2, 3]), dtype=tf.int64)
        b = tf.Variable(np.zeros([2, 3]), name="b")
        f = tf.Variable(np.ones([2], np.float32), name="f")
        big = tf.Variable(np.zeros([40, 30]), name="big")
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []

    def array(values, dtype):
        return {"call": {"tf": "make_ndarray"}, "args": [{
            "call": {"tf": "make_tensor_proto"}, "args": [values],
            "kwargs": {"dtype": {"tf": dtype}}}]}
    (w,) = calls(trace.program, "tf.get_variable")
    assert w["initializer"] == array([1, 2, 3], "int64")
    b, f, big = calls(trace.program, "tf.Variable")
    assert b["args"] == [array([[0.0] * 3] * 2, "float64")]
    assert f["args"] == [[1.0, 1.0]]
    assert big["args"] == [array({"op": "*", "args": [[{"op": "*", "args": [[0.0], 30]}], 40]},
                                 "float64")]
    out = tmp_path / "out"
    assert main(["new", "traced.dtypes", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(out)]) == 0, capsys.readouterr().err
    (case,), errors = caselib.load_file(out / "dtypes.yaml")
    assert not errors
    facts = run_cases([case], [tf115]).results[0].outcome.facts
    assert [facts[f"{label}.dtype"] for label in ("w", "b", "f", "big")] == [
        "int64", "float64", "float32", "float64"]


def test_a_capture_is_never_named_like_a_builtin_the_export_calls(tf115, tmp_path, capsys):
    # DCGAN's lrelu, `f1 * x + f2 * abs(x)`: a label `abs` made the export's `abs = abs(conv)`
    # an UnboundLocalError (every `abs` of program() a local)
    path = script(tmp_path, """
        import tensorflow as tf


        def lrelu(x, leak=0.2):
            return 0.5 * (1 + leak) * x + 0.5 * (1 - leak) * abs(x)

        h = lrelu(tf.constant([-1.0, 2.0], name="conv"))
        g = lrelu(h)
        """)
    trace = run_tracer(path, tf115)
    labels = [args["as"] for key, args in steps(trace.program) if isinstance(args, dict)]
    assert "abs_" in labels and "abs" not in labels
    out = tmp_path / "out"
    assert main(["new", "traced.lrelu", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(out)]) == 0, capsys.readouterr().err
    (case,), errors = caselib.load_file(out / "lrelu.yaml")
    assert not errors
    exported = tmp_path / "lrelu.py"
    exported.write_text(export_script(case), encoding="utf-8")
    done = subprocess.run([tf115.python, "-I", str(exported), "--json"], capture_output=True,
                          text=True, timeout=300, check=True)
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    assert printed["error"] is None and "Abs_1" in printed["facts"]["graph.ops"]


def test_a_method_of_the_scripts_object_tf_calls_is_a_def(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf


        class Policy(object):
            def __init__(self, units):
                self.units = units
                self.net = tf.make_template("policy", self._build)

            def _build(self, x):
                return tf.layers.dense(x, self.units, name="fc")


        p = Policy(4)
        x = tf.placeholder(tf.float32, [None, 3])
        a, b = p.net(x), p.net(x * 2.0)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    (build,) = [item for item in trace.program if "def" in item]
    assert build["def"] == {"name": "_build", "params": ["x"], "as": "_build"}
    assert build["do"][0]["tf.layers.dense"]["args"] == [{"ref": "x"}, 4]
    assert trace.graph["trainable_variables"] == ["policy/fc/kernel:0", "policy/fc/bias:0"]


def test_a_partial_of_a_scripts_function_tf_calls_is_a_def(tf115, tmp_path):
    path = script(tmp_path, """
        import functools

        import tensorflow as tf


        def mlp(x, units, activation=None):
            return tf.layers.dense(x, units, activation=activation, name="fc")


        net = tf.make_template("net", functools.partial(mlp, units=5, activation=tf.nn.relu))
        x = tf.placeholder(tf.float32, [None, 3])
        y = net(x)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    (fn,) = [item for item in trace.program if "def" in item]
    assert fn["def"]["name"] == "mlp"
    # the bound arguments are the def's defaults (keyword-only in the partial's signature)
    assert fn["def"]["params"] == ["x", {"name": "units", "default": 5},
                                   {"name": "activation", "default": {"tf": "nn.relu"}}]
    assert fn["do"][0]["tf.layers.dense"] == {"args": [{"ref": "x"}, 5], "as": "dense",
                                              "activation": {"tf": "nn.relu"}, "name": "fc"}
    assert trace.graph["trainable_variables"] == ["net/fc/kernel:0", "net/fc/bias:0"]


def test_the_parts_of_a_partitioned_variable_are_listed_by_a_step(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf

        p_v = tf.get_variable("var", shape=[4, 2], partitioner=tf.fixed_size_partitioner(2))
        for i, v in enumerate(p_v):
            tf.identity(v, name="part_%d" % i)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    assert calls(trace.program, "py.list") == [{"args": [{"ref": "p_v"}], "as": "parts"}]
    assert [c["args"] for c in calls(trace.program, "tf.identity")] == [
        [{"ref": "parts[0]"}], [{"ref": "parts[1]"}]]


def test_a_partial_of_an_api_function_is_a_def_that_calls_it(tf115, tmp_path):
    path = script(tmp_path, """
        import functools

        import tensorflow as tf

        lrelu = functools.partial(tf.nn.leaky_relu, alpha=0.2)
        x = tf.placeholder(tf.float32, [None, 3])
        h = tf.layers.dense(x, 4, activation=lrelu, name="h")
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    (fn,) = [item for item in trace.program if "def" in item]
    assert fn["def"] == {"name": "leaky_relu", "params": ["*args", "**kwargs"],
                         "as": "leaky_relu"}
    assert fn["do"][0] == {"invoke": {"fn": {"tf": "nn.leaky_relu"},
                                      "args": [{"*": {"ref": "args"}}],
                                      "kwargs": {"alpha": 0.2, "**": {"ref": "kwargs"}},
                                      "as": "result"}}
    assert calls(trace.program, "tf.layers.dense")[0]["activation"] == {"ref": "leaky_relu"}


def test_a_string_a_getter_formats_from_its_parameter_is_an_expression(tf115, tmp_path):
    path = script(tmp_path, """
        import tensorflow as tf


        def parts(getter, name, *args, **kwargs):
            a = getter("{}/part_{}".format(name, 0), *args, **kwargs)
            b = getter(f"{name}/part_1", *args, **kwargs)
            return a + b


        with tf.variable_scope("s", custom_getter=parts):
            v = tf.get_variable("v", [1])
            w = tf.get_variable("w", [1])
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.suspects == []
    (fn,) = [item for item in trace.program if "def" in item]
    assert fn["do"][0]["invoke"]["args"] == [{"op": "+", "args": [{"ref": "name"}, "/part_0"]}]
    assert trace.graph["global_variables"] == ["s/v/part_0:0", "s/v/part_1:0", "s/w/part_0:0",
                                               "s/w/part_1:0"]


def test_instances_made_with_other_arguments_share_their_methods(tf115, tmp_path):
    """Two cells (and two layers) of one class with other sizes: __init__ sets its parameters,
    and the methods reading them (other values on the second instance) are written from their
    source, super() as `{super: NAME}` and type(self).__name__ as the class's name; the old
    spelling Base.__init__(self) is super().__init__ too."""
    path = script(tmp_path, """
        import tensorflow as tf


        class Cell(tf.nn.rnn_cell.RNNCell):
            def __init__(self, num_units, reuse=None):
                tf.nn.rnn_cell.RNNCell.__init__(self, _reuse=reuse)
                self._num_units = num_units

            @property
            def state_size(self):
                return self._num_units

            @property
            def output_size(self):
                return self._num_units

            def __call__(self, inputs, state, scope=None):
                with tf.variable_scope(scope or type(self).__name__):
                    w = tf.get_variable("w", [inputs.get_shape()[-1], self._num_units])
                    out = tf.tanh(tf.matmul(inputs, w) + state)
                return out, out


        class Scale(tf.keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super(Scale, self).__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                self.kernel = self.add_weight("kernel", shape=[int(input_shape[-1]), self.units])
                super(Scale, self).build(input_shape)

            def call(self, inputs):
                return tf.matmul(inputs, self.kernel)


        x = tf.placeholder(tf.float32, [None, 5, 3])
        a, _ = tf.nn.dynamic_rnn(Cell(8), x, dtype=tf.float32, scope="a")
        b, _ = tf.nn.dynamic_rnn(Cell(4), x, dtype=tf.float32, scope="b")
        h = Scale(2, name="second")(Scale(4, name="first")(a[:, -1]))
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.suspects == []
    cell, scale = [{m["def"]["name"]: m["do"] for m in item["do"]}
                   for item in trace.program if "class" in item]
    assert cell["__init__"][:2] == [
        {"invoke": {"fn": {"super": "__init__"}, "kwargs": {"_reuse": {"ref": "reuse"}}}},
        {"set": {"target": "self._num_units", "value": {"ref": "num_units"}}}]
    assert cell["state_size"] == [{"return": {"value": {"ref": "self._num_units"}}}]
    assert {"let": {"value": "Cell", "as": "value"}} in cell["__call__"][1]["do"]
    assert {"invoke": {"fn": {"super": "build"}, "args": [{"ref": "input_shape"}]}} in \
        scale["build"]


def test_a_config_object_of_a_script_class_is_read_as_values(tf115, tmp_path):
    """`Layer(config)`, config a plain Python object: what __init__ reads of it is recorded as
    values, `self.config = config` stores None, and the argument is passed as None."""
    path = script(tmp_path, """
        import tensorflow as tf


        class Config(object):
            hidden = 16


        class FeedForward(tf.keras.layers.Layer):
            def __init__(self, config, name=None):
                super(FeedForward, self).__init__(name=name)
                self.config = config
                self.extra = Config()
                self.inner = tf.keras.layers.Dense(config.hidden * 4, name="inner")

            def call(self, x):
                return self.inner(x)


        x = tf.placeholder(tf.float32, [None, 16])
        y = FeedForward(Config(), name="ffn")(x)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    init = trace.program[0]["do"][0]["do"]
    assert {"set": {"target": "self.config", "value": {"ref": "config"}}} in init
    assert not [s for s in init if "set" in s and s["set"]["target"] == "self.extra"]
    assert {"tf.keras.layers.Dense": {"args": [64], "name": "inner", "as": "inner"}} in init
    assert trace.program[2]["invoke"]["args"] == [None]


def test_graphs_entered_by_sessions_and_runs_of_ops(tf115, tmp_path, capsys):
    # After anishathalye/neural-style (features computed in a graph of their own, then the
    # graph it trains in) and vanhuyz/CycleGAN (the initializer made in `with
    # tf.Session(graph=graph)`, whose body has that graph as the default).
    path = script(tmp_path, """
        import numpy as np
        import tensorflow as tf

        g = tf.Graph()
        with g.as_default(), g.device("/cpu:0"), tf.Session() as sess:
            x = tf.placeholder(tf.float32, [2])
            feature = (x * 2.0).eval(feed_dict={x: np.ones(2)})
        graph = tf.Graph()
        with graph.as_default():
            v = tf.get_variable("v", [2], initializer=tf.constant_initializer(feature))
            y = v + 1.0
        with tf.Session(graph=graph) as sess:
            init = tf.global_variables_initializer()
            init.run()
            y.eval()
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    keys = [k for k, _ in steps(trace.program)]
    assert not [k for k in keys if k.endswith((".run", ".eval"))]  # the session runs them
    # the first graph keeps its `with` (labelled after its own item, not the session's); the
    # last is the script's graph, its two `with` blocks (the session's too) left out
    assert keys[:3] == ["tf.Graph", "g.as_default", "g.device"]
    assert keys[-3:] == ["tf.get_variable", "let", "tf.global_variables_initializer"]
    assert trace.graph["global_variables"] == ["v:0"] and "init" in trace.graph["ops"]
    assert main(["new", "traced.graphs", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_a_layers_call_the_script_calls_itself_is_a_step(tf115, tmp_path, capsys):
    # After brade31919/SRGAN-tensorflow's ops.lrelu; the cells' `call`, which TF calls with
    # the arguments its signature shows, keeps working under dynamic_rnn.
    path = script(tmp_path, """
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [2, 3, 4])
        y = tf.keras.layers.LeakyReLU(alpha=0.2).call(x)
        cell = tf.nn.rnn_cell.LSTMCell(5)
        outputs, state = tf.nn.dynamic_rnn(cell, y, dtype=tf.float32)
        z = tf.layers.Dense(2)(outputs)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.error is None
    assert [k for k, _ in steps(trace.program)][:3] == ["tf.placeholder",
                                                        "tf.keras.layers.LeakyReLU",
                                                        "leaky_re_lu.call"]
    assert main(["new", "traced.call", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_internal_imports_types_and_sets_as_real_code_uses_them(tf115, tmp_path, capsys):
    # After cbfinn/maml (flags and contrib layers imported from their implementation modules)
    # and openai/baselines' tf_util (`type(t) is tf.Tensor`, a set of variables to initialize).
    path = script(tmp_path, """
        import tensorflow as tf
        from tensorflow.contrib.layers.python import layers as tf_layers
        from tensorflow.python.layers.core import Dense
        from tensorflow.python.ops import nn
        from tensorflow.python.platform import flags
        from tensorflow.python.util import nest

        flags.DEFINE_string("norm", "batch_norm", "")
        FLAGS = flags.FLAGS
        x = tf.placeholder(tf.float32, [2, 3], name="x")
        assert type(x) is tf.Tensor and isinstance(x.op, tf.Operation)
        h = tf_layers.batch_norm(x, activation_fn=tf.nn.relu, scope="0")
        y = Dense(4, name="out")(nn.relu(h))
        z = nest.map_structure(lambda t: t * 2.0, (x, y))
        done = set()
        init = tf.variables_initializer(set(tf.global_variables()) - done)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.error is None
    keys = [k for k, _ in steps(trace.program)]
    # nn and nest are also tf.contrib modules' (their internals): their functions are the
    # API's own, tf.nn.relu and tf.nest.map_structure
    assert keys == ["tf.placeholder", "tf.contrib.layers.batch_norm", "tf.layers.Dense",
                    "tf.nn.relu", "invoke", "def", "let", "return", "tf.nest.map_structure",
                    "tf.global_variables", "tf.variables_initializer"]
    assert any("tf.layers.Dense" in n and "internals" in n for n in trace.notes)
    assert main(["new", "traced.internal", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_methods_of_objects_nested_in_a_result_are_steps(tf115, tmp_path, capsys):
    # After keithito/tacotron: final_state[0].alignment_history.stack(), a TensorArray that
    # TF made, inside the state that dynamic_decode returns.
    path = script(tmp_path, """
        import tensorflow as tf

        memory = tf.placeholder(tf.float32, [2, 5, 4])
        inputs = tf.placeholder(tf.float32, [2, 3, 4])
        cell = tf.contrib.seq2seq.AttentionWrapper(
            tf.nn.rnn_cell.GRUCell(4), tf.contrib.seq2seq.BahdanauAttention(4, memory),
            alignment_history=True)
        outputs, state = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
        alignments = tf.transpose(state.alignment_history.stack(), [1, 2, 0])
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.error is None
    assert main(["new", "traced.nested", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_a_namedtuple_of_an_api_class_no_step_made_is_a_call_of_that_class(tf115, tmp_path,
                                                                              capsys):
    # A wrapper's sizes read off a TF object (cell.state_size is a new LSTMStateTuple at each
    # read): passed to TF, it is written as LSTMStateTuple(c=..., h=...), not refused
    path = script(tmp_path, """
        import tensorflow as tf

        cell = tf.nn.rnn_cell.LSTMCell(4, name="lstm")
        flat = tf.nest.flatten(cell.state_size)
        z = tf.zeros([2, sum(flat)], name="z")
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    (flatten,) = calls(trace.program, "tf.nest.flatten")
    (sizes,) = flatten["args"]
    assert sizes["call"]["tf"].endswith(".LSTMStateTuple")
    assert sizes["kwargs"] == {"c": 4, "h": 4}
    assert main(["new", "traced.sizes", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_numpy_arrays_given_to_a_keras_models_fit_stay_arrays(tf115, tmp_path, capsys):
    # Keras reads a list as one array per model input: x_train written as a list made fit fail
    # in the case before it built its optimizer's variables (training/Adadelta/...). Traced in
    # its own process, as `tfscope new` does (Keras keeps a session across a batch's scripts).
    path = SCRIPTS / "keras_mnist_fit.py"
    trace = run_tracer(path, tf115)
    assert trace.problems == []
    (fit,) = calls(trace.program, "model.fit")
    assert fit["args"][0]["call"] == {"tf": "make_ndarray"}
    assert fit["args"][0]["args"][0]["kwargs"] == {"dtype": {"tf": "float32"}}
    assert main(["new", "traced.keras-fit", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path)]) == 0, capsys.readouterr().err


def test_add_weight_the_script_calls_on_a_tf_layer_is_a_step(tf115, tmp_path, capsys):
    # After TF's base_test (testReusePartitionedVariablesAndRegularizers): add_variable and
    # add_weight called by the script on a layer TF made are its steps (TF's own calls of them,
    # from Dense.build, stay TF's); the regularizer TF calls from them is a `def`, its argument
    # (each part of the partitioned variable) the def's parameter.
    path = script(tmp_path, """
        import tensorflow as tf

        regularizer = lambda x: tf.reduce_sum(x) * 1e-3
        for reuse in [False, True]:
            with tf.variable_scope(tf.get_variable_scope(), reuse=reuse,
                                   partitioner=tf.fixed_size_partitioner(3)):
                layer = tf.layers.Layer(name="my_layer")
                _ = layer.add_variable("reg_part_var", [4, 4],
                                       initializer=tf.zeros_initializer(),
                                       regularizer=regularizer)
        dense = tf.layers.Dense(2, name="fc")
        scale = dense.add_weight("scale", [2], regularizer=regularizer)
        y = dense(tf.zeros([1, 3]))
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.error is None
    keys = [k for k, _ in steps(trace.program)]
    assert keys.count("layer.add_variable") == 1 and keys.count("layer_1.add_variable") == 1
    assert keys.count("dense.add_weight") == 1 and "dense.build" not in keys
    (made,) = calls(trace.program, "layer.add_variable")
    (fn,) = [args for k, args in steps(trace.program) if k == "def"]
    assert made["regularizer"] == {"ref": fn["as"]} and fn["params"] == ["x"]
    assert len(trace.graph["global_variables"]) == 6
    assert main(["new", "traced.add-weight", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_a_function_tf_calls_that_calls_itself_is_written_from_its_source(tf2, tmp_path):
    # TF's partitioned_variables_test _IotaInitializer: TF calls it once per part, each with its
    # part's shape, and it recurses by its own name. Its source is the body (the name is the
    # def's own label); a body repeating the first part's value fails on TF 2, which checks
    # every part's initial value against the part's shape.
    path = script(tmp_path, """
        import tensorflow as tf


        def iota(shape, dtype=tf.float32, partition_info=None):
            if len(shape) == 1:
                return list(range(shape[0]))
            inner = iota(shape[1:], dtype)
            return [[(10 ** i) * v for v in inner] for i in range(shape[0])]


        vs = tf.create_partitioned_variables([13, 5], [3, 1], iota)
        """)
    trace = run_tracer(path, tf2)
    assert trace.problems == [] and trace.suspects == []
    iota = next(s for s in trace.program if "def" in s)
    assert {"fn": {"ref": "iota"}, "as": "inner"} == {
        k: v for k, v in calls(iota["do"], "invoke")[0].items() if k in ("fn", "as")}
    traced_case("traced.iota", tmp_path / "iota.yaml", trace, "schema.json", tf2)


def test_iterating_a_tf_object_that_refuses_is_a_step_that_raises(tf115, tf2, tmp_path):
    # TF's variables_test testIterable: a `for` over a graph variable raises TypeError; TF 2
    # reads the variable first (an op `read`), so the loop is a step of the case wherever TF
    # raises, caught where the script catches it.
    path = script(tmp_path, """
        import tensorflow as tf

        v = tf.Variable([0.0, 1.0])
        try:
            for _ in v:
                pass
        except TypeError:
            pass
        """)
    for runtime in (tf115, tf2):
        trace = run_tracer(path, runtime)
        assert trace.problems == [] and trace.error is None
        assert calls(trace.program, "py.iter") == [{"args": [{"ref": "v"}], "catch": "error"}]
        traced_case("traced.iterable", tmp_path / "iterable.yaml", trace, "schema.json", runtime)


# --- the script's processes and output (red team 2) ---------------------------------------------

def _alive(marker: str) -> list[int]:
    """Processes whose command line holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_what_a_traced_script_starts_ends_with_it(tf115, tmp_path):
    """A child the script leaves running is killed when the trace ends, and one that holds the
    tracer's stderr open no longer makes the trace wait for the time limit (it took the full
    300 s and reported the script as too slow)."""
    path = tmp_path / "spawns.py"
    path.write_text(textwrap.dedent("""
        import subprocess
        import tensorflow as tf
        v = tf.get_variable("v", [1])
        subprocess.Popen(["sleep", "307.5"])  # inherits stderr
        subprocess.Popen(["sleep", "307.25"], stderr=subprocess.DEVNULL)
    """))
    import time
    started = time.monotonic()
    trace = run_tracer(path, tf115, timeout=60)
    assert time.monotonic() - started < 50
    assert trace.graph["global_variables"] == ["v:0"]
    time.sleep(0.5)
    assert _alive("307.5") == [] and _alive("307.25") == []


def test_a_tfscope_killed_while_tracing_leaves_no_tracer_and_no_child(tf115, tmp_path):
    """SIGKILL (or SIGTERM, which ends tfscope at once) while the script runs: the tracer and
    what the script started end within seconds (they ran on, the script sleeping for ever)."""
    import os
    import signal
    import sys
    import time
    path = tmp_path / "sleeps.py"
    path.write_text(textwrap.dedent("""
        import subprocess, time
        import tensorflow as tf
        subprocess.Popen(["sleep", "308.5"])
        time.sleep(308.25)
    """))
    proc = subprocess.Popen([sys.executable, "-m", "harness", "new", "red.sleeps", "--trace",
                             str(path), "--dir", str(tmp_path), "--runtime", "tf1.15"],
                            cwd=Path(__file__).resolve().parent.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _alive("308.5") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _alive("308.5"), "the script did not start"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while (_alive("308.5") or _alive(str(path))) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _alive("308.5") == [] and _alive(str(path)) == []
    finally:
        for pid in _alive("308.5") + _alive(str(path)):
            os.kill(pid, signal.SIGKILL)


def test_a_flood_on_the_tracers_stderr_costs_no_memory(tf115, tmp_path):
    """300 MB written to stderr by a script that then fails: the harness reads the end of it
    back for the reason (it held all of it, twice: 1.25 GB for 400 MB)."""
    import sys
    path = tmp_path / "floods.py"
    path.write_text(textwrap.dedent("""
        import os
        chunk = ("x" * 1023 + "\\n").encode() * 1024
        for _ in range(300):
            os.write(2, chunk)
        os.write(2, b"the last words\\n")
        os._exit(5)
    """))
    code = textwrap.dedent(f"""
        from harness.runtimes import resolve
        from harness.trace import run_tracer
        from harness.errors import UserError
        try:
            run_tracer({str(path)!r}, resolve("tf1.15"))
        except UserError as e:
            print(e)
        # VmHWM: this process's own peak (ru_maxrss keeps the peak of the process image an
        # exec replaced: a forked pytest-xdist worker's 343 MB)
        status = open("/proc/self/status").read().split("VmHWM:")[1]
        print(int(status.split()[0]) // 1024)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=300)
    said, peak_mib = done.stdout.strip().splitlines()
    assert "the tracer failed on tf1.15 (exit 5): the last words" in said, done.stderr
    assert int(peak_mib) < 200, peak_mib  # the harness's own peak (MiB)


@pytest.mark.parametrize("ending", ["os._exit(0)", 'os.execv("/bin/true", ["true"])'])
def test_a_script_that_ends_the_process_itself_is_told_so(tf115, tmp_path, ending):
    """os._exit(0) or an exec leave the tracer nothing to write: that is said, not TF's last
    deprecation warning on stderr as the reason of a failed tracer (exit 0)."""
    from harness.errors import UserError
    path = tmp_path / "ends.py"
    path.write_text(f"import os\nimport tensorflow as tf\nv = tf.get_variable('v', [1])\n"
                    f"{ending}\n")
    with pytest.raises(UserError) as failed:
        run_tracer(path, tf115)
    assert str(failed.value) == (
        f"{path}: the script ended the process on tf1.15 before the tracer could write what it "
        "recorded (os._exit, or an os.exec* of another program) (let the script return, or "
        "raise SystemExit)")


def test_tensor_shapes_in_a_structure_stay_tensor_shapes(tf115, tmp_path, capsys):
    # After openai/gpt-2's sample.sample_sequence: while_loop's shape_invariants are a list of
    # tf.TensorShape; written as lists, tf.nest read them as structures of their own (the case
    # stopped at "The two structures don't have the same nested structure").
    path = script(tmp_path, """
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [2, None])
        i = tf.constant(0)

        def body(i, x):
            return i + 1, tf.concat([x, x[:, :1]], axis=1)

        _, y = tf.while_loop(lambda i, x: i < 3, body, [i, x],
                             shape_invariants=[tf.TensorShape([]), tf.TensorShape([2, None])])
        j, z = tf.while_loop(lambda j, z: j < 2, body, (i, x),
                             shape_invariants=(tf.TensorShape([]), tf.TensorShape([2, None])))
        k = tf.data.Dataset.from_generator(lambda: iter([[1.0, 2.0]]), tf.float32,
                                           output_shapes=tf.TensorShape([2]))
        w = tf.placeholder(tf.float32, x.shape)  # a shape on its own stays a list
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.error is None
    shape = {"call": {"tf": "TensorShape"}, "args": [[2, None]]}
    scalar = {"call": {"tf": "TensorShape"}, "args": [[]]}
    invariants = [keyword(args, "shape_invariants") for args in calls(trace.program,
                                                                       "tf.while_loop")]
    assert invariants == [[scalar, shape], {"tuple": [scalar, shape]}]
    assert positional(calls(trace.program, "tf.placeholder")[-1])[1] == [2, None]
    assert main(["new", "traced.invariants", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_a_variables_in_place_operator_and_the_parts_of_sparse_gradients(tf115, tmp_path,
                                                                         capsys):
    # After allenai/bilm-tf's training.train(): `train_perplexity += loss` on a tf.Variable
    # (TF 1.x's Variable.__iadd__ returns `v + loss` from TF's own frame) and
    # average_gradients' `g.indices`, `g.values`, `g0.dense_shape` of an IndexedSlices gradient
    # were "a Tensor that no recorded TF call returned".
    path = script(tmp_path, """
        import tensorflow as tf

        ids = tf.placeholder(tf.int32, [3])
        emb = tf.get_variable("emb", [5, 2])
        loss = tf.reduce_sum(tf.nn.embedding_lookup(emb, ids))
        perplexity = tf.get_variable("perplexity", [], trainable=False)
        for k in range(2):
            perplexity += loss
        perplexity = tf.exp(perplexity / 2)
        grads = tf.train.AdagradOptimizer(0.1).compute_gradients(loss)
        g0, v0 = grads[0]
        assert isinstance(g0, tf.IndexedSlices)
        indices = tf.concat([g0.indices, g0.indices], 0)
        values = tf.concat([g0.values, g0.values], 0) / 2
        grad = tf.IndexedSlices(values, indices, dense_shape=g0.dense_shape)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.error is None
    assert [args["value"]["op"] for args in calls(trace.program, "let")] == ["+", "+", "/", "/"]
    assert keyword(calls(trace.program, "tf.IndexedSlices")[0], "dense_shape") == {
        "ref": "grads[0][0].dense_shape"}
    assert main(["new", "traced.sparse", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_a_numpy_dtype_object_is_a_dtype(tf115, tmp_path, capsys):
    # After hill-a/stable-baselines' common/input.observation_input: a gym Box's dtype is
    # np.dtype("float32"), an object (not the class np.float32); writing it was "the tracer
    # cannot write this argument (AttributeError: 'numpy.dtype' object has no attribute 'item')".
    path = script(tmp_path, """
        import numpy as np
        import tensorflow as tf

        x = tf.placeholder(shape=(None, 4), dtype=np.dtype("float32"), name="Ob")
        y = tf.cast(x, np.dtype(np.int64))
        v = tf.get_variable("v", [4], dtype=np.zeros(2, dtype=np.float32).dtype)
        """)
    trace = run_tracer(path, tf115)
    assert trace.problems == [] and trace.error is None
    assert keyword(calls(trace.program, "tf.placeholder")[0], "dtype") == {"tf": "float32"}
    assert positional(calls(trace.program, "tf.cast")[0])[1] == {"tf": "int64"}
    assert main(["new", "traced.dtype", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err


def test_keys_of_a_case_the_worker_refuses_runs_none_of_it(tf115, tmp_path):
    """`keys CASE_ID` ran the case's exported program as plain Python: a case whose def
    parameter reached eval through contrib.slim's six wrote a file (the worker refuses it;
    keys did not ask the worker). It is refused first, even when the case catches the refusal;
    a sound case still gets its keys."""
    from harness.errors import UserError
    from harness.trace import keys_table
    out = tmp_path / "written"
    path = tmp_path / "rce.yaml"
    path.write_text(textwrap.dedent(f"""\
        - id: red.rce
          title: t
          source: {{doc: test, quote: q}}
          program:
            - tf.get_variable: {{args: [v, [1]], as: v}}
            - def: {{name: grab, params: [m]}}
              do:
                - return: {{value: {{ref: m.six.operator.attrgetter}}}}
            - invoke: {{fn: {{ref: grab}}, args: [{{tf: contrib.slim}}], as: ag, catch: caught}}
            - invoke: {{fn: {{ref: ag}}, args: [six.moves.builtins.eval], as: getter}}
            - invoke: {{fn: {{ref: getter}}, args: [{{tf: contrib.slim}}], as: ev}}
            - invoke: {{fn: {{ref: ev}}, args: ["open({str(out)!r}, 'w').write('rce')"]}}
          expect: {{}}
    """))
    (case,), errors = caselib.load([path])
    assert errors == []
    with pytest.raises(UserError) as refused:
        keys_table([tf115], None, case)
    assert str(refused.value).startswith(
        f"{case.location}: red.rce is refused on tf1.15: m.six is refused: not TensorFlow's API "
        "(module six) (keys runs a case as plain Python, outside the checks")
    assert not out.exists()
    sound = next(c for c in caselib.load([EXAMPLE])[0] if c.id == "article.example-loop")
    assert keys_table([tf115], None, sound)["trainable"]["same"]
