"""The affine map of ``nn.Linear``: ``y = x W^T + b``."""

from __future__ import annotations

import numpy as np

from autograd_np.autograd import composite
from autograd_np.ops.arithmetic import add
from autograd_np.ops.linalg import matmul
from autograd_np.ops.shape import reshape, transpose
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["linear"]


def _linear_spec(s: Sampler) -> Sample:
    lead = s.shape(min_dims=0, max_dims=2, max_side=3)
    n_in, n_out = s.integers(1, 4), s.integers(1, 4)
    x = s.array((*lead, n_in))
    w = s.array((n_out, n_in))
    if s.boolean():
        return Sample((x, w, s.array((n_out,))))
    return Sample((x, w))


def _linear_ref(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    y = x @ w.T
    return y if b is None else y + b


@composite("nn.functional.linear", spec=_linear_spec, ref=_linear_ref)
def linear(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None) -> Tensor:
    """Apply ``y = x W^T + b`` over the last axis of ``input``.

    Parameters
    ----------
    input : Tensor
        ``(*, in_features)``: any number of leading (batch) axes.
    weight : Tensor
        ``(out_features, in_features)``.
    bias : Tensor, optional
        ``(out_features,)``.

    Returns
    -------
    Tensor
        ``(*, out_features)``.

    Shapes
    ------
    input (*, in), weight (out, in), bias (out,) -> output (*, out)

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> F.linear(ag.ones((2, 3)), ag.ones((4, 3)), ag.zeros(4)).shape
    (2, 4)
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    if w.ndim != 2:
        raise ValueError(
            f"linear: weight must have shape (out_features, in_features), got {w.shape}"
        )
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not match weight of shape {w.shape}: "
            f"expected the last axis of input to have length in_features={w.shape[1]}"
        )
    b = None
    if bias is not None:
        b = bias if isinstance(bias, Tensor) else Tensor(bias)
        if b.shape != (w.shape[0],):
            raise ValueError(
                f"linear: bias must have shape (out_features,) = ({w.shape[0]},), got {b.shape}"
            )
    lead = x.shape[:-1]
    # (*, in) -> (M, in): one matrix product, so the weight gradient is a single x^T g
    rows = int(np.prod(lead, dtype=np.int64))  # explicit: -1 is ambiguous for 0 features
    x2 = x if x.ndim == 2 else reshape(x, (rows, w.shape[1]))
    y = matmul(x2, transpose(w))
    if b is not None:
        y = add(y, b)
    if x.ndim != 2:
        y = reshape(y, (*lead, w.shape[0]))  # (M, out) -> (*, out)
    return y
