"""`tfscope show CASE_ID`: one case as text -- its claim, the program as TF 1.x code, what it
expects, and the last results recorded for it (from `.tfscope/last-run.json`)."""

from __future__ import annotations

import textwrap
from typing import Any

from .cases import Case
from .compare import Mismatch, format_diff
from .render import python_code
from .results import LAST_RUN, fingerprint
from .yamltext import inline

INDENT = "    "


def _facts(facts: dict[str, Any], indent: str = INDENT) -> list[str]:
    return [f"{indent}{k}: {inline(v)}" for k, v in facts.items()]


def show(case: Case, last: dict[str, Any]) -> str:
    src = case.source
    lines = [f"{case.id}: {case.title}", f"{INDENT}{case.location}", ""]
    where = f" ({src['where']})" if src.get("where") else ""
    lines += [f"Claim, from {src['doc']}{where}:"]
    lines += textwrap.indent(src["quote"], INDENT + "> ").splitlines()
    if src.get("reading"):
        lines.append(f"{INDENT}read as: {src['reading']}")
    lines += ["", "As TensorFlow 1.x code:", ""]
    lines += [INDENT + line if line else "" for line in python_code(case).splitlines()]
    lines += ["", "Expect (what the source says):"]
    lines += _facts(case.expect) or [INDENT + "nothing: no claim yet (`tfscope record` shows "
                                     "what TF does)"]
    for d in case.deviations:
        on = ", ".join(d.runtimes) if d.runtimes else "every runtime"
        lines += ["", f"Deviation ({on}): {d.reason}"] + _facts(d.observed)
    lines += ["", f"Last results ({LAST_RUN.as_posix()}):"]
    results = last.get("results", {}).get(case.id, {})
    if not results:
        lines.append(f"{INDENT}none yet: run `tfscope run {case.path}`")
    for runtime in sorted(results):
        r = results[runtime]
        info = last.get("runtimes", {}).get(runtime, {})
        version = f" (TensorFlow {info['tensorflow']})" if info.get("tensorflow") else ""
        stale = "" if r.get("fingerprint") == fingerprint(case) else \
            " -- from before the case last changed: run it again"
        lines.append(f"{INDENT}{runtime}{version}: {r['verdict']}{stale}")
        if r.get("reason"):
            lines.append(f"{INDENT * 2}{r['reason']}")
        facts = r.get("facts") or {}
        shown = {k: facts[k] for k in case.watched_facts() if k in facts}
        lines += _facts(shown, INDENT * 2)
        error = r.get("error")
        lines.append(f"{INDENT * 2}error: " + (f"{error['type']}: {error.get('message', '')}"
                                                if error else "none"))
        if r.get("diff"):
            lines.append(f"{INDENT * 2}differs from the source:")
            lines.append(format_diff([Mismatch(**m) for m in r["diff"]], INDENT * 3))
    return "\n".join(lines) + "\n"
