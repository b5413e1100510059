"""The behaviour report: the results of a run as one markdown document (reports/behaviour.md).

Written for a TF1 user who never opens a case file: what each source claims, the claim as TF 1.x
code, what TF really did. Deterministic: the text depends only on the cases, the claims index and
what the runtimes reported (no times, no absolute paths, no dict order).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tabulate as tabulate_module
import yaml

from .cases import Case
from .compare import (
    CONFORMS,
    CRASH,
    DEVIATES,
    ERROR,
    FAIL,
    MISSING,
    OBSERVED,
    STALE,
    TIMEOUT,
    VERDICTS,
    error_matches,
    match,
)
from .errors import UserError
from .render import python_code
from .runner import Result, RunResults
from .runtimes import DEFAULT_RUNTIME, in_version_order

SYMBOLS = {CONFORMS: "✅", DEVIATES: "⚠️", OBSERVED: "📝", FAIL: "❌", STALE: "🕸️", ERROR: "💥",
           CRASH: "💥", TIMEOUT: "⏱️"}
MEANING = {
    CONFORMS: "TensorFlow does what the source says.",
    DEVIATES: "TensorFlow does something else, and the case records what and why.",
    OBSERVED: "the case makes no claim yet (empty `expect`): what TensorFlow did is shown.",
    FAIL: "TensorFlow does something else, and nothing recorded explains it.",
    STALE: "a difference is recorded, but TensorFlow now does what the source says.",
    ERROR: "the case or the harness is broken.",
    CRASH: "TensorFlow's process died running the case.",
    TIMEOUT: "the case did not finish in time.",
}
TOPICS = {  # tag -> heading; the first tag of a case is its topic
    "example": "The article's code example", "variable_scope": "tf.variable_scope",
    "name_scope": "tf.name_scope", "get_variable": "tf.get_variable",
    "Variable": "tf.Variable", "reuse": "Reuse", "reuse_variables": "reuse_variables()",
    "auto_reuse": "tf.AUTO_REUSE", "VariableScope": "VariableScope objects",
    "reentry": "Re-entering scopes", "absolute_name_scope": "Absolute name scopes",
    "get_variable_ignores_name_scope": "get_variable ignores name_scope",
    "already_exists": "\"already exists, disallowed\"",
    "does_not_exist": "\"does not exist, or was not created with tf.get_variable()\"",
    "reuse_false": "Reuse cannot be switched off", "variable_reuse": "tf.Variable and reuse",
    "shape_mismatch": "Sharing with another shape", "collections": "Collections",
    "partitioner": "Partitioned variables", "custom_getter": "Custom getters",
    "caching_device": "Caching devices", "device": "Devices",
    "control_dependencies": "Control dependencies", "saver": "Checkpoint keys",
    "layers": "tf.layers", "keras": "tf.keras.layers", "layer": "User-defined layers",
    "template": "tf.make_template", "optimizer": "Optimizers",
}
QUOTE_CUT, READING_CUT, WHERE_CUT = 70, 70, 40
MAX_TREE_NODES = 80
WIDE = 4             # with more runtimes than this, verdict columns show the symbol alone
CHANGE_CUT = 100     # a value in "Changes between versions"
DELTA_FROM = 4       # lists this long are shown there as what one side has and the other lacks
DEFAULT_COMMAND = "`tfscope report` (or `make report`)"


NAMES = {OBSERVED: "observed, no claim"}


def verdict_cell(verdict: str | None) -> str:
    return "—" if verdict is None else f"{SYMBOLS[verdict]} {NAMES.get(verdict, verdict)}"


# --- markdown text ------------------------------------------------------------------------------

def one_line(text: Any) -> str:
    return " / ".join(part.strip() for part in str(text).splitlines() if part.strip())


def cut(text: Any, limit: int) -> str:
    text = re.sub(r"\s+", " ", one_line(text)).strip()
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,.;:") + "…"


def esc(text: Any) -> str:
    """Prose that must show as written: markdown's active characters escaped."""
    text = str(text).replace("\\", "\\\\")
    text = re.sub(r"([`*\[\]<>~|])", r"\\\1", text)
    # Underscores inside words are literal in GitHub markdown; only those at a word edge act.
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)


def code(text: Any) -> str:
    text = one_line(text)
    ticks = "`"
    while ticks in text:
        ticks += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def cell(text: str) -> str:
    """A table cell: one line, pipes escaped (inside code spans too, as GFM tables need)."""
    return one_line(text).replace("|", "\\|").replace("\\\\|", "\\|")


