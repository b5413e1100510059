"""Case loading and validation: YAML files in, validated `Case` objects (or located errors) out.

YAML is parsed with PyYAML's safe loader and turned into plain data by hand, so that every value
keeps its line, only plain tags are accepted, and pathological documents (alias bombs, huge or
deeply nested files) are refused with a clear error instead of eating the machine.
"""

from __future__ import annotations

import builtins
import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml, when PyYAML was built with it
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover
    _CParser = None

from . import generic, internals
from . import steps as vocabulary
from .errors import CaseError, did_you_mean
from .versions import is_range, parse_range

FORMAT = 1
MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 60
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,119}$")
CASE_KEYS = ("id", "title", "source", "tags", "imports", "program", "expect", "deviations",
             "timeout", "format", "observed")
SOURCE_KEYS = ("doc", "quote", "reading", "reading_kind", "reading_why", "covers", "stated",
               "where", "url")
# How a case reads its quote (docs/case-format.md, "Readings"): `plain`, the sentence's most
# plausible reading (the default); `alternative`, one of several plausible readings of a garbled
# sentence; `implausible`, a reading the article does not invite, kept to show what TF does but
# never counted against the source.
READING_KINDS = ("plain", "alternative", "implausible")
ERROR_KEYS = ("type", "message", "matches", "step")
DEVIATION_KEYS = ("runtimes", "observed", "reason")
MATCHERS = ("matches", "contains", "excludes", "startswith")
PLAIN_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


# --- YAML with lines ---------------------------------------------------------------------------

class Map(dict):
    """A mapping that remembers its line and each key's line."""
    line: int = 0
    key_lines: dict


class Seq(list):
    """A list that remembers its line and each item's line."""
    line: int = 0
    item_lines: list


def line_of(value: Any, key: Any = None, default: int = 0) -> int:
    if isinstance(value, Map) and key is not None:
        return value.key_lines.get(key, value.line)
    if isinstance(value, Seq) and isinstance(key, int) and 0 <= key < len(value):
        return value.item_lines[key]
    return getattr(value, "line", default)


# libyaml scans and parses (most of the cost), when PyYAML has it; the events are turned into
# plain data here in one pass, so every limit applies as the document is read.
_Events = _CParser if _CParser is not None else yaml.SafeLoader
SEQ_TAG, MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_RESOLVED: dict[tuple[str, Any], str] = {}  # (scalar text, implicit) -> its implicit tag
RESOLVED_MAX = 100_000  # entries, each a text of at most 64 characters: a few MiB at most


class _Builder:
    """Plain data (Map/Seq/scalars, with lines) straight from YAML events. Only plain tags; at
    most MAX_NODES nodes, counting every use of an alias as the nodes it stands for (so an
    alias bomb is refused, not expanded), and at most MAX_DEPTH levels of nesting."""

    def __init__(self, text: str, path: str) -> None:
        self.events = _Events(text)  # its reader refuses control characters right away
        self.path, self.nodes = path, 0
        self.anchors: dict[str, tuple[Any, int]] = {}   # anchor -> (value, its node count)
        self.open: set[str] = set()                     # anchors still being read
        self.resolver = yaml.resolver.Resolver()
        self.scalars = yaml.constructor.SafeConstructor()

    def error(self, event: yaml.Event, message: str, hint: str | None = None) -> CaseError:
        return CaseError(message, self.path, event.start_mark.line + 1, hint)

    def document(self) -> Any:
        events = self.events
        events.get_event()  # stream start
        if events.check_event(yaml.StreamEndEvent):
            return None
        events.get_event()  # document start
        value, _ = self.value(0)
        events.get_event()  # document end
        if not events.check_event(yaml.StreamEndEvent):
            raise self.error(events.peek_event(), "more than one YAML document in the file",
                             "remove the `---` line: one file holds one case or a list")
        return value

    def count(self, event: yaml.Event, n: int) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            raise self.error(event, f"document too large: more than {MAX_NODES} YAML nodes",
                             "split the file, or remove aliases that expand recursively")

    def tag(self, event: yaml.Event, kind: type, default: str, value: Any = None) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            if kind is yaml.ScalarNode:
                # The implicit tag depends only on the text and the style (no path resolvers
                # here); a file says `name:`, `kind:`, `args:` many times over.
                key = (value, event.implicit)
                tag = _RESOLVED.get(key)
                if tag is None:
                    tag = self.resolver.resolve(kind, value, event.implicit)
                    if len(value) <= 64 and len(_RESOLVED) < RESOLVED_MAX:
                        _RESOLVED[key] = tag
            else:
                tag = default
        if tag not in PLAIN_TAGS:
            if tag == "tag:yaml.org,2002:merge":
                raise self.error(event, "YAML merge keys (<<) are not supported",
                                 "write the keys out")
            raise self.error(event, f"unsupported YAML tag {tag}",
                             "use plain strings, numbers, lists and mappings")
        return tag

    def value(self, depth: int, event: yaml.Event | None = None) -> tuple[Any, int]:
        """The next value (starting at `event`, when already read) and how many nodes it
        counts for. The hot loop of loading: each event is read once (no peeking)."""
        events = self.events
        if event is None:
            event = events.get_event()
        kind = type(event)
        if kind is yaml.AliasEvent:
            if event.anchor in self.open:
                raise self.error(event, f"document nested deeper than {MAX_DEPTH} levels "
                                 f"(the alias *{event.anchor} refers to itself)",
                                 "remove the recursive alias")
            if event.anchor not in self.anchors:
                raise self.error(event, f"found undefined alias *{event.anchor}",
                                 f"define it first with &{event.anchor}")
            value, size = self.anchors[event.anchor]
            self.count(event, size)
            return value, size
        if depth > MAX_DEPTH:
            raise self.error(event, f"document nested deeper than {MAX_DEPTH} levels",
                             "flatten the program")
        self.count(event, 1)
        anchor, size = event.anchor, 1
        if anchor is not None:
            self.open.add(anchor)
        if kind is yaml.ScalarEvent:
            value = self.scalar(event)
        elif kind is yaml.SequenceStartEvent:
            self.tag(event, yaml.SequenceNode, SEQ_TAG)
            value = Seq()
            value.line, value.item_lines = event.start_mark.line + 1, []
            lines = value.item_lines
            while True:
                item_event = events.get_event()
                if type(item_event) is yaml.SequenceEndEvent:
                    break
                lines.append(item_event.start_mark.line + 1)
                item, n = self.value(depth + 1, item_event)
                value.append(item)
                size += n
        else:  # mapping start
            self.tag(event, yaml.MappingNode, MAP_TAG)
            value = Map()
            value.line, value.key_lines = event.start_mark.line + 1, {}
            lines = value.key_lines
            while True:
                key_event = events.get_event()
                if type(key_event) is yaml.MappingEndEvent:
                    break
                key, n = self.value(depth + 1, key_event)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    raise self.error(key_event, "mapping keys must be plain strings")
                if key in value:
                    raise self.error(key_event, f"duplicate key `{key}`", "remove one of them")
                lines[key] = key_event.start_mark.line + 1
                value[key], m = self.value(depth + 1)
                size += n + m
        if anchor is not None:
            self.open.discard(anchor)
            self.anchors[anchor] = (value, size)
        return value, size

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        tag = self.tag(event, yaml.ScalarNode, "", event.value)
        if tag == "tag:yaml.org,2002:str":
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.scalars.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError) as e:  # e.g. `!!int x`, 5000 digits
            value = event.value if len(event.value) <= 40 else f"{event.value[:40]}…"
            why = str(e).splitlines()[0].split(";")[0]  # not Python's own advice (set_int_...)
            raise self.error(event, f"bad {tag.rsplit(':', 1)[-1]} value `{value}`: "
                             f"{why[:160]}", "quote it to make it a string") from None


