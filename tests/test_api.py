"""The API index (harness/api.py, harness/apiscan.py, harness/api/*.json): well-formed committed
indexes, lookups, did-you-mean and argument checks, and the generator's determinism on real TF."""

from __future__ import annotations

import json
import re

import pytest

from harness import api, policy
from harness.runtimes import SPECS, Runtime
from tests.conftest import provision

FILES = sorted(api.DIR.glob("*.json"))
INTERNAL_FILES = sorted(api.INTERNAL_DIR.glob("*.json"))
KINDS = {"module", "function", "class", "constant", "unavailable"}
PARAM_KINDS = {"pos", "arg", "*", "kw", "**"}


def test_the_committed_runtimes_have_an_index() -> None:
    assert set(api.COMMITTED) <= set(api.runtimes())
    assert api.runtimes() == [p.stem for p in FILES] or \
        set(api.runtimes()) == {p.stem for p in FILES}


def valid_params(params) -> bool:
    return params is None or all(
        isinstance(p, list) and len(p) == 3 and isinstance(p[0], str) and p[1] in PARAM_KINDS
        and isinstance(p[2], bool) for p in params)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_committed_index_is_well_formed(path) -> None:
    text = path.read_text()
    data = json.loads(text)
    assert data["format"] == api.FORMAT
    assert data["runtime"] == path.stem
    assert path.stem in SPECS and data["tensorflow"] == SPECS[path.stem].tensorflow
    assert data["root"] == ("tf" if data["tensorflow"].startswith("1.") else "tf.compat.v1")
    entries = data["entries"]
    # One entry per line, sorted: the file is exactly what `dumps` writes for its data.
    assert text == api.dumps(path.stem, {**data, "format": api.FORMAT})
    assert list(entries) == sorted(entries)
    # The lazy reader gives exactly the JSON's entries.
    header, lazy = api.parse(text)
    assert {k: lazy[k] for k in lazy} == entries and header["runtime"] == path.stem
    assert len(entries) > 1000
    for name, entry in entries.items():
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*", name), name
        assert entry["kind"] in KINDS, name
        if entry["kind"] in ("function", "class") and "alias" not in entry:
            assert valid_params(entry["params"]), name
        if entry["kind"] == "class":
            if "alias" in entry:
                assert entries[entry["alias"]]["kind"] == "class"
                assert "alias" not in entries[entry["alias"]], name
                continue
            assert all(valid_params(p) for p in entry["methods"].values()), name
            assert all(entries[b]["kind"] == "class" for b in entry.get("bases", [])), name
        if entry["kind"] == "module" and "alias" in entry:
            assert entry["alias"] == "" or entries[entry["alias"]]["kind"] == "module", name
        if entry["kind"] == "unavailable":
            assert entry["error"] and "/" not in entry["error"].split(":")[0], name
    # Nothing machine-specific: no home directory or interpreter prefix.
    assert "/root/" not in text and "/home/" not in text and "site-packages" not in text


@pytest.mark.parametrize("path", INTERNAL_FILES, ids=[p.stem for p in INTERNAL_FILES])
def test_every_internal_index_is_well_formed_and_bounded(path) -> None:
    """The internal modules' index: the same layout, every allowed module (or why it cannot be
    imported there), no private name but internals.PRIVATE's, and small."""
    from harness import internals
    text = path.read_text()
    data = json.loads(text)
    assert data["runtime"] == path.stem and data["root"] == "tensorflow.python"
    assert text == api.dumps(path.stem, {**data, "format": api.FORMAT})
    entries = data["entries"]
    for module in internals.MODULES:
        assert entries[module]["kind"] in ("module", "unavailable"), module
    for name, entry in entries.items():
        module, _, last = name.rpartition(".")
        assert name in internals.MODULES or any(name.startswith(m + ".")
                                                for m in internals.MODULES), name
        assert entry["kind"] in KINDS, name
        if last.startswith("_") and name not in internals.MODULES:
            assert last in internals.PRIVATE.get(module, ()), name
        if entry["kind"] == "module" and "alias" in entry:
            assert internals.allowed(entry["alias"]), name
        if entry["kind"] in ("function", "class") and "alias" not in entry:
            assert valid_params(entry["params"]), name
    for module, only in internals.ONLY.items():  # the eager context: executing_eagerly only
        assert {n[len(module) + 1:] for n in entries if n.startswith(module + ".")} <= set(only)
    assert "/root/" not in text and "/home/" not in text and "site-packages" not in text
    assert len(text) < 1_500_000, f"{path.name}: {len(text)} bytes"


