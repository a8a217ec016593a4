"""The benchmarks' exact references between point clouds."""

import numpy as np

from sklearn_wb.commands._exact_ot import exact_plan_barycenter


def test_exact_plan_barycenter_is_the_quantile_average_in_one_dimension():
    # In 1-D the barycenter of equal-size samples averages their sorted values.
    rng = np.random.default_rng(0)
    measures = [rng.normal(0, 1, (50, 1)), rng.exponential(2, (50, 1)), rng.uniform(3, 5, (50, 1))]
    weights = np.array([0.5, 0.3, 0.2])
    atoms = exact_plan_barycenter(measures, weights, rng)
    expected = sum(a * np.sort(m, axis=0) for a, m in zip(weights, measures))
    np.testing.assert_allclose(np.sort(atoms, axis=0), expected, atol=1e-9)
