"""Changes between versions: every observed fact (and exception) that differs between two
runtimes next to each other in version order, one row per distinct change."""

from __future__ import annotations

import re
from typing import Any

from ..compare import MISSING
from ..runner import Result
from .model import RunModel
from .text import code, cut, error_actual_text, py, table, verdict_cell

CHANGE_CUT = 100     # a value in "Changes between versions"
DELTA_FROM = 4       # lists this long are shown there as what one side has and the other lacks


def render(model: RunModel) -> str:
    """Every observed fact (and exception) that differs between two runtimes adjacent in
    version order: one row per distinct change, with every case and fact it happens to."""
    parts = ["## Changes between versions"]
    if len(model.runtimes) < 2:
        parts.append("One runtime only: nothing to compare.")
        return "\n\n".join(parts)
    parts.append("For each two runtimes next to each other in version order, every fact a "
                 "case observed that differs between them (and the exception raised, by "
                 "type and message), whatever the source claims. One row per change: the "
                 "value before, the value after, and every case (by number) with the facts "
                 "that changed so; the most frequent first. Long values are cut, long lists "
                 "show what one side has and the other lacks.")
    for old, new in zip(model.runtimes, model.runtimes[1:]):
        parts.append(f"### {old} → {new}")
        parts.append(pair(model, old, new))
    return "\n\n".join(parts)


def pair(model: RunModel, old: str, new: str) -> str:
    """The changes from runtime `old` to runtime `new`."""
    changes: dict[tuple[str, str], dict[str, list[str]]] = {}
    for case in model.cases:
        a, b = model.result(case.id, old), model.result(case.id, new)
        if a is None or b is None:
            continue
        for fact, left, right in changed_facts(a, b):
            changes.setdefault((left, right), {}).setdefault(case.id, []).append(fact)
    if not changes:
        return "No observed fact differs."
    n_facts = sum(len(f) for where in changes.values() for f in where.values())
    n_cases = len({c for where in changes.values() for c in where})
    order = sorted(changes, key=lambda k: -sum(len(f) for f in changes[k].values()))
    rows = []
    for left, right in order:
        where = "; ".join(
            f"{model.link(model.known[case_id])} " + " ".join(code(f) for f in facts)
            for case_id, facts in changes[(left, right)].items())
        rows.append([left, right, where])
    return (f"{n_facts} facts in {n_cases} cases, {len(changes)} distinct changes.\n\n"
            + table([old, new, "cases (facts)"], rows))


def changed_facts(a: Result, b: Result) -> list[tuple[str, str, str]]:
    """(fact, as on a, as on b) for every observed fact that differs, the exception first."""
    if a.outcome.problem is not None or b.outcome.problem is not None:
        left, right = (verdict_cell(r.verdict.verdict) if r.outcome.problem is not None
                       else "ran" for r in (a, b))
        return [] if left == right else [("(run)", left, right)]
    out = []
    ea, eb = error_key(a.outcome.error), error_key(b.outcome.error)
    if ea != eb:
        out.append(("error", error_actual_text(a.outcome.error),
                    error_actual_text(b.outcome.error)))
    fa, fb = a.outcome.facts, b.outcome.facts
    for fact in sorted(set(fa) | set(fb)):
        va, vb = fa.get(fact, MISSING), fb.get(fact, MISSING)
        if va == vb and type(va) is type(vb):
            continue
        if isinstance(va, list) and isinstance(vb, list) and max(len(va), len(vb)) >= DELTA_FROM \
                and all(isinstance(x, str) for x in va + vb) and set(va) != set(vb):
            only_a = [x for x in va if x not in vb]
            only_b = [x for x in vb if x not in va]
            out.append((fact, delta_text(only_a, len(va)), delta_text(only_b, len(vb))))
        else:
            out.append((fact, change_text(va), change_text(vb)))
    return out


def error_key(error: dict | None) -> tuple[str, str] | None:
    if error is None:
        return None
    return error.get("type", ""), normal_message(error.get("message", ""))


def normal_message(message: str) -> str:
    """An exception's message without what changes from run to run: where it was first
    defined (file paths) and object addresses."""
    message = str(message).split("Originally defined at")[0]
    return re.sub(r"0x[0-9a-fA-F]+", "0x…", message).strip()


def change_text(value: Any) -> str:
    if value == MISSING:
        return "not recorded"
    return code(cut(py(value), CHANGE_CUT))


def delta_text(only: list[str], total: int) -> str:
    if not only:
        return f"({total} items, none the other lacks)"
    shown = ", ".join(only[:6]) + (f", … {len(only) - 6} more" if len(only) > 6 else "")
    return f"{total} items; only here: {code(cut(shown, CHANGE_CUT))}"