def table(headers: list[str], rows: list[list[str]], align: Iterable[str] | None = None) -> str:
    saved = tabulate_module.WIDE_CHARS_MODE
    tabulate_module.WIDE_CHARS_MODE = False  # padding must not depend on wcwidth being installed
    try:
        return tabulate_module.tabulate(
            [[cell(c) for c in row] for row in rows], headers=[cell(h) for h in headers],
            tablefmt="github", disable_numparse=True,
            colalign=list(align) if align else None)
    finally:
        tabulate_module.WIDE_CHARS_MODE = saved


def py(value: Any) -> str:
    """A fact value as a Python reader writes it (strings bare at the top level)."""
    if isinstance(value, str):
        return value if value else "''"
    return _py(value)


def _py(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    return repr(value)


def expected_text(fact: str, expected: Any) -> str:
    if fact == "error":
        return error_expected_text(expected)
    if isinstance(expected, dict) and len(expected) == 1:
        (name, arg), = expected.items()
        if name == "matches":
            return f"matches {code(arg)}"
        if name == "startswith":
            return f"starts with {code(arg)}"
        if name == "contains":
            return "includes " + ", ".join(code(py(x)) for x in arg)
        if name == "excludes":
            return "has none of " + ", ".join(code(py(x)) for x in arg)
    return code(py(expected))


def error_expected_text(expected: Any) -> str:
    if not expected or expected == "no error":
        return "no error"
    parts = [f"raises {code(expected['type'])}"]
    if "message" in expected:
        parts.append(f"saying “{esc(expected['message'])}”")
    if "matches" in expected:
        parts.append(f"matching {code(expected['matches'])}")
    if "step" in expected:
        parts.append(f"at {code(expected['step'])}")
    return " ".join(parts)


def error_actual_text(error: dict | None) -> str:
    if error is None:
        return "no error"
    message = cut(error.get("message", "").split("Originally defined at")[0], 120)
    where = error.get("label") or error.get("step")
    return f"raises {code(error['type'])}: “{esc(message)}”" + (f" at {code(where)}" if where
                                                               else "")


# --- the document -------------------------------------------------------------------------------

@dataclass
class ClaimIndex:
    """A document's statements in reading order (claims/DOC.yaml), with the cases checking each."""
    doc: str
    claims: list[dict]
    path: str


def load_claims(directory: Path) -> list[ClaimIndex]:
    out = []
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.yaml")):
        shown = f"{directory.name}/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            raise UserError(f"cannot read the claims index: {str(e).splitlines()[0]}", shown,
                            hint="fix its YAML") from None
        claims = data.get("claims") if isinstance(data, dict) else None
        if not isinstance(claims, list) or not all(isinstance(c, dict) and "text" in c
                                                   for c in claims):
            raise UserError("a claims index needs `claims:`, a list of mappings with `text`",
                            shown, hint="see claims/article.yaml")
        out.append(ClaimIndex(str(data.get("doc") or path.stem), claims, shown))
    return out


