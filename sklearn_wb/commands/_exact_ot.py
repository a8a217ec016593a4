"""Exact answers between point clouds, shared by the benchmarks of two-measure barycenters.

For two measures the barycenter with weights (1 - t, t) is McCann's interpolant of their
optimal transport plan, so POT's exact solver on equal-size samples gives it; W2^2 between
point clouds is exact too.
"""

import numpy as np
import ot

# POT's default of 1e5 simplex iterations stops short of the optimum at 3000 samples.
EMD_ITERATIONS = 10_000_000


def mccann_interpolant(a, b, t):
    """McCann's interpolant at time t of the exact plan between equal-size samples."""
    plan = ot.emd(ot.unif(len(a)), ot.unif(len(b)), ot.dist(a, b), numItermax=EMD_ITERATIONS)
    return (1 - t) * a + t * b[plan.argmax(axis=1)]


def w2_squared(a, b):
    """W2^2 between two point clouds with uniform weights, by POT's exact solver."""
    cost = ot.dist(a, b)
    return float(ot.emd2(ot.unif(len(a)), ot.unif(len(b)), cost, numItermax=EMD_ITERATIONS))


def mixture_samples(measures, weights, rng):
    """len(measures[0]) draws from the weighted mixture of the sample sets."""
    n = len(measures[0])
    picks = rng.choice(len(measures), size=n, p=weights)
    return np.concatenate(
        [
            measures[k][rng.choice(len(measures[k]), (picks == k).sum())]
            for k in range(len(measures))
        ]
    )
