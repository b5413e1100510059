"""The article errata and the statement table read as a fair review (docs/case-format.md,
"Readings"): implausible readings are kept apart and never count, alternative readings and the
situations of a general rule are named with their verdicts, the article's column holds only what
the article prints or says, and no reader-facing text names a step by its internal path or label.

Unit tests render hand-built outcomes; one test renders the real article cases on TF 1.15 and
checks the errata against the article itself (../shared/seeds/article.txt beside the clone,
skipped when absent, like tests/test_claims_index.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import cases as caselib
from harness.compare import Outcome, judge
from harness.report import ClaimIndex, load_claims, render_pages
from harness.runner import Result, RunResults, run_cases

from .conftest import ARTICLE

ROOT = Path(__file__).resolve().parents[1]
INFO = {"tensorflow": "1.15.5", "python": "3.7.16", "platform": "Linux-test-x86_64",
        "executable": "/abs/path/python"}

CASES = """
- id: t.plain-holds
  title: get_variable in a scope with a regularizer gets a loss
  source: {doc: article, quote: "for all variables", covers: "a get_variable in the scope"}
  tags: [x]
  program:
    - variable_scope: {name_or_scope: foo}
      do:
        - get_variable: {name: w, shape: [1], as: v}
  expect:
    v.name: foo/w:0
- id: t.plain-fails
  title: tf.Variable in the scope raises without an initial value
  source: {doc: article, quote: "for all variables", covers: "a tf.Variable in the scope"}
  tags: [x]
  program:
    - variable_scope: {name_or_scope: foo}
      do:
        - variable: {name: t, dtype: float32, as: t}
  expect:
    t.name: foo/t:0
  deviations:
    - observed:
        error: {type: ValueError, message: "initial_value must be specified", step: t}
        t.name: <missing>
      reason: tf.Variable needs its own initial value.
- id: t.avoid
  title: repeated default names get bare digits
  source:
    doc: article
    quote: "[1,2,...] is added"
    reading: "literal digits"
    reading_kind: implausible
    reading_why: "the article's own output prints foo_1"
  tags: [x]
  program:
    - repeat: 2
      do:
        - variable_scope: {name_or_scope: null, default_name: V0, as: s}
  expect:
    s.name: [V0, V01]
  deviations:
    - observed: {s.name: [V0, V0_1]}
      reason: TF joins the count with an underscore.
- id: t.suffix
  title: repeated default names get _1
  source: {doc: article, quote: "[1,2,...] is added", stated: [s.name]}
  tags: [x]
  program:
    - repeat: 2
      do:
        - variable_scope: {name_or_scope: null, default_name: V0, as: s}
  expect:
    s.name: [V0, V0_1]
- id: t.former-a
  title: tf.Variable gives a Variable
  source: {doc: article, quote: "the former", reading: "former = tf.Variable",
           reading_kind: alternative, reading_why: "two pairs fit"}
  tags: [x]
  program:
    - variable: {initial_value: [1.0], name: t, as: t}
  expect:
    t.class: RefVariable
- id: t.former-b
  title: tf.variable_scope gives a Variable
  source: {doc: article, quote: "the former", reading: "former = tf.variable_scope",
           reading_kind: alternative, reading_why: "two pairs fit", stated: [s.class]}
  tags: [x]
  program:
    - variable_scope: {name_or_scope: foo, as: s}
  expect:
    s.class: Variable
  deviations:
    - observed: {s.class: VariableScope}
      reason: tf.variable_scope yields a VariableScope.
- id: t.inner-error
  title: reuse_variables then a missing variable raises inside the loop
  source: {doc: article, quote: "valid only if", reading: "no error expected"}
  tags: [x]
  program:
    - repeat: 2
      do:
        - variable_scope: {name_or_scope: foo, as: scope}
          do:
            - reuse_variables: scope
            - get_variable: {name: var1, shape: [1], as: v1}
  expect:
    error: null
  deviations:
    - observed:
        error: {type: ValueError, message: "does not exist", step: v1}
      reason: reuse_variables() makes get_variable require an existing variable.
