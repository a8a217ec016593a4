"""What the sample-based estimators share: checks of measures given as labelled rows,
standardisation, label handling, the maps' plumbing, callbacks and the Sinkhorn score.

Used by NeuralBarycenter (NWB-I) and FreeWeightBarycenter (NWB-II); neither imports the
other's module.
"""

from functools import partial
from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data
from skorch.callbacks import LRScheduler

from . import _defaults
from ._barycenter_init import gaussian_fits
from .deep.averaging import WeightAveraging
from .deep.divergence import DivergenceGuard
from .deep.fixed_point import FixedPointRounds
from .deep.sinkhorn_steps import SinkhornGeneratorSteps
from .deep.warm_start import progress_bar
from .numerics.sinkhorn_samples import sinkhorn_divergence

# Samples per measure used by score(): bounds the dense Sinkhorn cost matrix.
_SCORE_MAX_SAMPLES = 2000
_SCORE_SEED = 0
# score() runs its Sinkhorn loops in float32 while X and the samples lie within this many
# spreads of the training mean (in float64 beyond, where squared distances over the blur's
# eps would leave float32's range). On 2000-point pairs (two 2-D mixtures, 2-D and 16-D
# Gaussians) float32 gave the float64 estimates to 5 significant digits in 0.4-0.5x the
# time.
_SCORE_FLOAT32_EXTENT = 1e3
# The cost of standardised data (unit variance per feature) is of order the dimension; a
# thousand times that only a diverging training reaches (lr=10 reaches -1e12).
_MAX_COST_PER_DIMENSION = 1e3
# Spread of X (root mean variance of its features) that fit accepts. The networks see
# standardised float32 values of order 1 whatever the raw scale, but squared distances in
# data units (gaussian_cov_, score) must stay normal float64 numbers with room for sums over
# samples and features: 1e100 squared is 1e200, 1e-100 squared 1e-200.
_SPREAD_LIMITS = (1e-100, 1e100)
# In standardised units (values of order 1), a smaller spread is a few float32 ulps: the
# networks see a measure this narrow as one point, a feature this narrow as a constant.
_MIN_RELATIVE_SPREAD = 1e-6
# Standardised inputs beyond this overflow float32 (3.4e38) in the potentials' squared norms.
_MAX_STANDARDISED = 1e18


