"""A pickle interpreter that can only build what its caller allows: no pickle module code runs.

:func:`pickletools.genops` splits the byte stream into opcodes and their arguments; this
module executes the opcodes itself, on a whitelist. Containers, numbers, strings and
bytes are built directly; a ``GLOBAL`` is looked up in the caller's table (any other name is
refused before anything is called); ``REDUCE`` calls only objects from that table;
``BUILD`` sets attributes only on the types the caller names; persistent ids go to the
caller's ``persistent_load``. Opcodes that could reach other code (``INST``, ``OBJ``,
``EXT*``, buffers) are refused, and so is ``NEWOBJ`` but for a class the user allowed.
"""

from __future__ import annotations

import io
import pickletools
from collections.abc import Callable
from typing import Any

from autograd_np.serialization._globals import WeightsOnlyError

__all__ = ["Allowed", "restricted_loads"]

_PUSH_ARG = {
    "INT",
    "BININT",
    "BININT1",
    "BININT2",
    "LONG",
    "LONG1",
    "LONG4",
    "FLOAT",
    "BINFLOAT",
    "STRING",
    "BINSTRING",
    "SHORT_BINSTRING",
    "UNICODE",
    "BINUNICODE",
    "SHORT_BINUNICODE",
    "BINUNICODE8",
    "BINBYTES",
    "SHORT_BINBYTES",
    "BINBYTES8",
}
_CONSTANTS: dict[str, Any] = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False}


class Allowed:
    """A class or function the user allowed (``add_safe_globals``): ``REDUCE`` calls it,
    ``NEWOBJ`` makes an instance of it with ``cls.__new__``, and ``BUILD`` may set the state
    of the instances so made (through ``__setstate__`` when the class has one)."""

    _pickle_callable = True

    def __init__(self, target: Any) -> None:
        self.target = target

    def __call__(self, *args: Any) -> Any:
        return self.target(*args)

    def __repr__(self) -> str:
        return repr(self.target)


