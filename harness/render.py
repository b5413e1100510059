"""Case programs as TensorFlow 1.x Python code: the block the report shows, and the standalone
script `tfscope export` writes (which reproduces the case with plain TensorFlow and prints the
facts the worker would record, so that the two can be checked against each other).

Every step is written by its own `render` in the step table (`steps.py`); this module only lays
the calls out as statements (`label = call`, `with call as label:`, `for i in range(N):`).
Case content reaches the code only through the step table's renderers (string literals via
`repr`, labels checked to be identifiers) and through comment lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import steps as vocabulary
from .cases import Case

INDENT = "    "
# Extra statements to write after a capture: (step, label) -> lines (unindented).
Hook = Callable[[dict, str], list[str]]


def statement(step: dict) -> str:
    """The head of one step: the call with its target, without the body."""
    spec = vocabulary.STEPS[step["kind"]]
    call = spec.render(step.get("args", {}))
    label = step.get("as")
    if spec.kind == "repeat":
        return f"for i in {call}:"
    if spec.body:
        return f"with {call} as {label}:" if label else f"with {call}:"
    if label and spec.captures:
        return f"{label} = {call}"
    return call


def program_lines(program: list[dict], hook: Hook | None = None, depth: int = 0
                  ) -> list[tuple[str, dict | None]]:
    """The program as (line, step it belongs to) pairs; nested bodies indent, empty ones `pass`."""
    out: list[tuple[str, dict | None]] = []
    pad = INDENT * depth
    for step in program:
        out.append((pad + statement(step), step))
        label = step.get("as")
        extra = [(pad + (INDENT if vocabulary.STEPS[step["kind"]].body else "") + line, step)
                 for line in (hook(step, label) if hook and label else [])]
        if vocabulary.STEPS[step["kind"]].body:
            body = extra + program_lines(step.get("do", []), hook, depth + 1)
            out += body or [(pad + INDENT + "pass", step)]
        else:
            out += extra
    return out


def comment(text: str, width: int = 96) -> list[str]:
    """Free text as comment lines (every line of it, so nothing can escape into code)."""
    import textwrap
    out = []
    for line in str(text).splitlines() or [""]:
        out += ["# " + part for part in textwrap.wrap(line, width - 2) or [""]]
    return [line.rstrip() for line in out]


def python_code(case: Case) -> str:
    """The case's program as TF 1.x code a reader can paste (for the report)."""
    lines = ["import tensorflow as tf  # TensorFlow 1.x", ""]
    lines += [text for text, _ in program_lines(case.program)]
    return "\n".join(lines) + "\n"


# --- the export script ---------------------------------------------------------------------------
# Facts are recorded as the worker records them (harness/worker.py: FACT_GETTERS, graph_facts,
# Run.values, describe_error); tests/test_export.py runs every exported script on real TF and
# checks that both observe exactly the same.

SCRIPT_HEAD = '''\
#!/usr/bin/env python3
# -*- coding: utf-8 -*-
@@COMMENT@@
import json
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore")
import tensorflow as tf  # noqa: E402

if tf.__version__.split(".")[0] != "1":
    tf = tf.compat.v1
    tf.disable_v2_behavior()
try:
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
except AttributeError:  # TF before 1.13
    tf.logging.set_verbosity(tf.logging.ERROR)


def program(capture):
    """The case's program, step by step."""
@@PROGRAM@@

'''

