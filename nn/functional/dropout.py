"""Dropout: zero elements (or whole channels) at random and scale the rest by ``1/(1-p)``.

Randomness comes only from the ``generator`` the caller passes (an ``np.random.Generator``
or an int seed; None draws from the default generator that ``manual_seed`` seeds): an
``nn.Dropout`` built with a generator owns it. The mask is a constant of the graph, so
gradients (of any order) are ``g * mask``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from autograd_np.autograd import composite
from autograd_np.ops.arithmetic import multiply
from autograd_np.random import GeneratorLike, as_generator
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["dropout", "dropout1d", "dropout2d"]


def _check_p(op: str, p: float) -> float:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability p must be in [0, 1], got {p}")
    return float(p)


def _mask(shape: tuple[int, ...], p: float, dtype: Any, generator: GeneratorLike) -> np.ndarray:
    """Keep each entry with probability ``1 - p``; kept entries are ``1 / (1 - p)``."""
    if p == 1.0:
        return np.zeros(shape, dtype=dtype)
    rng = as_generator(generator)
    keep = rng.random(shape, dtype=np.float32) >= p
    return np.multiply(keep, 1.0 / (1.0 - p), dtype=dtype)


def _apply(x: Tensor, mask_shape: tuple[int, ...], p: float, generator: GeneratorLike) -> Tensor:
    mask = _mask(mask_shape, p, x.dtype if x.dtype.kind == "f" else np.float32, generator)
    return multiply(x, Tensor.from_array(mask))


def _spec(min_dims: int, max_dims: int) -> Any:
    def spec(s: Sampler) -> Sample:
        x = s.array(s.shape(min_dims=min_dims, max_dims=max_dims))
        return Sample(
            (x,),
            {
                "p": s.choice([0.0, 0.25, 0.5, 1.0]),
                "training": s.choice([True, True, False]),
                "generator": s.integers(0, 2**16),
            },
        )

    return spec


def _ref(mask_shape_of: Any) -> Any:
    def ref(
        x: np.ndarray, p: float = 0.5, training: bool = True, generator: GeneratorLike = None
    ) -> np.ndarray:
        if not training or p == 0:
            return x
        return x * _mask(mask_shape_of(x.shape), p, x.dtype, generator)

    return ref


def _channel_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Whole channels: a mask of shape (N, C, 1, ...) for (N, C, *), (C, 1) for (C, L)."""
    if len(shape) == 2:
        return (shape[0], 1)
    return (shape[0], shape[1]) + (1,) * (len(shape) - 2)


@composite("nn.functional.dropout", spec=_spec(0, 3), ref=_ref(lambda shape: shape))
def dropout(
    input: TensorLike,
    p: float = 0.5,
    training: bool = True,
    *,
    generator: GeneratorLike = None,
) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``
    (inverted dropout: the expected value is unchanged).

    Parameters
    ----------
    input : Tensor
        Any shape.
    p : float, default 0.5
        Drop probability, in ``[0, 1]``; ``p = 1`` gives zeros.
    training : bool, default True
        When False (or ``p = 0``) the input is returned unchanged.
    generator : np.random.Generator or int, optional
        The source of randomness (an int seeds a new Generator; the same seed gives the
        same mask).

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> F.dropout(ag.ones(4), p=0.5, generator=0).tolist()
    [2.0, 2.0, 2.0, 0.0]
    """
    p = _check_p("dropout", p)
    x = input if isinstance(input, Tensor) else Tensor(input)
    if not training or p == 0.0:
        return x
    return _apply(x, x.shape, p, generator)


@composite("nn.functional.dropout1d", spec=_spec(2, 3), ref=_ref(_channel_shape))
def dropout1d(
    input: TensorLike,
    p: float = 0.5,
    training: bool = True,
    *,
    generator: GeneratorLike = None,
) -> Tensor:
    """Zero whole channels (all of a channel's length) with probability ``p`` and scale the
    others by ``1 / (1 - p)``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, L)`` or unbatched ``(C, L)``.
    p, training, generator
        As in :func:`dropout`.

    Shapes
    ------
    input (N, C, L) -> output (N, C, L), one draw per (n, c)
    """
    p = _check_p("dropout1d", p)
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim not in (2, 3):
        raise ValueError(f"dropout1d: expected a 2-D or 3-D input, got shape {x.shape}")
    if not training or p == 0.0:
        return x
    return _apply(x, _channel_shape(x.shape), p, generator)


@composite("nn.functional.dropout2d", spec=_spec(4, 4), ref=_ref(_channel_shape))
def dropout2d(
    input: TensorLike,
    p: float = 0.5,
    training: bool = True,
    *,
    generator: GeneratorLike = None,
) -> Tensor:
    """Zero whole channels (feature maps) with probability ``p`` and scale the others by
    ``1 / (1 - p)``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)``. A 3-D input is treated as ``(N, C, L)`` with a warning, as
        PyTorch currently does (use :func:`dropout1d` for that).
    p, training, generator
        As in :func:`dropout`.

    Shapes
    ------
    input (N, C, H, W) -> output (N, C, H, W), one draw per (n, c)
    """
    p = _check_p("dropout2d", p)
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 4-D (N, C, H, W) input, got shape {x.shape}")
    if x.ndim == 3:
        warnings.warn(
            "dropout2d: a 3-D input is treated as (N, C, L) and whole (n, c) rows are "
            "dropped, as in PyTorch; use dropout1d for that",
            UserWarning,
            stacklevel=2,
        )
    if not training or p == 0.0:
        return x
    return _apply(x, _channel_shape(x.shape), p, generator)
