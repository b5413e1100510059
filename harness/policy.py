"""What case files may not call: the parts of TensorFlow that reach outside the process.

Case files are data, and they run in the worker on the user's machine: a case may call any public
TF API name, except the ones below, which touch files, the network, subprocesses, native
libraries, arbitrary Python at graph run time, or state that every later case in the same worker
would inherit. The validator refuses them before any TF starts (by the written path) and the
worker refuses them again (by the object a path or attribute resolves to: an alias, a compat path
or a ref's attribute reaching the same function is refused too).

Python 3.6, standard library only: the worker imports this module inside TF's interpreter.
docs/case-format.md ("What case files may call") is kept in step with the tables below by a test.

Paths are API paths as written in case files (`tf.gfile.Open`), with or without the `tf.` prefix;
`compat.v1.` / `compat.v2.` after `tf.` are ignored (`tf.compat.v1.py_func` is `tf.py_func`).
"""

import re

# --- reasons ------------------------------------------------------------------------------------
FILE_IO = "file IO"
SUMMARY = "summary event files"
SAVED_MODEL = "SavedModel and model files"
CHECKPOINT = "checkpoint files"
GRAPH_FILE = "graph files"
PYTHON = "runs Python code from inside the graph"
NATIVE = "loads native code"
DATASET_FILES = "file-reading datasets and readers"
DOWNLOAD = "downloads over the network"
ESTIMATOR = "estimators and training loops write to a model directory"
NETWORK = "distributed runtime and remote services: sockets"
SUBPROCESS = "starts subprocesses"
PROCESS = "changes process-wide state that every later case in the worker would inherit"
ARGV = "parses the command line or exits the process"
INSTALL = "reports the installation's paths and build"
TESTING = "test runner and temporary directories"
LITE = "TFLite conversion: files and subprocesses"
TPU = "TPU runtimes: devices outside the process"
PROFILER = "profiling and debugging dumps"
RAW_OPS = "raw op constructors include file, checkpoint, summary and Python ops"
NATIVE_BINDINGS = "raw C++ bindings: checkpoint and file readers"
AUTOGRAPH = "AutoGraph writes converted code to temporary files and imports it"
OUTSIDE = "not TensorFlow's API"
DESERIALIZE = "rebuilds Python code from data (a Lambda layer's marshalled function, YAML objects)"
SOURCE = "executes Python source strings"

