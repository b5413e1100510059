"""TF1 Python to a case program: `tfscope new --from-python FILE`.

The snippet is parsed with `ast` and never run. Generic over the step table: a call maps to the
step whose `call` is its dotted name (`tf.variable_scope`, ...), `LABEL.M()` and
`tf.get_variable_scope().M()` to a step whose call is the method name `M`, and `for _ in
range(N):` to `repeat`. Each argument value is the one the argument type renders back to the
same code (its `to_py`), found among candidates read off the code and the type's schema (and
from the type's own inverse, an optional `from_py(code text) -> value`, for renderings no
candidate reaches); what has no such value is refused with its line.

The subset: `import`s and `print(...)` (ignored), `with CALL [as NAME], ...:`, `NAME = CALL`,
`CALL`, `pass`; positional arguments are named by the API index's signature of the called name
(harness/api.py); optimizers (`tf.train.AdamOptimizer(0.1)`, from the step that renders that
name) and `.minimize(...)`; values that are literals, earlier `as`/assignment names, `tf.X`
constants and calls the argument types render. Python that only computes names is resolved
statically (pyknown.py): module constants (but a value the code changes in place, `called[0] =
...`, `.append(...)`, or indexes by a value known only at run time, `specs[i]` in a `for` step,
is a `let`), `%`/`.format`/f-strings and `+` over known values,
`if` on a known value (the branch taken), loops that carry a value from one iteration to the
next (`h = dense(h)`) over known values unrolled, a helper function (`def`) inlined at each call
with its parameters bound when that makes something known -- a parameter reaching a curated
step's argument (`tf.variable_scope(name)`) or its result doing so (`tf.get_variable(name_of(i))`)
-- and otherwise a `def` step, as written, called by `invoke` (so is one handed to TF as a value,
`custom_getter=f`, or a template's function with parameters); a name assigned again gets a
fresh label (`y`, `y_1`, ...).
Python that decides at run time stays Python: other loops are `for` steps (`for _ in range(N)`
whose body does not use the variable, `repeat`), an `if` on a value known only at run time an
`if` step (a name assigned in its branches gets one label), builtins of the allowlist `py.NAME`
calls and comprehensions `{comp: ...}` values.

Every problem of the file is reported in one run, each with its line and a way out. A call a
curated step says becomes that step; what no curated step says becomes a step of the generic
language (pygeneric.py): `tf.PATH: {args, kwargs}` for other API calls (and for a curated call
with arguments its step does not take), `LABEL.PATH: {...}` for methods of captures, `let:
{value: {op: ...}}` for operators (without `as` for a bare expression statement, `pairs[1]` in
a `try`), `snapshot`, and `catch:` for the `try` that renders it.
Without generic steps in the vocabulary, `generic_call`/`generic_let` refuse, naming the
construct.
"""

from __future__ import annotations

import ast
import functools
import itertools
from collections import Counter
from collections.abc import Sequence
from typing import Any

from . import api, generic, internals
from . import steps as vocabulary
from .curated import template_function
from .errors import UserError
from .pygeneric import NotAValue, Values, call_step
from .pyknown import Known, Unknown, literal

MAX_CANDIDATES = 256
IGNORED_CALLS = ("print", "tf.reset_default_graph")
# Functions of harness/facts.py that curated steps render through (render.HELPERS), with the TF
# call they wrap as their second argument.
HELPER_WRAPPERS = ("tfscope_checkpoint",)


class Refused(UserError):
    """Code the case format cannot express. The one `convert` raises is the file's first
    problem; its `problems` are all of them (each a Refused with its own line and way out)."""

    problems: list[Refused]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems = [self]


def dotted(node: ast.AST) -> str | None:
    """`tf.variable_scope` for the expression `tf.variable_scope`, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        base = dotted(node.func)  # `tf.Graph().as_default`: a call without arguments in a chain
        return f"{base}()" if base else None
    return None


class _Normal(ast.NodeTransformer):
    """Code compared by meaning: tuples as lists, keywords in name order, no positions."""

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        return ast.List(elts=[self.visit(e) for e in node.elts], ctx=ast.Load())

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        node.keywords.sort(key=lambda k: k.arg or "")
        return node


def normal(node: ast.AST | str) -> str:
    tree = ast.parse(node, mode="eval").body if isinstance(node, str) else node
    import copy
    return ast.dump(_Normal().visit(copy.deepcopy(tree)), include_attributes=False)


def _schema_constants(schema: Any) -> list[Any]:
    """Every enum/const value a type's schema names (zeros, auto_reuse, non_neg, float32...)."""
    out: list[Any] = []
    if isinstance(schema, dict):
        if "const" in schema:
            out.append(schema["const"])
        out += list(schema.get("enum", []))
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                out += _schema_constants(sub)
    return out


def _schema_keys(schema: Any) -> list[str]:
    """Keys of the one-key mappings a type's schema allows ({constant: X}, {fixed_size: N})."""
    out: list[str] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema:
            out += [k for k in schema["properties"] if k != "ref"]
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                out += _schema_keys(sub)
    return out


