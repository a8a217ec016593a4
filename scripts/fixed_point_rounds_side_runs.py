"""Side runs behind the fixed-point rounds' defaults (see sklearn_wb/deep/fixed_point.py).

One NeuralBarycenter fit with default parameters, except the overrides given, on one of:

- ``gaussians``: three random Gaussians in ``--dim`` dimensions, as ``reproduce
  dimensions`` draws them (50000 samples each); prints BW2-UVP % to the exact barycenter.
- ``product``: three measures on R^8 whose coordinates are independent non-Gaussian 1-D
  laws (exponential, uniform, two-mode, Student t, arcsine, gamma, Laplace, two narrow
  modes), each shifted and scaled at random (50000 samples each). The barycenter is the
  product of the 1-D barycenters, whose quantile functions are the average of the
  measures' (estimated from 400000 samples each); prints the mean over axes of the 1-D
  W2-UVP %. The Gaussian-fit start is far from it, so the figure shows what is learned.
  With ``--baselines`` it also prints, from the same run, POT's free-support barycenter
  (3000 atoms from 3000 samples per measure) and the plain mixture, each beside the fit's
  own 3000 samples and 3000 exact samples (the floor at that size).

For instance, full steps in every round against the shipped averaging, on the product::

    OMP_NUM_THREADS=1 python scripts/fixed_point_rounds_side_runs.py product \
        --rounds '{"full_share": 1.0}'
    OMP_NUM_THREADS=1 python scripts/fixed_point_rounds_side_runs.py product

About 10 min per fit at d = 64, 17 min at d = 128 and 4 min on the product, on one thread
with the default batch_size="auto" (1024 above 2-D; half that with 400).
"""

import argparse
import json
import time
from functools import partial

import numpy as np

from sklearn_wb import NeuralBarycenter, _defaults
from sklearn_wb.commands._exact_ot import free_support_barycenter, mixture_samples
from sklearn_wb.numerics import bw2_uvp, gaussian_barycenter, random_gaussians, sample_gaussians

SAMPLES_PER_MEASURE = 50_000
BASELINE_SAMPLES = 3000  # POT's atoms; exact OT is cubic in them
EVAL_SAMPLES = 100_000
QUANTILE_SAMPLES = 400_000

# Laws of the product's coordinates: (rng, size) -> samples.
AXIS_LAWS = [
    lambda r, s: r.exponential(1, s),
    lambda r, s: r.uniform(-1, 1, s),
    lambda r, s: np.where(r.random(s) < 0.3, r.normal(-2, 0.5, s), r.normal(1, 0.7, s)),
    lambda r, s: r.standard_t(4, s),
    lambda r, s: r.beta(0.5, 0.5, s),
    lambda r, s: r.gamma(2, 1, s),
    lambda r, s: r.laplace(0, 1, s),
    lambda r, s: np.where(r.random(s) < 0.5, r.normal(-1.5, 0.3, s), r.normal(1.5, 0.3, s)),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=["gaussians", "product"])
    parser.add_argument("--dim", type=int, default=64, help="dimension of 'gaussians'")
    overrides = {"type": json.loads, "default": {}}
    parser.add_argument("--rounds", help="FIXED_POINT_ROUNDS overrides (JSON)", **overrides)
    parser.add_argument("--params", help="NeuralBarycenter overrides (JSON)", **overrides)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--baselines", action="store_true", help="product: POT and the plain mixture beside"
    )
    return parser.parse_args(argv)


