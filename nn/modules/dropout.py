"""Dropout layers: ``Dropout`` and ``Dropout2d``, each with its own random generator."""

from __future__ import annotations

import autograd_np.nn.functional as F
from autograd_np.nn.modules.module import Module
from autograd_np.random import GeneratorLike, as_generator
from autograd_np.tensor import Tensor

__all__ = ["Dropout", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(
        self, p: float = 0.5, inplace: bool = False, *, generator: GeneratorLike = None
    ) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = None if generator is None else as_generator(generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training mode, scaling the others by
    ``1 / (1 - p)``; the identity in evaluation mode.

    Parameters
    ----------
    p : float, default 0.5
        The probability of zeroing an element.
    inplace : bool, default False
        Accepted for compatibility with PyTorch code; the result is computed out of place
        (the input is left unchanged).
    generator : np.random.Generator or int, optional (keyword-only)
        The layer's own source of randomness, drawn from at each training call (an int
        seeds a new Generator; None draws from the default generator at each call, see
        ``autograd_np.manual_seed``). Two layers built with the
        same seed drop the same elements.

    Shapes
    ------
    input : any; output : the same.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> drop = nn.Dropout(0.5, generator=0)
    >>> y = drop(ag.ones(1000))
    >>> sorted(set(y.array.tolist()))
    [0.0, 2.0]
    >>> drop.eval()(ag.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.dropout`` with this layer's ``p``, mode and generator."""
        return F.dropout(input, self.p, self.training, generator=self.generator)


class Dropout2d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training mode (scaling the others by
    ``1 / (1 - p)``); the identity in evaluation mode. The parameters are those of
    :class:`Dropout`.

    Shapes
    ------
    input : (N, C, H, W) or (C, H, W); output : the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.dropout2d`` with this layer's ``p``, mode and generator."""
        return F.dropout2d(input, self.p, self.training, generator=self.generator)
