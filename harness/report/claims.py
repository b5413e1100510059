"""The claims indexes: every statement of a document (claims/DOC.yaml) in reading order, with
the verdict of the cases that check it on each runtime."""

from __future__ import annotations

from ..cases import Case
from ..compare import CONFORMS, CRASH, DEVIATES, ERROR, FAIL, MEMORY, STALE, TIMEOUT
from .errata import ALTERNATIVE, counts, reading_kind, to_avoid
from .model import ClaimIndex, RunModel
from .text import SYMBOLS, code, cut, esc, table

WHERE_CUT = 40
PART_CUT = 110
READING_CUT = 170
LEGEND = ("Each statement is judged under its most plausible reading. Where a garbled sentence "
          "has several plausible readings, each is listed under it (*reading:*), and where a "
          "sentence states a general rule, each situation checked (*where:*), with its own "
          "verdict on the reference runtime.")
AVOID = (" Readings the article does not invite are left out of the verdict and linked as "
         "readings to avoid (see [Readings to avoid](#readings-to-avoid)).")


def render(model: RunModel) -> str:
    parts = ["## Claims"]
    for index in model.claims:
        parts.append(claim_index(model, index))
    if not model.claims:
        parts.append("No claims index (claims/DOC.yaml).")
    return "\n\n".join(parts)


def claim_index(model: RunModel, index: ClaimIndex) -> str:
    """The statements of one document. A report of a subset (some cases the index names were
    not run) shows only the statements a case of it checks, and names the others as not run in
    this report: it claims nothing about them."""
    claimed = list(dict.fromkeys(i for claim in index.claims for i in claim_ids(claim)))
    ran = [i for i in claimed if i in model.known]
    heading = f"### The {esc(index.doc)}, statement by statement"
    if claimed and not ran:
        return (f"{heading}\n\nNone of the {len(claimed)} cases that check the statements of "
                f"the {esc(index.doc)} ({code(index.path)}) ran in this report, so it says "
                "nothing about them: `tfscope report` runs them all.")
    subset = len(ran) < len(claimed)
    rows, not_run, not_checkable = [], [], []
    for claim in index.claims:
        ids = claim_ids(claim)
        n = str(claim.get("n", ""))
        statement = "“" + esc(cut(claim["text"], 90)) + "”"
        where = esc(cut(claim.get("where", ""), WHERE_CUT))
        tests = tested(claim)
        if claim.get("checkable") is False or not ids:
            if subset:
                not_checkable.append(n)
                continue
            if tests:  # what no case can check (a signature), a test checks on real TF
                statement += tests
            else:
                why = claim.get("why") or "no case checks it"
                statement += "<br>*not checkable:* " + esc(cut(why, 70))
            rows.append([n, where, statement, *["—"] * len(model.runtimes), ""])
            continue
        statement += tests
        ran_cases = [model.known[i] for i in ids if i in model.known]
        if subset and not ran_cases:
            not_run.append(n)
            continue
        # Implausible readings never judge the statement (docs/case-format.md, "Readings").
        cases = [c for c in ran_cases if counts(c)]
        avoid = [c for c in ran_cases if not counts(c)]
        cells = [overall(model, [model.verdict(c.id, rt) for c in cases]) if cases
                 else "not run" for rt in model.runtimes]
        statement += breakdown(model, claim, cases)
        links = ", ".join(model.link(c) for c in cases)
        if avoid:
            links += ("; readings to avoid: " if links else "readings to avoid: ") + \
                ", ".join(model.link(c) for c in avoid)
        if len(ran_cases) < len(ids):
            links += f" ({len(ids) - len(ran_cases)} more not run in this report)"
        rows.append([n, where, statement, *cells, links])
    intro = (f"{heading}\n\n"
             f"Every statement of the {esc(index.doc)} in reading order (from "
             f"{code(index.path)}), with the verdict of the cases that check it: "
             "✅ holds (every case conforms), ⚠️ does not hold (every case deviates), "
             "✅⚠️ partly (true in some readings or parts, not in others). "
             + LEGEND + (AVOID if to_avoid(model) else ""))
    if subset:
        intro = (f"{heading}\n\n"
                 f"This report runs {len(ran)} of the {len(claimed)} cases that check the "
                 f"statements of the {esc(index.doc)} ({code(index.path)}): the statements they "
                 "check, in reading order, with their verdict: "
                 "✅ holds (every case conforms), ⚠️ does not hold (every case deviates), "
                 "✅⚠️ partly (true in some readings or parts, not in others). "
                 + LEGEND + (AVOID if to_avoid(model) else ""))
    text = intro + "\n\n" + table(["#", "where", "statement", *model.runtimes, "cases"], rows)
    if not_run:
        text += (f"\n\nNot run in this report: {numbers(not_run)} ({len(not_run)} "
                 f"statement{'s' if len(not_run) > 1 else ''} whose cases are not among those "
                 "run here).")
    if not_checkable:
        text += f"\n\nNot checkable by a case: {numbers(not_checkable)}."
    return text


