"""The `class` step as TF1 model code writes it: a subclass of a TF class (RNNCell, tf.layers.Layer,
tf.keras.layers.Layer, tf.keras.Model) with __init__, properties, build/call/__call__ and
`{super: NAME}` (super().NAME), run on real TF 1.15 and TF 2, refused where it is not Python's,
and exported as a real `class X(tf....):`.

Expected names are what TF's documentation says (quoted beside them), not TF's output.
"""

from __future__ import annotations

import pytest

from harness.render import export_script, python_code
from harness.runner import run_cases

from .test_export import run_exported
from .test_generic import case, error_of, load

PROGRAMS = {
    # RNNCell: "Every RNNCell must have the properties below and implement call with the
    # signature (output, next_state) = call(input, state)"; dynamic_rnn runs the cell under
    # variable_scope "rnn" (its scope argument: "VariableScope for the created subgraph;
    # defaults to 'rnn'"), and this __call__ opens variable_scope(type(self).__name__).
    "cell": ("""\
  - class: {name: MinimalRNNCell, bases: [tf.nn.rnn_cell.RNNCell]}
    do:
      - def: {name: __init__, params: [self, num_units]}
        do:
          - invoke: {fn: {super: __init__}}
          - set: {target: self._num_units, value: {ref: num_units}}
      - def: {name: state_size, params: [self], property: true}
        do:
          - return: {value: {ref: self._num_units}}
      - def: {name: output_size, params: [self], property: true}
        do:
          - return: {value: {ref: self._num_units}}
      - def: {name: __call__, params: [self, inputs, state, {name: scope, default: null}]}
        do:
          - tf.variable_scope: {args: [MinimalRNNCell], reuse: {tf: AUTO_REUSE}}
            do:
              - tf.get_variable: {args: [w, [3, {ref: self._num_units}]], as: w}
              - let: {value: {call: tf.tanh, args: [{call: tf.matmul, args: [{ref: inputs},
                                                                               {ref: w}]}]},
                      as: h}
          - return: {value: {tuple: [{ref: h}, {ref: h}]}}
  - tf.placeholder: {args: [{tf: float32}, [null, 5, 3]], name: inputs, as: inputs}
  - invoke: {fn: MinimalRNNCell, args: [8], as: cell}
  - tf.nn.dynamic_rnn: {args: [{ref: cell}, {ref: inputs}], dtype: {tf: float32}, as: out}
""", """
  w.name: ["rnn/MinimalRNNCell/w:0"]
  cell.state_size: 8
"""),
    # tf.keras.layers.Layer: "build(input_shape): This is where you will instantiate your
    # weights"; add_weight names the weight within the layer's scope (LAYER/NAME); a layer
    # called `scale` is named after its `name` argument.
    "keras_layer": ("""\
  - class: {name: Scale, bases: [tf.keras.layers.Layer]}
    do:
      - def: {name: __init__, params: [self, units, '**kwargs']}
        do:
          - invoke: {fn: {super: __init__}, kwargs: {'**': {ref: kwargs}}}
          - set: {target: self.units, value: {ref: units}}
      - def: {name: build, params: [self, input_shape]}
        do:
          - self.add_weight: {name: kernel, shape: [3, {ref: self.units}],
                              initializer: zeros, as: kernel}
          - set: {target: self.kernel, value: {ref: kernel}}
          - invoke: {fn: {super: build}, args: [{ref: input_shape}]}
      - def: {name: call, params: [self, inputs]}
        do:
          - return: {value: {call: tf.matmul, args: [{ref: inputs}, {ref: self.kernel}]}}
  - tf.placeholder: {args: [{tf: float32}, [null, 3]], as: x}
  - invoke: {fn: Scale, args: [2], name: scale, as: layer}
  - invoke: {fn: layer, args: [{ref: x}], as: y}
""", """
  layer.kernel.name: "scale/kernel:0"
  layer.built: true
"""),
    # tf.keras.Model subclassing: "define your layers in __init__ and implement the model's
    # forward pass in call"; a layer's weights are created within the model's scope.
    "keras_model": ("""\
  - class: {name: TwoLayers, bases: [tf.keras.Model]}
    do:
      - def: {name: __init__, params: [self]}
        do:
          - invoke: {fn: {super: __init__}, name: net}
          - set: {target: self.hidden, value: {call: tf.keras.layers.Dense, args: [4],
                                               name: hidden}}
          - set: {target: self.out, value: {call: tf.keras.layers.Dense, args: [1],
                                            name: out}}
      - def: {name: call, params: [self, inputs]}
        do:
          - return: {value: {call: self.out, args: [{call: self.hidden,
                                                      args: [{ref: inputs}]}]}}
  - tf.placeholder: {args: [{tf: float32}, [null, 3]], as: x}
  - invoke: {fn: TwoLayers, as: model}
  - invoke: {fn: model, args: [{ref: x}], as: y}
""", """
  model.hidden.kernel.name: "net/hidden/kernel:0"
  model.out.kernel.name: "net/out/kernel:0"
"""),
}


