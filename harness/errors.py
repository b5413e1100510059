"""Errors a user can fix. Each carries a place (file:line) and a hint; the CLI prints one line."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


def escape_controls(text: str, keep: str = "") -> str:
    """`text` with every character a terminal (or a Python comment) must not get raw written as
    a `\\uXXXX` escape: control characters (NUL, ESC, ...), bidirectional controls such as the
    right-to-left override, other format characters, separators and surrogates; spaces and the
    characters in `keep` stay. The escapes are valid in JSON strings too."""
    if text.isprintable() and not any(c in keep for c in text):
        return text  # the common case, fast
    out = []
    for c in text:
        if c.isprintable() or c in keep or unicodedata.category(c) == "Zs":
            out.append(c)
        elif ord(c) > 0xFFFF:  # as a UTF-16 pair, like JSON
            code = ord(c) - 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{ord(c):04x}")
    return "".join(out)


class UserError(Exception):
    """A mistake in input or setup: reported in one line, never with a traceback."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 hint: str | None = None, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message, self.path, self.line, self.hint = message, path, line, hint
        self.details = list(details or [])  # lines shown below it, indented (a log's tail)

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        hint = f" ({self.hint})" if self.hint else ""
        # One line whatever the input: a newline inside a quoted id or key stays visible, and
        # no control character (a right-to-left override, an escape sequence) reaches a terminal.
        text = f"{where}{self.message}{hint}".replace("\r", "\\r").replace("\n", "\\n")
        # A log's tail, line by line below (it was one line with a literal \n between them),
        # each line as safe as the message.
        return escape_controls(text) + "".join(
            "\n    " + escape_controls(line.replace("\r", "\\r")) for line in self.details)


class CaseError(UserError):
    """An invalid case file or case."""


class RuntimeSetupError(UserError):
    """A runtime that cannot be found, provisioned or started."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None
