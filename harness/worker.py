"""The worker: runs case programs inside a real TensorFlow interpreter.

Started once per runtime as `python worker.py`, on Python 3.6+ with only the standard library,
TensorFlow and `steps.py` (beside this file). Protocol: one JSON object per line. The worker first
writes {"hello": {...}}; then for each request line {"op": "run", ...} it writes one result line;
{"op": "quit"} or end of input stops it. The protocol goes out on a private copy of stdout: fd 1
itself is pointed at stderr, so whatever TensorFlow or C++ code prints cannot corrupt it.
"""

import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import steps as vocabulary  # noqa: E402

PROTOCOL = 1
MAX_MESSAGE = 4000


def import_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import warnings
    warnings.filterwarnings("ignore")
    import tensorflow as tf
    version = tf.__version__
    if version.split(".")[0] != "1":
        tf = tf.compat.v1
        tf.disable_v2_behavior()
    try:
        tf.logging.set_verbosity(tf.logging.ERROR)
    except AttributeError:
        pass
    return tf, version


def describe_value(value):
    """A JSON-safe description of a fetched value."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
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


class Run(object):
    """One case's program in one fresh graph."""

    def __init__(self, tf, request):
        self.tf = tf
        self.refs = {}      # label -> last captured object (what {ref: LABEL} means)
        self.captured = {}  # label -> object, or list of objects for captures inside repeat
        self.kinds = {}     # label -> what it captured (variable, tensor, scope, name_scope)
        self.facts = {}
        self.test_steps = bool(request.get("test_steps"))
        self.step = None

    def capture(self, step, kind, obj):
        label = step.get("as")
        if not label or kind is None:
            return
        self.refs[label] = obj
        self.kinds[label] = kind
        for name, value in facts_of(self.tf, kind, obj).items():
            key = label + "." + name
            if step.get("multi"):
                self.facts.setdefault(key, []).append(value)
            else:
                self.facts[key] = value
        if step.get("multi"):
            self.captured.setdefault(label, []).append(obj)
        else:
            self.captured[label] = obj

    def run_steps(self, program):
        for step in program:
            self.run_step(step)

    def run_step(self, step):
        spec = vocabulary.STEPS[step["kind"]]
        if spec.test_only and not self.test_steps:
            raise RuntimeError("test-only step %r is not enabled" % spec.kind)
        self.step = step
        kw = vocabulary.convert_args(self.tf, spec, step.get("args", {}), self.refs)
        if spec.kind == "repeat":
            for _ in range(kw["count"]):
                self.run_steps(step.get("do", []))
            return
        result = spec.run(self.tf, kw)
        if not spec.body:
            self.capture(step, spec.captures, result)
            return
        with result as entered:
            self.capture(step, spec.captures, entered)
            self.run_steps(step.get("do", []))
        self.step = step

    def values(self, labels):
        """Run the initializers and fetch the values of the captured objects asked for."""
        tf, out = self.tf, {}
        wanted = [label for label in labels if label in self.captured]
        if not wanted:
            return out
        try:
            with tf.Session() as sess:
                variables = tf.global_variables() + tf.local_variables()
                for label, objs in self.captured.items():
                    for obj in (objs if isinstance(objs, list) else [objs]):
                        # Variables outside the standard collections need initializing too.
                        if self.kinds[label] == "variable" and hasattr(obj, "initializer") \
                                and not any(obj is v for v in variables):
                            variables.append(obj)
                sess.run(tf.variables_initializer(variables))
                for label in wanted:
                    objs = self.captured[label]
                    fetch = [self._fetch(sess, o) for o in (objs if isinstance(objs, list)
                                                             else [objs])]
                    out[label + ".value"] = fetch if isinstance(objs, list) else fetch[0]
        except Exception as e:
            for label in wanted:
                out.setdefault(label + ".value", "<unavailable: %s>" % type(e).__name__)
        return out

    def _fetch(self, sess, obj):
        try:
            if isinstance(obj, str):
                return "<unavailable: not a tensor>"
            return describe_value(sess.run(obj))
        except Exception as e:
            return "<unavailable: %s>" % type(e).__name__


def describe_error(exc, step):
    # TF appends the Python stack where a clashing variable was made: paths of this machine,
    # different per checkout and TF build. Keep the message, drop that stack.
    message = str(exc).split(" Originally defined at:")[0].split("\n\n  File \"")[0].rstrip()
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "..."
    return {
        "type": type(exc).__name__,
        "bases": [c.__name__ for c in type(exc).__mro__[1:] if c is not object],
        "message": message,
        "step": step.get("path") if step else None,
        "label": step.get("as") if step else None,
        "line": step.get("line") if step else None,
    }


def run_case(tf, request):
    started = time.time()
    graph = tf.Graph()
    with graph.as_default():
        run = Run(tf, request)
        error = None
        try:
            run.run_steps(request["program"])
        except Exception as e:
            error = describe_error(e, run.step)
        facts = dict(run.facts)
        facts.update(graph_facts(tf))
        facts.update(run.values(request.get("values", [])))
    return {"id": request.get("id"), "facts": facts, "error": error,
            "seconds": round(time.time() - started, 6)}


def main():
    # Keep a private copy of stdout for the protocol, then send fd 1 (and sys.stdout) to stderr.
    proto = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(obj):
        proto.write(json.dumps(obj, sort_keys=True) + "\n")
        proto.flush()

    try:
        tf, version = import_tf()
    except Exception as e:
        send({"fatal": "cannot import tensorflow: %s: %s" % (type(e).__name__, e)})
        return 3
    send({"hello": {
        "protocol": PROTOCOL, "tensorflow": version, "python": platform.python_version(),
        "platform": platform.platform(), "executable": sys.executable,
        "test_steps": bool(os.environ.get("TFSCOPE_TEST_STEPS")),
    }})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request.get("op") == "quit":
            break
        if request.get("test_steps") and not os.environ.get("TFSCOPE_TEST_STEPS"):
            request["test_steps"] = False
        try:
            send(run_case(tf, request))
        except Exception as e:  # a bug in the worker itself: report it, keep serving
            send({"id": request.get("id"), "internal": "%s: %s" % (type(e).__name__, e)})
    return 0


if __name__ == "__main__":
    code = main()
    # Every message is flushed already: skip the interpreter's teardown, which for TensorFlow's
    # modules takes a few tenths of a second that every run would wait for.
    sys.stderr.flush()
    os._exit(code)
