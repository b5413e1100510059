"""Plain data as one line of YAML (flow style), for text the harness writes into case files:
names bare where YAML reads them back as the same string (`foo/var1:0`), else double-quoted."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

BARE = re.compile(r"[A-Za-z_./][A-Za-z0-9_./:+-]*")


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        if BARE.fullmatch(value) and not value.endswith(":") and \
                yaml.safe_load(value) == value:
            return value
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):  # YAML 1.1 reads 1e-05 (no dot) as a string: 1.0e-05, .inf
        return yaml.safe_dump(value).splitlines()[0]
    return json.dumps(value)  # null, true, false, integers


def _flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


def _same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to itself (`.nan` reads back as a NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def inline(value: Any) -> str:
    """`value` as a one-line YAML flow value that reads back equal (else as JSON)."""
    text = _flow(value)
    try:
        if _same(yaml.safe_load(text), value):
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)
