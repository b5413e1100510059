"""Small faults of issue 13: control characters in a title or a message, NaN and infinity,
deeply nested -k, a runtime reported unavailable twice, broken `.yaml` links, and directory
arguments that start with a dot."""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import textwrap

import pytest

from harness import cases as caselib
from harness import cli, runtimes
from harness import results as resultlib
from harness.compare import Outcome, judge, match
from harness.config import Config
from harness.errors import CaseError, RuntimeSetupError
from harness.render import export_script
from harness.runner import Result, RunResults
from harness.runtimes import Runtime

from .conftest import EXAMPLE
from .test_cli import tfscope

NASTY = "a\\0b \\u202eevil\\u202c \\e[31mred \\x85next \\u2028sep \\t tab"


def case_text(case_id: str, title: str = "t", expect: str = "v.name: v:0",
              program: str = "get_variable: {name: v, shape: [1], as: v}") -> str:
    return textwrap.dedent(f"""\
        - id: {case_id}
          title: "{title}"
          source: {{doc: d, quote: q}}
          program:
            - {program}
          expect:
            {expect}
        """)


def test_a_title_with_control_characters_exports_a_script_that_compiles(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(case_text("t.nasty", NASTY))
    (case,), errors = caselib.load([path])
    assert not errors and "\0" in case.title and "\u202e" in case.title
    script = export_script(case)
    compile(script, "exported.py", "exec")
    assert "\0" not in script and "\u202e" not in script and "\x1b" not in script
    assert "\\u202e" in script  # shown, escaped
    proc = tfscope("export", "t.nasty", str(path), "-o", str(tmp_path / "s.py"))
    assert proc.returncode == 0, proc.stderr
    compile((tmp_path / "s.py").read_bytes(), "s.py", "exec")


def test_messages_to_the_terminal_escape_control_characters(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text(case_text("t.nasty", NASTY).replace("title:", '"ti\\u202etle\\e[2J":'))
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "\u202e" not in err and "\x1b" not in err and "\\u202e" in err
    path.write_text(case_text("t.nasty", NASTY))
    assert cli.main(["show", "t.nasty", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out and "\x1b" not in out and "\0" not in out and "\\u202e" in out
    assert "\n" in out  # line breaks are line breaks


def test_nan_matches_nan_and_infinities_match_themselves():
    nan, inf = float("nan"), float("inf")
    assert match(nan, nan) and match([1.0, nan], [1.0, nan]) and match({"a": nan}, {"a": nan})
    assert not match(nan, 1.0) and not match(1.0, nan) and not match(nan, None)
    assert match(inf, inf) and match(-inf, -inf) and not match(inf, -inf)
    assert not match(inf, 1e308) and match(1.0, 1.0 + 1e-9)


def test_json_outputs_are_valid_json_with_non_finite_floats(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(case_text("t.nan", expect="x.value: .nan",
                              program="constant: {value: .nan, as: x}"))
    (case,), errors = caselib.load([path])
    assert not errors
    outcome = Outcome(facts={"x.value": float("nan"), "y": [float("inf"), -float("inf")]})
    verdict = judge(case, "tf1.15", outcome)
    assert verdict.verdict == "conforms"
    run = RunResults(["tf1.15"], {"tf1.15": {}}, [Result(case, "tf1.15", outcome, verdict)])
    data = json.loads(resultlib.to_json(run), parse_constant=lambda c: pytest.fail(c))
    assert data["results"][0]["facts"] == {"x.value": "NaN", "y": ["Infinity", "-Infinity"]}
    resultlib.save_last_run(run, tmp_path)
    for line in (tmp_path / resultlib.LAST_RUN).read_text().splitlines():  # JSON lines
        for part in line.split("\t"):
            json.loads(part, parse_constant=lambda c: pytest.fail(c))
    facts = resultlib.load_last_run(tmp_path)["results"]["t.nan"]["tf1.15"]["facts"]
    assert facts == {"x.value": "NaN", "y": ["Infinity", "-Infinity"]}


def test_nan_and_a_bidi_control_on_tf115(tf115, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(case_text("t.nan", expect="x.value: .nan",
                              program="constant: {value: .nan, as: x}")
                    + case_text("t.bidi", expect='v.name: "v\\u202e:0"'))
    out = tmp_path / "r.json"
    proc = tfscope("run", str(path), "--runtime", "tf1.15", "--json", str(out), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # t.bidi fails, t.nan conforms
    data = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(c))
    verdicts = {r["id"]: r["verdict"] for r in data["results"]}
    assert verdicts == {"t.nan": "conforms", "t.bidi": "fail"}
    assert data["results"][0]["facts"]["x.value"] == "NaN"
    assert "\u202e" not in proc.stdout and "v\\u202e:0" in proc.stdout


@pytest.mark.parametrize("expr", ["(" * 5000 + "a" + ")" * 5000, "not " * 5000 + "a",
                                  "(" * 100000])
def test_deeply_nested_k_is_a_usage_error(expr, capsys):
    with pytest.raises(CaseError, match="nested more than"):
        caselib.keyword_match(expr, {"a"})
    assert cli.main(["validate", str(EXAMPLE), "-k", expr]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nested" in err[0]
    assert caselib.keyword_match("(" * 20 + "a" + ")" * 20, {"a"})


def test_a_set_member_that_cannot_be_installed_is_reported_once(monkeypatch, capsys):
    def fake_resolve(selector, rebuild=False):
        if selector == "tf1.13":
            raise RuntimeSetupError("no Python 3.7 interpreter found")
        return Runtime(selector, "/bin/" + selector, True)
    monkeypatch.setattr(runtimes, "resolve", fake_resolve)
    args = argparse.Namespace(runtime=["all-1.x"], python=None)
    cli.resolve_runtimes(args, Config())
    err = capsys.readouterr().err
    for name in runtimes.set_members("all-1.x"):
        assert err.count(f"{name} ") + err.count(f"{name}:") <= 1, err
    assert err.count("tf1.13") == 1


def test_broken_and_looping_yaml_links_are_reported(tmp_path, capsys):
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "good.yaml")
    (folder / "broken.yaml").symlink_to(tmp_path / "gone.yaml")
    (folder / "loop.yaml").symlink_to(folder / "loop.yaml")
    cases, errors = caselib.load([folder])
    assert len(cases) == 1
    messages = sorted(str(e) for e in errors)
    assert len(messages) == 2, messages
    assert "broken.yaml" in messages[0] and "broken symbolic link" in messages[0]
    assert "loop.yaml" in messages[1] and "loops" in messages[1]
    assert cli.main(["validate", str(folder)]) == 2
    assert all(len(line) < 300 for line in capsys.readouterr().err.splitlines())


def test_a_case_file_that_is_a_fifo_or_a_device_is_reported_not_read_for_ever(tmp_path):
    """A FIFO among the case files, a link to /dev/zero, and the same given to `new
    --from-python`: one line each, at once (the loader's size check read 0 for /dev/zero, then
    read it for ever, its memory growing; a FIFO waited for a writer; the report's digest read
    them too). In a subprocess: before the fix they hung."""
    import subprocess
    import sys
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "good.yaml")
    os.mkfifo(folder / "fifo.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "source.py")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from harness import cases, cli
        print(cases.digest([{str(folder)!r}], Path({str(tmp_path)!r}))[:7])
        for argv in (["validate", {str(folder)!r}],
                     ["new", "x.y", "--from-python", "/dev/zero", "--dir", {str(tmp_path)!r}],
                     ["new", "x.z", "--from-python", {str(tmp_path / "source.py")!r},
                      "--dir", {str(tmp_path)!r}]):
            print("exit", cli.main(argv))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    out = done.stdout.splitlines()
    assert out[0] == "sha256:" and [x for x in out if x.startswith("exit")] == ["exit 2"] * 3, \
        done.stderr
    assert sorted(line for line in done.stderr.splitlines() + out
                  if line.startswith("tfscope:")) == sorted([
        "tfscope: error: cases/fifo.yaml: cannot read: a FIFO, not a regular file "
        "(case files are regular files: remove it, or point the link at one)",
        "tfscope: error: cases/zero.yaml: cannot read: a character device, not a "
        "regular file (case files are regular files: remove it, or point the link at one)",
        "tfscope: 1 valid case(s), 2 error(s)",
        "tfscope: error: /dev/zero: cannot read: a character device, not a regular file "
        "(give a Python file)",
        f"tfscope: error: {tmp_path / 'source.py'}: cannot read: a FIFO, not a regular file "
        "(give a Python file)"])


def test_report_results_from_a_device_is_one_line_not_read_for_ever(tmp_path):
    """`report --results /dev/zero` read it for ever, its memory growing (a pipe, as from
    `<(...)`, is still read as a shell would)."""
    import subprocess
    import sys
    script = ("from harness import cli; print('exit', cli.main(['report', '--results', "
              f"'/dev/zero', '-o', {str(tmp_path / 'r.md')!r}]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=EXAMPLE.parent.parent.parent)
    assert done.stdout.splitlines()[-1] == "exit 2"
    assert done.stderr.splitlines() == ["tfscope: error: /dev/zero: not a results file: a "
                                        "device (give files that `tfscope run --json FILE` "
                                        "wrote)"]


@pytest.mark.parametrize("where", [".work/cases", "a/.hidden/cases"])
def test_a_directory_argument_with_a_dot_component_finds_its_cases(tmp_path, where,
                                                                     monkeypatch):
    folder = tmp_path / where
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "example.yaml")
    (folder / ".skipped").mkdir()
    shutil.copy(EXAMPLE, folder / ".skipped" / "example.yaml")  # hidden inside: skipped
    cases, errors = caselib.load([folder])
    assert not errors and len(cases) == 1
    monkeypatch.chdir(folder / ".skipped")
    cases, errors = caselib.load([os.path.join("..", "..", os.path.basename(folder))])
    assert not errors and len(cases) == 1
    assert math.isfinite(1.0)


def test_a_path_that_cannot_be_read_says_why_and_still_matches_its_error_type():
    from harness import facts

    class Op:
        name = "c"
    read = facts.path_facts(None, {"c": Op()}, ["c.nmae", "c.name"])
    # A misspelt attribute names itself (it used to be `<unavailable: AttributeError>` alone).
    assert read == {"c.nmae": "<unavailable: AttributeError: 'Op' object has no attribute "
                              "'nmae'>", "c.name": "c"}
    assert match("<unavailable: AttributeError>", read["c.nmae"])
    assert not match("<unavailable: KeyError>", read["c.nmae"])
    assert not match("<unavailable: Attribute>", read["c.nmae"])
    assert match(read["c.nmae"], read["c.nmae"])
