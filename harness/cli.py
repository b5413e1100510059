"""The `tfscope` command: a thin layer over the core (cases, runtimes, runner, compare, report)."""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__, shards
from . import cases as caselib
from . import results as resultlib
from .compare import CRASH, ERROR, GOOD, MEMORY, TIMEOUT, VERDICTS, format_diff
from .config import MAX_SECONDS, Config, limits, load_config_for, report_runtimes
from .errors import UserError, did_you_mean, escape_controls
from .files import STDOUT, environment_error, write_atomic
from .runner import Result, RunResults, run_cases
from .runtimes import (
    DEFAULT_RUNTIME,
    SETS,
    SPECS,
    Runtime,
    _override,
    cache_dir,
    expand,
    get_python,
    in_version_order,
    remove,
    repair,
    resolve,
    resolve_all,
    set_members,
    status,
    use_python,
)

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
PROBLEMS = (ERROR, CRASH, TIMEOUT, MEMORY)  # verdicts with no answer from TF: nothing to record


class UsageError(UserError):
    pass


def test_steps_enabled() -> bool:
    """TFSCOPE_TEST_STEPS=1 lets case files use the test-only steps `sleep`, `crash` and `print`.
    Only for the harness's own tests (tests/test_cli_errors.py): they hang or kill the worker."""
    return os.environ.get("TFSCOPE_TEST_STEPS") == "1"


