"""The opt-in history runtimes (TF 1.0-1.12 on Python 3.6): each minor release is either
installable from its hash-pinned lock file or says why it is unavailable; none is dropped.

Provisioning them is too slow for CI (CI runs tf1.13, tf1.15 and tf2): docs/history-runtimes.md
records the manual runs.
"""

from __future__ import annotations

import pytest

from harness import runtimes
from harness.errors import RuntimeSetupError
from harness.runtimes import SPECS, Spec

HISTORY = [f"tf1.{minor}" for minor in range(13)]


def test_every_minor_release_before_1_13_is_a_history_runtime():
    assert sorted(n for n, s in SPECS.items() if s.history) == sorted(HISTORY)


@pytest.mark.parametrize("name", HISTORY)
def test_history_spec_is_python36_and_locked_or_says_why_not(name):
    spec = SPECS[name]
    assert spec.python == "3.6" and spec.history
    assert spec.requirements[0].startswith(f"tensorflow=={name[2:]}.")
    if spec.unavailable:
        assert "\n" not in spec.unavailable
    else:
        lock = spec.lock.read_text()
        assert f"\ntensorflow=={spec.requirements[0].split('==')[1]} \\" in lock
        assert "--hash=sha256:" in lock


def test_everyday_runtimes_are_not_history():
    for name in ("tf1.13", "tf1.14", "tf1.15"):
        assert not SPECS[name].history and not SPECS[name].setup and not SPECS[name].unavailable


def test_an_unavailable_runtime_is_refused_with_its_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("TFSCOPE_CACHE", str(tmp_path))
    spec = Spec("old", "3.6", ("tensorflow==0.1",), unavailable="no wheel for this machine")
    with pytest.raises(RuntimeSetupError, match="unavailable: no wheel for this machine"):
        runtimes.provision(spec)
    assert not (tmp_path / "runtimes").exists()
