"""Evaluation of the examples' models: loss, accuracy, predictions and labels over the test
set, in one process or summed and gathered over the ranks of a data-parallel run."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_np as ag
import autograd_np.nn as nn
import autograd_np.nn.functional as F
from autograd_np.data import DataLoader
from examples.ranks import Ranks

__all__ = ["as_numpy", "evaluate"]


def evaluate(
    model: nn.Module, loader: DataLoader, tta_flip: bool, ranks: Ranks | None = None
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Mean loss, accuracy, predictions and labels over ``loader``, in eval mode.

    In a data-parallel run each rank's ``loader`` holds its share of the test set (the
    items ``ranks.eval_indices``), and the results are those of the whole set: summed
    loss and counts, predictions and labels gathered back into the set's order."""
    loss_sum, p, t = _predict(model, loader, tta_flip)
    if ranks is None or ranks.world == 1:
        return loss_sum / len(t), float((p == t).mean()), p, t
    loss_sum, count = ranks.sum(np.array([loss_sum, len(t)])).tolist()
    total = int(count)
    p, t = ranks.gather(p, total), ranks.gather(t, total)
    return loss_sum / total, float((p == t).mean()), p, t


def _predict(
    model: nn.Module, loader: DataLoader, tta_flip: bool
) -> tuple[float, np.ndarray, np.ndarray]:
    """Summed loss, predictions and labels over ``loader``, in eval mode."""
    model.eval()
    total_loss, preds, labels = 0.0, [], []
    with ag.no_grad():
        for x, y in loader:
            logits = model(x)
            if tta_flip:  # average with the horizontally flipped images
                logits = (logits + model(_flip_width(x))) * 0.5
            total_loss += float(F.cross_entropy(logits, y, reduction="sum"))
            preds.append(logits.array.argmax(axis=1))
            labels.append(as_numpy(y))
    return total_loss, np.concatenate(preds), np.concatenate(labels)


def as_numpy(x: Any) -> np.ndarray:
    """A batch as a numpy array, whether the loader yields Tensors or arrays."""
    return x.array if isinstance(x, ag.Tensor) else np.asarray(x)


def _flip_width(x: Any) -> Any:
    return x.flip(-1) if isinstance(x, ag.Tensor) else x[..., ::-1].copy()
