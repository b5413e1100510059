"""Known values of a Python snippet, for the static converter (frompython.py): the code is never
run, but names bound to literals (module constants, loop variables of unrolled loops, parameters
of inlined functions) and expressions over them (`'layer%d' % i`, `'{}_w'.format(name)`,
f-strings, `+` on strings and numbers) are replaced by the literal they stand for, so that the
converter sees `tf.variable_scope('layer1')` where the code says `tf.variable_scope(f'layer{i}')`.

Only plain data is computed (str, int, float, bool, None, lists and tuples of them), with bounds
on sizes, so a hostile snippet cannot make the converter compute for long.
"""

from __future__ import annotations

import ast
import copy
import operator
import re
from typing import Any

MAX_TEXT = 10_000  # longest string or sequence a computed value may be
PLAIN = (str, int, float, bool, type(None))
BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
          ast.Pow: operator.pow}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge}


class Unknown(Exception):
    """The expression's value is not known without running the code."""


def is_plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return len(value) <= MAX_TEXT and all(is_plain(v) for v in value)
    return isinstance(value, PLAIN) and not (isinstance(value, str) and len(value) > MAX_TEXT)


def literal(value: Any) -> ast.expr:
    """The expression that writes a plain value."""
    if isinstance(value, list):
        return ast.List(elts=[literal(v) for v in value], ctx=ast.Load())
    if isinstance(value, tuple):
        return ast.Tuple(elts=[literal(v) for v in value], ctx=ast.Load())
    if isinstance(value, float) and value < 0 or isinstance(value, int) and value < 0 and \
            not isinstance(value, bool):
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-value))
    return ast.Constant(value)


class Known:
    """Names -> expressions (a literal, or a Name of a captured label) in one scope chain."""

    def __init__(self, names: dict[str, ast.expr] | None = None,
                 indexed: set[str] | None = None) -> None:
        self.names: dict[str, ast.expr] = dict(names or {})
        # Names of known lists, tuples and dicts indexed by a value known only at run time
        # (`specs[i]` in a loop kept as Python): shared by the whole scope chain.
        self.indexed: set[str] = indexed if indexed is not None else set()

    def child(self) -> Known:
        return Known(self.names, self.indexed)

    def bind(self, name: str, node: ast.expr) -> None:
        self.names[name] = node

    def value(self, node: ast.AST) -> Any:
        """The plain value of an expression, or Unknown."""
        node = self.substitute(node)
        try:
            value = ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise Unknown(ast.unparse(node)) from None
        if not is_plain(value):
            raise Unknown(ast.unparse(node))
        return value

    def substitute(self, node: ast.AST) -> ast.expr:
        """The expression with every part whose value is known written as that value."""
        return _Substitute(self).visit(copy.deepcopy(node))


def _computed(value: Any, node: ast.AST) -> ast.expr:
    if not is_plain(value):
        raise Unknown(ast.unparse(node))
    return ast.copy_location(literal(value), node)


def _plain(node: ast.AST) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise Unknown(ast.unparse(node)) from None
    if not is_plain(value):
        raise Unknown(ast.unparse(node))
    return value


WIDE = re.compile(r"\d{5,}")  # a width or precision in a format that would make a huge text


