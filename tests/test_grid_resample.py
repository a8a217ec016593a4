"""Resolution changes of grids: mass kept, constants kept, non-negative stays non-negative."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sklearn_wb.numerics.grid_resample import sum_pool, upsample

factors = st.tuples(st.sampled_from([1, 2, 4]), st.sampled_from([1, 2, 4]))


@given(seed=st.integers(0, 2**16), factors=factors)
def test_pooling_and_upsampling_keep_each_images_mass(seed, factors):
    images = np.random.default_rng(seed).random((2, 3, 8, 16))
    pooled, fine = sum_pool(images, factors), upsample(images, factors)
    assert pooled.shape == (2, 3, 8 // factors[0], 16 // factors[1])
    assert fine.shape == (2, 3, 8 * factors[0], 16 * factors[1]) and (fine >= 0).all()
    for resized in (pooled, fine):
        np.testing.assert_allclose(resized.sum(axis=(-2, -1)), images.sum(axis=(-2, -1)))


def test_upsampling_a_constant_image_spreads_it_evenly():
    fine = upsample(np.full((4, 4), 1 / 16), (2, 2))
    np.testing.assert_allclose(fine, np.full((8, 8), 1 / 64))


def test_pooling_sums_blocks():
    image = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(sum_pool(image, (2, 2)), [[10, 18], [42, 50]])