def product_measures(seed, n_measures=3):
    """Samples (X, y) of the product measures, and the exact barycenter's quantiles
    (n_quantiles, 8) at the midpoints of EVAL_SAMPLES equal bins."""
    rng = np.random.default_rng(seed)
    dim = len(AXIS_LAWS)
    scales = rng.uniform(0.5, 2, (n_measures, dim))
    shifts = rng.normal(0, 1, (n_measures, dim))

    def draw(measure, size):
        laws = [AXIS_LAWS[(axis + measure) % dim] for axis in range(dim)]
        columns = [law(rng, size) for law in laws]
        return shifts[measure] + scales[measure] * np.stack(columns, 1)

    X = np.concatenate([draw(i, SAMPLES_PER_MEASURE) for i in range(n_measures)])
    y = np.repeat(np.arange(n_measures), SAMPLES_PER_MEASURE)
    quantiles = [
        column_quantiles(draw(i, QUANTILE_SAMPLES), EVAL_SAMPLES) for i in range(n_measures)
    ]
    return X, y, np.mean(quantiles, 0)


def column_quantiles(samples, n_levels):
    """Each column's quantiles at the midpoints of ``n_levels`` equal bins, interpolated
    linearly as ``np.quantile`` does; by sorting, since np.quantile partitions once per
    level and takes minutes on 100000 levels."""
    levels = (np.arange(n_levels) + 0.5) / n_levels
    position = levels * (len(samples) - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, len(samples) - 1)
    share = (position - below)[:, None]
    ordered = np.sort(samples, axis=0)
    return ordered[below] + share * (ordered[above] - ordered[below])


def per_axis_w2_uvp(samples, exact_quantiles):
    """Mean over axes of 100 W2^2 / Var between the samples' 1-D marginals and the exact
    ones (both through quantiles at the same levels)."""
    estimated = column_quantiles(samples, len(exact_quantiles))
    w2_squared = ((estimated - exact_quantiles) ** 2).mean(0)
    return float(100 * np.mean(w2_squared / exact_quantiles.var(0)))


def main(argv=None):
    args = parse_args(argv)
    _defaults.FIXED_POINT_ROUNDS = {**_defaults.FIXED_POINT_ROUNDS, **args.rounds}
    params = {"random_state": args.seed, "verbose": 0, "n_threads": 1, **args.params}
    if args.case == "gaussians":
        means, covs = random_gaussians(3, args.dim, random_state=args.seed + args.dim)
        X, y = sample_gaussians(means, covs, SAMPLES_PER_MEASURE, random_state=args.seed)
        mean, cov = gaussian_barycenter(means, covs)
        score = partial(bw2_uvp, mean=mean, cov=cov)
        label = f"three Gaussians, d = {args.dim}: BW2-UVP %"
    else:
        X, y, exact_quantiles = product_measures(args.seed)
        score = partial(per_axis_w2_uvp, exact_quantiles=exact_quantiles)
        label = "8-d product: mean per-axis W2-UVP %"
    start = time.perf_counter()
    model = NeuralBarycenter(**params).fit(X, y)
    seconds = time.perf_counter() - start
    samples = model.sample(EVAL_SAMPLES, random_state=args.seed + 1)
    print(f"rounds {_defaults.FIXED_POINT_ROUNDS} params {args.params}")
    print(f"{label} {score(samples):.4f} (fit {seconds:.0f} s)")
    if args.baselines and args.case == "product":
        print_product_baselines(X, y, samples, exact_quantiles, args.seed)


def print_product_baselines(X, y, samples, exact_quantiles, seed):
    """Per-axis W2-UVP % of 3000-point estimates: the fit's samples, POT's free-support
    barycenter, the plain mixture and exact samples (the floor at that size)."""
    n = BASELINE_SAMPLES
    rng = np.random.default_rng(seed + 2)
    measures = [X[y == k][:n] for k in np.unique(y)]
    weights = np.full(len(measures), 1 / len(measures))
    levels = rng.integers(len(exact_quantiles), size=(n, exact_quantiles.shape[1]))
    estimates = {
        "NeuralBarycenter": samples[:n],
        "POT free-support": free_support_barycenter(measures, weights, rng),
        "plain mixture": mixture_samples(measures, weights, rng),
        "exact samples (floor)": np.take_along_axis(exact_quantiles, levels, 0),
    }
    for name, points in estimates.items():
        print(f"  {n} points, {name}: {per_axis_w2_uvp(points, exact_quantiles):.4f}")


if __name__ == "__main__":
    main()
