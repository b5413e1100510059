"""Provisioning runtimes: built once under an inter-process lock even when two harness processes
ask at the same time, rebuilt when half-built or corrupted, and never touched (no pip, no network)
when ready.

To stay cheap the build tests use a small fake runtime whose hash-pinned lock file holds one tiny
pure-Python package (`six`), in a throwaway TFSCOPE_CACHE; the real path is the same code. The
no-network check also runs against the real, already provisioned TF 1.15 runtime.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
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
    spec = runtimes.Spec("fake", sys.argv[2], ("six",), pip="pip", description="six only",
                         check="six")
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
    return (Spec("fake", VERSION, ("six",), pip="pip", description="six only", check="six"),
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


def test_a_worker_that_cannot_start_on_a_runtime_whose_check_passes_is_not_rebuilt(
        fake, monkeypatch):
    """The real worker on a provisioned runtime without TensorFlow, whose own check (`six`)
    passes: started again, then a clean error; never rebuilt."""
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
    assert rebuilds == []


def test_a_runtime_whose_check_fails_twice_the_same_way_is_rebuilt_once(
        fake, monkeypatch, capfd):
    spec, venv = fake
    runtime = runtimes.provision(spec)
    broken = Spec("fake", VERSION, ("six",), pip="pip", description="six only")  # needs TF
    rebuilds: list[bool] = []

    def provision(spec_, rebuild=False):
        rebuilds.append(rebuild)
        return runtime
    monkeypatch.setitem(runtimes.SPECS, "fake", broken)
    monkeypatch.setattr(runner, "provision", provision)
    with pytest.raises(RuntimeSetupError, match="cannot import tensorflow"):
        runner.Pool([runtime]).info("fake")
    assert rebuilds == [True]
    err = capfd.readouterr().err
    assert "runtime fake is broken: `import tensorflow` fails: ModuleNotFoundError" in err


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


# --- healing, honest states, interrupted installs (docs/reliability.md, "Runtimes") ------------

def pip_processes(under: Path, also: bytes = b"") -> list[int]:
    """pip processes working on something under `under` (seen from /proc, as `ps` would)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"pip" in cmdline and str(under).encode() in cmdline and \
                    b"install" in cmdline and b"import ctypes" not in cmdline and \
                    also in cmdline:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_states_broken_incomplete_outdated_are_shown_with_their_reason(fake):
    spec, venv = fake
    runtimes.provision(spec)
    assert runtimes.status(spec).state == "installed"
    six = next(venv.glob("lib/python*/site-packages/six.py"))
    data = six.read_bytes()
    six.unlink()
    st = runtimes.status(spec)
    assert (st.state, st.why.split(":")[0]) == ("broken", "missing file six.py (of six-1.16.0)")
    six.write_bytes(data[:100])  # truncated
    assert runtimes.status(spec).why.startswith("changed file six.py (100 bytes, ")
    six.write_bytes(data)
    assert runtimes.status(spec).state == "installed"
    spec.lock.write_text(LOCK + "# regenerated\n")
    try:
        st = runtimes.status(spec)
        assert st.state == "outdated" and "built from another fake.txt" in st.why
    finally:
        spec.lock.write_text(LOCK)
    python = venv / "bin" / "python"  # an interpreter that cannot run: it said "installed"
    target = python.resolve()
    python.unlink()
    python.write_text("#!/bin/sh\n")
    try:
        st = runtimes.status(spec)
        assert (st.state, st.why.split(":")[0]) == (
            "broken", f"its interpreter {python} is not executable")
    finally:
        python.unlink()
        python.symlink_to(target)
    assert runtimes.status(spec).state == "installed"
    (venv / MARKER).unlink()
    st = runtimes.status(spec)
    assert st.state == "incomplete" and "interrupted build" in st.why


def test_install_checks_and_repairs_a_damaged_runtime(fake, capfd):
    spec, venv = fake
    runtimes.provision(spec)
    next(venv.glob("lib/python*/site-packages/six.py")).unlink()
    assert runtimes._ready(venv, spec)  # the marker alone says "fine"
    runtime, done = runtimes.repair(spec)
    assert done == "rebuilt (it was broken: missing file six.py (of six-1.16.0))"
    assert runtimes.status(spec).state == "installed"
    built_ok(venv)
    assert runtimes.repair(spec)[1] == ""  # a sound runtime is left alone
    err = capfd.readouterr().err
    # One line per phase; pip's own output is in the log file, not on the terminal.
    for phase in ("[1/4]", "[2/4]", "[3/4]", "[4/4] fake: checking: import six"):
        assert phase in err, err
    assert "Successfully installed" not in err and "Collecting" not in err
    assert "Successfully installed six" in (venv.parent / "fake.install.log").read_text()


