"""Tracing a user's TF1 script into a case (`tfscope new ID --trace SCRIPT`), and the checkpoint
keys a script or case gets on each runtime (`tfscope keys`).

The script runs in the runtime's interpreter under `tracer.py` (its own process, no shell, the
script's directory as cwd, argv [SCRIPT], a time limit): running it is the user's explicit choice,
like `python SCRIPT`. The recorded program becomes a case file; the case is then run through the
normal runner on the same runtime, and written only when it gives exactly the variable and op
names the script gave (with `observed:` recorded, `expect: {}` for the author's claim).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cases as caselib
from . import record as recordlib
from .config import Config
from .errors import UserError
from .runtimes import Runtime
from .yamltext import inline

TRACER = Path(__file__).with_name("tracer.py")
DEFAULT_TIMEOUT = 300.0
SHOWN_DIFFERENCES = 5


class TraceRefused(UserError):
    """The script cannot become a case: every problem, each with FILE:LINE and a way out."""

    def __init__(self, message: str, problems: list[UserError]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass
class Trace:
    script: Path
    runtime: str
    tensorflow: str
    program: list[dict]
    graph: dict[str, Any]
    problems: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: dict | None = None
    suspects: list[dict] = field(default_factory=list)  # named if the case's names differ
    imports: dict[str, str] = field(default_factory=dict)  # the case's `imports:`


def _tracer_process(args: list[str], out: Path, cwd: Path, runtime: Runtime, timeout: float,
                    subject: str) -> Any:
    """Run tracer.py with `args` (`out` among them: where it writes its JSON) and read that
    back. The tracer leads a process group of its own: whatever the script started (a
    subprocess, a forked child) is killed with it when it ends, runs out of time or is
    interrupted, and it ends itself and its group when tfscope dies (tracer.lifeline). Its
    stderr goes to an unnamed temporary file, of which only the end is read: a script that
    writes gigabytes there costs disk for a moment, not memory, and a child holding it open
    cannot make the trace wait."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)  # the harness's packages must not leak into the script's Python
    index = TRACER.with_name("api") / f"{runtime.name}.json"
    if index.is_file():  # which modules are TF's API, as case files are checked
        env["TFSCOPE_API_INDEX"] = str(index)
    command = [runtime.python, "-I", str(TRACER)] + args
    with tempfile.TemporaryFile() as stderr:  # no name: nothing left if tfscope is killed
        try:
            proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=stderr,
                                    start_new_session=True)
        except OSError as e:
            raise UserError(f"cannot start {runtime.python}: {e.strerror}", subject,
                            hint="check the runtime's interpreter") from None
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UserError(f"the script ran past {timeout:g} s on {runtime.name}", subject,
                            hint="give --timeout SECONDS, or trim it to the part that builds "
                            "the graph") from None
        finally:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)  # the tracer if it still runs, and its group
            proc.wait()
        tail = [line for line in _tail(stderr).splitlines() if line.strip()][-1:]
    if code == 0 and not out.exists():  # its last stderr line is no reason: TF's warnings
        raise UserError(f"the script ended the process on {runtime.name} before the tracer "
                        "could write what it recorded (os._exit, or an os.exec* of another "
                        "program)", subject, hint="let the script return, or raise SystemExit")
    if code != 0 or not out.exists():
        raise UserError(f"the tracer failed on {runtime.name} (exit {code})"
                        + (f": {tail[0].strip()[:STDERR_LINE]}" if tail else ""), subject,
                        hint="does `python SCRIPT` run in this runtime?")
    return json.loads(out.read_text(encoding="utf-8"))


STDERR_TAIL = 64 * 1024  # bytes of the tracer's stderr read back, from its end
STDERR_LINE = 2000  # characters of its last line shown, as of a worker's (runner.py)


def _tail(stream: typing.BinaryIO) -> str:
    stream.seek(0, os.SEEK_END)
    stream.seek(max(0, stream.tell() - STDERR_TAIL))
    return stream.read(STDERR_TAIL).decode("utf-8", "replace")


def _trace(data: dict[str, Any], script: Path, runtime: Runtime) -> Trace:
    from .pydef import write_sources
    problems, suspects = list(data["problems"]), list(data.get("suspects", []))
    # A def whose calls differ comes with its source: its body written from that (pydef.py)
    write_sources(data["program"], problems, suspects, data.get("imports", {}))
    return Trace(script, runtime.name, data["tensorflow"], data["program"], data["graph"],
                 problems, data["notes"], data["error"], suspects, data.get("imports", {}))


