"""Random shape contours and the grid dataset builder: validity, caching, resuming, joblib."""

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_wb.numerics import build_grid_dataset, grid_dataset, random_shape_contours, shapes

seeds = st.integers(0, 2**31 - 1)


@settings(max_examples=8, deadline=None)
@given(seed=seeds, log_size=st.integers(3, 7), n_shapes=st.integers(1, 3))
def test_shapes_are_histograms_of_the_requested_size(seed, log_size, n_shapes):
    size = 2**log_size
    contours = random_shape_contours(n_shapes, size, random_state=seed)
    assert contours.shape == (n_shapes, size, size) and contours.dtype == np.float64
    assert (contours >= 0).all()
    np.testing.assert_allclose(contours.sum(axis=(1, 2)), 1.0)
    np.testing.assert_array_equal(
        contours, random_shape_contours(n_shapes, size, random_state=seed)
    )


@pytest.mark.parametrize("size", [4, 48, 100])
def test_shape_size_must_be_a_power_of_two(size):
    with pytest.raises(ValueError, match="power of 2"):
        random_shape_contours(1, size)


def test_depth_follows_the_papers_mixture():
    rng = np.random.default_rng(0)
    depths = np.array([shapes._depth(rng) for _ in range(3000)])
    assert depths.min() == 0 and depths.max() == shapes.MAX_DEPTH
    # N(0, 2.5) clipped puts about half its third at 0, N(50, 2.5) half its third at 50
    assert 0.14 < np.mean(depths == 0) < 0.22
    assert 0.14 < np.mean(depths == 50) < 0.22
    assert 23 < depths.mean() < 27


def _build(**kwargs):
    return build_grid_dataset(12, 16, batch_size=4, random_state=0, **kwargs)


def _assert_same(first, second):
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)


def test_dataset_contents():
    data = _build()
    n = 12
    assert data.measures.shape == (n, 2, 16, 16) and data.measures.dtype == np.float32
    assert data.targets.shape == (n, 16, 16) and data.targets.dtype == np.float32
    assert data.weights.shape == (n, 2) and data.weights.dtype == np.float32
    assert (data.weights >= 0).all() and (data.targets >= 0).all()
    np.testing.assert_allclose(data.weights.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(data.targets.sum(axis=(1, 2)), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(data.measures, data.shapes[data.pairs])
    assert (data.pairs[:, 0] != data.pairs[:, 1]).all() and len(data.shapes) == 2


def test_exact_targets_option():
    data = build_grid_dataset(2, 16, n_shapes=3, n_steps=2, random_state=0)
    assert data.targets.shape == (2, 16, 16)
    np.testing.assert_allclose(data.targets.sum(axis=(1, 2)), 1.0, rtol=1e-5)


def test_cache_round_trip_and_resume(tmp_path, monkeypatch):
    data = _build(cache_dir=tmp_path)
    (folder,) = tmp_path.iterdir()
    chunks = sorted(folder.glob("*.npz"))
    assert [c.name for c in chunks] == [f"pairs_0000{i}.npz" for i in range(3)] + [
        "shapes_00000.npz"
    ]
    for chunk in chunks:
        with np.load(chunk) as stored:
            assert all(
                stored[key].dtype == np.float32
                for key in ("targets", "maps", "shapes")
                if key in stored
            )

    _assert_same(_build(cache_dir=tmp_path), data)  # everything read back

    (folder / "pairs_00001.npz").unlink()
    (folder / "shapes_00000.npz").unlink()
    _assert_same(_build(cache_dir=tmp_path), data)  # the missing chunks are remade
    assert (folder / "pairs_00001.npz").exists()

    def fail(*args, **kwargs):
        raise AssertionError("a cached chunk was recomputed")

    monkeypatch.setattr(grid_dataset, "_shape_chunk", fail)
    monkeypatch.setattr(grid_dataset, "_linearised_chunk", fail)
    _assert_same(_build(cache_dir=tmp_path), data)


def test_same_result_for_any_number_of_jobs():
    _assert_same(_build(n_jobs=2), _build(n_jobs=1))


def test_runs_unchanged_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with cluster, distributed.Client(cluster), joblib.parallel_backend("dask"):
        on_dask = _build()
    _assert_same(on_dask, _build())
