"""The case pages: each case's claim, its program as TensorFlow 1.x code, its fact table (what
the source says against what each runtime did) and notes on the differences."""

from __future__ import annotations

import re

from ..cases import Case
from ..compare import CONFORMS, DEVIATES, MISSING, error_matches, list_diff, match
from ..render import python_code
from .model import TITLE, RunModel, Topics, topic_name
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
    per_runtime_table,
    slugify,
    verdict_cell,
)


class CasePages:
    """Renders detail pages; each case's section is made once (pages are measured while they
    are laid out, then written)."""

    def __init__(self, model: RunModel) -> None:
        self.model = model
        self.sections: dict[str, str] = {}

    def page(self, what: str, topics: Topics) -> str:
        m = self.model
        back = f"../{m.out_name}"
        count = sum(len(cases) for _, cases in topics)
        lines = [f"# Cases in detail: {what}", "", m.generated(), "",
                 f"Part of [{TITLE}]({back}): the {count} cases of {what}, each with the claim "
                 "as its source words it, the program as TensorFlow 1.x code, and each fact it "
                 "checks: what the source says, and what TensorFlow did (✅ as the source says, "
                 "⚠️ differs as recorded, ❌ differs unexplained). Checked on "
                 f"{', '.join(m.runtimes)} (versions: [overview]({back})); every case at a "
                 f"glance: [compatibility matrix]({back}#compatibility-matrix), "
                 f"[cases]({back}#cases)."]
        if len(topics) > 1:
            lines += ["", "Topics: " + " · ".join(
                f"[{esc(topic_name(t))}](#topic-{slugify(t)})" for t, _ in topics)]
        parts = ["\n".join(lines)]
        for topic, cases in topics:
            parts.append(f'<a id="topic-{slugify(topic)}"></a>\n\n'
                         f"## {esc(topic_name(topic))}")
            parts += [self.section(c) for c in cases]
        text = "\n\n".join(p.strip("\n") for p in parts) + "\n"
        return re.sub(r"\n{3,}", "\n\n", text)

    def size(self, what: str, topics: Topics) -> int:
        return len(self.page(what, topics).encode("utf-8"))

    def section(self, case: Case) -> str:
        if case.id not in self.sections:
            self.sections[case.id] = case_section(self.model, case)
        return self.sections[case.id]


def case_section(model: RunModel, case: Case) -> str:
    src = case.source
    verdicts = " · ".join(f"{verdict_cell(model.verdict(case.id, rt))} on {rt}"
                          for rt in model.runtimes)
    lines = [f'<a id="{model.anchor[case.id]}"></a>', "",
             f"### {model.number[case.id]}. {esc(one_line(case.title))}", "",
             blockquote(src["quote"]), "",
             f"— {esc(src['doc'])}" + (f", {esc(one_line(src['where']))}" if src.get("where")
                                       else ""), ""]
    if src.get("reading"):
        lines += [f"*Read as:* {esc(one_line(src['reading']))}", ""]
    lines += [f"**Verdict:** {verdicts} · case {code(case.id)} in {model.case_file(case)}", "",
              "```python", python_code(case).rstrip("\n"), "```", "",
              fact_table(model, case), ""]
    for note in notes(model, case):
        lines += [note, ""]
    for block in list_differences(model, case):
        lines += [block, ""]
    return "\n".join(lines)


def list_differences(model: RunModel, case: Case) -> list[str]:
    """For each claimed list that TF's differs from: the first difference, the missing and
    extra items and, for short lists, both side by side; once for every runtime that
    differs alike."""
    out = []
    for fact, expected in case.expect.items():
        if fact == "error":
            continue
        alike: dict[tuple[str, ...], list[str]] = {}
        for rt in model.runtimes:
            r = model.result(case.id, rt)
            if r is None or r.outcome.problem is not None:
                continue
            lines = list_diff(expected, r.outcome.facts.get(fact, MISSING), LONG_LIST)
            if lines:
                alike.setdefault(tuple(lines), []).append(rt)
        out += [list_parts(fact, list(lines), ", ".join(rts)) for lines, rts in alike.items()]
    return out


def fact_table(model: RunModel, case: Case) -> str:
    facts = list(case.expect)
    for deviation in case.deviations:
        facts += [f for f in deviation.observed if f not in facts]
    if not facts:  # no claim: show what TF did with what the case captures
        facts = [*case.watched_facts(), "error"]
    rows = []
    for fact in facts:
        claimed = fact in case.expect
        row = [code(fact),
               expected_text(fact, case.expect[fact]) if claimed else "(not claimed)"]
        for rt in model.runtimes:
            row.append(fact_cell(model, case, rt, fact, claimed))
        rows.append(row)
    return per_runtime_table(["fact", "the source says", *model.runtimes], rows, 2,
                             len(model.runtimes))


def fact_cell(model: RunModel, case: Case, runtime: str, fact: str, claimed: bool) -> str:
    r = model.result(case.id, runtime)
    if r is None:
        return "not run"
    if r.outcome.problem is not None:
        return verdict_cell(r.verdict.verdict)
    actual = r.outcome.error if fact == "error" else r.outcome.facts.get(fact, MISSING)
    shown = actual_text(fact, actual)
    if not claimed:
        return shown
    expected = case.expect[fact]
    ok = error_matches(expected, actual) if fact == "error" else match(expected, actual)
    if ok:
        literal = fact != "error" and not (isinstance(expected, dict) and len(expected) == 1)
        return "✅ same" if literal or (fact == "error" and actual is None) else "✅ " + shown
    return ("⚠️ " if r.verdict.verdict == DEVIATES else "❌ ") + shown


def notes(model: RunModel, case: Case) -> list[str]:
    out = []
    reasons: dict[tuple[str, str], list[str]] = {}
    for rt in model.runtimes:
        r = model.result(case.id, rt)
        if r is None or r.verdict.verdict == CONFORMS:
            continue
        reasons.setdefault((r.verdict.verdict, one_line(r.verdict.reason or "")), []).append(rt)
    for (verdict, reason), runtimes in reasons.items():
        on = ", ".join(runtimes)
        if verdict == DEVIATES:
            out.append(f"**What TensorFlow does instead** ({on}): {esc(reason)}")
        else:
            out.append(f"**{verdict_cell(verdict)}** ({on}): "
                       + esc(cut(reason, 400) or "TensorFlow differs from the source and no "
                             "recorded deviation explains it."))
    return out
