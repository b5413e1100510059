"""Every case of the corpus round-trips through the tracer: `tfscope export` renders it as a
TF1 script, the tracer records that script's program() (tracer.py --case, all scripts in one
TF process) and the traced case, run through the normal runner, builds the same variables and
ops as the original case (both run together on real TF 1.15, names as observed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import cases as caselib
from harness.render import export_script
from harness.runner import run_cases
from harness.trace import case_text, problems_of, run_tracer_batch

ROOT = Path(__file__).resolve().parent.parent

# Cases whose exported program cannot come back as a case, with the reason (the tracer's
# refusal starts with it). Everything else must round-trip exactly.
NOT_ROUND_TRIPPED: dict[str, str] = {}
# Traced, but the case differs, and the tracer names the place (a suspect).
DIFFER: dict[str, str] = {}


def traced_id(case_id: str) -> str:
    return "roundtrip." + case_id.replace(".", "-")


@pytest.fixture(scope="module")
def round_trip(tf115, tmp_path_factory):
    cases, errors = caselib.load([ROOT / "cases"])
    assert cases and not errors
    folder = tmp_path_factory.mktemp("exported")
    scripts = []
    for i, case in enumerate(cases):
        script = folder / f"case{i}.py"
        script.write_text(export_script(case), encoding="utf-8")
        scripts.append(script)
    traces = run_tracer_batch(scripts, tf115, mode="case")
    refused: dict[str, str] = {}
    traced: dict[str, caselib.Case] = {}
    suspects = {case.id: [s["message"] for s in trace.suspects]
                for case, trace in zip(cases, traces)}
    for case, trace in zip(cases, traces):
        problems = problems_of(trace)
        if problems:
            refused[case.id] = f"{problems[0].message} (line {problems[0].line})"
            continue
        text = case_text(traced_id(case.id), trace, "schema.json")
        loaded, invalid = caselib.load_text(text, f"{case.id} (traced)")
        if invalid:
            refused[case.id] = f"not a valid case: {invalid[0]}"
            continue
        traced[case.id] = loaded[0]
    run = run_cases(cases + list(traced.values()), [tf115])
    results = {r.case.id: r for r in run.results}
    return cases, traced, refused, results, suspects


def test_every_case_round_trips_through_the_tracer(round_trip):
    cases, traced, refused, results, suspects = round_trip
    differ = []
    for case in cases:
        if case.id not in traced:
            continue
        if case.id in DIFFER:
            assert any(m.startswith(DIFFER[case.id]) for m in suspects[case.id])
            want, got = results[case.id].outcome.facts, results[traced_id(case.id)].outcome.facts
            assert any(want.get(f) != got.get(f)
                       for f in ("graph.global_variables", "graph.ops")), case.id
            continue
        want = results[case.id].outcome
        got = results[traced_id(case.id)].outcome
        if got.problem is not None:
            differ.append(f"{case.id}: the traced case did not run: {got.problem}")
            continue
        for fact in ("graph.global_variables", "graph.ops"):
            if want.facts.get(fact) != got.facts.get(fact):
                differ.append(f"{case.id}: {fact}: {want.facts.get(fact)} != "
                              f"{got.facts.get(fact)}")
        if (want.error or {}).get("type") != (got.error or {}).get("type"):
            differ.append(f"{case.id}: error {want.error} != {got.error}")
    assert not differ, f"{len(differ)} traced cases differ:\n" + "\n".join(differ)
    unexpected = {k: v for k, v in refused.items()
                  if not v.startswith(NOT_ROUND_TRIPPED.get(k, "\0"))}
    assert not unexpected, f"{len(unexpected)} cases refused:\n" + "\n".join(
        f"{k}: {v}" for k, v in sorted(unexpected.items()))
    assert set(NOT_ROUND_TRIPPED) <= set(refused)
    assert len(traced) - len(DIFFER) >= 0.98 * len(cases)
    assert any(traced[c.id].imports for c in cases if c.imports and c.id in traced)
