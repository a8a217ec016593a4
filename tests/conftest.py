"""Hypothesis profile: the project's settings on top of Hypothesis's built-in ``ci`` profile
(loaded automatically when the CI variable is set) or its default one."""

import os

import pytest
import torch
from hypothesis import HealthCheck, settings

from sklearn_wb import _defaults

_parent = settings.get_profile("ci" if os.environ.get("CI") else "default")
settings.register_profile(
    "sklearn_wb",
    parent=_parent,
    deadline=None,  # torch's first calls are slow; timing is for benchmarks, not tests
    max_examples=10,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("sklearn_wb")

# One torch thread: these 2-core machines are shared, and one thread is often faster.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _small_free_support_guess(monkeypatch):
    """The 1-D and 2-D first guess solves exact plans between 500, 1000 and then 2000
    atoms and each measure's samples, up to 200 of 0.04 s, 60 of 0.17 s and one round of
    0.65 s per measure: tests run that path on 50, 100 and 200 atoms."""
    monkeypatch.setitem(_defaults.FREE_SUPPORT_GUESS, "n_atoms", 200)
