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


def run_eta(done: int, done_at_start: int, total: int, elapsed: float) -> float | None:
    """Seconds left in the run: the steps still to do at the average pace of the steps
    done since the bar started (None before the first)."""
    steps = done - done_at_start
    if steps <= 0:
        return None
    return max(total - done, 0) * elapsed / steps


class _PlainBar:
    """A one-line progress display of the whole run on a terminal (nothing when output is
    redirected), with the time left in the run."""

    def __init__(self, total: int, desc: str = "", initial: int = 0) -> None:
        self.total, self.desc, self.n, self.initial = total, desc, initial, initial
        self.start = time.perf_counter()
        self.live = sys.stderr.isatty()
        self._last = 0.0
        self._info: dict[str, float] = {}

    def set_description(self, desc: str) -> None:
        self.desc = desc

    def update(self, n: int = 1, **info: float) -> None:
        self.n += n
        self._info = info or self._info
        now = time.perf_counter()
        if not self.live or (now - self._last < 0.2 and self.n < self.total):
            return
        self._last = now
        self._draw(now)

    def _draw(self, now: float) -> None:
        done = self.n / max(self.total, 1)
        eta = run_eta(self.n, self.initial, self.total, now - self.start)
        left = "?" if eta is None else _clock(eta)
        width = 24
        bar = "#" * int(width * done) + "-" * (width - int(width * done))
        sys.stderr.write(
            f"\r{self.desc} [{bar}] step {self.n}/{self.total} {_describe(self._info)} "
            f"run time left {left} "
        )
        sys.stderr.flush()

    def write(self, line: str) -> None:
        """Print a line above the bar."""
        if self.live:
            sys.stderr.write("\r" + " " * 110 + "\r")
        print(line, flush=True)
        if self.live:
            self._draw(time.perf_counter())

    def close(self) -> None:
        if self.live:
            sys.stderr.write("\r" + " " * 110 + "\r")
            sys.stderr.flush()


class _TqdmBar:
    """tqdm over the whole run: its time left (``remaining``) covers every epoch, at the
    average pace since the bar started (smoothing 0, so evaluation pauses count)."""

    FORMAT = (
        "{desc} {percentage:3.0f}%|{bar}| step {n_fmt}/{total_fmt} "
        "[{elapsed} elapsed, run time left {remaining}{postfix}]"
    )

    def __init__(self, total: int, desc: str = "", initial: int = 0) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=total,
            initial=initial,
            desc=desc,
            leave=False,
            dynamic_ncols=True,
            smoothing=0,
            bar_format=self.FORMAT,
        )

    def set_description(self, desc: str) -> None:
        self._bar.set_description_str(desc, refresh=False)

    def update(self, n: int = 1, **info: float) -> None:
        if info:
            self._bar.set_postfix_str(_describe(info), refresh=False)
        self._bar.update(n)

    def write(self, line: str) -> None:
        """Print a line above the bar."""
        self._bar.write(line)
        sys.stdout.flush()

    def close(self) -> None:
        self._bar.close()


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


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
    """A constructor ``(total, desc="", initial=0) -> bar`` of a progress bar over the
    whole run, using tqdm when installed; the bar has ``update(n, **info)``,
    ``set_description``, ``write(line)`` and ``close``."""
    if disable:
        return _NullBar
    try:
        import tqdm  # noqa: F401
    except ImportError:
        print("tqdm is not installed (pip install tqdm): using a plain progress line")
        return _PlainBar
    return _TqdmBar


class _NullBar:
    def __init__(self, total: int = 0, desc: str = "", initial: int = 0) -> None:
        pass

    def set_description(self, desc: str) -> None:
        pass

    def update(self, n: int = 1, **info: float) -> None:
        pass

    def write(self, line: str) -> None:
        print(line, flush=True)

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
    fig = misclassified_figure(_raw_images(test_set, wrong), labels[wrong], preds[wrong], classes)
    fig.savefig(out / "misclassified.png", dpi=100)
    plt.close(fig)
    return [
        f"plots: {out / 'curves.png'}, {out / 'confusion_matrix.png'}, {out / 'misclassified.png'}"
    ]


TITLE_FONTSIZE = 10  # points; the tiles are 2.2 inches wide at 100 dpi


def tile_title(true: str, predicted: str) -> str:
    """The title of a misclassified image: which label is the truth and which the
    prediction; on two lines when one would not fit the tile."""
    title = f"true: {true}, predicted: {predicted}"
    return title if len(title) <= 24 else f"true: {true},\npredicted: {predicted}"


def misclassified_figure(
    images: Sequence[np.ndarray],
    true: np.ndarray,
    predicted: np.ndarray,
    classes: Sequence[str],
    cols: int = 6,
) -> Any:
    """A grid of misclassified images (HxW or HxWxC uint8), each titled
    ``true: 9, predicted: 5`` in a readable size. Returns the matplotlib Figure."""
    import matplotlib.pyplot as plt

    rows = max(1, int(np.ceil(len(images) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 2.2, rows * 2.5))
    for ax in np.atleast_1d(axes).ravel():
        ax.axis("off")
    for ax, img, t, p in zip(np.atleast_1d(axes).ravel(), images, true, predicted):
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        ax.set_title(tile_title(classes[int(t)], classes[int(p)]), fontsize=TITLE_FONTSIZE)
    fig.tight_layout()
    return fig


def _raw_images(test_set: Any, indices: np.ndarray) -> list[np.ndarray]:
    """The untransformed uint8 images at ``indices`` (HxW or HxWxC)."""
    base, offset = test_set, np.asarray(indices)
    while hasattr(base, "dataset") and hasattr(base, "indices"):  # a Subset
        offset = np.asarray(base.indices)[offset]
        base = base.dataset
    return [np.asarray(base.data[i]) for i in offset]
