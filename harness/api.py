"""The API index: the public TF1 API of each runtime (names, kinds, signatures), generated from
real TensorFlow and committed as harness/api/RUNTIME.json (docs/api-index.md).

`python -m harness.api build [RUNTIME...]` runs apiscan.py in each runtime's interpreter and writes
its index; nothing here is written by hand. The validator resolves the names a case calls with
`lookup`, checks its arguments with `check_call` and explains typos with `suggest`, before any TF
starts; `names` feeds the schema's completion.

Paths are API paths as case files write them: `tf.train.Saver`, with `tf.` meaning the runtime's
TF1 API (`tf` on 1.x, `tf.compat.v1` on 2.x); the `tf.` prefix is optional here, and a leading
`compat.v1.` is the root itself. An Entry is the index's dict for a name:
  {"kind": "function"|"class"|"module"|"constant"|"unavailable", "params": PARAMS,
   "methods": {name: PARAMS}, "attributes": [...], ...}
and, for a member of a class (`tf.GraphKeys.TRAINABLE_VARIABLES`, `tf.train.Saver.save`),
{"kind": "method", "params": PARAMS} or {"kind": "attribute"}. PARAMS is [[name, kind,
has_default], ...] with kind "pos", "arg", "*", "kw" or "**" (apiscan.py), or None: unknown, so
anything goes.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import policy
from .errors import UserError

DIR = Path(__file__).parent / "api"
SCANNER = Path(__file__).with_name("apiscan.py")
FORMAT = 1
# What `build` makes without arguments: the runtimes whose indexes are committed.
COMMITTED = ("tf1.13", "tf1.14", "tf1.15", "tf2")
REFERENCE = "tf1.15"  # whose wording check_call reports when every runtime refuses a call
BUILD_TIMEOUT = 900


class Entries(Mapping[str, dict]):
    """path -> entry, parsed on first access: an index file has one entry per line, so loading
    splits lines and validation parses only the few hundred names cases call."""

    def __init__(self, raw: dict[str, str]) -> None:
        self._raw = raw
        self._parsed: dict[str, dict] = {}

    def __getitem__(self, path: str) -> dict:
        entry = self._parsed.get(path)
        if entry is None:
            entry = self._parsed[path] = json.loads(self._raw[path])
        return entry

    def __contains__(self, path: object) -> bool:
        return path in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def parse(text: str, source: str = "API index") -> tuple[dict, Entries]:
    """An index file's header and its entries (lazily parsed). The file is what `dumps` writes;
    anything else is read as plain JSON."""
    lines = text.split("\n")
    try:
        start = lines.index('"entries": {')
    except ValueError:
        start = -1
    if start < 0 or lines[-2:] != ["}}", ""]:
        data = json.loads(text)
        entries = data.pop("entries")
        return data, Entries({k: json.dumps(v) for k, v in entries.items()})
    header = json.loads("\n".join(lines[:start]).rstrip(",") + "}")
    raw = {}
    for line in lines[start + 1:-2]:
        key, sep, value = line.partition(": ")
        if not sep or not key.startswith('"') or not key.endswith('"'):
            raise UserError(f"{source}: a malformed entry line: {line[:80]}",
                            hint="regenerate it: python -m harness.api build")
        raw[key[1:-1]] = value[:-1] if value.endswith(",") else value
    return header, Entries(raw)


@dataclass
class Index:
    """One runtime's index."""
    runtime: str
    tensorflow: str
    root: str
    entries: Mapping[str, dict]
    _children: dict[str, list[str]] | None = field(default=None, repr=False)
    _classes: dict[str, dict] = field(default_factory=dict, repr=False)

    def entry(self, path: str) -> dict | None:
        """The stored entry of an exact path, a class's with its inherited members merged back
        (the file stores only what each class does not inherit unchanged from its "bases")."""
        entry = self.entries.get(path)
        if entry is None or entry.get("kind") != "class":
            return entry
        if "alias" in entry:
            return self.entry(entry["alias"]) if entry["alias"] != path else None
        if path not in self._classes:
            methods: dict[str, list | None] = {}
            attributes: set[str] = set()
            for base in reversed(entry.get("bases", [])):
                stored = self.entries.get(base, {})
                methods.update(stored.get("methods", {}))
                attributes.update(stored.get("attributes", []))
            own_attributes = set(entry.get("attributes", []))
            for name in own_attributes:
                methods.pop(name, None)
            attributes -= set(entry.get("methods", {}))
            methods.update(entry.get("methods", {}))
            self._classes[path] = dict(entry, methods=dict(sorted(methods.items())),
                                       attributes=sorted(attributes | own_attributes))
        return self._classes[path]

    def children(self, parent: str) -> list[str]:
        """The public names directly under `parent` ("" is the root), sorted."""
        if self._children is None:
            kids: dict[str, list[str]] = {}
            for path in self.entries:
                head, _, tail = path.rpartition(".")
                kids.setdefault(head, []).append(tail)
            self._children = {k: sorted(v) for k, v in kids.items()}
        return self._children.get(parent, [])

    def resolve(self, path: str) -> dict | None:
        """The entry of a dotted path (without `tf.`), following module aliases and reaching
        class members; None when the runtime has no such name."""
        parts = split(path)
        if not parts:
            return {"kind": "module"}
        for _ in range(8):  # alias chains are short; the bound only guards against a cycle
            entry = self.entry(".".join(parts))
            if entry is not None:
                return entry
            for n in range(len(parts) - 1, 0, -1):
                head = self.entry(".".join(parts[:n]))
                if head is None:
                    continue
                if head.get("kind") == "module" and "alias" in head:
                    parts = split(head["alias"]) + parts[n:]
                    break
                if head.get("kind") == "class" and n == len(parts) - 1:
                    return member(head, parts[-1])
                if head.get("kind") == "unavailable":
                    # Under a module this runtime cannot load (tf.layers on Keras 3): the name
                    # is there, and calling it fails there, with this error.
                    return head
                return None
            else:
                return None
        return None


