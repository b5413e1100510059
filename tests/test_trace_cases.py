"""`tfscope new ID --trace SCRIPT`: the traced case, run through the normal runner on the same
runtime, gives exactly the script's variable and op names (checked by `new` itself, which writes
nothing otherwise), with `observed:` recorded, on real TF 1.15 and TF 2.

The scripts of tests/data/trace imitate the graph-building part of public TF1 projects (each
names the kind it imitates). They are traced in one TF process per runtime
(trace.run_tracer_batch) and their cases run together (trace.traced_cases), as `new` does for
one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness import cases as caselib
from harness.cli import main
from harness.trace import differences, run_tracer_batch, traced_cases
from tests.test_trace import SCRIPTS, script, tf2  # noqa: F401 - tf2 is a fixture

ON_TF115 = ["gan.py", "towers.py", "rnn.py", "helpers.py", "ema.py", "flags.py",
            "numpy_consts.py", "keras_reuse.py", "summaries.py", "slim_net.py",
            # imitations of public projects (issue 15)
            "dcgan_ops.py", "pix2pix.py", "nmt_attention.py", "transformer.py",
            "resnet_slim.py", "inception_slim.py", "dqn.py", "a3c.py", "ppo.py",
            "ema_getter.py", "fp16_getter.py", "frozen_getter.py", "lstm_classifier.py",
            "bilstm_crf.py", "attention_loop.py", "while_loop.py", "map_fn.py",
            "keras_actor_critic.py", "template_vae.py", "cifar_multi_gpu.py", "siamese.py",
            "wgan_gp.py", "cnn_class.py", "custom_cell.py", "input_pipeline.py",
            "bert_encoder.py", "legacy_seq2seq.py", "ddpg_ema.py",
            # getters that branch on their arguments: their defs written from the source
            "fp16_storage_getter.py", "ema_eval_getter.py", "weight_norm_getter.py",
            "ema_template.py",
            # classes deriving from TF classes (class steps)
            "layer_norm_lstm.py", "keras_attention_layer.py", "keras_model_subclass.py",
            "layers_attention.py",
            # patterns of real projects' code (helper "real"): inf arguments, an API function
            # imported from its implementation module, add_arg_scope functions handed back
            "clip_range_inf.py", "internal_import.py", "arg_scope_handback.py",
            "tensor_array_rollout.py", "slim_initializers.py",
            # imitations of more public projects, each traced unchanged (see their docstrings)
            "cyclegan.py", "stargan.py", "srgan.py", "neural_style.py", "wavenet.py",
            "deepspeech.py", "char_rnn.py", "text_cnn.py", "word2vec.py", "unet.py",
            "dueling_ddqn.py", "memn2n.py", "mobilenet_v1.py", "maml.py", "baselines_ppo1.py",
            "show_and_tell.py", "han.py", "ncf.py", "capsnet.py", "tacotron.py",
            "wide_deep.py", "seq2seq_beam.py", "pointer_generator.py", "yolo_slim.py",
            "faster_rcnn.py", "ssd_vgg.py", "deeplab_v3.py", "multigpu_cnn.py",
            # wrapper cells forwarding sizes, a Helper subclass (issue 15, real Tacotron code)
            "wrapper_cells_decoder.py"]
# tf.contrib is gone in TF 2, and tf.layers on Keras 3: the rest
ON_TF2 = ["towers.py", "helpers.py", "ema.py", "flags.py", "numpy_consts.py", "keras_reuse.py",
          "summaries.py", "while_loop.py", "fp16_getter.py", "cifar_multi_gpu.py",
          "ema_eval_getter.py", "ema_template.py", "keras_attention_layer.py",
          "neural_style.py", "word2vec.py", "unet.py", "memn2n.py", "cyclegan.py"]
# Scripts refused, with the reason (the first problem, with FILE:LINE and a way out): what no
# case can say yet.
REFUSED: dict[str, str] = {
    "resnet_slim.py": "resnet_slim.py:83: tf.contrib.slim.learning.create_train_op is "
                      "TensorFlow's internals (tensorflow.contrib.slim.python.slim.learning)",
    # TF-slim's model zoo (tensorflow.contrib.slim.nets) is no API a case may call
    "deeplab_v3.py": "deeplab_v3.py:100: what tf.contrib.slim.nets.resnet_v2.resnet_arg_scope "
                     "returned cannot be data: it is TensorFlow's internals "
                     "(tensorflow.contrib.slim.python.slim.nets.resnet_v2)",
}


def batch(runtime, names: list[str], tmp_path: Path) -> dict[str, tuple[str, object]]:
    traces = run_tracer_batch([SCRIPTS / n for n in names], runtime)
    items = [("traced." + n[:-3].replace("_", "-"), tmp_path / n.replace(".py", ".yaml"), t)
             for n, t in zip(names, traces)]
    return dict(zip(names, traced_cases(items, "schema.json", runtime)))


@pytest.fixture(scope="module")
def on_tf115(tf115, tmp_path_factory):
    return batch(tf115, ON_TF115, tmp_path_factory.mktemp("tf115"))


@pytest.fixture(scope="module")
def on_tf2(tf2, tmp_path_factory):  # noqa: F811
    return batch(tf2, ON_TF2, tmp_path_factory.mktemp("tf2"))


def checked(text: str, runtime: str) -> dict:
    (case,), errors = caselib.load_text(text, "traced.yaml")
    assert not errors and case.program
    data = yaml.safe_load(text)
    assert data["expect"] == {} and list(data["observed"]) == [runtime]
    observed = data["observed"][runtime]
    assert observed["error"] is None
    return observed


@pytest.mark.parametrize("name", ON_TF115)
def test_traced_case_gives_the_scripts_names_on_tf115(on_tf115, name):
    text, refused = on_tf115[name]
    if name in REFUSED:
        assert refused is not None and REFUSED[name] in str(refused.problems[0])
        assert len(refused.problems) == 1  # one reason, not its consequences
        return
    assert refused is None, "\n".join([str(refused)] + [str(p) for p in refused.problems])
    observed = checked(text, "tf1.15")
    assert any(k.endswith(".name") for k in observed)


@pytest.mark.parametrize("name", ON_TF2)
def test_traced_case_gives_the_scripts_names_on_tf2(on_tf2, name):
    text, refused = on_tf2[name]
    assert refused is None, "\n".join([str(refused)] + [str(p) for p in refused.problems])
    checked(text, "tf2")


def test_new_trace_writes_a_case_that_runs_again(tf115, tmp_path, capsys):
    assert main(["new", "traced.gan", "--trace", str(SCRIPTS / "gan.py"), "--runtime",
                 "tf1.15", "--dir", str(tmp_path)]) == 0, capsys.readouterr().err
    (case,), errors = caselib.load_file(tmp_path / "gan.yaml")
    assert not errors and case.program
    assert main(["run", str(tmp_path), "--runtime", "tf1.15", "-q"]) == 0


def test_a_script_that_cannot_be_data_writes_nothing(tf115, tmp_path, capsys):
    path = script(tmp_path, """
        import tensorflow as tf


        def getter(getter, name, *args, **kwargs):
            return getter(name + "_x", *args, **kwargs)


        with tf.variable_scope("s", custom_getter=getter):
            v = tf.get_variable("v", [1])
        y = tf.py_func(lambda x: x, [v], tf.float32)
        """)
    out = tmp_path / "out"
    assert main(["new", "traced.getter", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:10: tf.py_func cannot be traced" in err
    assert "nothing written" in err
    assert not out.exists()


def test_a_traced_case_that_stops_at_an_error_says_so_first(tf115, tmp_path, capsys):
    # A numpy float64 scalar is written as a Python float, which TF makes float32: the case's
    # add fails where the script's did not, and that error is the reason given first.
    path = script(tmp_path, """
        import numpy as np
        import tensorflow as tf

        x = tf.Variable(np.float64(0.5), name="x")
        y = tf.add(x, tf.constant(1.0, tf.float64), name="y")
        """)
    assert main(["new", "traced.stops", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 2
    first, second = capsys.readouterr().err.splitlines()[:2]
    assert first.startswith(f"tfscope: error: {path}: the traced case stopped at TypeError: ")
    assert first.endswith(", where the script went on (trim the script, or report it with the "
                          "script)")
    assert "the case's ops differ from the script's; only the script has y" in second


def test_a_scripts_own_arguments_go_after_the_double_dash(tf115, tmp_path, capsys):
    path = script(tmp_path, """
        import argparse
        import tensorflow as tf

        parser = argparse.ArgumentParser()
        parser.add_argument("--mode", required=True)
        with tf.variable_scope(parser.parse_args().mode):
            v = tf.get_variable("v", [1])
        """)
    out = tmp_path / "out"
    # without them, argparse's own words say what is missing, and how to give it
    assert main(["new", "traced.args", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1: the script exited with 2: model.py: error: the following arguments " \
           "are required: --mode (give the script's arguments after `--`: tfscope new ID " \
           "--trace SCRIPT -- ARGS)" in err
    assert main(["new", "traced.args", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(out), "--", "--mode", "train"]) == 0, capsys.readouterr().err
    assert yaml.safe_load((out / "args.yaml").read_text())["observed"]["tf1.15"]["v.name"] \
        == "train/v:0"
    assert main(["new", "plain.args", "--dir", str(out), "--", "--mode", "train"]) == 2
    assert "a script's arguments go with --trace" in capsys.readouterr().err


def test_a_script_ended_by_an_error_tf_raised_gives_a_case_that_ends_so_too(tf115, tmp_path,
                                                                            capsys):
    path = script(tmp_path, """
        import tensorflow as tf

        v = tf.get_variable("v", [1])
        w = tf.get_variable("v", [1])
        """)
    out = tmp_path / "out"
    assert main(["new", "traced.clash", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(out)]) == 0
    err = capsys.readouterr().err
    assert "tfscope: the script ended at ValueError: Variable v already exists, disallowed. " \
           "Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?, raised by a " \
           "TF call; the case ends there too (its `observed` error)" in err
    observed = yaml.safe_load((out / "clash.yaml").read_text())["observed"]["tf1.15"]
    assert observed["error"]["type"] == "ValueError"


def test_variables_a_left_out_call_makes_refuse_the_script(tf115, tmp_path, capsys):
    # PTB's main: the graph built, exported and imported into another graph (a graph file's
    # call is left out): the case would have none of the imported variables
    path = script(tmp_path, """
        import tensorflow as tf

        with tf.Graph().as_default():
            with tf.variable_scope("M"):
                v = tf.get_variable("v", [2])
            meta = tf.train.export_meta_graph()
        with tf.Graph().as_default():
            tf.train.import_meta_graph(meta)
            x = tf.constant(1.0, name="x")
        """)
    assert main(["new", "traced.meta", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path}:8: tf.train.import_meta_graph made variables (M/v:0) that a case cannot " \
           "make: it is left out (graph files (tf.train.import_meta_graph)) (trace the script " \
           "that builds them with TF calls instead)" in err
    assert not (tmp_path / "out").exists()


def test_a_refused_call_is_the_one_problem_of_what_follows_from_it(tf115, tmp_path, capsys):
    # PTB's Supervisor: its managed_session(config=tf.ConfigProto(...)) was a second problem,
    # "a ConfigProto that no recorded TF call returned", of a proto the script did make
    path = script(tmp_path, """
        import tensorflow as tf

        v = tf.get_variable("v", [1])
        sv = tf.train.Supervisor(logdir=None)
        config = tf.ConfigProto(allow_soft_placement=True)
        with sv.managed_session(config=config) as session:
            pass
        """)
    assert main(["new", "traced.sv", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"tfscope: error: {path}:4: tf.train.Supervisor cannot be traced: it adds "
                   "its own ops when it starts (trim the script to the part that builds the "
                   "graph)", f"tfscope: nothing written: {path} cannot become a case: 1 "
                   "problem(s)"]


def test_an_estimator_spec_a_model_fn_returns_is_no_estimator(tf115, tmp_path, capsys):
    # official/resnet's model_fn called directly: its EstimatorSpec bundles what it made
    path = script(tmp_path, """
        import tensorflow as tf


        def model_fn(features, mode):
            logits = tf.layers.dense(features, 2, name="logits")
            loss = tf.reduce_mean(logits)
            train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
            return tf.estimator.EstimatorSpec(mode=mode, loss=loss, train_op=train_op)

        spec = model_fn(tf.placeholder(tf.float32, [None, 3]), tf.estimator.ModeKeys.TRAIN)
        """)
    assert main(["new", "traced.spec", "--trace", str(path), "--runtime", "tf1.15",
                 "--dir", str(tmp_path / "out")]) == 0, capsys.readouterr().err
    observed = yaml.safe_load((tmp_path / "out" / "spec.yaml").read_text())["observed"]
    assert observed["tf1.15"]["error"] is None


def test_differences_name_what_only_one_side_has():
    script_graph = {"global_variables": ["a:0", "b:0"], "ops": ["a", "b"]}
    assert differences(script_graph, {"graph.global_variables": ["a:0", "b:0"],
                                      "graph.ops": ["a", "b"]}) == []
    found = differences(script_graph, {"graph.global_variables": ["a:0", "c:0"],
                                       "graph.ops": ["b", "a"]})
    assert found == ["the case's variables differ from the script's; only the script has b:0; "
                     "only the case has c:0", "the case's ops differ from the script's in order"]
    # tf.summary.scalar("loss", x) then tf.identity(y, name="loss"): the script's identity is
    # loss_1, the case's (no summary) loss
    script_graph = {"global_variables": [], "ops": ["x", "loss", "loss_1"],
                    "unrecorded_ops": ["loss"]}
    assert differences(script_graph, {"graph.global_variables": [], "graph.ops": ["x", "loss"]}
                       ) == ["the case's ops differ from the script's; only the script has "
                             "loss_1; only the case has loss; the script's summaries, which the "
                             "case leaves out, named ops loss first (give them other names, or "
                             "trim them)"]
