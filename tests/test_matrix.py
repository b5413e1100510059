"""The runtime matrix without TensorFlow: sets, version order and ranges, runtime states, the
`runtimes` command, deviations per version, and pytest ids per runtime (stub history specs)."""

from __future__ import annotations

import json

import pytest

from harness import runtimes
from harness.cases import load
from harness.cli import main
from harness.compare import CONFORMS, DEVIATES, FAIL, Outcome, judge
from harness.errors import RuntimeSetupError
from harness.runtimes import Runtime, Spec, expand, in_version_order, resolve_all, set_members
from harness.versions import parse_range, version_key

from .conftest import EXAMPLE

# A stand-in history: TF 1.x releases on Python 3.6, one that cannot install here.
STUBS = [
    Spec("tf1.2", "3.6", ("tensorflow==1.2.1",), history=True,
         description="TensorFlow 1.2.1 on Python 3.6"),
    Spec("tf1.10", "3.6", ("tensorflow==1.10.1",), history=True,
         description="TensorFlow 1.10.1 on Python 3.6"),
    Spec("tf1.0", "3.6", ("tensorflow==1.0.1",), history=True,
         unavailable="no wheel for Python 3.6 on this platform"),
]


@pytest.fixture
def history(monkeypatch, tmp_path):
    monkeypatch.setenv("TFSCOPE_CACHE", str(tmp_path / "cache"))
    for name in [n for n, s in runtimes.SPECS.items() if s.history]:  # the real history, out
        monkeypatch.delitem(runtimes.SPECS, name)
    for spec in STUBS:  # in place: every module that imported SPECS sees them
        monkeypatch.setitem(runtimes.SPECS, spec.name, spec)
    return runtimes.SPECS


# --- versions -----------------------------------------------------------------------------------

def test_version_order_is_numeric_not_textual(history):
    assert in_version_order(["tf2", "tf1.10", "tf1.15", "tf1.2", "tf1.0", "tf1.13"]) == \
        ["tf1.0", "tf1.2", "tf1.10", "tf1.13", "tf1.15", "tf2"]
    assert version_key("2.0.0rc1") == (2, 0, 0)
    # A NAME=PYTHON runtime sorts by the version its worker reported.
    assert in_version_order(["mine", "tf1.15", "tf1.13"], {"mine": "1.14.0"}) == \
        ["tf1.13", "mine", "tf1.15"]


@pytest.mark.parametrize("text, inside, outside", [
    ("<1.14", ["1.13.2", "1.0.1"], ["1.14.0", "1.15.5", "2.21.0"]),
    ("<=1.14", ["1.14.0", "1.13.2"], ["1.15.5"]),
    ("==1.14", ["1.14.0"], ["1.13.2", "1.15.5"]),
    (">=2", ["2.0.0", "2.21.0"], ["1.15.5"]),
    (">=1.13,<2", ["1.13.2", "1.15.5"], ["1.12.3", "2.21.0", ""]),
    ("!= 1.15", ["1.14.0"], ["1.15.5"]),
])
def test_version_ranges(text, inside, outside):
    r = parse_range(text)
    assert all(v in r for v in inside) and not any(v in r for v in outside)


# --- sets and selection -------------------------------------------------------------------------

def test_sets_expand_in_version_order_with_the_history(history):
    assert set_members("history") == ["tf1.0", "tf1.2", "tf1.10"]
    assert set_members("all-1.x") == ["tf1.0", "tf1.2", "tf1.10", "tf1.13", "tf1.14", "tf1.15"]
    assert set_members("all") == [*set_members("all-1.x"), "tf2"]
    assert set_members("default") == ["tf1.15"] and set_members("ci") == ["tf1.13", "tf1.15",
                                                                         "tf2"]


def test_selectors_take_comma_lists_repeats_sets_and_name_equals_python(history):
    chosen = expand(["tf1.13,tf2", "default", "ci", "mine=/usr/bin/python3"])
    assert [s.name for s in chosen] == ["tf1.13", "tf2", "tf1.15", "mine"]
    assert [s.from_set for s in chosen] == [None, None, "default", None]


KNOWN = "known: tf1.0, tf1.2, tf1.10, tf1.13, tf1.14, tf1.15, tf2; sets: default, ci, history"


