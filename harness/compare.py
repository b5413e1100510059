"""Comparison: what a case expects (or a deviation records) against what TF did, and the verdict."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .cases import Case
from .facts import LATE_KINDS

CONFORMS, DEVIATES, OBSERVED, FAIL, STALE, ERROR, CRASH, TIMEOUT = (
    "conforms", "deviates", "observed", "fail", "stale", "error", "crash", "timeout")
VERDICTS = (CONFORMS, DEVIATES, OBSERVED, FAIL, STALE, ERROR, CRASH, TIMEOUT)
# OBSERVED: the case makes no claim yet (empty `expect`); TF ran it and nothing can differ.
GOOD = (CONFORMS, DEVIATES, OBSERVED)
MISSING = "<missing>"


@dataclass
class Mismatch:
    fact: str
    expected: Any
    actual: Any


@dataclass
class Outcome:
    """The result of one case on one runtime (as the worker reported it, or why it did not)."""
    facts: dict[str, Any] = field(default_factory=dict)
    error: dict | None = None          # the exception TF raised, if any
    problem: str | None = None         # crash / timeout / harness error text
    problem_verdict: str | None = None
    seconds: float = 0.0


@dataclass
class Verdict:
    verdict: str
    diff: list[Mismatch] = field(default_factory=list)     # expected (source) vs actual
    reason: str | None = None          # the deviation's reason, or the problem text


def match(expected: Any, actual: Any) -> bool:
    """Does an actual value satisfy an expected literal or matcher?"""
    if isinstance(expected, dict) and len(expected) == 1:
        (name, arg), = expected.items()
        if name == "matches":
            return isinstance(actual, str) and re.fullmatch(arg, actual) is not None
        if name == "startswith":
            return isinstance(actual, str) and actual.startswith(arg)
        if name == "contains":
            return isinstance(actual, list) and all(item in actual for item in arg)
        if name == "excludes":
            return isinstance(actual, list) and not any(item in actual for item in arg)
    if isinstance(expected, float) or isinstance(actual, float):
        if isinstance(expected, (int, float)) and isinstance(actual, (int, float)) and not (
                isinstance(expected, bool) or isinstance(actual, bool)):
            return abs(expected - actual) <= 1e-6 * max(1.0, abs(expected))
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(match, expected, actual))
    if type(expected) is bool or type(actual) is bool:
        return type(expected) is type(actual) and expected == actual
    return expected == actual


def error_matches(expected: dict | None, actual: dict | None) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if expected["type"] not in [actual["type"], *actual.get("bases", [])]:
        return False
    if "message" in expected and expected["message"] not in actual["message"]:
        return False
    if "matches" in expected and not re.search(expected["matches"], actual["message"]):
        return False
    if "step" in expected and expected["step"] not in (actual.get("label"), actual.get("step")):
        return False
    return True


def describe_error(error: dict | None) -> Any:
    if error is None:
        return "no error"
    where = f" at {error.get('label') or error.get('step')}" if error.get("step") else ""
    return f"{error['type']}: {error['message']}{where}"


def diff(expect: dict[str, Any], outcome: Outcome) -> list[Mismatch]:
    """Facts that differ. An exception that `expect` does not ask for always differs."""
    out = []
    expected_error = expect.get("error")
    if "error" in expect or outcome.error is not None:
        if not error_matches(expected_error, outcome.error):
            out.append(Mismatch("error", expected_error or "no error",
                                describe_error(outcome.error)))
    for fact, expected in expect.items():
        if fact == "error":
            continue
        actual = outcome.facts.get(fact, MISSING)
        if not match(expected, actual):
            out.append(Mismatch(fact, expected, actual))
    return out


def _step_index(path: str | None) -> tuple[int, ...]:
    return tuple(int(i) for i in re.findall(r"\[(\d+)\]", path or ""))


def cut_short(case: Case, outcome: Outcome, mismatch: Mismatch) -> bool:
    """Could the exception have kept this fact from what the program would have recorded?

    Yes for a fact never recorded, for graph facts (taken when the program stopped), and for the
    facts of a capture made at or after the raising step, inside a step that encloses it (a loop
    or a template cut short, a custom getter's record), inside any loop, or taken at the end
    (layers, templates, optimizers). No for a capture the program finished before the exception:
    its facts must still match.
    """
    if mismatch.actual == MISSING or mismatch.fact.startswith("graph."):
        return True
    info = case.labels.get(mismatch.fact.split(".", 1)[0])
    if info is None or outcome.error is None:
        return False
    raised, made = _step_index(outcome.error.get("step")), _step_index(info["path"])
    return (made >= raised or raised[:len(made)] == made or info["multi"]
            or info["kind"] in LATE_KINDS)


def judge(case: Case, runtime: str, outcome: Outcome, version: str = "") -> Verdict:
    """The verdict of `case` on `runtime` (TensorFlow `version`, for deviations that give
    version ranges)."""
    if outcome.problem is not None:
        return Verdict(outcome.problem_verdict or ERROR, reason=outcome.problem)
    if not case.expect and not case.deviations:
        return Verdict(OBSERVED, reason="no claim: `expect` is empty")
    mismatches = diff(case.expect, outcome)
    deviations = [d for d in case.deviations if d.applies_to(runtime, version)]
    if not mismatches:
        if deviations:
            return Verdict(STALE, reason="a deviation is recorded for this runtime, but TF now "
                           "does what the source says: remove the deviation")
        return Verdict(CONFORMS)
    differing = {m.fact for m in mismatches}
    for deviation in deviations:
        # The deviation must explain every difference, and still describe what TF does. An
        # observed exception also explains the facts it cut short (see `cut_short`).
        explained = set(deviation.observed)
        if "error" in deviation.observed and deviation.observed["error"] is not None:
            explained |= {m.fact for m in mismatches if cut_short(case, outcome, m)}
        if differing <= explained and not diff(deviation.observed, outcome):
            return Verdict(DEVIATES, mismatches, reason=deviation.reason)
    if deviations:
        drift = diff(deviations[0].observed, outcome)
        extra = "; the recorded deviation no longer matches: " + ", ".join(
            m.fact for m in drift) if drift else "; the recorded deviation does not cover: " + \
            ", ".join(sorted(differing - set(deviations[0].observed)))
        return Verdict(FAIL, mismatches, reason="differs from the source" + extra)
    return Verdict(FAIL, mismatches)


def format_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "type" in value and set(value) <= {"type", "message",
                                                                      "matches", "step"}:
        parts = [value["type"]]
        if "message" in value:
            parts.append(f"'{value['message']}'")
        if "matches" in value:
            parts.append(f"/{value['matches']}/")
        if "step" in value:
            parts.append(f"at {value['step']}")
        return " ".join(parts)
    return json.dumps(value, sort_keys=True)


def format_diff(mismatches: list[Mismatch], indent: str = "    ") -> str:
    lines = []
    for m in mismatches:
        lines.append(f"{indent}{m.fact}:")
        lines.append(f"{indent}  expected: {format_value(m.expected)}")
        lines.append(f"{indent}  actual:   {format_value(m.actual)}")
    return "\n".join(lines)
