"""Batch normalization's math (PyTorch's ``F.batch_norm``), and its synchronised form for
``SyncBatchNorm``.

Batch norm in training is one primitive: the public function computes the per-channel mean
and inverse standard deviation in two numpy passes (float32 stays float32) and hands them to
the primitive, whose VJP is the closed form

    gx = inv_std / M * (M gxhat - sum(gxhat) - xhat * sum(gxhat * xhat)),  gxhat = g * weight

(M = N * H * W). When nothing records the backward it runs in numpy with in-place buffers;
with ``create_graph=True`` the same formula is built from differentiable ops, so double
backward works. :func:`sync_batch_norm` sums the statistics and the VJP's two per-channel
sums over the ranks of a process group as well. ``batch_norm_composed``
(mean/var/sqrt/divide from engine ops) is kept as the test oracle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.autograd import composite, grad_mode, primitive
from autograd_np.creation import as_tensor
from autograd_np.distributed.collectives import all_reduce as dist_all_reduce
from autograd_np.distributed.functional import all_reduce
from autograd_np.distributed.process_group import ProcessGroup
from autograd_np.nn.functional import _channels as ch
from autograd_np.nn.functional.normalization import (
    _channel_vector,
    _scale_shift,
    _scale_shift_ref,
)
from autograd_np.ops.arithmetic import add, multiply, reciprocal, sqrt, square, subtract
from autograd_np.ops.conversion import astype
from autograd_np.ops.reduction import mean as _mean
from autograd_np.ops.reduction import sum as _sum
from autograd_np.ops.shape import reshape
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler
from autograd_np.workspace import WORKSPACE

__all__ = ["batch_norm"]


@primitive("batch_norm", register=False, saves=(0, 1))
def _batch_norm_train(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray,
    *,
    mean: np.ndarray,
    invstd: np.ndarray,
    eps: float,
    group: ProcessGroup | None = None,
    count: int = 0,
) -> np.ndarray:
    """``(x - mean) * invstd * weight + bias`` with ``mean``/``invstd`` the batch statistics
    of ``x`` over every axis but 1 (and over the ranks of ``group``, ``count`` values per
    channel in all), computed by the caller; in x's memory layout."""
    scale = invstd * weight
    out = WORKSPACE.empty_like(x)
    ch.channel_op(np.multiply, x, scale, out)  # x * scale + (bias - mean * scale), two passes
    return ch.channel_op(np.add, out, bias - mean * scale, out)


@_batch_norm_train.defvjp
def _batch_norm_train_vjp(
    g: Tensor,
    out: Tensor,
    x: Tensor,
    weight: Tensor,
    bias: Tensor,
    *,
    mean: np.ndarray,
    invstd: np.ndarray,
    eps: float,
    group: ProcessGroup | None = None,
    count: int = 0,
) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    # gx = invstd/M (M gxhat - sum gxhat - xhat sum(gxhat xhat)), gw = sum(g xhat), gb = sum g
    # (with a group: M and the two sums in gx over every rank; gw, gb this rank's share)
    axes = (0, *range(2, x.ndim))
    if grad_mode.is_grad_enabled():
        # create_graph: the same formula in differentiable ops (batch statistics recomputed
        # from x inside the graph, so second derivatives see their dependence on x)
        m = count if group is not None else x.array.size // x.shape[1]

        def mean_of(t: Tensor) -> Tensor:  # per channel, over the batch (and the ranks)
            total = _sum(t, axes, keepdims=True)
            return (total if group is None else all_reduce(total, group=group)) * (1.0 / m)

        d = subtract(x, mean_of(x))
        inv = reciprocal(sqrt(add(mean_of(square(d)), eps)))
        xhat = multiply(d, inv)
        gxhat = multiply(g, reshape(weight, ch.per_channel(x.ndim, x.shape[1])))
        centred = subtract(gxhat, mean_of(gxhat))
        gx = multiply(inv, subtract(centred, multiply(xhat, mean_of(multiply(gxhat, xhat)))))
        gw = _sum(multiply(g, xhat), axes) if weight.requires_grad else None
        gb = _sum(g, axes) if bias.requires_grad else None
        return gx, gw, gb
    return _batch_norm_backward_numpy(
        g.array, x, weight, bias, mean=mean, invstd=invstd, group=group, count=count
    )


