"""The article errata: the article's statements that real TensorFlow (the reference runtime)
does not bear out, in the article's order, each with what TensorFlow does instead."""

from __future__ import annotations

from ..compare import DEVIATES, FAIL, list_diff
from .model import RunModel
from .text import (
    LONG_LIST,
    actual_text,
    blockquote,
    code,
    esc,
    expected_text,
    list_parts,
    one_line,
    table,
)


def render(model: RunModel) -> str:
    ref = model.reference
    wrong = [c for c in model.cases if c.source["doc"] == "article"
             and model.verdict(c.id, ref) in (DEVIATES, FAIL)]
    order: dict[str, int] = {}
    for index in model.claims:
        if index.doc == "article":
            for pos, claim in enumerate(index.claims):
                for case_id in claim.get("cases") or []:
                    order.setdefault(case_id, pos)
    wrong.sort(key=lambda c: (order.get(c.id, len(order) + 1), model.number[c.id]))
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
    if not wrong:
        checked = "that the cases check" if not not_run else \
            (f"that the {len(article)} article cases of this report check" if len(article) > 1
             else "that the one article case of this report checks")
        parts.append(f"Real TensorFlow ({ref}) bears out every statement of the article "
                     f"{checked}.{subset}")
        return "\n\n".join(parts)
    parts.append(f"The article's statements that real TensorFlow ({ref}) does not bear out, "
                 "in the article's order, each with what TensorFlow really does (and on "
                 "which runtimes), and the facts where the article and TensorFlow part."
                 + subset)
    for n, case in enumerate(wrong, 1):
        r = model.result(case.id, ref)
        assert r is not None
        where = f" ({esc(case.source['where'])})" if case.source.get("where") else ""
        block = [f"**E{n}.** The article{where}:", "", blockquote(case.source["quote"]), ""]
        if case.source.get("reading"):
            block += [f"*Read as:* {esc(one_line(case.source['reading']))}", ""]
        same = [rt for rt in model.runtimes if model.verdict(case.id, rt) == r.verdict.verdict]
        if r.verdict.verdict == DEVIATES:
            block += [f"**What TensorFlow does** ({', '.join(same)}): "
                      f"{esc(one_line(r.verdict.reason))}", ""]
        else:
            block += ["**❌ TensorFlow differs, and no recorded deviation explains it**"
                      + (f": {esc(one_line(r.verdict.reason))}" if r.verdict.reason else "."),
                      ""]
        rows = [[code(m.fact), expected_text(m.fact, m.expected),
                 actual_text(m.fact, m.actual)] for m in r.verdict.diff]
        if rows:
            block += [table(["fact", "the article", ref], rows), ""]
        for m in r.verdict.diff:
            lines = list_diff(m.expected, m.actual, LONG_LIST)
            if lines:
                block += [list_parts(m.fact, lines, ref or ""), ""]
        details = model.link(case, f"case {model.number[case.id]}")
        block.append(f"Program and details: {details}")
        parts.append("\n".join(block))
    return "\n\n".join(parts)
