"""The article errata: the article's statements that real TensorFlow (the reference runtime)
does not bear out under a plausible reading, in the article's order, each with what TensorFlow
does instead; and, apart, the readings to avoid (docs/case-format.md, "Readings"): readings the
article does not invite, which never count against it."""

from __future__ import annotations

from typing import Any

from .. import generic
from ..cases import Case
from ..compare import DEVIATES, FAIL, list_diff
from ..render import statement
from .model import RunModel
from .text import (
    LONG_LIST,
    actual_text,
    blockquote,
    code,
    cut,
    esc,
    expected_text,
    list_parts,
    one_line,
    table,
)

IMPLAUSIBLE, ALTERNATIVE = "implausible", "alternative"
NOT_STATED = "—"  # the article's column where the article itself says or prints nothing


def reading_kind(case: Case) -> str:
    return case.source.get("reading_kind") or "plain"


def counts(case: Case) -> bool:
    """Whether the case judges the article: every reading but an implausible one."""
    return reading_kind(case) != IMPLAUSIBLE


def render(model: RunModel) -> str:
    ref = model.reference
    wrong = article_order(model, [c for c in model.cases if c.source["doc"] == "article"
                                  and counts(c) and model.verdict(c.id, ref) in (DEVIATES, FAIL)])
    parts = ["## Article errata"]
    article = [c for c in model.cases if c.source["doc"] == "article"
               and model.verdict(c.id, ref) is not None]
    not_run = model.not_run("article")
    if not article:
        # A report of a subset without the article's cases knows nothing about the article.
        parts.append(f"No case of the article ran on {ref} in this report, so it says nothing "
                     "about the article's statements: `tfscope report` runs them all.")
        return "\n\n".join(parts)
    subset = (f" This report runs {len(article)} of the article's cases (of "
              f"{len(article) + len(not_run)}): the statements whose cases it leaves out are not "
              "run in this report (see [Claims](#claims))."
              if not_run else "")
    avoid = (" Readings the article does not invite are not errata: they are under "
             "[Readings to avoid](#readings-to-avoid)."
             if any(c.source["doc"] == "article" and not counts(c) for c in article) else "")
    if not wrong:
        checked = "that the cases check" if not not_run else \
            (f"that the {len(article)} article cases of this report check" if len(article) > 1
             else "that the one article case of this report checks")
        parts.append(f"Real TensorFlow ({ref}) bears out every statement of the article "
                     f"{checked}.{subset}{avoid}")
        return "\n\n".join(parts)
    parts.append(f"The article's statements that real TensorFlow ({ref}) does not bear out, "
                 "in the article's order. Each sentence is judged under its most plausible "
                 "reading, taken from the article's own words, its own example output and TF's "
                 "documentation of the same parameter; where a garbled sentence has several "
                 "plausible readings, the reading is marked as one of them, and the statement "
                 "table under [Claims](#claims) says which readings hold. Each erratum names the "
                 "program it ran, what TensorFlow really does (and on which runtimes), and the "
                 f"facts where the two part; the article's column holds only what the article "
                 f"itself prints or says ({NOT_STATED} where it says nothing about that fact)."
                 + subset + avoid)
    for n, case in enumerate(wrong, 1):
        parts.append(block(model, case, f"**E{n}.** The article"))
    return "\n\n".join(parts)


def to_avoid(model: RunModel) -> list[Case]:
    """The article's cases of implausible readings that ran on the reference runtime."""
    ref = model.reference
    return article_order(model, [c for c in model.cases if c.source["doc"] == "article"
                                 and not counts(c) and model.verdict(c.id, ref) is not None])


def render_avoid(model: RunModel) -> str:
    """Readings to avoid: implausible readings of the article's sentences, with why they are
    not the article's and what TensorFlow does; they never count against the article."""
    cases = to_avoid(model)
    if not cases:
        return ""
    parts = ["## Readings to avoid",
             "Readings of the article's sentences that the article does not invite: its own "
             "example output or table says otherwise, or TF's documentation of the same "
             "parameter does. They are not errata and do not count in the statements' verdicts; "
             "they are here because a hasty reader might take the sentence so, and TensorFlow's "
             "answer shows where that reading leads."]
    for n, case in enumerate(cases, 1):
        parts.append(block(model, case, f"**R{n}.** The article", avoid=True))
    return "\n\n".join(parts)


