"""autograd_np.save / load: round trips of every supported type, no pickle ever, atomic
writes, clear errors."""

from __future__ import annotations

import io
import math
import os
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import nn


def _round_trip(obj: Any, tmp_path: Path) -> Any:
    path = tmp_path / "obj.npz"
    ag.save(obj, path)
    return ag.load(path)


def test_plain_values_and_containers(tmp_path: Path) -> None:
    big = 2**200 + 12345
    obj = {
        "none": None,
        "bools": [True, False],
        "ints": [0, -7, 2**63 - 1, -(2**63), big, -big],
        "floats": [1.0, -0.0, 1.5e-300, math.inf, -math.inf],
        "str": 'héllo "quoted" \n',
        "tuple": (1, (2.0, "x")),
        "nested": {"a": [{"b": ()}], "empty": {}},
    }
    loaded = _round_trip(obj, tmp_path)
    assert loaded == obj
    assert type(loaded["tuple"]) is tuple and type(loaded["tuple"][1]) is tuple
    assert type(loaded["ints"][0]) is int and type(loaded["floats"][0]) is float
    assert type(loaded["bools"][0]) is bool
    assert math.copysign(1.0, loaded["floats"][1]) == -1.0
    nan = _round_trip([math.nan], tmp_path)[0]
    assert isinstance(nan, float) and math.isnan(nan)
    assert _round_trip(5, tmp_path) == 5 and _round_trip(None, tmp_path) is None


def test_dict_keys_and_order(tmp_path: Path) -> None:
    obj = {3: "int", "3": "str", 1.5: "float", True: "bool", None: "none", (1, "a"): "tuple"}
    loaded = _round_trip(obj, tmp_path)
    assert loaded == obj and list(loaded) == list(obj)
    assert [type(k) for k in loaded] == [type(k) for k in obj]
    od = OrderedDict([("z", 1), ("a", 2)])
    loaded_od = _round_trip(od, tmp_path)
    assert type(loaded_od) is OrderedDict and list(loaded_od) == ["z", "a"]
    # Optimizer-style state: int keys holding tensors and steps.
    state = {
        "state": {0: {"step": 3, "exp_avg": ag.zeros(2)}},
        "param_groups": [{"lr": 0.1, "params": [0]}],
    }
    loaded_state = _round_trip(state, tmp_path)
    assert list(loaded_state["state"]) == [0]
    assert loaded_state["state"][0]["step"] == 3


def test_arrays_tensors_and_numpy_scalars(tmp_path: Path) -> None:
    arrays = {
        "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
        "f64": np.array(2.5),
        "i8": np.array([-1, 2], dtype=np.int8),
        "u64": np.array([2**64 - 1], dtype=np.uint64),
        "bool": np.array([True, False]),
        "c64": np.array([1 + 2j], dtype=np.complex64),
        "str": np.array(["ab", "c"]),
        "empty": np.zeros((0, 3), dtype=np.float16),
        "strided": np.arange(10.0)[::3],
    }
    loaded = _round_trip(arrays, tmp_path)
    for k, v in arrays.items():
        assert type(loaded[k]) is np.ndarray and loaded[k].dtype == v.dtype, k
        np.testing.assert_array_equal(loaded[k], v)
    t = ag.tensor([[1.0, 2.0]])
    p = nn.Parameter(np.ones(3, dtype=np.float64))
    i = ag.tensor([1, 2])
    out = _round_trip({"t": t, "p": p, "i": i}, tmp_path)
    assert (
        type(out["t"]) is ag.Tensor and out["t"].dtype == np.float32 and not out["t"].requires_grad
    )
    np.testing.assert_array_equal(out["t"].array, t.array)
    assert out["p"].requires_grad and out["p"].dtype == np.float64 and out["p"].is_leaf
    assert out["i"].dtype == np.int64
    scalars = [np.float32(1.25), np.int64(-3), np.bool_(True), np.uint8(255), np.float64(0.1)]
    loaded_scalars = _round_trip(scalars, tmp_path)
    for a, b in zip(loaded_scalars, scalars):
        assert type(a) is type(b) and a == b


def test_shared_objects_are_stored_once(tmp_path: Path) -> None:
    arr = np.arange(3.0)
    t = ag.ones(2)
    loaded = _round_trip({"a": arr, "b": arr, "t": [t, t]}, tmp_path)
    assert loaded["a"] is loaded["b"]
    assert loaded["t"][0] is loaded["t"][1]
    with zipfile.ZipFile(tmp_path / "obj.npz") as z:
        assert sorted(z.namelist()) == ["__autograd_np__.npy", "a0.npy", "a1.npy"]


def test_bit_generator_state_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(1234)
    rng.random(5)
    state = rng.bit_generator.state
    assert state["state"]["state"] > 2**64  # a 128-bit integer
    loaded = _round_trip(state, tmp_path)
    assert loaded == state
    other = np.random.default_rng()
    other.bit_generator.state = loaded
    np.testing.assert_array_equal(other.random(4), rng.random(4))
    mt = np.random.Generator(np.random.MT19937(0))
    mt_state = _round_trip(mt.bit_generator.state, tmp_path)
    np.testing.assert_array_equal(mt_state["state"]["key"], mt.bit_generator.state["state"]["key"])


