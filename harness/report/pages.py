"""The report's pages: the detail pages laid out by size, and the overview put together from
its sections, in the order docs/report.md gives."""

from __future__ import annotations

import re
from pathlib import Path

from ..runner import RunResults
from . import changes, errata, header, index, matrix, summary, trees
from . import claims as claim_indexes
from .details import CasePages
from .model import DEFAULT_COMMAND, DETAILS, ClaimIndex, Page, RunModel, topic_name
from .text import code, esc, slugify

PAGE_LIMIT = 250_000    # bytes: GitHub stops rendering markdown near 1 MB, and slows well before
# The overview's sections, in order; each renders from the model alone (an empty text is left
# out).
SECTIONS = (header.render, summary.render, matrix.render, changes.render, claim_indexes.render,
            errata.render, errata.render_avoid, trees.render, index.render)


def lay_out(model: RunModel, case_pages: CasePages) -> list[Page]:
    """(page path, what it holds, topics) for every detail page: a folder per page; a topic
    per page when the folder's page would pass PAGE_LIMIT; parts of a topic beyond that."""
    pages: list[Page] = []
    for folder, shown, topics in model.folders:
        slug = slugify(folder)
        if case_pages.size(code(shown), topics) <= PAGE_LIMIT:
            pages.append((f"{DETAILS}/{slug}.md", code(shown), topics))
            continue
        for topic, cases in topics:
            what = f"{code(shown)}, {esc(topic_name(topic))}"
            parts: list[list] = [[]]
            for case in cases:
                trial = [(topic, parts[-1] + [case])]
                if parts[-1] and case_pages.size(f"{what} (part 99 of 99)", trial) > PAGE_LIMIT:
                    parts.append([])
                parts[-1].append(case)
            stem = f"{DETAILS}/{slug}-{slugify(topic)}"
            for k, part in enumerate(parts, 1):
                if len(parts) == 1:
                    pages.append((f"{stem}.md", what, [(topic, part)]))
                else:
                    pages.append((f"{stem}-{k}.md", f"{what} (part {k} of {len(parts)})",
                                  [(topic, part)]))
    return pages


def overview(model: RunModel) -> str:
    text = "\n\n".join(p.strip("\n") for p in (render(model) for render in SECTIONS) if p)
    definitions = model.definitions(text)
    text += ("\n\n" + definitions if definitions else "") + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


def render_pages(run: RunResults, root: Path, out: Path,
                 claims: list[ClaimIndex] | None = None, digest: str | None = None,
                 command: str = DEFAULT_COMMAND, details: bool = True) -> dict[str, str]:
    """Every page of the report by path relative to `out`'s folder: the overview (`out`'s name)
    first, then with `details` the case pages (DETAILS/NAME.md). `digest` names the case files
    it was built from (cases.digest); `command` is how to rebuild it."""
    model = RunModel(run, root, out, claims or [], digest, command, details)
    case_pages = CasePages(model)
    if details:
        model.use_layout(lay_out(model, case_pages))
    out_pages = {model.out_name: overview(model)}
    for path, what, topics in model.layout:
        out_pages[path] = case_pages.page(what, topics)
    return out_pages


def render_report(run: RunResults, root: Path, out: Path,
                  claims: list[ClaimIndex] | None = None, digest: str | None = None,
                  command: str = DEFAULT_COMMAND, details: bool = True) -> str:
    """Every page as one text (the overview first): for tests and quick looks."""
    return "\n".join(render_pages(run, root, out, claims, digest, command, details).values())
