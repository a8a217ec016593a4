r"""Reference Wasserstein barycenters of histograms on a grid, with GeomLoss.

The Lagrangian scheme of the DCNN paper (Sec. 3.2): the barycenter is a cloud of N equal
masses :math:`b = \sum_j b_j \delta_{x_j}`, one per grid cell, starting from the uniform
measure, and moved along the weighted Sinkhorn-divergence gradients

.. math::

    x_j \leftarrow x_j - \frac{1}{b_j} \nabla_{x_j} \sum_i \lambda_i S_\varepsilon(b, \mu_i),

where :math:`S_\varepsilon` is GeomLoss's debiased Sinkhorn divergence (``p=2``, cost
:math:`|x - y|^2 / 2`, ``blur`` :math:`=\sqrt{\varepsilon}`) and each input
:math:`\mu_i` is the cloud of its non-zero pixels. The points are then splatted back to the
grid bilinearly (mass-preserving). One step from the uniform measure is the paper's
*linearised* barycenter: the weighted average of the transport maps from uniform to each
input, so :func:`uniform_transport_maps` computes one map per input once and
:func:`linearised_barycenter` mixes them for any weights at the cost of one splat.

Since :math:`\sum_i \lambda_i = 1`, the gradient splits into
:math:`\sum_i \lambda_i \nabla OT_\varepsilon(b, \mu_i) - \tfrac12 \nabla OT_\varepsilon(b, b)`:
the debiasing term is computed once per step, not once per input; for the uniform start it
is the same for every input and splits into two 1-D problems, so it costs nothing. All
problems share one :math:`\varepsilon`-schedule (GeomLoss's ``diameter`` fixed to the unit
square's diagonal), which makes this split exact.

Grid cell :math:`(r, c)` of an ``(H, W)`` image sits at :math:`((r + 1/2) / s, (c + 1/2) / s)`
with :math:`s = \max(H, W)`, so ``blur`` is a length in units of the longer side.
``backend="tensorized"`` (the only one without pykeops) holds dense cost matrices: N x M
(M non-zero input cells) for every step, and N x N for the debiasing term of every step
after the first (64 MB at 64 x 64, 1 GB at 128 x 128; 512 x 512 is out of reach).
Measured on one CPU thread of a loaded 2-core machine: a transport map from uniform costs
about 2 s at 64 x 64 and 60 s at 128 x 128 (contours); a 10-step barycenter about 7 s at
32 x 32 and minutes at 64 x 64.
"""

import functools
from numbers import Integral, Real

import numpy as np
import torch
from geomloss import SamplesLoss
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._device import resolve_device

_DIAMETER = float(np.sqrt(2.0))  # the unit square's diagonal: one epsilon-schedule for all
_SIMPLEX_ATOL = 1e-5
_BACKENDS = StrOptions({"tensorized", "online", "multiscale", "auto"})