class SampleMeasuresMixin:
    """Fit-time checks, standardisation, labels, maps and score of an estimator whose
    measures are the rows of X labelled by y.

    The estimator provides ``_check_fit_weights(n_measures)`` (its weight parameters,
    validated), the hidden-size parameters, ``generator_step``, ``n_epochs`` (an int or
    "auto"), ``iterations_per_epoch`` and ``verbose``, and may lower ``_min_measures`` and
    set ``_low_dimension_step``.
    """

    _min_measures = 2
    # What generator_step="auto" takes up to _defaults.LOW_MAX_DIM dimensions; the
    # fixed-point rounds above.
    _low_dimension_step = "sinkhorn"

    def _validate_measures(self, X, y, continuing):
        """Checked ``(classes, labels, weights, Z)`` of a fit; Z is X standardised."""
        for name in ("potential_hidden_sizes", "generator_hidden_sizes"):
            _check_hidden_sizes(type(self).__name__, name, getattr(self, name))
        X, y = validate_data(self, X, y, reset=not continuing, dtype=np.float64)
        check_classification_targets(y)  # continuous labels would make an int cv a KFold
        classes, labels = np.unique(y, return_inverse=True)
        if continuing and not np.array_equal(classes, self.classes_):
            raise ValueError("warm_start needs the same measure labels as the first fit.")
        _check_measure_sizes(classes, labels, self._min_measures)
        weights = self._check_fit_weights(len(classes))
        _check_spread(X)
        if not continuing:
            self._set_standardisation(X)
        Z = self._standardise(X)
        _check_float32_range(Z)
        _check_not_degenerate(Z, classes, labels)
        return classes, labels, weights, Z

    def _set_standardisation(self, X):
        # Shift and one isotropic scale: OT maps commute with them, unlike per-feature scaling.
        self.loc_ = X.mean(axis=0)
        self.scale_ = float(np.sqrt(X.var(axis=0).mean())) or 1.0

    def _standardise(self, X):
        return (X - self.loc_) / self.scale_

    def _unstandardise(self, Z):
        return Z * self.scale_ + self.loc_

    @staticmethod
    def _resolve_sizes(sizes, default, dim):
        return tuple(default(dim)) if isinstance(sizes, str) else tuple(int(s) for s in sizes)

    def _callbacks(self, dim, n_measures):
        """skorch callbacks. The generator moves in its own steps (``generator_step``) and
        keeps its last weights: averaging would blend the generators of two rounds, and
        the Sinkhorn steps' learning rate already decays to zero."""
        averaging = WeightAveraging(_defaults.WEIGHT_AVERAGING_DECAY, live_submodules=("h",))
        callbacks = [
            ("divergence", DivergenceGuard(max_abs_loss=_MAX_COST_PER_DIMENSION * dim)),
            (
                "lr_schedule",
                # last_epoch=-1: every fit, a warm start too, runs one whole cosine from
                # lr to 0. Resumed, the finished cosine stays at 0 (torch's recursive
                # form scales the last lr), so a continuation never moved the potentials.
                LRScheduler(
                    "CosineAnnealingLR",
                    T_max=self._schedule_length(n_measures),
                    last_epoch=-1,
                    step_every="batch",
                ),
            ),
            ("weight_averaging", averaging),
        ]
        steps = self._generator_steps(dim)
        if steps is not None:
            callbacks.append(("generator_step", steps))
        bar = progress_bar(self.verbose, batches_per_epoch=self.iterations_per_epoch)
        callbacks.append(("progress", bar))
        return callbacks

    def _schedule_length(self, n_measures):
        """Outer iterations of one fit: the length of its cosine learning-rate cycle."""
        return self._resolve_schedule("n_epochs", n_measures) * self.iterations_per_epoch

    def _resolve_schedule(self, name, n_measures):
        """The training-schedule parameter ``name``, "auto" resolved for the data's
        dimension and number of measures (:func:`._defaults.training_schedule`)."""
        value = getattr(self, name)
        if value == "auto":
            return _defaults.training_schedule(self.n_features_in_, n_measures)[name]
        return value

    def _generator_steps(self, dim):
        """The callback that moves the generator, as ``generator_step`` asks; None when
        it keeps its start."""
        step = self.generator_step
        if step == "auto":
            step = self._low_dimension_step if dim <= _defaults.LOW_MAX_DIM else "fixed_point"
        if step == "sinkhorn":
            return SinkhornGeneratorSteps(**_defaults.SINKHORN_STEPS)
        if step == "none":
            return None
        return FixedPointRounds(**_defaults.FIXED_POINT_ROUNDS)

    def _map_rows(self, X, y, gradient, then=None):
        """Rows of X mapped by ``gradient`` (padded tensor (N, M, d) -> same shape), each
        by the potential of its measure, then by ``then(k, rows)`` if given (measure k's
        own rows only, not the padding); validated and in data units."""
        X = validate_data(self, X, reset=False, dtype=np.float64)
        labels = self._labels_to_indices(y, len(X))
        Z = _check_float32_range(self._standardise(X))
        padded, _ = pad_by_measure(Z, labels, len(self.classes_))
        device = next(self.net_.module_.parameters()).device
        with torch.enable_grad():
            grads = gradient(torch.as_tensor(padded, dtype=torch.float32, device=device))
        grads = grads.detach()
        mapped = np.empty_like(X)
        for k in range(len(self.classes_)):
            rows = labels == k
            moved = grads[k, : rows.sum()]
            if then is not None and len(moved):
                moved = then(k, moved)
            mapped[rows] = moved.cpu().numpy()
        return self._unstandardise(mapped)

    def _labels_to_indices(self, y, n_rows):
        if y is None:
            raise ValueError(
                "y is required: the label of the measure each row of X comes from, one per "
                "row, or a single label for all rows."
            )
        y = np.asarray(y)
        if y.ndim == 0:
            y = np.full(n_rows, y[()])
        if y.shape != (n_rows,):
            raise ValueError(
                f"y must be a single label or have one label per row ({n_rows}), "
                f"got shape {y.shape}."
            )
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(
                f"Unknown measure labels {unknown.tolist()}; known: {self.classes_.tolist()}. "
                "When cross-validating, split with StratifiedKFold so every fold holds every "
                "measure."
            )
        return np.searchsorted(self.classes_, y)

    def _negative_cost(self, X, y, weights, sample):
        """-sum_i a_i W2^2(nu, mu_i) by debiased Sinkhorn, in data units; ``sample(n,
        random_state)`` draws from nu. See NeuralBarycenter.score."""
        X = validate_data(self, X, reset=False, dtype=np.float64)
        labels = self._labels_to_indices(y, len(X))
        missing = self.classes_[np.bincount(labels, minlength=len(self.classes_)) == 0]
        if missing.size:
            raise ValueError(
                f"score needs samples of every measure; measures {missing.tolist()} have "
                "none. When cross-validating, keep every measure in every fold: pass an int "
                "cv or StratifiedKFold, not KFold."
            )
        Z = _check_float32_range(self._standardise(X))
        rng = np.random.default_rng(_SCORE_SEED)
        generated = self._standardise(sample(_SCORE_MAX_SAMPLES, random_state=_SCORE_SEED))
        dtype = _score_dtype(Z, generated)
        divergence = partial(sinkhorn_divergence, blur=0.01, scaling=0.9)
        cost = 0.0
        for k in np.unique(labels):
            rows = np.flatnonzero(labels == k)
            rows = rng.permutation(rows)[:_SCORE_MAX_SAMPLES]
            measure = torch.as_tensor(Z[rows], dtype=dtype)
            barycenter = torch.as_tensor(generated[: len(rows)], dtype=dtype)
            # GeomLoss's cost is |x - y|^2 / 2, so the divergence estimates W2^2 / 2.
            w2 = 2.0 * float(divergence(measure, barycenter))
            cost += weights[k] * w2 * self.scale_**2
        return -cost


