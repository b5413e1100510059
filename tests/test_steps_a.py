"""Partitioners, constraints, custom getters, name scopes by reference, devices,
control dependencies, other graphs, savers, seeds and graph.collection.NAME -- validation with
located errors, rendering, and each step on real TensorFlow 1.15."""

from __future__ import annotations

import ast
import json
import subprocess
import types
from pathlib import Path

import pytest

from harness import cases, steps
from harness.compare import CONFORMS
from harness.facts import tfscope_getter
from harness.render import python_code
from harness.runner import Pool

ROOT = Path(__file__).resolve().parent.parent

HEAD = """
id: t.a
title: t
source: {doc: test, quote: q}
program:
"""


def case_text(program: str, expect: str = "  graph.ops: []") -> str:
    return HEAD + program + "expect:\n" + expect + "\n"


def load(write_case, program: str, expect: str = "  graph.ops: []"):
    return cases.load([write_case(case_text(program, expect))])


def the_error(write_case, program: str, expect: str = "  graph.ops: []"):
    found, errors = load(write_case, program, expect)
    assert not found and len(errors) == 1, (found, errors)
    return errors[0]


# --- validation: good values ---------------------------------------------------------------------

GOOD = [
    "  - get_variable: {name: w, shape: [4], partitioner: {fixed_size: 2}}\n",
    "  - get_variable: {name: w, shape: [4],"
    " partitioner: {fixed_size: {num_shards: 2, axis: 0}}}\n",
    "  - variable_scope: {name_or_scope: s, partitioner: {variable_axis_size: {max_shard_bytes: 64,"
    " axis: 1, bytes_per_string_element: 8, max_shards: null}}}\n",
    "  - variable_scope: {name_or_scope: s, partitioner: {min_max_variable: {max_partitions: 3,"
    " axis: 0, min_slice_size: 1024}}}\n",
    "  - variable_scope: {name_or_scope: s, partitioner: {min_max_variable: 4}}\n",
    "  - get_variable: {name: w, shape: [1], constraint: {clip_by_value: [0, 1.5]}}\n",
    "  - variable_scope: {name_or_scope: s, custom_getter: {rename: {prefix: p_}}}\n",
    "  - variable_scope: {name_or_scope: s, custom_getter: {force: {trainable: false,"
    " dtype: float64}}}\n",
    "  - variable_scope: {name_or_scope: s, custom_getter: {combine: {count: 3, op: product,"
    " name_scope: m, part_prefix: x}}}\n",
    "  - variable_scope: {name_or_scope: s, custom_getter: [{record: r}, {combine: {count: 2}}]}\n",
    "  - variable_scope: {name_or_scope: s, custom_getter: null}\n",
    "  - get_variable: {name: w, shape: [1], custom_getter: {record: r}, validate_shape: false}\n",
    "  - variable: {initial_value: 1.0, validate_shape: false}\n",
    "  - variable_scope: {name_or_scope: s, as: s}\n  - name_scope: {name: {ref: s}}\n",
    "  - name_scope: {name: a, as: n}\n  - name_scope: {name: {ref: n}}\n",
    "  - name_scope: a/\n  - name_scope: {name: null}\n",
    "  - device: /cpu:0\n    do:\n      - constant: 1\n"
    "  - device: {device_name_or_function: null}\n",
    "  - constant: {value: 1, as: c}\n  - control_dependencies: [{ref: c}]\n"
    "    do: [{constant: 2}]\n  - control_dependencies: {control_inputs: null}\n",
    "  - other_graph:\n    do: [{constant: 2}]\n  - other_graph: {}\n",
    "  - variable: {initial_value: 1.0, as: v}\n  - saver: {as: s1}\n"
    "  - saver: {var_list: [{ref: v}]}\n  - saver: {var_list: {key: {ref: v}}}\n",
    "  - set_random_seed: 42\n  - set_random_seed: {seed: null}\n",
]


