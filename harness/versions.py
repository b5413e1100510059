"""TensorFlow versions: ordering, and the version ranges a deviation may name (`"<1.14"`).

A range is one or more clauses joined by commas, all of which must hold: `">=1.13,<2"`. A clause
compares the runtime's version, cut to as many parts as the clause gives, so `"<1.14"` excludes
every 1.14.x, `"<=1.14"` and `"==1.14"` include them, and `">=2"` is every TF 2.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

OPERATORS: dict[str, Callable[[tuple, tuple], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt,
}
CLAUSE = re.compile(r"^\s*(<=|>=|==|!=|<|>)\s*(\d+(?:\.\d+)*)\s*$")
RANGE_START = ("<", ">", "=", "!")


def version_key(version: str) -> tuple[int, ...]:
    """"1.15.5" -> (1, 15, 5). A part with letters counts by its leading digits ("0rc1" -> 0);
    an unknown version ("") sorts after every known one."""
    parts = []
    for part in version.split("."):
        digits = re.match(r"\d*", part.strip())
        if not digits or not digits.group():
            break
        parts.append(int(digits.group()))
    return tuple(parts) if parts else (10**9,)


def is_range(text: str) -> bool:
    """A `runtimes:` entry that is a version range rather than a runtime name."""
    return text.strip().startswith(RANGE_START)


@dataclass(frozen=True)
class VersionRange:
    text: str
    clauses: tuple[tuple[str, tuple[int, ...]], ...]

    def __contains__(self, version: str) -> bool:
        if not version or not version[0].isdigit():
            return False  # a runtime whose version is unknown is in no range
        have = version_key(version)
        return all(OPERATORS[op](have[:len(bound)], bound) for op, bound in self.clauses)


def parse_range(text: str) -> VersionRange:
    """`">=1.13,<2"` -> a VersionRange; ValueError (saying which clause) when malformed."""
    clauses = []
    for clause in text.split(","):
        found = CLAUSE.match(clause)
        if not found:
            raise ValueError(f"`{clause.strip()}` is not a version clause")
        op, version = found.groups()
        clauses.append((op, tuple(int(p) for p in version.split("."))))
    return VersionRange(text, tuple(clauses))
