"""Run results as JSON for tools: run information per runtime, and per case and runtime the
verdict, the observed facts and the diff. Deterministic: no timings, sorted keys."""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import sys
from pathlib import Path
from typing import Any, Iterator

from .cases import Case
from .compare import CRASH, ERROR, TIMEOUT, VERDICTS, Mismatch, Outcome, Verdict
from .errors import UserError
from .files import environment_error, locked, write_atomic
from .runner import Result, RunResults

FORMAT = 1
# Facts of the worker's own environment, not of TF's behaviour.
INFO_KEYS = ("runtime", "tensorflow", "python", "platform")


def to_data(run: RunResults, invalid: list[UserError] | None = None) -> dict[str, Any]:
    return dict(_head(run, invalid), results=[_entry(r) for r in run.results])


def _head(run: RunResults, invalid: list[UserError] | None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "interrupted": run.interrupted,
        "runtimes": {name: {k: run.info.get(name, {}).get(k) for k in INFO_KEYS}
                     for name in run.runtimes},
        "unavailable": dict(sorted(run.unavailable.items())),  # asked for, not here: why
        "invalid": [str(e) for e in invalid or []],
    }


def _entry(r: Result) -> dict[str, Any]:
    return {
        "id": r.case.id,
        "path": r.case.path,
        "fingerprint": fingerprint(r.case),  # a merge refuses results of a changed case
        "runtime": r.runtime,
        "verdict": r.verdict.verdict,
        "reason": r.verdict.reason,
        "diff": [{"fact": m.fact, "expected": m.expected, "actual": m.actual}
                 for m in r.verdict.diff],
        "facts": r.outcome.facts,
        "error": r.outcome.error,
    }


# JSON has no NaN or infinity: a non-finite float (a variable's value, say) is written as the
# string "NaN", "Infinity" or "-Infinity", as protobuf's JSON mapping does.
NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def finite(value: Any) -> Any:
    """`value` with every non-finite float written as its string (see NON_FINITE)."""
    if isinstance(value, float) and not math.isfinite(value):
        return NON_FINITE[repr(value)]
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps(data: Any, compact: bool = False) -> str:
    """Valid JSON whatever TF gave (allow_nan=False: a non-finite float left over is a bug).
    `compact`: no indentation, for files only the harness reads (last-run.json): json's C
    encoder writes it, about ten times faster than the indenting one, at the end of every run.
    The walk that spells non-finite floats runs only when there is one (rare)."""
    options: dict[str, Any] = dict(sort_keys=True, ensure_ascii=False, allow_nan=False)
    if compact:
        options["separators"] = (",", ":")
    else:
        options["indent"] = 1
    try:
        return json.dumps(data, **options) + "\n"
    except ValueError:
        return json.dumps(finite(data), **options) + "\n"


def to_json(run: RunResults, invalid: list[UserError] | None = None) -> str:
    return "".join(json_chunks(run, invalid))


# Where the results go in the head's text (see json_chunks).
_RESULTS = "\0results"


def json_chunks(run: RunResults, invalid: list[UserError] | None = None) -> Iterator[str]:
    """`dumps(to_data(run, invalid))`, the same bytes, one result at a time: the text of a run
    whose results are large (a case may reply up to max_reply_mib) is never held whole, on top
    of the results themselves (it took 3x the file's size at the end of a run)."""
    head = dumps(dict(_head(run, invalid), results=[_RESULTS] if run.results else []))
    if not run.results:
        yield head
        return
    # Found by the raw newlines around it, which no JSON string holds: a message quoting a NUL
    # cannot be taken for it.
    opening, closing = '\n "results": [\n  ', "\n ]"
    before, found, after = head.partition(opening + json.dumps(_RESULTS) + closing)
    assert found, "the results' placeholder is where indent=1 puts it"
    yield before + opening
    for i, r in enumerate(run.results):
        # One item of the list two levels in: indent=1 indents its lines by two more spaces,
        # and JSON text holds no raw newline but between tokens.
        yield ("" if i == 0 else ",\n  ") + dumps(_entry(r))[:-1].replace("\n", "\n  ")
    yield closing + after


# --- the last results, for `tfscope show` ---------------------------------------------------------
# `tfscope run` (and `record`) merge their results into .tfscope/last-run.json under the project
# root: the latest result of each case on each runtime, with a fingerprint of the case so that a
# result from before the case changed is shown as such.
#
# The file is JSON lines: a header {"format", "run", "runtimes"}, then one line per case and
# runtime, `[case id, runtime, run]<TAB>{result}` (JSON text never holds a raw tab). A run that
# saves reads only the keys of the lines it does not replace and copies them as they are: the end
# of every run used to parse and re-encode the whole file (0.3 s for 1,000 cases).
LAST_RUN = Path(".tfscope") / "last-run.json"
LAST_RUN_FORMAT = 2
LAST_RUN_LIMIT = 16 << 20  # bytes; [tool.tfscope] last_run_mib


