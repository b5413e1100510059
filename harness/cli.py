"""The `tfscope` command: a thin layer over the core (cases, runtimes, runner, compare, report)."""

from __future__ import annotations

import argparse
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from tabulate import tabulate

from . import __version__
from . import cases as caselib
from . import results as resultlib
from .compare import GOOD, VERDICTS, format_diff
from .config import Config, load_config, report_runtimes
from .errors import UserError, did_you_mean
from .files import write_atomic
from .runner import RunResults, run_cases
from .runtimes import SPECS, Runtime, resolve, use_python

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


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
    if not (0 < value <= 86400):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not `{text}`")
    return value


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

    def with_runtimes(p: argparse.ArgumentParser) -> None:
        p.add_argument("--runtime", action="append", metavar="NAME[=PYTHON]",
                       help="runtime to use (repeatable): a known name, provisioned on first "
                            "use, or NAME=PYTHON for an interpreter that has TensorFlow "
                            f"(known: {', '.join(SPECS)})")
        p.add_argument("--timeout", type=seconds, metavar="SECONDS",
                       help="per-case time limit (default: per case, else [tool.tfscope])")
        p.add_argument("--python", action="append", metavar="PATH",
                       help="interpreter to build runtimes of its version with (e.g. a "
                            "python3.7); default: $TFSCOPE_PYTHON3_7, python3.7 on PATH, pyenv")

    p = sub.add_parser("run", help="run cases on real TensorFlow and compare",
                       description="Run cases and print a verdict summary and the diff of "
                       "every case that does not conform. Exit 0 only when nothing fails.")
    with_cases(p)
    with_runtimes(p)
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
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
    p.add_argument("-o", "--output", metavar="FILE", help="where to write the report")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")

    p = sub.add_parser("export", help="write a case as a standalone TensorFlow script",
                       description="Write a Python script that reproduces one case with plain "
                       "TensorFlow 1.x (no tfscope needed) and prints the facts it observes.")
    p.add_argument("case_id", metavar="CASE_ID", help="the id of the case")
    p.add_argument("paths", nargs="*", metavar="PATHS",
                   help="case files or directories (default: [tool.tfscope] cases)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    p = sub.add_parser("runtimes", help="list runtimes, or provision them",
                       description="List the known runtimes; with --provision, build them now.")
    p.add_argument("--provision", action="append", metavar="NAME",
                   help="provision (or repair) this runtime now")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return EXIT_INPUT
        config = load_config()
        return COMMANDS[args.command](args, config)
    except UserError as e:
        print(f"tfscope: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("tfscope: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as e:  # noqa: BLE001 - a harness bug: say so, traceback only on request
        if debug:
            traceback.print_exc()
        print(f"tfscope: internal error (a bug in tfscope, please report it): "
              f"{type(e).__name__}: {e}" + ("" if debug else "; rerun with --debug for the "
                                            "traceback"), file=sys.stderr)
        return EXIT_BUG


def case_paths(args: argparse.Namespace, config: Config) -> list[str]:
    return args.paths or [str(config.root / p) for p in config.cases]


def load_cases(args: argparse.Namespace, config: Config, allow_test_steps: bool = False
               ) -> tuple[list[caselib.Case], list[UserError]]:
    cases, errors = caselib.load(case_paths(args, config),
                                 allow_test_steps=allow_test_steps or test_steps_enabled())
    return caselib.select(cases, args.keyword), list(errors)


def print_errors(errors: list[UserError]) -> None:
    for e in errors:
        print(f"tfscope: error: {e}", file=sys.stderr)


def resolve_runtimes(args: argparse.Namespace, config: Config,
                     default: list[str] | None = None) -> list[Runtime]:
    for path in getattr(args, "python", None) or []:
        use_python(path)
    selectors = args.runtime or default or config.runtimes
    runtimes = [resolve(s) for s in selectors]
    names = [rt.name for rt in runtimes]
    if len(set(names)) != len(names):
        raise UsageError("a runtime is named twice", hint="give each --runtime once")
    return runtimes


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
            default_runtimes: list[str] | None = None) -> RunResults:
    default = config.timeout
    if isinstance(default, bool) or not isinstance(default, (int, float)) or not 0 < default:
        raise UsageError(f"[tool.tfscope] timeout must be a number of seconds, not {default!r}",
                         str(config.root / "pyproject.toml"), hint="e.g. `timeout = 60`")
    runtimes = resolve_runtimes(args, config, default_runtimes)
    quiet = getattr(args, "quiet", False)
    # Time limit: --timeout, else the case's own `timeout:`, else the configured default.
    return run_cases(cases, runtimes, timeout=args.timeout, default_timeout=default,
                     test_steps=test_steps_enabled(),
                     progress=progress_printer(not quiet))


