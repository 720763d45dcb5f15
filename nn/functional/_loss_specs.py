"""Sample specifications and numpy references of the losses (what the generic registry test
draws and compares against): the regression losses and KL divergence of
``regression_loss.py``, then the classification losses of ``classification_loss.py``."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.nn.functional._loss_utils import REDUCTIONS
from autograd_np.ops.softmax_family import log_softmax_numpy, softmax_numpy
from autograd_np.testing.registry import Sample, Sampler


def _reduce_ref(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(np.mean(loss))
    if reduction == "sum":
        return np.asarray(np.sum(loss))
    return loss


def _with(sample: Sample, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return sample.args, {**sample.kwargs, **kwargs}


# ---------------------------------------------------------------------- regression and KL
def _regression_spec(avoid: tuple[float, ...] = ()) -> Any:
    """An input and a target of one shape, their difference away from ``avoid``."""

    def spec(s: Sampler) -> Sample:
        shape = s.shape(max_dims=3)
        target = s.array(shape)
        diff = s.array(shape, low=-2.0, high=2.0, avoid=avoid, margin=0.1)
        return Sample((target + diff, target), {"reduction": s.choice(list(REDUCTIONS))})

    return spec


def _smooth_l1_spec(s: Sampler) -> Sample:
    beta = s.choice([1.0, 0.5, 0.0])
    return Sample(*_with(_regression_spec(avoid=(0.0, -beta, beta))(s), beta=beta))


def _smooth_l1_ref(
    x: np.ndarray, t: np.ndarray, reduction: str = "mean", beta: float = 1.0
) -> np.ndarray:
    d = np.abs(x - t)
    loss = d - 0.5 * beta if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce_ref(loss, reduction)


def _huber_spec(s: Sampler) -> Sample:
    delta = s.choice([1.0, 0.5, 2.0])
    return Sample(*_with(_regression_spec(avoid=(0.0, -delta, delta))(s), delta=delta))


def _huber_ref(
    x: np.ndarray, t: np.ndarray, reduction: str = "mean", delta: float = 1.0
) -> np.ndarray:
    d = np.abs(x - t)
    return _reduce_ref(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _kl_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    log_target = s.boolean()
    x = np.log(s.array(shape, low=0.05, high=1.0))
    t = s.array(shape, low=0.05, high=1.0)
    reduction = s.choice(["none", "sum", "batchmean"])
    return Sample(
        (x, np.log(t) if log_target else t), {"reduction": reduction, "log_target": log_target}
    )


def _kl_ref(
    x: np.ndarray, t: np.ndarray, reduction: str = "mean", log_target: bool = False
) -> np.ndarray:
    if log_target:
        loss = np.exp(t) * (t - x)
    else:
        loss = np.where(t > 0, t * np.log(np.where(t > 0, t, 1.0)), 0.0) - t * x
    if reduction == "batchmean":
        return np.asarray(loss.sum() / (x.shape[0] if x.ndim else 1))
    return _reduce_ref(loss, reduction)


# ---------------------------------------------------------------------- classification
def _bce_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3)
    x = s.array(shape, low=0.05, high=0.95)
    t = s.array(shape, low=0.0, high=1.0)
    kwargs: dict[str, Any] = {"reduction": s.choice(list(REDUCTIONS))}
    if s.boolean():
        kwargs["weight"] = s.array(shape[-1:], low=0.5, high=2.0)
    return Sample((x, t), kwargs)


def _bce_ref(x: np.ndarray, t: np.ndarray, weight: Any = None, reduction: str = "mean") -> Any:
    loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    if weight is not None:
        loss = loss * np.asarray(weight)
    return _reduce_ref(loss, reduction)


def _bce_logits_spec(s: Sampler) -> Sample:
    sample = _bce_spec(s)
    x = s.array(sample.args[0].shape, low=-4.0, high=4.0)
    kwargs = dict(sample.kwargs)
    if s.boolean():
        kwargs["pos_weight"] = s.array(x.shape[-1:], low=0.5, high=3.0)
    return Sample((x, sample.args[1]), kwargs)


def _bce_logits_ref(
    x: np.ndarray,
    t: np.ndarray,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Any:
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight)
    loss = pw * t * np.logaddexp(0, -x) + (1 - t) * np.logaddexp(0, x)
    if weight is not None:
        loss = loss * np.asarray(weight)
    return _reduce_ref(loss, reduction)


def _class_spec(s: Sampler, *, probabilities: bool, smoothing: bool) -> Sample:
    n_classes = s.integers(2, 4)
    kind = s.choice(["flat", "spatial", "unbatched"])
    batch = (s.integers(1, 4),)
    rest = (s.integers(1, 3),) if kind == "spatial" else ()
    x = s.array((*batch, n_classes, *rest) if kind != "unbatched" else (n_classes,))
    kwargs: dict[str, Any] = {"reduction": s.choice(list(REDUCTIONS))}
    if s.boolean():
        kwargs["weight"] = s.array((n_classes,), low=0.5, high=2.0)
    if smoothing:
        kwargs["label_smoothing"] = s.choice([0.0, 0.2])
    if probabilities and s.boolean():
        t = softmax_numpy(s.array(x.shape), 0 if x.ndim == 1 else 1)
        return Sample((x, t), kwargs)
    t = s.int_array(batch + rest if kind != "unbatched" else (), 0, n_classes - 1)
    if kind != "unbatched" and s.boolean():
        ignore = s.choice([-100, 0])
        kwargs["ignore_index"] = ignore
        t = np.where(s.int_array(t.shape, 0, 2) == 0, ignore, t)
        t.reshape(-1)[0] = n_classes - 1  # keep one target, so the mean is defined
    return Sample((x, t), kwargs)


def _class_ref(
    x: np.ndarray,
    t: np.ndarray,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    *,
    log_probs: bool = False,
) -> np.ndarray:
    """numpy reference of cross_entropy (and, with ``log_probs``, of nll_loss)."""
    unbatched = x.ndim == 1
    if unbatched:
        x, t = x[None], t[None]
    n_classes = x.shape[1]
    logp = x if log_probs else log_softmax_numpy(x, 1)
    w = np.ones(n_classes) if weight is None else np.asarray(weight)
    w_b = w.reshape((1, n_classes) + (1,) * (x.ndim - 2))
    eps = label_smoothing
    if t.dtype.kind == "f":
        loss = -np.sum(w_b * (t * (1 - eps) + eps / n_classes) * logp, axis=1)
        denom = loss.size
    else:
        valid = t != ignore_index
        safe = np.where(valid, t, 0)
        picked = np.take_along_axis(logp, safe[:, None], 1)[:, 0]
        w_t = w[safe] * valid
        loss = -(1 - eps) * w_t * picked - eps / n_classes * valid * np.sum(w_b * logp, 1)
        denom = w_t.sum()
    if reduction == "mean":
        return np.asarray(loss.sum() / denom)
    if reduction == "sum":
        return np.asarray(loss.sum())
    return loss[0] if unbatched else loss


def _nll_spec(s: Sampler) -> Sample:
    return _class_spec(s, probabilities=False, smoothing=False)


def _cross_entropy_spec(s: Sampler) -> Sample:
    return _class_spec(s, probabilities=True, smoothing=True)
