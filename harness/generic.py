"""The generic step language: any public TF API call, methods and attributes of captures, Python
operators, context managers, functions, classes, expected exceptions and graph snapshots, still as
data (the design: docs/case-format.md, "Generic steps").

One source of truth for the grammar (operators, value forms, the reserved keys), the evaluation of
values inside TF (the worker) and their rendering as Python (report, show, export). Validation
(cases.py) walks the written YAML with its lines and uses the tables and parsers here. Shared by
the harness and the worker: Python 3.6+ with the standard library only; TensorFlow is handed in.

Normalised values (what validation produces, what the worker and the renderer read):
  null/bool/int/float/str, [V...]         Python literals and lists
  {"ref": "w.parts[0].name"}              a capture (or a def parameter) and a path from it
  {"tf": "train.AdamOptimizer"}           an API object (the runtime's TF1 API)
  {"call": CALLEE, "args": [V | {"*": V}], "kwargs": {NAME: V, "**": V}}
  {"op": "+", "args": [A, B]}             a Python operator
  {"slice": [A, B, C]}, {"tuple": [...]}, {"dict": {K: V}}, {"ellipsis": null}
  {"py": "len"}                           a Python builtin of the allowlist (policy.BUILTINS)
  {"comp": V, "for": T, "in": V, "if": [V...], "kind": "list", "key": V}
                                          a comprehension (kind list, set, gen or dict; key:
                                          the dict's key); T a label or a list of targets
  {"lambda": V, "params": [P...]}         `lambda PARAMS: V` (params as a def's)
  {"super": "__init__"}                   `super().NAME`: the base classes' method or attribute,
                                          in a method of a `class` step only
Loop and comprehension targets T: a label, or a (nested) list of them, unpacked as Python does.
"""

import functools
import inspect
import operator
import re
import types
import weakref

try:
    from . import facts as _factlib
    from . import internals as _internals
    from .argtypes import ArgType
except ImportError:  # no parent package: the worker's copies, beside it
    import facts as _factlib
    import internals as _internals
    from argtypes import ArgType

IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
API_RE = re.compile(r"^tf(\.[A-Za-z_][A-Za-z0-9_]*)+$")
parse_path = _factlib.parse_path  # "LABEL.a[0]['k']" -> (LABEL, [("attr", "a"), ...])

# --- operators -----------------------------------------------------------------------------------
# name -> (arity, function, Python template). `-` and `+` with one argument are neg and pos.
BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "@": operator.matmul,
    "&": operator.and_, "|": operator.or_, "^": operator.xor, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
    "!=": operator.ne, "is": operator.is_, "is_not": operator.is_not,
    "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b, "getitem": operator.getitem,
    # `{op: attr, args: [VALUE, NAME]}` is VALUE.NAME (NAME a literal identifier): an attribute
    # of any value (`slices[i]._save_slice_info`), read under the attribute policy (evaluate)
    "attr": None,
}
BINARY_PY = {"is_not": "is not", "not_in": "not in"}
UNARY = {"~": operator.invert, "neg": operator.neg, "pos": operator.pos, "abs": abs,
         "not": operator.not_, "-": operator.neg, "+": operator.pos}
UNARY_PY = {"~": "~%s", "neg": "-%s", "pos": "+%s", "abs": "abs(%s)", "not": "not %s",
            "-": "-%s", "+": "+%s"}
OPERATORS = tuple(BINARY) + tuple(k for k in UNARY if k not in BINARY)


def arities(op):
    """How many arguments an operator takes: (1,), (2,) or (1, 2)."""
    return tuple(n for n, table in ((1, UNARY), (2, BINARY)) if op in table)


# The keys of the special value mappings, and of a nested call.
VALUE_KEYS = ("ref", "tf", "call", "op", "slice", "tuple", "dict", "ellipsis", "py", "comp",
              "lambda", "super")
COMP_KEYS = ("comp", "for", "in", "if", "key", "kind")
COMP_KINDS = ("list", "set", "gen", "dict")
CALL_KEYS = ("call", "args", "kwargs")
# Keys of every step's mapping besides its arguments.
RESERVED = ("as", "catch")
# Dunder methods a `class` step may define (and reach through `{super: NAME}`): what TF's base
# classes have subclasses override. No other name starting with `__` is a method or attribute.
DUNDER_METHODS = ("__init__", "__call__")
# Where the worker keeps a running method's (class, self) for `{super: NAME}`: not a label.
SUPER = "super()"

# The generic steps' kinds (the step key itself, or `tf.PATH` / `LABEL.PATH` for `invoke`).
KINDS = ("invoke", "let", "with", "enter", "exit", "set", "def", "return", "class", "snapshot",
         "for", "if", "try")


# --- policy (harness/policy.py, by the API helper): refused again at run time -------------------

def _policy():
    try:
        from . import policy
    except ImportError:
        try:
            import policy
        except ImportError:  # not there yet: refuse by the grammar alone (no dunders)
            return None
    return policy