class Converter:
    def __init__(self, path: str) -> None:
        self.path = path
        self.labels: set[str] = set()
        self.origin: dict[str, str] = {}  # label -> the API path whose call made it
        self.wrapped = False  # converting the TF call inside tfscope_checkpoint(tf, ...)
        self.pending: list[dict] = []  # steps a statement needs first (a hoisted object)
        self.spent = 0  # unrolled iterations and inlined calls so far (spend)
        self.kinds: dict[str, str] = {}  # label -> what its step captures (layer, template...)
        self.problems: list[Refused] = []
        self.known = Known()
        self.functions: dict[str, ast.FunctionDef] = {}
        self.classes: set[str] = set()  # class steps converted (class_step): bases of others
        self.file_names: set[str] = set()  # the names of the whole file (convert_case)
        self.value_names: set[str] = set()  # names the file uses as values (_value_names)
        self.stores: Counter[str] = Counter()  # how often the file assigns each name
        self.def_labels: set[str] = set()  # labels the converted methods' bodies took
        self.inlining: list[str] = []  # the helper functions being inlined (no recursion)
        # The functions not made def steps when only called (_inlined); None: every such
        # function is inlined (a def body's converter, pydef.py, inlines the script's helpers).
        self.inlined: set[str] | None = None
        # Names kept as labels (`let`), never constants folded into their reads: those the
        # code changes in place (`called[0] = ...`, `.append(...)`: a value known when the code
        # is read would be the first one only), and constants indexed by run-time values.
        self.lets: set[str] = set()
        # Per inlined call: the caller's target for `return X`, and the caller's scope.
        self.returns: list[tuple[ast.expr | None, Known]] = []
        self.calls = {s.call: s for s in vocabulary.STEPS.values()
                      if not s.test_only and s.call.startswith("tf.")}
        self.methods = {s.call: s for s in vocabulary.STEPS.values()
                        if not s.test_only and "." not in s.call and s.kind != "repeat"}
        self.repeat = next((s for s in vocabulary.STEPS.values() if s.call == "range"), None)
        self.heads = _rendered_heads()
        self.branching = 0  # inside the branches of an `if` step
        # `from tensorflow.python.ops import state_ops`: alias -> module (the case's imports:),
        # and the imports a case may not make, with why (said when the code uses them).
        self.imports: dict[str, str] = {}
        self.refused_imports: dict[str, str] = {}
        # What the code's own asserts claim: (the `let` step of the asserted value, its
        # label, the value asserted, the assert); see assertion.
        self.claims: list[tuple[dict, str, Any, ast.stmt]] = []

    def refuse(self, node: ast.AST, what: str, hint: str | None = None) -> Refused:
        return Refused(f"cannot express {what}", self.path, getattr(node, "lineno", None), hint)

    # -- values --

    def literal(self, node: ast.AST) -> Any:
        value = ast.literal_eval(node)

        def plain(v: Any) -> Any:
            if isinstance(v, (list, tuple)):
                return [plain(x) for x in v]
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            if isinstance(v, (complex, bytes, set)):
                raise ValueError(v)
            return v
        return plain(value)

    def candidates(self, node: ast.AST, argtype: vocabulary.ArgType) -> list[Any]:
        out: list[Any] = []
        inverse = getattr(argtype, "from_py", None)  # optional: code text -> value
        if inverse is not None:
            try:
                out.append(inverse(ast.unparse(node)))
            except (ValueError, TypeError, KeyError):
                pass
        try:
            out.append(self.literal(node))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
        if isinstance(node, ast.Name) and node.id in self.labels:
            out += [{"ref": node.id}, node.id]
        name = dotted(node)
        if name and name.startswith("tf."):
            last = name.rsplit(".", 1)[-1]
            out += [last, last.lower()]
        out += _schema_constants(argtype.schema)
        if isinstance(node, ast.Call):
            inner: list[Any] = [None]
            if node.args and not node.keywords and len(node.args) == 1:
                inner = self.candidates(node.args[0], argtype)[:8]
            elif node.keywords and not node.args:
                try:
                    inner = [{k.arg: self.literal(k.value) for k in node.keywords}]
                except (ValueError, TypeError, SyntaxError):
                    inner = []
            out += [{key: v} for key in _schema_keys(argtype.schema) for v in inner]
        if isinstance(node, ast.Call):
            # Renderings that read a capture (`getattr(s, 'original_name_scope', s)`) or carry
            # a literal through a helper (`tfscope_getter(tf, {...}, capture)`).
            out += [{"ref": n.id} for n in ast.walk(node)
                    if isinstance(n, ast.Name) and n.id in self.labels]
            for arg in node.args:
                try:
                    out.append(self.literal(arg))
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    pass
        if isinstance(node, (ast.Call, ast.Lambda)):
            # Renderings that carry one number inside (`lambda t: tf.multiply(0.1, ...)`).
            numbers = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant)][:8]
            out += [{key: v} for key in _schema_keys(argtype.schema) for v in numbers]
        if isinstance(node, ast.Dict) and node.keys and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
            keys = [k.value for k in node.keys]  # type: ignore[union-attr]
            options = [self.candidates(v, argtype)[:6] for v in node.values]
            for combo in itertools.islice(itertools.product(*options), MAX_CANDIDATES):
                out.append(dict(zip(keys, combo)))
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            options = [self.candidates(e, argtype)[:6] for e in node.elts]
            for combo in itertools.islice(itertools.product(*options), MAX_CANDIDATES):
                out.append(list(combo))
        return out

    def value(self, node: ast.AST, argtype: vocabulary.ArgType, what: str) -> Any:
        """The argument value that the type renders back to this very code."""
        want = normal(node)
        for candidate in self.candidates(node, argtype):
            if argtype.check(candidate) is not None:
                continue
            try:
                if normal(argtype.to_py(candidate)) == want:
                    return candidate
            except (SyntaxError, ValueError, TypeError, KeyError, AttributeError):
                continue
        ref = self.read_through(node, argtype)
        if ref is not None:
            return ref
        hint = None
        if isinstance(node, ast.Name):
            hint = f"`{node.id}` is not captured by an earlier step (`NAME = ...` or `as NAME`)"
        elif isinstance(node, (ast.Call, ast.BinOp, ast.Attribute, ast.Subscript)):
            hint = _generic_hint(node)
        raise self.refuse(node, f"`{ast.unparse(node)}` as {what} (a {argtype.name})", hint)

    def read_through(self, node: ast.AST, argtype: vocabulary.ArgType) -> dict | None:
        """{ref: L} for a type that reads something of the capture L (a name scope name reads
        a variable scope's `original_name_scope` and renders `getattr(L, '...', L)`): the code
        `L` itself, or `L.A` when the type's rendering reads the attribute A."""
        label = node.id if isinstance(node, ast.Name) else None
        attr = None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            label, attr = node.value.id, node.attr
        if label not in self.labels:
            return None
        candidate = {"ref": label}
        try:
            if argtype.check(candidate) is not None:
                return None
            rendered = argtype.to_py(candidate)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if attr is None or repr(attr) in rendered:
            return candidate
        return None

    # -- steps --

    def branches(self, bodies: list[list[ast.stmt]]) -> list[list[dict]]:
        """The steps of exclusive bodies (an `if`'s branches): each converted from the state
        before the `if`, so that a name assigned in two branches gets one label (the validator
        takes captures in exclusive branches as one place); afterwards every branch's labels
        are known, and each name stands for its label in the last branch that assigns it."""
        labels, kinds, names = set(self.labels), dict(self.kinds), dict(self.known.names)
        all_labels, all_kinds, after = set(labels), dict(kinds), dict(names)
        out = []
        self.branching += 1  # which branch runs is known only then: constants become `let`s
        try:
            for body in bodies:
                self.labels, self.kinds = set(labels), dict(kinds)
                self.known.names = dict(names)
                out.append(self.statements(body))
                all_labels |= self.labels
                all_kinds.update(self.kinds)
                after.update({k: v for k, v in self.known.names.items()
                              if names.get(k) is not v})
        finally:
            self.branching -= 1
        self.labels, self.kinds, self.known.names = all_labels, all_kinds, after
        return out

    def label(self, node: ast.AST | None) -> str | None:
        """The label for an assignment target: the Python name, or, when that name is taken
        (assigned again, in an unrolled loop or an inlined function) or cannot be a label, the
        name with the first free `_N` suffix; the Python name then stands for the new label."""
        if node is None:
            return None
        if not isinstance(node, ast.Name):
            raise self.refuse(node, f"the target `{ast.unparse(node)}`", "assign to one name")
        name = base = node.id
        n = 1
        while name in self.labels or not vocabulary.LABEL_RE.match(name) or \
                name in vocabulary.PY_KEYWORDS or name in ("graph", "tf"):
            name = f"{base}_{n}"
            n += 1
        self.known.bind(base, ast.Name(id=name, ctx=ast.Load()))
        return name

    def arguments(self, node: ast.Call, name: str, params: list | None,
                  spec: vocabulary.Step) -> list[tuple[str, ast.expr]]:
        """(argument name, value) pairs, positional ones named by the API index's signature of
        the called name (or, without one, by the step's own argument order)."""
        if any(isinstance(a, ast.Starred) for a in node.args) or \
                any(k.arg is None for k in node.keywords):
            raise self.refuse(node, "`*args` or `**kwargs`", "write the arguments out")
        own = [a[0] for a in spec.args]
        names = [p[0] for p in params if p[1] in ("pos", "arg")] if params is not None else own
        # A step may name an argument otherwise than this runtime's signature (`input` for
        # tf.reduce_sum's `input_tensor`): the step's name at that position then.
        names = [n if n in own or i >= len(own) else own[i] for i, n in enumerate(names)]
        if len(node.args) > len(names):
            raise self.refuse(node.args[len(names)],
                              f"positional argument {len(names) + 1} of `{name}`",
                              f"it takes {len(names)}; write the rest as keywords (name=...)")
        return list(zip(names, node.args)) + [(k.arg, k.value) for k in node.keywords]

    def call(self, node: ast.AST, target: ast.AST | None, body: bool) -> dict:
        """A step from a call expression (and what it is assigned to)."""
        node = self.known.substitute(node)
        if not isinstance(node, ast.Call):
            raise self.refuse(node, f"`{ast.unparse(node)}`", "only calls of TF functions")
        name = dotted(node.func)
        owner = node.func.value if isinstance(node.func, ast.Attribute) else None
        if isinstance(owner, ast.Call) and (owner.args or owner.keywords) and not body:
            # `tf.train.AdamOptimizer(0.1).minimize(loss)`: the object gets a step (and a
            # label) of its own first, then its method is called on the label
            base = (dotted(owner.func) or "obj").rsplit(".", 1)[-1].lower()
            hoisted = self.call(owner, ast.Name(id=base, ctx=ast.Store()), body=False)
            self.pending.append(hoisted)
            kind = next(k for k in hoisted if k != "do")
            label = hoisted[kind]["as"]
            node = ast.Call(func=ast.Attribute(value=ast.Name(id=label, ctx=ast.Load()),
                                               attr=node.func.attr, ctx=ast.Load()),  # type: ignore[union-attr]
                            args=node.args, keywords=node.keywords)
            name = dotted(node.func)
        if isinstance(node.func, ast.Attribute) and node.func.attr in self.methods:
            try:
                return self.method_call(node, target)
            except Refused:
                if not (generic_available() and isinstance(node.func.value, ast.Name) and
                        node.func.value.id in self.labels):
                    raise
                # the method with arguments its curated step does not take (var_list=a
                # generic capture): a generic method call
                return generic_call(self, node, target, body)
        if isinstance(node.func, ast.Name) and node.func.id in self.labels:
            return self.capture_call(node, target, body)
        if name in HELPER_WRAPPERS and len(node.args) == 2 and not node.keywords and \
                isinstance(node.args[1], ast.Call):
            # `tfscope_checkpoint(tf, tf.train.Saver(...))`: the step that renders so
            self.wrapped = True
            try:
                step = self.call(node.args[1], target, body)
            finally:
                self.wrapped = False
            kind = next(k for k in step if k != "do")
            shown = {k: v for k, v in step[kind].items() if k != "as"}
            if kind not in vocabulary.STEPS or \
                    normal(vocabulary.STEPS[kind].render(shown)) != normal(node):
                raise self.refuse(node, f"`{ast.unparse(node)}`",
                                  f"{name} is written by tfscope's export; call TF directly")
            return step
        spec, fixed = self.calls.get(name or ""), {}
        if spec is None and name in self.heads:
            spec, fixed = self.heads[name]
        if spec is None:
            return generic_call(self, node, target, body)
        if spec.body != body:
            raise self.refuse(node, f"`{name}` " + ("outside a `with`" if spec.body
                                                    else "as a `with` context"))
        entry = _api_entry(name)
        written = self.arguments(node, name, entry.get("params") if entry else None, spec)
        args: dict[str, Any] = dict(fixed)
        problems = []
        for arg, value in written:
            try:
                if arg not in spec.arg_names:
                    raise self.refuse(value, f"the argument `{arg}` of `{name}`",
                                      "supported: " + ", ".join(a for a in spec.arg_names
                                                                if a not in fixed))
                args[arg] = self.value(value, spec.arg_type(arg), f"`{arg}`")
            except Refused as e:
                problems.append(e)
        if problems and generic_available():
            try:  # the call as a generic step: what the curated step cannot say
                return generic_call(self, node, target, body)
            except Refused:
                pass
        if problems:
            self.problems += problems[:-1]
            raise problems[-1]
        if generic_available() and not body and not self.wrapped and \
                _head(spec.render(args)) != name:
            # the step does more than this call (the saver step also writes a checkpoint):
            # the plain call is a generic step
            return generic_call(self, node, target, body)
        label = self.label(target)
        if label and not spec.captures:
            raise self.refuse(target, f"a result of `{name}`", "it returns nothing to check")
        if label:
            self.origin[label] = name
        return self.step(spec, args, label)

    def method_call(self, node: ast.Call, target: ast.AST | None) -> dict:
        spec = self.methods[node.func.attr]  # type: ignore[attr-defined]
        owner = node.func.value  # type: ignore[attr-defined]
        options: list[dict] = [{}]
        if isinstance(owner, ast.Name) and spec.args:
            options.insert(0, {spec.args[0][0]: owner.id})
        rest: list[tuple[str, ast.expr]] = []
        if node.args or node.keywords:
            if not (isinstance(owner, ast.Name) and owner.id in self.labels):
                raise self.refuse(node, f"arguments to `.{spec.call}()`",
                                  "call it on a name captured earlier")
            cls = self.origin.get(owner.id)
            entry = _api_entry(f"{cls}.{spec.call}") if cls else None
            params = entry.get("params") if entry else None
            if params is None:  # the step's own order after its owner
                params = [[a, "arg", True] for a, _ in spec.args[1:]]
            rest = self.arguments(node, f"{owner.id}.{spec.call}", params, spec)
        # The call as the step renders it: every argument by keyword.
        written = ast.Call(func=node.func, args=[], keywords=[
            ast.keyword(arg=k, value=v) for k, v in rest])
        for args in options:
            if not all(spec.arg_type(k).check(v) is None for k, v in args.items()) or \
                    not all(v in self.labels for v in args.values()):
                continue
            args = dict(args)
            for arg, value in rest:
                if arg not in spec.arg_names:
                    raise self.refuse(value, f"the argument `{arg}` of `.{spec.call}()`",
                                      "supported: " + ", ".join(spec.arg_names[1:]))
                args[arg] = self.value(value, spec.arg_type(arg), f"`{arg}`")
            try:
                rendered = normal(spec.render(args))
            except (KeyError, TypeError, ValueError, SyntaxError):
                continue
            if rendered == normal(written):
                return self.step(spec, args, self.label(target))
        raise self.refuse(node, f"`{ast.unparse(node)}`",
                          "call it on a name captured earlier, or on tf.get_variable_scope()")

    def capture_call(self, node: ast.Call, target: ast.AST | None, body: bool = False) -> dict:
        """`L(...)` of a capture: the step whose rendering calls its first argument (a layer
        called on a tensor, a template called); of an import alias bound to a function
        (`from tensorflow.contrib.framework.python.ops import arg_scope`, internals.bind), an
        `invoke`, a `with` block's too (`with arg_scope([...], ...):`)."""
        owner = node.func.id  # type: ignore[attr-defined]
        if owner in self.imports and generic_available():
            step = generic_call(self, node, target, body)
            key = next(iter(step))
            return {"invoke": dict(fn=key, **(step[key] or {}))} if key == owner else step
        for spec, own in itertools.product(self.methods.values(), (owner, {"ref": owner})):
            if not spec.args or spec.arg_type(spec.args[0][0]).check(own) is not None:
                continue
            first = spec.args[0][0]
            # the step must take a capture of this kind (a `template label`, a `layer class`)
            kind = self.kinds.get(owner, "").replace("_", " ")
            if not kind or not spec.arg_type(first).name.startswith(kind):
                continue
            names = [a for a, _ in spec.args[1:]]
            if len(node.args) > len(names) or any(k.arg not in names for k in node.keywords):
                continue
            args: dict[str, Any] = {first: own}
            try:
                for arg, value in list(zip(names, node.args)) + \
                        [(k.arg, k.value) for k in node.keywords]:
                    args[arg] = self.value(value, spec.arg_type(arg), f"`{arg}`")
                rendered = normal(spec.render(args))
            except (Refused, KeyError, TypeError, ValueError, SyntaxError):
                continue
            if rendered == normal(node):
                return self.step(spec, args, self.label(target))
        if self.kinds.get(owner) == "generic" and generic_available():
            # `dense(inputs)` of an object a generic step made (core_layers.Dense(...)):
            # `invoke: {fn: dense, ...}`, as the step key `dense:` would be no step
            step = generic_call(self, node, target, False)
            key = next(iter(step))
            return {"invoke": dict(fn=key, **(step[key] or {}))} if key == owner else step
        raise self.refuse(node, f"the call `{ast.unparse(node)}` of a capture",
                          "the curated steps call layers (L(x)) and templates (T())")

    def template(self, function: ast.FunctionDef, node: ast.Call, target: ast.expr) -> dict:
        """`T = tf.make_template(name, fn, ...)` of a helper `fn` without parameters: a
        `template` step whose body is fn's body (its last tensor is what it returns)."""
        spec = vocabulary.STEPS["template"]
        if function.args.args or function.args.vararg or function.args.kwarg:
            raise self.refuse(function, f"the parameters of the template function "
                              f"`{function.name}`", "a template step's function takes none")
        if not isinstance(target, ast.Name):
            raise self.refuse(node, "a template without a name", "assign it: T = ...")
        body = function.body
        if body and isinstance(body[-1], ast.Return):
            body = body[:-1]
        label = self.label(target)
        assert label is not None
        args: dict[str, Any] = {"_label": label}
        names = [a for a, _ in spec.args]
        # make_template(name_, func_, create_scope_now_, unique_name_, custom_getter_, **kw):
        # flags given by position are the same call as by keyword.
        positional = ["name", None, "create_scope_now", "unique_name", "custom_getter"]
        if len(node.args) > len(positional):
            raise self.refuse(node.args[len(positional)], "a sixth positional argument of "
                              "`tf.make_template`", "it takes five")
        # The step renders its function as _fn_LABEL: the script's own name for it is the same.
        fn = ast.Name(template_function(label), ast.Load())
        written = ast.Call(node.func, [*node.args[:1], fn], [
            ast.keyword(arg=f"{a}_", value=v) for a, v in zip(positional[2:], node.args[2:])
        ] + node.keywords)
        given = list(zip(positional, node.args)) + [
            (k.arg[:-1] if k.arg and k.arg.endswith("_") else k.arg, k.value)
            for k in node.keywords]
        for arg, value in given:
            if arg is None:
                continue
            if arg not in names:
                raise self.refuse(value, f"the argument `{arg}` of `tf.make_template`",
                                  "supported: " + ", ".join(names))
            args[arg] = self.value(value, spec.arg_type(arg), f"`{arg}`")
        if normal(spec.render(args)) != normal(written):
            raise self.refuse(node, f"`{ast.unparse(node)}`",
                              "write tf.make_template(name, fn, create_scope_now_=..., "
                              "unique_name_=...)")
        del args["_label"]
        outer = self.known
        self.known = outer.child()
        try:
            steps = self.statements(body)
        finally:
            self.known = outer
        step = self.step(spec, args, label)
        step["do"] = steps
        returned = function.body[-1].value if isinstance(function.body[-1], ast.Return) else None
        result = vocabulary.template_result(_kinded(steps))
        if returned is None or isinstance(returned, ast.Constant) and returned.value is None:
            fits = result is None
        else:
            resolved = self.known.substitute(returned)
            fits = isinstance(resolved, ast.Name) and resolved.id == result
        if not fits:
            self.problems.append(self.refuse(
                function.body[-1], f"the template function returning "
                f"`{ast.unparse(returned) if returned else 'None'}`",
                "a template step's function returns the last tensor its body captures"))
        return step

    def layer_class(self, stmt: ast.ClassDef) -> dict:
        """A class that is exactly what the `define_layer` step renders (a layer whose build adds
        the declared weights): that step, the weights read from its `add_weight` calls."""
        spec = vocabulary.STEPS["define_layer"]
        calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call) and
                 isinstance(n.func, ast.Attribute) and n.func.attr == "add_weight"]
        try:
            weights = [{k.arg: self.literal(k.value) for k in c.keywords} for c in calls]
        except (ValueError, TypeError, SyntaxError):
            weights = []
        want = ast.dump(stmt, include_attributes=False)
        for base in [None] + _schema_constants(spec.arg_type("base").schema):
            args: dict[str, Any] = {"class_name": stmt.name}
            if weights:
                args["weights"] = weights
            if base is not None:
                args["base"] = base
            if any(spec.arg_type(k).check(v) is not None for k, v in args.items()):
                continue
            try:
                rendered = ast.parse(spec.render(args)).body[0]
            except (SyntaxError, KeyError, TypeError, ValueError):
                continue
            if ast.dump(rendered, include_attributes=False) == want:
                self.known.names.pop(stmt.name, None)
                return self.step(spec, args, self.label(ast.Name(id=stmt.name)))
        raise self.refuse(stmt, f"the class `{stmt.name}`",
                          "the curated layer class (docs/writing-cases.md: define_layer), or "
                          "trace the script (--trace)")

    def class_step(self, stmt: ast.ClassDef) -> dict:
        """A class deriving from TF classes (an RNNCell, a tf.layers or Keras Layer, a Keras
        Model): a `class` step, each method's body converted as a traced def's source is
        (pydef.py: super().NAME, self.X = ..., if/else, calls)."""
        from . import pydef  # pydef builds on this module
        if stmt.decorator_list or stmt.keywords:
            raise self.refuse(stmt, f"the class `{stmt.name}` with decorators or keywords",
                              "trace the script (--trace)")
        bases = []
        for base in stmt.bases:
            name = dotted(base)
            if name and name.startswith("tf.") and api.lookup(name) and not api.refused(name):
                bases.append(name)
            elif isinstance(base, ast.Name) and base.id in self.classes:
                bases.append(base.id)
            else:
                raise self.refuse(base, f"the base `{ast.unparse(base)}` of `{stmt.name}`",
                                  "a tf.* class, or a class converted before")
        methods = []
        for item in stmt.body:
            if isinstance(item, ast.Pass) or (isinstance(item, ast.Expr) and
                                              isinstance(item.value, ast.Constant)):
                continue
            if not isinstance(item, ast.FunctionDef):
                raise self.refuse(item, f"a `{type(item).__name__}` in the class `{stmt.name}`",
                                  "a class step's body holds its methods")
            methods.append(self.method(stmt, item, pydef))
        self.known.names.pop(stmt.name, None)
        self.labels.add(stmt.name)
        self.kinds[stmt.name] = "generic"  # `X(...)` is an invoke (capture_call)
        self.classes.add(stmt.name)
        return {"class": {"name": stmt.name, "bases": bases}, "do": methods}

    def method(self, stmt: ast.ClassDef, item: ast.FunctionDef, pydef: Any) -> dict:
        prop = [ast.unparse(d) for d in item.decorator_list] == ["property"]
        if item.decorator_list and not prop:
            raise self.refuse(item, f"the decorated method `{item.name}`",
                              "trace the script (--trace)")
        if item.name.startswith("__") and item.name not in generic.DUNDER_METHODS:
            raise self.refuse(item, f"the method `{item.name}`",
                              "a class step's dunder methods: " +
                              ", ".join(generic.DUNDER_METHODS))
        step = self.def_step(item, pydef, stmt.name)
        if prop:
            step["def"]["property"] = True
        return step

    def def_step(self, item: ast.FunctionDef, pydef: Any, class_name: str | None) -> dict:
        """A `def` step: a method of a class step, or a script function TF is handed as a
        value (a custom getter, a partitioner, a loss callable), its body converted as a
        traced def's source is (pydef.py)."""
        where = f"{class_name}.{item.name}" if class_name else item.name
        a = item.args
        if a.kwonlyargs or getattr(a, "posonlyargs", None):
            raise self.refuse(item, f"the parameters of `{item.name}`",
                              "positional parameters, *args and **kwargs")
        params: list[Any] = []
        defaults = [None] * (len(a.args) - len(a.defaults)) + list(a.defaults)
        for arg, default in zip(a.args, defaults):
            params.append(arg.arg if default is None else
                          {"name": arg.arg, "default": self.default(default)})
        if a.vararg:
            params.append("*" + a.vararg.arg)
        if a.kwarg:
            params.append("**" + a.kwarg.arg)
        own = {p if isinstance(p, str) else p["name"] for p in params}
        bindings: dict[str, Any] = {}
        for node in ast.walk(item):
            if not isinstance(node, ast.Name) or node.id in own or node.id in bindings:
                continue
            if node.id == "tf":
                bindings["tf"] = {"tf": ""}
            elif node.id in self.labels:
                bindings[node.id] = {"ref": node.id}
            else:
                try:
                    bindings[node.id] = self.known.value(node)
                except Unknown:
                    pass
        record = {"text": ast.unparse(item), "line": item.lineno, "file": self.path,
                  "bindings": bindings, "class_name": class_name}
        try:
            # labels are one namespace for facts: each method's body takes its own
            # The names only this function assigns stay as written; the others the file's
            # code assigns too, so the body's labels take other ones.
            inside = _stores(item)
            names = self.file_names - {n for n, k in inside.items() if self.stores[n] == k}
            taken = (set(self.labels) | names | self.def_labels) - own
            before = set(taken)
            body = pydef.convert_def(record, params, taken, set(self.labels))
            self.def_labels |= taken - before  # the labels this body took, not the file's names
        except Refused as e:
            raise self.refuse(item, f"the {'method' if class_name else 'function'} "
                              f"`{where}` ({e.message})",
                              e.hint or "trace the script (--trace)") from None
        head: dict[str, Any] = {"name": item.name, "params": params}
        return {"def": head, "do": body}

    def def_step_or_none(self, stmt: ast.FunctionDef) -> dict | None:
        """The def step of a function only called, or None (nothing changed) when its body is
        not one a def step says: it is then inlined at each call."""
        from . import pydef  # pydef builds on this module
        saved = (set(self.labels), dict(self.kinds), set(self.def_labels), list(self.problems))
        self.labels.add(stmt.name)  # before its body: a recursive call reaches it
        self.kinds[stmt.name] = "generic"
        try:
            return self.def_step(stmt, pydef, None)
        except Refused:
            self.labels, self.kinds, self.def_labels, self.problems = saved
            return None

    def default(self, node: ast.expr) -> Any:
        """A parameter's default: a literal, else a value form (`dtype=tf.float32`)."""
        try:
            return self.literal(node)
        except (ValueError, TypeError, SyntaxError):
            pass
        try:
            return _values(self).value(node)
        except NotAValue as e:
            raise self.refuse(e.node, f"{e.what} in the default `{ast.unparse(node)}`",
                              e.hint) from None

    def step(self, spec: vocabulary.Step, args: dict, label: str | None) -> dict:
        if label:
            args["as"] = label
            self.labels.add(label)
            self.kinds[label] = spec.captures or ""
        return {spec.kind: args}

    def statements(self, body: list[ast.stmt]) -> list[dict]:
        """The steps of a block; a statement that cannot be converted is recorded as a problem
        (every problem of the file is reported at once) and the rest goes on."""
        out: list[dict] = []
        for stmt in body:
            try:
                steps = self.statement(stmt)
                out += self.pending + steps
            except Refused as e:
                self.problems.append(e)
            self.pending = []
        return out

    def assertion(self, stmt: ast.Assert | ast.Expr) -> list[dict]:
        """`assert A == LITERAL` (or `self.assertEqual(A, LITERAL)`, assertIs, assertTrue,
        ...): what the code claims. A `let` of the asserted value at that point of the
        program, and the claim in `expect` (see claims_of): the source's own words, never TF's
        output."""
        how, args = assertion_parts(self, stmt)
        expected: Any = True
        if how == "==":
            for i, side in enumerate(args):
                try:
                    expected = self.literal(literal(self.known.value(side)))
                except (Unknown, ValueError, TypeError, SyntaxError):
                    continue
                value = args[1 - i]
                break
            else:
                value = ast.Compare(args[0], [ast.Eq()], [args[1]])
        elif how == "is":
            value = ast.Compare(args[0], [ast.Is()], [args[1]])
        elif how == "none":
            value = ast.Compare(args[0], [ast.Is()], [ast.Constant(None)])
        else:  # true, false: what the truth of the value is
            value, expected = ast.Call(ast.Name("bool", ast.Load()), [args[0]], []), how == "true"
        value = ast.copy_location(value, stmt)
        ast.fix_missing_locations(value)
        step = generic_let(self, self.known.substitute(value),
                           ast.Name(id="assert", ctx=ast.Store()))
        self.claims.append((step, step["let"]["as"], expected, stmt))
        return [step]

    def import_from(self, stmt: ast.ImportFrom) -> None:
        """`from tensorflow.python.X import M [as A]`: A names the internal module the case
        imports (harness/internals.py); other imports are left to the code that uses them."""
        if stmt.level or not stmt.module or not stmt.module.startswith("tensorflow."):
            return
        for alias in stmt.names:
            name = alias.asname or alias.name
            module = f"{stmt.module}.{alias.name}"
            reason = internals.refused_module(module)
            if reason is None and name not in vocabulary.PY_KEYWORDS and \
                    name not in ("graph", "py", "tf"):
                self.imports[name] = module
                self.labels.add(name)
            else:
                self.refused_imports[name] = reason or f"`{name}` cannot be a label"

    def statement(self, stmt: ast.stmt) -> list[dict]:
        if isinstance(stmt, ast.Assert) or isinstance(stmt, ast.Expr) and \
                assertion_call(stmt.value) is not None:
            return self.assertion(stmt)
        if isinstance(stmt, ast.ImportFrom):
            self.import_from(stmt)
            return []
        if isinstance(stmt, (ast.Import, ast.Pass)):
            return []
        if isinstance(stmt, ast.FunctionDef):
            if stmt.decorator_list:
                raise self.refuse(stmt, f"the decorated function `{stmt.name}`",
                                  "remove the decorator, or trace the script (--trace)")
            self.known.names.pop(stmt.name, None)
            if stmt.name in self.value_names and generic_available():
                # TF calls it (custom_getter=f, partitioner=f, minimize(f)): a def step, as
                # inlining has no call to expand
                from . import pydef  # pydef builds on this module
                self.functions.pop(stmt.name, None)
                self.labels.add(stmt.name)  # before its body: a recursive call reaches it
                self.kinds[stmt.name] = "generic"
                return [self.def_step(stmt, pydef, None)]
            if self.inlined is not None and stmt.name not in self.inlined and \
                    generic_available() and not self.inlining and not self.returns:
                # only called, and nothing per call to make known: a def step, as written
                kept = self.def_step_or_none(stmt)
                if kept is not None:
                    return [kept]
            self.functions[stmt.name] = stmt
            return []
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant):  # a docstring
                return []
            if isinstance(stmt.value, ast.Call) and dotted(stmt.value.func) in IGNORED_CALLS:
                return []
            if self.helper(stmt.value):
                return self.inline(stmt.value, None)  # type: ignore[arg-type]
            if not isinstance(self.known.substitute(stmt.value), ast.Call) and \
                    generic_available():
                # a bare expression (`grads_and_vars[1]` in a `try`, for its error): a `let`
                # without a label
                return [generic_let(self, self.known.substitute(stmt.value), None)]
            return [self.call(stmt.value, None, body=False)]
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1:
                raise self.refuse(stmt, "a chained assignment", "assign to one name")
            return self.assign(stmt.targets[0], stmt.value)
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            # `x += y` as `x = x + y` (the same for the values TF tests accumulate: names, lists
            # built in place), so `expected_names += [...]` converts
            value = ast.copy_location(ast.BinOp(left=ast.Name(id=stmt.target.id, ctx=ast.Load()),
                                                op=stmt.op, right=stmt.value), stmt)
            return self.assign(ast.Name(id=stmt.target.id, ctx=ast.Store()), value)
        if isinstance(stmt, ast.With):
            return [self.with_items(stmt.items, stmt.body)]
        if isinstance(stmt, ast.For):
            return self.loop(stmt)
        if isinstance(stmt, ast.If):
            try:
                test = self.known.value(stmt.test)
            except Unknown:
                if generic_available():
                    return [if_step(self, stmt)]
                raise self.refuse(stmt, f"`if {ast.unparse(stmt.test)}:` on a value known only "
                                  "when the code runs", "trace the script (--trace)") from None
            return self.statements(stmt.body if test else stmt.orelse)
        if isinstance(stmt, ast.ClassDef):
            try:
                return [self.layer_class(stmt)]
            except Refused:
                if not generic_available():
                    raise
            return [self.class_step(stmt)]
        if isinstance(stmt, ast.Try):
            return catch_step(self, stmt)
        if isinstance(stmt, ast.Return):
            if not self.returns:
                raise self.refuse(stmt, "`return` outside a helper function")
            target, outer = self.returns[-1]
            if target is None or stmt.value is None:
                return []
            return self.assign_result(target, stmt.value, outer)
        raise self.refuse(stmt, f"a `{type(stmt).__name__}` statement",
                          "the subset: with, for, def, if on known values, NAME = CALL, CALL; "
                          "or trace the script (--trace)")

    def assign(self, target: ast.expr, value: ast.expr) -> list[dict]:
        if isinstance(target, (ast.Tuple, ast.List)):  # `A, B = 1, 2` of known values
            try:
                known = self.known.value(value)
            except Unknown:
                return self.unpack(target, value)
            self.bind_target(target, known)
            return []
        if isinstance(target, ast.Name) and not self.branching and \
                target.id not in self.lets:
            try:  # a constant (module level, or local): known from now on
                self.known.bind(target.id, literal(self.known.value(value)))
                return []
            except Unknown:
                pass
            resolved = self.known.substitute(value)
            if isinstance(resolved, ast.Name) and resolved.id in self.labels:
                self.known.bind(target.id, resolved)  # another name for a capture
                return []
        if self.helper(value):
            return self.inline(value, target)  # type: ignore[arg-type]
        if isinstance(value, ast.Call) and dotted(value.func) == "tf.make_template":
            if len(value.args) >= 2 and isinstance(value.args[1], ast.Name) and \
                    value.args[1].id in self.functions:
                return [self.template(self.functions[value.args[1].id], value, target)]
            if generic_available():  # of a def step (a function with parameters): a value
                return [generic_call(self, self.known.substitute(value), target, False)]
        if not isinstance(value, ast.Call):
            return [generic_let(self, self.known.substitute(value), target)]
        return [self.call(value, target, body=False)]

    def spend(self, node: ast.AST, n: int) -> None:
        """Unrolled iterations and inlined calls, counted over the file: nested loops and
        helpers calling helpers multiply, and the program must stay a readable size."""
        self.spent += n
        if self.spent > MAX_EXPANSION:
            raise self.refuse(node, "this much unrolling and inlining",
                              f"at most {MAX_EXPANSION} unrolled iterations and inlined calls "
                              "per file; trace the script (--trace)")

    def unpack(self, target: ast.Tuple | ast.List, value: ast.expr) -> list[dict]:
        """`outputs, state = tf.nn.dynamic_rnn(...)`: the step's `as:` is the target list, each
        name a label bound to its item, as Python unpacks."""
        def names(node: ast.AST) -> bool:
            return isinstance(node, ast.Name) or isinstance(node, (ast.Tuple, ast.List)) and \
                bool(node.elts) and all(names(e) for e in node.elts)
        if not names(target) or self.helper(value) or not generic_available():
            raise self.refuse(target, f"the target `{ast.unparse(target)}` of a value known "
                              "only when the code runs", "assign to one name")
        resolved = self.known.substitute(value)
        values = _values(self)
        try:  # the value first: it reads the names as they were (`a, b = b, a`)
            step = call_step(values, resolved, None) if isinstance(resolved, ast.Call) else \
                {"let": {"value": values.value(resolved)}}
        except NotAValue as e:
            raise self.refuse(e.node, f"{e.what} in `{ast.unparse(value)}`", e.hint) from None

        def labels(node: ast.AST) -> Any:
            if isinstance(node, ast.Name):
                label = self.label(node)
                self.labels.add(label)  # type: ignore[arg-type]
                self.kinds[label] = "generic"  # type: ignore[index]
                return label
            return [labels(e) for e in node.elts]  # type: ignore[attr-defined]
        key = next(iter(step))
        if key in self.labels:  # a capture called (`g, _ = cell(x, m)`): no step is named so
            step = {"invoke": dict(fn=key, **(step[key] or {}))}
            key = "invoke"
        step[key] = dict(step[key] or {}, **{"as": labels(target)})
        return [step]

    # -- helper functions, inlined at each call --

    def helper(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in self.functions and node.func.id not in self.known.names

    def inline(self, node: ast.Call, target: ast.expr | None) -> list[dict]:
        """The body of a helper function with its parameters bound to the call's arguments;
        `return X` binds the call's target to X (a capture or a known value)."""
        function = self.functions[node.func.id]  # type: ignore[attr-defined]
        if function.name in self.inlining or len(self.inlining) > 16:
            raise self.refuse(node, f"the recursive call of `{function.name}`")
        params = function.args
        if params.vararg or params.kwarg or params.kwonlyargs or params.posonlyargs:
            raise self.refuse(function, f"the parameters of `{function.name}`",
                              "use plain parameters (no *args, **kwargs, keyword-only)")
        names = [a.arg for a in params.args]
        defaults = dict(zip(names[len(names) - len(params.defaults):], params.defaults))
        if len(node.args) > len(names) or any(k.arg not in names for k in node.keywords):
            raise self.refuse(node, f"the arguments of `{function.name}(...)`",
                              f"it takes {', '.join(names) or 'none'}")
        given = dict(zip(names, node.args))
        given.update({k.arg: k.value for k in node.keywords})  # type: ignore[misc]
        scope = self.known.child()
        for name in names:
            if name not in given and name not in defaults:
                raise self.refuse(node, f"`{function.name}(...)` without `{name}`")
            scope.bind(name, self.known.substitute(given.get(name, defaults.get(name))))
        self.spend(node, 1)
        outer, self.known = self.known, scope
        self.inlining.append(function.name)
        self.returns.append((target, outer))
        try:
            loops = [n for s in function.body for n in ast.walk(s)
                     if isinstance(n, (ast.For, ast.While))]
            early = [n for loop in loops for n in ast.walk(loop) if isinstance(n, ast.Return)]
            if early:
                raise self.refuse(early[0], f"a `return` inside a loop of `{function.name}`",
                                  "return after the loop")
            return self.statements(function.body)
        finally:
            self.known = outer
            self.inlining.pop()
            self.returns.pop()

    def assign_result(self, target: ast.expr, value: ast.expr, outer: Known) -> list[dict]:
        """`target = helper(...)`: the helper's returned expression, converted in the helper's
        scope, bound to the target in the caller's scope."""
        inner = self.known
        steps = self.assign(target, value)
        if isinstance(target, ast.Name) and target.id in inner.names:
            outer.bind(target.id, inner.names[target.id])
        return steps

    # -- blocks --

    def with_items(self, items: list[ast.withitem], body: list[ast.stmt]) -> dict:
        first, rest = items[0], items[1:]
        step = self.call(first.context_expr, first.optional_vars, body=True)
        step["do"] = [self.with_items(rest, body)] if rest else self.statements(body)
        return step

    def loop(self, stmt: ast.For) -> list[dict]:
        """`for _ in range(N)` whose body does not use the variable: `repeat`; any other loop
        whose body carries no value from one iteration to the next: a `for` step over the same
        iterable (its target's labels bound per iteration); a loop that carries one, over known
        values (range(...), a list or tuple of literals): unrolled, the variable bound to each
        value in turn (its names, `'layer%d' % i`, are then known)."""
        if stmt.orelse:
            raise self.refuse(stmt, "a `for ... else`", "move the `else` body after the loop")
        names = [n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)]
        used = any(isinstance(n, ast.Name) and n.id in names
                   for s in stmt.body for n in ast.walk(s))
        # A name the body assigns and reads carries a value from one iteration to the next
        # (`h = dense(h)`): a `repeat` or `for` step would run every iteration on the first
        # value (the body's assignment gets a label of its own); unroll.
        carried = _carried(stmt.body)
        it = stmt.iter
        if generic_available() and not carried and (used or not (
                self.repeat is not None and isinstance(stmt.target, ast.Name) and
                isinstance(it, ast.Call) and dotted(it.func) == "range" and len(it.args) == 1)):
            return [for_step(self, stmt)]
        try:
            values = self.loop_values(stmt.iter)
        except Unknown:
            raise self.refuse(stmt, f"a loop over `{ast.unparse(stmt.iter)}`",
                              "loop over range(N) or a list of literals") from None
        if self.repeat is not None and not used and not carried and \
                isinstance(stmt.target, ast.Name) and \
                isinstance(it, ast.Call) and dotted(it.func) == "range" and len(it.args) == 1:
            count = self.value(self.known.substitute(it.args[0]), self.repeat.args[0][1],
                               "the loop count")
            return [{self.repeat.kind: count, "do": self.statements(stmt.body)}]
        if len(values) > MAX_UNROLL:
            raise self.refuse(stmt, f"a loop of {len(values)} iterations",
                              f"at most {MAX_UNROLL} are unrolled")
        self.spend(stmt, len(values))
        out: list[dict] = []
        for value in list(values):
            self.bind_target(stmt.target, value)
            out += self.statements(stmt.body)
        return out

    def loop_values(self, node: ast.expr) -> Sequence[Any]:
        node = self.known.substitute(node)
        if isinstance(node, ast.Call) and dotted(node.func) in ("range", "enumerate", "zip") \
                and not node.keywords:
            args = [self.known.value(a) for a in node.args]
            if node.func.id == "range":  # type: ignore[attr-defined]
                if not all(isinstance(a, int) for a in args) or not 1 <= len(args) <= 3:
                    raise Unknown("range")
                return range(*args)  # listed once its size is checked
            if node.func.id == "enumerate" and len(args) == 1:  # type: ignore[attr-defined]
                return [(n, v) for n, v in enumerate(args[0])]
            if node.func.id == "zip":  # type: ignore[attr-defined]
                return [tuple(v) for v in zip(*args)]
            raise Unknown("call")
        value = self.known.value(node)
        if not isinstance(value, (list, tuple)):
            raise Unknown("not a sequence")
        return list(value)

    def bind_target(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.known.bind(target.id, literal(value))
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (list, tuple)) \
                and len(value) == len(target.elts):
            for t, v in zip(target.elts, value):
                self.bind_target(t, v)
        else:
            raise self.refuse(target, f"the loop target `{ast.unparse(target)}`")


