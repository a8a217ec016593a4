r"""
Accuracy as the dimension grows
===============================

The NWB paper's Fig. 6: the barycenter of three random Gaussians (uniform weights) in
growing dimension d, learned by :class:`~sklearn_wb.NeuralBarycenter` from samples. Here
the exact barycenter is known in closed form
(:func:`~sklearn_wb.numerics.gaussian_barycenter`), so the error is measured by BW2-UVP
(:func:`~sklearn_wb.numerics.bw2_uvp`), the :math:`W_2^2` between the Gaussian fit of the
learned samples and the true barycenter, in percent of the barycenter's variance:

- the **sample floor** (:func:`~sklearn_wb.numerics.bw2_uvp_floor`) is the BW2-UVP of as
  many exact samples, what sampling error alone costs. ``sample`` draws quasi-randomly by
  default, so its floor is that of exact samples drawn the same way; independent draws
  score far higher;
- the **Gaussian-fit barycenter** is the closed-form barycenter of the measures' Gaussian
  fits, where training starts (``init="gaussian"``), its samples drawn quasi-randomly too;
  on Gaussian data it is already nearly right, so the question is whether training keeps
  it there as d grows.

The full-size run fits d = 2, 8, 16 and 32 with default settings (about ten minutes on
one CPU thread: 9 min 45 s measured beside another job); ``python -m sklearn_wb
reproduce dimensions`` goes up to d = 128 with more samples. In the documentation's fast
mode (``SKLEARN_WB_DOCS_FAST=1``) it fits d = 2, 4, 8 with a few iterations and fewer
samples, so its numbers show a barely trained model.
"""

# %%
# Fit one model per dimension
# ---------------------------
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import NeuralBarycenter
from sklearn_wb.numerics import (
    bw2_uvp,
    bw2_uvp_floor,
    gaussian_barycenter,
    random_gaussians,
    sample_gaussians,
)
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
fast = docs_fast_mode()
dims = (2, 4, 8) if fast else (2, 8, 16, 32)
n_train = 5_000 if fast else 20_000  # training samples per measure
n_eval = 20_000 if fast else 100_000  # barycenter samples scored by BW2-UVP
schedule = dict(n_epochs=1, iterations_per_epoch=20, batch_size=200) if fast else {}

rows = []
print(" d  NeuralBarycenter %  Gaussian-fit init %  floor %, quasi-random  independent  fit s")
for dim in dims:
    means, covs = random_gaussians(3, dim, random_state=dim)
    mean, cov = gaussian_barycenter(means, covs)  # the exact answer
    X, y = sample_gaussians(means, covs, n_train, random_state=0)
    start = time.perf_counter()
    model = NeuralBarycenter(random_state=0, **schedule).fit(X, y)
    seconds = time.perf_counter() - start
    start_mean, start_cov = model.gaussian_mean_[None], model.gaussian_cov_[None]
    init, _ = sample_gaussians(start_mean, start_cov, n_eval, random_state=1, quasi_random=True)
    rows.append(
        (
            bw2_uvp(model.sample(n_eval, random_state=0), mean, cov),
            bw2_uvp(init, mean, cov),
            bw2_uvp_floor(n_eval, mean, cov, random_state=2, quasi_random=True),
            bw2_uvp_floor(n_eval, mean, cov, random_state=2),
        )
    )
    model_uvp, init_uvp, quasi_random_floor, independent_floor = rows[-1]
    print(
        f"{dim:2d}  {model_uvp:18.4f}  {init_uvp:19.4f}  {quasi_random_floor:21.1e}  "
        f"{independent_floor:11.4f}  {seconds:5.1f}"
    )

# %%
# On Gaussian inputs the start is already nearly right (its error is that of the Gaussian
# fits of finite samples), and training adds error: the learned barycenter ends above the
# Gaussian-fit barycenter from d = 16 on, the more so as d grows (the benchmark page
# shows the same up to d = 128), and a fit of a few iterations, as in the fast mode,
# first moves it well away from its start. Training pays on measures that are
# not Gaussian: see :ref:`sphx_glr_auto_examples_plot_neural_barycenter_mixtures.py` and
# :ref:`sphx_glr_auto_examples_plot_sharp_marginals.py`.

# %%
# Plot
# ----
# BW2-UVP against the dimension, log scale, lower is better: three random Gaussians in
# each dimension are the inputs (weights 1/3 each); the learned barycenter
# (NeuralBarycenter), where it started (the Gaussian-fit barycenter), both drawn
# quasi-randomly, and what exact samples score drawn the same way and independently (the
# floors).
rows = np.array(rows)
fig, ax = plt.subplots(figsize=(6.4, 4.4))
labels = (
    "NeuralBarycenter.sample",
    "Gaussian-fit barycenter (the start)",
    "floor: exact samples drawn as sample() draws",
    "floor: exact samples drawn independently",
)
for column, (label, marker) in enumerate(zip(labels, "oDsv")):
    ax.plot(dims, rows[:, column], marker=marker, label=label)
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xticks(dims, [str(d) for d in dims])
ax.set_xlabel("dimension d (inputs: three random Gaussians, weights 1/3 each)")
ax.set_ylabel("BW2-UVP, % (lower is better)")
ax.set_title(f"BW2-UVP from {n_eval} samples", fontsize=10)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
