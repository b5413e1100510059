"""The overview's head: title, provenance comments, what the report is, the cases by source,
the runtimes it was checked on, and the contents."""

from __future__ import annotations

from . import errata
from .model import DEFAULT_COMMAND, TITLE, RunModel
from .text import code, cut, esc, table


def render(model: RunModel) -> str:
    docs: dict[str, int] = {}
    for case in model.cases:
        docs[case.source["doc"]] = docs.get(case.source["doc"], 0) + 1
    sources = ", ".join(f"{esc(doc)} ({n})" for doc, n in sorted(
        docs.items(), key=lambda item: (-item[1], item[0])))
    lines = [
        f"# {TITLE}", "", model.generated(),
        *([f"<!-- cases digest: {model.digest} -->"] if model.digest else []), "",
        "Statements about `tf.variable_scope`, `tf.name_scope`, `tf.get_variable` and "
        "`tf.Variable`, each turned into a small TensorFlow program (a *case*) together with "
        "what the statement predicts, and run on real TensorFlow. For every case you get the "
        "claim, the program as TensorFlow 1.x code you can paste, what the source predicts "
        "and what TensorFlow did.", "",
        f"**{len(model.cases)} cases**, by source: {sources}. Checked on:", "",
        runtime_table(model), "",
        "Contents: [Summary](#summary) · [Compatibility matrix](#compatibility-matrix) · "
        "[Changes between versions](#changes-between-versions) · [Claims](#claims) · "
        "[Article errata](#article-errata) · "
        + ("[Readings to avoid](#readings-to-avoid) · " if errata.to_avoid(model) else "")
        + "[Name trees](#name-trees)"
        + (" · [Cases](#cases)" if model.details else ""), "",
    ]
    if model.details:
        lines.append("Each case in detail (its claim, its program as TensorFlow 1.x code, "
                     "each fact against what TensorFlow did), one page per corpus folder: "
                     + " · ".join(f"[{what}]({path})" for path, what, _ in model.layout)
                     + ". A case's number links to it.")
    else:
        lines.append("This page is an overview only: a case's number links to its case "
                     "file (the claim and the program). The report that "
                     f"{DEFAULT_COMMAND} writes lists every case and has a page per case "
                     "folder with each case in detail.")
    return "\n".join(lines)


def runtime_table(model: RunModel) -> str:
    rows = []
    for rt in model.runtimes:
        info = model.run.info.get(rt, {})
        rows.append([rt, info.get("tensorflow", "?"), info.get("python", "?"),
                     code(info.get("platform", "?"))])
    for rt, why in sorted(model.run.unavailable.items()):
        rows.append([rt, "unavailable here", "—", esc(cut(why, 100))])
    return table(["runtime", "TensorFlow", "Python", "platform"], rows)
