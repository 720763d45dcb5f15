"""batch_norm (fused) against its composed oracle, running statistics, train vs eval;
layer_norm and group_norm values (from PyTorch 2.13, float64) and errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.nn.functional.batchnorm import batch_norm_composed


def _t(a, requires_grad=False, dtype=np.float64):
    return ag.Tensor(np.array(a, dtype=dtype), requires_grad=requires_grad)


# ---------------------------------------------------------------------- fused vs composed
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 2, 4, 3)])
@pytest.mark.parametrize("affine", [True, False])
def test_fused_batch_norm_matches_composed_oracle(shape, affine):
    rng = np.random.default_rng(3)
    c = shape[1]
    x = _t(rng.standard_normal(shape) * 2 + 1, requires_grad=True)
    w = _t(rng.uniform(0.5, 2.0, c), requires_grad=True) if affine else None
    b = _t(rng.standard_normal(c), requires_grad=True) if affine else None
    leaves = [x] + ([w, b] if affine else [])
    u = ag.Tensor(rng.standard_normal(shape))
    vs = [ag.Tensor(rng.standard_normal(t.shape)) for t in leaves]
    results = []
    for fn in (F.batch_norm, batch_norm_composed):
        out = fn(x, None, None, w, b, training=True, eps=1e-3)
        firsts = ag.grad(out, leaves, grad_outputs=u, create_graph=True)
        fast = ag.grad(fn(x, None, None, w, b, training=True, eps=1e-3), leaves, grad_outputs=u)
        for g1, g0 in zip(firsts, fast):  # the numpy VJP and the differentiable VJP agree
            np.testing.assert_allclose(g1.array, g0.array, rtol=1e-10, atol=1e-12)
        dot = sum(((g * v).sum() for g, v in zip(firsts, vs)), start=ag.Tensor(0.0))
        seconds = ag.grad(dot, leaves, allow_unused=True)
        results.append((out.array, [g.array for g in firsts], list(seconds)))
    (y0, g0, s0), (y1, g1, s1) = results
    np.testing.assert_allclose(y0, y1, rtol=1e-12, atol=1e-12)
    for a, b_ in zip(g0, g1):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)
    for a, b_ in zip(s0, s1):
        a_data = np.zeros(1) if a is None else a.array
        b_data = np.zeros(1) if b_ is None else b_.array
        np.testing.assert_allclose(a_data, b_data, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("layout", ["nhwc", "cnhw", "nchw"])
def test_fused_batch_norm_in_any_memory_layout(layout):
    # channels-last arrays take the (M, C)-matrix paths (GEMV sums, tiled per-channel ops),
    # others the einsum ones; an incoming gradient in another layout is brought to x's
    rng = np.random.default_rng(4)
    x0 = rng.standard_normal((4, 3, 5, 2)) * 2 + 1
    perm = {"nhwc": (0, 2, 3, 1), "cnhw": (1, 0, 2, 3), "nchw": (0, 1, 2, 3)}[layout]
    x_mem = np.ascontiguousarray(x0.transpose(perm)).transpose(np.argsort(perm))
    g = np.ascontiguousarray(rng.standard_normal(x0.shape))  # NCHW-ordered gradient
    w, b = rng.uniform(0.5, 2.0, 3), rng.standard_normal(3)
    grads = []
    for fn, xv in ((F.batch_norm, x_mem), (batch_norm_composed, x0)):
        x, wt, bt = ag.Tensor(xv, requires_grad=True), _t(w, True), _t(b, True)
        rm, rv = ag.zeros(3, dtype=np.float64), ag.ones(3, dtype=np.float64)
        y = fn(x, rm, rv, wt, bt, training=True)
        y.backward(ag.Tensor(g))
        grads.append([y.array, x.grad.array, wt.grad.array, bt.grad.array, rm.array, rv.array])
    for got, want in zip(*grads):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert grads[0][0].strides == np.empty_like(x_mem).strides  # the output keeps x's layout


def test_fused_batch_norm_float32_end_to_end():
    rng = np.random.default_rng(0)
    x = _t(rng.standard_normal((8, 4, 3, 3)) * 3 + 5, requires_grad=True, dtype=np.float32)
    w = _t(rng.uniform(0.5, 2.0, 4), requires_grad=True, dtype=np.float32)
    b = _t(np.zeros(4), requires_grad=True, dtype=np.float32)
    rm, rv = ag.zeros(4), ag.ones(4)
    y = F.batch_norm(x, rm, rv, w, b, training=True)
    assert y.dtype == np.float32 and rm.dtype == np.float32 and rv.dtype == np.float32
    (y * y).sum().backward()
    for t in (x, w, b):
        assert t.grad is not None and t.grad.dtype == np.float32
    ref = batch_norm_composed(x.detach().double(), None, None, w.detach().double(), None, True)
    np.testing.assert_allclose(y.array, ref.array, atol=2e-5)


def test_float32_batch_norm_gradients_stay_accurate_for_a_large_mean():
    # mean / std = 30: sum(g xhat) from sum(g x) - mean sum(g) would cancel (1.3e-5 for
    # the weight gradient here); the centred form keeps it at 6e-6
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 8, 16, 16)) * 0.1 + 3.0).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    grads = {}
    for dtype in (np.float32, np.float64):
        xt = ag.Tensor(x.astype(dtype), requires_grad=True)
        w, b = _t(np.ones(8), True, dtype), _t(np.zeros(8), True, dtype)
        F.batch_norm(xt, None, None, w, b, training=True).backward(ag.Tensor(g.astype(dtype)))
        grads[dtype] = [t.grad.array.astype(np.float64) for t in (xt, w, b)]
    for got, want, tol in zip(grads[np.float32], grads[np.float64], (1e-6, 1e-5, 1e-6)):
        assert np.abs(got - want).max() <= tol * np.abs(want).max()


# ---------------------------------------------------------------------- running statistics
def test_running_statistics_after_three_steps_match_a_hand_computation():
    rng = np.random.default_rng(5)
    rm, rv = ag.zeros(3, dtype=np.float64), ag.ones(3, dtype=np.float64)
    exp_m, exp_v = np.zeros(3), np.ones(3)
    momentum = 0.25
    for _ in range(3):
        xs = rng.standard_normal((4, 3, 5)) * 2 + 3
        F.batch_norm(_t(xs), rm, rv, training=True, momentum=momentum)
        batch_mean = xs.mean(axis=(0, 2))
        batch_var = xs.var(axis=(0, 2), ddof=1)  # unbiased, as PyTorch
        exp_m = (1 - momentum) * exp_m + momentum * batch_mean
        exp_v = (1 - momentum) * exp_v + momentum * batch_var
    np.testing.assert_allclose(rm.array, exp_m, rtol=1e-12)
    np.testing.assert_allclose(rv.array, exp_v, rtol=1e-12)
    assert rm._version == 3 and rv._version == 3  # in-place updates through the Tensor API


def test_running_statistics_known_values_and_training_output_uses_biased_variance():
    x = _t([[1.0], [3.0]])
    rm, rv = _t([0.0]), _t([1.0])
    y = F.batch_norm(x, rm, rv, training=True, eps=0.0)
    np.testing.assert_allclose(y.array, [[-1.0], [1.0]])  # biased var 1, not unbiased 2
    np.testing.assert_allclose(rm.array, [0.2])  # 0.9 * 0 + 0.1 * 2
    np.testing.assert_allclose(rv.array, [1.1])  # 0.9 * 1 + 0.1 * 2 (unbiased)


def test_running_statistics_stay_out_of_the_graph():
    x = _t(np.arange(12.0).reshape(4, 3), requires_grad=True)
    rm, rv = ag.zeros(3, dtype=np.float64), ag.ones(3, dtype=np.float64)
    y = F.batch_norm(x, rm, rv, training=True)
    assert y.requires_grad and not rm.requires_grad and not rv.requires_grad
    assert rm.grad_fn is None and rv.grad_fn is None
    (y * y).sum().backward()  # the in-place update does not break backward
    assert x.grad is not None


def test_eval_uses_running_statistics():
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((5, 2, 3))
    rm, rv = _t([0.5, -1.0]), _t([2.0, 0.5])
    w, b = _t([1.5, 0.5]), _t([0.1, -0.2])
    y = F.batch_norm(_t(xs), rm, rv, w, b, training=False, eps=1e-3)
    shape = (1, 2, 1)
    expected = (xs - rm.array.reshape(shape)) / np.sqrt(rv.array.reshape(shape) + 1e-3)
    expected = expected * w.array.reshape(shape) + b.array.reshape(shape)
    np.testing.assert_allclose(y.array, expected, rtol=1e-12)
    np.testing.assert_allclose(rm.array, [0.5, -1.0])  # untouched in eval
    train = F.batch_norm(_t(xs), None, None, w, b, training=True, eps=1e-3)
    assert not np.allclose(train.array, y.array)


def test_eval_gradient_is_the_affine_map():
    x = _t(np.ones((2, 2)), requires_grad=True)
    y = F.batch_norm(x, _t([0.0, 1.0]), _t([4.0, 0.25]), _t([2.0, 3.0]), None, eps=0.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.array, [[1.0, 6.0], [1.0, 6.0]])  # w / sqrt(var)


def test_batch_norm_errors():
    x = _t(np.ones((2, 3)))
    with pytest.raises(ValueError, match="batch_norm: running_mean and running_var are required"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(_t(np.ones((1, 3))), None, None, training=True)
    with pytest.raises(ValueError, match=r"batch_norm: weight must have shape \(C,\) = \(3,\)"):
        F.batch_norm(x, None, None, _t([1.0]), training=True)
    with pytest.raises(ValueError, match=r"running_mean must have shape \(C,\)"):
        F.batch_norm(x, _t([0.0]), _t([1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"input must have shape \(N, C, \*\)"):
        F.batch_norm(_t([1.0, 2.0]), None, None, training=True)


# ---------------------------------------------------------------------- layer and group norm
XL = [[[1.0, 2.0, 4.0], [0.0, -1.0, 3.0]]]


def test_layer_norm_values():
    y = F.layer_norm(_t(XL), (3,), _t([1.0, 2.0, 0.5]), _t([0.0, 1.0, -1.0]))
    expected = [
        [[-1.0690415315, 0.4654792343, -0.3318490428], [-0.3922315914, -0.9611579571, -0.313594715]]
    ]
    np.testing.assert_allclose(y.array, expected, rtol=1e-9)
    y2 = F.layer_norm(_t(XL), (2, 3))
    expected2 = [[[-0.29276952, 0.29276952, 1.4638476], [-0.87830856, -1.4638476, 0.87830856]]]
    np.testing.assert_allclose(y2.array, expected2, rtol=1e-7)
    assert F.layer_norm(_t(XL), 3).shape == (1, 2, 3)


def test_group_norm_values():
    xg = np.arange(24, dtype=np.float64).reshape(2, 4, 3) ** 1.5
    w, b = _t([1.0, 2.0, 0.5, -1.0]), _t([0.0, 1.0, -1.0, 0.5])
    y = F.group_norm(_t(xg), 2, w, b, eps=1e-3)
    expected = [
        [
            [-1.1977518103, -0.9429554484, -0.4770788688],
            [1.2524178465, 2.681238171, 4.3019162375],
            [-1.7017652111, -1.445292511, -1.1697796956],
            [0.2529237145, -0.3672785043, -1.0193200455],
        ],
        [
            [-1.42927615, -0.8852810993, -0.3199394791],
            [1.5319423185, 2.7435050767, 3.9935460617],
            [-1.7198002095, -1.4415921735, -1.1559630855],
            [0.2262019462, -0.3736394917, -0.9872733916],
        ],
    ]
    np.testing.assert_allclose(y.array, expected, rtol=1e-8)


def test_layer_and_group_norm_errors():
    with pytest.raises(ValueError, match=r"layer_norm: input of shape \(1, 2, 3\) does not end"):
        F.layer_norm(_t(XL), (2,))
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape \(3,\)"):
        F.layer_norm(_t(XL), (3,), _t([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"group_norm: the number of channels \(4\)"):
        F.group_norm(_t(np.ones((2, 4, 3))), 3)
    with pytest.raises(ValueError, match=r"group_norm: bias must have shape"):
        F.group_norm(_t(np.ones((2, 4, 3))), 2, None, _t([1.0]))


def test_training_batch_norm_is_one_fused_node():
    x = _t(np.ones((3, 2, 2)), requires_grad=True)
    assert F.batch_norm(x, None, None, training=True).grad_fn.name() == "BatchNormBackward"