def check_grid_measures(measures, weights=None, *, name="measures"):
    """Validate histograms on a grid and their barycentric weights.

    Parameters
    ----------
    measures : array-like of shape (..., k, H, W)
        Real, finite, non-negative images, ``k >= 1`` per problem, each with positive
        mass. They are rescaled to unit mass; any finite scale works, as each image is
        divided by its largest value before its mass is summed (1e308 everywhere would
        overflow the plain sum).
    weights : array-like of shape (..., k) or None, default=None
        Barycentric weights on the simplex (non-negative, summing to 1 within 1e-5);
        ``None`` means uniform.
    name : str, default="measures"
        What the error messages call the images (``init`` checks starting grids).

    Returns
    -------
    measures : ndarray of shape (..., k, H, W), dtype float64
        Each image divided by its mass.
    weights : ndarray of shape (..., k), dtype float64
        Renormalised to sum exactly to 1.

    Raises
    ------
    ValueError
        On ragged or mismatched shapes, complex, NaN or infinite values, negative mass,
        an image without mass, or weights off the simplex.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import check_grid_measures
    >>> measures, weights = check_grid_measures(np.ones((2, 4, 4)))
    >>> measures.sum(axis=(-2, -1)), weights
    (array([1., 1.]), array([0.5, 0.5]))
    """
    measures = _as_float_array(measures, name)
    if measures.ndim < 3 or min(measures.shape[-3:]) < 1 or min(measures.shape[-2:]) < 2:
        raise ValueError(
            f"{name} must have shape (..., k, H, W) with k >= 1 and H, W >= 2, "
            f"got {measures.shape}."
        )
    if (measures < 0).any():
        raise ValueError(f"{name} must be non-negative (found negative mass).")
    peak = measures.max(axis=(-2, -1), keepdims=True, initial=0.0)
    if (peak <= 0).any():
        raise ValueError(f"every image of {name} must have positive mass (found an all-zero one).")
    measures = measures / peak
    mass = measures.sum(axis=(-2, -1), keepdims=True)
    if weights is None:
        weights = np.full(measures.shape[:-2], 1.0 / measures.shape[-3])
    weights = _as_float_array(weights, "weights")
    if weights.shape != measures.shape[:-2]:
        raise ValueError(
            f"weights must have shape {measures.shape[:-2]} (one per measure), got {weights.shape}."
        )
    total = weights.sum(axis=-1, keepdims=True)
    if (weights < 0).any() or not np.allclose(total, 1.0, rtol=0, atol=_SIMPLEX_ATOL):
        raise ValueError("weights must lie on the simplex: non-negative and summing to 1.")
    return measures / mass, weights / total


def _as_float_array(values, name):
    try:
        values = np.asarray(values)
    except ValueError as error:  # ragged nested sequences
        raise ValueError(f"{name} must be a regular array (same shape for all): {error}") from None
    if np.iscomplexobj(values):  # casting to float would drop the imaginary part
        raise ValueError(f"{name} must be real, got complex values.")
    values = values.astype(np.float64, copy=False)
    if not np.isfinite(values).all():
        raise ValueError(f"{name} must not contain NaN or infinite values.")
    return values


def _grid_points(shape, device="cpu"):
    """Cell centres of an (H, W) grid in units of its longer side, shape (H * W, 2)."""
    rows, cols = (torch.arange(n, dtype=torch.float32, device=device) + 0.5 for n in shape)
    points = torch.stack(torch.meshgrid(rows, cols, indexing="ij"), dim=-1)
    return points.reshape(-1, 2) / max(shape)


def _support(measure, device="cpu"):
    """Non-zero cells of one (H, W) histogram as (masses, points): cheaper than the grid."""
    rows, cols = np.nonzero(measure)
    points = (np.stack([rows, cols], axis=1) + 0.5) / max(measure.shape)
    masses = measure[rows, cols]
    masses, points = (
        torch.from_numpy(v).float().to(device) for v in (masses / masses.sum(), points)
    )
    return masses, points


