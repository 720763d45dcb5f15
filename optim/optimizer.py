"""The ``Optimizer`` base class: parameter groups, per-parameter state, ``zero_grad``,
``state_dict`` / ``load_state_dict``, with PyTorch's structure and semantics.

A subclass validates its hyperparameters in :meth:`Optimizer._validate_group`, declares the
names of its per-parameter state in ``_state_keys`` (and, among them, the plain numbers in
``_scalar_state_keys``), and implements :meth:`Optimizer.step`.
The built-in optimizers derive from :class:`_RuleOptimizer`, whose ``step`` calls their
update rule (a plain function over numpy arrays) on each parameter that has a gradient.
State arrays have the parameter's shape and dtype; the step count is an int.
"""

from __future__ import annotations

import copy
import functools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

import numpy as np

from autograd_np import parallel
from autograd_np.autograd import grad_mode, increment_version
from autograd_np.dtypes import is_floating
from autograd_np.tensor import Tensor

__all__ = ["Optimizer", "ParamsT"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


class Optimizer:
    """Base class of the optimizers.

    Parameters
    ----------
    params : iterable of Tensor, of (name, Tensor) pairs, or of dicts
        The tensors to optimize, or parameter groups: dicts with a ``"params"`` entry and
        any hyperparameters that should differ from ``defaults`` for that group.
    defaults : dict
        The default hyperparameters of every group.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` (a list of Tensors) and the hyperparameters.
        Schedulers change ``group["lr"]`` between steps.
    state : dict
        Per-parameter state, keyed by the parameter Tensor (numpy arrays of the parameter's
        shape and dtype, and an int ``"step"`` where the algorithm counts steps).
    defaults : dict
        The hyperparameters a group gets when it does not set them.

    Notes
    -----
    Parameters whose ``.grad`` is None are skipped by ``step``. Updates change the
    parameters' arrays in place (``p.array`` is never rebound) and bump their version
    counters, so a graph that saved a parameter before the step refuses to backward.
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset()
    # state entries that are numbers rather than arrays of the parameter's shape
    _scalar_state_keys: ClassVar[frozenset[str]] = frozenset()
    _opt_called = False  # set by every step(), so schedulers can check the call order

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _record_step_calls(cls.__dict__["step"])  # type: ignore[method-assign]

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self.defaults = dict(defaults)
        self._validate_group(self.defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._scratch: dict[np.dtype[Any], np.ndarray] = {}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or of dicts, got a single "
                "Tensor; pass [tensor] instead"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ groups
    def _validate_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError when a hyperparameter of ``group`` is invalid (subclasses)."""

    def _normalize_group(self, group: dict[str, Any]) -> None:
        """Bring loaded values to their canonical types (subclasses; e.g. betas to a tuple)."""

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with its own hyperparameters, to ``param_groups``.

        Useful to start training layers that were frozen. Hyperparameters the group does
        not set are taken from ``defaults``.

        Parameters
        ----------
        param_group : dict
            ``{"params": tensors, **hyperparameters}``; ``params`` is a Tensor, or a list of
            Tensors or of ``(name, Tensor)`` pairs.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}: a parameter group must be a dict, got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        group = dict(param_group)
        raw = group["params"]
        if isinstance(raw, Tensor):
            items: list[Any] = [raw]
        elif isinstance(raw, (set, frozenset)):
            raise TypeError(
                f"{name}: parameters must be given in an ordered collection such as a list; "
                "the order of a set changes between runs"
            )
        else:
            items = list(raw)
        if not items:
            raise ValueError(f"{name}: got an empty parameter list")
        named = [isinstance(p, tuple) for p in items]
        if any(named) and not all(named):
            raise ValueError(f"{name}: give every parameter of a group with a name, or none")
        if all(named):
            group["param_names"] = [str(n) for n, _ in items]
            items = [p for _, p in items]
        for i, p in enumerate(items):
            _check_param(name, i, p)
        group["params"] = items
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._normalize_group(group)
        self._validate_group(group)

        if len({id(p) for p in items}) != len(items):
            raise ValueError(f"{name}: a parameter group lists the same parameter twice")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in items):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        if self.param_groups and ("param_names" in group) != (
            "param_names" in self.param_groups[0]
        ):
            raise ValueError(f"{name}: give every parameter group with names, or none")
        self.param_groups.append(group)

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters.

        Parameters
        ----------
        set_to_none : bool, default True
            Set ``.grad`` to None (frees memory; parameters without a gradient are skipped
            by ``step``) instead of filling it with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                if g.array.flags.writeable:
                    g.array.fill(0)
                    increment_version(g)
                else:  # a read-only view handed out by backward: replace it
                    p.grad = Tensor.from_array(np.zeros_like(p.array))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once; returns the closure's loss (or None).

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss; it is called with grad mode on,
            before the update.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with grad_mode.enable_grad():
            return closure()

    def _params_with_grad(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, np.ndarray]]:
        """The (parameter, gradient array) pairs of ``group`` whose gradient is set (the
        engine guarantees a gradient has its tensor's shape and dtype)."""
        for p in group["params"]:
            g = p.grad
            if g is not None:
                yield p, g.array

    def _buffer(self, like: np.ndarray) -> np.ndarray:
        """A scratch array shaped like ``like``, reused across parameters and steps."""
        buf = self._scratch.get(like.dtype)
        if buf is None or buf.size < like.size:
            buf = np.empty(like.size, dtype=like.dtype)
            self._scratch[like.dtype] = buf
        return buf[: like.size].reshape(like.shape)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state: per-parameter state and the parameter groups.

        Returns
        -------
        dict
            ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``:
            parameters are replaced by their position, counting through the groups in
            order. The state arrays are the optimizer's own (not copies): save them, or
            copy them, before stepping again.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if s and id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state saved by :meth:`state_dict` (of an optimizer of the same kind).

        The groups are matched by position and must hold as many parameters as this
        optimizer's; state arrays must have their parameter's shape and are copied, cast to
        the parameter's dtype. The loaded hyperparameters replace the current ones. Nothing
        changes when loading fails.

        Parameters
        ----------
        state_dict : dict
            ``{"state": ..., "param_groups": ...}`` as returned by :meth:`state_dict`.
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{name}: expected a dict with keys 'state' and 'param_groups'")
        saved_groups = copy.deepcopy(list(state_dict["param_groups"]))
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}: the state dict has {len(saved_groups)} parameter groups, this "
                f"optimizer has {len(self.param_groups)}"
            )
        id_map: dict[int, Tensor] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"{name}: parameter group {i} has no 'params' list")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}: parameter group {i} has {len(saved['params'])} parameters in "
                    f"the state dict but {len(group['params'])} in this optimizer"
                )
            for k, p in zip(saved["params"], group["params"]):
                id_map[int(k)] = p

        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for k, entry in state_dict["state"].items():
            if int(k) not in id_map:
                raise ValueError(
                    f"{name}: the state dict has state for parameter {k}, which none of its "
                    "parameter groups lists"
                )
            p = id_map[int(k)]
            new_state[p] = {key: self._load_value(name, k, p, key, v) for key, v in entry.items()}

        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            merged = {k: v for k, v in group.items() if k not in ("params", "param_names")}
            merged.update(saved)
            merged["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                merged["param_names"] = group["param_names"]
            self._normalize_group(merged)
            self._validate_group(merged)
            new_groups.append(merged)
        self.state = new_state
        self.param_groups = new_groups

    def _load_value(self, name: str, index: Any, p: Tensor, key: str, value: Any) -> Any:
        if self._state_keys and key not in self._state_keys:
            raise ValueError(
                f"{name}: the state of parameter {index} has an entry {key!r}, which "
                f"{type(self).__name__} does not use (it keeps {sorted(self._state_keys)}); "
                "was the state dict saved by another kind of optimizer?"
            )
        if isinstance(value, Tensor):
            value = value.array
        if key == "step":
            step = float(np.asarray(value))
            return int(step) if step.is_integer() else step
        if key in self._scalar_state_keys:
            return float(np.asarray(value))
        if isinstance(value, np.ndarray):
            if value.shape != p.array.shape:
                raise ValueError(
                    f"{name}: state {key!r} of parameter {index} has shape {value.shape}, but "
                    f"the parameter has shape {p.array.shape}"
                )
            return np.array(value, dtype=p.array.dtype, copy=True)
        return copy.deepcopy(value)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _record_step_calls(step: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a subclass's ``step`` so that calling it sets ``_opt_called`` on the optimizer."""

    @functools.wraps(step)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        self._opt_called = True
        return step(self, *args, **kwargs)

    return wrapper


class _RuleOptimizer(Optimizer):
    """An optimizer whose step applies one update rule to each parameter that has a
    gradient, as all the built-in ones do. A subclass reads a group's hyperparameters in
    :meth:`_options` and updates one parameter (and its state) in :meth:`_update`.

    What most rules need is declared: ``_nonnegative`` lists the hyperparameters that must
    be numbers >= 0 (checked by :meth:`_validate_group`), ``_float_options`` and
    ``_bool_options`` the ones :meth:`_options` passes to the rule as Python floats and
    bools, and :meth:`_next_state` creates a parameter's state on its first update.
    """

    # (group key, the name errors give it) of each hyperparameter that must be >= 0
    _nonnegative: ClassVar[tuple[tuple[str, str], ...]] = ()
    _float_options: ClassVar[tuple[str, ...]] = ()
    _bool_options: ClassVar[tuple[str, ...]] = ("maximize",)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once; returns the closure's loss (or None).

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (called with grad mode on).
        """
        loss = self._evaluate(closure)
        with grad_mode.no_grad():
            for group in self.param_groups:
                options = self._options(group)
                for p, grad in self._params_with_grad(group):
                    self._update(p, grad, options, group)
                    increment_version(p)
        return loss

    def _validate_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        for key, what in self._nonnegative:
            check_nonnegative(name, what, group[key])

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        """The update rule's hyperparameters for ``group``, as Python numbers."""
        options = {key: float(group[key]) for key in self._float_options}
        options.update((key, bool(group[key])) for key in self._bool_options)
        return options

    def _next_state(self, p: Tensor, *arrays: str, **optional: bool) -> dict[str, Any]:
        """``p``'s state for this update, its ``step`` counted up by one.

        On the first update the state starts as ``step = 0`` and a zero array (of ``p``'s
        shape and dtype) for each name in ``arrays``; a name in ``optional`` gets its zero
        array when its flag is true and the state has none yet (e.g. a momentum buffer
        once momentum is turned on)."""
        state = self.state[p]
        if "step" not in state:
            state["step"] = 0
            for key in arrays:
                state[key] = np.zeros_like(p.array)
        for key, wanted in optional.items():
            if wanted and key not in state:
                state[key] = np.zeros_like(p.array)
        state["step"] += 1
        return state

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Update ``p.array`` (and ``p``'s state) in place from the gradient array ``grad``,
        with the ``options`` of its ``group``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _update()")


def elementwise_rule(rule: Callable[..., Any], *arrays: np.ndarray | None, **options: Any) -> None:
    """``rule(*arrays, **options)`` for an elementwise update rule (Adam's, SGD's), run on
    flat ranges of the arrays at the same time (see :mod:`autograd_np.parallel`). The
    arrays (None allowed) have one size; array options (``scratch``) are sliced with them.
    Arrays that are not C-contiguous, or small ones, take one call."""
    present = [a for a in arrays if a is not None]
    present += [v for v in options.values() if isinstance(v, np.ndarray)]
    n = present[0].size
    nbytes = sum(a.nbytes for a in present)
    if len(parallel.chunks(n, nbytes)) == 1 or not all(
        a.flags.c_contiguous and a.size == n for a in present
    ):
        rule(*arrays, **options)
        return

    def flat(a: Any, lo: int, hi: int) -> Any:
        return a.reshape(-1)[lo:hi] if isinstance(a, np.ndarray) else a

    parallel.split(
        lambda lo, hi: rule(
            *[flat(a, lo, hi) for a in arrays], **{k: flat(v, lo, hi) for k, v in options.items()}
        ),
        n,
        nbytes=nbytes,
    )


def _check_param(name: str, i: int, p: Any) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(
            f"{name}: can only optimize Tensors, but parameter {i} is a {type(p).__name__}"
        )
    if not is_floating(p.dtype):
        raise TypeError(
            f"{name}: can only optimize floating-point tensors, but parameter {i} has dtype "
            f"{p.dtype}"
        )
    if not (p.is_leaf or p.retains_grad):
        raise ValueError(
            f"{name}: can't optimize a non-leaf tensor (parameter {i} was computed by "
            f"{p.grad_fn}); optimize the leaf it was computed from, or a detached copy made "
            "with .detach().requires_grad_()"
        )


# ---------------------------------------------------------------------- shared validation
def check_nonnegative(name: str, what: str, value: Any) -> None:
    """Raise ``ValueError`` unless ``value`` is a number >= 0 (NaN is rejected)."""
    v = _number(name, what, value)
    if not v >= 0.0:
        raise ValueError(f"{name}: invalid {what} {value!r}; expected a number >= 0")


def check_beta(name: str, what: str, value: Any) -> None:
    """Raise ``ValueError`` unless ``0 <= value < 1``."""
    v = _number(name, what, value)
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{name}: invalid {what} {value!r}; expected a number in [0, 1)")


def _number(name: str, what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: {what} must be a number, got {type(value).__name__}")
    v = float(value)
    if math.isinf(v):
        raise ValueError(f"{name}: invalid {what} {value!r}; expected a finite number")
    return v
