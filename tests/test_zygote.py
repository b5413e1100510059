"""Forked workers (harness/zygote.py) on real TF 1.15: with several workers, a runtime imports
TensorFlow once, in its zygote, and every worker is forked from it; a crash still costs one
case, its status still reaches the verdict, a replacement is forked rather than imported; a
zygote that dies is started again; nothing is left behind."""

from __future__ import annotations

import os
import signal
import threading
import time

from harness import results as resultlib
from harness import runner
from harness.compare import CONFORMS, CRASH, GOOD

from .test_faults import fault_case, load, ok_case, verdicts


def test_workers_of_a_runtime_are_forks_of_one_zygote(tf115, tmp_path, monkeypatch, ours):
    monkeypatch.setattr(runner.Scheduler, "start_cost", lambda self, name: 0.0)
    cases = load(tmp_path, *[ok_case(f"t.ok{i}") for i in range(12)])
    seen: list[tuple[set[int], set[int]]] = []

    def look(runtime: str, done: int, total: int) -> None:
        seen.append((ours.zygotes(), ours.workers()))

    one = runner.run_cases(cases, [tf115], jobs=1)
    two = runner.run_cases(cases, [tf115], jobs=2, progress=look)
    assert resultlib.to_json(two) == resultlib.to_json(one)
    zygotes = set().union(*(z for z, _ in seen))
    workers = set().union(*(w for _, w in seen))
    assert len(zygotes) == 1, seen  # TF imported once
    assert len(workers) == 2, seen
    (zygote,) = zygotes
    for pid in workers:  # while they ran, each was the zygote's child
        assert any(pid in w for _, w in seen)
    assert not ours.all()
    assert zygote not in workers


def test_a_forked_worker_that_crashes_costs_one_case_and_is_forked_again(tf115, tmp_path, ours):
    cases = load(tmp_path, ok_case("t.before"),
                 fault_case("t.crash", "print: last words", "crash: {how: segfault}"),
                 ok_case("t.after"), fault_case("t.exit", "crash: {how: exit}"),
                 ok_case("t.last"))
    zygotes: list[set[int]] = []
    run = runner.run_cases(cases, [tf115], test_steps=True, jobs=2,
                           progress=lambda *_: zygotes.append(ours.zygotes()))
    assert verdicts(run) == {"t.before": CONFORMS, "t.crash": CRASH, "t.after": CONFORMS,
                             "t.exit": CRASH, "t.last": CONFORMS}
    crash, exit_ = run.results[1].verdict.reason, run.results[3].verdict.reason
    assert "killed by signal SIGSEGV" in crash and "last words" in crash, crash
    assert "exited with status 3" in exit_, exit_  # the status, as the zygote saw it
    assert len(set().union(*zygotes)) == 1, zygotes  # replacements forked, not imported
    assert not ours.all()


def test_a_killed_zygote_takes_its_workers_and_is_started_again(tf115, tmp_path, ours):
    cases = load(tmp_path, fault_case("t.victim", "print: victim running", "sleep: 600"),
                 *[ok_case(f"t.ok{i}") for i in range(4)])
    killed: list[int] = []

    def kill() -> None:
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            found = ours.zygotes()
            if found and ours.workers():
                time.sleep(1.0)  # the victim is asleep in its case
                for pid in found:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            time.sleep(0.05)
    threading.Thread(target=kill, daemon=True).start()
    started = time.monotonic()
    run = runner.run_cases(cases, [tf115], test_steps=True, jobs=2)
    assert killed, "the zygote was never killed"
    assert time.monotonic() - started < 300, "waited for the victim instead of moving on"
    got = verdicts(run)
    assert got.pop("t.victim") == CRASH
    # Its status was never reported (its parent was the zygote): the verdict says what is
    # known, not a made-up signal.
    reason = run.results[0].verdict.reason
    assert "zygote" in reason and "died" in reason and "signal" not in reason, reason
    assert all(v in GOOD for v in got.values()), got
    assert not ours.all()


def test_tfscope_fork_0_starts_each_worker_on_its_own(tf115, tmp_path, monkeypatch, ours):
    monkeypatch.setenv("TFSCOPE_FORK", "0")
    monkeypatch.setattr(runner.Scheduler, "start_cost", lambda self, name: 0.0)
    cases = load(tmp_path, *[ok_case(f"t.ok{i}") for i in range(8)])
    seen: list[set[int]] = []
    run = runner.run_cases(cases, [tf115], jobs=2,
                           progress=lambda *_: seen.append(ours.zygotes()))
    assert all(r.verdict.verdict == CONFORMS for r in run.results)
    assert not set().union(*seen)
