"""Image transforms on numpy arrays, vectorized over a batch.

Every transform works on a single image (``t(image)``) and on a batch with a leading
``N`` axis (``t.apply_batch(images)``). Random transforms draw their parameters from
their own ``generator`` as a fixed number of uniform floats per image, in image order,
so ``t.apply_batch(images)`` gives exactly what ``t(image)`` gives image by image from
the same generator state, and a seed makes a run reproducible.

Layouts
-------
A single image is ``HW`` (grayscale), ``HWC`` (channels last, as datasets return raw
``uint8`` images, like PIL) or ``CHW`` (channels first, as :class:`ToFloat` returns
them, like torch tensors); a batch puts ``N`` in front. The spatial transforms take
``layout="HWC"`` or ``"CHW"`` for 3-D images; the default ``None`` means: ``uint8``
images are ``HWC`` and floating-point images are ``CHW``, which is right both before
and after :class:`ToFloat`. 2-D images (3-D batches) are always ``HW``.

Examples
--------
A CIFAR-10 training pipeline, applied per batch by the dataset:

>>> import numpy as np
>>> from autograd_np.data import transforms as T
>>> augment = T.Compose([
...     T.RandomCrop(32, padding=4, padding_mode="reflect", generator=0),
...     T.RandomHorizontalFlip(generator=1),
...     T.ToFloat(),
...     T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
... ])
>>> images = np.zeros((128, 32, 32, 3), dtype=np.uint8)   # NHWC uint8
>>> augment.apply_batch(images).shape                    # NCHW float32
(128, 3, 32, 32)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograd_np.arguments import int_tuple
from autograd_np.data._rng import GeneratorLike, as_generator, resolve
from autograd_np.data.collate import collate_arrays

__all__ = [
    "Compose",
    "Lambda",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "ToFloat",
    "Transform",
    "apply_to_batch",
]

_LAYOUTS = ("HWC", "CHW")


def _check_layout(layout: str | None, owner: str, allow_none: bool = True) -> str | None:
    if layout is None and allow_none:
        return None
    if layout not in _LAYOUTS:
        raise ValueError(f"{owner}: layout must be 'HWC' or 'CHW', got {layout!r}")
    return layout


def _spatial_axes(batch: np.ndarray, layout: str | None, owner: str) -> tuple[int, int]:
    """Return the (H, W) axes of a batch: NHW, NHWC or NCHW."""
    if batch.ndim == 3:
        return 1, 2
    if batch.ndim == 4:
        if layout is None:
            layout = "HWC" if batch.dtype == np.uint8 else "CHW"
        return (1, 2) if layout == "HWC" else (2, 3)
    raise ValueError(
        f"{owner}: expected an image of 2 or 3 dims (HW, HWC or CHW) or a batch of 3 or 4 "
        f"dims (NHW, NHWC or NCHW), got a batch of shape {batch.shape}"
    )


class Transform:
    """Base class: subclasses implement :meth:`apply_batch`; calling transforms one image.

    ``transform(image)`` runs ``apply_batch`` on a batch of one, so the single-image and
    batch paths agree by construction.

    Examples
    --------
    >>> import numpy as np
    >>> class Invert(Transform):
    ...     def apply_batch(self, images):
    ...         return 255 - images
    >>> Invert()(np.zeros((2, 2), np.uint8)).tolist()
    [[255, 255], [255, 255]]
    """

    def __call__(self, image: Any) -> Any:
        """Apply the transform to one image (no leading batch axis)."""
        return self.apply_batch(np.asarray(image)[None])[0]

    def apply_batch(self, images: np.ndarray) -> Any:
        """Apply the transform to a batch of images stacked along axis 0."""
        raise NotImplementedError(f"{type(self).__name__} must implement apply_batch")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def apply_to_batch(transform: Callable[[Any], Any], batch: Any) -> Any:
    """Apply ``transform`` to a batch: vectorized if it has ``apply_batch``, else per item.

    Parameters
    ----------
    transform : callable
        A :class:`Transform` (or anything with an ``apply_batch`` method), or a plain
        single-item callable, which is then applied item by item and the results
        collated with :func:`~autograd_np.data.collate.collate_arrays`.
    batch : array_like
        Items stacked along axis 0.

    Returns
    -------
    Any
        The transformed batch.

    Examples
    --------
    >>> import numpy as np
    >>> apply_to_batch(lambda y: y * 2, np.array([1, 2])).tolist()
    [2, 4]
    """
    batched = getattr(transform, "apply_batch", None)
    if batched is not None:
        return batched(batch)
    return collate_arrays([transform(item) for item in batch])


class Compose(Transform):
    """Chain transforms: ``Compose([f, g])(x) == g(f(x))``.

    Parameters
    ----------
    transforms : sequence of callable
        Applied in order. Plain callables (without ``apply_batch``) are allowed; on a
        batch they run item by item.

    Examples
    --------
    >>> import numpy as np
    >>> t = Compose([ToFloat(), Normalize(0.5, 0.5)])
    >>> t(np.full((2, 2), 255, np.uint8)).shape
    (1, 2, 2)
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, image: Any) -> Any:
        for t in self.transforms:
            image = t(image)
        return image

    def apply_batch(self, images: Any) -> Any:
        for t in self.transforms:
            images = apply_to_batch(t, images)
        return images

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Lambda(Transform):
    """Wrap a function as a transform.

    Parameters
    ----------
    fn : callable
        The function.
    batched : bool, default False
        ``True`` if ``fn`` takes a whole batch (leading ``N`` axis); it is then used
        as ``apply_batch``. Otherwise ``fn`` takes one image and a batch is handled
        item by item.

    Examples
    --------
    >>> import numpy as np
    >>> Lambda(lambda b: b[:, ::-1], batched=True).apply_batch(np.eye(2)).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """

    def __init__(self, fn: Callable[[Any], Any], *, batched: bool = False) -> None:
        self.fn = fn
        self.batched = batched

    def __call__(self, image: Any) -> Any:
        if self.batched:
            return self.fn(np.asarray(image)[None])[0]
        return self.fn(image)

    def apply_batch(self, images: Any) -> Any:
        if self.batched:
            return self.fn(images)
        return collate_arrays([self.fn(item) for item in images])

    def __repr__(self) -> str:
        return f"Lambda({self.fn!r}, batched={self.batched})"


