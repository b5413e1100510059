"""The refusal policy (harness/policy.py): hostile paths, attributes and methods are refused with
their reason, by the written path and, in real TensorFlow, by the object a path resolves to."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from harness import api, policy
from harness.runtimes import Runtime
from tests.conftest import provision

HARNESS = Path(policy.__file__).parent
DOC = Path(__file__).resolve().parent.parent / "docs" / "case-format.md"


@pytest.mark.parametrize("path, reason", [
    ("tf.gfile.Open", "file IO (tf.gfile)"),
    ("tf.gfile", "file IO (tf.gfile)"),
    ("tf.compat.v1.gfile.GFile", "file IO (tf.gfile)"),
    ("tf.compat.v2.io.gfile.exists", "file IO (tf.io.gfile)"),
    ("gfile.Exists", "file IO (tf.gfile)"),
    ("tf.io.read_file", "file IO (tf.io.read_file)"),
    ("tf.read_file", "file IO (tf.read_file)"),
    ("tf.python_io.TFRecordWriter", "file IO (tf.python_io)"),
    ("tf.TextLineReader", "file-reading datasets and readers (TextLineReader)"),
    ("tf.WholeFileReader", "file-reading datasets and readers (WholeFileReader)"),
    ("tf.data.TFRecordDataset", "file-reading datasets and readers (TFRecordDataset)"),
    ("tf.data.experimental.make_csv_dataset",
     "file-reading datasets and readers (tf.data.experimental.make_csv_dataset)"),
    ("tf.contrib.data.TFRecordDataset", "file-reading datasets and readers (TFRecordDataset)"),
    ("tf.data.TFRecordDatasetV1", "file-reading datasets and readers (TFRecordDatasetV1)"),
    ("tf.compat.v1.data.experimental.CsvDatasetV2",
     "file-reading datasets and readers (CsvDatasetV2)"),
    ("tf.summary.scalar", "summary event files (tf.summary)"),
    ("tf.compat.v1.summary.FileWriter", "summary event files (tf.summary)"),
    ("tf.contrib.summary.create_file_writer", "summary event files (tf.contrib.summary)"),
    ("tf.train.SummaryWriter", "summary event files (tf.train.SummaryWriter)"),
    ("tf.saved_model.simple_save", "SavedModel and model files (tf.saved_model)"),
    ("tf.train.write_graph", "graph files (tf.train.write_graph)"),
    ("tf.io.write_graph", "graph files (tf.io.write_graph)"),
    ("tf.train.import_meta_graph", "graph files (tf.train.import_meta_graph)"),
    ("tf.train.load_checkpoint", "checkpoint files (tf.train.load_checkpoint)"),
    ("tf.train.NewCheckpointReader", "checkpoint files (tf.train.NewCheckpointReader)"),
    ("tf.contrib.framework.init_from_checkpoint", "checkpoint files (init_from_checkpoint)"),
    ("tf.py_func", "runs Python code from inside the graph (tf.py_func)"),
    ("tf.compat.v1.py_func", "runs Python code from inside the graph (tf.py_func)"),
    ("tf.numpy_function", "runs Python code from inside the graph (tf.numpy_function)"),
    ("tf.contrib.eager.py_func", "runs Python code from inside the graph (py_func)"),
    ("tf.load_op_library", "loads native code (tf.load_op_library)"),
    ("tf.load_file_system_library", "loads native code (tf.load_file_system_library)"),
    ("tf.keras.utils.get_file", "downloads over the network (tf.keras.utils.get_file)"),
    ("tf.keras.datasets.mnist.load_data", "downloads over the network (tf.keras.datasets)"),
    ("tf.keras.models.load_model", "SavedModel and model files (tf.keras.models.load_model)"),
    ("tf.contrib.keras.utils.get_file", "downloads over the network (get_file)"),
    ("tf.estimator.Estimator", "estimators and training loops write to a model directory "
                               "(tf.estimator)"),
    ("tf.contrib.learn.Experiment", "estimators and training loops write to a model directory "
                                    "(tf.contrib.learn)"),
    ("tf.train.Server", "distributed runtime and remote services: sockets (tf.train.Server)"),
    ("tf.distribute.MirroredStrategy",
     "distributed runtime and remote services: sockets (tf.distribute)"),
    ("tf.app.run", "parses the command line or exits the process (tf.app)"),
    ("tf.flags.FLAGS", "parses the command line or exits the process (tf.flags)"),
    ("tf.sysconfig.get_lib", "reports the installation's paths and build (tf.sysconfig)"),
    ("tf.test.get_temp_dir", "test runner and temporary directories (tf.test)"),
    ("tf.lite.TFLiteConverter", "TFLite conversion: files and subprocesses (tf.lite)"),
    ("tf.tpu.rewrite", "TPU runtimes: devices outside the process (tf.tpu)"),
    ("tf.profiler.profile", "profiling and debugging dumps (tf.profiler)"),
    ("tf.contrib.training.HParams",
     "estimators and training loops write to a model directory (tf.contrib.training)"),
    ("tf.contrib.tensorboard.plugins", "summary event files (tf.contrib.tensorboard)"),
    ("tf.contrib.predictor.from_saved_model",
     "SavedModel and model files (tf.contrib.predictor)"),
    ("tf.lookup.index_table_from_file", "file IO (index_table_from_file)"),
    ("tf.raw_ops.ReadFile", "raw op constructors include file, checkpoint, summary and Python "
                            "ops (tf.raw_ops)"),
    ("tf.keras.models.model_from_yaml", "rebuilds Python code from data (a Lambda layer's "
                                        "marshalled function, YAML objects) (model_from_yaml)"),
    ("tf.keras.layers.Lambda.from_config", "rebuilds Python code from data (a Lambda layer's "
                                           "marshalled function, YAML objects) "
                                           "(Lambda.from_config)"),
    ("tf.keras.utils.deserialize_keras_object", "rebuilds Python code from data (a Lambda "
                                                "layer's marshalled function, YAML objects) "
                                                "(deserialize_keras_object)"),
    ("tf.contrib.specs.exec_", "executes Python source strings (tf.contrib.specs)"),
    ("tf.contrib.specs.specs_lib.exec_", "executes Python source strings (tf.contrib.specs)"),
    ("tf.contrib.gan.eval.get_graph_def_from_url_tarball",
     "downloads over the network (tf.contrib.gan.eval)"),
    ("tf.contrib.keras.callbacks.CSVLogger", "summary event files (tf.contrib.keras.callbacks)"),
    ("tf.contrib.data.make_csv_dataset",
     "file-reading datasets and readers (make_csv_dataset)"),
    ("tf.experimental.register_filesystem_plugin",
     "loads native code (tf.experimental.register_filesystem_plugin)"),
    ("tf.nn.__dict__", "attributes starting with `__` reach Python's internals (__dict__)"),
    ("tf.compat.v1.__builtins__",
     "attributes starting with `__` reach Python's internals (__builtins__)"),
    ("tf.enable_eager_execution", "changes process-wide state that every later case in the "
                                  "worker would inherit (enable_eager_execution)"),
])
def test_hostile_paths_are_refused_with_their_reason(path: str, reason: str) -> None:
    assert policy.refused(path) == reason


@pytest.mark.parametrize("path", [
    "tf.get_variable", "tf.variable_scope", "tf.name_scope", "tf.train.Saver",
    "tf.train.ExponentialMovingAverage", "tf.nn.relu", "tf.layers.dense", "tf.keras.layers.Dense",
    "tf.contrib.slim.conv2d", "tf.contrib.rnn.LSTMCell", "tf.contrib.layers.fully_connected",
    "tf.compat.v1.get_variable", "tf.Session", "tf.train.ClusterSpec", "tf.debugging.assert_equal",
    "tf.data.Dataset", "tf.GraphKeys.TRAINABLE_VARIABLES", "tf.create_partitioned_variables",
])
def test_the_api_cases_need_is_not_refused(path: str) -> None:
    assert policy.refused(path) is None


@pytest.mark.parametrize("name, fragment", [
    ("__class__", "starting with `__`"), ("__globals__", "starting with `__`"),
    ("__subclasses__", "starting with `__`"), ("f_globals", "frame, code and globals"),
    ("f_locals", "frame, code and globals"), ("f_back", "frame, code and globals"),
    ("gi_frame", "frame, code and globals"), ("gi_code", "frame, code and globals"),
    ("cr_frame", "frame, code and globals"), ("tb_frame", "frame, code and globals"),
    ("co_code", "frame, code and globals"), ("func_globals", "frame, code and globals"),
    ("im_func", "frame, code and globals"), ("py_func", "runs Python code"),
    ("gfile", "file IO"),
])
def test_attribute_escapes_are_refused(name: str, fragment: str) -> None:
    assert fragment in (policy.refused_attribute(name) or "")


@pytest.mark.parametrize("name", ["kernel", "name", "op", "graph", "_variable", "summary",
                                  "save_slice_info", "full_name", "dtype"])
def test_ordinary_attributes_are_not_refused(name: str) -> None:
    assert policy.refused_attribute(name) is None


def test_methods_that_touch_files_are_refused_and_others_not() -> None:
    assert policy.refused_method("Saver", "save") == "checkpoint files (Saver.save)"
    assert policy.refused_method("Saver", "restore") == "checkpoint files (Saver.restore)"
    assert policy.refused_method("Saver", "export_meta_graph") == \
        "graph files (Saver.export_meta_graph)"
    assert policy.refused_method("Checkpoint", "write") == "checkpoint files (Checkpoint.write)"
    assert policy.refused_method("Model", "save_weights") == \
        "checkpoint files (Model.save_weights)"
    assert policy.refused_method("DatasetV2", "list_files")
    assert policy.refused_method("Saver", "as_saver_def") is None
    assert policy.refused_method("Sequential", "from_config").startswith("rebuilds Python code")
    assert policy.refused_method("Dense", "from_config") is None
    assert policy.refused_method("ExponentialMovingAverage", "apply") is None
    assert policy.refused_method("VariableScope", "__enter__") is None
    assert "starting with `__`" in policy.refused_method("Graph", "__reduce__")


def test_a_refused_method_reached_through_its_class_is_refused() -> None:
    assert policy.refused("tf.train.Saver.save") == "checkpoint files (Saver.save)"
    assert policy.refused("tf.compat.v1.train.Saver.restore") == \
        "checkpoint files (Saver.restore)"
    assert policy.refused("tf.keras.Model.save_weights") == \
        "checkpoint files (Model.save_weights)"
    assert policy.refused("tf.train.Saver.as_saver_def") is None


def test_builtin_methods_of_plain_data_are_allowed_but_str_format() -> None:
    """str.format reads attributes in its replacement fields ('{0.__class__}'): refused; list,
    dict and str methods otherwise are data; other builtin methods (numpy's tofile) are not TF."""
    assert policy.refused_object([].append) is None
    assert policy.refused_object({}.get) is None
    assert policy.refused_object("a b".split) is None
    assert policy.refused_object("{0.__class__}".format) == \
        "not TensorFlow's API (str.format reads attributes)"
    assert policy.refused_object("{x}".format_map)
    import array
    assert policy.refused_object(array.array("d").tofile).startswith("not TensorFlow's API")


def test_a_session_target_and_multiprocessing_are_refused_by_value() -> None:
    reason = policy.refused_arguments("tf.Session", ["grpc://localhost:2222"], {})
    assert reason == ("a session target connects to a TensorFlow server: sockets "
                      "(target='grpc://localhost:2222')")
    assert policy.refused_arguments("tf.InteractiveSession", [], {"target": "grpc://h:1"})
    assert policy.refused_arguments("tf.Session", [], {}) is None
    assert policy.refused_arguments("tf.Session", [""], {"config": None}) is None
    assert policy.refused_arguments("fit", [], {"use_multiprocessing": True})
    assert policy.refused_arguments("tf.print", ["x"], {"output_stream": "file:///tmp/x"})
    assert policy.refused_arguments("tf.print", ["x"], {"output_stream": "stderr"}) is None
    assert policy.refused_arguments("tf.get_variable", ["v"], {"target": "x"}) is None


def test_the_policy_refuses_nothing_that_no_index_knows_of_by_namespace() -> None:
    """A namespace the policy lists exists in some runtime's index (a typo in the table would
    refuse nothing)."""
    missing = [ns for ns in policy.NAMESPACES if not api.lookup(ns)]
    allowed_missing = {  # names of APIs the committed runtimes do not have
        "train.SummaryWriter", "train.SummaryWriterCache", "contrib.bigtable", "contrib.kafka",
        "contrib.kinesis", "contrib.ignite", "contrib.igfs", "contrib.hadoop", "contrib.gcp",
        "contrib.mpi_collectives", "contrib.lite", "contrib.boosted_trees",
        "data.experimental.service", "data.experimental.save", "data.experimental.load",
        "data.experimental.snapshot", "config.run_functions_eagerly",
        "keras.utils.HDF5Matrix", "keras.preprocessing.image.load_img",
        "keras.preprocessing.image.save_img", "keras.preprocessing.image.DirectoryIterator",
        "keras.experimental.export_saved_model", "keras.experimental.load_from_saved_model",
        "keras.utils.plot_model", "keras.utils.model_to_dot", "function",
        "debugging.experimental.enable_dump_debug_info",
        "config.experimental_run_functions_eagerly", "config.experimental_connect_to_cluster",
        "config.experimental_connect_to_host", "load_library", "numpy_function",
        "py_function", "train.experimental.enable_mixed_precision_graph_rewrite",
        "keras.backend.set_session",
    }
    assert [ns for ns in missing if ns not in allowed_missing] == []


def test_the_documentation_lists_the_policy() -> None:
    """docs/case-format.md carries the generated policy section verbatim
    (`python -m harness.api docs` rewrites it)."""
    assert api.policy_section() in DOC.read_text()


# --- by the resolved object, in real TensorFlow ----------------------------------------------

PROBE = textwrap.dedent("""
    import json, os, sys, warnings
    sys.path.insert(0, sys.argv[1])
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    warnings.filterwarnings("ignore")
    import policy
    import tensorflow as tf
    if tf.__version__.split(".")[0] != "1":
        tf = tf.compat.v1
    def get(path):
        obj = tf
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj
    out = {}
    for path in json.loads(sys.argv[2]):
        try:
            obj = get(path)
        except Exception as e:
            out[path] = "missing: %s" % type(e).__name__
            continue
        out[path] = policy.refused_object(obj)
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(1.0, name="v")
        saver = tf.train.Saver([v])
        out["saver.save"] = policy.refused_object(saver.save)
        out["saver.as_saver_def"] = policy.refused_object(saver.as_saver_def)
        out["v.assign"] = policy.refused_object(v.assign)
        out["Saver.save unbound"] = policy.refused_object(tf.train.Saver.save)
        out["run init"] = policy.refused_fetches([tf.global_variables_initializer(), v])
        out["run save"] = policy.refused_fetches({"x": saver.saver_def.save_tensor_name}, g)
        out["run restore"] = policy.refused_fetches(g.get_operation_by_name(
            saver.saver_def.restore_op_name))
        out["run py_func"] = policy.refused_fetches(
            tf.py_func(lambda x: x, [v.value()], tf.float32) + 1.0)
    lam = tf.keras.layers.Lambda(lambda x: x)
    out["lambda.from_config"] = policy.refused_object(lam.from_config)
    out["Lambda.from_config"] = policy.refused_object(tf.keras.layers.Lambda.from_config)
    out["os.system"] = policy.refused_object(os.system)
    out["builtins.open"] = policy.refused_object(open)
    out["module os"] = policy.refused_object(os)
    sys.stdout.write(json.dumps(out))
""")

HOSTILE_OBJECTS = ["compat.v1.gfile", "io.gfile", "compat.v1.py_func", "numpy_function",
                   "compat.v1.summary.FileWriter", "summary", "keras.utils.get_file",
                   "compat.v1.train.NewCheckpointReader", "saved_model", "data.TFRecordDataset",
                   "load_op_library"]
HARMLESS_OBJECTS = ["get_variable", "variable_scope", "train.Saver", "nn.relu", "float32",
                    "compat.v1.get_variable", "train.ExponentialMovingAverage", "GraphKeys"]


def probe(runtime: Runtime, paths: list[str]) -> dict:
    proc = subprocess.run([runtime.python, "-c", PROBE, str(HARNESS), json.dumps(paths)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def check_objects(result: dict) -> None:
    for path in HOSTILE_OBJECTS:
        assert result[path] and not result[path].startswith("missing"), (path, result[path])
    for path in HARMLESS_OBJECTS:
        assert result[path] is None, (path, result[path])
    assert result["saver.save"] == "checkpoint files (Saver.save)"
    assert result["saver.as_saver_def"] is None
    assert result["Saver.save unbound"] == "checkpoint files (Saver.save)"
    assert result["run init"] is None
    assert result["run save"] == "checkpoint files (op SaveV2)"
    assert result["run restore"] == "checkpoint files (op RestoreV2)"
    assert result["run py_func"] == "runs Python code from inside the graph (op PyFunc)"
    assert result["v.assign"] is None
    assert result["lambda.from_config"].startswith("rebuilds Python code from data")
    assert result["Lambda.from_config"].startswith("rebuilds Python code from data")
    assert result["os.system"].startswith("not TensorFlow's API")
    assert result["builtins.open"].startswith("not TensorFlow's API")
    assert result["module os"] == "not TensorFlow's API (module os)"


def test_resolved_objects_are_refused_in_tf115(tf115: Runtime) -> None:
    result = probe(tf115, HOSTILE_OBJECTS + HARMLESS_OBJECTS + ["contrib.summary.scalar"])
    check_objects(result)
    assert result["contrib.summary.scalar"]
    assert result["compat.v1.gfile"] == "file IO (tf.gfile)"
    assert result["compat.v1.py_func"] == "runs Python code from inside the graph (py_func)"


def test_resolved_objects_are_refused_in_tf2(pytestconfig: pytest.Config) -> None:
    check_objects(probe(provision(pytestconfig, "tf2"), HOSTILE_OBJECTS + HARMLESS_OBJECTS))


# The files that run inside the runtimes' interpreters (worker, tracer, scanner).
IN_RUNTIME = ["policy.py", "apiscan.py", "worker.py", "tracer.py", "steps.py", "argtypes.py",
              "curated.py", "generic.py", "facts.py", "internals.py"]


@pytest.mark.parametrize("module", IN_RUNTIME)
def test_policy_and_scanner_are_python36_with_the_stdlib_only(module: str) -> None:
    """They run inside the runtimes' interpreters (Python 3.6 for the history runtimes), with
    TensorFlow, the standard library and each other only."""
    import ast
    import sys
    tree = ast.parse((HARNESS / module).read_text(), feature_version=(3, 6))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    imported -= {"", "tensorflow"} | {m[:-3] for m in IN_RUNTIME}
    assert imported <= set(sys.stdlib_module_names)


GUARD = textwrap.dedent("""
    import json, os, sys, warnings
    sys.path.insert(0, sys.argv[1])
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    warnings.filterwarnings("ignore")
    import policy
    import tensorflow as tf
    if tf.__version__.split(".")[0] != "1":
        tf = tf.compat.v1
        tf.disable_v2_behavior()
    policy.guard_sessions(tf)
    policy.guard_sessions(tf)  # idempotent
    os.chdir(sys.argv[2])
    out = {}
    def attempt(key, fn):
        try:
            value = fn()
            out[key] = "ran" if value is None or not hasattr(value, "tolist") else value.tolist()
        except policy.RefusedError as e:
            out[key] = "refused: %s" % e
        except Exception as e:  # Keras 3's get_value does not run graph tensors at all
            out[key] = "error: %s" % type(e).__name__
    with tf.Graph().as_default() as g:
        v = tf.get_variable("v", initializer=2.0)
        saver = tf.train.Saver([v])
        save_tensor = g.as_graph_element(saver.saver_def.save_tensor_name)
        with tf.Session() as sess:
            attempt("init", lambda: sess.run(tf.global_variables_initializer()))
            attempt("read", lambda: sess.run(v))
            attempt("save", lambda: sess.run(save_tensor))
            attempt("save by name", lambda: sess.run(saver.saver_def.save_tensor_name))
            attempt("save in a dict", lambda: sess.run({"a": [v, save_tensor]}))
            attempt("eval", lambda: save_tensor.eval())
            attempt("callable", lambda: sess.make_callable(save_tensor)())
            attempt("keras get_value", lambda: tf.keras.backend.get_value(save_tensor))
            restore = g.get_operation_by_name(saver.saver_def.restore_op_name)
            attempt("restore op", lambda: restore.run())
    out["files"] = sorted(os.listdir("."))
    sys.stdout.write(json.dumps(out))
""")


@pytest.mark.parametrize("name", ["tf1.15", "tf2"])
def test_guarded_sessions_refuse_to_run_file_ops(name: str, pytestconfig: pytest.Config,
                                                  tmp_path: Path) -> None:
    """However a case asks a session to run a Saver's save op (run, by name, eval, a callable,
    Keras' get_value), nothing is written; ordinary runs still run."""
    runtime = provision(pytestconfig, name)
    proc = subprocess.run([runtime.python, "-c", GUARD, str(HARNESS), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["init"] == "ran" and out["read"] == 2.0
    keys = ["save", "save by name", "save in a dict", "eval", "callable", "keras get_value"]
    if name == "tf2":
        assert out.pop("keras get_value") == "error: AttributeError"  # Keras 3: no graph mode
        keys.remove("keras get_value")
    for key in keys:
        assert out[key] == "refused: tfscope refuses to run this: checkpoint files (op SaveV2)", key
    assert out["restore op"] == "refused: tfscope refuses to run this: checkpoint files " \
                                "(op RestoreV2)"
    assert out["files"] == []


def test_no_policy_table_names_a_key_twice() -> None:
    """A repeated key in a dict literal silently keeps only its last reason."""
    import ast
    for node in ast.walk(ast.parse((HARNESS / "policy.py").read_text())):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


CONSISTENT = textwrap.dedent("""
    import json, os, sys, warnings
    sys.path.insert(0, sys.argv[1])
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    warnings.filterwarnings("ignore")
    import policy
    import tensorflow as tf
    if tf.__version__.split(".")[0] != "1":
        tf = tf.compat.v1
    out = {}
    for path in json.loads(sys.stdin.read()):
        obj = tf
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
        except Exception:
            continue
        out[path] = policy.refused_object(obj)
    sys.stdout.write(json.dumps(out))
""")


@pytest.mark.parametrize("name", ["tf1.15", "tf2"])
def test_the_worker_refuses_no_object_the_validator_allows(name: str,
                                                           pytestconfig: pytest.Config) -> None:
    """Every function, class and module of the index that validation allows resolves, in real
    TF, to an object the worker's check allows too; the only exceptions are helpers that
    contrib's modules import from outside TensorFlow (six.iteritems, copy.deepcopy), which the
    worker refuses as not TF's API."""
    runtime = provision(pytestconfig, name)
    index = api.load(name)
    paths = [p for p, e in index.entries.items()
             if e.get("kind") in ("function", "class", "module") and not api.refused(p, [name])]
    assert len(paths) > 3000
    proc = subprocess.run([runtime.python, "-c", CONSISTENT, str(HARNESS)], input=json.dumps(paths),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert len(result) > 0.9 * len(paths)
    disagree = {p: r for p, r in result.items() if r and not (
        p.startswith("contrib.") and r.startswith(policy.OUTSIDE))}
    assert disagree == {}