def _batch_norm_backward_numpy(
    g: np.ndarray,
    x: Tensor,
    weight: Tensor,
    bias: Tensor,
    *,
    mean: np.ndarray,
    invstd: np.ndarray,
    group: ProcessGroup | None = None,
    count: int = 0,
) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    """The closed-form VJP in numpy: two reductions and five passes, in x's dtype (with a
    group, the two reductions are also summed over its ranks, in one all-reduce).

    As PyTorch's CPU kernel, it works on the centred ``d = x - mean``:
    ``gx = k g + b d + c`` per channel. (The affine form in x itself, ``b x + (c - b
    mean)``, saves a pass, but computes ``sum(g xhat)`` as ``sum(g x) - mean sum(g)``,
    which cancels in float32 when the mean is large: 8x the error at mean/std = 30.)"""
    xd = x.array
    if ch.rows(xd) is not None:
        g = WORKSPACE.like(xd, g)  # one layout for every pass below
    d = ch.channel_op(np.subtract, xd, mean, WORKSPACE.empty_like(xd))
    sum_g = ch.channel_sum(g)
    sum_gxhat = ch.channel_sum(g, d) * invstd  # sum(g xhat), xhat = d invstd
    gx = None
    if x.requires_grad:
        m, all_g, all_gxhat = xd.size // xd.shape[1], sum_g, sum_gxhat
        if group is not None:  # the statistics span the ranks, so their gradients do too
            m = count
            _, (all_g, all_gxhat) = _sum_over_ranks(group, sum_g, sum_gxhat)
        k = invstd * weight.array  # gx = k (g - sum_g/M - xhat sum_gxhat/M)
        ch.channel_op(np.multiply, d, k * invstd * all_gxhat * (-1.0 / m), d)
        ch.channel_op(np.add, d, k * all_g * (-1.0 / m), d)
        d += ch.channel_op(np.multiply, g, k, WORKSPACE.empty_like(xd))
        gx = Tensor.from_array(d)
    gw = Tensor.from_array(sum_gxhat) if weight.requires_grad else None
    gb = Tensor.from_array(sum_g) if bias.requires_grad else None
    return gx, gw, gb


def _sum_over_ranks(
    group: ProcessGroup, *sums: np.ndarray, count: int = 0
) -> tuple[int, list[np.ndarray]]:
    """``sums`` (per-channel vectors) and ``count`` added over the ranks of ``group``, in one
    float64 all-reduce; the sums come back in their own dtypes."""
    buf = np.concatenate([*(np.asarray(v, dtype=np.float64) for v in sums), [float(count)]])
    dist_all_reduce(buf, group=group)
    out, start = [], 0
    for v in sums:
        out.append(buf[start : start + v.size].astype(v.dtype))
        start += v.size
    return int(buf[-1]), out


def _update_running(running: Tensor, batch: np.ndarray, momentum: float) -> None:
    """``running = (1 - momentum) running + momentum batch``, in place, outside the graph."""
    new = running.array * (1.0 - momentum) + batch.astype(running.dtype) * momentum
    with grad_mode.no_grad():
        running.copy_(new)


def _running(op: str, name: str, v: TensorLike | None, c: int) -> Tensor | None:
    if v is None:
        return None
    t = v if isinstance(v, Tensor) else Tensor(np.asarray(v))
    if t.shape != (c,):
        raise ValueError(f"{op}: {name} must have shape (C,) = ({c},), got {t.shape}")
    return t


def _batch_norm_spec(s: Sampler) -> Sample:
    ndim = s.choice([2, 3, 4])
    n, c = s.integers(2, 3), s.integers(1, 3)
    shape = (n, c, *(s.integers(1, 3) for _ in range(ndim - 2)))
    x = s.array(shape, low=-2.0, high=2.0)
    weight = s.array((c,), low=0.5, high=2.0) if s.boolean() else None
    bias = s.array((c,)) if s.boolean() else None
    training = s.boolean()
    rm = rv = None
    if not training:  # eval uses (and differentiates through) the running statistics
        rm, rv = s.array((c,), low=-1.0, high=1.0), s.array((c,), low=0.5, high=2.0)
    eps = s.choice([1e-5, 0.1])
    return Sample((x, rm, rv, weight, bias), {"training": training, "eps": eps})


