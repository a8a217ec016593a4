"""The entropic transport map and NeuralBarycenter's refined push-forward."""

import numpy as np
import ot
import pytest
import torch

from sklearn_wb import NeuralBarycenter, _defaults, load
from sklearn_wb.numerics import entropic_map_apply, entropic_map_potentials, make_gaussian_mixtures


def _fit_map(source, target, blur):
    source, target = (torch.as_tensor(a, dtype=torch.float64) for a in (source, target))
    potentials = entropic_map_potentials(source, target, blur)
    return lambda x: entropic_map_apply(torch.as_tensor(x), target, potentials, blur).numpy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_entropic_map_recovers_a_translation(seed):
    rng = np.random.default_rng(seed)
    source, shift = rng.normal(size=(400, 2)), np.array([3.0, -1.0])
    target = rng.permutation(source + shift)
    transport = _fit_map(source, target, blur=0.05)
    np.testing.assert_allclose(transport(source), source + shift, atol=0.05)
    unseen = rng.normal(size=(200, 2)) * 0.5  # inside the cloud, between its points
    assert np.abs(transport(unseen) - (unseen + shift)).mean() < 0.1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_entropic_map_cuts_a_cluster_in_two(seed):
    # One blob onto two far apart: the Brenier map jumps at the median, which a smooth
    # map cannot do. Unseen points must land on either side, almost none in the gap.
    rng = np.random.default_rng(seed)
    source = rng.normal(size=(1000, 1))
    target = np.concatenate([rng.normal(-5, 0.3, (500, 1)), rng.normal(5, 0.3, (500, 1))])
    mapped = _fit_map(source, target, blur=0.05)(np.sort(rng.normal(size=(2000, 1)), axis=0))
    assert np.all(np.diff(mapped[:, 0]) >= -1e-6)  # monotone, as a 1-D Brenier map
    assert np.mean(np.abs(mapped) < 3) < 0.01
    assert abs(np.mean(mapped > 0) - 0.5) < 0.05


@pytest.mark.parametrize(
    ("source", "target", "blur", "message"),
    [
        (torch.zeros(0, 2), torch.zeros(3, 2), 0.1, "source must be a non-empty"),
        (torch.zeros(3, 2), torch.zeros(3, 1), 0.1, "target has 1 features; expected 2"),
        (torch.zeros(3, 2), torch.zeros(3, 2), 0.0, "blur must be positive"),
    ],
)
def test_entropic_map_potentials_rejects_bad_input(source, target, blur, message):
    with pytest.raises(ValueError, match=message):
        entropic_map_potentials(source, target, blur)


def test_entropic_map_apply_rejects_potentials_of_another_size():
    with pytest.raises(ValueError, match="one entry per atom"):
        entropic_map_apply(torch.zeros(2, 2), torch.zeros(3, 2), torch.zeros(4), 0.1)


def test_entropic_map_of_no_rows_is_empty():
    atoms = torch.zeros(3, 2)
    assert entropic_map_apply(torch.zeros(0, 2), atoms, torch.zeros(3), 0.1).shape == (0, 2)


@pytest.fixture(scope="module")
def mixtures():
    return make_gaussian_mixtures(2, 600, random_state=0)


def _short_fit(X, y, **params):
    short = dict(potential_hidden_sizes=(8,), generator_hidden_sizes=(8,), n_components=8)
    short |= dict(n_epochs=1, iterations_per_epoch=10, random_state=0)
    return NeuralBarycenter(**short, **params).fit(X, y)


@pytest.fixture
def few_atoms(monkeypatch):
    monkeypatch.setitem(_defaults.PUSH_FORWARD_REFINEMENT, "n_atoms", 600)


def _w2(a, b):
    return ot.emd2([], [], ot.dist(a, b))


def test_refined_push_forward_lands_on_the_barycenter_samples(mixtures, few_atoms):
    # Ten outer iterations leave g far from the map onto the generator's law; the
    # entropic refinement, fitted to generator samples, must close most of the gap.
    X, y = mixtures
    model = _short_fit(X, y, refine_push_forward=True)
    assert model.push_forward_atoms_.shape == (600, 2)
    assert model.push_forward_potentials_.shape == (2, 600)
    barycenter = model.sample(600, random_state=1)
    plain = _short_fit(X, y)
    for k in (0, 1):
        refined = _w2(model.push_forward(X[y == k], k), barycenter)
        unrefined = _w2(plain.push_forward(X[y == k], k), barycenter)
        assert refined < 0.5 * unrefined


def test_refined_push_forward_survives_save_and_load(mixtures, few_atoms, tmp_path):
    X, y = mixtures
    model = _short_fit(X, y, refine_push_forward=True)
    model.save(tmp_path / "refined.safetensors")
    loaded = load(tmp_path / "refined.safetensors")
    assert loaded.push_forward_blur_ == model.push_forward_blur_
    np.testing.assert_array_equal(loaded.push_forward(X, y), model.push_forward(X, y))


def test_a_fit_without_refinement_drops_earlier_maps(mixtures, few_atoms):
    X, y = mixtures
    model = _short_fit(X, y, refine_push_forward=True, warm_start=True)
    model.set_params(refine_push_forward=False).fit(X, y)
    assert not any(
        hasattr(model, f"push_forward_{name}_") for name in ("atoms", "potentials", "blur")
    )
    np.testing.assert_array_equal(model.push_forward(X, y), model._apply_gradient("g", X, y))


def test_refinement_above_two_dimensions_warns(few_atoms):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(400, 3)), np.repeat([0, 1], 200)
    with pytest.warns(UserWarning, match="meant for 1-D and 2-D data, got 3 features"):
        _short_fit(X, y, refine_push_forward=True)
