"""``torch.cuda`` as a CPU-only build has it: no CUDA device is available.

``is_available()`` is False and ``device_count()`` 0, so scripts that pick their device with
``device('cuda' if cuda.is_available() else 'cpu')`` run on the CPU. Seeding functions
are accepted and do nothing (there is no CUDA generator to seed; the CPU generator is
seeded by ``autograd_np.manual_seed``). Functions that need a device raise.
"""

from __future__ import annotations

from typing import Any, NoReturn

from autograd_np.cuda import amp

__all__ = [
    "amp",
    "current_device",
    "device_count",
    "empty_cache",
    "get_device_name",
    "is_available",
    "is_bf16_supported",
    "manual_seed",
    "manual_seed_all",
    "set_device",
    "synchronize",
]


def is_available() -> bool:
    """False: autograd_np runs on the CPU only."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: there is no CUDA device (and no bfloat16 here)."""
    return False


def device_count() -> int:
    """0: there are no CUDA devices."""
    return 0


def manual_seed(seed: int) -> None:
    """Accepted, as PyTorch accepts it without a GPU: there is no CUDA generator to seed."""


def manual_seed_all(seed: int) -> None:
    """Accepted, as PyTorch accepts it without a GPU: there is no CUDA generator to seed."""


def empty_cache() -> None:
    """Nothing to release: no CUDA memory is ever allocated."""


def _no_cuda(name: str) -> NoReturn:
    raise RuntimeError(
        f"cuda.{name}: no CUDA device is available; autograd_np runs on the CPU only"
    )


def current_device() -> int:
    """Raises: there is no CUDA device."""
    _no_cuda("current_device")


def set_device(device: Any) -> None:
    """Raises: there is no CUDA device."""
    _no_cuda("set_device")


def synchronize(device: Any = None) -> None:
    """Raises: there is no CUDA device."""
    _no_cuda("synchronize")


def get_device_name(device: Any = None) -> str:
    """Raises: there is no CUDA device."""
    _no_cuda("get_device_name")
