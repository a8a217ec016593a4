"""
Barycenters of five shapes on a pentagon
========================================

The network behind :class:`~sklearn_wb.GridBarycenterPredictor` is trained on 2 to 5
inputs, but its contractive paths share their weights, so it takes any number of inputs at
predict time. Five random contours sit at the corners of a pentagon (the paper's Fig. 13); each
point inside gets weights that decay with its distance to the corners, and the predicted
barycenter is drawn there. The reference solver
:func:`~sklearn_wb.numerics.sinkhorn_barycenter_2d` (debiased convolutional Sinkhorn,
reg 0.002 to keep this example to a few seconds) is drawn beside it; in the
documentation's fast mode (``SKLEARN_WB_DOCS_FAST=1``) it stops at a looser tolerance.
"""

# %%
# Weights for points inside the pentagon
# --------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import GridBarycenterPredictor
from sklearn_wb.numerics import random_shape_contours, sinkhorn_barycenter_2d
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
tol = 3e-3 if docs_fast_mode() else 1e-3  # the solver's stopping tolerance

shapes = random_shape_contours(5, size=64, random_state=7)
angles = np.pi / 2 + 2 * np.pi * np.arange(5) / 5
corners = np.stack([np.cos(angles), np.sin(angles)], axis=1)
# The corners, the centre, and points halfway between the centre and each corner.
points = np.concatenate([corners, [[0.0, 0.0]], corners / 2])
distances = np.linalg.norm(points[:, None] - corners[None], axis=2)
weights = np.exp(-4 * distances**2)
weights /= weights.sum(axis=1, keepdims=True)
problems = np.repeat(shapes[None], len(points), axis=0)

model = GridBarycenterPredictor.pretrained()
predicted = model.predict(problems, weights)
reference = sinkhorn_barycenter_2d(problems, weights, reg=0.002, tol=tol)

# %%
# Inputs, weights, predictor and reference solver
# -----------------------------------------------
# Each small image or bar chart sits at its point of the pentagon. Top left: the five
# inputs at the corners. Top right: the weights of inputs 1-5 at every point (the corner
# points put almost all weight on the input drawn there, the centre weighs them equally).
# Bottom: the barycenter for those weights, from the predictor and from the solver.
colours = plt.cm.tab10(np.arange(5))
fig = plt.figure(figsize=(10, 10))
size, radius = 0.7, 2.0  # inches: each small plot, and the distance centre-corner


def add_axes_at(panel, point):
    """Axes of ``size`` inches centred on ``point`` of the pentagon in panel 0-3."""
    column, row = panel % 2, panel // 2
    centre = np.array([5 * column + 2.5, 7.2 - 5 * row]) + radius * np.asarray(point)
    left, bottom = (centre - size / 2) / 10
    return fig.add_axes([left, bottom, size / 10, size / 10])


titles = (
    "inputs 1-5",
    "weights of inputs 1-5 at each point (bar height, 0 to 1)",
    "GridBarycenterPredictor",
    f"Sinkhorn reference, reg=0.002, tol={tol:g}",
)
for panel, title in enumerate(titles):
    fig.text(0.25 + 0.5 * (panel % 2), 0.97 - 0.5 * (panel // 2), title, ha="center")

for index, (corner, shape) in enumerate(zip(corners, shapes)):
    ax = add_axes_at(0, corner)
    ax.imshow(shape, cmap="magma")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_color(colours[index])
    ax.spines[:].set_linewidth(3)
    ax.set_xlabel(f"input {index + 1}", color=colours[index], fontsize=9, labelpad=2)

for point, weight in zip(points, weights):
    ax = add_axes_at(1, point)
    ax.bar(np.arange(5), weight, color=colours, width=0.8)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])

for panel, grids in ((2, predicted), (3, reference)):
    for point, grid in zip(points, grids):
        ax = add_axes_at(panel, point)
        ax.imshow(grid, cmap="magma")
        ax.set_axis_off()
plt.show()
