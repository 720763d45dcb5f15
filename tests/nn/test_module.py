"""Module, Parameter and the containers: registration, traversal, hooks, modes, dtype,
repr (state dicts are in test_state_dict.py)."""

from __future__ import annotations

import copy
import importlib
import inspect
import pkgutil
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import nn
from autograd_np.nn import Parameter


class Affine(nn.Module):
    """A minimal custom layer: y = x * scale + shift, with a step-counter buffer."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.scale = Parameter(np.ones(n, dtype=np.float32))
        self.shift = Parameter(np.zeros(n, dtype=np.float32))
        self.register_buffer("count", ag.zeros(1))
        self.register_buffer("cache", ag.zeros(n), persistent=False)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return x * self.scale + self.shift


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = Affine(3)
        self.body = nn.Sequential(Affine(3), nn.ReLU(), Affine(3))
        self.last = Parameter(np.ones(3, dtype=np.float32))

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.body(self.first(x)) * self.last


# ---------------------------------------------------------------------- Parameter
def test_parameter_basics() -> None:
    data = np.arange(3, dtype=np.float32)
    p = Parameter(data)
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert p.array is data  # shared, not copied
    assert repr(p) == "Parameter containing:\ntensor([0., 1., 2.], requires_grad=True)"
    assert not Parameter(data, requires_grad=False).requires_grad
    assert Parameter([1.0, 2.0]).dtype == np.float32
    assert Parameter().shape == (0,)
    assert Parameter(np.zeros(2)).dtype == np.float64
    with pytest.raises(RuntimeError, match="floating-point"):
        Parameter(np.arange(3))
    # Results of ops are plain Tensors, not Parameters.
    assert type(p * 2) is ag.Tensor
    assert type(p.detach()) is ag.Tensor


def test_parameter_from_tensor_shares_values_and_version() -> None:
    t = ag.ones(2)
    p = Parameter(t)
    assert p.array is t.array
    with ag.no_grad():
        p.add_(1.0)
    assert t._version == p._version == 1


def test_parameter_deepcopy() -> None:
    p = Parameter(np.ones(2, dtype=np.float32))
    p.grad = ag.ones(2)
    q = copy.deepcopy(p)
    assert type(q) is Parameter and q.requires_grad
    assert q.array is not p.array and np.array_equal(q.array, p.array)
    assert q.grad is not None and q.grad.array is not p.grad.array


def test_parameter_gets_gradients() -> None:
    lin = nn.Linear(3, 2, generator=0)
    x = ag.randn(4, 3, generator=1)
    lin(x).sum().backward()
    assert lin.weight.grad is not None
    np.testing.assert_allclose(lin.weight.grad.array, np.tile(x.array.sum(0), (2, 1)), rtol=1e-5)
    np.testing.assert_allclose(lin.bias.grad.array, [4.0, 4.0])


# ---------------------------------------------------------------------- registration
def test_registration_order_and_dicts() -> None:
    a = Affine(3)
    assert list(a._parameters) == ["scale", "shift"]
    assert list(a._buffers) == ["count", "cache"]
    assert a._non_persistent_buffers_set == {"cache"}
    net = Net()
    assert list(net._modules) == ["first", "body"]
    assert list(net._parameters) == ["last"]
    assert "first" not in net.__dict__ and "last" not in net.__dict__


def test_named_parameters_prefixes_and_order() -> None:
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "last",
        "first.scale",
        "first.shift",
        "body.0.scale",
        "body.0.shift",
        "body.2.scale",
        "body.2.shift",
    ]
    assert [n for n, _ in net.named_parameters(prefix="model")][:2] == [
        "model.last",
        "model.first.scale",
    ]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["last"]
    assert list(net.parameters())[1] is net.first.scale
    assert [n for n, _ in net.named_buffers()] == [
        "first.count",
        "first.cache",
        "body.0.count",
        "body.0.cache",
        "body.2.count",
        "body.2.cache",
    ]
    assert len(list(net.buffers())) == 6
    assert len(list(net.buffers(recurse=False))) == 0


def test_named_modules_children() -> None:
    net = Net()
    assert [n for n, _ in net.named_modules()] == [
        "",
        "first",
        "body",
        "body.0",
        "body.1",
        "body.2",
    ]
    assert [n for n, _ in net.named_modules(prefix="m")][:2] == ["m", "m.first"]
    assert [n for n, _ in net.named_children()] == ["first", "body"]
    assert list(net.children()) == [net.first, net.body]
    assert next(net.modules()) is net
    assert net.get_submodule("body.2") is net.body[2]
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match="no submodule `3`"):
        net.get_submodule("body.3")


def test_shared_parameters_and_modules_are_yielded_once() -> None:
    shared = nn.Linear(2, 2, generator=0)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.named_modules(remove_duplicate=False))) == 4
    # Tied weights: one Parameter in two modules.
    a, b = nn.Linear(3, 3, generator=0), nn.Linear(3, 3, generator=1)
    b.weight = a.weight
    tied = nn.Sequential(a, b)
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_setattr_routing_and_errors() -> None:
    m = nn.Module()
    m.w = Parameter(np.ones(2, dtype=np.float32))
    m.sub = nn.ReLU()
    m.plain = ag.ones(2)  # a plain Tensor is just an attribute
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert "plain" in m.__dict__ and not m._buffers
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = ag.ones(2)
    m.w = None  # allowed: the parameter becomes absent
    assert m.w is None and "w" in m._parameters
    assert list(m.parameters()) == []
    with pytest.raises(TypeError, match="as child module 'sub'"):
        m.sub = 3
    # Re-assigning a name moves it to the right dict.
    m.sub = Parameter(np.ones(1, dtype=np.float32))
    assert "sub" in m._parameters and "sub" not in m._modules
    with pytest.raises(TypeError, match="as parameter 'sub'"):
        m.sub = nn.Tanh()  # as in PyTorch: a parameter slot takes Parameters or None only
    del m.sub
    m.sub = nn.Tanh()
    assert "sub" in m._modules and "sub" not in m._parameters
    m.register_buffer("buf", ag.zeros(2))
    with pytest.raises(TypeError, match="as buffer 'buf'"):
        m.buf = np.zeros(2)
    m.buf = ag.ones(3)
    assert m._buffers["buf"].shape == (3,)


def test_register_errors() -> None:
    m = nn.Module()
    with pytest.raises(KeyError, match="cannot contain"):
        m.register_buffer("a.b", ag.zeros(1))
    with pytest.raises(KeyError, match="cannot be an empty"):
        m.register_parameter("", None)
    with pytest.raises(TypeError, match="should be a string"):
        m.add_module(1, nn.ReLU())  # type: ignore[arg-type]
    m.x = 5
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", ag.zeros(1))
    with pytest.raises(TypeError, match="Tensor or None required"):
        m.register_buffer("y", np.zeros(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"nn\.Parameter or None required"):
        m.register_parameter("z", ag.zeros(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("q", 3)  # type: ignore[arg-type]

    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = Parameter(np.ones(1, dtype=np.float32))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Early()


def test_getattr_delattr_dir() -> None:
    a = Affine(2)
    assert a.count is a._buffers["count"]
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'nope'"):
        _ = a.nope
    del a.shift
    assert list(a._parameters) == ["scale"]
    del a.cache
    assert "cache" not in a._buffers and not a._non_persistent_buffers_set
    a.note = 1
    del a.note
    assert not hasattr(a, "note")
    assert {"scale", "count"} <= set(dir(a))


def test_forward_missing() -> None:
    with pytest.raises(
        NotImplementedError, match=r'Module \[Module\] is missing the required "forward"'
    ):
        nn.Module()(1)


# ---------------------------------------------------------------------- hooks
def test_forward_hooks_order_modify_and_remove() -> None:
    m = nn.Identity()
    calls: list[str] = []

    def pre1(mod: nn.Module, args: tuple[Any, ...]) -> Any:
        calls.append("pre1")
        return args[0] + 1  # a single value is wrapped into a tuple

    def pre2(mod: nn.Module, args: tuple[Any, ...]) -> Any:
        calls.append("pre2")
        return (args[0] * 10,)

    def post(mod: nn.Module, args: tuple[Any, ...], out: Any) -> Any:
        calls.append(f"post{args[0]}")
        return out + 0.5

    h1 = m.register_forward_pre_hook(pre1)
    m.register_forward_pre_hook(pre2)
    h3 = m.register_forward_hook(post)
    assert m(1) == 20.5  # (1 + 1) * 10 + 0.5
    assert calls == ["pre1", "pre2", "post20"]
    h1.remove()
    h1.remove()  # a second remove is harmless
    calls.clear()
    assert m(1) == 10.5
    h3.remove()
    assert m(1) == 10
    assert calls == ["pre2", "post10", "pre2"]


def test_hooks_prepend_with_kwargs_and_context_manager() -> None:
    class Add(nn.Module):
        def forward(self, x: float, *, y: float = 0.0) -> float:
            return x + y

    m = Add()
    order: list[str] = []
    m.register_forward_hook(lambda mod, a, o: order.append("a"))
    m.register_forward_hook(lambda mod, a, o: order.append("b"), prepend=True)

    def pre_kw(mod: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return args, {**kwargs, "y": 100.0}

    def post_kw(mod: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> Any:
        assert kwargs == {"y": 100.0}
        return out * 2

    with m.register_forward_pre_hook(pre_kw, with_kwargs=True):
        h = m.register_forward_hook(post_kw, with_kwargs=True)
        assert m(1.0) == 202.0
        h.remove()
    assert m(1.0, y=1.0) == 2.0
    assert order == ["b", "a", "b", "a"]
    m.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        m(1.0)
    with pytest.raises(TypeError, match="callable"):
        m.register_forward_hook(3)  # type: ignore[arg-type]


def test_hooks_see_submodule_outputs() -> None:
    seq = nn.Sequential(nn.Linear(4, 3, generator=0), nn.ReLU(), nn.Linear(3, 2, generator=1))
    shapes: dict[str, tuple[int, ...]] = {}
    handles = [
        mod.register_forward_hook(lambda mod, a, o, name=name: shapes.__setitem__(name, o.shape))
        for name, mod in seq.named_children()
    ]
    seq(ag.zeros(5, 4))
    assert shapes == {"0": (5, 3), "1": (5, 3), "2": (5, 2)}
    for h in handles:
        h.remove()
    assert not seq[0]._forward_hooks


# ---------------------------------------------------------------------- modes and grads
def test_train_eval_propagate() -> None:
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.body.train()
    assert net.body[1].training and not net.training and not net.first.training
    net.train(False)
    assert not net.body[1].training
    with pytest.raises(ValueError, match="boolean"):
        net.train(1)


def test_zero_grad_requires_grad_apply() -> None:
    lin = nn.Linear(3, 2, generator=0)
    lin(ag.ones(1, 3)).sum().backward()
    g = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is g and not lin.weight.grad.array.any()
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None
    assert lin.requires_grad_(False) is lin
    assert not any(p.requires_grad for p in lin.parameters())
    lin.requires_grad_()
    assert all(p.requires_grad for p in lin.parameters())
    seen: list[str] = []
    net = nn.Sequential(nn.Sequential(nn.ReLU()), nn.Tanh())
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["ReLU", "Sequential", "Tanh", "Sequential"]


# ---------------------------------------------------------------------- dtype
def test_to_double_float_keep_identity_and_int_buffers() -> None:
    model = nn.Sequential(nn.Linear(3, 4, generator=0), nn.BatchNorm1d(4))
    params = list(model.parameters())
    model(ag.ones(2, 3)).sum().backward()
    version = params[0]._version
    assert model.double() is model
    assert list(model.parameters()) == params  # same Parameter objects
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert all(p.grad is not None and p.grad.dtype == np.float64 for p in params)
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64
    assert params[0]._version == version + 1
    out = model(ag.ones(2, 3, dtype=np.float64))
    assert out.dtype == np.float64
    model.to(np.float32)
    assert all(p.dtype == np.float32 for p in model.parameters())
    model.to(dtype="float64")
    assert params[0].dtype == np.float64
    model.float()
    assert params[0].dtype == np.float32
    model.to(ag.zeros(1, dtype=np.float64))
    assert params[0].dtype == np.float64
    assert model.to("cpu") is model and model.cpu() is model
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        model.to(np.int32)
    with pytest.raises(RuntimeError, match=r"'cuda' is not available.*CPU only"):
        model.to(device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        model.cuda()
    assert model.to(ag.device("cpu")) is model


def test_layers_take_dtype() -> None:
    layers = [
        nn.Linear(2, 3, dtype=np.float64),
        nn.Conv2d(1, 2, 3, dtype=np.float64),
        nn.BatchNorm2d(2, dtype=np.float64),
        nn.LayerNorm(3, dtype=np.float64),
        nn.GroupNorm(1, 2, dtype=np.float64),
        nn.Embedding(4, 2, dtype=np.float64),
    ]
    for layer in layers:
        assert all(t.dtype == np.float64 for t in layer.parameters()), layer
    assert all(p.dtype == np.float32 for p in nn.Linear(2, 3).parameters())
    with pytest.raises(TypeError, match="floating-point dtype"):
        nn.Linear(2, 3, dtype=np.int64)
    with pytest.raises(RuntimeError, match=r"'cuda' is not available.*CPU only"):
        nn.Linear(2, 3, device="cuda")
    assert nn.Linear(2, 3, device=ag.device("cpu")).weight.device == ag.device("cpu")


def test_deepcopy_model() -> None:
    model = nn.Sequential(nn.Linear(3, 4, generator=0), nn.BatchNorm1d(4))
    model(ag.randn(5, 3, generator=1))
    clone = copy.deepcopy(model)
    assert type(clone[0].weight) is Parameter and clone[0].weight is not model[0].weight
    for (k, a), b in zip(model.state_dict().items(), clone.state_dict().values()):
        assert np.array_equal(a.array, b.array) and a.array is not b.array, k
    with ag.no_grad():
        clone[0].weight.zero_()
    assert model[0].weight.array.any()


# ---------------------------------------------------------------------- repr
def test_repr_nested_and_extra_repr() -> None:
    model = nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False, padding_mode="reflect"),
            blocks=nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()]),
            heads=nn.ModuleDict({"a": nn.Softmax(dim=1)}),
            drop=nn.Dropout(0.25),
        )
    )
    assert repr(model) == (
        "Sequential(\n"
        "  (conv): Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False, "
        "padding_mode=reflect)\n"
        "  (blocks): ModuleList(\n"
        "    (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
        "    (3): ReLU()\n"
        "  )\n"
        "  (heads): ModuleDict(\n"
        "    (a): Softmax(dim=1)\n"
        "  )\n"
        "  (drop): Dropout(p=0.25, inplace=False)\n"
        ")"
    )
    assert repr(nn.Sequential()) == "Sequential()"
    assert repr(nn.ModuleList()) == "ModuleList()"

    class Multi(nn.Module):
        def extra_repr(self) -> str:
            return "a=1\nb=2"

    assert repr(Multi()) == "Multi(\n  a=1\n  b=2\n)"


# ---------------------------------------------------------------------- containers
def test_sequential() -> None:
    a, b, c = nn.Linear(2, 3, generator=0), nn.ReLU(), nn.Linear(3, 1, generator=1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    x = ag.randn(4, 2, generator=2)
    np.testing.assert_allclose(seq(x).array, c(b(a(x))).array)
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    seq.append(nn.Sigmoid())
    assert list(seq._modules) == ["0", "1", "2", "3"]
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and seq[1] is c
    seq.insert(1, nn.ReLU())
    assert isinstance(seq[1], nn.ReLU) and seq[2] is c
    popped = seq.pop(-1)
    assert isinstance(popped, nn.Sigmoid) and len(seq) == 3
    seq.extend([nn.Identity()])
    assert len(seq) == 4 and len(seq + nn.Sequential(nn.ReLU())) == 5
    named = nn.Sequential(OrderedDict(fc=a, act=b))
    assert list(named._modules) == ["fc", "act"] and named.fc is a
    assert named[1:][0] is b  # a slice keeps the names
    assert list(named[1:]._modules) == ["act"]


def test_module_list() -> None:
    layers = [nn.Linear(2, 2, generator=i) for i in range(3)]
    ml = nn.ModuleList(layers)
    assert len(ml) == 3 and list(ml) == layers and ml[-1] is layers[2]
    assert [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert isinstance(ml[:2], nn.ModuleList) and len(ml[:2]) == 2
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml += [nn.Sigmoid()]
    assert len(ml) == 6
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and ml[1] is layers[0]
    del ml[0]
    assert ml[0] is layers[0] and next(iter(ml._modules)) == "0"
    ml[0] = nn.ELU()
    assert isinstance(ml[0], nn.ELU)
    assert isinstance(ml.pop(), nn.Sigmoid)
    with pytest.raises(NotImplementedError):
        ml(1)
    with pytest.raises(TypeError, match="iterable of modules"):
        ml.extend(nn.ReLU())


def test_module_dict() -> None:
    md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()})
    assert list(md) == ["b", "a"] and md.keys() == ["b", "a"]
    assert "a" in md and "z" not in md and len(md) == 2
    md["c"] = nn.Linear(1, 1, generator=0)
    assert [n for n, _ in md.named_parameters()] == ["c.weight", "c.bias"]
    assert isinstance(md.pop("b"), nn.ReLU)
    assert [k for k, _ in md.items()] == ["a", "c"]
    assert len(md.values()) == 2
    md.update([("d", nn.Identity())])
    assert md.keys() == ["a", "c", "d"]
    with pytest.raises(ValueError, match="element #0"):
        md.update([("x",)])  # type: ignore[list-item]
    md.clear()
    assert len(md) == 0


# ---------------------------------------------------------------------- no backward anywhere
def test_no_module_defines_backward() -> None:
    import autograd_np.nn as nn_pkg

    names = [nn_pkg.__name__]
    names += [info.name for info in pkgutil.walk_packages(nn_pkg.__path__, nn_pkg.__name__ + ".")]
    classes = set()
    for name in names:
        mod = importlib.import_module(name)
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, nn.Module):
                classes.add(obj)
    assert len(classes) > 40  # every layer was found
    offenders = [
        cls.__qualname__
        for cls in classes
        for klass in cls.__mro__
        if klass is not object and "backward" in vars(klass)
    ]
    assert offenders == []
