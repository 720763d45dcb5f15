"""``inference_mode``: PyTorch's grad mode for evaluation and serving.

Here it is ``no_grad`` plus the flag :func:`is_inference_mode_enabled` reads. PyTorch also
marks the tensors made inside as "inference tensors" that later refuse to enter a graph;
autograd_np has no such tensors, so what is made inside is an ordinary tensor that does
not require grad (as under ``no_grad``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from autograd_np.autograd.grad_mode import no_grad

__all__ = ["inference_mode", "is_inference_mode_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _Flag(threading.local):
    def __init__(self) -> None:
        self.enabled = False


_flag = _Flag()


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (in the current thread)."""
    return _flag.enabled


class inference_mode:
    """Context manager and decorator that runs code without recording gradients.

    ``inference_mode(False)`` turns the mode off inside (without turning grad mode on).
    It decorates with or without parentheses (``@inference_mode()``, ``@inference_mode``).

    Parameters
    ----------
    mode : bool, default True
        Whether inference mode is on inside.

    Examples
    --------
    >>> import autograd_np as torch
    >>> x = torch.ones(2, requires_grad=True)
    >>> with torch.inference_mode():
    ...     y = x * 2
    ...     torch.is_inference_mode_enabled()
    True
    >>> y.requires_grad
    False
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # bare decorator: @inference_mode
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode: mode must be a bool, got {type(mode).__name__}")
        self.mode = mode
        self._saved: list[tuple[bool, no_grad | None]] = []

    def __enter__(self) -> None:
        grad_off = no_grad() if self.mode else None
        if grad_off is not None:
            grad_off.__enter__()
        self._saved.append((_flag.enabled, grad_off))
        _flag.enabled = self.mode

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        previous, grad_off = self._saved.pop()
        _flag.enabled = previous
        if grad_off is not None:
            grad_off.__exit__(exc_type, exc, tb)

    def __call__(self, func: F) -> F:
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
