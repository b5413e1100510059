"""Configuration: `[tool.tfscope]` in the project's pyproject.toml, with defaults."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError

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
    root: Path = field(default_factory=Path.cwd)


def load_config(start: Path | None = None) -> Config:
    """The nearest pyproject.toml with a [tool.tfscope] table, upward from `start`."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        pyproject = directory / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("tfscope")
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise UserError(f"cannot read configuration: {e}", str(pyproject)) from None
        if table is None:
            continue
        config = Config(root=directory)
        for key, value in table.items():
            if not hasattr(config, key) or key == "root":
                raise UserError(f"unknown setting `{key}` in [tool.tfscope]", str(pyproject),
                                hint="settings: cases, runtimes, report_runtimes, timeout, "
                                "report")
            setattr(config, key, value)
        return config
    return Config()


def report_runtimes(config: Config) -> list[str]:
    return config.report_runtimes or config.runtimes
