"""Arithmetic with numpy broadcasting: add, subtract, multiply, divide, negative, powers
(``power``, ``square``, ``sqrt``, ``reciprocal``), and the dtype rules every elementwise op
shares.

Rules every op here follows, stated once: a binary op takes Tensors or numbers, broadcast
together by numpy's rules, and returns a Tensor of the broadcast shape; a unary op returns
a Tensor of its input's shape, and of its dtype unless the op's docstring says otherwise.

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

from autograd_np.autograd import primitive
from autograd_np.dtypes import DEFAULT_FLOAT, bool_as_int, check_kind, is_floating
from autograd_np.ops.specs import binary, unary
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = [
    "add",
    "div",
    "divide",
    "mul",
    "multiply",
    "neg",
    "negative",
    "pow",
    "power",
    "reciprocal",
    "sqrt",
    "square",
    "sub",
    "subtract",
    "true_divide",
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
    """The dtype to compute ``x op y`` in, or None when numpy already agrees (same dtypes).

    Ufuncs given it take ``casting="unsafe"``: the dtype is PyTorch's choice, which numpy's
    own casting rule may refuse (a uint8 tensor plus a 0-d int64 one is uint8)."""
    return None if x.dtype == y.dtype else _result_dtype(x, y)


def _promoted(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` in the dtype to compute ``x op y`` in (for numpy functions that take
    no ``dtype``)."""
    dtype = _promote(x, y)
    if dtype is None:
        return x, y
    return x.astype(dtype, copy=False), y.astype(dtype, copy=False)


def _floating(x: np.ndarray) -> np.ndarray:
    """Integer and bool inputs of float functions become float32, as in PyTorch."""
    return x if x.dtype.kind == "f" else x.astype(DEFAULT_FLOAT)


# ---------------------------------------------------------------------- arithmetic
@primitive(spec=binary(), ref=np.add, saves=())
def add(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x + y``, elementwise."""
    return np.add(x, y, dtype=_promote(x, y), casting="unsafe")


@add.defvjp
def _add_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return g, g  # d(x+y) = dx + dy


@primitive(spec=binary(), ref=np.subtract, saves=())
def subtract(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x - y``, elementwise."""
    check_kind("subtract", x, y, accepts="if")
    return np.subtract(x, y, dtype=_promote(x, y), casting="unsafe")


@subtract.defvjp
def _subtract_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor | None]:
    return g, (negative(g) if y.requires_grad else None)  # d(x-y) = dx - dy


@primitive(spec=binary(), ref=np.multiply)
def multiply(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * y``, elementwise."""
    return np.multiply(x, y, dtype=_promote(x, y), casting="unsafe")


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
    """``x / y``, elementwise (true division: integer operands give float32)."""
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
    """``-x``, elementwise."""
    check_kind("negative", x)
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
    if x.dtype.kind == "b" and y.dtype.kind == "b":
        raise TypeError("power: not supported for two bool tensors (as in PyTorch)")
    xp, yp = _promoted(x, y)
    if xp.dtype.kind in "iu" and yp.dtype.kind in "iu" and (yp < 0).any():
        return _integer_power(xp, yp)
    return np.power(xp, yp)


def _integer_power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """PyTorch's integer ``x ** y`` with negative exponents (numpy raises): ``1 / x ** |y|``
    truncated, so 1 for ``x == 1``, +-1 for ``x == -1`` by the parity of ``y``, else 0."""
    negative = y < 0
    out = np.power(x, np.where(negative, 0, y).astype(y.dtype))
    odd = np.abs(y) % 2 == 1
    small = np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, small, out).astype(out.dtype)


@_power.defvjp
def _power_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor | None, Tensor | None]:
    # d(x^y) = y x^(y-1) dx + x^y log(x) dy; 0 for dx where y == 0, for dy where x == 0 <= y
    from autograd_np.ops.piecewise import _where  # they build on this module
    from autograd_np.ops.transcendental import log

    one = Tensor.from_array(np.ones((), dtype=g.dtype))
    gx = gy = None
    if x.requires_grad:
        base = x
        if (x.array == 0).any() and (y.array == 0).any():
            base = _where(Tensor.from_array((x.array == 0) & (y.array == 0)), one, x)
        gx = multiply(g, multiply(y, _power(base, subtract(y, 1))))
    if y.requires_grad:
        base = x
        if (x.array == 0).any():
            base = _where(Tensor.from_array((x.array == 0) & (y.array >= 0)), one, x)
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
    x = bool_as_int(x)  # bool ** int is int64, as in PyTorch
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
        return Tensor.from_array(np.zeros(np.broadcast_shapes(g.shape, x.shape), dtype=g.dtype))
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
        from autograd_np.ops.piecewise import _where  # it builds on this module

        return _where(Tensor.from_array(y.array >= 0), 0.0, multiply(g, -math.inf))  # 0^y: inf
    return multiply(g, multiply(out, math.log(base) if base > 0 else math.nan))


@_power.expose
def power(x: TensorLike, y: TensorLike) -> Tensor:
    """``x ** y``, elementwise; either side may be a tensor or a number.

    A Python number exponent (``x ** 2``, ``x ** 0.5``) is exact for negative bases with
    integer exponents and takes fast paths for 2, 1, 0.5 and -1; a number base
    (``2 ** x``) differentiates as ``2 ** x * log 2``. The gradient with respect to a tensor
    exponent is ``x ** y * log(x)``, defined for ``x > 0`` (0 where ``x == 0`` and ``y >= 0``,
    as in PyTorch).

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
        if isinstance(b, int) and not is_floating(y.dtype) and (y.array < 0).any():
            raise ValueError(
                f"power: integers to negative integer powers are not allowed ({b} ** a "
                f"{y.dtype} tensor with negative entries); convert the tensor to float first"
            )
        return _rpow_scalar(y, base=b)
    return _power(x, y)


@primitive(spec=unary(), ref=np.square)
def square(x: np.ndarray) -> np.ndarray:
    """``x ** 2``, elementwise (int64 for bool, as in PyTorch)."""
    return np.square(bool_as_int(x))


@square.defvjp
def _square_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, multiply(x, 2.0))  # d(x^2) = 2x dx


@primitive(spec=unary(low=0.2, high=3.0), ref=np.sqrt, saves=(), saves_output=True)
def sqrt(x: np.ndarray) -> np.ndarray:
    """The non-negative square root, elementwise (``nan`` below 0; integers give float32)."""
    return np.sqrt(_floating(x))


@sqrt.defvjp
def _sqrt_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, multiply(out, 2.0))  # d(sqrt x) = dx / (2 sqrt x)


@primitive(spec=unary(low=0.3, high=2.0), ref=np.reciprocal, saves=(), saves_output=True)
def reciprocal(x: np.ndarray) -> np.ndarray:
    """``1 / x``, elementwise (integer tensors give float32)."""
    return np.reciprocal(_floating(x))


@reciprocal.defvjp
def _reciprocal_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return negative(multiply(g, square(out)))  # d(1/x) = -dx / x^2


# PyTorch names
sub = subtract
mul = multiply
div = divide
true_divide = divide
neg = negative
pow = power
