"""
The barycenter of three Gaussian mixtures
=========================================

The NWB paper's Fig. 9: three measures, mixtures of four, three and three Gaussians
(:func:`~sklearn_wb.numerics.make_gaussian_mixtures`), with uniform weights. There is no
closed form, so the number is the barycenter cost :math:`\\sum_i a_i W_2^2(\\nu, \\mu_i)`,
which the barycenter minimises (lower is better), computed exactly by POT between held-out
samples, for :class:`~sklearn_wb.NeuralBarycenter`, POT's free-support barycenter and the
plain mixture. ``python -m sklearn_wb reproduce mixtures`` measures the same at full size.
In the docs' fast mode (``SKLEARN_WB_DOCS_FAST=1``) the model trains for 50 outer
iterations on fewer samples instead of the default 1200 (in 2-D).
"""

# %%
# Fit and cost
# ------------
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import NeuralBarycenter
from sklearn_wb.commands._exact_ot import (
    barycenter_cost,
    free_support_barycenter,
    mixture_samples,
)
from sklearn_wb.numerics import make_gaussian_mixtures
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
fast = docs_fast_mode()
n_train, n_eval = (2000, 300) if fast else (10000, 1000)
schedule = dict(n_epochs=1, iterations_per_epoch=50) if fast else {}

X, y = make_gaussian_mixtures(3, n_train + 2 * n_eval, random_state=0)
measures = [X[y == k] for k in range(3)]
train = np.concatenate([m[:n_train] for m in measures])
labels = np.repeat(np.arange(3), n_train)
inputs = [m[n_train : n_train + n_eval] for m in measures]  # POT's and the mixture's
held_out = [m[n_train + n_eval :] for m in measures]  # seen by no method
weights = np.full(3, 1 / 3)

model = NeuralBarycenter(random_state=0, **schedule).fit(train, labels)
rng = np.random.default_rng(1)
estimates = {
    "NeuralBarycenter": model.sample(n_eval, random_state=2),
    "POT free-support": free_support_barycenter(inputs, weights, rng),
    "plain mixture": mixture_samples(inputs, weights, rng),
}
for name, samples in estimates.items():
    print(f"{name:18s} barycenter cost {barycenter_cost(samples, held_out, weights):.4f}")

# %%
# The picture
# -----------
fig, axes = plt.subplots(1, 4, figsize=(14, 3.8), sharex=True, sharey=True)
for k, measure in enumerate(held_out):
    axes[0].scatter(*measure.T, s=2, alpha=0.5, label=f"input measure {k + 1}")
axes[0].set_title("inputs: three mixtures", fontsize=10)
axes[0].legend(fontsize=7, markerscale=4)
for ax, (name, samples) in zip(axes[1:], estimates.items()):
    ax.scatter(*samples.T, s=2, alpha=0.5, color="k")
    ax.set_title(f"{name}, weights 1/3 each", fontsize=10)
for ax in axes:
    ax.set_aspect("equal")
fig.tight_layout()
plt.show()
