"""DataLoader: batching, shuffling, resume, the __getitems__ fast path, prefetch."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_np
from autograd_np import Tensor
from autograd_np.data import DataLoader, Dataset, SequentialSampler, TensorDataset, default_collate
from autograd_np.data import transforms as T
from autograd_np.data.vision import ImageArrayDataset


def make_ds(n: int = 10) -> TensorDataset:
    return TensorDataset(np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n))


def labels(loader) -> list[list[int]]:
    return [y.tolist() for _, y in loader]


class CountingDataset(Dataset[tuple[np.ndarray, int]]):
    """Records how it is accessed; ``__getitems__`` optional."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n = n
        self.fail_at = fail_at
        self.item_calls = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        self.item_calls += 1
        if index == self.fail_at:
            raise KeyError(f"boom at {index}")
        return np.full(3, index, np.float32), index


class BatchedCountingDataset(CountingDataset):
    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.batch_calls: list[list[int]] = []

    def __getitems__(self, indices: np.ndarray):
        self.batch_calls.append(indices.tolist())
        return np.repeat(indices[:, None].astype(np.float32), 3, axis=1), indices.astype(np.int64)


def prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "autograd_np-DataLoader-prefetch"]


def wait_no_prefetch_threads() -> bool:
    for _ in range(200):
        if not prefetch_threads():
            return True
        time.sleep(0.01)
    return False


def test_sequential_batches_and_dtypes():
    loader = DataLoader(make_ds(5), batch_size=2)
    batches = list(loader)
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    x, y = batches[0]
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    assert x.shape == (2, 2) and x.dtype == np.float32 and y.dtype == np.int64
    assert type(batches[0]) is list  # torch collates a tuple sample into a list


@pytest.mark.parametrize("with_getitems", [True, False])
def test_batches_are_tensors_on_both_paths(with_getitems):
    ds = BatchedCountingDataset(5) if with_getitems else CountingDataset(5)
    x, y = next(iter(DataLoader(ds, batch_size=2)))
    assert isinstance(x, Tensor) and x.dtype == np.float32 and x.shape == (2, 3)
    assert isinstance(y, Tensor) and y.dtype == np.int64 and y.tolist() == [0, 1]
    assert not x.requires_grad


def test_batch_size_none_converts_items_and_applies_custom_collate():
    items = list(DataLoader(CountingDataset(2), batch_size=None))
    assert isinstance(items[1][0], Tensor) and items[1][1] == 1  # ints stay ints, as torch
    doubled = list(DataLoader(CountingDataset(2), batch_size=None, collate_fn=lambda s: s[1] * 2))
    assert doubled == [0, 2]


@given(
    n=st.integers(0, 40),
    batch_size=st.integers(1, 9),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
)
@settings(max_examples=40)
def test_len_and_every_index_once(n, batch_size, drop_last, shuffle):
    loader = DataLoader(
        make_ds(n), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=0
    )
    batches = labels(loader)
    assert len(batches) == len(loader)
    expected_len = n // batch_size if drop_last else -(-n // batch_size)
    assert len(loader) == expected_len
    flat = [i for b in batches for i in b]
    assert len(flat) == len(set(flat))
    if drop_last:
        assert len(flat) == n - n % batch_size
    else:
        assert sorted(flat) == list(range(n))


def test_epochs_are_fresh_passes():
    loader = DataLoader(make_ds(10), batch_size=3, shuffle=True, generator=0)
    e1, e2 = labels(loader), labels(loader)
    assert sorted(i for b in e1 for i in b) == sorted(i for b in e2 for i in b) == list(range(10))
    assert e1 != e2  # a new order each epoch


def test_two_interleaved_iterations_do_not_interfere():
    loader = DataLoader(make_ds(9), batch_size=2, shuffle=True, generator=1)
    it1 = iter(loader)
    first = next(it1)[1].tolist()
    it2 = iter(loader)
    seen2 = [i for _, y in it2 for i in y.tolist()]
    seen1 = first + [i for _, y in it1 for i in y.tolist()]
    assert sorted(seen1) == sorted(seen2) == list(range(9))


def test_shuffle_reproducible_from_seed_and_generator():
    a = labels(DataLoader(make_ds(20), batch_size=4, shuffle=True, generator=7))
    b = labels(
        DataLoader(make_ds(20), batch_size=4, shuffle=True, generator=np.random.default_rng(7))
    )
    c = labels(DataLoader(make_ds(20), batch_size=4, shuffle=True, generator=8))
    assert a == b != c


def test_shuffle_without_generator_uses_the_default_generator(monkeypatch):
    loader = DataLoader(make_ds(50), batch_size=50, shuffle=True)
    assert loader.generator is None  # as torch
    assert sorted(labels(loader)[0]) == list(range(50))

    def epoch() -> list[list[int]]:
        default = np.random.default_rng(5)
        monkeypatch.setattr(autograd_np, "as_generator", lambda g: default if g is None else g)
        return labels(DataLoader(make_ds(20), batch_size=4, shuffle=True))

    assert epoch() == epoch()


def test_epoch_draws_base_seed_then_order_as_torch():
    # each pass first draws torch's base seed (one int64), then the sampler's permutation
    loader = DataLoader(make_ds(12), batch_size=12, shuffle=True, generator=6)
    g = np.random.default_rng(6)
    g.integers(0, 2**63 - 1, dtype=np.int64, endpoint=True)
    assert labels(loader) == [g.permutation(12).tolist()]