def _tab_indented(text: str, until: int | None) -> int | None:
    """The first line (up to line `until`) whose indentation holds a tab, if any."""
    for number, line in enumerate(text.splitlines()[:until], 1):
        indent = line[:len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            return number
    return None


def parse_yaml(text: str, path: str) -> Any:
    """Parse one YAML document into Map/Seq/scalars, or raise CaseError with file and line."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise CaseError(f"file larger than {MAX_BYTES // 1024 // 1024} MiB", path, None,
                        "split it into smaller case files")
    builder = None
    try:
        builder = _Builder(text, path)
        return builder.document()
    except yaml.MarkedYAMLError as e:
        # The line where YAML gave up, and the construct it was in when that began elsewhere
        # (an unclosed bracket or quote is fixed where it opens).
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        tab = _tab_indented(text, line)
        if tab is not None:  # the generic message ("cannot start any token") hides this
            raise CaseError("YAML syntax error: a tab in the indentation", path, tab,
                            "YAML indents with spaces only: replace the tab with spaces") \
                from None
        context = e.context
        if context and e.context_mark and line and e.context_mark.line + 1 != line:
            context += f" (from line {e.context_mark.line + 1})"
        problem = " ".join(str(x) for x in (context, e.problem) if x)
        raise CaseError(f"YAML syntax error: {problem}", path, line,
                        "check indentation, quotes and colons on that line") from None
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1 if isinstance(e.position, int) else None
        raise CaseError(f"character {e.character!r} is not allowed in YAML", path, line,
                        "remove it, or write it as an escape in a double-quoted string"
                        ) from None
    except yaml.YAMLError as e:
        raise CaseError(f"YAML error: {e}".splitlines()[0], path, None) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps well below the stack limit
        raise CaseError("document nested too deeply", path, None, "flatten it") from None
    finally:
        if builder is not None and hasattr(builder.events, "dispose"):
            builder.events.dispose()


# --- cases -------------------------------------------------------------------------------------

@dataclass
class Deviation:
    reason: str
    observed: dict[str, Any]
    runtimes: list[str] | None = None  # names and version ranges; None: every runtime
    line: int = 0

    def applies_to(self, runtime: str, version: str = "") -> bool:
        """Does it hold on `runtime` (TensorFlow `version`)? Entries are runtime names or
        version ranges (`"<1.14"`); any one that matches will do."""
        if self.runtimes is None:
            return True
        return any(version in parse_range(entry) if is_range(entry) else entry == runtime
                   for entry in self.runtimes)


@dataclass
class Case:
    id: str
    title: str
    source: dict[str, str]
    tags: list[str]
    program: list[dict]          # normalised steps (plain JSON data; see `_Validator.step`)
    expect: dict[str, Any]
    deviations: list[Deviation] = field(default_factory=list)
    timeout: float | None = None
    path: str = ""
    line: int = 0
    labels: dict[str, dict] = field(default_factory=dict)  # label -> {kind, multi, step path}
    # What `tfscope record` wrote, per runtime: TF's output, not a claim (nothing compares it).
    observed: dict[str, dict[str, Any]] = field(default_factory=dict)
    # alias -> internal module (harness/internals.py), bound before the program runs.
    imports: dict[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    def value_labels(self) -> list[str]:
        """Labels whose `.value` the case asks for (values cost a session run, so only these)."""
        keys = list(self.expect)
        for deviation in self.deviations:
            keys += list(deviation.observed)
        return sorted({k.rsplit(".", 1)[0] for k in keys if k.endswith(".value")})

    def path_facts(self) -> list[str]:
        """`LABEL.PATH` facts the case names that no curated getter records: read by getattr and
        indexing when the program ends (the worker skips curated facts of the runtime kind)."""
        keys = list(self.expect)
        for deviation in self.deviations:
            keys += list(deviation.observed)
        out = set()
        for key in keys:
            head = _LABEL_HEAD.match(key)
            info = self.labels.get(head.group(0)) if head else None
            if info is None or key.endswith(".value") or info["kind"] in (
                    "caught", "getter", "snapshot", "saver"):
                continue
            fact = key[head.end():].lstrip(".")
            if info["kind"] == "generic" or fact not in vocabulary.FACTS[info["kind"]]:
                out.add(key)
        return sorted(out)

    def watched_facts(self) -> list[str]:
        """The facts worth showing when recording: those the case names (expect, deviations),
        then the name of every capture. `error` is not among them: it is always shown."""
        out = [k for k in self.expect if k != "error"]
        for deviation in self.deviations:
            out += [k for k in deviation.observed if k != "error" and k not in out]
        return out + [f"{label}.name" for label, info in self.labels.items()
                      if f"{label}.name" not in out
                      and info["kind"] not in ("caught", "snapshot")]

    def request(self, test_steps: bool = False) -> dict:
        request = {"op": "run", "id": self.id, "program": self.program,
                   "values": self.value_labels(), "paths": self.path_facts(),
                   "test_steps": test_steps}
        if self.imports:
            request["imports"] = self.imports
        return request


class _Noted(Exception):
    """A part of a case is invalid, and its problems are already noted."""


def _type_name(value: Any) -> str:
    return {dict: "a mapping", Map: "a mapping", list: "a list", Seq: "a list", str: "a string",
            bool: "a boolean", int: "a number", float: "a number", type(None): "null"}.get(
        type(value), type(value).__name__)


# --- the generic step language (harness/generic.py has its grammar) ----------------------------

def _api() -> Any:
    """harness/api.py (the API index), or None while it is not there."""
    try:
        from . import api
    except ImportError:  # pragma: no cover - until the API index lands
        return None
    return api


def _public_module(module: str) -> str | None:
    """The hint for a refused import of a public package (`from tensorflow.contrib import layers
    as layers_lib`, in contrib's layers_test): its names are the API's, called as tf.PATH."""
    api = _api()
    if api is None or not module.startswith("tensorflow.") or not api.runtimes():
        return None
    path = "tf." + module[len("tensorflow."):]
    if any(e.get("kind") == "module" and not e.get("internal") and not e.get("external")
           for e in api.lookup(path).values()):
        return f"it is the public `{path}`: call its names as `{path}.NAME:` steps " \
               f"and `{{tf: {path[3:]}.NAME}}` values, no import needed"
    return None


def _policy() -> Any:
    try:
        from . import policy
    except ImportError:  # pragma: no cover
        return None
    return policy


_LABEL_HEAD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")
POLICY_HINT = "tfscope runs nothing that reaches outside its process: see docs/case-format.md"


class _GenericSteps:
    """Validation of the generic steps and values, mixed into _Validator (which has fail, keys,
    labels, scopes and steps)."""

    labels: dict[str, dict]
    scopes: list[set[str]]
    in_def: int
    in_class: int
    in_method: list[int]
    imports: dict[str, str]

    def fail(self, message: str, line: int, hint: str | None = None) -> CaseError:
        raise NotImplementedError

    # -- names --

    def known_label(self, label: str) -> bool:
        return label in self.labels or label in self.imports or \
            any(label in s for s in self.scopes)

    def unknown_label(self, label: str, line: int, what: str) -> CaseError:
        names = sorted(set(self.labels) | set(self.imports) | {p for s in self.scopes for p in s})
        return self.fail(f"{what} refers to `{label}`, which no earlier step captures", line,
                         did_you_mean(label, names) or f"capture it earlier with `as: {label}`")

    def attribute(self, name: str, line: int, where: str) -> None:
        policy = _policy()
        reason = policy.refused_attribute(name) if policy is not None else None
        if reason or name.startswith("__"):
            raise self.fail(f"attribute `{name}` in `{where}` is refused: "
                            f"{reason or 'no dunder attributes'}", line, POLICY_HINT)

    def ref_path(self, text: Any, line: int) -> str:
        if not isinstance(text, str):
            raise self.fail(f"a ref path must be a string, not {_type_name(text)}", line,
                            "e.g. `w`, `layer.kernel`, `parts[0].name`")
        try:
            label, steps = generic.parse_path(text)
        except ValueError as e:
            raise self.fail(f"bad ref path `{text}`: {e}", line) from None
        if label == "tf":
            raise self.fail(f"`{text}` is an API path", line, f"write {{tf: {text[3:]}}}")
        if not self.known_label(label):
            raise self.unknown_label(label, line, f"`{text}`")
        self.check_template_scope(label, line, text)
        for kind, key in steps:
            if kind == "attr":
                self.attribute(key, line, text)
        if self.imported(text):  # not when a def parameter or a comprehension's target
            self.internal_path(label, steps, text, line)
        return text

    # -- internal modules (`imports:`, harness/internals.py) --

    def import_table(self, raw: Any, line: int) -> dict[str, str]:
        """`imports: {ALIAS: MODULE}`: the internal modules the program names, as a test's
        `from tensorflow.python.ops import state_ops` binds them."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise self.fail("`imports` must be a mapping `ALIAS: MODULE`", line,
                            "e.g. imports: {state_ops: tensorflow.python.ops.state_ops}")
        out: dict[str, str] = {}
        for alias, module in raw.items():
            alias_line = line_of(raw, alias, line)
            with self.part():  # type: ignore[attr-defined]
                if not (isinstance(alias, str) and vocabulary.LABEL_RE.fullmatch(alias)) or \
                        alias in vocabulary.PY_KEYWORDS or alias in ("graph", "py"):
                    raise self.fail(f"bad import alias `{alias}`", alias_line,
                                    "a Python identifier, not a keyword, `tf`, `py`, `i` or "
                                    "`graph`")
                if alias in dir(builtins):  # `as len` would hide the builtin in the export
                    raise self.fail(f"import alias `{alias}` is a Python builtin's name",
                                    alias_line, "import it under another name")
                if not isinstance(module, str):
                    raise self.fail(f"the module of `{alias}` must be a module name, not "
                                    f"{_type_name(module)}", alias_line)
                reason = internals.refused_module(module)
                if reason:
                    raise self.fail(f"`{module}` cannot be imported: {reason}", alias_line,
                                    _public_module(module)
                                    or did_you_mean(module, internals.MODULES)
                                    or "the modules a case may import: docs/case-format.md, "
                                    "\"Internal modules\"")
                out[alias] = module
        return out

    def not_an_import(self, label: str, line: int) -> None:
        if label in self.imports:
            raise self.fail(f"label `{label}` is the import of {self.imports[label]}", line,
                            "give the capture another label")

    def internal_path(self, label: str, steps: list, text: str, line: int) -> None:
        """A ref path from an import alias (`state_ops.assign`, `ops.GraphKeys.VARIABLES`),
        checked against the internal modules' index of the runtimes: private names (but
        internals.PRIVATE's), names no runtime has (did you mean), modules a case may not
        import. What follows a function, a constant or a class member is the object's, not
        the index's, and is checked by the policy only."""
        api = _api()
        indexed = api is not None and bool(api.runtimes(internal=True))
        path, shown, module = self.imports[label], label, self.imports[label]
        for kind, key in steps:
            if kind != "attr":
                return
            if module is not None:
                reason = internals.refused_name(module, key)
                if reason:
                    raise self.fail(f"`{text}` is refused: {reason}", line, POLICY_HINT)
            if not indexed:
                return
            found = api.internal_lookup(f"{path}.{key}")
            available = [e for e in found.values() if e.get("kind") != "unavailable"]
            # Unknown where the module is there (a runtime that cannot import it says nothing).
            if not available:
                here = {e.get("kind") for e in api.internal_lookup(path).values()}
                if here & {"module", "class"} and here <= {"module", "class", "unavailable"}:
                    close = [c.rpartition(".")[2] for c in api.internal_suggest(f"{path}.{key}")]
                    raise self.fail(f"unknown name `{shown}.{key}` ({path}.{key})", line,
                                    f"did you mean `{shown}.{close[0]}`?" if close else
                                    f"see the names of {self.imports[label]}")
                return
            refused = sorted(e["refused"] for e in available if e.get("refused"))
            if refused and len(refused) == len(available):
                raise self.fail(f"`{shown}.{key}` is refused: {refused[0]}", line, POLICY_HINT)
            modules = [e for e in available if e.get("kind") == "module"]
            outside = [e.get("internal") or e.get("external") for e in modules]
            if modules and len(modules) == len(available) and all(outside):
                external = sorted(e["external"] for e in modules if e.get("external"))
                reason = f"not TensorFlow's API (module {external[0]})" if external else \
                    internals.refused_module(sorted(outside)[0])
                raise self.fail(f"`{shown}.{key}` is refused: {reason}", line, POLICY_HINT)
            aliases = sorted({e["alias"] for e in modules if "alias" in e})
            module = aliases[0] if aliases else None
            path, shown = f"{path}.{key}", f"{shown}.{key}"

    def check_template_scope(self, label: str, line: int, text: str) -> None:
        info = self.labels.get(label)
        inside = info.get("template") if info else None
        if inside is not None and inside not in self.templates:  # type: ignore[attr-defined]
            raise self.fail(f"`{text}` refers to `{label}`, captured inside the body of "
                            f"template `{inside}`", line,
                            f"use the result of `call_template: {inside}`")

    def api_path(self, path: Any, line: int) -> str:
        """`tf.a.b` checked against the grammar, the policy and the API index; returns `a.b`."""
        if not isinstance(path, str) or not generic.API_RE.match(path):
            raise self.fail(f"bad API path `{path}`", line,
                            "write tf.NAME.NAME..., e.g. tf.train.ExponentialMovingAverage")
        for part in path.split(".")[1:]:
            self.attribute(part, line, path)
        policy = _policy()
        reason = policy.refused(path) if policy is not None else None
        if reason:
            raise self.fail(f"`{path}` is refused: {reason}", line, POLICY_HINT)
        api = _api()
        if api is not None and api.runtimes() and not api.lookup(path) \
                and not self.api_method(api, path):
            raise self.fail(f"unknown TF name `{path}`", line,
                            (api.suggest(path) or [None])[0] and
                            f"did you mean `{api.suggest(path)[0]}`?" or
                            "names are those of the TF 1.x API (tf.compat.v1 on TF 2)")
        return path[3:]

    @staticmethod
    def api_method(api: Any, path: str) -> bool:
        """`tf.layers.Layer.build`: a method of an indexed class."""
        owner, _, method = path.rpartition(".")
        entries = api.lookup(owner)
        return any(method in (e.get("methods") or {}) for e in entries.values())

    def check_call(self, path: str, args: list, kwargs: dict, line: int) -> None:
        api = _api()
        internal = not path.startswith("tf.")  # from an import alias: `state_ops.assign`
        if api is None or not (api.runtimes(internal=True) if internal else api.runtimes()):
            return
        if any(isinstance(a, dict) and "*" in a for a in args) or "**" in kwargs:
            return  # splats: counted at run time
        n = len(args)
        if internal:
            alias, _, rest = path.partition(".")
            full = f"{self.imports[alias]}.{rest}" if rest else self.imports[alias]
            found = api.internal_lookup(full)
        else:
            found = api.lookup(path)
        kinds = {e.get("kind") for e in found.values()} - {"unavailable"}

        def check(count: int) -> list[str]:
            if internal:
                return api.internal_check_call(full, count, [k for k in kwargs], shown=path)
            return api.check_call(path, count, [k for k in kwargs])
        problems = check(n)
        if kinds == {"method"} and n:
            # `tf.layers.Layer.build` called unbound (`self` first), or a static or class
            # method (`tf.data.Dataset.from_tensor_slices`): the index does not say which
            problems = check(n - 1) if problems else []
        if problems:
            raise self.fail(problems[0], line, "see the signature in TF's API docs")

    # -- values --

    def value(self, raw: Any, line: int) -> Any:
        """A written value, checked and normalised (generic.py's forms)."""
        line = line_of(raw, None, line)
        if raw is None or isinstance(raw, (bool, int, float, str)):
            return raw
        if isinstance(raw, list):
            return [self.value(x, line_of(raw, i, line)) for i, x in enumerate(raw)]
        if not isinstance(raw, dict):
            raise self.fail(f"unsupported value {_type_name(raw)}", line)
        keys = list(raw)
        if "call" in raw:
            return self.call_value(raw, line)
        if "comp" in raw:
            return self.comprehension(raw, line)
        if "lambda" in raw:
            return self.lambda_value(raw, line)
        if keys == ["super"]:
            return {"super": self.super_name(raw["super"], line)}
        if len(keys) == 1 and keys[0] in ("ref", "tf", "slice", "tuple", "dict", "ellipsis",
                                          "py"):
            key, arg = keys[0], raw[keys[0]]
            if key == "ref":
                return {"ref": self.ref_path(arg, line)}
            if key == "py":
                return {"py": self.builtin(arg, line)}
            if key == "tf":
                if isinstance(arg, str) and arg.startswith("tf."):
                    raise self.fail(f"`{{tf: {arg}}}` repeats the prefix", line,
                                    f"write {{tf: {arg[3:]}}}")
                return {"tf": self.api_path("tf." + str(arg), line)}
            if key == "ellipsis":
                if arg is not None:
                    raise self.fail("`ellipsis` takes null", line, "write {ellipsis: null}")
                return {"ellipsis": None}
            if key == "dict":
                if not isinstance(arg, dict) or not all(isinstance(k, str) for k in arg):
                    raise self.fail("`dict` takes a mapping with string keys", line)
                return {"dict": {k: self.value(v, line_of(arg, k, line)) for k, v in arg.items()}}
            if not isinstance(arg, list):
                raise self.fail(f"`{key}` takes a list", line)
            if key == "slice" and not 1 <= len(arg) <= 3:
                raise self.fail("`slice` takes [START, STOP, STEP] (1 to 3 values)", line)
            return {key: [self.value(x, line_of(arg, i, line)) for i, x in enumerate(arg)]}
        if "op" in raw:
            self.keys(raw, ("op", "args"), "an operator")  # type: ignore[attr-defined]
            op, args = raw["op"], raw.get("args")
            if op not in generic.OPERATORS:
                raise self.fail(f"unknown operator `{op}`", line_of(raw, "op", line),
                                did_you_mean(str(op), generic.OPERATORS)
                                or "operators: " + " ".join(generic.OPERATORS))
            if not isinstance(args, list) or len(args) not in generic.arities(op):
                n = " or ".join(map(str, generic.arities(op)))
                raise self.fail(f"operator `{op}` takes {n} argument(s) in `args: [...]`",
                                line_of(raw, "args", line))
            if op == "abs":  # rendered as the builtin: `abs(x)`
                self.builtins_used.setdefault("abs", line)
            if op == "attr":  # VALUE.NAME: the name is a literal, under the attribute policy
                name = args[1]
                if not (isinstance(name, str) and generic.IDENT_RE.match(name)):
                    raise self.fail(f"`{{op: attr}}` takes [VALUE, NAME], NAME an identifier, "
                                    f"not `{name}`", line_of(raw, "args", line))
                self.attribute(name, line, "." + name)
                owner = self.value(args[0], line_of(args, 0, line))
                if isinstance(owner, dict) and list(owner) == ["ref"] and \
                        self.imported(owner["ref"]):  # `state_ops.NAME` by another spelling
                    self.ref_path(f"{owner['ref']}.{name}", line)
                return {"op": op, "args": [owner, name]}
            return {"op": op, "args": [self.value(x, line_of(args, i, line))
                                       for i, x in enumerate(args)]}
        hint = "did you mean {dict: {...}}?" if keys else "write null for None"
        raise self.fail(f"a mapping with keys {', '.join(map(str, keys)) or '(none)'} is no "
                        "value", line, hint + " Values are literals, lists, {ref}, {tf}, "
                        "{py}, {call}, {op}, {comp}, {lambda}, {slice}, {tuple}, {dict}, "
                        "{ellipsis}")

    def super_name(self, name: Any, line: int) -> str:
        """`{super: NAME}`: super().NAME, only in a method of a `class` step (Python's
        zero-argument super needs the method's class and self)."""
        if not self.in_method or self.in_method[-1] != self.in_def:
            raise self.fail("`{super: ...}` outside a method of a `class` step", line,
                            "super().NAME is written in a `def` directly in a class body")
        if not (isinstance(name, str) and generic.IDENT_RE.match(name)):
            raise self.fail(f"`{{super: NAME}}` takes an identifier, not `{name}`", line,
                            "e.g. {super: __init__}, {super: build}")
        if name not in generic.DUNDER_METHODS:
            self.attribute(name, line, "super()." + name)
        return name

    def builtin(self, name: Any, line: int) -> str:
        """A Python builtin of the policy's allowlist (`len`, `sorted`)."""
        policy = _policy()
        allowed = sorted(getattr(policy, "BUILTINS", ()))
        if isinstance(name, str) and name.startswith("py."):
            raise self.fail(f"`{{py: {name}}}` repeats the prefix", line,
                            f"write {{py: {name[3:]}}}")
        if not isinstance(name, str) or not generic.IDENT_RE.match(name):
            raise self.fail(f"bad builtin `{name}`", line, "e.g. {py: len}, py.sorted")
        reason = policy.refused_builtin(name) if policy is not None else "no policy"
        if reason and name in getattr(policy, "DANGEROUS_BUILTINS", ()):
            raise self.fail(f"`py.{name}` is refused: {reason}", line, POLICY_HINT)
        if reason:
            import builtins
            if hasattr(builtins, name):  # a real builtin, not on the allowlist
                raise self.fail(f"`py.{name}` is not a builtin a case may use", line,
                                "builtins: " + ", ".join(allowed))
            raise self.fail(f"unknown builtin `py.{name}`", line,
                            did_you_mean(name, allowed) or "builtins: " + ", ".join(allowed))
        self.builtins_used.setdefault(name, line)
        return name

    def target(self, raw: Any, line: int, depth: int = 0) -> Any:
        """A loop or comprehension target: a label, or a (nested) list of targets."""
        if isinstance(raw, list):
            if not raw or depth > 8:
                raise self.fail("a target list needs at least one label", line,
                                "e.g. `as: [i, dtype]` for `for i, dtype in ...`")
            out = [self.target(t, line_of(raw, i, line), depth + 1) for i, t in enumerate(raw)]
            names = generic.target_names(out)
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice and depth == 0:
                raise self.fail(f"`{twice[0]}` appears twice in the target", line)
            return out
        return self.new_label(raw, line)

    def lambda_value(self, raw: dict, line: int) -> dict:
        """{lambda: VALUE, params: [...]}: the parameters (a def's) are known inside VALUE."""
        self.keys(raw, ("lambda", "params"), "a lambda")  # type: ignore[attr-defined]
        params = self.params(raw.get("params") or [], line_of(raw, "params", line))
        self.scopes.append({p["name"] for p in params})
        try:
            body = self.value(raw["lambda"], line_of(raw, "lambda", line))
        finally:
            self.scopes.pop()
        return {"lambda": body, "params": params} if params else {"lambda": body}

    def comprehension(self, raw: dict, line: int) -> dict:
        """{comp: V, for: T, in: V, if: V or [V...], key: V, kind: list|set|gen|dict}: the
        targets are known inside comp, key and if (a scope of their own, as in Python 3)."""
        self.keys(raw, generic.COMP_KEYS, "a comprehension")  # type: ignore[attr-defined]
        for need in ("for", "in"):
            if need not in raw:
                raise self.fail(f"a comprehension needs `{need}`", line,
                                "e.g. {comp: {ref: v.name}, for: v, in: {call: "
                                "tf.global_variables}}")
        kind = raw.get("kind", "dict" if "key" in raw else "list")
        if kind not in generic.COMP_KINDS:
            raise self.fail(f"unknown comprehension kind `{kind}`", line_of(raw, "kind", line),
                            did_you_mean(str(kind), generic.COMP_KINDS) or
                            "kinds: " + ", ".join(generic.COMP_KINDS))
        if (kind == "dict") != ("key" in raw):
            raise self.fail("a dict comprehension has `key:` (and only it)", line,
                            "{comp: VALUE, key: KEY, for: ..., in: ...} is {KEY: VALUE for ...}")
        iterable = self.value(raw["in"], line_of(raw, "in", line))
        target = self.target(raw["for"], line_of(raw, "for", line))
        for name in generic.target_names(target):
            self.bound.setdefault(name, line)
        self.scopes.append(set(generic.target_names(target)))
        try:
            out: dict[str, Any] = {"comp": self.value(raw["comp"], line_of(raw, "comp", line)),
                                   "for": target, "in": iterable, "kind": kind}
            if kind == "dict":
                out["key"] = self.value(raw["key"], line_of(raw, "key", line))
            conditions = raw.get("if", [])
            if not isinstance(conditions, list):
                conditions = [conditions]
            out["if"] = [self.value(c, line_of(raw, "if", line)) for c in conditions]
        finally:
            self.scopes.pop()
        return out

    def callee(self, raw: Any, line: int) -> tuple[Any, str | None]:
        """A callee: an API path, a builtin, a ref path or a value; and the API path (or the
        path from an import alias, `state_ops.assign`), if it is one."""
        if isinstance(raw, str):
            if raw.startswith("tf.") or raw == "tf":
                return {"tf": self.api_path(raw, line)}, raw
            if raw.startswith("py."):
                return {"py": self.builtin(raw[3:], line)}, None
            return {"ref": self.ref_path(raw, line)}, self.imported(raw)
        value = self.value(raw, line)
        if isinstance(value, dict) and "tf" in value:
            return value, "tf." + value["tf"]
        if isinstance(value, dict) and "ref" in value:
            return value, self.imported(value["ref"])
        return value, None

    def imported(self, ref: str) -> str | None:
        """A ref path that starts at an import alias (`state_ops.assign`), else None."""
        head = _LABEL_HEAD.match(ref)
        if head and head.group(0) in self.imports and \
                not any(head.group(0) in s for s in self.scopes):
            return ref
        return None

    def call_arguments(self, raw: dict, line: int, skip: tuple[str, ...]) -> tuple[list, dict]:
        """`args:`, `kwargs:` and the other keys (keyword arguments) of a call mapping."""
        args = raw.get("args", [])
        if args is None:
            args = []
        if not isinstance(args, list):
            raise self.fail("`args` must be a list of values", line_of(raw, "args", line),
                            "a single argument still goes in a list: `args: [x]`")
        out_args = []
        for i, item in enumerate(args):
            item_line = line_of(args, i, line)
            if isinstance(item, dict) and "*" in item:
                if list(item) != ["*"]:
                    raise self.fail("a splat is `{'*': VALUE}` alone", item_line)
                out_args.append({"*": self.value(item["*"], item_line)})
            else:
                out_args.append(self.value(item, item_line))
        kwargs_raw = raw.get("kwargs") or {}
        if not isinstance(kwargs_raw, dict):
            raise self.fail("`kwargs` must be a mapping of keyword arguments",
                            line_of(raw, "kwargs", line))
        kwargs: dict[str, Any] = {}
        pairs = [(k, v, line_of(kwargs_raw, k, line)) for k, v in kwargs_raw.items()]
        pairs += [(k, v, line_of(raw, k, line)) for k, v in raw.items()
                  if k not in ("args", "kwargs") + skip]
        for key, value, key_line in pairs:
            if key != "**" and not (isinstance(key, str) and generic.IDENT_RE.match(key)):
                raise self.fail(f"bad keyword `{key}`", key_line,
                                "a keyword argument's name is a Python identifier")
            if key in kwargs:
                raise self.fail(f"keyword `{key}` given twice", key_line)
            kwargs[key] = self.value(value, key_line)
        return out_args, kwargs

    def call_value(self, raw: dict, line: int) -> dict:
        fn, path = self.callee(raw["call"], line_of(raw, "call", line))
        args, kwargs = self.call_arguments(raw, line, ("call",))
        if path:
            self.check_call(path, args, kwargs, line)
        return {"call": fn, "args": args, "kwargs": kwargs}

    # -- steps --

    def is_generic_key(self, key: Any) -> bool:
        if not isinstance(key, str):
            return False
        if key in generic.STEPS or key.startswith(("tf.", "py.")):
            return True
        head = _LABEL_HEAD.match(key)
        return bool(head) and head.end() < len(key) and key[head.end()] in ".[" and \
            self.known_label(head.group(0))

    def generic_step(self, item: Any, key: str, path: str, line: int, multi: bool) -> dict:
        raw = item[key]
        key_line = line_of(item, key, line)
        reserved: dict[str, Any] = {}
        if isinstance(raw, dict):
            for r in generic.RESERVED:
                if r == "as" and isinstance(raw.get(r), list):  # `a, b = ...`
                    reserved["unpack"] = self.target(raw[r], line_of(raw, r, key_line))
                elif r in raw:
                    reserved[r] = self.new_label(raw[r], line_of(raw, r, key_line))
        out: dict[str, Any] = {"kind": key, "args": {}, "path": path, "line": line}
        if key.startswith(("tf.", "py.")) or key not in generic.STEPS:  # `tf.PATH:` ...
            out["kind"] = "invoke"
            if key.startswith("tf."):
                fn, api_path = {"tf": self.api_path(key, key_line)}, key
            elif key.startswith("py."):
                fn, api_path = {"py": self.builtin(key[3:], key_line)}, None
            else:
                fn, api_path = {"ref": self.ref_path(key, key_line)}, self.imported(key)
            if raw is None:
                args, kwargs = [], {}
            elif not isinstance(raw, dict):
                args, kwargs = [self.value(raw, key_line)], {}
            else:
                args, kwargs = self.call_arguments(raw, key_line, generic.RESERVED)
            if api_path:
                self.check_call(api_path, args, kwargs, key_line)
            out["args"] = {"fn": fn, "args": args, "kwargs": kwargs}
        else:
            spec = generic.STEPS[key]
            if raw is None:
                raw = Map()
                raw.line, raw.key_lines = key_line, {}
            if not isinstance(raw, dict):
                raise self.fail(f"`{key}` takes a mapping of its arguments", key_line,
                                f"e.g. `{key}: {{{', '.join(spec.required) or 'as'}: ...}}`")
            if key == "invoke":
                if "fn" not in raw:
                    raise self.fail("`invoke` needs `fn`", key_line, "the callable to call")
                fn, api_path = self.callee(raw["fn"], line_of(raw, "fn", key_line))
                args, kwargs = self.call_arguments(raw, key_line, ("fn",) + generic.RESERVED)
                if api_path:
                    self.check_call(api_path, args, kwargs, key_line)
                out["args"] = {"fn": fn, "args": args, "kwargs": kwargs}
            else:
                allowed = spec.arg_names + [r for r in generic.RESERVED
                                            if r != "as" or spec.captures]
                self.keys(raw, allowed, f"`{key}`")  # type: ignore[attr-defined]
                for name in spec.required:
                    if name not in raw:
                        raise self.fail(f"`{key}` needs `{name}`", key_line,
                                        f"add `{name}: ...` to its arguments")
                out["args"] = self.generic_args(key, raw, key_line)
        if out["kind"] == "invoke" and isinstance(out["args"]["fn"], dict) and \
                "tf" in out["args"]["fn"]:
            # The call a curated step makes: the same kind, so the same facts.
            call = "tf." + out["args"]["fn"]["tf"]
            same = [s for s in vocabulary.STEPS.values() if not getattr(s, "generic", False)
                    and s.call == call and s.captures and s.body == ("do" in item)]
            if same:
                out["captures"] = same[0].captures
        if out["kind"] == "snapshot" and "as" not in reserved:
            raise self.fail("`snapshot` needs `as: LABEL`", key_line, "its facts are LABEL.FACT")
        if out["kind"] == "try" and "catch" not in reserved:
            raise self.fail("`try` needs `catch: LABEL`", key_line,
                            "LABEL.error is what a step of its body raised, or null")
        if out["kind"] == "return" and not self.in_def:
            raise self.fail("`return` outside a `def` body", key_line)
        body_kinds = ("def", "class", "with", "try")
        takes_body = out["kind"] in body_kinds or out["kind"] == "invoke"
        if "do" in item and not takes_body:
            raise self.fail(f"`{key}` takes no `do:` body", line_of(item, "do"))
        label = reserved.get("as")
        if out["kind"] in ("def", "class") and label is None and not self.in_class:
            label = out["args"]["name"]  # `def f` binds f, as in Python
        if out["kind"] in ("def", "class") and out["args"]["name"] in vocabulary.PY_KEYWORDS:
            raise self.fail(f"bad name `{out['args']['name']}`", key_line,
                            "a Python identifier, not a keyword or a name the export uses")
        if label is not None:
            out["as"] = label
        if "unpack" in reserved:
            if out["kind"] not in ("invoke", "let") or "do" in item:
                raise self.fail(f"`as: [...]` unpacks what a call or `let` gives, not `{key}`",
                                key_line, "write one label, or unpack in a `let`")
            out["unpack"] = reserved["unpack"]
        if multi:
            out["multi"] = True
        if "catch" in reserved:
            out["catch"] = reserved["catch"]
        if out["kind"] in body_kinds or (out["kind"] == "invoke" and "do" in item):
            body = item.get("do", [])
            if not isinstance(body, list):
                raise self.fail(f"`do:` of `{key}` must be a list of steps",
                                line_of(item, "do", line))
            # before the body: a def's body may call it (recursion), as Python allows
            self.register_generic(label, out)
            out["do"] = self.generic_body(out, body, path, multi)
        else:
            self.register_generic(label, out)
            for name in generic.target_names(out.get("unpack", [])):
                self.register_kind(name, "generic", out)
        if "catch" in out:
            self.register_catch(out)
        self.paths.add(path)  # type: ignore[attr-defined]
        return out

    def generic_body(self, step: dict, body: list, path: str, multi: bool) -> list[dict]:
        kind = step["kind"]
        if kind == "class":
            for i, item in enumerate(body):
                if not (isinstance(item, dict) and [k for k in item if k != "do"] == ["def"]):
                    raise self.fail("a `class` body holds `def` steps (its methods)",
                                    line_of(body, i, step["line"]))
            self.in_class += 1
            try:
                return self.steps(body, path + ".do", multi)  # type: ignore[attr-defined]
            finally:
                self.in_class -= 1
        if kind != "def":
            return self.steps(body, path + ".do", multi)  # type: ignore[attr-defined]
        params = {p["name"] for p in step["args"].get("params", [])}
        self.scopes.append(params)
        self.in_def += 1
        self.functions.append(step["args"]["name"])
        saved_class, self.in_class = self.in_class, 0
        if saved_class:  # a method: `{super: NAME}` may be written in its own body
            self.in_method.append(self.in_def)
        try:
            return self.steps(body, path + ".do", True)  # type: ignore[attr-defined]
        finally:
            self.scopes.pop()
            self.in_def -= 1
            self.functions.pop()
            self.in_class = saved_class
            if saved_class:
                self.in_method.pop()

    # -- control flow: for, if --

    def body_list(self, raw: Any, what: str, line: int) -> list:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise self.fail(f"{what} must be a list of steps", line,
                            "indent the steps under it, each starting with `- `")
        return raw

    def for_step(self, item: Map, path: str, line: int, multi: bool) -> dict:
        """`for: {in: VALUE, as: TARGET}` + `do:`: the body once per item, the target's labels
        bound (and captured: one value per iteration) before each run."""
        raw = item["for"]
        key_line = line_of(item, "for", line)
        if not isinstance(raw, dict):
            raise self.fail("`for` takes a mapping: {in: VALUE, as: LABEL or [LABELS]}",
                            key_line, "e.g. `for: {in: {call: py.range, args: [3]}, as: i}`")
        self.keys(raw, ("in", "as", "catch"), "`for`")  # type: ignore[attr-defined]
        if "in" not in raw:
            raise self.fail("`for` needs `in`", key_line, "the value to loop over")
        before = len(self.problems)  # type: ignore[attr-defined]
        out: dict[str, Any] = {"kind": "for", "args": {}, "path": path, "line": line}
        with self.part():  # type: ignore[attr-defined]
            out["args"]["in"] = self.value(raw["in"], line_of(raw, "in", key_line))
        if multi:
            out["multi"] = True
        if "as" in raw:
            with self.part():  # type: ignore[attr-defined]
                out["target"] = self.target(raw["as"], line_of(raw, "as", key_line))
                for label in generic.target_names(out["target"]):
                    self.register_kind(label, "generic", dict(out, multi=True))
        if "catch" in raw:
            with self.part():  # type: ignore[attr-defined]
                out["catch"] = self.new_label(raw["catch"], line_of(raw, "catch", key_line))
        body = self.body_list(item.get("do"), "`do:` of `for`", line_of(item, "do", line))
        out["do"] = self.steps(body, path + ".do", True)  # type: ignore[attr-defined]
        if "catch" in out:
            self.register_catch(out)
        self.paths.add(path)  # type: ignore[attr-defined]
        if len(self.problems) > before:  # type: ignore[attr-defined]
            raise _Noted
        return out

    def if_step(self, item: Map, path: str, line: int, multi: bool) -> dict:
        """`if: VALUE` + `do:`, `elif: [{if: VALUE, do: [...]}, ...]`, `else: [...]`."""
        before = len(self.problems)  # type: ignore[attr-defined]
        out: dict[str, Any] = {"kind": "if", "args": {}, "path": path, "line": line}
        if multi:
            out["multi"] = True
        with self.part():  # type: ignore[attr-defined]
            out["args"]["test"] = self.value(item["if"], line_of(item, "if", line))
        out["do"] = self.branch(item.get("do"), "`do:` of `if`", line_of(item, "do", line),
                                path, 0, path + ".do", multi)
        elifs: Any = item.get("elif") or []
        if not isinstance(elifs, list):
            self.note("`elif:` must be a list of `{if: VALUE, do: [...]}`",  # type: ignore
                      line_of(item, "elif", line), "one entry per `elif`, in order")
            elifs = []
        out_elifs = []
        for j, entry in enumerate(elifs):
            e_line = line_of(elifs, j, line)
            if not isinstance(entry, Map) or "if" not in entry:
                self.note("an `elif` entry is `{if: VALUE, do: [...]}`", e_line)  # type: ignore
                continue
            self.keys(entry, ("if", "do"), "an `elif`")  # type: ignore[attr-defined]
            branch: dict[str, Any] = {"line": e_line}
            with self.part():  # type: ignore[attr-defined]
                branch["test"] = self.value(entry["if"], line_of(entry, "if", e_line))
            branch["do"] = self.branch(entry.get("do"), "`do:` of `elif`",
                                       line_of(entry, "do", e_line), path, j + 1,
                                       f"{path}.elif[{j}].do", multi)
            out_elifs.append(branch)
        if out_elifs:
            out["elif"] = out_elifs
        if "else" in item:
            out["else"] = self.branch(item["else"], "`else:`", line_of(item, "else", line), path,
                                      len(elifs) + 1, path + ".else", multi)
        self.paths.add(path)  # type: ignore[attr-defined]
        if len(self.problems) > before:  # type: ignore[attr-defined]
            raise _Noted
        return out

    def branch(self, raw: Any, what: str, line: int, path: str, number: int, where: str,
               multi: bool) -> list[dict]:
        try:
            body = self.body_list(raw, what, line)
        except CaseError as e:
            self.problems.append(e)  # type: ignore[attr-defined]
            return []
        self.branches.append((path, number))
        try:
            return self.steps(body, where, multi)  # type: ignore[attr-defined]
        finally:
            self.branches.pop()

    def shadowing(self) -> None:
        """Names the rendered program would rebind: a label named like a builtin the case calls
        (the export writes `len(...)`), and `i` beside `repeat` (`for i in range(N):`)."""
        for name in sorted(self.builtins_used):
            if name in self.bound:
                self.note(f"`{name}` is bound by the program (line {self.bound[name]}) and "
                          f"called as the builtin py.{name}", self.bound[name],
                          f"give the label another name, e.g. `{name}_`")  # type: ignore
        if self.repeat_line is not None and "i" in self.bound:
            self.note("`i` is bound by the program and `repeat` renders as "
                      "`for i in range(N):`, which would rebind it", self.bound["i"],
                      "give the label another name, or loop with `for` (its own target)")

    def generic_args(self, key: str, raw: dict, line: int) -> dict:
        out: dict[str, Any] = {}
        if key in ("let", "with", "enter", "exit", "return") and "value" in raw:
            out["value"] = self.value(raw["value"], line_of(raw, "value", line))
        if key == "set":
            target = self.ref_path(raw["target"], line_of(raw, "target", line))
            if not generic.parse_path(target)[1]:
                raise self.fail(f"`set` needs an attribute or item to set, not `{target}`",
                                line_of(raw, "target", line),
                                "e.g. target: layer.trainable; `let` binds a label")
            if self.imported(target):
                raise self.fail(f"`set` of `{target}` changes TensorFlow's module for every "
                                "later case", line_of(raw, "target", line), POLICY_HINT)
            out["target"] = target
            out["value"] = self.value(raw["value"], line_of(raw, "value", line))
        if key in ("def", "class"):
            name = raw["name"]
            if not (isinstance(name, str) and generic.IDENT_RE.match(name)):
                raise self.fail(f"bad name `{name}`", line_of(raw, "name", line),
                                "a Python identifier")
            out["name"] = name
        if key == "def":
            out["params"] = self.params(raw.get("params") or [], line_of(raw, "params", line))
            self.method_signature(raw, out, line)
        if key == "class":
            bases = raw.get("bases") or []
            if not isinstance(bases, list):
                raise self.fail("`bases` must be a list of API or ref paths",
                                line_of(raw, "bases", line))
            out["bases"] = [self.callee(b, line_of(bases, i, line))[0]
                            for i, b in enumerate(bases)]
        return out

    def method_signature(self, raw: dict, out: dict, line: int) -> None:
        """A method (a `def` directly in a class body) takes `self` first (any name, no star);
        only methods may be properties or have the dunder names of generic.DUNDER_METHODS."""
        name, params = out["name"], out["params"]
        if self.in_class and (not params or params[0].get("star") or "default" in params[0]):
            raise self.fail(f"method `{name}` needs a first parameter (self)",
                            line_of(raw, "params", line), "e.g. params: [self, inputs]")
        if name.startswith("__") and (not self.in_class or name not in generic.DUNDER_METHODS):
            raise self.fail(f"`def {name}` is refused: no dunder names", line_of(raw, "name", line),
                            "a class step's methods may be " + ", ".join(generic.DUNDER_METHODS))
        if "property" in raw:
            flag = raw["property"]
            if not isinstance(flag, bool):
                raise self.fail("`property` takes true or false", line_of(raw, "property", line))
            if flag and not self.in_class:
                raise self.fail("`property: true` outside a class body",
                                line_of(raw, "property", line), "only a method is a property")
            if flag and (len(params) != 1 or name in generic.DUNDER_METHODS):
                raise self.fail(f"property `{name}` takes only self",
                                line_of(raw, "params", line), "a property is read: self.NAME")
            if flag:
                out["property"] = True

    def params(self, raw: Any, line: int) -> list[dict]:
        if not isinstance(raw, list):
            raise self.fail("`params` must be a list", line,
                            "e.g. [getter, name, '*args', '**kwargs', {name: c, default: 1}]")
        out: list[dict] = []
        seen: set[str] = set()
        for i, p in enumerate(raw):
            p_line = line_of(raw, i, line)
            if isinstance(p, str):
                star = len(p) - len(p.lstrip("*"))
                entry: dict[str, Any] = {"name": p[star:]}
                if star:
                    entry["star"] = star
            elif isinstance(p, dict) and "name" in p and set(p) <= {"name", "default"}:
                entry = {"name": p["name"]}
                if "default" in p:
                    entry["default"] = self.value(p["default"], p_line)
            else:
                raise self.fail("a parameter is NAME, '*NAME', '**NAME' or {name, default}",
                                p_line)
            name = entry["name"]
            if name in self.imports:
                raise self.fail(f"parameter `{name}` is the import of {self.imports[name]}",
                                p_line, "give the parameter another name")
            if not (isinstance(name, str) and generic.IDENT_RE.match(name)) or \
                    name in vocabulary.PY_KEYWORDS or entry.get("star", 0) > 2:
                raise self.fail(f"bad parameter `{p}`", p_line,
                                "a Python identifier, not a keyword, `tf` or `py`")
            if name in seen:
                raise self.fail(f"parameter `{name}` twice", p_line)
            seen.add(name)
            self.bound.setdefault(name, p_line)
            out.append(entry)
        return out

    def exclusive(self, label: str) -> bool:
        """Whether every place the label is captured so far is in another branch of an `if`
        than the current place (so that at most one of them runs)."""
        here = dict(self.branches)
        return all(any(here.get(path, branch) != branch for path, branch in place)
                   for place in self.places.get(label, [()]))

    def new_label(self, value: Any, line: int) -> str:
        if not isinstance(value, str) or not vocabulary.LABEL_RE.fullmatch(value) or \
                value in vocabulary.PY_KEYWORDS or value == "graph":
            raise self.fail(f"bad label `{value}`", line,
                            "a label is a Python identifier, not a keyword, `tf`, `py` or `graph`")
        return value

    def register_generic(self, label: str | None, step: dict) -> None:
        if label is None:
            return
        kind = "snapshot" if step["kind"] == "snapshot" else step.get("captures", "generic")
        self.register_kind(label, kind, step)

    def register_catch(self, step: dict) -> None:
        self.register_kind(step["catch"], "caught", step)

    def register_kind(self, label: str, kind: str, step: dict) -> None:
        """A label captured again (in several places) gets one value per capture; places in
        different branches of one `if` are one place."""
        self.not_an_import(label, step["line"])
        if any(label in s for s in self.scopes):
            raise self.fail(f"label `{label}` is a parameter of the enclosing def", step["line"],
                            "give the capture another label")
        self.bound.setdefault(label, step["line"])
        self.functions_of.setdefault(label, set()).add(
            self.functions[-1] if self.functions else None)
        info = self.labels.get(label)
        if info is not None:
            if info["kind"] != kind:
                raise self.fail(f"label `{label}` is captured twice, as a {info['kind']} and a "
                                f"{kind}", step["line"], "give each capture its own label")
            if step.get("multi") or not self.exclusive(label):
                info["multi"] = True
            self.places.setdefault(label, []).append(tuple(self.branches))
            return
        self.labels[label] = {"kind": kind, "multi": bool(step.get("multi")),
                              "path": step["path"]}
        self.places[label] = [tuple(self.branches)]
        if self.templates:  # type: ignore[attr-defined]
            self.labels[label]["template"] = self.templates[-1]  # type: ignore[attr-defined]

    # -- facts of generic captures --

    def path_fact(self, key: str, label: str, line: int) -> None:
        try:
            _, steps = generic.parse_path(key)
        except ValueError as e:
            raise self.fail(f"bad fact `{key}`: {e}", line) from None
        for kind, name in steps:
            if kind == "attr":
                self.attribute(name, line, key)


def mark_multi(steps: list[dict], labels: dict[str, dict]) -> None:
    """Steps capturing a label captured in several places record one value per capture."""
    for step in steps:
        if step.get("as") in labels and labels[step["as"]]["multi"]:
            step["multi"] = True
        if step.get("catch") in labels and labels[step["catch"]]["multi"]:
            step["catch_multi"] = True
        if "unpack" in step:
            step["unpack_multi"] = [n for n in generic.target_names(step["unpack"])
                                    if labels.get(n, {}).get("multi")]
        for body in generic.bodies(step):
            mark_multi(body, labels)


class _Part:
    """`with validator.part():` (see _Validator). A class, not a generator context manager:
    it wraps every step, argument and fact of every case, and loading is on the way to the
    first result."""
    __slots__ = ("problems",)

    def __init__(self, problems: list[CaseError]) -> None:
        self.problems = problems

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, tb: Any) -> bool:
        if kind is None:
            return False
        if issubclass(kind, CaseError):
            self.problems.append(error)  # type: ignore[arg-type]
            return True
        return issubclass(kind, _Noted)


