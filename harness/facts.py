"""What the worker records about TensorFlow objects: one getter per fact, per captured kind.

Shared, verbatim, by the worker (which imports it from beside itself) and by the scripts
`tfscope export` writes (which inline this file's text), so both observe exactly the same. It
runs on Python 3.6+ with the standard library only; TensorFlow (`tf`, possibly `compat.v1`) is
handed in, never imported here. Keep it free of imports from the harness.
"""

MAX_MESSAGE = 4000


class Many(list):
    """The values of a label captured more than once (in a loop, a function body, several
    places), in program order: not to be confused with one captured list."""


def describe_value(value):
    """A JSON-safe description of a fetched value (numpy arrays and scalars as lists and
    numbers; dicts with string keys mapped; other collections and dict views as lists)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return dict((k, describe_value(v)) for k, v in value.items())
        return [[describe_value(k), describe_value(v)] for k, v in value.items()]
    if isinstance(value, (set, frozenset)):
        return sorted((describe_value(v) for v in value), key=repr)
    if isinstance(value, (list, tuple, range)) or type(value).__name__ in (
            "dict_keys", "dict_values", "dict_items"):
        return [describe_value(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return "<%s>" % type(value).__name__  # never a repr: it may hold an address


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
    out = []
    for key in graph.get_all_collection_keys():
        for v in graph.get_collection_ref(key):  # the list itself: no copy per capture
            if v is obj:
                out.append(key)
                break
    return sorted(out)


def _reuse(tf, scope):
    # TF before 1.4 has no AUTO_REUSE: there a scope's reuse is just true or false.
    auto = getattr(tf, "AUTO_REUSE", None)
    return "auto_reuse" if auto is not None and scope.reuse is auto else bool(scope.reuse)


def _is_partitioned(obj):
    return type(obj).__name__ == "PartitionedVariable"


def _parts(tf, obj):
    return [v.name for v in obj] if _is_partitioned(obj) else None


def _part_shapes(tf, obj):
    return [_shape(v) for v in obj] if _is_partitioned(obj) else None


def _partitions(tf, obj):
    return list(obj._get_partitions()) if _is_partitioned(obj) else None


# kind -> ((fact, getter(tf, obj)), ...); the fact names are steps.FACTS[kind] (a test checks).
FACT_GETTERS = {
    "variable": (
        ("name", lambda tf, o: o.name), ("op.name", lambda tf, o: o.op.name),
        ("class", lambda tf, o: type(o).__name__), ("dtype", lambda tf, o: _dtype(o)),
        ("shape", lambda tf, o: _shape(o)), ("trainable", _trainable),
        ("device", lambda tf, o: o.device),
        ("caching_device", lambda tf, o: getattr(o, "_caching_device", None)),
        ("collections", _collections),
        ("parts", _parts), ("partitions", _partitions), ("part_shapes", _part_shapes),
        ("constraint", lambda tf, o: o.constraint is not None),
    ),
    "tensor": (
        ("name", lambda tf, o: o.name), ("op.name", lambda tf, o: o.op.name),
        ("class", lambda tf, o: type(o).__name__),
        ("dtype", lambda tf, o: _dtype(o)), ("shape", lambda tf, o: _shape(o)),
        ("device", lambda tf, o: o.device),
        ("control_inputs", lambda tf, o: [op.name for op in o.op.control_inputs]),
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
    # A getter's lists are the recorder's own: calls made after the capture
    # still show, since facts are serialised when the program has ended.
    "getter": (("calls", lambda tf, o: o.calls), ("reuse", lambda tf, o: o.reuse)),
    "saver": (("keys", lambda tf, o: o.keys), ("shapes", lambda tf, o: o.shapes)),
}


# --- facts taken when the program ends ----------------------------------------------------------
# Layers, templates and optimizers create their variables after they are captured (at the first
# call, or at minimize), so their facts are taken when the program ends (or stops at an error).
LATE_KINDS = ("layer", "template", "optimizer")


def _names(objs):
    return [o.name if hasattr(o, "name") else str(o) for o in objs]


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
        kind = kinds[label]
        if kind not in LATE_KINDS and kind != "generic":
            continue
        objs = captured[label]
        for obj in (objs if isinstance(objs, Many) else [objs]):
            facts = generic_facts(tf, obj, late=True) if kind == "generic" else \
                facts_of(tf, kind, obj)
            for name, value in facts.items():
                if isinstance(objs, Many):
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

    def names(key):  # str(v) only for an item without a name (a variable's repr is slow)
        return [v.name if hasattr(v, "name") else str(v) for v in graph.get_collection(key)]
    out = {
        "graph.global_variables": names(tf.GraphKeys.GLOBAL_VARIABLES),
        "graph.trainable_variables": names(tf.GraphKeys.TRAINABLE_VARIABLES),
        "graph.local_variables": names(tf.GraphKeys.LOCAL_VARIABLES),
        "graph.regularization_losses": names(tf.GraphKeys.REGULARIZATION_LOSSES),
        "graph.ops": [op.name for op in graph.get_operations()],
        "graph.variable_scope": tf.get_variable_scope().name,
    }
    out.update(collection_facts(graph))
    return out


# --- collections, custom getters, checkpoints ------------------------------------------------

def collection_facts(graph):
    """graph.collection.NAME for every collection with a string key: its items' names (the type
    name for an item without one, never a repr with an address)."""
    out = {}
    for key in graph.get_all_collection_keys():
        if isinstance(key, str):
            out["graph.collection." + key] = [
                getattr(v, "name", None) or "<%s>" % type(v).__name__
                for v in graph.get_collection(key)]
    return out


class GetterRecord(object):
    """What a `{record: LABEL}` getter saw: each call's name and its `reuse` argument."""

    def __init__(self):
        self.calls, self.reuse = [], []


