"""The API scanner: lists the public TF1 API of the TensorFlow it runs in, as JSON on stdout.

Runs INSIDE a runtime's interpreter (`python apiscan.py`), like worker.py: Python 3.6+, the
standard library and TensorFlow only. `python -m harness.api build` starts it and writes what it
prints to harness/api/RUNTIME.json (docs/api-index.md).

What it walks: the runtime's TF1 API root (`tf` on 1.x, `tf.compat.v1` on 2.x: what `tf.` means in
a case file), breadth first, through every public attribute (no leading `_`) that is a module. Each
public name becomes one entry, keyed by its dotted path from the root (`train.Saver`):
  module    {"kind": "module"} (+ "alias": the path it was first reached by, when the same module
            is reachable twice; "external": its module name when it is not TensorFlow's, such as
            numpy or absl reached through an attribute, never walked; "internal": its module
            name when it is an implementation module reached from another one; "skipped": why
            it is not walked)
  function  {"kind": "function", "params": PARAMS}
  class     {"kind": "class", "params": PARAMS of the constructor, "methods": {name: PARAMS},
            "attributes": [public properties and class attributes], "bases": [paths of the
            indexed classes in its MRO]}; methods and attributes are those not inherited
            unchanged from "bases" (harness/api.py merges them back); {"kind": "class",
            "alias": path} for a class already indexed under another path
  constant  {"kind": "constant", "type": its class name}
  unavailable {"kind": "unavailable", "error": "ImportError: ..."}: getattr itself failed (a
            lazily loaded module that cannot import here).
PARAMS is a list of [name, kind, has_default] with kind one of "pos" (positional only), "arg"
(positional or keyword), "*" (*args), "kw" (keyword only), "**" (**kwargs); or null when
inspect.signature cannot tell (builtins): callers treat null as "anything goes".

Bounds: a module is walked once (by its __name__; later paths to it are aliases); only modules of
TensorFlow's own packages are walked (tensorflow*, keras, tf_keras), and an implementation module
(public_module) only when reached from a public one: the history runtimes' `tf.nn` is
tensorflow.python.ops.nn, but contrib's internals import each other without end, and their
imports are not API. `compat.v1` / `compat.v2` under the root are not walked (`compat.v1` is the
root itself; `compat.v2` is not the TF1 API). `tf.contrib` (1.x) is a lazy loader (a plain object
on 1.0/1.1): the scanner loads it like any attribute access in a case would, so contrib (slim,
rnn, layers, ...) is in the index; a contrib module that fails to import is an "unavailable"
entry. Order is sorted everywhere, so the output is deterministic.
"""

import inspect
import json
import os
import platform
import re
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import internals  # noqa: E402
import policy  # noqa: E402
import worker  # noqa: E402  (beside this file: its import_tf)

FORMAT = 1
# Packages whose modules are walked; anything else reached as an attribute is "external".
WALKED = ("tensorflow", "tensorflow_core", "tensorflow_estimator", "keras", "tf_keras")
NOT_WALKED = {
    "compat.v1": "the TF1 API itself (tf.compat.v1 is what tf. means)",
    "compat.v2": "the TF2 API, not the TF1 API",
}
KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "pos",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "arg",
    inspect.Parameter.VAR_POSITIONAL: "*",
    inspect.Parameter.KEYWORD_ONLY: "kw",
    inspect.Parameter.VAR_KEYWORD: "**",
}


# Module name components (and attribute names) of implementation code, not API.
IMPLEMENTATION = ("python", "core", "src")


def public_module(name):
    """A module of TF's public surface by its name: generated API modules (`._api.`, `.api.`) and
    packages without an implementation component (`python`, `core`, `src`, `pywrap_*`):
    tf.contrib.slim is, tensorflow.python.ops.array_ops (reached through contrib's imports) and
    tensorflow.core.framework.attr_value_pb2 are not."""
    parts = name.split(".")
    if "_api" in parts or "api" in parts:
        return True
    return not any(p in IMPLEMENTATION or p.startswith("pywrap") for p in parts)


def package(module):
    try:
        return str(getattr(module, "__name__", None) or "").split(".")[0]
    except Exception:
        return ""


def clean(text):
    """An error message without this machine's paths (the index must not depend on where the
    runtime is installed)."""
    text = str(text).splitlines()[0] if str(text).strip() else ""
    for prefix in sorted({sys.prefix, sys.exec_prefix, os.path.expanduser("~")}, key=len,
                         reverse=True):
        if prefix and prefix != "/":
            text = text.replace(prefix, "<prefix>")
    return text[:200]


def unavailable(e):
    """The entry of a name whose getattr (or module import) failed."""
    return {"kind": "unavailable", "error": "%s: %s" % (type(e).__name__, clean(e))}


def params_of(fn, drop_first=False):
    """[[name, kind, has_default], ...] of a callable (following __wrapped__), or None."""
    try:
        sig = inspect.signature(fn)
    except Exception:  # builtins, odd descriptors: unknown, so permissive
        return None
    out = [[p.name, KINDS[p.kind], p.default is not inspect.Parameter.empty]
           for p in sig.parameters.values()]
    if drop_first and out and out[0][1] in ("pos", "arg"):
        out = out[1:]
    return out


