"""`tfscope record` and `tfscope show`: observations written into case files without touching
anything else, cases with no claim yet, and the last results shown per case."""

from __future__ import annotations

from harness import cases as caselib
from harness import cli, record
from harness import results as resultlib
from harness.compare import OBSERVED, Outcome, judge
from harness.runner import Result, RunResults

from .conftest import ROOT
from .test_cli import tfscope

TEXT = """\
# yaml-language-server: $schema=../../schema/case.schema.json
# A comment about the file.
- id: t.one   # a trailing comment
  title: one
  source: {doc: d, quote: q}
  program:
    - variable_scope: foo
      do:
        - get_variable: {name: v, shape: [1], as: v}   # a comment in the program

  expect: {}
  # a comment after the last key

- id: t.two
  title: two
  source:
    doc: d
    quote: >-
      a folded
      quote
  program:
    - get_variable: {name: v, shape: [1], as: v}
    - get_variable: {name: v, shape: [1], as: w}
  expect:
    v.name: v:0   # the claim
  deviations:     # lines move down as t.one's block is added: still the same claims
    - runtimes: [tf2]
      observed: {v.name: x:0}
      reason: a reason
  observed:
    tf1.14: {v.name: old}
  tags: [x]
"""


MESSAGE = ("Variable v already exists, disallowed. Did you mean to set reuse=True or "
           "reuse=tf.AUTO_REUSE in VarScope?")


def results(path: str, runtime: str = "tf1.15") -> list[Result]:
    cases, errors = caselib.load_text(TEXT, path)
    assert not errors
    one, two = cases
    outcomes = {
        "t.one": Outcome(facts={"v.name": "foo/v:0", "v.class": "RefVariable",
                                "graph.ops": ["foo/v"]}),
        "t.two": Outcome(facts={"v.name": "v:0"}, error={
            "type": "ValueError", "message": MESSAGE + "\n\nOriginally defined at: ...",
            "step": "program[1]", "label": "w"}),
    }
    return [Result(c, runtime, outcomes[c.id], judge(c, runtime, outcomes[c.id]))
            for c in (one, two)]


def record_text(text: str, runtime: str = "tf1.15") -> str:
    updates, missing = record.updates_for(results("t.yaml", runtime))
    assert not missing
    return record.edit(text, "t.yaml", updates["t.yaml"])


def test_record_keeps_everything_but_the_observed_block():
    new = record_text(TEXT)
    added = [line for line in new.splitlines() if line not in TEXT.splitlines()]
    assert added == [
        "  observed:  " + record.COMMENT, "    tf1.15:", "      v.name: foo/v:0",
        "      error: null",
        "  observed:  " + record.COMMENT, "    tf1.14:", "      v.name: old",
        "    tf1.15:", "      v.name: v:0",
        f'      error: {{type: ValueError, message: "{MESSAGE}", step: w}}']
    removed = [line for line in TEXT.splitlines() if line not in new.splitlines()]
    assert removed == ["  observed:", "    tf1.14: {v.name: old}"]  # rewritten, tf1.14 kept
    assert "    tf1.14:\n      v.name: old\n    tf1.15:" in new
    # The new block comes right after the case's last line, before the comment and blank line.
    assert "  expect: {}\n  observed:" in new and "error: null\n  # a comment after" in new
    # Only facts that matter: v.class and graph.ops are recorded by the worker, not written.
    assert "v.class" not in new and "graph.ops" not in new
    old, _ = caselib.load_text(TEXT, "t.yaml")
    cases, errors = caselib.load_text(new, "t.yaml")
    assert not errors and [c.expect for c in cases] == [c.expect for c in old]
    assert cases[1].observed["tf1.15"]["error"]["step"] == "w"
    assert record_text(new) == new  # idempotent
    again = record_text(new, "tf1.13")
    assert "      error: null\n    tf1.13:\n      v.name: foo/v:0" in again


def test_a_case_with_no_claim_is_observed():
    one, two = results("t.yaml")
    assert one.verdict.verdict == OBSERVED and two.verdict.verdict == "fail"
    from harness.report import render_report
    run = RunResults(["tf1.15"], {"tf1.15": {"tensorflow": "1.15.5"}}, [one, two])
    text = render_report(run, ROOT, ROOT / "reports" / "x.md")
    assert "📝 observed, no claim" in text
    assert "`v.name` | (not claimed) | `foo/v:0`" in text.replace("  ", "")