# Every refusal of the running case, caught by the case or not (the worker reports them):
# `tfscope keys CASE_ID` runs the case's exported program as plain Python, outside these
# checks, and must not run one whose program the worker refused anything.
REFUSED = []


class Refused(Exception):
    """A name, attribute, method or object the policy refuses (file IO, subprocesses, ...)."""

    def __init__(self, *args):
        Exception.__init__(self, *args)
        REFUSED.append(str(args[0]) if args else "")


class NotAvailable(AttributeError):
    """An API name this runtime's TensorFlow does not have (e.g. tf.layers on Keras 3)."""


def check_attribute(owner, name):
    if name.startswith("__"):
        raise Refused("attribute `%s` is refused: no dunder attributes" % name)
    policy = _policy()
    if policy is None:
        return
    reason = policy.refused_attribute(name)
    if reason is None and owner is not None:
        bound = getattr(policy, "refused_bound", None)
        if bound is not None:
            reason = bound(owner, name)
        else:
            for cls in type(owner).__mro__:
                reason = policy.refused_method(cls.__name__, name)
                if reason:
                    break
    if reason:
        raise Refused("attribute `%s` is refused: %s" % (name, reason))


def check_object(obj, what):
    if _made_here(obj):
        return obj  # the case's own def, lambda or class, reached again (v.constraint)
    policy = _policy()
    refused_object = getattr(policy, "refused_object", None)
    reason = refused_object(obj) if refused_object is not None else None
    if reason:
        raise Refused("%s is refused: %s" % (what, reason))
    return obj


# --- evaluation (the worker) ---------------------------------------------------------------------

def resolve_api(tf, path, version=""):
    """`train.AdamOptimizer` -> the object of the runtime's TF1 API (tf, or tf.compat.v1)."""
    full = "tf." + path
    policy = _policy()
    reason = policy.refused(full) if policy is not None else None
    if reason:
        raise Refused("%s is refused: %s" % (full, reason))
    obj = tf
    done = "tf"
    for part in path.split("."):
        check_attribute(None, part)
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise NotAvailable("%s is not available in TensorFlow %s (%s has no `%s`)" % (
                full, version or getattr(tf, "__version__", "?"), done, part)) from None
        done += "." + part
    return check_object(obj, full)


def resolve_builtin(name):
    """`len` -> the Python builtin, when the policy's allowlist has it."""
    policy = _policy()
    reason = policy.refused_builtin(name) if policy is not None else "no policy"
    if reason:
        raise Refused("py.%s is refused: %s" % (name, reason))
    import builtins
    return check_object(getattr(builtins, name), "py." + name)


def resolve_ref(refs, path):
    label, steps = parse_path(path)
    return walk(refs, label, steps)


def walk(refs, label, steps):
    """The object a parsed ref path names, each step's object checked against the policy (a
    path through a module outside TF, `m.six.moves.builtins`, stops there: a `def` parameter
    can hold any module, which the validator cannot see)."""
    if label not in refs:
        raise NameError("`%s` is not captured (yet)" % label)
    obj = refs[label]
    for i, (kind, key) in enumerate(steps):
        obj = path_step(obj, kind, key, render_path_steps(label, steps[:i + 1]))
    return obj


def path_step(obj, kind, key, what=None):
    """One step of a path (`.key` or `[key]`) from `obj`, checked against the policy: the
    attribute's name, a module's private names, and the object reached."""
    what = what or ("." + str(key) if kind == "attr" else "[%r]" % (key,))
    if kind == "attr":
        check_attribute(obj, key)
        if isinstance(obj, types.ModuleType):
            check_module_attribute(obj, key)
        obj = getattr(obj, key)
        if isinstance(obj, types.ModuleType):
            check_module(obj, what)
    else:
        obj = obj[key]
    return check_object(obj, what)


def check_module_attribute(module, name):
    """A module's private names are not API: refused, but for the few of internals.PRIVATE
    that TF's tests call (`variable_scope._get_default_variable_store`)."""
    reason = _internals.refused_name(getattr(module, "__name__", ""), name)
    if reason:
        raise Refused("attribute `%s` is refused: %s" % (name, reason))


def check_module(module, what):
    """A module reached through an attribute (`variable_scope.ops`): one of TF's implementation
    modules only when a case could import it (internals.MODULES)."""
    name = getattr(module, "__name__", "") or ""
    if _internals.implementation(name) and not _internals.allowed(name):
        raise Refused("%s is refused: %s" % (what, _internals.refused_module(name)))


def check_settable(owner, what):
    """`set` may change captured objects, not TensorFlow itself: a module's attribute or a TF
    class's would change what every later case in the worker runs."""
    if isinstance(owner, types.ModuleType) or (
            isinstance(owner, type) and str(getattr(owner, "__module__", "")).split(".")[0]
            in ("tensorflow", "tensorflow_core", "keras", "tf_keras", "tensorflow_estimator")):
        raise Refused("setting `%s` is refused: it would change TensorFlow for every later "
                      "case" % what)


