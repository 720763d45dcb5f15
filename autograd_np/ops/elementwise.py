"""Elementwise ops with numpy broadcasting: arithmetic, transcendental functions,
comparisons.

Each VJP returns gradients of the broadcast (output) shape; the engine sums them back to
each input's shape. The comment on each VJP gives the derivative it implements.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np._dtypes import DTypeLike, is_floating
from autograd_np.function import Sample, Sampler, composite, primitive
from autograd_np.ops._specs import binary, unary
from autograd_np.tensor import Tensor, TensorLike

__all__ = [
    "abs",
    "absolute",
    "add",
    "astype",
    "clamp",
    "clip",
    "clone",
    "cos",
    "div",
    "divide",
    "equal",
    "exp",
    "expm1",
    "greater",
    "greater_equal",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "log",
    "log1p",
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
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "square",
    "sub",
    "subtract",
    "tanh",
    "true_divide",
    "where",
]


def _mask(condition: np.ndarray, dtype: np.dtype[Any]) -> Tensor:
    """A constant 0/1 tensor of ``dtype`` (multiplying by it keeps the gradient's dtype)."""
    return Tensor._make(condition.astype(dtype))


# ---------------------------------------------------------------------- arithmetic
@primitive(spec=binary(), ref=np.add, saves=())
def add(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x + y``, elementwise with broadcasting."""
    return np.add(x, y)


@add.defvjp
def _add_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return g, g  # d(x+y) = dx + dy


@primitive(spec=binary(), ref=np.subtract, saves=())
def subtract(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x - y``, elementwise with broadcasting."""
    return np.subtract(x, y)


@subtract.defvjp
def _subtract_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return g, negative(g)  # d(x-y) = dx - dy


@primitive(spec=binary(), ref=np.multiply)
def multiply(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * y``, elementwise with broadcasting."""
    return np.multiply(x, y)


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
    """``x / y``, elementwise with broadcasting (true division)."""
    return np.true_divide(x, y)


@divide.defvjp
def _divide_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d(x/y) = dx / y - x dy / y^2
    gx = divide(g, y) if x.requires_grad or y.requires_grad else None
    gy = negative(multiply(gx, divide(x, y))) if y.requires_grad and gx is not None else None
    return (gx if x.requires_grad else None), gy


@primitive(spec=unary(), ref=np.negative, saves=())
def negative(x: np.ndarray) -> np.ndarray:
    """``-x``, elementwise."""
    return np.negative(x)


@negative.defvjp
def _negative_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return negative(g)  # d(-x) = -dx


def _power_spec(s: Sampler) -> Sample:
    sx, sy = s.broadcastable_shapes(2)
    return Sample((s.array(sx, low=0.3, high=2.0), s.array(sy, low=-2.0, high=2.0)))


@primitive(spec=_power_spec, ref=np.power, saves_output=True)
def power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x ** y``, elementwise with broadcasting; the exponent may be a tensor.

    The gradient with respect to ``y`` is ``x**y * log(x)``, defined for ``x > 0``.
    """
    return np.power(x, y)


@power.defvjp
def _power_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor | None, Tensor | None]:
    # d(x^y) = y x^(y-1) dx + x^y log(x) dy
    gx = multiply(g, multiply(y, power(x, subtract(y, 1)))) if x.requires_grad else None
    gy = multiply(g, multiply(out, log(x))) if y.requires_grad else None
    return gx, gy


@primitive(spec=unary(), ref=np.square)
def square(x: np.ndarray) -> np.ndarray:
    """``x ** 2``, elementwise."""
    return np.square(x)


@square.defvjp
def _square_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, multiply(x, 2))  # d(x^2) = 2x dx


@primitive(spec=unary(low=0.3, high=2.0), ref=np.reciprocal, saves=(), saves_output=True)
def reciprocal(x: np.ndarray) -> np.ndarray:
    """``1 / x``, elementwise."""
    return np.reciprocal(x)


@reciprocal.defvjp
def _reciprocal_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return negative(multiply(g, square(out)))  # d(1/x) = -dx / x^2


# ---------------------------------------------------------------------- transcendental
@primitive(spec=unary(), ref=np.exp, saves=(), saves_output=True)
def exp(x: np.ndarray) -> np.ndarray:
    """``e ** x``, elementwise."""
    return np.exp(x)


@exp.defvjp
def _exp_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, out)  # d(e^x) = e^x dx


@primitive(spec=unary(low=0.2, high=3.0), ref=np.log)
def log(x: np.ndarray) -> np.ndarray:
    """The natural logarithm, elementwise."""
    return np.log(x)


@log.defvjp
def _log_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, x)  # d(log x) = dx / x


@primitive(spec=unary(low=-0.7, high=3.0), ref=np.log1p)
def log1p(x: np.ndarray) -> np.ndarray:
    """``log(1 + x)``, accurate for small ``x``."""
    return np.log1p(x)


@log1p.defvjp
def _log1p_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, add(x, 1))  # d(log(1+x)) = dx / (1+x)


@primitive(spec=unary(), ref=np.expm1, saves=(), saves_output=True)
def expm1(x: np.ndarray) -> np.ndarray:
    """``e ** x - 1``, accurate for small ``x``."""
    return np.expm1(x)


@expm1.defvjp
def _expm1_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, add(out, 1))  # d(e^x - 1) = e^x dx


@primitive(spec=unary(low=0.2, high=3.0), ref=np.sqrt, saves=(), saves_output=True)
def sqrt(x: np.ndarray) -> np.ndarray:
    """The non-negative square root, elementwise."""
    return np.sqrt(x)


