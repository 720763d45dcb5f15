"""Whole objects without pickle: save(model) / load inside safe_globals, torch's rules for
weights_only, map_location, and the layer classes at torch's module paths."""

from __future__ import annotations

import enum
import importlib
import io
import math
import pickle
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np import nn, serialization
from autograd_np.serialization import WeightsOnlyError, safe_globals

CALLS: list[str] = []


class Net(nn.Module):
    """A model whose object graph has Sequential, Linear, Parameters, a buffer, a function
    and plain attributes."""

    def __init__(self) -> None:
        CALLS.append("Net.__init__")
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(4, 8, generator=0), nn.ReLU(), nn.Dropout(0.25, generator=1)
        )
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 3, generator=2)
        self.scale = nn.Parameter(np.full(3, 0.5, dtype=np.float32))
        self.register_buffer("offset", ag.arange(3).float())
        self.activation = F.relu
        self.config = {"name": "net", "sizes": (4, 8, 3), "eps": 1e-5}

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        h = self.activation(self.norm(self.body(x)))
        return self.head(h) * self.scale + self.offset


class Point:
    def __init__(self, x: float, y: float) -> None:
        CALLS.append("Point.__init__")
        self.x, self.y = x, y


class Slotted:
    __slots__ = ("a", "b")


class Colour(enum.Enum):
    RED = 1
    GREEN = 2


class WithState:
    def __init__(self) -> None:
        self.values = [1, 2]
        self.cache = object()  # not saveable: dropped by __getstate__

    def __getstate__(self) -> dict[str, Any]:
        return {"values": self.values}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.values = state["values"]
        self.cache = None


NET_CLASSES = [Net, nn.Sequential, nn.Linear, nn.ReLU, nn.Dropout, nn.LayerNorm, F.relu]


@pytest.fixture(autouse=True)
def _clean_globals() -> Any:
    serialization.clear_safe_globals()
    yield
    serialization.clear_safe_globals()


def _saved(obj: Any) -> io.BytesIO:
    buf = io.BytesIO()
    ag.save(obj, buf)
    buf.seek(0)
    return buf


def _structure(buf: io.BytesIO) -> str:
    with zipfile.ZipFile(buf) as z:
        return z.read("__autograd_np__.npy").split(b"\n", 1)[1].decode().strip()


def _archive(text: str) -> io.BytesIO:
    out = io.BytesIO()
    np.savez(out, __autograd_np__=np.frombuffer(text.encode(), dtype=np.uint8))
    out.seek(0)
    return out


def test_whole_model_round_trip_inside_safe_globals(tmp_path: Path) -> None:
    model = Net()
    model.eval()
    x = ag.randn(5, 4, generator=3)
    path = tmp_path / "model.pt"
    with open(path, "wb") as f:
        ag.save(model, f)  # torch.save(model, f) with an open file
    CALLS.clear()
    with safe_globals(NET_CLASSES), open(path, "rb") as f:
        loaded = ag.load(f)
    assert CALLS == []  # no constructor ran
    assert serialization.get_safe_globals() == []
    assert type(loaded) is Net and not loaded.training
    np.testing.assert_array_equal(loaded(x).array, model(x).array)
    assert type(loaded.scale) is nn.Parameter and loaded.scale.requires_grad
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in model.named_parameters()]
    assert list(loaded.state_dict()) == list(model.state_dict())
    assert loaded.activation is F.relu
    assert loaded.config == model.config and type(loaded.config["sizes"]) is tuple
    assert isinstance(loaded.body[2].generator, np.random.Generator)
    assert loaded.body[2].generator.random() == model.body[2].generator.random()
    # the loaded model trains: gradients reach its parameters, hooks can be registered
    loaded.train()
    handle = loaded.register_forward_hook(lambda m, args, out: out * 2)
    loaded(x).sum().backward()
    assert loaded.head.weight.grad is not None
    handle.remove()


