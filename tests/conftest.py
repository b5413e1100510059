"""Shared fixtures: the real reference runtime (provisioned on first use) and case-file helpers."""

from __future__ import annotations

import textwrap
from contextlib import nullcontext
from pathlib import Path

import pytest

from harness.runtimes import Runtime, resolve

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "cases" / "article" / "example.yaml"


def provision(config: pytest.Config, name: str) -> Runtime:
    """A runtime for real, installed into the user cache the first time, with the install's
    progress shown live (it takes minutes on a fresh machine) rather than captured."""
    capman = config.pluginmanager.getplugin("capturemanager")
    with capman.global_and_fixture_disabled() if capman else nullcontext():
        return resolve(name)


@pytest.fixture(scope="session")
def tf115(pytestconfig: pytest.Config) -> Runtime:
    """TensorFlow 1.15.5 for real."""
    return provision(pytestconfig, "tf1.15")


@pytest.fixture
def write_case(tmp_path: Path):
    """Write YAML text (dedented) to a file under tmp_path and return its path."""
    def write(text: str, name: str = "case.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        return path
    return write


@pytest.fixture
def ours():
    """The TF processes this test starts in this process (tests/procs.py, Ours)."""
    from .procs import Ours
    return Ours()