def test_a_failed_rebuild_keeps_the_working_runtime(fake, monkeypatch):
    """Offline (no index reachable): the rebuild fails with pip's last lines and the log's path,
    and the runtime that was there still works."""
    spec, venv = fake
    runtimes.provision(spec)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    with pytest.raises(RuntimeSetupError) as failed:
        runtimes.provision(spec, rebuild=True)
    text = str(failed.value)
    assert "installing the packages failed" in text and "six" in text
    # pip's last lines below the message, one per line (they were one line joined by a
    # literal \n), each indented
    first, *tail = text.split("\n")
    assert "\\n" not in text and first.startswith("installing the packages failed (exit ")
    assert 1 < len(tail) <= runtimes.LOG_TAIL and all(line.startswith("    ") for line in tail)
    assert str(venv.parent / "fake.install.log") in failed.value.hint
    built_ok(venv)
    assert runtimes._ready(venv, spec)
    assert not list(venv.parent.glob(".fake.build-*"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_killed_install_leaves_no_pip_and_a_rerun_works(fake, monkeypatch, sig):
    spec, venv = fake
    runtimes.remove(spec)
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(16)
    held: list[socket.socket] = []

    def hold() -> None:  # an index that accepts and never answers: pip hangs in a download
        with contextlib.suppress(OSError):
            while True:
                held.append(hanging.accept()[0])
    threading.Thread(target=hold, daemon=True).start()
    env = dict(os.environ, PIP_INDEX_URL=f"http://127.0.0.1:{hanging.getsockname()[1]}/simple",
               PIP_NO_CACHE_DIR="1")
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(runtimes.LOCKS), VERSION],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cache = venv.parent
    try:
        deadline = time.monotonic() + 120
        while not pip_processes(cache, b"--require-hashes"):  # the step that hangs
            assert time.monotonic() < deadline, "pip never started"
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        time.sleep(1)
        pips = pip_processes(cache)
        assert pips
        proc.send_signal(sig)
        proc.wait(30)
        deadline = time.monotonic() + 5
        while any(alive(p) for p in pips):
            assert time.monotonic() < deadline, "pip outlived the install: " + "; ".join(
                f"{p}: {Path(f'/proc/{p}/stat').read_text()[:80]} "
                f"{Path(f'/proc/{p}/cmdline').read_bytes()[:300]!r}" for p in pips if alive(p))
            time.sleep(0.1)
        # The lock is free: the process held it until pip was gone (or died with it).
        with open(cache / "fake.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # SIGTERM unwinds and removes the half-built folder; SIGKILL leaves it, shown honestly.
        assert runtimes.status(spec).state == (
            "not installed" if sig == signal.SIGTERM else "incomplete")
    finally:
        hanging.close()
        for conn in held:
            conn.close()
        for pid in pip_processes(cache):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    # An immediate rerun builds it, and leaves nothing of the interrupted build behind.
    (rerun,) = provision_in(1, runtimes.LOCKS)
    assert rerun.returncode == 0, rerun.stderr
    built_ok(venv)
    assert not list(cache.glob(".fake.build-*"))


@pytest.fixture
def tf115_copy(tf115, tmp_path, monkeypatch) -> Runtime:
    """TF 1.15 in a throwaway cache: hard links to the shared runtime's files (`cp -al`), so
    unlinking one here never touches the shared cache (nothing here writes into a file)."""
    cache = tmp_path / "cache"
    (cache / "runtimes").mkdir(parents=True)
    subprocess.run(["cp", "-al", str(Path(tf115.python).parent.parent),
                    str(cache / "runtimes" / "tf1.15")], check=True)
    monkeypatch.setenv("TFSCOPE_CACHE", str(cache))
    return Runtime("tf1.15", str(cache / "runtimes" / "tf1.15" / "bin" / "python"), True,
                   "1.15.5")


def test_a_worker_killed_while_it_imports_tf_does_not_rebuild_its_runtime(
        tf115_copy, monkeypatch, capfd):
    def refuse(*args, **kwargs):
        raise AssertionError(f"tried to rebuild: {args}")
    monkeypatch.setattr(runner, "provision", refuse)
    monkeypatch.setattr(runtimes, "_build", refuse)
    pool = runner.Pool([tf115_copy])
    worker = pool.workers["tf1.15"]
    killed: list[int] = []

    def kill_first_start() -> None:  # SIGKILL the first worker while TF is being imported
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            proc = worker.proc
            if proc is not None:
                time.sleep(0.5)
                os.kill(proc.pid, signal.SIGKILL)
                killed.append(proc.pid)
                return
            time.sleep(0.01)
    threading.Thread(target=kill_first_start, daemon=True).start()
    try:
        info = pool.info("tf1.15")
    finally:
        pool.close()
    assert killed and info["tensorflow"] == "1.15.5"
    err = capfd.readouterr().err
    assert "its check passes, so it is started again, not rebuilt" in err
    assert "killed by signal SIGKILL" in err
    assert runtimes.status(runtimes.SPECS["tf1.15"]).state == "installed"


def test_a_damaged_tf115_is_shown_broken(tf115_copy):
    venv = Path(tf115_copy.python).parent.parent
    init = next(venv.glob("lib/python3.7/site-packages/tensorflow_core/__init__.py"))
    init.unlink()  # a hard link: the shared runtime keeps its file
    st = runtimes.status(runtimes.SPECS["tf1.15"])
    assert st.state == "broken"
    assert st.why.startswith("missing file tensorflow_core/__init__.py (of tensorflow-1.15.5)")
    assert runtimes.check(venv, runtimes.SPECS["tf1.15"])[0] == "broken"
