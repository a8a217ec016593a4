"""Side run behind the mixtures' quasi-random floor (``_exact_ot.quasi_random_answer``).

The estimators' ``sample`` draws quasi-random points, whose floor (W2^2 from exact samples
to a reference) is lower than that of independent draws. Where the barycenter has a closed
form its quasi-random draw gives that floor; two Gaussian mixtures have none, so the
benchmarks take McCann's interpolant of the exact plan between quasi-random draws of the
two measures. This run checks that construction on two closed forms, against the pages'
references (a 3000-point subsample of McCann's interpolant of the exact plan between 8000
independent samples of each measure, three reference draws, means +- standard deviation):

- ``lines``: reproduce free-weights' two segments (seed 0), the closed form from
  :func:`~sklearn_wb.numerics.segment_barycenter`;
- ``gaussians``: two 2-D Gaussians, the closed form from
  :func:`~sklearn_wb.numerics.gaussian_barycenter`.

Measured on 2026-12-06 (3000 points, one thread), W2^2 at t = 0.2 / 0.4 / 0.6 / 0.8:

- lines: independent draws of the exact answer 0.00197 / 0.00187 / 0.00186 / 0.00193,
  quasi-random draws 0.000671 / 0.000656 / 0.000689 / 0.000771, the interpolant between
  quasi-random inputs 0.000671 / 0.000656 / 0.000689 / 0.000771 (equal to 3 significant
  digits: the map between segments is affine);
- gaussians: independent 0.0151 / 0.0158 / 0.0164 / 0.0170, quasi-random 0.0091 / 0.0094 /
  0.0100 / 0.0109 (+- 0.0005-0.0008), the interpolant 0.0087 / 0.0090 / 0.0097 / 0.0109
  (+- 0.0009-0.0012).

    OMP_NUM_THREADS=1 python scripts/quasi_random_floor_side_runs.py
"""

import numpy as np
from scipy.stats import qmc

from sklearn_wb.commands._exact_ot import (
    exact_answer_draws,
    mccann_interpolant,
    unseen_split,
    w2_squared,
)
from sklearn_wb.numerics import (
    gaussian_barycenter,
    make_random_lines,
    random_segments,
    sample_gaussians,
    segment_barycenter,
)

N_POINTS, N_LARGE, N_DRAWS = 3000, 8000, 3
TS = (0.2, 0.4, 0.6, 0.8)
GAUSSIAN_MEANS = np.array([[0.0, 0.0], [3.0, 1.0]])
GAUSSIAN_COVS = np.array([[[1.0, 0.5], [0.5, 1.0]], [[2.0, -0.3], [-0.3, 0.5]]])


def report(name, first, second, exact_quasi_random, quasi_random_inputs):
    """Print, per t, the three floors' mean W2^2 over the reference draws."""
    draws = exact_answer_draws(
        first[:N_LARGE], second[:N_LARGE], N_POINTS, np.random.default_rng(3), N_DRAWS
    )
    for t in TS:
        weights = np.array([1 - t, t])
        scores = {"independent": [], "quasi-random": [], "interpolant of quasi-random": []}
        for draw, (reference, floor) in enumerate(draws(t)):
            scores["independent"].append(w2_squared(floor, reference))
            scores["quasi-random"].append(w2_squared(exact_quasi_random(weights, draw), reference))
            a, b = quasi_random_inputs(draw)
            scores["interpolant of quasi-random"].append(
                w2_squared(mccann_interpolant(a, b, t), reference)
            )
        cells = "  ".join(f"{k} {np.mean(v):.4g} +- {np.std(v):.2g}" for k, v in scores.items())
        print(f"{name} t = {t}: {cells}", flush=True)


def lines():
    _, _, (first, second) = unseen_split(make_random_lines, 2, 20_000, N_LARGE + N_POINTS, 0)
    centres, half_axes = random_segments(2, random_state=0)

    def draw(weights, seed):
        return segment_barycenter(
            centres, half_axes, weights, N_POINTS, random_state=seed, quasi_random=True
        )

    report(
        "lines",
        first,
        second,
        lambda weights, d: draw(weights, 100 + d),
        lambda d: (draw([1, 0], 200 + d), draw([0, 1], 300 + d)),
    )


def gaussians():
    def draw(n, seed, quasi_random):
        X, y = sample_gaussians(
            GAUSSIAN_MEANS, GAUSSIAN_COVS, n, random_state=seed, quasi_random=quasi_random
        )
        return X[y == 0], X[y == 1]

    def exact(weights, d):
        mean, cov = gaussian_barycenter(GAUSSIAN_MEANS, GAUSSIAN_COVS, weights)
        return qmc.MultivariateNormalQMC(mean, cov, rng=500 + d).random(N_POINTS)

    first, second = draw(N_LARGE + N_POINTS, 0, False)
    report("gaussians", first, second, exact, lambda d: draw(N_POINTS, 600 + d, True))


if __name__ == "__main__":
    import warnings

    # Sobol points balance best in powers of 2; 3000 still cover the plane evenly
    warnings.filterwarnings("ignore", message="The balance properties of Sobol")
    lines()
    gaussians()