def summary_table(run: RunResults) -> str:
    rows = []
    for verdict in VERDICTS:
        counts = [sum(1 for r in run.results if r.runtime == rt and r.verdict.verdict == verdict)
                  for rt in run.runtimes]
        if any(counts):
            rows.append([verdict, *counts])
    return tabulate(rows, headers=["verdict", *run.runtimes], tablefmt="simple")


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    # A missing path is reported before any runtime is provisioned or started; the files are
    # then read and validated while the workers import TensorFlow.
    caselib.case_files(case_paths(args, config))
    errors: list[UserError] = []

    def load() -> list[caselib.Case]:
        cases, found = load_cases(args, config)
        print_errors(found)
        errors.extend(found)
        return cases

    run = execute(args, config, load)
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
    print(summary_table(run))
    if args.json:
        write_atomic(args.json, resultlib.to_json(run, errors))
    if run.interrupted:
        print("tfscope: interrupted; the results above are those that finished",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    if errors:
        return EXIT_INPUT
    return EXIT_FAIL if bad else EXIT_OK


def cmd_runtimes(args: argparse.Namespace, config: Config) -> int:
    for name in args.provision or []:
        if name not in SPECS:
            raise UsageError(f"unknown runtime `{name}`", hint="known: " + ", ".join(SPECS))
        rt = resolve(name)
        print(f"{rt.name}: {rt.python}")
    if not args.provision:
        rows = [[s.name, s.python,
                 f"unavailable: {s.unavailable}" if s.unavailable else s.description,
                 "yes" if s.name in config.runtimes else ""]
                for s in SPECS.values()]
        print(tabulate(rows, headers=["runtime", "python", "what", "default"]))
    return EXIT_OK


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    from .report import load_claims, render_report
    cases, errors = load_cases(args, config)
    print_errors(errors)
    if errors or not cases:
        print("tfscope: no report written: " + ("fix the invalid cases first" if errors
                                                 else "no cases to run"), file=sys.stderr)
        return EXIT_INPUT
    out = Path(args.output) if args.output else config.root / config.report
    run = execute(args, config, cases, report_runtimes(config))
    if run.interrupted:
        print("tfscope: interrupted; the previous report is left as it was", file=sys.stderr)
        return EXIT_INTERRUPTED
    write_atomic(out, render_report(run, config.root, out, load_claims(config.root / "claims")))
    print(summary_table(run))
    print(f"tfscope: wrote {out}")
    bad = [r for r in run.results if r.verdict.verdict not in GOOD]
    for r in bad:
        print(f"tfscope: {r.verdict.verdict} {r.case.id} [{r.runtime}] {r.case.location}",
              file=sys.stderr)
    return EXIT_FAIL if bad else EXIT_OK


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    from .render import export_script
    args.keyword = None
    cases, errors = load_cases(args, config)
    found = [c for c in cases if c.id == args.case_id]
    if not found:
        print_errors(errors)
        raise UsageError(f"no case `{args.case_id}`",
                         hint=did_you_mean(args.case_id, [c.id for c in cases])
                         or "`tfscope validate` lists the cases' files")
    script = export_script(found[0])
    if args.output:
        write_atomic(args.output, script)
        print(f"tfscope: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(script)
    return EXIT_OK


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "runtimes": cmd_runtimes,
            "report": cmd_report, "export": cmd_export}


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