def _ot_gradient(loss, a, x, b, y):
    """Gradient in x of GeomLoss's ``loss`` between (a, x) and (b, y)."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss(a, x, b, y), [x])
    return grad


def _self_gradient(loss, a, x):
    """Gradient in x of the debiasing term OT(b, b) / 2.

    GeomLoss's debiased loss against any measure minus its biased loss against the same
    measure leaves exactly this term; against one point, the cross terms cost nothing, and
    GeomLoss's symmetric solver needs half the N x N work of a plain OT(b, b).
    """
    anchor = (torch.ones(1, device=x.device), x[:1].detach())
    debiased = _samples_loss(loss.blur, loss.scaling, loss.backend, debias=True)
    return _ot_gradient(loss, a, x, *anchor) - _ot_gradient(debiased, a, x, *anchor)


@functools.lru_cache(maxsize=8)
def _uniform_self_gradient(shape, blur, scaling, backend):
    """Debiasing gradient at the uniform start, from two 1-D problems.

    The uniform measure on a grid is a product of 1-D uniform measures and the cost is
    separable, so every Sinkhorn iterate, hence the potential, splits into a sum of 1-D
    potentials: exact, and O(H^2 + W^2) instead of O(H^2 W^2).
    """
    loss = _samples_loss(blur, scaling, backend)
    height, width = shape
    axes = []
    for n in shape:
        x = (torch.arange(n, dtype=torch.float32)[:, None] + 0.5) / max(shape)
        axes.append(_self_gradient(loss, torch.full((n,), 1.0 / n), x)[:, 0])
    rows = axes[0][:, None].expand(shape) / width
    cols = axes[1][None, :].expand(shape) / height
    return torch.stack([rows, cols], dim=-1).reshape(-1, 2)


def _samples_loss(blur, scaling, backend, debias=False):
    return SamplesLoss(
        "sinkhorn",
        p=2,
        blur=blur,
        scaling=scaling,
        debias=debias,  # False: the debiasing term is added once per step (module docstring)
        diameter=_DIAMETER,
        backend=backend,
    )


def _displacement(loss, a, x, support, self_grad):
    r"""Step :math:`-\nabla_x S_\varepsilon(b, \mu) / b` towards one measure."""
    return -(_ot_gradient(loss, a, x, *support) - self_grad) / a[:, None]


def _splat(points, masses, shape):
    """Bilinear, mass-preserving splatting of weighted points onto an (H, W) grid."""
    height, width = shape
    points, masses = points.detach().cpu().double(), masses.cpu().double()
    cells = points * max(shape) - 0.5  # continuous cell coordinates
    cells = torch.stack([cells[:, 0].clamp(0, height - 1), cells[:, 1].clamp(0, width - 1)], dim=1)
    low = cells.floor().clamp(max=torch.tensor([height - 2, width - 2], dtype=cells.dtype))
    frac = cells - low
    low = low.long()
    grid = torch.zeros(height * width, dtype=torch.float64)
    for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):
        share = (frac[:, 0] if dr else 1 - frac[:, 0]) * (frac[:, 1] if dc else 1 - frac[:, 1])
        index = (low[:, 0] + dr) * width + low[:, 1] + dc
        grid.index_add_(0, index, masses * share)
    grid = grid.reshape(shape).numpy()
    return grid / grid.sum()


_SOLVER_PARAMS = {
    "blur": [Interval(Real, 0, None, closed="neither")],
    "scaling": [Interval(Real, 0, 1, closed="neither")],
    "backend": [_BACKENDS],
    "device": [str, torch.device],
}


@validate_params(
    {
        "measures": ["array-like"],
        "weights": ["array-like", None],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        **_SOLVER_PARAMS,
    },
    prefer_skip_nested_validation=True,
)
def grid_barycenter(
    measures,
    weights=None,
    *,
    n_steps=10,
    blur=0.01,
    scaling=0.9,
    backend="tensorized",
    device="cpu",
):
    """Wasserstein barycenter of histograms on a grid by Lagrangian Sinkhorn descent.

    See the module docstring for the scheme. ``n_steps=1`` is the paper's linearised
    barycenter; 10 steps give the accurate reference.

    Parameters
    ----------
    measures : array-like of shape (k, H, W)
        Non-negative images with positive mass (rescaled to unit mass).
    weights : array-like of shape (k,) or None, default=None
        Barycentric weights on the simplex; ``None`` means uniform.
    n_steps : int, default=10
        Descent steps from the uniform measure.
    blur : float, default=0.01
        GeomLoss's blur (square root of the entropic temperature), in units of the
        grid's longer side.
    scaling : float, default=0.9
        GeomLoss's epsilon-scaling ratio: closer to 1 is slower and more accurate.
    backend : {"tensorized", "online", "multiscale", "auto"}, default="tensorized"
        GeomLoss backend; all but "tensorized" need pykeops.
    device : str or torch.device, default="cpu"
        Where the Sinkhorn problems run; ``"auto"`` uses CUDA when present.

    Returns
    -------
    barycenter : ndarray of shape (H, W), dtype float64
        Non-negative, summing to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import grid_barycenter
    >>> left, right = np.zeros((2, 16, 16)), np.zeros((2, 16, 16))
    >>> left[0, 8, 2] = right[1, 8, 13] = 1.0
    >>> bary = grid_barycenter(left + right, [0.5, 0.5], n_steps=2)
    >>> bary.shape, np.unravel_index(bary.argmax(), bary.shape)
    ((16, 16), (np.int64(8), np.int64(7)))
    """
    measures, weights = check_grid_measures(measures, weights)
    if measures.ndim != 3:
        raise ValueError(f"measures must have shape (k, H, W), got {measures.shape}.")
    shape = measures.shape[1:]
    loss = _samples_loss(blur, scaling, backend)
    device = resolve_device(device)
    supports = [_support(m, device) for m in measures]
    x = _grid_points(shape, device)
    a = torch.full((len(x),), 1.0 / len(x), device=device)
    for step in range(n_steps):
        if step == 0:
            self_grad = _uniform_self_gradient(shape, blur, scaling, backend).to(device)
        else:
            self_grad = _self_gradient(loss, a, x)
        x = x + sum(
            w * _displacement(loss, a, x, support, self_grad)
            for w, support in zip(weights, supports)
            if w > 0  # zero weights cost nothing
        )
    return _splat(x, a, shape)


@validate_params({"measures": ["array-like"], **_SOLVER_PARAMS}, prefer_skip_nested_validation=True)
def uniform_transport_maps(measures, *, blur=0.01, scaling=0.9, backend="tensorized", device="cpu"):
    """Transport maps from the uniform measure on the grid to each histogram.

    One Sinkhorn-divergence gradient step per input (see the module docstring); mixing
    them with :func:`linearised_barycenter` gives the linearised barycenter for any
    weights, which is what makes training targets cheap.

    Parameters
    ----------
    measures : array-like of shape (k, H, W)
        Non-negative images with positive mass (rescaled to unit mass).
    blur, scaling, backend, device
        As in :func:`grid_barycenter`.

    Returns
    -------
    maps : ndarray of shape (k, H, W, 2), dtype float32
        Where the mass of each grid cell goes, in units of the grid's longer side
        (cell ``(r, c)`` starts at ``((r + 0.5) / s, (c + 0.5) / s)``, ``s = max(H, W)``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import linearised_barycenter, uniform_transport_maps
    >>> measures = np.zeros((2, 16, 16))
    >>> measures[0, 8, 2] = measures[1, 8, 13] = 1.0
    >>> maps = uniform_transport_maps(measures)
    >>> bary = linearised_barycenter(maps, [0.5, 0.5])
    >>> maps.shape, np.unravel_index(bary.argmax(), bary.shape)
    ((2, 16, 16, 2), (np.int64(8), np.int64(7)))
    """
    measures, _ = check_grid_measures(measures)
    if measures.ndim != 3:
        raise ValueError(f"measures must have shape (k, H, W), got {measures.shape}.")
    shape = measures.shape[1:]
    loss = _samples_loss(blur, scaling, backend)
    device = resolve_device(device)
    x = _grid_points(shape, device)
    a = torch.full((len(x),), 1.0 / len(x), device=device)
    self_grad = _uniform_self_gradient(shape, blur, scaling, backend).to(device)
    maps = [x + _displacement(loss, a, x, _support(m, device), self_grad) for m in measures]
    return torch.stack(maps).reshape(len(measures), *shape, 2).cpu().numpy()


@validate_params(
    {"maps": ["array-like"], "weights": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def linearised_barycenter(maps, weights=None):
    """Linearised barycenter: splat the weighted average of transport maps from uniform.

    Parameters
    ----------
    maps : array-like of shape (k, H, W, 2)
        Output of :func:`uniform_transport_maps` (possibly stacked from several calls).
    weights : array-like of shape (k,) or None, default=None
        Barycentric weights on the simplex; ``None`` means uniform.

    Returns
    -------
    barycenter : ndarray of shape (H, W), dtype float64
        Non-negative, summing to 1; equal to ``grid_barycenter(measures, weights,
        n_steps=1)`` up to float32 rounding.

    Examples
    --------
    See :func:`uniform_transport_maps`.
    """
    maps = _as_float_array(maps, "maps")
    if maps.ndim != 4 or maps.shape[-1] != 2 or min(maps.shape[1:3]) < 2:
        raise ValueError(f"maps must have shape (k, H, W, 2), got {maps.shape}.")
    _, weights = check_grid_measures(np.ones(maps.shape[:3]), weights)
    points = torch.from_numpy(np.tensordot(weights, maps, axes=1).reshape(-1, 2))
    masses = torch.full((len(points),), 1.0 / len(points), dtype=torch.float64)
    return _splat(points, masses, maps.shape[1:3])


class GeomLossGridBarycenter(BaseEstimator):
    """The reference grid barycenter as an estimator, for side-by-side use with predictors.

    Nothing is learned: ``fit`` only validates the parameters, and ``predict`` solves one
    :func:`grid_barycenter` problem per sample.

    Parameters
    ----------
    n_steps : int, default=10
        Descent steps from the uniform measure (1 is the linearised barycenter).
    blur : float, default=0.01
        GeomLoss's blur, in units of the grid's longer side.
    scaling : float, default=0.9
        GeomLoss's epsilon-scaling ratio.
    backend : {"tensorized", "online", "multiscale", "auto"}, default="tensorized"
        GeomLoss backend; all but "tensorized" need pykeops.
    device : str or torch.device, default="cpu"
        Where the Sinkhorn problems run; ``"auto"`` uses CUDA when present.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_wb.numerics import GeomLossGridBarycenter, random_shape_contours
    >>> measures = random_shape_contours(4, size=16, random_state=0).reshape(2, 2, 16, 16)
    >>> bary = GeomLossGridBarycenter(n_steps=1).predict(measures, [[0.5, 0.5], [0.2, 0.8]])
    >>> bary.shape, bary.sum(axis=(1, 2)).round(6)
    ((2, 16, 16), array([1., 1.]))
    """

    _parameter_constraints = {
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        **_SOLVER_PARAMS,
    }

    def __init__(self, n_steps=10, blur=0.01, scaling=0.9, backend="tensorized", device="cpu"):
        self.n_steps = n_steps
        self.blur = blur
        self.scaling = scaling
        self.backend = backend
        self.device = device

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def fit(self, measures=None, weights=None):
        """Validate the parameters; there is nothing to learn.

        Parameters
        ----------
        measures, weights : ignored

        Returns
        -------
        self : GeomLossGridBarycenter
        """
        self._validate_params()
        return self

    def predict(self, measures, weights=None):
        """Reference barycenter of each sample's measures.

        Parameters
        ----------
        measures : array-like of shape (n_samples, k, H, W)
            Non-negative images with positive mass (rescaled to unit mass).
        weights : array-like of shape (n_samples, k) or None, default=None
            Barycentric weights on the simplex per sample; ``None`` means uniform.

        Returns
        -------
        barycenters : ndarray of shape (n_samples, H, W), dtype float64
            Non-negative, each summing to 1.
        """
        self._validate_params()
        measures, weights = check_grid_measures(measures, weights)
        if measures.ndim != 4:
            raise ValueError(
                f"measures must have shape (n_samples, k, H, W), got {measures.shape}."
            )
        params = self.get_params()
        return np.stack([grid_barycenter(m, w, **params) for m, w in zip(measures, weights)])
