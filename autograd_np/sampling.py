"""Random tensors, PyTorch's random sampling functions.

Each takes ``generator=`` (an ``autograd_np.Generator``, an ``np.random.Generator`` or an
int seed), which wins; without it the default generator is used, which
:func:`~autograd_np.manual_seed` seeds. They also take PyTorch's ``dtype=`` and
``device=`` (the CPU only) keywords, and ``requires_grad=`` where PyTorch has it. Samples
are constants of the graph: no gradient flows into ``normal``'s mean or ``bernoulli``'s
probabilities (PyTorch's gradient there is zero too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_np.creation import _finish, _float, _like, _size
from autograd_np.devices import DeviceLike, check_device
from autograd_np.dtypes import DEFAULT_INT, DTypeLike, get_default_dtype
from autograd_np.random import GeneratorLike, as_generator
from autograd_np.tensor import Tensor

__all__ = [
    "bernoulli",
    "multinomial",
    "normal",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
]


def _values(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def _drawn(dt: np.dtype[Any]) -> Any:
    """The dtype numpy draws in for ``dt`` (float32 or float64; others are cast after)."""
    if dt.kind != "f":
        raise TypeError(f"expected a floating dtype, got {dt}")
    return np.float64 if dt == np.float64 else np.float32


def _floats(
    draw: Callable[..., np.ndarray],
    size: tuple[Any, ...],
    generator: GeneratorLike,
    dtype: DTypeLike | None,
    requires_grad: bool,
    device: DeviceLike,
) -> Tensor:
    """Floating samples of ``size`` from ``draw``, an unbound ``np.random.Generator`` method
    taking ``(rng, shape, dtype=)``, cast to ``dtype`` (the default dtype when None)."""
    dt = np.dtype(_float(dtype))
    data = draw(as_generator(generator), _size(size), dtype=_drawn(dt))
    return _finish(data.astype(dt, copy=False), requires_grad, device)


def _float_like(x: Tensor | np.ndarray, dtype: DTypeLike | None) -> tuple[tuple[int, ...], Any]:
    """The shape of ``x`` and the dtype of samples like it: ``dtype``, else ``x``'s when
    floating, else the default dtype."""
    shape, dt = _like(x, dtype)
    return shape, dt if np.dtype(dt).kind == "f" else get_default_dtype()


def randn(
    *size: Any,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples of the given size (``randn(2, 3)`` or ``randn((2, 3))``)."""
    return _floats(
        np.random.Generator.standard_normal, size, generator, dtype, requires_grad, device
    )


