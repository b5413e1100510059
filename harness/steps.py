"""The step vocabulary: the one table of what a case program may do.

Each step kind says which arguments it takes (and their types), whether it has a body (`do`), how
to run it against TensorFlow and how to render it as TensorFlow Python code. The table is put
together here from its parts, one concern each:

- argtypes.py: the argument types of the curated steps (check, to_tf, to_py, schema);
- curated.py: the curated steps (`get_variable`, `variable_scope`, layers, templates, ...);
- generic.py: the generic step language (any TF API call, methods, operators, `with`, `def`,
  `class`, `catch`, snapshots): its values, paths, execution and rendering.

It is shared by the harness (validation, schema, docs, export) and the worker (execution), so all
of it runs on Python 3.6+ with the standard library only; TensorFlow is handed in, never imported.
"""

try:
    from . import argtypes, curated, generic
except ImportError:  # no parent package: the worker's copies, beside it
    import argtypes
    import curated
    import generic

# The names other modules use through `steps` (one place to import the vocabulary from).
globals().update({k: v for k, v in vars(argtypes).items() if not k.startswith("__")})
Step, convert_args, render_args = curated.Step, curated.convert_args, curated.render_args
template_function, template_result = curated.template_function, curated.template_result
SCHEMA_DEFS = dict(argtypes.SCHEMA_DEFS)
SCHEMA_DEFS.update(generic.SCHEMA_DEFS)

STEPS = dict(curated.STEPS)
STEPS.update(generic.STEPS)

FACTS = {
    "variable": ("name", "op.name", "class", "dtype", "shape", "trainable", "device",
                 "caching_device", "collections",
                 "parts", "partitions", "part_shapes", "constraint",
                 "value"),
    "tensor": ("name", "op.name", "class", "dtype", "shape",
               "device", "control_inputs",
               "value"),
    "scope": ("name", "class", "original_name_scope", "reuse", "dtype", "use_resource",
              "initializer", "regularizer", "caching_device"),
    "name_scope": ("name", "class"),
    "getter": ("calls", "reuse"),  # a custom getter's {record: LABEL}
    "saver": ("keys", "shapes"),
    "layer": ("name", "class", "scope_name", "variables", "trainable_variables",
              "non_trainable_variables", "built"),
    "layer_class": ("name",),
    "template": ("name", "variable_scope", "variables"),
    "optimizer": ("name", "class", "slot_names", "slots", "variables"),
    "op": ("name", "type", "device"),
}
GRAPH_FACTS = ("global_variables", "trainable_variables", "local_variables",
               "regularization_losses", "ops", "variable_scope")
# graph.collection.NAME, for any collection NAME (the validator accepts any).
GRAPH_FACTS += ("collection.NAME",)
GRAPH_FACT_PREFIXES = ("collection.",)

FACTS.update(generic.FACTS)

# Keys of a step mapping besides the step key (`if` also takes generic.BRANCH_KEYS).
STEP_KEYS = ("do",)
BRANCH_KEYS = generic.BRANCH_KEYS