def run_tracer(script: str | Path, runtime: Runtime, timeout: float | None = None,
               mode: str | None = None, script_args: list[str] | None = None) -> Trace:
    """Run `script` under the tracer in `runtime` (mode: None records the program, "keys" only
    runs it, "program" calls an exported case's program() in a fresh graph, "case" records
    that program()); `script_args`: its sys.argv[1:]."""
    script = Path(script)
    if not script.is_file():
        raise UserError("no such script", str(script), hint="give the path of a Python file")
    with tempfile.TemporaryDirectory(prefix="tfscope-trace-") as tmp:
        out = Path(tmp) / "trace.json"
        args = ([f"--{mode}"] if mode else []) + [str(script.resolve()), str(out)]
        data = _tracer_process(args + list(script_args or []), out, script.resolve().parent,
                               runtime, timeout or DEFAULT_TIMEOUT, str(script))
    return _trace(data, script, runtime)


def run_tracer_batch(scripts: list[Path], runtime: Runtime, timeout: float | None = None,
                     mode: str | None = None) -> list[Trace]:
    """Several scripts traced in one TF process (one import of TensorFlow), each in a fresh
    default graph and its own directory as cwd: the traces, in order."""
    with tempfile.TemporaryDirectory(prefix="tfscope-trace-") as tmp:
        jobs = Path(tmp) / "jobs.json"
        jobs.write_text(json.dumps([[mode, str(Path(s).resolve())] for s in scripts]),
                        encoding="utf-8")
        out = Path(tmp) / "traces.json"
        data = _tracer_process(["--batch", str(jobs), str(out)], out, Path(tmp), runtime,
                               timeout or DEFAULT_TIMEOUT * len(scripts), f"{len(scripts)} scripts")
    return [_trace(d, Path(s), runtime) for d, s in zip(data, scripts)]


# --- the case file --------------------------------------------------------------------------------

TEMPLATE = """\
# yaml-language-server: $schema={schema}
id: {id}
title: "TODO: one line: what TensorFlow does, as the source says it"
source:
  doc: TODO           # where the claim comes from: the project, its file, a docstring...
  quote: "TODO: the exact words this case checks"
  # url: https://...
tags: [traced]
# Traced from {script} on {runtime} (TensorFlow {tensorflow}) by `tfscope new --trace`:
# the TF calls the script made, in order, loops unrolled{notes}.
{imports}program:
{program}
# State the claim: what the SOURCE says TF gives, as LABEL.FACT: VALUE (never copied from
# `observed` below, which is what TF did), e.g.  v.name: foo/v:0
expect: {{}}
"""


def program_lines(program: list[dict], indent: str = "  ") -> list[str]:
    """A traced program as block YAML: each step's mapping on one line, bodies nested."""
    lines: list[str] = []
    for item in program:
        (key, args), = [(k, v) for k, v in item.items() if k not in ("do", "elif", "else")]
        lines.append(f"{indent}- {inline(key)}: {inline(args)}")
        for part in ("do", "elif", "else"):  # an `if` step's branches (pydef.py writes them)
            if part not in item:
                continue
            if part == "elif":
                lines.append(f"{indent}  elif:")
                lines += program_lines(item["elif"], indent + "    ")
                continue
            body = program_lines(item[part], indent + "    ")
            lines += [f"{indent}  {part}:"] + body if body else [f"{indent}  {part}: []"]
    return lines


def case_text(case_id: str, trace: Trace, schema: str) -> str:
    notes = "".join(f"\n# {n}" for n in trace.notes)
    if notes:
        notes = "; not recorded:" + notes
    imports = "".join(f"  {alias}: {module}\n" for alias, module in trace.imports.items())
    if imports:
        imports = "imports:\n" + imports
    return TEMPLATE.format(schema=schema, id=inline(case_id), script=trace.script.name,
                           imports=imports,
                           runtime=trace.runtime, tensorflow=trace.tensorflow, notes=notes,
                           program="\n".join(program_lines(trace.program)))


def problems_of(trace: Trace, what: str = "problems") -> list[UserError]:
    base = trace.script.resolve().parent
    return [UserError(p["message"], str(base / p["file"]) if not os.path.isabs(p["file"])
                      else p["file"], p["line"], p.get("hint")) for p in getattr(trace, what)]


def stopped_at(error: dict[str, Any]) -> str:
    """The error a traced case stopped at where its script went on, by its first line: TF's
    longer messages (nest's two structures printed whole) would fill the one-line report."""
    lines = str(error.get("message")).strip().splitlines() or [""]
    more = " [...]" if len(lines) > 1 else ""
    return (f"the traced case stopped at {error.get('type')}: {lines[0].rstrip('.')}{more}, "
            f"where the script went on")


