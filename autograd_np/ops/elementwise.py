"""Elementwise ops with numpy broadcasting: arithmetic, powers, transcendental functions,
piecewise functions, selection, comparisons.

Dtypes follow PyTorch: Python scalars take the tensor's dtype (``x * 2.5`` keeps float32);
an integer tensor meets a float as float32 (``int_tensor * 2.5``, ``int_tensor / 2``,
``exp(int_tensor)``); a dimensioned tensor's dtype wins over a 0-d one of the same kind.
Each VJP returns gradients of the broadcast (output) shape; the engine sums them back to
each input's shape. The comment on each VJP gives the derivative it implements.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_np._dtypes import DEFAULT_FLOAT, DTypeLike, is_floating
from autograd_np.function import Sample, Sampler, composite, primitive
from autograd_np.ops._specs import binary, unary
from autograd_np.tensor import Tensor, TensorLike

__all__ = [
    "abs",
    "absolute",
    "add",
    "astype",
    "ceil",
    "clamp",
    "clip",
    "clone",
    "cos",
    "div",
    "divide",
    "equal",
    "exp",
    "expm1",
    "floor",
    "greater",
    "greater_equal",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log2",
    "log10",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "mul",
    "multiply",
    "neg",
    "negative",
    "not_equal",
    "pow",
    "power",
    "reciprocal",
    "relu",
    "round",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "square",
    "sub",
    "subtract",
    "tanh",
    "true_divide",
    "trunc",
    "where",
]

_Scalar = (int, float, np.integer, np.floating)


# ---------------------------------------------------------------------- dtype rules
def _category(dtype: np.dtype[Any]) -> int:
    return 2 if dtype.kind in "fc" else 1 if dtype.kind in "iu" else 0


def _top(dtypes: list[np.dtype[Any]]) -> tuple[int, np.dtype[Any]]:
    """The highest kind among ``dtypes`` and the promotion of the dtypes of that kind
    (so int64 and float32 give float32, as in PyTorch, not numpy's float64)."""
    cat = max(_category(d) for d in dtypes)
    return cat, np.result_type(*[d for d in dtypes if _category(d) == cat])


def _result_dtype(*arrays: np.ndarray) -> np.dtype[Any]:
    """PyTorch's ``result_type``: dimensioned operands decide unless a 0-d operand (a
    Python scalar, once wrapped) is of a higher kind (bool < int < float)."""
    dims = [a.dtype for a in arrays if a.ndim > 0]
    zero = [a.dtype for a in arrays if a.ndim == 0]
    if not dims:
        return _top(zero)[1]
    cat, dtype = _top(dims)
    if zero:
        zcat, zdtype = _top(zero)
        if zcat > cat:
            return zdtype
    return dtype


def _promote(x: np.ndarray, y: np.ndarray) -> np.dtype[Any] | None:
    """The dtype to compute ``x op y`` in, or None when numpy already agrees (same dtypes)."""
    return None if x.dtype == y.dtype else _result_dtype(x, y)


def _floating(x: np.ndarray) -> np.ndarray:
    """Integer and bool inputs of float functions become float32, as in PyTorch."""
    return x if x.dtype.kind == "f" else x.astype(DEFAULT_FLOAT)


def _mask(condition: np.ndarray, dtype: np.dtype[Any]) -> Tensor:
    """A constant 0/1 tensor of ``dtype`` (multiplying by it keeps the gradient's dtype)."""
    return Tensor._make(condition.astype(dtype))


# ---------------------------------------------------------------------- arithmetic
@primitive(spec=binary(), ref=np.add, saves=())
def add(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x + y``, elementwise with broadcasting.

    Parameters
    ----------
    x, y : Tensor or number
        Operands, broadcast together (numpy rules).

    Returns
    -------
    Tensor
        Of the broadcast shape and the promoted dtype (see the module notes).
    """
    return np.add(x, y, dtype=_promote(x, y))


@add.defvjp
def _add_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return g, g  # d(x+y) = dx + dy


@primitive(spec=binary(), ref=np.subtract, saves=())
def subtract(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x - y``, elementwise with broadcasting (see :func:`add`).

    Parameters
    ----------
    x, y : Tensor or number
        Operands, broadcast together.

    Returns
    -------
    Tensor
        Of the broadcast shape.
    """
    return np.subtract(x, y, dtype=_promote(x, y))


@subtract.defvjp
def _subtract_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor | None]:
    return g, (negative(g) if y.requires_grad else None)  # d(x-y) = dx - dy


@primitive(spec=binary(), ref=np.multiply)
def multiply(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * y``, elementwise with broadcasting (see :func:`add`).

    Parameters
    ----------
    x, y : Tensor or number
        Operands, broadcast together.

    Returns
    -------
    Tensor
        Of the broadcast shape.
    """
    return np.multiply(x, y, dtype=_promote(x, y))


@multiply.defvjp
def _multiply_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d(xy) = y dx + x dy
    return (multiply(g, y) if x.requires_grad else None), (
        multiply(g, x) if y.requires_grad else None
    )


@primitive(spec=binary(low2=0.5, high2=2.0), ref=np.true_divide)
def divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x / y``, elementwise with broadcasting (true division).

    Integer operands give float32, as in PyTorch; see :func:`add` for the rest.

    Parameters
    ----------
    x, y : Tensor or number
        Dividend and divisor, broadcast together.

    Returns
    -------
    Tensor
        Of the broadcast shape; floating.
    """
    dtype = _promote(x, y)
    if dtype is None:
        dtype = x.dtype
    return np.true_divide(x, y, dtype=dtype if dtype.kind == "f" else DEFAULT_FLOAT)


@divide.defvjp
def _divide_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d(x/y) = dx / y - x dy / y^2
    gx = divide(g, y)
    gy = negative(multiply(gx, divide(x, y))) if y.requires_grad else None
    return (gx if x.requires_grad else None), gy


@primitive(spec=unary(), ref=np.negative, saves=())
def negative(x: np.ndarray) -> np.ndarray:
    """``-x``, elementwise.

    Parameters
    ----------
    x : Tensor
        Input.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return np.negative(x)


@negative.defvjp
def _negative_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return negative(g)  # d(-x) = -dx


# ---------------------------------------------------------------------- powers
def _power_spec(s: Sampler) -> Sample:
    sx, sy = s.broadcastable_shapes(2)
    return Sample((s.array(sx, low=0.3, high=2.0), s.array(sy, low=-2.0, high=2.0)))


@primitive("power", spec=_power_spec, ref=np.power, saves_output=True)
def _power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    dtype = _promote(x, y)
    if dtype is not None:
        x, y = x.astype(dtype, copy=False), y.astype(dtype, copy=False)
    return np.power(x, y)


@_power.defvjp
def _power_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor | None, Tensor | None]:
    # d(x^y) = y x^(y-1) dx + x^y log(x) dy; 0 for dx where y == 0, for dy where x == 0 <= y
    one = Tensor._make(np.ones((), dtype=g.dtype))
    gx = gy = None
    if x.requires_grad:
        base = x
        if (x.data == 0).any() and (y.data == 0).any():
            base = _where(Tensor._make((x.data == 0) & (y.data == 0)), one, x)
        gx = multiply(g, multiply(y, _power(base, subtract(y, 1))))
    if y.requires_grad:
        base = x
        if (x.data == 0).any():
            base = _where(Tensor._make((x.data == 0) & (y.data >= 0)), one, x)
        gy = multiply(g, multiply(out, log(base)))
    return gx, gy


def _pow_scalar_spec(s: Sampler) -> Sample:
    exponent = s.choice([2, 3, -1, -2, 0, 1, 0.5, 1.5, -0.5, 2.5])
    if isinstance(exponent, int):  # integer powers: negative bases too, away from 0
        x = s.array(s.shape(), low=-2.0, high=2.0, avoid=(0.0,), margin=0.2)
    else:
        x = s.array(s.shape(), low=0.3, high=2.0)
    return Sample((x,), {"exponent": exponent})


@primitive(
    "pow_scalar",
    spec=_pow_scalar_spec,
    ref=lambda x, exponent: np.power(x, exponent),
    saves=(0,),
)
def _pow_scalar(x: np.ndarray, *, exponent: int | float) -> np.ndarray:
    """``x ** exponent`` for a Python number; common exponents take exact, fast paths."""
    if isinstance(exponent, float) and not is_floating(x.dtype):
        x = x.astype(DEFAULT_FLOAT)
    if exponent == 2:
        return np.square(x)
    if exponent == 1:
        return x.copy()
    if exponent == 0.5 and is_floating(x.dtype):
        return np.sqrt(x)
    if exponent == -1 and is_floating(x.dtype):
        return np.reciprocal(x)
    if is_floating(x.dtype) and float(exponent).is_integer():
        # libm's pow is ~40x slower for negative bases: take |x|^p and put the sign back
        out = np.power(np.abs(x), exponent)
        return np.copysign(out, x) if int(exponent) % 2 else out
    return np.power(x, exponent)


@_pow_scalar.defvjp
def _pow_scalar_vjp(g: Tensor, out: Tensor, x: Tensor, *, exponent: int | float) -> Tensor:
    # d(x^p) = p x^(p-1) dx (0 when p == 0)
    if exponent == 0:
        return Tensor._make(np.zeros(np.broadcast_shapes(g.shape, x.shape), dtype=g.dtype))
    if exponent == 1:
        return g
    if exponent == 2:
        return multiply(g, multiply(x, 2.0))
    return multiply(g, multiply(_pow_scalar(x, exponent=exponent - 1), float(exponent)))


def _rpow_scalar_spec(s: Sampler) -> Sample:
    return Sample((s.array(s.shape()),), {"base": s.choice([2, 0.5, 3.0, math.e, 10])})


@primitive(
    "rpow_scalar",
    spec=_rpow_scalar_spec,
    ref=lambda y, base: np.power(base, y),
    saves=(0,),
    saves_output=True,
)
def _rpow_scalar(y: np.ndarray, *, base: int | float) -> np.ndarray:
    """``base ** y`` for a Python number ``base``."""
    if isinstance(base, float) and not is_floating(y.dtype):
        y = y.astype(DEFAULT_FLOAT)
    return np.power(base, y)


@_rpow_scalar.defvjp
def _rpow_scalar_vjp(g: Tensor, out: Tensor, y: Tensor, *, base: int | float) -> Tensor:
    # d(b^y) = b^y log(b) dy; 0 where b == 0 <= y (as in PyTorch)
    if base == 0:
        return _where(Tensor._make(y.data >= 0), 0.0, multiply(g, -math.inf))  # 0^y: inf
    return multiply(g, multiply(out, math.log(base) if base > 0 else math.nan))


@_power.expose
def power(x: TensorLike, y: TensorLike) -> Tensor:
    """``x ** y``, elementwise with broadcasting; either side may be a tensor or a number.

    A Python number exponent (``x ** 2``, ``x ** 0.5``) is exact for negative bases with
    integer exponents and takes fast paths for 2, 1, 0.5 and -1; a number base
    (``2 ** x``) differentiates as ``2 ** x * log 2``.

    Parameters
    ----------
    x : Tensor or number
        The base. The gradient with respect to a tensor exponent is ``x ** y * log(x)``,
        defined for ``x > 0`` (0 where ``x == 0`` and ``y >= 0``, as in PyTorch).
    y : Tensor or number
        The exponent.

    Returns
    -------
    Tensor
        Of the broadcast shape.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.tensor([-2.0, 3.0]) ** 2
    tensor([4., 9.])
    """
    if isinstance(y, _Scalar) and not isinstance(y, bool):
        p = y.item() if isinstance(y, np.generic) else y
        t = x if isinstance(x, Tensor) else Tensor(x)
        if isinstance(p, int) and p < 0 and not is_floating(t.dtype):
            raise ValueError(
                f"power: integers to negative integer powers are not allowed (got a {t.dtype} "
                f"tensor ** {p}); convert the tensor to float first"
            )
        return _pow_scalar(t, exponent=p)
    if isinstance(x, _Scalar) and not isinstance(x, bool) and isinstance(y, Tensor):
        b = x.item() if isinstance(x, np.generic) else x
        if isinstance(b, int) and not is_floating(y.dtype) and (y.data < 0).any():
            raise ValueError(
                f"power: integers to negative integer powers are not allowed ({b} ** a "
                f"{y.dtype} tensor with negative entries); convert the tensor to float first"
            )
        return _rpow_scalar(y, base=b)
    return _power(x, y)


@primitive(spec=unary(), ref=np.square)
def square(x: np.ndarray) -> np.ndarray:
    """``x ** 2``, elementwise.

    Parameters
    ----------
    x : Tensor
        Input.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return np.square(x)


@square.defvjp
def _square_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, multiply(x, 2.0))  # d(x^2) = 2x dx


@primitive(spec=unary(low=0.3, high=2.0), ref=np.reciprocal, saves=(), saves_output=True)
def reciprocal(x: np.ndarray) -> np.ndarray:
    """``1 / x``, elementwise (integer tensors give float32).

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.reciprocal(_floating(x))


@reciprocal.defvjp
def _reciprocal_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return negative(multiply(g, square(out)))  # d(1/x) = -dx / x^2


# ---------------------------------------------------------------------- transcendental
@primitive(spec=unary(), ref=np.exp, saves=(), saves_output=True)
def exp(x: np.ndarray) -> np.ndarray:
    """``e ** x``, elementwise.

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.exp(_floating(x))


@exp.defvjp
def _exp_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, out)  # d(e^x) = e^x dx


