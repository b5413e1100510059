"""Finding a base interpreter (Python 3.7 for TF1) on a machine that does not have it on PATH:
pyenv's and uv's managed interpreters, `uv python find`, the message with the exact commands,
and `tfscope runtimes install --get-python` running `uv python install`. Fake interpreters and a
fake `uv` (shell scripts in tmp); no TensorFlow, nothing installed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import cli, runtimes
from harness.errors import RuntimeSetupError


def fake_python(path: Path, version: str) -> Path:
    """An executable that answers the version probe like Python `version` would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bare(tmp_path, monkeypatch) -> Path:
    """A machine with no Python 3.7 anywhere: an empty PATH and HOME, no pyenv or uv dirs."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("PYENV_ROOT", "XDG_DATA_HOME", "UV_PYTHON_INSTALL_DIR", "TFSCOPE_PYTHON3_7"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def fake_uv(bare: Path, finds: Path | None = None) -> Path:
    """A `uv` on PATH: `python find` names `finds` (when it exists), `python install V` makes a
    managed interpreter under $HOME/.local/share/uv/python; every call is logged."""
    managed = bare / "home" / ".local" / "share" / "uv" / "python"
    target = finds or managed / "cpython-3.7.9-linux-x86_64-gnu" / "bin" / "python3.7"
    uv = bare / "bin" / "uv"
    uv.write_text(f"""#!/bin/sh
PATH=/usr/bin:/bin
echo "$@" >> {bare}/uv.log
if [ "$1 $2" = "python find" ]; then
  if [ -x {target} ]; then echo {target}; exit 0; fi
  echo "error: No interpreter found for Python $3" >&2; exit 2
fi
if [ "$1 $2" = "python install" ]; then
  mkdir -p {target.parent}
  printf '#!/bin/sh\\necho %s\\n' "$3" > {target}; chmod +x {target}; exit 0
fi
exit 2
""")
    uv.chmod(0o755)
    return uv


def calls(bare: Path) -> list[str]:
    log = bare / "uv.log"
    return log.read_text().splitlines() if log.exists() else []


def test_nothing_found_says_where_it_looked_and_the_exact_commands(bare):
    with pytest.raises(RuntimeSetupError) as info:
        runtimes.find_python("3.7")
    text = str(info.value)
    assert "no Python 3.7 interpreter found" in text
    for place in ("$TFSCOPE_PYTHON3_7", "python3.7 on PATH", "pyenv", "uv"):
        assert place in text, text
    assert "`uv python install 3.7`" in text and "`pyenv install 3.7`" in text
    assert "$TFSCOPE_PYTHON3_7=/path/to/python3.7" in text and "\n" not in text


def test_pyenv_versions_are_found_newest_patch_first(bare, monkeypatch):
    root = bare / "pyenv"
    monkeypatch.setenv("PYENV_ROOT", str(root))
    fake_python(root / "versions" / "3.7.9" / "bin" / "python3.7", "3.7")
    newest = fake_python(root / "versions" / "3.7.16" / "bin" / "python3.7", "3.7")
    fake_python(root / "versions" / "3.11.7" / "bin" / "python3.11", "3.11")
    assert runtimes.find_python("3.7") == str(newest)     # 16 > 9, not by spelling
    # ~/.pyenv as well, without PYENV_ROOT
    monkeypatch.delenv("PYENV_ROOT")
    home = fake_python(bare / "home" / ".pyenv" / "versions" / "3.7.2" / "bin" / "python3.7",
                       "3.7")
    assert runtimes.find_python("3.7") == str(home)


def test_uv_managed_interpreters_are_found_without_uv_on_path(bare, monkeypatch):
    managed = bare / "home" / ".local" / "share" / "uv" / "python"
    found = fake_python(managed / "cpython-3.7.9-linux-x86_64-gnu" / "bin" / "python3.7", "3.7")
    assert runtimes.find_python("3.7") == str(found)
    elsewhere = bare / "uvdir"
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(elsewhere))
    first = fake_python(elsewhere / "cpython-3.7.17-macos-aarch64-none" / "bin" / "python3.7",
                        "3.7")
    assert runtimes.find_python("3.7") == str(first)
    # An executable that is not the version asked for is passed over.
    fake_python(bare / "bin" / "python3.7", "3.8")
    assert runtimes.find_python("3.7") == str(first)


def test_uv_python_find_is_asked_when_uv_is_on_path(bare):
    somewhere = fake_python(bare / "opt" / "py37" / "bin" / "python3.7", "3.7")
    fake_uv(bare, finds=somewhere)
    assert runtimes.find_python("3.7") == str(somewhere)
    assert "python find 3.7" in calls(bare)


def test_with_uv_the_hint_offers_get_python_and_nothing_is_installed_unasked(bare):
    uv = fake_uv(bare)
    assert runtimes.get_python_command("3.7") == [str(uv), "python", "install", "3.7"]
    with pytest.raises(RuntimeSetupError) as info:
        runtimes.find_python("3.7")
    assert "`tfscope runtimes install --get-python NAME` runs `uv python install 3.7`" in \
        str(info.value)
    assert not any("install" in call for call in calls(bare))


def test_get_python_runs_uv_python_install_then_finds_it(bare):
    fake_uv(bare)
    found = runtimes.get_python("3.7")
    assert "python install 3.7" in calls(bare) and found.endswith("/bin/python3.7")
    assert calls(bare).count("python install 3.7") == 1
    runtimes.get_python("3.7")  # found now: not installed again
    assert calls(bare).count("python install 3.7") == 1


def test_get_python_without_uv_gives_the_commands(bare):
    assert runtimes.get_python_command("3.7") is None
    with pytest.raises(RuntimeSetupError) as info:
        runtimes.get_python("3.7")
    assert "`uv python install 3.7`" in str(info.value) and "`pyenv install 3.7`" in \
        str(info.value)


def test_runtimes_install_get_python(bare, monkeypatch, capsys):
    monkeypatch.setenv("TFSCOPE_CACHE", str(bare / "cache"))
    fake_uv(bare)

    def resolve(name: str) -> runtimes.Runtime:  # no TensorFlow: only the interpreter lookup
        return runtimes.Runtime(name, runtimes.find_python(runtimes.SPECS[name].python))
    monkeypatch.setattr(cli, "resolve", resolve)
    # `install` repairs (checks, then builds what is broken): here only its interpreter lookup.
    monkeypatch.setattr(cli, "repair", lambda spec: (resolve(spec.name), ""))
    assert cli.main(["runtimes", "install", "tf1.15"]) == 1    # not asked: nothing installed
    out = capsys.readouterr().out
    assert "tf1.15: not installed: no Python 3.7 interpreter found" in out
    assert "--get-python" in out and set(calls(bare)) == {"python find 3.7"}
    assert cli.main(["runtimes", "install", "tf1.15", "--get-python"]) == 0
    assert "python install 3.7" in calls(bare)
    assert "tf1.15: installed, " in capsys.readouterr().out
    assert os.access(bare / "home" / ".local" / "share" / "uv" / "python" /
                     "cpython-3.7.9-linux-x86_64-gnu" / "bin" / "python3.7", os.X_OK)