class _Validator(_GenericSteps):
    """Validates one case mapping and collects every problem it finds, each with its line.

    A check raises `self.fail(...)` at the first problem of the part it checks; `self.part()`
    blocks around the independent parts of a case (each top-level key, each step, each
    argument, each expected fact, each deviation) catch it, note it in `self.problems` and go on
    with the next part, so one run reports every problem of a file. `self.note(...)` records a
    problem without leaving the current part. A step whose arguments fail still registers its
    label (of unknown kind), so what refers to it is not reported a second time."""

    def __init__(self, path: str, allow_test_steps: bool) -> None:
        self.path, self.allow_test_steps = path, allow_test_steps
        self.labels: dict[str, dict] = {}
        self.paths: set[str] = set()
        self.templates: list[str] = []  # labels of the template bodies being validated
        self.problems: list[CaseError] = []
        self.scopes: list[set[str]] = []  # parameters of the enclosing def bodies
        self.in_def = self.in_class = 0
        self.in_method: list[int] = []  # in_def of the methods being validated (super)
        # The `if` branches being validated, (if step's path, branch number): captures in two
        # branches of one `if` are one place (only one runs), not a label captured twice.
        self.branches: list[tuple[str, int]] = []
        self.functions: list[str] = []  # the defs whose bodies are being validated
        self.functions_of: dict[str, set] = {}  # label -> the defs capturing it (None: none)
        self.places: dict[str, list[tuple]] = {}  # label -> the branches of each capture
        self.bound: dict[str, int] = {}  # every name the program binds -> its first line
        self.builtins_used: dict[str, int] = {}  # py.NAME -> the first line using it
        self.repeat_line: int | None = None  # the first `repeat` (it renders `for i in ...`)
        self.imports: dict[str, str] = {}  # alias -> internal module (`imports:`)
        self._part = _Part(self.problems)

    def fail(self, message: str, line: int, hint: str | None = None) -> CaseError:
        return CaseError(message, self.path, line or None, hint)

    def note(self, message: str, line: int, hint: str | None = None) -> None:
        """A problem that does not stop checking the rest of the current part."""
        self.problems.append(self.fail(message, line, hint))

    def part(self) -> _Part:
        """Check one independent part: a problem raised inside is noted, and checking goes on
        after the block."""
        return self._part

    def validate(self, data: Any, line: int) -> tuple[Case | None, list[CaseError]]:
        """The case, or None and every problem found in it (in line order)."""
        case = None
        with self.part():
            case = self.case(data, line)
        seen: set[str] = set()
        problems = [p for p in sorted(self.problems, key=lambda p: p.line or 0)
                    if not (str(p) in seen or seen.add(str(p)))]
        return (None if problems else case), problems

    def keys(self, mapping: Map, allowed: Iterable[str], what: str,
             hints: dict[str, str] | None = None) -> list[Any]:
        """Note every key of `mapping` not in `allowed` (with `hints` for known slips);
        returns them."""
        allowed = list(allowed)
        unknown = [key for key in mapping if key not in allowed]
        for key in unknown:
            hint = (hints or {}).get(key) or did_you_mean(key, allowed) or \
                "allowed: " + ", ".join(allowed)
            self.note(f"unknown key `{key}` in {what}", line_of(mapping, key), hint)
        return unknown

    def string(self, mapping: Map, key: str, what: str, required: bool = True) -> str | None:
        if key not in mapping:
            if required:
                raise self.fail(f"{what} has no `{key}`", line_of(mapping), f"add `{key}:`")
            return None
        value = mapping[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"`{key}` of {what} must be a non-empty string, not "
                            f"{_type_name(value)}", line_of(mapping, key))
        return value

    def case(self, data: Any, line: int) -> Case:
        """The case; every problem found is in `self.problems` (a Case is returned even then,
        and `validate` drops it)."""
        if not isinstance(data, Map):
            raise self.fail(f"a case must be a mapping, not {_type_name(data)}", line,
                            "start it with `id:`")
        self.keys(data, CASE_KEYS, "a case")
        if data.get("format", FORMAT) != FORMAT:
            raise self.fail(f"unsupported case format {data['format']!r}",
                            line_of(data, "format"), f"this harness reads format {FORMAT}")
        case_id, what = "", "the case"
        with self.part():
            case_id = self.string(data, "id", "the case") or ""
            if not ID_RE.fullmatch(case_id):  # not .match: `$` lets a trailing newline through
                raise self.fail(f"bad case id `{case_id}`", line_of(data, "id"),
                                "use lower-case letters, digits, '.', '_' and '-' (at most 120)")
            what = f"case `{case_id}`"
        title = ""
        with self.part():
            title = self.string(data, "title", what) or ""
        source = data.get("source")
        with self.part():
            if not isinstance(source, Map):
                raise self.fail(f"{what} needs a `source` mapping with `doc` and `quote`",
                                line_of(data, "source", data.line))
            self.keys(source, SOURCE_KEYS, f"the source of {what}")
            for key in ("doc", "quote", "reading", "where", "url", "covers"):
                with self.part():
                    self.string(source, key, f"the source of {what}",
                                required=key in ("doc", "quote"))
            with self.part():
                self.reading_kind(source, what)
        tags = data.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            self.note(f"`tags` of {what} must be a list of words", line_of(data, "tags"))
        with self.part():
            self.imports = self.import_table(data.get("imports"), line_of(data, "imports"))
        program = data.get("program")
        steps: list[dict] = []
        if not isinstance(program, Seq) or not program:
            self.note(f"{what} needs a non-empty `program` list of steps",
                      line_of(data, "program", data.line))
        else:
            steps = self.steps(program, "program", multi=False)
            mark_multi(steps, self.labels)
            self.shadowing()
        expect = data.get("expect")
        if not isinstance(expect, Map):  # may be empty: a case that only records, no claim yet
            self.note(f"{what} needs an `expect` mapping of facts",
                      line_of(data, "expect", data.line),
                      "e.g. `v1.name: foo/var1:0`, `error: {type: ValueError}`, or `{}` "
                      "to only record what TF does (`tfscope record`)")
        else:
            self.expectations(expect, "expect")
            if isinstance(source, Map):
                with self.part():
                    self.stated(source, expect, what)
        deviations: list[Deviation] = []
        with self.part():
            deviations = self.deviations(data.get("deviations", []), line_of(data, "deviations"))
        observed: dict[str, dict[str, Any]] = {}
        with self.part():
            observed = self.observed(data.get("observed", Map()), line_of(data, "observed"))
        timeout = data.get("timeout")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(
                timeout, (int, float)) or not 0 < timeout <= 3600):
            self.note("`timeout` must be a number of seconds (0 to 3600)",
                      line_of(data, "timeout"))
        return Case(id=case_id, title=title, source=_plain(source) if isinstance(source, Map)
                    else {}, tags=list(tags) if isinstance(tags, list) else [],
                    program=steps, expect=_plain(expect) if isinstance(expect, Map) else {},
                    deviations=deviations, timeout=timeout, path=self.path, line=data.line,
                    labels=self.labels, observed=observed, imports=dict(self.imports))

    # -- program --

    def steps(self, items: Seq, where: str, multi: bool) -> list[dict]:
        out = []
        for i, item in enumerate(items):
            path = f"{where}[{i}]"
            with self.part():
                try:
                    out.append(self.step(item, path, line_of(items, i), multi))
                except (CaseError, _Noted):
                    self.broken_step(item, path, multi)
                    raise
        return out

    def broken_step(self, item: Any, path: str, multi: bool) -> None:
        """A step with a problem still has its path and label, so that what refers to them is
        not reported too: the label is registered with an unknown kind."""
        self.paths.add(path)
        if not isinstance(item, Map):
            return
        for value in item.values():
            targets = value.get("as") if isinstance(value, Map) else None
            names = generic.target_names(targets) if isinstance(targets, list) else \
                [_raw_label(value)]  # `as: [a, b]` (a loop's, an unpacking's) names each
            for label in names:
                if isinstance(label, str) and vocabulary.LABEL_RE.fullmatch(label) and \
                        label not in self.labels:
                    self.labels[label] = {"kind": None, "multi": multi, "path": path}

    def step(self, item: Any, path: str, line: int, multi: bool) -> dict:
        if not isinstance(item, Map):
            raise self.fail(f"a step must be a mapping like `- get_variable: {{...}}`, not "
                            f"{_type_name(item)}", line)
        kinds = [k for k in item if k not in vocabulary.STEP_KEYS + vocabulary.BRANCH_KEYS]
        if len(kinds) != 1:
            if not kinds:
                raise self.fail("a step needs a step kind", line,
                                "one of: " + ", ".join(self.vocabulary()))
            raise self.fail(f"one step per list item, found {', '.join(map(str, kinds))}",
                            line_of(item, kinds[1]), "start each step with `- `")
        kind = kinds[0]
        branch = [k for k in vocabulary.BRANCH_KEYS if k in item]
        if branch and kind != "if":
            raise self.fail(f"`{branch[0]}:` belongs to an `if` step, not to `{kind}`",
                            line_of(item, branch[0]), "indent it as far as the `if:` it goes with")
        if kind == "if":
            return self.if_step(item, path, line, multi)
        if kind == "for":
            return self.for_step(item, path, line, multi)
        if kind == "repeat" and self.repeat_line is None:
            self.repeat_line = line_of(item, kind, line)
            self.builtins_used.setdefault("range", self.repeat_line)  # `for i in range(N):`
        if self.is_generic_key(kind):
            return self.generic_step(item, kind, path, line, multi)
        spec = vocabulary.STEPS.get(kind)
        if spec is None or (spec.test_only and not self.allow_test_steps):
            hint = did_you_mean(kind, self.vocabulary()) or "steps: " + ", ".join(
                self.vocabulary())
            if spec is not None:
                hint = "it is for the harness's own tests only"
            raise self.fail(f"unknown step `{kind}`", line_of(item, kind), hint)
        before = len(self.problems)
        args: dict[str, Any] = {}
        with self.part():
            args = self.arguments(spec, item[kind], line_of(item, kind))
        # With bad arguments the step still defines its label (when that is fine) and its body
        # is still checked: their problems are reported in the same run.
        label = args.pop("as", None) if len(self.problems) == before else _raw_label(item[kind])
        catch = args.pop("catch", None) if len(self.problems) == before else None
        out: dict[str, Any] = {"kind": kind, "args": args, "path": path, "line": line}
        if label is not None:
            out["as"] = label
        if catch is not None:
            out["catch"] = catch
        if multi:
            out["multi"] = True
        with self.part():
            self.declared(spec, args, out, item[kind])
        if spec.label_required and label is None and len(self.problems) == before:
            self.note(f"`{kind}` needs `as: LABEL`", line, "later steps refer to it by that label")
        if spec.body:
            raw = item[kind]
            # A `do:` misplaced among the arguments (noted there) is still checked as the body,
            # so that what it captures is known and only the one mistake is reported.
            body = item.get("do", raw.get("do", []) if isinstance(raw, Map) else [])
            if not isinstance(body, list):
                self.note(f"`do:` of `{kind}` must be a list of steps", line_of(item, "do", line),
                          "indent `do:` at the level of the step key")
                body = []
            with self.part():
                self.register(label, spec, out)
            if kind == "template":  # a function, run once per call_template
                self.templates.append(label)
            out["do"] = self.steps(body, path + ".do", multi or kind in ("repeat", "template"))
            if kind == "template":
                self.templates.pop()
        else:
            if "do" in item:
                self.note(f"`{kind}` takes no `do:` body", line_of(item, "do"))
            with self.part():
                self.register(label, spec, out)
        if catch is not None:
            with self.part():
                self.register_catch(out)
        self.paths.add(path)
        if len(self.problems) > before:
            raise _Noted
        return out

    def vocabulary(self) -> list[str]:
        return [k for k, s in vocabulary.STEPS.items() if self.allow_test_steps or not s.test_only]

    def arguments(self, spec: vocabulary.Step, raw: Any, line: int) -> dict:
        if raw is None:
            raw = Map()
            raw.line, raw.key_lines = line, {}
        if not isinstance(raw, Map):
            if not spec.args:
                raise self.fail(f"`{spec.kind}` takes no arguments", line)
            first = spec.args[0][0]
            raw_map = Map({first: raw})
            raw_map.line, raw_map.key_lines = line, {first: line}
            raw = raw_map
        allowed = spec.arg_names + (["as"] if spec.captures else []) + ["catch"]
        before = len(self.problems)
        # `do:` indented under the step's arguments instead of beside the step key.
        misplaced = (f"`do:` is not an argument: it belongs beside `{spec.kind}:`, indented as "
                     f"far as `{spec.kind}` (line {line}), not under it") if spec.body else \
            f"`{spec.kind}` takes no `do:` body"
        unknown = self.keys(raw, allowed, f"`{spec.kind}`", {"do": misplaced})
        for name in spec.required:
            if name not in raw:
                self.note(f"`{spec.kind}` needs `{name}`", line_of(raw),
                          f"add `{name}: ...` to its arguments")
        args: dict[str, Any] = {}
        for name, value in raw.items():
            if name in unknown:
                continue
            if name == "catch":
                with self.part():
                    args["catch"] = self.new_label(value, line_of(raw, name))
                continue
            with self.part():
                self.argument(spec, raw, name, value, args)
        if len(self.problems) > before:
            raise _Noted  # the step is not valid, and why is noted
        return args

    def argument(self, spec: vocabulary.Step, raw: Map, name: str, value: Any,
                 args: dict) -> None:
        if name == "as":
            if not isinstance(value, str) or not vocabulary.LABEL_RE.fullmatch(value) or \
                    value in vocabulary.PY_KEYWORDS or value == "graph":
                raise self.fail(f"bad label `{value}`", line_of(raw, name),
                                "a label is a Python identifier, not a keyword, "
                                "`tf`, `py` or `graph`")
            args["as"] = value
            return
        argtype = spec.arg_type(name)
        try:
            problem = argtype.check(_plain(value))
        except (TypeError, ValueError, KeyError, AttributeError):  # a check's own blind spot
            problem = f"expected a {argtype.name}"
        if problem:
            raise self.fail(f"bad `{name}` for `{spec.kind}`: {problem}",
                            line_of(raw, name), _boolean_hint(value))
        for ref in vocabulary.refs_in(argtype, _plain(value)):
            self.reference(ref, name, argtype, line_of(raw, name))
        args[name] = _plain(value)

    def reference(self, label: str, arg: str, argtype: Any, line: int) -> None:
        if any(label in scope for scope in self.scopes):
            return  # a def's parameter: any object
        if label not in self.labels:
            hint = did_you_mean(label, self.labels) or (
                "capture it earlier with `as: " + label + "`")
            raise self.fail(f"`{arg}` refers to `{label}`, which no earlier step captures",
                            line, hint)
        kind = self.labels[label]["kind"]
        if kind is None:  # a broken step's label: its own problem is reported
            return
        wanted = getattr(argtype, "ref_kinds", None) or (
            ("scope",) if argtype in (vocabulary.SCOPE, vocabulary.LABEL) else (
                "variable", "tensor"))
        inside = self.labels[label].get("template")
        if inside is not None and inside not in self.templates:
            raise self.fail(f"`{arg}` refers to `{label}`, captured inside the body of template "
                            f"`{inside}`", line, f"use the result of `call_template: {inside}`")
        if kind not in wanted and kind != "generic":  # generic: its kind shows at run time
            raise self.fail(f"`{arg}` refers to `{label}`, a {kind}; it needs a "
                            f"{' or '.join(wanted)}", line)

    def declared(self, spec: vocabulary.Step, args: dict, step: dict, raw: Any) -> None:
        """Labels an argument captures itself (a custom getter's `{record: LABEL}`),
        registered with the kind `getter`."""
        for name, argtype in spec.args:
            declares = getattr(argtype, "declares", None)
            if declares is None or name not in args:
                continue
            for label in declares(args[name]):
                if label in self.labels:
                    raise self.fail(f"label `{label}` is captured twice",
                                    line_of(raw, name, step["line"]),
                                    "give each capture its own label")
                self.labels[label] = {"kind": "getter", "multi": bool(step.get("multi")),
                                      "path": step["path"]}

    def register(self, label: str | None, spec: vocabulary.Step, step: dict) -> None:
        if label is None:
            return
        self.not_an_import(label, step["line"])
        self.bound.setdefault(label, step["line"])
        self.functions_of.setdefault(label, set()).add(
            self.functions[-1] if self.functions else None)
        info = self.labels.get(label)
        if info is not None:
            if info["kind"] == spec.captures and self.branches and self.exclusive(label):
                # `if ...: x = A` / `else: x = B`: one value, whichever branch ran
                info["multi"] = info["multi"] or bool(step.get("multi"))
                self.places.setdefault(label, []).append(tuple(self.branches))
                return
            raise self.fail(f"label `{label}` is captured twice", step["line"],
                            "give each capture its own label")
        self.labels[label] = {"kind": spec.captures, "multi": bool(step.get("multi")),
                              "path": step["path"]}
        self.places[label] = [tuple(self.branches)]
        if self.templates:  # referable only inside that template's body
            self.labels[label]["template"] = self.templates[-1]

    # -- expectations --

    def expectations(self, mapping: Any, what: str) -> None:
        if not isinstance(mapping, Map):
            raise self.fail(f"`{what}` must be a mapping of facts", line_of(mapping))
        for key, value in mapping.items():
            with self.part():
                self.expectation(mapping, key, value)

    def expectation(self, mapping: Map, key: Any, value: Any) -> None:
        line = line_of(mapping, key)
        if key == "error":
            self.error_expectation(value, line)
            return
        self.fact(str(key), line)
        if self.labels.get(str(key).split(".")[0], {}).get("kind") == "caught":
            for v in (value if isinstance(value, list) else [value]):
                self.error_expectation(v, line)  # the case-level `error:` matcher
            return
        if isinstance(value, Map) and len(value) > 1 and any(k in MATCHERS for k in value):
            # Compared as a literal it could never match: say so instead.
            raise self.fail(f"`{key}`: a matcher is a mapping with exactly one key "
                            f"({', '.join(MATCHERS)})", line,
                            "split it into one matcher per fact, or write the whole value")
        label = str(key).split(".", 1)[0]
        places = self.functions_of.get(label, set())
        if len(places) > 1:
            # a def's names are its own (as in Python): one label for both mixes their facts
            where = ", ".join(sorted(f"def {f}" if f else "the program" for f in places))
            raise self.fail(f"`{key}` names `{label}`, captured both in {where}: in Python these "
                            "are different variables, here one label with the facts of both",
                            line, f"give one of them another label, e.g. `{label}_`")
        if label in self.labels and self.labels[label]["multi"] and not (
                isinstance(value, list) or _is_matcher(value)):
            raise self.fail(f"`{label}` is captured inside `repeat` or `for`, a `def` or "
                            f"`template`, or in several places, so `{key}` is a list "
                            "with one value per execution", line, "write a list")
        if _is_matcher(value):
            self.matcher(value, line)

    def fact(self, key: str, line: int) -> None:
        if "." not in key and "[" not in key:
            raise self.fail(f"unknown fact `{key}`", line,
                            "write LABEL.FACT (e.g. `v1.name`), graph.FACT or `error`")
        head = _LABEL_HEAD.match(key)
        if head and key[head.end():head.end() + 1] == "[" and head.group(0) in self.labels:
            label, fact = head.group(0), key[head.end():]  # `parts[0].name`, `called[0]`
            if self.labels[label]["kind"] != "generic":
                raise self.fail(f"`{key}`: indexing is for generic captures", line)
            return self.path_fact(key, label, line)
        if "." not in key:  # `x[0]` of a label no step captures
            raise self.fail(f"`{key}` names `{key.split('[')[0]}`, which no step captures", line,
                            did_you_mean(key.split("[")[0], self.labels) or
                            "write LABEL.FACT (e.g. `v1.name`), graph.FACT or `error`")
        label, fact = key.split(".", 1)
        if label == "graph":
            if any(fact.startswith(p) and len(fact) > len(p)
                   for p in vocabulary.GRAPH_FACT_PREFIXES):
                return
            if fact not in vocabulary.GRAPH_FACTS:
                raise self.fail(f"unknown graph fact `{key}`", line,
                                did_you_mean(fact, vocabulary.GRAPH_FACTS) or
                                "graph facts: " + ", ".join(vocabulary.GRAPH_FACTS))
            return
        if label not in self.labels:
            raise self.fail(f"`{key}` names `{label}`, which no step captures", line,
                            did_you_mean(label, self.labels) or (
                                "captured: " + ", ".join(sorted(self.labels)) if self.labels
                                else f"add `as: {label}` to a step"))
        if self.labels[label]["kind"] is None:  # a broken step's label: its problem is reported
            return
        kind = self.labels[label]["kind"]
        facts = vocabulary.FACTS[kind]
        if kind == "generic" or (kind not in ("caught", "getter", "snapshot", "saver")
                                 and fact not in facts and not did_you_mean(
                                     fact.split(".")[0].split("[")[0], facts)):
            return self.path_fact(key, label, line)  # any attribute path (read at the end)
        if kind == "snapshot" and fact.startswith("collection.") and len(fact) > 11:
            return None
        if fact not in facts:
            kind = str(self.labels[label]["kind"])
            raise self.fail(f"unknown fact `{fact}` of `{label}` "
                            f"({'an' if kind[:1] in 'aeiou' else 'a'} {kind})", line,
                            did_you_mean(fact, facts) or "facts: " + ", ".join(facts))

    def matcher(self, value: Map, line: int) -> None:
        (name, arg), = value.items()
        if name == "matches":
            if not isinstance(arg, str):
                raise self.fail("`matches` takes a regular expression string", line)
            try:
                re.compile(arg)
            except re.error as e:
                raise self.fail(f"bad regular expression: {e}", line) from None
        elif name in ("contains", "excludes") and not isinstance(arg, list):
            raise self.fail(f"`{name}` takes a list of items", line)
        elif name == "startswith" and not isinstance(arg, str):
            raise self.fail("`startswith` takes a string", line)

    def reading_kind(self, source: Map, what: str) -> None:
        kind = source.get("reading_kind", "plain")
        if kind not in READING_KINDS:
            raise self.fail(f"`reading_kind` of {what} must be one of {', '.join(READING_KINDS)}",
                            line_of(source, "reading_kind"),
                            did_you_mean(str(kind), list(READING_KINDS)))
        self.string(source, "reading_why", f"the source of {what}", required=False)
        if kind != "plain":
            # A reader must see what the reading is and why it has this kind.
            for key in ("reading", "reading_why"):
                if key not in source:
                    raise self.fail(f"a `reading_kind: {kind}` case needs `source.{key}`",
                                    line_of(source, "reading_kind"),
                                    "`reading`: the reading; `reading_why`: what in the source's "
                                    "words, its example output or TF's documentation makes it "
                                    + ("one of several plausible readings" if kind == "alternative"
                                       else "a reading the source does not invite"))
        elif "reading_why" in source:
            raise self.fail(f"`reading_why` of {what} explains a `reading_kind` other than plain",
                            line_of(source, "reading_why"),
                            "add `reading_kind: alternative` or `implausible`, or remove it")

    def stated(self, source: Map, expect: Map, what: str) -> None:
        """`stated`: the expected facts whose values the source itself prints or states."""
        if "stated" not in source:
            return
        facts = source["stated"]
        line = line_of(source, "stated")
        if not isinstance(facts, list) or not facts or not all(isinstance(f, str) for f in facts):
            raise self.fail(f"`stated` of {what} must be a list of fact names", line,
                            "e.g. `stated: [v1.name]`: the facts whose expected values the "
                            "source prints or says in so many words")
        for fact in facts:
            if fact not in expect:
                raise self.fail(f"`stated` of {what} names `{fact}`, which `expect` does not",
                                line, did_you_mean(fact, [str(k) for k in expect]))

    def error_expectation(self, value: Any, line: int) -> None:
        if value is None:
            return  # `error: null`: explicitly no error
        if not isinstance(value, Map):
            raise self.fail("`error` must be a mapping like `{type: ValueError, message: ...}`",
                            line)
        self.keys(value, ERROR_KEYS, "`error`")
        for key in value:
            if not isinstance(value[key], str):
                self.note(f"`error.{key}` must be a string", line_of(value, key))
        if "type" not in value:
            self.note("`error` needs a `type` (the exception class name)", line)
        if "matches" in value:
            self.matcher(Map(matches=value["matches"]), line_of(value, "matches"))
        step = value.get("step")
        if step is not None and step not in self.labels and step not in self.paths:
            raise self.fail(f"`error.step` names `{step}`, which is no step's label or path",
                            line_of(value, "step"),
                            did_you_mean(step, list(self.labels) + sorted(self.paths)))

    def observed(self, value: Any, line: int) -> dict[str, dict[str, Any]]:
        """`observed:` (written by `tfscope record`): runtime name -> the facts TF gave there."""
        if not isinstance(value, Map):
            raise self.fail("`observed` must be a mapping of runtime name to facts", line,
                            "let `tfscope record` write it")
        for runtime, facts in value.items():
            if not isinstance(runtime, str) or not isinstance(facts, Map):
                self.note(f"`observed.{runtime}` must be a mapping of facts",
                          line_of(value, runtime), "let `tfscope record` write it")
                continue
            self.expectations(facts, "observed")
        return _plain(value)

    def deviations(self, items: Any, line: int) -> list[Deviation]:
        if not isinstance(items, list):
            raise self.fail("`deviations` must be a list", line)
        out = []
        for i, item in enumerate(items):
            with self.part():
                out.append(self.deviation(item, line_of(items, i, line)))
        return out

    def deviation(self, item: Any, item_line: int) -> Deviation:
        if not isinstance(item, Map):
            raise self.fail("a deviation must be a mapping with `observed` and `reason`",
                            item_line)
        self.keys(item, DEVIATION_KEYS, "a deviation")
        reason = ""
        with self.part():
            reason = self.string(item, "reason", "a deviation") or ""
        observed = item.get("observed")
        if not isinstance(observed, Map) or not observed:
            self.note("a deviation needs `observed:` facts (what TF really gives)", item_line)
        else:
            self.expectations(observed, "observed")
        runtimes = item.get("runtimes")
        if isinstance(runtimes, str):
            runtimes = [runtimes]
        if runtimes is not None and (not isinstance(runtimes, list) or not runtimes or not all(
                isinstance(r, str) for r in runtimes)):
            raise self.fail("`runtimes` must be a list of runtime names or version ranges",
                            line_of(item, "runtimes"),
                            'e.g. `runtimes: [tf2]` or `runtimes: ["<1.14"]`')
        for i, entry in enumerate(runtimes or []):
            with self.part():
                self.runtime_entry(entry, line_of(item["runtimes"], i, line_of(item, "runtimes")))
        return Deviation(reason=reason, observed=_plain(observed) if isinstance(observed, Map)
                         else {}, runtimes=None if runtimes in (None, ["*"]) else list(runtimes),
                         line=item_line)

    def runtime_entry(self, entry: str, line: int) -> None:
        """A deviation's runtime: a built-in runtime's name, `*`, or a version range."""
        # Only here does the format need the runtimes.
        from .runtimes import SETS, SPECS, in_version_order, unknown_runtime_hint
        if is_range(entry):
            try:
                parse_range(entry)
            except ValueError as e:
                raise self.fail(f"bad version range `{entry}` in `runtimes`: {e}", line,
                                'write clauses like "<1.14", ">=2" or ">=1.13,<2" (quoted)'
                                ) from None
        elif entry != "*" and entry not in SPECS:
            if entry in SETS:
                raise self.fail(f"`{entry}` in `runtimes` is a set of runtimes, not one", line,
                                'name runtimes (' + ", ".join(in_version_order(SPECS))
                                + '), or give a version range such as ">=2"')
            raise self.fail(f"unknown runtime `{entry}` in `runtimes`", line,
                            unknown_runtime_hint(entry, 'for other runtimes give a version '
                                                 'range such as "<1.14"'))


