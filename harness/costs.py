"""What a case and a worker cost, estimated before they run: the scheduler of `runner.Pool` uses
it to hand the longest cases out first and to decide whether another worker pays for its import.

Estimates only steer the order and the number of workers, never a result. They are rough on
purpose: the scheduler corrects them with what each runtime really takes as the run goes on.
"""

from __future__ import annotations

from .cases import Case

# Measured on the benchmarks' synthetic cases and the project's (benchmarks/README.md): a small
# graph costs a few ms, each step about 1 ms more (capturing its facts included), a session run
# for values about 10 ms.
BASE_SECONDS = 0.004
STEP_SECONDS = 0.001
VALUES_SECONDS = 0.010
REPEAT_LIMIT = 1000  # a repeat's count multiplies its body, up to this (a guard, not a rule)
# What starting a worker costs before its first case: TensorFlow's import. TF 2 imports much
# more (tf.distribute, tf.data, autograph) than TF 1.x.
IMPORT_SECONDS = 1.5
IMPORT_SECONDS_TF2 = 2.5


def steps(program: list[dict]) -> int:
    """The steps a program runs, a `repeat` body counted as often as it repeats."""
    total = 0
    for step in program:
        body = steps(step.get("do") or [])
        body += sum(steps(b.get("do") or []) for b in step.get("elif") or [])
        body += steps(step.get("else") or [])
        if step.get("kind") == "for" and isinstance((step.get("args") or {}).get("in"), list):
            body *= max(1, min(len(step["args"]["in"]), REPEAT_LIMIT))  # a literal list
        if step.get("kind") == "repeat":
            count = (step.get("args") or {}).get("count")
            times = count if isinstance(count, int) and not isinstance(count, bool) else 1
            body *= max(1, min(times, REPEAT_LIMIT))
        total += 1 + body
    return total


def case_seconds(case: Case) -> float:
    """The estimated seconds one case takes in a warm worker."""
    return BASE_SECONDS + STEP_SECONDS * steps(case.program) + \
        (VALUES_SECONDS if case.value_labels() else 0.0)


def import_seconds(tensorflow: str | None) -> float:
    """The estimated seconds a new worker of this TensorFlow version takes to start."""
    return IMPORT_SECONDS_TF2 if (tensorflow or "").startswith("2") else IMPORT_SECONDS
