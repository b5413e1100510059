"""Run results as JSON for tools: run information per runtime, and per case and runtime the
verdict, the observed facts and the diff. Deterministic: no timings, sorted keys."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .cases import Case
from .errors import UserError
from .files import environment_error, locked, write_atomic
from .runner import RunResults

FORMAT = 1
# Facts of the worker's own environment, not of TF's behaviour.
INFO_KEYS = ("runtime", "tensorflow", "python", "platform")


def to_data(run: RunResults, invalid: list[UserError] | None = None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "interrupted": run.interrupted,
        "runtimes": {name: {k: run.info.get(name, {}).get(k) for k in INFO_KEYS}
                     for name in run.runtimes},
        "unavailable": dict(sorted(run.unavailable.items())),  # asked for, not here: why
        "invalid": [str(e) for e in invalid or []],
        "results": [{
            "id": r.case.id,
            "path": r.case.path,
            "runtime": r.runtime,
            "verdict": r.verdict.verdict,
            "reason": r.verdict.reason,
            "diff": [{"fact": m.fact, "expected": m.expected, "actual": m.actual}
                     for m in r.verdict.diff],
            "facts": r.outcome.facts,
            "error": r.outcome.error,
        } for r in run.results],
    }


def to_json(run: RunResults, invalid: list[UserError] | None = None) -> str:
    return json.dumps(to_data(run, invalid), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# --- the last results, for `tfscope show` ---------------------------------------------------------
# `tfscope run` (and `record`) merge their results into .tfscope/last-run.json under the project
# root: the latest result of each case on each runtime, with a fingerprint of the case so that a
# result from before the case changed is shown as such.
LAST_RUN = Path(".tfscope") / "last-run.json"


def fingerprint(case: Case) -> str:
    claim = {"program": case.program, "expect": case.expect,
             "deviations": [[d.runtimes, d.observed, d.reason] for d in case.deviations]}
    return hashlib.sha256(json.dumps(claim, sort_keys=True).encode()).hexdigest()[:16]


def load_last_run(root: Path) -> dict[str, Any]:
    """{"runtimes": {name: info}, "results": {case id: {runtime: result}}}; empty when none."""
    try:
        data = json.loads((root / LAST_RUN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"format": FORMAT, "runtimes": {}, "results": {}}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {"format": FORMAT, "runtimes": {}, "results": {}}
    return data


def save_last_run(run: RunResults, root: Path) -> None:
    """Merge the run's results into last-run.json, under a lock on the file: two runs that end
    together both keep their results (each case and runtime has its latest). An OutputError when
    `.tfscope/` cannot be written."""
    path = root / LAST_RUN
    hint = "make .tfscope/ a writable folder, or run from a writable checkout"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path, create=True):
            _merge_last_run(run, root, hint)  # its own write errors are OutputErrors already
    except OSError as e:
        raise environment_error(e, path, hint=hint) or e from None


def _merge_last_run(run: RunResults, root: Path, hint: str) -> None:
    data = load_last_run(root)
    for name in run.runtimes:
        if name in run.info:
            data["runtimes"][name] = {k: run.info[name].get(k) for k in INFO_KEYS}
    for r in run.results:
        data["results"].setdefault(r.case.id, {})[r.runtime] = {
            "fingerprint": fingerprint(r.case), "verdict": r.verdict.verdict,
            "reason": r.verdict.reason,
            "diff": [{"fact": m.fact, "expected": m.expected, "actual": m.actual}
                     for m in r.verdict.diff],
            "facts": r.outcome.facts, "error": r.outcome.error}
    write_atomic(root / LAST_RUN, json.dumps(data, indent=1, sort_keys=True,
                                             ensure_ascii=False) + "\n", hint=hint)