def import_modules(imports, refs):
    """The case's `imports:` (alias -> module name), in the written order, bound as labels:
    only the modules of internals.MODULES, each bound as `from PACKAGE import MODULE` binds it
    (internals.bind). A module this TensorFlow does not have raises what that line raises
    (ImportError): the runtime's outcome."""
    for alias, name in imports.items():
        module = _internals.bind(name)
        check_object(module, name)
        refs[alias] = module


def evaluate(tf, value, refs):
    """A normalised value as the Python object it stands for."""
    if isinstance(value, list):
        return [evaluate(tf, v, refs) for v in value]
    if not isinstance(value, dict):
        return value
    (key, arg), = [(k, value[k]) for k in VALUE_KEYS if k in value][:1]
    if key == "ref":
        return resolve_ref(refs, arg)
    if key == "tf":
        return resolve_api(tf, arg)
    if key == "call":
        return call(tf, value, refs)
    if key == "op":
        if arg == "attr":  # as a ref path's step (walk)
            owner, name = evaluate(tf, value["args"][0], refs), value["args"][1]
            return path_step(owner, "attr", name)
        args = [evaluate(tf, a, refs) for a in value["args"]]
        if len(args) == 1:
            return check_object(UNARY[arg](args[0]), arg)
        return check_object(BINARY[arg](args[0], args[1]), arg)  # `x[k]` may be any object
    if key == "slice":
        return slice(*[evaluate(tf, a, refs) for a in arg])
    if key == "tuple":
        return tuple(evaluate(tf, a, refs) for a in arg)
    if key == "dict":
        return dict((k, evaluate(tf, v, refs)) for k, v in arg.items())
    if key == "py":
        return resolve_builtin(arg)
    if key == "comp":
        return comprehension(tf, value, refs)
    if key == "lambda":
        return make_lambda(tf, value, refs)
    if key == "super":
        return super_attribute(refs, arg)
    return Ellipsis


def super_attribute(refs, name):
    """`super().NAME` in a method of a `class` step: the attribute of the base classes, bound
    to the method's `self` (Python's zero-argument super, from the method's class)."""
    if SUPER not in refs:
        raise NameError("super() outside a method of a class step")
    cls, obj = refs[SUPER]
    if name not in DUNDER_METHODS:
        check_attribute(obj, name)
        return check_object(getattr(super(cls, obj), name), "super()." + name)
    # the base's __init__ / __call__ bound to self (a dunder name the policy refuses by name):
    # judged by the class that defines it
    mro = type(obj).__mro__
    for klass in mro[mro.index(cls) + 1:] if cls in mro else ():
        if name in vars(klass):
            if klass is not object:
                check_object(klass, "super().%s (%s)" % (name, klass.__name__))
            break
    return getattr(super(cls, obj), name)


def make_lambda(tf, value, refs):
    """`lambda PARAMS: VALUE`: a function whose call binds the parameters as labels (as a def's
    do) and returns the value."""
    def run_body():
        raise Return(evaluate(tf, value["lambda"], refs))
    return make_function(tf, "<lambda>", value.get("params") or [], refs, run_body,
                         "program.<locals>.<lambda>")


def target_names(target):
    """The labels a loop or comprehension target binds, in order."""
    if isinstance(target, list):
        return [n for t in target for n in target_names(t)]
    return [target]


def unpack(target, value, bind):
    """Bind `value` to `target` as Python's assignment does (`i, (a, b) = value`): bind(label,
    object) for each label; the errors are Python's own."""
    if not isinstance(target, list):
        bind(target, value)
        return
    try:
        it = iter(value)
    except TypeError:
        raise TypeError("cannot unpack non-iterable %s object" % type(value).__name__) from None
    items = []
    for _ in target:
        try:
            items.append(next(it))
        except StopIteration:
            raise ValueError("not enough values to unpack (expected %d, got %d)"
                             % (len(target), len(items))) from None
    try:
        next(it)
    except StopIteration:
        pass
    else:
        raise ValueError("too many values to unpack (expected %d)" % len(target))
    for t, item in zip(target, items):
        unpack(t, item, bind)


def comprehension(tf, value, refs):
    """[COMP for FOR in IN if IF...] (or a set, a generator, a dict): the targets are bound as
    labels while it runs, and unbound after, as a comprehension's own scope. A generator's values
    are computed here, at once."""
    iterable = evaluate(tf, value["in"], refs)
    names = target_names(value["for"])
    saved = dict((n, refs.get(n, _MISSING)) for n in names)
    kind = value.get("kind", "list")
    out = []

    def bind(label, obj):
        refs[label] = obj
    try:
        for item in iterable:
            unpack(value["for"], item, bind)
            if all(evaluate(tf, c, refs) for c in value.get("if") or []):
                if kind == "dict":
                    key = evaluate(tf, value["key"], refs)
                    out.append((key, evaluate(tf, value["comp"], refs)))
                else:
                    out.append(evaluate(tf, value["comp"], refs))
    finally:
        for k, v in saved.items():
            if v is _MISSING:
                refs.pop(k, None)
            else:
                refs[k] = v
    if kind == "set":
        return set(out)
    if kind == "dict":
        return dict(out)
    if kind == "gen":
        return (x for x in out)
    return out


