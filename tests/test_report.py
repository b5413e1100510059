"""The markdown report: sections, pages, links, determinism and formatting from hand-built
results (recorded observations, unit level), plus the freshness check of the committed report
against real TF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import cases as caselib
from harness import report as reportlib
from harness.cli import main, write_pages
from harness.compare import Outcome, judge
from harness.config import load_config, report_runtimes
from harness.report import ClaimIndex, load_claims, mermaid_tree, render_pages
from harness.runner import Result, RunResults, run_cases

from .conftest import provision

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "reports" / "behaviour.md"
COMMITTED_CASES = ROOT / "reports" / "cases"
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


def pages(run: RunResults, tmp_path: Path, claims=None, **options) -> dict[str, str]:
    return render_pages(run, tmp_path, tmp_path / "reports" / "behaviour.md", claims, **options)


def render(run: RunResults, tmp_path: Path, claims=None) -> str:
    """The overview page."""
    return pages(run, tmp_path, claims)["behaviour.md"]


def details(run: RunResults, tmp_path: Path) -> str:
    """The one detail page of the fixture's cases (all in cases/t.yaml)."""
    return pages(run, tmp_path)["cases/cases.md"]


def targets(text: str) -> dict[str, str]:
    """A page's link targets: reference definitions, by label."""
    return dict(re.findall(r"^\[(c\d+)\]: (\S+)$", text, re.M))


def broken_links(folder: Path, texts: dict[str, str]) -> list[str]:
    """Every relative link of the pages (inline and by reference) whose file is missing, or
    whose #anchor is not an id of that page (markdown pages) or a line of it (#Ln)."""
    bad = []
    for name, text in texts.items():
        links = re.findall(r"\]\(([^)\s]+)\)", text) + list(targets(text).values())
        for link in links:
            path, _, anchor = link.partition("#")
            if re.match(r"[a-z]+:", path):
                continue
            target = (folder / name).parent / path if path else folder / name
            if not target.is_file():
                bad.append(f"{name}: {link} (no such file)")
                continue
            if not anchor:
                continue
            content = target.read_text(encoding="utf-8")
            heading_ids = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                           for h in re.findall(r"^#+ (.*)$", content, re.M)}
            ok = (f'<a id="{anchor}"></a>' in content or anchor in heading_ids
                  or (target.suffix != ".md" and re.fullmatch(r"L\d+", anchor)))
            if not ok:
                bad.append(f"{name}: {link} (no such anchor)")
    return bad


def test_sections_come_in_the_documented_order(run, tmp_path):
    text = render(run, tmp_path)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Summary", "## Compatibility matrix", "## Changes between versions",
                        "## Claims", "## Article errata", "## Name trees", "## Cases"]
    assert "| tf1.15 | 1.15.5 | 3.7.16 | `Linux-test-x86_64` |" in text
    assert "<!-- Generated by " in text


def test_the_same_results_give_the_same_bytes_without_time_or_path_noise(run, tmp_path):
    first = pages(run, tmp_path)
    run.results.reverse()  # result order must not matter
    run.info["tf1.15"] = dict(reversed(list(run.info["tf1.15"].items())))
    assert pages(run, tmp_path) == first
    text = "".join(first.values())
    assert str(tmp_path) not in text and "/abs/path" not in text
    assert "/home/someone" not in text  # TF's "Originally defined at" tail is cut
    assert not re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d", text)


def test_overview_and_a_detail_page_per_case_folder_with_every_link_resolving(run, tmp_path):
    written = pages(run, tmp_path)
    assert list(written) == ["behaviour.md", "cases/cases.md"]  # cases/t.yaml: folder `cases`
    overview, page = written.values()
    assert "```python" not in overview and "## Cases by topic" not in overview
    assert targets(overview) == {"c1": "cases/cases.md#case-t-loop",
                                 "c2": "cases/cases.md#case-t-suffix",
                                 "c3": "cases/cases.md#case-t-error"}
    assert "](../behaviour.md)" in page and "[compatibility matrix](../behaviour.md#" in page
    write_pages(tmp_path / "reports", written, prune=True)
    assert broken_links(tmp_path / "reports", written) == []


