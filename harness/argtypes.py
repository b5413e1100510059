"""Argument types of the curated steps: what a written argument may be (check), the TF object it
stands for (to_tf) and its Python source (to_py), plus its JSON Schema fragment.

Part of the step vocabulary (steps.py puts the table together); shared by the harness and the
worker, so Python 3.6+ with the standard library only.
"""

import re

LABEL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Labels become Python names in exported scripts: no keywords, and not the names the export uses.
PY_KEYWORDS = frozenset("""False None True and as assert async await break class continue def
del elif else except finally for from global if import in is lambda nonlocal not or pass raise
return try while with yield tf py""".split())
# `i` is a label like any other (TF's tests loop with it), except in a case with `repeat`, which
# renders as `for i in range(N):` (cases.py checks that); `py` prefixes the builtins (py.len).
# Names exported scripts use inside program() (its parameter, facts.py helpers, the name a
# caught exception is bound to).
PY_KEYWORDS = PY_KEYWORDS | frozenset(("capture", "tfscope_getter", "tfscope_checkpoint",
                                       "tfscope_snapshot", "tfscope_error"))

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
