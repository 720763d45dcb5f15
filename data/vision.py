"""``ImageArrayDataset``: images and labels held as whole numpy arrays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_np.data.dataset import Dataset, _as_index_array, _check_index
from autograd_np.data.transforms import apply_to_batch

__all__ = ["ImageArrayDataset"]


class ImageArrayDataset(Dataset[tuple[Any, Any]]):
    """Labelled images stored as one ``uint8`` array, batched by fancy indexing.

    The base of :class:`~autograd_np.data.MNIST`, :class:`~autograd_np.data.FashionMNIST`
    and :class:`~autograd_np.data.CIFAR10`, and usable directly for any in-memory
    image set. Item ``i`` is ``(transform(data[i]), target_transform(int(targets[i])))``
    (each transform only if given). ``__getitems__(indices)`` gathers the whole batch in
    one step and applies the transforms to the batch: vectorized when they have
    ``apply_batch`` (all transforms in :mod:`autograd_np.data.transforms` do), item by
    item otherwise.

    Parameters
    ----------
    data : np.ndarray
        Images, ``(N, H, W)`` or ``(N, H, W, C)``.
    targets : array_like of int
        Labels, shape ``(N,)``; stored as ``int64``.
    classes : sequence of str, optional
        Class names, ``classes[label]``.
    transform, target_transform : callable, optional
        Applied to the image and the label.

    Attributes
    ----------
    data : np.ndarray
        The whole split, e.g. ``uint8`` ``(60000, 28, 28)`` for MNIST train.
    targets : np.ndarray
        ``int64`` labels, shape ``(N,)``.
    classes : list of str

    Shapes
    ------
    Item: image ``data.shape[1:]``; batch of ``B``: ``(B, *data.shape[1:])`` and ``(B,)``
    (before transforms).

    Examples
    --------
    >>> import numpy as np
    >>> ds = ImageArrayDataset(np.zeros((3, 2, 2), np.uint8), [0, 1, 0], classes=["a", "b"])
    >>> image, label = ds[1]
    >>> image.shape, label, ds.classes[label]
    ((2, 2), 1, 'b')
    """

    def __init__(
        self,
        data: np.ndarray,
        targets: Sequence[int] | np.ndarray,
        classes: Sequence[str] | None = None,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        data = np.asarray(data)
        labels = np.asarray(targets)
        if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
            raise ValueError(f"targets must be a 1-D int array, got shape {labels.shape}")
        if data.ndim < 1 or data.shape[0] != labels.shape[0]:
            raise ValueError(
                f"data has {data.shape[0] if data.ndim else 0} images but targets has "
                f"{labels.shape[0]} labels"
            )
        self.data: np.ndarray = data
        self.targets: np.ndarray = labels.astype(np.int64, copy=False)
        self.classes: list[str] = list(classes) if classes is not None else []
        self.transform = transform
        self.target_transform = target_transform

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Map from class name to label."""
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        i = _check_index(index, len(self), type(self).__name__)
        image: Any = self.data[i]
        target: Any = int(self.targets[i])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __getitems__(self, indices: Sequence[int] | np.ndarray) -> tuple[Any, Any]:
        """Return ``(images, targets)`` for ``indices``, transforms applied per batch."""
        idx = _as_index_array(indices, type(self).__name__)
        images: Any = self.data[idx]
        targets: Any = self.targets[idx]
        if self.transform is not None:
            images = apply_to_batch(self.transform, images)
        if self.target_transform is not None:
            if hasattr(self.target_transform, "apply_batch"):
                targets = apply_to_batch(self.target_transform, targets)
            else:
                targets = apply_to_batch(self.target_transform, targets.tolist())
        return images, targets

    def extra_repr(self) -> str:
        """Extra lines for ``repr`` (overridden by subclasses)."""
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        extra = self.extra_repr()
        if extra:
            lines.extend("    " + line for line in extra.splitlines())
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)
