"""Dataset, TensorDataset, Subset, ConcatDataset, random_split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_np.data import (
    ConcatDataset,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


class ListDataset(Dataset[tuple[int, float]]):
    """A dataset without ``__getitems__``: items fetched one by one."""

    def __init__(self, n: int, offset: int = 0) -> None:
        self.n = n
        self.offset = offset

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> tuple[int, float]:
        if not 0 <= index < self.n:
            raise IndexError(index)
        return index + self.offset, float(index) / 2


def test_dataset_base_requires_getitem_and_len():
    ds: Dataset[int] = Dataset()
    with pytest.raises(NotImplementedError, match="__getitem__"):
        ds[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(ds)


def test_tensor_dataset_items_and_batches():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6) * 10
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi, [4.0, 5.0])
    assert yi == 20
    xi, yi = ds[-1]
    assert yi == 50
    xb, yb = ds.__getitems__(np.array([5, 0, 5]))
    np.testing.assert_array_equal(xb, x[[5, 0, 5]])
    np.testing.assert_array_equal(yb, [50, 0, 50])
    # The batch equals collating the items.
    ref = default_collate([ds[i] for i in [5, 0, 5]])
    np.testing.assert_array_equal(ref[0], xb)
    assert ref[1].dtype == yb.dtype


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match="same length"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    ds = TensorDataset(np.zeros(3))
    with pytest.raises(IndexError, match="out of range"):
        ds[3]
    with pytest.raises(TypeError, match="int"):
        ds[1.0]  # type: ignore[index]


def test_subset_maps_indices_and_batches():
    base = TensorDataset(np.arange(10) * 3)
    sub = Subset(base, [9, 2, 4])
    assert len(sub) == 3
    assert int(sub[0][0]) == 27
    assert int(sub[-1][0]) == 12
    (batch,) = sub.__getitems__([2, 0])
    np.testing.assert_array_equal(batch, [12, 27])


def test_subset_of_plain_dataset_collates():
    sub = Subset(ListDataset(5), [4, 1])
    ints, floats = sub.__getitems__(np.array([0, 1]))
    np.testing.assert_array_equal(ints, [4, 1])
    assert ints.dtype == np.int64 and floats.dtype == np.float64


def test_concat_dataset_indexing():
    a = TensorDataset(np.arange(3))
    b = TensorDataset(np.arange(4) + 100)
    cat = a + b
    assert isinstance(cat, ConcatDataset)
    assert len(cat) == 7 and cat.cumulative_sizes == [3, 7]
    assert [int(cat[i][0]) for i in range(7)] == [0, 1, 2, 100, 101, 102, 103]
    assert int(cat[-1][0]) == 103
    with pytest.raises(IndexError):
        cat[7]


@given(st.lists(st.integers(0, 9), min_size=1, max_size=20))
def test_concat_getitems_matches_items_in_order(indices):
    def arrays(offset: int) -> TensorDataset:
        # Python floats collate to float64 (as torch), so the array parts are float64 too
        return TensorDataset(np.arange(3) + offset, np.arange(3, dtype=np.float64) / 2)

    cat = ConcatDataset([arrays(0), ListDataset(4, 100), arrays(200)])
    ints, floats = cat.__getitems__(indices)
    assert ints.tolist() == [int(cat[i][0]) for i in indices]
    assert floats.tolist() == [float(cat[i][1]) for i in indices]
    assert ints.dtype == np.int64 and floats.dtype == np.float64


def test_concat_requires_datasets():
    with pytest.raises(ValueError, match="at least one"):
        ConcatDataset([])


def test_random_split_ints_partition():
    ds = TensorDataset(np.arange(10))
    parts = random_split(ds, [3, 7], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    with pytest.raises(ValueError, match="does not equal"):
        random_split(ds, [3, 6])


def test_random_split_reproducible_from_seed():
    ds = TensorDataset(np.arange(50))
    a = random_split(ds, [0.5, 0.5], generator=3)
    b = random_split(ds, [0.5, 0.5], generator=np.random.default_rng(3))
    assert a[0].indices == b[0].indices
    c = random_split(ds, [0.5, 0.5], generator=4)
    assert a[0].indices != c[0].indices


def test_random_split_fractions_remainder_round_robin():
    ds = TensorDataset(np.arange(10))
    parts = random_split(ds, [0.33, 0.33, 0.34], generator=0)
    # floor gives 3, 3, 3; the leftover item goes to the first split.
    assert [len(p) for p in parts] == [4, 3, 3]
    with pytest.raises(ValueError, match="sum to 1"):
        random_split(ds, [0.5, 0.4])


def test_random_split_warns_on_empty_split():
    with pytest.warns(UserWarning, match="length of split at index 1 is 0"):
        parts = random_split(TensorDataset(np.arange(2)), [0.9, 0.1], generator=0)
    assert [len(p) for p in parts] == [2, 0]


@given(
    n=st.integers(0, 200),
    fractions=st.lists(st.integers(1, 10), min_size=1, max_size=5),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_split_fractions_cover_dataset(n, fractions, seed):
    total = sum(fractions)
    lengths = [f / total for f in fractions]
    lengths[-1] = 1.0 - sum(lengths[:-1])
    ds = TensorDataset(np.arange(n))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = random_split(ds, lengths, generator=seed)
    assert sum(len(p) for p in parts) == n
    assert sorted(i for p in parts for i in p.indices) == list(range(n))
    for p, frac in zip(parts, lengths):
        assert abs(len(p) - n * frac) <= len(lengths)
