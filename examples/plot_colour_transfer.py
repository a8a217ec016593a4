"""
Colour transfer through a barycenter of chrominance histograms
==============================================================

Colour grading in the DCNN paper's way (its Figs. 9 and 15, after Solomon et al., 2015):
take the chrominance histograms of a few photographs, average them in the Wasserstein
sense with chosen weights, and give a target photograph that average palette through an
optimal transport plan. The luminance is left alone, so the picture keeps its contrast.

The photographs ship inside scikit-image (``skimage.data``: nothing is downloaded). The
barycenters come from :class:`~sklearn_wb.GridBarycenterPredictor` (one forward pass of
the shipped network, then 10 solver iterations from its answer) and from the reference solver
:func:`~sklearn_wb.numerics.sinkhorn_barycenter_2d` (debiased Sinkhorn, reg 0.002), with
POT's debiased convolutional barycenter timed beside them as the solver a user would
otherwise reach for. The baselines for the result are the plain mixture of the histograms
(what averaging without transport gives) and Reinhard's transfer (shift and scale the
target's a*, b* to the barycenter's mean and standard deviation).

In the docs' fast mode (``SKLEARN_WB_DOCS_FAST=1``) the photographs are subsampled four
times along each side; the histograms and the figures keep their size.
"""

# %%
# Chrominance histograms of five photographs
# ------------------------------------------
# Four inputs and one target. Each image goes to CIE-Lab; its (a*, b*) pairs are binned
# on a 64 x 64 grid over [-64, 64]^2 (2 units per bin; the few pixels outside are counted
# in the border bins). Both barycenter routes take these grids as they are.
import time

import matplotlib.pyplot as plt
import numpy as np
import ot
import torch
from skimage import color, data

from sklearn_wb import GridBarycenterPredictor
from sklearn_wb.numerics import sinkhorn_barycenter_2d
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
fast = docs_fast_mode()
step = 4 if fast else 1  # pixel subsampling along each side

SIZE, LOW, HIGH = 64, -64.0, 64.0
edges = np.linspace(LOW, HIGH, SIZE + 1)
centres = 0.5 * (edges[:-1] + edges[1:])
# (a*, b*) of every bin, in the order of a flattened (a, b) histogram
bins_ab = np.stack(np.meshgrid(centres, centres, indexing="ij"), axis=-1).reshape(-1, 2)


def load_lab(name):
    rgb = getattr(data, name)()[::step, ::step, :3]
    return color.rgb2lab(rgb)


def bin_index(lab):
    """Flat histogram bin of every pixel's (a*, b*)."""
    a, b = (np.clip(np.digitize(lab[..., c], edges) - 1, 0, SIZE - 1) for c in (1, 2))
    return a * SIZE + b


def chroma_histogram(lab):
    counts = np.bincount(bin_index(lab).ravel(), minlength=SIZE * SIZE).astype(float)
    return (counts / counts.sum()).reshape(SIZE, SIZE)


input_names = ["astronaut", "coffee", "rocket", "immunohistochemistry"]
target_name = "chelsea"
inputs = [load_lab(name) for name in input_names]
target = load_lab(target_name)
histograms = np.stack([chroma_histogram(lab) for lab in inputs])  # (4, 64, 64)
target_histogram = chroma_histogram(target)
print("pixels per image:", [lab.shape[0] * lab.shape[1] for lab in inputs + [target]])
print("occupied bins per input:", (histograms > 0).sum(axis=(1, 2)))


def show_histogram(ax, histogram, title):
    # square root of the mass, so that the faint tails stay visible
    ax.imshow(np.sqrt(histogram.T), origin="lower", extent=(LOW, HIGH, LOW, HIGH), cmap="magma")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


fig, axes = plt.subplots(2, 5, figsize=(11, 4.6))
for column, (name, lab, histogram) in enumerate(
    zip(input_names + [target_name], inputs + [target], [*histograms, target_histogram])
):
    role = f"input {column + 1}" if column < len(input_names) else "target"
    axes[0, column].imshow(np.clip(color.lab2rgb(lab), 0, 1))
    axes[0, column].set_title(f"{role}: {name}", fontsize=8)
    axes[0, column].set_axis_off()
    show_histogram(axes[1, column], histogram, f"{role}: a*b* histogram")
