"""The step vocabulary: the one table of what a case program may do.

Each step kind says which arguments it takes (and their types), whether it has a body (`do`), how
to run it against TensorFlow and how to render it as TensorFlow Python code. This module is shared
by the harness (validation, export) and the worker (execution), so it runs on Python 3.6+ with the
standard library only; TensorFlow is handed in, never imported here.
"""

import re

# --- argument types -----------------------------------------------------------------------------
# An argument type checks a YAML value (check -> error text or None), converts it to the TF object
# (to_tf) and renders it as Python source (to_py). Values are plain data; refs are {"ref": LABEL}.

DTYPES = (
    "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
    "uint16", "bool", "string", "complex64", "complex128",
)
INITIALIZERS = ("constant", "zeros", "ones", "random_uniform", "random_normal", "truncated_normal",
                "glorot_uniform")
REGULARIZERS = ("l1", "l2")
COLLECTION_ALIASES = {
    "variables": "GLOBAL_VARIABLES", "global_variables": "GLOBAL_VARIABLES",
    "trainable_variables": "TRAINABLE_VARIABLES", "local_variables": "LOCAL_VARIABLES",
    "regularization_losses": "REGULARIZATION_LOSSES",
}


def is_ref(value):
    return isinstance(value, dict) and list(value) == ["ref"]


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_literal(v):
    """Numbers, bools, strings and (nested) lists of them: what a tensor can be made from."""
    if isinstance(v, (list, tuple)):
        return all(_is_literal(x) for x in v)
    return isinstance(v, (int, float, bool, str))


class ArgType(object):
    """check(value) -> error text or None; to_tf/to_py convert; schema: the JSON Schema fragment
    of what `check` accepts (the shipped schema is generated from it, so they cannot drift)."""

    def __init__(self, name, check, to_tf, to_py, refs=False, schema=None):
        self.name, self.check, self.to_tf, self.to_py, self.refs = name, check, to_tf, to_py, refs
        self.schema = schema if schema is not None else {}
        self.ref_kinds = None  # the kinds of capture a ref may name (None: by type, see cases.py)
        self.declares = None   # value -> labels the value itself captures (custom getters)


def _lit_py(v):
    return repr(v)


def _ref_py(v):
    return v["ref"]


def _check_str(v):
    return None if isinstance(v, str) else "expected a string"


def _check_opt_str(v):
    return None if v is None or isinstance(v, str) else "expected a string or null"


def _check_bool(v):
    return None if isinstance(v, bool) else "expected true or false"


def _check_opt_bool(v):
    return None if v is None or isinstance(v, bool) else "expected true, false or null"


def _check_count(v):
    ok = isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1000
    return None if ok else "expected a whole number from 0 to 1000"


def _check_seconds(v):
    return None if _is_number(v) and 0 <= v <= 3600 else "expected a number of seconds (0 to 3600)"


def _check_shape(v):
    if v is None:
        return None
    if isinstance(v, list) and all(x is None or (isinstance(x, int) and not isinstance(x, bool)
                                                 and x >= 0) for x in v):
        return None
    return "expected a shape: a list of non-negative whole numbers (or null)"


def _check_dtype(v):
    return None if v in DTYPES else "expected a dtype name, one of: " + ", ".join(DTYPES)


def _check_reuse(v):
    ok = v is None or isinstance(v, bool) or v == "auto_reuse"
    return None if ok else "expected true, false, null or auto_reuse"


def _check_value(v):
    if is_ref(v):
        return None if isinstance(v["ref"], str) else "expected {ref: LABEL}"
    return None if _is_literal(v) else "expected a number, string, list of them, or {ref: LABEL}"


def _check_values(v):
    if v is None:
        return None
    if not isinstance(v, list):
        return "expected a list of values (literals or {ref: LABEL})"
    for x in v:
        err = _check_value(x)
        if err:
            return err
    return None


def _check_scope(v):
    if v is None or isinstance(v, str):
        return None
    if is_ref(v) and isinstance(v["ref"], str):
        return None
    return "expected a scope name (string), null, or {ref: LABEL} of a captured scope"


def _check_initializer(v):
    if v in ("zeros", "ones", "glorot_uniform"):
        return None
    if isinstance(v, dict) and len(v) == 1:
        (kind, arg), = v.items()
        if kind == "constant" and _is_literal(arg):
            return None
        if kind in ("random_uniform", "random_normal", "truncated_normal") and (
                arg is None or (isinstance(arg, dict) and all(
                    k in ("minval", "maxval", "mean", "stddev", "seed") and _is_number(x)
                    for k, x in arg.items()))):
            return None
    return ("expected an initializer: zeros, ones, glorot_uniform, {constant: VALUE}, "
            "{random_uniform|random_normal|truncated_normal: {mean, stddev, minval, maxval, seed}}")


def _check_regularizer(v):
    if isinstance(v, dict) and len(v) == 1:
        (kind, arg), = v.items()
        if kind in REGULARIZERS and _is_number(arg):
            return None
    return "expected a regularizer: {l2: SCALE} or {l1: SCALE}"


def _check_collections(v):
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return None
    return "expected a list of collection names"


def _dtype_tf(tf, v, refs):
    return tf.as_dtype(v)


def _dtype_py(v):
    return "tf." + v


def _reuse_tf(tf, v, refs):
    return tf.AUTO_REUSE if v == "auto_reuse" else v


def _reuse_py(v):
    return "tf.AUTO_REUSE" if v == "auto_reuse" else repr(v)


def _value_tf(tf, v, refs):
    return refs[v["ref"]] if is_ref(v) else v


def _value_py(v):
    return _ref_py(v) if is_ref(v) else repr(v)


def _values_tf(tf, v, refs):
    return None if v is None else [_value_tf(tf, x, refs) for x in v]


def _values_py(v):
    return "None" if v is None else "[" + ", ".join(_value_py(x) for x in v) + "]"


def _initializer_tf(tf, v, refs):
    if v == "zeros":
        return tf.zeros_initializer()
    if v == "ones":
        return tf.ones_initializer()
    if v == "glorot_uniform":
        return tf.glorot_uniform_initializer()
    (kind, arg), = v.items()
    if kind == "constant":
        return tf.constant_initializer(arg)
    return getattr(tf, kind + "_initializer")(**(arg or {}))


