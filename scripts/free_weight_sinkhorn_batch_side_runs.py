"""Side run: FreeWeightBarycenter's Sinkhorn generator steps at other minibatch sizes.

The generator takes Adam steps on GeomLoss's Sinkhorn divergence between minibatches of
its samples and of each measure (``_defaults.SINKHORN_STEPS``, 512 samples per step: one
step on an outer iteration's 400 samples per measure; 128 took four steps of 128). This
run refits the default FreeWeightBarycenter with other minibatch sizes on ``reproduce
free-weights``' data and scores it as the page does:

``gaussians --batch-sizes 128 512``
    the three Gaussians of C.4: BW2-UVP on 100k samples at the 15 weight vectors of the
    simplex grid (max and mean);
``mixtures --batch-sizes 128 512`` / ``lines ...``
    the two-measure sweep: W2^2 to the exact answer at t = 0.2 ... 0.8 and its ratio to
    the quasi-random floor (the page's split, reference draw and floors).

Measured on 2026-12-06 (one thread, the other core running a page), before ``sample``
moved its draws onto the barycenter's exact mean; after it, 512 samples: the Gaussian grid
0.0628 / 0.0299 % (166 s), the lines 3.94 / 2.51 / 1.72 / 1.30 x (121 s). Before it:

- gaussians: 128 max 0.2274 % / mean 0.0983 % (fit 99 s); 512: 0.0795 / 0.0420 % (142 s);
  256 (earlier, GeomLoss's own soft-min): 0.1176 / 0.0509 %. The closed form of the
  training samples' Gaussian fits scores 0.0012-0.0198 %.
- mixtures: 128: 2.05 / 2.10 / 2.15 / 2.26 x the quasi-random floor (93 s); 512: 1.43 /
  1.39 / 1.42 / 1.57 x (115 s).
- lines: 128: 3.70 / 3.17 / 2.15 / 1.27 x the quasi-random floor (84 s); 512: 4.56 /
  2.46 / 1.65 / 1.38 x (101 s).
- ``--blur`` and ``--scaling`` (512 samples): blur 0.02 scored the lines 4.09 / 1.83 /
  1.08 / 1.09 x (123 s), the mixtures 1.42 / 1.38 / 1.43 / 1.56 x (134 s), the Gaussian
  grid 0.0808 / 0.0422 % (174 s); blur 0.01 the lines 4.02 / 1.77 / 1.02 / 1.09 x; blur 0.1
  the lines 6.93 / 4.83 / 3.43 / 2.37 x. Scaling 0.7 with blur 0.02: the lines 4.07 / 1.80
  / 1.06 / 1.08 x (109 s), the mixtures 1.56 / 1.47 / 1.50 / 1.66 x (117 s).
- the same figures came from GeomLoss's own soft-min earlier that day, where the fits took
  about twice as long (side by side, one fit per core: 128 took 189 s on the Gaussians
  and 154 s on the mixtures, 512 took 425 and 265 s).

    OMP_NUM_THREADS=1 python scripts/free_weight_sinkhorn_batch_side_runs.py mixtures \\
        --batch-sizes 128 512
"""

import argparse
import time

import numpy as np

from sklearn_wb import FreeWeightBarycenter, _defaults
from sklearn_wb.commands import reproduce_free_weights
from sklearn_wb.commands._exact_ot import (
    exact_answer_draws,
    reference_samples,
    unseen_split,
    w2_squared,
)
from sklearn_wb.commands.reproduce_free_weights import C4_COVARIANCES, SWEEP_TS, SWEEPS
from sklearn_wb.numerics import bw2_uvp, gaussian_barycenter, sample_gaussians

N_TRAIN, N_SWEEP, SEED = 20_000, 3000, 0


def fit(X, y):
    start = time.perf_counter()
    model = FreeWeightBarycenter(random_state=SEED).fit(X, y)
    return model, time.perf_counter() - start


def gaussians():
    means = np.zeros((3, 2))
    X, y = sample_gaussians(means, C4_COVARIANCES, N_TRAIN, random_state=SEED)
    model, seconds = fit(X, y)
    scores = []
    for weights in reproduce_free_weights.simplex_grid():
        mean, cov = gaussian_barycenter(means, C4_COVARIANCES, weights)
        scores.append(bw2_uvp(model.sample(100_000, weights, random_state=SEED + 1), mean, cov))
    worst, mean_score = max(scores), np.mean(scores)
    return f"fit {seconds:.0f} s, grid BW2-UVP max {worst:.4f} %, mean {mean_score:.4f} %"


def sweep(part):
    """The page's sweep (reproduce_free_weights._sweep) for FreeWeightBarycenter alone."""
    large = reference_samples(N_TRAIN)
    X, y, (first, second) = unseen_split(SWEEPS[part][1], 2, N_TRAIN, large + N_SWEEP, SEED)
    model, seconds = fit(X, y)
    args = argparse.Namespace(seed=SEED)
    quasi_random_floor = reproduce_free_weights._quasi_random_floor(part, args, N_SWEEP)
    draws = exact_answer_draws(
        first[:large], second[:large], N_SWEEP, np.random.default_rng(SEED + 3)
    )
    cells = []
    for t in SWEEP_TS:
        ((exact, _),) = draws(t)
        weights = np.array([1 - t, t])
        w2 = w2_squared(model.sample(N_SWEEP, weights=weights, random_state=SEED + 2), exact)
        floor = w2_squared(quasi_random_floor(weights), exact)
        cells.append(f"t = {t}: {w2:.4g} ({w2 / floor:.2f} x quasi-random floor)")
    return f"fit {seconds:.0f} s, " + "; ".join(cells)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("gaussians", "mixtures", "lines"))
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--blur", type=float, default=_defaults.SINKHORN_STEPS["blur"])
    parser.add_argument("--scaling", type=float, default=_defaults.SINKHORN_STEPS["scaling"])
    args = parser.parse_args()
    _defaults.SINKHORN_STEPS.update(blur=args.blur, scaling=args.scaling)
    for batch_size in args.batch_sizes:
        _defaults.SINKHORN_STEPS["batch_size"] = batch_size
        result = gaussians() if args.part == "gaussians" else sweep(args.part)
        print(
            f"{args.part}, Sinkhorn steps of {batch_size} samples (blur {args.blur}, scaling "
            f"{args.scaling}): {result}",
            flush=True,
        )


if __name__ == "__main__":
    main()
