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
NO_CONTRIB_MODULE = ("the script raised ModuleNotFoundError: No module named 'tensorflow.contrib'")
NO_TF_KERAS = "the script raised ModuleNotFoundError: No module named 'tf_keras'"
NO_KERAS_PLACEHOLDER = ("the script raised AttributeError: module 'keras._tf_keras.keras.backend' "
                        "has no attribute 'placeholder'")
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
    "tf-tests.basic-rnn-cell-not-trainable-getter": KERAS3.format("BasicRNNCell"),
    "tf-tests.basic-rnn-cell-variable-names": KERAS3.format("BasicRNNCell"),
    "tf-tests.batch-norm-layer-variables-and-collections": NO_TF_KERAS,
    "tf-tests.batch-norm-no-center-no-scale": NO_TF_KERAS,
    "tf-tests.device-wrapper-places-the-cell": KERAS3.format("DeviceWrapper"),
    "tf-tests.functional-batch-norm-reuse-from-scope": NO_TF_KERAS,
    "tf-tests.functional-batch-norm-variable-names": NO_TF_KERAS,
    "tf-tests.keras-activation-layer-scoped-under-dense": NO_KERAS_PLACEHOLDER,
    "tf-tests.keras-dense-variable-names-under-layer-name": NO_KERAS_PLACEHOLDER,
    "tf-tests.lstm-cell-projection-variable-names": KERAS3.format("LSTMCell"),
    "tf-tests.multi-rnn-cell-variable-names": KERAS3.format("MultiRNNCell"),
    "tf-tests.slim-conv2d-batch-norm-scopes": NO_CONTRIB_MODULE,
    "tf-tests.slim-conv2d-creates-weights-and-biases": NO_CONTRIB_MODULE,
    "tf-tests.slim-conv2d-custom-getter-called-twice": NO_CONTRIB,
    "tf-tests.slim-conv2d-default-scope-names": NO_CONTRIB_MODULE,
    "tf-tests.slim-conv2d-outputs-collection-alias": NO_CONTRIB,
    "tf-tests.slim-conv2d-reuse-vars": NO_CONTRIB_MODULE,
    "tf-tests.slim-conv2d-weight-decay-loss-name": NO_CONTRIB,
    "tf-tests.slim-get-trainable-variables-by-scope": NO_CONTRIB_MODULE,
    "tf-tests.slim-get-unique-variable": NO_CONTRIB_MODULE,
    "tf-tests.slim-get-variables-by-name": NO_CONTRIB_MODULE,
    "tf-tests.slim-get-variables-by-scope-and-suffix": NO_CONTRIB_MODULE,
    "tf-tests.slim-get-variables-by-scope-local-and-global": NO_CONTRIB_MODULE,
    "tf-tests.slim-get-variables-by-suffix": NO_CONTRIB_MODULE,
    "tf-tests.slim-get-variables-to-restore-include-exclude": NO_CONTRIB_MODULE,
    "tf-tests.slim-layer-norm-variable-names": NO_CONTRIB_MODULE,
    "tf-tests.slim-local-variable-name-and-shape": NO_CONTRIB_MODULE,
    "tf-tests.slim-local-variable-not-global": NO_CONTRIB_MODULE,
    "tf-tests.slim-model-variable-name-and-collections": NO_CONTRIB_MODULE,
    "tf-tests.slim-pool-scope-names": NO_CONTRIB,
    "tf-tests.slim-repeat-and-stack-scope-names": NO_CONTRIB,
    "tf-tests.slim-reuse-variable": NO_CONTRIB_MODULE,
    "tf-tests.slim-separable-conv2d-regularizer-names": NO_CONTRIB,
    "tf-tests.slim-variable-collections-with-arg-scope": NO_CONTRIB_MODULE,
    "tf-tests.slim-variable-device-function-in-arg-scope": NO_CONTRIB_MODULE,
    "tf-tests.slim-variable-full-name-of-partitions": NO_CONTRIB_MODULE,
    "tf-tests.slim-variable-name-and-collections": NO_CONTRIB_MODULE,
}
# Per runtime: cases whose exported program cannot come back as a case, with the reason (the
# tracer's refusal starts with it; the case itself ends in an error there). Everything else
# must round-trip exactly.
NOT_ROUND_TRIPPED: dict[str, dict[str, str]] = {"tf1.15": {}, "tf2": TF2_LACKS}
# Per runtime: cases the tracer refuses though they run (a limit of the tracer, with its
# reason): an instance of the script's own class handed to TF (slim's arg_scope given a device
# function object) is no data a case can write.
TRACER_REFUSES: dict[str, dict[str, str]] = {
    "tf1.15": {"tf-tests.slim-variable-device-function-in-arg-scope":
               "a DevFn that no recorded TF call returned cannot be data"},
    "tf2": {},
}
# Per runtime: traced, but the case differs, and the tracer names the place (a suspect).
DIFFER: dict[str, dict[str, str]] = {"tf1.15": {}, "tf2": {}}
# Per runtime: traced, but the traced case's names differ for a reason outside the tracer (the
# same case run twice in one worker differs too); each must still differ, so that the entry
# goes when the reason does.
RUN_DIFFERS: dict[str, dict[str, str]] = {"tf1.15": {}, "tf2": {}}
# A loop that builds each iteration in a graph of its own (`for` over `other_graph`): the
# tracer takes the last graph the script built in as the case's own, so the traced case's graph
# holds the last iteration's names where the case's own graph is empty. Checked so: the case's
# graph facts are empty and the traced case's are not.
GRAPH_PER_ITERATION = "a loop with a graph per iteration"
LAST_GRAPH: dict[str, dict[str, str]] = {
    "tf1.15": {"tf-tests.multi-rnn-cell-variable-names": GRAPH_PER_ITERATION,
               "tf-tests.multi-rnn-cell-variable-names-as-written": GRAPH_PER_ITERATION},
    "tf2": {"tf-tests.multi-rnn-cell-variable-names-as-written": GRAPH_PER_ITERATION},
}
# Ops made by reading a property, not by a call (from TF 1.12 every read of Layer.losses makes
# the regularizer's tensors again): the tracer records calls, so the traced case lacks them,
# and `tfscope new --trace` refuses such a script (its names differ). Checked so: the traced
# case's ops are the case's, less some.
PROPERTY_OPS = "Layer.losses read in a let"
FEWER_OPS: dict[str, dict[str, str]] = {
    "tf1.15": {"tf-tests.conv2d-kernel-regularizer-loss": PROPERTY_OPS},
    "tf2": {"tf-tests.conv2d-kernel-regularizer-loss": PROPERTY_OPS},
}


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
        if case.id in LAST_GRAPH[name]:
            assert want.facts.get("graph.global_variables") == [] and \
                got.facts.get("graph.global_variables"), f"{case.id} round-trips on {name} now"
            continue
        if case.id in FEWER_OPS[name]:
            ops, traced_ops = want.facts.get("graph.ops", []), got.facts.get("graph.ops", [])
            assert set(traced_ops) < set(ops), f"{case.id} round-trips on {name} now"
            assert want.facts.get("graph.global_variables") == \
                got.facts.get("graph.global_variables"), case.id
            continue
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
    known = dict(not_round_tripped, **TRACER_REFUSES[name])
    unexpected = {k: v for k, v in refused.items() if not v.startswith(known.get(k, "\0"))}
    assert not unexpected, f"{len(unexpected)} cases refused:\n" + "\n".join(
        f"{k}: {v}" for k, v in sorted(unexpected.items()))
    assert set(TRACER_REFUSES[name]) <= set(refused), f"traced on {name} now"
    assert set(not_round_tripped) <= set(refused), \
        f"round-trip on {name} now: {sorted(set(not_round_tripped) - set(refused))}"
    assert all(results[k].outcome.error is not None for k in not_round_tripped)
    assert set(run_differs) <= set(traced)
    assert set(LAST_GRAPH[name]) | set(FEWER_OPS[name]) <= set(traced)
    assert len(traced) - len(expect_differ) - len(run_differs) >= \
        0.98 * (len(cases) - len(not_round_tripped))
    assert any(traced[c.id].imports for c in cases if c.imports and c.id in traced)
