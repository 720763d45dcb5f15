"""The ``generator`` arguments of samplers, loaders and transforms (torch's rules).

An explicit generator wins: a ``np.random.Generator`` is used (and advanced) as is, an
int seeds a new one once, and other generator objects go through the engine's
``autograd_np.as_generator``. ``None`` means the library's default generator, looked up
each time randomness is needed (so ``manual_seed`` between epochs takes effect, and
each DataLoader worker process uses its own reseeded default generator).
"""

from __future__ import annotations

import numpy as np

import autograd_np

__all__ = ["GeneratorLike", "as_generator", "default_generator", "resolve"]

GeneratorLike = np.random.Generator | int | None


def default_generator() -> np.random.Generator:
    """The generator random functions use when given none: ``autograd_np.as_generator(None)``.

    Whatever the engine's random functions draw from without a ``generator=``, the
    data pipeline draws from too (torch's default generator).
    """
    return autograd_np.as_generator(None)


def as_generator(
    generator: GeneratorLike, *, name: str = "generator"
) -> np.random.Generator | None:
    """Validate ``generator``: a Generator as is, a new seeded one for an int, None for None.

    ``None`` is kept as ``None``; call :func:`resolve` when drawing to get the default
    generator at that moment.
    """
    if generator is None:
        return None
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        if generator < 0:
            raise ValueError(f"{name}: a seed must be a non-negative int, got {generator}")
        return np.random.default_rng(int(generator))
    # any other kind of generator the engine knows (it raises TypeError for the rest)
    try:
        return autograd_np.as_generator(generator)
    except TypeError as exc:
        raise TypeError(f"{name}: {exc}") from None


def resolve(generator: np.random.Generator | None) -> np.random.Generator:
    """``generator`` itself, or the default generator when it is None."""
    return default_generator() if generator is None else generator
