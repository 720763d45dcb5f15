"""L-BFGS (Liu & Nocedal, 1989) with PyTorch's closure API and its strong-Wolfe line search
(after minFunc, Schmidt 2005; the zoom of Nocedal & Wright, Algorithm 3.6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from autograd_np.autograd import grad_mode, increment_version
from autograd_np.optim.optimizer import Optimizer, ParamsT, check_nonnegative
from autograd_np.tensor import Tensor

__all__ = ["LBFGS", "cubic_interpolate", "strong_wolfe", "two_loop"]

# evaluates the objective at x + t * d: returns the loss and the flat gradient there
ObjectiveT = Callable[[float, np.ndarray], tuple[float, np.ndarray]]


def cubic_interpolate(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """The minimizer, clipped to ``bounds`` (default: between ``x1`` and ``x2``), of the
    cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1`` and ``g2``; the middle of
    the bounds when that cubic has no minimum (Nocedal & Wright, eq. 3.59)."""
    if bounds is not None:
        lo, hi = bounds
    else:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    # float64 scalars: a zero denominator gives an infinite step, clipped to the bounds
    # (as with PyTorch's tensors), instead of raising ZeroDivisionError
    x1_, f1_, g1_, x2_, f2_, g2_ = (np.float64(v) for v in (x1, f1, g1, x2, f2, g2))
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = g1_ + g2_ - 3 * (f1_ - f2_) / (x1_ - x2_)
        d2_square = d1**2 - g1_ * g2_
        if d2_square >= 0:
            d2 = np.sqrt(d2_square)
            if x1 <= x2:
                min_pos = x2_ - (x2_ - x1_) * ((g2_ + d2 - d1) / (g2_ - g1_ + 2 * d2))
            else:
                min_pos = x1_ - (x1_ - x2_) * ((g1_ + d2 - d1) / (g1_ - g2_ + 2 * d2))
            return float(min(max(min_pos, lo), hi))
    return (lo + hi) / 2.0


def strong_wolfe(
    obj_func: ObjectiveT,
    t: float,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: float,
    *,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """Find a step ``t`` along ``d`` that satisfies the strong Wolfe conditions,
    ``f(t) <= f + c1 t gtd`` and ``|f'(t)| <= c2 |gtd|``, as PyTorch's LBFGS does.

    A bracketing phase grows ``t`` (by cubic interpolation, up to 10x per trial) until an
    interval is known to hold such a step; a zoom phase then narrows it, at most ``max_ls``
    evaluations in all.

    Parameters
    ----------
    obj_func : callable
        ``obj_func(t, d) -> (loss, flat_gradient)`` at ``x + t * d``.
    t : float
        The first step to try.
    d : np.ndarray
        The (flat) search direction.
    f, g, gtd : float, np.ndarray, float
        The loss, its flat gradient and the directional derivative ``g . d`` at ``t = 0``.
    c1, c2 : float
        The sufficient-decrease and curvature constants.
    tolerance_change : float
        Stop zooming when the bracket is shorter than this (measured along ``d``).
    max_ls : int
        The largest number of evaluations.

    Returns
    -------
    (float, np.ndarray, float, int)
        The loss and the flat gradient at the chosen step, the step, and the number of
        evaluations made.
    """
    d_norm = float(np.abs(d).max())
    g = g.copy()
    f_new, g_new = obj_func(t, d)
    ls_func_evals = 1
    gtd_new = float(g_new @ d)

    # bracketing phase
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[np.ndarray] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate: a step between 1.01 t and 10 t
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:  # reached the evaluation budget while bracketing
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom phase: shrink the bracket until a point satisfies the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # a point too close to an end of the bracket makes little progress: after one
        # such point, or at an end, move it to 10% of the bracket's length inside
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # sufficient decrease fails: the new point becomes the high end
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True  # the strong Wolfe conditions hold
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old low end becomes the high end
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def two_loop(
    al: list[Any],
    q: np.ndarray,
    old_dirs: list[np.ndarray],
    old_stps: list[np.ndarray],
    ro: list[Any],
    H_diag: Any,
) -> np.ndarray:
    """The L-BFGS two-loop recursion (Nocedal & Wright, Algorithm 7.4): ``H q`` for the
    inverse-Hessian estimate ``H`` made of ``H_diag * I`` and the history pairs
    ``(s_i, y_i) = (old_stps[i], old_dirs[i])``, oldest first, with ``ro[i] = 1 / y_i.s_i``.

    ``q`` is overwritten; ``al`` receives the first loop's coefficients (it is extended
    when shorter than the history).
    """
    num_old = len(old_dirs)
    if len(al) < num_old:
        al.extend([None] * (num_old - len(al)))
    for i in range(num_old - 1, -1, -1):
        al[i] = (old_stps[i] @ q) * ro[i]
        q -= al[i] * old_dirs[i]
    r = q * H_diag
    for i in range(num_old):
        be_i = (old_dirs[i] @ r) * ro[i]
        r += (al[i] - be_i) * old_stps[i]
    return r


class LBFGS(Optimizer):
    """L-BFGS, as ``torch.optim.LBFGS``: each ``step(closure)`` runs up to ``max_iter``
    quasi-Newton iterations, re-evaluating the model through ``closure``.

    Parameters
    ----------
    params : iterable of Tensor
        Parameters to optimize (a single group: L-BFGS treats them as one flat vector).
    lr : float, default 1
        Learning rate: the step along each search direction (the first step of the line
        search with ``line_search_fn='strong_wolfe'``).
    max_iter : int, default 20
        Iterations per call of ``step``.
    max_eval : int, optional
        Closure evaluations per call of ``step`` (default ``max_iter * 5 // 4``).
    tolerance_grad : float, default 1e-7
        Stop when every gradient coordinate is at most this in absolute value.
    tolerance_change : float, default 1e-9
        Stop when the loss, or every coordinate of the step, changes by less than this.
    history_size : int, default 100
        The number of (step, gradient change) pairs kept for the inverse-Hessian estimate.
    line_search_fn : {None, 'strong_wolfe'}, default None
        Without a line search the step is ``lr`` (``lr * min(1, 1 / sum|g|)`` on the very
        first iteration).

    Notes
    -----
    The state lives under the first parameter, as in PyTorch: ``func_evals`` and ``n_iter``
    (totals over all steps), the last direction ``d`` and step ``t``, the history
    ``old_dirs`` (gradient changes), ``old_stps`` (steps) and ``ro`` (their ``1 / y.s``),
    ``H_diag``, ``prev_flat_grad``, ``prev_loss`` and ``al``. Vectors are flat arrays of
    all the parameters' values, in the parameters' dtype. Memory: ``2 * history_size + 3``
    such vectors.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> from autograd_np.optim import LBFGS
    >>> x = ag.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    >>> opt = LBFGS([x], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # Rosenbrock's
    ...     loss.backward()
    ...     return loss
    >>> for _ in range(3):
    ...     _ = opt.step(closure)
    >>> x.array.round(5)  # the minimum, after 53 evaluations of the closure
    array([1., 1.])
    >>> opt.state[x]["func_evals"]
    53
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset(
        {
            "func_evals",
            "n_iter",
            "d",
            "t",
            "old_dirs",
            "old_stps",
            "ro",
            "H_diag",
            "prev_flat_grad",
            "prev_loss",
            "al",
        }
    )

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None and isinstance(max_iter, int) and not isinstance(max_iter, bool):
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add the one parameter group (L-BFGS supports no other).

        Parameters
        ----------
        param_group : dict
            ``{"params": tensors, **hyperparameters}``.
        """
        if self.param_groups:
            raise ValueError(
                "LBFGS doesn't support per-parameter options (parameter groups): give all "
                "the parameters in one group"
            )
        super().add_param_group(param_group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        check_nonnegative("LBFGS", "learning rate", group["lr"])
        for key in ("max_iter", "max_eval", "history_size"):
            value = group[key]
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"LBFGS: {key} must be a positive int, got {value!r}")
        check_nonnegative("LBFGS", "tolerance_grad", group["tolerance_grad"])
        check_nonnegative("LBFGS", "tolerance_change", group["tolerance_change"])
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                f"{group['line_search_fn']!r}"
            )

    # ------------------------------------------------------------------ flat vectors
    def _gather_flat_grad(self) -> np.ndarray:
        parts = [
            np.zeros(p.array.size, p.array.dtype) if p.grad is None else p.grad.array.ravel()
            for p in self._params
        ]
        return np.concatenate(parts)

    def _add_grad(self, step_size: float, update: np.ndarray) -> None:
        """``params += step_size * update``, in place."""
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += step_size * update[offset : offset + n].reshape(p.array.shape)
            increment_version(p)
            offset += n

    def _set_params(self, values: list[np.ndarray]) -> None:
        for p, v in zip(self._params, values):
            np.copyto(p.array, v)
            increment_version(p)

    def _closure_loss(self, closure: Callable[[], Any]) -> tuple[Any, float]:
        loss = self._evaluate(closure)
        try:
            return loss, float(loss)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "LBFGS.step: the closure must return the loss as a number or a one-element "
                f"Tensor, got {type(loss).__name__}"
            ) from exc

    # ------------------------------------------------------------------ step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss.

        Parameters
        ----------
        closure : callable
            Clears the gradients, re-evaluates the model, calls ``backward`` on the loss
            and returns it. Called with grad mode on, at least once per step.
        """
        if closure is None:
            raise TypeError(
                "LBFGS.step needs a closure that clears the gradients, re-evaluates the "
                "model, calls loss.backward() and returns the loss"
            )
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = int(group["max_iter"]), int(group["max_eval"])
        tolerance_grad = float(group["tolerance_grad"])
        tolerance_change = float(group["tolerance_change"])
        line_search_fn = group["line_search_fn"]
        history_size = int(group["history_size"])

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss = self._closure_loss(closure)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:  # already optimal
            return orig_loss

        d: np.ndarray = state.get("d")  # type: ignore[assignment]
        t: Any = state.get("t")
        old_dirs: list[np.ndarray] = state.get("old_dirs", [])
        old_stps: list[np.ndarray] = state.get("old_stps", [])
        ro: list[Any] = state.get("ro", [])
        H_diag: Any = state.get("H_diag", 1)
        prev_flat_grad: np.ndarray | None = state.get("prev_flat_grad")
        prev_loss: float | None = state.get("prev_loss")

        with grad_mode.no_grad():
            n_iter = 0
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1

                # the descent direction
                if state["n_iter"] == 1:
                    d = -flat_grad
                    old_dirs, old_stps, ro, H_diag = [], [], [], 1
                else:
                    y = flat_grad - prev_flat_grad
                    s = d * t
                    ys = y @ s
                    if ys > 1e-10:  # keep the pair only if the curvature is positive
                        if len(old_dirs) == history_size:
                            old_dirs.pop(0)
                            old_stps.pop(0)
                            ro.pop(0)
                        old_dirs.append(y)
                        old_stps.append(s)
                        ro.append(1.0 / ys)
                        H_diag = ys / (y @ y)
                    if "al" not in state:
                        state["al"] = [None] * history_size
                    d = two_loop(state["al"], -flat_grad, old_dirs, old_stps, ro, H_diag)

                if prev_flat_grad is None:
                    prev_flat_grad = flat_grad.copy()
                else:
                    np.copyto(prev_flat_grad, flat_grad)
                prev_loss = loss

                # the step length
                first = state["n_iter"] == 1
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if first else lr
                gtd = flat_grad @ d
                if gtd > -tolerance_change:  # not a descent direction
                    break

                ls_func_evals = 0
                if line_search_fn is not None:
                    x_init = [p.array.copy() for p in self._params]

                    def obj_func(
                        step: float, direction: np.ndarray, x: list[np.ndarray] = x_init
                    ) -> tuple[float, np.ndarray]:
                        self._add_grad(step, direction)
                        _, value = self._closure_loss(closure)
                        grad = self._gather_flat_grad()
                        self._set_params(x)
                        return value, grad

                    loss, flat_grad, t, ls_func_evals = strong_wolfe(
                        obj_func, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                    )
                    self._add_grad(t, d)
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                else:
                    self._add_grad(t, d)
                    opt_cond = False
                    if n_iter != max_iter:
                        # re-evaluate unless this is the last iteration of the step
                        _, loss = self._closure_loss(closure)
                        flat_grad = self._gather_flat_grad()
                        opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                        ls_func_evals = 1
                current_evals += ls_func_evals
                state["func_evals"] += ls_func_evals

                # the stopping conditions
                if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                    break
                if np.abs(d * t).max() <= tolerance_change:
                    break
                if abs(loss - prev_loss) < tolerance_change:
                    break

        state.update(
            d=d,
            t=t,
            old_dirs=old_dirs,
            old_stps=old_stps,
            ro=ro,
            H_diag=H_diag,
            prev_flat_grad=prev_flat_grad,
            prev_loss=prev_loss,
        )
        return orig_loss

    # ------------------------------------------------------------------ state
    def _load_value(self, name: str, index: Any, p: Tensor, key: str, value: Any) -> Any:
        """The history is flat vectors (and lists of them) of all the parameters' values,
        kept in their dtype; counters and scalars are numbers."""
        if key not in self._state_keys:
            return super()._load_value(name, index, p, key, value)  # raises
        dtype = np.result_type(*(q.array.dtype for q in self._params))
        size = sum(q.array.size for q in self._params)

        def convert(v: Any) -> Any:
            if v is None:
                return None
            if isinstance(v, Tensor):
                v = v.array
            if isinstance(v, (list, tuple)):
                return [convert(item) for item in v]
            arr = np.asarray(v)
            if arr.ndim == 0:
                if key in ("func_evals", "n_iter"):
                    return int(arr)
                return float(arr) if key == "prev_loss" else arr.astype(dtype)[()]
            if arr.shape != (size,):
                raise ValueError(
                    f"{name}: state {key!r} holds an array of shape {arr.shape}, but the "
                    f"parameters have {size} values in all"
                )
            return np.array(arr, dtype=dtype, copy=True)

        return convert(value)
