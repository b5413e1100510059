"""Python expressions as values and steps of the generic step language (harness/generic.py), for
the static converter (frompython.py): what no curated step says becomes `tf.PATH: {...}` (a call
of the API), `LABEL.PATH: {...}` (a method of a capture) or `let: {value: {op: ...}}` (an
operator), with argument values written as the language's values ({ref: ...}, {tf: ...},
{call: ...}, {op: ...}, {tuple: ...}, {dict: ...}, {slice: ...}).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from .policy import BUILTINS

BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
          ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
          ast.BitXor: "^"}
UNARY = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "~", ast.Not: "not"}
COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
           ast.Is: "is", ast.IsNot: "is_not", ast.In: "in", ast.NotIn: "not_in"}


class NotAValue(Exception):
    """An expression the generic language has no value for: (node, what, way out)."""

    def __init__(self, node: ast.AST, what: str, hint: str | None = None) -> None:
        super().__init__(what)
        self.node, self.what, self.hint = node, what, hint


def dotted_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


COMPREHENSIONS = {ast.ListComp: "list", ast.SetComp: "set", ast.GeneratorExp: "gen",
                  ast.DictComp: "dict"}


class Values:
    """AST -> generic value, given which names are captured labels."""

    def __init__(self, is_label: Callable[[str], bool]) -> None:
        self.outer = is_label
        self.scoped: list[set[str]] = []  # targets of the comprehensions being converted

    def is_label(self, name: str) -> bool:
        return any(name in s for s in self.scoped) or self.outer(name)

    def builtin(self, node: ast.AST) -> str | None:
        """`len` for the builtin `len` (a name of the allowlist that no label shadows)."""
        if isinstance(node, ast.Name) and node.id in BUILTINS and not self.is_label(node.id):
            return node.id
        return None

    def target(self, node: ast.AST) -> Any:
        """A comprehension's or loop's target: a name, or a (nested) list of them."""
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, (ast.Tuple, ast.List)) and node.elts:
            return [self.target(e) for e in node.elts]
        raise NotAValue(node, f"the target `{ast.unparse(node)}`", "loop over names")

    def lambda_value(self, node: ast.Lambda) -> dict:
        """`lambda PARAMS: BODY` as {lambda: BODY, params: [...]} (the params are known in it)."""
        a = node.args
        if a.posonlyargs or a.kwonlyargs:
            raise NotAValue(node, f"the lambda `{ast.unparse(node)}`",
                            "plain parameters, *args and **kwargs only")
        params: list[Any] = []
        firsts = len(a.args) - len(a.defaults)
        for i, arg in enumerate(a.args):
            params.append(arg.arg if i < firsts else
                          {"name": arg.arg, "default": self.value(a.defaults[i - firsts])})
        if a.vararg:
            params.append("*" + a.vararg.arg)
        if a.kwarg:
            params.append("**" + a.kwarg.arg)
        names = {p if isinstance(p, str) else p["name"] for p in params}
        self.scoped.append({n.lstrip("*") for n in names})
        try:
            body = self.value(node.body)
        finally:
            self.scoped.pop()
        return {"lambda": body, "params": params} if params else {"lambda": body}

    def comprehension(self, node: ast.expr) -> dict:
        """[ELT for T in ITER if C ...] (one `for`): {comp, for, in, if, kind (, key)}."""
        gens = node.generators  # type: ignore[attr-defined]
        if len(gens) != 1 or gens[0].is_async:
            raise NotAValue(node, f"the comprehension `{ast.unparse(node)}` with "
                            f"{len(gens)} `for` clauses", "write one `for` per comprehension")
        gen = gens[0]
        out: dict[str, Any] = {"in": self.value(gen.iter)}
        target = self.target(gen.target)
        names = set(_names(target))
        self.scoped.append(names)
        try:
            if isinstance(node, ast.DictComp):
                out["comp"], out["key"] = self.value(node.value), self.value(node.key)
            else:
                out["comp"] = self.value(node.elt)  # type: ignore[attr-defined]
            conditions = [self.value(c) for c in gen.ifs]
        finally:
            self.scoped.pop()
        out["for"] = target
        if conditions:
            out["if"] = conditions[0] if len(conditions) == 1 else conditions
        kind = COMPREHENSIONS[type(node)]
        if kind not in ("list", "dict"):
            out["kind"] = kind
        order = ("comp", "key", "for", "in", "if", "kind")  # as one reads [COMP for T in IN]
        return {k: out[k] for k in order if k in out}

    def ref_path(self, node: ast.AST) -> str | None:
        """`w`, `layer.kernel`, `parts[0]`, `kw['x']` when the root is a label, else None."""
        if isinstance(node, ast.Name):
            return node.id if self.is_label(node.id) else None
        if isinstance(node, ast.Attribute):
            base = self.ref_path(node.value)
            return f"{base}.{node.attr}" if base and not node.attr.startswith("__") else None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
                isinstance(node.slice.value, (int, str)) and \
                not isinstance(node.slice.value, bool):
            base = self.ref_path(node.value)
            return f"{base}[{node.slice.value!r}]" if base else None
        return None

    def callee(self, node: ast.AST) -> Any:
        name = dotted_name(node)
        if name and name.startswith("tf."):
            return name
        if self.builtin(node):
            return "py." + node.id  # type: ignore[attr-defined]
        ref = self.ref_path(node)
        if ref:
            return ref
        return self.value(node)

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            if node.value is Ellipsis:
                return {"ellipsis": None}
            if isinstance(node.value, (str, int, float, bool, type(None))):
                return node.value
            raise NotAValue(node, f"the constant `{ast.unparse(node)}`")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and \
                isinstance(node.operand, ast.Constant) and \
                isinstance(node.operand.value, (int, float)) and \
                not isinstance(node.operand.value, bool):
            return -node.operand.value
        if isinstance(node, ast.List):
            return [self.value(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return {"tuple": [self.value(e) for e in node.elts]}
        if isinstance(node, ast.Dict):
            if not all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                       for k in node.keys):
                raise NotAValue(node, f"the dict `{ast.unparse(node)}`", "use string keys")
            return {"dict": {k.value: self.value(v)  # type: ignore[union-attr]
                             for k, v in zip(node.keys, node.values)}}
        name = dotted_name(node)
        if name and name.startswith("tf."):
            return {"tf": name[3:]}
        ref = self.ref_path(node)
        if ref:
            return {"ref": ref}
        if self.builtin(node):
            return {"py": node.id}  # type: ignore[attr-defined]
        if type(node) in COMPREHENSIONS:
            return self.comprehension(node)  # type: ignore[arg-type]
        if isinstance(node, ast.Lambda):
            return self.lambda_value(node)
        if isinstance(node, ast.Name):
            raise NotAValue(node, f"the name `{node.id}`",
                            "it is not captured by an earlier step (`NAME = ...` or `as NAME`)"
                            " nor a constant known without running the code")
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Call):
            args, kwargs = self.arguments(node)
            out: dict[str, Any] = {"call": self.callee(node.func)}
            if args:
                out["args"] = args
            if kwargs:
                out["kwargs"] = kwargs
            return out
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            return {"op": BINARY[type(node.op)], "args": [self.value(node.left),
                                                        self.value(node.right)]}
        if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
            return {"op": UNARY[type(node.op)], "args": [self.value(node.operand)]}
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and \
                type(node.ops[0]) in COMPARE:
            return {"op": COMPARE[type(node.ops[0])],
                    "args": [self.value(node.left), self.value(node.comparators[0])]}
        if isinstance(node, ast.Subscript):
            return {"op": "getitem", "args": [self.value(node.value), self.index(node.slice)]}
        raise NotAValue(node, f"the expression `{ast.unparse(node)}`",
                        "compute it in a step of its own, or trace the script (--trace)")

    def _attribute(self, node: ast.Attribute) -> Any:
        """`slices[i].spec`: an attribute of a value that is no ref path."""
        if node.attr.startswith("__"):
            raise NotAValue(node, f"the attribute `{ast.unparse(node)}`", "no dunder attributes")
        return {"op": "attr", "args": [self.value(node.value), node.attr]}

    def index(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Slice):
            return {"slice": [None if p is None else self.value(p)
                              for p in (node.lower, node.upper, node.step)]}
        if isinstance(node, ast.Tuple):
            return {"tuple": [self.index(e) for e in node.elts]}
        return self.value(node)

    def arguments(self, node: ast.Call) -> tuple[list, dict]:
        args: list[Any] = []
        for a in node.args:
            args.append({"*": self.value(a.value)} if isinstance(a, ast.Starred)
                        else self.value(a))
        kwargs: dict[str, Any] = {}
        for k in node.keywords:
            kwargs["**" if k.arg is None else k.arg] = self.value(k.value)
        return args, kwargs


def _names(target: Any) -> list[str]:
    return [n for t in target for n in _names(t)] if isinstance(target, list) else [target]


def call_step(values: Values, node: ast.Call, label: str | None) -> dict:
    """`tf.PATH: {...}` or `LABEL.PATH: {...}` (or `invoke:` for any other callee)."""
    callee = values.callee(node.func)
    args, kwargs = values.arguments(node)
    body: dict[str, Any] = {}
    if args:
        body["args"] = args
    if kwargs:
        body["kwargs"] = kwargs
    if label:
        body["as"] = label
    if isinstance(callee, str):
        return {callee: body or None}
    return {"invoke": dict(fn=callee, **body)}


def let_step(values: Values, node: ast.expr, label: str) -> dict:
    return {"let": {"value": values.value(node), "as": label}}
