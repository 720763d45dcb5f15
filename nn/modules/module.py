"""``Module``: the base class of every layer and model.

A module holds its parameters, buffers and submodules in three ordered dicts, filled by
attribute assignment, and computes its output in ``forward`` by calling
:mod:`autograd_np.nn.functional`. Gradients come from the autodiff engine: no module defines
a backward.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import numpy as np

from autograd_np.autograd import increment_version
from autograd_np.devices import check_device
from autograd_np.devices import device as device_type
from autograd_np.dtypes import DTypeLike, is_floating
from autograd_np.hooks import HookDict, RemovableHandle
from autograd_np.nn.modules._state import _IncompatibleKeys, load_into
from autograd_np.nn.parameter import Parameter
from autograd_np.tensor import Tensor

__all__ = ["Module", "RemovableHandle"]

M = TypeVar("M", bound="Module")


def _check_name(owner: Module, kind: str, name: Any, existing: Mapping[str, Any]) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise KeyError(f"{kind} name cannot be an empty string")
    if "." in name:
        raise KeyError(f'{kind} name cannot contain ".", got {name!r}')
    if hasattr(owner, name) and name not in existing:
        raise KeyError(f"attribute '{name}' already exists")


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """Base class of layers and models.

    Subclasses call ``super().__init__()`` first, then assign their parameters
    (:class:`Parameter`), submodules (``Module``) and buffers (``register_buffer``) as
    attributes, and define ``forward``. Calling the module runs the forward pre-hooks,
    ``forward`` and the forward hooks.

    Attributes
    ----------
    training : bool
        Whether the module is in training mode (set by ``train()`` and ``eval()``; layers
        such as Dropout and BatchNorm behave differently in each).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> class MLP(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(4, 8, generator=0)
    ...         self.fc2 = nn.Linear(8, 2, generator=1)
    ...     def forward(self, x):
    ...         return self.fc2(nn.functional.relu(self.fc1(x)))
    >>> model = MLP()
    >>> [name for name, _ in model.named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    >>> model(ag.zeros(3, 4)).shape
    (3, 2)
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: dict[str, Module | None]
    _forward_pre_hooks: HookDict
    _forward_hooks: HookDict

    def __init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", OrderedDict())
        set_(self, "_forward_pre_hooks", HookDict())
        set_(self, "_forward_hooks", HookDict())

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a module from its attributes (as ``autograd_np.load`` and ``copy`` do).

        Attributes missing from ``state`` (a file written before they existed) get their
        defaults, and hook tables saved as plain dicts become hook tables again.
        """
        Module.__init__(self)
        defaults = dict(self.__dict__)
        self.__dict__.update(state)
        for name, default in defaults.items():
            value = self.__dict__[name]
            if isinstance(default, HookDict) and not isinstance(value, HookDict):
                object.__setattr__(self, name, HookDict(value))

    # ------------------------------------------------------------------ forward and hooks
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the output; every subclass defines it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self._forward_pre_hooks and not self._forward_hooks:
            return self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            "forward pre-hook registered with with_kwargs=True must return "
                            f"None or a tuple (args, kwargs), got {type(result).__name__}"
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks.values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _add_hook(
        self, hooks: HookDict, hook: Callable[..., Any], prepend: bool, with_kwargs: bool
    ) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = (hook, with_kwargs)
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward``.

        The hook may return a new ``args`` (a tuple, or a single value that is wrapped in
        one). With ``with_kwargs=True`` it is called as ``hook(module, args, kwargs)`` and may
        return a new ``(args, kwargs)``. ``prepend=True`` runs it before the hooks already
        registered. Returns a handle whose ``remove()`` unregisters the hook.
        """
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward``.

        The hook may return a new output. With ``with_kwargs=True`` it is called as
        ``hook(module, args, kwargs, output)``. ``prepend=True`` runs it before the hooks
        already registered. Returns a handle whose ``remove()`` unregisters the hook.
        """
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    # ------------------------------------------------------------------ registration
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a declared but absent parameter) as ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name(self, "parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register ``tensor`` as a buffer: state that is not trained (BatchNorm's running
        statistics, say).

        Buffers follow the module in ``to()`` and ``buffers()``; persistent ones are saved in
        ``state_dict()``. None declares a buffer without a value.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name(self, "buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as the submodule ``name`` (same as assigning it)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "_modules" not in self.__dict__:
            raise AttributeError("cannot assign module before Module.__init__() call")
        _check_name(self, "module", name, self._modules)
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._remove_from(name, d, self._buffers, self._modules)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            modules = d.get("_modules")
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._remove_from(name, d, self._parameters, self._buffers)
            modules[name] = value
        elif name in d.get("_modules", ()):
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(nn.Module or None expected)"
                )
            self._modules[name] = value
        elif name in d.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _remove_from(self, name: str, *dicts: dict[str, Any]) -> None:
        for d in dicts:
            if name in d:
                del d[name]
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            members = d.get(store)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = [*super().__dir__(), *self._parameters, *self._buffers, *self._modules]
        return sorted(k for k in set(keys) if not k[0].isdigit())

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for this module and every submodule, depth first.

        This module comes first, named ``prefix``; a module reachable by several paths is
        yielded once (at its first path) unless ``remove_duplicate=False``.
        """
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Yield this module and every submodule (each once), depth first."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the direct submodules (each once)."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """Yield the direct submodules (each once)."""
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, store: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else iter([(prefix, self)])
        )
        for mod_prefix, module in mods:
            members: dict[str, Any] = getattr(module, store)
            for name, value in members.items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` in registration order, submodules after their parent's
        own parameters, names dotted (``"0.weight"``). A parameter shared by several modules
        is yielded once unless ``remove_duplicate=False``; ``recurse=False`` yields only this
        module's own parameters."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield the parameters (each once), in the order of :meth:`named_parameters`."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(name, buffer)``, persistent or not, like :meth:`named_parameters`."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield the buffers (each once)."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path ``target`` (``""`` is this module)."""
        module: Module = self
        if target == "":
            return module
        for part in target.split("."):
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(
                    f"{type(module).__name__} has no submodule `{part}` (looking up {target!r})"
                )
            module = child
        return module

    # ------------------------------------------------------------------ modes and grads
    def train(self: M, mode: bool = True) -> M:
        """Set training mode (``mode=True``) or evaluation mode on this module and every
        submodule; returns ``self``."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self: M) -> M:
        """Set evaluation mode (same as ``train(False)``); returns ``self``."""
        return self.train(False)

    def requires_grad_(self: M, requires_grad: bool = True) -> M:
        """Set ``requires_grad`` on every parameter (freeze with False); returns ``self``."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradient of every parameter: to None (the default), or to zeros."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            elif p.grad.array.flags.writeable and p.grad.grad_fn is None:
                p.grad.zero_()
            else:
                p.grad = Tensor.from_array(np.zeros_like(p.array))

    def apply(self: M, fn: Callable[[Module], Any]) -> M:
        """Call ``fn`` on every submodule (children first) and then on ``self``; returns
        ``self``. Typical use: custom initialization."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ dtype
    def _apply_dtype(self, dtype: np.dtype[Any]) -> None:
        seen: set[int] = set()
        tensors: list[Tensor] = [*self.parameters(), *self.buffers()]
        for t in tensors:
            if id(t) in seen or not is_floating(t.dtype) or t.dtype == dtype:
                continue
            seen.add(id(t))
            t.array = t.array.astype(dtype)
            increment_version(t)
            if t.grad is not None:
                t.grad = Tensor.from_array(t.grad.array.astype(dtype))

    def to(self: M, *args: Any, **kwargs: Any) -> M:
        """Convert the floating-point parameters and buffers to a floating dtype, in place.

        ``to(np.float64)``, ``to(dtype=np.float64)``, ``to("float64")`` or ``to(tensor)``
        (that tensor's dtype). The Parameter objects stay the same (optimizers holding them
        keep working); integer buffers such as ``num_batches_tracked`` are left alone. The
        device ``"cpu"`` is accepted and ignored: the CPU is the only device. Returns ``self``.
        """
        dtype: Any = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        devices = [kwargs.pop("device", None)]
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, (str, device_type)):
                devices.append(arg)
            elif not isinstance(arg, bool):  # PyTorch's positional non_blocking flag
                dtype = arg
        for dev in devices:
            check_device(dev, "Module.to")
        if dtype is not None:
            dt = _as_dtype(dtype)
            if not is_floating(dt):
                raise TypeError(
                    f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dt}"
                )
            self._apply_dtype(dt)
        return self

    def float(self: M) -> M:
        """Convert floating-point parameters and buffers to float32; returns ``self``."""
        self._apply_dtype(np.dtype(np.float32))
        return self

    def double(self: M) -> M:
        """Convert floating-point parameters and buffers to float64; returns ``self``."""
        self._apply_dtype(np.dtype(np.float64))
        return self

    def cpu(self: M) -> M:
        """Return ``self`` (the CPU is the only device); for code written for PyTorch."""
        return self

    def cuda(self: M, device: Any = None) -> M:
        """Raise: there is no CUDA device (autograd_np runs on the CPU only)."""
        check_device("cuda" if device is None else device, "Module.cuda")
        return self

    # ------------------------------------------------------------------ state dict
    def state_dict(
        self,
        *,
        destination: dict[str, Any] | None = None,
        prefix: str = "",
        keep_vars: bool = False,
    ) -> OrderedDict[str, Tensor]:
        """The parameters and persistent buffers, by dotted name.

        Order: each module's own parameters, then its persistent buffers, then each
        submodule's entries with the submodule's name as prefix; the keys are PyTorch's for
        the same architecture. A shared parameter appears under every name it has.

        Returns
        -------
        OrderedDict[str, Tensor]
            With ``keep_vars=False`` (the default) each value is a Tensor detached from the
            graph that shares memory (and its in-place version counter) with the parameter
            or buffer, as in PyTorch: copy it (``{k: v.numpy().copy() ...}``) to snapshot
            the values. With ``keep_vars=True`` the values are the Parameters and buffers
            themselves. ``v.numpy()`` gives the arrays to hand to PyTorch
            (``torch.from_numpy``).
        """
        if destination is None:
            destination = OrderedDict()
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(
                    destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars
                )
        return destination  # type: ignore[return-value]

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> _IncompatibleKeys:
        """Copy values from ``state_dict`` into the parameters and persistent buffers.

        Parameters
        ----------
        state_dict : Mapping[str, Tensor or np.ndarray]
            Values by dotted name, as :meth:`state_dict` makes them (PyTorch's key names);
            Tensors, numpy arrays or anything ``np.asarray`` takes. Values are copied (and
            cast to each parameter's dtype); the Parameter objects stay the same.
        strict : bool, default True
            Raise when keys are missing or unexpected. With False those are only reported.

        Returns
        -------
        namedtuple ``(missing_keys, unexpected_keys)``

        Raises
        ------
        RuntimeError
            Naming every missing key, every unexpected key (when ``strict``) and every
            shape mismatch (always), in one message. Nothing is copied when it raises.
        """
        return load_into(self, state_dict, strict)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr (its settings)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


def _as_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    try:
        return np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"to(): expected a dtype, a Tensor or 'cpu', got {dtype!r}") from e
