"""Rprop (Riedmiller & Braun, 1993): per-coordinate step sizes that grow while the
gradient keeps its sign and shrink when it flips; only the gradient's sign is used."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim.optimizer import ParamsT, _number, _RuleOptimizer
from autograd_np.tensor import Tensor

__all__ = ["Rprop", "rprop_step"]


def rprop_step(
    param: np.ndarray,
    grad: np.ndarray,
    prev: np.ndarray,
    step_size: np.ndarray,
    *,
    etaminus: float,
    etaplus: float,
    step_size_min: float,
    step_size_max: float,
    maximize: bool,
    scratch: np.ndarray | None = None,
) -> None:
    """One Rprop update of ``param`` and its state, in place (PyTorch's algorithm).

    With ``g = ±grad`` (minus when maximizing), coordinate by coordinate::

        f = etaplus if g * prev > 0, etaminus if g * prev < 0, else 1
        step_size = clip(step_size * f, step_size_min, step_size_max)
        g = 0 where f == etaminus          (the sign flipped: no move this step)
        param -= sign(g) * step_size
        prev = g

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    prev, step_size : np.ndarray
        The previous (masked) gradient and the per-coordinate step sizes (updated in place).
    etaminus, etaplus, step_size_min, step_size_max : float
        Hyperparameters, as Python floats.
    maximize : bool
        Ascend instead of descend.
    scratch : np.ndarray, optional
        A work array shaped like ``param`` (allocated when omitted).
    """
    work = np.empty_like(param) if scratch is None else scratch
    g = np.negative(grad) if maximize else grad
    np.multiply(g, prev, out=work)
    np.sign(work, out=work)
    flipped = work < 0
    # sign -> factor: 1 -> etaplus, -1 -> etaminus, 0 -> 1
    work[work > 0] = etaplus
    work[flipped] = etaminus
    work[work == 0] = 1.0
    step_size *= work
    np.clip(step_size, step_size_min, step_size_max, out=step_size)
    np.copyto(prev, g)
    prev[flipped] = 0
    np.sign(prev, out=work)
    work *= step_size
    param -= work


class Rprop(_RuleOptimizer):
    """Resilient backpropagation, as ``torch.optim.Rprop``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-2
        The initial step size of every coordinate.
    etas : (float, float), default (0.5, 1.2)
        ``(etaminus, etaplus)``, the factors that shrink and grow the step sizes;
        ``0 < etaminus < 1 < etaplus``.
    step_sizes : (float, float), default (1e-6, 50)
        The minimal and maximal step sizes.
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Notes
    -----
    State per parameter: ``step`` (int), ``prev`` and ``step_size`` (which starts at the
    group's ``lr`` on the parameter's first step; changing ``lr`` later has no effect on
    it, as in PyTorch). Rprop suits full-batch training: with mini-batches the sign of the
    gradient is noisy.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import Rprop
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = Rprop([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     _ = opt.step()
    >>> w  # steps of 0.1, then 0.1 * 1.2
    tensor([ 0.78, -1.78], requires_grad=True)
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset({"step", "prev", "step_size"})
    _nonnegative: ClassVar[tuple[tuple[str, str], ...]] = (("lr", "learning rate"),)

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "maximize": maximize}
        super().__init__(params, defaults)

    def _normalize_group(self, group: dict[str, Any]) -> None:
        for key in ("etas", "step_sizes"):
            if isinstance(group[key], (list, tuple)):
                group[key] = tuple(group[key])

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        for key in ("etas", "step_sizes"):
            if not isinstance(group[key], (list, tuple)) or len(group[key]) != 2:
                raise ValueError(f"Rprop: {key} must be a pair, got {group[key]!r}")
        etaminus, etaplus = (_number("Rprop", "etas", e) for e in group["etas"])
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(
                f"Rprop: invalid etas {group['etas']!r}; expected (etaminus, etaplus) with "
                "0 < etaminus < 1 < etaplus"
            )
        low, high = (_number("Rprop", "step_sizes", s) for s in group["step_sizes"])
        if not 0.0 <= low <= high:
            raise ValueError(
                f"Rprop: invalid step_sizes {group['step_sizes']!r}; expected (min, max) with "
                "0 <= min <= max"
            )

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        etaminus, etaplus = (float(e) for e in group["etas"])
        low, high = (float(s) for s in group["step_sizes"])
        return {
            "etaminus": etaminus,
            "etaplus": etaplus,
            "step_size_min": low,
            "step_size_max": high,
            "maximize": bool(group["maximize"]),
        }

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self.state[p]
        if "step" not in state:
            state["step"] = 0
            state["prev"] = np.zeros_like(p.array)
            state["step_size"] = np.full_like(p.array, float(group["lr"]))
        state["step"] += 1
        rprop_step(
            p.array,
            grad,
            state["prev"],
            state["step_size"],
            scratch=self._buffer(p.array),
            **options,
        )
