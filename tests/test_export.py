"""`tfscope export`: every case's exported script, run on real TF 1.15, observes exactly what the
worker observed. The renderer (program -> Python) and the worker (program -> step table calls)
check each other.

One TF process runs every exported script (via runpy, as `__main__`), since a TF import costs about
a second; one script also runs on its own as `python script.py`, the way a reader runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness import cases as caselib
from harness.cli import main
from harness.render import export_script
from harness.runner import run_cases

ROOT = Path(__file__).resolve().parent.parent

# Runs inside TF's interpreter (Python 3.7, isolated mode): every script as __main__, each one's
# printed JSON line collected; written to a file so nothing TF prints can get in the way.
DRIVER = r'''
import contextlib, io, json, runpy, sys
out = {}
for case_id, path in json.load(open(sys.argv[1])):
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            runpy.run_path(path, run_name="__main__")
        lines = buf.getvalue().strip().splitlines()
        out[case_id] = json.loads(lines[-1]) if lines else {"no output": True}
    except BaseException as e:
        out[case_id] = {"script failed": "%s: %s" % (type(e).__name__, e)}
json.dump(out, open(sys.argv[2], "w"))
'''


def env() -> dict:
    import os
    e = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    e["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return e


@pytest.fixture(scope="module")
def all_cases() -> list[caselib.Case]:
    cases, errors = caselib.load([ROOT / "cases"])
    assert cases, "no cases found"
    return cases


def run_exported(python: str, cases: list[caselib.Case], tmp_path: Path) -> dict[str, dict]:
    """Export every case and run the scripts in one interpreter: case id -> what it printed."""
    jobs = []
    for i, case in enumerate(cases):
        script = tmp_path / f"case{i}.py"
        script.write_text(export_script(case), encoding="utf-8")
        jobs.append([case.id, str(script)])
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    (tmp_path / "driver.py").write_text(DRIVER)
    subprocess.run([python, "-I", str(tmp_path / "driver.py"), str(tmp_path / "jobs.json"),
                    str(tmp_path / "out.json")], check=True, env=env(), timeout=1800,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return json.loads((tmp_path / "out.json").read_text())


def test_every_exported_script_observes_what_the_worker_observed(tf115, all_cases, tmp_path):
    worker = run_cases(all_cases, [tf115])
    assert len(worker.results) == len(all_cases)
    scripts = run_exported(tf115.python, all_cases, tmp_path)
    problems = []
    for r in worker.results:
        assert r.outcome.problem is None, f"{r.case.id}: the worker did not run it: " \
            f"{r.outcome.problem}"
        got = scripts[r.case.id]
        want = {"facts": r.outcome.facts, "error": r.outcome.error}
        if got != want:
            keys = sorted(k for k in set(got.get("facts", {})) | set(want["facts"])
                          if got.get("facts", {}).get(k) != want["facts"].get(k))
            problems.append(f"{r.case.id} ({r.case.location}): script {got.get('error') or ''} "
                            f"{got.get('script failed') or ''}; worker error "
                            f"{want['error']}; differing facts: {keys[:8]}")
    assert not problems, "exported scripts disagree with the worker:\n" + "\n".join(problems)


def test_an_exported_script_runs_on_its_own_without_the_harness(tf115, all_cases, tmp_path):
    case = next(c for c in all_cases if c.id == "article.example-loop")
    script = tmp_path / "example.py"
    script.write_text(export_script(case), encoding="utf-8")
    assert "harness" not in script.read_text().replace("tfscope", "")
    done = subprocess.run([tf115.python, "-I", str(script)], capture_output=True, text=True,
                          env=env(), timeout=300, check=True)
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    # The article's printed results, from the source (cases/article/example.yaml).
    assert printed["error"] is None
    assert printed["facts"]["v2.name"] == ["foo/bar/var2:0", "foo_1/bar/var2:0"]
    assert printed["facts"]["v3.name"] == ["foo/bar/var2_1:0", "foo_1/bar/var2_1:0"]


def test_export_command_writes_the_script(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "x.py"
    assert main(["export", "article.example-loop", "-o", str(out)]) == 0
    text = out.read_text()
    assert "with tf.variable_scope(name_or_scope='foo'" in text
    compile(text, str(out), "exec")


def test_export_of_an_unknown_case_is_a_one_line_input_error(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["export", "article.example-lop"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "article.example-lop" in err and "article.example-loop" in err


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