@primitive(spec=unary(), ref=np.expm1, saves=(), saves_output=True)
def expm1(x: np.ndarray) -> np.ndarray:
    """``e ** x - 1``, accurate for small ``x``.

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.expm1(_floating(x))


@expm1.defvjp
def _expm1_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, add(out, 1.0))  # d(e^x - 1) = e^x dx


@primitive(spec=unary(low=0.2, high=3.0), ref=np.log)
def log(x: np.ndarray) -> np.ndarray:
    """The natural logarithm, elementwise (``-inf`` at 0, ``nan`` below).

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.log(_floating(x))


@log.defvjp
def _log_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, x)  # d(log x) = dx / x


@primitive(spec=unary(low=0.2, high=3.0), ref=np.log2)
def log2(x: np.ndarray) -> np.ndarray:
    """The base-2 logarithm, elementwise.

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.log2(_floating(x))


@log2.defvjp
def _log2_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, multiply(x, math.log(2.0)))  # d(log2 x) = dx / (x ln 2)


@primitive(spec=unary(low=0.2, high=3.0), ref=np.log10)
def log10(x: np.ndarray) -> np.ndarray:
    """The base-10 logarithm, elementwise.

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.log10(_floating(x))


@log10.defvjp
def _log10_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, multiply(x, math.log(10.0)))  # d(log10 x) = dx / (x ln 10)


