"""The pytest plugin: YAML cases collected as items per runtime, diffs on failure, xfail."""

from __future__ import annotations

import os

import pytest

from .conftest import EXAMPLE

PYPROJECT = '[tool.tfscope]\ncases = ["cases"]\nruntimes = ["tf1.15"]\n'


def project(pytester, example_text: str, runtime=None):
    # pytester points HOME at a temporary directory: name the provisioned interpreter directly.
    runtimes = f'["tf1.15={runtime.python}"]' if runtime else '["tf1.15"]'
    pytester.makefile(".toml", pyproject=PYPROJECT.replace('["tf1.15"]', runtimes))
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "example.yaml").write_text(example_text)


def test_items_ids_and_keyword_selection(pytester, tf115):
    project(pytester, EXAMPLE.read_text(), tf115)
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["cases/example.yaml::article.example-loop[[]tf1.15[]]"])
    result = pytester.runpytest("-k", "uniquify", "-v")  # a tag
    result.stdout.fnmatch_lines(["*article.example-loop?tf1.15? PASSED*"])
    result.assert_outcomes(passed=1)


def test_failure_prints_the_diff(pytester, tf115):
    project(pytester, EXAMPLE.read_text().replace("foo_1/bar/var2:0]", "foo_2/bar/var2:0]"),
            tf115)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*FAIL article.example-loop [[]tf1.15[]]*",
        "*v2.name:*",
        '*expected: ?"foo/bar/var2:0", "foo_2/bar/var2:0"?',
        '*actual:   ?"foo/bar/var2:0", "foo_1/bar/var2:0"?',
    ])


def test_failure_of_a_list_shows_where_it_parts(pytester, tf115):
    from .test_cli import WRONG_OPS
    project(pytester, WRONG_OPS, tf115)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*graph.ops:*",
        "*first difference at ?9?: expected foo/w/read, actual foo/v/read",
        "*missing (1 of 10 expected): foo/w/read",
        "*extra (1 of 10 actual): foo/v/read",
        "*side by side (expected | actual):",
    ])


def test_deviation_is_xfail_with_reason(pytester, tf115):
    text = EXAMPLE.read_text().replace("foo_1/bar/var2:0]", "foo_2/bar/var2:0]") + (
        "deviations:\n  - observed:\n      v2.name: [foo/bar/var2:0, foo_1/bar/var2:0]\n"
        "    reason: TF numbers the second scope foo_1.\n")
    project(pytester, text, tf115)
    result = pytester.runpytest("-rx")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*known deviation: TF numbers the second scope foo_1.*"])


def test_invalid_case_is_a_located_failure(pytester):
    project(pytester, EXAMPLE.read_text().replace("shape: [1], as: v1", "shap: [1], as: v1"))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*example.yaml:*: unknown key `shap`*did you mean `shape`?*"])
    assert "Traceback" not in result.stdout.str()


def test_ids_carry_every_configured_runtime_and_sets_expand(pytester, monkeypatch):
    from harness import runtimes

    from .test_matrix import STUBS
    for name in [n for n, s in runtimes.SPECS.items() if s.history]:  # the real history, out
        monkeypatch.delitem(runtimes.SPECS, name)
    for spec in STUBS:
        monkeypatch.setitem(runtimes.SPECS, spec.name, spec)
    project(pytester, EXAMPLE.read_text())
    pytester.makefile(".toml", pyproject=PYPROJECT.replace('["tf1.15"]', '["ci"]'))
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines([f"cases/example.yaml::article.example-loop[[]{name}[]]"
                                 for name in ("tf1.13", "tf1.15", "tf2")])
    result = pytester.runpytest("--collect-only", "-q", "--tfscope-runtime", "all")
    ids = [line for line in result.stdout.lines if "::" in line]
    assert [i.split("[")[1].rstrip("]") for i in ids] == [
        "tf1.2", "tf1.10", "tf1.13", "tf1.14", "tf1.15", "tf2"]  # tf1.0 cannot install here
    result = pytester.runpytest("--collect-only", "--tfscope-runtime", "history")
    result.stdout.fnmatch_lines(["tfscope runtimes: tf1.2, tf1.10",
                                 "tfscope runtimes unavailable here: tf1.0 (no wheel*"])


def test_unknown_runtime_option_is_a_usage_error(pytester):
    project(pytester, EXAMPLE.read_text())
    result = pytester.runpytest("--collect-only", "--tfscope-runtime", "tf2.21")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown runtime `tf2.21` (did you mean `tf2`?; known: *"])


def test_a_duplicate_id_fails_the_new_file_even_when_run_alone(pytester):
    # No TensorFlow: the duplicate is an invalid item, and the old case is only collected.
    pytester.makefile(".toml", pyproject=PYPROJECT)
    (pytester.path / "cases").mkdir()
    old = pytester.path / "cases" / "example.yaml"
    new = pytester.path / "cases" / "zz-mine.yaml"
    old.write_text(EXAMPLE.read_text())
    new.write_text(EXAMPLE.read_text())
    os.utime(old, (1_000_000, 1_000_000))
    os.utime(new, (2_000_000, 2_000_000))
    result = pytester.runpytest("cases/zz-mine.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*zz-mine.yaml:2: duplicate case id `article.example-loop` (already used at "
        "cases/example.yaml:2*"])
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["cases/example.yaml::article.example-loop[[]tf1.15[]]",
                                 "cases/zz-mine.yaml::article.example-loop[[]duplicate[]]"])


