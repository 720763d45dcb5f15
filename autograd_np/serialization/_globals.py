"""Which classes and functions a file may name: the safe-globals list and its rules.

A saved object records its class as an import path (``module`` + ``qualname``). Loading
with ``weights_only=True`` (the default) turns such a path back into a class only through
the list the user made with :func:`add_safe_globals` or :class:`safe_globals`; with
``weights_only=False`` a class that is already imported (in ``sys.modules``) is used. No
module is ever imported because a file names it.
"""

from __future__ import annotations

import enum
import importlib
import pickle
import sys
import types
from collections.abc import Iterable
from typing import Any

__all__ = [
    "WeightsOnlyError",
    "add_safe_globals",
    "allowed_by_user",
    "clear_safe_globals",
    "get_safe_globals",
    "global_path",
    "is_plain_class",
    "resolve",
    "safe_globals",
]

SafeGlobal = Any  # a class or function, or a (class_or_function, "module.qualname") pair

_safe: list[SafeGlobal] = []

# Classes of autograd_np itself that any checkpoint may name, as torch allows torch.nn
# Parameter by default. Resolved from these fixed module names, never from the file.
_BUILTIN = {
    "autograd_np.nn.parameter.Parameter": ("autograd_np.nn.parameter", "Parameter"),
    "autograd_np.tensor.Tensor": ("autograd_np.tensor", "Tensor"),
    "collections.OrderedDict": ("collections", "OrderedDict"),
    # plain types as values (a defaultdict's factory, say); never instantiated by a load
    **{
        f"builtins.{name}": ("builtins", name)
        for name in (
            "bool",
            "bytes",
            "complex",
            "dict",
            "float",
            "frozenset",
            "int",
            "list",
            "set",
            "str",
            "tuple",
        )
    },
}


class WeightsOnlyError(pickle.UnpicklingError, ValueError):
    """``load(..., weights_only=True)`` met a class or function that is not allowed.

    A subclass of ``pickle.UnpicklingError`` (what torch raises) and of ValueError (what
    every other refusal of a file raises here).
    """


def add_safe_globals(safe_globals: Iterable[SafeGlobal]) -> None:
    """Allow these classes and functions in files loaded with ``weights_only=True``.

    Each item is a class or function, matched by its ``module.qualname`` path, or a pair
    ``(obj, "module.qualname")`` to match a different path. Only add what you trust: an
    allowed class is created with ``cls.__new__`` and its saved attributes are set (through
    its ``__setstate__`` when it has one).

    Examples
    --------
    >>> from autograd_np import nn, serialization
    >>> serialization.add_safe_globals([nn.Linear])
    >>> nn.Linear in serialization.get_safe_globals()
    True
    >>> serialization.clear_safe_globals()
    """
    items = list(safe_globals)
    for item in items:
        _check_item(item)
    for item in items:
        if item not in _safe:
            _safe.append(item)


def _check_item(item: Any) -> None:
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[1], str):
            raise TypeError(
                f"safe globals: expected a class/function or a (class_or_function, "
                f"'module.qualname') pair, got {item!r}"
            )
        item = item[0]
    if not callable(item):
        raise TypeError(f"safe globals: expected a class or function, got {item!r}")


def get_safe_globals() -> list[SafeGlobal]:
    """The classes and functions added with :func:`add_safe_globals` (a copy)."""
    return list(_safe)


def clear_safe_globals() -> None:
    """Forget every class and function added with :func:`add_safe_globals`."""
    _safe.clear()


class safe_globals:  # lower case: torch's name
    """Context manager: allow these classes and functions while the block runs.

    Parameters
    ----------
    safe_globals : list
        As for :func:`add_safe_globals`. Those already allowed before the block stay
        allowed after it.

    Examples
    --------
    >>> import io
    >>> import autograd_np as ag
    >>> from autograd_np import nn, serialization
    >>> buf = io.BytesIO()
    >>> ag.save(nn.Linear(2, 1, generator=0), buf)
    >>> _ = buf.seek(0)
    >>> with serialization.safe_globals([nn.Linear]):
    ...     layer = ag.load(buf)
    >>> type(layer).__name__
    'Linear'
    """

    def __init__(self, safe_globals: Iterable[SafeGlobal]) -> None:
        self.safe_globals = list(safe_globals)
        for item in self.safe_globals:
            _check_item(item)
        self._added: list[SafeGlobal] = []

    def __enter__(self) -> None:
        self._added = [item for item in self.safe_globals if item not in _safe]
        _safe.extend(self._added)

    def __exit__(self, *exc: object) -> None:
        for item in self._added:
            if item in _safe:
                _safe.remove(item)
        self._added = []


def global_path(obj: Any) -> tuple[str, str]:
    """``(module, qualname)`` of a class or function, checked to import back to ``obj``."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        raise TypeError(
            "it has no import path (a lambda, a local class or function, or a "
            "builtin without one); only objects defined at module level can be saved"
        )
    if _lookup(module, qualname) is not obj:
        raise TypeError(
            f"it is not reachable as {module}.{qualname}; only objects defined at "
            "module level can be saved"
        )
    return module, qualname


def _lookup(module: str, qualname: str) -> Any:
    mod = sys.modules.get(module)
    if mod is None:
        return None
    obj: Any = mod
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def is_plain_class(cls: type) -> bool:
    """Whether instances of ``cls`` can be saved as class path + attributes: every class
    of its MRO but ``object`` is written in Python (no C state that attributes miss)."""
    heap = 1 << 9  # Py_TPFLAGS_HEAPTYPE
    return all(c is object or c.__flags__ & heap for c in cls.__mro__) and not issubclass(
        cls, enum.Enum
    )


def allowed_by_user() -> dict[str, Any]:
    """``'module.qualname'`` -> object, for everything the user allowed."""
    table: dict[str, Any] = {}
    for item in _safe:
        if isinstance(item, tuple):
            table[item[1]] = item[0]
        else:
            module = getattr(item, "__module__", None)
            qualname = getattr(item, "__qualname__", None)
            if isinstance(module, str) and isinstance(qualname, str):
                table[f"{module}.{qualname}"] = item
    return table


def resolve(module: str, qualname: str, *, weights_only: bool, source: str) -> Any:
    """The class or function a file names, under the rules of ``weights_only``."""
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise ValueError(f"load: malformed class path in {source}")
    path = f"{module}.{qualname}"
    if path in _BUILTIN:
        return getattr(importlib.import_module(_BUILTIN[path][0]), _BUILTIN[path][1])
    allowed = allowed_by_user()
    if path in allowed:
        return allowed[path]
    name = qualname.rsplit(".", 1)[-1]
    if weights_only:
        raise WeightsOnlyError(
            f"Weights only load failed: {source} names {path}, which is not an allowed "
            f"global. If you trust this class or function, allow it with "
            f"`autograd_np.serialization.add_safe_globals([{name}])` or load inside "
            f"`with autograd_np.serialization.safe_globals([{name}]):`; or pass "
            "weights_only=False to use classes that are already imported (do that only for "
            "files you trust)."
        )
    obj = _lookup(module, qualname)
    if obj is None:
        raise ValueError(
            f"load: {source} names {path}, which is not defined in any imported module; "
            f"import {module} first (load never imports a module a file names)"
        )
    if isinstance(obj, types.ModuleType):
        raise ValueError(f"load: {source} names the module {path}, not a class or function")
    return obj