def tfscope_getter(tf, spec, capture=None):
    """A custom getter built from its declarative spec (see steps.CUSTOM_GETTER); a list is a
    chain, the first outermost. `capture(label, record)` receives each `record`'s recorder."""
    if isinstance(spec, list):
        getters = [tfscope_getter(tf, s, capture) for s in spec]

        def chain(getter, name, *args, **kwargs):
            for g in reversed(getters[1:]):
                getter = _bind(g, getter)
            return getters[0](getter, name, *args, **kwargs)
        return chain
    (kind, arg), = spec.items()
    if kind == "record":
        record = GetterRecord()
        if capture is not None:
            capture(arg, record)

        def recording(getter, name, *args, **kwargs):
            record.calls.append(name)
            reuse = kwargs.get("reuse")
            # TF before 1.4 has no AUTO_REUSE (see _reuse): there reuse is true, false or None.
            auto = getattr(tf, "AUTO_REUSE", None)
            record.reuse.append("auto_reuse" if auto is not None and reuse is auto
                                else None if reuse is None else bool(reuse))
            return getter(name, *args, **kwargs)
        return recording
    if kind == "rename":
        def rename(getter, name, *args, **kwargs):
            return getter(arg.get("prefix", "") + name + arg.get("suffix", ""), *args, **kwargs)
        return rename
    if kind == "force":
        def force(getter, name, *args, **kwargs):
            if "trainable" in arg:
                kwargs["trainable"] = arg["trainable"]
            if "dtype" in arg:
                kwargs["dtype"] = tf.as_dtype(arg["dtype"])
            return getter(name, *args, **kwargs)
        return force

    def combine(getter, name, *args, **kwargs):
        parts = [getter("%s/%s%d" % (name, arg.get("part_prefix", ""), i), *args, **kwargs)
                 for i in range(arg["count"])]
        scope = arg.get("name_scope")
        with tf.name_scope(scope) if scope is not None else _Nothing():
            out = parts[0]
            for part in parts[1:]:
                out = out * part if arg.get("op") == "product" else out + part
        return out
    return combine