def fingerprint(case: Case) -> str:
    claim = {"program": case.program, "expect": case.expect,
             "deviations": [[d.runtimes, d.observed, d.reason] for d in case.deviations]}
    if case.imports:  # only then: the fingerprints of cases without imports stay as they were
        claim["imports"] = case.imports
    return hashlib.sha256(json.dumps(claim, sort_keys=True).encode()).hexdigest()[:16]


def _compact(data: Any) -> str:
    return dumps(data, compact=True)[:-1]


def _read_last_run(root: Path) -> tuple[dict[str, Any], list[tuple[str, str, int, str]]]:
    """The header and the result lines (case id, runtime, run, the result's JSON text) of
    last-run.json; nothing from a file that is missing, damaged or of another format."""
    empty: dict[str, Any] = {"run": 0, "runtimes": {}}
    if not_ours(root / LAST_RUN):
        return empty, []  # a FIFO would block the read; a link's target is not ours
    try:
        text = (root / LAST_RUN).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return empty, []
    lines = text.split("\n")
    try:
        header = json.loads(lines[0])
    except (ValueError, RecursionError):  # damaged: as deep as JSON nests, too
        return empty, []
    if not isinstance(header, dict) or header.get("format") != LAST_RUN_FORMAT or \
            not isinstance(header.get("runtimes"), dict):
        return empty, []
    entries = []
    for line in lines[1:]:
        key, tab, entry = line.partition("\t")
        if not tab:
            continue  # the empty last line, or a damaged one
        try:
            case_id, runtime, number = json.loads(key)
        except (ValueError, RecursionError, TypeError):  # damaged (TypeError: not 3 items)
            continue
        if isinstance(case_id, str) and isinstance(runtime, str) and isinstance(number, int):
            entries.append((case_id, runtime, number, entry))
    number = header.get("run")
    return {"run": number if type(number) is int and number > 0 else 0,
            "runtimes": header["runtimes"]}, entries


def load_last_run(root: Path) -> dict[str, Any]:
    """{"runtimes": {name: info}, "results": {case id: {runtime: result}}}; empty when none.
    Each result has the number of the run that wrote it (`run`)."""
    header, entries = _read_last_run(root)
    results: dict[str, dict[str, Any]] = {}
    for case_id, runtime, number, text in entries:
        try:
            entry = json.loads(text)
        except (ValueError, RecursionError):
            continue
        if isinstance(entry, dict):
            results.setdefault(case_id, {})[runtime] = dict(entry, run=number)
    return {"format": LAST_RUN_FORMAT, "run": header["run"], "runtimes": header["runtimes"],
            "results": results}


def last_run_entry(result: Result, limit: int = LAST_RUN_LIMIT) -> str:
    """A result's line text in last-run.json. One too big for an eighth of the limit keeps its
    verdict and loses its facts (`"facts_omitted": size`)."""
    entry = {"fingerprint": fingerprint(result.case), "verdict": result.verdict.verdict,
             "reason": result.verdict.reason,
             "diff": [{"fact": m.fact, "expected": m.expected, "actual": m.actual}
                      for m in result.verdict.diff],
             "facts": result.outcome.facts, "error": result.outcome.error}
    text = _compact(entry)
    if len(text) > limit // 8 and entry["facts"]:
        text = _compact(dict(entry, facts={}, facts_omitted=len(text)))
    return text


