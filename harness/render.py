"""Case programs as TensorFlow 1.x Python code: the block the report shows, and the standalone
script `tfscope export` writes (which reproduces the case with plain TensorFlow and prints the
facts the worker would record, so that the two can be checked against each other).

Every step is written by its own `render` in the step table (`steps.py`); this module only lays
the calls out as statements (`label = call`, `with call as label:`, `for i in range(N):`).
Case content reaches the code only through the step table's renderers (string literals via
`repr`, labels checked to be identifiers) and through comment lines.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import generic
from . import steps as vocabulary
from .cases import Case
from .errors import escape_controls
from .facts import LATE_KINDS

INDENT = "    "
# Extra statements to write after a capture: (step, label) -> lines (unindented).
Hook = Callable[[dict, str], list[str]]


def has_body(step: dict) -> bool:
    spec = vocabulary.STEPS[step["kind"]]
    if getattr(spec, "generic", False):
        return "do" in step
    return spec.body


def statement(step: dict) -> str:
    """The head of one step: the call with its target, without the body."""
    spec = vocabulary.STEPS[step["kind"]]
    if getattr(spec, "generic", False):
        return generic.render_step(step)
    call = spec.render(step.get("args", {}))
    label = step.get("as")
    if spec.kind == "repeat":
        return f"for i in {call}:"
    if spec.body:
        return f"with {call} as {label}:" if label else f"with {call}:"
    if label and spec.captures:
        # A render may give several lines (define_layer's class): statements, then the value.
        *before, value = call.split("\n")
        if before and value == label:  # `class MyLayer` captured as MyLayer: no `X = X`
            return "\n".join(before)
        return "\n".join(before + [f"{label} = {value}"])
    return call


def program_lines(program: list[dict], hook: Hook | None = None, depth: int = 0
                  ) -> list[tuple[str, dict | None]]:
    """The program as (line, step it belongs to) pairs; nested bodies indent, empty ones `pass`."""
    out: list[tuple[str, dict | None]] = []
    for step in program:
        if "catch" in step:
            out += _catch_lines(step, hook, depth)
        else:
            out += _step_lines(step, hook, depth)
    return out


def _step_lines(step: dict, hook: Hook | None, depth: int) -> list[tuple[str, dict | None]]:
    pad, label = INDENT * depth, step.get("as")
    if step["kind"] == "template":
        return _template_lines(step, hook, depth)
    if step["kind"] in ("def", "class"):
        return _definition_lines(step, hook, depth)
    if step["kind"] == "if":
        return _if_lines(step, hook, depth)
    if step["kind"] == "for" and step.get("target") is not None:
        # each iteration captures the target's labels first, as the worker does
        out = [(pad + statement(step), step)]
        extra = [(pad + INDENT + line, step) for name in generic.target_names(step["target"])
                 for line in (hook(step, name) if hook else [])]
        body = extra + program_lines(step.get("do", []), hook, depth + 1)
        return out + (body or [(pad + INDENT + "pass", step)])
    out = [((pad + line) if line else "", step) for line in statement(step).split("\n")]
    names = generic.target_names(step["unpack"]) if "unpack" in step else \
        [label] if label else []  # `a, b = ...` captures each
    extra = [(pad + (INDENT if has_body(step) else "") + line, step)
             for name in names for line in (hook(step, name) if hook else [])]
    if has_body(step):
        body = extra + program_lines(step.get("do", []), hook, depth + 1)
        out += body or [(pad + INDENT + "pass", step)]
    else:
        out += extra
    return out


def _if_lines(step: dict, hook: Hook | None, depth: int) -> list[tuple[str, dict | None]]:
    """`if TEST:` BODY, `elif TEST:` BODY ..., `else:` BODY (the test lines are the step's)."""
    pad = INDENT * depth
    out: list[tuple[str, dict | None]] = [(pad + statement(step), step)]
    out += program_lines(step.get("do", []), hook, depth + 1) or [(pad + INDENT + "pass", step)]
    for branch in step.get("elif") or []:
        out.append((pad + f"elif {generic.render(branch['test'])}:", step))
        out += program_lines(branch["do"], hook, depth + 1) or [(pad + INDENT + "pass", step)]
    if "else" in step:
        out.append((pad + "else:", step))
        out += program_lines(step["else"], hook, depth + 1) or [(pad + INDENT + "pass", step)]
    return out


def _definition_lines(step: dict, hook: Hook | None, depth: int
                      ) -> list[tuple[str, dict | None]]:
    """`def NAME(...):` / `class NAME(...):` and the body; then `LABEL = NAME` (when the label
    differs) and the capture."""
    pad, label, name = INDENT * depth, step.get("as"), step["args"]["name"]
    out = [(pad + line, step) for line in statement(step).split("\n")]  # @property first
    out += program_lines(step.get("do", []), hook, depth + 1) or [(pad + INDENT + "pass", step)]
    if label and label != name:
        out.append((pad + f"{label} = {name}", step))
    out += [(pad + line, step) for line in (hook(step, label) if hook and label else [])]
    return out


def _catch_lines(step: dict, hook: Hook | None, depth: int) -> list[tuple[str, dict | None]]:
    """`catch: L`: the step inside `try:`; L is the exception, or None when there was none."""
    pad, caught = INDENT * depth, step["catch"]
    out = [(pad + "try:", step)]
    if step["kind"] == "try":  # its body is the try's
        out += program_lines(step.get("do", []), hook, depth + 1) or \
            [(pad + INDENT + "pass", step)]
    else:
        out += _step_lines(step, hook, depth + 1)
    out += [(pad + "except Exception as tfscope_error:", step),
            (pad + INDENT + f"{caught} = tfscope_error", step),
            (pad + "else:", step),
            (pad + INDENT + f"{caught} = None", step)]
    out += [(pad + line, step) for line in (hook(step, caught) if hook else [])]
    return out


def _template_lines(step: dict, hook: Hook | None, depth: int) -> list[tuple[str, dict | None]]:
    """`def _fn_T(): BODY; return LAST` then `T = tf.make_template(name, _fn_T, ...)`."""
    pad, label = INDENT * depth, step["as"]
    body = step.get("do", [])
    result = vocabulary.template_result(body)
    call = vocabulary.STEPS["template"].render(dict(step.get("args", {}), _label=label))
    out = [(pad + f"def {vocabulary.template_function(label)}():", step)]
    out += program_lines(body, hook, depth + 1)
    out.append((pad + INDENT + f"return {result}", step))
    out.append((pad + f"{label} = {call}", step))
    out += [(pad + line, step) for line in (hook(step, label) if hook else [])]
    return out


def comment(text: str, width: int = 96) -> list[str]:
    """Free text as comment lines (every line of it, so nothing can escape into code)."""
    import textwrap
    out = []
    for line in str(text).splitlines() or [""]:
        # A NUL, a surrogate or a bidi control in a title must not make the script invalid
        # Python or reorder what a reader sees: escaped.
        line = escape_controls(line, keep="\t")
        out += ["# " + part for part in textwrap.wrap(line, width - 2) or [""]]
    return [line.rstrip() for line in out]


# Functions of harness/facts.py that some steps render to (custom getters, checkpoint listing).
HELPERS = ("tfscope_getter", "tfscope_checkpoint", "tfscope_snapshot")


def python_code(case: Case) -> str:
    """The case's program as TF 1.x code a reader can paste (for the report)."""
    body = [text for text, _ in program_lines(case.program)]
    lines = ["import tensorflow as tf  # TensorFlow 1.x", *generic.render_imports(case.imports),
             ""]
    helpers = sorted({h for h in HELPERS for text in body if h + "(" in text})
    if helpers:  # declarative steps without a one-line TF spelling: say where they are defined
        lines[1:1] = [f"# {', '.join(helpers)}: defined in the script that `tfscope export` "
                      "writes for this case (from harness/facts.py)"]
    return "\n".join(lines + body) + "\n"


# --- the export script ---------------------------------------------------------------------------
# Facts are recorded by the worker's own code: the parts of harness/facts.py that the case needs
# are inlined into the script (`facts_subset`). tests/test_export.py runs every exported script
# on real TF and checks that both observe exactly the same.
FACTS_SOURCE = Path(__file__).with_name("facts.py")
RUNTIME = "tf1.15"  # the runtime the header's command names: the reference

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
LATE_KINDS = @@LATE_KINDS@@  # kinds whose facts are taken when the program ends
PATHS = @@PATHS@@  # LABEL.PATH facts asked for (read when the program ends)
PROGRAM_LINES = @@PROGRAM_LINES@@  # lines of program(), from its `def`


@@FACTS@@


class Recorder(object):
    def __init__(self):
        self.facts, self.captured = {}, {}

    def __call__(self, label, obj):
        # LATE_KINDS' facts are taken at the end (graph_facts); generic captures by their class
        for name, value in @@CAPTURE@@.items():
            if label in MULTI:
                self.facts.setdefault(label + "." + name, []).append(value)
            else:
                self.facts[label + "." + name] = value
        if label in MULTI:
            self.captured.setdefault(label, Many()).append(obj)
        else:
            self.captured[label] = obj

    def graph_facts(self):
@@LATE@@@@PATHS_CALL@@        self.facts.update(graph_facts(tf))

    def values(self):
@@VALUES_CALL@@

def describe_error(exc):
    """The exception, and the step of program() that raised it (from the traceback)."""
    lineno, tb = None, exc.__traceback__
    first = program.__code__.co_firstlineno
    while tb is not None:
        # program(), or a function defined inside it (its lines count the same way)
        code = tb.tb_frame.f_code
        if code.co_filename == program.__code__.co_filename and \
                first <= tb.tb_lineno <= first + PROGRAM_LINES:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    path, label, line = STEP_LINES.get(
        lineno - program.__code__.co_firstlineno if lineno else None, [None, None, None])
    return {"type": type(exc).__name__, "bases": error_bases(exc),
            "message": error_message(exc), "step": path, "label": label, "line": line}


def unjsonable(obj):
    """What JSON cannot hold (a function as a caching device) by its class, as the worker sends
    it."""
    return "<%s>" % type(obj).__name__


def readable(facts, error):
    """One fact per line, `label.fact = value` (values as JSON): the captures' facts, then the
    graph's, then the error."""
    keys = sorted(facts, key=lambda k: (k.startswith("graph."), k))
    lines = ["%s = %s" % (k, json.dumps(facts[k], sort_keys=True, default=unjsonable))
             for k in keys]
    if error is None:
        return lines + ["error = null"]
    return lines + ["error.%s = %s" % (k, json.dumps(error[k])) for k in sorted(error)]


def main(argv):
    recorder, error = Recorder(), None
    with tf.Graph().as_default():
        try:
            program(recorder)
        except Exception as e:
            error = describe_error(e)
        recorder.graph_facts()
        recorder.values()
    if "--json" in argv or os.environ.get("TFSCOPE_JSON") == "1":
        print(json.dumps({"facts": recorder.facts, "error": error}, sort_keys=True,
                         default=unjsonable))
    else:
        print("\\n".join(readable(recorder.facts, error)))


if __name__ == "__main__":
    main(sys.argv[1:])
'''


def _capture_hook(step: dict, label: str) -> list[str]:
    return [f"capture({label!r}, {label})"]


def export_script(case: Case) -> str:
    """A standalone Python script reproducing `case` with plain TensorFlow 1.x: the program, and
    only the parts of facts.py that it needs to record what the worker records."""
    # The imports come first in program(): a module a runtime lacks is the program's error
    # there (ImportError, at no step), as in the worker.
    lines = [(INDENT + line, None) for line in generic.render_imports(case.imports)]
    lines += program_lines(case.program, _capture_hook, depth=1)
    # Offsets count from the `def program` line; the docstring takes the first one.
    step_lines = {i + 2: [s["path"], s.get("as"), s["line"]]
                  for i, (_, s) in enumerate(lines) if s is not None}
    kinds = {label: info["kind"] for label, info in sorted(case.labels.items())}
    multi = sorted(label for label, info in case.labels.items() if info["multi"])
    source = case.source
    name = f"{case.id}.py"
    head = [f"Reproduces the tfscope case `{case.id}` with plain TensorFlow 1.x (no tfscope).", "",
            f"Case: {case.title}", f"Source ({source['doc']}"
            + (f", {source['where']}" if source.get("where") else "") + "):",
            f"  \"{source['quote']}\""]
    if source.get("reading"):
        head.append(f"Reading: {source['reading']}")
    head += ["", "Run it in tfscope's TensorFlow 1.15 (installed on first use; `tfscope "
             "runtimes` lists the others, e.g. tf1.13 and tf2), from a clone of tfscope:",
             f"    tfscope export {case.id} -o {name}",
             f"    tfscope exec {RUNTIME} {name}",
             f"or with any Python that has TensorFlow: `/path/to/python {name}`.",
             "It prints what TensorFlow did, one fact per line (`label.fact = value`, values as "
             "JSON); with `--json` (or TFSCOPE_JSON=1), one line of JSON, {\"facts\": {...}, "
             "\"error\": null or {...}}: the facts tfscope's worker records for the case."]
    program_text = "\n".join(line for line, _ in lines)
    captured = set(kinds.values())
    if "generic" in captured:  # the kind shows at run time: any kind's getters may be needed
        captured |= set(vocabulary.FACTS)
    late = sorted({k for k in captured if k in LATE_KINDS})
    # Generic captures (their kind shows at run time) and snapshots need capture_facts.
    generic_kinds = {"generic", "snapshot", "caught"} & set(kinds.values())
    roots = {"capture_facts" if generic_kinds else "facts_of", "graph_facts", "error_message",
             "error_bases"}
    roots |= {"Many"} if multi else set()
    roots |= {"late_facts"} if late else set()
    roots |= {"path_facts"} if case.path_facts() else set()
    roots |= {"values"} if case.value_labels() else set()
    roots |= {h for h in HELPERS if h + "(" in program_text}
    text = SCRIPT_HEAD.replace("@@COMMENT@@", "\n".join(comment_block(head)))
    text = text.replace("@@PROGRAM@@", program_text)
    # A path's last name may be a fact of whatever kind of object the path reaches.
    getters = captured | set(vocabulary.FACTS) if case.path_facts() else captured
    tail = SCRIPT_TAIL.replace("@@FACTS@@", facts_subset(roots, getters))
    tail = tail.replace("@@CAPTURE@@", "capture_facts(tf, KINDS[label], obj)" if generic_kinds
                        else "({} if KINDS[label] in LATE_KINDS else "
                        "facts_of(tf, KINDS[label], obj))")
    tail = tail.replace("@@PATHS_CALL@@", "        self.facts.update(path_facts(tf, self.captured, "
                        "[k for k in PATHS if k not in self.facts]))\n"
                        if case.path_facts() else "")
    tail = tail.replace("@@LATE@@", "        self.facts.update(late_facts(tf, self.captured, "
                        "KINDS))\n" if late else "")
    tail = tail.replace("@@VALUES_CALL@@", "        self.facts.update(values(tf, self.captured, "
                        "KINDS, VALUES))\n" if case.value_labels() else "        pass\n")
    tail = tail.replace("@@STEP_LINES@@", "{\n" + "".join(
        f"    {k!r}: {_py_literal(v)},\n" for k, v in step_lines.items()) + "}")
    for token, value in (("@@KINDS@@", kinds), ("@@MULTI@@", multi),
                         ("@@VALUES@@", case.value_labels()), ("@@LATE_KINDS@@", late),
                         ("@@PATHS@@", case.path_facts()),
                         ("@@PROGRAM_LINES@@", len(lines) + 1)):
        tail = tail.replace(token, _py_literal(value))
    return text + tail.lstrip("\n")


# --- the parts of facts.py a script needs --------------------------------------------------------

def facts_subset(roots: set[str], kinds: set[str]) -> str:
    """The definitions of harness/facts.py that `roots` need, in the file's order, with
    FACT_GETTERS cut to the captured `kinds`: what a script inlines. Found from the names each
    top-level statement refers to (facts.py is plain functions and tables, nothing dynamic)."""
    source, module = _facts_module()
    defined: dict[str, list[int]] = {}   # name -> the statements that define or extend it
    texts: list[str] = []
    uses: list[set[str]] = []
    for node in module.body:
        table = _getters_table(node)
        if table is not None:  # FACT_GETTERS = {...} or FACT_GETTERS.update({...})
            items = [(k.value, v) for k, v in zip(table.keys, table.values)
                     if isinstance(k, ast.Constant) and k.value in kinds]
            if not items and not isinstance(node, ast.Assign):
                continue
            body = "".join(f"    {k!r}: {ast.get_source_segment(source, v)},\n"
                           for k, v in items)
            text = "FACT_GETTERS = {\n" + body + "}" if isinstance(node, ast.Assign) \
                else "FACT_GETTERS.update({\n" + body + "})"
            names = {n.id for _, v in items for n in ast.walk(v) if isinstance(n, ast.Name)}
            name: str | None = "FACT_GETTERS"
        else:
            text = _with_comments(source, node)
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            name = _defines(node)
        if name is None or name == "LATE_KINDS":  # the docstring; LATE_KINDS: the script's own
            continue
        defined.setdefault(name, []).append(len(texts))
        texts.append(text)
        uses.append(names)
    wanted: set[int] = set()
    todo = [n for n in roots if n in defined]
    while todo:
        for index in defined[todo.pop()]:
            if index not in wanted:
                wanted.add(index)
                todo += [n for n in uses[index] if n in defined]
    return "\n\n\n".join(texts[i] for i in sorted(wanted))


@functools.lru_cache(maxsize=1)
def _facts_module() -> tuple[str, ast.Module]:
    source = FACTS_SOURCE.read_text(encoding="utf-8")
    return source, ast.parse(source)


def _getters_table(node: ast.stmt) -> ast.Dict | None:
    """The dict of `FACT_GETTERS = {...}` or of `FACT_GETTERS.update({...})`, else None."""
    if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == \
            ["FACT_GETTERS"] and isinstance(node.value, ast.Dict):
        return node.value
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func, args = node.value.func, node.value.args
        if isinstance(func, ast.Attribute) and getattr(func.value, "id", None) == \
                "FACT_GETTERS" and func.attr == "update" and args and \
                isinstance(args[0], ast.Dict):
            return args[0]
    return None


def _defines(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
            isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def _with_comments(source: str, node: ast.stmt) -> str:
    """A statement's source with the comment lines right above it."""
    lines = source.splitlines()
    start = node.lineno - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return "\n".join(lines[start:node.end_lineno])


def comment_block(lines: list[str]) -> list[str]:
    """Comment lines; a line indented by four spaces (a command) is kept whole, not wrapped."""
    return [c for line in lines for c in (
        ["#" + " " + line] if line.startswith("    ") and "\n" not in line else comment(line))]


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
