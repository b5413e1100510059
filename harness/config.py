"""Configuration: `[tool.tfscope]` in the project's pyproject.toml, with defaults."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .runner import Limits, MiB

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass
class Config:
    cases: list[str] = field(default_factory=lambda: ["cases"])
    runtimes: list[str] = field(default_factory=lambda: ["tf1.15"])
    # The report answers "per version": it may cover more runtimes than a quick `run` does.
    report_runtimes: list[str] | None = None
    timeout: float = 60.0
    report: str = "reports/behaviour.md"
    # Bounds (docs/reliability.md, "Memory and time bounds"); see limits() below.
    start_timeout: float | None = None   # seconds a worker may take to start; None: the timeout
    worker_memory_mib: int = 8192        # the worker's address space (RLIMIT_AS); 0: no limit
    max_reply_mib: int = 64              # the longest result line the harness reads
    max_value: int = 10_000              # more elements: a value is recorded in summary
    last_run_mib: int = 16               # .tfscope/last-run.json is pruned to this size
    root: Path = field(default_factory=Path.cwd)


def find_project(start: Path | None = None) -> tuple[Path, dict] | None:
    """(folder, [tool.tfscope] table) of the nearest pyproject.toml with that table, upward
    from `start` (the cwd); None when there is none."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        pyproject = directory / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("tfscope")
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise UserError(f"cannot read configuration: {e}", str(pyproject)) from None
        if table is not None:
            return directory, table
    return None


def load_config_for(paths: Sequence[str]) -> Config:
    """The configuration of the cwd's project; when the cwd is in none, that of the given
    paths' common folder (upward), as pytest finds its rootdir: `tfscope report
    /a/project/cases` run from elsewhere is the project's own report, not one with defaults."""
    found = find_project()
    if found is None and paths:
        try:
            common = Path(os.path.commonpath([os.path.abspath(p) for p in paths]))
        except ValueError:  # no common folder
            common = None
        if common is not None:
            found = find_project(common if common.is_dir() else common.parent)
    return config_of(found)


def load_config(start: Path | None = None) -> Config:
    """The nearest pyproject.toml with a [tool.tfscope] table, upward from `start`."""
    return config_of(find_project(start))


def config_of(found: tuple[Path, dict] | None) -> Config:
    """The configuration a project's table gives (find_project), checked; the defaults for none."""
    if found is not None:
        directory, table = found
        pyproject = directory / "pyproject.toml"
        config = Config(root=directory)
        for key, value in table.items():
            if not hasattr(config, key) or key == "root":
                raise UserError(f"unknown setting `{key}` in [tool.tfscope]", str(pyproject),
                                hint="settings: " + ", ".join(
                                    f for f in Config.__dataclass_fields__ if f != "root"))
            setattr(config, key, value)
        check(config)
        return config
    return Config()


def check(config: Config) -> None:
    """Every setting of the right type and within its bounds, else a one-line error naming it
    (not an internal error where it is used: `timeout = inf` in select, `cases = 5`)."""
    where = str(config.root / "pyproject.toml")

    def fail(key: str, what: str, example: str, more: str = "") -> UserError:
        return UserError(f"[tool.tfscope] {key} must be {what}, not {getattr(config, key)!r}",
                         where, hint=f"e.g. `{example}`{more}")
    for key, example in (("cases", 'cases = ["cases"]'), ("runtimes", 'runtimes = ["tf1.15"]'),
                         ("report_runtimes", 'report_runtimes = ["tf1.15", "tf2"]')):
        value = getattr(config, key)
        if key == "report_runtimes" and value is None:
            continue
        if not isinstance(value, list) or not value or \
                not all(isinstance(v, str) and v for v in value):
            raise fail(key, "a list of names" if "runtimes" in key else "a list of paths",
                       example)
    if not isinstance(config.report, str) or not config.report:
        raise fail("report", "a path", 'report = "reports/behaviour.md"')
    timeout = config.timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or \
            not 0 < timeout <= MAX_SECONDS:
        raise fail("timeout", f"a number of seconds (at most {MAX_SECONDS})", "timeout = 60")
    start = config.start_timeout
    if start is not None and (isinstance(start, bool) or not isinstance(start, (int, float))
                              or not 1 <= start <= MAX_SECONDS):
        raise fail("start_timeout", f"a number of seconds from 1 to {MAX_SECONDS}",
                   "start_timeout = 60", ", or no line (then the timeout is used)")
    limits(config)


MAX_SECONDS = 86400  # a day: the longest timeout, here and for --timeout
# The largest value of each bound (a larger one overflows where it is used: setrlimit, select).
MAXIMA = {"worker_memory_mib": 1 << 24, "max_reply_mib": 4096, "max_value": 10 ** 9,
          "last_run_mib": 4096}


def example(key: str) -> object:
    """A valid value of a setting for a hint: its default (TOML has no None: 60 s for that)."""
    default = Config.__dataclass_fields__[key].default
    return 60 if default is None else default


def limits(config: Config) -> Limits:
    """The run's bounds from the configuration, each checked (a one-line error naming it)."""
    def number(key: str, minimum: float, whole: bool = True) -> float:
        value = getattr(config, key)
        if isinstance(value, bool) or not isinstance(value, (int,) if whole else (int, float)) \
                or value < minimum:
            kind = "a whole number" if whole else "a number"
            raise UserError(f"[tool.tfscope] {key} must be {kind} >= {minimum:g}, not {value!r}",
                            str(config.root / "pyproject.toml"),
                            hint=f"e.g. `{key} = {example(key)}`")
        if key in MAXIMA and value > MAXIMA[key]:
            raise UserError(f"[tool.tfscope] {key} must be at most {MAXIMA[key]}, not {value!r}",
                            str(config.root / "pyproject.toml"),
                            hint=f"e.g. `{key} = {example(key)}`")
        return value
    start = None if config.start_timeout is None else number("start_timeout", 1, whole=False)
    number("last_run_mib", 1, whole=False)
    return Limits(start_timeout=start, worker_memory=number("worker_memory_mib", 0) * MiB,
                  max_reply=number("max_reply_mib", 1) * MiB, max_value=number("max_value", 1))


def report_runtimes(config: Config) -> list[str]:
    return config.report_runtimes or config.runtimes