def class_params(cls):
    """The constructor's parameters. A metaclass whose __call__ takes (*args, **kwargs) hides
    them (tf.Variable's VariableMetaclass dispatches on them): then __init__'s, after `self`."""
    params = params_of(cls)
    if params is not None and [p[1] for p in params] == ["*", "**"] \
            and type(cls).__call__ is not type.__call__:
        init = params_of(cls.__init__, drop_first=True) if "__init__" in vars(cls) else None
        if init is not None:
            return init
    return params


def class_members(cls):
    """The public methods (with their parameters) and attributes of a class, inherited too."""
    methods, attributes = {}, []
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        try:
            raw = inspect.getattr_static(cls, name)
        except AttributeError:
            raw = None
        try:
            if isinstance(raw, staticmethod):
                methods[name] = params_of(getattr(cls, name))
            elif isinstance(raw, classmethod):
                methods[name] = params_of(getattr(cls, name))  # bound: no `cls`
            elif isinstance(raw, (types.FunctionType, types.BuiltinFunctionType)):
                methods[name] = params_of(raw, drop_first=True)
            elif inspect.isclass(raw):
                methods[name] = params_of(raw)  # a nested class: called like a method
            elif isinstance(raw, property) or not callable(raw):
                attributes.append(name)
            elif hasattr(raw, "__get__") and not hasattr(raw, "__set__"):
                # A method descriptor (C methods, decorators that are descriptors): a method
                # whose parameters after `self` come from the bound object when it can tell.
                methods[name] = params_of(raw, drop_first=True)
            else:
                attributes.append(name)
        except Exception:
            methods[name] = None
    return methods, attributes


def describe(obj):
    if callable(obj):
        return {"kind": "function", "params": params_of(obj)}
    return {"kind": "constant", "type": type(obj).__name__}


def describe_classes(classes):
    """Entries of the classes found ([(path, class)] in walk order). A class reached again under
    another path is {"kind": "class", "alias": first path}. A class lists the indexed classes of
    its MRO as "bases" (nearest first) and only the members it does not inherit unchanged from
    them: the reader (harness/api.py) merges the bases' members back."""
    first = {}
    for path, cls in classes:
        first.setdefault(id(cls), path)
    members = {}

    def members_of(cls):
        if id(cls) not in members:
            members[id(cls)] = class_members(cls)
        return members[id(cls)]

    entries = {}
    for path, cls in classes:
        if first[id(cls)] != path:
            entries[path] = {"kind": "class", "alias": first[id(cls)]}
            continue
        methods, attributes = members_of(cls)
        bases = [b for b in getattr(cls, "__mro__", ())[1:] if id(b) in first]
        inherited_methods, inherited_attributes = {}, set()
        for base in bases:
            base_methods, base_attributes = members_of(base)
            for name, params in base_methods.items():
                inherited_methods.setdefault(name, params)
            inherited_attributes.update(base_attributes)
        own_methods = {name: params for name, params in methods.items()
                       if name not in inherited_methods or inherited_methods[name] != params
                       or name in inherited_attributes}
        own_attributes = [name for name in attributes
                          if name not in inherited_attributes or name in inherited_methods]
        entry = {"kind": "class", "params": class_params(cls), "methods": own_methods}
        if own_attributes:
            entry["attributes"] = own_attributes
        if bases:
            entry["bases"] = [first[id(b)] for b in bases]
        entries[path] = entry
    return entries


def is_future_feature(obj):
    # `from __future__ import print_function` leaves public names in generated API modules.
    return type(obj).__name__ == "_Feature" and type(obj).__module__ == "__future__"


def generated_api(root):
    """1.13+ and 2.x: the API modules are generated (`tensorflow._api.v1.nn`); before, `tf.nn` was
    the implementation module tensorflow.python.ops.nn itself."""
    nn = getattr(root, "nn", None)
    return "_api" in (getattr(nn, "__name__", None) or "").split(".")


