"""Changes between versions: every observed fact (and exception) that differs between two
runtimes next to each other in version order, one row per distinct change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..compare import MISSING
from ..runner import Result
from .model import RunModel
from .text import code, cut, error_actual_text, py, table, verdict_cell

CHANGE_CUT = 100     # a value in "Changes between versions"
DELTA_FROM = 4       # lists this long are shown there as what one side has and the other lacks
# Rows of a folded table (representation-only changes): its most frequent changes. Over 17
# runtimes those tables made the history page too big for GitHub to show (over 500 KB).
FOLDED_ROWS = 20


# Kinds of change. A change in behaviour (a name, an exception, a value) comes first; two kinds
# say how TF represents things rather than what it does, and are folded into one line each: a
# class name alone (Tensor -> SymbolicTensor, Variable -> RefVariable), and a fact that only one
# side recorded (the program stopped earlier, or the runtime captures less).
BEHAVIOUR, CLASS_NAME, ONE_SIDE = "behaviour", "class name", "one side"
FOLDED = {
    CLASS_NAME: ("Class names only", "the same objects under another class name"),
    ONE_SIDE: ("Recorded by one side only", "facts one runtime recorded and the other did not: "
               "its program stopped earlier, or it records less"),
}


@dataclass(frozen=True)
class Change:
    fact: str
    before: str     # as shown
    after: str
    kind: str


def render(model: RunModel) -> str:
    """Every observed fact (and exception) that differs between two runtimes adjacent in
    version order: one row per distinct change, with every case and fact it happens to;
    changes in behaviour first, representation-only changes folded."""
    parts = ["## Changes between versions"]
    if len(model.runtimes) < 2:
        parts.append("One runtime only: nothing to compare.")
        return "\n\n".join(parts)
    parts.append("For each two runtimes next to each other in version order, every fact a "
                 "case observed that differs between them (and the exception raised, by "
                 "type and message), whatever the source claims. One row per change: the "
                 "value before, the value after, and every case (by number) with the facts "
                 "that changed so. Changes in behaviour (names, exceptions, values) come "
                 "first, the most frequent first; changes of representation only (a class "
                 "name, a fact only one side recorded) are folded into one line each. Long "
                 "values are cut, long lists show what one side has and the other lacks.")
    for old, new in zip(model.runtimes, model.runtimes[1:]):
        parts.append(f"### {old} → {new}")
        parts.append(pair(model, old, new))
    return "\n\n".join(parts)


def pair(model: RunModel, old: str, new: str) -> str:
    """The changes from runtime `old` to runtime `new`."""
    groups: dict[str, dict[tuple[str, str], dict[str, list[str]]]] = {
        BEHAVIOUR: {}, CLASS_NAME: {}, ONE_SIDE: {}}
    for case in model.cases:
        a, b = model.result(case.id, old), model.result(case.id, new)
        if a is None or b is None:
            continue
        for change in changed_facts(a, b):
            groups[change.kind].setdefault((change.before, change.after), {}).setdefault(
                case.id, []).append(change.fact)
    if not any(groups.values()):
        return "No observed fact differs."
    real = groups[BEHAVIOUR]
    distinct = sum(len(changes) for changes in groups.values())
    lines = [f"{count(*groups.values())}, {distinct} distinct changes: {len(real)} in behaviour"
             + "".join(f", {len(groups[kind])} {FOLDED[kind][0].lower()}" for kind in FOLDED
                       if groups[kind]) + "."]
    if real:
        lines.append(change_table(model, old, new, real))
    else:
        lines.append("No change in behaviour (names, exceptions, values).")
    for kind, (title, meaning) in FOLDED.items():
        changes = groups[kind]
        if not changes:
            continue
        top = rank(changes)[0]
        lines.append(f"<details><summary>{title} ({meaning}): {count(changes)}, "
                     f"{len(changes)} distinct changes, the most frequent {html(top[0])} → "
                     f"{html(top[1])}</summary>\n\n"
                     + change_table(model, old, new, changes, FOLDED_ROWS, facts=False)
                     + "\n\n</details>")
    return "\n\n".join(lines)


def rank(changes: dict[tuple[str, str], dict[str, list[str]]]) -> list[tuple[str, str]]:
    """Exceptions (and runs that ended otherwise) first: they explain the facts around them;
    then the most frequent change first, then in the order first met (case order)."""
    def key(k: tuple[str, str]) -> tuple[bool, int]:
        facts = [f for fs in changes[k].values() for f in fs]
        return not ({"error", "(run)"} & set(facts)), -len(facts)
    return sorted(changes, key=key)


def count(*groups: dict[tuple[str, str], dict[str, list[str]]]) -> str:
    """How many facts in how many cases the changes of these groups touch."""
    wheres = [where for changes in groups for where in changes.values()]
    n_facts = sum(len(f) for where in wheres for f in where.values())
    n_cases = len({c for where in wheres for c in where})
    return f"{n_facts} facts in {n_cases} cases"


def html(text: str) -> str:
    """A change's value inside <summary>, where markdown is not read: code spans as <code>."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"(`+) ?(.*?) ?\1", lambda m: f"<code>{m.group(2)}</code>", text)


