"""The verdict summary: how many cases got each verdict on each runtime, and what it means."""

from __future__ import annotations

from ..compare import VERDICTS
from .model import RunModel
from .text import MEANING, table, verdict_cell


def render(model: RunModel) -> str:
    rows = []
    for verdict in VERDICTS:
        counts = [sum(1 for c in model.cases if model.verdict(c.id, rt) == verdict)
                  for rt in model.runtimes]
        if any(counts):
            rows.append([verdict_cell(verdict), *map(str, counts), MEANING[verdict]])
    legend = table(["verdict", *model.runtimes, "meaning"], rows,
                   ["left", *["right"] * len(model.runtimes), "left"])
    return "## Summary\n\n" + legend
