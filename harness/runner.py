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
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .cases import Case
from .compare import CRASH, ERROR, MEMORY, TIMEOUT, Outcome, Verdict, judge
from .costs import case_seconds, import_seconds
from .errors import RuntimeSetupError
from .runtimes import SPECS, Runtime, log, provision, shown_broken
from .zygote import Zygote
from .zygote import supported as forking_supported

WORKER = Path(__file__).with_name("worker.py")
DEFAULT_TIMEOUT = 60.0
START_FLOOR = 60.0
STDERR_TAIL = 40
STDERR_LINE = 2000  # characters of one stderr line kept: a tf.print of a big tensor is one line


def drain(stream: typing.TextIO, tail: collections.deque[str]) -> None:
    """A worker's stderr, to its end, into `tail`: each line cut to STDERR_LINE characters
    (its rest read and dropped, never held whole)."""
    cut = False
    while True:
        part = stream.readline(STDERR_LINE)
        if not part:
            return
        if not cut:
            text = part.rstrip("\n")
            tail.append(text if part.endswith("\n") else text + " …")
        cut = not part.endswith("\n")
MiB = 1 << 20
# What a worker's stderr says when an allocation failed (C++ or Python), for the `memory` verdict.
OUT_OF_MEMORY = ("bad_alloc", "MemoryError", "Cannot allocate memory", "OOM when allocating")


@dataclass(frozen=True)
class Limits:
    """The bounds of a run (docs/reliability.md, "Memory and time bounds"); set in
    `[tool.tfscope]` (see config.py) or by the environment."""
    # How long a worker may take to start (import TF): None = the run's time limit, but at
    # least START_FLOOR (TensorFlow's import alone takes seconds, more on a busy machine).
    start_timeout: float | None = None
    # The worker's address space (RLIMIT_AS), bytes; 0 = none.
    worker_memory: int = 8192 * MiB
    # The longest protocol line (one result) the harness reads, bytes.
    max_reply: int = 64 * MiB
    # Values with more elements are recorded as shape, dtype, prefix and digest.
    max_value: int = 10_000


class Cancelled(Exception):
    """The run was interrupted while this case was running: it has no verdict."""


class ReplyTooLong(Exception):
    """The worker wrote a protocol line longer than `Limits.max_reply`."""


class WorkerStartTimeout(RuntimeSetupError):
    """The worker did not greet in time: slow, not broken (never a reason to rebuild)."""


