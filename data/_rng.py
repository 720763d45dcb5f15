"""The ``generator`` arguments of the data package: the engine's ``as_generator``.

``GeneratorLike`` and ``as_generator`` have one home, :mod:`autograd_np.random`; None means
the default generator that ``autograd_np.manual_seed`` seeds.
"""

from __future__ import annotations

from autograd_np.random import GeneratorLike, as_generator

__all__ = ["GeneratorLike", "as_generator"]
