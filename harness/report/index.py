"""The case index: every case, one row each, by folder then topic, with where its details are.
Only with the detail pages: without, the matrix's rows link each case to its file."""

from __future__ import annotations

from .model import RunModel, topic_name
from .text import code, cut, esc, table

QUOTE_CUT, READING_CUT, WHERE_CUT = 70, 70, 40


def render(model: RunModel) -> str:
    if not model.details:
        return ""
    parts = ["## Cases",
             "One row per case, by case folder, then topic: the claim as its source words "
             "it (cut; in full on the case's page), the source, the case id and the verdict "
             "per runtime. A statement that can be read in more than one way has one case "
             "per reading."]
    pages: dict[str, list[tuple[str, str]]] = {}
    for path, what, topics in model.layout:
        for _, cases in topics:
            pages.setdefault(model.folder(cases[0])[0], []).append((path, what))
    for name, shown, topics in model.folders:
        count = sum(len(cases) for _, cases in topics)
        heading = f"### {esc(shown)}\n\n{count} cases"
        if name in pages:
            links = " · ".join(f"[{what}]({path})" for path, what in
                               dict.fromkeys(pages[name]))
            heading += f", in detail on: {links}"
        parts.append(heading + ".")
        rows = []
        for topic, cases in topics:
            rows.append(["", f"*{esc(topic_name(topic))}*", "", "",
                         *[""] * len(model.runtimes)])
            for case in cases:
                claim = "“" + esc(cut(case.source["quote"], QUOTE_CUT)) + "”"
                if case.source.get("reading"):
                    claim += "<br>*read as:* " + esc(cut(case.source["reading"], READING_CUT))
                source = esc(case.source["doc"])
                if case.source.get("where"):
                    source += ": " + esc(cut(case.source["where"], WHERE_CUT))
                rows.append([model.link(case), claim, source, code(case.id),
                             *[model.verdict_column(model.verdict(case.id, rt))
                               for rt in model.runtimes]])
        parts.append(table(["#", "claim", "source", "case", *model.runtimes], rows))
    return "\n\n".join(parts)
