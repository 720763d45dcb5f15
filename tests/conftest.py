"""Shared test configuration: hypothesis profiles and the dataset location.

Profiles, chosen by the environment variable ``AUTOGRAD_NP_HYPOTHESIS_PROFILE``:

* ``dev`` (default): few examples, fresh random examples each run;
* ``ci``: more examples, derandomized so a CI run is reproducible.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("AUTOGRAD_NP_HYPOTHESIS_PROFILE", "dev"))