def rand(
    *size: Any,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in ``[0, 1)`` of the given size."""
    return _floats(np.random.Generator.random, size, generator, dtype, requires_grad, device)


def randint(
    *args: Any,
    size: Sequence[int] | None = None,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Random integers in ``[low, high)``, int64 by default, read as PyTorch reads them.

    ``randint(high, size)``, ``randint(low, high, size)``, or ``size=`` as a keyword (a
    call without a size gives one integer, a 0-d tensor).

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.randint(10, (2, 3)).shape
    (2, 3)
    >>> bool(((torch.randint(3, 5, (100,)) >= 3) & (torch.randint(3, 5, (100,)) < 5)).all())
    True
    """
    if args and isinstance(args[-1], (tuple, list)):
        if size is not None:
            raise TypeError("randint: the size was given both by position and as size=")
        size, args = tuple(args[-1]), args[:-1]
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError(
            "randint: expected randint(high, size) or randint(low, high, size), got "
            f"{len(args)} number arguments"
        )
    low, high = int(low), int(high)
    if low >= high:
        raise ValueError(f"randint: expected low < high, got low={low} and high={high}")
    rng = as_generator(generator)
    shape = () if size is None else tuple(int(n) for n in size)
    data = rng.integers(low, high, size=shape).astype(dtype or DEFAULT_INT, copy=False)
    return _finish(np.asarray(data), requires_grad, device)


def randn_like(
    x: Tensor | np.ndarray,
    *,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples with the shape of ``x`` (and its dtype when floating, else
    the default dtype)."""
    shape, dt = _float_like(x, dtype)
    return randn(*shape, generator=generator, dtype=dt, device=device, requires_grad=requires_grad)


def rand_like(
    x: Tensor | np.ndarray,
    *,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in ``[0, 1)`` with the shape of ``x`` (and its dtype when floating,
    else the default dtype)."""
    shape, dt = _float_like(x, dtype)
    return rand(*shape, generator=generator, dtype=dt, device=device, requires_grad=requires_grad)


def randint_like(
    x: Tensor | np.ndarray,
    *args: int,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
) -> Tensor:
    """Random integers in ``[low, high)`` (``randint_like(x, high)`` or
    ``randint_like(x, low, high)``) with the shape and dtype of ``x``."""
    shape, dt = _like(x, dtype)
    return randint(*args, shape, generator=generator, dtype=dt, device=device)


def randperm(
    n: int,
    *,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default)."""
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    perm = as_generator(generator).permutation(int(n)).astype(dtype or DEFAULT_INT, copy=False)
    return _finish(perm, requires_grad, device)


def multinomial(
    input: Tensor | np.ndarray,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: GeneratorLike = None,
) -> Tensor:
    """Draw ``num_samples`` category indices per row, with probabilities proportional to
    the (non-negative, not necessarily normalised) weights in ``input``.

    Without replacement each row needs at least ``num_samples`` non-zero weights.

    Shapes
    ------
    input : (C,) or (N, C); output : (num_samples,) or (N, num_samples), int64.
    """
    w = _values(input).astype(np.float64)
    if w.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-D or 2-D, got shape {w.shape}")
    if num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be positive, got {num_samples}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("multinomial: the weights must be finite and non-negative")
    rows = w.reshape(-1, w.shape[-1])
    sums = rows.sum(axis=1)
    if (sums <= 0).any():
        raise ValueError("multinomial: every row of weights must have a positive sum")
    if not replacement:
        nonzero = int(np.count_nonzero(rows, axis=1).min())
        if num_samples > nonzero:
            raise ValueError(
                f"multinomial: cannot draw {num_samples} samples without replacement from "
                f"a row with {nonzero} non-zero weights"
            )
    rng = as_generator(generator)
    out = np.stack(
        [
            rng.choice(rows.shape[1], size=num_samples, replace=replacement, p=r / s)
            for r, s in zip(rows, sums)
        ]
    ).astype(np.int64)
    return Tensor.from_array(out.reshape((*w.shape[:-1], num_samples)))


def bernoulli(
    input: Tensor | np.ndarray, p: float | None = None, *, generator: GeneratorLike = None
) -> Tensor:
    """1 with probability ``input`` (elementwise, in ``[0, 1]``), else 0; the result has
    ``input``'s shape and dtype. With ``p``, every element uses probability ``p``."""
    probs = _values(input)
    dt = probs.dtype if probs.dtype.kind == "f" else get_default_dtype()
    if p is not None:
        probs = np.full(probs.shape, p, dtype=np.float64)
    if ((probs < 0) | (probs > 1)).any() or np.isnan(probs).any():
        raise ValueError("bernoulli: probabilities must be in [0, 1]")
    draws = as_generator(generator).random(probs.shape) < probs
    return Tensor.from_array(draws.astype(dt))


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Sequence[int] | None = None,
    *,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples with elementwise ``mean`` and ``std`` (tensors broadcast together, or
    numbers with ``size``), PyTorch's ``torch.normal`` overloads.

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.normal(0.0, 1.0, (2, 3)).shape
    (2, 3)
    >>> torch.normal(torch.zeros(4), 2.0).shape
    (4,)
    """
    check_device(device, "normal")
    m, s = _values(mean), _values(std)
    if (s < 0).any():
        raise ValueError("normal: std must be non-negative")
    tensors = [a for a in (mean, std) if isinstance(a, (Tensor, np.ndarray))]
    if tensors:
        if size is not None:
            raise TypeError("normal: give size only when mean and std are both numbers")
        shape = np.broadcast_shapes(m.shape, s.shape)
        dt = np.result_type(*[_values(a) for a in tensors])
        dt = dt if dt.kind == "f" else get_default_dtype()
    else:
        if size is None:
            raise TypeError("normal: with numbers for mean and std, give the size")
        shape = tuple(int(n) for n in size)
        dt = np.dtype(_float(dtype))
    if dtype is not None:
        dt = np.dtype(dtype)
    data = as_generator(generator).normal(m, s, size=shape).astype(dt, copy=False)
    return _finish(np.asarray(data), requires_grad, device)