def test_lookup_gives_one_entry_per_runtime_that_has_the_name() -> None:
    found = api.lookup("tf.get_variable")
    assert set(found) == set(api.runtimes())
    params = found["tf1.15"]["params"]
    assert [p[0] for p in params[:3]] == ["name", "shape", "dtype"]
    assert found["tf1.15"]["kind"] == "function"
    assert api.lookup("get_variable") == found == api.lookup("tf.compat.v1.get_variable")
    assert api.lookup("tf.no_such_thing") == {}
    ema = api.lookup("tf.train.ExponentialMovingAverage")["tf1.15"]
    assert ema["kind"] == "class"
    assert {"apply", "average", "average_name"} <= set(ema["methods"])
    assert api.lookup("tf.train.ExponentialMovingAverage.apply")["tf1.15"] == \
        {"kind": "method", "params": [["var_list", "arg", True]]}
    assert api.lookup("tf.GraphKeys.TRAINABLE_VARIABLES")["tf1.15"] == {"kind": "attribute"}
    assert api.lookup("tf.float32")["tf1.15"]["kind"] == "constant"
    assert api.lookup("tf.nn")["tf1.15"]["kind"] == "module"


def test_inherited_members_are_merged_back() -> None:
    """The file stores only what a class does not inherit unchanged from its indexed bases;
    lookup gives the whole class."""
    dense = api.lookup("tf.layers.Dense")["tf1.15"]
    assert {"apply", "add_weight", "build", "call", "get_config"} <= set(dense["methods"])
    # Properties only: instance attributes set in build (kernel) are the object's, not the API's.
    assert {"trainable_variables", "name", "weights"} <= set(dense["attributes"])
    stored = api.load("tf1.15").entries["layers.Dense"]
    assert "apply" not in stored["methods"] and "bases" in stored


def test_a_name_missing_in_one_runtime_is_per_runtime() -> None:
    """tf.layers on Keras 3 (tf2) cannot be imported: the index says so, with the error, for
    the module and every name under it; the call fails there, which is tf2's outcome."""
    found = api.lookup("tf.layers.dense")
    assert found["tf1.15"]["kind"] == "function"
    assert found["tf2"]["kind"] == "unavailable"
    assert found["tf2"]["error"].startswith("ModuleNotFoundError: ")
    assert found["tf2"] == api.lookup("tf.layers")["tf2"]
    assert api.check_call("tf.layers.dense", 1, ["unitz"], among=["tf2"]) == []
    assert "tf2" in api.lookup("tf.get_variable")
    assert "tf2" not in api.lookup("tf.contrib.slim.conv2d")


def test_contrib_is_indexed_on_1x() -> None:
    for name in ["tf.contrib.slim.conv2d", "tf.contrib.rnn.LSTMCell",
                 "tf.contrib.layers.fully_connected", "tf.contrib.framework.arg_scope"]:
        assert {"tf1.13", "tf1.14", "tf1.15"} <= set(api.lookup(name)), name


@pytest.mark.parametrize("path, first", [
    ("tf.get_varible", "tf.get_variable"),
    ("tf.ExponentialMovingAverage", "tf.train.ExponentialMovingAverage"),
    ("tf.trian.Saver", "tf.train.Saver"),
    ("tf.train.Saver.sav", "tf.train.Saver.save"),
    ("tf.varaible_scope", "tf.variable_scope"),
])
def test_suggest_spells_the_closest_name_that_exists(path: str, first: str) -> None:
    assert api.suggest(path)[0] == first
    assert api.did_you_mean(path).startswith(f"did you mean `{first}`")


def test_suggest_offers_nothing_far_away() -> None:
    assert api.suggest("tf.zzzqqq") == []
    assert api.did_you_mean("tf.zzzqqq") is None