def test_index_has_one_row_per_case_by_folder_and_topic_with_verdicts(run, tmp_path):
    text = render(run, tmp_path)
    index = text.split("\n## Cases", 1)[1]
    assert "### cases/" in index and "3 cases, in detail on: [`cases/`](cases/cases.md)" in index
    rows = [line for line in index.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 3 + 3  # header, a row per topic, a row per case
    assert "✅ conforms" in index and "⚠️ deviates" in index and "`t.suffix`" in index
    # Long quotes are cut in the table (pipes escaped); the full text is on the case's page.
    suffix_row = next(r for r in rows if "`t.suffix`" in r)
    assert "…" in suffix_row and "in the table" not in suffix_row
    assert "so that it has to be cut \\| in the table" in details(run, tmp_path)


def test_errata_list_article_claims_tf_does_not_bear_out_with_what_tf_does(run, tmp_path):
    text = render(run, tmp_path)
    errata = text.split("## Article errata", 1)[1].split("## Name trees", 1)[0]
    assert "**E1.**" in errata and "**E2.**" not in errata
    assert "TF separates the number with an underscore" in errata
    # The article's column holds only what the source prints or says (`stated`): t.suffix's
    # V01 is a reading's prediction, so it shows "—" (docs/case-format.md, "Readings").
    assert "| `s.name` | — | `['V0', 'V0_1']` |" in errata and "V01" not in errata
    assert "[case 2][c2]" in errata and targets(text)["c2"] == "cases/cases.md#case-t-suffix"
    assert "t.error" not in errata  # conforms, and not from the article


def test_case_sections_group_by_topic_with_code_facts_and_reasons(run, tmp_path):
    cases = details(run, tmp_path)
    topics = re.findall(r"^## (.*)$", cases, re.M)
    assert topics == ["The article's code example", "tf.variable_scope", "tf.get_variable"]
    assert re.findall(r"^### (\d+)\. ", cases, re.M) == ["1", "2", "3"]
    assert '<a id="case-t-loop"></a>' in cases
    assert "```python\nimport tensorflow as tf  # TensorFlow 1.x\n\nfor i in range(2):\n" in cases
    assert "| `s.name` | `['V0', 'V01']`" in cases
    assert "⚠️ `['V0', 'V0_1']`" in cases
    assert "**What TensorFlow does instead** (tf1.15): TF separates" in cases
    assert "raises `ValueError` saying “already exists” at `w2`" in cases
    # Links to the case file, relative to the page (reports/cases/).
    assert "[cases/t.yaml:1](../../cases/t.yaml#L1)" in cases


def test_a_folder_page_over_the_limit_is_split_by_topic_then_into_parts(run, tmp_path,
                                                                       monkeypatch):
    for r in run.results:
        if r.case.id == "t.error":
            r.case.tags = ["variable_scope"]  # two cases in one topic, to split into parts
    whole = len(details(run, tmp_path).encode())
    written = {}
    for limit in (whole - 1, 10):
        monkeypatch.setattr(reportlib.pages, "PAGE_LIMIT", limit)
        written[limit] = pages(run, tmp_path)
    by_topic, parts = written.values()
    assert list(by_topic) == ["behaviour.md", "cases/cases-example.md",
                              "cases/cases-variable-scope.md"]
    assert by_topic["cases/cases-example.md"].startswith(
        "# Cases in detail: `cases/`, The article's code example\n")
    assert "[`cases/`, tf.variable_scope](cases/cases-variable-scope.md)" \
        in by_topic["behaviour.md"]
    # A topic still too big goes into parts (a case each here: every case is over 10 bytes).
    assert list(parts) == ["behaviour.md", "cases/cases-example.md",
                           "cases/cases-variable-scope-1.md", "cases/cases-variable-scope-2.md"]
    assert "(part 2 of 2)" in parts["cases/cases-variable-scope-2.md"].splitlines()[0]
    for written_pages in (by_topic, parts):
        shown = "".join(list(written_pages.values())[1:])
        assert [shown.count(f'<a id="case-{c}"></a>') for c in ("t-loop", "t-suffix", "t-error")] \
            == [1, 1, 1]
        folder = tmp_path / f"split-{len(written_pages)}"
        write_pages(folder, written_pages, prune=True)
        assert broken_links(folder, written_pages) == []


def test_without_details_the_overview_links_each_case_to_its_file(run, tmp_path):
    written = pages(run, tmp_path, details=False)
    assert list(written) == ["behaviour.md"]
    assert targets(written["behaviour.md"])["c1"] == "../cases/t.yaml#L1"
    assert "overview only" in written["behaviour.md"]
    headings = re.findall(r"^## (.*)$", written["behaviour.md"], re.M)
    assert headings[-1] == "Name trees" and "[Cases](#cases)" not in written["behaviour.md"]
    write_pages(tmp_path / "reports", written, prune=False)
    assert broken_links(tmp_path / "reports", written) == []


def test_writing_pages_removes_the_generated_pages_it_no_longer_writes(tmp_path):
    folder = tmp_path / "reports"
    stale = folder / "cases" / "old-folder.md"
    mine = folder / "cases" / "notes.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("# Cases\n\n<!-- Generated by `tfscope report` ... -->\n")
    mine.write_text("# my notes\n")
    written = {"behaviour.md": "x\n", "cases/new.md": "y\n"}
    assert write_pages(folder, written, prune=False) == [] and stale.exists()
    assert write_pages(folder, written, prune=True) == [stale]
    assert not stale.exists() and mine.exists()  # never a file tfscope did not write
    assert (folder / "cases" / "new.md").read_text() == "y\n"


def test_article_claims_index_in_reading_order(run, tmp_path):
    claims = [ClaimIndex("article", [
        {"n": 1, "where": "intro", "text": "based on tf1.13", "checkable": False,
         "why": "names a version"},
        {"n": 2, "where": "results", "text": "v2 name: foo_1/bar/var2:0", "cases": ["t.loop"]},
        {"n": 3, "where": "default_name", "text": "[1,2,...] is added",
         "cases": ["t.suffix", "t.loop"]},
    ], "claims/article.yaml")]
    text = render(run, tmp_path, claims)
    section = text.split("### The article, statement by statement", 1)[1].split("\n## ", 1)[0]
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


def test_committed_report_is_current(tf115, monkeypatch, pytestconfig):
    """Regenerated as `tfscope report` does: the configured cases, runtimes and claims; every
    page (the overview and reports/cases/*.md), and no page it would not write."""
    monkeypatch.chdir(ROOT)
    config = load_config(ROOT)
    cases, errors = caselib.load([ROOT / p for p in config.cases])
    assert not errors, f"invalid cases: {errors[0]}"
    run = run_cases(cases, [provision(pytestconfig, name) for name in report_runtimes(config)])
    out = ROOT / config.report
    fresh = render_pages(run, ROOT, out, load_claims(ROOT / "claims"),
                         caselib.digest([ROOT / p for p in config.cases], ROOT))
    assert COMMITTED.is_file(), f"{COMMITTED.relative_to(ROOT)} is missing: {REFRESH}"
    committed = COMMITTED.read_text(encoding="utf-8")
    for name, info in run.info.items():
        assert f"| {name} " in committed and f"| {info['tensorflow']} " in committed \
            and f"| {info['python']} " in committed, \
            f"reports/behaviour.md was made with another TensorFlow or Python: {REFRESH}"
    shown = {name: (out.parent / name).relative_to(ROOT).as_posix() for name in fresh}
    details = out.parent / reportlib.DETAILS
    found = {p.relative_to(out.parent).as_posix() for p in details.glob("*")} \
        if details.is_dir() else set()
    leftover = sorted((out.parent / p).relative_to(ROOT).as_posix() for p in found - set(fresh))
    assert not leftover, f"pages the report no longer writes: {leftover}: {REFRESH}"
    for name, text in fresh.items():
        path = out.parent / name
        assert path.is_file(), f"{shown[name]} is missing: {REFRESH}"
        page = path.read_text(encoding="utf-8")
        if _without_platform(text) != _without_platform(page):
            old, new = _without_platform(page).splitlines(), _without_platform(text).splitlines()
            first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b),
                         min(len(old), len(new)))
            pytest.fail(f"{shown[name]} is out of date with the cases (first difference at "
                        f"line {first + 1}): {REFRESH}", pytrace=False)


