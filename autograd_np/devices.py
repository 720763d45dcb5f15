"""Devices the PyTorch way, with the CPU as the only one that exists.

``device('cpu')``, ``device('cpu', 0)`` and ``device('cpu:0')`` name the CPU. Names of
other PyTorch devices (``'cuda'``, ``'mps'``, ...) make device objects, so that
``device('cuda' if cuda.is_available() else 'cpu')`` runs, but putting a tensor there
raises an error that says only the CPU exists.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DeviceLike", "check_device", "device"]

_KNOWN = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mtia", "privateuseone")


class device:
    """A device: its ``type`` (``'cpu'``, ``'cuda'``...) and optional ``index``.

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.device("cpu")
    device(type='cpu')
    >>> torch.zeros(2).device == torch.device("cpu")
    True
    """

    __slots__ = ("index", "type")

    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise ValueError("device: give an index only with a device type string")
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError(
                f"device: the ordinal {type} names an accelerator, and only the CPU exists in "
                "autograd_np"
            )
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string or a device, got {type.__class__.__name__}")
        name, _, ordinal = type.partition(":")
        if name not in _KNOWN:
            raise RuntimeError(
                f"device: expected one of {', '.join(_KNOWN)} (optionally followed by ':index'), "
                f"got {type!r}"
            )
        if ordinal:
            if index is not None:
                raise ValueError(f"device: {type!r} already has an index; do not pass another")
            if not ordinal.isdigit():
                raise RuntimeError(f"device: invalid device index in {type!r}")
            index = int(ordinal)
        if index is not None and index < 0:
            raise RuntimeError(f"device: the index must be non-negative, got {index}")
        self.type, self.index = name, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> Any:
        return (device, (self.type, self.index))


DeviceLike = device | str | int | None

CPU = device("cpu")


def check_device(dev: DeviceLike, where: str) -> device:
    """The CPU for ``None`` or any CPU device; a clear error for any other device."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise RuntimeError(
            f"{where}: device {str(d)!r} is not available: autograd_np runs on the CPU only "
            "(use device='cpu', or pick the device with "
            "`device('cuda' if cuda.is_available() else 'cpu')`)"
        )
    return CPU
