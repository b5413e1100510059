"""The tracer: runs a user's TF1 script and records the TF API calls its own code makes, as a
program in the step language (docs/case-format.md, "Generic steps").

Started by `harness/trace.py` as `python -I tracer.py [--keys|--program] SCRIPT OUT.json` in a
runtime's interpreter, with the script's directory as cwd and sys.argv == [SCRIPT]; Python 3.6+,
stdlib and TensorFlow only (like worker.py, whose import_tf it reuses). It writes one JSON object
to OUT.json: the program, the problems (what cannot be data, FILE:LINE and a way out), notes,
and the facts of the graph the script built (variables, ops, checkpoint keys) to compare with.

The TF1 API. `import tensorflow` in the script's own files gives the TF1 API on every runtime:
`tensorflow` itself on 1.x, `tensorflow.compat.v1` with v2 behaviour disabled on 2.x (the worker's
import_tf). TensorFlow's own modules importing `tensorflow` still get the real module.

What is recorded, and how. A call is recorded when its caller frame is in the script or in a module
file under the script's directory and no recorded call is running (so TF's internal calls, and
calls made by Python callables TF calls back, are not):
- API functions and classes: the script gets proxies for TF's modules (from its imports), whose
  functions and classes record `tf.PATH` steps. Class proxies are real enough to subclass
  (__mro_entries__), isinstance and issubclass; values are unwrapped before TF sees them.
- Methods, `layer(x)`, operators (a + b, x[0], -x, a @ b) and `with` on objects TF returned: the
  methods of their classes are patched, once per class, with a wrapper that records only when
  called from the script's frames on an object the trace knows. Patching, not proxies around
  results, because TF checks the types of what it is given everywhere (isinstance, C++
  conversions, dict keys): a patched class keeps every object exactly what TF made.
- Attribute reads (`layer.kernel`, `outputs[0]`) are not intercepted: when such an object is
  passed to a recorded call, it is found from the captures (`{ref: layer.kernel}`); Python values
  read from TF objects (`x.shape[1].value`, `scope.name`) are literals.
- Python control flow, functions, classes, flags and numpy are resolved by running them.
- A function the script gives TF and TF calls back is a `def` step whose body is what its first
  call did; when a later call makes other TF calls or passes other values (it branches on its
  arguments), the step carries the function's source and its free names bound to values of the
  case instead (function_source), and harness/pydef.py writes the body from that.
- Sessions (tf.Session, its run) and the script's flags and logging run but are not recorded:
  running a graph does not change its names (a note says so).
"""

import ast
import builtins
import functools
import inspect
import json
import linecache
import os
import re
import runpy
import sys
import textwrap
import types

THIS_FILE = os.path.abspath(__file__)
HERE = os.path.dirname(THIS_FILE)
sys.path.insert(0, HERE)
import apiscan  # noqa: E402  (which modules are TF's API: the index's rule)
import argtypes  # noqa: E402
import worker  # noqa: E402

try:
    import policy  # noqa: E402  (helper "api": refused namespaces)
except ImportError:  # pragma: no cover - before policy.py lands
    policy = None
try:
    import internals  # noqa: E402  (the modules a case may import)
except ImportError:  # pragma: no cover
    internals = None

ARRAY_CAP = 1000  # numpy arrays up to this many elements become (nested) lists; larger: a problem
# Arrays of these dtypes are what TF makes of their lists too; others (numpy's float64 and int64
# defaults) stay arrays of their dtype (Tracer.ndarray), or a variable's dtype would change.
LIST_DTYPES = ("float32", "int32", "bool")
# Run as the script says, never recorded: no graph names change (see the module docstring).
PASSTHROUGH = ("tf.flags", "tf.app", "tf.logging", "tf.disable_v2_behavior",
               "tf.disable_eager_execution", "tf.reset_default_graph", "tf.Session",
               "tf.InteractiveSession", "tf.get_logger", "tf.test", "tf.gfile", "tf.io.gfile",
               "tf.summary", "tf.ConfigProto", "tf.GPUOptions", "tf.RunOptions",
               "tf.RunMetadata", "tf.GraphOptions", "tf.OptimizerOptions",
               "tf.get_default_session", "tf.keras.backend.set_session",
               "tf.keras.backend.get_session", "tf.train.Coordinator",
               "tf.train.start_queue_runners")
# Iterators TF takes as lists (apply_gradients(zip(...)), tf.group(*map(...))): consumed once, so
# the tracer lists them and hands TF the list; sets too (baselines' tf_util initializes
# set(tf.global_variables()) - done), listed in the order TF would iterate them.
ITERATORS = (zip, map, filter, enumerate, reversed, types.GeneratorType, type({}.keys()),
             type({}.values()), type({}.items()), set, frozenset)
# They change the graph in ways a program cannot say; trimmed scripts stop before them.
REFUSED = {"tf.train.MonitoredTrainingSession": "it adds the Scaffold's ops when it starts",
           "tf.train.Supervisor": "it adds its own ops when it starts",
           "tf.estimator": "an Estimator builds the graph inside its own train/evaluate calls",
           # what a model_fn returns, called directly (no Estimator): it adds nothing
           "tf.estimator.EstimatorSpec": None,
           "tf.py_func": "its function is Python code TF calls while the graph runs",
           "tf.numpy_function": "its function is Python code TF calls while the graph runs",
           "tf.py_function": "its function is Python code TF calls while the graph runs"}
OPERATORS = {"__add__": "+", "__sub__": "-", "__mul__": "*", "__truediv__": "/",
             "__floordiv__": "//", "__mod__": "%", "__pow__": "**", "__matmul__": "@",
             "__and__": "&", "__or__": "|", "__xor__": "^", "__lt__": "<", "__le__": "<=",
             "__gt__": ">", "__ge__": ">=", "__getitem__": "getitem", "__invert__": "~",
             "__neg__": "neg", "__pos__": "pos", "__abs__": "abs"}
REFLECTED = {"__r" + k[2:]: v for k, v in OPERATORS.items()
             if k in ("__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__",
                      "__pow__", "__matmul__", "__and__", "__or__", "__xor__")}
# A tf.Variable's in-place operators (`v += x`): TF 1.x returns `v + x`, a new tensor (the
# variable itself is not changed), made by TF's own frame: the script's `+=` is the step.
INPLACE = {"__iadd__": "+", "__isub__": "-", "__imul__": "*", "__itruediv__": "/",
           "__ipow__": "**"}
OP_LABELS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "//": "floordiv", "%": "mod",
             "**": "pow", "@": "matmul", "&": "and_", "|": "or_", "^": "xor", "<": "less",
             "<=": "less_equal", ">": "greater", ">=": "greater_equal", "getitem": "item",
             "~": "invert", "neg": "neg", "pos": "pos", "abs": "abs"}
# Methods TF inspects or calls on its own (a wrapper would change their signature): never patched.
# (add_weight and add_variable are patched: TF's own calls of them, from Dense.build, come from
# its frames and stay TF's; the script's, layer.add_variable(...) or self.add_weight(...) in a
# script class's build, are steps, and a regularizer TF calls from them is a `def`.)
UNPATCHED = frozenset(("call", "build", "get_config", "from_config", "compute_output_shape",
                       "get_shape"))
# A Keras model's methods that take data as numpy arrays (Tracer.ndarray).
KERAS_DATA = frozenset(("fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
                        "predict_on_batch"))
# The sizes a wrapper cell forwards from the cell it wraps (Tracer.forwarded_size).
FORWARDED_SIZES = ("state_size", "output_size")
# Attributes searched for an object passed to a call that no recorded step returned.
REACH = ("kernel", "bias", "weights", "variables", "trainable_variables", "trainable_weights",
         "non_trainable_variables", "op", "outputs", "inputs", "graph", "c", "h",
         "moving_mean", "moving_variance", "gamma", "beta", "initializer", "variable_scope",
         "indices", "values", "dense_shape")  # the parts of a gradient that is IndexedSlices
LABEL_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Names a label may not take: the validator's (argtypes.PY_KEYWORDS: Python's keywords, tf, py and
# the export's own names), graph, and `i` and print, which the trace's own steps may use; and
# Python's builtins, which the export may call (`abs(x)` for the script's `abs(x)`, float("inf"),
# a def's body from its source): a label `abs` would make every `abs` of the export a local.
KEYWORDS = argtypes.PY_KEYWORDS | frozenset(("graph", "i", "print")) | frozenset(dir(builtins))


def non_finite(number):
    """inf, -inf or nan, which YAML has no plain number for, as the call float("inf") (np.inf as a
    clip range: `return_range=(-np.inf, np.inf)`)."""
    text = "nan" if number != number else ("inf" if number > 0 else "-inf")
    return {"call": {"py": "float"}, "args": [text]}


def numpy_dtype(obj):
    """Whether `obj` is a numpy dtype object, np.dtype("float32") (whose class is numpy.dtype,
    or numpy.dtype[float32] in numpy 1.20 on)."""
    return any(c.__name__ == "dtype" and c.__module__ == "numpy" for c in type(obj).__mro__)


def snake(name):
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    name = re.sub(r"[^a-z0-9_]", "_", name).strip("_") or "x"
    return name if not name[0].isdigit() else "x" + name


class Ref(object):
    """A reference to a step's capture, plus a path (`[0]`, `.kernel`), resolved to a label when
    the program is written (labels are given last: see Tracer.finish)."""

    def __init__(self, step, path=""):
        self.step, self.path = step, path
        step.referenced = True


class Step(object):
    def __init__(self, key, args=None, kwargs=None, where=None):
        self.key, self.args, self.kwargs = key, args or [], kwargs or {}
        self.where = where              # (file, line) of the script's code
        self.base = None                # label candidate (assignment target or the call)
        self.label = None
        self.captures = False
        self.referenced = False
        self.catch = None               # the exception it raised, caught by the script
        self.do = None                  # a body, for `with`
        self.fn = self.method = self.op = None  # receiver (a Ref), method name, operator
        self.entered = False            # the result was entered as a context manager


AST_OPERATORS = {"Add": "+", "Sub": "-", "Mult": "*", "Div": "/", "FloorDiv": "//", "Mod": "%",
                 "Pow": "**", "MatMult": "@", "BitAnd": "&", "BitOr": "|", "BitXor": "^",
                 "Invert": "~", "USub": "neg", "UAdd": "pos", "Lt": "<", "LtE": "<=", "Gt": ">",
                 "GtE": ">="}


def matches(node, step):
    """Whether the expression `node` is the one that makes `step` (by its name or operator)."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if step.key == "method":
            return name == step.method
        if step.key == "invoke":
            return True
        return "." in step.key and name == step.key.rsplit(".", 1)[-1]  # tf.X, ALIAS.X
    if step.key != "let":
        return False
    if isinstance(node, ast.Subscript):
        return step.op == "getitem"
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return AST_OPERATORS.get(type(node.op).__name__) == step.op
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return AST_OPERATORS.get(type(node.ops[0]).__name__) == step.op
    return False


def refers(steps, target):
    """Whether any step of `steps` (bodies too) refers to the step `target`."""
    def found(v):
        if isinstance(v, Ref):
            return v.step is target
        if isinstance(v, (list, tuple)):
            return any(found(x) for x in v)
        if isinstance(v, dict):
            return any(found(x) for x in v.values())
        return False
    return any(found(s.args) or found(s.kwargs) or found(s.fn) or found(getattr(s, "params", None))
               or refers(s.do or [], target) for s in steps)


def remove(steps, target):
    for i, step in enumerate(steps):
        if step is target:
            del steps[i]
            return True
        if step.do and remove(step.do, target):
            return True
    return False


def first_difference(first, later):
    """Where the values a later run of a def body passes differ from the first run's (the
    calls being the same), or None: (file, line) of the later run's step."""
    def flat(steps, out):
        for step in steps:
            if step.key != "def":
                out.append(step)
                flat(step.do or [], out)
        return out
    a, b = flat(first, []), flat(later, [])
    pos_a = dict((id(s), i) for i, s in enumerate(a))
    pos_b = dict((id(s), i) for i, s in enumerate(b))

    def norm(v, pos):
        if isinstance(v, Ref):
            if v.step.key == "param":
                return ("param", v.step.label, v.path)
            if getattr(v.step, "code", None) is not None:  # a lambda made anew at each call
                return ("def", id(v.step.code), v.path)
            return ("step", pos.get(id(v.step), id(v.step)), v.path)
        if isinstance(v, list):
            return [norm(x, pos) for x in v]
        if isinstance(v, dict):
            return dict((k, norm(x, pos)) for k, x in v.items())
        return v
    for x, y in zip(a, b):
        if (norm(x.args, pos_a), norm(x.kwargs, pos_a), norm(x.fn, pos_a)) != \
                (norm(y.args, pos_b), norm(y.kwargs, pos_b), norm(y.fn, pos_b)):
            return y.where
    return None


def body_shape(steps):
    """What a recorded body calls, in order (nested bodies too), without its labels. Functions
    it hands to TF are left out: each is written once, where the first call met it."""
    return [(s.key, s.method, s.op, body_shape(s.do or [])) for s in steps if s.key != "def"]


UNBOUND = object()  # a free name's object that no value of the case stands for


def dotted_path(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_path(node.value)
        return base + "." + node.attr if base else None
    return None


def free_names(node):
    """The names a function's body reads that it does not bind (parameters, assignments,
    imports, nested defs), in order: its globals and closure names."""
    bound = set()
    a = node.args
    for arg in a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x is not None]:
        bound.add(arg.arg)
    loads, declared = [], set()
    for stmt in node.body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name):
                if isinstance(n.ctx, ast.Load):
                    loads.append(n.id)
                else:
                    bound.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                bound.add(n.name)
            elif isinstance(n, ast.arg):
                bound.add(n.arg)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                bound.update((x.asname or x.name).split(".")[0] for x in n.names)
            elif isinstance(n, ast.ExceptHandler) and n.name:
                bound.add(n.name)
            elif isinstance(n, (ast.Global, ast.Nonlocal)):
                declared.update(n.names)
    out = []
    for name in loads:
        if (name not in bound or name in declared) and name not in out:
            out.append(name)
    return out


def attribute_chains(node, root):
    """The attribute paths from the name `root` the function's body reads (`self.units`,
    `FLAGS.fp16`), shortest first."""
    chains = set()
    for stmt in node.body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Attribute):
                path = dotted_path(n)
                if path and path.split(".")[0] == root:
                    chains.add(path)
    return sorted(chains, key=lambda c: (c.count("."), c))