axes[1, 0].set_xlabel("a*  (-64 to 64)", fontsize=8)
axes[1, 0].set_ylabel("b*  (-64 to 64)", fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Barycenters for three weight vectors: predictor, reference solver, POT
# ----------------------------------------------------------------------
# Uniform weights, and two gradings that lean towards the cool rocket photograph or the
# warm coffee one. The predictor and our solver take the three problems in one batched
# call; POT's solver takes one problem per call. The predictor's first call pays one-off
# set-up costs, so it runs once before the clock starts.
weights = np.array(
    [
        [0.25, 0.25, 0.25, 0.25],
        [0.1, 0.1, 0.7, 0.1],
        [0.1, 0.7, 0.1, 0.1],
    ]
)
weight_names = ["uniform", "leaning to rocket", "leaning to coffee"]
problems = np.repeat(histograms[None], len(weights), axis=0)  # (3, 4, 64, 64)

model = GridBarycenterPredictor.pretrained()
model.predict(problems[:1], weights[:1])  # warm-up
start = time.perf_counter()
predicted = model.predict(problems, weights)
time_predictor = time.perf_counter() - start

start = time.perf_counter()
reference = np.asarray(sinkhorn_barycenter_2d(problems, weights, reg=0.002))
time_solver = time.perf_counter() - start

start = time.perf_counter()
pot = np.stack(  # on torch tensors, POT's faster torch backend
    [
        ot.bregman.convolutional_barycenter2d_debiased(
            torch.as_tensor(histograms), reg=0.002, weights=torch.as_tensor(w)
        ).numpy()
        for w in weights
    ]
)
time_pot = time.perf_counter() - start
pot /= pot.sum(axis=(1, 2), keepdims=True)
mixture = np.einsum("pk,khw->phw", weights, histograms)

print("time for the three barycenters:")
print(f"  predictor            {time_predictor * 1e3:7.0f} ms")
print(f"  our Sinkhorn solver  {time_solver * 1e3:7.0f} ms")
print(f"  POT debiased         {time_pot * 1e3:7.0f} ms")

# %%
# How close the predictor is to the reference
# -------------------------------------------
# L1 between histograms (0 to 2) punishes a bin's worth of shift as hard as a far one;
# W2 (exact OT between the bins, in a*b* units) says how far colours moved. The plain
# mixture is what averaging the histograms without transport gives.


def w2(p, q, threshold=1e-7):
    """W2 between two histograms on the grid, in a*b* units (bins under threshold dropped)."""
    p, q = p.ravel(), q.ravel()
    keep_p, keep_q = p > threshold, q > threshold
    cost = ot.dist(bins_ab[keep_p], bins_ab[keep_q])
    return float(np.sqrt(ot.emd2(p[keep_p] / p[keep_p].sum(), q[keep_q] / q[keep_q].sum(), cost)))


print("distance to the reference barycenter (Sinkhorn, reg 0.002):")
print(f"{'weights':<20}{'L1 pred':>9}{'L1 POT':>9}{'L1 mix':>9}{'W2 pred':>9}{'W2 mix':>9}")
for name, p, b, q, m in zip(weight_names, predicted, reference, pot, mixture):
    l1 = [np.abs(x - b).sum() for x in (p, q, m)]
    print(f"{name:<20}{l1[0]:9.3f}{l1[1]:9.3f}{l1[2]:9.3f}{w2(p, b):9.2f}{w2(m, b):9.2f}")

# %%
# Transfer onto the target through a transport plan
# -------------------------------------------------
# An exact plan :math:`\pi` (``ot.emd``) between the target's histogram and the
# barycenter gives each occupied bin :math:`i` a new colour, the barycentric projection
# :math:`T(i) = \sum_j \pi_{ij} y_j / \sum_j \pi_{ij}`. Every pixel of bin :math:`i`
# moves by :math:`T(i) - x_i`, so detail inside a bin is kept; L* is untouched.


def transfer(lab, barycenter, threshold=1e-7):
    source = chroma_histogram(lab).ravel()
    goal = barycenter.ravel()
    rows, cols = np.flatnonzero(source), np.flatnonzero(goal > threshold)
    cost = ot.dist(bins_ab[rows], bins_ab[cols])
    plan = ot.emd(source[rows], goal[cols] / goal[cols].sum(), cost)
    shift = np.zeros_like(bins_ab)
    shift[rows] = plan @ bins_ab[cols] / plan.sum(axis=1, keepdims=True) - bins_ab[rows]
    out = lab.copy()
    out[..., 1:] += shift[bin_index(lab)]
    return out


def reinhard(lab, barycenter):
    """Baseline: match the mean and standard deviation of a* and b* to the barycenter's."""
    mass = barycenter.ravel()
    mean = mass @ bins_ab
    std = np.sqrt(mass @ (bins_ab - mean) ** 2)
    out = lab.copy()
    ab = lab[..., 1:]
    out[..., 1:] = (ab - ab.mean(axis=(0, 1))) / ab.std(axis=(0, 1)) * std + mean
    return out


start = time.perf_counter()
via_predictor = [transfer(target, b) for b in predicted]
time_transfer = (time.perf_counter() - start) / len(weights)
via_solver = [transfer(target, b) for b in reference]
via_reinhard = [reinhard(target, b) for b in reference]
print(f"one transfer (exact plan + per-pixel shift): {time_transfer * 1e3:.0f} ms")

print("W2 (a*b* units) from the transferred image's histogram to the reference barycenter:")
print(f"{'weights':<20}{'untouched':>10}{'via pred':>10}{'via ref':>10}{'Reinhard':>10}")
for k, name in enumerate(weight_names):
    scores = [w2(target_histogram, reference[k])] + [
        w2(chroma_histogram(images[k]), reference[k])
        for images in (via_predictor, via_solver, via_reinhard)
    ]
    print(f"{name:<20}" + "".join(f"{s:10.2f}" for s in scores))

# %%
# The barycenters and the graded photographs
# ------------------------------------------
# Columns are the weight vectors; rows: the predictor's barycenter, the reference
# solver's, the target graded through each, and Reinhard's transfer to the reference
# barycenter's mean and spread.
fig, axes = plt.subplots(5, 3, figsize=(7.5, 11))
for column, name in enumerate(weight_names):
    label = f"{name}\n{np.array2string(weights[column], precision=2)}"
    show_histogram(axes[0, column], predicted[column], f"predictor, {label}")
    show_histogram(axes[1, column], reference[column], "Sinkhorn reg=0.002 (reference)")
    rows = zip(
        (via_predictor, via_solver, via_reinhard),
        ("target via predictor's plan", "target via reference's plan", "Reinhard (baseline)"),
    )
    for row, (images, title) in enumerate(rows, start=2):
        axes[row, column].imshow(np.clip(color.lab2rgb(images[column]), 0, 1))
        axes[row, column].set_title(title, fontsize=8)
        axes[row, column].set_axis_off()
fig.tight_layout()
plt.show()
