"""The free-support barycenter fixed point with exact transport plans (POT's solver).

For atoms x and sample sets mu_i, one round moves every atom to sum_i a_i T_i(x), T_i the
barycentric projection of the exact plan from the atoms to mu_i (Cuturi and Doucet, 2014;
POT's ``ot.lp.free_support_barycenter``). Each round lowers the barycenter cost
sum_i a_i W2^2(x, mu_i), and an atom jumps to its target wherever that lies, across gaps
between modes too. POT's own function keeps its inner solver's default of 1e5 simplex
iterations, short of the optimum at thousands of points; this one solves each plan.
"""

import numpy as np
import ot

from .gaussian import _check_weights

# POT's default of 1e5 simplex iterations stops short of the optimum at 3000 samples.
EMD_ITERATIONS = 10_000_000


def exact_plan_fixed_point(atoms, measures, weights, n_iterations):
    """Rounds x <- sum_i a_i T_i(x) from ``atoms`` until they no longer move (at most
    ``n_iterations``); measures of weight 0 are skipped.

    Parameters
    ----------
    atoms : ndarray of shape (n_atoms, d)
        Starting atoms, of equal mass.
    measures : sequence of ndarray of shape (n_i, d)
        Samples of each measure, of equal mass within each.
    weights : array-like of shape (n_measures,)
        Barycentric weights, summing to 1.
    n_iterations : int
        Most rounds to take (at least 1); each solves one exact plan per measure of
        nonzero weight.

    Returns
    -------
    ndarray of shape (n_atoms, d)

    Examples
    --------
    In 1-D the barycenter of equal-size samples averages their sorted values:

    >>> import numpy as np
    >>> from sklearn_wb.numerics import exact_plan_fixed_point
    >>> rng = np.random.default_rng(0)
    >>> measures = [rng.normal(-2, 1, (100, 1)), rng.exponential(1, (100, 1))]
    >>> atoms = exact_plan_fixed_point(rng.normal(size=(100, 1)), measures, [0.5, 0.5], 10)
    >>> expected = (np.sort(measures[0], axis=0) + np.sort(measures[1], axis=0)) / 2
    >>> bool(np.allclose(np.sort(atoms, axis=0), expected))
    True
    """
    atoms, measures = _check_points(atoms, measures)
    weights = _check_weights(weights, len(measures))
    if n_iterations < 1:
        raise ValueError(f"n_iterations must be at least 1, got {n_iterations}.")
    uniform = ot.unif(len(atoms))
    used = [(a, m) for a, m in zip(weights, measures) if a > 0]
    for _ in range(n_iterations):
        moved = sum(a * len(atoms) * _plan(atoms, uniform, m) @ m for a, m in used)
        converged = np.abs(moved - atoms).max() < 1e-6
        atoms = moved
        if converged:
            break
    return atoms


def _check_points(atoms, measures):
    atoms = np.asarray(atoms, dtype=float)
    measures = [np.asarray(m, dtype=float) for m in measures]
    points = [atoms, *measures]
    if not measures or any(
        p.ndim != 2 or not len(p) or p.shape[1:] != atoms.shape[1:] for p in points
    ):
        raise ValueError(
            "atoms and each measure must be non-empty 2-D arrays (points, dimension) of one "
            f"dimension; got atoms of shape {atoms.shape} and measures of shapes "
            f"{[m.shape for m in measures]}."
        )
    if not all(np.isfinite(p).all() for p in points):
        raise ValueError("atoms and measures must be finite.")
    return atoms, measures


def _plan(atoms, uniform, samples):
    cost = ot.dist(atoms, samples)
    return ot.emd(uniform, ot.unif(len(samples)), cost, numItermax=EMD_ITERATIONS)
