"""Verdicts and diffs, from recorded observations (the real runs are in test_worker/test_cli)."""

from __future__ import annotations

from harness.cases import Case, Deviation
from harness.compare import (
    CONFORMS,
    CRASH,
    DEVIATES,
    FAIL,
    STALE,
    Outcome,
    format_diff,
    judge,
    match,
)

# Observed on TF 1.15.5 for the article's example (recorded from a real run).
OBSERVED = {"v1.name": ["foo/var1:0", "foo/var1:0"],
            "v2.name": ["foo/bar/var2:0", "foo_1/bar/var2:0"]}


def make_case(expect, deviations=()):
    return Case(id="t", title="t", source={"doc": "d", "quote": "q"}, tags=[], program=[],
                expect=expect, deviations=list(deviations))


def test_conforms_on_subset():
    case = make_case({"v2.name": ["foo/bar/var2:0", "foo_1/bar/var2:0"]})
    assert judge(case, "tf1.15", Outcome(facts=OBSERVED)).verdict == CONFORMS


def test_fail_shows_expected_and_actual():
    case = make_case({"v2.name": ["foo/bar/var2:0", "foo/bar/var2:0"]})
    verdict = judge(case, "tf1.15", Outcome(facts=OBSERVED))
    assert verdict.verdict == FAIL
    assert [m.fact for m in verdict.diff] == ["v2.name"]
    text = format_diff(verdict.diff)
    assert 'expected: ["foo/bar/var2:0", "foo/bar/var2:0"]' in text
    assert 'actual:   ["foo/bar/var2:0", "foo_1/bar/var2:0"]' in text


def test_deviation_must_match_what_tf_does():
    expect = {"v2.name": ["foo/bar/var2:0", "foo/bar/var2:0"]}
    right = Deviation(reason="TF uniquifies", observed={"v2.name": OBSERVED["v2.name"]})
    wrong = Deviation(reason="stale record", observed={"v2.name": ["x", "y"]})
    assert judge(make_case(expect, [right]), "tf1.15", Outcome(facts=OBSERVED)).verdict == \
        DEVIATES
    verdict = judge(make_case(expect, [wrong]), "tf1.15", Outcome(facts=OBSERVED))
    assert verdict.verdict == FAIL and "no longer matches" in verdict.reason


def test_deviation_for_another_runtime_does_not_apply():
    expect = {"v2.name": ["foo/bar/var2:0", "foo/bar/var2:0"]}
    dev = Deviation(reason="r", observed={"v2.name": OBSERVED["v2.name"]}, runtimes=["tf1.13"])
    assert judge(make_case(expect, [dev]), "tf1.15", Outcome(facts=OBSERVED)).verdict == FAIL
    assert judge(make_case(expect, [dev]), "tf1.13", Outcome(facts=OBSERVED)).verdict == DEVIATES


def test_stale_when_tf_now_conforms():
    case = make_case({"v1.name": OBSERVED["v1.name"]},
                     [Deviation(reason="r", observed={"v1.name": ["x", "y"]})])
    assert judge(case, "tf1.15", Outcome(facts=OBSERVED)).verdict == STALE


def test_errors_expected_and_unexpected():
    raised = {"type": "ValueError", "bases": ["Exception", "BaseException"],
              "message": "Variable foo/var1 does not exist, or was not created with "
                         "tf.get_variable().", "step": "program[1]", "label": "v1", "line": 3}
    outcome = Outcome(facts={}, error=raised)
    assert judge(make_case({"error": {"type": "ValueError", "message": "does not exist",
                                      "step": "v1"}}), "r", outcome).verdict == CONFORMS
    assert judge(make_case({"error": {"type": "Exception"}}), "r", outcome).verdict == CONFORMS
    assert judge(make_case({"error": {"type": "TypeError"}}), "r", outcome).verdict == FAIL
    # A program that raises where the source promised names fails, even if no fact is missing.
    verdict = judge(make_case({"graph.ops": {"contains": []}}), "r", Outcome(
        facts={"graph.ops": []}, error=raised))
    assert verdict.verdict == FAIL and verdict.diff[0].fact == "error"
    # The unexpected error says where it was raised: the step's label and its line in the file.
    assert verdict.diff[0].actual.endswith("tf.get_variable(). at v1 (line 3)")


def test_problem_outcomes_keep_their_verdict():
    verdict = judge(make_case({"a.name": "x"}), "r",
                    Outcome(problem="the worker died: killed by signal SIGSEGV",
                            problem_verdict=CRASH))
    assert verdict.verdict == CRASH and "SIGSEGV" in verdict.reason