def _boolean_hint(value: Any) -> str | None:
    """YAML 1.1 reads unquoted yes/no/on/off/true/false (any case) as booleans: a scope named
    `no` arrives as false."""
    if not isinstance(value, bool):
        return None
    words = "yes, on, true" if value else "no, off, false"
    return (f"YAML reads an unquoted {words} as the boolean {str(value).lower()}: "
            "quote it, e.g. \"no\", to mean a name")


def _raw_label(raw: Any) -> str | None:
    """The label an unvalidated step's arguments give, when it is a usable one."""
    label = raw.get("as") if isinstance(raw, Map) else None
    if isinstance(label, str) and vocabulary.LABEL_RE.fullmatch(label) and \
            label not in vocabulary.PY_KEYWORDS and label != "graph":
        return label
    return None


def _is_matcher(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in MATCHERS


def _plain(value: Any) -> Any:
    """Map/Seq to plain dict/list (for JSON and equality)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --- files -------------------------------------------------------------------------------------

def case_files(paths: Iterable[str | Path]) -> list[Path]:
    """YAML files named or below the directories named, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            # Hidden entries inside the tree are skipped, not the folders named to get there
            # (`../cases`, `.work/cases`). A broken or looping link to a .yaml file is kept, so
            # that reading it reports it.
            out += sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml")
                          and not f.is_dir()  # a FIFO or device: reading it says what it is
                          and not any(part.startswith(".") for part in f.relative_to(p).parts))
        elif p.exists() or p.is_symlink():
            out.append(p)
        else:
            raise CaseError("no such file or directory", str(p), None,
                            "name a case file or a directory of them")
    seen: set[str] = set()  # realpath: unlike Path.resolve it does not raise on a link loop
    return [f for f in out if not (os.path.realpath(f) in seen
                                   or seen.add(os.path.realpath(f)))]


