"""The claims indexes: every statement of a document (claims/DOC.yaml) in reading order, with
the verdict of the cases that check it on each runtime."""

from __future__ import annotations

from ..compare import CONFORMS, CRASH, DEVIATES, ERROR, FAIL, STALE, TIMEOUT
from .model import ClaimIndex, RunModel
from .text import code, cut, esc, table

WHERE_CUT = 40


def render(model: RunModel) -> str:
    parts = ["## Claims"]
    for index in model.claims:
        parts.append(claim_index(model, index))
    if not model.claims:
        parts.append("No claims index (claims/DOC.yaml).")
    return "\n\n".join(parts)


def claim_index(model: RunModel, index: ClaimIndex) -> str:
    rows = []
    for claim in index.claims:
        ids = [i for i in claim.get("cases") or [] if isinstance(i, str)]
        statement = "“" + esc(cut(claim["text"], 90)) + "”"
        if claim.get("checkable") is False or not ids:
            why = claim.get("why") or "no case checks it"
            statement += "<br>*not checkable:* " + esc(cut(why, 70))
            rows.append([str(claim.get("n", "")), esc(cut(claim.get("where", ""), WHERE_CUT)),
                         statement, *["—"] * len(model.runtimes), ""])
            continue
        cases = [model.known[i] for i in ids if i in model.known]
        cells = [overall(model, [model.verdict(c.id, rt) for c in cases]) if cases
                 else "not run" for rt in model.runtimes]
        links = ", ".join(model.link(c) for c in cases)
        rows.append([str(claim.get("n", "")), esc(cut(claim.get("where", ""), WHERE_CUT)),
                     statement, *cells, links])
    intro = (f"### The {esc(index.doc)}, statement by statement\n\n"
             f"Every statement of the {esc(index.doc)} in reading order (from "
             f"{code(index.path)}), with the verdict of the cases that check it: "
             "✅ holds (every case conforms), ⚠️ does not hold (every case deviates), "
             "✅⚠️ partly (true in some readings or parts, not in others).")
    return intro + "\n\n" + table(["#", "where", "statement", *model.runtimes, "cases"], rows)


def overall(model: RunModel, verdicts: list[str | None]) -> str:
    """One cell for the verdicts of a statement's cases on one runtime."""
    found = set(verdicts)
    words = not model.wide
    if found == {CONFORMS}:
        return "✅ holds" if words else "✅"
    if found == {DEVIATES}:
        return "⚠️ does not hold" if words else "⚠️"
    if found == {CONFORMS, DEVIATES}:
        return "✅⚠️ partly" if words else "✅⚠️"
    for verdict in (FAIL, STALE, ERROR, CRASH, TIMEOUT):
        if verdict in found:
            return model.verdict_column(verdict)
    return "not run"