class ToFloat(Transform):
    """Convert ``uint8`` images to ``float32`` in ``[0, 1]``, channels first.

    Like torchvision's ``ToTensor`` but returning numpy arrays: ``uint8`` values are
    divided by 255; floating-point input is cast to ``float32`` unscaled; ``bool``
    becomes 0/1.

    Parameters
    ----------
    layout : {"HWC", "CHW"}, default "HWC"
        Layout of 3-D input images (4-D batches). 2-D images are ``HW``.

    Shapes
    ------
    - Single: ``(H, W)`` -> ``(1, H, W)``; ``(H, W, C)`` or ``(C, H, W)`` -> ``(C, H, W)``.
    - Batch: ``(N, H, W)`` -> ``(N, 1, H, W)``; ``(N, H, W, C)`` or ``(N, C, H, W)``
      -> ``(N, C, H, W)``.

    Examples
    --------
    >>> import numpy as np
    >>> ToFloat()(np.array([[0, 255]], np.uint8)).tolist()
    [[[0.0, 1.0]]]
    >>> ToFloat().apply_batch(np.zeros((8, 32, 32, 3), np.uint8)).shape
    (8, 3, 32, 32)
    """

    def __init__(self, layout: str = "HWC") -> None:
        self.layout = _check_layout(layout, "ToFloat", allow_none=False)

    def apply_batch(self, images: np.ndarray) -> np.ndarray:
        x = np.asarray(images)
        if x.ndim == 3:
            x = x[:, None]
        elif x.ndim == 4:
            if self.layout == "HWC":
                x = x.transpose(0, 3, 1, 2)
        else:
            raise ValueError(
                "ToFloat: expected an image of 2 or 3 dims or a batch of 3 or 4 dims, "
                f"got a batch of shape {x.shape}"
            )
        out = np.empty(x.shape, dtype=np.float32)
        if x.dtype == np.uint8:
            np.divide(x, np.float32(255.0), out=out)
        elif x.dtype.kind in "fb":
            out[...] = x
        else:
            raise TypeError(
                f"ToFloat: expected uint8, bool or floating-point images, got dtype {x.dtype}"
            )
        return out

    def __repr__(self) -> str:
        return f"ToFloat(layout={self.layout!r})"


