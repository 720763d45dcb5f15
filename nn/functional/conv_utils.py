"""numpy kernels of the fused convolution primitives (their options are normalised in
``conv_options``).

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

import functools
from collections.abc import Callable
from typing import TypeVar

import numpy as np
from numpy.lib.stride_tricks import as_strided

from autograd_np import parallel
from autograd_np.nn.functional.conv_options import Pair, Quad, conv2d_output_size
from autograd_np.workspace import WORKSPACE

__all__ = [
    "channels_last",
    "conv2d_forward",
    "conv2d_forward_keeping_columns",
    "conv2d_input_grad",
    "conv2d_weight_grad",
]

T = TypeVar("T")


# ---------------------------------------------------------------------- layouts
# The kernels return channels-last results: (N, C, H, W) views of (N, H, W, C) memory, as
# PyTorch's channels_last format. The GEMMs then read and write (N*H*W, C) matrices, which
# OpenBLAS runs faster than the channel-major (C, N*H*W) ones for the narrow C of CNNs;
# the im2col gather copies runs of KW*C contiguous values; elementwise ops and batch norm
# keep the layout (numpy allocates results in the inputs' order), and pooling follows it.
# Results with fewer than CHANNELS_LAST_FROM channels are channel-major instead, (C, N, H,
# W) memory: numpy's inner loops then run along image rows rather than over a handful of
# channels (pooling, bias and batch norm of a 6-channel channels-last array are 2-3x
# slower). Two orders of im2col columns exist: "nhwc", rows of (KH, KW, C/G) per output
# position, gathered from channels-last memory; "cm" (channel-major), rows of (C/G, KH,
# KW) per position, gathered from (C, N, H, W) memory -- better for inputs with few
# channels but long image rows (a network's first layer).
CHANNELS_LAST_FROM = 16


def channels_last(x: np.ndarray) -> bool:
    """Whether the (N, C, H, W) array ``x`` views C-ordered (N, H, W, C) memory."""
    return bool(x.transpose(0, 2, 3, 1).flags.c_contiguous)


def _contiguous(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    """``a`` itself when C-ordered, else a C-ordered copy on workspace memory (split along
    ``axis`` across the threads; default the outermost)."""
    if a.flags.c_contiguous:
        return a
    out = WORKSPACE.empty(a.shape, a.dtype)
    return parallel.copyto(out, a, axis=axis)


def _channel_major(x: np.ndarray) -> bool:
    """Whether the (N, C, H, W) array ``x`` views C-ordered (C, N, H, W) memory."""
    return bool(x.transpose(1, 0, 2, 3).flags.c_contiguous)


def _nchw(y: np.ndarray, n: int, h: int, w: int) -> np.ndarray:
    """(N*H*W, C) -> (N, H, W, C) -> (N, C, H, W), a view."""
    return y.reshape(n, h, w, y.shape[-1]).transpose(0, 3, 1, 2)


def _rows(g: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N*H*W, C), a view when ``g`` is channels-last."""
    n, c, h, w = g.shape
    return _contiguous(g.transpose(0, 2, 3, 1)).reshape(n * h * w, c)


def _column_order(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, ow: int) -> str:
    """The im2col order whose gather has the longer inner loop over ``x``."""
    c = x.shape[1]
    if c > 1 and channels_last(x):
        return "nhwc"
    # the length of the gather's inner loop: a window row of channels, or an output row
    # (strided when the convolution is)
    nhwc_run = c * kernel[1] if dilation[1] == 1 else c
    return "cm" if ow > nhwc_run else "nhwc"


