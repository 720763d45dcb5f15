"""Flatten parameters into one vector and back, as ``torch.nn.utils``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from autograd_np.autograd import increment_version
from autograd_np.ops.joining import concatenate
from autograd_np.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the parameters, flattened, into one vector (differentiable).

    Parameters
    ----------
    parameters : iterable of Tensor
        The parameters, e.g. ``model.parameters()``.

    Returns
    -------
    Tensor
        Shape ``(sum of the parameters' sizes,)``.
    """
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return concatenate([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters, in place.

    Parameters
    ----------
    vec : Tensor
        A vector with as many elements as the parameters together.
    parameters : iterable of Tensor
        The parameters to overwrite (their arrays are changed in place, never rebound).
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-d vector, got shape {vec.shape}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if total != vec.shape[0]:
        raise ValueError(
            f"vector_to_parameters: the vector has {vec.shape[0]} elements but the parameters "
            f"have {total}"
        )
    start = 0
    for p in params:
        n = p.numel()
        np.copyto(p.array, vec.array[start : start + n].reshape(p.shape), casting="same_kind")
        increment_version(p)
        start += n