def test_weights_only_refuses_classes_that_were_not_allowed() -> None:
    buf = _saved(Net())
    with pytest.raises(WeightsOnlyError) as info:
        ag.load(buf)
    message = str(info.value)
    assert "Net" in message and "add_safe_globals" in message and "safe_globals" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, pickle.UnpicklingError)
    # allowing only some of the classes names the next missing one
    buf.seek(0)
    with safe_globals([Net]), pytest.raises(WeightsOnlyError, match="Sequential"):
        ag.load(buf)
    buf.seek(0)
    serialization.add_safe_globals(NET_CLASSES)
    assert type(ag.load(buf)) is Net
    # an allowed class given with an explicit path
    serialization.clear_safe_globals()
    buf2 = _saved(Point(1.0, 2.0))
    serialization.add_safe_globals([(Point, f"{Point.__module__}.{Point.__qualname__}")])
    assert ag.load(buf2).y == 2.0


def test_weights_only_false_uses_imported_classes_only() -> None:
    point = ag.load(_saved(Point(1.0, 2.0)), weights_only=False)
    assert type(point) is Point and (point.x, point.y) == (1.0, 2.0)
    # a file naming a module that is not imported: never imported, clear error
    mod = "autograd_np_test_never_imported"
    text = _structure(_saved(Point(0.0, 0.0))).replace(Point.__module__, mod)
    with pytest.raises(ValueError, match="not defined in any imported module"):
        ag.load(_archive(text), weights_only=False)
    assert mod not in sys.modules


def test_plain_objects_slots_enums_getstate_and_shared_references() -> None:
    s = Slotted()
    s.a = np.arange(3)
    p = Point(1.5, -2.0)
    obj = {
        "p": p,
        "again": p,
        "slots": s,
        "colour": Colour.GREEN,
        "ws": WithState(),
        "cls": Point,
        "dtype": np.dtype("float32"),
        "dtype_type": np.int16,
        "numbers": [1 + 2j, complex(math.inf, -0.0)],
        "bytes": b"\x00\xffabc",
        "sets": ({1, "a", (2, 3)}, frozenset({1.5})),
    }
    with safe_globals([Point, Slotted, Colour, WithState]):
        out = ag.load(_saved(obj))
    assert type(out["p"]) is Point and out["p"] is out["again"]
    assert not hasattr(out["slots"], "b")
    np.testing.assert_array_equal(out["slots"].a, np.arange(3))
    assert out["colour"] is Colour.GREEN
    assert out["ws"].values == [1, 2] and out["ws"].cache is None
    assert out["cls"] is Point
    assert out["dtype"] == np.float32 and out["dtype_type"] is np.int16
    assert out["numbers"][0] == 1 + 2j and math.isinf(out["numbers"][1].real)
    assert out["bytes"] == b"\x00\xffabc"
    assert out["sets"] == ({1, "a", (2, 3)}, frozenset({1.5}))
    assert type(out["sets"][1]) is frozenset


def test_cycles_between_objects_are_kept() -> None:
    a = Point(0.0, 0.0)
    b = Point(1.0, 1.0)
    a.x, b.x = b, a  # type: ignore[assignment]
    with safe_globals([Point]):
        out = ag.load(_saved(a))
    assert out.x.x is out


def test_objects_that_cannot_be_saved_raise_typeerror_naming_the_path(tmp_path: Path) -> None:
    class Local:
        pass

    with pytest.raises(TypeError, match=r"at obj\['x'\]: it has no import path"):
        ag.save({"x": Local()}, tmp_path / "a")
    with pytest.raises(TypeError, match=r"type 'Generator' .*|BytesIO"):
        ag.save([io.BytesIO()], tmp_path / "a")
    assert list(tmp_path.iterdir()) == []


def test_state_dict_tensors_and_parameters_keep_their_class() -> None:
    p = nn.Parameter(np.ones(2, dtype=np.float64))
    out = ag.load(_saved({"p": p, "t": ag.ones(2)}))  # Parameter is allowed by default
    assert type(out["p"]) is nn.Parameter and out["p"].requires_grad
    assert type(out["t"]) is ag.Tensor


