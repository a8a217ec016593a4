"""save / load: safetensors + JSON model files, no pickle."""

import copy
import json
import pickle

import joblib
import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from sklearn.exceptions import NotFittedError

from sklearn_wb import GridBarycenterPredictor, NeuralBarycenter, load
from sklearn_wb.numerics import random_gaussians, sample_gaussians

NWB_TINY = dict(
    potential_hidden_sizes=(4,),
    generator_hidden_sizes=(4,),
    n_epochs=2,
    iterations_per_epoch=3,
    batch_size=16,
    n_inner_g=2,
    n_inner_f=2,
    random_state=0,
)
GRID_TINY = dict(width=2, depth=3, batch_size=8, max_epochs=1, random_state=0)


def _measure_data():
    X, y = sample_gaussians(*random_gaussians(3, 2, random_state=0), 100, random_state=0)
    return X, np.array(["north", "south", "west"])[y]  # string labels: classes_ dtype <U5


def _grid_data(n_samples=8, size=16):
    rng = np.random.default_rng(0)
    measures = rng.random((n_samples, 2, size, size)) ** 4
    weights = rng.dirichlet(np.ones(2), n_samples)
    normalised = measures / measures.sum(axis=(2, 3), keepdims=True)
    return measures, weights, np.einsum("nk,nkhw->nhw", weights, normalised)


@pytest.fixture(scope="module")
def nwb():
    X, y = _measure_data()
    return NeuralBarycenter(**NWB_TINY).fit(X, y), X, y


@pytest.fixture(scope="module")
def grid():
    measures, weights, targets = _grid_data()
    return GridBarycenterPredictor(**GRID_TINY).fit(measures, targets, weights), measures, weights


@pytest.fixture
def nwb_file(nwb, tmp_path):
    path = tmp_path / "nwb.safetensors"
    nwb[0].save(path)
    return path


@pytest.fixture
def no_pickle(monkeypatch):
    """Make every unpickling entry point fail while the test runs."""

    def refuse(*args, **kwargs):
        raise AssertionError("unpickling was attempted")

    for owner, name in [
        (pickle, "load"),
        (pickle, "loads"),
        (pickle, "Unpickler"),
        (torch, "load"),
        (joblib, "load"),
    ]:
        monkeypatch.setattr(owner, name, refuse)


# ---------------------------------------------------------------- round trips