@pytest.mark.parametrize("selector, message", [
    ("tf2.21", "unknown runtime `tf2.21` (did you mean `tf2`?; "),
    ("al", "unknown runtime `al` (did you mean `all`?; "),
    # By the version number's meaning, not the spelling (which gave tf1.5 and tf1.6):
    ("tf15", "unknown runtime `tf15` (did you mean `tf1.15`?; "),
    ("tf115", "unknown runtime `tf115` (did you mean `tf1.15`?; "),
    ("tf1.16", "unknown runtime `tf1.16` (did you mean `tf1.15`? (there is no TensorFlow 1.16: "
     "1.15 was the last 1.x release); "),
    ("tf1.15.5", "unknown runtime `tf1.15.5` (did you mean `tf1.15`?; "),
    ("tensorflow-1.14", "unknown runtime `tensorflow-1.14` (did you mean `tf1.14`?; "),
    ("tf2.5", "unknown runtime `tf2.5` (did you mean `tf2`? (no runtime runs TensorFlow 2.5: "
     "the nearest is TensorFlow 2.21.0); "),
    ("tf3", "unknown runtime `tf3` (did you mean `tf2`? "),
    ("tf12", "unknown runtime `tf12` (did you mean `tf1.2`?; "),  # no tf1.12 among the stubs
    ("tf10", "unknown runtime `tf10` (did you mean `tf1.10` or `tf1.0`?; "),
    ("zzz", "unknown runtime `zzz` (known: "),
])
def test_unknown_runtime_is_one_line_with_did_you_mean(history, selector, message):
    with pytest.raises(RuntimeSetupError) as info:
        expand([selector])
    text = str(info.value)
    assert text.startswith(message) and "\n" not in text, text
    # Every such message lists the known names and sets, whatever it suggests.
    assert KNOWN in text and text.endswith("; or NAME=/path/to/python)"), text


