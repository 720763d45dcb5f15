"""Hooks: the handle that removes a registered hook, for tensors and modules alike
(PyTorch's ``torch.utils.hooks.RemovableHandle``)."""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from typing import Any

__all__ = ["HookDict", "RemovableHandle"]


class HookDict(OrderedDict[int, Any]):
    """Registered hooks by handle id, in registration order (an OrderedDict that can be
    weak-referenced, which plain dicts cannot)."""


class RemovableHandle:
    """Returned by ``register_hook`` and the ``register_*_hook`` methods of modules;
    ``remove()`` unregisters the hook, and so does leaving a ``with`` block.

    Parameters
    ----------
    hooks : HookDict
        Where the hook is registered; the caller stores it there under :attr:`id`. The
        handle keeps only a weak reference, so it does not keep its owner alive.

    Examples
    --------
    >>> hooks = HookDict()
    >>> handle = RemovableHandle(hooks)
    >>> hooks[handle.id] = print
    >>> handle.remove()
    >>> len(hooks)
    0
    """

    _next_id = itertools.count()

    def __init__(self, hooks: HookDict) -> None:
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