def breakdown(model: RunModel, claim: dict, cases: list[Case]) -> str:
    """Under a statement, on the reference runtime: each plausible reading of a garbled
    sentence (its cases grouped under it, each with the situation it covers), and each
    situation a general rule was checked in, with its verdict; nothing for a statement with
    one reading and no general rule."""
    alternatives = [c for c in cases if reading_kind(c) == ALTERNATIVE]
    general = bool(claim.get("general"))
    if not alternatives and not general:
        return ""
    lines: list[str] = []
    readings: dict[str, list[Case]] = {}
    for case in alternatives:
        readings.setdefault(case.source.get("reading") or case.title, []).append(case)
    for case in cases:
        if reading_kind(case) == ALTERNATIVE:
            reading = case.source.get("reading") or case.title
            group = readings.pop(reading, None)
            if group is None:
                continue  # shown with the first case of its reading
            lines.append(f"{mark(model, group)} *reading:* {esc(cut(reading, READING_CUT))}"
                         + ("" if len(group) > 1 else f" ({model.link(group[0])})"))
            if len(group) > 1:
                lines += [f"&nbsp;&nbsp;{mark(model, [c])} {situation(c)} ({model.link(c)})"
                          for c in group]
        else:
            label = "*where:* " if general else "*checked:* "
            lines.append(f"{mark(model, [case])} {label}{situation(case)} ({model.link(case)})")
    return "<br>" + "<br>".join(lines)


def mark(model: RunModel, cases: list[Case]) -> str:
    """The verdict symbol(s) of some cases on the reference runtime: ✅, ⚠️ or ✅⚠️."""
    found = {model.verdict(c.id, model.reference) for c in cases}
    if found == {CONFORMS, DEVIATES}:
        return SYMBOLS[CONFORMS] + SYMBOLS[DEVIATES]
    if len(found) == 1 and None not in found:
        return SYMBOLS[found.pop()]
    return model.verdict_column(next((v for v in (FAIL, STALE, ERROR, CRASH, TIMEOUT, MEMORY)
                                      if v in found), None))


def situation(case: Case) -> str:
    return esc(cut(case.source.get("covers") or case.source.get("reading") or case.title,
                   PART_CUT))


def tested(claim: dict) -> str:
    """The tests a claim names (`tests:`) for what no case can check, by file."""
    files = list(dict.fromkeys(str(t).split("::")[0] for t in claim.get("tests") or []))
    if not files:
        return ""
    return ("<br>*checked by a test on real TensorFlow, not by a case:* "
            + ", ".join(code(f) for f in files) + " (the test suite fails if it does not hold)")


def claim_ids(claim: dict) -> list[str]:
    return [i for i in claim.get("cases") or [] if isinstance(i, str)]


def numbers(ns: list[str]) -> str:
    """Statement numbers as a reader counts them: `statement 3`, `statements 3, 5, 7–12`
    (runs of three or more consecutive numbers as a range)."""
    parts: list[list[str]] = []
    for n in ns:
        run = parts[-1] if parts else None
        if run and n.isdigit() and run[-1].isdigit() and int(n) == int(run[-1]) + 1:
            run.append(n)
        else:
            parts.append([n])
    shown = [f"{p[0]}–{p[-1]}" if len(p) > 2 else ", ".join(p) for p in parts]
    return ("statement " if len(ns) == 1 else "statements ") + ", ".join(shown)


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
    for verdict in (FAIL, STALE, ERROR, CRASH, TIMEOUT, MEMORY):
        if verdict in found:
            return model.verdict_column(verdict)
    return "not run"
