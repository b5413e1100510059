"""The static converter (`tfscope new --from-python`) beyond the curated subset: positional
arguments named by the API index, optimizers, helper functions inlined, loops unrolled, names
computed from known values, every problem of a file at once -- and, on real TF 1.15, a converted
snippet that builds exactly the variables the snippet builds."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from harness.frompython import Refused, convert
from harness.render import export_script

from .conftest import ROOT
from .test_author import as_case

DATA = ROOT / "tests" / "data"


def steps(program: list[dict]) -> list[tuple[str, dict]]:
    """(kind, arguments) of every step, bodies flattened in program order."""
    out = []
    for step in program:
        kind = next(k for k in step if k != "do")
        out.append((kind, step[kind]))
        out += steps(step.get("do", []))
    return out


def test_positional_arguments_are_named_by_the_api_signature():
    program = convert("x = tf.placeholder(tf.float32, [None, 128])\n"
                      "v = tf.get_variable('v', [128, 10], tf.float32)\n"
                      "s = tf.reduce_sum(v)\n", "s.py")
    assert steps(program) == [
        ("placeholder", {"dtype": "float32", "shape": [None, 128], "as": "x"}),
        ("get_variable", {"name": "v", "shape": [128, 10], "dtype": "float32", "as": "v"}),
        ("reduce_sum", {"input": {"ref": "v"}, "as": "s"})]
    as_case(program)


def test_optimizers_and_minimize():
    program = convert("w = tf.get_variable('w', [1])\nloss = tf.reduce_sum(w)\n"
                      "opt = tf.train.AdamOptimizer(0.001)\n"
                      "train = opt.minimize(loss, name='train')\n", "s.py")
    assert steps(program)[2:] == [
        ("optimizer", {"kind": "adam", "learning_rate": 0.001, "as": "opt"}),
        ("minimize", {"optimizer": "opt", "loss": {"ref": "loss"}, "name": "train",
                      "as": "train"})]
    as_case(program)


HELPERS = """\
import tensorflow as tf

LAYERS = 3
PREFIX = 'block'

def block(x, n, units=4):
    with tf.variable_scope('%s_%d' % (PREFIX, n)):
        w = tf.get_variable(f'w{n}', [units])
        y = tf.add(x, w, name='{}_out'.format(n))
    return y

h = tf.constant([1.0, 2.0, 3.0, 4.0])
for i in range(LAYERS):
    h = block(h, i)
with tf.variable_scope('top') as s:
    pass
with tf.name_scope(s.original_name_scope):
    pass
for name in ['a', 'b']:
    tf.get_variable(name + '_bias', shape=[1])
"""


def test_helpers_are_inlined_and_carrying_loops_unrolled_with_known_names():
    program = convert(HELPERS, "s.py")
    got = steps(program)
    assert [args.get("name") or args.get("name_or_scope") for _, args in got
            if "name" in args or "name_or_scope" in args][:9] == [
        "block_0", "w0", "0_out", "block_1", "w1", "1_out", "block_2", "w2", "2_out"]
    adds = [args for kind, args in got if kind == "add"]
    # each call's `x` is the previous call's result: rebinding gets a fresh label
    assert [a["x"] for a in adds] == [{"ref": "h"}, {"ref": "y"}, {"ref": "y_1"}]
    assert [a["as"] for a in adds] == ["y", "y_1", "y_2"]
    # a loop that carries no value is a `for` step over the same list
    assert got[-2:] == [("for", {"in": ["a", "b"], "as": "name"}), ("tf.get_variable", {
        "args": [{"op": "+", "args": [{"ref": "name"}, "_bias"]}], "kwargs": {"shape": [1]}})]
    as_case(program)


def test_every_problem_of_a_file_is_reported_at_once():
    source = textwrap.dedent("""\
        import tensorflow as tf
        x = tf.nn.relu(features)
        with tf.variable_scope('a'):
            v = tf.get_variable('v', shape=[1], synchronization=sync)
            w = tf.get_variable('w', shape=[1])
        for q in queue:
            pass
        """)
    with pytest.raises(Refused) as info:
        convert(source, "s.py")
    problems = [str(p) for p in info.value.problems]
    assert [p.split(":")[1] for p in problems] == ["2", "4", "6"], problems
    assert "tf.nn.relu" in problems[0] and "synchronization" in problems[1] and \
        "a loop over `queue`" in problems[2]
    assert all("\n" not in p and "(" in p for p in problems)  # one line, with a way out
    assert str(info.value) == problems[0] and problems[0].endswith("; and 2 more problems)")


SNIPPET = """\
import tensorflow as tf

