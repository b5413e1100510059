"""Runtimes: which TensorFlow in which interpreter, found or provisioned into a per-user cache.

A runtime is a named TensorFlow build (`tf1.15`: tensorflow 1.15.5 on Python 3.7). It is either
provisioned automatically, once, into `~/.cache/tfscope/runtimes/NAME` from a hash-pinned lock
file kept in the package (`harness/locks/NAME.txt`), or given by the user as `NAME=PYTHON`, an
interpreter that already has TensorFlow.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import RuntimeSetupError, did_you_mean
from .files import write_atomic
from .versions import version_key

LOCKS = Path(__file__).parent / "locks"
MARKER = ".tfscope-ready"
TF_PROJECTS = ("tensorflow", "tensorflow-cpu", "tensorflow-gpu")


@dataclass(frozen=True)
class Spec:
    """A runtime the harness knows how to provision."""
    name: str
    python: str                 # major.minor of the interpreter it needs
    requirements: tuple[str, ...]  # what the lock file is generated from
    pip: str = "pip<24"         # pip version used inside the runtime venv
    description: str = ""
    # Installed after pip and before the lock (and in the lock generator's venv): tools that the
    # install itself needs, such as `wheel` to build old sdists on Python 3.6.
    setup: tuple[str, ...] = ()
    history: bool = False       # one of the opt-in TF 1.0-1.12 runtimes (docs/history-runtimes.md)
    unavailable: str = ""       # why this runtime cannot be installed or imported here, if so
    check: str = "tensorflow"   # the module whose import (and __version__) proves it works

    @property
    def lock(self) -> Path:
        return LOCKS / f"{self.name}.txt"

    @property
    def tensorflow(self) -> str:
        """The TensorFlow version it pins (from `requirements`), e.g. "1.15.5"."""
        for req in self.requirements:
            project, sep, version = req.partition("==")
            if sep and project.strip().lower() in TF_PROJECTS:
                return version.strip()
        return ""


SPECS = {s.name: s for s in [
    Spec("tf1.15", "3.7", ("tensorflow==1.15.5", "protobuf<3.21"),
         description="TensorFlow 1.15.5 on Python 3.7 (the reference)"),
    Spec("tf1.14", "3.7", ("tensorflow==1.14.0", "protobuf<3.21"),
         description="TensorFlow 1.14.0 on Python 3.7"),
    Spec("tf1.13", "3.7", ("tensorflow==1.13.2", "protobuf<3.21"),
         description="TensorFlow 1.13.2 on Python 3.7 (the article's version)"),
    # Where TF1 code migrates to: the same programs through tf.compat.v1 in graph mode.
    Spec("tf2", "3.11", ("tensorflow-cpu==2.21.0",),
         description="TensorFlow 2.21.0 (CPU) on Python 3.11, through tf.compat.v1"),
]}

# --- the history: every TF 1.x minor release before 1.13, opt-in -------------------------------
# Each is the newest patch release of its minor with a cp36 manylinux wheel (none has a wheel for
# Python 3.7+). Python 3.6's bundled pip 18.1 satisfies `pip<22` and would stay, so the pip spec
# asks for 21.x (a resolver that honours Requires-Python); `wheel<0.38` (the last for 3.6) builds
# the sdists (termcolor, ...) and is the `wheel` that TF <= 1.x declares as a dependency.
_HISTORY = [("1.0", "1.0.1"), ("1.1", "1.1.0"), ("1.2", "1.2.1"), ("1.3", "1.3.0"),
            ("1.4", "1.4.1"), ("1.5", "1.5.1"), ("1.6", "1.6.0"), ("1.7", "1.7.1"),
            ("1.8", "1.8.0"), ("1.9", "1.9.0"), ("1.10", "1.10.1"), ("1.11", "1.11.0"),
            ("1.12", "1.12.3")]
# pip 21 honours Requires-Python, so every dependency resolves to its last release for 3.6 with
# no pins but protobuf's (3.19, also the last for 3.6). All 13 install and import here; one that
# could not would keep its Spec with `unavailable="why"`, so that provisioning refuses it.
SPECS.update((s.name, s) for s in [
    Spec(f"tf{minor}", "3.6", (f"tensorflow=={version}", "protobuf<3.20"),
         pip="pip>=21,<22", setup=("wheel<0.38",), history=True,
         description=f"TensorFlow {version} on Python 3.6 (history)")
    for minor, version in _HISTORY])

DEFAULT_RUNTIME = "tf1.15"
CI_RUNTIMES = ("tf1.13", "tf1.15", "tf2")  # what the test suite runs by default


@dataclass(frozen=True)
class Runtime:
    """A runtime ready to start workers: a name and an interpreter with TensorFlow."""
    name: str
    python: str
    provisioned: bool = False   # True when the harness built it (and may rebuild it)
    tensorflow: str = ""        # its TF version when known up front (a built-in runtime)


# --- versions and sets -------------------------------------------------------------------------

def in_version_order(names: Iterable[str], versions: dict[str, str] | None = None) -> list[str]:
    """Runtime names from the oldest TensorFlow to the newest (ties: by name). `versions` gives
    the version of runtimes that are not built in (NAME=PYTHON, from the worker's hello)."""
    versions = versions or {}

    def key(name: str) -> tuple[tuple[int, ...], str]:
        spec = SPECS.get(name)
        version = versions.get(name) or (spec.tensorflow if spec else "")
        return version_key(version), name
    return sorted(names, key=key)


def _major(spec: Spec) -> int | None:
    key = version_key(spec.tensorflow)
    return key[0] if spec.tensorflow else None


# Names for several runtimes at once, usable wherever a runtime is (`--runtime all-1.x`).
SETS: dict[str, tuple[str, Callable[[], list[str]]]] = {
    "default": ("the reference runtime", lambda: [DEFAULT_RUNTIME]),
    "ci": ("what the test suite runs: " + ", ".join(CI_RUNTIMES), lambda: list(CI_RUNTIMES)),
    "history": ("the opt-in history, TF 1.0 to 1.12",
                lambda: [s.name for s in SPECS.values() if s.history]),
    "all-1.x": ("every TF 1.x runtime, the history included",
                lambda: [s.name for s in SPECS.values() if _major(s) == 1]),
    "all-2.x": ("every TF 2.x runtime", lambda: [s.name for s in SPECS.values() if _major(s) == 2]),
    "all": ("every known runtime", lambda: list(SPECS)),
}


def _versions_meant(name: str) -> list[tuple[int, ...]]:
    """The TensorFlow versions a runtime-like name may mean, likeliest first: `tf1.16` (1, 16),
    `tensorflow-2.21` (2, 21), `tf1_15` (1, 15); digits without a dot are read with the dot
    dropped after the first digit, `tf115` (1, 15), and, TF majors being 1 and 2, as a 1.x
    minor when they are two digits: `tf15` (1, 15) before (1, 5)."""
    match = re.fullmatch(r"(?:tensorflow|tf)?[-_ ]?v?(\d+(?:[._]\d+)*)(?:[-_]?(?:cpu|gpu))?",
                         name.strip().lower())
    if not match:
        return []
    digits = match.group(1)
    if not digits.isdigit():
        return [tuple(int(p) for p in re.split(r"[._]", digits))]
    readings = [(int(digits),)] if len(digits) == 1 else []
    if len(digits) == 2 and digits[0] == "1":
        readings.append((1, int(digits)))
    if len(digits) > 1:
        readings.append((int(digits[0]), int(digits[1:])))
    return readings


def _runtime_for(version: tuple[int, ...]) -> tuple[str, str]:
    """The known runtime nearest to a TensorFlow version, and how near ("" when it is that
    version). Same major first, then the nearest minor (the newer on a tie)."""
    def key(spec: Spec) -> tuple[int, ...]:
        return version_key(spec.tensorflow)
    specs = [s for s in SPECS.values() if s.tensorflow]
    wanted = ".".join(map(str, version))
    exact = [s for s in specs if key(s)[:len(version)] == version]
    if exact:  # `tf1.15.5`, `tf2.21`, `tf1` (every 1.x: the newest)
        return max(exact, key=key).name, ""
    same = [s for s in specs if key(s)[0] == version[0]]
    if same:
        minor = version[1] if len(version) > 1 else 0
        best = min(same, key=lambda s: (abs(key(s)[1] - minor), [-k for k in key(s)]))
        newest = max(same, key=key)
        if best is newest and key(newest) < version:
            if version[0] == 1:
                return best.name, f"there is no TensorFlow {wanted}: 1.15 was the last 1.x release"
            return best.name, (f"no runtime runs TensorFlow {wanted}: the newest "
                               f"{version[0]}.x runtime is TensorFlow {newest.tensorflow}")
        return best.name, (f"no runtime runs TensorFlow {wanted}: the nearest is TensorFlow "
                           f"{best.tensorflow}")
    newest, oldest = max(specs, key=key), min(specs, key=key)
    best = newest if version > key(newest) else oldest
    return best.name, f"there is no TensorFlow {wanted} runtime: the nearest is {best.tensorflow}"


def suggest(name: str) -> str | None:
    """A did-you-mean for a runtime name, by what its version number means: `tf15` is
    `tf1.15`, `tf1.15.5` is `tf1.15`, `tf2.21` is `tf2`, `tf1.16` (no such release) is the
    newest 1.x; otherwise by spelling."""
    readings = [_runtime_for(version) for version in _versions_meant(name)]
    exact = list(dict.fromkeys(runtime for runtime, how in readings if not how))
    if exact:
        return "did you mean " + " or ".join(f"`{r}`" for r in exact) + "?"
    if readings:
        runtime, how = readings[0]
        return f"did you mean `{runtime}`? ({how})"
    return did_you_mean(name, [*SPECS, *SETS])


def unknown_runtime_hint(name: str, other: str = "or NAME=/path/to/python") -> str:
    """The hint for an unknown runtime name: a suggestion when there is one, and always every
    known name and set (and `other`: how else to give one)."""
    known = "known: " + ", ".join(in_version_order(SPECS)) + "; sets: " + ", ".join(SETS)
    return "; ".join(x for x in (suggest(name), known, other) if x)


@dataclass(frozen=True)
class Selected:
    """One runtime a command asked for: a known name or NAME=PYTHON, and the set it came from
    (a set's member that cannot be installed here is left out of the run, and reported)."""
    selector: str
    name: str
    from_set: str | None = None


def set_members(name: str) -> list[str]:
    return in_version_order(SETS[name][1]())


def expand(selectors: Iterable[str]) -> list[Selected]:
    """`--runtime` values: names, NAME=PYTHON, comma lists and set names, repeated or not.
    Raises a one-line error for an unknown name; a name given twice counts once."""
    out: dict[str, Selected] = {}
    for selector in selectors:
        for item in (part.strip() for part in str(selector).split(",")):
            if not item:
                continue
            name, sep, _ = item.partition("=")
            name = name.strip()
            if sep:
                chosen = [Selected(item, name)]
            elif name in SETS:
                chosen = [Selected(n, n, name) for n in set_members(name)]
            elif name in SPECS or _override(name):
                chosen = [Selected(name, name)]
            else:
                raise RuntimeSetupError(f"unknown runtime `{name}`",
                                        hint=unknown_runtime_hint(name))
            for sel in chosen:
                first = out.get(sel.name)
                if first is None:
                    out[sel.name] = sel
                elif first.selector != sel.selector:
                    raise RuntimeSetupError(f"runtime `{sel.name}` is given twice, as "
                                            f"`{first.selector}` and `{sel.selector}`",
                                            hint="give each runtime once")
                elif first.from_set and not sel.from_set:
                    out[sel.name] = sel  # named on its own too: it must not be skipped
    return list(out.values())


def resolve_all(selected: Iterable[Selected], rebuild: bool = False
                ) -> tuple[list[Runtime], dict[str, str]]:
    """The runtimes to run, provisioned; and those of a set that cannot be here, with why.
    A runtime named on its own that cannot be installed is an error."""
    runtimes, unavailable = [], {}
    for sel in selected:
        spec = SPECS.get(sel.name)
        if spec is not None and spec.unavailable and sel.from_set:
            unavailable[sel.name] = spec.unavailable
            continue
        try:
            runtimes.append(resolve(sel.selector, rebuild))
        except RuntimeSetupError as e:
            if not sel.from_set:
                raise
            unavailable[sel.name] = str(e)
    return runtimes, unavailable


def log(message: str) -> None:
    print(f"tfscope: {message}", file=sys.stderr, flush=True)


def cache_dir() -> Path:
    """$TFSCOPE_CACHE, else $XDG_CACHE_HOME/tfscope (if absolute, as XDG says), else
    ~/.cache/tfscope. A user without a usable home (HOME empty, or `/`, or missing) gets an error
    saying what to set, never a cache in `/.cache` or in a relative `.cache`."""
    if os.environ.get("TFSCOPE_CACHE"):
        return Path(os.environ["TFSCOPE_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "tfscope"
    home = _home()
    if home is None:
        shown = os.environ.get("HOME")
        why = "HOME is not set" if shown is None else \
            "HOME is empty" if not shown else f"HOME is `{shown}`"
        raise RuntimeSetupError(f"no home directory for the runtime cache ({why})",
                                hint="set TFSCOPE_CACHE (or XDG_CACHE_HOME) to a writable "
                                "directory, e.g. TFSCOPE_CACHE=/var/tmp/tfscope-cache")
    return home / ".cache" / "tfscope"


def _home() -> Path | None:
    """The user's home directory if there is a usable one: $HOME (the passwd entry when HOME
    is unset), absolute, not `/`, and existing."""
    home = os.environ.get("HOME")
    if home is None:
        try:
            home = str(Path.home())
        except (RuntimeError, KeyError):
            return None
    if not os.path.isabs(home) or Path(home) == Path("/") or not Path(home).is_dir():
        return None
    return Path(home)


# --- interpreters ------------------------------------------------------------------------------

def _python_version(path: str) -> str | None:
    """major.minor of an interpreter, or None if it does not really run (e.g. a pyenv shim)."""
    try:
        out = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _pyenv_roots() -> list[Path]:
    home = _home()
    roots = [os.environ.get("PYENV_ROOT"), str(home / ".pyenv") if home else None]
    return [Path(r) for r in roots if r]


def _uv_python_dirs() -> list[Path]:
    """Where uv keeps the interpreters it manages (`uv python install`)."""
    home = _home()
    data = os.environ.get("XDG_DATA_HOME") or (str(home / ".local" / "share") if home else "")
    dirs = [os.environ.get("UV_PYTHON_INSTALL_DIR"),
            str(Path(data) / "uv" / "python") if os.path.isabs(data) else None]
    return [Path(d) for d in dirs if d]


def _newest_first(paths: Iterable[Path], version_of: Callable[[Path], str]) -> list[str]:
    return [str(p) for p in sorted(paths, key=lambda p: version_key(version_of(p)),
                                   reverse=True)]


def _uv_find(version: str) -> str | None:
    """`uv python find VERSION`: the interpreter uv would use (it never downloads one)."""
    uv = shutil.which("uv")
    if uv is None:
        return None
    try:
        out = subprocess.run([uv, "python", "find", version], capture_output=True, text=True,
                             timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = out.stdout.strip().splitlines()
    return found[-1].strip() if out.returncode == 0 and found else None


def python_candidates(version: str) -> list[str]:
    """Interpreters that may be Python `version`, in the order they are tried: python3.7 (say)
    on PATH, then pyenv's versions (newest patch first), then uv's managed interpreters, then
    what `uv python find` names."""
    candidates = [shutil.which(f"python{version}")]
    for root in _pyenv_roots():
        candidates += _newest_first(root.glob(f"versions/{version}.*/bin/python{version}"),
                                    lambda p: p.parents[1].name)
    for root in _uv_python_dirs():  # e.g. cpython-3.7.9-linux-x86_64-gnu
        candidates += _newest_first(root.glob(f"cpython-{version}.*/bin/python{version}"),
                                    lambda p: p.parents[1].name.split("-")[1])
    candidates.append(_uv_find(version))
    return list(dict.fromkeys(c for c in candidates if c))


def get_python_command(version: str) -> list[str] | None:
    """How `tfscope runtimes install --get-python` gets a missing interpreter: uv, where it is
    installed (None where it is not)."""
    uv = shutil.which("uv")
    return [uv, "python", "install", version] if uv else None


def no_python_hint(version: str) -> str:
    """The way forward when no Python `version` is found: the exact commands."""
    env = "TFSCOPE_PYTHON" + version.replace(".", "_")
    if get_python_command(version):
        return (f"`tfscope runtimes install --get-python NAME` runs `uv python install "
                f"{version}` for you; or set ${env}=/path/to/python{version}")
    return (f"get one with uv (`curl -LsSf https://astral.sh/uv/install.sh | sh`, then "
            f"`uv python install {version}`) or pyenv (`pyenv install {version}`), or set "
            f"${env}=/path/to/python{version}")


def get_python(version: str) -> str:
    """An interpreter for `version`, installed with uv when none is found (only on request:
    `tfscope runtimes install --get-python`)."""
    try:
        return find_python(version)
    except RuntimeSetupError:
        command = get_python_command(version)
        if command is None:
            raise
    log(f"no Python {version} found: running {' '.join(command)} ...")
    # Its output is short (what it installed, or why not): shown after it, so that it also
    # reaches a stderr that is not a file (a test's capture).
    proc = subprocess.run(command, capture_output=True, text=True)
    for line in (proc.stdout + proc.stderr).splitlines():
        log(f"uv: {line}")
    if proc.returncode != 0:
        raise RuntimeSetupError(f"`{' '.join(command)}` failed (exit {proc.returncode})",
                                hint=no_python_hint(version).split("; or ", 1)[-1])
    return find_python(version)


def use_python(path: str) -> str:
    """Make `path` the interpreter that runtimes of its version are built with (a command-line
    `--python`): the same as setting $TFSCOPE_PYTHON3_7 (say). Returns its major.minor."""
    version = _python_version(path)
    if version is None:
        raise RuntimeSetupError(f"--python {path} is not a working Python interpreter",
                                hint="give the path of a python3.7 (or python3.11) executable")
    os.environ["TFSCOPE_PYTHON" + version.replace(".", "_")] = path
    return version


def find_python(version: str) -> str:
    """An interpreter for `version`: $TFSCOPE_PYTHON3_7 (say), then `python_candidates`."""
    env = "TFSCOPE_PYTHON" + version.replace(".", "_")
    explicit = os.environ.get(env)
    if explicit:
        if _python_version(explicit) != version:
            raise RuntimeSetupError(f"${env}={explicit} is not a working Python {version}",
                                    hint=f"point ${env} at a python{version} executable")
        return explicit
    for candidate in python_candidates(version):
        if _python_version(candidate) == version:
            return candidate
    raise RuntimeSetupError(
        f"no Python {version} interpreter found (looked at ${env}, python{version} on PATH, "
        "pyenv's versions, uv's interpreters)", hint=no_python_hint(version))


# --- provisioning ------------------------------------------------------------------------------
# A runtime is built in a fresh folder beside its final place (`.NAME.build-XXXX`), checked there
# (its module imports, at the pinned version), then swapped in: an existing runtime is never
# removed before a working replacement is ready, so a failed or offline rebuild keeps it. Each
# pip runs in its own process group that dies with an interrupted install (and with tfscope
# itself: PR_SET_PDEATHSIG), and the lock is held until pip has exited. pip's output goes to
# `runtimes/NAME.install.log`; the terminal gets one line per phase.

CHECK_TIMEOUT = 300.0
LOG_TAIL = 15


def _lock_digest(spec: Spec) -> str:
    return hashlib.sha256(spec.lock.read_bytes()).hexdigest()


def _marker(venv: Path) -> str | None:
    try:
        return (venv / MARKER).read_text()
    except OSError:
        return None


def _ready(venv: Path, spec: Spec) -> bool:
    """A complete runtime: the marker (written last) matches the lock file it was built from."""
    try:
        marker = json.loads((venv / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return marker.get("lock") == _lock_digest(spec) and (venv / "bin" / "python").exists()


def damage(venv: Path) -> str | None:
    """What is missing or changed among the runtime's files, found without running it: every
    file that pip's RECORDs list inside site-packages must be there at its recorded size."""
    python = venv / "bin" / "python"
    if not python.exists():
        return f"its interpreter {python} is missing"
    if not os.access(python, os.X_OK):  # `tfscope runtimes` said "installed"
        return f"its interpreter {python} is not executable"
    dists = sorted(venv.glob("lib/python*/site-packages/*.dist-info"))
    if not dists:
        return "no installed packages"
    for dist in dists:
        record = dist / "RECORD"
        try:
            lines = record.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return f"{dist.name} has no RECORD"
        for line in lines:
            path, _, rest = line.partition(",")
            size = rest.rpartition(",")[2]
            if not path or path.startswith("..") or not size.isdigit():
                continue  # scripts outside site-packages, .pyc files (recompiled if missing)
            try:
                actual = (dist.parent / path).stat().st_size
            except OSError:
                return f"missing file {path} (of {dist.name[:-len('.dist-info')]})"
            if actual != int(size):
                return f"changed file {path} ({actual} bytes, {size} when installed)"
    return None


def check(venv: Path, spec: Spec, timeout: float = CHECK_TIMEOUT) -> tuple[str, str]:
    """Run the runtime's check: its files (see `damage`), then its interpreter imports
    `spec.check` at the pinned version. ("ok", ""), ("broken", why), or ("unsure", why) when the
    check itself was killed or ran out of time: that shows nothing about the runtime."""
    why = damage(venv)
    if why:
        return "broken", why
    code = (f"import {spec.check} as m; print('tfscope-check', "
            "getattr(m, '__version__', ''))")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    try:
        proc = subprocess.run([str(venv / "bin" / "python"), "-I", "-c", code],
                              capture_output=True, text=True, errors="replace", env=env,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "unsure", f"its check did not finish within {timeout:g} s"
    except OSError as e:
        return "broken", f"its interpreter cannot run: {e.strerror}"
    if proc.returncode < 0:
        return "unsure", f"its check was killed by signal {-proc.returncode}"
    said = [line for line in proc.stdout.splitlines() if line.startswith("tfscope-check")]
    if proc.returncode != 0 or not said:
        last = [line for line in proc.stderr.splitlines() if line.strip()][-1:] or \
            [f"exit status {proc.returncode}"]
        return "broken", f"`import {spec.check}` fails: {last[0].strip()[:300]}"
    version = said[-1].split(" ", 1)[1].strip() if " " in said[-1] else ""
    if spec.tensorflow and spec.check == "tensorflow" and version != spec.tensorflow:
        return "broken", f"it has TensorFlow {version}, not {spec.tensorflow}"
    return "ok", ""


def shown_broken(spec: Spec) -> str | None:
    """Why the runtime is broken, if its check fails twice the same way; None if it passes, or
    fails differently, or cannot tell (never a reason to delete anything)."""
    venv = venv_dir(spec)
    first = check(venv, spec)
    if first[0] != "broken":
        return None
    second = check(venv, spec)
    return first[1] if second == first else None


@contextlib.contextmanager
def _exclusive(path: Path, what: str) -> Iterator[None]:
    """An inter-process lock, so two harness processes never build one runtime at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another tfscope process to finish provisioning {what} ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Runs an install step as the leader of its own process group and kills the whole group (pip and
# whatever pip or venv start, such as ensurepip) when tfscope dies, even by SIGKILL: the parent's
# death raises SIGTERM here (PR_SET_PDEATHSIG), and so does a getppid() that changed.
_LAUNCH = """
import ctypes, os, signal, subprocess, sys, threading, time
parent = int(sys.argv[1])
def end(*_):
    os.killpg(0, signal.SIGKILL)
signal.signal(signal.SIGTERM, end)
try:
    ctypes.CDLL(None).prctl(1, int(signal.SIGTERM), 0, 0, 0)
except Exception:
    pass
def watch():
    while True:
        if os.getppid() != parent:
            end()
        time.sleep(0.5)
threading.Thread(target=watch, daemon=True).start()
sys.exit(subprocess.call(sys.argv[2:]))
"""


class _Interrupted(BaseException):
    """A SIGTERM or SIGHUP during an install: unwound like Ctrl-C, so that pip is killed."""


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM/SIGHUP raise in the main thread while installing (by default they would end
    tfscope on the spot, leaving pip behind); elsewhere PR_SET_PDEATHSIG does the job."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise _Interrupted(signum)
    old = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    except _Interrupted as e:
        raise SystemExit(128 + e.args[0]) from None
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _run(cmd: list[str], what: str, logfile: Path | None = None) -> None:
    """Run an install step in its own process group, its output appended to `logfile` (or
    shown, without one). Interrupted, the whole group is killed and waited for before the
    exception goes on, so nothing of it outlives the lock."""
    launch = [sys.executable, "-c", _LAUNCH, str(os.getpid()), *cmd]
    out = open(logfile, "a") if logfile else None
    try:
        if out:
            out.write(f"$ {' '.join(cmd)}\n")
            out.flush()
        proc = subprocess.Popen(launch, stdout=out or sys.stderr, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = proc.wait()
        except BaseException:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    finally:
        if out:
            out.close()
    if code != 0:
        lines: list[str] = []
        if logfile:
            with open(logfile, "rb") as log:  # its end only: a log may be long
                log.seek(max(0, log.seek(0, os.SEEK_END) - 64 * 1024))
                text = log.read().decode("utf-8", "replace")
            lines = [line[:2000] for line in text.splitlines() if line.strip()][-LOG_TAIL:]
        raise RuntimeSetupError(
            f"{what} failed (exit {code}): {' '.join(cmd)}",
            hint=f"the whole log: {logfile}; rerun to retry" if logfile else
            "see the output above; rerun to retry", details=lines)


def _relocate(built: Path, final: Path) -> None:
    """Make a venv built at `built` right for `final`: its scripts name their folder."""
    old, new = str(built).encode(), str(final).encode()
    for path in (built / "bin").iterdir():
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if old in data[:4096] and b"\0" not in data[:4096]:
            path.write_bytes(data.replace(old, new))


def _build(spec: Spec, venv: Path) -> None:
    """Build the runtime beside `venv` and swap it in once it passes its check."""
    base = find_python(spec.python)
    started = time.monotonic()
    logfile = venv.parent / f"{spec.name}.install.log"
    for leftover in venv.parent.glob(f".{spec.name}.build-*"):  # of an interrupted build
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in venv.parent.glob(f".{spec.name}.old-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    logfile.write_text(f"# {spec.name}: {spec.description}\n")
    log(f"provisioning runtime {spec.name}: {spec.description} into {venv} "
        f"(once; a minute or more; pip's log: {logfile}) ...")
    build = Path(tempfile.mkdtemp(prefix=f".{spec.name}.build-", dir=venv.parent))
    python = build / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
           "--progress-bar", "off"]
    try:
        log(f"[1/4] {spec.name}: creating the virtualenv (Python {spec.python}: {base})")
        _run([base, "-m", "venv", str(build)], "creating the virtualenv", logfile)
        log(f"[2/4] {spec.name}: installing {' '.join((spec.pip, *spec.setup))}")
        _run([*pip, spec.pip], "installing pip", logfile)
        if spec.setup:  # with the new pip, which honours Requires-Python
            _run([*pip, *spec.setup], "installing the setup packages", logfile)
        count = sum(1 for line in spec.lock.read_text().splitlines() if "==" in line)
        log(f"[3/4] {spec.name}: installing {count} packages from {spec.lock.name} "
            "(hash-checked)")
        _run([*pip, "--require-hashes", "--no-deps", "-r", str(spec.lock)],
             "installing the packages", logfile)
        log(f"[4/4] {spec.name}: checking: import {spec.check}")
        state, why = check(build, spec)
        if state != "ok":
            raise RuntimeSetupError(f"runtime {spec.name}: the new build does not work: {why}",
                                    hint=f"pip's log: {logfile}")
        # The marker last, and atomically: a runtime without it is half-built.
        write_atomic(build / MARKER, json.dumps({"lock": _lock_digest(spec), "python": base,
                                                 "built": time.time(), "pid": os.getpid()}))
        _relocate(build, venv)
        old = None
        if venv.exists() or venv.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{spec.name}.old-", dir=venv.parent))
            os.rename(venv, old / "venv")
        os.rename(build, venv)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    log(f"runtime {spec.name} ready ({time.monotonic() - started:.0f} s)")


def provision(spec: Spec, rebuild: bool = False) -> Runtime:
    """The runtime's venv, built on first use (or when incomplete, stale or `rebuild`)."""
    if spec.unavailable:
        raise RuntimeSetupError(f"runtime {spec.name} is unavailable: {spec.unavailable}",
                                hint="see docs/history-runtimes.md; pick another runtime")
    venv = venv_dir(spec)
    python = venv / "bin" / "python"
    # Ready: no lock, no pip, no network. Otherwise build under an inter-process lock.
    if not rebuild and _ready(venv, spec):
        return Runtime(spec.name, str(python), True, spec.tensorflow)
    seen = _marker(venv)
    with _interruptible(), _exclusive(venv.parent / f"{spec.name}.lock", spec.name):
        if _ready(venv, spec) and (not rebuild or _marker(venv) != seen):
            # Built (or rebuilt, for a process that found it broken too) while we waited.
            return Runtime(spec.name, str(python), True, spec.tensorflow)
        _build(spec, venv)
    return Runtime(spec.name, str(python), True, spec.tensorflow)


def repair(spec: Spec) -> tuple[Runtime, str]:
    """`tfscope runtimes install`: provision the runtime, and check one that looks installed
    (its files, its import): rebuilt when the check fails twice the same way. Returns the
    runtime and what was done ("" when it was fine)."""
    if not _ready(venv_dir(spec), spec):
        return provision(spec), "built"
    why = shown_broken(spec)
    if why is None:
        return provision(spec), ""
    log(f"runtime {spec.name} is broken: {why}; rebuilding it")
    return provision(spec, rebuild=True), f"rebuilt (it was broken: {why})"


def resolve(selector: str, rebuild: bool = False) -> Runtime:
    """`NAME` (a known runtime, provisioned if needed) or `NAME=PYTHON` (an interpreter with TF)."""
    name, sep, python = selector.partition("=")
    name = name.strip()
    if sep:
        if not name or not python:
            raise RuntimeSetupError(f"bad runtime `{selector}`", hint="write NAME or NAME=PYTHON")
        path = shutil.which(python) or python
        if not os.path.exists(path):
            raise RuntimeSetupError(f"runtime {name}: no interpreter at {python}",
                                    hint="give the path of a python that has TensorFlow")
        return Runtime(name, path)
    env = _override(name)
    if env:
        return resolve(f"{name}={env}")
    spec = SPECS.get(name)
    if spec is None:
        raise RuntimeSetupError(f"unknown runtime `{name}`", hint=unknown_runtime_hint(name))
    if spec.unavailable:
        raise RuntimeSetupError(f"runtime {name} is unavailable here: {spec.unavailable}",
                                hint=f"or give an interpreter that has it: --runtime "
                                f"{name}=/path/to/python")
    return provision(spec, rebuild)


def _override(name: str) -> str | None:
    """$TFSCOPE_RUNTIME_TF1_15 (say): an interpreter that stands in for runtime `name`."""
    return os.environ.get("TFSCOPE_RUNTIME_" + name.replace(".", "_").replace("-", "_").upper())


# --- state, removal ----------------------------------------------------------------------------

def venv_dir(spec: Spec) -> Path:
    return cache_dir() / "runtimes" / spec.name


@dataclass(frozen=True)
class Status:
    """What `tfscope runtimes` shows of a known runtime, found without starting it."""
    spec: Spec
    state: str          # installed | broken | incomplete | outdated | not installed | unavailable
    why: str            # for broken, outdated, unavailable, incomplete: the reason
    interpreter: str    # the base interpreter's path, or "python3.6 not found"
    installed_tf: str   # the TensorFlow version in the venv ("" when none)
    path: Path


def _installed_tensorflow(venv: Path) -> str:
    for dist in sorted(venv.glob("lib/python*/site-packages/tensorflow*-*.dist-info")):
        project, version = dist.name[: -len(".dist-info")].rsplit("-", 1)
        if project.lower().replace("_", "-") in TF_PROJECTS:
            return version
    return ""


def status(spec: Spec, interpreters: dict[str, str] | None = None) -> Status:
    """The runtime's state. `interpreters` caches the interpreter lookups of a listing."""
    interpreters = {} if interpreters is None else interpreters
    if spec.python not in interpreters:
        try:
            interpreters[spec.python] = find_python(spec.python)
        except RuntimeSetupError:
            interpreters[spec.python] = f"python{spec.python} not found"
    venv = venv_dir(spec)
    installed = _installed_tensorflow(venv) if venv.is_dir() else ""
    try:
        marker = json.loads((venv / MARKER).read_text())
    except (OSError, ValueError):
        marker = None
    building = any(venv.parent.glob(f".{spec.name}.build-*"))
    if spec.unavailable and not venv.exists():
        state, why = "unavailable", spec.unavailable
    elif isinstance(marker, dict) and marker.get("lock") != _lock_digest(spec):
        state, why = "outdated", (f"built from another {spec.lock.name} (the lock file "
                                  "changed since): rebuilt on use")
    elif marker is not None:
        broken = damage(venv)
        state, why = ("broken", broken + ": `tfscope runtimes install " + spec.name +
                      "` repairs it") if broken else ("installed", "")
    elif venv.exists():
        state, why = "incomplete", "an interrupted build: rebuilt on use"
    elif building:
        state, why = "incomplete", "an interrupted (or running) build: rebuilt on use"
    else:
        state, why = "not installed", ""
    return Status(spec, state, why, interpreters[spec.python], installed, venv)


def remove(spec: Spec) -> bool:
    """Delete the runtime's venv from the cache (under the provisioning lock). True if it was
    there."""
    venv = venv_dir(spec)
    with _exclusive(venv.parent / f"{spec.name}.lock", spec.name):
        if not venv.exists():
            return False
        shutil.rmtree(venv)
    return True


# --- lock files --------------------------------------------------------------------------------

def write_lock(spec: Spec, progress: Callable[[str], None] = log) -> Path:
    """Regenerate `harness/locks/NAME.txt`: every distribution pinned, with its sha256."""
    base = find_python(spec.python)
    with tempfile.TemporaryDirectory(prefix="tfscope-lock-") as tmp:
        venv, wheels = Path(tmp) / "venv", Path(tmp) / "wheels"
        progress(f"resolving {' '.join(spec.requirements)} for Python {spec.python}")
        _run([base, "-m", "venv", str(venv)], "creating a virtualenv")
        py = str(venv / "bin" / "python")
        _run([py, "-m", "pip", "install", "--quiet", spec.pip], "upgrading pip")
        if spec.setup:
            _run([py, "-m", "pip", "install", "--quiet", *spec.setup], "installing setup packages")
        _run([py, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "-d",
              str(wheels), *spec.requirements], "downloading")
        lines = [f"# {spec.name}: {spec.description}. Generated by `python -m harness.lock "
                 f"{spec.name}`",
                 f"# from: {' '.join(spec.requirements)} (Python {spec.python}, "
                 f"{os.uname().machine}); do not edit by hand."]
        for f in sorted(wheels.iterdir(), key=lambda p: p.name.lower()):
            project, version = _name_version(f.name)
            if project in ("setuptools", "wheel", "pip"):
                continue
            digest = hashlib.sha256(f.read_bytes()).hexdigest()
            lines.append(f"{project}=={version} \\\n    --hash=sha256:{digest}")
        spec.lock.parent.mkdir(exist_ok=True)
        spec.lock.write_text("\n".join(lines) + "\n")
    progress(f"wrote {spec.lock}")
    return spec.lock


def _name_version(filename: str) -> tuple[str, str]:
    stem = filename
    for ext in (".whl", ".tar.gz", ".zip", ".tar.bz2"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    parts = stem.split("-")
    return parts[0].replace("_", "-").lower(), parts[1]
