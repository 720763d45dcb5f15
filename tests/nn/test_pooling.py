"""Pooling: forward and indices against plain Python loops written from PyTorch's kernels,
PyTorch's semantics with values worked out by hand (ceil_mode edge windows,
count_include_pad, return_indices, ties, NaN), the fused primitives against the composed
oracles to second order, and argument errors."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.nn.functional import _pool_utils as pu
from autograd_np.nn.functional._composed import avg_pool2d_composed, max_pool2d_composed
from autograd_np.nn.functional.pooling import _avg_pool2d, _max_pool2d
from autograd_np.testing import gradgradcheck


# ---------------------------------------------------------------------- loop references
def out_len(n, k, s, p, d, ceil_mode):
    """PyTorch's documented output length, with its rule that the last window must start
    inside the input or the left padding."""
    span = d * (k - 1) + 1
    rounding = math.ceil if ceil_mode else math.floor
    out = rounding((n + 2 * p - span) / s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def max_pool2d_loop(x, kernel, stride, padding, dilation, ceil_mode):
    """(maxima, flat indices, and a function mapping an output gradient to the input's)."""
    n_, c_, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    oh, ow = out_len(h, kh, sh, ph, dh, ceil_mode), out_len(w, kw, sw, pw, dw, ceil_mode)
    out = np.zeros((n_, c_, oh, ow))
    idx = np.zeros((n_, c_, oh, ow), dtype=np.int64)
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    best, arg = -math.inf, None
                    for a in range(kh):
                        for e in range(kw):
                            r, q = i * sh - ph + a * dh, j * sw - pw + e * dw
                            if 0 <= r < h and 0 <= q < w:
                                v = x[n, c, r, q]
                                if arg is None or v > best or math.isnan(v):
                                    best, arg = v, r * w + q
                    out[n, c, i, j], idx[n, c, i, j] = best, arg

    def backward(g):
        gx = np.zeros(x.shape)
        for n in range(n_):
            for c in range(c_):
                for i in range(oh):
                    for j in range(ow):
                        r, q = divmod(idx[n, c, i, j], w)
                        gx[n, c, r, q] += g[n, c, i, j]
        return gx

    return out, idx, backward


def avg_pool2d_loop(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    """PyTorch's CPU kernel: the window clipped to the padded input counts when
    ``count_include_pad``, else the window clipped to the input."""
    n_, c_, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    oh, ow = out_len(h, kh, sh, ph, 1, ceil_mode), out_len(w, kw, sw, pw, 1, ceil_mode)
    out = np.zeros((n_, c_, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * sh - ph, j * sw - pw
            h1, w1 = min(h0 + kh, h + ph), min(w0 + kw, w + pw)
            size = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            if divisor is not None:
                div = divisor
            elif count_include_pad:
                div = size
            else:
                div = (h1 - h0) * (w1 - w0)
            out[:, :, i, j] = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3)) / div
    return out


@st.composite
def pool_cases(draw, dilated=True):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    ceil_mode = draw(st.booleans())
    size = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - p), 7))
        for k, d, p in zip(kernel, dilation, padding)
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((draw(st.integers(1, 2)), draw(st.integers(1, 2)), *size))
    if draw(st.booleans()):
        x = np.round(x)  # ties
    layout = draw(st.sampled_from(["nchw", "nhwc", "cnhw"]))
    if layout == "nhwc":  # channels-last memory, as a convolution's output has
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    elif layout == "cnhw":  # channel-major memory
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    return x, kernel, stride, padding, dilation, ceil_mode


# ---------------------------------------------------------------------- forward vs loops
@given(pool_cases())
def test_max_pool2d_values_indices_and_gradient_match_loops(case):
    x, kernel, stride, padding, dilation, ceil_mode = case
    want, want_idx, backward = max_pool2d_loop(x, kernel, stride, padding, dilation, ceil_mode)
    xt = ag.Tensor(x, requires_grad=True)  # no copy: keeps the drawn memory layout
    got, idx = F.max_pool2d(xt, kernel, stride, padding, dilation, ceil_mode, return_indices=True)
    np.testing.assert_array_equal(got.array, want)
    np.testing.assert_array_equal(idx.array, want_idx)
    assert idx.dtype == np.int64
    g = np.random.default_rng(0).standard_normal(got.shape)
    got.backward(ag.tensor(g))
    np.testing.assert_allclose(xt.grad.array, backward(g), atol=1e-12)


