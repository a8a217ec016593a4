"""FreeWeightBarycenter: NWB-II (Algorithm 2 of the NWB paper) as a scikit-learn estimator."""

from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _defaults
from ._barycenter_init import first_guess_samples, gaussian_fits, gaussian_maps, latent_mixture
from ._common import PersistenceMixin
from ._execution import rollback_on_failure, torch_seed, with_torch_threads
from ._free_weight_init import (
    gaussian_components_at,
    init_generator,
    init_potentials_from_gaussians,
    reference_gaussian,
    transported_components_at,
)
from ._sample_measures import SampleMeasuresMixin, check_n_samples, pad_by_measure
from .deep.free_weight_net import FreeWeightModule, FreeWeightNWBNet, WeightedMeasureBatchSampler
from .deep.generator import latent_draws
from .deep.warm_start import update_training_params, update_verbosity
from .numerics._device import resolve_device
from .numerics.gaussian import _check_weights as check_simplex_weights

# sample() moves its draws by the gap between the barycenter's mean, known exactly at any
# weights (the weighted mean of the measures' means: W2^2 splits into the squared distance
# between the means and the cost between the centred measures), and the generator's mean
# there, estimated from this many quasi-random latent draws of a fixed seed.
_MEAN_REFERENCE_DRAWS = 8192


