"""Writing output files atomically: a reader (or an interrupted run) never sees half a file."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
