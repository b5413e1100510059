"""The behaviour report: the results of a run as markdown pages (reports/behaviour.md, the
overview, and reports/cases/FOLDER.md, every case of a corpus folder in detail).

Written for a TF1 user who never opens a case file: what each source claims, the claim as TF 1.x
code, what TF really did. Deterministic: the text depends only on the cases, the claims index and
what the runtimes reported (no times, no absolute paths, no dict order).

One module per section, each a `render(model)` over the shared model of the run (model.py:
cases, results, runtimes, claims, and where each case is shown); pages.py lays the pages out and
puts the overview together; text.py writes markdown and values. See docs/report.md.
"""

from .model import (
                    DEFAULT_COMMAND,
                    DETAILS,
                    GENERATED,
                    TITLE,
                    TOPICS,
                    ClaimIndex,
                    RunModel,
                    load_claims,
)
from .pages import PAGE_LIMIT, render_pages, render_report
from .trees import mermaid_tree

__all__ = ["DEFAULT_COMMAND", "DETAILS", "GENERATED", "PAGE_LIMIT", "TITLE", "TOPICS",
           "ClaimIndex", "RunModel", "load_claims", "mermaid_tree", "render_pages",
           "render_report"]
