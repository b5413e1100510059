"""Run results as JSON for tools: run information per runtime, and per case and runtime the
verdict, the observed facts and the diff. Deterministic: no timings, sorted keys."""

from __future__ import annotations

import json
from typing import Any

from .errors import UserError
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