@pytest.mark.parametrize("program", GOOD)
def test_new_arguments_and_steps_validate(write_case, program):
    found, errors = load(write_case, program)
    assert errors == [] and len(found) == 1


def test_record_label_is_a_getter_capture_with_its_facts(write_case):
    (case,), errors = load(write_case, "  - variable_scope: {name_or_scope: s, custom_getter: "
                           "[{record: outer}, {record: inner}]}\n",
                           "  outer.calls: []\n  inner.reuse: []")
    assert errors == []
    assert case.labels["outer"] == {"kind": "getter", "multi": False, "path": "program[0]"}
    assert case.labels["inner"]["kind"] == "getter"


def test_saver_facts_and_any_collection_validate(write_case):
    found, errors = load(write_case, "  - saver: {as: ck}\n",
                         "  ck.keys: []\n  ck.shapes: {}\n  graph.collection.my_things: []\n"
                         "  graph.collection.variables: []")
    assert errors == [], errors


# --- validation: mistakes, each one located error ------------------------------------------------

BAD = [
    ("  - get_variable: {name: w, partitioner: {fixed: 2}}\n", 5, "expected a partitioner"),
    ("  - get_variable: {name: w, partitioner: {fixed_size: 0}}\n", 5,
     "bad `num_shards` of the fixed_size partitioner"),
    ("  - get_variable: {name: w, partitioner: {fixed_size: {axis: 0}}}\n", 5,
     "needs `num_shards`"),
    ("  - get_variable: {name: w, partitioner: {variable_axis_size: {max_shard_bytes: 8,\n"
     "      shards: 2}}}\n", 5, "unknown argument `shards` of the variable_axis_size"),
    ("  - get_variable: {name: w, partitioner: {min_max_variable: {axis: -1}}}\n", 5,
     "bad `axis`"),
    ("  - get_variable: {name: w, constraint: {clip_by_value: [0]}}\n", 5,
     "expected a constraint"),
    ("  - get_variable: {name: w, custom_getter: {code: 'lambda g: g'}}\n", 5,
     "expected a custom getter"),
    ("  - get_variable: {name: w, custom_getter: {record: 'not a label'}}\n", 5,
     "`record` takes a label"),
    ("  - get_variable: {name: w, custom_getter: {record: graph}}\n", 5, "`record` takes a label"),
    ("  - get_variable: {name: w, custom_getter: {rename: {infix: x}}}\n", 5,
     "unknown key `infix` in `rename`"),
    ("  - get_variable: {name: w, custom_getter: {force: {dtype: float}}}\n", 5,
     "`force.dtype`"),
    ("  - get_variable: {name: w, custom_getter: {combine: {count: 0}}}\n", 5,
     "`combine.count` must be"),
    ("  - get_variable: {name: w, custom_getter: {combine: {count: 2, op: mean}}}\n", 5,
     "`combine.op` must be sum or product"),
    ("  - get_variable: {name: w, custom_getter: {combine: {op: sum}}}\n", 5,
     "`combine` needs `count`"),
    ("  - get_variable: {name: w, custom_getter: []}\n", 5, "must not be empty"),
    ("  - get_variable: {name: w, validate_shape: maybe}\n", 5, "expected true or false"),
    ("  - name_scope: {name: {ref: nowhere}}\n", 5, "which no earlier step captures"),
    ("  - constant: {value: 1, as: c}\n  - name_scope: {name: {ref: c}}\n", 6,
     "a tensor; it needs a name_scope or scope"),
    ("  - name_scope: {name: 3}\n", 5, "bad `name` for `name_scope`"),
    ("  - device: 3\n", 5, "bad `device_name_or_function`"),
    ("  - control_dependencies: [1]\n", 5, "expected a list of {ref: LABEL}"),
    ("  - control_dependencies: [{ref: x}]\n", 5, "which no earlier step captures"),
    ("  - other_graph: {graph: g}\n", 5, "unknown key `graph`"),
    ("  - saver: {var_list: {k: 1}}\n", 5, "expected a var_list"),
    ("  - saver: {var_list: {}}\n", 5, "expected a var_list"),
    ("  - variable_scope: {name_or_scope: s, as: s}\n  - saver: {var_list: [{ref: s}]}\n", 6,
     "a scope; it needs a variable"),
    ("  - set_random_seed: -1\n", 5, "expected a seed"),
    ("  - set_random_seed: 1.5\n", 5, "expected a seed"),
    ("  - variable_scope: {name_or_scope: s, custom_getter: {record: s}, as: s}\n", 5,
     "captured twice"),
    ("  - get_variable: {name: w, custom_getter: {record: r}}\n"
     "  - get_variable: {name: w, custom_getter: {record: r}}\n", 6, "captured twice"),
]


