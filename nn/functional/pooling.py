"""Pooling: ``max_pool1d/2d``, ``avg_pool1d/2d``, ``adaptive_avg_pool2d`` (NCHW).

Max and average pooling are fused primitives whose VJPs close into small families, so
derivatives of any order go through them:

* ``nn.functional.max_pool2d`` -- the window maxima. Its VJP sends each window's gradient
  to the window's first maximum: ``nn.functional.max_pool2d_scatter``, whose VJP is the
  gather from those positions, ``nn.functional.max_pool2d_gather``, whose VJP is the
  scatter again. The winning positions are constants of the VJP (piecewise linearity).
* ``nn.functional.avg_pool2d`` is linear; its VJP is its adjoint,
  ``nn.functional.avg_pool2d_input_grad``, whose VJP is the forward again.

``adaptive_avg_pool2d`` is composed from two matmuls with small averaging matrices. The
1-D functions run the 2-D ones on a unit height; the 2-D ones accept an unbatched
(C, H, W) input, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.autograd import composite, primitive
from autograd_np.nn.functional import _pool_specs as specs
from autograd_np.nn.functional import _pool_utils as pu
from autograd_np.nn.functional.conv_options import pair
from autograd_np.ops.indexing import take_along_axis
from autograd_np.ops.linalg import matmul
from autograd_np.ops.shape import reshape
from autograd_np.tensor import Tensor, TensorLike

__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
]

Pair = pu.Pair
IntOrPair = int | tuple[int, ...]


def _tensor(x: TensorLike) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# ---------------------------------------------------------------------- max pooling
@primitive("nn.functional.max_pool2d", spec=specs.max_pool2d_spec, ref=specs.max_pool_ref, saves=())
def _max_pool2d(
    x: np.ndarray,
    *,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    output_size: Pair,
) -> np.ndarray:
    return pu.max_pool2d_forward(x, kernel_size, stride, padding, dilation, output_size)


@_max_pool2d.deffwd
def _max_pool2d_fwd(
    x: np.ndarray,
    *,
    needs_input_grad: tuple[bool, ...],
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    output_size: Pair,
) -> tuple[np.ndarray, np.ndarray]:
    """The maxima, and as residual the kernel offset of each window's maximum (one byte per
    output for kernels of up to 256 cells): the node keeps neither the input nor the output,
    as PyTorch's keeps only its indices."""
    out = pu.max_pool2d_forward(x, kernel_size, stride, padding, dilation, output_size)
    return out, pu.max_pool2d_argmax(x, out, kernel_size, stride, padding, dilation)


@_max_pool2d.defvjp
def _max_pool2d_vjp(
    g: Tensor,
    out: Tensor,
    x: Tensor,
    *,
    residuals: np.ndarray,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    output_size: Pair,
) -> Tensor:
    # d max(window) = d x[argmax]: scatter g to each window's first maximum
    geo = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation}
    return _max_pool2d_scatter(g, indices=residuals, input_size=x.shape[2:], **geo)


