"""
Mapping two Gaussian mixtures onto their barycenter
===================================================

Two measures that are mixtures of four Gaussians each (the 2-marginal example of the NWB
paper, Appendix C.1.2) stand in for two batches of the same kind of data that differ by a
batch effect. :class:`~sklearn_wb.NeuralBarycenter` learns their Wasserstein barycenter,
and :meth:`~sklearn_wb.NeuralBarycenter.push_forward` maps every sample of either batch
onto that common barycenter, moving each point as little as possible in the :math:`W_2`
sense; :meth:`~sklearn_wb.NeuralBarycenter.pull_back` maps back.

For two measures with equal weights the barycenter is also known from an exact optimal
transport plan between samples (the midpoints of matched pairs), which we compute with
POT as a reference. The model has default settings (in the documentation's fast mode,
``SKLEARN_WB_DOCS_FAST=1``, fewer samples and one short epoch, so its numbers and plots
show a barely trained model); the benchmark page
(``python -m sklearn_wb reproduce mixtures``) sets it beside POT's free-support
barycenter at several weights. The generator
draws from a mixture of affine components (``n_components``, chosen by BIC): one
continuous map of Gaussian noise could not produce separated clusters. In 2-D the mixture
is fitted to the free-support barycenter of 2000 atoms, each moved to the average of its
exact-transport matches in the measures, coarse to fine (500 of them until they stop
moving, then 1000 for a few rounds, then all for one round, repeated against fresh
samples with few measures and pooled), so every cluster gets its mass.

Between mixtures the transport map cuts clusters in two, which the gradient of a smooth
convex network cannot do: ``refine_push_forward=True`` follows it with an entropic
transport map fitted to the generator's samples (about 25 s per measure on one CPU
thread), and the pushed clusters separate as in the exact barycenter.
"""

# %%
# Data and fit
# ------------
import matplotlib.pyplot as plt
import numpy as np
import ot
import torch

from sklearn_wb import NeuralBarycenter
from sklearn_wb.numerics import make_gaussian_mixtures
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
fast = docs_fast_mode()
# Rows per measure for training, the exact reference and the held-out score (the last two
# cost n^2).
n_train, n_ref, n_test = (2000, 1000, 200) if fast else (5000, 2000, 500)

X, y = make_gaussian_mixtures(n_measures=2, n_samples_per_measure=n_train, random_state=0)
schedule = dict(n_epochs=1, iterations_per_epoch=40) if fast else {}
# Default schedule in 2-D: 1200 outer iterations.
model = NeuralBarycenter(random_state=0, refine_push_forward=True, **schedule)
model.fit(X, y)
samples = model.sample(n_ref, random_state=0)

# %%
# Map each measure onto the barycenter, and back
# ----------------------------------------------
# ``push_forward(X, y)`` applies the map of measure ``y`` to each row; ``y`` may also be a
# single label for all rows. After the map, the two batches should look alike.
aligned = model.push_forward(X, y)
recovered = model.pull_back(aligned, y)
print(f"mean |pull_back(push_forward(x)) - x|: {np.abs(recovered - X).mean():.3f}")

# %%
# ``score`` estimates the weighted barycenter cost on held-out samples with a Sinkhorn
# divergence, negated so that higher is better (as scikit-learn's model selection
# expects). Its cost is quadratic in the number of rows, so a small held-out set is used.
X_test, y_test = make_gaussian_mixtures(n_measures=2, n_samples_per_measure=n_test, random_state=1)
print(f"held-out score: {model.score(X_test, y_test):.3f}")

# %%
# Exact reference
# ---------------
# The midpoints of the exact optimal plan between ``n_ref`` samples of each measure are
# samples of the barycenter with weights (1/2, 1/2). W2^2 between point clouds is
# computed with POT's exact solver, for the learned samples and for the barycenter of the
# measures' Gaussian fits (``gaussian_mean_``, ``gaussian_cov_``: where training starts).


def exact_midpoints(first, second):
    plan = ot.emd(ot.unif(len(first)), ot.unif(len(second)), ot.dist(first, second))
    return 0.5 * first + 0.5 * second[plan.argmax(axis=1)]


def w2_squared(a, b):
    return float(ot.emd2(ot.unif(len(a)), ot.unif(len(b)), ot.dist(a, b)))


reference = exact_midpoints(X[y == 0][:n_ref], X[y == 1][:n_ref])
# A second reference from other samples: its distance to the first is the sampling floor.
floor = exact_midpoints(X[y == 0][n_ref : 2 * n_ref], X[y == 1][n_ref : 2 * n_ref])
# ``sample`` draws quasi-randomly, which covers the barycenter more evenly: its floor is
# that of the midpoints between quasi-random draws of the two measures.
quasi_X, quasi_y = make_gaussian_mixtures(2, n_ref, random_state=2, quasi_random=True)
quasi_random_floor = exact_midpoints(quasi_X[quasi_y == 0], quasi_X[quasi_y == 1])
gaussian_fit = np.random.default_rng(0).multivariate_normal(
    model.gaussian_mean_, model.gaussian_cov_, n_ref
)
print(f"W2^2(second exact reference, reference) (the floor): {w2_squared(floor, reference):.3f}")
print(
    f"W2^2(quasi-random exact reference, reference):       "
    f"{w2_squared(quasi_random_floor, reference):.3f} (the floor of sample()'s draws)"
)
print(f"W2^2(learned samples, reference):                    {w2_squared(samples, reference):.3f}")
print(
    f"W2^2(push_forward of measure 0, reference):          "
    f"{w2_squared(aligned[y == 0][-n_ref:], reference):.3f}"
)
print(
    f"W2^2(Gaussian-fit barycenter, reference):            "
    f"{w2_squared(gaussian_fit, reference):.3f}"
)

# %%
# Plot
# ----
# From left to right: the two input measures; both after ``push_forward`` (where the maps
# are right, the colours mix); the exact barycenter (POT midpoints); samples of the learned
# barycenter.
fig, axes = plt.subplots(1, 4, figsize=(16, 4.4), sharex=True, sharey=True)
colours = ["tab:blue", "tab:orange"]
for label in (0, 1):
    rows = np.flatnonzero(y == label)[:2000]
    kwargs = dict(s=2, alpha=0.35, color=colours[label], label=f"input measure {label}")
    axes[0].scatter(*X[rows].T, **kwargs)
    axes[1].scatter(*aligned[rows].T, **kwargs)
axes[2].scatter(*reference.T, s=2, alpha=0.35, color="tab:red")
axes[3].scatter(*samples.T, s=2, alpha=0.35, color="black")
titles = [
    "inputs (weights 1/2, 1/2)",
    "inputs after push_forward",
    "exact barycenter (POT midpoints)",
    "NeuralBarycenter.sample",
]
for ax, title in zip(axes, titles):
    ax.set_title(title, fontsize=10)
    ax.set_aspect("equal")
axes[0].legend(loc="upper left", fontsize=8, markerscale=4)
fig.tight_layout()
plt.show()
