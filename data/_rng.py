"""Turn the ``generator`` arguments (Generator, int seed or None) into a Generator."""

from __future__ import annotations

import numpy as np

__all__ = ["GeneratorLike", "as_generator"]

GeneratorLike = np.random.Generator | int | None


def as_generator(generator: GeneratorLike, *, name: str = "generator") -> np.random.Generator:
    """Return ``generator`` itself, a new seeded Generator for an int, or a fresh one for None.

    A fresh ``np.random.default_rng()`` is seeded from OS entropy; numpy's global
    ``np.random`` state is never used.
    """
    if generator is None:
        return np.random.default_rng()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        if generator < 0:
            raise ValueError(f"{name}: a seed must be a non-negative int, got {generator}")
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"{name}: expected an np.random.Generator, an int seed or None, "
        f"got {type(generator).__name__}"
    )
