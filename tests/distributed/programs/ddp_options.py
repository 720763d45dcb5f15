"""Run under mpiexec -n 2: no_sync accumulation, find_unused_parameters, the error for an
unused parameter without it, and the check that models match across ranks."""

import numpy as np

import autograd_np as torch
import autograd_np.distributed as dist
import autograd_np.nn as nn

torch.set_num_threads(2)  # chosen before the group: kept on every rank
dist.init_process_group("mpi")
rank = dist.get_rank()
assert torch.get_num_threads() == 2


class TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        g = np.random.default_rng(0)
        self.body = nn.Linear(3, 4, generator=g).double()
        self.left = nn.Linear(4, 1, generator=g).double()
        self.right = nn.Linear(4, 1, generator=g).double()

    def forward(self, x, use_right=True):
        h = self.body(x)
        out = self.left(h)
        return out + self.right(h) if use_right else out


xs = [torch.tensor(np.full((2, 3), float(rank + k + 1))) for k in range(3)]

# no_sync: two local backwards, then one synchronised: the mean of all the sums
ddp = nn.parallel.DistributedDataParallel(TwoHeads())
with ddp.no_sync():
    ddp(xs[0]).sum().backward()
    ddp(xs[1]).sum().backward()
local = ddp.module.body.weight.grad.array.copy()
ddp(xs[2]).sum().backward()
ref = TwoHeads()
expected = 0
for r in range(2):
    ref.zero_grad()
    for k in range(3):
        ref(torch.tensor(np.full((2, 3), float(r + k + 1)))).sum().backward()
    expected = expected + ref.body.weight.grad.array / 2
np.testing.assert_allclose(ddp.module.body.weight.grad.array, expected, atol=1e-12)
assert not np.allclose(local, expected)

# find_unused_parameters: rank 1 does not use `right`; it gets rank 0's half of the
# gradient. Unused on every rank: grad stays None.
ddp = nn.parallel.DistributedDataParallel(TwoHeads(), find_unused_parameters=True)
ddp(xs[0], use_right=(rank == 0)).sum().backward()
w = ddp.module.right.weight.grad
assert w is not None
ref = TwoHeads()
ref(torch.tensor(np.full((2, 3), 1.0))).sum().backward()
np.testing.assert_allclose(w.array, ref.right.weight.grad.array / 2, atol=1e-12)
ddp.zero_grad(set_to_none=True)
ddp(xs[0], use_right=False).sum().backward()
assert ddp.module.right.weight.grad is None
assert ddp.module.left.weight.grad is not None

# without find_unused_parameters, an unused parameter is reported at the next forward
ddp = nn.parallel.DistributedDataParallel(TwoHeads())
ddp(xs[0], use_right=False).sum().backward()
try:
    ddp(xs[0])
except RuntimeError as e:
    assert "find_unused_parameters=True" in str(e) and "right.weight" in str(e), str(e)
else:
    raise AssertionError("an unused parameter must be reported")

# models that differ across ranks are refused on every rank, naming the difference
try:
    nn.parallel.DistributedDataParallel(nn.Linear(3, 4 + rank))
except RuntimeError as e:
    assert "differ across ranks" in str(e) and "weight" in str(e), str(e)
else:
    raise AssertionError("different shapes must be refused")
print(f"rank {rank}: ok")
