"""`tfscope record`: what TF did, written into each case's `observed:` block, one entry per runtime.

The file is edited as text: only the lines of the `observed:` block change (or it is added after
the case's last line), so comments, key order, blank lines and `expect` stay exactly as written.
The block holds the facts that matter (those the case names, the name of every capture) and the
error, not every fact the worker records, so that the file stays readable.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .cases import Case, load_text
from .errors import CaseError
from .files import environment_error, locked, write_atomic
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
    for key, value in out.items():
        label = key[:-len(".error")] if key.endswith(".error") else None
        if label and case.labels.get(label, {}).get("kind") == "caught" and \
                isinstance(value, dict):
            # A `catch` label's error, as its expectation reads it (no `bases`).
            out[key] = _error(value)
    error = result.outcome.error
    if error is None:
        out["error"] = None
    else:
        out["error"] = _error(error)
        where = error.get("label") or error.get("step")
        if where:
            out["error"]["step"] = where
    return out


def _error(error: dict) -> dict:
    """An error as `tfscope record` writes it: its type and the first line of its message."""
    message = (error.get("message") or "").strip().splitlines()
    return {"type": error.get("type"), "message": (message[0] if message else "")[:MESSAGE_CUT]}


# --- the text of a file, as YAML events with their places -----------------------------------------

# The line breaks PyYAML counts (its marks' line numbers), so that lines here are its lines:
# str.splitlines would also split at form feeds and other characters YAML keeps inside a line.
LINE_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")


@dataclass
class Node:
    start: yaml.Mark
    end_line: int                # 0-based line of the node's last character
    flow: bool = False
    scalar: str | None = None
    alias: bool = False          # a YAML alias (*name): its scalar is the anchored value's
    anchor: str | None = None    # the node's own anchor (&name)
    pairs: list[tuple[Node, Node]] | None = None   # mappings
    items: list[Node] | None = None                # sequences


def _end_line(mark: yaml.Mark) -> int:
    return mark.line if mark.column > 0 else mark.line - 1


def _node(events: list[yaml.Event], i: int, anchors: dict[str, Node]) -> tuple[Node, int]:
    event = events[i]
    if isinstance(event, yaml.AliasEvent):
        target = anchors.get(event.anchor)
        return Node(event.start_mark, _end_line(event.end_mark), alias=True,
                    scalar=target.scalar if target else None), i + 1
    if isinstance(event, yaml.ScalarEvent):
        node = Node(event.start_mark, _end_line(event.end_mark), scalar=event.value,
                    anchor=event.anchor)
        if event.anchor:
            anchors[event.anchor] = node
        return node, i + 1
    flow = bool(event.flow_style)
    children: list[Node] = []
    i += 1
    while not isinstance(events[i], (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
        child, i = _node(events, i, anchors)
        children.append(child)
    end = _end_line(events[i].end_mark) if flow or not children else children[-1].end_line
    node = Node(event.start_mark, end, flow=flow, anchor=event.anchor)
    if event.anchor:
        anchors[event.anchor] = node
    if isinstance(event, yaml.MappingStartEvent):
        node.pairs = list(zip(children[::2], children[1::2]))
    else:
        node.items = children
    return node, i + 1


def case_nodes(text: str) -> list[Node]:
    """The mapping node of every case in a file's text (one case, or a list of them)."""
    events = list(yaml.parse(text, Loader=yaml.SafeLoader))
    root, _ = _node(events, 2, {})  # after stream start and document start
    return root.items if root.items is not None else [root]


def _render(first: str, indent: str, observed: dict[str, dict[str, Any]], eol: str) -> list[str]:
    lines = [f"{first}{KEY}:  {COMMENT}"]
    for runtime, facts in observed.items():
        lines.append(f"{indent}  {inline(runtime)}:")
        lines += [f"{indent}    {inline(k)}: {inline(v)}" for k, v in facts.items()]
    return [line + eol for line in lines]


def _claims(case: Case) -> tuple:
    """What a case claims, without where it stands in the file (lines move as blocks grow)."""
    return (case.id, case.title, case.source, case.imports, _unplaced(case.program),
            case.expect, case.tags, case.timeout,
            [(d.runtimes, d.observed, d.reason) for d in case.deviations])


def _unplaced(value: Any) -> Any:
    """Steps without their line numbers."""
    if isinstance(value, dict):
        return {k: _unplaced(v) for k, v in value.items() if k != "line"}
    if isinstance(value, list):
        return [_unplaced(v) for v in value]
    return value


