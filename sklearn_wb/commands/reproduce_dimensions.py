"""``python -m sklearn_wb reproduce dimensions``: accuracy as the dimension grows.

Three random Gaussians (uniform weights) in d = 2, 16, 64, 128, as in the NWB paper's
Sec. 4.3, fitted with default parameters. Reports BW2-UVP on >= 100k samples with its
sample floors (exact samples drawn quasi-randomly, as ``sample`` draws, and
independently), the paper's relative covariance error, and the fit time. ``--n-jobs``
measures the dimensions in parallel processes (joblib), largest first.
"""

import time

import numpy as np
import torch
from joblib import Parallel, delayed

from .. import NeuralBarycenter
from ..numerics import (
    bw2_uvp,
    gaussian_barycenter,
    random_gaussians,
    relative_covariance_error,
    sample_gaussians,
)
from ._report import (
    add_run_arguments,
    format_table,
    machine_description,
    positive_int,
    write_rst,
)

TARGETS = {2: 0.1, 16: 0.1, 64: 0.3, 128: 0.5}  # BW2-UVP %, the level published for WIN


def add_arguments(parser):
    parser.add_argument(
        "--dims", type=int, nargs="+", default=[2, 16, 64, 128], help="dimensions to fit"
    )
    parser.add_argument(
        "--samples-per-measure", type=int, default=50_000, help="training samples per Gaussian"
    )
    parser.add_argument(
        "--eval-samples", type=int, default=100_000, help="barycenter samples scored by BW2-UVP"
    )
    parser.add_argument(
        "--generator-step",
        default="auto",
        choices=["auto", "sinkhorn", "fixed_point"],
        help="NeuralBarycenter generator_step",
    )
    parser.add_argument(
        "--n-jobs",
        type=positive_int,
        default=1,
        help="dimensions measured at once, each in its own process with --threads threads",
    )
    add_run_arguments(parser, "dimensions")


# Seconds of the two fits (Gaussian and identity start) on one CPU thread
# (docs/benchmarks/dimensions.rst, two jobs on two cores); sampling adds a little.
_FIT_SECONDS = {2: 190, 16: 435, 64: 1300, 128: 1950}


def estimated_duration(args):
    """The measured fit times of the chosen dimensions, of the nearest measured one for
    others, spread over the jobs (no job takes less than the longest dimension)."""
    each = [_FIT_SECONDS[min(_FIT_SECONDS, key=lambda d: abs(d - dim))] for dim in args.dims]
    seconds = max(max(each), sum(each) / min(args.n_jobs, len(each)))
    return f"about {max(1, round(seconds / 60))} min, {args.threads} thread(s) per job"


def run(args):
    torch.set_num_threads(args.threads)
    headers = [
        "d",
        "BW2-UVP %",
        "floor %, quasi-random",
        "floor %, independent",
        "Gaussian-fit init %",
        "target %",
        "cov. error",
        "fit s",
        "init='identity' %",
        "init='identity' fit s",
    ]
    rows = _measure_all(args)
    print(format_table(headers, rows))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    write_rst(
        args.output,
        "Scaling with the dimension (NWB paper, Sec. 4.3)",
        "python -m sklearn_wb reproduce dimensions",
        [("", headers, rows)],
        notes=[
            f"Machine: {machine_description(args.threads)} (device {device}), "
            f"{args.n_jobs} dimension(s) at once. Three random "
            "Gaussians with rotated covariances (spectrum in [0.5, 2]), uniform weights, "
            f"{args.samples_per_measure} training samples per measure, BW2-UVP from "
            f"{args.eval_samples} samples. 'Gaussian-fit init' is the closed-form barycenter "
            "of the measures' Gaussian fits that training starts from, its samples drawn "
            "quasi-randomly as ``sample`` draws the NeuralBarycenter columns (its default, "
            "scrambled Sobol latents), so that both figures are the estimates' own errors; "
            "the init='identity' fit starts from identity maps instead, so its figure is "
            "what training learns. Floors: BW2-UVP of exact samples drawn quasi-randomly, as "
            "those columns are, and drawn independently.",
        ],
    )


def _measure_all(args):
    """One row per dimension, in the order of ``args.dims``; the largest start first so
    that parallel jobs finish together."""
    order = sorted(args.dims, reverse=True)
    rows = Parallel(n_jobs=args.n_jobs)(delayed(_measure)(dim, args) for dim in order)
    by_dim = dict(zip(order, rows))
    return [by_dim[dim] for dim in args.dims]


def _measure(dim, args):
    means, covs = random_gaussians(3, dim, random_state=args.seed + dim)
    mean, cov = gaussian_barycenter(means, covs)
    X, y = sample_gaussians(means, covs, args.samples_per_measure, random_state=args.seed)
    model, fit_seconds = _fit(X, y, args, init="gaussian")
    identity, identity_seconds = _fit(X, y, args, init="identity")
    samples = model.sample(args.eval_samples, random_state=args.seed + 1)
    identity_samples = identity.sample(args.eval_samples, random_state=args.seed + 1)
    rng = np.random.default_rng(args.seed + 2)
    exact = rng.multivariate_normal(mean, cov, args.eval_samples)
    # drawn as sample() draws, so that its figure is the start's own error, as the model's is
    init, _ = sample_gaussians(
        model.gaussian_mean_[None],
        model.gaussian_cov_[None],
        args.eval_samples,
        random_state=args.seed + 4,
        quasi_random=True,
    )
    quasi_random_exact, _ = sample_gaussians(
        mean[None], cov[None], args.eval_samples, random_state=args.seed + 3, quasi_random=True
    )
    return [
        dim,
        f"{bw2_uvp(samples, mean, cov):.4f}",
        f"{bw2_uvp(quasi_random_exact, mean, cov):.1e}",
        f"{bw2_uvp(exact, mean, cov):.4f}",
        f"{bw2_uvp(init, mean, cov):.4f}",
        TARGETS.get(dim, ""),
        f"{relative_covariance_error(samples, cov):.4f}",
        f"{fit_seconds:.1f}",
        f"{bw2_uvp(identity_samples, mean, cov):.4f}",
        f"{identity_seconds:.1f}",
    ]


def _fit(X, y, args, init):
    """A NeuralBarycenter fitted from ``init``, and its fit time in seconds."""
    model = NeuralBarycenter(
        generator_step=args.generator_step,
        init=init,
        random_state=args.seed,
        verbose=int(args.n_jobs == 1),  # parallel progress bars would interleave
        n_threads=args.threads,
    )
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start