def test_map_location() -> None:
    buf = _saved({"w": ag.ones(2)})

    class Device:
        def __str__(self) -> str:
            return "cpu"

    for location in ("cpu", Device(), {"cpu": "cpu"}, None):
        buf.seek(0)
        np.testing.assert_array_equal(ag.load(buf, map_location=location)["w"].array, 1)
    seen: list[str] = []

    def to_double(t: ag.Tensor, location: str) -> ag.Tensor:
        seen.append(location)
        return t.double()

    buf.seek(0)
    assert ag.load(buf, map_location=to_double)["w"].dtype == np.float64 and seen == ["cpu"]
    for cuda in ("cuda", "cuda:0", {"cuda:0": "cuda:1"}):
        buf.seek(0)
        with pytest.raises(RuntimeError, match="only the CPU exists"):
            ag.load(buf, map_location=cuda)
    with pytest.raises(TypeError, match="map_location must be"):
        ag.load(buf, map_location=3)
    buf.seek(0)
    with pytest.raises(TypeError, match="returned a int"):
        ag.load(buf, map_location=lambda t, loc: 3)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("linear", "Linear"),
        ("linear", "Identity"),
        ("conv", "Conv2d"),
        ("dropout", "Dropout"),
        ("sparse", "Embedding"),
        ("activation", "ReLU"),
        ("container", "Sequential"),
        ("container", "ModuleList"),
        ("normalization", "LayerNorm"),
        ("batchnorm", "BatchNorm1d"),
        ("batchnorm", "BatchNorm2d"),
        ("flatten", "Flatten"),
        ("pooling", "MaxPool2d"),
        ("loss", "CrossEntropyLoss"),
        ("module", "Module"),
    ],
)
def test_layer_classes_at_torch_module_paths(module: str, name: str) -> None:
    cls = getattr(importlib.import_module(f"autograd_np.nn.modules.{module}"), name)
    assert cls is getattr(nn, name)


def test_batchnorm_listed_by_torch_path_loads() -> None:
    from autograd_np.nn.modules import batchnorm

    bn = nn.BatchNorm2d(3)
    bn(ag.randn(2, 3, 4, 4, generator=0))
    with safe_globals([batchnorm.BatchNorm2d]):
        out = ag.load(_saved(bn))
    np.testing.assert_array_equal(out.running_mean.array, bn.running_mean.array)
    assert out.num_batches_tracked.item() == 1


def test_safe_globals_validates_and_restores() -> None:
    serialization.add_safe_globals([Point])
    with safe_globals([Point, Net]):
        assert set(serialization.get_safe_globals()) == {Point, Net}
    assert serialization.get_safe_globals() == [Point]  # kept: it was there before
    with pytest.raises(TypeError, match="class or function"):
        serialization.add_safe_globals([3])
    with pytest.raises(TypeError, match="pair"):
        serialization.add_safe_globals([(Point, 3)])


def test_ordered_dict_of_module_state() -> None:
    state = OrderedDict(a=ag.ones(1))
    assert type(ag.load(_saved(state))) is OrderedDict


def test_model_and_optimizer_saved_together_share_parameters() -> None:
    from autograd_np import optim

    model = nn.Linear(3, 2, generator=0)
    opt = optim.Adam(model.parameters(), lr=0.1)
    model(ag.ones(4, 3)).sum().backward()
    opt.step()
    buf = _saved({"model": model, "opt": opt, "by_param": {model.weight: "w"}})
    with safe_globals([nn.Linear, optim.Adam]):
        out = ag.load(buf)
    model2, opt2 = out["model"], out["opt"]
    assert opt2.param_groups[0]["params"][0] is model2.weight  # one Parameter, not copies
    assert out["by_param"] == {model2.weight: "w"}  # Tensor keys keep identity
    assert type(opt2.state) is type(opt.state)
    np.testing.assert_array_equal(
        np.asarray(opt2.state[model2.weight]["exp_avg"]),
        np.asarray(opt.state[model.weight]["exp_avg"]),
    )
    model2(ag.ones(4, 3)).sum().backward()
    opt2.step()  # training resumes
    opt.zero_grad()  # gradients are not saved (as in torch): the copy starts without them
    model(ag.ones(4, 3)).sum().backward()
    opt.step()
    np.testing.assert_allclose(model2.weight.array, model.weight.array, rtol=1e-6)


def test_torch_load_keywords() -> None:
    buf = _saved({"w": ag.ones(2)})
    out = ag.load(buf, "cpu", weights_only=True, mmap=True)  # torch's signature
    assert out["w"].shape == (2,)
