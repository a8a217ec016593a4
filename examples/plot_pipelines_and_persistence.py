"""
Pipelines, model selection and safe model files
===============================================

:class:`~sklearn_wb.NeuralBarycenter` is a scikit-learn estimator: it sits at the end of
a :class:`~sklearn.pipeline.Pipeline`, :class:`~sklearn.model_selection.GridSearchCV`
tunes it with its ``score`` (minus the estimated barycenter cost, so higher is better),
and a fitted model is shared with ``model.save(path)`` and :func:`sklearn_wb.load`, which
write and read one safetensors file with JSON metadata (no pickle: loading runs no code
from the file). :class:`~sklearn_wb.GridBarycenterPredictor` saves and loads the same way.

Three sensors measure temperature (in degrees Celsius) and pressure (in pascals); each
sensor's readings form a different multimodal distribution (the NWB paper's three Gaussian
mixtures, of four, three and three components, read in these units). Their Wasserstein
barycenter is the common distribution that the sensors can be mapped onto. In the
documentation's fast mode (``SKLEARN_WB_DOCS_FAST=1``) fewer samples and shorter fits are
used; the fits are short at full size too, so that the search runs in about a minute.
"""

# %%
# Why scale first
# ---------------
# :math:`W_2` adds squared distances over the features, so in raw units a pascal would
# weigh as much as a degree and the pressure (spread in hundreds of pascals) would decide
# every transport plan on its own. A :class:`~sklearn.preprocessing.StandardScaler` in
# front gives each feature unit variance; the barycenter is then computed in those units,
# and its samples are mapped back with the scaler's ``inverse_transform``.
import os
import tempfile
import time

import joblib
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_wb
from sklearn_wb import GridBarycenterPredictor, NeuralBarycenter
from sklearn_wb.numerics import make_gaussian_mixtures, random_shape_contours
from sklearn_wb.plotting import docs_fast_mode

torch.set_num_threads(1)
fast = docs_fast_mode()
n_per_sensor = 300 if fast else 1000  # score's cost grows faster than quadratically in it
schedule = (
    dict(n_epochs=1, iterations_per_epoch=20, batch_size=100)
    if fast
    else dict(n_epochs=1, iterations_per_epoch=100, batch_size=200)
)

Z, sensor = make_gaussian_mixtures(n_measures=3, n_samples_per_measure=n_per_sensor, random_state=0)
X = np.column_stack([20 + 2 * Z[:, 0], 101_300 + 400 * Z[:, 1]])  # degrees C, Pa

pipeline = make_pipeline(StandardScaler(), NeuralBarycenter(random_state=0, **schedule))

# %%
# Tune one knob with cross-validation
# -----------------------------------
# ``n_components`` is the number of affine components of the generator's latent mixture:
# one gives a single continuous map of Gaussian noise, which cannot make separated modes;
# "auto" picks it from the data (eight per mode found by BIC). Every fold must hold every
# sensor, so the folds are stratified by the sensor label (an int ``cv`` does this too,
# as the estimator is tagged a classifier of measure labels).
search = GridSearchCV(
    pipeline,
    {"neuralbarycenter__n_components": [1, "auto"]},
    cv=StratifiedKFold(n_splits=2, shuffle=True, random_state=0),
)
start = time.perf_counter()
search.fit(X, sensor)
print(f"GridSearchCV: 2 candidates x 2 folds + refit in {time.perf_counter() - start:.1f} s")
print("n_components  mean held-out score (higher is better)  std    fit s")
results = search.cv_results_
for params, mean, std, seconds in zip(
    results["params"],
    results["mean_test_score"],
    results["std_test_score"],
    results["mean_fit_time"],
):
    knob = params["neuralbarycenter__n_components"]
    print(f"{knob!s:>12}  {mean:37.3f}  {std:5.3f}  {seconds:5.1f}")
print(f"best: {search.best_params_}")

# %%
# Samples in the original units
# -----------------------------
# The refitted best pipeline is ``search.best_estimator_``; its last step samples in
# standardised units, which the scaler maps back to degrees and pascals.
best = search.best_estimator_
scaler, model = best[0], best[-1]
samples = scaler.inverse_transform(model.sample(2000, random_state=0))