@primitive(spec=unary(low=-0.7, high=3.0), ref=np.log1p)
def log1p(x: np.ndarray) -> np.ndarray:
    """``log(1 + x)``, accurate for small ``x``.

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.log1p(_floating(x))


@log1p.defvjp
def _log1p_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, add(x, 1.0))  # d(log(1+x)) = dx / (1+x)


@primitive(spec=unary(low=0.2, high=3.0), ref=np.sqrt, saves=(), saves_output=True)
def sqrt(x: np.ndarray) -> np.ndarray:
    """The non-negative square root, elementwise (``nan`` below 0).

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.sqrt(_floating(x))


@sqrt.defvjp
def _sqrt_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, multiply(out, 2.0))  # d(sqrt x) = dx / (2 sqrt x)


@primitive(spec=unary(low=-3.0, high=3.0), ref=np.sin)
def sin(x: np.ndarray) -> np.ndarray:
    """The sine, elementwise (radians).

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.sin(_floating(x))


@sin.defvjp
def _sin_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, cos(x))  # d(sin x) = cos x dx


@primitive(spec=unary(low=-3.0, high=3.0), ref=np.cos)
def cos(x: np.ndarray) -> np.ndarray:
    """The cosine, elementwise (radians).

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.cos(_floating(x))


@cos.defvjp
def _cos_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return negative(multiply(g, sin(x)))  # d(cos x) = -sin x dx