def test_neural_barycenter_round_trip_is_exact(nwb, nwb_file, no_pickle):
    model, X, y = nwb
    loaded = load(nwb_file, device="cpu")
    assert type(loaded) is NeuralBarycenter
    np.testing.assert_array_equal(
        loaded.sample(50, random_state=3), model.sample(50, random_state=3)
    )
    np.testing.assert_array_equal(loaded.push_forward(X, y), model.push_forward(X, y))
    np.testing.assert_array_equal(loaded.pull_back(X, y), model.pull_back(X, y))
    assert loaded.score(X, y) == model.score(X, y)
    for name in ("classes_", "weights_", "loc_", "gaussian_mean_", "gaussian_cov_"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
        assert getattr(loaded, name).dtype == getattr(model, name).dtype
    assert (loaded.scale_, loaded.n_features_in_) == (model.scale_, model.n_features_in_)
    assert loaded.net_.module_.h.n_components == model.net_.module_.h.n_components
    assert loaded.history_[:, "train_loss"] == model.history_[:, "train_loss"]
    assert loaded.get_params() == {**model.get_params(), "device": "cpu"}  # tuples too


def test_grid_predictor_round_trip_is_exact(grid, tmp_path, no_pickle):
    model, measures, weights = grid
    model.save(tmp_path / "grid.safetensors")
    loaded = load(str(tmp_path / "grid.safetensors"), device="cpu")
    assert type(loaded) is GridBarycenterPredictor
    np.testing.assert_array_equal(
        loaded.predict(measures, weights), model.predict(measures, weights)
    )
    target = model.predict(measures[:2], weights[:2])
    assert loaded.score(measures[:2], target, weights[:2]) == model.score(
        measures[:2], target, weights[:2]
    )
    assert loaded.get_params() == {**model.get_params(), "device": "cpu"}
    assert loaded.grid_shape_ == model.grid_shape_ == (16, 16)


def test_a_list_parameter_stays_a_list(nwb, tmp_path):
    model = copy.deepcopy(nwb[0]).set_params(generator_hidden_sizes=[4])
    model.save(tmp_path / "lists.safetensors")
    params = load(tmp_path / "lists.safetensors", device="cpu").get_params()
    assert (params["generator_hidden_sizes"], params["potential_hidden_sizes"]) == ([4], (4,))


def test_a_saved_model_is_as_readable_as_any_file_written_here(grid, tmp_path):
    """safetensors' save_file wrote 0600 whatever the umask: unreadable to colleagues."""
    grid[0].save(tmp_path / "grid.safetensors")
    (tmp_path / "plain").write_bytes(b"")
    mode = (tmp_path / "grid.safetensors").stat().st_mode & 0o777
    assert mode == (tmp_path / "plain").stat().st_mode & 0o777
    assert sorted(path.name for path in tmp_path.iterdir()) == ["grid.safetensors", "plain"]


def test_file_is_safetensors_with_json_metadata(nwb, nwb_file):
    with safe_open(nwb_file, framework="pt", device="cpu") as file:
        header = json.loads(file.metadata()["sklearn_wb"])
        keys = set(file.keys())
    assert header["class"] == "NeuralBarycenter" and header["format_version"] == 1
    assert header["params"]["potential_hidden_sizes"] == [4]
    assert header["attributes"]["classes_"] == {
        "values": ["north", "south", "west"],
        "dtype": "<U5",
    }
    assert header["module_kwargs"]["n_measures"] == 3
    assert {"fitted/loc_", "fitted/gaussian_cov_", "module/h.shift"} <= keys


def test_loaded_model_continues_training_with_warm_start(nwb, nwb_file):
    _, X, y = nwb
    loaded = load(nwb_file, device="cpu").set_params(warm_start=True)
    module = loaded.net_.module_
    loaded.fit(X, y)
    assert loaded.net_.module_ is module
    assert len(loaded.history_) == 2 * NWB_TINY["n_epochs"]


def test_pretrained_model_centres_a_blob_barycenter_at_the_weighted_mean():
    """The barycenter of Gaussian blobs has its mean at the weighted mean of their centres
    (a uniform guess misses it by 2.2 and 4.6 cells) and the weighted mean width; the plain
    mixture has the right mean too, but a far wider spread."""
    model = GridBarycenterPredictor.pretrained(device="cpu")
    grid = np.arange(32) + 0.5
    centres = np.array([[8, 8], [24, 20], [10, 26]])
    weights = np.array([0.2, 0.3, 0.5])

    def blob(row, col, width):
        return np.exp(-((grid[:, None] - row) ** 2 + (grid - col) ** 2) / (2 * width**2))

    measures = np.array([[blob(*centres[0], 2), blob(*centres[1], 3), blob(*centres[2], 2.5)]])
    b = model.predict(measures, [weights])[0]
    centre = [(b.sum(1) * grid).sum(), (b.sum(0) * grid).sum()]
    np.testing.assert_allclose(centre, weights @ centres, atol=1.5)
    mixture = np.einsum("k,kij->ij", weights, measures[0] / measures[0].sum((1, 2), keepdims=True))
    exact_spread = 2 * (weights @ [2, 3, 2.5]) ** 2  # E|x - mean|^2 of the exact barycenter

    def spread(image):
        rows, cols = np.indices(image.shape) + 0.5
        mean = [(image * rows).sum(), (image * cols).sum()]
        return (image * ((rows - mean[0]) ** 2 + (cols - mean[1]) ** 2)).sum()

    assert abs(spread(b) - exact_spread) < abs(spread(mixture) - exact_spread)


# ---------------------------------------------------------------- errors


def test_save_rejects_parameters_that_are_not_json(nwb, tmp_path):
    model = copy.deepcopy(nwb[0]).set_params(random_state=np.random.RandomState(0))
    with pytest.raises(TypeError, match="random_state=RandomState"):
        model.save(tmp_path / "model.safetensors")
    assert not (tmp_path / "model.safetensors").exists()


def test_save_needs_a_fitted_model(tmp_path):
    with pytest.raises(NotFittedError):
        GridBarycenterPredictor().save(tmp_path / "model.safetensors")


def _rewrite(path, change_header=None, metadata=None, drop_tensor=None):
    """Write the file again with its header changed, other metadata, or a tensor less."""
    with safe_open(path, framework="pt") as file:
        header = json.loads(file.metadata()["sklearn_wb"])
    tensors = {k: v for k, v in load_file(path).items() if k != drop_tensor}
    if change_header:
        change_header(header)
    save_file(tensors, path, metadata=metadata or {"sklearn_wb": json.dumps(header)})


@pytest.mark.parametrize(
    ("rewrite", "match"),
    [
        (dict(change_header=lambda h: h.update({"class": "os.system"})), "'os.system'.*known"),
        (dict(change_header=lambda h: h.update(format_version=99)), "format version 99"),
        (dict(change_header=lambda h: h.pop("params")), "'params'"),
        (dict(change_header=lambda h: h["params"].update(colour=1)), "parameters do not fit"),
        (dict(change_header=lambda h: h["params"].update(lr=-1.0)), "parameters do not fit"),
        (dict(change_header=lambda h: h["attributes"].update(predict=1)), "Unknown fitted"),
        (dict(drop_tensor="module/h.shift"), "weights do not match"),
        (dict(metadata={"other": "1"}), "not a sklearn_wb model"),
        (dict(metadata={"sklearn_wb": "{not json"}), "not valid JSON"),
    ],
)
def test_load_rejects_files_it_cannot_trust(nwb_file, rewrite, match):
    _rewrite(nwb_file, **rewrite)
    with pytest.raises(ValueError, match=match):
        load(nwb_file, device="cpu")


@pytest.mark.parametrize(
    "corrupt",
    [lambda data: data[:-100], lambda data: data[:5], lambda data: b"\x00" * 64 + data[64:]],
    ids=["truncated", "header-only", "overwritten"],
)
def test_load_rejects_corrupted_files(nwb_file, corrupt):
    nwb_file.write_bytes(corrupt(nwb_file.read_bytes()))
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        load(nwb_file)


def test_load_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        load(tmp_path / "missing.safetensors")