def _initializer_py(v):
    if v == "zeros":
        return "tf.zeros_initializer()"
    if v == "ones":
        return "tf.ones_initializer()"
    if v == "glorot_uniform":
        return "tf.glorot_uniform_initializer()"
    (kind, arg), = v.items()
    if kind == "constant":
        return "tf.constant_initializer(%r)" % (arg,)
    kwargs = ", ".join("%s=%r" % (k, arg[k]) for k in sorted(arg or {}))
    return "tf.%s_initializer(%s)" % (kind, kwargs)


def _regularizer_tf(tf, v, refs):
    (kind, scale), = v.items()
    if kind == "l2":
        return lambda t: tf.multiply(float(scale), tf.nn.l2_loss(t))
    return lambda t: tf.multiply(float(scale), tf.reduce_sum(tf.abs(t)))


def _regularizer_py(v):
    (kind, scale), = v.items()
    if kind == "l2":
        return "lambda t: tf.multiply(%r, tf.nn.l2_loss(t))" % float(scale)
    return "lambda t: tf.multiply(%r, tf.reduce_sum(tf.abs(t)))" % float(scale)


def _collections_tf(tf, v, refs):
    return [getattr(tf.GraphKeys, COLLECTION_ALIASES[c]) if c in COLLECTION_ALIASES else c
            for c in v]


def _collections_py(v):
    return "[" + ", ".join("tf.GraphKeys." + COLLECTION_ALIASES[c] if c in COLLECTION_ALIASES
                           else repr(c) for c in v) + "]"


def _check_label(v):
    return None if isinstance(v, str) and LABEL_RE.match(v) else "expected the label of a capture"


def _label_tf(tf, v, refs):
    return None if v is None else refs[v]


def _label_py(v):
    return "None" if v is None else v


def _scope_tf(tf, v, refs):
    return refs[v["ref"]] if is_ref(v) else v


def _scope_py(v):
    return _ref_py(v) if is_ref(v) else repr(v)


def _plain_tf(tf, v, refs):
    return v


# Shared definitions the fragments point to ("#/$defs/NAME"); the schema generator ships them.
SCHEMA_DEFS = {
    "literal": {"anyOf": [{"type": ["number", "boolean", "string"]},
                          {"type": "array", "items": {"$ref": "#/$defs/literal"}}]},
    "ref": {"type": "object", "additionalProperties": False, "required": ["ref"],
            "properties": {"ref": {"type": "string"}}},
}
_NUM = {"type": "number"}
_LITERAL = {"$ref": "#/$defs/literal"}
_REF = {"$ref": "#/$defs/ref"}
_VALUE = {"anyOf": [_REF, _LITERAL]}
_SHAPE = {"anyOf": [{"type": "null"}, {"type": "array", "items": {
    "anyOf": [{"type": "null"}, {"type": "integer", "minimum": 0}]}}]}

STR = ArgType("string", _check_str, _plain_tf, _lit_py, schema={"type": "string"})
OPT_STR = ArgType("string or null", _check_opt_str, _plain_tf, _lit_py,
                  schema={"type": ["string", "null"]})
BOOL = ArgType("boolean", _check_bool, _plain_tf, _lit_py, schema={"type": "boolean"})
OPT_BOOL = ArgType("boolean or null", _check_opt_bool, _plain_tf, _lit_py,
                   schema={"type": ["boolean", "null"]})
COUNT = ArgType("count", _check_count, _plain_tf, _lit_py,
                schema={"type": "integer", "minimum": 0, "maximum": 1000})
SECONDS = ArgType("seconds", _check_seconds, _plain_tf, _lit_py,
                  schema={"type": "number", "minimum": 0, "maximum": 3600})
SHAPE = ArgType("shape", _check_shape, _plain_tf, _lit_py, schema=_SHAPE)
DTYPE = ArgType("dtype", _check_dtype, _dtype_tf, _dtype_py, schema={"enum": list(DTYPES)})
REUSE = ArgType("reuse", _check_reuse, _reuse_tf, _reuse_py,
                schema={"anyOf": [{"type": ["boolean", "null"]}, {"const": "auto_reuse"}]})
VALUE = ArgType("value", _check_value, _value_tf, _value_py, refs=True, schema=_VALUE)
VALUES = ArgType("values", _check_values, _values_tf, _values_py, refs=True,
                 schema={"anyOf": [{"type": "null"}, {"type": "array", "items": _VALUE}]})
SCOPE = ArgType("scope", _check_scope, _scope_tf, _scope_py, refs=True,
                schema={"anyOf": [{"type": ["string", "null"]}, _REF]})
_RANDOM = {"type": ["object", "null"], "additionalProperties": False, "properties": {
    k: _NUM for k in ("minval", "maxval", "mean", "stddev", "seed")}}
INITIALIZER = ArgType("initializer", _check_initializer, _initializer_tf, _initializer_py,
                      schema={"anyOf": [
                          {"enum": ["zeros", "ones", "glorot_uniform"]},
                          {"type": "object", "additionalProperties": False,
                           "minProperties": 1, "maxProperties": 1, "properties": {
                               "constant": _LITERAL, "random_uniform": _RANDOM,
                               "random_normal": _RANDOM, "truncated_normal": _RANDOM}}]})
REGULARIZER = ArgType("regularizer", _check_regularizer, _regularizer_tf, _regularizer_py,
                      schema={"type": "object", "additionalProperties": False,
                              "minProperties": 1, "maxProperties": 1,
                              "properties": {k: _NUM for k in REGULARIZERS}})
COLLECTIONS = ArgType("collections", _check_collections, _collections_tf, _collections_py,
                      schema={"type": "array", "items": {"type": "string"}})


LABEL = ArgType("label", _check_label, _label_tf, _label_py, refs=True,
                schema={"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"})