def scan(root):
    entries = {}
    # Where the API is generated, no implementation module is part of it; contrib modules (not
    # generated) are, by their package names.
    history = not generated_api(root)
    walked = {getattr(root, "__name__", ""): ""}  # module __name__ -> path walked under ("": root)
    queue = [("", root, "", True)]
    classes = []  # (path, class) in walk order: described at the end, when all paths are known
    while queue:
        next_level = []
        for prefix, module, parent, public in queue:
            try:
                names = sorted(n for n in dir(module) if not n.startswith("_"))
            except Exception as e:
                entries[prefix] = unavailable(e)
                continue
            for name in names:
                path = prefix + "." + name if prefix else name
                try:
                    obj = getattr(module, name)
                except Exception as e:
                    entries[path] = unavailable(e)
                    continue
                if is_future_feature(obj):
                    continue
                if type(obj).__name__ == "_LazyContribLoader":
                    # TF 1.0/1.1: tf.contrib is a plain object that imports tensorflow.contrib on
                    # its first attribute access and puts the module in its place.
                    try:
                        obj.__name__  # noqa: B018 -- the access is what loads it
                        obj = getattr(module, name)
                    except Exception as e:
                        entries[path] = unavailable(e)
                        continue
                if inspect.isclass(obj):
                    classes.append((path, obj))
                    continue
                if not isinstance(obj, types.ModuleType):
                    entries[path] = describe(obj)
                    continue
                entry = {"kind": "module"}
                try:
                    modname = str(getattr(obj, "__name__", None) or "")
                except Exception:  # a lazy loader that fails to load has no name either
                    modname = ""
                # A module is the same as one walked before by its name; a nameless one (a
                # lazy loader that cannot load) only by identity.
                key = modname or id(obj)
                if path in NOT_WALKED:
                    entry["skipped"] = NOT_WALKED[path]
                elif modname and package(obj) not in WALKED:
                    entry["external"] = modname
                elif key in walked:
                    entry["alias"] = walked[key]
                elif (not modname or public_module(modname)
                      or (parent and modname.startswith(parent + ".")
                          and name not in IMPLEMENTATION)
                      or (public and history)):
                    # Walked: public modules; a package's own implementation modules
                    # (tf.contrib.bayesflow.monte_carlo is tensorflow.contrib.bayesflow.python.
                    # ops.monte_carlo; not through an attribute named `python`, the package
                    # that holds them all); on the history runtimes the root's implementation
                    # modules (tf.nn). Not what contrib's modules import from TF's internals:
                    # their star imports leak tensorflow.python.* by the hundred.
                    walked[key] = path
                    next_level.append((path, obj, modname, public_module(modname)
                                       and ".contrib" not in "." + modname))
                else:
                    entry["internal"] = modname
                entries[path] = entry
        queue = sorted(next_level, key=lambda item: item[0])
    entries.update(describe_classes(classes))
    return entries


def scan_internal():
    """The index of the internal modules a case may import (internals.MODULES): entries keyed
    by the module's name as a test imports it and the names under it
    (`tensorflow.python.ops.state_ops.assign`), of the same kinds as scan's. A module this
    TensorFlow cannot import is "unavailable" with the error; a module reached as an attribute
    is an alias of an allowed one (`tensorflow.python.ops.variable_scope.ops`), else "internal"
    (not importable by a case) or "external" (numpy, six). Public names only, and the private
    names of internals.PRIVATE."""
    entries, classes = {}, []
    for modname in sorted(internals.MODULES):
        try:
            module = internals.load(modname)
        except Exception as e:
            # "cannot import name 'base' from 'tensorflow.python.layers' (/path/__init__.py)":
            # without the path, which is this machine's.
            error = re.sub(r" \([^()]*<prefix>[^()]*\)", "", clean(e))
            entries[modname] = {"kind": "unavailable",
                                "error": "%s: %s" % (type(e).__name__, error)}
            continue
        entries[modname] = {"kind": "module"}
        for name in sorted(dir(module)):
            if internals.refused_name(modname, name):
                continue
            path = modname + "." + name
            try:
                obj = getattr(module, name)
            except Exception as e:
                entries[path] = unavailable(e)
                continue
            if is_future_feature(obj):
                continue
            reason = None if isinstance(obj, types.ModuleType) else policy.refused_object(obj)
            if reason:
                # What the worker would refuse (typing.cast imported into ops, six's helpers):
                # the validator refuses it by this entry, with the same reason.
                entries[path] = {"kind": "class" if inspect.isclass(obj) else
                                 "function" if callable(obj) else "constant",
                                 "params": None, "refused": reason}
                continue
            if inspect.isclass(obj):
                # The class's own module first, so an imported class is an alias of it.
                home = internals.canonical(getattr(obj, "__module__", ""))
                classes.append((home != modname, path, obj))
                continue
            if isinstance(obj, types.ModuleType):
                other = internals.canonical(getattr(obj, "__name__", "") or "")
                if internals.allowed(other):
                    entries[path] = {"kind": "module", "alias": other}
                elif package(obj) in WALKED:
                    entries[path] = {"kind": "module", "internal": other}
                else:
                    entries[path] = {"kind": "module", "external": other}
                continue
            entries[path] = describe(obj)
    entries.update(describe_classes([(p, c) for _, p, c in sorted(
        classes, key=lambda item: (item[0], item[1]))]))
    return entries


def main():
    # Keep a private copy of stdout for the JSON; whatever TF prints goes to stderr.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    tf, version = worker.import_tf(graph_mode=False)
    entries = scan(tf)
    out.write(json.dumps({
        "format": FORMAT,
        "tensorflow": version,
        "python": "%d.%d" % sys.version_info[:2],
        "platform": platform.system(),
        "root": "tf" if version.split(".")[0] == "1" else "tf.compat.v1",
        "entries": entries,
        "internal": scan_internal(),
    }, sort_keys=True))
    out.write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    os._exit(code)
