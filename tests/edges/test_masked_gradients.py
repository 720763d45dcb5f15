"""Gradients of piecewise ops at their kinks and under non-finite upstream gradients.

Every expectation is derived by hand from PyTorch's documented rule for the op: where the
op's mask is off the gradient is selected away (exactly 0, even when an ``inf`` or ``nan``
arrives from upstream); at a kink the value is PyTorch's subgradient.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.ops.piecewise import masked_grad
from autograd_np.testing import gradcheck, gradgradcheck

INF, NAN = math.inf, math.nan


def _grad(fn, x, upstream=None):
    """The gradient of ``fn`` at ``x`` (float64) for an upstream gradient of ones or
    ``upstream`` (a number broadcast to the output's shape)."""
    t = ag.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = fn(t)
    g = np.ones(y.shape) if upstream is None else np.full(y.shape, upstream)
    y.backward(ag.tensor(g))
    return t.grad.numpy()


def _same(actual, expected):
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected, dtype=np.float64))


# ---------------------------------------------------------------------- the example
@pytest.mark.parametrize(
    "outer",
    [ag.log, ag.sqrt, ag.reciprocal, ag.log2, lambda t: ag.power(t, -0.5)],
    ids=["log", "sqrt", "reciprocal", "log2", "pow"],
)
def test_gradient_through_relu_into_a_singular_function_is_zero_where_relu_is_off(outer):
    # outer(relu(x)) at x < 0: outer'(0) is inf (or nan), relu' is 0 there: torch gives 0
    with np.errstate(divide="ignore", invalid="ignore"):
        g = _grad(lambda t: outer(ag.relu(t)), [-1.0, -3.0, 4.0])
    _same(g[:2], [0.0, 0.0])
    assert np.isfinite(g[2]) and g[2] != 0


def test_gradient_through_clamp_into_log_is_zero_below_the_bound():
    with np.errstate(divide="ignore"):
        g = _grad(lambda t: ag.log(ag.clip(t, min=0.0)), [-1.0, 2.0])
    _same(g, [0.0, 0.5])


# ---------------------------------------------------------------------- non-finite upstream
PIECEWISE = {
    # name: (fn, x, where the gradient passes for an upstream of ones)
    "relu": (ag.relu, [-2.0, 0.0, 3.0], [0.0, 0.0, 1.0]),
    "relu6": (F.relu6, [-1.0, 0.0, 3.0, 6.0, 7.0], [0.0, 0.0, 1.0, 0.0, 0.0]),
    "hardtanh": (F.hardtanh, [-2.0, -1.0, 0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 0.0, 0.0]),
    "clamp": (lambda t: ag.clip(t, -1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0], [0, 1, 1, 1, 0]),
    "clamp_min": (lambda t: ag.clip(t, min=0.0), [-1.0, 0.0, 2.0], [0.0, 1.0, 1.0]),
    "clamp_tensor": (
        lambda t: ag.clip(t, ag.full((5,), -1.0, dtype=np.float64), ag.ones(5, dtype=np.float64)),
        [-2.0, -1.0, 0.0, 1.0, 2.0],
        [0.0, 1.0, 1.0, 1.0, 0.0],
    ),
    "maximum": (
        lambda t: ag.maximum(t, ag.zeros(3, dtype=np.float64)),
        [-1.0, 0.0, 2.0],
        [0, 0.5, 1],
    ),
    "minimum": (
        lambda t: ag.minimum(t, ag.zeros(3, dtype=np.float64)),
        [-1.0, 0.0, 2.0],
        [1, 0.5, 0],
    ),
    "max_all": (lambda t: ag.max(t), [1.0, 3.0, 3.0, 2.0], [0.0, 0.5, 0.5, 0.0]),
    "max_dim": (lambda t: ag.max(t, 0).values, [1.0, 3.0, 3.0, 2.0], [0.0, 1.0, 0.0, 0.0]),
    "min_all": (lambda t: ag.min(t), [1.0, -3.0, 2.0], [0.0, 1.0, 0.0]),
    "where": (lambda t: ag.where(t.array > 0, t, 0.0), [-1.0, 0.0, 2.0], [0.0, 0.0, 1.0]),
    "max_pool1d": (
        lambda t: F.max_pool1d(t.reshape(1, 1, 4), 2),
        [1.0, 5.0, 7.0, 2.0],
        [0.0, 1.0, 1.0, 0.0],
    ),
}


