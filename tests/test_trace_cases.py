"""`tfscope new ID --trace SCRIPT`: the traced case, run through the normal runner on the same
runtime, gives exactly the script's variable and op names (checked by `new` itself, which writes
nothing otherwise), with `observed:` recorded, on real TF 1.15 and TF 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness import cases as caselib
from harness.cli import main
from harness.trace import differences
from tests.test_trace import SCRIPTS, script, tf2  # noqa: F401 - tf2 is a fixture

ON_TF115 = ["gan.py", "towers.py", "rnn.py", "helpers.py", "ema.py", "flags.py",
            "numpy_consts.py", "keras_reuse.py", "summaries.py", "slim_net.py"]
ON_TF2 = ["towers.py", "helpers.py", "ema.py", "flags.py", "numpy_consts.py", "keras_reuse.py",
          "summaries.py"]


def traced(tmp_path: Path, name: str, runtime: str, capsys) -> tuple[caselib.Case, dict]:
    case_id = "traced." + name[:-3].replace("_", "-")
    code = main(["new", case_id, "--trace", str(SCRIPTS / name), "--runtime", runtime,
                 "--dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 0, err
    path = tmp_path / (case_id.split(".", 1)[1] + ".yaml")
    (case,), errors = caselib.load_file(path)
    assert not errors
    data = yaml.safe_load(path.read_text())
    return case, data


@pytest.mark.parametrize("name", ON_TF115)
def test_traced_case_gives_the_scripts_names_on_tf115(tf115, tmp_path, capsys, name):
    case, data = traced(tmp_path, name, "tf1.15", capsys)
    assert data["expect"] == {} and case.program
    observed = data["observed"]["tf1.15"]
    assert observed["error"] is None
    assert any(k.endswith(".name") for k in observed)
    # the file runs again as an ordinary case
    assert main(["run", str(tmp_path), "--runtime", "tf1.15", "-q"]) == 0


@pytest.mark.parametrize("name", ON_TF2)
def test_traced_case_gives_the_scripts_names_on_tf2(tf2, tmp_path, capsys, name):  # noqa: F811
    case, data = traced(tmp_path, name, "tf2", capsys)
    assert list(data["observed"]) == ["tf2"] and data["observed"]["tf2"]["error"] is None




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