# --- argument types: partitioners, constraints, custom getters, devices, checkpoints ----------
# Partitioners and constraints (they replace the fixed_size-only / non_neg-only ones), custom
# getters (declarative, no code), devices, control inputs, checkpoint var_lists and seeds.
# Builders that the worker and the exported scripts must share live in facts.py.

def _facts():
    """facts.py: `harness.facts` in the harness, the module beside the worker inside TF."""
    try:
        from . import facts
    except (ImportError, SystemError, ValueError):  # no parent package: we are the worker's
        import facts
    return facts


def _is_whole(v, low=0, high=None):
    return isinstance(v, int) and not isinstance(v, bool) and v >= low and (
        high is None or v <= high)


# name -> ((argument, check, default or REQUIRED), ...), in tf.*_partitioner's own order.
REQUIRED = object()
PARTITIONERS = {
    "fixed_size": ("tf.fixed_size_partitioner", (
        ("num_shards", lambda x: _is_whole(x, 1), REQUIRED), ("axis", _is_whole, 0))),
    "variable_axis_size": ("tf.variable_axis_size_partitioner", (
        ("max_shard_bytes", lambda x: _is_whole(x, 1), REQUIRED), ("axis", _is_whole, 0),
        ("bytes_per_string_element", lambda x: _is_whole(x, 1), 16),
        ("max_shards", lambda x: x is None or _is_whole(x, 1), None))),
    "min_max_variable": ("tf.min_max_variable_partitioner", (
        ("max_partitions", lambda x: _is_whole(x, 1), 1), ("axis", _is_whole, 0),
        ("min_slice_size", lambda x: _is_whole(x, 1), 256 << 10))),
}
_PARTITIONER_HELP = ("expected a partitioner: {fixed_size: N}, {fixed_size: {num_shards: N, "
                     "axis: 0}}, {variable_axis_size: {max_shard_bytes: N, axis, "
                     "bytes_per_string_element, max_shards}}, or {min_max_variable: "
                     "{max_partitions: N, axis, min_slice_size}}")


def _partitioner_kwargs(v):
    """The written partitioner as (tf callable, {argument: value}); the scalar form is the
    first argument."""
    (kind, arg), = v.items()
    call, params = PARTITIONERS[kind]
    if not isinstance(arg, dict):
        arg = {params[0][0]: arg}
    return call, [(name, arg[name]) for name, _, _ in params if name in arg]


def _check_partitioner(v):
    if not (isinstance(v, dict) and len(v) == 1 and list(v)[0] in PARTITIONERS):
        return _PARTITIONER_HELP
    (kind, arg), = v.items()
    params = PARTITIONERS[kind][1]
    if not isinstance(arg, dict):
        arg = {params[0][0]: arg}
    known = [name for name, _, _ in params]
    for key in arg:
        if key not in known:
            return "unknown argument `%s` of the %s partitioner (it takes: %s)" % (
                key, kind, ", ".join(known))
    for name, check, default in params:
        if name not in arg:
            if default is REQUIRED:
                return "the %s partitioner needs `%s`" % (kind, name)
            continue
        if not check(arg[name]):
            return "bad `%s` of the %s partitioner: expected a whole number%s" % (
                name, kind, " (at least 1)" if name != "axis" else "")
    return None


def _partitioner_tf(tf, v, refs):
    call, kwargs = _partitioner_kwargs(v)
    return getattr(tf, call[len("tf."):])(**dict(kwargs))


def _partitioner_py(v):
    call, kwargs = _partitioner_kwargs(v)
    return "%s(%s)" % (call, ", ".join("%s=%r" % kv for kv in kwargs))


def _check_constraint(v):
    if v == "non_neg":
        return None
    if isinstance(v, dict) and list(v) == ["clip_by_value"]:
        bounds = v["clip_by_value"]
        if isinstance(bounds, list) and len(bounds) == 2 and all(map(_is_number, bounds)):
            return None
    return "expected a constraint: non_neg, or {clip_by_value: [LOW, HIGH]}"


def _constraint_tf(tf, v, refs):
    if v == "non_neg":
        return lambda x: tf.maximum(x, 0.0)
    low, high = v["clip_by_value"]
    return lambda x: tf.clip_by_value(x, float(low), float(high))


def _constraint_py(v):
    if v == "non_neg":
        return "lambda x: tf.maximum(x, 0.0)"
    low, high = v["clip_by_value"]
    return "lambda x: tf.clip_by_value(x, %r, %r)" % (float(low), float(high))


# A custom getter is one spec or a list of them (a chain, the first outermost):
#   {rename: {prefix, suffix}}  {record: LABEL}  {force: {trainable, dtype}}
#   {combine: {count, op: sum|product, name_scope, part_prefix}}
GETTERS = ("rename", "record", "force", "combine")
_GETTER_HELP = ("expected a custom getter: {rename: {prefix, suffix}}, {record: LABEL}, "
                "{force: {trainable, dtype}}, {combine: {count, op: sum|product, name_scope, "
                "part_prefix}}, a list of them (a chain, the first outermost), or null")


def _check_getter_spec(v):
    if not (isinstance(v, dict) and len(v) == 1 and list(v)[0] in GETTERS):
        return _GETTER_HELP
    (kind, arg), = v.items()
    if kind == "record":
        if not (isinstance(arg, str) and LABEL_RE.match(arg)) or arg in PY_KEYWORDS \
                or arg == "graph":
            return "`record` takes a label (a Python identifier, not a keyword or `graph`)"
        return None
    allowed = {"rename": ("prefix", "suffix"), "force": ("trainable", "dtype"),
               "combine": ("count", "op", "name_scope", "part_prefix")}[kind]
    if not isinstance(arg, dict) or not arg:
        return "`%s` takes a mapping of: %s" % (kind, ", ".join(allowed))
    for key, x in arg.items():
        if key not in allowed:
            return "unknown key `%s` in `%s` (it takes: %s)" % (key, kind, ", ".join(allowed))
        if key in ("prefix", "suffix", "part_prefix") and not isinstance(x, str):
            return "`%s.%s` must be a string" % (kind, key)
        if key == "name_scope" and x is not None and not isinstance(x, str):
            return "`combine.name_scope` must be a string or null"
        if key == "trainable" and not isinstance(x, bool):
            return "`force.trainable` must be true or false"
        if key == "dtype" and _check_dtype(x):
            return "`force.dtype`: " + _check_dtype(x)
        if key == "count" and not _is_whole(x, 1, 16):
            return "`combine.count` must be a whole number from 1 to 16"
        if key == "op" and x not in ("sum", "product"):
            return "`combine.op` must be sum or product"
    if kind == "combine" and "count" not in arg:
        return "`combine` needs `count`"
    return None