@pytest.mark.parametrize("program, line, message", BAD)
def test_mistakes_are_one_located_error(write_case, program, line, message):
    error = the_error(write_case, program)
    assert message in str(error), str(error)
    assert error.line == line, (error.line, str(error))


def test_unknown_getter_fact_and_empty_collection_name_are_errors(write_case):
    error = the_error(write_case, "  - get_variable: {name: w, custom_getter: {record: r}}\n",
                      "  r.name: x")
    assert "unknown fact `name` of `r` (a getter)" in str(error)
    error = the_error(write_case, "  - constant: 1\n", "  graph.collection.: []")
    assert "unknown graph fact" in str(error)


def test_reserved_export_names_are_not_labels(write_case):
    for label in ("capture", "tfscope_getter", "tfscope_checkpoint"):
        error = the_error(write_case, f"  - constant: {{value: 1, as: {label}}}\n")
        assert "bad label" in str(error)


def test_schema_fragments_exist_for_new_argument_types():
    for argtype in (steps.PARTITIONER, steps.CONSTRAINT, steps.CUSTOM_GETTER,
                    steps.NAME_SCOPE_NAME, steps.REFS, steps.VAR_LIST, steps.SEED):
        assert argtype.schema, argtype.name


# --- rendering -----------------------------------------------------------------------------------

RENDERED = [
    ("{get_variable: {name: w, shape: [4], partitioner: {fixed_size: {num_shards: 2, axis: 1}}}}",
     "tf.get_variable(name='w', shape=[4], "
     "partitioner=tf.fixed_size_partitioner(num_shards=2, axis=1))"),
    ("{get_variable: {name: w, partitioner: {variable_axis_size: {max_shard_bytes: 64, "
     "max_shards: 2}}}}",
     "tf.get_variable(name='w', "
     "partitioner=tf.variable_axis_size_partitioner(max_shard_bytes=64, max_shards=2))"),
    ("{get_variable: {name: w, partitioner: {min_max_variable: 3}}}",
     "tf.get_variable(name='w', partitioner=tf.min_max_variable_partitioner(max_partitions=3))"),
    ("{get_variable: {name: w, constraint: {clip_by_value: [0, 1]}}}",
     "tf.get_variable(name='w', constraint=lambda x: tf.clip_by_value(x, 0.0, 1.0))"),
    ("{get_variable: {name: w, custom_getter: {record: r}}}",
     "tf.get_variable(name='w', custom_getter=tfscope_getter(tf, {'record': 'r'}, capture))"),
    ("{variable: {initial_value: 1, validate_shape: false}}",
     "tf.Variable(initial_value=1, validate_shape=False)"),
    ("{device: /cpu:0}", "with tf.device(device_name_or_function='/cpu:0'):"),
    ("{other_graph: null}", "with tf.Graph().as_default():"),
    ("{saver: {as: ck}}", "ck = tfscope_checkpoint(tf, tf.train.Saver())"),
    ("{set_random_seed: 3}", "tf.set_random_seed(seed=3)"),
]