@primitive(
    "nn.functional.max_pool2d_scatter", spec=specs.scatter_spec, ref=specs.scatter_ref, saves=()
)
def _max_pool2d_scatter(
    g: np.ndarray,
    *,
    indices: np.ndarray,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> np.ndarray:
    """Each window's value added at the input cell its kernel offset ``indices`` picks."""
    return pu.max_pool2d_scatter(
        g, indices, pair(input_size), kernel_size, stride, padding, dilation
    )


@_max_pool2d_scatter.defvjp
def _max_pool2d_scatter_vjp(
    h: Tensor,
    out: Tensor,
    g: Tensor,
    *,
    indices: np.ndarray,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> Tensor:
    # the scatter is linear; its adjoint gathers from the same cells
    geo = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation}
    return _max_pool2d_gather(h, indices=indices, **geo)


@primitive(
    "nn.functional.max_pool2d_gather", spec=specs.gather_spec, ref=specs.gather_ref, saves=()
)
def _max_pool2d_gather(
    x: np.ndarray,
    *,
    indices: np.ndarray,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> np.ndarray:
    """The input cell each window's kernel offset ``indices`` picks (0 in the padding)."""
    return pu.max_pool2d_gather(x, indices, kernel_size, stride, padding, dilation)


@_max_pool2d_gather.defvjp
def _max_pool2d_gather_vjp(
    g: Tensor,
    out: Tensor,
    x: Tensor,
    *,
    indices: np.ndarray,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> Tensor:
    # the gather is linear; its adjoint scatters back to the same cells
    geo = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation}
    return _max_pool2d_scatter(g, indices=indices, input_size=x.shape[2:], **geo)


def _batched(op: str, x: Tensor, dims: int) -> tuple[Tensor, bool]:
    """Check the rank; add the batch axis to an unbatched input."""
    if x.ndim == dims + 1:
        return reshape(x, (1, *x.shape)), True
    if x.ndim != dims + 2:
        names = "(C, L) or (N, C, L)" if dims == 1 else "(C, H, W) or (N, C, H, W)"
        raise ValueError(
            f"{op}: expected a {dims + 1}-D or {dims + 2}-D input {names}, got shape {x.shape}"
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{op}: expected a floating-point input, got dtype {x.dtype}")
    return x, False


def _max_pool(
    op: str,
    input: TensorLike,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
    dims: int,
) -> Tensor | tuple[Tensor, Tensor]:
    x = _tensor(input)
    xb, unbatched = _batched(op, x, dims)
    if dims == 1:
        xb = reshape(xb, (xb.shape[0], xb.shape[1], 1, xb.shape[2]))  # (N, C, L) -> (N, C, 1, L)
    geo = pu.pool_options(
        op, xb.shape, kernel_size, stride, padding, dilation, ceil_mode, dims=dims
    )
    out = _max_pool2d(xb, **geo)
    shape = out.shape
    if dims == 1:
        shape = (shape[0], shape[1], shape[3])
    if unbatched:
        shape = shape[1:]
    if not return_indices:
        return reshape(out, shape)
    k, s, p, d = geo["kernel_size"], geo["stride"], geo["padding"], geo["dilation"]
    arg = pu.max_pool2d_argmax(xb.array, out.array, k, s, p, d)
    indices = pu.plane_indices(arg, pair(xb.shape[2:]), k, s, p, d)
    return reshape(out, shape), Tensor(indices.reshape(shape))


@_max_pool2d.expose
def max_pool2d(
    input: TensorLike,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """2-D max pooling over an NCHW input, with PyTorch's semantics.

    Parameters
    ----------
    input : Tensor
        (N, C, H, W) or (C, H, W).
    kernel_size : int or (int, int)
        Window size.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Implicit ``-inf`` on both sides; at most half the effective kernel size.
    dilation : int or (int, int), default 1
        Spacing between window elements.
    ceil_mode : bool, default False
        Round the output size up: partial windows at the end are kept, except those that
        would start in the right/bottom padding.
    return_indices : bool, default False
        Also return the position of each maximum as a flat int64 index into its input
        plane (``row * W + col`` of the unpadded input), as PyTorch does.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        The maxima, (N, C, OH, OW) with
        ``OH = floor_or_ceil((H + 2 * padding - dilation * (KH - 1) - 1) / stride) + 1``;
        and the indices when asked. NaN propagates. The gradient of each window goes to
        its first maximum in row-major window order (one element per window).

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> x = ag.tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
    >>> F.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return _max_pool(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2
    )


@composite("nn.functional.max_pool1d", spec=specs.max_pool1d_spec, ref=specs.max_pool1d_ref)
def max_pool1d(
    input: TensorLike,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """1-D max pooling over an (N, C, L) or (C, L) input; see :func:`max_pool2d`.

    Shapes
    ------
    input : (N, C, L) or (C, L)
    out : (N, C, OL), indices (int64 positions along L) of the same shape
    """
    return _max_pool(
        "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1
    )


# ---------------------------------------------------------------------- average pooling
def _avg_scale(
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    output_size: Pair,
    count_include_pad: bool,
    divisor_override: int | None,
    dtype: np.dtype[Any],
) -> np.ndarray:
    return pu.avg_divisor(
        input_size, kernel_size, stride, padding, output_size, count_include_pad,
        divisor_override, dtype,
    )  # fmt: skip


@primitive("nn.functional.avg_pool2d", spec=specs.avg_pool2d_spec, ref=specs.avg_pool_ref, saves=())
def _avg_pool2d(
    x: np.ndarray,
    *,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    output_size: Pair,
    count_include_pad: bool,
    divisor_override: int | None,
) -> np.ndarray:
    scale = _avg_scale(
        (x.shape[2], x.shape[3]), kernel_size, stride, padding, output_size,
        count_include_pad, divisor_override, x.dtype,
    )  # fmt: skip
    return pu.avg_pool2d_forward(x, kernel_size, stride, padding, output_size, scale)


@_avg_pool2d.defvjp
def _avg_pool2d_vjp(
    g: Tensor,
    out: Tensor,
    x: Tensor,
    *,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    output_size: Pair,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Tensor:
    # linear: the VJP is the adjoint
    return _avg_pool2d_input_grad(
        g, input_size=x.shape[2:], kernel_size=kernel_size, stride=stride, padding=padding,
        count_include_pad=count_include_pad, divisor_override=divisor_override,
    )  # fmt: skip


@primitive(
    "nn.functional.avg_pool2d_input_grad",
    spec=specs.avg_input_grad_spec,
    ref=specs.avg_input_grad_ref,
    saves=(),
)
def _avg_pool2d_input_grad(
    g: np.ndarray,
    *,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    count_include_pad: bool,
    divisor_override: int | None,
) -> np.ndarray:
    """The adjoint of ``avg_pool2d``: each window's gradient / divisor spread over it."""
    size = pair(input_size)
    scale = _avg_scale(
        size, kernel_size, stride, padding, (g.shape[2], g.shape[3]), count_include_pad,
        divisor_override, g.dtype,
    )  # fmt: skip
    return pu.avg_pool2d_input_grad(g, size, kernel_size, stride, padding, scale)


@_avg_pool2d_input_grad.defvjp
def _avg_pool2d_input_grad_vjp(
    h: Tensor,
    out: Tensor,
    g: Tensor,
    *,
    input_size: Pair,
    kernel_size: Pair,
    stride: Pair,
    padding: Pair,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Tensor:
    # the adjoint of the adjoint is the forward
    return _avg_pool2d(
        h, kernel_size=kernel_size, stride=stride, padding=padding, output_size=g.shape[2:],
        count_include_pad=count_include_pad, divisor_override=divisor_override,
    )  # fmt: skip


def _avg_pool(
    op: str,
    input: TensorLike,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
    dims: int,
) -> Tensor:
    x = _tensor(input)
    xb, unbatched = _batched(op, x, dims)
    if divisor_override is not None and (
        not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0
    ):
        raise ValueError(f"{op}: divisor_override must be a nonzero int, got {divisor_override!r}")
    if dims == 1:
        xb = reshape(xb, (xb.shape[0], xb.shape[1], 1, xb.shape[2]))  # (N, C, L) -> (N, C, 1, L)
    geo = pu.pool_options(op, xb.shape, kernel_size, stride, padding, 1, ceil_mode, dims=dims)
    del geo["dilation"]
    out = _avg_pool2d(
        xb, **geo, count_include_pad=bool(count_include_pad), divisor_override=divisor_override
    )
    shape = out.shape
    if dims == 1:
        shape = (shape[0], shape[1], shape[3])
    if unbatched:
        shape = shape[1:]
    return reshape(out, shape)


@_avg_pool2d.expose
def avg_pool2d(
    input: TensorLike,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling over an NCHW input, with PyTorch's semantics.

    Parameters
    ----------
    input : Tensor
        (N, C, H, W) or (C, H, W).
    kernel_size : int or (int, int)
        Window size.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Implicit zeros on both sides; at most half the kernel size.
    ceil_mode : bool, default False
        Round the output size up (windows starting in the right/bottom padding dropped).
    count_include_pad : bool, default True
        Count the zero padding in the divisor. Either way, the cells a ``ceil_mode``
        window hangs past the padded input are never counted.
    divisor_override : int, optional
        Divide every window sum by this instead.

    Returns
    -------
    Tensor
        (N, C, OH, OW), ``OH = floor_or_ceil((H + 2 * padding - KH) / stride) + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> x = ag.tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
    >>> F.avg_pool2d(x, 2)
    tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """
    return _avg_pool(
        "avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
        divisor_override, 2,
    )  # fmt: skip


@composite("nn.functional.avg_pool1d", spec=specs.avg_pool1d_spec, ref=specs.avg_pool1d_ref)
def avg_pool1d(
    input: TensorLike,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-D average pooling over an (N, C, L) or (C, L) input; see :func:`avg_pool2d`.

    Shapes
    ------
    input : (N, C, L) or (C, L)
    out : (N, C, OL), ``OL = floor_or_ceil((L + 2 * padding - K) / stride) + 1``
    """
    return _avg_pool(
        "avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1
    )


# ---------------------------------------------------------------------- adaptive
@composite("nn.functional.adaptive_avg_pool2d", spec=specs.adaptive_spec, ref=specs.adaptive_ref)
def adaptive_avg_pool2d(
    input: TensorLike, output_size: int | tuple[int | None, int | None]
) -> Tensor:
    """2-D adaptive average pooling: the output size is given, the windows follow.

    Output cell ``(i, j)`` averages input rows ``floor(i H / OH)`` to ``ceil((i + 1) H / OH)``
    (exclusive) and likewise for columns, as in PyTorch; computed as
    ``A_h @ x @ A_w^T`` with small averaging matrices.

    Parameters
    ----------
    input : Tensor
        (N, C, H, W) or (C, H, W).
    output_size : int or (int or None, int or None)
        (OH, OW); None keeps the input's size along that axis.

    Returns
    -------
    Tensor
        (N, C, OH, OW) (or (C, OH, OW)).

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> F.adaptive_avg_pool2d(ag.tensor(np.ones((2, 8, 5, 5), dtype=np.float32)), 1).shape
    (2, 8, 1, 1)
    """
    x = _tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(
            "adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
            f"shape {x.shape}"
        )
    h, w = x.shape[-2:]
    oh, ow = pu.adaptive_size("adaptive_avg_pool2d", output_size, (h, w))
    if (oh, ow) == (h, w):
        return x
    a_h = Tensor(pu.adaptive_matrix(h, oh, x.dtype))
    a_w_t = Tensor(np.ascontiguousarray(pu.adaptive_matrix(w, ow, x.dtype).T))
    return matmul(matmul(a_h, x), a_w_t)  # (OH, H) @ (..., H, W) @ (W, OW)


@composite(
    "nn.functional.adaptive_max_pool2d", spec=specs.adaptive_max_spec, ref=specs.adaptive_max_ref
)
def adaptive_max_pool2d(
    input: TensorLike,
    output_size: int | tuple[int | None, int | None],
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """2-D adaptive max pooling: the maximum over PyTorch's adaptive windows.

    Output cell ``(i, j)`` takes the maximum of input rows ``floor(i H / OH)`` to
    ``ceil((i + 1) H / OH)`` (exclusive) and likewise for columns. The maxima are found
    in numpy, then gathered with ``take_along_axis``, so the gradient goes to each
    window's first maximum (row-major), as in :func:`max_pool2d`.

    Parameters
    ----------
    input : Tensor
        (N, C, H, W) or (C, H, W).
    output_size : int or (int or None, int or None)
        (OH, OW); None keeps the input's size along that axis.
    return_indices : bool, default False
        Also return each maximum's flat index into its H * W input plane.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        (N, C, OH, OW) (or (C, OH, OW)), and the int64 indices when asked.
    """
    x = _tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(
            "adaptive_max_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
            f"shape {x.shape}"
        )
    h, w = x.shape[-2:]
    if h == 0 or w == 0:
        raise ValueError(f"adaptive_max_pool2d: the input planes are empty (shape {x.shape})")
    size = pu.adaptive_size("adaptive_max_pool2d", output_size, (h, w))
    indices = pu.adaptive_max_indices(x.array, size)
    lead = x.shape[:-2]
    flat = reshape(x, (*lead, h * w))  # (..., H, W) -> (..., H * W)
    out = take_along_axis(flat, indices.reshape(*lead, -1), axis=-1)
    out = reshape(out, (*lead, *size))
    if return_indices:
        return out, Tensor(indices)
    return out
