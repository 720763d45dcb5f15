"""What a node keeps: the inputs its op saves, its output when the op saves it, and the
op's residuals; in-place changes are checked on those only, as in PyTorch."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.autograd import primitive


def _leaf(shape, seed=0):
    rng = np.random.default_rng(seed)
    return ag.tensor(rng.standard_normal(shape), requires_grad=True)


def test_an_unsaved_intermediate_is_freed_after_the_forward():
    x = _leaf((50,))
    y = x * 2.0
    ref = weakref.ref(y.array)
    z = y.exp()  # exp saves its output, not its input
    del y
    gc.collect()
    assert ref() is None
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * x.detach().numpy()))


def test_a_saved_input_is_kept_until_backward():
    x = _leaf((50,))
    y = x * 2.0
    ref = weakref.ref(y.array)
    z = y.sin()  # sin saves its input
    del y
    gc.collect()
    assert ref() is not None
    z.sum().backward()
    gc.collect()
    assert ref() is None  # backward without retain_graph frees it


def test_max_pool_saves_indices_so_its_output_may_change_in_place():
    # legal in PyTorch: max_pool2d saves its indices, not its output
    x = _leaf((2, 3, 4, 4))
    r = ag.tensor(np.ones((2, 3, 2, 2)))
    y = F.max_pool2d(x, 2)
    y += r
    y.sum().backward()
    want = _leaf((2, 3, 4, 4))
    F.max_pool2d(want, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), want.grad.numpy())
    assert x.grad.numpy().sum() == 2 * 3 * 2 * 2


def test_max_pool_input_may_change_in_place_after_the_forward():
    x = _leaf((1, 1, 4, 4))
    h = x * 1.0
    y = F.max_pool2d(h, 2)
    with ag.no_grad():
        h.add_(100.0)
    y.sum().backward()
    assert x.grad.numpy().sum() == 4


def test_relu_saves_its_output_as_pytorch():
    x = _leaf((6,))
    h = x * 1.0
    y = F.relu(h)
    h += 1.0  # relu does not save its input: legal
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (x.detach().numpy() > 0).astype(float))

    y = F.relu(x * 1.0)
    y += 1.0  # its output is saved: refused, as in PyTorch
    with pytest.raises(RuntimeError, match="relu: its output is needed for gradient"):
        y.sum().backward()


def test_an_unsaved_input_may_change_in_place_but_a_saved_one_may_not():
    x = _leaf((3,))
    h = x * 1.0
    z = h + 1.0  # add saves nothing
    h += 5.0
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(3))

    h = x * 1.0
    z = h * h  # multiply saves its inputs
    h += 5.0
    with pytest.raises(RuntimeError, match="input 0 of multiply"):
        z.sum().backward()


def test_residuals_reach_the_vjp_and_the_plain_forward_runs_when_not_recorded():
    calls = []

    @primitive("test_saved.scaled_sin", register=False, saves=())
    def scaled_sin(x: np.ndarray, *, scale: float) -> np.ndarray:
        calls.append("forward")
        return scale * np.sin(x)

    @scaled_sin.deffwd
    def _fwd(
        x: np.ndarray, *, needs_input_grad: tuple[bool, ...], scale: float
    ) -> tuple[np.ndarray, np.ndarray]:
        calls.append("fwd")
        assert needs_input_grad == (True,)
        return scale * np.sin(x), scale * np.cos(x)

    seen = {}

    @scaled_sin.defvjp
    def _vjp(g, out, x, *, residuals, scale):
        seen["x"] = (x.shape, x.dtype, bool(np.isnan(x.array).all()))
        return (g * ag.Tensor.from_array(residuals),)  # d(s sin x) = s cos x dx

    x = _leaf((4,))
    y = scaled_sin(x, scale=3.0)
    assert calls == ["fwd"]
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.cos(x.detach().numpy()))
    # the unsaved input reaches the VJP as a stand-in: its shape and dtype, no values
    assert seen["x"] == ((4,), np.dtype(np.float64), True)
    with ag.no_grad():
        scaled_sin(x, scale=3.0)
    assert calls == ["fwd", "forward"]
    with pytest.raises(RuntimeError, match="a second time"):
        y.sum().backward()


def test_a_node_keeps_its_residuals_until_backward_frees_them():
    x = _leaf((1, 1, 4, 4))
    y = F.max_pool2d(x, 2)
    node = y.grad_fn
    assert node.residuals is not None and node.residuals.dtype == np.uint8
    assert node.saved == (None,) and node.out_data is None
    y.sum().backward()
    assert node.residuals is None


def test_a_fwd_learns_which_gradients_will_be_asked_for():
    seen = []

    @primitive("test_saved.scaled_product", register=False, saves=(0, 1))
    def scaled_product(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x * y

    @scaled_product.deffwd
    def _fwd(x: np.ndarray, y: np.ndarray, *, needs_input_grad: tuple[bool, ...]) -> Any:
        seen.append(needs_input_grad)
        return x * y, None

    @scaled_product.defvjp
    def _vjp(g, out, x, y, *, residuals):
        return g * y, g * x

    a, b = _leaf((3,)), ag.ones(3, dtype=ag.float64)
    scaled_product(a, b)
    scaled_product(b, a)
    scaled_product(a, a)
    assert seen == [(True, False), (False, True), (True, True)]
