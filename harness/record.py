"""`tfscope record`: what TF did, written into each case's `observed:` block, one entry per runtime.

The file is edited as text: only the lines of the `observed:` block change (or it is added after
the case's last line), so comments, key order, blank lines and `expect` stay exactly as written.
The block holds the facts that matter (those the case names, the name of every capture) and the
error, not every fact the worker records, so that the file stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .cases import Case, load_text
from .errors import CaseError
from .runner import Result
from .yamltext import inline

KEY = "observed"
COMMENT = "# written by `tfscope record`: what TF did, not a claim"
MESSAGE_CUT = 200


def observation(case: Case, result: Result) -> dict[str, Any] | None:
    """The facts to record for one result, or None when TF gave no answer (crash, timeout...)."""
    if result.outcome.problem is not None:
        return None
    facts = result.outcome.facts
    out: dict[str, Any] = {k: facts[k] for k in case.watched_facts() if k in facts}
    error = result.outcome.error
    if error is None:
        out["error"] = None
    else:
        message = (error.get("message") or "").strip().splitlines()
        out["error"] = {"type": error["type"], "message": (message[0] if message else "")[
            :MESSAGE_CUT]}
        where = error.get("label") or error.get("step")
        if where:
            out["error"]["step"] = where
    return out


# --- the text of a file, as YAML events with their places -----------------------------------------

@dataclass
class Node:
    start: yaml.Mark
    end_line: int                # 0-based line of the node's last character
    flow: bool = False
    scalar: str | None = None
    pairs: list[tuple[Node, Node]] | None = None   # mappings
    items: list[Node] | None = None                # sequences


def _end_line(mark: yaml.Mark) -> int:
    return mark.line if mark.column > 0 else mark.line - 1


def _node(events: list[yaml.Event], i: int) -> tuple[Node, int]:
    event = events[i]
    if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
        value = event.value if isinstance(event, yaml.ScalarEvent) else None
        return Node(event.start_mark, _end_line(event.end_mark), scalar=value), i + 1
    flow = bool(event.flow_style)
    children: list[Node] = []
    i += 1
    while not isinstance(events[i], (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
        child, i = _node(events, i)
        children.append(child)
    end = _end_line(events[i].end_mark) if flow or not children else children[-1].end_line
    node = Node(event.start_mark, end, flow=flow)
    if isinstance(event, yaml.MappingStartEvent):
        node.pairs = list(zip(children[::2], children[1::2]))
    else:
        node.items = children
    return node, i + 1


def case_nodes(text: str) -> list[Node]:
    """The mapping node of every case in a file's text (one case, or a list of them)."""
    events = list(yaml.parse(text, Loader=yaml.SafeLoader))
    root, _ = _node(events, 2)  # after stream start and document start
    return root.items if root.items is not None else [root]


def _render(indent: str, observed: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"{indent}{KEY}:  {COMMENT}"]
    for runtime, facts in observed.items():
        lines.append(f"{indent}  {inline(runtime)}:")
        lines += [f"{indent}    {inline(k)}: {inline(v)}" for k, v in facts.items()]
    return [line + "\n" for line in lines]


def _claims(case: Case) -> tuple:
    """What a case claims, without where it stands in the file (lines move as blocks grow)."""
    return (case.id, case.expect,
            [(d.runtimes, d.observed, d.reason) for d in case.deviations])


def edit(text: str, path: str, updates: dict[str, dict[str, dict[str, Any]]]) -> str:
    """`text` with the `observed:` block of each case in `updates` (id -> runtime -> facts)
    set: runtimes already recorded and not updated are kept, new ones come last."""
    cases, errors = load_text(text, path)
    if errors:
        raise errors[0]
    by_id = {c.id: c for c in cases}
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    edits: list[tuple[int, int, list[str]]] = []   # replace lines[start:stop] with new lines
    for node in case_nodes(text):
        keys = {k.scalar: (k, v) for k, v in node.pairs or []}
        case_id = keys["id"][1].scalar if "id" in keys else None
        if case_id not in updates:
            continue
        if node.flow:
            raise CaseError(f"cannot record into case `{case_id}`: it is written in flow style "
                            "({...})", path, node.start.line + 1,
                            "write the case as a block mapping (one key per line)")
        observed = dict(by_id[case_id].observed)
        observed.update(updates[case_id])
        first_key = node.pairs[0][0]
        block = _render(" " * first_key.start.column, observed)
        if KEY in keys:
            key, value = keys[KEY]
            edits.append((key.start.line, value.end_line + 1, block))
        else:
            end = node.end_line
            while end > node.start.line and not lines[end].strip():
                end -= 1
            edits.append((end + 1, end + 1, block))
    for start, stop, block in sorted(edits, reverse=True):
        lines[start:stop] = block
    new = "".join(lines)
    # The edit must leave every claim as it was and hold exactly the observations.
    after, errors = load_text(new, path)
    if errors or [_claims(c) for c in after] != [_claims(c) for c in cases]:
        raise AssertionError(f"recording into {path} would change more than `observed`: "
                             f"{errors[0] if errors else 'claims differ'}")
    return new


def updates_for(results: list[Result]) -> tuple[dict[str, dict[str, dict[str, dict]]],
                                                 list[Result]]:
    """Per file and case id, the observations to write; and the results that gave none."""
    out: dict[str, dict[str, dict[str, dict]]] = {}
    missing = []
    for r in results:
        facts = observation(r.case, r)
        if facts is None:
            missing.append(r)
            continue
        out.setdefault(r.case.path, {}).setdefault(r.case.id, {})[r.runtime] = facts
    return out, missing