def _bind(g, getter):
    return lambda name, *args, **kwargs: g(getter, name, *args, **kwargs)


class _Nothing(object):
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


class Checkpoint(object):
    """The keys (sorted) and shapes a saver wrote."""

    def __init__(self, listed):
        self.keys = sorted(name for name, _ in listed)
        self.shapes = dict((name, list(shape)) for name, shape in listed)


def tfscope_checkpoint(tf, saver):
    """Run the initializers, save with `saver` to a fresh temporary directory (removed after)
    and list what the checkpoint holds (tf.train.list_variables; before TF 1.3, which lacks it,
    the checkpoint reader it wraps)."""
    import os
    import shutil
    import tempfile
    variables = tf.global_variables() + tf.local_variables()
    for v in _saved_variables(getattr(saver, "_var_list", None)):
        if not any(v is w for w in variables):
            variables.append(v)
    directory = tempfile.mkdtemp(prefix="tfscope-")
    try:
        with tf.Session() as sess:
            sess.run(tf.variables_initializer(variables))
            with _saving(tf, saver):
                path = saver.save(sess, os.path.join(directory, "ckpt"), write_meta_graph=False)
        return Checkpoint(_list_checkpoint(tf, path))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _saving(tf, saver):
    """In the worker, whose sessions refuse to run save ops (policy.guard_sessions): allow the
    saver's own save ops, those that write to its filename tensor, which the save feeds with
    the temporary directory above (nothing else, not what they read). Elsewhere (an exported
    script) nothing is guarded, nothing to allow."""
    import sys
    allowing = getattr(sys.modules.get("policy"), "allowing", None)  # the worker's
    if allowing is None:
        return _Nothing()
    graph = tf.get_default_graph()
    try:
        filename = graph.as_graph_element(saver.saver_def.filename_tensor_name)
    except Exception:  # noqa: BLE001 - no filename tensor: nothing of it is allowed
        return _Nothing()
    return allowing([op for op in graph.get_operations()
                     if op.type in ("SaveV2", "Save") and len(op.inputs)
                     and op.inputs[0] is filename])


def _list_checkpoint(tf, path):
    if hasattr(tf.train, "list_variables"):
        return tf.train.list_variables(path)
    # TF 1.0-1.2: what list_variables does from 1.3 on, so a case's keys are comparable there
    shapes = tf.train.NewCheckpointReader(path).get_variable_to_shape_map()
    return sorted(shapes.items())


def _saved_variables(var_list):
    items = list(var_list.values()) if isinstance(var_list, dict) else list(var_list or [])
    out = []
    for v in items:
        out += list(v) if _is_partitioned(v) else [v]
    return [v for v in out if hasattr(v, "initializer")]


def _fetch(sess, obj):
    try:
        if isinstance(obj, str):
            return "<unavailable: not a tensor>"
        return describe_value(sess.run(obj))
    except Exception as e:
        if type(e).__name__ in ("MemoryError", "ResourceExhaustedError"):
            raise  # out of memory: the worker reports that, not a value
        return "<unavailable: %s>" % type(e).__name__


# --- large values: recorded in summary, compared here -------------------------------------------
# A value with more elements than the worker's `max_value` is never sent (or even fetched) whole:
# it is recorded as {shape, dtype, size, prefix, digest}, and what the case claims of it is
# compared here, exactly as `match` would compare the whole value, the results under "checked"
# (claim_key -> bool). `match` reads them back on the harness's side.
PREFIX = 10
CHUNK = 1 << 20  # elements per fetch