class Tracer(object):
    def __init__(self, tf, script):
        self.tf = tf
        self.script = os.path.abspath(script)
        self.root = os.path.dirname(self.script) + os.sep
        self.program = []
        self.body = self.program
        self.open = []                  # (id of the entered object, step, body around it)
        self.known = {}                 # id(obj) -> Step that returned it
        self.keep = []                  # the objects of `known`, alive so ids stay unique
        self.api = {}                   # id(obj) -> API path, for {tf: PATH}
        self.depth = 0
        self.problems = []
        self.notes = {}
        self.user_files = {}
        self.statements = {}            # file -> sorted [(line, node)]
        self.last = None                # (frame id, statement line, lasti, step)
        self.raised = {}                # id(exception) -> (step, exception)
        self.proxies = {}
        self.unrecorded_ops = []        # ops that unrecorded calls (summaries) added
        self.keep_by_id = {}            # id -> object, for everything in `known`
        self.api_objects = []           # the objects of `api`, alive
        self.root_proxy = None
        self.defs = {}                  # id(function) -> its `def` step
        self.reserved = set()           # def parameter names: no capture may take them
        self.splats = []                # (param, dict, what the case's copy holds): **kwargs
        self.star_splats = []           # (param, tuple): a def's *args, passed on as they came
        self.str_params = []            # (value, Ref): the running defs' string parameters
        self.graphs = []                # the graphs recorded calls ran in (a case has one)
        self.inline = None              # a def wrapper to run as the script's code (once)
        self.suspects = []              # what may make the case differ (see suspect)
        self.api_strings = {}           # id(str) -> (API path, str): see api_string
        self.graph_steps = {}           # id(graph) -> the step that made it (tf.Graph())
        self.imports = {}               # alias -> module: the case's `imports:`
        self.start_graph = tf.get_default_graph()
        self.main = None                # see main_graph
        self.script_classes = {}        # script class -> its `class` step (script_class)
        self.self_attributes = {}       # id(object of a script class) -> attributes it set
        self.methods_running = []       # (code, {param: argument}) of recorded methods
        self.method_selves = []         # their `self` objects, innermost last
        self.keras_data = False         # converting the arguments of a Keras model's fit & co
        self.in_array = False           # converting the values inside a numpy array
        self.tainted = {}               # id -> (object, why): see taint
        self.tainted_said = set()

    # -- where a call comes from --

    def is_user(self, frame):
        name = frame.f_code.co_filename
        user = self.user_files.get(name)
        if user is None:
            path = os.path.abspath(name)
            # `<string>`, `<frozen ...>`: code made at run time (TF makes some), not a file here
            user = path.startswith(self.root) and not path.startswith(HERE + os.sep) and \
                not name.startswith("<")
            self.user_files[name] = user
        return user

    def recording(self, frame):
        return self.depth == 0 and self.is_user(frame)

    def problem(self, frame_or_where, message, hint=None):
        where = frame_or_where
        if isinstance(where, types.FrameType):
            where = (where.f_code.co_filename, where.f_lineno)
        if getattr(self, "returning", None) and os.path.abspath(where[0]) == THIS_FILE:
            where = self.returning  # a def's return value (run_def): the function, not here
        entry = {"file": self.shown(where[0]), "line": where[1], "message": message,
                 "hint": hint}
        if entry not in self.problems:
            self.problems.append(entry)

    def suspect(self, where, message, hint):
        """Not a problem by itself: named with the refusal if the case's names then differ."""
        entry = {"file": self.shown(where[0]), "line": where[1], "message": message,
                 "hint": hint}
        if entry not in self.suspects:
            self.suspects.append(entry)

    def note(self, text, frame=None):
        where = "%s:%d" % (self.shown(frame.f_code.co_filename), frame.f_lineno) if frame \
            else ""
        self.notes.setdefault(text, [where, 0])[1] += 1

    def shown(self, path):
        path = os.path.abspath(path)
        return os.path.relpath(path, self.root) if path.startswith(self.root) else path

    def statement(self, frame):
        """The statement of the script running in `frame`: (its first line, its ast node)."""
        name = frame.f_code.co_filename
        if name not in self.statements:
            nodes = []
            try:
                tree = ast.parse("".join(linecache.getlines(name)))
                nodes = sorted(((n.lineno, n) for n in ast.walk(tree) if isinstance(n, ast.stmt)
                                ), key=lambda item: item[0])
            except (SyntaxError, ValueError):
                pass
            self.statements[name] = nodes
        found = (None, None)
        for line, node in self.statements[name]:
            if line > frame.f_lineno:
                break
            found = (line, node)
        return found

    def target(self, frame, step):
        """Name the step after the assignment whose value it is (`w = tf.get_variable(...)`,
        `y = a + b`): the statement's value must be that call or operator (not a helper
        function's call), and of several such calls in one statement the last (outermost)."""
        line, node = self.statement(frame)
        name = None
        if isinstance(node, (ast.Assign, ast.AugAssign, getattr(ast, "AnnAssign", ast.Assign))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if len(targets) == 1 and node.value is not None and matches(node.value, step):
                name = (targets[0].id if isinstance(targets[0], ast.Name) else
                        targets[0].attr if isinstance(targets[0], ast.Attribute) else None)
        key = (id(frame), line)
        last = self.last
        if last and last[:2] == key and frame.f_lasti > last[2] and last[3].base == name:
            last[3].base = None  # an inner call of the same statement: named after its call
        step.base = name
        self.last = (id(frame), line, frame.f_lasti, step)

    def with_target(self, frame, step=None):
        _, node = self.statement(frame)
        if isinstance(node, (ast.With, getattr(ast, "AsyncWith", ast.With))):
            for item in node.items:
                # of several items (`with g.as_default(), tf.Session() as sess:`), the one
                # whose expression makes this step
                if isinstance(item.optional_vars, ast.Name) and (
                        len(node.items) == 1 or step is None or
                        matches(item.context_expr, step)):
                    return item.optional_vars.id
        return None

    # -- values --

    def value(self, obj, frame, keyword=None, index=False):
        """`obj` as a value of the step language; problems go to self.problems (a failure of the
        tracer's own code too: the script must not see it)."""
        try:
            return self.convert(obj, frame, keyword, index)
        except Exception as e:  # noqa: BLE001
            self.problem(frame, "the tracer cannot write this argument (%s: %s)" % (
                type(e).__name__, first_line(e)), "please report it with the script")
            return None

    def import_alias(self, frame, name):
        """The name `from X import name [as alias]` binds, from the statement's source."""
        _, node = self.statement(frame)
        for alias in getattr(node, "names", None) or []:
            if alias.name == name:
                return alias.asname or name
        return name

    def api_string(self, value, path):
        """A string constant of the API (tf.GraphKeys.UPDATE_OPS): TF compares some by identity
        (contrib's batch_norm: `updates_collections is ops.GraphKeys.UPDATE_OPS`), so the case
        names it, {tf: PATH}, rather than writing an equal string."""
        if type(value) is str and not any(path.startswith(p + ".") for p in PASSTHROUGH):
            self.api_strings.setdefault(id(value), (path, value))

    def convert(self, obj, frame, keyword=None, index=False):
        if keyword and self.methods_running and (obj is None or isinstance(obj, (int, float))):
            made = self.literal_param(obj, keyword, frame, by_name=True)  # units=units
            if made is not None:
                return made
        if type(obj) is str and id(obj) in self.api_strings and \
                self.api_strings[id(obj)][1] is obj:
            return api_value(self.api_strings[id(obj)][0])
        if isinstance(obj, TracedStr):  # a def's string parameter, or made from one
            expr = obj._tfexpr
            if isinstance(expr, Ref):
                return expr
            return {"op": expr[0], "args": [self.value(a, frame) for a in expr[1:]]}
        if type(obj) is str and self.str_params:
            made = self.made_from_param(obj)
            if made is not None:
                return made
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int) and not isinstance(obj, bool):
            return obj
        if isinstance(obj, float):
            if obj != obj or obj in (float("inf"), float("-inf")):
                return non_finite(obj)
            return obj
        if isinstance(obj, (ApiProxy, ModuleProxy)):
            return api_value(obj._tfpath)
        via = self.via_self(obj)
        if via is not None:
            return via
        step = self.known.get(id(obj))
        if step is not None:
            return Ref(step)
        if id(obj) in self.api:
            return api_value(self.api[id(obj)])
        if self.tainted and self.tainted_value(obj, frame):
            return None
        if isinstance(obj, list):
            return [self.item(v, frame, keyword) for v in obj]
        if isinstance(obj, tuple) and type(obj) is tuple:
            items = [self.item(v, frame, keyword, index) for v in obj]
            if not index and all(v is None or isinstance(v, (int, float)) for v in items):
                return items  # a shape
            return {"tuple": items}
        if isinstance(obj, dict) and type(obj) is dict:
            if not all(isinstance(k, str) for k in obj):
                self.problem(frame, "a dict with keys that are not strings cannot be data")
            return {"dict": {str(k): self.item(v, frame) for k, v in obj.items()}}
        if isinstance(obj, slice):
            return {"slice": [self.value(obj.start, frame), self.value(obj.stop, frame),
                              self.value(obj.step, frame)]}
        if obj is Ellipsis:
            return {"ellipsis": None}
        if isinstance(obj, type) and obj.__module__ == "numpy":  # np.float32 as a dtype
            return {"tf": self.tf.as_dtype(obj).name}
        if numpy_dtype(obj):  # np.dtype("float32"): a gym space's dtype (stable-baselines)
            return {"tf": self.tf.as_dtype(obj).name}
        if type(obj).__module__.split(".")[0] == "numpy":
            if getattr(obj, "ndim", None) == 0:
                value = obj.item()
                if isinstance(value, float) and type(obj)(float(str(obj))) == obj:
                    value = float(str(obj))  # np.float32(2e-4) as 0.0002, not 0.000199999...
                return self.value(value, frame)
            if hasattr(obj, "tolist"):
                if obj.size > ARRAY_CAP:
                    return self.large_array(obj, frame)
                if not self.in_array and obj.ndim and (
                        self.keras_data or not self.as_list(obj.dtype)):
                    return self.ndarray(obj, frame)
                if obj.dtype.kind == "f":  # each element as short as its own dtype allows
                    return self.value([self.value(v, frame) for v in obj], frame)
                return self.value(obj.tolist(), frame)
        if isinstance(obj, self.tf.DType):
            return {"tf": obj.base_dtype.name}
        if isinstance(obj, self.tf.TensorShape):
            dims = None if obj.ndims is None else [d for d in obj.as_list()]
            if getattr(self, "returning", None):
                # what a def returns is TF's to read as a shape (a Helper's sample_ids_shape,
                # nested with other structures by tf.nest): a list would be a structure of its own
                return self.shape_call(dims)
            return dims
        if type(obj).__name__ == "Dimension":
            return obj.value
        found = self.reach(obj) or self.part(obj, frame) or self.api_partial(obj, frame)
        if found is not None:
            return found
        if isinstance(obj, (types.FunctionType, types.MethodType, functools.partial)) and \
                self.is_user_code(obj):
            # a method of the script's object (tf.make_template("net", self._build)) or a
            # functools.partial of a function of its too: TF calls it with what is not bound
            # yet, so its `def` has those parameters (its body sees the bound values)
            step = self.define(obj, frame)
            if step is not None:
                return Ref(step)
        if callable(obj) and isinstance(obj, (types.FunctionType, types.MethodType,
                                              functools.partial)) and self.is_user_code(obj):
            inner = obj
            while isinstance(inner, functools.partial):
                inner = inner.func
            code = getattr(inner, "__code__", None) or inner.__func__.__code__
            self.problem(frame, "a Python function (%s, %s:%d) passed to TF cannot be data: TF "
                         "calls it" % (inner.__name__, self.shown(code.co_filename),
                                       code.co_firstlineno), CALLABLE_HINTS.get(keyword, (
                                           "write its body as a `def` step and pass {ref: "
                                           "LABEL} (docs/case-format.md)")))
            return None
        made = self.forwarded_size(obj) or self.api_namedtuple(obj, frame)
        if made is not None:
            return made
        if not self.of_script_class(obj):  # else its class's problem says it all
            self.problem(frame, "a %s that no recorded TF call returned cannot be data" %
                         type(obj).__name__, "make it with a TF call in the script")
        return None

    @staticmethod
    def shape_call(dims):
        """A TensorShape as the call that makes it, where a list would not be read as one."""
        return {"call": {"tf": "TensorShape"}, "args": [dims]}

    def item(self, obj, frame, keyword=None, index=False):
        """An element of a list, tuple or dict: a TensorShape there stays one (while_loop's
        `shape_invariants=[tf.TensorShape([]), ...]`, a generator's output shapes): tf.nest reads
        a list in a structure as a structure of its own, not as a shape."""
        if isinstance(obj, self.tf.TensorShape) and id(obj) not in self.known:
            return self.shape_call(None if obj.ndims is None else obj.as_list())
        return self.value(obj, frame, keyword, index)

    def api_namedtuple(self, obj, frame):
        """A namedtuple of a TF API class that no step made (a wrapped cell's `state_size`, an
        AttentionWrapperState of sizes read from a TF object) as a call of that class with its
        fields, when each field is data; else None."""
        fields = getattr(type(obj), "_fields", None)
        if not isinstance(obj, tuple) or not fields:
            return None
        path = api_path_of(self.tf, type(obj).__name__, type(obj))
        if path is None:
            return None
        values = [(name, self.value(getattr(obj, name), frame))
                  for name in fields]
        return {"call": api_value(path), "kwargs": dict(values)}

    def of_script_class(self, obj):
        """Whether `obj` is an instance of a class of the script deriving from a TF class."""
        for klass in type(obj).__mro__[:-1]:
            module = sys.modules.get(klass.__module__)
            path = getattr(module, "__file__", None) or ""
            if klass.__module__ == "__main__" or (path and self.is_user_file(path)):
                return any(b.__module__.split(".")[0] in ("tensorflow", "tensorflow_core",
                                                          "keras", "tf_keras")
                           for b in type(obj).__mro__)
        return False

    def is_user_file(self, path):
        path = os.path.abspath(path)
        return path.startswith(self.root) and not path.startswith(HERE + os.sep)

    @staticmethod
    def as_list(dtype):
        """Whether a list of an array's items stands for the array: TF infers the array's dtype
        from the list (float32, int32, bool, strings)."""
        return dtype.name in LIST_DTYPES or dtype.kind in "SUO"

    def ndarray(self, obj, frame, values=None):
        """A numpy array that a list cannot stand for: one given to a Keras model's data method
        (fit, evaluate, predict...), which reads a list as one array per model input, or one of
        a dtype TF does not infer from its list (`tf.Variable(np.zeros(3))` is float64, and
        `initializer=np.array([1, 2]), dtype=tf.int64` works where a list fails). It stays an
        array, made from its values (`values`: an expression for them) by TF's own
        tf.make_ndarray(tf.make_tensor_proto(VALUES, dtype))."""
        if values is None:
            self.in_array = True
            try:
                values = self.value(obj, frame)
            finally:
                self.in_array = False
        proto = {"call": {"tf": "make_tensor_proto"}, "args": [values],
                 "kwargs": {"dtype": {"tf": self.tf.as_dtype(obj.dtype).name}}}
        return {"call": {"tf": "make_ndarray"}, "args": [proto]}

    def large_array(self, obj, frame):
        """A numpy array over ARRAY_CAP elements (a positional-encoding table, an initializer's
        random matrix) as zeros of its shape, `[[0.0] * C] * R`: its values change no name, and
        the case stays small. Of a kind Python's numbers cannot stand for: a problem."""
        zero = {"f": 0.0, "i": 0, "u": 0, "b": False}.get(obj.dtype.kind)
        if zero is None or obj.ndim == 0:
            self.problem(frame, "a numpy array of %d elements (more than %d) of %s cannot be "
                         "written into a case" % (obj.size, ARRAY_CAP, obj.dtype),
                         "make it in TF (tf.zeros, tf.random_normal, an initializer)")
            return None
        expr = zero
        for dim in reversed(obj.shape):
            expr = {"op": "*", "args": [[expr], int(dim)]}
        self.note("a numpy array of more than %d elements is written as zeros of its shape "
                  "(its values change no name)" % ARRAY_CAP, frame)
        if self.in_array or (self.as_list(obj.dtype) and not self.keras_data):
            return expr
        return self.ndarray(obj, frame, expr)

    def made_from_param(self, text):
        """A string of a def's body that holds one of its string parameters once (made by
        `"{}/sum_0".format(name)`, an f-string, `"%s/%s%d" % (name, p, i)`): PREFIX + param +
        SUFFIX, so that the def makes it from each call's value. (A later call that does not
        fit is named by first_difference.)"""
        for value, ref in self.str_params:
            if len(value) < 3 or text == value or text.count(value) != 1:
                continue
            head, tail = text.split(value)
            expr = ref
            if head:
                expr = {"op": "+", "args": [head, expr]}
            if tail:
                expr = {"op": "+", "args": [expr, tail]}
            return expr
        return None

    def api_partial(self, obj, frame):
        """functools.partial(tf.nn.leaky_relu, alpha=0.2) as a `def` that calls the API with
        the bound arguments and passes the rest on (`*args, **kwargs`)."""
        if not isinstance(obj, functools.partial) or not isinstance(obj.func, ApiProxy):
            return None
        if id(obj) in self.defs:
            return Ref(self.defs[id(obj)])
        where = (frame.f_code.co_filename, frame.f_lineno)
        rest, more = Step("param"), Step("param")
        rest.label, more.label = "args", "kwargs"
        call = Step("invoke", where=where)
        call.fn = api_value(obj.func._tfpath)
        call.args = [self.value(a, frame) for a in obj.args] + [{"*": Ref(rest)}]
        call.kwargs = dict([(k, self.value(v, frame, keyword=k))
                            for k, v in (obj.keywords or {}).items()] + [("**", Ref(more))])
        call.captures = True
        done = Step("return")
        done.args = [Ref(call)]
        step = Step("def", where=where)
        step.base = snake(obj.func._tfpath.rsplit(".", 1)[-1])
        step.params, step.do, step.captures = ["*args", "**kwargs"], [call, done], True
        self.reserved.update(("args", "kwargs"))
        self.body.append(step)
        self.defs[id(obj)] = step
        self.keep.append(obj)
        return Ref(step)

    def part(self, obj, frame):
        """A variable of a captured PartitionedVariable (`for v in p_v:`), which has no index:
        its parts listed by a step, `py.list: {args: [{ref: p_v}], as: parts}`, then
        `{ref: parts[1]}`."""
        for key in reversed(list(self.known)):
            holder = self.keep_by_id[key]
            if not hasattr(holder, "_get_variable_list") or isinstance(holder, (list, tuple)):
                continue
            try:
                parts = list(holder)
            except Exception:  # noqa: BLE001 - not iterable after all
                continue
            for i, item in enumerate(parts):
                if item is obj:
                    step = Step("py.list", where=(frame.f_code.co_filename, frame.f_lineno))
                    step.args, step.base = [Ref(self.known[key])], "parts"
                    self.body.append(step)
                    self.bind(step, parts)
                    return Ref(step, "[%d]" % i)
        return None

    def define(self, fn, frame):
        """A function of the script that TF will call (an activation, a template's function, a
        cond branch) as a `def` step before the call that gets it. Its body is what the function
        does the first time TF calls it; None (and the caller reports it) when its signature
        cannot be written (keyword-only parameters without a `*args` before them)."""
        if id(fn) in self.defs:
            return self.defs[id(fn)]
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):
            return None
        params = self.def_params(signature, frame)
        if params is None:
            return None  # `def f(a, *, b)`: a def step has no bare `*`
        step = Step("def", where=(frame.f_code.co_filename, frame.f_lineno))
        name = getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__",
                                                        "fn")
        step.base = name if LABEL_RE.match(name) else "fn"
        step.params, step.do, step.captures = params, [], True
        inner = fn.func if isinstance(fn, functools.partial) else fn
        step.code = getattr(getattr(inner, "__func__", inner), "__code__", None)
        self.reserved.update(p.lstrip("*") if isinstance(p, str) else p["name"]
                             for p in params)
        self.body.append(step)
        self.defs[id(fn)] = step
        self.keep.append(fn)
        SUBSTITUTES[id(fn)] = self.def_wrapper(fn, step, signature)
        return step

    def def_wrapper(self, fn, step, signature):
        tracer, recorded, later = self, [], []

        @functools.wraps(fn)
        def traced(*args, **kwargs):
            if tracer.inline is traced:
                # The script called TF's wrapper of this function (slim.add_arg_scope's) and
                # TF calls it right away: its body is the script's own code at that call.
                tracer.inline = None
                return fn(*tracer.rewrapped(args), **tracer.rewrapped(kwargs))
            if tracer.script_calls(sys._getframe(1)) or tracer.decorated_call(sys._getframe(1)):
                # TF handed the def back to the script's code (an arg_scope's `nonlin=act`, an
                # argument of an add_arg_scope function), which calls it: its calls are steps
                # where it is called, as any function of the script's
                return fn(*tracer.rewrapped(args), **tracer.rewrapped(kwargs))
            if not recorded:
                recorded.append(True)
                step.free = tracer.free_values(fn)
                try:
                    return tracer.run_def(fn, step, signature, args, kwargs)
                finally:
                    recorded.append(True)  # calls made inside the first one: compared now
                    for again in later:
                        tracer.compare_calls(fn, step, again)
            if getattr(step, "ambiguous", False) and len(recorded) > 1:
                return tracer.rerecord(fn, step, signature, args, kwargs)
            # The body is written once, so every later call must make the same TF calls: one
            # that branches on its arguments (ema=None the first time) is written from its
            # source instead (see from_source).
            again = Step("def")
            again.do = []
            again.free = tracer.free_values(fn)
            result = tracer.run_def(fn, again, signature, args, kwargs)
            if len(recorded) > 1:
                tracer.compare_calls(fn, step, again)
            else:  # called again inside its first call (nested getters): that body is not
                later.append(again)  # complete yet
            return result
        # AutoGraph (Dataset.map, ...) would run a converted copy of the function, whose frames
        # are not the script's: it runs as written, as the case's `def` does.
        setattr(traced, "__ag_compiled", True)
        return traced

    # -- a def whose calls differ: written from its source (harness/pydef.py converts it) --

    def free_values(self, fn):
        """The objects the global and closure names of `fn`'s code are bound to now (by
        identity), to tell whether a later call sees the same ones."""
        inner = getattr(fn, "__func__", fn)
        code = getattr(inner, "__code__", None)
        if code is None:
            return {}
        names, codes = set(), [code]
        while codes:
            c = codes.pop()
            names.update(c.co_names)
            codes.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
        glob = getattr(inner, "__globals__", {})
        out = dict((n, glob[n]) for n in names if n in glob)
        for name, cell in zip(code.co_freevars, inner.__closure__ or ()):
            try:
                out[name] = cell.cell_contents
            except ValueError:  # an empty cell
                pass
        return out

    def compare_calls(self, fn, step, again):
        """A later call of a def's function against its first: other TF calls (a problem) or
        other values (a suspect), unless its source says what every call does."""
        name = getattr(fn, "__name__", "fn")
        if body_shape(again.do) != body_shape(step.do):
            entry = ("problem", step.where, "TF calls %s more than once and it makes other TF "
                     "calls on a later call than on the first, so its body cannot be written "
                     "once as a `def` step" % name, "make the function do the same TF calls on "
                     "every call (branch outside it), or write the case by hand with one `def` "
                     "per variant")
        else:
            where = first_difference(step.do, again.do)
            if where is None:
                return
            entry = ("suspect", where, "TF calls %s again and this call passes other values "
                     "than its first call did, which its `def` step repeats (a Python value "
                     "computed from its arguments)" % name, "compute it with TF ops, or pass "
                     "it as an argument of the TF call")
        source = getattr(step, "source", None)
        if source is None:
            self.depth += 1  # reading the function's names runs no recorded call
            try:
                source = step.source = self.function_source(fn)
            except Exception as e:  # noqa: BLE001 - the tracer's own failure: today's report
                source = step.source = {"why": "the tracer failed reading it (%s: %s)" % (
                    type(e).__name__, first_line(e))}
            finally:
                self.depth -= 1
        kind, where, message, hint = entry
        if source.get(kind) is None:
            source[kind] = {"file": self.shown(where[0]), "line": where[1], "message": message,
                            "hint": hint}
        first = getattr(step, "free", {})
        changed = sorted(n for n, v in again.free.items() if n in first and first[n] is not v)
        for n in changed:
            if n not in source.setdefault("changed", []):
                source["changed"].append(n)

    def function_source(self, fn, helpers=None):
        """What the harness needs to write `fn`'s body from its source: the text, where it is,
        and its free names bound to values of the case (labels of recorded steps, literals, API
        objects, other defs; a function of the script that is no def: its own source, to be
        inlined where it is called), or to the kind of object no value stands for."""
        func, self_name, owner, given = fn, None, None, ()
        if isinstance(fn, functools.partial) and not fn.args and \
                isinstance(fn.func, types.FunctionType):
            func = fn.func  # its bound keywords are the def's defaults
        elif isinstance(fn, functools.partial) and isinstance(fn.func, types.FunctionType):
            func, given = fn.func, fn.args  # the first parameters: free names, bound to those
        if isinstance(fn, types.MethodType):
            func, owner = fn.__func__, fn.__self__
        if not isinstance(func, types.FunctionType):
            return {"why": "it is not a plain function"}
        try:
            lines, start = inspect.getsourcelines(func)
        except (OSError, TypeError):
            return {"why": "its source is not available"}
        text = "".join(lines)
        try:
            node = ast.parse(textwrap.dedent(text)).body[0]
        except (SyntaxError, IndexError):
            return {"why": "its source is not one `def` statement (a lambda?)"}
        if not isinstance(node, ast.FunctionDef):
            return {"why": "its source is not one `def` statement (a lambda?)"}
        if node.decorator_list and not (len(node.decorator_list) == 1 and isinstance(
                node.decorator_list[0], ast.Name) and node.decorator_list[0].id == "property"):
            # (a property of a script class: its getter, written with `property: true`)
            return {"why": "it is decorated (the decorator may change what it does)"}
        if owner is not None and node.args.args:
            self_name = node.args.args[0].arg
        values = dict((n, v) for n, v in self.free_values(func).items())
        free = free_names(node)
        if self_name is not None:
            values[self_name] = owner
            free.append(self_name)
        if given and len(given) <= len(node.args.args):
            for arg, value in zip(node.args.args, given):
                values[arg.arg] = value
                free.append(arg.arg)
        elif given:
            return {"why": "a functools.partial binds more arguments than it has parameters"}
        bindings, unbound = {}, {}
        helpers = [func] if helpers is None else helpers
        for name in free:
            if name not in values:
                continue  # a builtin (or a name the script never bound): the converter says
            value = self.helper_value(values[name], helpers)
            if value is not UNBOUND:
                bindings[name] = value
                continue
            for chain in attribute_chains(node, name):
                if any(chain.startswith(b + ".") for b in bindings):
                    continue
                try:
                    obj = values[name]
                    for part in chain.split(".")[1:]:
                        obj = getattr(obj, part)
                except Exception:  # noqa: BLE001 - a property that fails: not bound
                    continue
                value = self.helper_value(obj, helpers)
                if value is not UNBOUND:
                    bindings[chain] = value
            unbound[name] = type(values[name]).__name__  # if read other than by those paths
        return {"file": self.shown(func.__code__.co_filename), "line": start, "text": text,
                "bindings": bindings, "unbound": unbound,
                "bound_params": ([self_name] if self_name else []) +
                [a.arg for a in node.args.args[:len(given)]]}

    def helper_value(self, obj, helpers):
        """bound_value, or for a plain function of the script that is no def (a helper the
        function calls), {function: its source record} (a few levels deep, no recursion)."""
        value = self.bound_value(obj)
        if value is UNBOUND and type(obj) is types.FunctionType and self.is_user_code(obj) \
                and id(obj) not in self.defs and len(helpers) < 8 and \
                not any(obj is h for h in helpers):
            helpers.append(obj)
            record = self.function_source(obj, helpers)
            if "why" not in record:
                return {"function": record}
        return value

    def bound_value(self, obj, depth=0):
        """A free name's object as a value of the case, or UNBOUND."""
        if depth > 3:
            return UNBOUND
        if type(obj) is str and id(obj) in self.api_strings and \
                self.api_strings[id(obj)][1] is obj:
            return api_value(self.api_strings[id(obj)][0])
        if obj is None or type(obj) in (bool, int, float, str):
            return obj
        if isinstance(obj, (ApiProxy, ModuleProxy)):
            return {"tf": ""} if obj._tfpath == "tf" else api_value(obj._tfpath)
        if id(obj) in self.defs:
            return Ref(self.defs[id(obj)])
        step = self.known.get(id(obj))
        if step is not None:
            return Ref(step)
        if id(obj) in self.api:
            path = self.api[id(obj)]
            if any(path == p or path.startswith(p + ".") for p in PASSTHROUGH):
                return UNBOUND  # tf.flags.FLAGS: its attributes' values are bound instead
            return api_value(path)
        if type(obj) in (list, tuple):
            items = [self.bound_value(v, depth + 1) for v in obj]
            if any(v is UNBOUND for v in items):
                return UNBOUND
            return items if type(obj) is list else {"tuple": items}
        if type(obj) is dict and all(type(k) is str for k in obj):
            items = dict((k, self.bound_value(v, depth + 1)) for k, v in obj.items())
            return UNBOUND if any(v is UNBOUND for v in items.values()) else {"dict": items}
        if isinstance(obj, self.tf.DType):
            return {"dtype": obj.base_dtype.name}
        if (isinstance(obj, type) and obj.__module__ == "numpy") or numpy_dtype(obj):
            try:
                return {"dtype": self.tf.as_dtype(obj).name}  # np.float32 as a dtype
            except TypeError:
                return UNBOUND
        if type(obj) is types.FunctionType and obj.__code__.co_filename == __file__:
            return {"noop": True}  # the exported case's capture (trace_one): calls do nothing
        if isinstance(obj, (types.FunctionType, types.MethodType, functools.partial, type,
                            types.ModuleType)):
            return UNBOUND
        found = self.reach(obj)
        return found if found is not None else UNBOUND

    def script_calls(self, frame):
        """Whether `frame`, calling a def's function, is the script's own code while recording
        (not TF calling the function back)."""
        return CURRENT[0] is self and self.recording(frame)

    def rewrapped(self, values):
        """The arguments TF passes on to a script function that runs as the script's code:
        the API functions among them (`act=tf.nn.relu`, unwrapped for TF) as the script's
        proxies again, so that calling them is a step."""
        def again(v):
            path = self.api.get(id(v))
            if path is not None and callable(v) and not isinstance(v, type):
                return proxy_for(self, v, path, ApiProxy)
            return v
        if isinstance(values, dict):
            return dict((k, again(v)) for k, v in values.items())
        return [again(v) for v in values]

    def decorated_call(self, frame):
        """Whether `frame`, calling a def's function, is TF's decorator of a script function
        (slim.add_arg_scope's wrapper) called right from the script's code, as when the script
        calls a decorated function it got back from TF (`layer(x)` of `res(x, layer=dense)`, or
        an arg_scope's value): the function then runs as the script's code there."""
        caller = frame.f_back
        if caller is None or self.is_user(frame) or not self.script_calls(caller):
            return False
        return any(getattr(real, "__code__", None) is frame.f_code
                   for real in WRAPPED.values() if wrapped_substitute(real) is not None)

    def run_def(self, fn, step, signature, args, kwargs):
        """Record the body of a `def` while TF calls the function (its parameters as labels)."""
        saved = (self.depth, self.body, self.last, dict(self.known), list(self.splats),
                 list(self.str_params), list(self.star_splats))
        self.depth, self.body, self.last = 0, step.do, None
        params_here = []
        step.ambiguous = False
        try:
            bound = signature.bind(*args, **kwargs)
            for name, value in list(bound.arguments.items()):
                kind = signature.parameters[name].kind
                param = Step("param")
                param.label = name
                if type(value) is str:
                    # `getter(name + "_x", ...)`: the parameter, and strings made from it by `+`
                    # and `%`, are written as expressions of it (TF gets plain strings: unwrap)
                    bound.arguments[name] = TracedStr(value, Ref(param))
                    self.str_params.insert(0, (value, Ref(param)))
                elif value is None or isinstance(value, (bool, int, float)) or \
                        (type(value) is tuple and not value):
                    continue
                elif kind == inspect.Parameter.VAR_POSITIONAL and type(value) is tuple and \
                        all(not isinstance(v, (bool, int, float)) and v is not None
                            for v in value):
                    # `getter(*args, **kwargs)`: the same objects passed on are `{'*': args}`
                    # (a custom getter's name, not the first call's name as a literal). Numbers
                    # and None are shared objects: they could not be told apart.
                    self.star_splats.insert(0, (param, value))
                    self.known[id(value)] = param
                    self.keep_by_id[id(value)] = value
                elif kind == inspect.Parameter.VAR_KEYWORD:
                    self.splats.insert(0, (param, value, dict(value)))
                    self.known[id(value)] = param
                    self.keep_by_id[id(value)] = value
                elif self.forwardable(value):
                    # A function TF hands the def (a custom getter's `getter`): calling it from
                    # the body is a step, `invoke: {fn: {ref: getter}}`.
                    wrapper = self.recording_callable(value, param)
                    bound.arguments[name] = wrapper
                    self.known[id(wrapper)] = param
                    self.keep_by_id[id(wrapper)] = wrapper
                else:
                    if isinstance(self.known.get(id(value)), Step) and \
                            self.known[id(value)].key == "param" and \
                            self.known[id(value)] in params_here:
                        step.ambiguous = True  # f(x, x): which parameter its body uses?
                    self.known[id(value)] = param
                    self.keep_by_id[id(value)] = value
                params_here.append(param)
            result = fn(*bound.args, **bound.kwargs)
            code = getattr(getattr(fn, "__func__", fn), "__code__", None)
            # (where a later call that returns another value is named: the function)
            done = Step("return", where=code and (code.co_filename, code.co_firstlineno))
            self.returning = done.where  # what cannot be data in it: named at the function
            try:
                done.args = [self.value(result, sys._getframe(0))]
            finally:
                self.returning = None
            self.body.append(done)
            return result
        finally:
            self.depth, self.body, self.last, known, self.splats, self.str_params, \
                self.star_splats = saved
            self.known.clear()
            self.known.update(known)

    def rerecord(self, fn, step, signature, args, kwargs):
        """A later call of a def whose first call passed one object as two parameters (a
        self-attention's call(x, x)): its body is recorded again, and, when this call tells
        them apart and makes the same calls, it is the def's body instead."""
        again = Step("def")
        again.do = []
        again.free = self.free_values(fn)
        result = self.run_def(fn, again, signature, args, kwargs)
        if body_shape(again.do) == body_shape(step.do) and not again.ambiguous:
            step.do[:] = again.do
            step.ambiguous = False
        else:
            self.compare_calls(fn, step, again)
        return result

    def forwardable(self, value):
        """A callable of TF's (not the script's, not an API object) that a def may call."""
        if isinstance(value, (ApiProxy, ModuleProxy, type)) or id(value) in self.api:
            return False
        if isinstance(value, (types.FunctionType, types.MethodType, functools.partial)):
            return not self.is_user_code(value)
        return False

    def recording_callable(self, real, step, path=""):
        """`real` as the script gets it: calling it from the script's code records `invoke`
        with `fn: {ref: LABEL}` (a def's callable parameter, or a function a TF call returned:
        slim.add_arg_scope's, l2_regularizer's); TF gets `real` back (unwrap)."""
        tracer = self

        def called(*args, **kwargs):
            frame = sys._getframe(1)
            if CURRENT[0] is not tracer or not tracer.recording(frame):
                return real(*unwrap(args), **unwrap(kwargs))
            inner = wrapped_substitute(real)
            if inner is not None:  # a decorator of the script's function: run as its code
                saved, tracer.inline = tracer.inline, inner
                try:
                    return real(*unwrap(args), **unwrap(kwargs))
                finally:
                    tracer.inline = saved
            args, kwargs = listed(args), listed(kwargs)
            made = tracer.record("invoke", args, kwargs, frame, fn=Ref(step, path))
            result = tracer.run(made, real, args, kwargs)
            tracer.bind(made, result)
            return tracer.callable_result(result, made)
        try:
            functools.update_wrapper(called, real)
        except (AttributeError, TypeError):  # a partial has no __name__: nothing to copy
            pass
        WRAPPED[id(called)] = real
        self.keep.append(called)
        return called

    def callable_result(self, result, step):
        """A plain function a recorded call returned (slim.add_arg_scope(f), a regularizer) is
        given to the script as a recording wrapper, so that calling it is a step too."""
        if type(result) is types.FunctionType and not self.is_user_code(result) and \
                id(result) not in self.api and self.known.get(id(result)) is step:
            wrapper = self.recording_callable(result, step)
            self.known[id(wrapper)] = step
            self.keep_by_id[id(wrapper)] = wrapper
            return wrapper
        return result

    def is_user_code(self, fn):
        while isinstance(fn, functools.partial):
            fn = fn.func
        code = getattr(fn, "__code__", None) or getattr(getattr(fn, "__func__", None),
                                                        "__code__", None)
        return code is not None and os.path.abspath(code.co_filename).startswith(self.root)

    def reach(self, obj):
        """A path from a capture to `obj` (`layer.kernel`, `rnn[0]`), newest capture first."""
        seen = set()
        frontier = [(self.known[k], "", self.keep_by_id[k]) for k in reversed(list(self.known))]
        for _ in range(3):
            nxt = []
            for step, path, holder in frontier:
                for sub, child in self.children(holder):
                    if child is obj:
                        return Ref(step, path + sub)
                    if id(child) not in seen and not isinstance(child, (str, int, float)):
                        seen.add(id(child))
                        nxt.append((step, path + sub, child))
            frontier = nxt
        return None

    @staticmethod
    def children(holder):
        if isinstance(holder, (list, tuple)):
            return [("[%d]" % i, v) for i, v in enumerate(holder)]
        if isinstance(holder, dict):
            return [("['%s']" % k, v) for k, v in holder.items()
                    if isinstance(k, str) and "'" not in k]
        out = []
        for name in REACH:
            try:
                out.append(("." + name, getattr(holder, name)))
            except Exception:
                pass
        tracer = CURRENT[0]
        for name in tracer.self_attributes.get(id(holder), ()) if tracer is not None else ():
            try:  # `self.dense = tf.layers.Dense(...)` of a script class: {ref: self.dense}
                out.append(("." + name, getattr(holder, name)))
            except Exception:
                pass
        return out

    # -- the script's classes deriving from TF classes --

    def script_class(self, cls, bases, frame):
        """A class statement of the script whose class derives from a TF class, as a `class`
        step: its bases as API paths (or the label of another such class), its methods as
        `def`s whose bodies are recorded when TF calls them (as a `def` a TF call gets), its
        attribute sets on self as `set` steps, super() calls as `{super: NAME}`. Instantiating
        it from the script is an `invoke` of the class's label."""
        where = (frame.f_code.co_filename, frame.f_lineno)
        step = Step("class", where=where)
        step.base, step.cls, step.bases, step.do = cls.__name__, cls, [], []
        for base in bases:
            if isinstance(base, ApiProxy):
                step.bases.append(base._tfpath)
            elif base in self.script_classes:
                step.bases.append(Ref(self.script_classes[base]))
            elif isinstance(base, type) and id(base) in self.api:
                step.bases.append(self.api[id(base)])
            else:
                self.problem(frame, "the class %s derives from %s, which is neither TF's API nor "
                             "a class of the script deriving from it" % (
                                 cls.__name__, getattr(base, "__name__", base)),
                             "derive it from tf.* classes (and the script's own such classes)")
                return
        self.script_classes[cls] = step
        self.body.append(step)
        self.patch_class(cls)  # TF's methods it inherits (add_weight, __call__) record
        for name, attr in list(vars(cls).items()):
            prop = isinstance(attr, property)
            fn = attr.fget if prop else attr
            if not isinstance(fn, types.FunctionType):
                continue
            if name.startswith("__") and name not in MEMBER_DUNDERS:
                continue  # Python's protocol (__repr__): run as the script's code
            if prop and (attr.fset is not None or attr.fdel is not None):
                self.problem(frame, "the property %s.%s has a setter: a class step's "
                             "properties are read-only" % (cls.__name__, name),
                             "set a plain attribute instead")
            member = self.member(step, cls, name, fn, prop, frame)
            if member is not None:
                setattr(cls, name, property(member) if prop else member)
        if "__init__" not in vars(cls):  # instantiating it still records a step
            cls.__init__ = Member(self, step, cls, "__init__", None, None)
        if "__setattr__" not in vars(cls):
            cls.__setattr__ = self_setter(cls)
        for value in vars(cls).values():  # super() in its methods records `{super: NAME}`
            fn = value.fget if isinstance(value, property) else value
            fn = getattr(fn, "_tffunc", fn)
            if isinstance(fn, types.FunctionType) and self.is_user_code(fn) and \
                    fn.__globals__.get("super") is not traced_super:
                fn.__globals__["super"] = traced_super

    def def_params(self, signature, frame):
        """A `def` step's params for `signature` (defaults as values), or None where a def step
        cannot say it: keyword-only parameters without defaults and no `*args` before them."""
        params, star = [], False
        for p in signature.parameters.values():
            if p.kind == p.VAR_POSITIONAL:
                params.append("*" + p.name)
                star = True
            elif p.kind == p.VAR_KEYWORD:
                params.append("**" + p.name)
            elif p.kind == p.KEYWORD_ONLY and not star and p.default is p.empty:
                return None
            elif p.default is p.empty:
                params.append(p.name)
            else:
                params.append({"name": p.name, "default": self.value(p.default, frame)})
        return params

    def member(self, class_step, cls, name, fn, prop, frame):
        """A method of a script class as a `def` step of its class step (not written unless TF
        calls it) and the Member that replaces it."""
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):
            return None
        params = self.def_params(signature, frame)
        if params is None:
            self.problem((fn.__code__.co_filename, fn.__code__.co_firstlineno),
                         "the method %s.%s has keyword-only parameters without *args "
                         "before them: a `def` step cannot say that" % (cls.__name__, name),
                         "give them defaults or put *args before them")
            return None
        if not params or not isinstance(params[0], str) or params[0].startswith("*"):
            return None  # a static method in disguise: the script's code
        step = Step("def", where=(fn.__code__.co_filename, fn.__code__.co_firstlineno))
        step.base, step.params, step.do, step.captures = name, params, [], False
        step.prop, step.ran = prop, False  # ran: written (its params reserved: ran_member)
        class_step.do.append(step)
        return Member(self, class_step, cls, name, fn, step, self.def_wrapper(fn, step,
                                                                             signature))

    def ran_member(self, step):
        """A method TF called (or __init__): written in the case, its parameters reserved."""
        if not step.ran:
            step.ran = True
            self.reserved.update(p.lstrip("*") if isinstance(p, str) else p["name"]
                                 for p in step.params)

    def instantiate(self, class_step, member, obj, args, kwargs, frame):
        """`X(...)` from the script, X a script class: `invoke: {fn: X}`; its __init__'s body is
        recorded as the method's (or TF's __init__ runs, when the class has none)."""
        args, kwargs = listed(args), listed(kwargs)
        problems = list(self.problems)
        step = self.record("invoke", args, kwargs, frame, fn=Ref(class_step))
        opaque = self.problems[len(problems):]
        self.problems[:] = problems  # decided once __init__ ran (opaque_arguments)
        if member.def_step is not None:
            self.ran_member(member.def_step)
            self.run(step, lambda *a, **k: member.record(obj, a, k), args, kwargs)
        else:
            parent = REAL_SUPER(member.cls, obj).__init__
            self.run(step, parent, args, kwargs)
        if opaque:
            self.opaque_arguments(step, member, obj, args, kwargs, opaque, frame)
        self.bind(step, obj)
        return None

    def opaque_arguments(self, step, member, obj, args, kwargs, opaque, frame):
        """`Model(config)`, config a Python object no value stands for: passed as None when the
        recorded __init__ never reads its parameter (what it read of it, `config.units`, is
        recorded as values; `self.config = config` is left out); else the problem stands."""
        try:
            bound = member._tfsignature.bind(obj, *args, **kwargs).arguments
        except (TypeError, AttributeError):
            bound = {}
        kinds = member._tfsignature.parameters if member._tfsignature else {}

        def replace(value):
            problems = list(self.problems)
            self.value(value, frame)
            if self.problems == problems:
                return None  # data after all
            self.problems[:] = problems
            names = [n for n, v in bound.items() if v is value and
                     kinds[n].kind in (kinds[n].POSITIONAL_OR_KEYWORD, kinds[n].KEYWORD_ONLY)]
            if member.def_step is None or not names or \
                    uses_param(member.def_step.do, names[0]):
                raise ValueError(names)
            return names[0]
        try:
            for i, value in enumerate(args):
                if replace(value) is not None:
                    step.args[i] = None
            for key, value in kwargs.items():
                if replace(value) is not None:
                    step.kwargs[key] = None
        except ValueError:
            self.problems.extend(p for p in opaque if p not in self.problems)
            return
        self.note("%s(...): an argument no value stands for is passed as None (its __init__ "
                  "reads only values of it)" % member.cls.__name__, frame)

    def set_attribute(self, obj, name, value, frame):
        """`self.NAME = VALUE` in the script's code, on an object of a script class the trace
        knows (its `self`, or the captured instance): a `set` step."""
        receiver = self.value_or_none(obj)
        if receiver is None or name.startswith("__") or not LABEL_RE.match(name):
            return
        change = Step("set", where=(frame.f_code.co_filename, frame.f_lineno))
        problems = list(self.problems)
        written = self.literal_param(value, name, frame) or self.value(value, frame)
        if self.problems != problems:
            # a Python object no value stands for (a config object): not set in the case; the
            # methods' reads of it (self.config.units) are recorded as the values they read
            self.problems[:] = problems
            self.note("self.%s = a %s: not written (reads of it are recorded as their values)"
                      % (name, type(value).__name__), frame)
            return
        change.args = [Ref(receiver.step, receiver.path + "." + name), written]
        self.body.append(change)
        names = self.self_attributes.setdefault(id(obj), [])
        if name not in names:
            names.append(name)
        self.keep.append(obj)

    def literal_param(self, value, name, frame, by_name=False):
        """`self._units = units` in a recorded method, `units` a number, bool or None: the
        parameter (as a string parameter is), so that every instance's call sets its own value;
        the parameter whose argument is this very object, by the attribute's name first."""
        if not self.methods_running or self.methods_running[-1][0] is not frame.f_code or \
                not (value is None or isinstance(value, (bool, int, float))):
            return None
        found = [p for p, v in self.methods_running[-1][1].items()
                 if v is value and type(v) is type(value)]
        if not found or (by_name and name.lstrip("_") not in found):
            return None
        param = Step("param")
        param.label = name.lstrip("_") if name.lstrip("_") in found else found[0]
        return Ref(param)

    def super_call(self, name, fn, args, kwargs, frame):
        """super().NAME(...) in a method of a script class: `invoke: {fn: {super: NAME}}`."""
        if name.startswith("__") and name not in MEMBER_DUNDERS:
            self.problem(frame, "super().%s: a class step reaches only %s through super()" % (
                name, ", ".join(MEMBER_DUNDERS)))
            return fn(*args, **kwargs)
        args, kwargs = listed(args), listed(kwargs)
        step = self.record("invoke", args, kwargs, frame, fn={"super": name})
        result = self.run(step, fn, args, kwargs)
        self.bind(step, result)
        return self.callable_result(result, step)

    def emit_class(self, step, label, val, walk):
        head = {"name": step.cls.__name__}
        bases = [b if isinstance(b, str) else val(b)["ref"] for b in step.bases]
        if bases:
            head["bases"] = bases
        if label(step) != step.cls.__name__:
            head["as"] = label(step)
        item = {"class": head, "do": []}
        for member in step.do:
            if not member.ran:
                continue  # never called by TF nor instantiated: the case does not need it
            args = {"name": member.base, "params": val(member.params)}
            if member.prop:
                args["property"] = True
            body = []
            walk(member.do, body)
            item["do"].append({"def": args, "do": body})
            if getattr(member, "source", None) is not None:  # its calls differ: pydef.py
                source = val(member.source)
                if isinstance(source, dict) and "text" in source:
                    source["class_name"] = step.cls.__name__  # type(self).__name__
                item["do"][-1]["source"] = source
        return item

    # -- recording --

    def record(self, key, args, kwargs, frame, fn=None, method=None):
        """A new step for a call from the script's `frame` (appended to the open body)."""
        step = Step(key, where=(frame.f_code.co_filename, frame.f_lineno))
        step.fn, step.method = fn, method
        step.args = self.positional(args, frame)
        forwarded = self.forwarded(kwargs, frame)
        step.kwargs = {k: self.value(v, frame, keyword=k) for k, v in kwargs.items()
                       if k not in forwarded}
        if forwarded:
            step.kwargs = dict([("**", forwarded[None])] + list(step.kwargs.items()))
        self.body.append(step)
        self.named(frame, step)
        return step

    def positional(self, args, frame):
        """A call's positional arguments; a def's `*args` passed on (the same objects, in
        order) as `{'*': args}`."""
        args = list(args)
        for param, items in self.star_splats:
            n = len(items)
            for i in range(len(args) - n + 1):
                if all(args[i + j] is items[j] for j in range(n)):
                    return [self.value(a, frame) for a in args[:i]] + [{"*": Ref(param)}] + \
                        self.positional(args[i + n:], frame)
        return [self.value(a, frame) for a in args]

    def forwarded(self, kwargs, frame):
        """A def's `**kwargs` passed on (`getter(*args, **kwargs)`, also by a nested function
        of the script that got a copy of it): its keys (and None: the ref). The call's values
        that differ from what the case's dict holds are written first as steps on it
        (`kwargs['trainable'] = False` a `set`, a key the call lacks `kwargs.pop('x')`)."""
        for param, _, written in self.splats:
            same = [k for k in written if k in kwargs and kwargs[k] is written[k]]
            if not written or 2 * len(same) < len(written):
                continue
            where = (frame.f_code.co_filename, frame.f_lineno)
            for k in list(written):
                if k not in kwargs:
                    pop = Step("invoke", [k], where=where)
                    pop.fn = Ref(param, ".pop")
                    self.body.append(pop)
                    del written[k]
            for k, v in kwargs.items():
                if k in written and written[k] is not v and isinstance(k, str) and "'" not in k:
                    change = Step("set", where=where)
                    change.args = [Ref(param, "['%s']" % k), self.value(v, frame, keyword=k)]
                    self.body.append(change)
                    written[k] = v
            out = dict((k, True) for k in written if kwargs.get(k, written) is written[k])
            out[None] = Ref(param)
            return out
        return {}

    def named(self, frame, step):
        try:
            self.target(frame, step)
        except Exception:  # noqa: BLE001 - a label is a nicety: the call's name does as well
            step.base = None

    def bind(self, step, result):
        if result is None or isinstance(result, (bool, int, float, str)):
            return
        if type(result) in (list, tuple) and all(
                v is None or isinstance(v, (bool, int, float, str)) for v in result):
            return  # literals (a namedtuple of them, LSTMStateTuple(8, 8), is a capture)
        step.captures = True
        if isinstance(result, self.tf.Graph):
            self.graph_steps.setdefault(id(result), step)  # its maker, not a `with` of it
        self.known[id(result)] = step
        self.keep_by_id[id(result)] = result
        self.patch_results(result)
        inner = should_use_value(result)
        while inner is not None:  # the object the script's `ta.read(i)` really calls: the step
            self.known[id(inner)] = step
            self.keep_by_id[id(inner)] = inner
            self.patch_results(inner)
            inner = should_use_value(inner)  # TensorArray.unstack wraps what its own impl wrapped

    def run(self, step, fn, args, kwargs):
        graph = self.tf.get_default_graph()
        version = graph.version
        self.depth += 1
        try:
            return fn(*unwrap(args), **unwrap(kwargs))
        except Exception as e:
            inner = self.raised.get(id(e))
            if inner is not None and inner[1] is e:
                inner[0].catch = None  # raised through this step: the outer one catches it
            step.catch = e
            self.raised[id(e)] = (step, e)
            raise
        finally:
            self.depth -= 1
            # The script's graph is the first one a recorded call adds to (a function's graph,
            # Dataset.map's, belongs to the graph that calls it)
            if graph.version != version and not getattr(graph, "building_function", False) \
                    and not any(g is graph for g in self.graphs):
                self.graphs.append(graph)

    def call_api(self, path, fn, args, kwargs, frame):
        prefixes = [p for p in REFUSED if path == p or path.startswith(p + ".")]
        refused = REFUSED[max(prefixes, key=len)] if prefixes else None  # the closest says
        if refused:
            self.problem(frame, "%s cannot be traced: %s" % (path, refused),
                         "trim the script to the part that builds the graph")
            # run as the script says, its result unknown to the trace: what the script does
            # with it is no other problem
            return fn(*unwrap(args), **unwrap(kwargs))
        passthrough = [p for p in PASSTHROUGH if path == p or path.startswith(p + ".")]
        why = policy.refused(path) if policy and path.startswith("tf.") else None
        if passthrough or why:
            return self.unrecorded(path, why, fn, args, kwargs, frame)
        args, kwargs = listed(args), listed(kwargs)
        step = self.record(path, args, kwargs, frame)
        result = self.run(step, fn, args, kwargs)
        self.bind(step, result)
        return self.callable_result(result, step)

    def call_internal(self, path, module, fn, args, kwargs, frame):
        """A function of TF's implementation reached through an API module (slim.utils): no
        case may call it, so it runs unrecorded; fine when it adds nothing to the graph
        (last_dimension, collect_named_outputs), a problem when it does."""
        graph = self.tf.get_default_graph()
        version = graph.version
        self.depth += 1
        try:
            result = fn(*unwrap(args), **unwrap(kwargs))
        finally:
            self.depth -= 1
        if graph.version != version:
            if module not in self.tainted_said:  # one problem per module (see taint)
                self.tainted_said.add(module)
                self.problem(frame, "%s is TensorFlow's internals (%s), not its API, and it "
                             "adds to the graph" % (path, module), "use the tf.* API it calls")
        else:
            self.note("%s: run, not recorded: TensorFlow's internals (%s), adding nothing to "
                      "the graph" % (path, module), frame)
        self.taint(result, [path, module, graph.version != version])
        return result

    def taint(self, result, why, depth=0):
        """What an unrecorded internal call returned (slim.nets' (net, end_points), an arg
        scope), its items too: passed to a recorded call, it is one problem, said once (where
        it is first passed, unless the call was a problem itself), not one per use."""
        if result is None or isinstance(result, (bool, int, float, str)):
            return
        self.tainted[id(result)] = (result, why)
        items = result.values() if isinstance(result, dict) else \
            result if isinstance(result, (list, tuple)) else ()
        for item in items:
            if depth < 2:
                self.taint(item, why, depth + 1)

    def tainted_value(self, obj, frame):
        found = self.tainted.get(id(obj))
        if found is None or found[0] is not obj:
            return False
        why = found[1]
        if not why[2] and why[1] not in self.tainted_said:
            self.tainted_said.add(why[1])  # once per module: the rest follows from it
            self.problem(frame, "what %s returned cannot be data: it is TensorFlow's "
                         "internals (%s), not its API" % (why[0], why[1]),
                         "build it with tf.* calls in the script (copy the function's code "
                         "into it)")
        return True

    def unrecorded(self, path, why, fn, args, kwargs, frame):
        """Run a call the case leaves out (flags, logging, sessions, summaries, names the policy
        refuses). A note says so, with the first place; ops it adds (a summary's) are listed so
        that the check leaves them out too. What it returns cannot be used by recorded calls."""
        graph = self.tf.get_default_graph()
        version, count = graph.version, None
        if path == "tf.reset_default_graph" and any(g is self.tf.get_default_graph()
                                                     for g in self.graphs):
            self.problem(frame, "tf.reset_default_graph after the script built in its graph: a "
                         "case builds in one graph", "trim the script to the part that builds "
                         "one graph")
        if path != "tf.app.run":  # tf.app.run runs the script's main(): recorded, not left out
            count = len(graph.get_operations())
        variables = list(graph.get_collection(self.tf.GraphKeys.GLOBAL_VARIABLES))
        result = fn(*unwrap(args), **unwrap(kwargs))
        if path == "tf.Session":
            self.watch_session(result)
        made = []
        if count is not None and graph.version != version:
            made = [op.name for op in graph.get_operations()[count:]]
            self.unrecorded_ops.extend(made)
            new = [v for v in graph.get_collection(self.tf.GraphKeys.GLOBAL_VARIABLES)
                   if not any(v is old for old in variables)]
            if new:  # a summary's ops are left out; the graph's variables cannot be
                names = ", ".join(getattr(v, "name", "?") for v in new[:5])
                self.problem(frame, "%s made variables (%s%s) that a case cannot make: it is "
                             "left out (%s)" % (path, names, ", ..." if len(new) > 5 else "",
                                                why or "not recorded"),
                             "trace the script that builds them with TF calls instead")
        where = "%s:%d" % (self.shown(frame.f_code.co_filename), frame.f_lineno)
        text = "%s: run, not recorded: %s%s" % (
            path, why or "no graph names change",
            "; its ops are left out of the check" if made else "")
        self.notes.setdefault(text, [where, 0])[1] += 1
        return result

    def call_method(self, obj, name, fn, args, kwargs, frame):
        receiver = self.value_or_none(obj)
        if receiver is None:  # an object the trace does not know (a user subclass's self)
            return fn(obj, *unwrap(args), **unwrap(kwargs))
        cls = type(obj).__name__
        why = None  # operators, calls and with-blocks are the step language's own
        if policy and not name.startswith("__"):
            why = policy.refused_bound(obj, name)
        if why or isinstance(obj, self.tf.Session) or self.runs_graph(obj, name):
            self.note("%s.%s: run, not recorded: %s" % (cls, name, why or "running a graph "
                                                          "changes no names"), frame)
            return fn(obj, *unwrap(args), **unwrap(kwargs))
        if name in OPERATORS or name in REFLECTED or name in INPLACE:
            symbol = OPERATORS.get(name) or REFLECTED.get(name) or INPLACE[name]
            operands = [obj] + list(args)
            if name in REFLECTED:
                operands.reverse()
            step = Step("let", where=(frame.f_code.co_filename, frame.f_lineno))
            step.op = symbol
            step.args = [self.value(v, frame, index=symbol == "getitem") for v in operands]
            self.body.append(step)
            self.named(frame, step)
        else:
            args, kwargs = listed(args), listed(kwargs)
            if name == "__call__":
                step = self.record("invoke", args, kwargs, frame, fn=receiver)
            else:
                self.keras_data = name in KERAS_DATA and isinstance(obj, self.keras_model())
                try:
                    step = self.record("method", args, kwargs, frame, fn=receiver,
                                       method=name)
                finally:
                    self.keras_data = False
        result = self.run(step, lambda *a, **k: fn(obj, *a, **k), args, kwargs)
        self.bind(step, result)
        return self.callable_result(result, step)

    def keras_model(self):
        """tf.keras.Model's class (a tuple: no class when this TF has no Keras)."""
        try:
            return (self.tf.keras.Model,)
        except AttributeError:
            return ()

    def runs_graph(self, obj, name):
        """`init.run()`, `t.eval()`, `v.load(x)`: the default session runs the graph, as
        sess.run does (a case has no session, so recorded they would fail there)."""
        tf = self.tf
        return name in ("run", "eval", "load") and isinstance(
            obj, (tf.Operation, tf.Tensor, tf.Variable, tf.SparseTensor))

    def watch_session(self, session):
        """`with tf.Session(graph=G) as sess:` makes G the default graph in its body: entering
        it (from the script) records `with G.as_default():` when G is a graph of the trace."""
        self.keep.append(session)
        cls = type(session)
        if cls in SESSIONS:
            return
        SESSIONS.add(cls)
        for name in ("__enter__", "__exit__"):
            setattr(cls, name, self.context_wrapper(getattr(cls, name), name, session=True))

    def enter_session(self, session, fn, frame):
        graph = session.graph
        ref = None if graph is self.tf.get_default_graph() else self.value_or_none(graph)
        if ref is None:  # the default graph already, or one the case does not build in
            return fn(session)
        step = Step("method", where=(frame.f_code.co_filename, frame.f_lineno))
        step.fn, step.method, step.do, step.entered = ref, "as_default", [], True
        self.body.append(step)
        self.depth += 1
        try:
            entered = fn(session)
        finally:
            self.depth -= 1
        self.open.append((id(session), step, self.body))
        self.body = step.do
        return entered

    def via_self(self, obj):
        """`self.X` for an object a recorded method's `self` holds (`self._cell` of a wrapper
        cell): the class step comes before the objects its instances hold, and each instance
        holds its own, so a method body reaches them through `self`, not by their labels."""
        if not self.method_selves:
            return None
        holder = self.method_selves[-1]
        step = self.known.get(id(holder))
        if step is None or step is self.known.get(id(obj)):
            return None
        for name in self.self_attributes.get(id(holder), ()):
            try:
                if getattr(holder, name) is obj:
                    return Ref(step, "." + name)
            except Exception:  # noqa: BLE001 - a property that raises: not this one
                continue
        return None

    def forwarded_size(self, obj):
        """`return self._cell.state_size` in a wrapper cell's property: the wrapped cell's
        sizes (RNNCell's interface, read anew at each access, so no capture holds them) as
        `{ref: self._cell.state_size}` when they equal what the method returns."""
        if not self.method_selves or not isinstance(obj, (tuple, int)):
            return None
        holder = self.method_selves[-1]
        step = self.known.get(id(holder))
        for name in self.self_attributes.get(id(holder), ()) if step is not None else ():
            try:
                inner = getattr(holder, name)
            except Exception:  # noqa: BLE001
                continue
            if id(inner) not in self.known and self.via_self(inner) is None:
                continue
            for size in FORWARDED_SIZES:
                try:
                    if type(getattr(type(inner), size, None)) is property and \
                            getattr(inner, size) == obj:
                        return Ref(step, ".%s.%s" % (name, size))
                except Exception:  # noqa: BLE001 - a size that cannot be read or compared
                    continue
        return None

    def value_or_none(self, obj):
        via = self.via_self(obj)
        if via is not None:
            return via
        step = self.known.get(id(obj))
        if step is not None:
            return Ref(step)
        return self.reach(obj)

    def enter(self, obj, fn, frame):
        made = self.known.get(id(obj))
        unreferenced = made is not None and not made.referenced
        receiver = self.value_or_none(obj)
        if receiver is None:
            return fn(obj)
        if unreferenced and self.body and self.body[-1] is made and made.do is None:
            step = made  # `with tf.variable_scope(...) as vs:`: the call step gets the body
            del self.known[id(obj)]
            step.captures = step.referenced = False
        else:
            step = Step("with", where=(frame.f_code.co_filename, frame.f_lineno))
            step.fn = receiver
            self.body.append(step)
        step.do, step.entered = [], True
        step.base = self.with_target(frame, step)
        self.depth += 1
        try:
            entered = fn(obj)
        except Exception as e:
            step.catch = e
            self.raised[id(e)] = (step, e)
            raise
        finally:
            self.depth -= 1
        if step.base is not None or id(entered) not in self.known:  # g.as_default() gives g
            self.bind(step, entered)
        step.captures = step.base is not None  # `with ... as NAME:`; else only when referenced
        self.open.append((id(obj), step, self.body))
        self.body = step.do
        return entered

    def exit(self, obj, fn, frame, exc):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == id(obj):
                self.body = self.open[i][2]
                del self.open[i:]
                break
        return fn(obj, *exc)

    # -- patching the classes of results --

    def patch_results(self, result, depth=0):
        items = result if isinstance(result, (list, tuple)) else [result]
        if type(result) not in (list, tuple):  # a namedtuple of TF's has methods too (clone)
            self.patch_class(type(result))
        for item in items:
            self.patch_class(type(item))
            if isinstance(item, (list, tuple)) and depth < 3:
                # nested states: dynamic_decode's final state holds an AttentionWrapperState
                # whose alignment_history (a TensorArray) the script stacks (Tacotron)
                self.patch_results(item, depth + 1)

    def patch_class(self, cls):
        for klass in getattr(cls, "__mro__", ()):
            if klass in PATCHED or klass is object:
                continue
            PATCHED.add(klass)
            tf_class = klass.__module__.split(".")[0] in ("tensorflow", "keras", "tf_keras")
            for name, attr in list(vars(klass).items()):
                if not (isinstance(attr, types.FunctionType) or
                        type(attr).__name__ == "TFDecorator"):
                    continue
                if name in ("__enter__", "__exit__"):
                    setattr(klass, name, self.context_wrapper(attr, name))
                elif tf_class and name == "__iter__":
                    setattr(klass, name, self.iter_wrapper(attr))
                elif tf_class and (name in OPERATORS or name in REFLECTED or name in INPLACE
                                   or name == "__call__"
                                   or not (name.startswith("_") or name in UNPATCHED)):
                    setattr(klass, name, self.method_wrapper(attr, name))
                elif tf_class and name == "call":
                    setattr(klass, name, self.call_wrapper(attr))

    def call_wrapper(self, fn):
        """A layer's `call`, which the script may call itself (`LeakyReLU(0.2).call(x)`, as
        SRGAN-tensorflow does): recorded like any method, but TF reads its arguments (Keras's
        `training`, `mask`), so the wrapper shows TF the signature of `call` itself."""
        traced = self.method_wrapper(fn, "call")
        try:
            traced.__signature__ = inspect.signature(fn)  # what getfullargspec reads
        except (TypeError, ValueError):
            return fn  # no signature to show: left unpatched
        setattr(traced, "__ag_compiled", True)  # AutoGraph runs it as written
        return traced

    @staticmethod
    def method_wrapper(fn, name):
        @functools.wraps(fn)
        def traced(obj, *args, **kwargs):
            frame = sys._getframe(1)
            tracer = CURRENT[0]
            if tracer is None or not tracer.recording(frame):
                return fn(obj, *args, **kwargs)
            return tracer.call_method(obj, name, fn, args, kwargs, frame)
        return traced

    @staticmethod
    def iter_wrapper(fn):
        """`for x in obj` (or list(obj)) on an object TF made: Tracer.iterate."""
        @functools.wraps(fn)
        def traced(obj):
            frame = sys._getframe(1)
            tracer = CURRENT[0]
            if tracer is None or not tracer.recording(frame):
                return fn(obj)
            return tracer.iterate(obj, fn, frame)
        return traced

    def iterate(self, obj, fn, frame):
        """The script iterating a TF object: when TF refuses (a graph tensor or variable is not
        iterable, and TF 2 reads the variable first, an op), a `py.iter` step that raises as it
        did, where the script's `for` was; an iteration TF allows is no step (its items are
        found from the captures, Tracer.part)."""
        receiver = self.value_or_none(obj)
        if receiver is None:
            return fn(obj)
        step = Step("py.iter", where=(frame.f_code.co_filename, frame.f_lineno))
        step.args = [receiver]
        try:
            return self.run(step, fn, [obj], {})
        except Exception:
            self.body.append(step)  # (run set its catch, the script's except clause)
            raise

    @staticmethod
    def context_wrapper(fn, name, session=False):
        """`with` on an object TF made (a session's `with` makes its graph the default graph
        in the body: Tracer.enter_session)."""
        @functools.wraps(fn)
        def traced(obj, *args):
            frame = sys._getframe(1)
            tracer = CURRENT[0]
            if tracer is None or not tracer.recording(frame):
                return fn(obj, *args)
            if name == "__enter__":
                enter = tracer.enter_session if session else tracer.enter
                return enter(obj, fn, frame)
            return tracer.exit(obj, fn, frame, args)
        return traced

    # -- the end --

    def main_graph(self):
        """The graph whose names the case must give: the default graph the script started
        with; or, when the script builds only in a graph it made and entered (`with
        tf.Graph().as_default():` around it all), that one; or the graph a
        tf.reset_default_graph at the start gave it. Decided once (flattening changes the
        program it is read from)."""
        if self.main is None:
            self.main = self.find_main_graph()
        return self.main

    def find_main_graph(self):
        if not self.graphs or any(g is self.start_graph for g in self.graphs):
            return self.start_graph
        first = self.graphs[0]
        if id(first) not in self.graph_steps:
            return first  # the default graph after tf.reset_default_graph
        # of several graphs made so (neural-style's feature graphs, then the one it trains
        # in), the last: the case builds the others in their own `with` blocks before it
        for graph in reversed(self.graphs):
            if self.wrapper(graph):
                return graph
        return self.start_graph

    def wrapper(self, graph):
        """The `with G.as_default():` steps around the rest of the program (G made by a
        recorded tf.Graph() at the top level, nothing after them but more such), or None."""
        made = self.graph_steps.get(id(graph))
        if made is None or made not in self.program:
            return None
        after = self.program[self.program.index(made) + 1:]
        if not after or not all(
                step.key == "method" and step.method == "as_default" and step.do is not None
                and step.fn is not None and step.fn.step is made
                for step in after) or any(refers(self.program, step) for step in after):
            return None
        return made, after

    def flatten_graph(self):
        """`with tf.Graph().as_default():` around the script's graph is left out (its body
        stays): a case builds in a graph of its own, and its facts describe that one."""
        found = self.wrapper(self.main_graph()) if self.main_graph() is not self.start_graph \
            else None
        if found is None:
            return
        made, withs = found
        index = self.program.index(made)
        self.program[index + 1:] = [s for w in withs for s in w.do]
        if not refers(self.program, made):
            del self.program[index]

    def finish(self, uncaught):
        """Labels for the captures; the exception that ended the script is the case's error."""
        if uncaught is not None and id(uncaught) in self.raised:
            self.raised[id(uncaught)][0].catch = None
        counts = {}
        out = []
        self.errors = 0

        def label(step):
            if step.label is None:
                base = step.base if step.base and LABEL_RE.match(step.base) else default(step)
                if base in KEYWORDS or base.startswith("__") or base in self.reserved:
                    base += "_"
                n = counts.get(base, 0)
                counts[base] = n + 1
                step.label = base if n == 0 else "%s_%d" % (base, n)
            return step.label

        def default(step):
            if step.key == "let":
                return OP_LABELS[step.op]
            if step.key == "method":
                return snake(step.method)
            if step.key in ("invoke", "with"):
                return "result" if step.key == "invoke" else "entered"
            return snake(step.key.rsplit(".", 1)[-1])

        def walk(steps, sink):
            for step in steps:
                sink.append(emit(step))

        def val(v):
            if isinstance(v, Ref):
                return {"ref": label(v.step) + v.path}
            if isinstance(v, list):
                return [val(x) for x in v]
            if isinstance(v, dict):
                return {k: val(x) for k, x in v.items()}
            return v

        def emit(step):
            if step.key == "class":  # a class of the script deriving from TF classes
                return self.emit_class(step, label, val, walk)
            if step.key == "def":
                item = {"def": {"name": label(step), "params": val(step.params),
                                "as": label(step)}, "do": []}
                walk(step.do, item["do"])
                if getattr(step, "source", None) is not None:
                    item["source"] = val(step.source)  # harness/pydef.py writes the body
                return item
            if step.key == "return":
                return {"return": {"value": val(step.args[0])}}
            if step.key == "set":
                return {"set": {"target": val(step.args[0])["ref"],
                                "value": val(step.args[1])}}
            args = {}
            if step.args:
                args["args"] = val(step.args)
            kwargs = {k: val(v) for k, v in step.kwargs.items()}
            if step.key == "let":
                args = {"value": {"op": step.op, "args": val(step.args)}}
                key = "let"
            elif step.key == "invoke":
                args = dict({"fn": val(step.fn)}, **args)
                if kwargs:
                    args["kwargs"] = kwargs
                key = "invoke"
            elif step.key == "with":
                args = {"value": val(step.fn)}
                key = "with"
            else:
                if step.key == "method":
                    ref = val(step.fn)["ref"]
                    key = ref + "." + step.method
                    if not LABEL_RE.match(ref):
                        key = "invoke"
                        args = dict({"fn": {"ref": ref + "." + step.method}}, **args)
                else:
                    key = step.key
                clash = [k for k in kwargs if k in ("args", "kwargs", "as", "catch", "do",
                                                     "fn", "**")]
                if clash:
                    args["kwargs"] = kwargs
                else:
                    args.update(kwargs)
            if step.captures or step.referenced:
                args["as"] = label(step)
            if step.catch is not None:
                self.errors += 1
                args["catch"] = "error" if self.errors == 1 else "error_%d" % (self.errors - 1)
            if key.startswith("tf.") and list(args) in (["args"],) and len(args["args"]) == 1 \
                    and not isinstance(args["args"][0], (dict, list)) \
                    and args["args"][0] is not None:
                args = args["args"][0]  # `- tf.name_scope: foo`
            elif key not in ("let", "with", "invoke") and not args:
                args = None  # `- tf.get_variable_scope: null`, `- scope.reuse_variables: null`
            item = {key: args}
            if step.do is not None:
                item["do"] = []
                walk(step.do, item["do"])
            return item

        self.flatten_graph()
        # Labels in program order: give every step its label before any reference needs it.
        def pre(steps):
            for step in steps:
                if step.captures or step.referenced:
                    label(step)
                if step.do:
                    pre(step.do)
        pre(self.program)
        walk(self.program, out)
        return out


