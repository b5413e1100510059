"""TF1 Python to a case program: `tfscope new --from-python FILE`.

The snippet is parsed with `ast` and never run. Generic over the step table: a call maps to the
step whose `call` is its dotted name (`tf.variable_scope`, ...), `LABEL.M()` and
`tf.get_variable_scope().M()` to a step whose call is the method name `M`, and `for _ in
range(N):` to `repeat`. Each argument value is the one the argument type renders back to the
same code (its `to_py`), found among candidates read off the code and the type's schema (and
from the type's own inverse, an optional `from_py(code text) -> value`, for renderings no
candidate reaches); what has no such value is refused with its line.

The subset: `import`s and `print(...)` (ignored), `with CALL [as NAME], ...:`, `for NAME in
range(N):`, `NAME = CALL`, `CALL`, `pass`; calls with the first argument positional and the
rest as keywords; values that are literals, earlier `as`/assignment names, `tf.X` constants
(`tf.float32`, `tf.AUTO_REUSE`) and calls the argument types render (`tf.zeros_initializer()`).
"""

from __future__ import annotations

import ast
import itertools
from typing import Any

from . import steps as vocabulary
from .errors import UserError

MAX_CANDIDATES = 256
IGNORED_CALLS = ("print", "tf.reset_default_graph")