# Namespaces (and single names) refused with everything under them, by their path from the TF1
# root after `tf.` (and after any compat.v1/compat.v2).
NAMESPACES = {
    "gfile": FILE_IO,
    "io.gfile": FILE_IO,
    "io.read_file": FILE_IO,
    "io.write_file": FILE_IO,
    "io.matching_files": FILE_IO,
    "io.write_graph": GRAPH_FILE,
    "read_file": FILE_IO,
    "write_file": FILE_IO,
    "matching_files": FILE_IO,
    "python_io": FILE_IO,
    "resource_loader": FILE_IO,
    "summary": SUMMARY,
    "contrib.summary": SUMMARY,
    "contrib.tensorboard": SUMMARY,
    "saved_model": SAVED_MODEL,
    "contrib.saved_model": SAVED_MODEL,
    "contrib.predictor": SAVED_MODEL,
    "train.write_graph": GRAPH_FILE,
    "train.import_meta_graph": GRAPH_FILE,
    "train.export_meta_graph": GRAPH_FILE,
    "train.summary_iterator": SUMMARY,
    "train.SummaryWriter": SUMMARY,
    "train.SummaryWriterCache": SUMMARY,
    "train.SummarySaverHook": SUMMARY,
    "train.CheckpointSaverHook": CHECKPOINT,
    "train.CheckpointSaverListener": CHECKPOINT,
    "train.CheckpointManager": CHECKPOINT,
    "train.load_checkpoint": CHECKPOINT,
    "train.list_variables": CHECKPOINT,
    "train.load_variable": CHECKPOINT,
    "train.init_from_checkpoint": CHECKPOINT,
    "train.NewCheckpointReader": CHECKPOINT,
    "train.latest_checkpoint": CHECKPOINT,
    "train.checkpoint_exists": CHECKPOINT,
    "train.checkpoints_iterator": CHECKPOINT,
    "train.get_checkpoint_state": CHECKPOINT,
    "train.get_checkpoint_mtimes": CHECKPOINT,
    "train.update_checkpoint_state": CHECKPOINT,
    "train.remove_checkpoint": CHECKPOINT,
    "train.warm_start": CHECKPOINT,
    "train.match_filenames_once": FILE_IO,
    "train.MonitoredTrainingSession": ESTIMATOR,
    "train.Supervisor": ESTIMATOR,
    "train.basic_train_loop": ESTIMATOR,
    "train.ProfilerHook": PROFILER,
    "train.Server": NETWORK,
    "train.experimental.enable_mixed_precision_graph_rewrite": PROCESS,
    "estimator": ESTIMATOR,
    "contrib.estimator": ESTIMATOR,
    "contrib.learn": ESTIMATOR,
    "contrib.training": ESTIMATOR,
    "contrib.timeseries": ESTIMATOR,
    "contrib.tensor_forest": ESTIMATOR,
    "contrib.boosted_trees": ESTIMATOR,
    "contrib.factorization": ESTIMATOR,
    "contrib.kernel_methods": ESTIMATOR,
    "contrib.slim.learning": ESTIMATOR,
    "contrib.slim.evaluation": ESTIMATOR,
    "contrib.tfprof": PROFILER,
    "profiler": PROFILER,
    "debugging.experimental.enable_dump_debug_info": PROFILER,
    "py_func": PYTHON,
    "py_function": PYTHON,
    "numpy_function": PYTHON,
    "load_op_library": NATIVE,
    "load_library": NATIVE,
    "load_file_system_library": NATIVE,
    "raw_ops": RAW_OPS,
    "pywrap_tensorflow": NATIVE_BINDINGS,
    "distribute": NETWORK,
    "contrib.distribute": NETWORK,
    "contrib.cluster_resolver": NETWORK,
    "contrib.cloud": NETWORK,
    "contrib.bigtable": NETWORK,
    "contrib.kafka": NETWORK,
    "contrib.kinesis": NETWORK,
    "contrib.ignite": NETWORK,
    "contrib.igfs": NETWORK,
    "contrib.hadoop": NETWORK,
    "contrib.rpc": NETWORK,
    "contrib.gcp": NETWORK,
    "contrib.mpi_collectives": NETWORK,
    "contrib.remote_fused_graph": NETWORK,
    "contrib.ffmpeg": SUBPROCESS,
    "contrib.tpu": TPU,
    "tpu": TPU,
    "lite": LITE,
    "contrib.lite": LITE,
    "app": ARGV,
    "flags": ARGV,
    "sysconfig": INSTALL,
    "test": TESTING,
    "contrib.testing": TESTING,
    "autograph": AUTOGRAPH,
    "contrib.autograph": AUTOGRAPH,
    "function": AUTOGRAPH,
    "keras.utils.get_file": DOWNLOAD,
    "keras.datasets": DOWNLOAD,
    "keras.applications": DOWNLOAD,
    "keras.models.load_model": SAVED_MODEL,
    "keras.models.save_model": SAVED_MODEL,
    "keras.experimental.export_saved_model": SAVED_MODEL,
    "keras.experimental.load_from_saved_model": SAVED_MODEL,
    "keras.callbacks": SUMMARY,
    "keras.utils.plot_model": SUBPROCESS,
    "keras.utils.model_to_dot": SUBPROCESS,
    "keras.utils.HDF5Matrix": FILE_IO,
    "keras.preprocessing.image.load_img": FILE_IO,
    "keras.preprocessing.image.save_img": FILE_IO,
    "keras.preprocessing.image.DirectoryIterator": FILE_IO,
    "keras.backend.set_session": PROCESS,
    "keras.layers.deserialize": DESERIALIZE,
    "keras.estimator": ESTIMATOR,
    "contrib.stat_summarizer": NATIVE_BINDINGS,
    "contrib.specs": SOURCE,
    "contrib.session_bundle": SAVED_MODEL,
    "contrib.gan.eval": DOWNLOAD,
    "contrib.slim.parallel_reader": DATASET_FILES,
    "contrib.util.loader": NATIVE,
    "contrib.keras.datasets": DOWNLOAD,
    "contrib.keras.applications": DOWNLOAD,
    "contrib.keras.callbacks": SUMMARY,
    "contrib.eager.enable_remote_eager_execution": NETWORK,
    "contrib.eager.set_server_def": NETWORK,
    "contrib.eager.save_network_checkpoint": CHECKPOINT,
    "contrib.eager.restore_network_checkpoint": CHECKPOINT,
    "data.experimental.distributed_save": DATASET_FILES,
    "experimental.register_filesystem_plugin": NATIVE,
    "keras.export": SAVED_MODEL,
    "mlir.experimental.write_bytecode": FILE_IO,
    "keras.backend.clear_session": PROCESS,
    "keras.backend.set_floatx": PROCESS,
    "keras.backend.set_epsilon": PROCESS,
    "keras.backend.set_image_data_format": PROCESS,
    "keras.backend.set_learning_phase": PROCESS,
    "data.experimental.CsvDataset": DATASET_FILES,
    "data.experimental.SqlDataset": DATASET_FILES,
    "data.experimental.make_csv_dataset": DATASET_FILES,
    "data.experimental.make_batched_features_dataset": DATASET_FILES,
    "data.experimental.TFRecordWriter": DATASET_FILES,
    "data.experimental.CheckpointInputPipelineHook": CHECKPOINT,
    "data.experimental.StatsAggregator": SUMMARY,
    "data.experimental.service": NETWORK,
    "data.experimental.save": DATASET_FILES,
    "data.experimental.load": DATASET_FILES,
    "data.experimental.snapshot": DATASET_FILES,
    "config.experimental_connect_to_cluster": NETWORK,
    "config.experimental_connect_to_host": NETWORK,
    "config.experimental_run_functions_eagerly": PROCESS,
    "config.run_functions_eagerly": PROCESS,
    "config.threading": PROCESS,
    "config.optimizer": PROCESS,
    "config.set_soft_device_placement": PROCESS,
    "config.set_visible_devices": PROCESS,
    "config.set_logical_device_configuration": PROCESS,
    "config.experimental.set_visible_devices": PROCESS,
    "config.experimental.set_memory_growth": PROCESS,
    "config.experimental.set_virtual_device_configuration": PROCESS,
    "config.experimental.enable_mlir_bridge": PROCESS,
    "config.experimental.enable_tensor_float_32_execution": PROCESS,
}

