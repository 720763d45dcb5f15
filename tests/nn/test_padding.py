"""F.pad: every mode against plain Python loops, PyTorch's pad-tuple order and negative
widths with values worked out by hand, gradients (copies add up), and errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.testing import gradcheck, gradgradcheck


def source_index(i, n, before, mode):
    """The input position that output position ``i`` of a padded axis copies (None for
    the constant fill)."""
    j = i - before
    if 0 <= j < n:
        return j
    if mode == "constant":
        return None
    if mode == "replicate":
        return 0 if j < 0 else n - 1
    if mode == "reflect":
        return -j if j < 0 else 2 * (n - 1) - j
    return j % n  # circular


def pad_loop(x, pad, mode, value):
    """Pad the last len(pad) // 2 axes one entry at a time (non-negative widths)."""
    pairs = [(pad[2 * k], pad[2 * k + 1]) for k in range(len(pad) // 2)]
    out = np.asarray(x, dtype=float)
    for k, (before, after) in enumerate(pairs):
        axis = out.ndim - 1 - k
        n = out.shape[axis]
        moved = np.moveaxis(out, axis, -1)
        new = np.empty((*moved.shape[:-1], n + before + after))
        for i in range(n + before + after):
            src = source_index(i, n, before, mode)
            new[..., i] = value if src is None else moved[..., src]
        out = np.moveaxis(new, -1, axis)
    return out


@st.composite
def pad_cases(draw):
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    n_padded = draw(st.integers(1, 3))
    lead = draw(st.integers(1, 2)) if mode != "constant" else draw(st.integers(0, 2))
    shape = tuple(draw(st.integers(1, 3)) for _ in range(lead)) + tuple(
        draw(st.integers(1, 4)) for _ in range(n_padded)
    )
    pad = []
    for k in range(n_padded):
        n = shape[-1 - k]
        top = {"constant": 3, "replicate": 3, "reflect": n - 1, "circular": n}[mode]
        pad += [draw(st.integers(0, top)), draw(st.integers(0, top))]
    x = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal(shape)
    value = draw(st.sampled_from([None, 2.5])) if mode == "constant" else None
    return x, tuple(pad), mode, value


@given(pad_cases())
def test_pad_matches_loops(case):
    x, pad, mode, value = case
    got = F.pad(x, pad, mode, value)
    want = pad_loop(x, pad, mode, 0.0 if value is None else value)
    np.testing.assert_array_equal(got.array, want)


@given(pad_cases())
def test_pad_gradient_adds_the_copies_back(case):
    x, pad, mode, value = case
    xt = ag.tensor(x, requires_grad=True)
    y = F.pad(xt, pad, mode, value)
    g = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(ag.tensor(g))
    # the adjoint of the loop: every output entry adds its gradient to its source
    want = np.zeros(x.shape)
    n_padded = len(pad) // 2
    grid = np.indices(y.shape).reshape(y.ndim, -1).T
    for pos, gv in zip(grid, g.reshape(-1)):
        src = list(pos)
        for k in range(n_padded):
            axis = x.ndim - 1 - k
            src[axis] = source_index(pos[axis], x.shape[axis], pad[2 * k], mode)
        if None not in src:
            want[tuple(src)] += gv
    np.testing.assert_allclose(xt.grad.array, want, atol=1e-12)


def test_pytorch_pad_tuple_order_and_values():
    x = np.arange(4.0).reshape(1, 1, 4)
    np.testing.assert_array_equal(F.pad(x, (2, 1), "reflect").array, [[[2, 1, 0, 1, 2, 3, 2]]])
    np.testing.assert_array_equal(F.pad(x, (2, 1), "replicate").array, [[[0, 0, 0, 1, 2, 3, 3]]])
    np.testing.assert_array_equal(F.pad(x, (2, 1), "circular").array, [[[2, 3, 0, 1, 2, 3, 0]]])
    np.testing.assert_array_equal(F.pad(x, (1, 2), value=-1.0).array, [[[-1, 0, 1, 2, 3, -1, -1]]])
    # (left, right, top, bottom): the last dimension first
    y = F.pad(np.ones((1, 2, 3)), (1, 0, 0, 2))
    assert y.shape == (1, 4, 4)
    np.testing.assert_array_equal(
        y.array[0], [[0, 1, 1, 1], [0, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]]
    )
    # constant mode pads any number of trailing dimensions of any input
    assert F.pad(np.ones((2, 3, 4, 5)), (0, 0, 0, 0, 1, 1, 2, 0)).shape == (4, 5, 4, 5)


def test_negative_widths():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    # constant: crop
    np.testing.assert_array_equal(
        F.pad(x, (-1, 1), value=7.0).array, [[[[1, 2, 7], [4, 5, 7], [7, 8, 7]]]]
    )
    r = np.arange(3.0).reshape(1, 1, 3)
    # reflect and replicate index the uncropped axis, as PyTorch does
    np.testing.assert_array_equal(F.pad(r, (-2, 1), "replicate").array, [[[2, 2]]])
    np.testing.assert_array_equal(F.pad(r, (2, -1), "replicate").array, [[[0, 0, 0, 1]]])
    np.testing.assert_array_equal(F.pad(r, (-2, 2), "reflect").array, [[[2, 1, 0]]])
    np.testing.assert_array_equal(F.pad(r, (-1, 2), "reflect").array, [[[1, 2, 1, 0]]])
    # circular crops, then wraps what is left
    np.testing.assert_array_equal(F.pad(r, (1, -2), "circular").array, [[[0, 0]]])
    r5 = np.arange(5.0).reshape(1, 1, 5)
    np.testing.assert_array_equal(F.pad(r5, (-1, 3), "circular").array, [[[1, 2, 3, 4, 1, 2, 3]]])
    xt = ag.tensor(r, requires_grad=True)
    F.pad(xt, (-2, 2), "reflect").sum().backward()
    np.testing.assert_array_equal(xt.grad.array, [[[1, 1, 1]]])


def test_second_order_gradients_and_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4))
    for mode, pad in [("reflect", (2, 3, 1, 0)), ("circular", (3, 1)), ("replicate", (-1, 2))]:

        def fn(t, mode=mode, pad=pad):
            y = F.pad(t, pad, mode)
            return (y * y * y).sum()

        assert gradcheck(fn, [x])
        assert gradgradcheck(fn, [x])
    x32 = ag.tensor(x.astype(np.float32), requires_grad=True)
    y = F.pad(x32, (1, 1), "reflect")
    assert y.dtype == np.float32
    y.sum().backward()
    assert x32.grad.dtype == np.float32
    assert F.pad(x32, (1, 1), value=0.5).dtype == np.float32


