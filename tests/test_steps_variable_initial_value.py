"""`variable` may omit initial_value, so a case can check what tf.Variable() does without one
(the article claims a variable scope's initializer is the default for all its variables)."""

from pathlib import Path

from harness import steps
from harness.cases import load_file


def test_variable_initial_value_is_optional():
    assert "initial_value" not in steps.STEPS["variable"].required


def test_case_with_variable_without_initial_value_is_valid(tmp_path: Path):
    path = tmp_path / "case.yaml"
    path.write_text(
        "id: t.variable-without-initial-value\n"
        "title: tf.Variable without an initial value\n"
        "source: {doc: test, quote: q}\n"
        "program:\n"
        "  - variable_scope: {name_or_scope: foo, initializer: {constant: 1.5}}\n"
        "    do:\n"
        "      - variable: {name: t, dtype: float32, as: t}\n"
        "expect:\n"
        "  error: {type: ValueError}\n",
        encoding="utf-8")
    cases, errors = load_file(path)
    assert errors == [] and len(cases) == 1


def test_variable_without_initial_value_renders_without_it():
    step = steps.STEPS["variable"]
    assert step.render({"name": "t"}) == "tf.Variable(name='t')"
