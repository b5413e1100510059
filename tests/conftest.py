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


def find_shared(root: Path = ROOT) -> Path:
    """The team's shared/ folder: beside the clone, or, for a linked worktree (`git worktree
    add`, whose .git is a file naming its git dir), beside the main checkout it belongs to, so
    that the checks of the article's text run in a worktree too instead of skipping."""
    beside = root.parent / "shared"
    dotgit = root / ".git"
    if beside.is_dir() or not dotgit.is_file():
        return beside
    text = dotgit.read_text(encoding="utf-8", errors="replace").strip()
    if not text.startswith("gitdir:"):
        return beside
    gitdir = root / text[len("gitdir:"):].strip()  # an absolute path stays absolute
    commondir = gitdir / "commondir"  # MAIN/.git, relative to gitdir ("../..")
    common = gitdir / commondir.read_text(encoding="utf-8").strip() if commondir.is_file() \
        else gitdir.parent.parent
    main_shared = common.resolve().parent.parent / "shared"
    return main_shared if main_shared.is_dir() else beside


ARTICLE = find_shared() / "seeds" / "article.txt"


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
