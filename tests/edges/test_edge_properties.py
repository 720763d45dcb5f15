"""Property tests at the edges, drawn with ``autograd_np.testing.strategies.edge_arrays``:
non-finite values, ties at kinks, 0-d and zero-size shapes, integer and bool dtypes.

Each property states PyTorch's rule by hand (no torch here).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.testing.strategies import EDGE_DTYPES, edge_arrays, edge_shapes

F64 = np.float64

# op, its kinks, and where PyTorch's backward lets the gradient through (by hand)
PIECEWISE = {
    "relu": (ag.relu, (0.0,), lambda x: ~(x <= 0)),
    "relu6": (F.relu6, (0.0, 6.0), lambda x: (x > 0) & (x < 6)),
    "hardtanh": (F.hardtanh, (-1.0, 1.0), lambda x: (x > -1) & (x < 1)),
    "silu": (F.silu, (0.0,), None),
    "clamp": (lambda t: ag.clip(t, -1.0, 1.0), (-1.0, 1.0), lambda x: (x >= -1) & (x <= 1)),
    "clamp_min": (lambda t: ag.clip(t, min=0.0), (0.0,), lambda x: x >= 0),
    "clamp_max": (lambda t: ag.clip(t, max=0.0), (0.0,), lambda x: x <= 0),
}


def _backward(fn, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    t = ag.tensor(x, requires_grad=True)
    with np.errstate(all="ignore"):
        fn(t).backward(ag.tensor(g))
    return t.grad.numpy()


@st.composite
def _value_and_upstream(draw, kinks):
    x = draw(edge_arrays(dtype=F64, kinks=kinks))
    g = draw(edge_arrays(x.shape, dtype=F64, kinks=(1.0,)))
    return x, g


@pytest.mark.parametrize("name", sorted(PIECEWISE))
@given(data=st.data())
def test_piecewise_gradient_is_the_upstream_selected_by_the_mask(name, data):
    fn, kinks, passes = PIECEWISE[name]
    x, g = data.draw(_value_and_upstream(kinks))
    grad = _backward(fn, x, g)
    if passes is None:  # silu: one factor s (1 + x (1 - s)), never inf - inf
        with np.errstate(all="ignore"):
            s = 1 / (1 + np.exp(-x))
            np.testing.assert_allclose(grad, g * (s * (1 + x * (1 - s))), rtol=1e-12)
        return
    keep = passes(x)
    # off the mask: exactly 0, whatever arrives (inf, nan); on it: the upstream as it is
    np.testing.assert_array_equal(grad[~keep], np.zeros(int((~keep).sum())))
    np.testing.assert_array_equal(grad[keep], g[keep])


@given(data=st.data())
def test_maximum_and_minimum_gradients_follow_pytorchs_rule(data):
    x = data.draw(edge_arrays(dtype=F64, kinks=(0.0, 1.0)))
    y = data.draw(edge_arrays(x.shape, dtype=F64, kinks=(0.0, 1.0)))
    g = data.draw(edge_arrays(x.shape, dtype=F64, kinks=(1.0,)))
    for op, x_loses in ((ag.maximum, x < y), (ag.minimum, x > y)):
        tx, ty = ag.tensor(x, requires_grad=True), ag.tensor(y, requires_grad=True)
        with np.errstate(all="ignore"):
            op(tx, ty).backward(ag.tensor(g))
            share = np.where(x == y, g / 2, g)
        y_loses = (x > y) if op is ag.maximum else (x < y)
        np.testing.assert_array_equal(tx.grad.numpy(), np.where(x_loses, 0.0, share))
        np.testing.assert_array_equal(ty.grad.numpy(), np.where(y_loses, 0.0, share))


@given(x=edge_arrays(edge_shapes().filter(lambda s: math.prod(s) > 0), dtype=F64, kinks=(1.0,)))
def test_max_of_all_elements_selects_an_even_share(x):
    g = np.inf  # whatever arrives, the elements that are not the max get exactly 0
    grad = _backward(ag.max, x, np.asarray(g))
    top = np.max(x)
    hit = np.isnan(x) if np.isnan(top) else x == top
    np.testing.assert_array_equal(grad[~hit], np.zeros(int((~hit).sum())))
    np.testing.assert_array_equal(grad[hit], np.full(int(hit.sum()), np.inf))


@given(x=edge_arrays(dtype=F64, kinks=(0.0,), nonfinite=False))
def test_relu_value_keeps_signed_zero_and_is_nonnegative(x):
    out = ag.relu(ag.tensor(x)).numpy()
    np.testing.assert_array_equal(out, np.where(x < 0, 0.0, x))
    np.testing.assert_array_equal(np.signbit(out), np.signbit(x) & (x == 0))


# ---------------------------------------------------------------------- empty dimensions
@st.composite
def _empty_and_dim(draw):
    shape = draw(edge_shapes().filter(lambda s: 0 in s))
    dim = draw(st.sampled_from([d for d, n in enumerate(shape) if n == 0]))
    return np.zeros(shape), dim


@given(case=_empty_and_dim())
def test_reductions_over_an_empty_dim_give_identities(case):
    x, dim = case
    t = ag.tensor(x)
    expected_shape = x.shape[:dim] + x.shape[dim + 1 :]
    for fn, identity in (
        (lambda: ag.sum(t, dim), 0.0),
        (lambda: ag.prod(t, dim), 1.0),
        (lambda: ag.logsumexp(t, dim), -np.inf),
        (lambda: ag.norm(t, dim=dim), 0.0),
        (lambda: ag.cumsum(t, dim), None),
        (lambda: F.softmax(t, dim), None),
    ):
        out = fn().numpy()
        if identity is None:
            assert out.shape == x.shape
        else:
            assert out.shape == expected_shape
            np.testing.assert_array_equal(out, np.full(expected_shape, identity))
    with pytest.raises(ValueError, match="zero-length axis"):
        ag.amax(t, dim)


# ---------------------------------------------------------------------- dtypes
INTEGRAL = [d for d in EDGE_DTYPES if np.dtype(d).kind in "biu"]


@given(x=edge_arrays(dtype=st.sampled_from(INTEGRAL)))
def test_integral_sums_count_in_int64_and_float_statistics_refuse_them(x):
    t = ag.tensor(x)
    assert ag.sum(t).dtype == np.int64
    assert ag.sum(t).item() == int(np.sum(x.astype(np.int64)))
    for fn in (ag.mean, ag.var, ag.std, ag.norm):
        with pytest.raises(TypeError, match=r"^(mean|var|std|norm): .*(int|bool)"):
            fn(t)


@given(x=edge_arrays(dtype=st.sampled_from(EDGE_DTYPES)))
def test_bool_refusals_and_integer_passthrough(x):
    t = ag.tensor(x)
    for fn in (ag.abs, ag.floor, ag.ceil, ag.trunc, ag.round, ag.relu, ag.negative):
        if x.dtype == np.bool_:
            with pytest.raises(TypeError, match="bool"):
                fn(t)
        else:
            assert fn(t).dtype == x.dtype
    if x.dtype == np.bool_:
        with pytest.raises(TypeError, match="Subtraction"):
            ag.subtract(t, t)
        assert ag.square(t).dtype == np.int64


@given(
    x=edge_arrays(dtype=st.sampled_from(EDGE_DTYPES)),
    y=edge_arrays(dtype=st.sampled_from(EDGE_DTYPES)),
)
def test_bitwise_ops_take_integers_and_bools_only(x, y):
    tx, ty = ag.tensor(x), ag.tensor(y)
    floating = x.dtype.kind == "f" or y.dtype.kind == "f"
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        return
    for op, ref in ((ag.bitwise_and, np.bitwise_and), (ag.bitwise_or, np.bitwise_or)):
        if floating:
            with pytest.raises(TypeError, match="not supported for float"):
                op(tx, ty)
        else:
            out = op(tx, ty)  # in the promoted dtype (a 0-d operand does not widen)
            np.testing.assert_array_equal(
                out.numpy(), ref(x.astype(out.dtype), y.astype(out.dtype))
            )


# ---------------------------------------------------------------------- 0-d tensors
@given(x=edge_arrays(st.just(()), dtype=F64), dim=st.sampled_from([0, -1]))
def test_dims_0_and_minus_1_of_a_0d_tensor_are_identities(x, dim):
    t = ag.tensor(x)
    for fn in (
        lambda: ag.swapaxes(t, dim, 0),
        lambda: ag.flip(t, dim),
        lambda: ag.moveaxis(t, dim, -1),
        lambda: ag.sum(t, dim),
        lambda: ag.cumsum(t, dim),
    ):
        out = fn()
        assert out.shape == ()
        np.testing.assert_array_equal(out.numpy(), x)


# ---------------------------------------------------------------------- float16
@given(
    x=edge_arrays(
        edge_shapes(max_side=40).filter(lambda s: math.prod(s) > 0),
        dtype=np.float16,
        kinks=(30.0, 300.0),
        nonfinite=False,
        low=-300.0,
        high=300.0,
    )
)
def test_float16_mean_and_var_accumulate_in_float32(x):
    t = ag.tensor(x)
    mean = ag.mean(t)
    assert mean.dtype == np.float16
    want = np.float16(np.mean(x.astype(np.float64)))
    np.testing.assert_allclose(float(mean.item()), float(want), rtol=2e-3, atol=1e-2)
    var = ag.var(t, correction=0)
    assert var.dtype == np.float16
    want_var = np.var(x.astype(np.float64))
    if want_var < 6e4:  # representable in float16
        np.testing.assert_allclose(float(var.item()), want_var, rtol=5e-3, atol=0.5)