def arguments(tf, args, kwargs, refs):
    """Positional and keyword arguments, splats expanded (in the written order)."""
    positional, keywords = [], {}
    for a in args or []:
        if isinstance(a, dict) and "*" in a:
            positional.extend(evaluate(tf, a["*"], refs))
        else:
            positional.append(evaluate(tf, a, refs))
    for k, v in (kwargs or {}).items():
        if k == "**":
            keywords.update(evaluate(tf, v, refs))
        else:
            keywords[k] = evaluate(tf, v, refs)
    return positional, keywords


def call(tf, value, refs):
    return invoke(tf, value["call"], value.get("args"), value.get("kwargs"), refs)


def callee_name(callee):
    """What the policy's argument checks know a callee by: its API path or its last name."""
    if isinstance(callee, dict) and "tf" in callee:
        return "tf." + callee["tf"]
    if isinstance(callee, dict) and "ref" in callee:
        label, steps = parse_path(callee["ref"])
        return steps[-1][1] if steps and steps[-1][0] == "attr" else label
    return ""


def invoke(tf, callee, args, kwargs, refs):
    """Call a callee with written arguments; the policy sees the callee, the real argument
    values (a Session with a target, ...) and what the call returns."""
    fn = evaluate(tf, callee, refs)
    what = render(callee)
    if not (isinstance(callee, dict) and "super" in callee):  # super_attribute judged it
        check_callable(fn, what)
    positional, keywords = arguments(tf, args, kwargs, refs)
    policy = _policy()
    check = getattr(policy, "refused_arguments", None)
    for name in [callee_name(callee)] + object_names(fn) if check is not None else ():
        reason = check(name, positional, keywords)
        if reason:
            raise Refused("this call is refused: %s" % reason)
    return check_object(fn(*positional, **keywords), "what %s returned" % what)


def object_names(fn):
    """The names the argument checks know a callable by, besides the written one: a label or
    a def parameter may hold tf.print (print_v2) or tf.Session, and a class the case derives
    from tf.Session is one too (every class of its MRO)."""
    if isinstance(fn, type):
        return [str(getattr(k, "__name__", "")) for k in fn.__mro__]
    names = [str(getattr(fn, "__name__", "") or "")]
    func = getattr(fn, "__func__", None)
    if func is not None:
        names.append(str(getattr(func, "__name__", "") or ""))
    return names


def check_callable(fn, what):
    """What a step calls, judged as any object is (check_object), and a callable object by its
    class: one from outside TensorFlow (operator.attrgetter, a numpy ufunc) is refused, and a
    functools.partial by the function it holds."""
    check_object(fn, what)
    if _made_here(fn) or isinstance(fn, (type, types.FunctionType, types.BuiltinFunctionType,
                                         types.MethodType)):
        return fn
    if isinstance(fn, functools.partial):
        return check_callable(fn.func, what)
    cls = type(fn)
    if any(_made_here(k) for k in cls.__mro__):
        return fn  # an object of the case's own class
    policy = _policy()
    package = str(getattr(cls, "__module__", "") or "").split(".")[0]
    if policy is not None and package not in getattr(policy, "TF_PACKAGES", ()):
        raise Refused("calling %s is refused: %s (a %s.%s)" % (
            what, policy.OUTSIDE, cls.__module__, cls.__name__))
    check_object(cls, "%s (its class)" % what)
    return fn


class Return(BaseException):
    """`return: VALUE` ends a def body (BaseException: a `catch` does not swallow it)."""

    def __init__(self, value):
        BaseException.__init__(self)
        self.value = value


