"""A traced `def` step's body written from the function's source (`tfscope new --trace`).

The tracer writes the body of a function TF calls back (a custom getter, a template's function,
a loop body) from what its first call did. When a later call does other TF calls or passes other
values (a getter branching on `trainable`, `dtype`, `'kernel' in name`, `ema.average(var) is
None`, `kwargs['reuse']`), one recorded body cannot say every call; the tracer then sends the
function's source with its free names bound to values of the case (the labels of recorded steps,
literals, API objects, other defs), and this module converts the source statically, with the
static converter's statements and values (frompython.py, pygeneric.py): `if`/`elif`/`else` are
`if` steps, comparisons, `in` and `not` are operators, `A if C else B`, `and` and `or` become
`if` steps on a label (short-circuit kept), `kwargs['x'] = v` is a `set` step, `return X` a
`return` step and every call a generic step. What the source cannot say is the tracer's problem
(or suspect) as before, with why.
"""

from __future__ import annotations

import ast
import copy
import string
import textwrap
from typing import Any

from . import frompython
from . import steps as vocabulary
from .frompython import Converter, Refused, generic_call, generic_let
from .pygeneric import NotAValue, Values
from .pyknown import literal

# Names a label written here may not take beside the validator's (the tracer's own reserved).
RESERVED = frozenset(("graph", "tf", "py", "i", "print"))


def write_sources(program: list[dict], problems: list[dict], suspects: list[dict],
                  imports: dict[str, str]) -> None:
    """Replace the body of each traced `def` that carries its `source` (in place); report the
    ones whose source cannot be converted as the tracer would have."""
    taken = set(imports) | _labels(program)
    visible: set[str] = set(imports)
    hoisted: list[dict] = []
    _walk(program, problems, suspects, taken, visible, hoisted)
    used = _used(program)
    unused = [id(d) for d in hoisted if (d["def"].get("as") or d["def"]["name"]) not in used]
    if unused:  # a def only the replaced body used (a lambda it passed to TF): gone with it
        _drop(program, set(unused))


def _root(path: str) -> str:
    return path.split(".")[0].split("[")[0]