class Worker:
    """One TensorFlow process for one runtime, speaking the line protocol of `worker.py`."""

    def __init__(self, runtime: Runtime, test_steps: bool = False,
                 limits: Limits | None = None, start_timeout: float = DEFAULT_TIMEOUT) -> None:
        self.runtime, self.test_steps = runtime, test_steps
        self.limits = limits or Limits()
        self.start_timeout = self.limits.start_timeout or max(start_timeout, START_FLOOR)
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
        self.drainer: threading.Thread | None = None
        self.cancelled = False  # set by cancel(): a death from now on is ours, not the case's
        self.ahead: str | None = None  # id of a request sent ahead, not yet being waited for
        self.quitting = False  # the quit request is sent (ask_to_quit)
        self.pending = b""  # protocol bytes read but not yet parsed (see _read)
        # The runtime's zygote, when workers are forked (set by the Pool): a callable that
        # starts it on first use.
        self.zygote: Callable[[], Zygote | None] | None = None

    # -- process --

    def start(self) -> dict:
        """Start the process and read its hello. With a `zygote` (a callable giving the
        runtime's started Zygote), the worker is forked from it, TF already imported; a zygote
        that cannot fork is replaced by a worker started on its own."""
        return self.boot()

    def boot(self, stdin: int = subprocess.PIPE, argv: tuple[str, ...] = ()) -> dict:
        """`start`, with the zygote's own `stdin` and `argv` (zygote.py)."""
        zygote = self.zygote() if self.zygote is not None else None
        if zygote is not None and zygote.runtime is self.runtime:
            try:
                self.proc = zygote.fork()
            except RuntimeSetupError as e:
                log(f"{e}; starting a worker on its own")
                self.proc = self._launch(stdin, argv)
        else:
            self.proc = self._launch(stdin, argv)
        if self.cancelled:  # cancelled while we were starting it: never leave it behind
            self.kill()
            raise Cancelled(self.runtime.name)
        self.stderr_tail.clear()
        self.pending = b""
        self.drainer = threading.Thread(target=self._drain, args=(self.proc,), daemon=True)
        self.drainer.start()
        try:
            hello = self._read(self.start_timeout)
        except TimeoutError:
            self.kill()
            raise WorkerStartTimeout(
                f"runtime {self.runtime.name}: the worker did not start within "
                f"{self.start_timeout:g} s (TensorFlow's import is slow, or the machine busy)",
                hint="give it longer: --timeout SECONDS, or `start_timeout` in [tool.tfscope]"
            ) from None
        except ReplyTooLong as e:
            hello = {"fatal": str(e)}
        if self.cancelled:
            self.kill()
            raise Cancelled(self.runtime.name)
        said = hello.get("hello") if isinstance(hello, dict) else None
        if not isinstance(said, dict) or not isinstance(said.get("tensorflow"), str):
            # Not worker.py's hello (an interpreter given as NAME=PYTHON that is no Python, or
            # prints something else first): never taken apart as one.
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

    def _launch(self, stdin: int, argv: tuple[str, ...]) -> subprocess.Popen:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1",
                   PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTHONPATH", None)  # the harness's own packages must not leak into TF's Python
        env["TFSCOPE_WORKER_MEMORY"] = str(self.limits.worker_memory)
        if self.test_steps:
            env["TFSCOPE_TEST_STEPS"] = "1"
        else:
            env.pop("TFSCOPE_TEST_STEPS", None)
        try:
            return subprocess.Popen(
                [self.runtime.python, "-I", str(WORKER), *argv], stdin=stdin,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, encoding="utf-8",
                errors="replace",  # C++ code may write any bytes to stderr
                bufsize=1, start_new_session=True)
        except OSError as e:
            raise RuntimeSetupError(f"runtime {self.runtime.name}: cannot start "
                                    f"{self.runtime.python}: {e.strerror}",
                                    hint="check the interpreter path") from None

    def _drain(self, proc: subprocess.Popen) -> None:
        drain(proc.stderr, self.stderr_tail)

    def _read(self, timeout: float) -> dict | None:
        """The next protocol message, None on EOF, or raise TimeoutError.

        Reads the raw descriptor into our own buffer: select() on the buffered stream would miss
        a second reply already read into Python's buffer (two replies often arrive together,
        since requests are sent ahead) and wait for the time limit.
        """
        assert self.proc and self.proc.stdout
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            if len(self.pending) > self.limits.max_reply:
                # Never buffer without bound: the caller kills this worker.
                size, self.pending = len(self.pending), b""
                raise ReplyTooLong(f"a reply of more than {size // MiB} MiB (the limit is "
                                   f"max_reply_mib = {self.limits.max_reply // MiB})")
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(left, 0))
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return None  # EOF, or the worker died in the middle of writing a message
            self.pending += chunk
        raw, self.pending = self.pending.split(b"\n", 1)
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
        elif getattr(proc, "orphaned", False):  # forked (zygote.py), and its zygote died first
            status = ("the process it was forked from (its runtime's zygote, which imported "
                      "TensorFlow) died, and it ended with it")
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

    def ask_to_quit(self) -> None:
        """Send the quit request without waiting (stop() then waits): a pool's workers end
        side by side, not one after the other."""
        proc = self.proc
        if proc is None or self.quitting:
            return
        self.quitting = True
        with contextlib.suppress(OSError, ValueError):
            if proc.poll() is None and proc.stdin:
                proc.stdin.write('{"op": "quit"}\n')
                proc.stdin.flush()

    def stop(self) -> None:
        self.ask_to_quit()
        proc, self.proc, self.ahead, self.quitting = self.proc, None, None, False
        if proc is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
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

    def _memory_note(self) -> str:
        limit = self.limits.worker_memory
        return f" (the worker's limit is {limit // MiB} MiB of address space: worker_memory_mib " \
            "in [tool.tfscope])" if limit else ""

    # -- cases --

    def _send(self, case: Case, timeout: float) -> None:
        assert self.proc and self.proc.stdin
        request = dict(case.request(self.test_steps), timeout=timeout,
                       max_value=self.limits.max_value, claims=value_claims(case))
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()

    def run(self, case: Case, timeout: float, next_case: Case | None = None,
            next_timeout: float | None = None) -> Outcome:
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
                self._send(case, timeout)
            self.ahead = None
            if next_case is not None:
                self._send(next_case, next_timeout or timeout)
                self.ahead = next_case.id
            reply = self._read(timeout)
        except TimeoutError:
            self.kill()
            return Outcome(problem=f"no result within {timeout:g} s: the worker was killed "
                           "and replaced", problem_verdict=TIMEOUT)
        except ReplyTooLong as e:
            self.kill()
            return Outcome(problem=f"the worker's result is too large: {e}; the worker was "
                           "replaced", problem_verdict=ERROR)
        except (BrokenPipeError, OSError):
            reply = None
        if reply is None:
            if self.cancelled:
                self.stop()
                raise Cancelled(case.id)
            death = self._death()
            self.stop()
            if any(sign in death for sign in OUT_OF_MEMORY):
                return Outcome(problem=f"out of memory: the worker died: {death}"
                               f"{self._memory_note()}", problem_verdict=MEMORY)
            return Outcome(problem=f"the worker died: {death}", problem_verdict=CRASH)
        if isinstance(reply, dict) and reply.get("id") == case.id and "memory" in reply:
            self.kill()  # it exits by itself; a fresh one runs the next case
            return Outcome(problem=f"out of memory: {reply['memory']}{self._memory_note()}; "
                           "the worker was replaced", problem_verdict=MEMORY)
        if isinstance(reply, dict) and reply.get("id") == case.id and "timeout" in reply:
            self.kill()
            return Outcome(problem=f"no result within {timeout:g} s: the worker ended the case "
                           "itself and was replaced", problem_verdict=TIMEOUT)
        if not isinstance(reply, dict) or "internal" in reply or reply.get("id") != case.id \
                or not isinstance(reply.get("facts"), dict):
            # Out of step with the worker: a fresh one is safer than guessing.
            self.kill()
            problem = reply.get("internal") or reply.get("garbage") or reply \
                if isinstance(reply, dict) else reply
            return Outcome(problem=f"worker protocol error: {str(problem)[:300]}",
                           problem_verdict=ERROR)
        refused = reply.get("refused")
        return Outcome(facts=reply["facts"], error=reply.get("error"),
                       refused=[str(r) for r in refused] if isinstance(refused, list) else [],
                       seconds=reply.get("seconds", 0.0))


