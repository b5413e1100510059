"""The pytest plugin: every YAML case becomes one test item per runtime.

Items are `cases/article/example.yaml::article.example-loop[tf1.15]`; `-k` matches ids and tags; a
`deviates` verdict is an xfail with its reason. Each pytest process (each xdist worker included)
owns one Pool of TF workers for the whole session, started on first use. The first case item to
run asks for the cases of every item this process will run (all selected items; under xdist, the
items scheduled to this worker so far): they run in the background through the pool, up to
`--tfscope-jobs` workers at once, while pytest reports each item as its result arrives.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from . import cases as caselib
from .batch import Batches, NotRun
from .compare import CONFORMS, DEVIATES, OBSERVED, format_diff
from .config import limits, load_config
from .errors import UserError
from .runner import Pool, Result
from .runtimes import SPECS, Selected, expand, resolve, use_python

STATE = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tfscope", "tfscope conformance cases")
    group.addoption("--tfscope-runtime", action="append", metavar="NAME[=PYTHON]",
                    help="runtime(s) to run cases on: names, NAME=PYTHON, comma lists or sets "
                         "(all, all-1.x, history, default, ci); default: [tool.tfscope] "
                         "runtimes")
    group.addoption("--tfscope-timeout", type=float, metavar="SECONDS",
                    help="per-case time limit")
    group.addoption("--tfscope-python", action="append", metavar="PATH",
                    help="interpreter to build runtimes of its version with (e.g. a python3.7)")
    group.addoption("--tfscope-jobs", type=int, metavar="N",
                    help="TF workers at once in each pytest process (default: the cores, "
                         "divided among xdist workers)")


def pytest_configure(config: pytest.Config) -> None:
    settings = load_config(Path(str(config.rootpath)))
    try:
        # The same list in every xdist worker: it depends on the options and the specs only.
        selected = expand(config.getoption("tfscope_runtime") or settings.runtimes)
    except UserError as e:
        raise pytest.UsageError(f"--tfscope-runtime: {e}") from None
    # A set's member that cannot be installed here gets no items (the header says so).
    unavailable = {s.name: SPECS[s.name].unavailable for s in selected
                   if s.from_set and s.selector == s.name and SPECS[s.name].unavailable}
    config.stash[STATE] = {
        "settings": settings,
        "runtimes": [s for s in selected if s.name not in unavailable],
        "unavailable": unavailable,
        "case_dirs": [(settings.root / p).resolve() for p in settings.cases],
        # Where ids are defined in the configured corpus: a file run alone is checked too.
        "ids": caselib.IdIndex(settings.root / p for p in settings.cases),
        "pool": None, "batches": None, "setup_error": None,
        "ahead": False,     # every selected item's case was asked for (no xdist)
        "skipped": {},      # runtime of a set that failed to install here -> why
    }


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state and state["pool"] is not None:
        batches = state["batches"]
        if batches is not None and batches.thread is not None:
            # Cases still running ahead (pytest stopped early: -x, Ctrl-C): workers cancelled
            # are not replaced, so none is left behind once the pool is closed.
            state["pool"].cancel()
            batches.thread.join(10)
        state["pool"].close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[STATE]
    lines = ["tfscope runtimes: " + ", ".join(s.name for s in state["runtimes"])]
    if state["unavailable"]:
        lines.append("tfscope runtimes unavailable here: " + "; ".join(
            f"{name} ({why})" for name, why in state["unavailable"].items()))
    return lines


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    deviation = getattr(item, "deviation", None)
    if deviation and call.when == "call" and report.passed:
        report.outcome, report.wasxfail = "skipped", deviation
    if isinstance(item, CaseItem) and report.skipped and isinstance(report.longrepr, tuple):
        # A skip is the case's (observed, no claim; a runtime unavailable here): show it at
        # the case in its file, not at the plugin line that called pytest.skip.
        report.longrepr = (str(item.path), item.case.line, report.longrepr[2])


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    state = parent.config.stash[STATE]
    resolved = file_path.resolve()
    if not any(d == resolved or d in resolved.parents for d in state["case_dirs"]):
        return None
    return CaseFile.from_parent(parent, path=file_path)


class CaseFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        state = self.config.stash[STATE]
        cases, errors = caselib.load_file(self.path)
        items: list[pytest.Item] = []
        seen: dict[str, int] = {}
        for e in errors:  # two errors on one line are two items, each its own id
            name = f"invalid:{e.line or 0}"
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name += f"-{seen[name]}"
            items.append(InvalidCase.from_parent(self, name=name, error=e))
        unique, duplicates = state["ids"].unique(cases)
        copies = [c for c in cases if c not in unique]  # in the order of their errors
        items += [InvalidCase.from_parent(self, **self.param_name(case.id, "duplicate"),
                                          error=error)
                  for case, error in zip(copies, duplicates)]
        for case in unique:
            for runtime in state["runtimes"]:
                items.append(CaseItem.from_parent(self, **self.param_name(case.id, runtime.name),
                                                  case=case, runtime=runtime))
        return items

    def param_name(self, name: str, param: str) -> dict[str, str]:
        """NAME[PARAM], as pytest's parametrized tests are named, with the node id given too:
        pytest 9 reads a saved `FILE::NAME[PARAM]` (--lf, --ff) as a name and a parameter, and
        a child id made from the name alone would never equal it."""
        full = f"{name}[{param}]"
        return {"name": full, "nodeid": f"{self.nodeid}::{full}"}


def jobs(config: pytest.Config) -> int:
    """TF workers at once for this pytest process: --tfscope-jobs, else the cores shared by
    the xdist workers (each has its own pool)."""
    chosen = config.getoption("tfscope_jobs")
    if chosen:
        return max(1, chosen)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    return max(1, cores // max(1, int(workers)))


def xdist_worker(config: pytest.Config) -> Any:
    """xdist's worker-side plugin when this process is an xdist worker: its queue of item
    indices (`torun`) is what this process will run next."""
    if not hasattr(config, "workerinput"):
        return None
    for plugin in config.pluginmanager.get_plugins():
        if type(plugin).__name__ == "WorkerInteractor" and hasattr(plugin, "torun"):
            return plugin
    return None


class CaseFailed(Exception):
    pass


class InvalidCase(pytest.Item):
    def __init__(self, *, error: UserError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise CaseFailed(f"invalid case: {self.error}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
                     ) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, (self.error.line or 1) - 1, self.name


class CaseItem(pytest.Item):
    def __init__(self, *, case: caselib.Case, runtime: Selected, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case, self.selected = case, runtime
        self.runtime = runtime.name
        self.deviation: str | None = None
        self.extra_keyword_matches.update(case.tags)

    def pool(self) -> Pool:
        state = self.config.stash[STATE]
        if state["setup_error"] is not None:
            raise CaseFailed(state["setup_error"])
        if state["pool"] is None:
            ready = []
            # Installing runtimes takes minutes on a fresh machine: show its progress live.
            capman = self.config.pluginmanager.getplugin("capturemanager")
            try:
                bounds = limits(state["settings"])
                with capman.global_and_fixture_disabled() if capman else nullcontext():
                    self._resolve_runtimes(state, ready)
            except UserError as e:
                state["setup_error"] = f"runtime setup failed: {e}"
                raise CaseFailed(state["setup_error"]) from None
            state["pool"] = Pool(ready, jobs=jobs(self.config), limits=bounds,
                                 timeout=self.config.getoption("tfscope_timeout")
                                 or state["settings"].timeout)
            # Command line, then the case, then the configuration (as `tfscope run` does).
            state["batches"] = Batches(state["pool"], self.config.getoption("tfscope_timeout"),
                                       state["settings"].timeout)
        if self.runtime in state["skipped"]:
            # A member of a set (`--tfscope-runtime all`) that cannot be installed here.
            pytest.skip(f"runtime {self.runtime} unavailable here: "
                        f"{state['skipped'][self.runtime]}")
        return state["pool"]

    def _resolve_runtimes(self, state: dict, ready: list) -> None:
        for path in self.config.getoption("tfscope_python") or []:
            use_python(path)
        for sel in state["runtimes"]:
            try:
                ready.append(resolve(sel.selector))
            except UserError as e:
                if not sel.from_set:
                    raise
                state["skipped"][sel.name] = str(e)

    def ahead(self, state: dict) -> list[tuple[caselib.Case, str]]:
        """The cases of the items this process runs from this one on, as far as it knows."""
        runs = state["pool"].crews
        items: list[pytest.Item] = [self]
        interactor = xdist_worker(self.config)
        if interactor is not None:  # the items scheduled to this worker and not run yet
            try:
                with interactor.torun.lock() as queue:
                    indices = [i for i in queue if isinstance(i, int)]
                indices.insert(0, interactor.nextitem_index)
                items += [self.session.items[i] for i in indices if isinstance(i, int)]
            except (AttributeError, IndexError, TypeError):  # another xdist: one at a time
                pass
        elif not state["ahead"]:
            state["ahead"] = True
            at = self.session.items.index(self)
            items = list(self.session.items[at:])
        return [(item.case, item.runtime) for item in items
                if isinstance(item, CaseItem) and item.runtime in runs]

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        self.pool()  # started, or the reason it cannot be (a failure, or a skip)
        batches: Batches = state["batches"]
        try:
            batches.request(self.ahead(state))
            result: Result = batches.result(self.case, self.runtime)
        except UserError as e:
            state["setup_error"] = f"runtime setup failed: {e}"
            raise CaseFailed(state["setup_error"]) from None
        except NotRun:
            raise CaseFailed(f"{self.case.id} [{self.runtime}]: not run (interrupted)") \
                from None
        verdict = result.verdict
        self.user_properties.append(("verdict", verdict.verdict))
        if verdict.verdict == CONFORMS:
            return
        if verdict.verdict == OBSERVED:
            pytest.skip(f"{self.case.id}: observed, no claim (its `expect` is empty)")
        if verdict.verdict == DEVIATES:
            # Reported as xfail by pytest_runtest_makereport: raising pytest.xfail here would
            # make pytest read the source of every frame (about 45 ms a case, see benchmarks/).
            self.deviation = f"known deviation: {verdict.reason}"
            return
        text = f"{verdict.verdict.upper()} {self.case.id} [{self.runtime}]  {self.case.location}"
        if verdict.reason:
            text += f"\n    {verdict.reason}"
        if verdict.diff:
            text += "\n" + format_diff(verdict.diff)
        raise CaseFailed(text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
                     ) -> Any:
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.case.line - 1, f"{self.case.id} [{self.runtime}]: {self.case.title}"
