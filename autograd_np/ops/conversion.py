"""Copies and dtype conversions: ``clone`` and ``astype``."""

from __future__ import annotations

import numpy as np

from autograd_np.autograd import primitive
from autograd_np.dtypes import DTypeLike, is_floating
from autograd_np.ops.specs import unary
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["astype", "clone"]


@primitive(spec=unary(), ref=np.copy, saves=())
def clone(x: np.ndarray) -> np.ndarray:
    """A copy of ``x``; the gradient flows back unchanged."""
    return x.copy()


@clone.defvjp
def _clone_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    return g  # d copy(x) = dx


def _astype_spec(s: Sampler) -> Sample:
    # float64 -> float64 only: finite differences through a float32 result are too coarse;
    # tests/engine/test_tensor.py checks the float32 <-> float64 gradients directly.
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
        return Tensor.from_array(t.array.astype(dt))
    return _astype(t, dtype=dt)