class LastRunLines:
    """The results' lines of last-run.json made as the results arrive (`on_result`, in the
    workers' threads, while the workers run), so that the end of the run only writes the file
    (save_last_run's `made`). No limit: none made (the save then reports why)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.made: dict[tuple[str, str], str] = {}

    def add(self, result: Result) -> None:
        if self.limit is not None:
            self.made[(result.case.id, result.runtime)] = last_run_entry(result, self.limit)


def prune(entries: list[tuple[str, str, int, str]], fixed: int, limit: int = LAST_RUN_LIMIT
          ) -> list[tuple[str, str, int, str]]:
    """Keep last-run.json under `limit` bytes (`fixed` of them taken by its header): the
    results of the newest runs are kept first (a case's results of one run together), older
    ones dropped; a single result too big for an eighth of the limit (a smaller limit than when
    it was written) keeps its verdict and loses its facts."""
    kept = []
    budget = limit - fixed
    for case_id, runtime, number, text in sorted(entries, key=lambda e: (-e[2], e[0], e[1])):
        if len(text) > limit // 8:
            try:
                entry = json.loads(text)
            except (ValueError, RecursionError):
                continue
            if isinstance(entry, dict) and entry.get("facts"):
                text = _compact(dict(entry, facts={}, facts_omitted=len(text)))
        budget -= len(text) + len(case_id) + len(runtime) + 24
        if budget < 0:
            break
        kept.append((case_id, runtime, number, text))
    return kept


def save_last_run(run: RunResults, root: Path, limit: int = LAST_RUN_LIMIT,
                  made: dict[tuple[str, str], str] | None = None) -> None:
    """Merge the run's results into last-run.json, under a lock on the file: two runs that end
    together both keep their results (each case and runtime has its latest). `made`: result
    lines already made as the results arrived ((case id, runtime) -> last_run_entry), so that
    the end of the run does not make them. An OutputError when `.tfscope/` cannot be written."""
    path = root / LAST_RUN
    hint = "make .tfscope/ a writable folder, or run from a writable checkout"
    kind = not_ours(path)
    if kind:  # a link (committed in a clone, say) would have its target overwritten
        raise UserError(f"not written: it is {kind}, not the regular file tfscope keeps there",
                        str(path), hint="remove it; tfscope makes it again")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path, create=True, timeout=LOCK_WAIT, waiting=lambda: print(
                f"tfscope: waiting for another process's lock on {path} (up to {LOCK_WAIT} s)",
                file=sys.stderr)):
            _merge_last_run(run, root, hint, limit, made or {})  # its write errors: OutputErrors
    except OSError as e:
        raise environment_error(e, path, hint=hint) or e from None


LOCK_WAIT = 60  # seconds: two runs' merges take well under a second; longer is not a tfscope


def not_ours(path: Path) -> str | None:
    """What is at `path` if it exists and is not a regular file (the link itself, not followed):
    'a symbolic link', 'a FIFO', ...; None for a regular file or nothing."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError:
        return None  # the read or write that follows says why
    if stat.S_ISREG(mode):
        return None
    return ("a symbolic link" if stat.S_ISLNK(mode) else "a directory" if stat.S_ISDIR(mode)
            else "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device")


def _merge_last_run(run: RunResults, root: Path, hint: str, limit: int,
                    made: dict[tuple[str, str], str]) -> None:
    header, old = _read_last_run(root)
    number = header["run"] + 1  # which run wrote a result: the newest are kept
    runtimes = dict(header["runtimes"])
    for name in run.runtimes:
        if name in run.info:
            runtimes[name] = {k: run.info[name].get(k) for k in INFO_KEYS}
    new = {}
    for r in run.results:
        key = (r.case.id, r.runtime)
        new[key] = made.get(key) or last_run_entry(r, limit)
    entries = [(case_id, runtime, number, text) for (case_id, runtime), text in new.items()]
    entries += [e for e in old if (e[0], e[1]) not in new]
    top = _compact({"format": LAST_RUN_FORMAT, "run": number, "runtimes": runtimes})
    kept = sorted(prune(entries, len(top) + 200, limit))
    lines = [top] + [f"{_compact([case_id, runtime, n])}\t{text}"
                     for case_id, runtime, n, text in kept]
    write_atomic(root / LAST_RUN, "\n".join(lines) + "\n", hint=hint)


# --- results files of several runs, put back together (`tfscope report --results`) --------------
# A CI matrix runs a job per runtime and/or shard (`tfscope run --runtime R --shard K/N --json F`)
# and one report job merges the files: the same report as one run of everything, byte for byte,
# since the report depends only on the cases, each result, and each runtime's information.

def _read_results(path: str) -> dict[str, Any]:
    hint = "give files that `tfscope run --json FILE` wrote"
    try:
        with open(path, encoding="utf-8") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):  # /dev/zero was read for ever
                raise UserError("not a results file: a device", path, hint=hint)
            data = json.load(handle)
    except OSError as e:
        raise UserError(f"cannot read results file: {e.strerror}", path, hint=hint) from None
    except ValueError as e:
        raise UserError(f"not a results file: invalid JSON ({e})", path, hint=hint) from None
    except RecursionError:
        raise UserError("not a results file: JSON nested too deep", path, hint=hint) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or \
            not isinstance(data.get("results"), list) or \
            not isinstance(data.get("runtimes"), dict):
        raise UserError(f"not a results file of format {FORMAT}", path, hint=hint)
    if data.get("interrupted"):
        raise UserError("the run that wrote these results was interrupted: they are "
                        "incomplete", path, hint="run that job again")
    if data.get("invalid"):
        raise UserError(f"the run that wrote these results had invalid cases: "
                        f"{str(data['invalid'][0])[:200]}", path,
                        hint="fix the cases and run that job again")
    for name, hello in data["runtimes"].items():
        if not isinstance(hello, dict):
            raise UserError(f"not a results file: runtime {name!r} is not a mapping", path,
                            hint=hint)
    for i, entry in enumerate(data["results"]):
        bad = _bad_entry(entry)
        if bad:
            raise UserError(f"not a results file: result {i + 1} {bad}", path, hint=hint)
    return data


