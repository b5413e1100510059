"""Running cases: one persistent worker process per runtime, replaced when it crashes or hangs.

The core of a run, used by the CLI and the pytest plugin alike: it knows nothing of either.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .cases import Case
from .compare import CRASH, ERROR, TIMEOUT, Outcome, Verdict, judge
from .errors import RuntimeSetupError
from .runtimes import SPECS, Runtime, log, provision

WORKER = Path(__file__).with_name("worker.py")
DEFAULT_TIMEOUT = 60.0
START_TIMEOUT = 300.0
STDERR_TAIL = 40


class Cancelled(Exception):
    """The run was interrupted while this case was running: it has no verdict."""


class Worker:
    """One TensorFlow process for one runtime, speaking the line protocol of `worker.py`."""

    def __init__(self, runtime: Runtime, test_steps: bool = False) -> None:
        self.runtime, self.test_steps = runtime, test_steps
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
        self.drainer: threading.Thread | None = None
        self.cancelled = False  # set by cancel(): a death from now on is ours, not the case's
        self.ahead: str | None = None  # id of a request sent ahead, not yet being waited for
        self.pending = b""

    # -- process --

    def start(self) -> dict:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1",
                   PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTHONPATH", None)  # the harness's own packages must not leak into TF's Python
        if self.test_steps:
            env["TFSCOPE_TEST_STEPS"] = "1"
        else:
            env.pop("TFSCOPE_TEST_STEPS", None)
        try:
            self.proc = subprocess.Popen(
                [self.runtime.python, "-I", str(WORKER)], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, encoding="utf-8",
                errors="replace",  # C++ code may write any bytes to stderr
                bufsize=1, start_new_session=True)
        except OSError as e:
            raise RuntimeSetupError(f"runtime {self.runtime.name}: cannot start "
                                    f"{self.runtime.python}: {e.strerror}",
                                    hint="check the interpreter path") from None
        if self.cancelled:  # cancelled while we were starting it: never leave it behind
            self.kill()
            raise Cancelled(self.runtime.name)
        self.stderr_tail.clear()
        self.pending = b""  # protocol bytes read from the pipe but not yet returned
        self.drainer = threading.Thread(target=self._drain, args=(self.proc,), daemon=True)
        self.drainer.start()
        try:
            hello = self._read(START_TIMEOUT)
        except TimeoutError:
            hello = {"fatal": f"no greeting within {START_TIMEOUT:g} s"}
        if self.cancelled:
            self.kill()
            raise Cancelled(self.runtime.name)
        if not isinstance(hello, dict) or "hello" not in hello:
            if hello is None:
                problem = self._death()
            elif isinstance(hello, dict) and "fatal" in hello:
                problem = hello["fatal"]
            else:
                problem = f"unexpected first message {str(hello)[:200]}"
            self.kill()
            raise RuntimeSetupError(
                f"runtime {self.runtime.name}: the worker did not start: {problem}",
                hint="check that this interpreter has TensorFlow 1.x (or 2.x): "
                     f"{self.runtime.python}")
        self.info = dict(hello["hello"], runtime=self.runtime.name)
        return self.info

    def _drain(self, proc: subprocess.Popen) -> None:
        for line in proc.stderr:
            self.stderr_tail.append(line.rstrip("\n"))

    def _read(self, timeout: float) -> dict | None:
        """The next protocol message, None on EOF, or raise TimeoutError."""
        assert self.proc and self.proc.stdout
        # Our own buffer over the raw pipe, never the file object's: two replies that arrive
        # together (a fast case and the one sent ahead) would otherwise sit in its buffer while
        # select() waits on an empty pipe, until the time limit.
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 65536)
            if not chunk:
                return None  # EOF, or the worker died in the middle of writing a message
            self.pending += chunk
        raw, _, self.pending = self.pending.partition(b"\n")
        line = raw.decode("utf-8", "replace")
        try:
            return json.loads(line)
        except ValueError:
            return {"garbage": line[:200]}

    def _death(self) -> str:
        """Why the process ended: its exit status and the tail of its stderr."""
        proc = self.proc
        try:
            code = proc.wait(timeout=10) if proc else None
        except subprocess.TimeoutExpired:  # closed its protocol channel but lives on
            code = None
        if proc is None:
            status = "no process"
        elif code is None:
            self.kill()
            status = "closed its output but did not exit (killed)"
        elif code < 0:
            try:
                status = f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                status = f"killed by signal {-code}"
        else:
            status = f"exited with status {code}"
        if self.drainer is not None:
            self.drainer.join(2)  # let it read the last words (the stderr of a dead process ends)
        tail = [line for line in self.stderr_tail if line.strip()][-8:]
        return status + ("; stderr: " + " | ".join(tail) if tail else "")

    def stop(self) -> None:
        proc, self.proc, self.ahead = self.proc, None, None
        if proc is None:
            return
        try:
            if proc.poll() is None and proc.stdin:
                proc.stdin.write('{"op": "quit"}\n')
                proc.stdin.flush()
                proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            pass
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                stream and stream.close()

    def kill(self) -> None:
        proc = self.proc
        if proc and proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        self.stop()

    def cancel(self) -> None:
        """Kill the worker from another thread (Ctrl-C): the case it was running gets no verdict."""
        self.cancelled = True
        proc = self.proc
        if proc and proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)

    # -- cases --

    def _send(self, case: Case) -> None:
        assert self.proc and self.proc.stdin
        self.proc.stdin.write(json.dumps(case.request(self.test_steps)) + "\n")
        self.proc.stdin.flush()

    def run(self, case: Case, timeout: float, next_case: Case | None = None) -> Outcome:
        """Run `case`. With `next_case`, its request is sent before this reply is read, so the
        worker goes straight on to it: a worker that waits for each request idles between
        cases and runs measurably slower (see benchmarks/). Its time limit still starts only
        when its own reply is awaited."""
        if self.cancelled:
            raise Cancelled(case.id)
        if self.ahead not in (None, case.id) or self.proc is None or \
                self.proc.poll() is not None:
            self.stop()  # a worker holding another case's request is out of step: replace it
            self.start()
        try:
            if self.ahead != case.id:
                self._send(case)
            self.ahead = None
            if next_case is not None:
                self._send(next_case)
                self.ahead = next_case.id
            reply = self._read(timeout)
        except TimeoutError:
            self.kill()
            return Outcome(problem=f"no result within {timeout:g} s: the worker was killed "
                           "and replaced", problem_verdict=TIMEOUT)
        except (BrokenPipeError, OSError):
            reply = None
        if reply is None:
            if self.cancelled:
                self.stop()
                raise Cancelled(case.id)
            death = self._death()
            self.stop()
            return Outcome(problem=f"the worker died: {death}", problem_verdict=CRASH)
        if not isinstance(reply, dict) or "internal" in reply or reply.get("id") != case.id \
                or not isinstance(reply.get("facts"), dict):
            # Out of step with the worker: a fresh one is safer than guessing.
            self.kill()
            problem = reply.get("internal") or reply.get("garbage") or reply \
                if isinstance(reply, dict) else reply
            return Outcome(problem=f"worker protocol error: {str(problem)[:300]}",
                           problem_verdict=ERROR)
        return Outcome(facts=reply["facts"], error=reply.get("error"),
                       seconds=reply.get("seconds", 0.0))


@dataclass
class Result:
    case: Case
    runtime: str
    outcome: Outcome
    verdict: Verdict


@dataclass
class RunResults:
    runtimes: list[str]
    info: dict[str, dict] = field(default_factory=dict)     # runtime -> hello (versions)
    results: list[Result] = field(default_factory=list)
    interrupted: bool = False

    def by_case(self) -> dict[str, dict[str, Result]]:
        out: dict[str, dict[str, Result]] = {}
        for r in self.results:
            out.setdefault(r.case.id, {})[r.runtime] = r
        return out


class Pool:
    """The workers of one run, one per runtime, started lazily and kept for the whole run."""

    def __init__(self, runtimes: Iterable[Runtime], test_steps: bool = False) -> None:
        self.workers = {rt.name: Worker(rt, test_steps) for rt in runtimes}

    def info(self, runtime: str) -> dict:
        worker = self.workers[runtime]
        if worker.proc is None:
            self._start(worker)
        return worker.info

    def _start(self, worker: Worker) -> None:
        try:
            worker.start()
        except RuntimeSetupError:
            rt = worker.runtime
            if worker.cancelled or not (rt.provisioned and rt.name in SPECS):
                raise
            # A provisioned runtime that cannot import TF is corrupt: rebuild it once.
            log(f"runtime {rt.name} looks broken; rebuilding it")
            worker.runtime = provision(SPECS[rt.name], rebuild=True)
            worker.start()

    def run(self, case: Case, runtime: str, timeout: float | None = None,
            default_timeout: float | None = None, next_case: Case | None = None) -> Result:
        """Run one case (and send `next_case` ahead, see Worker.run). Its time limit:
        `timeout` (the command line), else the case's own, else `default_timeout` (the
        configuration), else DEFAULT_TIMEOUT."""
        worker = self.workers[runtime]
        if worker.proc is None:
            self._start(worker)
        outcome = worker.run(case, timeout or case.timeout or default_timeout or DEFAULT_TIMEOUT,
                             next_case)
        return Result(case, runtime, outcome, judge(case, runtime, outcome))

    def close(self) -> None:
        for worker in self.workers.values():
            worker.stop()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_cases(cases: list[Case] | Callable[[], list[Case]], runtimes: list[Runtime],
              timeout: float | None = None, test_steps: bool = False,
              progress: Callable[[str, int, int], None] | None = None,
              default_timeout: float | None = None) -> RunResults:
    """Every case on every runtime; runtimes run side by side, one worker each.

    `cases` may be a function that loads them: it then runs while the workers import
    TensorFlow, so neither waits for the other. Time limit per case: `timeout` (the command
    line) > the case's `timeout:` > `default_timeout` (the configuration). On Ctrl-C the workers
    are stopped and the results finished so far are returned, marked `interrupted` (the cases
    cut short have no result).
    """
    results = RunResults([rt.name for rt in runtimes])
    per_runtime: dict[str, list[Result]] = {rt.name: [] for rt in runtimes}
    errors: list[BaseException] = []
    stop, loaded = threading.Event(), threading.Event()
    pool = Pool(runtimes, test_steps)
    todo: list[Case] = [] if callable(cases) else cases

    def work(name: str) -> None:
        try:
            results.info[name] = pool.info(name)
            loaded.wait()
            for i, case in enumerate(todo):
                if stop.is_set():
                    return
                following = todo[i + 1] if i + 1 < len(todo) else None
                per_runtime[name].append(pool.run(case, name, timeout, default_timeout,
                                                  following))
                if progress:
                    progress(name, i + 1, len(todo))
        except Cancelled:
            return
        except BaseException as e:  # handed to the main thread
            errors.append(e)
            stop.set()

    threads = [threading.Thread(target=work, args=(rt.name,), daemon=True) for rt in runtimes]
    try:
        for t in threads:
            t.start()
        try:
            if callable(cases):
                todo = cases()
        finally:
            loaded.set()
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except BaseException as e:
        # Ctrl-C, or the cases failed to load: stop the workers, even one still starting.
        stop.set()
        for worker in pool.workers.values():
            worker.cancel()
        for t in threads:
            t.join(5)
        if not isinstance(e, KeyboardInterrupt):
            raise
        results.interrupted = True
    finally:
        pool.close()
    if errors and not results.interrupted:
        raise errors[0]
    order = {case.id: i for i, case in enumerate(todo)}
    results.results = sorted((r for rs in per_runtime.values() for r in rs),
                             key=lambda r: (order[r.case.id], results.runtimes.index(r.runtime)))
    return results