def _raises(match, *args, **kwargs):
    with pytest.raises((ValueError, TypeError), match=re.escape(match)):
        F.pad(*args, **kwargs)


def test_errors():
    x = np.zeros((1, 1, 3, 3))
    _raises("pad: the pad tuple must have an even length, got 1", x, (1,))
    _raises("pad: a pad tuple of length 10 pads 5 dimensions, but the input has only 4", x,
            (1,) * 10)  # fmt: skip
    _raises("pad: pad must be a tuple of ints, got (1.5, 1)", x, (1.5, 1))
    _raises("pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got 'zeros'",
            x, (1, 1), "zeros")  # fmt: skip
    _raises("pad: mode 'reflect' takes no value (got value=1.0)", x, (1, 1, 1, 1), "reflect",
            1.0)  # fmt: skip
    _raises("pad: mode 'reflect' pads the last 1, 2 or 3 dimensions of a 2-D/3-D, 3-D/4-D or "
            "4-D/5-D input respectively; got a pad tuple of length 2 for an input of shape "
            "(1, 1, 3, 3)", x, (1, 1), "reflect")  # fmt: skip
    _raises("pad: reflect padding must be smaller than the dimension: padding (3, 0) of "
            "dimension 3 of size 3", x, (3, 0, 0, 0), "reflect")  # fmt: skip
    _raises("pad: circular padding must not exceed the dimension left after cropping",
            x, (4, 0, 0, 0), "circular")  # fmt: skip
    _raises("pad: padding (-2, -2) of dimension 3 of size 3 (input shape (1, 1, 3, 3)) leaves "
            "an output of size -1", x, (-2, -2))  # fmt: skip
    _raises("pad: padding (-4, 3) of dimension 3 of size 3 (input shape (1, 1, 3, 3)) removes "
            "more entries than the dimension holds", x, (-4, 3))  # fmt: skip
