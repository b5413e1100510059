"""The worker inside real TensorFlow 1.15: facts, errors, values, fresh graphs, protocol."""

from __future__ import annotations

import pytest

from harness import cases
from harness.compare import CONFORMS
from harness.runner import Pool


@pytest.fixture(scope="module")
def pool(tf115):
    with Pool([tf115], test_steps=True) as p:
        yield p


def run(pool, write_case, text, **kw):
    (case,), errors = cases.load([write_case(text)], allow_test_steps=True)
    assert errors == []
    return pool.run(case, "tf1.15", **kw)


CASE = """
id: w.facts
title: facts
source: {doc: test, quote: q}
program:
  - variable_scope: {name_or_scope: foo, initializer: {constant: 1.5}, as: s}
    do:
      - name_scope: {name: bar, as: ns}
        do:
          - get_variable: {name: w, shape: [2], as: w}
          - variable: {initial_value: [2.0], name: v, as: v}
          - constant: {value: 3, name: c, as: c}
expect:
  w.name: foo/w:0
"""


def test_hello_reports_versions(pool):
    info = pool.info("tf1.15")
    assert info["tensorflow"] == "1.15.5" and info["python"].startswith("3.7")


def test_facts_of_every_kind(pool, write_case):
    result = run(pool, write_case, CASE + "  w.value: [1.5, 1.5]\n  c.value: 3\n")
    facts = result.outcome.facts
    assert result.verdict.verdict == CONFORMS, result.verdict
    assert facts["s.name"] == "foo" and facts["s.original_name_scope"] == "foo/"
    assert facts["s.reuse"] is False and facts["s.initializer"] == "Constant"
    assert facts["ns.name"] == "foo/bar/"
    assert facts["w.op.name"] == "foo/w" and facts["w.class"] == "RefVariable"
    assert facts["w.shape"] == [2] and facts["w.dtype"] == "float32"
    assert facts["w.trainable"] is True
    assert facts["w.collections"] == ["trainable_variables", "variables"]
    assert facts["v.name"] == "foo/bar/v:0" and facts["c.name"] == "foo/bar/c:0"
    assert facts["c.dtype"] == "int32"
    assert facts["graph.global_variables"] == ["foo/w:0", "foo/bar/v:0"]
    assert "foo/bar/c" in facts["graph.ops"]


def test_each_case_gets_a_fresh_graph(pool, write_case):
    first = run(pool, write_case, CASE).outcome.facts
    second = run(pool, write_case, CASE).outcome.facts
    assert first["v.name"] == second["v.name"] == "foo/bar/v:0"


def test_exception_is_recorded_with_its_step(pool, write_case):
    text = CASE.replace("expect:\n  w.name: foo/w:0", """
  - variable_scope: {name_or_scope: foo, reuse: true}
    do:
      - get_variable: {name: missing, shape: [1], as: m}
expect:
  error: {type: ValueError, message: "does not exist", step: m}
  w.name: foo/w:0""")
    result = run(pool, write_case, text)
    assert result.verdict.verdict == CONFORMS, result.verdict
    error = result.outcome.error
    assert error["label"] == "m" and error["step"] == "program[1].do[0]"
    assert error["line"] == 15
    assert "m.name" not in result.outcome.facts  # facts stop at the exception


def test_stdout_noise_does_not_break_the_protocol(pool, write_case):
    text = CASE.replace("  - variable_scope: {name_or_scope: foo,",
                        '  - print: {text: \'{"id": "forged"}\'}\n'
                        "  - variable_scope: {name_or_scope: foo,")
    assert run(pool, write_case, text).verdict.verdict == CONFORMS


KERAS = """
id: w.keras
title: keras names
source: {doc: test, quote: q}
program:
  - placeholder: {dtype: float32, shape: [2, 3], name: x, as: x}
  - layer: {class: keras.Dense, units: 2, as: first}
  - call: {layer: first, inputs: {ref: x}, as: out}
expect:
  first.name: dense
"""