class Report:
    def __init__(self, run: RunResults, root: Path, out: Path, claims: list[ClaimIndex],
                 digest: str | None = None, command: str = DEFAULT_COMMAND) -> None:
        self.run, self.root, self.claims = run, root.resolve(), claims
        self.digest, self.command = digest, command
        self.out_dir = out.resolve().parent
        # Columns from the oldest TensorFlow to the newest, whatever order they were given in.
        versions = {rt: str(info.get("tensorflow", "")) for rt, info in run.info.items()}
        self.runtimes = in_version_order(run.runtimes, versions)
        self.reference = DEFAULT_RUNTIME if DEFAULT_RUNTIME in self.runtimes else (
            run.runtimes[0] if run.runtimes else None)
        self.wide = len(self.runtimes) > WIDE
        self.by_case = run.by_case()
        seen: dict[str, Case] = {}
        for r in run.results:
            seen.setdefault(r.case.id, r.case)
        self.topics = self._topics(list(seen.values()))
        self.cases = [c for _, cases in self.topics for c in cases]
        self.number = {c.id: i + 1 for i, c in enumerate(self.cases)}
        self.anchor = self._anchors(self.cases)

    # -- helpers --

    @staticmethod
    def _topics(cases: list[Case]) -> list[tuple[str, list[Case]]]:
        groups: dict[str, list[Case]] = {}
        for case in cases:
            groups.setdefault(case.tags[0] if case.tags else "other", []).append(case)
        order = [t for t in TOPICS if t in groups] + [t for t in groups if t not in TOPICS]
        return [(t, groups[t]) for t in order]

    @staticmethod
    def _anchors(cases: list[Case]) -> dict[str, str]:
        out: dict[str, str] = {}
        used: set[str] = set()
        for case in cases:
            slug = "case-" + re.sub(r"[^a-z0-9]+", "-", case.id.lower()).strip("-")
            candidate, n = slug, 2
            while candidate in used:
                candidate, n = f"{slug}-{n}", n + 1
            used.add(candidate)
            out[case.id] = candidate
        return out

    def per_runtime_table(self, headers: list[str], rows: list[list[str]], start: int) -> str:
        """A table with one column per runtime from `start` on, folded into one column when
        every runtime gives the same cell in every row: no wider than it needs to be."""
        n = len(self.runtimes)
        if n > 1 and all(len(set(row[start:start + n])) == 1 for row in rows):
            headers = headers[:start] + [f"all {n} runtimes"] + headers[start + n:]
            rows = [row[:start + 1] + row[start + n:] for row in rows]
        return table(headers, rows)

    def result(self, case_id: str, runtime: str | None) -> Result | None:
        return self.by_case.get(case_id, {}).get(runtime) if runtime else None

    def verdict(self, case_id: str, runtime: str | None) -> str | None:
        r = self.result(case_id, runtime)
        return r.verdict.verdict if r else None

    def verdict_column(self, verdict: str | None) -> str:
        """A verdict in a table with a column per runtime: the symbol alone when they are many."""
        if self.wide:
            return "—" if verdict is None else SYMBOLS[verdict]
        return verdict_cell(verdict)

    def link(self, case: Case, text: str | None = None) -> str:
        return f"[{text or self.number[case.id]}](#{self.anchor[case.id]})"

    def case_file(self, case: Case) -> str:
        """The case's file and line, linked relative to the report when both are in the project."""
        path = Path(case.path)
        absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
        try:
            shown = absolute.relative_to(self.root).as_posix()
        except ValueError:
            return code(f"{path.name}:{case.line}")
        try:
            self.out_dir.relative_to(self.root)
        except ValueError:
            return code(f"{shown}:{case.line}")
        href = Path(os.path.relpath(absolute, self.out_dir)).as_posix()
        return f"[{shown}:{case.line}]({href}#L{case.line})"

    # -- sections --

    def render(self) -> str:
        parts = [self.header(), self.summary(), self.matrix(), self.changes(),
                 self.claims_section(), self.errata(), self.trees(), self.case_sections()]
        text = "\n\n".join(p.strip("\n") for p in parts if p) + "\n"
        return re.sub(r"\n{3,}", "\n\n", text)

    def header(self) -> str:
        docs: dict[str, int] = {}
        for case in self.cases:
            docs[case.source["doc"]] = docs.get(case.source["doc"], 0) + 1
        sources = ", ".join(f"{esc(doc)} ({n})" for doc, n in docs.items())
        lines = [
            "# What TensorFlow 1.x really does with variable and name scopes", "",
            f"<!-- Generated by {self.command} from the cases in cases/. "
            "Do not edit: change a case and regenerate. -->",
            *([f"<!-- cases digest: {self.digest} -->"] if self.digest else []), "",
            "Statements about `tf.variable_scope`, `tf.name_scope`, `tf.get_variable` and "
            "`tf.Variable`, each turned into a small TensorFlow program (a *case*) together with "
            "what the statement predicts, and run on real TensorFlow. For every case you get the "
            "claim, the program as TensorFlow 1.x code you can paste, what the source predicts "
            "and what TensorFlow did.", "",
            f"**{len(self.cases)} cases**, by source: {sources}. Checked on:", "",
            self.runtime_table(), "",
            "Contents: [Summary](#summary) · [Compatibility matrix](#compatibility-matrix) · "
            "[Changes between versions](#changes-between-versions) · [Claims](#claims) · "
            "[Article errata](#article-errata) · [Name trees](#name-trees) · "
            "[Cases by topic](#cases-by-topic)",
        ]
        return "\n".join(lines)

    def runtime_table(self) -> str:
        rows = []
        for rt in self.runtimes:
            info = self.run.info.get(rt, {})
            rows.append([rt, info.get("tensorflow", "?"), info.get("python", "?"),
                         code(info.get("platform", "?"))])
        for rt, why in sorted(self.run.unavailable.items()):
            rows.append([rt, "unavailable here", "—", esc(cut(why, 100))])
        return table(["runtime", "TensorFlow", "Python", "platform"], rows)

    def summary(self) -> str:
        rows = []
        for verdict in VERDICTS:
            counts = [sum(1 for c in self.cases if self.verdict(c.id, rt) == verdict)
                      for rt in self.runtimes]
            if any(counts):
                rows.append([verdict_cell(verdict), *map(str, counts), MEANING[verdict]])
        legend = table(["verdict", *self.runtimes, "meaning"], rows,
                       ["left", *["right"] * len(self.runtimes), "left"])
        return "## Summary\n\n" + legend

    def matrix(self) -> str:
        """Cases by topic against runtimes in version order: where behaviour changed, at a
        glance (in the manner of the JavaScript compatibility tables)."""
        legend = " · ".join(f"{SYMBOLS[v]} {v}" for v in VERDICTS if v != CRASH)
        parts = ["## Compatibility matrix",
                 "Every case (rows, by topic) on every runtime (columns, oldest TensorFlow "
                 f"first): {legend}, — not run. A cell that differs from its left neighbour is "
                 "a change between those versions, listed in the next section."]
        rows = []
        for topic, cases in self.topics:
            rows.append(["", f"**{esc(TOPICS.get(topic, topic))}**", *[""] * len(self.runtimes)])
            for case in cases:
                rows.append([self.link(case), esc(cut(case.title, 70)),
                             *["—" if self.verdict(case.id, rt) is None
                               else SYMBOLS[self.verdict(case.id, rt) or ""]
                               for rt in self.runtimes]])
        parts.append(table(["#", "case", *self.runtimes], rows,
                           ["right", "left", *["center"] * len(self.runtimes)]))
        if self.run.unavailable:
            parts.append("Not run, unavailable here: " + "; ".join(
                f"{rt} ({esc(cut(why, 100))})" for rt, why in sorted(self.run.unavailable.items())))
        return "\n\n".join(parts)

    def changes(self) -> str:
        """Every observed fact (and exception) that differs between two runtimes adjacent in
        version order, per case."""
        parts = ["## Changes between versions"]
        if len(self.runtimes) < 2:
            parts.append("One runtime only: nothing to compare.")
            return "\n\n".join(parts)
        parts.append("For each two runtimes next to each other in version order, every fact a "
                     "case observed that differs between them (and the exception raised, by "
                     "type and message), whatever the source claims. Long lists show what one "
                     "side has and the other lacks.")
        for old, new in zip(self.runtimes, self.runtimes[1:]):
            rows = []
            for case in self.cases:
                a, b = self.result(case.id, old), self.result(case.id, new)
                if a is None or b is None:
                    continue
                for fact, left, right in changed_facts(a, b):
                    rows.append([self.link(case), code(case.id), code(fact), left, right])
            parts.append(f"### {old} → {new}")
            if rows:
                parts.append(table(["#", "case", "fact", old, new], rows))
            else:
                parts.append("No observed fact differs.")
        return "\n\n".join(parts)

    def claims_section(self) -> str:
        parts = ["## Claims"]
        for index in self.claims:
            parts.append(self.claim_index(index))
        parts.append("### Every case\n\nOne row per case, in the order of the sections below. A "
                     "statement that can be read in more than one way has one case per reading.")
        rows = []
        for case in self.cases:
            claim = self.link(case, "“" + esc(cut(case.source["quote"], QUOTE_CUT)) + "”")
            if case.source.get("reading"):
                claim += "<br>*read as:* " + esc(cut(case.source["reading"], READING_CUT))
            source = esc(case.source["doc"])
            if case.source.get("where"):
                source += ": " + esc(cut(case.source["where"], WHERE_CUT))
            rows.append([str(self.number[case.id]), claim, source,
                         *[self.verdict_column(self.verdict(case.id, rt)) for rt in self.runtimes]])
        parts.append(table(["#", "claim", "source", *self.runtimes], rows))
        return "\n\n".join(parts)

    def claim_index(self, index: ClaimIndex) -> str:
        known = {c.id: c for c in self.cases}
        rows = []
        for claim in index.claims:
            ids = [i for i in claim.get("cases") or [] if isinstance(i, str)]
            statement = "“" + esc(cut(claim["text"], 90)) + "”"
            if claim.get("checkable") is False or not ids:
                why = claim.get("why") or "no case checks it"
                statement += "<br>*not checkable:* " + esc(cut(why, 70))
                rows.append([str(claim.get("n", "")), esc(cut(claim.get("where", ""), WHERE_CUT)),
                             statement, *["—"] * len(self.runtimes), ""])
                continue
            cases = [known[i] for i in ids if i in known]
            cells = [self.overall([self.verdict(c.id, rt) for c in cases]) if cases else "not run"
                     for rt in self.runtimes]
            links = ", ".join(self.link(c) for c in cases)
            rows.append([str(claim.get("n", "")), esc(cut(claim.get("where", ""), WHERE_CUT)),
                         statement, *cells, links])
        intro = (f"### The {esc(index.doc)}, statement by statement\n\n"
                 f"Every statement of the {esc(index.doc)} in reading order (from "
                 f"{code(index.path)}), with the verdict of the cases that check it: "
                 "✅ holds (every case conforms), ⚠️ does not hold (every case deviates), "
                 "✅⚠️ partly (true in some readings or parts, not in others).")
        return intro + "\n\n" + table(["#", "where", "statement", *self.runtimes, "cases"], rows)

    def overall(self, verdicts: list[str | None]) -> str:
        found = set(verdicts)
        words = not self.wide
        if found == {CONFORMS}:
            return "✅ holds" if words else "✅"
        if found == {DEVIATES}:
            return "⚠️ does not hold" if words else "⚠️"
        if found == {CONFORMS, DEVIATES}:
            return "✅⚠️ partly" if words else "✅⚠️"
        for verdict in (FAIL, STALE, ERROR, CRASH, TIMEOUT):
            if verdict in found:
                return self.verdict_column(verdict)
        return "not run"

    def errata(self) -> str:
        ref = self.reference
        wrong = [c for c in self.cases if c.source["doc"] == "article"
                 and self.verdict(c.id, ref) in (DEVIATES, FAIL)]
        order: dict[str, int] = {}
        for index in self.claims:
            if index.doc == "article":
                for pos, claim in enumerate(index.claims):
                    for case_id in claim.get("cases") or []:
                        order.setdefault(case_id, pos)
        wrong.sort(key=lambda c: (order.get(c.id, len(order) + 1), self.number[c.id]))
        parts = ["## Article errata"]
        if not wrong:
            parts.append(f"Real TensorFlow ({ref}) bears out every statement of the article "
                         "that the cases check.")
            return "\n\n".join(parts)
        parts.append(f"The article's statements that real TensorFlow ({ref}) does not bear out, "
                     "in the article's order, each with what TensorFlow really does (and on "
                     "which runtimes), and the facts where the article and TensorFlow part.")
        for n, case in enumerate(wrong, 1):
            r = self.result(case.id, ref)
            assert r is not None
            where = f" ({esc(case.source['where'])})" if case.source.get("where") else ""
            block = [f"**E{n}.** The article{where}:", "", blockquote(case.source["quote"]), ""]
            if case.source.get("reading"):
                block += [f"*Read as:* {esc(one_line(case.source['reading']))}", ""]
            same = [rt for rt in self.runtimes if self.verdict(case.id, rt) == r.verdict.verdict]
            if r.verdict.verdict == DEVIATES:
                block += [f"**What TensorFlow does** ({', '.join(same)}): "
                          f"{esc(one_line(r.verdict.reason))}", ""]
            else:
                block += ["**❌ TensorFlow differs, and no recorded deviation explains it**"
                          + (f": {esc(one_line(r.verdict.reason))}" if r.verdict.reason else "."),
                          ""]
            rows = [[code(m.fact), expected_text(m.fact, m.expected),
                     actual_text(m.fact, m.actual)] for m in r.verdict.diff]
            if rows:
                block += [table(["fact", "the article", ref], rows), ""]
            details = self.link(case, f"case {self.number[case.id]}")
            block.append(f"Program and details: {details}")
            parts.append("\n".join(block))
        return "\n\n".join(parts)

    def trees(self) -> str:
        cases = [c for c in self.cases if "diagram" in c.tags]
        parts = ["## Name trees"]
        if not cases:
            parts.append("No case asks for a diagram (tag a case `diagram` to get one).")
            return "\n\n".join(parts)
        parts.append(f"The names a program creates, as observed on {self.reference}: name scopes "
                     "(boxes, with their trailing `/`), then the variables (cylinders) and other "
                     "ops (rounded) in each. A variable's own internal ops (its initializer, "
                     "`Assign` and `read`) are left out.")
        for case in cases:
            r = self.result(case.id, self.reference)
            if r is None or r.outcome.problem:
                continue
            title = self.link(case, f"Case {self.number[case.id]}")
            parts.append(f"### {esc(case.title)}\n\n{title}: {code(case.id)}\n\n"
                         f"```mermaid\n{mermaid_tree(r.outcome.facts, case)}```")
        return "\n\n".join(parts)

    def case_sections(self) -> str:
        parts = ["## Cases by topic",
                 "Each case: the claim as its source words it, the program as TensorFlow 1.x "
                 "code, and each fact it checks: what the source says, and what TensorFlow did "
                 "(✅ as the source says, ⚠️ differs as recorded, ❌ differs unexplained)."]
        for topic, cases in self.topics:
            parts.append(f"### {esc(TOPICS.get(topic, topic))}")
            parts += [self.case_section(c) for c in cases]
        return "\n\n".join(parts)

    def case_section(self, case: Case) -> str:
        src = case.source
        verdicts = " · ".join(f"{verdict_cell(self.verdict(case.id, rt))} on {rt}"
                              for rt in self.runtimes)
        lines = [f'<a id="{self.anchor[case.id]}"></a>', "",
                 f"#### {self.number[case.id]}. {esc(one_line(case.title))}", "",
                 blockquote(src["quote"]), "",
                 f"— {esc(src['doc'])}" + (f", {esc(one_line(src['where']))}" if src.get("where")
                                           else ""), ""]
        if src.get("reading"):
            lines += [f"*Read as:* {esc(one_line(src['reading']))}", ""]
        lines += [f"**Verdict:** {verdicts} · case {code(case.id)} in {self.case_file(case)}", "",
                  "```python", python_code(case).rstrip("\n"), "```", "",
                  self.fact_table(case), ""]
        for note in self.notes(case):
            lines += [note, ""]
        return "\n".join(lines)

    def fact_table(self, case: Case) -> str:
        facts = list(case.expect)
        for deviation in case.deviations:
            facts += [f for f in deviation.observed if f not in facts]
        if not facts:  # no claim: show what TF did with what the case captures
            facts = [*case.watched_facts(), "error"]
        rows = []
        for fact in facts:
            claimed = fact in case.expect
            row = [code(fact),
                   expected_text(fact, case.expect[fact]) if claimed else "(not claimed)"]
            for rt in self.runtimes:
                row.append(self.fact_cell(case, rt, fact, claimed))
            rows.append(row)
        return self.per_runtime_table(["fact", "the source says", *self.runtimes], rows, 2)

    def fact_cell(self, case: Case, runtime: str, fact: str, claimed: bool) -> str:
        r = self.result(case.id, runtime)
        if r is None:
            return "not run"
        if r.outcome.problem is not None:
            return verdict_cell(r.verdict.verdict)
        actual = r.outcome.error if fact == "error" else r.outcome.facts.get(fact, MISSING)
        shown = actual_text(fact, actual)
        if not claimed:
            return shown
        expected = case.expect[fact]
        ok = error_matches(expected, actual) if fact == "error" else match(expected, actual)
        if ok:
            literal = fact != "error" and not (isinstance(expected, dict) and len(expected) == 1)
            return "✅ same" if literal or (fact == "error" and actual is None) else "✅ " + shown
        return ("⚠️ " if r.verdict.verdict == DEVIATES else "❌ ") + shown

    def notes(self, case: Case) -> list[str]:
        out = []
        reasons: dict[tuple[str, str], list[str]] = {}
        for rt in self.runtimes:
            r = self.result(case.id, rt)
            if r is None or r.verdict.verdict == CONFORMS:
                continue
            reasons.setdefault((r.verdict.verdict, one_line(r.verdict.reason or "")), []).append(rt)
        for (verdict, reason), runtimes in reasons.items():
            on = ", ".join(runtimes)
            if verdict == DEVIATES:
                out.append(f"**What TensorFlow does instead** ({on}): {esc(reason)}")
            else:
                out.append(f"**{verdict_cell(verdict)}** ({on}): "
                           + esc(cut(reason, 400) or "TensorFlow differs from the source and no "
                                 "recorded deviation explains it."))
        return out


