"""``torch.utils``: ``utils.data`` is :mod:`autograd_np.data` under PyTorch's name.

``import autograd_np.utils.data``, ``from autograd_np.utils.data import DataLoader`` and
``autograd_np.utils.data.DataLoader`` all give the objects of :mod:`autograd_np.data`
themselves (the same module and classes, not copies), and so do its submodules
(``autograd_np.utils.data.sampler`` is ``autograd_np.data.sampler``). The engine never
imports the data package: it is loaded when ``utils.data`` is first touched.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

__all__ = ["data"]

_ALIAS = __name__ + ".data"
_REAL = "autograd_np.data"


class _AliasLoader(importlib.abc.Loader):
    """Loads an alias name as the module it stands for (imported under its own name)."""

    def __init__(self, real: str) -> None:
        self.real = real
        self._real_spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.real)
        self._real_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # the import system set __spec__ to the alias's spec: give the module its own back
        module.__spec__ = self._real_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``autograd_np.utils.data`` and its submodules as ``autograd_np.data``'s."""

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _ALIAS and not fullname.startswith(_ALIAS + "."):
            return None
        real = _REAL + fullname[len(_ALIAS) :]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real))


if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())


def __getattr__(name: str) -> Any:
    if name == "data":
        return importlib.import_module(_ALIAS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
