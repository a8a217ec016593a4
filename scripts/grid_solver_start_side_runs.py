"""Where ``sinkhorn_barycenter_2d`` starts: POT's start or ``init="auto"``.

POT's start is a uniform barycenter and unit input scalings. ``"auto"`` starts from the
weighted mixture in the linear regime, and always from the input scalings of the Gaussian
fits' closed-form potentials. On ``reproduce grid``'s held-out problems at one size, per
family: POT's debiased barycenter (reg 0.004, on torch tensors as in the page's targets)
and our solver at reg 0.004 from both starts, at two tolerances and after a fixed 10
iterations (the predictor's refinement), with the mean L1 to the answer (exact for the
known-answer families, else the page's reference), time per barycenter and how many times
faster than POT. ``--linear-regime-spread`` moves the threshold of the mixture start (0.2
in the package). Run with one thread::

    OMP_NUM_THREADS=1 python scripts/grid_solver_start_side_runs.py
    OMP_NUM_THREADS=1 python scripts/grid_solver_start_side_runs.py --linear-regime-spread 1.0
"""

import argparse
import time

import numpy as np
import torch

from sklearn_wb.commands import reproduce_grid
from sklearn_wb.numerics import grid_sinkhorn, sinkhorn_barycenter_2d

FAMILIES = reproduce_grid._FAMILIES


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n-problems", type=int, default=4)
    parser.add_argument("--linear-regime-spread", type=float, default=None)
    parser.add_argument("--families", nargs="+", default=FAMILIES)
    return parser.parse_args(argv)


def _problems(family, size, n_problems):
    problems = []
    for index in range(n_problems):
        measures, weights, exact = reproduce_grid._inputs(family, size, index)
        if exact is None:
            settings = reproduce_grid._reference_settings(family)
            exact = sinkhorn_barycenter_2d(measures, weights, **settings)
        problems.append((measures, weights, exact / exact.sum()))
    return problems


def _score(solve, problems):
    """Mean L1 to the answer and mean seconds per problem (after one warm-up call)."""
    solve(*problems[0][:2])
    l1, seconds = [], []
    for measures, weights, answer in problems:
        start = time.perf_counter()
        bary = solve(measures, weights)
        seconds.append(time.perf_counter() - start)
        l1.append(np.abs(bary / bary.sum() - answer).sum())
    return np.mean(l1), np.mean(seconds)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    if args.linear_regime_spread is not None:
        grid_sinkhorn._LINEAR_REGIME_SPREAD = args.linear_regime_spread
    stops = {"tol=1e-3": {"tol": 1e-3}, "tol=1e-2": {"tol": 1e-2}}
    stops["10 iterations"] = {"tol": 1e-12, "max_iter": 10}
    solvers = {
        f"ours {init} {stop}": (
            lambda m, w, init=init, settings=settings: sinkhorn_barycenter_2d(
                m, w, init=init, **settings
            )
        )
        for stop, settings in stops.items()
        for init in ("uniform", "auto")
    }
    print(
        f"{args.size}^2, {args.n_problems} problems per family, linear-regime spread "
        f"{grid_sinkhorn._LINEAR_REGIME_SPREAD}, 1 thread"
    )
    for family in args.families:
        problems = _problems(family, args.size, args.n_problems)
        pot_l1, pot_seconds = _score(lambda m, w: reproduce_grid._pot(m, w, "cpu"), problems)
        print(f"{family}: POT debiased L1 {pot_l1:.4f}, {pot_seconds * 1e3:.0f} ms", flush=True)
        for name, solve in solvers.items():
            l1, seconds = _score(solve, problems)
            print(
                f"    {name:24s} L1 {l1:.4f}  {seconds * 1e3:6.1f} ms  "
                f"{pot_seconds / seconds:5.1f}x faster than POT",
                flush=True,
            )


if __name__ == "__main__":
    main()
