"""
Barycenters for every weight from one fit: the sweeps of Figs. 11 and 12
========================================================================

:class:`~sklearn_wb.FreeWeightBarycenter` (NWB-II) is trained once on samples of a few
measures and then samples their Wasserstein barycenter for any weight vector on the
simplex. Here it sweeps the weights ``(1 - t, t)`` between two measures, as in the NWB
paper's Figs. 11 and 12: two mixtures of four Gaussians (the 2-marginal example of
Appendix C.1.2), and two uniform measures on crossing segments
(:func:`~sklearn_wb.numerics.make_random_lines`).

For two measures the barycenter with weights ``(1 - t, t)`` is known exactly: McCann's
interpolant ``(1 - t) x + t T(x)`` of the optimal transport plan, which POT's exact
solver computes between samples. Each sweep shows that answer beside the model's samples,
and prints their :math:`W_2^2` with its floor: the same distance for a second exact
answer from fresh samples, which no estimate from this many samples can beat by much.
``sample`` draws quasi-randomly, which covers the barycenter more evenly than independent
points, so the sweep also prints the floor of exact points drawn the same way: for the
segments, whose barycenter is a uniform measure on a segment, from that closed form
(:func:`~sklearn_wb.numerics.segment_barycenter`); for the mixtures, McCann's interpolant
between quasi-random draws of the two measures, which scores as quasi-random draws of the
exact answer do where one is known.

The fits have default settings (600 outer iterations, a few minutes each on one CPU
thread). In the documentation's fast mode (``SKLEARN_WB_DOCS_FAST=1``) they run for 30
iterations on fewer samples, so the pictures show a barely trained model, still close to
its start: a Gaussian mixture fitted to a first guess at equal weights, carried to every
weight vector by the closed-form Gaussian maps. The benchmark (``python -m sklearn_wb reproduce
free-weights``) scores full fits at the same weights against separate
:class:`~sklearn_wb.NeuralBarycenter` fits.
"""

# %%
# Data and one fit per pair of measures
# -------------------------------------
import matplotlib.pyplot as plt
import ot
import torch

from sklearn_wb import FreeWeightBarycenter
from sklearn_wb.numerics import (
    make_gaussian_mixtures,
    make_random_lines,
    random_segments,
    segment_barycenter,
)
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
fast = docs_fast_mode()
# Rows per measure for training, and for each exact answer (exact OT costs about n^3).
n_train, n_ref = (2000, 500) if fast else (20_000, 2000)
schedule = dict(n_epochs=1, iterations_per_epoch=30) if fast else {}

SEGMENTS = "two segments (Fig. 12)"
problems = {
    "two Gaussian mixtures (Fig. 11)": make_gaussian_mixtures(2, n_train, random_state=0),
    SEGMENTS: make_random_lines(2, n_train, random_state=0),
}
segments = random_segments(2, random_state=0)  # the segments sampled above
models = {
    name: FreeWeightBarycenter(random_state=0, **schedule).fit(X, y)
    for name, (X, y) in problems.items()
}

# %%
# Exact answers
# -------------
# POT's exact plan between ``n_ref`` samples of each measure is a permutation; moving each
# point the fraction ``t`` of the way to its partner gives samples of the barycenter at
# weights ``(1 - t, t)``. ``t = 0`` and ``t = 1`` return the inputs themselves.


def mccann(first, second, t):
    plan = ot.emd(ot.unif(len(first)), ot.unif(len(second)), ot.dist(first, second))
    return (1 - t) * first + t * second[plan.argmax(axis=1)]


def w2_squared(a, b):
    return float(ot.emd2(ot.unif(len(a)), ot.unif(len(b)), ot.dist(a, b)))


# Quasi-random exact points: the segments' closed form, and for the mixtures McCann's
# interpolant between quasi-random draws of the two measures.
quasi_X, quasi_y = make_gaussian_mixtures(2, n_ref, random_state=1, quasi_random=True)
quasi_random_answers = {
    "two Gaussian mixtures (Fig. 11)": lambda t: mccann(
        quasi_X[quasi_y == 0], quasi_X[quasi_y == 1], t
    ),
    SEGMENTS: lambda t: segment_barycenter(
        *segments, [1 - t, t], n_ref, random_state=1, quasi_random=True
    ),
}

# %%
# Accuracy along the sweep
# ------------------------
# W2^2 from the model's samples to the exact answer, beside the floor (a second exact
# answer from the next ``n_ref`` samples of each measure) and the floor of quasi-random
# exact points, which applies to ``sample``'s draws. The benchmark's target is at most
# twice the floor at every t.
ts = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
sweeps = {}
for name, (X, y) in problems.items():
    first, second = X[y == 0], X[y == 1]
    print(f"{name}: W2^2 to the exact barycenter")
    print("     t  FreeWeightBarycenter   floor  ratio  quasi-random floor  ratio")
    sweeps[name] = []
    for t in ts:
        exact = mccann(first[:n_ref], second[:n_ref], t)
        learned = models[name].sample(n_ref, weights=[1 - t, t], random_state=0)
        sweeps[name].append((exact, learned))
        if 0 < t < 1:
            free = w2_squared(learned, exact)
            floor = w2_squared(
                mccann(first[n_ref : 2 * n_ref], second[n_ref : 2 * n_ref], t), exact
            )
            quasi_random_floor = w2_squared(quasi_random_answers[name](t), exact)
            print(
                f"  {t:4.1f}  {free:20.4f}  {floor:6.4f}  {free / floor:5.1f}x"
                f"  {quasi_random_floor:18.4g}  {free / quasi_random_floor:5.1f}x"
            )

# %%
# Plot
# ----
# One figure per pair of measures. Top row: the exact barycenter (POT + McCann); bottom
# row: :meth:`~sklearn_wb.FreeWeightBarycenter.sample` at the same weights, all from the
# one fit. The end columns are the one-hot weights: the inputs themselves on top.
for name, sweep in sweeps.items():
    fig, axes = plt.subplots(2, len(ts), figsize=(2.6 * len(ts), 5.6), sharex=True, sharey=True)
    for column, (t, (exact, learned)) in enumerate(zip(ts, sweep)):
        weights = f"a = [{1 - t:.1f}, {t:.1f}]"
        top = f"input measure {int(t)}" if t in (0.0, 1.0) else "exact (POT, McCann)"
        axes[0, column].scatter(*exact.T, s=1, alpha=0.3, color="tab:red")
        axes[1, column].scatter(*learned.T, s=1, alpha=0.3, color="black")
        axes[0, column].set_title(f"{top}\n{weights}", fontsize=9)
        axes[1, column].set_title(f"FreeWeightBarycenter\n{weights}", fontsize=9)
        for ax in axes[:, column]:
            ax.set_aspect("equal")
    fig.suptitle(f"Barycenters of {name} at weights (1 - t, t), one fit")
    fig.tight_layout()
plt.show()
