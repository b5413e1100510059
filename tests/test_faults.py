"""Worker faults on the real worker and real TensorFlow 1.15: a crash (segfault, abort, os._exit,
SIGKILL from inside or from outside), a hang and a protocol-corrupting print each cost exactly one
case its verdict (`crash`, `timeout`, or none at all), and every other case still gets its own.

The faults come from the test-only steps `crash`, `sleep` and `print` (refused unless the loader
and the worker are both told to allow them).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from harness import cases as caselib
from harness import results as resultlib
from harness.compare import CONFORMS, CRASH, GOOD, TIMEOUT
from harness.report import render_report
from harness.runner import Pool, run_cases

from .conftest import ROOT

HEADER = "title: fault\nsource: {doc: tests, quote: fault}\n"


def ok_case(case_id: str) -> str:
    return HEADER + textwrap.dedent(f"""\
        id: {case_id}
        program:
          - variable_scope: {{name_or_scope: foo, as: scope}}
            do:
              - get_variable: {{name: var1, shape: [1], as: v1}}
        expect:
          v1.name: foo/var1:0
        """)


def fault_case(case_id: str, *steps: str, timeout: float | None = None) -> str:
    body = "".join(f"  - {s}\n" for s in steps)
    extra = f"timeout: {timeout}\n" if timeout is not None else ""
    return HEADER + f"id: {case_id}\n{extra}program:\n{body}expect:\n  graph.ops: []\n"


def load(tmp_path: Path, *docs: str) -> list[caselib.Case]:
    path = tmp_path / "faults.yaml"
    path.write_text("".join("- " + textwrap.indent(d, "  ")[2:] for d in docs))
    cases, errors = caselib.load([path], allow_test_steps=True)
    assert not errors, errors
    return cases


def verdicts(run) -> dict[str, str]:
    return {r.case.id: r.verdict.verdict for r in run.results}


def test_test_steps_are_refused_unless_enabled(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(fault_case("t.sleep", "sleep: 1"))
    cases, errors = caselib.load([path])
    assert not cases and "unknown step `sleep`" in str(errors[0])
    assert "harness's own tests only" in str(errors[0])


def test_test_steps_do_nothing_in_a_worker_without_them(tf115, tmp_path):
    """Even a request that asks for them is refused by a worker not started for tests."""
    (case,) = load(tmp_path, fault_case("t.exit", "crash: {how: exit}"))
    with Pool([tf115], test_steps=False) as pool:
        result = pool.run(case, "tf1.15")
    assert result.outcome.error and "not enabled" in result.outcome.error["message"]
    assert result.verdict.verdict == "fail"


@pytest.mark.parametrize("how, status", [
    ("exit", "exited with status 3"), ("abort", "killed by signal SIGABRT"),
    ("segfault", "killed by signal SIGSEGV"), ("kill", "killed by signal SIGKILL")])
def test_crash_gives_status_and_stderr_tail_and_the_next_case_runs(tf115, tmp_path, how, status,
                                                                   ours):
    cases = load(tmp_path, ok_case("t.before"),
                 fault_case("t.crash", f"print: last words before {how}", f"crash: {{how: {how}}}"),
                 ok_case("t.after"))
    run = run_cases(cases, [tf115], test_steps=True)
    assert verdicts(run) == {"t.before": CONFORMS, "t.crash": CRASH, "t.after": CONFORMS}
    reason = run.results[1].verdict.reason
    assert status in reason, reason
    assert f"last words before {how}" in reason, reason  # the tail of the worker's stderr
    assert not ours.all()


def test_external_sigkill_mid_run_all_cases(tf115, tmp_path, ours):
    """Every article case plus a victim that a SIGKILL from outside hits in the middle, a hang
    and a protocol-corrupting print: the victim gets `crash`, the hang `timeout`, every other
    case its usual verdict, and the JSON results and the report are complete."""
    article, errors = caselib.load([ROOT / "cases"])
    assert article and not errors
    half = len(article) // 2
    victim, hang, printer = load(
        tmp_path, fault_case("t.victim", "print: victim running", "sleep: 600"),
        fault_case("t.hang", "sleep: 600", timeout=2),
        fault_case("t.print", "print: '{\"id\": \"t.print\", \"facts\": {}}'"))
    cases = [printer] + article[:half] + [victim] + article[half:] + [hang]
    half += 1
    killed: list[int] = []

    def kill_when_victim_runs(runtime: str, done: int, total: int) -> None:
        if done == half:  # the victim is the next request; kill while it sleeps
            def kill() -> None:
                time.sleep(1.0)
                for pid in ours.workers():
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            threading.Thread(target=kill, daemon=True).start()

    started = time.monotonic()
    run = run_cases(cases, [tf115], test_steps=True, progress=kill_when_victim_runs)
    assert killed, "the worker was never killed"
    # Far below the 600 s either sleep would take, whatever the machine's load: no timed test.
    assert time.monotonic() - started < 300, "waited for the victim instead of moving on"
    got = verdicts(run)
    assert list(got) == [c.id for c in cases]  # a verdict for every case, in order
    assert got.pop("t.victim") == CRASH
    assert got.pop("t.hang") == TIMEOUT
    assert "SIGKILL" in run.results[half].verdict.reason
    assert all(v in GOOD for v in got.values()), {k: v for k, v in got.items() if v not in GOOD}
    data = json.loads(resultlib.to_json(run))
    assert [r["id"] for r in data["results"]] == [c.id for c in cases]
    assert all(r["verdict"] for r in data["results"]) and not data["interrupted"]
    report = render_report(run, ROOT, tmp_path / "report.md")
    for case in cases:
        assert f"`{case.id}`" in report, case.id
    assert not ours.all()


def test_hanging_case_times_out_and_the_next_case_runs(tf115, tmp_path, ours):
    cases = load(tmp_path, fault_case("t.hang", "sleep: 60", timeout=2), ok_case("t.after"))
    started = time.monotonic()
    run = run_cases(cases, [tf115], test_steps=True)
    assert time.monotonic() - started < 40
    assert verdicts(run) == {"t.hang": TIMEOUT, "t.after": CONFORMS}
    assert "no result within 2 s" in run.results[0].verdict.reason
    assert not ours.all()


def test_timeout_precedence_on_the_real_worker(tf115, tmp_path):
    """Command line > the case's `timeout:` > the configured default."""
    slow_case, no_limit = load(tmp_path, fault_case("t.case-limit", "sleep: 3", timeout=1),
                               fault_case("t.no-limit", "sleep: 3"))
    with Pool([tf115], test_steps=True) as pool:
        # The case's own limit (1 s) beats the configured default (30 s) ...
        assert pool.run(slow_case, "tf1.15", None, 30).verdict.verdict == TIMEOUT
        # ... the command line (30 s) beats the case's limit (1 s) ...
        assert pool.run(slow_case, "tf1.15", 30, 1).verdict.verdict == CONFORMS
        # ... and with neither, the configured default applies.
        assert pool.run(no_limit, "tf1.15", None, 1).verdict.verdict == TIMEOUT
        assert pool.run(no_limit, "tf1.15", None, 30).verdict.verdict == CONFORMS