def _check_getter(v):
    if v is None:
        return None
    if isinstance(v, list):
        if not v:
            return "a chain of custom getters must not be empty"
        for x in v:
            err = _check_getter_spec(x)
            if err:
                return err
        return None
    return _check_getter_spec(v)


def getter_labels(v):
    """The labels `{record: LABEL}` specs capture (as kind `getter`)."""
    specs = v if isinstance(v, list) else [v]
    return [s["record"] for s in specs if isinstance(s, dict) and "record" in s]


def _getter_tf(tf, v, refs):
    # The worker's refs carry a `capture(label, obj)` hook; recorders are captured through it.
    return None if v is None else _facts().tfscope_getter(tf, v, getattr(refs, "capture", None))


def _getter_py(v):
    return "None" if v is None else "tfscope_getter(tf, %r, capture)" % (v,)


def _check_name_scope_name(v):
    if v is None or isinstance(v, str):
        return None
    if is_ref(v) and isinstance(v["ref"], str):
        return None
    return ("expected a name (string; ending in `/` for an absolute one), null (the root), or "
            "{ref: LABEL} of a captured name_scope (its string) or variable_scope (its "
            "original_name_scope)")


def _name_scope_name_tf(tf, v, refs):
    if not is_ref(v):
        return v
    obj = refs[v["ref"]]
    return getattr(obj, "original_name_scope", obj)


def _name_scope_name_py(v):
    if not is_ref(v):
        return repr(v)
    return "getattr(%s, 'original_name_scope', %s)" % (v["ref"], v["ref"])


def _check_refs(v):
    if v is None:
        return None
    if isinstance(v, list) and all(is_ref(x) and isinstance(x["ref"], str) for x in v):
        return None
    return "expected a list of {ref: LABEL} (or null)"


def _refs_tf(tf, v, refs):
    return None if v is None else [refs[x["ref"]] for x in v]


def _refs_py(v):
    return "None" if v is None else "[" + ", ".join(x["ref"] for x in v) + "]"


def _check_var_list(v):
    if v is None:
        return None
    if isinstance(v, dict) and not is_ref(v):
        if v and all(isinstance(k, str) and k and is_ref(x) and isinstance(x["ref"], str)
                     for k, x in v.items()):
            return None
    elif _check_refs(v) is None:
        return None
    return ("expected a var_list: a list of {ref: LABEL}, or a mapping {CHECKPOINT_KEY: "
            "{ref: LABEL}}")


def _var_list_tf(tf, v, refs):
    if isinstance(v, dict):
        return {k: refs[x["ref"]] for k, x in v.items()}
    return _refs_tf(tf, v, refs)


def _var_list_py(v):
    if isinstance(v, dict):
        return "{" + ", ".join("%r: %s" % (k, x["ref"]) for k, x in v.items()) + "}"
    return _refs_py(v)


def _check_seed(v):
    ok = v is None or _is_whole(v, 0, 2 ** 31 - 1)
    return None if ok else "expected a seed: a whole number from 0 to 2147483647, or null"


_WHOLE = {"type": "integer", "minimum": 0}
_POS = {"type": "integer", "minimum": 1}
_LABEL_SCHEMA = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}


def _object(props, required=()):
    out = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        out["required"] = list(required)
    return out


def _one_of_keys(props):
    """A mapping with exactly one of these keys."""
    return {"type": "object", "additionalProperties": False, "minProperties": 1,
            "maxProperties": 1, "properties": props}


PARTITIONER = ArgType("partitioner", _check_partitioner, _partitioner_tf, _partitioner_py,
                      schema=_one_of_keys({
                          "fixed_size": {"anyOf": [_POS, _object(
                              {"num_shards": _POS, "axis": _WHOLE}, ["num_shards"])]},
                          "variable_axis_size": {"anyOf": [_POS, _object({
                              "max_shard_bytes": _POS, "axis": _WHOLE,
                              "bytes_per_string_element": _POS,
                              "max_shards": {"anyOf": [{"type": "null"}, _POS]}},
                              ["max_shard_bytes"])]},
                          "min_max_variable": {"anyOf": [_POS, _object({
                              "max_partitions": _POS, "axis": _WHOLE,
                              "min_slice_size": _POS})]}}))
CONSTRAINT = ArgType("constraint", _check_constraint, _constraint_tf, _constraint_py,
                     schema={"anyOf": [{"const": "non_neg"}, _object({"clip_by_value": {
                         "type": "array", "minItems": 2, "maxItems": 2, "items": _NUM}},
                         ["clip_by_value"])]})
_GETTER_SPEC = _one_of_keys({
    "rename": _object({"prefix": {"type": "string"}, "suffix": {"type": "string"}}),
    "record": _LABEL_SCHEMA,
    "force": _object({"trainable": {"type": "boolean"}, "dtype": {"enum": list(DTYPES)}}),
    "combine": _object({"count": {"type": "integer", "minimum": 1, "maximum": 16},
                        "op": {"enum": ["sum", "product"]},
                        "name_scope": {"type": ["string", "null"]},
                        "part_prefix": {"type": "string"}}, ["count"])})
CUSTOM_GETTER = ArgType("custom getter", _check_getter, _getter_tf, _getter_py,
                        schema={"anyOf": [{"type": "null"}, _GETTER_SPEC, {
                            "type": "array", "minItems": 1, "items": _GETTER_SPEC}]})
CUSTOM_GETTER.declares = getter_labels  # labels it captures, of kind `getter`
NAME_SCOPE_NAME = ArgType("name scope name", _check_name_scope_name, _name_scope_name_tf,
                          _name_scope_name_py, refs=True,
                          schema={"anyOf": [{"type": ["string", "null"]}, _REF]})
