"""A worker never outlives its run: whatever ends the harness (SIGKILL, SIGTERM, SIGHUP, a
parent stopped with SIGSTOP), the worker notices and exits within seconds, and a case that runs
past its time limit is ended by the worker itself. Real processes, real TF 1.15."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness.runner import WORKER

from .conftest import ROOT
from .procs import tf_processes_of, workers_of, zygotes_of

SLEEPER = textwrap.dedent("""\
    title: sleeper
    source: {doc: tests, quote: sleeper}
    id: t.sleeper
    program:
      - sleep: 120
    expect:
      graph.ops: []
    """)


def alive(pid: int) -> bool:
    """Running and not a zombie (a zombie has exited; only its parent has not reaped it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def in_sleep_step(pid: int) -> bool:
    """The worker's main thread sleeps in the test step `sleep` (time.sleep is a select()),
    rather than waiting for a request (a futex) or importing TensorFlow (running)."""
    try:
        wchan = Path(f"/proc/{pid}/task/{pid}/wchan").read_text()
    except OSError:
        return False
    return any(word in wchan for word in ("poll", "select", "nanosleep"))


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.1)


def start_run(tmp_path: Path, *options: str) -> tuple[subprocess.Popen, int]:
    """`tfscope run` on a case that sleeps; returns it and its worker once TF is imported and the
    case is running."""
    (tmp_path / "sleeper.yaml").write_text(SLEEPER)
    env = dict(os.environ, TFSCOPE_TEST_STEPS="1", PYTHONPATH=str(ROOT))
    run = subprocess.Popen([sys.executable, "-m", "harness", "run", "--runtime", "tf1.15",
                            *options, "sleeper.yaml"], cwd=tmp_path, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found: list[int] = []

    streak = [0]

    def started() -> bool:
        # Steadily in select() for 0.6 s: the sleep step, not a brief poll inside TF's import.
        found[:] = sorted(workers_of(run.pid))
        streak[0] = streak[0] + 1 if found and in_sleep_step(found[0]) else 0
        return streak[0] >= 6
    wait_for(started, 120, "the worker runs the sleeping case")
    assert alive(found[0])
    return run, found[0]


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["one-worker", "forked"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP],
                         ids=lambda s: s.name)
def test_the_worker_dies_with_tfscope(tf115, tmp_path, sig, jobs):
    # -j 2: the worker is forked from the runtime's zygote, which must go too.
    run, worker = start_run(tmp_path, "-j", jobs)
    zygotes = zygotes_of(run.pid)
    assert len(zygotes) == (1 if jobs == "2" else 0)
    run.send_signal(sig)
    run.wait(30)
    wait_for(lambda: not alive(worker), 5, f"worker {worker} gone after {sig.name} of tfscope")
    wait_for(lambda: not any(alive(z) for z in zygotes), 5, "the zygote gone too")