def make_function(tf, name, params, refs, run_body, qualname=None):
    """A Python function with the written signature (inspect sees it: Keras reads `call`'s
    parameters) whose body binds the parameters as labels and runs the steps (run_body())."""
    defaults = {}
    sig = []
    kinds = {0: inspect.Parameter.POSITIONAL_OR_KEYWORD, 1: inspect.Parameter.VAR_POSITIONAL,
             2: inspect.Parameter.VAR_KEYWORD}
    seen_star = False
    for p in params:
        star = p.get("star", 0)
        kind = kinds[star]
        if star == 1:
            seen_star = True
        elif star == 0 and seen_star:
            kind = inspect.Parameter.KEYWORD_ONLY
        if "default" in p:
            defaults[p["name"]] = evaluate(tf, p["default"], refs)  # at def time, like Python
            sig.append(inspect.Parameter(p["name"], kind, default=defaults[p["name"]]))
        else:
            sig.append(inspect.Parameter(p["name"], kind))
    signature = inspect.Signature(sig)

    def function(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        # The body's names are its own, as in Python: its parameters and what it captures
        # shadow the program's labels during the call and are gone after it (objects it
        # changes stay changed). What it captures is still recorded, per call.
        saved = dict(refs)
        for p in sig:
            refs[p.name] = bound.arguments[p.name]
        try:
            run_body()
        except Return as r:
            return r.value
        finally:
            refs.clear()
            refs.update(saved)
        return None
    function.__name__, function.__qualname__ = name, qualname or name
    function.__signature__ = signature
    # AutoGraph (tf.layers' __call__ converts `call`) would convert this function and, through
    # it, the harness's own code: the written body has no Python control flow for it to change.
    experimental = getattr(getattr(tf, "autograph", None), "experimental", None)
    do_not_convert = getattr(experimental, "do_not_convert", None)
    made = do_not_convert(function) if do_not_convert is not None else function
    _MADE.add(function)
    _MADE.add(made)
    return made


_MISSING = object()
# The functions and classes the case's own steps made (def, lambda, class): the policy judges what
# TF and Python give, not these, which run only the case's steps.
_MADE = weakref.WeakSet()


def _made_here(obj):
    """Whether `obj` is the case's own def, lambda or class, or a wrapper TF made of one
    (add_arg_scope's functools.wraps copies its module: judged by what it wraps). A case cannot
    set `__wrapped__` (no dunder attributes), so the chain is TF's or Python's own."""
    for _ in range(8):
        try:
            if obj in _MADE:
                return True
        except TypeError:  # unhashable
            return False
        obj = getattr(obj, "__wrapped__", None) if isinstance(obj, types.FunctionType) else None
        if obj is None:
            return False
    return False


class Method(object):
    """A class step's method: a function (make_function's) whose signature inspect reads from
    this class, not from the function's __dict__, which functools.wraps copies onto wrappers of
    the bound method (Keras 3 wraps `build` so: it would then see `self` as a parameter)."""

    def __init__(self, fn):
        self._tffunc = fn
        self._tfsignature = inspect.signature(fn)
        for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
            setattr(self, attr, getattr(fn, attr, None))
        # AutoGraph leaves the written method as it is (make_function's do_not_convert)
        setattr(self, "__ag_compiled", True)
        _MADE.add(self)

    @property
    def __signature__(self):
        return self._tfsignature

    def __call__(self, *args, **kwargs):
        return self._tffunc(*args, **kwargs)

    def __get__(self, obj, owner=None):
        return self if obj is None else types.MethodType(self, obj)


def make_class(name, bases, methods, qualname=None, properties=()):
    """`class NAME(BASES):` with the methods (functions); those named in `properties` are
    read-only properties (`@property`), as RNNCell's state_size."""
    namespace = dict((k, property(v) if k in properties else Method(v))
                     for k, v in methods.items())
    namespace["__module__"] = "__main__"  # as the exported script's class
    namespace["__qualname__"] = qualname or name
    cls = type(name, tuple(bases), namespace)
    _MADE.add(cls)
    return cls


# --- rendering (report, show, export) ------------------------------------------------------------

def render_imports(imports):
    """The `imports:` of a case as Python statements (`from tensorflow.python.ops import
    state_ops`)."""
    return [_internals.import_line(alias, name) for alias, name in imports.items()]


def render_path(path):
    return render_path_steps(*parse_path(path))


def render_path_steps(label, steps):
    out = label
    for kind, key in steps:
        out += ".%s" % key if kind == "attr" else "[%r]" % (key,)
    return out


def render(value, nested=False):
    """A normalised value as Python source; `nested`: inside an operator (parenthesise)."""
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if not isinstance(value, dict):
        return repr(value)
    (key, arg), = [(k, value[k]) for k in VALUE_KEYS if k in value][:1]
    if key == "ref":
        return render_path(arg)
    if key == "tf":
        return "tf." + arg
    if key == "call":
        return render_call(value["call"], value.get("args"), value.get("kwargs"))
    if key == "op":
        args = value["args"]
        if len(args) == 1:
            out = UNARY_PY[arg] % render(args[0], True)
            return "(%s)" % out if nested and arg != "abs" else out
        if arg == "getitem":
            return "%s[%s]" % (render(args[0], True), render_index(args[1]))
        if arg == "attr":
            return "%s.%s" % (render(args[0], True), args[1])
        out = "%s %s %s" % (render(args[0], True), BINARY_PY.get(arg, arg), render(args[1], True))
        return "(%s)" % out if nested else out
    if key == "slice":
        return "slice(%s)" % ", ".join(render(a) for a in arg)
    if key == "tuple":
        if len(arg) == 1:
            return "(%s,)" % render(arg[0])
        return "(" + ", ".join(render(a) for a in arg) + ")"
    if key == "dict":
        return "{" + ", ".join("%r: %s" % (k, render(v)) for k, v in arg.items()) + "}"
    if key == "py":
        return arg
    if key == "super":
        return "super().%s" % arg
    if key == "comp":
        return render_comprehension(value)
    if key == "lambda":
        params = render_params(value.get("params") or [])
        out = "lambda %s: %s" % (params, render(value["lambda"])) if params else \
            "lambda: %s" % render(value["lambda"])
        return "(%s)" % out if nested else out
    return "..."


def render_target(target, nested=False):
    """`i`, `i, dtype`, `i, (a, b)`."""
    if not isinstance(target, list):
        return target
    inner = ", ".join(render_target(t, True) for t in target)
    if len(target) == 1:
        inner += ","
    return "(%s)" % inner if nested else inner


def render_comprehension(value):
    kind = value.get("kind", "list")
    head = render(value["comp"])
    if kind == "dict":
        head = "%s: %s" % (render(value["key"]), head)
    elif isinstance(value["comp"], dict) and "comp" in value["comp"] and \
            value["comp"].get("kind") == "gen":
        head = "(%s)" % head
    body = "%s for %s in %s" % (head, render_target(value["for"]), render(value["in"]))
    for cond in value.get("if") or []:
        body += " if %s" % render(cond)
    opening, closing = {"list": "[]", "set": "{}", "dict": "{}", "gen": "()"}[kind]
    return opening + body + closing


def render_index(value):
    """A subscript: slices as `a:b:c`, a tuple of them without parentheses."""
    if isinstance(value, dict) and "slice" in value:
        parts = ["" if a is None else render(a) for a in value["slice"]]
        if parts[2:] == [""]:
            parts = parts[:2]
        return ":".join(parts)
    if isinstance(value, dict) and "tuple" in value and value["tuple"]:
        out = ", ".join(render_index(a) for a in value["tuple"])
        return out + "," if len(value["tuple"]) == 1 else out
    return render(value)


def render_callee(callee):
    if isinstance(callee, dict) and ("tf" in callee or "ref" in callee or "call" in callee
                                     or "py" in callee or "super" in callee):
        # a lambda: parenthesised below
        return render(callee)
    return "(%s)" % render(callee)


def render_call(callee, args, kwargs):
    if len(args or []) == 1 and not kwargs and isinstance(args[0], dict) and \
            args[0].get("kind") == "gen" and "comp" in args[0]:
        # `sorted(v.name for v in vs)`: a generator, the only argument, needs no parentheses
        return "%s(%s)" % (render_callee(callee), render_comprehension(args[0])[1:-1])
    parts = []
    for a in args or []:
        parts.append("*" + render(a["*"], True) if isinstance(a, dict) and "*" in a
                     else render(a))
    for k, v in (kwargs or {}).items():
        parts.append("**" + render(v, True) if k == "**" else "%s=%s" % (k, render(v)))
    return "%s(%s)" % (render_callee(callee), ", ".join(parts))


def render_params(params):
    out = []
    for p in params:
        prefix = "*" * p.get("star", 0)
        out.append(prefix + p["name"] + ("=" + render(p["default"]) if "default" in p else ""))
    return ", ".join(out)


def render_step(step):
    """One generic step's head as Python: a statement, or the `with`/`def`/`class` line
    (render.py lays out bodies, captures and `catch`)."""
    kind, args, label = step["kind"], step.get("args", {}), step.get("as")
    if "unpack" in step:
        label = render_target(step["unpack"])
    if kind == "invoke":
        code = render_call(args["fn"], args.get("args"), args.get("kwargs"))
        if "do" in step:
            return "with %s as %s:" % (code, label) if label else "with %s:" % code
        return "%s = %s" % (label, code) if label else code
    if kind == "with":
        code = render(args["value"])
        return "with %s as %s:" % (code, label) if label else "with %s:" % code
    if kind == "let":
        return "%s = %s" % (label, render(args["value"])) if label else render(args["value"])
    if kind == "enter":
        code = "%s.__enter__()" % render_callee(args["value"])
        return "%s = %s" % (label, code) if label else code
    if kind == "exit":
        return "%s.__exit__(None, None, None)" % render_callee(args["value"])
    if kind == "set":
        return "%s = %s" % (render_path(args["target"]), render(args["value"]))
    if kind == "return":
        return "return %s" % render(args.get("value"))
    if kind == "def":
        head = "def %s(%s):" % (args["name"], render_params(args.get("params", [])))
        return "@property\n" + head if args.get("property") else head
    if kind == "class":
        bases = ", ".join(render(b) for b in args.get("bases", []))
        return "class %s(%s):" % (args["name"], bases) if bases else "class %s:" % args["name"]
    if kind == "snapshot":
        return "%s = tfscope_snapshot(tf)" % label if label else "tfscope_snapshot(tf)"
    if kind == "for":
        target = step.get("target")
        return "for %s in %s:" % (render_target(target) if target is not None else "_",
                                  render(args["in"]))
    if kind == "if":
        return "if %s:" % render(args["test"])
    if kind == "try":
        return "try:"
    raise ValueError("not a generic step: %s" % kind)


# --- the table entries (validation, schema and docs read them; the worker runs them) ------------
# The generic steps' arguments are checked by cases.py (values need their lines); these entries
# carry the docs and the schema fragments.

def _no_check(v):
    return None


def _any_tf(tf, v, refs):
    return evaluate(tf, v, refs)


_ONE_KEY_FORM = {
    "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
    "properties": {
        "ref": {"type": "string"}, "tf": {"type": "string"},
        "py": {"type": "string", "pattern": "^[a-z]+$",
               "description": "a Python builtin of the allowlist (len, sorted, ...)"},
        "slice": {"type": "array", "minItems": 1, "maxItems": 3,
                  "items": {"$ref": "#/$defs/value"}},
        "tuple": {"type": "array", "items": {"$ref": "#/$defs/value"}},
        "dict": {"type": "object", "additionalProperties": {"$ref": "#/$defs/value"}},
        "ellipsis": {"type": "null"},
        "super": {"type": "string", "pattern": "^(__init__|__call__|[A-Za-z][A-Za-z0-9_]*|"
                                               "_[A-Za-z0-9][A-Za-z0-9_]*)$",
                  "description": "super().NAME, in a method of a class step"}}}
_OP_FORM = {"type": "object", "required": ["op", "args"], "additionalProperties": False,
            "properties": {"op": {"enum": list(OPERATORS)},
                           "args": {"type": "array", "minItems": 1, "maxItems": 2,
                                    "items": {"$ref": "#/$defs/value"}}}}
_TARGET = {"anyOf": [{"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                    {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/target"}}]}
_COMP_FORM = {"type": "object", "required": ["comp", "for", "in"], "additionalProperties": False,
              "properties": {"comp": {"$ref": "#/$defs/value"},
                             "for": {"$ref": "#/$defs/target"},
                             "in": {"$ref": "#/$defs/value"},
                             "if": {"$ref": "#/$defs/value"},
                             "key": {"$ref": "#/$defs/value"},
                             "kind": {"enum": list(COMP_KINDS)}}}
