"""The markdown report: sections, determinism and formatting from hand-built results (recorded
observations, unit level), plus the freshness check of the committed report against real TF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import cases as caselib
from harness.cli import main
from harness.compare import Outcome, judge
from harness.config import load_config, report_runtimes
from harness.report import ClaimIndex, load_claims, mermaid_tree, render_report
from harness.runner import Result, RunResults, run_cases
from harness.runtimes import resolve

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "reports" / "behaviour.md"
HISTORY = ROOT / "reports" / "history.md"
REFRESH = "run `tfscope report` (or `make report`) to refresh it"

CASES = """
- id: t.loop
  title: the example's tf.Variable names
  source: {doc: article, quote: "v2 name: foo_1/bar/var2:0", where: results}
  tags: [example, diagram]
  program:
    - repeat: 2
      do:
        - variable_scope: {name_or_scope: foo, as: scope}
          do:
            - name_scope: {name: bar}
              do:
                - get_variable: {name: var1, shape: [1], as: v1}
                - variable: {initial_value: [2.0], name: var2, as: v2}
  expect:
    v2.name: [foo/bar/var2:0, foo_1/bar/var2:0]
- id: t.suffix
  title: repeated default names get digits
  source:
    doc: article
    quote: "[1,2,...] is automatically added after the default name when it is accessed many
      times, and this sentence goes on for a long while so that it has to be cut | in the table"
    reading: literal digits, no separator
  tags: [variable_scope]
  program:
    - repeat: 2
      do:
        - variable_scope: {name_or_scope: null, default_name: V0, as: s}
  expect:
    s.name: [V0, V01]
  deviations:
    - observed: {s.name: [V0, V0_1]}
      reason: TF separates the number with an underscore (V0_1).
- id: t.error
  title: get_variable twice raises
  source: {doc: tf-docstring, quote: "raises ValueError if it exists"}
  tags: [get_variable]
  program:
    - get_variable: {name: w, shape: [1]}
    - get_variable: {name: w, shape: [1], as: w2}
  expect:
    error: {type: ValueError, message: already exists, step: w2}
