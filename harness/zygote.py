"""Forked workers: one process per runtime imports TensorFlow once, and workers are forked from it.

A run with several workers on a runtime (`-j`, the pytest plugin's pool, a worker replaced after
a crash) would otherwise pay TensorFlow's import (1-2.5 s of CPU) for each. The zygote is
`worker.py --zygote`: it imports TF, then for each request forks a worker that has TF imported
already, in milliseconds. The harness makes each worker's three pipes and hands them over the
zygote's stdin, a Unix socket (SCM_RIGHTS): the worker speaks the usual line protocol on them,
exactly as a worker the harness started itself. The zygote runs no case, so no case can take it
down; it reports how each of its workers ended (their parent is the zygote, not us), and the
lifelines hold: the zygote dies with the harness and its workers die with it.

Linux only (fork after TF's import; macOS's frameworks do not survive a fork), Python 3.9+ on
the harness side (socket.send_fds); TFSCOPE_FORK=0 turns it off.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

from .errors import RuntimeSetupError

if TYPE_CHECKING:  # runner imports this module
    from .runner import Worker

FORK_TIMEOUT = 30.0  # a fork and the new worker's hello take milliseconds; this is a backstop


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds") and \
        os.environ.get("TFSCOPE_FORK", "1") != "0"


def gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie nobody reaps counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            pass
        return False


class ForkedProcess:
    """A worker the zygote forked, with what runner.Worker uses of subprocess.Popen: `pid`,
    the three streams, `poll`, `wait` (its exit status comes from the zygote, its parent)."""

    def __init__(self, zygote: Zygote, pid: int, stdin: int, stdout: int, stderr: int) -> None:
        self.zygote, self.pid = zygote, pid
        self.args = ["fork of", zygote.runtime.python]
        self.stdin = os.fdopen(stdin, "w", buffering=1, encoding="utf-8")
        self.stdout = os.fdopen(stdout, "rb", buffering=0)
        self.stderr = os.fdopen(stderr, "r", encoding="utf-8", errors="replace")
        self.returncode: int | None = None

    @property
    def orphaned(self) -> bool:
        """Ended after its zygote died: its exit status was never reported (its lifeline ends
        it when the zygote dies), so the returncode is only a stand-in."""
        return self.pid in self.zygote.orphaned

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.exit_code(self.pid, 0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self.zygote.exit_code(self.pid, timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.returncode


class Zygote:
    """The zygote of one runtime (see the module's docstring). `start` it through a
    runner.Worker-like launch (its hello is read the same way), then `fork` workers."""

    def __init__(self, worker: Worker) -> None:
        # `worker`: a Worker made for the zygote (it launches `worker.py --zygote`, reads its
        # hello, reports a failed start as a worker's is reported).
        self.worker = worker
        self.runtime = worker.runtime
        self.control: socket.socket | None = None
        self.lock = threading.Lock()        # one fork at a time: replies come in order
        self.events = threading.Condition()
        self.forked: list[int] = []
        self.codes: dict[int, int] = {}
        self.orphaned: set[int] = set()  # workers that ended after the zygote: no status
        self.reader: threading.Thread | None = None
        self.refused: str | None = None

    def start(self) -> dict:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            info = self.worker.boot(stdin=theirs.fileno(),
                                    argv=("--zygote",))
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.control = ours
        self.reader = threading.Thread(target=self._listen, daemon=True)
        self.reader.start()
        return info

    @property
    def alive(self) -> bool:
        proc = self.worker.proc
        return self.control is not None and proc is not None and proc.poll() is None

    def _listen(self) -> None:
        worker = self.worker
        while True:
            try:
                message = worker._read(3600.0)
            except TimeoutError:
                continue
            except Exception:
                message = None
            with self.events:
                if message is None:  # the zygote is gone: so are its workers (lifelines)
                    self.control = None
                    self.events.notify_all()
                    return
                if "forked" in message:
                    self.forked.append(int(message["forked"]))
                elif "exit" in message:
                    self.codes[int(message["exit"])] = int(message["code"])
                elif "refused" in message:
                    self.refused = str(message["refused"])
                self.events.notify_all()

    def fork(self) -> ForkedProcess:
        """A new worker (its hello not yet read). RuntimeSetupError when the zygote cannot."""
        with self.lock:
            pipes = [os.pipe() for _ in range(3)]  # stdin, protocol, stderr: (read, write)
            theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
            ours = [pipes[0][1], pipes[1][0], pipes[2][0]]
            try:
                with self.events:
                    self.forked.clear()
                    self.refused = None
                control = self.control
                if control is None:
                    raise OSError("the zygote is gone")
                socket.send_fds(control, [b"fork"], theirs)
                deadline = time.monotonic() + FORK_TIMEOUT
                with self.events:
                    while not self.forked and self.refused is None and self.control is not None:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        self.events.wait(left)
                    pid = self.forked[0] if self.forked else None
                    why = self.refused or ("the zygote is gone" if self.control is None
                                           else "no answer")
            except OSError as e:
                pid, why = None, str(e.strerror or e)
            finally:
                for fd in theirs:
                    os.close(fd)
            if pid is None:
                for fd in ours:
                    os.close(fd)
                raise RuntimeSetupError(
                    f"runtime {self.runtime.name}: could not fork a worker: {why}",
                    hint="set TFSCOPE_FORK=0 to start every worker on its own")
            return ForkedProcess(self, pid, *ours)

    def exit_code(self, pid: int, timeout: float | None) -> int | None:
        """How worker `pid` ended, waiting up to `timeout` seconds (None: until it ends); None
        while it runs. A worker outliving a dead zygote is killed (its lifeline is slower)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.events:
            while pid not in self.codes:
                if self.control is None:  # the zygote is gone: nobody will report
                    if not gone(pid):
                        with contextlib.suppress(OSError):
                            os.killpg(pid, 9)
                    self.codes[pid] = -9
                    self.orphaned.add(pid)
                    break
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self.events.wait(0.1 if left is None else min(left, 0.1))
            return self.codes[pid]

    def stop(self) -> None:
        """Close the control socket: the zygote waits for its workers, then leaves."""
        control, self.control = self.control, None
        if control is not None:
            with contextlib.suppress(OSError):
                control.close()
        proc = self.worker.proc
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self.worker.stop()
        with self.events:
            self.events.notify_all()

    def kill(self) -> None:
        self.control = None
        self.worker.kill()
