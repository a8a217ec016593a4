"""Bad input raises a ValueError naming the problem, and leaves nothing half-fitted."""

import copy

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_wb import GridBarycenterPredictor, NeuralBarycenter
from sklearn_wb.numerics import random_gaussians, sample_gaussians

NWB_TINY = dict(
    potential_hidden_sizes=(4,),
    generator_hidden_sizes=(4,),
    n_epochs=1,
    iterations_per_epoch=2,
    batch_size=16,
    n_inner_g=1,
    n_inner_f=1,
    random_state=0,
)
GRID_TINY = dict(width=2, depth=3, batch_size=4, max_epochs=1, random_state=0)


def _samples():
    return sample_gaussians(*random_gaussians(2, 2, random_state=0), 50, random_state=0)


def _grids(n_samples=4, size=8):
    rng = np.random.default_rng(0)
    measures = rng.random((n_samples, 2, size, size))
    weights = rng.dirichlet(np.ones(2), n_samples)
    normalised = measures / measures.sum(axis=(2, 3), keepdims=True)
    return measures, weights, np.einsum("nk,nkhw->nhw", weights, normalised)


@pytest.fixture(scope="module")
def nwb():
    return NeuralBarycenter(**NWB_TINY).fit(*_samples())


@pytest.fixture(scope="module")
def grid():
    measures, weights, targets = _grids()
    return GridBarycenterPredictor(**GRID_TINY).fit(measures, targets, weights)


def _repeated_point(X, y):
    return np.where((y == 0)[:, None], [1.0, 2.0], X), y


def _two_points(X, y):
    alternating = np.where((np.arange(len(X)) % 2)[:, None], [1.0, 2.0], [3.0, 1.0])
    return np.where((y == 0)[:, None], alternating, X), y


def _with_column(X, column, value):
    X = X.copy()
    X[:, column] = value
    return X


NWB_FIT_CASES = {
    "one repeated point": ({}, _repeated_point, r"Measures \[0\] are degenerate"),
    "two points in 2-D": ({}, _two_points, r"Measures \[0\] are degenerate"),
    "constant feature": ({}, lambda X, y: (_with_column(X, 1, 3.0), y), r"Features \[1\]"),
    "all rows one point": ({}, lambda X, y: (np.ones_like(X), y), "no spread"),
    "scaled by 1e200": ({}, lambda X, y: (X * 1e200, y), "spread of X .* outside"),
    "scaled by 1e-200": ({}, lambda X, y: (X * 1e-200, y), "spread of X .* outside"),
    "hidden size 0": ({"potential_hidden_sizes": (0,)}, None, "positive ints"),
    "hidden size -3": ({"potential_hidden_sizes": (-3,)}, None, "positive ints"),
    "hidden size 'a'": ({"potential_hidden_sizes": ("a",)}, None, "positive ints"),
    "hidden size 2.7": ({"potential_hidden_sizes": (2.7,)}, None, "positive ints"),
    "generator size 0": ({"generator_hidden_sizes": (0,)}, None, "positive ints"),
    "device 'gpu'": ({"device": "gpu"}, None, "device must be 'auto', 'cpu', 'cuda'"),
    "weights 2x2": (
        {"weights": [[0.25, 0.25], [0.25, 0.25]]},
        None,
        r"2 entries in a 1-D array, .* shape \(2, 2\)",
    ),
}


@pytest.mark.parametrize(("params", "change", "match"), NWB_FIT_CASES.values(), ids=NWB_FIT_CASES)
def test_neural_barycenter_fit_rejects(nwb, params, change, match):
    X, y = change(*_samples()) if change else _samples()
    fresh = NeuralBarycenter(**{**NWB_TINY, **params})
    with pytest.raises(ValueError, match=match):
        fresh.fit(X, y)
    with pytest.raises(NotFittedError):
        fresh.sample(3)
    fitted = copy.deepcopy(nwb).set_params(**params)
    before = fitted.sample(5, random_state=0)
    with pytest.raises(ValueError, match=match):
        fitted.fit(X, y)
    np.testing.assert_array_equal(fitted.sample(5, random_state=0), before)
    assert fitted.net_.history is fitted.history_ and len(fitted.history_) == 1


NWB_AFTER_FIT_CASES = {
    "sample(True)": (lambda m, X, y: m.sample(True), "positive integer, got True"),
    "sample(2.0)": (lambda m, X, y: m.sample(2.0), "positive integer, got 2.0"),
    "push_forward far out": (lambda m, X, y: m.push_forward(X * 1e300, y), "float32 .* overflow"),
    "pull_back far out": (lambda m, X, y: m.pull_back(X * 1e300, y), "float32 .* overflow"),
    "score far out": (lambda m, X, y: m.score(X * 1e300, y), "float32 .* overflow"),
    "sample with a numpy Generator": (
        lambda m, X, y: m.sample(3, random_state=np.random.default_rng(0)),
        "got a numpy Generator",
    ),
    "push_forward without y": (lambda m, X, y: m.push_forward(X, None), "y is required"),
    "score without y": (lambda m, X, y: m.score(X, None), "y is required"),
    "n_threads=0 set after fit": (
        lambda m, X, y: copy.deepcopy(m).set_params(n_threads=0).sample(3),
        "'n_threads' parameter",
    ),
}