_LAMBDA_FORM = {"type": "object", "required": ["lambda"], "additionalProperties": False,
                "properties": {"lambda": {"$ref": "#/$defs/value"},
                               "params": {"$ref": "#/$defs/params"}}}
_CALL_FORM = {"type": "object", "required": ["call"], "properties": {
    "call": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/value"}]},
    "args": {"$ref": "#/$defs/call_args"},
    "kwargs": {"$ref": "#/$defs/call_kwargs"}},
    "additionalProperties": {"$ref": "#/$defs/value"}}

SCHEMA_DEFS = {
    "value": {"description": "a literal, a list, or one of {ref: PATH}, {tf: API_PATH}, "
                             "{call: CALLEE, args, kwargs, ...}, {op: OPERATOR, args}, "
                             "{slice: [a, b, c]}, {tuple: [...]}, {dict: {...}}, "
                             "{ellipsis: null}, {py: BUILTIN}, {super: NAME}, "
                             "{comp: VALUE, for: TARGET, in: VALUE, if: VALUE}, "
                             "{lambda: VALUE, params: [...]}",
              "anyOf": [
                  {"type": ["null", "boolean", "number", "string"]},
                  {"type": "array", "items": {"$ref": "#/$defs/value"}},
                  # One object form by its key (if/then), as cases.py reads it: `call` first,
                  # then `op`; an anyOf would validate nested calls once per form.
                  {"type": "object", "allOf": [
                      {"if": {"required": ["call"]}, "then": _CALL_FORM},
                      {"if": {"not": {"required": ["call"]}, "required": ["comp"]},
                       "then": _COMP_FORM},
                      {"if": {"not": {"anyOf": [{"required": ["call"]}, {"required": ["comp"]}]},
                              "required": ["lambda"]},
                       "then": _LAMBDA_FORM},
                      {"if": {"not": {"anyOf": [{"required": ["call"]}, {"required": ["comp"]},
                                                {"required": ["lambda"]}]},
                              "required": ["op"]},
                       "then": _OP_FORM},
                      {"if": {"not": {"anyOf": [{"required": ["call"]}, {"required": ["op"]},
                                                {"required": ["comp"]},
                                                {"required": ["lambda"]}]}},
                       "then": _ONE_KEY_FORM}]}]},
    "target": dict(_TARGET, description="a label, or a list of targets (unpacked)"),
    "call_args": {"type": "array", "items": {
        "if": {"type": "object", "required": ["*"]},
        "then": {"additionalProperties": False, "properties": {"*": {"$ref": "#/$defs/value"}}},
        "else": {"$ref": "#/$defs/value"}}},
    "call_kwargs": {"type": "object", "additionalProperties": {"$ref": "#/$defs/value"}},
    # a def's or a lambda's parameters: NAME, '*NAME', '**NAME' or {name, default}
    "params": {"type": "array", "items": {"anyOf": [
        {"type": "string", "pattern": r"^\*{0,2}[A-Za-z_][A-Za-z0-9_]*$"},
        {"type": "object", "required": ["name"], "additionalProperties": False,
         "properties": {"name": {"type": "string"}, "default": {"$ref": "#/$defs/value"}}}]}},
}
_V = {"$ref": "#/$defs/value"}
VALUE_ANY = ArgType("value", _no_check, _any_tf, render, refs=True, schema=_V)
REF_PATH = ArgType("ref path", _no_check, _any_tf, render_path,
                   schema={"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*([.\[].*)?$"})
