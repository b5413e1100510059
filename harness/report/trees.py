"""Name trees: the names a program created (scopes, variables, ops), as a mermaid diagram, for
the cases tagged `diagram`."""

from __future__ import annotations

import re
from typing import Any

from ..cases import Case
from .model import RunModel
from .text import code, esc

MAX_TREE_NODES = 80


def render(model: RunModel) -> str:
    cases = [c for c in model.cases if "diagram" in c.tags]
    parts = ["## Name trees"]
    if not cases:
        parts.append("No case asks for a diagram (tag a case `diagram` to get one).")
        return "\n\n".join(parts)
    parts.append(f"The names a program creates, as observed on {model.reference}: name scopes "
                 "(boxes, with their trailing `/`), then the variables (cylinders) and other "
                 "ops (rounded) in each. A variable's own internal ops (its initializer, "
                 "`Assign` and `read`) are left out.")
    results = [(c, model.result(c.id, model.reference)) for c in cases]
    shown = [(c, r) for c, r in results if r is not None and not r.outcome.problem]
    if any(saver_scopes(r.outcome.facts) for _, r in shown):
        parts[-1] += (" A `tf.train.Saver`'s own ops (its `save/` scope: the save and restore "
                      "machinery) are folded into one node that counts them.")
    for case, r in shown:
        title = model.link(case, f"Case {model.number[case.id]}")
        parts.append(f"### {esc(case.title)}\n\n{title}: {code(case.id)}\n\n"
                     f"```mermaid\n{mermaid_tree(r.outcome.facts, case)}```")
    return "\n\n".join(parts)


def mermaid_tree(facts: dict[str, Any], case: Case | None = None) -> str:
    """A mermaid `graph TD` of the names in a graph: scopes, then variables and ops in each; a
    Saver's own ops as one node per Saver."""
    variables = [str(v).rsplit(":", 1)[0] for key in ("graph.global_variables",
                                                      "graph.local_variables")
                 for v in facts.get(key) or [] if isinstance(v, str)]
    var_set = set(variables)
    scopes: list[str] = []
    for label_fact, value in sorted(facts.items()):
        # Scopes a program opened, even those it left empty: captured name scopes and the
        # name scopes that variable scopes opened.
        if label_fact.endswith((".original_name_scope", ".name")) and case is not None:
            label = label_fact.split(".", 1)[0]
            kind = case.labels.get(label, {}).get("kind")
            if (kind == "name_scope" and label_fact.endswith(".name")) or (
                    kind == "scope" and label_fact.endswith(".original_name_scope")):
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str) and v.strip("/"):
                        scopes.append(v.strip("/"))
    savers = saver_scopes(facts)
    folded: dict[str, int] = dict.fromkeys(savers, 0)
    kept = []
    for op in facts.get("graph.ops") or []:
        if not isinstance(op, str) or _inside_variable(op, var_set):
            continue
        saver = next((s for s in savers if op == s or op.startswith(s + "/")), None)
        if saver is None:
            kept.append(op)
        else:
            folded[saver] += 1
    kept += [v for v in variables if v not in kept]

    children: dict[str, list[str]] = {"": []}
    kinds: dict[str, str] = {"": "root"}

    def add(path: str, kind: str) -> None:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            node = "/".join(parts[:depth])
            parent = "/".join(parts[:depth - 1])
            if node not in kinds:
                kinds[node] = kind if depth == len(parts) else "scope"
                children.setdefault(parent, []).append(node)
                children.setdefault(node, [])
            elif depth == len(parts) and kind != "scope":
                kinds[node] = kind

    for s in sorted(set(scopes), key=scopes.index):
        add(s, "scope")
    for op in kept:
        add(op, "variable" if op in var_set else "op")
    for saver in savers:
        add(saver, "saver")
    ids: dict[str, str] = {}
    lines = ["graph TD", '  n0(("graph"))']
    ids[""] = "n0"
    rank = {"scope": 0, "variable": 1, "op": 2, "saver": 3}
    queue, shown = [""], 0
    while queue:
        node = queue.pop(0)
        kids = sorted(children.get(node, []), key=lambda k: rank[kinds[k]])
        for kid in kids:
            if shown >= MAX_TREE_NODES:
                lines.append(f'  more["… {len(kinds) - 1 - shown} more names"]')
                return "\n".join(lines) + "\n"
            shown += 1
            ids[kid] = f"n{shown}"
            name = kid.rsplit("/", 1)[-1]
            if kinds[kid] == "saver":
                name += f"/ … {folded[kid]} Saver ops"
            label = _mermaid_label(name + ("/" if kinds[kid] == "scope" else ""))
            shape = {"scope": f'["{label}"]', "variable": f'[("{label}")]',
                     "op": f'(["{label}"])', "saver": f'[["{label}"]]'}[kinds[kid]]
            lines.append(f"  {ids[kid]}{shape}")
            lines.append(f"  {ids[node]} --> {ids[kid]}")
            queue.append(kid)
    return "\n".join(lines) + "\n"


def saver_scopes(facts: dict[str, Any]) -> list[str]:
    """The name scopes a `tf.train.Saver` built its save and restore ops in (`save`, `save_1`,
    ...): each has its `restore_all` op. Dozens of internals that say nothing about the
    program's names: a tree shows each as one node."""
    return sorted({op.rsplit("/", 1)[0] for op in facts.get("graph.ops") or []
                   if isinstance(op, str) and op.endswith("/restore_all") and "/" in op})


def _inside_variable(op: str, variables: set[str]) -> bool:
    parts = op.split("/")
    return any("/".join(parts[:i]) in variables for i in range(1, len(parts)))


def _mermaid_label(text: str) -> str:
    return re.sub(r'["<>#;&`]', lambda m: f"#{ord(m.group())};", text)
