"""Rendering case programs as TF 1.x Python (no TensorFlow here: the code is compiled, not run;
tests/test_export.py runs it on real TF)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from harness import cases as caselib
from harness.render import INDENT, export_script, program_lines, python_code


def load_one(write_case, text: str) -> caselib.Case:
    cases, errors = caselib.load([write_case(text)])
    assert not errors, errors
    return cases[0]


EXAMPLE = """
    id: t.example
    title: the article's example
    source: {doc: article, quote: "v2 name: foo_1/bar/var2:0", where: "results"}
    program:
      - get_variable: {name: foo/var1, shape: [1]}
      - repeat: 2
        do:
          - variable_scope: {name_or_scope: foo, default_name: V0, values: [1, 2], as: scope}
            do:
              - name_scope: {name: bar}
                do:
                  - reuse_variables: scope
                  - get_variable: {name: var1, shape: [1], as: v1}
                  - variable: {initial_value: [2.0], name: var2, dtype: float32, as: v2}
    expect:
      v2.name: [foo/bar/var2:0, foo_1/bar/var2:0]
"""


def test_the_article_example_renders_as_the_articles_code(write_case):
    code = python_code(load_one(write_case, EXAMPLE))
    assert code == textwrap.dedent("""\
        import tensorflow as tf  # TensorFlow 1.x

        tf.get_variable(name='foo/var1', shape=[1])
        for i in range(2):
            with tf.variable_scope(name_or_scope='foo', default_name='V0', values=[1, 2]) as scope:
                with tf.name_scope(name='bar'):
                    scope.reuse_variables()
                    v1 = tf.get_variable(name='var1', shape=[1])
                    v2 = tf.Variable(initial_value=[2.0], name='var2', dtype=tf.float32)
        """)
    ast.parse(code)


@pytest.mark.parametrize("step, line", [
    ("{get_variable: {name: w, initializer: zeros, as: w}}",
     "w = tf.get_variable(name='w', initializer=tf.zeros_initializer())"),
    ("{get_variable: {name: w, initializer: {constant: 1.5}, regularizer: {l2: 0.1}, as: w}}",
     "w = tf.get_variable(name='w', initializer=tf.constant_initializer(1.5), "
     "regularizer=lambda t: tf.multiply(0.1, tf.nn.l2_loss(t)))"),
    ("{get_variable: {name: w, shape: [4], partitioner: {fixed_size: 2}, as: w}}",
     "w = tf.get_variable(name='w', shape=[4], "
     "partitioner=tf.fixed_size_partitioner(num_shards=2))"),
    ("{variable: {initial_value: 1, collections: [mine, variables], trainable: false}}",
     "tf.Variable(initial_value=1, trainable=False, "
     "collections=['mine', tf.GraphKeys.GLOBAL_VARIABLES])"),
    ("{get_variable_scope: {as: s}}", "s = tf.get_variable_scope()"),
    ("{reuse_variables: null}", "tf.get_variable_scope().reuse_variables()"),
    ("{constant: {value: \"it's\", name: c, as: c}}", "c = tf.constant(value=\"it's\", name='c')"),
])
def test_steps_render_as_tf_calls(write_case, step, line):
    case = load_one(write_case, f"""
        id: t.one
        title: one step
        source: {{doc: test, quote: q}}
        program: [{step}]
        expect: {{graph.ops: []}}
    """)
    assert python_code(case).splitlines()[2] == line


def test_references_reuse_and_auto_reuse_render_as_python_names(write_case):
    case = load_one(write_case, """
        id: t.refs
        title: refs
        source: {doc: test, quote: q}
        program:
          - constant: {value: 1.0, as: c}
          - variable_scope: {name_or_scope: outer, reuse: auto_reuse, as: s}
          - variable_scope: {name_or_scope: {ref: s}, values: [{ref: c}, 2]}
            do:
              - add: {x: {ref: c}, y: 2.0, as: total}
    """ + "    expect: {total.name: x}\n")
    lines = python_code(case).splitlines()[2:]
    assert lines == [
        "c = tf.constant(value=1.0)",
        "with tf.variable_scope(name_or_scope='outer', reuse=tf.AUTO_REUSE) as s:",
        "    pass",
        "with tf.variable_scope(name_or_scope=s, values=[c, 2]):",
        "    total = tf.add(x=c, y=2.0)",
    ]


def test_program_lines_point_back_to_their_steps(write_case):
    case = load_one(write_case, EXAMPLE)
    lines = program_lines(case.program, lambda step, label: [f"capture({label!r}, {label})"])
    by_text = {text.strip(): step["path"] for text, step in lines}
    assert by_text["v1 = tf.get_variable(name='var1', shape=[1])"] == \
        "program[1].do[0].do[0].do[1]"
    assert by_text["capture('v1', v1)"] == "program[1].do[0].do[0].do[1]"
    # A captured scope is recorded first thing inside its body.
    texts = [text.strip() for text, _ in lines]
    i = texts.index("with tf.variable_scope(name_or_scope='foo', default_name='V0', "
                    "values=[1, 2]) as scope:")
    assert texts[i + 1] == "capture('scope', scope)"
    assert lines[i + 1][0] == INDENT * 2 + "capture('scope', scope)"


def test_export_script_is_plain_python_without_the_harness(write_case):
    case = load_one(write_case, EXAMPLE)
    script = export_script(case)
    tree = ast.parse(script)
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    # Only what this program needs: not shutil and tempfile (facts.py's checkpoint helper).
    assert imported == {"json", "os", "sys", "warnings", "tensorflow", "re"}
    assert "t.example" in script and "v2 name: foo_1/bar/var2:0" in script
    assert "MULTI = ['scope', 'v1', 'v2']" in script


def test_case_text_cannot_escape_the_comments_into_code(write_case):
    case = load_one(write_case, '''
        id: t.hostile
        title: "ends the comment\\nimport os; os.system('echo pwned')"
        source: {doc: test, quote: "a\\rraise SystemExit\\n\\"\\"\\"", reading: "x\\u2028y"}
        program: [{constant: {value: "'); os.system('x", as: c}}]
        expect: {c.name: x}
    ''')
    script = export_script(case)
    tree = ast.parse(script)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "system"]
    assert not calls
    assert not any(isinstance(n, ast.Raise) and "SystemExit" in ast.dump(n)
                   for n in ast.walk(tree))