def digest(paths: Iterable[str | Path], root: Path, keyword: str | None = None) -> str:
    """What a report was built from, for a freshness check that needs no TensorFlow: sha256 over
    the case files (path relative to `root` and bytes, sorted by path) and the `-k` selection."""
    entries = []
    for f in case_files(paths):
        absolute = real(f)
        try:
            shown = absolute.relative_to(real(root)).as_posix()
        except ValueError:
            shown = f.name
        try:  # as the loader reads it: a link to /dev/zero must not be read for ever
            data = read_bytes(absolute)
        except (OSError, NotCaseFile) as e:
            data = f"<unreadable: {e}>".encode()
        entries.append((shown, data))
    h = hashlib.sha256()
    for shown, data in sorted(entries):
        for part in (shown.encode(), data):
            h.update(len(part).to_bytes(8, "big") + part)  # lengths: no ambiguous joins
    if keyword:
        h.update(b"-k " + keyword.encode())
    return "sha256:" + h.hexdigest()


def real(path: Path) -> Path:
    """The path with every link resolved; unlike Path.resolve, no error on a link that loops
    (reading the file reports that)."""
    return Path(os.path.realpath(path))


def display_path(path: Path) -> str:
    """Relative to the working directory when below it: stable across clones. The file itself
    as the user has it: a link is named, not where it leads (a broken one leads nowhere)."""
    try:
        return (real(path.parent) / path.name).relative_to(real(Path.cwd())).as_posix()
    except ValueError:
        return path.as_posix()


