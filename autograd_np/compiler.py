"""``compile``: PyTorch's graph compiler has no counterpart here; it returns its argument."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["compile"]


def compile(
    model: Callable[..., Any] | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: Any = "inductor",
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    disable: bool = False,
) -> Any:
    """Return ``model`` unchanged: nothing is compiled (ops run eagerly, as always here).

    So that ``model = torch.compile(model)`` and ``@torch.compile`` work; with no model it
    returns a decorator that returns the function unchanged, like ``@torch.compile(...)``.
    The options are accepted and ignored.
    """
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise TypeError(f"compile: expected a module or a function, got {type(model).__name__}")
    return model