def test_check_call_finds_wrong_argument_names_and_counts() -> None:
    assert api.check_call("tf.get_variable", 1, ["shpe"]) == \
        ["tf.get_variable has no argument 'shpe'; did you mean 'shape'?"]
    assert api.check_call("tf.get_variable", 1, ["shape", "dtype"]) == []
    assert api.check_call("tf.get_variable", 0, ["shape"]) == \
        ["tf.get_variable is missing required argument 'name'"]
    assert api.check_call("tf.get_variable", 1, ["name"]) == \
        ["tf.get_variable gets argument 'name' twice, positionally and by keyword"]
    assert api.check_call("tf.nn.relu", 3, []) == \
        ["tf.nn.relu takes at most 2 positional arguments (3 given)"]
    assert api.check_call("tf.train.ExponentialMovingAverage.apply", 1, []) == []
    assert api.check_call("tf.train.ExponentialMovingAverage.average", 0, ["vra"]) == [
        "tf.train.ExponentialMovingAverage.average has no argument 'vra'; did you mean 'var'?",
        "tf.train.ExponentialMovingAverage.average is missing required argument 'var'"]
    assert api.check_method("tf.train.ExponentialMovingAverage", "apply", 1, []) == []


def test_a_metaclass_does_not_hide_the_constructor() -> None:
    """tf.Variable's metaclass __call__ takes (*args, **kwargs); the index has __init__'s."""
    for runtime, entry in api.lookup("tf.Variable").items():
        names = [p[0] for p in entry["params"]]
        assert names[:2] == ["initial_value", "trainable"] and "name" in names, runtime
    assert api.check_call("tf.Variable", 1, ["nmae"]) == \
        ["tf.Variable has no argument 'nmae'; did you mean 'name'?"]


def test_check_call_is_permissive_where_it_cannot_know() -> None:
    # **kwargs takes any keyword; *args any count; a `*` splat leaves the count unknown.
    assert api.check_call("tf.layers.Dense", 1, ["anything_at_all"]) == []
    assert api.check_call("tf.variable_scope", None, ["shpe_whatever"]) == [
        "tf.variable_scope has no argument 'shpe_whatever'; it takes " + ", ".join(
            f"'{p[0]}'" for p in api.lookup("tf.variable_scope")["tf1.15"]["params"])]
    assert api.check_call("tf.get_variable", None, []) == []
    assert api.check_call("tf.get_variable", 0, [], more_keywords=True) == []
    assert api.check_call("tf.no_such_thing", 9, ["x"]) == []
    assert api.check_call("tf.float32", 1, []) == []


def test_check_call_accepts_what_some_runtime_accepts() -> None:
    """An argument newer than one runtime is that runtime's outcome at run time, not a mistake."""
    assert api.check_call_by_runtime("tf.convert_to_tensor", 1, ["dtype_hint"])["tf1.13"]
    assert api.check_call("tf.convert_to_tensor", 1, ["dtype_hint"]) == []


def test_the_runtimes_a_run_uses_can_be_chosen() -> None:
    assert set(api.lookup("tf.get_variable", among=["tf1.15", "tf9"])) == {"tf1.15"}
    assert api.lookup("tf.contrib.slim.conv2d", among=["tf2"]) == {}
    # convert_to_tensor's dtype_hint is new in 1.14.
    by_runtime = api.check_call_by_runtime("tf.convert_to_tensor", 1, ["dtype_hint"],
                                           among=["tf1.13", "tf1.15"])
    assert by_runtime["tf1.15"] == []
    assert by_runtime["tf1.13"][0].startswith("tf.convert_to_tensor has no argument "
                                              "'dtype_hint'")
    assert api.check_call("tf.convert_to_tensor", 1, ["dtype_hint"], among=["tf1.13"]) == \
        by_runtime["tf1.13"]
    assert api.suggest("tf.get_varible", among=["tf2"])[0] == "tf.get_variable"


def test_modules_outside_the_api_are_refused_by_the_index() -> None:
    """numpy reached through a contrib module's import, TF's internals reached through contrib's
    imports: names in the index, but not API."""
    entries = api.load("tf1.15").entries
    external = "contrib.graph_editor.subgraph.copy"  # `import copy` in graph_editor
    assert entries[external]["external"] == "copy" and not policy.refused(external)
    assert api.refused(external) == "not TensorFlow's API (module copy)"
    internal = next(p for p, e in entries.items() if e.get("internal")
                    and not policy.refused(p))
    assert api.refused(internal).startswith("TensorFlow's implementation module, not its API")
    assert api.refused("tf.gfile.Open") == "file IO (tf.gfile)"
    assert api.refused("tf.get_variable") is None
    assert api.refused("tf.no_such_thing") is None


def test_names_offer_callables_that_are_allowed() -> None:
    names = api.names()
    assert names == sorted(names)
    assert {"tf.get_variable", "tf.variable_scope", "tf.train.ExponentialMovingAverage",
            "tf.layers.dense", "tf.nn.relu"} <= set(names)
    assert not [n for n in names if policy.refused(n)]
    assert not [n for n in names if n.startswith(("tf.contrib.", "tf.raw_ops."))]
    assert 1000 < len(names) < 6000