def claim_key(value):
    """A claim's identity in "checked": the same on Python 3.6 and on the harness's Python."""
    import hashlib
    import json
    text = json.dumps(value, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def is_summary(value):
    return isinstance(value, dict) and "digest" in value and "shape" in value \
        and "dtype" in value


UNAVAILABLE_MESSAGE = 200  # characters of the error's first line in an `<unavailable: ...>`


def unavailable(exc):
    """`<unavailable: TYPE: first line of the message>` (of a path that cannot be read)."""
    message = (error_message(exc).splitlines() or [""])[0]
    if len(message) > UNAVAILABLE_MESSAGE:
        message = message[:UNAVAILABLE_MESSAGE] + "..."
    return "<unavailable: %s: %s>" % (type(exc).__name__, message) if message else \
        "<unavailable: %s>" % type(exc).__name__


def match(expected, actual):
    """Does an actual value satisfy an expected literal or matcher?"""
    import re
    # `<unavailable: AttributeError>` names the error's type only: it matches that error
    # whatever its message (which differs between versions).
    if isinstance(expected, str) and isinstance(actual, str) and \
            expected.startswith("<unavailable: ") and expected.endswith(">") and \
            ":" not in expected[len("<unavailable: "):] and \
            actual.startswith(expected[:-1] + ": "):
        return True
    if is_summary(actual):
        if is_summary(expected):  # a recorded summary: the same bytes
            return all(expected.get(k) == actual.get(k) for k in ("shape", "dtype", "digest"))
        return (actual.get("checked") or {}).get(claim_key(expected)) is True
    if isinstance(expected, dict) and len(expected) == 1:
        (name, arg), = expected.items()
        if name == "matches":
            return isinstance(actual, str) and re.fullmatch(arg, actual) is not None
        if name == "startswith":
            return isinstance(actual, str) and actual.startswith(arg)
        if name == "contains":
            return isinstance(actual, list) and all(item in actual for item in arg)
        if name == "excludes":
            return isinstance(actual, list) and not any(item in actual for item in arg)
    if isinstance(expected, float) or isinstance(actual, float):
        if isinstance(expected, (int, float)) and isinstance(actual, (int, float)) and not (
                isinstance(expected, bool) or isinstance(actual, bool)):
            import math
            # A source that says NaN (`.nan` in YAML) is right when TF gives NaN; infinities
            # match only themselves.
            if math.isnan(expected) or math.isnan(actual):
                return math.isnan(expected) and math.isnan(actual)
            if math.isinf(expected) or math.isinf(actual):
                return expected == actual
            return abs(expected - actual) <= 1e-6 * max(1.0, abs(expected))
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(match, expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            match(expected[k], actual[k]) for k in expected)
    if type(expected) is bool or type(actual) is bool:
        return type(expected) is type(actual) and expected == actual
    return expected == actual


class _Judge(object):
    """One claim about a large value, decided item by item (items along the first axis) while
    the value streams past: the same answer `match(claim, whole value)` would give."""

    def __init__(self, claim, length):
        self.claim, self.verdict = claim, None
        self.wanted = None
        if isinstance(claim, list):
            if len(claim) != length:
                self.verdict = False
        elif isinstance(claim, dict) and len(claim) == 1 and \
                list(claim)[0] in ("contains", "excludes") and isinstance(
                    list(claim.values())[0], list):
            self.kind, self.wanted = list(claim.items())[0]
            self.found = [False] * len(self.wanted)
        else:
            self.verdict = False  # a scalar, a string matcher, a mapping: never equal to a list

    def item(self, index, item):
        if self.verdict is not None:
            return
        if self.wanted is None:
            if not match(self.claim[index], item):
                self.verdict = False
            return
        for i, want in enumerate(self.wanted):
            if not self.found[i] and want == item:
                self.found[i] = True
        if self.kind == "excludes" and any(self.found):
            self.verdict = False

    def result(self):
        if self.verdict is not None:
            return self.verdict
        if self.wanted is None:
            return True
        return all(self.found) if self.kind == "contains" else not any(self.found)


def _size(shape):
    size = 1
    for n in shape:
        size *= n
    return size


def _static_shape(obj):
    try:
        shape = obj.get_shape()
        return shape.as_list() if shape.is_fully_defined() else None
    except (AttributeError, ValueError, TypeError):
        return None


def _summarise(shape, dtype, chunks, claims):
    """The summary of a value given as `chunks` (numpy arrays of whole items, in order)."""
    import hashlib
    import json
    digest = hashlib.sha256()
    prefix = []
    judges = dict((claim_key(c), _Judge(c, shape[0])) for c in claims if not is_summary(c))
    index = 0
    for chunk in chunks:
        flat = chunk.reshape([-1])
        if len(prefix) < PREFIX:
            prefix += describe_value(flat[:PREFIX - len(prefix)])
        if chunk.dtype.kind in "OSU":  # strings: their text, not object pointers
            digest.update(json.dumps(describe_value(flat), ensure_ascii=True).encode("ascii"))
        else:
            digest.update(chunk.tobytes())
        if any(j.verdict is None for j in judges.values()):
            for item in describe_value(chunk):
                for judge in judges.values():
                    judge.item(index, item)
                index += 1
        else:
            index += chunk.shape[0]
    return {"shape": list(shape), "dtype": dtype, "size": _size(shape), "prefix": prefix,
            "digest": "sha256:" + digest.hexdigest(),
            "checked": dict((key, judge.result()) for key, judge in sorted(judges.items()))}


def _fetch_large(tf, sess, obj, shape, claims):
    """Stream a large value out of the session a chunk of whole items at a time."""
    try:
        dtype = obj.dtype.base_dtype.name
        flat = tf.reshape(obj, [-1])
        begin = tf.placeholder(tf.int64, [])
        size = tf.placeholder(tf.int64, [])
        window = tf.slice(flat, tf.reshape(begin, [1]), tf.reshape(size, [1]))
        item = _size(shape[1:])
        rows = max(1, CHUNK // max(item, 1))

        def chunks():
            for start in range(0, shape[0], rows):
                count = min(rows, shape[0] - start)
                got = sess.run(window, {begin: start * item, size: count * item})
                yield got.reshape([count] + list(shape[1:]))
        return _summarise(shape, dtype, chunks(), claims)
    except Exception as e:
        if type(e).__name__ in ("MemoryError", "ResourceExhaustedError"):
            raise
        return "<unavailable: %s>" % type(e).__name__


def _value(tf, sess, obj, max_value, claims):
    """The value of one object: whole, or in summary when it has more than `max_value`
    elements (None: no limit)."""
    shape = _static_shape(obj) if max_value is not None else None
    if shape and _size(shape) > max_value:
        return _fetch_large(tf, sess, obj, shape, claims)
    if max_value is None or isinstance(obj, str):
        return _fetch(sess, obj)
    try:
        got = sess.run(obj)
    except Exception:
        return _fetch(sess, obj)  # the same error, described the usual way
    if getattr(got, "size", 0) > max_value and getattr(got, "ndim", 0) > 0:
        # A shape known only once run: summarised from the fetched array.
        return _summarise(list(got.shape), got.dtype.name if got.dtype.kind not in "OSU"
                          else "string", [got], claims)
    return describe_value(got)


def _plain(obj, depth=0):
    """Python data with nothing of TF in it (what `.value` reads without a session)."""
    if obj is None or isinstance(obj, (str, bytes, bool, int, float)):
        return True
    if depth > 8:
        return False
    if isinstance(obj, dict):
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)) or type(obj).__name__ in (
            "dict_keys", "dict_values", "dict_items"):
        return all(_plain(v, depth + 1) for v in obj)
    if isinstance(obj, range):  # what py.range gives: plain numbers
        return True
    return False


