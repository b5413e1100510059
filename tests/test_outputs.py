"""Output paths (`export -o`, `run --json`, `report -o`, every file tfscope writes): a regular file
is replaced atomically and keeps its mode; a device, a FIFO or a symlink's target is written
through and stays what it was; `-` is standard output; a path that cannot be written is one line
with exit 2. Real files, devices and FIFOs in a scratch folder."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

import harness.files

from .conftest import ROOT
from .test_cli import tfscope

CASE = "questions.reuse-true-missing-variable-fails"
CASE_FILE = ROOT / "cases" / "questions" / "does-not-exist.yaml"


def export(*args: str):
    return tfscope("export", CASE, str(CASE_FILE), *args)


def script() -> str:
    proc = export()
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_export_to_a_character_device_writes_through(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    null.chmod(0o666)
    proc = export("-o", str(null))
    assert proc.returncode == 0, proc.stderr
    st = os.lstat(null)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert stat.S_IMODE(st.st_mode) == 0o666
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temp file left


def test_export_to_a_fifo_writes_through_to_its_reader(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = export("-o", str(fifo))
    reader.join(30)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got == [script().encode()]


def test_export_through_a_symlink_keeps_the_link(tmp_path):
    target = tmp_path / "real" / "target.py"
    target.parent.mkdir()
    target.write_text("old\n")
    target.chmod(0o600)
    link = tmp_path / "out.py"
    link.symlink_to(Path("real") / "target.py")
    proc = export("-o", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "target.py")
    assert target.read_text() == script()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    # A dangling link: its target is created, the link stays.
    dangling = tmp_path / "dangling.py"
    dangling.symlink_to(tmp_path / "new.py")
    assert export("-o", str(dangling)).returncode == 0
    assert dangling.is_symlink() and (tmp_path / "new.py").read_text() == script()


def test_a_regular_file_keeps_its_mode_and_is_replaced_atomically(tmp_path):
    out = tmp_path / "s.py"
    out.write_text("old\n")
    out.chmod(0o640)
    before = out.stat().st_ino
    assert export("-o", str(out)).returncode == 0
    assert out.read_text() == script()
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.stat().st_ino != before  # a new file renamed over the old one, not rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.py"]


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "s.txt"
    out.write_text("old\n")

    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        harness.files.write_atomic(out, "new\n")
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["s.txt"]


def test_dash_is_standard_output(tmp_path):
    proc = export("-o", "-")
    assert proc.returncode == 0 and proc.stdout == script()
    assert "wrote" not in proc.stderr and not (Path(ROOT) / "-").exists()


@pytest.mark.parametrize("kind", ["directory", "file-as-parent"])
def test_an_unwritable_output_is_one_line_and_exit_2(tmp_path, kind):
    if kind == "directory":
        out = tmp_path
    else:
        (tmp_path / "file").write_text("")
        out = tmp_path / "file" / "s.py"
    proc = export("-o", str(out))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path) in lines[0] and "internal error" not in lines[0]
    assert "directory" in lines[0]


def test_write_atomic_refuses_a_directory_with_its_path(tmp_path):
    with pytest.raises(harness.files.OutputError, match="name a file") as info:
        harness.files.write_atomic(tmp_path, "x")
    assert str(tmp_path) in str(info.value)


def test_run_json_and_report_to_a_device_and_stdout(tf115, tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    example = str(ROOT / "cases" / "article" / "example.yaml")
    proc = tfscope("run", example, "--runtime", "tf1.15", "--json", str(null))
    assert proc.returncode == 0, proc.stderr
    proc = tfscope("report", example, "--runtime", "tf1.15", "-q", "-o", str(null))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    proc = tfscope("report", example, "--runtime", "tf1.15", "-q", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<!--") or proc.stdout.startswith("#"), proc.stdout[:200]
    assert "conforms" in proc.stderr


def test_run_json_to_stdout_is_json_alone(tf115):
    proc = tfscope("run", str(ROOT / "cases" / "article" / "example.yaml"), "--runtime",
                   "tf1.15", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # nothing but the JSON on stdout
    assert [r["verdict"] for r in data["results"]] == ["conforms"]
    assert "conforms" in proc.stderr  # the summary went to stderr
