"""gradcheck and gradgradcheck pass correct VJPs and catch wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.autograd import primitive
from autograd_np.testing import GradcheckError, gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


# ---------------------------------------------------------------------- deliberately buggy ops
@primitive("test_cube_off_by_one_percent", register=False)
def cube_off(x):
    return x**3


@cube_off.defvjp
def _cube_off_vjp(g, out, x):
    return g * x * x * 3.03  # should be 3 x^2: 1% too large


@primitive("test_exp_detached_out", register=False, saves=(), saves_output=True)
def exp_detached(x):
    return np.exp(x)


@exp_detached.defvjp
def _exp_detached_vjp(g, out, x):
    return g * out.detach()  # right values, but d(out)/dx is lost for second order


@primitive("test_scale_mean_broadcast", register=False)
def scale_bad(x, y):
    return x * y


@scale_bad.defvjp
def _scale_bad_vjp(g, out, x, y):
    # d(xy) = y dx + x dy; the y gradient is divided by the broadcast factor, so the engine's
    # sum over broadcast axes becomes a mean: right only when y is not broadcast
    return g * y, g * x * (y.numel() / g.numel())


@primitive("test_scale_wrong_shape", register=False)
def scale_wrong_shape(x, y):
    return x * y


@scale_wrong_shape.defvjp
def _scale_wrong_shape_vjp(g, out, x, y):
    return g * y, (g * x).sum(axis=0, keepdims=True)[:, :1]  # a shape that cannot fit y


# ---------------------------------------------------------------------- correct functions pass
def test_correct_functions_pass():
    x = RNG.uniform(-1, 1, (3, 2))
    w = RNG.uniform(-1, 1, (2, 4))
    assert gradcheck(lambda x, w: (x @ w).tanh() * 2.0, [x, w])
    assert gradgradcheck(lambda x, w: (x @ w).tanh() * 2.0, [x, w])
    assert gradcheck(lambda x: (x.exp() * x).sum(), [x])


def test_multiple_outputs_and_non_float_arguments():
    x = RNG.uniform(0.5, 1.5, (4,))
    idx = np.array([0, 2, 2])

    def f(x, idx, power):
        return x[idx] ** power, (x * 2).sum(), ag.tensor([1, 2])  # an int output is ignored

    assert gradcheck(f, [x, idx, 3])
    assert gradgradcheck(f, [x, idx, 3])


def test_unused_inputs_are_fine():
    assert gradcheck(lambda a, b: a * 2, [RNG.standard_normal(3), RNG.standard_normal(2)])


def test_float64_tensor_inputs_that_require_grad_are_checked():
    x = ag.tensor(RNG.standard_normal(3), requires_grad=True)
    const = ag.tensor(RNG.standard_normal(3))  # float64 but no requires_grad: a constant
    assert gradcheck(lambda x, c: x * c, [x, const])


# ---------------------------------------------------------------------- bugs are caught
@pytest.mark.parametrize(
    ("full_jacobian_max", "n_projections"),
    [(4096, 3), (0, 3), (4096, 0)],
    ids=["both", "projections-only", "full-jacobian-only"],
)
def test_a_first_order_vjp_off_by_one_percent_is_caught(full_jacobian_max, n_projections):
    x = RNG.uniform(0.5, 1.5, (3, 2))
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(cube_off, [x], full_jacobian_max=full_jacobian_max, n_projections=n_projections)


def test_raise_exception_false_returns_false():
    x = RNG.uniform(0.5, 1.5, (3,))
    assert gradcheck(cube_off, [x], raise_exception=False) is False
    assert gradcheck(lambda x: x**3, [x], raise_exception=False) is True


def test_a_second_order_bug_passes_gradcheck_but_not_gradgradcheck():
    x = RNG.uniform(-1, 1, (2, 3))
    assert gradcheck(exp_detached, [x])  # first order is right
    with pytest.raises(GradcheckError):
        gradgradcheck(exp_detached, [x])
    assert gradgradcheck(ag.exp, [x])  # the real exp passes


def test_a_vjp_that_mishandles_broadcasting_is_caught():
    x = RNG.uniform(-1, 1, (3, 2))
    y = RNG.uniform(-1, 1, (2,))
    assert gradcheck(scale_bad, [x, RNG.uniform(-1, 1, (3, 2))])  # no broadcast: right
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(scale_bad, [x, y])


def test_a_vjp_returning_an_unfit_shape_is_caught_with_the_op_name():
    x = RNG.uniform(-1, 1, (3, 2))
    y = RNG.uniform(-1, 1, (3, 2))
    with pytest.raises(
        RuntimeError, match=r"test_scale_wrong_shape's VJP returned a gradient of shape \(1, 1\)"
    ):
        gradcheck(scale_wrong_shape, [x, y])


def test_a_function_that_drops_the_graph_is_caught():
    def leaky(x):
        return x * ag.tensor(x.array)  # x.array as a constant: half the gradient is lost

    with pytest.raises(GradcheckError):
        gradcheck(leaky, [RNG.uniform(0.5, 1.5, (3,))])


# ---------------------------------------------------------------------- argument checks
def test_argument_errors():
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda x: x * 2, [ag.tensor([1.0], requires_grad=True)])  # float32
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda n: ag.tensor([1.0]) * n, [3])
    with pytest.raises(ValueError, match="no floating-point Tensor"):
        gradcheck(lambda x: x.array, [np.ones(2)])


def test_gradcheck_is_reproducible_from_the_seed():
    x = RNG.uniform(0.5, 1.5, (3,))
    messages = []
    for _ in range(2):
        with pytest.raises(GradcheckError) as info:
            gradcheck(cube_off, [x], seed=7, full_jacobian_max=0)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