def values(tf, captured, kinds, labels, max_value=None, claims=None):
    """Run the initializers and fetch the values of the captured objects named in `labels`.

    captured: label -> object, or list of objects (captures inside a loop); kinds: label -> kind.
    max_value: values with more elements are summarised (see _summarise), each claim in
    `claims` (fact -> list of claimed values) decided on the way.
    """
    out = {}
    claims = claims or {}
    wanted = [label for label in labels if label in captured]
    # Plain Python values (a bool from `==`, a string) need no session: a graph whose variables
    # cannot be initialized here (a caching device on another job) must not hide them.
    for label in list(wanted):
        objs = captured[label]
        items = objs if isinstance(objs, Many) else [objs]
        if kinds[label] == "generic" and all(_plain(o) for o in items):
            plain = [describe_value(o) for o in items]
            out[label + ".value"] = plain if isinstance(objs, Many) else plain[0]
            wanted.remove(label)
    if not wanted:
        return out
    try:
        with tf.Session() as sess:
            variables = tf.global_variables() + tf.local_variables()
            for label, objs in captured.items():
                for obj in (objs if isinstance(objs, Many) else [objs]):
                    # Variables outside the standard collections need initializing too.
                    kind = classify(tf, obj) if kinds[label] == "generic" else kinds[label]
                    if kind == "variable" and hasattr(obj, "initializer") \
                            and not any(obj is v for v in variables):
                        variables.append(obj)
            sess.run(tf.variables_initializer(variables))
            batch = _read_variables(tf, sess, captured, wanted, max_value)
            for label in wanted:
                objs = captured[label]
                said = claims.get(label + ".value", [])
                many = isinstance(objs, Many)
                items = objs if many else [objs]

                def one(i, o, label=label, said=said, many=many, items=items):
                    if id(o) in batch:
                        return describe_value(batch[id(o)])
                    if kinds[label] == "generic" and (
                            o is None or isinstance(o, (str, bool, int, float))):
                        return o
                    # One claimed list item per object of a label captured many times.
                    mine = [c[i] for c in said if isinstance(c, list) and
                            len(c) == len(items)] if many else said
                    return _value(tf, sess, o, max_value, mine)
                fetched = [one(i, o) for i, o in enumerate(items)]
                out[label + ".value"] = fetched if many else fetched[0]
    except Exception as e:
        if type(e).__name__ in ("MemoryError", "ResourceExhaustedError"):
            raise
        for label in wanted:
            out.setdefault(label + ".value", "<unavailable: %s>" % type(e).__name__)
    return out