@pytest.mark.parametrize("name", ["behaviour.md", "history.md"])
def test_committed_pages_are_small_and_their_links_resolve(name):
    """No TensorFlow needed: the committed pages as they are."""
    folder = ROOT / "reports"
    texts = {name: (folder / name).read_text(encoding="utf-8")}
    if name == "behaviour.md":
        texts.update({f"cases/{p.name}": p.read_text(encoding="utf-8")
                      for p in sorted((folder / "cases").glob("*.md"))})
    for page, text in texts.items():
        assert len(text.encode("utf-8")) < 500_000, f"reports/{page} is too big to read"
    assert broken_links(folder, texts) == []


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
    assert "**cases/**" in rows[1] and "*The article's code example*" in rows[2]
    loop = next(r for r in rows if r.startswith("| [1][c1] |"))
    assert loop.count("❌") == 1 and loop.count("✅") == 1  # fails on tf1.13 only
    assert re.search(r"❌.*✅", loop)
    # The summary keeps a column per runtime even where every runtime agrees.
    summary = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert "tf1.13" in summary and "tf1.15" in summary


def test_changes_between_versions_lists_every_differing_fact(run, tmp_path):
    text = render(two_versions(run), tmp_path)
    changes = text.split("## Changes between versions", 1)[1].split("\n## ", 1)[0]
    assert "### tf1.13 → tf1.15" in changes
    assert "2 facts in 2 cases, 2 distinct changes: 2 in behaviour." in changes
    rows = [line for line in changes.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0] == "| tf1.13 | tf1.15 | cases (facts) |"
    # The exception first (it explains the facts around it), then the rest by frequency.
    assert "Variable w exists" in rows[1] and rows[1].endswith("| [3][c3] `error` |")
    assert "foo_2/bar/var2:0" in rows[2] and rows[2].endswith("| [1][c1] `v2.name` |")
    assert "<details>" not in changes
    assert render(two_versions(run), tmp_path) == text  # deterministic


