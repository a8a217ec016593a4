"""
Interpolating between two contour images
========================================

:class:`~sklearn_wb.GridBarycenterPredictor` predicts the Wasserstein barycenter of
histograms on a grid in one forward pass. Here its shipped 64x64 model interpolates
between two random shape contours along the weight :math:`t` of the second one (the
paper's Fig. 8 style strip), beside the GeomLoss reference it was trained on: the
linearised barycenter, one Sinkhorn-divergence descent step from the uniform measure,
which is a weighted average of the transport maps from uniform to each shape.
"""

# %%
# Barycenters for seven weights
# -----------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_wb import GridBarycenterPredictor
from sklearn_wb.numerics import linearised_barycenter, random_shape_contours, uniform_transport_maps

torch.set_num_threads(1)

shapes = random_shape_contours(2, size=64, random_state=3)
ts = np.linspace(0, 1, 7)
weights = np.stack([1 - ts, ts], axis=1)

model = GridBarycenterPredictor.pretrained()
predicted = model.predict(np.repeat(shapes[None], len(ts), axis=0), weights)

# One transport map per shape, then any weight is a cheap average of maps.
maps = uniform_transport_maps(shapes)
reference = np.stack([linearised_barycenter(maps, w) for w in weights])

# %%
# The strip: predictor (top) and GeomLoss (bottom)
# ------------------------------------------------
fig, axes = plt.subplots(2, len(ts), figsize=(1.6 * len(ts), 3.6))
for column, t in enumerate(ts):
    for row, grids in enumerate((predicted, reference)):
        axes[row, column].imshow(grids[column], cmap="magma")
        axes[row, column].set_xticks([])
        axes[row, column].set_yticks([])
    axes[0, column].set_title(f"t = {t:.2f}")
axes[0, 0].set_ylabel("predictor")
axes[1, 0].set_ylabel("GeomLoss")
fig.tight_layout()
plt.show()
