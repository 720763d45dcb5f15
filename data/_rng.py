"""The ``generator`` arguments of samplers, loaders and transforms (torch's rules).

An explicit generator wins: an ``autograd_np.Generator`` or an ``np.random.Generator`` is
used (and advanced) as is, an int seeds a new one once. ``None`` means the library's
default generator, looked up each time randomness is needed (so ``manual_seed`` between
epochs takes effect, and each DataLoader worker process uses its own reseeded default
generator). The checks and the default generator have one home,
:mod:`autograd_np.random`.
"""

from __future__ import annotations

import numpy as np

import autograd_np
from autograd_np.random import GeneratorLike
from autograd_np.random import as_generator as _engine_as_generator

__all__ = ["GeneratorLike", "as_generator", "default_generator", "resolve"]


def default_generator() -> np.random.Generator:
    """The generator random functions use when given none (``autograd_np.manual_seed``
    seeds it): whatever the engine draws from without a ``generator=``, the data pipeline
    draws from too (torch's default generator)."""
    return autograd_np.as_generator(None)


def as_generator(
    generator: GeneratorLike, *, name: str = "generator"
) -> np.random.Generator | None:
    """Validate ``generator``: the numpy generator of a Generator, a new seeded one for an
    int, None for None.

    ``None`` is kept as ``None``; call :func:`resolve` when drawing to get the default
    generator at that moment.
    """
    if generator is None:
        return None
    return _engine_as_generator(generator, name=name)


def resolve(generator: np.random.Generator | None) -> np.random.Generator:
    """``generator`` itself, or the default generator when it is None."""
    return default_generator() if generator is None else generator