def load_file(path: Path, allow_test_steps: bool = False) -> tuple[list[Case], list[CaseError]]:
    shown = display_path(path)
    text, error = read_text(path, shown)
    if error is not None:
        return [], [error]
    return load_text(text, shown, allow_test_steps)


KINDS_OF_FILE = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                 (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                 (stat.S_ISDIR, "a directory"))


class NotCaseFile(ValueError):
    """Not a case file's bytes: not a regular file, or too large (the message says which)."""


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """A case file's bytes: a regular file of at most `limit` bytes. Never waits (a FIFO), and
    never reads more than `limit` + 1 bytes whatever the size said (a link to /dev/zero, which
    said 0 and was read for ever, the memory growing; a file growing while it is read).
    NotCaseFile or OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((k for test, k in KINDS_OF_FILE if test(mode)), "not a regular file")
            raise NotCaseFile(f"cannot read: {kind}, not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise NotCaseFile(f"file larger than {limit // 1024 // 1024} MiB")
    return b"".join(chunks)


def read_text(path: Path, shown: str) -> tuple[str, CaseError | None]:
    """A case file's text, or why it cannot be read."""
    try:
        return read_bytes(path).decode("utf-8"), None
    except NotCaseFile as e:
        hint = "split it into smaller case files" if str(e).startswith("file larger") else \
            "case files are regular files: remove it, or point the link at one"
        return "", CaseError(str(e), shown, None, hint)
    except UnicodeDecodeError as e:
        return "", CaseError(f"not UTF-8 text (byte {e.start})", shown, None,
                             "save the file as UTF-8")
    except OSError as e:
        if path.is_symlink():
            target = os.readlink(path)
            why = "a symbolic link that loops" if e.errno == errno.ELOOP else \
                f"a broken symbolic link (to {target})"
            return "", CaseError(f"cannot read: {why}", shown, None, "fix the link or remove it")
        return "", CaseError(f"cannot read: {e.strerror or e}", shown, None)


