"""Argument normalisation of the convolutions: kernel, stride, padding, dilation and
groups checked and brought to the kernels' forms (``stride=(sh, sw)``, ``padding=(top,
bottom, left, right)``), and the output size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np.arguments import ArgumentError, int_tuple

__all__ = [
    "check_groups",
    "check_kernel",
    "check_output_padding",
    "check_padding_string",
    "conv2d_options",
    "conv2d_output_size",
    "pair",
    "transpose_options",
]

Pair = tuple[int, int]
Quad = tuple[int, int, int, int]


def check_groups(op: str, groups: Any) -> int:
    """``groups`` as a positive int; raises ``ArgumentError`` naming ``op`` otherwise."""
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ArgumentError(f"{op}: groups must be a positive integer, got {groups!r}")
    return int(groups)


def check_kernel(op: str, kernel: Sequence[int]) -> None:
    """Refuse a kernel with a zero (or negative) size, as PyTorch does."""
    if any(k <= 0 for k in kernel):
        raise ArgumentError(
            f"{op}: kernel size should be greater than zero, but got kernel size "
            f"{tuple(int(k) for k in kernel)}"
        )


def check_padding_string(op: str, padding: str, stride: Sequence[int]) -> None:
    """Refuse a padding string other than 'valid' and 'same', and 'same' with a stride."""
    if padding not in ("same", "valid"):
        raise ArgumentError(
            f"{op}: invalid padding string {padding!r}, should be one of 'valid', 'same'"
        )
    if padding == "same" and any(s != 1 for s in stride):
        raise ArgumentError(
            f"{op}: padding='same' is not supported for strided convolutions "
            f"(stride={tuple(stride)})"
        )


def check_output_padding(
    op: str, output_padding: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> None:
    """Refuse an output padding not smaller than either the stride or the dilation."""
    for q, s, d in zip(output_padding, stride, dilation):
        if q >= max(s, d):
            raise ArgumentError(
                f"{op}: output_padding {tuple(output_padding)} must be smaller than either "
                f"stride {tuple(stride)} or dilation {tuple(dilation)}"
            )


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
    stride_t = int_tuple(stride, dims, "stride", op=op, minimum=1)
    dilation_t = int_tuple(dilation, dims, "dilation", op=op, minimum=1)
    groups = check_groups(op, groups)
    check_kernel(op, w_shape[2 + 2 - dims :] if dims == 1 else w_shape[2:])
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
        check_padding_string(op, padding, stride_t)
        if padding == "valid":
            pads: tuple[int, ...] = (0,) * (2 * dims)
        else:
            pads = ()
            for k, d in zip(kernel, dilation_t):
                total = d * (k - 1)
                pads += (total // 2, total - total // 2)  # the extra one goes after
    else:
        sym = int_tuple(padding, dims, "padding", op=op, minimum=0)
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
    stride_t = int_tuple(stride, dims, "stride", op=op, minimum=1)
    dilation_t = int_tuple(dilation, dims, "dilation", op=op, minimum=1)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    pad_t = int_tuple(padding, dims, "padding", op=op, minimum=0)
    out_pad = int_tuple(output_padding, dims, "output_padding", op=op, minimum=0)
    groups = check_groups(op, groups)
    check_kernel(op, w_shape[2 + 2 - dims :] if dims == 1 else w_shape[2:])
    c_in = x_shape[1]
    if w_shape[0] != c_in:
        raise ValueError(
            f"{op}: input has {c_in} channels but weight expects {w_shape[0]} "
            f"(weight shape {w_shape}, laid out as (C_in, C_out / groups, ...), groups={groups})"
        )
    if c_in % groups:
        raise ValueError(f"{op}: in_channels {c_in} is not divisible by groups={groups}")
    check_output_padding(op, out_pad, stride_t, dilation_t)
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