def article_order(model: RunModel, cases: list[Case]) -> list[Case]:
    order: dict[str, int] = {}
    for index in model.claims:
        if index.doc == "article":
            for pos, claim in enumerate(index.claims):
                for case_id in claim.get("cases") or []:
                    order.setdefault(case_id, pos)
    return sorted(cases, key=lambda c: (order.get(c.id, len(order) + 1), model.number[c.id]))


def block(model: RunModel, case: Case, head: str, avoid: bool = False) -> str:
    ref = model.reference
    r = model.result(case.id, ref)
    assert r is not None
    src = case.source
    where = f" ({esc(src['where'])})" if src.get("where") else ""
    lines = [f"{head}{where}:", "", blockquote(src["quote"]), ""]
    if src.get("reading"):
        label = "*A reading to avoid:*" if avoid else "*Read as:*"
        lines.append(f"{label} {esc(one_line(src['reading']))}")
        if reading_kind(case) == ALTERNATIVE:
            lines[-1] += (" — *one of several plausible readings:* "
                          f"{esc(one_line(src['reading_why']))}")
        lines.append("")
    if src.get("covers"):
        lines += [f"*Checked where:* {esc(one_line(src['covers']))}", ""]
    if avoid and src.get("reading_why"):
        lines += [f"*Why the article does not mean it:* {esc(one_line(src['reading_why']))}", ""]
    lines += [f"*The case:* {esc(one_line(case.title))}", ""]
    same = [rt for rt in model.runtimes if model.verdict(case.id, rt) == r.verdict.verdict]
    if r.verdict.verdict == DEVIATES:
        lines += [f"**What TensorFlow does** ({', '.join(same)}): "
                  f"{esc(one_line(r.verdict.reason))}", ""]
    elif r.verdict.verdict == FAIL:
        lines += ["**❌ TensorFlow differs, and no recorded deviation explains it**"
                  + (f": {esc(one_line(r.verdict.reason))}" if r.verdict.reason else "."), ""]
    else:  # a reading to avoid that TensorFlow happens to bear out
        lines += [f"**What TensorFlow does** ({', '.join(same)}): what this reading says.", ""]
    # The article's column holds what the article prints or says (`stated`), nothing a
    # reading derives; a reading to avoid shows its own prediction, labelled as such.
    stated = set(src.get("stated") or [])
    rows = [[code(m.fact),
             expected(case, m.fact, m.expected) if avoid or m.fact in stated else NOT_STATED,
             observed(case, m.fact, r.outcome.error if m.fact == "error" else m.actual)]
            for m in r.verdict.diff]
    if rows:
        lines += [table(["fact", "this reading" if avoid else "the article", ref], rows), ""]
    for m in r.verdict.diff:
        diff = list_diff(m.expected, m.actual, LONG_LIST)
        if diff and (avoid or m.fact in stated):
            lines += [list_parts(m.fact, diff, ref or ""), ""]
    details = model.link(case, f"case {model.number[case.id]}")
    lines.append(f"Program and details: {details}")
    return "\n".join(lines)


def expected(case: Case, fact: str, value: Any) -> str:
    if fact != "error" or not isinstance(value, dict):
        return expected_text(fact, value)
    text = f"raises {code(value['type'])}" if value["type"] != "Exception" else "an error"
    if "message" in value:
        text += f" saying “{esc(value['message'])}”"
    where = step_code(case, value.get("step"))
    return text + (f" at {code(where)}" if where else "")


def observed(case: Case, fact: str, value: Any) -> str:
    """What TF did, with an exception's place named by its line of TF code, never by the
    case's internal step path or label."""
    if fact != "error" or not isinstance(value, dict):
        return actual_text(fact, value) if fact != "error" or value is not None else "no error"
    message = cut(value.get("message", "").split("Originally defined at")[0], 120)
    where = step_code(case, value.get("step") or value.get("label"))
    return f"raises {code(value['type'])}: “{esc(message)}”" + (
        f" at {code(where)}" if where else "")


def step_code(case: Case, ref: str | None) -> str | None:
    """The TF 1.x statement of the step a path (`program[1].do[0]`) or label names."""
    if not ref:
        return None
    found = find_step(case.program, ref)
    return cut(statement(found).splitlines()[-1], 90) if found else None


def find_step(steps: list[dict], ref: str) -> dict | None:
    for step in steps:
        if step.get("path") == ref or step.get("as") == ref:
            return step
        for body in generic.bodies(step):
            inner = find_step(body, ref)
            if inner:
                return inner
    return None