def member(cls: dict, name: str) -> dict | None:
    if name in cls.get("methods", {}):
        return {"kind": "method", "params": cls["methods"][name]}
    if name in cls.get("attributes", []):
        return {"kind": "attribute"}
    return None


def split(path: str) -> list[str]:
    """`tf.compat.v1.train.Saver` -> ["train", "Saver"] (the path under the TF1 root)."""
    parts = [p for p in str(path).strip().split(".") if p]
    if parts and parts[0] == "tf":
        parts = parts[1:]
    while parts[:2] == ["compat", "v1"]:
        parts = parts[2:]
    return parts


def written(path: str) -> str:
    """A path as case files write it: `tf.` + its path under the root."""
    return ".".join(["tf", *split(path)])


# --- loading ------------------------------------------------------------------------------------

def index_path(runtime: str) -> Path:
    return DIR / f"{runtime}.json"


INTERNAL_DIR = DIR / "internal"


def internal_index_path(runtime: str) -> Path:
    return INTERNAL_DIR / f"{runtime}.json"


@functools.cache
def load(runtime: str, internal: bool = False) -> Index | None:
    """The committed index of a runtime, read once; None when it has none. `internal`: the
    index of the internal modules a case may import (harness/internals.py), keyed by module
    name (`tensorflow.python.ops.state_ops.assign`)."""
    path = internal_index_path(runtime) if internal else index_path(runtime)
    try:
        text = path.read_text()
    except OSError:
        return None
    try:
        data, entries = parse(text, str(path))
    except (ValueError, KeyError) as e:
        raise UserError(f"API index {path} is not valid: {e}",
                        hint="regenerate it: python -m harness.api build " + runtime) from None
    if data.get("format") != FORMAT:
        raise UserError(f"API index {path} has format {data.get('format')}, expected {FORMAT}",
                        hint="regenerate it: python -m harness.api build " + runtime)
    return Index(runtime, data["tensorflow"], data["root"], entries)


@functools.cache
def runtimes(internal: bool = False) -> list[str]:
    """The runtimes with a committed index (`internal`: of the internal modules), oldest
    TensorFlow first."""
    from .runtimes import in_version_order
    return in_version_order(p.stem for p in (INTERNAL_DIR if internal else DIR).glob("*.json"))


def _chosen(among: Iterable[str] | None, internal: bool = False) -> list[str]:
    """The indexed runtimes, or those of `among` that have an index (in version order)."""
    if among is None:
        return runtimes(internal)
    wanted = set(among)
    return [r for r in runtimes(internal) if r in wanted]


