"""Progress bars and plots for the examples. tqdm and matplotlib are optional (the
``examples`` extra): without them the examples still train, with a plain progress line and
no PNGs, and say what they skipped."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np


class _PlainBar:
    """A one-line progress display on a terminal (nothing when output is redirected)."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.n = total, desc, 0
        self.start = time.perf_counter()
        self.live = sys.stderr.isatty()
        self._last = 0.0

    def update(self, n: int = 1, **info: float) -> None:
        self.n += n
        now = time.perf_counter()
        if not self.live or (now - self._last < 0.2 and self.n < self.total):
            return
        self._last = now
        done = self.n / max(self.total, 1)
        elapsed = now - self.start
        eta = elapsed / done - elapsed if done > 0 else 0.0
        width = 24
        bar = "#" * int(width * done) + "-" * (width - int(width * done))
        extra = _describe(info)
        sys.stderr.write(f"\r{self.desc} [{bar}] {self.n}/{self.total} {extra} eta {eta:4.0f}s ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.live:
            sys.stderr.write("\r" + " " * 110 + "\r")
            sys.stderr.flush()


class _TqdmBar:
    def __init__(self, total: int, desc: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True)

    def update(self, n: int = 1, **info: float) -> None:
        if info:
            self._bar.set_postfix_str(_describe(info), refresh=False)
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


def _describe(info: dict[str, float]) -> str:
    parts = []
    if "loss" in info:
        parts.append(f"loss {info['loss']:.4f}")
    if "acc" in info:
        parts.append(f"acc {100 * info['acc']:.2f}%")
    if "rate" in info:
        parts.append(f"{info['rate']:.0f} img/s")
    return " ".join(parts)


def progress_factory(*, disable: bool = False) -> Callable[..., Any]:
    """A constructor ``(total, desc) -> bar`` using tqdm when installed."""
    if disable:
        return lambda total, desc: _NullBar()
    try:
        import tqdm  # noqa: F401
    except ImportError:
        print("tqdm is not installed (pip install tqdm): using a plain progress line")
        return _PlainBar
    return _TqdmBar


class _NullBar:
    def update(self, n: int = 1, **info: float) -> None:
        pass

    def close(self) -> None:
        pass


def confusion_matrix(preds: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """Counts of (true label, predicted label) pairs, shape (n, n)."""
    return np.bincount(labels * n + preds, minlength=n * n).reshape(n, n)


def write_plots(
    out: Path,
    history: list[dict[str, Any]],
    preds: np.ndarray,
    labels: np.ndarray,
    test_set: Any,
    classes: Sequence[str],
    mean_std: tuple[Sequence[float], Sequence[float]],
) -> list[str]:
    """Curves, confusion matrix and misclassified images as PNGs. Returns notes to print."""
    cm = confusion_matrix(preds, labels, len(classes))
    np.savetxt(out / "confusion_matrix.csv", cm, fmt="%d", delimiter=",")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return [
            "matplotlib is not installed (pip install matplotlib): skipped the PNG plots; "
            f"the metrics are in {out / 'metrics.jsonl'} and the confusion matrix in "
            f"{out / 'confusion_matrix.csv'}"
        ]

    epochs = [h["epoch"] for h in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax1.plot(epochs, [h["test_loss"] for h in history], "o-", label="test")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("loss")
    ax1.legend()
    ax2.plot(epochs, [100 * h["train_acc"] for h in history], "o-", label="train")
    ax2.plot(epochs, [100 * h["test_acc"] for h in history], "o-", label="test")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy (%)")
    ax2.legend()
    for ax in (ax1, ax2):  # whole epochs only
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(out / "curves.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    im = ax.imshow(cm, cmap="Blues")
    n = len(classes)
    ax.set_xticks(range(n), classes, rotation=45, ha="right")
    ax.set_yticks(range(n), classes)
    for i in range(n):
        for j in range(n):
            color = "white" if cm[i, j] > cm.max() / 2 else "black"
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7, color=color)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.colorbar(im)
    fig.tight_layout()
    fig.savefig(out / "confusion_matrix.png", dpi=100)
    plt.close(fig)

    wrong = np.flatnonzero(preds != labels)[:36]
    images = _raw_images(test_set, wrong)
    cols = 6
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.6, rows * 1.8))
    for ax in np.atleast_1d(axes).ravel():
        ax.axis("off")
    for ax, k, img in zip(np.atleast_1d(axes).ravel(), wrong, images):
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        ax.set_title(f"{classes[labels[k]]}→{classes[preds[k]]}", fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "misclassified.png", dpi=100)
    plt.close(fig)
    return [
        f"plots: {out / 'curves.png'}, {out / 'confusion_matrix.png'}, {out / 'misclassified.png'}"
    ]


def _raw_images(test_set: Any, indices: np.ndarray) -> list[np.ndarray]:
    """The untransformed uint8 images at ``indices`` (HxW or HxWxC)."""
    base, offset = test_set, np.asarray(indices)
    while hasattr(base, "dataset") and hasattr(base, "indices"):  # a Subset
        offset = np.asarray(base.indices)[offset]
        base = base.dataset
    return [np.asarray(base.data[i]) for i in offset]
