"""Exact answers and baselines between point clouds, shared by the sample benchmarks.

For two measures the barycenter with weights (1 - t, t) is McCann's interpolant of their
optimal transport plan, so POT's exact solver on equal-size samples gives it; W2^2 between
point clouds is exact too. For more measures there is no closed form: estimates are scored
by the barycenter cost sum_i a_i W2^2(estimate, mu_i), which the barycenter minimises, and
set beside the baselines a user would otherwise pick (POT's free-support barycenter, the
plain mixture).
"""

import numpy as np
import ot

from ..numerics.free_support import EMD_ITERATIONS, exact_plan_fixed_point

# Fixed-point iterations of POT's free-support barycenter (it stops earlier once its atoms
# no longer move).
FREE_SUPPORT_ITERATIONS = 30
# Samples per measure of the exact two-measure answer (and of the near-exact answer for
# more measures) that the benchmarks draw their reference and floor from, so that the
# floor compares two samples of one answer. With 3000 points per sample the floor is
# still mostly sampling noise on multimodal laws: two samples of one input mixture were
# 0.22 to 0.45 apart, and on the two mixtures at seed 1 every estimate scored below the
# floor (see docs/benchmarks/mixtures.rst).
REFERENCE_SAMPLES = 8000


def reference_samples(n_train):
    """Samples per measure of the exact or near-exact answer: REFERENCE_SAMPLES, or as
    many as the fit trains on when that is fewer (the answer should not be the sharper)."""
    return min(REFERENCE_SAMPLES, n_train)


def unseen_split(make, n_measures, n_train, n_unseen, seed):
    """Training rows and labels, ``n_train`` per measure, from ``make(n_measures, n,
    random_state=seed)``, and per measure ``n_unseen`` further samples that the fit never
    sees: the benchmark's own, for the exact answer, the references and the baselines."""
    X, y = make(n_measures, n_train + n_unseen, random_state=seed)
    measures = [X[y == k] for k in range(n_measures)]
    X_train = np.concatenate([m[:n_train] for m in measures])
    return X_train, np.repeat(np.arange(n_measures), n_train), [m[n_train:] for m in measures]


def mccann_path(a, b):
    """t -> McCann's interpolant at time t of the exact plan between equal-size samples;
    the plan is solved once for every t."""
    plan = ot.emd(ot.unif(len(a)), ot.unif(len(b)), ot.dist(a, b), numItermax=EMD_ITERATIONS)
    matched = b[plan.argmax(axis=1)]
    return lambda t: (1 - t) * a + t * matched


def exact_answer_draws(a, b, n, rng, n_draws=1):
    """t -> [(reference, second draw), ...]: ``n_draws`` pairs of disjoint n-point
    subsamples of McCann's interpolant at time t of the exact plan between equal-size
    samples a and b (at least 2n each); the pairs are drawn once, the same for every t.
    W2^2 from a second draw to its reference is the sample floor: what exact samples of
    the barycenter, as many as an estimate has, score. Several pairs average out part of
    its sampling noise."""
    if len(a) < 2 * n:
        raise ValueError(f"exact_answer_draws needs at least {2 * n} samples, got {len(a)}.")
    path = mccann_path(a, b)
    orders = [rng.permutation(len(a)) for _ in range(n_draws)]

    def draws(t):
        points = path(t)
        return [(points[order[:n]], points[order[n : 2 * n]]) for order in orders]

    return draws


def quasi_random_answer(make, n, seed):
    """t -> a quasi-random draw of n points of the exact barycenter of two measures with
    weights (1 - t, t), where no closed form gives one: McCann's interpolant of the exact
    plan between quasi-random draws of the measures (``make(2, n, random_state=seed,
    quasi_random=True)``). W2^2 from it to a reference is the floor that applies to the
    estimators' quasi-random samples. On closed forms it scores as quasi-random draws of
    the exact answer do (scripts/quasi_random_floor_side_runs.py): on reproduce
    free-weights' lines the same to 3 significant digits, on two 2-D Gaussians within the
    draws' spread; 0.3-0.6x the floor of independent draws there."""
    X, y = make(2, n, random_state=seed, quasi_random=True)
    return mccann_path(X[y == 0], X[y == 1])


def mccann_interpolant(a, b, t):
    """McCann's interpolant at time t of the exact plan between equal-size samples."""
    return mccann_path(a, b)(t)


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


def barycenter_cost(estimate, measures, weights):
    """sum_i a_i W2^2(estimate, mu_i) between point clouds, each W2^2 exact."""
    return float(sum(a * w2_squared(estimate, m) for a, m in zip(weights, measures)))


def free_support_barycenter(measures, weights, rng, n_iterations=FREE_SUPPORT_ITERATIONS):
    """POT's free-support barycenter of the sample sets, with len(measures[0]) atoms
    started from draws of the plain mixture."""
    start = mixture_samples(measures, weights, rng)
    return ot.lp.free_support_barycenter(
        measures,
        [ot.unif(len(m)) for m in measures],
        start,
        weights=np.asarray(weights, dtype=float),
        numItermax=n_iterations,
    )


def exact_plan_barycenter(measures, weights, rng, n_iterations=FREE_SUPPORT_ITERATIONS):
    """The free-support fixed point with exact plans
    (:func:`~sklearn_wb.numerics.free_support.exact_plan_fixed_point`): POT's free-support
    barycenter, but with plans solved to the optimum. As many atoms as each measure has
    samples, started from the plain mixture. On many samples it is a near-exact answer to
    draw a floor from."""
    atoms = mixture_samples(measures, weights, rng)
    return exact_plan_fixed_point(atoms, measures, weights, n_iterations)