@primitive(spec=unary(low=-3.0, high=3.0), ref=np.tanh, saves=(), saves_output=True)
def tanh(x: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent, elementwise.

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    return np.tanh(_floating(x))


@tanh.defvjp
def _tanh_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, subtract(1.0, square(out)))  # d(tanh x) = (1 - tanh^2 x) dx


def _sigmoid_ref(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@primitive(spec=unary(low=-6.0, high=6.0), ref=_sigmoid_ref, saves=(), saves_output=True)
def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + e ** -x)``, elementwise, without overflow.

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).

    Returns
    -------
    Tensor
        Of ``x``'s shape.
    """
    x = _floating(x)
    # exp of a non-positive number never overflows: use e^x / (1 + e^x) for x < 0.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


@sigmoid.defvjp
def _sigmoid_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, multiply(out, subtract(1.0, out)))  # ds = s (1 - s) dx


# ---------------------------------------------------------------------- piecewise
@primitive(spec=unary(avoid=(0.0,)), ref=np.abs)
def abs(x: np.ndarray) -> np.ndarray:
    """``|x|``, elementwise. The gradient at 0 is 0 (as in PyTorch).

    Parameters
    ----------
    x : Tensor
        Input.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return np.abs(x)


@abs.defvjp
def _abs_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, sign(x))  # d|x| = sign(x) dx


