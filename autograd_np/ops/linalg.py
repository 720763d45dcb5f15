"""Linear algebra: matmul with batch broadcasting."""

from __future__ import annotations

import numpy as np

from autograd_np.function import Sample, Sampler, primitive
from autograd_np.tensor import Tensor

__all__ = ["matmul"]


def _matmul_spec(s: Sampler) -> Sample:
    m, k, n = s.integers(1, 4), s.integers(1, 4), s.integers(1, 4)
    kind = s.choice(["mm", "mv", "vm", "vv", "batch"])
    a: tuple[int, ...]
    b: tuple[int, ...]
    if kind == "mm":
        a, b = (m, k), (k, n)
    elif kind == "mv":
        a, b = (m, k), (k,)
    elif kind == "vm":
        a, b = (k,), (k, n)
    elif kind == "vv":
        a, b = (k,), (k,)
    else:
        b1, b2 = s.choice([(2, 2), (2, 1), (1, 2)])
        a, b = (b1, m, k), (b2, k, n)
        if s.boolean():
            b = (k, n)
    return Sample((s.array(a), s.array(b)))


@primitive(spec=_matmul_spec, ref=np.matmul)
def matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Matrix product with numpy's rules: 1-D operands are promoted and the promoted axis
    removed; leading (batch) axes broadcast.

    Shapes
    ------
    x : (..., M, K) or (K,)
    y : (..., K, N) or (K,)
    out : (..., M, N), with the axes of 1-D operands removed
    """
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"matmul: both operands need at least one dimension, got shapes {x.shape} and {y.shape}"
        )
    kx = x.shape[-1]
    ky = y.shape[-2] if y.ndim > 1 else y.shape[0]
    if kx != ky:
        raise ValueError(f"matmul: shapes {x.shape} and {y.shape} are not aligned")
    return np.matmul(x, y)


@matmul.defvjp
def _matmul_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d(xy) = dx y + x dy, so gx = g y^T and gy = x^T g (batch axes summed by the engine)
    from autograd_np.ops.shape import _reshape, swapaxes

    x2 = x if x.ndim > 1 else _reshape(x, shape=(1, x.shape[0]))  # (K,) -> (1, K)
    y2 = y if y.ndim > 1 else _reshape(y, shape=(y.shape[0], 1))  # (K,) -> (K, 1)
    g2 = g
    if x.ndim == 1:
        g2 = _reshape(g2, shape=(*g2.shape[:-1], 1, g2.shape[-1]) if y.ndim > 1 else (1, 1))
    if y.ndim == 1:
        g2 = _reshape(g2, shape=(*g2.shape, 1) if x.ndim > 1 else (1, 1))
    gx = gy = None
    if x.requires_grad:
        gx = matmul(g2, swapaxes(y2, -1, -2))
        if x.ndim == 1:
            gx = _reshape(gx, shape=(*gx.shape[:-2], gx.shape[-1]))  # (..., 1, K) -> (..., K)
    if y.requires_grad:
        gy = matmul(swapaxes(x2, -1, -2), g2)
        if y.ndim == 1:
            gy = _reshape(gy, shape=gy.shape[:-1])  # (..., K, 1) -> (..., K)
    return gx, gy