def _lines(text: str) -> list[str]:
    """The text's lines, each with its own line break (the last one may have none)."""
    out, pos = [], 0
    for m in LINE_BREAK.finditer(text):
        out.append(text[pos:m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def _eol(line: str, default: str) -> str:
    m = LINE_BREAK.search(line)
    return m.group() if m else default


def edit(text: str, path: str, updates: dict[str, dict[str, dict[str, Any]]]) -> str:
    """`text` with the `observed:` block of each case in `updates` (id -> runtime -> facts)
    set: runtimes already recorded and not updated are kept, new ones come last."""
    return edit_counted(text, path, updates)[0]


def edit_counted(text: str, path: str, updates: dict[str, dict[str, dict[str, Any]]]
                 ) -> tuple[str, list[str]]:
    """`edit`, and the ids of the cases whose `observed:` really changed. Every byte outside the
    edited blocks stays as it was (line endings, a missing final newline, comments). A case this
    cannot edit safely (flow style, an alias where a block goes, an edit that would change
    anything else) is a CaseError: the caller then writes nothing."""
    cases, errors = load_text(text, path)
    if errors:
        raise errors[0]
    by_id = {c.id: c for c in cases}
    lines = _lines(text)
    first_break = LINE_BREAK.search(text)
    default_eol = first_break.group() if first_break else "\n"
    final_break = bool(lines) and LINE_BREAK.search(lines[-1]) is not None
    if lines and not final_break:
        lines[-1] += default_eol
    edits: list[tuple[int, int, list[str]]] = []   # replace lines[start:stop] with new lines
    wanted: dict[str, dict[str, Any]] = {}
    for node in case_nodes(text):
        keys = {k.scalar: (k, v) for k, v in node.pairs or []}
        case_id = keys["id"][1].scalar if "id" in keys else None
        if case_id not in updates:
            continue
        def refuse(why: str, fix: str, case_id: str = case_id, node: Node = node) -> CaseError:
            return CaseError(f"cannot record into case `{case_id}`: {why}", path,
                             node.start.line + 1, fix)
        if node.flow:
            raise refuse("it is written in flow style ({...})",
                         "write the case as a block mapping (one key per line)")
        if keys["id"][1].alias:
            raise refuse("its id is a YAML alias (*name)", "write the id itself")
        if case_id in wanted:
            raise refuse("the id is used twice", "give each case its own id")
        observed = dict(by_id[case_id].observed)
        observed.update(updates[case_id])
        wanted[case_id] = observed
        first_key = node.pairs[0][0]
        indent = " " * first_key.start.column
        if KEY in keys:
            key, value = keys[KEY]
            if value.alias or value.anchor:
                raise refuse("its `observed:` is a YAML alias or anchor",
                             "write `observed:` out as a block, without `&`/`*`")
            prefix = lines[key.start.line][:key.start.column]
            eol = _eol(lines[value.end_line], default_eol)
            edits.append((key.start.line, value.end_line + 1,
                          _render(prefix, indent, observed, eol)))
        else:
            end = node.end_line
            while end > node.start.line and not lines[end].strip():
                end -= 1
            edits.append((end + 1, end + 1,
                          _render(indent, indent, observed, _eol(lines[end], default_eol))))
    missing = sorted(set(updates) - set(wanted))
    if missing:
        raise CaseError(f"cannot record into case `{missing[0]}`: its id is not written out "
                        "in the file where record can find it", path, None,
                        "write `id:` as a plain key of the case's mapping")
    for start, stop, block in sorted(edits, reverse=True):
        lines[start:stop] = block
    new = "".join(lines)
    if not final_break:  # the file had no final line break: it still has none
        match = LINE_BREAK.search(new, len(new) - 2 if len(new) >= 2 else 0)
        if match and match.end() == len(new):
            new = new[:match.start()]
    # The edit must leave every claim as it was and hold exactly the observations.
    after, errors = load_text(new, path)
    ok = not errors and [_claims(c) for c in after] == [_claims(c) for c in cases] and all(
        c.observed == wanted.get(c.id, by_id[c.id].observed) for c in after)
    if not ok:
        raise CaseError("cannot record into this file: the edit would change more than "
                        "`observed:` (" + (str(errors[0]) if errors else "the claims differ")
                        + ")", path, None,
                        "write the cases' `observed:` blocks plainly (no anchors or aliases)")
    changed = [i for i in wanted if by_id[i].observed != wanted[i]]
    return new, changed


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


def apply(updates: dict[str, dict[str, dict[str, dict]]]) -> dict[str, tuple[int, list[str]]]:
    """Write `updates` (file -> case id -> runtime -> facts) into the files: all of them or none.
    Each file is locked (another `record` on it waits), read, and edited inside the lock, so two
    records on one file with different runtimes both keep theirs. Every file is edited in memory
    before any is written: a file that cannot be edited is a CaseError and nothing is written.
    Returns per file: the number of cases asked for, and the ids whose block changed."""
    paths = sorted(updates)
    with contextlib.ExitStack() as stack:
        for path in paths:  # one order for every process: no deadlock between two records
            try:
                stack.enter_context(locked(path))
            except OSError as e:
                raise environment_error(e, path, "lock") or e from None
        planned: dict[str, tuple[str, str, list[str]]] = {}
        for path in paths:
            try:
                text = Path(path).read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise CaseError(f"cannot read: {e}", path, None) from None
            new, changed = edit_counted(text, path, updates[path])
            planned[path] = (text, new, changed)
        for path, (text, new, _) in planned.items():
            if new != text:
                write_atomic(path, new)
    return {path: (len(updates[path]), planned[path][2]) for path in paths}