def differences(script: dict[str, Any], case: dict[str, Any]) -> list[str]:
    """What the case's graph has that the script's has not, and the other way round."""
    out = []
    left_out = set(script.get("unrecorded_ops", []))  # a summary's ops: not in the case
    for fact, what in (("global_variables", "variables"), ("ops", "ops")):
        mine, theirs = script.get(fact, []), case.get(f"graph.{fact}", [])
        if fact == "ops":
            mine = [n for n in mine if n not in left_out]
        if mine == theirs:
            continue
        only_script = [n for n in mine if n not in set(theirs)]
        only_case = [n for n in theirs if n not in set(mine)]
        text = f"the case's {what} differ from the script's"
        if only_script:
            text += f"; only the script has {', '.join(only_script[:SHOWN_DIFFERENCES])}"
        if only_case:
            text += f"; only the case has {', '.join(only_case[:SHOWN_DIFFERENCES])}"
        taken = [n for n in only_case if n in left_out]
        if taken:  # a summary's op took the name first in the script: its op after got `_1`
            text += (f"; the script's summaries, which the case leaves out, named ops "
                     f"{', '.join(taken[:SHOWN_DIFFERENCES])} first (give them other names, or "
                     f"trim them)")
        if not only_script and not only_case:
            text += " in order"
        out.append(text)
    return out


def traced_case(case_id: str, path: Path, trace: Trace, schema: str, runtime: Runtime,
                timeout: float | None = None) -> str:
    """The case file's text for `trace`, checked: valid, run on `runtime` with the same names as
    the script, `observed:` recorded. Refused (TraceRefused) otherwise, with every reason."""
    (text, refused), = traced_cases([(case_id, path, trace)], schema, runtime, timeout)
    if refused is not None:
        raise refused
    return text


def traced_cases(items: list[tuple[str, Path, Trace]], schema: str, runtime: Runtime,
                 timeout: float | None = None) -> list[tuple[str, TraceRefused | None]]:
    """traced_case for many traces, their cases run together (one TF worker): for each, the
    checked case text, or the refusal."""
    from .runner import run_cases
    out: list[tuple[str, TraceRefused | None]] = []
    todo: list[tuple[int, str, str, caselib.Case]] = []
    for case_id, path, trace in items:
        problems = problems_of(trace)
        if problems:
            out.append(("", TraceRefused(f"{trace.script} cannot become a case: "
                                         f"{len(problems)} problem(s)", problems)))
            continue
        text = case_text(case_id, trace, schema)
        shown = caselib.display_path(path)
        cases, errors = caselib.load_text(text, shown)
        if errors:
            out.append(("", TraceRefused(
                f"the traced program of {trace.script} is not a valid case",
                [UserError(f"the case traced from it: {e}", str(trace.script),
                           hint="please report it: the tracer wrote this") for e in errors])))
            continue
        todo.append((len(out), text, shown, cases[0]))
        out.append(("", None))
    if not todo:
        return out
    run = run_cases([case for _, _, _, case in todo], [runtime], timeout=timeout)
    for (index, text, shown, case), result in zip(todo, run.results):
        trace = items[index][2]
        facts = result.outcome.facts or {}
        if result.outcome.problem is not None:
            out[index] = ("", TraceRefused("the traced case did not run", [UserError(
                f"on {runtime.name}: {result.verdict.verdict}: {result.verdict.reason}",
                str(trace.script))]))
            continue
        diffs = differences(trace.graph, facts)
        error = result.outcome.error
        if diffs and error:  # the likeliest cause: said first
            diffs.insert(0, stopped_at(error))
        if diffs:
            out[index] = ("", TraceRefused(
                f"the case traced from {trace.script} does not give the script's names on "
                f"{runtime.name}", [UserError(d, str(trace.script), hint="trim the script, or "
                                              "report it with the script") for d in diffs]
                + problems_of(trace, "suspects")))
            continue
        observed = recordlib.observation(case, result)
        out[index] = (recordlib.edit(text, shown, {case.id: {runtime.name: observed}}), None)
    return out


# --- keys: the migration question ---------------------------------------------------------------

def keys_of(runtime: Runtime, script: Path | None = None, case: caselib.Case | None = None,
            timeout: float | None = None) -> dict[str, Any]:
    """The checkpoint keys (key -> shape) and trainable variables (name -> shape) that a script,
    or a case's program, gets on `runtime` (with the TF1 API on every runtime)."""
    if case is not None:
        from .render import export_script
        with tempfile.TemporaryDirectory(prefix="tfscope-keys-") as tmp:
            exported = Path(tmp) / "case.py"
            exported.write_text(export_script(case), encoding="utf-8")
            trace = run_tracer(exported, runtime, timeout, mode="program")
    else:
        trace = run_tracer(script, runtime, timeout, mode="keys")
    out: dict[str, Any] = {"tensorflow": trace.tensorflow,
                           "checkpoint": trace.graph["checkpoint"],
                           "trainable": trace.graph["trainable_shapes"]}
    if trace.error or trace.problems:
        first = trace.error or trace.problems[0]
        out["error"] = (f"{first.get('file')}:{first.get('line')}: " if "file" in first else ""
                        ) + (first.get("message") or first.get("type", ""))
    return out


