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
import facts as factlib  # noqa: E402
import generic  # noqa: E402
import steps as vocabulary  # noqa: E402

PROTOCOL = 1


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


class Refs(dict):
    """label -> captured object; `capture(label, obj)` captures what an argument makes (a custom
    getter's recorder) as the running step's."""
    capture = None


class Run(object):
    """One case's program in one fresh graph."""

    def __init__(self, tf, request):
        self.tf = tf
        self.refs = Refs()  # label -> last captured object (what {ref: LABEL} means)
        self.refs.capture = self.capture_declared
        self.captured = {}  # label -> object, or list of objects for captures inside repeat
        self.kinds = {}     # label -> what it captured (variable, tensor, scope, name_scope)
        self.facts = {}
        self.test_steps = bool(request.get("test_steps"))
        self.step = None

    def capture_declared(self, label, obj):
        """An object an argument of the running step captures under `label` (its kind is the
        one the validator registered: FACTS has it for the object's class)."""
        kind = {"GetterRecord": "getter"}[type(obj).__name__]
        self.capture(dict(self.step or {}, **{"as": label}), kind, obj)

    def capture(self, step, kind, obj):
        label = step.get("as")
        if not label or kind is None:
            return
        self.refs[label] = obj
        self.kinds[label] = kind
        # The facts of LATE_KINDS are taken when the program ends.
        for name, value in factlib.capture_facts(self.tf, kind, obj).items():
            key = label + "." + name
            if step.get("multi"):
                self.facts.setdefault(key, []).append(value)
            else:
                self.facts[key] = value
        if step.get("multi"):
            self.captured.setdefault(label, factlib.Many()).append(obj)
        else:
            self.captured[label] = obj

    def run_steps(self, program):
        for step in program:
            self.run_step(step)

    def run_step(self, step):
        if "catch" not in step:
            return self.run_one(step)
        # `catch: L`: an exception of the step (or its body) is L's; the program goes on.
        try:
            self.run_one(step)
        except Exception as e:
            caught = e
        else:
            caught = None
        self.capture({"as": step["catch"], "multi": step.get("catch_multi")}, "caught", caught)

    def run_one(self, step):
        spec = vocabulary.STEPS[step["kind"]]
        if getattr(spec, "generic", False):
            self.step = step
            return self.run_generic(step)
        if spec.test_only and not self.test_steps:
            raise RuntimeError("test-only step %r is not enabled" % spec.kind)
        self.step = step
        kw = vocabulary.convert_args(self.tf, spec, step.get("args", {}), self.refs)
        if spec.kind == "repeat":
            for _ in range(kw["count"]):
                self.run_steps(step.get("do", []))
            return
        if spec.kind == "template":  # the body is the template's function
            kw["func"] = self.template_function(step)
            self.capture(step, spec.captures, spec.run(self.tf, kw))
            return
        result = spec.run(self.tf, kw)
        if not spec.body:
            self.capture(step, spec.captures, result)
            return
        with result as entered:
            self.capture(step, spec.captures, entered)
            self.run_steps(step.get("do", []))
        self.step = step

    def run_generic(self, step):
        """A step of the generic language (generic.py evaluates its values)."""
        tf, kind, args = self.tf, step["kind"], step.get("args", {})
        value = None
        if kind == "invoke":
            value = generic.invoke(tf, args["fn"], args.get("args"), args.get("kwargs"),
                                   self.refs)
        elif kind in ("let", "with", "enter", "exit"):
            value = generic.evaluate(tf, args["value"], self.refs)
        if kind in ("with",) or (kind == "invoke" and "do" in step):
            with value as entered:
                self.capture(step, step.get("captures", "generic"), entered)
                self.run_steps(step.get("do", []))
            self.step = step
            return
        if kind == "enter":
            value = value.__enter__()
        elif kind == "exit":
            value.__exit__(None, None, None)
            return
        elif kind == "set":
            label, path = generic.parse_path(args["target"])
            owner = generic.walk(self.refs, label, path[:-1])
            new = generic.evaluate(tf, args["value"], self.refs)
            what, key = path[-1]
            if what == "attr":
                generic.check_attribute(owner, key)
                setattr(owner, key, new)
            else:
                owner[key] = new
            return
        elif kind == "return":
            raise generic.Return(generic.evaluate(tf, args.get("value"), self.refs))
        elif kind == "def":
            value = self.function(step)
        elif kind == "class":
            bases = [generic.evaluate(tf, b, self.refs) for b in args.get("bases", [])]
            methods = dict((d["args"]["name"], self.function(d)) for d in step.get("do", []))
            value = generic.make_class(args["name"], bases, methods)
        elif kind == "snapshot":
            value = factlib.Snapshot(tf)
            self.capture(step, "snapshot", value)
            return
        self.capture(step, step.get("captures", "generic"), value)

    def function(self, step):
        """A `def` step as a Python function: each call runs its body with the parameters bound
        as labels; what follows the call belongs to the calling step again."""
        body = step.get("do", [])

        def run_body():
            calling = self.step
            try:
                self.run_steps(body)
            except generic.Return:
                self.step = calling
                raise
            self.step = calling
        return generic.make_function(self.tf, step["args"]["name"],
                                     step["args"].get("params", []), self.refs, run_body)

    def template_function(self, template):
        """The body of a `template` step as a function: runs its steps each time it is called and
        returns the last tensor its body captures (steps.template_result), like the export."""
        body = template.get("do", [])
        result = vocabulary.template_result(body)

        def fn():
            calling = self.step
            self.run_steps(body)
            self.step = calling  # what follows the body belongs to the calling step again
            return self.refs.get(result) if result else None
        return fn

    def values(self, labels):
        return factlib.values(self.tf, self.captured, self.kinds, labels)


def describe_error(exc, step):
    return {
        "type": type(exc).__name__,
        "bases": factlib.error_bases(exc),
        "message": factlib.error_message(exc),
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
        facts.update(factlib.late_facts(tf, run.captured, run.kinds))
        # LABEL.PATH facts the case asks for, except curated facts of the object's kind.
        paths = [k for k in request.get("paths", []) if k not in facts]
        facts.update(factlib.path_facts(tf, run.captured, paths))
        facts.update(factlib.graph_facts(tf))
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
