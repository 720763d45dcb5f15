"""The softmax family: ``softmax`` and ``log_softmax`` along one dim, computed stably.

They are engine ops (``autograd_np.softmax``, ``Tensor.softmax``) and PyTorch's
``torch.nn.functional`` names at once: ``nn.functional`` re-exports these same functions,
and their registry entries keep the names ``nn.functional.softmax`` and
``nn.functional.log_softmax``. ``softmax_numpy`` and ``log_softmax_numpy`` are the plain
numpy forms, for references and fused kernels (cross-entropy).

Integer and bool inputs raise, as in PyTorch (pass ``dtype`` to convert); float16 sums in
float32. An empty input gives an empty output; a 0-d input is treated as one element.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from autograd_np.autograd import primitive
from autograd_np.creation import as_tensor
from autograd_np.dtypes import check_kind
from autograd_np.ops._axes import normalize_axis
from autograd_np.ops.arithmetic import multiply, subtract
from autograd_np.ops.reduction import sum as _sum
from autograd_np.ops.transcendental import exp
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["log_softmax", "softmax"]


def _softmax_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    x = s.array(shape, low=-3.0, high=3.0)
    return Sample((x,), {"dim": s.integers(-len(shape), len(shape) - 1)})


def log_softmax_numpy(x: np.ndarray, axis: int) -> np.ndarray:
    """``log_softmax`` of an array along ``axis``, in its dtype (float16 sums in float32)."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    acc = np.float32 if x.dtype == np.float16 else None  # float16 sums in float32 (PyTorch)
    total = np.sum(np.exp(shifted), axis=axis, keepdims=True, dtype=acc)
    return (shifted - np.log(total)).astype(x.dtype, copy=False)


def softmax_numpy(x: np.ndarray, axis: int) -> np.ndarray:
    """``softmax`` of an array along ``axis``, in its dtype (float16 sums in float32)."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    if x.dtype == np.float16:  # sum and divide in float32 (PyTorch), then back to float16
        return (e / np.sum(e, axis=axis, keepdims=True, dtype=np.float32)).astype(x.dtype)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


@primitive(
    "nn.functional.softmax",
    spec=_softmax_spec,
    ref=lambda x, dim: softmax_numpy(x, dim),
    saves=(),
    saves_output=True,
)
def _softmax(x: np.ndarray, *, axis: int) -> np.ndarray:
    return softmax_numpy(x, axis) if x.size else x.copy()  # empty in, empty out


@_softmax.defvjp
def _softmax_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: int) -> Tensor:
    # d softmax: gx = s * (g - sum(g * s))
    return multiply(out, subtract(g, _sum(multiply(g, out), axis, keepdims=True)))


@primitive(
    "nn.functional.log_softmax",
    spec=_softmax_spec,
    ref=lambda x, dim: log_softmax_numpy(x, dim),
    saves=(),
    saves_output=True,
)
def _log_softmax(x: np.ndarray, *, axis: int) -> np.ndarray:
    return log_softmax_numpy(x, axis) if x.size else x.copy()  # empty in, empty out


@_log_softmax.defvjp
def _log_softmax_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: int) -> Tensor:
    # d log_softmax: gx = g - softmax * sum(g)
    return subtract(g, multiply(exp(out), _sum(g, axis, keepdims=True)))


def _softmax_dim(op: str, dim: int | None, ndim: int) -> int:
    if dim is None:
        # PyTorch's legacy implicit choice, with the same deprecation warning
        warnings.warn(
            f"{op}: implicit dimension choice is deprecated; pass dim explicitly",
            UserWarning,
            stacklevel=3,
        )
        dim = 0 if ndim in (0, 1, 3) else 1
    if ndim == 0:
        if dim not in (0, -1):
            raise ValueError(f"{op}: dim {dim} is out of range for a 0-d tensor")
        return 0
    return normalize_axis(op, dim, ndim)


def _softmax_input(op: str, x: TensorLike, dtype: Any) -> Tensor:
    t = as_tensor(x)
    if dtype is not None:
        t = t.astype(dtype)
    check_kind(op, t)  # integers and bool raise, as in PyTorch (pass dtype= to convert)
    return t


@_softmax.expose
def softmax(input: TensorLike, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably (max subtracted first).

    Parameters
    ----------
    input : Tensor
        Any shape.
    dim : int
        The axis that sums to one. None is PyTorch's deprecated implicit choice (dim 0
        for 0-, 1- and 3-d inputs, else 1), with its warning.
    dtype : numpy dtype, optional
        Convert the input first.

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> F.softmax(ag.tensor([0.0, 0.0]), dim=0)
    tensor([0.5, 0.5])
    >>> ag.tensor([[0.0, 0.0]]).softmax(1), ag.softmax(ag.tensor([0.0]), 0)
    (tensor([[0.5, 0.5]]), tensor([1.]))
    """
    t = _softmax_input("softmax", input, dtype)
    axis = _softmax_dim("softmax", dim, t.ndim)
    if t.ndim == 0:
        return _softmax(t.reshape(1), axis=0).reshape(())
    return _softmax(t, axis=axis)


@_log_softmax.expose
def log_softmax(input: TensorLike, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: the log of :func:`softmax`, stable for any
    logits (``1e4`` and ``-1e4`` included).

    Parameters
    ----------
    input : Tensor
        Any shape.
    dim : int
        The axis to normalise over.
    dtype : numpy dtype, optional
        Convert the input first.
    """
    t = _softmax_input("log_softmax", input, dtype)
    axis = _softmax_dim("log_softmax", dim, t.ndim)
    if t.ndim == 0:
        return _log_softmax(t.reshape(1), axis=0).reshape(())
    return _log_softmax(t, axis=axis)