# Names refused wherever they appear in a path (any module that re-exports them: contrib's
# copies, compat paths, keras' and estimator's aliases).
NAMES = {
    "gfile": FILE_IO,
    "GFile": FILE_IO,
    "FastGFile": FILE_IO,
    "python_io": FILE_IO,
    "read_file": FILE_IO,
    "write_file": FILE_IO,
    "matching_files": FILE_IO,
    "tf_record_iterator": FILE_IO,
    "TFRecordWriter": FILE_IO,
    "TextLineReader": DATASET_FILES,
    "TFRecordReader": DATASET_FILES,
    "WholeFileReader": DATASET_FILES,
    "FixedLengthRecordReader": DATASET_FILES,
    "LMDBReader": DATASET_FILES,
    "TextLineDataset": DATASET_FILES,
    "TFRecordDataset": DATASET_FILES,
    "FixedLengthRecordDataset": DATASET_FILES,
    "LMDBDataset": DATASET_FILES,
    "CsvDataset": DATASET_FILES,
    "SqlDataset": DATASET_FILES,
    "read_batch_features": DATASET_FILES,
    "list_files": DATASET_FILES,
    "from_generator": PYTHON,
    "read_batch_examples": DATASET_FILES,
    "read_keyed_batch_examples": DATASET_FILES,
    "read_keyed_batch_features": DATASET_FILES,
    "FileWriter": SUMMARY,
    "FileWriterCache": SUMMARY,
    "SummaryWriter": SUMMARY,
    "SummaryWriterCache": SUMMARY,
    "create_file_writer": SUMMARY,
    "create_summary_file_writer": SUMMARY,
    "summary_iterator": SUMMARY,
    "SummarySaverHook": SUMMARY,
    "saved_model": SAVED_MODEL,
    "simple_save": SAVED_MODEL,
    "SavedModelBuilder": SAVED_MODEL,
    "export_saved_model": SAVED_MODEL,
    "load_from_saved_model": SAVED_MODEL,
    "load_model": SAVED_MODEL,
    "save_model": SAVED_MODEL,
    "write_graph": GRAPH_FILE,
    "import_meta_graph": GRAPH_FILE,
    "export_meta_graph": GRAPH_FILE,
    "load_checkpoint": CHECKPOINT,
    "list_variables": CHECKPOINT,
    "load_variable": CHECKPOINT,
    "init_from_checkpoint": CHECKPOINT,
    "NewCheckpointReader": CHECKPOINT,
    "CheckpointReader": CHECKPOINT,
    "latest_checkpoint": CHECKPOINT,
    "checkpoint_exists": CHECKPOINT,
    "checkpoints_iterator": CHECKPOINT,
    "get_checkpoint_state": CHECKPOINT,
    "update_checkpoint_state": CHECKPOINT,
    "remove_checkpoint": CHECKPOINT,
    "assign_from_checkpoint": CHECKPOINT,
    "assign_from_checkpoint_fn": CHECKPOINT,
    "restore_variables_on_create": CHECKPOINT,
    "CheckpointManager": CHECKPOINT,
    "CheckpointSaverHook": CHECKPOINT,
    "warm_start": CHECKPOINT,
    "py_func": PYTHON,
    "py_function": PYTHON,
    "numpy_function": PYTHON,
    "eager_py_func": PYTHON,
    "script_ops": PYTHON,
    "load_op_library": NATIVE,
    "load_library": NATIVE,
    "load_file_system_library": NATIVE,
    "pywrap_tensorflow": NATIVE_BINDINGS,
    "get_file": DOWNLOAD,
    "Server": NETWORK,
    "decode_proto": FILE_IO,  # descriptor_source may name a file
    "encode_proto": FILE_IO,
    "enable_dump_debug_info": PROFILER,
    "profiler": PROFILER,
    "tfprof": PROFILER,
    "ProfilerHook": PROFILER,
    "enable_eager_execution": PROCESS,
    "disable_eager_execution": PROCESS,
    "enable_v2_behavior": PROCESS,
    "disable_v2_behavior": PROCESS,
    "enable_v2_tensorshape": PROCESS,
    "disable_v2_tensorshape": PROCESS,
    "enable_resource_variables": PROCESS,
    "disable_resource_variables": PROCESS,
    "enable_control_flow_v2": PROCESS,
    "disable_control_flow_v2": PROCESS,
    "enable_tensor_equality": PROCESS,
    "disable_tensor_equality": PROCESS,
    "exec_": SOURCE,
    "model_to_estimator": ESTIMATOR,
    "estimator_head_distribution_regression": ESTIMATOR,
    "do_quantize_training_on_graphdef": NATIVE_BINDINGS,
    "terminate_keras_multiprocessing_pools": SUBPROCESS,
    "generate_checkpoint_state_proto": CHECKPOINT,
    "TFRecordOptions": FILE_IO,
    "TFRecordCompressionType": FILE_IO,
    "get_graph_def_from_url_tarball": DOWNLOAD,
    "parallel_read": DATASET_FILES,
    "ParallelReader": DATASET_FILES,
    "single_pass_read": DATASET_FILES,
    "RecordInput": DATASET_FILES,
    "make_csv_dataset": DATASET_FILES,
    "make_batched_features_dataset": DATASET_FILES,
    "match_filenames_once": FILE_IO,
    "resource_loader": FILE_IO,
    "load_and_remap_matrix_initializer": CHECKPOINT,
    "load_embedding_initializer": CHECKPOINT,
    "load_linear_multiclass_bias_initializer": CHECKPOINT,
    "load_variable_slot_initializer": CHECKPOINT,
    "register_filesystem_plugin": NATIVE,
    "CSVLogger": SUMMARY,
    "ModelCheckpoint": CHECKPOINT,
    "RemoteMonitor": NETWORK,
    "BackupAndRestore": CHECKPOINT,
    "DirectoryIterator": FILE_IO,
    "load_img": FILE_IO,
    "save_img": FILE_IO,
    "convert_saved_model": SAVED_MODEL,
    "convert_saved_model_v1": SAVED_MODEL,
    "quantize_saved_model": SAVED_MODEL,
    "model_from_json": DESERIALIZE,
    "model_from_yaml": DESERIALIZE,
    "model_from_config": DESERIALIZE,
    "deserialize_keras_object": DESERIALIZE,
    "func_load": DESERIALIZE,
    "GeneratorEnqueuer": SUBPROCESS,
    "OrderedEnqueuer": SUBPROCESS,
    "SequenceEnqueuer": SUBPROCESS,
    "StepCounterHook": SUMMARY,  # output_dir: an event file, written by its Python
    "skip_gram_sample_with_text_vocab": FILE_IO,  # reads its vocab_freq_file with gfile
    # Process-wide switches by name, wherever they are reached (tf.contrib.keras.backend's
    # copies, a def parameter holding tf.keras.backend): each would change what every later
    # case in the worker does, so a case's result would depend on the cases before it.
    "set_keras_style": PROCESS,
    "set_floatx": PROCESS,
    "set_epsilon": PROCESS,
    "set_image_data_format": PROCESS,
    "set_learning_phase": PROCESS,
    "set_session": PROCESS,
    "clear_session": PROCESS,
    "manual_variable_initialization": PROCESS,
    "set_policy": PROCESS,
    "set_global_policy": PROCESS,
    "set_dtype_policy": PROCESS,
    "enable_mixed_precision_graph_rewrite": PROCESS,
    "register_tensor_conversion_function": PROCESS,
    "register_keras_serializable": PROCESS,
    "get_custom_objects": PROCESS,
    "set_global_generator": PROCESS,
    "set_device_policy": PROCESS,
    "set_synchronous_execution": PROCESS,
    "set_execution_mode": PROCESS,
    "set_log_device_placement": PROCESS,
    "enable_check_numerics": PROCESS,
    "disable_check_numerics": PROCESS,
    "enable_strict_mode": PROCESS,
    "enable_debug_mode": PROCESS,
    "enable_unsafe_deserialization": PROCESS,
    "set_backend": PROCESS,
    "set_max_epochs": PROCESS,
    "set_max_steps_per_epoch": PROCESS,
    "set_distribution": PROCESS,
}
# Name endings refused anywhere: lookup tables and vocabularies read from files, directory loaders.
SUFFIXES = {
    "_from_file": FILE_IO,
    "FromFile": FILE_IO,
    "_vocabulary_file": FILE_IO,
    "TextFileInitializer": FILE_IO,
    "TextFileIdTableInitializer": FILE_IO,
    "TextFileStringTableInitializer": FILE_IO,
    "_from_directory": FILE_IO,
}

