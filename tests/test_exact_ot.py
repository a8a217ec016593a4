"""The benchmarks' exact references between point clouds."""

import numpy as np
import pytest

from sklearn_wb.commands._exact_ot import exact_plan_barycenter, quasi_random_answer, w2_squared
from sklearn_wb.numerics import random_segments, segment_barycenter
from sklearn_wb.numerics.free_support import exact_plan_fixed_point


def test_exact_plan_barycenter_is_the_quantile_average_in_one_dimension():
    # In 1-D the barycenter of equal-size samples averages their sorted values.
    rng = np.random.default_rng(0)
    measures = [rng.normal(0, 1, (50, 1)), rng.exponential(2, (50, 1)), rng.uniform(3, 5, (50, 1))]
    weights = np.array([0.5, 0.3, 0.2])
    atoms = exact_plan_barycenter(measures, weights, rng)
    expected = sum(a * np.sort(m, axis=0) for a, m in zip(weights, measures))
    np.testing.assert_allclose(np.sort(atoms, axis=0), expected, atol=1e-9)


def test_exact_plan_fixed_point_skips_measures_of_weight_zero():
    rng = np.random.default_rng(1)
    measures = [rng.normal(0, 1, (40, 2)), rng.normal(3, 1, (40, 2)), rng.normal(9, 1, (7, 2))]
    start = rng.normal(size=(40, 2))
    with_zero = exact_plan_fixed_point(start, measures, [0.5, 0.5, 0.0], 30)
    without = exact_plan_fixed_point(start, measures[:2], [0.5, 0.5], 30)
    np.testing.assert_array_equal(with_zero, without)


@pytest.mark.parametrize(
    ("atoms", "measures", "weights", "message"),
    [
        (np.zeros((5, 2)), [np.zeros((5, 3))], [1.0], "one dimension"),
        (np.zeros(5), [np.zeros((5, 1))], [1.0], "2-D arrays"),
        (np.zeros((5, 2)), [np.zeros((0, 2))], [1.0], "non-empty"),
        (np.zeros((5, 2)), [np.zeros((5, 2)), np.ones((5, 2))], [0.7, 0.7], "sum to 1"),
        (np.full((5, 2), np.nan), [np.zeros((5, 2))], [1.0], "finite"),
    ],
)
def test_exact_plan_fixed_point_rejects_bad_input(atoms, measures, weights, message):
    with pytest.raises(ValueError, match=message):
        exact_plan_fixed_point(atoms, measures, weights, 3)


def test_quasi_random_answer_is_a_quasi_random_draw_of_the_closed_form():
    # Two segments: the barycenter is a segment (segment_barycenter), and McCann's
    # interpolant between quasi-random draws of the inputs lands on its quasi-random draw.
    centres, half_axes = random_segments(2, random_state=3)

    def make(n_measures, n, random_state, quasi_random):
        draws = [
            segment_barycenter(
                centres,
                half_axes,
                one_hot,
                n,
                random_state=random_state + k,
                quasi_random=quasi_random,
            )
            for k, one_hot in enumerate(np.eye(n_measures))
        ]
        return np.concatenate(draws), np.repeat(np.arange(n_measures), n)

    path = quasi_random_answer(make, 400, 0)
    for t in (0.3, 0.8):
        weights = [1 - t, t]
        exact = segment_barycenter(
            centres, half_axes, weights, 400, random_state=9, quasi_random=True
        )
        independent = segment_barycenter(centres, half_axes, weights, 400, random_state=9)
        assert w2_squared(path(t), exact) < 0.1 * w2_squared(independent, exact)