def changed_facts(a: Result, b: Result) -> list[tuple[str, str, str]]:
    """(fact, as on a, as on b) for every observed fact that differs, the exception first."""
    if a.outcome.problem is not None or b.outcome.problem is not None:
        left, right = (verdict_cell(r.verdict.verdict) if r.outcome.problem is not None
                       else "ran" for r in (a, b))
        return [] if left == right else [("(run)", left, right)]
    out = []
    ea, eb = error_key(a.outcome.error), error_key(b.outcome.error)
    if ea != eb:
        out.append(("error", error_actual_text(a.outcome.error),
                    error_actual_text(b.outcome.error)))
    fa, fb = a.outcome.facts, b.outcome.facts
    for fact in sorted(set(fa) | set(fb)):
        va, vb = fa.get(fact, MISSING), fb.get(fact, MISSING)
        if va == vb and type(va) is type(vb):
            continue
        if isinstance(va, list) and isinstance(vb, list) and max(len(va), len(vb)) >= DELTA_FROM \
                and all(isinstance(x, str) for x in va + vb) and set(va) != set(vb):
            only_a = [x for x in va if x not in vb]
            only_b = [x for x in vb if x not in va]
            out.append((fact, delta_text(only_a, len(va)), delta_text(only_b, len(vb))))
        else:
            out.append((fact, change_text(va), change_text(vb)))
    return out


