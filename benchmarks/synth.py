"""Synthetic cases of realistic shape, with expectations from a small model of TF1 naming.

Each case is 2 to 4 blocks (nested variable and name scopes, reuse by flag, by captured scope and
by `reuse_variables`, `repeat` loops with `auto_reuse` and `default_name`, tensors) and sometimes a
final block that raises an expected error. The expected names come from the naming rules the
blocks exercise (get_variable ignores name scopes, re-entered scopes get `_1`, `_2`, ...), written
here, never read back from TensorFlow; so a `fail` verdict in a benchmark run means the model or
TF is wrong, and the verdict counts show the run was real. About one case in ten records a
deviation (an article-style wrong claim plus what TF really does), so `deviates` is exercised too.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

CASES_PER_FILE = 20
VALUE_SHARE = 0.1       # the real corpus asks for values in few cases (each costs a session run)
ERROR_SHARE = 0.2
DEVIATION_SHARE = 0.1


class Block:
    """Steps plus what they should give: expectations and variables created, in order."""

    def __init__(self) -> None:
        self.steps: list[dict] = []
        self.expect: dict[str, Any] = {}
        self.created: list[str] = []
        self.observed: dict[str, Any] = {}   # a recorded deviation's facts, if any


def _floats(rng: random.Random, n: int) -> list[float]:
    return [float(rng.randint(-9, 9)) for _ in range(n)]


def nested(p: str, rng: random.Random, values: bool) -> Block:
    """variable_scope > variable_scope and name_scope: get_variable ignores the name scope."""
    b = Block()
    d1, d2 = rng.randint(1, 8), rng.randint(1, 8)
    init = _floats(rng, 2)
    b.steps = [{"variable_scope": {"name_or_scope": p, "as": f"{p}_s"}, "do": [
        {"variable_scope": {"name_or_scope": "inner"}, "do": [
            {"get_variable": {"name": "w", "shape": [d1, d2], "as": f"{p}_w"}}]},
        {"name_scope": {"name": "ns", "as": f"{p}_ns"}, "do": [
            {"get_variable": {"name": "u", "shape": [d1], "initializer": "zeros",
                              "as": f"{p}_u"}},
            {"variable": {"initial_value": init, "name": "b", "as": f"{p}_b"}}]}]}]
    b.expect = {f"{p}_s.name": p, f"{p}_w.name": f"{p}/inner/w:0", f"{p}_w.shape": [d1, d2],
                f"{p}_ns.name": f"{p}/ns/", f"{p}_u.name": f"{p}/u:0",
                f"{p}_u.collections": ["trainable_variables", "variables"],
                f"{p}_b.name": f"{p}/ns/b:0", f"{p}_b.op.name": f"{p}/ns/b"}
    if values:
        b.expect[f"{p}_b.value"] = init
    b.created = [f"{p}/inner/w:0", f"{p}/u:0", f"{p}/ns/b:0"]
    return b


def reuse_loop(p: str, rng: random.Random, deviation: bool) -> Block:
    """repeat + auto_reuse: get_variable is shared, tf.Variable gets a new scope each time."""
    b = Block()
    n = rng.randint(2, 4)
    b.steps = [{"repeat": n, "do": [
        {"variable_scope": {"name_or_scope": p, "reuse": "auto_reuse", "as": f"{p}_s"}, "do": [
            {"get_variable": {"name": "k", "shape": [rng.randint(1, 8)], "as": f"{p}_k"}},
            {"variable": {"initial_value": 0.0, "name": "v", "as": f"{p}_v"}}]}]}]
    v_names = [f"{p}/v:0"] + [f"{p}_{i}/v:0" for i in range(1, n)]
    b.expect = {f"{p}_k.name": [f"{p}/k:0"] * n, f"{p}_s.reuse": ["auto_reuse"] * n,
                f"{p}_v.name": v_names}
    if deviation:  # the article-style claim that tf.Variable is reused too
        b.expect[f"{p}_v.name"] = [f"{p}/v:0"] * n
        b.observed = {f"{p}_v.name": v_names}
    b.created = [f"{p}/k:0", *v_names]
    return b


def default_name_loop(p: str, rng: random.Random) -> Block:
    """repeat + default_name: a fresh, uniquified scope per entry."""
    b = Block()
    n = rng.randint(2, 4)
    b.steps = [{"repeat": n, "do": [
        {"variable_scope": {"name_or_scope": None, "default_name": p, "as": f"{p}_s"}, "do": [
            {"get_variable": {"name": "w", "shape": [rng.randint(1, 8)], "as": f"{p}_w"}}]}]}]
    scopes = [p] + [f"{p}_{i}" for i in range(1, n)]
    b.expect = {f"{p}_s.name": scopes, f"{p}_w.name": [f"{s}/w:0" for s in scopes]}
    b.created = [f"{s}/w:0" for s in scopes]
    return b


def reuse_scope(p: str, rng: random.Random, values: bool) -> Block:
    """Reuse through a captured scope and through reuse_variables()."""
    b = Block()
    d, c = rng.randint(1, 4), float(rng.randint(1, 9)) / 2
    b.steps = [
        {"variable_scope": {"name_or_scope": p, "as": f"{p}_s"}, "do": [
            {"get_variable": {"name": "w", "shape": [d], "initializer": {"constant": c},
                              "as": f"{p}_w1"}},
            {"get_variable": {"name": "z", "shape": [d], "as": f"{p}_z1"}}]},
        {"variable_scope": {"name_or_scope": {"ref": f"{p}_s"}, "reuse": True}, "do": [
            {"get_variable": {"name": "w", "as": f"{p}_w2"}}]},
        {"variable_scope": {"name_or_scope": p, "as": f"{p}_t"}, "do": [
            {"reuse_variables": f"{p}_t"},
            {"get_variable": {"name": "z", "as": f"{p}_z2"}}]}]
    b.expect = {f"{p}_w1.name": f"{p}/w:0", f"{p}_w2.name": f"{p}/w:0",
                f"{p}_z2.name": f"{p}/z:0", f"{p}_s.reuse": False}
    if values:
        b.expect[f"{p}_w2.value"] = [c] * d
    b.created = [f"{p}/w:0", f"{p}/z:0"]
    return b


def tensors(p: str, rng: random.Random, values: bool) -> Block:
    """Ops in a name scope (a variable_scope's name scope too)."""
    b = Block()
    x = _floats(rng, 3)
    b.steps = [{"name_scope": {"name": p, "as": f"{p}_ns"}, "do": [
        {"constant": {"value": x, "dtype": "float32", "name": "c", "as": f"{p}_c"}},
        {"add": {"x": {"ref": f"{p}_c"}, "y": {"ref": f"{p}_c"}, "name": "s", "as": f"{p}_sum"}},
        {"identity": {"input": {"ref": f"{p}_sum"}, "as": f"{p}_id"}}]}]
    b.expect = {f"{p}_ns.name": f"{p}/", f"{p}_c.name": f"{p}/c:0", f"{p}_sum.name": f"{p}/s:0",
                f"{p}_id.name": f"{p}/Identity:0", f"{p}_sum.shape": [3]}
    if values:
        b.expect[f"{p}_sum.value"] = [2 * v for v in x]
    return b


def error_block(p: str, rng: random.Random) -> tuple[Block, dict]:
    """Ends the program: get_variable of an existing name without reuse, or reuse of a missing
    one."""
    b = Block()
    if rng.random() < 0.5:
        b.steps = [{"variable_scope": {"name_or_scope": p}, "do": [
            {"get_variable": {"name": "x", "shape": [1], "as": f"{p}_x1"}},
            {"get_variable": {"name": "x", "shape": [1], "as": f"{p}_x2"}}]}]
        b.expect = {f"{p}_x1.name": f"{p}/x:0"}
        b.created = [f"{p}/x:0"]
        return b, {"type": "ValueError", "message": "already exists", "step": f"{p}_x2"}
    b.steps = [{"variable_scope": {"name_or_scope": p, "reuse": True}, "do": [
        {"get_variable": {"name": "y", "shape": [1], "as": f"{p}_y"}}]}]
    return b, {"type": "ValueError", "message": "does not exist", "step": f"{p}_y"}


def make_case(i: int, rng: random.Random) -> dict:
    values = rng.random() < VALUE_SHARE
    deviation = rng.random() < DEVIATION_SHARE
    blocks, error = [], None
    kinds = ["nested", "reuse_loop", "default_name_loop", "reuse_scope", "tensors"]
    chosen = rng.sample(kinds, rng.randint(2, 4))
    if deviation and "reuse_loop" not in chosen:
        chosen[0] = "reuse_loop"
    for j, kind in enumerate(chosen):
        p = f"b{j}"
        if kind == "nested":
            blocks.append(nested(p, rng, values))
        elif kind == "reuse_loop":
            blocks.append(reuse_loop(p, rng, deviation))
        elif kind == "default_name_loop":
            blocks.append(default_name_loop(p, rng))
        elif kind == "reuse_scope":
            blocks.append(reuse_scope(p, rng, values))
        else:
            blocks.append(tensors(p, rng, values))
    if rng.random() < ERROR_SHARE:
        block, error = error_block(f"b{len(blocks)}", rng)
        blocks.append(block)
    case: dict[str, Any] = {
        "id": f"synth.case-{i:05d}",
        "title": f"synthetic case {i}: " + ", ".join(chosen),
        "source": {"doc": "synthetic", "quote": "generated by benchmarks/synth.py"},
        "tags": ["synthetic", *chosen] + (["error"] if error else []),
        "program": [step for b in blocks for step in b.steps],
        "expect": {k: v for b in blocks for k, v in b.expect.items()},
    }
    case["expect"]["graph.global_variables"] = [n for b in blocks for n in b.created]
    if error:
        case["expect"]["error"] = error
    observed = {k: v for b in blocks for k, v in b.observed.items()}
    if observed:
        if error:  # a deviation describes the whole outcome, the expected error included
            observed["error"] = error
        case["deviations"] = [{"observed": observed,
                               "reason": "tf.Variable ignores reuse and gets a new name scope."}]
    return case


def generate(n: int, directory: Path, seed: int = 0) -> list[dict]:
    """Write n cases into `directory` (CASES_PER_FILE per file); return them."""
    rng = random.Random(seed)
    cases = [make_case(i, rng) for i in range(n)]
    directory.mkdir(parents=True, exist_ok=True)
    for start in range(0, n, CASES_PER_FILE):
        chunk = cases[start:start + CASES_PER_FILE]
        text = yaml.safe_dump(chunk, sort_keys=False, default_flow_style=None, width=100)
        (directory / f"synth-{start // CASES_PER_FILE:04d}.yaml").write_text(text)
    return cases