def _used(value: Any) -> set[str]:
    """The labels a program (or value) refers to: refs, called ref paths, `LABEL.PATH:` keys."""
    out: set[str] = set()
    if isinstance(value, list):
        for v in value:
            out |= _used(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k in ("ref", "call", "fn") and isinstance(v, str):
                out.add(_root(v))
            elif "." in k and not k.startswith(("tf.", "py.")):
                out.add(_root(k))
            out |= _used(v)
    return out


def _drop(steps: list[dict], ids: set[int]) -> None:
    steps[:] = [s for s in steps if id(s) not in ids]
    for item in steps:
        for body in [item.get("do"), item.get("else")] + \
                [b.get("do") for b in item.get("elif") or []]:
            if isinstance(body, list):
                _drop(body, ids)


def _labels(steps: list[dict]) -> set[str]:
    out: set[str] = set()
    for item in steps:
        for key, args in item.items():
            if key in ("do", "else", "source"):
                continue
            if isinstance(args, dict):
                label = args.get("as")
                out |= set(_names(label))
                if key == "def":
                    out.add(args.get("name"))
                    for p in args.get("params") or []:
                        out.add(p["name"] if isinstance(p, dict) else str(p).lstrip("*"))
        for key in ("do", "else"):
            if key == "do" and "source" in item:
                continue  # the body written from the first call: replaced
            if isinstance(item.get(key), list):
                out |= _labels(item[key])
        for branch in item.get("elif") or []:
            out |= _labels(branch.get("do") or [])
    return {x for x in out if isinstance(x, str)}


def _names(label: Any) -> list[str]:
    if isinstance(label, list):
        return [n for x in label for n in _names(x)]
    return [label] if isinstance(label, str) else []


def _walk(steps: list[dict], problems: list[dict], suspects: list[dict], taken: set[str],
          visible: set[str], hoisted: list[dict]) -> None:
    i = 0
    while i < len(steps):
        item = steps[i]
        if "def" in item and "source" in item:
            made = _convert(item, problems, suspects, taken, visible)
            if made:  # defs the first call's body made: before it (then walked themselves)
                steps[i:i] = made
                hoisted += made
                continue
        key = next((k for k in item if k not in ("do", "else", "elif", "source")), None)
        args = item.get(key) if key else None
        if key == "def":
            visible.add(item["def"].get("as") or item["def"].get("name"))
            inner = set(visible) | {p["name"] if isinstance(p, dict) else str(p).lstrip("*")
                                    for p in item["def"].get("params") or []}
            _walk(item.get("do") or [], problems, suspects, taken, inner, hoisted)
        else:
            for body in [item.get("do"), item.get("else")] + \
                    [b.get("do") for b in item.get("elif") or []]:
                if isinstance(body, list):
                    _walk(body, problems, suspects, taken, visible, hoisted)
            if isinstance(args, dict):
                visible.update(_names(args.get("as")))
                if isinstance(args.get("catch"), str):
                    visible.add(args["catch"])
        i += 1


def _defs_in(steps: list[dict]) -> list[dict]:
    out = []
    for item in steps:
        if "def" in item:
            out.append(item)
        else:
            for body in [item.get("do"), item.get("else")] + \
                    [b.get("do") for b in item.get("elif") or []]:
                if isinstance(body, list):
                    out += _defs_in(body)
    return out


def _convert(item: dict, problems: list[dict], suspects: list[dict], taken: set[str],
             visible: set[str]) -> list[dict]:
    source = item.pop("source")
    why = source.get("why")
    if why is None:
        hoisted = _defs_in(item.get("do") or [])  # they go before it: the body may use them
        seen = visible | {d["def"].get("as") or d["def"].get("name") for d in hoisted}
        # its own label too: Python binds the name before any call, so a body may recurse
        seen.add(item["def"].get("as") or item["def"].get("name"))
        try:
            body = convert_def(source, item["def"].get("params") or [], taken, seen)
        except Refused as e:
            why = f"{e.message} (line {e.line})" if e.line else e.message
        else:
            item["do"] = body
            return hoisted
    for kind, sink in (("problem", problems), ("suspect", suspects)):
        entry = source.get(kind)
        if entry is not None:
            entry = dict(entry)
            entry["message"] += f"; its source cannot be written as the `def`'s body: {why}"
            sink.append(entry)
            break
    return []


def convert_def(source: dict, params: list[Any], taken: set[str],
                visible: set[str]) -> list[dict]:
    """The steps of the function's body, from its source text and bindings."""
    path = source.get("file") or "<script>"
    function = _parsed(source, path)
    for name in source.get("changed") or []:
        raise Refused(f"`{name}` is another object at a later call than at the first", path,
                      function.lineno)
    names = [p["name"] if isinstance(p, dict) else str(p).lstrip("*") for p in params]
    converter = DefBody(path, names, taken)
    body = _prepare(converter, source, function, visible, path)
    steps = converter.statements(body)
    if converter.problems:
        raise converter.problems[0]
    steps = _supers(steps, converter.supers)
    # labels are one namespace for facts: the next def's body takes other ones
    taken |= converter.labels - set(names)
    return steps


def _parsed(record: dict, path: str) -> ast.FunctionDef:
    try:
        tree = ast.parse(textwrap.dedent(record["text"]))
    except SyntaxError as e:
        raise Refused(f"its source does not parse: {e.msg}", path, record.get("line")) from None
    ast.increment_lineno(tree, int(record.get("line") or 1) - 1)
    function = tree.body[0]
    if not isinstance(function, ast.FunctionDef):
        raise Refused("its source is not one `def` statement", path, record.get("line"))
    return function


def _prepare(converter: DefBody, record: dict, function: ast.FunctionDef, visible: set[str],
             path: str) -> list[ast.stmt]:
    """A function's body ready to convert: its free names bound (helpers registered to be
    inlined), attribute paths bound, choices and formatted strings rewritten."""
    placeholders: dict[str, str] = {}
    bindings: dict[str, Any] = record.get("bindings") or {}
    for chain, value in sorted(bindings.items()):
        if isinstance(value, dict) and value.get("noop"):
            converter.ignored.add(chain)
            continue
        name = chain
        if "." in chain:
            converter.placeholders += 1
            name = placeholders[chain] = f"tfscope_bound_{converter.placeholders}"
        if isinstance(value, dict) and "function" in value:
            converter.helper_function(name, value["function"], visible)
            continue
        if isinstance(value, dict) and "dtype" in value:  # a dtype: a value, never called
            converter.dtypes[name] = chain
            value = {"tf": value["dtype"]}
        expr = converter.expression(value, visible, function, chain)
        bound = converter.known.names.get(name)
        if bound is not None and ast.dump(bound) != ast.dump(expr):
            raise Refused(f"`{chain}` is one thing in one function and another in a function "
                          "it calls", path, function.lineno)
        converter.known.bind(name, expr)
    body = _Bound(placeholders).rewrite(function.body)
    aliases = {"tf"} | {k for k, v in bindings.items() if v == {"tf": ""}}
    body = _Quiet(aliases, converter.ignored).statements(body)
    supers = _Method(function, record.get("class_name"))  # a method of a class step
    body = supers.rewrite(body)
    converter.labels.update(supers.names.values())
    converter.supers.update({v: k for k, v in supers.names.items()})
    unbound = record.get("unbound") or {}
    for node in (n for s in body for n in ast.walk(s)):
        if isinstance(node, ast.Name) and node.id in unbound and node.id not in bindings and \
                node.id not in converter.functions:
            raise Refused(f"`{node.id}` (a {unbound[node.id]}) has no value a case can hold",
                          path, getattr(node, "lineno", None))
    body = [ast.fix_missing_locations(_Strings().visit(s)) for s in body]
    body = _Desugar(_all_names(function), set(converter.functions)).statements(body)
    for node in (n for s in body for n in ast.walk(s)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            converter.assigned[node.id] = converter.assigned.get(node.id, 0) + 1
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in converter.dtypes:
            raise Refused(f"`{converter.dtypes[node.func.id]}(...)`: a dtype called (a value "
                          "computed when the script ran)", path, node.lineno,
                          "pass the value itself, or make it with a TF op")
    return body


def _all_names(function: ast.FunctionDef) -> set[str]:
    return {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} | \
        {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}


class _Bound(ast.NodeTransformer):
    """Attribute paths bound to values (`self.units`, `FLAGS.fp16`) as placeholder names."""

    def __init__(self, placeholders: dict[str, str]) -> None:
        self.placeholders = placeholders

    def rewrite(self, body: list[ast.stmt]) -> list[ast.stmt]:
        return [self.visit(copy.deepcopy(s)) for s in body]

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        path = frompython.dotted(node)
        if path in self.placeholders and isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.Name(id=self.placeholders[path], ctx=ast.Load()), node)
        self.generic_visit(node)
        return node


class _Method(ast.NodeTransformer):
    """A method's body (a `class` step's): `super().NAME` / `super(C, self).NAME` as a
    placeholder name, written `{super: NAME}` once converted (_supers); `type(self).__name__`
    and `self.__class__.__name__` as the class's name (class_name, sent by the tracer)."""

    def __init__(self, function: ast.FunctionDef, class_name: str | None) -> None:
        self.class_name = class_name
        args = function.args.args
        self.self_name = args[0].arg if args and class_name else None
        self.names: dict[str, str] = {}  # NAME -> placeholder

    def rewrite(self, body: list[ast.stmt]) -> list[ast.stmt]:
        if self.self_name is None:
            return body
        return [self.visit(s) for s in body]

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
                value.func.id == "super" and not value.keywords and len(value.args) in (0, 2):
            name = self.names.setdefault(node.attr, f"tfscope_super_{node.attr}")
            return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)
        if node.attr == "__name__" and (
                (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and
                 value.func.id == "type" and len(value.args) == 1 and
                 isinstance(value.args[0], ast.Name) and value.args[0].id == self.self_name) or
                (isinstance(value, ast.Attribute) and value.attr == "__class__" and
                 isinstance(value.value, ast.Name) and value.value.id == self.self_name)):
            return ast.copy_location(ast.Constant(self.class_name), node)
        self.generic_visit(node)
        return node


