"""
Which grid barycenter for my time budget? Accuracy against time
================================================================

Three ways to get a barycenter of images are on offer here. Each trades time for accuracy
differently:

- :class:`~sklearn_wb.GridBarycenterPredictor`: a network's answer, then 10 iterations of
  the solver from it (``solver_iterations``), or the network alone
  (``solver_iterations=0``);
- :func:`~sklearn_wb.numerics.sinkhorn_barycenter_2d`, the debiased convolutional Sinkhorn
  solver, stopped after a fixed number of iterations or at its tolerance;
- POT's ``convolutional_barycenter2d_debiased`` at the same regularisation, and the plain
  weighted mixture of the images, what one gets without optimal transport.

They are scored on two families whose barycenter is known exactly, so no solver is the
judge. One is translated and dilated copies of a star (the barycenter is the star at the
weighted mean position and scale). The other is Gaussian blobs (the barycenter is the
Gaussian of the covariance fixed point). Errors are L1 distances between unit-mass grids,
from 0 (identical) to 2 (disjoint). Times are per barycenter, one problem per call, on one
thread of the machine that built this page, so read them as ratios.
"""

# %%
# The problems and the methods
# ----------------------------
# Four 64 x 64 problems per family, with k = 2 or 3 inputs and random weights.
import copy
import time

import matplotlib.pyplot as plt
import numpy as np
import ot
import torch

from sklearn_wb import GridBarycenterPredictor
from sklearn_wb.numerics import (
    make_gaussian_blob_problems,
    make_location_scale_problems,
    sinkhorn_barycenter_2d,
)

torch.set_num_threads(1)
REG = 0.004  # the solver's default, and the regularisation POT is given
families = {}
for name, make in [
    ("location-scale stars", make_location_scale_problems),
    ("Gaussian blobs", make_gaussian_blob_problems),
]:
    two = make(2, k=2, shape=64, random_state=0)
    three = make(2, k=3, shape=64, random_state=1)
    families[name] = [
        (measures, weights, exact)
        for batch in (two, three)
        for measures, weights, exact in zip(*batch)
    ]

predictor = GridBarycenterPredictor.pretrained()
network = copy.deepcopy(predictor).set_params(solver_iterations=0)  # one model file read


def pot(measures, weights):
    # torch tensors run POT's torch backend: the same answer as numpy arrays, but faster
    bary = ot.bregman.convolutional_barycenter2d_debiased(
        torch.as_tensor(measures), REG, weights=torch.as_tensor(weights), warn=False
    )
    return np.nan_to_num(bary.numpy())


methods = {
    "weighted mixture": lambda m, w: np.einsum("k,khw->hw", w, m),
    "network alone": lambda m, w: network.predict(m[None], w[None])[0],
    "predictor (network + 10 iterations)": lambda m, w: predictor.predict(m[None], w[None])[0],
    **{
        f"solver, {n} iterations": lambda m, w, n=n: sinkhorn_barycenter_2d(
            m, w, reg=REG, max_iter=n, tol=1e-12
        )  # tol: no earlier stop, exactly n
        for n in (10, 20, 40)
    },
    "solver, to tol 1e-3": lambda m, w: sinkhorn_barycenter_2d(m, w, reg=REG),
    "POT debiased": pot,
}


def score(method, problems):
    """Mean L1 to the exact barycenter, and median milliseconds per call (after one
    untimed call that pays one-off costs)."""
    method(*problems[0][:2])
    errors, seconds = [], []
    for measures, weights, exact in problems:
        start = time.perf_counter()
        bary = method(measures, weights)
        seconds.append(time.perf_counter() - start)
        errors.append(np.abs(bary / bary.sum() - exact).sum())
    return np.mean(errors), 1e3 * np.median(seconds)


results = {
    family: {name: score(method, problems) for name, method in methods.items()}
    for family, problems in families.items()
}
for family, rows in results.items():
    print(f"\n{family}: mean L1 to the exact barycenter, median ms per barycenter")
    for name, (error, ms) in rows.items():
        print(f"  {name:38s} L1 {error:7.4f}   {ms:8.1f} ms")

# %%
# Accuracy against time
# ---------------------
# Lower and further left is better. The solver's points are joined in the order of their
# iteration counts: the line traces what more time buys. The mixture takes microseconds,
# so it is drawn as a level, not a point.
styles = {
    "network alone": dict(marker="v", color="tab:orange"),
    "predictor (network + 10 iterations)": dict(marker="*", s=140, color="tab:green"),
    "POT debiased": dict(marker="s", color="tab:purple"),
}
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
for ax, (family, rows) in zip(axes, results.items()):
    solver = {name: rows[name] for name in rows if name.startswith("solver")}
    times = [ms for _, ms in solver.values()]
    errors = [error for error, _ in solver.values()]
    ax.plot(times, errors, "o-", color="tab:blue", label="solver (10, 20, 40 it., tol 1e-3)")
    for name, (error, ms) in solver.items():
        ax.annotate(
            name.split(", ")[1].replace(" iterations", " it."),
            (ms, error),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    for name, style in styles.items():
        error, ms = rows[name]
        ax.scatter(ms, error, label=name, zorder=3, **{"s": 50, **style})
    ax.axhline(rows["weighted mixture"][0], color="0.4", ls="--", label="weighted mixture")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="ms per barycenter (one thread)",
        ylabel="L1 to the exact barycenter",
        title=family,
    )
    ax.grid(True, which="both", alpha=0.3)
axes[1].legend(fontsize=8, loc="center right")
plt.show()

# %%
# What the picture says
# ---------------------
# On a CPU the solver alone is the better buy at 64 x 64 on most inputs. The predictor's
# network costs more than 10 solver iterations, so the predictor takes longer than 20
# iterations from the solver's default start. On the stars it is a little closer than those
# 20 (L1 0.244 against 0.264) and further than 40. On the Gaussian blobs, 10 iterations from
# the default start are already closer than the predictor: the network's error there
# outlasts the 10 iterations run from its answer. POT's debiased barycenter stops at its
# own tolerance. It matches the converged solver on the blobs and falls between 10 and 20
# iterations on the stars, for several times their time.
#
# The :doc:`benchmark page </benchmarks/grid>` has every input family side by side. At
# 64 x 64, 20 solver iterations beat the predictor on 5 of the 10 families where its
# network runs, in less time. At 128 x 128, where the network still runs at 64 x 64 and
# the iterations cost more, the predictor takes less time than 20 iterations and the two
# split the families alike.
