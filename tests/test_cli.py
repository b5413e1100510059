"""The `tfscope` command end to end on real TensorFlow 1.15 (the issue's "done when" checks)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from harness import cli

from .conftest import EXAMPLE, ROOT

# The example under another id: a copy with its id would be a duplicate of the corpus's case.
COPY = EXAMPLE.read_text().replace("id: article.example-loop", "id: tmp.example-loop")


def tfscope(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_example_conforms_and_json(tf115, tmp_path):
    out = tmp_path / "r.json"
    proc = tfscope("run", str(EXAMPLE), "--runtime", "tf1.15", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "conforms" in proc.stdout and "TensorFlow 1.15.5" in proc.stdout
    data = json.loads(out.read_text())
    assert data["runtimes"]["tf1.15"]["tensorflow"] == "1.15.5"
    (result,) = data["results"]
    assert result["id"] == "article.example-loop" and result["verdict"] == "conforms"
    assert result["facts"]["v3.name"] == ["foo/bar/var2_1:0", "foo_1/bar/var2_1:0"]
    assert result["diff"] == []


def test_changed_expectation_prints_diff_and_exits_1(tf115, tmp_path):
    copy = tmp_path / "example.yaml"
    copy.write_text(COPY.replace("foo_1/bar/var2:0]", "foo_2/bar/var2:0]"))
    proc = tfscope("run", str(copy))
    assert proc.returncode == 1
    assert "FAIL tmp.example-loop [tf1.15]" in proc.stdout
    assert "expected: [\"foo/bar/var2:0\", \"foo_2/bar/var2:0\"]" in proc.stdout
    assert "actual:   [\"foo/bar/var2:0\", \"foo_1/bar/var2:0\"]" in proc.stdout


OPS = ["foo/v/Initializer/random_uniform/shape", "foo/v/Initializer/random_uniform/min",
       "foo/v/Initializer/random_uniform/max", "foo/v/Initializer/random_uniform/RandomUniform",
       "foo/v/Initializer/random_uniform/sub", "foo/v/Initializer/random_uniform/mul",
       "foo/v/Initializer/random_uniform", "foo/v", "foo/v/Assign", "foo/v/read"]
WRONG_OPS = ("id: t.ops\ntitle: the ops of one variable\n"
             "source: {doc: test, quote: a deliberately wrong list of op names}\n"
             "program:\n  - variable_scope: {name_or_scope: foo}\n    do:\n"
             "      - get_variable: {name: v, shape: [1]}\n"
             f"expect:\n  graph.ops: [{', '.join(OPS[:-1] + ['foo/w/read'])}]\n")


def test_a_wrong_list_shows_where_it_parts(tf115, tmp_path):
    """Real TF 1.15: ten op names, one wrong: named, as missing and extra, and side by side."""
    case = tmp_path / "ops.yaml"
    case.write_text(WRONG_OPS)
    proc = tfscope("run", str(case), "--runtime", "tf1.15")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = [line.strip() for line in proc.stdout.splitlines()]
    assert "first difference at [9]: expected foo/w/read, actual foo/v/read" in lines
    assert "missing (1 of 10 expected): foo/w/read" in lines
    assert "extra (1 of 10 actual): foo/v/read" in lines
    side = [re.sub(r" +", " ", line) for line in lines]
    assert "≠ foo/w/read | foo/v/read" in side and "= foo/v/Assign | foo/v/Assign" in side


def test_a_run_with_an_invalid_file_has_an_invalid_row_in_its_summary(tf115, tmp_path):
    """Real TF 1.15: the valid file runs; the summary counts the invalid one as not run."""
    (tmp_path / "ok.yaml").write_text(COPY)  # under its own id: not a duplicate of the corpus
    (tmp_path / "bad.yaml").write_text("id: t.bad\ntitle: t\nsource: {doc: d, quote: q}\n"
                                       "program:\n  - get_variable: {name: v, shap: [1]}\n")
    proc = tfscope("run", str(tmp_path), "--runtime", "tf1.15")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    rows = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1]
            for line in proc.stdout.splitlines()[-3:] if line.strip()}
    assert rows.get("conforms") == "1" and rows.get("invalid (files not run)") == "1", \
        proc.stdout


BROKEN = {
    "typo.yaml": ("get_variable: {name: var1, shap: [1], as: v1}", "unknown key `shap`",
                  "did you mean `shape`?"),
    "syntax.yaml": ("get_variable: {name: var1, shape: [1], as: v1",
                    "YAML syntax error: while parsing a flow mapping (from line 5)", ""),
    "dangling.yaml": ("reuse_variables: scope", "refers to `scope`, which no earlier step "
                      "captures", "capture it earlier"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_get_one_line_and_exit_2(tmp_path, name):
    step, message, hint = BROKEN[name]
    path = tmp_path / name
    path.write_text("id: t.broken\ntitle: t\nsource: {doc: d, quote: q}\nprogram:\n"
                    f"  - {step}\nexpect:\n  graph.ops: []\n")
    for command in ("validate", "run"):
        proc = tfscope(command, str(path))
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        errors = [line for line in proc.stderr.splitlines() if "error:" in line]
        line = 6 if name == "syntax.yaml" else 5  # YAML notices the unclosed `{` a line later
        assert len(errors) == 1 and f"{name}:{line}: " in errors[0] and message in errors[0]
        assert hint in errors[0]


def test_bad_cases_do_not_stop_the_good_ones(tf115, tmp_path):
    (tmp_path / "bad.yaml").write_text("id: [\n")
    (tmp_path / "good.yaml").write_text(COPY)
    proc = tfscope("run", str(tmp_path))
    assert proc.returncode == 2 and "conforms" in proc.stdout and "bad.yaml:" in proc.stderr


def test_usage_errors(capsys):
    assert cli.main(["run", "--runtime", "tf9.9"]) == 2
    assert "unknown runtime `tf9.9`" in capsys.readouterr().err
    assert cli.main(["frobnicate"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0 and "tfscope" in capsys.readouterr().out


def test_written_files_get_normal_permissions(tmp_path):
    import os
    import stat

    from harness.files import write_atomic

    target = tmp_path / "out" / "report.md"
    write_atomic(target, "x\n")
    umask = os.umask(0)
    os.umask(umask)
    assert target.read_text() == "x\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == ["report.md"]  # no temp file left


def test_python_flag_names_the_interpreter_for_its_version(monkeypatch, capsys):
    from harness.runtimes import find_python, use_python

    version = "{}.{}".format(*sys.version_info[:2])
    variable = "TFSCOPE_PYTHON" + version.replace(".", "_")
    monkeypatch.delenv(variable, raising=False)
    assert use_python(sys.executable) == version
    assert find_python(version) == sys.executable
    monkeypatch.delenv(variable)
    assert cli.main(["run", str(EXAMPLE), "--python", "/no/such/python"]) == 2
    err = capsys.readouterr().err
    assert "--python /no/such/python is not a working Python" in err and "Traceback" not in err


def test_missing_path_is_reported_before_any_runtime_is_touched(capsys):
    # The runtime is unusable: if the harness touched it first, the error would be about it.
    assert cli.main(["run", "no/such/dir", "--runtime", "tf1.15=/no/such/python"]) == 2
    err = capsys.readouterr().err
    assert "no/such/dir: no such file or directory" in err and "python" not in err


def test_cases_load_while_the_workers_start(tf115, ours):
    from harness.errors import CaseError
    from harness.runner import run_cases

    run = run_cases(lambda: caselib_load(EXAMPLE), [tf115])
    assert [r.verdict.verdict for r in run.results] == ["conforms"]

    def broken():
        raise CaseError("bad -k expression", None, None)
    with pytest.raises(CaseError):
        run_cases(broken, [tf115])
    # ...and the worker that was starting meanwhile is gone, not left waiting for requests.
    assert not ours.all()


def caselib_load(path):
    from harness import cases

    found, errors = cases.load([path])
    assert errors == []
    return found


def test_validate_blames_a_new_file_that_reuses_a_corpus_id(tmp_path):
    new = tmp_path / "mine.yaml"
    new.write_text(EXAMPLE.read_text())
    proc = tfscope("validate", str(new))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    (error,) = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert f"{new}:2: duplicate case id `article.example-loop` (already used at " \
        "cases/article/example.yaml:2" in error
    proc = tfscope("validate", str(new), str(EXAMPLE))  # named together: still the new file
    assert proc.returncode == 2 and f"{new}:2: duplicate" in proc.stderr, proc.stderr


def test_run_of_a_new_file_alone_refuses_a_corpus_id(tf115, tmp_path):
    new = tmp_path / "mine.yaml"
    new.write_text(EXAMPLE.read_text())
    proc = tfscope("run", str(new), "--runtime", "tf1.15")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{new}:2: duplicate case id `article.example-loop` (already used at " \
        "cases/article/example.yaml:2" in proc.stderr


def test_paths_given_from_outside_any_project_take_that_projects_configuration(tmp_path,
                                                                               monkeypatch):
    # `tfscope report /a/project/cases` from elsewhere used the defaults (the configuration
    # came from the cwd only): another report than the project's own.
    from harness.config import load_config_for
    project = tmp_path / "project"
    (project / "cases" / "more").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.tfscope]\nruntimes = ["tf2"]\n'
                                            'report = "out/r.md"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for paths in ([str(project / "cases")], [str(project / "cases" / "more"),
                                             str(project / "cases")]):
        config = load_config_for(paths)
        assert (config.root, config.runtimes, config.report) == (project, ["tf2"], "out/r.md")
    assert load_config_for([]).root == elsewhere  # nothing given: the defaults, as before
    assert load_config_for([str(elsewhere)]).runtimes == ["tf1.15"]
    # In a project, that project's settings, whatever the paths.
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text('[tool.tfscope]\nruntimes = ["tf1.13"]\n')
    monkeypatch.chdir(other)
    assert load_config_for([str(project / "cases")]).runtimes == ["tf1.13"]