"""

FACTS = {
    "t.loop": Outcome(facts={
        "v2.name": ["foo/bar/var2:0", "foo_1/bar/var2:0"],
        "v1.name": ["foo/var1:0", "foo/var1:0"],
        "scope.name": ["foo", "foo"], "scope.original_name_scope": ["foo/", "foo_1/"],
        "graph.global_variables": ["foo/var1:0", "foo/bar/var2:0", "foo_1/bar/var2:0"],
        "graph.ops": ["foo/var1/Initializer/zeros", "foo/var1", "foo/var1/Assign",
                      "foo/var1/read", "foo/bar/var2/initial_value", "foo/bar/var2",
                      "foo/bar/var2/Assign", "foo/bar/var2/read", "foo_1/bar/var2/initial_value",
                      "foo_1/bar/var2", "foo_1/bar/var2/Assign", "foo_1/bar/var2/read"]}),
    "t.suffix": Outcome(facts={"s.name": ["V0", "V0_1"]}),
    "t.error": Outcome(facts={}, error={
        "type": "ValueError", "bases": ["Exception"], "step": "program[1]", "label": "w2",
        "line": 7, "message": "Variable w already exists, disallowed.\nOriginally defined at:\n"
                              "  File \"/home/someone/x.py\", line 1"}),
}
INFO = {"tensorflow": "1.15.5", "python": "3.7.16", "platform": "Linux-test-x86_64",
        "executable": "/abs/path/python"}


@pytest.fixture
def run(write_case, tmp_path, monkeypatch) -> RunResults:
    monkeypatch.chdir(tmp_path)
    path = write_case(CASES, "cases/t.yaml")
    cases, errors = caselib.load([path])
    assert not errors
    results = RunResults(["tf1.15"], info={"tf1.15": dict(INFO, runtime="tf1.15")})
    for case in cases:
        outcome = FACTS[case.id]
        results.results.append(Result(case, "tf1.15", outcome, judge(case, "tf1.15", outcome)))
    return results


def render(run: RunResults, tmp_path: Path, claims=None) -> str:
    return render_report(run, tmp_path, tmp_path / "reports" / "behaviour.md", claims)


def test_sections_come_in_the_documented_order(run, tmp_path):
    text = render(run, tmp_path)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Summary", "## Compatibility matrix", "## Changes between versions",
                        "## Claims", "## Article errata", "## Name trees", "## Cases by topic"]
    assert "| tf1.15    | 1.15.5       | 3.7.16   | `Linux-test-x86_64` |" in text


def test_the_same_results_give_the_same_bytes_without_time_or_path_noise(run, tmp_path):
    first = render(run, tmp_path)
    run.results.reverse()  # result order must not matter
    run.info["tf1.15"] = dict(reversed(list(run.info["tf1.15"].items())))
    assert render(run, tmp_path) == first
    assert str(tmp_path) not in first and "/abs/path" not in first
    assert "/home/someone" not in first  # TF's "Originally defined at" tail is cut
    assert not re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d", first)


def test_claims_table_has_one_row_per_case_with_symbol_verdicts(run, tmp_path):
    text = render(run, tmp_path)
    every = text.split("### Every case", 1)[1].split("## Article errata", 1)[0]
    rows = [line for line in every.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 3
    assert "✅ conforms" in every and "⚠️ deviates" in every
    # Long quotes are cut in the table (pipes escaped); the full text is in the case section.
    suffix_row = next(r for r in rows if "case-t-suffix" in r)
    assert "…" in suffix_row and "in the table" not in suffix_row
    assert "so that it has to be cut \\| in the table" in text


def test_errata_list_article_claims_tf_does_not_bear_out_with_what_tf_does(run, tmp_path):
    text = render(run, tmp_path)
    errata = text.split("## Article errata", 1)[1].split("## Name trees", 1)[0]
    assert "**E1.**" in errata and "**E2.**" not in errata
    assert "TF separates the number with an underscore" in errata
    assert "`['V0', 'V01']`" in errata and "`['V0', 'V0_1']`" in errata
    assert "(#case-t-suffix)" in errata
    assert "t.error" not in errata  # conforms, and not from the article


def test_case_sections_group_by_topic_with_code_facts_and_reasons(run, tmp_path):
    text = render(run, tmp_path)
    cases = text.split("## Cases by topic", 1)[1]
    topics = re.findall(r"^### (.*)$", cases, re.M)
    assert topics == ["The article's code example", "tf.variable_scope", "tf.get_variable"]
    assert '<a id="case-t-loop"></a>' in cases
    assert "```python\nimport tensorflow as tf  # TensorFlow 1.x\n\nfor i in range(2):\n" in cases
    assert "| `s.name` | `['V0', 'V01']`" in re.sub(r" +", " ", cases)
    assert "⚠️ `['V0', 'V0_1']`" in cases
    assert "**What TensorFlow does instead** (tf1.15): TF separates" in cases
    assert "raises `ValueError` saying “already exists” at `w2`" in cases
    # Links to the case file, relative to the report.
    assert "[cases/t.yaml:1](../cases/t.yaml#L1)" in cases


def test_article_claims_index_in_reading_order(run, tmp_path):
    claims = [ClaimIndex("article", [
        {"n": 1, "where": "intro", "text": "based on tf1.13", "checkable": False,
         "why": "names a version"},
        {"n": 2, "where": "results", "text": "v2 name: foo_1/bar/var2:0", "cases": ["t.loop"]},
        {"n": 3, "where": "default_name", "text": "[1,2,...] is added",
         "cases": ["t.suffix", "t.loop"]},
    ], "claims/article.yaml")]
    text = render(run, tmp_path, claims)
    section = text.split("### The article, statement by statement", 1)[1].split("###", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert [r.split("|")[1].strip() for r in rows[1:]] == ["1", "2", "3"]
    assert "*not checkable:* names a version" in rows[1]
    assert "✅ holds" in rows[2] and "✅⚠️ partly" in rows[3]


def test_mermaid_tree_shows_scopes_variables_and_hides_variable_internals(run):
    case = next(r.case for r in run.results if r.case.id == "t.loop")
    tree = mermaid_tree(FACTS["t.loop"].facts, case)
    assert tree.startswith("graph TD\n")
    assert "Assign" not in tree and "read" not in tree and "Initializer" not in tree
    assert '["foo/"]' in tree and '["foo_1/"]' in tree and '[("var2")]' in tree
    ids = re.findall(r"^\s+(\S+?)[\[(]", tree, re.M)
    assert all(re.fullmatch(r"n\d+", i) for i in ids)
    assert len(ids) == len(set(ids))


def test_report_command_leaves_the_previous_report_when_cases_are_invalid(tmp_path, monkeypatch,
                                                                         write_case, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.tfscope]\ncases = ['cases']\n")
    write_case("id: broken\n", "cases/bad.yaml")
    out = tmp_path / "reports" / "behaviour.md"
    out.parent.mkdir()
    out.write_text("previous\n")
    assert main(["report"]) == 2
    assert out.read_text() == "previous\n"
    assert "no report written" in capsys.readouterr().err


def test_claims_index_with_a_wrong_shape_is_a_located_input_error(tmp_path):
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "article.yaml").write_text("claims: {n: 1}\n")
    with pytest.raises(Exception) as info:
        load_claims(tmp_path / "claims")
    assert "claims/article.yaml" in str(info.value)


# --- the committed report ------------------------------------------------------------------------

def _without_platform(text: str) -> str:
    """The runtime table's platform column names the machine, not TF: leave it out of the
    comparison (TensorFlow and Python versions are checked separately)."""
    return re.sub(r"(Checked on:\n\n)(\|.*\n)+", r"\1<runtimes>\n", text)


def test_committed_report_is_current(tf115, monkeypatch):
    """Regenerated as `tfscope report` does: the configured cases, runtimes and claims."""
    monkeypatch.chdir(ROOT)
    config = load_config(ROOT)
    cases, errors = caselib.load([ROOT / p for p in config.cases])
    assert not errors, f"invalid cases: {errors[0]}"
    run = run_cases(cases, [resolve(name) for name in report_runtimes(config)])
    fresh = render_report(run, ROOT, ROOT / config.report, load_claims(ROOT / "claims"),
                          caselib.digest([ROOT / p for p in config.cases], ROOT))
    assert COMMITTED.is_file(), f"{COMMITTED.relative_to(ROOT)} is missing: {REFRESH}"
    committed = COMMITTED.read_text(encoding="utf-8")
    for name, info in run.info.items():
        assert f"| {name} " in committed and f"| {info['tensorflow']} " in committed \
            and f"| {info['python']} " in committed, \
            f"reports/behaviour.md was made with another TensorFlow or Python: {REFRESH}"
    if _without_platform(fresh) != _without_platform(committed):
        old, new = _without_platform(committed).splitlines(), _without_platform(fresh).splitlines()
        first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b),
                     min(len(old), len(new)))
        pytest.fail(f"reports/behaviour.md is out of date with the cases (first difference at "
                    f"line {first + 1}): {REFRESH}", pytrace=False)


def two_versions(run: RunResults, old: str = "tf1.13", new: str = "tf1.15") -> RunResults:
    """The same cases on an older runtime too, where t.loop's second scope is named foo_2 and
    t.error raises another message."""
    out = RunResults([new, old], info={new: dict(INFO, runtime=new),
                                       old: dict(INFO, runtime=old, tensorflow="1.13.2")})
    for r in run.results:
        facts = dict(r.outcome.facts)
        error = r.outcome.error
        if r.case.id == "t.loop":
            facts["v2.name"] = ["foo/bar/var2:0", "foo_2/bar/var2:0"]
        if error:
            error = dict(error, message="Variable w exists at 0x7f00aa.")
        outcome = Outcome(facts=facts, error=error)
        out.results.append(r)
        out.results.append(Result(r.case, old, outcome, judge(r.case, old, outcome, "1.13.2")))
    return out


def test_matrix_has_a_column_per_runtime_in_version_order_and_rows_by_topic(run, tmp_path):
    text = render(two_versions(run), tmp_path)
    matrix = text.split("## Compatibility matrix", 1)[1].split("\n## ", 1)[0]
    header = next(line for line in matrix.splitlines() if line.startswith("| "))
    assert header.index("tf1.13") < header.index("tf1.15")  # given as tf1.15, tf1.13
    rows = [line for line in matrix.splitlines() if line.startswith("| ") and "---" not in line]
    assert "**The article's code example**" in rows[1]
    loop = next(r for r in rows if "case-t-loop" in r)
    assert loop.count("❌") == 1 and loop.count("✅") == 1  # fails on tf1.13 only
    assert re.search(r"❌.*✅", loop)
    # The summary keeps a column per runtime even where every runtime agrees.
    summary = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert "tf1.13" in summary and "tf1.15" in summary


def test_changes_between_versions_lists_every_differing_fact(run, tmp_path):
    text = render(two_versions(run), tmp_path)
    changes = text.split("## Changes between versions", 1)[1].split("\n## ", 1)[0]
    assert "### tf1.13 → tf1.15" in changes
    rows = [line for line in changes.splitlines() if line.startswith("| [")]
    assert len(rows) == 2
    assert "`v2.name`" in rows[0] and "foo_2/bar/var2:0" in rows[0]
    assert "`error`" in rows[1] and "Variable w exists" in rows[1]
    assert render(two_versions(run), tmp_path) == text  # deterministic


def test_claims_tables_keep_a_column_per_runtime(run, tmp_path):
    both = two_versions(run)
    for r in list(both.results):  # make both runtimes agree: no column may fold
        if r.runtime == "tf1.13":
            both.results.remove(r)
    both.results += [Result(r.case, "tf1.13", r.outcome, r.verdict) for r in run.results]
    text = render(both, tmp_path)
    every = text.split("### Every case", 1)[1].split("## Article errata", 1)[0]
    assert "| tf1.13 " in every and "all 2 runtimes" not in every
    cases = text.split("## Cases by topic", 1)[1]
    assert "all 2 runtimes" in cases  # fact tables still fold


def test_unavailable_runtimes_are_listed_with_the_reason(run, tmp_path):
    run.unavailable = {"tf1.0": "no wheel for this platform"}
    text = render(run, tmp_path)
    assert "| tf1.0 " in text.split("## Summary")[0]
    assert "no wheel for this platform" in text.split("## Changes between versions")[0]


def test_history_report_was_built_from_the_current_cases():
    """reports/history.md takes every runtime (TF 1.0 to 2), too long for every test run: its
    digest of the case files must match the cases as they are (no TensorFlow needed)."""
    refresh = "run `make history` (`tfscope report --runtime all -o reports/history.md`)"
    assert HISTORY.is_file(), f"reports/history.md is missing: {refresh}"
    text = HISTORY.read_text(encoding="utf-8")
    found = re.search(r"<!-- cases digest: (sha256:[0-9a-f]{64}) -->", text)
    assert found, f"reports/history.md records no cases digest: {refresh}"
    config = load_config(ROOT)
    assert found.group(1) == caselib.digest([ROOT / p for p in config.cases], ROOT), \
        f"reports/history.md was built from other cases than those in cases/: {refresh}"
    assert "`make history`" in text


def test_digest_follows_case_content_paths_and_selection(tmp_path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a.yaml").write_text("a: 1\n")
    first = caselib.digest([tmp_path / "cases"], tmp_path)
    assert first == caselib.digest([tmp_path / "cases"], tmp_path)
    assert first.startswith("sha256:")
    (tmp_path / "cases" / "a.yaml").write_text("a: 2\n")
    changed = caselib.digest([tmp_path / "cases"], tmp_path)
    assert changed != first
    (tmp_path / "cases" / "a.yaml").rename(tmp_path / "cases" / "b.yaml")
    assert caselib.digest([tmp_path / "cases"], tmp_path) != changed
    assert caselib.digest([tmp_path / "cases"], tmp_path, "loop") != \
        caselib.digest([tmp_path / "cases"], tmp_path)


def test_runtime_columns_fold_only_when_every_runtime_agrees():
    from harness.report import Report
    run = RunResults(["a", "b"])
    report = Report(run, ROOT, ROOT / "reports" / "x.md", [])
    same = report.per_runtime_table(["fact", "says", "a", "b"], [["f", "x", "✅", "✅"]], 2)
    assert "all 2 runtimes" in same and "| a " not in same
    differ = report.per_runtime_table(["fact", "says", "a", "b"],
                                      [["f", "x", "✅", "✅"], ["g", "y", "✅", "❌"]], 2)
    assert "all 2 runtimes" not in differ and "| a " in differ and "| b " in differ


def test_many_runtimes_show_verdict_symbols_alone_and_json_lists_the_unavailable(run, tmp_path):
    from harness.results import to_data
    names = ["tf1.11", "tf1.12", "tf1.13", "tf1.14", "tf1.15"]
    wide = RunResults(list(reversed(names)), info={
        n: dict(INFO, runtime=n, tensorflow=n[2:] + ".0") for n in names},
        unavailable={"tf1.0": "no wheel"})
    for r in run.results:
        wide.results += [Result(r.case, n, r.outcome, r.verdict) for n in names]
    text = render(wide, tmp_path)
    every = text.split("### Every case", 1)[1].split("## Article errata", 1)[0]
    assert "✅ conforms" not in every and "| ✅ " in every.replace("  ", " ")
    header = next(line for line in every.splitlines() if line.startswith("| #"))
    assert [h.strip() for h in header.split("|")[4:9]] == names  # version order
    assert to_data(wide)["unavailable"] == {"tf1.0": "no wheel"}
