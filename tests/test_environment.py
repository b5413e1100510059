"""Faults of the environment, not of tfscope: a runtime cache that is a file or read-only, no
usable home, a read-only checkout or `.tfscope/` that is a file, an output folder that cannot be
written. Each is one line with the path and what to do, exit 2 (never "internal error", exit 3),
and a run still writes the outputs it was asked for when only `.tfscope/` cannot be written.

Read-only folders are made immutable with `chattr +i` (root ignores permission bits)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLE, ROOT

CASE = "questions.reuse-true-missing-variable-fails"
CASE_FILE = ROOT / "cases" / "questions" / "does-not-exist.yaml"


def tfscope(*args: str, cwd: Path = ROOT, **env: str | None) -> subprocess.CompletedProcess:
    environ = dict(os.environ)
    for key, value in env.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    environ["PYTHONPATH"] = str(ROOT)  # the harness from this checkout, wherever cwd is
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=600)


def one_line_error(proc: subprocess.CompletedProcess, *words: str) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "internal error" not in lines[0] and "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def immutable():
    """Make folders immutable (`chattr +i`), undone after the test."""
    made: list[Path] = []

    def make(path: Path) -> Path:
        path.mkdir(exist_ok=True)
        if shutil.which("chattr") is None or subprocess.run(
                ["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available here")
        made.append(path)
        return path
    yield make
    for path in made:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_a_cache_that_is_a_file(tmp_path):
    cache = tmp_path / "cache"
    cache.write_text("")
    proc = tfscope("run", str(EXAMPLE), "--runtime", "tf1.15", TFSCOPE_CACHE=str(cache))
    one_line_error(proc, str(cache), "TFSCOPE_CACHE", "not a directory")


def test_a_read_only_cache(tmp_path, immutable):
    cache = immutable(tmp_path / "cache")
    proc = tfscope("run", str(EXAMPLE), "--runtime", "tf1.15", TFSCOPE_CACHE=str(cache))
    one_line_error(proc, str(cache), "TFSCOPE_CACHE")


@pytest.mark.parametrize("home", ["", "/", "relative/home", "missing"])
def test_no_usable_home_says_what_to_set(home, tmp_path):
    if home == "missing":
        home = str(tmp_path / "no" / "such" / "home")
    # No interpreter to build with: were the cache put in /.cache anyway, nothing is installed.
    proc = tfscope("run", str(EXAMPLE), "--runtime", "tf1.15", HOME=home, TFSCOPE_CACHE=None,
                   XDG_CACHE_HOME=None, TFSCOPE_PYTHON3_7="/no/such/python3.7", cwd=tmp_path)
    one_line_error(proc, "HOME", "TFSCOPE_CACHE", "XDG_CACHE_HOME")
    assert not Path("/.cache/tfscope").exists()


def test_an_absolute_xdg_cache_home_is_used_without_a_home(tmp_path):
    proc = tfscope("runtimes", HOME="", TFSCOPE_CACHE=None, XDG_CACHE_HOME=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert str(tmp_path / "tfscope" / "runtimes" / "tf1.15") in proc.stdout


def test_export_into_a_read_only_folder(tmp_path, immutable):
    folder = immutable(tmp_path / "ro")
    one_line_error(tfscope("export", CASE, str(CASE_FILE), "-o", str(folder / "s.py")),
                   str(folder), "cannot write")


@pytest.fixture
def checkout(tmp_path):
    """A project of one case, as a user's checkout."""
    project = tmp_path / "project"
    (project / "cases").mkdir(parents=True)
    shutil.copy(EXAMPLE, project / "cases" / "example.yaml")
    (project / "pyproject.toml").write_text(
        '[tool.tfscope]\ncases = ["cases"]\nruntimes = ["tf1.15"]\n')
    return project


def test_a_read_only_checkout_still_writes_the_json_asked_for(tf115, tmp_path, checkout,
                                                              immutable):
    immutable(checkout)
    out = tmp_path / "out" / "r.json"
    proc = tfscope("run", "-q", "--json", str(out), cwd=checkout)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["results"][0]["verdict"] == "conforms"
    warnings = [line for line in proc.stderr.splitlines() if ".tfscope" in line]
    assert len(warnings) == 1 and "warning" in warnings[0], proc.stderr
    # A report into the read-only checkout: one line, exit 2, after the run.
    proc = tfscope("report", "-q", "-o", str(checkout / "r.md"), cwd=checkout)
    one_line_error(proc, str(checkout), "cannot write")


def test_a_dot_tfscope_that_is_a_file(tf115, tmp_path, checkout):
    (checkout / ".tfscope").write_text("not a folder\n")
    out = tmp_path / "r.json"
    proc = tfscope("record", "-q", "cases", cwd=checkout)
    assert proc.returncode == 0, proc.stderr
    assert "observed:" in (checkout / "cases" / "example.yaml").read_text()
    warnings = [line for line in proc.stderr.splitlines() if ".tfscope" in line]
    assert len(warnings) == 1 and "warning" in warnings[0], proc.stderr
    with contextlib.suppress(FileNotFoundError):
        out.unlink()
    proc = tfscope("run", "-q", "--json", str(out), cwd=checkout)
    assert proc.returncode == 0 and out.is_file(), proc.stderr
