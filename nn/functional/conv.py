"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose1d``, ``conv_transpose2d`` (NCHW).

A convolution is bilinear, ``y = B(x, w)``, so three fused primitives close under the VJP:

* ``nn.functional.conv2d``: ``y = B(x, w)`` (im2col and one GEMM per group);
* ``nn.functional.conv2d_input_grad``: ``J_x^T g`` -- this *is* the transposed convolution;
* ``nn.functional.conv2d_weight_grad``: ``J_w^T g``.

The VJP of each is made of the three, so derivatives of any order go through a CNN. The
1-D functions run the 2-D primitives on a unit height. The numpy kernels live in
``conv_utils``; the slow composed oracle the tests compare with in ``_composed``.
"""

from __future__ import annotations

import numpy as np

from autograd_np.autograd import composite, primitive
from autograd_np.autograd.grad_mode import is_grad_enabled
from autograd_np.nn.functional import _channels as ch
from autograd_np.nn.functional import _conv_specs as specs
from autograd_np.nn.functional import conv_options as co
from autograd_np.nn.functional import conv_utils as cu
from autograd_np.ops.reduction import sum as reduce_sum
from autograd_np.ops.shape import reshape
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.workspace import WORKSPACE

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]

Pair = co.Pair
Quad = co.Quad
IntOrPair = int | tuple[int, ...]


def _tensor(x: TensorLike) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# ---------------------------------------------------------------------- the primitives
@primitive("nn.functional.conv2d", spec=specs.conv2d_spec, ref=specs.conv2d_ref)
def _conv2d(
    x: np.ndarray,
    w: np.ndarray,
    *,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    return cu.conv2d_forward(x, w, stride, padding, dilation, groups)


@_conv2d.deffwd
def _conv2d_fwd(
    x: np.ndarray,
    w: np.ndarray,
    *,
    needs_input_grad: tuple[bool, ...],
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """The output, and as residual the im2col columns of ``x`` (one array per batch
    slice) when the weight gradient will read them and they are small (at most
    ``cu.KEEP_COLUMNS_BYTES``): building them again would cost the small convolutions of
    a CNN a tenth of their step; large ones are rebuilt in slices, as PyTorch's CPU
    kernels do, so that training memory stays near the activations'."""
    keep = needs_input_grad[1]
    return cu.conv2d_forward_keeping_columns(x, w, stride, padding, dilation, groups, keep=keep)


