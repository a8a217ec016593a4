"""Diverging training stops with an error naming lr; methods run on n_threads threads."""

import numpy as np
import pytest
import torch
from test_grid_predictor import TINY as GRID_TINY
from test_grid_predictor import blobs, mixtures
from test_neural_barycenter import TINY

from sklearn_wb import GridBarycenterPredictor, NeuralBarycenter
from sklearn_wb.numerics import paper_gaussians, sample_gaussians


@pytest.fixture(scope="module")
def gaussians():
    return sample_gaussians(*paper_gaussians(), 500, random_state=0)


@pytest.mark.parametrize("lr", [10.0, 1e6])
def test_diverging_barycenter_fit_raises_and_fits_nothing(gaussians, lr):
    model = NeuralBarycenter(lr=lr, n_epochs=1, iterations_per_epoch=50, random_state=0)
    with pytest.raises(ValueError, match=r"Training diverged.*lr="):
        model.fit(*gaussians)
    assert not hasattr(model, "net_")


def test_diverging_warm_start_keeps_the_fitted_weights(gaussians):
    model = NeuralBarycenter(**TINY, random_state=0, warm_start=True).fit(*gaussians)
    before = model.sample(100, random_state=0)
    model.set_params(lr=1e6)
    with pytest.raises(ValueError, match="Training diverged"):
        model.fit(*gaussians)
    np.testing.assert_array_equal(model.sample(100, random_state=0), before)
    assert len(model.history_) == TINY["n_epochs"]
    for state in model.net_.optimizer_.state.values():
        assert all(torch.isfinite(v).all() for v in state.values() if torch.is_tensor(v))


@pytest.mark.parametrize("lr", [1e3, 1e8])
def test_diverging_grid_fit_raises_and_fits_nothing(lr):
    measures, weights = blobs(0, n_samples=32)
    model = GridBarycenterPredictor(**{**GRID_TINY, "lr": lr}, max_epochs=2)
    with pytest.raises(ValueError, match=r"Training diverged.*lr="):
        model.fit(measures, mixtures(measures, weights), weights=weights)
    assert not hasattr(model, "net_")


def test_methods_use_n_threads_and_restore_the_callers_setting(gaussians, monkeypatch):
    seen = []
    original = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (seen.append(n), original(n)))
    caller = torch.get_num_threads()
    model = NeuralBarycenter(**TINY, random_state=0, n_threads=1).fit(*gaussians)
    model.sample(10)
    assert seen == [1, caller, 1, caller]
    assert torch.get_num_threads() == caller
    seen.clear()
    model.set_params(n_threads=None).sample(10)
    assert seen == []