def program_case(name: str):
    program, expect = PROGRAMS[name]
    return load(case(program, "\n" + expect.strip("\n"), name))


@pytest.fixture(scope="module")
def tf2(pytestconfig):
    from .conftest import provision
    return provision(pytestconfig, "tf2")


def outcomes(runtime, names):
    from harness.compare import Outcome, diff
    results = run_cases([program_case(n) for n in names], [runtime])
    out = {}
    for r in results.results:
        assert r.outcome.problem is None, r.outcome.problem
        out[r.case.id] = (r.outcome, diff(r.case.expect, Outcome(facts=r.outcome.facts,
                                                                   error=r.outcome.error)))
    return out


def test_class_steps_run_as_tf_documents_on_tf115(tf115):
    for cid, (outcome, mismatches) in outcomes(tf115, sorted(PROGRAMS)).items():
        assert outcome.error is None, (cid, outcome.error)
        assert not mismatches, (cid, mismatches)


def test_keras_subclasses_run_on_tf2(tf2):
    """TF 2's tf.keras is Keras 3: the subclasses run (super, add_weight in build, layers set in
    __init__), though Keras 3 names a weight by its own name (a deviation, not the step's)."""
    for cid, (outcome, mismatches) in outcomes(tf2, ["keras_layer", "keras_model"]).items():
        assert outcome.error is None, (cid, outcome.error)
        assert not [m for m in mismatches if not m.fact.endswith("kernel.name")], mismatches


def test_class_steps_export_as_real_classes(tf115, tmp_path):
    code = "".join(python_code(program_case(name)) for name in sorted(PROGRAMS))
    for line in ("class MinimalRNNCell(tf.nn.rnn_cell.RNNCell):", "super().__init__()",
                 "@property", "def state_size(self):", "self._num_units = num_units",
                 "def __call__(self, inputs, state, scope=None):",
                 "super().build(input_shape)", "super().__init__(**kwargs)",
                 "class TwoLayers(tf.keras.Model):"):
        assert line in code, line
    chosen = [program_case(n) for n in sorted(PROGRAMS)]
    for c in chosen:
        compile(export_script(c), c.id, "exec")
    worker = run_cases(chosen, [tf115])
    scripts = run_exported(tf115.python, chosen, tmp_path)
    for r in worker.results:
        got = scripts[r.case.id]
        assert got == {"facts": r.outcome.facts, "error": r.outcome.error}, (
            r.case.id, got.get("script failed"))


METHOD = "  - class: {name: C, bases: [tf.layers.Layer]}\n    do:\n"


@pytest.mark.parametrize("program, message", [
    ("  - let: {value: {super: __init__}}\n", "outside a method of a `class` step"),
    ("  - def: {name: f, params: [x]}\n    do:\n      - return: {value: {super: build}}\n",
     "outside a method"),
    (METHOD + "      - def: {name: __repr__, params: [self]}\n", "no dunder names"),
    ("  - def: {name: __init__, params: [x]}\n", "no dunder names"),
    (METHOD + "      - def: {name: call, params: []}\n", "needs a first parameter"),
    (METHOD + "      - def: {name: call, params: ['*a']}\n", "needs a first parameter"),
    (METHOD + "      - def: {name: size, params: [self, x], property: true}\n",
     "takes only self"),
    ("  - def: {name: size, params: [self], property: true}\n", "outside a class body"),
    (METHOD + "      - def: {name: call, params: [self]}\n        do:\n"
     "          - let: {value: {super: __class__}}\n", "is refused"),
    (METHOD + "      - def: {name: call, params: [self]}\n        do:\n"
     "          - def: {name: inner, params: []}\n            do:\n"
     "              - let: {value: {super: build}}\n", "outside a method"),
])
def test_bad_class_steps_are_refused(program, message):
    err = error_of(case(program))
    assert message in err, err
