"""GridBarycenterPredictor: Wasserstein barycenters of grids from one forward pass of a
network (DCNN paper) and a few solver iterations from its answer."""

import tempfile
import warnings
from importlib import resources
from math import ceil
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Checkpoint, EarlyStopping, LRScheduler
from skorch.dataset import ValidSplit
from torch.optim.lr_scheduler import CosineAnnealingWarmRestarts

from ._common import PersistenceMixin, load
from ._execution import rollback_on_failure, torch_seed, with_torch_threads
from .deep.divergence import DivergenceGuard
from .deep.grid_loss import PROBABILITY_FLOOR, GridKLL1Loss, GridKLLoss
from .deep.grid_net import SolverRefinedNet
from .deep.unet import MultiInputUNet
from .deep.warm_start import progress_bar, update_training_params, update_verbosity
from .numerics._device import resolve_device
from .numerics.grid_mixture import distance_to_mixture, single_measure, weighted_mixtures
from .numerics.grid_reference import check_grid_measures
from .numerics.grid_resample import sum_pool, upsample
from .numerics.grid_sinkhorn import checked_sinkhorn_barycenters, scaling_domain_min_reg

_OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
_LOSSES = {"kl": GridKLLoss, "kl+l1": GridKLL1Loss}


# The KL of a uniform guess is log(H W) < 13 up to 512^2; only a diverging training
# reaches a thousand (lr=1e3 reaches 1e6).
_MAX_KL = 1e3