def _read_variables(tf, sess, captured, wanted, max_value):
    """id -> value of every object of the `wanted` labels, read in one session run, when all
    of them are variables of a known shape within `max_value`: a variable's read changes
    nothing and nothing runs between reads, so one run gives what one run per label gives, for
    a session run's cost (a few ms each). Otherwise (a tensor may be random or assign: each
    label keeps its own run), or when that run fails, {}: each label is fetched on its own."""
    objs = []
    for label in wanted:
        items = captured[label]
        objs += items if isinstance(items, Many) else [items]
    for o in objs:
        shape = _static_shape(o) if isinstance(o, tf.Variable) else None
        if shape is None or (max_value is not None and _size(shape) > max_value):
            return {}
    try:
        return dict(zip(map(id, objs), sess.run(objs)))
    except Exception as e:
        if type(e).__name__ in ("MemoryError", "ResourceExhaustedError"):
            raise
        return {}


def error_message(exc):
    # TF appends the Python stack where a clashing variable was made: paths of this machine,
    # different per checkout and TF build. Keep the message, drop that stack.
    message = str(exc).split(" Originally defined at:")[0].split("\n\n  File \"")[0].rstrip()
    # TF 2 names the graphs of a cross-graph error by repr (`<... object at 0x7f...>`): an address
    # that differs on every run.
    import re
    message = re.sub(r" at 0x[0-9a-fA-F]+>", " at 0x...>", message)
    # A template appends where it was defined the same way, in lower case.
    message = message.split("\n\noriginally defined at:")[0].rstrip()
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "..."
    return message


def error_bases(exc):
    return [c.__name__ for c in type(exc).__mro__[1:] if c is not object]


# --- generic captures: the kind decided by the object, attribute-path facts, snapshots -----------

