"""Normalising the integer arguments of layers and kernels (sizes, strides, paddings).

One helper, :func:`int_tuple`, for every ``int or tuple of ints`` argument, and one error
type, :class:`ArgumentError`, for a value it refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["ArgumentError", "int_tuple"]


class ArgumentError(TypeError, ValueError):
    """An argument of the wrong type or value: both a ``TypeError`` and a ``ValueError``
    (as numpy's ``AxisError`` is both a ``ValueError`` and an ``IndexError``), so code
    written for either catches it."""


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def int_tuple(
    value: Any, n: int, name: str, *, op: str | None = None, minimum: int | None = None
) -> tuple[int, ...]:
    """``value`` as an ``n``-tuple of ints: an int repeated ``n`` times, or a sequence of
    ``n`` ints (or of one, repeated), each at least ``minimum`` when given.

    Parameters
    ----------
    value : int or sequence of int
        The argument as the user gave it.
    n : int
        The length wanted (the number of spatial dimensions, say).
    name : str
        The argument's name, for the error message.
    op : str, optional
        The function or layer, prefixed to the error message.
    minimum : int, optional
        The smallest value allowed.

    Raises
    ------
    ArgumentError
        When ``value`` is neither an int nor a sequence of ``n`` (or one) ints, or an entry
        is below ``minimum``.

    Examples
    --------
    >>> int_tuple(3, 2, "kernel_size")
    (3, 3)
    >>> int_tuple([1, 2], 2, "stride", minimum=1)
    (1, 2)
    """
    prefix = f"{op}: " if op else ""
    if _is_int(value):
        values: tuple[int, ...] = (int(value),) * n
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = list(value)
        if len(items) == 1 and n > 1:
            items = items * n
        if len(items) != n or not all(_is_int(v) for v in items):
            raise ArgumentError(
                f"{prefix}{name} must be an int or a sequence of {n} ints, got {value!r}"
            )
        values = tuple(int(v) for v in items)
    else:
        raise ArgumentError(
            f"{prefix}{name} must be an int or a sequence of {n} ints, got {value!r}"
        )
    if minimum is not None and any(v < minimum for v in values):
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise ArgumentError(f"{prefix}{name} must be {bound}, got {value!r}")
    return values