def _bad_entry(entry: Any) -> str | None:
    """What is wrong with a result of a results file (as `to_json` writes them), or None."""
    if not isinstance(entry, dict):
        return "is not a mapping"
    for key in ("id", "runtime"):
        if not isinstance(entry.get(key), str):
            return f"has no `{key}`"
    if entry.get("verdict") not in VERDICTS:
        return f"({entry['id']} [{entry['runtime']}]) has an unknown verdict " \
               f"{str(entry.get('verdict'))[:40]!r}"
    for key, kind in (("facts", dict), ("error", dict), ("diff", list), ("reason", str)):
        if entry.get(key) is not None and not isinstance(entry[key], kind):
            return f"({entry['id']} [{entry['runtime']}]): its `{key}` is no " \
                   f"{'mapping' if kind is dict else kind.__name__}"
    for m in entry.get("diff") or []:
        if not isinstance(m, dict) or not all(k in m for k in ("fact", "expected", "actual")):
            return f"({entry['id']} [{entry['runtime']}]): an item of its `diff` is no " \
                   "mapping of fact, expected and actual"
    return None


def merge_results(paths: list[str], cases: list[Case], runtimes: list[str]) -> RunResults:
    """The run that the results files of several jobs make together, for `cases` on
    `runtimes` (results of other cases and runtimes are left out). A UserError when two files
    disagree on a result or on a runtime's information, when a result is from before its case
    changed, or when a case has no result on a runtime that no file says is unavailable."""
    info: dict[str, tuple[str, dict]] = {}
    unavailable: dict[str, str] = {}
    entries: dict[tuple[str, str], tuple[str, dict]] = {}
    for path in paths:
        data = _read_results(path)
        for name, hello in sorted(data["runtimes"].items()):
            if name in info and info[name][1] != hello:
                key = next(k for k in INFO_KEYS if info[name][1].get(k) != hello.get(k))
                raise UserError(f"runtime {name} differs between results files: {key} is "
                                f"{info[name][1].get(key)!r} in {info[name][0]} and "
                                f"{hello.get(key)!r} here", path,
                                hint="merge only the results of one set of runtimes")
            info.setdefault(name, (path, hello))
        for name, why in (data.get("unavailable") or {}).items():
            unavailable.setdefault(name, why)
        for entry in data["results"]:
            key = (entry.get("id"), entry.get("runtime"))
            if key in entries and entries[key][1] != entry:
                raise UserError(f"conflicting results for {key[0]} [{key[1]}]: "
                                f"{entries[key][1].get('verdict')} in {entries[key][0]}, "
                                f"{entry.get('verdict')} here", path,
                                hint="two jobs ran the same case on the same runtime and "
                                "disagree: give one of their files, or run it again")
            entries.setdefault(key, (path, entry))
    run = RunResults([rt for rt in runtimes if rt in info or rt not in unavailable])
    run.unavailable = {rt: why for rt, why in sorted(unavailable.items())
                       if rt in runtimes and rt not in info}
    run.info = {rt: dict(info[rt][1]) for rt in run.runtimes if rt in info}
    for case in cases:
        for rt in run.runtimes:
            found = entries.get((case.id, rt))
            if found is None:
                raise UserError(f"no result for {case.id} on {rt} in the results files",
                                case.location, hint="give the results of every job (shard and "
                                "runtime) of the run")
            where, entry = found
            if entry.get("fingerprint") not in (None, fingerprint(case)):
                raise UserError(f"the result of {case.id} [{rt}] is from before the case "
                                "changed", where, hint="run that job again")
            verdict = entry.get("verdict") or ""
            problem = entry.get("reason") if verdict in (ERROR, CRASH, TIMEOUT) else None
            outcome = Outcome(facts=entry.get("facts") or {}, error=entry.get("error"),
                              problem=problem, problem_verdict=verdict if problem else None)
            diff = [Mismatch(m["fact"], m["expected"], m["actual"])
                    for m in entry.get("diff") or []]
            run.results.append(Result(case, rt, outcome,
                                      Verdict(verdict, diff, reason=entry.get("reason"))))
    return run