# Methods refused on objects of these classes (or their subclasses: matched by every class name in
# the object's MRO). Creating a Saver is fine (it only adds ops); saving and restoring are not.
METHODS = {
    "Saver": {"save": CHECKPOINT, "restore": CHECKPOINT, "export_meta_graph": GRAPH_FILE,
              "recover_last_checkpoints": CHECKPOINT},
    "Checkpoint": {"save": CHECKPOINT, "restore": CHECKPOINT, "write": CHECKPOINT,
                   "read": CHECKPOINT},
    "TrackableSaver": {"save": CHECKPOINT, "restore": CHECKPOINT},
    "CheckpointableSaver": {"save": CHECKPOINT, "restore": CHECKPOINT},
    "Network": {"save": SAVED_MODEL, "save_weights": CHECKPOINT, "load_weights": CHECKPOINT,
                "from_config": DESERIALIZE},
    "Model": {"save": SAVED_MODEL, "save_weights": CHECKPOINT, "load_weights": CHECKPOINT,
              "export": SAVED_MODEL, "from_config": DESERIALIZE},
    "DatasetV2": {"list_files": DATASET_FILES, "from_generator": PYTHON, "save": DATASET_FILES,
                  "load": DATASET_FILES, "snapshot": DATASET_FILES},
    "DatasetV1": {"list_files": DATASET_FILES, "from_generator": PYTHON},
    "Dataset": {"list_files": DATASET_FILES, "from_generator": PYTHON},
    "ImageDataGenerator": {"flow_from_directory": FILE_IO, "flow_from_dataframe": FILE_IO},
    # from_config of a Lambda layer (or of a model that holds one) unmarshals function code.
    "Lambda": {"from_config": DESERIALIZE},
    "Sequential": {"from_config": DESERIALIZE},
    "Functional": {"from_config": DESERIALIZE},
}

# Classes whose private attributes (`_NAME`) a case may not reach: a session's own way around
# its guarded run (`_run`, `_do_run`, `_call_tf_sessionrun`, the raw `_session`), a Saver's own
# file handling (`_MaybeDeleteOldCheckpoints` deletes files).
PRIVATE = {
    "BaseSession": "a session's internals run graphs past the guard of its run",
    "Saver": "a Saver's internals read and delete checkpoint files",
}

# Arguments refused when their value is set (truthy; output_stream: a "file://" path): the call
# would leave the process.
ARGUMENTS = {
    "target": "a session target connects to a TensorFlow server: sockets",
    "use_multiprocessing": SUBPROCESS,
    "checkpoint_dir": CHECKPOINT,
    "output_stream": FILE_IO,
    "filename": FILE_IO,
}
# ... for these callables only (last path component / class name), with the position the argument
# also has when given positionally.
ARGUMENT_OWNERS = {
    "Session": {"target": 0},
    "InteractiveSession": {"target": 0},
    "SingularMonitoredSession": {"checkpoint_dir": 3},
    "print": {"output_stream": None},
    "print_v2": {"output_stream": None},  # tf.print's function, reached through a label
    "cache": {"filename": 0},
    "ChiefSessionCreator": {"checkpoint_dir": 3},
    "fit": {"use_multiprocessing": None},
    "fit_generator": {"use_multiprocessing": None},
    "evaluate": {"use_multiprocessing": None},
    "evaluate_generator": {"use_multiprocessing": None},
    "predict": {"use_multiprocessing": None},
    "predict_generator": {"use_multiprocessing": None},
}

# --- attributes ---------------------------------------------------------------------------------
FRAME_ATTRIBUTES = frozenset([
    "f_back", "f_builtins", "f_code", "f_globals", "f_lasti", "f_lineno", "f_locals", "f_trace",
    "f_trace_lines", "f_trace_opcodes", "func_globals", "func_code", "func_closure",
    "func_defaults", "func_dict", "im_func", "im_self", "im_class", "mro",
])
FRAME_PREFIXES = ("gi_", "cr_", "ag_", "tb_", "co_")

# --- objects outside TensorFlow -------------------------------------------------------------------
TF_PACKAGES = frozenset(["tensorflow", "tensorflow_core", "tensorflow_estimator", "keras",
                         "tf_keras", "keras_preprocessing", "keras_applications", "xla", "tsl"])
# Python builtins a path may reach through a module's imports and that would run code or IO.
DANGEROUS_BUILTINS = frozenset([
    "open", "eval", "exec", "compile", "__import__", "getattr", "setattr", "delattr", "globals",
    "locals", "vars", "input", "breakpoint", "exit", "quit", "help",
])
# Implementation modules (by a component of their __name__) whose functions and classes are
# refused whatever path reaches them: the worker's check of resolved objects.
MODULE_PARTS = {
    "gfile": FILE_IO,
    "file_io": FILE_IO,
    "python_io": FILE_IO,
    "tf_record": FILE_IO,
    "resource_loader": FILE_IO,
    "summary": SUMMARY,
    "summary_ops_v2": SUMMARY,
    "saved_model": SAVED_MODEL,
    "script_ops": PYTHON,
    "load_library": NATIVE,
    "pywrap_tensorflow": NATIVE_BINDINGS,
    "pywrap_tensorflow_internal": NATIVE_BINDINGS,
    "checkpoint_management": CHECKPOINT,
    "checkpoint_utils": CHECKPOINT,
    "graph_io": GRAPH_FILE,
    "profiler": PROFILER,
    "estimator": ESTIMATOR,
    "tpu": TPU,
    "lite": LITE,
    "sysconfig": INSTALL,
    "app": ARGV,
    "flags": ARGV,
    "googletest": TESTING,
    "autograph": AUTOGRAPH,
    "keras_applications": DOWNLOAD,
}
# Components refused only in Keras' modules (tensorflow.python.keras.datasets, keras.src.
# applications): other packages use the words harmlessly (tf.contrib.eager's datasets).
KERAS_MODULE_PARTS = {"datasets": DOWNLOAD, "applications": DOWNLOAD, "callbacks": SUMMARY}