CALLABLE_HINTS = {
    "custom_getter": "say what the getter does with a curated `custom_getter` spec "
                     "(docs/case-format.md), or write it as a `def` step",
    "partitioner": "use tf.fixed_size_partitioner / tf.variable_axis_size_partitioner / "
                   "tf.min_max_variable_partitioner",
    "initializer": "use a TF initializer (tf.constant_initializer, ...)",
    "func_": "write the template's function as a `def` step",
}


SUBSTITUTES = {}  # id(a function of the script) -> the wrapper TF gets, recording its body
WRAPPED = {}      # id(a recording wrapper the script got) -> the TF callable it wraps
PATCHED = set()   # classes whose methods are patched (once per process, for every script)
SESSIONS = set()  # Session classes whose with-statement is patched (see watch_session)
CURRENT = [None]  # the tracer of the script running now: the patched methods record for it


# Dunder methods a script class's `class` step may have (generic.DUNDER_METHODS).
MEMBER_DUNDERS = ("__init__", "__call__")


class Member(object):
    """A method of a script class deriving from a TF class, as the class holds it. Called by the
    script's own code (self.helper(x), cell(x, s) from the script) it runs as the script's code;
    called by TF (Layer.__call__ calling call/build, dynamic_rnn reading state_size) it records
    its body into its `def` step (Tracer.def_wrapper's traced); `X(...)` from the script is an
    instantiation (Tracer.instantiate). Its signature is the method's, read from this class (not
    from a __dict__ that functools.wraps would copy onto wrappers of the bound method)."""

    def __init__(self, tracer, class_step, cls, name, fn, def_step, traced=None):
        self.tracer, self.class_step, self.cls, self.name = tracer, class_step, cls, name
        self._tffunc, self.def_step, self.traced = fn, def_step, traced
        self._tfsignature = inspect.signature(fn) if fn is not None else None
        source = fn if fn is not None else object.__init__
        self.__name__ = name
        self.__qualname__ = getattr(source, "__qualname__", name) if fn is not None else \
            cls.__qualname__ + "." + name
        self.__module__ = cls.__module__
        self.__doc__ = getattr(fn, "__doc__", None)
        if fn is not None:
            self.__code__ = fn.__code__  # the script's code (Tracer.is_user_code)
        setattr(self, "__ag_compiled", True)  # AutoGraph runs it as written

    @property
    def __signature__(self):
        if self._tfsignature is None:
            raise AttributeError("__signature__")
        return self._tfsignature

    def __get__(self, obj, owner=None):
        return self if obj is None else types.MethodType(self, obj)

    def __call__(self, obj, *args, **kwargs):
        frame = sys._getframe(1)
        tracer = CURRENT[0]
        if self.name == "__init__" and tracer is self.tracer and type(obj) is self.cls and \
                tracer.recording(frame) and id(obj) not in tracer.known:
            return tracer.instantiate(self.class_step, self, obj, args, kwargs, frame)
        if self._tffunc is None:  # the class has no __init__: its bases'
            return REAL_SUPER(self.cls, obj).__init__(*args, **kwargs)
        if tracer is not self.tracer or tracer.recording(frame) or \
                frame.f_code is Tracer.run_def.__code__:
            # the script's own call (or the body of a `def` the script handed TF as
            # self.method, recorded there): its code, its TF calls recorded where they are
            return self._tffunc(obj, *args, **kwargs)
        tracer.ran_member(self.def_step)
        return self.record(obj, args, kwargs)

    def record(self, obj, args, kwargs):
        """Run it as TF's call (its body recorded), its arguments known to literal_param."""
        try:
            binding = self._tfsignature.bind(obj, *args, **kwargs)
            binding.apply_defaults()
            bound = binding.arguments
        except TypeError:
            bound = {}
        running = self.tracer.methods_running
        running.append((self._tffunc.__code__, dict(list(bound.items())[1:])))
        self.tracer.method_selves.append(obj)
        try:
            return self.traced(obj, *args, **kwargs)
        finally:
            running.pop()
            self.tracer.method_selves.pop()


