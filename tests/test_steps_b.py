"""Layer, template and optimizer steps -- validation of every new argument,
rendering, and each step on real TensorFlow 1.15."""

from __future__ import annotations

import textwrap

import pytest

from harness import cases, steps
from harness.compare import CONFORMS
from harness.render import export_script, python_code
from harness.runner import Pool

HEAD = """
id: t.b
title: part B
source: {doc: test, quote: q}
program:
"""


def write(write_case, program: str, expect: str = "graph.ops: []"):
    text = HEAD + textwrap.indent(textwrap.dedent(program).strip("\n"), "  ") + \
        "\nexpect:\n" + textwrap.indent(textwrap.dedent(expect).strip("\n"), "  ") + "\n"
    return write_case(text)


def load(write_case, program: str, expect: str = "graph.ops: []"):
    found, errors = cases.load([write(write_case, program, expect)])
    return found, errors


def only_case(write_case, program, expect="graph.ops: []"):
    found, errors = load(write_case, program, expect)
    assert errors == [] and len(found) == 1, errors
    return found[0]


def only_error(write_case, program, expect="graph.ops: []"):
    found, errors = load(write_case, program, expect)
    assert not found and len(errors) == 1, (found, errors)
    return errors[0]


X = "- placeholder: {dtype: float32, shape: [null, 3], name: x, as: x}\n"
OPT = X + "- reduce_sum: {input: {ref: x}, as: loss}\n"
LAYER = X + "- layer: {class: layers.Dense, units: 2, as: L}\n"
CLS = "- define_layer: {class_name: MyLayer, as: MyLayer}\n"
TMPL = "- template: {name: t, as: T}\n  do:\n    - constant: {value: 1.0, as: c}\n"


# --- validation: every new argument, a good and a bad value ------------------------------------

GOOD = [
    "- placeholder: {dtype: int32, shape: [2, null], name: p}",
    X + "- multiply: {x: {ref: x}, y: 2.0, name: m}",
    X + "- reduce_sum: {input: {ref: x}, name: s}",
    X + "- dense: {inputs: {ref: x}, units: 3, activation: relu, use_bias: false, "
        "kernel_initializer: zeros, trainable: false, name: d, reuse: auto_reuse}",
    X + "- conv2d: {inputs: {ref: x}, filters: 2, kernel_size: [3, 3], strides: 2, "
        "padding: same, name: c, reuse: true}",
    X + "- batch_normalization: {inputs: {ref: x}, training: true, name: bn, reuse: null}",
    "- layer: {class: keras.Conv2D, filters: 2, kernel_size: 3, strides: [1, 1], padding: valid}",
    "- layer: {class: layers.BatchNormalization, name: bn, trainable: false}",
    CLS + "- layer: {class: {ref: MyLayer}, name: mine}",
    LAYER + "- call: {layer: L, inputs: {ref: x}, training: false, as: y}",
    "- define_layer: {class_name: K, base: keras, weights: [{name: w, shape: [2], dtype: float64, "
    "initializer: ones, trainable: false}], as: K}",
    TMPL + "- call_template: {template: T, as: r}",
    "- template: {name: null, create_scope_now: true, unique_name: u, as: T}",
    OPT + "- optimizer: {kind: momentum, learning_rate: 0.1, momentum: 0.9, name: m, as: O}\n"
          "- get_variable: {name: w, shape: [1], as: w}\n"
          "- minimize: {optimizer: O, loss: {ref: loss}, var_list: [{ref: w}], name: step}",
]


@pytest.mark.parametrize("program", GOOD)
def test_good_arguments_validate(write_case, program):
    only_case(write_case, program)