def test_the_same_change_in_many_cases_is_one_row_listing_them_all(run, tmp_path):
    both = two_versions(run)
    for r in both.results:  # every case's `dtype` fact changes alike, t.loop's in two facts
        old = r.runtime == "tf1.13"
        r.outcome.facts = dict(r.outcome.facts, **{"x.dtype": "float32" if old else "float64"})
        if r.case.id == "t.loop":
            r.outcome.facts["y.dtype"] = r.outcome.facts["x.dtype"]
    changes = render(both, tmp_path).split("## Changes between versions", 1)[1]
    changes = changes.split("\n## ", 1)[0]
    rows = [line for line in changes.splitlines() if line.startswith("| `float32`")]
    assert rows == ["| `float32` | `float64` | [1][c1] `x.dtype` `y.dtype`; "
                    "[2][c2] `x.dtype`; [3][c3] `x.dtype` |"]
    assert "6 facts in 3 cases, 3 distinct changes: 3 in behaviour." in changes


def test_changes_in_behaviour_come_first_and_representation_only_changes_fold(run, tmp_path):
    both = two_versions(run)
    for r in both.results:
        old = r.runtime == "tf1.13"
        facts = dict(r.outcome.facts, **{"c.class": "Tensor" if old else "SymbolicTensor"})
        if old:  # recorded on tf1.13 only
            facts.update({"c.dtype": "float32", "c.shape": [2]})
        r.outcome.facts = facts
    text = render(both, tmp_path)
    changes = section(text, "Changes between versions")
    assert "11 facts in 3 cases, 5 distinct changes: 2 in behaviour, 1 class names only, " \
           "2 recorded by one side only." in changes
    rows = [line for line in changes.splitlines() if line.startswith("| ") and "---" not in line]
    assert "Variable w exists" in rows[1] and "foo_2/bar/var2:0" in rows[2]  # behaviour first
    folds = re.findall(r"<details><summary>(.*?)</summary>\n\n(.*?)\n\n</details>", changes,
                       re.S)
    assert [summary.split(" (")[0] for summary, _ in folds] == \
        ["Class names only", "Recorded by one side only"]
    assert "3 facts in 3 cases, 1 distinct changes, the most frequent <code>Tensor</code> → " \
           "<code>SymbolicTensor</code>" in folds[0][0]
    # folded rows give each case's number of facts, not their names (the page's size)
    assert "| `Tensor` | `SymbolicTensor` | [1][c1] (1 fact); [2][c2] (1 fact); " \
           "[3][c3] (1 fact) |" in folds[0][1]
    assert "| `float32` | not recorded |" in folds[1][1] and "| `[2]` | not recorded |" \
        in folds[1][1]
    # Folded rows are not among the rows of behaviour, and their case links still resolve.
    assert not any("Tensor" in r or "not recorded" in r for r in rows[:3])
    written = pages(both, tmp_path)
    write_pages(tmp_path / "reports", written, prune=True)
    assert broken_links(tmp_path / "reports", written) == []