def _strip(api_path):
    """`tf.compat.v1.train.Saver` -> ["train", "Saver"]."""
    parts = [p for p in str(api_path).strip().split(".") if p]
    if parts and parts[0] == "tf":
        parts = parts[1:]
    while len(parts) >= 2 and parts[0] == "compat" and parts[1] in ("v1", "v2"):
        parts = parts[2:]
    return parts


def refused(api_path):
    """Why `api_path` (`tf.gfile.Open`, `train.Saver`, `tf.compat.v1.py_func`) may not be called
    or used from a case file; None when it may."""
    parts = _strip(api_path)
    for part in parts:
        if part.startswith("__") or part in FRAME_ATTRIBUTES or part.startswith(FRAME_PREFIXES):
            return refused_attribute(part)
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in NAMESPACES:
            return "%s (tf.%s)" % (NAMESPACES[prefix], prefix)
    for part in parts:
        reason = _name_reason(part)
        if reason:
            return "%s (%s)" % (reason, part)
    if "keras" in parts:  # tf.keras.datasets, tf.contrib.keras.api.keras.applications
        for part in parts[parts.index("keras") + 1:]:
            if part in KERAS_MODULE_PARTS:
                return "%s (%s)" % (KERAS_MODULE_PARTS[part], "tf." + ".".join(parts))
    # A method reached through its class: `tf.train.Saver.save` (then called with the saver).
    for cls, method in zip(parts, parts[1:]):
        if cls in METHODS:
            reason = refused_method(cls, method)
            if reason:
                return reason
    return None


def _name_reason(name):
    # TF exports versioned classes under the plain name: tf.data.TFRecordDataset is
    # TFRecordDatasetV1 (or V2); the object's own name is the versioned one.
    base = re.sub(r"V[12]$", "", name)
    if name in NAMES or base in NAMES:
        return NAMES.get(name) or NAMES[base]
    for suffix, reason in sorted(SUFFIXES.items()):
        if name.endswith(suffix):
            return reason
    return None


def refused_attribute(name):
    """Why an attribute may not be read or set through a ref path (`x.__class__`, `f_globals`);
    None when it may."""
    name = str(name)
    if name.startswith("__"):
        return "attributes starting with `__` reach Python's internals (%s)" % name
    if name in FRAME_ATTRIBUTES or name.startswith(FRAME_PREFIXES):
        return "frame, code and globals attributes reach Python's internals (%s)" % name
    reason = _name_reason(name)
    if reason:
        return "%s (%s)" % (reason, name)
    return None


def refused_method(class_name, method):
    """Why `method` of an object of class `class_name` may not be called (Saver.save); None when
    it may. The worker asks for every class in the object's MRO (refused_bound)."""
    if str(method).startswith("__") and method not in ("__enter__", "__exit__"):
        return refused_attribute(method)
    if str(method).startswith("_") and str(class_name) in PRIVATE:
        return "%s (%s.%s)" % (PRIVATE[str(class_name)], class_name, method)
    reason = METHODS.get(str(class_name), {}).get(str(method))
    if reason:
        return "%s (%s.%s)" % (reason, class_name, method)
    reason = _name_reason(str(method))
    if reason:
        return "%s (%s.%s)" % (reason, class_name, method)
    return None


def refused_bound(obj, method):
    """refused_method for an object: its class and every base class, by name."""
    cls = obj if isinstance(obj, type) else type(obj)
    for base in getattr(cls, "__mro__", (cls,)):
        reason = refused_method(base.__name__, method)
        if reason:
            return reason
    return None


def refused_arguments(callee, positional, keywords):
    """Why a call of `callee` (an API path or method name; its last component counts) with these
    argument values may not run: a Session with a target, fit(use_multiprocessing=True). The
    worker passes the real values; the validator may pass literal ones."""
    name = str(callee).split(".")[-1]
    owner = ARGUMENT_OWNERS.get(name)
    if owner is None:
        return None
    keywords = keywords or {}
    for arg, position in sorted(owner.items()):
        value = keywords.get(arg)
        if value is None and position is not None and len(positional or ()) > position:
            value = positional[position]
        if arg == "output_stream":
            value = value if str(value).startswith("file://") else None
        if value:
            return "%s (%s=%r)" % (ARGUMENTS[arg], arg, value)
    return None


def _package(name):
    return str(name or "").split(".")[0]


def _module_reason(module_name):
    """A reason when a TF implementation module (by name) is one of the refused kinds."""
    parts = str(module_name or "").split(".")
    if _package(module_name) not in TF_PACKAGES:
        return None
    # tensorflow._api.v1.gfile, tensorflow_core._api.v2.compat.v1.summary, tensorflow.python.
    # keras.api._v1.keras.estimator: generated API modules, judged by their API path.
    for i, part in enumerate(parts[:-1]):
        if part in ("_api", "api") and re.match(r"^_?v[12]$", parts[i + 1]):
            tail = parts[i + 2:]
            return refused(".".join(tail)) if tail else None
    for part in parts:
        if part in MODULE_PARTS:
            return "%s (%s)" % (MODULE_PARTS[part], module_name)
    if "keras" in parts or _package(module_name) == "keras":
        for part in parts:
            if part in KERAS_MODULE_PARTS:
                return "%s (%s)" % (KERAS_MODULE_PARTS[part], module_name)
    return None