def test_generator_state_json_round_trip_resumes_epoch():
    loader = DataLoader(make_ds(30), batch_size=4, shuffle=True, generator=11)
    labels(loader)  # epoch 0
    saved = json.dumps(loader.generator.bit_generator.state)
    epoch1 = labels(loader)
    labels(loader)  # the run goes on, then "crashes"
    resumed = DataLoader(make_ds(30), batch_size=4, shuffle=True, generator=0)
    resumed.generator.bit_generator.state = json.loads(saved)
    assert labels(resumed) == epoch1


def test_getitems_fast_path_used_with_default_collate():
    ds = BatchedCountingDataset(7)
    out = list(DataLoader(ds, batch_size=3))
    assert ds.batch_calls == [[0, 1, 2], [3, 4, 5], [6]]
    assert ds.item_calls == 0
    assert out[2][1].tolist() == [6]


def test_custom_collate_fetches_items():
    ds = BatchedCountingDataset(4)
    out = list(DataLoader(ds, batch_size=2, collate_fn=lambda items: [i for _, i in items]))
    assert out == [[0, 1], [2, 3]]
    assert ds.batch_calls == [] and ds.item_calls == 4


def test_batch_size_none_yields_items():
    loader = DataLoader(make_ds(3), batch_size=None)
    items = list(loader)
    assert len(loader) == 3 and int(items[2][1]) == 2


def test_batch_sampler_argument():
    loader = DataLoader(make_ds(6), batch_sampler=[[5, 0], [1]])
    assert labels(loader) == [[5, 0], [1]]
    assert len(loader) == 2


def test_argument_validation():
    ds = make_ds(4)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, shuffle=True, sampler=SequentialSampler(ds))
    with pytest.raises(ValueError, match="batch_sampler"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="prefetch"):
        DataLoader(ds, prefetch=-1)
    with pytest.raises(TypeError, match="shuffle"):
        DataLoader(ds, shuffle=1)  # type: ignore[arg-type]


def test_image_dataset_batches_match_items_for_deterministic_transform():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(10, 4, 4, 3), dtype=np.uint8)
    ds = ImageArrayDataset(
        images,
        rng.integers(0, 10, 10),
        transform=T.Compose([T.ToFloat(), T.Normalize(0.5, 0.25)]),
        target_transform=lambda y: y + 100,
    )
    batches = list(DataLoader(ds, batch_size=4))
    for k, (x, y) in enumerate(batches):
        ref_x, ref_y = default_collate([ds[i] for i in range(4 * k, min(4 * k + 4, 10))])
        assert x.shape[1:] == (3, 4, 4) and x.dtype == np.float32
        np.testing.assert_array_equal(x, ref_x)
        np.testing.assert_array_equal(y, ref_y)
        assert y.dtype == np.int64


@pytest.mark.parametrize("depth", [1, 3])
def test_prefetch_gives_identical_batches(depth):
    images = np.random.default_rng(0).integers(0, 256, size=(50, 8, 8, 3), dtype=np.uint8)

    def make(prefetch: int) -> DataLoader:
        ds = ImageArrayDataset(
            images,
            np.arange(50) % 10,
            transform=T.Compose(
                [
                    T.RandomCrop(6, padding=1, generator=3),
                    T.RandomHorizontalFlip(generator=4),
                    T.ToFloat(),
                ]
            ),
        )
        return DataLoader(ds, batch_size=8, shuffle=True, generator=5, prefetch=prefetch)

    plain, pre = make(0), make(depth)
    for _ in range(2):  # two epochs: generators advance identically
        a, b = list(plain), list(pre)
        assert len(a) == len(b) == 7
        for (xa, ya), (xb, yb) in zip(a, b):
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)
    assert wait_no_prefetch_threads()


def test_prefetch_early_break_stops_thread():
    loader = DataLoader(make_ds(100), batch_size=2, prefetch=2)
    for i, _ in enumerate(loader):
        if i == 1:
            break
    assert wait_no_prefetch_threads()
    assert len(list(loader)) == 50  # the loader is still usable


def test_prefetch_exception_in_loop_body_stops_thread():
    loader = DataLoader(make_ds(100), batch_size=2, prefetch=2)
    with pytest.raises(RuntimeError, match="in the loop"):
        for _ in loader:
            raise RuntimeError("in the loop")
    assert wait_no_prefetch_threads()


@pytest.mark.parametrize("prefetch", [0, 2])
def test_worker_exception_is_reraised(prefetch):
    ds = CountingDataset(10, fail_at=5)
    loader = DataLoader(ds, batch_size=2, prefetch=prefetch)
    seen = []
    with pytest.raises(KeyError, match="boom at 5"):
        for _, y in loader:
            seen.append(y.tolist())
    assert seen == [[0, 1], [2, 3]]
    assert wait_no_prefetch_threads()


def test_prefetch_abandoned_iterator_is_closed():
    loader = DataLoader(make_ds(100), batch_size=1, prefetch=1)
    it = iter(loader)
    next(it)
    assert prefetch_threads()
    it.close()
    assert wait_no_prefetch_threads()