SCRIPT_TAIL = '''

# --- recording what TensorFlow did (the same facts as tfscope's worker) --------------------------

# Line of program() (counted from its `def`) -> [step path, label, line in the case file].
STEP_LINES = @@STEP_LINES@@
KINDS = @@KINDS@@  # label -> what it captures
MULTI = @@MULTI@@  # labels captured inside a loop: one value per execution
VALUES = @@VALUES@@  # labels whose value is asked for (needs running the initializers)
MAX_MESSAGE = 4000


def describe_value(value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
        return [describe_value(v) for v in value]
    return value


def shape_of(obj):
    shape = obj.get_shape()
    if shape.ndims is None:
        return None
    return [d if d is None else int(d) for d in shape.as_list()]


def trainable(obj):
    if hasattr(obj, "trainable"):
        return bool(obj.trainable)
    return any(obj is v for v in tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES))


def collections(obj):
    graph = tf.get_default_graph()
    return sorted(k for k in graph.get_all_collection_keys()
                  if any(obj is v for v in graph.get_collection(k)))


def reuse(scope):
    return "auto_reuse" if scope.reuse is tf.AUTO_REUSE else bool(scope.reuse)


GETTERS = {
    "variable": [
        ("name", lambda o: o.name), ("op.name", lambda o: o.op.name),
        ("class", lambda o: type(o).__name__), ("dtype", lambda o: o.dtype.base_dtype.name),
        ("shape", shape_of), ("trainable", trainable), ("device", lambda o: o.device),
        ("caching_device", lambda o: getattr(o, "_caching_device", None)),
        ("collections", collections)],
    "tensor": [
        ("name", lambda o: o.name), ("op.name", lambda o: o.op.name),
        ("class", lambda o: type(o).__name__), ("dtype", lambda o: o.dtype.base_dtype.name),
        ("shape", shape_of)],
    "scope": [
        ("name", lambda o: o.name), ("class", lambda o: type(o).__name__),
        ("original_name_scope", lambda o: o.original_name_scope), ("reuse", reuse),
        ("dtype", lambda o: tf.as_dtype(o.dtype).name), ("use_resource", lambda o: o.use_resource),
        ("initializer", lambda o: None if o.initializer is None else type(o.initializer).__name__),
        ("regularizer", lambda o: o.regularizer is not None),
        ("caching_device", lambda o: o.caching_device)],
    "name_scope": [("name", lambda o: o), ("class", lambda o: type(o).__name__)],
}


class Recorder(object):
    def __init__(self):
        self.facts, self.captured = {}, {}

    def __call__(self, label, obj):
        for name, getter in GETTERS[KINDS[label]]:
            try:
                value = getter(obj)
            except Exception as e:  # a fact this object lacks
                value = "<unavailable: %s>" % type(e).__name__
            if label in MULTI:
                self.facts.setdefault(label + "." + name, []).append(value)
            else:
                self.facts[label + "." + name] = value
        if label in MULTI:
            self.captured.setdefault(label, []).append(obj)
        else:
            self.captured[label] = obj

    def graph_facts(self):
        graph = tf.get_default_graph()

        def names(key):
            return [getattr(v, "name", str(v)) for v in graph.get_collection(key)]
        self.facts.update({
            "graph.global_variables": names(tf.GraphKeys.GLOBAL_VARIABLES),
            "graph.trainable_variables": names(tf.GraphKeys.TRAINABLE_VARIABLES),
            "graph.local_variables": names(tf.GraphKeys.LOCAL_VARIABLES),
            "graph.regularization_losses": names(tf.GraphKeys.REGULARIZATION_LOSSES),
            "graph.ops": [op.name for op in graph.get_operations()],
            "graph.variable_scope": tf.get_variable_scope().name,
        })

    def values(self):
        wanted = [label for label in VALUES if label in self.captured]
        if not wanted:
            return
        try:
            with tf.Session() as sess:
                variables = tf.global_variables() + tf.local_variables()
                for label, objs in self.captured.items():
                    for obj in (objs if isinstance(objs, list) else [objs]):
                        if KINDS[label] == "variable" and hasattr(obj, "initializer") \\
                                and not any(obj is v for v in variables):
                            variables.append(obj)
                sess.run(tf.variables_initializer(variables))
                for label in wanted:
                    objs = self.captured[label]
                    fetched = [fetch(sess, o) for o in (objs if isinstance(objs, list)
                                                         else [objs])]
                    self.facts[label + ".value"] = (fetched if isinstance(objs, list)
                                                    else fetched[0])
        except Exception as e:
            for label in wanted:
                self.facts.setdefault(label + ".value", "<unavailable: %s>" % type(e).__name__)


def fetch(sess, obj):
    try:
        if isinstance(obj, str):
            return "<unavailable: not a tensor>"
        return describe_value(sess.run(obj))
    except Exception as e:
        return "<unavailable: %s>" % type(e).__name__


def describe_error(exc):
    """The exception, and the step of program() that raised it (from the traceback)."""
    lineno, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is program.__code__:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    path, label, line = STEP_LINES.get(
        lineno - program.__code__.co_firstlineno if lineno else None, [None, None, None])
    # TF appends the stack where a clashing variable was made (this machine's paths): drop it.
    message = str(exc).split(" Originally defined at:")[0].split("\\n\\n  File \\"")[0].rstrip()
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "..."
    return {"type": type(exc).__name__,
            "bases": [c.__name__ for c in type(exc).__mro__[1:] if c is not object],
            "message": message, "step": path, "label": label, "line": line}


def main():
    recorder, error = Recorder(), None
    with tf.Graph().as_default():
        try:
            program(recorder)
        except Exception as e:
            error = describe_error(e)
        recorder.graph_facts()
        recorder.values()
    print(json.dumps({"facts": recorder.facts, "error": error}, sort_keys=True))


if __name__ == "__main__":
    main()
'''