@pytest.mark.parametrize("step, line", RENDERED)
def test_new_steps_render_as_tf_calls(write_case, step, line):
    (case,), errors = cases.load([write_case(case_text(f"  - {step}\n"))])
    assert errors == []
    code = python_code(case)
    # The first line after the import (and a note on helpers, if any) and the blank line.
    assert code.split("\n\n", 1)[1].splitlines()[0] == line
    ast.parse(code)


def test_refs_render_as_labels(write_case):
    program = ("  - variable: {initial_value: 1.0, as: v}\n"
               "  - variable_scope: {name_or_scope: s, as: s}\n"
               "  - name_scope: {name: {ref: s}}\n"
               "  - control_dependencies: [{ref: v}]\n"
               "  - saver: {var_list: {key: {ref: v}}}\n")
    (case,), errors = cases.load([write_case(case_text(program))])
    lines = python_code(case).splitlines()
    assert "with tf.name_scope(name=getattr(s, 'original_name_scope', s)):" in lines
    assert "with tf.control_dependencies(control_inputs=[v]):" in lines
    assert "tfscope_checkpoint(tf, tf.train.Saver(var_list={'key': v}))" in lines


# --- on real TensorFlow 1.15 ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def pool(tf115):
    with Pool([tf115]) as p:
        yield p


def run(pool, write_case, program: str, expect: str = "  graph.ops: {excludes: [x]}"):
    (case,), errors = cases.load([write_case(case_text(program, expect))])
    assert errors == [], errors
    return pool.run(case, "tf1.15")


def test_partitioners_on_tf(pool, write_case):
    facts = run(pool, write_case, """\
  - variable_scope: {name_or_scope: p, partitioner: {fixed_size: 2}}
    do:
      - get_variable: {name: w, shape: [4, 3], as: w}
      - get_variable: {name: s, shape: [], as: s}
  - get_variable: {name: a, shape: [40, 3], partitioner: {variable_axis_size: 100}, as: a}
  - get_variable: {name: m, shape: [40, 3], partitioner: {min_max_variable: {max_partitions: 3,
      min_slice_size: 64}}, as: m}
""").outcome.facts
    assert facts["w.class"] == "PartitionedVariable" and facts["w.name"] == "p/w"
    assert facts["w.parts"] == ["p/w/part_0:0", "p/w/part_1:0"]
    assert facts["w.partitions"] == [2, 1] and facts["w.part_shapes"] == [[2, 3], [2, 3]]
    assert facts["w.device"].startswith("<unavailable")
    assert facts["s.parts"] is None and facts["s.partitions"] is None
    assert facts["a.partitions"] == [5, 1] and facts["m.partitions"] == [3, 1]


def test_custom_getters_on_tf(pool, write_case):
    facts = run(pool, write_case, """\
  - variable_scope:
      name_or_scope: s
      custom_getter: [{record: seen}, {rename: {prefix: p_, suffix: _x}}, {record: renamed},
                      {force: {trainable: false}}]
    do:
      - get_variable: {name: v, shape: [1], as: v}
  - get_variable: {name: g, shape: [2], custom_getter: {combine: {count: 3, op: product}},
      as: g}
  - variable_scope: {name_or_scope: f, custom_getter: {force: {dtype: float64}}}
    do:
      - get_variable: {name: d, shape: [1], as: d}
""").outcome.facts
    assert facts["seen.calls"] == ["s/v"] and facts["renamed.calls"] == ["p_s/v_x"]
    assert facts["seen.reuse"] == [False]
    assert facts["v.name"] == "p_s/v_x:0" and facts["v.trainable"] is False
    assert facts["g.name"] == "mul_1:0" and facts["g.shape"] == [2]
    assert facts["graph.global_variables"][1:4] == ["g/0:0", "g/1:0", "g/2:0"]
    assert facts["d.dtype"] == "float64"