"""

OUTCOMES = {
    "t.plain-holds": Outcome(facts={"v.name": "foo/w:0"}),
    "t.plain-fails": Outcome(facts={}, error={
        "type": "ValueError", "bases": ["Exception"], "step": "program[0].do[0]", "label": "t",
        "message": "initial_value must be specified."}),
    "t.avoid": Outcome(facts={"s.name": ["V0", "V0_1"]}),
    "t.suffix": Outcome(facts={"s.name": ["V0", "V0_1"]}),
    "t.former-a": Outcome(facts={"t.class": "RefVariable"}),
    "t.former-b": Outcome(facts={"s.class": "VariableScope"}),
    "t.inner-error": Outcome(facts={}, error={
        "type": "ValueError", "bases": ["Exception"], "step": "program[0].do[0].do[1]",
        "label": "v1", "message": "Variable foo/var1 does not exist"}),
}
INDEX = [
    {"n": 1, "where": "initializer", "text": "for all variables", "general": True,
     "cases": ["t.plain-holds", "t.plain-fails"]},
    {"n": 2, "where": "default_name", "text": "[1,2,...] is added",
     "cases": ["t.suffix", "t.avoid"]},
    {"n": 3, "where": "paragraph", "text": "the former", "cases": ["t.former-a", "t.former-b"]},
    {"n": 4, "where": "example", "text": "valid only if", "cases": ["t.inner-error"]},
    {"n": 5, "where": "signature", "text": "custom_getter=None,",
     "tests": ["tests/test_article_signatures.py::test_variable_scope_init_takes_the_13"]},
]


@pytest.fixture
def overview(write_case, tmp_path, monkeypatch) -> str:
    monkeypatch.chdir(tmp_path)
    found, errors = caselib.load([write_case(CASES, "cases/t.yaml")])
    assert not errors, errors
    run = RunResults(["tf1.15"], info={"tf1.15": dict(INFO, runtime="tf1.15")})
    for case in found:
        outcome = OUTCOMES[case.id]
        run.results.append(Result(case, "tf1.15", outcome, judge(case, "tf1.15", outcome)))
    assert {r.case.id: r.verdict.verdict for r in run.results} == {
        "t.plain-holds": "conforms", "t.plain-fails": "deviates", "t.avoid": "deviates",
        "t.suffix": "conforms", "t.former-a": "conforms", "t.former-b": "deviates",
        "t.inner-error": "deviates"}
    claims = [ClaimIndex("article", INDEX, "claims/article.yaml")]
    return render_pages(run, tmp_path, tmp_path / "reports" / "behaviour.md", claims,
                        details=False)["behaviour.md"]


def section(text: str, heading: str) -> str:
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def row(text: str, n: int) -> str:
    return next(line for line in section(text, "Claims").splitlines()
                if line.startswith(f"| {n} |"))


def test_an_implausible_reading_is_no_erratum_and_no_part_of_the_verdict(overview):
    errata, avoid = section(overview, "Article errata"), section(overview, "Readings to avoid")
    assert "literal digits" not in errata and "V01" not in errata
    assert "[Readings to avoid](#readings-to-avoid)" in errata
    assert "**R1.**" in avoid and "*A reading to avoid:* literal digits" in avoid
    assert "*Why the article does not mean it:* the article's own output prints foo_1" in avoid
    assert "| `s.name` | `['V0', 'V01']` | `['V0', 'V0_1']` |" in avoid  # labelled: this reading
    assert "| fact | this reading | tf1.15 |" in avoid
    statement = row(overview, 2)
    assert "✅ holds" in statement and "partly" not in statement
    assert "readings to avoid: [" in statement
    assert "[Readings to avoid](#readings-to-avoid)" in overview.split("## Summary")[0]


def test_the_section_order_puts_the_readings_to_avoid_after_the_errata(overview):
    headings = [line for line in overview.splitlines() if line.startswith("## ")]
    assert headings.index("## Readings to avoid") == headings.index("## Article errata") + 1


def test_a_garbled_statement_names_each_reading_with_its_verdict(overview):
    statement = row(overview, 3)
    assert "✅⚠️ partly" in statement
    assert "✅ *reading:* former = tf.Variable" in statement
    assert "⚠️ *reading:* former = tf.variable\\_scope" in statement \
        or "⚠️ *reading:* former = tf.variable_scope" in statement
    errata = section(overview, "Article errata")
    assert "*Read as:* former = tf.variable_scope — *one of several plausible readings:* " \
           "two pairs fit" in errata


def test_a_general_rule_lists_the_situations_it_holds_in_and_those_it_fails_in(overview):
    statement = row(overview, 1)
    assert "✅ *where:* a get\\_variable in the scope" in statement \
        or "✅ *where:* a get_variable in the scope" in statement
    assert "⚠️ *where:* a tf.Variable in the scope" in statement
    assert "*Checked where:* a tf.Variable in the scope" in section(overview, "Article errata")


def test_the_article_column_holds_only_what_the_article_prints_or_says(overview):
    errata = section(overview, "Article errata")
    assert "| `s.class` | `Variable` | `VariableScope` |" in errata      # stated
    assert "| `t.name` | — | not recorded (the program stopped before) |" in errata  # derived
    assert "| `error` | — | raises `ValueError`" in errata


def test_errors_are_placed_by_their_tf_code_never_by_an_internal_path_or_label(overview):
    errata = section(overview, "Article errata")
    assert "at `t = tf.Variable(name='t', dtype=tf.float32)`" in errata
    assert "at `v1 = tf.get_variable(name='var1', shape=[1])`" in errata
    assert not re.search(r"program\[\d+\]|\.do\[\d+\]", overview)
    assert not re.search(r" at `[A-Za-z_][A-Za-z0-9_]*`", errata)


def test_a_statement_checked_by_a_test_names_the_test_and_claims_no_case_verdict(overview):
    statement = row(overview, 5)
    assert "*checked by a test on real TensorFlow, not by a case:* " \
           "`tests/test_article_signatures.py`" in statement
    assert "not checkable" not in statement and "holds" not in statement


# --- the real article on real TensorFlow ------------------------------------------------------

def article_column_values(errata: str) -> list[str]:
    """The code spans of the article's column of every erratum table."""
    values = []
    for line in errata.splitlines():
        if line.startswith("| `") and not line.startswith("| fact"):
            cell = line.split(" | ")[1]
            values += re.findall(r"`([^`]+)`", cell)
    return values


