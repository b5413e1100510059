"""Processes seen from outside, as `ps` would see them (/proc), for the lifetime and fault tests."""

from __future__ import annotations

from pathlib import Path


def workers_of(parent: int) -> set[int]:
    """The TF workers (processes running worker.py) whose parent is `parent`."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"worker.py" in cmdline:
            pids.add(int(entry.name))
    return pids
