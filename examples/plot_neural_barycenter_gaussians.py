"""
Barycenter of the NWB paper's four Gaussians
============================================

The four 2-D Gaussians of Fan, Taghvaei and Chen (2021, Fig. 3) have a barycenter known in
closed form (:func:`~sklearn_wb.numerics.gaussian_barycenter`), so a learned barycenter
can be checked against it. We fit :class:`~sklearn_wb.NeuralBarycenter` on samples of the
four measures, draw samples from the learned barycenter and compare them with the exact
one using BW2-UVP, printed beside its sampling floors (the score of exact samples of the
same size, drawn quasi-randomly as ``sample`` draws, and independently).

The fit uses the default settings; with ``SKLEARN_WB_DOCS_FAST=1`` (the documentation's
fast mode) the samples and the schedule shrink so the example runs in seconds, and its
numbers and plot show a barely trained model. The benchmark pages show what the default
settings reach on the same problem.
"""

# %%
# Data: samples of four Gaussians
# -------------------------------
# ``y`` names the measure each row of ``X`` was drawn from.
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import NeuralBarycenter
from sklearn_wb.numerics import (
    bw2_uvp,
    bw2_uvp_floor,
    gaussian_barycenter,
    paper_gaussians,
    sample_gaussians,
)
from sklearn_wb.plotting import docs_fast_mode, gaussian_contour

torch.set_num_threads(1)
fast = docs_fast_mode()

means, covs = paper_gaussians()
X, y = sample_gaussians(means, covs, 2000 if fast else 20_000, random_state=0)
mean, cov = gaussian_barycenter(means, covs)
print("exact barycenter mean:", mean.round(3))
print("exact barycenter covariance:\n", cov.round(3))

# %%
# Fit the barycenter
# ------------------
# Uniform weights (``weights=None``); the default schedule, or one epoch of 40 outer
# iterations in fast mode.
schedule = dict(n_epochs=1, iterations_per_epoch=40) if fast else {}
model = NeuralBarycenter(random_state=0, **schedule)
model.fit(X, y)
print("barycenter cost per epoch:", np.round(model.history_[:, "train_loss"], 4))

# %%
# Compare with the exact barycenter
# ---------------------------------
# BW2-UVP compares the Gaussian fit of the samples with the exact barycenter, in percent
# of its total variance. Exact samples score above zero through sampling error alone.
# ``sample`` draws quasi-randomly by default, so the floor that applies is that of exact
# samples drawn the same way; the independent one is far higher.
n_samples = 20_000 if fast else 100_000
samples = model.sample(n_samples, random_state=1)
quasi_random_floor = bw2_uvp_floor(n_samples, mean, cov, 1, quasi_random=True)
print(f"BW2-UVP of {n_samples} learned samples: {bw2_uvp(samples, mean, cov):.4f} %")
print(f"BW2-UVP of {n_samples} exact samples:   {quasi_random_floor:.1e} % drawn quasi-randomly")
print(f"{'':>31}{bw2_uvp_floor(n_samples, mean, cov, 1):.4f} % drawn independently")

# %%
# Plot the marginals, the learned samples and the exact barycenter
# ----------------------------------------------------------------
fig, ax = plt.subplots(figsize=(6, 6))
for label in np.unique(y):
    ax.scatter(*X[y == label][:1500].T, s=2, alpha=0.3, label=f"input measure {label}")
ax.scatter(*samples[:3000].T, s=2, color="black", alpha=0.4, label="NeuralBarycenter samples")
gaussian_contour(ax, mean, cov, color="red", lw=1.2)
ax.plot([], [], color="red", label="exact barycenter (1, 2, 3 sigma)")
ax.set_aspect("equal")
ax.legend(loc="upper left", fontsize=8, markerscale=4)
ax.set_title("Four input measures, uniform weights")
plt.show()
