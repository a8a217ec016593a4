r"""Grid barycenter problems whose exact (unregularised) W2 barycenter is known.

For benchmarks and tests of grid solvers. Every generator returns ``(measures, weights,
barycenters)`` of shapes ``(n, k, H, W)``, ``(n, k)`` and ``(n, H, W)``, each image of
unit mass, weights drawn from the flat Dirichlet law on the simplex.

- :func:`make_gaussian_blob_problems`: the barycenter of Gaussians
  :math:`\mathcal N(m_i, \Sigma_i)` is the Gaussian with mean :math:`\sum_i \lambda_i m_i`
  and the covariance of the fixed point (:func:`~sklearn_wb.numerics.gaussian_barycenter`).
  The blobs stay at least 3.8 standard deviations inside the grid, so the truncated mass
  is below :math:`10^{-4}`.
- :func:`make_location_scale_problems`: copies :math:`x \mapsto s_i x + c_i` of one filled
  star; the optimal maps between them are gradients of convex quadratics, so the
  barycenter is the same star at :math:`\sum_i \lambda_i c_i` with scale
  :math:`\sum_i \lambda_i s_i`.
- :func:`make_product_problems`: near-uniform densities that are products
  :math:`p_i(r)\,q_i(c)` of 1-D densities. The optimal maps between products act on each
  axis alone, so the barycenter is the product of the 1-D barycenters, whose quantile
  function is :math:`\sum_i \lambda_i Q_i` (each density constant on its cells).
- :func:`make_identical_problems` (the answer is the common input) and
  :func:`make_one_hot_problems` (one weight is 1: the answer is that input).

Densities are rasterised on cell centres :math:`((r + 1/2) / s, (c + 1/2) / s)`,
:math:`s = \max(H, W)`; stars by their covered area (8 x 8 samples per cell), so the
exact answers are as sharp as the grid allows.
"""

from numbers import Integral

import numpy as np
from skimage.draw import polygon
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from .gaussian import gaussian_barycenter

_STD_RANGE = (0.04, 0.09)  # Gaussian standard deviations, as fractions of the shorter side
_MEAN_RANGE = (0.35, 0.65)  # Gaussian means, as fractions of each side
_RADIUS_RANGE = (0.12, 0.22)  # star outer radii, as fractions of the shorter side
_SUPERSAMPLING = 8
_PRODUCT_AMPLITUDE = 0.3  # 1-D densities 1 + a f, |f| <= 1, a up to this (as near_uniform)
_PRODUCT_FREQUENCIES = 3  # cosines per 1-D profile

_PROBLEM_PARAMS = {
    "n_problems": [Interval(Integral, 1, None, closed="left")],
    "k": [Interval(Integral, 2, None, closed="left")],
    "shape": [Interval(Integral, 8, None, closed="left"), tuple],
    "random_state": ["random_state"],
}


def _check_shape(shape):
    shape = (shape, shape) if isinstance(shape, Integral) else tuple(shape)
    if len(shape) != 2 or min(shape) < 8:
        raise ValueError(f"shape must be an int or a pair (H, W), both >= 8, got {shape}.")
    return shape


def _extent(shape):
    """Side lengths of the grid in units of its longer side."""
    return np.asarray(shape, dtype=float) / max(shape)


def _cell_centres(shape):
    rows, cols = ((np.arange(n) + 0.5) / max(shape) for n in shape)
    return np.stack(np.meshgrid(rows, cols, indexing="ij"), axis=-1)


def _gaussian_image(mean, cov, shape):
    offsets = _cell_centres(shape) - mean
    quadratic = np.einsum("...i,ij,...j->...", offsets, np.linalg.inv(cov), offsets)
    density = np.exp(-0.5 * quadratic)
    return density / density.sum()


def _random_covariance(rng, short_side):
    stds = rng.uniform(*_STD_RANGE, size=2) * short_side
    angle = rng.uniform(0, np.pi)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return rotation @ np.diag(stds**2) @ rotation.T


def _dirichlet(rng, n_problems, k):
    return rng.dirichlet(np.ones(k), size=n_problems)


