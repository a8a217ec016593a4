r"""
Barycenters of sharp measures: random lines and ellipses
========================================================

The NWB paper's Fig. 5: measures with no density at all. Ten uniform measures on random
segments (Claici et al., 2018) and twenty uniform measures on random ellipse outlines,
each with uniform weights, are averaged by :class:`~sklearn_wb.NeuralBarycenter`. The
Gaussian fits it starts from (``init="gaussian"``) know nothing of the sharp shapes; the
question is how far training carries it.

Their barycenter has no closed form, so every estimate is scored by the quantity a
barycenter minimises, the barycenter cost :math:`\sum_i a_i W_2^2(\nu, \mu_i)`, with each
:math:`W_2^2` computed exactly by POT between point clouds and held-out samples of the
measures (lower is better). Beside it: POT's free-support barycenter (the baseline a user
would reach for with sample sets), the plain mixture of the inputs and the barycenter of
the Gaussian fits. In the documentation's fast mode (``SKLEARN_WB_DOCS_FAST=1``) the
model trains for a few iterations on small samples, so its numbers show a barely trained
model. At full size (default settings) it takes about five minutes on one CPU thread;
``python -m sklearn_wb reproduce sharp`` runs the full benchmark.
"""

# %%
# Data: three disjoint samples of each measure
# --------------------------------------------
# Each measure's samples are split three ways: NeuralBarycenter trains on the first part;
# POT's free-support barycenter and the plain mixture use the second (``n_eval`` points
# each); every cost is computed against the third, which no method saw.
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import NeuralBarycenter
from sklearn_wb.commands._exact_ot import (
    barycenter_cost,
    free_support_barycenter,
    mixture_samples,
)
from sklearn_wb.numerics import make_random_ellipses, make_random_lines
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
fast = docs_fast_mode()
# Training rows per measure; points of every estimate and held-out rows per measure (each
# cost solves one exact OT problem per measure, cubic in n_eval).
n_train, n_eval = (1000, 300) if fast else (5000, 600)
schedule = dict(n_epochs=1, iterations_per_epoch=20, batch_size=100) if fast else {}
pot_iterations = 5 if fast else 30  # fixed-point iterations of POT's free-support solver

families = {
    "10 random lines (Fig. 5a)": make_random_lines(10, n_train + 2 * n_eval, random_state=0),
    "20 random ellipses (Fig. 5c)": make_random_ellipses(20, n_train + 2 * n_eval, random_state=0),
}


def split(X, y):
    """Per measure: training rows, input rows for the baselines, held-out rows."""
    parts = [X[y == k] for k in np.unique(y)]
    train = [p[:n_train] for p in parts]
    return (
        np.concatenate(train),
        np.repeat(np.arange(len(parts)), n_train),
        [p[n_train : n_train + n_eval] for p in parts],
        [p[n_train + n_eval :] for p in parts],
    )


# %%
# Fit NeuralBarycenter and POT's free-support barycenter, then score all estimates
# --------------------------------------------------------------------------------
results = {}
for name, (X, y) in families.items():
    X_train, y_train, inputs, held_out = split(X, y)
    weights = np.full(len(inputs), 1 / len(inputs))  # uniform, as in the paper
    rng = np.random.default_rng(1)

    start = time.perf_counter()
    model = NeuralBarycenter(random_state=0, **schedule).fit(X_train, y_train)
    neural_seconds = time.perf_counter() - start
    start = time.perf_counter()
    pot = free_support_barycenter(inputs, weights, rng, n_iterations=pot_iterations)
    pot_seconds = time.perf_counter() - start

    estimates = {
        "NeuralBarycenter": model.sample(n_eval, random_state=0),
        "POT free-support": pot,
        "plain mixture": mixture_samples(inputs, weights, rng),
        "Gaussian-fit barycenter": rng.multivariate_normal(
            model.gaussian_mean_, model.gaussian_cov_, n_eval
        ),
    }
    costs = {key: barycenter_cost(points, held_out, weights) for key, points in estimates.items()}
    results[name] = (inputs, estimates, costs)
    print(f"{name}: barycenter cost sum_i a_i W2^2 (lower is better), {n_eval} points each")
    seconds = {"NeuralBarycenter": neural_seconds, "POT free-support": pot_seconds}
    for key, cost in costs.items():
        timing = f"   fit {seconds[key]:5.1f} s" if key in seconds else ""
        print(f"  {key:<24} {cost:.4f}{timing}")

# %%
# Plot
# ----
# Each row is one family. From left to right: the input measures (one colour each,
# uniform weights); POT's free-support barycenter; samples of NeuralBarycenter; the
# Gaussian-fit barycenter it starts from. Each panel's title gives its barycenter cost.
# Close costs need not mean alike shapes: on the lines both fill a parallelogram, but
# NeuralBarycenter's samples lie in streaks, its mixture components stretched along the
# lines' directions.
columns = ["POT free-support", "NeuralBarycenter", "Gaussian-fit barycenter"]
fig, axes = plt.subplots(2, 4, figsize=(16, 8.4), sharex=True, sharey=True)
for row, (name, (inputs, estimates, costs)) in zip(axes, results.items()):
    colours = plt.cm.tab20(np.linspace(0, 1, len(inputs)))
    for points, colour in zip(inputs, colours):
        row[0].scatter(*points.T, s=1, alpha=0.5, color=colour)
    row[0].set_title(
        f"inputs: {name}\nweights 1/{len(inputs)} each; mixture cost {costs['plain mixture']:.3f}",
        fontsize=10,
    )
    for ax, key in zip(row[1:], columns):
        ax.scatter(*estimates[key].T, s=2, alpha=0.5, color="black")
        label = f"{key}.sample" if key == "NeuralBarycenter" else key
        ax.set_title(f"{label}\ncost {costs[key]:.3f}", fontsize=10)
for ax in axes.flat:
    ax.set_aspect("equal")
fig.tight_layout()
plt.show()