def load_text(text: str, shown: str, allow_test_steps: bool = False
              ) -> tuple[list[Case], list[CaseError]]:
    """The cases of one file's text (`shown` names it in errors)."""
    try:
        data = parse_yaml(text, shown)
    except CaseError as e:
        return [], [e]
    if data is None or data == []:  # `[]`: a list of no cases is as empty as no text
        return [], [CaseError("empty case file", shown, line_of(data) if data == [] else None,
                              "write a case, or delete the file")]
    items = data if isinstance(data, list) else [data]
    cases, errors = [], []
    for i, item in enumerate(items):
        line = line_of(data, i) if isinstance(data, list) else line_of(data) or 1
        case, problems = _Validator(shown, allow_test_steps).validate(item, line)
        errors += problems
        if case is not None:
            cases.append(case)
    return cases, errors


def load(paths: Iterable[str | Path], allow_test_steps: bool = False,
         corpus: Iterable[str | Path] = ()) -> tuple[list[Case], list[CaseError]]:
    """Every case under `paths`, plus one error per invalid file or case. A case whose id is
    also defined elsewhere, under `paths` or in the `corpus` (the configured case folders, so
    that a new file named alone is checked against them all), is a duplicate unless it is the
    original (see `IdIndex.original`)."""
    cases: list[Case] = []
    errors: list[CaseError] = []
    try:
        files = case_files(paths)
    except CaseError as e:
        return [], [e]
    except OSError as e:  # e.g. a directory that cannot be listed
        return [], [CaseError(f"cannot list: {e.strerror or e}", e.filename, None)]
    for path in files:
        file_cases, file_errors = load_file(path, allow_test_steps)
        errors += file_errors
        cases += file_cases
    kept, duplicates = IdIndex(corpus).unique(cases)
    return kept, errors + duplicates


