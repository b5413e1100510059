"""TensorFlow's internal Python modules that case files may import (`imports:`), as data.

TF's own unit tests call `variable_scope.variable_scope(...)`, `state_ops.assign(...)`,
`slot_creator.create_slot(...)`: implementation modules under `tensorflow.python`, not the public
`tf.` API. A case declares them like the test's imports (`imports: {state_ops:
tensorflow.python.ops.state_ops}`) and then writes the test's calls unchanged (`state_ops.assign:`).
Only the modules of MODULES may be imported; only their public names (and the few private ones of
PRIVATE, which TF's tests call) may be reached from them; and a module reached as an attribute of
one (`variable_scope.ops`) must be in MODULES too. Whatever is reached is also checked by
policy.py's rules on resolved objects (file IO, summaries, py_func ... stay refused).

Shared by the validator, the API scanner (apiscan.py, which indexes these modules per runtime) and
the worker: Python 3.6+, standard library only; nothing here imports TensorFlow unless asked to
(`load`, in the worker).
"""

import re

# The importable modules, by the name a test imports them by. Chosen from the imports of TF's
# naming tests (variable_scope_test, slot_creator_test, template_test, moving_averages_test,
# optimizer tests, layers' base_test/core_test, partitioned_variables_test, ops_test): scopes,
# variables, ops that make tensors, initializers, partitioners, slots, optimizers, moving
# averages, templates and the v1 layers. Nothing that reads or writes files, summaries, saved
# models, runs Python from the graph, or starts processes (a test checks each against policy.py).
MODULES = (
    # TF 1.x only (tf2 has no contrib: a case importing them records that as tf2's outcome):
    # slim's variables (model_variable, get_variables_to_restore) and arg_scope.
    "tensorflow.contrib.framework.python.ops.arg_scope",
    "tensorflow.contrib.framework.python.ops.variables",
    # slim's layers and regularizers as contrib/layers' layers_test imports them (`_layers`,
    # `regularizers`): Conv/Conv_1, Repeat, Stack, LayerNorm scopes
    "tensorflow.contrib.layers.python.layers.layers",
    "tensorflow.contrib.layers.python.layers.regularizers",
    "tensorflow.python.eager.context",
    "tensorflow.python.framework.constant_op",
    "tensorflow.python.framework.device",
    "tensorflow.python.framework.dtypes",
    "tensorflow.python.framework.errors",
    "tensorflow.python.framework.errors_impl",
    "tensorflow.python.framework.ops",
    "tensorflow.python.framework.random_seed",
    "tensorflow.python.framework.sparse_tensor",
    "tensorflow.python.framework.tensor_shape",
    # ops_test's graph ops with no kernels to run (FloatOutput, ...): their op wrappers only
    "tensorflow.python.framework.test_ops",
    # TF 2.x's home of the v1 layers and their Keras base (base_test, core_test of TF 2.x)
    "tensorflow.python.keras.engine.base_layer",
    "tensorflow.python.keras.engine.input_spec",
    "tensorflow.python.keras.legacy_tf_layers.base",
    "tensorflow.python.keras.legacy_tf_layers.core",
    "tensorflow.python.layers.base",
    "tensorflow.python.layers.convolutional",
    "tensorflow.python.layers.core",
    "tensorflow.python.layers.normalization",
    "tensorflow.python.ops.array_ops",
    "tensorflow.python.ops.check_ops",
    "tensorflow.python.ops.control_flow_ops",
    "tensorflow.python.ops.embedding_ops",
    "tensorflow.python.ops.gen_state_ops",
    "tensorflow.python.ops.gradients",
    "tensorflow.python.ops.init_ops",
    "tensorflow.python.ops.math_ops",
    "tensorflow.python.ops.nn_ops",
    "tensorflow.python.ops.partitioned_variables",
    "tensorflow.python.ops.random_ops",
    "tensorflow.python.ops.resource_variable_ops",
    # the RNN cells and their scopes, as rnn_cell_test / core_rnn_cell_test import them
    # (rnn_cell_impl.BasicLSTMCell, MultiRNNCell's cell_0/..., rnn.static_rnn's rnn/ scope)
    "tensorflow.python.ops.rnn",
    "tensorflow.python.ops.rnn_cell_impl",
    "tensorflow.python.ops.state_ops",
    "tensorflow.python.ops.template",
    "tensorflow.python.ops.variable_scope",
    "tensorflow.python.ops.variables",
    "tensorflow.python.training.adagrad",
    "tensorflow.python.training.adam",
    "tensorflow.python.training.device_setter",
    "tensorflow.python.training.gradient_descent",
    "tensorflow.python.training.momentum",
    "tensorflow.python.training.moving_averages",
    "tensorflow.python.training.optimizer",
    "tensorflow.python.training.rmsprop",
    "tensorflow.python.training.slot_creator",
    "tensorflow.python.training.training_util",
    "tensorflow.python.util.compat",
)

