"""`tfscope record` as a writer of other people's files: it changes the `observed:` blocks and not
one byte more (line endings, mode, a missing final newline), edits all files or none, refuses
what it cannot edit before writing anything, counts only what it wrote, is safe with two
`record`s on one file at once (real processes), and never rewrites the whole corpus unasked."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from harness import cli, record
from harness import results as resultlib
from harness.errors import CaseError
from harness.runner import RunResults

from .conftest import ROOT
from .test_cli import tfscope
from .test_record import TEXT, results

FACTS = {"v.name": "foo/v:0", "error": None}


def one_case(case_id: str, eol: str = "\n", final: bool = True) -> str:
    text = textwrap.dedent(f"""\
        id: {case_id}   # a comment
        title: t
        source: {{doc: d, quote: q}}
        program:
          - variable_scope: foo
            do:
              - get_variable: {{name: v, shape: [1], as: v}}
        expect:
          v.name: foo/v:0""").replace("\n", eol)
    return text + (eol if final else "")


@pytest.mark.parametrize("eol", ["\r\n", "\r", "\n"])
@pytest.mark.parametrize("final", [True, False])
def test_only_the_observed_block_changes(tmp_path, eol, final):
    path = tmp_path / "c.yaml"
    original = one_case("t.a", eol, final).encode()
    path.write_bytes(original)
    path.chmod(0o600)
    written = record.apply({str(path): {"t.a": {"tf1.15": FACTS}}})
    assert written == {str(path): (1, ["t.a"])}
    new = path.read_bytes()
    # Every byte of the file is still there, in place; the block follows the last line.
    body = original if final else original + eol.encode()
    assert new.startswith(body)
    block = new[len(body):]
    if eol != "\n":  # the block's lines end as the file's do
        assert b"\n" not in block.replace(eol.encode(), b"")
    lines = block.split(eol.encode())
    assert lines[0].startswith(b"observed:") and b"tf1.15:" in lines[1]
    assert new.endswith(eol.encode()) == final
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Recording the same again changes nothing; another runtime is added, the first kept.
    assert record.apply({str(path): {"t.a": {"tf1.15": FACTS}}}) == {str(path): (1, [])}
    assert path.read_bytes() == new
    record.apply({str(path): {"t.a": {"tf2": FACTS}}})
    again = path.read_bytes()
    assert again.startswith(body) and b"tf1.15:" in again and b"tf2:" in again
    assert again.endswith(eol.encode()) == final


def test_a_file_that_cannot_be_edited_stops_every_file_before_any_is_written(tmp_path):
    good = tmp_path / "a.yaml"
    good.write_text(one_case("t.a"))
    flow = tmp_path / "b.yaml"
    flow.write_text("{id: t.b, title: t, source: {doc: d, quote: q}, program: "
                    "[{get_variable: {name: v, shape: [1], as: v}}], expect: {v.name: v:0}}\n")
    before = {p: p.read_bytes() for p in (good, flow)}
    with pytest.raises(CaseError, match="flow style") as info:
        record.apply({str(good): {"t.a": {"tf1.15": FACTS}},
                      str(flow): {"t.b": {"tf1.15": FACTS}}})
    assert "\n" not in str(info.value) and str(flow) in str(info.value)
    assert {p: p.read_bytes() for p in (good, flow)} == before


def test_an_aliased_id_is_refused_not_counted(tmp_path):
    path = tmp_path / "c.yaml"
    text = one_case("t.a").replace("title: t", "title: &name t.a").replace(
        "id: t.a", "id: *name")
    path.write_text(text)
    assert path.read_text() == text
    with pytest.raises(CaseError, match="alias"):
        record.apply({str(path): {"t.a": {"tf1.15": FACTS}}})
    assert path.read_text() == text


def test_an_anchored_observed_block_another_case_uses_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    text = ("- " + textwrap.indent(one_case("t.a"), "  ")[2:]
            + "  observed: &obs\n    tf1.13: {v.name: x}\n"
            + "- " + textwrap.indent(one_case("t.b"), "  ")[2:] + "  observed: *obs\n")
    path.write_text(text)
    with pytest.raises(CaseError, match="anchor"):
        record.apply({str(path): {"t.a": {"tf1.15": FACTS}}})
    assert path.read_text() == text


WRITER = """
import sys
from harness import record
path, runtime, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    record.apply({path: {f"t.c{i}": {runtime: {"v.name": f"{runtime}-{i}", "error": None}}}})
"""


def test_two_records_at_once_keep_both_runtimes(tmp_path):
    n = 40
    path = tmp_path / "c.yaml"
    path.write_text("".join("- " + textwrap.indent(one_case(f"t.c{i}"), "  ")[2:]
                            for i in range(n)))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), runtime, str(n)],
                              cwd=ROOT) for runtime in ("tf1.15", "tf2")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    from harness import cases as caselib
    cases, errors = caselib.load([path])
    assert not errors
    lost = [(c.id, rt) for c in cases for rt in ("tf1.15", "tf2") if rt not in c.observed]
    assert not lost, f"{len(lost)} observations lost, e.g. {lost[:3]}"


LAST_RUN_WRITER = """
import sys
from pathlib import Path
from harness import results as resultlib
from harness.runner import RunResults
from tests.test_record import results
root, runtime, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    rs = results(f"cases/t{i}.yaml", runtime)
    for r in rs:
        r.case.id = f"{r.case.id}.{i}"
    resultlib.save_last_run(RunResults([runtime], {runtime: {}}, rs), root)