class _Machine:
    def __init__(
        self,
        source: str,
        find_global: Callable[[str, str], Any],
        persistent_load: Callable[[Any], Any],
        buildable: tuple[type, ...],
    ) -> None:
        self.source = source
        self.find_global = find_global
        self.persistent_load = persistent_load
        self.buildable = buildable
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.user_types: set[type] = set()  # types of objects made by an Allowed class

    def malformed(self, what: str) -> ValueError:
        return ValueError(f"load: the pickle in {self.source} is malformed ({what})")

    def pop(self) -> Any:
        if not self.stack:
            raise self.malformed("stack underflow")
        return self.stack.pop()

    def pop_mark(self) -> list[Any]:
        if not self.metastack:
            raise self.malformed("no MARK")
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def run(self, data: bytes) -> Any:
        ops = pickletools.genops(io.BytesIO(data))
        try:
            while True:
                try:
                    op, arg, _pos = next(ops)
                except StopIteration:
                    break
                except ValueError as e:  # a bad opcode or a truncated argument
                    raise self.malformed(str(e)) from e
                name = op.name
                if name == "STOP":
                    if len(self.stack) != 1 or self.metastack:
                        raise self.malformed("STOP with a bad stack")
                    return self.stack[0]
                self.step(name, arg)
        except (ValueError, WeightsOnlyError):
            raise
        except (IndexError, KeyError, TypeError, OverflowError, EOFError) as e:
            raise self.malformed(f"{type(e).__name__}: {e}") from e
        raise self.malformed("no STOP opcode")

    def step(self, name: str, arg: Any) -> None:
        stack = self.stack
        if name in _PUSH_ARG:
            stack.append(arg)
        elif name in _CONSTANTS:
            stack.append(_CONSTANTS[name])
        elif name in ("PROTO", "FRAME"):
            pass
        elif name == "MARK":
            self.metastack.append(stack)
            self.stack = []
        elif name == "POP":
            self.pop()
        elif name == "POP_MARK":
            self.pop_mark()
        elif name == "DUP":
            stack.append(stack[-1])
        elif name == "EMPTY_TUPLE":
            stack.append(())
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            if len(stack) < n:
                raise self.malformed("stack underflow")
            items = tuple(stack[-n:])
            del stack[-n:]
            stack.append(items)
        elif name == "TUPLE":
            built: Any = tuple(self.pop_mark())  # pop first: it switches self.stack
            self.stack.append(built)
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "LIST":
            built = self.pop_mark()
            self.stack.append(built)
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name == "DICT":
            flat = self.pop_mark()
            if len(flat) % 2:
                raise self.malformed("DICT with an odd number of items")
            self.stack.append(dict(zip(flat[::2], flat[1::2])))
        elif name == "EMPTY_SET":
            stack.append(set())
        elif name == "FROZENSET":
            built = frozenset(self.pop_mark())
            self.stack.append(built)
        elif name in ("APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS"):
            self.fill(name)
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            self.memo[arg] = stack[-1]
        elif name == "MEMOIZE":
            self.memo[len(self.memo)] = stack[-1]
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            if arg not in self.memo:
                raise self.malformed(f"memo key {arg} is not set")
            stack.append(self.memo[arg])
        elif name == "GLOBAL":
            module, _, qualname = arg.partition(" ")
            stack.append(self.find_global(module, qualname))
        elif name == "STACK_GLOBAL":
            qualname, module = self.pop(), self.pop()
            if not isinstance(module, str) or not isinstance(qualname, str):
                raise self.malformed("STACK_GLOBAL without two strings")
            stack.append(self.find_global(module, qualname))
        elif name == "REDUCE":
            args, func = self.pop(), self.pop()
            if not isinstance(args, tuple):
                raise self.malformed("REDUCE arguments are not a tuple")
            if not getattr(func, "_pickle_callable", False):
                raise WeightsOnlyError(
                    f"Weights only load failed: {self.source} asks to call {func!r}, which is "
                    "not an allowed function"
                )
            result = func(*args)
            if isinstance(func, Allowed) and isinstance(func.target, type):
                self.user_types.add(type(result))
            stack.append(result)
        elif name == "NEWOBJ":
            args, cls = self.pop(), self.pop()
            if not isinstance(cls, Allowed) or not isinstance(cls.target, type):
                raise WeightsOnlyError(
                    f"Weights only load failed: {self.source} asks to create a {cls!r}, which "
                    "is not an allowed class"
                )
            if not isinstance(args, tuple):
                raise self.malformed("NEWOBJ arguments are not a tuple")
            obj = cls.target.__new__(cls.target, *args)
            self.user_types.add(type(obj))
            stack.append(obj)
        elif name == "BUILD":
            state = self.pop()
            if not stack:
                raise self.malformed("stack underflow")
            self.build(stack[-1], state)
        elif name in ("BINPERSID", "PERSID"):
            stack.append(self.persistent_load(self.pop() if name == "BINPERSID" else arg))
        else:
            raise WeightsOnlyError(
                f"Weights only load failed: {self.source} uses the pickle opcode {name}, "
                "which a weights-only load never runs"
            )

    def fill(self, name: str) -> None:
        if name in ("APPEND", "SETITEM"):
            items = [self.pop()] if name == "APPEND" else [self.pop(), self.pop()][::-1]
        else:
            items = self.pop_mark()
        target = self.stack[-1] if self.stack else None
        if name.startswith("APPEND") and type(target) is list:
            target.extend(items)
        elif name.startswith("SETITEM") and isinstance(target, dict):
            if len(items) % 2:
                raise self.malformed("SETITEMS with an odd number of items")
            for k, v in zip(items[::2], items[1::2]):
                target[k] = v
        elif name == "ADDITEMS" and type(target) is set:
            target.update(items)
        else:
            raise self.malformed(f"{name} on a {type(target).__name__}")

    def build(self, obj: Any, state: Any) -> None:
        if type(obj) in self.user_types:
            self.build_allowed(obj, state)
            return
        if not isinstance(obj, self.buildable):
            raise WeightsOnlyError(
                f"Weights only load failed: {self.source} sets the state of a "
                f"{type(obj).__name__}, which a weights-only load never does"
            )
        if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
            state = state[0]
        if state is None:
            return
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise self.malformed(f"BUILD of a {type(obj).__name__} with a bad state")
        for key, value in state.items():
            if key.startswith("__") or hasattr(type(obj), key):
                raise self.malformed(f"BUILD sets the attribute {key!r}, which shadows its class")
            setattr(obj, key, value)

    def build_allowed(self, obj: Any, state: Any) -> None:
        setstate = getattr(type(obj), "__setstate__", None)
        if setstate is not None:
            setstate(obj, state)
            return
        slots: Any = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slots = state
        for part in (state, slots):
            if part is None:
                continue
            if not isinstance(part, dict) or not all(isinstance(k, str) for k in part):
                raise self.malformed(f"BUILD of a {type(obj).__name__} with a bad state")
            for key, value in part.items():
                object.__setattr__(obj, key, value)


def restricted_loads(
    data: bytes,
    *,
    source: str,
    find_global: Callable[[str, str], Any],
    persistent_load: Callable[[Any], Any],
    buildable: tuple[type, ...] = (),
) -> Any:
    """Run the pickle ``data`` with only the globals ``find_global`` returns.

    ``find_global(module, name)`` returns an object or raises; an object it returns is
    callable by ``REDUCE`` only when it has the attribute ``_pickle_callable = True``.
    ``BUILD`` may set attributes only on instances of ``buildable``.
    """
    return _Machine(source, find_global, persistent_load, buildable).run(data)