NAME_SCOPE_NAME.ref_kinds = ("name_scope", "scope")
REFS = ArgType("refs", _check_refs, _refs_tf, _refs_py, refs=True,
               schema={"anyOf": [{"type": "null"}, {"type": "array", "items": _REF}]})
VAR_LIST = ArgType("var_list", _check_var_list, _var_list_tf, _var_list_py, refs=True,
                   schema={"anyOf": [{"type": "null"}, {"type": "array", "items": _REF},
                                     {"type": "object", "minProperties": 1,
                                      "additionalProperties": _REF}]})
VAR_LIST.ref_kinds = ("variable",)
SEED = ArgType("seed", _check_seed, _plain_tf, _lit_py,
               schema={"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 0,
                                                    "maximum": 2 ** 31 - 1}]})
# --- argument types: layers, templates, optimizers ----------------------------------------------
# Argument types of the layer, template and optimizer steps. References to captured layers,
# layer classes, templates and optimizers are bare labels (`layer: L`), like `reuse_variables`.

LAYER_CLASSES = ("layers.Dense", "layers.Conv2D", "layers.BatchNormalization",
                 "keras.Dense", "keras.Conv2D", "keras.BatchNormalization")
ACTIVATIONS = ("relu", "sigmoid", "tanh")
PADDINGS = ("valid", "same")
OPTIMIZER_KINDS = {"gradient_descent": "GradientDescentOptimizer",
                   "momentum": "MomentumOptimizer", "adam": "AdamOptimizer"}
LAYER_BASES = {"layers": "tf.layers.Layer", "keras": "tf.keras.layers.Layer"}


def _check_positive_int(v):
    ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 100000
    return None if ok else "expected a whole number from 1 to 100000"


def _check_int_or_pair(v):
    if _check_positive_int(v) is None:
        return None
    if isinstance(v, list) and len(v) == 2 and all(_check_positive_int(x) is None for x in v):
        return None
    return "expected a positive whole number or a list of two, e.g. 3 or [3, 3]"


def _check_positive_number(v):
    return None if _is_number(v) and v > 0 else "expected a number greater than 0"


def _check_activation(v):
    ok = v is None or (isinstance(v, str) and v in ACTIVATIONS)
    return None if ok else "expected null or one of: " + ", ".join(ACTIVATIONS)


def _one_of(v, names):
    ok = isinstance(v, str) and v in names
    return None if ok else "expected one of: " + ", ".join(names)


def _check_padding(v):
    return _one_of(v, PADDINGS)


def _check_optimizer_kind(v):
    return _one_of(v, OPTIMIZER_KINDS)


def _check_layer_base(v):
    return _one_of(v, LAYER_BASES)


def _check_layer_class(v):
    if (isinstance(v, str) and v in LAYER_CLASSES) or (is_ref(v) and isinstance(v["ref"], str)):
        return None
    return ("expected a layer class, one of: " + ", ".join(LAYER_CLASSES)
            + "; or {ref: LABEL} of a define_layer")


def _check_tensor_ref(v):
    return None if is_ref(v) and isinstance(v["ref"], str) else "expected {ref: LABEL}"


def _check_ref_list(v):
    if isinstance(v, list) and all(_check_tensor_ref(x) is None for x in v):
        return None
    return "expected a list of {ref: LABEL}"


def _check_identifier(v):
    ok = isinstance(v, str) and LABEL_RE.match(v) and v not in PY_KEYWORDS
    return None if ok else "expected a Python class name (letters, digits, _; not a keyword)"


WEIGHT_KEYS = ("name", "shape", "dtype", "initializer", "trainable")


def _check_weights(v):
    if not isinstance(v, list):
        return "expected a list of weights, each {name, shape, dtype?, initializer?, trainable?}"
    for w in v:
        if not isinstance(w, dict) or "name" not in w or "shape" not in w:
            return "each weight needs `name` and `shape`, e.g. {name: kernel, shape: [2, 3]}"
        for key in w:
            if key not in WEIGHT_KEYS:
                return "unknown key `%s` in a weight (allowed: %s)" % (key, ", ".join(WEIGHT_KEYS))
        err = (_check_str(w["name"]) or _check_shape(w["shape"])
               or ("dtype" in w and _check_dtype(w["dtype"]))
               or ("initializer" in w and _check_initializer(w["initializer"]))
               or ("trainable" in w and _check_bool(w["trainable"])))
        if err:
            return "in weight %r: %s" % (w["name"], err)
    return None


def _activation_tf(tf, v, refs):
    return None if v is None else getattr(tf.nn, v)


def _activation_py(v):
    return "None" if v is None else "tf.nn." + v


def _int_or_pair_py(v):
    return repr(tuple(v)) if isinstance(v, list) else repr(v)


def _int_or_pair_tf(tf, v, refs):
    return tuple(v) if isinstance(v, list) else v


def _layer_class_tf(tf, v, refs):
    if is_ref(v):
        return refs[v["ref"]]
    module, name = v.split(".")
    # tf.keras.layers.X, or tf.layers.X (which Keras 3 removes: the AttributeError is recorded).
    return getattr(tf.keras.layers if module == "keras" else tf.layers, name)


def _layer_class_py(v):
    if is_ref(v):
        return v["ref"]
    module, name = v.split(".")
    return ("tf.keras.layers." if module == "keras" else "tf.layers.") + name


def _ref_list_tf(tf, v, refs):
    return [refs[x["ref"]] for x in v]


def _ref_list_py(v):
    return "[" + ", ".join(x["ref"] for x in v) + "]"


def _weights_py(v):
    return repr(v)


_LABEL_SCHEMA = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
POSITIVE_INT = ArgType("positive whole number", _check_positive_int, _plain_tf, _lit_py,
                       schema={"type": "integer", "minimum": 1, "maximum": 100000})
INT_OR_PAIR = ArgType("size", _check_int_or_pair, _int_or_pair_tf, _int_or_pair_py,
                      schema={"anyOf": [{"type": "integer", "minimum": 1, "maximum": 100000},
                                        {"type": "array", "minItems": 2, "maxItems": 2, "items": {
                                            "type": "integer", "minimum": 1,
                                            "maximum": 100000}}]})
