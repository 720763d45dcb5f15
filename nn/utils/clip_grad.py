"""Gradient clipping, as ``torch.nn.utils``: by total norm and by value, in place."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd_np.autograd import increment_version
from autograd_np.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]

TensorOrTensors = Tensor | Iterable[Tensor]


def _as_list(name: str, tensors: TensorOrTensors) -> list[Tensor]:
    items = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: expected Tensors, got {type(t).__name__} at position {i}")
    return items


def _vector_norm(a: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of ``a`` flattened, as a 0-d array of ``a``'s dtype."""
    if a.size == 0:
        return np.zeros((), dtype=a.dtype)
    if p == 2.0:
        flat = a.ravel()
        return np.sqrt(np.dot(flat, flat))
    if p == math.inf:
        return np.max(np.abs(a))
    if p == -math.inf:
        return np.min(np.abs(a))
    if p == 0.0:
        return np.asarray(np.count_nonzero(a), dtype=a.dtype)
    if p == 1.0:
        return np.sum(np.abs(a))
    return np.sum(np.abs(a) ** p) ** (1.0 / p)


def get_total_norm(
    tensors: TensorOrTensors, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """The norm of all ``tensors`` together, as if concatenated into one vector.

    Parameters
    ----------
    tensors : Tensor or iterable of Tensor
        Usually the gradients of the parameters.
    norm_type : float, default 2.0
        The order p of the norm; ``inf`` for the largest absolute value.
    error_if_nonfinite : bool, default False
        Raise ``RuntimeError`` when the norm is NaN or infinite.

    Returns
    -------
    Tensor
        A 0-d tensor of the tensors' dtype (float32 0.0 when there are none).
    """
    arrays = [t.array for t in _as_list("get_total_norm", tensors)]
    if not arrays:
        return Tensor.from_array(np.zeros((), dtype=np.float32))
    p = float(norm_type)
    dtype = np.result_type(*arrays)
    norms = np.array([_vector_norm(a, p) for a in arrays], dtype=dtype)
    total = np.asarray(_vector_norm(norms, p), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {p} of the gradients is {total}, so they "
            "cannot be clipped; pass error_if_nonfinite=False to scale them by it anyway"
        )
    return Tensor.from_array(total)


def clip_grads_with_norm_(
    parameters: TensorOrTensors, max_norm: float, total_norm: Tensor | float
) -> None:
    """Scale the gradients in place by ``min(max_norm / (total_norm + 1e-6), 1)``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        The parameters whose ``.grad`` to scale (those without one are skipped).
    max_norm : float
        The largest total norm allowed.
    total_norm : Tensor or float
        The total norm of the gradients, from :func:`get_total_norm`.
    """
    params = [p for p in _as_list("clip_grads_with_norm_", parameters) if p.grad is not None]
    if not params:
        return
    total = total_norm.array if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = np.minimum(float(max_norm) / (total + 1e-6), 1.0)
    with np.errstate(invalid="ignore"):  # inf * 0 -> nan: the documented non-finite case
        for p in params:
            _scale_grad(p, coef)


def _scale_grad(p: Tensor, coef: np.ndarray) -> None:
    g = p.grad
    assert g is not None
    if g.array.flags.writeable:
        np.multiply(g.array, coef, out=g.array, casting="same_kind")
        increment_version(g)
    else:  # a read-only gradient array: replace it
        p.grad = Tensor.from_array((g.array * coef).astype(g.dtype))


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients in place so that their total norm is at most ``max_norm``.

    The total norm is that of all gradients concatenated into one vector; every gradient
    is multiplied by ``min(max_norm / (total_norm + 1e-6), 1)``, as in PyTorch.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        The parameters whose ``.grad`` to clip (those without one are skipped).
    max_norm : float
        The largest total norm allowed.
    norm_type : float, default 2.0
        The order p of the norm; ``inf`` for the largest absolute value.
    error_if_nonfinite : bool, default False
        Raise ``RuntimeError`` (leaving the gradients unchanged) when the total norm is NaN
        or infinite; otherwise the gradients are scaled by it anyway (becoming NaN).

    Returns
    -------
    Tensor
        The total norm of the gradients before clipping (0-d).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.nn.utils import clip_grad_norm_
    >>> w = ag.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()  # grad [6, 8], norm 10
    >>> clip_grad_norm_([w], max_norm=1.0)
    tensor(10.)
    >>> w.grad.array.round(4)
    array([0.6, 0.8], dtype=float32)
    """
    params = _as_list("clip_grad_norm_", parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: TensorOrTensors, clip_value: float) -> None:
    """Clip the gradients in place to ``[-clip_value, clip_value]``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        The parameters whose ``.grad`` to clip (those without one are skipped).
    clip_value : float
        The largest absolute value allowed.
    """
    cv = float(clip_value)
    for p in _as_list("clip_grad_value_", parameters):
        g = p.grad
        if g is None:
            continue
        if g.array.flags.writeable:
            np.clip(g.array, -cv, cv, out=g.array)
            increment_version(g)
        else:
            p.grad = Tensor.from_array(np.clip(g.array, -cv, cv))
