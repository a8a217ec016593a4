"""Side-by-side grid barycenter solvers on problems with known exact barycenters.

Times one barycenter per solver (after a warm-up call) and reports the mean L1 distance
to the exact unregularised W2 barycenter (both at unit mass). Run with one thread::

    OMP_NUM_THREADS=1 python scripts/compare_grid_solvers.py --sizes 64 128
"""

import argparse
import importlib.util
import time
import warnings

import numpy as np
import ot
import torch

from sklearn_wb.numerics import (
    make_gaussian_blob_problems,
    make_location_scale_problems,
    sinkhorn_barycenter_2d,
)

FAMILIES = {
    "gaussian blobs": make_gaussian_blob_problems,
    "location-scale stars": make_location_scale_problems,
}
POT_REG = 0.004
IMAGES_BLUR = float(np.sqrt(POT_REG / 2))  # GeomLoss's cost is |x - y|^2 / 2, blur^2 = eps


def _pot(measures, weights, method="sinkhorn"):
    bary = ot.bregman.convolutional_barycenter2d_debiased(
        measures, POT_REG, weights=weights, method=method, warn=False
    )
    return np.nan_to_num(bary)


def _pot_torch(measures, weights):
    """POT on torch tensors: its torch backend, the same iterations as with numpy arrays."""
    measures, weights = (torch.as_tensor(np.asarray(a)) for a in (measures, weights))
    return _pot(measures, weights)  # np.nan_to_num makes it an array


def _images_barycenter(measures, weights):
    from geomloss import ImagesBarycenter

    as_tensor = lambda a: torch.as_tensor(a[None], dtype=torch.float32)  # noqa: E731
    return ImagesBarycenter(as_tensor(measures), as_tensor(weights), blur=IMAGES_BLUR)[0].numpy()


def single_solvers(size):
    """name -> (solve one problem, how many problems to run it on: slow ones run on one)."""
    solvers = {
        "sinkhorn_barycenter_2d reg=0.004": (
            lambda m, w: sinkhorn_barycenter_2d(m, w, reg=0.004),
            None,
        ),
        "sinkhorn_barycenter_2d reg=0.001": (
            lambda m, w: sinkhorn_barycenter_2d(m, w, reg=0.001),
            None,
        ),
        "POT debiased reg=0.004": (_pot, None),
        "POT debiased reg=0.004 torch": (_pot_torch, None),
        "weighted mixture": (lambda m, w: np.einsum("k,khw->hw", w, m), None),
    }
    if size <= 64:
        solvers["POT debiased log reg=0.004"] = (lambda m, w: _pot(m, w, "sinkhorn_log"), 1)
    if importlib.util.find_spec("pykeops") is not None:
        solvers[f"GeomLoss ImagesBarycenter blur={IMAGES_BLUR:.3f}"] = (_images_barycenter, 1)
    return solvers


def _l1(estimates, exact):
    estimates = estimates / estimates.sum(axis=(-2, -1), keepdims=True)
    return float(np.abs(estimates - exact).sum(axis=(-2, -1)).mean())


def _timed(solve, measures, weights):
    start = time.perf_counter()
    grids = np.stack([solve(m, w) for m, w in zip(measures, weights)])
    return grids, (time.perf_counter() - start) / len(measures)


def compare_grid_solvers(sizes=(64, 128), ks=(2, 3, 5), n_problems=3, random_state=0):
    """Rows ``(size, family, k, solver, seconds per barycenter, mean L1 to exact)``."""
    rows = []
    for size in sizes:
        solvers = single_solvers(size)
        for family, make in FAMILIES.items():
            for k in ks:
                measures, weights, exact = make(n_problems, k, size, random_state=random_state)
                for name, (solve, limit) in solvers.items():
                    solve(measures[0], weights[0])  # warm-up: allocations, kernel compilation
                    grids, seconds = _timed(solve, measures[:limit], weights[:limit])
                    rows.append((size, family, k, name, seconds, _l1(grids, exact[:limit])))
                sinkhorn_barycenter_2d(measures, weights)
                start = time.perf_counter()
                grids = sinkhorn_barycenter_2d(measures, weights)
                seconds = (time.perf_counter() - start) / n_problems
                rows.append(
                    (
                        size,
                        family,
                        k,
                        f"sinkhorn_barycenter_2d reg=0.004 batch of {n_problems}",
                        seconds,
                        _l1(grids, exact),
                    )
                )
                for row in rows[-len(solvers) - 1 :]:
                    print(_format(row), flush=True)
    return rows


def _format(row):
    size, family, k, name, seconds, l1 = row
    return f"{size}^2 | {family} | k={k} | {name} | {seconds * 1e3:.1f} ms | L1 {l1:.4f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--ks", type=int, nargs="+", default=[2, 3, 5])
    parser.add_argument("--n-problems", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=RuntimeWarning)  # POT's NaN on overflow
    print(f"torch threads: {args.threads}")
    compare_grid_solvers(args.sizes, args.ks, args.n_problems)


if __name__ == "__main__":
    main()
