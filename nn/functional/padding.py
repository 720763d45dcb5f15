"""``pad``: PyTorch's ``F.pad`` (pad tuple last dimension first; negative values crop),
built on the engine's numpy-style :func:`autograd_np.ops.shape.pad`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np.autograd import composite
from autograd_np.ops.indexing import getitem
from autograd_np.ops.shape import pad as _engine_pad
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["pad"]

# PyTorch's mode names -> numpy's
_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pairs(op: str, pad: Any, ndim: int) -> list[tuple[int, int]]:
    """The (before, after) widths of every dimension, from PyTorch's flat tuple."""
    if not isinstance(pad, Sequence) or isinstance(pad, str):
        raise TypeError(f"{op}: pad must be a tuple of ints, got {pad!r}")
    values = list(pad)
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{op}: pad must be a tuple of ints, got {pad!r}")
    if len(values) % 2:
        raise ValueError(
            f"{op}: the pad tuple must have an even length, got {len(values)} ({pad!r})"
        )
    if len(values) > 2 * ndim:
        raise ValueError(
            f"{op}: a pad tuple of length {len(values)} pads {len(values) // 2} dimensions, "
            f"but the input has only {ndim}"
        )
    pairs = [(0, 0)] * ndim
    for k in range(len(values) // 2):  # the last dimension first
        pairs[ndim - 1 - k] = (int(values[2 * k]), int(values[2 * k + 1]))
    return pairs


def _check_mode(
    op: str, mode: str, value: float | None, n_padded: int, shape: tuple[int, ...]
) -> None:
    if mode not in _MODES:
        raise ValueError(
            f"{op}: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    if mode == "constant":
        return
    if value is not None and value != 0:
        raise ValueError(f"{op}: mode {mode!r} takes no value (got value={value!r})")
    if n_padded not in (1, 2, 3) or len(shape) not in (n_padded + 1, n_padded + 2):
        raise ValueError(
            f"{op}: mode {mode!r} pads the last 1, 2 or 3 dimensions of a 2-D/3-D, 3-D/4-D or "
            f"4-D/5-D input respectively; got a pad tuple of length {2 * n_padded} for an input "
            f"of shape {shape}"
        )


def _pad_ref(
    x: np.ndarray, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> np.ndarray:
    """numpy: reflect and replicate index the uncropped axes (``np.take`` with clipped or
    mirrored positions); constant and circular crop negative widths, then ``np.pad``."""
    pairs = _pairs("pad", pad, x.ndim)
    if mode in ("reflect", "replicate"):
        for d, (b, a) in enumerate(pairs):
            j = np.arange(-b, x.shape[d] + a)
            n = x.shape[d]
            j = np.clip(j, 0, n - 1) if mode == "replicate" else (n - 1) - np.abs(n - 1 - np.abs(j))
            x = np.take(x, j, axis=d)
        return x
    x = x[tuple(slice(max(-b, 0), x.shape[d] - max(-a, 0)) for d, (b, a) in enumerate(pairs))]
    widths = [(max(b, 0), max(a, 0)) for b, a in pairs]
    if mode == "constant":
        return np.pad(x, widths, constant_values=0.0 if value is None else value)
    return np.pad(x, widths, mode="wrap")


def _pad_spec(s: Sampler) -> Sample:
    mode = s.choice(list(_MODES))
    n_padded = s.integers(1, 3)
    ndim = n_padded + s.integers(1, 2)
    shape = tuple(s.integers(1, 3) for _ in range(ndim - n_padded)) + tuple(
        s.integers(2, 4) for _ in range(n_padded)
    )
    widths: list[int] = []
    for d in range(n_padded):
        n = shape[-1 - d]
        before, after = s.integers(-1, 2), s.integers(-1, 2)
        if mode != "constant":
            if before < 0 and after < 0:  # keep the output non-empty
                after = 0
            kept = n - max(-before, 0) - max(-after, 0)
            top = kept if mode == "circular" else n - 1 if mode == "reflect" else 2
            before, after = min(before, top), min(after, top)
        widths += [before, after]
    kwargs: dict[str, Any] = {"mode": mode}
    if mode == "constant" and s.boolean():
        kwargs["value"] = s.floats(-1.0, 1.0)
    return Sample((s.array(shape), tuple(widths)), kwargs)


@composite("nn.functional.pad", spec=_pad_spec, ref=_pad_ref)
def pad(
    input: TensorLike,
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """Pad (or crop) the last dimensions of a tensor, as PyTorch's ``F.pad``.

    Parameters
    ----------
    input : Tensor
        Any shape for ``'constant'``; for the other modes, (N, C, W) or (C, W) with a pad
        tuple of length 2, (N, C, H, W) or (C, H, W) with 4, (N, C, D, H, W) or
        (C, D, H, W) with 6.
    pad : tuple of int
        ``(left, right)`` widths of the last dimension, then of the one before it, and so
        on: ``(left, right, top, bottom)`` pads W and H. Negative widths remove entries.
    mode : {'constant', 'reflect', 'replicate', 'circular'}, default 'constant'
        ``'reflect'`` mirrors without repeating the edge (widths must be smaller than the
        dimension), ``'replicate'`` repeats the edge, ``'circular'`` wraps around (widths
        at most the dimension).
    value : float, optional
        The fill of ``'constant'`` mode (default 0).

    Returns
    -------
    Tensor
        The padded tensor; its gradient adds the gradient of every copy back onto the
        entry it copies.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> x = ag.tensor(np.arange(4, dtype=np.float32).reshape(1, 1, 4))
    >>> F.pad(x, (2, 1), mode="reflect")
    tensor([[[2., 1., 0., 1., 2., 3., 2.]]])
    >>> F.pad(x, (-1, 1), value=9.0)
    tensor([[[1., 2., 3., 9.]]])
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    pairs = _pairs("pad", pad, x.ndim)
    _check_mode("pad", mode, value, len(pad) // 2, x.shape)
    _check_sizes(mode, x.shape, pairs)
    _check_nonempty(mode, x.shape, len(pad) // 2)
    if mode in ("reflect", "replicate") and any(b < 0 or a < 0 for b, a in pairs):
        # PyTorch maps each output entry to an input entry of the uncropped axis
        for d, (b, a) in enumerate(pairs):
            if b or a:
                source = _source(x.shape[d], b, a, mode)
                x = getitem(x, (slice(None),) * d + (source,))
        return x
    # otherwise negative widths crop first, and the mode pads what is left
    if any(b < 0 or a < 0 for b, a in pairs):
        key = tuple(slice(max(-b, 0), n - max(-a, 0)) for n, (b, a) in zip(x.shape, pairs))
        x = getitem(x, key)
    widths = tuple((max(b, 0), max(a, 0)) for b, a in pairs)
    if not any(b or a for b, a in widths):
        return x
    if mode == "constant" or x.array.size == 0:
        # (an empty input gives an empty output whatever the mode; constant padding keeps
        # its gradient a plain slice, which also works for empty arrays)
        fill = 0.0 if value is None else float(value)
        return _engine_pad(x, widths, "constant", constant_values=fill)
    return _engine_pad(x, widths, _MODES[mode])


def _source(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """The input entry of each output entry along one axis (reflect or replicate)."""
    j = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    j = np.abs(j)  # mirror at 0, then at n - 1 (one reflection: widths < n)
    return np.where(j > n - 1, 2 * (n - 1) - j, j)


def _check_nonempty(mode: str, shape: tuple[int, ...], n_padded: int) -> None:
    """PyTorch's reflect and replicate kernels take an empty batch but no other empty
    dimension (whatever the widths, zeros included)."""
    if mode not in ("reflect", "replicate"):
        return
    batched = len(shape) == n_padded + 2
    if 0 in shape[1:] if batched else 0 in shape:
        raise ValueError(
            f"pad: mode {mode!r} needs every dimension but the batch to be non-empty, got "
            f"input shape {shape} (a {len(shape)}-D input padded in its last {n_padded} "
            f"dimension{'s' if n_padded > 1 else ''})"
        )


def _check_sizes(mode: str, shape: tuple[int, ...], pairs: list[tuple[int, int]]) -> None:
    """PyTorch's limits: reflect widths below the axis length, circular widths at most the
    (cropped) length, and no padded axis left empty or negative."""
    for d, (n, (b, a)) in enumerate(zip(shape, pairs)):
        if not (b or a):
            continue
        out = n + b + a
        kept = n - max(-b, 0) - max(-a, 0)
        where = f"padding ({b}, {a}) of dimension {d} of size {n} (input shape {shape})"
        if out < 0 or (mode != "constant" and out < 1):
            raise ValueError(f"pad: {where} leaves an output of size {out}")
        if kept < 0 and mode in ("constant", "circular"):
            raise ValueError(f"pad: {where} removes more entries than the dimension holds")
        if mode == "reflect" and max(b, a) >= n:
            raise ValueError(f"pad: reflect padding must be smaller than the dimension: {where}")
        if mode == "circular" and (kept < 1 or max(b, a) > kept):
            raise ValueError(
                "pad: circular padding must not exceed the dimension left after cropping (it "
                f"would wrap around more than once): {where}"
            )
