"""The pytest plugin: YAML cases collected as items per runtime, diffs on failure, xfail."""

from __future__ import annotations

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
