"""Convolutions: forward against plain Python loops, PyTorch's semantics with values worked
out by hand, the fused primitives against the composed oracle (outputs, first- and
second-order gradients), double backward through a small CNN, and argument errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.nn.functional import conv_utils as cu
from autograd_np.nn.functional._composed import conv2d_composed
from autograd_np.nn.functional.conv import _conv2d
from autograd_np.testing import gradcheck, gradgradcheck
from autograd_np.workspace import WORKSPACE, Workspace


# ---------------------------------------------------------------------- loop references
def conv2d_loop(x, w, b, stride, pads, dilation, groups):
    """Cross-correlation by definition: pads = (top, bottom, left, right)."""
    n_, _, h, wd = x.shape
    o_, cg, kh, kw = w.shape
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, pads, dilation
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    og = o_ // groups
    out = np.zeros((n_, o_, oh, ow))
    for n in range(n_):
        for o in range(o_):
            grp = o // og
            for i in range(oh):
                for j in range(ow):
                    acc = 0.0 if b is None else b[o]
                    for c in range(cg):
                        for a in range(kh):
                            for e in range(kw):
                                r, q = i * sh + a * dh - pt, j * sw + e * dw - pl
                                if 0 <= r < h and 0 <= q < wd:
                                    acc += w[o, c, a, e] * x[n, grp * cg + c, r, q]
                    out[n, o, i, j] = acc
    return out


def conv_transpose2d_loop(x, w, b, stride, padding, output_padding, groups, dilation):
    """Each input cell scatters ``x * w`` into the output (PyTorch's definition)."""
    n_, c_in, h, wd = x.shape
    _, cog, kh, kw = w.shape
    (sh, sw), (ph, pw), (qh, qw), (dh, dw) = stride, padding, output_padding, dilation
    oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + qh + 1
    ow = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + qw + 1
    out = np.zeros((n_, cog * groups, oh, ow))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    cig = c_in // groups
    for n in range(n_):
        for ci in range(c_in):
            grp = ci // cig
            for i in range(h):
                for j in range(wd):
                    for co in range(cog):
                        for a in range(kh):
                            for e in range(kw):
                                r, q = i * sh - ph + a * dh, j * sw - pw + e * dw
                                if 0 <= r < oh and 0 <= q < ow:
                                    out[n, grp * cog + co, r, q] += x[n, ci, i, j] * w[ci, co, a, e]
    return out


def _same_pads(kernel, dilation):
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads += [total // 2, total - total // 2]
    return tuple(pads)


@st.composite
def conv_cases(draw, dims=2):
    """(x, w, b, kwargs, pads) of a valid call of conv{dims}d."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    kind = draw(st.sampled_from(["int", "tuple", "same", "valid"]))
    stride = (1,) * dims if kind == "same" else tuple(draw(st.integers(1, 3)) for _ in range(dims))
    sym = tuple(draw(st.integers(0, 2)) for _ in range(dims))
    if kind == "int":
        sym = (sym[0],) * dims
    if kind in ("same", "valid"):
        sym = (0,) * dims
    size = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 6))
        for k, d, p in zip(kernel, dilation, sym)
    )
    # out_channels up to 3x in_channels: both input-gradient algorithms get used
    n, cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((n, cg * groups, *size))
    w = rng.standard_normal((og * groups, cg, *kernel))
    b = rng.standard_normal(og * groups) if draw(st.booleans()) else None
    padding = kind if kind in ("same", "valid") else sym[0] if kind == "int" else sym
    if kind == "same":
        pads = _same_pads(kernel, dilation)
    else:
        pads = tuple(p for p in sym for _ in range(2))
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    return x, w, b, kwargs, pads


# ---------------------------------------------------------------------- forward vs loops
@given(conv_cases())
def test_conv2d_matches_loops(case):
    x, w, b, kw, pads = case
    got = F.conv2d(x, w, b, **kw)
    want = conv2d_loop(x, w, b, kw["stride"], pads, kw["dilation"], kw["groups"])
    np.testing.assert_allclose(got.array, want, rtol=1e-10, atol=1e-10)


@given(conv_cases(dims=1))
def test_conv1d_matches_loops(case):
    x, w, b, kw, pads = case
    got = F.conv1d(x, w, b, **kw)
    want = conv2d_loop(
        x[:, :, None], w[:, :, None], b, (1, *kw["stride"]), (0, 0, *pads),
        (1, *kw["dilation"]), kw["groups"],
    )[:, :, 0]  # fmt: skip
    np.testing.assert_allclose(got.array, want, rtol=1e-10, atol=1e-10)


@st.composite
def transpose_cases(draw, dims=2):
    groups = draw(st.sampled_from([1, 2]))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    out_pad = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    size = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    pads = tuple(
        draw(st.integers(0, min(2, ((n - 1) * s + d * (k - 1) + q) // 2)))
        for n, s, d, k, q in zip(size, stride, dilation, kernel, out_pad)
    )
    n, cig, cog = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((n, cig * groups, *size))
    w = rng.standard_normal((cig * groups, cog, *kernel))
    b = rng.standard_normal(cog * groups) if draw(st.booleans()) else None
    kw = {"stride": stride, "padding": pads, "output_padding": out_pad, "groups": groups,
          "dilation": dilation}  # fmt: skip
    return x, w, b, kw


@given(transpose_cases())
def test_conv_transpose2d_matches_loops(case):
    x, w, b, kw = case
    got = F.conv_transpose2d(x, w, b, **kw)
    want = conv_transpose2d_loop(
        x, w, b, kw["stride"], kw["padding"], kw["output_padding"], kw["groups"], kw["dilation"]
    )
    np.testing.assert_allclose(got.array, want, rtol=1e-10, atol=1e-10)


@given(transpose_cases(dims=1))
def test_conv_transpose1d_matches_loops(case):
    x, w, b, kw = case
    got = F.conv_transpose1d(x, w, b, **kw)
    want = conv_transpose2d_loop(
        x[:, :, None], w[:, :, None], b, (1, *kw["stride"]), (0, *kw["padding"]),
        (0, *kw["output_padding"]), kw["groups"], (1, *kw["dilation"]),
    )[:, :, 0]  # fmt: skip
    np.testing.assert_allclose(got.array, want, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------------- PyTorch semantics
def test_same_padding_with_an_even_kernel_puts_the_extra_zero_after():
    # total padding d(k-1) = 1: none before, one after, so out[i] = x[i] + 10 x[i+1]
    x = np.arange(1.0, 6.0).reshape(1, 1, 5)
    np.testing.assert_array_equal(F.conv1d(x, [[[1.0, 10.0]]], padding="same").array,
                                  [[[21, 32, 43, 54, 5]]])  # fmt: skip
    # k=4: total 3, one before and two after
    w4 = np.array([[[1.0, 10.0, 100.0, 1000.0]]])
    np.testing.assert_array_equal(F.conv1d(x, w4, padding="same").array,
                                  [[[3210, 4321, 5432, 543, 54]]])  # fmt: skip
    # dilation 2, k=2: total 2, one on each side: out[i] = x[i-1] + 10 x[i+1]
    np.testing.assert_array_equal(F.conv1d(x, [[[1.0, 10.0]]], padding="same", dilation=2).array,
                                  [[[20, 31, 42, 53, 4]]])  # fmt: skip
    # 2-D, 2x2 ones on 1..9: each output sums the cell, its right, below and below-right
    x2 = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(F.conv2d(x2, np.ones((1, 1, 2, 2)), padding="same").array,
                                  [[[[12, 16, 9], [24, 28, 15], [15, 17, 9]]]])  # fmt: skip


def test_valid_padding_and_unbatched_input():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 5, 6)), rng.standard_normal((4, 3, 2, 3))
    y = F.conv2d(x, w, padding="valid")
    assert y.shape == (4, 4, 4)
    np.testing.assert_allclose(y.array, F.conv2d(x[None], w).array[0])
    y1 = F.conv1d(x[0:1, 0], w[:, :1, 0])
    assert y1.shape == (4, 4)


def test_conv_transpose_hand_values():
    # stride 2, 2x2 ones: each input value fills its own 2x2 block
    x = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    y = F.conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2)
    np.testing.assert_array_equal(
        y.array, [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]
    )
    # 3x3 ones, stride 2, padding 1, output_padding 1: blocks overlap on the odd rows; the
    # last row and column come from output_padding and repeat the row/column before them
    y = F.conv_transpose2d(x, np.ones((1, 1, 3, 3)), stride=2, padding=1, output_padding=1)
    np.testing.assert_array_equal(
        y.array, [[[[1, 3, 2, 2], [4, 10, 6, 6], [3, 7, 4, 4], [3, 7, 4, 4]]]]
    )
    # output_padding may exceed the stride when below the dilation; the extra cell gets 0
    y = F.conv_transpose1d([[[1.0, 2.0]]], [[[1.0, 10.0]]], dilation=2, output_padding=1)
    np.testing.assert_array_equal(y.array, [[[1, 2, 10, 20, 0]]])


def test_float32_stays_float32_through_forward_and_backward():
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((2, 4, 6, 6)).astype(np.float32), requires_grad=True)
    w = ag.tensor(rng.standard_normal((6, 2, 3, 3)).astype(np.float32), requires_grad=True)
    b = ag.tensor(np.zeros(6, dtype=np.float32), requires_grad=True)
    y = F.conv2d(x, w, b, stride=2, padding=1, groups=2)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    z = F.conv_transpose2d(y, w.detach().reshape(6, 2, 3, 3)[:, :1], groups=2)
    assert z.dtype == np.float32


def test_weight_gradient_on_a_second_backward_matches_the_first():
    rng = np.random.default_rng(2)
    x = ag.tensor(rng.standard_normal((2, 4, 5, 5)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((6, 2, 3, 2)), requires_grad=True)
    y = F.conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    g = ag.tensor(rng.standard_normal(y.shape))
    y.backward(g, retain_graph=True)
    first = w.grad.array.copy()
    w.grad = None
    y.backward(g)
    np.testing.assert_allclose(w.grad.array, first, rtol=1e-12)
    # against the definition, through the adjoint identity <gw, v> = <g, conv(x, v)>
    v = rng.standard_normal(w.shape)
    dy = conv2d_loop(x.array, v, None, (2, 1), (1, 1, 1, 1), (1, 2), 2)
    np.testing.assert_allclose(np.sum(first * v), np.sum(g.array * dy), rtol=1e-10)


@pytest.mark.parametrize("layout", ["nchw", "nhwc", "cnhw"])
@pytest.mark.parametrize(
    "c, o, stride, groups", [(3, 4, 1, 1), (16, 32, 1, 2), (32, 16, 1, 1), (16, 32, 2, 1)]
)
def test_kernels_on_batch_slices_match_the_whole_batch(monkeypatch, layout, c, o, stride, groups):
    # the im2col matrices are built a slice of the batch at a time (cu.COLUMNS_BYTES): one
    # image per slice must give the whole batch's results, to second order
    rng = np.random.default_rng(3)
    x = _layout(rng.standard_normal((3, c, 6, 5)), layout)
    w = rng.standard_normal((o, c // groups, 3, 3))
    opts = {"stride": (stride, stride), "padding": (1, 1, 0, 1), "dilation": (1, 1)}

    def run():
        return _first_and_second_order(
            lambda a, b: _conv2d(a, b, groups=groups, **opts), x, w, np.random.default_rng(4)
        )

    whole = run()
    monkeypatch.setattr(cu, "COLUMNS_BYTES", 1)
    assert cu._batch_slices(3, 100) == [(0, 1), (1, 2), (2, 3)]
    sliced = run()
    for name, got, want in zip(["y", "gx", "gw", "hx", "hw", "hu"], sliced, whole):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)


# ---------------------------------------------------------------------- fused vs composed
@st.composite
def oracle_cases(draw):
    groups = draw(st.sampled_from([1, 2]))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pads = tuple(draw(st.integers(0, 2)) for _ in range(4))
    size = (
        draw(st.integers(max(1, dilation[0] * (kernel[0] - 1) + 1 - pads[0] - pads[1]), 5)),
        draw(st.integers(max(1, dilation[1] * (kernel[1] - 1) + 1 - pads[2] - pads[3]), 5)),
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 3))  # O > 2C sometimes
    x = rng.standard_normal((2, cg * groups, *size))
    w = rng.standard_normal((og * groups, cg, *kernel))
    opts = {"stride": stride, "padding": pads, "dilation": dilation, "groups": groups}
    return x, w, opts, rng


def _first_and_second_order(fn, x, w, rng):
    """Output, VJP and a Hessian-vector-style second derivative of ``fn`` at (x, w)."""
    xt, wt = ag.tensor(x, requires_grad=True), ag.tensor(w, requires_grad=True)
    y = fn(xt, wt)
    u = ag.tensor(np.random.default_rng(1).standard_normal(y.shape), requires_grad=True)
    gx, gw = ag.grad(y, [xt, wt], grad_outputs=u, create_graph=True)
    vx, vw = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    s = (gx * ag.tensor(vx)).sum() + (gw * ag.tensor(vw)).sum()
    hx, hw, hu = ag.grad(s, [xt, wt, u])
    return [t.array for t in (y, gx, gw, hx, hw, hu)]


@given(oracle_cases())
def test_fused_conv_matches_the_composed_oracle_to_second_order(case):
    x, w, opts, rng = case
    seed = int(rng.integers(2**31))
    fused = _first_and_second_order(
        lambda a, b: _conv2d(a, b, **opts), x, w, np.random.default_rng(seed)
    )
    composed = _first_and_second_order(
        lambda a, b: conv2d_composed(a, b, **opts), x, w, np.random.default_rng(seed)
    )
    for name, got, want in zip(["y", "gx", "gw", "hx", "hw", "hu"], fused, composed):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=name)


def test_transposed_conv_is_the_adjoint_of_conv():
    # <conv(x, w), y> == <x, conv_transpose(y, w)> with matching options
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 4, 8, 6)), rng.standard_normal((6, 2, 3, 2))
    opts = {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2}
    y = F.conv2d(x, w, **opts).array  # (2, 6, 4, 4)
    v = rng.standard_normal(y.shape)
    # (OH - 1) s - 2p + d (k - 1) + 1 gives (7, 6): output_padding (1, 0) restores (8, 6)
    xt = F.conv_transpose2d(v, w, output_padding=(1, 0), **opts).array
    assert xt.shape == x.shape
    np.testing.assert_allclose(np.sum(y * v), np.sum(x * xt), rtol=1e-10)


# ---------------------------------------------------------------------- layouts, workspace
def _layout(a, kind):
    """``a`` (N, C, H, W) with the same values in another memory layout."""
    if kind == "nhwc":
        return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    if kind == "cnhw":
        return np.ascontiguousarray(a.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(a)


def _channel_major(a):
    return a.transpose(1, 0, 2, 3).flags.c_contiguous


@pytest.mark.parametrize("layout", ["nchw", "nhwc", "cnhw"])
@pytest.mark.parametrize("c, o, size", [(1, 4, 7), (3, 16, 6), (5, 4, 3), (17, 16, 4)])
def test_kernels_take_any_layout(layout, c, o, size):
    # the im2col order (channels-last or channel-major), the output layout and the col2im
    # variant are chosen by the layout and the shapes: all must agree with the definition
    rng = np.random.default_rng(7)
    x = _layout(rng.standard_normal((2, c, size, size)), layout)
    w = rng.standard_normal((o, c, 3, 2))
    for opts in ({"stride": 1, "padding": 1}, {"stride": (2, 1), "padding": (0, 1)}):
        y = F.conv2d(x, w, **opts)
        sh, sw = (opts["stride"],) * 2 if isinstance(opts["stride"], int) else opts["stride"]
        ph, pw = (opts["padding"],) * 2 if isinstance(opts["padding"], int) else opts["padding"]
        want = conv2d_loop(x, w, None, (sh, sw), (ph, ph, pw, pw), (1, 1), 1)
        np.testing.assert_allclose(y.array, want, rtol=1e-10, atol=1e-10)
        if o >= cu.CHANNELS_LAST_FROM:
            assert cu.channels_last(y.array)
        else:
            assert _channel_major(y.array)
        g = _layout(rng.standard_normal(y.shape), layout)
        pads = (ph, ph, pw, pw)
        gx = cu.conv2d_input_grad(g, w, (size, size), (sh, sw), pads, (1, 1), 1)
        # <conv(x), g> = <x, conv^T(g)>
        np.testing.assert_allclose(np.sum(want * g), np.sum(x * gx), rtol=1e-10)
        assert cu.channels_last(gx) or _channel_major(gx)


def test_workspace_hands_out_only_memory_no_array_uses():
    ws = Workspace(min_bytes=0)
    a = ws.empty((4, 6), np.float32)
    view = a[1:, ::2].T  # a view keeps the memory in use after a is gone
    del a
    b = ws.empty((4, 6), np.float32)
    assert not np.shares_memory(b, view)
    assert ws.held_bytes == 2 * 96
    del view
    c = ws.empty((6, 4), np.float32)  # same size: the first entry again
    assert ws.held_bytes == 2 * 96
    assert not np.shares_memory(c, b)
    z = ws.zeros((2, 3, 4), np.float32)
    assert z.dtype == np.float32 and not z.any() and z.flags.c_contiguous


def test_workspace_serves_a_request_from_an_idle_entry_of_up_to_twice_its_size():
    ws = Workspace(min_bytes=0)
    big = ws.empty((50,), np.float32)  # 200 bytes
    del big
    mid = ws.empty((30,), np.float32)  # 120 bytes: the idle 200-byte entry
    assert ws.held_bytes == 200 and mid.nbytes == 120 and mid.flags.c_contiguous
    small = ws.empty((10,), np.float32)  # 40 bytes: the entry is in use -> a new one
    assert ws.held_bytes == 240 and not np.shares_memory(mid, small)
    del mid, small
    tiny = ws.empty((20,), np.float32)  # 80 bytes: 200 > 2 * 80, the 40-byte one is small
    assert ws.held_bytes == 320
    del tiny


def test_workspace_drops_idle_entries_beyond_its_limit_oldest_first():
    ws = Workspace(limit=300, min_bytes=0)
    first = ws.empty((25,), np.float64)  # 200 bytes
    del first
    second = ws.empty((10,), np.float64)  # 80 bytes: 280 held
    assert ws.held_bytes == 280
    third = ws.empty((5,), np.float64)  # 40 more would pass 300: the idle 200 go
    assert ws.held_bytes == 120
    ws.clear()  # second and third are in use: they stay
    assert ws.held_bytes == 120
    del second, third
    ws.clear()
    assert ws.held_bytes == 0


def test_conv_results_stay_valid_when_the_workspace_recycles_memory(monkeypatch):
    # every array on workspace memory: a later step must never write into an earlier
    # step's results or into the columns a pending backward still needs
    monkeypatch.setattr(WORKSPACE, "min_bytes", 0)
    rng = np.random.default_rng(8)
    w = ag.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    results = []
    for _ in range(3):
        x = ag.tensor(rng.standard_normal((2, 3, 5, 5)), requires_grad=True)
        y = F.conv2d(x, w, padding=1, stride=(1, 2))
        want = conv2d_loop(x.array, w.array, None, (1, 2), (1, 1, 1, 1), (1, 1), 1)
        results.append((x, y, want))
    for x, y, want in results:
        np.testing.assert_allclose(y.array, want, rtol=1e-12)
        g = rng.standard_normal(y.shape)
        w.grad = None
        y.backward(ag.tensor(g))
        wt = ag.tensor(w.array, requires_grad=True)
        composed = conv2d_composed(
            ag.tensor(x.array), wt, stride=(1, 2), padding=(1, 1, 1, 1), dilation=(1, 1), groups=1
        )
        (gw,) = ag.grad(composed, [wt], grad_outputs=ag.tensor(g))
        np.testing.assert_allclose(w.grad.array, gw.array, rtol=1e-10)
        np.testing.assert_allclose(y.array, want, rtol=1e-12)


# ---------------------------------------------------------------------- double backward
def test_gradgradcheck_through_conv_relu_maxpool_sum_of_squares():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 2, 6, 6))
    w = rng.standard_normal((3, 2, 3, 3)) * 0.5
    b = rng.standard_normal(3) * 0.1

    def net(x, w, b):
        h = F.max_pool2d(ag.relu(F.conv2d(x, w, b, padding=1)), 2)
        return (h * h).sum()

    assert gradcheck(net, [x, w, b], atol=1e-6)
    assert gradgradcheck(net, [x, w, b], atol=1e-6)


def test_gradgradcheck_through_transposed_and_strided_convs():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 4, 3, 3))
    w1 = rng.standard_normal((4, 2, 3, 3))
    w2 = rng.standard_normal((3, 4, 2, 2))

    def net(x, w1, w2):
        h = F.conv_transpose2d(x, w1, stride=2, padding=1, output_padding=1, groups=2)
        h = F.conv2d(ag.tanh(h), w2, stride=2, dilation=(1, 2))
        return (h * h).sum()

    assert gradgradcheck(net, [x, w1, w2], atol=1e-6)


def test_gradients_of_a_transposed_conv_whose_output_padding_exceeds_the_stride():
    # output_padding 1 >= stride 1 (allowed as it is below the dilation 2): the last output
    # cell is reached by no window, and the double backward must still line up
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 2, 4)), rng.standard_normal((2, 3, 3))

    def net(x, w):
        y = F.conv_transpose1d(x, w, dilation=2, output_padding=1)
        return (y * y * y).sum()

    assert gradcheck(net, [x, w], atol=1e-6)
    assert gradgradcheck(net, [x, w], atol=1e-6)


# ---------------------------------------------------------------------- errors
def _raises(match, fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError), match=re.escape(match)):
        fn(*args, **kwargs)


def test_errors_name_the_argument_and_the_shapes():
    x, w = np.zeros((1, 4, 5, 5)), np.zeros((8, 3, 3, 3))
    _raises(
        "conv2d: input has 4 channels but weight expects 3 (weight shape (8, 3, 3, 3), groups=1)",
        F.conv2d, x, w,
    )  # fmt: skip
    _raises("conv2d: input has 4 channels but weight expects 6", F.conv2d, x, w, groups=2)
    _raises("conv2d: out_channels 8 (weight shape (8, 2, 3, 3)) is not divisible by groups=3",
            F.conv2d, np.zeros((1, 6, 5, 5)), np.zeros((8, 2, 3, 3)), groups=3)  # fmt: skip
    _raises("conv2d: the kernel (size 7, dilation 1, spanning 7) is larger than the padded "
            "input height 5 (input height 5, padding 0+0; input shape (1, 3, 5, 5), weight "
            "shape (2, 3, 7, 7))", F.conv2d, np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 7, 7)),
            padding=(0, 1))  # fmt: skip
    _raises("conv2d: expected a 3-D or 4-D input (C, H, W) or (N, C, H, W), got shape (5, 5)",
            F.conv2d, np.zeros((5, 5)), w)  # fmt: skip
    _raises("conv2d: weight must be 4-D, got shape (8, 3, 3)", F.conv2d, x, np.zeros((8, 3, 3)))
    _raises("conv2d: stride must be positive, got 0", F.conv2d, x, np.zeros((2, 4, 3, 3)), stride=0)
    _raises("conv2d: padding must be at least 0, got (1, -1)", F.conv2d, x,
            np.zeros((2, 4, 3, 3)), padding=(1, -1))  # fmt: skip
    _raises("conv2d: dilation must be an int or a sequence of 2 ints, got (1, 2, 3)", F.conv2d,
            x, np.zeros((2, 4, 3, 3)), dilation=(1, 2, 3))  # fmt: skip
    _raises("conv2d: invalid padding string 'full', should be one of 'valid', 'same'",
            F.conv2d, x, np.zeros((2, 4, 3, 3)), padding="full")  # fmt: skip
    _raises("conv2d: padding='same' is not supported for strided convolutions (stride=(2, 2))",
            F.conv2d, x, np.zeros((2, 4, 3, 3)), padding="same", stride=2)  # fmt: skip
    _raises("conv2d: groups must be a positive integer, got 0", F.conv2d, x, w, groups=0)
    _raises("conv2d: bias must have shape (2,), got (3,)", F.conv2d, x,
            np.zeros((2, 4, 3, 3)), np.zeros(3))  # fmt: skip
    _raises("conv1d: the kernel (size 4, dilation 2, spanning 7) is larger than the padded "
            "input length 5", F.conv1d, np.zeros((1, 1, 5)), np.zeros((1, 1, 4)),
            dilation=2)  # fmt: skip


def test_transposed_conv_errors():
    x = np.zeros((1, 4, 3, 3))
    _raises("conv_transpose2d: input has 4 channels but weight expects 3", F.conv_transpose2d,
            x, np.zeros((3, 2, 3, 3)))  # fmt: skip
    _raises("conv_transpose2d: output_padding (2, 2) must be smaller than either stride (2, 2) "
            "or dilation (1, 1)", F.conv_transpose2d, x, np.zeros((4, 2, 3, 3)), stride=2,
            output_padding=2)  # fmt: skip
    _raises("conv_transpose2d: in_channels 4 is not divisible by groups=3", F.conv_transpose2d,
            x, np.zeros((4, 2, 3, 3)), groups=3)  # fmt: skip
    _raises("conv_transpose2d: the output would have size (-1, -1)", F.conv_transpose2d,
            np.zeros((1, 4, 1, 1)), np.zeros((4, 2, 1, 1)), padding=1)  # fmt: skip
    _raises("conv_transpose2d: padding must be an int or a tuple of ints, got 'same'",
            F.conv_transpose2d, x, np.zeros((4, 2, 3, 3)), padding="same")  # fmt: skip


# ---------------------------------------------------------------------- zero-size kernels
@pytest.mark.parametrize(
    "make",
    [
        lambda: ag.nn.Conv1d(1, 1, 0),
        lambda: ag.nn.Conv2d(1, 1, 0),
        lambda: ag.nn.Conv2d(1, 1, (3, 0)),
        lambda: ag.nn.ConvTranspose2d(1, 1, 0),
    ],
)
def test_a_layer_with_a_zero_kernel_size_is_refused(make):
    with pytest.raises(ValueError, match="kernel size should be greater than zero"):
        make()


@pytest.mark.parametrize(
    "call",
    [
        lambda x: F.conv2d(x, np.zeros((1, 1, 0, 0))),
        lambda x: F.conv2d(x, np.zeros((1, 1, 2, 0))),
        lambda x: F.conv1d(x[0], np.zeros((1, 1, 0))),
        lambda x: F.conv_transpose2d(x, np.zeros((1, 1, 0, 0))),
        lambda x: F.conv_transpose1d(x[0], np.zeros((1, 1, 0))),
    ],
)
def test_a_convolution_by_a_zero_size_weight_is_refused(call):
    # PyTorch: "kernel size should be greater than zero"; it returned a 5x5 output here
    x = ag.tensor(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="kernel size should be greater than zero"):
        call(x)


def test_module_and_functional_refuse_arguments_with_the_same_checks():
    with pytest.raises(ValueError, match="Conv2d: groups must be a positive integer"):
        ag.nn.Conv2d(2, 2, 3, groups=0)
    with pytest.raises(ValueError, match="conv2d: groups must be a positive integer"):
        F.conv2d(ag.ones(1, 2, 4, 4), ag.ones(2, 2, 3, 3), groups=0)
    with pytest.raises(TypeError, match="Conv2d: stride must be an int or a sequence of 2"):
        ag.nn.Conv2d(2, 2, 3, stride="a")
    with pytest.raises(ValueError, match="ConvTranspose2d: output_padding"):
        ag.nn.ConvTranspose2d(2, 2, 3, stride=1, output_padding=1)


def test_the_forward_keeps_its_columns_slice_by_slice_when_they_are_small(monkeypatch):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 16, 5, 5))
    w = rng.standard_normal((16, 16, 3, 3))
    g = rng.standard_normal((4, 16, 5, 5))
    geometry = ((1, 1), (1, 1, 1, 1), (1, 1), 1)
    image_bytes = 16 * 9 * 25 * 8  # one image's columns
    monkeypatch.setattr(cu, "COLUMNS_BYTES", image_bytes)
    y, kept = cu.conv2d_forward_keeping_columns(x, w, *geometry)
    assert kept is not None and len(kept) == 4  # one image a slice
    with_kept = cu.conv2d_weight_grad(x, g, (3, 3), *geometry, columns=kept)
    rebuilt = cu.conv2d_weight_grad(x, g, (3, 3), *geometry)
    np.testing.assert_allclose(with_kept, rebuilt, rtol=1e-13)
    np.testing.assert_allclose(y, cu.conv2d_forward(x, w, *geometry), rtol=1e-13)
    monkeypatch.setattr(cu, "KEEP_COLUMNS_BYTES", 4 * image_bytes - 1)
    assert cu.conv2d_forward_keeping_columns(x, w, *geometry)[1] is None
    assert cu.conv2d_forward_keeping_columns(x, w, *geometry, keep=False)[1] is None