_PATH_RE = None


def parse_path(path):
    """`w.parts[0]['k']` -> ("w", [("attr", "parts"), ("index", 0), ("key", "k")]); ValueError
    when it is no path. No dunder attributes (policy.py refuses more: the validator checks)."""
    import re
    global _PATH_RE
    if _PATH_RE is None:
        _PATH_RE = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?[0-9]+)\]|\['([^'\\]*)'\]"
                              r'|\["([^"\\]*)"\]')
    head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", path or "")
    if head is None:
        raise ValueError("a path starts with a label (a Python identifier)")
    steps, pos = [], head.end()
    while pos < len(path):
        m = _PATH_RE.match(path, pos)
        if m is None:
            raise ValueError("cannot read `%s` (after `%s`): write .NAME, [INT] or ['KEY']"
                             % (path[pos:], path[:pos]))
        attr, index, key1, key2 = m.groups()
        if attr is not None:
            if attr.startswith("__"):
                raise ValueError("no dunder attributes (`%s`)" % attr)
            steps.append(("attr", attr))
        elif index is not None:
            steps.append(("index", int(index)))
        else:
            steps.append(("key", key1 if key1 is not None else key2))
        pos = m.end()
    return head.group(0), steps


def _mro_names(obj):
    return [c.__name__ for c in type(obj).__mro__]


def classify(tf, obj):
    """The kind of a generic capture, from the object (docs/case-format.md)."""
    if isinstance(obj, (list, tuple)):
        return "list"
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return "value"
    names = _mro_names(obj)
    if isinstance(obj, tf.Variable) or "PartitionedVariable" in names or "Variable" in names:
        return "variable"
    if isinstance(obj, tf.Tensor):
        return "tensor"
    if isinstance(obj, tf.Operation):
        return "op"
    if isinstance(obj, tf.VariableScope):
        return "scope"
    if "Template" in names:
        return "template"
    if "Layer" in names:
        return "layer"
    if "Optimizer" in names or "OptimizerV2" in names:
        return "optimizer"
    return "object"


FACT_GETTERS.update({
    "generic": (),  # facts_of(classify(obj)) instead: see generic_facts
    "value": (("value", lambda tf, o: o),),
    "object": (("class", lambda tf, o: type(o).__name__),),
})


def generic_facts(tf, obj, late):
    """The facts of a generic capture: its runtime kind's curated facts (those of LATE_KINDS only
    when `late`, the others only when not); a list's: each element's, as lists."""
    kind = classify(tf, obj)
    if kind == "list":
        per = [generic_facts(tf, o, late) for o in obj]
        names = []
        for facts in per:
            names += [n for n in facts if n not in names]
        return dict((n, [f.get(n) for f in per]) for n in names)
    if (kind in LATE_KINDS) != bool(late):
        return {}
    return facts_of(tf, kind, obj)