def test_claims_tables_keep_a_column_per_runtime(run, tmp_path):
    both = two_versions(run)
    for r in list(both.results):  # make both runtimes agree: no column may fold
        if r.runtime == "tf1.13":
            both.results.remove(r)
    both.results += [Result(r.case, "tf1.13", r.outcome, r.verdict) for r in run.results]
    text = render(both, tmp_path)
    every = text.split("\n## Cases", 1)[1]
    assert "| tf1.13 " in every and "all 2 runtimes" not in every
    assert "all 2 runtimes" in details(both, tmp_path)  # fact tables still fold


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
    from harness.report.text import per_runtime_table
    same = per_runtime_table(["fact", "says", "a", "b"], [["f", "x", "✅", "✅"]], 2, 2)
    assert "all 2 runtimes" in same and "| a " not in same
    differ = per_runtime_table(["fact", "says", "a", "b"],
                               [["f", "x", "✅", "✅"], ["g", "y", "✅", "❌"]], 2, 2)
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
    every = text.split("\n## Cases", 1)[1]
    assert "✅ conforms" not in every and "| ✅ " in every
    header = next(line for line in every.splitlines() if line.startswith("| #"))
    assert [h.strip() for h in header.split("|")[5:10]] == names  # version order
    assert to_data(wide)["unavailable"] == {"tf1.0": "no wheel"}


# --- reports of a subset -------------------------------------------------------------------------

ARTICLE_INDEX = [
    {"n": 1, "where": "intro", "text": "based on tf1.13", "checkable": False,
     "why": "names a version"},
    {"n": 2, "where": "results", "text": "v2 name: foo_1/bar/var2:0", "cases": ["t.loop"]},
    {"n": 3, "where": "default_name", "text": "[1,2,...] is added",
     "cases": ["t.suffix", "t.elsewhere"]},
    {"n": 4, "where": "reuse", "text": "reuse=True shares", "cases": ["t.elsewhere"]},
]


def section(text: str, heading: str) -> str:
    return text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def test_a_subset_report_marks_statements_without_a_run_case_as_not_run(run, tmp_path):
    claims = [ClaimIndex("article", ARTICLE_INDEX, "claims/article.yaml")]
    text = render(run, tmp_path, claims)  # t.elsewhere is not in this run
    index = section(text, "Claims")
    rows = [line for line in index.splitlines() if line.startswith("| ") and "---" not in line]
    assert [r.split("|")[1].strip() for r in rows[1:]] == ["2", "3"]
    assert "(1 more not run in this report)" in rows[2]
    assert "Not run in this report: statement 4 (1 statement whose" in index
    assert "Not checkable by a case: statement 1." in index
    assert "runs 2 of the 3 cases that check" in index
    errata = section(text, "Article errata")
    assert "This report runs 2 of the article's cases (of 3)" in errata
    assert "bears out every statement" not in errata


