"""Classification losses with PyTorch's semantics and ``reduction='mean' | 'sum' | 'none'``:
``binary_cross_entropy`` (and ``_with_logits``) for binary targets, ``nll_loss`` and
``cross_entropy`` for class indices or class probabilities.

Cross-entropy with class indices is one fused primitive (log-softmax, pick, label smoothing
and weights in a single numpy pass, VJP ``softmax - onehot`` scaled); its composed version
``cross_entropy_composed`` (log_softmax + nll_loss) is kept as the test oracle. The other
losses are composites of engine ops. Their sample specifications and numpy references are in
``_loss_specs.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.autograd import composite, grad_mode, primitive
from autograd_np.creation import as_tensor
from autograd_np.nn.functional._loss_specs import (
    _bce_logits_ref,
    _bce_logits_spec,
    _bce_ref,
    _bce_spec,
    _class_ref,
    _cross_entropy_spec,
    _nll_spec,
)
from autograd_np.nn.functional._loss_utils import check_reduction, check_target_shape, reduce_loss
from autograd_np.nn.functional.activation import softplus
from autograd_np.ops.arithmetic import add, multiply, negative, subtract
from autograd_np.ops.piecewise import where
from autograd_np.ops.reduction import sum as _sum
from autograd_np.ops.shape import reshape
from autograd_np.ops.softmax_family import log_softmax, softmax, softmax_numpy
from autograd_np.ops.transcendental import log
from autograd_np.tensor import Tensor, TensorLike

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
]


# ---------------------------------------------------------------------- binary targets
def _clamped_log(x: Tensor) -> Tensor:
    """``max(log x, -100)`` (PyTorch's clamp in binary_cross_entropy), differentiable, and
    never evaluating ``log 0``."""
    positive = x.array > np.exp(-100.0)
    safe = where(positive, x, 1.0)
    return where(positive, log(safe), -100.0)


def _weight(op: str, weight: TensorLike | None, x: Tensor) -> Tensor | None:
    if weight is None:
        return None
    w = as_tensor(weight)
    try:
        np.broadcast_shapes(w.shape, x.shape)
    except ValueError:
        raise ValueError(
            f"{op}: weight of shape {w.shape} does not broadcast with input of shape {x.shape}"
        ) from None
    return w.astype(x.dtype) if w.dtype != x.dtype and not w.requires_grad else w


@composite("nn.functional.binary_cross_entropy", spec=_bce_spec, ref=_bce_ref)
def binary_cross_entropy(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    *,
    reduction: str = "mean",
) -> Tensor:
    """``-w (t log x + (1 - t) log(1 - x))`` for probabilities ``x``, each log clamped at
    -100 (as PyTorch), reduced.

    Parameters
    ----------
    input : Tensor
        Probabilities in ``[0, 1]``.
    target : Tensor
        The same shape, values in ``[0, 1]``.
    weight : Tensor, optional
        Broadcast against the elementwise loss.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Notes
    -----
    Gradients are those of the clamped forward: at ``input`` exactly 0 or 1 they are finite
    (PyTorch's own backward gives 0 for the input and inf for the target there).
    """
    check_reduction("binary_cross_entropy", reduction)
    x, t = as_tensor(input), as_tensor(target)
    check_target_shape("binary_cross_entropy", x, t, strict=True)
    for name, v in (("input", x), ("target", t)):  # NaN is outside too, as in PyTorch
        if not np.all((v.array >= 0) & (v.array <= 1)):
            raise ValueError(f"binary_cross_entropy: all elements of {name} must be in [0, 1]")
    loss = negative(
        add(multiply(t, _clamped_log(x)), multiply(subtract(1.0, t), _clamped_log(1.0 - x)))
    )
    w = _weight("binary_cross_entropy", weight, x)
    if w is not None:
        loss = multiply(loss, w)
    return reduce_loss(loss, reduction)


@composite(
    "nn.functional.binary_cross_entropy_with_logits", spec=_bce_logits_spec, ref=_bce_logits_ref
)
def binary_cross_entropy_with_logits(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    *,
    reduction: str = "mean",
    pos_weight: TensorLike | None = None,
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from the logits:
    ``w (pos_weight t softplus(-x) + (1 - t) softplus(x))``, reduced.

    Parameters
    ----------
    input : Tensor
        Logits, any shape.
    target : Tensor
        The same shape, values in ``[0, 1]``.
    weight : Tensor, optional
        Broadcast against the elementwise loss.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    pos_weight : Tensor, optional
        Weight of the positive term, broadcast against the target (e.g. ``(C,)`` for the
        last axis).
    """
    op = "binary_cross_entropy_with_logits"
    check_reduction(op, reduction)
    x, t = as_tensor(input), as_tensor(target)
    check_target_shape(op, x, t, strict=True)
    inf = float("inf")  # no threshold: the exact, overflow-free softplus
    pos = multiply(t, softplus(negative(x), threshold=inf))
    pw = _weight(op, pos_weight, x)
    if pw is not None:
        pos = multiply(pos, pw)
    loss = add(pos, multiply(subtract(1.0, t), softplus(x, threshold=inf)))
    w = _weight(op, weight, x)
    if w is not None:
        loss = multiply(loss, w)
    return reduce_loss(loss, reduction)


# ---------------------------------------------------------------------- class-index targets
def _class_axis(x: Tensor) -> int:
    """The class axis of an input of shape (N, C, *) or (C,)."""
    return 0 if x.ndim == 1 else 1


def _class_target(op: str, x: Tensor, target: TensorLike, ignore_index: int) -> np.ndarray:
    """Validate class indices against ``x`` of shape (N, C, *) or (C,): integer dtype, the
    shape (N, *) or (), and values in ``[0, C)`` unless equal to ``ignore_index``."""
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: target must hold integer class indices (int64), got dtype {t.dtype}"
        )
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    expected = () if x.ndim == 1 else (x.shape[0], *x.shape[2:])
    if t.shape != expected:
        raise ValueError(
            f"{op}: target of shape {t.shape} does not match input of shape {x.shape}; "
            f"expected target shape {expected}"
        )
    n_classes = x.shape[_class_axis(x)]
    bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
    if bad.any():
        raise IndexError(
            f"{op}: target value {int(t[bad].reshape(-1)[0])} is out of range for "
            f"{n_classes} classes (expected 0 <= target < {n_classes}, or "
            f"ignore_index={ignore_index})"
        )
    return t.astype(np.int64, copy=False)


def _class_weight(op: str, weight: TensorLike | None, n: int, dtype: Any) -> np.ndarray | None:
    if weight is None:
        return None
    if isinstance(weight, Tensor):
        if weight.requires_grad:
            raise ValueError(
                f"{op}: weight cannot require grad (the loss is not differentiable with respect "
                "to it, as in PyTorch); pass weight.detach()"
            )
        w = weight.array
    else:
        w = np.asarray(weight)
    if w.shape != (n,):
        raise ValueError(f"{op}: weight must have shape (C,) = ({n},), got {w.shape}")
    return w.astype(dtype, copy=False)


def _batched(x: Tensor, t: np.ndarray) -> tuple[Tensor, np.ndarray]:
    """Unbatched (C,) input and () target -> (1, C) and (1,)."""
    if x.ndim == 1:
        return reshape(x, (1, x.shape[0])), t.reshape(1)
    return x, t


def _class_coefficients(
    t: np.ndarray, weight: np.ndarray | None, ignore_index: int, dtype: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The indices with ignored ones set to 0, their weights (0 where ignored), the mask."""
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    w_t = valid.astype(dtype) if weight is None else weight[safe] * valid
    return safe, w_t.astype(dtype, copy=False), valid


def _classes_axis(g: Tensor | np.ndarray) -> Any:
    """(N, *) -> (N, 1, *): a per-position value broadcast along the class axis."""
    if isinstance(g, Tensor):
        return reshape(g, (g.shape[0], 1, *g.shape[1:]))
    return np.expand_dims(g, 1)


def _weight_along_classes(w: np.ndarray, ndim: int) -> np.ndarray:
    """Per-class weights broadcast against an input of ``ndim`` dims."""
    if ndim == 1:
        return w
    return w.reshape((1, w.shape[0]) + (1,) * (ndim - 2))  # (C,) -> (1, C, 1, ...)


def _mean_over_weights(loss: Tensor, w_t: np.ndarray) -> Tensor:
    """PyTorch's weighted mean: the sum divided by the total weight of the kept targets
    (nan when every target is ignored)."""
    total = float(np.sum(w_t, dtype=np.float64))
    return multiply(_sum(loss), 1.0 / total if total != 0 else float("nan"))


def _reduce_class_loss(loss: Tensor, w_t: np.ndarray, reduction: str, unbatched: bool) -> Tensor:
    """The per-position losses of nll_loss or cross_entropy, reduced: the weighted mean,
    the sum, or the losses (0-d for an unbatched input)."""
    if reduction == "mean":
        return _mean_over_weights(loss, w_t)
    if reduction == "sum":
        return _sum(loss)
    return reshape(loss, ()) if unbatched else loss


@primitive(
    "nn.functional.nll_loss",
    spec=_nll_spec,
    ref=lambda x, t, **kw: _class_ref(x, t, **kw, log_probs=True),
    saves=(),
)
def _nll(x: np.ndarray, *, target: np.ndarray, w_t: np.ndarray) -> np.ndarray:
    # x (N, C, *), target and w_t (N, *) -> (N, *)
    return -(w_t * np.take_along_axis(x, target[:, None], axis=1)[:, 0])


@_nll.defvjp
def _nll_vjp(g: Tensor, out: Tensor, x: Tensor, *, target: np.ndarray, w_t: np.ndarray) -> Tensor:
    # d(-w_t x[t]) = -w_t onehot(t) dx
    classes = np.arange(x.shape[1]).reshape((1, -1) + (1,) * (x.ndim - 2))
    coef = (classes == target[:, None]) * -_classes_axis(w_t)
    return multiply(_classes_axis(g), Tensor.from_array(coef.astype(g.dtype)))


@_nll.expose
def nll_loss(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """The negative log-likelihood ``-weight[t] * input[n, t]`` of log-probabilities.

    Parameters
    ----------
    input : Tensor
        Log-probabilities, ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
    target : int Tensor or array
        Class indices, ``(N,)``, ``(N, d1, ...)`` or ``()``, in ``[0, C)`` or equal to
        ``ignore_index``.
    weight : Tensor, optional
        ``(C,)``, a weight per class (not differentiated, as in PyTorch).
    ignore_index : int, default -100
        Targets equal to it add nothing, neither to the loss nor to the mean's divisor.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'mean'`` divides by the total weight of the kept targets (nan if all are ignored).

    Shapes
    ------
    input (N, C, *), target (N, *) -> (N, *) for 'none', else ()
    """
    check_reduction("nll_loss", reduction)
    x = as_tensor(input)
    t = _class_target("nll_loss", x, target, ignore_index)
    w = _class_weight("nll_loss", weight, x.shape[_class_axis(x)], x.dtype)
    unbatched = x.ndim == 1
    x, t = _batched(x, t)
    safe, w_t, _ = _class_coefficients(t, w, ignore_index, x.dtype)
    return _reduce_class_loss(_nll(x, target=safe, w_t=w_t), w_t, reduction, unbatched)


@primitive("nn.functional.cross_entropy", spec=_cross_entropy_spec, ref=_class_ref, saves=(0,))
def _cross_entropy_indices(
    x: np.ndarray,
    *,
    target: np.ndarray,
    a: np.ndarray,
    b: np.ndarray | None,
    weight: np.ndarray | None,
) -> np.ndarray:
    """Fused log-softmax + pick + label smoothing, per position:
    ``-a logp[t] - b sum_c w_c logp[c]``, where ``logp = x - logsumexp(x)`` over axis 1.

    Shapes: x (N, C, *); target, a, b (N, *) -> (N, *).
    """
    shifted = x - np.max(x, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(shifted), axis=1))  # (N, *)
    loss = a * (lse - np.take_along_axis(shifted, target[:, None], axis=1)[:, 0])
    if b is not None:
        if weight is None:
            total = np.sum(shifted, axis=1) - lse * x.shape[1]
        else:
            total = np.sum(shifted * _weight_along_classes(weight, x.ndim), axis=1)
            total -= lse * float(np.sum(weight))
        loss -= b * total
    return loss


@_cross_entropy_indices.defvjp
def _cross_entropy_vjp(
    g: Tensor,
    out: Tensor,
    x: Tensor,
    *,
    target: np.ndarray,
    a: np.ndarray,
    b: np.ndarray | None,
    weight: np.ndarray | None,
) -> Tensor:
    # gx = g [(a + b W) softmax(x) - a onehot(t) - b w],  W = sum_c w_c
    n_classes = x.shape[1]
    total_w = float(n_classes if weight is None else np.sum(weight))
    coef = a if b is None else a + b * total_w
    w_b: Any = 1.0 if weight is None else _weight_along_classes(weight, x.ndim)
    if not grad_mode.is_grad_enabled():
        # nothing records this backward: one numpy pass, no dense one-hot
        gd = g.array
        gx = softmax_numpy(x.array, 1)
        gx *= _classes_axis(gd * coef)
        index = target[:, None]
        picked = np.take_along_axis(gx, index, axis=1)
        np.put_along_axis(gx, index, picked - _classes_axis(gd * a), axis=1)
        if b is not None:
            gx -= _classes_axis(gd * b) * w_b
        return Tensor.from_array(gx)
    # create_graph: the same in differentiable ops (the constant part is a dense one-hot)
    classes = np.arange(n_classes).reshape((1, -1) + (1,) * (x.ndim - 2))
    const = (classes == target[:, None]) * _classes_axis(a)
    if b is not None:
        const = const + _classes_axis(b) * w_b
    gexp = _classes_axis(g)
    scaled = multiply(gexp, Tensor.from_array(_classes_axis(coef).astype(g.dtype)))
    return subtract(
        multiply(softmax(x, 1), scaled), multiply(gexp, Tensor.from_array(const.astype(g.dtype)))
    )


@_cross_entropy_indices.expose
def cross_entropy(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """The cross-entropy between ``softmax(input)`` over the class axis and the target.

    With class indices the per-position loss is
    ``-(1 - eps) w[t] logp[t] - (eps / C) sum_c w[c] logp[c]`` (0 where ``t ==
    ignore_index``), and ``'mean'`` divides the sum by the total ``w[t]`` of the kept
    targets. With class probabilities (a float target of the input's shape) it is
    ``-sum_c w[c] q[c] logp[c]`` with ``q = (1 - eps) target + eps / C``, and ``'mean'``
    divides by the number of positions. This is PyTorch's definition; it is computed by one
    fused, stable primitive for class indices.

    Parameters
    ----------
    input : Tensor
        Logits, ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
    target : Tensor
        Class indices (integers) of shape ``(N,)``, ``(N, d1, ...)`` or ``()``; or class
        probabilities (floats) of the input's shape.
    weight : Tensor, optional
        ``(C,)``, a weight per class (not differentiated, as in PyTorch).
    ignore_index : int, default -100
        For class indices: targets equal to it are left out.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    label_smoothing : float, default 0.0
        ``eps`` in ``[0, 1]``: mix the target with the uniform distribution.

    Shapes
    ------
    input (N, C, *), target (N, *) or (N, C, *) -> (N, *) for 'none', else ()

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> logits = ag.tensor([[2.0, 0.0, 0.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, ag.tensor([0]))
    >>> round(loss.item(), 4)
    0.2395
    """
    op = "cross_entropy"
    check_reduction(op, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    x = as_tensor(input)
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    n_classes = x.shape[_class_axis(x)]
    w = _class_weight(op, weight, n_classes, x.dtype)
    t_data = target.array if isinstance(target, Tensor) else np.asarray(target)
    if t_data.dtype.kind == "f" and t_data.shape != x.shape:
        raise TypeError(
            f"{op}: target must hold integer class indices (int64), got dtype "
            f"{t_data.dtype} and shape {t_data.shape}; a float target holds class "
            f"probabilities and must have the input's shape {x.shape}"
        )
    if t_data.dtype.kind == "f":
        return _cross_entropy_probabilities(x, as_tensor(target), w, reduction, label_smoothing)
    t = _class_target(op, x, target, ignore_index)
    unbatched = x.ndim == 1
    x, t = _batched(x, t)
    safe, w_t, valid = _class_coefficients(t, w, ignore_index, x.dtype)
    a = w_t * (1.0 - label_smoothing) if label_smoothing else w_t
    b = valid.astype(x.dtype) * (label_smoothing / n_classes) if label_smoothing else None
    loss = _cross_entropy_indices(x, target=safe, a=a, b=b, weight=w)
    return _reduce_class_loss(loss, w_t, reduction, unbatched)


def _cross_entropy_probabilities(
    x: Tensor, t: Tensor, w: np.ndarray | None, reduction: str, eps: float
) -> Tensor:
    axis = _class_axis(x)
    n_classes = x.shape[axis]
    q = add(multiply(t, 1.0 - eps), eps / n_classes) if eps else t
    if w is not None:
        q = multiply(q, _weight_along_classes(w, x.ndim))
    return reduce_loss(negative(_sum(multiply(q, log_softmax(x, axis)), axis)), reduction)


def cross_entropy_composed(
    input: TensorLike,
    target: TensorLike,
    weight: TensorLike | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """The test oracle for the fused class-index path: ``log_softmax`` then ``nll_loss``,
    plus the smoothing term, composed as in PyTorch's own implementation."""
    x = as_tensor(input)
    axis = _class_axis(x)
    n_classes = x.shape[axis]
    logp = log_softmax(x, axis)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return nll
    t = _class_target("cross_entropy", x, target, ignore_index)
    valid = Tensor.from_array((t != ignore_index).astype(x.dtype))
    w = _class_weight("cross_entropy", weight, n_classes, x.dtype)
    weighted = logp
    if w is not None:
        weighted = multiply(logp, _weight_along_classes(w, x.ndim))
    smooth = multiply(negative(_sum(weighted, axis)), valid)
    if reduction == "mean":
        _, w_t, _ = _class_coefficients(t.reshape(-1), w, ignore_index, x.dtype)
        smooth_red = _mean_over_weights(smooth, w_t)
    else:
        smooth_red = reduce_loss(smooth, reduction)
    return add(
        multiply(nll, 1.0 - label_smoothing), multiply(smooth_red, label_smoothing / n_classes)
    )