def value_claims(case: Case) -> dict[str, list[object]]:
    """What the case (its `expect` and deviations) says of each value it asks for: a worker
    that records a value only in summary decides these itself (facts.py, "large values")."""
    out: dict[str, list[object]] = {}
    for label in case.value_labels():
        fact = label + ".value"
        for claims in [case.expect, *(d.observed for d in case.deviations)]:
            if fact in claims and claims[fact] not in out.get(fact, []):
                out.setdefault(fact, []).append(claims[fact])
    return out


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
    unavailable: dict[str, str] = field(default_factory=dict)  # asked for, cannot be here: why

    def by_case(self) -> dict[str, dict[str, Result]]:
        out: dict[str, dict[str, Result]] = {}
        for r in self.results:
            out.setdefault(r.case.id, {})[r.runtime] = r
        return out


class Pool:
    """The workers of a run: per runtime, one or more, started lazily and kept until closed.

    `run` runs one case on a runtime's first worker; `run_all` runs many cases on many runtimes
    through up to `jobs` workers at once (see Scheduler): the results do not depend on which
    worker ran a case, since each case runs in a fresh graph.
    """

    def __init__(self, runtimes: Iterable[Runtime], test_steps: bool = False,
                 jobs: int = 1, limits: Limits | None = None,
                 timeout: float | None = None) -> None:
        """`timeout`: the run's time limit (the command line's or the configuration's), which is
        also how long a worker may take to start unless `limits.start_timeout` says otherwise."""
        self.test_steps, self.jobs = test_steps, max(1, jobs)
        self.limits = limits or Limits()
        self.start_limit = timeout or DEFAULT_TIMEOUT
        self.crews: dict[str, list[Worker]] = {
            rt.name: [Worker(rt, test_steps, self.limits, self.start_limit)] for rt in runtimes}
        self.lock = threading.Lock()
        self.cancelled = False
        self.start_seconds: dict[str, float] = {}  # runtime -> what a start really took
        self.partial: dict[str, list[Result]] = {}  # run_all's results when it was cut short
        # With several workers, each runtime's are forked from one zygote (zygote.py): TF's
        # import is paid once per runtime, not once per worker.
        self.forking = self.jobs > 1 and forking_supported()
        self.zygotes: dict[str, Zygote] = {}
        self.zygote_locks: dict[str, threading.Lock] = {rt.name: threading.Lock()
                                                        for rt in runtimes}
        self.fork_seconds: dict[str, float] = {}
        for crew in self.crews.values():
            self._attach(crew[0])

    def _attach(self, worker: Worker) -> None:
        if self.forking:
            worker.zygote = lambda: self._zygote(worker.runtime)

    def _zygote(self, runtime: Runtime) -> Zygote | None:
        """The runtime's zygote, started on first use (or again, if it died)."""
        with self.zygote_locks[runtime.name]:
            zygote = self.zygotes.get(runtime.name)
            if zygote is not None and zygote.alive and zygote.runtime is runtime:
                return zygote
            if zygote is not None:
                zygote.kill()
            if self.cancelled:
                raise Cancelled(runtime.name)
            zygote = Zygote(Worker(runtime, self.test_steps, self.limits, self.start_limit))
            self.zygotes[runtime.name] = zygote
            zygote.start()
            return zygote

    @property
    def workers(self) -> dict[str, Worker]:
        """Each runtime's first worker (the one `run` and `info` use)."""
        return {name: crew[0] for name, crew in self.crews.items()}

    def info(self, runtime: str) -> dict:
        worker = self.crews[runtime][0]
        if worker.proc is None:
            self._start(worker)
        return worker.info

    def _start(self, worker: Worker) -> None:
        """Start a worker. One that does not start is started again; its runtime is rebuilt
        (once) only when the runtime's own check fails twice the same way
        (runtimes.shown_broken), never because a start was slow or interrupted."""
        started = time.monotonic()
        try:
            worker.start()
        except WorkerStartTimeout:
            raise
        except RuntimeSetupError as e:
            rt = worker.runtime
            with self.lock:
                rebuilt = any(w.runtime is not rt for w in self.crews[rt.name])
                # Another worker of it runs: the runtime works, and is not ours to rebuild.
                running = any(w is not worker and w.proc is not None and w.proc.poll() is None
                              for w in self.crews[rt.name])
            if worker.cancelled or running or not (rt.provisioned and rt.name in SPECS):
                raise
            why = None if rebuilt else shown_broken(SPECS[rt.name])
            if why is None and not rebuilt:
                log(f"runtime {rt.name}: the worker did not start ({e}); its check passes, "
                    "so it is started again, not rebuilt")
            elif why is not None:
                log(f"runtime {rt.name} is broken: {why}; rebuilding it")
                new = provision(SPECS[rt.name], rebuild=True)
                with self.lock:
                    for other in self.crews[rt.name]:
                        other.runtime = new
            worker.runtime = self.crews[rt.name][0].runtime
            worker.start()
        seconds = time.monotonic() - started
        if worker.runtime.name in self.start_seconds and self.forking:
            self.fork_seconds[worker.runtime.name] = seconds  # a start after the zygote's
        self.start_seconds.setdefault(worker.runtime.name, seconds)

    def spare(self, runtime: str) -> Worker:
        """A worker of `runtime` for a scheduler slot: a new one (not started yet)."""
        with self.lock:
            crew = self.crews[runtime]
            worker = Worker(crew[0].runtime, self.test_steps, self.limits, self.start_limit)
            worker.cancelled = self.cancelled
            self._attach(worker)
            crew.append(worker)
            return worker

    def run(self, case: Case, runtime: str, timeout: float | None = None,
            default_timeout: float | None = None, next_case: Case | None = None) -> Result:
        """Run one case (and send `next_case` ahead, see Worker.run). Its time limit:
        `timeout` (the command line), else the case's own, else `default_timeout` (the
        configuration), else DEFAULT_TIMEOUT."""
        return self.run_on(self.crews[runtime][0], case, timeout, default_timeout, next_case)

    def run_on(self, worker: Worker, case: Case, timeout: float | None = None,
               default_timeout: float | None = None, next_case: Case | None = None) -> Result:
        if worker.proc is None:
            self._start(worker)

        def limit(c: Case) -> float:
            return timeout or c.timeout or default_timeout or DEFAULT_TIMEOUT
        outcome = worker.run(case, limit(case), next_case,
                             limit(next_case) if next_case is not None else None)
        runtime = worker.runtime.name
        return Result(case, runtime, outcome, judge(case, runtime, outcome, self.version(runtime)))

    def run_all(self, todo: dict[str, list[Case]] | Callable[[], dict[str, list[Case]]],
                timeout: float | None = None, default_timeout: float | None = None,
                progress: Callable[[str, int, int], None] | None = None,
                on_start: Callable[[str, dict], None] | None = None,
                on_result: Callable[[Result], None] | None = None,
                longest_first: bool | None = None) -> dict[str, list[Result]]:
        """Run each runtime's cases (`todo`: runtime -> cases, or a function that loads them
        while the first workers import TensorFlow) on up to `jobs` workers at once; every
        runtime's first worker is started even when it has no case (its hello is the run's
        information). Results per runtime, in the order of its cases. `on_start(runtime, hello)`
        is called when a runtime's first worker is up, `on_result` with each result as it
        arrives. The longest cases go first when several workers may share a runtime (unless
        `longest_first` says otherwise: a caller waiting for the results in order wants them in
        order). Ctrl-C (or an error) in the calling thread cancels the workers; the results so
        far are then in `self.partial`."""
        scheduler = Scheduler(self, timeout, default_timeout, progress, on_start)
        scheduler.on_result = on_result
        scheduler.longest_first = self.jobs > 1 if longest_first is None else longest_first
        return scheduler.run(todo)

    def version(self, runtime: str) -> str:
        """The runtime's TensorFlow version, for deviations given as version ranges: the spec's
        for a built-in runtime, else what its worker said in its hello."""
        worker = self.crews[runtime][0]
        return worker.runtime.tensorflow or str(
            next((w.info.get("tensorflow") for w in self.crews[runtime] if w.info), ""))

    def cancel(self) -> None:
        """Kill every worker from another thread (Ctrl-C); workers made later start cancelled."""
        with self.lock:
            self.cancelled = True
            workers = [w for crew in self.crews.values() for w in crew]
            # A zygote still importing TF is killed; a started one is closed by close(), after
            # it has reaped the workers killed here (killed with them, they would be left as
            # zombies for init, which in a container may never reap them).
            workers += [z.worker for z in self.zygotes.values() if z.control is None]
        for worker in workers:
            worker.cancel()

    def close(self) -> None:
        for crew in self.crews.values():
            for worker in crew:
                worker.ask_to_quit()
        for crew in self.crews.values():
            for worker in crew:
                worker.stop()
        for zygote in self.zygotes.values():
            zygote.stop()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Scheduler:
    """Slots (threads, at most the pool's `jobs`) that take a runtime's worker and feed it that
    runtime's cases, longest first, until none is left; then take another runtime.

    A slot starts a worker only when it pays: the first of each runtime always (its cases need
    it, and its hello is the run's information), another one for a runtime with W seconds of
    work left on w workers only when W > w * (the runtime's start time), i.e. when the added
    worker finishes the runtime sooner even after paying TensorFlow's import ((W + I) / (w + 1)
    < W / w). Work left is estimated from the cases (costs.py) and corrected by the seconds the
    runtime's cases really took so far.
    """

    def __init__(self, pool: Pool, timeout: float | None, default_timeout: float | None,
                 progress: Callable[[str, int, int], None] | None,
                 on_start: Callable[[str, dict], None] | None) -> None:
        self.pool, self.timeout, self.default_timeout = pool, timeout, default_timeout
        self.progress, self.on_start = progress, on_start
        self.on_result: Callable[[Result], None] | None = None
        self.longest_first = pool.jobs > 1
        self.lock = threading.Condition()
        self.loaded = False
        self.queues: dict[str, collections.deque[tuple[int, Case, float]]] = {}
        self.left: dict[str, float] = {}       # estimated seconds not yet handed out
        self.done: dict[str, list[tuple[int, Result]]] = {name: [] for name in pool.crews}
        self.totals: dict[str, int] = {}
        self.engaged: dict[str, int] = {name: 0 for name in pool.crews}
        # Started workers other than the first (kept from an earlier run_all) are idle.
        self.idle: dict[str, list[Worker]] = {name: [w for w in crew[1:] if w.proc is not None]
                                              for name, crew in pool.crews.items()}
        self.begun: set[str] = set()           # runtimes whose first worker a slot has taken
        self.estimated: dict[str, float] = {name: 0.0 for name in pool.crews}
        self.measured: dict[str, float] = {name: 0.0 for name in pool.crews}
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    # -- the plan --

    def load(self, todo: dict[str, list[Case]]) -> None:
        ordered = self.longest_first
        with self.lock:
            for name in self.pool.crews:
                cases = todo.get(name, [])
                items = [(i, case, case_seconds(case)) for i, case in enumerate(cases)]
                if ordered:  # longest first, ties in the given order
                    items.sort(key=lambda item: (-item[2], item[0]))
                self.queues[name] = collections.deque(items)
                self.left[name] = sum(item[2] for item in items)
                self.totals[name] = len(items)
            self.loaded = True
            self.lock.notify_all()

    def scale(self, name: str) -> float:
        """Measured over estimated seconds of the runtime's finished cases (1 before any)."""
        if self.estimated[name] <= 0 or self.measured[name] <= 0:
            return 1.0
        return self.measured[name] / self.estimated[name]

    def start_cost(self, name: str) -> float:
        zygote = self.pool.zygotes.get(name)
        if zygote is not None and zygote.alive:  # a fork, not an import
            return self.pool.fork_seconds.get(name, 0.05)
        measured = self.pool.start_seconds.get(name)
        if measured is not None:
            return measured
        return import_seconds(self.pool.crews[name][0].runtime.tensorflow)

    def choose(self) -> tuple[str, Worker | None] | None:
        """What an idle slot does next (with the lock held): a runtime and a started worker
        of it (None: start a new one); None when nothing is worth a slot any more."""
        names = list(self.pool.crews)
        fresh = [n for n in names if n not in self.begun]
        if fresh:  # every runtime's first worker: the most work first (its import included),
            # so that the runtime started last is a short one and no slot idles at the end
            name = min(fresh, key=lambda n: (-self.start_cost(n) - (
                self.left[n] * self.scale(n) if self.loaded else 0.0), names.index(n)))
            self.begun.add(name)
            return name, self.pool.crews[name][0]
        if not self.loaded:
            return ("", None)  # wait for the cases before deciding on more workers
        waiting = [n for n in names if self.queues[n]]
        for name in sorted(waiting, key=lambda n: -self.left[n]):
            if self.idle[name]:
                return name, self.idle[name].pop()
        best = None
        for name in waiting:
            left = self.left[name] * self.scale(name)
            if left > self.engaged[name] * self.start_cost(name):
                gain = left / (self.engaged[name] + 1)
                if best is None or gain > best[0]:
                    best = (gain, name)
        return (best[1], None) if best else None

    # -- the slots --

    def run(self, todo: dict[str, list[Case]] | Callable[[], dict[str, list[Case]]]
            ) -> dict[str, list[Result]]:
        threads = [threading.Thread(target=self.slot, daemon=True)
                   for _ in range(self.pool.jobs)]
        try:
            for t in threads:
                t.start()
            self.load(todo() if callable(todo) else todo)
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        except BaseException:
            # Ctrl-C, or the cases failed to load: stop the workers, even one still starting.
            self.stop.set()
            with self.lock:
                self.loaded = True
                self.lock.notify_all()
            self.pool.cancel()
            for t in threads:
                t.join(5)
            self.pool.partial = self.results()
            raise
        if self.errors:
            self.pool.partial = self.results()
            raise self.errors[0]
        return self.results()

    def results(self) -> dict[str, list[Result]]:
        with self.lock:
            return {name: [r for _, r in sorted(done, key=lambda d: d[0])]
                    for name, done in self.done.items()}

    def slot(self) -> None:
        try:
            while not self.stop.is_set():
                with self.lock:
                    choice = self.choose()
                    while choice == ("", None):
                        self.lock.wait(0.5)
                        if self.stop.is_set():
                            return
                        choice = self.choose()
                    if choice is None:
                        return
                    name, worker = choice
                    self.engaged[name] += 1
                try:
                    self.feed(name, worker or self.pool.spare(name))
                finally:
                    with self.lock:
                        self.engaged[name] -= 1
        except Cancelled:
            return
        except BaseException as e:  # handed to the calling thread
            self.errors.append(e)
            self.stop.set()
            with self.lock:
                self.lock.notify_all()

    def take(self, name: str) -> tuple[int, Case, float] | None:
        with self.lock:
            if not self.queues.get(name) or self.stop.is_set():
                return None
            item = self.queues[name].popleft()
            self.left[name] -= item[2]
            return item

    def feed(self, name: str, worker: Worker) -> None:
        """Run the runtime's cases on `worker` until none is left; it is then idle (kept)."""
        if worker.proc is None:
            self.pool._start(worker)
        if worker is self.pool.crews[name][0] and self.on_start:
            self.on_start(name, worker.info)
        with self.lock:
            while not self.loaded:
                self.lock.wait(0.5)
                if self.stop.is_set():
                    return
        item = self.take(name)
        while item is not None:
            following = self.take(name)
            began = time.monotonic()
            result = self.pool.run_on(worker, item[1], self.timeout, self.default_timeout,
                                      following[1] if following else None)
            with self.lock:
                self.estimated[name] += item[2]
                self.measured[name] += time.monotonic() - began
                self.done[name].append((item[0], result))
                count = len(self.done[name])
            if self.on_result:
                self.on_result(result)
            if self.progress:
                self.progress(name, count, self.totals[name])
            item = following
        with self.lock:
            self.idle[name].append(worker)