def bad_reader_text(errata: str) -> list[str]:
    bad = re.findall(r"program\[\d+\][^ ]*|\S+\.do\[\d+\]\S*", errata)
    bad += re.findall(r" at `[A-Za-z_][A-Za-z0-9_]*`", errata)  # a bare label, not TF code
    bad += re.findall(r"\barticle\.[a-z0-9]+-[a-z0-9-]+", errata)  # a case id
    return bad


def test_the_real_errata_name_no_internal_path_and_quote_only_the_article(tf115, monkeypatch):
    """The article's cases on TF 1.15, rendered as `tfscope report` does: the errata and the
    readings to avoid name no step path, label or case id, and every value in the article's
    column of an erratum is in the article's text or printed output."""
    monkeypatch.chdir(ROOT)
    found, errors = caselib.load(sorted((ROOT / "cases" / "article").glob("*.yaml")))
    assert not errors, errors[0]
    run = run_cases(found, [tf115])
    text = render_pages(run, ROOT, ROOT / "reports" / "behaviour.md",
                        load_claims(ROOT / "claims"), details=False)["behaviour.md"]
    errata = section(text, "Article errata")
    avoid = section(text, "Readings to avoid")
    assert "**E1.**" in errata and "**R1.**" in avoid
    assert not bad_reader_text(errata + avoid), bad_reader_text(errata + avoid)
    assert "**What TensorFlow does**" in errata
    if not ARTICLE.is_file():
        pytest.skip(f"the article is not at {ARTICLE}: the article's column is not checked")
    article = ARTICLE.read_text(encoding="utf-8")
    missing = [v for v in article_column_values(errata) if v not in article]
    assert not missing, f"the article's column holds what the article never says: {missing}"


def test_the_checks_catch_paths_labels_and_values_the_article_never_printed():
    """The helpers above are not vacuous."""
    assert bad_reader_text("raises at `program[0].do[0]`") and bad_reader_text("raises it at `t`")
    assert bad_reader_text("see article.example-first-line-commented")
    assert not bad_reader_text("at `t = tf.Variable(name='t')`")
    table = "| fact | the article | tf1.15 |\n|---|---|---|\n| `s.name` | `V01` | `V0_1` |"
    assert article_column_values(table) == ["V01"]
