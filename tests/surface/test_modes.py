"""inference_mode, autocast, GradScaler, compile and the backends flags."""

from __future__ import annotations

import pytest

import autograd_np as torch
import autograd_np.nn as nn
from autograd_np import optim


def test_inference_mode_as_context_manager():
    x = torch.ones(2, requires_grad=True)
    assert not torch.is_inference_mode_enabled()
    with torch.inference_mode():
        assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
        y = x * 2
        with torch.inference_mode(False):
            assert not torch.is_inference_mode_enabled()
            assert not torch.is_grad_enabled()  # mode=False does not turn grad mode on
        assert torch.is_inference_mode_enabled()
    assert not y.requires_grad
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    with pytest.raises(ValueError, match="boom"), torch.inference_mode():
        raise ValueError("boom")
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()


def test_inference_mode_as_decorator_with_and_without_parentheses():
    x = torch.ones(2, requires_grad=True)

    @torch.inference_mode()
    def f(t):
        return t * 2, torch.is_inference_mode_enabled()

    @torch.inference_mode
    def g(t):
        return t * 3

    out, flag = f(x)
    assert flag and not out.requires_grad
    assert not g(x).requires_grad and f.__name__ == "f" and g.__name__ == "g"
    assert (x * 2).requires_grad
    with pytest.raises(TypeError, match="bool"):
        torch.inference_mode("yes")


def test_autocast_is_accepted_and_changes_nothing():
    model = nn.Linear(3, 2)
    x = torch.ones(4, 3)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        y = model(x)
    with torch.amp.autocast("cpu", enabled=False):
        z = model(x)
    with torch.cuda.amp.autocast():
        w = model(x)
    assert y.dtype == z.dtype == w.dtype == torch.float32

    @torch.autocast("cpu")
    def f(t):
        return model(t)

    assert f(x).shape == (4, 2)
    assert torch.amp.is_autocast_available("cpu") is False


def test_grad_scaler_disabled_passes_through():
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    for scaler in (torch.amp.GradScaler(enabled=False), torch.cuda.amp.GradScaler(enabled=False)):
        before = model.weight.detach().numpy().copy()
        loss = model(torch.ones(3, 2)).sum()
        scaled = scaler.scale(loss)
        assert scaled is loss
        opt.zero_grad()
        scaled.backward()
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        assert not (model.weight.detach().numpy() == before).all()
        assert scaler.get_scale() == 1.0 and not scaler.is_enabled()
        assert scaler.state_dict() == {}
        scaler.load_state_dict({})


def test_grad_scaler_enabled_raises_clearly():
    with pytest.raises(RuntimeError, match="enabled=False"):
        torch.amp.GradScaler()
    with pytest.raises(RuntimeError, match="enabled=False"):
        torch.cuda.amp.GradScaler(enabled=True)


def test_compile_returns_its_argument():
    model = nn.Linear(2, 2)
    assert torch.compile(model) is model
    assert torch.compile(model, mode="max-autotune", fullgraph=True) is model

    def f(x):
        return x + 1

    assert torch.compile(f) is f
    assert torch.compile(backend="eager")(f) is f
    with pytest.raises(TypeError, match="module or a function"):
        torch.compile(3)


def test_backend_flags_are_settable():
    import autograd_np.backends.cudnn as cudnn

    assert cudnn is torch.backends.cudnn
    saved = (cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32)
    try:
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = True
        assert cudnn.benchmark and cudnn.deterministic and not cudnn.allow_tf32
        assert torch.backends.cuda.matmul.allow_tf32
    finally:
        cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32 = saved
        torch.backends.cuda.matmul.allow_tf32 = False
    assert not torch.backends.cudnn.is_available()