MAX_UNROLL = 64


def _carried(body: list[ast.stmt]) -> bool:
    """Whether a loop body reads a name before assigning it (in execution order: an assignment
    stores after its value is read), so that an iteration sees the previous one's value."""
    first_store: dict[str, tuple[int, int]] = {}
    loads: list[tuple[str, tuple[int, int]]] = []
    targets: set[int] = set()  # assignment targets: stored at the assignment's end
    # A comprehension's own variables (`[v.name for v in vs]`: `v` read before the `for`
    # that binds it) live in its scope: no value of them outlives an iteration.
    local: set[int] = set()
    for node in (n for stmt in body for n in ast.walk(stmt)):
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            own = {n.id for g in node.generators for n in ast.walk(g.target)
                   if isinstance(n, ast.Name)}
            local |= {id(n) for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in own}
    for stmt in body:
        for node in ast.walk(stmt):
            if id(node) in local:
                continue
            if isinstance(node, ast.Assign):
                end = (node.end_lineno or 0, node.end_col_offset or 0)
                for target in node.targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            targets.add(id(name))
                            first_store[name.id] = min(first_store.get(name.id, end), end)
            elif id(node) in targets:
                continue
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                at = (node.lineno, node.col_offset)
                first_store[node.id] = min(first_store.get(node.id, at), at)
            elif isinstance(node, ast.Name):
                loads.append((node.id, (node.lineno, node.col_offset)))
    return any(name in first_store and at < first_store[name] for name, at in loads)
