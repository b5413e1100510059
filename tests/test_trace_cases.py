"""`tfscope new ID --trace SCRIPT`: the traced case, run through the normal runner on the same
runtime, gives exactly the script's variable and op names (checked by `new` itself, which writes
nothing otherwise), with `observed:` recorded, on real TF 1.15 and TF 2."""

from __future__ import annotations

from harness.cli import main
from harness.trace import differences
from tests.test_trace import script


def test_a_script_that_cannot_be_data_writes_nothing(tf115, tmp_path, capsys):
    path = script(tmp_path, """
        import tensorflow as tf


        def getter(getter, name, *args, **kwargs):
            return getter(name + "_x", *args, **kwargs)


        with tf.variable_scope("s", custom_getter=getter):
            v = tf.get_variable("v", [1])
        """)
    out = tmp_path / "out"
    assert main(["new", "traced.getter", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:8: a Python function (getter, model.py:4) passed to TF cannot be data" in err
    assert "custom_getter" in err and "nothing written" in err
    assert not out.exists()


def test_differences_name_what_only_one_side_has():
    script_graph = {"global_variables": ["a:0", "b:0"], "ops": ["a", "b"]}
    assert differences(script_graph, {"graph.global_variables": ["a:0", "b:0"],
                                      "graph.ops": ["a", "b"]}) == []
    found = differences(script_graph, {"graph.global_variables": ["a:0", "c:0"],
                                       "graph.ops": ["b", "a"]})
    assert found == ["the case's variables differ from the script's; only the script has b:0; "
                     "only the case has c:0", "the case's ops differ from the script's in order"]