def self_setter(cls):
    """__setattr__ of a script class: `self.NAME = VALUE` from the script's code is a `set`."""
    def __setattr__(obj, name, value):
        tracer = CURRENT[0]
        if tracer is not None:
            frame = sys._getframe(1)
            if tracer.recording(frame):
                tracer.set_attribute(obj, name, value, frame)
        REAL_SUPER(cls, obj).__setattr__(name, unwrap(value))
    __setattr__.__qualname__ = cls.__qualname__ + ".__setattr__"
    return __setattr__


REAL_SUPER = builtins.super


def uses_param(steps, name):
    """Whether recorded steps (nested bodies too) refer to the def parameter `name`."""
    def found(v):
        if isinstance(v, Ref):
            return v.step.key == "param" and v.step.label == name
        if isinstance(v, (list, tuple)):
            return any(found(x) for x in v)
        if isinstance(v, dict):
            return any(found(x) for x in v.values())
        return False
    def stored(s):  # `self.config = config`: kept, as None, when nothing else reads it
        return s.key == "set" and isinstance(s.args[1], Ref) and not s.args[1].path and \
            found(s.args[1])
    return any(not stored(s) and (found(s.args) or found(s.kwargs) or found(s.fn) or
                                  uses_param(s.do or [], name)) for s in steps)


