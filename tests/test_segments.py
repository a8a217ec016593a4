"""The segment closed form against exact discrete transport."""

import numpy as np
import pytest

from sklearn_wb.commands._exact_ot import mccann_interpolant, mixture_samples, w2_squared
from sklearn_wb.numerics import make_random_lines, random_segments, segment_barycenter


def _segment_samples(centre, half_axis, n, rng):
    return centre + rng.uniform(-1, 1, size=(n, 1)) * half_axis


def test_random_segments_are_those_make_random_lines_samples():
    X, y = make_random_lines(3, 500, random_state=7)
    centres, half_axes = random_segments(3, random_state=7)
    for k in range(3):
        offsets = X[y == k] - centres[k]
        positions = offsets @ half_axes[k] / (half_axes[k] @ half_axes[k])
        np.testing.assert_allclose(offsets, positions[:, None] * half_axes[k], atol=1e-12)
        assert positions.min() > -1 - 1e-12 and positions.max() < 1 + 1e-12
        assert positions.min() < -0.98 and positions.max() > 0.98


@pytest.mark.parametrize(
    "half_axes",
    [
        [[2.0, 0.0], [1.6, 1.2]],  # aligned: the plan is u' = u
        [[2.0, 0.0], [-1.9, 0.6]],  # pointing apart: u' = -u
    ],
)
@pytest.mark.parametrize("t", [0.3, 0.7])
def test_segment_barycenter_matches_mccanns_interpolant_of_the_exact_plan(half_axes, t):
    rng = np.random.default_rng(0)
    centres, half_axes = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array(half_axes)
    first, second = (_segment_samples(c, v, 1000, rng) for c, v in zip(centres, half_axes))
    exact = mccann_interpolant(first, second, t)
    weights = np.array([1 - t, t])
    closed_form = segment_barycenter(centres, half_axes, weights, 1000, random_state=1)
    mixture = mixture_samples([first, second], weights, rng)
    # two 1000-point samples of one law are about 1e-3 apart; the mixture is far off
    assert w2_squared(closed_form, exact) < 0.01
    assert w2_squared(closed_form, exact) < 0.1 * w2_squared(mixture, exact)


def test_quasi_random_segment_samples_put_one_point_in_each_stratum():
    centres, half_axes = np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([[1.0, 0.0], [1.0, 0.0]])
    draw = lambda: segment_barycenter(  # noqa: E731
        centres, half_axes, n_samples=50, random_state=3, quasi_random=True
    )
    samples = draw()
    strata = np.floor((samples[:, 0] + 1) / 2 * 50)
    np.testing.assert_array_equal(np.sort(strata), np.arange(50))
    np.testing.assert_array_equal(samples, draw())


def test_orientation_spreads_through_segments_orthogonal_to_the_first():
    # the second is orthogonal to the first, so only the third fixes its sign
    half_axes = np.array([[1.0, 0.0], [0.0, 1.0], [-0.5, 0.9]])
    samples = segment_barycenter(np.zeros((3, 2)), half_axes, n_samples=5, random_state=0)
    direction = np.array([1.0, 0.0]) - [0.0, 1.0] + [0.5, -0.9]  # the oriented half-axes
    positions = samples @ direction / (direction @ direction)
    np.testing.assert_allclose(samples, positions[:, None] * direction, atol=1e-12)


def test_segment_barycenter_rejects_segments_without_a_closed_form():
    angles = np.deg2rad([0, 60, 120])  # no orientation aligns all three pairs
    half_axes = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    with pytest.raises(ValueError, match="no closed form"):
        segment_barycenter(np.zeros((3, 2)), half_axes)
    with pytest.raises(ValueError, match="shape of centres"):
        segment_barycenter(np.zeros((2, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="sum to 1"):
        segment_barycenter(np.zeros((2, 2)), np.ones((2, 2)), [0.5, 0.6])