# %%
# Save and load
# -------------
# ``model.save`` writes the barycenter model. The scaler is a scikit-learn object with
# two fitted vectors; it is saved with joblib here, which is fine for one's own files
# (joblib and pickle run code when loading: never load them from others). The loaded
# model draws the same samples, maps the same points and gives the same score.
with tempfile.TemporaryDirectory() as folder:
    model_path = os.path.join(folder, "sensors_barycenter.safetensors")
    model.save(model_path)
    joblib.dump(scaler, os.path.join(folder, "scaler.joblib"))
    loaded_model = sklearn_wb.load(model_path)
    loaded = make_pipeline(joblib.load(os.path.join(folder, "scaler.joblib")), loaded_model)
    print(f"saved NeuralBarycenter: {os.path.getsize(model_path) / 1e3:.0f} kB")

loaded_samples = loaded[0].inverse_transform(loaded[-1].sample(2000, random_state=0))
Xs = scaler.transform(X)
checks = {
    "samples": np.array_equal(samples, loaded_samples),
    "push_forward": np.array_equal(
        model.push_forward(Xs, sensor), loaded[-1].push_forward(Xs, sensor)
    ),
    "score": best.score(X, sensor) == loaded.score(X, sensor),
}
print("identical after loading:", ", ".join(f"{key} {value}" for key, value in checks.items()))

# %%
# The grid predictor saves and loads the same way: here the shipped model (itself read
# with :func:`sklearn_wb.load` by :meth:`~sklearn_wb.GridBarycenterPredictor.pretrained`)
# goes through a file and predicts the same barycenter of three contours.
grid_model = GridBarycenterPredictor.pretrained()
contours = random_shape_contours(3, size=64, random_state=0)[None]
weights = [[0.2, 0.3, 0.5]]
with tempfile.TemporaryDirectory() as folder:
    grid_path = os.path.join(folder, "grid.safetensors")
    grid_model.save(grid_path)
    grid_loaded = sklearn_wb.load(grid_path)
    print(f"saved GridBarycenterPredictor: {os.path.getsize(grid_path) / 1e6:.1f} MB")
predicted = grid_model.predict(contours, weights)[0]
print(
    "GridBarycenterPredictor predictions identical after loading:",
    np.array_equal(predicted, grid_loaded.predict(contours, weights)[0]),
)

# %%
# Plot
# ----
# Left: the three sensors' readings (the inputs, weights 1/3 each). Middle: samples of
# the barycenter from the best pipeline, in degrees and pascals, with samples of the
# loaded model drawn over them (they coincide). Right: the cross-validated scores of the
# two candidates.
fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
for label in range(3):
    axes[0].scatter(*X[sensor == label].T, s=2, alpha=0.4, label=f"sensor {label}")
axes[0].set_title("inputs: three sensors, weights 1/3 each", fontsize=10)
axes[0].legend(markerscale=4, fontsize=8)
axes[1].scatter(
    *samples.T, s=14, facecolors="none", edgecolors="black", lw=0.5, label="best pipeline"
)
axes[1].scatter(*loaded_samples.T, s=2, color="tab:orange", label="after save and load")
knob = best.get_params()["neuralbarycenter__n_components"]
axes[1].set_title(f"barycenter: NeuralBarycenter.sample (n_components={knob})", fontsize=10)
axes[1].legend(markerscale=3, fontsize=8)
axes[1].sharex(axes[0])
axes[1].sharey(axes[0])
for ax in axes[:2]:
    ax.set_xlabel("temperature (degrees C)")
    ax.set_ylabel("pressure (Pa)")
candidates = [str(p["neuralbarycenter__n_components"]) for p in results["params"]]
axes[2].errorbar(
    candidates,
    results["mean_test_score"],
    yerr=results["std_test_score"],
    fmt="o",
    capsize=6,
    color="tab:blue",
)
axes[2].set_xlim(-0.5, len(candidates) - 0.5)
axes[2].set_xlabel("n_components")
axes[2].set_ylabel("held-out score (higher is better)")
axes[2].set_title("GridSearchCV: mean and std over 2 stratified folds", fontsize=10)
fig.tight_layout()
plt.show()