def traced_super(*args):
    """`super` in the modules of script classes: super().NAME(...) called from a method of a
    script class is recorded (SuperCall); anything else is Python's super."""
    frame = sys._getframe(1)
    if not args:  # zero-argument super: the method's __class__ cell and first argument
        code = frame.f_code
        local = frame.f_locals
        if "__class__" not in local or not code.co_argcount or code.co_varnames[0] not in local:
            raise RuntimeError("super(): no arguments")
        args = (local["__class__"], local[code.co_varnames[0]])
    real = REAL_SUPER(*args)
    tracer = CURRENT[0]
    if tracer is None or len(args) != 2 or args[0] not in tracer.script_classes or \
            not tracer.recording(frame):
        return real
    return SuperCall(tracer, real)


class SuperCall(object):
    """What super() gives a method of a script class: its methods record `{super: NAME}`."""

    def __init__(self, tracer, real):
        self._tftracer, self._tfreal = tracer, real

    def __getattribute__(self, name):
        # every name, __init__ too (object's would be found before a __getattr__)
        tracer = object.__getattribute__(self, "_tftracer")
        value = getattr(object.__getattribute__(self, "_tfreal"), name)
        if not callable(value) or isinstance(value, type):
            return value  # super().state_size: a value

        def called(*args, **kwargs):
            frame = sys._getframe(1)
            if CURRENT[0] is not tracer or not tracer.recording(frame):
                return value(*unwrap(args), **unwrap(kwargs))
            return tracer.super_call(name, value, args, kwargs, frame)
        return called