BAD = [
    ("- placeholder: {shape: [1]}", "needs `dtype`"),
    ("- placeholder: {dtype: float99}", "expected a dtype name"),
    (X + "- dense: {inputs: [1, 2], units: 2}", "expected {ref: LABEL}"),
    (X + "- dense: {inputs: {ref: x}, units: 0}", "expected a whole number from 1"),
    (X + "- dense: {inputs: {ref: x}, units: 2, activation: softmax}", "expected null or one of"),
    (X + "- conv2d: {inputs: {ref: x}, filters: 2, kernel_size: [3, 3, 3]}", "a list of two"),
    (X + "- conv2d: {inputs: {ref: x}, filters: 2, kernel_size: 3, padding: full}",
     "expected one of: valid, same"),
    (X + "- batch_normalization: {inputs: {ref: x}, training: yes please}",
     "expected true or false"),
    ("- layer: {class: layers.Dropout}", "expected a layer class"),
    ("- layer: {units: 2}", "needs `class`"),
    (X + "- layer: {class: {ref: x}}", "it needs a layer_class"),
    (X + "- call: {layer: x, inputs: {ref: x}}", "it needs a layer"),
    ("- define_layer: {class_name: class}", "expected a Python class name"),
    ("- define_layer: {class_name: K, weights: [{name: w}]}", "needs `name` and `shape`"),
    ("- define_layer: {class_name: K, weights: [{name: w, shape: [1], size: 2}]}",
     "unknown key `size` in a weight"),
    ("- define_layer: {class_name: K, weights: [{name: w, shape: [1], initializer: nine}]}",
     "in weight 'w': expected an initializer"),
    ("- define_layer: {class_name: K, base: torch}", "expected one of: layers, keras"),
    ("- template: {name: t}", "`template` needs `as: LABEL`"),
    ("- template: {name: t, create_scope_now: 1, as: T}", "expected true or false"),
    (X + "- call_template: {template: x}", "it needs a template"),
    (TMPL + "- identity: {input: {ref: c}}", "captured inside the body of template `T`"),
    ("- optimizer: {kind: rmsprop, learning_rate: 0.1}", "expected one of: gradient_descent"),
    ("- optimizer: {kind: adam, learning_rate: 0}", "expected a number greater than 0"),
    ("- optimizer: {kind: adam}", "needs `learning_rate`"),
    (OPT + "- minimize: {optimizer: loss, loss: {ref: loss}}", "it needs a optimizer"),
    (OPT + "- optimizer: {kind: adam, learning_rate: 1, as: O}\n"
           "- minimize: {optimizer: O, loss: {ref: loss}, var_list: [{ref: loss}]}",
     "it needs a variable"),
    (OPT + "- optimizer: {kind: adam, learning_rate: 1, as: O}\n"
           "- minimize: {optimizer: O, loss: {ref: loss}, var_list: [w]}",
     "expected a list of {ref: LABEL}"),
]


@pytest.mark.parametrize("program, message", BAD)
def test_bad_arguments_are_located_errors(write_case, program, message):
    error = only_error(write_case, program)
    assert message in str(error), str(error)
    assert error.line is not None


def test_captures_in_a_template_body_are_lists(write_case):
    error = only_error(write_case, TMPL + "- call_template: {template: T, as: r}",
                       "c.name: t/Const:0")
    assert "is a list" in str(error)


def test_every_new_argument_type_has_a_schema_and_converters():
    for argtype in (steps.POSITIVE_INT, steps.INT_OR_PAIR, steps.POSITIVE_NUMBER, steps.ACTIVATION,
                    steps.PADDING, steps.OPTIMIZER_KIND, steps.LAYER_BASE, steps.LAYER_CLASS,
                    steps.TENSOR_REF, steps.REF_LIST, steps.IDENTIFIER, steps.WEIGHTS,
                    steps.LAYER_LABEL, steps.TEMPLATE_LABEL, steps.OPTIMIZER_LABEL):
        assert argtype.schema and callable(argtype.to_tf) and callable(argtype.to_py)


# --- rendering -----------------------------------------------------------------------------------

