"""numpy kernels of the fused convolution primitives, and argument normalisation.

The three kernels are the bilinear map ``y = conv(x, w)`` and its two partial adjoints:

* :func:`conv2d_forward` -- ``y = conv(x, w)``;
* :func:`conv2d_input_grad` -- ``J_x^T g`` (the transposed convolution of ``g`` by ``w``);
* :func:`conv2d_weight_grad` -- ``J_w^T g``.

All three work on NCHW arrays with normalised options: ``stride=(sh, sw)``,
``padding=(top, bottom, left, right)``, ``dilation=(dh, dw)``, ``groups``. A trailing
(bottom or right) padding may be negative: the input rows or columns it removes are not
covered by any window (this is how a transposed convolution with ``output_padding`` is
expressed). The layout trick: the padded input is stored as (C, N, Hp, Wp), the im2col
matrix as (G, C/G * KH * KW, N * OH * OW), so each group is one large GEMM, whose
channel-major result is returned as an NCHW *view* (no copy). Such channel-major inputs
cost nothing to bring back to (C, N, H, W) order in the next convolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "ColumnCache",
    "conv2d_forward",
    "conv2d_input_grad",
    "conv2d_options",
    "conv2d_output_size",
    "conv2d_weight_grad",
    "ntuple",
    "pair",
    "transpose_options",
]

Pair = tuple[int, int]
Quad = tuple[int, int, int, int]


# ---------------------------------------------------------------------- arguments
def ntuple(value: Any, n: int, name: str, op: str, *, minimum: int) -> tuple[int, ...]:
    """``value`` as an ``n``-tuple of ints, each at least ``minimum``.

    Raises ``ValueError``/``TypeError`` starting with ``op`` when ``value`` is neither an int
    nor a sequence of ``n`` ints, or when an entry is below ``minimum``.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values: tuple[int, ...] = (int(value),) * n
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = list(value)
        if len(items) == 1 and n > 1:
            items = items * n
        if len(items) != n or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items
        ):
            raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
        values = tuple(int(v) for v in items)
    else:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in values):
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{op}: {name} must be {bound}, got {value!r}")
    return values


def pair(values: tuple[int, ...]) -> Pair:
    """The first two entries of a shape or option tuple, as a pair of ints."""
    return int(values[0]), int(values[1])


def conv2d_output_size(
    size: Pair, kernel: Pair, stride: Pair, padding: Quad, dilation: Pair
) -> Pair:
    """(OH, OW) of a convolution (may be < 1 when the kernel does not fit)."""
    (h, w), (kh, kw), (sh, sw), (pt, pb, pl, pr), (dh, dw) = (
        size,
        kernel,
        stride,
        padding,
        dilation,
    )
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (w + pl + pr - dw * (kw - 1) - 1) // sw + 1
    return oh, ow