@_conv2d.defvjp
def _conv2d_vjp(
    g: Tensor,
    out: Tensor,
    x: Tensor,
    w: Tensor,
    *,
    residuals: list[np.ndarray] | None,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> tuple[Tensor | None, Tensor | None]:
    # y = B(x, w): gx = J_x^T g (transposed conv), gw = J_w^T g
    opts = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    gw = None
    if w.requires_grad and residuals is not None and not is_grad_enabled():
        # first order: the same kernel on the columns the forward kept (no graph to record)
        geometry = (co.pair(w.shape[2:]), stride, padding, dilation, groups)
        gw = Tensor.from_array(
            cu.conv2d_weight_grad(x.array, g.array, *geometry, columns=residuals)
        )
    elif w.requires_grad:
        gw = _conv2d_weight_grad(x, g, kernel_size=w.shape[2:], **opts)
    gx = _conv2d_input_grad(g, w, input_size=x.shape[2:], **opts) if x.requires_grad else None
    return gx, gw


@primitive("nn.functional.conv2d_input_grad", spec=specs.input_grad_spec, ref=specs.input_grad_ref)
def _conv2d_input_grad(
    g: np.ndarray,
    w: np.ndarray,
    *,
    input_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    """``J_x^T g`` of ``conv2d``: the transposed convolution of ``g`` by ``w``."""
    return cu.conv2d_input_grad(g, w, co.pair(input_size), stride, padding, dilation, groups)


@_conv2d_input_grad.defvjp
def _conv2d_input_grad_vjp(
    h: Tensor,
    out: Tensor,
    g: Tensor,
    w: Tensor,
    *,
    input_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> tuple[Tensor | None, Tensor | None]:
    # J_x^T g is linear in g (adjoint: conv(h, w)) and in w (adjoint: J_w^T at (h, g))
    opts = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    gg = _conv2d(h, w, **opts) if g.requires_grad else None
    gw = _conv2d_weight_grad(h, g, kernel_size=w.shape[2:], **opts) if w.requires_grad else None
    return gg, gw


@primitive(
    "nn.functional.conv2d_weight_grad", spec=specs.weight_grad_spec, ref=specs.weight_grad_ref
)
def _conv2d_weight_grad(
    x: np.ndarray,
    g: np.ndarray,
    *,
    kernel_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    """``J_w^T g`` of ``conv2d``: the weight gradient."""
    return cu.conv2d_weight_grad(x, g, co.pair(kernel_size), stride, padding, dilation, groups)


@_conv2d_weight_grad.defvjp
def _conv2d_weight_grad_vjp(
    k: Tensor,
    out: Tensor,
    x: Tensor,
    g: Tensor,
    *,
    kernel_size: Pair,
    stride: Pair,
    padding: Quad,
    dilation: Pair,
    groups: int,
) -> tuple[Tensor | None, Tensor | None]:
    # J_w^T g is linear in x (adjoint: J_x^T at (g, k)) and in g (adjoint: conv(x, k))
    opts = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    gx = _conv2d_input_grad(g, k, input_size=x.shape[2:], **opts) if x.requires_grad else None
    gg = _conv2d(x, k, **opts) if g.requires_grad else None
    return gx, gg


# ---------------------------------------------------------------------- helpers
def _check_bias(op: str, bias: Tensor | None, channels: int) -> None:
    if bias is not None and bias.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {bias.shape}")


def _batched(op: str, x: Tensor, w: Tensor, dims: int) -> tuple[Tensor, bool]:
    """Check the ranks; add the batch axis to an unbatched input."""
    if w.ndim != dims + 2:
        raise ValueError(f"{op}: weight must be {dims + 2}-D, got shape {w.shape}")
    if x.ndim == dims + 1:
        return reshape(x, (1, *x.shape)), True
    if x.ndim != dims + 2:
        names = "(C, L) or (N, C, L)" if dims == 1 else "(C, H, W) or (N, C, H, W)"
        raise ValueError(
            f"{op}: expected a {dims + 1}-D or {dims + 2}-D input {names}, got shape {x.shape}"
        )
    return x, False


@primitive("nn.functional.conv_bias", register=False, saves=())
def _conv_bias(y: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``y + b`` with the (C,) bias along axis 1, in y's memory layout (a plain broadcast
    add loops over the C channels of a channels-last array at a time)."""
    out = WORKSPACE.empty_like(y, dtype=np.result_type(y, b))
    return ch.channel_op(np.add, y, b, out)


@_conv_bias.defvjp
def _conv_bias_vjp(g: Tensor, out: Tensor, y: Tensor, b: Tensor) -> tuple[Tensor, Tensor | None]:
    # d(y + b) = dy + sum of dy over every axis but the channels'
    gb = None
    if b.requires_grad:
        if is_grad_enabled():  # create_graph: a differentiable sum
            gb = reduce_sum(g, axis=(0, *range(2, g.ndim)))
        else:
            gb = Tensor.from_array(ch.channel_sum(g.array))
    return g, gb


def _add_bias(y: Tensor, bias: Tensor | None) -> Tensor:
    return y if bias is None else _conv_bias(y, bias)


# ---------------------------------------------------------------------- public functions
@_conv2d.expose
def conv2d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) over an NCHW input.

    Parameters
    ----------
    input : Tensor
        (N, C_in, H, W), or (C_in, H, W) without a batch axis.
    weight : Tensor
        (C_out, C_in / groups, KH, KW).
    bias : Tensor, optional
        (C_out,).
    stride : int or (int, int), default 1
        Step between windows.
    padding : int, (int, int), 'valid' or 'same', default 0
        Zeros added on both sides of each spatial axis. ``'same'`` keeps the input size
        (stride 1 only); when the total ``dilation * (kernel - 1)`` is odd the extra zero
        goes at the bottom/right, as in PyTorch. ``'valid'`` means no padding.
    dilation : int or (int, int), default 1
        Spacing between kernel elements.
    groups : int, default 1
        Split the channels into ``groups`` independent convolutions.

    Returns
    -------
    Tensor
        (N, C_out, OH, OW) (or (C_out, OH, OW) for an unbatched input), with
        ``OH = (H + 2 * padding - dilation * (KH - 1) - 1) // stride + 1`` and the same for W.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> x = ag.tensor(np.ones((1, 3, 5, 5), dtype=np.float32))
    >>> w = ag.tensor(np.ones((2, 3, 3, 3), dtype=np.float32))
    >>> F.conv2d(x, w, padding=1).shape
    (1, 2, 5, 5)
    """
    x, w = _tensor(input), _tensor(weight)
    b = None if bias is None else _tensor(bias)
    xb, unbatched = _batched("conv2d", x, w, 2)
    opts = co.conv2d_options("conv2d", xb.shape, w.shape, stride, padding, dilation, groups)
    _check_bias("conv2d", b, w.shape[0])
    y = _add_bias(_conv2d(xb, w, **opts), b)
    return reshape(y, y.shape[1:]) if unbatched else y


@composite("nn.functional.conv1d", spec=specs.conv1d_spec, ref=specs.conv1d_ref)
def conv1d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation) over an (N, C, L) input.

    Parameters are those of :func:`conv2d` for one spatial axis.

    Shapes
    ------
    input : (N, C_in, L) or (C_in, L)
    weight : (C_out, C_in / groups, K)
    bias : (C_out,)
    out : (N, C_out, OL), ``OL = (L + 2 * padding - dilation * (K - 1) - 1) // stride + 1``
    """
    x, w = _tensor(input), _tensor(weight)
    b = None if bias is None else _tensor(bias)
    xb, unbatched = _batched("conv1d", x, w, 1)
    n, c, length = xb.shape
    o, cg, k = w.shape
    x4 = reshape(xb, (n, c, 1, length))  # (N, C, L) -> (N, C, 1, L)
    w4 = reshape(w, (o, cg, 1, k))
    opts = co.conv2d_options(
        "conv1d", x4.shape, w4.shape, stride, padding, dilation, groups, dims=1
    )
    _check_bias("conv1d", b, o)
    y = _conv2d(x4, w4, **opts)
    y = _add_bias(reshape(y, (n, o, y.shape[3])), b)
    return reshape(y, y.shape[1:]) if unbatched else y


# ---------------------------------------------------------------------- transposed
@composite(
    "nn.functional.conv_transpose2d",
    spec=specs.conv_transpose2d_spec,
    ref=specs.conv_transpose2d_ref,
)
def conv_transpose2d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
) -> Tensor:
    """2-D transposed convolution ("deconvolution"): the adjoint of :func:`conv2d`.

    Parameters
    ----------
    input : Tensor
        (N, C_in, H, W) or (C_in, H, W).
    weight : Tensor
        (C_in, C_out / groups, KH, KW), PyTorch's layout.
    bias : Tensor, optional
        (C_out,).
    stride, padding, dilation : int or (int, int)
        Those of the convolution this one transposes (``padding`` removes
        ``dilation * (K - 1) - padding`` ... as in PyTorch: it crops the output).
    output_padding : int or (int, int), default 0
        Extra rows/columns at the bottom/right of the output, to pick among the output
        sizes a strided convolution maps to the same input size; must be smaller than
        the stride or the dilation.
    groups : int, default 1
        Blocked connections from input to output channels.

    Returns
    -------
    Tensor
        (N, C_out, OH, OW) with
        ``OH = (H - 1) * stride - 2 * padding + dilation * (KH - 1) + output_padding + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> x = ag.tensor(np.ones((1, 4, 3, 3), dtype=np.float32))
    >>> w = ag.tensor(np.ones((4, 2, 3, 3), dtype=np.float32))
    >>> F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1).shape
    (1, 2, 6, 6)
    """
    x, w = _tensor(input), _tensor(weight)
    b = None if bias is None else _tensor(bias)
    xb, unbatched = _batched("conv_transpose2d", x, w, 2)
    size, opts = co.transpose_options(
        "conv_transpose2d", xb.shape, w.shape, stride, padding, output_padding, groups,
        dilation, 2,
    )  # fmt: skip
    _check_bias("conv_transpose2d", b, w.shape[1] * opts["groups"])
    y = _add_bias(_conv2d_input_grad(xb, w, input_size=size, **opts), b)
    return reshape(y, y.shape[1:]) if unbatched else y


@composite(
    "nn.functional.conv_transpose1d",
    spec=specs.conv_transpose1d_spec,
    ref=specs.conv_transpose1d_ref,
)
def conv_transpose1d(
    input: TensorLike,
    weight: TensorLike,
    bias: TensorLike | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    output_padding: int | tuple[int] = 0,
    groups: int = 1,
    dilation: int | tuple[int] = 1,
) -> Tensor:
    """1-D transposed convolution: the adjoint of :func:`conv1d`.

    Parameters are those of :func:`conv_transpose2d` for one spatial axis.

    Shapes
    ------
    input : (N, C_in, L) or (C_in, L)
    weight : (C_in, C_out / groups, K)
    out : (N, C_out, OL), ``OL = (L - 1) * stride - 2 * padding + dilation * (K - 1)
    + output_padding + 1``
    """
    x, w = _tensor(input), _tensor(weight)
    b = None if bias is None else _tensor(bias)
    xb, unbatched = _batched("conv_transpose1d", x, w, 1)
    n, c, length = xb.shape
    x4 = reshape(xb, (n, c, 1, length))  # (N, C, L) -> (N, C, 1, L)
    w4 = reshape(w, (w.shape[0], w.shape[1], 1, w.shape[2]))
    size, opts = co.transpose_options(
        "conv_transpose1d", x4.shape, w4.shape, stride, padding, output_padding, groups,
        dilation, 1,
    )  # fmt: skip
    _check_bias("conv_transpose1d", b, w.shape[1] * opts["groups"])
    y = _conv2d_input_grad(x4, w4, input_size=size, **opts)
    y = _add_bias(reshape(y, (n, y.shape[1], y.shape[3])), b)
    return reshape(y, y.shape[1:]) if unbatched else y
