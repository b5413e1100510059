"""Splitting the cases among machines: `tfscope run --shard K/N` runs the K-th of N parts.

A case's part comes from a hash of its id, never from its position: adding, removing or moving a
case moves no other case to another part, and every job of a CI matrix computes the same split
from the same corpus without talking to the others.
"""

from __future__ import annotations

import argparse
import hashlib
from typing import NamedTuple

from .cases import Case


class Shard(NamedTuple):
    index: int  # 1-based, as written on the command line
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, case_id: str) -> bool:
        digest = hashlib.sha256(case_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def select(self, cases: list[Case]) -> list[Case]:
        return [case for case in cases if self.holds(case.id)]


def parse(text: str) -> Shard:
    """--shard's type: K/N with 1 <= K <= N."""
    index, sep, count = text.partition("/")
    if sep and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count):
        return Shard(int(index), int(count))
    raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N (e.g. 2/3), not `{text}`")
