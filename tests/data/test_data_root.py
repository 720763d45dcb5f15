"""Dataset root resolution."""

from __future__ import annotations

from pathlib import Path

from autograd_np.data import default_data_root
from autograd_np.data._root import resolve_root


def test_env_var_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRAD_NP_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/else")
    assert default_data_root() == tmp_path
    assert resolve_root(None) == tmp_path


def test_xdg_cache_then_home(monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOGRAD_NP_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_data_root() == tmp_path / "autograd_np"
    monkeypatch.setenv("AUTOGRAD_NP_DATA", "")  # empty counts as unset
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_root() == tmp_path / "home" / ".cache" / "autograd_np"


def test_explicit_root_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRAD_NP_DATA", "/not/used")
    assert resolve_root(tmp_path) == tmp_path
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_root("~/d") == Path(tmp_path) / "d"
