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

# Runs inside TF's interpreter (Python 3.7, isolated mode): every script as __main__ with
# `--json`, each one's printed JSON line collected; written to a file so nothing TF prints can
# get in the way.
DRIVER = r'''
import contextlib, io, json, runpy, sys
jobs, results = sys.argv[1:3]
out = {}
for case_id, path in json.load(open(jobs)):
    buf = io.StringIO()
    try:
        sys.argv = [path, "--json"]
        with contextlib.redirect_stdout(buf):
            runpy.run_path(path, run_name="__main__")
        lines = buf.getvalue().strip().splitlines()
        out[case_id] = json.loads(lines[-1]) if lines else {"no output": True}
    except BaseException as e:
        out[case_id] = {"script failed": "%s: %s" % (type(e).__name__, e)}
json.dump(out, open(results, "w"))
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
    done = subprocess.run([tf115.python, "-I", str(script), "--json"], capture_output=True,
                          text=True, env=env(), timeout=300, check=True)
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    # The article's printed results, from the source (cases/article/example.yaml).
    assert printed["error"] is None
    assert printed["facts"]["v2.name"] == ["foo/bar/var2:0", "foo_1/bar/var2:0"]
    assert printed["facts"]["v3.name"] == ["foo/bar/var2_1:0", "foo_1/bar/var2_1:0"]
    # By default: one fact per line, `label.fact = value`, the captures before the graph.
    done = subprocess.run([tf115.python, "-I", str(script)], capture_output=True, text=True,
                          env=env(), timeout=300, check=True)
    lines = done.stdout.strip().splitlines()
    assert 'v2.name = ["foo/bar/var2:0", "foo_1/bar/var2:0"]' in lines
    assert lines[-1] == "error = null" and len(lines) == len(printed["facts"]) + 1
    assert all(" = " in line for line in lines)
    keys = [line.split(" = ")[0] for line in lines[:-1]]
    assert keys.index("v3.name") < keys.index("graph.ops")
    assert {k: json.loads(line.split(" = ", 1)[1]) for k, line in zip(keys, lines)} == \
        printed["facts"]


def test_a_script_carries_only_the_helpers_its_program_uses(all_cases):
    small = next(c for c in all_cases if c.id == "tf-docs.ns-invalid-root-name")
    assert len(small.program) == 1
    script = export_script(small)
    assert len(script.splitlines()) < 200, len(script.splitlines())  # it was 481 lines
    compile(script, "small.py", "exec")
    for absent in ("def tfscope_checkpoint", "class GetterRecord", "\ndef values(",
                   "def late_facts", "'optimizer':", "def _optimizer_slots"):
        assert absent not in script, absent
    for present in ("def facts_of", "def graph_facts", "def collection_facts",
                    "def error_message", "def error_bases"):
        assert present in script, present
    # What a step renders to comes along with all it needs.
    getter = next(c for c in all_cases if "tfscope_getter(" in export_script(c))
    text = export_script(getter)
    assert "def tfscope_getter" in text and "def _bind" in text and "class _Nothing" in text
    checkpoint = next(c for c in all_cases if "tfscope_checkpoint(" in export_script(c))
    text = export_script(checkpoint)
    assert "def tfscope_checkpoint" in text and "def _saved_variables" in text
    late = next(c for c in all_cases if "optimizer" in {i["kind"] for i in c.labels.values()})
    assert "def late_facts" in export_script(late) and "def _optimizer_slots" in \
        export_script(late)


def test_the_header_names_the_command_that_runs_it(all_cases):
    case = next(c for c in all_cases if c.id == "article.example-loop")
    head = export_script(case).split("import json")[0]
    assert "#     tfscope exec tf1.15 article.example-loop.py" in head
    assert "#     tfscope export article.example-loop -o article.example-loop.py" in head
    assert "python3.7" not in head and "--json" in head


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


ARGS_SCRIPT = "import sys\nprint(sys.executable)\nprint(sys.argv[1:])\nsys.exit(7)\n"


def test_exec_runs_a_script_in_a_runtime_with_its_arguments_and_exit_code(tmp_path, capfd):
    script = tmp_path / "s.py"
    script.write_text(ARGS_SCRIPT)
    # No shell: spaces, `$` and `;` reach the script as they are; its exit code comes back.
    code = main(["exec", f"mine={sys.executable}", str(script), "a b", "$HOME;", "--json"])
    out = capfd.readouterr().out.splitlines()
    assert code == 7 and out == [sys.executable, "['a b', '$HOME;', '--json']"]


@pytest.mark.parametrize("argv, message", [
    (["exec", "ci", "s.py"], "`ci` is 3 runtimes; exec runs a script in one"),
    (["exec", "tf15", "s.py"], "unknown runtime `tf15` (did you mean `tf1.15`"),
    (["exec", "tf1.15", "no-such.py"], "no-such.py: no such script"),
    (["exec", "tf1.15"], "the following arguments are required: SCRIPT"),
])
def test_exec_mistakes_are_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(ARGS_SCRIPT)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_export_then_exec_on_tf115_as_the_header_says(tf115, tmp_path):
    # The commands of the script's header, as a reader runs them (from the clone).
    name = "article.example-loop.py"
    head = subprocess.run([sys.executable, "-m", "harness", "export", "article.example-loop",
                           "-o", str(tmp_path / name)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert head.returncode == 0, head.stderr
    assert f"#     tfscope exec tf1.15 {name}\n" in (tmp_path / name).read_text()
    done = subprocess.run([sys.executable, "-m", "harness", "exec", "tf1.15", name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env())
    assert done.returncode == 0, done.stderr
    assert 'v1.name = ["foo/var1:0", "foo/var1:0"]' in done.stdout.splitlines()