def test_model_state_dict_round_trip(tmp_path: Path) -> None:
    model = nn.Sequential(
        nn.Linear(3, 4, generator=0), nn.BatchNorm1d(4), nn.Linear(4, 2, generator=1)
    )
    model(ag.randn(5, 3, generator=2))
    path = tmp_path / "model.ckpt"  # any name: no suffix is added
    ag.save(model.state_dict(), path)
    assert os.listdir(tmp_path) == ["model.ckpt"]
    loaded = ag.load(path)
    assert type(loaded) is OrderedDict and list(loaded) == list(model.state_dict())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    fresh.load_state_dict(loaded)
    for (k, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        assert a.dtype == b.dtype, k
        np.testing.assert_array_equal(a.array, b.array)
    assert fresh[1].num_batches_tracked.item() == 1


def test_file_objects_and_compression(tmp_path: Path) -> None:
    buf = io.BytesIO()
    ag.save({"x": np.zeros(1000)}, buf)
    buf.seek(0)
    np.testing.assert_array_equal(ag.load(buf)["x"], 0)
    path = tmp_path / "small.npz"
    ag.save({"x": np.zeros(1000)}, path, compress=True)
    assert path.stat().st_size < 1000
    np.testing.assert_array_equal(ag.load(str(path))["x"], 0)


# ---------------------------------------------------------------------- rejected input
def test_unsupported_types_name_the_key_path(tmp_path: Path) -> None:
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match=r"type 'BytesIO' at obj\['state'\]\[0\]\['bad'\]"):
        ag.save({"state": [{"ok": 1, "bad": io.BytesIO()}]}, path)
    with pytest.raises(TypeError, match=r"holds Python objects"):
        ag.save({"arr": np.array([1, None], dtype=object)}, path)
    with pytest.raises(TypeError, match=r"type 'BytesIO' at obj\['a'\]"):
        ag.save({"a": {io.BytesIO(): 1}}, path)
    with pytest.raises(TypeError, match=r"at obj\['f'\]: it has no import path"):
        ag.save({"f": lambda x: x}, path)
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match=r"circular reference at obj\[0\]"):
        ag.save(cyclic, path)
    assert not path.exists() and os.listdir(tmp_path) == []


def test_load_rejects_pickles_without_running_them(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> Any:
            return (Path.touch, (sentinel,))

    pickled = tmp_path / "evil.npz"
    pickled.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(ValueError, match=r"not an archive written by autograd_np\.save"):
        ag.load(pickled)
    # An object array is stored as a pickle inside an otherwise valid archive.
    archive = tmp_path / "objects.npz"
    meta = b'{"format": "autograd_np.save", "version": 1, "root": {"$": "array", "key": "a0"}}'
    np.savez(
        archive,
        a0=np.array([Payload()], dtype=object),
        __autograd_np__=np.frombuffer(meta, dtype=np.uint8),
    )
    with pytest.raises(ValueError, match="holds pickled Python objects"):
        ag.load(archive)
    assert not sentinel.exists()


def test_load_rejects_foreign_files(tmp_path: Path) -> None:
    npy = tmp_path / "a.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match=r"single \.npy array"):
        ag.load(npy)
    npz = tmp_path / "b.npz"
    np.savez(npz, x=np.zeros(3))
    with pytest.raises(ValueError, match="without the '__autograd_np__' entry"):
        ag.load(npz)
    text = tmp_path / "c.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not an archive"):
        ag.load(text)
    bad_meta = tmp_path / "d.npz"
    np.savez(bad_meta, __autograd_np__=np.frombuffer(b'{"format": "other"}', dtype=np.uint8))
    with pytest.raises(ValueError, match="unknown format"):
        ag.load(bad_meta)
    missing = tmp_path / "e.npz"
    meta = b'{"format": "autograd_np.save", "version": 1, "root": {"$": "array", "key": "a9"}}'
    np.savez(missing, __autograd_np__=np.frombuffer(meta, dtype=np.uint8))
    with pytest.raises(ValueError, match="missing array entry 'a9'"):
        ag.load(missing)


# ---------------------------------------------------------------------- atomic writes
def test_crash_mid_save_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ckpt.npz"
    ag.save({"version": 1, "w": np.ones(3)}, path)
    old_bytes = path.read_bytes()

    def crash(fh: Any, **entries: Any) -> None:
        fh.write(b"PK\x03\x04 half an archive")  # part of the new file reaches the disk
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        ag.save({"version": 2, "w": np.zeros(3)}, path)
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert ag.load(path)["version"] == 1
    monkeypatch.undo()

    def no_replace(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # interrupted after writing, before the rename

    monkeypatch.setattr(os, "replace", no_replace)
    with pytest.raises(KeyboardInterrupt):
        ag.save({"version": 3}, path)
    assert path.read_bytes() == old_bytes and os.listdir(tmp_path) == ["ckpt.npz"]


def test_save_writes_through_fsync_and_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        os,
        "replace",
        lambda a, b: (calls.append(f"replace {Path(a).parent == tmp_path}"), real_replace(a, b))[1],
    )
    ag.save({"a": 1}, tmp_path / "x.npz")
    assert calls[:2] == ["fsync", "replace True"]  # temp file in the same directory
    assert ag.load(tmp_path / "x.npz") == {"a": 1}
    mode = (tmp_path / "x.npz").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