def test_max_pool2d_gradient_takes_the_input_layout_whatever_the_gradient_layout():
    # after a flatten the incoming gradient is NCHW-ordered while a conv's output is
    # channels-last: the input gradient follows the input, with the same values
    rng = np.random.default_rng(9)
    x = np.round(rng.standard_normal((2, 3, 6, 4)) * 2)  # ties
    x_cl = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    _, _, backward = max_pool2d_loop(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
    g = rng.standard_normal((2, 3, 3, 2))
    xt = ag.Tensor(x_cl, requires_grad=True)  # no copy: the memory stays channels-last
    F.max_pool2d(xt, 2).backward(ag.tensor(g))
    np.testing.assert_array_equal(xt.grad.array, backward(g))
    assert xt.grad.array.transpose(0, 2, 3, 1).flags.c_contiguous


@given(pool_cases())
def test_max_pool1d_matches_loops(case):
    x, kernel, stride, padding, dilation, ceil_mode = case
    x1 = x[:, :, 0]
    want, want_idx, _ = max_pool2d_loop(
        x1[:, :, None], (1, kernel[1]), (1, stride[1]), (0, padding[1]), (1, dilation[1]),
        ceil_mode,
    )  # fmt: skip
    got, idx = F.max_pool1d(x1, kernel[1], stride[1], padding[1], dilation[1], ceil_mode, True)
    np.testing.assert_array_equal(got.array, want[:, :, 0])
    np.testing.assert_array_equal(idx.array, want_idx[:, :, 0])


@given(pool_cases(dilated=False), st.booleans(), st.sampled_from([None, 1, 3]))
def test_avg_pool2d_matches_loops(case, count_include_pad, divisor):
    x, kernel, stride, padding, _, ceil_mode = case
    want = avg_pool2d_loop(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor)
    got = F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor)
    np.testing.assert_allclose(got.array, want, rtol=1e-12, atol=1e-12)


@given(pool_cases(dilated=False), st.booleans())
def test_avg_pool1d_matches_loops(case, count_include_pad):
    x, kernel, stride, padding, _, ceil_mode = case
    x1 = x[:, :, 0]
    want = avg_pool2d_loop(
        x1[:, :, None], (1, kernel[1]), (1, stride[1]), (0, padding[1]), ceil_mode,
        count_include_pad, None,
    )[:, :, 0]  # fmt: skip
    got = F.avg_pool1d(x1, kernel[1], stride[1], padding[1], ceil_mode, count_include_pad)
    np.testing.assert_allclose(got.array, want, rtol=1e-12, atol=1e-12)


@given(
    st.integers(1, 7), st.integers(1, 7), st.integers(1, 8), st.integers(1, 8), st.integers(0, 99)
)
def test_adaptive_avg_pool2d_matches_loops(h, w, oh, ow, seed):
    x = np.random.default_rng(seed).standard_normal((2, 3, h, w))
    want = np.zeros((2, 3, oh, ow))
    for i in range(oh):
        for j in range(ow):
            r0, r1 = math.floor(i * h / oh), math.ceil((i + 1) * h / oh)
            c0, c1 = math.floor(j * w / ow), math.ceil((j + 1) * w / ow)
            want[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (oh, ow)).array, want, atol=1e-12)


