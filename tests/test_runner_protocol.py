"""The harness side of the worker protocol: replies that reach the pipe together are each read,
none is left waiting in a buffer until the time limit.

A stand-in worker (plain Python, no TensorFlow) holds the first reply back until the request sent
ahead has arrived, then writes both replies in one write: what a fast runtime (TF 1.0's
AttributeError cases answer in microseconds) does by chance.
"""

from __future__ import annotations

import sys
import textwrap
import time

from harness import runner
from harness.runtimes import Runtime

FAKE_WORKER = textwrap.dedent("""
    import json, sys
    out = sys.stdout
    out.write(json.dumps({"hello": {"tensorflow": "0", "python": "3"}}) + "\\n")
    out.flush()
    first = json.loads(sys.stdin.readline())
    second = json.loads(sys.stdin.readline())
    replies = "".join(json.dumps({"id": r["id"], "facts": {}, "error": None}) + "\\n"
                      for r in (first, second))
    out.write(replies)
    out.flush()
    sys.stdin.readline()
""")


class FakeCase:
    def __init__(self, case_id: str) -> None:
        self.id = case_id

    def request(self, test_steps: bool) -> dict:
        return {"op": "run", "id": self.id, "program": []}


def test_two_replies_in_one_write_are_both_read_at_once(tmp_path, monkeypatch):
    script = tmp_path / "worker.py"
    script.write_text(FAKE_WORKER)
    monkeypatch.setattr(runner, "WORKER", script)
    worker = runner.Worker(Runtime("fake", sys.executable))
    worker.start()
    try:
        first, second = FakeCase("a"), FakeCase("b")
        started = time.monotonic()
        assert worker.run(first, timeout=20, next_case=second).problem is None
        assert worker.run(second, timeout=20).problem is None
        assert time.monotonic() - started < 10
    finally:
        worker.stop()