def conv2d_options(
    op: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    *,
    dims: int = 2,
) -> dict[str, Any]:
    """Validate a batched conv call and return the 2-D primitive's options.

    ``dims`` is 1 for ``conv1d``: shapes then carry a unit height already, and the options
    given by the user are for the width only.
    """
    stride_t = ntuple(stride, dims, "stride", op, minimum=1)
    dilation_t = ntuple(dilation, dims, "dilation", op, minimum=1)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    groups = int(groups)
    c, o, cg = x_shape[1], w_shape[0], w_shape[1]
    if o % groups:
        raise ValueError(
            f"{op}: out_channels {o} (weight shape {w_shape}) is not divisible by groups={groups}"
        )
    if cg * groups != c:
        raise ValueError(
            f"{op}: input has {c} channels but weight expects {cg * groups} "
            f"(weight shape {w_shape}, groups={groups})"
        )
    kernel = w_shape[2 + 2 - dims :] if dims == 1 else w_shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads: tuple[int, ...] = (0,) * (2 * dims)
        elif padding == "same":
            if any(s != 1 for s in stride_t):
                raise ValueError(
                    f"{op}: padding='same' is not supported for strided convolutions "
                    f"(stride={stride!r})"
                )
            pads = ()
            for k, d in zip(kernel, dilation_t):
                total = d * (k - 1)
                pads += (total // 2, total - total // 2)  # the extra one goes after
        else:
            raise ValueError(
                f"{op}: padding must be 'same', 'valid', an int or a tuple, got {padding!r}"
            )
    else:
        sym = ntuple(padding, dims, "padding", op, minimum=0)
        pads = tuple(p for p in sym for _ in range(2))
    if dims == 1:
        stride_t, dilation_t, pads = (1, *stride_t), (1, *dilation_t), (0, 0, *pads)
    quad = (int(pads[0]), int(pads[1]), int(pads[2]), int(pads[3]))
    size = x_shape[2:]
    for axis, (n, k, d, lo, hi) in enumerate(
        zip(size, w_shape[2:], dilation_t, quad[0::2], quad[1::2])
    ):
        span = d * (k - 1) + 1
        if n + lo + hi < span:
            what = "length" if dims == 1 else ("height", "width")[axis]
            raise ValueError(
                f"{op}: the kernel (size {k}, dilation {d}, spanning {span}) is larger than "
                f"the padded input {what} {n + lo + hi} (input {what} {n}, padding {lo}+{hi}; "
                f"input shape {x_shape}, weight shape {w_shape})"
            )
    return {"stride": stride_t, "padding": quad, "dilation": dilation_t, "groups": groups}


def transpose_options(
    op: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: Any,
    dilation: Any,
    dims: int,
) -> tuple[Pair, dict[str, Any]]:
    """Validate a batched transposed conv; return the output size and the options of
    ``conv2d_input_grad`` that compute it."""
    stride_t = ntuple(stride, dims, "stride", op, minimum=1)
    dilation_t = ntuple(dilation, dims, "dilation", op, minimum=1)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    pad_t = ntuple(padding, dims, "padding", op, minimum=0)
    out_pad = ntuple(output_padding, dims, "output_padding", op, minimum=0)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    groups = int(groups)
    c_in = x_shape[1]
    if w_shape[0] != c_in:
        raise ValueError(
            f"{op}: input has {c_in} channels but weight expects {w_shape[0]} "
            f"(weight shape {w_shape}, laid out as (C_in, C_out / groups, ...), groups={groups})"
        )
    if c_in % groups:
        raise ValueError(f"{op}: in_channels {c_in} is not divisible by groups={groups}")
    for op_, s, d in zip(out_pad, stride_t, dilation_t):
        if op_ >= max(s, d):
            raise ValueError(
                f"{op}: output_padding {output_padding!r} must be smaller than either stride "
                f"{stride!r} or dilation {dilation!r}"
            )
    if dims == 1:
        stride_t, dilation_t = (1, *stride_t), (1, *dilation_t)
        pad_t, out_pad = (0, *pad_t), (0, *out_pad)
    size: list[int] = []
    for n, k, s, d, p, q in zip(x_shape[2:], w_shape[2:], stride_t, dilation_t, pad_t, out_pad):
        size.append((n - 1) * s - 2 * p + d * (k - 1) + q + 1)
    if any(n < 1 for n in size):
        raise ValueError(
            f"{op}: the output would have size {tuple(size[2 - dims :])} (input shape {x_shape}, "
            f"weight shape {w_shape}, stride {stride!r}, padding {padding!r}); it must be positive"
        )
    # the trailing pad p - output_padding makes conv2d of the output have the input's size
    quad = (pad_t[0], pad_t[0] - out_pad[0], pad_t[1], pad_t[1] - out_pad[1])
    opts = {"stride": stride_t, "padding": quad, "dilation": dilation_t, "groups": groups}
    return (size[0], size[1]), opts


class ColumnCache:
    """Holds the im2col matrix of one forward convolution until its weight gradient is
    computed: the forward builds it anyway, and building it again costs as much as a GEMM.
    The convolution's node keeps the cache, so it lives as long as the graph."""

    __slots__ = ("cols",)

    def __init__(self) -> None:
        self.cols: np.ndarray | None = None

    def take(self) -> np.ndarray | None:
        """The cached matrix, emptying the cache (its memory goes with the last user)."""
        cols, self.cols = self.cols, None
        return cols

    def __repr__(self) -> str:
        return "ColumnCache(empty)" if self.cols is None else f"ColumnCache{self.cols.shape}"


# ---------------------------------------------------------------------- helpers
def _pad_cnhw(x: np.ndarray, padding: Quad) -> np.ndarray:
    """Zero-pad (N, C, H, W) into (C, N, Hp, Wp) order (negative trailing pads crop): a new
    array, or x's own memory when it is unpadded and already channel-major."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = padding
    hp, wp = h + pt + pb, w + pl + pr
    hk, wk = min(h, hp - pt), min(w, wp - pl)  # the rows and columns that are kept
    if pt == pb == pl == pr == 0:
        return np.ascontiguousarray(x.transpose(1, 0, 2, 3))  # (N, C, H, W) -> (C, N, H, W)
    out = np.zeros((c, n, hp, wp), dtype=x.dtype)
    out[:, :, pt : pt + hk, pl : pl + wk] = x[:, :, :hk, :wk].transpose(1, 0, 2, 3)
    return out


def _im2col(
    xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, out_size: Pair, groups: int
) -> np.ndarray:
    """Columns of the padded (C, N, Hp, Wp) input: (G, C/G * KH * KW, N * OH * OW)."""
    c, n = xp.shape[:2]
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_size
    s_c, s_n, s_h, s_w = xp.strides
    windows = as_strided(
        xp,
        shape=(c, kh, kw, n, oh, ow),
        strides=(s_c, s_h * dh, s_w * dw, s_n, s_h * sh, s_w * sw),
        writeable=False,
    )
    # (C, KH, KW, N, OH, OW) -> (G, C/G * KH * KW, N * OH * OW), one copy
    return np.ascontiguousarray(windows).reshape(groups, (c // groups) * kh * kw, n * oh * ow)


def _grad_matrix(g: np.ndarray, groups: int) -> np.ndarray:
    """The output gradient as GEMM operand: (N, O, OH, OW) -> (G, O/G, N * OH * OW)."""
    n, o, oh, ow = g.shape
    return np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(groups, o // groups, n * oh * ow)


def _group_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` over a leading group axis; one plain GEMM when there is one group."""
    if a.shape[0] == 1:
        return (a[0] @ b[0])[None]
    return np.matmul(a, b)


# ---------------------------------------------------------------------- kernels
# Each kernel makes one large GEMM per group: many small BLAS calls (a batched matmul over
# the batch) are far slower with a multithreaded BLAS, worst on a busy machine.
def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
    cache: ColumnCache | None = None,
) -> np.ndarray:
    """Cross-correlation of (N, C, H, W) by (O, C/G, KH, KW): (N, O, OH, OW).

    With a ``cache``, the im2col matrix is kept there for :func:`conv2d_weight_grad`.
    """
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh, ow = conv2d_output_size((h, wd), (kh, kw), stride, padding, dilation)
    dtype = np.result_type(x, w)
    if oh <= 0 or ow <= 0 or n == 0:
        return np.zeros((n, o, max(oh, 0), max(ow, 0)), dtype=dtype)
    cols = _im2col(_pad_cnhw(x, padding), (kh, kw), stride, dilation, (oh, ow), groups)
    if cache is not None:
        cache.cols = cols
    wm = w.reshape(groups, o // groups, cg * kh * kw)
    y = _group_matmul(wm, cols)  # (G, O/G, C/G*KH*KW) @ (G, C/G*KH*KW, N*OH*OW)
    # (O, N, OH, OW) -> (N, O, OH, OW), as a view: the GEMM writes channel-major memory,
    # and a copy to NCHW order would cost a pass over the output for nothing (numpy ops
    # take any strides; elementwise ops keep this layout; the next convolution and the
    # per-channel reductions of batch norm even prefer it)
    return y.reshape(o, n, oh, ow).transpose(1, 0, 2, 3)


def conv2d_input_grad(
    g: np.ndarray,
    w: np.ndarray,
    input_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    """``J_x^T g``: (N, O, OH, OW) by (O, C/G, KH, KW) to (N, C, H, W), ``(H, W) = input_size``.

    A GEMM to columns, then col2im: one strided add per kernel offset into a padded buffer.
    """
    n, o, oh, ow = g.shape
    _, cg, kh, kw = w.shape
    c = cg * groups
    h, wd = input_size
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, padding, dilation
    dtype = np.result_type(g, w)
    if n == 0 or oh == 0 or ow == 0:
        return np.zeros((n, c, h, wd), dtype=dtype)
    span_h, span_w = dh * (kh - 1), dw * (kw - 1)
    if stride == (1, 1) and (kh, kw) != (1, 1) and span_h >= pt and span_w >= pl and o <= c:
        # stride 1: a forward convolution of g by the flipped, transposed kernel, padded so
        # every input cell sees each output cell that saw it. Its im2col copies O*KH*KW rows
        # where col2im writes and adds C*KH*KW: about twice as fast when O <= C, a wash up
        # to O = 2C (with twice the memory), slower beyond.
        og = o // groups
        # (O, C/G, KH, KW) -> (G, C/G, O/G, KH, KW), flipped -> (C, O/G, KH, KW)
        w_t = w.reshape(groups, og, cg, kh, kw).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
        w_t = np.ascontiguousarray(w_t).reshape(c, og, kh, kw)
        pads = (span_h - pt, span_h - pb, span_w - pl, span_w - pr)
        return conv2d_forward(g, w_t, (1, 1), pads, dilation, groups)
    wm = w.reshape(groups, o // groups, cg * kh * kw)
    gm = _grad_matrix(g, groups)
    cols = _group_matmul(wm.transpose(0, 2, 1), gm)  # (G, C/G*KH*KW, N*OH*OW)
    cols = cols.reshape(c, kh, kw, n, oh, ow)
    if (kh, kw, oh, ow) == (1, 1, h, wd) and stride == (1, 1) and padding == (0, 0, 0, 0):
        # (C, N, H, W) -> (N, C, H, W): a 1x1 convolution needs no col2im
        return cols[:, 0, 0].transpose(1, 0, 2, 3)
    hp, wp = h + pt + pb, wd + pl + pr
    # the buffer also holds the rows a negative trailing pad cut off (they get zeros)
    buf = np.zeros((c, n, max(hp, pt + h), max(wp, pl + wd)), dtype=dtype)
    h_span, w_span = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    for i in range(kh):
        for j in range(kw):
            r, q = i * dh, j * dw
            buf[:, :, r : r + h_span : sh, q : q + w_span : sw] += cols[:, i, j]
    # (C, N, H, W) -> (N, C, H, W), a view as in conv2d_forward
    return buf[:, :, pt : pt + h, pl : pl + wd].transpose(1, 0, 2, 3)


def conv2d_weight_grad(
    x: np.ndarray,
    g: np.ndarray,
    kernel_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
    cache: ColumnCache | None = None,
) -> np.ndarray:
    """``J_w^T g``: from (N, C, H, W) and (N, O, OH, OW) to (O, C/G, KH, KW).

    Uses (and empties) the im2col matrix of a ``cache`` filled by the forward, if any.
    """
    n, c = x.shape[:2]
    _, o, oh, ow = g.shape
    kh, kw = kernel_size
    cg = c // groups
    dtype = np.result_type(x, g)
    if n == 0 or oh == 0 or ow == 0:
        return np.zeros((o, cg, kh, kw), dtype=dtype)
    cols = None if cache is None else cache.take()
    if cols is None or cols.shape != (groups, cg * kh * kw, n * oh * ow) or cols.dtype != x.dtype:
        cols = _im2col(_pad_cnhw(x, padding), (kh, kw), stride, dilation, (oh, ow), groups)
    gm = _grad_matrix(g, groups)
    # (G, C/G*KH*KW, N*OH*OW) @ (G, N*OH*OW, O/G), then (G, K, O/G) -> (G, O/G, K)
    gw = _group_matmul(cols, gm.transpose(0, 2, 1)).transpose(0, 2, 1)
    return np.ascontiguousarray(gw).reshape(o, cg, kh, kw)
