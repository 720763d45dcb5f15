"""Simple composed versions of the fused conv and pooling primitives: the test oracles.

Each is built only from engine ops (``matmul``, ``getitem`` slicing, ``reshape``, ``add``,
``maximum``, ``divide``), one slice per kernel offset, so the engine differentiates it to
any order. They are slow and obvious on purpose; the tests check that the fused ops give
the same outputs and the same first- and second-order gradients. Options are the
normalised ones of the fused primitives.
"""

from __future__ import annotations

import numpy as np

from autograd_np.ops.arithmetic import add, divide
from autograd_np.ops.indexing import getitem
from autograd_np.ops.linalg import matmul
from autograd_np.ops.piecewise import maximum
from autograd_np.ops.shape import reshape
from autograd_np.tensor import Tensor

__all__ = ["avg_pool2d_composed", "conv2d_composed", "max_pool2d_composed"]

Pair = tuple[int, int]
Quad = tuple[int, int, int, int]


def _embedding(n_out: int, n_in: int, offset: int, dtype: np.dtype) -> np.ndarray:
    """The (n_out, n_in) 0/1 matrix putting entry i at row ``offset + i`` (if it fits)."""
    m = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_in):
        if 0 <= offset + i < n_out:
            m[offset + i, i] = 1
    return m


def _place(x: Tensor, size: Pair, offset: Pair) -> Tensor:
    """Zero-pad (or crop) the last two axes of ``x`` to ``size``, with ``x[0, 0]`` at
    ``offset``: ``P_h @ x @ P_w^T`` with 0/1 embedding matrices."""
    h, w = x.shape[-2:]
    ph = _embedding(size[0], h, offset[0], x.dtype)
    pw = _embedding(size[1], w, offset[1], x.dtype)
    return matmul(matmul(Tensor(ph), x), Tensor(np.ascontiguousarray(pw.T)))


def _window(x: Tensor, start: Pair, stride: Pair, count: Pair) -> Tensor:
    """The strided slice ``x[..., start_h::stride_h, start_w::stride_w]`` of ``count`` rows
    and columns: the input entry each output position sees at one kernel offset."""
    (r, q), (sh, sw), (oh, ow) = start, stride, count
    rows = slice(r, r + sh * (oh - 1) + 1, sh)
    cols = slice(q, q + sw * (ow - 1) + 1, sw)
    return getitem(x, (Ellipsis, rows, cols))


def conv2d_composed(
    x: Tensor,
    w: Tensor,
    *,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> Tensor:
    """Cross-correlation as a sum over kernel offsets of (grouped) matmuls."""
    n, _c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, padding, dilation
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    xp = _place(x, (h + pt + pb, wd + pl + pr), (pt, pl))
    total: Tensor | None = None
    for i in range(kh):
        for j in range(kw):
            patch = _window(xp, (i * dh, j * dw), stride, (oh, ow))
            patch = reshape(patch, (n, groups, cg, oh * ow))
            wk = reshape(getitem(w, (slice(None), slice(None), i, j)), (groups, o // groups, cg))
            term = matmul(wk, patch)  # (G, O/G, C/G) @ (N, G, C/G, P) -> (N, G, O/G, P)
            total = term if total is None else add(total, term)
    assert total is not None
    return reshape(total, (n, o, oh, ow))


def _pool_extent(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> tuple[int, int]:
    """(output length, padded extent the windows span) of a pooling, PyTorch's rule."""
    span = d * (k - 1) + 1
    out = (size + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out, (out - 1) * s + span


def max_pool2d_composed(
    x: Tensor,
    *,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    ceil_mode: bool,
) -> Tensor:
    """Max pooling as a running ``maximum`` over kernel offsets of a -inf-padded input."""
    h, w = x.shape[-2:]
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh, eh = _pool_extent(h, kh, sh, ph, dh, ceil_mode)
    ow, ew = _pool_extent(w, kw, sw, pw, dw, ceil_mode)
    outside = np.full((eh, ew), -np.inf, dtype=x.dtype)
    outside[ph : ph + h, pw : pw + w] = 0
    xp = add(_place(x, (eh, ew), (ph, pw)), Tensor(outside))
    best: Tensor | None = None
    for i in range(kh):
        for j in range(kw):
            patch = _window(xp, (i * dh, j * dw), stride, (oh, ow))
            best = patch if best is None else maximum(best, patch)
    assert best is not None
    return best


def avg_pool2d_composed(
    x: Tensor,
    *,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Tensor:
    """Average pooling: a sum over kernel offsets divided by a count of the cells that
    count (the padded input when ``count_include_pad``, else the input only)."""
    h, w = x.shape[-2:]
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    oh, eh = _pool_extent(h, kh, sh, ph, 1, ceil_mode)
    ow, ew = _pool_extent(w, kw, sw, pw, 1, ceil_mode)
    counted = np.zeros((max(eh, h + 2 * ph), max(ew, w + 2 * pw)), dtype=x.dtype)
    if count_include_pad:
        counted[: h + 2 * ph, : w + 2 * pw] = 1
    else:
        counted[ph : ph + h, pw : pw + w] = 1
    counted = counted[:eh, :ew]
    xp = _place(x, (eh, ew), (ph, pw))
    total: Tensor | None = None
    count = np.zeros((oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            patch = _window(xp, (i, j), stride, (oh, ow))
            total = patch if total is None else add(total, patch)
            count += counted[i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]
    assert total is not None
    if divisor_override is not None:
        count[...] = divisor_override
    return divide(total, Tensor(count))