def refused_object(obj):
    """Why a resolved object (what a path, ref or attribute reached) may not be used; None when
    it may. Catches aliases the written path hides: `tf.compat.v1.gfile`, a contrib module's
    `os` import, a function re-exported under another name."""
    import types
    if isinstance(obj, types.ModuleType):
        name = getattr(obj, "__name__", "") or ""
        if _package(name) not in TF_PACKAGES:
            return "%s (module %s)" % (OUTSIDE, name)
        return _module_reason(name)
    if isinstance(obj, (types.MethodType, types.BuiltinMethodType)):
        owner = getattr(obj, "__self__", None)
        method = getattr(obj, "__name__", "")
        if owner is not None and not isinstance(owner, types.ModuleType):
            reason = refused_bound(owner, method)
            if reason:
                return reason
        func = getattr(obj, "__func__", None)
        if func is not None:
            return refused_object(func)
        if type(owner) in PLAIN_TYPES:
            # list.append, dict.get, str.split: data. Not str.format, whose replacement fields
            # read attributes (`{0.__class__}`) past the attribute policy.
            if method in ("format", "format_map"):
                return "%s (str.%s reads attributes)" % (OUTSIDE, method)
            return None
        # Any other builtin method: numpy's tofile/dump, a C object's: not TF's API.
    if type(obj).__name__ == "method_descriptor" and \
            getattr(obj, "__name__", "") in ("format", "format_map"):
        # str.format unbound (reached from the builtin str, {py: str}): the same as bound
        return "%s (str.%s reads attributes)" % (OUTSIDE, obj.__name__)
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        module = getattr(obj, "__module__", "") or ""
        name = getattr(obj, "__name__", "") or ""
        if module == "builtins":
            if name in DANGEROUS_BUILTINS:
                return "%s (builtin %s)" % (OUTSIDE, name)
            return None
        if _package(module) not in TF_PACKAGES:
            if isinstance(obj, type) and safe_outside_class(obj):
                return None  # numpy's dtypes, collections' classes, enums: data, not IO
            return "%s (%s.%s)" % (OUTSIDE, module, name)
        reason = _name_reason(name) or _module_reason(module)
        if reason and "(" not in reason:
            reason = "%s (%s)" % (reason, name)
        if reason:
            return reason
        # A function defined in a class (Saver.save reached as tf.train.Saver.save or through
        # a subclass): the method rules by its qualified name.
        qualname = str(getattr(obj, "__qualname__", "") or "").split(".")
        if len(qualname) >= 2 and "<locals>" not in qualname:
            return refused_method(qualname[-2], qualname[-1])
    return None


# --- ops a session may not run ------------------------------------------------------------------
# A graph built from allowed calls can still hold ops that touch files: a Saver's SaveV2 (its
# filename is a placeholder a feed can set), a Dataset's cache file. The worker checks what a
# Session.run / eval / Operation.run would execute (refused_fetches) before running it.
OP_TYPES = {
    "Save": CHECKPOINT, "SaveV2": CHECKPOINT, "SaveSlices": CHECKPOINT, "Restore": CHECKPOINT,
    "RestoreV2": CHECKPOINT, "RestoreSlice": CHECKPOINT, "MergeV2Checkpoints": CHECKPOINT,
    "LoadAndRemapMatrix": CHECKPOINT, "GenerateVocabRemapping": FILE_IO,
    "ReadFile": FILE_IO, "WriteFile": FILE_IO, "MatchingFiles": FILE_IO,
    "ImmutableConst": FILE_IO, "InitializeTableFromTextFile": FILE_IO,
    "InitializeTableFromTextFileV2": FILE_IO,
    "PyFunc": PYTHON, "PyFuncStateless": PYTHON, "EagerPyFunc": PYTHON,
    "WholeFileReader": DATASET_FILES, "WholeFileReaderV2": DATASET_FILES,
    "TextLineReader": DATASET_FILES, "TextLineReaderV2": DATASET_FILES,
    "TFRecordReader": DATASET_FILES, "TFRecordReaderV2": DATASET_FILES,
    "FixedLengthRecordReader": DATASET_FILES, "FixedLengthRecordReaderV2": DATASET_FILES,
    "LMDBReader": DATASET_FILES, "TextLineDataset": DATASET_FILES,
    "TFRecordDataset": DATASET_FILES, "FixedLengthRecordDataset": DATASET_FILES,
    "FixedLengthRecordDatasetV2": DATASET_FILES, "CSVDataset": DATASET_FILES,
    "ExperimentalCSVDataset": DATASET_FILES, "SqlDataset": DATASET_FILES,
    "ExperimentalSqlDataset": DATASET_FILES, "LMDBDataset": DATASET_FILES,
    "ExperimentalLMDBDataset": DATASET_FILES, "MatchingFilesDataset": DATASET_FILES,
    "ExperimentalMatchingFilesDataset": DATASET_FILES, "CacheDataset": DATASET_FILES,
    "CacheDatasetV2": DATASET_FILES, "SnapshotDataset": DATASET_FILES,
    "SnapshotDatasetV2": DATASET_FILES, "SaveDataset": DATASET_FILES,
    "LoadDataset": DATASET_FILES, "WriteSummary": SUMMARY, "WriteScalarSummary": SUMMARY,
    "WriteHistogramSummary": SUMMARY, "WriteImageSummary": SUMMARY,
    "WriteAudioSummary": SUMMARY, "WriteGraphSummary": SUMMARY,
    "WriteRawProtoSummary": SUMMARY, "CreateSummaryFileWriter": SUMMARY,
    "CreateSummaryDbWriter": SUMMARY, "ImportEvent": SUMMARY, "FlushSummaryWriter": SUMMARY,
    "CloseSummaryWriter": SUMMARY, "Rpc": NETWORK, "TryRpc": NETWORK,
    "DebugIdentity": PROFILER, "DebugNanCount": PROFILER, "DebugNumericSummary": PROFILER,
    # Ops no public call of a case makes, but a GraphDef a case imports (tf.import_graph_def)
    # may hold: every op type that reads or writes files or talks to a server.
    "DatasetToTFRecord": DATASET_FILES, "ExperimentalDatasetToTFRecord": DATASET_FILES,
    "RecordInput": DATASET_FILES, "SaveDatasetV2": DATASET_FILES, "CSVDatasetV2": DATASET_FILES,
    "TFRecordDatasetV2": DATASET_FILES, "SnapshotDatasetReader": DATASET_FILES,
    "SnapshotChunkDataset": DATASET_FILES, "SnapshotNestedDatasetReader": DATASET_FILES,
    "DistributedSave": DATASET_FILES, "Skipgram": FILE_IO, "DecodeProtoV2": FILE_IO,
    "EncodeProto": FILE_IO, "FileSystemSetConfiguration": FILE_IO,
    "DebugIdentityV2": PROFILER, "DebugIdentityV3": PROFILER,
    "DataServiceDataset": NETWORK, "DataServiceDatasetV2": NETWORK,
    "DataServiceDatasetV3": NETWORK, "DataServiceDatasetV4": NETWORK,
    "RegisterDataset": NETWORK, "RegisterDatasetV2": NETWORK, "RpcServer": NETWORK,
    "RpcClient": NETWORK, "GcsConfigureCredentials": NETWORK,
    "GcsConfigureBlockCache": NETWORK, "BigQueryReader": NETWORK,
}

