"""numpy kernels of the fused pooling primitives, and argument normalisation.

Pooling windows are handled one kernel offset at a time: the input entry that every output
position sees at offset ``(i, j)`` is a strided view of the padded input, so each pass is a
vectorised op over the whole output (the only Python loop is over the ``KH * KW``
offsets). Max pooling remembers the winning offset of each window (an integer array of
the output's shape, the first maximum in row-major window order, as in PyTorch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np import parallel
from autograd_np.arguments import int_tuple
from autograd_np.workspace import WORKSPACE

__all__ = [
    "adaptive_matrix",
    "adaptive_max_indices",
    "adaptive_size",
    "adaptive_windows",
    "avg_divisor",
    "avg_pool2d_forward",
    "avg_pool2d_input_grad",
    "max_pool2d_argmax",
    "max_pool2d_forward",
    "max_pool2d_gather",
    "max_pool2d_scatter",
    "plane_indices",
    "pool_options",
]

Pair = tuple[int, int]


# ---------------------------------------------------------------------- arguments
def pool_output_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length (windows starting in the right padding dropped)."""
    span = d * (k - 1) + 1
    out = (size + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def pool_options(
    op: str,
    x_shape: tuple[int, ...],
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    *,
    dims: int = 2,
) -> dict[str, Pair]:
    """Validate a batched pooling call; return the primitives' normalised geometry.

    For ``dims=1`` the shape carries a unit height already and the options given are for
    the width only.
    """
    kernel = int_tuple(kernel_size, dims, "kernel_size", op=op, minimum=1)
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        strides = kernel
    else:
        strides = int_tuple(stride, dims, "stride", op=op, minimum=1)
    pads = int_tuple(padding, dims, "padding", op=op, minimum=0)
    dils = int_tuple(dilation, dims, "dilation", op=op, minimum=1)
    if any(p > k // 2 for k, p in zip(kernel, pads)):
        raise ValueError(
            f"{op}: padding should be at most half of the kernel size, got "
            f"padding={padding!r} with kernel_size={kernel_size!r}"
        )
    if dims == 1:
        kernel, strides, pads, dils = (1, *kernel), (1, *strides), (0, *pads), (1, *dils)
    size = x_shape[2:]
    out = tuple(
        pool_output_size(n, k, s, p, d, bool(ceil_mode))
        for n, k, s, p, d in zip(size, kernel, strides, pads, dils)
    )
    if any(o < 1 for o in out):
        shown = size[2 - dims :]
        raise ValueError(
            f"{op}: the output would be empty: input size {tuple(shown)} (input shape "
            f"{x_shape}) with kernel_size={kernel_size!r}, stride={stride!r}, "
            f"padding={padding!r}, dilation={dilation!r} gives {tuple(out[2 - dims :])}"
        )
    return {
        "kernel_size": (kernel[0], kernel[1]),
        "stride": (strides[0], strides[1]),
        "padding": (pads[0], pads[1]),
        "dilation": (dils[0], dils[1]),
        "output_size": (out[0], out[1]),
    }


# ---------------------------------------------------------------------- helpers
def _extent(kernel: Pair, stride: Pair, dilation: Pair, out: Pair) -> Pair:
    """The rows and columns of the padded input that the windows span."""
    return (
        (out[0] - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1,
        (out[1] - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1,
    )


def _padded(x: np.ndarray, fill: float, padding: Pair, extent: Pair) -> np.ndarray:
    """``x`` placed at ``padding`` in a (N, C, EH, EW) array of ``fill`` (cropped when the
    windows do not reach the end of ``x``); ``x`` itself when nothing changes."""
    n, c, h, w = x.shape
    (ph, pw), (eh, ew) = padding, extent
    if (ph, pw) == (0, 0) and (eh, ew) == (h, w):
        return x
    if (ph, pw) == (0, 0) and eh <= h and ew <= w:
        return x[:, :, :eh, :ew]
    buf = np.full_like(x, fill, shape=(n, c, eh, ew))  # in x's memory layout
    hk, wk = min(h, eh - ph), min(w, ew - pw)
    buf[:, :, ph : ph + hk, pw : pw + wk] = x[:, :, :hk, :wk]
    return buf


def _views(xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, out: Pair) -> list[Any]:
    """For each kernel offset in row-major order, the (N, C, OH, OW) strided view of the
    padded input that the output positions see there."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out
    views = []
    for i in range(kh):
        for j in range(kw):
            r, q = i * dh, j * dw
            views.append(xp[:, :, r : r + sh * (oh - 1) + 1 : sh, q : q + sw * (ow - 1) + 1 : sw])
    return views


def _disjoint(kernel: Pair, stride: Pair, dilation: Pair) -> bool:
    """True when no input cell lies in two windows (so scatters need no accumulation)."""
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def _scatter_buffer(
    g: np.ndarray,
    input_size: Pair,
    geometry: tuple[Pair, Pair, Pair, Pair],
    like: np.ndarray | None = None,
) -> np.ndarray:
    """The padded gradient buffer, in the memory layout of ``like`` (else of ``g``); left
    uninitialised when the windows tile it exactly (stride equal to the kernel, no
    dilation, no cell left out)."""
    kernel, stride, padding, dilation = geometry
    n, c = g.shape[:2]
    (h, w), (ph, pw) = input_size, padding
    extent = _extent(kernel, stride, dilation, (g.shape[2], g.shape[3]))
    shape = (n, c, max(extent[0], ph + h), max(extent[1], pw + w))
    tiled = all(s == k and d == 1 for k, s, d in zip(kernel, stride, dilation))
    # in the input's memory layout (channels-last after a convolution), so the writes
    # stream and the ops after it see one layout, whatever the layout of g (a flatten's
    # gradient is NCHW-ordered)
    model = g if like is None else like
    buf = WORKSPACE.empty_like(model, dtype=g.dtype, shape=shape)
    if not (tiled and shape[2:] == extent and g.size):
        buf.fill(0)
    return buf


def _crop(buf: np.ndarray, input_size: Pair, padding: Pair) -> np.ndarray:
    """The input's cells of a padded buffer (a view)."""
    (h, w), (ph, pw) = input_size, padding
    if buf.shape[2:] == (h, w):
        return buf
    return buf[:, :, ph : ph + h, pw : pw + w]


# ---------------------------------------------------------------------- max pooling
def max_pool2d_forward(
    x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, out: Pair
) -> np.ndarray:
    """The window maxima (NaN when a window holds a NaN, as in PyTorch)."""
    xp = _padded(x, -np.inf, padding, _extent(kernel, stride, dilation, out))
    views = _views(xp, kernel, stride, dilation, out)
    if len(views) == 1:
        return np.ascontiguousarray(views[0])
    best = WORKSPACE.empty_like(views[0])

    def part(lo: int, hi: int) -> None:  # images lo:hi
        b = best[lo:hi]
        np.maximum(views[0][lo:hi], views[1][lo:hi], out=b)
        for v in views[2:]:
            np.maximum(b, v[lo:hi], out=b)

    parallel.split(part, len(best), nbytes=best.nbytes * (len(views) + 1))
    return best


def max_pool2d_argmax(
    x: np.ndarray,
    best: np.ndarray,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> np.ndarray:
    """The kernel offset (row-major) of the first maximum of each window, given the maxima.

    Windows holding a NaN point at their last NaN, as PyTorch's kernel does.
    """
    out = best.shape[2:]
    xp = _padded(x, -np.inf, padding, _extent(kernel, stride, dilation, (out[0], out[1])))
    views = _views(xp, kernel, stride, dilation, (out[0], out[1]))
    count = len(views)
    dtype = np.uint8 if count <= 256 else np.int32
    # first match: arg = ne_0 * (1 + ne_1 * (1 + ... ne_{K-2})), ne_k = (view_k != max)
    # in best's layout; every cell written below unless the kernel has one cell
    arg = np.zeros_like(best, dtype=dtype) if count == 1 else np.empty_like(best, dtype=dtype)

    def part(lo: int, hi: int) -> None:  # images lo:hi
        a, b = arg[lo:hi], best[lo:hi]
        for k, v in enumerate(reversed(views[:-1])):
            ne = np.not_equal(v[lo:hi], b)
            ne_int = ne.view(np.uint8) if dtype == np.uint8 else ne.astype(dtype)
            if k == 0:
                np.copyto(a, ne_int)
            else:
                a += 1
                a *= ne_int

    parallel.split(part, len(best), nbytes=best.nbytes * 2 * count)
    if best.size and best.min() == -np.inf:
        # all-(-inf) windows: PyTorch keeps the window's first in-bounds cell
        stuck = best == -np.inf
        first = _first_inside(x.shape[2:], kernel, stride, padding, dilation, (out[0], out[1]))
        arg[stuck] = np.broadcast_to(first.astype(dtype), arg.shape)[stuck]
    nan = np.isnan(best)
    if nan.any():
        for k, v in enumerate(views):
            arg[nan & np.isnan(v)] = k
    return arg


def _first_inside(
    size: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, out: Pair
) -> np.ndarray:
    """(OH, OW): the offset of each window's first cell inside the input, taking the first
    in-bounds kernel row and column (offset 0 when a window has none)."""
    firsts = []
    for n, k, s, p, d, o in zip(size, kernel, stride, padding, dilation, out):
        pos = np.arange(o).reshape(-1, 1) * s - p + np.arange(k).reshape(1, -1) * d
        inside = (pos >= 0) & (pos < n)
        firsts.append(np.where(inside.any(axis=1), inside.argmax(axis=1), 0))
    return firsts[0].reshape(-1, 1) * kernel[1] + firsts[1].reshape(1, -1)


def plane_indices(
    arg: np.ndarray, input_size: Pair, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair
) -> np.ndarray:
    """PyTorch's ``return_indices``: flat int64 indices into each unpadded H * W plane."""
    oh, ow = arg.shape[2:]
    ki, kj = np.divmod(arg.astype(np.int64), kernel[1])
    rows = np.arange(oh).reshape(oh, 1) * stride[0] - padding[0] + ki * dilation[0]
    cols = np.arange(ow).reshape(1, ow) * stride[1] - padding[1] + kj * dilation[1]
    return rows * input_size[1] + cols


def max_pool2d_scatter(
    g: np.ndarray,
    arg: np.ndarray,
    input_size: Pair,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> np.ndarray:
    """Each window's gradient sent to its winning input cell (summed where windows share
    a cell); cells in the padding are dropped. (N, C, OH, OW) -> (N, C, H, W)."""
    out = (g.shape[2], g.shape[3])
    disjoint = _disjoint(kernel, stride, dilation)
    buf = _scatter_buffer(g, input_size, (kernel, stride, padding, dilation), like=arg)
    g = WORKSPACE.like(arg, g)
    # a product with the mask is one pass, but inf * 0 = nan: with a non-finite gradient
    # (a sum that is not finite), select it instead, so the cells that lost get exactly 0
    select = g.size > 0 and not np.isfinite(parallel.total(g))  # overflow: the slow path
    views = _views(buf, kernel, stride, dilation, out)

    def scatter(lo: int, hi: int) -> None:  # images lo:hi
        gs, args = g[lo:hi], arg[lo:hi]
        for k, full in enumerate(views):
            view, hit = full[lo:hi], args == k
            if select:
                part = np.where(hit, gs, 0)
                if disjoint:
                    view[...] = part
                else:
                    view += part
            elif disjoint:
                np.multiply(gs, hit, out=view)
            else:
                view += gs * hit

    if g.size:
        parallel.split(scatter, len(g), nbytes=g.nbytes * 3 * len(views))
    return _crop(buf, input_size, padding)


def max_pool2d_gather(
    x: np.ndarray,
    arg: np.ndarray,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> np.ndarray:
    """The input cell each window's offset points at (0 in the padding): the adjoint of
    :func:`max_pool2d_scatter`. (N, C, H, W) -> (N, C, OH, OW)."""
    out = (arg.shape[2], arg.shape[3])
    xp = _padded(x, 0.0, padding, _extent(kernel, stride, dilation, out))
    result = np.zeros_like(x, shape=arg.shape)
    for k, view in enumerate(_views(xp, kernel, stride, dilation, out)):
        np.copyto(result, view, where=arg == k)
    return result


# ---------------------------------------------------------------------- average pooling
def avg_divisor(
    input_size: Pair,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    out: Pair,
    count_include_pad: bool,
    divisor_override: int | None,
    dtype: np.dtype[Any],
) -> np.ndarray:
    """The reciprocal of each window's divisor, (OH, OW) (or (1, 1) when constant).

    PyTorch's rule: the window clipped to the padded input when ``count_include_pad``,
    else to the input itself; ``divisor_override`` replaces both.
    """
    if divisor_override is not None:
        return np.full((1, 1), 1.0 / divisor_override, dtype=dtype)
    counts = []
    for n, k, s, p, o in zip(input_size, kernel, stride, padding, out):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        counts.append(end - start)
    size = counts[0].reshape(-1, 1) * counts[1].reshape(1, -1)
    if np.all(size == size.flat[0]):
        size = size[:1, :1]
    return (1.0 / size).astype(dtype)


def avg_pool2d_forward(
    x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, out: Pair, scale: np.ndarray
) -> np.ndarray:
    """Window sums times ``scale`` (the reciprocal divisors)."""
    xp = _padded(x, 0.0, padding, _extent(kernel, stride, (1, 1), out))
    views = _views(xp, kernel, stride, (1, 1), out)
    if len(views) == 1:
        return views[0] * scale
    total = views[0] + views[1]
    for v in views[2:]:
        total += v
    total *= scale
    return total


def avg_pool2d_input_grad(
    g: np.ndarray,
    input_size: Pair,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    scale: np.ndarray,
) -> np.ndarray:
    """The adjoint of :func:`avg_pool2d_forward`: each window's scaled gradient spread
    over its cells. (N, C, OH, OW) -> (N, C, H, W)."""
    out = (g.shape[2], g.shape[3])
    disjoint = _disjoint(kernel, stride, (1, 1))
    buf = _scatter_buffer(g, input_size, (kernel, stride, padding, (1, 1)))
    if g.size:
        gs = g * scale
        for view in _views(buf, kernel, stride, (1, 1), out):
            if disjoint:
                view[...] = gs
            else:
                view += gs
    return _crop(buf, input_size, padding)


# ---------------------------------------------------------------------- adaptive pooling
def adaptive_matrix(n_in: int, n_out: int, dtype: np.dtype[Any]) -> np.ndarray:
    """(n_out, n_in): row i averages ``[floor(i n_in / n_out), ceil((i+1) n_in / n_out))``."""
    m = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_out):
        start = (i * n_in) // n_out
        end = -((-(i + 1) * n_in) // n_out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def adaptive_size(op: str, output_size: Any, size: tuple[int, ...]) -> Pair:
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size, output_size)
    if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
        raise TypeError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    result = tuple(n if o is None else o for o, n in zip(output_size, size))
    if not all(isinstance(o, (int, np.integer)) and o >= 1 for o in result):
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    return int(result[0]), int(result[1])


def adaptive_windows(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, L): the input positions of each adaptive window, the last one repeated to
    pad shorter windows to the longest length L (a repeat never changes the first max)."""
    start = (np.arange(n_out) * n_in) // n_out
    end = -((-(np.arange(n_out) + 1) * n_in) // n_out)
    length = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(length), end[:, None] - 1)


def adaptive_max_indices(x: np.ndarray, output_size: Pair) -> np.ndarray:
    """Flat H * W index of each adaptive window's first maximum (its last NaN, if any, as
    in PyTorch): (N, C, OH, OW) int64."""
    h, w = x.shape[-2:]
    rows = adaptive_windows(h, output_size[0])  # (OH, LH)
    cols = adaptive_windows(w, output_size[1])  # (OW, LW)
    # (..., H, W) -> (..., OH, LH, OW, LW) -> (..., OH, OW, LH * LW)
    cells = x[..., rows[:, :, None, None], cols[None, None, :, :]]
    cells = np.moveaxis(cells, -3, -2).reshape(*x.shape[:-2], *output_size, -1)
    arg = np.argmax(cells, axis=-1)
    nan = np.isnan(cells)
    if nan.any():
        last_nan = cells.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        arg = np.where(nan.any(axis=-1), last_nan, arg)
    lw = cols.shape[1]
    # window offset -> input row and column: rows[i, arg // LW], cols[j, arg % LW]
    r = rows[np.arange(output_size[0])[:, None], arg // lw]
    c = cols[np.arange(output_size[1])[None, :], arg % lw]
    return (r * w + c).astype(np.int64)