def to_json(tf, value, depth=0):
    """An attribute-path fact as JSON: TensorShape -> list, DType -> name, variables, tensors and
    ops -> their name, lists and string-keyed dicts mapped, others -> "<ClassName>" (never a repr
    with an address)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if depth > 8:
        return "<%s>" % type(value).__name__
    if isinstance(value, (list, tuple)):
        return [to_json(tf, v, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return dict((k, to_json(tf, v, depth + 1)) for k, v in value.items())
    if isinstance(value, tf.TensorShape):
        return None if value.ndims is None else [d if d is None else int(d)
                                                 for d in value.as_list()]
    if isinstance(value, tf.DType):
        return value.name
    names = _mro_names(value)
    if "Dimension" in names:
        return value.value
    if classify(tf, value) in ("variable", "tensor", "op") or "Graph" in names:
        name = getattr(value, "name", None)
        if isinstance(name, str):
            return name
    if hasattr(value, "tolist") and type(value).__module__.split(".")[0] == "numpy":
        return describe_value(value)
    return "<%s>" % type(value).__name__


def path_fact(tf, obj, steps, step=None, where=""):
    """`where`: the path read so far (`m.six`), which a refused step names. A path ending in a
    curated fact of the object it reached (`layer.kernel.shape`, `.dtype`, `.collections`) is
    that fact, read by its getter: the same value as of that object captured itself, on every
    TF (a TF 1.0 variable has get_shape() but no .shape; a ref variable's .dtype is
    float32_ref where its dtype fact is float32)."""
    for i, (kind, key) in enumerate(steps):
        if kind == "attr" and isinstance(obj, (list, tuple)) and not hasattr(obj, key):
            # A list's facts are its items' (as generic_facts gives them): `L.name` is each
            # item's name, so that of an empty list (get_variables('A') finding none) is [].
            return [path_fact(tf, o, steps[i:], step, where) for o in obj]
        if kind == "attr" and i == len(steps) - 1:
            getter = dict(FACT_GETTERS.get(classify(tf, obj), ())).get(key) \
                if tf is not None else None  # (unit tests read plain objects with no TF)
            if getter is not None:
                return getter(tf, obj)
        where += "." + str(key) if kind == "attr" else "[%r]" % (key,)
        obj = step(obj, kind, key, where) if step is not None else \
            getattr(obj, key) if kind == "attr" else obj[key]
    return to_json(tf, obj)


def path_facts(tf, captured, paths, step=None):
    """`LABEL.PATH` facts read at the end of the program (a list for a label captured several
    times); what cannot be read is `<unavailable: ERROR>`. `step(obj, kind, key)`: one step of
    a path, as the worker's policy takes it (generic.path_step)."""
    out = {}
    for key in paths:
        label, steps = parse_path(key)
        if label not in captured:
            continue
        objs = captured[label]
        values_ = []
        for obj in (objs if isinstance(objs, Many) else [objs]):
            try:
                values_.append(path_fact(tf, obj, steps, step, label))
            except Exception as e:  # with its message: a misspelt attribute names itself
                values_.append(unavailable(e))
        out[key] = values_ if isinstance(objs, Many) else values_[0]
    return out


class Snapshot(object):
    """The graph's facts at one point of the program (a `snapshot` step)."""

    def __init__(self, tf):
        graph = tf.get_default_graph()

        def names(key):
            return [v.name if hasattr(v, "name") else str(v) for v in graph.get_collection(key)]
        self.global_variables = names(tf.GraphKeys.GLOBAL_VARIABLES)
        self.trainable_variables = names(tf.GraphKeys.TRAINABLE_VARIABLES)
        self.local_variables = names(tf.GraphKeys.LOCAL_VARIABLES)
        self.ops = [op.name for op in graph.get_operations()]
        self.variable_scope = tf.get_variable_scope().name
        self.name_scope = graph.get_name_scope()
        self.collections = dict((k[len("graph.collection."):], v)
                                for k, v in collection_facts(graph).items())


def tfscope_snapshot(tf):
    return Snapshot(tf)


def _snapshot_facts(tf, o):
    return o


def _error_fact(tf, exc):
    if exc is None:
        return None
    return {"type": type(exc).__name__, "message": error_message(exc),
            "bases": error_bases(exc)}


FACT_GETTERS.update({
    "snapshot": tuple((name, (lambda n: lambda tf, o: getattr(o, n))(name)) for name in (
        "global_variables", "trainable_variables", "local_variables", "ops", "variable_scope",
        "name_scope")),
    "caught": (("error", _error_fact),),
})


def capture_facts(tf, kind, obj):
    """The facts recorded when `obj` is captured as `kind` (the validator's kind of its label)."""
    if kind == "generic":
        return generic_facts(tf, obj, late=False)
    if kind in LATE_KINDS:
        return {}
    out = facts_of(tf, kind, obj)
    if kind == "snapshot":
        for name, items in sorted(obj.collections.items()):
            out["collection." + name] = items
    return out
