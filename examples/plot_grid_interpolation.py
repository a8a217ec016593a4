"""
Interpolating between two contour images
========================================

:class:`~sklearn_wb.GridBarycenterPredictor` predicts the Wasserstein barycenter of
histograms on a grid in one forward pass and 10 solver iterations. Here its shipped 64x64
model interpolates between two random shape contours along the weight :math:`t` of the
second one (the paper's Fig. 8 style strip), beside the reference solver
:func:`~sklearn_wb.numerics.sinkhorn_barycenter_2d`, a debiased convolutional Sinkhorn
barycenter (reg 0.002 keeps this example to a few seconds; the benchmark's reference uses
0.001). In the documentation's fast mode (``SKLEARN_WB_DOCS_FAST=1``) the solver stops
at a looser tolerance.
"""

# %%
# Barycenters for seven weights
# -----------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import GridBarycenterPredictor
from sklearn_wb.numerics import random_shape_contours, sinkhorn_barycenter_2d
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
tol = 3e-3 if docs_fast_mode() else 1e-3  # the solver's stopping tolerance

shapes = random_shape_contours(2, size=64, random_state=3)
ts = np.linspace(0, 1, 7)
weights = np.stack([1 - ts, ts], axis=1)
problems = np.repeat(shapes[None], len(ts), axis=0)

model = GridBarycenterPredictor.pretrained()
predicted = model.predict(problems, weights)
# One batched call solves the seven problems.
reference = sinkhorn_barycenter_2d(problems, weights, reg=0.002, tol=tol)

# %%
# The strip: inputs (top), predictor (middle) and reference solver (bottom)
# -------------------------------------------------------------------------
fig, axes = plt.subplots(3, len(ts), figsize=(1.6 * len(ts), 5.2))
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
for column, t in enumerate(ts):
    for row, grids in enumerate((predicted, reference), start=1):
        axes[row, column].imshow(grids[column], cmap="magma")
    axes[1, column].set_title(f"weights ({1 - t:.2f}, {t:.2f})", fontsize=8)
    if 0 < column < len(ts) - 1:
        axes[0, column].set_axis_off()
for column, (shape, name) in zip((0, -1), zip(shapes, ("input 1", "input 2"))):
    axes[0, column].imshow(shape, cmap="magma")
    axes[0, column].set_title(name, fontsize=8)
axes[0, 0].set_ylabel("inputs")
axes[1, 0].set_ylabel("GridBarycenter\nPredictor")
axes[2, 0].set_ylabel(f"Sinkhorn\nreg=0.002\ntol={tol:g}")
fig.tight_layout()
plt.show()