def _supers(value: Any, placeholders: dict[str, str]) -> Any:
    """The placeholders of _Method as `{super: NAME}`."""
    if not placeholders:
        return value
    if isinstance(value, list):
        return [_supers(v, placeholders) for v in value]
    if isinstance(value, dict):
        if list(value) == ["ref"] and value["ref"] in placeholders:
            return {"super": placeholders[value["ref"]]}
        out = {k: _supers(v, placeholders) for k, v in value.items()}
        if isinstance(out.get("call"), str) and out["call"] in placeholders:
            out["call"] = {"super": placeholders[out["call"]]}  # a nested call's callee
        return out
    return value


class DefBody(Converter):
    """The static converter for one function's body: every call a generic step, a Python name
    one label throughout (assigned again, in a branch or not, it is captured again, as Python
    rebinds it), `return` a step."""

    def __init__(self, path: str, params: list[str], taken: set[str]) -> None:
        super().__init__(path)
        self.taken = set(taken)
        self.local: dict[str, str] = {}
        self.ignored: set[str] = set()  # functions whose calls do nothing (an export's capture)
        self.placeholders = 0  # attribute paths bound so far (their placeholder names)
        self.visible: set[str] = set()
        self.dtypes: dict[str, str] = {}  # bound name -> the path it was (`np.float32`)
        self.supers: dict[str, str] = {}  # placeholder -> NAME of super().NAME (_Method)
        self.assigned: dict[str, int] = {}  # Python name -> how many statements assign it
        self.callers: list[dict[str, str]] = []  # the local names of the inlining callers
        self.own_params = set(params)
        for p in params:
            self.labels.add(p)
            self.local[p] = p
            self.kinds[p] = "generic"

    def expression(self, value: Any, visible: set[str], function: ast.AST, name: str) -> ast.expr:
        """A binding's value (a value of the case) as the expression the body reads."""
        if isinstance(value, dict) and "ref" in value:
            root = str(value["ref"]).split(".")[0].split("[")[0]
            if root not in visible:
                raise self.refuse(function, f"`{name}`, the step `{root}` made after the "
                                  "function is first given to TF",
                                  "make it before the function is passed to TF")
            self.labels.add(root)
            return ast.parse(value["ref"], mode="eval").body
        if isinstance(value, dict) and "dtype" in value:
            value = {"tf": value["dtype"]}
        if isinstance(value, dict) and "tf" in value:
            return ast.parse("tf." + value["tf"] if value["tf"] else "tf", mode="eval").body
        if isinstance(value, dict) and "tuple" in value:
            return ast.Tuple(elts=[self.expression(v, visible, function, name)
                                   for v in value["tuple"]], ctx=ast.Load())
        if isinstance(value, dict) and "dict" in value:
            items = value["dict"]
            return ast.Dict(keys=[ast.Constant(k) for k in items],
                            values=[self.expression(v, visible, function, name)
                                    for v in items.values()])
        if isinstance(value, list):
            return ast.List(elts=[self.expression(v, visible, function, name) for v in value],
                            ctx=ast.Load())
        if isinstance(value, dict):
            raise self.refuse(function, f"the value of `{name}`")
        return literal(value)

    def helper_function(self, name: str, record: dict, visible: set[str]) -> None:
        """A function of the script the body calls (no def of its own): its body, inlined at
        each call (frompython's inline), its parameters bound to the call's arguments."""
        if name in self.functions:
            return
        path = record.get("file") or self.path
        function = _parsed(record, path)
        if function.decorator_list:
            raise Refused(f"the decorated function `{function.name}`", path, function.lineno)
        tail = _tail(function.body)
        early = [n for s in function.body for n in ast.walk(s)
                 if isinstance(n, ast.Return) and id(n) not in tail]
        if early:
            raise Refused(f"a `return` before the end of `{function.name}`", path,
                          early[0].lineno, "return once, at its end")
        function.name = name
        self.functions[name] = function  # before its body: a helper may call it (refused)
        function.body = _prepare(self, record, function, visible, path)

    def inline(self, node: ast.Call, target: ast.expr | None) -> list[dict]:
        """frompython's inline with the arguments computed once (a call's result into a label
        first, as Python passes values) and the helper's own names apart from the caller's."""
        pre: list[dict] = []

        def once(value: ast.expr, base: str) -> ast.expr:
            if isinstance(value, (ast.Constant, ast.Name)) or \
                    frompython.dotted(value) is not None or _literal(value):
                return value
            name, n = base, 1
            while name in self.taken or name in self.labels or name in self.local or \
                    name in vocabulary.PY_KEYWORDS or name in RESERVED:
                name = f"{base}_{n}"
                n += 1
            pre.extend(self.assign(ast.Name(id=name, ctx=ast.Store()), value))
            return ast.Name(id=name, ctx=ast.Load())
        function = self.functions[node.func.id]  # type: ignore[attr-defined]
        params = [a.arg for a in function.args.args]
        args = [once(a, params[i] if i < len(params) else "arg")
                for i, a in enumerate(node.args)]
        keywords = [ast.keyword(arg=k.arg, value=once(k.value, k.arg or "arg"))
                    for k in node.keywords]
        name = node.func.id  # type: ignore[attr-defined]
        spec, packed = function.args, {}
        if spec.vararg or spec.kwarg:
            # `def conv(x, *args, **kwargs)`: what the call gives beyond the named parameters
            # packed into labels first ({tuple: ...}, {dict: ...}), the names bound to them
            if spec.kwonlyargs or spec.posonlyargs or any(k.arg is None for k in keywords) or \
                    any(isinstance(a, ast.Starred) for a in args):
                raise self.refuse(node, f"the arguments of `{function.name}(...)`",
                                  "write them out, without * and **")
            rest, args = args[len(params):], args[:len(params)]
            extra = [k for k in keywords if k.arg not in params]
            keywords = [k for k in keywords if k.arg in params]
            if rest and not spec.vararg or extra and not spec.kwarg:
                raise self.refuse(node, f"the arguments of `{function.name}(...)`")
            for param, value in ((spec.vararg, ast.Tuple(elts=rest, ctx=ast.Load())),
                                 (spec.kwarg, ast.Dict(keys=[ast.Constant(k.arg) for k in extra],
                                                       values=[k.value for k in extra]))):
                if param is not None:
                    label = once(ast.copy_location(value, node), param.arg)
                    packed[param.arg] = label
            function = copy.copy(function)
            function.args = copy.copy(spec)
            function.args.vararg = function.args.kwarg = None
        call = ast.copy_location(ast.Call(func=node.func, args=args, keywords=keywords), node)
        saved, self.local = self.local, {}
        self.callers.append(saved)
        before = {k: self.known.names.get(k) for k in packed}
        self.known.names.update(packed)  # (inline's scope is a child: it sees them)
        kept, self.functions[name] = self.functions[name], function
        try:
            return pre + super().inline(call, target)
        finally:
            self.functions[name] = kept
            for k, v in before.items():
                if v is None:
                    self.known.names.pop(k, None)
                else:
                    self.known.names[k] = v
            self.local = saved
            self.callers.pop()

    def assign_result(self, target: ast.expr, value: ast.expr, outer: Any) -> list[dict]:
        """`return X` of an inlined helper: X (in the helper's names) into the caller's
        target (in the caller's names)."""
        inner = self.local
        converted = self.value_of(value)
        self.local = self.callers[-1]
        try:
            label = self.label(target)
        finally:
            self.local = inner
        if isinstance(target, ast.Name) and target.id in self.known.names:
            outer.bind(target.id, self.known.names[target.id])
        self.labels.add(label)  # type: ignore[arg-type]
        self.kinds[label] = "generic"  # type: ignore[index]
        return [{"let": {"value": converted, "as": label}}]

    def label(self, node: ast.AST | None) -> str | None:
        if node is None:
            return None
        if not isinstance(node, ast.Name):
            raise self.refuse(node, f"the target `{ast.unparse(node)}`", "assign to one name")
        name = self.local.get(node.id)
        if name is None or name in self.own_params:
            # a parameter assigned (`x = self.dense(x)`): a capture may not take a parameter's
            # label, so the name is another label from here on
            self.own_params.discard(node.id)
            name, base, n = node.id, node.id, 1
            while name in self.taken or name in self.labels or \
                    not vocabulary.LABEL_RE.match(name) or name in vocabulary.PY_KEYWORDS or \
                    name in RESERVED or name.startswith("__"):
                name = f"{base}_{n}"
                n += 1
            self.local[node.id] = name
            if name != node.id or node.id in self.known.names:  # (a helper's parameter)
                self.known.bind(node.id, ast.Name(id=name, ctx=ast.Load()))
        return name

    def value_of(self, node: ast.expr) -> Any:
        try:
            return Values(lambda n: n in self.labels).value(self.known.substitute(node))
        except NotAValue as e:
            raise self.refuse(e.node, f"{e.what} in `{ast.unparse(node)}`", e.hint) from None

    def call(self, node: ast.AST, target: ast.AST | None, body: bool) -> dict:
        node = self.known.substitute(node)
        if not isinstance(node, ast.Call):
            raise self.refuse(node, f"`{ast.unparse(node)}`", "a call")
        step = generic_call(self, node, target, body)
        key = next(k for k in step if k != "do")
        if isinstance(target, ast.Name) and self.assigned.get(target.id, 0) > 1 and \
                "do" not in step and _curated(key):
            # `w = tf.get_variable(...)` then `w = ema.average(w)`: one label, so one kind: the
            # call as a `let`'s value (a generic capture) rather than the curated kind's step
            args = dict(step[key] or {})
            label = args.pop("as")
            return {"let": {"value": dict({"call": key}, **args), "as": label}}
        if not key.startswith(("tf.", "py.")) and ("." not in key or "[" in key) and \
                key != "invoke":
            # a parameter or label called (`getter(name, *args, **kwargs)`): `invoke`
            step = {"invoke": dict({"fn": {"ref": key}}, **(step[key] or {})),
                    **{k: v for k, v in step.items() if k == "do"}}
        return step

    def assign(self, target: ast.expr, value: ast.expr) -> list[dict]:
        if isinstance(target, ast.Name):
            if self.helper(value):
                return self.inline(value, target)  # type: ignore[arg-type]
            if isinstance(value, ast.Call):
                return [self.call(value, target, body=False)]
            return [generic_let(self, self.known.substitute(value), target)]
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            path = Values(lambda n: n in self.labels).ref_path(self.known.substitute(target))
            if path is None or "." not in path and "[" not in path:
                raise self.refuse(target, f"the target `{ast.unparse(target)}`",
                                  "set an attribute or a constant item of a name")
            return [{"set": {"target": path, "value": self.value_of(value)}}]
        if isinstance(target, (ast.Tuple, ast.List)):
            return self.unpack(target, value)
        raise self.refuse(target, f"the target `{ast.unparse(target)}`", "assign to one name")

    def statement(self, stmt: ast.stmt) -> list[dict]:
        if isinstance(stmt, ast.Return) and not self.returns:
            value = None if stmt.value is None else self.value_of(stmt.value)
            return [{"return": {"value": value}}]
        if isinstance(stmt, ast.Assert):  # a check that held when the script ran
            return []
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
                isinstance(stmt.value.func, ast.Name) and stmt.value.func.id in self.ignored:
            return []
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            return self.assign(stmt.targets[0], stmt.value)
        if isinstance(stmt, ast.If):
            test = self.known.substitute(stmt.test)
            if isinstance(test, ast.Compare) and len(test.ops) == 1 and \
                    isinstance(test.ops[0], (ast.Is, ast.IsNot)) and \
                    isinstance(test.left, ast.Constant) and \
                    isinstance(test.comparators[0], ast.Constant):
                # `if activation is not None:` of an inlined helper's argument: known
                same = test.left.value is test.comparators[0].value
                return self.statements(stmt.body if same == isinstance(test.ops[0], ast.Is)
                                       else stmt.orelse)
        if isinstance(stmt, (ast.Global, ast.Nonlocal, ast.Raise, ast.While, ast.Delete)):
            raise self.refuse(stmt, f"a `{type(stmt).__name__}` statement in the function")
        return super().statement(stmt)


