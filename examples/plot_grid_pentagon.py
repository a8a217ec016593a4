"""
Barycenters of five shapes on a pentagon
========================================

The network behind :class:`~sklearn_wb.GridBarycenterPredictor` is trained on pairs only,
but its contractive paths share their weights, so it takes any number of inputs at predict
time. Five random contours sit at the corners of a pentagon (the paper's Fig. 13); each
point inside gets weights that decay with its distance to the corners, and the predicted
barycenter is drawn there. The reference solver
:func:`~sklearn_wb.numerics.sinkhorn_barycenter_2d` (debiased convolutional Sinkhorn,
reg 0.002 to keep this example to a few seconds) is drawn beside it.
"""

# %%
# Weights for points inside the pentagon
# --------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import GridBarycenterPredictor
from sklearn_wb.numerics import random_shape_contours, sinkhorn_barycenter_2d

torch.set_num_threads(1)

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
reference = sinkhorn_barycenter_2d(problems, weights, reg=0.002)

# %%
# Inputs, predictor and reference solver
# --------------------------------------
# Each small image sits at its point; the corner points' weights are mostly on the input
# drawn there, and the centre's weights are uniform.
fig = plt.figure(figsize=(12, 4.6))
panels = ((shapes, "inputs"), (predicted, "predictor"), (reference, "Sinkhorn reg=0.002"))
for panel, (grids, title) in enumerate(panels):
    for (x, y), grid in zip(points if panel else corners, grids):
        ax = fig.add_axes([panel / 3 + 0.14 + 0.13 * x, 0.42 + 0.38 * y, 0.055, 0.16])
        ax.imshow(grid, cmap="magma")
        ax.set_axis_off()
    fig.text(panel / 3 + 0.165, 0.97, title, ha="center", fontsize=12)
fig.text(
    0.5,
    0.02,
    f"centre weights {np.round(weights[5], 2).tolist()}; "
    f"corner weights {np.round(weights[0], 2).tolist()} (rotated for each corner)",
    ha="center",
    fontsize=9,
)
plt.show()