MAX_EXPANSION = 1024


def _head(code: str) -> str | None:
    """The called name of rendered code's last line (`tf.train.Saver` in `tf.train.Saver(...)`,
    `tfscope_checkpoint` in `tfscope_checkpoint(tf, tf.train.Saver(...))`)."""
    try:
        tree = ast.parse(code.split("\n")[-1], mode="eval").body
    except SyntaxError:
        return None
    return dotted(tree.func) if isinstance(tree, ast.Call) else None


def _kinded(program: list[dict]) -> list[dict]:
    """Steps as written ({KIND: {..., as: L}, do: [...]}) in the loaded form that the step table's
    helpers read ({kind: KIND, as: L, do: [...]})."""
    out = []
    for step in program:
        kind = next(k for k in step if k not in ("do",) + vocabulary.BRANCH_KEYS)
        args = step[kind] if isinstance(step[kind], dict) else {}
        item = {"kind": kind, "as": args.get("as"), "do": _kinded(step.get("do", []))}
        if step.get("elif"):
            item["elif"] = [{"do": _kinded(b.get("do", []))} for b in step["elif"]]
        if "else" in step:
            item["else"] = _kinded(step["else"])
        out.append(item)
    return out


def _api_entry(name: str | None) -> dict | None:
    """The reference runtime's index entry of an API path (or any runtime's), if indexed."""
    if not name or not name.startswith("tf."):
        return None
    found = api.lookup(name)
    return found.get(api.REFERENCE) or next(iter(found.values()), None)


