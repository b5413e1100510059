"""Plain data as one line of YAML (flow style), for text the harness writes into case files:
names bare where YAML reads them back as the same string (`foo/var1:0`), else double-quoted."""

from __future__ import annotations

import json
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
    return json.dumps(value)  # null, true, false, numbers


def _flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


def inline(value: Any) -> str:
    """`value` as a one-line YAML flow value that reads back equal (else as JSON)."""
    text = _flow(value)
    try:
        if yaml.safe_load(text) == value:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)