def test_a_record_getter_does_not_need_auto_reuse():
    # TF before 1.4 has no tf.AUTO_REUSE: a recorder that looked it up failed every case with
    # a getter there, and the failure read as TF's (an AttributeError of the case).
    tf_without_auto_reuse = types.SimpleNamespace()
    records: dict = {}
    getter = tfscope_getter(tf_without_auto_reuse, {"record": "r"},
                                  lambda label, record: records.setdefault(label, record))
    for reuse in (None, False, True):
        assert getter(lambda name, *args, **kwargs: name + ":got", "s/v", reuse=reuse) == "s/v:got"
    assert records["r"].calls == ["s/v"] * 3 and records["r"].reuse == [None, False, True]


def test_record_inside_repeat_gives_one_list_per_execution(pool, write_case):
    facts = run(pool, write_case, """\
  - repeat: 2
    do:
      - variable_scope: {name_or_scope: s, reuse: auto_reuse, custom_getter: {record: r}}
        do:
          - get_variable: {name: v, shape: [1]}
""", "  r.calls: [[s/v], [s/v]]").outcome.facts
    assert facts["r.calls"] == [["s/v"], ["s/v"]]
    assert facts["r.reuse"] == [["auto_reuse"], ["auto_reuse"]]


def test_name_scopes_by_reference_absolute_and_root_on_tf(pool, write_case):
    facts = run(pool, write_case, """\
  - name_scope: outer
    do:
      - variable_scope: {name_or_scope: vs, as: vs}
      - name_scope: {name: inner, as: inner}
      - name_scope: {name: {ref: vs}, as: by_scope}
      - name_scope: {name: {ref: inner}, as: by_name}
      - name_scope: {name: abs/, as: absolute}
      - name_scope: {name: null, as: root}
        do:
          - constant: {value: 1, name: c, as: c}
""").outcome.facts
    assert facts["by_scope.name"] == "outer/vs/" and facts["by_name.name"] == "outer/inner/"
    assert facts["absolute.name"] == "abs/" and facts["root.name"] == ""
    assert facts["c.name"] == "c:0"


def test_device_control_dependencies_and_other_graph_on_tf(pool, write_case):
    result = run(pool, write_case, """\
  - device: /cpu:0
    do:
      - variable: {initial_value: 1.0, name: v, as: v}
      - constant: {value: 1, name: a, as: a}
  - control_dependencies: [{ref: v}, {ref: a}]
    do:
      - constant: {value: 2, name: b, as: b}
      - control_dependencies: {control_inputs: null}
        do:
          - constant: {value: 3, name: free, as: free}
  - other_graph:
    do:
      - variable: {initial_value: 1.0, name: elsewhere, as: elsewhere}
  - variable: {initial_value: [1.0, 2.0], validate_shape: false, name: loose, as: loose}
  - variable: {initial_value: 1.0, name: clipped, constraint: {clip_by_value: [0, 1]}, as: cl}
""")
    facts = result.outcome.facts
    assert result.outcome.error is None
    assert facts["v.device"] == "/device:CPU:0" and facts["a.device"] == "/device:CPU:0"
    assert facts["b.control_inputs"] == ["v", "a"] and facts["free.control_inputs"] == []
    assert facts["elsewhere.name"] == "elsewhere:0"
    assert "elsewhere:0" not in facts["graph.global_variables"]
    assert facts["graph.collection.variables"] == ["v:0", "loose:0", "clipped:0"]
    assert facts["loose.shape"] is None
    assert facts["cl.constraint"] is True and facts["v.constraint"] is False


def test_values_from_two_graphs_is_a_recorded_error(pool, write_case):
    result = run(pool, write_case, """\
  - other_graph:
    do:
      - constant: {value: 1, name: there, as: there}
  - constant: {value: 1, name: here, as: here}
  - name_scope: {name: s, values: [{ref: here}, {ref: there}], as: s}
""", "  error: {type: ValueError, message: must be from the same graph, step: s}")
    assert result.verdict.verdict == CONFORMS, result.verdict
    assert "0x..." in result.outcome.error["message"] or "0x" not in \
        result.outcome.error["message"]