def test_protocol_corrupting_print_does_not_derail_the_run(tf115, tmp_path):
    """Text that looks like the protocol, printed from inside TF's process (Python's print and a
    raw write to fd 1), reaches stderr, never the protocol: same worker, right verdicts."""
    fake = '{"id": "t.after", "facts": {}, "error": null}'
    cases = load(tmp_path, fault_case("t.print", f"print: '{fake}'", "print: garbage {{{"),
                 ok_case("t.after"))
    with Pool([tf115], test_steps=True) as pool:
        first = pool.run(cases[0], "tf1.15")
        pid = pool.workers["tf1.15"].proc.pid
        second = pool.run(cases[1], "tf1.15")
        assert pool.workers["tf1.15"].proc.pid == pid  # not restarted
        tail = list(pool.workers["tf1.15"].stderr_tail)
    assert first.verdict.verdict == CONFORMS, first.verdict
    assert second.verdict.verdict == CONFORMS, second.verdict
    assert second.outcome.facts["v1.name"] == "foo/var1:0"
    assert tail.count(fake) == 2 and tail.count("garbage {{{") == 2  # print and os.write(1)


# Two replies arriving in one chunk (likely, since requests are sent ahead) must both be read at
# once: select() on a buffered stream would not see the second one and wait for the time limit.
FAKE_WORKER = """
import json, sys
print(json.dumps({"hello": {"protocol": 1, "tensorflow": "fake"}}), flush=True)
first = json.loads(sys.stdin.readline())
second = json.loads(sys.stdin.readline())
replies = [{"id": r["id"], "facts": {}, "error": None} for r in (first, second)]
sys.stdout.write("".join(json.dumps(r) + "\\n" for r in replies))
sys.stdout.flush()
sys.stdin.readline()
"""


def test_replies_arriving_together_are_both_read_without_waiting(tmp_path, monkeypatch):
    from harness import runner
    from harness.runtimes import Runtime
    fake = tmp_path / "fake_worker.py"
    fake.write_text(FAKE_WORKER)
    monkeypatch.setattr(runner, "WORKER", fake)
    first, second = load(tmp_path, ok_case("t.first"), ok_case("t.second"))
    worker = runner.Worker(Runtime("fake", sys.executable))
    worker.start()
    try:
        started = time.monotonic()
        assert worker.run(first, 30, next_case=second).problem is None
        assert worker.run(second, 30).problem is None
        assert time.monotonic() - started < 10
    finally:
        worker.kill()