def seconds(text: str) -> float:
    """--timeout's type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0 < value <= MAX_SECONDS):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not `{text}`")
    return value


MAX_JOBS = 256  # each worker is a process and a thread of the harness: thousands fail to start


def jobs(text: str) -> int:
    """-j's type: a positive number of workers."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"expected a number of workers from 1 to {MAX_JOBS}, "
                                         f"not `{text}`")
    return int(text)


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset set)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, like every input error
        raise UsageError(f"{message}", hint=f"see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tfscope", description="Check claims about TF1 variable and name "
                     "scopes against real TensorFlow.")
    parser.add_argument("--version", action="version", version=f"tfscope {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of harness bugs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def with_cases(p: argparse.ArgumentParser) -> None:
        p.add_argument("paths", nargs="*", metavar="PATHS",
                       help="case files or directories (default: [tool.tfscope] cases)")
        p.add_argument("-k", dest="keyword", metavar="EXPR",
                       help="only cases whose id, title or tags match (pytest -k syntax)")

    def with_case_id(p: argparse.ArgumentParser) -> None:
        p.add_argument("case_id", metavar="CASE_ID", help="the id of the case")
        p.add_argument("paths", nargs="*", metavar="PATHS",
                       help="case files or directories (default: [tool.tfscope] cases)")

    def with_runtimes(p: argparse.ArgumentParser) -> None:
        p.add_argument("--runtime", action="append", metavar="NAME[=PYTHON]",
                       help="runtime(s) to use (repeatable, or a comma list): a known name, "
                            "provisioned on first use, NAME=PYTHON for an interpreter that has "
                            f"TensorFlow, or a set ({', '.join(SETS)}); `tfscope runtimes` "
                            "lists them")
        p.add_argument("--timeout", type=seconds, metavar="SECONDS",
                       help="per-case time limit (default: per case, else [tool.tfscope])")
        p.add_argument("--python", action="append", metavar="PATH",
                       help="interpreter to build runtimes of its version with (e.g. a "
                            "python3.7); default: $TFSCOPE_PYTHON3_7, python3.7 on PATH, pyenv")
        p.add_argument("-j", "--jobs", type=jobs, default=None, metavar="N",
                       help="TensorFlow workers at once, shared by the runtimes (default: the "
                            "cores this process may use); the results do not depend on it")

    p = sub.add_parser("run", help="run cases on real TensorFlow and compare",
                       description="Run cases and print a verdict summary and the diff of "
                       "every case that does not conform. Exit 0 only when nothing fails.")
    with_cases(p)
    with_runtimes(p)
    p.add_argument("--json", metavar="FILE", help="write the results as JSON (`-`: standard "
                   "output)")
    p.add_argument("--shard", type=shards.parse, metavar="K/N",
                   help="run only the K-th of N parts of the cases (split by a hash of the case "
                   "id); `tfscope report --results` merges the parts' --json files")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")

    p = sub.add_parser("validate", help="check case files without running TensorFlow",
                       description="Validate case files (syntax, steps, arguments, references, "
                       "duplicate ids) without starting TensorFlow.")
    with_cases(p)

    p = sub.add_parser("report", help="run every case and write the markdown report",
                       description="Run cases on the runtimes and write the behaviour report "
                       "(markdown; default: [tool.tfscope] report). Exit 0 when every case "
                       "conforms or deviates as recorded.")
    with_cases(p)
    with_runtimes(p)
    p.add_argument("-o", "--output", metavar="FILE", help="where to write the report (`-`: "
                   "standard output)")
    p.add_argument("--details", action=argparse.BooleanOptionalAction, default=None,
                   help="also write every case in detail, a page per case folder, into cases/ "
                   "next to the report, and remove the pages it no longer writes there "
                   "(default: only for the configured report; --no-details links each case to "
                   "its file instead)")
    p.add_argument("--results", nargs="+", metavar="FILE",
                   help="write the report from these results files (`tfscope run --json`, e.g. "
                   "one per runtime and shard of a CI matrix) instead of running TensorFlow: "
                   "the same report as one run of everything")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")

    p = sub.add_parser("watch", help="rerun a case file's cases each time it is saved",
                       description="Start a TensorFlow worker per runtime and keep it warm; "
                       "each time a case file under PATHS is saved, run its cases and print "
                       "their verdicts and diffs. Ctrl-C stops.")
    p.add_argument("paths", nargs="*", metavar="PATHS",
                   help="case files or directories (default: [tool.tfscope] cases)")
    with_runtimes(p)

    p = sub.add_parser("export", help="write a case as a standalone TensorFlow script",
                       description="Write a Python script that reproduces one case with plain "
                       "TensorFlow 1.x (no tfscope needed) and prints the facts it observes.")
    with_case_id(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout (a "
                   "device, FIFO or symlink's target is written through, never replaced)")

    p = sub.add_parser("exec", help="run a script in a runtime's interpreter",
                       description="Run SCRIPT with the Python of a runtime (provisioned on "
                       "first use), e.g. a script `tfscope export` wrote: `tfscope exec tf1.15 "
                       "case.py`. ARGS go to the script; the exit code is the script's.")
    p.add_argument("runtime", metavar="RUNTIME",
                   help="one runtime: a name of `tfscope runtimes`, or NAME=PYTHON")
    p.add_argument("script", metavar="SCRIPT", help="the Python file to run")
    p.add_argument("script_args", nargs=argparse.REMAINDER, metavar="ARGS",
                   help="arguments for the script (e.g. --json)")
    p.add_argument("--python", action="append", metavar="PATH",
                   help="interpreter to build the runtime with, if it is not installed yet")

    p = sub.add_parser("record", help="run cases and write what TF did into their files",
                       description="Run cases and write what TensorFlow did into each case's "
                       "`observed:` block, per runtime (the facts the case names, the name of "
                       "every capture, and the error). Only that block changes: comments, "
                       "formatting and `expect` are kept as written.")
    with_cases(p)
    with_runtimes(p)
    p.add_argument("--last-run", action="store_true",
                   help="record, without running TensorFlow, the results of the last `run` (or "
                   "`record`) of these cases (default: every configured case) whose "
                   "observations differ from what their files hold")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")

    p = sub.add_parser("show", help="print one case: claim, TF code, last results",
                       description="Print a case's claim, its program as TensorFlow 1.x code, "
                       "its expectations, and the last results of `tfscope run` or `record`.")
    with_case_id(p)

    p = sub.add_parser("new", help="start a case file",
                       description="Write a new case file with every required field and a "
                       "commented example; --from-python converts a small TF1 snippet into its "
                       "program.")
    p.add_argument("case_id", metavar="ID", help="the new case's id, e.g. examples.my-claim")
    p.add_argument("--from-python", metavar="FILE", help="TF1 code to turn into the program")
    p.add_argument("--dir", metavar="DIR",
                   help="where to write it (default: cases/FOLDER, FOLDER the id up to its "
                   "first `.`)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--trace", metavar="SCRIPT", help="run your TF1 script (as `python SCRIPT` "
                   "would) under the tracer and write the TF calls it made as the program; "
                   "the script's own arguments go after `--` (`tfscope new ID --trace train.py "
                   "-- --mode train`)")
    p.add_argument("--runtime", metavar="NAME", help="where --trace runs the script "
                   f"(default: {DEFAULT_RUNTIME})")
    p.add_argument("--timeout", type=seconds, metavar="SECONDS",
                   help="time limit for the script and for the traced case (default: 300)")

    p = sub.add_parser("keys", help="checkpoint keys and trainable variables per runtime",
                       description="Run a TF1 script (with the TF1 API on every runtime, as "
                       "`new --trace` does) or a case's program on each runtime and print the "
                       "checkpoint keys (what tf.train.Saver saves: key and shape) and the "
                       "trainable variables, side by side: the differences first.")
    p.add_argument("target", metavar="SCRIPT_OR_CASE_ID",
                   help="a Python file (your script), or the id of a case")
    p.add_argument("paths", nargs="*", metavar="PATHS",
                   help="case files or directories, for a case id (default: [tool.tfscope] "
                   "cases)")
    with_runtimes(p)
    p.add_argument("--json", action="store_true", help="print the table as JSON")

    p = sub.add_parser("runtimes", help="list, install or remove runtimes",
                       description="List every known runtime with its state, interpreter and "
                       "TensorFlow version; `install NAME...` builds runtimes now (names or sets, "
                       "e.g. `all-1.x`), `remove NAME...` deletes them from the cache.")
    p.add_argument("--provision", action="append", metavar="NAME", help=argparse.SUPPRESS)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    for action, text in (("install", "build runtimes now (or repair them)"),
                         ("remove", "delete runtimes from the cache")):
        a = actions.add_parser(action, help=text, description=text[0].upper() + text[1:] + ".")
        a.add_argument("names", nargs="+", metavar="NAME",
                       help="runtime names or sets (e.g. tf1.13, all-1.x, history)")
        if action == "install":
            a.add_argument("--python", action="append", metavar="PATH",
                           help="interpreter to build runtimes of its version with")
            a.add_argument("--get-python", action="store_true",
                           help="when no interpreter of the version a runtime needs is found, "
                           "install one with `uv python install VERSION` (uv must be on PATH)")
    return parser


class TerminalSafe:
    """A text stream that writes control characters as escapes (see `escape_controls`): a title,
    a fact or an error message from a case or from TF never drives the terminal (a right-to-left
    override, an escape sequence). Newlines and tabs pass; the rest of the stream is as is."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text, keep="\n\t"))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalSafe(sys.stdout), TerminalSafe(sys.stderr)
    handlers = stop_like_ctrl_c()
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def stop_like_ctrl_c() -> dict[int, Any]:
    """SIGTERM and SIGHUP (a CI job cancelled, a terminal closed) stop tfscope as Ctrl-C does:
    the workers are stopped, temporary folders removed, the results so far kept. By default
    they ended it on the spot, leaving those behind. A signal the parent process ignores (nohup)
    stays ignored. The handlers replaced (to restore), from the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    replaced = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:
            replaced[sig] = signal.signal(sig, interrupt)
    return replaced


def split_script_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """`tfscope new ... -- ARGS`: ARGS are the traced script's own. (An argparse positional
    taking them would be filled, empty, with the case's ID.)"""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command == "new" and "--" in argv:
        cut = argv.index("--")
        return argv[:cut], argv[cut + 1:]
    return argv, []


def _main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv, script_args = split_script_args(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in argv
    try:
        args = parser.parse_args(argv)
        if args.command == "new":
            args.script_args = script_args
        if not args.command:
            parser.print_help()
            return EXIT_INPUT
        config = load_config_for(getattr(args, "paths", None) or [])
        return COMMANDS[args.command](args, config)
    except UserError as e:
        print(f"tfscope: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("tfscope: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): nothing left to say to it
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INPUT
    except OSError as e:
        # The environment's fault (a read-only or file-instead-of-folder cache, no permission,
        # a full disk...) is the user's to fix: one line with the path, exit 2. Other OSErrors
        # are ours.
        error = environment_error(e, doing="use it", hint=environment_hint(e.filename))
        if error is None:
            return internal_error(e, debug)
        print(f"tfscope: error: {error}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as e:  # noqa: BLE001 - a harness bug: say so, traceback only on request
        return internal_error(e, debug)


def internal_error(e: BaseException, debug: bool) -> int:
    """A harness bug: say so; the traceback only with --debug."""
    if debug:
        traceback.print_exception(e)
    print(f"tfscope: internal error (a bug in tfscope, please report it): "
          f"{type(e).__name__}: {e}" + ("" if debug else "; rerun with --debug for the "
                                        "traceback"), file=sys.stderr)
    return EXIT_BUG


def environment_hint(filename: str | None) -> str | None:
    """What to set when a file of the runtime cache cannot be used."""
    if not filename:
        return None
    with contextlib.suppress(UserError, OSError):
        cache = os.path.abspath(cache_dir())
        if os.path.commonpath([cache, os.path.abspath(filename)]) == cache:
            return f"the runtime cache is {cache}: set TFSCOPE_CACHE to a writable directory"
    return None


def case_paths(args: argparse.Namespace, config: Config) -> list[str]:
    return args.paths or [str(config.root / p) for p in config.cases]


def load_cases(args: argparse.Namespace, config: Config, allow_test_steps: bool = False
               ) -> tuple[list[caselib.Case], list[UserError]]:
    cases, errors = caselib.load(case_paths(args, config),
                                 allow_test_steps=allow_test_steps or test_steps_enabled(),
                                 corpus=[config.root / p for p in config.cases])
    return caselib.select(cases, args.keyword), list(errors)


def valid_cases(args: argparse.Namespace, config: Config, refusal: str
                ) -> list[caselib.Case] | None:
    """The cases, or None (having said why) when some are invalid or there are none: a command
    that writes files writes nothing from a partly invalid set."""
    cases, errors = load_cases(args, config)
    print_errors(errors)
    if errors or not cases:
        print(f"tfscope: {refusal}: " + ("fix the invalid cases first" if errors
                                         else "no cases to run"), file=sys.stderr)
        return None
    return cases


def print_errors(errors: list[UserError]) -> None:
    for e in errors:
        print(f"tfscope: error: {e}", file=sys.stderr)


def resolve_runtimes(args: argparse.Namespace, config: Config,
                     default: list[str] | None = None) -> tuple[list[Runtime], dict[str, str]]:
    """The runtimes to run (provisioned), and the members of a set that cannot be here (why)."""
    for path in getattr(args, "python", None) or []:
        use_python(path)
    selectors = args.runtime or default or config.runtimes
    if isinstance(selectors, str) or not all(isinstance(s, str) for s in selectors):
        raise UsageError("[tool.tfscope] runtimes must be a list of runtime names",
                         str(config.root / "pyproject.toml"), hint='e.g. runtimes = ["tf1.15"]')
    runtimes, unavailable = resolve_all(expand(selectors))
    for name, why in unavailable.items():
        print(f"tfscope: {name} is unavailable here, left out: {why}", file=sys.stderr)
    if not runtimes:
        raise UsageError("no runtime to run on", hint="`tfscope runtimes` lists them")
    return runtimes, unavailable


def cmd_validate(args: argparse.Namespace, config: Config) -> int:
    cases, errors = load_cases(args, config)
    print_errors(errors)
    print(f"tfscope: {len(cases)} valid case(s), {len(errors)} error(s)")
    return EXIT_INPUT if errors else EXIT_OK


def progress_printer(enabled: bool) -> Callable[[str, int, int], None] | None:
    """Progress on stderr for runs big enough to wait for: about ten lines per runtime."""
    if not enabled:
        return None

    def show(runtime: str, done: int, of: int) -> None:
        if of >= 20 and (done % max(1, of // 10) == 0 or done == of):
            print(f"tfscope: [{runtime}] {done}/{of} cases", file=sys.stderr, flush=True)
    return show


def execute(args: argparse.Namespace, config: Config,
            cases: list[caselib.Case] | Callable[[], list[caselib.Case]],
            default_runtimes: list[str] | None = None,
            on_result: Callable[[Result], None] | None = None) -> RunResults:
    default = config.timeout  # load_config checked it (config.check), and the limits
    bounds = limits(config)
    runtimes, unavailable = resolve_runtimes(args, config, default_runtimes)
    quiet = getattr(args, "quiet", False)
    # Time limit: --timeout, else the case's own `timeout:`, else the configured default.
    run = run_cases(cases, runtimes, timeout=args.timeout, default_timeout=default,
                    test_steps=test_steps_enabled(),
                    progress=progress_printer(not quiet),
                    jobs=getattr(args, "jobs", None) or default_jobs(), limits=bounds,
                    on_result=on_result)
    run.unavailable = unavailable
    return run


def last_run_limit(config: Config) -> int:
    return int(config.last_run_mib * (1 << 20))  # checked by load_config (config.limits)


def _tabulate(*args: Any, **kwargs: Any) -> str:
    # Imported when a table is printed: tabulate's import (importlib.metadata) is about 20 ms
    # that `tfscope run` would otherwise spend before it can start TensorFlow's import.
    from tabulate import tabulate
    return tabulate(*args, **kwargs)


def summary_table(run: RunResults, invalid: Sequence[UserError] = ()) -> str:
    """Verdicts per runtime; and the invalid files, which ran on none (their errors above)."""
    rows: list[list[object]] = []
    for verdict in VERDICTS:
        counts = [sum(1 for r in run.results if r.runtime == rt and r.verdict.verdict == verdict)
                  for rt in run.runtimes]
        if any(counts):
            rows.append([verdict, *counts])
    files = {e.path or str(e) for e in invalid}
    if files:
        rows.append(["invalid (files not run)", *[len(files)] * len(run.runtimes)])
    return _tabulate(rows, headers=["verdict", *run.runtimes], tablefmt="simple")


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if args.json == STDOUT:  # stdout carries the JSON alone: the summary and diffs go to stderr
        stdout = sys.stdout
        with contextlib.redirect_stdout(sys.stderr):
            return _run(args, config, stdout)
    return _run(args, config, None)


def _run(args: argparse.Namespace, config: Config, json_out: Any) -> int:
    # A missing path is reported before any runtime is provisioned or started; the files are
    # then read and validated while the workers import TensorFlow.
    caselib.case_files(case_paths(args, config))
    errors: list[UserError] = []

    def load() -> list[caselib.Case]:
        # The cases live until the run ends and hold no cycles: the collector's passes over
        # them while they are built, then again during the run, cost about 0.4 s per 1,000
        # cases, most of it on the way to the first result.
        gc.disable()
        try:
            cases, found = load_cases(args, config)
        finally:
            gc.enable()
        gc.freeze()
        print_errors(found)
        errors.extend(found)
        return args.shard.select(cases) if args.shard else cases

    try:
        lines = resultlib.LastRunLines(last_run_limit(config))
    except UserError:  # save_last_run says why
        lines = resultlib.LastRunLines(None)
    run = execute(args, config, load, on_result=lines.add)
    if not run.results and not run.interrupted:
        print("tfscope: no cases to run", file=sys.stderr)
        return EXIT_INPUT if errors or not args.keyword else EXIT_OK
    for rt in run.runtimes:
        info = run.info.get(rt, {})
        print(f"{rt}: TensorFlow {info.get('tensorflow', '?')}, Python {info.get('python', '?')}"
              f", {info.get('platform', '?')}")
    bad = [r for r in run.results if r.verdict.verdict not in GOOD]
    for r in bad:
        print(f"\n{r.verdict.verdict.upper()} {r.case.id} [{r.runtime}]  {r.case.location}")
        if r.verdict.reason:
            print(f"    {r.verdict.reason}")
        if r.verdict.diff:
            print(format_diff(r.verdict.diff))
    print()
    print(summary_table(run, errors))
    if args.json:  # what the run was asked for first; .tfscope/ is the harness's own
        chunks = resultlib.json_chunks(run, errors)
        if json_out is not None:
            json_out.writelines(chunks)
            json_out.flush()
        else:
            write_atomic(args.json, chunks)
    save_last_run(run, config, lines.made)
    if run.interrupted:
        print("tfscope: interrupted; the results above are those that finished",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    if errors:
        return EXIT_INPUT
    return EXIT_FAIL if bad else EXIT_OK


def stops_how() -> str:
    # Started with SIGINT ignored (`tfscope watch &` in a script, nohup), Python keeps it
    # ignored, as it should: then Ctrl-C does not stop the watch, and saying so beats a hang.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return ("Ctrl-C is ignored here, as the parent process asked: stop it with "
                f"`kill {os.getpid()}`")
    return "Ctrl-C stops"


def cmd_watch(args: argparse.Namespace, config: Config) -> int:
    from .runner import Pool
    from .watch import Watcher
    paths = case_paths(args, config)
    caselib.case_files(paths)  # a missing path: one line, exit 2, before any TF starts
    runtimes, _ = resolve_runtimes(args, config)
    corpus = [config.root / p for p in config.cases]

    def load(path: Path) -> tuple[list[caselib.Case], list[UserError]]:
        cases, errors = caselib.load([path], allow_test_steps=test_steps_enabled(),
                                     corpus=corpus)
        return cases, list(errors)

    def say(text: str) -> None:
        print(text, flush=True)

    with Pool(runtimes, test_steps_enabled(), getattr(args, "jobs", None) or default_jobs()
              ) as pool:
        watcher = Watcher(pool, paths, say, load, timeout=args.timeout,
                          default_timeout=config.timeout)
        try:
            watcher.warm()
            for path in caselib.case_files(paths):  # a broken or looping link: why not
                if path not in watcher.seen:
                    for e in load(path)[1]:
                        say(f"tfscope: error: {e}")
            say(f"tfscope: watching {len(watcher.seen)} case file(s); save one to run its "
                f"cases ({stops_how()})")
            watcher.forever()
        except KeyboardInterrupt:
            pool.cancel()
            say("tfscope: watch stopped")
    return EXIT_OK


def known_names(selectors: Sequence[str]) -> list[str]:
    """Names or sets of built-in runtimes (no NAME=PYTHON: those are not ours to install)."""
    names = []
    for sel in expand(selectors):
        if sel.selector != sel.name or sel.name not in SPECS:
            raise UsageError(f"`{sel.selector}` is not a known runtime",
                             hint="install and remove take the names of `tfscope runtimes`: "
                             + ", ".join(in_version_order(SPECS)) + "; or sets: "
                             + ", ".join(SETS))
        names.append(sel.name)
    return names


def cmd_runtimes(args: argparse.Namespace, config: Config) -> int:
    if args.provision and not args.action:  # the old spelling of `install`
        args.action, args.names, args.python = "install", args.provision, None
    if args.action == "install":
        for path in args.python or []:
            use_python(path)
        failed = 0
        for name in known_names(args.names):
            spec = SPECS[name]
            if spec.unavailable:
                print(f"{name}: unavailable here: {spec.unavailable}")
                failed += 1
                continue
            try:
                if getattr(args, "get_python", False):
                    get_python(spec.python)
                if _override(name):  # an interpreter given by the environment: nothing to build
                    rt, done = resolve(name), ""
                else:
                    rt, done = repair(spec)
            except UserError as e:
                print(f"{name}: not installed: {e}")
                failed += 1
                continue
            print(f"{name}: installed, {rt.python}" + (f" ({done})" if done else ""))
        return EXIT_FAIL if failed else EXIT_OK
    if args.action == "remove":
        for name in known_names(args.names):
            print(f"{name}: " + ("removed" if remove(SPECS[name]) else "was not installed"))
        return EXIT_OK
    configured = set()
    for selector in config.runtimes if isinstance(config.runtimes, list) else []:
        with contextlib.suppress(UserError):
            configured |= {s.name for s in expand([selector])}
    history = set(set_members("history"))
    interpreters: dict[str, str] = {}
    rows = []
    for name in in_version_order(SPECS):
        st = status(SPECS[name], interpreters)
        tf = st.spec.tensorflow or "?"
        if st.installed_tf and st.installed_tf != st.spec.tensorflow:
            tf += f" (installed: {st.installed_tf})"
        sets = [label for label, member in (("default", name == DEFAULT_RUNTIME),
                                            ("configured", name in configured),
                                            ("history", name in history)) if member]
        state = st.state + (f": {st.why}" if st.why else "")
        rows.append([name, state, tf, st.interpreter, ", ".join(sets), str(st.path)])
    print(_tabulate(rows, headers=["runtime", "state", "TensorFlow", "interpreter", "in",
                                  "cache"]))
    print("\nsets: " + "; ".join(f"{n} ({text})" for n, (text, _) in SETS.items()))
    return EXIT_OK


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    from .report import DETAILS, load_claims, render_pages
    cases = valid_cases(args, config, "no report written")
    if cases is None:
        return EXIT_INPUT
    out = Path(args.output) if args.output else config.root / config.report
    to_stdout = args.output == STDOUT
    if not to_stdout:  # a link that loops, before the run (paths are resolved below)
        try:
            os.stat(out)
        except FileNotFoundError:
            pass
        except OSError as e:
            raise environment_error(e, out) or e from None
    if to_stdout and args.details:
        raise UsageError("--details writes a page per case folder next to the report, so it "
                         "needs a file for -o", hint="give -o a file, or drop --details")
    details = args.details if args.details is not None else \
        not to_stdout and out.resolve() == (config.root / config.report).resolve()
    if details:
        pages_at(out.parent / DETAILS, config)
    digest = caselib.digest(case_paths(args, config), config.root, args.keyword)
    if args.results:
        selectors = args.runtime or report_runtimes(config)
        run = resultlib.merge_results(args.results, cases,
                                      [s.name for s in expand(selectors)])
    else:
        run = execute(args, config, cases, report_runtimes(config))
    if run.interrupted:
        print("tfscope: interrupted; the previous report is left as it was", file=sys.stderr)
        return EXIT_INTERRUPTED
    pages = render_pages(run, config.root, out, load_claims(config.root / "claims"), digest,
                         report_command(args, config, out), details)
    if to_stdout:  # the overview only (details are off): the summary goes to stderr
        write_atomic(STDOUT, next(iter(pages.values())))
        print(summary_table(run), file=sys.stderr)
        removed = []
    else:
        removed = write_pages(out.parent, pages, prune=details)
        print(summary_table(run))
        print(f"tfscope: wrote {out}" + (f" and {len(pages) - 1} case pages in "
                                         f"{out.parent / DETAILS}" if details else ""))
    for path in removed:
        print(f"tfscope: removed {path} (a case page this report no longer has)")
    bad = [r for r in run.results if r.verdict.verdict not in GOOD]
    for r in bad:
        print(f"tfscope: {r.verdict.verdict} {r.case.id} [{r.runtime}] {r.case.location}",
              file=sys.stderr)
    return EXIT_FAIL if bad else EXIT_OK


def pages_at(folder: Path, config: Config) -> None:
    """Refuse a case pages' folder that holds case files (`-o report.md` in a project's root
    puts them in its cases/): pages are written and pruned there."""
    where = folder.resolve()
    holds = any((config.root / p).resolve() == where for p in config.cases) or \
        (folder.is_dir() and any(folder.glob("*.yaml")))
    if holds:
        raise UsageError(f"the report's case pages would go into {folder}, a folder of case "
                         "files", hint="write the report into a folder of its own, e.g. "
                         "`-o reports/behaviour.md`, or drop --details")


def write_pages(folder: Path, pages: dict[str, str], prune: bool) -> list[Path]:
    """Write the report's pages (paths relative to `folder`); with `prune`, remove the pages
    an earlier report wrote into its DETAILS folder that this one does not (a renamed case
    folder, a page split by topic): only files that say they were generated, never others."""
    from .report import DETAILS
    for name, text in pages.items():
        write_atomic(folder / name, text)
    removed = []
    details = folder / DETAILS
    if prune and details.is_dir():
        for path in sorted(details.glob("*.md")):
            if path.relative_to(folder).as_posix() not in pages and is_generated(path):
                path.unlink()
                removed.append(path)
    return removed


def is_generated(path: Path) -> bool:
    from .report import GENERATED
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return GENERATED in handle.read(4096)
    except OSError:
        return False


HISTORY_COMMAND = "tfscope report --runtime all -o reports/history.md"


def report_command(args: argparse.Namespace, config: Config, out: Path) -> str:
    """How this report is rebuilt, for its header: the command as given, paths relative to the
    project (so the text does not depend on where the clone is)."""
    def shown(path: str | Path) -> str:
        try:
            return Path(path).resolve().relative_to(config.root.resolve()).as_posix()
        except ValueError:
            return Path(path).name
    parts = ["tfscope report", *(shown(p) for p in args.paths)]
    if args.keyword:
        parts += ["-k", args.keyword]
    parts += [f"--runtime {r}" for r in args.runtime or []]
    if args.output:
        parts += ["-o", shown(out)]
    if args.details is not None:
        parts.append("--details" if args.details else "--no-details")
    command = " ".join(parts)
    if command == "tfscope report":
        return "`tfscope report` (or `make report`)"
    if command == HISTORY_COMMAND:
        return f"`make history` (`{HISTORY_COMMAND}`)"
    return f"`{command}`"


def find_case(args: argparse.Namespace, config: Config) -> caselib.Case:
    args.keyword = None
    cases, errors = load_cases(args, config)
    found = [c for c in cases if c.id == args.case_id]
    if not found:
        print_errors(errors)
        raise UsageError(f"no case `{args.case_id}`",
                         hint=did_you_mean(args.case_id, [c.id for c in cases])
                         or "`tfscope validate` lists the cases' files")
    return found[0]


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    from .render import export_script
    script = export_script(find_case(args, config))
    write_atomic(args.output or STDOUT, script)
    if args.output and args.output != STDOUT:
        print(f"tfscope: wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_exec(args: argparse.Namespace, config: Config) -> int:
    import subprocess
    selected = expand([args.runtime])
    if len(selected) != 1:
        raise UsageError(f"`{args.runtime}` is {len(selected)} runtimes; exec runs a script in "
                         "one", hint="name one runtime, e.g. tf1.15")
    if not os.path.isfile(args.script):
        raise UsageError("no such script", args.script, hint="give the path of a Python file")
    for path in args.python or []:
        use_python(path)
    runtime = resolve(selected[0].selector)
    # No shell: the script and its arguments are passed as they are.
    code = subprocess.run([runtime.python, args.script, *args.script_args]).returncode
    return 128 - code if code < 0 else code  # killed by a signal: as a shell reports it


def cmd_show(args: argparse.Namespace, config: Config) -> int:
    from .show import show
    case = find_case(args, config)
    sys.stdout.write(show(case, resultlib.load_last_run(config.root)))
    return EXIT_OK


def save_last_run(run: RunResults, config: Config,
                  made: dict[tuple[str, str], str] | None = None) -> None:
    """Keep the results for `tfscope show`; a `.tfscope/` that cannot be written costs only
    that (one warning), never the outputs the run was asked for."""
    limit = last_run_limit(config)
    try:
        resultlib.save_last_run(run, config.root, limit, made)
    except UserError as e:
        print(f"tfscope: warning: results not kept for `tfscope show`: {e}", file=sys.stderr)


def cmd_record(args: argparse.Namespace, config: Config) -> int:
    from . import record
    if not args.paths and not args.last_run:
        raise UsageError("record writes into case files: name them",
                         hint="e.g. `tfscope record cases/questions/x.yaml`, or `tfscope record "
                         "--last-run` for the cases of the last run whose observations changed")
    cases = valid_cases(args, config, "nothing recorded")
    if cases is None:
        return EXIT_INPUT
    if args.last_run:
        results, stale = last_run_results(cases, config)
        runtimes = sorted({r.runtime for r in results})
        missing: list = []
        for case_id, runtime in stale:
            print(f"tfscope: not recorded: {case_id} [{runtime}]: the case changed after the "
                  "last run (run it again)", file=sys.stderr)
    else:
        run = execute(args, config, cases)
        if run.interrupted:
            print("tfscope: interrupted; no file was changed", file=sys.stderr)
            return EXIT_INTERRUPTED
        save_last_run(run, config)
        results, runtimes = run.results, run.runtimes
    updates, missing = record.updates_for(results)
    if args.last_run:  # only what differs from the file's `observed:`
        observed = {c.id: c.observed for c in cases}
        changed: dict[str, dict[str, dict[str, dict]]] = {}
        for path, by_case in updates.items():
            for case_id, by_runtime in by_case.items():
                for runtime, facts in by_runtime.items():
                    if observed[case_id].get(runtime) != facts:
                        changed.setdefault(path, {}).setdefault(case_id, {})[runtime] = facts
        updates, missing = changed, []
        if not updates:
            print("tfscope: nothing to record: the last run observed what the files hold")
    try:
        written = record.apply(updates)
    except UserError as e:
        print(f"tfscope: error: {e}", file=sys.stderr)
        print("tfscope: nothing recorded: no file was changed", file=sys.stderr)
        return EXIT_INPUT
    for path, (asked, changed) in written.items():
        print(f"tfscope: {path}: recorded {len(changed)} of {asked} case(s) on "
              f"{', '.join(runtimes)}" + ("" if changed else " (unchanged)"))
    for r in missing:
        print(f"tfscope: not recorded: {r.case.id} [{r.runtime}] {r.verdict.verdict}: "
              f"{r.verdict.reason}", file=sys.stderr)
    return EXIT_FAIL if missing else EXIT_OK


def last_run_results(cases: list[caselib.Case], config: Config
                     ) -> tuple[list, list[tuple[str, str]]]:
    """The results of the last run (`.tfscope/last-run.json`) of these cases, as results to
    record; and the (case, runtime) results that are from before the case last changed."""
    from .compare import Outcome, Verdict
    last = resultlib.load_last_run(config.root)["results"]
    results, stale = [], []
    for case in cases:
        for runtime, entry in sorted(last.get(case.id, {}).items()):
            if entry.get("fingerprint") != resultlib.fingerprint(case):
                stale.append((case.id, runtime))
                continue
            problem = entry.get("reason") if entry.get("verdict") in PROBLEMS else None
            outcome = Outcome(facts=entry.get("facts") or {}, error=entry.get("error"),
                              problem=problem)
            results.append(Result(case, runtime, outcome,
                                  Verdict(entry.get("verdict", ""), reason=entry.get("reason"))))
    return results, stale


def cmd_new(args: argparse.Namespace, config: Config) -> int:
    from .scaffold import new_case
    if args.trace:
        from .trace import TraceRefused, new_traced_case
        if args.from_python:
            raise UsageError("give --trace or --from-python, not both")
        try:
            path, text, error = new_traced_case(args.case_id, config, args.trace, args.runtime,
                                                directory=args.dir, force=args.force,
                                                timeout=args.timeout,
                                                script_args=args.script_args)
        except TraceRefused as e:
            print_errors(e.problems)
            print(f"tfscope: nothing written: {e.message}", file=sys.stderr)
            return EXIT_INPUT
        write_atomic(path, text)
        if error:  # the script failed in a TF call: that is TF's behaviour, and the case's too
            print(f"tfscope: the script ended at {error['type']}: {error['message']}, raised "
                  "by a TF call; the case ends there too (its `observed` error)",
                  file=sys.stderr)
        print(f"tfscope: wrote {caselib.display_path(path)}; next: state the claim in `expect` "
              "and fill in `source` (docs/writing-cases.md)")
        return EXIT_OK
    if args.runtime or args.timeout or args.script_args:
        raise UsageError("--runtime, --timeout and a script's arguments go with --trace")
    from .frompython import Refused
    try:
        path, text = new_case(args.case_id, config, directory=args.dir,
                              from_python=args.from_python, force=args.force)
    except Refused as e:  # every problem of the file, each on its line
        print_errors(list(e.problems))
        print(f"tfscope: nothing written: {len(e.problems)} problem"
              f"{'' if len(e.problems) == 1 else 's'} in {args.from_python}", file=sys.stderr)
        return EXIT_INPUT
    write_atomic(path, text)
    todo = "`source` (`expect` holds the code's asserts)" if "\nexpect: {}\n" not in text \
        else "`source` and `expect`"
    print(f"tfscope: wrote {caselib.display_path(path)}; next: fill in {todo}, "
          f"then `tfscope record {caselib.display_path(path)}` or `tfscope run ...`")
    return EXIT_OK


def cmd_keys(args: argparse.Namespace, config: Config) -> int:
    import json

    from .trace import keys_report, keys_table
    script = Path(args.target) if args.target.endswith(".py") or Path(args.target).is_file() \
        else None
    case = None
    if script is None:
        args.case_id = args.target
        case = find_case(args, config)
    elif not script.is_file():
        raise UsageError("no such script", args.target, hint="give a Python file or a case id")
    runtimes, _ = resolve_runtimes(args, config)
    table = keys_table(runtimes, script, case, args.timeout)
    if args.json:
        print(json.dumps(table, indent=2, sort_keys=True))
    else:
        sys.stdout.write(keys_report(table, args.target))
    return EXIT_FAIL if table.get("errors") else EXIT_OK


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "runtimes": cmd_runtimes,
            "report": cmd_report, "export": cmd_export, "show": cmd_show, "record": cmd_record,
            "new": cmd_new, "keys": cmd_keys, "exec": cmd_exec, "watch": cmd_watch}


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
