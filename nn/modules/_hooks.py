"""Hook bookkeeping for Module: the ordered hook dicts and the handles that remove hooks."""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from typing import Any

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook.

    Also a context manager that removes the hook on exit.
    """

    _next_id = itertools.count()

    def __init__(self, hooks: dict[int, Any]) -> None:
        self.id = next(RemovableHandle._next_id)
        self._hooks_ref = weakref.ref(hooks)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        hooks = self._hooks_ref()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _HookDict(OrderedDict[int, Any]):
    """An OrderedDict that can be weak-referenced (plain dicts cannot)."""
