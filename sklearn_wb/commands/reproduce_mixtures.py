"""``python -m sklearn_wb reproduce mixtures``: two Gaussian mixtures (NWB paper, Fig. 4).

The barycenter of two measures with weights (1/2, 1/2) is the midpoint of their optimal
transport plan, so POT's exact solver on samples gives a reference here too. Reports
W2^2 between barycenter samples and that reference, beside the same figure for a second
reference drawn from fresh samples (the floor) and for the Gaussian-fit barycenter.
"""

import time

import numpy as np
import ot
import torch

from .. import NeuralBarycenter
from ..numerics import make_gaussian_mixtures
from ._report import format_table, machine_description, write_rst


def add_arguments(parser):
    parser.add_argument("--samples-per-measure", type=int, default=20_000)
    parser.add_argument("--eval-samples", type=int, default=3000, help="exact OT is cubic")
    parser.add_argument("--epochs", type=int, nargs="+", default=[6, 30])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="docs/benchmarks/mixtures.rst")


def run(args):
    torch.set_num_threads(args.threads)
    X, y = make_gaussian_mixtures(2, args.samples_per_measure, random_state=args.seed)
    n = args.eval_samples
    reference = _midpoint_barycenter(X[y == 0][:n], X[y == 1][:n])
    floor = _midpoint_barycenter(X[y == 0][n : 2 * n], X[y == 1][n : 2 * n])
    rows = [["second exact reference (floor)", "", f"{_w2(floor, reference):.4f}", ""]]
    for n_epochs in args.epochs:
        model = NeuralBarycenter(n_epochs=n_epochs, random_state=args.seed, verbose=1)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
        samples = model.sample(n, random_state=args.seed + 1)
        default = n_epochs == NeuralBarycenter().n_epochs
        label = "NeuralBarycenter" + (" (defaults)" if default else "")
        rows.append([label, n_epochs, f"{_w2(samples, reference):.4f}", f"{seconds:.1f}"])
    rng = np.random.default_rng(args.seed + 2)
    gaussian = rng.multivariate_normal(model.gaussian_mean_, model.gaussian_cov_, n)
    rows.append(["Gaussian-fit barycenter (the init)", "", f"{_w2(gaussian, reference):.4f}", ""])
    headers = ["estimate", "n_epochs", f"W2^2 to the exact reference ({n} samples)", "fit s"]
    print(format_table(headers, rows))
    write_rst(
        args.output,
        "Two Gaussian mixtures (NWB paper, Fig. 4)",
        "python -m sklearn_wb reproduce mixtures",
        [("", headers, rows)],
        notes=[
            f"Machine: {machine_description(args.threads)}. Each measure is a uniform mixture "
            "of four unit Gaussians (square and diamond); the reference is the midpoint of "
            "POT's exact plan between samples of the two. W2^2 by POT's exact solver.",
        ],
    )


def _midpoint_barycenter(a, b):
    plan = ot.emd(ot.unif(len(a)), ot.unif(len(b)), ot.dist(a, b))
    return 0.5 * a + 0.5 * b[plan.argmax(axis=1)]


def _w2(a, b):
    return float(ot.emd2(ot.unif(len(a)), ot.unif(len(b)), ot.dist(a, b)))