class Normalize(Transform):
    """Per-channel ``(x - mean) / std`` on channels-first float images.

    Parameters
    ----------
    mean, std : float or sequence of float
        One value per channel, or a single value for all channels. ``std`` must be
        non-zero.
    inplace : bool, default False
        Write into the input array (which must then be ``float32``).

    Shapes
    ------
    Single ``(C, H, W)``, batch ``(N, C, H, W)``; output has the same shape, ``float32``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((2, 1, 1), np.float32)
    >>> Normalize((0.5, 0.0), (0.5, 2.0))(x).ravel().tolist()
    [1.0, 0.5]
    """

    def __init__(
        self, mean: float | Sequence[float], std: float | Sequence[float], inplace: bool = False
    ) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float32))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float32))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError("Normalize: mean and std must be scalars or 1-D sequences")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must be non-zero, got {self.std.tolist()}")
        self.inplace = inplace

    def apply_batch(self, images: np.ndarray) -> np.ndarray:
        x = np.asarray(images)
        if x.ndim != 4 or x.dtype.kind != "f":
            raise ValueError(
                "Normalize: expected float CHW images (NCHW batches), got shape "
                f"{x.shape[1:]} per image with dtype {x.dtype}; apply ToFloat first"
            )
        channels = x.shape[1]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if v.size not in (1, channels):
                raise ValueError(
                    f"Normalize: {name} has {v.size} values but the images have {channels} channels"
                )
        mean = self.mean.reshape(1, -1, 1, 1)
        std = self.std.reshape(1, -1, 1, 1)
        if self.inplace:
            np.subtract(x, mean, out=x)
            np.divide(x, std, out=x)
            return x
        return ((x - mean) / std).astype(np.float32, copy=False)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomCrop(Transform):
    """Crop a random ``size`` window of each image, after optional padding.

    Parameters
    ----------
    size : int or (int, int)
        Output ``(height, width)``; an int gives a square.
    padding : int or sequence of int, optional
        Border added first: an int pads all four sides, ``(lr, tb)`` pads left/right by
        ``lr`` and top/bottom by ``tb``, ``(left, top, right, bottom)`` each side.
    pad_if_needed : bool, default False
        Pad images smaller than ``size`` (by the shortfall on both sides) instead of
        raising.
    fill : float, default 0
        Value of ``padding_mode="constant"`` borders.
    padding_mode : {"constant", "reflect", "edge", "symmetric"}
        How borders are filled (as :func:`numpy.pad` / torchvision: ``reflect`` mirrors
        without repeating the edge pixel).
    generator : np.random.Generator or int or None
        Source of the offsets; an int seeds a new generator, ``None`` means the
        default generator at each draw (as torchvision's transforms use torch's).
    layout : {"HWC", "CHW"} or None
        Layout of 3-D images (see the module docstring).

    Notes
    -----
    For each image two uniform floats ``u`` are drawn (``generator.random((N, 2))``);
    on the padded size ``(Hp, Wp)`` the window starts at
    ``top = floor(u[:, 0] * (Hp - h + 1))``, ``left = floor(u[:, 1] * (Wp - w + 1))``.
    The batch is gathered in one fancy-indexing step over a sliding-window view.

    Shapes
    ------
    ``(..., H, W[, C]) -> (..., h, w[, C])`` for one image or a batch.

    Examples
    --------
    >>> import numpy as np
    >>> crop = RandomCrop(32, padding=4, padding_mode="reflect", generator=0)
    >>> crop.apply_batch(np.zeros((16, 32, 32, 3), np.uint8)).shape
    (16, 32, 32, 3)
    """

    def __init__(
        self,
        size: int | Sequence[int],
        padding: int | Sequence[int] | None = None,
        pad_if_needed: bool = False,
        fill: float = 0,
        padding_mode: str = "constant",
        *,
        generator: GeneratorLike = None,
        layout: str | None = None,
    ) -> None:
        height, width = int_tuple(size, 2, "size", op="RandomCrop")
        self.size = (height, width)
        if min(self.size) <= 0:
            raise ValueError(f"RandomCrop: size must be positive, got {size!r}")
        self.padding = self._parse_padding(padding)
        if padding_mode not in ("constant", "reflect", "edge", "symmetric"):
            raise ValueError(
                "RandomCrop: padding_mode must be 'constant', 'reflect', 'edge' or "
                f"'symmetric', got {padding_mode!r}"
            )
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = as_generator(generator, name="RandomCrop generator")
        self.layout = _check_layout(layout, "RandomCrop")

    @staticmethod
    def _parse_padding(padding: int | Sequence[int] | None) -> tuple[int, int, int, int]:
        if padding is None:
            return 0, 0, 0, 0
        if isinstance(padding, (int, np.integer)):
            p = (int(padding),) * 4
        else:
            v = [int(x) for x in padding]
            if len(v) == 1:
                p = (v[0],) * 4
            elif len(v) == 2:
                p = (v[0], v[1], v[0], v[1])
            elif len(v) == 4:
                p = (v[0], v[1], v[2], v[3])
            else:
                raise ValueError(f"RandomCrop: padding must have 1, 2 or 4 values, got {padding}")
        if min(p) < 0:
            raise ValueError(f"RandomCrop: padding must be non-negative, got {padding!r}")
        return p

    def sample_offsets(
        self, n: int, padded_height: int, padded_width: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw the ``(top, left)`` window offsets of ``n`` images from ``generator``.

        Returns two ``intp`` arrays of shape ``(n,)``, offsets into the padded images.
        """
        h, w = self.size
        u = resolve(self.generator).random((n, 2))
        tops = np.minimum((u[:, 0] * (padded_height - h + 1)).astype(np.intp), padded_height - h)
        lefts = np.minimum((u[:, 1] * (padded_width - w + 1)).astype(np.intp), padded_width - w)
        return tops, lefts

    def pad(self, images: np.ndarray) -> np.ndarray:
        """Return the batch with this transform's padding (and ``pad_if_needed``) applied."""
        x = np.asarray(images)
        h_ax, w_ax = _spatial_axes(x, self.layout, "RandomCrop")
        left, top, right, bottom = self.padding
        h, w = self.size
        if self.pad_if_needed:
            short_h = h - (x.shape[h_ax] + top + bottom)
            short_w = w - (x.shape[w_ax] + left + right)
            if short_h > 0:
                top, bottom = top + short_h, bottom + short_h
            if short_w > 0:
                left, right = left + short_w, right + short_w
        if not (left or top or right or bottom):
            return x
        widths = [(0, 0)] * x.ndim
        widths[h_ax] = (top, bottom)
        widths[w_ax] = (left, right)
        if self.padding_mode == "constant":
            return np.pad(x, widths, mode="constant", constant_values=self.fill)
        return np.pad(x, widths, mode=self.padding_mode)  # type: ignore[call-overload]

    def apply_batch(self, images: np.ndarray) -> np.ndarray:
        x = np.asarray(images)
        h_ax, w_ax = _spatial_axes(x, self.layout, "RandomCrop")
        padded = self.pad(x)
        n, hp, wp = padded.shape[0], padded.shape[h_ax], padded.shape[w_ax]
        h, w = self.size
        if hp < h or wp < w:
            raise ValueError(
                f"RandomCrop: crop size {(h, w)} is larger than the (padded) image size "
                f"{(hp, wp)}; use padding or pad_if_needed=True"
            )
        tops, lefts = self.sample_offsets(n, hp, wp)
        return crop_at(padded, tops, lefts, (h, w), (h_ax, w_ax))

    def __repr__(self) -> str:
        return (
            f"RandomCrop(size={self.size}, padding={self.padding}, "
            f"padding_mode={self.padding_mode!r})"
        )


def crop_at(
    images: np.ndarray,
    tops: np.ndarray,
    lefts: np.ndarray,
    size: tuple[int, int],
    axes: tuple[int, int],
) -> np.ndarray:
    """Cut window ``[tops[i]:tops[i]+h, lefts[i]:lefts[i]+w]`` out of each image ``i``.

    Parameters
    ----------
    images : np.ndarray
        Batch with ``N`` on axis 0 and the spatial axes at ``axes``.
    tops, lefts : np.ndarray
        Integer offsets, shape ``(N,)``.
    size : (int, int)
        Window ``(h, w)``.
    axes : (int, int)
        The (H, W) axes of ``images``.

    Returns
    -------
    np.ndarray
        Contiguous batch of the same layout with spatial size ``(h, w)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16).reshape(1, 4, 4)
    >>> crop_at(x, np.array([1]), np.array([2]), (2, 2), (1, 2)).tolist()
    [[[6, 7], [10, 11]]]
    """
    h_ax, w_ax = axes
    windows = sliding_window_view(images, size, axis=(h_ax, w_ax))
    index: list[Any] = [slice(None)] * images.ndim
    index[0] = np.arange(images.shape[0])
    index[h_ax] = tops
    index[w_ax] = lefts
    out = windows[tuple(index)]  # (N, *other axes, h, w)
    return np.ascontiguousarray(np.moveaxis(out, (-2, -1), (h_ax, w_ax)))


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability ``p``.

    Parameters
    ----------
    p : float, default 0.5
        Flip probability.
    generator : np.random.Generator or int or None
        One uniform float ``u`` is drawn per image; the image is flipped if ``u < p``.
        An int seeds a new generator; ``None`` means the default generator.
    layout : {"HWC", "CHW"} or None
        Layout of 3-D images (see the module docstring).

    Shapes
    ------
    Output has the input's shape.

    Examples
    --------
    >>> import numpy as np
    >>> RandomHorizontalFlip(p=1.0)(np.array([[1, 2, 3]], np.uint8)).tolist()
    [[3, 2, 1]]
    """

    def __init__(
        self, p: float = 0.5, *, generator: GeneratorLike = None, layout: str | None = None
    ) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p
        self.generator = as_generator(generator, name="RandomHorizontalFlip generator")
        self.layout = _check_layout(layout, "RandomHorizontalFlip")

    def sample_flips(self, n: int) -> np.ndarray:
        """Draw which of ``n`` images to flip: a bool array of shape ``(n,)``."""
        return resolve(self.generator).random(n) < self.p

    def apply_batch(self, images: np.ndarray) -> np.ndarray:
        x = np.asarray(images)
        _, w_ax = _spatial_axes(x, self.layout, "RandomHorizontalFlip")
        flips = self.sample_flips(x.shape[0])
        out = x.copy()
        if flips.any():
            out[flips] = np.flip(x[flips], axis=w_ax)
        return out

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"