@functools.lru_cache(maxsize=1)
def _rendered_heads() -> dict[str, tuple[vocabulary.Step, dict]]:
    """Calls that a step renders under a name other than its `call` (the optimizer step's
    `kind: adam` is `tf.train.AdamOptimizer(...)`): the called name -> (step, the arguments the
    name fixes), found by rendering each step with each value of its enumerated first argument."""
    heads: dict[str, tuple[vocabulary.Step, dict]] = {}
    for spec in vocabulary.STEPS.values():
        if spec.test_only or not spec.args or spec.body:
            continue
        first, argtype = spec.args[0]
        for value in _schema_constants(argtype.schema):
            if not isinstance(value, str):
                continue
            try:
                code = ast.parse(spec.render({first: value}), mode="eval").body
            except Exception:  # a renderer that needs more arguments: not such a step
                continue
            name = dotted(code.func) if isinstance(code, ast.Call) else None
            if name and name.startswith("tf.") and name != spec.call:
                heads.setdefault(name, (spec, {first: value}))
    return heads


# --- the generic step language (harness/generic.py) ----------------------------------------------
# What no curated step says becomes a generic step (`tf.PATH: {...}`, `let: {value: {op: ...}}`,
# `LABEL.method: {...}`) once the generic steps are in the vocabulary; until then it is refused,
# naming the construct.