def _capture_hook(step: dict, label: str) -> list[str]:
    return [f"capture({label!r}, {label})"]


def export_script(case: Case) -> str:
    """A standalone Python script reproducing `case` with plain TensorFlow 1.x."""
    lines = program_lines(case.program, _capture_hook, depth=1)
    # Offsets count from the `def program` line; the docstring takes the first one.
    step_lines = {i + 2: [s["path"], s.get("as"), s["line"]]
                  for i, (_, s) in enumerate(lines) if s is not None}
    kinds = {label: info["kind"] for label, info in sorted(case.labels.items())}
    multi = sorted(label for label, info in case.labels.items() if info["multi"])
    source = case.source
    head = [f"Reproduces the tfscope case `{case.id}` with plain TensorFlow 1.x (no tfscope).", "",
            f"Case: {case.title}", f"Source ({source['doc']}"
            + (f", {source['where']}" if source.get("where") else "") + "):",
            f"  \"{source['quote']}\""]
    if source.get("reading"):
        head.append(f"Reading: {source['reading']}")
    head += ["", "Run it with the Python that has TensorFlow 1.15, e.g. `python3.7 THIS_FILE`.",
             "It prints what TensorFlow did as one line of JSON, {\"facts\": {...}, \"error\": "
             "null or {...}}: the facts tfscope's worker records for the case."]
    text = SCRIPT_HEAD.replace("@@COMMENT@@", "\n".join(comment_block(head)))
    text = text.replace("@@PROGRAM@@", "\n".join(line for line, _ in lines))
    tail = SCRIPT_TAIL
    tail = tail.replace("@@STEP_LINES@@", "{\n" + "".join(
        f"    {k!r}: {_py_literal(v)},\n" for k, v in step_lines.items()) + "}")
    for token, value in (("@@KINDS@@", kinds),
                         ("@@MULTI@@", multi), ("@@VALUES@@", case.value_labels())):
        tail = tail.replace(token, _py_literal(value))
    return text + tail.lstrip("\n")


def comment_block(lines: list[str]) -> list[str]:
    return [c for line in lines for c in comment(line)]


def _py_literal(value: Any) -> str:
    """Plain data (str, int, None, lists, dicts) as a Python literal, deterministic."""
    if isinstance(value, list) and not value:
        return "[]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py_literal(k)}: {_py_literal(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_py_literal(v) for v in value) + "]"
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    return repr(str(value))