def lookup(path: str, among: Iterable[str] | None = None) -> dict[str, dict]:
    """runtime -> Entry, for every runtime whose index has `path` (of `among`, when given: the
    runtimes a run uses); empty when none has it. A name under a module that a runtime has but
    cannot load (tf2's `tf.compat.v1.layers` on Keras 3) is that module's entry there, of kind
    "unavailable" with the "error": the call will fail on that runtime, which is its outcome."""
    out = {}
    for runtime in _chosen(among):
        index = load(runtime)
        entry = index.resolve(path) if index else None
        if entry is not None:
            out[runtime] = entry
    return out


def internal_lookup(path: str, among: Iterable[str] | None = None) -> dict[str, dict]:
    """lookup for a path under an internal module (`tensorflow.python.ops.state_ops.assign`,
    the module's name as a test imports it): runtime -> Entry of the internal index. A module
    a runtime cannot import (tensorflow.python.layers.base on tf2) is its "unavailable" entry
    there, for the module and every name under it."""
    out = {}
    for runtime in _chosen(among, internal=True):
        index = load(runtime, internal=True)
        entry = index.resolve(path) if index else None
        if entry is not None:
            out[runtime] = entry
    return out


def internal_suggest(path: str, limit: int = 3, among: Iterable[str] | None = None
                     ) -> list[str]:
    """Close spellings of the last component of an internal path that no runtime has, under
    its parent (a module's names, a class's members), as full internal paths."""
    parent, _, name = path.rpartition(".")
    choices: set[str] = set()
    for runtime in _chosen(among, internal=True):
        index = load(runtime, internal=True)
        head = index.resolve(parent) if index else None
        if head is None:
            continue
        if head.get("kind") == "class":
            choices.update(head.get("methods", {}), head.get("attributes", []))
        elif head.get("kind") == "module":
            target = head.get("alias", parent)
            choices.update(index.children(target))
    return [f"{parent}.{c}" for c in difflib.get_close_matches(name, sorted(choices), n=limit,
                                                               cutoff=0.6)]


def refused(path: str, among: Iterable[str] | None = None) -> str | None:
    """Why a case may not use `path`: the policy's reason (harness/policy.py), or, by the index,
    a module that is not TF's API although an attribute reaches it (numpy through a contrib
    module's import: "external"; TF's implementation modules: "internal") in every runtime
    that has the name. None when it may (an unknown name is lookup's business)."""
    reason = policy.refused(path)
    if reason:
        return reason
    found = lookup(path, among)
    outside = [e.get("external") or e.get("internal") for e in found.values()]
    if found and all(outside):
        kind = "external" if all(e.get("external") for e in found.values()) else "internal"
        what = {"external": policy.OUTSIDE,
                "internal": "TensorFlow's implementation module, not its API"}[kind]
        return f"{what} (module {sorted(set(outside))[0]})"
    return None


def suggest(path: str, limit: int = 3, among: Iterable[str] | None = None) -> list[str]:
    """Did-you-mean candidates for a path no runtime has (written with `tf.`): a close spelling of
    the first unknown component under the longest known prefix, then the same last name
    elsewhere in the API (`tf.ExponentialMovingAverage` -> `tf.train.ExponentialMovingAverage`)."""
    parts = split(path)
    if not parts:
        return []
    found: list[str] = []
    for runtime in reversed(_chosen(among)):
        index = load(runtime)
        if index is None:
            continue
        n = 0
        while n < len(parts) and index.resolve(".".join(parts[: n + 1])) is not None:
            n += 1
        if n == len(parts):
            continue
        prefix = ".".join(parts[:n])
        head = index.resolve(prefix) if prefix else None
        if head is not None and head.get("kind") == "class":
            choices = [*head.get("methods", {}), *head.get("attributes", [])]
        else:
            choices = index.children(prefix)
        for close in difflib.get_close_matches(parts[n], choices, n=limit, cutoff=0.6):
            candidate = ".".join([*parts[:n], close, *parts[n + 1:]])
            # Only a spelling that leads somewhere: `tf.trian.Saver` is `tf.train.Saver`, not
            # `tf.tan.Saver`.
            if index.resolve(candidate) is not None and written(candidate) not in found:
                found.append(written(candidate))
    if len(found) < limit and len(parts) >= 1:
        found += [p for p in _by_last_name(parts[-1]) if p not in found]
    return found[:limit]


@functools.cache
def _last_names() -> dict[str, list[str]]:
    names: dict[str, set[str]] = {}
    for runtime in runtimes():
        index = load(runtime)
        for path, entry in (index.entries if index else {}).items():
            if entry.get("kind") in ("function", "class", "constant"):
                names.setdefault(path.rpartition(".")[2], set()).add(path)
    # Shortest (most public) first, contrib last.
    return {k: sorted(v, key=lambda p: (p.startswith("contrib."), p.count("."), p))
            for k, v in names.items()}


