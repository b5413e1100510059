"""The compatibility matrix: every case against every runtime, by folder then topic."""

from __future__ import annotations

from collections.abc import Callable

from ..cases import Case
from ..compare import CRASH, MEMORY, VERDICTS
from .model import RunModel, topic_name
from .text import SYMBOLS, cut, esc, table


def render(model: RunModel) -> str:
    """Cases against runtimes in version order: where behaviour changed, at a glance (in the
    manner of the JavaScript compatibility tables)."""
    legend = " · ".join(f"{SYMBOLS[v]} {v}" for v in VERDICTS if v not in (CRASH, MEMORY))
    parts = ["## Compatibility matrix",
             "Every case (rows, by case folder then topic) on every runtime (columns, oldest "
             f"TensorFlow first): {legend}, — not run. A cell that differs from its left "
             "neighbour is a change between those versions, listed in the next section."]

    def symbol(case: Case, runtime: str) -> str:
        verdict = model.verdict(case.id, runtime)
        return "—" if verdict is None else SYMBOLS[verdict]

    rows = group_rows(model, 2 + len(model.runtimes), lambda case: [
        model.link(case), esc(cut(case.title, 70)),
        *[symbol(case, rt) for rt in model.runtimes]])
    parts.append(table(["#", "case", *model.runtimes], rows,
                       ["right", "left", *["center"] * len(model.runtimes)]))
    if model.run.unavailable:
        parts.append("Not run, unavailable here: " + "; ".join(
            f"{rt} ({esc(cut(why, 100))})" for rt, why in sorted(model.run.unavailable.items())))
    return "\n\n".join(parts)


def group_rows(model: RunModel, width: int, row: Callable[[Case], list[str]]
               ) -> list[list[str]]:
    """Table rows for every case, by folder then topic, with a heading row for each."""
    rows = []
    for _, shown, topics in model.folders:
        rows.append(["", f"**{esc(shown)}**", *[""] * (width - 2)])
        for topic, cases in topics:
            rows.append(["", f"*{esc(topic_name(topic))}*", *[""] * (width - 2)])
            rows += [row(case) for case in cases]
    return rows
