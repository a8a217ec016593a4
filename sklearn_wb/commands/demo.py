"""``python -m sklearn_wb demo``: the barycenter of the NWB paper's four Gaussians.

Fits NeuralBarycenter with default parameters (printing skorch's epoch table), then prints
the exact and the learned mean and covariance, BW2-UVP on 100k samples beside its sample
floors (exact samples drawn quasi-randomly, as ``sample`` draws, and independently) and
beside the closed-form baseline (the barycenter of the training samples' Gaussian fits,
where the model starts: on Gaussian data the cheap answer a user would otherwise pick,
which carries the training samples' own error), the paper's KDE-KL beside the paper's
figures and the fit time, and writes a figure of the measures and the barycenter
samples.
"""

import time

import numpy as np
import torch

from .. import NeuralBarycenter
from ..numerics import (
    bw2_uvp,
    bw2_uvp_floor,
    gaussian_barycenter,
    gaussian_bw2_uvp,
    kde_kl,
    paper_gaussians,
    sample_gaussians,
)
from ..plotting import plot_barycenter_2d

# The paper's KDE-KL for this example (Sec. 4.1.1), quoted for comparison.
PAPER_KDE_KL = {"NWB (paper)": 0.0252, "SWB (paper)": 0.0346, "CWB (paper)": 0.1211}


def add_arguments(parser):
    parser.add_argument("--output", default="nwb_demo.png", help="where to write the figure")
    parser.add_argument(
        "--samples-per-measure", type=int, default=20_000, help="training samples per Gaussian"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and the fit")


def estimated_duration(args):
    """Measured: a 35-80 s fit on one CPU thread (idle to busy machine), then ~15 s."""
    return "about 1-2 min on one CPU thread"


def run(args):
    torch.set_num_threads(args.threads)
    means, covs = paper_gaussians()
    X, y = sample_gaussians(means, covs, args.samples_per_measure, random_state=args.seed)
    mean, cov = gaussian_barycenter(means, covs)

    model = NeuralBarycenter(random_state=args.seed, verbose=1, n_threads=args.threads)
    start = time.perf_counter()
    model.fit(X, y)
    fit_seconds = time.perf_counter() - start

    samples = model.sample(100_000, random_state=args.seed + 1)
    gaussian_fit = (model.gaussian_mean_, model.gaussian_cov_)
    print_report(mean, cov, samples, gaussian_fit, fit_seconds, args.threads, args.seed)
    fig = plot_barycenter_2d(X, y, samples, mean, cov, title="NWB-I barycenter of four Gaussians")
    fig.savefig(args.output, dpi=120)
    print(f"\nfigure written to {args.output}")


def print_report(mean, cov, samples, gaussian_fit, fit_seconds, threads, seed):
    """The learned barycenter against the exact one (``mean``, ``cov``), beside the floors
    of exact samples and the barycenter ``gaussian_fit`` = (mean, cov) of the training
    samples' Gaussian fits, whose BW2-UVP is exact (no samples drawn)."""
    np.set_printoptions(precision=3, suppress=True)
    print("\n                  exact barycenter       learned (100k samples)")
    print(f"mean              {mean}            {samples.mean(axis=0)}")
    est_cov = np.cov(samples, rowvar=False)
    for row in range(2):
        label = "covariance" if row == 0 else "          "
        print(f"{label}        {cov[row]}      {est_cov[row]}")
    uvp = bw2_uvp(samples, mean, cov)
    floor, quasi_floor = (
        bw2_uvp_floor(len(samples), mean, cov, seed, quasi_random=quasi_random)
        for quasi_random in (False, True)
    )
    print(
        f"\nBW2-UVP           {uvp:.4f} %   (floor of exact samples: {quasi_floor:.1e} % drawn "
        f"quasi-randomly as sample() draws, {floor:.4f} % drawn independently)"
    )
    baseline = gaussian_bw2_uvp(*gaussian_fit, mean, cov)
    print(
        f"  closed form     {baseline:.4f} %   (exact BW2-UVP of the barycenter of the training "
        "samples' Gaussian fits: the model's start, and the cheap answer on Gaussian data)"
    )
    kl = kde_kl(samples[:10_000], mean, cov)
    kl_floor = kde_kl(np.random.default_rng(seed).multivariate_normal(mean, cov, 10_000), mean, cov)
    quoted = ", ".join(f"{name} {value}" for name, value in PAPER_KDE_KL.items())
    print(f"KDE-KL (paper's)  {kl:.4f}     (exact samples: {kl_floor:.4f}; {quoted})")
    print(f"fit time          {fit_seconds:.1f} s on {threads} CPU thread(s)")
