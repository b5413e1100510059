"""Provisioning runtimes: built once under an inter-process lock even when two harness processes
ask at the same time, rebuilt when half-built or corrupted, and never touched (no pip, no network)
when ready.

To stay cheap the build tests use a small fake runtime whose hash-pinned lock file holds one tiny
pure-Python package (`six`), in a throwaway TFSCOPE_CACHE; the real path is the same code. The
no-network check also runs against the real, already provisioned TF 1.15 runtime.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness import runner, runtimes
from harness.errors import RuntimeSetupError
from harness.runtimes import MARKER, Runtime, Spec

from .conftest import ROOT

VERSION = "{}.{}".format(*sys.version_info[:2])
LOCK = ("six==1.16.0 \\\n"
        "    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n")
# Provision the fake runtime in a separate process, as a second `tfscope` would.
SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from harness import runtimes
    runtimes.LOCKS = Path(sys.argv[1])
    spec = runtimes.Spec("fake", sys.argv[2], ("six",), pip="pip", description="six only")
    print(json.dumps(runtimes.provision(spec).__dict__))
""")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A throwaway cache and lock directory shared by this module's tests (a build takes some
    seconds); each test that needs the fake runtime built or damaged does so itself."""
    tmp = tmp_path_factory.mktemp("provisioning")
    (tmp / "locks").mkdir()
    (tmp / "locks" / "fake.txt").write_text(LOCK)
    return tmp


@pytest.fixture
def fake(cache, monkeypatch):
    """The fake runtime's spec and venv path, with the cache, lock files and this Python set."""
    monkeypatch.setenv("TFSCOPE_CACHE", str(cache / "cache"))
    monkeypatch.setenv("TFSCOPE_PYTHON" + VERSION.replace(".", "_"), sys.executable)
    monkeypatch.setattr(runtimes, "LOCKS", cache / "locks")
    return (Spec("fake", VERSION, ("six",), pip="pip", description="six only"),
            cache / "cache" / "runtimes" / "fake")


def provision_in(processes: int, locks: Path) -> list[subprocess.CompletedProcess]:
    """Start `processes` harness processes provisioning the fake runtime at the same moment."""
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(locks), VERSION], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(processes)]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        out.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return out


def built_ok(venv: Path) -> None:
    marker = json.loads((venv / MARKER).read_text())
    assert marker["lock"] == runtimes._lock_digest(Spec("fake", VERSION, ()))
    check = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import six; print(six.__version__)"], capture_output=True, text=True)
    assert check.stdout.strip() == "1.16.0", check.stderr


def no_builds(monkeypatch) -> None:
    """From here on, any install step, interpreter search or pip run fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"tried to build: {args}")
    monkeypatch.setattr(runtimes, "_run", refuse)
    monkeypatch.setattr(runtimes, "find_python", refuse)


def test_two_processes_provision_one_runtime_once(fake, monkeypatch):
    spec, venv = fake
    first, second = provision_in(2, runtimes.LOCKS)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    logs = first.stderr + second.stderr
    assert logs.count("provisioning runtime fake") == 1, logs  # built once ...
    assert "waiting for another tfscope process" in logs, logs   # ... the other one waited
    for proc in (first, second):
        assert json.loads(proc.stdout)["python"] == str(venv / "bin" / "python")
    built_ok(venv)
    # Ready now: provisioning again starts no pip and no interpreter search (so no network).
    no_builds(monkeypatch)
    assert runtimes.provision(spec) == Runtime("fake", str(venv / "bin" / "python"), True)


def test_stale_runtime_is_not_ready(fake):
    """Built from another lock file: not ready, so `provision` rebuilds it (as below)."""
    spec, venv = fake
    runtimes.provision(spec)
    assert runtimes._ready(venv, spec)
    spec.lock.write_text(LOCK + "# regenerated\n")
    try:
        assert not runtimes._ready(venv, spec)
    finally:
        spec.lock.write_text(LOCK)
    assert runtimes._ready(venv, spec)


@pytest.mark.parametrize("damage", ["python missing", "marker missing"])
def test_corrupted_runtime_is_rebuilt(fake, damage):
    spec, venv = fake
    runtimes.provision(spec)
    built_ok(venv)
    if damage == "python missing":
        (venv / "bin" / "python").unlink()
    else:  # what a build killed half-way leaves
        (venv / MARKER).unlink()
    (venv / "leftover").write_text("from the broken build")
    assert not runtimes._ready(venv, spec)
    runtimes.provision(spec)
    assert not (venv / "leftover").exists()  # rebuilt from scratch, not patched up
    assert runtimes._ready(venv, spec)
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "import six"])
    assert check.returncode == 0


def test_a_runtime_that_cannot_import_tf_is_rebuilt_once(fake, monkeypatch):
    """The real worker on a provisioned runtime without TensorFlow: rebuilt once, then a clean
    error (not a loop of rebuilds, not a traceback)."""
    spec, venv = fake
    runtime = runtimes.provision(spec)
    rebuilds: list[bool] = []

    def provision(spec_, rebuild=False):
        rebuilds.append(rebuild)
        return runtime
    monkeypatch.setitem(runtimes.SPECS, "fake", spec)
    monkeypatch.setattr(runner, "provision", provision)
    with pytest.raises(RuntimeSetupError, match="cannot import tensorflow"):
        runner.Pool([runtime]).info("fake")
    assert rebuilds == [True]


def test_ready_tf115_is_used_without_pip(tf115, monkeypatch):
    no_builds(monkeypatch)
    assert runtimes.resolve("tf1.15") == tf115
    assert tf115.provisioned and Path(tf115.python).exists()


def test_lock_files_pin_every_distribution_with_a_hash():
    for spec in runtimes.SPECS.values():
        lines = [line for line in spec.lock.read_text().splitlines()
                 if line.strip() and not line.startswith("#")]
        pins = [line for line in lines if not line.strip().startswith("--hash")]
        assert pins and all("==" in pin and pin.endswith("\\") for pin in pins), spec.name
        assert sum(line.strip().startswith("--hash=sha256:") for line in lines) >= len(pins)
        assert "python -m harness.lock" in spec.lock.read_text()