def dense(x, units, name):
    with tf.variable_scope(name):
        return tf.layers.dense(x, units, name='layer')

x = tf.placeholder(tf.float32, [None, 8])
for i, units in enumerate([16, 4]):
    x = dense(x, units, 'fc%d' % i)
with tf.variable_scope('head'):
    b = tf.get_variable('bias', [4], initializer=tf.zeros_initializer())
loss = tf.reduce_sum(x)
opt = tf.train.MomentumOptimizer(0.1, 0.9)
train = opt.minimize(loss)
"""

PRINT = """
print("NAMES=" + __import__("json").dumps([v.name for v in tf.global_variables()]))
"""


def test_a_converted_snippet_builds_the_same_variables_on_tf115(tf115):
    program = convert(SNIPPET, "s.py")
    case = as_case(program)
    script = subprocess.run([tf115.python, "-c", export_script(case), "--json"],
                            capture_output=True, text=True, check=True).stdout
    facts = json.loads(script.splitlines()[-1])["facts"]
    original = subprocess.run([tf115.python, "-c", SNIPPET + PRINT], capture_output=True,
                              text=True, check=True).stdout
    names = json.loads(original.split("NAMES=")[1])
    assert "fc1/layer/kernel:0" in names and "fc0/layer/kernel/Momentum:0" in names
    assert facts["graph.global_variables"] == names


@pytest.mark.parametrize("expression", [
    "'a' * 9999 * 9999", "'%999999999d' % 1", "'{:>999999999}'.format(1)",
    "f'{1:>999999999}'", "2 ** 10 ** 9", "'ab' ** 2"])
def test_huge_values_stay_unknown_rather_than_computed(expression):
    # A name computed from known values is computed for real: a hostile snippet must not make
    # the converter build a gigabyte string. Left unknown, the expression stays an operator of
    # the generic language (computed by TF's Python when the case runs) or is refused.
    try:
        program = convert(f"c = tf.constant(1.0, name={expression})\n", "s.py")
    except Refused as e:
        assert str(e).startswith("s.py:1: cannot express "), e
    else:
        assert len(json.dumps(program)) < 12_000 and '"op"' in json.dumps(program), program


def test_nested_loops_are_for_steps_not_unrolled():
    source = ("def f(n):\n    for a in range(40):\n"
              "        tf.constant(1.0, name='c%d_%d' % (n, a))\n"
              "for b in range(40):\n    f(b)\n")
    program = convert(source, "s.py")
    assert program == [{"for": {"in": {"call": "py.range", "args": [40]}, "as": "b"}, "do": [
        {"for": {"in": {"call": "py.range", "args": [40]}, "as": "a"}, "do": [
            {"tf.constant": {"args": [1.0], "kwargs": {"name": {"op": "%", "args": [
                "c%d_%d", {"tuple": [{"ref": "b"}, {"ref": "a"}]}]}}}}]}]}]
    as_case(program)


def test_nested_unrolling_and_inlining_is_bounded():
    # loops that carry a value (`h = f(h)`) are unrolled: 40 x 40 is over the bound
    source = ("def f(h):\n    for a in range(40):\n"
              "        h = tf.add(h, 1.0, name='c%d' % a)\n    return h\n"
              "h = tf.constant(1.0)\nfor b in range(40):\n    h = f(h)\n")
    with pytest.raises(Refused) as info:
        convert(source, "s.py")
    assert "this much unrolling and inlining" in str(info.value)
    assert len(info.value.problems) == 1  # once, though every later call is over the bound


GENERIC = """\
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 4])
with tf.variable_scope('lin'):
    w = tf.get_variable('w', [4, 2])
    b = tf.get_variable('b', [2], initializer=tf.zeros_initializer())