@given(
    st.integers(1, 7), st.integers(1, 7), st.integers(1, 8), st.integers(1, 8), st.integers(0, 99)
)
def test_adaptive_max_pool2d_values_indices_and_gradient_match_loops(h, w, oh, ow, seed):
    x = np.round(np.random.default_rng(seed).standard_normal((2, 3, h, w)))  # ties
    want = np.zeros((2, 3, oh, ow))
    want_idx = np.zeros((2, 3, oh, ow), dtype=np.int64)
    for n in range(2):
        for c in range(3):
            for i in range(oh):
                for j in range(ow):
                    best, arg = -math.inf, None
                    for r in range(math.floor(i * h / oh), math.ceil((i + 1) * h / oh)):
                        for q in range(math.floor(j * w / ow), math.ceil((j + 1) * w / ow)):
                            if arg is None or x[n, c, r, q] > best:
                                best, arg = x[n, c, r, q], r * w + q
                    want[n, c, i, j], want_idx[n, c, i, j] = best, arg
    xt = ag.tensor(x, requires_grad=True)
    got, idx = F.adaptive_max_pool2d(xt, (oh, ow), return_indices=True)
    np.testing.assert_array_equal(got.array, want)
    np.testing.assert_array_equal(idx.array, want_idx)
    g = np.random.default_rng(1).standard_normal(got.shape)
    got.backward(ag.tensor(g))
    expected = np.zeros(x.size)
    for n in range(2):
        for c in range(3):
            np.add.at(expected.reshape(2, 3, -1)[n, c], want_idx[n, c].ravel(), g[n, c].ravel())
    np.testing.assert_allclose(xt.grad.array, expected.reshape(x.shape), atol=1e-12)