def test_a_subset_without_article_cases_says_nothing_about_the_article(run, tmp_path):
    run.results = [r for r in run.results if r.case.source["doc"] != "article"]
    claims = [ClaimIndex("article", ARTICLE_INDEX, "claims/article.yaml")]
    text = render(run, tmp_path, claims)
    assert "bears out" not in text and "holds" not in section(text, "Claims")
    assert "None of the 3 cases that check the statements of the article" in text
    assert "No case of the article ran on tf1.15 in this report" in section(text,
                                                                            "Article errata")
    assert "| 2 |" not in section(text, "Claims")  # no statement rows at all


def test_a_full_run_of_the_index_keeps_the_sentence_about_every_checked_statement(run, tmp_path):
    for r in run.results:  # t.suffix conforms too: no erratum
        if r.case.id == "t.suffix":
            r.case.deviations = []
            r.case.expect = {"s.name": ["V0", "V0_1"]}
            r.verdict = judge(r.case, "tf1.15", r.outcome)
    claims = [ClaimIndex("article", [c for c in ARTICLE_INDEX if c["n"] < 4][:2]
                         + [dict(ARTICLE_INDEX[2], cases=["t.suffix"])], "claims/article.yaml")]
    errata = section(render(run, tmp_path, claims), "Article errata")
    assert "Real TensorFlow (tf1.15) bears out every statement of the article that the cases " \
           "check." in errata


def test_a_real_subset_report_claims_nothing_about_what_it_did_not_run(tf115, tmp_path,
                                                                       monkeypatch):
    """tf1.15 for real: one tf-docs case with the real article index: the errata and claims
    say nothing about the article; one conforming article case: only what it checks."""
    monkeypatch.chdir(ROOT)
    claims = load_claims(ROOT / "claims")
    every, errors = caselib.load([ROOT / "cases"])
    assert not errors
    docs_case = next(c for c in every if c.source["doc"] != "article")
    out = tmp_path / "subset.md"
    text = render_pages(run_cases([docs_case], [tf115]), ROOT, out, claims)["subset.md"]
    assert "bears out" not in text
    assert "No case of the article ran on tf1.15 in this report" in text
    assert "cases that check the statements of the article" in text
    article = [c for c in every if c.source["doc"] == "article"]
    claimed = {i for c in claims[0].claims for i in c.get("cases") or []}
    run = run_cases([c for c in article if c.id in claimed][:3], [tf115])
    text = render_pages(run, ROOT, out, claims)["subset.md"]
    claims_part = section(text, "Claims")
    assert "runs 3 of the" in claims_part and "Not run in this report: statements" in claims_part
    assert "bears out every statement of the article that the cases check" not in text


def test_report_pages_show_where_a_wrong_list_parts(run, tmp_path):
    ops = FACTS["t.loop"].facts["graph.ops"]
    for r in run.results:
        if r.case.id == "t.loop":
            r.case.expect = {"graph.ops": [*ops[:5], "foo/bar/var9", *ops[6:]]}
            r.case.source["stated"] = ["graph.ops"]  # the errata show only what it states
            r.verdict = judge(r.case, "tf1.15", r.outcome)
    written = pages(run, tmp_path)
    block = ("Where `graph.ops` parts from the source (tf1.15):\n\n```text\n"
             "first difference at [5]: expected foo/bar/var9, actual foo/bar/var2\n"
             "missing (1 of 12 expected): foo/bar/var9\nextra (1 of 12 actual): foo/bar/var2\n"
             "side by side (expected | actual):\n")
    assert block in written["cases/cases.md"]  # the case's page
    errata = section(written["behaviour.md"], "Article errata")
    assert block in errata and "  ≠ foo/bar/var9" + " " * 17 + "| foo/bar/var2\n" in errata


