"""Random number generation: PyTorch's :class:`Generator`, the default generator and seeding.

Every random function, layer initialisation, dropout, data transform and DataLoader
shuffle draws from the ``generator=`` it is given, which always wins; without one it
draws from the single default generator, which :func:`manual_seed` seeds. That default
generator is the engine's only random global state.

Generators are numpy ``np.random.Generator`` objects (PCG64) underneath. Wherever a
``generator`` argument is accepted, so are a :class:`Generator`, an ``np.random.Generator``
and an int (a seed for a new generator); :func:`as_generator` turns any of them (or None)
into the ``np.random.Generator`` to draw from. Reseeding or restoring the state of a
generator changes it in place, so objects that keep the generator they were given (a
dropout layer, a sampler) see the new seed too.

Examples
--------
>>> import autograd_np as torch
>>> _ = torch.manual_seed(0)
>>> a = torch.rand(3)
>>> _ = torch.manual_seed(0)
>>> bool((torch.rand(3) == a).all())
True
>>> g = torch.Generator().manual_seed(42)
>>> torch.randn(2, generator=g).shape
(2,)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "Generator",
    "GeneratorLike",
    "as_generator",
    "default_generator",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]

# PyTorch's seed of a new torch.Generator() (the default generator is seeded at random).
_NEW_GENERATOR_SEED = 67280421310721
_STATE_BYTES = 8 + 16 + 16 + 1 + 4  # seed, PCG64 state, increment, has_uint32, uinteger


def _check_seed(value: Any, name: str) -> int:
    """``value`` as a seed in ``[0, 2**64)``; negative seeds wrap as PyTorch's do."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: a seed must be an int, got {type(value).__name__}")
    value = int(value)
    if not -(2**63) <= value < 2**64:
        raise ValueError(f"{name}: a seed must be in [-2**63, 2**64), got {value}")
    return value % 2**64


def _random_seed() -> int:
    """A seed from the operating system's entropy."""
    return int(np.random.SeedSequence().entropy) % 2**64  # type: ignore[arg-type]


class Generator:
    """A source of random numbers with PyTorch's ``torch.Generator`` interface.

    Parameters
    ----------
    device : str, default "cpu"
        Accepted for PyTorch code; only the CPU exists here.

    Attributes
    ----------
    numpy_generator : np.random.Generator
        The numpy generator it draws from (the same object for the generator's whole
        life: ``manual_seed`` and ``set_state`` change it in place).

    Examples
    --------
    >>> import autograd_np as torch
    >>> g = torch.Generator().manual_seed(0)
    >>> g.initial_seed()
    0
    >>> state = g.get_state()
    >>> a = torch.rand(2, generator=g)
    >>> _ = g.set_state(state)
    >>> bool((torch.rand(2, generator=g) == a).all())
    True
    """

    def __init__(self, device: Any = "cpu") -> None:
        from autograd_np.devices import device as _device

        self.device = _device(device)
        if self.device.type != "cpu":
            raise RuntimeError(
                f"Generator: only the CPU exists in autograd_np, got device {str(device)!r}"
            )
        self._initial_seed = _NEW_GENERATOR_SEED
        self.numpy_generator = np.random.Generator(np.random.PCG64(_NEW_GENERATOR_SEED))

    def manual_seed(self, seed: int) -> Generator:
        """Reseed in place (so the same seed gives the same numbers); returns ``self``."""
        s = _check_seed(seed, "manual_seed")
        self.numpy_generator.bit_generator.state = np.random.PCG64(s).state
        self._initial_seed = s
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        s = _random_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed last set (by ``manual_seed``, ``seed`` or at creation)."""
        return self._initial_seed

    def get_state(self) -> Any:
        """The full state, as a uint8 Tensor that :meth:`set_state` accepts."""
        from autograd_np.tensor import Tensor

        st = self.numpy_generator.bit_generator.state
        parts = [
            self._initial_seed.to_bytes(8, "little"),
            int(st["state"]["state"]).to_bytes(16, "little"),
            int(st["state"]["inc"]).to_bytes(16, "little"),
            int(st["has_uint32"]).to_bytes(1, "little"),
            int(st["uinteger"]).to_bytes(4, "little"),
        ]
        return Tensor.from_array(np.frombuffer(b"".join(parts), dtype=np.uint8).copy())

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from :meth:`get_state`; returns ``self``."""
        arr = np.asarray(getattr(new_state, "array", new_state))
        if arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
            raise ValueError(
                f"set_state: expected the uint8 tensor of shape ({_STATE_BYTES},) that "
                f"get_state returns, got dtype {arr.dtype} and shape {arr.shape}"
            )
        raw = arr.tobytes()
        seed_ = int.from_bytes(raw[0:8], "little")
        state = {
            "bit_generator": "PCG64",
            "state": {
                "state": int.from_bytes(raw[8:24], "little"),
                "inc": int.from_bytes(raw[24:40], "little"),
            },
            "has_uint32": raw[40],
            "uinteger": int.from_bytes(raw[41:45], "little"),
        }
        self.numpy_generator.bit_generator.state = state
        self._initial_seed = seed_
        return self

    def __repr__(self) -> str:
        return f"<autograd_np.Generator seed={self._initial_seed}>"


GeneratorLike = Generator | np.random.Generator | int | None

#: The generator that random functions use when they are given none.
default_generator = Generator()
default_generator.seed()


def as_generator(generator: GeneratorLike, *, name: str = "generator") -> np.random.Generator:
    """The ``np.random.Generator`` to draw from for a ``generator=`` argument.

    Parameters
    ----------
    generator : Generator, np.random.Generator, int or None
        A :class:`Generator` gives its numpy generator, an ``np.random.Generator`` is used
        as is, an int (``>= 0``) seeds a new generator, and None gives the default
        generator (the one :func:`manual_seed` seeds).
    name : str
        What to call the argument in error messages.
    """
    if generator is None:
        return default_generator.numpy_generator
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        if generator < 0:
            raise ValueError(f"{name}: a seed must be a non-negative int, got {generator}")
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"{name} must be an autograd_np.Generator, an np.random.Generator, an int seed or "
        f"None, got {type(generator).__name__}"
    )


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, so that the random numbers that follow are reproducible.

    Returns the default generator, as PyTorch does.
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator (last set by :func:`manual_seed` or :func:`seed`)."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The default generator's state, as a uint8 Tensor."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the default generator's state from :func:`get_rng_state`."""
    default_generator.set_state(new_state)
