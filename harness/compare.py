"""Comparison: what a case expects (or a deviation records) against what TF did, and the verdict."""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .cases import Case
from .facts import LATE_KINDS, claim_key, is_summary, match  # noqa: F401 (re-exported)

CONFORMS, DEVIATES, OBSERVED, FAIL, STALE, ERROR, CRASH, TIMEOUT, MEMORY = (
    "conforms", "deviates", "observed", "fail", "stale", "error", "crash", "timeout", "memory")
VERDICTS = (CONFORMS, DEVIATES, OBSERVED, FAIL, STALE, ERROR, CRASH, TIMEOUT, MEMORY)
# MEMORY: the case ran out of the worker's memory limit (Limits.worker_memory in runner.py).
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
    refused: list[str] = field(default_factory=list)  # what the policy refused (even caught)


@dataclass
class Verdict:
    verdict: str
    diff: list[Mismatch] = field(default_factory=list)     # expected (source) vs actual
    reason: str | None = None          # the deviation's reason, or the problem text


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


def is_error_fact(fact: str, expected: Any) -> bool:
    """`L.error` of a `catch` label, expected as null or {type, message, ...} (or a list)."""
    items = expected if isinstance(expected, list) else [expected]
    return fact.endswith(".error") and all(
        e is None or (isinstance(e, dict) and "type" in e) for e in items)


def describe_error(error: dict | None) -> Any:
    if error is None:
        return "no error"
    where = f" at {error.get('label') or error.get('step')}" if error.get("step") else ""
    if where and error.get("line"):  # a step path alone is hard to find in a long file
        where += f" (line {error['line']})"
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
        if is_error_fact(fact, expected):  # a `catch` label's error: the `error:` matcher
            expected_list = expected if isinstance(expected, list) else [expected]
            actual_list = actual if isinstance(actual, list) else [actual]
            if len(expected_list) != len(actual_list) or not all(
                    error_matches(e, a if isinstance(a, dict) or a is None else {"type": a})
                    for e, a in zip(expected_list, actual_list)):
                out.append(Mismatch(fact, expected, actual))
            continue
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


# A value shown on a terminal or a report page is cut to this many characters: a fact of a
# million names is a line of megabytes (the whole of it is in --json).
SHOWN_CHARS = 4000


def bounded(text: str, limit: int = SHOWN_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters in all)"


def format_value(value: Any) -> str:
    return bounded(_format_value(value))


def _format_value(value: Any) -> str:
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
    """The mismatches as text (the CLI's failures, pytest's and `tfscope show`'s); two lists
    also as where they part (see `list_diff`)."""
    lines = []
    for m in mismatches:
        lines.append(f"{indent}{m.fact}:")
        lines.append(f"{indent}  expected: {format_value(m.expected)}")
        lines.append(f"{indent}  actual:   {format_value(m.actual)}")
        lines += [f"{indent}  {line}" for line in list_diff(m.expected, m.actual)]
    return "\n".join(lines)


# --- where two lists part -------------------------------------------------------------------------
ALIGN_MAX = 16     # lists up to this long are also shown side by side, item against item
SHOW_ITEMS = 8     # missing or extra items named, then "… N more"


def list_diff(expected: Any, actual: Any, at_least: int = 3) -> list[str]:
    """Where an expected list (a literal, or a `contains` / `excludes` matcher) and the actual
    list part, as lines: the first difference, the items missing and the extra ones, and for
    short lists both side by side. Nothing when either is not a list, or they match. Two one-
    line arrays of 25 names hide a one-name difference; these lines name it. Literal lists
    shorter than `at_least` items (both) say all there is in their two lines already."""
    if not isinstance(actual, list):
        return []
    if isinstance(expected, dict) and len(expected) == 1:
        (name, arg), = expected.items()
        if name == "contains" and isinstance(arg, list):
            absent = [x for x in arg if x not in actual]
            return [f"missing: {_items(absent)}"] if absent else []
        if name == "excludes" and isinstance(arg, list):
            present = [x for x in arg if x in actual]
            return [f"present though excluded: {_items(present)}"] if present else []
        return []
    if not isinstance(expected, list) or match(expected, actual) \
            or max(len(expected), len(actual)) < at_least:
        return []
    lines = []
    first = next((i for i, (e, a) in enumerate(zip(expected, actual)) if not match(e, a)),
                 min(len(expected), len(actual)))
    at_e = format_value(expected[first]) if first < len(expected) else "(end of list)"
    at_a = format_value(actual[first]) if first < len(actual) else "(end of list)"
    lines.append(f"first difference at [{first}]: expected {at_e}, actual {at_a}")
    keys_e, keys_a = [_key(x) for x in expected], [_key(x) for x in actual]
    missing = _without(expected, keys_e, keys_a)
    extra = _without(actual, keys_a, keys_e)
    if missing:
        lines.append(f"missing ({len(missing)} of {len(expected)} expected): {_items(missing)}")
    if extra:
        lines.append(f"extra ({len(extra)} of {len(actual)} actual): {_items(extra)}")
    if not missing and not extra:
        lines.append("the same items in another order" if len(expected) == len(actual)
                     else "the same items, in other numbers")
    if max(len(expected), len(actual)) <= ALIGN_MAX:
        lines.append("side by side (expected | actual):")
        lines += ["  " + row for row in aligned(expected, actual)]
    return lines


def aligned(expected: list, actual: list) -> list[str]:
    """Both lists side by side, equal items on one line (as difflib aligns them): `=` the
    same, `≠` one replaced by the other, `-` missing from actual, `+` extra in actual."""
    left = [format_value(x) for x in expected]
    right = [format_value(x) for x in actual]
    width = min(max((len(x) for x in left), default=0), 48)
    rows = []
    matcher = difflib.SequenceMatcher(None, [_key(x) for x in expected],
                                      [_key(x) for x in actual], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [f"= {a:<{width}} | {b}" for a, b in zip(left[i1:i2], right[j1:j2])]
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        rows += [f"≠ {a:<{width}} | {b}" for a, b in zip(left[i1:i1 + pairs],
                                                         right[j1:j1 + pairs])]
        rows += [f"- {a:<{width}} |" for a in left[i1 + pairs:i2]]
        rows += [f"+ {'':<{width}} | {b}" for b in right[j1 + pairs:j2]]
    return [row.rstrip() for row in rows]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _without(items: list, keys: list[str], other: list[str]) -> list:
    """The items of a list that the other lacks, counting repeats (a name twice in one and once
    in the other is one missing)."""
    left = Counter(other)
    out = []
    for item, key in zip(items, keys):
        if left[key]:
            left[key] -= 1
        else:
            out.append(item)
    return out


def _items(items: list) -> str:
    shown = ", ".join(format_value(x) for x in items[:SHOW_ITEMS])
    return shown + (f", … {len(items) - SHOW_ITEMS} more" if len(items) > SHOW_ITEMS else "")