absolute = abs


@primitive(spec=unary(avoid=(0.0,)), ref=lambda x: np.maximum(x, 0))
def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)``, elementwise. The gradient at 0 is 0.

    Parameters
    ----------
    x : Tensor
        Input.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return np.maximum(x, 0)


@relu.defvjp
def _relu_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, _mask(x.data > 0, g.dtype))  # d relu = [x > 0] dx


# Rounding and sign: piecewise constant, declared non-differentiable (outputs never require
# grad; PyTorch instead records them with a zero gradient).
@primitive(spec=unary(), ref=np.sign, differentiable=False)
def sign(x: np.ndarray) -> np.ndarray:
    """-1, 0 or 1 by the sign of ``x``.

    Parameters
    ----------
    x : Tensor
        Input.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return np.sign(x)


@primitive(spec=unary(), ref=np.floor, differentiable=False)
def floor(x: np.ndarray) -> np.ndarray:
    """The largest integer ``<= x``, elementwise.

    Parameters
    ----------
    x : Tensor
        Input.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return np.floor(x) if is_floating(x.dtype) else x.copy()


@primitive(spec=unary(), ref=np.ceil, differentiable=False)
def ceil(x: np.ndarray) -> np.ndarray:
    """The smallest integer ``>= x``, elementwise.

    Parameters
    ----------
    x : Tensor
        Input.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return np.ceil(x) if is_floating(x.dtype) else x.copy()


@primitive(spec=unary(), ref=np.trunc, differentiable=False)
def trunc(x: np.ndarray) -> np.ndarray:
    """``x`` rounded toward zero, elementwise.

    Parameters
    ----------
    x : Tensor
        Input.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return np.trunc(x) if is_floating(x.dtype) else x.copy()