def check_n_samples(n_samples):
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")


def _check_measure_sizes(classes, labels, min_measures):
    if len(classes) < min_measures:
        raise ValueError(
            f"A barycenter needs at least {min_measures} measures (classes) in y, got "
            f"{len(classes)} class."  # only ever 1: NeuralBarycenter takes one
        )
    counts = np.bincount(labels, minlength=len(classes))
    small = classes[counts < 2]
    if small.size:
        raise ValueError(
            f"Each measure needs at least 2 samples; measures {small.tolist()} have only 1 sample."
        )


def _check_hidden_sizes(estimator_name, name, sizes):
    if isinstance(sizes, str):  # "auto", checked by _parameter_constraints
        return
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
        raise InvalidParameterError(
            f"The {name!r} parameter of {estimator_name} must be 'auto' or a sequence of "
            f"positive ints (layer widths), got {sizes!r}."
        )


def _check_spread(X):
    """Reject data whose squared distances float64 cannot hold (see _SPREAD_LIMITS)."""
    peak = np.abs(X).max()
    # Divided by its peak first, X's variance neither overflows nor underflows.
    spread = peak * np.sqrt((X / peak).var(axis=0).mean()) if peak > 0 else 0.0
    if spread == 0:
        raise ValueError("X has no spread: all its rows are the same point.")
    low, high = _SPREAD_LIMITS
    if not low <= spread <= high:
        raise ValueError(
            f"The spread of X (root mean variance of its features) is {spread:.3g}, outside "
            f"[{low:g}, {high:g}]: squared distances in its units (covariances, W2^2 costs) "
            f"would overflow or underflow float64. Rescale X (e.g. X / {spread:.0e}) and "
            "scale the results back."
        )


def _check_not_degenerate(Z, classes, labels):
    """Reject constant features and measures with a singular Gaussian fit (Z standardised)."""
    constant = np.flatnonzero(Z.std(axis=0) < _MIN_RELATIVE_SPREAD)
    if constant.size:
        raise ValueError(
            f"Features {constant.tolist()} are constant (spread below "
            f"{_MIN_RELATIVE_SPREAD:g} of the data's, under float32 resolution): drop them; "
            "a constant feature keeps its value in the barycenter."
        )
    _, covs = gaussian_fits(Z, labels, len(classes))
    degenerate = classes[np.linalg.eigvalsh(covs)[:, 0] < _MIN_RELATIVE_SPREAD**2]
    if degenerate.size:
        raise ValueError(
            f"Measures {degenerate.tolist()} are degenerate: their Gaussian fit is singular, "
            "as for one repeated point or too few distinct points for the dimension, and "
            "they have no transport map onto the barycenter. Give each measure more "
            "distinct samples."
        )


def _score_dtype(*arrays):
    """float32 for score's Sinkhorn loops while every point of ``arrays`` lies within
    _SCORE_FLOAT32_EXTENT, else float64."""
    extent = max(np.abs(a).max(initial=0.0) for a in arrays)
    return torch.float32 if extent <= _SCORE_FLOAT32_EXTENT else torch.float64


def _check_float32_range(Z):
    """Reject standardised rows so far out that the float32 networks would overflow."""
    extent = np.abs(Z).max(initial=0.0)
    if extent > _MAX_STANDARDISED:
        raise ValueError(
            f"X lies up to {extent:.3g} times the training data's spread from its mean; "
            f"beyond {_MAX_STANDARDISED:g} the float32 networks overflow."
        )
    return Z


def pad_by_measure(X, labels, n_measures):
    """Stack the rows of each measure into a zero-padded (n_measures, max_count, d) array."""
    counts = np.bincount(labels, minlength=n_measures)
    padded = np.zeros((n_measures, max(counts.max(), 1), X.shape[1]))
    order = np.argsort(labels, kind="stable")
    positions = np.arange(len(labels)) - np.repeat(np.cumsum(counts) - counts, counts)
    padded[labels[order], positions] = X[order]
    return padded, counts