logits = tf.matmul(x, w) + b
y = tf.nn.softmax(logits, name='probs')
ema = tf.train.ExponentialMovingAverage(0.99)
upd = ema.apply([w, b])
shadow = ema.average(w)
"""


def test_calls_without_a_curated_step_become_generic_steps():
    program = convert(GENERIC, "s.py")
    assert program[2] == {"let": {"value": {"op": "+", "args": [
        {"call": "tf.matmul", "args": [{"ref": "x"}, {"ref": "w"}]}, {"ref": "b"}]},
        "as": "logits"}}
    assert program[3] == {"tf.nn.softmax": {"args": [{"ref": "logits"}],
                                            "kwargs": {"name": "probs"}, "as": "y"}}
    assert program[5] == {"ema.apply": {"args": [[{"ref": "w"}, {"ref": "b"}]], "as": "upd"}}
    as_case(program)


def test_a_snippet_with_generic_steps_builds_the_same_graph_on_tf115(tf115):
    case = as_case(convert(GENERIC, "s.py"))
    script = subprocess.run([tf115.python, "-c", export_script(case), "--json"],
                            capture_output=True, text=True, check=True).stdout
    facts = json.loads(script.splitlines()[-1])["facts"]
    original = subprocess.run([tf115.python, "-c", GENERIC + PRINT], capture_output=True,
                              text=True, check=True).stdout
    names = json.loads(original.split("NAMES=")[1])
    assert "lin/w/ExponentialMovingAverage:0" in names
    assert facts["graph.global_variables"] == names
    assert facts["y.name"] == "probs:0" and facts["shadow.name"] == names[-2]


def test_reentering_a_captured_name_scope_an_if_on_a_constant_and_a_curated_call_beyond_its_step():
    program = convert(textwrap.dedent("""\
        DEBUG = False
        with tf.name_scope('a') as s:
            pass
        with tf.name_scope(s):
            c = tf.constant(1.0, name='{kind}_{n}'.format(kind='c', n=1))
        if DEBUG:
            tf.constant(0.0, name='debug')
        else:
            v = tf.get_variable('v', shape=[1], synchronization=tf.VariableSynchronization.AUTO)
        """), "s.py")
    assert program[1] == {"name_scope": {"name": {"ref": "s"}},
                          "do": [{"constant": {"value": 1.0, "name": "c_1", "as": "c"}}]}
    assert program[2] == {"tf.get_variable": {
        "args": ["v"], "kwargs": {"shape": [1], "synchronization":
                                  {"tf": "VariableSynchronization.AUTO"}}, "as": "v"}}
    assert len(program) == 3
    as_case(program)


def test_a_gan_script_converts_and_builds_the_same_variables_on_tf115(tf115):
    # Helpers inlined twice (the discriminator, reused), loops over module constants, chained
    # `tf.train.AdamOptimizer(...).minimize(...)`, collections by scope: the converted case
    # makes exactly the script's variables, Adam slots included.
    source = (DATA / "frompython_gan.py").read_text()
    case = as_case(convert(source, "frompython_gan.py"))
    script = subprocess.run([tf115.python, "-c", export_script(case), "--json"],
                            capture_output=True, text=True, check=True).stdout
    facts = json.loads(script.splitlines()[-1])["facts"]
    original = subprocess.run([tf115.python, "-c", source + PRINT], capture_output=True,
                              text=True, check=True).stdout
    names = json.loads(original.split("NAMES=")[1])
    assert "generator/fc1/kernel/Adam:0" in names and "discriminator/logits/bias:0" in names
    assert facts["graph.global_variables"] == names


def test_tuple_targets_and_code_that_is_not_tensorflow():
    program = convert(textwrap.dedent("""\
        ROWS, COLS = 4, 2
        w = tf.get_variable('w', [ROWS, COLS])
        q, r = tf.split(tf.constant([1.0, 2.0]), 2)
        s = tf.add(q, r, name='s')
        """), "s.py")
    assert program[0]["get_variable"]["shape"] == [4, 2]
    assert program[1] == {"tf.split": {"args": [{"call": "tf.constant", "args": [[1.0, 2.0]]},
                                                2], "as": ["q", "r"]}}
    assert json.dumps(program[2]).count('{"ref": "q"}') == 1
    case = as_case(program)
    assert case.program[2]["args"]
    with pytest.raises(Refused) as info:
        convert("import numpy as np\nx = np.zeros([2])\nv = tf.constant(x)\n", "s.py")
    assert [str(p) for p in info.value.problems][0].startswith(
        "s.py:2: cannot express a call of `np.zeros`: `np` is neither TensorFlow (`tf`) nor "
        "captured by an earlier step (the static converter reads TF calls; write the value as a "
        "literal, or trace the script (--trace)")


def test_a_loop_that_carries_a_value_between_iterations_is_unrolled():
    # `h = dense(h)` three times chains three layers; a `repeat` would build each from `x`.
    program = convert("x = tf.placeholder(tf.float32, [None, 4])\nh = x\n"
                      "for _ in range(3):\n    h = tf.layers.dense(h, 4)\n", "s.py")
    assert [s["dense"]["inputs"] for s in program[1:]] == [
        {"ref": "x"}, {"ref": "h"}, {"ref": "h_1"}]
    program = convert("for _ in range(3):\n    c = tf.constant(1.0)\n", "s.py")
    assert program == [{"repeat": 3, "do": [{"constant": {"value": 1.0, "as": "c"}}]}]


CLASSES = """\
import tensorflow as tf