# PrintV2 writes where its `output_stream` attribute says, a file for "file://PATH". The check
# of tf.print's argument sees only a call written with it; the attribute is what runs (an op
# imported from a GraphDef or given the attribute by `op._set_attr`, tf.print reached through
# make_template's or a Keras Lambda's keyword arguments), so the session guard reads it.
PRINT_STREAMS = frozenset(["stdout", "stderr", "log(info)", "log(warning)", "log(error)"])


def refused_node(op_type, attr):
    """Why a node may not run: its op type (refused_op_type), or what its attributes make it do
    (`attr(NAME)`: the attribute's value, None when it has none)."""
    reason = refused_op_type(op_type)
    if reason:
        return reason
    if str(op_type) == "PrintV2":
        stream = attr("output_stream")
        if isinstance(stream, bytes):
            stream = stream.decode("utf-8", "replace")
        if stream is not None and stream not in PRINT_STREAMS:
            return "%s (op PrintV2, output_stream=%r)" % (FILE_IO, stream)
    return None


def _op_attr(op):
    def attr(name):
        try:
            return op.get_attr(name)
        except Exception:  # no such attribute: the op's default, which is harmless
            return None
    return attr


def _node_attr(node):
    """attr(NAME) of a NodeDef of a function's body; a placeholder (the caller's attribute,
    unknown here) is never one of the harmless values."""
    def attr(name):
        if name not in node.attr:
            return None
        value = node.attr[name]
        kind = value.WhichOneof("value")
        return "<placeholder %s>" % value.placeholder if kind == "placeholder" else \
            getattr(value, kind) if kind else None
    return attr


# Ops the harness itself runs past the guard (its `saver` step's save, into its own temporary
# directory): ids of the op objects, for the length of a `with allowing(ops)`.
_ALLOWED = set()


class allowing(object):
    """Let these op objects (not their types, not their inputs) run while in the block."""

    def __init__(self, ops):
        self.ids = set(id(op) for op in ops) - _ALLOWED

    def __enter__(self):
        _ALLOWED.update(self.ids)

    def __exit__(self, *exc):
        _ALLOWED.difference_update(self.ids)
        return False


def refused_op_type(op_type):
    """Why an op of this type may not run; None when it may."""
    reason = OP_TYPES.get(str(op_type))
    return "%s (op %s)" % (reason, op_type) if reason else None


def refused_fetches(fetches, graph=None):
    """Why running these fetches (ops, tensors, variables, names -- resolved in `graph` -- or
    nested lists/tuples/dicts of them, as Session.run takes) may not happen: the first refused
    op type among everything they depend on (data and control inputs); None when nothing is."""
    stack, seen = [fetches], set()
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            continue
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        if isinstance(item, str) and graph is not None:
            try:
                item = graph.as_graph_element(item)
            except Exception:  # not a name in the graph: TF's own run says so
                continue
        op = getattr(item, "op", item)  # a tensor or variable's op; an op is itself
        if id(op) in seen or not hasattr(op, "control_inputs"):
            continue
        seen.add(id(op))
        if id(op) not in _ALLOWED:
            reason = refused_node(getattr(op, "type", ""), _op_attr(op))
            if reason:
                return reason
        graph = graph if graph is not None else getattr(op, "graph", None)
        stack.extend(t.op for t in getattr(op, "inputs", ()))
        stack.extend(getattr(op, "control_inputs", ()))
    return refused_functions(graph) if graph is not None else None


# Function names of a graph whose bodies were found harmless (graph -> set): a function's
# definition does not change once it is in the graph.
_CHECKED_FUNCTIONS = {}


def refused_functions(graph):
    """Why a function of the graph's library may not run: a function's body (a dataset's map
    function, a function a GraphDef brought along, called by a node whose type is its name) is
    not among the graph's operations, so the walk over a fetch's inputs never sees it. Every
    function of the library is checked, node by node; None when all are harmless."""
    functions = getattr(graph, "_functions", None)
    if not functions:
        return None
    try:
        import weakref
        key = weakref.ref(graph)
    except TypeError:
        key = None
    names = set(functions)
    if key is not None and names <= _CHECKED_FUNCTIONS.get(key, set()):
        return None
    for function in graph.as_graph_def().library.function:
        for node in function.node_def:
            reason = refused_node(node.op, _node_attr(node))
            if reason:
                return "%s in function %s" % (reason, function.signature.name)
    if key is not None:
        for dead in [k for k in _CHECKED_FUNCTIONS if k() is None]:
            del _CHECKED_FUNCTIONS[dead]
        _CHECKED_FUNCTIONS.setdefault(key, set()).update(names)
    return None


def refused_options(options):
    """Why a run's RunOptions (or a callable's CallableOptions) may not be used: debug watches
    write dumps to their URLs (file://...)."""
    run_options = getattr(options, "run_options", options)
    debug = getattr(run_options, "debug_options", None)
    if debug is not None and len(getattr(debug, "debug_tensor_watch_opts", ())):
        return "%s (RunOptions.debug_options)" % PROFILER
    return None