def change_table(model: RunModel, old: str, new: str,
                 changes: dict[tuple[str, str], dict[str, list[str]]],
                 most: int | None = None, facts: bool = True) -> str:
    """One row per change, ranked; with `most`, only the first `most` rows and a line that
    counts the rest. Without `facts`, each case with the number of its facts, not their names
    (representation-only changes: over 17 runtimes their names made the page too big)."""
    rows = []
    ranked = rank(changes)
    for left, right in ranked[:most]:
        where = "; ".join(
            f"{model.link(model.known[case_id])} " + (
                " ".join(code(f) for f in names) if facts else
                f"({len(names)} fact{'' if len(names) == 1 else 's'})")
            for case_id, names in changes[(left, right)].items())
        rows.append([left, right, where])
    text = table([old, new, "cases (facts)"], rows)
    rest = ranked[most:] if most is not None else []
    if rest:
        text += (f"\n\n… and {len(rest)} more distinct changes of this kind "
                 f"({count({k: changes[k] for k in rest})}), not listed here.")
    return text


def changed_facts(a: Result, b: Result) -> list[Change]:
    """Every observed fact that differs between two results of a case, the exception first."""
    if a.outcome.problem is not None or b.outcome.problem is not None:
        left, right = (verdict_cell(r.verdict.verdict) if r.outcome.problem is not None
                       else "ran" for r in (a, b))
        return [] if left == right else [Change("(run)", left, right, BEHAVIOUR)]
    out = []
    ea, eb = error_key(a.outcome.error), error_key(b.outcome.error)
    if ea != eb:
        out.append(Change("error", error_actual_text(a.outcome.error),
                          error_actual_text(b.outcome.error), BEHAVIOUR))
    fa, fb = a.outcome.facts, b.outcome.facts
    for fact in sorted(set(fa) | set(fb)):
        va, vb = fa.get(fact, MISSING), fb.get(fact, MISSING)
        if va == vb and type(va) is type(vb):
            continue
        kind = ONE_SIDE if MISSING in (va, vb) else \
            CLASS_NAME if fact.rsplit(".", 1)[-1] == "class" else BEHAVIOUR
        if isinstance(va, list) and isinstance(vb, list) and max(len(va), len(vb)) >= DELTA_FROM \
                and all(isinstance(x, str) for x in va + vb) and set(va) != set(vb):
            only_a = [x for x in va if x not in vb]
            only_b = [x for x in vb if x not in va]
            out.append(Change(fact, delta_text(only_a, len(va)), delta_text(only_b, len(vb)),
                              kind))
        else:
            out.append(Change(fact, change_text(va), change_text(vb), kind))
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