def test_a_checkpoint_cases_name_tree_folds_the_savers_own_ops(tf115, tmp_path, monkeypatch):
    """Real TF 1.15: a Saver adds ~15 ops under `save/`; the tree shows them as one node."""
    monkeypatch.chdir(ROOT)
    cases, errors = caselib.load([ROOT / "cases" / "tf-tests" / "steps-a-checkpoints.yaml"])
    assert not errors
    case = next(c for c in cases if c.id == "tf-tests.checkpoint-keys-are-variable-names")
    case.tags = [*case.tags, "diagram"]
    run = run_cases([case], [tf115])
    ops = run.results[0].outcome.facts["graph.ops"]
    saver_ops = [op for op in ops if op.startswith("save/")]
    assert "save/restore_all" in ops and len(saver_ops) > 10
    text = render_pages(run, ROOT, tmp_path / "t.md", details=False)["t.md"]
    trees = section(text, "Name trees")
    assert f'[["save/ … {len(saver_ops)} Saver ops"]]' in trees
    assert "SaveV2" not in trees and "RestoreV2" not in trees and "restore_all" not in trees
    assert "`tf.train.Saver`'s own ops" in trees
    assert '[("var4")]' in trees and '["useful_scope/"]' in trees  # the program's own names


def test_each_saver_of_a_tree_is_one_node_and_a_scope_named_save_is_kept():
    facts = {"graph.global_variables": ["v:0"],
             "graph.ops": ["v", "v/Assign", "v/read", "save/Const", "save/SaveV2",
                           "save/restore_all", "outer/save_1/Const", "outer/save_1/restore_all",
                           "mine/save/x"]}
    tree = mermaid_tree(facts)
    assert '[["save/ … 3 Saver ops"]]' in tree and '[["save_1/ … 2 Saver ops"]]' in tree
    assert '(["x"])' in tree and "SaveV2" not in tree  # `mine/save` has no restore_all: kept


def test_statement_numbers_read_as_ranges():
    from harness.report.claims import numbers
    assert numbers(["3", "4", "5", "7", "9", "10", "12", "13", "14"]) == \
        "statements 3–5, 7, 9, 10, 12–14"
    assert numbers(["1"]) == "statement 1"


def test_each_section_renders_alone_from_the_shared_model(run, tmp_path):
    """A section is a function of the model: it can be rendered (and tested) without the
    others, and the overview is those renderings in order."""
    from harness.report import RunModel, summary
    from harness.report import pages as pagelib
    model = RunModel(run, tmp_path, tmp_path / "reports" / "behaviour.md", details=False)
    alone = summary.render(model)
    assert alone.startswith("## Summary\n") and "| ✅ conforms | 2 |" in alone
    texts = [render(model) for render in pagelib.SECTIONS]
    assert [t.split("\n", 1)[0] for t in texts if t][1:] == [
        "## Summary", "## Compatibility matrix", "## Changes between versions", "## Claims",
        "## Article errata", "## Name trees"]
    assert alone in pagelib.overview(model)


def test_a_folded_change_table_lists_its_most_frequent_rows_and_counts_the_rest():
    """Representation-only changes over many runtimes made the history page too big to show:
    a folded table keeps its first FOLDED_ROWS changes, ranked, and says how many it leaves."""
    from types import SimpleNamespace

    from harness.report import changes as changelib
    model = SimpleNamespace(known={f"c{i}": i for i in range(30)},
                            link=lambda n: f"[{n}]")
    found = {(f"old{i}", f"new{i}"): {f"c{i}": ["v.name"] * (30 - i)} for i in range(30)}
    text = changelib.change_table(model, "tf1.0", "tf1.1", found, most=20)
    assert "| old0 " in text and "| old19 " in text and "old20" not in text
    assert text.endswith("… and 10 more distinct changes of this kind (55 facts in 10 cases), "
                         "not listed here.")
    assert "more distinct" not in changelib.change_table(model, "tf1.0", "tf1.1", found)