POSITIVE_NUMBER = ArgType("positive number", _check_positive_number, _plain_tf, _lit_py,
                          schema={"type": "number", "exclusiveMinimum": 0})
ACTIVATION = ArgType("activation", _check_activation, _activation_tf, _activation_py,
                     schema={"anyOf": [{"type": "null"}, {"enum": list(ACTIVATIONS)}]})
PADDING = ArgType("padding", _check_padding, _plain_tf, _lit_py, schema={"enum": list(PADDINGS)})
OPTIMIZER_KIND = ArgType("optimizer kind", _check_optimizer_kind, _plain_tf, _lit_py,
                         schema={"enum": list(OPTIMIZER_KINDS)})
LAYER_BASE = ArgType("layer base", _check_layer_base, _plain_tf, _lit_py,
                     schema={"enum": list(LAYER_BASES)})
LAYER_CLASS = ArgType("layer class", _check_layer_class, _layer_class_tf, _layer_class_py,
                      refs=True, schema={"anyOf": [{"enum": list(LAYER_CLASSES)}, _REF]})
TENSOR_REF = ArgType("tensor reference", _check_tensor_ref, _value_tf, _ref_py, refs=True,
                     schema=_REF)
REF_LIST = ArgType("list of references", _check_ref_list, _ref_list_tf, _ref_list_py,
                   refs=True, schema={"type": "array", "items": _REF})
IDENTIFIER = ArgType("class name", _check_identifier, _plain_tf, _lit_py, schema=_LABEL_SCHEMA)
_INIT_SCHEMA = INITIALIZER.schema
WEIGHTS = ArgType("weights", _check_weights, _plain_tf, _weights_py, schema={
    "type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["name", "shape"],
        "properties": {"name": {"type": "string"}, "shape": _SHAPE,
                       "dtype": {"enum": list(DTYPES)}, "initializer": _INIT_SCHEMA,
                       "trainable": {"type": "boolean"}}}})
LAYER_LABEL = ArgType("layer label", _check_label, _label_tf, _label_py, refs=True,
                      schema=_LABEL_SCHEMA)
TEMPLATE_LABEL = ArgType("template label", _check_label, _label_tf, _label_py, refs=True,
                         schema=_LABEL_SCHEMA)
OPTIMIZER_LABEL = ArgType("optimizer label", _check_label, _label_tf, _label_py, refs=True,
                          schema=_LABEL_SCHEMA)
# Bare-label argument types (refs_in reads them as labels); ref_kinds: what each may refer to.
LABEL_TYPES = (LAYER_LABEL, TEMPLATE_LABEL, OPTIMIZER_LABEL)
LAYER_LABEL.ref_kinds, TEMPLATE_LABEL.ref_kinds = ("layer",), ("template",)
OPTIMIZER_LABEL.ref_kinds, LAYER_CLASS.ref_kinds = ("optimizer",), ("layer_class",)
REF_LIST.ref_kinds = ("variable",)


def refs_in(argtype, value):
    """Labels referenced by an argument value."""
    if argtype is LABEL or argtype in LABEL_TYPES:
        return [] if value is None else [value]
    if is_ref(value):
        return [value["ref"]]
    if isinstance(value, list):
        return [r for x in value for r in refs_in(argtype, x)]
    if isinstance(value, dict) and argtype.refs:  # e.g. a var_list mapping {key: {ref: L}}
        return [r for x in value.values() for r in refs_in(argtype, x)]
    return []


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
    return "tf.reduce_sum(%s%s)" % (_value_py(args["input"]), rest)


def _layer(tf, kw):
    kw = dict(kw)
    return kw.pop("class")(**kw)


def _render_layer(args):
    rest = dict(args)
    cls = _layer_class_py(rest.pop("class"))
    return "%s(%s)" % (cls, render_args(STEPS["layer"], rest))


def _call_layer(tf, kw):
    extra = {"training": kw["training"]} if "training" in kw else {}
    return kw["layer"](kw["inputs"], **extra)


def _render_call_layer(args):
    extra = ", training=%r" % args["training"] if "training" in args else ""
    return "%s(%s%s)" % (args["layer"], _ref_py(args["inputs"]), extra)


def _weight_kwargs(tf, weight):
    """add_weight keywords of a declared weight (all by keyword: Keras 3 puts shape first)."""
    kw = {"name": weight["name"], "shape": weight["shape"]}
    if "dtype" in weight:
        kw["dtype"] = tf.as_dtype(weight["dtype"])
    if "initializer" in weight:
        kw["initializer"] = _initializer_tf(tf, weight["initializer"], {})
    if "trainable" in weight:
        kw["trainable"] = weight["trainable"]
    return kw


def _weight_kwargs_py(weight):
    out = ["name=%r" % weight["name"], "shape=%r" % (weight["shape"],)]
    if "dtype" in weight:
        out.append("dtype=" + _dtype_py(weight["dtype"]))
    if "initializer" in weight:
        out.append("initializer=" + _initializer_py(weight["initializer"]))
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
    name, base = args["class_name"], LAYER_BASES[args.get("base", "layers")]
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
        if STEPS[step["kind"]].captures == "tensor" and step.get("as"):
            result = step["as"]
        inner = template_result(step.get("do", [])) if STEPS[step["kind"]].kind != "template" \
            else None
        result = inner or result
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
    return getattr(tf.train, OPTIMIZER_KINDS[kw.pop("kind")])(**kw)


def _render_optimizer(args):
    rest = dict(args)
    cls = OPTIMIZER_KINDS[rest.pop("kind")]
    return "tf.train.%s(%s)" % (cls, render_args(STEPS["optimizer"], rest))


def _minimize(tf, kw):
    kw = dict(kw)
    return kw.pop("optimizer").minimize(**kw)


def _render_minimize(args):
    rest = dict(args)
    return "%s.minimize(%s)" % (rest.pop("optimizer"), render_args(STEPS["minimize"], rest))