def base_method(tracer, name, fn):
    """`tf.nn.rnn_cell.RNNCell.__init__(self, ...)` in a script class's method (the old spelling
    of super().__init__): recorded as `{super: NAME}`."""
    def called(obj, *args, **kwargs):
        frame = sys._getframe(1)
        if CURRENT[0] is tracer and tracer.recording(frame) and \
                type(obj) in tracer.script_classes:
            return tracer.super_call(name, functools.partial(fn, obj), args, kwargs, frame)
        return fn(obj, *unwrap(args), **unwrap(kwargs))
    return called


def install_classes(tracer):
    """The class statements of the script's files: a class deriving from TF classes becomes a
    `class` step (Tracer.script_class)."""
    real = tracer.real_build_class = builtins.__build_class__

    def traced_build_class(func, name, *bases, **kwds):
        cls = real(func, name, *bases, **kwds)
        frame = sys._getframe(1)
        if CURRENT[0] is tracer and tracer.recording(frame) and isinstance(cls, type) and any(
                k.__module__.split(".")[0] in ("tensorflow", "tensorflow_core", "keras",
                                               "tf_keras") for k in cls.__mro__):
            if kwds:
                tracer.problem(frame, "the class %s takes class keywords (%s)" % (
                    name, ", ".join(sorted(kwds))), "derive it with bases only")
            else:
                tracer.script_class(cls, bases, frame)
        return cls
    builtins.__build_class__ = traced_build_class


