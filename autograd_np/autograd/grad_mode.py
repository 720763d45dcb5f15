"""Grad mode and anomaly mode: the only global (thread-local) state of the engine.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` follow PyTorch: each works as a
context manager and as a function decorator, and the mode is per thread, so a data-loading
thread never changes what the training thread records.
"""

from __future__ import annotations

import functools
import inspect
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
    """Base for context managers that set a mode on enter and restore it on exit, and that
    decorate functions (and generator functions) to run in that mode."""

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

    def _fresh(self) -> _ModeContext:
        """A new context with the same mode (each decorated call gets its own)."""
        new = self.__class__.__new__(self.__class__)
        _ModeContext.__init__(new, self._mode)
        return new

    def __call__(self, func: F) -> F:
        return _decorate(func, self._fresh)


def _decorate(func: F, make: Callable[[], Any]) -> F:
    """``func`` run inside ``make()``; for a generator function, every step of the
    generator runs inside it (and the caller's mode is back in place between steps)."""
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Any:
            with make():
                gen = func(*args, **kwargs)
            try:
                with make():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with make():
                            gen.close()
                        raise
                    except BaseException as error:
                        with make():
                            response = gen.throw(error)
                    else:
                        with make():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value

        return generator  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with make():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class _BareDecorator(_ModeContext):
    """A mode context that also decorates without parentheses (``@no_grad``)."""

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        if func is None:
            return super().__new__(cls)
        if not callable(func):
            raise TypeError(f"{cls.__name__}() takes no arguments, got {func!r}")
        return cls()(func)

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        # only reached without ``func`` (with it, __new__ returned the decorated function)
        super().__init__(self._default)

    _default = False


class no_grad(_BareDecorator):
    """Context manager and decorator that disables gradient recording.

    Inside it, results of operations never require grad, even when their inputs do.
    Optimizers update parameters under ``no_grad``. It decorates with or without
    parentheses (``@no_grad()`` and ``@no_grad``), and generator functions too.

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.ones(3, requires_grad=True)
    >>> with ag.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    >>> @ag.no_grad
    ... def predict(x):
    ...     return x * 2
    >>> predict(x).requires_grad
    False
    """

    _default = False


class enable_grad(_BareDecorator):
    """Context manager and decorator that enables gradient recording (inside ``no_grad``).

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.ones(3, requires_grad=True)
    >>> with ag.no_grad():
    ...     with ag.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    _default = True


class set_grad_enabled(_ModeContext):
    """Set grad mode on or off.

    Called as a function it changes the mode at once (``set_grad_enabled(False)``); used as a
    context manager it restores, on exit, the mode it found when it was created; used as a
    decorator it applies the mode only while the decorated function runs (the mode outside
    is left as it was before the decorator was created), as in PyTorch.

    Parameters
    ----------
    mode : bool
        Whether to record operations for backward.

    Examples
    --------
    >>> import autograd_np as ag
    >>> with ag.set_grad_enabled(False):
    ...     ag.is_grad_enabled()
    False
    >>> ag.is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        super().__init__(bool(mode))
        self._prev_at_call = _state.grad_enabled
        _state.grad_enabled = self._mode

    def __enter__(self) -> None:
        # The mode was already applied by __init__ (and re-applied here, for a context
        # entered twice); on exit, restore what it replaced.
        self._prev.append(self._prev_at_call if not self._prev else _state.grad_enabled)
        _state.grad_enabled = self._mode

    def __call__(self, func: F) -> F:
        # As a decorator the mode must not leak past decoration time.
        _state.grad_enabled = self._prev_at_call
        return _decorate(func, lambda: _Mode("grad_enabled", self._mode))


class _Mode(_ModeContext):
    """A plain context that sets ``_state.<attr>`` to ``mode``."""

    def __init__(self, attr: str, mode: bool) -> None:
        super().__init__(mode)
        self._attr = attr


class detect_anomaly(_ModeContext):
    """Context manager and decorator that checks every op for NaN and inf.

    Inside it, an op whose forward turns finite inputs into a NaN or inf output, or whose
    vector-Jacobian product returns a NaN or inf gradient from a finite incoming gradient,
    raises :class:`FloatingPointError` naming the op. Backward errors also show where the
    offending op was called in the forward pass (the forward must run inside the context
    too, for its call site to be recorded). Checking costs a pass over every array and a
    stack capture per op, so use it for debugging only.

    Parameters
    ----------
    mode : bool, default True
        Whether to check (``detect_anomaly(False)`` turns checking off inside).

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.tensor([0.0], requires_grad=True)
    >>> with ag.detect_anomaly():
    ...     y = ag.sqrt(x)  # finite forward
    ...     y.backward(ag.ones(1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FloatingPointError: sqrt backward: ...
    """

    _attr = "anomaly"

    def __init__(self, mode: bool = True) -> None:
        super().__init__(bool(mode))


class set_detect_anomaly(_ModeContext):
    """Turn anomaly detection on or off for the current thread: at once when called, and
    back to the previous setting on exit when used as a context manager (as in PyTorch).

    Parameters
    ----------
    mode : bool
        Whether to check every op for NaN and inf (see :class:`detect_anomaly`).
    """

    _attr = "anomaly"

    def __init__(self, mode: bool) -> None:
        super().__init__(bool(mode))
        self._prev_at_call = _state.anomaly
        _state.anomaly = self._mode

    def __enter__(self) -> None:
        self._prev.append(self._prev_at_call if not self._prev else _state.anomaly)
        _state.anomaly = self._mode