def error_key(error: dict | None) -> tuple[str, str] | None:
    if error is None:
        return None
    return error.get("type", ""), normal_message(error.get("message", ""))


def normal_message(message: str) -> str:
    """An exception's message without what changes from run to run: where it was first
    defined (file paths) and object addresses."""
    message = str(message).split("Originally defined at")[0]
    return re.sub(r"0x[0-9a-fA-F]+", "0x…", message).strip()


def change_text(value: Any) -> str:
    if value == MISSING:
        return "not recorded"
    return code(cut(py(value), CHANGE_CUT))


def delta_text(only: list[str], total: int) -> str:
    if not only:
        return f"({total} items, none the other lacks)"
    shown = ", ".join(only[:6]) + (f", … {len(only) - 6} more" if len(only) > 6 else "")
    return f"{total} items; only here: {code(cut(shown, CHANGE_CUT))}"


def actual_text(fact: str, actual: Any) -> str:
    if fact == "error":
        return error_actual_text(actual if isinstance(actual, dict) or actual is None else None) \
            if not isinstance(actual, str) else esc(actual)
    if actual == MISSING:
        return "not recorded (the program stopped before)"
    return code(py(actual))


def blockquote(text: str) -> str:
    return "\n".join("> " + esc(line) if line.strip() else ">"
                     for line in str(text).splitlines() or [""])


