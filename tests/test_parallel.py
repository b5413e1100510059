"""Several workers per run (`-j`): the same results in the same order and bytes as one worker,
whichever worker ran a case; workers started only when they pay; runtimes sharing the slots."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import cases as caselib
from harness import costs, runner
from harness import results as resultlib
from harness.cli import main

ROOT = Path(__file__).resolve().parent.parent
SUBSET = [ROOT / "cases" / "tf-tests", ROOT / "cases" / "examples"]


@pytest.fixture
def starts(monkeypatch) -> list[str]:
    """The runtime of every worker process started, in order."""
    seen: list[str] = []
    original = runner.Worker.start

    def start(self):
        seen.append(self.runtime.name)
        return original(self)
    monkeypatch.setattr(runner.Worker, "start", start)
    return seen


def subset() -> list[caselib.Case]:
    cases, errors = caselib.load(SUBSET)
    assert cases and not errors
    return cases


def test_several_workers_give_the_bytes_of_one(tf115, starts, monkeypatch):
    # Starting a worker is made to look free, so that every slot gets one even for these few
    # cases (a real run starts one only when the work left outweighs TF's import).
    monkeypatch.setattr(runner.Scheduler, "start_cost", lambda self, name: 0.0)
    cases = subset()
    one = runner.run_cases(cases, [tf115], jobs=1)
    assert starts == ["tf1.15"]
    starts.clear()
    three = runner.run_cases(cases, [tf115], jobs=3)
    assert starts.count("tf1.15") >= 2, starts  # the work was shared ...
    assert resultlib.to_json(three) == resultlib.to_json(one)  # ... and did not show
    assert [r.case.id for r in three.results] == [c.id for c in cases]


def test_runtimes_share_the_slots_and_keep_their_order(pytestconfig, tf115, starts):
    from tests.conftest import provision
    tf2 = provision(pytestconfig, "tf2")
    cases = subset()[:40]
    one = runner.run_cases(cases, [tf115, tf2], jobs=1)
    starts.clear()
    two = runner.run_cases(cases, [tf115, tf2], jobs=2)
    assert sorted(set(starts)) == ["tf1.15", "tf2"]
    assert resultlib.to_json(two) == resultlib.to_json(one)
    assert [(r.case.id, r.runtime) for r in two.results] == \
        [(c.id, rt) for c in cases for rt in ("tf1.15", "tf2")]
    assert set(two.info) == {"tf1.15", "tf2"}


def test_a_second_worker_is_not_started_for_one_small_case(tf115, starts):
    (case,) = [c for c in subset() if c.id.startswith("examples.")][:1]
    run = runner.run_cases([case], [tf115], jobs=2)
    assert starts == ["tf1.15"]  # another TF import would cost more than the case
    assert [r.verdict.verdict for r in run.results] in (["conforms"], ["deviates"])


def test_a_runtime_with_no_case_still_says_what_it_is(tf115, starts):
    run = runner.run_cases([], [tf115], jobs=4)
    assert starts == ["tf1.15"] and run.info["tf1.15"]["tensorflow"].startswith("1.15")


def test_the_estimate_counts_repeated_bodies():
    program = [{"kind": "variable_scope", "do": [
        {"kind": "repeat", "args": {"count": 10}, "do": [{"kind": "get_variable"}]}]}]
    assert costs.steps(program) == 1 + 1 + 10
    assert costs.import_seconds("2.21.0") > costs.import_seconds("1.15.5")


def test_jobs_must_be_a_positive_number(capsys):
    assert main(["run", "-j", "0"]) == 2
    assert "expected a number of workers" in capsys.readouterr().err
    assert main(["run", "-j", "99999"]) == 2  # was "cannot join thread before it is started"
    assert "expected a number of workers from 1 to 256, not `99999`" in capsys.readouterr().err


def test_closing_a_pool_asks_every_worker_to_quit_before_waiting_for_any(tf115):
    # One after the other, a run's end waited for each worker's exit in turn.
    pool = runner.Pool([tf115], jobs=3)
    events: list[tuple[str, int]] = []
    workers = [runner.Worker(tf115) for _ in range(3)]
    pool.crews[tf115.name] = workers

    class Stdin:
        def __init__(self, n: int) -> None:
            self.n = n

        def write(self, text: str) -> None:
            assert text == '{"op": "quit"}\n'
            events.append(("quit", self.n))

        def flush(self) -> None: ...

        def close(self) -> None: ...

    class Proc:
        def __init__(self, n: int) -> None:
            self.n, self.pid, self.stdin, self.stdout, self.stderr = n, 0, Stdin(n), None, None

        def poll(self) -> int | None:
            return 0 if ("wait", self.n) in events else None

        def wait(self, timeout: float | None = None) -> int:
            events.append(("wait", self.n))
            return 0

    for n, worker in enumerate(workers):
        worker.proc = Proc(n)  # type: ignore[assignment]
    pool.close()
    assert [e for e, _ in events] == ["quit"] * 3 + ["wait"] * 3, events
    assert all(w.proc is None for w in workers)
