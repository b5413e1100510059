"""Writing output files: a reader (or an interrupted run) never sees half a file, and nothing that
is not a regular file is ever replaced.

`write_atomic` is the one way tfscope writes a file (reports, `--json`, exports, case files by
`record`, `.tfscope/last-run.json`, generated docs). What it does depends on what is there:

- nothing, or a regular file: the text goes to a temporary file in the same directory, is synced,
  and replaces the file in one rename; an existing file keeps its permission bits (and owner, when
  we may set it), a new one gets the usual 0666 minus the umask;
- a symbolic link: the same, applied to the file it points to; the link stays a link;
- anything else that exists (a character or block device such as /dev/null, a FIFO): written
  through, like a shell's `>`, never replaced;
- `-`: standard output.

A file that cannot be written (a directory, no permission, a read-only file system, a file where
a directory is expected) is an `OutputError`: one line with the path and what to do, exit 2.
`locked` is an inter-process lock on a file for read-modify-write (`record`, last-run.json).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import UserError

STDOUT = "-"


class OutputError(UserError):
    """A file or directory tfscope must write that the environment does not let it write."""


# What to do about an OSError, by errno: the environment's fault, each with its fix.
ENVIRONMENT_ERRNOS = {
    errno.EACCES: "no permission: make it writable or choose another place",
    errno.EPERM: "not permitted: make it writable or choose another place",
    errno.EROFS: "read-only file system: choose a writable place",
    errno.EISDIR: "it is a directory: name a file",
    errno.ENOTDIR: "a part of the path is a file, not a directory: move it or choose another place",
    errno.EEXIST: "a part of the path is a file, not a directory: move it or choose another place",
    errno.ENOSPC: "no space left on the device: free some space",
    errno.EDQUOT: "disk quota exceeded: free some space",
    errno.ELOOP: "a symbolic link loops: fix or remove the link",
    errno.ENAMETOOLONG: "the name is too long: choose a shorter path",
    errno.ENXIO: "nothing to write to there (a socket, or a FIFO without a reader)",
    errno.ENOENT: "a part of the path does not exist",
    errno.EIO: "input/output error: check the device",
}


def environment_error(e: OSError, path: str | Path | None = None, doing: str = "write",
                      hint: str | None = None) -> OutputError | None:
    """The one-line error for an OSError the environment caused, or None if it is not one."""
    if e.errno not in ENVIRONMENT_ERRNOS:
        return None
    where = e.filename if e.filename is not None else path
    why = ENVIRONMENT_ERRNOS[e.errno]
    return OutputError(f"cannot {doing}: {e.strerror or e}", str(where) if where else None,
                       hint=f"{why}; {hint}" if hint else why)


def write_atomic(path: str | Path, data: str | bytes | Iterable[str],
                 hint: str | None = None) -> None:
    """Write `data` (text is written as UTF-8, line endings as given; an iterable of texts one
    after the other, never joined) to `path`; see above. `hint` adds what the user can do for
    this file in particular (e.g. another option)."""
    raw = _chunks(data)
    if str(path) == STDOUT:
        sys.stdout.flush()
        for chunk in raw:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        return
    # A symlink (or a chain of them, or a link in a parent) is followed: its target is written.
    target = Path(os.path.realpath(path))
    try:
        try:
            st = os.stat(target)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if st is not None and not stat.S_ISREG(st.st_mode):
            _write_through(target, raw)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        _replace(target, raw, st)
    except OSError as e:
        error = environment_error(e, path, hint=hint)
        if error is None:
            raise
        raise error from None


def _chunks(data: str | bytes | Iterable[str]) -> Iterator[bytes]:
    if isinstance(data, bytes):
        yield data
    elif isinstance(data, str):
        yield data.encode("utf-8")
    else:
        for text in data:
            yield text.encode("utf-8")


def _write_through(target: Path, raw: Iterable[bytes]) -> None:
    """A device or FIFO: opened and written like a shell's `>` does (a FIFO waits for its
    reader), never replaced by a regular file."""
    with open(target, "wb") as handle:
        for chunk in raw:
            handle.write(chunk)


def _replace(target: Path, raw: Iterable[bytes], st: os.stat_result | None) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if st is not None:  # keep the file's permission bits and, when we may, its owner
            os.fchmod(fd, stat.S_IMODE(st.st_mode))
            with contextlib.suppress(OSError):
                if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                    os.fchown(fd, st.st_uid, st.st_gid)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        with os.fdopen(fd, "wb") as handle:
            for chunk in raw:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LockTimeout(UserError):
    """Another process held the lock longer than the caller would wait."""


@contextlib.contextmanager
def locked(path: str | Path, create: bool = False, timeout: float | None = None,
           waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive inter-process lock (flock) on the file at `path` for a read-modify-write.
    Writers replace the file by rename, so the lock is taken on the file the path names *after*
    the lock is held: if it was replaced while we waited, we lock the new one instead.
    `timeout`: seconds to wait for another holder before LockTimeout (None: as long as it
    takes); `waiting()` is called once when the lock is not free at once."""
    flags = os.O_RDONLY | (os.O_CREAT if create else 0)
    while True:
        fd = os.open(path, flags, 0o666)
        try:
            _lock(fd, path, timeout, waiting)
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                return
        finally:
            os.close(fd)


def _lock(fd: int, path: str | Path, timeout: float | None,
          waiting: Callable[[], None] | None) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    if waiting is not None:
        waiting()
    if timeout is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + timeout
    while True:
        time.sleep(0.05)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise LockTimeout(f"another process held its lock for {timeout:g} s",
                                  str(path), hint="wait for it to end, or stop it") from None


def generated_file_main(argv: list[str] | None, prog: str, description: str | None,
                        relpath: Path, text: Callable[[], str]) -> int:
    """`python -m harness.X [--check]` for a file generated from the code: write it, or (with
    --check) exit 1 when the committed one is stale."""
    from .config import load_config

    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    path = load_config().root / relpath
    if args.check:
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text():
            print(f"{path}: stale; run `{prog}`", file=sys.stderr)
            return 1
        return 0
    write_atomic(path, text())
    print(f"wrote {path}")
    return 0
