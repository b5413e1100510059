"""The curated steps: the readable spelling of the common cases (`get_variable`,
`variable_scope`, layers, templates, optimizers, ...), each with its typed arguments, how the
worker runs it and how it renders as TF code.

Part of the step vocabulary (steps.py puts the table together); shared by the harness and the
worker, so Python 3.6+ with the standard library only.
"""

# The argument types: the package's module, or the worker's copy beside it (no parent package).
try:
    from . import argtypes as A
except ImportError:
    import argtypes as A

# --- the steps ----------------------------------------------------------------------------------
# run(tf, kw) executes the step with converted keyword arguments (only those written) and returns
# what `as` captures (a context manager for body steps); render(kw_source) gives its Python call.


def _call_tf(path):
    def run(tf, kw):
        return getattr(tf, path)(**kw)
    return run


def _reuse_variables(tf, kw):
    scope = kw.get("scope")
    (scope if scope is not None else tf.get_variable_scope()).reuse_variables()


def _render_reuse_variables(args):
    if args.get("scope") is None:
        return "tf.get_variable_scope().reuse_variables()"
    return "%s.reuse_variables()" % args["scope"]


def _sleep(tf, kw):
    import time
    time.sleep(kw["seconds"])


def _crash(tf, kw):
    import os
    import signal
    how = kw["how"]
    if how == "exit":
        os._exit(3)
    if how == "abort":
        os.abort()
    if how == "segfault":
        import ctypes
        ctypes.string_at(0)
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise ValueError("unknown crash: %s (exit, abort, segfault, kill)" % how)


def _print(tf, kw):
    import os
    import sys
    print(kw["text"])
    sys.stdout.flush()
    os.write(1, (kw["text"] + "\n").encode())


class Step(object):
    """One step kind.

    args: ordered (name, ArgType) pairs, the first is the scalar shorthand; required: names that
    must be written; body: takes `do`; captures: what `as` captures (variable, tensor, scope,
    name_scope, or None); call: the TF callable (for rendering); run: how the worker executes it;
    render: how the exporter writes it, given the written (unconverted) arguments.
    """

    def __init__(self, kind, args, call, required=(), body=False, captures=None, test_only=False,
                 run=None, render=None, doc="", label_required=False):
        self.kind, self.args, self.call = kind, list(args), call
        self.required, self.body, self.captures = tuple(required), body, captures
        self.label_required = label_required  # `as: LABEL` must be written (others refer to it)
        self.test_only, self.doc = test_only, doc
        self.run = run or _call_tf(call[len("tf."):])
        self.render = render or (lambda args: "%s(%s)" % (call, render_args(self, args)))

    @property
    def arg_names(self):
        return [name for name, _ in self.args]

    def arg_type(self, name):
        return dict(self.args)[name]


# --- runners and renderers of the layer, template and optimizer steps ----------------------------

def _call_dotted(path):
    """Run `tf.a.b(**kw)`; a missing attribute (tf.layers under Keras 3) raises when run."""
    def run(tf, kw):
        obj = tf
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj(**kw)
    return run


def _reduce_sum(tf, kw):
    return tf.reduce_sum(kw["input"], name=kw.get("name"))


def _render_reduce_sum(args):
    rest = ", name=%r" % args["name"] if "name" in args else ""
    return "tf.reduce_sum(%s%s)" % (A._value_py(args["input"]), rest)


def _layer(tf, kw):
    kw = dict(kw)
    return kw.pop("class")(**kw)


def _render_layer(args):
    rest = dict(args)
    cls = A._layer_class_py(rest.pop("class"))
    return "%s(%s)" % (cls, render_args(STEPS["layer"], rest))


def _call_layer(tf, kw):
    extra = {"training": kw["training"]} if "training" in kw else {}
    return kw["layer"](kw["inputs"], **extra)


def _render_call_layer(args):
    extra = ", training=%r" % args["training"] if "training" in args else ""
    return "%s(%s%s)" % (args["layer"], A._ref_py(args["inputs"]), extra)