def _pad_nhwc(x: np.ndarray, padding: Quad) -> np.ndarray:
    """Zero-pad (N, C, H, W) into C-ordered (N, Hp, Wp, C) memory (negative trailing pads
    crop); x's own memory when it is unpadded and channels-last already."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = padding
    xt = x.transpose(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
    if pt == pb == pl == pr == 0:
        return _contiguous(xt)
    hp, wp = h + pt + pb, w + pl + pr
    hk, wk = min(h, hp - pt), min(w, wp - pl)  # the rows and columns that are kept
    out = WORKSPACE.empty((n, hp, wp, c), x.dtype)  # written once: interior, then border
    parallel.copyto(out[:, pt : pt + hk, pl : pl + wk], xt[:, :hk, :wk], axis=0)
    out[:, :pt] = 0
    out[:, pt + hk :] = 0
    out[:, pt : pt + hk, :pl] = 0
    out[:, pt : pt + hk, pl + wk :] = 0
    return out


def _pad_cnhw(x: np.ndarray, padding: Quad) -> np.ndarray:
    """Zero-pad (N, C, H, W) into (C, N, Hp, Wp) order (negative trailing pads crop)."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = padding
    hp, wp = h + pt + pb, w + pl + pr
    hk, wk = min(h, hp - pt), min(w, wp - pl)
    out = WORKSPACE.zeros((c, n, hp, wp), x.dtype)
    interior = x[:, :, :hk, :wk].transpose(1, 0, 2, 3)  # (N, C, h, w) -> (C, N, h, w)
    parallel.copyto(out[:, :, pt : pt + hk, pl : pl + wk], interior, axis=1)
    return out


def _im2col(
    x: np.ndarray,
    padding: Quad,
    kernel: Pair,
    stride: Pair,
    dilation: Pair,
    out_size: Pair,
    groups: int,
    order: str,
) -> np.ndarray:
    """The columns of ``x`` (N, C, H, W) as a (G, K, N*OH*OW) array, K = C/G * KH * KW, in
    the row ``order`` (from :func:`_column_order`; "nhwc": K is (KH, KW, C/G), the array a
    transposed view of C-ordered (G, N*OH*OW, K); "cm": K is (C/G, KH, KW), C-ordered)."""
    n, c = x.shape[:2]
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_size
    cg = c // groups
    if order == "nhwc":
        xp = _pad_nhwc(x, padding)
        s_n, s_h, s_w, s_c = xp.strides
        windows = as_strided(
            xp,
            shape=(groups, n, oh, ow, kh, kw, cg),
            strides=(s_c * cg, s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c),
            writeable=False,
        )
        # (G, N, OH, OW, KH, KW, C/G) -> (G, N*OH*OW, K), one copy -> (G, K, N*OH*OW) view
        cols = _contiguous(windows, axis=1).reshape(groups, n * oh * ow, kh * kw * cg)
        return cols.transpose(0, 2, 1)
    xp = _pad_cnhw(x, padding)
    s_c, s_n, s_h, s_w = xp.strides
    windows = as_strided(
        xp,
        shape=(c, kh, kw, n, oh, ow),
        strides=(s_c, s_h * dh, s_w * dw, s_n, s_h * sh, s_w * sw),
        writeable=False,
    )
    # (C, KH, KW, N, OH, OW) -> (G, C/G * KH * KW, N * OH * OW), one copy
    return _contiguous(windows, axis=3).reshape(groups, cg * kh * kw, n * oh * ow)


# The im2col matrices are built for a slice of the batch at a time, of at most this many
# bytes: the whole batch's would be KH*KW times its input (144 MB for a 3x3 convolution
# of 32 channels of 32x32 images at batch 128). A slice that stays in the cache (2 MB of
# L2 a core, 32 MB of L3 here) is read back by its GEMM from there instead of memory:
# the vgg step of benchmarks/train_step.py took 436-447 ms with 16 MB slices, 357-394
# with 4 MB (numpy's default threading), and 294-302 against 346-384 on 2 threads.
COLUMNS_BYTES = 1 << 22
# The forward keeps its columns for the weight gradient when they total at most this
# (lenet's second layer: 7.7 MB at batch 128; vgg's first: 14 MB)
KEEP_COLUMNS_BYTES = 1 << 24


