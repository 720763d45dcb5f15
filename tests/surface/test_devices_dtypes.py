"""Devices (the CPU only, the torch way) and PyTorch's dtype names and helpers."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as torch
import autograd_np.nn as nn


def test_device_objects():
    cpu = torch.device("cpu")
    assert cpu.type == "cpu" and cpu.index is None and str(cpu) == "cpu"
    assert repr(cpu) == "device(type='cpu')"
    assert torch.device("cpu:0") == torch.device("cpu", 0) != cpu
    assert torch.device(cpu) == cpu and hash(torch.device("cpu")) == hash(cpu)
    assert torch.device("cuda").type == "cuda"  # naming it is fine; using it is not
    with pytest.raises(RuntimeError, match="expected one of"):
        torch.device("gpu")
    with pytest.raises(RuntimeError, match="only the CPU"):
        torch.device(0)


def test_device_selection_idiom_picks_the_cpu():
    assert torch.cuda.is_available() is False
    assert torch.cuda.device_count() == 0
    assert torch.cuda.is_bf16_supported() is False
    assert torch.backends.mps.is_available() is False
    assert torch.accelerator.is_available() is False
    assert torch.accelerator.current_accelerator() is None
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.ones(2, device=device)
    assert x.device == device and not x.is_cuda and x.is_cpu
    model = nn.Linear(2, 1).to(device)
    assert model(x).shape == (1,)
    torch.cuda.manual_seed(0)  # accepted without a GPU, as PyTorch accepts it
    torch.cuda.manual_seed_all(0)
    with pytest.raises(RuntimeError, match="CPU only"):
        torch.cuda.synchronize()


@pytest.mark.parametrize(
    "make",
    [
        lambda d: torch.zeros(2, device=d),
        lambda d: torch.ones(2, device=d),
        lambda d: torch.empty(2, device=d),
        lambda d: torch.full((2,), 1.0, device=d),
        lambda d: torch.tensor([1.0], device=d),
        lambda d: torch.as_tensor([1.0], device=d),
        lambda d: torch.arange(3, device=d),
        lambda d: torch.linspace(0, 1, 3, device=d),
        lambda d: torch.eye(2, device=d),
        lambda d: torch.zeros_like(torch.ones(2), device=d),
        lambda d: torch.ones_like(torch.ones(2), device=d),
        lambda d: torch.full_like(torch.ones(2), 3.0, device=d),
        lambda d: torch.empty_like(torch.ones(2), device=d),
        lambda d: torch.rand(2, device=d),
        lambda d: torch.randn(2, device=d),
        lambda d: torch.randint(3, (2,), device=d),
        lambda d: torch.randperm(3, device=d),
        lambda d: torch.normal(0.0, 1.0, (2,), device=d),
        lambda d: torch.ones(2).new_zeros(2, device=d),
    ],
)
def test_every_creation_function_takes_device(make):
    assert make("cpu").device == torch.device("cpu")
    assert make(torch.device("cpu")).device.type == "cpu"
    assert make(None).device.type == "cpu"
    with pytest.raises(RuntimeError, match="CPU only"):
        make("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        make(torch.device("mps"))


def test_creation_dtype_and_requires_grad_keywords():
    for make in (torch.zeros, torch.ones, torch.empty, torch.rand, torch.randn):
        t = make(2, 3, dtype=torch.double, requires_grad=True)
        assert t.dtype == np.float64 and t.requires_grad
    assert torch.arange(3, dtype=torch.float, requires_grad=True).requires_grad
    assert torch.full((2,), 2, dtype=torch.long).dtype == np.int64
    assert torch.eye(3, dtype=torch.half).dtype == np.float16


def test_tensor_to_and_cpu():
    x = torch.ones(2, 3, requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(torch.device("cpu")) is x
    assert x.to(torch.float32) is x
    y = x.to(torch.float64)
    assert y.dtype == np.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float32
    assert x.to("cpu", torch.float64).dtype == np.float64
    assert x.to(device="cpu", dtype=torch.float16, non_blocking=True).dtype == np.float16
    assert x.to(torch.zeros(1, dtype=torch.int64)).dtype == np.int64
    c = x.to("cpu", copy=True)
    assert c is not x and np.array_equal(c.detach().numpy(), x.detach().numpy())
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda:0", torch.float64)
    with pytest.raises(RuntimeError, match="CPU only"):
        x.cuda()
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to(dtyp=torch.float64)


def test_dtype_aliases():
    assert torch.float is torch.float32 and torch.double is torch.float64
    assert torch.half is torch.float16 and torch.long is torch.int64
    assert torch.int is torch.int32 and torch.short is torch.int16
    assert torch.bool is np.bool_ and torch.uint8 is np.uint8
    assert torch.tensor([1.0]).dtype == torch.float32
    assert torch.tensor([True]).dtype == torch.bool
    assert torch.zeros(2, dtype=torch.long).dtype == torch.int64
    # the aliases stay out of __all__, so a star import cannot shadow the builtins
    assert not {"float", "int", "bool", "compile"} & set(torch.__all__)


def test_bfloat16_is_a_name_that_refuses_to_make_tensors():
    table = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    assert table["bfloat16"] is torch.bfloat16
    for make in (
        lambda: torch.zeros(2, dtype=torch.bfloat16),
        lambda: torch.tensor([1.0], dtype=torch.bfloat16),
        lambda: torch.ones(2).to(torch.bfloat16),
        lambda: torch.ones(2).astype(torch.bfloat16),
        lambda: torch.randn(2, dtype=torch.bfloat16),
    ):
        with pytest.raises(TypeError, match="bfloat16 is not supported"):
            make()
    assert torch.zeros(1).dtype != torch.bfloat16


def test_default_dtype():
    assert torch.get_default_dtype() == torch.float32
    try:
        torch.set_default_dtype(torch.float64)
        assert torch.get_default_dtype() == np.float64
        assert torch.tensor([1.5]).dtype == np.float64
        assert torch.zeros(2).dtype == np.float64
        assert torch.rand(2).dtype == np.float64
        assert torch.arange(0.0, 1.0, 0.5).dtype == np.float64
        assert nn.Linear(2, 2).weight.dtype == np.float64
        assert torch.tensor([1]).dtype == np.int64  # ints are unaffected
        with pytest.raises(TypeError, match="floating-point"):
            torch.set_default_dtype(torch.int64)
    finally:
        torch.set_default_dtype(torch.float32)
    assert torch.zeros(2).dtype == np.float32


def test_dtype_helpers():
    assert torch.is_floating_point(torch.zeros(1))
    assert not torch.is_floating_point(torch.zeros(1, dtype=torch.long))
    assert torch.finfo(torch.float32).eps == np.finfo(np.float32).eps
    assert torch.finfo().eps == np.finfo(np.float32).eps  # the default dtype's
    assert torch.iinfo(torch.int64).max == 2**63 - 1
    assert torch.is_tensor(torch.zeros(1)) and not torch.is_tensor(np.zeros(1))
    assert torch.numel(torch.zeros(2, 3)) == 6


def test_cpu_memory_helpers():
    x = torch.arange(6.0).reshape(2, 3)
    assert x.pin_memory() is x and not x.is_pinned() and x.get_device() == -1
    assert x.stride() == (3, 1) and x.t().stride() == (1, 3) and x.stride(0) == 3
    assert x.data_ptr() == x.view(6).data_ptr() != x.clone().data_ptr()
    assert x.pin_memory().to("cpu", non_blocking=True) is x