def _weight_kwargs(tf, weight):
    """add_weight keywords of a declared weight (all by keyword: Keras 3 puts shape first)."""
    kw = {"name": weight["name"], "shape": weight["shape"]}
    if "dtype" in weight:
        kw["dtype"] = tf.as_dtype(weight["dtype"])
    if "initializer" in weight:
        kw["initializer"] = A._initializer_tf(tf, weight["initializer"], {})
    if "trainable" in weight:
        kw["trainable"] = weight["trainable"]
    return kw


def _weight_kwargs_py(weight):
    out = ["name=%r" % weight["name"], "shape=%r" % (weight["shape"],)]
    if "dtype" in weight:
        out.append("dtype=" + A._dtype_py(weight["dtype"]))
    if "initializer" in weight:
        out.append("initializer=" + A._initializer_py(weight["initializer"]))
    if "trainable" in weight:
        out.append("trainable=%r" % weight["trainable"])
    return ", ".join(out)


def _define_layer(tf, kw):
    """A Layer subclass: build adds the declared weights, call returns inputs + the sum of each
    weight's reduce_sum (shape-agnostic). _render_define_layer writes the same class."""
    base = tf.keras.layers.Layer if kw.get("base") == "keras" else tf.layers.Layer
    weights = kw.get("weights", [])

    def build(self, input_shape):
        self.added_weights = [self.add_weight(**_weight_kwargs(tf, w)) for w in weights]
        base.build(self, input_shape)

    def call(self, inputs):
        out = inputs
        for w in self.added_weights:
            out = out + tf.reduce_sum(w)
        return out
    return type(kw["class_name"], (base,), {"build": build, "call": call})


def _render_define_layer(args):
    """The class statement, then the expression `as` captures (render.statement splits lines)."""
    name, base = args["class_name"], A.LAYER_BASES[args.get("base", "layers")]
    lines = ["class %s(%s):" % (name, base),
             "    def build(self, input_shape):",
             "        self.added_weights = ["]
    lines += ["            self.add_weight(%s)," % _weight_kwargs_py(w)
              for w in args.get("weights", [])]
    lines += ["        ]",
              "        %s.build(self, input_shape)" % base,
              "",
              "    def call(self, inputs):",
              "        out = inputs",
              "        for w in self.added_weights:",
              "            out = out + tf.reduce_sum(w)",
              "        return out",
              name]
    return "\n".join(lines)


def template_function(label):
    """The Python name of the function a `template` step wraps (export and report)."""
    return "_fn_" + label


def template_result(body):
    """Label of the last tensor captured in a template body (what its function returns), or None."""
    result = None
    for step in body:
        if getattr(STEPS.get(step["kind"]), "captures", None) == "tensor" and step.get("as"):
            result = step["as"]
        if step["kind"] == "template":
            continue
        # every body: do, and an `if` step's elif and else bodies
        inner = [step.get("do") or []] + [b.get("do") or [] for b in step.get("elif") or []] \
            + [step.get("else") or []]
        for steps in inner:
            result = template_result(steps) or result
    return result


def _make_template(tf, kw):
    # The worker hands in `func` (the body as a function); the exporter renders `def _fn_T()`.
    extra = {}
    if "create_scope_now" in kw:
        extra["create_scope_now_"] = kw["create_scope_now"]
    if "unique_name" in kw:
        extra["unique_name_"] = kw["unique_name"]
    return tf.make_template(kw["name"], kw["func"], **extra)


def _render_make_template(args):
    out = "tf.make_template(%r, %s" % (args["name"], template_function(args["_label"]))
    if "create_scope_now" in args:
        out += ", create_scope_now_=%r" % args["create_scope_now"]
    if "unique_name" in args:
        out += ", unique_name_=%r" % args["unique_name"]
    return out + ")"


def _optimizer(tf, kw):
    kw = dict(kw)
    return getattr(tf.train, A.OPTIMIZER_KINDS[kw.pop("kind")])(**kw)


