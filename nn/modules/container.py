"""Containers: ``Sequential``, ``ModuleList`` and ``ModuleDict``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from autograd_np.nn.modules.module import Module, _addindent

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


def _index(idx: int, n: int, what: str) -> int:
    if not isinstance(idx, int):
        raise TypeError(f"{what} indices must be integers or slices, not {type(idx).__name__}")
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range for {what} of length {n}")
    return idx % n


def _delete_and_renumber(modules: dict[str, Module | None], idx: int | slice, what: str) -> None:
    """Remove the modules at ``idx``, then name the rest ``"0"``, ``"1"``... again, as PyTorch
    does, so that indices and names agree."""
    keys = list(modules)
    doomed = keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(keys), what)]]
    for key in doomed:
        del modules[key]
    renumbered = OrderedDict((str(i), m) for i, m in enumerate(modules.values()))
    modules.clear()
    modules.update(renumbered)


class Sequential(Module):
    """Modules called one after another, each on the previous one's output.

    Parameters
    ----------
    *args : Module, or one OrderedDict[str, Module]
        The modules, named ``"0"``, ``"1"``... or by the OrderedDict's keys.

    Examples
    --------
    >>> from collections import OrderedDict
    >>> from autograd_np import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> len(model), type(model[-1]).__name__, len(model[1:])
    (3, 'Linear', 2)
    >>> named = nn.Sequential(OrderedDict(fc=nn.Linear(4, 2), act=nn.Tanh()))
    >>> [name for name, _ in named.named_children()]
    ['fc', 'act']
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    @overload
    def __getitem__(self, idx: slice) -> Sequential: ...

    @overload
    def __getitem__(self, idx: int) -> Module: ...

    def __getitem__(self, idx: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return type(self)(OrderedDict(items[idx]))
        module = items[_index(idx, len(items), "Sequential")][1]
        assert module is not None
        return module

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(idx, len(self._modules), "Sequential")]
        setattr(self, key, module)

    def __delitem__(self, idx: int | slice) -> None:
        _delete_and_renumber(self._modules, idx, "Sequential")

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(m for m in self._modules.values() if m is not None)

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise TypeError(f"add operator supports only Sequential, got {type(other).__name__}")
        return Sequential(*self, *other)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns ``self``."""
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index``; returns ``self``."""
        if not isinstance(module, Module):
            raise TypeError(f"module should be of type Module, got {type(module).__name__}")
        n = len(self._modules)
        if not -n <= index <= n:
            raise IndexError(f"index {index} is out of range for Sequential of length {n}")
        if index < 0:
            index += n
        values = list(self._modules.values())
        values.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(values):
            self._modules[str(i)] = m
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        """Append each module of ``modules``; returns ``self``."""
        for module in modules:
            self.append(module)
        return self

    def pop(self, idx: int) -> Module:
        """Remove and return the module at ``idx``."""
        module = self[idx]
        del self[idx]
        return module

    def forward(self, input: Any) -> Any:
        """Run each module on the previous one's output."""
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules, registered as submodules ``"0"``, ``"1"``...

    It has no ``forward``: use it to hold layers that ``forward`` calls in its own way.

    Parameters
    ----------
    modules : iterable of Module, optional

    Examples
    --------
    >>> from autograd_np import nn
    >>> blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
    >>> blocks.append(nn.ReLU())
    ModuleList(
      (0-2): 3 x Linear(in_features=4, out_features=4, bias=True)
      (3): ReLU()
    )
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @overload
    def __getitem__(self, idx: slice) -> ModuleList: ...

    @overload
    def __getitem__(self, idx: int) -> Module: ...

    def __getitem__(self, idx: int | slice) -> Module:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            return ModuleList(values[idx])  # type: ignore[arg-type]
        module = values[_index(idx, len(values), "ModuleList")]
        assert module is not None
        return module

    def __setitem__(self, idx: int, module: Module) -> None:
        i = _index(idx, len(self._modules), "ModuleList")
        setattr(self, str(i), module)

    def __delitem__(self, idx: int | slice) -> None:
        _delete_and_renumber(self._modules, idx, "ModuleList")

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(m for m in self._modules.values() if m is not None)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns ``self``."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each module of ``modules``; returns ``self``."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError(
                "ModuleList.extend should be called with an iterable of modules, got "
                f"{type(modules).__name__}"
            )
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        values = list(self._modules.values())
        values.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(values):
            self.add_module(str(i), m)

    def pop(self, idx: int = -1) -> Module:
        """Remove and return the module at ``idx`` (the last by default)."""
        module = self[idx]
        del self[idx]
        return module

    def __repr__(self) -> str:
        # Runs of identical consecutive modules are shown once: "(0-2): 3 x Linear(...)".
        reprs = [repr(m) for m in self._modules.values()]
        if not reprs:
            return "ModuleList()"
        lines: list[str] = []
        start = 0
        for end in range(1, len(reprs) + 1):
            if end == len(reprs) or reprs[end] != reprs[start]:
                body = _addindent(reprs[start], 2)
                if end - start == 1:
                    lines.append(f"({start}): {body}")
                else:
                    lines.append(f"({start}-{end - 1}): {end - start} x {body}")
                start = end
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules, registered as submodules under their keys (insertion order).

    Parameters
    ----------
    modules : Mapping[str, Module] or iterable of (str, Module) pairs, optional

    Examples
    --------
    >>> from autograd_np import nn
    >>> heads = nn.ModuleDict({"cls": nn.Linear(8, 10), "box": nn.Linear(8, 4)})
    >>> list(heads.keys()), "cls" in heads
    (['cls', 'box'], True)
    """

    def __init__(
        self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
    ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        module = self._modules[key]
        assert module is not None
        return module

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove and return the module at ``key``."""
        module = self[key]
        del self[key]
        return module

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._modules.keys())

    def items(self) -> list[tuple[str, Module]]:
        """The ``(key, module)`` pairs, in insertion order."""
        return [(k, m) for k, m in self._modules.items() if m is not None]

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return [m for m in self._modules.values() if m is not None]

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) modules from a mapping or from ``(key, module)`` pairs."""
        if isinstance(modules, (Mapping, ModuleDict)):
            for key, module in modules.items():
                self[key] = module
            return
        for i, pair in enumerate(modules):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(
                    f"ModuleDict update sequence element #{i} should be a (key, module) pair, "
                    f"got {pair!r}"
                )
            self[pair[0]] = pair[1]