@primitive(
    spec=unary(decimals=0),
    ref=lambda x, decimals: np.round(x, decimals),
    differentiable=False,
)
def round(x: np.ndarray, *, decimals: int = 0) -> np.ndarray:
    """``x`` rounded to ``decimals`` decimals, halves to even (as numpy and PyTorch).

    Parameters
    ----------
    x : Tensor
        Input.
    decimals : int, default 0
        Decimal places to keep (negative: round to tens, hundreds...).

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return np.round(x, decimals)


def _clip_spec(s: Sampler) -> Sample:
    x = s.array(s.shape(), low=-2.0, high=2.0, avoid=(-0.5, 0.7))
    kind = s.choice(["both", "min", "max"])
    return Sample(
        (x,),
        {"a_min": None if kind == "max" else -0.5, "a_max": None if kind == "min" else 0.7},
    )


@primitive(
    "clip_scalar",
    spec=_clip_spec,
    ref=lambda x, a_min, a_max: np.clip(x, a_min, a_max),
)
def _clip_scalar(
    x: np.ndarray, *, a_min: int | float | None, a_max: int | float | None
) -> np.ndarray:
    """Clip to constant bounds (float bounds make an integer tensor float32)."""
    if not is_floating(x.dtype) and (isinstance(a_min, float) or isinstance(a_max, float)):
        x = x.astype(DEFAULT_FLOAT)
    return np.clip(x, a_min, a_max)


@_clip_scalar.defvjp
def _clip_scalar_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, a_min: float | None, a_max: float | None
) -> Tensor:
    # d clip = [a_min <= x <= a_max] dx (bounds inclusive, as in PyTorch)
    inside = np.ones(x.shape, dtype=bool)
    if a_min is not None:
        inside &= x.data >= a_min
    if a_max is not None:
        inside &= x.data <= a_max
    return multiply(g, _mask(inside, g.dtype))


def _clip_tensor_spec(s: Sampler) -> Sample:
    sx, slo, shi = s.broadcastable_shapes(3)
    # bounds in [-1.5, -0.2] and [0.2, 1.5] on a grid of step 0.2; x on the grid shifted by
    # 0.1, so x is never within 0.1 of a bound and finite differences see no kink
    x = np.round(s.array(sx) / 0.2) * 0.2 + 0.1
    lo = np.round(s.array(slo, low=-1.5, high=-0.2) / 0.2) * 0.2
    hi = np.round(s.array(shi, low=0.2, high=1.5) / 0.2) * 0.2
    return Sample((x, lo, hi))


def _clip_ref(x: np.ndarray, a_min: Any = None, a_max: Any = None) -> np.ndarray:
    return np.clip(x, a_min, a_max)


def _number(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@composite("clip", spec=_clip_tensor_spec, ref=_clip_ref, atol=1e-5)
def clip(
    x: TensorLike,
    a_min: TensorLike | None = None,
    a_max: TensorLike | None = None,
    *,
    min: TensorLike | None = None,
    max: TensorLike | None = None,
) -> Tensor:
    """Limit the values of ``x`` to ``[a_min, a_max]`` (either bound may be None).

    The gradient with respect to ``x`` is 1 where ``a_min <= x <= a_max`` (bounds
    inclusive) and 0 elsewhere; tensor bounds receive the gradient where they clip. When
    ``a_min > a_max`` every value becomes ``a_max``, as in numpy and PyTorch.

    Parameters
    ----------
    x : Tensor
        Input.
    a_min, a_max : number or Tensor, optional
        Lower and upper bound, broadcast against ``x``; ``min`` and ``max`` are PyTorch's
        keyword spellings.

    Returns
    -------
    Tensor
        Of the broadcast shape.
    """
    if min is not None:
        if a_min is not None:
            raise TypeError("clip: got both a_min and min; pass one")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise TypeError("clip: got both a_max and max; pass one")
        a_max = max
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    t = x if isinstance(x, Tensor) else Tensor(x)
    scalar = (*_Scalar, type(None))
    if isinstance(a_min, scalar) and isinstance(a_max, scalar):
        return _clip_scalar(t, a_min=_number(a_min), a_max=_number(a_max))
    if a_min is not None:
        t = where(less(t, a_min), a_min, t)
    if a_max is not None:
        t = where(greater(t, a_max), a_max, t)
    return t


clamp = clip


def _tie_spec(s: Sampler) -> Sample:
    sx, sy = s.broadcastable_shapes(2)
    # x on a grid of step 0.2 and y on the same grid shifted by 0.1: every pair is at least
    # 0.1 apart, so finite differences never straddle the kink x == y.
    x = np.asarray(np.round(s.array(sx) / 0.2) * 0.2)
    y = np.asarray(np.round(s.array(sy) / 0.2) * 0.2 + 0.1)
    return Sample((x, y))


@primitive(spec=_tie_spec, ref=np.maximum)
def maximum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The elementwise maximum, with broadcasting (NaN propagates).

    Where ``x == y`` each input gets half the gradient (as in PyTorch).

    Parameters
    ----------
    x, y : Tensor or number
        Operands, broadcast together.

    Returns
    -------
    Tensor
        Of the broadcast shape.
    """
    return np.maximum(x, y, dtype=_promote(x, y))