def test_cli_unknown_runtime_is_exit_2_before_anything_runs(capsys):
    assert main(["run", str(EXAMPLE), "--runtime", "tf1.15,tf2.21"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tfscope: error: unknown runtime `tf2.21` (did you mean `tf2`?; known: "
                          "tf1.0, tf1.1, tf1.2, ") and "\n" not in err
    assert main(["runtimes", "install", "tf1.16"]) == 2
    assert "did you mean `tf1.15`?" in capsys.readouterr().err


def test_a_set_leaves_out_what_cannot_be_here_and_says_why(history, monkeypatch):
    with pytest.raises(RuntimeSetupError) as info:  # named on its own: an error, with why
        resolve_all(expand(["tf1.0"]))
    assert "unavailable here: no wheel" in str(info.value)

    def fake_resolve(selector, rebuild=False):
        if selector == "tf1.2":
            raise RuntimeSetupError("no Python 3.6 interpreter found")
        return Runtime(selector, "/bin/" + selector, True)
    monkeypatch.setattr(runtimes, "resolve", fake_resolve)
    ready, unavailable = resolve_all(expand(["history"]))
    assert [r.name for r in ready] == ["tf1.10"]
    assert unavailable == {"tf1.0": "no wheel for Python 3.6 on this platform",
                           "tf1.2": "no Python 3.6 interpreter found"}
    with pytest.raises(RuntimeSetupError):  # named on its own, it is an error
        resolve_all(expand(["tf1.2"]))


# --- the runtimes command -----------------------------------------------------------------------

def test_runtimes_lists_every_runtime_with_its_state(history, monkeypatch, capsys):
    def find(version):
        if version == "3.6":
            raise RuntimeSetupError("no Python 3.6 interpreter found")
        return f"/usr/bin/python{version}"
    monkeypatch.setattr(runtimes, "find_python", find)
    venv = runtimes.venv_dir(runtimes.SPECS["tf1.13"])
    site = venv / "lib" / "python3.7" / "site-packages" / "tensorflow-1.13.2.dist-info"
    site.mkdir(parents=True)
    (site / "RECORD").write_text("")
    (venv / "bin").mkdir()
    (venv / "bin" / "python").write_text("")
    (venv / "bin" / "python").chmod(0o755)  # an interpreter that may run (else: broken)
    (venv / runtimes.MARKER).write_text(json.dumps(
        {"lock": runtimes._lock_digest(runtimes.SPECS["tf1.13"])}))
    runtimes.venv_dir(runtimes.SPECS["tf1.14"]).mkdir(parents=True)  # half-built
    assert main(["runtimes"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[2:] if line.strip()
             and not line.startswith("sets:")}
    assert list(lines)[:7] == ["tf1.0", "tf1.2", "tf1.10", "tf1.13", "tf1.14", "tf1.15", "tf2"]
    assert "unavailable: no wheel for Python 3.6" in lines["tf1.0"]
    assert "not installed" in lines["tf1.2"] and "python3.6 not found" in lines["tf1.2"]
    assert "history" in lines["tf1.2"]
    assert "installed" in lines["tf1.13"] and "1.13.2" in lines["tf1.13"]
    assert "incomplete: an interrupted build" in lines["tf1.14"]
    assert "default" in lines["tf1.15"] and "/usr/bin/python3.7" in lines["tf1.15"]
    assert str(venv) in lines["tf1.13"]
    assert "all-1.x" in out


def test_runtimes_install_and_remove_take_names_and_sets(history, monkeypatch, capsys):
    built = []

    def fake_provision(spec, rebuild=False):
        built.append(spec.name)
        runtimes.venv_dir(spec).mkdir(parents=True, exist_ok=True)
        return Runtime(spec.name, "/x/python", True, spec.tensorflow)
    monkeypatch.setattr(runtimes, "provision", fake_provision)
    assert main(["runtimes", "install", "history"]) == 1  # tf1.0 cannot be installed
    out = capsys.readouterr().out
    assert built == ["tf1.2", "tf1.10"]
    assert "tf1.0: unavailable here: no wheel" in out and "tf1.2: installed" in out
    assert main(["runtimes", "remove", "tf1.2,tf1.13"]) == 0
    out = capsys.readouterr().out
    assert "tf1.2: removed" in out and "tf1.13: was not installed" in out
    assert not runtimes.venv_dir(runtimes.SPECS["tf1.2"]).exists()
    assert main(["runtimes", "remove", "nope"]) == 2


# --- deviations per runtime and version ---------------------------------------------------------

CASE = """
- id: t.ranges
  title: a deviation before 1.14 and another on TF 2 only
  source: {doc: article, quote: "x"}
  program:
    - variable_scope: {name_or_scope: foo, as: s}
  expect:
    s.name: foo
  deviations:
    - runtimes: ["<1.14"]
      observed: {s.name: old}
      reason: older releases name it old.
    - runtimes: [tf2]
      observed: {s.name: new}
      reason: TF 2 names it new.
"""


def test_deviations_apply_by_version_range_and_by_name(write_case):
    cases, errors = load([write_case(CASE)])
    assert not errors
    case = cases[0]

    def verdict(runtime, version, name):
        return judge(case, runtime, Outcome(facts={"s.name": name}), version).verdict
    assert verdict("tf1.13", "1.13.2", "old") == DEVIATES
    assert verdict("mine", "1.12.0", "old") == DEVIATES   # a NAME=PYTHON runtime, by version
    assert verdict("tf1.14", "1.14.0", "old") == FAIL
    assert verdict("tf1.15", "1.15.5", "foo") == CONFORMS
    assert verdict("tf2", "2.21.0", "new") == DEVIATES
    assert verdict("other2", "2.21.0", "new") == FAIL     # by name only


@pytest.mark.parametrize("entry, message", [
    ('"<1.x"', 'bad version range `<1.x` in `runtimes`: `<1.x` is not a version clause'),
    ('">=1.13,,<2"', "`` is not a version clause"),
    ("tf2.21", "unknown runtime `tf2.21` in `runtimes` (did you mean `tf2`?; known: tf1.0, "),
    ("all-1.x", "`all-1.x` in `runtimes` is a set of runtimes, not one"),
])
def test_bad_deviation_runtimes_are_located_one_liners(write_case, entry, message):
    path = write_case(CASE.replace('["<1.14"]', f"[{entry}]"))
    cases, errors = load([path])
    assert len(errors) == 1
    text = str(errors[0])
    assert "\n" not in text and message in text and f"{path.name}:9:" in text


def test_a_name_equals_python_runtime_matches_ranges_by_the_version_its_worker_reports(
        tf115, write_case):
    from harness.runner import run_cases
    text = CASE.replace('["<1.14"]', '[">=1.15,<2"]').replace("{s.name: old}", "{s.name: foo}")
    text = text.replace("s.name: foo\n  deviations", "s.name: bar\n  deviations")
    cases, errors = load([write_case(text)])
    assert not errors
    run = run_cases(cases, [Runtime("mine", tf115.python)])  # no version known up front
    assert run.info["mine"]["tensorflow"] == "1.15.5"
    assert run.results[0].verdict.verdict == DEVIATES


def test_every_runtime_name_message_lists_the_known_names(history, write_case, capsys):
    assert main(["runtimes", "install", "mine=/usr/bin/python3"]) == 2
    assert "tf1.0, tf1.2, tf1.10, tf1.13, tf1.14, tf1.15, tf2; or sets: " in \
        capsys.readouterr().err
    path = write_case(CASE.replace('["<1.14"]', "[all-1.x]"))
    (error,) = load([path])[1]
    assert "is a set of runtimes, not one" in error.message
    assert "tf1.0, tf1.2, tf1.10, tf1.13, tf1.14, tf1.15, tf2" in error.hint
