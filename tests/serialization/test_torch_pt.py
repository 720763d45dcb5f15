"""Loading PyTorch's .pt/.pth zip files without torch.

The files are built here from the documented layout of ``torch.save`` (PyTorch >= 1.6): a
zip with ``archive/data.pkl`` (protocol-2 pickle whose tensors are
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)``
and whose storages are persistent ids ``('storage', torch.FloatStorage, key, location,
numel)``), ``archive/data/<key>`` (raw bytes), ``archive/byteorder`` and
``archive/version``. The pickle is written by Python's own pickler, with small stand-in
classes registered under torch's module names only while the file is written.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import types
import zipfile
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import nn, serialization
from autograd_np.serialization import WeightsOnlyError

_STORAGE_NAMES = {
    np.dtype("float32"): "FloatStorage",
    np.dtype("float64"): "DoubleStorage",
    np.dtype("float16"): "HalfStorage",
    np.dtype("int64"): "LongStorage",
    np.dtype("int32"): "IntStorage",
    np.dtype("uint8"): "ByteStorage",
    np.dtype("bool"): "BoolStorage",
}


class FakeStorage:
    def __init__(self, array: np.ndarray, location: str = "cpu") -> None:
        self.array = array  # one-dimensional
        self.location = location


class FakeTensor:
    """Pickles as torch.Tensor does: a call of _rebuild_tensor_v2."""

    def __init__(
        self,
        storage: FakeStorage,
        offset: int,
        size: tuple[int, ...],
        stride: tuple[int, ...],
        requires_grad: bool = False,
    ) -> None:
        self.args = (storage, offset, size, stride, requires_grad, OrderedDict())

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (sys.modules["torch._utils"]._rebuild_tensor_v2, self.args)


class FakeParameter:
    def __init__(self, data: FakeTensor, requires_grad: bool = True) -> None:
        self.data, self.requires_grad = data, requires_grad

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (
            sys.modules["torch._utils"]._rebuild_parameter,
            (self.data, self.requires_grad, OrderedDict()),
        )


def tensor(values: Any, requires_grad: bool = False, location: str = "cpu") -> FakeTensor:
    arr = np.array(values, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
    strides = tuple(s // arr.itemsize for s in arr.strides)
    return FakeTensor(FakeStorage(arr.reshape(-1), location), 0, arr.shape, strides, requires_grad)


def _fake_modules() -> dict[str, types.ModuleType]:
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args: Any) -> None:
        raise AssertionError("never called")

    def _rebuild_parameter(*args: Any) -> None:
        raise AssertionError("never called")

    for fn in (_rebuild_tensor_v2, _rebuild_parameter):
        fn.__module__ = "torch._utils"
        fn.__qualname__ = fn.__name__
        setattr(utils, fn.__name__, fn)
    for name in _STORAGE_NAMES.values():
        setattr(torch, name, type(name, (), {"__module__": "torch"}))
    return {"torch": torch, "torch._utils": utils}


@pytest.fixture
def fake_torch(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, types.ModuleType]]:
    assert "torch" not in sys.modules, "these tests stand in for torch; run them without it"
    modules = _fake_modules()
    with monkeypatch.context() as m:
        for name, module in modules.items():
            m.setitem(sys.modules, name, module)
        yield modules
    assert "torch" not in sys.modules


def torch_save_bytes(obj: Any, *, byteorder: str = "little", archive: str = "archive") -> bytes:
    """The bytes of ``torch.save(obj)`` for ``obj`` made of the stand-ins above."""
    storages: dict[int, tuple[str, FakeStorage]] = {}

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj: Any) -> Any:
            if not isinstance(obj, FakeStorage):
                return None
            key = storages.setdefault(id(obj), (str(len(storages)), obj))[0]
            kind = getattr(sys.modules["torch"], _STORAGE_NAMES[obj.array.dtype])
            return ("storage", kind, key, obj.location, obj.array.size)

    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(obj)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{archive}/data.pkl", buf.getvalue())
        z.writestr(f"{archive}/byteorder", byteorder)
        for key, storage in storages.values():
            order = "<" if byteorder == "little" else ">"
            raw = storage.array.astype(storage.array.dtype.newbyteorder(order)).tobytes()
            z.writestr(f"{archive}/data/{key}", raw)
        z.writestr(f"{archive}/version", "3\n")
        z.writestr(f"{archive}/.data/version", "3\n")
    return out.getvalue()


def test_state_dict_of_a_linear_layer(fake_torch: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    state = OrderedDict([("weight", tensor(w)), ("bias", tensor(b))])
    path = tmp_path / "linear.pth"
    path.write_bytes(torch_save_bytes(state))
    del fake_torch
    sys.modules.pop("torch", None), sys.modules.pop("torch._utils", None)
    loaded = ag.load(path)
    assert "torch" not in sys.modules
    assert type(loaded) is OrderedDict and list(loaded) == ["weight", "bias"]
    assert type(loaded["weight"]) is ag.Tensor and loaded["weight"].dtype == np.float32
    layer = nn.Linear(4, 3)
    layer.load_state_dict(loaded)
    np.testing.assert_array_equal(layer.weight.array, w)
    x = rng.standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(layer(ag.tensor(x)).array, x @ w.T + b, rtol=1e-6)


def test_dtypes_views_parameters_and_nested_containers(fake_torch: Any) -> None:
    base = FakeStorage(np.arange(12, dtype=np.float64))
    obj = {
        "model": OrderedDict(
            [
                ("f16", tensor(np.array([1.5, -2.0], dtype=np.float16))),
                ("i64", tensor(np.array([[1, 2]], dtype=np.int64))),
                ("i32", tensor(np.array([7], dtype=np.int32))),
                ("u8", tensor(np.array([255], dtype=np.uint8))),
                ("mask", tensor(np.array([True, False]))),
                ("scalar", tensor(np.array(3.25, dtype=np.float32))),
                ("empty", tensor(np.zeros((0, 3), dtype=np.float32))),
                ("param", FakeParameter(tensor(np.ones(2, dtype=np.float32)))),
                ("frozen", FakeParameter(tensor(np.ones(2, dtype=np.float32)), False)),
            ]
        ),
        # two views of one storage: a row at an offset and a transposed (strided) matrix
        "row": FakeTensor(base, 4, (4,), (1,)),
        "t": FakeTensor(base, 0, (4, 3), (1, 4)),
        "epoch": 3,
        "opt": {"lr": 0.1, "betas": (0.9, 0.999), "ids": [0, 1], "flags": {1, 2}},
        "name": "run",
        "blob": b"\x00\x01",
        "z": 1 + 2j,
        "none": None,
    }
    out = ag.load(io.BytesIO(torch_save_bytes(obj)))
    model = out["model"]
    assert model["f16"].dtype == np.float16 and model["f16"].tolist() == [1.5, -2.0]
    assert model["i64"].dtype == np.int64 and model["i64"].shape == (1, 2)
    assert model["i32"].dtype == np.int32 and model["u8"].array[0] == 255
    assert model["mask"].dtype == np.bool_ and model["mask"].tolist() == [True, False]
    assert model["scalar"].shape == () and model["scalar"].item() == 3.25
    assert model["empty"].shape == (0, 3)
    assert type(model["param"]) is nn.Parameter and model["param"].requires_grad
    assert type(model["frozen"]) is nn.Parameter and not model["frozen"].requires_grad
    np.testing.assert_array_equal(out["row"].array, [4, 5, 6, 7])
    np.testing.assert_array_equal(out["t"].array, np.arange(12.0).reshape(3, 4).T)
    assert out["epoch"] == 3 and out["opt"]["betas"] == (0.9, 0.999)
    assert out["opt"]["flags"] == {1, 2} and out["blob"] == b"\x00\x01" and out["z"] == 1 + 2j
    assert out["name"] == "run" and out["none"] is None


def test_big_endian_files_and_other_archive_names(fake_torch: Any) -> None:
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    data = torch_save_bytes({"w": tensor(w)}, byteorder="big", archive="my_model")
    out = ag.load(io.BytesIO(data))
    np.testing.assert_array_equal(out["w"].array, w)
    assert out["w"].dtype.isnative


def test_gpu_storages_load_on_the_cpu_and_map_location_sees_them(fake_torch: Any) -> None:
    data = torch_save_bytes({"w": tensor(np.ones(2, dtype=np.float32), location="cuda:0")})
    np.testing.assert_array_equal(ag.load(io.BytesIO(data))["w"].array, 1)
    seen: list[str] = []
    ag.load(io.BytesIO(data), map_location=lambda t, loc: seen.append(loc))
    assert seen == ["cuda:0"]
    out = ag.load(io.BytesIO(data), map_location={"cuda:0": "cpu"})
    assert out["w"].shape == (2,)
    with pytest.raises(RuntimeError, match="only the CPU"):
        ag.load(io.BytesIO(data), map_location="cuda")


# ---------------------------------------------------------------------- hostile files
class Payload:
    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self) -> Any:
        return (os.system, (f"touch {self.sentinel}",))


def _zip(pkl: bytes, **entries: bytes) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/data.pkl", pkl)
        for name, data in entries.items():
            z.writestr(f"archive/{name}", data)
    out.seek(0)
    return out


def test_a_hostile_global_is_refused_and_runs_nothing(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    data = _zip(pickle.dumps({"w": Payload(sentinel)}, protocol=2))
    with pytest.raises(
        WeightsOnlyError, match=r"global (posix|os|nt)\.system, which is not allowed"
    ):
        ag.load(data)
    for protocol in (0, 4, 5):
        with pytest.raises(WeightsOnlyError):
            ag.load(_zip(pickle.dumps(Payload(sentinel), protocol=protocol)))
    assert not sentinel.exists()


@pytest.mark.parametrize(
    ("pkl", "message"),
    [
        # GLOBAL builtins.eval then REDUCE
        (b"\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1\x85R.", "builtins.eval"),
        # REDUCE on an allowed non-callable (a dtype)
        (b"\x80\x02ctorch\nfloat32\n)R.", "not an allowed function"),
        # NEWOBJ of an allowed name
        (
            b"\x80\x02ccollections\nOrderedDict\n)\x81.",
            "asks to create .*, which is not an allowed class",
        ),
        # INST (protocol 0 instance creation)
        (b"(icollections\nOrderedDict\n.", "opcode INST"),
        # BUILD on a list
        (b"\x80\x02]}b.", "sets the state of a list"),
    ],
)
def test_disallowed_opcodes_and_calls(pkl: bytes, message: str) -> None:
    with pytest.raises(WeightsOnlyError, match=message):
        ag.load(_zip(pkl))


def test_tensor_records_are_checked(fake_torch: Any) -> None:
    store = FakeStorage(np.zeros(4, dtype=np.float32))
    past_end = torch_save_bytes({"w": FakeTensor(store, 2, (3,), (1,))})
    with pytest.raises(ValueError, match="runs past its storage of 4 elements"):
        ag.load(io.BytesIO(past_end))
    good = torch_save_bytes({"w": tensor(np.zeros(4, dtype=np.float32))})
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    entries["archive/data/0"] = entries["archive/data/0"][:-4]
    short = io.BytesIO()
    with zipfile.ZipFile(short, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    short.seek(0)
    with pytest.raises(ValueError, match="holds 12 bytes, its record says 16"):
        ag.load(short)


def test_build_sets_only_new_attributes_of_an_ordered_dict() -> None:
    # OrderedDict() then BUILD {'_metadata': {}}: what torch writes for a state_dict
    ok = b"\x80\x02ccollections\nOrderedDict\n)R}X\t\x00\x00\x00_metadata}sb."
    assert ag.load(_zip(ok))._metadata == {}
    shadow = b"\x80\x02ccollections\nOrderedDict\n)R}X\x05\x00\x00\x00itemsK\x01sb."
    with pytest.raises(ValueError, match="'items', which shadows its class"):
        ag.load(_zip(shadow))


def test_malformed_pickles_are_valueerrors() -> None:
    for pkl in [b"\x80\x02", b"\x80\x02}q\x00", b"\x80\x02e.", b"\x80\x02(.", b"\xff"]:
        with pytest.raises(ValueError, match="the file object"):
            ag.load(_zip(pkl))
    with pytest.raises(ValueError, match="bfloat16"):
        ag.load(
            _zip(
                b"\x80\x02(X\x07\x00\x00\x00storagectorch\nBFloat16Storage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQ."
            )
        )


class Config:
    """A plain class saved inside a torch checkpoint (as argparse.Namespace often is)."""

    def __init__(self, lr: float) -> None:
        self.lr = lr


def test_classes_the_user_allowed_are_rebuilt(fake_torch: Any) -> None:
    data = torch_save_bytes({"args": Config(0.25), "w": tensor(np.ones(2, dtype=np.float32))})
    path = f"{Config.__module__}.{Config.__qualname__}"
    with pytest.raises(WeightsOnlyError, match=f"global {path}, which is not allowed"):
        ag.load(io.BytesIO(data))
    with serialization.safe_globals([Config]):
        out = ag.load(io.BytesIO(data))
    assert type(out["args"]) is Config and out["args"].lr == 0.25
    assert out["w"].shape == (2,)
