"""Grid image families and the family dataset: valid images, seeding, caching, known answers."""

import joblib
import numpy as np
import pytest
import torch

from sklearn_wb.deep.unet import MultiInputUNet
from sklearn_wb.numerics import (
    GRID_FAMILIES,
    build_family_dataset,
    grid_dataset,
    random_filled_shapes,
    sinkhorn_barycenter_2d,
)

# The solver's own error on identical inputs / one-hot weights (tests/test_grid_sinkhorn.py)
SELF_L1 = 0.06


@pytest.mark.parametrize("name", sorted(GRID_FAMILIES))
@pytest.mark.parametrize("size", [16, 32])
def test_every_family_gives_unit_mass_images(name, size):
    images = GRID_FAMILIES[name](3, size, np.random.default_rng(0))
    assert images.shape == (3, size, size) and images.dtype == np.float64
    assert np.isfinite(images).all() and (images >= 0).all()
    np.testing.assert_allclose(images.sum(axis=(1, 2)), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(images, GRID_FAMILIES[name](3, size, np.random.default_rng(0)))


def test_filled_shapes_are_constant_on_their_support():
    filled = random_filled_shapes(4, 16, random_state=0)
    for image in filled:
        np.testing.assert_allclose(image[image > 0], 1.0 / (image > 0).sum())


def _build(**kwargs):
    return build_family_dataset(12, 16, batch_size=4, random_state=0, **kwargs)


def _assert_same(first, second):
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)


def test_dataset_contents():
    data = _build()
    k = data.n_inputs
    assert data.measures.shape == (12, 5, 16, 16) and data.measures.dtype == np.float32
    assert data.weights.shape == (12, 5) and data.targets.shape == (12, 16, 16)
    assert ((k >= 2) & (k <= 5)).all()
    assert (data.weights >= 0).all() and (data.targets >= 0).all()
    np.testing.assert_allclose(data.weights.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(data.measures.sum(axis=(2, 3)), 1.0, rtol=1e-5)
    np.testing.assert_allclose(data.targets.sum(axis=(1, 2)), 1.0, rtol=1e-5)
    padding = np.arange(5) >= k[:, None]
    assert (data.weights[padding] == 0).all() and (data.families[padding] == "").all()
    assert set(data.families[~padding]) <= set(GRID_FAMILIES)
    first = np.broadcast_to(data.measures[:, :1], data.measures.shape)
    np.testing.assert_array_equal(data.measures[padding], first[padding])


def test_same_result_for_any_number_of_jobs():
    # Threads, not loky processes: each fresh worker process spends ~10 s importing torch
    # and KeOps. Chunk seeding, which is what this checks, is the same for every backend.
    cheap = ("gaussian_blobs", "near_uniform")  # smooth images: the quickest Sinkhorn solves
    with joblib.parallel_config(backend="threading"):
        parallel = _build(n_jobs=2, families=cheap)
    _assert_same(parallel, _build(n_jobs=1, families=cheap))


def test_cache_round_trip_resume_and_extension(tmp_path, monkeypatch):
    data = _build(cache_dir=tmp_path)
    (folder,) = tmp_path.iterdir()
    assert sorted(c.name for c in folder.glob("*.npz")) == [
        f"examples_0000{i}.npz" for i in range(3)
    ]
    (folder / "examples_00001.npz").unlink()
    _assert_same(_build(cache_dir=tmp_path), data)  # the missing chunk is remade
    larger = build_family_dataset(16, 16, batch_size=4, random_state=0, cache_dir=tmp_path)

    def fail(*args, **kwargs):
        raise AssertionError("a cached chunk was recomputed")

    monkeypatch.setattr(grid_dataset, "_family_chunk", fail)
    _assert_same(_build(cache_dir=tmp_path), data)
    for key in data:  # a larger build starts with the smaller one's examples
        np.testing.assert_array_equal(larger[key][:12], data[key], err_msg=key)


@pytest.mark.parametrize("kind", ["identical", "one_hot"])
def test_known_answers_are_the_input(kind, monkeypatch):
    monkeypatch.setattr(grid_dataset, "_KIND_PROBABILITIES", {kind: 1.0})
    data = build_family_dataset(6, 16, random_state=1)
    assert (data.kinds == kind).all()
    chosen = data.weights.argmax(axis=1)
    inputs = data.measures[np.arange(6), chosen]
    np.testing.assert_array_equal(data.targets, inputs)
    if kind == "one_hot":
        assert (data.weights.max(axis=1) == 1).all()
    for measures, weights, k, target in zip(data.measures, data.weights, data.n_inputs, inputs):
        solved = sinkhorn_barycenter_2d(measures[:k], weights[:k], reg=0.002)
        assert np.abs(solved - target).sum() < SELF_L1  # the solver agrees, to its accuracy


def test_weights_and_k_cover_their_ranges():
    rng = np.random.default_rng(0)
    draws = [grid_dataset._draw_example(rng, 8, ("near_uniform",)) for _ in range(400)]
    assert {len(d["weights"]) for d in draws} == {2, 3, 4, 5}
    assert {d["kind"] for d in draws} == set(grid_dataset._KIND_PROBABILITIES)
    for draw in draws:
        assert (draw["weights"] >= 0).all() and np.isclose(draw["weights"].sum(), 1.0)
        if draw["kind"] == "near_one_hot":
            assert 0.9 <= draw["weights"].max() < 1.0


def test_families_mix_within_some_examples():
    rng = np.random.default_rng(0)
    draws = [grid_dataset._draw_example(rng, 8, tuple(GRID_FAMILIES)) for _ in range(300)]
    mixed = np.mean([len(set(d["families"])) > 1 for d in draws])
    assert 0.15 < mixed < 0.35  # 30% draw a family per input, which can still coincide


def test_unknown_family_is_rejected():
    with pytest.raises(ValueError, match="families must be names"):
        build_family_dataset(2, 16, families=["gaussian_blobs", "cats"])


def test_zero_weight_padding_does_not_change_the_network():
    """Why padded slots are safe to train on: the U-Net's skips are weighted sums."""
    torch.manual_seed(0)
    net = MultiInputUNet(width=4, depth=3)
    data = _build()
    measures, weights = torch.as_tensor(data.measures), torch.as_tensor(data.weights)
    for k in np.unique(data.n_inputs):
        rows = torch.as_tensor(data.n_inputs == k)
        padded = net(measures[rows], weights[rows])
        # Different batch shapes may take different kernels: equal up to rounding.
        torch.testing.assert_close(padded, net(measures[rows, :k], weights[rows, :k]))