def run_cases(cases: list[Case] | Callable[[], list[Case]], runtimes: list[Runtime],
              timeout: float | None = None, test_steps: bool = False,
              progress: Callable[[str, int, int], None] | None = None,
              default_timeout: float | None = None, jobs: int = 1,
              limits: Limits | None = None,
              on_result: Callable[[Result], None] | None = None) -> RunResults:
    """Every case on every runtime, on up to `jobs` workers at once (see Scheduler).

    `cases` may be a function that loads them: it then runs while the workers import
    TensorFlow, so neither waits for the other. Time limit per case: `timeout` (the command
    line) > the case's `timeout:` > `default_timeout` (the configuration). On Ctrl-C the workers
    are stopped and the results finished so far are returned, marked `interrupted` (the cases
    cut short have no result). The results are in the order of the cases, then of `runtimes`,
    whatever the number of workers. `on_result` is called with each result as it arrives (from
    the worker's thread).
    """
    results = RunResults([rt.name for rt in runtimes])
    todo: list[Case] = [] if callable(cases) else cases

    def load() -> dict[str, list[Case]]:
        nonlocal todo
        if callable(cases):
            todo = cases()
        return {rt.name: todo for rt in runtimes}

    def started(name: str, info: dict) -> None:
        results.info[name] = info

    with Pool(runtimes, test_steps, jobs, limits, timeout or default_timeout) as pool:
        try:
            done = pool.run_all(load, timeout, default_timeout, progress, started, on_result)
        except KeyboardInterrupt:
            results.interrupted = True
            done = pool.partial
    order = {case.id: i for i, case in enumerate(todo)}
    results.results = sorted((r for rs in done.values() for r in rs),
                             key=lambda r: (order[r.case.id], results.runtimes.index(r.runtime)))
    return results