class Refused(UserError):
    """Code the case format cannot express."""


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
        self.calls = {s.call: s for s in vocabulary.STEPS.values()
                      if not s.test_only and s.call.startswith("tf.")}
        self.methods = {s.call: s for s in vocabulary.STEPS.values()
                        if not s.test_only and "." not in s.call and s.kind != "repeat"}
        self.repeat = next((s for s in vocabulary.STEPS.values() if s.call == "range"), None)

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
        if isinstance(node, (ast.Call, ast.Lambda)):
            # Renderings that carry one number inside (`lambda t: tf.multiply(0.1, ...)`).
            numbers = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant)][:8]
            out += [{key: v} for key in _schema_keys(argtype.schema) for v in numbers]
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
        hint = None
        if isinstance(node, ast.Name):
            hint = f"`{node.id}` is not captured by an earlier step (`NAME = ...` or `as NAME`)"
        raise self.refuse(node, f"`{ast.unparse(node)}` as {what} (a {argtype.name})", hint)

    # -- steps --

    def label(self, node: ast.AST | None) -> str | None:
        if node is None:
            return None
        if not isinstance(node, ast.Name):
            raise self.refuse(node, f"the target `{ast.unparse(node)}`", "assign to one name")
        name = node.id
        if not vocabulary.LABEL_RE.match(name) or name in vocabulary.PY_KEYWORDS or \
                name == "graph":
            raise self.refuse(node, f"the name `{name}` as a label",
                              "rename it: not `tf`, `i` or `graph`")
        if name in self.labels:
            raise self.refuse(node, f"assigning `{name}` twice", "give each result its own name")
        return name

    def call(self, node: ast.AST, target: ast.AST | None, body: bool) -> dict:
        """A step from a call expression (and what it is assigned to)."""
        if not isinstance(node, ast.Call):
            raise self.refuse(node, f"`{ast.unparse(node)}`", "only calls of TF functions")
        name = dotted(node.func)
        if isinstance(node.func, ast.Attribute) and node.func.attr in self.methods:
            return self.method_call(node, target)
        spec = self.calls.get(name or "")
        if spec is None:
            known = ", ".join(sorted(self.calls))
            raise self.refuse(node, f"a call of `{name or ast.unparse(node.func)}`",
                              f"supported: {known}")
        if spec.body != body:
            raise self.refuse(node, f"`{name}` " + ("outside a `with`" if spec.body
                                                    else "as a `with` context"))
        if any(isinstance(a, ast.Starred) for a in node.args) or \
                any(k.arg is None for k in node.keywords):
            raise self.refuse(node, "`*args` or `**kwargs`")
        if len(node.args) > 1:
            raise self.refuse(node.args[1], f"positional argument 2 of `{name}`",
                              "write the arguments after the first as keywords (name=...)")
        written = ([(spec.args[0][0], node.args[0])] if node.args and spec.args else []) + \
            [(k.arg, k.value) for k in node.keywords]
        if node.args and not spec.args:
            raise self.refuse(node, f"arguments to `{name}`")
        args: dict[str, Any] = {}
        for arg, value in written:
            if arg not in spec.arg_names:
                raise self.refuse(value, f"the argument `{arg}` of `{name}`",
                                  "supported: " + ", ".join(spec.arg_names))
            args[arg] = self.value(value, spec.arg_type(arg), f"`{arg}`")
        label = self.label(target)
        if label and not spec.captures:
            raise self.refuse(target, f"a result of `{name}`", "it returns nothing to check")
        return self.step(spec, args, label)

    def method_call(self, node: ast.Call, target: ast.AST | None) -> dict:
        spec = self.methods[node.func.attr]  # type: ignore[attr-defined]
        if node.args or node.keywords:
            raise self.refuse(node, f"arguments to `.{spec.call}()`")
        options = [{}]
        owner = node.func.value  # type: ignore[attr-defined]
        if isinstance(owner, ast.Name) and spec.args:
            options.insert(0, {spec.args[0][0]: owner.id})
        for args in options:
            if all(spec.arg_type(k).check(v) is None for k, v in args.items()) and \
                    all(v in self.labels for v in args.values()) and \
                    normal(spec.render(args)) == normal(node):
                return self.step(spec, args, self.label(target))
        raise self.refuse(node, f"`{ast.unparse(node)}`",
                          "call it on a name captured earlier, or on tf.get_variable_scope()")

    def step(self, spec: vocabulary.Step, args: dict, label: str | None) -> dict:
        if label:
            args["as"] = label
            self.labels.add(label)
        return {spec.kind: args}

    def statements(self, body: list[ast.stmt]) -> list[dict]:
        out: list[dict] = []
        for stmt in body:
            out += self.statement(stmt)
        return out

    def statement(self, stmt: ast.stmt) -> list[dict]:
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass)):
            return []
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant):  # a docstring
                return []
            if isinstance(stmt.value, ast.Call) and dotted(stmt.value.func) in IGNORED_CALLS:
                return []
            return [self.call(stmt.value, None, body=False)]
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1:
                raise self.refuse(stmt, "a chained assignment")
            return [self.call(stmt.value, stmt.targets[0], body=False)]
        if isinstance(stmt, ast.With):
            return [self.with_items(stmt.items, stmt.body)]
        if isinstance(stmt, ast.For):
            return [self.loop(stmt)]
        raise self.refuse(stmt, f"a `{type(stmt).__name__}` statement",
                          "the subset: with, for ... in range(N), NAME = CALL, CALL")

    def with_items(self, items: list[ast.withitem], body: list[ast.stmt]) -> dict:
        first, rest = items[0], items[1:]
        step = self.call(first.context_expr, first.optional_vars, body=True)
        step["do"] = [self.with_items(rest, body)] if rest else self.statements(body)
        return step

    def loop(self, stmt: ast.For) -> dict:
        it = stmt.iter
        if self.repeat is None or not (isinstance(it, ast.Call) and dotted(it.func) == "range"
                                       and len(it.args) == 1 and not it.keywords) or stmt.orelse:
            raise self.refuse(stmt, "this loop", "write `for i in range(N):`")
        if not isinstance(stmt.target, ast.Name):
            raise self.refuse(stmt.target, "this loop variable")
        count = self.value(it.args[0], self.repeat.args[0][1], "the loop count")
        used = [n for s in stmt.body for n in ast.walk(s)
                if isinstance(n, ast.Name) and n.id == stmt.target.id]
        if used:
            raise self.refuse(used[0], f"a use of the loop variable `{stmt.target.id}`",
                              "every iteration runs the same steps")
        return {self.repeat.kind: count, "do": self.statements(stmt.body)}


def convert(source: str, path: str) -> list[dict]:
    """The program (a list of step mappings, plain data) for TF1 code in the subset."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        raise Refused(f"Python syntax error: {e.msg}", path, e.lineno) from None
    program = Converter(path).statements(tree.body)
    if not program:
        raise Refused("no TensorFlow calls to turn into steps", path, None,
                      "write e.g. `v = tf.get_variable('v', shape=[1])`")
    return program
