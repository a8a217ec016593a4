"""
Barycenters of five shapes on a pentagon
========================================

The network behind :class:`~sklearn_wb.GridBarycenterPredictor` is trained on pairs only,
but its contractive paths share their weights, so it takes any number of inputs at predict
time. Five random contours sit at the corners of a pentagon (the paper's Fig. 13); each
point inside gets weights that decay with its distance to the corners, and the predicted
barycenter is drawn there. The GeomLoss linearised barycenter (the training target) is
drawn beside it for comparison.
"""

# %%
# Weights for points inside the pentagon
# --------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import GridBarycenterPredictor
from sklearn_wb.numerics import linearised_barycenter, random_shape_contours, uniform_transport_maps

torch.set_num_threads(1)

shapes = random_shape_contours(5, size=64, random_state=7)
angles = np.pi / 2 + 2 * np.pi * np.arange(5) / 5
corners = np.stack([np.cos(angles), np.sin(angles)], axis=1)
# The corners, the centre, and points halfway between the centre and each corner.
points = np.concatenate([corners, [[0.0, 0.0]], corners / 2])
distances = np.linalg.norm(points[:, None] - corners[None], axis=2)
weights = np.exp(-4 * distances**2)
weights /= weights.sum(axis=1, keepdims=True)

model = GridBarycenterPredictor.pretrained()
predicted = model.predict(np.repeat(shapes[None], len(points), axis=0), weights)
maps = uniform_transport_maps(shapes)
reference = np.stack([linearised_barycenter(maps, w) for w in weights])

# %%
# Predictor (left) and GeomLoss (right)
# -------------------------------------
fig = plt.figure(figsize=(10, 5))
for panel, (grids, title) in enumerate(((predicted, "predictor"), (reference, "GeomLoss"))):
    for (x, y), grid in zip(points, grids):
        ax = fig.add_axes([0.5 * panel + 0.21 + 0.2 * x, 0.42 + 0.38 * y, 0.08, 0.16])
        ax.imshow(grid, cmap="magma")
        ax.set_axis_off()
    fig.text(0.5 * panel + 0.25, 0.97, title, ha="center", fontsize=12)
plt.show()
