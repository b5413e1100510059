"""Markdown text for the report's sections: escaping, code spans, tables, and how verdicts,
expected values and observed values are written. No knowledge of runs or pages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..compare import (
    CONFORMS,
    CRASH,
    DEVIATES,
    ERROR,
    FAIL,
    MEMORY,
    MISSING,
    OBSERVED,
    STALE,
    TIMEOUT,
    bounded,
)

SYMBOLS = {CONFORMS: "✅", DEVIATES: "⚠️", OBSERVED: "📝", FAIL: "❌", STALE: "🕸️", ERROR: "💥",
           CRASH: "💥", TIMEOUT: "⏱️", MEMORY: "💥"}
MEANING = {
    CONFORMS: "TensorFlow does what the source says.",
    DEVIATES: "TensorFlow does something else, and the case records what and why.",
    OBSERVED: "the case makes no claim yet (empty `expect`): what TensorFlow did is shown.",
    FAIL: "TensorFlow does something else, and nothing recorded explains it.",
    STALE: "a difference is recorded, but TensorFlow now does what the source says.",
    ERROR: "the case or the harness is broken.",
    CRASH: "TensorFlow's process died running the case.",
    TIMEOUT: "the case did not finish in time.",
    MEMORY: "the case ran out of the worker's memory limit.",
}
NAMES = {OBSERVED: "observed, no claim"}


def verdict_cell(verdict: str | None) -> str:
    return "—" if verdict is None else f"{SYMBOLS[verdict]} {NAMES.get(verdict, verdict)}"


# --- markdown ---------------------------------------------------------------------------------

def one_line(text: Any) -> str:
    return " / ".join(part.strip() for part in str(text).splitlines() if part.strip())


def cut(text: Any, limit: int) -> str:
    text = re.sub(r"\s+", " ", one_line(text)).strip()
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,.;:") + "…"


def esc(text: Any) -> str:
    """Prose that must show as written: markdown's active characters escaped."""
    text = str(text).replace("\\", "\\\\")
    text = re.sub(r"([`*\[\]<>~|])", r"\\\1", text)
    # Underscores inside words are literal in GitHub markdown; only those at a word edge act.
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)


def code(text: Any) -> str:
    text = bounded(one_line(text))
    ticks = "`"
    while ticks in text:
        ticks += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def cell(text: str) -> str:
    """A table cell: one line, pipes escaped (inside code spans too, as GFM tables need)."""
    return one_line(text).replace("|", "\\|").replace("\\\\|", "\\|")


def table(headers: list[str], rows: list[list[str]], align: Iterable[str] | None = None) -> str:
    """A GitHub table without padding: columns padded to their widest cell would make a long
    table several times its size (and a one-cell change rewrite every line)."""
    rule = {"left": "---", "right": "--:", "center": ":-:"}
    aligns = list(align) if align else ["left"] * len(headers)
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join(rule[a] for a in aligns) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def per_runtime_table(headers: list[str], rows: list[list[str]], start: int, n: int) -> str:
    """A table with one column per runtime (`n` of them) from `start` on, folded into one
    column when every runtime gives the same cell in every row: no wider than it needs to be."""
    if n > 1 and all(len(set(row[start:start + n])) == 1 for row in rows):
        headers = headers[:start] + [f"all {n} runtimes"] + headers[start + n:]
        rows = [row[:start + 1] + row[start + n:] for row in rows]
    return table(headers, rows)


LONG_LIST = 4  # a claimed list this long that TF's differs from gets where they part spelled out


def fenced(lines: list[str], info: str = "text") -> str:
    """Lines as a fenced code block, its fence longer than any run of backticks inside."""
    fence = "```"
    while fence in "\n".join(lines):
        fence += "`"
    return "\n".join([fence + info, *lines, fence])


def list_parts(fact: str, lines: list[str], where: str) -> str:
    """Where a list fact parts from what the source says (compare.list_diff's lines), under a
    line naming the fact and where (the runtimes) it does so."""
    return f"Where {code(fact)} parts from the source ({where}):\n\n" + fenced(lines)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "other"


def blockquote(text: str) -> str:
    return "\n".join("> " + esc(line) if line.strip() else ">"
                     for line in str(text).splitlines() or [""])


# --- values -------------------------------------------------------------------------------------

def py(value: Any) -> str:
    """A fact value as a Python reader writes it (strings bare at the top level)."""
    if isinstance(value, str):
        return value if value else "''"
    return _py(value)


def _py(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    return repr(value)


def expected_text(fact: str, expected: Any) -> str:
    if fact == "error":
        return error_expected_text(expected)
    if isinstance(expected, dict) and len(expected) == 1:
        (name, arg), = expected.items()
        if name == "matches":
            return f"matches {code(arg)}"
        if name == "startswith":
            return f"starts with {code(arg)}"
        if name == "contains":
            return "includes " + ", ".join(code(py(x)) for x in arg)
        if name == "excludes":
            return "has none of " + ", ".join(code(py(x)) for x in arg)
    return code(py(expected))


def error_expected_text(expected: Any) -> str:
    if not expected or expected == "no error":
        return "no error"
    parts = [f"raises {code(expected['type'])}"]
    if "message" in expected:
        parts.append(f"saying “{esc(expected['message'])}”")
    if "matches" in expected:
        parts.append(f"matching {code(expected['matches'])}")
    if "step" in expected:
        parts.append(f"at {code(expected['step'])}")
    return " ".join(parts)


def error_actual_text(error: dict | None) -> str:
    if error is None:
        return "no error"
    message = cut(error.get("message", "").split("Originally defined at")[0], 120)
    where = error.get("label") or error.get("step")
    return f"raises {code(error['type'])}: “{esc(message)}”" + (f" at {code(where)}" if where
                                                               else "")


def actual_text(fact: str, actual: Any) -> str:
    if fact == "error":
        return error_actual_text(actual if isinstance(actual, dict) or actual is None else None) \
            if not isinstance(actual, str) else esc(actual)
    if actual == MISSING:
        return "not recorded (the program stopped before)"
    return code(py(actual))