@pytest.mark.parametrize("program, line", [
    ("- placeholder: {dtype: float32, shape: [null, 3], name: x, as: x}",
     "x = tf.placeholder(dtype=tf.float32, shape=[None, 3], name='x')"),
    (X + "- reduce_sum: {input: {ref: x}, name: loss, as: l}", "l = tf.reduce_sum(x, name='loss')"),
    (X + "- dense: {inputs: {ref: x}, units: 2, activation: relu, reuse: auto_reuse, as: y}",
     "y = tf.layers.dense(inputs=x, units=2, activation=tf.nn.relu, reuse=tf.AUTO_REUSE)"),
    (X + "- conv2d: {inputs: {ref: x}, filters: 2, kernel_size: [3, 3], as: y}",
     "y = tf.layers.conv2d(inputs=x, filters=2, kernel_size=(3, 3))"),
    ("- layer: {class: keras.Dense, units: 2, name: d, as: L}",
     "L = tf.keras.layers.Dense(name='d', units=2)"),
    (LAYER + "- call: {layer: L, inputs: {ref: x}, training: true, as: y}",
     "y = L(x, training=True)"),
    ("- optimizer: {kind: adam, learning_rate: 0.1, name: a, as: O}",
     "O = tf.train.AdamOptimizer(learning_rate=0.1, name='a')"),
    (OPT + "- optimizer: {kind: gradient_descent, learning_rate: 0.1, as: O}\n"
           "- minimize: {optimizer: O, loss: {ref: loss}, name: step, as: train}",
     "train = O.minimize(loss=loss, name='step')"),
])
def test_new_steps_render_as_tf_calls(write_case, program, line):
    assert line in python_code(only_case(write_case, program)).splitlines()


def test_define_layer_renders_a_class(write_case):
    code = python_code(only_case(write_case, """
        - define_layer:
            class_name: MyLayer
            weights: [{name: kernel, shape: [2], initializer: zeros, trainable: false}]
            as: Mine
    """))
    assert "class MyLayer(tf.layers.Layer):" in code
    assert ("            self.add_weight(name='kernel', shape=[2], "
            "initializer=tf.zeros_initializer(), trainable=False),") in code
    assert "        tf.layers.Layer.build(self, input_shape)" in code
    assert "Mine = MyLayer" in code
    compile(code, "case", "exec")


def test_template_renders_a_function_returning_the_last_tensor(write_case):
    code = python_code(only_case(write_case, X + textwrap.dedent("""
        - template: {name: t, create_scope_now: true, unique_name: u, as: T}
          do:
            - get_variable: {name: w, shape: [], as: w}
            - variable_scope: inner
              do:
                - multiply: {x: {ref: x}, y: {ref: w}, as: m}
        - call_template: {template: T, as: r}
    """)))
    lines = code.splitlines()
    start = lines.index("def _fn_T():")
    assert lines[start + 1:start + 6] == [
        "    w = tf.get_variable(name='w', shape=[])",
        "    with tf.variable_scope(name_or_scope='inner'):",
        "        m = tf.multiply(x=x, y=w)",
        "    return m",
        "T = tf.make_template('t', _fn_T, create_scope_now_=True, unique_name_='u')"]
    assert "r = T()" in lines
    compile(code, "case", "exec")


def test_template_without_a_tensor_returns_none():
    body = [{"kind": "get_variable", "args": {}, "as": "w"}]
    assert steps.template_result(body) is None


def test_export_script_defers_late_facts(write_case):
    script = export_script(only_case(write_case, LAYER + "- call: {layer: L, inputs: {ref: x}}"))
    assert "late_facts(tf, self.captured, KINDS)" in script
    assert "LATE_KINDS = ['layer']" in script  # the late kinds it captures
    compile(script, "script", "exec")


# --- each new step on real TensorFlow 1.15 -------------------------------------------------------

@pytest.fixture(scope="module")
def pool(tf115):
    with Pool([tf115]) as p:
        yield p


def run(pool, write_case, program, expect):
    case = only_case(write_case, program, expect)
    return pool.run(case, "tf1.15")