class _Desugar:
    """`A if C else B`, `A and B`, `A or B` as statements: the step language has no
    conditional operator, so they become `if` steps assigning a label (evaluated as Python
    does: B only when needed). One inside a larger expression is computed first, into a label
    of its own."""

    def __init__(self, names: set[str], helpers: set[str] | None = None) -> None:
        self.names = set(names)
        self.helpers = set(helpers or ())  # functions inlined: a call inside an expression is
        # computed first, into a label (frompython inlines a call that is a whole statement)

    def choice(self, node: ast.AST, top: ast.AST | None = None) -> bool:
        return _choice(node) or node is not top and isinstance(node, ast.Call) and \
            isinstance(node.func, ast.Name) and node.func.id in self.helpers

    def fresh(self, base: str) -> str:
        name, n = base, 1
        while name in self.names:
            name = f"{base}_{n}"
            n += 1
        self.names.add(name)
        return name

    def statements(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            out += self.statement(stmt)
        return out

    def statement(self, stmt: ast.stmt) -> list[ast.stmt]:
        if isinstance(stmt, ast.If):
            pre, stmt.test = self.hoist(stmt.test, "cond")
            stmt.body = self.statements(stmt.body)
            stmt.orelse = self.statements(stmt.orelse)
            return pre + [stmt]
        if isinstance(stmt, (ast.For, ast.With)):
            pre: list[ast.stmt] = []
            if isinstance(stmt, ast.For):
                pre, stmt.iter = self.hoist(stmt.iter, "value")
            else:
                for item in stmt.items:
                    more, item.context_expr = self.hoist(item.context_expr, "value")
                    pre += more
            stmt.body = self.statements(stmt.body)
            return pre + [stmt]
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name) and _choice(stmt.value):
            return self.assign(stmt.targets[0].id, stmt.value, stmt)
        if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.IfExp):
            pre, test = self.hoist(stmt.value.test, "cond")
            branch = ast.If(test=test, body=self.statement(ast.Return(value=stmt.value.body)),
                            orelse=self.statement(ast.Return(value=stmt.value.orelse)))
            return pre + [_located(branch, stmt)]
        top = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        if not any(self.choice(n, top) for n in _expressions(stmt)):
            return [stmt]
        hoister = _Hoister(self, top)
        stmt = hoister.visit(stmt)
        return hoister.pre + [stmt]

    def assign(self, name: str, value: ast.expr, where: ast.AST) -> list[ast.stmt]:
        target = ast.Name(id=name, ctx=ast.Store())
        load = ast.Name(id=name, ctx=ast.Load())
        if isinstance(value, ast.IfExp):
            pre, test = self.hoist(value.test, "cond")
            return pre + [_located(ast.If(test=test, body=self.assign(name, value.body, where),
                                          orelse=self.assign(name, value.orelse, where)),
                                   where)]
        if isinstance(value, ast.BoolOp):
            first, rest = value.values[0], value.values[1:]
            more = rest[0] if len(rest) == 1 else ast.BoolOp(op=value.op, values=rest)
            test: ast.expr = load if isinstance(value.op, ast.And) else \
                ast.UnaryOp(op=ast.Not(), operand=load)
            return self.assign(name, first, where) + [
                _located(ast.If(test=test, body=self.assign(name, more, where), orelse=[]),
                         where)]
        pre, value = self.hoist(value, "value", top=True)
        return pre + [_located(ast.Assign(targets=[target], value=value), where)]

    def hoist(self, expr: ast.expr, base: str, top: bool = False) -> tuple[list[ast.stmt],
                                                                          ast.expr]:
        """Statements computing the choices (and helper calls) inside `expr` first, and `expr`
        reading their labels; `top`: a helper call that is `expr` itself stays (an assignment's
        whole value is inlined as it is)."""
        if _choice(expr) or not top and self.choice(expr):
            name = self.fresh(base)
            if _choice(expr):
                return self.assign(name, expr, expr), ast.Name(id=name, ctx=ast.Load())
            pre, expr = self.hoist(expr, base, top=True)
            assign = _located(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())],
                                         value=expr), expr)
            return pre + [assign], ast.Name(id=name, ctx=ast.Load())
        if not any(self.choice(n, expr if top else None) for n in _expressions(expr)):
            return [], expr
        hoister = _Hoister(self, expr if top else None)
        expr = hoister.visit(expr)
        return hoister.pre, expr