@validate_params(_PROBLEM_PARAMS, prefer_skip_nested_validation=True)
def make_gaussian_blob_problems(n_problems, k=2, shape=64, *, random_state=None):
    """Gaussian blobs on a grid and their exact W2 barycenters.

    Parameters
    ----------
    n_problems : int
        Number of independent problems.
    k : int, default=2
        Measures per problem, ``k >= 2``.
    shape : int or tuple (H, W), default=64
        Grid shape; an int means a square grid. Both sides at least 8.
    random_state : int, RandomState instance or None, default=None
        Seeds means (uniform in the middle 30% of each side), covariances (standard
        deviations 4% to 9% of the shorter side, random orientation) and weights.

    Returns
    -------
    measures : ndarray of shape (n_problems, k, H, W)
    weights : ndarray of shape (n_problems, k)
    barycenters : ndarray of shape (n_problems, H, W)
        The barycentric Gaussian rasterised the same way as the inputs.

    Examples
    --------
    >>> from sklearn_wb.numerics import make_gaussian_blob_problems
    >>> measures, weights, exact = make_gaussian_blob_problems(2, k=3, shape=16, random_state=0)
    >>> measures.shape, weights.shape, exact.shape, exact.sum(axis=(1, 2)).round(6)
    ((2, 3, 16, 16), (2, 3), (2, 16, 16), array([1., 1.]))
    """
    shape = _check_shape(shape)
    rng = check_random_state(random_state)
    extent = _extent(shape)
    weights = _dirichlet(rng, n_problems, k)
    measures, barycenters = [], []
    for w in weights:
        means = rng.uniform(*_MEAN_RANGE, size=(k, 2)) * extent
        covs = np.stack([_random_covariance(rng, extent.min()) for _ in range(k)])
        measures.append([_gaussian_image(m, c, shape) for m, c in zip(means, covs)])
        barycenters.append(_gaussian_image(*gaussian_barycenter(means, covs, w), shape))
    return np.asarray(measures), weights, np.asarray(barycenters)


def _star_vertices(n_points, inner_ratio, angle):
    """Unit star polygon (outer radius 1) around the origin, shape (2 * n_points, 2)."""
    angles = angle + np.pi * np.arange(2 * n_points) / n_points
    radii = np.where(np.arange(2 * n_points) % 2 == 0, 1.0, inner_ratio)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def _star_image(vertices, centre, scale, shape):
    """Area covered in each cell by the star ``scale * vertices + centre``, unit mass."""
    fine = [n * _SUPERSAMPLING for n in shape]
    points = (scale * vertices + centre) * max(fine) - 0.5  # fine-grid cell coordinates
    inside = np.zeros(fine)
    inside[polygon(points[:, 0], points[:, 1], shape=fine)] = 1.0
    coverage = inside.reshape(shape[0], _SUPERSAMPLING, shape[1], _SUPERSAMPLING).sum((1, 3))
    return coverage / coverage.sum()


@validate_params(_PROBLEM_PARAMS, prefer_skip_nested_validation=True)
def make_location_scale_problems(n_problems, k=2, shape=64, *, random_state=None):
    """Translated and dilated copies of one filled star, and their exact W2 barycenters.

    Parameters
    ----------
    n_problems : int
        Number of independent problems (each with its own star: 4 to 6 points, inner
        radius 40% to 70% of the outer one, random orientation).
    k : int, default=2
        Measures per problem, ``k >= 2``.
    shape : int or tuple (H, W), default=64
        Grid shape; an int means a square grid. Both sides at least 8.
    random_state : int, RandomState instance or None, default=None
        Seeds the stars, their outer radii (12% to 22% of the shorter side), centres
        (anywhere the largest star fits) and the weights.

    Returns
    -------
    measures : ndarray of shape (n_problems, k, H, W)
    weights : ndarray of shape (n_problems, k)
    barycenters : ndarray of shape (n_problems, H, W)
        The star at the weighted mean centre and weighted mean scale.

    Examples
    --------
    >>> from sklearn_wb.numerics import make_location_scale_problems
    >>> measures, weights, exact = make_location_scale_problems(1, k=2, shape=(16, 24),
    ...                                                          random_state=0)
    >>> measures.shape, exact.shape, round(float(exact.sum()), 6)
    ((1, 2, 16, 24), (1, 16, 24), 1.0)
    """
    shape = _check_shape(shape)
    rng = check_random_state(random_state)
    extent = _extent(shape)
    weights = _dirichlet(rng, n_problems, k)
    measures, barycenters = [], []
    for w in weights:
        vertices = _star_vertices(rng.randint(4, 7), rng.uniform(0.4, 0.7), rng.uniform(0, np.pi))
        scales = rng.uniform(*_RADIUS_RANGE, size=k) * extent.min()
        margin = _RADIUS_RANGE[1] * extent.min() + 1.0 / max(shape)
        centres = rng.uniform(margin, extent - margin, size=(k, 2))
        measures.append([_star_image(vertices, c, s, shape) for c, s in zip(centres, scales)])
        barycenters.append(_star_image(vertices, w @ centres, w @ scales, shape))
    return np.asarray(measures), weights, np.asarray(barycenters)