@maximum.defvjp
def _maximum_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d max(x, y) = [x > y] dx + [x < y] dy, ties split in half
    wx = (x.data > y.data) + 0.5 * (x.data == y.data)
    return _split(g, wx.astype(g.dtype), x, y)


@primitive(spec=_tie_spec, ref=np.minimum)
def minimum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The elementwise minimum, with broadcasting (NaN propagates).

    Where ``x == y`` each input gets half the gradient (as in PyTorch).

    Parameters
    ----------
    x, y : Tensor or number
        Operands, broadcast together.

    Returns
    -------
    Tensor
        Of the broadcast shape.
    """
    return np.minimum(x, y, dtype=_promote(x, y))


@minimum.defvjp
def _minimum_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d min(x, y) = [x < y] dx + [x > y] dy, ties split in half
    wx = (x.data < y.data) + 0.5 * (x.data == y.data)
    return _split(g, wx.astype(g.dtype), x, y)


def _split(g: Tensor, wx: np.ndarray, x: Tensor, y: Tensor) -> tuple[Tensor | None, Tensor | None]:
    gx = multiply(g, Tensor._make(wx)) if x.requires_grad else None
    gy = multiply(g, Tensor._make(1 - wx)) if y.requires_grad else None
    return gx, gy


def _where_spec(s: Sampler) -> Sample:
    sc, sx, sy = s.broadcastable_shapes(3)
    return Sample((s.int_array(sc, 0, 1).astype(bool), s.array(sx), s.array(sy)))


@primitive("where", spec=_where_spec, ref=np.where, saves=(0,))
def _where(condition: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    dtype = _promote(x, y)
    if dtype is not None:
        x, y = x.astype(dtype, copy=False), y.astype(dtype, copy=False)
    return np.where(condition, x, y)


@_where.defvjp
def _where_vjp(
    g: Tensor, out: Tensor, condition: Tensor, x: Tensor, y: Tensor
) -> tuple[None, Tensor | None, Tensor | None]:
    # d where(c, x, y) = [c] dx + [not c] dy
    zero = Tensor._make(np.zeros((), dtype=g.dtype))
    gx = _where(condition, g, zero) if x.requires_grad else None
    gy = _where(condition, zero, g) if y.requires_grad else None
    return None, gx, gy


@_where.expose
def where(condition: TensorLike, x: TensorLike, y: TensorLike) -> Tensor:
    """Elements of ``x`` where ``condition`` is true, else of ``y`` (broadcast together).

    Parameters
    ----------
    condition : bool Tensor or array
        Not differentiated (other dtypes are tested for nonzero).
    x, y : Tensor or number
        The values to choose from; each receives the gradient where it is chosen. A
        Python number takes the other branch's dtype (``where(c, x, 0.0)`` keeps float32).

    Returns
    -------
    Tensor
        Of the shape of the three arguments broadcast together.
    """
    if isinstance(condition, Tensor):
        condition = condition.data
    return _where(np.asarray(condition, dtype=bool), x, y)


# ---------------------------------------------------------------------- copies and dtypes
@primitive(spec=unary(), ref=np.copy, saves=())
def clone(x: np.ndarray) -> np.ndarray:
    """A copy of ``x``; the gradient flows back unchanged.

    Parameters
    ----------
    x : Tensor
        Input.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    return x.copy()