# Packages outside TensorFlow whose classes (not functions) a path may reach harmlessly
# (collections' OrderedDict, enums); of numpy only its scalar types, dtypes and ndarray
# (safe_outside_class). Every other class and every function from outside TF is refused by
# refused_object: os, io, numpy's memmap (a file), operator's attrgetter and methodcaller and
# functools' partial (calling them reads any attribute, or calls what they hold, past the
# policy).
SAFE_PACKAGES = frozenset(["collections", "enum", "typing", "abc", "numbers", "math"])


def safe_outside_class(cls):
    """Whether a class from outside TensorFlow is data a case may reach (refused_object)."""
    package = _package(getattr(cls, "__module__", ""))
    if package == "numpy":
        import sys
        numpy = sys.modules.get("numpy")  # imported: the class came from it
        return numpy is not None and (cls is numpy.ndarray or issubclass(cls, (
            numpy.generic, numpy.dtype)))
    return package in SAFE_PACKAGES

REFUSALS = []  # every RefusedError of the running case (generic.REFUSED says why)


class RefusedError(PermissionError):
    """Raised by a guarded Session (guard_sessions) for fetches that depend on refused ops."""

    def __init__(self, *args):
        PermissionError.__init__(self, *args)
        REFUSALS.append(str(args[0]) if args else "")


# Every session made since the worker last closed them (close_sessions): weak, so a session
# the case dropped is not kept alive by this.
SESSIONS = None


def close_sessions():
    """Close the sessions a case left open. Threads a case started on one (queue runners,
    `start_queue_runners` with no coordinator told to stop) loop on it for ever otherwise,
    into every later case of the worker: a closed session cancels their pending runs, so they
    end. How many were open."""
    left = [session for session in list(SESSIONS or ()) if not getattr(session, "_closed", True)]
    for session in left:
        try:
            session.close()
        except Exception:  # a session the case broke: nothing more to close
            pass
    if SESSIONS is not None:
        SESSIONS.clear()
    return len(left)


def guard_sessions(tf):
    """Make every Session of this TensorFlow refuse, before running anything, fetches that
    depend on refused ops (refused_fetches): Session.run, partial_run_setup, make_callable and
    the private _make_callable_from_options that Keras' backend functions use, so Tensor.eval,
    Operation.run, MonitoredSession and K.get_value / K.function are covered whatever path a
    case takes. For the worker, once, after importing TF. Idempotent."""
    global SESSIONS
    base = [c for c in tf.Session.__mro__ if c.__name__ == "BaseSession"]
    base = base[0] if base else tf.Session
    if getattr(base, "_tfscope_guarded", False):
        return
    import weakref
    SESSIONS = weakref.WeakSet()

    def check(session, fetches, options=None):
        reason = refused_fetches(fetches, getattr(session, "graph", None)) or \
            refused_options(options)
        if reason:
            raise RefusedError("tfscope refuses to run this: %s" % reason)

    def guard(name, fetches_of, options_of=lambda args, kwargs: None):
        original = getattr(base, name, None)
        if original is None:
            return

        def guarded(self, *args, **kwargs):
            check(self, fetches_of(args, kwargs), options_of(args, kwargs))
            made = original(self, *args, **kwargs)
            if name == "make_callable" and callable(made) and (
                    kwargs.get("accept_options") or (len(args) > 2 and args[2])):
                return with_options_checked(made)
            return made
        setattr(base, name, as_original(guarded, original))

    def as_original(wrapper, original):
        # The policy judges callables by their module and name (refused_object): a guarded
        # method is still TF's own, not a function of this module from outside TF.
        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            if hasattr(original, attribute):
                setattr(wrapper, attribute, getattr(original, attribute))
        return wrapper

    def with_options_checked(made):
        # make_callable(..., accept_options=True): its calls take RunOptions of their own
        def call(*args, **kwargs):
            check(None, None, kwargs.get("options"))
            return made(*args, **kwargs)
        return as_original(call, made)

    def first(args, kwargs):
        return args[0] if args else kwargs.get("fetches")

    def run_options(args, kwargs):  # run(fetches, feed_dict=None, options=None, ...)
        return args[2] if len(args) > 2 else kwargs.get("options")

    def from_options(args, kwargs):
        options = args[0] if args else kwargs.get("callable_options")
        return list(getattr(options, "fetch", ())) + list(getattr(options, "target", ()))

    def callable_options(args, kwargs):
        return args[0] if args else kwargs.get("callable_options")

    guard("run", first, run_options)
    for name in ("partial_run_setup", "make_callable"):
        guard(name, first)
    guard("_make_callable_from_options", from_options, callable_options)

    # A session with a target talks to a TensorFlow server (sockets): refused however the
    # Session class was reached (an alias, a def parameter, make_template's keywords), where
    # the check of the written call's arguments sees only `tf.Session(target=...)`.
    init = base.__init__

    def guarded_init(self, target="", *args, **kwargs):
        if target:
            raise RefusedError("tfscope refuses to run this: a session target connects to a "
                               "TensorFlow server: sockets (target=%r)" % (target,))
        made = init(self, target, *args, **kwargs)
        SESSIONS.add(self)
        return made
    base.__init__ = as_original(guarded_init, init)
    base._tfscope_guarded = True


# Python's plain data types: their builtin methods are data operations (but str.format).
PLAIN_TYPES = (list, dict, tuple, set, frozenset, str, bytes, int, float, bool, complex)

# What a public API path may look like (validator side): dotted identifiers.
PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


# --- Python builtins a case may use ({py: NAME}, `py.NAME:`) ------------------------------------
# Plain data, iteration and arithmetic over what the program already holds. Left out: whatever
# reads files or the terminal (open, input, print), runs source text (eval, exec, compile),
# imports, or reaches attributes by a computed name (getattr, setattr, vars, dir, type with three
# arguments, globals, locals): those would pass the attribute policy by.
BUILTINS = frozenset([
    "abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "frozenset", "int",
    "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min", "next", "range",
    "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip",
])


def refused_builtin(name):
    """Why the Python builtin `name` may not be used from a case file; None when it may."""
    name = str(name)
    if name in BUILTINS:
        return None
    if name in DANGEROUS_BUILTINS or name.startswith("__"):
        return "%s (builtin %s runs code, reads files or reaches attributes by name)" % (
            OUTSIDE, name)
    return "not one of the builtins a case may use (%s)" % ", ".join(sorted(BUILTINS))