def _batch_norm_ref(
    x: np.ndarray,
    rm: Any,
    rv: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> np.ndarray:
    axes = (0, *range(2, x.ndim))
    shape = ch.per_channel(x.ndim, x.shape[1])
    if training:
        mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    else:
        mean, var = np.reshape(rm, shape), np.reshape(rv, shape)
    return _scale_shift_ref((x - mean) / np.sqrt(var + eps), weight, bias, shape)


@composite("nn.functional.batch_norm", spec=_batch_norm_spec, ref=_batch_norm_ref)
def batch_norm(
    input: TensorLike,
    running_mean: TensorLike | None,
    running_var: TensorLike | None,
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel (axis 1) over the batch and spatial axes, then scale and shift.

    In training the batch statistics are used (biased variance), and ``running_mean`` /
    ``running_var``, when given, are updated in place outside the graph:
    ``running = (1 - momentum) running + momentum stat``, with the unbiased variance for
    ``running_var`` (as PyTorch). In evaluation the running statistics are used.

    Parameters
    ----------
    input : Tensor
        ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)`` (any ``(N, C, *)``).
    running_mean, running_var : Tensor or None
        ``(C,)``; required when ``training`` is False.
    weight, bias : Tensor, optional
        ``(C,)`` scale and shift.
    training : bool, default False
        Use (and record) batch statistics.
    momentum : float, default 0.1
        Weight of the new batch statistics in the running averages.
    eps : float, default 1e-5
        Added to the variance.

    Returns
    -------
    Tensor
        The input's shape.

    Shapes
    ------
    input (N, C, *), running stats / weight / bias (C,) -> output (N, C, *)

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> x = ag.tensor([[1.0], [3.0]])
    >>> rm, rv = ag.zeros(1), ag.ones(1)
    >>> F.batch_norm(x, rm, rv, training=True, eps=0.0)
    tensor([[-1.],
           [ 1.]])
    >>> rm, rv
    (tensor([0.2]), tensor([1.1]))
    """
    op = "batch_norm"
    x, rm, rv, w, b = _checked(op, input, running_mean, running_var, weight, bias)
    c = x.shape[1]
    if not training:
        if rm is None or rv is None:
            raise ValueError(f"{op}: running_mean and running_var are required when not training")
        # y = x * scale + shift, scale = w / sqrt(rv + eps), shift = b - rm * scale
        scale = reciprocal(sqrt(add(rv.astype(x.dtype), eps)))
        if w is not None:
            scale = multiply(scale, w)
        shift = multiply(rm.astype(x.dtype), scale)
        shift = subtract(b, shift) if b is not None else multiply(shift, -1.0)
        shape = ch.per_channel(x.ndim, c)
        return add(multiply(x, reshape(scale, shape)), reshape(shift, shape))
    return _train(op, x, rm, rv, w, b, momentum, eps, None)


def _checked(
    op: str,
    input: TensorLike,
    running_mean: TensorLike | None,
    running_var: TensorLike | None,
    weight: TensorLike | None,
    bias: TensorLike | None,
) -> tuple[Tensor, Tensor | None, Tensor | None, Tensor | None, Tensor | None]:
    """Batch norm's arguments as Tensors, checked: input (N, C, *), the others (C,) or None."""
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"{op}: input must have shape (N, C, *), got {x.shape}")
    c = x.shape[1]
    return (
        x,
        _running(op, "running_mean", running_mean, c),
        _running(op, "running_var", running_var, c),
        _channel_vector(op, "weight", weight, c),
        _channel_vector(op, "bias", bias, c),
    )


