"""What the worker records about TensorFlow objects: one getter per fact, per captured kind.

Shared, verbatim, by the worker (which imports it from beside itself) and by the scripts
`tfscope export` writes (which inline this file's text), so both observe exactly the same. It
runs on Python 3.6+ with the standard library only; TensorFlow (`tf`, possibly `compat.v1`) is
handed in, never imported here. Keep it free of imports from the harness.
"""

MAX_MESSAGE = 4000


def describe_value(value):
    """A JSON-safe description of a fetched value."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [describe_value(v) for v in value]
    return value


def _shape(obj):
    shape = obj.get_shape()
    if shape.ndims is None:
        return None
    return [d if d is None else int(d) for d in shape.as_list()]


def _dtype(obj):
    return obj.dtype.base_dtype.name


def _trainable(tf, obj):
    if hasattr(obj, "trainable"):
        return bool(obj.trainable)
    return any(obj is v for v in tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES))


def _collections(tf, obj):
    graph = tf.get_default_graph()
    return sorted(k for k in graph.get_all_collection_keys()
                  if any(obj is v for v in graph.get_collection(k)))


def _reuse(tf, scope):
    return "auto_reuse" if scope.reuse is tf.AUTO_REUSE else bool(scope.reuse)


# kind -> ((fact, getter(tf, obj)), ...); the fact names are steps.FACTS[kind] (a test checks).
FACT_GETTERS = {
    "variable": (
        ("name", lambda tf, o: o.name), ("op.name", lambda tf, o: o.op.name),
        ("class", lambda tf, o: type(o).__name__), ("dtype", lambda tf, o: _dtype(o)),
        ("shape", lambda tf, o: _shape(o)), ("trainable", _trainable),
        ("device", lambda tf, o: o.device),
        ("caching_device", lambda tf, o: getattr(o, "_caching_device", None)),
        ("collections", _collections),
    ),
    "tensor": (
        ("name", lambda tf, o: o.name), ("op.name", lambda tf, o: o.op.name),
        ("class", lambda tf, o: type(o).__name__),
        ("dtype", lambda tf, o: _dtype(o)), ("shape", lambda tf, o: _shape(o)),
    ),
    "scope": (
        ("name", lambda tf, o: o.name), ("class", lambda tf, o: type(o).__name__),
        ("original_name_scope", lambda tf, o: o.original_name_scope),
        ("reuse", _reuse), ("dtype", lambda tf, o: tf.as_dtype(o.dtype).name),
        ("use_resource", lambda tf, o: o.use_resource),
        ("initializer", lambda tf, o: None if o.initializer is None
         else type(o.initializer).__name__),
        ("regularizer", lambda tf, o: o.regularizer is not None),
        ("caching_device", lambda tf, o: o.caching_device),
    ),
    "name_scope": (("name", lambda tf, o: o), ("class", lambda tf, o: type(o).__name__)),
}


# --- issue 9, part B ---
# Layers, templates and optimizers create their variables after they are captured (at the first
# call, or at minimize), so their facts are taken when the program ends (or stops at an error).
LATE_KINDS = ("layer", "template", "optimizer")


def _names(objs):
    return [getattr(o, "name", str(o)) for o in objs]


def _optimizer_slots(tf, opt):
    """Slot variable names: for each global variable in creation order, each slot name in order."""
    names = opt.get_slot_names()
    out = []
    for var in tf.global_variables():
        for name in names:
            slot = opt.get_slot(var, name)
            if slot is not None:
                out.append(slot.name)
    return out


def _template_scope(tf, t):
    return None if t.variable_scope is None else t.variable_scope.name


FACT_GETTERS.update({
    "layer": (
        ("name", lambda tf, o: o.name), ("class", lambda tf, o: type(o).__name__),
        ("scope_name", lambda tf, o: o.scope_name),  # tf.layers only
        ("variables", lambda tf, o: _names(o.variables)),
        ("trainable_variables", lambda tf, o: _names(o.trainable_variables)),
        ("non_trainable_variables", lambda tf, o: _names(o.non_trainable_variables)),
        ("built", lambda tf, o: bool(o.built)),
    ),
    "layer_class": (("name", lambda tf, o: o.__name__),),
    "template": (
        ("name", lambda tf, o: o.name), ("variable_scope", _template_scope),
        ("variables", lambda tf, o: _names(o.variables)),
    ),
    "optimizer": (
        ("name", lambda tf, o: o.get_name()), ("class", lambda tf, o: type(o).__name__),
        ("slot_names", lambda tf, o: list(o.get_slot_names())),
        ("slots", _optimizer_slots), ("variables", lambda tf, o: _names(o.variables())),
    ),
    "op": (
        ("name", lambda tf, o: o.name), ("type", lambda tf, o: o.type),
        ("device", lambda tf, o: o.device),
    ),
})


def late_facts(tf, captured, kinds):
    """The facts of the captures of LATE_KINDS, taken now (a list per capture inside a loop)."""
    out = {}
    for label in sorted(captured):
        if kinds[label] not in LATE_KINDS:
            continue
        objs = captured[label]
        for obj in (objs if isinstance(objs, list) else [objs]):
            for name, value in facts_of(tf, kinds[label], obj).items():
                if isinstance(objs, list):
                    out.setdefault(label + "." + name, []).append(value)
                else:
                    out[label + "." + name] = value
    return out


def facts_of(tf, kind, obj):
    out = {}
    for name, getter in FACT_GETTERS[kind]:
        try:
            out[name] = getter(tf, obj)
        except Exception as e:  # a fact this object lacks, e.g. op of a PartitionedVariable
            out[name] = "<unavailable: %s>" % type(e).__name__
    return out


def graph_facts(tf):
    graph = tf.get_default_graph()

    def names(key):
        return [getattr(v, "name", str(v)) for v in graph.get_collection(key)]
    return {
        "graph.global_variables": names(tf.GraphKeys.GLOBAL_VARIABLES),
        "graph.trainable_variables": names(tf.GraphKeys.TRAINABLE_VARIABLES),
        "graph.local_variables": names(tf.GraphKeys.LOCAL_VARIABLES),
        "graph.regularization_losses": names(tf.GraphKeys.REGULARIZATION_LOSSES),
        "graph.ops": [op.name for op in graph.get_operations()],
        "graph.variable_scope": tf.get_variable_scope().name,
    }


def _fetch(sess, obj):
    try:
        if isinstance(obj, str):
            return "<unavailable: not a tensor>"
        return describe_value(sess.run(obj))
    except Exception as e:
        return "<unavailable: %s>" % type(e).__name__


def values(tf, captured, kinds, labels):
    """Run the initializers and fetch the values of the captured objects named in `labels`.

    captured: label -> object, or list of objects (captures inside a loop); kinds: label -> kind.
    """
    out = {}
    wanted = [label for label in labels if label in captured]
    if not wanted:
        return out
    try:
        with tf.Session() as sess:
            variables = tf.global_variables() + tf.local_variables()
            for label, objs in captured.items():
                for obj in (objs if isinstance(objs, list) else [objs]):
                    # Variables outside the standard collections need initializing too.
                    if kinds[label] == "variable" and hasattr(obj, "initializer") \
                            and not any(obj is v for v in variables):
                        variables.append(obj)
            sess.run(tf.variables_initializer(variables))
            for label in wanted:
                objs = captured[label]
                fetched = [_fetch(sess, o) for o in (objs if isinstance(objs, list) else [objs])]
                out[label + ".value"] = fetched if isinstance(objs, list) else fetched[0]
    except Exception as e:
        for label in wanted:
            out.setdefault(label + ".value", "<unavailable: %s>" % type(e).__name__)
    return out


def error_message(exc):
    # TF appends the Python stack where a clashing variable was made: paths of this machine,
    # different per checkout and TF build. Keep the message, drop that stack.
    message = str(exc).split(" Originally defined at:")[0].split("\n\n  File \"")[0].rstrip()
    # issue 9, part B: a template appends where it was defined the same way, in lower case.
    message = message.split("\n\noriginally defined at:")[0].rstrip()
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "..."
    return message


def error_bases(exc):
    return [c.__name__ for c in type(exc).__mro__[1:] if c is not object]
