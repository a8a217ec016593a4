"""Build (or resume) the grid training set of every family users bring, in the joblib cache.

Runs :func:`sklearn_wb.numerics.build_family_dataset` with its on-disk cache: stop it at
any time and run the same command again to resume; a larger ``--n-examples`` with the
other options unchanged reuses every finished chunk. One torch thread per worker. Meant
to run in the background at low priority::

    OMP_NUM_THREADS=1 nice -n 19 python scripts/build_grid_training_set.py

The default, 15000 examples at 64 x 64, takes about 70 min on one core (3.7 examples/s
measured on mixed chunks) and about 1.5 GB under ``.cache/grid_families``.

``--throughput`` instead times the solver on a few examples per family and k (one
thread) and prints examples per second, to size a build.
"""

import argparse
import time

import numpy as np
import torch

from sklearn_wb.numerics import GRID_FAMILIES, build_family_dataset, sinkhorn_barycenter_2d


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-examples", type=int, default=15000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--reg", type=float, default=0.002)
    parser.add_argument("--tol", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=32, help="examples per cached chunk")
    parser.add_argument("--cache-dir", default=".cache/grid_families")
    parser.add_argument("--n-jobs", type=int, default=1, help="joblib workers")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--throughput", action="store_true", help="time the solver and exit")
    parser.add_argument("--per-cell", type=int, default=8, help="examples per family and k")
    return parser.parse_args(argv)


def throughput(args):
    """Examples per second on one thread, by family (rows) and k (columns)."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.random_state)
    ks = range(2, 6)
    print(f"examples/s on 1 thread at {args.size}^2, reg={args.reg}, tol={args.tol}, ", end="")
    print(f"{args.per_cell} examples per cell solved as one batch, Dirichlet(1) weights")
    print(f"{'family':<20}" + "".join(f"{'k=' + str(k):>8}" for k in ks))
    for name, family in GRID_FAMILIES.items():
        rates = []
        for k in ks:
            images = family(args.per_cell * k, args.size, rng)
            measures = images.reshape(args.per_cell, k, args.size, args.size)
            weights = rng.dirichlet(np.ones(k), size=args.per_cell)
            start = time.perf_counter()
            sinkhorn_barycenter_2d(measures, weights, reg=args.reg, tol=args.tol)
            rates.append(args.per_cell / (time.perf_counter() - start))
        print(f"{name:<20}" + "".join(f"{rate:8.2f}" for rate in rates), flush=True)


def main(argv=None):
    args = parse_args(argv)
    if args.throughput:
        throughput(args)
        return
    start = time.perf_counter()
    data = build_family_dataset(
        args.n_examples,
        args.size,
        reg=args.reg,
        tol=args.tol,
        cache_dir=args.cache_dir,
        n_jobs=args.n_jobs,
        batch_size=args.batch_size,
        random_state=args.random_state,
        verbose=1,
    )
    kinds, counts = np.unique(data.kinds, return_counts=True)
    print(f"{len(data.targets)} examples in {time.perf_counter() - start:.0f} s under")
    print(f"{args.cache_dir}: k counts {np.bincount(data.n_inputs)[2:].tolist()} (k = 2..5),")
    print("kinds " + ", ".join(f"{kind} {count}" for kind, count in zip(kinds, counts)))


if __name__ == "__main__":
    main()
