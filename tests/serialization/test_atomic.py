"""Crash-safe saves (issue 17, items 5-8): kill -9 mid-save, Ctrl-C at os.open, kept
permissions, symlinks written through."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.serialization import _atomic
from autograd_np.serialization.safetensors import load_file, save_file

CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import autograd_np as ag
    from autograd_np.serialization import _api

    def slow_write(fh, *args, **kwargs):
        fh.write(b"PK\\x03\\x04 half of a new checkpoint")
        fh.flush()
        open(sys.argv[2], "w").close()  # tell the parent: the temporary file is being written
        time.sleep(120)

    _api.write_archive = slow_write
    ag.save({"version": 2, "w": np.zeros(1000)}, sys.argv[1])
    """
)


def _kill_mid_save(path: Path, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    ready.unlink(missing_ok=True)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(ready)])
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert child.poll() is None, "the child exited before it was killed"
            assert time.monotonic() < deadline, "the child never started writing"
            time.sleep(0.05)
        child.kill()  # SIGKILL: no handler, no cleanup runs
    finally:
        child.wait()


def test_kill_9_mid_save_keeps_the_old_file_and_the_next_save_cleans_up(tmp_path: Path) -> None:
    folder = tmp_path / "ckpts"
    folder.mkdir()
    path = folder / "model.pt"
    ag.save({"version": 1, "w": np.ones(1000)}, path)
    old = path.read_bytes()
    _kill_mid_save(path, tmp_path)
    first = [n for n in os.listdir(folder) if n != "model.pt"]
    assert len(first) == 1 and first[0].startswith("model.pt.autograd_np-tmp.")  # not hidden
    _kill_mid_save(path, tmp_path)  # this save removed the first one's leftover
    assert path.read_bytes() == old and ag.load(path)["version"] == 1
    leftovers = [n for n in os.listdir(folder) if n != "model.pt"]
    assert len(leftovers) == 1 and leftovers != first
    ag.save({"version": 3}, path)  # the next save of the same path removes them
    assert os.listdir(folder) == ["model.pt"]
    assert ag.load(path) == {"version": 3}


def test_a_live_process_temporary_is_not_removed(tmp_path: Path) -> None:
    path = tmp_path / "x.pt"
    mine = Path(_atomic.temporary_name(str(path)))  # this process is alive
    mine.write_bytes(b"in progress")
    ag.save(1, path)
    assert mine.exists()
    unrelated = tmp_path / "x.pt.autograd_np-tmp.notapid.abc"
    unrelated.write_bytes(b"")
    other = tmp_path / "y.pt.autograd_np-tmp.999999999.abc"
    other.write_bytes(b"")
    ag.save(2, path)
    assert unrelated.exists() and other.exists()  # only this path's, only dead pids


def test_ctrl_c_right_after_os_open_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ckpt.pt"
    ag.save({"version": 1}, path)
    old = path.read_bytes()
    real_open = os.open

    def interrupted_open(name: str, flags: int, mode: int = 0o777) -> int:
        fd = real_open(name, flags, mode)  # the file now exists...
        os.close(fd)
        raise KeyboardInterrupt  # ...and SIGINT arrives before the caller sees the fd

    monkeypatch.setattr(_atomic.os, "open", interrupted_open)
    with pytest.raises(KeyboardInterrupt):
        ag.save({"version": 2}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.pt"] and path.read_bytes() == old


def test_saving_over_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "secret.pt"
    ag.save({"a": 1}, path)
    os.chmod(path, 0o600)
    ag.save({"a": 2}, path)
    assert path.stat().st_mode & 0o777 == 0o600
    os.chmod(path, 0o640)
    save_file({"w": np.zeros(2)}, path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_saving_to_a_symlink_writes_through_it(tmp_path: Path) -> None:
    real = tmp_path / "store" / "model-v1.pt"
    real.parent.mkdir()
    ag.save({"version": 1}, real)
    link = tmp_path / "latest.pt"
    link.symlink_to(real)
    chain = tmp_path / "current.pt"
    chain.symlink_to(link)
    ag.save({"version": 2}, chain)
    assert chain.is_symlink() and link.is_symlink()
    assert ag.load(real) == {"version": 2}
    assert sorted(os.listdir(tmp_path)) == ["current.pt", "latest.pt", "store"]
    assert os.listdir(real.parent) == ["model-v1.pt"]
    dangling = tmp_path / "new.pt"
    dangling.symlink_to(tmp_path / "store" / "created.pt")
    ag.save({"version": 3}, dangling)
    assert ag.load(tmp_path / "store" / "created.pt") == {"version": 3}
    save_file({"w": np.ones(3)}, link)
    assert link.is_symlink() and load_file(real)["w"].shape == (3,)
