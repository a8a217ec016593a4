"""
Barycenters of three sketches
=============================

The DCNN paper's Fig. 8: three hand-drawn-like sketches (the ``strokes`` family of
:data:`~sklearn_wb.numerics.grid_families.GRID_FAMILIES`) and their barycenters for
weights inside the triangle they span, from the shipped
:class:`~sklearn_wb.GridBarycenterPredictor` (one batched forward pass, then 10 solver
iterations) and from the reference solver
:func:`~sklearn_wb.numerics.sinkhorn_barycenter_2d` (debiased convolutional Sinkhorn, reg
0.002), beside the plain weighted mixture. The printed number
is each method's L1 distance to the solver's barycenter (0 is equal, 2 is disjoint) and
its time. In the docs' fast mode (``SKLEARN_WB_DOCS_FAST=1``) the solver stops at a
looser tolerance.
"""

# %%
# Inputs, weights and the three methods
# -------------------------------------
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import GridBarycenterPredictor
from sklearn_wb.numerics import sinkhorn_barycenter_2d
from sklearn_wb.numerics.grid_families import GRID_FAMILIES
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
tol = 3e-3 if docs_fast_mode() else 1e-3  # the solver's stopping tolerance

sketches = GRID_FAMILIES["strokes"](3, 64, np.random.default_rng(3))
weights = np.array([[1 / 3, 1 / 3, 1 / 3], [0.6, 0.2, 0.2], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]])
problems = np.repeat(sketches[None], len(weights), axis=0)

model = GridBarycenterPredictor.pretrained()
start = time.perf_counter()
predicted = model.predict(problems, weights)
predictor_seconds = time.perf_counter() - start
start = time.perf_counter()
reference = sinkhorn_barycenter_2d(problems, weights, reg=0.002, tol=tol)
solver_seconds = time.perf_counter() - start
mixture = np.einsum("pk,pkhw->phw", weights, problems / problems.sum((2, 3), keepdims=True))

for name, estimate in [("predictor", predicted), ("plain mixture", mixture)]:
    l1 = np.abs(estimate - reference).sum(axis=(1, 2))
    print(f"{name:14s} L1 to the solver per weight vector: {np.round(l1, 3)}")
print(
    f"time for the {len(weights)} barycenters: predictor {1000 * predictor_seconds:.0f} ms, "
    f"solver {1000 * solver_seconds:.0f} ms"
)

# %%
# The picture
# -----------
# Top row: the three inputs. Below, one column per weight vector: the predictor, the
# reference solver and the plain mixture.
fig, axes = plt.subplots(4, 4, figsize=(9, 9.5))
for k in range(4):
    ax = axes[0, k]
    if k < 3:
        ax.imshow(sketches[k], cmap="gray_r")
        ax.set_title(f"input {k + 1}", fontsize=9)
    ax.axis("off")
rows = [("predictor", predicted), ("solver, reg 0.002", reference), ("mixture", mixture)]
for row, (name, images) in enumerate(rows, start=1):
    for column, (image, weight) in enumerate(zip(images, weights)):
        ax = axes[row, column]
        ax.imshow(image, cmap="gray_r")
        ax.set_title(f"{name}\nweights {np.round(weight, 2).tolist()}", fontsize=7)
        ax.axis("off")
fig.tight_layout()
plt.show()
