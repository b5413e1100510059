"""Watching case files: warm workers (one per runtime, TensorFlow imported once), and each file's
cases run again as soon as it is saved, with their verdicts and diffs.

Saves are found by polling modification times and sizes (no dependency, every editor and file
system): every POLL seconds, a stat of each case file. A file that does not load (invalid YAML in
the middle of an edit) gets its one-line errors, and watching goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from . import cases as caselib
from .compare import GOOD, format_diff
from .errors import UserError
from .runner import Pool, Result

POLL = 0.1  # seconds between two looks at the files: a save is seen within this


def stamps(paths: Iterable[str | Path]) -> dict[Path, tuple[int, int]]:
    """Each case file under `paths` with its (modification time in ns, size)."""
    out: dict[Path, tuple[int, int]] = {}
    try:
        files = caselib.case_files(paths)
    except (UserError, OSError):  # a folder removed while watching: nothing there to run
        files = [Path(p) for p in paths if Path(p).is_file()]
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        out[path] = (st.st_mtime_ns, st.st_size)
    return out


def changed(before: dict[Path, tuple[int, int]], now: dict[Path, tuple[int, int]]
            ) -> list[Path]:
    """Files new or saved since `before`, in a stable order (removed files are not run)."""
    return sorted(p for p, stamp in now.items() if before.get(p) != stamp)


def describe(result: Result) -> str:
    """A result as `tfscope run` prints it: the verdict line; for a bad one, its reason and diff."""
    v = result.verdict
    line = f"{v.verdict.upper() if v.verdict not in GOOD else v.verdict} {result.case.id} " \
        f"[{result.runtime}]"
    if v.verdict in GOOD:
        return line + (f": {v.reason}" if v.reason and v.verdict != "conforms" else "")
    text = f"{line}  {result.case.location}"
    if v.reason:
        text += f"\n    {v.reason}"
    if v.diff:
        text += "\n" + format_diff(v.diff)
    return text


class Watcher:
    """The cases of `paths`, rerun on `pool`'s runtimes each time their file is saved."""

    def __init__(self, pool: Pool, paths: list[str], say: Callable[[str], None],
                 load: Callable[[Path], tuple[list[caselib.Case], list[UserError]]],
                 timeout: float | None = None, default_timeout: float | None = None) -> None:
        self.pool, self.paths, self.say, self.load = pool, paths, say, load
        self.timeout, self.default_timeout = timeout, default_timeout
        self.seen = stamps(paths)

    def warm(self) -> None:
        """Start every runtime's worker now (TensorFlow's import), not at the first save."""
        self.pool.run_all({})
        for name in self.pool.crews:
            info = self.pool.info(name)
            self.say(f"{name}: TensorFlow {info.get('tensorflow', '?')}, "
                     f"Python {info.get('python', '?')}")

    def poll(self) -> int:
        """Run the files saved since the last poll; the number of files run."""
        now = stamps(self.paths)
        saved = changed(self.seen, now)
        self.seen = now
        for path in saved:
            self.run_file(path)
        return len(saved)

    def run_file(self, path: Path) -> None:
        cases, errors = self.load(path)
        for e in errors:
            self.say(f"tfscope: error: {e}")
        if not cases:
            if not errors:
                self.say(f"{caselib.display_path(path)}: no cases")
            return
        todo = {name: cases for name in self.pool.crews}
        done = self.pool.run_all(todo, self.timeout, self.default_timeout, longest_first=False)
        order = {case.id: i for i, case in enumerate(cases)}
        names = list(self.pool.crews)
        results = sorted((r for rs in done.values() for r in rs),
                         key=lambda r: (order[r.case.id], names.index(r.runtime)))
        bad = sum(1 for r in results if r.verdict.verdict not in GOOD)
        self.say(f"{caselib.display_path(path)}: {len(cases)} case(s) on {', '.join(names)}"
                 + (f", {bad} bad" if bad else ", all good"))
        for r in results:
            self.say("  " + describe(r).replace("\n", "\n  "))

    def forever(self, poll: float = POLL) -> None:
        """Watch until interrupted (Ctrl-C: KeyboardInterrupt, for the caller to end on)."""
        while True:
            started = time.monotonic()
            self.poll()
            time.sleep(max(0.0, poll - (time.monotonic() - started)))