# --- name trees ---------------------------------------------------------------------------------

def mermaid_tree(facts: dict[str, Any], case: Case | None = None) -> str:
    """A mermaid `graph TD` of the names in a graph: scopes, then variables and ops in each."""
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
    kept = [op for op in facts.get("graph.ops") or []
            if isinstance(op, str) and not _inside_variable(op, var_set)]
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
    ids: dict[str, str] = {}
    lines = ["graph TD", '  n0(("graph"))']
    ids[""] = "n0"
    rank = {"scope": 0, "variable": 1, "op": 2}
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
            label = _mermaid_label(name + ("/" if kinds[kid] == "scope" else ""))
            shape = {"scope": f'["{label}"]', "variable": f'[("{label}")]',
                     "op": f'(["{label}"])'}[kinds[kid]]
            lines.append(f"  {ids[kid]}{shape}")
            lines.append(f"  {ids[node]} --> {ids[kid]}")
            queue.append(kid)
    return "\n".join(lines) + "\n"


def _inside_variable(op: str, variables: set[str]) -> bool:
    parts = op.split("/")
    return any("/".join(parts[:i]) in variables for i in range(1, len(parts)))


def _mermaid_label(text: str) -> str:
    return re.sub(r'["<>#;&`]', lambda m: f"#{ord(m.group())};", text)


def render_report(run: RunResults, root: Path, out: Path,
                  claims: list[ClaimIndex] | None = None, digest: str | None = None,
                  command: str = DEFAULT_COMMAND) -> str:
    """The report's text. `out` is where it will be written (for relative links); `digest`
    names the case files it was built from (cases.digest); `command` is how to rebuild it."""
    return Report(run, root, out, claims or [], digest, command).render()
