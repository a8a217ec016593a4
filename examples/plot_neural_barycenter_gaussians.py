"""
Barycenter of the NWB paper's four Gaussians
============================================

The four 2-D Gaussians of Fan, Taghvaei and Chen (2021, Fig. 3) have a barycenter known in
closed form (:func:`~sklearn_wb.numerics.gaussian_barycenter`), so a learned barycenter
can be checked against it. We fit :class:`~sklearn_wb.NeuralBarycenter` on samples of the
four measures, draw samples from the learned barycenter and compare them with the exact
one using BW2-UVP, printed beside its sampling floor (the score of exact samples of the
same size).

The training budget here is deliberately small so the example runs in seconds; see the
benchmark pages for what the default settings reach.
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
from sklearn_wb.plotting import gaussian_contour

torch.set_num_threads(1)

means, covs = paper_gaussians()
X, y = sample_gaussians(means, covs, 5000, random_state=0)
mean, cov = gaussian_barycenter(means, covs)
print("exact barycenter mean:", mean.round(3))
print("exact barycenter covariance:\n", cov.round(3))

# %%
# Fit the barycenter
# ------------------
# Uniform weights (``weights=None``); a short schedule for the gallery.
model = NeuralBarycenter(n_epochs=2, iterations_per_epoch=100, random_state=0)
model.fit(X, y)
print("barycenter cost per epoch:", np.round(model.history_[:, "train_loss"], 4))

# %%
# Compare with the exact barycenter
# ---------------------------------
# BW2-UVP compares the Gaussian fit of the samples with the exact barycenter, in percent
# of its total variance. Exact samples score above zero through sampling error alone.
samples = model.sample(100_000, random_state=1)
print(f"BW2-UVP of the learned barycenter: {bw2_uvp(samples, mean, cov):.4f} %")
print(f"BW2-UVP of 100k exact samples:     {bw2_uvp_floor(100_000, mean, cov, 1):.4f} %")

# %%
# Plot the marginals, the learned samples and the exact barycenter
# ----------------------------------------------------------------
fig, ax = plt.subplots(figsize=(6, 6))
for label in np.unique(y):
    ax.scatter(*X[y == label][:1500].T, s=2, alpha=0.3, label=f"measure {label}")
ax.scatter(*samples[:3000].T, s=2, color="black", alpha=0.4, label="learned barycenter")
gaussian_contour(ax, mean, cov, color="red", lw=1.2)
ax.plot([], [], color="red", label="exact barycenter (1, 2, 3 sigma)")
ax.set_aspect("equal")
ax.legend(loc="upper left", fontsize=8, markerscale=4)
ax.set_title("NeuralBarycenter on the four Gaussians")
plt.show()