def test_matchers():
    assert match({"matches": r"foo(_\d+)?/w:0"}, "foo_3/w:0")
    assert not match({"matches": "foo"}, "foo/w:0")
    assert match({"contains": ["a"]}, ["b", "a"]) and not match({"contains": ["c"]}, ["a"])
    assert match({"excludes": ["c"]}, ["a"]) and match({"startswith": "foo/"}, "foo/x")
    assert match(1, 1.0) and match(0.1 + 0.2, 0.3) and not match(True, 1)


def test_observed_error_explains_the_facts_it_prevented():
    raised = {"type": "ValueError", "bases": [], "message": "Variable foo/var1 does not exist",
              "step": "program[1]", "label": "v1", "line": 3}
    expect = {"v1.name": ["foo/var1:0", "foo/var1:0"]}
    dev = Deviation(reason="r", observed={"error": {"type": "ValueError"}})
    outcome = Outcome(facts={}, error=raised)
    assert judge(make_case(expect, [dev]), "r", outcome).verdict == DEVIATES
    # ...but not facts that were recorded and differ.
    outcome = Outcome(facts={"v1.name": ["x"]}, error=raised)
    assert judge(make_case(expect, [dev]), "r", outcome).verdict == FAIL


def test_observed_error_explains_what_it_cut_short_but_not_what_came_before():
    raised = {"type": "AttributeError", "bases": [], "message": "no attribute 'AUTO_REUSE'",
              "step": "program[1].do[0]", "label": "v", "line": 5}
    case = make_case({"before.name": "a:0", "v.name": "s/v:0", "loop.name": ["x:0", "y:0"],
                      "graph.global_variables": ["a:0", "s/v:0"]},
                     [Deviation(reason="r", observed={"error": {"type": "AttributeError"}})])
    case.labels = {
        "before": {"kind": "variable", "multi": False, "path": "program[0]"},
        "v": {"kind": "variable", "multi": False, "path": "program[1].do[0]"},
        "loop": {"kind": "variable", "multi": True, "path": "program[1].do[1]"},
    }
    # Made after the exception (v, loop), or taken when the program stopped (graph facts).
    cut = Outcome(facts={"before.name": "a:0", "v.name": "other", "loop.name": ["x:0"],
                         "graph.global_variables": ["a:0"]}, error=raised)
    assert judge(case, "r", cut).verdict == DEVIATES
    # A capture finished before the exception must still match.
    early = Outcome(facts=dict(cut.facts, **{"before.name": "b:0"}), error=raised)
    assert judge(case, "r", early).verdict == FAIL


# --- where two lists part (the CLI, pytest, `show` and the report pages all use list_diff) ------

def test_a_wrong_list_names_its_first_difference_missing_and_extra_items():
    from harness.compare import Mismatch, list_diff
    expected = [f"n{i}" for i in range(25)]
    actual = [x for x in expected if x != "n7"] + ["extra"]
    lines = list_diff(expected, actual)
    assert lines == ["first difference at [7]: expected n7, actual n8",
                     "missing (1 of 25 expected): n7", "extra (1 of 25 actual): extra"]
    text = format_diff([Mismatch("graph.ops", expected, actual)])
    assert "      first difference at [7]: expected n7, actual n8" in text.splitlines()


def test_a_short_wrong_list_is_also_shown_side_by_side():
    from harness.compare import list_diff
    lines = list_diff(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"])
    assert lines[:3] == ["first difference at [1]: expected b, actual x",
                         "missing (1 of 4 expected): b", "extra (2 of 5 actual): x, e"]
    assert lines[3:] == ["side by side (expected | actual):", "  = a | a", "  ≠ b | x",
                         "  = c | c", "  = d | d", "  +   | e"]


def test_list_differences_count_repeats_and_name_reorderings():
    from harness.compare import list_diff
    assert "missing (1 of 3 expected): a" in list_diff(["a", "a", "b"], ["a", "b"])
    assert "the same items in another order" in list_diff(["a", "b", "c"], ["b", "a", "c"])
    assert list_diff(["a", "b"], ["a", "b"]) == [] and list_diff(["a"], "a") == []
    assert list_diff([1.0, 2.0], [2.0, 2.0]) == []  # two items: the two lines say it all
    assert list_diff({"contains": ["a", "b"]}, ["a"]) == ["missing: b"]
    assert list_diff({"excludes": ["a", "b"]}, ["a"]) == ["present though excluded: a"]
    assert list_diff({"contains": ["a"]}, ["a"]) == []
