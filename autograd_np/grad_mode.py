"""Grad mode and anomaly mode: the only global (thread-local) state of the engine.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` follow PyTorch: each works as a
context manager and as a function decorator, and the mode is per thread, so a data-loading
thread never changes what the training thread records.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]


class _State(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False


_state = _State()


def is_grad_enabled() -> bool:
    """Return True when operations on tensors that require grad are being recorded."""
    return _state.grad_enabled


def is_anomaly_enabled() -> bool:
    """Return True inside :class:`detect_anomaly`."""
    return _state.anomaly


class _ModeContext:
    """Base for context managers that set a mode on enter and restore it on exit."""

    _attr = "grad_enabled"

    def __init__(self, mode: bool) -> None:
        self._mode = mode
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(getattr(_state, self._attr))
        setattr(_state, self._attr, self._mode)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        setattr(_state, self._attr, self._prev.pop())

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _clone(self):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _clone(ctx: _ModeContext) -> _ModeContext:
    new = ctx.__class__.__new__(ctx.__class__)
    _ModeContext.__init__(new, ctx._mode)
    return new


class no_grad(_ModeContext):
    """Context manager and decorator that disables gradient recording.

    Inside it, results of operations never require grad, even when their inputs do.
    Optimizers update parameters under ``no_grad``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.ones(3, requires_grad=True)
    >>> with ag.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(_ModeContext):
    """Context manager and decorator that enables gradient recording inside ``no_grad``."""

    def __init__(self) -> None:
        super().__init__(True)


class set_grad_enabled(_ModeContext):
    """Set grad mode on or off.

    Called as a function it changes the mode at once (``set_grad_enabled(False)``); used as a
    context manager it restores the previous mode on exit; used as a decorator it applies the
    mode only while the decorated function runs.

    Parameters
    ----------
    mode : bool
        Whether to record operations for backward.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__(bool(mode))
        self._prev_at_call = _state.grad_enabled
        _state.grad_enabled = self._mode

    def __enter__(self) -> None:
        # The mode was already applied by __init__; remember what to restore.
        self._prev.append(self._prev_at_call)

    def __call__(self, func: F) -> F:
        # As a decorator the mode must not leak past decoration time.
        _state.grad_enabled = self._prev_at_call
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _state.grad_enabled
            _state.grad_enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                _state.grad_enabled = prev

        return wrapper  # type: ignore[return-value]


class detect_anomaly(_ModeContext):
    """Context manager and decorator that checks every op for NaN and inf.

    Inside it, an op whose forward turns finite inputs into a NaN or inf output, or whose
    vector-Jacobian product returns a NaN or inf gradient from a finite incoming gradient,
    raises :class:`FloatingPointError` naming the op. Backward errors also show where the
    offending op was called in the forward pass. Checking costs a pass over every array, so
    use it for debugging only.

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.tensor([0.0], requires_grad=True)
    >>> with ag.detect_anomaly():
    ...     y = ag.sqrt(x)  # finite forward
    ...     y.backward(ag.ones(1))  # doctest: +SKIP
    Traceback (most recent call last):
    FloatingPointError: sqrt backward produced inf in the gradient of input 0 ...
    """

    _attr = "anomaly"

    def __init__(self, mode: bool = True) -> None:
        super().__init__(bool(mode))


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection on or off for the current thread."""
    _state.anomaly = bool(mode)
