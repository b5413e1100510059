"""Memory and time bounds (docs/reliability.md, "Memory and time bounds"), on real TF 1.15:
large values are recorded in summary and still judged exactly, a reply longer than the limit
is refused, a worker out of its memory limit gives `memory` and the run goes on, and a run that
asks for a 10000x10000 value stays under 1 GiB in the harness and in the worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness import cases as caselib
from harness import results as resultlib
from harness.compare import CONFORMS, ERROR, FAIL, MEMORY
from harness.runner import Limits, MiB, Pool, run_cases

from .conftest import ROOT

HEADER = "title: bounds\nsource: {doc: tests, quote: bounds}\n"


def value_case(case_id: str, shape: list[int], expect: str, initializer: str = "ones") -> str:
    return HEADER + textwrap.dedent(f"""\
        id: {case_id}
        program:
          - get_variable: {{name: v, shape: {shape}, initializer: {initializer}, as: v}}
        expect:
          {expect}
        """)


OK = HEADER + textwrap.dedent("""\
    id: t.ok
    program:
      - get_variable: {name: w, shape: [1], as: w}
    expect:
      w.name: w:0
    """)


def load(tmp_path: Path, *docs: str) -> list[caselib.Case]:
    path = tmp_path / "bounds.yaml"
    path.write_text("".join("- " + textwrap.indent(d, "  ")[2:] for d in docs))
    cases, errors = caselib.load([path], allow_test_steps=True)
    assert not errors, errors
    return cases


def flow(value: object) -> str:
    return json.dumps(value)  # JSON is YAML's flow style


@pytest.fixture(scope="module")
def rows():
    return [[1.0] * 100 for _ in range(200)]  # 20,000 elements: over max_value


def test_a_large_value_is_recorded_in_summary_and_judged_exactly(tf115, tmp_path, rows):
    changed = [list(r) for r in rows]
    changed[150][7] = 2.0
    near = [[x + 1e-9 for x in r] for r in rows]  # within the comparison's tolerance
    cases = load(tmp_path,
                 value_case("t.equal", [200, 100], f"v.value: {flow(rows)}"),
                 value_case("t.near", [200, 100], f"v.value: {flow(near)}"),
                 value_case("t.changed", [200, 100], f"v.value: {flow(changed)}"),
                 value_case("t.short", [200, 100], "v.value: [[1.0]]"),
                 value_case("t.contains", [200, 100], f"v.value: {{contains: [{flow(rows[0])}]}}"),
                 value_case("t.excludes", [200, 100], f"v.value: {{excludes: [{flow(rows[0])}]}}"))
    summarised = run_cases(cases, [tf115], limits=Limits(max_value=10_000))
    whole = run_cases(cases, [tf115], limits=Limits(max_value=10**9))
    expected = {"t.equal": CONFORMS, "t.near": CONFORMS, "t.changed": FAIL, "t.short": FAIL,
                "t.contains": CONFORMS, "t.excludes": FAIL}
    assert {r.case.id: r.verdict.verdict for r in summarised.results} == expected
    assert {r.case.id: r.verdict.verdict for r in whole.results} == expected
    value = summarised.results[0].outcome.facts["v.value"]
    assert value["shape"] == [200, 100] and value["dtype"] == "float32"
    assert value["size"] == 20_000 and value["prefix"] == [1.0] * 10
    assert value["digest"].startswith("sha256:") and len(value["digest"]) == 71
    assert whole.results[0].outcome.facts["v.value"] == rows
    # A summary recorded as a deviation's observed value matches the same bytes only.
    for case_id, same in (("t.same", True), ("t.other", False)):
        observed = dict(value, checked={})
        if not same:
            observed["digest"] = "sha256:" + "0" * 64
        (case,) = load(tmp_path, value_case(case_id, [200, 100], "v.value: [[0.0]]") +
                       "deviations:\n  - runtimes: [tf1.15]\n    reason: test\n"
                       f"    observed:\n      v.value: {flow(observed)}\n")
        with Pool([tf115]) as pool:
            verdict = pool.run(case, "tf1.15").verdict.verdict
        assert verdict == ("deviates" if same else FAIL)


def test_a_reply_over_the_line_limit_is_refused_and_the_run_goes_on(tf115, tmp_path, rows):
    cases = load(tmp_path, value_case("t.big", [300, 1000], "v.value: [[1.0]]"), OK)
    run = run_cases(cases, [tf115], limits=Limits(max_value=10**9, max_reply=1 * MiB))
    big, ok = run.results
    assert big.verdict.verdict == ERROR
    assert "result is too large" in big.verdict.reason and "max_reply_mib = 1" in \
        big.verdict.reason
    assert ok.verdict.verdict == CONFORMS


def test_a_worker_out_of_memory_gives_memory_and_the_run_goes_on(tf115, tmp_path):
    cases = load(tmp_path, OK.replace("t.ok", "t.before"),
                 value_case("t.huge", [30000, 30000], "v.value: [[1.0]]", "glorot_uniform"), OK)
    run = run_cases(cases, [tf115], limits=Limits(worker_memory=2048 * MiB))
    before, huge, after = run.results
    assert (before.verdict.verdict, huge.verdict.verdict, after.verdict.verdict) == (
        CONFORMS, MEMORY, CONFORMS)
    assert huge.verdict.reason.startswith("out of memory: ResourceExhaustedError: OOM when "
                                          "allocating tensor with shape[30000,30000]")
    assert "\n" not in huge.verdict.reason
    assert "2048 MiB" in huge.verdict.reason and "worker_memory_mib" in huge.verdict.reason


MEASURE = textwrap.dedent("""\
    import json, resource, sys, time
    from harness.cli import main
    started = time.monotonic()
    code = main(sys.argv[1:])
    seconds = time.monotonic() - started
    hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
    print(json.dumps({"code": code, "harness_kib": hwm, "seconds": seconds,
                      "worker_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
""")


def measured_run(tmp_path: Path, *paths: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", MEASURE, "run", "--runtime", "tf1.15", *paths],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_10000_by_10000_value_stays_under_a_gibibyte(tf115, tmp_path):
    (tmp_path / "big.yaml").write_text(value_case("t.big", [10000, 10000], "v.value: [[0.0]]",
                                                  "glorot_uniform"))
    (tmp_path / "small.yaml").write_text(OK)
    before = measured_run(tmp_path, "small.yaml")
    big = measured_run(tmp_path, "big.yaml")
    after = measured_run(tmp_path, "small.yaml")
    assert big["code"] == 1  # the claim is false: fail
    gib = 1 << 20  # KiB
    assert big["harness_kib"] < gib, big
    assert big["worker_kib"] < gib, big
    # .tfscope/last-run.json holds a summary, not 100 million numbers ...
    last = tmp_path / ".tfscope" / "last-run.json"
    assert last.stat().st_size < 100_000
    summary = resultlib.load_last_run(tmp_path)["results"]["t.big"]["tf1.15"]["facts"]["v.value"]
    assert summary["shape"] == [10000, 10000]
    # ... and the next trivial run is as fast as before it.
    assert after["code"] == 0
    assert after["seconds"] < before["seconds"] * 1.5 + 2, (before, after)


def test_last_run_is_pruned_to_its_limit(tmp_path):
    entries = [(f"c{run}-{i}", "tf1.15", run, json.dumps({"verdict": "conforms",
                                                          "facts": {"x": "y" * 1000}}))
               for run in range(1, 41) for i in range(25)]
    entries.append(("huge", "tf1.15", 40, json.dumps({"verdict": "fail",
                                                      "facts": {"x": "z" * 200_000}})))
    kept = resultlib.prune(entries, 100, 100_000)
    assert sum(len(text) + len(c) + len(r) + 24 for c, r, _, text in kept) < 100_000 - 100
    (huge,) = [json.loads(text) for case_id, _, _, text in kept if case_id == "huge"]
    assert huge["facts"] == {} and huge["facts_omitted"] > 200_000
    assert huge["verdict"] == "fail"
    kept_runs = {run for _, _, run, _ in kept}
    assert max(kept_runs) == 40 and 1 not in kept_runs  # the newest kept, the oldest dropped


def big_run(tmp_path: Path, results: int, strings: int):
    from harness.compare import Mismatch, Outcome, Verdict
    from harness.runner import Result, RunResults
    (case,) = load(tmp_path, value_case("t.big", [1], "v.value: [1.0]"))
    out = []
    for i in range(results):
        names = [f"n{i}-{k:07d}" for k in range(strings)]
        outcome = Outcome(facts={"x.value": names, "y": [float("nan"), "\0results"]})
        out.append(Result(case, f"rt{i}", outcome,
                          Verdict(FAIL, diff=[Mismatch("x.value", ["a"], names)])))
    return RunResults([f"rt{i}" for i in range(results)], {}, out,
                      unavailable={"tf1.0": "a NUL \0results here"})


def test_json_is_written_a_result_at_a_time_with_the_same_bytes(tmp_path):
    import tracemalloc
    run = big_run(tmp_path, 10, 30_000)
    invalid = [caselib.CaseError("bad \0results", "a.yaml", 1)]
    whole = resultlib.dumps(resultlib.to_data(run, invalid))
    assert "".join(resultlib.json_chunks(run, invalid)) == whole
    empty = resultlib.RunResults(["tf1.15"])
    assert resultlib.to_json(empty) == resultlib.dumps(resultlib.to_data(empty))
    # Written to a file, the text of the run is never held whole: the new memory at its peak
    # is a few results' worth, not the whole file's (it was five times the file).
    out = tmp_path / "run.json"
    tracemalloc.start()
    try:
        resultlib.write_atomic(out, resultlib.json_chunks(run))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = out.stat().st_size
    assert out.read_text(encoding="utf-8") == resultlib.to_json(run)
    assert peak < size, (peak, size)


def test_last_run_keeps_each_case_and_runtimes_latest_result_and_copies_the_others(tmp_path):
    from harness.compare import Outcome, Verdict
    from harness.runner import Result, RunResults

    from .test_record import results
    first = results("cases/t.yaml")
    resultlib.save_last_run(RunResults(["tf1.15"], {"tf1.15": {"tensorflow": "1.15.5"}},
                                       first), tmp_path)
    before = (tmp_path / resultlib.LAST_RUN).read_text().splitlines()
    again = Result(first[0].case, "tf1.15", Outcome(facts={"v.name": "new"}),
                   Verdict("fail", reason="changed"))
    resultlib.save_last_run(RunResults(["tf1.15"], {"tf1.15": {"tensorflow": "1.15.5"}},
                                       [again]), tmp_path, made={
        (again.case.id, "tf1.15"): resultlib.last_run_entry(again)})
    data = resultlib.load_last_run(tmp_path)
    assert data["run"] == 2
    assert data["results"][again.case.id]["tf1.15"]["facts"] == {"v.name": "new"}
    assert data["results"][again.case.id]["tf1.15"]["run"] == 2
    other = first[1].case.id
    assert data["results"][other]["tf1.15"]["run"] == 1
    after = (tmp_path / resultlib.LAST_RUN).read_text().splitlines()
    # the other case's line is copied, byte for byte
    assert [line for line in after if line.startswith(f'["{other}"')] == \
        [line for line in before if line.startswith(f'["{other}"')]
    for line in after[1:]:  # JSON lines, strict: the key, a tab, the result
        key, result = line.split("\t")
        assert json.loads(key)[:2] and isinstance(json.loads(result), dict)


def test_the_bounds_are_configurable_and_checked(tmp_path):
    from harness.config import limits, load_config
    from harness.errors import UserError
    (tmp_path / "pyproject.toml").write_text(
        "[tool.tfscope]\nworker_memory_mib = 1024\nmax_reply_mib = 2\nmax_value = 50\n"
        "start_timeout = 12.5\nlast_run_mib = 3\n")
    bounds = limits(load_config(tmp_path))
    assert bounds == Limits(start_timeout=12.5, worker_memory=1024 * MiB, max_reply=2 * MiB,
                            max_value=50)
    (tmp_path / "pyproject.toml").write_text("[tool.tfscope]\nmax_value = -1\n")
    with pytest.raises(UserError, match=r"max_value must be a whole number >= 1, not -1"):
        limits(load_config(tmp_path))


def test_the_start_limit_follows_the_configuration_and_a_slow_start_is_not_a_break(
        tf115, tmp_path):
    slow = tmp_path / "slow-python"
    slow.write_text(f"#!/bin/sh\nsleep 30\nexec {tf115.python} \"$@\"\n")
    slow.chmod(0o755)
    from harness.runner import WorkerStartTimeout
    from harness.runtimes import Runtime
    started = time.monotonic()
    with pytest.raises(WorkerStartTimeout, match="did not start within 2 s"):
        Pool([Runtime("slow", str(slow))], limits=Limits(start_timeout=2)).info("slow")
    assert time.monotonic() - started < 10


def test_a_damaged_last_run_is_read_as_far_as_it_goes_and_rewritten(tmp_path):
    from harness.runner import RunResults

    from .test_record import results
    path = tmp_path / resultlib.LAST_RUN
    path.parent.mkdir()
    path.write_text('{"format": 2, "run": "x", "runtimes": {}}\n'
                    f'["a", "tf1.15", 3]\t{[0] * 20}\n'  # a result that is no mapping
                    'no tab here\n["b"]\t{}\n["c", "tf1.15", 2]\t{"verdict": "fail"}\n')
    assert set(resultlib.load_last_run(tmp_path)["results"]) == {"c"}
    resultlib.save_last_run(RunResults(["tf1.15"], {"tf1.15": {}}, results("cases/t.yaml")),
                            tmp_path, limit=64)  # a limit every line is too big for
    data = resultlib.load_last_run(tmp_path)
    assert data["run"] == 1 and data["results"] == {}


def test_a_last_run_nested_too_deep_is_damaged_and_rewritten(tmp_path):
    from harness.runner import RunResults

    from .test_record import results
    path = tmp_path / resultlib.LAST_RUN
    path.parent.mkdir()
    deep = "[" * 100000 + "]" * 100000
    path.write_text(f"{deep}\n")
    assert resultlib.load_last_run(tmp_path)["results"] == {}
    path.write_text('{"format": 2, "run": 1, "runtimes": {}}\n'
                    f'{deep}\t{{}}\n["c", "tf1.15", 1]\t{deep}\n')
    assert resultlib.load_last_run(tmp_path)["results"] == {}
    resultlib.save_last_run(RunResults(["tf1.15"], {"tf1.15": {}}, results("cases/t.yaml")),
                            tmp_path)
    assert resultlib.load_last_run(tmp_path)["run"] == 2  # the header was whole


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_a_last_run_that_is_no_regular_file_is_left_alone(tmp_path, kind):
    # a link committed in a clone would have had its target overwritten; a FIFO blocked the
    # read (and the lock's open) for ever
    from harness.runner import RunResults

    from .test_record import results
    path = tmp_path / resultlib.LAST_RUN
    path.parent.mkdir()
    victim = tmp_path / "precious.txt"
    victim.write_text("precious user data")
    if kind == "link":
        path.symlink_to(victim)
    else:
        os.mkfifo(path)
    assert resultlib.load_last_run(tmp_path)["results"] == {}
    with pytest.raises(resultlib.UserError, match=f"not written: it is a "
                       f"{'symbolic link' if kind == 'link' else 'FIFO'}, not the regular file"):
        resultlib.save_last_run(RunResults(["tf1.15"], {"tf1.15": {}}, results("cases/t.yaml")),
                                tmp_path)
    assert victim.read_text() == "precious user data"
    assert path.is_symlink() if kind == "link" else path.is_fifo()


def test_a_lock_held_elsewhere_is_waited_for_with_a_word_then_given_up(tmp_path, monkeypatch,
                                                                       capsys):
    from harness.files import LockTimeout
    from harness.runner import RunResults

    from .test_record import results
    path = tmp_path / resultlib.LAST_RUN
    path.parent.mkdir()
    path.write_text("")
    holder = subprocess.Popen(["flock", str(path), "sleep", "30"])
    try:
        for _ in range(100):  # until flock holds it
            done = subprocess.run(["flock", "-n", str(path), "true"])
            if done.returncode:
                break
            time.sleep(0.05)
        monkeypatch.setattr(resultlib, "LOCK_WAIT", 1)
        started = time.monotonic()
        with pytest.raises(LockTimeout, match="another process held its lock for 1 s"):
            resultlib.save_last_run(RunResults(["tf1.15"], {"tf1.15": {}},
                                               results("cases/t.yaml")), tmp_path)
        assert time.monotonic() - started < 10
        assert f"tfscope: waiting for another process's lock on {path} (up to 1 s)" in \
            capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()


def test_a_workers_stderr_line_is_kept_cut_never_whole():
    # one tf.print(..., summarize=-1) line took the harness to 1.38 GB, and a crash's reason
    # carried all of it
    import collections
    import io

    from harness.runner import STDERR_LINE, drain
    tail: collections.deque[str] = collections.deque(maxlen=40)
    drain(io.StringIO("first\n" + "x" * (STDERR_LINE * 50) + "\nlast\n"), tail)
    assert list(tail) == ["first", "x" * STDERR_LINE + " …", "last"]


def test_a_value_shown_is_cut_to_a_bound():
    from harness.compare import SHOWN_CHARS, Mismatch, format_diff
    from harness.report.text import code
    names = [f"v{i}" for i in range(100000)]
    text = format_diff([Mismatch("x.name", names, "v")])
    assert max(len(line) for line in text.splitlines()) < SHOWN_CHARS + 100
    assert "characters in all)" in text
    assert len(code(names)) < SHOWN_CHARS + 100