def _render_optimizer(args):
    rest = dict(args)
    cls = A.OPTIMIZER_KINDS[rest.pop("kind")]
    return "tf.train.%s(%s)" % (cls, render_args(STEPS["optimizer"], rest))


def _minimize(tf, kw):
    kw = dict(kw)
    return kw.pop("optimizer").minimize(**kw)


def _render_minimize(args):
    rest = dict(args)
    return "%s.minimize(%s)" % (rest.pop("optimizer"), render_args(STEPS["minimize"], rest))


LAYER_ARGS = [("name", A.OPT_STR), ("units", A.POSITIVE_INT), ("filters", A.POSITIVE_INT),
              ("kernel_size", A.INT_OR_PAIR), ("strides", A.INT_OR_PAIR), ("padding", A.PADDING),
              ("activation", A.ACTIVATION), ("use_bias", A.BOOL),
              ("kernel_initializer", A.INITIALIZER),
              ("trainable", A.BOOL)]


VS_ARGS = [
    ("name_or_scope", A.SCOPE), ("default_name", A.OPT_STR), ("values", A.VALUES),
    ("initializer", A.INITIALIZER), ("regularizer", A.REGULARIZER), ("caching_device", A.OPT_STR),
    ("partitioner", A.PARTITIONER), ("reuse", A.REUSE), ("dtype", A.DTYPE),
    ("use_resource", A.OPT_BOOL),
    ("constraint", A.CONSTRAINT), ("auxiliary_name_scope", A.BOOL),
    ("custom_getter", A.CUSTOM_GETTER),
]