CALLEE = ArgType("callee", _no_check, _any_tf, render_callee,
                 schema={"anyOf": [{"type": "string"}, _V]})
ARGS = ArgType("positional arguments", _no_check, _any_tf, render,
               schema={"$ref": "#/$defs/call_args"})
KWARGS = ArgType("keyword arguments", _no_check, _any_tf, render,
                 schema={"$ref": "#/$defs/call_kwargs"})
NAME = ArgType("Python name", _no_check, _any_tf, repr,
               schema={"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"})
PARAMS = ArgType("parameters", _no_check, _any_tf, render_params,
                 schema={"$ref": "#/$defs/params"})
FLAG = ArgType("true or false", _no_check, _any_tf, repr, schema={"type": "boolean"})
BASES = ArgType("base classes", _no_check, _any_tf, render, schema={
    "type": "array", "items": {"type": "string"}})


class GenericStep(object):
    """A generic step's table entry: like curated.Step for validation, schema and docs."""

    def __init__(self, kind, args, doc, required=(), body=False, captures="generic",
                 label_required=False, body_required=False, more_kwargs=False):
        self.kind, self.args, self.doc = kind, list(args), doc
        self.more_kwargs = more_kwargs  # any other key is a keyword argument (invoke)
        self.required, self.body, self.captures = tuple(required), body, captures
        self.label_required, self.body_required = label_required, body_required
        self.test_only, self.generic, self.call = False, True, kind
        self.run = lambda tf, kw: None  # the worker runs generic steps itself (worker.Run)
        self.render = lambda args: render_step({"kind": kind, "args": args})

    @property
    def arg_names(self):
        return [name for name, _ in self.args]

    def arg_type(self, name):
        return dict(self.args)[name]