def _batch_slices(n: int, image_bytes: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n)``, each slice of images at most
    ``COLUMNS_BYTES`` of columns (``image_bytes`` per image), at least one image."""
    step = max(1, COLUMNS_BYTES // max(1, image_bytes))
    return [(i, min(n, i + step)) for i in range(0, n, step)]


def _each_slice(
    fn: Callable[[int, int], T], slices: list[tuple[int, int]], image_bytes: int
) -> list[T]:
    """``[fn(start, stop) for start, stop in slices]``, the slices shared out across the
    threads in runs: each thread builds a slice's columns and multiplies them while they
    are in its cache, as a process of its own would (the GEMMs inside run on one thread)."""
    nbytes = slices[-1][1] * image_bytes if slices else 0
    runs = parallel.split(
        lambda first, last: [fn(*s) for s in slices[first:last]],
        len(slices),
        nbytes=nbytes,
        gemms=True,
    )
    return [result for run in runs for result in run]


def _weight_matrix(w: np.ndarray, groups: int, order: str) -> np.ndarray:
    """(O, C/G, KH, KW) -> (G, K, O/G), K in the columns' ``order``."""
    o, cg, kh, kw = w.shape
    w5 = w.reshape(groups, o // groups, cg, kh, kw)
    if order == "nhwc":  # (G, O/G, C/G, KH, KW) -> (G, KH, KW, C/G, O/G), a small copy
        return np.ascontiguousarray(w5.transpose(0, 3, 4, 2, 1)).reshape(groups, -1, o // groups)
    return w5.reshape(groups, o // groups, cg * kh * kw).transpose(0, 2, 1)


def _weight_from_matrix(gw: np.ndarray, shape: tuple[int, ...], order: str) -> np.ndarray:
    """(G, K, O/G), K in ``order`` -> (O, C/G, KH, KW), the inverse of _weight_matrix."""
    o, cg, kh, kw = shape
    groups = gw.shape[0]
    if order == "nhwc":  # (G, KH, KW, C/G, O/G) -> (G, O/G, C/G, KH, KW)
        gw5 = gw.reshape(groups, kh, kw, cg, o // groups).transpose(0, 4, 3, 1, 2)
    else:  # (G, C/G, KH, KW, O/G) -> (G, O/G, C/G, KH, KW)
        gw5 = gw.reshape(groups, cg, kh, kw, o // groups).transpose(0, 4, 1, 2, 3)
    return np.ascontiguousarray(gw5).reshape(o, cg, kh, kw)


def _group_rows(rows: np.ndarray, groups: int) -> np.ndarray:
    """(P, O) -> (G, P, O/G), a view."""
    p, o = rows.shape
    return rows.reshape(p, groups, o // groups).transpose(1, 0, 2)


def _grouped_product(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a[g] @ b[g]`` for each group, written into ``out[g]`` when given: one plain GEMM
    per group (a batched matmul over many small matrices is far slower with a threaded
    BLAS, worst on a busy machine)."""
    if out is None:
        out = WORKSPACE.empty((a.shape[0], a.shape[1], b.shape[2]), np.result_type(a, b))
    for i in range(a.shape[0]):
        parallel.matmul(a[i], b[i], out=out[i])
    return out


# ---------------------------------------------------------------------- kernels
def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    """Cross-correlation of (N, C, H, W) by (O, C/G, KH, KW): (N, O, OH, OW), channels-last."""
    return conv2d_forward_keeping_columns(x, w, stride, padding, dilation, groups, keep=False)[0]


def conv2d_forward_keeping_columns(
    x: np.ndarray,
    w: np.ndarray,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
    *,
    keep: bool = True,
) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """:func:`conv2d_forward`, and (with ``keep``) the im2col columns it built, one array
    per batch slice, when they total at most ``KEEP_COLUMNS_BYTES``, else None:
    :func:`conv2d_weight_grad` takes them instead of building them again (they are what
    its GEMM reads)."""
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = conv2d_output_size((h, wd), (kh, kw), stride, padding, dilation)
    dtype = np.result_type(x, w)
    if oh <= 0 or ow <= 0 or n == 0:
        return np.zeros((n, o, max(oh, 0), max(ow, 0)), dtype=dtype), None
    geometry = (padding, (kh, kw), stride, dilation, (oh, ow), groups)
    order = _column_order(x, (kh, kw), stride, dilation, ow)
    wm = _weight_matrix(w, groups, order)
    image_bytes = x.shape[1] * kh * kw * oh * ow * dtype.itemsize
    keep = keep and n * image_bytes <= KEEP_COLUMNS_BYTES
    if o < CHANNELS_LAST_FROM:
        cols = _im2col(x, *geometry, order)
        y = WORKSPACE.empty((o, n * oh * ow), dtype)
        # (G, O/G, K) @ (G, K, P) -> (G, O/G, P): the (O, N*OH*OW) channel-major output
        _grouped_product(wm.transpose(0, 2, 1), cols, out=y.reshape(groups, o // groups, -1))
        return y.reshape(o, n, oh, ow).transpose(1, 0, 2, 3), [cols] if keep else None
    y = WORKSPACE.empty((n * oh * ow, o), dtype)
    p = oh * ow

    def product(start: int, stop: int) -> np.ndarray | None:
        cols = _im2col(x[start:stop], *geometry, order)
        # (G, P, K) @ (G, K, O/G) -> (G, P, O/G), written into the (P, O) rows of the output
        _grouped_product(
            cols.transpose(0, 2, 1), wm, out=_group_rows(y[start * p : stop * p], groups)
        )
        return cols if keep else None  # else its workspace memory serves the next slice

    columns = _each_slice(product, _batch_slices(n, image_bytes), image_bytes)
    return _nchw(y, n, oh, ow), ([c for c in columns if c is not None] if keep else None)


def conv2d_input_grad(
    g: np.ndarray,
    w: np.ndarray,
    input_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    """``J_x^T g``: (N, O, OH, OW) by (O, C/G, KH, KW) to (N, C, H, W), ``(H, W) = input_size``,
    channels-last.

    A GEMM to columns, then col2im: one strided add per kernel offset into a padded buffer;
    or, for stride 1 and O <= C, a convolution of g by the flipped kernel.
    """
    n, o, oh, ow = g.shape
    _, cg, kh, kw = w.shape
    c = cg * groups
    h, wd = input_size
    (pt, pb, pl, pr), (dh, dw) = padding, dilation
    dtype = np.result_type(g, w)
    if n == 0 or oh == 0 or ow == 0:
        return np.zeros((n, c, h, wd), dtype=dtype)
    span_h, span_w = dh * (kh - 1), dw * (kw - 1)
    if stride == (1, 1) and (kh, kw) != (1, 1) and span_h >= pt and span_w >= pl and o <= c:
        # stride 1: a forward convolution of g by the flipped, transposed kernel, padded so
        # every input cell sees each output cell that saw it. Its im2col copies O*KH*KW
        # values per input cell where col2im adds C*KH*KW: faster when O <= C.
        og = o // groups
        # (O, C/G, KH, KW) -> (G, C/G, O/G, KH, KW), flipped -> (C, O/G, KH, KW)
        w_t = w.reshape(groups, og, cg, kh, kw).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
        w_t = np.ascontiguousarray(w_t).reshape(c, og, kh, kw)
        pads = (span_h - pt, span_h - pb, span_w - pl, span_w - pr)
        return conv2d_forward(g, w_t, (1, 1), pads, dilation, groups)
    if (kh, kw, oh, ow) == (1, 1, h, wd) and stride == (1, 1) and padding == (0, 0, 0, 0):
        # a 1x1 convolution needs no col2im: (G, P, O/G) @ (G, O/G, C/G) -> (P, C)
        rows = WORKSPACE.empty((n * h * wd, c), dtype)
        wm = _weight_matrix(w, groups, "nhwc").transpose(0, 2, 1)
        _grouped_product(_group_rows(_rows(g), groups), wm, out=_group_rows(rows, groups))
        return _nchw(rows, n, h, wd)
    # the result's layout follows the forward rule for C channels (the layout x had when
    # a convolution made it)
    if c >= CHANNELS_LAST_FROM:
        return _col2im_nhwc(g, w, input_size, stride, padding, dilation, groups)
    return _col2im_cm(g, w, input_size, stride, padding, dilation, groups)


def _landing(count: int, stride: int, shift: int, size: int) -> tuple[slice, slice]:
    """For one kernel offset along an axis: the output positions ``o`` whose input cell
    ``o * stride + shift`` lies in ``[0, size)`` (not in the padding), and those cells."""
    first = max(0, -(shift // stride))  # ceil(-shift / stride)
    last = min(count - 1, (size - 1 - shift) // stride)
    if last < first:
        return slice(0, 0), slice(0, 0)
    start = first * stride + shift
    return slice(first, last + 1), slice(start, start + (last - first) * stride + 1, stride)


def _covers(cells: slice, size: int) -> bool:
    """Whether a landing range (from :func:`_landing`) is every cell of the axis."""
    return cells.start == 0 and cells.step == 1 and cells.stop == size


def _col2im_nhwc(
    g: np.ndarray,
    w: np.ndarray,
    input_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    """``J_x^T g`` by a GEMM to (N*OH*OW, KH*KW*C) columns and a channels-last col2im."""
    n, _, oh, ow = g.shape
    _, cg, kh, kw = w.shape
    (h, wd), (sh, sw), (dh, dw) = input_size, stride, dilation
    pt, pl = padding[0], padding[2]
    wm = _weight_matrix(w, groups, "nhwc").transpose(0, 2, 1)  # (G, O/G, K)
    rows = _rows(g)  # (N*OH*OW, O)
    buf = WORKSPACE.empty((n, h, wd, groups, cg), np.result_type(g, w))
    # each offset's landing ranges; one covering the whole buffer goes first, as a copy
    # (then the buffer needs no zeroing pass)
    offsets = [
        (i, j, *_landing(oh, sh, i * dh - pt, h), *_landing(ow, sw, j * dw - pl, wd))
        for i in range(kh)
        for j in range(kw)
    ]
    offsets.sort(key=lambda o: not (_covers(o[3], h) and _covers(o[5], wd)))
    copy_first = _covers(offsets[0][3], h) and _covers(offsets[0][5], wd)
    if not copy_first:
        buf.fill(0)
    p = oh * ow

    def col2im(start: int, stop: int) -> None:
        # (G, P, O/G) @ (G, O/G, K) -> (G, P, K), K = (KH, KW, C/G)
        cols = _grouped_product(_group_rows(rows[start * p : stop * p], groups), wm)
        # (G, P, K) -> (G, N, OH, OW, KH, KW, C/G) -> (N, OH, OW, KH, KW, G, C/G)
        cols = cols.reshape(groups, stop - start, oh, ow, kh, kw, cg).transpose(1, 2, 3, 4, 5, 0, 6)
        part = buf[start:stop]

        def add_offsets(lo: int, hi: int) -> None:
            for k, (i, j, rows_out, rows_in, cols_out, cols_in) in enumerate(offsets):
                view = part[lo:hi, rows_in, cols_in]
                src = cols[lo:hi, rows_out, cols_out, i, j]
                if k == 0 and copy_first:
                    view[...] = src
                else:
                    view += src

        parallel.split(add_offsets, stop - start, nbytes=2 * cols.nbytes)

    image_bytes = p * kh * kw * cg * groups * buf.dtype.itemsize
    _each_slice(col2im, _batch_slices(n, image_bytes), image_bytes)
    # (N, H, W, G, C/G) -> (N, H, W, C) -> (N, C, H, W), a view
    return buf.reshape(n, h, wd, groups * cg).transpose(0, 3, 1, 2)


def _col2im_cm(
    g: np.ndarray,
    w: np.ndarray,
    input_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    """``J_x^T g`` by a GEMM to (C*KH*KW, N*OH*OW) columns and a channel-major col2im (for
    few channels C); the result is channel-major."""
    n, o, oh, ow = g.shape
    _, cg, kh, kw = w.shape
    c = cg * groups
    (h, wd), (sh, sw), (dh, dw) = input_size, stride, dilation
    pt, pl = padding[0], padding[2]
    wm = w.reshape(groups, o // groups, cg * kh * kw)
    # (N, O, OH, OW) -> (O, N, OH, OW) -> (G, O/G, N*OH*OW)
    gm = _contiguous(g.transpose(1, 0, 2, 3)).reshape(groups, o // groups, -1)
    cols = _grouped_product(wm.transpose(0, 2, 1), gm)  # (G, C/G*KH*KW, N*OH*OW)
    cols = cols.reshape(c, kh, kw, n, oh, ow)
    buf = WORKSPACE.zeros((c, n, h, wd), cols.dtype)

    def add_offsets(lo: int, hi: int) -> None:  # images lo:hi
        for i in range(kh):
            rows_out, rows_in = _landing(oh, sh, i * dh - pt, h)
            for j in range(kw):
                cols_out, cols_in = _landing(ow, sw, j * dw - pl, wd)
                buf[:, lo:hi, rows_in, cols_in] += cols[:, i, j, lo:hi, rows_out, cols_out]

    parallel.split(add_offsets, n, nbytes=2 * cols.nbytes)
    return buf.transpose(1, 0, 2, 3)  # (C, N, H, W) -> (N, C, H, W), a view


def conv2d_weight_grad(
    x: np.ndarray,
    g: np.ndarray,
    kernel_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
    *,
    columns: list[np.ndarray] | None = None,
) -> np.ndarray:
    """``J_w^T g``: from (N, C, H, W) and (N, O, OH, OW) to (O, C/G, KH, KW).

    ``columns``: the im2col columns of ``x`` that
    :func:`conv2d_forward_keeping_columns` kept, used instead of building them again.
    """
    n, c = x.shape[:2]
    _, o, oh, ow = g.shape
    kh, kw = kernel_size
    cg = c // groups
    dtype = np.result_type(x, g)
    if n == 0 or oh == 0 or ow == 0:
        return np.zeros((o, cg, kh, kw), dtype=dtype)
    geometry = (padding, (kh, kw), stride, dilation, (oh, ow), groups)
    order = _column_order(x, (kh, kw), stride, dilation, ow)
    p = oh * ow
    rows_first = order == "cm" and not _channel_major(g)
    if _channel_major(g):  # (N, O, OH, OW) -> (O, N*OH*OW) -> (G, O/G, P), a view
        gm = g.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * p)
    else:  # (P, O) -> (G, P, O/G), a view
        gm = _group_rows(_rows(g), groups)
        if not rows_first:
            gm = gm.transpose(0, 2, 1)  # (G, O/G, P)
    image_bytes = c * kh * kw * p * np.dtype(dtype).itemsize
    slices = _batch_slices(n, image_bytes)
    if columns is not None and len(columns) == 1:
        slices = [(0, n)]  # the forward's columns were one array (few output channels)
    kept = dict(zip(slices, columns)) if columns and len(columns) == len(slices) else {}

    def product(start: int, stop: int) -> np.ndarray:
        cols = kept.get((start, stop))
        if cols is None:
            cols = _im2col(x[start:stop], *geometry, order)
        if rows_first:  # (G, K, P) @ (G, P, O/G) -> (G, K, O/G)
            return _grouped_product(cols, gm[:, start * p : stop * p])
        # (G, O/G, P) @ (G, P, K) -> (G, O/G, K) -> (G, K, O/G)
        gw = _grouped_product(gm[:, :, start * p : stop * p], cols.transpose(0, 2, 1))
        return gw.transpose(0, 2, 1)

    # the slices' partial products, summed
    total = functools.reduce(np.add, _each_slice(product, slices, image_bytes))
    return _weight_from_matrix(total, (o, cg, kh, kw), order)