def test_saver_keys_on_tf(pool, write_case):
    facts = run(pool, write_case, """\
  - variable_scope: {name_or_scope: p, partitioner: {fixed_size: 2}}
    do:
      - get_variable: {name: w, shape: [4, 3], as: w}
  - variable: {initial_value: [1.0], name: plain, as: plain}
  - variable: {initial_value: [1.0], name: hidden, collections: [mine], as: hidden}
  - saver: {as: everything}
  - saver: {var_list: {renamed: {ref: plain}, parted: {ref: w}, hidden: {ref: hidden}}, as: mapped}
  - saver: {var_list: [{ref: w}], as: listed}
""").outcome.facts
    assert facts["everything.keys"] == ["p/w", "plain"]
    assert facts["everything.shapes"] == {"p/w": [4, 3], "plain": [1]}
    assert facts["mapped.keys"] == ["hidden", "parted", "renamed"]
    assert facts["listed.keys"] == ["p/w"]


LISTED_WITHOUT_LIST_VARIABLES = """\
import json, sys
sys.path.insert(0, sys.argv[1])
import facts
import tensorflow as tf

class TrainOfTF12(object):
    # tf.train as TF 1.0-1.2 have it: no list_variables
    def __getattr__(self, name):
        if name == "list_variables":
            raise AttributeError(name)
        return getattr(tf.train, name)

class TF12(object):
    train = TrainOfTF12()
    def __getattr__(self, name):
        return getattr(tf, name)

def listed(tf_):
    with tf.Graph().as_default():
        with tf.variable_scope("p", partitioner=tf.fixed_size_partitioner(2)):
            tf.get_variable("w", [4, 3])
        tf.Variable([1.0], name="plain")
        ck = facts.tfscope_checkpoint(tf_, tf.train.Saver())
        return [ck.keys, ck.shapes]

print(json.dumps([listed(tf), listed(TF12())]))
"""


def test_saver_lists_keys_where_tf_has_no_list_variables(tf115, tmp_path):
    # TF 1.0-1.2 have no tf.train.list_variables: the step read nothing there (an AttributeError);
    # shown on 1.15 with the attribute hidden, the keys and shapes must be those 1.15 lists
    script = tmp_path / "listed.py"
    script.write_text(LISTED_WITHOUT_LIST_VARIABLES)
    done = subprocess.run([tf115.python, "-I", str(script), str(ROOT / "harness")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with_it, without = json.loads(done.stdout.strip().splitlines()[-1])
    assert with_it == [["p/w", "plain"], {"p/w": [4, 3], "plain": [1]}]
    assert without == with_it


def test_set_random_seed_makes_initial_values_repeat(pool, write_case):
    text = """\
  - set_random_seed: 1234
  - get_variable: {name: w, shape: [3], initializer: {random_normal: {}}, as: w}
"""
    first = run(pool, write_case, text, "  w.value: []").outcome.facts["w.value"]
    second = run(pool, write_case, text, "  w.value: []").outcome.facts["w.value"]
    assert isinstance(first, list) and len(first) == 3 and first == second


def test_regularizer_losses_and_get_variable_options_on_tf(pool, write_case):
    facts = run(pool, write_case, """\
  - variable_scope: {name_or_scope: s, regularizer: {l2: 0.5}}
    do:
      - get_variable: {name: w, shape: [2], as: w}
      - get_variable: {name: r, shape: [2], use_resource: true, trainable: false,
          collections: [mine, variables], as: r}
  - variable_scope: {name_or_scope: s, reuse: true}
    do:
      - get_variable: {name: w, shape: [2], as: w_again}
""").outcome.facts
    losses = facts["graph.regularization_losses"]
    assert len(losses) == 2 and all(name.startswith("s/") for name in losses)
    assert facts["graph.collection.regularization_losses"] == losses  # reuse adds none
    assert facts["r.class"] == "ResourceVariable" and facts["r.trainable"] is False
    assert facts["r.collections"] == ["mine", "variables"]
    assert facts["graph.collection.mine"] == ["s/r:0"]
