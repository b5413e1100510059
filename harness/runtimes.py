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
import subprocess
import sys
import tempfile
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


def _run(cmd: list[str], what: str) -> None:
    """Run an install step, its output shown as progress on stderr."""
    proc = subprocess.run(cmd, stdout=sys.stderr, stderr=sys.stderr)
    if proc.returncode != 0:
        raise RuntimeSetupError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}",
                                hint="see the output above; rerun to retry")


def provision(spec: Spec, rebuild: bool = False) -> Runtime:
    """The runtime's venv, built on first use (or when incomplete, stale or `rebuild`)."""
    if spec.unavailable:
        raise RuntimeSetupError(f"runtime {spec.name} is unavailable: {spec.unavailable}",
                                hint="see docs/history-runtimes.md; pick another runtime")
    venv = cache_dir() / "runtimes" / spec.name
    python = venv / "bin" / "python"
    # Ready: no lock, no pip, no network. Otherwise build under an inter-process lock.
    if not rebuild and _ready(venv, spec):
        return Runtime(spec.name, str(python), True, spec.tensorflow)
    seen = _marker(venv)
    with _exclusive(venv.parent / f"{spec.name}.lock", spec.name):
        if _ready(venv, spec) and (not rebuild or _marker(venv) != seen):
            # Built (or rebuilt, for a process that found it broken too) while we waited.
            return Runtime(spec.name, str(python), True, spec.tensorflow)
        base = find_python(spec.python)
        started = time.monotonic()
        log(f"provisioning runtime {spec.name}: {spec.description} into {venv} "
            "(once; about a minute) ...")
        if venv.exists():
            log(f"removing the incomplete or stale runtime at {venv}")
            shutil.rmtree(venv)
        _run([base, "-m", "venv", str(venv)], "creating the virtualenv")
        steps = 3 if spec.setup else 2
        log(f"[1/{steps}] upgrading pip in {spec.name}")
        _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              spec.pip], "upgrading pip")
        if spec.setup:
            log(f"[2/3] installing {' '.join(spec.setup)}")
            _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  *spec.setup], "installing the setup packages")
        log(f"[{steps}/{steps}] installing {spec.lock.name} (hash-checked)")
        _run([str(python), "-m", "pip", "install", "--disable-pip-version-check",
              "--progress-bar", "off", "--no-input", "--require-hashes", "--no-deps",
              "-r", str(spec.lock)], "installing TensorFlow")
        # The marker last, and atomically: a runtime without it is half-built and gets rebuilt.
        write_atomic(venv / MARKER, json.dumps({"lock": _lock_digest(spec), "python": base,
                                                "built": time.time(), "pid": os.getpid()}))
        log(f"runtime {spec.name} ready ({time.monotonic() - started:.0f} s)")
    return Runtime(spec.name, str(python), True, spec.tensorflow)


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
    state: str          # installed | not installed | outdated | unavailable
    why: str            # for unavailable (and outdated): the reason
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
    if _ready(venv, spec):
        state, why = "installed", ""
    elif spec.unavailable:
        state, why = "unavailable", spec.unavailable
    elif venv.exists():
        state, why = "outdated", "incomplete, or built from another lock file: rebuilt on use"
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