REAL = [
    ("placeholder", X, "x.name: x:0\nx.shape: [null, 3]"),
    ("multiply", X + "- multiply: {x: {ref: x}, y: 2.0, name: m, as: m}", "m.name: m:0"),
    ("reduce_sum", X + "- reduce_sum: {input: {ref: x}, name: s, as: s}", "s.shape: []"),
    ("dense", X + "- dense: {inputs: {ref: x}, units: 4, as: y}",
     "y.name: dense/BiasAdd:0\ngraph.trainable_variables: [dense/kernel:0, dense/bias:0]"),
    ("conv2d", "- placeholder: {dtype: float32, shape: [1, 4, 4, 1], as: im}\n"
               "- conv2d: {inputs: {ref: im}, filters: 2, kernel_size: 3, padding: same, as: c}",
     "c.shape: [1, 4, 4, 2]\ngraph.trainable_variables: [conv2d/kernel:0, conv2d/bias:0]"),
    ("batch_normalization", X + "- batch_normalization: {inputs: {ref: x}, training: true, as: b}",
     "graph.global_variables: [batch_normalization/gamma:0, batch_normalization/beta:0, "
     "batch_normalization/moving_mean:0, batch_normalization/moving_variance:0]"),
    ("layer and call", LAYER + "- call: {layer: L, inputs: {ref: x}, as: y}",
     "L.class: Dense\nL.scope_name: dense\nL.built: true\n"
     "L.variables: [dense/kernel:0, dense/bias:0]\nL.non_trainable_variables: []\n"
     "y.name: dense/BiasAdd:0"),
    ("keras layer", X + "- layer: {class: keras.Dense, units: 2, name: k, as: K}\n"
                        "- call: {layer: K, inputs: {ref: x}, as: y}",
     "K.trainable_variables: [k/kernel:0, k/bias:0]\n"
     "K.scope_name: {startswith: '<unavailable'}"),
    ("define_layer", X + "- define_layer: {class_name: MyLayer, weights: [{name: w, shape: [2], "
                         "initializer: ones}], as: MyLayer}\n"
                         "- layer: {class: {ref: MyLayer}, name: mine, as: M}\n"
                         "- call: {layer: M, inputs: {ref: x}, as: y}\n"
                         "- reduce_sum: {input: {ref: y}, as: s}",
     "MyLayer.name: MyLayer\nM.variables: [mine/w:0]\ny.shape: [null, 3]"),
    ("template and call_template", X + "- template: {name: t, as: T}\n  do:\n"
                                       "    - get_variable: {name: w, shape: [], as: w}\n"
                                       "    - multiply: {x: {ref: x}, y: {ref: w}, as: m}\n"
                                       "- call_template: {template: T, as: r1}\n"
                                       "- call_template: {template: T, as: r2}",
     "w.name: [t/w:0, t/w:0]\nr1.name: t/Mul:0\nr2.name: t_1/Mul:0\n"
     "T.variable_scope: t\nT.variables: [t/w:0]\nT.name: t"),
    ("optimizer and minimize", "- get_variable: {name: w, shape: [2], as: w}\n"
                               "- reduce_sum: {input: {ref: w}, as: loss}\n"
                               "- optimizer: {kind: adam, learning_rate: 0.1, as: O}\n"
                               "- minimize: {optimizer: O, loss: {ref: loss}, "
                               "var_list: [{ref: w}], as: train}",
     "O.name: Adam\nO.class: AdamOptimizer\nO.slot_names: [m, v]\n"
     "O.slots: [w/Adam:0, w/Adam_1:0]\n"
     "O.variables: [beta1_power:0, beta2_power:0, w/Adam:0, w/Adam_1:0]\n"
     "train.name: Adam\ntrain.type: NoOp\ntrain.device: ''"),
]


@pytest.mark.parametrize("name, program, expect", REAL, ids=[r[0] for r in REAL])
def test_each_new_step_on_real_tf(pool, write_case, name, program, expect):
    result = run(pool, write_case, program, expect)
    assert result.verdict.verdict == CONFORMS, (result.verdict, result.outcome.facts)


def test_missing_api_is_a_recorded_error_not_a_crash(pool, write_case):
    # A constructor argument the class does not take: TF's TypeError, located at the step.
    result = run(pool, write_case, "- layer: {class: layers.Dense, units: 2, filters: 3, as: L}",
                 "error: {type: TypeError, step: L}")
    assert result.verdict.verdict == CONFORMS, result.verdict


def test_error_inside_a_template_body_points_at_the_inner_step(pool, write_case):
    result = run(pool, write_case,
                 "- template: {name: t, as: T}\n  do:\n"
                 "    - variable: {initial_value: 1.0, name: v, as: v}\n"
                 "- call_template: {template: T, as: r1}\n"
                 "- call_template: {template: T, as: r2}",
                 "error: {type: ValueError, step: r2, message: 'Trainable variable created'}")
    assert result.verdict.verdict == CONFORMS, result.verdict
    assert "originally defined at" not in result.outcome.error["message"]