@validate_params(_PROBLEM_PARAMS, prefer_skip_nested_validation=True)
def make_product_problems(n_problems, k=2, shape=64, *, random_state=None):
    r"""Near-uniform product densities on a grid and their exact W2 barycenters.

    Each input is :math:`p_i(r)\,q_i(c)` with 1-D densities :math:`1 + a f` constant on
    the cells, :math:`f` a sum of three random cosines scaled to :math:`\max |f| = 1`
    and :math:`a` uniform in [0, 0.3], the range of the ``near_uniform`` grid family.
    Optimal maps between product measures act on each axis alone, so the barycenter is
    the product of the 1-D barycenters, whose quantile function is the weighted mean of
    the inputs' (piecewise linear: each density is constant on its cells).

    Parameters
    ----------
    n_problems, k, shape, random_state
        As in :func:`make_gaussian_blob_problems`.

    Returns
    -------
    measures : ndarray of shape (n_problems, k, H, W)
    weights : ndarray of shape (n_problems, k)
    barycenters : ndarray of shape (n_problems, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import make_product_problems
    >>> measures, weights, exact = make_product_problems(1, k=3, shape=16, random_state=0)
    >>> rows = np.arange(16)
    >>> means = [float((image.sum(axis=1) * rows).sum()) for image in (*measures[0], exact[0])]
    >>> # W2 barycenters average the means (here to within the cells' binning)
    >>> bool(abs(means[-1] - weights[0] @ means[:-1]) < 0.01)
    True
    """
    shape = _check_shape(shape)
    rng = check_random_state(random_state)
    weights = _dirichlet(rng, n_problems, k)
    measures, barycenters = [], []
    for w in weights:
        rows, cols = ([_near_uniform_profile(rng, n) for _ in range(k)] for n in shape)
        measures.append([np.outer(p, q) for p, q in zip(rows, cols)])
        barycenters.append(np.outer(_barycenter_1d(rows, w), _barycenter_1d(cols, w)))
    return np.asarray(measures), weights, np.asarray(barycenters)


def _near_uniform_profile(rng, n):
    """A unit-mass 1-D density 1 + a f on n cells (see :func:`make_product_problems`)."""
    x = (np.arange(n) + 0.5) / n
    frequencies = rng.randint(1, 5, size=_PRODUCT_FREQUENCIES)
    phases = rng.uniform(0, 2 * np.pi, size=_PRODUCT_FREQUENCIES)
    field = np.cos(2 * np.pi * frequencies * x[:, None] + phases).sum(axis=1)
    density = 1 + rng.uniform(0, _PRODUCT_AMPLITUDE) * field / np.abs(field).max()
    return density / density.sum()


def _barycenter_1d(densities, weights):
    """Cell masses of the W2 barycenter of positive 1-D densities constant on n cells.

    The CDFs are piecewise linear between the cell edges, so the quantile functions are
    piecewise linear between the CDFs' values at the edges; on the union of those
    breakpoints the weighted mean of the quantiles is exact, and inverting it at the
    edges gives the barycenter's CDF there.
    """
    edges = np.linspace(0, 1, len(densities[0]) + 1)
    cdfs = [np.concatenate([[0.0], np.cumsum(d)]) for d in densities]
    levels = np.unique(np.clip(np.concatenate(cdfs), 0, 1))
    quantile = sum(wi * np.interp(levels, cdf, edges) for wi, cdf in zip(weights, cdfs))
    return np.diff(np.interp(edges, quantile, levels))


@validate_params(_PROBLEM_PARAMS, prefer_skip_nested_validation=True)
def make_identical_problems(n_problems, k=2, shape=64, *, random_state=None):
    """k copies of one star per problem, random weights: the barycenter is that star.

    Parameters
    ----------
    n_problems, k, shape, random_state
        As in :func:`make_location_scale_problems`.

    Returns
    -------
    measures : ndarray of shape (n_problems, k, H, W)
    weights : ndarray of shape (n_problems, k)
    barycenters : ndarray of shape (n_problems, H, W)

    Examples
    --------
    >>> from sklearn_wb.numerics import make_identical_problems
    >>> measures, weights, exact = make_identical_problems(1, k=3, shape=16, random_state=0)
    >>> bool((measures[0, 2] == exact[0]).all())
    True
    """
    stars, weights, _ = make_location_scale_problems(
        n_problems, k, shape, random_state=random_state
    )
    measures = np.repeat(stars[:, :1], k, axis=1)
    return measures, weights, stars[:, 0].copy()


@validate_params(_PROBLEM_PARAMS, prefer_skip_nested_validation=True)
def make_one_hot_problems(n_problems, k=2, shape=64, *, random_state=None):
    """k different Gaussian blobs, all the weight on one: the barycenter is that blob.

    Parameters
    ----------
    n_problems, k, shape, random_state
        As in :func:`make_gaussian_blob_problems`; the index of the non-zero weight is
        drawn uniformly.

    Returns
    -------
    measures : ndarray of shape (n_problems, k, H, W)
    weights : ndarray of shape (n_problems, k)
    barycenters : ndarray of shape (n_problems, H, W)

    Examples
    --------
    >>> from sklearn_wb.numerics import make_one_hot_problems
    >>> measures, weights, exact = make_one_hot_problems(1, k=3, shape=16, random_state=0)
    >>> bool((measures[0, weights[0].argmax()] == exact[0]).all()), weights.sum()
    (True, np.float64(1.0))
    """
    rng = check_random_state(random_state)
    measures, _, _ = make_gaussian_blob_problems(n_problems, k, shape, random_state=rng)
    chosen = rng.randint(k, size=n_problems)
    weights = np.eye(k)[chosen]
    return measures, weights, measures[np.arange(n_problems), chosen].copy()
