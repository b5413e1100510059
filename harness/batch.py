"""Cases run ahead in the background, their results awaited one at a time: how the pytest plugin
runs its items' cases through one Pool (all its workers busy, the next cases already running
while pytest reports the last one) instead of one case per item as it comes."""

from __future__ import annotations

import threading

from .cases import Case
from .runner import Pool, Result

Key = tuple[str, str]  # (case id, runtime)


class NotRun(Exception):
    """The case's batch ended without its result (it was interrupted)."""


class Batches:
    """Requested cases run in batches through `pool`, one batch at a time, in a background
    thread; `result` waits for one case's result (requesting it first if need be)."""

    def __init__(self, pool: Pool, timeout: float | None = None,
                 default_timeout: float | None = None) -> None:
        self.pool, self.timeout, self.default_timeout = pool, timeout, default_timeout
        self.cond = threading.Condition()
        self.wanted: list[tuple[Case, str]] = []   # requested, not yet in a batch
        self.known: set[Key] = set()               # requested ever
        self.results: dict[Key, Result] = {}      # arrived, not yet taken
        self.arrived: set[Key] = set()
        self.lost: set[Key] = set()                # in a batch that ended without them
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def request(self, pairs: list[tuple[Case, str]]) -> None:
        """Run these (case, runtime) pairs soon, in this order (those not requested before)."""
        with self.cond:
            for case, runtime in pairs:
                key = (case.id, runtime)
                if key not in self.known:
                    self.known.add(key)
                    self.wanted.append((case, runtime))
            if self.wanted and self.thread is None and self.error is None:
                self.thread = threading.Thread(target=self._loop, daemon=True)
                self.thread.start()

    def result(self, case: Case, runtime: str) -> Result:
        """The case's result, once it has run. Raises what stopped the batches (a runtime that
        cannot start), NotRun for a case whose batch was cut short; Ctrl-C cancels them."""
        key = (case.id, runtime)
        self.request([(case, runtime)])
        try:
            with self.cond:
                while key not in self.results:
                    if key in self.lost:
                        raise NotRun(f"{case.id} [{runtime}]")
                    if self.error is not None:
                        raise self.error
                    self.cond.wait(0.5)
                return self.results.pop(key)
        except KeyboardInterrupt:
            self.pool.cancel()
            raise

    def _got(self, result: Result) -> None:
        with self.cond:
            key = (result.case.id, result.runtime)
            self.results[key] = result
            self.arrived.add(key)
            self.cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self.cond:
                if not self.wanted:
                    self.thread = None
                    return
                batch, self.wanted = self.wanted, []
            todo: dict[str, list[Case]] = {}
            for case, runtime in batch:
                todo.setdefault(runtime, []).append(case)
            try:
                # In the order asked: pytest waits for the results in that order.
                self.pool.run_all(todo, self.timeout, self.default_timeout,
                                  on_result=self._got, longest_first=False)
            except BaseException as e:  # handed to whoever waits
                with self.cond:
                    self.error, self.thread = e, None
                    self.cond.notify_all()
                return
            finally:
                with self.cond:
                    self.lost |= {(c.id, rt) for c, rt in batch} - self.arrived
                    self.cond.notify_all()
