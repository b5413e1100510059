"""`tfscope watch`: a real tf1.15 worker kept warm, a file's cases rerun when it is saved, the
verdict and diff printed; invalid YAML mid-edit is one line and watching goes on; Ctrl-C ends it
cleanly with the workers stopped."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from harness.watch import changed, stamps

from .conftest import EXAMPLE
from .procs import workers_of

WRONG = EXAMPLE.read_text().replace("foo_1/bar/var2:0]", "foo_2/bar/var2:0]")


class Lines:
    """A process's output lines, read in a thread so that waiting for one can time out."""

    def __init__(self, stream) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def until(self, text: str, timeout: float = 120) -> list[str]:
        """The lines up to and including the first that contains `text`."""
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} in {timeout} s; got: "
                                     + "\n".join(self.seen + got)) from None
            got.append(line)
            if text in line:
                self.seen += got
                return got


def test_watch_reruns_a_saved_file_on_a_warm_worker(tf115, tmp_path):
    proc = watch(tmp_path, tf115.python, signal.SIG_DFL)  # whatever this test run was handed
    case = tmp_path / "cases" / "example.yaml"
    try:
        out = Lines(proc.stdout)
        got = out.until("tfscope: watching 1")
        assert any("TensorFlow 1.15" in line for line in got)
        assert "(Ctrl-C stops)" in got[-1]
        pids = workers_of(proc.pid)
        assert len(pids) == 1  # warm before any save

        case.write_text(WRONG)  # a save: the verdict and the diff
        got = out.until("actual:")
        assert any("1 case(s) on tf1.15, 1 bad" in line for line in got), got
        assert any("FAIL article.example-loop [tf1.15]" in line for line in got), got

        case.write_text("id: [unclosed\n")  # mid-edit: one line, and watching goes on
        error = out.until("tfscope: error:")[-1]
        assert "example.yaml" in error and "Traceback" not in error

        case.write_text(EXAMPLE.read_text())  # fixed: conforms, on the same warm worker
        got = out.until("conforms article.example-loop [tf1.15]")
        assert workers_of(proc.pid) == pids  # no new TF import for any of it

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        out.until("tfscope: watch stopped", timeout=5)
        assert not any("Traceback" in line for line in out.seen)
        assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_watch_started_with_ctrl_c_ignored_says_how_to_stop_it(tf115, tmp_path):
    # `tfscope watch &` in a script: SIGINT comes ignored, and stays so (Python's rule, and the
    # shell's intent). The watch says so instead of promising that Ctrl-C stops it; SIGTERM
    # ends it, and its workers with it (their lifelines).
    proc = watch(tmp_path, tf115.python, signal.SIG_IGN)
    try:
        out = Lines(proc.stdout)
        line = out.until("tfscope: watching 1")[-1]
        assert f"Ctrl-C is ignored here, as the parent process asked: stop it with `kill " \
            f"{proc.pid}`" in line, line
        pids = workers_of(proc.pid)
        assert pids
        proc.terminate()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_watch_says_why_a_file_it_cannot_read_is_not_watched(tf115, tmp_path):
    # a looping link was "watching 0 case file(s)" and nothing else
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "l.yaml").symlink_to("loop")
    (tmp_path / "cases" / "loop").symlink_to("l.yaml")
    proc = watch(tmp_path, tf115.python, signal.SIG_DFL, write_case=False)
    try:
        lines = Lines(proc.stdout).until("tfscope: watching")
        assert "tfscope: error: cases/l.yaml: cannot read: a symbolic link that loops (fix the " \
               "link or remove it)" in lines, lines
        assert lines[-1].startswith("tfscope: watching 0 case file(s)")
    finally:
        proc.kill()
        proc.wait()


def watch(project: Path, python: Path, sigint: object, write_case: bool = True
          ) -> subprocess.Popen:
    """`tfscope watch` of EXAMPLE in `project` on tf1.15 (`python`), its SIGINT disposition
    `sigint` from the start."""
    (project / "pyproject.toml").write_text(
        f'[tool.tfscope]\ncases = ["cases"]\nruntimes = ["tf1.15={python}"]\n')
    if write_case:
        (project / "cases").mkdir()
        (project / "cases" / "example.yaml").write_text(EXAMPLE.read_text())
    return subprocess.Popen([sys.executable, "-m", "harness", "watch"], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"),
                            preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))


def test_a_save_is_a_new_stamp(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("x")
    before = stamps([tmp_path])
    assert changed(before, stamps([tmp_path])) == []
    b.write_text("y")  # a new file counts as saved
    a.write_text("xx")  # so does a new size, even within one mtime tick
    assert changed(before, stamps([tmp_path])) == [a, b]
    b.unlink()  # a removed file is not run
    assert changed(stamps([tmp_path]), {}) == []
    assert Path(a).exists()