class FreeWeightBarycenter(SampleMeasuresMixin, PersistenceMixin, BaseEstimator):
    r"""Wasserstein-2 barycenters of sample sets for every weight vector, from one fit (NWB-II).

    Given samples of measures :math:`\mu_1, \dots, \mu_N`, learns a generator
    :math:`h(z, a)` whose push-forward of Gaussian noise is the barycenter
    :math:`\nu_a = \arg\min_\nu \sum_i a_i W_2^2(\nu, \mu_i)` for any weight vector
    :math:`a` on the simplex, with potentials :math:`f_i(\cdot, a)` and
    :math:`g_i(\cdot, a)`, convex in their first argument for every :math:`a`, whose
    gradients map the barycenter onto each measure and back. The potentials are trained
    for problem (11) of Fan, Taghvaei and Chen (2021) as in Algorithm 2: every outer
    iteration draws a fresh weight vector from ``weight_distribution`` and makes one step
    of :class:`NeuralBarycenter`'s potentials at it. The generator moves with a fresh
    weight vector :math:`a` for each of its steps (``generator_step``): in 1-D and 2-D it
    descends
    :math:`\sum_i a_i S_\varepsilon(h(\cdot, a)_\#\rho, \mu_i)` between minibatches,
    above it is regressed every 100 iterations onto the image of its samples under
    :math:`\sum_i a_i \nabla_x f_i(\cdot, a)`.

    Each potential is a convex quadratic whose coefficients are polynomials in :math:`a`,
    plus a partially input-convex network (PICNN); the generator is an affine map with
    polynomial coefficients plus a residual network of :math:`(z, a)`. With
    ``init="gaussian"`` they start from the exact barycenters of the measures' Gaussian
    fits, for every :math:`a`.

    Parameters
    ----------
    weight_distribution : {"uniform", "dirichlet"}, default="uniform"
        Distribution of the weight vectors drawn during training: uniform on the simplex,
        or Dirichlet(``alpha``). Over 15 weights of the simplex (three Gaussians,
        ``reproduce free-weights``) uniform draws scored BW2-UVP 0.018-0.063 % and
        ``alpha=0.5`` (more draws near the edges) 0.013-0.057 %: better at 10 of the 15,
        the paper's three interior weights included, worse at the vertices [0, 0, 1] and
        [0, 1, 0] and next to them.
    alpha : float or array-like of shape (n_measures,), default=1.0
        Dirichlet concentration (positive), in the order of ``classes_``; used only with
        ``weight_distribution="dirichlet"``.
    potential_hidden_sizes : tuple of int or "auto", default="auto"
        Hidden widths (positive ints) of the PICNNs f_i and g_i; empty for purely
        quadratic potentials. "auto" as in :class:`NeuralBarycenter` (chosen there; the
        wider networks above 2-D are not measured here).
    generator_hidden_sizes : tuple of int or "auto", default="auto"
        Hidden widths (positive ints) of the generator's residual network; empty for an
        affine generator. "auto" as in :class:`NeuralBarycenter`.
    n_components : int or "auto", default="auto"
        Affine components of the generator's latent mixture, as for
        :class:`NeuralBarycenter`: a Gaussian mixture fitted to a first guess of the
        barycenter at the mean training weights (the measures pushed by the ``init``
        maps), carried to every weight vector by the affine maps between the start's
        Gaussians; "auto" chooses the count by BIC as there. Gaussian data gets one
        component and the exact Gaussian start.
    generator_step : {"auto", "sinkhorn", "fixed_point"}, default="auto"
        How the generator moves, as for :class:`NeuralBarycenter`, each of its steps at a
        fresh weight vector; "auto" takes "sinkhorn" in 1-D and 2-D, where
        :class:`NeuralBarycenter` keeps a free-support start that has no counterpart here
        for every weight vector (the Sinkhorn steps move mass off small modes: see
        ``deep/sinkhorn_steps.py``), and "fixed_point" above. With "sinkhorn" a one-hot
        weight vector trains the generator on that measure alone.
    weight_degree : int, default=2
        Degree of the polynomials in the weights of the quadratic parts and of the
        generator's components. Degree 2 fits the closed forms of the benchmark's three
        Gaussians to a BW2-UVP of 4e-4 % at every weight; degree 1 to 0.05 %.
    n_epochs : int, default=6
        Epochs of ``iterations_per_epoch`` outer iterations each: as many iterations as
        :class:`NeuralBarycenter`, each more expensive: in 2-D a fit took 2.7-4.1 times
        a NeuralBarycenter fit on the free-weights benchmark.
    iterations_per_epoch : int, default=100
    batch_size : int, default=400
        Samples per measure (and of noise) in each outer iteration.
    n_inner_g : int, default=6
        g-steps per f-step (K1).
    n_inner_f : int, default=4
        f-steps per outer iteration (K2).
    lr : float, default=1e-3
        Initial Adam learning rate of the potentials, decayed to zero along a cosine; their
        fitted weights are an exponential moving average over the iterations. The paper's
        C.4 setting, and measured (before the fixed-point rounds): with 3e-3, training
        drifted from the near-exact Gaussian start at weights that uniform draws rarely
        visit (BW2-UVP 0.23 % at a vertex against 0.061 % worst case over the grid with
        1e-3, three Gaussians of C.4).
    convexity_penalty : float, default=0.1
        Weight of the penalty on negative z-path weights of g (f is clipped instead).
    init : {"gaussian", "identity"}, default="gaussian"
        Start from the Gaussian-fit barycenters, or from identity maps and the Gaussian
        with the moments of the mixture :math:`\sum_i a_i \mu_i`.
    device : str, default="auto"
        Torch device; "auto" uses CUDA when present.
    random_state : int, RandomState instance or None, default=None
        Seeds network initialisation, weight vectors and minibatches.
    verbose : int, default=0
        0 is silent; 1 prints a table per epoch and a progress bar.
    n_threads : int or None, default=1
        Torch threads while fitting, sampling, mapping and scoring; the caller's setting
        is restored afterwards. None leaves torch's setting alone.
    warm_start : bool, default=False
        If True, a second ``fit`` continues training the same networks for ``n_epochs``
        more epochs with the current training parameters, as a new cosine cycle of the
        learning rate from ``lr`` down to 0.

    Attributes
    ----------
    classes_ : ndarray of shape (n_measures,)
        Measure labels, in the order of the weight vectors.
    concentration_ : ndarray of shape (n_measures,)
        Dirichlet parameters of the training weights (ones for "uniform").
    n_features_in_ : int
    net_ : FreeWeightNWBNet
        The skorch net holding f, g and h.
    history_ : skorch.History
        Per-epoch record; ``train_loss`` is the estimated barycenter cost
        :math:`\sum_i a_i W_2^2(\nu_a, \mu_i)` at the iterations' weights, in
        standardised units.
    gaussian_means_, gaussian_covs_ : ndarray
        Means and covariances of the measures' Gaussian fits: their barycenter for any
        weights, :func:`~sklearn_wb.numerics.gaussian_barycenter`, is the closed-form
        baseline.

    Notes
    -----
    The paper's equation (12) weights each measure's term by :math:`a_i` for all three
    players. Here, as in :class:`NeuralBarycenter`, only the generator's step is weighted:
    at fixed :math:`a` the problems of the pairs :math:`(f_i, g_i)` are independent, with
    the same optimum for any positive weight, and unweighted they keep learning the maps
    of measures whose weight is small.

    Saving, loading, cross-validation and the estimator tags follow
    :class:`NeuralBarycenter`; :meth:`score` evaluates one weight vector.

    References
    ----------
    J. Fan, A. Taghvaei, Y. Chen. Scalable computations of Wasserstein barycenter via
    input convex neural networks. ICML 2021.

    B. Amos, L. Xu, J. Z. Kolter. Input convex neural networks. ICML 2017.

    Examples
    --------
    >>> from sklearn_wb import FreeWeightBarycenter
    >>> from sklearn_wb.numerics import paper_gaussians, sample_gaussians
    >>> X, y = sample_gaussians(*paper_gaussians(), 1000, random_state=0)
    >>> model = FreeWeightBarycenter(n_epochs=1, iterations_per_epoch=20, random_state=0)
    >>> model.fit(X, y).sample(5, weights=[0.7, 0.1, 0.1, 0.1], random_state=0).shape
    (5, 2)
    """

    _persisted_attributes = (
        "classes_",
        "concentration_",
        "n_features_in_",
        "feature_names_in_",
        "loc_",
        "scale_",
        "gaussian_means_",
        "gaussian_covs_",
    )

    _parameter_constraints = {
        "weight_distribution": [StrOptions({"uniform", "dirichlet"})],
        "alpha": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "potential_hidden_sizes": [tuple, list, StrOptions({"auto"})],
        "generator_hidden_sizes": [tuple, list, StrOptions({"auto"})],
        "n_components": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "weight_degree": [Interval(Integral, 1, None, closed="left")],
        "generator_step": [StrOptions({"auto", "sinkhorn", "fixed_point"})],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "iterations_per_epoch": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_inner_g": [Interval(Integral, 1, None, closed="left")],
        "n_inner_f": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "convexity_penalty": [Interval(Real, 0, None, closed="left")],
        "init": [StrOptions({"gaussian", "identity"})],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        weight_distribution="uniform",
        *,
        alpha=1.0,
        potential_hidden_sizes="auto",
        generator_hidden_sizes="auto",
        n_components="auto",
        generator_step="auto",
        weight_degree=2,
        n_epochs=6,
        iterations_per_epoch=100,
        batch_size=400,
        n_inner_g=6,
        n_inner_f=4,
        lr=1e-3,
        convexity_penalty=0.1,
        init="gaussian",
        device="auto",
        random_state=None,
        verbose=0,
        n_threads=1,
        warm_start=False,
    ):
        self.weight_distribution = weight_distribution
        self.alpha = alpha
        self.potential_hidden_sizes = potential_hidden_sizes
        self.generator_hidden_sizes = generator_hidden_sizes
        self.n_components = n_components
        self.generator_step = generator_step
        self.weight_degree = weight_degree
        self.n_epochs = n_epochs
        self.iterations_per_epoch = iterations_per_epoch
        self.batch_size = batch_size
        self.n_inner_g = n_inner_g
        self.n_inner_f = n_inner_f
        self.lr = lr
        self.convexity_penalty = convexity_penalty
        self.init = init
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.n_threads = n_threads
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.one_d_labels = True
        tags.non_deterministic = False
        # As NeuralBarycenter: measure labels are class labels, so an int cv stratifies.
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        return tags

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    @rollback_on_failure
    @with_torch_threads
    def fit(self, X, y):
        """Learn the barycenters, for all weights, of the measures whose samples are X's rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples of all measures, stacked.
        y : array-like of shape (n_samples,)
            Label of the measure each row came from; at least two distinct labels, each
            with at least two rows.

        Returns
        -------
        self : FreeWeightBarycenter

        Raises
        ------
        ValueError
            On bad input, as :meth:`NeuralBarycenter.fit
            <sklearn_wb.NeuralBarycenter.fit>` (and on an ``alpha`` of the wrong length);
            the estimator is then left as it was before the call.
        """
        continuing = self.warm_start and hasattr(self, "net_")
        classes, labels, concentration, Z = self._validate_measures(X, y, continuing)
        seed = torch_seed(self.random_state)
        device = resolve_device(self.device)
        padded, counts = pad_by_measure(Z, labels, len(classes))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if continuing:
                net = self.net_
                update_training_params(net, **self._training_params(concentration))
                update_verbosity(net, self.verbose, batches_per_epoch=self.iterations_per_epoch)
            else:
                net = self._build_net(Z, labels, concentration, device, seed)
            net.partial_fit(torch.as_tensor(padded, dtype=torch.float32), torch.as_tensor(counts))
        self.classes_, self.concentration_, self.net_ = classes, concentration, net
        self.history_ = net.history
        return self

    def _check_fit_weights(self, n_measures):
        """The Dirichlet parameters of the training weights."""
        if self.weight_distribution == "uniform":
            return np.ones(n_measures)
        alpha = np.asarray(self.alpha, dtype=float)
        if alpha.ndim == 0:
            alpha = np.full(n_measures, float(alpha))
        if alpha.shape != (n_measures,) or not np.all(np.isfinite(alpha) & (alpha > 0)):
            raise ValueError(
                f"alpha must be a positive number or {n_measures} positive numbers, one per "
                f"measure, got {self.alpha!r}."
            )
        return alpha

    def _build_net(self, Z, labels, concentration, device, seed):
        dim, n_measures = Z.shape[1], len(concentration)
        means, covs = gaussian_fits(Z, labels, n_measures)
        self.gaussian_means_ = self._unstandardise(means)
        self.gaussian_covs_ = covs * self.scale_**2
        rng = np.random.default_rng(seed)
        components_at, probabilities = self._generator_start(
            Z, labels, means, covs, concentration / concentration.sum(), rng
        )
        net = self._make_net(
            device,
            concentration,
            n_measures=n_measures,
            dim=dim,
            potential_hidden_sizes=self._resolve_sizes(
                self.potential_hidden_sizes, _defaults.potential_hidden_sizes, dim
            ),
            generator_hidden_sizes=self._resolve_sizes(
                self.generator_hidden_sizes, _defaults.generator_hidden_sizes, dim
            ),
            weight_degree=self.weight_degree,
            generator_components=len(probabilities),
        )
        if self.init == "gaussian":
            init_potentials_from_gaussians(net.module_, means, covs, rng)
        init_generator(net.module_.h, components_at, probabilities, rng)
        return net

    def _generator_start(self, Z, labels, means, covs, center, rng):
        """The generator's components as a function of the weights, and their probabilities.

        As :class:`NeuralBarycenter`'s start at the mean training weights ``center``: one
        component at the reference Gaussian, or a mixture fitted to the measures pushed by
        the ``init`` maps. One component follows the reference Gaussian to every a; a
        mixture is carried by the affine maps between the reference Gaussians.
        """
        reference = partial(reference_gaussian, self.init, means, covs)
        mean, cov = reference(center)
        maps = gaussian_maps(means, covs, mean, cov) if self.init == "gaussian" else None
        first_guess = first_guess_samples(
            Z, labels, center, maps, _defaults.FIRST_GUESS_SAMPLES, rng
        )
        shifts, scales, probabilities = latent_mixture(
            first_guess, self.n_components, rng.integers(2**31)
        )
        if len(probabilities) == 1:
            return partial(gaussian_components_at, reference), probabilities
        components_at = partial(transported_components_at, reference, mean, cov, shifts, scales)
        return components_at, probabilities

    def _make_net(self, device, concentration, **module_kwargs):
        """An initialised net for a FreeWeightModule built from ``module_kwargs``."""
        net = FreeWeightNWBNet(
            FreeWeightModule,
            **{f"module__{key}": value for key, value in module_kwargs.items()},
            optimizer=torch.optim.Adam,
            optimizer__fused=True,  # one kernel per step instead of one per parameter
            train_split=None,
            iterator_train=WeightedMeasureBatchSampler,
            iterator_train__device=device,
            **self._training_params(concentration),
            callbacks=self._callbacks(module_kwargs["dim"], module_kwargs["n_measures"]),
            device=device,
            verbose=self.verbose,  # skorch's epoch table prints only when verbose
        )
        return net.initialize()

    def _rebuild_net(self, module_kwargs):
        """Persistence hook: the net of a saved model, before its weights are loaded."""
        device = resolve_device(self.device)
        return self._make_net(device, self.concentration_, **module_kwargs)

    def _training_params(self, concentration):
        """The net's parameters that a warm start may change between fits."""
        return {
            "max_epochs": self.n_epochs,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "n_inner_g": self.n_inner_g,
            "n_inner_f": self.n_inner_f,
            "iterator_train__n_batches": self.iterations_per_epoch,
            "iterator_train__concentration": concentration.tolist(),
            "criterion__convexity_penalty": self.convexity_penalty,
            "callbacks__lr_schedule__T_max": self._schedule_length(len(concentration)),
        }

    # ------------------------------------------------------------------ after fit

    @with_torch_threads
    def sample(self, n_samples, weights, random_state=None, quasi_random=True):
        """Draw samples from the learned barycenter at the given weights.

        Parameters
        ----------
        n_samples : int
        weights : array-like of shape (n_measures,)
            Barycentric weights in the order of ``classes_``: non-negative, summing to 1.
            A one-hot vector gives that measure.
        random_state : int, RandomState instance or None, default=None
            Seeds the generator's noise; the same seed gives the same samples.
        quasi_random : bool, default=True
            Latent draws from one scrambled Sobol sequence: samples that cover the
            barycenter evenly but are not independent. Pass False where independence
            matters. Their floor is ``bw2_uvp_floor(..., quasi_random=True)``. See
            :meth:`NeuralBarycenter.sample`.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)

        Raises
        ------
        ValueError
            If ``weights`` is not a vector on the simplex with one entry per measure.

        Notes
        -----
        The samples are moved so that their law's mean is the barycenter's at
        ``weights``, the weighted mean of the training samples' means (exact for a
        Wasserstein-2 barycenter), by its gap to the generator's mean there, estimated
        from 8192 quasi-random latent draws. That lowers :math:`W_2^2` to the barycenter
        of the training samples by the squared gap.
        """
        check_is_fitted(self)
        check_n_samples(n_samples)
        weights = self._weights_tensor(weights)
        seed = torch_seed(random_state)
        Z = self._generate(n_samples, weights, seed, quasi_random)
        return self._unstandardise(Z + self._mean_gap(weights))

    def _generate(self, n_samples, weights, seed, quasi_random):
        """The generator's standardised samples at ``weights`` (a tensor), float64."""
        noise, pick = latent_draws(
            n_samples, self.n_features_in_, seed, weights.device, quasi_random
        )
        with torch.inference_mode():
            return self.net_.module_.h(noise, pick, weights).cpu().numpy().astype(np.float64)

    def _mean_gap(self, weights):
        """The barycenter's mean at ``weights`` (the weighted mean of the training
        samples' means) minus the generator's, standardised."""
        mean = self._standardise(weights.double().cpu().numpy() @ self.gaussian_means_)
        reference = self._generate(_MEAN_REFERENCE_DRAWS, weights, 0, quasi_random=True)
        return mean - reference.mean(axis=0)

    @with_torch_threads
    def push_forward(self, X, y, weights):
        """Map samples of the given measures onto the barycenter at ``weights``,
        x -> grad_x g_y(x, a).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or a single label
            The measure each row belongs to (labels from ``classes_``).
        weights : array-like of shape (n_measures,)
            The barycenter's weights, as for :meth:`sample`.

        Returns
        -------
        mapped : ndarray of shape (n_samples, n_features)
        """
        return self._apply_gradient("g", X, y, weights)

    @with_torch_threads
    def pull_back(self, X, y, weights):
        """Map samples of the barycenter at ``weights`` onto the given measures,
        x -> grad_x f_y(x, a); the inverse of :meth:`push_forward`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or a single label
            The measure each row should be mapped to.
        weights : array-like of shape (n_measures,)
            The barycenter's weights, as for :meth:`sample`.

        Returns
        -------
        mapped : ndarray of shape (n_samples, n_features)
        """
        return self._apply_gradient("f", X, y, weights)

    def _apply_gradient(self, potential_name, X, y, weights):
        check_is_fitted(self)
        weights = self._weights_tensor(weights)
        potential = getattr(self.net_.module_, potential_name)
        return self._map_rows(
            X, y, lambda x: potential.gradient(x, weights.to(x.device), create_graph=False)
        )

    def _weights_tensor(self, weights):
        weights = check_simplex_weights(weights, len(self.classes_))
        device = next(self.net_.module_.parameters()).device
        return torch.as_tensor(weights, dtype=torch.float32, device=device)

    @with_torch_threads
    def score(self, X, y, weights=None):
        r"""Negative barycenter cost at ``weights`` on held-out samples (higher is better).

        :math:`-\sum_i a_i \widehat{W}_2^2(\nu_a, \mu_i)`, estimated as in
        :meth:`NeuralBarycenter.score <sklearn_wb.NeuralBarycenter.score>` (debiased
        Sinkhorn on up to 2000 rows per measure, fixed seeds).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        weights : array-like of shape (n_measures,), default=None
            The weight vector a; uniform when None.

        Returns
        -------
        score : float

        Raises
        ------
        ValueError
            If a measure of ``classes_`` has no row in ``X``, or ``weights`` is invalid.
        """
        check_is_fitted(self)
        weights = check_simplex_weights(weights, len(self.classes_))
        return self._negative_cost(
            X, y, weights, lambda n, random_state: self.sample(n, weights, random_state)
        )