@pytest.mark.parametrize("name", sorted(PIECEWISE))
def test_piecewise_gradient_at_kinks_matches_pytorch(name):
    fn, x, expected = PIECEWISE[name]
    _same(_grad(fn, x), expected)


@pytest.mark.parametrize("name", sorted(PIECEWISE))
@pytest.mark.parametrize("upstream", [INF, -INF, NAN])
def test_non_finite_upstream_gradient_is_exactly_zero_where_the_mask_is_off(name, upstream):
    fn, x, passes = PIECEWISE[name]
    with np.errstate(invalid="ignore"):
        g = _grad(fn, x, upstream)
    passes = np.asarray(passes, dtype=np.float64)
    _same(g[passes == 0], np.zeros(int((passes == 0).sum())))
    on = g[passes != 0]
    if math.isnan(upstream):
        assert np.isnan(on).all()
    else:  # a share of inf is inf with the same sign
        _same(on, np.full(on.shape, upstream))


def test_max_pool2d_with_overlapping_windows_keeps_non_finite_gradients_off_the_losers():
    x = ag.tensor(np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4), requires_grad=True)
    y = F.max_pool2d(x, 3, stride=1)  # overlapping windows: the winners are 10, 11, 14, 15
    y.backward(ag.full(y.shape, INF, dtype=np.float64))
    expected = np.zeros((4, 4))
    expected[2:, 2:] = INF
    _same(x.grad.numpy()[0, 0], expected)


def test_maximum_sends_the_whole_gradient_to_both_inputs_at_a_nan():
    # torch: where(x == y, g/2, g) masked to 0 where x < y; a NaN comparison is false
    x = ag.tensor([1.0, NAN, 3.0], requires_grad=True)
    y = ag.tensor([2.0, 1.0, NAN], requires_grad=True)
    ag.maximum(x, y).sum().backward()
    _same(x.grad.numpy(), [0.0, 1.0, 1.0])
    _same(y.grad.numpy(), [1.0, 1.0, 1.0])


def test_max_of_all_elements_shares_between_the_nans():
    _same(_grad(lambda t: ag.max(t), [1.0, NAN, NAN]), [0.0, 0.5, 0.5])


def test_amax_is_a_product_with_the_tie_share_as_in_pytorch():
    # torch.amax's backward is (g / count) * mask: 0.5 at ties, and inf * 0 = nan off them
    _same(_grad(lambda t: ag.amax(t), [1.0, 3.0, 3.0]), [0.0, 0.5, 0.5])
    with np.errstate(invalid="ignore"):
        g = _grad(lambda t: ag.amax(t), [1.0, 3.0], INF)
    assert np.isnan(g[0]) and g[1] == INF


def test_abs_is_a_product_with_sign_as_in_pytorch():
    _same(_grad(ag.abs, [-2.0, 0.0, 3.0]), [-1.0, 0.0, 1.0])
    with np.errstate(invalid="ignore"):
        g = _grad(ag.abs, [-2.0, 0.0, 3.0], INF)
    assert g[0] == -INF and np.isnan(g[1]) and g[2] == INF


def test_leaky_relu_slope_at_zero_and_product_rule():
    _same(_grad(lambda t: F.leaky_relu(t, 0.1), [-1.0, 0.0, 1.0]), [0.1, 0.1, 1.0])
    with np.errstate(invalid="ignore"):
        g = _grad(lambda t: F.leaky_relu(t, 0.0), [-1.0, 1.0], INF)
    assert np.isnan(g[0]) and g[1] == INF  # torch: g * slope, inf * 0


def test_elu_gradient_at_zero_is_alpha():
    _same(_grad(lambda t: F.elu(t, 2.0), [0.0]), [2.0])


def test_clamp_with_min_above_max_passes_nothing_to_x():
    _same(_grad(lambda t: ag.clip(t, 1.0, -1.0), [-2.0, 0.0, 2.0]), [0.0, 0.0, 0.0])
    x = ag.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    lo, hi = ag.ones(3, requires_grad=True), ag.full((3,), -1.0, requires_grad=True)
    ag.clip(x, lo, hi).sum().backward()
    _same(x.grad.numpy(), [0, 0, 0])
    _same(lo.grad.numpy(), [0, 0, 0])
    _same(hi.grad.numpy(), [1, 1, 1])


