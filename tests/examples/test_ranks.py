"""The parts of the examples' data-parallel runs that need no MPI: how a launch is
detected, how a global batch is split over the ranks, and the checks of the split."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_np.data import TensorDataset
from examples.cli import AgreedUserError
from examples.ranks import Ranks, RankShare, launched_size


@pytest.mark.parametrize("variable", ["PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"])
def test_a_launch_is_recognised_by_the_launchers_variables(variable, monkeypatch):
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    assert launched_size() == 1
    assert Ranks.launch().world == 1  # a plain run: no process group, no MPI
    monkeypatch.setenv(variable, "4")
    assert launched_size() == 4


def test_the_ranks_together_get_each_global_batch_once():
    images = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)
    data = TensorDataset(images, np.arange(10))
    batch = [7, 2, 9, 0, 4]  # a shuffled global batch of 5 over 2 ranks: 2 and 3 images
    parts = [RankShare(data, Ranks(r, 2)).__getitems__(batch) for r in range(2)]
    assert [len(y) for _, y in parts] == [2, 3]
    labels = np.concatenate([np.asarray(y.array if hasattr(y, "array") else y) for _, y in parts])
    assert labels.tolist() == batch


def test_one_process_needs_no_collectives():
    one = Ranks()
    assert one.main and one.world == 1
    assert one.on_main(lambda: {"a": 1}) == {"a": 1}
    assert one.agree(lambda: 3) == 3
    assert not one.any(False) and one.any(True)
    assert one.totals(5, 3, 1.5) == (5, 3, 1.5)
    assert one.eval_indices(3) == [0, 1, 2]


def test_a_batch_too_small_for_the_ranks_is_refused_once():
    ranks = [Ranks(r, 3) for r in range(3)]
    for r in ranks:
        r.check_split(64, 768, 256)  # 12 batches of 64: fine
    errors = []
    for r in ranks:
        with pytest.raises(AgreedUserError, match="a training batch of 1 images") as info:
            r.check_split(64, 65, 256)
        errors.append(info.value.show)
    assert errors == [True, False, False]
    with pytest.raises(AgreedUserError, match="2 test images cannot be split over 3 ranks"):
        ranks[0].check_split(64, 768, 2)