def test_a_skip_is_shown_at_the_case_in_its_file(pytester, tf115):
    project(pytester, "# a comment\nid: t.observe\ntitle: t\nsource: {doc: d, quote: q}\n"
            "program:\n  - get_variable: {name: v, shape: [1], as: v}\nexpect: {}\n", tf115)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] cases/example.yaml:2: t.observe: observed, "
                                 "no claim*"])
    assert "plugin.py" not in result.stdout.str()


def corpus_project(pytester, runtime) -> list:
    """A project with a part of the corpus (two folders), and the results `tfscope run` gets."""
    import shutil

    from harness import cases as caselib
    from harness.runner import run_cases

    from .conftest import ROOT
    project(pytester, EXAMPLE.read_text(), runtime)
    for folder in ("tf-tests", "examples"):
        shutil.copytree(ROOT / "cases" / folder, pytester.path / "cases" / folder)
    cases, errors = caselib.load([pytester.path / "cases"])
    assert not errors
    return run_cases(cases, [runtime]).results


def expected_outcomes(results) -> dict[str, int]:
    kinds = {"conforms": "passed", "deviates": "xfailed", "observed": "skipped"}
    out = {"passed": 0, "xfailed": 0, "skipped": 0, "failed": 0}
    for r in results:
        out[kinds.get(r.verdict.verdict, "failed")] += 1
    return out


def test_items_run_in_batches_through_one_pool(pytester, tf115, monkeypatch):
    """The first item asks for every selected item's case: they run through the pool's workers
    ahead of pytest, each item reporting its own verdict, the same as `tfscope run`'s."""
    from harness import batch
    results = corpus_project(pytester, tf115)
    batches: list[int] = []
    original = batch.Batches.request

    def request(self, pairs):
        fresh = [p for p in pairs if (p[0].id, p[1]) not in self.known]
        if fresh:
            batches.append(len(fresh))
        return original(self, pairs)
    monkeypatch.setattr(batch.Batches, "request", request)
    outcome = pytester.runpytest("-p", "no:cacheprovider", "--tfscope-jobs", "2")
    outcome.assert_outcomes(**expected_outcomes(results))
    assert batches == [len(results)]  # one batch: every item, asked for at once


@pytest.mark.skipif(not __import__("importlib").util.find_spec("xdist"),
                    reason="pytest-xdist is not installed")
def test_xdist_workers_each_run_their_own_items(pytester, tf115):
    results = corpus_project(pytester, tf115)
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    outcome.assert_outcomes(**expected_outcomes(results))


def test_stopping_early_leaves_no_worker_behind(pytester, tf115, ours):
    """-x stops at the first failure while cases still run ahead: their workers are
    cancelled and stopped with the session, none replaced."""
    corpus_project(pytester, tf115)
    (pytester.path / "cases" / "example.yaml").write_text(
        EXAMPLE.read_text().replace("foo_1/bar/var2:0]", "foo_2/bar/var2:0]"))
    outcome = pytester.runpytest("-p", "no:cacheprovider", "-x", "--tfscope-jobs", "2")
    outcome.assert_outcomes(failed=1)
    assert not ours.all()


LF_CASE = """\
- id: lf.{id}
  title: t
  source: {{doc: d, quote: q}}
  program:
    - get_variable: {{name: v, shape: [1], as: v}}
  expect:
    v.name: {name}
"""
LF_CASES = LF_CASE.format(id="ok", name="v:0") + LF_CASE.format(id="bad", name="w:0")


def test_last_failed_reruns_only_the_failed_cases(pytester, tf115):
    # pytest 9 reads the saved `FILE::lf.bad[tf1.15]` as a name and a parameter: items named
    # so without a node id to match never matched it, and --lf ran every case again
    project(pytester, LF_CASES, tf115)
    pytester.runpytest("-p", "cacheprovider").assert_outcomes(passed=1, failed=1)
    result = pytester.runpytest("-p", "cacheprovider", "--lf", "-v")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*lf.bad?tf1.15? FAILED*"])
    assert "lf.ok" not in result.stdout.str()


def test_two_errors_on_one_line_are_two_items(pytester):
    bad = LF_CASES.replace("    - get_variable: {name: v, shape: [1], as: v}\n  expect:\n"
                           "    v.name: v:0",
                           "    - get_variable: {nme: v, shpe: [1], as: v}\n  expect:\n"
                           "    v.name: v:0", 1)
    project(pytester, bad)
    result = pytester.runpytest("--collect-only", "-q")
    ids = [line for line in result.stdout.lines if "::invalid:" in line]
    assert len(ids) == len(set(ids)) >= 2, result.stdout.str()