LAYER_ARGS = [("name", OPT_STR), ("units", POSITIVE_INT), ("filters", POSITIVE_INT),
              ("kernel_size", INT_OR_PAIR), ("strides", INT_OR_PAIR), ("padding", PADDING),
              ("activation", ACTIVATION), ("use_bias", BOOL), ("kernel_initializer", INITIALIZER),
              ("trainable", BOOL)]


VS_ARGS = [
    ("name_or_scope", SCOPE), ("default_name", OPT_STR), ("values", VALUES),
    ("initializer", INITIALIZER), ("regularizer", REGULARIZER), ("caching_device", OPT_STR),
    ("partitioner", PARTITIONER), ("reuse", REUSE), ("dtype", DTYPE), ("use_resource", OPT_BOOL),
    ("constraint", CONSTRAINT), ("auxiliary_name_scope", BOOL),
    ("custom_getter", CUSTOM_GETTER),
]

STEPS = {s.kind: s for s in [
    Step("variable_scope", VS_ARGS, "tf.variable_scope", required=("name_or_scope",), body=True,
         captures="scope", doc="with tf.variable_scope(...) as LABEL:"),
    Step("name_scope", [("name", NAME_SCOPE_NAME), ("default_name", OPT_STR),
                        ("values", VALUES)],
         "tf.name_scope", body=True, captures="name_scope", required=("name",),
         doc="with tf.name_scope(...) as LABEL:"),
    Step("get_variable", [
        ("name", STR), ("shape", SHAPE), ("dtype", DTYPE), ("initializer", INITIALIZER),
        ("regularizer", REGULARIZER), ("trainable", OPT_BOOL), ("collections", COLLECTIONS),
        ("caching_device", OPT_STR), ("partitioner", PARTITIONER), ("use_resource", OPT_BOOL),
        ("constraint", CONSTRAINT),
        ("validate_shape", BOOL), ("custom_getter", CUSTOM_GETTER)],
        "tf.get_variable", required=("name",), captures="variable",
        doc="LABEL = tf.get_variable(...)"),
    Step("variable", [
        ("initial_value", VALUE), ("name", OPT_STR), ("dtype", DTYPE), ("trainable", OPT_BOOL),
        ("collections", COLLECTIONS), ("caching_device", OPT_STR), ("use_resource", OPT_BOOL),
        ("constraint", CONSTRAINT),
        ("validate_shape", BOOL)],
        "tf.Variable", captures="variable",
        doc="LABEL = tf.Variable(...)"),
    Step("reuse_variables", [("scope", LABEL)], "reuse_variables", run=_reuse_variables,
         render=_render_reuse_variables,
         doc="LABEL.reuse_variables(), or tf.get_variable_scope().reuse_variables() if no label"),
    Step("get_variable_scope", [], "tf.get_variable_scope", captures="scope",
         doc="LABEL = tf.get_variable_scope()"),
    Step("constant", [("value", VALUE), ("dtype", DTYPE), ("shape", SHAPE), ("name", OPT_STR)],
         "tf.constant", required=("value",), captures="tensor", doc="tf.constant(...)"),
    Step("identity", [("input", VALUE), ("name", OPT_STR)], "tf.identity", required=("input",),
         captures="tensor", doc="tf.identity(...)"),
    Step("add", [("x", VALUE), ("y", VALUE), ("name", OPT_STR)], "tf.add", required=("x", "y"),
         captures="tensor", doc="tf.add(...)"),
    # The worker runs the body `count` times; the exporter writes a for loop.
    Step("repeat", [("count", COUNT)], "range", required=("count",), body=True,
         run=lambda tf, kw: None, render=lambda args: "range(%d)" % args["count"],
         doc="for i in range(N):"),
    # Devices, control dependencies, other graphs, checkpoints, seeds.
    Step("device", [("device_name_or_function", OPT_STR)], "tf.device",
         required=("device_name_or_function",), body=True,
         doc="with tf.device(...):"),
    Step("control_dependencies", [("control_inputs", REFS)], "tf.control_dependencies",
         required=("control_inputs",), body=True,
         doc="with tf.control_dependencies([...]):"),
    # Another graph, e.g. to make a tensor there and pass it as `values` out here.
    Step("other_graph", [], "tf.Graph().as_default", body=True,
         run=lambda tf, kw: tf.Graph().as_default(),
         render=lambda args: "tf.Graph().as_default()",
         doc="with tf.Graph().as_default():"),
    # Saves (after running the initializers) to a fresh temporary directory, lists the keys.
    Step("saver", [("var_list", VAR_LIST)], "tf.train.Saver", captures="saver",
         run=lambda tf, kw: _facts().tfscope_checkpoint(tf, tf.train.Saver(**kw)),
         render=lambda args: "tfscope_checkpoint(tf, tf.train.Saver(%s))" % render_args(
             STEPS["saver"], args),
         doc="LABEL = tf.train.Saver(var_list=...), saved; its keys via tf.train.list_variables"),
    Step("set_random_seed", [("seed", SEED)], "tf.set_random_seed", required=("seed",),
         doc="tf.set_random_seed(N)"),
    # Layers, templates, optimizers (and the tensors they need).
    Step("placeholder", [("dtype", DTYPE), ("shape", SHAPE), ("name", OPT_STR)],
         "tf.placeholder", required=("dtype",), captures="tensor", doc="tf.placeholder(...)"),
    Step("multiply", [("x", VALUE), ("y", VALUE), ("name", OPT_STR)], "tf.multiply",
         required=("x", "y"), captures="tensor", doc="tf.multiply(...)"),
    Step("reduce_sum", [("input", VALUE), ("name", OPT_STR)], "tf.reduce_sum",
         required=("input",), captures="tensor", run=_reduce_sum, render=_render_reduce_sum,
         doc="tf.reduce_sum(input, name)"),
    Step("dense", [
        ("inputs", TENSOR_REF), ("units", POSITIVE_INT), ("activation", ACTIVATION),
        ("use_bias", BOOL), ("kernel_initializer", INITIALIZER), ("trainable", BOOL),
        ("name", OPT_STR), ("reuse", REUSE)],
        "tf.layers.dense", required=("inputs", "units"), captures="tensor",
        run=_call_dotted("layers.dense"), doc="tf.layers.dense(...)"),
    Step("conv2d", [
        ("inputs", TENSOR_REF), ("filters", POSITIVE_INT), ("kernel_size", INT_OR_PAIR),
        ("strides", INT_OR_PAIR), ("padding", PADDING), ("use_bias", BOOL),
        ("kernel_initializer", INITIALIZER), ("trainable", BOOL), ("name", OPT_STR),
        ("reuse", REUSE)],
        "tf.layers.conv2d", required=("inputs", "filters", "kernel_size"), captures="tensor",
        run=_call_dotted("layers.conv2d"), doc="tf.layers.conv2d(...)"),
    Step("batch_normalization", [
        ("inputs", TENSOR_REF), ("training", BOOL), ("trainable", BOOL), ("name", OPT_STR),
        ("reuse", REUSE)],
        "tf.layers.batch_normalization", required=("inputs",), captures="tensor",
        run=_call_dotted("layers.batch_normalization"), doc="tf.layers.batch_normalization(...)"),
    Step("layer", [("class", LAYER_CLASS)] + LAYER_ARGS, "layer", required=("class",),
         captures="layer", run=_layer, render=_render_layer,
         doc="LABEL = tf.layers.Dense(...), tf.keras.layers.Dense(...), MyLayer(...)"),
    Step("call", [("layer", LAYER_LABEL), ("inputs", TENSOR_REF), ("training", BOOL)], "call",
         required=("layer", "inputs"), captures="tensor", run=_call_layer,
         render=_render_call_layer, doc="LABEL = L(inputs, training=...)"),
    Step("define_layer", [("class_name", IDENTIFIER), ("weights", WEIGHTS), ("base", LAYER_BASE)],
         "class", required=("class_name",), captures="layer_class", run=_define_layer,
         render=_render_define_layer, doc="class NAME(tf.layers.Layer): ..."),
    # The body is the template's function: not run here, but at each call_template.
    Step("template", [("name", OPT_STR), ("create_scope_now", BOOL), ("unique_name", OPT_STR)],
         "tf.make_template", required=("name",), body=True, captures="template",
         label_required=True,
         run=_make_template, render=_render_make_template,
         doc="def _fn_LABEL(): ...; LABEL = tf.make_template(name, _fn_LABEL, ...)"),
    Step("call_template", [("template", TEMPLATE_LABEL)], "call_template",
         required=("template",), captures="tensor", run=lambda tf, kw: kw["template"](),
         render=lambda args: "%s()" % args["template"], doc="LABEL = T()"),
    Step("optimizer", [("kind", OPTIMIZER_KIND), ("learning_rate", POSITIVE_NUMBER),
                       ("momentum", POSITIVE_NUMBER), ("name", STR)],
         "tf.train.Optimizer", required=("kind", "learning_rate"), captures="optimizer",
         run=_optimizer, render=_render_optimizer,
         doc="LABEL = tf.train.GradientDescentOptimizer(...) / MomentumOptimizer / AdamOptimizer"),
    Step("minimize", [("optimizer", OPTIMIZER_LABEL), ("loss", TENSOR_REF),
                      ("var_list", REF_LIST), ("name", OPT_STR)],
         "minimize", required=("optimizer", "loss"), captures="op", run=_minimize,
         render=_render_minimize, doc="LABEL = O.minimize(loss, var_list=..., name=...)"),
    # Fault injection for the harness's own tests; refused unless the run enables test steps.
    Step("sleep", [("seconds", SECONDS)], "time.sleep", required=("seconds",), test_only=True,
         run=_sleep, render=lambda args: "__import__('time').sleep(%r)" % args["seconds"],
         doc="sleep N seconds (test only)"),
    Step("crash", [("how", STR)], "crash", required=("how",), test_only=True, run=_crash,
         render=lambda args: "__import__('os')._exit(3)",
         doc="kill the worker: exit, abort, segfault or kill (test only)"),
    Step("print", [("text", STR)], "print", required=("text",), test_only=True, run=_print,
         render=lambda args: "print(%r)" % args["text"],
         doc="print to stdout from inside TF's process (test only)"),
]}

