"""``Flatten`` and ``Unflatten``: reshape layers."""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd_np.nn.modules.module import Module
from autograd_np.tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten the dims ``start_dim`` to ``end_dim`` (inclusive) into one.

    Parameters
    ----------
    start_dim : int, default 1
        The first dim to flatten (the batch dim 0 is kept by default).
    end_dim : int, default -1
        The last dim to flatten.

    Shapes
    ------
    input : (N, *dims); output : (N, prod(dims)) with the defaults.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.Flatten()(ag.zeros(32, 1, 5, 5)).shape
    (32, 25)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """``input`` with the dims ``start_dim..end_dim`` merged."""
        shape = input.shape
        nd = max(len(shape), 1)
        start = self.start_dim + nd if self.start_dim < 0 else self.start_dim
        end = self.end_dim + nd if self.end_dim < 0 else self.end_dim
        if not (0 <= start < nd and 0 <= end < nd):
            raise IndexError(
                f"Flatten: start_dim={self.start_dim} and end_dim={self.end_dim} are out of "
                f"range for an input with {len(shape)} dims"
            )
        if start > end:
            raise ValueError(
                f"Flatten: start_dim ({self.start_dim}) cannot come after end_dim "
                f"({self.end_dim}) for an input with {len(shape)} dims"
            )
        if len(shape) == 0:
            return input.reshape((1,))
        new_shape = (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])
        return input.reshape(new_shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into the shape ``unflattened_size`` (the inverse of Flatten).

    Parameters
    ----------
    dim : int
        The dim to expand.
    unflattened_size : sequence of int
        Its new shape; one entry may be -1 (inferred).

    Shapes
    ------
    input : (*, S, *); output : (*, *unflattened_size, *) with ``prod(unflattened_size) == S``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.Unflatten(1, (2, 5, 5))(ag.zeros(2, 50)).shape
    (2, 2, 5, 5)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(unflattened_size, (str, bytes)) or not isinstance(unflattened_size, Sequence):
            raise TypeError(
                "Unflatten: unflattened_size must be a tuple or list of ints, got "
                f"{type(unflattened_size).__name__}"
            )
        size = tuple(int(s) for s in unflattened_size)
        if sum(s == -1 for s in size) > 1 or any(s < -1 for s in size):
            raise ValueError(
                f"Unflatten: unflattened_size {size} may hold at most one -1 and no other "
                "negative sizes"
            )
        self.dim = dim
        self.unflattened_size = size

    def forward(self, input: Tensor) -> Tensor:
        """``input`` with dim ``dim`` reshaped to ``unflattened_size``."""
        shape = input.shape
        if not -len(shape) <= self.dim < len(shape):
            raise IndexError(
                f"Unflatten: dim {self.dim} is out of range for an input with {len(shape)} dims"
            )
        d = self.dim % len(shape)
        size = self.unflattened_size
        known = math.prod(s for s in size if s != -1)
        if (-1 in size and (known == 0 or shape[d] % known)) or (
            -1 not in size and known != shape[d]
        ):
            raise ValueError(
                f"Unflatten: unflattened_size {size} does not match size {shape[d]} of dim "
                f"{self.dim} (input shape {shape})"
            )
        return input.reshape((*shape[:d], *size, *shape[d + 1 :]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
