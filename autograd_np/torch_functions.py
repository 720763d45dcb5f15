"""PyTorch's top-level names for functions that live elsewhere here: the comparisons
``eq``/``ne``/``lt``/``le``/``gt``/``ge`` (elementwise, the ops ``equal``...), the matrix
products ``mm``/``bmm``, ``t``, ``narrow``, ``allclose``/``isclose`` and ``all``/``any``.

Note that ``autograd_np.equal`` is numpy's elementwise ``equal``; PyTorch's
``torch.equal(a, b)`` (one bool: same shape and values) is :func:`allclose` with zero
tolerances here, or ``a.shape == b.shape and bool((a == b).all())``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.creation import as_tensor
from autograd_np.ops.comparison import (
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    not_equal,
)
from autograd_np.tensor import Tensor, TensorLike

# all and any are not in __all__, so that a star import cannot shadow the builtins
__all__ = [
    "allclose",
    "bmm",
    "eq",
    "ge",
    "gt",
    "isclose",
    "le",
    "lt",
    "mm",
    "narrow",
    "ne",
    "t",
]

eq = equal
ne = not_equal
lt = less
le = less_equal
gt = greater
ge = greater_equal


def mm(input: TensorLike, mat2: TensorLike) -> Tensor:
    """Matrix product of two 2-D tensors (``Tensor.mm``)."""
    return as_tensor(input).mm(as_tensor(mat2))


def bmm(input: TensorLike, mat2: TensorLike) -> Tensor:
    """Batched matrix product of two 3-D tensors (``Tensor.bmm``)."""
    return as_tensor(input).bmm(as_tensor(mat2))


def t(input: TensorLike) -> Tensor:
    """The transpose of a tensor with at most 2 dims (``Tensor.t``)."""
    return as_tensor(input).t()


def narrow(input: TensorLike, dim: int, start: Any, length: int) -> Tensor:
    """The slice ``start : start + length`` along ``dim`` (``Tensor.narrow``)."""
    return as_tensor(input).narrow(dim, start, length)


def _values(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def isclose(
    input: TensorLike,
    other: TensorLike,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|``, a bool tensor."""
    return Tensor.from_array(
        np.asarray(np.isclose(_values(input), _values(other), rtol, atol, equal_nan))
    )


def allclose(
    input: TensorLike,
    other: TensorLike,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> bool:
    """Whether :func:`isclose` holds everywhere (a Python bool)."""
    return bool(np.allclose(_values(input), _values(other), rtol, atol, equal_nan))


def all(input: TensorLike, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether every element (along ``dim``) is non-zero, a bool tensor."""
    return as_tensor(input).all(dim, keepdim)


def any(input: TensorLike, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether any element (along ``dim``) is non-zero, a bool tensor."""
    return as_tensor(input).any(dim, keepdim)