def generic_available() -> bool:
    return bool(getattr(generic, "STEPS", None))


def _generic_hint(node: ast.AST) -> str:
    if generic_available():
        return "write it as a step of its own (`x = ...`), or trace the script (--trace)"
    return ("the generic step language is not available yet; use a curated step "
            "(docs/writing-cases.md) or trace the script (--trace)")


def _values(converter: Converter) -> Values:
    return Values(lambda name: name in converter.labels)


def generic_call(converter: Converter, node: ast.Call, target: ast.expr | None,
                 body: bool) -> dict:
    """A call no curated step says: `tf.PATH: {...}`, `LABEL.PATH: {...}` or `invoke:`."""
    name = dotted(node.func) or ast.unparse(node.func)
    if name.startswith("tf.") and not api.lookup(name):
        close = api.suggest(name)
        raise converter.refuse(node, f"a call of `{name}`: not a TF1 API name",
                               f"did you mean {', '.join(close)}?" if close else
                               "check the spelling against the TF 1.x API")
    if name.startswith("tf."):
        reason = api.refused(name)
        if reason:
            raise converter.refuse(node, f"a call of `{name}` ({reason})")
    what = "a method call" if not name.startswith("tf.") and "." in name else "a call"
    root = name.split(".")[0].split("(")[0]
    if root in converter.refused_imports:
        raise converter.refuse(node, f"a call of `{name}`: the module `{root}` cannot be "
                               f"imported by a case ({converter.refused_imports[root]})",
                               "the modules a case may import: docs/case-format.md, "
                               "\"Internal modules\"")
    builtin = isinstance(node.func, ast.Name) and _values(converter).builtin(node.func)
    if root != "tf" and root not in converter.labels and name != "tfscope_snapshot" and \
            not builtin and isinstance(node.func, (ast.Name, ast.Attribute)):
        what = "a call"
        raise converter.refuse(node, f"{what} of `{name}`: `{root}` is neither TensorFlow (`tf`) "
                               "nor captured by an earlier step",
                               "the static converter reads TF calls; write the value as a "
                               "literal, or trace the script (--trace)")
    if not generic_available():
        raise converter.refuse(node, f"{what} of `{name}` (no curated step)",
                               _generic_hint(node))
    if name == "tfscope_snapshot" and not body:
        label = converter.label(target)
        return converter.step(vocabulary.STEPS["snapshot"], {}, label) if label else \
            _refuse_value(converter, node, "a snapshot without a name")
    try:
        step = call_step(_values(converter), node, None)
    except NotAValue as e:
        raise converter.refuse(e.node, f"{e.what} in {what} of `{name}`", e.hint) from None
    label = converter.label(target)
    if label:
        key = next(iter(step))
        step[key] = dict(step[key] or {}, **{"as": label})
        converter.labels.add(label)
        converter.kinds[label] = "generic"
    return step