@pytest.mark.parametrize("runtime", ["tf1.15", "tf2"])
def test_a_case_gets_the_layer_names_of_a_fresh_process(pytestconfig, write_case, runtime):
    # Keras 3 (TF 2.16+) numbers layer names per process: the second run of the same case in
    # one worker must still be `dense`, not `dense_1` (names would depend on the cases before).
    from tests.conftest import provision
    rt = provision(pytestconfig, runtime)
    (case,), errors = cases.load([write_case(KERAS)])
    assert errors == []
    with Pool([rt]) as p:
        first, second = p.run(case, runtime), p.run(case, runtime)
    assert first.outcome.facts["first.name"] == "dense", first.outcome
    assert second.outcome.facts == first.outcome.facts


def test_values_share_one_session_run_only_when_every_object_is_a_variable():
    # Reading a variable changes nothing, so one run for all gives what one run each gives; a
    # tensor (random, an assign) keeps its own run, or its value would change meaning.
    from harness import facts

    class Shape:
        def __init__(self, dims: list[int]) -> None:
            self.dims = dims

        def is_fully_defined(self) -> bool:
            return True

        def as_list(self) -> list[int]:
            return self.dims

    class Variable:
        def __init__(self, value: list[float]) -> None:
            self.value = value

        def get_shape(self) -> Shape:
            return Shape([len(self.value)])

    class TF:
        pass
    TF.Variable = Variable  # type: ignore[attr-defined]

    class Session:
        def __init__(self) -> None:
            self.runs: list[list] = []

        def run(self, fetches: list) -> list:
            self.runs.append(fetches)
            return [f.value for f in fetches]

    a, b, big = Variable([1.0, 2.0]), Variable([3.0]), Variable([0.0] * 20)
    sess = Session()
    many = facts.Many([a, b])
    assert facts._read_variables(TF, sess, {"a": a, "m": many}, ["a", "m"], 10) == {
        id(a): [1.0, 2.0], id(b): [3.0]}
    assert len(sess.runs) == 1
    captured = {"a": a, "t": object(), "big": big}
    assert facts._read_variables(TF, sess, captured, ["a", "t"], 10) == {}  # a tensor
    assert facts._read_variables(TF, sess, captured, ["a", "big"], 10) == {}  # a summary
    assert len(sess.runs) == 1


QUEUE_RUNNER = """
id: w.queue_runner
title: queue runners left running
source: {doc: test, quote: q}
program:
  - tf.FIFOQueue: {capacity: 4, dtypes: [{tf: float32}], as: q}
  - q.enqueue: {args: [[1.0]], as: enqueue}
  - tf.train.QueueRunner: {queue: {ref: q}, enqueue_ops: [{ref: enqueue}, {ref: enqueue}], as: qr}
  - tf.train.add_queue_runner: {args: [{ref: qr}]}
  - tf.Session: {as: sess}
  - tf.train.start_queue_runners: {sess: {ref: sess}, as: threads}
expect:
  threads.class: [Thread, Thread]
"""


def threads_of(pid):
    import os
    return len(os.listdir(f"/proc/{pid}/task"))


def test_threads_a_case_leaves_on_its_open_session_end_with_the_case(pool, write_case):
    # start_queue_runners with no coordinator asked to stop: its threads looped on the open
    # session for ever, into every later case of the worker. The worker closes the sessions a
    # case left open, which cancels their runs, and the threads end with the case.
    # (The first run makes TF's own thread pools, which live as long as the process.)
    first = run(pool, write_case, QUEUE_RUNNER)
    assert first.verdict.verdict == CONFORMS, first.verdict
    pid = pool.workers["tf1.15"].proc.pid
    before = threads_of(pid)
    for _ in range(3):
        assert run(pool, write_case, QUEUE_RUNNER).verdict.verdict == CONFORMS
    assert threads_of(pid) <= before  # (without the fix: 4 more per run)
    assert run(pool, write_case, CASE).verdict.verdict == CONFORMS