class TracedStr(str):
    """A def's string parameter inside its body, and what `+` and `%` make of it: a str (TF and
    the script see a string), with its expression for the case (a Ref, or (op, a, b))."""

    def __new__(cls, value, expr):
        made = str.__new__(cls, value)
        made._tfexpr = expr
        return made

    def __add__(self, other):
        if not isinstance(other, str):
            return NotImplemented
        return TracedStr(str.__add__(self, other), ("+", self, other))

    def __radd__(self, other):
        if not isinstance(other, str):
            return NotImplemented
        return TracedStr(str.__add__(other, self), ("+", other, self))

    def __mod__(self, other):
        return TracedStr(str.__mod__(self, unwrap(other)), ("%", self, other))

    def __rmod__(self, other):
        if not isinstance(other, str):
            return NotImplemented
        return TracedStr(str.__mod__(other, str.__str__(self)), ("%", other, self))

    def __str__(self):
        return str.__str__(self)


def wrapped_substitute(fn):
    """The def wrapper of a script function that `fn` wraps (`__wrapped__`, as TF's
    decorators set it), or None."""
    substitutes = set(id(v) for v in SUBSTITUTES.values())
    for _ in range(5):
        fn = getattr(fn, "__wrapped__", None)
        if fn is None:
            return None
        if id(fn) in substitutes:
            return fn
    return None


def listed(values):
    """Iterators among a call's arguments as lists: the step language writes lists, and the
    iterator the script made is consumed once (by the tracer, then TF would get nothing)."""
    if isinstance(values, dict):
        return dict((k, list(v) if isinstance(v, ITERATORS) else v) for k, v in values.items())
    return tuple(list(v) if isinstance(v, ITERATORS) else v for v in values)


def unwrap(value):
    if isinstance(value, (ApiProxy, ModuleProxy)):
        return value._tfreal
    if type(value) is TracedStr:
        return str.__str__(value)
    if type(value) in (types.FunctionType, types.MethodType, functools.partial) and \
            id(value) in SUBSTITUTES:
        return SUBSTITUTES[id(value)]
    if type(value) is types.FunctionType and id(value) in WRAPPED:
        return WRAPPED[id(value)]
    if type(value) is list:
        return [unwrap(v) for v in value]
    if type(value) is tuple:
        return tuple(unwrap(v) for v in value)
    if type(value) is dict:
        return {k: unwrap(v) for k, v in value.items()}
    return value


# --- what `import tensorflow` gives the script ------------------------------------------------

class ModuleProxy(types.ModuleType):
    """A TF module as the script sees it: its functions and classes record their calls."""

    def __init__(self, tracer, real, path):
        types.ModuleType.__init__(self, getattr(real, "__name__", path))
        object.__setattr__(self, "_tftracer", tracer)
        object.__setattr__(self, "_tfreal", real)
        object.__setattr__(self, "_tfpath", path)
        object.__setattr__(self, "_tfinternal", None)  # TF's implementation module reached

    def __getattr__(self, name):
        tracer, real = self._tftracer, self._tfreal
        value = getattr(real, name)
        path = self._tfpath + "." + name
        if path.startswith("tf.compat.v1.") or path == "tf.compat.v1":
            path = "tf" + path[len("tf.compat.v1"):]
        internal = self._tfinternal
        if isinstance(value, types.ModuleType):
            if path == "tf":
                return tracer.root_proxy
            proxy = proxy_for(tracer, value, path, ModuleProxy)
            if internal is None:
                internal = internal_module(value, real, path)
            object.__setattr__(proxy, "_tfinternal", internal)
            return proxy
        if name.startswith("_") and not (
                internals is not None and not path.startswith("tf") and
                name in internals.PRIVATE.get(internals.canonical(real.__name__), ())):
            return value  # (the private names TF's tests call are a case's, from an import)
        if callable(value) and not isinstance(value, tracer.tf.DType) and \
                path not in TYPES_ONLY:
            api = api_path_of(tracer.tf, name, value) if internal is not None else None
            if api is not None:  # slim.initializers.xavier_initializer, which the API has as
                path, internal = api, None  # tf.contrib.slim.xavier_initializer: that call
            proxy = proxy_for(tracer, value, path, ApiProxy)
            proxy._tfinternal = internal
            return proxy
        if not isinstance(value, (str, int, float, bool, type(None))):
            tracer.api.setdefault(id(value), path)
            tracer.api_objects.append(value)
        tracer.api_string(value, path)
        return value

    def __setattr__(self, name, value):
        setattr(self._tfreal, name, value)

    def __dir__(self):
        return dir(self._tfreal)


# Classes a script only compares types with (`type(t) is tf.Tensor` in baselines' tf_util), or
# makes values of that the case writes as literals (tf.TensorShape([None, 3])): the real class,
# which a proxy could not be for `is`.
TYPES_ONLY = frozenset(("tf.Tensor", "tf.Operation", "tf.TensorShape", "tf.Dimension",
                        "tf.DType"))
INDEX = {}  # the runtime's API index entries (harness/api/RUNTIME.json), when trace.py names it


def load_index():
    path = os.environ.get("TFSCOPE_API_INDEX")
    if path and not INDEX:
        try:
            with open(path) as handle:
                INDEX.update(json.load(handle).get("entries", {}))
        except (OSError, ValueError):
            pass


def api_value(path):
    """An API object as a value: {tf: PATH}, or {ref: ALIAS.PATH} reached through an import."""
    return {"tf": path[3:]} if path.startswith("tf.") else {"ref": path}


def internal_module(module, parent, path):
    """The name of `module` (reached as `path`, an attribute of `parent`) when it is TF's
    implementation, not its API (tf.contrib.slim.utils is tensorflow.contrib.layers.python.
    layers.utils): as the API index says, which case files are checked against; for a path it
    has not, by its rule (apiscan.py); else None."""
    name = str(getattr(module, "__name__", "") or "")
    if not path.startswith("tf."):  # from an import: a module a case may import, or not
        return None if internals is None or internals.allowed(name) else \
            internals.canonical(name)
    entry = INDEX.get(path[3:])
    if entry is not None:
        return entry.get("internal") or None
    parent_name = str(getattr(parent, "__name__", "") or "")
    if not name or apiscan.public_module(name) or (
            name.startswith(parent_name + ".") and
            name.rsplit(".", 1)[-1] not in apiscan.IMPLEMENTATION):
        return None
    return name


def api_path_of(tf, name, obj):
    """The API path (tf.X.Y) of a function or class imported by `name` from TF's internals
    (`from tensorflow.contrib.framework.python.ops import arg_scope`): the shortest path of the
    API index ending in `name` that is that very object, else None."""
    if not isinstance(obj, (type, types.FunctionType)):
        return None
    path = shortest_path_to(tf, name, obj, lambda path, entry: not entry.get("internal"))
    return "tf." + path if path else None


def shortest_path_to(tf, name, obj, keep):
    """The shortest path of the API index (without `tf.`) that ends in `name`, that `keep(path,
    entry)` accepts and that is `obj` itself on this TF; None if there is none."""
    found = []
    for path, entry in INDEX.items():
        if path.rsplit(".", 1)[-1] != name or not keep(path, entry):
            continue
        real = tf
        try:
            for part in path.split("."):
                real = getattr(real, part)
        except AttributeError:
            continue
        if real is obj:
            found.append((path.count("."), path))
    return min(found)[1] if found else None


def should_use_value(obj):
    """The value inside TF's tf_should_use wrapper (what TensorArray.write, unstack and scatter
    return): the wrapper hands every attribute, its methods too, to that value, so the script's
    method calls on the wrapper are calls on it (or on the value inside it, wrapped again).
    None for any other object."""
    for name in ("_true_value", "_tf_should_use_wrapped_value"):  # TF 1.x's name, TF 2's
        try:
            return object.__getattribute__(obj, name)
        except AttributeError:
            pass
    return None


def proxy_for(tracer, real, path, kind):
    key = (id(real), path)
    if key not in tracer.proxies:
        tracer.proxies[key] = kind(tracer, real, path)
    return tracer.proxies[key]


class ApiProxy(object):
    """A TF function or class as the script sees it: calling it from the script records a step.
    Subclassing it subclasses the real class (and is reported: TF calls the methods)."""

    def __init__(self, tracer, real, path):
        self._tftracer, self._tfreal, self._tfpath = tracer, real, path
        self._tfinternal = None
        tracer.api.setdefault(id(real), path)
        tracer.api_objects.append(real)

    def __call__(self, *args, **kwargs):
        frame = sys._getframe(1)
        if not self._tftracer.recording(frame):
            return self._tfreal(*unwrap(args), **unwrap(kwargs))
        if self._tfinternal:
            return self._tftracer.call_internal(self._tfpath, self._tfinternal, self._tfreal,
                                                args, kwargs, frame)
        return self._tftracer.call_api(self._tfpath, self._tfreal, args, kwargs, frame)

    def __getattribute__(self, name):
        if name in MEMBER_DUNDERS:  # Base.__init__(self, ...): not the proxy's own __init__
            real = object.__getattribute__(self, "_tfreal")
            if isinstance(real, type):
                return base_method(object.__getattribute__(self, "_tftracer"), name,
                                   getattr(real, name))
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        value = getattr(self._tfreal, name)
        if isinstance(self._tfreal, type) and not name.startswith("_") and callable(value) \
                and not isinstance(value, self._tftracer.tf.DType):
            # A class's static and class methods (tf.data.Dataset.from_tensor_slices): API calls
            return proxy_for(self._tftracer, value, self._tfpath + "." + name, ApiProxy)
        if isinstance(self._tfreal, type):  # a class's constant (tf.GraphKeys.UPDATE_OPS)
            self._tftracer.api_string(value, self._tfpath + "." + name)
        return value

    def __instancecheck__(self, obj):
        return isinstance(obj, self._tfreal)

    def __subclasscheck__(self, cls):
        return issubclass(cls, self._tfreal)

    def __mro_entries__(self, bases):
        # The script's class derives from the real class; the tracer's __build_class__ makes it
        # a `class` step (Tracer.script_class)
        return (self._tfreal,)

    def __repr__(self):
        return repr(self._tfreal)