# Private names (module -> names) that TF's naming tests call, and that a case may therefore
# reach: ops' NodeDef builder, the default variable store and the scope that enters no name
# scope. Every other name starting with `_` is refused.
PRIVATE = {
    # ops_test builds its operations from node definitions (a NodeDef proto: data)
    "tensorflow.python.framework.ops": ("_NodeDef",),
    # the variable names the RNN tests expect ("root/basic_rnn_cell/%s:0" %
    # rnn_cell_impl._WEIGHTS_VARIABLE_NAME): two strings
    "tensorflow.python.ops.rnn_cell_impl": ("_BIAS_VARIABLE_NAME", "_WEIGHTS_VARIABLE_NAME"),
    "tensorflow.python.ops.variable_scope": (
        "_get_default_variable_store", "_pure_variable_scope", "_VariableStore",
        "_get_unique_variable_scope"),
}

# Modules of which a case may reach only these names: the eager context's other functions
# switch the thread's mode (`context.eager_mode()` entered and never left would run every later
# case of the worker eagerly); the tests' `if not context.executing_eagerly():` only reads it.
ONLY = {
    "tensorflow.python.eager.context": ("executing_eagerly",),
}

IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
# TF 1.15 (and 2.0/2.1) install the implementation as `tensorflow_core` and alias `tensorflow`
# to it: a module's __name__ there is tensorflow_core.python....
CORE_PREFIX = "tensorflow_core."


def canonical(name):
    """A module's name as a test imports it: tensorflow_core.python.x -> tensorflow.python.x."""
    name = str(name or "")
    if name.startswith(CORE_PREFIX):
        return "tensorflow." + name[len(CORE_PREFIX):]
    return name


def allowed(name):
    """Is this module (by __name__ or written name) importable by a case?"""
    return canonical(name) in MODULES


def implementation(name):
    """Is this (by __name__) one of TensorFlow's implementation modules rather than its
    generated API (`tensorflow._api.v1.nn`) or a public package (`tensorflow.contrib.slim`)?"""
    parts = canonical(name).split(".")
    if parts[0] not in ("tensorflow", "keras", "tf_keras", "tensorflow_estimator"):
        return False
    if "_api" in parts or "api" in parts:
        return False
    return any(p in ("python", "core", "src") or p.startswith("pywrap") for p in parts)


def refused_module(name):
    """Why a case may not import the module `name`; None when it may."""
    name = str(name or "")
    if not MODULE_RE.match(name):
        return "not a module name (%s)" % name
    if name in MODULES:
        return None
    if name.startswith(CORE_PREFIX) and allowed(name):
        # TF 1.15 would load its modules a second time under that name (a second default
        # graph stack, metrics registered twice): only the name its own code imports.
        return "write %s (%s is the same module loaded again)" % (canonical(name), name)
    if not canonical(name).startswith(("tensorflow.python.", "tensorflow.contrib.")):
        return "only TensorFlow's own modules under tensorflow.python may be imported (%s)" % name
    return "not among the internal modules a case may import (%s)" % name


def refused_name(module_name, name):
    """Why `name` may not be reached as an attribute of the allowed module `module_name`."""
    name = str(name)
    only = ONLY.get(canonical(module_name))
    if only is not None and name not in only:
        return "`%s` of %s (only %s)" % (name, canonical(module_name), ", ".join(only))
    if name.startswith("_") and name not in PRIVATE.get(canonical(module_name), ()):
        return "private name `%s` of %s (only %s)" % (
            name, canonical(module_name),
            ", ".join(PRIVATE.get(canonical(module_name), ())) or "public names")
    return None


def import_line(alias, module):
    """The Python statement that binds `alias` to `module` (what the export and report write)."""
    head, _, last = module.rpartition(".")
    if last == alias:
        return "from %s import %s" % (head, last)
    return "from %s import %s as %s" % (head, last, alias)


def bind(name):
    """What a case's alias of the allowed module `name` is bound to: what `from HEAD import LAST`
    (the test's line, and the export's) binds, the package's attribute LAST. That is the module,
    unless the package rebinds the name: tensorflow.contrib.framework.python.ops star-imports its
    arg_scope module, so `from tensorflow.contrib.framework.python.ops import arg_scope` is the
    function arg_scope, which TF's tests call (`with arg_scope([variables.variable], ...)`)."""
    module = load(name)
    import importlib
    head, _, last = name.rpartition(".")
    return getattr(importlib.import_module(head), last, module)


def load(name):
    """Import an allowed module (for bind, and the API scan): its module object. ImportError (a
    module this TensorFlow does not have) is the runtime's outcome and propagates as Python
    raises it."""
    reason = refused_module(name)
    if reason:
        raise PermissionError("import refused: %s" % reason)
    import importlib
    head, _, last = name.rpartition(".")
    package = importlib.import_module(head)
    try:
        return importlib.import_module(name)
    except ImportError as e:
        # What `from HEAD import LAST` (the export's line) raises when the package is there
        # but the module is not.
        if getattr(e, "name", None) != name:
            raise
        raise ImportError("cannot import name '%s' from '%s' (%s)" % (
            last, head, getattr(package, "__file__", None) or "unknown location")) from None
