"""How far ``reproduce grid``'s reference is from its own fixed point, and whether it matters.

The page's reference for the training families is our solver at reg 0.001 stopped at tol
1e-4 (L1 change per iteration; 1e-6 on near-uniform densities). On ``reproduce grid``'s
held-out problems of the chosen families, this runs the same solver on to tol 1e-5 and
1e-6 (max_iter 20000) and prints how far the reference moves. Then it prints every cheap
method's mean L1 to the page's reference and to the tol-1e-6 run: whether a reference that
has not converged changes the page's verdicts. The tight runs take minutes per problem on
sharp families (they are cached in ``--cache-dir``). Run with one thread::

    OMP_NUM_THREADS=1 python scripts/grid_reference_convergence.py
"""

import argparse

import joblib
import numpy as np
import torch

from sklearn_wb import GridBarycenterPredictor
from sklearn_wb.commands import reproduce_grid
from sklearn_wb.numerics import sinkhorn_barycenter_2d

TIGHT_TOLS = (1e-5, 1e-6)
TIGHT_MAX_ITER = 20000  # the page's 5000 stops some tol-1e-6 runs early


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n-problems", type=int, default=4)
    parser.add_argument(
        "--families", nargs="+", default=["random_intensities", "gaussian_mixtures"]
    )
    parser.add_argument("--cache-dir", default=".cache/grid_reference_convergence")
    return parser.parse_args(argv)


def _methods():
    model = GridBarycenterPredictor.pretrained()
    return {
        "predictor": lambda m, w: model.predict(m[None], w[None])[0],
        "ours reg=0.004": lambda m, w: sinkhorn_barycenter_2d(m, w),
        "ours reg=0.004 tol=1e-2": lambda m, w: sinkhorn_barycenter_2d(m, w, tol=1e-2),
        "POT debiased": reproduce_grid._pot,
        "weighted mixture": lambda m, w: np.einsum("k,khw->hw", w, m),
    }


def _l1(a, b):
    return float(np.abs(a / a.sum() - b / b.sum()).sum())


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    solve = joblib.Memory(args.cache_dir, verbose=0).cache(sinkhorn_barycenter_2d)
    methods = _methods()
    print(f"{args.size}^2, {args.n_problems} problems per family, 1 thread")
    for family in args.families:
        settings = reproduce_grid._reference_settings(family)
        moved = {tol: [] for tol in TIGHT_TOLS}
        scores = {name: [] for name in methods}
        for index in range(args.n_problems):
            measures, weights, _ = reproduce_grid._inputs(family, args.size, index)
            page = solve(measures, weights, **settings)
            tight = {
                tol: solve(
                    measures, weights, **{**settings, "tol": tol, "max_iter": TIGHT_MAX_ITER}
                )
                for tol in TIGHT_TOLS
            }
            for tol, bary in tight.items():
                moved[tol].append(_l1(page, bary))
            for name, method in methods.items():
                bary = method(measures, weights)
                scores[name].append((_l1(bary, page), _l1(bary, tight[TIGHT_TOLS[-1]])))
        print(
            f"{family}: the reference (tol {settings['tol']:g}) moves by "
            + ", ".join(f"{np.mean(v):.4f} at tol {tol:g}" for tol, v in moved.items()),
            flush=True,
        )
        for name, pairs in scores.items():
            page_l1, tight_l1 = np.mean(pairs, axis=0)
            print(
                f"    {name:24s} L1 to the page's reference {page_l1:.4f}, "
                f"to the tol-{TIGHT_TOLS[-1]:g} run {tight_l1:.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