class ImportFrom(object):
    """`from tensorflow.python.ops import state_ops`: a module a case may import
    (harness/internals.py) becomes the case's `imports:` entry, its alias a ModuleProxy whose
    calls are `state_ops.assign` steps; anything else is refused where it is imported."""

    def __init__(self, tracer, module, name, frame):
        self._tracer, self._module, self._name = tracer, module, name
        self._where = (frame.f_code.co_filename, frame.f_lineno)
        self._frame = frame

    def __getattr__(self, attr):
        tracer, value = self._tracer, getattr(self._module, attr)
        full = internals.canonical(self._name + "." + attr)
        if isinstance(value, types.ModuleType) and internals.allowed(full):
            alias = tracer.import_alias(self._frame, attr)
            tracer.imports[alias] = full
            tracer.reserved.add(alias)
            return proxy_for(tracer, value, alias, ModuleProxy)
        module = api_module(tracer, attr, value)
        if module is not None:  # tf.flags is tensorflow.python.platform.flags itself (maml)
            return module
        if isinstance(value, types.ModuleType) and internals.canonical(
                getattr(value, "__name__", "")).startswith(("tensorflow.", "tensorflow_core.")):
            # a module a case may not import (tensor_array_ops): what the script takes from it
            # is written by its API name where it does (tensor_array_ops.TensorArray)
            return InternalModule(tracer, value, full)
        path = api_path_of(tracer.tf, attr, value)
        if path is not None:  # the function or class the API has (tf.contrib.framework.arg_scope)
            tracer.note("%s imported from TensorFlow's internals is written as %s" % (full, path))
            return proxy_for(tracer, value, path, ApiProxy)
        tracer.problem(self._where, "%s is TensorFlow's internals, not its API, nor a module a "
                       "case may import (harness/internals.py)" % full,
                       "use the tf.* name of what it imports")
        return value


def api_module(tracer, name, value):
    """The API's module that is `value` itself and whose calls the case leaves out (tf.flags
    is tensorflow.python.platform.flags; tf.logging, tf.gfile), by the shortest such API path
    ending in `name`, as the script's proxy of it; else None."""
    if not isinstance(value, types.ModuleType):
        return None
    path = shortest_path_to(tracer.tf, name, value, lambda path, entry: any(
        "tf." + path == p or ("tf." + path).startswith(p + ".") for p in PASSTHROUGH))
    if path is None:
        return None
    proxy = tracer.root_proxy
    for part in path.split("."):
        proxy = getattr(proxy, part)
    return proxy


class InternalModule(object):
    """A module of TF's internals that a case may not import, as the script's `from ... import`
    gives it: each function or class the script takes from it is its API name (an API proxy);
    anything else is refused where the script takes it."""

    def __init__(self, tracer, module, name):
        self._tracer, self._module, self._name = tracer, module, name

    def __getattr__(self, attr):
        tracer, value = self._tracer, getattr(self._module, attr)
        if isinstance(value, types.ModuleType):  # keras.layers of `from tensorflow.python
            return InternalModule(tracer, value, self._name + "." + attr)  # import keras`
        path = api_path_of(tracer.tf, attr, value)
        if path is not None:
            tracer.note("%s.%s of TensorFlow's internals is written as %s" % (
                self._name, attr, path))
            return proxy_for(tracer, value, path, ApiProxy)
        if callable(value):
            tracer.problem(sys._getframe(1), "%s.%s is TensorFlow's internals, not its API, nor "
                           "a module a case may import (harness/internals.py)" % (
                               self._name, attr), "use the tf.* name of what it is")
        return value


def install(tracer, tf):
    """`import tensorflow` (and `tensorflow.X`) from the script's files gives the proxies."""
    real_import = tracer.real_import = builtins.__import__
    tracer.root_proxy = ModuleProxy(tracer, tf, "tf")

    def traced_import(name, globals=None, locals=None, fromlist=(), level=0):
        module = real_import(name, globals, locals, fromlist, level)
        if level or not (name == "tensorflow" or name.startswith("tensorflow.")):
            return module
        caller = sys._getframe(1)
        if not tracer.is_user(caller):
            return module
        if name.startswith(("tensorflow.python", "tensorflow.core")) or (
                internals is not None and internals.implementation(name)):
            if fromlist and internals is not None:
                return ImportFrom(tracer, module, name, caller)
            tracer.problem(caller, "%s is TensorFlow's internals, not its API" % name,
                           "use the tf.* name of what it imports")
            return module
        if not fromlist:
            return tracer.root_proxy  # `import tensorflow.compat.v1 as tf` reaches v1 from it
        path = "tf" + name[len("tensorflow"):]
        if path.startswith("tf.compat.v1"):
            path = "tf" + path[len("tf.compat.v1"):]
        if path == "tf":
            return tracer.root_proxy
        real, internal, reached = tf, None, "tf"
        for part in path.split(".")[1:]:
            # a submodule the package does not expose as an attribute (tensorflow.contrib.
            # slim.nets): the module the import gave, when it is the last part
            parent, reached = real, reached + "." + part
            real = getattr(real, part, None)
            if real is None:
                real = module if reached == path else sys.modules.get(
                    "tensorflow" + reached[2:], module)
            internal = internal or internal_module(real, parent, reached)
        proxy = proxy_for(tracer, real, path, ModuleProxy)
        object.__setattr__(proxy, "_tfinternal", internal)
        return proxy
    builtins.__import__ = traced_import
    install_classes(tracer)


# --- the graph the script built -----------------------------------------------------------------

def graph_facts(tf):
    graph = tf.get_default_graph()
    variables = graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)
    return {
        "global_variables": [v.name for v in variables],
        "trainable_variables": [v.name for v in
                                graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)],
        "ops": [op.name for op in graph.get_operations()],
        "checkpoint": checkpoint_keys(variables),
        "trainable_shapes": {v.name: shape(v) for v in
                             graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)},
    }


def shape(v):
    info = getattr(v, "_save_slice_info", None)
    if info is not None:
        return list(info.full_shape)
    dims = v.get_shape()
    return None if dims.ndims is None else dims.as_list()


def checkpoint_keys(variables):
    """What tf.train.Saver() would save: key -> shape (a partitioned variable under its full
    name, with its full shape), by the same function the Saver uses to name them."""
    try:
        from tensorflow.python.training.saving import saveable_object_util as util
        to_dict = util.op_list_to_dict
    except ImportError:  # TF <= 1.13
        from tensorflow.python.training import saver as saver_lib
        to_dict = saver_lib.BaseSaverBuilder.OpListToDict
    out = {}
    try:
        saved = to_dict(list(variables))
    except ValueError:  # two variables of one name (one made in another graph): no Saver
        return {}
    for key, value in saved.items():
        first = value[0] if isinstance(value, list) else value
        out[key] = shape(first) if hasattr(first, "get_shape") else None
    return dict(sorted(out.items()))


# --- the script ---------------------------------------------------------------------------------

def last_user_frame(tracer, tb):
    where = None
    while tb is not None:
        if tracer.is_user(tb.tb_frame):
            where = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


MODES = ("keys", "program", "case")


class StderrTail(object):
    """sys.stderr while the script runs: written through, its last line kept (what argparse
    says before it exits with 2)."""

    def __init__(self, stream):
        self.stream, self.last = stream, ""

    def write(self, text):
        lines = [line.strip() for line in str(text).splitlines() if line.strip()]
        if lines:
            self.last = lines[-1][:300]
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def trace_one(tf, version, script, mode, args=()):
    """Run one script under a new Tracer; mode None records it, "keys" only runs it, "program"
    runs an exported case's program() unrecorded in a fresh graph, "case" records it (a case's
    exported script traced back into a case: its program(), not the facts it prints). `args`:
    the script's own command-line arguments (sys.argv[1:])."""
    script = os.path.abspath(script)
    tracer = Tracer(tf, script)
    install(tracer, tf)
    CURRENT[0] = tracer
    if mode in ("keys", "program"):  # the TF1 API, nothing recorded
        tracer.recording = lambda frame: False
    saved_argv, saved_path, saved_stderr = sys.argv, list(sys.path), sys.stderr
    sys.argv = [script] + list(args)
    sys.stderr = tail = StderrTail(sys.stderr)
    sys.path.insert(0, os.path.dirname(script))
    globs = {"__name__": "__main__" if mode not in ("program", "case") else "tfscope_case",
             "__file__": script, "__builtins__": builtins}
    uncaught = None
    result = {"tensorflow": version, "script": script}
    graph = tf.Graph() if mode == "program" else tf.get_default_graph()
    try:
        # The user's own script, run as they asked (`python SCRIPT`): runpy, as `python` does.
        globs = runpy.run_path(script, init_globals=globs, run_name=globs["__name__"])
        if mode in ("program", "case"):  # a case's exported script: its program()
            with graph.as_default():
                globs["program"](lambda *args: None)
    except SystemExit as e:
        if e.code not in (None, 0):
            said = (": " + tail.last) if tail.last and not isinstance(e.code, str) else ""
            tracer.problem((script, 1), "the script exited with %r%s" % (e.code, said),
                           "give the script's arguments after `--`: tfscope new ID --trace "
                           "SCRIPT -- ARGS" if e.code == 2 else None)
    except Exception as e:  # noqa: BLE001 - the script's own failure: reported with its place
        uncaught = e
        if id(e) not in tracer.raised:
            where = last_user_frame(tracer, sys.exc_info()[2]) or (script, 1)
            said = first_line(e)  # a bare `assert` has no message: the type alone
            tracer.problem(where, "the script raised %s%s" % (type(e).__name__,
                                                              ": " + said if said else ""),
                           "the script must run to its end with `python SCRIPT` in this runtime")
    finally:
        builtins.__import__ = tracer.real_import
        builtins.__build_class__ = tracer.real_build_class
        sys.argv, sys.path[:], sys.stderr = saved_argv, saved_path, saved_stderr
    tracer.depth = 1  # the tracer's own TF calls below are not the script's
    program = [] if mode in ("keys", "program") else tracer.finish(uncaught)
    error = None
    if uncaught is not None and id(uncaught) in tracer.raised:
        error = {"type": type(uncaught).__name__, "message": first_line(uncaught)}
    if mode != "program":
        # The graph the recorded calls ran in (`with tf.Graph().as_default():` is left out of
        # the case), else the default one (the script may have reset it).
        graph = tracer.main_graph()
    with graph.as_default():
        facts = graph_facts(tf)
    facts["unrecorded_ops"] = tracer.unrecorded_ops
    result.update({"program": program, "problems": tracer.problems, "error": error,
                   "suspects": tracer.suspects, "imports": tracer.imports,
                   "notes": ["%s%s (%d time%s)" % (where + ": " if where else "", n, c,
                                                     "" if c == 1 else "s")
                             for n, (where, c) in sorted(tracer.notes.items())],
                   "graph": facts})
    CURRENT[0] = None
    SUBSTITUTES.clear()
    WRAPPED.clear()
    return result


def flag_names(tf):
    try:
        return set(tf.flags.FLAGS)
    except Exception:  # noqa: BLE001 - a runtime without tf.flags: nothing to reset
        return set()


def fresh_graph(tf):
    """A new default graph for the next script of a batch, also when the last one left its
    graph entered (a tf.InteractiveSession stays the default session, its graph the default
    graph): what a new process would have."""
    try:
        tf.reset_default_graph()
    except AssertionError:
        from tensorflow.python.framework import ops
        for stack in ("_default_session_stack", "_default_graph_stack"):
            if hasattr(ops, stack):  # TF 2 keeps the session stack elsewhere
                getattr(ops, stack).reset()
        tf.reset_default_graph()


def lifeline(folder):
    """End the tracer, and whatever the script started, when the harness is gone (killed,
    even by SIGKILL, or interrupted before it could end us): the harness starts the tracer as
    the leader of a process group of its own, and that whole group is killed. The parent's
    death raises SIGUSR1 (Linux's PR_SET_PDEATHSIG), and a thread polls getppid in case the
    script replaced that handler. The harness's temporary `folder` for the trace (where OUT
    goes) is removed then too: the harness cannot remove it any more."""
    import signal
    import threading
    import time
    parent = os.getppid()

    def check(*_):
        if os.getppid() == parent:
            return
        if os.path.basename(folder).startswith("tfscope-trace-"):
            import shutil
            shutil.rmtree(folder, ignore_errors=True)
        if os.getpgrp() == os.getpid():  # our own group: the script's children too
            os.killpg(0, signal.SIGKILL)
        os._exit(worker.EXIT_ORPHANED)

    def watch():
        while True:
            time.sleep(0.5)
            check()
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            signal.signal(signal.SIGUSR1, check)
            ctypes.CDLL(None).prctl(1, int(signal.SIGUSR1), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError, ValueError):
            pass  # the thread still notices
    thread = threading.Thread(target=watch, name="lifeline")
    thread.daemon = True
    thread.start()
    check()  # the parent may have died before prctl


def main(argv):
    """`tracer.py [--keys|--program|--case] SCRIPT OUT.json [ARGS...]` (ARGS: the script's), or
    `tracer.py --batch LIST.json OUT.json` (LIST: [[MODE or null, SCRIPT], ...]; OUT: one result
    per script, in order): many scripts in one TF process, each in a fresh default graph, with
    its own flags."""
    mode = argv[0][2:] if argv[0][2:] in MODES and argv[0].startswith("--") else None
    out = argv[2] if argv[0] == "--batch" else (argv[2] if mode else argv[1])
    lifeline(os.path.dirname(os.path.abspath(out)))
    tf, version = worker.import_tf()
    load_index()
    if argv[0] == "--batch":
        with open(argv[1]) as handle:
            jobs = json.load(handle)
        out, results = argv[2], []
        flags = flag_names(tf)
        cwd = os.getcwd()
        for mode, script in jobs:
            fresh_graph(tf)
            worker.fresh_keras()  # Keras 3's layer names count per process
            worker.fresh_arg_scope()  # slim's defaults, as a new process has them
            os.chdir(os.path.dirname(os.path.abspath(script)))
            try:
                results.append(trace_one(tf, version, script, mode))
            except Exception as e:  # noqa: BLE001 - the tracer's own failure, for this script
                results.append({"tensorflow": version, "script": script, "program": [],
                                "error": None, "notes": [], "graph": {},
                                "problems": [{"file": script, "line": 1, "hint": "please report "
                                              "it with the script", "message": "the tracer "
                                              "failed: %s: %s" % (type(e).__name__,
                                                                  first_line(e))}]})
            finally:
                CURRENT[0] = None
                os.chdir(cwd)
            for name in flag_names(tf) - flags:  # the next script defines its own
                try:
                    delattr(tf.flags.FLAGS, name)
                except Exception:  # noqa: BLE001
                    pass
    else:
        mode = argv[0][2:] if argv[0][2:] in MODES and argv[0].startswith("--") else None
        rest = argv[1:] if mode else argv
        script, out = rest[:2]
        results = trace_one(tf, version, script, mode, rest[2:])
    with open(out, "w") as handle:
        json.dump(results, handle, sort_keys=True)
    return 0


def first_line(exc):
    # TF appends where a clashing variable was made to its message (facts.error_message)
    text = str(exc).split(" Originally defined at:")[0].strip()
    return text.splitlines()[0] if text else ""


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