def for_step(converter: Converter, stmt: ast.For) -> dict:
    """`for TARGET in ITER: BODY` as a `for` step: the target's names are labels (captured per
    iteration) that the body's values refer to."""
    values = _values(converter)
    iterable = converter.known.substitute(stmt.iter)
    try:
        over = values.value(iterable)
    except NotAValue as e:
        raise converter.refuse(stmt, f"a loop over `{ast.unparse(stmt.iter)}` ({e.what})",
                               e.hint or "loop over range(N), a list or a captured value"
                               ) from None

    def target(node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            bound = converter.known.names.get(node.id)
            if isinstance(bound, ast.Name) and converter.kinds.get(bound.id) == "generic":
                return bound.id  # a loop variable again (`for v in a: ...`, `for v in b: ...`)
            label = converter.label(node)
            converter.labels.add(label)  # type: ignore[arg-type]
            converter.kinds[label] = "generic"  # type: ignore[index]
            return label
        if isinstance(node, (ast.Tuple, ast.List)) and node.elts:
            return [target(e) for e in node.elts]
        raise converter.refuse(node, f"the loop target `{ast.unparse(node)}`",
                               "loop over names: `for i, x in ...`")
    args: dict[str, Any] = {"in": over}
    throwaway = isinstance(stmt.target, ast.Name) and stmt.target.id == "_" and not any(
        isinstance(n, ast.Name) and n.id == "_" for s in stmt.body for n in ast.walk(s))
    if not throwaway:  # `for _ in ...` whose body never reads `_`: no target to capture
        args["as"] = target(stmt.target)
    return {"for": args, "do": converter.statements(stmt.body)}


def if_step(converter: Converter, stmt: ast.If) -> dict:
    """`if TEST: ... elif TEST: ... else: ...` on values known only when the code runs: an `if`
    step (each test a value; the branches exclusive)."""
    values = _values(converter)
    tests, bodies = [], []
    node: ast.stmt = stmt
    while True:
        try:
            tests.append(values.value(converter.known.substitute(node.test)))  # type: ignore
        except NotAValue as e:
            raise converter.refuse(node, f"`if {ast.unparse(node.test)}:` on {e.what}",  # type: ignore
                                   e.hint) from None
        bodies.append(node.body)  # type: ignore[attr-defined]
        orelse = node.orelse  # type: ignore[attr-defined]
        if len(orelse) == 1 and isinstance(orelse[0], ast.If):
            node = orelse[0]
            continue
        break
    has_else = bool(orelse)
    converted = converter.branches(bodies + ([orelse] if has_else else []))
    step: dict[str, Any] = {"if": tests[0], "do": converted[0]}
    if len(tests) > 1:
        step["elif"] = [{"if": t, "do": b} for t, b in zip(tests[1:], converted[1:])]
    if has_else:
        step["else"] = converted[-1]
    return step


def _repeat_without_i(program: list[dict], repeat: str) -> list[dict]:
    """`repeat` renders as `for i in range(N):`: beside a label `i`, the same loop is a `for`
    step without a target (`for _ in range(N):`)."""
    out = []
    for step in program:
        step = dict(step)
        for key in ("do", "else"):
            if key in step:
                step[key] = _repeat_without_i(step[key], repeat)
        if step.get("elif"):
            step["elif"] = [dict(b, do=_repeat_without_i(b.get("do", []), repeat))
                            for b in step["elif"]]
        if repeat in step:
            step = {"for": {"in": {"call": "py.range", "args": [step[repeat]]}},
                    "do": step.get("do", [])}
        out.append(step)
    return out


def _refuse_value(converter: Converter, node: ast.AST, what: str) -> dict:
    raise converter.refuse(node, what, "assign it: `x = ...`")


def generic_let(converter: Converter, value: ast.expr, target: ast.expr | None) -> dict:
    """`x = EXPR` for an expression that is not a call: `let: {value: ..., as: x}` (without
    `as` for the bare expression statement `EXPR`)."""
    shown = ast.unparse(value)
    kind = type(value).__name__
    what = {"BinOp": "the operator", "UnaryOp": "the operator", "Compare": "the comparison",
            "Subscript": "the indexing", "Attribute": "the attribute"}.get(kind, "the value")
    if not generic_available():
        raise converter.refuse(value, f"{what} `{shown}`", _generic_hint(value))
    try:
        found = _values(converter).value(value)
    except NotAValue as e:
        raise converter.refuse(e.node, f"{e.what} in `{shown}`", e.hint) from None
    if target is None:
        return {"let": {"value": found}}
    label = converter.label(target)
    assert label is not None
    converter.labels.add(label)
    converter.kinds[label] = "generic"
    return {"let": {"value": found, "as": label}}


def catch_step(converter: Converter, stmt: ast.Try) -> list[dict]:
    """`try: STEP  except Exception as e: L = e  else: L = None`: STEP with `catch: L`."""
    handler = stmt.handlers[0] if len(stmt.handlers) == 1 else None
    ok = generic_available() and handler is not None and len(stmt.body) >= 1 and \
        not stmt.finalbody and dotted(handler.type) == "Exception" and handler.name and \
        len(handler.body) == 1 and isinstance(handler.body[0], ast.Assign) and \
        isinstance(handler.body[0].value, ast.Name) and \
        handler.body[0].value.id == handler.name and len(stmt.orelse) == 1 and \
        isinstance(stmt.orelse[0], ast.Assign) and \
        ast.dump(stmt.orelse[0].targets[0]) == ast.dump(handler.body[0].targets[0]) and \
        isinstance(stmt.orelse[0].value, ast.Constant) and stmt.orelse[0].value.value is None
    if not ok:
        raise converter.refuse(stmt, "this `try`", "write `try: STEP` / `except Exception as "
                               "e: L = e` / `else: L = None` (a step with `catch: L`), or trace "
                               "the script (--trace)")
    steps = converter.statement(stmt.body[0]) if len(stmt.body) == 1 else []
    if len(steps) != 1:  # several statements (or one that is several steps): a `try` step
        steps = [{"try": {}, "do": converter.statements(stmt.body)}]
    label = converter.label(handler.body[0].targets[0])  # type: ignore[union-attr]
    step = steps[0]
    key = next(k for k in step if k != "do")
    step[key] = dict(step[key] or {}, catch=label)
    converter.labels.add(label)  # type: ignore[arg-type]
    converter.kinds[label] = "caught"  # type: ignore[index]
    return steps


def _stores(tree: ast.AST) -> Counter[str]:
    return Counter(n.id for n in ast.walk(tree)
                   if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))


def _value_names(tree: ast.AST) -> set[str]:
    """The names read other than as what a call calls: a function named so is handed to TF
    (or kept) as a value, so it becomes a def step rather than being inlined. The function of
    tf.make_template is left out when it takes no parameters: a template step holds its body
    (a template step's function takes none, so one with parameters is a def step too)."""
    with_params = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and (
        n.args.args or n.args.vararg or n.args.kwarg or n.args.kwonlyargs)}
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            skip.add(id(node.func))
            if dotted(node.func) == "tf.make_template":
                given = node.args[1:2] + [k.value for k in node.keywords if k.arg == "func_"]
                skip |= {id(a) for a in given
                         if not (isinstance(a, ast.Name) and a.id in with_params)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and
            isinstance(n.ctx, ast.Load) and id(n) not in skip}


MUTATORS = ("append", "extend", "insert", "remove", "pop", "clear", "update", "setdefault",
            "popitem", "add", "discard", "sort", "reverse")


def _mutated(tree: ast.AST) -> set[str]:
    """The names whose object the code changes in place: an item or attribute assigned or
    deleted (`called[0] = called[0] + 1`), or a list/dict/set method that changes it."""
    def base(node: ast.AST) -> str | None:
        while isinstance(node, (ast.Subscript, ast.Attribute)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in MUTATORS:
            name = base(node.func.value)
            if name is not None:
                out.add(name)
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, (ast.Subscript, ast.Attribute)) and isinstance(t.ctx, (
                        ast.Store, ast.Del)):
                    name = base(t)
                    if name is not None:
                        out.add(name)
    return out


def _curated_call(node: ast.Call) -> bool:
    """Whether a curated step says calls of this name (`tf.get_variable`, `tf.layers.Dense`,
    `.minimize`): its arguments are then values known when the code is read."""
    name = dotted(node.func)
    if name and name.startswith("tf."):
        return any(not getattr(s, "generic", False) and not s.test_only and s.call == name
                   for s in vocabulary.STEPS.values()) or name in _rendered_heads()
    return isinstance(node.func, ast.Attribute) and any(
        not getattr(s, "generic", False) and not s.test_only and s.kind != "repeat" and
        s.call == node.func.attr for s in vocabulary.STEPS.values())


def _reaches(nodes: Sequence[ast.AST], names: set[str], calls: set[str],
             sink: Any) -> bool:
    """Whether a value made from `names` or from calls of `calls` (directly, or through the
    names assigned from them) is an argument of a call `sink` accepts."""
    tainted = set(names)

    def mentions(node: ast.AST | None) -> bool:
        return node is not None and any(
            isinstance(n, ast.Name) and n.id in tainted or isinstance(n, ast.Call) and
            isinstance(n.func, ast.Name) and n.func.id in calls for n in ast.walk(node))
    flows: list[tuple[ast.AST | None, ast.AST]] = []  # (value, target)
    for node in (n for top in nodes for n in ast.walk(top)):
        if isinstance(node, ast.Assign):
            flows += [(node.value, t) for t in node.targets]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
            flows.append((node.value, node.target))
        elif isinstance(node, (ast.For, ast.comprehension)):
            flows.append((node.iter, node.target))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            flows.append((node.context_expr, node.optional_vars))
    grown = True
    while grown:
        grown = False
        for value, target in flows:
            new = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} - tainted
            if new and mentions(value):
                tainted |= new
                grown = True
    return any(isinstance(n, ast.Call) and sink(n) and (
        any(mentions(a) for a in n.args) or any(mentions(k.value) for k in n.keywords) or
        isinstance(n.func, ast.Attribute) and mentions(n.func.value))
        for top in nodes for n in ast.walk(top))