# ---------------------------------------------------------------------- signed zero
def test_relu_keeps_negative_zero_as_pytorch():
    # torch 2.13 computes relu as clamp_min(x, 0), which returns x itself when !(x < 0)
    for n in (1, 100):
        out = ag.relu(ag.tensor(np.full(n, -0.0, dtype=np.float32))).numpy()
        assert np.all(out == 0) and np.all(np.signbit(out))
    out = ag.relu(ag.tensor([NAN, -1.0, 2.0])).numpy()
    assert np.isnan(out[0]) and out[1] == 0 and out[2] == 2


# ---------------------------------------------------------------------- the helper
def test_masked_grad_selects_and_scales():
    g = ag.tensor([INF, NAN, 2.0, -INF])
    keep = np.array([False, False, True, True])
    _same(masked_grad(g, keep).numpy(), [0.0, 0.0, 2.0, -INF])
    _same(masked_grad(g, keep, np.array([9.0, 9.0, 0.5, 0.5])).numpy(), [0, 0, 1.0, -INF])
    finite = ag.tensor([1.0, 2.0, 3.0])
    _same(masked_grad(finite, np.array([True, False, True])).numpy(), [1.0, 0.0, 3.0])


def test_masked_grad_is_differentiable_under_create_graph():
    g = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with ag.enable_grad():
        out = masked_grad(g, np.array([True, False, True]), 2.0)
    out.sum().backward()
    _same(g.grad.numpy(), [2.0, 0.0, 2.0])


@pytest.mark.parametrize(
    "fn",
    [ag.relu, F.relu6, F.hardtanh, lambda t: ag.clip(t, -0.5, 0.5), lambda t: ag.max(t)],
    ids=["relu", "relu6", "hardtanh", "clip", "max"],
)
def test_piecewise_ops_pass_first_and_second_order_checks_away_from_kinks(fn):
    x = ag.tensor(np.array([-1.7, -0.3, 0.2, 0.9, 2.2, 7.1]), requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_second_order_through_relu_with_an_infinite_second_cotangent_stays_masked():
    # d/dg of relu's VJP is the same mask: an inf second-order cotangent gives 0 off it
    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    (gx,) = ag.autograd.grad(ag.relu(x) * x, (x,), ag.ones(2), create_graph=True)
    assert gx.requires_grad
    (ggx,) = ag.autograd.grad(ag.relu(gx), (x,), ag.tensor([INF, 1.0]))
    _same(ggx.numpy(), [0.0, 2.0])


# ---------------------------------------------------------------------- NaN inputs
@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (ag.relu, [1.0, 1.0, 0.0]),  # torch tests the output: not (nan <= 0)
        # hardtanh: lo < x < hi, false at NaN (torch's vectorized kernel; its scalar one,
        # which tensors of a few elements take, says 1)
        (F.relu6, [0.0, 0.0, 0.0]),
        (F.hardtanh, [0.0, 0.0, 0.0]),
        (lambda t: ag.clip(t, -1.0, 1.0), [0.0, 0.0, 0.0]),  # clamp: lo <= x <= hi
        (lambda t: ag.clip(t, ag.full((3,), -1.0), ag.ones(3)), [0.0, 0.0, 0.0]),
        (F.elu, [NAN, 1.0, 0.0]),  # x > 0 ? 1 : alpha e^x (vectorized kernel, as above)
        (ag.abs, [0.0, 1.0, -1.0]),  # sgn(nan) = 0
        (lambda t: F.leaky_relu(t, 0.5), [0.5, 1.0, 0.5]),
    ],
    ids=["relu", "relu6", "hardtanh", "clamp", "clamp_tensor", "elu", "abs", "leaky_relu"],
)
def test_gradient_at_nan_inf_and_minus_inf_inputs_matches_pytorch(fn, expected):
    x = ag.tensor([NAN, INF, -INF], requires_grad=True)
    with np.errstate(invalid="ignore"):
        out = fn(x)
    out.backward(ag.ones(out.shape))
    _same(x.grad.numpy(), expected)
    assert np.isnan(out.detach().numpy()[0])  # NaN propagates through the value
