"""Known-answer grid problems: the exact barycenters they return."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sklearn_wb.numerics import make_product_problems
from sklearn_wb.numerics.grid_known_answers import _barycenter_1d

seeds = st.integers(0, 2**31 - 1)


def _sorted_samples(density, n_samples, rng):
    """Sorted samples of a density constant on the cells of [0, 1]."""
    cells = rng.choice(len(density), size=n_samples, p=density)
    return np.sort((cells + rng.random(n_samples)) / len(density))


@given(seed=seeds, t=st.floats(0.1, 0.9))
def test_barycenter_1d_matches_the_interpolated_sorted_samples(seed, t):
    """In 1-D, sorting pairs equal-size samples optimally, so (1 - t) x + t y sorted are
    samples of the barycenter. Peaked densities at opposite ends: the weighted mixture is
    about 1 away in L1. Sampling noise with 10^6 samples on 16 cells: about 0.004."""
    rng = np.random.default_rng(seed)
    cells = np.arange(16)
    left, right = np.exp(-cells / 3) + 0.01, np.exp(-(15 - cells) / 3) + 0.01
    left, right = left / left.sum(), right / right.sum()
    interpolated = (1 - t) * _sorted_samples(left, 10**6, rng) + t * _sorted_samples(
        right, 10**6, rng
    )
    histogram = np.histogram(interpolated, bins=16, range=(0, 1))[0] / 10**6
    assert np.abs(_barycenter_1d([left, right], [1 - t, t]) - histogram).sum() < 0.02


@given(seed=seeds, k=st.integers(2, 4))
def test_product_problems_are_products_with_unit_mass(seed, k):
    measures, weights, exact = make_product_problems(1, k, (16, 8), random_state=seed)
    assert measures.shape == (1, k, 16, 8) and exact.shape == (1, 16, 8)
    for image in (*measures[0], exact[0]):
        assert (image > 0).all() and np.isclose(image.sum(), 1.0)
        rows, cols = image.sum(axis=1), image.sum(axis=0)
        np.testing.assert_allclose(image, np.outer(rows, cols), atol=1e-15)


def test_one_hot_product_problem_returns_the_input():
    measures, _, _ = make_product_problems(1, 3, 16, random_state=0)
    rows = [image.sum(axis=1) for image in measures[0]]
    np.testing.assert_allclose(_barycenter_1d(rows, [0, 1, 0]), rows[1], atol=1e-12)