# ---------------------------------------------------------------------- PyTorch semantics
def test_return_indices_are_flat_positions_in_the_unpadded_plane():
    # zeros: every window's first in-bounds cell wins (padding never does)
    _, idx = F.max_pool2d(np.zeros((1, 1, 4, 4)), 3, stride=1, padding=1, return_indices=True)
    np.testing.assert_array_equal(
        idx.array, [[[[0, 0, 1, 2], [0, 0, 1, 2], [4, 4, 5, 6], [8, 8, 9, 10]]]]
    )
    y, idx = F.max_pool1d([[[3.0, 1, 4, 1, 5, 9, 2, 6]]], 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(y.array, [[[3, 4, 9, 9]]])
    np.testing.assert_array_equal(idx.array, [[[0, 2, 5, 5]]])


def test_ceil_mode_keeps_partial_windows_but_not_those_starting_in_the_padding():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    # (4 + 2 - 3) / 2 rounds up to 2, +1 = 3 windows, the last starting at row 3
    y, idx = F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(y.array, [[[[5, 7, 7], [13, 15, 15], [13, 15, 15]]]])
    np.testing.assert_array_equal(idx.array, y.array.astype(np.int64))
    x5 = np.arange(25.0).reshape(1, 1, 5, 5)
    # 5x5, k3 s2 p1: ceil((5 + 2 - 3) / 2) + 1 = 3, same as floor: no extra window
    assert F.max_pool2d(x5, 3, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    # k2 s2 on 5: the third window holds only the last row/column
    np.testing.assert_array_equal(
        F.max_pool2d(x5, 2, ceil_mode=True).array, [[[[6, 8, 9], [16, 18, 19], [21, 23, 24]]]]
    )
    np.testing.assert_array_equal(
        F.avg_pool2d(x5, 2, ceil_mode=True).array,
        [[[[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]]]],
    )
    # a window that would start in the padding is dropped: k2 s2 p1 on 3 gives 2, not 3
    assert F.max_pool2d(np.zeros((1, 1, 3, 3)), 2, 2, 1, ceil_mode=True).shape == (1, 1, 2, 2)


def test_avg_pool_divisors():
    ones = np.ones((1, 1, 5, 5))
    # count_include_pad: corners see 4 of 9 cells, edges 6 of 9
    np.testing.assert_allclose(
        F.avg_pool2d(ones, 3, 2, 1, ceil_mode=True).array[0, 0],
        [[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9], [4 / 9, 6 / 9, 4 / 9]],
    )
    np.testing.assert_array_equal(
        F.avg_pool2d(ones, 3, 2, 1, ceil_mode=True, count_include_pad=False).array, 1
    )
    # 4x4, k3 s2 p1 ceil: the last window hangs past the padded input (rows 3..5 of the
    # input coordinates, padded input ends at row 4): the divisor counts rows 3 and 4 only
    np.testing.assert_allclose(
        F.avg_pool2d(np.ones((1, 1, 4, 4)), 3, 2, 1, ceil_mode=True).array[0, 0],
        [[4 / 9, 6 / 9, 2 / 6], [6 / 9, 1, 3 / 6], [2 / 6, 3 / 6, 1 / 4]],
    )
    np.testing.assert_allclose(
        F.avg_pool2d(np.arange(25.0).reshape(1, 1, 5, 5), 3, 2, 1, True, divisor_override=2).array[
            0, 0
        ],
        [[6, 13.5, 12], [31.5, 54, 40.5], [36, 58.5, 42]],
    )
    np.testing.assert_allclose(
        F.avg_pool1d([[[3.0, 1, 4, 1, 5, 9, 2, 6]]], 3, 2, 1, True, False).array,
        [[[2, 2, 5, 17 / 3, 6]]],
    )


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = ag.tensor(np.zeros((1, 1, 2, 2)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[[[1, 0], [0, 0]]]])
    # overlapping windows on a constant: each window's top-left cell
    x = ag.tensor(np.zeros((1, 1, 3, 3)), requires_grad=True)
    F.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[[[1, 1, 0], [1, 1, 0], [0, 0, 0]]]])
    x = ag.tensor([[[[1.0, 3, 3], [3, 2, 3], [0, 3, 1]]]], requires_grad=True)
    y, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(idx.array, [[[[1, 1], [3, 5]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[[[0, 2, 0], [1, 0, 1], [0, 0, 0]]]])


def test_adaptive_max_pool2d_hand_values():
    # 3x5 to 2x3: rows [0, 2) and [1, 3); columns [0, 2), [1, 4), [3, 5)
    x = [[[[1.0, 5, 2, 0, 3], [4, 0, 6, 6, 1], [7, 2, 2, 8, 0]]]]
    y, idx = F.adaptive_max_pool2d(x, (2, 3), return_indices=True)
    np.testing.assert_array_equal(y.array, [[[[5, 6, 6], [7, 8, 8]]]])
    np.testing.assert_array_equal(idx.array, [[[[1, 7, 8], [10, 13, 13]]]])  # first of the 6s
    assert F.adaptive_max_pool2d(np.zeros((3, 4, 4)), (None, 1)).shape == (3, 4, 1)


def test_max_pool_propagates_nan_and_points_at_the_last_nan():
    nan = float("nan")
    y, idx = F.max_pool2d([[[[1.0, nan], [nan, 0.0]]]], 2, return_indices=True)
    assert np.isnan(y.array).all()
    np.testing.assert_array_equal(idx.array, [[[[2]]]])


def test_unbatched_inputs_and_float32():
    x = np.random.default_rng(0).standard_normal((3, 6, 6)).astype(np.float32)
    for fn in (
        lambda t: F.max_pool2d(t, 2),
        lambda t: F.avg_pool2d(t, 3, 2, 1),
        lambda t: F.adaptive_avg_pool2d(t, (2, None)),
    ):
        xt = ag.tensor(x, requires_grad=True)
        y = fn(xt)
        np.testing.assert_allclose(y.array, fn(x[None]).array[0])
        assert y.dtype == np.float32
        y.sum().backward()
        assert xt.grad.dtype == np.float32 and xt.grad.shape == x.shape
    assert F.max_pool1d(x[0], 2).shape == (6, 3)
    assert F.adaptive_avg_pool2d(x, (2, None)).shape == (3, 2, 6)


# ---------------------------------------------------------------------- fused vs composed
def _derivatives(fn, x, seed):
    """Output, VJP with a random cotangent, and the derivative of <VJP, v> in x and u."""
    rng = np.random.default_rng(seed)
    xt = ag.tensor(x, requires_grad=True)
    y = fn(xt)
    u = ag.tensor(rng.standard_normal(y.shape), requires_grad=True)
    (gx,) = ag.grad(y, [xt], grad_outputs=u, create_graph=True)
    s = (gx * ag.tensor(rng.standard_normal(x.shape))).sum()
    hx, hu = ag.grad(s, [xt, u], allow_unused=True)
    hx_data = np.zeros(x.shape) if hx is None else hx.array
    return [y.array, gx.array, hx_data, hu.array]


@given(pool_cases(), st.integers(0, 2**16))
def test_fused_max_pool_matches_the_composed_oracle(case, seed):
    x, kernel, stride, padding, dilation, ceil_mode = case
    # distinct values: the composed running maximum splits ties differently
    x = np.random.default_rng(seed).permutation(x.size).reshape(x.shape) * 0.1
    geo = {"kernel_size": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    opts = pu.pool_options("t", x.shape, kernel, stride, padding, dilation, ceil_mode)
    fused = _derivatives(lambda t: _max_pool2d(t, **opts), x, seed)
    composed = _derivatives(lambda t: max_pool2d_composed(t, **geo, ceil_mode=ceil_mode), x, seed)
    for name, got, want in zip(["y", "gx", "hx", "hu"], fused, composed):
        np.testing.assert_allclose(got, want, atol=1e-12, err_msg=name)


@given(pool_cases(dilated=False), st.booleans(), st.sampled_from([None, 2]), st.integers(0, 99))
def test_fused_avg_pool_matches_the_composed_oracle(case, include, divisor, seed):
    x, kernel, stride, padding, _, ceil_mode = case
    opts = pu.pool_options("t", x.shape, kernel, stride, padding, 1, ceil_mode)
    del opts["dilation"]
    extra = {"count_include_pad": include, "divisor_override": divisor}
    fused = _derivatives(lambda t: _avg_pool2d(t, **opts, **extra), x, seed)
    composed = _derivatives(
        lambda t: avg_pool2d_composed(
            t, kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode, **extra
        ),
        x,
        seed,
    )
    for name, got, want in zip(["y", "gx", "hx", "hu"], fused, composed):
        np.testing.assert_allclose(got, want, atol=1e-12, err_msg=name)


def test_gradgradcheck_through_pooling_chains():
    rng = np.random.default_rng(7)
    x = rng.permutation(2 * 2 * 7 * 7).reshape(2, 2, 7, 7) * 0.05

    def net(x):
        h = F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)  # overlapping windows
        h = F.avg_pool2d(ag.tanh(h), 2, stride=1, padding=1, count_include_pad=False)
        h = F.adaptive_avg_pool2d(h * h, (2, 3))
        return (h * h).sum()

    assert gradgradcheck(net, [x], atol=1e-6)


# ---------------------------------------------------------------------- errors
def _raises(match, fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError), match=re.escape(match)):
        fn(*args, **kwargs)


def test_errors():
    x = np.zeros((1, 1, 4, 4))
    _raises("max_pool2d: padding should be at most half of the kernel size, got padding=2 with "
            "kernel_size=3", F.max_pool2d, x, 3, padding=2)  # fmt: skip
    _raises("avg_pool2d: padding should be at most half of the kernel size", F.avg_pool2d, x,
            2, padding=(0, 2))  # fmt: skip
    _raises("max_pool2d: the output would be empty: input size (4, 4) (input shape "
            "(1, 1, 4, 4)) with kernel_size=5", F.max_pool2d, x, 5)  # fmt: skip
    _raises("max_pool2d: stride must be positive, got 0", F.max_pool2d, x, 2, stride=0)
    _raises("max_pool2d: kernel_size must be an int or a sequence of 2 ints, got (2, 2, 2)",
            F.max_pool2d, x, (2, 2, 2))  # fmt: skip
    _raises("max_pool2d: dilation must be positive, got 0", F.max_pool2d, x, 2, dilation=0)
    _raises("max_pool2d: expected a 3-D or 4-D input (C, H, W) or (N, C, H, W), got shape (4, 4)",
            F.max_pool2d, np.zeros((4, 4)), 2)  # fmt: skip
    _raises("max_pool1d: expected a 2-D or 3-D input (C, L) or (N, C, L), got shape (1, 1, 4, 4)",
            F.max_pool1d, x, 2)  # fmt: skip
    _raises("avg_pool2d: divisor_override must be a nonzero int, got 0", F.avg_pool2d, x, 2,
            divisor_override=0)  # fmt: skip
    _raises("adaptive_avg_pool2d: output_size must be positive, got (0, 2)",
            F.adaptive_avg_pool2d, x, (0, 2))  # fmt: skip
    _raises("adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input",
            F.adaptive_avg_pool2d, np.zeros(4), 2)  # fmt: skip
    _raises("adaptive_max_pool2d: output_size must be an int or a pair, got (1, 2, 3)",
            F.adaptive_max_pool2d, x, (1, 2, 3))  # fmt: skip
