"""`python -m harness.lock [NAME ...]`: regenerate the hash-pinned lock files of runtimes."""

from __future__ import annotations

import sys

from .errors import UserError
from .runtimes import SPECS, write_lock


def main(argv: list[str] | None = None) -> int:
    # By default the runtimes in everyday use; the opt-in history ones are named one by one.
    names = (sys.argv[1:] if argv is None else argv) or [
        name for name, spec in SPECS.items() if not spec.history]
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