@pytest.mark.parametrize(("call", "match"), NWB_AFTER_FIT_CASES.values(), ids=NWB_AFTER_FIT_CASES)
def test_neural_barycenter_methods_reject(nwb, call, match):
    with pytest.raises(ValueError, match=match):
        call(nwb, *_samples())


def test_neural_barycenter_accepts_any_spread_float64_can_square():
    X, y = _samples()
    model = NeuralBarycenter(**NWB_TINY).fit(X * 1e99, y)
    assert np.isfinite(model.gaussian_cov_).all() and np.isfinite(model.score(X * 1e99, y))
    np.testing.assert_allclose(model.scale_, np.sqrt((X * 1e99).var(axis=0).mean()))


GRID_FIT_CASES = {
    "grid below 2**depth": (
        lambda m, w, t: (m[..., :4, :4], w, t[:, :4, :4]),
        r"at least 2\*\*depth = 8",
    ),
    "empty batch": (lambda m, w, t: (m[:0], w[:0], t[:0]), "no examples"),
    "complex images": (lambda m, w, t: (m + 1j, w, t), "must be real"),
    "one example": (lambda m, w, t: (m[:1], w[:1], t[:1]), "validation_fraction"),
    "y of wrong shape": (lambda m, w, t: (m, w, t[:, :4]), "y must have shape"),
}


@pytest.mark.parametrize(("change", "match"), GRID_FIT_CASES.values(), ids=GRID_FIT_CASES)
def test_grid_predictor_fit_rejects(grid, change, match):
    measures, weights, targets = change(*_grids())
    fresh = GridBarycenterPredictor(**GRID_TINY)
    with pytest.raises(ValueError, match=match):
        fresh.fit(measures, targets, weights)
    assert not hasattr(fresh, "net_") and not hasattr(fresh, "history_")
    fitted = copy.deepcopy(grid)
    reference, _, _ = _grids()
    before = fitted.predict(reference)
    with pytest.raises(ValueError, match=match):
        fitted.fit(measures, targets, weights)
    np.testing.assert_array_equal(fitted.predict(reference), before)


GRID_AFTER_FIT_CASES = {
    "grid below 2**depth": (lambda m, X: m.predict(X[..., :4, :4]), r"at least 2\*\*depth = 8"),
    "empty batch": (lambda m, X: m.predict(X[:0]), "no examples"),
    "complex images": (lambda m, X: m.predict(X + 1j), "must be real"),
    "score y of wrong shape": (lambda m, X: m.score(X, np.ones((4, 4, 4))), "y must have shape"),
    "score y of one grid": (lambda m, X: m.score(X, np.ones((8, 8))), "y must have shape"),
    "batch_size=0 set after fit": (
        lambda m, X: copy.deepcopy(m).set_params(batch_size=0).predict(X),
        "batch_size",
    ),
    "n_threads=0 set after fit": (
        lambda m, X: copy.deepcopy(m).set_params(n_threads=0).predict(X),
        "'n_threads' parameter",
    ),
    "score y with negative mass": (lambda m, X: m.score(X, -np.ones((4, 8, 8))), "y must be"),
}


@pytest.mark.parametrize(("call", "match"), GRID_AFTER_FIT_CASES.values(), ids=GRID_AFTER_FIT_CASES)
def test_grid_predictor_methods_reject(grid, call, match):
    measures, _, _ = _grids()
    with pytest.raises(ValueError, match=match):
        call(grid, measures)


@pytest.mark.parametrize("value", [1e308, 1e-320], ids=["mass overflows", "subnormal"])
def test_grid_predictor_accepts_any_finite_scale(grid, value):
    """Images are rescaled to unit mass: 1e308 everywhere is the uniform image, not zero."""
    np.testing.assert_array_equal(
        grid.predict(np.full((1, 2, 8, 8), value)), grid.predict(np.ones((1, 2, 8, 8)))
    )


def test_shipped_model_names_an_unknown_device():
    with pytest.raises(ValueError, match="device must be 'auto', 'cpu', 'cuda'"):
        GridBarycenterPredictor.pretrained(device="gpu")


def test_shipped_model_names_its_smallest_grid():
    with pytest.raises(ValueError, match=r"at least 2\*\*depth = 32 for depth=5"):
        GridBarycenterPredictor.pretrained(device="cpu").predict(np.ones((1, 2, 16, 16)))
