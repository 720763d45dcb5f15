"""Elementwise ops beyond the generic registry checks: dtype rules, reflected operators,
the scalar paths of ``power``, ties, ``where`` with scalar branches, errors, and
non-differentiable outputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.testing import gradcheck, gradgradcheck


def _grad(fn, *values, dtype=np.float64):
    """The gradients of ``fn(*tensors).sum()`` with respect to each input."""
    xs = [ag.tensor(np.asarray(v, dtype=dtype), requires_grad=True) for v in values]
    fn(*xs).sum().backward()
    return [x.grad.numpy() for x in xs]


# ---------------------------------------------------------------------- operators
def test_reflected_operators_with_numbers_broadcast_and_differentiate():
    x = ag.tensor([[1.0, 2.0, 4.0]], requires_grad=True)
    out = (2 - x) + (3 / x) + (2 * x) + (1 + x) + (2**x)
    expected = (2 - x.array) + 3 / x.array + 2 * x.array + (1 + x.array) + 2**x.array
    np.testing.assert_allclose(out.array, expected, rtol=1e-6)
    out.sum().backward()
    d = -1 - 3 / x.array**2 + 2 + 1 + 2**x.array * math.log(2)
    np.testing.assert_allclose(x.grad.numpy(), d, rtol=1e-5)


def test_numpy_array_on_the_left_gives_a_tensor():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = np.array([[1.0], [2.0]], dtype=np.float32)
    for out in (a * x, a + x, a - x, a / x):
        assert isinstance(out, ag.Tensor)
        assert out.shape == (2, 3)
        assert out.requires_grad
    (a * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0, 3.0])


def test_broadcast_gradients_are_summed_to_each_input_shape():
    gx, gy = _grad(lambda x, y: x * y, np.ones((2, 1, 3)), np.arange(4.0).reshape(4, 1))
    assert gx.shape == (2, 1, 3)
    assert gy.shape == (4, 1)
    np.testing.assert_allclose(gx, np.full((2, 1, 3), 6.0))
    np.testing.assert_allclose(gy, np.full((4, 1), 6.0))


def test_incompatible_shapes_raise_naming_the_op():
    with pytest.raises(ValueError, match=r"^add:.*\(2, ?3\).*\(4,?\)"):
        ag.add(ag.ones((2, 3)), ag.ones(4))


# ---------------------------------------------------------------------- dtypes
@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x * 2.5,
        lambda x: 2.5 * x,
        lambda x: x / 3,
        lambda x: x + 1,
        lambda x: 1 - x,
        lambda x: x**2,
        lambda x: x**0.5,
        lambda x: x**-1,
        lambda x: x**3.5,
        lambda x: 2**x,
        lambda x: 0.5**x,
        lambda x: ag.maximum(x, 0.5),
        lambda x: ag.where(x > 1, x, 0.0),
        lambda x: ag.clip(x, 0.5, 2),
        lambda x: x * np.float64(2.0),
    ],
)
def test_python_scalars_keep_float32(fn):
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = fn(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_tensors_meet_floats_as_float32_like_pytorch():
    i = ag.tensor([1, 2, 3])
    assert i.dtype == np.int64
    out = i * 2.5
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), [2.5, 5.0, 7.5])
    assert (2.5 + i).dtype == np.float32
    assert (i / 2).dtype == np.float32
    assert (i / i).dtype == np.float32
    np.testing.assert_array_equal((i / 2).numpy(), [0.5, 1.0, 1.5])
    assert (i * ag.tensor([1.0, 2.0, 3.0])).dtype == np.float32
    assert ag.exp(i).dtype == np.float32
    assert ag.sigmoid(i).dtype == np.float32
    np.testing.assert_allclose(ag.sigmoid(i).numpy(), 1 / (1 + np.exp(-np.array([1, 2, 3]))))
    np.testing.assert_allclose(ag.reciprocal(i).numpy(), [1.0, 0.5, 1 / 3], rtol=1e-6)
    assert (i**0.5).dtype == np.float32
    assert (i**2).dtype == np.int64
    assert (2**i).dtype == np.int64
    assert (2.0**i).dtype == np.float32
    assert ag.clip(i, 0, 2).dtype == np.int64
    assert ag.clip(i, 0.5, 2).dtype == np.float32


def test_integer_and_dimension_rules():
    i32 = ag.tensor(np.array([1, 2], dtype=np.int32))
    assert (i32 + 5).dtype == np.int32  # a number does not widen a tensor
    assert (i32 + ag.tensor([1, 2])).dtype == np.int64  # two dimensioned tensors promote
    x32 = ag.tensor([1.0, 2.0])
    x64 = ag.tensor(np.array([1.0, 2.0]))
    assert (x32 + x64).dtype == np.float64
    assert (x32 * ag.tensor(np.float64(2.0))).dtype == np.float32  # 0-d does not widen
    assert (i32 * ag.tensor(np.float64(2.0))).dtype == np.float64  # 0-d of a higher kind
    assert (ag.tensor([True, False]) + 1).dtype == np.int64


def test_where_with_scalar_branches():
    x = ag.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    out = ag.where(x > 0, x, 0.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.array, [0.0, 2.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])
    both = ag.where(np.array([[True], [False]]), 1.0, 0.0)
    assert both.dtype == np.float32
    assert both.shape == (2, 1)
    mixed = ag.where(ag.tensor([True, False]), ag.tensor([1, 2]), 2.5)
    assert mixed.dtype == np.float32
    np.testing.assert_array_equal(mixed.numpy(), [1.0, 2.5])
    y = ag.tensor([5.0, 6.0], requires_grad=True)
    ag.where(ag.tensor([1, 0]), 3, y).sum().backward()  # a non-bool condition tests nonzero
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 1.0])


# ---------------------------------------------------------------------- powers
def test_square_of_negative_bases_is_exact():
    values = np.array([-3.0, -0.1, 2.0, -1e-3], dtype=np.float32)
    x = ag.tensor(values, requires_grad=True)
    out = x**2
    np.testing.assert_array_equal(out.array, values * values)
    assert out.grad_fn is not None and "Pow" in out.grad_fn.name()
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * values)


@pytest.mark.parametrize("p", [3, -1, -2, 1, 2, 0])
def test_integer_powers_of_negative_bases_first_and_second_order(p):
    x = np.array([-1.7, -0.4, 0.6, 1.3])
    gx = _grad(lambda t: t**p, x)[0]
    np.testing.assert_allclose(gx, p * x ** (p - 1) if p else np.zeros(4), rtol=1e-12)
    gradcheck(lambda t: t**p, [x])
    gradgradcheck(lambda t: t**p, [x])


def test_power_zero_exponent_has_zero_gradient_even_at_zero():
    gx = _grad(lambda t: t**0, [0.0, 2.0])[0]
    np.testing.assert_array_equal(gx, [0.0, 0.0])
    np.testing.assert_array_equal((ag.tensor([0.0, 2.0]) ** 0).numpy(), [1.0, 1.0])


def test_half_and_fractional_powers_match_sqrt_and_numpy():
    x = np.array([0.25, 1.0, 4.0])
    np.testing.assert_allclose((ag.tensor(x) ** 0.5).numpy(), np.sqrt(x), rtol=0)
    np.testing.assert_allclose((ag.tensor(x) ** 1.5).numpy(), x**1.5, rtol=1e-15)
    gradgradcheck(lambda t: t**1.5, [x])
    gradgradcheck(lambda t: t**-0.5, [x])


def test_number_base_power():
    y = np.array([-1.0, 0.0, 2.5])
    gy = _grad(lambda t: 3.0**t, y)[0]
    np.testing.assert_allclose(gy, 3.0**y * math.log(3.0), rtol=1e-12)
    gradgradcheck(lambda t: 2**t, [y])
    # 0 ** y: gradient 0 where y >= 0, as in PyTorch
    gz = _grad(lambda t: 0.0**t, [0.0, 2.0])[0]
    np.testing.assert_array_equal(gz, [0.0, 0.0])


def test_tensor_power_gradients_at_zero_base_are_finite():
    # PyTorch: d/dx is 0 where y == 0; d/dy is 0 where x == 0 and y >= 0
    gx, gy = _grad(lambda x, y: x**y, [0.0, 0.0, 2.0], [0.0, 2.0, 0.0])
    np.testing.assert_allclose(gx, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(gy, [0.0, 0.0, math.log(2.0)])
    base, exponent = np.array([[1.5], [2.0]]), np.array([0.5, -1.0, 2.0])
    gx, gy = _grad(ag.power, base, exponent)
    np.testing.assert_allclose(gx, (exponent * base ** (exponent - 1)).sum(1, keepdims=True))
    np.testing.assert_allclose(gy, (base**exponent * np.log(base)).sum(0))


def test_integer_to_negative_integer_power_raises():
    with pytest.raises(ValueError, match=r"^power: integers to negative integer powers"):
        ag.tensor([1, 2]) ** -1
    with pytest.raises(ValueError, match=r"^power: integers to negative integer powers"):
        2 ** ag.tensor([1, -2])


# ---------------------------------------------------------------------- piecewise
def test_maximum_and_minimum_split_ties_in_half():
    gx, gy = _grad(ag.maximum, [1.0, 2.0, 5.0], [1.0, 3.0, 4.0])
    np.testing.assert_array_equal(gx, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(gy, [0.5, 1.0, 0.0])
    gx, gy = _grad(ag.minimum, [1.0, 2.0, 5.0], [1.0, 3.0, 4.0])
    np.testing.assert_array_equal(gx, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(gy, [0.5, 0.0, 1.0])


def test_clip_bounds_are_inclusive_and_take_pytorch_spellings():
    gx = _grad(lambda t: ag.clip(t, 1.0, 3.0), [0.0, 1.0, 2.0, 3.0, 4.0])[0]
    np.testing.assert_array_equal(gx, [0.0, 1.0, 1.0, 1.0, 0.0])
    x = ag.tensor([-2.0, 0.5, 2.0])
    np.testing.assert_array_equal(ag.clamp(x, min=-1.0).numpy(), [-1.0, 0.5, 2.0])
    np.testing.assert_array_equal(ag.clip(x, max=1.0).numpy(), [-2.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.clamp(0.0, 1.0).numpy(), [0.0, 0.5, 1.0])
    with pytest.raises(TypeError, match=r"^clip: got both a_min and min"):
        ag.clip(x, 0.0, min=0.0)
    with pytest.raises(ValueError, match=r"^clip: at least one"):
        ag.clip(x)


def test_clip_with_tensor_bounds_sends_gradient_to_the_bound_that_clips():
    x = ag.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    lo = ag.tensor([-1.0, -1.0, -1.0], requires_grad=True)
    hi = ag.tensor(1.0, requires_grad=True)
    ag.clip(x, lo, hi).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(lo.grad.numpy(), [1.0, 0.0, 0.0])
    assert hi.grad.item() == 1.0


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):
        out = ag.sigmoid(ag.tensor([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.5, 1.0])


def test_rounding_ops():
    x = ag.tensor([-1.5, -0.5, 0.5, 1.5, 2.5, 1.26])
    np.testing.assert_array_equal(ag.round(x).numpy(), [-2.0, -0.0, 0.0, 2.0, 2.0, 1.0])
    np.testing.assert_allclose(ag.round(x, decimals=1).numpy()[-1], 1.3, rtol=1e-6)
    np.testing.assert_array_equal(ag.floor(x).numpy(), np.floor(x.numpy()))
    np.testing.assert_array_equal(ag.ceil(x).numpy(), np.ceil(x.numpy()))
    np.testing.assert_array_equal(ag.trunc(x).numpy(), np.trunc(x.numpy()))
    assert ag.floor(ag.tensor([1, 2])).dtype == np.int64


@pytest.mark.parametrize(
    "fn",
    [
        ag.sign,
        ag.floor,
        ag.ceil,
        ag.trunc,
        ag.round,
        ag.isnan,
        ag.isfinite,
        ag.logical_not,
        lambda x: x > 0.5,
        lambda x: x == x,
        lambda x: ag.less_equal(x, 1.0),
    ],
)
def test_non_differentiable_outputs_never_require_grad(fn):
    x = ag.tensor([0.3, -1.2, 2.0], requires_grad=True)
    assert not fn(x).requires_grad
    assert fn(x).grad_fn is None


def test_log_family_values_and_gradients():
    x = np.array([0.5, 1.0, 8.0])
    np.testing.assert_allclose(ag.log2(ag.tensor(x)).numpy(), np.log2(x))
    np.testing.assert_allclose(ag.log10(ag.tensor(x)).numpy(), np.log10(x))
    np.testing.assert_allclose(_grad(ag.log2, x)[0], 1 / (x * math.log(2)), rtol=1e-12)
    np.testing.assert_allclose(_grad(ag.log10, x)[0], 1 / (x * math.log(10)), rtol=1e-12)


@pytest.mark.parametrize("p", [3, -3, 4, -2, 5.0, 7])
def test_integer_powers_of_negative_bases_are_within_an_ulp_of_numpy(p):
    # x ** p takes |x| ** p with the sign put back (libm's pow is far slower for negative
    # bases): at most one unit in the last place from numpy, same signs and specials
    x = np.array([-2.5, -0.0, 0.0, 3.0, np.nan, -np.inf, np.inf, -1e-3, -0.7], dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        got = (ag.tensor(x) ** p).numpy()
        want = np.power(x, p)
    assert got.dtype == np.float32
    finite = np.isfinite(want)
    np.testing.assert_array_max_ulp(got[finite], want[finite], maxulp=1)
    np.testing.assert_array_equal(got[~finite], want[~finite])
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
