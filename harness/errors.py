"""Errors a user can fix. Each carries a place (file:line) and a hint; the CLI prints one line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(Exception):
    """A mistake in input or setup: reported in one line, never with a traceback."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.path, self.line, self.hint = message, path, line, hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        hint = f" ({self.hint})" if self.hint else ""
        # One line whatever the input: a newline inside a quoted id or key stays visible.
        return f"{where}{self.message}{hint}".replace("\r", "\\r").replace("\n", "\\n")


class CaseError(UserError):
    """An invalid case file or case."""


class RuntimeSetupError(UserError):
    """A runtime that cannot be found, provisioned or started."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None