@sqrt.defvjp
def _sqrt_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return divide(g, multiply(out, 2))  # d(sqrt x) = dx / (2 sqrt x)


@primitive(spec=unary(low=-3.0, high=3.0), ref=np.sin)
def sin(x: np.ndarray) -> np.ndarray:
    """The sine, elementwise (radians)."""
    return np.sin(x)


@sin.defvjp
def _sin_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, cos(x))  # d(sin x) = cos x dx


@primitive(spec=unary(low=-3.0, high=3.0), ref=np.cos)
def cos(x: np.ndarray) -> np.ndarray:
    """The cosine, elementwise (radians)."""
    return np.cos(x)


@cos.defvjp
def _cos_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return negative(multiply(g, sin(x)))  # d(cos x) = -sin x dx


@primitive(spec=unary(low=-3.0, high=3.0), ref=np.tanh, saves=(), saves_output=True)
def tanh(x: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent, elementwise."""
    return np.tanh(x)


@tanh.defvjp
def _tanh_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, subtract(1, square(out)))  # d(tanh x) = (1 - tanh^2 x) dx


def _sigmoid_ref(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@primitive(spec=unary(low=-6.0, high=6.0), ref=_sigmoid_ref, saves=(), saves_output=True)
def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + e ** -x)``, elementwise, without overflow."""
    # exp of a non-positive number never overflows: use e^x / (1 + e^x) for x < 0.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


@sigmoid.defvjp
def _sigmoid_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, multiply(out, subtract(1, out)))  # ds = s (1 - s) dx


# ---------------------------------------------------------------------- piecewise
@primitive(spec=unary(avoid=(0.0,)), ref=np.abs)
def abs(x: np.ndarray) -> np.ndarray:
    """``|x|``, elementwise. The gradient at 0 is 0."""
    return np.abs(x)


@abs.defvjp
def _abs_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, sign(x))  # d|x| = sign(x) dx


absolute = abs


@primitive(spec=unary(avoid=(0.0,)), ref=lambda x: np.maximum(x, 0))
def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)``, elementwise. The gradient at 0 is 0."""
    return np.maximum(x, 0)


@relu.defvjp
def _relu_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return multiply(g, _mask(x.data > 0, g.dtype))  # d relu = [x > 0] dx


@primitive(spec=unary(), ref=np.sign, differentiable=False)
def sign(x: np.ndarray) -> np.ndarray:
    """-1, 0 or 1 by the sign of ``x``; not differentiable (its outputs never require grad)."""
    return np.sign(x)


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
def _clip_scalar(x: np.ndarray, *, a_min: float | None, a_max: float | None) -> np.ndarray:
    """Clip to constant bounds."""
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
    x = s.array(sx, low=-2.0, high=2.0)
    lo = s.array(slo, low=-1.5, high=-0.2)
    hi = s.array(shi, low=0.2, high=1.5)
    # keep x away from the bounds so finite differences do not straddle a kink
    return Sample((x, lo, hi))


def _clip_ref(x: np.ndarray, a_min: Any = None, a_max: Any = None) -> np.ndarray:
    return np.clip(x, a_min, a_max)


@composite("clip", spec=_clip_tensor_spec, ref=_clip_ref, atol=1e-5)
def clip(x: TensorLike, a_min: TensorLike | None = None, a_max: TensorLike | None = None) -> Tensor:
    """Limit the values of ``x`` to ``[a_min, a_max]`` (either bound may be None).

    Bounds may be numbers or tensors (broadcast against ``x``). The gradient with respect
    to ``x`` is 1 where ``a_min <= x <= a_max`` and 0 elsewhere; tensor bounds receive the
    gradient where they clip.

    Parameters
    ----------
    x : Tensor
        Input.
    a_min, a_max : number or Tensor, optional
        Lower and upper bound (PyTorch's ``min`` and ``max``).
    """
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    t = x if isinstance(x, Tensor) else Tensor(x)
    scalar = (float, int, np.number, type(None))
    if isinstance(a_min, scalar) and isinstance(a_max, scalar):
        lo = None if a_min is None else float(a_min)
        hi = None if a_max is None else float(a_max)
        return _clip_scalar(t, a_min=lo, a_max=hi)
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
    """The elementwise maximum, with broadcasting. Where ``x == y`` each gets half the
    gradient (as in PyTorch)."""
    return np.maximum(x, y)


@maximum.defvjp
def _maximum_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d max(x, y) = [x > y] dx + [x < y] dy, ties split in half
    wx = (x.data > y.data) + 0.5 * (x.data == y.data)
    return _split(g, wx.astype(g.dtype), x, y)


@primitive(spec=_tie_spec, ref=np.minimum)
def minimum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The elementwise minimum, with broadcasting. Where ``x == y`` each gets half the
    gradient (as in PyTorch)."""
    return np.minimum(x, y)


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
    """Select from ``x`` where ``condition`` holds, else from ``y``."""
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
        Not differentiated.
    x, y : Tensor or number
        The values to choose from; both receive gradient where chosen.
    """
    if isinstance(condition, Tensor):
        condition = condition.data
    return _where(np.asarray(condition, dtype=bool), x, y)


# ---------------------------------------------------------------------- copies and dtypes
@primitive(spec=unary(), ref=np.copy, saves=())
def clone(x: np.ndarray) -> np.ndarray:
    """A copy of ``x``; the gradient flows back unchanged."""
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
        f"``{fn.__name__}`` elementwise, with broadcasting; a bool tensor, not differentiable."
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

    op.__doc__ = f"``{fn.__name__}`` elementwise; a bool tensor, not differentiable."
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
