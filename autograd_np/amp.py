"""Automatic mixed precision as a CPU build of PyTorch without it would run: accepted, and
computing in the tensors' own dtypes.

``autocast`` is accepted and changes nothing: ops run in the dtype of their inputs
(PyTorch's CPU autocast would run some ops in bfloat16, which numpy does not have).
``GradScaler(enabled=False)`` passes losses and optimizer steps through unchanged, as
PyTorch's does when disabled; enabled, it raises, since there is no float16 training to
scale gradients for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["GradScaler", "autocast", "is_autocast_available"]

F = TypeVar("F", bound=Callable[..., Any])


def is_autocast_available(device_type: str) -> bool:
    """False: autocast never changes dtypes here (see the module docstring)."""
    return False


class autocast:
    """Accepted for PyTorch code; computes in the inputs' own dtypes.

    Works as a context manager and a decorator. The arguments are checked as PyTorch
    checks them, and otherwise have no effect: no op changes dtype inside.

    Parameters
    ----------
    device_type : str, default "cpu"
        ``'cpu'`` or ``'cuda'`` (accepted; nothing runs on CUDA here).
    dtype : dtype, optional
        The lower precision PyTorch would use (float16 or bfloat16); ignored.
    enabled : bool, default True
    cache_enabled : bool, optional
    """

    def __init__(
        self,
        device_type: str = "cpu",
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise TypeError(
                f"autocast: device_type must be a string like 'cpu', got "
                f"{type(device_type).__name__}"
            )
        self.device_type = device_type
        self.fast_dtype = dtype
        self.enabled = bool(enabled)
        self.cache_enabled = cache_enabled

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class GradScaler:
    """PyTorch's gradient scaler, disabled: ``scale`` returns its argument, ``step`` calls
    ``optimizer.step``, ``update`` and ``unscale_`` do nothing.

    Parameters
    ----------
    device : str, default "cuda"
        Accepted (PyTorch's first argument).
    enabled : bool, default True
        Must be False: enabled, the scaler raises, because without float16 training there
        is no underflow for scaling to prevent. Write ``GradScaler(enabled=use_amp)`` with
        ``use_amp`` False.

    Examples
    --------
    >>> import autograd_np as torch
    >>> scaler = torch.amp.GradScaler(enabled=False)
    >>> scaler.scale(torch.tensor(2.0)).item()
    2.0
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        if enabled:
            raise RuntimeError(
                "GradScaler: gradient scaling is for float16 training on an accelerator, and "
                "autograd_np has neither; create it with enabled=False, which passes losses "
                "and optimizer steps through unchanged"
            )
        self.device = device
        self._enabled = False

    def is_enabled(self) -> bool:
        """False: the scaler passes everything through."""
        return self._enabled

    def scale(self, outputs: Any) -> Any:
        """``outputs`` unchanged."""
        return outputs

    def unscale_(self, optimizer: Any) -> None:
        """Nothing to unscale."""

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)``."""
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: Any = None) -> None:
        """Nothing to update."""

    def get_scale(self) -> float:
        """1.0, as PyTorch's disabled scaler returns."""
        return 1.0

    def state_dict(self) -> dict[str, Any]:
        """An empty dict, as PyTorch's disabled scaler returns."""
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Accept the (empty) state of a disabled scaler."""
        if state_dict:
            raise RuntimeError(
                "GradScaler.load_state_dict: this scaler is disabled, but the state dict "
                f"holds an enabled scaler's state (keys {sorted(state_dict)})"
            )