"""


def test_two_runs_at_once_keep_both_in_last_run(tmp_path):
    n = 30
    procs = [subprocess.Popen([sys.executable, "-c", LAST_RUN_WRITER, str(tmp_path), runtime,
                               str(n)], cwd=ROOT) for runtime in ("tf1.15", "tf2")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    data = resultlib.load_last_run(tmp_path)
    lost = [(case_id, rt) for i in range(n) for case_id in (f"t.one.{i}", f"t.two.{i}")
            for rt in ("tf1.15", "tf2") if rt not in data["results"].get(case_id, {})]
    assert not lost, f"{len(lost)} results lost, e.g. {lost[:3]}"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[tool.tfscope]\ncases = ['cases']\n")
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "t.yaml").write_text(TEXT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_record_without_paths_refuses_in_one_line(project, capsys):
    assert cli.main(["record"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "name them" in err[0] and "--last-run" in err[0]
    assert (project / "cases" / "t.yaml").read_text() == TEXT


def test_record_last_run_writes_only_what_changed_without_tensorflow(project, capsys):
    resultlib.save_last_run(RunResults(["tf1.15"], {"tf1.15": {"tensorflow": "1.15.5"}},
                                       results("cases/t.yaml")), project)
    # No runtime is usable here: --last-run must not start TensorFlow.
    os.environ["TFSCOPE_RUNTIME_TF1_15"] = "/no/such/python"
    try:
        assert cli.main(["record", "--last-run"]) == 0
        out = capsys.readouterr().out
        assert "recorded 2 of 2 case(s)" in out
        first = (project / "cases" / "t.yaml").read_text()
        assert "tf1.15:" in first and first.startswith(TEXT.split("  expect: {}")[0])
        assert cli.main(["record", "--last-run"]) == 0
        assert "nothing to record" in capsys.readouterr().out
        assert (project / "cases" / "t.yaml").read_text() == first
    finally:
        del os.environ["TFSCOPE_RUNTIME_TF1_15"]


def test_record_on_tf115_refuses_a_flow_case_and_keeps_crlf(tf115, tmp_path):
    good = tmp_path / "a.yaml"
    good.write_bytes(one_case("t.a", "\r\n", final=False).encode())
    good.chmod(0o600)
    flow = tmp_path / "b.yaml"
    flow.write_text("{id: t.b, title: t, source: {doc: d, quote: q}, program: "
                    "[{get_variable: {name: v, shape: [1], as: v}}], expect: {v.name: v:0}}\n")
    before = good.read_bytes()
    proc = tfscope("record", str(good), str(flow), "--runtime", "tf1.15", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "flow style" in proc.stderr and "no file was changed" in proc.stderr
    assert good.read_bytes() == before
    proc = tfscope("record", str(good), "--runtime", "tf1.15", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "recorded 1 of 1 case(s)" in proc.stdout
    new = good.read_bytes()
    assert new.startswith(before + b"\r\n") and b"\n" not in new.replace(b"\r\n", b"")
    assert not new.endswith(b"\n") and stat.S_IMODE(good.stat().st_mode) == 0o600
    assert b"v.name: foo/v:0" in new.split(b"observed:")[1]