def side_by_side(per_runtime: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """For each of checkpoint keys and trainable variables: the names whose shape differs between
    the runtimes, or that some runtime lacks (first), and those that are the same everywhere."""
    runtimes = list(per_runtime)
    out: dict[str, Any] = {"runtimes": {r: per_runtime[r]["tensorflow"] for r in runtimes}}
    for what in ("checkpoint", "trainable"):
        names = sorted({n for r in runtimes for n in per_runtime[r].get(what, {})})
        differ, same = {}, {}
        for name in names:
            row = {r: per_runtime[r].get(what, {}).get(name, "missing") for r in runtimes}
            values = [json.dumps(v) for v in row.values()]
            if len(set(values)) == 1:
                same[name] = row[runtimes[0]]
            else:
                differ[name] = row
        out[what] = {"differ": differ, "same": same}
    errors = {r: per_runtime[r]["error"] for r in runtimes if per_runtime[r].get("error")}
    if errors:
        out["errors"] = errors
    return out


def shape_text(shape: Any) -> str:
    if shape == "missing":
        return "-"
    return "?" if shape is None else "[" + ", ".join("?" if d is None else str(d)
                                                     for d in shape) + "]"


def keys_report(table: dict[str, Any], subject: str) -> str:
    """The side-by-side table as text: differences first, then what is the same."""
    from tabulate import tabulate
    runtimes = list(table["runtimes"])
    lines = [f"{subject}: " + ", ".join(f"{r} (TensorFlow {v})"
                                         for r, v in table["runtimes"].items())]
    for r, why in table.get("errors", {}).items():
        lines.append(f"  {r}: the program stopped early: {why}")
    for what, title in (("checkpoint", "checkpoint keys (what tf.train.Saver saves)"),
                        ("trainable", "trainable variables")):
        differ, same = table[what]["differ"], table[what]["same"]
        lines.append("")
        if differ:
            lines.append(f"{title}: {len(differ)} differ between the runtimes")
            lines += ["  " + row for row in tabulate(
                [[name, *(shape_text(row[r]) for r in runtimes)] for name, row in
                 differ.items()], headers=["name", *runtimes]).splitlines()]
            if same:
                lines.append("")
        if same:
            lines.append(f"{title}: {len(same)} the same on every runtime")
            lines += ["  " + row for row in tabulate(
                [[name, shape_text(s)] for name, s in same.items()], tablefmt="plain"
            ).splitlines()]
        if not differ and not same:
            lines.append(f"{title}: none")
    return "\n".join(lines) + "\n"


def new_traced_case(case_id: str, config: Config, script: str, runtime: str | None = None,
                    directory: str | None = None, force: bool = False,
                    timeout: float | None = None, script_args: list[str] | None = None,
                    ) -> tuple[Path, str, dict | None]:
    """`tfscope new ID --trace SCRIPT [-- ARGS]`: where the case goes, its checked text, and
    the exception a TF call raised that ended the script (the case ends with it too), if any."""
    from .runtimes import DEFAULT_RUNTIME, resolve
    from .scaffold import new_path, schema_ref
    path = new_path(case_id, config, directory, force)
    rt = resolve(runtime or DEFAULT_RUNTIME)
    trace = run_tracer(script, rt, timeout, script_args=script_args)
    text = traced_case(case_id, path, trace, schema_ref(config, path), rt, timeout)
    return path, text, trace.error


def keys_table(runtimes: list[Runtime], script: Path | None, case: caselib.Case | None,
               timeout: float | None = None) -> dict[str, Any]:
    """`tfscope keys`: the script or case on every runtime (side by side, in parallel). A case
    runs as its exported script, plain Python outside the worker's checks: so it first runs
    in the worker, and one whose program the policy refused anything (even a call the case
    catches) is refused here, before any of it runs unchecked."""
    from concurrent.futures import ThreadPoolExecutor
    if case is not None:
        from .runner import run_cases
        for r in run_cases([case], runtimes, timeout=timeout).results:
            if r.outcome.refused:
                raise UserError(f"{case.id} is refused on {r.runtime}: "
                                f"{r.outcome.refused[0]}", case.location,
                                hint="keys runs a case as plain Python, outside the checks of "
                                "tfscope's worker: only a case none of whose calls is refused")
    with ThreadPoolExecutor(max_workers=len(runtimes)) as pool:
        futures = {rt.name: pool.submit(keys_of, rt, script, case, timeout) for rt in runtimes}
        return side_by_side({name: f.result() for name, f in futures.items()})
