"""Every case of the corpus round-trips through the tracer: `tfscope export` renders it as a
TF1 script, the tracer records that script's program() (tracer.py --case, all scripts in one
TF process) and the traced case, run through the normal runner, builds the same variables and
ops as the original case (both run together on the same runtime, names as observed): real
TF 1.15, and TF 2.x through tf.compat.v1 (`tf2`), each with its own exceptions below."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import cases as caselib
from harness.render import export_script
from harness.runner import run_cases
from harness.trace import case_text, problems_of, run_tracer_batch
from tests.conftest import provision

ROOT = Path(__file__).resolve().parent.parent

RUNTIMES = ("tf1.15", "tf2")
# TF 2.21 has no tf.contrib, and its tf.compat.v1.layers and tf.nn.rnn_cell classes raise
# AttributeError with Keras 3 (its default): the exported script stops there, as the case does
# (its error), so there is no call left to record. The tracer records what the script does when
# it runs in the runtime; it never invents the calls of an API the runtime lacks.
KERAS3 = "the script raised AttributeError: `{}` is not available with Keras 3."
NO_CONTRIB = ("the script raised AttributeError: module 'tensorflow._api.v2.compat.v1' has no "
              "attribute 'contrib'")
TF2_LACKS = {
    "models.nmt-seq2seq": KERAS3.format("BasicLSTMCell"),
    "models.slim-lenet": NO_CONTRIB,
    "questions.layers-auto-names-defeat-auto-reuse": KERAS3.format("conv2d"),
    "questions.layers-named-share-under-auto-reuse": KERAS3.format("conv2d"),
    "questions.layers-unnamed-share-when-scope-reopened": KERAS3.format("conv2d"),
    "questions.layers-named-dense-in-loop-gets-suffixed-ops": KERAS3.format("dense"),
    "questions.tf-layers-dense-shares-under-variable-scope-reuse": KERAS3.format("Dense"),
    "questions.named-layer-object-recreated-after-reuse-variables": KERAS3.format("Dense"),
    "questions.layers-reuse-at-root-scope-fails": KERAS3.format("conv2d"),
    "questions.layer-variables-live-under-the-layer-name": KERAS3.format("dense"),
    "questions.layers-conv2d-reuse-names-second-op-conv-2": KERAS3.format("conv2d"),
    "tf-docs.layers-dense-reuse-by-name": KERAS3.format("dense"),
    "tf-docs.layers-dense-same-name-needs-reuse": KERAS3.format("dense"),
    "tf-docs.layers-conv2d-reuse-by-name": KERAS3.format("conv2d"),
    "tf-docs.layers-batch-normalization-reuse-by-name": KERAS3.format("batch_normalization"),
    "tf-docs.layers-layer-weights-trainable-first": KERAS3.format("Layer"),
    "tf-tests.layer-reuse-partitioned-variables-and-regularizers": KERAS3.format("Layer"),
    "tf-tests.layer-properties-before-build": KERAS3.format("Layer"),
    "tf-tests.layer-scope-naming": KERAS3.format("Layer"),
    "tf-tests.layer-name-scope-consistent-with-variable-scope": KERAS3.format("Layer"),
    "tf-tests.dense-properties-and-auto-naming": KERAS3.format("Dense"),
}
# Per runtime: cases whose exported program cannot come back as a case, with the reason (the
# tracer's refusal starts with it; the case itself ends in an error there). Everything else
# must round-trip exactly.
NOT_ROUND_TRIPPED: dict[str, dict[str, str]] = {"tf1.15": {}, "tf2": TF2_LACKS}
# Per runtime: traced, but the case differs, and the tracer names the place (a suspect).
DIFFER: dict[str, dict[str, str]] = {"tf1.15": {}, "tf2": {}}
# Per runtime: traced, but the traced case's names differ for a reason outside the tracer (the
# same case run twice in one worker differs too); each must still differ, so that the entry
# goes when the reason does.
RUN_DIFFERS: dict[str, dict[str, str]] = {"tf1.15": {}, "tf2": {}}


def traced_id(case_id: str) -> str:
    return "roundtrip." + case_id.replace(".", "-")


@pytest.fixture(scope="module", params=RUNTIMES)
def round_trip(request, pytestconfig, tmp_path_factory):
    runtime = provision(pytestconfig, request.param)
    cases, errors = caselib.load([ROOT / "cases"])
    assert cases and not errors
    folder = tmp_path_factory.mktemp("exported")
    scripts = []
    for i, case in enumerate(cases):
        script = folder / f"case{i}.py"
        script.write_text(export_script(case), encoding="utf-8")
        scripts.append(script)
    traces = run_tracer_batch(scripts, runtime, mode="case")
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
    run = run_cases(cases + list(traced.values()), [runtime])
    results = {r.case.id: r for r in run.results}
    return runtime.name, cases, traced, refused, results, suspects


def test_every_case_round_trips_through_the_tracer(round_trip):
    name, cases, traced, refused, results, suspects = round_trip
    not_round_tripped, expect_differ = NOT_ROUND_TRIPPED[name], DIFFER[name]
    run_differs = RUN_DIFFERS[name]
    differ = []
    for case in cases:
        if case.id not in traced:
            continue
        if case.id in run_differs:
            fact = run_differs[case.id]
            want, got = results[case.id].outcome.facts, results[traced_id(case.id)].outcome.facts
            assert want.get(fact) != got.get(fact), f"{case.id} round-trips on {name} now"
            continue
        if case.id in expect_differ:
            assert any(m.startswith(expect_differ[case.id]) for m in suspects[case.id])
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
                  if not v.startswith(not_round_tripped.get(k, "\0"))}
    assert not unexpected, f"{len(unexpected)} cases refused:\n" + "\n".join(
        f"{k}: {v}" for k, v in sorted(unexpected.items()))
    assert set(not_round_tripped) <= set(refused), \
        f"round-trip on {name} now: {sorted(set(not_round_tripped) - set(refused))}"
    assert all(results[k].outcome.error is not None for k in not_round_tripped)
    assert set(run_differs) <= set(traced)
    assert len(traced) - len(expect_differ) - len(run_differs) >= \
        0.98 * (len(cases) - len(not_round_tripped))
    assert any(traced[c.id].imports for c in cases if c.imports and c.id in traced)
