"""Exponentials, logarithms, trigonometric and hyperbolic functions, and the logistic
sigmoid, elementwise.

Every op here takes one Tensor and returns a Tensor of its shape; integer and bool inputs
become float32, as in PyTorch. The comment on each VJP gives the derivative it implements.
"""

from __future__ import annotations

import math

import numpy as np

from autograd_np.autograd import primitive
from autograd_np.ops.arithmetic import (
    _floating,
    add,
    divide,
    multiply,
    negative,
    square,
    subtract,
)
from autograd_np.ops.specs import unary
from autograd_np.tensor import Tensor

__all__ = [
    "cos",
    "exp",
    "expm1",
    "log",
    "log1p",
    "log2",
    "log10",
    "sigmoid",
    "sin",
    "tanh",
]


@primitive(spec=unary(), ref=np.exp, saves=(), saves_output=True)
def exp(x: np.ndarray) -> np.ndarray:
    """``e ** x``, elementwise."""
    return np.exp(_floating(x))


@exp.defvjp
def _exp_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, out)  # d(e^x) = e^x dx


@primitive(spec=unary(), ref=np.expm1, saves=(), saves_output=True)
def expm1(x: np.ndarray) -> np.ndarray:
    """``e ** x - 1``, accurate for small ``x``."""
    return np.expm1(_floating(x))


@expm1.defvjp
def _expm1_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, add(out, 1.0))  # d(e^x - 1) = e^x dx


@primitive(spec=unary(low=0.2, high=3.0), ref=np.log)
def log(x: np.ndarray) -> np.ndarray:
    """The natural logarithm, elementwise (``-inf`` at 0, ``nan`` below)."""
    return np.log(_floating(x))


@log.defvjp
def _log_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, x)  # d(log x) = dx / x


@primitive(spec=unary(low=0.2, high=3.0), ref=np.log2)
def log2(x: np.ndarray) -> np.ndarray:
    """The base-2 logarithm, elementwise."""
    return np.log2(_floating(x))


@log2.defvjp
def _log2_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, multiply(x, math.log(2.0)))  # d(log2 x) = dx / (x ln 2)


@primitive(spec=unary(low=0.2, high=3.0), ref=np.log10)
def log10(x: np.ndarray) -> np.ndarray:
    """The base-10 logarithm, elementwise."""
    return np.log10(_floating(x))


@log10.defvjp
def _log10_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, multiply(x, math.log(10.0)))  # d(log10 x) = dx / (x ln 10)


@primitive(spec=unary(low=-0.7, high=3.0), ref=np.log1p)
def log1p(x: np.ndarray) -> np.ndarray:
    """``log(1 + x)``, accurate for small ``x``."""
    return np.log1p(_floating(x))


@log1p.defvjp
def _log1p_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, add(x, 1.0))  # d(log(1+x)) = dx / (1+x)


@primitive(spec=unary(low=-3.0, high=3.0), ref=np.sin)
def sin(x: np.ndarray) -> np.ndarray:
    """The sine, elementwise (radians)."""
    return np.sin(_floating(x))


@sin.defvjp
def _sin_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, cos(x))  # d(sin x) = cos x dx


@primitive(spec=unary(low=-3.0, high=3.0), ref=np.cos)
def cos(x: np.ndarray) -> np.ndarray:
    """The cosine, elementwise (radians)."""
    return np.cos(_floating(x))


@cos.defvjp
def _cos_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return negative(multiply(g, sin(x)))  # d(cos x) = -sin x dx


@primitive(spec=unary(low=-3.0, high=3.0), ref=np.tanh, saves=(), saves_output=True)
def tanh(x: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent, elementwise."""
    return np.tanh(_floating(x))


@tanh.defvjp
def _tanh_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, subtract(1.0, square(out)))  # d(tanh x) = (1 - tanh^2 x) dx


def _sigmoid_ref(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@primitive(spec=unary(low=-6.0, high=6.0), ref=_sigmoid_ref, saves=(), saves_output=True)
def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + e ** -x)``, elementwise, without overflow."""
    x = _floating(x)
    # exp of a non-positive number never overflows: use e^x / (1 + e^x) for x < 0.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


@sigmoid.defvjp
def _sigmoid_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, multiply(out, subtract(1.0, out)))  # ds = s (1 - s) dx
