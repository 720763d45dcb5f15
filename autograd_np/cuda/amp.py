"""``torch.cuda.amp``: the same ``autocast`` and ``GradScaler`` as :mod:`autograd_np.amp`."""

from __future__ import annotations

from typing import Any

from autograd_np.amp import GradScaler as _GradScaler
from autograd_np.amp import autocast as _autocast

__all__ = ["GradScaler", "autocast"]


class autocast(_autocast):
    """PyTorch's deprecated ``torch.cuda.amp.autocast``: :class:`autograd_np.amp.autocast`
    with ``device_type='cuda'``."""

    def __init__(
        self, enabled: bool = True, dtype: Any = None, cache_enabled: bool | None = None
    ) -> None:
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_GradScaler):
    """PyTorch's ``torch.cuda.amp.GradScaler``: :class:`autograd_np.amp.GradScaler` (only
    ``enabled=False`` works)."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        super().__init__(
            "cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled
        )
