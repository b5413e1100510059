"""Scale-out without a scheduler: `tfscope run --shard K/N` on each machine, `tfscope report
--results` merging their files into the report one machine running everything writes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from harness import cases as caselib
from harness.cli import main
from harness.shards import Shard, parse

ROOT = Path(__file__).resolve().parent.parent
SUBSET = ("tf-tests", "examples")


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A project holding a part of the corpus, configured for tf1.15 and tf2."""
    for folder in SUBSET:
        shutil.copytree(ROOT / "cases" / folder, tmp_path / "cases" / folder)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tfscope]\ncases = ["cases"]\nruntimes = ["tf1.15", "tf2"]\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pages(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*.md"))}


def test_three_shards_on_two_runtimes_merge_into_the_report_of_one_run(
        project, tf115, pytestconfig, capsys):
    from tests.conftest import provision
    provision(pytestconfig, "tf2")
    files = []
    for runtime in ("tf1.15", "tf2"):  # a CI matrix: a job per runtime and shard
        for k in (1, 2, 3):
            out = project / "results" / f"{runtime}-{k}.json"
            out.parent.mkdir(exist_ok=True)
            main(["run", "-q", "--runtime", runtime, "--shard", f"{k}/3", "--json", str(out)])
            files.append(str(out))
    ran = [{r["id"] for r in json.loads(Path(f).read_text())["results"]} for f in files[:3]]
    cases, _ = caselib.load([project / "cases"])
    assert all(ran) and set.union(*ran) == {c.id for c in cases}  # every case, once
    assert sum(map(len, ran)) == len(cases)
    # The report's header says how it is rebuilt (the output path included): the same -o.
    report = ["report", "--runtime", "tf1.15,tf2", "-o", "out/report.md", "--details"]
    assert main(report) == 0
    (project / "out").rename(project / "single")
    assert main([*report, "--results", *files]) == 0
    single, merged = pages(project / "single"), pages(project / "out")
    assert len(single) > 1 and single == merged
    # Files given in another order, or one given twice, make the same report.
    shutil.rmtree(project / "out")
    assert main([*report, "--results", *reversed(files), files[0]]) == 0
    assert pages(project / "out") == single
    capsys.readouterr()

    # A missing shard, a conflicting duplicate, a stale result: one line each, exit 2.
    assert main(["report", "--runtime", "tf1.15,tf2", "-o", "x.md", "--results",
                 *files[1:]]) == 2
    assert "no result for" in capsys.readouterr().err
    tampered = json.loads(Path(files[0]).read_text())
    tampered["results"][0]["verdict"] = "fail"
    (project / "tampered.json").write_text(json.dumps(tampered))
    assert main(["report", "--runtime", "tf1.15,tf2", "-o", "x.md", "--results", *files,
                 "tampered.json"]) == 2
    err = capsys.readouterr().err
    assert "conflicting results for" in err and "tampered.json" in err
    assert len(err.strip().splitlines()) == 1
    assert not (project / "x.md").exists()


def test_the_split_is_by_id_and_stable():
    ids = [f"folder.case-{i}" for i in range(300)]
    parts = [[i for i in ids if Shard(k, 3).holds(i)] for k in (1, 2, 3)]
    assert sorted(sum(parts, [])) == sorted(ids)  # each id in exactly one part
    assert all(60 < len(p) < 140 for p in parts)  # and the parts are about even
    # Removing cases moves no other case to another part (a position would).
    assert [[i for i in ids[::2] if Shard(k, 3).holds(i)] for k in (1, 2, 3)] == \
        [[i for i in p if i in ids[::2]] for p in parts]


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error(text, capsys):
    with pytest.raises(Exception, match="expected K/N"):
        parse(text)
    assert main(["run", "--shard", text]) == 2
    assert "expected K/N" in capsys.readouterr().err


def test_a_results_file_that_is_not_one_is_refused(project, capsys, tmp_path):
    (tmp_path / "bad.json").write_text("{")
    assert main(["report", "-o", "x.md", "--results", str(tmp_path / "bad.json")]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "invalid JSON" in err and "Traceback" not in err


GOOD_ENTRY = {"id": "q.a", "runtime": "tf1.15", "verdict": "conforms", "facts": {},
              "error": None, "diff": [], "reason": None}


@pytest.mark.parametrize("change, message", [
    ({"verdict": "pwned"}, "result 1 (q.a [tf1.15]) has an unknown verdict 'pwned'"),
    ({"verdict": None}, "has an unknown verdict 'None'"),
    ({"diff": "x"}, "result 1 (q.a [tf1.15]): its `diff` is no list"),
    ({"diff": [1]}, "an item of its `diff` is no mapping of fact, expected and actual"),
    ({"facts": []}, "its `facts` is no mapping"),
    ({"error": "boom"}, "its `error` is no mapping"),
    ({"id": 7}, "result 1 has no `id`"),
])
def test_a_tampered_result_is_refused_in_one_line(tmp_path, change, message):
    # each was an internal error (KeyError, TypeError) when the report was made
    from harness.errors import UserError
    from harness.results import merge_results
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"format": 1, "runtimes": {"tf1.15": {}},
                                "results": [dict(GOOD_ENTRY, **change)]}))
    with pytest.raises(UserError, match=re.escape(message)):
        merge_results([str(path)], [], ["tf1.15"])


def test_a_results_file_nested_too_deep_is_refused(tmp_path):
    from harness.errors import UserError
    from harness.results import merge_results
    path = tmp_path / "r.json"
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(UserError, match="not a results file: JSON nested too deep"):
        merge_results([str(path)], [], ["tf1.15"])
