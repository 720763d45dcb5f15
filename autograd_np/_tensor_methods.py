"""The Tensor's operators and named methods: thin delegations to ``autograd_np.ops``.

They live in this mixin so that ``tensor.py`` holds the engine's own state (values, graph,
gradients, in-place versions). Each method calls the function of the same name in
``autograd_np.ops``; see there for the documentation. The op modules import Tensor, so
``autograd_np.tensor`` binds the ops package here (:func:`_bind_ops`) once the class exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from autograd_np.dtypes import DTypeLike, is_floating

if TYPE_CHECKING:
    from autograd_np.tensor import Tensor, TensorLike

__all__ = ["TensorMethods"]

# PyTorch's method names int, float and bool shadow the builtins inside Tensor's body.
_int = int
_bool = bool
Axis = int | Sequence[int] | None
_T = TypeVar("_T", bound="TensorMethods")

# Bound by _bind_ops() when autograd_np.tensor has finished loading.
_ops: Any = None
_Tensor: Any = None


class TensorMethods:
    """Operators and array methods of :class:`~autograd_np.tensor.Tensor`."""

    __slots__ = ()

    if TYPE_CHECKING:
        array: np.ndarray

    @property
    def T(self) -> Tensor:
        """The tensor with all axes reversed (``x.T`` as in numpy)."""
        return _ops.transpose(self)

    @property
    def mT(self) -> Tensor:
        """The tensor with its last two axes swapped (a batch of matrices transposed); a 0-d
        tensor is returned as it is (as PyTorch, which deprecates that use)."""
        if self.array.ndim == 0:
            return self  # type: ignore[return-value]
        return _ops.swapaxes(self, -1, -2)

    # ------------------------------------------------------------------ operators
    def __add__(self, other: TensorLike) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: TensorLike) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: TensorLike) -> Tensor:
        return _ops.subtract(self, other)

    def __rsub__(self, other: TensorLike) -> Tensor:
        return _ops.subtract(other, self)

    def __mul__(self, other: TensorLike) -> Tensor:
        return _ops.multiply(self, other)

    def __rmul__(self, other: TensorLike) -> Tensor:
        return _ops.multiply(other, self)

    def __truediv__(self, other: TensorLike) -> Tensor:
        return _ops.divide(self, other)

    def __rtruediv__(self, other: TensorLike) -> Tensor:
        return _ops.divide(other, self)

    def __pow__(self, other: TensorLike) -> Tensor:
        return _ops.power(self, other)

    def __rpow__(self, other: TensorLike) -> Tensor:
        return _ops.power(other, self)

    def __matmul__(self, other: TensorLike) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: TensorLike) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.negative(self)

    def __pos__(self: _T) -> _T:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        if not _comparable(other):
            return NotImplemented
        return _ops.equal(self, other)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        if not _comparable(other):
            return NotImplemented
        return _ops.not_equal(self, other)

    def __lt__(self, other: TensorLike) -> Tensor:
        return _ops.less(self, other)

    def __le__(self, other: TensorLike) -> Tensor:
        return _ops.less_equal(self, other)

    def __gt__(self, other: TensorLike) -> Tensor:
        return _ops.greater(self, other)

    def __ge__(self, other: TensorLike) -> Tensor:
        return _ops.greater_equal(self, other)

    # bitwise, as in PyTorch: logical on bool, bit by bit on integers, floats raise
    def __invert__(self) -> Tensor:
        return _ops.bitwise_not(self)

    def __and__(self, other: TensorLike) -> Tensor:
        return _ops.bitwise_and(self, other)

    def __rand__(self, other: TensorLike) -> Tensor:
        return _ops.bitwise_and(other, self)

    def __or__(self, other: TensorLike) -> Tensor:
        return _ops.bitwise_or(self, other)

    def __ror__(self, other: TensorLike) -> Tensor:
        return _ops.bitwise_or(other, self)

    def __xor__(self, other: TensorLike) -> Tensor:
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other: TensorLike) -> Tensor:
        return _ops.bitwise_xor(other, self)

    def __lshift__(self, other: TensorLike) -> Tensor:
        return _ops.bitwise_left_shift(self, other)

    def __rshift__(self, other: TensorLike) -> Tensor:
        return _ops.bitwise_right_shift(self, other)

    def __getitem__(self, key: Any) -> Tensor:
        return _ops.getitem(self, key)

    # ------------------------------------------------------- methods (numpy and PyTorch names)
    # Each delegates to the function of the same name in autograd_np.ops; see there for docs.
    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def log1p(self) -> Tensor:
        return _ops.log1p(self)

    def expm1(self) -> Tensor:
        return _ops.expm1(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def sin(self) -> Tensor:
        return _ops.sin(self)

    def cos(self) -> Tensor:
        return _ops.cos(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    def sign(self) -> Tensor:
        return _ops.sign(self)

    def square(self) -> Tensor:
        return _ops.square(self)

    def reciprocal(self) -> Tensor:
        return _ops.reciprocal(self)

    def pow(self, exponent: TensorLike) -> Tensor:
        return _ops.power(self, exponent)

    def clip(self, min: TensorLike | None = None, max: TensorLike | None = None) -> Tensor:
        return _ops.clip(self, min, max)

    clamp = clip

    def maximum(self, other: TensorLike) -> Tensor:
        return _ops.maximum(self, other)

    def minimum(self, other: TensorLike) -> Tensor:
        return _ops.minimum(self, other)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def sum(self, axis: Axis = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.sum(self, axis, keepdims, **kw)

    def mean(self, axis: Axis = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.mean(self, axis, keepdims, **kw)

    def prod(self, axis: _int | None = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.prod(self, axis, keepdims, **kw)

    def var(self, axis: Axis = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.var(self, axis, keepdims, **kw)

    def std(self, axis: Axis = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.std(self, axis, keepdims, **kw)

    def max(self, axis: _int | None = None, keepdims: _bool = False, **kw: Any) -> Any:
        return _ops.max(self, axis, keepdims, **kw)

    def min(self, axis: _int | None = None, keepdims: _bool = False, **kw: Any) -> Any:
        return _ops.min(self, axis, keepdims, **kw)

    def amax(self, axis: Axis = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.amax(self, axis, keepdims, **kw)

    def amin(self, axis: Axis = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.amin(self, axis, keepdims, **kw)

    def argmax(self, axis: _int | None = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.argmax(self, axis, keepdims, **kw)

    def argmin(self, axis: _int | None = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.argmin(self, axis, keepdims, **kw)

    def logsumexp(self, axis: Axis = None, keepdims: _bool = False, **kw: Any) -> Tensor:
        return _ops.logsumexp(self, axis, keepdims, **kw)

    def softmax(self, dim: _int, dtype: DTypeLike | None = None) -> Tensor:
        return _ops.softmax(self, dim, dtype)

    def log_softmax(self, dim: _int, dtype: DTypeLike | None = None) -> Tensor:
        return _ops.log_softmax(self, dim, dtype)

    def cumsum(self, axis: _int | None = None, **kw: Any) -> Tensor:
        return _ops.cumsum(self, axis, **kw)

    def norm(
        self, ord: Any = None, axis: Axis = None, keepdims: _bool = False, **kw: Any
    ) -> Tensor:
        return _ops.norm(self, ord, axis, keepdims, **kw)

    def all(self, axis: Axis = None, keepdims: _bool = False) -> Tensor:
        ax = axis if axis is None or isinstance(axis, _int) else tuple(axis)
        return _Tensor.from_array(np.asarray(np.all(self.array, axis=ax, keepdims=keepdims)))

    def any(self, axis: Axis = None, keepdims: _bool = False) -> Tensor:
        ax = axis if axis is None or isinstance(axis, _int) else tuple(axis)
        return _Tensor.from_array(np.asarray(np.any(self.array, axis=ax, keepdims=keepdims)))

    def reshape(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, _shape_args(shape))

    def view(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, _shape_args(shape))

    def flatten(self, start_dim: _int = 0, end_dim: _int = -1) -> Tensor:
        return _ops.flatten(self, start_dim, end_dim)

    def transpose(self, *axes: Any) -> Tensor:
        """``x.transpose(d0, d1)`` swaps two dims (PyTorch); ``x.transpose()`` reverses all
        and ``x.transpose((2, 0, 1))`` permutes (numpy)."""
        if len(axes) == 2 and all(isinstance(a, (_int, np.integer)) for a in axes):
            return _ops.swapaxes(self, axes[0], axes[1])
        return _ops.transpose(self, _shape_args(axes) if axes else None)

    def permute(self, *dims: Any) -> Tensor:
        return _ops.permute(self, _shape_args(dims))

    def swapaxes(self, axis1: _int, axis2: _int) -> Tensor:
        return _ops.swapaxes(self, axis1, axis2)

    def squeeze(self, axis: Axis = None, **kw: Any) -> Tensor:
        return _ops.squeeze(self, axis, **kw)

    def unsqueeze(self, dim: _int) -> Tensor:
        return _ops.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        return _ops.expand(self, *_shape_args(sizes))

    def broadcast_to(self, shape: Sequence[_int]) -> Tensor:
        return _ops.broadcast_to(self, shape)

    def repeat(self, *repeats: Any) -> Tensor:
        reps = _shape_args(repeats)
        if len(reps) < self.array.ndim:  # numpy's tile would prepend ones; PyTorch refuses
            raise ValueError(
                f"repeat: got {len(reps)} repeats {tuple(reps)} for a tensor with "
                f"{self.array.ndim} dimensions; give at least one per dimension"
            )
        return _ops.tile(self, reps)

    def tile(self, reps: Sequence[_int]) -> Tensor:
        return _ops.tile(self, reps)

    def flip(self, axis: Axis = None, **kw: Any) -> Tensor:
        return _ops.flip(self, axis, **kw)

    def split(self, split_size_or_sections: Any, dim: _int = 0) -> list[Tensor]:
        return _ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: _int, dim: _int = 0) -> list[Tensor]:
        return _ops.chunk(self, chunks, dim)

    def gather(self, dim: _int, index: TensorLike) -> Tensor:
        return _ops.gather(self, dim, index)

    def index_select(self, dim: _int, index: TensorLike) -> Tensor:
        return _ops.index_select(self, dim, index)

    def matmul(self, other: TensorLike) -> Tensor:
        return _ops.matmul(self, other)

    def dot(self, other: TensorLike) -> Tensor:
        return _ops.dot(self, other)

    # ------------------------------------------------------------------ dtype conversions
    # Last in the class: the methods int, float and bool shadow the builtins below them.
    def astype(self, dtype: DTypeLike) -> Tensor:
        """Convert to ``dtype``; differentiable between floating dtypes."""
        return _ops.astype(self, dtype)

    def type(self, dtype: DTypeLike) -> Tensor:
        """Convert to ``dtype``."""
        return self.astype(dtype)

    def float(self) -> Tensor:
        """Convert to float32."""
        return self.astype(np.float32)

    def double(self) -> Tensor:
        """Convert to float64."""
        return self.astype(np.float64)

    def long(self) -> Tensor:
        """Convert to int64."""
        return self.astype(np.int64)

    def int(self) -> Tensor:
        """Convert to int32."""
        return self.astype(np.int32)

    def bool(self) -> Tensor:
        """Convert to bool."""
        return self.astype(np.bool_)

    def is_floating_point(self) -> _bool:
        """True for floating-point dtypes."""
        return is_floating(self.array.dtype)


def _comparable(other: object) -> bool:
    """Whether ``==`` with ``other`` compares values (else Python falls back to identity,
    so ``x == None`` is False and ``x in [None, x]`` works)."""
    return isinstance(other, (_Tensor, np.ndarray, np.generic, int, float, bool, list, tuple))


def _shape_args(args: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _bind_ops() -> None:
    """Bind the ops package and the Tensor class used by the methods above."""
    global _ops, _Tensor
    from autograd_np import ops
    from autograd_np.tensor import Tensor

    _ops, _Tensor = ops, Tensor