def _bounded(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Apply an operator to plain values, refusing results that would be large to compute."""
    sizes = [len(a) for a in args if isinstance(a, (str, list, tuple))]
    numbers = [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
    if function is operator.mul and sizes and any(abs(n) * max(sizes) > MAX_TEXT
                                                  for n in numbers):
        raise Unknown("too large")
    if function is operator.pow and (sizes or any(abs(n) > 64 for n in numbers[1:])):
        raise Unknown("too large")
    if function in (operator.mod, FORMAT) and isinstance(args[0], str) and WIDE.search(args[0]):
        raise Unknown("too large")
    try:
        return function(*args, **kwargs)
    except Exception as e:  # a TypeError/ZeroDivisionError of the snippet's own expression
        raise Unknown(str(e)) from None


def FORMAT(template: str, *args: Any, **kwargs: Any) -> str:  # noqa: N802 (an operator)
    return template.format(*args, **kwargs)


class _Substitute(ast.NodeTransformer):
    def __init__(self, known: Known) -> None:
        self.known = known

    def visit_Name(self, node: ast.Name) -> ast.expr:
        found = self.known.names.get(node.id)
        return ast.copy_location(copy.deepcopy(found), node) if found is not None else node

    def _try(self, node: ast.expr, compute: Any) -> ast.expr:
        try:
            return _computed(compute(), node)
        except Unknown:
            return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        function = BINARY.get(type(node.op))
        if function is None:
            return node
        return self._try(node, lambda: _bounded(function, _plain(node.left), _plain(node.right)))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        function = UNARY.get(type(node.op))
        if function is None or isinstance(node.operand, ast.Constant) and \
                isinstance(node.op, ast.USub):  # `-1` is already a literal
            return node
        return self._try(node, lambda: _bounded(function, _plain(node.operand)))

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        if len(node.ops) != 1 or type(node.ops[0]) not in COMPARE:
            return node
        function = COMPARE[type(node.ops[0])]
        return self._try(node, lambda: _bounded(function, _plain(node.left),
                                                _plain(node.comparators[0])))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.expr:
        self.generic_visit(node)

        def text() -> str:
            parts = []
            for part in node.values:
                if isinstance(part, ast.Constant):
                    parts.append(str(part.value))
                    continue
                value = _plain(part.value)  # type: ignore[attr-defined]
                spec = "" if part.format_spec is None else _plain(part.format_spec)  # type: ignore
                if WIDE.search(str(spec)):
                    raise Unknown("too large")
                conversion = {115: str, 114: repr, 97: ascii}.get(part.conversion)  # type: ignore
                parts.append(format(conversion(value) if conversion else value, spec))
            return "".join(parts)
        return self._try(node, text)

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        func = node.func
        if any(isinstance(a, ast.Starred) for a in node.args) or \
                any(k.arg is None for k in node.keywords):
            return node
        if isinstance(func, ast.Attribute) and func.attr == "format" and \
                isinstance(func.value, ast.Constant) and isinstance(func.value.value, str):
            template = func.value.value
            return self._try(node, lambda: _bounded(
                FORMAT, template, *[_plain(a) for a in node.args],
                **{str(k.arg): _plain(k.value) for k in node.keywords}))
        if isinstance(func, ast.Name) and func.id in ("str", "int", "float", "len") and \
                func.id not in self.known.names and len(node.args) == 1 and not node.keywords:
            function = {"str": str, "int": int, "float": float, "len": len}[func.id]
            return self._try(node, lambda: _bounded(function, _plain(node.args[0])))
        return node

    def visit_comprehension_node(self, node: ast.expr) -> ast.expr:
        """A comprehension's targets are its own names (Python 3): what they shadow is not
        substituted inside it; its first iterable belongs to the enclosing scope."""
        gens = node.generators  # type: ignore[attr-defined]
        gens[0].iter = self.visit(gens[0].iter)
        names = {n.id for g in gens for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        inner = _Substitute(Known({k: v for k, v in self.known.names.items()
                                   if k not in names}, self.known.indexed))
        for i, gen in enumerate(gens):
            if i:
                gen.iter = inner.visit(gen.iter)
            gen.ifs = [inner.visit(c) for c in gen.ifs]
        for field in ("elt", "key", "value"):
            if hasattr(node, field):
                setattr(node, field, inner.visit(getattr(node, field)))
        return node

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = \
        visit_comprehension_node

    def visit_Lambda(self, node: ast.Lambda) -> ast.expr:
        """A lambda's parameters shadow known names inside it; its defaults are the enclosing
        scope's."""
        a = node.args
        a.defaults = [self.visit(d) for d in a.defaults]
        names = {x.arg for x in a.args + a.kwonlyargs + a.posonlyargs}
        names |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
        inner = _Substitute(Known({k: v for k, v in self.known.names.items() if k not in names},
                                  self.known.indexed))
        node.body = inner.visit(node.body)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        name = node.value.id if isinstance(node.value, ast.Name) and isinstance(
            self.known.names.get(node.value.id), (ast.List, ast.Tuple, ast.Dict)) else None
        self.generic_visit(node)
        if name is not None:
            try:
                _plain(node.slice)
            except Unknown:
                self.known.indexed.add(name)
        return self._try(node, lambda: _bounded(operator.getitem, _plain(node.value),
                                                _plain(node.slice)))