# Facts the worker records for each kind of captured object (the comparator checks names).
FACTS = {
    "variable": ("name", "op.name", "class", "dtype", "shape", "trainable", "device",
                 "caching_device", "collections",
                 "parts", "partitions", "part_shapes", "constraint",
                 "value"),
    "tensor": ("name", "op.name", "class", "dtype", "shape",
               "device", "control_inputs",
               "value"),
    "scope": ("name", "class", "original_name_scope", "reuse", "dtype", "use_resource",
              "initializer", "regularizer", "caching_device"),
    "name_scope": ("name", "class"),
    "getter": ("calls", "reuse"),  # a custom getter's {record: LABEL}
    "saver": ("keys", "shapes"),
    "layer": ("name", "class", "scope_name", "variables", "trainable_variables",
              "non_trainable_variables", "built"),
    "layer_class": ("name",),
    "template": ("name", "variable_scope", "variables"),
    "optimizer": ("name", "class", "slot_names", "slots", "variables"),
    "op": ("name", "type", "device"),
}
GRAPH_FACTS = ("global_variables", "trainable_variables", "local_variables",
               "regularization_losses", "ops", "variable_scope")
# graph.collection.NAME, for any collection NAME (the validator accepts any).
GRAPH_FACTS += ("collection.NAME",)
GRAPH_FACT_PREFIXES = ("collection.",)

# Keys of a step mapping besides the step key.
STEP_KEYS = ("do",)
LABEL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Labels become Python names in exported scripts: no keywords, and not the names the export uses.
PY_KEYWORDS = frozenset("""False None True and as assert async await break class continue def
del elif else except finally for from global if import in is lambda nonlocal not or pass raise
return try while with yield tf i""".split())
# Names exported scripts use inside program() (its parameter, facts.py helpers).
PY_KEYWORDS = PY_KEYWORDS | frozenset(("capture", "tfscope_getter", "tfscope_checkpoint"))


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