# Calls that change no graph name, left out of a body (the tracer runs them unrecorded too;
# a summary's ops are left out of the check): as statements only.
QUIET = ("tf.logging.", "tf.summary.", "tf.compat.v1.logging.", "logging.", "warnings.",
         "absl.logging.")


class _Quiet:
    def __init__(self, aliases: set[str], ignored: set[str]) -> None:
        self.aliases, self.ignored = aliases, ignored

    def quiet(self, stmt: ast.stmt) -> bool:
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return False
        name = frompython.dotted(stmt.value.func) or ""
        root, _, rest = name.partition(".")
        if root in self.aliases:
            name = "tf." + rest
        return root in self.ignored or name == "print" or name.startswith(QUIET)

    def statements(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for stmt in body:
            if self.quiet(stmt):
                continue
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner:
                    setattr(stmt, field, self.statements(inner) or [ast.Pass()])
            out.append(stmt)
        return out


class _Strings(ast.NodeTransformer):
    """f"{name}_g" and "{}_g".format(name) (plain fields only) as `str(name) + "_g"`: the step
    language has `+` and py.str, and the policy refuses str.format."""

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        self.generic_visit(node)
        parts: list[ast.expr] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                if part.format_spec is not None or part.conversion not in (-1, 115):
                    return node
                parts.append(_str(part.value))
            else:
                parts.append(part)
        return ast.copy_location(_joined(parts), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "format" and
                isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)) or \
                any(isinstance(a, ast.Starred) for a in node.args) or \
                any(k.arg is None for k in node.keywords):
            return node
        keywords = {k.arg: k.value for k in node.keywords}
        parts: list[ast.expr] = []
        auto = 0
        try:
            fields = list(string.Formatter().parse(func.value.value))
        except ValueError:
            return node
        for text, field, spec, conversion in fields:
            if text:
                parts.append(ast.Constant(text))
            if field is None:
                continue
            if spec or conversion not in (None, "s"):
                return node
            if field == "":
                index, auto = auto, auto + 1
            elif field.isdigit():
                index = int(field)
            elif field in keywords:
                parts.append(_str(keywords[field]))
                continue
            else:
                return node
            if index >= len(node.args):
                return node
            parts.append(_str(node.args[index]))
        return ast.copy_location(_joined(parts or [ast.Constant("")]), node)