def _by_last_name(name: str) -> list[str]:
    return [written(p) for p in _last_names().get(name, [])][:3]


def did_you_mean(path: str, among: Iterable[str] | None = None) -> str | None:
    """"did you mean `tf.get_variable`?" for an unknown path, or None."""
    options = suggest(path, among=among)
    if not options:
        return None
    return "did you mean " + " or ".join(f"`{o}`" for o in options) + "?"


# --- checking calls -----------------------------------------------------------------------------

def check_params(path: str, params: list | None, n_positional: int | None,
                 keywords: list[str] | tuple[str, ...], more_keywords: bool = False,
                 shown: str | None = None) -> list[str]:
    """Problems of calling a callable with these parameters (PARAMS of the index) with
    `n_positional` positional arguments (None: unknown, a `*` splat) and these keyword names
    (`more_keywords`: a `**` splat adds unknown ones). Empty when fine or when the signature is
    unknown."""
    if params is None:
        return []
    name = shown or written(path)
    kinds = {kind for _, kind, _ in params}
    positional = [p for p in params if p[1] in ("pos", "arg")]
    by_keyword = {p[0]: p for p in params if p[1] in ("arg", "kw")}
    problems = []
    if n_positional is not None and "*" not in kinds and n_positional > len(positional):
        problems.append(f"{name} takes at most {len(positional)} positional argument"
                        f"{'' if len(positional) == 1 else 's'} ({n_positional} given)")
    filled = {p[0] for p in positional[: n_positional or 0]}
    for key in keywords:
        if key in by_keyword:
            if key in filled:
                problems.append(f"{name} gets argument '{key}' twice, positionally and by "
                                "keyword")
            continue
        if "**" in kinds:
            continue
        if any(p[0] == key for p in positional):
            problems.append(f"{name}: argument '{key}' is positional only")
            continue
        close = difflib.get_close_matches(key, list(by_keyword), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else (
            "; it takes " + ", ".join(f"'{k}'" for k in by_keyword) if by_keyword
            else "; it takes no keyword arguments")
        problems.append(f"{name} has no argument '{key}'{hint}")
    if n_positional is not None and not more_keywords:
        given = filled | set(keywords)
        missing = [p[0] for p in params
                   if p[1] in ("pos", "arg", "kw") and not p[2] and p[0] not in given]
        if missing:
            problems.append(f"{name} is missing required argument"
                            f"{'' if len(missing) == 1 else 's'} "
                            + ", ".join(f"'{m}'" for m in missing))
    return problems


def check_call_by_runtime(path: str, n_positional: int | None, keywords,
                          more_keywords: bool = False, among: Iterable[str] | None = None
                          ) -> dict[str, list[str]]:
    """runtime -> the problems of this call there (empty: fine), for every runtime that has the
    name as something callable: what each runtime will make of it."""
    keywords = list(keywords or ())
    results = {}
    for runtime, entry in lookup(path, among).items():
        if entry.get("kind") not in ("function", "class", "method"):
            continue
        results[runtime] = check_params(path, entry.get("params"), n_positional, keywords,
                                        more_keywords)
    return results


def check_call(path: str, n_positional: int | None, keywords, more_keywords: bool = False,
               among: Iterable[str] | None = None) -> list[str]:
    """Problems of a call of an API path (function, class, or a class's method reached as
    `tf.Class.method`) with these arguments, as one-line strings with did-you-mean. A call that
    some runtime's signature accepts is fine (a newer argument missing in an older runtime is
    that runtime's outcome, not a mistake in the case); otherwise the reference runtime's
    problems. Empty for unknown names (lookup reports those) and unknown signatures."""
    results = check_call_by_runtime(path, n_positional, keywords, more_keywords, among)
    if not results or any(not problems for problems in results.values()):
        return []
    return results.get(REFERENCE) or next(iter(results.values()))


def internal_check_call(path: str, n_positional: int | None, keywords,
                        more_keywords: bool = False, among: Iterable[str] | None = None,
                        shown: str | None = None) -> list[str]:
    """check_call for a callable under an internal module (`path` as internal_lookup takes it;
    `shown`: how the case writes it, `state_ops.assign`, for the messages)."""
    keywords = list(keywords or ())
    results = {}
    for runtime, entry in internal_lookup(path, among).items():
        if entry.get("kind") in ("function", "class", "method"):
            results[runtime] = check_params(path, entry.get("params"), n_positional, keywords,
                                            more_keywords, shown=shown or path)
    if not results or any(not problems for problems in results.values()):
        return []
    return results.get(REFERENCE) or next(iter(results.values()))


def check_method(class_path: str, method: str, n_positional: int | None, keywords,
                 more_keywords: bool = False, among: Iterable[str] | None = None) -> list[str]:
    """check_call for `method` of an object whose class is the API path `class_path`."""
    return check_call(f"{written(class_path)}.{method}", n_positional, keywords, more_keywords,
                      among)


# --- completion ---------------------------------------------------------------------------------

@functools.cache
def names() -> list[str]:
    """API paths offered for completion in the schema: functions and classes of any committed
    index, written with `tf.`, that the policy does not refuse, outside tf.contrib and
    tf.raw_ops (contrib names still validate; they are only not offered, to keep the schema
    small), sorted."""
    out: set[str] = set()
    for runtime in runtimes():
        index = load(runtime)
        for path, entry in (index.entries if index else {}).items():
            if entry.get("kind") not in ("function", "class"):
                continue
            if path.startswith(("contrib.", "raw_ops.", "compat.")):
                continue
            if policy.refused(path):
                continue
            out.add("tf." + path)
    return sorted(out)


# --- the policy, documented -----------------------------------------------------------------------

DOC = Path("docs") / "case-format.md"
DOC_START = "<!-- policy: generated by `python -m harness.api docs` from harness/policy.py -->"
DOC_END = "<!-- policy: end -->"


def _grouped(table: dict[str, str]) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for name, reason in table.items():
        groups.setdefault(reason, []).append(name)
    return sorted((reason, sorted(names)) for reason, names in groups.items())


def policy_section() -> str:
    """The policy tables of harness/policy.py as the Markdown that docs/case-format.md carries
    between DOC_START and DOC_END."""
    lines = [DOC_START, "",
             "Refused namespaces (the name and everything under it, as `tf.X` and as "
             "`tf.compat.v1.X`):", ""]
    for reason, items in _grouped(policy.NAMESPACES):
        lines.append(f"- {reason}: " + ", ".join(f"`tf.{n}`" for n in items))
    lines += ["", "Refused names wherever they appear in a path (contrib's and keras' copies "
              "too):", ""]
    for reason, items in _grouped(policy.NAMES):
        lines.append(f"- {reason}: " + ", ".join(f"`{n}`" for n in items))
    lines += ["", "Refused name endings: " + ", ".join(
        f"`*{s}` ({r})" for s, r in sorted(policy.SUFFIXES.items())) + ".", "",
        "Refused methods (on objects of these classes and their subclasses):", ""]
    for cls, methods in sorted(policy.METHODS.items()):
        lines.append(f"- `{cls}`: " + ", ".join(f"`{m}` ({r})" for m, r in
                                               sorted(methods.items())))
    lines += ["", "Refused argument values:", ""]
    for callee, args in sorted(policy.ARGUMENT_OWNERS.items()):
        for arg in sorted(args):
            when = "a `file://` path" if arg == "output_stream" else "set (not empty)"
            lines.append(f"- `{callee}(..., {arg}=...)` when {when}: {policy.ARGUMENTS[arg]}")
    lines += ["", "Ops a session may not run (every Session of the worker is guarded: whatever "
              "a `run`, `eval`, `Operation.run`, callable or Keras backend function would "
              "execute, data and control inputs, and the body of every function in the graph's "
              "library, is checked first): " + ", ".join(
                  f"`{t}`" for t in sorted(policy.OP_TYPES)) + "; and `PrintV2` with an "
              "`output_stream` other than " + ", ".join(
                  f"`{s}`" for s in sorted(policy.PRINT_STREAMS)) + " (a `file://` path), "
              "however the op got it. The guard also refuses a run whose options watch tensors "
              "for debug dumps (`RunOptions.debug_options`), and a session with a `target` "
              "however `Session` was reached."]
    lines += ["", "Refused attributes (in ref paths and attribute steps): every name starting "
              "with `__`; " + ", ".join(f"`{a}`" for a in sorted(policy.FRAME_ATTRIBUTES))
              + "; names starting with " + ", ".join(f"`{p}`" for p in policy.FRAME_PREFIXES)
              + "; names starting with `_` of " + ", ".join(
                  f"`{c}` ({r})" for c, r in sorted(policy.PRIVATE.items()))
              + "; and the refused names above.", "", DOC_END]
    return "\n".join(lines)


def write_docs(path: Path = DOC) -> bool:
    """Rewrite the policy section of docs/case-format.md; True when it changed."""
    text = path.read_text()
    start, end = text.index(DOC_START), text.index(DOC_END) + len(DOC_END)
    new = text[:start] + policy_section() + text[end:]
    if new == text:
        return False
    from .files import write_atomic
    write_atomic(path, new)
    return True


# --- building -----------------------------------------------------------------------------------

def scan(python: str, timeout: float = BUILD_TIMEOUT) -> dict:
    """Run apiscan.py in an interpreter with TensorFlow; its JSON."""
    proc = subprocess.run([python, str(SCANNER)], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise UserError(f"the API scan failed in {python} (exit {proc.returncode}): {tail[0]}",
                        hint="run harness/apiscan.py with that interpreter to see why")
    return json.loads(proc.stdout)


def dumps(runtime: str, scanned: dict) -> str:
    """The index file's text: a header, then one entry per line (sorted), so diffs are readable
    and the bytes depend only on what TensorFlow has."""
    header = {"format": FORMAT, "runtime": runtime, "tensorflow": scanned["tensorflow"],
              "python": scanned["python"], "root": scanned["root"],
              "generator": "python -m harness.api build " + runtime}
    if scanned.get("format") != FORMAT:
        raise UserError(f"apiscan.py wrote format {scanned.get('format')}, expected {FORMAT}")
    lines = ["{"]
    for key, value in sorted(header.items()):
        lines.append(f"{json.dumps(key)}: {json.dumps(value)},")
    lines.append('"entries": {')
    entries = sorted(scanned["entries"].items())
    for i, (path, entry) in enumerate(entries):
        comma = "," if i < len(entries) - 1 else ""
        lines.append(f"{json.dumps(path)}: "
                     f"{json.dumps(entry, sort_keys=True, separators=(',', ':'))}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def dumps_internal(runtime: str, scanned: dict) -> str:
    """The internal modules' index file (harness/api/internal/RUNTIME.json): the same layout,
    its root the package the module names start with."""
    return dumps(runtime, {**scanned, "root": "tensorflow.python",
                           "entries": scanned.get("internal", {})})


def build(selector: str, out_dir: Path = DIR) -> Path:
    """Scan a runtime (a name, or NAME=PYTHON) and write out_dir/NAME.json."""
    from .files import write_atomic
    from .runtimes import resolve
    runtime = resolve(selector)
    started = time.monotonic()
    scanned = scan(runtime.python)
    text = dumps(runtime.name, scanned)
    internal = dumps_internal(runtime.name, scanned)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / INTERNAL_DIR.name).mkdir(exist_ok=True)
    path = out_dir / f"{runtime.name}.json"
    write_atomic(path, text)
    write_atomic(out_dir / INTERNAL_DIR.name / f"{runtime.name}.json", internal)
    print(f"{path}: {len(scanned['entries'])} names, {len(text) // 1024} KiB; internal "
          f"modules: {len(scanned.get('internal', {}))} names, {len(internal) // 1024} KiB "
          f"({time.monotonic() - started:.0f} s)", file=sys.stderr)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.api",
                                     description="Generate the committed API indexes.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="introspect real TensorFlow and write harness/api/*.json")
    b.add_argument("runtimes", nargs="*", default=list(COMMITTED),
                   help=f"runtime names (default: {' '.join(COMMITTED)})")
    b.add_argument("--out", type=Path, default=DIR,
                   help="directory to write (default: %(default)s)")
    d = sub.add_parser("docs", help="rewrite the policy section of docs/case-format.md")
    d.add_argument("--check", action="store_true", help="fail (exit 1) when it is stale")
    args = parser.parse_args(argv)
    if args.command == "docs":
        if args.check:
            return 0 if policy_section() in DOC.read_text() else 1
        print(f"{DOC}: {'rewritten' if write_docs() else 'up to date'}", file=sys.stderr)
        return 0
    try:
        for runtime in args.runtimes:
            build(runtime, args.out)
    except (UserError, subprocess.TimeoutExpired) as e:
        print(f"tfscope: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