def _inlined(tree: ast.Module, values: set[str]) -> set[str]:
    """The module's functions that are inlined at each call (or held by a template step) rather
    than written as def steps: those whose calls make something known that a def step's body
    could only compute when it runs -- a parameter that reaches the arguments of a curated step
    (`tf.variable_scope(name)`: the scope's name known per call), or a result that does
    (`tf.get_variable(name_of(3))`) -- directly or through another such function."""
    functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and
                 f.name not in values}
    # and a template's function (tf.make_template(name, fn) of fn without parameters, which
    # _value_names leaves out): the template step holds its body
    out = {a.id for n in ast.walk(tree) if isinstance(n, ast.Call) and
           dotted(n.func) == "tf.make_template"
           for a in n.args[1:2] + [k.value for k in n.keywords if k.arg == "func_"]
           if isinstance(a, ast.Name) and a.id in functions}
    grown = True
    while grown:
        grown = False

        def sink(node: ast.Call) -> bool:
            return _curated_call(node) or isinstance(node.func, ast.Name) and \
                node.func.id in out

        for name, function in functions.items():
            if name in out:
                continue
            a = function.args
            params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs} | \
                {p.arg for p in (a.vararg, a.kwarg) if p is not None}
            if _reaches(function.body, params, set(), sink) or \
                    _reaches([tree], set(), {name}, sink):
                out.add(name)
                grown = True
    return out


# unittest's assertions as TF's tests write them: method -> how the claim is read (assertion).
TEST_ASSERTIONS = {
    "assertEqual": "==", "assertEquals": "==", "assertAllEqual": "==", "assertListEqual": "==",
    "assertSequenceEqual": "==", "assertTupleEqual": "==", "assertDictEqual": "==",
    "assertIs": "is", "assertTrue": "true", "assertFalse": "false", "assertIsNone": "none",
}
# Steps whose body may run never or more than once: an assert there is no one claim.
NOT_ONCE = ("repeat", "template", "def", "class", "for", "if", "try")
# Captures whose `name` fact is the object's `.name`, which no later step changes: an asserted
# name is said as that fact.
NAMED = ("variable", "tensor", "generic")


def assertion_call(node: ast.expr) -> str | None:
    """`self.assertEqual(...)` and the like (TEST_ASSERTIONS): the method, else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            isinstance(node.func.value, ast.Name) and node.func.value.id == "self" and \
            node.func.attr in TEST_ASSERTIONS:
        return node.func.attr
    return None


def assertion_parts(converter: Converter, stmt: ast.Assert | ast.Expr
                    ) -> tuple[str, list[ast.expr]]:
    """How an assertion claims (==, is, none, true, false) and what it compares."""
    if isinstance(stmt, ast.Assert):
        test = stmt.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and \
                isinstance(test.ops[0], (ast.Eq, ast.Is)):
            return ("==" if isinstance(test.ops[0], ast.Eq) else "is",
                    [test.left, test.comparators[0]])
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return "false", [test.operand]
        return "true", [test]
    call = stmt.value
    assert isinstance(call, ast.Call)
    how = TEST_ASSERTIONS[assertion_call(call) or ""]
    wanted = 2 if how in ("==", "is") else 1
    if call.keywords or len(call.args) not in (wanted, wanted + 1):  # the last: a message
        raise converter.refuse(call, f"`{ast.unparse(call)}`",
                               f"give it {wanted} argument{'s' if wanted > 1 else ''}")
    return how, list(call.args[:wanted])


def claims_of(converter: Converter, program: list[dict], path: str) -> dict[str, Any]:
    """The `expect` of the code's asserts. An asserted `X.name` of a variable or tensor
    captured once is said as the fact `X.name` (its `let` dropped); any other value as the
    `let`'s `.value`. An assert in a body that may run never or many times is refused."""
    where: dict[int, tuple[list[dict], list[str]]] = {}  # id(step) -> (its list, outer kinds)
    captured: Counter[str] = Counter()
    repeated: set[str] = set()

    def walk(steps: list[dict], outer: list[str]) -> None:
        for step in steps:
            kind = next((k for k in step if k not in ("do",) + vocabulary.BRANCH_KEYS), "")
            where[id(step)] = (steps, outer)
            label = (step[kind] or {}).get("as") if isinstance(step[kind], dict) else None
            if isinstance(label, str):
                captured[label] += 1
                if any(k in NOT_ONCE for k in outer):
                    repeated.add(label)
            inner = outer + [kind]
            for key in ("do",) + vocabulary.BRANCH_KEYS:
                body = step.get(key)
                if key == "elif" and body:
                    for branch in body:
                        walk(branch.get("do") or [], inner)
                elif isinstance(body, list):
                    walk(body, inner)
    walk(program, [])
    expect: dict[str, Any] = {}
    for step, label, expected, stmt in converter.claims:
        steps, outer = where[id(step)]
        loop = next((k for k in outer if k in NOT_ONCE), None)
        if loop:
            converter.problems.append(converter.refuse(
                stmt, f"`{ast.unparse(stmt)}` inside a `{loop}` step (its body may run never "
                "or more than once)", "assert after it, on a value captured there"))
            continue
        ref = step["let"]["value"].get("ref") if isinstance(step["let"]["value"], dict) else None
        owner, _, attr = ref.partition(".") if isinstance(ref, str) else ("", "", "")
        if attr == "name" and captured[owner] == 1 and owner not in repeated and \
                converter.kinds.get(owner) in NAMED and f"{owner}.name" not in expect:
            del steps[next(i for i, s in enumerate(steps) if s is step)]  # this one, by identity
            expect[f"{owner}.name"] = expected
        else:
            expect[f"{label}.value"] = expected
    # The lets kept, numbered from 1 again (a name the code uses is skipped).
    kept = [step for step, *_ in converter.claims if f"{step['let']['as']}.value" in expect]
    others = converter.labels - {label for _, label, *_ in converter.claims}
    free = (f"assert_{n}" for n in itertools.count(1) if f"assert_{n}" not in others)
    renamed = {step["let"]["as"]: next(free) for step in kept}
    for step in kept:
        step["let"]["as"] = renamed[step["let"]["as"]]
    return {f"{renamed[k[:-len('.value')]]}.value" if k[:-len(".value")] in renamed else k: v
            for k, v in expect.items()}


def convert(source: str, path: str) -> list[dict]:
    """The program (a list of step mappings, plain data) for TF1 code in the subset. Every
    problem of the file is reported at once: the Refused raised is the first, and its
    `problems` lists them all (in line order)."""
    return convert_case(source, path)[1]


def convert_case(source: str, path: str) -> tuple[dict[str, str], list[dict]]:
    """The case's `imports:` (the internal modules the code imports and uses, as written) and
    its program (convert)."""
    return convert_claims(source, path)[:2]  # type: ignore[return-value]


def convert_claims(source: str, path: str) -> tuple[dict[str, str], list[dict], dict[str, Any],
                                                  list[str]]:
    """convert_case, and what the code's asserts claim: the case's `expect` (claims_of) and
    the asserts as written (the words the case checks)."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        raise Refused(f"Python syntax error: {e.msg}", path, e.lineno) from None
    except (RecursionError, MemoryError):  # `1 + 1 + ...` 100,000 times, `------...1`
        raise Refused("the code is nested too deep to read", path, None,
                      "split the long expression into statements") from None
    try:
        imports, program, expect, asserts = _convert_tree(tree, path)
        return imports, program, expect, [ast.get_source_segment(source, a) or ast.unparse(a)
                                          for a in asserts]
    except RecursionError:  # parsed, but deeper than the converter's walks go
        raise Refused("the code is nested too deep to convert", path, None,
                      "split the long expression into statements") from None


def _convert_tree(tree: ast.Module, path: str) -> tuple[dict[str, str], list[dict],
                                                       dict[str, Any], list[ast.stmt]]:
    lets = _mutated(tree)
    while True:
        converter = Converter(path)
        # every name the file assigns: a class step's method bodies take other labels
        converter.file_names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        converter.value_names = _value_names(tree)
        converter.inlined = _inlined(tree, converter.value_names)
        converter.lets = set(lets)
        converter.stores = _stores(tree)
        program = converter.statements(tree.body)
        # A constant list or dict indexed by a value known only at run time (`specs[i]` in a
        # `for` step) cannot be folded there: again, with it a `let` (one read as a label
        # everywhere, as the code has one object) -- rarely more than once.
        if converter.known.indexed <= lets:
            break
        lets |= converter.known.indexed
    expect = claims_of(converter, program, path)
    if converter.problems:
        # Once per place and cause: an unrolled loop or a helper called twice repeats them.
        unique = {(p.line, p.message): p for p in reversed(converter.problems)}
        problems = sorted(unique.values(), key=lambda p: p.line or 0)
        first = problems[0]
        first.problems = problems
        if len(problems) > 1:
            first.hint = ((first.hint + "; ") if first.hint else "") + \
                f"and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''}"
        raise first
    if not program:
        raise Refused("no TensorFlow calls to turn into steps", path, None,
                      "write e.g. `v = tf.get_variable('v', shape=[1])`")
    if "i" in converter.labels and converter.repeat is not None:
        program = _repeat_without_i(program, converter.repeat.kind)
    # Every module the code imports that a case may import, used or not: the test's imports
    # as written.
    return dict(converter.imports), program, expect, [c[3] for c in converter.claims]