def test_show_prints_claim_code_and_last_results(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.tfscope]\ncases = ['cases']\n")
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "t.yaml").write_text(TEXT)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["show", "t.two"]) == 0
    out = capsys.readouterr().out
    assert "Claim, from d:\n    > a folded quote" in out
    assert "    w = tf.get_variable(name='v', shape=[1])" in out
    assert "none yet: run `tfscope run cases/t.yaml`" in out
    cases, _ = caselib.load_text(TEXT, "cases/t.yaml")
    resultlib.save_last_run(RunResults(["tf1.15"], {"tf1.15": {"tensorflow": "1.15.5"}},
                                       results("cases/t.yaml")), tmp_path)
    assert cli.main(["show", "t.two"]) == 0
    out = capsys.readouterr().out
    assert "tf1.15 (TensorFlow 1.15.5): fail\n" in out
    assert "error: ValueError: Variable v already exists" in out
    assert cli.main(["show", "t.tow"]) == 2
    assert "did you mean `t.two`?" in capsys.readouterr().err
    data = resultlib.load_last_run(tmp_path)
    assert set(data["results"]) == {"t.one", "t.two"}
    (tmp_path / "cases" / "t.yaml").write_text(TEXT.replace("v.name: v:0", "v.name: w:0"))
    assert cli.main(["show", "t.two"]) == 0
    assert "from before the case last changed" in capsys.readouterr().out


def test_record_on_real_tensorflow_round_trips(tf115, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TEXT)
    proc = tfscope("record", str(path), "--runtime", "tf1.15", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    first = path.read_text()
    assert first == record_text(TEXT)  # what TF did is what the fake results above say
    proc = tfscope("record", str(path), "--runtime", "tf1.15", cwd=tmp_path)
    assert proc.returncode == 0 and "(unchanged)" in proc.stdout
    assert path.read_text() == first
    proc = tfscope("run", str(path), cwd=tmp_path)
    assert proc.returncode == 1 and "observed" in proc.stdout  # t.two still fails its claim
    last = resultlib.load_last_run(tmp_path)
    assert last["results"]["t.one"]["tf1.15"]["verdict"] == OBSERVED


def test_record_into_a_file_of_one_case():
    from .conftest import EXAMPLE
    text = EXAMPLE.read_text()
    (case,), _ = caselib.load_text(text, "e.yaml")
    facts = {"v1.name": ["foo/var1:0"] * 2, "v2.name": ["a", "b"], "v3.name": ["c", "d"],
             "scope.name": ["foo", "foo"], "graph.ops": []}
    outcome = Outcome(facts=facts)
    updates, _ = record.updates_for([Result(case, "tf1.15", outcome, judge(case, "tf1.15",
                                                                           outcome))])
    new = record.edit(text, "e.yaml", updates["e.yaml"])
    assert new.startswith(text)  # appended after the last line, nothing else touched
    assert new[len(text):] == (
        f"observed:  {record.COMMENT}\n  tf1.15:\n    v1.name: [foo/var1:0, foo/var1:0]\n"
        "    v2.name: [a, b]\n    v3.name: [c, d]\n    scope.name: [foo, foo]\n"
        "    error: null\n")


def test_record_refuses_invalid_files_before_running_anything(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    broken = TEXT.replace("shape: [1], as: w}", "shap: [1], as: w}")
    path.write_text(broken)
    assert cli.main(["record", str(path), "--runtime", "tf1.15=/no/such/python"]) == 2
    err = capsys.readouterr().err
    assert "unknown key `shap`" in err and "nothing recorded" in err
    assert path.read_text() == broken


CAUGHT = """\
- id: t.caught
  title: caught
  source: {doc: d, quote: q}
  program:
    - tf.get_variable: {name: v, shape: [1], as: v}
    - tf.get_variable: {name: v, shape: [1], catch: clash}
  expect:
    clash.error: {type: ValueError}
"""


def test_record_writes_a_caught_error_as_the_error_matcher_reads_it():
    """A `catch` label's error as the worker records it has `bases` (and a message of several
    lines): recorded as written in an expectation, {type, message}, so the file stays valid.
    Recording a case with `catch:` failed ("unknown key `bases` in `error`")."""
    (case,), errors = caselib.load_text(CAUGHT, "c.yaml")
    assert not errors
    outcome = Outcome(facts={"clash.error": {
        "type": "ValueError", "bases": ["Exception", "BaseException"],
        "message": MESSAGE + "\n\nOriginally defined at: ..."}, "v.name": "v:0"})
    result = Result(case, "tf1.15", outcome, judge(case, "tf1.15", outcome))
    updates, missing = record.updates_for([result])
    assert not missing
    new = record.edit(CAUGHT, "c.yaml", updates["c.yaml"])
    assert f'      clash.error: {{type: ValueError, message: "{MESSAGE}"}}' in new.splitlines()
    cases, errors = caselib.load_text(new, "c.yaml")
    assert not errors, errors