_CALL_ARGS = [("fn", CALLEE), ("args", ARGS), ("kwargs", KWARGS)]
STEPS = {s.kind: s for s in [
    GenericStep("invoke", _CALL_ARGS, "LABEL = FN(*args, **kwargs), or with a body "
                "with FN(...) as LABEL: (also written tf.API_PATH: {...} and LABEL.PATH: {...}); "
                "any other key is a keyword argument", required=("fn",), body=True,
                more_kwargs=True),
    GenericStep("let", [("value", VALUE_ANY)], "LABEL = VALUE", required=("value",)),
    GenericStep("with", [("value", VALUE_ANY)], "with VALUE as LABEL:", required=("value",),
                body=True),
    GenericStep("enter", [("value", VALUE_ANY)], "LABEL = VALUE.__enter__()",
                required=("value",)),
    GenericStep("exit", [("value", VALUE_ANY)], "VALUE.__exit__(None, None, None)",
                required=("value",), captures=None),
    GenericStep("set", [("target", REF_PATH), ("value", VALUE_ANY)], "TARGET = VALUE",
                required=("target", "value"), captures=None),
    GenericStep("def", [("name", NAME), ("params", PARAMS), ("property", FLAG)],
                "def NAME(PARAMS): BODY (captured as LABEL, or as NAME); in a class body a "
                "method (self first; property: true makes it @property)", required=("name",),
                body=True),
    GenericStep("return", [("value", VALUE_ANY)], "return VALUE (ends a def body)",
                captures=None),
    GenericStep("class", [("name", NAME), ("bases", BASES)],
                "class NAME(BASES): METHODS (def steps, self first; {super: NAME} is "
                "super().NAME in them; captured as LABEL, or as NAME)",
                required=("name",), body=True),
    GenericStep("snapshot", [], "LABEL = the graph's facts at this point",
                label_required=True, captures="snapshot"),
    GenericStep("for", [("in", VALUE_ANY)],
                "for TARGET in VALUE: BODY (as: TARGET, a label or a list of labels, unpacked; "
                "each label is captured once per iteration, as inside repeat)",
                required=("in",), body=True),
    GenericStep("if", [("test", VALUE_ANY)],
                "if VALUE: BODY, then elif: [{if: VALUE, do: [...]}, ...] and else: [...] "
                "beside do:", required=("test",), body=True, captures=None),
    # `with self.assertRaises(E):` around several statements: their try, its error caught as L
    GenericStep("try", [], "try: BODY, the error of any step in it caught as LABEL "
                "(catch: LABEL, required)", body=True, captures=None),
]}
# Keys beside `if:` and its `do:` (`for` and the other steps take only `do:`).
BRANCH_KEYS = ("elif", "else")


def bodies(step):
    """Every list of steps directly inside a normalised step: do, each elif's do, else."""
    out = [step.get("do") or []]
    out += [branch.get("do") or [] for branch in step.get("elif") or []]
    if "else" in step:
        out.append(step["else"] or [])
    return out

# Facts of a snapshot, recorded when it is taken (facts.py's getters), and of a `catch` label.
FACTS = {
    "generic": (),  # the facts of the kind the object shows at run time, and any LABEL.PATH
    "value": ("value",),
    "object": ("class",),
    "snapshot": ("global_variables", "trainable_variables", "local_variables", "ops",
                 "variable_scope", "name_scope", "collection.NAME"),
    "caught": ("error",),
}