class Scale(tf.layers.Layer):
    def __init__(self, units, name=None):
        super(Scale, self).__init__(name=name)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", shape=[3, self.units])
        super(Scale, self).build(input_shape)

    def call(self, inputs):
        x = tf.matmul(inputs, self.kernel)
        x = tf.nn.relu(x)
        return x


class Cell(tf.nn.rnn_cell.RNNCell):
    def __init__(self, num_units):
        super(Cell, self).__init__()
        self._num_units = num_units

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def __call__(self, inputs, state, scope=None):
        with tf.variable_scope(scope or type(self).__name__):
            w = tf.get_variable("w", [3, self._num_units])
            out = tf.tanh(tf.matmul(inputs, w) + state)
        return out, out


x = tf.placeholder(tf.float32, [None, 3])
layer = Scale(2, name="scale")
y = layer(x)
seq = tf.placeholder(tf.float32, [None, 4, 3])
cell = Cell(3)
outputs = tf.nn.dynamic_rnn(cell, seq, dtype=tf.float32)
"""


def test_classes_deriving_from_tf_classes_become_class_steps_on_tf115(tf115):
    """Each method's body converted as a def's (super().NAME is {super: NAME}, a parameter
    assigned again another label, type(self).__name__ the class's name), @property a
    property; the case builds the script's variables."""
    program = convert(CLASSES, "s.py")
    scale, cell = program[0], program[1]
    assert scale["class"] == {"name": "Scale", "bases": ["tf.layers.Layer"]}
    build = scale["do"][1]
    assert build["do"][1] == {"invoke": {"fn": {"super": "build"},
                                         "args": [{"ref": "input_shape"}]}}
    assert [m["def"].get("property", False) for m in cell["do"]] == [False, True, True, False]
    case = as_case(program)
    script = subprocess.run([tf115.python, "-c", export_script(case), "--json"],
                            capture_output=True, text=True, check=True).stdout
    facts = json.loads(script.splitlines()[-1])["facts"]
    original = subprocess.run([tf115.python, "-c", CLASSES + PRINT], capture_output=True,
                              text=True, check=True).stdout
    names = json.loads(original.split("NAMES=")[1])
    assert "scale/kernel:0" in names and "rnn/Cell/w:0" in names
    assert facts["graph.global_variables"] == names


FUNCTION_VALUES = """\
import tensorflow as tf


def custom_getter(getter, *args, **kwargs):
    var = getter(*args, **kwargs)
    return tf.identity(var, name='got')


def axis0_into2(shape=None, dtype=tf.float32, **unused_kwargs):
    part = [1] * len(shape)
    part[0] = 2
    return part


def helper(name):
    return tf.get_variable(name, [1])


with tf.variable_scope('s', custom_getter=custom_getter):
    v = tf.get_variable('v', [1])
with tf.variable_scope('p', partitioner=axis0_into2):
    w = tf.get_variable('w', [4, 1])
u = helper('u')
"""


def test_functions_given_to_tf_as_values_become_def_steps():
    """A custom getter and a partitioner are handed to TF, not called by the script: def steps
    their arguments refer to (a default as a value form); a helper only called stays inlined."""
    program = convert(FUNCTION_VALUES, "s.py")
    getter, partitioner = program[0], program[1]
    assert getter["def"] == {"name": "custom_getter", "params": ["getter", "*args", "**kwargs"]}
    assert getter["do"][0] == {"invoke": {"fn": {"ref": "getter"}, "args": [{"*": {"ref": "args"}}],
                                          "kwargs": {"**": {"ref": "kwargs"}}, "as": "var"}}
    assert partitioner["def"] == {"name": "axis0_into2", "params": [
        {"name": "shape", "default": None}, {"name": "dtype", "default": {"tf": "float32"}},
        "**unused_kwargs"]}
    # the function's own names stay as written
    assert [s.get("let", s.get("set")) for s in partitioner["do"][:2]] == [
        {"value": {"op": "*", "args": [[1], {"call": "py.len", "args": [{"ref": "shape"}]}]},
         "as": "part"}, {"target": "part[0]", "value": 2}]
    scopes = [s for s in program if "tf.variable_scope" in s]
    assert scopes[0]["tf.variable_scope"]["kwargs"]["custom_getter"] == {"ref": "custom_getter"}
    assert scopes[1]["tf.variable_scope"]["kwargs"]["partitioner"] == {"ref": "axis0_into2"}
    assert program[-1] == {"get_variable": {"name": "u", "shape": [1], "as": "u"}}
    as_case(program)


ONLY_CALLED = """\
import tensorflow as tf


def block(x, n):
    with tf.variable_scope('block%d' % n):
        return tf.layers.dense(x, 4)


def name_of(i):
    return 'w%d' % i


def pair(x, name=None):
    layer = tf.layers.Flatten(name=name)
    return (layer, layer.apply(x))


def late():
    return tf.nn.relu(y)


x = tf.placeholder(tf.float32, [None, 4])
h = block(x, 1)
name = name_of(3)
w = tf.get_variable(name, [1])
p = pair(h, name='p')
y = tf.identity(x)
r = late()
"""


def test_a_function_only_called_is_a_def_step_unless_inlining_makes_something_known():
    # block's parameter names a scope, name_of's result a variable: inlined, so the curated
    # steps say the names; pair's say nothing a def step does not: a def step, called by
    # invoke; late reads a name made after it (no def step can say it there): inlined.
    program = convert(ONLY_CALLED, "s.py")
    pair = program[0]
    assert pair["def"] == {"name": "pair", "params": ["x", {"name": "name", "default": None}]}
    assert pair["do"][0] == {"tf.layers.Flatten": {"kwargs": {"name": {"ref": "name"}},
                                                 "as": "layer"}}
    kinds = [next(k for k in s if k != "do") for s in program[1:]]
    assert kinds == ["placeholder", "variable_scope", "get_variable", "invoke", "identity",
                     "tf.nn.relu"]
    assert program[2]["variable_scope"]["name_or_scope"] == "block1"
    assert program[3]["get_variable"]["name"] == "w3"
    assert program[4] == {"invoke": {"fn": "pair", "args": [{"ref": "h"}],
                                     "kwargs": {"name": "p"}, "as": "p"}}
    as_case(program)


def test_a_capture_called_into_several_names_is_an_invoke():
    # `g, _ = cell(x, m)` (TF's RNN-cell tests): the step was keyed by the bare label `cell`,
    # which no step is
    program = convert(textwrap.dedent("""\
        x = tf.zeros([1, 2])
        cell = tf.nn.rnn_cell.BasicRNNCell(2)
        g, state = cell(x, x)
        """), "s.py")
    assert program[-1] == {"invoke": {"fn": "cell", "args": [{"ref": "x"}, {"ref": "x"}],
                                      "as": ["g", "state"]}}
    as_case(program)


def test_a_template_function_with_parameters_is_a_def_step_the_template_calls():
    # a template step's function takes no parameters: tf.make_template of one that does is a
    # generic step over its def step, and each call of the template an invoke
    program = convert(textwrap.dedent("""\
        def model(x, scale=2.0):
            w = tf.get_variable('w', [1])
            return tf.multiply(x, w * scale)
        x = tf.placeholder(tf.float32, [1])
        t = tf.make_template('model', model)
        a = t(x)
        b = t(x, scale=3.0)
        """), "s.py")
    assert program[0]["def"] == {"name": "model", "params": [
        "x", {"name": "scale", "default": 2.0}]}
    assert program[2] == {"tf.make_template": {"args": ["model", {"ref": "model"}], "as": "t"}}
    assert program[3:] == [{"invoke": {"fn": "t", "args": [{"ref": "x"}], "as": "a"}},
                           {"invoke": {"fn": "t", "args": [{"ref": "x"}],
                                       "kwargs": {"scale": 3.0}, "as": "b"}}]
    as_case(program)


def test_a_template_takes_its_flags_by_position_as_by_keyword():
    # make_template(name_, func_, create_scope_now_, unique_name_): TF's own tests pass the
    # flags by position (it was refused, as a call the template step did not render)
    source = """\
        def f():
            w = tf.get_variable('w', [1])
            y = tf.identity(w)
            return y
        t = tf.make_template('bar', f, {flags})
        a = t()
        """
    by_position = convert(textwrap.dedent(source.format(flags="True, 'u'")), "s.py")
    by_keyword = convert(textwrap.dedent(source.format(
        flags="create_scope_now_=True, unique_name_='u'")), "s.py")
    assert by_position == by_keyword
    assert by_position[0]["template"]["create_scope_now"] is True
    assert by_position[0]["template"]["unique_name"] == "u"
    as_case(by_position)


def test_a_bare_expression_statement_is_a_let_without_a_label():
    # `pairs[1]` alone, in a `try`, for the IndexError it raises: a `let` with `catch:`
    program = convert(textwrap.dedent("""\
        pairs = tf.unstack(tf.constant([1.0]))
        try:
            pairs[1]
        except Exception as e:
            err = e
        else:
            err = None
        pairs[0] + 1.0
        """), "s.py")
    assert program[1:] == [
        {"let": {"value": {"ref": "pairs[1]"}, "catch": "err"}},
        {"let": {"value": {"op": "+", "args": [{"ref": "pairs[0]"}, 1.0]}}}]
    as_case(program)


def test_a_value_the_code_changes_in_place_is_a_let_not_a_constant():
    # `called[0] = ...` in a getter TF calls, `names.append(...)`: the value known when the
    # code is read would be the first one only; a label, each read a reference to it
    program = convert(textwrap.dedent("""\
        called = [0]
        names = []
        def count(getter, *args, **kwargs):
            called[0] = called[0] + 1
            return getter(*args, **kwargs)
        with tf.variable_scope('s', custom_getter=count):
            v = tf.get_variable('v', [1])
        names.append(v.name)
        n = called[0]
        """), "s.py")
    assert program[:2] == [{"let": {"value": [0], "as": "called"}},
                           {"let": {"value": [], "as": "names"}}]
    assert program[2]["do"][0] == {"set": {"target": "called[0]", "value": {
        "op": "+", "args": [{"ref": "called[0]"}, 1]}}}
    assert program[4:] == [{"names.append": {"args": [{"ref": "v.name"}]}},
                           {"let": {"value": {"ref": "called[0]"}, "as": "n"}}]
    as_case(program)


def test_a_loop_over_run_time_values_reading_a_constant_by_its_variable_is_a_for_step():
    # `[v.name for v in vs]` reads the comprehension's own `v` before its `for`: no value
    # carried between iterations, so a `for` step (not a loop to unroll, which this is not);
    # `SPECS[i]` by the loop's `i` cannot be folded: SPECS is a `let`, each read a reference
    program = convert(textwrap.dedent("""\
        SPECS = [['a'], ['b', 'c']]
        parts = [tf.split(tf.constant([1.0, 2.0]), n) for n in range(1, 3)]
        for i, vs in enumerate(parts):
            names = [v.name for v in vs]
            if i < len(SPECS):
                same = names == SPECS[i]
        """), "s.py")
    assert program[0] == {"let": {"value": [["a"], ["b", "c"]], "as": "SPECS"}}
    loop = program[2]
    assert loop["for"] == {"in": {"call": "py.enumerate", "args": [{"ref": "parts"}]},
                           "as": ["i", "vs"]}
    test = loop["do"][1]
    assert test["if"] == {"op": "<", "args": [
        {"ref": "i"}, {"call": "py.len", "args": [{"ref": "SPECS"}]}]}
    assert test["do"] == [{"let": {"value": {"op": "==", "args": [
        {"ref": "names"}, {"op": "getitem", "args": [{"ref": "SPECS"}, {"ref": "i"}]}]},
        "as": "same"}}]
    as_case(program)
