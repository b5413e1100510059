"""`python -m harness.lock [NAME ...]`: regenerate the hash-pinned lock files of runtimes."""

from __future__ import annotations

import sys

from .errors import UserError
from .runtimes import SPECS, write_lock


def main(argv: list[str] | None = None) -> int:
    names = (sys.argv[1:] if argv is None else argv) or list(SPECS)
    try:
        for name in names:
            if name not in SPECS:
                raise UserError(f"unknown runtime `{name}`", hint="known: " + ", ".join(SPECS))
            write_lock(SPECS[name])
    except UserError as e:
        print(f"tfscope lock: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
