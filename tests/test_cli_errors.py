"""The CLI under bad input, harness bugs and Ctrl-C: input errors are one line each with the file
(and line, and a fix), exit 2 and never a traceback; a bug says it is one (traceback only with
--debug); Ctrl-C keeps the finished results, writes their JSON, leaves the previous report as it
was, exits 130 and leaves no worker behind. The interrupted runs use real TF 1.15."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from harness import cases as caselib
from harness import cli

from .conftest import ROOT
from .test_hostile_input import PATHOLOGICAL, alias_bomb

HEADER = "id: {id}\ntitle: t\nsource: {{doc: d, quote: q}}\n"
GOOD_PROGRAM = ("program:\n  - get_variable: {name: v, shape: [1], as: v1}\n"
                "expect:\n  v1.name: v:0\n")

# file name -> (content, what the error says, the line it names or None for a whole-file error)
BROKEN: dict[str, tuple[str | bytes, str, int | None]] = {
    "syntax.yaml": (HEADER.format(id="b.syntax") + "program: [\n", "YAML syntax error", None),
    "tabs.yaml": ("id: b.tabs\n\ttitle: t\n", "YAML syntax error", 2),
    "unknown-step.yaml": (HEADER.format(id="b.step") + "program:\n  - get_varible: {name: v}\n"
                          "expect:\n  graph.ops: []\n", "did you mean `get_variable`?", 5),
    "test-step.yaml": (HEADER.format(id="b.sleep") + "program:\n  - sleep: 100\n"
                       "expect:\n  graph.ops: []\n", "harness's own tests only", 5),
    "bad-arg.yaml": (HEADER.format(id="b.arg") + "program:\n  - get_variable: {name: v, "
                     "shape: [-1]}\nexpect:\n  graph.ops: []\n", "bad `shape`", 5),
    "bad-fact.yaml": (HEADER.format(id="b.fact") + GOOD_PROGRAM.replace("v1.name", "v1.nme"),
                      "did you mean `name`?", 7),
    "python-tag.yaml": ("id: !!python/object/apply:os.system [echo owned]\n",
                        "unsupported YAML tag", 1),
    "binary.yaml": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not UTF-8", None),
    "control.yaml": ("id: b.ctl\ntitle: \x07bell\n", "is not allowed in YAML", 2),
    "empty.yaml": ("", "empty case file", None),
    "scalar.yaml": ("just a string\n", "a case must be a mapping", 1),
    "newline-id.yaml": ('id: "b.x\\n"\ntitle: t\nsource: {doc: d, quote: q}\n' + GOOD_PROGRAM,
                        "bad case id", 1),
    "huge-int.yaml": (HEADER.format(id="b.int") + "timeout: " + "9" * 5000 + "\n",
                      "bad int value", 4),
    "alias-bomb.yaml": (alias_bomb(9), "too large", None),
    "deep.yaml": (PATHOLOGICAL["deep flow sequence"][0], "nest", 1),  # ours, or libyaml's limit
    "good.yaml": (HEADER.format(id="b.good") + GOOD_PROGRAM, "", None),
    "dup-key.yaml": (HEADER.format(id="b.dupkey") + "title: again\n" + GOOD_PROGRAM,
                     "duplicate key `title`", 4),
}


def tfscope(*args: str, cwd: Path = ROOT, env: dict | None = None
            ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def broken_dir(tmp_path) -> Path:
    directory = tmp_path / "broken"
    directory.mkdir()
    for name, (content, _, _) in BROKEN.items():
        path = directory / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (directory / "copy.yaml").write_text(HEADER.format(id="b.good") + GOOD_PROGRAM)
    return directory


def check_one_line_errors(stderr: str, directory: Path) -> list[str]:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("tfscope: error: ")]
    for line in errors:  # each names its file
        assert "broken/" in line or str(directory) in line, line
    return errors


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_directory_of_broken_files_gives_exit_2_and_no_traceback(broken_dir, command):
    proc = tfscope(command, "--runtime", "tf1.15", str(broken_dir)) if command == "run" else \
        tfscope(command, str(broken_dir))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    errors = check_one_line_errors(proc.stderr, broken_dir)
    for name, (_, message, line) in BROKEN.items():
        if not message:
            continue
        (error,) = [e for e in errors if f"/{name}:" in e]
        assert message in error, error
        if line is not None:
            assert f"/{name}:{line}: " in error, error
    assert any(".yaml:1: duplicate case id `b.good` (already used at " in e for e in errors)
    if command == "run":  # the one valid case still ran
        assert "conforms" in proc.stdout


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_file_in_process(tmp_path, capsys, name):
    content, message, line = BROKEN[name]
    path = tmp_path / "broken" / name
    path.parent.mkdir()
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code = cli.main(["validate", str(path)])
    err = capsys.readouterr().err
    errors = check_one_line_errors(err, tmp_path)
    if message:
        assert code == 2 and len(errors) == 1 and message in errors[0], err
        assert "(" in errors[0] or line is None, f"no fix offered: {errors[0]}"


@pytest.mark.parametrize("argv, message", [
    (["run", "--timeout", "-1"], "expected a number of seconds"),
    (["run", "--timeout", "nan"], "expected a number of seconds"),
    (["run", "--timeout", "soon"], "expected a number of seconds"),
    (["run", "--frobnicate"], "unrecognized arguments"),
    (["validate", "/no/such/dir"], "no such file or directory"),
])
def test_usage_errors_are_one_line_exit_2(capsys, argv, message):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and message in err and len(err.strip().splitlines()) <= 2


@pytest.mark.parametrize("setting, message", [
    ("timeout = \"soon\"", "[tool.tfscope] timeout must be a number of seconds"),
    ("tiemout = 5", "unknown setting `tiemout`"),
    ("timeout = [", "cannot read configuration"),
    # each was an internal error where it is used (select, setrlimit, the case loader)
    ("timeout = inf", "[tool.tfscope] timeout must be a number of seconds (at most 86400)"),
    ("timeout = 1e308", "[tool.tfscope] timeout must be a number of seconds"),
    ("cases = 5", "[tool.tfscope] cases must be a list of paths, not 5"),
    ("report = 5", "[tool.tfscope] report must be a path, not 5"),
    ("report_runtimes = 7", "[tool.tfscope] report_runtimes must be a list of names, not 7"),
    ("worker_memory_mib = 99999999999999999",
     "[tool.tfscope] worker_memory_mib must be at most 16777216"),
    ("start_timeout = 0", "e.g. `start_timeout = 60`, or no line (then the timeout is used)"),
])
def test_bad_configuration_is_an_input_error(tmp_path, monkeypatch, capsys, setting, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.tfscope]\nruntimes = ['tf1.15']\n{setting}\n")
    (tmp_path / "c.yaml").write_text(HEADER.format(id="c.ok") + GOOD_PROGRAM)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "c.yaml"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and message in err and "pyproject.toml" in err, err


def test_a_harness_bug_says_so_with_traceback_only_under_debug(monkeypatch, capsys):
    def broken(args, config):
        raise ZeroDivisionError("deliberate")
    monkeypatch.setitem(cli.COMMANDS, "validate", broken)
    assert cli.main(["validate"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert "a bug in tfscope" in err and "ZeroDivisionError: deliberate" in err
    assert "Traceback" not in err and "--debug" in err
    assert cli.main(["--debug", "validate"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert "Traceback" in err and "a bug in tfscope" in err


def test_timeouts_reach_the_runner_with_command_line_over_config(monkeypatch, tmp_path):
    """The CLI hands --timeout and [tool.tfscope] timeout to the runner, which ranks them
    (command line > case > configuration; proven on the real worker in test_faults.py)."""
    seen: list[dict] = []

    def run_cases(cases, runtimes, **kwargs):
        seen.append(kwargs)
        raise KeyboardInterrupt  # stop here: only the arguments matter
    monkeypatch.setattr(cli, "run_cases", run_cases)
    (tmp_path / "pyproject.toml").write_text("[tool.tfscope]\nruntimes = ['tf1.15']\n"
                                             "timeout = 7\n")
    (tmp_path / "c.yaml").write_text(HEADER.format(id="c.ok") + GOOD_PROGRAM)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "c.yaml"]) == 130
    assert cli.main(["run", "c.yaml", "--timeout", "3"]) == 130
    assert [(k["timeout"], k["default_timeout"]) for k in seen] == [(None, 7), (3.0, 7)]


# --- Ctrl-C on a real run -----------------------------------------------------------------------

def interrupt_while_sleeping(command: list[str], tmp_path: Path, finished: int = 20
                             ) -> tuple[subprocess.CompletedProcess, str]:
    """Run `finished` quick cases then one that sleeps, and send SIGINT during the sleep (the
    progress line for the last quick case says when). Returns the process and its run mark."""
    cases = tmp_path / "cases.yaml"
    docs = [HEADER.format(id=f"q.case-{i:02d}") + GOOD_PROGRAM for i in range(finished)]
    docs.append(HEADER.format(id="q.sleeper") + "program:\n  - sleep: 120\n"
                "expect:\n  graph.ops: []\n")
    cases.write_text("".join("- " + doc.replace("\n", "\n  ").rstrip() + "\n" for doc in docs))
    mark = uuid.uuid4().hex  # inherited by the workers: finds them even once orphaned
    env = dict(os.environ, TFSCOPE_TEST_STEPS="1", TFSCOPE_TEST_MARK=mark)
    proc = subprocess.Popen([sys.executable, "-m", "harness", *command, "--runtime", "tf1.15",
                             str(cases)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            # Ctrl-C as a terminal sends it, even to a test run started with
                            # SIGINT ignored (in the background): else it would be ignored too
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = []
    deadline = time.monotonic() + 300
    for line in proc.stderr:  # progress: "[tf1.15] 20/21 cases" then the sleeper runs
        seen.append(line)
        if f"{finished}/{finished + 1} cases" in line or time.monotonic() > deadline:
            break
    else:
        pytest.fail("no progress line: " + "".join(seen))
    time.sleep(1.5)  # well inside the 120 s sleep
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout,
                                       "".join(seen) + stderr), mark


def processes_with(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_ctrl_c_writes_finished_results_and_exits_130(tf115, tmp_path):
    out = tmp_path / "out.json"
    started = time.monotonic()
    proc, mark = interrupt_while_sleeping(["run", "--json", str(out)], tmp_path)
    assert proc.returncode == 130, proc.stderr
    assert time.monotonic() - started < 100  # did not wait for the sleeper
    assert "Traceback" not in proc.stderr and "interrupted" in proc.stderr
    data = json.loads(out.read_text())
    assert data["interrupted"] is True
    assert [r["id"] for r in data["results"]] == [f"q.case-{i:02d}" for i in range(20)]
    assert {r["verdict"] for r in data["results"]} == {"conforms"}
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert processes_with(mark) == [], "a worker outlived the run"


def test_ctrl_c_leaves_the_previous_report_untouched(tf115, tmp_path):
    report = tmp_path / "report.md"
    report.write_text("the previous report\n")
    proc, mark = interrupt_while_sleeping(["report", "-o", str(report)], tmp_path)
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr and "left as it was" in proc.stderr
    assert report.read_text() == "the previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.yaml", "report.md"]
    assert processes_with(mark) == []


def test_case_ids_cannot_name_paths(tmp_path):
    """Ids are the only case text that could end up in a file name; none can hold a path."""
    for bad in ("../../etc/x", "/abs", "a/b", "a\\b", ".hidden", "x\n", "UPPER", ""):
        path = tmp_path / "c.yaml"
        path.write_text(HEADER.format(id=json.dumps(bad)) + GOOD_PROGRAM)
        cases, errors = caselib.load([path])
        assert not cases and ("bad case id" in str(errors[0]) or "non-empty" in str(errors[0]))


def test_case_pages_never_go_into_a_folder_of_case_files(tmp_path, monkeypatch, capsys):
    # `report --details -o report.md` in a project's root wrote its pages into cases/
    (tmp_path / "pyproject.toml").write_text("[tool.tfscope]\nruntimes = ['tf1.15']\n")
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "c.yaml").write_text(HEADER.format(id="c.ok") + GOOD_PROGRAM)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", "--details", "-o", "report.md"]) == 2
    err = capsys.readouterr().err
    assert "the report's case pages would go into cases, a folder of case files (write the " \
           "report into a folder of its own" in err
    assert sorted(p.name for p in (tmp_path / "cases").iterdir()) == ["c.yaml"]
    assert not (tmp_path / "report.md").exists()


def test_a_report_into_a_link_that_loops_is_the_users_to_fix(tmp_path, monkeypatch, capsys):
    # Path.resolve's RuntimeError on the loop was an internal error, exit 3
    (tmp_path / "pyproject.toml").write_text("[tool.tfscope]\nruntimes = ['tf1.15']\n")
    (tmp_path / "c.yaml").write_text(HEADER.format(id="c.ok") + GOOD_PROGRAM)
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", "c.yaml", "-o", "loop1"]) == 2
    assert "loop1: cannot write: Too many levels of symbolic links (a symbolic link loops: fix " \
           "or remove the link)" in capsys.readouterr().err


@pytest.mark.parametrize("first", ['{"hello": 1}', '{"hello": {}}', '{"hello": [1, 2]}',
                                   '{"hello": {"tensorflow": 5}}'])
def test_an_interpreter_whose_hello_is_not_a_workers_is_one_line(tmp_path, capsys, first,
                                                                  monkeypatch):
    """`--runtime NAME=PATH` naming a program that prints some other JSON first: one line
    naming it, exit 2 (`{"hello": 1}` was an internal error, TypeError; `{"hello": {}}` ran
    every case into its time limit)."""
    fake = tmp_path / "fake-python"
    fake.write_text(f"#!/bin/sh\necho '{first}'\ncat >/dev/null\n")
    fake.chmod(0o755)
    monkeypatch.chdir(ROOT)
    code = cli.main(["run", "cases/article/example.yaml", "--runtime", f"mine={fake}", "-j", "1",
                     "--timeout", "5"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [
        f"tfscope: error: runtime mine: the worker did not start: unexpected first message "
        f"{json.loads(first)} (check that this interpreter has TensorFlow 1.x (or 2.x): {fake})"]