class GridBarycenterPredictor(PersistenceMixin, BaseEstimator):
    r"""Predict the Wasserstein barycenter of ``k >= 2`` images on a grid, for any weights.

    A multi-input U-Net (Sec. 3.1 of the DCNN grid barycenter paper) whose ``k``
    contractive paths share weights, so a model trained on a few inputs (the shipped one:
    2 to 5) predicts barycenters of any number k >= 2 of measures, on any power-of-2 grid
    with sides of at least ``2 ** depth``, in one forward pass, followed by
    ``solver_iterations`` iterations of the debiased solver from its answer. The network runs
    at the training resolution: a larger grid's inputs are summed over blocks of cells
    and the answer upsampled bilinearly, a smaller grid's inputs upsampled and the answer
    summed back. With the shipped 64² model on the held-out problems of ``python -m
    sklearn_wb reproduce grid`` this was closer to the reference than running the
    network at the input's size on every family whose answer the network gives (where
    all weighted inputs are one image, ``predict`` returns it), at 128² (Gaussian blobs
    L1 0.440 -> 0.145, near-uniform densities 0.183 -> 0.027, contours 1.337 -> 1.327)
    and at 32² (0.382 -> 0.150, 0.175 -> 0.021, 0.720 -> 0.563). Training
    minimises :math:`\mathrm{KL}(b \,\|\, \hat b)` plus the L1 distance (``loss``)
    between reference barycenters ``b`` and the answers :math:`\hat b` after the solver
    iterations, with a cosine learning rate with warm restarts
    (SGDR), keeps the epoch with the best validation loss (checkpoint) and stops early
    when it stops improving.

    The calling convention is ``fit(X, y, weights=None)`` and
    ``predict(X, weights=None)`` with ``X`` the measures ``(n_samples, k, H, W)`` and
    ``y`` the barycenters ``(n_samples, H, W)``: plain arrays with samples along the first
    axis, so clone, get/set_params, joblib and splitters work unchanged, and weights are
    per-sample data (like ``sample_weight``) that default to uniform. In cross-validation,
    route them to ``fit`` and ``score`` with metadata routing: ``set_fit_request`` and
    ``set_score_request`` (see the user guide). The tags declare image input
    (``input_tags.two_d_array=False``), so scikit-learn's common checks, which feed 2-D
    tables, skip this estimator; the tests run its data-free API checks and image
    versions of the others.

    Parameters
    ----------
    width : int, default=16
        Channels of the network's first level (doubled at each level).
    depth : int, default=4
        Levels of the network; grid sides must be powers of 2 and at least
        ``2 ** depth``: the deepest level, at ``1 / 2 ** (depth - 1)`` of the side,
        needs 2 x 2 pixels for its instance normalisation (a 1 x 1 map cannot be
        normalised), so smaller grids are rejected.
    max_epochs : int, default=10
    batch_size : int, default=16
        Training and prediction batch size.
    lr : float, default=2e-3
        Peak learning rate of each cosine cycle.
    optimizer : {"adam", "sgd"}, default="adam"
        Adam, or SGD with Nesterov momentum 0.99 as in the paper's code (which needs far
        more epochs than a CPU allows).
    loss : {"kl+l1", "kl"}, default="kl+l1"
        Training loss against the reference barycenters ``b``:
        :math:`\mathrm{KL}(b \,\|\, \hat b)`, the paper's, plus the L1 distance
        :math:`\sum_x |b(x) - \hat b(x)|`, or the KL alone. The KL is quadratic in
        small relative errors, so alone it leaves the small errors on smooth inputs
        (near-uniform densities) unlearned. Training the shipped model on with each
        (8 held-out problems per family of ``reproduce grid``, 64², mean L1 to the
        reference): one epoch of ``"kl"`` took near-uniform densities from 0.026 to
        0.025 and near-uniform products from 0.031 to 0.030, one epoch of ``"kl+l1"``
        to 0.017 and 0.022, lower on every family; the shipped model had 4 epochs of
        it (0.013 and 0.018; ``scripts/train_grid_default.py``).
    mixture_tol : float, default=0.2
        Where every input of nonzero weight lies within this L1 distance of the weighted
        mixture :math:`\sum_i w_i a_i` (unit-mass grids, so at most 2), :meth:`predict`
        returns the mixture instead of the network's answer. Inputs that close are in the
        linear regime of optimal transport: to first order in their differences the
        barycenter *is* the mixture, while the network's error does not shrink with them (its
        instance normalisation cannot see their size). On 1000 training examples the shipped
        model never saw, the 105 below 0.2 (largest 0.114, all near-uniform densities) had
        the mixture at most 6e-5 further from the reference than the network, mean L1 0.0045
        against 0.0068; the nearest above lay at 0.31 (the network closer) and 0.33 (the
        mixture closer). 0 keeps the network everywhere but on identical inputs and one-hot
        weights. Not used in training.
    solver_iterations : int, default=10
        Iterations of the debiased Sinkhorn solver
        (:func:`~sklearn_wb.numerics.sinkhorn_barycenter_2d`, at ``solver_reg``) that
        :meth:`predict` runs from the network's answer, at the input's resolution: the
        network puts the mass roughly in place, the iterations do the transport; they
        start from the inputs' Gaussian potentials, as the solver's default does. With the
        shipped model on the held-out problems of ``reproduce grid`` (64², L1 to the
        reference), 10 iterations took exact Gaussian blobs from 0.057 to 0.017 and the
        stars from 0.335 to 0.232. They beat 10 from the solver's default start on 6 of
        the 10 families where the network runs. But 20 from there, in less time than
        the predictor on one CPU thread, beat it on 5 (the user guide has the figures).
        0 returns the network's answer. ``fit`` scores the answer after these iterations
        (on the training grid, gradients flowing through them), so the network learns
        to be their starting point.
    solver_reg : float, default=0.004
        Entropic regularisation of those iterations, in the solver's units. Training
        through them needs it above 2.8e-3 on a square grid (every kernel entry within
        float64's range: ``sklearn_wb.numerics.grid_sinkhorn.scaling_domain_min_reg``).
    restart_period : int, default=1
        Epochs of the first cosine cycle (``T_0``); each next cycle is twice as long. The
        learning rate follows the cosine batch by batch.
    validation_fraction : float, default=0.1
        Share of the training examples held out for checkpointing and early stopping;
        0 monitors the training loss instead.
    patience : int, default=5
        Epochs without improvement before early stopping.
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit`` call, for
        ``max_epochs`` more epochs with the current ``lr``, ``batch_size`` and
        ``patience``, and a new SGDR schedule (first cycle ``restart_period`` epochs).
    device : str, default="auto"
        Torch device; ``"auto"`` uses CUDA when present.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, validation split and shuffling.
    verbose : int, default=0
        Print skorch's epoch table and a progress bar when positive.
    n_threads : int or None, default=1
        Torch threads while fitting, sampling, mapping and scoring; the caller's setting
        is restored afterwards. None leaves torch's setting alone. One is fastest for
        these small networks on CPU: on a shared 2-core machine, one thread
        predicted 64², 128² and 256² grids 1.1 to 1.8x faster than two.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` is the ``MultiInputUNet``
        (``sklearn_wb.deep.unet``).
    history_ : skorch.History
        Per-epoch losses and learning rates.
    grid_shape_ : tuple of int
        ``(H, W)`` of the last ``fit``'s grids, the resolution the network runs at (a warm
        start on grids of another size moves it, with a warning).

    Notes
    -----
    Share a fitted model with ``model.save(path)`` and :func:`sklearn_wb.load`: the file
    holds safetensors weights and JSON metadata, and loading it runs no code (a model
    saved on a GPU loads on a CPU); :meth:`pretrained` reads the shipped model this way.
    Pickle and joblib work too, but loading them runs code from the file: use them only
    for trusted, local files.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb import GridBarycenterPredictor
    >>> model = GridBarycenterPredictor.pretrained()
    >>> measures = np.random.default_rng(0).random((1, 3, 64, 64))
    >>> barycenter = model.predict(measures, weights=[[0.2, 0.3, 0.5]])
    >>> barycenter.shape, float(barycenter.sum().round(6))
    ((1, 64, 64), 1.0)
    """

    _persisted_attributes = ("grid_shape_",)
    _tuple_attributes = ("grid_shape_",)

    _parameter_constraints = {
        "width": [Interval(Integral, 1, None, closed="left")],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(_OPTIMIZERS))],
        "loss": [StrOptions(set(_LOSSES))],
        "mixture_tol": [Interval(Real, 0, None, closed="left")],
        "solver_iterations": [Interval(Integral, 0, None, closed="left")],
        "solver_reg": [Interval(Real, 0, None, closed="neither")],
        "restart_period": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "warm_start": ["boolean"],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        width=16,
        depth=4,
        *,
        max_epochs=10,
        batch_size=16,
        lr=2e-3,
        optimizer="adam",
        loss="kl+l1",
        mixture_tol=0.2,
        solver_iterations=10,
        solver_reg=0.004,
        restart_period=1,
        validation_fraction=0.1,
        patience=5,
        warm_start=False,
        device="auto",
        random_state=None,
        verbose=0,
        n_threads=1,
    ):
        self.width = width
        self.depth = depth
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.loss = loss
        self.mixture_tol = mixture_tol
        self.solver_iterations = solver_iterations
        self.solver_reg = solver_reg
        self.restart_period = restart_period
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.warm_start = warm_start
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.n_threads = n_threads

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # X is a stack of images (n_samples, k, H, W)
        tags.input_tags.positive_only = True
        tags.target_tags.required = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    @rollback_on_failure
    @with_torch_threads
    def fit(self, X, y, weights=None):
        """Train on measures ``X`` with weights and their barycenters ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, k, H, W)
            Real, finite, non-negative images with positive mass, ``k >= 2`` per example.
            Each is rescaled to unit mass, so any finite scale works (even 1e308 or
            subnormal values everywhere).
        y : array-like of shape (n_samples, H, W)
            Reference barycenters (rescaled to unit mass).
        weights : array-like of shape (n_samples, k) or None, default=None
            Barycentric weights on the simplex; ``None`` means uniform.

        Returns
        -------
        self : GridBarycenterPredictor

        Raises
        ------
        ValueError
            On bad input (shapes, grid sides, complex, NaN or negative values, all-zero
            images, weights off the simplex, no training example left after the
            validation split), before anything is changed: a fitted estimator stays as
            it was, an unfitted one unfitted.
        """
        measures, weights = self._check_measures(X, weights)
        targets = _check_targets(y, measures.shape[:1] + measures.shape[2:])
        self._check_training_size(len(targets))
        self._warn_if_resolution_moves(measures.shape[2:])
        self._check_solver_reg(measures.shape[2:])
        data = {"measures": measures.astype(np.float32), "weights": weights.astype(np.float32)}
        seed = torch_seed(self.random_state)
        with torch.random.fork_rng(devices=[]), tempfile.TemporaryDirectory() as checkpoints:
            torch.manual_seed(seed)
            if self.warm_start and hasattr(self, "net_"):
                update_verbosity(self.net_, self.verbose)
            else:
                self.net_ = self._build_net(checkpoints, seed)
            # Also on a warm start: changed training parameters apply to the continuation.
            update_training_params(
                self.net_,
                criterion=_LOSSES[self.loss],
                solver_iterations=self.solver_iterations,
                solver_reg=self.solver_reg,
                max_epochs=self.max_epochs,
                lr=self.lr,
                batch_size=self.batch_size,
                callbacks__early_stopping__patience=self.patience,
                callbacks__checkpoint__dirname=checkpoints,
                callbacks__sgdr__T_0=self.restart_period * self._batches_per_epoch(len(targets)),
                # A loaded model's net was built without the seed: restore its split.
                train_split=self._train_split(seed),
            )
            self.net_.partial_fit(data, targets.astype(np.float32))
        self.history_ = self.net_.history
        self.grid_shape_ = tuple(measures.shape[2:])
        return self

    @with_torch_threads
    def predict(self, X, weights=None):
        """Barycenters of the measures in ``X`` with the given weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, k, H, W)
            Real, finite, non-negative images with positive mass, ``k >= 2``, at least
            one sample; sides powers of 2, at least ``2 ** depth``. Any finite scale.
        weights : array-like of shape (n_samples, k) or None, default=None
            Barycentric weights on the simplex; ``None`` means uniform.

        Returns
        -------
        barycenters : ndarray of shape (n_samples, H, W)
            Non-negative grids, each summing to 1. Where every input of nonzero weight is
            the same image (one-hot weights, identical inputs), that image: the exact
            answer, which the network, given one image, only reproduces to an L1 of
            about 0.1. Where they all lie within ``mixture_tol`` of their weighted mixture,
            the mixture. Elsewhere the network's answer after ``solver_iterations``
            iterations of the solver.
        """
        check_is_fitted(self, "net_")
        measures, weights = self._check_measures(X, weights)
        barycenters = weighted_mixtures(measures, weights)
        spread = distance_to_mixture(measures, weights, barycenters)
        single = single_measure(measures, weights)
        barycenters[single] = measures[single, weights[single].argmax(axis=1)]
        network = ~single & (spread > self.mixture_tol)
        if network.any():
            guesses = self._predict_network(measures[network], weights[network])
            barycenters[network] = self._refine(measures[network], weights[network], guesses)
        return barycenters

    def _refine(self, measures, weights, guesses):
        """``solver_iterations`` solver iterations from the network's answers."""
        if not self.solver_iterations:
            return guesses
        return checked_sinkhorn_barycenters(  # predict has checked the grids
            measures,
            weights,
            reg=self.solver_reg,
            tol=0.0,  # no early stop: exactly the iterations fit trains through
            max_iter=self.solver_iterations,
            init=guesses,
            device=self.device,
        )

    def _predict_network(self, measures, weights):
        """The network's barycenters, computed at the training resolution: the inputs are
        summed over blocks along a longer side and upsampled along a shorter one, and the
        answer is brought back the other way (a model saved without ``grid_shape_`` runs
        at the input's resolution)."""
        shape = measures.shape[2:]
        trained = getattr(self, "grid_shape_", shape)
        finer = tuple(max(1, t // side) for side, t in zip(shape, trained))
        coarser = tuple(max(1, side // t) for side, t in zip(shape, trained))
        inputs = sum_pool(upsample(measures, finer), coarser)
        return upsample(sum_pool(self._run_network(inputs, weights), finer), coarser)

    def _run_network(self, measures, weights):
        module = self.net_.module_
        if module.training:  # eval() walks every submodule: 0.3 ms, 2 % of a 64^2 predict
            module.eval()
        device = next(module.parameters()).device
        out = []
        with torch.inference_mode():
            for start in range(0, len(measures), self.batch_size):
                chunk = slice(start, start + self.batch_size)
                log_b = module(
                    torch.as_tensor(measures[chunk], dtype=torch.float32, device=device),
                    torch.as_tensor(weights[chunk], dtype=torch.float32, device=device),
                )
                out.append(log_b.double().exp().cpu().numpy())
        barycenters = np.concatenate(out)
        return barycenters / barycenters.sum(axis=(1, 2), keepdims=True)

    @with_torch_threads
    def score(self, X, y, weights=None):
        """Minus the mean KL(y || prediction): higher is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, k, H, W)
        y : array-like of shape (n_samples, H, W)
            Reference barycenters.
        weights : array-like of shape (n_samples, k) or None, default=None

        Returns
        -------
        score : float
        """
        predicted = self.predict(X, weights)
        targets = _check_targets(y, predicted.shape)
        floored_log = lambda a: np.log(np.maximum(a, PROBABILITY_FLOOR))  # noqa: E731
        log_ratio = floored_log(targets) - floored_log(predicted)
        kl = (targets * log_ratio).sum((1, 2))
        return -float(kl.mean())

    @classmethod
    def pretrained(cls, size=64, device="auto"):
        """The model trained by ``scripts/train_grid_default.py``, shipped in the package.

        It is a file written by :meth:`save` (``sklearn_wb/pretrained/``), read with
        :func:`sklearn_wb.load`.

        Parameters
        ----------
        size : int, default=64
            Grid side the model was trained at; 64 is the only one shipped. It predicts
            at any power-of-2 side of at least 32 (``2 ** depth``), running its network
            at 64 x 64 (see the class docstring).
        device : str, default="auto"

        Returns
        -------
        model : GridBarycenterPredictor
            Fitted, ready to ``predict``; no network access.
        """
        file = resources.files("sklearn_wb") / "pretrained" / f"grid_unet_{size}.safetensors"
        if not file.is_file():
            shipped = sorted(
                int(f.name.removeprefix("grid_unet_").removesuffix(".safetensors"))
                for f in file.parent.iterdir()
                if f.name.startswith("grid_unet_") and f.name.endswith(".safetensors")
            )
            raise ValueError(
                f"No pretrained grid model for size={size}; shipped sizes: {shipped}. "
                "Any of them predicts at any power-of-2 side of at least 32."
            )
        with resources.as_file(file) as path:
            model = load(path, device=device)
        if not isinstance(model, cls):
            raise ValueError(f"{file} holds a {type(model).__name__}, not a {cls.__name__}.")
        return model

    def _rebuild_net(self, module_kwargs):
        """Persistence hook: the net of a saved model, before its weights are loaded. The
        module's arguments are the ``width`` and ``depth`` parameters, restored already."""
        return self._build_net(None, 0).initialize()

    def _build_net(self, checkpoint_dir, seed):
        validation = self.validation_fraction > 0
        monitor = "valid_loss" if validation else "train_loss"
        callbacks = [
            ("divergence", DivergenceGuard(max_abs_loss=_MAX_KL)),
            (
                "sgdr",
                # last_epoch=-1: each fit starts the schedule anew. skorch would resume it
                # at the number of epochs run, counted as batches: a point of no cycle.
                LRScheduler(
                    CosineAnnealingWarmRestarts,
                    T_0=1,
                    T_mult=2,
                    last_epoch=-1,
                    step_every="batch",
                ),
            ),
            (
                "checkpoint",
                Checkpoint(
                    monitor=f"{monitor}_best",
                    dirname=checkpoint_dir or "",
                    f_optimizer=None,
                    f_criterion=None,
                    f_history=None,
                    load_best=True,
                ),
            ),
            ("early_stopping", EarlyStopping(monitor=monitor, patience=self.patience)),
        ]
        callbacks.append(("progress", progress_bar(self.verbose)))
        optimizer_kwargs = {"momentum": 0.99, "nesterov": True} if self.optimizer == "sgd" else {}
        return SolverRefinedNet(
            MultiInputUNet,
            _LOSSES[self.loss],
            solver_iterations=self.solver_iterations,
            solver_reg=self.solver_reg,
            module__width=self.width,
            module__depth=self.depth,
            optimizer=_OPTIMIZERS[self.optimizer],
            lr=self.lr,
            **{f"optimizer__{key}": value for key, value in optimizer_kwargs.items()},
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=self._train_split(seed),
            callbacks=callbacks,
            device=resolve_device(self.device),
            verbose=self.verbose,
        )

    def _warn_if_resolution_moves(self, shape):
        """A warm start on grids of another size moves the resolution the network runs at
        for every later ``predict``, even where the weights barely change: fine-tuning the
        shipped 64^2 model at 128^2 with lr=1e-6 took held-out 64^2 contours from L1 0.642
        to 0.713 (the same at 64^2 kept 0.642)."""
        trained = getattr(self, "grid_shape_", None)
        if self.warm_start and hasattr(self, "net_") and trained and tuple(shape) != trained:
            warnings.warn(
                f"warm_start: this fit on {tuple(shape)} grids moves the resolution the "
                f"network runs at from {trained} to {tuple(shape)}; inputs of other sizes "
                f"are then resampled to {tuple(shape)}. To fine-tune at {trained}, resample "
                "the examples to it first.",
                UserWarning,
                stacklevel=4,
            )

    def _train_split(self, seed):
        if self.validation_fraction == 0:
            return None
        return ValidSplit(self.validation_fraction, stratified=False, random_state=seed)

    def _check_training_size(self, n_samples):
        # skorch's ValidSplit holds out ceil(fraction * n) examples, as scikit-learn does.
        n_valid = ceil(self.validation_fraction * n_samples)
        if n_samples - n_valid < 1:
            raise ValueError(
                f"fit got {n_samples} example(s), and validation_fraction="
                f"{self.validation_fraction} holds out {n_valid} for validation, leaving "
                "none to train on. Give more examples or set validation_fraction=0."
            )

    def _check_solver_reg(self, shape):
        # Gradients flow through the iterations on the scalings only.
        smallest = scaling_domain_min_reg(shape)
        if self.solver_iterations and self.solver_reg <= smallest:
            raise ValueError(
                f"Training through solver_iterations={self.solver_iterations} needs "
                f"solver_reg > {smallest:.3g} on {shape[0]} x {shape[1]} grids (no kernel "
                f"entry below float64's range), got {self.solver_reg}. Raise solver_reg or "
                "set solver_iterations=0."
            )

    def _batches_per_epoch(self, n_samples):
        n_train = n_samples - int(n_samples * self.validation_fraction)
        return max(1, -(-n_train // self.batch_size))

    def _check_measures(self, X, weights):
        if np.ndim(X) != 4:
            raise ValueError(f"X must have shape (n_samples, k, H, W), got {np.shape(X)}.")
        if np.shape(X)[0] == 0:
            raise ValueError("X holds no examples: shape (0, k, H, W); at least one is needed.")
        measures, weights = check_grid_measures(X, weights, name="X")
        if measures.shape[1] < 2:
            raise ValueError(f"X needs k >= 2 measures per sample, got k={measures.shape[1]}.")
        # The deepest level sees 1 / 2 ** (depth - 1) of each side and needs 2 x 2 pixels.
        smallest = 2**self.depth
        for side in measures.shape[2:]:
            if side & (side - 1) or side < smallest:
                raise ValueError(
                    f"grid sides must be powers of 2 and at least 2**depth = {smallest} for "
                    f"depth={self.depth}, got {measures.shape[2:]}."
                )
        return measures, weights


def _check_targets(y, shape):
    """Barycenters ``y`` of the given (n_samples, H, W) shape, rescaled to unit mass."""
    if np.shape(y) != tuple(shape):
        raise ValueError(
            f"y must have shape {tuple(shape)} (one barycenter per example), got {np.shape(y)}."
        )
    targets, _ = check_grid_measures(np.expand_dims(y, 1), name="y")
    return targets[:, 0]