class IdIndex:
    """Where case ids are defined in a set of case files (the configured corpus), to find
    duplicates of the cases being loaded without loading the whole corpus: a file is parsed
    only when its text contains an id asked about, and once."""

    def __init__(self, paths: Iterable[str | Path]) -> None:
        try:
            files = case_files(paths)
        except (CaseError, OSError):  # the corpus is checked where it is loaded, not here
            files = []
        self.files = [(path, real(path)) for path in files]
        self.texts: dict[Path, str] = {}
        self.ids: dict[Path, list[tuple[str, int]]] = {}

    def text(self, path: Path) -> str:
        if path not in self.texts:
            self.texts[path] = read_text(path, str(path))[0]
        return self.texts[path]

    def defined(self, path: Path) -> list[tuple[str, int]]:
        """The ids a file defines, with their lines (none if it does not parse)."""
        if path not in self.ids:
            try:
                data = parse_yaml(self.text(path), str(path))
            except CaseError:
                data = None
            items = data if isinstance(data, list) else [data]
            self.ids[path] = [(item["id"], line_of(item) or 1) for item in items
                              if isinstance(item, Map) and isinstance(item.get("id"), str)]
        return self.ids[path]

    def where(self, case_id: str, paths: list[Path]) -> list[tuple[Path, int]]:
        """Where `case_id` is defined in `paths` (files of the index)."""
        return [(path, line) for path in paths if case_id in self.text(path)
                for found, line in self.defined(path) if found == case_id]

    @staticmethod
    def original(definitions: list[tuple[Path, int]]) -> tuple[Path, int]:
        """Of an id defined more than once, the original: the one in the file changed longest
        ago (the newer file holds the copy, and is the one to fix), then by path and line."""
        def age(d: tuple[Path, int]) -> tuple[int, str, int]:
            try:
                mtime = d[0].stat().st_mtime_ns
            except OSError:
                mtime = 0
            return mtime, real(d[0]).as_posix(), d[1]
        return min(definitions, key=age)

    def unique(self, cases: list[Case]) -> tuple[list[Case], list[CaseError]]:
        """The cases that are not duplicates, and an error for each that is (at the copy,
        naming the original)."""
        loaded: dict[str, list[tuple[Path, int]]] = {}
        for case in cases:
            loaded.setdefault(case.id, []).append((Path(case.path), case.line))
        skip = {real(path) for path in {path for defs in loaded.values() for path, _ in defs}}
        kept, errors = [], []
        others = [path for path, resolved in self.files if resolved not in skip]  # once
        for case in cases:
            definitions = loaded[case.id] + self.where(case.id, others)
            if len(definitions) == 1:
                kept.append(case)
                continue
            path, line = self.original(definitions)
            if real(path) == real(Path(case.path)) and line == case.line:
                kept.append(case)
                continue
            errors.append(CaseError(f"duplicate case id `{case.id}`", case.path, case.line,
                                    f"already used at {display_path(path)}:{line}; give this "
                                    "case an id of its own"))
        return kept, errors


def select(cases: list[Case], expr: str | None) -> list[Case]:
    """pytest-style -k: words match ids, titles and tags; `and`, `or`, `not` and parentheses."""
    if not expr:
        return cases
    return [c for c in cases if keyword_match(expr, {c.id, c.title, *c.tags})]


KEYWORD_DEPTH = 50  # parentheses and `not`s, nested: far more than a person writes


def keyword_match(expr: str, names: set[str]) -> bool:
    tokens = re.findall(r"\(|\)|[^\s()]+", expr)
    pos = 0
    depth = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def atom() -> bool:
        nonlocal depth
        tok = peek()
        if tok is None:
            raise CaseError(f"bad -k expression `{expr}`", None, None,
                            "e.g. -k 'reuse and not error'")
        take()
        if tok in ("not", "("):
            depth += 1
            if depth > KEYWORD_DEPTH:  # before Python's own stack limit is reached
                raise CaseError(f"bad -k expression: nested more than {KEYWORD_DEPTH} deep "
                                "(parentheses or `not`)", None, None,
                                "write it flatter, e.g. -k 'reuse and not error'")
            try:
                if tok == "not":
                    return not atom()
                value = disjunction()
                if peek() != ")":
                    raise CaseError(f"bad -k expression `{expr}`: missing `)`")
                take()
                return value
            finally:
                depth -= 1
        word = tok.lower()
        return any(word in n.lower() for n in names)

    def conjunction() -> bool:
        value = atom()
        while peek() == "and":
            take()
            value = atom() and value
        return value

    def disjunction() -> bool:
        value = conjunction()
        while peek() == "or":
            take()
            value = conjunction() or value
        return value

    result = disjunction()
    if peek() is not None:
        raise CaseError(f"bad -k expression `{expr}`", None, None, "e.g. -k 'reuse and not error'")
    return result