CURATED = [
    Step("variable_scope", VS_ARGS, "tf.variable_scope", required=("name_or_scope",), body=True,
         captures="scope", doc="with tf.variable_scope(...) as LABEL:"),
    Step("name_scope", [("name", A.NAME_SCOPE_NAME), ("default_name", A.OPT_STR),
                        ("values", A.VALUES)],
         "tf.name_scope", body=True, captures="name_scope", required=("name",),
         doc="with tf.name_scope(...) as LABEL:"),
    Step("get_variable", [
        ("name", A.STR), ("shape", A.SHAPE), ("dtype", A.DTYPE), ("initializer", A.INITIALIZER),
        ("regularizer", A.REGULARIZER), ("trainable", A.OPT_BOOL), ("collections", A.COLLECTIONS),
        ("caching_device", A.OPT_STR), ("partitioner", A.PARTITIONER), ("use_resource", A.OPT_BOOL),
        ("constraint", A.CONSTRAINT),
        ("validate_shape", A.BOOL), ("custom_getter", A.CUSTOM_GETTER)],
        "tf.get_variable", required=("name",), captures="variable",
        doc="LABEL = tf.get_variable(...)"),
    Step("variable", [
        ("initial_value", A.VALUE), ("name", A.OPT_STR), ("dtype", A.DTYPE),
        ("trainable", A.OPT_BOOL),
        ("collections", A.COLLECTIONS), ("caching_device", A.OPT_STR), ("use_resource", A.OPT_BOOL),
        ("constraint", A.CONSTRAINT),
        ("validate_shape", A.BOOL)],
        "tf.Variable", captures="variable",
        doc="LABEL = tf.Variable(...)"),
    Step("reuse_variables", [("scope", A.LABEL)], "reuse_variables", run=_reuse_variables,
         render=_render_reuse_variables,
         doc="LABEL.reuse_variables(), or tf.get_variable_scope().reuse_variables() if no label"),
    Step("get_variable_scope", [], "tf.get_variable_scope", captures="scope",
         doc="LABEL = tf.get_variable_scope()"),
    Step("constant", [("value", A.VALUE), ("dtype", A.DTYPE), ("shape", A.SHAPE),
                      ("name", A.OPT_STR)],
         "tf.constant", required=("value",), captures="tensor", doc="tf.constant(...)"),
    Step("identity", [("input", A.VALUE), ("name", A.OPT_STR)], "tf.identity", required=("input",),
         captures="tensor", doc="tf.identity(...)"),
    Step("add", [("x", A.VALUE), ("y", A.VALUE), ("name", A.OPT_STR)], "tf.add",
         required=("x", "y"), captures="tensor", doc="tf.add(...)"),
    # The worker runs the body `count` times; the exporter writes a for loop.
    Step("repeat", [("count", A.COUNT)], "range", required=("count",), body=True,
         run=lambda tf, kw: None, render=lambda args: "range(%d)" % args["count"],
         doc="for i in range(N):"),
    # Devices, control dependencies, other graphs, checkpoints, seeds.
    Step("device", [("device_name_or_function", A.OPT_STR)], "tf.device",
         required=("device_name_or_function",), body=True,
         doc="with tf.device(...):"),
    Step("control_dependencies", [("control_inputs", A.REFS)], "tf.control_dependencies",
         required=("control_inputs",), body=True,
         doc="with tf.control_dependencies([...]):"),
    # Another graph, e.g. to make a tensor there and pass it as `values` out here.
    Step("other_graph", [], "tf.Graph().as_default", body=True,
         run=lambda tf, kw: tf.Graph().as_default(),
         render=lambda args: "tf.Graph().as_default()",
         doc="with tf.Graph().as_default():"),
    # Saves (after running the initializers) to a fresh temporary directory, lists the keys.
    Step("saver", [("var_list", A.VAR_LIST)], "tf.train.Saver", captures="saver",
         run=lambda tf, kw: A._facts().tfscope_checkpoint(tf, tf.train.Saver(**kw)),
         render=lambda args: "tfscope_checkpoint(tf, tf.train.Saver(%s))" % render_args(
             STEPS["saver"], args),
         doc="LABEL = tf.train.Saver(var_list=...), saved; its keys via tf.train.list_variables"),
    Step("set_random_seed", [("seed", A.SEED)], "tf.set_random_seed", required=("seed",),
         doc="tf.set_random_seed(N)"),
    # Layers, templates, optimizers (and the tensors they need).
    Step("placeholder", [("dtype", A.DTYPE), ("shape", A.SHAPE), ("name", A.OPT_STR)],
         "tf.placeholder", required=("dtype",), captures="tensor", doc="tf.placeholder(...)"),
    Step("multiply", [("x", A.VALUE), ("y", A.VALUE), ("name", A.OPT_STR)], "tf.multiply",
         required=("x", "y"), captures="tensor", doc="tf.multiply(...)"),
    Step("reduce_sum", [("input", A.VALUE), ("name", A.OPT_STR)], "tf.reduce_sum",
         required=("input",), captures="tensor", run=_reduce_sum, render=_render_reduce_sum,
         doc="tf.reduce_sum(input, name)"),
    Step("dense", [
        ("inputs", A.TENSOR_REF), ("units", A.POSITIVE_INT), ("activation", A.ACTIVATION),
        ("use_bias", A.BOOL), ("kernel_initializer", A.INITIALIZER), ("trainable", A.BOOL),
        ("name", A.OPT_STR), ("reuse", A.REUSE)],
        "tf.layers.dense", required=("inputs", "units"), captures="tensor",
        run=_call_dotted("layers.dense"), doc="tf.layers.dense(...)"),
    Step("conv2d", [
        ("inputs", A.TENSOR_REF), ("filters", A.POSITIVE_INT), ("kernel_size", A.INT_OR_PAIR),
        ("strides", A.INT_OR_PAIR), ("padding", A.PADDING), ("use_bias", A.BOOL),
        ("kernel_initializer", A.INITIALIZER), ("trainable", A.BOOL), ("name", A.OPT_STR),
        ("reuse", A.REUSE)],
        "tf.layers.conv2d", required=("inputs", "filters", "kernel_size"), captures="tensor",
        run=_call_dotted("layers.conv2d"), doc="tf.layers.conv2d(...)"),
    Step("batch_normalization", [
        ("inputs", A.TENSOR_REF), ("training", A.BOOL), ("trainable", A.BOOL), ("name", A.OPT_STR),
        ("reuse", A.REUSE)],
        "tf.layers.batch_normalization", required=("inputs",), captures="tensor",
        run=_call_dotted("layers.batch_normalization"), doc="tf.layers.batch_normalization(...)"),
    Step("layer", [("class", A.LAYER_CLASS)] + LAYER_ARGS, "layer", required=("class",),
         captures="layer", run=_layer, render=_render_layer,
         doc="LABEL = tf.layers.Dense(...), tf.keras.layers.Dense(...), MyLayer(...)"),
    Step("call", [("layer", A.LAYER_LABEL), ("inputs", A.TENSOR_REF), ("training", A.BOOL)], "call",
         required=("layer", "inputs"), captures="tensor", run=_call_layer,
         render=_render_call_layer, doc="LABEL = L(inputs, training=...)"),
    Step("define_layer", [("class_name", A.IDENTIFIER), ("weights", A.WEIGHTS),
                          ("base", A.LAYER_BASE)],
         "class", required=("class_name",), captures="layer_class", run=_define_layer,
         render=_render_define_layer, doc="class NAME(tf.layers.Layer): ..."),
    # The body is the template's function: not run here, but at each call_template.
    Step("template", [("name", A.OPT_STR), ("create_scope_now", A.BOOL),
                      ("unique_name", A.OPT_STR)],
         "tf.make_template", required=("name",), body=True, captures="template",
         label_required=True,
         run=_make_template, render=_render_make_template,
         doc="def _fn_LABEL(): ...; LABEL = tf.make_template(name, _fn_LABEL, ...)"),
    Step("call_template", [("template", A.TEMPLATE_LABEL)], "call_template",
         required=("template",), captures="tensor", run=lambda tf, kw: kw["template"](),
         render=lambda args: "%s()" % args["template"], doc="LABEL = T()"),
    Step("optimizer", [("kind", A.OPTIMIZER_KIND), ("learning_rate", A.POSITIVE_NUMBER),
                       ("momentum", A.POSITIVE_NUMBER), ("name", A.STR)],
         "tf.train.Optimizer", required=("kind", "learning_rate"), captures="optimizer",
         run=_optimizer, render=_render_optimizer,
         doc="LABEL = tf.train.GradientDescentOptimizer(...) / MomentumOptimizer / AdamOptimizer"),
    Step("minimize", [("optimizer", A.OPTIMIZER_LABEL), ("loss", A.TENSOR_REF),
                      ("var_list", A.REF_LIST), ("name", A.OPT_STR)],
         "minimize", required=("optimizer", "loss"), captures="op", run=_minimize,
         render=_render_minimize, doc="LABEL = O.minimize(loss, var_list=..., name=...)"),
    # Fault injection for the harness's own tests; refused unless the run enables test steps.
    Step("sleep", [("seconds", A.SECONDS)], "time.sleep", required=("seconds",), test_only=True,
         run=_sleep, render=lambda args: "__import__('time').sleep(%r)" % args["seconds"],
         doc="sleep N seconds (test only)"),
    Step("crash", [("how", A.STR)], "crash", required=("how",), test_only=True, run=_crash,
         render=lambda args: "__import__('os')._exit(3)",
         doc="kill the worker: exit, abort, segfault or kill (test only)"),
    Step("print", [("text", A.STR)], "print", required=("text",), test_only=True, run=_print,
         render=lambda args: "print(%r)" % args["text"],
         doc="print to stdout from inside TF's process (test only)"),
]
# The curated steps by kind (their renderers look each other up here).
STEPS = {s.kind: s for s in CURATED}

# Facts the worker records for each kind of captured object (the comparator checks names).


def convert_args(tf, step, args, refs):
    """Convert the written arguments of a normalised step to TF objects."""
    out = {}
    for name, argtype in step.args:
        if name in args:
            out[name] = argtype.to_tf(tf, args[name], refs)
    return out


def render_args(step, args):
    """Render the written arguments as Python keyword arguments."""
    return ", ".join("%s=%s" % (name, argtype.to_py(args[name]))
                     for name, argtype in step.args if name in args)