def test_loading_is_fast_and_cached() -> None:
    import time
    started = time.monotonic()
    for _ in range(400):
        api.lookup("tf.train.ExponentialMovingAverage.apply")
        api.check_call("tf.get_variable", 1, ["shape"])
    assert time.monotonic() - started < 2
    assert api.load("tf1.15") is api.load("tf1.15")


FAKE_SCAN = {"format": 1, "tensorflow": "1.15.5", "python": "3.7", "platform": "Linux",
             "root": "tf", "entries": {"b": {"kind": "function", "params": [["x", "arg", False]]},
                                       "a": {"kind": "module"}}}


def fake_python(tmp_path, output: str, code: int = 0):
    """An 'interpreter' that prints what apiscan.py would (no TF): the build's own logic."""
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{output}\nEOF\necho 'it broke' >&2\n"
                      f"exit {code}\n")
    script.chmod(0o755)
    return script


def test_build_writes_one_sorted_entry_per_line(tmp_path, capsys) -> None:
    python = fake_python(tmp_path, json.dumps(FAKE_SCAN))
    assert api.main(["build", f"mine={python}", "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "mine.json").read_text()
    assert text.splitlines()[-4:] == [
        '"entries": {', '"a": {"kind":"module"},',
        '"b": {"kind":"function","params":[["x","arg",false]]}', "}}"]
    assert json.loads(text)["runtime"] == "mine"
    assert "mine.json: 2 names" in capsys.readouterr().err


def test_build_reports_a_failed_scan_in_one_line(tmp_path, capsys) -> None:
    python = fake_python(tmp_path, "", code=3)
    assert api.main(["build", f"mine={python}", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the API scan failed" in err and "it broke" in err
    assert not (tmp_path / "out" / "mine.json").exists()


def test_a_broken_index_is_a_one_line_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    monkeypatch.setattr(api, "DIR", tmp_path)
    api.load.cache_clear()
    try:
        with pytest.raises(api.UserError, match="bad.json is not valid"):
            api.load("bad")
    finally:
        api.load.cache_clear()


def test_the_build_command_refuses_an_unknown_runtime(capsys) -> None:
    assert api.main(["build", "tf9.9"]) == 2
    assert "unknown runtime `tf9.9`" in capsys.readouterr().err


# --- the generator, on real TensorFlow --------------------------------------------------------

def test_the_tf115_index_is_what_the_generator_makes(tf115: Runtime) -> None:
    """Re-running apiscan.py on real TF 1.15 gives the committed bytes: deterministic, and the
    committed index is not stale (the internal modules' index too)."""
    scanned = api.scan(tf115.python)
    assert api.dumps("tf1.15", scanned) == (api.DIR / "tf1.15.json").read_text()
    assert api.dumps_internal("tf1.15", scanned) == \
        api.internal_index_path("tf1.15").read_text()


def test_the_tf2_index_is_what_the_generator_makes(pytestconfig: pytest.Config) -> None:
    runtime = provision(pytestconfig, "tf2")
    scanned = api.scan(runtime.python)
    assert api.dumps("tf2", scanned) == (api.DIR / "tf2.json").read_text()
    assert api.dumps_internal("tf2", scanned) == api.internal_index_path("tf2").read_text()


def test_a_history_runtime_scans_with_its_contrib_when_installed() -> None:
    """TF 1.0 on Python 3.6: no generated API, tf.contrib a plain lazy object (docs/api-index.md).
    The history runtimes are opt-in; this runs where tf1.0 is installed."""
    from harness.runtimes import status
    state = status(SPECS["tf1.0"])
    if state.state != "installed":
        pytest.skip("runtime tf1.0 is not installed (opt-in history runtime)")
    scanned = api.scan(str(state.path / "bin" / "python"))
    entries = scanned["entries"]
    assert scanned["tensorflow"] == "1.0.1" and scanned["root"] == "tf"
    assert entries["contrib"] == {"kind": "module"}
    assert entries["contrib.layers.fully_connected"]["kind"] == "function"
    assert entries["nn.relu"]["kind"] == "function"  # tf.nn is tensorflow.python.ops.nn there
    assert [p[0] for p in entries["get_variable"]["params"]][:2] == ["name", "shape"]
    assert "AUTO_REUSE" not in entries