def _str(value: ast.expr) -> ast.expr:
    return ast.Call(func=ast.Name(id="str", ctx=ast.Load()), args=[value], keywords=[])


def _joined(parts: list[ast.expr]) -> ast.expr:
    out = parts[0]
    for part in parts[1:]:
        out = ast.BinOp(left=out, op=ast.Add(), right=part)
    return ast.fix_missing_locations(out) if hasattr(out, "lineno") else out


def _tail(body: list[ast.stmt]) -> set[int]:
    """The `return`s that end a body (inside a last `with`, or ending each branch of a last
    `if`): inlined, nothing after them would run anyway."""
    if not body:
        return set()
    last = body[-1]
    if isinstance(last, ast.Return):
        return {id(last)}
    if isinstance(last, ast.With):
        return _tail(last.body)
    if isinstance(last, ast.If):
        return _tail(last.body) | _tail(last.orelse)
    return set()


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _curated(key: str) -> bool:
    """Whether a generic step `KEY: {...}` captures the kind of a curated step (as the
    validator decides: the curated step calling it, without a body)."""
    return any(not getattr(s, "generic", False) and s.call == key and s.captures and not s.body
               for s in vocabulary.STEPS.values())


def _choice(node: ast.AST) -> bool:
    return isinstance(node, (ast.IfExp, ast.BoolOp))


def _expressions(stmt: ast.stmt) -> list[ast.AST]:
    """The expression nodes of a simple statement, outside lambdas and comprehensions (whose
    values are computed later, or per item: not hoisted)."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                             ast.GeneratorExp)):
            continue
        todo += list(ast.iter_child_nodes(node))
    return out


class _Hoister(ast.NodeTransformer):
    def __init__(self, owner: _Desugar, top: ast.AST | None = None) -> None:
        self.owner, self.pre, self.top = owner, [], top  # type: ignore[var-annotated]

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)  # its arguments first, as Python evaluates them
        if node is self.top or not self.owner.choice(node):
            return node
        name = self.owner.fresh("value")
        self.pre.append(_located(ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())],
                                            value=node), node))
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        name = self.owner.fresh("value")
        self.pre += self.owner.assign(name, node, node)
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)

    visit_BoolOp = visit_IfExp  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda  # type: ignore


def _located(node: ast.stmt, where: ast.AST) -> ast.stmt:
    ast.copy_location(node, where)
    return ast.fix_missing_locations(node)