@clone.defvjp
def _clone_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return g  # d copy(x) = dx


def _astype_spec(s: Sampler) -> Sample:
    # float64 -> float64 only: finite differences through a float32 result are too coarse;
    # tests/test_tensor.py checks the float32 <-> float64 gradients directly.
    return Sample((s.array(s.shape()),), {"dtype": np.float64})


@primitive(
    "astype",
    spec=_astype_spec,
    ref=lambda x, dtype: x.astype(dtype),
    saves=(),
    preserves_dtype=False,
)
def _astype(x: np.ndarray, *, dtype: DTypeLike) -> np.ndarray:
    return x.astype(dtype, copy=False)


@_astype.defvjp
def _astype_vjp(g: Tensor, out: Tensor, x: Tensor, *, dtype: DTypeLike) -> Tensor:
    return _astype(g, dtype=x.dtype)  # the gradient goes back to the input's dtype


@_astype.expose
def astype(x: TensorLike, dtype: DTypeLike) -> Tensor:
    """Convert to ``dtype``; differentiable between floating dtypes (a conversion to an
    integer or bool dtype gives a tensor that does not require grad).

    A no-op conversion returns ``x`` itself, as numpy's ``astype(copy=False)`` does.

    Parameters
    ----------
    x : Tensor
        Input.
    dtype : numpy dtype
        The target dtype.

    Returns
    -------
    Tensor
    """
    t = x if isinstance(x, Tensor) else Tensor(x)
    dt = np.dtype(dtype)
    if t.dtype == dt:
        return t
    if not is_floating(dt):
        return Tensor._make(t.data.astype(dt))
    return _astype(t, dtype=dt)


# ---------------------------------------------------------------------- comparisons and logic
def _comparison(name: str, fn: Any) -> Any:
    @primitive(name, spec=binary(), ref=fn, differentiable=False)
    def op(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return fn(x, y)

    op.__doc__ = (
        f"``{fn.__name__}(x, y)`` elementwise with broadcasting: a bool tensor (never "
        "requires grad)."
    )
    return op


equal = _comparison("equal", np.equal)
not_equal = _comparison("not_equal", np.not_equal)
less = _comparison("less", np.less)
less_equal = _comparison("less_equal", np.less_equal)
greater = _comparison("greater", np.greater)
greater_equal = _comparison("greater_equal", np.greater_equal)
logical_and = _comparison("logical_and", np.logical_and)
logical_or = _comparison("logical_or", np.logical_or)
logical_xor = _comparison("logical_xor", np.logical_xor)


def _predicate(name: str, fn: Any) -> Any:
    @primitive(name, spec=unary(), ref=fn, differentiable=False)
    def op(x: np.ndarray) -> np.ndarray:
        return fn(x)

    op.__doc__ = f"``{fn.__name__}(x)`` elementwise: a bool tensor (never requires grad)."
    return op


logical_not = _predicate("logical_not", np.logical_not)
isnan = _predicate("isnan", np.isnan)
isinf = _predicate("isinf", np.isinf)
isfinite = _predicate("isfinite", np.isfinite)

# PyTorch names
sub = subtract
mul = multiply
div = divide
true_divide = divide
neg = negative
pow = power
