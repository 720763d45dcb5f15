"""``torch.nn``, ``torch.optim`` and ``torch.utils.data`` under ``import autograd_np as torch``,
loaded lazily (the engine never imports them), with the very same objects."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_engine_import_loads_no_nn_optim_or_data():
    out = _run(
        "import sys, autograd_np\n"
        "print(sorted(m for m in sys.modules if m.startswith(('autograd_np.nn', "
        "'autograd_np.optim', 'autograd_np.data', 'autograd_np.utils'))))"
    )
    assert out == "[]"


def test_attribute_access_loads_them():
    out = _run(
        "import autograd_np as torch\n"
        "import autograd_np.data as data, autograd_np.nn as nn, autograd_np.optim as optim\n"
        "print(torch.nn is nn, torch.optim is optim, torch.utils.data is data,\n"
        "      torch.utils.data.DataLoader is data.DataLoader,\n"
        "      torch.nn.functional is nn.functional)"
    )
    assert out == "True True True True True"


def test_import_forms_of_utils_data_give_the_same_objects():
    out = _run(
        "from autograd_np.utils.data import (\n"
        "    DataLoader, Dataset, TensorDataset, Subset, random_split)\n"
        "import autograd_np.utils.data\n"
        "import autograd_np.utils.data.sampler as s1\n"
        "from autograd_np.utils.data.dataloader import DataLoader as D2\n"
        "import autograd_np.data as data, autograd_np.data.sampler as s2\n"
        "print(DataLoader is data.DataLoader, Dataset is data.Dataset, Subset is data.Subset,\n"
        "      TensorDataset is data.TensorDataset, random_split is data.random_split,\n"
        "      autograd_np.utils.data is data, s1 is s2, D2 is DataLoader,\n"
        "      data.__spec__.name, s2.__spec__.name)"
    )
    assert (
        out == "True True True True True True True True autograd_np.data autograd_np.data.sampler"
    )


def test_utils_data_in_process():
    import autograd_np as torch
    import autograd_np.data as data

    ds = torch.utils.data.TensorDataset(torch.arange(6.0), torch.arange(6))
    train, val = torch.utils.data.random_split(
        ds, [4, 2], generator=torch.Generator().manual_seed(0)
    )
    assert isinstance(train, data.Subset) and len(val) == 2
    batches = list(torch.utils.data.DataLoader(train, batch_size=2))
    assert len(batches) == 2
