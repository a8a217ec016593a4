"""Sample sets from the NWB paper's experiments, as ``(X, y)`` with y naming the measure.

Functions returning ``(means, covs)`` describe Gaussian measures exactly, so their
barycenter is known (:func:`~sklearn_wb.numerics.gaussian_barycenter`);
:func:`sample_gaussians` draws from them.
"""

import warnings

import numpy as np
from scipy import stats
from scipy.stats import qmc
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

# Sobol uniforms are kept this far inside (0, 1) so that the normal quantile stays finite.
_SOBOL_EDGE = 1e-12


def paper_gaussians():
    """The four 2-D Gaussians of the NWB paper (Fig. 3, Appendix C.1.1).

    Their uniform barycenter is N([3, 3], [[1.95, -0.41], [-0.41, 1.61]]).

    Returns
    -------
    means : ndarray of shape (4, 2)
    covs : ndarray of shape (4, 2, 2)

    Examples
    --------
    >>> from sklearn_wb.numerics import paper_gaussians, gaussian_barycenter
    >>> mean, cov = gaussian_barycenter(*paper_gaussians())
    >>> mean.round(2), cov.round(2)
    (array([3., 3.]), array([[ 1.95, -0.41],
           [-0.41,  1.61]]))
    """
    means = np.array([[10.0, 10.0], [0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    covs = np.array(
        [
            [[2.0, 1.0], [1.0, 1.0]],
            [[1.5, -1.0], [-1.0, 1.5]],
            [[3.0, -2.0], [-2.0, 3.0]],
            [[2.0, 0.0], [0.0, 2.0]],
        ]
    )
    return means, covs


def random_gaussians(n_measures, dim, *, random_state=None):
    """Random Gaussians in dimension ``dim`` for the scaling study (paper Sec. 4.3).

    Means are drawn from N(0, I); covariances are ``Q diag(s) Q^T`` with a random rotation
    ``Q`` and spectrum ``s`` log-uniform in [0.5, 2], so the barycenter problem is not
    axis-aligned (the paper's are diagonal; rotated ones are harder).

    Parameters
    ----------
    n_measures : int
    dim : int
    random_state : int, RandomState instance or None

    Returns
    -------
    means : ndarray of shape (n_measures, dim)
    covs : ndarray of shape (n_measures, dim, dim)
    """
    rng = check_random_state(random_state)
    means = rng.normal(size=(n_measures, dim))
    covs = np.empty((n_measures, dim, dim))
    for i in range(n_measures):
        rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        spectrum = np.exp(rng.uniform(np.log(0.5), np.log(2.0), size=dim))
        covs[i] = (rotation * spectrum) @ rotation.T
    return means, covs


def sample_gaussians(means, covs, n_samples_per_measure, *, random_state=None, quasi_random=False):
    """Draw the same number of samples from each Gaussian.

    Parameters
    ----------
    means : array-like of shape (n_measures, d)
    covs : array-like of shape (n_measures, d, d)
    n_samples_per_measure : int
    random_state : int, RandomState instance or None
    quasi_random : bool, default=False
        Draw each measure's samples from its own scrambled Sobol sequence through the
        normal quantile (randomised quasi-Monte Carlo, SciPy's ``MultivariateNormalQMC``),
        as the estimators' ``sample`` draws their latents by default, instead of
        independently. They cover the Gaussian evenly, so their moments are far closer
        to the exact ones: :func:`~sklearn_wb.numerics.bw2_uvp_floor` uses them for the
        floor of such samples.

    Returns
    -------
    X : ndarray of shape (n_measures * n_samples_per_measure, d)
    y : ndarray of shape (n_measures * n_samples_per_measure,)
        Index of the measure each row came from.

    Examples
    --------
    >>> from sklearn_wb.numerics import paper_gaussians, sample_gaussians
    >>> X, y = sample_gaussians(*paper_gaussians(), 500, random_state=0)
    >>> X.shape, y[:3]
    ((2000, 2), array([0, 0, 0]))
    """
    rng = check_random_state(random_state)
    draw = _quasi_random_normal if quasi_random else _independent_normal
    blocks = [draw(rng, m, c, n_samples_per_measure) for m, c in zip(means, covs)]
    return np.concatenate(blocks), np.repeat(np.arange(len(blocks)), n_samples_per_measure)


def _independent_normal(rng, mean, cov, n_samples):
    return rng.multivariate_normal(mean, cov, size=n_samples)


def _quasi_random_normal(rng, mean, cov, n_samples):
    engine = qmc.MultivariateNormalQMC(mean, cov, rng=rng.randint(np.iinfo(np.int32).max))
    with warnings.catch_warnings():
        # Sobol points balance best in powers of 2; any count still covers the space
        # evenly, and the estimators' sample draws any count too.
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        return engine.random(n_samples)


def _mixture_samples(centres, n_samples, rng):
    centres = np.asarray(centres, dtype=float)
    components = rng.randint(len(centres), size=n_samples)
    return centres[components] + rng.normal(size=(n_samples, centres.shape[1]))


def quasi_random_mixture(centres, std, n_samples, *, random_state=None):
    """Samples of the uniform mixture of isotropic Gaussians N(centre, std^2 I), drawn as
    ``NeuralBarycenter.sample`` draws by default: one scrambled Sobol sequence in 1 + d
    coordinates, the component from the first, the noise from the others through the
    normal quantile, so every component gets its share of the samples.

    Parameters
    ----------
    centres : array-like of shape (n_components, d)
    std : float
        Positive standard deviation of every component along every axis.
    n_samples : int
    random_state : int, RandomState instance or None
        Seeds the scrambling.

    Returns
    -------
    X : ndarray of shape (n_samples, d)
    components : ndarray of shape (n_samples,)
        The component each sample was drawn from.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import quasi_random_mixture
    >>> X, components = quasi_random_mixture([[0, 0], [5, 5]], 0.5, 1000, random_state=0)
    >>> X.shape, np.bincount(components).tolist()
    ((1000, 2), [500, 500])
    """
    centres = check_array(centres, input_name="centres")
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}.")
    n_components, dim = centres.shape
    rng = check_random_state(random_state)
    sobol = qmc.Sobol(1 + dim, scramble=True, rng=rng.randint(np.iinfo(np.int32).max))
    with warnings.catch_warnings():
        # Sobol points balance best in powers of 2; any count still covers the cube
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        uniform = np.clip(sobol.random(n_samples), _SOBOL_EDGE, 1 - _SOBOL_EDGE)
    components = np.minimum((uniform[:, 0] * n_components).astype(int), n_components - 1)
    return centres[components] + std * stats.norm.ppf(uniform[:, 1:]), components


_MIXTURE_CENTRES = {
    2: [
        [[4, 4], [4, -4], [-4, -4], [-4, 4]],
        [[0, 4], [4, 0], [0, -4], [-4, 0]],
    ],
    3: [
        [[4, 4], [4, -4], [-4, -4], [-4, 4]],
        [[4, 4], [-4, 4], [0, -4]],
        [[4, -4], [-4, -4], [0, 4]],
    ],
}


def make_gaussian_mixtures(
    n_measures=2, n_samples_per_measure=1000, *, random_state=None, quasi_random=False
):
    """The 2- and 3-marginal Gaussian mixtures of the NWB paper (Appendix C.1.2).

    Each marginal is a uniform mixture of unit-covariance Gaussians (Figs. 4 and 9).

    Parameters
    ----------
    n_measures : {2, 3}, default=2
    n_samples_per_measure : int, default=1000
    random_state : int, RandomState instance or None
    quasi_random : bool, default=False
        Draw each measure as the estimators' ``sample`` draws by default
        (:func:`quasi_random_mixture`): each mode gets its share of the samples, and
        they cover the measure more evenly than independent draws.

    Returns
    -------
    X : ndarray of shape (n_measures * n_samples_per_measure, 2)
    y : ndarray of shape (n_measures * n_samples_per_measure,)
    """
    if n_measures not in _MIXTURE_CENTRES:
        raise ValueError(f"n_measures must be 2 or 3, got {n_measures}.")
    rng = check_random_state(random_state)
    n = n_samples_per_measure
    blocks = [
        quasi_random_mixture(c, 1.0, n, random_state=rng)[0]
        if quasi_random
        else _mixture_samples(c, n, rng)
        for c in _MIXTURE_CENTRES[n_measures]
    ]
    return np.concatenate(blocks), np.repeat(np.arange(n_measures), n_samples_per_measure)


def make_random_ellipses(n_measures=20, n_samples_per_measure=1000, *, random_state=None):
    """Uniform measures on random ellipse outlines (NWB paper Fig. 5c).

    Each ellipse has a centre in [-1, 1]^2, semi-axes in [0.5, 2] and a random rotation;
    samples are uniform in the angle parameter.

    Parameters
    ----------
    n_measures : int, default=20
    n_samples_per_measure : int, default=1000
    random_state : int, RandomState instance or None

    Returns
    -------
    X : ndarray of shape (n_measures * n_samples_per_measure, 2)
    y : ndarray of shape (n_measures * n_samples_per_measure,)
    """
    rng = check_random_state(random_state)
    centres = rng.uniform(-1, 1, size=(n_measures, 1, 2))
    axes = rng.uniform(0.5, 2.0, size=(n_measures, 1, 2))
    tilt = rng.uniform(0, np.pi, size=(n_measures, 1))
    theta = rng.uniform(0, 2 * np.pi, size=(n_measures, n_samples_per_measure))
    u = axes[..., 0] * np.cos(theta)
    v = axes[..., 1] * np.sin(theta)
    x = u * np.cos(tilt) - v * np.sin(tilt)
    y_coord = u * np.sin(tilt) + v * np.cos(tilt)
    X = centres + np.stack([x, y_coord], axis=-1)
    return X.reshape(-1, 2), np.repeat(np.arange(n_measures), n_samples_per_measure)
