"""Processes seen from outside, as `ps` would see them (/proc), for the lifetime and fault tests.

A run with several workers per runtime forks them from a zygote (harness/zygote.py): the
workers are then the zygote's children, and carry its command line (`worker.py --zygote`)."""

from __future__ import annotations

import os
from pathlib import Path


def _processes() -> dict[int, tuple[int, bytes]]:
    """pid -> (parent pid, command line) of every process running worker.py."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if b"worker.py" in cmdline:
            found[int(entry.name)] = (ppid, cmdline)
    return found


def zygotes_of(parent: int) -> set[int]:
    """The zygotes (`worker.py --zygote`) that `parent` started."""
    return {pid for pid, (ppid, cmd) in _processes().items()
            if ppid == parent and b"--zygote" in cmd}


def workers_of(parent: int) -> set[int]:
    """The TF workers that run cases for `parent`: its worker.py children that are not zygotes,
    and the workers its zygotes forked."""
    procs = _processes()
    zygotes = {pid for pid, (ppid, cmd) in procs.items() if ppid == parent and b"--zygote" in cmd}
    return {pid for pid, (ppid, cmd) in procs.items()
            if (ppid == parent and pid not in zygotes) or ppid in zygotes}


def tf_processes_of(parent: int) -> set[int]:
    """Every TF process of `parent`'s runs: workers and zygotes (none may be left after one)."""
    return workers_of(parent) | zygotes_of(parent)


class Ours:
    """The TF processes a test starts in this very process, as `*_of(os.getpid())` would list
    them, less those that were there before it: a pytest-xdist worker runs case items beside
    the tests, and its plugin's pool (its zygotes, and the workers they fork, even while the
    test runs) is not the test's."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.zygotes_before = zygotes_of(self.pid)
        self.workers_before = workers_of(self.pid)

    def zygotes(self) -> set[int]:
        return zygotes_of(self.pid) - self.zygotes_before

    def workers(self) -> set[int]:
        procs = _processes()
        return {pid for pid in workers_of(self.pid) - self.workers_before
                if procs.get(pid, (0, b""))[0] not in self.zygotes_before}

    def all(self) -> set[int]:
        return self.zygotes() | self.workers()
