"""Datasets, samplers, data loading and image transforms on numpy arrays.

Mirrors ``torch.utils.data`` and ``torchvision.datasets``/``transforms`` where they have
the same thing. Datasets hold numpy arrays and transforms work on them; the
``DataLoader`` yields :class:`~autograd_np.Tensor` batches, as PyTorch's does.

Datasets are found under a root directory: the ``root`` argument, else the environment
variable ``AUTOGRAD_NP_DATA``, else ``$XDG_CACHE_HOME/autograd_np`` (``~/.cache/autograd_np``),
in ``mnist/``, ``fashion-mnist/``, ``cifar10/`` and ``tinyshakespeare/``. Nothing is
downloaded unless ``download=True``.

Examples
--------
>>> from autograd_np.data import CIFAR10, DataLoader, transforms as T
>>> augment = T.Compose([
...     T.RandomCrop(32, padding=4, padding_mode="reflect", generator=1),
...     T.RandomHorizontalFlip(generator=2),
...     T.ToFloat(),
...     T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
... ])
>>> train = CIFAR10(train=True, transform=augment)  # doctest: +SKIP
>>> loader = DataLoader(train, batch_size=128, shuffle=True, prefetch=2)  # doctest: +SKIP
>>> for images, labels in loader:  # doctest: +SKIP
...     pass  # images: (128, 3, 32, 32) float32, labels: (128,) int64
"""

from __future__ import annotations

from autograd_np.data import transforms
from autograd_np.data._root import ENV_VAR, default_data_root
from autograd_np.data._worker import WorkerInfo, get_worker_info
from autograd_np.data.cifar import CIFAR10
from autograd_np.data.collate import collate_arrays, default_collate, default_convert
from autograd_np.data.dataloader import DataLoader
from autograd_np.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from autograd_np.data.distributed import DistributedSampler
from autograd_np.data.download import download_file
from autograd_np.data.errors import DatasetError, DatasetNotFoundError, DownloadError
from autograd_np.data.mnist import MNIST, FashionMNIST, read_idx
from autograd_np.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from autograd_np.data.text import CharTextDataset, CharVocab, TinyShakespeare, read_text
from autograd_np.data.vision import ImageArrayDataset

__all__ = [
    "CIFAR10",
    "ENV_VAR",
    "MNIST",
    "BatchSampler",
    "CharTextDataset",
    "CharVocab",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "DistributedSampler",
    "DownloadError",
    "FashionMNIST",
    "ImageArrayDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "TinyShakespeare",
    "WeightedRandomSampler",
    "WorkerInfo",
    "collate_arrays",
    "default_collate",
    "default_convert",
    "default_data_root",
    "download_file",
    "get_worker_info",
    "random_split",
    "read_idx",
    "read_text",
    "transforms",
]