QUICK = textwrap.dedent("""\
    title: quick
    source: {doc: tests, quote: quick}
    id: t.quick
    program:
      - get_variable: {name: w, shape: [1], as: w}
    expect:
      w.name: w:0
    """)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_sigterm_stops_tfscope_as_ctrl_c_does_and_keeps_the_results_so_far(tf115, tmp_path,
                                                                           sig):
    # A cancelled CI job, a closed terminal: tfscope used to end on the spot, with no word and
    # nothing written (the quick case's result lost), its temporary folders left behind.
    (tmp_path / "a_quick.yaml").write_text(QUICK)
    (tmp_path / "sleeper.yaml").write_text(SLEEPER)
    env = dict(os.environ, TFSCOPE_TEST_STEPS="1", PYTHONPATH=str(ROOT))
    run = subprocess.Popen([sys.executable, "-m", "harness", "run", "--runtime", "tf1.15",
                            "-j", "1", "--json", "out.json", "a_quick.yaml", "sleeper.yaml"],
                           cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        streak = [0]

        def sleeping() -> bool:  # the quick case is done: the sleeper runs
            found = sorted(workers_of(run.pid))
            streak[0] = streak[0] + 1 if found and in_sleep_step(found[0]) else 0
            return streak[0] >= 6
        wait_for(sleeping, 120, "the worker runs the sleeping case")
        worker = sorted(workers_of(run.pid))[0]
        run.send_signal(sig)
        _, stderr = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 130, stderr
    assert "tfscope: interrupted" in stderr
    wait_for(lambda: not alive(worker), 5, f"worker {worker} gone after {sig.name}")
    results = json.loads((tmp_path / "out.json").read_text())["results"]
    assert [(r["id"], r["verdict"]) for r in results] == [("t.quick", "conforms")]


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["one-worker", "zygote"])
def test_the_worker_dies_with_tfscope_killed_while_it_imports_tf(tf115, tmp_path, jobs):
    (tmp_path / "sleeper.yaml").write_text(SLEEPER)
    env = dict(os.environ, TFSCOPE_TEST_STEPS="1", PYTHONPATH=str(ROOT))
    run = subprocess.Popen([sys.executable, "-m", "harness", "run", "--runtime", "tf1.15",
                            "-j", jobs, "sleeper.yaml"], cwd=tmp_path, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found: list[int] = []  # with -j 2, the zygote importing TF
    wait_for(lambda: bool(found.extend(sorted(tf_processes_of(run.pid))) or found), 60,
             "a worker starts")
    run.kill()
    run.wait(30)
    wait_for(lambda: not alive(found[0]), 5, "the worker gone after SIGKILL during its start")


def test_a_stopped_tfscope_does_not_keep_its_worker_running(tf115, tmp_path):
    """SIGSTOP the harness: its worker ends the case itself once the time limit (4 s) and the
    grace (5 s) are past, rather than running it forever."""
    run, worker = start_run(tmp_path, "--timeout", "4")
    run.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: not alive(worker), 25, "the worker ends its overlong case")
    finally:
        run.send_signal(signal.SIGCONT)
        run.wait(30)
    assert run.returncode == 1  # the case's verdict: timeout


def start_worker(python: str, stdin=subprocess.PIPE) -> subprocess.Popen:
    env = dict(os.environ, TFSCOPE_TEST_STEPS="1")
    return subprocess.Popen([python, "-I", str(WORKER)], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, text=True)


def sleep_request(seconds: float, timeout: float) -> str:
    return json.dumps({"op": "run", "id": "t.sleep", "test_steps": True, "timeout": timeout,
                       "program": [{"kind": "sleep", "args": {"seconds": seconds},
                                    "path": "program[0]", "line": 1}]}) + "\n"


def test_the_worker_enforces_the_time_limit_of_a_request(tf115):
    worker = start_worker(tf115.python)
    try:
        assert "hello" in json.loads(worker.stdout.readline())
        started = time.monotonic()
        worker.stdin.write(sleep_request(60, 1))
        worker.stdin.flush()
        reply = json.loads(worker.stdout.readline())
        assert reply == {"id": "t.sleep", "timeout": 1}
        assert worker.wait(5) == 71
        assert time.monotonic() - started < 15
    finally:
        worker.kill()
        worker.wait()


HOLDER = textwrap.dedent("""\
    import subprocess, sys
    # The worker's input pipe is also held by a grandchild that lives on: no end of input
    # reaches the worker when this process dies, only the death of its parent.
    w = subprocess.Popen([sys.argv[1], "-I", sys.argv[2]], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    keeper = subprocess.Popen(["sleep", "60"], pass_fds=[w.stdin.fileno()])
    print(w.pid, keeper.pid, flush=True)
    w.stdin.write(b"\\n"); w.stdin.flush()
    sys.stdin.read()
""")


def test_the_worker_notices_its_parents_death_when_its_input_stays_open(tf115):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, tf115.python, str(WORKER)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    worker, keeper = map(int, holder.stdout.readline().split())
    try:
        time.sleep(1)
        assert alive(worker)
        holder.kill()
        holder.wait()
        wait_for(lambda: not alive(worker), 5, "the orphaned worker exits")
    finally:
        for pid in (worker, keeper):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