def _train(
    op: str,
    x: Tensor,
    rm: Tensor | None,
    rv: Tensor | None,
    w: Tensor | None,
    b: Tensor | None,
    momentum: float,
    eps: float,
    group: ProcessGroup | None,
) -> Tensor:
    """Batch norm with the batch statistics (summed over the ranks of ``group`` as well,
    when given), the running statistics updated."""
    c = x.shape[1]
    if x.dtype == np.float16:
        # statistics in float32, as PyTorch (a float16 channel sum overflows past 65504);
        # the running statistics stay float16
        def up(v: Tensor | None) -> Tensor | None:
            return None if v is None else astype(v, np.float32)

        out32 = _train(op, astype(x, np.float32), rm, rv, up(w), up(b), momentum, eps, group)
        return astype(out32, np.float16)
    xa = x.array
    m = xa.size // max(c, 1)
    sums = ch.channel_sum(xa) if m else np.zeros(c, dtype=xa.dtype)
    if group is not None:
        m, (sums,) = _sum_over_ranks(group, sums, count=m)
    if m == 0:  # an empty batch: an empty result, running statistics unchanged (PyTorch)
        return _scale_shift(x, w, b, ch.per_channel(x.ndim, c))
    if m == 1:
        where = f"input of shape {x.shape}" + (" over all ranks" if group is not None else "")
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got {where}")
    # two passes: the variance is the mean square of the centred values
    mean = sums * (1.0 / m)
    d = ch.channel_op(np.subtract, xa, mean, WORKSPACE.empty_like(xa))
    squares = ch.channel_sum(d, d)
    if group is not None:
        _, (squares,) = _sum_over_ranks(group, squares)
    var = squares * (1.0 / m)
    invstd = 1.0 / np.sqrt(var + np.asarray(eps, dtype=var.dtype))
    ones = Tensor.from_array(np.ones(c, dtype=x.dtype))
    zeros = Tensor.from_array(np.zeros(c, dtype=x.dtype))
    out = _batch_norm_train(
        x,
        w if w is not None else ones,
        b if b is not None else zeros,
        mean=mean,
        invstd=invstd,
        eps=float(eps),
        group=group,
        count=m,
    )
    if rm is not None:
        _update_running(rm, mean, momentum)
    if rv is not None:
        _update_running(rv, var * (m / (m - 1.0)), momentum)
    return out


def _sync_batch_norm_spec(s: Sampler) -> Sample:
    sample = _batch_norm_spec(s)
    x, _, _, weight, bias = sample.args
    # a group of this process alone: the sums over "all ranks" are this process's
    eps = sample.kwargs["eps"]
    return Sample((x, None, None, weight, bias, 0.1, eps), {"group": ProcessGroup()})


def _sync_batch_norm_ref(
    x: np.ndarray, rm: Any, rv: Any, weight: Any, bias: Any, momentum: float, eps: float, **_: Any
) -> np.ndarray:
    return _batch_norm_ref(x, None, None, weight, bias, True, momentum, eps)


@composite(
    "nn.functional.batchnorm.sync_batch_norm",
    spec=_sync_batch_norm_spec,
    ref=_sync_batch_norm_ref,
)
def sync_batch_norm(
    input: TensorLike,
    running_mean: TensorLike | None,
    running_var: TensorLike | None,
    weight: TensorLike | None,
    bias: TensorLike | None,
    momentum: float,
    eps: float,
    *,
    group: ProcessGroup,
) -> Tensor:
    """:func:`batch_norm` in training with the statistics of the batches of every rank of
    ``group`` (each rank calls it with its share of the global batch), as
    :class:`~autograd_np.nn.SyncBatchNorm` uses it.

    One all-reduce sums the per-channel sums and counts, a second the centred squares;
    backward sums the two per-channel reductions of its closed form over the ranks in one
    more (the weight and bias gradients stay this rank's share, which
    ``DistributedDataParallel`` averages). With ``create_graph=True`` the same formula runs
    in differentiable ops, the sums through a differentiable all-reduce.

    Shapes
    ------
    input (N, C, *), running stats / weight / bias (C,) -> output (N, C, *)
    """
    op = "SyncBatchNorm"
    x, rm, rv, w, b = _checked(op, input, running_mean, running_var, weight, bias)
    return _train(op, x, rm, rv, w, b, momentum, eps, group)


def batch_norm_composed(
    input: TensorLike,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """The test oracle: batch norm from engine ops (mean, var, sqrt, divide), no fusion."""
    x = as_tensor(input)
    c = x.shape[1]
    shape = ch.per_channel(x.ndim, c)
    axes = (0, *range(2, x.ndim))
    if training:
        mean = _mean(x, axes, keepdims=True)
        var = _mean(square(subtract(x, mean)), axes, keepdims=True)
        m = x.array.size // c
        with grad_mode.no_grad():
            if running_mean is not None:
                _update_running(running_mean, mean.array.reshape(c), momentum)
            if running_var is not None:
                _update_running(running_var, var.array.reshape(c) * (m / (m - 1.0)), momentum)
    else:
        assert running_mean is not None and running_var is not None
        mean, var = reshape(running_mean, shape), reshape(running_var, shape)
    return _scale_shift((x - mean) / sqrt(add(var, eps)), weight, bias, shape)
